"""The three statements: hand-computed answers, and properties that hold for any plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planbuilder.build import check, prepare
from planbuilder.finance import depreciation_schedule, financial_report, project
from planbuilder.model import (
    Capex,
    EquityRound,
    Expense,
    Loan,
    Milestone,
    OpeningBalance,
    OwnerDraw,
    Scenario,
    Tax,
    WorkingCapital,
)
from tests.conftest import TODAY
from tests.test_finance import CENT, JAN, financials, stream

D = Decimal


def test_straight_line_depreciation_by_hand():
    # 1,000 over 3 months: 333.33, 333.33 and the rest, 333.34.
    assert list(depreciation_schedule(D(1000), JAN, 3, CENT)) == [
        (JAN, D("333.33")),
        (JAN + 1, D("333.33")),
        (JAN + 2, D("333.34")),
    ]
    # 12,000 bought in January, 12 months of life: 1,000 a month from February.
    fin = financials(
        starting_cash=D(20000), capex=(Capex("Oven", D(12000), JAN, 12),), horizon_months=24
    )
    p = project(fin, [], 2)
    assert [m.depreciation for m in p.months[:3]] == [D(0), D(1000), D(1000)]
    year1, year2 = p.fiscal_years
    assert year1.depreciation == D(11000) and year2.depreciation == D(1000)
    assert year1.investment == D(12000) and year1.fixed_assets == D(1000)
    assert year2.fixed_assets == D(0) and year2.fixed_assets_cost == D(12000)
    assert year1.net_profit == D(-11000)  # no revenue: depreciation is the loss
    assert year1.closing_cash == D(8000)  # depreciation is not cash


def test_capital_milestone_becomes_capex():
    roaster = Milestone("roaster", "Roaster", dt.date(2027, 3, 10), budget=D(6000), capital=True)
    fin = financials(starting_cash=D(10000), capital_life_months=60)
    p = project(fin, [roaster], 2)
    march = p.months[2]
    assert march.investment == D(6000) and march.depreciation == D(0)
    assert p.months[3].depreciation == D(100)  # 6,000 / 60
    assert march.expenses_total == D(0)  # not an operating expense


def test_tax_with_a_loss_carried_forward_by_hand():
    # 1,000 of losses carried in. Year 1: revenue 1,000 a month, rent 1,200: a loss of
    # 2,400. Years 2 and 3: revenue 1,500, rent 1,200: profit 3,600 each.
    sales = stream(monthly="1000")
    more = stream(name="More", monthly="500", start=JAN + 12)
    fin = financials(
        horizon_months=36,
        starting_cash=D(50000),
        revenue=(sales, more),
        expenses=(Expense("Rent", "premises", JAN, None, monthly=D(1200)),),
        tax=Tax(D(25), losses_carried_forward=D(1000), paid_months_after_year_end=4),
    )
    y1, y2, y3 = project(fin, [], 2).fiscal_years
    assert y1.profit_before_tax == D(-2400) and y1.tax == D(0)
    # 3,600 − (1,000 brought in + 2,400 of year 1) = 200 taxable → 50.
    assert y2.profit_before_tax == D(3600) and y2.tax == D(50)
    assert y3.tax == D(900)  # losses used up: 25 % of 3,600
    # Year 2's tax is paid in one sum four months after the year ends: April of year 3.
    months = project(fin, [], 2).months
    assert [m.first for m in months if m.tax_paid] == [JAN + 27]
    assert months[27].tax_paid == D(50)
    assert y2.tax_payable == D(50) and y3.tax_payable == D(900)
    assert y2.net_profit == D(3550)


def test_dscr_for_a_year_with_grace_months():
    # 12,000 at 12 % from July with 6 interest-only months: fiscal year 1 pays only
    # interest, 6 × 120 = 720; EBITDA is 1,000 a month.
    loan = Loan(D(12000), D(12), 18, JAN + 6, grace_months=6)
    fin = financials(
        horizon_months=24,
        starting_cash=D(1000),
        revenue=(stream(monthly="1000"),),
        loans=(loan,),
        owner_draws=(OwnerDraw("Draws", D(100), JAN + 12, JAN + 23),),
    )
    y1, y2 = project(fin, [], 2).fiscal_years
    assert y1.debt_service == D(720)
    assert y1.dscr == D(12000) / D(720)
    # Year 2: 12 annuity payments of 12,000 at 1 % a month = 1,066.19 (the last takes
    # the rounding rest); owner draws of 1,200 come off the numerator.
    payments = [p.debt_service for p in project(fin, [], 2).months[12:]]
    assert payments[:11] == [D("1066.19")] * 11
    assert y2.debt_service == sum(payments)
    assert y2.dscr == (D(12000) - D(1200)) / y2.debt_service
    no_debt = project(financials(revenue=(stream(),)), [], 2).fiscal_years[0]
    assert no_debt.dscr is None  # printed as "—"


def test_partial_fiscal_years():
    fin = financials(horizon_months=24, fiscal_year_start=4)  # April to March
    years = project(fin, [], 2).fiscal_years
    assert [(y.fiscal_year, y.months, y.partial) for y in years] == [
        (2027, 3, True),
        (2028, 12, False),
        (2029, 9, True),
    ]


def test_sustained_break_even_on_a_plan_that_dips():
    # Positive in January, negative in February to April, then positive for good.
    costs = (
        Expense("Rent", "premises", JAN, None, monthly=D(800)),
        Expense("Campaign", "marketing", JAN + 1, JAN + 3, monthly=D(500)),
    )
    p = project(financials(revenue=(stream(),), expenses=costs), [], 2)
    assert p.first_positive_month == JAN
    assert p.break_even == JAN + 4
    year = p.fiscal_years[0]
    # Break-even revenue: fixed costs ÷ contribution margin (no cost of sales: 100 %).
    assert year.break_even_revenue == year.expenses_total


def test_an_existing_loans_schedule():
    # 10,000 still owed at 12 % over 12 remaining months: 888.49 a month, never drawn.
    van = Loan(D(10000), D(12), 12, JAN, name="Van", existing=True)
    fin = financials(
        starting_cash=D(5000),
        opening=OpeningBalance(cash=D(5000), paid_in_capital=D(1000)),
        loans=(van,),
    )
    p = project(fin, [], 2)
    first = p.months[0]
    assert (first.interest, first.principal, first.loans_in) == (D(100), D("788.49"), D(0))
    assert first.loan_balances == (D("9211.51"),)
    assert first.closing_cash == D(5000) - D("888.49")
    assert p.months[-1].loan_balances == (D(0),)
    # Opening equity: 5,000 cash − 10,000 owed = −5,000, of which 1,000 paid in.
    assert first.opening_cash + D(0) - D(10000) == D(-5000)
    assert p.months[-1].paid_in_capital == D(1000)
    report = financial_report(fin, [], 2)
    [van_years] = report.debt
    assert van_years.years[0].principal == D(10000) and van_years.horizon_balance == D(0)
    assert report.sources == ()  # an existing loan is not new funding


def test_working_capital_days_and_scenarios_named_delay():
    fin = financials(
        starting_cash=D(1000),
        opening=OpeningBalance(cash=D(1000), receivables=D(300)),
        revenue=(stream(cos="40"), stream(name="Later", start=JAN + 2)),
        working_capital=WorkingCapital(receivable_days=15, inventory_days=30, payable_days=30),
    )
    first = project(fin, [], 2).months[0]
    assert first.receivables == D(500)  # half a month of revenue
    assert first.receivables_change == D(200)  # 300 carried in
    assert first.inventory == D(400) and first.payables == D(400)
    late = Scenario("late", delay_months=2, delay=("Later",))
    months = project(fin, [], 2, late).months
    assert [m.revenue for m in months[2:5]] == [
        (D(1000), D(0)),
        (D(1000), D(0)),
        (D(1000), D(1000)),
    ]


amounts = st.integers(0, 200_000).map(lambda cents: D(cents) / 100)
months_in = st.integers(0, 23).map(lambda k: JAN + k)


@st.composite
def random_plans(draw):
    streams = tuple(
        stream(
            name=f"S{i}",
            monthly=str(draw(amounts)),
            growth=str(draw(st.integers(-5, 8))),
            start=draw(months_in),
            cos=str(draw(st.integers(0, 90))),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    expenses = tuple(
        Expense(f"E{i}", draw(st.sampled_from(["a", "b"])), start, None, monthly=draw(amounts))
        for i, start in enumerate(draw(st.lists(months_in, max_size=3)))
    )
    loans = tuple(
        Loan(
            draw(amounts) + 1,
            D(draw(st.integers(0, 1500))) / 100,
            draw(st.integers(2, 40)),
            start,
            grace_months=1,
            existing=existing,
        )
        for start, existing in draw(st.lists(st.tuples(months_in, st.booleans()), max_size=3))
    )
    loans = tuple(Loan(**{**_fields(x), "start": JAN}) if x.existing else x for x in loans)
    cash = draw(amounts)
    opening = OpeningBalance(
        cash=cash,
        receivables=draw(amounts),
        inventory=draw(amounts),
        fixed_assets=draw(amounts),
        fixed_assets_life_months=draw(st.integers(1, 50)),
        payables=draw(amounts),
        paid_in_capital=draw(amounts),
    )
    return financials(
        horizon_months=draw(st.integers(12, 36)),
        starting_cash=cash,
        fiscal_year_start=draw(st.integers(1, 12)),
        opening=opening,
        revenue=streams,
        expenses=expenses,
        loans=loans,
        equity=tuple(EquityRound(draw(amounts), m) for m in draw(st.lists(months_in, max_size=2))),
        capex=tuple(
            Capex("C", draw(amounts), m, draw(st.integers(1, 60)))
            for m in draw(st.lists(months_in, max_size=2))
        ),
        tax=draw(
            st.none() | st.builds(Tax, st.integers(0, 50).map(D), amounts, st.integers(0, 12))
        ),
        working_capital=WorkingCapital(*(draw(st.integers(0, 90)) for _ in range(3))),
        owner_draws=tuple(
            OwnerDraw("D", draw(amounts), m, m + draw(st.integers(0, 12)))
            for m in draw(st.lists(months_in, max_size=2))
        ),
        scenarios=(
            Scenario(
                "stress",
                revenue=D(draw(st.integers(-50, 10))),
                expenses=D(draw(st.integers(0, 30))),
                rate_points=D(draw(st.integers(0, 5))),
                delay_months=draw(st.integers(0, 6)),
                delay=draw(st.sampled_from([(), ("S0",)])),
            ),
        ),
        actuals=tuple(
            (month, *(draw(st.none() | amounts) for _ in range(3)))
            for month in sorted(draw(st.sets(st.integers(0, 11).map(lambda k: JAN + k))))
        ),
    )


def _fields(loan: Loan) -> dict:
    return {name: getattr(loan, name) for name in Loan.__dataclass_fields__}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_plans())
def test_every_period_of_every_scenario_balances_and_reconciles(fin):
    report = financial_report(fin, [], 2)
    for projection in report.projections:
        previous = None
        for column in [*projection.months, *projection.columns, projection.total]:
            # Total assets = liabilities + equity, to the cent.
            assert column.total_assets == column.liabilities_and_equity, column
            # The cash-flow statement's net change is the balance sheet's change in cash.
            assert column.closing_cash - column.opening_cash == column.net_cash
        for month in projection.months:
            if previous is not None:
                assert month.opening_cash == previous.closing_cash
            previous = month
        assert sum((y.net_profit for y in projection.fiscal_years), D(0)) == (
            projection.total.net_profit
        )


def test_scenario_warnings_point_at_the_scenario_line(make_plan):
    folder = make_plan(
        {
            "financials.yaml": """\
                start: 2027-01
                horizon_months: 12
                opening_balance:
                  cash: 2000
                revenue:
                  - {name: Sales, monthly: 1000}
                expenses:
                  recurring:
                    - {name: Rent, category: premises, monthly: 900}
                scenarios:
                  slow:
                    revenue: -50%
            """
        }
    )
    result = check(folder, today=TODAY)
    [warning] = [p for p in result.problems if p.code == "cash-negative"]
    assert warning.message == "cash goes below zero in 2027-06 in scenario `slow`"
    assert warning.position.line == 11


def test_opening_balance_inputs_are_validated_with_lines(make_plan):
    folder = make_plan(
        {
            "financials.yaml": """\
                start: 2027-01
                starting_cash: 100
                opening_balance:
                  cash: 100
                  loans:
                    - {balance: 5000, rate: 5}
                capex:
                  - {name: Van, amount: 9000, month: 2031-01, life_months: 48}
                revenue:
                  - {name: Sales, monthly: 1000}
                scenarios:
                  late: {delay_months: 2, delay: [Sale]}
            """
        }
    )
    problems = {(p.position.line, p.message) for p in check(folder, today=TODAY).problems}
    lines = sorted(line for line, _ in problems)
    assert 2 in lines  # starting_cash and opening cash both given
    assert 6 in lines  # the existing loan lacks remaining_months
    assert 8 in lines  # capex outside the projection
    assert any("`Sale`" in m and line == 12 for line, m in problems)


def test_sample_plan_is_an_existing_business_whose_statements_balance():
    report = prepare("sample-plan", today=TODAY).report
    money = report.financials
    assert money.financials.opening.fixed_assets > 0
    assert any(loan.existing for loan in money.base.loans)
    assert money.financials.tax is not None and money.financials.capex
    for projection in money.projections:
        assert all(column.balances for column in projection.columns)


def test_coverage_warnings_print_in_date_order(make_plan):
    folder = make_plan(
        {
            "financials.yaml": """\
                start: 2027-01
                horizon_months: 36
                starting_cash: 50000
                min_dscr: 1.25
                revenue:
                  - {name: Sales, monthly: 800, growth: -3}
                funding:
                  loans:
                    - {principal: 20000, rate: 8, term_months: 36, start: 2027-01}
            """
        }
    )
    messages = [p.message for p in check(folder, today=TODAY).problems if p.code == "dscr-low"]
    assert [m.split(":")[0] for m in messages] == [
        "debt-service coverage in fiscal year 2027",
        "debt-service coverage in fiscal year 2028",
        "debt-service coverage in fiscal year 2029",
    ]
    assert messages[0].endswith("× is below 1.25×")
    assert "." in messages[0].split(": ")[1][:4]  # two decimals: "0.xx×"


def test_runway_without_and_with_the_planned_funding():
    # Burn 1,000 a month from 3,500 of cash; 20,000 of equity arrives in month 6.
    fin = financials(
        starting_cash=D(3500),
        expenses=(Expense("Rent", "premises", JAN, None, monthly=D(1000)),),
        equity=(EquityRound(D(20000), JAN + 5),),
    )
    report = financial_report(fin, [], 2, as_of_month=JAN + 1)
    assert report.runway_unfunded == 2  # from February: cash is below zero in April
    assert report.unfunded_cash_negative == JAN + 3
    assert report.runway_funded == 2  # the equity comes too late to save April
    funded_early = financial_report(fin, [], 2, as_of_month=JAN + 6)
    assert funded_early.runway_unfunded == funded_early.runway_funded


def test_payback_and_a_named_milestone_delay_move_capex():
    fitout = Milestone("fitout", "Fit-out", dt.date(2027, 2, 1), budget=D(6000), capital=True)
    fin = financials(
        starting_cash=D(10000),
        revenue=(stream(monthly="1000"),),
        scenarios=(Scenario("late", delay_months=3, delay=("fitout",)),),
    )
    base = project(fin, [fitout], 2)
    # Free cash flow: +1,000 a month, −6,000 in February: cumulative −4,000 in February,
    # zero in June, above zero from July on.
    assert base.payback == JAN + 6
    late = project(fin, [fitout], 2, fin.scenarios[0])
    assert [m.first for m in late.months if m.investment] == [JAN + 4]
    assert [m.revenue_total for m in late.months[:2]] == [D(1000), D(1000)]  # not named


def test_statements_keep_every_column_on_one_line_labels(make_plan, tmp_path):
    from planbuilder.build import build

    folder = make_plan(
        {
            "financials.yaml": """\
                start: 2027-02
                horizon_months: 60
                opening_balance: {cash: 5000}
                revenue:
                  - {name: Sales, monthly: 1000}
            """
        }
    )
    result = build(folder, tmp_path / "out", today=TODAY, pdf=False)
    assert result.ok
    html = (tmp_path / "out" / "site" / "financials.html").read_text()
    report = prepare(folder, today=TODAY).report
    [income, *_] = report.financials.statements
    columns = [c for page in income.pages for c in page.columns]
    # 24 months, then fiscal quarters (Feb–Mar 2029 is a part quarter, January 2032 a
    # lone month), and six fiscal years (two of them partial): no month is lost.
    detail = [c for c in columns if c.kind != "year"]
    assert all(c.kind == "month" for c in detail[:24])
    assert [c.months for c in detail[24:]] == [2] + [3] * 11 + [1]
    assert sum(c.kind == "year" for c in columns) == 6
    assert sum(c.months for c in detail) == 60
    assert all(len(page.columns) <= 13 for page in income.pages)
    for label in (
        "Feb 2027",
        "Jan 2029",
        "Feb–Mar 2029",
        "Q1 2030",
        "2027, Feb–Dec",
        "FY 2028",
        "2032, Jan<",
    ):
        assert f">{label}" in html, label


def test_the_lender_chapter_names_each_definition_beside_its_figure():
    from planbuilder.editions import editions
    from planbuilder.render.pdf import print_html

    prepared = prepare("sample-plan", today=TODAY)
    [lender] = [e for e in editions(prepared.report.plan, prepared.theme) if e.name == "lender"]
    html, _ = print_html(prepared.report, prepared.theme, lender, root=prepared.root)
    assert "DSCR = (EBITDA − income tax paid − owner draws) ÷ scheduled interest" in html
    assert "Break-even: the first month from which EBITDA stays at or above zero" in html
    assert "Payback: the month from which cumulative free cash flow" in html
    assert "Runway: whole months from Oct 2026" in html
    assert html.count('class="fin-table statement-table') == 9  # 3 statements × 3 pages
    assert "Van loan · Lakeport Community Bank" in html  # named on its amortisation page


def test_the_monthly_table_adds_across_to_net_cash():
    fin = financials(
        starting_cash=D(1000),
        revenue=(stream(cos="40"),),
        working_capital=WorkingCapital(receivable_days=30),
        owner_draws=(OwnerDraw("Draws", D(50), JAN, JAN + 11),),
        loans=(Loan(D(5000), D(6), 12, JAN),),
    )
    for m in project(fin, [], 2).months:
        assert m.net_cash == (
            m.ebitda - m.investment - m.interest - m.principal + m.inflows + m.other_cash
        )


def test_the_opening_cash_assumption_points_at_the_opening_balance(make_plan):
    plan = make_plan(
        {
            "financials.yaml": "start: 2027-01\nhorizon_months: 12\n"
            "opening_balance:\n  cash: 42000\n  paid_in_capital: 42000\n"
        }
    )
    prepared = prepare(plan, today=TODAY)
    assert prepared.ok, prepared.problems
    first = prepared.report.financials.assumptions[0]
    assert (first.key, first.value, first.line) == ("starting_cash", Decimal(42000), 3)


def test_a_delay_naming_nothing_warns_at_its_line(make_plan):
    plan = make_plan(
        {
            "financials.yaml": "start: 2027-01\nstarting_cash: 1000\n"
            "revenue: [{name: Sale, monthly: 100}]\n"
            "scenarios:\n  late:\n    delay_months: 2\n"
        }
    )
    [problem] = [p for p in check(plan, today=TODAY).problems if p.code == "delay-everything"]
    assert (problem.position.line, problem.is_error) == (6, False)
    assert problem.message == (
        "scenario `late` delays every revenue stream by 2 months, those already selling too"
    )
