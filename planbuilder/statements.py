"""The three statements as tables (part of the compute stage): line names down the left,
periods across, a total column per fiscal year, split into pages of columns that fit a
landscape page. Every figure comes from ``finance.Period``, in whole units that add up
(README, "Money rule"); templates only print."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from typing import Any

# ``finance`` builds the statements from its ``Projection`` and ``Period`` objects; this
# module only reads their fields, so it does not import finance (no import cycle).
Period = Any
Projection = Any

ZERO = Decimal(0)
_UNIT = Decimal(1)
#: Wide enough for any valid amount grown over the horizon (as in ``finance``).
_WIDE = Context(prec=2000, Emax=10**6, Emin=-(10**6))

#: Period columns a landscape page holds at most beside the line names (A4 and Letter).
COLUMNS_PER_PAGE = 13
#: Widths in mm at the statements' 7 pt (print.css), from the bundled DejaVu Sans Bold (a
#: subtotal row is bold): a digit, a grouping separator, the minus sign, a cell's padding.
_DIGIT_MM = 1.72
_SEPARATOR_MM = 0.94
_MINUS_MM = 2.07
_PADDING_MM = 1.6
#: The widest period label ("Jan 2026", "sept 2026", "12/2026"), padding included.
_PERIOD_LABEL_MM = 14.0
#: A landscape Letter page (the narrower paper) between its margins, less the line-name
#: column: room for the English and Spanish line names on one line at 7 pt (43 mm in
#: bold) and padding. A longer name (Vietnamese "Lưu chuyển tiền từ hoạt động kinh
#: doanh", 58 mm) takes what the columns leave, on two lines on Letter paper.
_ROOM_MM = 243.4 - 48


def figure_mm(largest: Decimal) -> float:
    """The width of a column whose widest figure is ``largest`` (whole units, with
    grouping separators and a minus sign), or of its period label if that is wider."""
    digits = len(str(abs(int(largest))))
    figure = digits * _DIGIT_MM + (digits - 1) // 3 * _SEPARATOR_MM + _MINUS_MM + _PADDING_MM
    return max(figure, _PERIOD_LABEL_MM)


def columns_that_fit(largest: Decimal, year_largest: Decimal | None = None) -> int:
    """How many period columns fit a page when the widest figure of a month or quarter is
    ``largest`` and that of a fiscal-year total ``year_largest`` (one total per page):
    never fewer than four."""
    room = _ROOM_MM
    if year_largest is not None:
        room -= figure_mm(year_largest)
        return max(4, min(COLUMNS_PER_PAGE, 1 + int(room // figure_mm(largest))))
    return max(4, min(COLUMNS_PER_PAGE, int(room // figure_mm(largest))))


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a statement. ``key`` names a theme word (``fin_revenue``); ``name`` is
    the plan's own name (a stream, category or loan) when the line has no key."""

    key: str
    name: str
    style: str  # item | sub (an indented detail) | subtotal | total | heading
    values: tuple[Decimal | None, ...]  # one per column of its page
    signed: bool = False  # a positive amount prints with "+" (a tax credit, a difference)


@dataclass(frozen=True, slots=True)
class StatementPage:
    columns: tuple[Period, ...]
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    key: str  # income_statement | balance_sheet | cash_flow_statement
    pages: tuple[StatementPage, ...]
    actuals: bool = False  # some columns hold actual months: each says which


#: Lines whose positive amounts print with "+": on a cost line a credit, or a difference.
_SIGNED = {"tax", "revenue_actual", "costs_actual"}
#: The lines that take actual months to their actual totals: blank in projected columns,
#: left out of a page without actuals.
_BRIDGE = {"revenue_actual", "costs_actual"}


def _figure(column: Period, values: dict[str, Decimal], figure: str) -> Decimal | None:
    if figure in _BRIDGE and not column.actual_months:
        return None
    return values[figure]


_Row = tuple[str, str, str, str]  # key, name, style, the figure's id in a printed column


