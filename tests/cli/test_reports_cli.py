"""`crm report management|satisfaction` and `crm client summary` from a terminal."""

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cli.main import app
from tests.report_base import management_base, satisfaction_base

runner = CliRunner()


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_management_report_of_a_period_printed_and_sent(committed, mailbox):
    with Session(committed) as s, s.begin():
        management_base(s)

    result = runner.invoke(
        app, ["report", "management", "--from", "2026-05-04", "--to", "2026-05-10", "--send"]
    )

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Management report, week 19 of 2026 (4–10 May)\n")
    assert "Equipment: 6 open leads, 1 new; 2 calls, 2 e-mails, 1 meetings held" in result.output
    assert "saved in " in result.output and "all-lines" in result.output
    assert "no head of sales (directors only): Nobody" in result.output
    assert len(list(mailbox.glob("*.eml"))) == 3


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_satisfaction_report_of_one_line(committed, mailbox):
    with Session(committed) as s, s.begin():
        satisfaction_base(s)

    result = runner.invoke(app, ["report", "satisfaction", "--wave", "Summer 2026",
                                 "--line", "Service"])  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Service: 2 answers of 2 invitations (100.0%), NPS +100" in result.output
    assert "Equipment" not in result.output
    assert list(mailbox.glob("*.eml")) == []


def test_a_period_the_wrong_way_round_is_one_line():
    result = runner.invoke(
        app, ["report", "management", "--from", "2026-05-10", "--to", "2026-05-04"]
    )
    assert result.exit_code != 0
    assert "the period ends (2026-05-04) before it starts (2026-05-10)" in str(result.exception)
    half = runner.invoke(app, ["report", "management", "--from", "2026-05-10"])
    assert "give both ends of the period" in str(half.exception)


def test_client_summary(committed):
    with Session(committed) as s, s.begin():
        base = satisfaction_base(s)

    result = runner.invoke(app, ["client", "summary", str(base.organisations["Beta"])])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Beta LLC (organisation ")
    assert "Summer 2026" in result.output
    person = runner.invoke(app, ["client", "summary", str(base.persons["Irina"]), "--person"])
    assert person.output.startswith("Client Irina (person ")
