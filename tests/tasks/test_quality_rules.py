"""The rules' building blocks: the shapes agree with the importer, in Python and in PostgreSQL;
the SQL survives Great Expectations' formatting; the gate knows the audience's skip reasons."""

import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from models.settings import PROJECT_ROOT
from tasks.normalise_contacts import normalise_email, normalise_phone
from tasks.quality_gates import UNADDRESSED_REASONS
from tasks.quality_rules import EMAIL_SHAPE, PHONE_SHAPE, RuleParams, all_rules
from tasks.quality_suites import unexpected_rows_query

NORMAL = [
    "Ivan.Petrov@Romashka.RU",
    "o'brien+sales@mail.example",
    "info@пример.рф",
    "a_b-c@sub-1.domain.co.uk",
    "x@xn--80ak6aa92e.com",
]
MALFORMED = [
    "ivan.petrov@@mail.example",
    "sales@romashka",
    "ivan petrov@mail.example",
    ".ivan@mail.example",
    "ivan..petrov@mail.example",
    "ivan@-romashka.ru",
    "ivan@romashka.r",
    "Ivan@mail.example",  # the store keeps e-mails lower-case
    "",
]


@pytest.mark.parametrize("text", NORMAL)
def test_the_importers_addresses_are_well_formed(session, text):
    address = normalise_email(text).address
    assert address and re.match(EMAIL_SHAPE, address)
    assert session.scalar(sa.text("select :a ~ :re"), {"a": address, "re": EMAIL_SHAPE})


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_addresses_are_not(session, text):
    assert not re.match(EMAIL_SHAPE, text)
    assert not session.scalar(sa.text("select :a ~ :re"), {"a": text, "re": EMAIL_SHAPE})


@settings(max_examples=200, deadline=None)
@given(st.emails())
def test_every_address_the_importer_keeps_passes_the_check(text):
    address = normalise_email(text).address
    if address is not None:
        assert re.match(EMAIL_SHAPE, address), address


@pytest.mark.parametrize(
    ("text", "ok"),
    [("8 (495) 123-45-67", True), ("+7 916 123 45 67 доб. 5", True), ("495-1234", False)],
)
def test_phone_shape_is_the_importers_e164(session, text, ok):
    phone = normalise_phone(text).e164 or text
    assert bool(re.match(PHONE_SHAPE, phone)) is ok
    assert session.scalar(sa.text("select :p ~ :re"), {"p": phone, "re": PHONE_SHAPE}) is ok


def test_rule_sql_survives_great_expectations_formatting():
    rules = all_rules(RuleParams(as_of=date(2026, 5, 4)))
    assert len({r.name for r in rules}) == len(rules)
    for rule in (r for r in rules if r.sql):
        text = unexpected_rows_query(rule).format(batch="(select 1) as subselect")
        assert "{batch}" not in text and "batch as (select * from (select 1)" in text
        assert rule.sql.strip() in text  # regex braces come back single
    assert all(r.severity in ("critical", "warning") for r in rules)


def test_the_gate_knows_how_the_audience_writes_a_missing_address():
    audience_sql = "".join(
        p.read_text(encoding="utf-8")
        for p in Path(PROJECT_ROOT / "models/sql").glob("campaign*.sql")
    )
    for reason in UNADDRESSED_REASONS:
        assert f"'{reason}'" in audience_sql, reason
