"""The survey letter: the built-in template, the `survey_url` variable and the link's rules."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from models.errors import CrmError
from tasks.campaign_templates import (
    CampaignContext,
    CampaignTemplate,
    LetterContext,
    PersonContext,
    RepContext,
    SenderContext,
    check_template,
    load_builtin,
    render_campaign_letter,
)
from tasks.campaigns import LetterMaker
from tasks.survey_links import is_plausible_token, survey_url
from tasks.survey_questions import AnswerError, parse_answers

LINK = "https://crm.example.com/s/" + "ab" * 32
SURVEY = CampaignTemplate(*load_builtin("survey"))


def context(**kw) -> LetterContext:
    return LetterContext(
        greeting="Уважаемый Иван Петрович",
        person=PersonContext("Иван", "Петрович", "Петров"),
        rep=RepContext("Анна Смирнова", "anna@example.com"),
        campaign=CampaignContext("Опрос «Q4»"),
        unsubscribe_url="https://crm.example.com/u/x",
        sender=SenderContext("ООО «Пример»", "crm@example.com"),
        **kw,
    )


def test_the_builtin_survey_letter_carries_the_personal_link():
    letter = render_campaign_letter(SURVEY, context(survey_url=LINK), "i@x.ru")
    reminder = render_campaign_letter(
        SURVEY, context(survey_url=LINK, occasion="напоминание"), "i@x.ru"
    )

    assert f'href="{LINK}"' in letter.html and LINK in letter.text
    assert "оценить нашу работу" in letter.subject and not letter.subject.startswith("Напом")
    assert reminder.subject.startswith("Напоминание: ") and "Несколько дней назад" in reminder.text
    assert "https://crm.example.com/u/x" in letter.text  # the footer's unsubscribe link


def test_a_marketers_template_may_use_the_link_and_other_campaigns_have_none():
    assert check_template("Опрос", '<a href="{{ survey_url }}">Опрос</a>', "{{ survey_url }}") == []
    assert context().survey_url is None
    with pytest.raises(ValueError, match="survey_url must be an http"):
        context(survey_url="javascript:alert(1)")


def _row(token: str | None) -> SimpleNamespace:
    return SimpleNamespace(
        campaign_send_id=1, email="i@x.ru", occurrence="", occasion=None, person_id=7,
        unsubscribe_token="u" * 64, survey_token=token, first_name="Иван", middle_name=None,
        last_name="Петров", gender="male", locale="ru", organisation_name=None, legal_form=None,
        city=None, address=None, website=None, organisation_phone=None, rep_name="Анна",
        rep_email=None, rep_phone=None,
    )  # fmt: skip


def test_a_survey_letter_without_an_invitation_is_not_made():
    maker = LetterMaker(
        campaign_id=1, campaign_name="Опрос", template=None, mail_from="crm@example.com",
        sender=SenderContext("ООО «Пример»", "crm@example.com"), domain="example.com",
        is_survey=True,
    )  # fmt: skip

    assert maker.context(_row("t" * 64)).survey_url == survey_url("t" * 64)
    with pytest.raises(CrmError, match="no survey invitation"):
        maker.context(_row(None))
    assert replace(maker, is_survey=False).context(_row(None)).survey_url is None


@pytest.mark.parametrize(
    ("token", "plausible"),
    [
        ("a" * 64, True),
        ("A-_1" * 8, True),
        ("a" * 31, False),
        ("a" * 65, False),
        ("../x" * 10, False),
    ],
)
def test_only_a_token_shaped_path_reaches_the_database(token, plausible):
    assert is_plausible_token(token) is plausible


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"logistics": "0"}, "logistics '0' is not a whole number from 1 to 5"),
        ({"logistics": "4.5"}, "logistics '4.5' is not a whole number from 1 to 5"),
        ({"nps": "-1"}, "nps '-1' is not a whole number from 0 to 10"),
        ({"nps": "1e1"}, None),
        ({"comment": "x" * 4001}, "the comment is longer than 4000 characters"),
        ({"comment": " \n "}, "no answers"),
    ],
)
def test_answers_are_whole_numbers_in_range(values, problem):
    if problem is None:
        assert parse_answers(values).nps == 10
        return
    with pytest.raises(AnswerError) as refused:
        parse_answers(values)
    assert str(refused.value) == problem


def test_answers_from_a_spreadsheet_and_what_counts_as_low():
    answers = parse_answers({"logistics": "4,0", "nps": " 7 ", "comment": "a\x00b"})
    assert (answers.scores["logistics"], answers.nps, answers.comment) == (4, 7, "ab")
    assert not answers.is_low
    assert parse_answers({"logistics": "2"}).is_low and parse_answers({"nps": "6"}).is_low
