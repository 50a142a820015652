"""Financial projections: hand-computed cases, properties for random plans, validation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planbuilder.build import check, prepare
from planbuilder.calendar import month_index
from planbuilder.finance import Rounder, annuity, loan_schedule, milestone_spending, project
from planbuilder.model import (
    EquityRound,
    Expense,
    Financials,
    Loan,
    Milestone,
    RevenueStream,
    Scenario,
)
from planbuilder.model import GrowthStep as Step
from tests.conftest import SAMPLE, TODAY

D = Decimal
JAN = month_index("2027-01")
CENT = Rounder(2)


def stream(name="Sales", monthly="1000", growth="0", start=JAN, cos="0", **kw) -> RevenueStream:
    return RevenueStream(
        name=name,
        monthly=D(monthly),
        units=None,
        price=None,
        growth=(Step(start, D(growth)),),
        start=start,
        end=None,
        seasonality=kw.get("seasonality"),
        cost_of_sales=D(cos),
    )


def financials(**kw) -> Financials:
    values = {
        "start": JAN,
        "horizon_months": 12,
        "starting_cash": D(0),
        "min_dscr": D("1.15"),
        "milestone_spending": True,
        "revenue": (),
        "expenses": (),
        "equity": (),
        "loans": (),
        "use_of_funds": (),
        "scenarios": (),
        "actuals": (),
        "collateral": None,
    }
    values.update(kw)
    return Financials(**values)


def test_loan_schedule_matches_the_annuity_table():
    # 10,000 at 12 % a year over 12 months: the textbook payment is 888.49.
    schedule = loan_schedule(Loan(D(10000), D(12), 12, JAN), CENT)
    assert len(schedule) == 12
    first = schedule[0]
    assert (first.interest, first.principal, first.payment, first.closing) == (
        D("100.00"),
        D("788.49"),
        D("888.49"),
        D("9211.51"),
    )
    assert (schedule[1].interest, schedule[1].principal) == (D("92.12"), D("796.37"))
    assert all(p.payment == D("888.49") for p in schedule[:-1])
    assert abs(schedule[-1].payment - D("888.49")) <= D("0.05")  # the last one takes the rest
    assert schedule[-1].closing == 0
    assert sum(p.principal for p in schedule) == D(10000)
    interest = sum(p.interest for p in schedule)
    assert abs(interest - D("661.85")) <= D("0.01")  # the table's total, to the cent
    assert sum(p.payment for p in schedule) == D(10000) + interest


def test_grace_months_pay_interest_only():
    schedule = loan_schedule(Loan(D(12000), D(6), 24, JAN, grace_months=4), CENT)
    assert [p.principal for p in schedule[:4]] == [D(0)] * 4
    assert [p.interest for p in schedule[:4]] == [D("60.00")] * 4
    assert schedule[4].payment == CENT(annuity(D(12000), D("0.005"), 20))
    assert schedule[-1].closing == 0


def test_zero_rate_loan_repays_evenly():
    schedule = loan_schedule(Loan(D(1200), D(0), 12, JAN), CENT)
    assert {p.payment for p in schedule} == {D(100)}


def test_a_twelve_month_plan_totalled_by_hand():
    fin = financials(
        starting_cash=D(1000),
        revenue=(stream(cos="25"),),
        expenses=(
            Expense("Rent", "premises", JAN, None, monthly=D(300)),
            Expense("Laptop", "equipment", JAN + 2, JAN + 2, amount=D(500)),
        ),
        equity=(EquityRound(D(2000), JAN + 1),),
    )
    p = project(fin, [], 2)
    total = p.total
    assert total.revenue_total == D(12000)
    assert total.cost_of_sales == D(3000)
    assert total.gross_margin == D(9000)
    assert total.expenses_total == D(3600 + 500)
    assert total.ebitda == D(4900)
    assert total.inflows == D(2000)
    assert p.ending_cash == D(1000 + 2000 + 4900)  # 7,900 by hand
    assert p.months[2].ebitda == D(1000 - 250 - 300 - 500)
    assert p.first_positive_month == JAN
    assert p.break_even == JAN + 3  # March dips below zero: break-even is sustained from April
    assert p.cash_negative is None and p.runway_months is None
    assert p.min_cash.first == JAN and p.min_cash.closing_cash == D(1450)


def test_growth_compounds_monthly_and_steps_change_the_rate():
    fin = financials(revenue=(stream(growth="10"),))
    months = project(fin, [], 2).months
    assert [m.revenue_total for m in months[:3]] == [D("1000.00"), D("1100.00"), D("1210.00")]
    stepped = RevenueStream(
        "S", D(1000), None, None, (Step(JAN, D(0)), Step(JAN + 2, D(10))), JAN, None, None, D(0)
    )
    months = project(financials(revenue=(stepped,)), [], 2).months
    assert [m.revenue_total for m in months[:4]] == [D(1000), D(1000), D(1100), D(1210)]


def test_seasonality_units_and_scenarios():
    factors = (*(D(1) for _ in range(11)), D(2))
    fin = financials(revenue=(stream(seasonality=factors),))
    months = project(fin, [], 2).months
    assert months[11].revenue_total == D(2000)  # December doubles
    units = RevenueStream("Kg", None, D(40), D("24.50"), (Step(JAN, D(0)),), JAN, None, None, D(0))
    assert project(financials(revenue=(units,)), [], 2).months[0].revenue_total == D(980)
    downside = Scenario("downside", revenue=D(-20), delay_months=2)
    months = project(financials(revenue=(stream(),)), [], 2, downside).months
    assert [m.revenue_total for m in months[:3]] == [D(0), D(0), D(800)]


def test_milestone_budgets_are_spent_once():
    due = dt.date(2027, 3, 15)
    milestones = [
        Milestone("a", "A", due, budget=D(900)),
        Milestone("b", "B", due, budget=D(1000), spend=(JAN, JAN + 2)),
        Milestone("c", "C", due, budget=D(500), done=dt.date(2027, 4, 2), actual_cost=D(620)),
        Milestone("d", "D", due, budget=D(700)),  # replaced by a hand-entered line
        Milestone("e", "E", due, budget=D(5000), capital=True),
    ]
    spent = milestone_spending(milestones, {"d"}, CENT)
    by_id = {}
    for m, month, amount in spent:
        by_id.setdefault(m.id, []).append((month - JAN, amount))
    assert by_id["a"] == [(2, D(900))]
    assert by_id["b"] == [(0, D("333.33")), (1, D("333.33")), (2, D("333.34"))]
    assert by_id["c"] == [(3, D(620))]  # done: actual cost, in the month it was done
    assert "d" not in by_id
    fin = financials(
        expenses=(Expense("Fair", "marketing", JAN + 2, JAN + 2, amount=D(700), milestone="d"),)
    )
    p = project(fin, milestones, 2)
    march = p.months[2]
    assert dict(zip(p.category_ids, march.expenses, strict=True)) == {
        "marketing": D(700),
        "milestones": D("1233.34"),
    }
    assert march.investment == D(5000)  # capital spending sits below EBITDA
    assert march.ebitda == D("-1933.34")
    assert march.net_cash == D("-6933.34")


@st.composite
def random_plans(draw):
    money = st.decimals(min_value=0, max_value=50000, places=2)
    rates = st.decimals(min_value=-5, max_value=8, places=1)
    horizon = draw(st.integers(12, 40))
    streams = tuple(
        stream(
            name=f"S{i}",
            monthly=str(draw(money)),
            growth=str(draw(rates)),
            start=JAN + draw(st.integers(0, horizon - 1)),
            cos=str(draw(st.decimals(min_value=0, max_value=100, places=1))),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    expenses = tuple(
        Expense(
            f"E{i}",
            draw(st.sampled_from(["staff", "premises", "other"])),
            JAN + draw(st.integers(0, horizon - 1)),
            None,
            monthly=draw(money),
            growth=draw(rates),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    loans = tuple(
        Loan(
            draw(money) + 1,
            draw(st.decimals(min_value=0, max_value=20, places=2)),
            draw(st.integers(1, 48)),
            JAN + draw(st.integers(0, horizon - 1)),
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    equity = tuple(
        EquityRound(draw(money), JAN + draw(st.integers(0, horizon - 1)))
        for _ in range(draw(st.integers(0, 2)))
    )
    return financials(
        horizon_months=horizon,
        starting_cash=draw(money),
        revenue=streams,
        expenses=expenses,
        loans=loans,
        equity=equity,
    ), draw(st.sampled_from([0, 2]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_plans())
def test_cash_identity_and_totals_hold_for_random_plans(plan_and_digits):
    fin, digits = plan_and_digits
    p = project(fin, [], digits)
    inflows = sum(m.inflows for m in p.months)
    outflows = sum(
        m.cost_of_sales + m.expenses_total + m.investment + m.interest + m.principal
        for m in p.months
    )
    assert fin.starting_cash + sum(m.revenue_total for m in p.months) + inflows - outflows == (
        p.ending_cash
    )
    total = p.total
    for view in (p.years, p.detail):
        assert sum(x.revenue_total for x in view) == total.revenue_total
        assert sum(x.ebitda for x in view) == total.ebitda
        assert sum(x.net_cash for x in view) == total.net_cash
        assert view[-1].closing_cash == p.ending_cash
    unit = Decimal(1).scaleb(-digits)
    for month in p.months:  # every printed figure is already rounded to the minor unit
        assert month.revenue_total == month.revenue_total.quantize(unit)
        assert month.closing_cash == month.opening_cash + month.net_cash


def test_sample_financials():
    report = prepare(SAMPLE, today=TODAY).report
    money = report.financials
    base = money.base
    assert len(base.months) == 36 and len(base.years) == 3
    assert len(base.detail) == 24 + 4  # two years of months, then quarters
    assert base.cash_negative is None
    assert money.balanced and money.sources_total == D(180000)
    assert [p.scenario.name for p in money.scenarios] == ["downside", "rates-up"]
    downside = money.scenarios[0]
    # The stress test bites, yet the plan stays covered (the sample passes --strict).
    assert downside.min_cash.closing_cash < money.base.min_cash.closing_cash
    assert money.base.min_dscr > downside.min_dscr >= D("1.25")
    assert base.min_dscr >= D("1.25")
    assert [v.month - base.months[0].first for v in money.variance] == [0, 1, 2]
    assert any(
        a.key == "rate" and a.name == "Equipment loan" and a.line > 0 for a in money.assumptions
    )


@pytest.mark.parametrize(
    ("yaml", "line", "message"),
    [
        ("starting_cash: -5\n", 1, "amount must not be negative, got `-5`"),
        (
            "funding:\n  loans:\n    - {principal: 1000, rate: 140, term_months: 12, "
            "start: 2027-02}\n",
            3,
            "expected a percentage from 0 to 100, got `140`",
        ),
        (
            "funding:\n  loans:\n    - {principal: 1000, rate: 5, term_months: 0, "
            "start: 2027-02}\n",
            3,
            "expected a whole number from 1 to 600, got `0`",
        ),
        (
            "expenses:\n  one_off:\n    - {name: Van, amount: 9000, month: 2030-01}\n",
            3,
            "`Van` month 2030-01 is outside the projection (2027-01 to 2028-12)",
        ),
        (
            "revenue:\n  - {name: Shop, monthly: 100, start: 2026-06}\n",
            2,
            "revenue `Shop` starts 2026-06, before the projection starts 2027-01",
        ),
        (
            "use_of_funds:\n  marketting: 500\n"
            "expenses:\n  recurring:\n    - {name: Ads, category: marketing, monthly: 10}\n",
            2,
            "unknown category `marketting` in use_of_funds",
        ),
        (
            "funding:\n  loans:\n    - {principal: 1000, rate: 5, term_months: 12, "
            "start: 2027-02, grace_months: 12}\n",
            3,
            "the grace period must be shorter than the loan's term",
        ),
        (
            "revenue:\n  - {name: Shop}\n",
            2,
            "revenue `Shop` needs either `monthly`, or `units` and `price`",
        ),
    ],
)
def test_financial_validation_errors_point_at_their_line(make_plan, yaml, line, message):
    header = "start: 2027-01\nhorizon_months: 24\n"
    folder = make_plan({"financials.yaml": header + yaml})
    result = check(folder, today=TODAY)
    found = [(p.position.name, p.position.line, p.message) for p in result.problems if p.is_error]
    assert found == [("financials.yaml", 2 + line, message)]


def test_cash_running_out_without_funding_warns_with_the_month(make_plan):
    folder = make_plan(
        {
            "financials.yaml": """\
                start: 2027-01
                horizon_months: 12
                starting_cash: 1000
                expenses:
                  recurring:
                    - {name: Rent, category: premises, monthly: 400}
            """
        }
    )
    result = check(folder, today=TODAY)
    [warning] = [p for p in result.problems if p.code == "cash-negative"]
    assert warning.message == "cash goes below zero in 2027-03 and the plan has no funding"


def test_low_dscr_and_unbalanced_funds_warn(make_plan):
    folder = make_plan(
        {
            "financials.yaml": """\
                start: 2027-01
                horizon_months: 24
                starting_cash: 50000
                min_dscr: 1.25
                revenue:
                  - {name: Sales, monthly: 1000}
                funding:
                  loans:
                    - {principal: 20000, rate: 8, term_months: 24, start: 2027-01}
                use_of_funds:
                  working_capital: 15000
            """
        }
    )
    result = check(folder, today=TODAY)
    codes = [p.code for p in result.problems]
    assert codes.count("dscr-low") == 2
    dscr = next(p for p in result.problems if p.code == "dscr-low")
    assert dscr.position.line == 4  # the min_dscr line
    assert "below 1.25×" in dscr.message
    [funds] = [p for p in result.problems if p.code == "funds-unbalanced"]
    assert "20000" in funds.message and "15000" in funds.message
    assert (funds.position.name, funds.position.line) == ("financials.yaml", 10)  # use_of_funds


def test_negative_cash_points_at_the_starting_cash(make_plan):
    folder = make_plan(
        {
            "financials.yaml": """                start: 2027-01
                horizon_months: 12
                starting_cash: 1000
                expenses:
                  recurring:
                    - {name: Rent, monthly: 800}
            """
        }
    )
    [cash] = [p for p in check(folder, today=TODAY).problems if p.code == "cash-negative"]
    assert cash.message == "cash goes below zero in 2027-02 and the plan has no funding"
    assert (cash.position.name, cash.position.line) == ("financials.yaml", 3)


def test_growth_step_before_the_stream_starts_is_an_error(make_plan):
    folder = make_plan(
        {
            "financials.yaml": """                start: 2027-01
                revenue:
                  - name: Shop
                    monthly: 1000
                    start: 2027-06
                    growth:
                      - {from: 2027-03, percent: 2}
            """
        }
    )
    errors = [p for p in check(folder, today=TODAY).problems if p.is_error]
    assert [(p.position.line, p.message) for p in errors] == [
        (7, "growth step of `Shop` from 2027-03 lies before the stream starts (2027-06)")
    ]


def test_huge_amounts_are_errors_at_their_line_not_crashes(make_plan):
    folder = make_plan(
        {
            "financials.yaml": """                start: 2027-01
                starting_cash: 1234567890123456789012345678901234567890
                revenue:
                  - {name: Shop, monthly: 99999999999999999999999999}
            """
        }
    )
    errors = [p for p in check(folder, today=TODAY).problems if p.is_error]
    too_large = [p.position.line for p in errors if "is too large" in p.message]
    assert too_large == [2, 4]


def test_largest_amounts_growing_fast_still_build(make_plan):
    folder = make_plan(
        {
            "financials.yaml": """                start: 2027-01
                horizon_months: 60
                starting_cash: 999999999999999.99
                revenue:
                  - {name: Shop, monthly: 999999999999999.99, growth: 10000}
            """
        }
    )
    result = check(folder, today=TODAY)
    assert not [p for p in result.problems if p.is_error]
