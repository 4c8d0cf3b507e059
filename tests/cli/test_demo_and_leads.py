"""The main job and the three-month rule from the command line, as real Prefect flow runs."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cli.main import app
from models.leads import Lead
from tests import factories as f

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_demo_loads_the_base_runs_the_rule_and_is_rerunnable(committed):
    first = runner.invoke(app, ["demo", "--orgs", "300", "--seed", "3"])
    assert first.exit_code == 0, first.output
    assert "client base: 300 organisations" in first.output
    assert "three-month rule" in first.output and "reassigned" in first.output
    assert "lead list (Prefect flow build-lead-list)" in first.output
    assert "held by other rep" in first.output and "duplicate in file" in first.output
    with committed.connect() as conn:
        moved = conn.scalar(
            sa.text("select count(*) from ownership_changes where reason = 'stale_rule'")
        )
    assert moved > 0
    # Last month's management report, mailed to the heads of sales and the directors.
    assert "management report (Prefect flow generate-reports, kind=monthly)" in first.output
    assert "sent to: " in first.output

    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0, again.output
    # The lead file's new prospects joined the base; the file itself is not imported twice.
    assert "demo base already loaded (3" in again.output
    assert "already imported as batch 1: nothing created this time" in again.output
    assert "0 stale leads, 0 reassigned" in again.output
    # The same period's report is not mailed twice.
    assert "sent earlier, not again" in again.output
    assert "sent to: " not in again.output


@pytest.fixture
def stale_lead(committed) -> tuple[int, int]:
    """A Service lead Anna has held since January, and Boris, who could take it."""
    with Session(committed) as s, s.begin():
        bl = f.line(s, "Service")
        anna, boris = (f.employee(s, bl.line_id, full_name=n) for n in ("Anna", "Boris"))
        lead = f.lead(
            s,
            bl.line_id,
            anna.employee_id,
            owned_since=datetime(2026, 1, 15, tzinfo=ZoneInfo("Europe/Moscow")),
        )
        return lead.lead_id, boris.employee_id


def test_leads_reassign_shows_then_applies(committed, stale_lead):
    lead_id, boris = stale_lead
    shown = runner.invoke(app, ["leads", "reassign", "--line", "Service", "--as-of", "2026-05-04"])
    assert shown.exit_code == 0, shown.output
    assert "1 stale leads" in shown.output and "Anna → Boris" in shown.output
    assert "nothing changed: run again with --approve" in shown.output

    applied = runner.invoke(
        app, ["leads", "reassign", "--line", "Service", "--as-of", "2026-05-04", "--approve"]
    )
    assert applied.exit_code == 0, applied.output
    assert "applied: 1 leads changed owner" in applied.output
    with Session(committed) as s:
        assert s.get(Lead, lead_id).owner_id == boris


def test_freeze_keeps_a_lead_out_of_the_plan(stale_lead):
    lead_id, _ = stale_lead
    assert runner.invoke(app, ["leads", "freeze", str(lead_id)]).exit_code == 0
    shown = runner.invoke(app, ["leads", "reassign", "--as-of", "2026-05-04"])
    assert "0 stale leads" in shown.output and "1 frozen" in shown.output
