"""The timeline keeps drawn rows between builds (the dev server): a drawing made with
rows kept from an earlier plan is the drawing made from nothing."""

from __future__ import annotations

from planbuilder.build import prepare
from planbuilder.render import charts
from planbuilder.render.formatting import Formatter
from planbuilder.render.labels import labels_for

from .conftest import TODAY

EDITS = [
    ("Relaunch the web shop", "Rebuild the web shop and its subscription pages, all of them"),
    ("done: 2026-04-27", "done: 2026-05-03"),  # done late now: a line, another marker
    ("due: 2026-06-30", "due: 2027-09-30"),  # the axis grows: every row moves
    (
        "  budget: 3200.00\n",
        "  budget: 3200.00\n  history:\n    - {date: 2026-05-01, due: 2026-06-01, reason: Late}\n",
    ),
]


def _drawn(plan):
    report = prepare(plan, today=TODAY).report
    fmt = Formatter(report.plan.meta.locale, report.plan.meta.currency)
    return charts.timeline("chart-1", report, fmt, labels_for(report.plan.meta.locale))


def test_rows_kept_from_earlier_drawings_draw_what_a_fresh_drawing_does(sample_copy):
    path = sample_copy / "milestones.yaml"
    _drawn(sample_copy)
    for old, new in EDITS:
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
        kept = _drawn(sample_copy)
        assert charts._TIMELINE_ROWS  # rows were kept
        charts._TIMELINE_ROWS.clear()
        charts._TIMELINE_WRAPS.clear()
        assert kept == _drawn(sample_copy), new
