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
from planbuilder.keep import KeptByIdentity
from planbuilder.model import (
    Capex,
    Expense,
    Financials,
    Loan,
    Milestone,
    RevenueStream,
    Scenario,
    UseOfFunds,
)
from planbuilder.names import Words, display_name
from planbuilder.problems import Position, Problem, warning
from planbuilder.statements import (
    Statement,
    YearSummary,
    printed_months,
    statements,
    year_summary,
)

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
    """One month, or the sum of several (a quarter, a fiscal year). Every amount is rounded.

    Flows (revenue, depreciation, tax, changes in working capital ...) are sums over the
    period's months; balances (receivables, loans, equity ...) are those at its end."""

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
    investment: Decimal = ZERO  # capex: cash out below EBITDA, depreciated
    required_dscr: Decimal | None = None  # the coverage a lender asks for (`min_dscr`)
    depreciation: Decimal = ZERO
    tax: Decimal = ZERO  # income tax expense (accrued)
    tax_paid: Decimal = ZERO
    draws: Decimal = ZERO  # owner draws or dividends
    receivables_change: Decimal = ZERO
    inventory_change: Decimal = ZERO
    payables_change: Decimal = ZERO
    # balances at the period's end
    receivables: Decimal = ZERO
    inventory: Decimal = ZERO
    payables: Decimal = ZERO
    tax_payable: Decimal = ZERO
    fixed_assets_cost: Decimal = ZERO
    accumulated_depreciation: Decimal = ZERO
    loan_balances: tuple[Decimal, ...] = ()  # per loan, in the order of ``Projection.loans``
    paid_in_capital: Decimal = ZERO
    retained_earnings: Decimal = ZERO
    kind: str = "month"  # month | quarter | year (a fiscal year) | total
    fiscal_year: int = 0  # the calendar year the fiscal year ends in
    # Months with actuals (README, "Actuals"): the actual total less the forecast's lines.
    revenue_difference: Decimal = ZERO
    costs_difference: Decimal = ZERO  # actual costs − cost of sales and operating expenses
    capex_difference: Decimal = ZERO  # actual capex − the forecast's capex
    actual_months: tuple[int, ...] = ()  # the months of the period with actuals

    @property
    def label(self) -> str:
        return month_name(self.first)

    @property
    def months(self) -> int:
        return self.last - self.first + 1

    @property
    def partial(self) -> bool:
        """A fiscal year the projection covers only in part."""
        return self.kind == "year" and self.months < 12

    @property
    def basis(self) -> str:
        """``actual`` (every month has actuals), ``projected`` (none) or ``mixed``."""
        if not self.actual_months:
            return "projected"
        return "actual" if len(self.actual_months) == self.months else "mixed"

    @property
    def actual_through(self) -> int | None:
        """The last actual month of a mixed period whose actual months come first and
        follow each other (``Actual to Mar 2026``); ``None`` otherwise."""
        found = self.actual_months
        if self.basis != "mixed" or found != tuple(range(self.first, self.first + len(found))):
            return None
        return found[-1]

    @property
    def revenue_total(self) -> Decimal:
        return sum(self.revenue, ZERO) + self.revenue_difference

    @property
    def gross_margin(self) -> Decimal:
        return self.revenue_total - self.cost_of_sales

    @property
    def expenses_total(self) -> Decimal:
        """Operating expenses: the categories, and the difference of actual costs from the
        forecast (actual costs are not split between cost of sales and expenses)."""
        return sum(self.expenses, ZERO) + self.costs_difference

    @property
    def costs(self) -> Decimal:
        """Cost of sales and operating expenses: what EBITDA deducts from revenue."""
        return self.cost_of_sales + self.expenses_total

    @property
    def ebitda(self) -> Decimal:
        return self.gross_margin - self.expenses_total

    @property
    def ebit(self) -> Decimal:
        return self.ebitda - self.depreciation

    @property
    def profit_before_tax(self) -> Decimal:
        return self.ebit - self.interest

    @property
    def net_profit(self) -> Decimal:
        return self.profit_before_tax - self.tax

    @property
    def break_even_revenue(self) -> Decimal | None:
        """Fixed costs ÷ contribution margin ratio: the revenue at which EBITDA is zero."""
        if self.gross_margin <= 0:
            return None
        return self.expenses_total * self.revenue_total / self.gross_margin

    @property
    def debt_service(self) -> Decimal:
        return self.interest + self.principal

    @property
    def cash_available_for_debt_service(self) -> Decimal:
        """EBITDA − income tax paid − owner draws (the DSCR's numerator)."""
        return self.ebitda - self.tax_paid - self.draws

    @property
    def dscr(self) -> Decimal | None:
        """(EBITDA − income tax paid − owner draws) ÷ scheduled interest and principal;
        ``None`` when no debt service falls in the period."""
        if not self.debt_service:
            return None
        return self.cash_available_for_debt_service / self.debt_service

    @property
    def dscr_low(self) -> bool:
        """Debt service is covered less than the lender asks."""
        return _below(self.dscr, self.required_dscr)

    @property
    def inflows(self) -> Decimal:
        return self.equity_in + self.loans_in

    @property
    def tax_payable_change(self) -> Decimal:
        return self.tax - self.tax_paid

    @property
    def operating_cash(self) -> Decimal:
        """Indirect method: net profit + depreciation ± changes in working capital."""
        return (
            self.net_profit
            + self.depreciation
            - self.receivables_change
            - self.inventory_change
            + self.payables_change
            + self.tax_payable_change
        )

    @property
    def investing_cash(self) -> Decimal:
        return -self.investment

    @property
    def financing_cash(self) -> Decimal:
        return self.equity_in + self.loans_in - self.principal - self.draws

    @property
    def other_cash(self) -> Decimal:
        """What the monthly table's columns leave out of net cash: income tax paid, owner
        draws and the changes in working capital."""
        return (
            self.payables_change
            - self.receivables_change
            - self.inventory_change
            - self.tax_paid
            - self.draws
        )

    @property
    def free_cash_flow(self) -> Decimal:
        return self.operating_cash - self.investment

    @property
    def net_cash(self) -> Decimal:
        return self.operating_cash + self.investing_cash + self.financing_cash

    @property
    def closing_cash(self) -> Decimal:
        return self.opening_cash + self.net_cash

    @property
    def fixed_assets(self) -> Decimal:
        """Fixed assets at cost less accumulated depreciation."""
        return self.fixed_assets_cost - self.accumulated_depreciation

    @property
    def total_assets(self) -> Decimal:
        return self.closing_cash + self.receivables + self.inventory + self.fixed_assets

    @property
    def loans_total(self) -> Decimal:
        return sum(self.loan_balances, ZERO)

    @property
    def total_liabilities(self) -> Decimal:
        return self.payables + self.tax_payable + self.loans_total

    @property
    def equity(self) -> Decimal:
        return self.paid_in_capital + self.retained_earnings

    @property
    def liabilities_and_equity(self) -> Decimal:
        return self.total_liabilities + self.equity

    @property
    def balances(self) -> bool:
        """Total assets equal liabilities plus equity, to the cent."""
        return self.total_assets == self.liabilities_and_equity


