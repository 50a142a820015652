"""The site read at a desktop width (1280 px) and a phone width (390 px): no text is cut off
unless its box scrolls sideways and says so, chart text stays readable, the statements keep
their line names and fiscal-year totals in view, captions wrap, and phone tables show their
values at first sight."""

from __future__ import annotations

import shutil
from contextlib import contextmanager

import pytest

from planbuilder.build import build
from tests.conftest import SAMPLE, TODAY

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
#: The dashboard, financials (statements, scenarios, sources and uses) and milestones pages.
PAGES = ("index.html", "financials.html", "milestones.html")

#: Opens every <details>, then waits two frames so that scroll-state queries (the hints)
#: see the new layout.
SETTLE = """() => {
  document.querySelectorAll('main details').forEach(d => { d.open = true; });
  return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""

#: Shared by the checks below: the horizontal span of an element's content that the reader
#: can see (the viewport cut by every clipping ancestor), and the box that scrolls it.
VISIBLE = """
const viewportWidth = document.documentElement.clientWidth;
function visibleSpan(el) {
  let left = 0, right = viewportWidth, scroller = null;
  for (let a = el.parentElement; a; a = a.parentElement) {
    const style = getComputedStyle(a);
    if (style.overflowX === 'visible') continue;
    const box = a.getBoundingClientRect();
    left = Math.max(left, box.left + a.clientLeft);
    right = Math.min(right, box.left + a.clientLeft + a.clientWidth);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX);
    if (!scroller && scrolls && a.scrollWidth > a.clientWidth + 1) scroller = a;
  }
  return {left, right, scroller};
}
function saysItScrolls(box) {
  const hint = box.querySelector(':scope > .scroll-hint');
  if (!hint || !hint.checkVisibility()) return false;
  const r = hint.getBoundingClientRect();
  return r.width > 0 && r.left >= -0.5 && r.right <= viewportWidth + 0.5;
}
function describe(el, text) {
  const name = el.className.baseVal ?? el.className;
  return `<${el.tagName.toLowerCase()} class="${name}"> "${text.trim().slice(0, 40)}"`;
}
"""

#: Every piece of text in main whose box reaches past what the reader sees, unless the box
#: that cuts it scrolls sideways and shows its hint.
CUT_TEXT = (
    "() => {"
    + VISIBLE
    + """
  const found = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.data.trim() || el.closest('title, desc, style, script')) continue;
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const {left, right, scroller} = visibleSpan(el);
    for (const r of range.getClientRects()) {
      if (r.width < 1 || r.height < 1) continue;
      if (r.left >= left - 1 && r.right <= right + 1) continue;
      if (scroller && saysItScrolls(scroller)) continue;
      found.push(`${describe(el, node.data)} spans ${Math.round(r.left)}–${Math.round(r.right)}` +
                 ` px; visible ${Math.round(left)}–${Math.round(right)} px`);
      break;
    }
  }
  return found;
}"""
)

#: Hints shown on boxes that do not scroll (a hint must never say so falsely).
FALSE_HINTS = """() => [...document.querySelectorAll('main .scroll-hint')]
  .filter(h => h.checkVisibility())
  .filter(h => h.parentElement.scrollWidth <= h.parentElement.clientWidth + 1)
  .map(h => h.parentElement.className)"""

#: The rendered size, in CSS px, of every visible text of a chart.
CHART_TEXT_PX = """() => [...document.querySelectorAll('main svg.chart text')]
  .filter(t => t.checkVisibility())
  .map(t => [t.textContent, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a])"""


@contextmanager
def opened(browser, site, name, width, scheme="light"):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto((site / name).as_uri())
        page.evaluate(SETTLE)
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_no_text_is_cut_off_unless_its_box_scrolls_and_says_so(browser, sample_site, name, width):
    with opened(browser, sample_site, name, width) as page:
        assert page.evaluate(CUT_TEXT) == []
        assert page.evaluate(FALSE_HINTS) == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["financials.html", "milestones.html", "goals.html", "kpis.html"])
def test_chart_text_renders_at_9_css_px_or_more(browser, sample_site, name, width):
    with opened(browser, sample_site, name, width) as page:
        sizes = page.evaluate(CHART_TEXT_PX)
        assert sizes, f"{name} has no chart text"
        small = [(text, round(px, 1)) for text, px in sizes if px < 9 - 1e-6]
        assert small == [], small[:5]


#: For each statement table: where its line names, its first month and its fiscal-year total
#: are, against the visible span of its scrolling box; and their backgrounds.
STATEMENT_CELLS = (
    "() => {"
    + VISIBLE
    + """
  return [...document.querySelectorAll('main .statement-table')].map(table => {
    const head = table.querySelector('thead tr');
    const name = table.querySelector('tbody th.line-name');
    const month = head.querySelector('th:nth-child(2)');
    const total = head.querySelector('th.fy-total');
    const box = r => { const b = r.getBoundingClientRect(); return [b.left, b.right]; };
    const bg = c => getComputedStyle(c).backgroundColor;
    const span = visibleSpan(name);
    return {
      caption: table.caption.textContent.slice(0, 30), visible: [span.left, span.right],
      name: box(name), month: box(month), total: total && box(total),
      totalText: total && total.textContent, backgrounds: [bg(name), total && bg(total)],
    };
  });
}"""
)


def _inside(cell, visible):
    return cell[0] >= visible[0] - 1 and cell[1] <= visible[1] + 1


@pytest.mark.parametrize("width", WIDTHS)
def test_statements_keep_line_names_and_fiscal_year_totals_in_view(browser, sample_site, width):
    with opened(browser, sample_site, "financials.html", width) as page:
        tables = page.evaluate(STATEMENT_CELLS)
        assert len(tables) >= 3 and all(t["total"] for t in tables)
        for t in tables:  # at first sight: names, the first month and the year's total
            assert _inside(t["name"], t["visible"]), t
            assert _inside(t["month"], t["visible"]), t
            assert _inside(t["total"], t["visible"]), t
            assert t["totalText"].startswith("FY "), t
        # Scrolled to the middle of the months, the names and the total stay where they were,
        # on an opaque background, so that the months slide under them.
        page.evaluate(
            "() => document.querySelectorAll('main .statement-wrap').forEach(w => {"
            " w.scrollLeft = (w.scrollWidth - w.clientWidth) / 2; })"
        )
        page.evaluate(SETTLE)
        scrolled = page.evaluate(STATEMENT_CELLS)
        assert any(
            s["month"][0] < t["month"][0] - 50 for s, t in zip(scrolled, tables, strict=True)
        )
        for t in scrolled:
            assert _inside(t["name"], t["visible"]), t
            assert _inside(t["total"], t["visible"]), t
            assert t["total"][0] >= t["name"][1] - 1, t  # the total never covers the names
            assert "rgba(0, 0, 0, 0)" not in t["backgrounds"], t


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_sticky_statement_cells_are_opaque_in_both_colour_schemes(browser, sample_site, scheme):
    with opened(browser, sample_site, "financials.html", 390, scheme) as page:
        colours = page.evaluate(
            "() => [...document.querySelectorAll('.statement-table :is(.line-name, .fy-total)')]"
            ".map(c => getComputedStyle(c).backgroundColor)"
        )
    assert colours and all(c.startswith("rgb(") for c in colours), set(colours)


#: Captions: the caption's own overflow, and its box against the span the reader sees.
CAPTIONS = (
    "() => {"
    + VISIBLE
    + """
  return [...document.querySelectorAll('main caption')].filter(c => c.checkVisibility()).map(c => {
    const {left, right} = visibleSpan(c), r = c.getBoundingClientRect();
    return {text: c.textContent.trim().slice(0, 40), overflow: c.scrollWidth - c.clientWidth,
            cut: Math.max(0, r.right - right, left - r.left)};
  });
}"""
)


@pytest.mark.parametrize("width", WIDTHS)
# Counts: the captions the page has (the statements' pages, the funds and loan tables;
# tables under a heading with the same words have none), so that none is missed.
@pytest.mark.parametrize(("name", "count"), [("financials.html", 18), ("milestones.html", 1)])
def test_captions_wrap_within_what_the_reader_sees(browser, sample_site, name, count, width):
    with opened(browser, sample_site, name, width) as page:
        captions = page.evaluate(CAPTIONS)
    assert len(captions) >= count
    clipped = [c for c in captions if c["overflow"] > 0 or c["cut"] > 1]
    assert clipped == []


def _cells_on_screen(page, selector: str) -> list[str]:
    """The text of each cell matched by ``selector`` that lies off a 390 px screen."""
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector)]
          .filter(c => c.checkVisibility())
          .filter(c => { const r = c.getBoundingClientRect(); return r.left < 0 || r.right > 390; })
          .map(c => c.textContent.trim())""",
        selector,
    )


