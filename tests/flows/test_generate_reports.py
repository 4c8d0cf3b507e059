"""`generate-reports` as real Prefect flow runs: computed, saved, published, mailed per line."""

import email
import email.policy
import json
from datetime import date
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy.orm import Session

from flows.generate_reports import generate_reports
from tests.report_base import management_base, satisfaction_base
from tests.smtp_servers import RecordingServer

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]


def newest_artifact(key: str):
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    return max(artifacts, key=lambda artifact: artifact.created)


def subjects(mailbox: Path) -> dict[str, str]:
    out = {}
    for eml in mailbox.glob("*.eml"):
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        out[message["To"]] = message["Subject"]
    return out


def test_the_weekly_report_of_last_week(committed, mailbox):
    with Session(committed) as s, s.begin():
        base = management_base(s)

    outcome = generate_reports(kind="weekly", as_of=date(2026, 5, 13))

    assert outcome.title == "Management report, week 19 of 2026 (4–10 May)"
    assert not outcome.is_empty and outcome.lines_without_head == ["Nobody"]
    assert outcome.letters == 3 and outcome.failed == []
    assert subjects(mailbox) == {
        base.emails["Helen"]: f"{outcome.title}: Equipment",
        base.emails["Hugo"]: f"{outcome.title}: Service",
        base.emails["Dora"]: outcome.title,
    }
    folder = Path(outcome.folder)
    assert folder.name == "management-2026-05-04--2026-05-10"
    assert (folder / "all-lines" / "report.xlsx").exists()
    summary = newest_artifact("management-report")
    assert "Lines with no head of sales (directors only): Nobody." in summary.data
    assert "| Equipment | 6 | 1 | 2 | 2 | 1 | 3 | 50.0% |" in summary.data
    workload = newest_artifact("management-report-workload")
    assert any(row["Rep"] == "Anna Rep" for row in json.loads(workload.data))


def test_the_satisfaction_report_without_letters(committed, mailbox):
    with Session(committed) as s, s.begin():
        satisfaction_base(s)

    outcome = generate_reports(kind="satisfaction", wave="Summer 2026", notify=False)

    assert outcome.title == "Customer satisfaction, Summer 2026" and outcome.letters == 0
    assert list(mailbox.glob("*.eml")) == []
    assert (Path(outcome.folder) / "all-lines" / "scores.csv").exists()
    assert (
        "| Equipment | All | all | 3 | 2 | 66.7% | +0 |"
        in newest_artifact("satisfaction-report").data
    )


def test_a_refused_letter_is_reported_and_the_rerun_sends_only_it(committed, monkeypatch):
    from models.settings import get_settings

    with Session(committed) as s, s.begin():
        base = management_base(s)
    helen, hugo, dora = (base.emails[n] for n in ("Helen", "Hugo", "Dora"))

    def run(server, **kw):
        monkeypatch.setenv("SMTP_HOST", server.host)
        monkeypatch.setenv("SMTP_PORT", str(server.port))
        get_settings.cache_clear()
        try:
            return generate_reports(kind="weekly", as_of=date(2026, 5, 13), **kw)
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()

    with RecordingServer(reject={helen}) as server:
        first = run(server)
        assert server.rcpt_counts() == {hugo: 1, dora: 1}
    assert first.failed == [helen] and first.letters == 3
    with RecordingServer() as server:
        second = run(server)
        third = run(server)
        assert server.rcpt_counts() == {helen: 1}
    assert (second.recipients, second.failed) == ([helen], [])
    assert sorted(second.already_sent) == sorted([hugo, dora])
    assert third.letters == 0 and sorted(third.already_sent) == sorted([helen, hugo, dora])
    with RecordingServer() as server:
        again = run(server, resend=True)
        assert server.rcpt_counts() == {helen: 1, hugo: 1, dora: 1}
    assert again.letters == 3 and again.already_sent == []
