"""`crm report ...` and `crm client summary`: reports on demand (the flow generate-reports) and
the one-page client summary."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from models.store import session_scope

report_app = typer.Typer(
    help="Reports: management (a period) and satisfaction (a survey wave).", no_args_is_help=True
)
client_app = typer.Typer(
    help="One client: the summary a rep reads before a call.", no_args_is_help=True
)


@report_app.command("management")
def management(
    period_from: datetime = typer.Option(
        None, "--from", formats=["%Y-%m-%d"], help="First day (default: last week's Monday)."
    ),
    period_to: datetime = typer.Option(
        None, "--to", formats=["%Y-%m-%d"], help="Last day, included (default: last Sunday)."
    ),
    line: str = typer.Option(None, help="Only this business line (default: every line)."),
    stuck_after_days: int = typer.Option(30, min=1, help="Days without a contact: stuck."),
    follow_up_days: int = typer.Option(30, min=1, help="Days after a letter a result counts."),
    send: bool = typer.Option(False, help="Also mail it to the heads of sales and directors."),
    resend: bool = typer.Option(
        False, help="With --send: mail also those who already got this period's report."
    ),
) -> None:
    """The management report of a period (a Prefect flow run): printed, saved, optionally sent."""
    from flows.generate_reports import generate_reports
    from tasks.report_period import resolve_period

    first = period_from.date() if period_from else None
    last = period_to.date() if period_to else None
    resolve_period("weekly", first, last)  # a wrong period is one line, not a failed flow run
    outcome = generate_reports(
        kind="weekly",
        period_from=first,
        period_to=last,
        line=line,
        stuck_after_days=stuck_after_days,
        follow_up_days=follow_up_days,
        notify=send,
        resend=resend,
    )
    _print(outcome)


@report_app.command("satisfaction")
def satisfaction(
    wave: str = typer.Option(None, help="The wave's name or id (default: the latest opened)."),
    line: str = typer.Option(None, help="Only this business line (default: every line)."),
    send: bool = typer.Option(False, help="Also mail it to the heads of sales and directors."),
    resend: bool = typer.Option(
        False, help="With --send: mail also those who already got this wave's report."
    ),
) -> None:
    """The satisfaction report of a survey wave (a Prefect flow run)."""
    from flows.generate_reports import generate_reports

    _print(generate_reports(kind="satisfaction", wave=wave, line=line, notify=send, resend=resend))


def _print(outcome) -> None:
    folder = Path(outcome.folder)
    audience = (
        folder / "all-lines"
        if (folder / "all-lines").exists()
        else next(folder.glob("line-*"), folder)
    )
    text = audience / "report.txt"
    typer.echo(text.read_text(encoding="utf-8").rstrip() if text.exists() else outcome.title)
    typer.echo(f"\nsaved in {audience}")
    for line in delivery_lines(outcome):
        typer.echo(line)


def delivery_lines(outcome) -> list[str]:
    """Who got a report's letters, who got them on an earlier run, and what went wrong."""
    told = [
        ("sent to", outcome.recipients if outcome.letters else []),
        ("sent earlier, not again (--resend to)", outcome.already_sent),
        ("refused by the mail server", outcome.failed),
        ("no head of sales (directors only)", outcome.lines_without_head),
    ]
    return [f"{label}: {', '.join(names)}" for label, names in told if names]


@client_app.command("summary")
def summary(
    client_id: int = typer.Argument(..., help="The organisation's id (a person's with --person)."),
    person: bool = typer.Option(False, "--person", help="The id is an individual client's."),
    line: str = typer.Option(None, help="Only this business line's leads, contacts and deals."),
    days_ahead: int = typer.Option(60, min=1, help="How far ahead to list useful dates."),
) -> None:
    """One page: details, contact persons, stage, every contact, deals, satisfaction, dates."""
    from tasks.report_client import client_summary

    ids = {"person_id": client_id} if person else {"organisation_id": client_id}
    with session_scope() as session:
        typer.echo(client_summary(session, line=line, days_ahead=days_ahead, **ids), nl=False)
