"""Actuals in the statements (README, "Actuals"): hand-computed answers for a small plan
with two actual months, the capex rule, validation, and the printed marks."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from planbuilder.build import build, check
from planbuilder.finance import financial_report, project
from planbuilder.model import Capex, Expense, Loan, Milestone, Scenario, WorkingCapital
from planbuilder.statements import statements
from tests.conftest import TODAY
from tests.test_finance import JAN, financials, stream

D = Decimal
FEB, MAR, SEP = JAN + 1, JAN + 2, JAN + 8


def _plan(**kw):
    """Sales 1,000 a month at 40 % cost of sales, rent 300, an oven of 1,200 bought in
    February (12 months), a 12,000 loan at 0 % repaid 1,000 a month from January,
    receivables of 30 days; actual January and February."""
    values = {
        "starting_cash": D(10000),
        "revenue": (stream(cos="40"),),
        "expenses": (Expense("Rent", "premises", JAN, None, monthly=D(300)),),
        "capex": (Capex("Oven", D(1200), FEB, 12),),
        "loans": (Loan(D(12000), D(0), 12, JAN),),
        "working_capital": WorkingCapital(receivable_days=30),
        # January: revenue 900 and costs 750 (forecast 1,000 and 700); February: revenue
        # 1,150, costs 680 (forecast 700) and the oven at 1,500 (forecast 1,200).
        "actuals": ((JAN, D(900), D(750), None), (FEB, D(1150), D(680), D(1500))),
    }
    values.update(kw)
    return financials(**values)


def test_two_actual_months_by_hand():
    p = project(_plan(), [], 2)
    jan, feb, mar = p.months[:3]
    # Actual totals; the forecast's lines stay, the difference is a line of its own.
    assert (jan.revenue, jan.revenue_difference, jan.revenue_total) == ((D(1000),), -100, 900)
    assert (jan.cost_of_sales, jan.expenses, jan.costs_difference) == (400, (300,), 50)
    assert (jan.costs, jan.ebitda) == (D(750), D(150))
    assert (feb.revenue_total, feb.costs, feb.ebitda) == (D(1150), D(680), D(470))
    assert (mar.revenue_total, mar.costs, mar.ebitda) == (D(1000), D(700), D(300))
    # Capex: February's oven at its actual 1,500, depreciated 125 a month from March.
    assert (feb.investment, feb.capex_difference) == (D(1500), D(300))
    assert (feb.depreciation, mar.depreciation) == (D(0), D(125))
    # Receivables (30 days) on actual revenue: 900, then 1,150, then 1,000.
    assert [m.receivables for m in (jan, feb, mar)] == [D(900), D(1150), D(1000)]
    # Cash: 10,000 + 12,000 drawn − 1,000 repaid + 150 − 900 = 20,250; February
    # − 1,000 + 470 − 1,500 − 250 = 17,970; March − 1,000 + 300 + 150 = 17,420; then
    # 700 less a month: 11,120 in December (= 10,000 + 3,620 − 1,500 − 1,000).
    assert [m.closing_cash for m in (jan, feb, mar)] == [D(20250), D(17970), D(17420)]
    assert p.ending_cash == D(11120) and p.min_cash.first == JAN + 11
    [year] = p.fiscal_years
    assert (year.revenue_total, year.revenue_difference) == (D(12050), D(50))
    assert (year.costs, year.costs_difference) == (D(8430), D(30))
    assert (year.ebitda, year.depreciation, year.net_profit) == (D(3620), D(1250), D(2370))
    # DSCR = 3,620 ÷ 12,000 of principal (no tax, no draws, no interest at 0 %).
    assert year.dscr == D(3620) / D(12000)
    assert year.balances and year.closing_cash == D(11120)
    # Payback: free cash flow −750, −1,280, then +450 and +300 a month: positive from
    # September (−2,030 + 450 + 5 × 300 = −80 in August, +220 in September).
    assert p.payback == SEP
    assert p.break_even == JAN  # EBITDA never below zero
    assert (jan.basis, mar.basis, year.basis, year.actual_through) == (
        "actual",
        "projected",
        "mixed",
        FEB,
    )


def test_the_printed_income_statement_bridges_forecast_lines_to_actual_totals():
    income, balance, cash_flow = statements(project(_plan(), [], 2), per_page=13)
    page = income.pages[0]
    assert income.actuals and page.columns[12].kind == "year"
    lines = {ln.key or ln.name: ln.values for ln in page.lines}
    jan, feb, mar, year = 0, 1, 2, 12
    assert lines["Sales"][year] == D(12000)  # the forecast's line
    assert lines["fin_actual_revenue_difference"][jan : mar + 1] == (D(-100), D(150), None)
    assert lines["fin_actual_revenue_difference"][year] == D(50)
    assert lines["fin_revenue"][year] == D(12050)
    assert lines["fin_actual_costs_difference"][jan : mar + 1] == (D(-50), D(20), None)
    assert lines["fin_operating_expenses"][year] == D(-3630)  # rent 3,600 and 30 more
    assert lines["fin_ebitda"][year] == D(3620)
    assert lines["fin_net_profit"][year] == D(2370)
    cash = {ln.key: ln.values for ln in cash_flow.pages[0].lines if ln.values}
    assert cash["fin_capex"][feb] == D(-1500)
    assert cash["fin_closing"][year] == D(11120)
    sheet = {ln.key: ln.values for ln in balance.pages[0].lines if ln.values}
    assert sheet["fin_fixed_assets_cost"][year] == D(1500)
    assert sheet["fin_total_assets"][year] == sheet["fin_liabilities_and_equity"][year]


def test_actual_months_hold_in_every_scenario_and_the_variance_keeps_the_forecast():
    half = Scenario("half", revenue=D(-50), expenses=D(20))
    report = financial_report(_plan(scenarios=(half,)), [], 2)
    [stressed] = report.scenarios
    jan, feb, mar = stressed.months[:3]
    # Actuals are facts: the scenario changes only the months after them.
    assert (jan.revenue_total, jan.costs, feb.investment) == (D(900), D(750), D(1500))
    assert (mar.revenue_total, mar.costs) == (D(500), D(200 * D("1.2") + 300 * D("1.2")))
    v_jan, v_feb = report.variance
    assert (v_jan.forecast_revenue, v_jan.actual_revenue) == (D(1000), D(900))
    assert (v_jan.forecast_expenses, v_jan.actual_expenses) == (D(700), D(750))
    assert (v_feb.forecast_capex, v_feb.actual_capex) == (D(1200), D(1500))


def test_actual_capex_is_never_counted_twice():
    # A capital milestone done in February at its actual cost, and the same amount
    # given as February's actual capex: one investment of 1,500.
    roaster = Milestone(
        "roaster",
        "Roaster",
        dt.date(2027, 2, 10),
        budget=D(1400),
        capital=True,
        done=dt.date(2027, 2, 20),
        actual_cost=D(1500),
    )
    fin = _plan(capex=(), actuals=((FEB, None, None, D(1500)),), capital_life_months=10)
    p = project(fin, [roaster], 2)
    assert p.months[1].investment == D(1500) and p.months[1].capex_difference == 0
    assert p.months[2].depreciation == D(150)
    assert sum((m.investment for m in p.months), D(0)) == D(1500)
    # Actual capex in a month without any forecast: its own line, `capital_life_months`.
    fin = _plan(capex=(), actuals=((JAN, None, None, D(600)),), capital_life_months=12)
    p = project(fin, [], 2)
    assert (p.months[0].investment, p.months[1].depreciation) == (D(600), D(50))
    # Two forecast lines in the month share the actual total in proportion.
    two = (Capex("A", D(1000), FEB, 10), Capex("B", D(3000), FEB, 30))
    p = project(_plan(capex=two, actuals=((FEB, None, None, D(2000)),)), [], 2)
    assert p.months[1].investment == D(2000)
    assert p.months[2].depreciation == D(50) + D(50)  # 500 over 10, 1,500 over 30


def test_a_scenario_delay_moves_nothing_out_of_an_actual_month():
    roaster = Milestone("roaster", "Roaster", dt.date(2027, 2, 10), budget=D(1500), capital=True)
    late = Scenario("late", delay_months=3, delay=("roaster",))
    fin = _plan(capex=(), actuals=((FEB, None, None, D(1500)),), scenarios=(late,))
    [stressed] = financial_report(fin, [roaster], 2).scenarios
    assert sum((m.investment for m in stressed.months), D(0)) == D(1500)
    assert stressed.months[1].investment == D(1500)


_ACTUALS_PLAN = """\
    start: 2027-01
    horizon_months: 12
    starting_cash: 5000
    revenue:
      - {name: Sales, monthly: 1000, cost_of_sales: 40}
    expenses:
      recurring:
        - {name: Rent, category: premises, monthly: 300}
    actuals:
      2027-05: {revenue: 900, expenses: 750}
      2027-07: {revenue: 900}
      2028-02: {revenue: 900}
