"""Campaign templates: greetings, the sandbox, escaping, the footer and the one-line subject."""

from __future__ import annotations

import email
import email.policy
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.persons import Gender
from tasks.campaign_templates import (
    BUILTIN_NAMES,
    CONTEXT_VARIABLES,
    CampaignContext,
    CampaignTemplate,
    CompiledTemplate,
    LetterContext,
    OrganisationContext,
    PersonContext,
    RepContext,
    SenderContext,
    TemplateError,
    check_template,
    compile_template,
    greeting,
    load_builtin,
    render_campaign_letter,
    require_valid,
)
from tasks.mail import build_message

UNSUBSCRIBE = "https://crm.example.com/unsubscribe/tok-123"
OPENINGS = ("Уважаемый ", "Уважаемая ", "Здравствуйте", "Dear ", "Hello")
ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ person.__init__.__globals__ }}",
    "{{ person['__class__'] }}",
]


def context(
    first: str | None = "Иван",
    middle: str | None = "Петрович",
    last: str | None = "Петров",
    organisation: OrganisationContext | None = None,
) -> LetterContext:
    return LetterContext(
        greeting=greeting(first, middle, last),
        person=PersonContext(first, middle, last),
        organisation=organisation,
        rep=RepContext("Анна Смирнова", "smirnova@example.com", "+7 495 123-45-67"),
        campaign=CampaignContext("Весенняя рассылка"),
        unsubscribe_url=UNSUBSCRIBE,
        sender=SenderContext("ООО «Пример»", "crm@example.com", "Москва, ул. Примерная, 1"),
    )


def render(subject: str, html: str, text: str, ctx: LetterContext | None = None):
    return render_campaign_letter(CampaignTemplate(subject, html, text), ctx or context(), "a@x.ru")


# --- greetings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("Иван", "Петрович", "Петров", Gender.male, "ru"), "Уважаемый Иван Петрович"),
        (("Анна", "Сергеевна", "Петрова", "female", "ru"), "Уважаемая Анна Сергеевна"),
        (("Иван", "Петрович", "Петров", "f", "ru"), "Уважаемая Иван Петрович"),  # given wins
        (("Анна", "Сергеевна", "Петрова", None, "ru"), "Уважаемая Анна Сергеевна"),  # guessed
        (("Иван", None, "Петров", None, "ru"), "Уважаемый Иван"),
        (("Саша", None, None, None, "ru"), "Здравствуйте, Саша"),
        (("Женя", "  ", "", None, "ru"), "Здравствуйте, Женя"),
        ((None, None, "Петров", "male", "ru"), "Здравствуйте"),
        ((None, None, None, None, "ru"), "Здравствуйте"),
        (("Ivan", None, "Petrov", "male", "en"), "Dear Mr Petrov"),
        (("Anna", None, "Petrova", None, "en"), "Dear Ms Petrova"),
        (("Alex", None, "Smith", None, "en"), "Dear Alex Smith"),
        (("Alex", None, None, "male", "en-GB"), "Dear Alex"),
        ((None, None, None, None, "en"), "Hello"),
    ],
)
def test_greeting_forms(args, expected):
    assert greeting(*args) == expected


def test_greeting_has_no_trailing_comma_and_names_keep_one_line():
    assert greeting("Иван\r\n", "Петрович", "Петров", "male") == "Уважаемый Иван Петрович"
    assert not greeting(None, None, None).endswith(",")


names = st.none() | st.text(max_size=30)


@given(
    first=names,
    middle=names,
    last=names,
    gender=st.sampled_from([None, "male", "female", "m", "f", "", "x", Gender.female]),
    locale=st.sampled_from(["ru", "en", "en-US", "de", ""]),
)
def test_greeting_is_one_line_with_a_known_opening(first, middle, last, gender, locale):
    line = greeting(first, middle, last, gender, locale)
    assert "\r" not in line and "\n" not in line
    assert len(line.splitlines()) == 1
    assert line.startswith(OPENINGS)
    assert not line.endswith(",")


# --- checking --------------------------------------------------------------------------------


def test_syntax_error_is_reported_with_part_and_line():
    problems = check_template("Привет", "<p>ok</p>\n<p>{{ greeting </p>", "{{ greeting }}")
    assert [(p.part, p.line) for p in problems] == [("html", 2)]
    assert str(problems[0]).startswith("html line 2: ")


