"""`crm serve` for real: a Prefect server on loopback with every deployment and a worker; a run
triggered through the API with parameters lands in the database; the UI lists the deployments
in headless Chromium; Ctrl-C leaves no process behind. And the one-line refusals of `crm worker`
and `crm serve` when the database cannot be reached."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.exceptions import PrefectHTTPStatusError
from prefect.settings import PREFECT_API_URL, temporary_settings

from cli.main import main
from cli.serve import crash_runs_in_flight
from models import store
from models.settings import PROJECT_ROOT
from scripts.check_prefect_ui import deployment_names, find_chromium, missing_deployments

READY_SECONDS = 240  # ~35 s on an idle 2-core machine; far more when it is shared
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/crm"
NOWHERE = "http://127.0.0.1:9/api"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ours(home: Path) -> list[int]:
    """Processes started for this test: they carry its PREFECT_HOME in their environment."""
    marker = f"PREFECT_HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def crm_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return {**env, "PREFECT_HOME": str(home), "CRM_DATA_DIR": str(home / "crm"), **extra}


@pytest.fixture(scope="module")
def served(database_url, tmp_path_factory) -> Iterator[SimpleNamespace]:
    """`crm serve` on a free port, a temporary PREFECT_HOME and the test database."""
    home = tmp_path_factory.mktemp("prefect-serve")
    port = free_port()
    env = crm_env(
        home,
        DATABASE_URL=database_url.render_as_string(hide_password=False),
        PREFECT_WORKER_QUERY_SECONDS="1",  # the worker asks for runs every second
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",  # no scheduled run during the test
    )
    output = home / "serve.out"
    with output.open("w") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
            env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + READY_SECONDS
        while "Prefect UI: " not in output.read_text():
            assert serve.poll() is None, f"crm serve stopped:\n{output.read_text()}"
            assert time.monotonic() < deadline, f"crm serve not ready:\n{output.read_text()}"
            time.sleep(0.3)
        api = f"http://127.0.0.1:{port}/api"
        yield SimpleNamespace(ui=f"http://127.0.0.1:{port}", api=api, output=output)
        serve.send_signal(signal.SIGINT)  # what Ctrl-C does
        assert serve.wait(60) == 0, output.read_text()
        assert "stopping the worker and the server" in output.read_text()
        assert ours(home) == [], "crm serve left processes behind"
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
    finally:
        for pid in [serve.pid] * (serve.poll() is None) + ours(home):
            os.kill(pid, signal.SIGKILL)


def wait_final(client, flow_run_id, seconds: float = 180):
    deadline = time.monotonic() + seconds
    while not (run := client.read_flow_run(flow_run_id)).state.is_final():
        assert time.monotonic() < deadline, f"run still {run.state.name}"
        time.sleep(0.5)
    return run


@pytest.mark.server
def test_a_deployment_triggered_through_the_api_runs_on_the_worker(served, committed):
    with temporary_settings({PREFECT_API_URL: served.api}), get_client(sync_client=True) as client:
        deployments = {d.name: d for d in client.read_deployments()}
        assert sorted(deployments) == sorted(deployment_names())
        pool = client.read_work_pool("crm-process")
        assert pool.type == "process"
        send = deployments["send-campaign"]
        assert send.enforce_parameter_schema and send.global_concurrency_limit.limit == 3
        assert send.concurrency_options.collision_strategy == "ENQUEUE"
        dispatch = deployments["dispatch-due-campaigns"]
        assert dispatch.concurrency_options.collision_strategy == "CANCEL_NEW"
        load = deployments["load-demo-data"]
        # A parameter of the wrong type: the server refuses the run and names the parameter.
        with pytest.raises(PrefectHTTPStatusError, match="'orgs'.*not of type 'integer'"):
            client.create_flow_run_from_deployment(load.id, parameters={"orgs": "many"})

        run = client.create_flow_run_from_deployment(
            load.id, parameters={"orgs": 25, "seed": 7, "reset": True}
        )
        run = wait_final(client, run.id)

    assert run.state.is_completed(), run.state
    assert run.parameters == {"orgs": 25, "seed": 7, "reset": True}
    with committed.connect() as conn:
        assert conn.scalar(sa.text("select count(*) from organisations")) == 25


@pytest.mark.server
def test_stopping_marks_only_its_own_workers_runs_in_flight_as_crashed(served):
    from prefect.states import Cancelled, Running

    with temporary_settings({PREFECT_API_URL: served.api}), get_client(sync_client=True) as client:
        load = client.read_deployment_by_name("load-demo-data/load-demo-data")
        # Created running (the worker takes only scheduled runs), as if started by a worker.
        ours, theirs = (
            client.create_flow_run_from_deployment(load.id, state=Running()) for _ in range(2)
        )
        client.update_flow_run(ours.id, infrastructure_pid="4242424")
        client.update_flow_run(theirs.id, infrastructure_pid="4343434")

        assert crash_runs_in_flight(served.api, ["crm-process"], {"4242424"}) == 1

        crashed = client.read_flow_run(ours.id).state
        assert crashed.is_crashed() and "crm serve stopped" in crashed.message
        assert client.read_flow_run(theirs.id).state.is_running()  # another worker's run
        client.set_flow_run_state(theirs.id, Cancelled(), force=True)


@pytest.mark.server
def test_the_ui_lists_every_deployment_in_headless_chromium(served):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium): no browser check")
    assert missing_deployments(served.ui, deployment_names(), chromium) == []


@pytest.fixture
def crm_main(monkeypatch, capsys, tmp_path):
    """`crm ARGS` in this process, as the console script runs it: (exit code, stderr)."""

    def run(*args: str, **env: str | None) -> tuple[int, str]:
        for key, value in {**crm_env(tmp_path), **env}.items():
            if value is None:
                monkeypatch.delenv(key, raising=False)
            else:
                monkeypatch.setenv(key, value)
        monkeypatch.setattr(sys, "argv", ["crm", *args])
        store.reset_caches()
        with pytest.raises(SystemExit) as exited:
            main()
        return exited.value.code, capsys.readouterr().err

    yield run
    store.reset_caches()  # the settings read with the changed environment are forgotten


def test_a_worker_that_cannot_reach_the_database_says_which_setting(crm_main):
    code, stderr = crm_main("worker", DATABASE_URL=UNREACHABLE, PREFECT_API_URL=NOWHERE)
    assert code == 1
    message = stderr.strip()
    assert message.count("\n") == 0 and "Traceback" not in message, message
    assert message.startswith("crm: error: the flows cannot reach their database: ")
    assert "PostgreSQL at postgres@127.0.0.1:1/crm (DATABASE_URL): cannot reach" in message


def test_a_worker_needs_the_servers_address(crm_main):
    code, stderr = crm_main("worker", DATABASE_URL=UNREACHABLE, PREFECT_API_URL=None)
    assert code == 1
    assert stderr.startswith("crm: error: PREFECT_API_URL is not set: point it at")


def test_serve_with_an_unreachable_database_stops_what_it_started(crm_main, tmp_path):
    code, stderr = crm_main("serve", "--port", str(free_port()), DATABASE_URL=UNREACHABLE)
    assert code == 1
    assert "postgres@127.0.0.1:1/crm (DATABASE_URL): cannot reach" in stderr.splitlines()[-1]
    assert ours(tmp_path) == []  # the server it had started is gone
