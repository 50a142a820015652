"""Stage 2: schema and domain rules; every problem reported at once, with its position."""

from __future__ import annotations

from decimal import Decimal

from planbuilder.load import load
from planbuilder.problems import Severity
from planbuilder.validate import validate


def problems_of(plan_dir, warnings=True):
    """Validated values and (file, line, message) of every problem (lint warnings optional)."""
    v = validate(load(plan_dir))
    found = [p for p in v.problems if warnings or p.is_error or not p.code]
    return v, [(p.position.name, p.position.line, p.message) for p in found]


MANY_PROBLEMS = {
    "plan.yaml": """\
        title: Broken plan
        company: Broken Co
        locale: xx_YY
        currency: USD
        theme: defalt
        confidental: true
    """,
    "team.yaml": """\
        - id: ana
          name: Ana
    """,
    "goals.yaml": """\
        - id: sales
          title: Grow sales
          horizon: medium
          kpi: revenue
          deadline: 2027-02-30
    """,
    "milestones.yaml": """\
        - id: shop
          title: Open the shop
          due: 2027-03-31
          budgte: 4500
          owner: bob
          goals: [sales, marketing]
        - id: shop
          title: Second with the same id
          due: 31/03/2027
          budget: -10
        - title: No id here
          due: 2027-05-01
          budget: "4,500"
          actual_cost: 10.005
    """,
}


def test_many_problems_are_all_reported_with_lines(make_plan):
    _, found = problems_of(make_plan(MANY_PROBLEMS))
    expected = {
        ("plan.yaml", 3, "unknown locale `xx_YY`"),
        ("plan.yaml", 5, "unknown theme `defalt`"),
        ("plan.yaml", 6, "unknown field `confidental` in plan"),
        ("goals.yaml", 3, "expected one of `short`, `long`, got `medium`"),
        ("goals.yaml", 4, "unknown KPI `revenue`"),
        ("goals.yaml", 5, "`2027-02-30` is not a date: February 2027 has 28 days, not 30"),
        ("milestones.yaml", 4, "unknown field `budgte` in milestone"),
        ("milestones.yaml", 5, "unknown team member `bob`"),
        ("milestones.yaml", 6, "unknown goal `marketing`"),
        ("milestones.yaml", 7, "duplicate milestone id `shop`"),
        ("milestones.yaml", 9, "expected a date (YYYY-MM-DD), got `31/03/2027`"),
        ("milestones.yaml", 10, "amount must not be negative, got `-10`"),
        ("milestones.yaml", 11, "milestone is missing required field `id`"),
        ("milestones.yaml", 13, "expected a non-negative amount, got `4,500`"),
        ("milestones.yaml", 14, "`10.005` has more decimals than USD allows (2 decimals)"),
    }
    assert expected <= set(found), sorted(expected - set(found))


def test_hints_name_the_fix(make_plan):
    v, _ = problems_of(make_plan(MANY_PROBLEMS))
    hints = {p.message: p.hint for p in v.problems}
    assert hints["unknown field `budgte` in milestone"] == "did you mean `budget`?"
    assert hints["unknown field `confidental` in plan"] == "did you mean `confidential`?"
    assert hints["unknown theme `defalt`"] == "did you mean `default`?"
    assert hints["unknown team member `bob`"] == "known ids: `ana`"
    assert "4500" in hints["expected a non-negative amount, got `4,500`"]
    assert hints["milestone is missing required field `id`"].startswith("add `id:")
    assert hints["duplicate milestone id `shop`"] == (
        "ids must be unique; `shop` is first used at line 1"
    )


def test_column_points_at_the_value(make_plan):
    v, _ = problems_of(make_plan(MANY_PROBLEMS))
    owner = next(p for p in v.problems if p.message == "unknown team member `bob`")
    assert owner.position.column == 10  # "  owner: bob" → the b of bob


def test_clean_values_are_exact(make_plan):
    plan = make_plan(
        {
            "milestones.yaml": """\
                - id: shop
                  title: Open the shop
                  due: 2027-03-31
                  budget: 4500.10
                  done: 2027-03-30
                  actual_cost: 0.1
            """
        }
    )
    v, found = problems_of(plan, warnings=False)
    assert found == []
    assert v.milestones[0]["budget"] == Decimal("4500.10")
    assert v.milestones[0]["actual_cost"] + Decimal("0.2") == Decimal("0.3")


def test_currency_without_minor_unit_refuses_fractions(make_plan):
    plan = make_plan(
        {
            "plan.yaml": "title: Kế hoạch\ncompany: Công ty\nlocale: vi_VN\ncurrency: VND\n",
            "milestones.yaml": "- {id: a, title: A, due: 2027-01-01, budget: 1500000.5}\n",
        }
    )
    _, found = problems_of(plan, warnings=False)
    assert found == [
        ("milestones.yaml", 1, "`1500000.5` has more decimals than VND allows (no fractional part)")
    ]


