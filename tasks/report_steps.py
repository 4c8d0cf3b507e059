"""The Prefect tasks of `generate-reports`: compute (SQL, one snapshot), save (charts, HTML,
CSV/XLSX under the reports folder), publish (artifacts) and deliver (one letter per person).

The report passed between them is a small model: aggregates per line, rep, stage and campaign,
with lists capped, so its size follows the team, never the size of the base.
"""

from __future__ import annotations

from datetime import date

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from models.store import session_scope
from tasks.report_delivery import Delivery, deliver_report
from tasks.report_management import ManagementOptions, management_report
from tasks.report_period import ReportKind, resolve_period
from tasks.report_render import SavedReport, save_report
from tasks.report_satisfaction import SatisfactionOptions, satisfaction_report
from tasks.report_tables import Report, Table, show

# Every query of a report sees the same snapshot, so its tables agree with each other.
SNAPSHOT = {"isolation_level": "REPEATABLE READ"}


@task(name="compute-management-report", cache_policy=NO_CACHE)
def compute_management_report(
    kind: ReportKind,
    period_from: date | None,
    period_to: date | None,
    line: str | None,
    options: ManagementOptions,
    as_of: date | None = None,
) -> Report:
    """Every figure of the management report by SQL aggregates over one snapshot."""
    period = resolve_period(kind, period_from, period_to, as_of)
    with session_scope() as session, session.begin():
        session.connection(execution_options=SNAPSHOT)
        return management_report(session, period, line=line, options=options)


@task(name="compute-satisfaction-report", cache_policy=NO_CACHE)
def compute_satisfaction_report(
    wave: str | None, line: str | None, options: SatisfactionOptions
) -> Report:
    """Every figure of a survey wave's report by SQL aggregates over one snapshot."""
    with session_scope() as session, session.begin():
        session.connection(execution_options=SNAPSHOT)
        return satisfaction_report(session, wave, line=line, options=options)


@task(name="save-report", cache_policy=NO_CACHE)
def save(report: Report) -> SavedReport:
    """Draw the charts and write the report for all lines and for each line to its folder."""
    return save_report(report)


@task(name="publish-report", cache_policy=NO_CACHE)
def publish(report: Report, saved: SavedReport) -> None:
    """Show the report in the Prefect UI: a summary in markdown and its main table."""
    main = report.table("summary" if report.kind == "management" else "responses")
    rows = main.rows if report.kind == "management" else main.where(slice="all")
    create_markdown_artifact(
        key=f"{report.kind}-report", markdown=report_markdown(report, saved, main, rows)
    )
    detail = report.table("workload" if report.kind == "management" else "trend")
    create_table_artifact(
        key=f"{report.kind}-report-{detail.name.replace('_', '-')}",
        table=[_shown(detail, row) for row in detail.rows],
        description=f"{report.title}: {detail.title.lower()}",
    )


def report_markdown(report: Report, saved: SavedReport, main: Table, rows: list[dict]) -> str:
    header = "| " + " | ".join(c.title for c in main.columns) + " |"
    rule = "|" + "---|" * len(main.columns)
    body = ["| " + " | ".join(_shown(main, r).values()) + " |" for r in rows]
    missing = [line.name for line in report.lines if not line.heads]
    lines = [
        f"# {report.title}",
        f"{report.subtitle}. Saved in `{saved.folder}`.",
        "",
        "**Nothing was recorded for this report.**" if report.is_empty else "",
        f"Lines with no head of sales (directors only): {', '.join(missing)}." if missing else "",
        "",
        header,
        rule,
        *body,
    ]
    return "\n".join(lines)


def _shown(table: Table, row: dict) -> dict[str, str]:
    return {c.title: show(row.get(c.key), c.fmt).replace("|", "/") for c in table.columns}


@task(name="deliver-report", cache_policy=NO_CACHE)
def deliver(report: Report, saved: SavedReport, resend: bool = False) -> Delivery:
    """One letter per head of sales (their lines only) and per director (every line), once."""
    logger = get_run_logger()
    delivery = deliver_report(report, saved, resend=resend)
    for name in delivery.lines_without_head:
        logger.warning("line %s has no head of sales: its report goes to the directors only", name)
    if delivery.already_sent:
        logger.info("already sent earlier to %s", ", ".join(delivery.already_sent))
    for address in delivery.failed:
        logger.warning("the report to %s was refused by the mail server", address)
    return delivery
