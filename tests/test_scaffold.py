"""`planbuilder new --template` and `planbuilder reference`: starter plans a new user can
build on, and a field reference that ships with the package."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from planbuilder.build import check
from planbuilder.cli import main
from planbuilder.records import FILES
from planbuilder.scaffold import TEMPLATES, create_plan

TODAY = dt.date(2027, 1, 10)


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_starter_plan_is_complete_and_passes_strict_check(tmp_path: Path, template):
    plan = create_plan(tmp_path / "p", template=template, today=TODAY)
    for name in (
        "plan.yaml",
        "business-model.yaml",
        "goals.yaml",
        "milestones.yaml",
        "kpis.yaml",
        "team.yaml",
        "financials.yaml",
        "assets/logo.svg",
        ".gitignore",
    ):
        assert (plan / name).is_file(), name
    assert "_build/" in (plan / ".gitignore").read_text().splitlines()
    plan_yaml = (plan / "plan.yaml").read_text()
    assert "logo: assets/logo.svg" in plan_yaml
    assert "editions:" in plan_yaml
    assert "planbuilder reference" in plan_yaml
    assert "sample-plan" not in "".join(p.read_text() for p in plan.rglob("*.yaml"))
    result = check(plan, strict=True)
    assert result.ok, [p.message for p in result.problems]
    assert result.problems == []


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("exporter", ("foreign supply contract", "ISO 9001")),
        ("tech-startup", ("5,000 monthly active users", "Seed round closed")),
        ("small-business", ("repeat customers", "30,000 in revenue")),
    ],
)
def test_starter_milestones_fit_the_kind_of_business(tmp_path: Path, template, words):
    plan = create_plan(tmp_path / "p", template=template, today=TODAY)
    milestones = (plan / "milestones.yaml").read_text()
    for word in words:
        assert word in milestones


def test_new_takes_the_template_in_any_case_and_the_plan_builds(tmp_path: Path, capsys):
    target = tmp_path / "shop"
    assert main(["new", str(target), "--template", "Exporter"]) == 0
    assert "Export markets" in (target / "sections" / "02-export-markets.md").read_text()
    assert main(["build", str(target), "--no-pdf", "-q"]) == 0
    site = target / "_build" / "site"
    assert "First foreign supply contract signed" in (site / "milestones.html").read_text()
    assert (site / "assets" / "logo.svg").is_file()


def test_new_refuses_an_unknown_template(tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["new", str(tmp_path / "x"), "--template", "bakery"])
    assert exc.value.code == 2
    assert "small-business" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_git_add_leaves_the_build_out(tmp_path: Path):
    plan = create_plan(tmp_path / "p", today=TODAY)
    (plan / "_build").mkdir()
    (plan / "_build" / "plan.pdf").write_bytes(b"%PDF")
    subprocess.run(["git", "init", "-q"], cwd=plan, check=True, env={"HOME": str(tmp_path)})
    ignored = subprocess.run(
        ["git", "check-ignore", "_build/plan.pdf"], cwd=plan, capture_output=True, text=True
    )
    assert ignored.returncode == 0


def test_reference_lists_every_field_of_every_file_with_its_facts(capsys):
    assert main(["reference"]) == 0
    out = capsys.readouterr().out
    for name, (record, _many) in FILES.items():
        assert name in out
        for field in record.fields:
            assert f"  {field}: " in out
    assert "due: a date (YYYY-MM-DD) (required)" in out
    assert "horizon_months: a whole number from 12 to 60 (optional, default `36`)" in out
    assert "the id of a team member" in out  # help text from records.py


def test_reference_of_one_file(capsys):
    assert main(["reference", "Milestones.yaml"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("milestones.yaml")
    assert "kpis.yaml" not in out
    assert "    from: a month (YYYY-MM) (required)" in out  # nested spend: record
