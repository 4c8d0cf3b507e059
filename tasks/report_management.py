"""The management report of a period: workload per rep, meetings, the stage funnel and where
leads get stuck, deals won, campaign effect and reassignments, per business line.

Every figure comes from one named query of models/sql/reports.sql, all run in one
repeatable-read transaction, so the tables agree with each other; Python only lays them out.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from models.sql import query
from tasks.lines import line_id_by_name
from tasks.report_period import Period
from tasks.report_tables import Column, LineInfo, Person, Report, Table, columns, records

# Queries in the order they run; lead_facts fills the temporary table the next three read.
MANAGEMENT_QUERIES = (
    "report_settings",
    "forget_lead_facts",
    "lead_facts",
    "rep_workload",
    "stage_funnel",
    "stuck_leads",
    "deals_won",
    "campaign_effect",
    "reassignments",
)

NOTES = (
    "Workload, overdue contacts and stuck leads are counted at the end of the period, per the "
    "lead's owner then; contacts and meetings per the employee who logged them.",
    "Meetings planned are the meetings whose planned time (else the time held) falls in the "
    "period, with their outcome as recorded; the no-show rate is no-shows / (held + no-shows).",
    "A next contact is overdue when a planned contact was not held by the end of the period, "
    "or when the last contact's next-contact date has passed with nothing planned after it.",
    "The funnel is read from the stage history. 'Entered' counts the leads that came into a "
    "stage in the period; 'moved on' those of them in a later stage by its end (skipping "
    "stages counts, a lost stage does not), and the conversion to the next stage is moved on / "
    "entered. 'In the stage at the end' counts open leads by the stage they were in then; "
    "those in it for more than {stuck} days are stuck in the stage. The median days in a stage "
    "cover every stay in it during the period, from entering it to the next change, or to the "
    "end of the period for the leads still there.",
    "Stuck leads (per rep and in the list) are those with no contact for more than {stuck} days.",
    "Deals are won when the money is received; amounts are summed per currency.",
    "Campaign effect: letters handed to the mail server in the period ('delivered' is what the "
    "server accepted: there are no delivery receipts); leads, meetings held and deals won for "
    "the recipients or their organisations within {follow} days of their first letter, up to "
    "the end of the period.",
)


class ManagementOptions(BaseModel):
    stuck_after_days: int = Field(default=30, ge=1)
    follow_up_days: int = Field(default=30, ge=1)
    # Rows of the stuck-leads list per line: the counts cover every lead, the list the worst.
    listed: int = Field(default=20, ge=1)


def query_params(period: Period, line_id: int | None, options: ManagementOptions) -> dict:
    return {
        "from_at": period.from_at,
        "to_at": period.to_at,
        "due_before": period.due_before,
        "line_id": line_id,
        "stuck_days": options.stuck_after_days,
        "follow_days": options.follow_up_days,
        "listed": options.listed,
    }


def run_queries(session: Session, params: dict) -> dict[str, list[dict[str, Any]]]:
    """Every management query, in the caller's transaction (repeatable read: one snapshot)."""
    out = {}
    for name in MANAGEMENT_QUERIES:
        result = session.execute(query("reports", name), params)
        out[name] = records(result) if result.returns_rows else []
    return out


def management_report(
    session: Session,
    period: Period,
    *,
    line: str | None = None,
    options: ManagementOptions | None = None,
) -> Report:
    """The report of `period` for one line or every line, in the caller's transaction."""
    options = options or ManagementOptions()
    line_id = line_id_by_name(session, line) if line else None
    rows = run_queries(session, query_params(period, line_id, options))
    lines = report_lines(session, line_id)
    tables = _tables(rows, lines)
    for info in lines:
        info.has_data = _has_data(tables, info.line_id)
    suffix = f"-line-{line_id}" if line_id else ""
    return Report(
        kind="management",
        key=f"management-{period.key}{suffix}",
        title=f"Management report, {period.label}",
        subtitle=f"{period.first_day.isoformat()} – {period.last_day.isoformat()}",
        lines=lines,
        tables=tables,
        notes=[
            n.format(stuck=options.stuck_after_days, follow=options.follow_up_days) for n in NOTES
        ],
    )


def report_lines(session: Session, line_id: int | None) -> list[LineInfo]:
    rows = session.execute(query("reports", "report_lines"), {"line_id": line_id})
    return [
        LineInfo(line_id=r.line_id, name=r.line, heads=[Person(**h) for h in r.heads]) for r in rows
    ]


def _has_data(tables: dict[str, Table], line_id: int) -> bool:
    """Anything recorded in the period for the line (the open leads alone are not news)."""
    totals = tables["workload"].where(line_id=line_id, is_total=True)
    events = ("new_leads", "calls", "emails", "meetings", "meetings_planned", "won_deals")
    return (
        any(t[k] for t in totals for k in events)
        or bool(tables["campaigns"].where(line_id=line_id))
        or bool(tables["reassignments"].where(line_id=line_id))
    )


def _labelled(rows: list[dict], key: str, total: str, none: str) -> list[dict]:
    for row in rows:
        row[key] = row.get(key) or (total if row.get("is_total") else none)
        row["line"] = row.get("line") or "All lines"
    return rows


