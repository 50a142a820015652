"""``planbuilder export``: the computed plan as JSON, CSV tables or an iCalendar file.

Every format is plain data computed by ``compute``; nothing depends on the locale or the
clock. Numbers are written with a dot and no grouping (``1234.50``), dates as ISO 8601.

- JSON follows ``schemas/export-v1.schema.json`` (``"schema_version": 1``); amounts are
  strings holding exact decimals, so no precision is lost on the way.
- CSV is a folder of ``milestones.csv``, ``kpis.csv`` and ``projection.csv``: UTF-8 with
  a byte-order mark (so spreadsheets detect the encoding), CRLF rows, a header row.
- ICS (RFC 5545) has one all-day event per milestone with the UID
  ``<milestone-id>@<plan-slug>.planbuilder``, so importing again updates the events.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from importlib import resources
from pathlib import Path

from planbuilder import __version__
from planbuilder.calendar import month_name
from planbuilder.compute import Report
from planbuilder.tables import PROJECTION_COLUMNS, plain_date, plain_number, projection_row, to_csv
from planbuilder.write import OutputRefused, write_file

SCHEMA_VERSION = 1
SCHEMA_FILE = "export-v1.schema.json"
FORMATS = ("json", "csv", "ics")
CSV_FILES = ("milestones.csv", "kpis.csv", "projection.csv")


class ExportError(Exception):
    pass


def export_schema() -> dict:
    """The JSON Schema the JSON export follows (shipped in the package)."""
    text = (
        resources.files("planbuilder").joinpath("schemas").joinpath(SCHEMA_FILE).read_text("utf-8")
    )
    return json.loads(text)


# -- JSON ------------------------------------------------------------------------------


def to_json(report: Report) -> dict:
    """The computed plan as JSON-able data (schema version 1)."""
    plan = report.plan
    meta = plan.meta
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"planbuilder {__version__}",
        "plan": {
            "title": meta.title,
            "company": meta.company,
            "slug": meta.slug,
            "locale": meta.locale,
            "currency": meta.currency,
            "as_of": plain_date(report.as_of),
            "date": plain_date(meta.date),
            "version": meta.version,
        },
        "milestones": [
            {
                "id": v.milestone.id,
                "title": v.milestone.title,
                "due": plain_date(v.milestone.due),
                "budget": plain_number(v.milestone.budget),
                "owner": v.milestone.owner,
                "goals": list(v.milestone.goals),
                "done": plain_date(v.milestone.done),
                "actual_cost": plain_number(v.milestone.actual_cost),
                "status": v.status.value,
                "days": v.days,
                "slip_days": v.slip_days,
                "notes": v.milestone.notes,
            }
            for v in report.milestones
        ],
        "goals": [
            {
                "id": g.goal.id,
                "title": g.goal.title,
                "kpi": g.goal.kpi,
                "baseline": plain_number(g.goal.baseline),
                "target": plain_number(g.goal.target),
                "deadline": plain_date(g.goal.deadline),
                "owner": g.goal.owner,
                "progress": g.progress.value,
                "budget": plain_number(g.budget),
            }
            for g in report.goals
        ],
        "kpis": [
            {
                "id": k.kpi.id,
                "name": k.kpi.name,
                "unit": k.kpi.unit,
                "direction": k.kpi.direction,
                "target": plain_number(k.kpi.target),
                "target_date": plain_date(k.kpi.target_date),
                "latest": plain_number(k.latest),
                "actuals": [{"month": m, "value": plain_number(v)} for m, v in k.kpi.actuals],
            }
            for k in report.kpis
        ],
        "financials": _financials_json(report),
    }


def _financials_json(report: Report) -> dict | None:
    money = report.financials
    if money is None:
        return None
    base = money.base
    fin = money.financials
    return {
        "start": month_name(fin.start),
        "horizon_months": fin.horizon_months,
        "starting_cash": plain_number(fin.starting_cash),
        "break_even": None if base.break_even is None else month_name(base.break_even),
        "lowest_cash": {
            "month": month_name(base.min_cash.first),
            "amount": plain_number(base.min_cash.closing_cash),
        },
        "min_dscr": None if base.min_dscr is None else plain_number(round(base.min_dscr, 4)),
        "years": [
            {
                "first": month_name(y.first),
                "last": month_name(y.last),
                "revenue": plain_number(y.revenue_total),
                "net_profit": plain_number(y.net_profit),
                "closing_cash": plain_number(y.closing_cash),
                "dscr": None if y.dscr is None else plain_number(round(y.dscr, 4)),
            }
            for y in base.years
        ],
        "months": [
            dict(zip(PROJECTION_COLUMNS, projection_row(m), strict=True)) for m in base.months
        ],
        "loans": [
            {
                "name": loan.name,
                "lender": loan.lender,
                "principal": plain_number(loan.principal),
                "rate": plain_number(loan.rate),
                "term_months": loan.term_months,
                "start": month_name(loan.start),
                "grace_months": loan.grace_months,
            }
            for loan in fin.loans
        ],
        "equity": [
            {"investor": r.investor, "amount": plain_number(r.amount), "month": month_name(r.month)}
            for r in fin.equity
        ],
    }


# -- ICS -------------------------------------------------------------------------------


def _ics_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and line breaks escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1)."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _stamp(report: Report) -> str:
    """DTSTAMP: the document date (the last commit, else ``date``, else ``as_of``)."""
    meta = report.plan.meta
    if meta.stamp is not None:
        return meta.stamp.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    day = meta.date or report.as_of
    return day.strftime("%Y%m%dT000000Z")


def to_ics(report: Report) -> bytes:
    """An iCalendar file: one all-day event per milestone, on its due date."""
    meta = report.plan.meta
    stamp = _stamp(report)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//planbuilder//planbuilder {__version__}//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_ics_text(f'{meta.company}: {meta.title}')}",
    ]
    for view in report.milestones:
        m = view.milestone
        details = [f"Status: {view.status.value}"]
        if m.budget is not None:
            details.append(f"Budget: {plain_number(m.budget)} {meta.currency}")
        if m.owner:
            details.append(f"Owner: {view.owner.name if view.owner else m.owner}")
        if m.done:
            details.append(f"Done: {m.done.isoformat()}")
        if m.notes:
            details.append(m.notes)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{m.id}@{meta.slug}.planbuilder",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{m.due.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(m.due + dt.timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{_ics_text(m.title)}",
            f"DESCRIPTION:{_ics_text(chr(10).join(details))}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


# -- writing ---------------------------------------------------------------------------


def export(report: Report, fmt: str, output: Path | None = None) -> list[Path]:
    """Write ``report`` as ``fmt`` to ``output`` (stdout for JSON and ICS without one;
    a folder, default ``<plan-slug>-csv``, for CSV). Returns the files written."""
    if fmt == "csv":
        folder = Path(output or f"{report.plan.meta.slug}-csv")
        if (folder.exists() and not folder.is_dir()) or folder.is_symlink():
            raise ExportError(f"{folder} is not a folder; CSV export writes a folder of tables")
        written = []
        try:
            for name, data in to_csv(report).items():
                write_file(data, folder / name)
                written.append(folder / name)
        except OutputRefused as exc:
            raise ExportError(exc.message) from exc
        return written
    if fmt == "json":
        data = (json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    elif fmt == "ics":
        data = to_ics(report)
    else:
        raise ExportError(f"unknown format `{fmt}`; choose one of {', '.join(FORMATS)}")
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return []
    if Path(output).is_dir():
        raise ExportError(f"{output} is a folder; give a file name")
    write_file(data, Path(output))
    return [Path(output)]
