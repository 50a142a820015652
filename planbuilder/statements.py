"""The three statements as tables (part of the compute stage): line names down the left,
periods across, a total column per fiscal year, split into pages of columns that fit a
landscape page. Every figure comes from ``finance.Period``; templates only print."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# ``finance`` builds the statements from its ``Projection`` and ``Period`` objects; this
# module only reads their fields, so it does not import finance (no import cycle).
Period = Any
Projection = Any

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


@dataclass(frozen=True, slots=True)
class StatementPage:
    columns: tuple[Period, ...]
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    key: str  # income_statement | balance_sheet | cash_flow_statement
    pages: tuple[StatementPage, ...]


_Row = tuple[str, str, str, Callable[..., Decimal] | None]  # key, name, style, value of a column


def _income_rows(p: Projection) -> list[_Row]:
    rows: list[_Row] = [
        ("", stream, "sub", lambda c, i=i: c.revenue[i]) for i, stream in enumerate(p.streams)
    ]
    rows += [
        ("fin_revenue", "", "subtotal", lambda c: c.revenue_total),
        ("fin_cost_of_sales", "", "item", lambda c: -c.cost_of_sales),
        ("fin_gross", "", "subtotal", lambda c: c.gross_margin),
    ]
    rows += [
        ("", category, "sub", lambda c, i=i: -c.expenses[i])
        for i, category in enumerate(p.categories)
    ]
    rows += [
        ("fin_operating_expenses", "", "item", lambda c: -c.expenses_total),
        ("fin_ebitda", "", "subtotal", lambda c: c.ebitda),
        ("fin_depreciation", "", "item", lambda c: -c.depreciation),
        ("fin_ebit", "", "subtotal", lambda c: c.ebit),
        ("fin_interest", "", "item", lambda c: -c.interest),
        ("fin_profit_before_tax", "", "subtotal", lambda c: c.profit_before_tax),
        ("fin_income_tax", "", "item", lambda c: -c.tax),
        ("fin_net_profit", "", "total", lambda c: c.net_profit),
    ]
    return rows


def _balance_rows(p: Projection) -> list[_Row]:
    rows: list[_Row] = [
        ("fin_assets", "", "heading", None),
        ("fin_closing", "", "item", lambda c: c.closing_cash),
        ("fin_receivables", "", "item", lambda c: c.receivables),
        ("fin_inventory", "", "item", lambda c: c.inventory),
        ("fin_fixed_assets_cost", "", "item", lambda c: c.fixed_assets_cost),
        ("fin_accumulated_depreciation", "", "sub", lambda c: -c.accumulated_depreciation),
        ("fin_total_assets", "", "total", lambda c: c.total_assets),
        ("fin_liabilities", "", "heading", None),
        ("fin_payables", "", "item", lambda c: c.payables),
        ("fin_tax_payable", "", "item", lambda c: c.tax_payable),
    ]
    rows += [
        ("", loan.name or loan.lender or f"#{i + 1}", "item", lambda c, i=i: c.loan_balances[i])
        for i, loan in enumerate(p.loans)
    ]
    rows += [
        ("fin_total_liabilities", "", "subtotal", lambda c: c.total_liabilities),
        ("fin_paid_in_capital", "", "item", lambda c: c.paid_in_capital),
        ("fin_retained_earnings", "", "item", lambda c: c.retained_earnings),
        ("fin_equity", "", "subtotal", lambda c: c.equity),
        ("fin_liabilities_and_equity", "", "total", lambda c: c.liabilities_and_equity),
    ]
    return rows


def _cash_flow_rows(p: Projection) -> list[_Row]:
    return [
        ("fin_net_profit", "", "item", lambda c: c.net_profit),
        ("fin_depreciation", "", "item", lambda c: c.depreciation),
        ("fin_change_receivables", "", "sub", lambda c: -c.receivables_change),
        ("fin_change_inventory", "", "sub", lambda c: -c.inventory_change),
        ("fin_change_payables", "", "sub", lambda c: c.payables_change),
        ("fin_change_tax_payable", "", "sub", lambda c: c.tax_payable_change),
        ("fin_operating_cash", "", "subtotal", lambda c: c.operating_cash),
        ("fin_capex", "", "item", lambda c: -c.investment),
        ("fin_investing_cash", "", "subtotal", lambda c: c.investing_cash),
        ("fin_equity_in", "", "item", lambda c: c.equity_in),
        ("fin_loans_in", "", "item", lambda c: c.loans_in),
        ("fin_principal_repaid", "", "item", lambda c: -c.principal),
        ("fin_owner_draws", "", "item", lambda c: -c.draws),
        ("fin_financing_cash", "", "subtotal", lambda c: c.financing_cash),
        ("fin_net_cash", "", "total", lambda c: c.net_cash),
        ("fin_opening_cash", "", "item", lambda c: c.opening_cash),
        ("fin_closing", "", "total", lambda c: c.closing_cash),
    ]


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


def statements(projection: Projection, per_page: int | None = None) -> tuple[Statement, ...]:
    """The income statement, balance sheet and cash-flow statement of ``projection``, in
    pages of ``per_page`` columns (default: as many as the widest figure lets fit)."""
    columns = projection.columns
    tables = (
        ("income_statement", _income_rows(projection)),
        ("balance_sheet", _balance_rows(projection)),
        ("cash_flow_statement", _cash_flow_rows(projection)),
    )
    if per_page is None:

        def widest(kind: bool) -> Decimal:
            return max(
                (
                    abs(value(c))
                    for _, rows in tables
                    for *_, value in rows
                    if value
                    for c in columns
                    if (c.kind == "year") == kind
                ),
                default=Decimal(0),
            )

        per_page = columns_that_fit(widest(False), widest(True))
    pages = column_pages(columns, per_page)
    out = []
    for key, rows in tables:
        out.append(
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
                                tuple(value(c) + 0 for c in page) if value else (),
                            )
                            for label, name, style, value in rows
                        ),
                    )
                    for page in pages
                ),
            )
        )
    return tuple(out)