def _income_rows(p: Projection) -> list[_Row]:
    rows: list[_Row] = [("", stream, "sub", f"revenue:{i}") for i, stream in enumerate(p.streams)]
    if p.has_actuals:
        rows.append(("fin_actual_revenue_difference", "", "sub", "revenue_actual"))
    rows += [
        ("fin_revenue", "", "subtotal", "revenue"),
        ("fin_cost_of_sales", "", "item", "cost_of_sales"),
        ("fin_gross", "", "subtotal", "gross"),
    ]
    rows += [("", category, "sub", f"expense:{i}") for i, category in enumerate(p.categories)]
    if p.has_actuals:
        rows.append(("fin_actual_costs_difference", "", "sub", "costs_actual"))
    rows += [
        ("fin_operating_expenses", "", "item", "expenses"),
        ("fin_ebitda", "", "subtotal", "ebitda"),
        ("fin_depreciation", "", "item", "depreciation"),
        ("fin_ebit", "", "subtotal", "ebit"),
        ("fin_interest", "", "item", "interest"),
        ("fin_profit_before_tax", "", "subtotal", "profit_before_tax"),
        ("fin_income_tax", "", "item", "tax"),
        ("fin_net_profit", "", "total", "net_profit"),
    ]
    return rows


def _balance_rows(p: Projection) -> list[_Row]:
    rows: list[_Row] = [
        ("fin_assets", "", "heading", ""),
        ("fin_closing", "", "item", "cash"),
        ("fin_receivables", "", "item", "receivables"),
        ("fin_inventory", "", "item", "inventory"),
        ("fin_fixed_assets_cost", "", "item", "fixed_assets_cost"),
        ("fin_accumulated_depreciation", "", "sub", "accumulated_depreciation"),
        ("fin_total_assets", "", "total", "total_assets"),
        ("fin_liabilities", "", "heading", ""),
        ("fin_payables", "", "item", "payables"),
        ("fin_tax_payable", "", "item", "tax_payable"),
    ]
    rows += [
        ("", loan.name or loan.lender or f"#{i + 1}", "item", f"loan:{i}")
        for i, loan in enumerate(p.loans)
    ]
    rows += [
        ("fin_total_liabilities", "", "subtotal", "total_liabilities"),
        ("fin_paid_in_capital", "", "item", "paid_in_capital"),
        ("fin_retained_earnings", "", "item", "retained_earnings"),
        ("fin_equity", "", "subtotal", "equity"),
        ("fin_liabilities_and_equity", "", "total", "liabilities_and_equity"),
    ]
    return rows


def _cash_flow_rows(p: Projection) -> list[_Row]:
    return [
        ("fin_net_profit", "", "item", "net_profit"),
        ("fin_depreciation", "", "item", "add_back_depreciation"),
        ("fin_change_receivables", "", "sub", "change_receivables"),
        ("fin_change_inventory", "", "sub", "change_inventory"),
        ("fin_change_payables", "", "sub", "change_payables"),
        ("fin_change_tax_payable", "", "sub", "change_tax_payable"),
        ("fin_operating_cash", "", "subtotal", "operating_cash"),
        ("fin_capex", "", "item", "capex"),
        ("fin_investing_cash", "", "subtotal", "investing_cash"),
        ("fin_equity_in", "", "item", "equity_in"),
        ("fin_loans_in", "", "item", "loans_in"),
        ("fin_principal_repaid", "", "item", "principal"),
        ("fin_owner_draws", "", "item", "draws"),
        ("fin_financing_cash", "", "subtotal", "financing_cash"),
        ("fin_net_cash", "", "total", "net_cash"),
        ("fin_opening_cash", "", "item", "opening_cash"),
        ("fin_closing", "", "total", "cash"),
    ]


# ---------------------------------------------------------------------------------------
# Whole units: what the statements print (README, "Money rule").


def whole(amount: Decimal) -> Decimal:
    """``amount`` rounded half-even to whole units, as the Formatter prints money."""
    rounded = amount.quantize(_UNIT, rounding=ROUND_HALF_EVEN, context=_WIDE)
    return rounded if rounded else ZERO  # never "−0"


