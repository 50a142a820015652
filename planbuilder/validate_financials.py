"""The schema of ``financials.yaml`` and its domain rules (part of the validate stage)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from planbuilder.calendar import month_index, month_name
from planbuilder.load import YamlDoc
from planbuilder.problems import Problem, did_you_mean, error
from planbuilder.schema import (
    Boolean,
    Checker,
    Context,
    Either,
    Field,
    Identifier,
    Integer,
    ListOf,
    MappingOf,
    Money,
    Month,
    Number,
    Percent,
    Record,
    Text,
)

#: Categories a plan may always name in `use_of_funds`, besides its own expense categories.
STANDARD_USES = ("milestones", "investment", "working_capital", "contingency")
DEFAULT_MIN_DSCR = Decimal("1.15")

GROWTH_STEP = Record(
    "growth step",
    {
        "from": Field(Month(), required=True, doc="2027-01"),
        "percent": Field(Percent(Decimal(-100)), required=True, doc="1.5"),
    },
)
_growth = Either(Percent(Decimal(-100)), ListOf(GROWTH_STEP))

REVENUE = Record(
    "revenue stream",
    {
        "name": Field(Text(200), required=True, doc="Subscriptions"),
        "monthly": Field(Money()),
        "units": Field(Number(minimum=Decimal(0))),
        "price": Field(Money()),
        "growth": Field(_growth),
        "start": Field(Month()),
        "end": Field(Month()),
        "seasonality": Field(ListOf(Number(minimum=Decimal(0)))),
        "cost_of_sales": Field(Percent(Decimal(0), Decimal(100))),
    },
)
RECURRING = Record(
    "recurring expense",
    {
        "name": Field(Text(200), required=True, doc="Rent"),
        "category": Field(Text(80)),
        "monthly": Field(Money(), required=True, doc="3200.00"),
        "start": Field(Month()),
        "end": Field(Month()),
        "growth": Field(Percent(Decimal(-100))),
        "milestone": Field(Identifier()),
    },
)
ONE_OFF = Record(
    "one-off expense",
    {
        "name": Field(Text(200), required=True, doc="Espresso machine"),
        "category": Field(Text(80)),
        "amount": Field(Money(), required=True, doc="21500.00"),
        "month": Field(Month(), required=True, doc="2027-08"),
        "milestone": Field(Identifier()),
    },
)
EQUITY = Record(
    "equity",
    {
        "amount": Field(Money(), required=True, doc="40000.00"),
        "month": Field(Month(), required=True, doc="2026-02"),
        "investor": Field(Text(200)),
    },
)
LOAN = Record(
    "loan",
    {
        "name": Field(Text(200)),
        "principal": Field(Money(), required=True, doc="60000.00"),
        "rate": Field(Percent(Decimal(0), Decimal(100)), required=True, doc="7.25"),
        "term_months": Field(Integer(1, 600), required=True, doc="60"),
        "start": Field(Month(), required=True, doc="2026-02"),
        "grace_months": Field(Integer(0, 120)),
        "lender": Field(Text(200)),
    },
)
SCENARIO = Record(
    "scenario",
    {
        "description": Field(Text()),
        "revenue": Field(Percent(Decimal(-100))),
        "expenses": Field(Percent(Decimal(-100))),
        "delay_months": Field(Integer(0, 60)),
    },
)
FINANCIALS = Record(
    "financials",
    {
        "start": Field(Month(), required=True, doc="2026-01"),
        "horizon_months": Field(Integer(12, 60)),
        "starting_cash": Field(Money()),
        "min_dscr": Field(Number(minimum=Decimal(0))),
        "milestone_spending": Field(Boolean()),
        "revenue": Field(ListOf(REVENUE)),
        "expenses": Field(
            Record(
                "expenses",
                {"recurring": Field(ListOf(RECURRING)), "one_off": Field(ListOf(ONE_OFF))},
            )
        ),
        "funding": Field(
            Record("funding", {"equity": Field(ListOf(EQUITY)), "loans": Field(ListOf(LOAN))})
        ),
        "use_of_funds": Field(MappingOf(Text(80), Money())),
        "scenarios": Field(MappingOf(Identifier(), SCENARIO)),
        "actuals": Field(
            MappingOf(
                Month(),
                Record("monthly actuals", {"revenue": Field(Money()), "expenses": Field(Money())}),
            )
        ),
        "collateral": Field(Text()),
    },
)


def check_financials(
    doc: YamlDoc, ctx: Context, milestone_ids: set[str], problems: list[Problem]
) -> dict[str, Any] | None:
    """Clean ``financials.yaml``; add every problem (schema and domain) to ``problems``."""
    checker = Checker(doc, ctx)
    data = checker.record(FINANCIALS, doc.data, ())
    problems.extend(checker.problems)
    if data is None:
        return None
    data["position"] = doc.pos(())
    if "start" not in data:
        return data
    first = month_index(data["start"])
    last = first + data.get("horizon_months", 36) - 1
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
            for j, step in enumerate(stream["growth"]):
                within(step.get("from"), (*path, "growth", j, "from"), "growth step")
    expenses = data.get("expenses", {})
    categories = set()
    for kind in ("recurring", "one_off"):
        for i, item in enumerate(expenses.get(kind, [])):
            path = ("expenses", kind, i)
            categories.add(item.get("category", "other"))
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
        if loan.get("grace_months", 0) >= loan.get("term_months", 1):
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
    return data
