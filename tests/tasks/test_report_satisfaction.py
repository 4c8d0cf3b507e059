"""Every figure of the satisfaction report against the hand count of
tests/report_base.satisfaction_base (the Summer wave against Spring)."""

from datetime import UTC, datetime

import pytest

from models.errors import CrmError
from models.sql import queries
from models.surveys import SCORE_COLUMNS
from tasks.report_satisfaction import QUESTION_TITLES, find_wave, satisfaction_report
from tests.report_base import satisfaction_base


@pytest.fixture
def base(session):
    return satisfaction_base(session)


@pytest.fixture
def report(session, base):
    return satisfaction_report(session, "Summer 2026")


def slice_row(report, line: str, slice_: str, value: str) -> dict:
    rows = report.table("responses").where(line=line, slice=slice_, value=value)
    assert len(rows) == 1, rows
    return rows[0]


def counts(row) -> tuple:
    keys = ("invited", "answered", "promoters", "passives", "detractors", "low_answers",
            "low_followed_up")  # fmt: skip
    return tuple(row[k] for k in keys)


def test_response_rate_nps_and_low_answers_per_line(report):
    equipment = slice_row(report, "Equipment", "all", "all")
    assert counts(equipment) == (3, 2, 1, 0, 1, 1, 1)
    assert float(equipment["response_rate"]) == pytest.approx(2 / 3)
    assert float(equipment["nps"]) == pytest.approx(0)
    service = slice_row(report, "Service", "all", "all")
    assert counts(service) == (2, 2, 1, 0, 0, 1, 0)
    assert float(service["response_rate"]) == 1 and float(service["nps"]) == 100
    everything = slice_row(report, "All lines", "all", "all")
    assert counts(everything) == (5, 4, 2, 0, 1, 2, 1)
    assert float(everything["response_rate"]) == pytest.approx(0.8)
    assert float(everything["nps"]) == pytest.approx(100 / 3)


def test_segments_and_owners(report):
    def seen(line, slice_, value):
        row = slice_row(report, line, slice_, value)
        return row["invited"], row["answered"], row["nps"] and float(row["nps"])

    assert seen("Equipment", "industry", "Retail") == (2, 2, 0)
    assert seen("Equipment", "industry", "Energy") == (1, 0, None)
    assert seen("Equipment", "region", "Moscow") == (2, 1, 100)
    assert seen("Equipment", "region", "Kazan") == (1, 1, -100)
    assert seen("Equipment", "size", "1-14") == (1, 1, 100)
    assert seen("Equipment", "size", "100-249") == (1, 1, -100)
    assert seen("Equipment", "size", "not stated") == (1, 0, None)
    # Beta answered while Boris held it; Anna has it now.
    assert seen("Equipment", "owner", "Anna Rep") == (2, 1, 100)
    assert seen("Equipment", "owner", "Boris Rep") == (1, 1, -100)
    assert seen("Service", "industry", "individual client") == (1, 1, 100)
    assert seen("Service", "size", "individual client") == (1, 1, 100)
    assert seen("Service", "region", "Moscow") == (1, 1, None)
    assert seen("All lines", "industry", "Retail") == (3, 3, 0)
    assert seen("All lines", "owner", "Sergey Rep") == (2, 2, 100)


def mean(report, line, grp, item=None, slice_="all", value="all"):
    rows = report.table("scores").where(line=line, slice=slice_, value=value, grp=grp, item=item)
    assert len(rows) == 1, rows
    return rows[0]["answers"], float(rows[0]["mean_score"])


def test_scores_of_every_group_and_question(report):
    assert mean(report, "Equipment", "products") == (8, pytest.approx(31 / 8))
    assert mean(report, "Equipment", "products", "products_range") == (2, 3.5)
    assert mean(report, "Equipment", "logistics", "logistics") == (2, 3.0)
    assert mean(report, "Equipment", None) == (28, pytest.approx(109 / 28))
    assert mean(report, "Service", "products") == (5, pytest.approx(3.6))
    assert mean(report, "Service", "products", "products_range") == (2, 3.0)
    assert mean(report, "Service", "service") == (4, 4.0)
    assert mean(report, "Service", None) == (15, pytest.approx(58 / 15))
    assert mean(report, "All lines", None) == (43, pytest.approx(167 / 43))
    assert mean(report, "Equipment", None, slice_="owner", value="Anna Rep") == (
        14, pytest.approx(69 / 14))  # fmt: skip
    questions = {r["item"] for r in report.table("scores").rows if r["item"]}
    assert questions == set(SCORE_COLUMNS) == set(QUESTION_TITLES)


