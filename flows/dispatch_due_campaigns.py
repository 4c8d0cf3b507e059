"""The dispatch-due-campaigns flow: start what is due, resume what was interrupted."""

from __future__ import annotations

from prefect import flow, get_run_logger

from flows.send_campaign import send_campaign
from tasks.campaign_steps import find_due_campaigns


@flow(name="dispatch-due-campaigns")
def dispatch_due_campaigns() -> list[int]:
    """Every few minutes: each due campaign gets a send-campaign run of its own."""
    due = find_due_campaigns()
    for campaign_id in due:
        try:
            send_campaign(campaign_id)
        except Exception as error:  # one broken campaign must not hold up the others
            get_run_logger().error("campaign %s: %s", campaign_id, error)
    return due
