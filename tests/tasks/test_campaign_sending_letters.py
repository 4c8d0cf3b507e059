"""Letters as the sender writes them (raw bytes, its own header encoding) read back exactly."""

from __future__ import annotations

import email
import email.policy

from hypothesis import given
from hypothesis import strategies as st

from tasks.campaign_messages import raw_letter

NO_BREAKS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
    max_size=200,
)


def letter(subject: str, to_name: str) -> bytes:
    return raw_letter(
        sender="CRM <crm@example.com>", to="ivan@example.ru", to_name=to_name, subject=subject,
        text="Текст", html="<p>Текст</p>", message_id="<m@example.com>",
    )  # fmt: skip


def test_a_long_subject_folds_into_short_lines_and_a_long_name_reads_back_whole():
    subject = "Новости оборудования на май: скидки, поставки и сервис — " * 4
    name = "Константин Константинопольский-Преображенский " * 3
    raw = letter(subject, name)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == subject
    assert message["To"].addresses[0].display_name == " ".join(name.split())
    assert message["To"].addresses[0].addr_spec == "ivan@example.ru"
    subject_lines = raw.split(b"\r\nSubject: ", 1)[1].split(b"\r\nDate: ", 1)[0].split(b"\r\n")
    assert len(subject_lines) > 1 and all(len(line) <= 78 for line in subject_lines)


@given(NO_BREAKS.filter(lambda s: not s.isascii()))
def test_any_non_ascii_subject_reads_back_as_written(subject):
    message = email.message_from_bytes(letter(subject, "Иван"), policy=email.policy.default)
    assert message["Subject"] == subject
    assert [a.addr_spec for a in message["To"].addresses] == ["ivan@example.ru"]


def test_each_letter_has_its_own_boundary_and_no_line_of_its_parts_holds_it():
    first, second = letter("Тема", "Иван"), letter("Тема", "Иван")
    boundary = email.message_from_bytes(first).get_boundary()
    assert boundary != email.message_from_bytes(second).get_boundary()
    assert first.count(boundary.encode()) == 4  # the header, two parts, the end


@given(NO_BREAKS.filter(lambda s: not s.isascii()))
def test_any_non_ascii_name_reads_back_as_one_display_name(name):
    message = email.message_from_bytes(letter("Тема", name), policy=email.policy.default)
    [address] = message["To"].addresses
    assert address.addr_spec == "ivan@example.ru"
    assert address.display_name == " ".join(name.split())
