"""Charts for print: no label is cut short where there is room, every text stays inside
its chart, and every chart of the PDF is a numbered, titled figure."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal

import pytest

from planbuilder.build import prepare
from planbuilder.editions import editions
from planbuilder.render.charts import Charts, bar_chart, text_width
from planbuilder.render.formatting import Formatter
from planbuilder.render.labels import LABELS
from planbuilder.render.pdf import print_html
from tests.conftest import SAMPLE, TODAY

SVG = "{http://www.w3.org/2000/svg}"
FMT = Formatter("en_US", "USD")
LONG_MILESTONE = (
    "Sign the lease for the unit next door, obtain the building permit from the city "
    "and finish the fit-out of the tasting room before the holiday season"
)
LONG_GOAL = (
    "Open a tasting room that earns eighteen thousand dollars a month within a year of "
    "opening, with a second espresso bar and a roasting class every weekend"
)


def lines(root: ET.Element) -> list[tuple[str, float, float, float, str]]:
    """Every line of text drawn: (text, x, baseline, size, anchor); a wrapped text gives
    one entry per ``<tspan>``."""
    found = []
    for e in root.iter(f"{SVG}text"):
        x, y, size = float(e.get("x")), float(e.get("y")), float(e.get("font-size"))
        anchor = e.get("text-anchor")
        spans = list(e.iter(f"{SVG}tspan"))
        if not spans:
            found.append((e.text or "", x, y, size, anchor))
        for span in spans:
            y += float(span.get("dy") or 0)
            found.append((span.text or "", float(span.get("x")), y, size, anchor))
    return found


def whole_texts(root: ET.Element) -> list[str]:
    return [" ".join(e.itertext()) for e in root.iter(f"{SVG}text")]


def assert_inside(root: ET.Element) -> None:
    """Each line's box (text_width wide, one size tall) lies inside the viewBox."""
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    for text, x, y, size, anchor in lines(root):
        w = text_width(text, size)
        left = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
        assert left >= 0 and left + w <= width, (text, left, left + w, width)
        assert y - size >= 0 and y <= height, (text, y, height)


@pytest.fixture(scope="module")
def long_report():
    report = prepare(SAMPLE, today=TODAY).report
    first = report.milestones[0]
    views = (replace(first, milestone=replace(first.milestone, title=LONG_MILESTONE)),)
    goal = replace(report.goals[0], goal=replace(report.goals[0].goal, title=LONG_GOAL))
    goal = replace(goal, milestones=views)
    return replace(report, milestones=views, goals=(goal,))


def test_a_long_milestone_title_is_whole_and_stays_inside_the_timeline(long_report):
    root = ET.fromstring(str(Charts(long_report, FMT, LABELS).timeline()))
    texts = whole_texts(root)
    assert LONG_MILESTONE in texts and LONG_GOAL in texts
    assert not any("…" in t for t in texts)
    assert len([t for t in lines(root) if t[0] in LONG_MILESTONE]) >= 2  # wrapped
    assert_inside(root)


def test_a_wrapped_title_grows_its_row_so_that_rows_do_not_overlap(long_report):
    root = ET.fromstring(str(Charts(long_report, FMT, LABELS).timeline()))
    baselines = sorted(y for _, x, y, _, _ in lines(root) if x in (8, 16))
    assert all(b - a >= 13 for a, b in itertools.pairwise(baselines))


def test_the_sample_timeline_keeps_every_title_whole_inside_the_chart():
    report = prepare(SAMPLE, today=TODAY).report
    root = ET.fromstring(str(Charts(report, FMT, LABELS).timeline()))
    texts = whole_texts(root)
    for view in report.milestones:
        assert view.milestone.title in texts
    assert_inside(root)


def test_a_long_bar_label_wraps_instead_of_being_cut():
    label = "Relaunch the web shop with subscription management and a loyalty program"
    root = ET.fromstring(
        str(bar_chart("b", [(label, Decimal(900)), ("Ana", Decimal(100))], FMT, "Budget"))
    )
    assert label in whole_texts(root) and "Ana" in whole_texts(root)
    assert not any("…" in t for t in whole_texts(root))
    assert_inside(root)


def test_a_long_legend_wraps_onto_a_second_row_inside_the_cash_chart():
    report = prepare(SAMPLE, today=TODAY).report
    money = report.financials
    long = tuple(
        replace(p, scenario=replace(p.scenario, label=f"A long scenario name number {i}" * 2))
        for i, p in enumerate(money.scenarios)
    )
    report = replace(report, financials=replace(money, scenarios=long))
    root = ET.fromstring(str(Charts(report, FMT, LABELS).cash()))
    texts = whole_texts(root)
    for p in long:
        assert f"Scenario: {p.scenario.label}" in texts
    assert_inside(root)


def test_every_chart_of_the_pdf_is_a_numbered_figure_with_a_caption():
    prepared = prepare(SAMPLE, today=TODAY)
    for edition in editions(prepared.report.plan, prepared.theme):
        html, _ = print_html(prepared.report, prepared.theme, edition, root=SAMPLE)
        figures = re.findall(r"<figure class=\"chart-figure[^\"]*\">.*?</figure>", html, re.S)
        charts = [f for f in figures if "<svg" in f]
        assert charts, edition.name
        for figure in charts:
            assert re.search(r"<figcaption>\s*\S", figure), figure[-300:]
    assert 'figcaption::before { content: "Figure"' in html
