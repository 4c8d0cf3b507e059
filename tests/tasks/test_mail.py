"""The MIME message the sender builds: alternatives, attachments and what a filename may carry."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from io import BytesIO

import openpyxl
import pytest
from pydantic import ValidationError

from tasks.mail import Attachment, Letter, build_message, safe_filename

SENDER = "CRM <crm@example.com>"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Компания", "ИНН"])
    workbook.active.append(["ООО Ромашка", "7707083893"])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parse_back(message: EmailMessage) -> EmailMessage:
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def letter(*attachments: Attachment) -> Letter:
    return Letter(
        to="anna@example.com",
        subject="Import results",
        text="See the files.",
        html="<p>See the files.</p>",
        attachments=list(attachments),
    )


def test_csv_and_xlsx_attachments_come_back_with_their_names_and_bytes():
    csv_bytes = '\ufeffКомпания,ИНН\r\n"ООО ""Ромашка""",7707083893\r\n'.encode()
    workbook = xlsx_bytes()
    parsed = parse_back(
        build_message(
            letter(
                Attachment(filename="leads-rejected.csv", content=csv_bytes, mime_type="text/csv"),
                Attachment(filename="Итоги импорта.xlsx", content=workbook, mime_type=XLSX),
            ),
            SENDER,
        )
    )

    assert parsed.get_content_type() == "multipart/mixed"
    found = {
        part.get_filename(): (part.get_content_type(), part.get_payload(decode=True))
        for part in parsed.iter_attachments()
    }
    assert found == {
        "leads-rejected.csv": ("text/csv", csv_bytes),
        "Итоги импорта.xlsx": (XLSX, workbook),
    }
    # The letter itself is still there, as text and HTML, before the attachments.
    body = parsed.get_body(preferencelist=("html", "plain"))
    assert body.get_content_type() == "text/html"
    assert "See the files." in parsed.get_body(preferencelist=("plain",)).get_content()
    assert openpyxl.load_workbook(BytesIO(found["Итоги импорта.xlsx"][1])).active["A2"].value == (
        "ООО Ромашка"
    )


def test_letter_without_attachments_stays_a_plain_alternative():
    parsed = parse_back(build_message(letter(), SENDER))
    assert parsed.get_content_type() == "multipart/alternative"
    assert list(parsed.iter_attachments()) == []


def test_filename_cannot_inject_headers_or_paths():
    hostile = "../..\\x\r\nBcc: evil@example.com\x00\u202egpj.csv"
    raw = build_message(
        letter(Attachment(filename=hostile, content=b"a,b\r\n", mime_type="text/csv")), SENDER
    ).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)

    assert parsed["Bcc"] is None
    assert b"\nBcc:" not in raw
    [attachment] = parsed.iter_attachments()
    name = attachment.get_filename()
    assert name == safe_filename(hostile)
    assert not set(name) & set("/\\\r\n\x00\u202e")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("report.csv", "report.csv"),
        ("Отчёт за май.xlsx", "Отчёт за май.xlsx"),
        ("sales 1/2.csv", "sales 1_2.csv"),
        ("C:\\Users\\x\\leads.csv", "C:_Users_x_leads.csv"),
        ("..", "attachment"),
        (".hidden.csv", "hidden.csv"),
        ("a\tb\x7f.csv", "ab.csv"),
        ("line\u2028break.csv", "linebreak.csv"),
        ("", "attachment"),
    ],
)
def test_safe_filename(given, expected):
    assert safe_filename(given) == expected


@pytest.mark.parametrize("mime_type", ["csv", "text/csv\r\nBcc: x@example.com", "text/", "/csv"])
def test_malformed_mime_type_is_refused(mime_type):
    with pytest.raises(ValidationError):
        Attachment(filename="a.csv", content=b"", mime_type=mime_type)