def test_unknown_variable_is_reported():
    problems = check_template("Привет", "<p>{{ frist_name }}</p>", "{{ greeting }}")
    assert [str(p) for p in problems] == ["html line ?: unknown variable 'frist_name'"]


def test_unknown_attribute_is_reported_with_its_line():
    problems = check_template("{{ greeting }}", "<p>\n{{ person.frist_name }}</p>", "x")
    assert [(p.part, p.line) for p in problems] == [("html", 2)]
    assert "'frist_name'" in problems[0].message and "first_name" in problems[0].message


def test_attribute_unknown_only_at_render_time_is_caught_by_the_dry_render():
    problems = check_template("x", "x", "{% for p in [person] %}\n{{ p.frist_name }}{% endfor %}")
    assert [(p.part, p.line) for p in problems] == [("text", 2)]
    assert "frist_name" in problems[0].message


def test_organisation_used_without_a_guard_is_reported_for_individual_clients():
    problems = check_template("x", "<p>{{ organisation.name }}</p>", "x")
    assert [p.part for p in problems] == ["html"]
    assert "individual client" in problems[0].message
    assert check_template("x", "{% if organisation %}{{ organisation.name }}{% endif %}", "x") == []


def test_unknown_filter_inside_an_untaken_branch_is_still_reported():
    problems = check_template("x", "x", "{% if false %}\n{{ greeting | shout }}{% endif %}")
    assert [(p.part, p.line) for p in problems] == [("text", 2)]


@pytest.mark.parametrize(
    "source",
    [
        "{% include 'email/base.html' %}",
        "{% extends 'campaigns/base.html' %}",
        "{% autoescape false %}{{ greeting }}{% endautoescape %}",
        "{{ greeting | safe }}",
    ],
)
def test_html_cannot_reach_files_or_switch_off_escaping(source):
    assert [p.part for p in check_template("x", source, "x")] == ["html"]


def test_require_valid_lists_every_problem_in_one_message():
    with pytest.raises(TemplateError) as caught:
        require_valid("{{ subjekt }}", "{% if %}", "{{ person.nme }}")
    assert [p.part for p in caught.value.problems] == ["subject", "html", "text"]
    message = str(caught.value)
    assert "\n" not in message
    assert "subjekt" in message and "html line 1" in message and "nme" in message


# --- the sandbox -----------------------------------------------------------------------------


@pytest.mark.parametrize("escape", ESCAPES)
def test_sandbox_escape_is_refused_at_check_time(escape):
    problems = check_template("x", f"<p>{escape}</p>", escape)
    assert {p.part for p in problems} == {"html", "text"}
    assert all("not allowed" in p.message for p in problems)


@pytest.mark.parametrize("escape", ESCAPES)
def test_sandbox_escape_fails_clearly_at_render_time(escape):
    with pytest.raises(TemplateError, match="not allowed"):
        render("x", escape, "x")


@pytest.mark.parametrize(
    "source",
    [
        "{{ person | attr('__class__') }}",
        "{% set ns = namespace(t=cycler) %}\n{{ ns.t.mro() }}",
    ],
)
def test_escapes_the_static_check_cannot_see_are_refused_by_the_sandbox(source):
    problems = check_template("x", "x", source)
    assert [p.part for p in problems] == ["text"]
    assert "unsafe" in problems[0].message
    with pytest.raises(TemplateError, match="unsafe"):
        render("x", "x", source)


def test_templates_cannot_mutate_the_context_or_build_huge_strings():
    assert check_template("x", "x", "{{ [1].append(2) }}")
    assert check_template("x", "x", "{{ 'x' * 1000000000 }}")
    assert check_template("x", "x", "{{ 9 ** 999999999 }}")


# --- rendering -------------------------------------------------------------------------------


def test_html_escapes_names_but_text_keeps_them_literally():
    ctx = context(first="<script>alert(1)</script>", middle=None, last="Smith")
    letter = render(
        "{{ person.first_name }}",
        "<p>{{ person.first_name }}</p><p>{{ rep.signature | nl2br }}</p>",
        "{{ person.first_name }}",
        ctx,
    )
    assert "<script>" not in letter.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in letter.html
    assert "<br>" in letter.html  # the signature's line breaks, our markup
    assert letter.text.startswith("<script>alert(1)</script>")
    assert letter.subject == "<script>alert(1)</script>"


