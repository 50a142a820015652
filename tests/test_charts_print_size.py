"""Charts for print: text of 7 pt or more on paper, whole-unit ticks, month labels kept
inside the chart without overlap, and the budget-by-goal chart's note on shared milestones."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from decimal import Decimal

import pdfplumber
import pytest

from planbuilder.build import build, prepare
from planbuilder.compute import kpi_view
from planbuilder.model import Kpi
from planbuilder.render.charts import Charts, kpi_chart, text_width
from planbuilder.render.formatting import Formatter
from planbuilder.render.labels import LABELS
from tests.conftest import SAMPLE, TODAY

SVG = "{http://www.w3.org/2000/svg}"
FMT = Formatter("en_US", "USD")
#: The smallest type allowed on paper. A PDF stores sizes as floats (7 pt reads 6.99999),
#: so the check allows that rounding and nothing more.
MIN_PT = 7.0
ROUNDING = 0.005


def _small_text(path) -> list[str]:
    """Each run of glyphs under 7 pt in the PDF at ``path``: page, size and text."""
    found = []
    with pdfplumber.open(str(path)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            small = [c for c in page.chars if c["size"] < MIN_PT - ROUNDING]
            if small:
                text = "".join(c["text"] for c in small)[:60]
                found.append(f"page {number}: {min(c['size'] for c in small):.2f} pt {text!r}")
    return found


def test_every_character_of_every_edition_is_at_least_7_pt(sample_build, spanish_build):
    """No fine print anywhere: body, tables, running heads and chart text alike."""
    paths = [*sample_build.pdf_paths, *spanish_build.pdf_paths]
    assert len(paths) >= 6
    for path in paths:
        assert _small_text(path) == [], path.name


def _compact(text: str | None) -> str:
    return "".join((text or "").split())


def test_kpi_chart_text_is_in_the_goals_chapter_as_text(sample_build):
    """The 7 pt check sees the KPI charts: their legend and ticks are glyphs in the PDF."""
    internal = next(p for p in sample_build.pdf_paths if p.stem.endswith("-internal"))
    with pdfplumber.open(str(internal)) as pdf:
        # Chart text is placed glyph by glyph: compare without spaces.
        pages = [page for page in pdf.pages if "Targetpath" in _compact(page.extract_text())]
        assert pages, "no KPI chart legend in the internal edition"
        for page in pages:
            legend = [c for c in page.chars if c["text"] in "Target path"]
            assert min(c["size"] for c in legend) >= MIN_PT - ROUNDING


def _tick_labels(root: ET.Element) -> list[str]:
    """The value axis' labels (right-aligned text)."""
    return [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]


def _kpi(unit: str, values: list[str], first: int = 1, year: int = 2026) -> Kpi:
    actuals = tuple(
        (f"{year + (first - 1 + i) // 12}-{(first - 1 + i) % 12 + 1:02d}", Decimal(v))
        for i, v in enumerate(values)
    )
    return Kpi(id="k", name="K", unit=unit, actuals=actuals)


def test_money_kpi_ticks_with_a_whole_step_have_no_cents():
    kpi = _kpi("money", ["27.40", "33.10", "41.85", "48.20"])
    ticks = _tick_labels(ET.fromstring(str(kpi_chart("c", kpi_view(kpi), FMT, LABELS))))
    assert ticks == ["$25", "$30", "$35", "$40", "$45", "$50"]


def test_money_kpi_ticks_with_a_step_in_cents_keep_them():
    kpi = _kpi("money", ["1.25", "1.60", "2.05"])
    ticks = _tick_labels(ET.fromstring(str(kpi_chart("c", kpi_view(kpi), FMT, LABELS))))
    assert ticks[:3] == ["$1.20", "$1.40", "$1.60"]


def _month_boxes(root: ET.Element, y: float) -> list[tuple[float, float, str]]:
    """(left, right, text) of each centred month label on the baseline ``y``."""
    boxes = []
    for t in root.iter(f"{SVG}text"):
        if t.get("text-anchor") == "middle" and float(t.get("y")) == y:
            half = text_width(t.text, float(t.get("font-size"))) / 2
            boxes.append((float(t.get("x")) - half, float(t.get("x")) + half, t.text))
    return boxes