def test_on_a_phone_tables_show_their_values_at_first_sight(browser, sample_site):
    with opened(browser, sample_site, "financials.html", 390) as page:
        for table in ("scenario-table", "annual-table", "milestone-spend-table", "dscr-table"):
            cells = page.locator(f"main table.{table} tbody td")
            assert cells.count() > 0, table
            assert _cells_on_screen(page, f"main table.{table} :is(thead th, tbody td)") == []
        # Spending by milestone: each title wraps above its date and amount.
        row = page.locator("main table.milestone-spend-table tbody tr").first
        title, amount = row.locator("th").bounding_box(), row.locator("td").last.bounding_box()
        assert amount["y"] >= title["y"] + title["height"] - 1
    with opened(browser, sample_site, "milestones.html", 390) as page:
        reasons = page.locator("main table.history-table td.reason")
        assert reasons.count() >= 3
        assert _cells_on_screen(page, "main table.history-table td") == []
        assert "manufacturer" in reasons.first.inner_text()


EMPTY_BORDERED_CELLS = """() => [...document.querySelectorAll('.milestone-table tfoot tr')]
  .filter(row => row.checkVisibility())
  .flatMap(row => [...row.cells])
  .filter(cell => cell.checkVisibility() && !cell.textContent.trim())
  .filter(cell => ['Top', 'Bottom'].some(side =>
    parseFloat(getComputedStyle(cell)['border' + side + 'Width']) > 0))
  .length"""