"""


def test_actuals_after_as_of_or_outside_the_projection_are_errors_at_their_line(make_plan):
    folder = make_plan({"financials.yaml": _ACTUALS_PLAN})  # as_of 2027-06-30
    problems = [p for p in check(folder, today=TODAY).problems if "actuals" in p.message]
    found = {(p.position.line, p.message) for p in problems}
    assert found == {
        (11, "actuals for 2027-07 come after `as_of` 2027-06-30: that month has not happened yet"),
        (12, "actuals month 2028-02 is outside the projection (2027-01 to 2027-12)"),
    }
    assert all(p.is_error for p in problems)


def test_site_statements_mark_actual_and_projected_and_print_the_bridge(make_plan, tmp_path):
    plan = _ACTUALS_PLAN.replace("      2027-07: {revenue: 900}\n", "").replace(
        "      2028-02: {revenue: 900}\n", ""
    )
    # A fair in June: EBITDA −700 after 1,350 to May, so June's tax is a credit of
    # 20 % × 700 = 140.
    plan += "    tax: {rate: 20}\n"
    plan = plan.replace(
        "    actuals:",
        "      one_off:\n"
        "        - {name: Fair, category: marketing, amount: 1000, month: 2027-06}\n"
        "    actuals:",
    )
    folder = make_plan({"financials.yaml": plan})
    result = build(folder, tmp_path / "out", pdf=False, today=TODAY)
    assert not result.problems, result.problems
    html = (tmp_path / "out" / "site" / "financials.html").read_text()
    [income] = re.findall(
        r'<table class="fin-table statement-table income-statement">.*?</table>', html, re.S
    )
    heads = re.findall(r'<tr class="basis">(.*?)</tr>', income, re.S)[0]
    marks = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", heads)]
    # Jan–Apr projected, May actual, Jun–Dec projected; the year: actual and projected.
    assert marks == [*["Projected"] * 4, "Actual", *["Projected"] * 7, "Actual and projected"]
    rows = dict(
        re.findall(r'<th scope="row" class="line-name">([^<]*)</th>(.*?)</tr>', income, re.S)
    )
    revenue = [
        re.sub(r"<[^>]+>", "", c)
        for c in re.findall(r"<td[^>]*>.*?</td>", rows["Actual revenue: difference from forecast"])
    ]
    assert revenue == ["", "", "", "", "−100", *[""] * 7, "−100"]
    costs = [
        re.sub(r"<[^>]+>", "", c)
        for c in re.findall(r"<td[^>]*>.*?</td>", rows["Actual costs: difference from forecast"])
    ]
    assert costs == ["", "", "", "", "−50", *[""] * 7, "−50"]
    assert "Periods marked “Actual” use the actual totals" in income
    tax = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>.*?</td>", rows["Income tax"])]
    assert tax[4:6] == ["−30", "+140"]  # May: 20 % × (150 of EBITDA); June: the credit


def test_the_sample_lender_pdf_marks_its_actual_months(sample_pdfs):
    from tests.test_banker_figures import pdf_text

    lender = pdf_text(sample_pdfs["lender"])
    # Jan–Mar 2026 are actual, the rest projected; FY 2026 holds both.
    assert "Actual Actual Actual Projected" in lender
    assert "Actual to Mar 2026" in lender
    # January: 28,770.20 actual against the forecast's 29,660.00 lines, −889.80 → −890.
    assert "Actual revenue: difference from forecast −890 −819 −888" in lender
    assert "Actual costs: difference from forecast −822 −757 −767" in lender


def test_a_delayed_expense_line_keeps_its_actual_month():
    # The fit-out line names a milestone that slips three months in the scenario:
    # January's 500, inside January's actual costs, stays there and is not spent again
    # in April.
    fitout = Expense("Fit-out", "premises", JAN, JAN, monthly=D(500), milestone="fitout")
    late = Scenario("late", delay_months=3, delay=("fitout",))
    fin = _plan(
        expenses=(fitout,), capex=(), actuals=((JAN, None, D(900), None),), scenarios=(late,)
    )
    [stressed] = financial_report(fin, [], 2).scenarios
    assert stressed.months[0].costs == D(900)
    assert [m.expenses for m in stressed.months[:5]] == [(D(500),), (0,), (0,), (0,), (0,)]
