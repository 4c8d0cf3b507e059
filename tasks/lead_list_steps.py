"""The Prefect tasks of `build-lead-list`: each opens its own transaction, returns a summary."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prefect import task
from prefect.artifacts import create_table_artifact
from pydantic import BaseModel

from models.imports import ImportKind
from models.sql import query
from models.store import session_scope
from tasks.lead_delivery import Outputs, lead_list_letters, outputs_beside, write_outputs
from tasks.lead_import import LIST_NAME_MAX, import_prospects, read_source
from tasks.lines import line_id_by_name
from tasks.mail import send_letters
from tasks.warm_sources import WarmCriteria, warm_prospects


class LeadListSummary(BaseModel):
    batch_id: int
    list_id: int | None
    rows: int
    created: int
    counts: dict[str, int]
    is_dry_run: bool
    already_imported: bool
    columns: str | None
    decisions_csv: str | None
    list_xlsx: str | None
    list_csv: str | None


class Delivery(BaseModel):
    letters: int
    failed: list[str]


def _default_name(source: str, line: str) -> str:
    # Cut the source, not the time, so that the name fits and stays unique (warm criteria
    # describe themselves at length).
    suffix = f" ({line}, {datetime.now(UTC):%Y-%m-%d %H:%M:%S})"
    return (source[: max(0, LIST_NAME_MAX - len(suffix))] + suffix)[-LIST_NAME_MAX:]


@task(name="check-lead-list")
def check_lead_list(
    source: str | WarmCriteria,
    line: str,
    rep: str | None,
    distribution: str | None,
    list_name: str | None,
    dry_run: bool,
    column_map: list[str],
    kind: ImportKind,
) -> LeadListSummary:
    """Read, match against the base, decide and write, in one transaction; then the files."""
    columns = sha256 = criteria = None
    with session_scope() as session, session.begin():
        conn = session.connection()
        if isinstance(source, WarmCriteria):
            kind, name, criteria = (
                ImportKind.warm_source,
                source.describe(),
                source.model_dump(mode="json"),
            )
            prospects = warm_prospects(conn, source, line_id_by_name(conn, line))
        else:
            read = read_source(Path(source), column_map)
            name, sha256, prospects = read.name, read.sha256, read.prospects
            columns = read.columns.describe()
        result = import_prospects(
            conn,
            prospects,
            kind=kind,
            source_name=name,
            line=line,
            rep=rep,
            distribution=distribution,
            list_name=list_name or _default_name(name, line),
            dry_run=dry_run,
            sha256=sha256,
            criteria=criteria,
        )
        if result.previous is not None:
            decisions_csv = result.previous["decisions_path"]
            outputs = _earlier_outputs(decisions_csv)
        else:
            outputs = write_outputs(conn, result.batch_id, result.prospects, result.decisions)
            decisions_csv = str(outputs.decisions_csv)
            conn.execute(
                query("lead_lists", "set_batch_outputs"),
                {"path": decisions_csv, "batch_id": result.batch_id},
            )
    return LeadListSummary(
        batch_id=result.batch_id,
        list_id=result.list_id,
        rows=sum(result.counts.values()),
        created=result.created,
        counts=result.counts,
        is_dry_run=dry_run,
        already_imported=result.previous is not None,
        columns=columns,
        decisions_csv=decisions_csv,
        list_xlsx=str(outputs.list_xlsx) if outputs else None,
        list_csv=str(outputs.list_csv) if outputs else None,
    )


def _earlier_outputs(decisions_csv: str | None) -> Outputs | None:
    """The files an earlier run of the same batch wrote, if they are still there."""
    if not decisions_csv:
        return None
    outputs = outputs_beside(Path(decisions_csv))
    return outputs if outputs.list_xlsx.is_file() else None


@task(name="deliver-lead-list")
def deliver_lead_list(summary: LeadListSummary) -> Delivery:
    """The checked list by e-mail to the reps who received leads and the line's heads of sales.

    Once per batch: a rerun after a failed send sends the letters; after a good one, nothing.
    """
    if summary.list_xlsx is None or not Path(summary.list_xlsx).is_file():
        return Delivery(letters=0, failed=[])
    params = {"batch_id": summary.batch_id}
    with session_scope() as session, session.begin():
        if session.execute(query("lead_lists", "claim_batch_letters"), params).first() is None:
            return Delivery(letters=0, failed=[])
        letters = lead_list_letters(session.connection(), summary.batch_id, Path(summary.list_xlsx))
    try:
        outcomes = send_letters(letters)
    except Exception:
        with session_scope() as session, session.begin():
            session.execute(query("lead_lists", "release_batch_letters"), params)
        raise
    # A refused address is reported, not retried: resending would give the others a copy.
    return Delivery(letters=len(letters), failed=[o.to for o in outcomes if not o.is_sent])


@task(name="publish-lead-list")
def publish_lead_list(summary: LeadListSummary) -> None:
    """The decision counts as a Prefect table artifact, with where the files are."""
    table = [{"decision": k, "rows": v} for k, v in sorted(summary.counts.items())]
    note = "already imported earlier: nothing created" if summary.already_imported else ""
    create_table_artifact(
        key=f"lead-list-{summary.batch_id}",
        table=table,
        description=(
            f"**Batch {summary.batch_id}**: {summary.rows} rows, {summary.created} new leads"
            f"{' (dry run)' if summary.is_dry_run else ''}. {note} "
            f"Decisions: `{summary.decisions_csv}`; list: `{summary.list_xlsx}`."
        ),
    )
