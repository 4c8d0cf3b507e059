"""Rendering a report: HTML and text from templates/reports, the tables as files, the charts
drawn once and saved, and a folder per audience under the reports folder.

Rendering is pure (report in, text out); only `save_report` and `audience_folder` write, and
every file they write appears whole (tasks/lead_exports.py writes through a temporary file).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from pydantic import BaseModel

from models.settings import get_settings
from tasks.mail import file_templates
from tasks.report_charts import charts_for
from tasks.report_satisfaction import GROUP_TITLES
from tasks.report_tables import Column, Report, Table, columns, show, write_tables

_env = file_templates()
_env.globals["show"] = show

ALL_LINES = "all-lines"


class ChartRef(BaseModel):
    name: str
    title: str
    filename: str


class SavedReport(BaseModel):
    """Where a report was saved, and its charts per line ("all" for the all-lines ones)."""

    folder: str
    charts: dict[str, list[ChartRef]]

    def line_charts(self, line_ids: Iterable[int | None]) -> dict[int | None, list[ChartRef]]:
        return {i: self.charts.get("all" if i is None else str(i), []) for i in line_ids}


def audience_label(report: Report) -> str:
    if report.is_all_lines:
        return "all lines"
    return ", ".join(line.name for line in report.lines) or "no line"


def audience_key(line_ids: set[int] | None) -> str:
    return ALL_LINES if line_ids is None else "line-" + "-".join(map(str, sorted(line_ids)))


def lines_without_head(report: Report) -> list[str]:
    return [line.name for line in report.lines if not line.heads]


def render(
    report: Report, charts: dict[int | None, list[ChartRef]], src: Callable[[ChartRef], str]
) -> tuple[str, str, str]:
    """(subject, text, HTML) of the report for its audience; `src` places each chart."""
    context = {
        "report": report,
        "audience": audience_label(report),
        # Only readers of every line learn which lines had nobody to send to.
        "lines_without_head": lines_without_head(report) if report.is_all_lines else [],
        "line_charts": {
            i: [{"title": c.title, "src": src(c)} for c in refs] for i, refs in charts.items()
        },
        "segment_table": lambda line_id: segment_table(report, line_id),
        "sender_details": get_settings().mail_from,
    }

    def part(suffix: str, **extra) -> str:
        return _env.get_template(f"reports/{report.kind}.{suffix}").render(**context, **extra)

    subject = " ".join(part("subject.txt").split())
    return subject, part("txt"), part("html", title=subject)


def segment_table(report: Report, line_id: int | None) -> Table:
    """Answers, NPS and group means side by side per slice (values looked up, not computed)."""
    means = {
        (r["slice"], r["value"], r["grp"] or "overall"): r["mean_score"]
        for r in report.table("scores").where(line_id=line_id, item=None)
    }
    rows = [
        {**r, **{g: means.get((r["slice"], r["value"], g)) for g in (*GROUP_TITLES, "overall")}}
        for r in report.table("responses").where(line_id=line_id)
    ]
    cols = [
        *columns(
            "slice_title:text Slice",
            "value:text Value",
            "invited Invited",
            "answered Answered",
            "response_rate:pct Response rate",
            "nps:nps NPS",
        ),
        *(Column(key=g, title=t, fmt="score") for g, t in GROUP_TITLES.items()),
        *columns("overall:score Overall", "low_answers Low answers", "low_followed_up Followed up"),
    ]
    return Table(name="segments", title="By segment and owner", columns=cols, rows=rows)


def report_folder(report: Report) -> Path:
    return get_settings().reports_dir / report.kind / report.key


def save_report(report: Report) -> SavedReport:
    """Charts once, then the all-lines folder and one folder per line."""
    folder = report_folder(report)
    saved = SavedReport(folder=str(folder), charts={})
    line_keys = [line.line_id for line in report.lines]
    for line_id in ([None] if report.is_all_lines else []) + line_keys:
        refs = []
        for chart in charts_for(report, line_id):
            _write_bytes(folder / "charts" / chart.filename, chart.png)
            refs.append(ChartRef(name=chart.name, title=chart.title, filename=chart.filename))
        saved.charts["all" if line_id is None else str(line_id)] = refs
    audience_folder(saved, report, None)
    for line_id in line_keys:
        audience_folder(saved, report, {line_id})
    return saved


def audience_folder(saved: SavedReport, report: Report, line_ids: set[int] | None) -> Path:
    """What one audience gets, as files: report.html (charts by path), report.txt, the CSVs
    and the XLSX."""
    cut = report.for_lines(line_ids)
    folder = Path(saved.folder) / audience_key(line_ids)
    write_tables(folder, cut.tables.values())
    keys = ([None] if cut.is_all_lines else []) + [line.line_id for line in cut.lines]
    _, text, html = render(cut, saved.line_charts(keys), lambda c: f"../charts/{c.filename}")
    _write_bytes(folder / "report.html", html.encode("utf-8"))
    _write_bytes(folder / "report.txt", text.encode("utf-8"))
    return folder


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
