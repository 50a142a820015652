"""Financial projection (part of the compute stage): monthly cash flow, profit and loss,
loans, break-even, runway, debt service and scenarios.

Rounding rule: every amount is computed exactly in ``Decimal``. Each monthly figure of
each line (one revenue stream, one expense, one loan's interest) is rounded once,
half-even, to the currency's minor unit when the month is made; every subtotal,
total and running balance is then the sum of those rounded figures. So each printed
total equals the sum of the printed rows to the last cent, and the cash identity
(starting cash + inflows − outflows = ending cash) holds exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Context, Decimal

from planbuilder.calendar import calendar_month, index_of, month_name
from planbuilder.model import Expense, Financials, Loan, Milestone, RevenueStream, Scenario
from planbuilder.problems import Position, Problem, warning

ZERO = Decimal(0)
MILESTONE_CATEGORY = "milestones"
_WIDE = Context(prec=2000, Emax=10**6, Emin=-(10**6))
#: Months of monthly detail before the table switches to quarters.
MONTHLY_DETAIL = 24


class Rounder:
    def __init__(self, digits: int):
        self.unit = Decimal(1).scaleb(-digits)

    def __call__(self, amount: Decimal) -> Decimal:
        # A wide context: a valid amount grown over the horizon may pass 28 digits.
        return amount.quantize(self.unit, rounding=ROUND_HALF_EVEN, context=_WIDE)


@dataclass(frozen=True, slots=True)
class LoanPayment:
    month: int
    opening: Decimal
    interest: Decimal
    principal: Decimal
    closing: Decimal

    @property
    def payment(self) -> Decimal:
        return self.interest + self.principal


@dataclass(frozen=True, slots=True)
class LoanSummary:
    """A loan with its schedule, as a lender reads it."""

    loan: Loan
    schedule: tuple[LoanPayment, ...]

    @property
    def first_payment(self) -> Decimal:
        """The level monthly payment, first due when the interest-only months end."""
        return self.schedule[self.loan.grace_months].payment


def loan_schedule(loan: Loan, rounder: Rounder) -> tuple[LoanPayment, ...]:
    """Annuity schedule: interest only during the grace months, then equal payments that
    clear the loan by the end of its term (the last payment takes the rounding rest)."""
    rate = loan.rate / 100 / 12
    balance = loan.principal
    payments = []
    amortising = loan.term_months - loan.grace_months
    payment = ZERO
    for k in range(loan.term_months):
        interest = rounder(balance * rate)
        if k < loan.grace_months:
            principal = ZERO
        else:
            if k == loan.grace_months:
                payment = rounder(annuity(balance, rate, amortising))
            last = k == loan.term_months - 1
            principal = balance if last else min(balance, payment - interest)
        payments.append(
            LoanPayment(loan.start + k, balance, interest, principal, balance - principal)
        )
        balance -= principal
    return tuple(payments)


def annuity(principal: Decimal, monthly_rate: Decimal, months: int) -> Decimal:
    """The level payment that repays ``principal`` over ``months`` at ``monthly_rate``."""
    if monthly_rate == 0:
        return principal / months
    return principal * monthly_rate / (1 - (1 + monthly_rate) ** -months)


@dataclass(frozen=True, slots=True)
class Period:
    """One month, or the sum of several (a quarter, a year). Every amount is rounded."""

    first: int
    last: int
    revenue: tuple[Decimal, ...]  # per stream
    cost_of_sales: Decimal
    expenses: tuple[Decimal, ...]  # per category
    interest: Decimal
    principal: Decimal
    equity_in: Decimal
    loans_in: Decimal
    opening_cash: Decimal
    investment: Decimal = ZERO  # capital milestones: cash out below EBITDA
    required_dscr: Decimal | None = None  # the coverage a lender asks for (`min_dscr`)

    @property
    def label(self) -> str:
        return month_name(self.first)

    @property
    def months(self) -> int:
        return self.last - self.first + 1

    @property
    def revenue_total(self) -> Decimal:
        return sum(self.revenue, ZERO)

    @property
    def gross_margin(self) -> Decimal:
        return self.revenue_total - self.cost_of_sales

    @property
    def expenses_total(self) -> Decimal:
        return sum(self.expenses, ZERO)

    @property
    def costs(self) -> Decimal:
        """Cost of sales and operating expenses: what EBITDA deducts from revenue."""
        return self.cost_of_sales + self.expenses_total

    @property
    def ebitda(self) -> Decimal:
        return self.gross_margin - self.expenses_total

    @property
    def net_profit(self) -> Decimal:
        """EBITDA less interest (the plan models no depreciation or tax)."""
        return self.ebitda - self.interest

    @property
    def debt_service(self) -> Decimal:
        return self.interest + self.principal

    @property
    def dscr(self) -> Decimal | None:
        return self.ebitda / self.debt_service if self.debt_service else None

    @property
    def dscr_low(self) -> bool:
        """Debt service is covered less than the lender asks."""
        return _below(self.dscr, self.required_dscr)

    @property
    def inflows(self) -> Decimal:
        return self.equity_in + self.loans_in

    @property
    def net_cash(self) -> Decimal:
        return self.ebitda - self.investment - self.debt_service + self.inflows

    @property
    def closing_cash(self) -> Decimal:
        return self.opening_cash + self.net_cash


def combine(periods: Sequence[Period]) -> Period:
    """The sum of consecutive periods."""
    first = periods[0]
    return Period(
        first=first.first,
        last=periods[-1].last,
        revenue=tuple(sum(col, ZERO) for col in zip(*(p.revenue for p in periods), strict=True)),
        cost_of_sales=sum((p.cost_of_sales for p in periods), ZERO),
        expenses=tuple(sum(col, ZERO) for col in zip(*(p.expenses for p in periods), strict=True)),
        interest=sum((p.interest for p in periods), ZERO),
        principal=sum((p.principal for p in periods), ZERO),
        equity_in=sum((p.equity_in for p in periods), ZERO),
        loans_in=sum((p.loans_in for p in periods), ZERO),
        opening_cash=first.opening_cash,
        investment=sum((p.investment for p in periods), ZERO),
        required_dscr=first.required_dscr,
    )


def _below(value: Decimal | None, floor: Decimal | None) -> bool:
    return value is not None and floor is not None and value < floor


def chunks(periods: Sequence[Period], size: int) -> list[Period]:
    return [combine(periods[i : i + size]) for i in range(0, len(periods), size)]


@dataclass(frozen=True, slots=True)
class Projection:
    scenario: Scenario | None
    streams: tuple[str, ...]
    categories: tuple[str, ...]
    months: tuple[Period, ...]
    starting_cash: Decimal

    @property
    def years(self) -> list[Period]:
        """Consecutive 12-month blocks from the projection start (the last may be shorter)."""
        return chunks(self.months, 12)

    @property
    def detail(self) -> list[Period]:
        """What lenders expect: months for the first two years, then quarters."""
        return list(self.months[:MONTHLY_DETAIL]) + chunks(self.months[MONTHLY_DETAIL:], 3)

    @property
    def total(self) -> Period:
        return combine(self.months)

    @property
    def ending_cash(self) -> Decimal:
        return self.months[-1].closing_cash

    @property
    def break_even(self) -> int | None:
        """First month with operating profit (EBITDA) of zero or more."""
        return next((m.first for m in self.months if m.ebitda >= 0), None)

    @property
    def cash_break_even(self) -> int | None:
        """First month in which cumulative operating cash (EBITDA since the start) is back
        to zero or more after being negative; the first month if it never was negative."""
        running, was_negative = ZERO, False
        for month in self.months:
            running += month.ebitda
            if running < 0:
                was_negative = True
            elif was_negative:
                return month.first
        return None if was_negative else self.months[0].first

    @property
    def cash_negative(self) -> int | None:
        """First month whose closing cash is below zero, if any."""
        return next((m.first for m in self.months if m.closing_cash < 0), None)

    @property
    def runway_months(self) -> int | None:
        """Months of cash before it runs out, or ``None`` if it lasts the whole horizon."""
        negative = self.cash_negative
        return None if negative is None else negative - self.months[0].first

    @property
    def min_cash(self) -> Period:
        return min(self.months, key=lambda m: (m.closing_cash, m.first))

    @property
    def min_dscr(self) -> Decimal | None:
        values = [y.dscr for y in self.years if y.dscr is not None]
        return min(values) if values else None

    @property
    def min_dscr_low(self) -> bool:
        """Some year covers its debt service less than the lender asks."""
        return _below(self.min_dscr, self.months[0].required_dscr)

    @property
    def first_month(self) -> Period:
        return self.months[0]


def _growth_factor(stream: RevenueStream, month: int) -> Decimal:
    """Compound growth from the stream's start to ``month``, rate by rate."""
    factor = Decimal(1)
    for k in range(stream.start + 1, month + 1):
        rate = next(
            (step.percent for step in reversed(stream.growth) if step.start <= k), Decimal(0)
        )
        factor *= 1 + rate / 100
    return factor


