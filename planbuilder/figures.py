"""The plan's named figures (part of the compute stage): every number prose may quote.

A figure is a computed value with a stable dotted name built from ids and periods,
e.g. ``loan.equipment-loan.principal``, ``year.2027.revenue``, ``milestone.hire.due``.
Chapters quote it as ``{=name}``; rendering only formats it for the plan's locale.
``figure_registry(report)`` builds the whole, ordered registry in one place: a new
figure is one more ``add(...)`` line.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from planbuilder.calendar import index_of, month_index, month_name
from planbuilder.keep import KeptByIdentity
from planbuilder.problems import Position, Problem, warning
from planbuilder.slugs import slugify

#: What a figure is, which decides how it is formatted and compared with literals.
KINDS = ("money", "percent", "ratio", "date", "month", "count", "text")

#: A KPI's or goal's unit → the kind of its values.
_UNIT_KIND = {"money": "money", "percent": "percent"}


@dataclass(frozen=True, slots=True)
class Figure:
    """One named value: ``value`` is a Decimal (money, percent, ratio, count), a date,
    a month index (``month``) or text."""

    name: str
    value: Decimal | int | dt.date | str
    kind: str


@dataclass(frozen=True)
class Figures:
    """The registry: figures in a stable order, found by name."""

    items: tuple[Figure, ...] = ()

    def get(self, name: str) -> Figure | None:
        return self._by_name.get(name)

    @functools.cached_property
    def _by_name(self) -> dict[str, Figure]:
        return {f.name: f for f in self.items}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.items)

    def __iter__(self) -> Iterator[Figure]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def loan_key(name: str | None, lender: str | None, index: int) -> str:
    """A loan's part of a figure name: its name as a slug, else ``1``, ``2`` in order."""
    return slugify(name or "") or str(index)


def figure_registry(report) -> Figures:
    """Every figure of the plan, computed from a ``compute.Report`` (the one place to
    extend; the report is not imported here, compute imports this module)."""
    found: dict[str, Figure] = {}

    def add(name: str, value, kind: str) -> None:
        if value is not None and name not in found:
            found[name] = Figure(name, value, kind)

    plan = report.plan
    add("plan.date", plan.meta.date, "date")
    add("plan.as-of", report.as_of, "date")

    # Milestones: totals, counts, and each one's parts.
    add("milestones.budget", report.budget_total, "money")
    add("milestones.budget-open", report.budget_open, "money")
    capital = sum((m.budget or 0 for m in plan.milestones if m.capital), Decimal(0))
    add("milestones.capital-budget", capital, "money")
    add("milestones.other-budget", report.budget_total - capital, "money")
    add("milestones.count", Decimal(len(report.milestones)), "count")
    add("milestones.done", Decimal(len(report.done)), "count")
    add("milestones.overdue", Decimal(len(report.overdue)), "count")
    for figures in _LAST_VIEW_FIGURES.map(report.milestones, _milestone_figures):
        for figure in figures:
            if figure.name not in found:
                found[figure.name] = figure

    # Goals and KPIs, in the unit of the KPI that measures them.
    units = {k.kpi.id: k.kpi.unit for k in report.kpis}
    for goal_view in report.goals:
        g = goal_view.goal
        kind = _UNIT_KIND.get(units.get(g.kpi or "", ""), "count")
        add(f"goal.{g.id}.baseline", g.baseline, kind)
        add(f"goal.{g.id}.target", g.target, kind)
        add(f"goal.{g.id}.deadline", g.deadline, "date")
    for kpi_view in report.kpis:
        k = kpi_view.kpi
        kind = _UNIT_KIND.get(k.unit, "count")
        add(f"kpi.{k.id}.latest", kpi_view.latest, kind)
        if kpi_view.latest_month:
            add(f"kpi.{k.id}.latest-month", month_index(kpi_view.latest_month), "month")
        add(f"kpi.{k.id}.target", k.target, kind)

    money = report.financials
    if money is not None:
        _financial_figures(money, add)
    return Figures(tuple(found.values()))


#: The figures of each milestone view of the last registry, by the view's identity
#: (``compute`` keeps the view of an unchanged milestone between the dev server's builds):
#: the same figures, as the same objects. Holds the last registry's views only.
_LAST_VIEW_FIGURES: KeptByIdentity[object, tuple[Figure, ...]] = KeptByIdentity()


def _milestone_figures(view) -> tuple[Figure, ...]:
    m = view.milestone
    values = (
        (f"milestone.{m.id}.due", m.due, "date"),
        (f"milestone.{m.id}.budget", m.budget, "money"),
        (f"milestone.{m.id}.owner", view.owner.name if view.owner else m.owner, "text"),
        (f"milestone.{m.id}.done", m.done, "date"),
        (f"milestone.{m.id}.actual-cost", m.actual_cost, "money"),
    )
    return tuple(Figure(name, value, kind) for name, value, kind in values if value is not None)


