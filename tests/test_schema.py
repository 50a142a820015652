"""Field types and the JSON Schema generated from the record declarations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
import yaml

from planbuilder.build import check
from planbuilder.load import load, split_front_matter
from planbuilder.records import json_schemas
from planbuilder.schema import MAX_AMOUNT, Context, Invalid, Money, Percent, Text
from tests.conftest import MINIMAL_PLAN, REPO, SAMPLE, TODAY

PLANS = [SAMPLE, REPO / "tests" / "plans" / "vi-bakery"]


class _TextDates(yaml.SafeLoader):
    """YAML as an editor's schema checker sees it: dates stay text."""


_TextDates.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _documents(plan: Path):
    """(schema name, data) of every YAML file and section front matter of a plan."""
    for path in sorted(plan.glob("*.yaml")):
        yield path.name, yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDates)
    for path in sorted((plan / "sections").glob("*.md")):
        front, _body, _line = split_front_matter(path.read_text(encoding="utf-8"))
        if front:
            yield "section front matter", yaml.load(front, Loader=_TextDates)


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json_schemas()[name]
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_every_file_has_a_draft_2020_12_schema_with_descriptions():
    schemas = json_schemas()
    assert set(schemas) == {
        "plan.yaml",
        "business-model.yaml",
        "goals.yaml",
        "milestones.yaml",
        "kpis.yaml",
        "financials.yaml",
        "team.yaml",
        "section front matter",
    }
    for schema in schemas.values():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(schema)
    financials = schemas["financials.yaml"]["properties"]
    assert financials["horizon_months"]["default"] == 36
    assert "debt-service coverage" in financials["min_dscr"]["description"]
    assert schemas["goals.yaml"]["type"] == "array"


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.name)
def test_bundled_plans_validate_against_the_schema(plan):
    checked = 0
    for name, data in _documents(plan):
        errors = [e.message for e in _validator(name).iter_errors(data)]
        assert errors == [], name
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        (
            "milestones.yaml",
            "- id: shop\n  title: Shop\n  due: 2027-03-31\n  budgett: 100\n",
            "unknown field `budgett` in milestone",
        ),
        (
            "milestones.yaml",
            "- id: shop\n  title: Shop\n  due: 2027-03-31\n  budget: lots\n",
            "expected a non-negative amount, got `lots`",
        ),
        (
            "kpis.yaml",
            "- id: k\n  name: K\n  unit: furlongs\n",
            "expected one of `money`, `percent`, `count`, `ratio`, `days`, got `furlongs`",
        ),
        (
            "financials.yaml",
            "start: 2027-01\nhorizon_months: twelve\n",
            "expected a whole number from 12 to 60, got `twelve`",
        ),
    ],
)
def test_invalid_files_are_rejected_by_schema_and_check(make_plan, file, text, message):
    plan = make_plan({"plan.yaml": MINIMAL_PLAN, file: text})
    data = yaml.load(text, Loader=_TextDates)
    assert list(_validator(file).iter_errors(data)), "the schema accepted it"
    errors = [p.message for p in check(plan, today=TODAY).problems if p.is_error]
    assert errors == [message]


def test_the_schema_bounds_amounts_like_check(make_plan):
    text = "start: 2027-01\nstarting_cash: 1000000000000000\n"
    assert list(_validator("financials.yaml").iter_errors(yaml.safe_load(text)))
    plan = make_plan({"plan.yaml": MINIMAL_PLAN, "financials.yaml": text})
    [problem] = [p for p in check(plan, today=TODAY).problems if p.is_error]
    assert problem.message.startswith("`1000000000000000` is too large")
    assert (problem.position.name, problem.position.line) == ("financials.yaml", 2)


def test_money_keeps_exact_decimals_and_refuses_too_many():
    usd = Context("USD", 2)
    assert Money().clean(Decimal("4500.10"), usd) == Decimal("4500.10")
    with pytest.raises(Invalid, match="more decimals than USD allows"):
        Money().clean(Decimal("10.005"), usd)
    with pytest.raises(Invalid, match="too large"):
        Money().clean(MAX_AMOUNT, usd)
    assert Money().clean(MAX_AMOUNT - 1, usd) == MAX_AMOUNT - 1


def test_percent_reads_text_with_a_sign_and_stays_bounded():
    ctx = Context()
    assert Percent().clean("-20%", ctx) == Decimal(-20)
    with pytest.raises(Invalid, match="expected a percentage, got `20000`"):
        Percent(Decimal(-100)).clean(20000, ctx)


def test_text_takes_numbers_and_dates_as_written():
    assert Text().clean(2027, Context()) == "2027"
    assert Text().clean(dt.date(2027, 1, 2), Context()) == "2027-01-02"
    with pytest.raises(Invalid, match="expected text, got `true`"):
        Text().clean(True, Context())


def test_load_finds_the_bundled_themes(make_plan):
    sources = load(make_plan({"plan.yaml": MINIMAL_PLAN}))
    assert "default" in sources.available_themes