def test_currency_defaults_from_locale(make_plan):
    plan = make_plan({"plan.yaml": "title: Plan\ncompany: Empresa SL\nlocale: es_ES\n"})
    v, found = problems_of(plan)
    assert found == []
    assert v.plan["currency"] == "EUR"


def test_references_without_team_file_suggest_adding_it(make_plan):
    plan = make_plan({"milestones.yaml": "- {id: a, title: A, due: 2027-01-01, owner: founder}\n"})
    v, _ = problems_of(plan)
    [problem] = [p for p in v.problems if p.is_error]
    assert problem.message == "unknown team member `founder`"
    assert "team.yaml" in problem.hint


def test_kpi_actuals_from_csv_are_merged_and_checked(make_plan):
    plan = make_plan(
        {
            "kpis.yaml": """\
                - id: revenue
                  name: Revenue
                  unit: money
                  actuals: {2027-01: 100}
            """,
            "kpis/revenue.csv": "month,value\n2027-02,120.5\n2027-01,99\n2027-13,5\n",
            "kpis/unknown.csv": "month,value\n2027-01,1\n",
        }
    )
    v, found = problems_of(plan)
    assert ("revenue.csv", 3, "KPI `revenue` already has an actual for 2027-01") in found
    assert ("revenue.csv", 4, "`2027-13` is not a month: month 13 does not exist") in found
    assert ("unknown.csv", 1, "no KPI with id `unknown` for this CSV file") in found
    assert v.kpis[0]["actuals"] == {"2027-01": 100, "2027-02": Decimal("120.5")}


def test_done_after_as_of_and_cost_without_done_are_warnings(make_plan):
    plan = make_plan(
        {
            "milestones.yaml": """\
                - id: a
                  title: A
                  due: 2027-01-01
                  done: 2027-08-01
                - id: b
                  title: B
                  due: 2027-01-01
                  actual_cost: 100
            """
        }
    )
    v, found = problems_of(plan, warnings=False)
    assert {p.severity for p in v.problems} == {Severity.WARNING}
    assert [(f, line) for f, line, _ in found] == [("milestones.yaml", 4), ("milestones.yaml", 8)]


def test_wrong_shapes_are_reported_not_crashed(make_plan):
    plan = make_plan(
        {
            "goals.yaml": "id: not-a-list\n",
            "team.yaml": "- just a string\n",
            "business-model.yaml": "- a list\n",
            "sections/a.md": "---\ntitle: [1, 2]\norder: first\n---\nBody\n",
        }
    )
    _, found = problems_of(plan)
    messages = {m for _, _, m in found}
    assert "goals.yaml must hold a list of goals" in messages
    assert "expected a mapping of team member fields, got `just a string`" in messages
    assert "expected a mapping of business model fields, got a list" in messages
    assert ("a.md", 2, "expected text, got a list") in found
    assert ("a.md", 3, "expected a whole number, got `first`") in found


def test_section_title_falls_back_to_heading_or_file_name(make_plan):
    plan = make_plan(
        {"sections/market-size.md": "No heading here.\n", "sections/b.md": "# The team\n\nText\n"}
    )
    v, found = problems_of(plan)
    assert found == []
    titles = {s["path"].rsplit("/", 1)[-1]: s["title"] for s in v.sections}
    assert titles == {"market-size.md": "Market size", "b.md": "The team"}


def test_sample_plan_is_clean(make_plan):
    from tests.conftest import SAMPLE

    v, found = problems_of(SAMPLE)
    assert found == []
    assert len(v.milestones) >= 10
    assert len(v.goals) >= 4


def test_milestone_spend_range_must_run_forward(make_plan):
    plan = make_plan(
        {
            "milestones.yaml": """\
                - id: fit-out
                  title: Fit out the shop
                  due: 2027-06-30
                  spend: {from: 2027-06, to: 2027-03}
            """
        }
    )
    _, found = problems_of(plan, warnings=False)
    assert found == [
        (
            "milestones.yaml",
            4,
            "milestone `fit-out` spends from 2027-06 to 2027-03: the range ends before it starts",
        )
    ]


def test_contact_details_are_checked_where_written(make_plan):
    plan = make_plan(
        {
            "plan.yaml": "title: T\ncompany: C\ncontact:\n  email: not-an-address\n"
            "  phone: +84 236 3812 456\n  website: brightwater.example\n"
        }
    )
    _, found = problems_of(plan)
    assert ("plan.yaml", 4, "'not-an-address' is not an email address") in found
    assert ("plan.yaml", 6, "'brightwater.example' is not a web address") in found
    assert not any(line == 5 for _, line, _ in found)