def _financial_figures(money, add) -> None:
    fin = money.financials
    add("financials.start", fin.start, "month")
    add("financials.starting-cash", fin.starting_cash, "money")
    equity = sum((e.amount for e in fin.equity), Decimal(0))
    # Funding is what the plan raises: a loan the business already carries is no source.
    new_loans = [loan for loan in fin.loans if not loan.existing]
    loans = sum((loan.principal for loan in new_loans), Decimal(0))
    add("funding.total", money.sources_total, "money")
    add("funding.equity", equity, "money")
    add("funding.loans", loans, "money")
    add("funding.loan-count", Decimal(len(new_loans)), "count")
    add("sources.total", money.sources_total, "money")
    add("uses.total", money.uses_total, "money")
    for use in money.uses:
        add(f"uses.{slugify(use.category)}", use.amount, "money")
    for index, summary in enumerate(money.loan_summaries, start=1):
        loan = summary.loan
        key = f"loan.{loan.id or loan_key(loan.name, loan.lender, index)}"
        add(f"{key}.principal", loan.principal, "money")
        add(f"{key}.rate", loan.rate, "percent")
        add(f"{key}.term", Decimal(loan.term_months), "count")
        add(f"{key}.term-years", Decimal(loan.term_months) / 12, "count")
        add(f"{key}.grace", Decimal(loan.grace_months), "count")
        add(f"{key}.start", loan.start, "month")
        if summary.schedule:
            add(f"{key}.payment", summary.first_payment, "money")
            add(f"{key}.first-repayment", loan.start + loan.grace_months, "month")
        add(f"{key}.lender", loan.lender, "text")

    base = money.base
    # Per year: today 12-month blocks from the projection start, named by the calendar
    # year of their last month (a fiscal year is named by the year it ends in).
    for period in base.years:
        year = period.last // 12
        key = f"year.{year}"
        add(f"{key}.revenue", period.revenue_total, "money")
        add(f"{key}.gross-margin", period.gross_margin, "money")
        add(f"{key}.ebitda", period.ebitda, "money")
        add(f"{key}.net-profit", period.net_profit, "money")
        add(f"{key}.closing-cash", period.closing_cash, "money")
        add(f"{key}.dscr", period.dscr, "ratio")
    _actual_figures(money.variance, add)
    if base.months:
        add("projection.first-month", base.months[0].first, "month")
        add("projection.last-month", base.months[-1].last, "month")
    add("projection.break-even", base.break_even, "month")
    # The same month under the name that says what breaks even (EBITDA at or above zero).
    add("projection.ebitda-break-even", base.break_even, "month")
    add("projection.payback", base.payback, "month")
    lowest = base.min_cash
    add("projection.lowest-cash", lowest.closing_cash, "money")
    add("projection.lowest-cash-month", lowest.first, "month")
    add("projection.ending-cash", base.ending_cash, "money")
    add("projection.min-dscr", base.min_dscr, "ratio")
    add("projection.required-dscr", fin.min_dscr, "ratio")


def _actual_figures(variance, add) -> None:
    """Forecast against actuals, over every month with actuals and per month:
    ``actuals.revenue``, ``actuals.revenue-forecast``, ``actuals.revenue-difference``
    (actual − forecast) and ``actuals.revenue-difference-pct`` (of the forecast, to one
    decimal); the same for ``costs`` and ``capex``."""
    if not variance:
        return
    add("actuals.first-month", variance[0].month, "month")
    add("actuals.last-month", variance[-1].month, "month")
    add("actuals.months", Decimal(len(variance)), "count")
    scopes = [("actuals", variance)]
    scopes += [(f"actuals.{v.month // 12:04d}-{v.month % 12 + 1:02d}", (v,)) for v in variance]
    for prefix, months in scopes:
        for key in ("revenue", "costs", "capex"):
            lines = [line for v in months for line in v.lines if line.key == key]
            if not lines or any(line.actual is None for line in lines):
                continue
            forecast = sum((line.forecast for line in lines), Decimal(0))
            actual = sum((line.actual for line in lines), Decimal(0))
            add(f"{prefix}.{key}", actual, "money")
            add(f"{prefix}.{key}-forecast", forecast, "money")
            add(f"{prefix}.{key}-difference", actual - forecast, "money")
            if forecast:
                share = ((actual - forecast) / forecast * 100).quantize(Decimal("0.1"))
                add(f"{prefix}.{key}-difference-pct", share, "percent")


def plain_value(figure: Figure) -> str:
    """The value as plain text for JSON: a decimal number, ``YYYY-MM-DD``, ``YYYY-MM``."""
    value = figure.value
    if figure.kind == "month":
        return f"{value // 12:04d}-{value % 12 + 1:02d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def funding_date_problems(report) -> list[Problem]:
    """A plan asks for its funding before it arrives: a loan or an equity round that
    starts in a month before the plan's ``date`` is a warning."""
    plan, money = report.plan, report.financials
    if plan.meta.date is None or money is None:
        return []
    dated = index_of(plan.meta.date)
    fin = money.financials
    rounds = [
        ("loan", loan.name or loan.lender or "", loan.start, loan.position) for loan in fin.loans
    ]
    rounds += [("equity", e.investor or "", e.month, e.position) for e in fin.equity]
    return [
        warning(
            f"the {kind} {f'`{name}` ' if name else ''}starts in {month_name(start)}, before "
            f"the plan's date ({plan.meta.date.isoformat()})",
            position or fin.position or Position("financials.yaml"),
            hint="a plan requests funding that comes after it: give plan.yaml the `date:` "
            "the plan was written, or move the funding's month",
            code="funding-before-plan",
        )
        for kind, name, start, position in rounds
        if start < dated
    ]
