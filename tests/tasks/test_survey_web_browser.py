"""The survey page in a real headless Chromium: it renders, and the browser's own form post
records the answers (or is refused with why)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tasks import survey_waves
from tests.survey_base import invited, survey_base
from tests.tasks.test_web_app_browser import CHROMIUM, dump_dom


@pytest.fixture(scope="module")
def browser() -> str:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: apt-get install chromium")
    return CHROMIUM


@pytest.fixture
def link(committed, web_url) -> str:
    with Session(committed) as s, s.begin():
        base = survey_base(s)
        wave = survey_waves.open_wave(
            s, name="Q4", line=None, open_days=28, now=datetime.now(UTC), create=True
        )
        survey_waves.invite(s, wave)
        token = invited(s, wave.survey_wave_id)[base.persons["Ольга"]]
    return f"{web_url}/s/{token}"


def submitted(browser: str, link: str, tmp_path, script: str) -> str:
    """The page the server returns when the browser submits the served form after `script`
    has filled it in: --dump-dom cannot click, so a local page carries the served form (the
    absolute action added), fills it and submits it on load."""
    served = dump_dom(browser, link, tmp_path / "profile")
    form = re.search(r"<form .*?</form>", served, re.DOTALL).group(0)
    form = form.replace('<form method="post">', f'<form method="post" action="{link}">')
    page = tmp_path / "fill.html"
    page.write_text(
        f'<html><head><meta charset="utf-8"></head><body>{form}<script>'
        "const pick = (name, value) => document.querySelector("
        "`input[name=${name}][value='${value}']`).checked = true;"
        f"{script}; document.forms[0].submit()</script></body></html>",
        encoding="utf-8",
    )
    return dump_dom(browser, page.as_uri(), tmp_path / "profile")


def answers(engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("select logistics, products_quality, nps, comment from survey_responses")
        ).all()


def test_the_survey_renders_with_every_question(browser, link, tmp_path, committed):
    dom = dump_dom(browser, link, tmp_path / "profile")

    assert "Оцените нашу работу" in dom and "АО «Вектор»" in dom
    assert len(re.findall(r'type="radio"', dom)) == 14 * 5 + 11
    assert re.search(r'<form method="post">.*<button type="submit">', dom, re.DOTALL)
    assert answers(committed) == []


def test_answering_in_the_browser_records_the_answers(browser, link, tmp_path, committed):
    dom = submitted(
        browser, link, tmp_path,
        "pick('logistics', 3); pick('products_quality', 5); pick('nps', 9);"
        "document.querySelector('textarea').value = 'Всё хорошо, «спасибо» & <удачи>'",
    )  # fmt: skip

    assert "Спасибо за ответ" in dom
    assert answers(committed) == [(3, 5, 9, "Всё хорошо, «спасибо» & <удачи>")]
    shown = dump_dom(browser, link, tmp_path / "profile")
    assert "Вы уже ответили" in shown and "«спасибо» &amp; &lt;удачи&gt;" in shown


def test_a_score_out_of_range_is_refused_in_the_browser_with_why(
    browser, link, tmp_path, committed
):
    dom = submitted(
        browser, link, tmp_path,
        "const r = document.querySelector(\"input[name=logistics][value='5']\");"
        "r.value = '9'; r.checked = true; pick('nps', 10)",
    )  # fmt: skip

    assert "Ответ не сохранён" in dom and "«9» — нужна оценка от 1 до 5" in dom
    assert answers(committed) == []
