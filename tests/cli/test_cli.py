"""The `crm` command as a user runs it: help everywhere, one-line errors, real effects."""

import os
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()


def crm(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def _commands(command, prefix=()):
    for name, sub in getattr(command, "commands", {}).items():
        yield (*prefix, name)
        yield from _commands(sub, (*prefix, name))


@pytest.mark.parametrize(
    "path", [(), *_commands(typer.main.get_command(app))], ids=lambda p: " ".join(p) or "crm"
)
def test_every_command_has_help(path):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://postgres@127.0.0.1:1/crm", "cannot reach the server"),
        ("sqlite:///x.db", "must point to PostgreSQL"),
    ],
)
def test_bad_database_url_is_one_line_and_non_zero(url, expected):
    result = crm("line", "list", env={"DATABASE_URL": url})
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_lines_stages_and_team_from_the_command_line(database_url, committed, tmp_path):
    assert crm("line", "add", "Equipment").returncode == 0
    again = crm("line", "add", "Equipment")
    assert again.returncode == 1 and "already exists" in again.stderr

    staged = crm(
        "stages",
        "set",
        "Equipment",
        "first call,meeting,paid,lost",
        "--lost",
        "lost",
        "--protected",
        "meeting",
    )
    assert staged.returncode == 0, staged.stderr
    assert "meeting (protected) → paid (won) → lost (lost)" in staged.stdout

    team = tmp_path / "team.csv"
    team.write_text(
        "name,email,role,lines\nAnna,anna@example.com,rep,Equipment\nBad,bad,rep,Equipment\n"
    )
    imported = crm("team", "import", str(team))
    assert imported.returncode == 0, imported.stderr
    assert "row 3: skipped: not an e-mail address" in imported.stderr
    assert "1 employees: 1 added, 0 updated, 1 rows skipped" in imported.stdout

    listed = crm("team", "list", "--line", "Equipment")
    assert "anna@example.com" in listed.stdout and "Equipment:rep" in listed.stdout
    unknown = crm("team", "list", "--line", "Nope")
    assert unknown.returncode == 1 and "unknown business line 'Nope'" in unknown.stderr


def test_missing_file_is_one_line(database_url):
    result = crm("team", "import", "/no/such/team.csv")
    assert result.returncode == 1
    assert "no such file" in result.stderr and "Traceback" not in result.stderr


def test_db_url_hides_the_password(database_url):
    result = crm("db", "url", env={"DATABASE_URL": "postgresql://u:secret@127.0.0.1:1/x"})
    assert result.returncode == 0
    assert "secret" not in result.stdout and "***" in result.stdout


def test_crm_waits_longer_for_a_fresh_local_prefect_unless_ops_chose(monkeypatch):
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS as wait

    from cli.main import EPHEMERAL_STARTUP_SECONDS, _local_prefect_patience

    monkeypatch.delenv(wait.name, raising=False)
    with _local_prefect_patience():
        assert wait.value() == EPHEMERAL_STARTUP_SECONDS
    before = wait.value()
    monkeypatch.setenv(wait.name, "45")
    with _local_prefect_patience():
        assert wait.value() == before  # ops' own value, as Prefect read it, is left alone
