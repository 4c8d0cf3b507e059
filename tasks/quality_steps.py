"""The Prefect tasks of `check-data-quality`: run the suites, publish what they found."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.artifacts import create_markdown_artifact

from models.settings import get_settings
from models.store import get_engine
from tasks.quality_rules import RuleParams
from tasks.quality_suites import QualityReport, describe_failure, run_suites
from tasks.stale_rule import business_today, parse_stale_after

ARTIFACT_KEY = "data-quality"


def data_docs_dir():
    return get_settings().reports_dir / "data-docs"


# No retries: a failed expectation is an answer, and an unreachable store fails at once anyway.
@task(name="run-quality-suites")
def run_quality_suites(
    stale_after: str, stale_grace_days: int, as_of: date | None
) -> QualityReport:
    """Run every expectation suite inside PostgreSQL and write the Data Docs."""
    period = parse_stale_after(stale_after)
    params = RuleParams(
        stale_months=period.months,
        stale_days=period.days,
        grace_days=stale_grace_days,
        as_of=as_of or business_today(),
        time_zone=get_settings().time_zone,
    )
    url = get_engine().url.render_as_string(hide_password=False)
    return run_suites(url, params, data_docs_dir())


@task(name="publish-quality-report")
def publish_quality_report(report: QualityReport) -> None:
    """Show every expectation's result in the Prefect UI, failures first."""
    create_markdown_artifact(
        key=ARTIFACT_KEY, markdown=report_markdown(report), description=report.headline()
    )


def report_markdown(report: QualityReport) -> str:
    order = {"critical": 0, "warning": 1}
    rows = sorted(report.results, key=lambda r: (r.success, order[r.severity]))
    lines = [
        f"**{report.headline().capitalize()}.**",
        "",
        f"Data Docs: `{report.docs_index}`" if report.docs_index else "",
        "",
        "| result | severity | suite | expectation | unexpected | rule |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        result = "passed" if r.success else "**failed**"
        found = "0" if r.success else describe_failure(r)
        cells = (result, r.severity, r.table, f"`{r.name}`", found, r.description)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
