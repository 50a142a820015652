"""The built site in a real browser: opened from disk, navigable, readable on a phone."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_site_opened_from_disk_navigates_between_pages(page, sample_site):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda request: errors.append(request.url))
    page.goto((sample_site / "index.html").as_uri())
    assert page.title() == "Growth plan 2026–2027 · Brightwater Coffee Roasters LLC"
    page.get_by_role("link", name="Milestones", exact=True).first.click()
    page.wait_for_url("**/milestones.html")
    assert page.locator("table.milestone-table tbody tr").count() == 14
    page.get_by_role("link", name="Market", exact=True).click()
    page.wait_for_url("**/sections/market.html")
    assert page.locator("h1").inner_text() == "Market"
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/index.html")
    # The stylesheet loaded: the header is dark, not the browser default.
    background = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(20, 50, 79)"
    assert errors == []


def test_chapter_images_load(page, sample_site):
    page.goto((sample_site / "sections" / "company.html").as_uri())
    width = page.locator("article img").evaluate("img => img.complete && img.naturalWidth")
    assert width and width > 0


@pytest.mark.parametrize("name", ["index.html", "milestones.html", "goals.html", "kpis.html"])
def test_pages_fit_a_phone_screen(browser, sample_site, name):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        page.goto((sample_site / name).as_uri())
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px on a phone"
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_milestone_filters_work_with_and_without_javascript(browser, sample_site, javascript):
    context = browser.new_context(java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto((sample_site / "milestones.html").as_uri())
        rows = page.locator("table.milestone-table tbody tr")
        assert rows.count() == 14
        page.get_by_role("radio", name="Overdue", exact=True).check()
        visible = [r for r in rows.all() if r.is_visible()]
        assert [r.get_attribute("id") for r in visible] == ["milestone-wholesale-15"]
        page.locator('input[name="status"][value="all"]').check()
        page.get_by_role("radio", name="Tomas Berg").check()
        visible = [r for r in rows.all() if r.is_visible()]
        assert [r.get_attribute("id") for r in visible] == ["milestone-price-tiers"]
    finally:
        context.close()
