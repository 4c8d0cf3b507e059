"""The survey page over real HTTP: uvicorn on loopback, the test database behind it."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models.surveys import SCORE_COLUMNS
from tasks import survey_waves
from tests.survey_base import invited, survey_base

ALL_FOURS = {column: "4" for column in SCORE_COLUMNS}


@pytest.fixture
def client(web_url):
    with httpx.Client(base_url=web_url, timeout=10) as client:
        yield client


@pytest.fixture
def links(committed) -> dict[str, str]:
    """First name -> the person's survey path, in an open wave (all lines)."""
    with Session(committed) as s, s.begin():
        base = survey_base(s)
        s.execute(sa.text("update organisations set name = 'ООО <b>«Ромашка»</b>' "
                          "where name = 'ООО «Ромашка»'"))  # fmt: skip
        wave = survey_waves.open_wave(
            s, name="Q4 <wave>", line=None, open_days=28, now=datetime.now(UTC), create=True
        )
        survey_waves.invite(s, wave)
        tokens = invited(s, wave.survey_wave_id)
    return {name: f"/s/{tokens[pid]}" for name, pid in base.persons.items() if pid in tokens}


def responses(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select * from survey_responses order by 1")).mappings()
        return [dict(row) for row in rows]


def checked(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(\w+)" value="(\d+)" checked', html))


def _assert_private(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"


def test_the_form_asks_every_question_and_escapes_what_it_shows(client, links, committed):
    page = client.get(links["Иван"])

    assert page.status_code == 200
    _assert_private(page)
    html = page.text
    for column in SCORE_COLUMNS:
        assert len(re.findall(rf'name="{column}" value="[1-5]"', html)) == 5
    assert re.findall(r'name="nps" value="(\d+)"', html) == [str(n) for n in range(11)]
    assert '<textarea id="comment" name="comment"' in html and '<form method="post">' in html
    assert "Стабильность качества" in html and "Работа с претензиями" in html
    assert "ООО &lt;b&gt;«Ромашка»&lt;/b&gt;" in html and "<b>«Ромашка»" not in html
    assert "Q4 &lt;wave&gt;" in html
    assert responses(committed) == []


def test_an_answer_is_recorded_then_changed_in_place(client, links, committed):
    first = client.post(
        links["Ольга"], data=ALL_FOURS | {"nps": "9", "comment": "<script>x</script>"}
    )
    shown = client.get(links["Ольга"])
    changed = client.post(links["Ольга"], data=ALL_FOURS | {"logistics": "5", "nps": "10"})

    assert (
        first.status_code == 200 and "Спасибо за ответ" in first.text and "сохранён" in first.text
    )
    _assert_private(first)
    assert checked(shown.text) == ALL_FOURS | {"nps": "9"}
    assert "Вы уже ответили" in shown.text and "Изменить ответ" in shown.text
    assert "&lt;script&gt;x&lt;/script&gt;" in shown.text and "<script>x" not in shown.text
    assert changed.status_code == 200 and "обновлён" in changed.text
    [row] = responses(committed)
    assert (row["logistics"], row["products_range"], row["nps"]) == (5, 4, 10)
    assert row["comment"] is None and row["source"] == "web" and row["updated_at"] is not None


def test_scores_out_of_range_are_refused_with_why_and_nothing_is_written(client, links, committed):
    posted = ALL_FOURS | {"logistics": "7", "service_speed": "abc", "nps": "11", "comment": "ок"}

    page = client.post(links["Ольга"], data=posted)

    assert page.status_code == 422
    assert "Ответ не сохранён" in page.text
    assert "«Доставка: сроки, точность, сохранность»: «7» — нужна оценка от 1 до 5" in page.text
    assert "«Скорость работы»: «abc»" in page.text and "«11» — нужна оценка от 0 до 10" in page.text
    kept = checked(page.text)
    assert "logistics" not in kept and "nps" not in kept and kept["products_range"] == "4"
    assert ">ок</textarea>" in page.text
    assert responses(committed) == []


def test_an_empty_post_is_refused(client, links, committed):
    page = client.post(links["Ольга"], data={"comment": "   "})

    assert page.status_code == 422 and "нет ни одного ответа" in page.text
    assert responses(committed) == []


@pytest.mark.parametrize(
    "path", ["/s/" + "0" * 64, "/s/short", "/s/..%2F..%2Fetc", "/s/" + "a" * 65]
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_forged_or_unknown_link_is_a_404_and_writes_nothing(
    client, links, committed, path, method
):
    page = client.request(method, path, data=ALL_FOURS)

    assert page.status_code == 404
    assert "Ссылка недействительна" in page.text
    assert responses(committed) == []


def test_a_closed_wave_shows_so_and_keeps_the_answer_as_it_was(client, links, committed):
    client.post(links["Ольга"], data=ALL_FOURS)
    with committed.begin() as conn:
        conn.execute(
            sa.text(
                "update survey_waves set opens_at = now() - interval '1 day', "
                "closes_at = now() - interval '1 second'"
            )
        )

    shown = client.get(links["Ольга"])
    posted = client.post(links["Ольга"], data=ALL_FOURS | {"logistics": "1"})

    assert shown.status_code == posted.status_code == 410
    assert "Опрос завершён" in shown.text and "Опрос завершён" in posted.text
    _assert_private(posted)
    [row] = responses(committed)
    assert row["logistics"] == 4 and row["updated_at"] is None


def test_a_body_too_large_is_refused(client, links, committed):
    page = client.post(links["Ольга"], data={"comment": "я" * 40_000})

    assert page.status_code == 413 and responses(committed) == []


def test_a_low_score_on_the_page_plans_a_call_and_tells_the_head(client, links, committed, mailbox):
    page = client.post(links["Иван"], data={"logistics": "1", "nps": "3"})
    client.post(links["Иван"], data={"logistics": "2", "nps": "3"})

    assert page.status_code == 200
    deadline = time.monotonic() + 15  # the alert goes after the page, in the background
    while not list(mailbox.glob("*.eml")) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    assert len(list(mailbox.glob("*.eml"))) == 1
    with committed.connect() as conn:
        calls = conn.scalar(sa.text("select count(*) from activities"))
        alerted = conn.scalar(sa.text("select count(alerted_at) from survey_responses"))
    assert (calls, alerted) == (1, 1)
