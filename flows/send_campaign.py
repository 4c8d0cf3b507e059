"""The send-campaign flow: one issue of a campaign to its audience, each letter exactly once."""

from __future__ import annotations

from prefect import flow

from tasks.campaign_steps import IssueSummary, publish_campaign, send_campaign_issue, start_campaign


@flow(name="send-campaign")
def send_campaign(campaign_id: int, occurrence: str = "") -> IssueSummary:
    """Fill the campaign's ledger (once), send what is due, record every answer; resumable."""
    start_campaign(campaign_id, occurrence)
    summary = send_campaign_issue(campaign_id)
    publish_campaign(summary)
    return summary