def test_trend_against_the_earlier_wave(report):
    def trend(line):
        return [
            (r["wave"], r["invited"], r["answered"], round(float(r["overall"]), 4),
             round(float(r["nps"]), 2))
            for r in report.table("trend").where(line=line)
        ]  # fmt: skip

    assert trend("Equipment") == [("Spring 2026", 2, 1, 3.0, -100.0),
                                  ("Summer 2026", 3, 2, round(109 / 28, 4), 0.0)]  # fmt: skip
    assert trend("Service") == [("Spring 2026", 1, 1, 2.0, -100.0),
                                ("Summer 2026", 2, 2, round(58 / 15, 4), 100.0)]  # fmt: skip
    assert trend("All lines") == [("Spring 2026", 3, 2, 2.5, -100.0),
                                  ("Summer 2026", 5, 4, round(167 / 43, 4), 33.33)]  # fmt: skip
    spring = report.table("trend").where(line="Equipment")[0]
    assert float(spring["products"]) == 3.0 and not spring["is_this_wave"]


def test_lowest_clients_and_what_was_done(report):
    equipment = report.table("lowest").where(line="Equipment")
    assert [r["client"] for r in equipment] == ["Beta LLC", "Alpha LLC"]
    beta = equipment[0]
    assert float(beta["mean_score"]) == pytest.approx(40 / 14)
    assert (beta["lowest_score"], beta["lowest_items"], beta["nps"], beta["is_low"]) == (
        1, "logistics", 6, True)  # fmt: skip
    assert beta["owner"] == "Boris Rep"
    assert (beta["follow_ups"], beta["last_follow_up_kind"], beta["last_follow_up_status"]) == (
        1, "call", "planned")  # fmt: skip
    service = report.table("lowest").where(line="Service")
    assert [r["client"] for r in service] == ["Alpha LLC", "Client Irina"]
    assert service[0]["lowest_items"] == "products_range" and service[0]["follow_ups"] == 0


def test_lines_with_answers_and_scope(session, base, report):
    assert [(i.name, i.has_data) for i in report.lines] == [("Equipment", True),
                                                            ("Service", True)]  # fmt: skip
    only = satisfaction_report(session, str(base.waves["Summer"]), line="Service")
    assert {r["line"] for t in only.tables.values() for r in t.rows} <= {"Service", "All lines"}
    assert counts(slice_row(only, "All lines", "all", "all"))[:2] == (2, 2)


def test_the_latest_opened_wave_by_default_and_a_wave_without_answers(session, base):
    assert find_wave(session, None, now=datetime(2026, 7, 1, tzinfo=UTC)).name == "Summer 2026"
    assert find_wave(session, None, now=datetime(2026, 4, 1, tzinfo=UTC)).name == "Spring 2026"
    with pytest.raises(CrmError, match="no survey wave 'Autumn'"):
        find_wave(session, "Autumn")
    from tests import factories as f

    f.survey_wave(session, "Autumn 2026", datetime(2026, 9, 1, tzinfo=UTC),
                  datetime(2026, 9, 30, tzinfo=UTC))  # fmt: skip
    quiet = satisfaction_report(session, "Autumn 2026")
    assert quiet.is_empty and not quiet.table("lowest").rows
    trend = quiet.table("trend").where(line="All lines")
    assert [r["wave"] for r in trend] == ["Spring 2026", "Summer 2026"]


def test_no_wave_at_all_is_one_line(session):
    with pytest.raises(CrmError, match="no survey wave has opened yet"):
        satisfaction_report(session)


def test_every_question_is_spelled_in_the_sql():
    text = "".join(str(q) for q in queries("reports").values())
    for column in SCORE_COLUMNS:
        assert text.count(f"'{column}'") >= 2, column
