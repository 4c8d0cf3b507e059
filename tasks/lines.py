"""Business lines and their ordered sales stages."""

from __future__ import annotations

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models.deals import Deal
from models.errors import CrmError
from models.leads import Lead
from models.lines import (
    DEFAULT_LOST_STAGE,
    DEFAULT_PROTECTED_STAGES,
    DEFAULT_STAGES,
    BusinessLine,
    SalesStage,
    stage_rows,
)
from models.report_history import LeadStageChange

WON_STAGE_NAMES = ("payment", "paid", "оплата", "оплачено")


class StageInfo(BaseModel):
    name: str
    position: int
    is_won: bool
    is_lost: bool
    is_protected: bool


def line_id_by_name(session: Session | sa.Connection, name: str) -> int:
    line_id = session.scalar(sa.select(BusinessLine.line_id).where(BusinessLine.name == name))
    if line_id is None:
        known = ", ".join(session.scalars(sa.select(BusinessLine.name).order_by(BusinessLine.name)))
        raise CrmError(f"unknown business line '{name}' (known: {known or 'none yet'})")
    return line_id


def add_line(session: Session, name: str) -> int:
    """Create a line with the default stages; refuses a name already taken."""
    name = name.strip()
    if not name:
        raise CrmError("a business line needs a name")
    line_id = session.scalar(
        insert(BusinessLine)
        .values(name=name)
        .on_conflict_do_nothing()
        .returning(BusinessLine.line_id)
    )
    if line_id is None:
        raise CrmError(f"business line '{name}' already exists")
    set_stages(
        session,
        name,
        list(DEFAULT_STAGES),
        lost=DEFAULT_LOST_STAGE,
        protected=list(DEFAULT_PROTECTED_STAGES),
    )
    return line_id


def ensure_lines(session: Session, names: set[str]) -> list[str]:
    """Create the missing lines among `names` with default stages; return the created ones."""
    existing = set(
        session.scalars(sa.select(BusinessLine.name).where(BusinessLine.name.in_(names)))
    )
    created = sorted(names - existing)
    for name in created:
        add_line(session, name)
    return created


def default_won_stage(names: list[str]) -> str:
    return next((n for n in names if n.lower() in WON_STAGE_NAMES), names[-1])


def set_stages(
    session: Session,
    line_name: str,
    names: list[str],
    *,
    won: str | None = None,
    lost: str | None = None,
    protected: list[str] | None = None,
) -> list[StageInfo]:
    """Make the line's stages exactly `names`, in order.

    Stages are matched by name, so reordering keeps their ids and the leads and deals that
    point at them; a stage still used by a lead or a deal cannot be removed.
    """
    names = [n.strip() for n in names if n.strip()]
    _validate_stage_names(names, won, lost, protected or [])
    line_id = line_id_by_name(session, line_name)
    won = won or default_won_stage(names)
    _refuse_removing_used_stages(session, line_id, names)
    # Positions are unique per line: move the old ones out of the way first.
    session.execute(
        sa.update(SalesStage)
        .where(SalesStage.line_id == line_id)
        .values(position=SalesStage.position + 10_000)
    )
    rows = stage_rows(line_id, names, won=won, lost=lost, protected=protected or ())
    stmt = insert(SalesStage).values(rows)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["line_id", "name"],
            set_={c: stmt.excluded[c] for c in ("position", "is_won", "is_lost", "is_protected")},
        )
    )
    return list_stages(session, line_name)


def _validate_stage_names(names, won, lost, protected) -> None:
    if not names:
        raise CrmError("give at least one stage name")
    if len(set(names)) != len(names):
        raise CrmError("stage names must be different from each other")
    for label, value in (("won", won), ("lost", lost)):
        if value and value not in names:
            raise CrmError(f"the {label} stage '{value}' is not in the list")
    if won and won == lost:
        raise CrmError("one stage cannot be both won and lost")
    unknown = [p for p in protected if p not in names]
    if unknown:
        raise CrmError(f"protected stages not in the list: {', '.join(unknown)}")


def _refuse_removing_used_stages(session: Session, line_id: int, keep: list[str]) -> None:
    users = sa.union_all(sa.select(Lead.stage_id), sa.select(Deal.stage_id)).subquery()
    used = session.execute(
        sa.select(SalesStage.name, sa.func.count())
        .join(users, users.c.stage_id == SalesStage.stage_id)
        .where(SalesStage.line_id == line_id, SalesStage.name.not_in(keep))
        .group_by(SalesStage.name)
    ).all()
    if used:
        detail = ", ".join(f"'{name}' ({count} leads and deals)" for name, count in used)
        raise CrmError(f"cannot remove stages still in use: {detail}; move those leads first")
    passed = session.execute(
        sa.select(SalesStage.name, sa.func.count(sa.distinct(LeadStageChange.lead_id)))
        .join(
            LeadStageChange,
            sa.or_(
                LeadStageChange.to_stage_id == SalesStage.stage_id,
                LeadStageChange.from_stage_id == SalesStage.stage_id,
            ),
        )
        .where(SalesStage.line_id == line_id, SalesStage.name.not_in(keep))
        .group_by(SalesStage.name)
    ).all()
    if passed:
        # The history keeps the stage: past reports must add up the same way tomorrow.
        detail = ", ".join(f"'{name}' ({count} leads passed through it)" for name, count in passed)
        raise CrmError(
            f"cannot remove stages in the leads' stage history: {detail}; keep them in the list"
        )
    session.execute(
        sa.delete(SalesStage).where(SalesStage.line_id == line_id, SalesStage.name.not_in(keep))
    )


def list_stages(session: Session, line_name: str) -> list[StageInfo]:
    line_id = line_id_by_name(session, line_name)
    stages = session.scalars(
        sa.select(SalesStage).where(SalesStage.line_id == line_id).order_by(SalesStage.position)
    )
    return [StageInfo.model_validate(s, from_attributes=True) for s in stages]


def list_lines(session: Session) -> list[tuple[str, int]]:
    """Each line's name with its number of open leads."""
    open_leads = sa.func.count(Lead.lead_id).filter(Lead.status == "open")
    return session.execute(
        sa.select(BusinessLine.name, open_leads)
        .outerjoin(Lead, Lead.line_id == BusinessLine.line_id)
        .group_by(BusinessLine.name)
        .order_by(BusinessLine.name)
    ).all()