def _revenue(stream: RevenueStream, month: int, scenario: Scenario | None) -> Decimal:
    delay = scenario.delay_months if scenario else 0
    shifted = replace(
        stream,
        start=stream.start + delay,
        growth=tuple(replace(g, start=g.start + delay) for g in stream.growth),
    )
    if month < shifted.start or (stream.end is not None and month > stream.end):
        return ZERO
    base = stream.monthly if stream.monthly is not None else stream.units * stream.price
    amount = base * _growth_factor(shifted, month)
    if stream.seasonality:
        amount *= stream.seasonality[calendar_month(month) - 1]
    if scenario and scenario.revenue:
        amount *= 1 + scenario.revenue / 100
    return amount


def _expense(item: Expense, month: int) -> Decimal:
    if month < item.start or (item.end is not None and month > item.end):
        return ZERO
    if item.amount is not None:
        return item.amount
    return item.monthly * (1 + item.growth / 100) ** (month - item.start)


def milestone_spending(
    milestones: Iterable[Milestone], referenced: set[str], rounder: Rounder
) -> list[tuple[Milestone, int, Decimal]]:
    """(milestone, month, amount): each budget spent in its due month (its done month and
    actual cost once done), or spread evenly over its ``spend`` range. Milestones that a
    hand-entered expense line names are left out, so nothing is counted twice."""
    spending = []
    for m in milestones:
        if m.id in referenced:
            continue
        amount = m.actual_cost if m.done is not None and m.actual_cost is not None else m.budget
        if not amount:
            continue
        if m.spend is not None:
            months = list(range(m.spend[0], m.spend[1] + 1))
        else:
            day = m.done or m.due
            months = [index_of(day)]
        share = rounder(amount / len(months))
        for i, month in enumerate(months):
            last = i == len(months) - 1
            spending.append((m, month, amount - share * (len(months) - 1) if last else share))
    return spending


