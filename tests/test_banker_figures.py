"""Figures a banker can trust, in one number style (the banker review of the sample).

Known answers are worked out by hand in the comments; the end-to-end checks read the
sample's site and PDFs built once per session (``sample_build``).
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest

from planbuilder.build import prepare
from planbuilder.figures import figure_registry
from planbuilder.finance import Rounder, financial_report
from planbuilder.model import Capex, Expense, Loan, Milestone
from planbuilder.render.formatting import Formatter
from tests.conftest import TODAY
from tests.test_finance import JAN, financials, stream

D = Decimal
CENT = Rounder(2)
US = Formatter("en_US", "USD")


def pdf_text(reader) -> str:
    """The whole edition's text, one space between words."""
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


# Finding 2: forecast costs are those of the income statement; capex has its own line.


def test_forecast_costs_leave_out_capex_which_has_its_own_line():
    fin = financials(
        revenue=(stream(cos="25"),),  # 1,000 a month, cost of sales 250
        expenses=(Expense("Rent", "premises", JAN, None, monthly=D(300)),),
        capex=(Capex("Oven", D(5000), JAN + 1, 60),),
        actuals=(
            (JAN, D(900), D(600), None),
            (JAN + 1, D(950), D(540), D(5200)),
        ),
    )
    money = financial_report(fin, [], 2)
    january, february = money.variance
    assert [line.key for line in january.lines] == ["revenue", "costs"]  # no capex: no line
    # February by hand: costs 250 + 300 = 550, not 5,550 with the oven.
    _, costs, capex = february.lines
    assert (costs.forecast, costs.actual, costs.difference) == (D(550), D(540), D(-10))
    assert (capex.key, capex.forecast, capex.actual, capex.difference) == (
        "capex",
        D(5000),
        D(5200),
        D(200),
    )
    # The forecast as the income statement's lines have it; its total is the actual.
    february = money.base.months[1]
    assert costs.forecast == february.cost_of_sales + sum(february.expenses)
    assert costs.actual == february.costs


def test_capex_actuals_are_a_field_with_a_position(make_plan):
    plan = make_plan(
        {
            "financials.yaml": "start: 2027-01\nhorizon_months: 12\n"
            "actuals:\n  2027-02: {revenue: 10, expenses: 5, capex: -3}\n"
        }
    )
    problems = prepare(plan, today=TODAY).problems
    assert [(p.position.line, p.message) for p in problems if p.is_error] == [
        (4, "amount must not be negative, got `-3`")
    ]


def test_sample_forecast_and_actual_shows_costs_and_capital_spending(sample_site, sample_pdf):
    page = html.unescape((sample_site / "financials.html").read_text())
    table = re.search(r'<table class="fin-table variance-table">.*?</table>', page, re.S)[0]
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table))
    # March 2026 by the forecast's income statement lines: cost of sales 14,369.24 +
    # expenses 13,054.05 = 27,423.29; actual 28,190.10, 766.81 more.
    assert "Costs (cost of sales and operating expenses) $27,423.29 $28,190.10 +$766.81" in (cells)
    assert "Capital spending $39,240.00 $39,240.00 $0.00" in cells
    assert "$66,663.29" not in cells  # costs with the roaster in them
    assert "Capital spending $39,240.00" in pdf_text(sample_pdf)


# Finding 4: debt totals say which span they add up.


def test_debt_totals_add_the_years_shown_and_the_whole_life():
    # 12,000 at 6 % over 24 months from January, a 12-month projection: the level payment
    # is 12,000 × 0.005 ÷ (1 − 1.005^−24) = 531.85; over the life, 24 payments repay the
    # 12,000 with about 24 × 531.85 − 12,000 = 764.40 of interest.
    fin = financials(loans=(Loan(D(12000), D(6), 24, JAN),), horizon_months=12)
    money = financial_report(fin, [], 2)
    (loan,) = money.debt
    shown, life = loan.shown, loan.life
    assert (shown.first_year, shown.last_year) == (2027, 2027)
    assert shown.interest == sum(p.interest for p in loan.schedule[:12])
    assert shown.principal == D(12000) - loan.horizon_balance
    assert shown.closing == loan.horizon_balance > 0
    assert (life.first, life.last) == (JAN, JAN + 23)
    assert life.principal == D(12000) and life.closing == 0
    assert abs(life.interest - D("764.40")) <= D("0.05")
    assert life.payment == life.interest + D(12000)
    assert money.debt_life == life and money.debt_shown == shown  # one loan: its own totals


def test_all_loans_totals_add_every_loan():
    fin = financials(
        loans=(Loan(D(12000), D(6), 24, JAN), Loan(D(6000), D(0), 12, JAN + 6)),
        horizon_months=12,
    )
    money = financial_report(fin, [], 2)
    first = money.debt[0]
    assert money.debt_shown.interest == first.shown.interest  # the second costs no interest
    assert money.debt_shown.principal == first.shown.principal + D(3000)  # 6 × 500
    assert money.debt_shown.closing == first.horizon_balance + D(3000)
    assert money.debt_life.principal == D(18000)
    assert (money.debt_life.first, money.debt_life.last) == (JAN, JAN + 23)


