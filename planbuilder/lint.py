"""Plan linting: are goals SMART and milestones complete? Warnings (errors with --strict).

Runs inside the validate stage on clean values, so every warning points at the
line of the goal or milestone it is about, with a concrete hint.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from planbuilder.load import YamlDoc
from planbuilder.problems import Position, Problem, warning
from planbuilder.records import PLAN

#: Default sanity bound for the growth a goal implies, in percent per year.
DEFAULT_MAX_GROWTH = PLAN.fields["checks"].type.fields["max_growth_per_year"].default
SHORT_HORIZON_DAYS = 366
LONG_HORIZON_DAYS = (365, 5 * 366)

_DIGIT = re.compile(r"\d")


def implied_annual_growth(
    baseline: Decimal, target: Decimal, start: dt.date, deadline: dt.date
) -> Decimal | None:
    """Compound yearly rate (in %) that takes ``baseline`` to ``target`` by ``deadline``.

    Falling targets count by the same ratio (halving cost is a 100 % change).
    ``None`` when it cannot be told (zero or negative values, no time).
    """
    days = (deadline - start).days
    if baseline <= 0 or target <= 0 or days <= 0:
        return None
    ratio = max(target / baseline, baseline / target)
    years = Decimal(days) / Decimal("365.25")
    return (Decimal(float(ratio) ** float(1 / years)) - 1) * 100


def lint(
    plan: dict[str, Any],
    goals: list[dict[str, Any]],
    milestones: list[dict[str, Any]],
    docs: dict[str, YamlDoc],
    as_of: dt.date,
) -> list[Problem]:
    """SMART checks on goals and four-part checks on milestones.

    Goal timing is measured from the plan's ``date``, else from ``as_of``.
    """
    problems: list[Problem] = []
    reference = plan.get("date") or as_of
    max_growth = plan.get("checks", {}).get("max_growth_per_year", DEFAULT_MAX_GROWTH)
    goals_doc, ms_doc = docs.get("goals"), docs.get("milestones")
    linked: dict[str, list[dict]] = {}
    for m in milestones:
        for goal_id in m.get("goals", []):
            linked.setdefault(goal_id, []).append(m)

    for goal in goals:
        at = _locator(goals_doc, goal)
        problems += _smart(
            goal,
            at,
            reference,
            max_growth,
            bool(linked.get(goal["id"])),
            _written(goals_doc, goal),
        )
        if not linked.get(goal["id"]):
            problems.append(
                warning(
                    f"goal `{goal['id']}` has no milestones",
                    at("id"),
                    hint=f"add a milestone with `goals: [{goal['id']}]` that shows the goal "
                    "is being reached",
                    code="goal-without-milestones",
                )
            )
    goals_by_id = {g["id"]: g for g in goals}
    for m in milestones:
        # What the entry holds is asked only about a part it lacks (5,000 milestones).
        complete = "budget" in m and "owner" in m and m.get("goals")
        written = frozenset() if complete else _written(ms_doc, m)
        problems += _milestone(m, _locator(ms_doc, m), goals_by_id, bool(goals), written)
    return problems


def _written(doc: YamlDoc | None, record: dict) -> frozenset[str]:
    """The fields the YAML entry holds, valid or not: a field given but invalid is
    already an error at its line, so it must not also be reported as missing."""
    data = doc.data if doc is not None else None
    for step in record.get("yaml_path", ()):
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return frozenset()
    return (
        frozenset(k for k in data if isinstance(k, str)) if isinstance(data, dict) else frozenset()
    )


def _locator(doc: YamlDoc | None, record: dict) -> Callable[[str], Position]:
    base = record.get("yaml_path", ())

    def at(field: str) -> Position:
        if doc is None:
            return record["position"]
        return doc.key_pos((*base, field)) if field in record else doc.pos(base)

    return at


def _smart(
    goal: dict,
    at: Callable[[str], Position],
    reference: dt.date,
    max_growth: Decimal,
    has_milestones: bool,
    written: frozenset[str] = frozenset(),
) -> list[Problem]:
    gid = goal["id"]
    found: list[Problem] = []

    def warn(code: str, message: str, field: str, hint: str) -> None:
        found.append(warning(f"goal `{gid}` {message}", at(field), hint=hint, code=code))

    # Specific
    if not (_DIGIT.search(goal.get("specific", "")) or "target" in goal):
        warn(
            "smart-specific",
            "is not specific: say what exactly, with a number",
            "specific" if "specific" in goal else "id",
            "add e.g. `specific: Raise monthly online revenue from 8,000 to 10,000 through "
            "the new shop` or a numeric `target:`",
        )
    # Measurable
    if "kpi" not in goal and "kpi" not in written:
        warn(
            "smart-measurable",
            "is not measurable: it names no KPI",
            "id",
            "add `kpi: <id of a KPI in kpis.yaml>`, e.g. `kpi: online-revenue`",
        )
    missing = [f for f in ("baseline", "target") if f not in goal]
    absent = [f for f in missing if f not in written]
    if absent:
        fields = " and ".join(f"`{f}`" for f in absent)
        warn(
            "smart-measurable",
            f"has no {fields}: progress cannot be measured",
            "id",
            "add the value today and the value to reach, e.g. `baseline: 8000` and `target: 10000`",
        )
    # Achievable
    if not missing and "deadline" in goal and "achievable" not in goal:
        growth = implied_annual_growth(
            goal["baseline"], goal["target"], reference, goal["deadline"]
        )
        if growth is not None and growth > max_growth:
            warn(
                "smart-achievable",
                f"implies {growth:.0f} % change a year (more than {max_growth:.0f} %)",
                "target",
                "explain why it is realistic in `achievable:`, or lower the target or "
                "move the deadline",
            )
    # Relevant
    if "relevant" not in goal and not has_milestones:
        warn(
            "smart-relevant",
            "does not say why it matters",
            "id",
            "add `relevant: <how it serves the mission or a business-model question>`, or "
            "link a milestone to it",
        )
    # Time-bound
    deadline = goal.get("deadline")
    if deadline is None and "deadline" in written:
        pass  # invalid, reported where it is written
    elif deadline is None:
        warn(
            "smart-time-bound",
            "has no deadline",
            "id",
            f"add `deadline: {dt.date(reference.year, 12, 31).isoformat()}`",
        )
    else:
        days = (deadline - reference).days
        horizon = goal.get("horizon")
        if horizon == "short" and days > SHORT_HORIZON_DAYS:
            warn(
                "smart-time-bound",
                f"is short-term but its deadline {deadline} is more than 12 months after "
                f"{reference}",
                "deadline",
                "bring the deadline within a year, or set `horizon: long`",
            )
        elif horizon == "long" and not LONG_HORIZON_DAYS[0] <= days <= LONG_HORIZON_DAYS[1]:
            warn(
                "smart-time-bound",
                f"is long-term but its deadline {deadline} is not 1–5 years after {reference}",
                "deadline",
                "long-term goals look 1 to 5 years ahead; use `horizon: short` for nearer ones",
            )
    return found


#: The parts of a milestone besides what and when: field, the part, an example.
_PARTS = (("budget", ("how much", "budget: 2500.00")), ("owner", ("who", "owner: founder")))


def _milestone(
    m: dict,
    at: Callable[[str], Position],
    goals_by_id: dict[str, dict],
    plan_has_goals: bool,
    written: frozenset[str] = frozenset(),
) -> list[Problem]:
    mid = m.get("id", "?")
    found: list[Problem] = []
    for field, (part, example) in _PARTS:
        if field not in m and field not in written:
            found.append(
                warning(
                    f"milestone `{mid}` lacks its {part} (`{field}`)",
                    at("id"),
                    hint=f"a milestone has four parts — what, when, how much, who: add `{example}`",
                    code="milestone-incomplete",
                )
            )
    if not m.get("goals") and "goals" not in written:
        hint = (
            "add `goals: [<goal id>]` naming the goal it advances"
            if plan_has_goals
            else "write goals.yaml and add `goals: [<goal id>]` to the milestone"
        )
        found.append(
            warning(
                f"milestone `{mid}` advances no goal",
                at("id"),
                hint=hint,
                code="milestone-without-goal",
            )
        )
    for goal_id in m.get("goals", []):
        goal = goals_by_id.get(goal_id)
        deadline = goal.get("deadline") if goal else None
        if deadline is not None and m.get("due") and m["due"] > deadline:
            found.append(
                warning(
                    f"milestone `{mid}` is due {m['due']}, after the deadline {deadline} "
                    f"of goal `{goal_id}`",
                    at("due"),
                    hint="move the milestone earlier, or recalibrate the goal's deadline",
                    code="milestone-after-goal",
                )
            )
    return found