_FLOWS = (
    "cost_of_sales",
    "interest",
    "principal",
    "equity_in",
    "loans_in",
    "investment",
    "depreciation",
    "tax",
    "tax_paid",
    "draws",
    "receivables_change",
    "inventory_change",
    "payables_change",
    "revenue_difference",
    "costs_difference",
    "capex_difference",
)
_BALANCES = (
    "receivables",
    "inventory",
    "payables",
    "tax_payable",
    "fixed_assets_cost",
    "accumulated_depreciation",
    "loan_balances",
    "paid_in_capital",
    "retained_earnings",
)


def combine(periods: Sequence[Period], kind: str | None = None) -> Period:
    """The sum of consecutive periods: flows added, balances taken at the end."""
    first, end = periods[0], periods[-1]
    flows = {name: sum((getattr(p, name) for p in periods), ZERO) for name in _FLOWS}
    balances = {name: getattr(end, name) for name in _BALANCES}
    return Period(
        first=first.first,
        last=end.last,
        revenue=tuple(sum(col, ZERO) for col in zip(*(p.revenue for p in periods), strict=True)),
        expenses=tuple(sum(col, ZERO) for col in zip(*(p.expenses for p in periods), strict=True)),
        opening_cash=first.opening_cash,
        required_dscr=first.required_dscr,
        kind=kind or ("month" if len(periods) == 1 else "quarter"),
        fiscal_year=end.fiscal_year,
        actual_months=tuple(month for p in periods for month in p.actual_months),
        **flows,
        **balances,
    )


def _below(value: Decimal | None, floor: Decimal | None) -> bool:
    return value is not None and floor is not None and value < floor


def chunks(periods: Sequence[Period], size: int) -> list[Period]:
    return [combine(periods[i : i + size]) for i in range(0, len(periods), size)]


def fiscal_year_of(month: int, first_month: int) -> int:
    """The calendar year in which the fiscal year holding ``month`` ends."""
    key = (month - (first_month - 1)) // 12
    return key + (1 if first_month > 1 else 0)


def _by_fiscal_year(periods: Sequence[Period]) -> list[list[Period]]:
    groups: list[list[Period]] = []
    for p in periods:
        if groups and groups[-1][-1].fiscal_year == p.fiscal_year:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


def _sustained(periods: Sequence[Period], holds) -> int | None:
    """The first month from which ``holds`` is true for every month to the horizon."""
    found = None
    for p in reversed(periods):
        if not holds(p):
            break
        found = p.first
    return found


@dataclass(frozen=True, slots=True)
class Projection:
    scenario: Scenario | None
    streams: tuple[str, ...]
    categories: tuple[str, ...]  # the expense categories' display names, in the order of
    # each period's ``expenses``
    months: tuple[Period, ...]
    starting_cash: Decimal
    loans: tuple[Loan, ...] = ()  # every loan, existing ones first (balance sheet order)
    fiscal_year_start: int = 1
    category_ids: tuple[str, ...] = ()  # the ids behind ``categories``

    @property
    def fiscal_years(self) -> list[Period]:
        """One period per fiscal year (the first and last may be partial years)."""
        return [combine(group, "year") for group in _by_fiscal_year(self.months)]

    @property
    def years(self) -> list[Period]:
        """The fiscal years (see ``fiscal_years``)."""
        return self.fiscal_years

    @property
    def detail(self) -> list[Period]:
        """What lenders expect: months for the first two years, then quarters (a quarter
        never straddles two fiscal years)."""
        head = list(self.months[:MONTHLY_DETAIL])
        quarters: list[list[Period]] = []
        for month in self.months[MONTHLY_DETAIL:]:
            # Quarters follow the fiscal year: a new one every third month from its start.
            if not quarters or (month.first - (self.fiscal_year_start - 1)) % 3 == 0:
                quarters.append([])
            quarters[-1].append(month)
        return head + [combine(q) for q in quarters]

    @property
    def columns(self) -> list[Period]:
        """The statements' columns: each fiscal year's months or quarters, then its total."""
        detail = self.detail
        out: list[Period] = []
        for year in self.fiscal_years:
            out += [p for p in detail if year.first <= p.first <= year.last]
            out.append(year)
        return out

    @property
    def total(self) -> Period:
        return combine(self.months, "total")

    @property
    def ending_cash(self) -> Decimal:
        return self.months[-1].closing_cash

    @property
    def has_actuals(self) -> bool:
        """Some month carries actual figures (the statements mark actual and projected)."""
        return any(m.actual_months for m in self.months)

    @property
    def break_even(self) -> int | None:
        """Sustained break-even: the first month from which EBITDA stays at or above zero
        to the end of the projection."""
        return _sustained(self.months, lambda m: m.ebitda >= 0)

    @property
    def first_positive_month(self) -> int | None:
        """The first single month with EBITDA of zero or more (it may dip again)."""
        return next((m.first for m in self.months if m.ebitda >= 0), None)

    @property
    def payback(self) -> int | None:
        """The month from which cumulative free cash flow (operating cash − capex) stays
        above zero to the horizon."""
        running, cumulative = ZERO, []
        for month in self.months:
            running += month.free_cash_flow
            cumulative.append(running)
        found = None
        for month, value in zip(reversed(self.months), reversed(cumulative), strict=True):
            if value <= 0:
                break
            found = month.first
        return found

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
        values = [y.dscr for y in self.fiscal_years if y.dscr is not None]
        return min(values) if values else None

    @property
    def min_dscr_low(self) -> bool:
        """Some fiscal year covers its debt service less than the lender asks."""
        return _below(self.min_dscr, self.months[0].required_dscr)

    @property
    def net_profit_total(self) -> Decimal:
        return sum((m.net_profit for m in self.months), ZERO)

    @property
    def first_month(self) -> Period:
        return self.months[0]