def _summary(rows: dict[str, list[dict]], lines: list[LineInfo]) -> list[dict]:
    """Lines at a glance: each figure is picked from a total row computed in SQL."""
    out = []
    for line_id, name in [(i.line_id, i.name) for i in lines] + [(None, "All lines")]:
        workload = next(
            (r for r in rows["rep_workload"] if r["is_total"] and r["line_id"] == line_id), {}
        )
        moved = next(
            (r for r in rows["reassignments"] if r["is_total"] and r["line_id"] == line_id), {}
        )
        won = {
            r["currency"]: r["amount"]
            for r in rows["deals_won"]
            if r["is_total"] and r["line_id"] == line_id
        }
        out.append(
            {**workload, "line_id": line_id, "line": name, "won_amount": won,
             "reassigned": moved.get("leads", 0)}
        )  # fmt: skip
    return out


def _tables(rows: dict[str, list[dict]], lines: list[LineInfo]) -> dict[str, Table]:
    line = Column(key="line", title="Line", fmt="text")
    return {
        "summary": Table(
            name="summary",
            title="Lines at a glance",
            columns=[
                line,
                *columns(
                    "open_leads Open leads",
                    "new_leads New leads",
                    "calls Calls",
                    "emails E-mails",
                    "meetings Meetings held",
                    "meetings_planned Meetings planned",
                    "no_show_rate:pct No-show rate",
                    "overdue_contacts Overdue next contacts",
                    "stuck_leads Stuck leads",
                    "won_deals Deals won",
                    "won_amount:money Won amount",
                    "reassigned Leads reassigned",
                ),
            ],
            rows=_summary(rows, lines),
        ),  # fmt: skip
        "workload": Table(
            name="workload",
            title="Workload per rep",
            columns=[
                line,
                Column(key="employee", title="Rep", fmt="text"),
                *columns(
                    "open_leads Open leads",
                    "new_leads New leads",
                    "calls Calls",
                    "emails E-mails",
                    "meetings Meetings held",
                    "meetings_planned Meetings planned",
                    "meetings_held Planned: held",
                    "no_shows Planned: no-show",
                    "meetings_cancelled Planned: cancelled",
                    "meetings_open Planned: no outcome",
                    "no_show_rate:pct No-show rate",
                    "overdue_contacts Overdue next contacts",
                    "stuck_leads Stuck leads",
                    "won_deals Deals won",
                    "leads_taken Leads taken away",
                    "leads_received Leads received",
                ),
            ],
            rows=_labelled(rows["rep_workload"], "employee", "Total", "Unassigned pool"),
        ),  # fmt: skip
        "funnel": Table(
            name="funnel",
            title="Sales-stage funnel (from the stage history)",
            columns=[
                line,
                Column(key="stage", title="Stage", fmt="text"),
                *columns(
                    "entered Entered in the period",
                    "moved_on Of them, moved on by the end",
                    "conversion_to_next:pct Conversion to a later stage",
                    "median_days_in_stage:days Median days in the stage",
                    "in_stage In the stage at the end (open)",
                    "stuck_in_stage Of them, longer than the threshold",
                    "median_days_idle:days Of them, median days since contact",
                ),
            ],
            rows=rows["stage_funnel"],
        ),  # fmt: skip
        "stuck_leads": Table(
            name="stuck_leads",
            title="Stuck leads (longest without a contact)",
            columns=[
                line,
                *columns(
                    "lead_id:text Lead",
                    "client:text Client",
                    "stage:text Stage",
                    "owner:text Owner",
                    "last_contact_at:datetime Last contact",
                    "days_idle:days Days without contact",
                    "days_in_stage:days Days in the stage",
                    "days_open:days Days open",
                ),
            ],
            rows=rows["stuck_leads"],
        ),  # fmt: skip
        "deals_won": Table(
            name="deals_won",
            title="Deals won (money received)",
            columns=[
                line,
                Column(key="owner", title="Rep", fmt="text"),
                *columns(
                    "currency:text Currency",
                    "won_deals Deals",
                    "amount:money Amount",
                    "largest:money Largest",
                ),
            ],
            rows=_labelled(rows["deals_won"], "owner", "Total", "Unassigned pool"),
        ),  # fmt: skip
        "campaigns": Table(
            name="campaigns",
            title="Campaign effect",
            columns=[
                line,
                *columns(
                    "campaign:text Campaign",
                    "channel:text Channel",
                    "sent Sent",
                    "delivered Delivered",
                    "failed Failed",
                    "unknown Unknown",
                    "unsubscribed Unsubscribed",
                    "new_leads New leads",
                    "meetings_held Meetings held",
                    "won_deals Deals won",
                    "won_amounts:money Won amount",
                ),
            ],
            rows=_labelled(rows["campaign_effect"], "campaign", "", ""),
        ),  # fmt: skip
        "reassignments": Table(
            name="reassignments",
            title="Reassignments made",
            columns=[
                line,
                *columns(
                    "reason:text Reason",
                    "changes Owner changes",
                    "leads Leads",
                    "to_pool To the pool",
                ),
            ],
            rows=_labelled(rows["reassignments"], "reason", "Total", ""),
        ),  # fmt: skip
    }
