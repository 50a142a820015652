"""What the site build writes for search, downloads and the dashboard cards."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re

from planbuilder.build import build, prepare
from tests.conftest import MINIMAL_PLAN, SAMPLE, TODAY


def test_the_search_index_is_a_script_with_every_page_goal_milestone_and_kpi(sample_site):
    script = (sample_site / "search-index.js").read_text()
    assert script.startswith("window.planbuilderSearch = ")
    entries = json.loads(script.removeprefix("window.planbuilderSearch = ").rstrip(";\n"))
    kinds = {e["k"] for e in entries}
    assert kinds == {"page", "goal", "milestone", "kpi"}
    by_url = {e["u"]: e for e in entries}
    assert by_url["milestones.html#milestone-roaster-upgrade"]["t"] == (
        "Install the 15 kg roaster and afterburner"
    )
    assert "kpis.html#kpi-active-subscribers" in by_url
    assert "sections/market.html" in by_url and by_url["sections/market.html"]["x"]
    search = (sample_site / "search.html").read_text()
    assert '<script src="search-index.js">' in search
    assert search.count("<li data-url=") == len(entries)


def test_the_index_cannot_close_its_script(make_plan, tmp_path):
    plan = make_plan(
        {
            "team.yaml": "- id: a\n  name: A\n",
            "milestones.yaml": "- id: m\n  title: 'Ship </script><b>x'\n  due: 2027-03-01\n",
        }
    )
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    assert result.ok
    script = (result.site_dir / "search-index.js").read_text()
    assert "</script>" not in script and "<\\/script>" in script


def test_csv_downloads_are_locale_independent(sample_site, make_plan, tmp_path):
    rows = list(
        csv.DictReader((sample_site / "data" / "milestones.csv").open(encoding="utf-8-sig"))
    )
    first = rows[0]
    assert first["id"] == "roaster-upgrade"
    assert first["budget"] == "38500.00" and first["due"] == "2026-03-15"
    assert first["status"] == "done-late"
    projection = list(
        csv.DictReader((sample_site / "data" / "projection.csv").open(encoding="utf-8-sig"))
    )
    assert projection[0]["month"] == "2026-01"
    assert re.fullmatch(r"-?\d+(\.\d+)?", projection[0]["closing_cash"])
    kpis = list(csv.DictReader((sample_site / "data" / "kpis.csv").open(encoding="utf-8-sig")))
    assert {"kpi": "active-subscribers", "month": "2026-01", "value": "310"}.items() <= kpis[
        0
    ].items()
    # A Spanish plan writes the same plain numbers, not `38.500,00`.
    text = MINIMAL_PLAN.replace("locale: en_US", "locale: es_ES")
    plan = make_plan(
        {
            "plan.yaml": text,
            "milestones.yaml": "- id: m\n  title: T\n  due: 2027-03-01\n  budget: 4500.50\n",
        }
    )
    result = build(plan, tmp_path / "es", pdf=False, today=TODAY)
    assert "4.500,50" in (result.site_dir / "milestones.html").read_text()
    assert ",4500.50," in (result.site_dir / "data" / "milestones.csv").read_text()


def test_cash_at_month_end_is_the_as_of_month():
    report = prepare(SAMPLE, today=TODAY).report
    assert report.plan.meta.as_of == dt.date(2026, 10, 31)
    month = report.cash_month
    assert (month.first % 12 + 1, month.first // 12) == (10, 2026)
    assert report.cash_month_in_range
    assert month is not report.financials.base.min_cash
    assert month.closing_cash != report.financials.base.min_cash.closing_cash


def test_the_dashboard_card_shows_the_as_of_month(sample_site):
    html = (sample_site / "index.html").read_text()
    assert "Cash at month end · Oct 2026" in html
    # The forecast's 112,988 less Q1's actual shortfall of EBITDA (revenue 2,597.25 less,
    # costs 2,345.83 more): 108,045.
    assert "$108,045" in html


def test_milestone_totals_cover_every_filter():
    report = prepare(SAMPLE, today=TODAY).report
    totals = {(t.status, t.owner): t for t in report.milestone_totals}
    assert totals["all", "all"].budget == report.budget_total
    assert totals["overdue", "all"].count == len(report.overdue)
    for status in ("done", "overdue", "due-soon", "upcoming"):
        owners = [t for (s, o), t in totals.items() if s == status and o != "all"]
        assert sum(t.budget for t in owners) == totals[status, "all"].budget
