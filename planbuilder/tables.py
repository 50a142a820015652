"""The computed plan as plain tables: milestones, KPI actuals and the monthly projection.

One format for every CSV planbuilder writes (the site's downloads and ``export``):
locale-independent numbers (``1234.50``), ISO dates, UTF-8 with a byte-order mark so
that a spreadsheet opens it as UTF-8, and CRLF line ends.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from planbuilder.calendar import month_name
from planbuilder.compute import MilestoneView, Report
from planbuilder.keep import KeptByIdentity


def plain_number(value: Decimal | int | None) -> str | None:
    """A locale-independent decimal: ``1234.50``, never ``1E+3`` or ``1,234.5``."""
    if value is None:
        return None
    if isinstance(value, int):
        return str(value)
    return f"{value:f}"


def plain_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


MILESTONE_COLUMNS = (
    "id",
    "title",
    "due",
    "budget",
    "owner",
    "goals",
    "done",
    "actual_cost",
    "status",
)
KPI_COLUMNS = ("kpi", "name", "unit", "month", "value")
PROJECTION_COLUMNS = (
    "month",
    "revenue",
    "cost_of_sales",
    "gross_margin",
    "expenses",
    "ebitda",
    "interest",
    "net_profit",
    "principal",
    "investment",
    "equity_in",
    "loans_in",
    "net_cash",
    "closing_cash",
)


def projection_row(m) -> list:
    return [
        month_name(m.first),
        plain_number(m.revenue_total),
        plain_number(m.cost_of_sales),
        plain_number(m.gross_margin),
        plain_number(m.expenses_total),
        plain_number(m.ebitda),
        plain_number(m.interest),
        plain_number(m.net_profit),
        plain_number(m.principal),
        plain_number(m.investment),
        plain_number(m.equity_in),
        plain_number(m.loans_in),
        plain_number(m.net_cash),
        plain_number(m.closing_cash),
    ]


def _table(header: tuple[str, ...], rows: list[list], lines: list[str] = ()) -> bytes:
    """The header, ``rows``, then ``lines`` (rows written already, by ``_line``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    buffer.write("".join(lines))
    return buffer.getvalue().encode("utf-8-sig")


def _line(row: list) -> str:
    """One row as ``_table`` writes it."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def milestone_row(v) -> list:
    m = v.milestone
    return [
        m.id,
        m.title,
        plain_date(m.due),
        plain_number(m.budget),
        m.owner,
        " ".join(m.goals),
        plain_date(m.done),
        plain_number(m.actual_cost),
        v.status.value,
    ]


#: Each milestone view's CSV line of the last ``to_csv``, by the view's identity
#: (``compute`` keeps the view of an unchanged milestone between the dev server's
#: builds). Holds the last call's views only.
_LAST_LINES: KeptByIdentity[MilestoneView, str] = KeptByIdentity()


def _milestone_lines(views) -> list[str]:
    # One writer for all the lines (as _line writes each): thousands of rows each with
    # a buffer and writer of its own took as long as writing them.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(v) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["" if value is None else value for value in milestone_row(v)])
        return buffer.getvalue()

    return _LAST_LINES.map(views, line)


def to_csv(report: Report) -> dict[str, bytes]:
    """``{file name: bytes}``: milestones, KPI actuals (one row a month) and the monthly
    projection (empty but for its header when the plan has no financials)."""
    kpis = [
        [k.kpi.id, k.kpi.name, k.kpi.unit, month, plain_number(value)]
        for k in report.kpis
        for month, value in k.kpi.actuals
    ]
    months = report.financials.base.months if report.financials else ()
    return {
        "milestones.csv": _table(MILESTONE_COLUMNS, [], _milestone_lines(report.milestones)),
        "kpis.csv": _table(KPI_COLUMNS, kpis),
        "projection.csv": _table(PROJECTION_COLUMNS, [projection_row(m) for m in months]),
    }
