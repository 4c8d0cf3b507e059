"""`crm survey start|remind|import|show` as a head of sales runs them, on a real base."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tests.cli.test_campaign_cli import crm, flow_error, ok, one_error  # noqa: F401
from tests.conftest import write_file
from tests.survey_base import invited, survey_base


@pytest.fixture
def base(committed):
    with Session(committed) as s, s.begin():
        return survey_base(s)


@pytest.mark.usefixtures("prefect_harness")
def test_start_remind_and_show(committed, crm, base, mailbox):  # noqa: F811
    started = ok(crm("survey", "start", "--wave", "Q4", "--line", base.line))
    again = ok(crm("survey", "start", "--wave", "Q4"))
    reminded = ok(crm("survey", "remind", "--wave", "Q4", "--after", "0"))
    listed = ok(crm("survey", "show"))
    shown = ok(crm("survey", "show", "--wave", "Q4"))

    assert (
        "wave 'Q4'" in started and "invited now 3, reminders now 0, letters sent now 3" in started
    )
    assert "Q4 (Оборудование;" in started and "3 invited, 3 letters sent" in started
    assert "invited now 0" in again and "(no letters to send)" in again
    assert "reminders now 3, letters sent now 3" in reminded and "3 reminded" in reminded
    assert listed.startswith("Q4 (Оборудование;") and "0 answered (0%), NPS n/a" in listed
    assert "letters sent 6, skipped 1" in shown and "heads of sales not told yet: 0" in shown
    assert len(list(mailbox.glob("*.eml"))) == 6


@pytest.mark.usefixtures("prefect_harness")
def test_a_wave_that_does_not_exist_is_one_line(crm, base):  # noqa: F811
    assert flow_error(crm("survey", "remind", "--wave", "nope")) == (
        "no survey wave 'nope' (start one with `crm survey start`)"
    )


def test_import_reports_bad_rows_and_follows_up_low_scores(
    committed,
    crm,  # noqa: F811
    base,
    mailbox,
    tmp_path,
):
    from datetime import UTC, datetime

    from tasks import survey_waves

    with Session(committed) as s, s.begin():
        wave = survey_waves.open_wave(
            s, name="Q4", line=None, open_days=28, now=datetime.now(UTC), create=True
        )
        survey_waves.invite(s, wave)
        tokens = invited(s, wave.survey_wave_id)
    ivan = tokens[base.persons["Иван"]]
    path = write_file(
        tmp_path / "answers.csv",
        f"token,email,logistics,nps,Browser\n{ivan},,2,9,x\n,olga@vector.ru,6,9,y\n"
        ",nobody@example.com,5,9,z\n",
    )

    first = crm("survey", "import", str(path), "--wave", "Q4")
    again = ok(crm("survey", "import", str(path), "--wave", "Q4"))

    assert first.code == 0
    assert first.err.splitlines() == [
        "row 3: skipped: logistics '6' is not a whole number from 1 to 5",
        "row 4: skipped: nobody invited in this wave has the address nobody@example.com",
    ]
    assert "3 rows: 1 added, 0 changed, 0 unchanged, 2 skipped" in first.out
    assert "columns not read (no such question): Browser" in first.out
    assert "low scores: 1 follow-up calls planned, 1 told to heads of sales" in first.out
    assert "1 added" not in again and "1 unchanged" in again and "low scores" not in again
    assert len(list(mailbox.glob("*.eml"))) == 1
    with committed.connect() as conn:
        assert conn.scalar(sa.text("select count(*) from activities")) == 1
    assert one_error(crm("survey", "import", str(tmp_path / "none.csv"), "--wave", "Q4")).endswith(
        "none.csv: no such file"
    )
