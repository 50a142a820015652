"""SMART checks on goals and four-part checks on milestones: warnings with lines and hints."""

from __future__ import annotations

import datetime as dt

import pytest

from planbuilder.build import check
from tests.conftest import MINIMAL_PLAN, SAMPLE, TODAY

TEAM = "- {id: ana, name: Ana}\n"
KPIS = "- {id: sales, name: Sales, unit: money}\n"
GOOD_GOAL = """\
- id: g
  title: Grow sales
  horizon: short
  specific: Raise monthly sales from 8,000 to 10,000.
  kpi: sales
  baseline: 8000
  target: 10000
  deadline: 2027-12-31
  owner: ana
  relevant: Sales pay for everything else.
"""
LINKED_MILESTONE = "- {id: m, title: M, due: 2027-06-01, budget: 100, owner: ana, goals: [g]}\n"


def warnings_for(
    make_plan, goals: str = GOOD_GOAL, milestones: str = LINKED_MILESTONE, plan=MINIMAL_PLAN
):
    folder = make_plan(
        {
            "plan.yaml": plan,
            "team.yaml": TEAM,
            "kpis.yaml": KPIS,
            "goals.yaml": goals,
            "milestones.yaml": milestones,
        }
    )
    result = check(folder, today=TODAY)
    assert all(not p.is_error for p in result.problems), result.problems
    return [(p.position.name, p.position.line, p.code, p.message, p.hint) for p in result.problems]


def codes(found):
    return [code for _, _, code, _, _ in found]


def test_a_smart_goal_with_a_complete_milestone_is_clean(make_plan):
    assert warnings_for(make_plan) == []


@pytest.mark.parametrize(
    ("change", "code", "line"),
    [
        # Specific: no number in `specific` and no target
        (
            lambda g: g.replace("from 8,000 to 10,000", "a lot").replace("  target: 10000\n", ""),
            "smart-specific",
            4,
        ),
        # Measurable: no KPI
        (lambda g: g.replace("  kpi: sales\n", ""), "smart-measurable", 1),
        # Measurable: no baseline
        (lambda g: g.replace("  baseline: 8000\n", ""), "smart-measurable", 1),
        # Achievable: 8000 → 80000 in under a year, with no rationale
        (lambda g: g.replace("target: 10000", "target: 80000"), "smart-achievable", 7),
        # Time-bound: no deadline
        (lambda g: g.replace("  deadline: 2027-12-31\n", ""), "smart-time-bound", 1),
        # Time-bound: a short goal three years out
        (
            lambda g: g.replace("deadline: 2027-12-31", "deadline: 2030-01-31"),
            "smart-time-bound",
            8,
        ),
        # Time-bound: a long goal due within a year
        (
            lambda g: g.replace("horizon: short", "horizon: long"),
            "smart-time-bound",
            8,
        ),
    ],
)
def test_each_smart_rule_warns_at_its_line(make_plan, change, code, line):
    found = warnings_for(make_plan, goals=change(GOOD_GOAL))
    if code == "smart-specific":  # without a number or a target it is not measurable either
        found = [f for f in found if f[2] != "smart-measurable" or "target" not in f[3]]
    assert codes(found) == [code]
    file, at, _, message, hint = found[0]
    assert (file, at) == ("goals.yaml", line)
    assert message.startswith("goal `g`")
    assert hint  # every warning says what to add


def test_an_achievable_rationale_silences_the_growth_check(make_plan):
    goal = (
        GOOD_GOAL.replace("target: 10000", "target: 80000")
        + "  achievable: A distributor signed.\n"
    )
    assert warnings_for(make_plan, goals=goal) == []


def test_the_growth_bound_is_configurable(make_plan):
    goal = GOOD_GOAL.replace("target: 10000", "target: 40000")  # five-fold in ~11.5 months
    assert codes(warnings_for(make_plan, goals=goal)) == ["smart-achievable"]
    relaxed = MINIMAL_PLAN + "checks: {max_growth_per_year: 500}\n"
    assert warnings_for(make_plan, goals=goal, plan=relaxed) == []


def test_relevant_is_satisfied_by_a_linked_milestone(make_plan):
    goal = GOOD_GOAL.replace("  relevant: Sales pay for everything else.\n", "")
    assert warnings_for(make_plan, goals=goal) == []
    found = warnings_for(make_plan, goals=goal, milestones="")
    assert sorted(codes(found)) == ["goal-without-milestones", "smart-relevant"]


def test_milestone_needs_all_four_parts_and_a_goal(make_plan):
    found = warnings_for(make_plan, milestones="- {id: m, title: M, due: 2027-06-01}\n")
    messages = [m for _, _, _, m, _ in found]
    assert "milestone `m` lacks its how much (`budget`)" in messages
    assert "milestone `m` lacks its who (`owner`)" in messages
    assert "milestone `m` advances no goal" in messages
    assert "goal `g` has no milestones" in messages


def test_milestone_due_after_its_goal_deadline(make_plan):
    late = LINKED_MILESTONE.replace("2027-06-01", "2028-02-01")
    found = warnings_for(make_plan, milestones=late)
    assert codes(found) == ["milestone-after-goal"]
    assert found[0][1] == 1
    assert "after the deadline 2027-12-31 of goal `g`" in found[0][3]


def test_warnings_become_errors_with_strict(make_plan):
    folder = make_plan({"milestones.yaml": "- {id: m, title: M, due: 2027-06-01}\n"})
    assert check(folder, today=TODAY).ok
    strict = check(folder, strict=True, today=TODAY)
    assert not strict.ok
    assert all(p.is_error for p in strict.problems)


def test_sample_plan_passes_strict():
    result = check(SAMPLE, strict=True, today=dt.date(2026, 11, 1))
    assert result.ok and result.problems == []
