"""`crm leads ...`: the three-month rule from a terminal, and freezing leads."""

from __future__ import annotations

from datetime import date, datetime

import typer

from models.store import session_scope
from tasks import reassignment

app = typer.Typer(
    help="Leads: lead lists from files or the base, the three-month rule, freezing.",
    no_args_is_help=True,
)


@app.command("reassign")
def reassign(
    line: str = typer.Option(None, help="Only this business line (default: every line)."),
    stale_after: str = typer.Option("3 months", help="Ownership age that makes a lead stale."),
    policy: str = typer.Option(
        None, help="round_robin, least_loaded or capacity (default: each line's own)."
    ),
    as_of: datetime = typer.Option(None, formats=["%Y-%m-%d"], help="Replay as of this date."),
    approve: bool = typer.Option(False, help="Apply the plan; without it nothing changes."),
    dry_run: bool = typer.Option(False, help="Only show the plan (the default without --approve)."),
    show: int = typer.Option(20, help="How many planned leads to print."),
) -> None:
    """Plan the reassignment of stale leads; apply it with --approve (a Prefect flow run)."""
    from flows.reassign_stale_leads import reassign_stale_leads
    from tasks.stale_rule import parse_policy, parse_stale_after

    # Checked here too, so a typo is one line and not a failed flow run.
    parse_policy(policy)
    parse_stale_after(stale_after)
    day: date | None = as_of.date() if as_of else None
    result = reassign_stale_leads(
        line=line, stale_after=stale_after, policy=policy, as_of=day, dry_run=dry_run or not approve
    )
    typer.echo(
        f"plan {result.plan_id}: {result.stale} stale leads ({result.to_pool} to the "
        f"pool); left alone: {result.protected} protected, {result.frozen} frozen"
    )
    with session_scope() as session:
        for row in reassignment.plan_rows(session, result.plan_id, show):
            typer.echo(
                f"  lead {row.lead_id:>7}  {row.client[:32]:<32} {row.from_owner} → "
                f"{row.to_owner}  ({row.explanation})"
            )
    if result.status == "applied":
        typer.echo(f"applied: {result.applied} leads changed owner")
    elif result.stale:
        typer.echo("nothing changed: run again with --approve to apply")


@app.command("freeze")
def freeze(lead_id: int = typer.Argument(..., help="The lead to keep with its owner.")) -> None:
    """Keep a lead with its owner whatever its age (a head of sales' decision)."""
    with session_scope() as session, session.begin():
        reassignment.set_frozen(session, lead_id, True)
    typer.echo(f"lead {lead_id} frozen: the three-month rule leaves it alone")


@app.command("unfreeze")
def unfreeze(lead_id: int = typer.Argument(..., help="The lead to release.")) -> None:
    """Let the three-month rule apply to a lead again."""
    with session_scope() as session, session.begin():
        reassignment.set_frozen(session, lead_id, False)
    typer.echo(f"lead {lead_id} unfrozen")