def _running(values: Sequence[Decimal], restarts: Sequence[bool]) -> list[Decimal]:
    """A flow's whole-unit figure for each month: the change in its running total since the
    fiscal year began, rounded. The months of a fiscal year then add up to the year's exact
    total rounded, and no month is more than one unit from its exact amount."""
    out: list[Decimal] = []
    total = before = ZERO
    for value, restart in zip(values, restarts, strict=True):
        if restart:
            total = before = ZERO
        total += value
        now = whole(total)
        out.append(now - before)
        before = now
    return out


#: Figures that are balances at the end of a period (the rest are flows over it).
_BALANCES = {
    "cash",
    "receivables",
    "inventory",
    "fixed_assets_cost",
    "accumulated_depreciation",
    "total_assets",
    "payables",
    "tax_payable",
    "total_liabilities",
    "paid_in_capital",
    "retained_earnings",
    "equity",
    "liabilities_and_equity",
}


def printed_months(p: Projection) -> list[dict[str, Decimal]]:
    """Each month of ``p`` as the statements print it, in whole units, keyed by figure.

    Every balance is its exact amount rounded, except retained earnings, which takes the
    balance sheet's rounding difference (so assets equal liabilities plus equity). Every
    flow tied to a balance is the change in that rounded balance (depreciation, capex,
    working capital, equity, loans), so the cash-flow statement adds up to the change in
    the printed cash. Other flows are rounded on their running total within the fiscal
    year. Net profit is the change in the printed retained earnings plus owner draws; what
    it differs from the sum of the income statement's rounded lines is spread over its
    revenue, cost-of-sales and expense lines with an amount that month, a unit at a time,
    each unit to the line it leaves nearest its exact amount for the fiscal year to date.
    Subtotals are sums of printed lines. Figures carry the sign they print with (costs
    negative)."""
    with localcontext(_WIDE):
        return _printed_months(p)


