"""The data-quality suites run by Great Expectations over PostgreSQL, and their results.

One suite per table, over a table asset of a PostgreSQL data source: every expectation becomes
SQL that PostgreSQL runs (counts, and at most a page of offending rows); no table is loaded into
Python. The context is ephemeral: suites are built from `tasks/quality_rules.py` on each run, so
the code is their only definition, and no configuration file keeps the database URL.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from models.errors import CrmError
from tasks.quality_rules import Rule, RuleParams, Severity, all_rules

SITE = "crm-data-docs"
SAMPLE = 5  # ids of offending rows kept in a result, for the summary and the artifact
# The URL reaches Great Expectations as a substitution variable, so its password is never part
# of a data source's configuration (which GE may print or render).
_URL_VARIABLE = "CRM_QUALITY_DATABASE_URL"
_JOIN = re.compile(r"\bjoin\b", re.IGNORECASE)


class RuleResult(BaseModel):
    name: str
    table: str
    severity: Severity
    description: str
    success: bool
    unexpected: int | None = None  # offending rows or values
    sample: list[str] = []  # ids of the first offending rows
    error: str | None = None  # the check could not run (counts as failed)


class QualityReport(BaseModel):
    results: list[RuleResult]
    docs_index: str | None = None

    @property
    def failed_critical(self) -> list[RuleResult]:
        return [r for r in self.results if not r.success and r.severity == "critical"]

    @property
    def failed_warnings(self) -> list[RuleResult]:
        return [r for r in self.results if not r.success and r.severity == "warning"]

    @property
    def failed_names(self) -> set[str]:
        return {r.name for r in self.results if not r.success}

    def headline(self) -> str:
        passed = sum(r.success for r in self.results)
        return (
            f"data quality: {len(self.results)} expectations, {passed} passed, "
            f"{len(self.failed_critical)} critical failed, {len(self.failed_warnings)} warnings"
        )

    def summary(self) -> str:
        """The headline and one line per failed expectation, critical first."""
        lines = [self.headline()]
        for r in self.failed_critical + self.failed_warnings:
            lines.append(f"  {r.severity.upper():<8} {r.name}: {describe_failure(r)}")
        if self.docs_index:
            lines.append(f"Data Docs: {self.docs_index}")
        return "\n".join(lines)


def describe_failure(r: RuleResult) -> str:
    if r.error:
        return f"could not run: {r.error}"
    ids = f" (first: {', '.join(r.sample)})" if r.sample else ""
    return f"{r.unexpected} unexpected{ids}"


def unexpected_rows_query(rule: Rule) -> str:
    """The rule's SQL for UnexpectedRowsExpectation: `batch` bound to GE's `{batch}`.

    GE substitutes `{batch}` as an aliased subquery, unless the query has a JOIN: then the
    alias is ours to give. Braces of the rule's own SQL are escaped for str.format.
    """
    body = rule.sql.replace("{", "{{").replace("}", "}}")
    source = "{batch} as b" if _JOIN.search(body) else "{batch}"
    return f"with batch as (select * from {source})\nselect * from ({body}\n) as unexpected"


def run_suites(database_url: str, params: RuleParams, docs_dir: Path | None) -> QualityReport:
    """Run every suite in the database; write Data Docs to `docs_dir` (replacing the last)."""
    import great_expectations as gx  # ~3 s to import: only when checks actually run

    rules = all_rules(params)
    context = _context(database_url, docs_dir)
    actions = []
    if docs_dir is not None:
        actions.append(gx.checkpoint.UpdateDataDocsAction(name="data-docs", site_names=[SITE]))
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name="check-data-quality",
            validation_definitions=_suites(context, rules),
            actions=actions,
            # GE fetches an unexpected-rows query's rows anyway (keeping 200); COMPLETE passes
            # them on to Data Docs and the samples. Regex checks name their rows by key.
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": sorted({r.key for r in rules if r.key}),
            },
        )
    )
    run_id = gx.core.run_identifier.RunIdentifier(
        run_name="check-data-quality", run_time=datetime.now(UTC)
    )
    outcome = checkpoint.run(run_id=run_id)
    by_name = {r.name: r for r in rules}
    results = [
        _result(by_name[item.expectation_config.meta["rule"]], item)
        for run in outcome.run_results.values()
        for item in run.results
    ]
    index = docs_dir / "index.html" if docs_dir is not None else None
    return QualityReport(results=results, docs_index=str(index) if index else None)


def _suites(context, rules: list[Rule]) -> list:
    """One suite and validation definition per table, over a table asset of the database."""
    import great_expectations as gx

    source = context.data_sources.add_postgres(
        "crm", connection_string="${" + _URL_VARIABLE + "}", create_temp_table=False
    )
    definitions = []
    for table in dict.fromkeys(r.table for r in rules):
        expectations = [_expectation(r) for r in rules if r.table == table]
        suite = context.suites.add(gx.ExpectationSuite(name=table, expectations=expectations))
        batch = source.add_table_asset(table, table_name=table).add_batch_definition_whole_table(
            table
        )
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(name=table, data=batch, suite=suite)
            )
        )
    return definitions


def _expectation(rule: Rule):
    import great_expectations.expectations as gxe

    common = dict(description=rule.description, severity=rule.severity, meta={"rule": rule.name})
    if rule.sql is not None:
        return gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=unexpected_rows_query(rule), **common
        )
    return gxe.ExpectColumnValuesToMatchRegex(column=rule.column, regex=rule.regex, **common)


def _context(database_url: str, docs_dir: Path | None):
    """An in-memory context whose only Data Docs site is `docs_dir` (none: no docs)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if docs_dir is not None:
        # The folder holds the latest run only; earlier runs are in the Prefect artifacts.
        shutil.rmtree(docs_dir, ignore_errors=True)
        docs_dir.mkdir(parents=True, exist_ok=True)
        sites[SITE] = {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    return gx.get_context(
        mode="ephemeral",
        project_config=config,
        runtime_environment={_URL_VARIABLE: database_url},
    )


def _result(rule: Rule, item) -> RuleResult:
    result: dict[str, Any] = item.result or {}
    error = _error(item.exception_info)
    if rule.sql is not None:
        unexpected = result.get("observed_value")
        rows = (result.get("details") or {}).get("unexpected_rows") or []
        sample = [str(next(iter(row.values()))) for row in rows[:SAMPLE] if row]
    else:
        unexpected = result.get("unexpected_count")
        indexes = result.get("unexpected_index_list") or []
        sample = [str(i.get(rule.key)) for i in indexes[:SAMPLE] if isinstance(i, dict)]
    return RuleResult(
        name=rule.name,
        table=rule.table,
        severity=rule.severity,
        description=rule.description,
        success=bool(item.success) and error is None,
        unexpected=unexpected,
        sample=sample,
        error=error,
    )


def _error(info: Any) -> str | None:
    """The first exception message in GE's exception_info (flat or keyed by metric)."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "error").strip().splitlines()[0][:300]
    for value in info.values():
        if isinstance(value, dict) and (message := _error(value)):
            return message
    return None


class DataQualityFailed(CrmError):
    """A critical expectation failed; the message is the run's summary."""
