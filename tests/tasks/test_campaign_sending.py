"""The sender's guarantees on a real PostgreSQL and a real SMTP server on loopback."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.campaigns import Campaign, CampaignStatus, MessageTemplate
from models.lists import ContactList, ListKind, ListMember
from models.settings import PROJECT_ROOT
from models.suppressions import Suppression, SuppressionReason
from tasks import campaigns
from tasks.campaign_audience import fill_ledger
from tasks.campaign_delivery import Outgoing, SmtpUnavailable
from tasks.campaign_sending import Sending, send_issue
from tests import factories as f
from tests.smtp_servers import RecordingServer
from tests.tasks.send_runner import render, sending

RUNNER = "tests.tasks.send_runner"


def audience(engine, emails: list[str]) -> int:
    with Session(engine) as s, s.begin():
        contact_list = ContactList(name=f"list {time.monotonic_ns()}", kind=ListKind.static)
        s.add(contact_list)
        s.flush()
        for email in emails:
            person = f.person(s, last_name=email.split("@")[0], emails=[email])
            s.add(ListMember(list_id=contact_list.list_id, person_id=person.person_id))
        template = MessageTemplate(
            name=f"t {contact_list.list_id}", subject="S", body_html="<p>x</p>", body_text="x"
        )
        s.add(template)
        s.flush()
        campaign = Campaign(
            name=f"c {contact_list.list_id}", template_id=template.template_id,
            list_id=contact_list.list_id, status=CampaignStatus.running,
        )  # fmt: skip
        s.add(campaign)
        s.flush()
        fill_ledger(s.connection(), campaign.campaign_id)
        return campaign.campaign_id


def how(server: RecordingServer, **kw) -> Sending:
    return sending(server.port, **({"batch_size": 17} | kw))


def ledger(engine, campaign_id: int) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT email, status::text FROM campaign_sends WHERE campaign_id = :c"),
            {"c": campaign_id},
        )
        return dict(rows.tuples().all())


def until_done(engine, campaign_id: int, sending: Sending, rounds: int = 10):
    for _ in range(rounds):
        result = send_issue(engine, campaign_id, None, render, sending)
        if not result.counts.get("pending") and not result.counts.get("sending"):
            return result
    raise AssertionError(f"still open after {rounds} runs: {result.counts}")


def test_temporary_failures_are_retried_and_hard_bounces_suppressed(committed):
    emails = [f"p{i}@example.ru" for i in range(60)] + ["gone@example.ru"]
    campaign_id = audience(committed, emails)
    with RecordingServer(temp_fail_every=3, reject={"gone@example.ru"}) as server:
        result = until_done(committed, campaign_id, how(server))
        counts = server.rcpt_counts()
    assert all(counts[e] == 1 for e in emails[:-1])
    assert counts["gone@example.ru"] == 0
    states = ledger(committed, campaign_id)
    assert states["gone@example.ru"] == "failed"
    assert {s for e, s in states.items() if e != "gone@example.ru"} == {"sent"}
    assert result.counts == {"sent": 60, "failed": 1}
    with committed.connect() as conn:
        reason = conn.scalar(
            sa.text("SELECT reason::text FROM suppressions WHERE email = 'gone@example.ru'")
        )
    assert reason == "bounced"


def test_two_runs_at_once_deliver_nobody_twice(committed):
    emails = [f"twin{i}@example.ru" for i in range(200)]
    campaign_id = audience(committed, emails)
    with RecordingServer() as server:
        runs = [
            threading.Thread(
                target=send_issue, args=(committed, campaign_id, None, render, how(server))
            )
            for _ in range(2)
        ]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
        counts = server.rcpt_counts()
    assert sorted(counts) == sorted(emails) and set(counts.values()) == {1}
    assert set(ledger(committed, campaign_id).values()) == {"sent"}


def test_a_second_run_while_one_is_sending_the_campaign_sends_nothing_and_says_why(committed):
    campaign_id = audience(committed, ["one@example.ru", "two@example.ru"])
    with committed.connect() as other_run, RecordingServer() as server:
        # What a sending run of the campaign holds while it is alive.
        other_run.execute(
            sa.text("SELECT pg_advisory_lock(hashtext('campaign-sending'), :c)"),
            {"c": campaign_id},
        )
        result = send_issue(committed, campaign_id, None, render, how(server))
        assert server.rcpt_counts() == {}
        other_run.invalidate()
    assert result.busy and "another run is sending this campaign" in result.busy
    assert result.sent == 0 and result.counts == {"pending": 2}
    with RecordingServer() as server:
        result = send_issue(committed, campaign_id, None, render, how(server))
        assert server.rcpt_counts() == {"one@example.ru": 1, "two@example.ru": 1}
    assert result.busy is None


def test_a_suppression_made_after_the_ledger_was_filled_still_stops_the_letter(committed):
    campaign_id = audience(committed, ["keep@example.ru", "left@example.ru"])
    with Session(committed) as s, s.begin():
        s.add(Suppression(email="left@example.ru", reason=SuppressionReason.unsubscribed))
    with RecordingServer() as server:
        send_issue(committed, campaign_id, None, render, how(server))
        assert server.rcpt_counts() == {"keep@example.ru": 1}
    assert ledger(committed, campaign_id)["left@example.ru"] == "skipped"


def test_a_server_that_cannot_be_reached_sends_nothing_and_loses_nothing(committed):
    campaign_id = audience(committed, ["a@example.ru", "b@example.ru"])
    closed = sending(9)  # nothing listens there
    with pytest.raises(SmtpUnavailable, match="cannot reach"):
        send_issue(committed, campaign_id, None, render, closed)
    assert set(ledger(committed, campaign_id).values()) == {"pending"}
    with RecordingServer() as server:
        send_issue(committed, campaign_id, None, render, how(server))
        assert set(server.rcpt_counts().values()) == {1}


def test_the_rate_limit_is_kept(committed):
    campaign_id = audience(committed, [f"r{i}@example.ru" for i in range(12)])
    with RecordingServer() as server:
        started = time.monotonic()
        send_issue(committed, campaign_id, None, render, how(server, per_second=20.0))
        elapsed = time.monotonic() - started
    # 12 letters at 20 a second: the first goes at once, the last no sooner than 0.55 s later.
    assert elapsed >= 11 / 20


def test_a_run_stops_itself_after_failures_in_a_row_and_leaves_the_rest_pending(committed):
    emails = [f"x{i}@example.ru" for i in range(30)]
    campaign_id = audience(committed, emails)
    with RecordingServer(reject=set(emails)) as server:
        result = send_issue(
            committed, campaign_id, None, render, how(server, stop_after_failures=5, connections=1)
        )
    assert result.stopped and "5 failures in a row" in result.stopped
    states = list(ledger(committed, campaign_id).values())
    assert states.count("failed") == 5 and states.count("pending") == 25
    # The next batch, claimed while the first was sending, was freed untouched.
    with committed.connect() as conn:
        held = conn.scalar(
            sa.text(
                "SELECT count(*) FROM campaign_sends"
                " WHERE claimed_by IS NOT NULL AND campaign_id = :c"
            ),
            {"c": campaign_id},
        )
    assert held == 0


def test_killing_the_sender_at_random_points_never_sends_anyone_twice(committed, database_url):
    emails = [f"k{i}@example.ru" for i in range(2000)]
    campaign_id = audience(committed, emails)
    env = os.environ | {"DATABASE_URL": database_url.render_as_string(hide_password=False)}
    chance = random.Random(2026)
    kills = 0
    with RecordingServer(delay=0.002) as server:
        for _ in range(30):
            runner = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.tasks.send_runner",
                    str(campaign_id),
                    str(server.port),
                ],
                env=env,
                cwd=PROJECT_ROOT,
            )
            try:
                runner.wait(timeout=chance.uniform(0.8, 2.0))
            except subprocess.TimeoutExpired:
                runner.send_signal(signal.SIGKILL)
                runner.wait()
                kills += 1
            if not {"pending", "sending"} & set(ledger(committed, campaign_id).values()):
                break
        # A last, uninterrupted run finishes whatever is left.
        send_issue(committed, campaign_id, None, render, how(server))
        counts = server.rcpt_counts()
    states = ledger(committed, campaign_id)
    assert set(states.values()) <= {"sent", "unknown"}
    assert max(counts.values()) == 1  # nobody twice, kills included
    assert all(counts[e] == 1 for e, s in states.items() if s == "sent")
    unknown = [e for e, s in states.items() if s == "unknown"]
    # Only letters in flight at a kill are unknown: at most one per connection per kill.
    assert kills >= 2
    assert len(unknown) <= 3 * kills, (len(unknown), kills)


def test_a_paused_campaign_stops_at_the_next_batch(committed):
    campaign_id = audience(committed, [f"p{i}@example.ru" for i in range(40)])
    with Session(committed) as s, s.begin():
        s.get(Campaign, campaign_id).status = CampaignStatus.paused
    with RecordingServer() as server:
        send_issue(committed, campaign_id, None, render, how(server))
        assert server.messages == []
    assert set(ledger(committed, campaign_id).values()) == {"pending"}


def test_a_letter_that_cannot_be_made_fails_once_with_why(committed):
    campaign_id = audience(committed, ["ok@example.ru", "broken@example.ru"])

    def picky(row) -> Outgoing:
        if row.email.startswith("broken"):
            raise ValueError("no greeting for this one")
        return render(row)

    with RecordingServer() as server:
        result = send_issue(committed, campaign_id, None, picky, how(server))
    assert result.counts == {"sent": 1, "failed": 1}
    with committed.connect() as conn:
        why = conn.scalar(
            sa.text("SELECT last_error FROM campaign_sends WHERE email = 'broken@example.ru'")
        )
    assert why == "letter not made: no greeting for this one"


def test_letters_wait_outside_the_sending_window_in_the_recipient_time_zone(committed):
    campaign_id = audience(committed, ["east@example.ru", "west@example.ru"])
    with Session(committed) as s, s.begin():
        now_utc_hour = s.scalar(sa.text("SELECT extract(hour FROM now() AT TIME ZONE 'UTC')"))
        s.execute(
            sa.text(
                "UPDATE persons SET time_zone = CASE WHEN emails[1] LIKE 'east%'"
                " THEN 'Etc/GMT-6' ELSE 'UTC' END"
            )
        )
        campaign = s.get(Campaign, campaign_id)
        # Open for the hour it is now in UTC only: 6 hours ahead, the east is outside it.
        campaign.window_start_hour = int(now_utc_hour)
        campaign.window_end_hour = int(now_utc_hour) + 1
    with RecordingServer() as server:
        send_issue(committed, campaign_id, None, render, how(server))
        assert server.rcpt_counts() == {"west@example.ru": 1}
    assert ledger(committed, campaign_id)["east@example.ru"] == "pending"
    # What is left waits for its window: the dispatcher does not start an empty send for it.
    with Session(committed) as s:
        assert campaign_id not in campaigns.due_campaigns(s)
    with Session(committed) as s, s.begin():
        campaign = s.get(Campaign, campaign_id)
        east_hour = (int(now_utc_hour) + 6) % 24
        campaign.window_start_hour, campaign.window_end_hour = east_hour, east_hour + 1
    with Session(committed) as s:
        assert campaign_id in campaigns.due_campaigns(s)
