"""Root causes first: every problem of YAML and Markdown in one run, knock-on problems
left out, and messages in the user's terms."""

from __future__ import annotations

import re

from planbuilder.build import check
from planbuilder.cli import main
from planbuilder.diagnostics import overlay_html
from planbuilder.problems import Position, error, warning
from tests.conftest import TODAY

TEAM = "- id: ana\n  name: Ana\n  role: Founder\n"
MILESTONES = """\
- id: shop
  title: Open the shop
  due: 2027-03-01
  budget: 100.00
  owner: ana
- id: ads
  title: Run ads
  due: 2027-04-01
  budget: 200.00
  owner: ana
"""
SECTION = "---\ntitle: Market\n---\nSee ![chart](../assets/missing.png).\n"


def messages(plan) -> list[tuple[str, int, str, str]]:
    result = check(plan, today=TODAY)
    return [
        (p.position.name, p.position.line, p.message, p.hint)
        for p in result.problems
        if p.is_error or not p.code.startswith(("smart", "goal", "milestone-without"))
    ]


def test_yaml_and_markdown_problems_come_in_one_run(make_plan):
    plan = make_plan(
        {
            "team.yaml": TEAM,
            "milestones.yaml": MILESTONES.replace("due: 2027-03-01", "due: 2027-13-01"),
            "sections/market.md": SECTION,
        }
    )
    found = messages(plan)
    assert ("milestones.yaml", 3, "`2027-13-01` is not a date: month 13 does not exist") in [
        f[:3] for f in found
    ]
    assert any(f[0] == "market.md" and "missing.png" in f[2] for f in found), found


def test_a_tab_in_team_yaml_is_one_error_that_says_how_to_fix_it(make_plan):
    plan = make_plan({"team.yaml": "- id: ana\n\tname: Ana\n", "milestones.yaml": MILESTONES})
    found = messages(plan)
    assert not [f for f in found if "unknown team member" in f[2]], found
    tab = [f for f in found if f[0] == "team.yaml"]
    assert tab == [
        (
            "team.yaml",
            2,
            "invalid YAML: a tab is used for indentation",
            "replace the tab at column 1 with spaces",
        )
    ]


def test_a_reference_to_an_invalid_entry_is_not_reported_as_unknown(make_plan):
    team = TEAM + "- id: bo\n  name: [Bo]\n"  # bo's entry is invalid, so bo is left out
    plan = make_plan(
        {"team.yaml": team, "milestones.yaml": MILESTONES.replace("owner: ana\n-", "owner: bo\n-")}
    )
    found = messages(plan)
    assert not [f for f in found if "unknown team member" in f[2]], found
    assert any(f[0] == "team.yaml" and f[1] == 5 for f in found), found
    # A truly unknown id is still an error, with a hint.
    plan = make_plan({"team.yaml": TEAM, "milestones.yaml": MILESTONES.replace("ana", "zed")})
    assert any("unknown team member `zed`" in f[2] for f in messages(plan))


def test_an_invalid_budget_does_not_also_lack_its_budget(make_plan):
    plan = make_plan({"team.yaml": TEAM, "milestones.yaml": MILESTONES.replace("100.00", "12,50")})
    result = check(plan, today=TODAY)
    texts = [(p.position.line, p.message, p.hint) for p in result.problems]
    assert (
        4,
        "expected a non-negative amount, got `12,50`",
        "use a point for decimals, without separators: `12.50`",
    ) in texts
    assert not [t for t in texts if "lacks its how much" in t[1]], texts


def test_a_decimal_comma_in_a_percentage_suggests_the_point(make_plan):
    financials = (
        "start: 2027-01\nfunding:\n  loans:\n"
        "    - {name: Loan, principal: 1000.00, rate: '8,5 %', term_months: 12, start: 2027-01}\n"
    )
    plan = make_plan({"financials.yaml": financials})
    hints = [p.hint for p in check(plan, today=TODAY).problems if p.is_error]
    assert "use a point for decimals, without separators: `8.5`" in hints


def test_an_impossible_day_says_how_long_the_month_is(make_plan):
    plan = make_plan({"team.yaml": TEAM, "milestones.yaml": MILESTONES.replace("03-01", "02-29")})
    assert (
        "milestones.yaml",
        3,
        "`2027-02-29` is not a date: February 2027 has 28 days, not 29",
    ) in [f[:3] for f in messages(plan)]


def test_the_terminal_and_the_overlay_list_errors_before_warnings(make_plan, capsys):
    early = warning("a knock-on warning", Position("a.yaml", 1, 1))
    late = error("the cause", Position("z.yaml", 9, 1))
    html = overlay_html([early, late])
    assert html.index("the cause") < html.index("a knock-on warning")
    plan = make_plan(
        {
            "goals.yaml": "- id: g\n  title: Grow\n",  # warnings only (not SMART)
            "team.yaml": "- id: ana\n\tname: Ana\n",  # an error in a later file
        }
    )
    assert main(["check", str(plan)]) == 1
    err = capsys.readouterr().err
    assert err.index("error:") < err.index("warning:")


def test_the_overlay_of_a_plan_that_never_built_does_not_promise_a_page():
    problem = error("the cause", Position("plan.yaml", 1, 1))
    never = overlay_html([problem], built=False)
    assert "last good build" not in never
    assert "has not built yet" in never
    assert "last good build" in overlay_html([problem], built=True)


def test_serve_on_a_plan_that_never_built(make_plan):
    from tests.test_serve import get, running

    plan = make_plan({"team.yaml": "- id: ana\n\tname: Ana\n"})
    with running(plan, pdf=False) as dev:
        code, body, _ = get(dev, "/")
    text = re.sub(r"<[^>]+>", " ", body.decode())
    assert code == 503
    assert "last good build" not in text
    assert "has not built yet" in text
    assert "replace the tab at column 1 with spaces" in text
