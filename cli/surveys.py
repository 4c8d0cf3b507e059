"""`crm survey ...`: satisfaction survey waves, their reminders, imported answers, the figures."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.campaigns import _brief_console
from models.settings import get_settings
from models.store import get_engine
from tasks.survey_demo import demo_answer
from tasks.survey_follow_up import make_follow_ups, send_alerts
from tasks.survey_import import import_responses, wave_id_by_name
from tasks.survey_questions import QUESTIONS
from tasks.survey_steps import SurveyRun
from tasks.survey_summary import WaveSummary, wave_ids, wave_summary

app = typer.Typer(
    help="Satisfaction surveys: one personal link per active client, reminders, answers.",
    no_args_is_help=True,
)
WAVE_HELP = "The wave's name (default: this quarter's, e.g. 'Опрос клиентов 2026 Q4')."
LINE_HELP = "Only the clients of this business line (a wave of its own)."


def _run(**parameters) -> SurveyRun:
    from flows.run_satisfaction_survey import run_satisfaction_survey

    with _brief_console():
        return run_satisfaction_survey(**parameters)


@app.command("start")
def start(
    wave: str = typer.Option("", help=WAVE_HELP),
    line: str = typer.Option("", help=LINE_HELP),
    days: int = typer.Option(28, min=1, help="How long the wave stays open, from now."),
    remind_after: int = typer.Option(
        7, min=0, help="Remind once those who have not answered this many days after."
    ),
) -> None:
    """Open the wave (or carry on with it): invite one contact per active client through the
    campaign sender, each once; rerun at will (the flow run-satisfaction-survey)."""
    run = _run(wave=wave, line=line, open_days=days, remind_after_days=remind_after)
    _print_run(run)


@app.command("remind")
def remind(
    wave: str = typer.Option("", help=WAVE_HELP),
    line: str = typer.Option("", help=LINE_HELP),
    after: int = typer.Option(7, min=0, help="Days after the invitation letter."),
) -> None:
    """Remind, once, those invited who have not answered `--after` days after their letter."""
    run = _run(wave=wave, line=line, remind_after_days=after, invite=False)
    _print_run(run)


@app.command("import")
def import_file(
    file: Path = typer.Argument(
        ...,
        help="CSV or XLSX of an external survey tool: a token or email column, and the "
        "answers under the questions' names (logistics, nps, comment, ...).",
    ),
    wave: str = typer.Option(..., help="The wave the answers belong to."),
) -> None:
    """Import answers; bad rows are reported with their row number, the rest written.
    Importing the same file again changes nothing."""
    engine = get_engine()
    with engine.begin() as conn:
        report = import_responses(conn, file, wave)
        wave_id = wave_id_by_name(conn, wave)
        planned = make_follow_ups(conn, wave_id=wave_id)
    told = send_alerts(engine, wave_id=wave_id)
    for problem in report.problems:
        typer.echo(f"row {problem.row_number}: skipped: {problem.reason}", err=True)
    if report.ignored_columns:
        typer.echo(f"columns not read (no such question): {', '.join(report.ignored_columns)}")
    typer.echo(
        f"wave '{report.wave}': {report.rows} rows: {report.added} added, {report.changed} "
        f"changed, {report.unchanged} unchanged, {len(report.problems)} skipped"
    )
    _print_follow_ups(planned, told.alerts, told.without_head, told.unsent)
    if report.problems and not (report.added or report.changed or report.unchanged):
        raise typer.Exit(1)


@app.command("show")
def show(wave: str = typer.Option("", help="One wave in detail (default: every wave).")) -> None:
    """Waves with their answers, response rate and NPS; one wave per question."""
    with get_engine().connect() as conn:
        if wave:
            _print_summary(wave_summary(conn, wave_id_by_name(conn, wave)), detailed=True)
            return
        ids = wave_ids(conn)
        if not ids:
            typer.echo("no survey waves yet (start one with `crm survey start`)")
        for wave_id in ids:
            _print_summary(wave_summary(conn, wave_id), detailed=False)


def _print_run(run: SurveyRun) -> None:
    typer.echo(
        f"wave '{run.wave.name}' (id {run.wave.survey_wave_id}, campaign "
        f"{run.wave.campaign_id}): invited now {run.invited}, reminders now {run.reminders}, "
        f"letters sent now {run.sent}" + (f" ({run.not_sent})" if run.not_sent else "")
    )
    _print_summary(run.summary, detailed=False)
    f = run.follow_ups
    _print_follow_ups(f.activities, f.alerts, f.without_head, f.unsent)
    typer.echo(f"answers at {get_settings().public_url}/s/<token> (`crm serve-web`)")


def _print_follow_ups(planned: int, told: int, without_head: int, unsent: int) -> None:
    if planned or told or without_head or unsent:
        typer.echo(
            f"low scores: {planned} follow-up calls planned, {told} told to heads of sales"
            + (f", {without_head} in lines with no head of sales" if without_head else "")
            + (f", {unsent} alerts refused by the mail server (retried)" if unsent else "")
        )


def _print_summary(s: WaveSummary, *, detailed: bool) -> None:
    state = "open" if s.is_open else "closed"
    nps = "n/a" if s.nps is None else f"{s.nps:+.0f}"
    typer.echo(
        f"{s.name} ({s.line or 'all lines'}; {s.opens_at:%Y-%m-%d}..{s.closes_at:%Y-%m-%d}, "
        f"{state}): {s.invitations} invited, {s.invitations_sent} letters sent, "
        f"{s.reminders_sent} reminded, {s.responses} answered ({s.response_rate:.0%}), NPS {nps}"
    )
    if not detailed:
        return
    letters = ", ".join(f"{k} {v}" for k, v in sorted(s.letters.items())) or "none"
    typer.echo(f"  campaign {s.campaign_id} ({s.campaign_status}): letters {letters}")
    typer.echo(
        f"  low scores followed up: {s.follow_ups}; heads of sales not told yet: {s.alerts_pending}"
    )
    for question, average in s.averages.items():
        typer.echo(f"  {QUESTIONS[question][1]:<28}{average:>5.2f}")


def survey_step(line: str | None = None) -> SurveyRun:
    """For `crm demo`: a wave for the demo's clients, sent through the campaign sender (a
    rerun sends nothing new); prints what happened like the demo's other steps."""
    typer.echo("\nsatisfaction survey (Prefect flow run-satisfaction-survey):")
    run = _run(line=line or "")
    _print_run(run)
    answered = demo_answer(get_engine(), run.wave.survey_wave_id)
    if answered:
        typer.echo(f"  {answered}")
    if not get_settings().smtp_host:
        typer.echo(f"  letters: {get_settings().mail_capture_dir}/*.eml")
    return run
