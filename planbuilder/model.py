"""Stage 3 — model: typed, immutable plan objects built from validated values.

Money is ``Decimal`` in the plan's currency, dates are ``datetime.date``.
Every object remembers the ``position`` it was defined at, for later messages.
Fields, types and defaults are declared once, in ``records.py``; the defaults here
read them from there. The model is inert data: text, numbers, dates and tuples of
frozen records, never a path object (paths are text relative to the plan folder).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from planbuilder.calendar import month_index
from planbuilder.problems import Position
from planbuilder.records import (
    BUSINESS_MODEL,
    CONTACT,
    DEFAULT_SECTION_ORDER,
    EDITION,
    EQUITY,
    FINANCIALS,
    GOAL,
    HISTORY_ENTRY,
    KPI,
    LOAN,
    MILESTONE,
    ONE_OFF,
    PERSON,
    PLAN,
    RECURRING,
    REVENUE,
    SCENARIO,
    default,
)
from planbuilder.schema import Record
from planbuilder.slugs import section_slug, slugify

if TYPE_CHECKING:
    from planbuilder.validate import Validated


@dataclass(frozen=True, slots=True)
class EditionSpec:
    name: str
    chapters: tuple[str, ...]
    title: str | None = None
    prepared_for: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """``contact:`` in plan.yaml, printed on the cover."""

    email: str | None = None
    phone: str | None = None
    address: str | None = None
    website: str | None = None


@dataclass(frozen=True, slots=True)
class PlanMeta:
    title: str
    company: str
    locale: str
    currency: str
    as_of: dt.date
    theme: str
    subtitle: str | None = None
    author: str | None = None
    date: dt.date | None = None
    confidential: bool = default(PLAN, "confidential")
    mission: str | None = None
    vision: str | None = None
    logo: str | None = None  # a file in assets/
    keywords: tuple[str, ...] = ()
    contact: Contact | None = None
    paper: str = default(PLAN, "paper")
    pdf_variant: str | None = None
    editions: tuple[EditionSpec, ...] = ()
    version: str | None = None  # `git describe` of the plan's repository, if any
    draft: bool = False  # the repository has uncommitted changes
    stamp: dt.datetime | None = None  # the document date: SOURCE_DATE_EPOCH or last commit

    @property
    def slug(self) -> str:
        return slugify(f"{self.company} {self.title}") or "plan"


@dataclass(frozen=True, slots=True)
class BusinessModel:
    customers: str
    value: str
    delivery: str
    canvas: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (block, items) in canonical order


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    role: str | None = None
    bio: str | None = None
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Goal:
    id: str
    title: str
    horizon: str | None = None
    specific: str | None = None
    kpi: str | None = None
    baseline: Decimal | None = None
    target: Decimal | None = None
    deadline: dt.date | None = None
    owner: str | None = None
    relevant: str | None = None
    achievable: str | None = None
    notes: str | None = None
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Recalibration:
    """An earlier plan for a milestone, replaced on ``date`` for ``reason``."""

    date: dt.date
    reason: str
    due: dt.date | None = None
    budget: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Milestone:
    id: str
    title: str
    due: dt.date
    budget: Decimal | None = None
    owner: str | None = None
    goals: tuple[str, ...] = ()
    done: dt.date | None = None
    actual_cost: Decimal | None = None
    notes: str | None = None
    history: tuple[Recalibration, ...] = ()
    spend: tuple[int, int] | None = None  # months (indexes) the budget is spread over
    capital: bool = default(
        MILESTONE, "capital"
    )  # an investment: cash out, but not an operating expense
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Kpi:
    id: str
    name: str
    description: str | None = None
    category: str | None = None
    unit: str = default(KPI, "unit")
    direction: str = default(KPI, "direction")
    precision: int | None = None
    target: Decimal | None = None
    target_date: dt.date | None = None
    actuals: tuple[tuple[str, Decimal], ...] = ()  # (YYYY-MM, value), oldest first
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Section:
    slug: str
    title: str
    order: int
    body: str
    body_line: int
    path: str  # relative to the plan folder, e.g. sections/01-executive-summary.md
    editions: tuple[str, ...] = ()  # if set, the only editions this section appears in


@dataclass(frozen=True, slots=True)
class GrowthStep:
    start: int  # month index (year * 12 + month - 1) from which the rate applies
    percent: Decimal  # monthly growth in percent


@dataclass(frozen=True, slots=True)
class RevenueStream:
    name: str
    monthly: Decimal | None  # first-month amount, or
    units: Decimal | None  # units a month ...
    price: Decimal | None  # ... at this price
    growth: tuple[GrowthStep, ...]  # monthly growth rates; the first applies from `start`
    start: int
    end: int | None
    seasonality: tuple[Decimal, ...] | None  # 12 factors, January first
    cost_of_sales: Decimal  # percent of revenue
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Expense:
    """A recurring expense (``monthly`` from ``start`` to ``end``) or a one-off (``amount``)."""

    name: str
    category: str
    start: int
    end: int | None
    monthly: Decimal | None = None
    growth: Decimal = default(RECURRING, "growth")  # noqa: RUF009 - an immutable Decimal
    amount: Decimal | None = None
    milestone: str | None = None
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class EquityRound:
    amount: Decimal
    month: int
    investor: str | None = None
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Loan:
    principal: Decimal
    rate: Decimal  # annual, percent
    term_months: int
    start: int
    grace_months: int = default(LOAN, "grace_months")
    id: str | None = None
    name: str | None = None
    lender: str | None = None
    position: Position | None = field(default=None, compare=False)
    #: on the opening balance sheet: its balance is owed at the start, never drawn
    existing: bool = False


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    # changes in percent (immutable Decimals)
    revenue: Decimal = default(SCENARIO, "revenue")  # noqa: RUF009
    expenses: Decimal = default(SCENARIO, "expenses")  # noqa: RUF009
    delay_months: int = default(SCENARIO, "delay_months")
    description: str | None = None
    rate_points: Decimal = default(SCENARIO, "rate_points")  # noqa: RUF009
    delay: tuple[str, ...] = ()  # streams (by name) and milestones (by id) delayed
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class OpeningBalance:
    """Where the business stands when the projection starts (loans are in ``loans``)."""

    cash: Decimal = Decimal(0)
    receivables: Decimal = Decimal(0)
    inventory: Decimal = Decimal(0)
    fixed_assets: Decimal = Decimal(0)  # net book value
    fixed_assets_life_months: int = 60
    payables: Decimal = Decimal(0)
    paid_in_capital: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Capex:
    name: str
    amount: Decimal
    month: int
    life_months: int
    milestone: str | None = None  # the capital milestone it comes from
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Tax:
    rate: Decimal  # percent of profit before tax
    losses_carried_forward: Decimal = Decimal(0)
    paid_months_after_year_end: int = 3


@dataclass(frozen=True, slots=True)
class WorkingCapital:
    receivable_days: int = 0
    inventory_days: int = 0
    payable_days: int = 0


@dataclass(frozen=True, slots=True)
class OwnerDraw:
    name: str
    amount: Decimal
    start: int
    end: int  # the same month for a single payment
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Financials:
    """``financials.yaml``: the drivers of the projection. Months are indexes
    (year * 12 + month - 1); money is exact."""

    start: int
    horizon_months: int
    starting_cash: Decimal
    min_dscr: Decimal
    milestone_spending: bool
    revenue: tuple[RevenueStream, ...]
    expenses: tuple[Expense, ...]
    equity: tuple[EquityRound, ...]
    loans: tuple[Loan, ...]
    use_of_funds: tuple[tuple[str, Decimal], ...]
    scenarios: tuple[Scenario, ...]
    actuals: tuple[tuple[int, Decimal | None, Decimal | None], ...]  # month, revenue, expenses
    collateral: str | None
    position: Position | None = field(default=None, compare=False)
    #: (field, position) of each top-level field given in financials.yaml
    positions: tuple[tuple[str, Position], ...] = field(default=(), compare=False)
    fiscal_year_start: int = 1  # calendar month, 1–12
    opening: OpeningBalance = OpeningBalance()
    capex: tuple[Capex, ...] = ()
    capital_life_months: int = 60
    tax: Tax | None = None
    working_capital: WorkingCapital = WorkingCapital()
    owner_draws: tuple[OwnerDraw, ...] = ()

    def position_of(self, name: str) -> Position | None:
        """Where a top-level field was written, else where the file starts."""
        return dict(self.positions).get(name, self.position)


@dataclass(frozen=True, slots=True)
class Plan:
    meta: PlanMeta
    business_model: BusinessModel | None
    goals: tuple[Goal, ...]
    milestones: tuple[Milestone, ...]
    kpis: tuple[Kpi, ...]
    team: tuple[Person, ...]
    sections: tuple[Section, ...]
    financials: Financials | None
    assets: tuple[str, ...] = ()  # files in assets/, relative to the plan, e.g. assets/logo.png

    def person(self, person_id: str | None) -> Person | None:
        return next((p for p in self.team if p.id == person_id), None)

    def goal(self, goal_id: str | None) -> Goal | None:
        return next((g for g in self.goals if g.id == goal_id), None)

    def kpi(self, kpi_id: str | None) -> Kpi | None:
        return next((k for k in self.kpis if k.id == kpi_id), None)


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def construct(cls: type, record: Record, values: dict[str, Any], **given: Any) -> Any:
    """A model object from checked ``values``: each field ``record`` declares and ``cls``
    holds, converted as declared; ``given`` supplies (or overrides) the rest."""
    names = cls.__dataclass_fields__
    kwargs = {
        name: spec.convert(values[name]) if spec.convert else _frozen(values[name])
        for name, spec in record.fields.items()
        if name in names and name in values
    }
    if "position" in names and "position" in values:
        kwargs["position"] = values["position"]  # where validate found the record
    return cls(**kwargs | given)


def build_model(validated: Validated) -> Plan:
    """Turn validated values into a ``Plan``. Call only when validation found no errors."""
    p = validated.plan
    vcs = validated.sources.vcs
    meta = construct(
        PlanMeta,
        PLAN,
        p,
        as_of=validated.as_of,
        editions=tuple(
            construct(EditionSpec, EDITION, spec, name=name)
            for name, spec in p.get("editions", {}).items()
        ),
        contact=construct(Contact, CONTACT, p["contact"]) if p.get("contact") else None,
        version=vcs.describe if vcs else None,
        draft=bool(vcs and vcs.dirty),
        stamp=validated.sources.stamp,
    )
    bm = validated.business_model
    business_model = construct(BusinessModel, BUSINESS_MODEL, bm) if bm is not None else None
    milestones = tuple(
        construct(
            Milestone,
            MILESTONE,
            m,
            history=tuple(
                construct(Recalibration, HISTORY_ENTRY, h)
                for h in sorted(m.get("history", ()), key=lambda h: h["date"])
            ),
        )
        for m in validated.milestones
    )
    kpis = tuple(construct(Kpi, KPI, k) for k in validated.kpis)
    sections = tuple(
        sorted(
            (
                Section(
                    slug=section_slug(PurePosixPath(s["path"]).stem),
                    title=s["title"],
                    order=s.get("order", DEFAULT_SECTION_ORDER),
                    body=s["body"],
                    body_line=s["body_line"],
                    path=s["path"],
                    editions=tuple(s.get("editions", ())),
                )
                for s in validated.sections
            ),
            key=lambda s: (s.order, PurePosixPath(s.path).name),
        )
    )
    financials = (
        _financials(validated.financials, validated.sources)
        if validated.financials is not None
        else None
    )
    return Plan(
        meta=meta,
        business_model=business_model,
        goals=tuple(construct(Goal, GOAL, g) for g in validated.goals),
        milestones=milestones,
        kpis=kpis,
        team=tuple(construct(Person, PERSON, t) for t in validated.team),
        sections=sections,
        financials=financials,
        assets=tuple(path.as_posix() for path in validated.sources.assets),
    )


def _financials(fin: dict[str, Any], sources) -> Financials:
    """``financials.yaml`` in model terms: months become indexes, expenses one list.

    Defaults were filled in from ``records.FINANCIALS`` by the checker."""
    doc = sources.parts.get("financials")
    start = month_index(fin["start"])

    def at(*path) -> Position | None:
        return doc.pos(path) if doc is not None else None

    def months(value: str | None, otherwise: int | None) -> int | None:
        return month_index(value) if value is not None else otherwise

    streams = []
    for i, r in enumerate(fin.get("revenue", [])):
        stream_start = months(r.get("start"), start)
        growth = r.get("growth", default(REVENUE, "growth"))
        if isinstance(growth, list):
            steps = [GrowthStep(stream_start, Decimal(0))] + [
                GrowthStep(month_index(g["from"]), g["percent"]) for g in growth
            ]
        else:
            steps = [GrowthStep(stream_start, growth)]
        streams.append(
            RevenueStream(
                name=r["name"],
                monthly=r.get("monthly"),
                units=r.get("units"),
                price=r.get("price"),
                growth=tuple(sorted(steps, key=lambda g: g.start)),
                start=stream_start,
                end=months(r.get("end"), None),
                seasonality=tuple(r["seasonality"]) if "seasonality" in r else None,
                cost_of_sales=r.get("cost_of_sales", default(REVENUE, "cost_of_sales")),
                position=at("revenue", i),
            )
        )
    expenses = fin.get("expenses", {})
    items = [
        Expense(
            name=e["name"],
            category=e.get("category", default(RECURRING, "category")),
            start=months(e.get("start"), start),
            end=months(e.get("end"), None),
            monthly=e["monthly"],
            growth=e.get("growth", default(RECURRING, "growth")),
            milestone=e.get("milestone"),
            position=at("expenses", "recurring", i),
        )
        for i, e in enumerate(expenses.get("recurring", []))
    ] + [
        Expense(
            name=e["name"],
            category=e.get("category", default(ONE_OFF, "category")),
            start=month_index(e["month"]),
            end=month_index(e["month"]),
            amount=e["amount"],
            milestone=e.get("milestone"),
            position=at("expenses", "one_off", i),
        )
        for i, e in enumerate(expenses.get("one_off", []))
    ]
    funding = fin.get("funding", {})
    opening = fin.get("opening_balance", {})
    balance = OpeningBalance(
        **{k: v for k, v in opening.items() if k in OpeningBalance.__dataclass_fields__}
    )
    if "cash" not in opening:
        balance = replace(balance, cash=fin.get("starting_cash", Decimal(0)))
    last = start + fin.get("horizon_months", default(FINANCIALS, "horizon_months")) - 1
    draws = tuple(
        OwnerDraw(
            name=d["name"],
            amount=d["monthly"],
            start=months(d.get("start"), start),
            end=months(d.get("end"), last),
            position=at("owner_draws", i),
        )
        if "monthly" in d
        else OwnerDraw(
            name=d["name"],
            amount=d["amount"],
            start=month_index(d["month"]),
            end=month_index(d["month"]),
            position=at("owner_draws", i),
        )
        for i, d in enumerate(fin.get("owner_draws", []))
    )
    tax = fin.get("tax")
    wc = fin.get("working_capital", {})
    return Financials(
        fiscal_year_start=fin.get("fiscal_year_start", default(FINANCIALS, "fiscal_year_start")),
        opening=balance,
        capex=tuple(
            Capex(
                name=c["name"],
                amount=c["amount"],
                month=month_index(c["month"]),
                life_months=c["life_months"],
                position=at("capex", i),
            )
            for i, c in enumerate(fin.get("capex", []))
        ),
        capital_life_months=fin.get(
            "capital_life_months", default(FINANCIALS, "capital_life_months")
        ),
        tax=Tax(**tax) if tax else None,
        working_capital=WorkingCapital(**wc),
        owner_draws=draws,
        start=start,
        horizon_months=fin.get("horizon_months", default(FINANCIALS, "horizon_months")),
        starting_cash=balance.cash,
        min_dscr=fin.get("min_dscr", default(FINANCIALS, "min_dscr")),
        milestone_spending=fin.get("milestone_spending", default(FINANCIALS, "milestone_spending")),
        revenue=tuple(streams),
        expenses=tuple(items),
        equity=tuple(
            construct(EquityRound, EQUITY, e, position=at("funding", "equity", i))
            for i, e in enumerate(funding.get("equity", []))
        ),
        loans=tuple(
            Loan(
                principal=loan["balance"],
                rate=loan["rate"],
                term_months=loan["remaining_months"],
                start=start,
                name=loan.get("name"),
                lender=loan.get("lender"),
                position=at("opening_balance", "loans", i),
                existing=True,
            )
            for i, loan in enumerate(opening.get("loans", []))
        )
        + tuple(
            construct(Loan, LOAN, loan, position=at("funding", "loans", i))
            for i, loan in enumerate(funding.get("loans", []))
        ),
        use_of_funds=tuple(fin.get("use_of_funds", {}).items()),
        scenarios=tuple(
            construct(
                Scenario,
                SCENARIO,
                s,
                name=name,
                delay=tuple(s.get("delay", ())),
                position=doc.key_pos(("scenarios", name)) if doc is not None else None,
            )
            for name, s in fin.get("scenarios", {}).items()
        ),
        actuals=tuple(
            (month_index(m), a.get("revenue"), a.get("expenses"))
            for m, a in sorted(fin.get("actuals", {}).items())
        ),
        collateral=fin.get("collateral"),
        position=at(),
        positions=tuple(
            (key, doc.key_pos((key,))) for key in FINANCIALS.fields if key in (doc.data or {})
        )
        if doc is not None and isinstance(doc.data, dict)
        else (),
    )