def test_the_milestone_total_on_a_phone_is_one_clean_line(browser, sample_site):
    with opened(browser, sample_site, "milestones.html", 390) as page:
        totals = page.locator("table.milestone-table tfoot tr")

        def shown():
            return [" ".join(r.inner_text().split()) for r in totals.all() if r.is_visible()]

        assert shown() == ["Total $186,500.00"]
        assert page.evaluate(EMPTY_BORDERED_CELLS) == 0
        page.get_by_role("radio", name="Overdue", exact=True).check()
        assert shown() == ["Total 1 milestones $4,000.00"]
        assert page.evaluate(EMPTY_BORDERED_CELLS) == 0
        # The filtered total is laid out like the full one: one flex line, not a table row.
        display = totals.filter(visible=True).first.evaluate("r => getComputedStyle(r).display")
        assert display == "flex"


@pytest.fixture(scope="module")
def spanish_site(tmp_path_factory):
    """The sample's site in Spanish: longer words and amounts ("125.700 US$")."""
    plan = tmp_path_factory.mktemp("es") / "plan"
    shutil.copytree(SAMPLE, plan, ignore=shutil.ignore_patterns("_build"))
    meta = plan / "plan.yaml"
    text = meta.read_text(encoding="utf-8")
    assert "locale: en_US" in text
    meta.write_text(text.replace("locale: en_US", "locale: es_ES"), encoding="utf-8")
    result = build(plan, plan / "_build", today=TODAY, pdf=False)
    assert result.ok
    return result.site_dir


@pytest.mark.parametrize("name", ["index.html", "financials.html"])
def test_a_spanish_site_fits_a_phone_too(browser, spanish_site, name):
    with opened(browser, spanish_site, name, 390) as page:
        assert page.evaluate(CUT_TEXT) == []