def _printed_months(p: Projection) -> list[dict[str, Decimal]]:
    months = p.months
    first = months[0]
    restarts = [k == 0 or m.fiscal_year != months[k - 1].fiscal_year for k, m in enumerate(months)]

    def flow(get: Callable[[Period], Decimal]) -> list[Decimal]:
        return _running([get(m) for m in months], restarts)

    def balance(get: Callable[[Period], Decimal], opening: Decimal) -> list[Decimal]:
        """The rounded balance before the first month, then at each month's end."""
        return [whole(opening)] + [whole(get(m)) for m in months]

    revenue = [flow(lambda m, i=i: m.revenue[i]) for i in range(len(p.streams))]
    cost_of_sales = flow(lambda m: m.cost_of_sales)
    expenses = [flow(lambda m, i=i: m.expenses[i]) for i in range(len(p.categories))]
    # With actuals, the difference of actual revenue (costs) from the forecast's lines is a
    # line of its own, last among the revenue (operating expense) lines.
    bridge = bool(p.has_actuals)
    if bridge:
        revenue.append(flow(lambda m: m.revenue_difference))
        expenses.append(flow(lambda m: m.costs_difference))
    interest, tax = flow(lambda m: m.interest), flow(lambda m: m.tax)
    draws, loans_in = flow(lambda m: m.draws), flow(lambda m: m.loans_in)

    cash = balance(lambda m: m.closing_cash, first.opening_cash)
    receivables = balance(lambda m: m.receivables, first.receivables - first.receivables_change)
    inventory = balance(lambda m: m.inventory, first.inventory - first.inventory_change)
    payables = balance(lambda m: m.payables, first.payables - first.payables_change)
    tax_payable = balance(lambda m: m.tax_payable, first.tax_payable - first.tax_payable_change)
    cost = balance(lambda m: m.fixed_assets_cost, first.fixed_assets_cost - first.investment)
    accumulated = balance(
        lambda m: m.accumulated_depreciation,
        first.accumulated_depreciation - first.depreciation,
    )
    paid_in = balance(lambda m: m.paid_in_capital, first.paid_in_capital - first.equity_in)
    loans = [[whole(m.loan_balances[i]) for m in months] for i in range(len(p.loans))]
    loans_total = [whole(first.loans_total - first.loans_in + first.principal)]
    loans_total += [sum((loan[k] for loan in loans), ZERO) for k in range(len(months))]
    # Retained earnings: what makes the printed balance sheet balance.
    retained = [
        cash[t]
        + receivables[t]
        + inventory[t]
        + cost[t]
        - accumulated[t]
        - payables[t]
        - tax_payable[t]
        - loans_total[t]
        - paid_in[t]
        for t in range(len(months) + 1)
    ]

    out = []
    printed_to_date: list[Decimal] = []
    exact_to_date: list[Decimal] = []
    for k, month in enumerate(months):
        t = k + 1
        depreciation = accumulated[t] - accumulated[k]
        # The income statement's lines as printed: revenue positive, costs negative.
        n = len(revenue)
        lines = [r[k] for r in revenue] + [-cost_of_sales[k]] + [-e[k] for e in expenses]
        exact = [*month.revenue, -month.cost_of_sales, *(-e for e in month.expenses)]
        if bridge:
            exact.insert(len(month.revenue), month.revenue_difference)
            exact.append(-month.costs_difference)
        if restarts[k]:
            printed_to_date = [ZERO] * len(lines)
            exact_to_date = [ZERO] * len(lines)
        exact_to_date = [a + b for a, b in zip(exact_to_date, exact, strict=True)]
        net_profit = retained[t] - retained[k] + draws[k]
        rest = net_profit - sum(lines, ZERO) + depreciation + interest[k] + tax[k]
        to_date = [a + b for a, b in zip(printed_to_date, lines, strict=True)]
        # A projected month's differences from the forecast stay blank: no unit goes there.
        fixed = () if not bridge or month.actual_months else (n - 1, len(lines) - 1)
        _spread(lines, exact, to_date, exact_to_date, rest, fixed)
        printed_to_date = [a + b for a, b in zip(printed_to_date, lines, strict=True)]
        row = {f"revenue:{i}": lines[i] for i in range(len(p.streams))}
        row |= {f"expense:{i}": lines[n + 1 + i] for i in range(len(p.categories))}
        if bridge:
            row["revenue_actual"] = lines[n - 1]
            row["costs_actual"] = lines[-1]
        row["revenue"] = sum(lines[:n], ZERO)
        row["cost_of_sales"] = lines[n]
        row["gross"] = row["revenue"] + row["cost_of_sales"]
        row["expenses"] = sum(lines[n + 1 :], ZERO)
        row["ebitda"] = row["gross"] + row["expenses"]
        row["depreciation"] = -depreciation
        row["ebit"] = row["ebitda"] - depreciation
        row["interest"] = -interest[k]
        row["profit_before_tax"] = row["ebit"] - interest[k]
        row["tax"] = -tax[k]
        row["net_profit"] = row["profit_before_tax"] - tax[k]

        row["cash"] = cash[t]
        row["receivables"] = receivables[t]
        row["inventory"] = inventory[t]
        row["fixed_assets_cost"] = cost[t]
        row["accumulated_depreciation"] = -accumulated[t]
        row["total_assets"] = cash[t] + receivables[t] + inventory[t] + cost[t] - accumulated[t]
        row["payables"] = payables[t]
        row["tax_payable"] = tax_payable[t]
        row |= {f"loan:{i}": loan[k] for i, loan in enumerate(loans)}
        row["total_liabilities"] = payables[t] + tax_payable[t] + loans_total[t]
        row["paid_in_capital"] = paid_in[t]
        row["retained_earnings"] = retained[t]
        row["equity"] = paid_in[t] + retained[t]
        row["liabilities_and_equity"] = row["total_liabilities"] + row["equity"]

        row["change_receivables"] = receivables[k] - receivables[t]
        row["change_inventory"] = inventory[k] - inventory[t]
        row["change_payables"] = payables[t] - payables[k]
        row["change_tax_payable"] = tax_payable[t] - tax_payable[k]
        row["add_back_depreciation"] = depreciation
        row["operating_cash"] = (
            net_profit
            + depreciation
            + row["change_receivables"]
            + row["change_inventory"]
            + row["change_payables"]
            + row["change_tax_payable"]
        )
        row["capex"] = cost[k] - cost[t]
        row["investing_cash"] = row["capex"]
        row["equity_in"] = paid_in[t] - paid_in[k]
        row["loans_in"] = loans_in[k]
        row["principal"] = loans_total[t] - loans_total[k] - loans_in[k]
        row["draws"] = -draws[k]
        row["financing_cash"] = row["equity_in"] + row["loans_in"] + row["principal"] + row["draws"]
        row["net_cash"] = row["operating_cash"] + row["investing_cash"] + row["financing_cash"]
        row["opening_cash"] = cash[k]
        out.append(row)
    return out


