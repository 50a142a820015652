"""The statements in whole units: every printed column adds up, the balance sheet balances
and the cash flow reconciles in the printed figures themselves (README, "Rounding")."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings

from planbuilder.finance import financial_report, project
from planbuilder.model import Expense, Loan
from planbuilder.statements import statements, whole
from tests.test_finance import JAN, financials
from tests.test_finance_statements import random_plans

D = Decimal

_INCOME = {  # subtotal: the printed lines it adds, in order
    "fin_gross": ("fin_revenue", "fin_cost_of_sales"),
    "fin_ebitda": ("fin_gross", "fin_operating_expenses"),
    "fin_ebit": ("fin_ebitda", "fin_depreciation"),
    "fin_profit_before_tax": ("fin_ebit", "fin_interest"),
    "fin_net_profit": ("fin_profit_before_tax", "fin_income_tax"),
}


def _columns(statement) -> list[tuple[object, dict[str, Decimal], list[tuple[str, str, Decimal]]]]:
    """Every printed column: its period, its figures by line key, and its lines in order
    (key, style, value); a blank figure (a difference from the forecast in a projected
    column) counts as 0."""
    out = []
    for page in statement.pages:
        for i, column in enumerate(page.columns):
            lines = [
                (ln.key or ln.name, ln.style, D(0) if ln.values[i] is None else ln.values[i])
                for ln in page.lines
                if ln.values
            ]
            out.append((column, {key: value for key, _, value in lines}, lines))
    return out


def _subs(lines, total_key: str, before: str | None = None) -> list[Decimal]:
    """The indented lines printed right above ``total_key`` (or above ``before``)."""
    keys = [key for key, _, _ in lines]
    end = keys.index(before or total_key)
    found = []
    for _, style, value in reversed(lines[:end]):
        if style != "sub":
            break
        found.append(value)
    return found


def _check_statements(projection) -> None:
    income, balance, cash_flow = statements(projection, per_page=5)
    bridge = ("fin_actual_revenue_difference", "fin_actual_costs_difference")
    for page in income.pages:
        shown = [ln for ln in page.lines if ln.key in bridge]
        # The differences from the forecast: on a page with actual months, blank exactly
        # in its projected columns; on no other page.
        assert len(shown) == (2 if any(c.actual_months for c in page.columns) else 0)
        for line in shown:
            blank = [value is None for value in line.values]
            assert blank == [not c.actual_months for c in page.columns]
    rows = zip(_columns(income), _columns(balance), _columns(cash_flow), strict=True)
    detail: list[tuple] = []
    for (column, i, i_lines), (_, b, b_lines), (_, c, c_lines) in rows:
        for value in [*i.values(), *b.values(), *c.values()]:
            assert value == value.to_integral_value(), value
        # Income statement: every subtotal is the sum of the printed lines it stands for.
        assert i["fin_revenue"] == sum(_subs(i_lines, "fin_revenue"), D(0))
        assert i["fin_operating_expenses"] == sum(_subs(i_lines, "fin_operating_expenses"), D(0))
        for total, parts in _INCOME.items():
            assert i[total] == sum((i[p] for p in parts), D(0)), (column, total)
        if column.kind == "month":
            # Rounding lands only on lines with an amount that month: no stray 1s.
            exact = [*column.revenue, column.cost_of_sales, *column.expenses]
            if "fin_actual_revenue_difference" in i:
                exact.insert(len(column.revenue), column.revenue_difference)
                exact.append(column.costs_difference)
            printed = [*_subs(i_lines, "fin_revenue")[::-1], i["fin_cost_of_sales"]]
            printed += _subs(i_lines, "fin_operating_expenses")[::-1]
            if any(exact):
                assert [p for p, e in zip(printed, exact, strict=True) if not e] == [
                    0 for e in exact if not e
                ], column
        # Balance sheet: the totals add up, and assets equal liabilities plus equity.
        assert b["fin_total_assets"] == (
            b["fin_closing"]
            + b["fin_receivables"]
            + b["fin_inventory"]
            + b["fin_fixed_assets_cost"]
            + b["fin_accumulated_depreciation"]
        )
        keys = [key for key, _, _ in b_lines]
        liabilities = keys[keys.index("fin_payables") : keys.index("fin_total_liabilities")]
        assert b["fin_total_liabilities"] == sum((b[k] for k in liabilities), D(0))
        assert b["fin_equity"] == b["fin_paid_in_capital"] + b["fin_retained_earnings"]
        assert b["fin_liabilities_and_equity"] == b["fin_total_liabilities"] + b["fin_equity"]
        assert b["fin_total_assets"] == b["fin_liabilities_and_equity"], column
        # Cash flow: the sections add up, it reconciles with the balance sheet's cash, and
        # it starts from the income statement's net profit and depreciation.
        operating = [c["fin_net_profit"], c["fin_depreciation"]]
        operating += _subs(c_lines, "fin_operating_cash")
        assert c["fin_operating_cash"] == sum(operating, D(0))
        assert c["fin_investing_cash"] == c["fin_capex"]
        assert c["fin_financing_cash"] == (
            c["fin_equity_in"]
            + c["fin_loans_in"]
            + c["fin_principal_repaid"]
            + c["fin_owner_draws"]
        )
        assert c["fin_net_cash"] == (
            c["fin_operating_cash"] + c["fin_investing_cash"] + c["fin_financing_cash"]
        )
        assert c["fin_closing"] == c["fin_opening_cash"] + c["fin_net_cash"]
        assert c["fin_closing"] == b["fin_closing"]
        assert c["fin_net_profit"] == i["fin_net_profit"]
        assert c["fin_depreciation"] == -i["fin_depreciation"]
        # Printed cash is the exact cash rounded, like every other cash figure.
        assert b["fin_closing"] == whole(column.closing_cash)
        if column.kind != "year":
            if detail:
                assert c["fin_opening_cash"] == detail[-1][3]["fin_closing"]
            detail.append((column, i, b, c))
            continue
        # A fiscal year: its flows are the sum of its printed months or quarters, its
        # balances those of its last one.
        months = [d for d in detail if column.first <= d[0].first <= column.last]
        assert sum(d[0].months for d in months) == column.months
        for key, value in i.items():
            assert value == sum((d[1].get(key, D(0)) for d in months), D(0)), (column, key)
        assert b == months[-1][2]
        for key, value in c.items():
            if key == "fin_opening_cash":
                assert value == months[0][3][key]
            elif key != "fin_closing":
                assert value == sum((d[3][key] for d in months), D(0)), (column, key)


def test_three_lines_of_half_a_unit_add_up_by_hand():
    # Three categories of 0.50 a month: each prints 0 on its own, their exact total of
    # 1.50 prints 2. Cash falls from 100 to 98.50, printed 98 (half-even), so January's
    # net profit is −2; the two units go to the lines left nearest their exact 0.50.
    fin = financials(
        starting_cash=D(100),
        expenses=tuple(Expense(n, n, JAN, None, monthly=D("0.50")) for n in "abc"),
    )
    base = project(fin, [], 2)
    income, balance, cash_flow = statements(base, per_page=13)
    page = income.pages[0]
    lines = {ln.key or ln.name: ln.values for ln in page.lines}
    assert [lines[n][:4] for n in "ABC"] == [
        (D(-1), D(0), D(0), D(-1)),
        (D(-1), D(0), D(0), D(-1)),
        (D(0), D(-1), D(-1), D(0)),
    ]
    assert lines["fin_operating_expenses"][:4] == (D(-2), D(-1), D(-1), D(-2))
    assert lines["fin_net_profit"][:4] == (D(-2), D(-1), D(-1), D(-2))
    # The fiscal year: 18.00 exact, each line 6.00, printed as the sum of its months.
    assert page.columns[12].kind == "year"
    assert [lines[n][12] for n in "ABC"] == [D(-6), D(-6), D(-6)]
    assert lines["fin_net_profit"][12] == D(-18)
    sheet = {ln.key: ln.values for ln in balance.pages[0].lines if ln.values}
    # Cash 98.50, 97.00, 95.50, 94.00 print 98, 97, 96, 94 (half-even).
    assert sheet["fin_closing"][:4] == (D(98), D(97), D(96), D(94))
    assert sheet["fin_retained_earnings"][:4] == (D(98), D(97), D(96), D(94))
    assert sheet["fin_total_assets"][:4] == sheet["fin_liabilities_and_equity"][:4]
    flows = {ln.key: ln.values for ln in cash_flow.pages[0].lines if ln.values}
    assert flows["fin_opening_cash"][:4] == (D(100), D(98), D(97), D(96))
    assert flows["fin_net_cash"][:4] == (D(-2), D(-1), D(-1), D(-2))
    _check_statements(base)


def test_a_loan_in_cents_prints_whole_units_and_its_schedule_keeps_cents():
    fin = financials(starting_cash=D("1000.50"), loans=(Loan(D("5000.50"), D(7), 12, JAN),))
    report = financial_report(fin, [], 2)
    _check_statements(report.base)
    balance = report.statements[1]
    loan = next(ln for ln in balance.pages[0].lines if ln.name)
    first = report.base.months[0]
    assert loan.values[0] == whole(first.loan_balances[0])
    [(_, schedule)] = report.loans
    assert schedule[0].principal != schedule[0].principal.to_integral_value()
    assert all(p.interest == p.interest.quantize(D("0.01")) for p in schedule)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_plans())
def test_every_printed_column_of_every_scenario_adds_up(fin):
    report = financial_report(fin, [], 2)
    for projection in report.projections:
        _check_statements(projection)


def _rows(table: str) -> list[tuple[str, str, list[str]]]:
    """(class, line name, cells) for each body row of a printed table."""
    body = table.split("<tbody>", 1)[1]
    rows = re.findall(r'<tr class="([a-z]+)">(.*?)</tr>', body, re.S)
    out = []
    for style, row in rows:
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        out.append((style, cells[0], cells[1:]))
    return out


def _number(text: str) -> Decimal:
    return D(text.replace(",", "").replace("\u2212", "-"))


def _sum_above(rows, at: int, col: int, styles=("sub",)) -> Decimal:
    """The printed rows of the given styles right above row ``at``, added up."""
    total = D(0)
    for style, _, cells in reversed(rows[:at]):
        if style not in styles:
            break
        total += _number(cells[col]) if cells[col] else D(0)  # blank: nothing that period
    return total


def test_the_built_site_statements_add_up_on_paper(tmp_path):
    """Reads the sample's three statements from the built site, as a loan officer reads
    them, and adds up every column from the printed numbers alone."""
    from planbuilder.build import build
    from tests.conftest import TODAY

    assert build("sample-plan", tmp_path, today=TODAY, pdf=False).ok
    html = (tmp_path / "site" / "financials.html").read_text()
    pattern = r'<table class="fin-table statement-table ([a-z-]+)">(.*?)</table>'
    tables = re.findall(pattern, html, re.S)
    assert [kind for kind, _ in tables[::3]] == [
        "income-statement",
        "balance-sheet",
        "cash-flow-statement",
    ]
    checked = 0
    for kind, table in tables:
        rows = _rows(table)
        at = {name: k for k, (_, name, _) in enumerate(rows)}
        for col in range(len(rows[0][2])):
            value = {name: _number(cells[col]) for _, name, cells in rows if cells[col]}
            if kind == "income-statement":
                assert value["Revenue"] == _sum_above(rows, at["Revenue"], col)
                assert value["Operating expenses"] == _sum_above(
                    rows, at["Operating expenses"], col
                )
                chain = ["Revenue", "Cost of sales", "Gross margin", "Operating expenses"]
                chain += ["EBITDA", "Depreciation", "EBIT", "Interest", "Profit before tax"]
                chain += ["Income tax", "Net profit"]
                for first, second, total in zip(chain[::2], chain[1::2], chain[2::2], strict=False):
                    assert value[total] == value[first] + value[second], (col, total)
            elif kind == "balance-sheet":
                assets = _sum_above(rows, at["Total assets"], col, ("item", "sub"))
                assert value["Total assets"] == assets
                liabilities = _sum_above(rows, at["Total liabilities"], col, ("item",))
                assert value["Total liabilities"] == liabilities
                equity = value["Paid-in capital"] + value["Retained earnings"]
                assert value["Total equity"] == equity
                assert value["Total liabilities and equity"] == liabilities + equity
                assert value["Total assets"] == value["Total liabilities and equity"], col
            else:
                operating = _sum_above(rows, at["Cash from operations"], col, ("item", "sub"))
                assert value["Cash from operations"] == operating
                investing = _sum_above(rows, at["Cash from investing"], col, ("item",))
                assert value["Cash from investing"] == investing
                financing = _sum_above(rows, at["Cash from financing"], col, ("item",))
                assert value["Cash from financing"] == financing
                assert value["Net cash flow"] == operating + investing + financing
                opening = value["Cash at the start"]
                assert value["Cash"] == opening + value["Net cash flow"]
            checked += 1
    assert checked == 3 * 31
    # The loan schedule beside them keeps cents (the tasting-room loan's monthly interest).
    assert '<td class="num">$516.67</td>' in html


def _table_rows(table: str, only: str = "") -> dict[str, list[Decimal]]:
    """Line name → the printed amounts of a table's body (cells whose class holds
    ``only``, when given)."""
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S):
        name = re.sub(r"<[^>]+>", "", re.search(r"<th[^>]*>(.*?)</th>", row, re.S)[1]).strip()
        cells = re.findall(r'<td class="([^"]*)">(.*?)</td>', row, re.S)
        amounts = [
            _number(re.sub(r"[^\d,.\u2212]", "", text))
            for cls, text in cells
            if only in cls and re.search(r"\d", text) and "×" not in text
        ]
        out[name] = out.get(name, []) + amounts
    return out


def test_the_yearly_tables_print_the_statements_fiscal_years(sample_site):
    """Profit and loss by year and the coverage table print the income statement's
    fiscal-year figures, and each of their columns adds up (banker review: FY 2027
    revenue read $589,822 above lines adding to 589,823, the statement's figure)."""
    html = (sample_site / "financials.html").read_text()
    pattern = r'<table class="fin-table statement-table income-statement">(.*?)</table>'
    statement: dict[str, list[Decimal]] = {}
    for table in re.findall(pattern, html, re.S):
        for name, values in _table_rows(table, "fy-total").items():
            statement[name] = statement.get(name, []) + values
    annual = _table_rows(
        re.search(r'<table class="fin-table annual-table">(.*?)</table>', html, re.S)[1]
    )
    assert len(statement["Revenue"]) == 3  # FY 2026, 2027, 2028
    for name, values in statement.items():
        assert annual[name] == values, name
    assert annual["Revenue"][1] == D(589823)
    coverage = _table_rows(
        re.search(r'<table class="fin-table dscr-table">(.*?)</table>', html, re.S)[1]
    )
    assert coverage["EBITDA"] == statement["EBITDA"]
    for year in range(3):
        available = coverage["EBITDA"][year] - coverage["less income tax paid"][year]
        available -= coverage["less owner draws and dividends"][year]
        assert coverage["Cash available for debt service"][year] == available
    # FY 2027: 70,216 − 2,562 of FY 2026's tax; FY 2028: 219,695 − 9,365 − 6,000.
    assert coverage["Cash available for debt service"] == [D(35940), D(67654), D(204330)]


def test_a_rounding_unit_goes_to_a_line_with_cents_before_a_whole_one():
    """A price times units (14,700 exactly) is checked against the assumptions; the unit
    the balance sheet leaves goes to a line with cents, even a smaller one."""
    from planbuilder.statements import _spread

    month = [D("14700.00"), D("-3102.10")]
    lines = [D(14700), D(-3102)]
    _spread(lines, month, list(lines), list(month), D(1))
    assert lines == [D(14700), D(-3101)]
