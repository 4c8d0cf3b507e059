"""The `crm` command: one entry point, user mistakes as one line and a non-zero exit."""

from __future__ import annotations

import contextlib
import os
import sys

import click
import typer
from sqlalchemy.exc import DBAPIError

from cli import (
    campaigns,
    db,
    demo,
    deployments,
    lead_lists,
    leads,
    quality,
    reports,
    serve,
    surveys,
    team,
    web,
)
from models.errors import CrmError
from models.settings import get_settings

app = typer.Typer(
    help="Sales back-office pipelines: client base, lead lists, campaigns, reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(team.team_app, name="team")
app.add_typer(team.line_app, name="line")
app.add_typer(team.stages_app, name="stages")
app.add_typer(leads.app, name="leads")
leads.app.command("import")(lead_lists.import_leads)
leads.app.command("build")(lead_lists.build_leads)
clients_app = typer.Typer(help="The client base: loading an existing one.", no_args_is_help=True)
clients_app.command("import")(lead_lists.import_clients)
app.add_typer(clients_app, name="clients")
app.add_typer(campaigns.template_app, name="template")
app.add_typer(campaigns.campaign_app, name="campaign")
app.add_typer(quality.app, name="quality")
app.add_typer(reports.report_app, name="report")
app.add_typer(reports.client_app, name="client")
app.add_typer(surveys.app, name="survey")
app.command("dedupe")(lead_lists.dedupe)
app.command("demo-data")(demo.demo_data)
app.command("demo")(demo.demo)
app.command("serve-web")(web.serve_web)
app.command("serve")(serve.serve)
app.command("worker")(serve.worker)
app.add_typer(deployments.app, name="deployments")


def _prefect_home() -> None:
    # Keep a local Prefect's database and logs inside the project's data folder unless ops
    # configured a Prefect of their own.
    if "PREFECT_HOME" not in os.environ:
        home = get_settings().crm_data_dir / "prefect"
        # Prefect creates only the last folder; a fresh CRM_DATA_DIR has no parent yet.
        home.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(home)
    # The network is closed to telemetry anyway; its heartbeat only races the local server's
    # first writes to its SQLite file and prints a traceback.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


# A fresh local Prefect migrates its database on its first start; on a small, busy machine that
# took longer than Prefect's default 20 s wait, and `crm demo` failed before its first step. The
# tests' harness waits 120 s for the same reason.
EPHEMERAL_STARTUP_SECONDS = 120


def _local_prefect_patience():
    """Prefect's settings with a longer wait for its local server, unless ops set their own.
    Prefect read its environment when it was imported, so the setting is applied, not exported."""
    from prefect.settings import (
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    if PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.name in os.environ:
        return contextlib.nullcontext()
    return temporary_settings(
        {PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: EPHEMERAL_STARTUP_SECONDS}
    )


def main() -> None:
    _prefect_home()
    try:
        with _local_prefect_patience():
            code = app(standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)
    except CrmError as exc:
        typer.echo(f"crm: error: {exc}", err=True)
        sys.exit(1)
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        typer.echo(f"crm: error: the database refused the change: {first}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