def _growth_factors(stream: RevenueStream, last: int) -> dict[int, Decimal]:
    """Compound growth from the stream's start to each month up to ``last``, rate by rate
    (one running product, so each month costs one multiplication)."""
    factor = Decimal(1)
    factors = {stream.start: factor}
    rates = sorted(stream.growth, key=lambda step: step.start)
    for k in range(stream.start + 1, last + 1):
        rate = next((step.percent for step in reversed(rates) if step.start <= k), Decimal(0))
        factor *= 1 + rate / 100
        factors[k] = factor
    return factors


def _delays(scenario: Scenario | None, name: str, stream: bool) -> int:
    """How many months ``scenario`` delays a stream or milestone: those it names in
    ``delay``; without names, every revenue stream (and no milestone)."""
    if scenario is None or not scenario.delay_months:
        return 0
    if scenario.delay:
        return scenario.delay_months if name in scenario.delay else 0
    return scenario.delay_months if stream else 0


def _shifted(stream: RevenueStream, delay: int) -> RevenueStream:
    if not delay:
        return stream
    return replace(
        stream,
        start=stream.start + delay,
        end=None if stream.end is None else stream.end + delay,
        growth=tuple(replace(g, start=g.start + delay) for g in stream.growth),
    )


def _revenue(
    stream: RevenueStream, month: int, scenario: Scenario | None, factors: dict[int, Decimal]
) -> Decimal:
    if month < stream.start or (stream.end is not None and month > stream.end):
        return ZERO
    base = stream.monthly if stream.monthly is not None else stream.units * stream.price
    amount = base * factors[month]
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
    hand-entered expense line names are left out, so nothing is counted twice.

    The last answer is kept (for the same milestones object, names and rounding): a
    report projects the same milestones once per scenario."""
    key = (frozenset(referenced), rounder.unit)
    last = _LAST_SPENDING[0]
    if last is not None and last[0] is milestones and last[1] == key:
        return list(last[2])
    spending = _milestone_spending(milestones, referenced, rounder)
    if isinstance(milestones, tuple):  # immutable: the same object, the same answer
        _LAST_SPENDING[0] = (milestones, key, tuple(spending))
    return spending


#: (milestones, (names, rounding unit), spending) of the last call.
_LAST_SPENDING: list[tuple | None] = [None]


#: Each milestone's spending by month, kept for the very same milestone object (the dev
#: server's model hands down the unchanged ones) with the same names left out and the same
#: rounding unit (as written: ``0.01`` and ``0.010`` round differently).
_SPENT: KeptByIdentity[Milestone, tuple[tuple[int, Decimal], ...]] = KeptByIdentity()


def _milestone_spending(
    milestones: Iterable[Milestone], referenced: set[str], rounder: Rounder
) -> list[tuple[Milestone, int, Decimal]]:
    milestones = list(milestones)
    parts = _SPENT.map(
        milestones,
        lambda m: _spent_by_month(m, referenced, rounder),
        (frozenset(referenced), str(rounder.unit)),
    )
    spending = []
    for m, months in zip(milestones, parts, strict=True):
        for month, amount in months:
            spending.append((m, month, amount))
    return spending


def _spent_by_month(
    m: Milestone, referenced: set[str], rounder: Rounder
) -> tuple[tuple[int, Decimal], ...]:
    """(month, amount) of what ``milestone_spending`` counts for one milestone."""
    if m.id in referenced:
        return ()
    amount = m.actual_cost if m.done is not None and m.actual_cost is not None else m.budget
    if not amount:
        return ()
    if m.spend is not None:
        months = list(range(m.spend[0], m.spend[1] + 1))
    else:
        day = m.done or m.due
        months = [index_of(day)]
    share = rounder(amount / len(months))
    return tuple(
        (month, amount - share * (len(months) - 1) if i == len(months) - 1 else share)
        for i, month in enumerate(months)
    )


def depreciation_schedule(amount: Decimal, first: int, life: int, rounder: Rounder):
    """Straight-line: ``amount`` ÷ ``life`` a month, rounded once, from month ``first``;
    the last month takes the rounding rest so the asset is written off exactly."""
    share = rounder(amount / life)
    left = amount
    for k in range(life):
        part = left if k == life - 1 else min(share, left)
        left -= part
        yield first + k, part


def _capex(
    fin: Financials,
    spending: Sequence[tuple[Milestone, int, Decimal]],
    scenario: Scenario | None,
    fixed: Iterable[int] = (),
) -> list[Capex]:
    """Capex lines, and capital milestones as capex (each month of spending one line). A
    scenario's delay moves nothing out of a month whose capex is actual (``fixed``)."""
    lines = list(fin.capex)
    for milestone, month, amount in spending:
        if milestone.capital:
            delay = 0 if month in fixed else _delays(scenario, milestone.id, stream=False)
            lines.append(
                Capex(milestone.title, amount, month + delay, fin.capital_life_months, milestone.id)
            )
    return lines


