"""`check-data-quality` as real Prefect flow runs: the demo base, Data Docs, the artifact, and a
critical failure that fails the run with a summary naming it."""

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from sqlalchemy.orm import Session

from flows.check_data_quality import check_data_quality
from flows.load_demo_data import load_demo_data_flow
from flows.reassign_stale_leads import reassign_stale_leads
from models.settings import get_settings
from tasks.quality_rules import RuleParams, all_rules
from tasks.quality_steps import ARTIFACT_KEY
from tasks.quality_suites import DataQualityFailed
from tasks.stale_rule import business_today
from tests import factories as f

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_harness")]
STALE = "leads.stale_only_where_protected"


def newest_artifact():
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ARTIFACT_KEY]))
        )
    return max(artifacts, key=lambda a: a.created)


def test_the_demo_base_passes_and_the_three_month_rule_clears_its_warning(committed, mailbox):
    load_demo_data_flow(orgs=120, seed=7)

    report = check_data_quality()

    # The demo ships leads past three months for the rule to move: a warning, not a failure.
    assert report.failed_critical == []
    assert report.failed_names == {STALE}
    artifact = newest_artifact()
    assert artifact.type == "markdown"
    assert artifact.description == report.headline()
    for rule in all_rules(RuleParams(as_of=business_today())):
        assert f"`{rule.name}`" in artifact.data
    assert f"| **failed** | warning | leads | `{STALE}` |" in artifact.data
    docs = get_settings().reports_dir / "data-docs"
    assert report.docs_index == str(docs / "index.html") and (docs / "index.html").exists()
    assert {p.name for p in (docs / "validations").iterdir()} == {r.table for r in report.results}

    reassign_stale_leads(approval="auto")

    assert check_data_quality().failed_names == set()


def test_a_critical_failure_fails_the_run_with_a_summary_naming_it(committed):
    with Session(committed) as session, session.begin():
        f.person(session, emails=["ivan.petrov@@mail.example"])
        f.person(session, phones=["8 916 123 45 67"])  # a warning only

    state = check_data_quality(return_state=True)

    assert state.is_failed()
    assert "1 critical failed, 1 warnings" in state.message
    assert "CRITICAL persons.emails_well_formed: 1 unexpected (first: 1)" in state.message
    assert "WARNING  persons.phones_well_formed: 1 unexpected (first: 2)" in state.message
    with pytest.raises(DataQualityFailed, match="persons.emails_well_formed"):
        state.result()
    assert "| **failed** | critical | persons | `persons.emails_well_formed` |" in (
        newest_artifact().data
    )
