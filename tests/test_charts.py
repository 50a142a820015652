"""Inline SVG charts: well-formed, titled for screen readers, right labels at the right places."""

from __future__ import annotations

import datetime as dt
import itertools
import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal

from planbuilder.build import prepare
from planbuilder.compute import goal_path, kpi_view
from planbuilder.model import Goal, Kpi
from planbuilder.render.charts import Charts, TimeAxis, bar_chart, kpi_chart, nice_ticks
from planbuilder.render.formatting import Formatter
from planbuilder.render.labels import LABELS
from tests.conftest import SAMPLE, TODAY

SVG = "{http://www.w3.org/2000/svg}"
FMT = Formatter("en_US", "USD")


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def texts(root: ET.Element) -> list[str]:
    """Each text element's words; the lines of a wrapped one joined by a space."""
    return [" ".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_time_axis_maps_dates_linearly():
    axis = TimeAxis(dt.date(2027, 1, 1), dt.date(2027, 12, 31), 0, 364)
    assert axis.x(dt.date(2027, 1, 1)) == 0
    assert axis.x(dt.date(2027, 7, 2)) == 182
    assert axis.months()[0] == dt.date(2027, 1, 1)
    long_axis = TimeAxis(dt.date(2026, 1, 1), dt.date(2028, 12, 31), 0, 100)
    assert len(long_axis.months()) <= 12


def test_nice_ticks():
    # 520 / 5 ticks is a step of 104, rounded up to the next of 1, 2, 2.5, 5 × 100.
    assert nice_ticks(0, 520) == [0, 200, 400, 600]
    assert nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    ticks = nice_ticks(29.8, 48.1)
    assert ticks[0] <= 29.8 and ticks[-1] >= 48.1


def test_bar_chart_labels_and_lengths():
    root = parse(
        bar_chart(
            "b",
            [("Ana", Decimal("100")), ("Ben", Decimal("50")), ("Zero", Decimal(0))],
            FMT,
            "Budget",
        )
    )
    assert root.find(f"{SVG}title").text == "Budget"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "b-title b-desc"
    labels = texts(root)
    assert labels == ["Ana", "$100", "Ben", "$50"]
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("height") != root.get("height")]
    assert [float(b.get("width")) for b in bars] == [290, 145]  # proportional, largest first


def test_kpi_chart_plots_actuals_and_the_goal_path():
    kpi = Kpi(
        id="k",
        name="Subscribers",
        unit="count",
        actuals=(("2027-01", Decimal(100)), ("2027-02", Decimal(120)), ("2027-03", Decimal(130))),
    )
    goal = Goal(
        id="g", title="G", baseline=Decimal(100), target=Decimal(200), deadline=dt.date(2027, 6, 30)
    )
    path = goal_path(goal, dt.date(2027, 1, 1))
    view = replace(kpi_view(kpi), target_path=path)
    root = parse(kpi_chart("c", view, FMT, LABELS))
    assert root.find(f"{SVG}title").text == "Subscribers: monthly actuals against the target 200"
    assert root.find(f"{SVG}desc").text == "Jan 2027 100, Feb 2027 120, Mar 2027 130"
    line = next(root.iter(f"{SVG}polyline"))
    points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert len(points) == 3
    assert points[0][0] < points[1][0] < points[2][0]  # later months further right
    assert points[0][1] > points[1][1] > points[2][1]  # higher values further up
    target = next(e for e in root.iter(f"{SVG}line") if e.get("class") == "target-path")
    assert float(target.get("y2")) < float(target.get("y1"))  # rises to the target
    # The path starts on the plan's start (the axis' left edge) and ends at the deadline.
    assert float(target.get("x1")) == 64
    assert float(target.get("x2")) > points[-1][0]
    assert "200" in texts(root)  # the y axis reaches the target


def test_kpi_chart_draws_the_path_compute_gave_it(make_plan):
    """The goal's path (baseline on the plan date → target on the deadline) wins over the
    KPI's own target; a KPI no goal measures is drawn against its own target."""
    plan = make_plan(
        {
            "kpis.yaml": """                - id: subs
                  name: Subscribers
                  target: 900
                  target_date: 2027-12-31
                  actuals: {2027-02: 150, 2027-03: 180}
                - id: nps
                  name: NPS
                  target: 60
                  target_date: 2027-12-31
                  actuals: {2027-02: 40, 2027-03: 45}
            """,
            "goals.yaml": """                - id: grow
                  title: Grow
                  kpi: subs
                  baseline: 100
                  target: 500
                  deadline: 2027-12-31
            """,
        }
    )
    report = prepare(plan, today=TODAY).report
    subs, nps = report.kpis
    assert subs.target_path == (
        (dt.date(2027, 1, 15), Decimal(100)),
        (dt.date(2027, 12, 31), Decimal(500)),
    )
    assert report.goals[0].target_path == subs.target_path
    assert nps.target_path == (
        (dt.date(2027, 2, 28), Decimal(40)),
        (dt.date(2027, 12, 31), Decimal(60)),
    )
    charts = Charts(report, FMT, LABELS)
    assert parse(charts.kpi(subs)).find(f"{SVG}title").text.endswith("against the target 500")
    assert parse(charts.kpi(nps)).find(f"{SVG}title").text.endswith("against the target 60")