def _at_actual_capex(
    lines: Sequence[tuple[Capex, Decimal]], actual: dict[int, Decimal], life: int, rounder: Rounder
) -> list[tuple[Capex, Decimal]]:
    """(line, amount) with each month of ``actual`` capex at that actual total: the month's
    forecast lines share it in proportion to their amounts, so a capital milestone booked
    at its actual cost is never counted twice (the last line takes the rounding rest); a
    month without forecast capex gets one line depreciated over ``life`` months."""
    out = [(line, amount) for line, amount in lines if line.month not in actual]
    for month, total in actual.items():
        inside = [(line, amount) for line, amount in lines if line.month == month]
        forecast = sum((amount for _, amount in inside), ZERO)
        if not forecast:
            if total:
                out.append((Capex("", total, month, life), total))
            continue
        left = total
        for k, (line, amount) in enumerate(inside):
            share = left if k == len(inside) - 1 else rounder(total * amount / forecast)
            left -= share
            out.append((line, share))
    return out


def _scenario_loan(loan: Loan, scenario: Scenario | None) -> Loan:
    if scenario is None or not scenario.rate_points:
        return loan
    return replace(loan, rate=max(ZERO, loan.rate + scenario.rate_points))


def project(
    fin: Financials,
    milestones: Sequence[Milestone],
    digits: int,
    scenario: Scenario | None = None,
    words: Words | None = None,
) -> Projection:
    """The monthly statements of ``fin``, under ``scenario`` if given. ``words`` are the
    theme's names of standard categories (``other``, ``milestones``)."""
    rounder = Rounder(digits)
    months = range(fin.start, fin.start + fin.horizon_months)
    last = months[-1]
    referenced = {e.milestone for e in fin.expenses if e.milestone}
    spending = milestone_spending(milestones, referenced, rounder) if fin.milestone_spending else []
    operating = [s for s in spending if not s[0].capital]
    categories = sorted(
        {e.category for e in fin.expenses} | ({MILESTONE_CATEGORY} if operating else set())
    )
    cost_factor = 1 + (scenario.expenses / 100 if scenario and scenario.expenses else ZERO)
    # Actuals are facts: a scenario changes none of them, and moves no spending out of them.
    actuals = {m: (revenue, costs, capex) for m, revenue, costs, capex in fin.actuals}
    actual_costs = {m for m, (_, costs, _) in actuals.items() if costs is not None}
    actual_capex = {m: rounder(a[2]) for m, a in actuals.items() if a[2] is not None}
    milestone_by_month: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for milestone, month, amount in operating:
        delay = 0 if month in actual_costs else _delays(scenario, milestone.id, stream=False)
        milestone_by_month[month + delay] += amount
    # Capex: cash out in its month, depreciated straight-line from the month after.
    capex_by_month: dict[int, Decimal] = defaultdict(lambda: ZERO)
    depreciation: dict[int, Decimal] = defaultdict(lambda: ZERO)
    opening = fin.opening
    if opening.fixed_assets:
        for month, part in depreciation_schedule(
            opening.fixed_assets, fin.start, opening.fixed_assets_life_months, rounder
        ):
            depreciation[month] += part
    forecast_capex: dict[int, Decimal] = defaultdict(lambda: ZERO)
    lines = [
        (line, rounder(line.amount * cost_factor))
        for line in _capex(fin, spending, scenario, actual_capex)
    ]
    for line, amount in lines:
        forecast_capex[line.month] += amount
    for line, amount in _at_actual_capex(lines, actual_capex, fin.capital_life_months, rounder):
        capex_by_month[line.month] += amount
        for month, part in depreciation_schedule(amount, line.month + 1, line.life_months, rounder):
            depreciation[month] += part
    streams = [_shifted(s, _delays(scenario, s.name, stream=True)) for s in fin.revenue]
    growth = [_growth_factors(s, last) for s in streams]
    loans = tuple(sorted(fin.loans, key=lambda loan: not loan.existing))
    schedules = [loan_schedule(_scenario_loan(loan, scenario), rounder) for loan in loans]
    payments_by_month: dict[int, list[tuple[int, LoanPayment]]] = defaultdict(list)
    for i, schedule in enumerate(schedules):
        for payment in schedule:
            payments_by_month[payment.month].append((i, payment))
    balances = [loan.principal if loan.existing else ZERO for loan in loans]
    draws_by_month: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for draw in fin.owner_draws:
        for month in range(draw.start, min(draw.end, last) + 1):
            draws_by_month[month] += draw.amount
    wc = fin.working_capital
    tax = fin.tax
    loss_pool = tax.losses_carried_forward if tax else ZERO
    ytd_profit = ytd_tax = ZERO
    tax_due: dict[int, Decimal] = defaultdict(lambda: ZERO)
    receivables, inventory, payables = opening.receivables, opening.inventory, opening.payables
    tax_payable = ZERO
    fixed_cost, accumulated = opening.fixed_assets, ZERO
    paid_in = opening.paid_in_capital
    retained = (
        fin.starting_cash
        + opening.receivables
        + opening.inventory
        + opening.fixed_assets
        - opening.payables
        - sum(balances, ZERO)
        - paid_in
    )
    cash = fin.starting_cash
    periods = []
    for month in months:
        revenue = tuple(
            rounder(_revenue(s, month, scenario, g)) for s, g in zip(streams, growth, strict=True)
        )
        cost = sum(
            (
                rounder(r * s.cost_of_sales / 100 * cost_factor)
                for r, s in zip(revenue, fin.revenue, strict=True)
            ),
            ZERO,
        )
        by_category: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for item in fin.expenses:
            shift = _delays(scenario, item.milestone, stream=False) if item.milestone else 0
            amount = _expense(item, month - shift)
            if shift and (month in actual_costs or month - shift in actual_costs):
                # Nothing moves out of a month with actual costs: it keeps its own amount.
                amount = ZERO if month - shift in actual_costs else amount
                amount += _expense(item, month) if month in actual_costs else ZERO
            by_category[item.category] += rounder(amount * cost_factor)
        if operating:
            by_category[MILESTONE_CATEGORY] += rounder(milestone_by_month[month] * cost_factor)
        interest = principal = ZERO
        for i, payment in payments_by_month[month]:
            interest += payment.interest
            principal += payment.principal
            balances[i] = payment.closing
        # A new loan is drawn in its start month, which also carries its first payment.
        loans_in = sum(
            (loan.principal for loan in loans if not loan.existing and loan.start == month), ZERO
        )
        expenses = tuple(by_category[c] for c in categories)
        # A month's actual revenue and costs replace the forecast's totals; the forecast's
        # lines stay, and the difference is a line of its own (README, "Actuals").
        revenue_total, costs = sum(revenue, ZERO), cost + sum(expenses, ZERO)
        revenue_difference = costs_difference = ZERO
        actual = actuals.get(month)
        if actual is not None and actual[0] is not None:
            revenue_difference = rounder(actual[0]) - revenue_total
            revenue_total += revenue_difference
        if actual is not None and actual[1] is not None:
            costs_difference = rounder(actual[1]) - costs
            costs += costs_difference
        new_receivables = rounder(revenue_total * wc.receivable_days / 30)
        new_inventory = rounder(cost * wc.inventory_days / 30)
        new_payables = rounder(cost * wc.payable_days / 30)
        dep = depreciation[month]
        invest = capex_by_month[month]
        profit_before_tax = revenue_total - costs - dep - interest
        fiscal = fiscal_year_of(month, fin.fiscal_year_start)
        month_tax = ZERO
        if tax is not None:
            # Year to date: the year's profit less the losses carried into it, taxed once.
            ytd_profit += profit_before_tax
            target = rounder(max(ZERO, ytd_profit - loss_pool) * tax.rate / 100)
            month_tax, ytd_tax = target - ytd_tax, target
            if fiscal_year_of(month + 1, fin.fiscal_year_start) != fiscal:
                if ytd_profit < 0:
                    loss_pool -= ytd_profit
                else:
                    loss_pool -= min(loss_pool, ytd_profit)
                due = month + max(tax.paid_months_after_year_end, 0)
                tax_due[due] += ytd_tax
                ytd_profit = ytd_tax = ZERO
        paid = tax_due.pop(month, ZERO)
        draw = draws_by_month[month]
        equity_in = sum((e.amount for e in fin.equity if e.month == month), ZERO)
        period = Period(
            first=month,
            last=month,
            revenue=revenue,
            cost_of_sales=cost,
            expenses=expenses,
            interest=interest,
            principal=principal,
            equity_in=equity_in,
            loans_in=loans_in,
            opening_cash=cash,
            investment=invest,
            required_dscr=fin.min_dscr,
            depreciation=dep,
            tax=month_tax,
            tax_paid=paid,
            draws=draw,
            receivables_change=new_receivables - receivables,
            inventory_change=new_inventory - inventory,
            payables_change=new_payables - payables,
            receivables=new_receivables,
            inventory=new_inventory,
            payables=new_payables,
            tax_payable=tax_payable + month_tax - paid,
            fixed_assets_cost=fixed_cost + invest,
            accumulated_depreciation=accumulated + dep,
            loan_balances=tuple(balances),
            paid_in_capital=paid_in + equity_in,
            retained_earnings=retained + profit_before_tax - month_tax - draw,
            fiscal_year=fiscal,
            revenue_difference=revenue_difference,
            costs_difference=costs_difference,
            capex_difference=invest - forecast_capex[month],
            actual_months=(month,) if actual is not None else (),
        )
        receivables, inventory, payables = new_receivables, new_inventory, new_payables
        tax_payable, fixed_cost = period.tax_payable, period.fixed_assets_cost
        accumulated, paid_in = period.accumulated_depreciation, period.paid_in_capital
        retained = period.retained_earnings
        cash = period.closing_cash
        periods.append(period)
    return Projection(
        scenario=scenario,
        streams=tuple(s.name for s in fin.revenue),
        categories=tuple(display_name(c, words=words) for c in categories),
        category_ids=tuple(categories),
        months=tuple(periods),
        starting_cash=fin.starting_cash,
        loans=loans,
        fiscal_year_start=fin.fiscal_year_start,
    )


