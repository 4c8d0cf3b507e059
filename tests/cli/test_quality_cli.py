"""`crm quality check`: the summary on the terminal, exit 1 while a critical expectation fails."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cli.main import app
from tests import factories as f

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]
runner = CliRunner()


def test_quality_check_prints_the_summary_and_fails_on_a_critical_expectation(committed):
    with Session(committed) as session, session.begin():
        person_id = f.person(session, emails=["ivan.petrov(at)mail.example"]).person_id

    failed = runner.invoke(app, ["quality", "check", "--as-of", "2026-05-04"])

    assert failed.exit_code == 1, failed.output
    assert "1 critical failed" in failed.output
    assert f"CRITICAL persons.emails_well_formed: 1 unexpected (first: {person_id})" in (
        failed.output
    )
    assert "Data Docs: " in failed.output

    with committed.begin() as conn:
        conn.execute(sa.text("update persons set emails = '{}' where person_id = :p"),
                     {"p": person_id})  # fmt: skip
    passed = runner.invoke(app, ["quality", "check"])

    assert passed.exit_code == 0, passed.output
    assert "0 critical failed, 0 warnings" in passed.output


def test_a_mistyped_period_is_one_line_before_any_run():
    result = runner.invoke(app, ["quality", "check", "--stale-after", "three months"])
    assert result.exit_code != 0
    assert "stale_after must look like" in str(result.exception or result.output)