def test_sample_timeline_has_every_milestone_and_the_as_of_line():
    report = prepare(SAMPLE, today=TODAY).report
    charts = Charts(report, FMT, LABELS)
    root = parse(charts.timeline())
    labels = texts(root)
    for goal in report.plan.goals:
        assert goal.title in labels  # whole, never cut with "…"
    groups = [g for g in root.iter(f"{SVG}g") if "milestone" in (g.get("class") or "")]
    rows = sum(len(g.milestones) for g in report.goals)  # one row per goal a milestone advances
    assert len(groups) == rows > len(report.milestones)
    for milestone in report.plan.milestones:
        assert milestone.title in labels
    statuses = {g.get("class").split("status-")[1] for g in groups}
    assert statuses == {"done-on-time", "done-late", "overdue", "due-soon", "upcoming"}
    assert "As of Oct 31, 2026" in labels
    today = next(e for e in root.iter(f"{SVG}line") if e.get("class") == "today")
    assert today.get("x1") == today.get("x2")
    # Ids are numbered per page, so building twice gives the same markup.
    again = Charts(report, FMT, LABELS)
    assert str(again.timeline()) == str(Charts(report, FMT, LABELS).timeline())
    assert root.get("aria-labelledby") == "chart-1-title chart-1-desc"


def test_chart_text_is_escaped():
    root = parse(bar_chart("x", [("<b>A & B</b>", Decimal(5))], FMT, "T <i>"))
    assert "<b>A & B</b>" in texts(root)
    assert root.find(f"{SVG}title").text == "T <i>"


#: Width of the A4 portrait text column, in points, that a full-width chart is printed at.
COLUMN_PT = 174 * 72 / 25.4


def _boxes(root: ET.Element, y: str) -> list[tuple[float, float]]:
    """Horizontal extent of each text at baseline ``y`` (0.6 em a character, as DejaVu Sans
    digits and lower-case letters are at most that wide)."""
    boxes = []
    for e in root.iter(f"{SVG}text"):
        if e.get("y") != y:
            continue
        size, x, width = (
            float(e.get("font-size")),
            float(e.get("x")),
            0.6 * float(e.get("font-size")) * len(e.text or ""),
        )
        start = {"start": x, "middle": x - width / 2, "end": x - width}[e.get("text-anchor")]
        boxes.append((start, start + width))
        assert size > 0
    return sorted(boxes)


def test_money_and_timeline_charts_print_legibly_and_labels_do_not_overlap():
    report = prepare(SAMPLE, today=TODAY).report
    charts = Charts(report, FMT, LABELS)
    for markup in (charts.cash(), charts.revenue_and_expenses(), charts.timeline()):
        root = parse(markup)
        width = float(root.get("viewBox").split()[2])
        sizes = {float(e.get("font-size")) for e in root.iter(f"{SVG}text")}
        assert min(sizes) * COLUMN_PT / width >= 7 - 0.05  # points on paper
        axis_y = max(
            {e.get("y") for e in root.iter(f"{SVG}text") if "20" in (e.text or "")[-4:]},
            key=lambda y: sum(1 for e in root.iter(f"{SVG}text") if e.get("y") == y),
        )
        boxes = _boxes(root, axis_y)
        assert len(boxes) >= 3
        assert boxes[0][0] >= 0 and boxes[-1][1] <= width  # none cut at the edge
        for (_, right), (left, _) in itertools.pairwise(boxes):
            assert right <= left, (axis_y, boxes)


def test_scenario_lines_differ_by_dash_and_marker():
    report = prepare(SAMPLE, today=TODAY).report
    root = parse(Charts(report, FMT, LABELS).cash())
    lines = [e for e in root.iter(f"{SVG}polyline") if "series" in (e.get("class") or "")]
    assert len(lines) >= 3  # the base case and two scenarios
    dashes = [e.get("stroke-dasharray") for e in lines]
    assert len(set(dashes)) == len(lines)
    shapes = {
        e.tag for e in root.iter() if e.tag in (f"{SVG}rect", f"{SVG}circle", f"{SVG}polygon")
    }
    assert f"{SVG}polygon" in shapes and f"{SVG}circle" in shapes
