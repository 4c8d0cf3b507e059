"""`crm team ...`, `crm line ...`, `crm stages ...`: the set-up a new user does first."""

from __future__ import annotations

from pathlib import Path

import typer

from models.store import session_scope
from tasks import lines as line_tasks
from tasks.team import import_team, list_team

team_app = typer.Typer(
    help="Employees, their roles per business line, capacity, leave.", no_args_is_help=True
)
line_app = typer.Typer(help="Business lines (directions).", no_args_is_help=True)
stages_app = typer.Typer(help="The ordered sales stages of a business line.", no_args_is_help=True)


@team_app.command("import")
def team_import(
    file: Path = typer.Argument(
        ...,
        help="CSV or XLSX: name, email, role, lines, capacity, "
        "active, leave (e.g. 2026-12-01..2026-12-14).",
    ),
) -> None:
    """Add or update employees from a file; re-importing updates them in place."""
    with session_scope() as session, session.begin():
        result = import_team(session, file)
    for problem in result.problems:
        typer.echo(f"row {problem.row_number}: skipped: {problem.reason}", err=True)
    if result.lines_created:
        typer.echo(f"created business lines: {', '.join(result.lines_created)}")
    typer.echo(
        f"{result.employees} employees: {result.created} added, {result.updated} updated, "
        f"{len(result.problems)} rows skipped"
    )
    if result.problems and not result.employees:
        raise typer.Exit(1)


@team_app.command("list")
def team_list(line: str = typer.Option(None, help="Only this business line.")) -> None:
    """Show the team: roles per line, capacity, open leads, who is away today."""
    with session_scope() as session:
        if line:
            line_tasks.line_id_by_name(session, line)
        members = list_team(session, line)
    if not members:
        typer.echo("no employees yet: add them with `crm team import FILE`")
        return
    for m in members:
        flags = ("" if m.is_active else " [inactive]") + (" [on leave]" if m.on_leave_today else "")
        cap = f"cap {m.capacity}" if m.capacity is not None else "no cap"
        typer.echo(
            f"{m.employee_id:>5}  {m.full_name:<28} {m.email:<32} {m.open_leads:>6} open "
            f"leads, {cap:<8} {m.roles}{flags}"
        )


@line_app.command("add")
def line_add(name: str = typer.Argument(..., help="The line's name, e.g. 'Equipment'.")) -> None:
    """Create a business line with the default sales stages."""
    with session_scope() as session, session.begin():
        line_tasks.add_line(session, name)
        stages = line_tasks.list_stages(session, name)
    typer.echo(f"business line '{name}' created; stages: {_describe(stages)}")


@line_app.command("policy")
def line_policy(
    line: str = typer.Argument(..., help="The business line."),
    policy: str = typer.Argument(..., help="round_robin, least_loaded or capacity."),
) -> None:
    """Choose how the three-month rule hands out the line's stale leads."""
    from tasks.reassignment import set_line_policy

    with session_scope() as session, session.begin():
        set_line_policy(session, line, policy)
    typer.echo(f"{line}: stale leads are handed out by {policy}")


@line_app.command("list")
def line_list() -> None:
    """Show the business lines and their open leads."""
    with session_scope() as session:
        rows = line_tasks.list_lines(session)
    for name, open_leads in rows:
        typer.echo(f"{name:<30} {open_leads:>8} open leads")
    if not rows:
        typer.echo("no business lines yet: add one with `crm line add NAME`")


@stages_app.command("set")
def stages_set(
    line: str = typer.Argument(..., help="The business line."),
    stages: str = typer.Argument(..., help='Comma-separated, in order: "first call,meeting,paid".'),
    won: str = typer.Option(
        None,
        help="The stage where money is received (default: "
        "'payment'/'paid' if listed, else the last).",
    ),
    lost: str = typer.Option(None, help="The stage meaning the sale is lost, if any."),
    protected: str = typer.Option("", help="Comma-separated stages the three-month rule skips."),
) -> None:
    """Set a line's sales stages; stages still used by leads or deals cannot be dropped."""
    with session_scope() as session, session.begin():
        result = line_tasks.set_stages(
            session,
            line,
            stages.split(","),
            won=won,
            lost=lost,
            protected=[p.strip() for p in protected.split(",") if p.strip()],
        )
    typer.echo(f"{line}: {_describe(result)}")


@stages_app.command("show")
def stages_show(line: str = typer.Argument(..., help="The business line.")) -> None:
    """Show a line's sales stages in order."""
    with session_scope() as session:
        typer.echo(f"{line}: {_describe(line_tasks.list_stages(session, line))}")


def _describe(stages) -> str:
    def label(s) -> str:
        marks = [
            m
            for m, on in (("won", s.is_won), ("lost", s.is_lost), ("protected", s.is_protected))
            if on
        ]
        return s.name + (f" ({', '.join(marks)})" if marks else "")

    return " → ".join(label(s) for s in stages)
