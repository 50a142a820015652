"""The domain rules of ``financials.yaml`` (part of the validate stage; its fields are
declared in ``records.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from planbuilder.calendar import index_of, month_index, month_name
from planbuilder.load import YamlDoc
from planbuilder.problems import Problem, did_you_mean, error, warning
from planbuilder.records import FINANCIALS, STANDARD_USES
from planbuilder.schema import Checker, Context


def check_financials(
    doc: YamlDoc,
    ctx: Context,
    milestone_ids: set[str],
    problems: list[Problem],
    as_of: dt.date | None = None,
) -> dict[str, Any] | None:
    """Clean ``financials.yaml``; add every problem (schema and domain) to ``problems``.
    ``as_of`` is the plan's day: no month after it has actuals yet."""
    checker = Checker(doc, ctx)
    data = checker.record(FINANCIALS, doc.data, ())
    problems.extend(checker.problems)
    if data is None:
        return None
    data["position"] = doc.pos(())
    if "start" not in data:
        return data
    first = month_index(data["start"])
    last = first + data["horizon_months"] - 1
    span = f"{data['start']} to {month_name(last)}"

    def at(path) -> Any:
        return doc.pos(path)

    def within(month: str | None, path, what: str) -> None:
        if month is not None and not first <= month_index(month) <= last:
            problems.append(
                error(
                    f"{what} month {month} is outside the projection ({span})",
                    at(path),
                    hint="move it inside, or change `start` or `horizon_months`",
                )
            )

    for i, stream in enumerate(data.get("revenue", [])):
        path = ("revenue", i)
        has_monthly = "monthly" in stream
        has_units = "units" in stream or "price" in stream
        if has_monthly == has_units or (
            has_units and not ("units" in stream and "price" in stream)
        ):
            problems.append(
                error(
                    f"revenue `{stream['name']}` needs either `monthly`, or `units` and `price`",
                    at(path),
                    hint="e.g. `monthly: 8400.00`, or `units: 420` with `price: 24.50`",
                )
            )
        start = stream.get("start")
        if start is not None and month_index(start) < first:
            problems.append(
                error(
                    f"revenue `{stream['name']}` starts {start}, before the projection "
                    f"starts {data['start']}",
                    at((*path, "start")),
                    hint=f"start it in {data['start']} or later",
                )
            )
        else:
            within(start, (*path, "start"), f"revenue `{stream['name']}` start")
        within(stream.get("end"), (*path, "end"), f"revenue `{stream['name']}` end")
        if "seasonality" in stream and len(stream["seasonality"]) != 12:
            problems.append(
                error(
                    f"seasonality of `{stream['name']}` has {len(stream['seasonality'])} "
                    "factors, not 12",
                    at((*path, "seasonality")),
                    hint="give one factor per calendar month, January first (1.0 = average)",
                )
            )
        if isinstance(stream.get("growth"), list):
            stream_start = month_index(start) if start is not None else first
            for j, step in enumerate(stream["growth"]):
                step_path = (*path, "growth", j, "from")
                step_from = step.get("from")
                if step_from is not None and month_index(step_from) < stream_start:
                    problems.append(
                        error(
                            f"growth step of `{stream['name']}` from {step_from} lies before "
                            f"the stream starts ({month_name(stream_start)})",
                            at(step_path),
                            hint="start the step in the stream's first month or later",
                        )
                    )
                else:
                    within(step_from, step_path, "growth step")
    expenses = data.get("expenses", {})
    categories = set()
    for kind in ("recurring", "one_off"):
        for i, item in enumerate(expenses.get(kind, [])):
            path = ("expenses", kind, i)
            categories.add(item["category"])
            within(item.get("start"), (*path, "start"), f"`{item['name']}` start")
            within(item.get("end"), (*path, "end"), f"`{item['name']}` end")
            within(item.get("month"), (*path, "month"), f"`{item['name']}`")
            ref = item.get("milestone")
            if ref is not None and ref not in milestone_ids:
                problems.append(
                    error(
                        f"unknown milestone `{ref}`",
                        at((*path, "milestone")),
                        hint=did_you_mean(ref, milestone_ids) or "use an id from milestones.yaml",
                    )
                )
    funding = data.get("funding", {})
    for i, round_ in enumerate(funding.get("equity", [])):
        within(round_.get("month"), ("funding", "equity", i, "month"), "equity")
    for i, loan in enumerate(funding.get("loans", [])):
        path = ("funding", "loans", i)
        within(loan.get("start"), (*path, "start"), "loan start")
        if loan["grace_months"] >= loan.get("term_months", 1):
            problems.append(
                error(
                    "the grace period must be shorter than the loan's term",
                    at((*path, "grace_months")),
                    hint="grace months are the first months of the term, paying interest only",
                )
            )
    known = sorted(categories | set(STANDARD_USES))
    for category in data.get("use_of_funds", {}):
        if category not in known:
            problems.append(
                error(
                    f"unknown category `{category}` in use_of_funds",
                    doc.key_pos(("use_of_funds", category)),
                    hint=did_you_mean(category, known)
                    or "use an expense category or one of: " + ", ".join(f"`{k}`" for k in known),
                )
            )
    for month in data.get("actuals", {}):
        within(month, ("actuals", month), "actuals")
        inside = first <= month_index(month) <= last  # else reported just above
        if inside and as_of is not None and month_index(month) > index_of(as_of):
            problems.append(
                error(
                    f"actuals for {month} come after `as_of` {as_of}: that month has not "
                    "happened yet",
                    at(("actuals", month)),
                    hint="check the month, or move `as_of` in plan.yaml",
                )
            )
    given = doc.data if isinstance(doc.data, dict) else {}
    opening_given = given.get("opening_balance")
    if "starting_cash" in given and isinstance(opening_given, dict) and "cash" in opening_given:
        problems.append(
            error(
                "`starting_cash` and `opening_balance: cash:` both give the cash at the start",
                at(("starting_cash",)),
                hint="keep `opening_balance: cash:` and remove `starting_cash`",
            )
        )
    for i, item in enumerate(data.get("capex", [])):
        within(item.get("month"), ("capex", i, "month"), f"capex `{item['name']}`")
    for i, draw in enumerate(data.get("owner_draws", [])):
        path = ("owner_draws", i)
        once = "amount" in draw or "month" in draw
        if ("monthly" in draw) == once or (once and not ("amount" in draw and "month" in draw)):
            problems.append(
                error(
                    "an owner draw needs either `monthly` (with optional `start` and `end`), "
                    "or `amount` and `month`",
                    at(path),
                    hint="e.g. `{monthly: 2500.00}` or `{amount: 10000.00, month: 2026-12}`",
                )
            )
        for key in ("month", "start", "end"):
            within(draw.get(key), (*path, key), "owner draw")
    streams = {stream["name"] for stream in data.get("revenue", [])}
    delayable = sorted(streams | milestone_ids)
    for name, scenario in data.get("scenarios", {}).items():
        if scenario.get("delay_months") and not scenario.get("delay"):
            problems.append(
                warning(
                    f"scenario `{name}` delays every revenue stream by "
                    f"{scenario['delay_months']} months, those already selling too",
                    doc.key_pos(("scenarios", name, "delay_months")),
                    hint="name what slips: `delay: [<revenue stream>, <milestone id>]`",
                    code="delay-everything",
                )
            )
        for j, target in enumerate(scenario.get("delay", [])):
            if target not in streams and target not in milestone_ids:
                problems.append(
                    error(
                        f"scenario `{name}` delays `{target}`, which is neither a revenue "
                        "stream nor a milestone",
                        at(("scenarios", name, "delay", j))
                        if isinstance(doc.data["scenarios"][name]["delay"], list)
                        else at(("scenarios", name, "delay")),
                        hint=did_you_mean(target, delayable)
                        or "name a revenue stream or a milestone id",
                    )
                )
    return data
