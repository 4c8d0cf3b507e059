"""`crm leads import|build`, `crm clients import` and `crm dedupe`: lead lists from a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import typer

from models.settings import get_settings
from tasks.lead_dedupe import dedupe_file

MAP_HELP = 'Map a column to a field: --map "Site name=name" (repeatable).'


def _print_summary(summary) -> None:
    if summary.columns:
        typer.echo(f"columns: {summary.columns}")
    if summary.already_imported:
        typer.echo(
            f"this file was imported before (batch {summary.batch_id}): nothing created this time"
        )
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(summary.counts.items()))
    dry = " (dry run: nothing written to the base)" if summary.is_dry_run else ""
    typer.echo(f"batch {summary.batch_id}: {summary.rows} rows: {counts}{dry}")
    typer.echo(f"new leads: {summary.created}")
    if summary.decisions_csv:
        typer.echo(f"decisions: {summary.decisions_csv}")
    if summary.list_xlsx:
        typer.echo(f"checked list: {summary.list_xlsx} (and {summary.list_csv})")


def _check_before_the_run(
    line: str, rep: str | None, mapping: Sequence[str] = (), file: Path | None = None
) -> None:
    """A typo is one line and not a failed flow run, as in `crm leads reassign`."""
    from models.store import session_scope
    from tasks.lead_fields import parse_mapping
    from tasks.lead_owners import resolve_rep
    from tasks.lines import line_id_by_name
    from tasks.reading import FileReadError

    parse_mapping(mapping)
    if file is not None and not file.is_file():
        raise FileReadError(f"{file}: no such file")
    with session_scope() as session:
        line_id = line_id_by_name(session, line)
        if rep:
            resolve_rep(session.connection(), line_id, line, rep)


def import_leads(
    file: Path = typer.Argument(..., help="CSV (UTF-8, UTF-8 BOM or Windows-1251) or XLSX."),
    line: str = typer.Option(..., help="The business line the leads belong to."),
    rep: str = typer.Option(None, help="The rep who works the list (e-mail or full name)."),
    distribute: str = typer.Option(
        None, help="Instead of --rep: round_robin or least_loaded among the line's reps."
    ),
    map_: list[str] = typer.Option([], "--map", help=MAP_HELP),
    name: str = typer.Option(None, help="The list's name (default: file, line and time)."),
    dry_run: bool = typer.Option(False, help="Decide and write the files; change nothing."),
    notify: bool = typer.Option(True, help="E-mail the list to the rep and head of sales."),
) -> None:
    """Check a lead file against the client base; new rows become leads of the rep."""
    from flows.build_lead_list import build_lead_list

    _check_before_the_run(line, rep, map_, file)
    summary = build_lead_list(
        source=str(file), line=line, rep=rep, distribution=distribute, list_name=name,
        dry_run=dry_run, column_map=map_, notify=notify,
    )  # fmt: skip
    _print_summary(summary)


def build_leads(
    line: str = typer.Option(..., help="The business line the leads belong to."),
    rep: str = typer.Option(None, help="The rep who works the list (e-mail or full name)."),
    distribute: str = typer.Option(None, help="Instead of --rep: round_robin or least_loaded."),
    industry: list[str] = typer.Option([], help="Any of these industries (repeatable)."),
    region: list[str] = typer.Option([], help="Any of these regions (repeatable)."),
    city: list[str] = typer.Option([], help="Any of these cities (repeatable)."),
    min_employees: int = typer.Option(None, help="At least this many employees."),
    max_employees: int = typer.Option(None, help="At most this many employees."),
    attr: list[str] = typer.Option([], help="A custom attribute: --attr key=value (repeatable)."),
    stage: list[str] = typer.Option([], help="Relationship stage in the line (repeatable)."),
    dormant_since: datetime = typer.Option(
        None, formats=["%Y-%m-%d"], help="No purchase since this date."
    ),
    owner: str = typer.Option("any", help="any, none, dormant or none_or_dormant."),
    name: str = typer.Option(None, help="The list's name."),
    dry_run: bool = typer.Option(False, help="Decide and write the files; change nothing."),
    notify: bool = typer.Option(True, help="E-mail the list to the rep and head of sales."),
) -> None:
    """Build a lead list from the company's own base (a warm source) by criteria."""
    from pydantic import ValidationError

    from flows.build_lead_list import build_lead_list
    from models.errors import CrmError
    from tasks.warm_sources import WarmCriteria

    pairs = [item.partition("=") for item in attr]
    if bad := [k for k, sep, _ in pairs if not sep or not k.strip()]:
        raise CrmError(f"--attr takes key=value, got '{bad[0]}'")
    try:
        criteria = WarmCriteria(
            industry=industry, region=region, city=city, min_employees=min_employees,
            max_employees=max_employees, attributes={k.strip(): v for k, _, v in pairs},
            relationship_stage=stage, owner=owner,
            dormant_since=dormant_since.date() if dormant_since else None,
        )  # fmt: skip
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"])
        raise CrmError(f"criteria: {where}: {problem['msg']}") from None
    _check_before_the_run(line, rep)
    summary = build_lead_list(
        source=criteria, line=line, rep=rep, distribution=distribute, list_name=name,
        dry_run=dry_run, notify=notify,
    )  # fmt: skip
    _print_summary(summary)


def import_clients(
    file: Path = typer.Argument(..., help="An export of the previous CRM or 1C (CSV or XLSX)."),
    line: str = typer.Option(..., help="The business line the clients' leads belong to."),
    owner: str = typer.Option(None, help="One owner for every client (e-mail or full name)."),
    owner_column: str = typer.Option(
        None, help="The column naming each client's owner (e-mail or full name)."
    ),
    map_: list[str] = typer.Option([], "--map", help=MAP_HELP),
    dry_run: bool = typer.Option(False, help="Decide and write the files; change nothing."),
) -> None:
    """Load an existing client base; duplicates inside the export are merged."""
    from flows.build_lead_list import build_lead_list

    mapping = [*map_, f"{owner_column}=owner"] if owner_column else map_
    _check_before_the_run(line, owner, mapping, file)
    summary = build_lead_list(
        source=str(file), line=line, rep=owner, list_name=None, dry_run=dry_run,
        column_map=mapping, client_base=True, notify=False,
    )  # fmt: skip
    _print_summary(summary)


def dedupe(
    file: Path = typer.Argument(..., help="CSV or XLSX to clean."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the CSV."),
    map_: list[str] = typer.Option([], "--map", help=MAP_HELP),
) -> None:
    """Group the duplicate rows of one file; the client base is not touched."""
    settings = get_settings()
    result = dedupe_file(file, output, map_, settings.match_same, settings.match_review)
    typer.echo(
        f"{result.rows} rows, {result.clusters} distinct, {result.duplicates} duplicates, "
        f"{result.invalid} invalid: {output}"
    )