@dataclass(frozen=True, slots=True)
class VarianceLine:
    """One line of a month's forecast against its actual: ``key`` is ``revenue``,
    ``costs`` (cost of sales and operating expenses, as the income statement has them)
    or ``capex`` (capital spending, which the statements capitalise)."""

    key: str
    forecast: Decimal
    actual: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        return None if self.actual is None else self.actual - self.forecast


@dataclass(frozen=True, slots=True)
class Variance:
    month: int
    forecast_revenue: Decimal
    actual_revenue: Decimal | None
    forecast_expenses: Decimal  # cost of sales + operating expenses (no capex)
    actual_expenses: Decimal | None
    forecast_capex: Decimal = ZERO
    actual_capex: Decimal | None = None

    @property
    def revenue_variance(self) -> Decimal | None:
        return None if self.actual_revenue is None else self.actual_revenue - self.forecast_revenue

    @property
    def expenses_variance(self) -> Decimal | None:
        if self.actual_expenses is None:
            return None
        return self.actual_expenses - self.forecast_expenses

    @property
    def lines(self) -> tuple[VarianceLine, ...]:
        """Revenue, costs, and capital spending when either side has some."""
        found = [
            VarianceLine("revenue", self.forecast_revenue, self.actual_revenue),
            VarianceLine("costs", self.forecast_expenses, self.actual_expenses),
        ]
        if self.forecast_capex or self.actual_capex:
            found.append(VarianceLine("capex", self.forecast_capex, self.actual_capex))
        return tuple(found)


@dataclass(frozen=True, slots=True)
class DebtYear:
    """One fiscal year of one loan (or of all loans): what was paid, what is still owed."""

    fiscal_year: int
    first: int
    last: int
    partial: bool  # the projection covers only part of the fiscal year
    interest: Decimal
    principal: Decimal
    closing: Decimal  # the balance at the year's end
    kind: str = "year"  # labelled like a statement's fiscal-year column

    @property
    def months(self) -> int:
        return self.last - self.first + 1

    @property
    def payment(self) -> Decimal:
        return self.interest + self.principal