@pytest.mark.parametrize(
    ("locale", "currency", "months", "last"),
    [
        ("en_US", "USD", 12, "2027-01"),
        ("es_ES", "EUR", 12, "2027-01"),
        # Longer spans are thinned to every n-th month: the last label may be earlier.
        ("en_US", "USD", 30, "2028-07"),
        ("vi_VN", "VND", 18, "2027-05"),
    ],
)
def test_kpi_month_labels_stay_inside_the_chart_and_never_overlap(locale, currency, months, last):
    """The axis ends on the first of the month after the last value (on a year's span, the
    next January, at the right edge): every label is whole inside the viewBox, and the
    labels' boxes do not touch."""
    fmt = Formatter(locale, currency)
    kpi = _kpi("count", [str(100 + 7 * i) for i in range(months)])
    root = ET.fromstring(str(kpi_chart("c", kpi_view(kpi), fmt, LABELS)))
    width = float(root.get("viewBox").split()[2])
    boxes = _month_boxes(root, 184 + 17)
    assert len(boxes) >= 3
    assert boxes[-1][2] == fmt.month(last)
    for left, right, text in boxes:
        assert left >= 0, text
        assert right <= width, text
    for (_, right, a), (left, _, b) in itertools.pairwise(boxes):
        assert right < left, (a, b)


def test_kpi_chart_text_prints_at_7_pt_in_its_print_width():
    """A KPI chart prints at 60 % of a 174 mm A4 column; its smallest text × that scale is
    7 pt or more."""
    kpi = _kpi("money", ["27.40", "33.10", "41.85", "48.20"])
    root = ET.fromstring(str(kpi_chart("c", kpi_view(kpi), FMT, LABELS)))
    width = float(root.get("viewBox").split()[2])
    pt_per_unit = 0.6 * 174 / 25.4 * 72 / width
    smallest = min(float(t.get("font-size")) for t in root.iter(f"{SVG}text"))
    assert smallest * pt_per_unit >= MIN_PT


NOTE = LABELS["budget_by_goal_shared"]


def test_budget_by_goal_notes_a_milestone_counted_under_several_goals(sample_build):
    """The sample's roaster upgrade advances two goals: the site's and the internal PDF's
    budget-by-goal chart say its budget counts under each."""
    html = (sample_build.site_dir / "milestones.html").read_text(encoding="utf-8")
    assert html.count(str(NOTE)) == 1
    internal = next(p for p in sample_build.pdf_paths if p.stem.endswith("-internal"))
    with pdfplumber.open(str(internal)) as pdf:
        text = "".join(_compact(page.extract_text()) for page in pdf.pages)
    assert "countsundereachofthem" in text
    report = prepare(SAMPLE, today=TODAY).report
    assert Charts(report, FMT, LABELS).budget_by_goal_note() == str(NOTE)


ONE_GOAL_EACH = {
    "goals.yaml": """\
        - id: a
          title: Goal A
        - id: b
          title: Goal B
        """,
    "milestones.yaml": """\
        - id: m1
          title: First step
          due: 2027-03-31
          budget: 1000
          goals: [a]
        - id: m2
          title: Second step
          due: 2027-05-31
          budget: 2000
          goals: [b]
        """,
}


def test_budget_by_goal_has_no_note_when_each_milestone_serves_one_goal(make_plan, tmp_path):
    root = make_plan(ONE_GOAL_EACH)
    result = build(root, tmp_path / "out", today=TODAY, pdf=False)
    assert result.ok
    html = (result.site_dir / "milestones.html").read_text(encoding="utf-8")
    assert "Budget by goal" in html
    assert str(NOTE) not in html


def test_budget_by_goal_note_appears_when_a_budgeted_milestone_serves_two_goals(make_plan):
    files = dict(ONE_GOAL_EACH)
    files["milestones.yaml"] = files["milestones.yaml"].replace("goals: [b]", "goals: [a, b]")
    report = prepare(make_plan(files), today=TODAY).report
    assert Charts(report, FMT, LABELS).budget_by_goal_note() == str(NOTE)
