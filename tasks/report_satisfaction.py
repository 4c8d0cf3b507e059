"""The satisfaction report of a survey wave: every dimension and question by line, segment and
owner, the trend against earlier waves, response rate, NPS, and the lowest-scoring clients
with what was done about them. Reads the survey tables; writes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from models.errors import CrmError
from models.sql import query
from tasks.lines import line_id_by_name
from tasks.report_management import report_lines
from tasks.report_tables import Column, Report, Table, columns, records

SATISFACTION_QUERIES = (
    "report_settings",
    "forget_survey_facts",
    "survey_facts",
    "survey_slices",
    "survey_scores",
    "survey_trend",
    "survey_lowest",
)
GROUP_TITLES = {
    "products": "Products",
    "service": "Staff and service",
    "prices": "Prices and terms",
    "logistics": "Logistics",
    "company": "The company as a whole",
}
QUESTION_TITLES = {
    "products_range": "Range",
    "products_quality": "Stable quality",
    "products_features": "Features",
    "products_packaging": "Packaging",
    "service_speed": "Speed",
    "service_friendliness": "Friendliness",
    "service_informing": "Keeping clients informed",
    "service_complaints": "Handling of complaints",
    "prices_value": "Price / quality",
    "prices_discounts": "Discounts",
    "prices_payment_terms": "Payment terms",
    "prices_returns": "Returns",
    "logistics": "Logistics",
    "company_overall": "The company as a whole",
}
SLICE_TITLES = {
    "all": "All",
    "industry": "Industry",
    "region": "Region",
    "size": "Size",
    "owner": "Owner",
}
NOTES = (
    "Scores are 1-5; a group's or the overall mean pools every answer given in it. NPS is the "
    "share of promoters (9-10) minus that of detractors (0-6), in points, among the answers "
    "giving a recommendation score.",
    "The response rate is answers / invitations sent. Owners are the client's rep when the "
    "client answered (when invited, for no answer).",
    "A low answer has a score of 2 or less, or NPS 6 or less; 'followed up' means an activity "
    "was logged on the client's lead after the answer.",
)


class SatisfactionOptions(BaseModel):
    earlier_waves: int = Field(default=3, ge=0)
    listed: int = Field(default=10, ge=1)


class Wave(BaseModel):
    survey_wave_id: int
    name: str
    line_id: int | None
    opens_at: datetime
    closes_at: datetime


def find_wave(session: Session, wave: str | None, now: datetime | None = None) -> Wave:
    """The wave by name or id, else the latest one opened; a clear error when there is none."""
    row = session.execute(
        query("reports", "find_wave"), {"wave": wave, "now": now or datetime.now(UTC)}
    ).first()
    if row is None:
        raise CrmError(f"no survey wave '{wave}'" if wave else "no survey wave has opened yet")
    return Wave(**row._mapping)


def satisfaction_report(
    session: Session,
    wave: str | None = None,
    *,
    line: str | None = None,
    options: SatisfactionOptions | None = None,
) -> Report:
    """The report of one wave for one line or every line, in the caller's transaction."""
    options = options or SatisfactionOptions()
    found = find_wave(session, wave)
    line_id = line_id_by_name(session, line) if line else found.line_id
    params = {
        "wave_id": found.survey_wave_id,
        "line_id": line_id,
        "earlier": options.earlier_waves,
        "listed": options.listed,
    }
    rows = {}
    for name in SATISFACTION_QUERIES:
        result = session.execute(query("reports", name), params)
        rows[name] = records(result) if result.returns_rows else []
    lines = report_lines(session, line_id)
    for info in lines:
        info.has_data = any(
            r["line_id"] == info.line_id and r["slice"] == "all" and r["answered"]
            for r in rows["survey_slices"]
        )
    closes = found.closes_at.date().isoformat()
    return Report(
        kind="satisfaction",
        key=f"satisfaction-wave-{found.survey_wave_id}" + (f"-line-{line_id}" if line_id else ""),
        title=f"Customer satisfaction, {found.name}",
        subtitle=f"wave open {found.opens_at.date().isoformat()} – {closes}",
        lines=lines,
        tables=_tables(rows),
        notes=list(NOTES),
    )


def _tables(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Table]:
    line = Column(key="line", title="Line", fmt="text")
    for table in ("survey_slices", "survey_scores", "survey_trend", "survey_lowest"):
        for row in rows[table]:
            row["line"] = row.get("line") or "All lines"
    for row in rows["survey_scores"]:
        row["group_title"] = GROUP_TITLES.get(row["grp"], "All questions")
        row["question"] = QUESTION_TITLES.get(row["item"], "(group mean)" if row["grp"] else "")
        row["slice_title"] = SLICE_TITLES[row["slice"]]
    for row in rows["survey_slices"]:
        row["slice_title"] = SLICE_TITLES[row["slice"]]
    return {
        "responses": Table(
            name="responses",
            title="Responses and NPS",
            columns=[
                line,
                *columns(
                    "slice_title:text Slice",
                    "value:text Value",
                    "invited Invited",
                    "answered Answered",
                    "response_rate:pct Response rate",
                    "nps:nps NPS",
                    "promoters Promoters",
                    "passives Passives",
                    "detractors Detractors",
                    "low_answers Low answers",
                    "low_followed_up Low answers followed up",
                ),
            ],
            rows=rows["survey_slices"],
        ),
        "scores": Table(
            name="scores",
            title="Scores by question",
            columns=[
                line,
                *columns(
                    "slice_title:text Slice",
                    "value:text Value",
                    "group_title:text Group",
                    "question:text Question",
                    "answers Answers",
                    "mean_score:score Mean score",
                ),
            ],
            rows=rows["survey_scores"],
        ),
        "trend": Table(
            name="trend",
            title="Trend over waves",
            columns=[
                line,
                *columns(
                    "wave:text Wave",
                    "invited Invited",
                    "answered Answered",
                    "response_rate:pct Response rate",
                    *(f"{g}:score {t}" for g, t in GROUP_TITLES.items()),
                    "overall:score Overall",
                    "nps:nps NPS",
                ),
            ],
            rows=rows["survey_trend"],
        ),
        "lowest": Table(
            name="lowest",
            title="Lowest-scoring clients and what was done",
            columns=[
                line,
                *columns(
                    "client:text Client",
                    "owner:text Owner",
                    "submitted_at:datetime Answered",
                    "mean_score:score Mean score",
                    "lowest_items:text Lowest questions",
                    "lowest_score Lowest score",
                    "nps NPS",
                    "comment:text Comment",
                    "follow_ups Activities since",
                    "last_follow_up_kind:text Latest activity",
                    "last_follow_up_status:text Its status",
                    "last_follow_up_at:datetime Its date",
                    "last_follow_up_outcome:text Its outcome",
                ),
            ],
            rows=rows["survey_lowest"],
        ),
    }