def test_footer_with_unsubscribe_link_and_sender_is_always_there():
    letter = render("Новости", "<p>Без подвала <!-- забытый комментарий", "Без подвала")
    assert f'<a href="{UNSUBSCRIBE}"' in letter.html
    assert letter.html.index("<!-- -->") < letter.html.index(UNSUBSCRIBE)
    assert "ООО «Пример», Москва, ул. Примерная, 1" in letter.html
    assert letter.text.startswith("Без подвала\n\n")
    assert UNSUBSCRIBE in letter.text and "ООО «Пример»" in letter.text
    assert "<p>Без подвала" in letter.html and "Новости" in letter.html  # the title


def test_subject_injection_through_a_name_stays_one_line_and_adds_no_header():
    ctx = context(first="Ivan\r\nBcc: x@evil", middle=None, last="Petrov")
    letter = render("{{ greeting }}: {{ person.first_name }}\n\n", "<p>hi</p>", "hi", ctx)
    assert "\r" not in letter.subject and "\n" not in letter.subject
    assert letter.subject == "Здравствуйте, Ivan Bcc: x@evil: Ivan Bcc: x@evil"
    raw = build_message(letter, "CRM <crm@example.com>").as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == letter.subject


def test_unsubscribe_url_must_be_a_web_link():
    with pytest.raises(ValueError):
        replace(context(), unsubscribe_url="javascript:alert(1)")


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtins_pass_the_check_and_render_for_companies_and_individuals(name):
    subject, html, text = load_builtin(name)
    assert check_template(subject, html, text) == []
    company = OrganisationContext("ООО «Ромашка»", "ООО", "Москва")
    for ctx in (context(organisation=company), context("Alex", None, "Smith")):
        letter = render(subject, html, text, ctx)
        assert letter.subject and "\n" not in letter.subject
        assert letter.text.startswith(f"{ctx.greeting},")
        assert "Анна Смирнова" in letter.text and UNSUBSCRIBE in letter.text
        assert (company.name in letter.html) == (ctx.organisation is not None)


def test_unknown_builtin_is_refused():
    with pytest.raises(TemplateError, match="newsletter"):
        load_builtin("../email/base")


def test_context_variables_are_the_documented_ones():
    assert {"greeting", "person", "organisation", "rep", "campaign"} <= CONTEXT_VARIABLES
    assert {"unsubscribe_url", "sender", "occasion"} <= CONTEXT_VARIABLES


def test_compiled_once_per_content_and_cheap_to_render_many_times():
    sources = load_builtin("newsletter")
    compiled = compile_template(*sources)
    assert compile_template(*sources) is compiled
    assert isinstance(compiled, CompiledTemplate)
    ctx = context()
    letters = [render_campaign_letter(compiled, ctx, f"r{i}@x.ru") for i in range(10_000)]
    assert len({letter.to for letter in letters}) == 10_000
    assert letters[0].html == letters[-1].html


@given(
    name=st.text(min_size=1, max_size=40).filter(str.strip),
    url=st.text(max_size=60).map(lambda tail: f"https://crm.example.com/u?{tail}"),
    english=st.booleans(),
)
def test_the_layout_filled_per_letter_is_the_layout_rendered_for_it(name, url, english):
    from markupsafe import Markup

    from tasks.campaign_templates import _layout

    ctx = replace(
        context(),
        campaign=CampaignContext(name),
        unsubscribe_url=url,
        locale="en" if english else "ru",
    )
    letter = render("{{ campaign.name }}", "<p>{{ campaign.name }}</p>", "{{ campaign.name }}", ctx)
    layout, footer = _layout()
    shared = {"sender": ctx.sender, "unsubscribe_url": url, "lang": "en" if english else "ru"}
    body = compile_template("x", "<p>{{ campaign.name }}</p>", "x").html.render(ctx.variables())
    assert letter.html == layout.render(shared, body=Markup(body), title=letter.subject)
    text = name.rstrip()
    assert letter.text == f"{text}\n\n{footer.render(shared)}"
