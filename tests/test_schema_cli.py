"""Editor support: ``planbuilder schema OUT``, the ``$schema`` line that ``new`` writes, and
a schema that agrees with ``check`` on valid and invalid plans; ``check --format json``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from planbuilder.build import check
from planbuilder.cli import main
from planbuilder.load import split_front_matter
from planbuilder.scaffold import SCHEMAS_DIR, create_plan, schema_comment
from tests.conftest import MINIMAL_PLAN, REPO, SAMPLE, TODAY

MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\n")


class _TextDates(yaml.SafeLoader):
    """YAML as an editor's schema checker sees it: dates stay text."""


_TextDates.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@pytest.fixture(scope="module")
def schema_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("schemas") / "out"
    assert main(["schema", str(out)]) == 0
    return out


def schema_errors(schema_dir: Path, plan: Path) -> list[str]:
    """Every schema error in a plan's YAML files and front matter, using the files that
    `planbuilder schema` wrote."""
    errors = []

    def validate(schema_name: str, data, where: str) -> None:
        schema = json.loads((schema_dir / schema_name).read_text("utf-8"))
        # editors check formats too (a `date` must be one)
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        errors.extend(f"{where}: {e.message}" for e in validator.iter_errors(data))

    for path in sorted(plan.glob("*.yaml")):
        data = yaml.load(path.read_text("utf-8"), Loader=_TextDates)
        validate(path.name.replace(".yaml", ".json"), data, path.name)
    for path in sorted((plan / "sections").glob("*.md")):
        front, _body, _line = split_front_matter(path.read_text("utf-8"))
        if front:
            validate("section-front-matter.json", yaml.load(front, Loader=_TextDates), path.name)
    return errors


def test_schema_writes_one_file_per_yaml_file(schema_dir: Path):
    assert sorted(p.name for p in schema_dir.iterdir()) == [
        "business-model.json",
        "financials.json",
        "goals.json",
        "kpis.json",
        "milestones.json",
        "plan.json",
        "section-front-matter.json",
        "team.json",
    ]
    for path in schema_dir.iterdir():
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text("utf-8")))


def test_new_points_every_yaml_file_at_its_schema_offline(tmp_path: Path):
    import datetime as dt

    plan = create_plan(tmp_path / "p", today=dt.date(2027, 1, 10))
    yaml_files = sorted(plan.glob("*.yaml"))
    assert len(yaml_files) >= 5
    for path in yaml_files:
        match = MODELINE.match(path.read_text("utf-8"))
        assert match, path.name
        target = path.parent / match[1]  # relative to the YAML file, as editors resolve it
        assert target.is_file() and target.parent.name == SCHEMAS_DIR
        schema = json.loads(target.read_text("utf-8"))
        data = yaml.load(path.read_text("utf-8"), Loader=_TextDates)
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == [], path.name
    assert check(plan, strict=True).ok
    assert schema_comment("goals.yaml") == "# yaml-language-server: $schema=.schemas/goals.json\n"
    assert schema_comment("notes.txt") == ""


@pytest.mark.parametrize("plan", [SAMPLE, REPO / "tests" / "plans" / "vi-bakery"], ids=str)
def test_valid_plans_pass_both_schema_and_check(schema_dir: Path, plan: Path):
    assert schema_errors(schema_dir, plan) == []
    assert check(plan, today=TODAY).ok


INVALID = {
    "unknown field": ("milestones.yaml", "- id: shop\n  title: Shop\n  due: 2027-03-31\n  x: 1\n"),
    "missing due": ("milestones.yaml", "- id: shop\n  title: Shop\n"),
    "due not a date": ("milestones.yaml", "- id: shop\n  title: Shop\n  due: next week\n"),
    "negative budget": ("milestones.yaml", "- id: s\n  title: S\n  due: 2027-03-31\n  budget: -5"),
    "bad unit": ("kpis.yaml", "- id: k\n  name: K\n  unit: furlongs\n"),
    "goal without title": ("goals.yaml", "- id: g\n"),
    "person without name": ("team.yaml", "- id: ana\n"),
    "horizon too long": ("financials.yaml", "start: 2027-01\nhorizon_months: 600\n"),
    "plan without company": ("plan.yaml", "title: A plan\n"),
    "goals not a list": ("goals.yaml", "id: g\ntitle: G\n"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_each_invalid_fixture_is_rejected_by_both(schema_dir: Path, make_plan, case: str):
    name, text = INVALID[case]
    plan = make_plan({"plan.yaml": MINIMAL_PLAN, name: text})
    assert schema_errors(schema_dir, plan), "the schema accepted it"
    errors = [p for p in check(plan, today=TODAY).problems if p.is_error]
    assert errors and all(p.position.name == name for p in errors), errors


def test_check_format_json_for_machines(make_plan, capsys):
    plan = make_plan({"milestones.yaml": "- id: shop\n  title: Shop\n  due: next week\n"})
    assert main(["check", str(plan), "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False
    warnings = [p for p in document["problems"] if p["severity"] == "warning"]
    assert document["summary"] == {"errors": 1, "warnings": len(warnings)}
    [problem] = [p for p in document["problems"] if p["severity"] == "error"]
    assert (Path(problem["file"]).name, problem["line"], problem["severity"]) == (
        "milestones.yaml",
        3,
        "error",
    )
    assert main(["check", str(SAMPLE), "--format", "json", "--strict"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
