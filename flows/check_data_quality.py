"""The data-quality check: expectation suites run in PostgreSQL, nightly and in CI."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from prefect import flow
from pydantic import Field

from tasks.quality_steps import publish_quality_report, run_quality_suites
from tasks.quality_suites import DataQualityFailed, QualityReport


@flow(name="check-data-quality")
def check_data_quality(
    stale_after: str = "3 months",
    stale_grace_days: Annotated[int, Field(ge=0)] = 2,
    as_of: date | None = None,
) -> QualityReport:
    """Run the suites, publish Data Docs and every result; fail on a critical expectation."""
    report = run_quality_suites(stale_after, stale_grace_days, as_of)
    publish_quality_report(report)
    if report.failed_critical:
        raise DataQualityFailed(report.summary())
    return report
