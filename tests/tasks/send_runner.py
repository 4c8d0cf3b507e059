"""A campaign sending run in a process of its own, for tests that kill it (SIGKILL) midway.

python -m tests.tasks.send_runner CAMPAIGN_ID SMTP_PORT   (DATABASE_URL names the store)
"""

from __future__ import annotations

import os
import sys

import aiosmtplib

from models import store
from tasks.campaign_delivery import Outgoing
from tasks.campaign_messages import campaign_message_id, raw_letter
from tasks.campaign_sending import Sending, send_issue

SENDER = "CRM <crm@example.com>"


def render(row) -> Outgoing:
    raw = raw_letter(
        sender=SENDER, to=row.email, to_name=row.last_name, subject="News", text="Hello",
        html="<p>Hello</p>",
        message_id=campaign_message_id(1, row.occurrence, row.person_id, "example.com"),
    )  # fmt: skip
    return Outgoing(row.campaign_send_id, row.email, raw)


def sending(port: int, **kw) -> Sending:
    values = {
        "connect": lambda: aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=5),
        "sender": SENDER,
        "connections": 3,
        "per_second": None,
        "per_hour": None,
        "stop_after_failures": 0,
        "retry_after_seconds": 0.0,
        "max_attempts": 5,
        "batch_size": 50,
    }
    return Sending(**(values | kw))


if __name__ == "__main__":
    campaign_id, port = int(sys.argv[1]), int(sys.argv[2])
    engine = store.make_engine(store.normalise_url(os.environ["DATABASE_URL"]))
    send_issue(engine, campaign_id, None, render, sending(port))