def project(
    fin: Financials,
    milestones: Sequence[Milestone],
    digits: int,
    scenario: Scenario | None = None,
) -> Projection:
    """The monthly projection of ``fin``, under ``scenario`` if given."""
    rounder = Rounder(digits)
    months = range(fin.start, fin.start + fin.horizon_months)
    referenced = {e.milestone for e in fin.expenses if e.milestone}
    spending = milestone_spending(milestones, referenced, rounder) if fin.milestone_spending else []
    operating = [s for s in spending if not s[0].capital]
    categories = sorted(
        {e.category for e in fin.expenses} | ({MILESTONE_CATEGORY} if operating else set())
    )
    milestone_by_month: dict[int, Decimal] = defaultdict(lambda: ZERO)
    investment_by_month: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for milestone, month, amount in spending:
        target = investment_by_month if milestone.capital else milestone_by_month
        target[month] += amount
    schedules = [loan_schedule(loan, rounder) for loan in fin.loans]
    expense_factor = 1 + (scenario.expenses / 100 if scenario and scenario.expenses else ZERO)
    cash = fin.starting_cash
    periods = []
    for month in months:
        revenue = tuple(rounder(_revenue(s, month, scenario)) for s in fin.revenue)
        cost = sum(
            (rounder(r * s.cost_of_sales / 100) for r, s in zip(revenue, fin.revenue, strict=True)),
            ZERO,
        )
        by_category: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for item in fin.expenses:
            by_category[item.category] += rounder(_expense(item, month) * expense_factor)
        if operating:
            by_category[MILESTONE_CATEGORY] += rounder(milestone_by_month[month] * expense_factor)
        payments = [p for schedule in schedules for p in schedule if p.month == month]
        period = Period(
            first=month,
            last=month,
            revenue=revenue,
            cost_of_sales=cost,
            expenses=tuple(by_category[c] for c in categories),
            interest=sum((p.interest for p in payments), ZERO),
            principal=sum((p.principal for p in payments), ZERO),
            equity_in=sum((e.amount for e in fin.equity if e.month == month), ZERO),
            loans_in=sum((loan.principal for loan in fin.loans if loan.start == month), ZERO),
            opening_cash=cash,
            investment=rounder(investment_by_month[month] * expense_factor),
            required_dscr=fin.min_dscr,
        )
        cash = period.closing_cash
        periods.append(period)
    return Projection(
        scenario=scenario,
        streams=tuple(s.name for s in fin.revenue),
        categories=tuple(categories),
        months=tuple(periods),
        starting_cash=fin.starting_cash,
    )


