"""``planbuilder export``: JSON that follows its shipped schema, CSV that round-trips, ICS
events a calendar can re-import."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import icalendar
import jsonschema
import pytest

from planbuilder.build import prepare
from planbuilder.cli import main
from planbuilder.export import _fold, export_schema, to_csv, to_ics, to_json
from tests.conftest import SAMPLE, TODAY


@pytest.fixture(scope="module")
def report():
    prepared = prepare(SAMPLE, today=TODAY)
    assert prepared.ok
    return prepared.report


def test_json_validates_against_its_shipped_schema(report, tmp_path: Path):
    assert main(["export", str(SAMPLE), "--format", "json", "-o", str(tmp_path / "p.json")]) == 0
    document = json.loads((tmp_path / "p.json").read_text("utf-8"))
    assert document["schema_version"] == 1
    jsonschema.Draft202012Validator(export_schema()).validate(document)
    web = next(m for m in document["milestones"] if m["id"] == "web-shop-relaunch")
    assert (web["due"], web["budget"], web["status"]) == ("2026-04-30", "9800.00", "done-on-time")
    assert document["financials"]["months"][0]["month"] == "2026-01"
    # a value the schema does not allow is caught: the schema is no rubber stamp
    document["milestones"][0]["budget"] = "9,800.00"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, export_schema())


def test_csv_round_trips_with_plain_numbers_and_iso_dates(report, tmp_path: Path):
    out = tmp_path / "tables"
    assert main(["export", str(SAMPLE), "--format", "csv", "-o", str(out)]) == 0
    raw = (out / "milestones.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read it as UTF-8

    def rows(name: str) -> list[dict[str, str]]:
        with open(out / name, encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))

    milestones = rows("milestones.csv")
    assert [r["id"] for r in milestones] == [v.milestone.id for v in report.milestones]
    for row, view in zip(milestones, report.milestones, strict=True):
        m = view.milestone
        assert dt.date.fromisoformat(row["due"]) == m.due
        assert (row["budget"] or None) == (None if m.budget is None else f"{m.budget:f}")
        assert row["title"] == m.title
    kpis = rows("kpis.csv")
    expected = [(k.kpi.id, month, value) for k in report.kpis for month, value in k.kpi.actuals]
    from decimal import Decimal

    assert [(r["kpi"], r["month"], Decimal(r["value"])) for r in kpis] == expected
    months = rows("projection.csv")
    base = report.financials.base.months
    assert len(months) == len(base)
    assert [Decimal(r["closing_cash"]) for r in months] == [m.closing_cash for m in base]
    assert all("," not in r["revenue"] for r in months)  # no grouping, whatever the locale


def test_ics_has_one_event_per_milestone_with_stable_uids(report):
    data = to_ics(report)
    calendar = icalendar.Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == len(report.milestones)
    slug = report.plan.meta.slug
    for event, view in zip(events, report.milestones, strict=True):
        assert str(event["UID"]) == f"{view.milestone.id}@{slug}.planbuilder"
        assert event.decoded("DTSTART") == view.milestone.due
        assert event.decoded("DTEND") == view.milestone.due + dt.timedelta(days=1)
        assert str(event["SUMMARY"]) == view.milestone.title
    assert to_ics(report) == data  # the same plan gives the same file: DTSTAMP is no clock
    for line in data.split(b"\r\n"):
        assert len(line) <= 75


def test_ics_escapes_and_folds_text(make_plan):
    plan = make_plan(
        {
            "milestones.yaml": """\
            - id: launch
              title: "Launch; open, then party \\\\ celebrate — ünïcödé ünïcödé ünïcödé ünïcödé"
              due: 2027-05-01
              notes: "first line\\nsecond line"
            """
        }
    )
    prepared = prepare(plan, today=TODAY)
    assert prepared.ok, prepared.problems
    data = to_ics(prepared.report)
    text = data.decode("utf-8")  # folding never splits a character
    assert "SUMMARY:Launch\\; open\\, then party \\\\ celebrate" in text.replace("\r\n ", "")
    event = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == prepared.report.milestones[0].milestone.title
    assert "first line\nsecond line" in str(event["DESCRIPTION"])
    assert _fold("x" * 80) == "x" * 75 + "\r\n " + "x" * 5


def test_to_json_and_csv_have_no_financials_when_the_plan_has_none(make_plan):
    prepared = prepare(make_plan(), today=TODAY)
    assert to_json(prepared.report)["financials"] is None
    jsonschema.validate(to_json(prepared.report), export_schema())
    tables = to_csv(prepared.report)
    text = tables["projection.csv"].decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [text.strip().split(",")]


def test_export_of_an_invalid_plan_writes_nothing(make_plan, tmp_path: Path, capsys):
    plan = make_plan({"milestones.yaml": "- id: x\n  title: X\n  due: someday\n"})
    target = tmp_path / "out.json"
    assert main(["export", str(plan), "--format", "json", "-o", str(target)]) == 1
    assert not target.exists()
    assert "milestones.yaml:3:" in capsys.readouterr().err