@dataclass(frozen=True, slots=True)
class DebtSpan:
    """Payments over a span of months, added up: the fiscal years a debt summary shows
    (``first_year`` to ``last_year``), or a loan's whole life."""

    first: int
    last: int
    interest: Decimal
    principal: Decimal
    closing: Decimal  # owed at the span's end
    first_year: int = 0
    last_year: int = 0

    @property
    def payment(self) -> Decimal:
        return self.interest + self.principal


def _span_total(spans: Sequence[DebtSpan]) -> DebtSpan:
    return DebtSpan(
        min(s.first for s in spans),
        max(s.last for s in spans),
        sum((s.interest for s in spans), ZERO),
        sum((s.principal for s in spans), ZERO),
        sum((s.closing for s in spans), ZERO),
        min(s.first_year for s in spans),
        max(s.last_year for s in spans),
    )


@dataclass(frozen=True, slots=True)
class LoanYears:
    """The debt summary of one loan over the projection, and its whole life."""

    loan: Loan
    years: tuple[DebtYear, ...]
    schedule: tuple[LoanPayment, ...]
    life_interest: Decimal  # interest over the loan's whole term
    horizon_balance: Decimal  # owed at the end of the projection

    @property
    def interest(self) -> Decimal:
        return sum((y.interest for y in self.years), ZERO)

    @property
    def principal(self) -> Decimal:
        return sum((y.principal for y in self.years), ZERO)

    @property
    def payment(self) -> Decimal:
        return self.interest + self.principal

    @property
    def shown(self) -> DebtSpan:
        """The fiscal years the summary shows, added up; owed at the horizon."""
        return DebtSpan(
            self.years[0].first,
            self.years[-1].last,
            self.interest,
            self.principal,
            self.horizon_balance,
            self.years[0].fiscal_year,
            self.years[-1].fiscal_year,
        )

    @property
    def life(self) -> DebtSpan:
        """Every payment of the schedule, first to last (for an existing loan: what is left
        of it from the projection's start); nothing owed at its end."""
        return DebtSpan(
            self.schedule[0].month,
            self.schedule[-1].month,
            self.life_interest,
            sum((p.principal for p in self.schedule), ZERO),
            self.schedule[-1].closing,
        )

    @property
    def schedule_pages(self) -> tuple[tuple[LoanPayment, ...], ...]:
        """The monthly amortisation in pages of 36 months (each page names its loan)."""
        return tuple(self.schedule[i : i + 36] for i in range(0, len(self.schedule), 36))


def debt_summary(projection: Projection, rounder: Rounder) -> tuple[LoanYears, ...]:
    """Per loan and fiscal year: interest, principal, payment and year-end balance."""
    years = projection.fiscal_years
    out = []
    for i, loan in enumerate(projection.loans):
        schedule = loan_schedule(loan, rounder)
        rows = []
        for year in years:
            inside = [p for p in schedule if year.first <= p.month <= year.last]
            rows.append(
                DebtYear(
                    year.fiscal_year,
                    year.first,
                    year.last,
                    year.partial,
                    sum((p.interest for p in inside), ZERO),
                    sum((p.principal for p in inside), ZERO),
                    year.loan_balances[i],
                )
            )
        out.append(
            LoanYears(
                loan,
                tuple(rows),
                schedule,
                sum((p.interest for p in schedule), ZERO),
                projection.months[-1].loan_balances[i],
            )
        )
    return tuple(out)


def _debt_totals(debt: Sequence[LoanYears]) -> tuple[DebtYear, ...]:
    if not debt:
        return ()
    return tuple(
        DebtYear(
            rows[0].fiscal_year,
            rows[0].first,
            rows[0].last,
            rows[0].partial,
            sum((r.interest for r in rows), ZERO),
            sum((r.principal for r in rows), ZERO),
            sum((r.closing for r in rows), ZERO),
        )
        for rows in zip(*(d.years for d in debt), strict=True)
    )


@dataclass(frozen=True, slots=True)
class MilestoneSpend:
    """A milestone's budget beside its actual cost once done, and what the projection
    spends on it within the horizon (the actual cost when done, else the budget; nothing
    when an expense line stands in for it)."""

    milestone: Milestone
    budget: Decimal
    actual: Decimal | None
    projected: Decimal


@dataclass(frozen=True, slots=True)
class Assumption:
    """One driver of the projection and where it is written. The theme words it from
    ``key`` (``growth_from`` → "Subscriptions: monthly growth from Jan 2026")."""

    key: str
    value: Decimal | str | tuple[int, int] | tuple[Decimal, ...]
    # money | percent | count | text | term (months, interest-only months) | factors (a
    # number per calendar month, shown with the locale's decimal sign)
    unit: str
    line: int
    name: str = ""  # the stream, expense, loan or investor it is about
    category: str = ""
    month: int | None = None


@dataclass(frozen=True, slots=True)
class Use:
    """A line of the use of funds: ``category`` is its id, ``name`` what readers see."""

    category: str
    name: str
    amount: Decimal


def uses_of(lines: Iterable[UseOfFunds], words: Words | None = None) -> tuple[Use, ...]:
    """The use-of-funds lines with their display names: the line's ``label``, else the
    theme's word for a standard use (``working_capital``), else the category as written."""
    return tuple(
        Use(line.category, display_name(line.category, line.label, words), line.amount)
        for line in lines
    )


