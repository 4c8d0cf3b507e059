"""The client summary: one page with everything a rep needs before a call or a meeting."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from models.errors import CrmError
from models.sql import query
from tasks.campaign_schedule import holiday_date
from tasks.lines import line_id_by_name
from tasks.report_period import business_today
from tasks.report_tables import money_text, show

CLIENT_QUERIES = (
    "client_contacts",
    "client_leads",
    "client_deals",
    "client_satisfaction",
    "client_dates",
    "client_activities",
)


def client_summary(
    session: Session,
    *,
    organisation_id: int | None = None,
    person_id: int | None = None,
    line: str | None = None,
    today: date | None = None,
    days_ahead: int = 60,
) -> str:
    """The page of an organisation or an individual client (of one line, if given)."""
    if (organisation_id is None) == (person_id is None):
        raise CrmError("a client summary is for one organisation or one person")
    params = {
        "organisation_id": organisation_id,
        "person_id": person_id,
        "line_id": line_id_by_name(session, line) if line else None,
    }
    details = session.execute(query("reports", "client_details"), params).mappings().first()
    if details is None:
        kind, number = (
            ("organisation", organisation_id) if organisation_id else ("person", person_id)
        )
        raise CrmError(f"no {kind} with id {number}")
    parts = {
        n: session.execute(query("reports", n), params).mappings().all() for n in CLIENT_QUERIES
    }
    today = today or business_today()
    sections = [
        _details(details),
        _contacts(parts["client_contacts"], details["client_kind"]),
        _leads(parts["client_leads"]),
        _deals(parts["client_deals"]),
        _satisfaction(parts["client_satisfaction"]),
        _dates(parts["client_dates"], today, days_ahead),
        _activities(parts["client_activities"]),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


def _join(*items: Any, sep: str = " · ") -> str:
    return sep.join(str(i) for i in items if i not in (None, "", [], {}))


def _details(d) -> str:
    head = f"{d['name']} ({d['client_kind']} {d['client_id']})"
    size = f"{d['employee_count']} employees" if d["employee_count"] is not None else None
    lines = [
        head,
        "=" * len(head),
        _join(
            d["tax_id"] and f"INN {d['tax_id']}", d["legal_form"], d["industry"], d["region"], size
        ),
        _labelled("Address", _join(d["postcode"], d["city"], d["address"], sep=", ")),
        d["phones"] and f"Phones: {', '.join(d['phones'])}",
        d["emails"] and f"E-mails: {', '.join(d['emails'])}",
        d["website"] and f"Website: {d['website']}",
        d["founded_date"] and f"Founded: {d['founded_date'].isoformat()}",
        d["birth_date"] and f"Born: {d['birth_date'].isoformat()}",
        d["custom_attributes"]
        and "Attributes: "
        + "; ".join(f"{k}: {v}" for k, v in sorted(d["custom_attributes"].items())),
    ]
    return "\n".join(line for line in lines if line)


def _labelled(label: str, text: str) -> str:
    return f"{label}: {text}" if text else ""


def _section(title: str, rows: list[str], empty: str) -> str:
    return "\n".join([title, "-" * len(title), *(rows or [empty])])


def _contacts(rows, client_kind: str) -> str:
    out = []
    for r in rows:
        flags = _join(
            "primary contact" if r["is_primary_contact"] else None,
            "decision maker" if r["is_decision_maker"] else None,
            r["ended_date"] and f"left {r['ended_date'].isoformat()}",
            sep=", ",
        )
        who = r["name"] if client_kind == "organisation" else r["organisation"]
        line = f"* {_join(who, r['position'], sep=', ')}" + (f" [{flags}]" if flags else "")
        out.append(_join(line, r["phone"], r["email"]))
        if r["other_organisations"]:
            out.append(f"    also works at: {r['other_organisations']}")
        if r["birth_date"] and client_kind == "organisation":
            out.append(f"    born {r['birth_date'].isoformat()}")
    title = "Contact persons" if client_kind == "organisation" else "Works at"
    return _section(title, out, "none recorded")


def _leads(rows) -> str:
    out = [
        f"* {r['line']}: {r['stage']} ({r['relationship_stage']}), {r['status']}"
        + (f" {show(r['closed_at'], 'date')}" if r["closed_at"] else "")
        + f"; owner {r['owner'] or 'unassigned pool'}"
        + (f" <{r['owner_email']}>" if r["owner_email"] else "")
        + f" since {show(r['owned_since'], 'date')}"
        + ("; frozen" if r["is_frozen"] else "")
        for r in rows
    ]
    return _section("Lines and stages", out, "not worked in any line")


def _deals(rows) -> str:
    out = []
    for r in rows:
        state = (
            f"won {show(r['won_at'], 'date')}"
            if r["won_at"]
            else f"lost {show(r['lost_at'], 'date')}"
            if r["lost_at"]
            else "open"
        )
        out.append(
            f"* {show(r['created_at'], 'date')} {r['title'] or 'deal'} ({r['line']}): "
            f"{money_text({r['currency']: r['amount']})}, {r['stage']}, {state}"
        )
    return _section("Deals", out, "no deals")


def _satisfaction(rows) -> str:
    out = [
        f"* {r['wave']}, {show(r['submitted_at'], 'date')}, {r['respondent']} ({r['line']}): "
        + _join(
            *(
                f"{k} {show(r[k], 'score')}"
                for k in ("products", "service", "prices", "logistics", "company", "overall")
                if r[k] is not None
            ),
            sep=", ",
        )
        + (f"; NPS {r['nps']}" if r["nps"] is not None else "")
        + (f'; "{r["comment"]}"' if r["comment"] else "")
        for r in rows
    ]
    return _section("Satisfaction", out, "no survey answers")


def next_occurrence(row, today: date) -> date:
    """The next day on or after `today` a recurring date falls on (29 Feb: the 28th in common
    years, as the greeting campaigns do)."""
    for year in (today.year, today.year + 1):
        day = holiday_date(year, row["month"], row["day"], row["weekday"], row["week_of_month"])
        if day >= today:
            return day
    raise AssertionError("a yearly date recurs within a year")


def _dates(rows, today: date, days_ahead: int) -> str:
    until = today + timedelta(days=days_ahead)
    upcoming = sorted(((next_occurrence(r, today), r) for r in rows), key=lambda x: x[0])
    out = []
    for day, r in upcoming:
        if day > until:
            continue
        years = f", {day.year - r['year']} years" if r["year"] and r["kind"] != "other" else ""
        out.append(
            f"* {day.isoformat()} (in {(day - today).days} days): {r['title']}"
            f" — {r['whose']}{years}"
        )
    return _section(f"Useful dates in the next {days_ahead} days", out, "none")


def _activities(rows) -> str:
    planned = [_activity(r) for r in reversed(rows) if r["status"] == "planned"]
    past = [_activity(r) for r in rows if r["status"] != "planned"]
    return "\n\n".join(
        [
            _section("Planned contacts", planned, "nothing planned"),
            _section(f"Past contacts ({len(past)}, latest first)", past, "no contacts yet"),
        ]
    )


def _activity(r) -> str:
    line = (
        f"* {show(r['happened_at'], 'datetime')} {r['line']}: {r['kind']} "
        f"({r['status']}) by {r['employee']}"
    )
    if r["outcome"]:
        line += f" — {r['outcome']}"
    if r["next_contact_date"]:
        line += f"; next contact {r['next_contact_date'].isoformat()}"
    return line