@dataclass(frozen=True, slots=True)
class Variance:
    month: int
    forecast_revenue: Decimal
    actual_revenue: Decimal | None
    forecast_expenses: Decimal  # cost of sales + operating expenses + investment
    actual_expenses: Decimal | None

    @property
    def revenue_variance(self) -> Decimal | None:
        return None if self.actual_revenue is None else self.actual_revenue - self.forecast_revenue

    @property
    def expenses_variance(self) -> Decimal | None:
        if self.actual_expenses is None:
            return None
        return self.actual_expenses - self.forecast_expenses


@dataclass(frozen=True, slots=True)
class Assumption:
    """One driver of the projection and where it is written. The theme words it from
    ``key`` (``growth_from`` → "Subscriptions: monthly growth from Jan 2026")."""

    key: str
    value: Decimal | str | tuple[int, int]
    unit: str  # money | percent | count | text | term (months, interest-only months)
    line: int
    name: str = ""  # the stream, expense, loan or investor it is about
    category: str = ""
    month: int | None = None


@dataclass(frozen=True, slots=True)
class FinancialReport:
    financials: Financials
    base: Projection
    scenarios: tuple[Projection, ...]
    loans: tuple[tuple[Loan, tuple[LoanPayment, ...]], ...]
    sources: tuple[tuple[str, str, Decimal], ...]
    uses: tuple[tuple[str, Decimal], ...]
    milestone_spending: tuple[tuple[Milestone, Decimal], ...]  # within the projection
    variance: tuple[Variance, ...]
    assumptions: tuple[Assumption, ...]

    @property
    def sources_total(self) -> Decimal:
        return sum((amount for _, _, amount in self.sources), ZERO)

    @property
    def uses_total(self) -> Decimal:
        return sum((amount for _, amount in self.uses), ZERO)

    @property
    def balanced(self) -> bool:
        return not self.uses or self.sources_total == self.uses_total

    @property
    def projections(self) -> tuple[Projection, ...]:
        """The base projection, then each scenario's."""
        return (self.base, *self.scenarios)

    @property
    def loan_summaries(self) -> tuple[LoanSummary, ...]:
        return tuple(LoanSummary(loan, schedule) for loan, schedule in self.loans)


def _line(position: Position | None) -> int:
    return position.line if position is not None else 0


def _assumptions(fin: Financials) -> tuple[Assumption, ...]:
    cash_at = fin.position_of("starting_cash") if "starting_cash" in dict(fin.positions) else None
    found = [Assumption("starting_cash", fin.starting_cash, "money", _line(cash_at))]
    for s in fin.revenue:
        if s.monthly is not None:
            found.append(Assumption("first_month", s.monthly, "money", _line(s.position), s.name))
        else:
            found.append(Assumption("units", s.units, "count", _line(s.position), s.name))
            found.append(Assumption("price", s.price, "money", _line(s.position), s.name))
        for step in s.growth:
            if step.percent or step is s.growth[0]:
                found.append(
                    Assumption(
                        "growth_from",
                        step.percent,
                        "percent",
                        _line(s.position),
                        s.name,
                        month=step.start,
                    )
                )
        found.append(
            Assumption("cost_of_sales", s.cost_of_sales, "percent", _line(s.position), s.name)
        )
        if s.seasonality:
            factors = ", ".join(str(f) for f in s.seasonality)
            found.append(Assumption("seasonality", factors, "text", _line(s.position), s.name))
    for e in fin.expenses:
        if e.monthly is not None:
            found.append(
                Assumption(
                    "monthly_expense", e.monthly, "money", _line(e.position), e.name, e.category
                )
            )
            if e.growth:
                found.append(
                    Assumption("expense_growth", e.growth, "percent", _line(e.position), e.name)
                )
        else:
            found.append(
                Assumption(
                    "one_off", e.amount, "money", _line(e.position), e.name, e.category, e.start
                )
            )
    for loan in fin.loans:
        name = loan.name or loan.lender or ""
        found.append(Assumption("principal", loan.principal, "money", _line(loan.position), name))
        found.append(Assumption("rate", loan.rate, "percent", _line(loan.position), name))
        terms = (loan.term_months, loan.grace_months)
        found.append(Assumption("term", terms, "term", _line(loan.position), name))
    for round_ in fin.equity:
        found.append(
            Assumption(
                "equity",
                round_.amount,
                "money",
                _line(round_.position),
                round_.investor or "",
                month=round_.month,
            )
        )
    return tuple(found)