def test_sample_debt_summary_labels_its_totals(sample_pdfs):
    lender = pdf_text(sample_pdfs["lender"])
    assert "Total FY 2026–2028" in lender
    # Equipment loan, 60,000 at 7.25 %, 3 months interest only, then 57 payments of
    # 1,247.41: 3 × 362.50 + 57 × 1,247.41 − 60,000 ≈ 12,190 of interest over its life.
    assert "Life of the loan, Feb 2026 – Jan 2031 $72,189.81 $12,189.81 $60,000.00 $0.00" in lender
    # In cents, the years add up to their total: 11,066.78 + 2 × 14,968.92 = 41,004.62.
    assert "Total FY 2026–2028 $41,004.62 $9,868.23 $31,136.39 $28,863.61" in lender
    assert "All loans over their lives, Jan 2026 – May 2034" in lender
    assert "Interest over the loan's life" not in lender


# Finding 5 and 6: the labels say what the figures are.


def test_dscr_table_names_tax_paid_and_break_even_names_ebitda(sample_pdfs, sample_site):
    lender = pdf_text(sample_pdfs["lender"])
    # FY 2027 pays FY 2026's tax, due after the year end: (20,199 of profit before tax −
    # 8,000 of losses carried forward) × 21 % = 2,561.79. The DSCR table subtracts it
    # as its definition reads, a positive amount under "less".
    assert "less income tax paid $0 $2,562 $9,365" in lender
    assert "Income tax −$2,562 −$9,365 −$38,826" in lender  # the expense, by year
    assert "Debt-service coverage by fiscal year · DSCR = (EBITDA" in lender
    assert "DSCR · DSCR" not in lender
    investor = pdf_text(sample_pdfs["investor"])
    assert "Break-even (EBITDA)" in investor and "operating profit)" not in investor
    assert "Break-even (EBITDA)" in (sample_site / "financials.html").read_text()


def test_ebitda_break_even_has_a_second_name(sample_build):
    figures = sample_build.report.figures
    assert figures.get("projection.ebitda-break-even").value == (
        figures.get("projection.break-even").value
    )


# Finding 7: spending by milestone, budget and actual, with a total, once.


def test_spending_by_milestone_shows_budget_beside_actual():
    due = JAN + 2
    milestones = [
        Milestone("a", "A", _day(due), budget=D(1000), done=_day(due), actual_cost=D(1100)),
        Milestone("b", "B", _day(due + 1), budget=D(500)),
        Milestone("c", "C", _day(due + 2)),  # no budget: no row
    ]
    money = financial_report(financials(), milestones, 2)
    rows = [(r.milestone.id, r.budget, r.actual, r.projected) for r in money.milestone_spending]
    assert rows == [("a", D(1000), D(1100), D(1100)), ("b", D(500), None, D(500))]
    assert (money.milestone_budget, money.milestone_actual) == (D(1500), D(1100))


def _day(month: int):
    from planbuilder.calendar import first_day

    return first_day(month)


def test_sample_spending_by_milestone_appears_once_with_its_total(sample_pdfs, sample_build):
    lender = pdf_text(sample_pdfs["lender"])
    assert lender.count("Spending by milestone") == 1
    assert lender.count("Sources of funds") == 1
    budget = sample_build.report.figures.get("milestones.budget").value
    assert budget == D(186500)
    # The total row equals the figure the funding request quotes ("$186,500 in all").
    assert re.search(r"Total \$186,500\.00 \$\d", lender)
    assert "The projects of our milestone plan cost $186,500 in all" in lender
    assert "Install the 15 kg roaster and afterburner (investment) Mar 15, 2026 $38,500.00" in (
        lender
    )


# Finding 9: one money style per kind of table, KPI precision, no double negative.


def test_money_styles_are_named():
    assert US.money(D("130500"), style="summary") == "$130,500"
    assert US.money(D("130500"), style="schedule") == "$130,500.00"
    assert US.money(D("-1234.5"), style="summary") == "−$1,234"  # half-even, real minus
    assert US.signed_money(D("-384.5"), style="schedule") == "−$384.50"
    with pytest.raises(KeyError):
        US.money(D(1), style="fancy")


def test_kpi_percents_keep_their_precision():
    assert US.kpi_value(D("96.0"), "percent") == "96.0%"
    assert US.kpi_value(D("96"), "percent") == "96.0%"
    assert US.kpi_value(D("98"), "percent", 0) == "98%"
    assert US.percent(D("10"), 1, fixed=True) == "10.0%"
    assert US.percent(D("7.25"), 2) == "7.25%"  # not fixed: as written
    assert US.kpi_value(D("18000"), "money", 0) == "$18,000"
    assert US.kpi_value(D("48.1"), "money") == "$48.10"


