"""`crm quality check`: the data-quality suites from a terminal (the flow check-data-quality)."""

from __future__ import annotations

from datetime import datetime

import typer

app = typer.Typer(
    help="Data quality: expectation suites over the base, run in PostgreSQL.", no_args_is_help=True
)


@app.command("check")
def check(
    stale_after: str = typer.Option(
        "3 months", help="The three-month rule's period, as `crm leads reassign` takes it."
    ),
    stale_grace_days: int = typer.Option(
        2, min=0, help="Days past the rule a lead may stay with its owner before it is reported."
    ),
    as_of: datetime = typer.Option(
        None, formats=["%Y-%m-%d"], help="Judge stale leads as of this date (default: today)."
    ),
) -> None:
    """Run every expectation (a Prefect flow run), print the summary; exit 1 on a critical one."""
    from flows.check_data_quality import check_data_quality
    from tasks.quality_suites import DataQualityFailed
    from tasks.stale_rule import parse_stale_after

    parse_stale_after(stale_after)  # a typo is one line, not a failed flow run
    try:
        report = check_data_quality(
            stale_after=stale_after,
            stale_grace_days=stale_grace_days,
            as_of=as_of.date() if as_of else None,
        )
    except DataQualityFailed as failure:
        typer.echo(str(failure))
        raise typer.Exit(1) from None
    typer.echo(report.summary())
