"""Charts of a report, one set per business line, as PNG images for the letter and the folder.

Drawn with matplotlib's object API on the Agg canvas: no pyplot, so no global figure state and
no display needed on a worker. A chart with nothing to show is left out, not drawn empty.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pydantic import BaseModel

from tasks.report_satisfaction import GROUP_TITLES
from tasks.report_tables import Report

COLOURS = ("#2f6db5", "#5aa469", "#e3a33b", "#c8553d", "#8a6fb0")
_WIDTH, _ROW_HEIGHT, _MIN_HEIGHT = 7.2, 0.32, 2.4
# Bars per rep chart: a line of 40 reps reads better (and draws faster) as its busiest 15.
MAX_BARS = 15


class Chart(BaseModel):
    name: str  # unique in the report: "line-3-contacts"
    title: str
    png: bytes

    @property
    def filename(self) -> str:
        return f"{self.name}.png"


def charts_for(report: Report, line_id: int | None) -> list[Chart]:
    """The charts of one line (None: all lines, where the kind has such charts)."""
    makers: dict[str, Callable[[Report, int | None], tuple[str, Figure] | None]]
    if report.kind == "management":
        makers = {"contacts": _contacts, "meetings": _meetings, "funnel": _funnel}
    else:
        makers = {"groups": _groups, "trend": _trend}
    prefix = f"line-{line_id}" if line_id is not None else "all-lines"
    charts = []
    for name, make in makers.items():
        drawn = make(report, line_id)
        if drawn is not None:
            title, figure = drawn
            charts.append(Chart(name=f"{prefix}-{name}", title=title, png=_png(figure)))
    return charts


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    # Light compression: the encoder was a third of a chart's cost; the files stay small.
    FigureCanvasAgg(figure).print_png(out, pil_kwargs={"compress_level": 1})
    return out.getvalue()


def _figure(rows: int, left: float = 0.36, right: float = 0.95) -> Figure:
    """Fixed margins in inches (names on the left, the legend above, the axis label below):
    tight_layout would draw every chart twice to measure it, the larger part of its cost."""
    height = max(_MIN_HEIGHT, 0.9 + rows * _ROW_HEIGHT)
    figure = Figure(figsize=(_WIDTH, height), dpi=100)
    figure.subplots_adjust(left=left, right=right, bottom=0.55 / height, top=1 - 0.4 / height)
    return figure


def _axes(figure: Figure):
    ax = figure.add_subplot()
    ax.tick_params(labelsize=9)
    return ax


def _short(name: str, limit: int = 28) -> str:
    name = re.sub(r"\s+", " ", name or "")
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _rep_rows(report: Report, line_id: int | None) -> list[dict]:
    return [r for r in report.table("workload").where(line_id=line_id) if not r["is_total"]]


def _stacked(ax, labels: list[str], series: dict[str, list[int]], colours=COLOURS) -> None:
    left = [0] * len(labels)
    for (name, values), colour in zip(series.items(), colours, strict=False):
        ax.barh(labels, values, left=left, label=name, color=colour)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()
    _legend(ax)


def _legend(ax, handles=None) -> None:
    """Above the plot, so it never hides a bar."""
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncol=4,
        fontsize=8,
        frameon=False,
    )
    ax.spines[["top", "right"]].set_visible(False)


def _busiest(rows: list[dict], measure: Callable[[dict], int]) -> tuple[list[dict], str]:
    """The reps with the most to show, at most MAX_BARS of them (all are in the tables)."""
    rows = [r for r in rows if measure(r)]
    kept = sorted(rows, key=lambda r: (-measure(r), r["employee"]))[:MAX_BARS]
    note = f" (the {len(kept)} busiest of {len(rows)})" if len(kept) < len(rows) else ""
    return kept, note


def _contacts(report: Report, line_id: int | None):
    rows, note = _busiest(
        _rep_rows(report, line_id), lambda r: r["calls"] + r["emails"] + r["meetings"]
    )
    if line_id is None or not rows:
        return None
    figure = _figure(len(rows))
    ax = _axes(figure)
    _stacked(
        ax,
        [_short(r["employee"]) for r in rows],
        {
            "calls": [r["calls"] for r in rows],
            "e-mails": [r["emails"] for r in rows],
            "meetings": [r["meetings"] for r in rows],
        },
    )
    ax.set_xlabel("contacts held in the period")
    return "Contacts per rep" + note, figure


def _meetings(report: Report, line_id: int | None):
    rows, note = _busiest(_rep_rows(report, line_id), lambda r: r["meetings_planned"])
    if line_id is None or not rows:
        return None
    figure = _figure(len(rows))
    ax = _axes(figure)
    _stacked(
        ax,
        [_short(r["employee"]) for r in rows],
        {
            "held": [r["meetings_held"] for r in rows],
            "no-show": [r["no_shows"] for r in rows],
            "cancelled": [r["meetings_cancelled"] for r in rows],
            "no outcome yet": [r["meetings_open"] for r in rows],
        },
        colours=(COLOURS[1], COLOURS[3], COLOURS[2], "#9a9a9a"),
    )
    ax.set_xlabel("meetings planned for the period, by outcome")
    return "Meetings planned vs held" + note, figure


def _funnel(report: Report, line_id: int | None):
    rows = [r for r in report.table("funnel").where(line_id=line_id) if not r["is_lost"]]
    if line_id is None or not any(r["entered"] or r["in_stage"] for r in rows):
        return None
    figure = _figure(len(rows))
    ax = _axes(figure)
    labels = [_short(r["stage"]) for r in rows]
    entered = [int(r["entered"] or 0) for r in rows]
    held = [int(r["in_stage"] or 0) for r in rows]
    stuck = [int(r["stuck_in_stage"] or 0) for r in rows]
    y = list(range(len(rows)))
    ax.barh([n - 0.2 for n in y], entered, height=0.4, color=COLOURS[0], label="entered")
    ax.barh([n + 0.2 for n in y], held, height=0.4, color=COLOURS[4], label="in it at the end")
    ax.barh([n + 0.2 for n in y], stuck, height=0.4, color=COLOURS[3], label="of them, stuck")
    ax.set_yticks(y, labels)
    for n, row in enumerate(rows):
        if row["conversion_to_next"] is not None:
            note = f"  {float(row['conversion_to_next']) * 100:.0f}% moved on"
            ax.text(entered[n], n - 0.2, note, va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(entered + held) * 1.3)
    _legend(ax)
    return "Sales-stage funnel", figure


def _trend_rows(report: Report, line_id: int | None) -> list[dict]:
    return report.table("trend").where(line_id=line_id)


def _groups(report: Report, line_id: int | None):
    waves = [r for r in _trend_rows(report, line_id) if r["overall"] is not None][-2:]
    if not waves or not waves[-1]["is_this_wave"]:
        return None
    figure = _figure(len(GROUP_TITLES))
    ax = _axes(figure)
    height = 0.8 / len(waves)
    colours = (COLOURS[4], COLOURS[0]) if len(waves) == 2 else (COLOURS[0],)
    for n, (wave, colour) in enumerate(zip(waves, colours, strict=True)):
        values = [float(wave[g]) if wave[g] is not None else 0 for g in GROUP_TITLES]
        positions = [i + n * height for i in range(len(GROUP_TITLES))]
        ax.barh(positions, values, height=height, color=colour, label=_short(wave["wave"], 40))
    ax.set_yticks(
        [i + height * (len(waves) - 1) / 2 for i in range(len(GROUP_TITLES))],
        [_short(t) for t in GROUP_TITLES.values()],
    )
    ax.set_xlim(1, 5)
    ax.invert_yaxis()
    ax.set_xlabel("mean score, 1-5")
    _legend(ax)
    return "Scores by dimension", figure


def _trend(report: Report, line_id: int | None):
    waves = _trend_rows(report, line_id)
    if len([w for w in waves if w["answered"]]) < 2:
        return None
    figure = _figure(6, left=0.08, right=0.92)
    score_ax = _axes(figure)
    score_ax.margins(x=0.12)
    labels = [_short(w["wave"], 18) for w in waves]
    score_ax.plot(
        labels,
        [_num(w["overall"]) for w in waves],
        marker="o",
        color=COLOURS[0],
        label="overall score (1-5)",
    )
    score_ax.set_ylim(1, 5)
    nps_ax = score_ax.twinx()
    nps_ax.plot(labels, [_num(w["nps"]) for w in waves], marker="s", color=COLOURS[3], label="NPS")
    nps_ax.set_ylim(-100, 100)
    handles = score_ax.get_legend_handles_labels()[0] + nps_ax.get_legend_handles_labels()[0]
    _legend(score_ax, handles)
    return "Trend over waves", figure


def _num(value) -> float:
    return float("nan") if value is None else float(value)
