"""The HTML site of the sample plan, built once per session, as a reader sees it."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from planbuilder.build import build
from tests.conftest import SAMPLE, TODAY


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name):
                self.urls.append(attrs[name])


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text("utf-8"))
    return parser


def text(path: Path) -> str:
    plain = re.sub(r"<[^>]+>", " ", path.read_text("utf-8"))
    return re.sub(r"\s+", " ", html.unescape(plain))


def test_every_page_exists(sample_site: Path):
    pages = {p.relative_to(sample_site).as_posix() for p in sample_site.rglob("*.html")}
    assert {
        "index.html",
        "business-model.html",
        "goals.html",
        "milestones.html",
        "kpis.html",
        "team.html",
        "sections/executive-summary.html",
        "sections/funding-request.html",
    } <= pages
    assert len([p for p in pages if p.startswith("sections/")]) == 8  # the team sees all


def test_all_links_are_relative_and_resolve(sample_site: Path):
    for page in sample_site.rglob("*.html"):
        links = parse(page)
        for url in links.urls:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            assert not parts.scheme and not url.startswith("/"), f"{page}: {url}"
            if parts.path:
                target = (page.parent / unquote(parts.path)).resolve()
                if target.suffix == ".pdf":
                    continue  # the PDF sits next to the site, checked elsewhere
                assert target.exists(), f"{page.name} links to missing {url}"
            else:
                target = page
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in parse(target).ids, f"{page.name}: no #{parts.fragment}"


def test_dashboard_shows_the_essentials(sample_site: Path):
    index = text(sample_site / "index.html")
    assert "Growth plan 2026–2027" in index
    assert "Brightwater Coffee Roasters LLC" in index
    assert "Roast honest, traceable coffee" in index  # mission
    assert "Who is the customer?" in index
    assert "Run the holiday gift-box campaign with 400 boxes" in index  # next milestone
    assert "$186,500" in index  # budget total, formatted
    assert "Reach 15 active wholesale accounts" in index  # overdue
    assert "Confidential" in index
    assert "Oct 31, 2026" in index  # as_of


def test_milestones_page_has_the_table_with_money_and_status(sample_site: Path):
    page = text(sample_site / "milestones.html")
    for title in (
        "Install the 15 kg roaster and afterburner",
        "Open the 30-seat tasting room and espresso bar",
        "Obtain organic certification for the roastery",
    ):
        assert title in page
    assert "$38,500.00" in page and "$92,000.00" in page
    assert "Actual cost $39,240.00" in page
    assert "Overdue · 31 days" in page
    assert "Done late · 14 days" in page
    assert "Due soon" in page
    assert "Total $186,500.00" in page
    assert "moved once, +77 days; budget +$14,000.00" in page
    assert "The contractor's quote came in higher" in page  # history reason
    source = (sample_site / "milestones.html").read_text()
    for header in ("What", "When", "How much", "Who", "Status"):
        assert re.search(f'<th scope="col"[^>]*>{header}</th>', source), header


def test_sections_render_markdown(sample_site: Path):
    company = (sample_site / "sections" / "company.html").read_text()
    assert 'src="../assets/roastery-plan.svg"' in company
    assert (sample_site / "assets" / "roastery-plan.svg").is_file()
    summary = (sample_site / "sections" / "executive-summary.html").read_text()
    assert "<strong>310 monthly subscribers</strong>" in summary
    assert 'href="../sections/funding-request.html"' in summary
    funding = (sample_site / "sections" / "funding-request.html").read_text()
    assert 'href="../sections/market.html#market--cafes-and-offices"' in funding


def test_kpis_goals_team_pages(sample_site: Path):
    kpis = text(sample_site / "kpis.html")
    assert "Customer acquisition cost" in kpis and "Lower is better" in kpis
    assert "$29.80" in kpis and "97.9%" in kpis  # latest values, one from the CSV file
    goals = text(sample_site / "goals.html")
    assert "Grow subscriptions to 520 active subscribers" in goals
    assert "Baseline 310 → Target 520" in goals
    team = text(sample_site / "team.html")
    assert "Maya Okafor" in team and "Founder and head roaster" in team


def test_navigation_links_every_page_from_every_page(sample_site: Path):
    pages = sorted(sample_site.rglob("*.html"))
    for page in pages:
        linked = {(page.parent / urlsplit(u).path).resolve() for u in parse(page).urls}
        assert {p.resolve() for p in pages} <= linked, page.name


def test_plan_text_cannot_inject_markup(make_plan, tmp_path):
    plan = make_plan(
        {
            "plan.yaml": "title: '<script>alert(1)</script>'\ncompany: 'A & B <i>'\n",
            "sections/x.md": (
                "---\ntitle: <img src=x onerror=alert(1)>\n---\n<script>bad()</script>\n"
            ),
        }
    )
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    assert result.ok
    for page in result.site_dir.rglob("*.html"):
        source = page.read_text()
        assert "<script>" not in source, page
        assert "<img src=x" not in source
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (result.site_dir / "index.html").read_text()


def test_parts_without_sources_have_no_pages(make_plan, tmp_path):
    result = build(make_plan(), tmp_path / "out", pdf=False, today=TODAY)
    assert result.ok
    pages = {p.name for p in result.site_dir.rglob("*.html")}
    assert pages == {"index.html", "search.html"}  # the search page lists what there is


def test_theme_override_replaces_one_template(make_plan, tmp_path):
    plan = make_plan(
        {
            "team.yaml": "- {id: a, name: Ana}\n",
            "theme/templates/team.html": """\
                {% extends "base.html" %}
                {% block content %}<h1>Our people</h1>
                {% for p in plan.team %}<p class="who">{{ p.name }}</p>{% endfor %}
                {% endblock %}
            """,
            "theme/static/site.css": "body { color: rebeccapurple; }\n",
        }
    )
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    assert result.ok, result.problems
    team = (result.site_dir / "team.html").read_text()
    assert '<p class="who">Ana</p>' in team and "Our people" in team
    assert "site-nav" in team  # the theme's base.html still wraps it
    assert "rebeccapurple" in (result.site_dir / "static" / "site.css").read_text()


def test_theme_override_cannot_run_code(make_plan, tmp_path):
    plan = make_plan(
        {
            "theme/templates/index.html": "{{ ''.__class__.__mro__[1].__subclasses__() }}\n",
        }
    )
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    assert not result.ok
    [problem] = result.errors
    assert problem.position.name == "index.html"
    assert "unsafe" in problem.message or "template error" in problem.message


def test_template_syntax_error_points_at_its_line(make_plan, tmp_path):
    plan = make_plan({"theme/templates/index.html": "<p>ok</p>\n{% if %}\n"})
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    [problem] = result.errors
    assert problem.position.name == "index.html"
    assert problem.position.line == 2


def test_sample_build_is_reproducible(tmp_path):
    first = build(SAMPLE, tmp_path / "a", pdf=False, today=TODAY)
    second = build(SAMPLE, tmp_path / "b", pdf=False, today=TODAY)
    for page in first.site_dir.rglob("*"):
        if page.is_file():
            twin = second.site_dir / page.relative_to(first.site_dir)
            assert page.read_bytes() == twin.read_bytes(), page


def test_dashboard_review_summary(sample_site: Path):
    index = text(sample_site / "index.html")
    assert "Monthly review · Oct 31, 2026" in index
    assert "Done in the last month Launch the quarterly gift subscription" in index
    assert "Due in the next 30 days Run the holiday gift-box campaign" in index
    goals_at_risk = index.split("Goals at risk", 1)[1].split("Goals", 1)[0]
    assert "Supply 25 café and office accounts Off track" in goals_at_risk
    assert "Reach a 42% blended gross margin At risk" in goals_at_risk
    assert "Grow subscriptions" not in goals_at_risk


def test_goals_page_shows_progress_and_charts(sample_site: Path):
    page = text(sample_site / "goals.html")
    for name in ("On track", "Off track", "At risk", "Achieved", "No data yet"):
        assert name in page
    # Subscribers are counted: the expected count shows as a whole number.
    assert "Expected by now: 483 " in page
    assert "3 / 5 milestones done" in page
    source = (sample_site / "goals.html").read_text()
    assert source.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart kpi-chart"') == 4


def test_milestones_page_has_timeline_filters_and_variance(sample_site: Path):
    source = (sample_site / "milestones.html").read_text()
    assert 'class="chart timeline-chart"' in source
    assert 'id="filter-status-overdue"' in source and 'id="filter-owner-priya"' in source
    assert "<script" not in source  # filters are CSS only
    page = text(sample_site / "milestones.html")
    assert "$740.00 (1.9%) over budget" in page  # the words give the sign
    assert "$384.50 (3.9%) under budget" in page  # no double negative


def test_kpis_page_has_trend_and_a_chart_per_kpi_with_actuals(sample_site: Path):
    page = text(sample_site / "kpis.html")
    assert "Trend Rising" in page and "Trend Flat" in page and "Trend Falling" in page
    source = (sample_site / "kpis.html").read_text()
    assert source.count('class="chart kpi-chart"') == 5  # the tasting room has no actuals yet


def money_value(cell: str) -> Decimal:
    cleaned = cell.replace("$", "").replace(",", "").replace("−", "-").strip()
    return Decimal(cleaned)


def table_rows(source: str, css_class: str) -> tuple[list[list[str]], list[str]]:
    """Body rows and the total row of a table, as plain cell texts."""
    table = source.split(f'class="fin-table {css_class}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    foot = table.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]

    def cells(row: str) -> list[str]:
        return [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]

    rows = [cells(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    return rows, cells(foot)


def test_financials_page(sample_site: Path):
    page = text(sample_site / "financials.html")
    for heading in (
        "Profit and loss by year",
        "Scenarios",
        "Sources of funds",
        "Monthly projection",
        "Forecast and actual",
        "Assumptions",
        "Collateral and guarantees",
    ):
        assert heading in page
    assert "Sources and uses balance." not in page  # only an imbalance is news
    assert "financials.yaml:" in page  # every assumption names its line
    source = (sample_site / "financials.html").read_text()
    assert source.count('class="chart money-chart"') == 2
    assert 'class="chart bar-chart"' in source  # use of funds


def test_printed_totals_equal_the_sum_of_printed_rows(sample_site: Path):
    source = (sample_site / "financials.html").read_text()
    rows, total = table_rows(source, "monthly-table")
    assert len(rows) == 24 + 4
    for column in range(1, len(total)):
        if column == len(total) - 1:  # closing cash: the last row's balance
            assert money_value(total[column]) == money_value(rows[-1][column])
            continue
        assert sum(money_value(r[column]) for r in rows) == money_value(total[column]), column
    uses, uses_total = table_rows(source, "uses-table")
    assert sum(money_value(r[1]) for r in uses) == money_value(uses_total[1])


def test_dashboard_shows_cash_runway_and_payback(sample_site: Path):
    index = text(sample_site / "index.html")
    assert "Cash lasts the whole projection" in index
    # Payback (cumulative free cash flow turns positive), not cumulative EBITDA.
    assert "Jun 2028 Payback" in index
    assert "Cumulative cash recovered" not in index
    assert "Lowest cash" in index
