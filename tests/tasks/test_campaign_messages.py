"""Raw campaign letters parse as the letters they say they are, and refuse header injection."""

from __future__ import annotations

import email
import email.policy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.campaign_messages import HeaderInjectionError, campaign_message_id, raw_letter


def letter(**kw) -> bytes:
    values = {
        "sender": "CRM <crm@example.com>",
        "to": "ivan@example.ru",
        "to_name": "Иван Петров",
        "subject": "Новости мая",
        "text": "Уважаемый Иван Петрович,\nновости.",
        "html": "<p>Уважаемый Иван Петрович,</p>",
        "message_id": campaign_message_id(7, "2026-05", 42, "example.com"),
        "headers": {
            "List-Unsubscribe": "<https://crm.example.com/u/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    }
    return raw_letter(**(values | kw))


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_the_letter_parses_with_both_parts_and_its_headers():
    message = parse(letter())
    assert message["Subject"] == "Новости мая"
    assert message["To"].addresses[0].addr_spec == "ivan@example.ru"
    assert message["To"].addresses[0].display_name == "Иван Петров"
    assert message["Message-ID"] == "<campaign-7.2026-05.42@example.com>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(("plain",)).get_content().startswith("Уважаемый Иван Петрович,")
    assert "<p>Уважаемый" in message.get_body(("html",)).get_content()


def test_a_name_with_a_line_break_adds_no_header_or_recipient():
    message = parse(letter(to_name="Ivan\r\nBcc: x@evil.example"))
    assert message["Bcc"] is None
    assert [a.addr_spec for a in message["To"].addresses] == ["ivan@example.ru"]


def test_a_subject_with_a_line_break_is_refused():
    with pytest.raises(HeaderInjectionError, match="Subject"):
        letter(subject="Hi\r\nBcc: x@evil.example")


@given(st.text(max_size=80), st.text(max_size=200))
def test_any_name_and_text_give_a_letter_with_one_recipient(name, text):
    message = parse(letter(to_name=name, text=text))
    assert [a.addr_spec for a in message["To"].addresses] == ["ivan@example.ru"]
    assert message["Bcc"] is None and message["Cc"] is None
    # base64 carries the text as it is, line breaks included.
    assert message.get_body(("plain",)).get_content() == text
