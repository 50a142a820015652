"""Time the financial report of a 60-month plan with 20 lines and three scenarios.

Run: .venv/bin/python benchmarks/finance_speed.py [--repeat 20]
It prints the report's time beside two references measured in the same run: the base
projection alone, and a plain Decimal loop of the same size (20 lines × 60 months × 4
projections, each figure rounded once). Figures only: nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from decimal import ROUND_HALF_EVEN, Decimal

from planbuilder.calendar import month_index
from planbuilder.finance import financial_report, project
from planbuilder.model import (
    Capex,
    EquityRound,
    Expense,
    Financials,
    GrowthStep,
    Loan,
    OpeningBalance,
    RevenueStream,
    Scenario,
    Tax,
    WorkingCapital,
)

START = month_index("2027-01")
MONTHS = 60
D = Decimal


def plan() -> Financials:
    """Six revenue streams, twelve expense lines and two loans: 20 lines."""
    streams = tuple(
        RevenueStream(
            f"Stream {i}",
            D(4000 + 500 * i),
            None,
            None,
            (GrowthStep(START, D("1.5")), GrowthStep(START + 24, D("0.8"))),
            START + i,
            None,
            tuple(D("0.9") + D(k) / 50 for k in range(12)),
            D(30 + i),
        )
        for i in range(6)
    )
    expenses = tuple(
        Expense(f"Cost {i}", f"cat{i % 4}", START, None, monthly=D(900 + 75 * i), growth=D("0.2"))
        for i in range(12)
    )
    loans = (
        Loan(D(80000), D("7.5"), 60, START, grace_months=6),
        Loan(D(25000), D("6.0"), 36, START, existing=True),
    )
    return Financials(
        start=START,
        horizon_months=MONTHS,
        starting_cash=D(30000),
        min_dscr=D("1.25"),
        milestone_spending=False,
        revenue=streams,
        expenses=expenses,
        equity=(EquityRound(D(50000), START + 1),),
        loans=loans,
        use_of_funds=(),
        scenarios=(
            Scenario("downside", revenue=D(-10), delay_months=3, delay=("Stream 5",)),
            Scenario("costs", expenses=D(8)),
            Scenario("rates", rate_points=D(2)),
        ),
        actuals=(),
        collateral=None,
        opening=OpeningBalance(cash=D(30000), receivables=D(8000), fixed_assets=D(20000)),
        capex=(Capex("Roaster", D(36000), START + 3, 84),),
        tax=Tax(D(21), D(5000)),
        working_capital=WorkingCapital(15, 20, 30),
    )


def plain_loop() -> None:
    """The same number of rounded Decimal figures, with no model around them."""
    unit = D("0.01")
    for _ in range(4):
        for line in range(20):
            amount = D(1000 + line)
            for _month in range(MONTHS):
                amount = (amount * D("1.015")).quantize(unit, rounding=ROUND_HALF_EVEN)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    fin = plan()
    report_time = best(lambda: financial_report(fin, [], 2, as_of_month=START + 6), args.repeat)
    base_time = best(lambda: project(fin, [], 2), args.repeat)
    loop_time = best(plain_loop, args.repeat)
    print(f"financial report (base, 3 scenarios, statements): {report_time * 1000:8.1f} ms")
    print(f"base projection alone:                            {base_time * 1000:8.1f} ms")
    print(f"plain Decimal loop of the same size:              {loop_time * 1000:8.1f} ms")
    print(f"report ÷ base projection: {report_time / base_time:.2f}")
    print(f"report ÷ plain loop:      {report_time / loop_time:.2f}")


if __name__ == "__main__":
    main()