def _spread(
    lines: list[Decimal],
    month: Sequence[Decimal],
    to_date: list[Decimal],
    exact: Sequence[Decimal],
    rest: Decimal,
    fixed: Sequence[int] = (),
) -> None:
    """Adds ``rest`` whole units to the month's ``lines`` (exact amounts ``month``), one
    unit at a time, each to the line whose fiscal year to date (``to_date`` printed,
    ``exact``) it leaves nearest its exact amount (on a tie, the largest line of the
    month, then the first), so that a year's rounding evens out. A line whose exact
    amount is whole (a price times units, a rent) takes a unit only when no line with
    cents has an amount that month: a reader checks those against the assumptions. The
    lines at ``fixed`` take no unit."""
    step = _UNIT if rest > 0 else -_UNIT
    units = abs(int(rest))
    free = [i for i in range(len(lines)) if i not in fixed]
    if units > 2 * len(lines):
        # Beyond two units a line (amounts past 28 digits lose their last digits in the
        # projection), the excess goes to the largest line at once, not unit by unit.
        excess = (units - 2 * len(lines)) * step
        largest = max(free, key=lambda i: (abs(month[i]), -i))
        to_date[largest] += excess
        lines[largest] += excess
        units = 2 * len(lines)
    # Lines with an amount this month take the units; a line with nothing prints 0.
    candidates = [i for i in free if month[i]] or free
    for _ in range(units):
        best = min(
            candidates,
            key=lambda i: (
                month[i] == month[i].to_integral_value(),
                abs(to_date[i] + step - exact[i]),
                -abs(month[i]),
                i,
            ),
        )
        to_date[best] += step
        lines[best] += step


def _column(printed: Sequence[dict[str, Decimal]], first: int, last: int) -> dict[str, Decimal]:
    """Months ``first``..``last`` (positions in ``printed``) as one column: flows added up,
    balances at the end, opening cash at the start."""
    if first == last:
        return printed[first]
    span = printed[first : last + 1]
    with localcontext(_WIDE):
        column = {
            key: value
            if key in _BALANCES or key.startswith("loan:")
            else sum([m[key] for m in span], ZERO)
            for key, value in span[-1].items()
        }
    column["opening_cash"] = span[0]["opening_cash"]
    return column