@dataclass(frozen=True, slots=True)
class FinancialReport:
    financials: Financials
    base: Projection
    scenarios: tuple[Projection, ...]
    loans: tuple[tuple[Loan, tuple[LoanPayment, ...]], ...]
    sources: tuple[tuple[str, str, Decimal], ...]
    uses: tuple[Use, ...]
    milestone_spending: tuple[MilestoneSpend, ...]  # every milestone with a budget
    variance: tuple[Variance, ...]
    assumptions: tuple[Assumption, ...]
    debt: tuple[LoanYears, ...] = ()  # the debt summary, one entry per loan
    debt_total: tuple[DebtYear, ...] = ()  # all loans together, per fiscal year
    as_of_month: int | None = None
    runway_unfunded: int | None = None  # months from `as_of` without funding still to come
    runway_funded: int | None = None  # ... with the planned funding
    unfunded_cash_negative: int | None = None  # when cash runs out without that funding
    statements: tuple[Statement, ...] = ()  # the base case's three statements
    by_year: YearSummary | None = None  # the base case's fiscal years, as printed

    @property
    def sources_total(self) -> Decimal:
        return sum((amount for _, _, amount in self.sources), ZERO)

    @property
    def uses_total(self) -> Decimal:
        return sum((use.amount for use in self.uses), ZERO)

    @property
    def milestone_budget(self) -> Decimal:
        """The budgets of the milestones in "spending by milestone" (all with a budget)."""
        return sum((row.budget for row in self.milestone_spending), ZERO)

    @property
    def milestone_actual(self) -> Decimal:
        """What the done milestones really cost."""
        return sum((row.actual or ZERO for row in self.milestone_spending), ZERO)

    @property
    def debt_shown(self) -> DebtSpan | None:
        """All loans over the fiscal years the debt summary shows."""
        return _span_total([d.shown for d in self.debt]) if self.debt else None

    @property
    def debt_life(self) -> DebtSpan | None:
        """All loans over their whole lives."""
        return _span_total([d.life for d in self.debt]) if self.debt else None

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


