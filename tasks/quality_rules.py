"""The data-quality rules, in code: one expectation per business rule, each critical or warning.

A rule reads one table (its suite) and either names the rows that break it in SQL, where `batch`
stands for that table, or asks every value of one column to match a pattern. Everything runs in
PostgreSQL. Critical rules guard a promise the system makes and fail the nightly run and CI: a
letter reaches a well-formed address of a person who did not opt out, a client is worked by one
active rep of the line, a tax id is a real one, the send ledger says what happened. Warnings
point at work left undone that no automatic step acts wrongly on (a phone a rep must fix by hand,
a lead the three-month rule has not handed on yet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from models.campaigns import SendStatus
from models.surveys import SCORE_COLUMNS
from tasks.normalise_contacts import E164

Severity = Literal["critical", "warning"]

# The importer's normal form (tasks/normalise_contacts.normalise_email): a dot-atom local part,
# then ASCII host labels (IDN as punycode) and a top label of letters or xn--. The same pattern
# is valid in Python and in PostgreSQL's regular expressions.
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
EMAIL_SHAPE = rf"^{_ATOM}(\.{_ATOM})*@({_LABEL}\.)+([a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})$"
PHONE_SHAPE = E164.pattern  # what the importer stores: E.164, extension kept apart


@dataclass(frozen=True)
class Rule:
    name: str  # "<table>.<rule>", the name a failure is reported by
    table: str  # the suite, and the table `batch` stands for
    severity: Severity
    description: str
    sql: str | None = None  # the rows that break the rule; the first column identifies them
    column: str | None = None  # or: every non-null value of `column` matches `regex`
    regex: str | None = None
    key: str | None = None  # the column that identifies a row with a bad value


class RuleParams(BaseModel):
    """The three-month rule as the nightly check applies it (same defaults as the flow)."""

    stale_months: int = Field(default=3, ge=0)
    stale_days: int = Field(default=0, ge=0)
    # A lead stale for this many days more is one the daily rule (and a manual approval, which
    # may wait a day) has had time to move.
    grace_days: int = Field(default=2, ge=0)
    as_of: date
    time_zone: str = "Europe/Moscow"


def literal(text: str) -> str:
    """A PostgreSQL string literal (standard_conforming_strings: only quotes are doubled)."""
    return "'" + text.replace("'", "''") + "'"


def _time_zone(name: str) -> str:
    ZoneInfo(name)  # an unknown zone fails here, not inside a query
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", name):
        raise ValueError(f"not a time zone name: {name!r}")
    return literal(name)


def _array_shape(key: str, column: str, regex: str) -> str:
    return f"""
        select t.{key}, v.value
        from batch as t
        cross join lateral unnest(t.{column}) as v (value)
        where v.value is null or v.value !~ {literal(regex)}"""


def contact_rules() -> list[Rule]:
    rules = []
    for table, key in (("persons", "person_id"), ("organisations", "organisation_id")):
        rules += [
            Rule(
                f"{table}.emails_well_formed", table, "critical",
                f"Every address in {table}.emails is a well-formed, lower-case e-mail address.",
                sql=_array_shape(key, "emails", EMAIL_SHAPE),
            ),
            Rule(
                f"{table}.phones_well_formed", table, "warning",
                f"Every number in {table}.phones is in E.164 form (+79161234567).",
                sql=_array_shape(key, "phones", PHONE_SHAPE),
            ),
        ]  # fmt: skip
    rules += [
        Rule(
            "organisations.tax_id_valid", "organisations", "critical",
            "Every organisation's tax id is an INN with valid check digits (10 or 12 digits).",
            sql="""
                select t.organisation_id, t.tax_id from batch as t
                where t.tax_id is not null and not coalesce(inn_is_valid(t.tax_id), false)""",
        ),
        Rule(
            "persons.tax_id_valid", "persons", "critical",
            "Every person's tax id is a personal INN: 12 digits with valid check digits.",
            sql="""
                select t.person_id, t.tax_id from batch as t
                where t.tax_id is not null
                  and (length(t.tax_id) <> 12 or not coalesce(inn_is_valid(t.tax_id), false))""",
        ),
        Rule(
            "employments.work_email_well_formed", "employments", "critical",
            "Every work e-mail of an employment is a well-formed, lower-case e-mail address.",
            column="work_email", regex=EMAIL_SHAPE, key="employment_id",
        ),
        Rule(
            "employments.work_phone_well_formed", "employments", "warning",
            "Every work phone of an employment is in E.164 form.",
            column="work_phone", regex=PHONE_SHAPE, key="employment_id",
        ),
        Rule(
            "employments.no_orphans", "employments", "critical",
            "Every employment joins an existing person to an existing organisation.",
            sql="""
                select t.employment_id, t.person_id, t.organisation_id from batch as t
                where not exists (select 1 from persons as p where p.person_id = t.person_id)
                   or not exists (
                       select 1 from organisations as o where o.organisation_id = t.organisation_id
                   )""",
        ),
    ]  # fmt: skip
    return rules


def lead_rules(params: RuleParams) -> list[Rule]:
    tz = _time_zone(params.time_zone)
    months, days = int(params.stale_months), int(params.stale_days)
    period = f"make_interval(months => {months}, days => {days})"
    overdue_on = f"date {literal(params.as_of.isoformat())} - {int(params.grace_days)}"
    return [
        Rule(
            "leads.owner_is_active_rep_of_line", "leads", "critical",
            "Every open lead is in its line's pool or owned by an active rep of that line.",
            sql="""
                select t.lead_id, t.line_id, t.owner_id,
                    case when e.employee_id is null then 'no such employee'
                         when not e.is_active then 'not active'
                         else 'not a rep of the line' end as why
                from batch as t
                left join employees as e on e.employee_id = t.owner_id
                where t.status = 'open' and t.owner_id is not null
                  and not (coalesce(e.is_active, false) and exists (
                      select 1 from employee_lines as el
                      where el.employee_id = t.owner_id and el.line_id = t.line_id
                        and el.role = 'rep'
                  ))""",
        ),
        Rule(
            "leads.one_open_lead_per_client_per_line", "leads", "critical",
            "A client (organisation or person) has at most one open lead per business line.",
            sql="""
                select min(t.lead_id) as lead_id, t.line_id, t.organisation_id, t.person_id,
                    count(*) as open_leads
                from batch as t
                where t.status = 'open'
                group by t.line_id, t.organisation_id, t.person_id
                having count(*) > 1""",
        ),
        Rule(
            "leads.stale_only_where_protected", "leads", "warning",
            f"No open lead stays with its owner more than {params.grace_days} days past the "
            "three-month rule, unless frozen, in a protected stage or won during the ownership.",
            sql=f"""
                select t.lead_id, t.line_id, t.owner_id, c.stale_on
                from batch as t
                join sales_stages as s on s.stage_id = t.stage_id
                cross join lateral (
                    select ((t.owned_since at time zone {tz})::date + {period})::date as stale_on
                ) as c
                where t.status = 'open' and t.owner_id is not null
                  and not t.is_frozen and not s.is_protected
                  and c.stale_on <= {overdue_on}
                  and not exists (
                      select 1 from deals as d
                      where d.lead_id = t.lead_id and d.won_at >= t.owned_since
                  )""",
        ),
    ]  # fmt: skip


def survey_rules() -> list[Rule]:
    scores = ", ".join(f"({literal(c)}, t.{c}, 1, 5)" for c in SCORE_COLUMNS)
    return [
        Rule(
            "survey_responses.scores_in_range", "survey_responses", "critical",
            "Every satisfaction score is between 1 and 5, every NPS between 0 and 10.",
            sql=f"""
                select t.survey_response_id, s.question, s.score
                from batch as t
                cross join lateral (
                    values {scores}, ('nps', t.nps, 0, 10)
                ) as s (question, score, low, high)
                where s.score not between s.low and s.high""",
        ),
        Rule(
            "survey_responses.one_per_invitation", "survey_responses", "critical",
            "An invitation has at most one response (changed in place until the wave closes).",
            sql="""
                select t.survey_invitation_id, count(*) as responses
                from batch as t
                group by t.survey_invitation_id
                having count(*) > 1""",
        ),
    ]  # fmt: skip


def campaign_rules() -> list[Rule]:
    known = ", ".join(literal(s.value) for s in SendStatus)
    return [
        Rule(
            "campaign_sends.known_state", "campaign_sends", "critical",
            "Every ledger row is in a state the sender knows, with what that state needs: "
            "sent_at only when sent, a reason when skipped or failed, a run while sending, "
            "an attempt when sending or unknown, an address on an e-mail campaign's letter.",
            sql=f"""
                select t.campaign_send_id, t.campaign_id, t.status::text as status, w.why
                from batch as t
                join campaigns as c on c.campaign_id = t.campaign_id
                cross join lateral (
                    select case
                        when t.status::text not in ({known}) then 'a state the sender does not know'
                        when (t.status::text = 'sent') <> (t.sent_at is not null)
                            then 'sent_at set but not sent, or sent without sent_at'
                        when t.status::text in ('skipped', 'failed')
                            and coalesce(btrim(t.last_error), '') = '' then 'no reason recorded'
                        when t.status::text = 'sending' and t.claimed_by is null
                            then 'sending, but held by no run'
                        when t.status::text in ('sending', 'unknown') and t.attempts < 1
                            then 'never tried'
                        when c.channel::text = 'email' and t.email is null
                            and t.status::text in ('pending', 'sending', 'sent', 'unknown')
                            then 'an e-mail letter without an address'
                    end as why
                ) as w
                where w.why is not null""",
        ),
        Rule(
            "campaign_sends.none_sent_to_suppressed", "campaign_sends", "critical",
            "No letter went to an address or person suppressed (unsubscribed, bounced, "
            "do-not-contact) before it was taken for sending.",
            sql="""
                select t.campaign_send_id, t.campaign_id, t.person_id, x.reason, x.suppressed_at
                from batch as t
                join campaigns as c on c.campaign_id = t.campaign_id
                join lateral (
                    select sp.reason::text as reason, sp.created_at as suppressed_at
                    from suppressions as sp
                    where (sp.email = t.email or sp.person_id = t.person_id)
                      -- a bounced address stops e-mail, not a printed letter
                      and (c.channel::text = 'email' or sp.reason::text <> 'bounced')
                      and sp.created_at < coalesce(t.claimed_at, t.sent_at)
                    order by sp.created_at
                    limit 1
                ) as x on true
                where t.status::text = 'sent'""",
        ),
    ]  # fmt: skip


def all_rules(params: RuleParams) -> list[Rule]:
    """Every rule, grouped by table in the order the suites run."""
    return contact_rules() + lead_rules(params) + survey_rules() + campaign_rules()
