"""`crm serve` and `crm worker`: a Prefect server with its UI, every flow deployed, a worker.

`crm serve` starts `prefect server start` and, while it boots, checks the database and
prefect.yaml, so a broken deployment or an unreachable store is one line naming the deployment
or the setting (and the server is stopped again); then it creates the work pools prefect.yaml
names (process pools), starts a process worker for each and runs `prefect deploy --all` from the
project root. Ctrl-C stops the workers, marks the runs they took with them as crashed, then
stops the server. `crm worker` is what each further machine runs against a shared server
(PREFECT_API_URL): the database check, then a Prefect process worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer

from cli.deployments import PREFECT_YAML, check_deployments
from cli.processes import Stack, port_free, tail, wait_healthy
from models import store
from models.errors import CrmError
from models.settings import PROJECT_ROOT, get_settings

POOL = "crm-process"


def check_database() -> str:
    """Where the store is, reachable and migrated, or a CrmError naming the setting to fix."""
    try:
        engine = store.get_engine()
    except store.StoreError as exc:  # it names DATABASE_URL, or CRM_DATA_DIR when embedded
        raise CrmError(f"the flows cannot reach their database: {exc}") from None
    return store.describe(engine.url)


def worker(
    pool: str = typer.Option(POOL, help="The work pool to take flow runs from."),
    limit: int | None = typer.Option(None, min=1, help="Flow runs at once (default: no limit)."),
    name: str | None = typer.Option(None, help="The worker's name in the UI."),
) -> None:
    """Run the Prefect flows of a work pool on this machine (needs PREFECT_API_URL)."""
    if not os.environ.get("PREFECT_API_URL"):
        raise CrmError(
            "PREFECT_API_URL is not set: point it at the Prefect server's API "
            "(crm serve prints it, e.g. http://127.0.0.1:4200/api)"
        )
    where = check_database()
    typer.echo(f"worker: flows use the store at {where}; taking runs from the pool '{pool}'")
    command = worker_command(pool, limit, name)
    sys.stdout.flush()
    os.execv(command[0], command)  # the worker takes this process: signals reach it directly


def _prefect() -> list[str]:
    return [sys.executable, "-m", "prefect"]


def worker_command(pool: str, limit: int | None = None, name: str | None = None) -> list[str]:
    """A process worker of `pool` (created if missing)."""
    command = [*_prefect(), "worker", "start", "--pool", pool, "--type", "process"]
    command += ["--limit", str(limit)] if limit else []
    return command + (["--name", name] if name else [])


@contextlib.contextmanager
def _client(api_url: str):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        yield client


def create_pools(api_url: str, names: list[str]) -> None:
    """The process work pools prefect.yaml names, created if missing."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.workers.process import ProcessWorker

    template = ProcessWorker.get_default_base_job_template()
    with _client(api_url) as client:
        for name in names:
            with contextlib.suppress(ObjectAlreadyExists):
                client.create_work_pool(
                    WorkPoolCreate(name=name, type="process", base_job_template=template)
                )


def crash_runs_in_flight(api_url: str, pools: list[str], processes: set[str]) -> int:
    """Runs in flight in these processes, which the stopped worker took with it: Crashed, with
    why (left alone they would show as running forever). Other workers' runs are left alone."""
    from prefect.client.schemas import filters
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    if not processes:
        return 0
    in_flight = [StateType.PENDING, StateType.RUNNING, StateType.CANCELLING]
    with _client(api_url) as client:
        runs = client.read_flow_runs(
            flow_run_filter=filters.FlowRunFilter(
                state=filters.FlowRunFilterState(
                    type=filters.FlowRunFilterStateType(any_=in_flight)
                )
            ),
            work_pool_filter=filters.WorkPoolFilter(name=filters.WorkPoolFilterName(any_=pools)),
        )
        runs = [run for run in runs if run.infrastructure_pid in processes]
        for run in runs:
            message = "crm serve stopped while this run was in flight; run it again"
            client.set_flow_run_state(run.id, Crashed(message=message), force=True)
    return len(runs)


def deploy_all(env: dict, log: Path) -> None:
    """`prefect deploy --all` from the project root (prefect.yaml's pull step uses $PWD)."""
    command = [*_prefect(), "--no-prompt", "deploy", "--all", "--prefect-file", str(PREFECT_YAML)]
    with log.open("w") as out:
        done = subprocess.run(
            command, cwd=PROJECT_ROOT, env={**env, "PWD": str(PROJECT_ROOT)}, stdout=out,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=600,
        )  # fmt: skip
    if done.returncode != 0:
        raise CrmError(f"prefect deploy --all failed; {log}:\n{tail(log)}")


def serve(
    host: str = typer.Option("127.0.0.1", help="Address the server listens on."),
    port: int = typer.Option(4200, min=1, max=65535, help="Port of the server and its UI."),
    start_worker: bool = typer.Option(True, "--worker/--no-worker", help="Start a worker too."),
) -> None:
    """Start a Prefect server with its UI, deploy every flow of prefect.yaml, start a worker."""
    started = time.monotonic()
    if not port_free(host, port):
        raise CrmError(f"port {port} on {host} is in use (another Prefect server?): pass --port")
    home = Path(os.environ.get("PREFECT_HOME") or get_settings().crm_data_dir / "prefect")
    home.mkdir(parents=True, exist_ok=True)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    ui_url, api_url = f"http://{shown}:{port}", f"http://{shown}:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_API_HOST": host,
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.setdefault("PREFECT_UI_API_URL", api_url)  # where browsers reach the API
    stack, pools = Stack(home), []
    # Ctrl-C and `kill` stop everything in order; a handler (not an inherited SIG_IGN, as in
    # `crm serve &` from a script) also leaves the children's SIGINT at its default.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        # The server takes longest to start: it boots while this process checks the rest.
        server = stack.start("server", [*_prefect(), "server", "start"], env, to_log=True)
        typer.echo(f"store: {check_database()} (schema migrated)")
        deployments = check_deployments()
        typer.echo(f"prefect.yaml: {len(deployments)} deployments checked")
        typer.echo(f"Prefect server: starting (data and logs in {home})")
        wait_healthy(api_url, server, home / "server.log")
        pools[:] = sorted({d.work_pool for d in deployments})
        create_pools(api_url, pools)
        for pool in pools if start_worker else []:
            stack.start(f"worker of {pool}", worker_command(pool), env, to_log=False)
        typer.echo(f"deploying {', '.join(d.name for d in deployments)} ...")
        deploy_all(env, home / "deploy.log")
        ready = f"ready in {time.monotonic() - started:.0f} s"
        typer.echo(f"Prefect UI: {ui_url}   ({ready}; Ctrl-C stops the worker and the server)")
        typer.echo(f"crm commands use this server with: export PREFECT_API_URL={api_url}")
        while (why := stack.stopped()) is None:
            time.sleep(0.5)
        raise CrmError(f"{why}; stopping the others")
    except KeyboardInterrupt:
        typer.echo("\nstopping the worker and the server ...")
    finally:
        processes = stack.run_processes()
        stack.stop(before_server=lambda: crash_runs_in_flight(api_url, pools, processes))
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