def column_pages(columns: Sequence[Period], per_page: int) -> list[tuple[Period, ...]]:
    """Columns in pages of at most ``per_page``, breaking after a fiscal-year total
    whenever a whole fiscal year still fits; a year that needs several pages is shared
    evenly between them (never a total alone); no column is ever dropped."""
    years: list[list[Period]] = [[]]
    for column in columns:
        years[-1].append(column)
        if column.kind == "year":
            years.append([])
    pages: list[list[Period]] = [[]]
    for year in (y for y in years if y):
        if pages[-1] and len(pages[-1]) + len(year) > per_page:
            pages.append([])
        if len(year) <= per_page:
            pages[-1] += year
            continue
        count = -(-len(year) // per_page)  # pages the year needs
        size, extra = divmod(len(year), count)
        start = 0
        for i in range(count):
            end = start + size + (1 if i < extra else 0)
            if pages[-1]:
                pages.append([])
            pages[-1] += year[start:end]
            start = end
    return [tuple(page) for page in pages if page]


@dataclass(frozen=True, slots=True)
class YearSummary:
    """The fiscal years in whole units, as the statements print them: the income
    statement's lines (``lines``, the same figures as its fiscal-year columns) and the
    debt-service coverage's cash figures (``coverage``), each column adding up.
    ``columns`` are the exact fiscal years, for what is not added up (the coverage
    ratio, break-even revenue)."""

    columns: tuple[Period, ...]
    lines: tuple[Line, ...]
    coverage: tuple[Line, ...]
    closing_cash: tuple[Decimal, ...]


def year_summary(
    projection: Projection, printed: Sequence[dict[str, Decimal]] | None = None
) -> YearSummary:
    """``projection``'s fiscal years as printed (see ``YearSummary``); ``printed`` is its
    ``printed_months`` when the caller has them already."""
    if printed is None:
        printed = printed_months(projection)
    start = projection.months[0].first
    years = tuple(projection.fiscal_years)
    with localcontext(_WIDE):
        columns = [_column(printed, y.first - start, y.last - start) for y in years]
        lines = tuple(
            Line(
                key,
                name,
                style,
                tuple(_figure(y, c, figure) for y, c in zip(years, columns, strict=True)),
                figure in _SIGNED,
            )
            for key, name, style, figure in _income_rows(projection)
        )
        # The DSCR's numerator as its definition reads: EBITDA, less (positive amounts)
        # income tax paid and owner draws.
        ebitda = [c["ebitda"] for c in columns]
        tax_paid = [whole(y.tax_paid) for y in years]
        draws = [-c["draws"] for c in columns]
        available = [a - b - c for a, b, c in zip(ebitda, tax_paid, draws, strict=True)]
        coverage = (
            Line("fin_ebitda", "", "item", tuple(ebitda)),
            Line("fin_less_income_tax_paid", "", "item", tuple(tax_paid)),
            Line("fin_less_owner_draws", "", "item", tuple(draws)),
            Line("fin_cash_available", "", "subtotal", tuple(available)),
            Line("fin_debt_service", "", "item", tuple(whole(y.debt_service) for y in years)),
        )
    return YearSummary(years, lines, coverage, tuple(c["cash"] for c in columns))


def statements(
    projection: Projection,
    per_page: int | None = None,
    printed: Sequence[dict[str, Decimal]] | None = None,
) -> tuple[Statement, ...]:
    """The income statement, balance sheet and cash-flow statement of ``projection`` in
    whole units (see ``printed_months``; ``printed`` when the caller has them already), in
    pages of ``per_page`` columns (default: as many as the widest figure lets fit)."""
    if printed is None:
        printed = printed_months(projection)
    start = projection.months[0].first
    columns = projection.columns
    values = {(c.first, c.last): _column(printed, c.first - start, c.last - start) for c in columns}
    tables = (
        ("income_statement", _income_rows(projection)),
        ("balance_sheet", _balance_rows(projection)),
        ("cash_flow_statement", _cash_flow_rows(projection)),
    )
    if per_page is None:

        def widest(year: bool) -> Decimal:
            """The largest printed figure in the year-total columns, or in the others."""
            return max(
                (
                    abs(figure)
                    for c in columns
                    if (c.kind == "year") == year
                    for figure in values[c.first, c.last].values()
                ),
                default=ZERO,
            )

        per_page = columns_that_fit(widest(False), widest(True))
    return tuple(
        Statement(
            key,
            tuple(
                StatementPage(
                    page,
                    tuple(
                        Line(
                            label,
                            name,
                            style,
                            tuple(_figure(c, values[c.first, c.last], figure) for c in page)
                            if figure
                            else (),
                            figure in _SIGNED,
                        )
                        for label, name, style, figure in rows
                        if figure not in _BRIDGE or any(c.actual_months for c in page)
                    ),
                )
                for page in column_pages(columns, per_page)
            ),
            projection.has_actuals,
        )
        for key, rows in tables
    )
