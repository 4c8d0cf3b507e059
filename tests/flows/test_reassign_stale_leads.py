"""`reassign-stale-leads` as real Prefect flow runs: auto, manual approval, timeout, overlap."""

import threading
import time
from datetime import date, datetime
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.flow_runs import resume_flow_run
from sqlalchemy.orm import Session

from flows.reassign_stale_leads import reassign_stale_leads
from models.employees import Role
from models.leads import Lead, OwnershipChange
from models.settings import get_settings
from tests import factories as f

AS_OF = date(2026, 5, 4)
pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def base(committed):
    with Session(committed) as s, s.begin():
        bl = f.line(s, "Service")
        a, b, c = (f.employee(s, bl.line_id, full_name=f"Rep {n}") for n in "ABC")
        head = f.employee(s, bl.line_id, role=Role.head_of_sales, full_name="Head")
        leads = [
            f.lead(
                s,
                bl.line_id,
                a.employee_id,
                owned_since=datetime(2026, 1, 15, 12, tzinfo=ZoneInfo("Europe/Moscow")),
            )
            for _ in range(6)
        ]
        ids = {
            "a": a.employee_id,
            "b": b.employee_id,
            "c": c.employee_id,
            "head": head.employee_id,
            "head_email": head.email,
            "a_email": a.email,
            "leads": [x.lead_id for x in leads],
        }
    for eml in get_settings().mail_capture_dir.glob("*.eml"):
        eml.unlink()
    return ids


def owners(engine, lead_ids):
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(Lead.lead_id, Lead.owner_id).where(Lead.lead_id.in_(lead_ids))
        )
        return dict(rows.tuples().all())


def history_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(OwnershipChange))


def captured() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for eml in get_settings().mail_capture_dir.glob("*.eml"):
        msg = message_from_bytes(eml.read_bytes())
        out.setdefault(msg["To"], []).append(msg["Subject"])
    return out


def test_auto_run_reassigns_announces_and_is_safe_to_repeat(committed, base):
    result = reassign_stale_leads(line="Service", as_of=AS_OF)
    assert (result.status, result.stale, result.applied) == ("applied", 6, 6)
    got = owners(committed, base["leads"])
    assert sorted(got.values()) == sorted([base["b"]] * 3 + [base["c"]] * 3)
    mail = captured()
    assert mail[base["a_email"]] == ["6 leads were handed to other reps (three-month rule)"]
    assert any("You received 3 leads" in s for s in sum(mail.values(), []))
    assert mail[base["head_email"]] == [
        f"Service: 6 stale leads reassigned (plan {result.plan_id}) (three-month rule)"
    ]
    assert len(mail) == 4
    key = f"reassignment-plan-{result.plan_id}"
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    # Tests restart the plan ids, so an earlier test's plan may share the key: take the newest.
    newest = max(artifacts, key=lambda artifact: artifact.created)
    assert "6 stale leads to reassign" in newest.description

    again = reassign_stale_leads(line="Service", as_of=AS_OF)
    assert (again.status, again.applied) == ("nothing stale", 0)
    assert history_rows(committed) == 6
    assert sum(len(v) for v in captured().values()) == 4


def _paused_run_id(timeout=60.0):
    state = FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(state=state))
            if runs:
                return runs[0].id
            time.sleep(0.5)
    raise AssertionError("the flow run never paused")


def _run_in_thread(**params):
    box = {}
    thread = threading.Thread(target=lambda: box.update(result=reassign_stale_leads(**params)))
    thread.start()
    return thread, box


def test_manual_approval_applies_the_edited_plan(committed, base):
    thread, box = _run_in_thread(line="Service", as_of=AS_OF, approval="manual")
    run_id = _paused_run_id()
    assert owners(committed, base["leads"]) == {i: base["a"] for i in base["leads"]}
    first = base["leads"][0]
    resume_flow_run(
        run_id,
        run_input={
            "approve": True,
            "decided_by": base["head_email"],
            "changes": [{"lead_id": first, "to_employee_id": None}],
        },
    )
    thread.join(120)
    assert box["result"].applied == 6
    got = owners(committed, base["leads"])
    assert got[first] is None
    assert base["a"] not in got.values()
    with committed.connect() as conn:
        decided_by = conn.scalar(sa.text("select distinct decided_by_id from ownership_changes"))
    assert decided_by == base["head"]


def test_manual_approval_that_times_out_applies_nothing(committed, base):
    result = reassign_stale_leads(
        line="Service", as_of=AS_OF, approval="manual", approval_timeout_hours=2 / 3600
    )
    assert (result.status, result.applied) == ("expired", 0)
    assert owners(committed, base["leads"]) == {i: base["a"] for i in base["leads"]}
    assert history_rows(committed) == 0


def test_rejected_plan_applies_nothing(committed, base):
    thread, box = _run_in_thread(line="Service", as_of=AS_OF, approval="manual")
    resume_flow_run(_paused_run_id(), run_input={"approve": False, "decided_by": "h@x.io"})
    thread.join(120)
    assert box["result"].status == "rejected"
    assert history_rows(committed) == 0


def test_two_runs_at_once_change_each_lead_once(committed, base):
    runs = [_run_in_thread(line="Service", as_of=AS_OF) for _ in range(2)]
    for thread, _ in runs:
        thread.join(180)
    assert sum(box["result"].applied for _, box in runs) == 6
    assert history_rows(committed) == 6


def test_refused_edit_asks_again_and_applies_nothing_until_answered(committed, base):
    thread, box = _run_in_thread(line="Service", as_of=AS_OF, approval="manual")
    first = base["leads"][0]
    resume_flow_run(
        _paused_run_id(),
        run_input={
            "approve": True,
            "decided_by": base["head_email"],
            "changes": [{"lead_id": first, "to_employee_id": base["a"]}],
        },
    )
    time.sleep(1)
    assert history_rows(committed) == 0
    resume_flow_run(_paused_run_id(), run_input={"approve": True, "decided_by": base["head_email"]})
    thread.join(120)
    assert box["result"].applied == 6
