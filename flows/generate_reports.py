"""The generate-reports flow: management reports (weekly, monthly) and the satisfaction report,
computed in SQL, saved, published in the Prefect UI and mailed to managers per business line."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from prefect import flow
from pydantic import BaseModel, Field

from tasks.report_management import ManagementOptions
from tasks.report_period import ReportKind
from tasks.report_satisfaction import SatisfactionOptions
from tasks.report_steps import (
    compute_management_report,
    compute_satisfaction_report,
    deliver,
    publish,
    save,
)


class ReportOutcome(BaseModel):
    kind: str
    title: str
    folder: str
    is_empty: bool
    letters: int
    recipients: list[str]
    failed: list[str]
    already_sent: list[str] = []
    lines_without_head: list[str]


@flow(name="generate-reports")
def generate_reports(
    kind: ReportKind = "weekly",
    period_from: date | None = None,
    period_to: date | None = None,
    line: str | None = None,
    wave: str | None = None,
    stuck_after_days: Annotated[int, Field(ge=1)] = 30,
    follow_up_days: Annotated[int, Field(ge=1)] = 30,
    notify: bool = True,
    as_of: date | None = None,
    resend: bool = False,
) -> ReportOutcome:
    """Compute a management or satisfaction report, save, publish and mail it per line.

    Each line's head of sales gets that line, the directors every line, each once per period
    or wave: a rerun mails only those whose letter was refused, unless `resend` is set.
    `period_from` and `period_to` override the default period (the last whole week or month
    before `as_of`, today by default); `wave` is a survey wave's name or id (default: the
    latest opened).
    """
    if kind == "satisfaction":
        report = compute_satisfaction_report(wave, line, SatisfactionOptions())
    else:
        options = ManagementOptions(
            stuck_after_days=stuck_after_days, follow_up_days=follow_up_days
        )
        report = compute_management_report(kind, period_from, period_to, line, options, as_of)
    saved = save(report)
    publish(report, saved)
    outcome = ReportOutcome(
        kind=report.kind,
        title=report.title,
        folder=saved.folder,
        is_empty=report.is_empty,
        letters=0,
        recipients=[],
        failed=[],
        lines_without_head=[i.name for i in report.lines if not i.heads],
    )
    if not notify:
        return outcome
    return outcome.model_copy(update=deliver(report, saved, resend).model_dump())
