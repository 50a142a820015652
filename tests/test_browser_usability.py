"""The built site in a real browser, as a reader uses it: search, a phone, dark mode,
no script errors, and no serious accessibility violations (axe-core) on any page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

#: axe-core, installed for the tests only by tests/run.sh (`npm install axe-core`).
AXE = Path(__file__).resolve().parent.parent / ".test-tools/node_modules/axe-core/axe.min.js"


def site_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_search_finds_a_milestone_by_a_word_in_its_title(page, sample_site):
    page.goto((sample_site / "milestones.html").as_uri())
    page.get_by_role("searchbox", name="Search the plan").first.fill("afterburner")
    page.get_by_role("button", name="Search").first.click()
    page.wait_for_url("**/search.html?q=afterburner")
    found = page.locator("#search-results li:visible a")
    titles = found.all_inner_texts()
    assert "Install the 15 kg roaster and afterburner" in titles
    assert len(titles) <= 3, titles  # the chapters that mention it, not everything
    found.get_by_text("Install the 15 kg roaster and afterburner").click()
    page.wait_for_url("**/milestones.html#milestone-roaster-upgrade")
    # Typing narrows the list as one types; words may come in any order and case.
    page.goto((sample_site / "search.html").as_uri())
    page.locator("#search-q").fill("ROASTER install")
    assert "Install the 15 kg roaster and afterburner" in found.all_inner_texts()
    page.locator("#search-q").fill("no-such-word-anywhere")
    assert found.count() == 0
    assert page.locator("#search-none").is_visible()


def test_search_finds_words_of_a_chapter_body(page, sample_site):
    page.goto((sample_site / "search.html").as_uri() + "?q=" + "tasting")
    titles = page.locator("#search-results li:visible a").all_inner_texts()
    assert "Market" in titles or "Operations" in titles, titles


def test_search_page_lists_everything_without_javascript(browser, sample_site):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((sample_site / "search.html").as_uri() + "?q=afterburner")
        titles = page.locator("#search-results li a").all_inner_texts()
        assert "Install the 15 kg roaster and afterburner" in titles
        assert "Active subscribers" in titles  # a KPI
        assert "Market" in titles  # a chapter
        assert len(titles) > 30
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 360])
def test_on_a_phone_the_menu_is_folded_and_nothing_scrolls_sideways(browser, sample_site, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        for path in site_pages(sample_site):
            page.goto(path.as_uri())
            name = path.relative_to(sample_site)
            fits = page.evaluate("document.documentElement.scrollWidth <= innerWidth")
            assert fits, f"{name} scrolls sideways at {width} px"
            assert not page.locator(".site-nav a[href$='team.html']").is_visible(), name
        page.goto((sample_site / "index.html").as_uri())
        # The content starts near the top, not below the whole menu.
        top = page.locator("main h1").bounding_box()["y"]
        assert top < 320, top
        page.get_by_text("Contents", exact=True).click()
        team = page.locator(".site-nav a[href$='team.html']")
        assert team.is_visible()
        team.click()
        page.wait_for_url("**/team.html")
    finally:
        context.close()


def test_the_milestone_table_keeps_every_column_on_a_phone(browser, sample_site):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        page.goto((sample_site / "milestones.html").as_uri())
        row = page.locator("#milestone-wholesale-15")
        for cell in ("when", "num", "who", "status-cell"):
            box = row.locator(f"td.{cell}").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, cell
        assert "Daniel Reyes" in row.inner_text()
    finally:
        context.close()


def test_dark_mode_follows_the_system_setting(browser, sample_site):
    colours = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        try:
            page = context.new_page()
            page.goto((sample_site / "milestones.html").as_uri())
            colours[scheme] = page.evaluate(
                "[getComputedStyle(document.documentElement).backgroundColor,"
                " getComputedStyle(document.querySelector('main p, main h1')).color]"
            )
        finally:
            context.close()
    assert colours["light"][0] == "rgb(251, 252, 253)"
    assert colours["dark"][0] == "rgb(17, 22, 28)"
    assert colours["dark"][1] != colours["light"][1]


def test_the_filtered_milestone_total_follows_the_filter(page, sample_site):
    page.goto((sample_site / "milestones.html").as_uri())
    totals = page.locator("table.milestone-table tfoot tr")

    def shown() -> list[str]:
        return [" ".join(r.inner_text().split()) for r in totals.all() if r.is_visible()]

    assert shown() == ["Total $186,500.00"]
    page.get_by_role("radio", name="Overdue", exact=True).check()
    assert shown() == ["Total 1 milestones $4,000.00"]
    page.get_by_role("radio", name="Daniel Reyes").check()
    assert shown() == ["Total 1 milestones $4,000.00"]
    page.get_by_role("radio", name="Maya Okafor").check()
    assert shown() == ["Total 0 milestones $0.00"]


def test_logo_and_favicon_show_when_the_plan_has_one(page, sample_site):
    page.goto((sample_site / "sections" / "market.html").as_uri())
    logo = page.locator("header img.brand-logo")
    assert logo.evaluate("img => img.complete && img.naturalWidth") > 0
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon == "../assets/logo.svg"


def test_csv_downloads_are_linked_and_load(page, sample_site):
    for name, file in (
        ("milestones.html", "milestones.csv"),
        ("kpis.html", "kpis.csv"),
        ("financials.html", "projection.csv"),
    ):
        page.goto((sample_site / name).as_uri())
        href = page.get_by_role("link", name="Download as CSV").get_attribute("href")
        assert href == f"data/{file}"
        text = (sample_site / href).read_text(encoding="utf-8-sig")  # the BOM spreadsheets want
        assert text.startswith(("id,", "kpi,", "month,"))


def test_no_page_has_console_errors(page, sample_site):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A favicon still loading when the next page opens is aborted, not failed.
    page.on(
        "requestfailed",
        lambda r: errors.append(r.url) if r.failure != "net::ERR_ABORTED" else None,
    )
    for path in site_pages(sample_site):
        page.goto(path.as_uri() + ("?q=coffee" if path.name == "search.html" else ""))
    assert errors == []


def test_axe_finds_no_serious_accessibility_violations(browser, sample_site):
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail("axe-core is missing: tests/run.sh installs it with npm")
        pytest.skip("axe-core not installed (npm install --prefix .test-tools axe-core)")
    found = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        try:
            page = context.new_page()
            for path in site_pages(sample_site):
                page.goto(path.as_uri())
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
                for violation in result["violations"]:
                    if violation["impact"] in ("serious", "critical"):
                        where = [n["target"] for n in violation["nodes"]][:3]
                        key = f"{scheme} {path.relative_to(sample_site)} {violation['id']}"
                        found[key] = where
        finally:
            context.close()
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