def _assumptions(fin: Financials, words: Words | None = None) -> tuple[Assumption, ...]:
    # Cash on the first day comes from `starting_cash` or from `opening_balance.cash`.
    given = dict(fin.positions)
    cash_key = next((k for k in ("starting_cash", "opening_balance") if k in given), None)
    cash_at = given[cash_key] if cash_key else None
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
            found.append(
                Assumption(
                    "seasonality", tuple(s.seasonality), "factors", _line(s.position), s.name
                )
            )
    for e in fin.expenses:
        if e.monthly is not None:
            found.append(
                Assumption(
                    "monthly_expense",
                    e.monthly,
                    "money",
                    _line(e.position),
                    e.name,
                    display_name(e.category, words=words),
                )
            )
            if e.growth:
                found.append(
                    Assumption("expense_growth", e.growth, "percent", _line(e.position), e.name)
                )
        else:
            found.append(
                Assumption(
                    "one_off",
                    e.amount,
                    "money",
                    _line(e.position),
                    e.name,
                    display_name(e.category, words=words),
                    e.start,
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


def _runway(projection: Projection, from_month: int) -> int | None:
    """Whole months from ``from_month`` until cash first falls below zero (``None``: it
    lasts the horizon)."""
    negative = next(
        (m.first for m in projection.months if m.first >= from_month and m.closing_cash < 0),
        None,
    )
    return None if negative is None else negative - from_month


def financial_report(
    fin: Financials,
    milestones: Sequence[Milestone],
    digits: int,
    as_of_month: int | None = None,
    words: Words | None = None,
) -> FinancialReport:
    """The base projection, every scenario, loan schedules, the debt summary, runway,
    sources and uses, variance. ``as_of_month`` (a month index) is the day the plan's
    statuses are computed for: funding after it is not yet received. ``words`` are the
    theme's names of standard ids (``working_capital``, ``other``); without them, ids
    read as written (``working_capital`` → "Working capital").

    The last report is kept: when the financials, the options and what the projection
    takes from the milestones (``_spending_shape``) are as they were, only the spending
    by milestone is made again (a milestone's title edited in the dev server)."""
    rounder = Rounder(digits)
    referenced = {e.milestone for e in fin.expenses if e.milestone}
    spending = milestone_spending(milestones, referenced, rounder) if fin.milestone_spending else []
    horizon = range(fin.start, fin.start + fin.horizon_months)
    spent: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for milestone, month, amount in spending:
        if month in horizon:
            spent[milestone.id] += amount
    key = _ReportKey(fin, digits, as_of_month, words, spending)
    last = _LAST_REPORT[0]
    if last is not None and last[0].key == key.key:
        return replace(last[1], milestone_spending=_spending_rows(fin, milestones, spent))
    report = _financial_report(fin, milestones, digits, as_of_month, words, spent)
    _LAST_REPORT[0] = (key, report)
    return report


class _ReportKey:
    """What a ``financial_report`` was made from, as plain values (``repr`` of the frozen
    financials and the words, and ``_spending_shape``). The costly parts are worked out
    when first compared: a build that makes one report (a command, not the dev server)
    never needs them. What they read is immutable (frozen records, a tuple of the
    spending), so they are the same whenever they are made."""

    __slots__ = ("_made", "_of")

    def __init__(self, fin, digits, as_of_month, words, spending) -> None:
        self._of = (fin, digits, as_of_month, repr(words), tuple(spending))
        self._made: tuple | None = None

    @property
    def key(self) -> tuple:
        if self._made is None:
            fin, digits, as_of_month, words, spending = self._of
            self._made = (repr(fin), digits, as_of_month, words, _spending_shape(spending))
            self._of = None  # the key holds all that counts
        return self._made


#: (key, report) of the last ``financial_report`` (see there).
_LAST_REPORT: list[tuple[_ReportKey, FinancialReport] | None] = [None]


def _spending_shape(spending: list[tuple[Milestone, int, Decimal]]) -> tuple:
    """All a projection reads of the milestones: each amount spent (as written), its
    month, the milestone's id (scenario delays) and, for capital, its title (the capex
    line's name)."""
    return tuple(
        (m.id, m.capital, m.title if m.capital else None, month, str(amount))
        for m, month, amount in spending
    )


def _financial_report(
    fin: Financials,
    milestones: Sequence[Milestone],
    digits: int,
    as_of_month: int | None,
    words: Words | None,
    spent: dict[str, Decimal],
) -> FinancialReport:
    rounder = Rounder(digits)
    base = project(fin, milestones, digits, words=words)
    now = max(as_of_month if as_of_month is not None else fin.start, fin.start)
    received = replace(
        fin,
        equity=tuple(e for e in fin.equity if e.month <= now),
        loans=tuple(loan for loan in fin.loans if loan.existing or loan.start <= now),
    )
    unfunded = base if received == fin else project(received, milestones, digits, words=words)
    debt = debt_summary(base, rounder)
    scenarios = tuple(project(fin, milestones, digits, s, words) for s in fin.scenarios)
    by_month = {m.first: m for m in base.months}
    # Costs as the income statement has them; capex on its own line, as the statements
    # capitalise it (so the forecast's costs are not inflated by a roaster bought).
    variance = tuple(
        Variance(
            month,
            by_month[month].revenue_total - by_month[month].revenue_difference,
            revenue,
            by_month[month].costs - by_month[month].costs_difference,
            expenses,
            by_month[month].investment - by_month[month].capex_difference,
            capex,
        )
        for month, revenue, expenses, capex in fin.actuals
        if month in by_month
    )
    # (kind, name, amount): the theme words the kind ("Equity", "Loan").
    sources = tuple(
        [("equity", e.investor or "", e.amount) for e in fin.equity]
        + [
            ("loan", loan.name or loan.lender or "", loan.principal)
            for loan in fin.loans
            if not loan.existing
        ]
    )
    printed = printed_months(base)  # the statements and the yearly tables print these
    return FinancialReport(
        financials=fin,
        base=base,
        scenarios=scenarios,
        loans=tuple((d.loan, d.schedule) for d in debt),
        sources=sources,
        uses=uses_of(fin.use_of_funds, words),
        milestone_spending=_spending_rows(fin, milestones, spent),
        variance=variance,
        assumptions=_assumptions(fin, words),
        debt=debt,
        debt_total=_debt_totals(debt),
        as_of_month=now,
        runway_unfunded=_runway(unfunded, now),
        runway_funded=_runway(base, now),
        unfunded_cash_negative=unfunded.cash_negative,
        statements=statements(base, printed=printed),
        by_year=year_summary(base, printed),
    )


#: The rows of the last ``financial_report``, by milestone: a row equal to the one made
#: before for the very same milestone object (the dev server's model keeps unchanged
#: milestones) is that same object, so what is kept by row (the site's table rows,
#: ``render.environment.FragmentCache``) is used again. Holds the last report's rows only.
_LAST_SPEND_ROWS: list[dict[int, MilestoneSpend]] = [{}]


def _spending_rows(
    fin: Financials, milestones: Sequence[Milestone], spent: dict[str, Decimal]
) -> tuple[MilestoneSpend, ...]:
    if not fin.milestone_spending:
        return ()
    kept, rows = _LAST_SPEND_ROWS[0], []
    for m in milestones:
        if not (m.budget or (m.done and m.actual_cost)):
            continue
        projected = spent[m.id]
        old = kept.get(id(m))
        # The budget and actual cost are read from the milestone alone: the very same
        # milestone gives the same ones, and only what is projected may differ.
        if old is not None and old.milestone is m and _exactly(old.projected, projected):
            rows.append(old)
        else:
            budget, actual = m.budget or ZERO, m.actual_cost if m.done else None
            rows.append(MilestoneSpend(m, budget, actual, projected))
    _LAST_SPEND_ROWS[0] = {id(row.milestone): row for row in rows}
    return tuple(rows)


def _exactly(a: Decimal | None, b: Decimal | None) -> bool:
    """The same value written the same way (``1.0`` and ``1.00`` differ)."""
    return a is b or (a is not None and b is not None and a == b and str(a) == str(b))


def _cash_key(fin: Financials, funded: bool) -> str:
    """The field that best explains cash running out: the funding that does not cover
    the plan, else the starting cash that runs out, else the projection's start."""
    given = dict(fin.positions)
    if funded and "funding" in given:
        return "funding"
    return "starting_cash" if "starting_cash" in given else "start"


def financial_warnings(report: FinancialReport, currency: str) -> list[Problem]:
    """What a lender would question, for the base case and every scenario, in date order:
    cash below zero, thin debt cover; then unbalanced sources and uses."""
    fin = report.financials
    dated: list[tuple[int, int, Problem]] = []
    for order, projection in enumerate(report.projections):
        scenario = projection.scenario
        where = f" in scenario `{scenario.name}`" if scenario else ""
        negative = projection.cash_negative
        if negative is not None:
            funded = bool(fin.equity or any(not loan.existing for loan in fin.loans))
            position = (
                scenario.position or fin.position_of("scenarios")
                if scenario
                else fin.position_of(_cash_key(fin, funded))
            )
            dated.append(
                (
                    negative,
                    order,
                    warning(
                        f"cash goes below zero in {month_name(negative)}{where}"
                        + ("" if funded or scenario else " and the plan has no funding"),
                        position,
                        hint="add funding (`funding: equity:` or `loans:`), more starting "
                        "cash, or move spending later",
                        code="cash-negative",
                    ),
                )
            )
        for year in projection.fiscal_years:
            if year.dscr_low:  # below the coverage the plan's lender asks for
                span = f"{year.fiscal_year}" + (
                    f", {month_name(year.first)} to {month_name(year.last)}" if year.partial else ""
                )
                position = (
                    scenario.position or fin.position_of("scenarios")
                    if scenario
                    else fin.position_of("min_dscr")
                )
                dated.append(
                    (
                        year.first,
                        order,
                        warning(
                            # The year leads, so warnings at one line sort by date.
                            f"debt-service coverage in fiscal year {span}{where}: "
                            f"{year.dscr:.2f}× is below {fin.min_dscr}×",
                            position,
                            hint="lenders want (EBITDA − tax paid − owner draws) to cover "
                            "repayments with room to spare; lengthen the term, borrow less, "
                            "or lower `min_dscr` if agreed",
                            code="dscr-low",
                        ),
                    )
                )
    found = [problem for _, _, problem in sorted(dated, key=lambda item: item[:2])]
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
