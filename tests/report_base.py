"""Small known data sets for the report tests, every figure of which is worked out by hand in
the tests. Times are Moscow time (the business time zone, UTC+3).

Management: the week of 4-10 May 2026 (from 2026-05-04 00:00 to 2026-05-11 00:00 MSK).

Equipment (stages first call, meeting, proposal, paid = won, lost = lost; head Helen; the
director Dora): reps Anna and Boris.
Every lead starts in "first call" when it is created; the stage moves after it (the history
the triggers record) are listed with each lead.
  L1 Anna at the end (a change Anna -> Boris on 12 May, after the period); first call; created
     1 Apr 12:00; call 5 May, e-mail 6 May 12:00 promising a next contact on 8 May (overdue),
     a note 7 May (not a contact).
  L2 Anna; created 1 Mar 12:00, meeting since 6 May 10:00; meetings planned 7 May 11:00 (held),
     8 May (no-show), 9 May (cancelled), 12 May (planned, after the period); deals won 9 May
     5,000 EUR and 12 May 7,000 EUR (after the period). Its organisation's contact Pavel got
     campaign letters.
  L3 Boris; created 10 Jan 12:00, meeting 1 Feb 12:00, proposal since 1 Mar 12:00; last call
     1 Mar 10:00 (stuck); a call planned for 6 May never logged (overdue).
  L4 Boris; created 5 May 09:00 (new) in first call; meeting on 12 May 10:00 (after the period).
  L5 the pool (Boris released it on 8 May); first call; created 1 Feb 00:00, no contact (stuck).
  L6 Anna; created 15 Feb 12:00, proposal 4 May 12:00 (skipping meeting), won 8 May 12:00 in
     "paid"; deal won 8 May 12:00, 100,000 RUB.
  L7 Boris; created 20 Apr 12:00, lost 7 May 12:00 ("lost"); a call 6 May.
  L8 Boris since the three-month rule moved it from Anna on 6 May 10:00; created 5 Jan 12:00,
     meeting 5 May 12:00, proposal since 9 May 12:00; Anna's call 20 Apr (next contact 25 Apr,
     superseded), Boris's e-mail 7 May 12:00.
  L11 Anna; created 1 Jan 12:00, won 1 Apr 12:00 (before the period), deal won then. L12
     created 12 May (after).
Service (head Hugo): rep Sergey. L9: the same organisation as L2, created 6 May 12:00 in first
  call, a call on 6 May 14:00.
Nobody (no head of sales): rep Nina. L10 created 7 May 12:00, a call 8 May.
Campaigns: "Equipment news" (line Equipment): Pavel sent 5 May 10:00, Petr sent, Fedor failed
  (claimed 5 May), Uma unknown (claimed 6 May), Olga sent 20 Apr (before); Petr unsubscribed by
  its link on 6 May. "Company news" (no line): Pavel sent 5 May 10:00.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from models.campaigns import Campaign, CampaignSend, MessageTemplate
from models.employees import Role
from models.suppressions import Suppression
from tests import factories as f

MSK = ZoneInfo("Europe/Moscow")
STAGES = ("first call", "meeting", "proposal", "paid", "lost")


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MSK)


@dataclass(frozen=True)
class Team:
    lines: dict[str, int]
    people: dict[str, int]  # first name -> employee_id
    emails: dict[str, str]  # first name -> address
    leads: dict[str, int]
    campaigns: dict[str, int]


def management_base(s: Session) -> Team:
    equipment = f.line(s, "Equipment", STAGES, lost="lost")
    service = f.line(s, "Service", STAGES, lost="lost")
    nobody = f.line(s, "Nobody", STAGES, lost="lost")
    e, sv, nb = equipment.line_id, service.line_id, nobody.line_id
    staff = {
        "Anna": f.employee(s, e, full_name="Anna Rep"),
        "Boris": f.employee(s, e, full_name="Boris Rep"),
        "Helen": f.employee(s, e, Role.head_of_sales, full_name="Helen Head"),
        "Dora": f.employee(s, e, Role.director, full_name="Dora Director"),
        "Sergey": f.employee(s, sv, full_name="Sergey Rep"),
        "Hugo": f.employee(s, sv, Role.head_of_sales, full_name="Hugo Head"),
        "Nina": f.employee(s, nb, full_name="Nina Rep"),
    }
    anna, boris = staff["Anna"].employee_id, staff["Boris"].employee_id
    stage = {name: f.stage(s, e, name) for name in STAGES}

    def lead(owner: int | None, created: datetime, line_id: int = e, **kw):
        stage_id = f.stage(s, line_id, "first call")
        return f.lead(s, line_id, owner, stage_id=stage_id, created_at=created,
                      owned_since=kw.pop("owned_since", created), **kw)  # fmt: skip

    def move(lead, name_stage: str, when: datetime, **values):
        return f.move_stage(s, lead, stage[name_stage], when, **values)

    l1 = lead(boris, at(4, 1))
    f.ownership_change(s, l1, anna, boris, at(5, 12, 9))
    f.activity(s, l1, anna, "call", held_at=at(5, 5, 10))
    f.activity(s, l1, anna, "email", held_at=at(5, 6, 12), next_contact_date=at(5, 8).date())
    f.activity(s, l1, anna, "note", held_at=at(5, 7, 9))

    l2 = lead(anna, at(3, 1))
    move(l2, "meeting", at(5, 6, 10))
    f.activity(s, l2, anna, "meeting", planned_at=at(5, 7, 11), held_at=at(5, 7, 11))
    f.activity(s, l2, anna, "meeting", status="no_show", planned_at=at(5, 8, 15))
    f.activity(s, l2, anna, "meeting", status="cancelled", planned_at=at(5, 9, 10))
    f.activity(s, l2, anna, "meeting", status="planned", planned_at=at(5, 12, 10),
               created_at=at(5, 9, 11))  # fmt: skip
    f.deal(s, l2, Decimal("5000.00"), currency="EUR", won_at=at(5, 9))
    f.deal(s, l2, Decimal("7000.00"), currency="EUR", won_at=at(5, 12))

    l3 = lead(boris, at(1, 10))
    move(l3, "meeting", at(2, 1))
    move(l3, "proposal", at(3, 1))
    f.activity(s, l3, boris, "call", held_at=at(3, 1, 10))
    f.activity(s, l3, boris, "call", status="planned", planned_at=at(5, 6, 10),
               created_at=at(5, 1))  # fmt: skip

    l4 = lead(boris, at(5, 5, 9))
    move(l4, "meeting", at(5, 12, 10))

    l5 = lead(None, datetime(2026, 2, 1, tzinfo=MSK))
    f.ownership_change(s, l5, boris, None, at(5, 8), reason="released")

    l6 = lead(anna, at(2, 15))
    move(l6, "proposal", at(5, 4))
    move(l6, "paid", at(5, 8), status="won", closed_at=at(5, 8))
    f.deal(s, l6, Decimal("100000.00"), won_at=at(5, 8))

    l7 = lead(boris, at(4, 20))
    move(l7, "lost", at(5, 7), status="lost", closed_at=at(5, 7))
    f.activity(s, l7, boris, "call", held_at=at(5, 6, 16))

    l8 = lead(boris, at(1, 5), owned_since=at(5, 6, 10))
    move(l8, "meeting", at(5, 5))
    move(l8, "proposal", at(5, 9))
    f.ownership_change(s, l8, anna, boris, at(5, 6, 10), reason="stale_rule")
    f.activity(s, l8, anna, "call", held_at=at(4, 20), next_contact_date=at(4, 25).date())
    f.activity(s, l8, boris, "email", held_at=at(5, 7, 12))

    l11 = lead(anna, at(1, 1))
    move(l11, "paid", at(4, 1), status="won", closed_at=at(4, 1))
    f.deal(s, l11, Decimal("999.00"), won_at=at(4, 1))
    lead(anna, at(5, 12))

    l9 = lead(staff["Sergey"].employee_id, at(5, 6), line_id=sv,
              organisation_id=l2.organisation_id)  # fmt: skip
    f.activity(s, l9, staff["Sergey"].employee_id, "call", held_at=at(5, 6, 14))
    l10 = lead(staff["Nina"].employee_id, at(5, 7), line_id=nb)
    f.activity(s, l10, staff["Nina"].employee_id, "call", held_at=at(5, 8))

    campaigns = _campaigns(s, e, l2.organisation_id)
    return Team(
        lines={"Equipment": e, "Service": sv, "Nobody": nb},
        people={k: v.employee_id for k, v in staff.items()},
        emails={k: v.email for k, v in staff.items()},
        leads={f"L{n}": x.lead_id for n, x in enumerate(
            (l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11), start=1)},
        campaigns=campaigns,
    )  # fmt: skip


def _campaigns(s: Session, line_id: int, organisation_id: int) -> dict[str, int]:
    template = MessageTemplate(name="news", subject="News", body_html="<p>n</p>", body_text="n")
    s.add(template)
    s.flush()
    news = Campaign(name="Equipment news", template_id=template.template_id, line_id=line_id)
    company = Campaign(name="Company news", template_id=template.template_id)
    s.add_all([news, company])
    s.flush()
    pavel = f.person(s, first_name="Pavel").person_id
    f.employment(s, pavel, organisation_id)

    def send(campaign, person_id, status, **kw):
        s.add(CampaignSend(campaign_id=campaign.campaign_id, person_id=person_id, status=status,
                           email=f"p{person_id}@example.com",
                           unsubscribe_token=secrets.token_urlsafe(32), **kw))  # fmt: skip

    others = {n: f.person(s, first_name=n).person_id for n in ("Petr", "Fedor", "Uma", "Olga")}
    send(news, pavel, "sent", sent_at=at(5, 5, 10), claimed_at=at(5, 5, 10))
    send(news, others["Petr"], "sent", sent_at=at(5, 5, 10), claimed_at=at(5, 5, 10))
    send(news, others["Fedor"], "failed", claimed_at=at(5, 5, 10))
    send(news, others["Uma"], "unknown", claimed_at=at(5, 6, 10))
    send(news, others["Olga"], "sent", sent_at=at(4, 20), claimed_at=at(4, 20))
    send(company, pavel, "sent", sent_at=at(5, 5, 10), claimed_at=at(5, 5, 10))
    s.add(Suppression(email=f"p{others['Petr']}@example.com", person_id=others["Petr"],
                      reason="unsubscribed", source=f"campaign {news.campaign_id}",
                      created_at=at(5, 6)))  # fmt: skip
    s.flush()
    return {"Equipment news": news.campaign_id, "Company news": company.campaign_id}


@dataclass(frozen=True)
class Survey:
    waves: dict[str, int]
    leads: dict[str, int]
    organisations: dict[str, int]
    persons: dict[str, int]


def satisfaction_base(s: Session) -> Survey:
    """Waves Spring (March) and Summer (June, the one reported), in Equipment (Anna, Boris) and
    Service (Sergey).

    Summer: A1 (Alpha: Retail, Moscow, 10 people; Anna) all 5 but products_range 4, NPS 10;
    A2 (Beta: Retail, Kazan, 120 people; Boris when it answered on 5 June, Anna since 10 June)
    all 3 but logistics 1, NPS 6, low, a call planned on 6 June; A3 (Gamma: Energy, Moscow, no
    headcount; Anna) invited, no answer; S1 (Irina, an individual client; Sergey) all 4, NPS 9;
    S2 (Alpha in Service; Sergey) only products_range 2, no NPS, low, nothing done.
    Spring: A1 all 3, NPS 5; A2 invited, no answer; S1 all 2, NPS 0.
    """
    equipment = f.line(s, "Equipment", STAGES, lost="lost")
    service = f.line(s, "Service", STAGES, lost="lost")
    anna = f.employee(s, equipment.line_id, full_name="Anna Rep").employee_id
    boris = f.employee(s, equipment.line_id, full_name="Boris Rep").employee_id
    sergey = f.employee(s, service.line_id, full_name="Sergey Rep").employee_id
    f.employee(s, equipment.line_id, Role.head_of_sales, full_name="Helen Head")
    orgs = {
        "Alpha": f.organisation(s, name="Alpha LLC", industry="Retail", region="Moscow",
                                employee_count=10),
        "Beta": f.organisation(s, name="Beta LLC", industry="Retail", region="Kazan",
                               employee_count=120),
        "Gamma": f.organisation(s, name="Gamma LLC", industry="Energy", region="Moscow"),
    }  # fmt: skip
    irina = f.person(s, first_name="Irina", last_name="Client").person_id
    contacts = {n: f.person(s, first_name=n).person_id for n in ("Ivan", "Olga", "Gleb")}
    for name, org in zip(("Ivan", "Olga", "Gleb"), orgs.values(), strict=True):
        f.employment(s, contacts[name], org.organisation_id, is_primary_contact=True)
    leads = {
        "A1": f.lead(s, equipment.line_id, anna, organisation_id=orgs["Alpha"].organisation_id),
        "A2": f.lead(s, equipment.line_id, anna, organisation_id=orgs["Beta"].organisation_id),
        "A3": f.lead(s, equipment.line_id, anna, organisation_id=orgs["Gamma"].organisation_id),
        "S1": f.lead(s, service.line_id, sergey, person_id=irina),
        "S2": f.lead(s, service.line_id, sergey, organisation_id=orgs["Alpha"].organisation_id),
    }
    f.ownership_change(s, leads["A2"], boris, anna, at(6, 10))
    spring = f.survey_wave(s, "Spring 2026", at(3, 1), at(3, 31))
    summer = f.survey_wave(s, "Summer 2026", at(6, 1), at(6, 30))
    who = {"A1": contacts["Ivan"], "A2": contacts["Olga"], "A3": contacts["Gleb"], "S1": irina,
           "S2": contacts["Ivan"]}  # fmt: skip

    def invite(wave, key, day):
        return f.survey_invitation(
            s, wave, leads[key], who[key], invited_at=at(wave_month(wave), day)
        )

    def wave_month(wave):
        return 3 if wave is spring else 6

    f.survey_response(s, invite(spring, "A1", 2), every=3, nps=5, submitted_at=at(3, 5))
    invite(spring, "A2", 2)
    f.survey_response(s, invite(spring, "S1", 2), every=2, nps=0, submitted_at=at(3, 6))
    f.survey_response(s, invite(summer, "A1", 2), every=5, products_range=4, nps=10,
                      submitted_at=at(6, 4))  # fmt: skip
    f.survey_response(s, invite(summer, "A2", 2), every=3, logistics=1, nps=6,
                      submitted_at=at(6, 5))  # fmt: skip
    invite(summer, "A3", 2)
    f.survey_response(s, invite(summer, "S1", 2), every=4, nps=9, submitted_at=at(6, 6))
    f.survey_response(s, invite(summer, "S2", 2), products_range=2, submitted_at=at(6, 7))
    f.activity(s, leads["A2"], anna, "call", status="planned", planned_at=at(6, 8),
               created_at=at(6, 6), outcome=None)  # fmt: skip
    # Before the answer: not a follow-up.
    f.activity(s, leads["S2"], sergey, "call", held_at=at(6, 1), created_at=at(6, 1))
    return Survey(
        waves={"Spring": spring.survey_wave_id, "Summer": summer.survey_wave_id},
        leads={k: v.lead_id for k, v in leads.items()},
        organisations={k: v.organisation_id for k, v in orgs.items()},
        persons=contacts | {"Irina": irina},
    )
