"""Business lines and their sales stages."""

import pytest
import sqlalchemy as sa

from models.errors import CrmError
from models.lines import DEFAULT_STAGES, SalesStage
from tasks import lines
from tests import factories as f


def test_new_line_gets_the_default_stages(session):
    lines.add_line(session, "Equipment")
    stages = lines.list_stages(session, "Equipment")
    assert [s.name for s in stages] == list(DEFAULT_STAGES)
    assert [s.name for s in stages if s.is_won] == ["payment"]
    assert [s.name for s in stages if s.is_protected] == ["contract", "invoice"]


def test_duplicate_line_is_refused(session):
    lines.add_line(session, "Equipment")
    with pytest.raises(CrmError, match="already exists"):
        lines.add_line(session, "Equipment")


def test_set_stages_reorders_keeping_ids_and_marks_won_lost(session):
    lines.add_line(session, "Service")
    ids_before = dict(session.execute(sa.select(SalesStage.name, SalesStage.stage_id)).all())
    result = lines.set_stages(
        session, "Service", ["meeting", "first call", "paid", "lost"], lost="lost"
    )
    assert [s.name for s in result] == ["meeting", "first call", "paid", "lost"]
    assert [s.name for s in result if s.is_won] == ["paid"]
    assert [s.name for s in result if s.is_lost] == ["lost"]
    ids_after = dict(session.execute(sa.select(SalesStage.name, SalesStage.stage_id)).all())
    assert ids_after["meeting"] == ids_before["meeting"]


def test_stage_used_by_a_lead_cannot_be_removed(session):
    bl = f.line(session, "Busy", stages=("first call", "paid"))
    f.lead(session, bl.line_id)
    with pytest.raises(CrmError, match="'first call' \\(1 leads and deals\\)"):
        lines.set_stages(session, "Busy", ["paid"])


def test_a_stage_a_lead_passed_through_stays_for_the_history(session):
    bl = f.line(session, "Moved", stages=("first call", "meeting", "paid"))
    lead = f.lead(session, bl.line_id)
    meeting = session.scalar(
        sa.select(SalesStage.stage_id).where(
            SalesStage.line_id == bl.line_id, SalesStage.name == "meeting"
        )
    )
    f.move_stage(session, lead, meeting, None)
    with pytest.raises(CrmError, match="'first call' \\(1 leads passed through it\\)"):
        lines.set_stages(session, "Moved", ["meeting", "paid"])
    assert [s.name for s in lines.list_stages(session, "Moved")] == [
        "first call",
        "meeting",
        "paid",
    ]


@pytest.mark.parametrize(
    ("names", "kw", "message"),
    [
        ([], {}, "at least one"),
        (["a", "a"], {}, "different"),
        (["a", "b"], {"won": "c"}, "won stage 'c'"),
        (["a"], {"won": "a", "lost": "a"}, "both"),
        (["a"], {"protected": ["x"]}, "protected stages not in the list: x"),
    ],
)
def test_bad_stage_lists_are_refused(session, names, kw, message):
    lines.add_line(session, "Checks")
    with pytest.raises(CrmError, match=message):
        lines.set_stages(session, "Checks", names, **kw)


def test_unknown_line_names_the_known_ones(session):
    lines.add_line(session, "Equipment")
    with pytest.raises(CrmError, match="unknown business line 'Nope' \\(known: Equipment\\)"):
        lines.list_stages(session, "Nope")