def test_sample_summaries_are_whole_and_schedules_have_cents(sample_pdfs):
    lender = pdf_text(sample_pdfs["lender"])
    assert "Equity: Founders $40,000 " in lender  # sources and uses
    assert "Equipment loan Lakeport Community Bank $60,000 7.25%" in lender  # loan request
    assert "Equity: Founders $40,000.00" not in lender and "$60,000.00 7.25%" not in lender
    # the assumptions list the inputs as they were written
    assert "Equity from Founders, Feb 2026 $40,000.00" in lender
    assert "Cost of sales −$192,929" in lender  # profit and loss by year, as the statements
    assert "Cost of sales $192,928.99" not in lender
    internal = pdf_text(sample_pdfs["internal"])
    assert "Break-even revenue" in internal
    assert re.search(r"Break-even revenue \$\d{3},\d{3} ", internal)
    assert "May 2026 $60,000.00 $362.50" in internal  # amortisation keeps cents


def test_sample_kpi_values_keep_trailing_zeros(sample_pdf):
    text = pdf_text(sample_pdf)
    assert "96.0%" in text and "96.4%" in text  # on-time shipping, May and June 2026
    assert "98.0%" in text  # its target at the KPI's precision
    assert "$18,000.00" not in text  # the tasting room KPI declares precision 0


def test_a_variance_reads_without_a_double_negative(sample_site, sample_pdf):
    page = html.unescape((sample_site / "milestones.html").read_text())
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    # Web shop: budget 9,800.00, actual 9,415.50: 384.50 under, 384.50 ÷ 9,800 = 3.9 %.
    assert "$384.50 (3.9%) under budget" in words
    assert "−$384.50" not in words
    # Roaster: 39,240 − 38,500 = 740 over, 740 ÷ 38,500 = 1.9 %; a round 10 % keeps ".0".
    assert "$740.00 (1.9%) over budget" in words
    assert "−$384.50" not in pdf_text(sample_pdf)


MONEY = re.compile(r"[−-]?\$\d{1,3}(?:,\d{3})*(\.\d\d)?")


def test_no_table_of_the_site_mixes_whole_units_and_cents(sample_site):
    """Every money figure in a table's number cells shows cents, or none does."""
    mixed = []
    for page in sorted(sample_site.rglob("*.html")):
        for table in re.findall(r"<table\b.*?</table>", page.read_text(), re.S):
            cells = re.findall(r'<td class="num[^"]*"[^>]*>(.*?)</td>', table, re.S)
            styles = {
                bool(m.group(1))
                for cell in cells
                for m in MONEY.finditer(html.unescape(re.sub(r"<[^>]+>", " ", cell)))
            }
            if len(styles) > 1:
                mixed.append((page.name, table[:80]))
    assert mixed == []


# Finding 22: the PDF's dates are the document date (see also test_editions).


def test_the_document_date_is_the_plans_date(sample_build, sample_pdf):
    report = sample_build.report
    assert report.document_date.isoformat() == "2026-01-15"
    assert sample_pdf.metadata["/CreationDate"].startswith("D:20260115")


# Finding 25: the sample explains its first quarter with figures, and writes 48%.


def test_sample_explains_its_first_quarter_with_figures(sample_build, sample_pdfs):
    figures = sample_build.report.figures
    # Jan–Mar 2026 by hand: actual 28,770.20 + 29,610.40 + 30,851.90 = 89,232.50 against
    # 29,660.00 + 30,429.50 + 31,740.25 = 91,829.75: 2,597.25 less, −2.8 %.
    assert figures.get("actuals.revenue").value == D("89232.50")
    assert figures.get("actuals.revenue-forecast").value == D("91829.75")
    assert figures.get("actuals.revenue-difference-pct").value == D("-2.8")
    assert figures.get("actuals.2026-03.capex").value == D("39240.00")
    text = pdf_text(sample_pdfs["lender"])
    assert "revenue was $89,232.50 against the $91,829.75 forecast (−2.8%)" in text
    for reader in sample_pdfs.values():
        assert not re.search(r"\d %", pdf_text(reader))  # en_US writes 48%, not 48 %


def test_figure_registry_without_actuals_has_no_actuals_figures(make_plan):
    plan = make_plan({"financials.yaml": "start: 2027-01\nhorizon_months: 12\n"})
    report = prepare(plan, today=TODAY).report
    assert not [name for name in figure_registry(report).names if name.startswith("actuals.")]


def test_a_kpi_chart_states_values_at_the_kpis_precision():
    import xml.etree.ElementTree as ET

    from planbuilder.compute import kpi_view
    from planbuilder.model import Kpi
    from planbuilder.render.charts import kpi_chart
    from planbuilder.render.labels import LABELS

    kpi = Kpi(
        id="room",
        name="Room revenue",
        unit="money",
        precision=0,
        target=D(18000),
        target_date=_day(JAN + 5),
        actuals=(("2027-01", D("4500")), ("2027-02", D("5200"))),
    )
    svg = ET.fromstring(str(kpi_chart("c", kpi_view(kpi), US, LABELS)))
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.find(f"{ns}title").text == (
        "Room revenue: monthly actuals against the target $18,000"
    )
    assert svg.find(f"{ns}desc").text == "Jan 2027 $4,500, Feb 2027 $5,200"
