"""`crm demo-data` and `crm demo`: a realistic base, and the main job run end to end on it."""

from __future__ import annotations

import time

import typer

from models import store
from models.settings import get_settings
from models.store import session_scope
from tasks.base_summary import BaseSummary, summarise_base
from tasks.demo_team import DEMO_LINES

# The demo team's line whose reps share the demo lead file.
DEMO_LEAD_LINE = DEMO_LINES[1]


def demo_data(
    orgs: int = typer.Option(1000, min=1, help="Organisations to generate."),
    seed: int = typer.Option(42, help="Same seed, same base."),
    reset: bool = typer.Option(False, help="Replace a base that already holds clients."),
) -> None:
    """Fill the store with a realistic demo base (bulk-loaded with COPY)."""
    from tasks.demo_data import load_demo_data

    started = time.perf_counter()
    with store.get_engine().begin() as conn:
        counts = load_demo_data(conn, orgs=orgs, seed=seed, reset=reset)
    seconds = time.perf_counter() - started
    typer.echo(
        f"loaded {counts.total:,} rows in {seconds:.1f} s "
        f"({counts.total / seconds:,.0f} rows/s): {counts}"
    )


def demo(
    orgs: int = typer.Option(2000, min=1, help="Organisations in the demo base, if empty."),
    seed: int = typer.Option(42, help="Seed for the demo base."),
) -> None:
    """The main job on the embedded defaults: store, demo base, then every pipeline step."""
    engine = store.get_engine()
    typer.echo(f"store: {store.describe(engine.url)} (schema migrated)")
    with session_scope() as session:
        summary = summarise_base(session)
    if summary.organisations:
        typer.echo(f"demo base already loaded ({summary.organisations} organisations)")
    else:
        from flows.load_demo_data import load_demo_data_flow

        typer.echo(f"loading a demo base of {orgs} organisations (Prefect flow load-demo-data)")
        load_demo_data_flow(orgs=orgs, seed=seed)
        with session_scope() as session:
            summary = summarise_base(session)
    print_summary(summary)
    lead_list_step(seed)
    campaign_step()
    survey_step()
    reassign_step()
    report_step()


def survey_step() -> None:
    """This quarter's satisfaction wave to the demo's clients, through the campaign sender."""
    from cli.surveys import survey_step as run_survey

    run_survey()


def campaign_step() -> None:
    """The demo's first list gets the built-in newsletter, each letter exactly once."""
    from flows.send_campaign import send_campaign
    from tasks.demo_campaign import ensure_demo_campaign, ensure_demo_greeting

    with session_scope() as session, session.begin():
        campaign_id, list_name = ensure_demo_campaign(session)
        greeting_id = ensure_demo_greeting(session, list_name)
    typer.echo(f"\nmailing campaign (Prefect flow send-campaign) to the list '{list_name}':")
    summary = send_campaign(campaign_id)
    states = ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items()))
    typer.echo(f"  campaign {campaign_id} {summary.status}: this run sent {summary.sent}; {states}")
    greeted = send_campaign(greeting_id)
    typer.echo(
        f"  birthday greetings (campaign {greeting_id}, each person once a year; the "
        f"dispatcher sends them daily): today {greeted.sent} sent"
    )
    if not get_settings().smtp_host:
        typer.echo(f"  letters: {get_settings().mail_capture_dir}/*.eml")


def lead_list_step(seed: int) -> None:
    """A directory export checked against the base; the list goes to the rep and the head."""
    from flows.build_lead_list import build_lead_list
    from tasks.demo_lead_file import write_demo_lead_file

    path = get_settings().crm_data_dir / "demo" / "lead-file.csv"
    if not path.is_file():  # kept: a rerun shows that the same file is not imported twice
        with session_scope() as session:
            write_demo_lead_file(session.connection(), path, seed)
    typer.echo(f"\nlead list (Prefect flow build-lead-list) from {path}:")
    summary = build_lead_list(source=str(path), line=DEMO_LEAD_LINE, distribution="round_robin")
    if summary.already_imported:
        typer.echo(f"  already imported as batch {summary.batch_id}: nothing created this time")
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(summary.counts.items()))
    typer.echo(f"  batch {summary.batch_id}: {summary.rows} rows: {counts}")
    typer.echo(f"  decisions: {summary.decisions_csv}")
    if summary.list_xlsx:
        typer.echo(f"  checked list: {summary.list_xlsx}")


def reassign_step() -> None:
    """The three-month rule, approved automatically, with its letters in the mail capture."""
    from flows.reassign_stale_leads import reassign_stale_leads

    typer.echo("\nthree-month rule (Prefect flow reassign-stale-leads, approval=auto):")
    result = reassign_stale_leads(approval="auto")
    typer.echo(
        f"  plan {result.plan_id}: {result.stale} stale leads, {result.applied} reassigned, "
        f"{result.to_pool} to the pool; left alone: {result.protected} protected, "
        f"{result.frozen} frozen"
    )
    mail = get_settings().mail_capture_dir
    if not get_settings().smtp_host:
        typer.echo(f"  letters to reps and heads of sales: {mail}/*.eml")


def report_step() -> None:
    """Last month's management report, mailed once to each line's head and the directors."""
    from cli.reports import delivery_lines
    from flows.generate_reports import generate_reports

    typer.echo("\nmanagement report (Prefect flow generate-reports, kind=monthly):")
    outcome = generate_reports(kind="monthly")
    typer.echo(
        f"  {outcome.title}" + (": nothing recorded in the period" if outcome.is_empty else "")
    )
    typer.echo(f"  saved in {outcome.folder} (HTML, charts, CSV and XLSX per line)")
    for line in delivery_lines(outcome):
        typer.echo(f"  {line}")


def print_summary(summary: BaseSummary) -> None:
    typer.echo(
        f"\nclient base: {summary.organisations:,} organisations, {summary.persons:,} persons"
    )
    typer.echo(
        f"{'line':<16}{'reps':>6}{'open leads':>12}{'over 3 months':>14}"
        f"{'won deals':>11}{'won amount':>16}"
    )
    for line in summary.lines:
        typer.echo(
            f"{line.line:<16}{line.active_reps:>6}{line.open_leads:>12,}"
            f"{line.stale_leads:>14,}{line.won_deals:>11,}{line.won_amount:>16,.2f}"
        )
