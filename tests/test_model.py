"""The model: frozen records, defaults from the declarations, inert data, stages in order."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import subprocess
import sys
from decimal import Decimal
from enum import Enum
from pathlib import Path

import pytest

from planbuilder.build import prepare
from planbuilder.calendar import month_index
from planbuilder.model import Financials, Kpi, Loan, Milestone
from planbuilder.records import FINANCIALS, KPI, MILESTONE
from planbuilder.schema import Field, Identifier, ListOf, Month, Percent, Record, Text, model_class
from tests.conftest import MINIMAL_PLAN, REPO, TODAY

PACKAGE = REPO / "planbuilder"


def test_model_objects_are_frozen(sample_build):
    plan = sample_build.report.plan
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.milestones[0].budget = Decimal(0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.meta.as_of = dt.date(2000, 1, 1)


def test_a_field_added_to_a_declaration_appears_on_the_model_class():
    owner = Record("owner", {"id": Field(Identifier(), required=True)})
    grown = Record(
        "owner",
        {
            **owner.fields,
            "share": Field(Percent(), default=Decimal(50)),
            "since": Field(Month(), convert=month_index, model_type=int),
            "tags": Field(ListOf(Text())),
        },
    )
    cls = model_class(grown, "Owner")
    made = cls(id="o")
    assert (made.share, made.since, made.tags, made.position) == (Decimal(50), None, (), None)
    assert cls(id="o", since=24_324).since == 24_324
    assert cls.__module__ == "planbuilder.model"
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.share = Decimal(1)
    with pytest.raises(TypeError):
        cls()  # `id` is required
    with pytest.raises(TypeError):
        model_class(owner, "Owner")(id="o", share=Decimal(1))  # not declared there


def test_model_classes_carry_the_declared_defaults():
    kpi = Kpi(id="k", name="K")
    assert (kpi.unit, kpi.direction) == (KPI.fields["unit"].default, "up")
    assert Loan(Decimal(1), Decimal(1), 12, 0).grace_months == 0
    assert set(MILESTONE.fields) <= {f.name for f in dataclasses.fields(Milestone)}


def test_financials_defaults_come_from_the_declaration(make_plan):
    plan = make_plan({"plan.yaml": MINIMAL_PLAN, "financials.yaml": "start: 2027-01\n"})
    fin = prepare(plan, today=TODAY).report.plan.financials
    assert isinstance(fin, Financials)
    assert fin.horizon_months == FINANCIALS.fields["horizon_months"].default == 36
    assert fin.min_dscr == Decimal("1.15")
    assert fin.milestone_spending is True
    assert fin.position.name == "financials.yaml"
    assert fin.position_of("start").line == 1


def test_records_know_where_they_were_written(sample_build):
    plan = sample_build.report.plan
    first = plan.milestones[0]
    assert first.position.name == "milestones.yaml" and first.position.line > 0
    loan = plan.financials.loans[0]
    assert loan.position.name == "financials.yaml" and loan.position.line > 0
    assert isinstance(first.position.file, str)


def test_section_paths_are_text_relative_to_the_plan(sample_build):
    paths = [s.path for s in sample_build.report.plan.sections]
    assert paths[0] == "sections/01-executive-summary.md"
    assert all(isinstance(p, str) and not Path(p).is_absolute() for p in paths)


INERT = (str, int, Decimal, bool, type(None), dt.date, dt.datetime, Enum)


def _walk(value, path: str, seen: set[int], bad: list[str]) -> None:
    if isinstance(value, INERT):
        return
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, tuple):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]", seen, bad)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(key, f"{path}.key", seen, bad)
            _walk(item, f"{path}[{key!r}]", seen, bad)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        if not type(value).__dataclass_params__.frozen:
            bad.append(f"{path}: {type(value).__name__} is not frozen")
        for f in dataclasses.fields(value):
            _walk(getattr(value, f.name), f"{path}.{f.name}", seen, bad)
    else:
        bad.append(f"{path}: {type(value).__name__}")


def test_the_report_templates_see_is_inert_data(sample_build):
    bad: list[str] = []
    _walk(sample_build.report, "report", set(), bad)
    assert bad == []


def test_the_walk_catches_a_path():
    @dataclasses.dataclass(frozen=True)
    class Holder:
        where: object

    bad: list[str] = []
    _walk(Holder((Path("x"),)), "holder", set(), bad)
    assert bad == ["holder.where[0]: PosixPath"]


# --- imports run downward only -----------------------------------------------------------

STAGES = ["load", "schema", "records", "validate", "model", "compute", "finance", "build"]


def _imports(module: Path) -> set[str]:
    """``planbuilder.*`` modules a file imports, type-checking imports included."""
    found = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "planbuilder":
                found |= {f"planbuilder.{a.name}" for a in node.names}
            elif node.module.startswith("planbuilder."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("planbuilder.")}
    return found


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        graph[name] = _imports(path)
    known = set(graph)
    return {name: {i for i in imports if i in known} for name, imports in graph.items()}


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph.get(name, ()))
    return seen


def test_the_import_graph_has_no_cycles():
    graph = _graph()
    cycles = [name for name in graph if name in _reach(graph, name)]
    assert cycles == []


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("load", ["validate", "model", "compute", "render"]),
        ("validate", ["compute", "render", "model"]),
        ("model", ["compute", "render"]),
        ("compute", ["render"]),
        ("render.site", ["write", "build", "cli", "serve"]),
        ("render.pdf", ["write", "build", "cli", "serve"]),
        ("write", ["validate", "model", "compute", "render"]),
    ],
)
def test_stages_import_only_downward(module, forbidden):
    reached = _reach(_graph(), f"planbuilder.{module}")
    wrong = [
        r
        for r in reached
        for f in forbidden
        if r == f"planbuilder.{f}" or r.startswith(f"planbuilder.{f}.")
    ]
    assert wrong == []


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_imports_alone(stage):
    code = f"import planbuilder.{stage}"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