def financial_report(
    fin: Financials, milestones: Sequence[Milestone], digits: int
) -> FinancialReport:
    """The base projection, every scenario, loan schedules, sources and uses, variance."""
    rounder = Rounder(digits)
    base = project(fin, milestones, digits)
    scenarios = tuple(project(fin, milestones, digits, s) for s in fin.scenarios)
    horizon = range(fin.start, fin.start + fin.horizon_months)
    referenced = {e.milestone for e in fin.expenses if e.milestone}
    spent: dict[str, Decimal] = defaultdict(lambda: ZERO)
    if fin.milestone_spending:
        for milestone, month, amount in milestone_spending(milestones, referenced, rounder):
            if month in horizon:
                spent[milestone.id] += amount
    by_month = {m.first: m for m in base.months}
    variance = tuple(
        Variance(
            month,
            by_month[month].revenue_total,
            revenue,
            by_month[month].cost_of_sales
            + by_month[month].expenses_total
            + by_month[month].investment,
            expenses,
        )
        for month, revenue, expenses in fin.actuals
        if month in by_month
    )
    # (kind, name, amount): the theme words the kind ("Equity", "Loan").
    sources = tuple(
        [("equity", e.investor or "", e.amount) for e in fin.equity]
        + [("loan", loan.name or loan.lender or "", loan.principal) for loan in fin.loans]
    )
    return FinancialReport(
        financials=fin,
        base=base,
        scenarios=scenarios,
        loans=tuple((loan, loan_schedule(loan, rounder)) for loan in fin.loans),
        sources=sources,
        uses=fin.use_of_funds,
        milestone_spending=tuple((m, spent[m.id]) for m in milestones if spent.get(m.id)),
        variance=variance,
        assumptions=_assumptions(fin),
    )


def _cash_key(fin: Financials, funded: bool) -> str:
    """The field that best explains cash running out: the funding that does not cover
    the plan, else the starting cash that runs out, else the projection's start."""
    given = dict(fin.positions)
    if funded and "funding" in given:
        return "funding"
    return "starting_cash" if "starting_cash" in given else "start"


def financial_warnings(report: FinancialReport, currency: str) -> list[Problem]:
    """What a lender would question: cash below zero, thin debt cover, unbalanced funds."""
    fin = report.financials
    found = []
    base = report.base
    negative = base.cash_negative
    if negative is not None:
        funded = bool(fin.equity or fin.loans)
        found.append(
            warning(
                f"cash goes below zero in {month_name(negative)}"
                + ("" if funded else " and the plan has no funding"),
                fin.position_of(_cash_key(fin, funded)),
                hint="add funding (`funding: equity:` or `loans:`), more starting cash, "
                "or move spending later",
                code="cash-negative",
            )
        )
    for year in base.years:
        if year.dscr is not None and year.dscr < fin.min_dscr:
            found.append(
                warning(
                    f"debt-service coverage {year.dscr:.2f}× in the year from "
                    f"{month_name(year.first)} is below {fin.min_dscr}×",
                    fin.position_of("min_dscr"),
                    hint="lenders want operating profit to cover repayments with room to "
                    "spare; lengthen the term, borrow less, or lower `min_dscr` if agreed",
                    code="dscr-low",
                )
            )
    if not report.balanced:
        found.append(
            warning(
                f"sources of funds ({report.sources_total} {currency}) and uses "
                f"({report.uses_total} {currency}) do not balance",
                fin.position_of("use_of_funds"),
                hint="make use_of_funds add up to the equity and loans raised",
                code="funds-unbalanced",
            )
        )
    return found
