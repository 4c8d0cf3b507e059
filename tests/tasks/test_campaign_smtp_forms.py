"""A letter's SMTP forms, made when the letter is made: the RCPT argument and the DATA content."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.campaign_delivery import Outgoing, data_content, mailbox


def unstuffed(content: bytes) -> bytes:
    """What a server keeps of the content: the closing line gone, doubled dots single again."""
    assert content.endswith(b"\r\n.\r\n")
    return re.sub(rb"(?m)^\.\.", b".", content[: -len(b".\r\n")])


@given(
    st.lists(st.sampled_from(["a", ".", "..", " ", "\r\n", "\n", "\r", "x.y", "é"]), max_size=30)
)
def test_the_content_is_the_message_with_crlf_lines_and_one_end(pieces):
    raw = "".join(pieces).encode("utf-8")
    content = data_content(raw)
    body = content[: -len(b".\r\n")]
    lines = body.split(b"\r\n")
    # CR and LF only as pairs, and no line of the message can end it early.
    assert b"\r" not in body.replace(b"\r\n", b"") and b"\n" not in body.replace(b"\r\n", b"")
    assert b"." not in lines[:-1] and all(
        not line.startswith(b".") or line.startswith(b"..") for line in lines
    )
    expected = re.sub(rb"\r\n|\r|\n", b"\r\n", raw)
    expected = expected if expected.endswith(b"\r\n") else expected + b"\r\n"
    assert unstuffed(content) == expected


def test_a_message_already_in_smtp_form_is_sent_as_it_is():
    raw = b"Subject: S\r\n\r\nHello\r\n"
    assert data_content(raw) == raw + b".\r\n"


@pytest.mark.parametrize(
    "address",
    [
        "a@example.ru\r\nRCPT TO:<x@evil.example>",
        "a@example.ru> NOTIFY=NEVER",
        "a b@example.ru",
        "<a@example.ru>",
        "a@example.ru\x00",
        "иван@пример.рф",
        "no-at-sign",
        "",
    ],
)
def test_an_address_that_could_change_the_command_is_refused(address):
    with pytest.raises(ValueError, match="cannot be used on an SMTP command line"):
        mailbox(address)
    with pytest.raises(ValueError):
        Outgoing(1, address, b"Subject: S\r\n\r\nHi\r\n")


def test_a_letter_carries_its_recipient_as_rcpt_writes_it():
    letter = Outgoing(7, "o'brien+news@mail.example.com", b"Subject: S\r\n\r\nHi\r\n")
    assert letter.rcpt == b"TO:<o'brien+news@mail.example.com>"
    assert letter.content.endswith(b"Hi\r\n.\r\n")
