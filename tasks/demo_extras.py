"""Demo marketing and satisfaction rows: professional holidays, contact lists, a survey wave
with personal invitations and the responses to them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from models.lists import ContactList, ListKind
from models.surveys import SCORE_COLUMNS, SurveyWave
from models.useful_dates import ProfessionalHoliday
from tasks.demo_people import Draws, Rows
from tasks.demo_pipeline import DAY, Clock, LeadPlan, LineShape
from tasks.demo_team import DemoTeam

INVITATION_COLUMNS = (
    "survey_invitation_id", "survey_wave_id", "lead_id", "person_id", "token", "invited_at",
    "reminded_at",
)  # fmt: skip
RESPONSE_COLUMNS = (
    "survey_invitation_id",
    "source",
    "submitted_at",
    *SCORE_COLUMNS,
    "nps",
    "comment",
)

# (name, industry, month, day, weekday 1=Monday..7=Sunday, week of month, -1 = the last)
HOLIDAYS = (
    ("День строителя", "Строительство", 8, None, 7, 2),
    ("День металлурга", "Металлургия", 7, None, 7, 3),
    ("День машиностроителя", "Машиностроение", 9, None, 7, -1),
    ("День работников торговли", "Розничная торговля", 7, None, 6, 4),
    ("День медицинского работника", "Медицина", 6, None, 7, 3),
    ("День химика", "Химическая промышленность", 5, None, 7, -1),
    ("День работника сельского хозяйства", "Сельское хозяйство", 10, None, 7, 2),
    ("День работников пищевой промышленности", "Пищевая промышленность", 10, None, 7, 3),
    ("День энергетика", "Энергетика", 12, 22, None, None),
    ("День работника транспорта", "Транспорт и логистика", 11, 20, None, None),
    ("День программиста", "Информационные технологии", 9, 13, None, None),
    ("День финансиста", "Финансы", 9, 8, None, None),
    ("День учителя", "Образование", 10, 5, None, None),
    ("День бухгалтера", None, 11, 21, None, None),
    ("День российского предпринимательства", None, 5, 26, None, None),
)
NEWS_LIST, EXPO_LIST, SEGMENT = (
    "Новости оборудования",
    "Приглашение на выставку",
    "Крупные клиенты Москвы",
)
INVITED_SHARE, RESPONSE_SHARE = 0.3, 0.45
_MOOD = (2, 3, 3, 4, 4, 4, 4, 5, 5, 5)
_NUDGE = (-1, 0, 0, 0, 1)
_COMMENTS = (
    "Всё устраивает",
    "Задерживают поставки",
    "Хотелось бы больше скидок",
    "Отличный сервис, спасибо менеджеру",
    "Долго отвечают на письма",
)


@dataclass(frozen=True)
class Reference:
    list_ids: tuple[int, ...]  # the static mailing lists members are drawn into
    survey_wave_id: int
    created: dict[str, int] = field(default_factory=dict)


def ensure_reference_rows(conn: sa.Connection, team: DemoTeam, as_of: date) -> Reference:
    """Holidays, the demo lists and this quarter's survey wave, each created only if absent."""
    holidays = conn.execute(
        insert(ProfessionalHoliday)
        .values(
            [
                dict(
                    zip(
                        ("name", "industry", "month", "day", "weekday", "week_of_month"),
                        h,
                        strict=True,
                    )
                )
                for h in HOLIDAYS
            ]
        )  # fmt: skip
        .on_conflict_do_nothing()
    ).rowcount
    equipment = next((line.line_id for line in team.lines if line.name == "Equipment"), None)
    criteria = {"all": [{"field": "region", "op": "eq", "value": "Москва"},
                        {"field": "employee_count", "op": "gte", "value": 250}]}  # fmt: skip
    lists = [
        dict(name=NEWS_LIST, kind=ListKind.static, line_id=equipment, criteria=sa.null()),
        dict(name=EXPO_LIST, kind=ListKind.static, line_id=None, criteria=sa.null()),
        dict(name=SEGMENT, kind=ListKind.segment, line_id=None, criteria=criteria),
    ]
    for row in lists:
        row["owner_id"] = team.marketer_id
    new_lists = conn.execute(insert(ContactList).values(lists).on_conflict_do_nothing()).rowcount
    list_ids = dict(
        conn.execute(
            sa.select(ContactList.name, ContactList.list_id).where(
                ContactList.name.in_([NEWS_LIST, EXPO_LIST])
            )
        ).all()
    )
    wave_id, new_waves = _ensure_wave(conn, as_of)
    created = {
        "professional_holidays": holidays,
        "contact_lists": new_lists,
        "survey_waves": new_waves,
    }
    return Reference((list_ids[NEWS_LIST], list_ids[EXPO_LIST]), wave_id, created)


def _ensure_wave(conn: sa.Connection, as_of: date) -> tuple[int, int]:
    midnight = datetime.combine(as_of, time(), UTC)
    name = f"Удовлетворённость клиентов {as_of.year} Q{(as_of.month - 1) // 3 + 1}"
    added = conn.execute(
        insert(SurveyWave)
        .values(
            name=name,
            opens_at=midnight - timedelta(days=20),
            closes_at=midnight + timedelta(days=25),
        )
        .on_conflict_do_nothing()
    ).rowcount
    wave_id = conn.scalar(sa.select(SurveyWave.survey_wave_id).where(SurveyWave.name == name))
    return wave_id, added


class SurveyFactory(Draws):
    """Invites contacts of won clients to the wave; some of them answer."""

    def __init__(self, rng: random.Random, as_of: date, wave_id: int, invitation_base: int):
        super().__init__(rng, as_of)
        self.clock = Clock(as_of)
        self.wave_id = wave_id
        self.next_id = invitation_base + 1

    def invite(self, plans: list[tuple[LeadPlan, LineShape]], rows: Rows) -> None:
        r, clock = self.r, self.clock
        opens = clock.now - 20 * DAY
        for plan, shape in plans:
            contact = plan.client.contact_id
            if (
                contact is None
                or plan.stage == shape.lost
                or shape.rank(plan.stage) < shape.won_from
            ):
                continue
            if r() >= INVITED_SHARE:
                continue
            invitation_id, self.next_id = self.next_id, self.next_id + 1
            invited = opens + int(r() * 2 * DAY)
            answered = r() < RESPONSE_SHARE
            reminded = clock.stamp(opens + 7 * DAY) if not answered and r() < 0.5 else None
            # Drawn from the seeded generator so a seed reproduces the base; demo data only.
            token = f"{self.rng.getrandbits(192):048x}"
            rows["survey_invitations"].append(
                (invitation_id, self.wave_id, plan.lead_id, contact, token, clock.stamp(invited),
                 reminded)
            )  # fmt: skip
            if answered:
                rows["survey_responses"].append(self._response(invitation_id, invited))

    def _response(self, invitation_id: int, invited: int) -> tuple:
        r = self.r
        mood = self.pick(_MOOD)
        scores = tuple(
            None if r() < 0.08 else max(1, min(5, mood + self.pick(_NUDGE))) for _ in SCORE_COLUMNS
        )
        nps = max(0, min(10, 2 * mood + int(r() * 3) - 1))
        submitted = invited + int(r() * (self.clock.now - invited))
        comment = self.pick(_COMMENTS) if r() < 0.2 else None
        source = "import" if r() < 0.1 else "web"
        return (invitation_id, source, self.clock.stamp(submitted), *scores, nps, comment)
