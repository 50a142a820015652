"""Stage 3 — model: typed, immutable plan objects built from validated values.

Money is ``Decimal`` in the plan's currency, dates are ``datetime.date``.
Every object remembers the ``position`` it was defined at, for later messages.
Fields, types and defaults are declared once, in ``records.py``; the classes that
mirror a record are generated from it. The model is inert data: text, numbers, dates and tuples of
frozen records, never a path object (paths are text relative to the plan folder).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from planbuilder.calendar import month_index
from planbuilder.names import readable
from planbuilder.problems import Position
from planbuilder.records import (
    BUSINESS_MODEL,
    CAPEX,
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
    OPENING_BALANCE,
    PERSON,
    PLAN,
    RECURRING,
    REVENUE,
    SCENARIO,
    TAX,
    USE_OF_FUNDS_LINE,
    WORKING_CAPITAL,
    default,
)
from planbuilder.schema import Record, model_class
from planbuilder.slugs import section_slug, slugify

if TYPE_CHECKING:
    from planbuilder.validate import Validated


# The classes that mirror a record are generated from its declaration in records.py
# (`model_class`): a field added there appears here with its type and default. Classes
# whose shape differs from the YAML on purpose (`Section`, `GrowthStep`, `RevenueStream`,
# `Expense`, `OwnerDraw`, `Financials`, `Plan`) are written out below.

EditionSpec = model_class(EDITION, "EditionSpec", extra=(("name", str),), positioned=False)

Contact = model_class(
    CONTACT, "Contact", doc="``contact:`` in plan.yaml, printed on the cover.", positioned=False
)


@dataclass(frozen=True, slots=True)
class PlanMeta(
    model_class(
        PLAN,
        "PlanMeta",
        exclude=("checks",),  # read by validation only
        required=("locale", "currency", "as_of", "theme"),  # settled before the model
        types={"contact": Contact | None, "editions": tuple[EditionSpec, ...]},
        extra=(
            ("version", str | None, None),  # `git describe` of the plan's repository, if any
            ("draft", bool, False),  # the repository has uncommitted changes
            # the document date: SOURCE_DATE_EPOCH or the last commit
            ("stamp", dt.datetime | None, None),
        ),
        positioned=False,
    )
):
    """``plan.yaml`` with the plan-wide settings worked out (as_of, currency, version)."""

    @property
    def slug(self) -> str:
        return slugify(f"{self.company} {self.title}") or "plan"


BusinessModel = model_class(BUSINESS_MODEL, "BusinessModel", positioned=False)
Person = model_class(PERSON, "Person")
Goal = model_class(GOAL, "Goal")
Recalibration = model_class(
    HISTORY_ENTRY,
    "Recalibration",
    doc="An earlier plan for a milestone, replaced on ``date`` for ``reason``.",
    positioned=False,
)
Milestone = model_class(MILESTONE, "Milestone", types={"history": tuple[Recalibration, ...]})
Kpi = model_class(KPI, "Kpi")


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


EquityRound = model_class(EQUITY, "EquityRound")
Loan = model_class(
    LOAN,
    "Loan",
    extra=(
        # on the opening balance sheet: its balance is owed at the start, never drawn
        ("existing", bool, False),
    ),
)


@dataclass(frozen=True, slots=True)
class Scenario(
    model_class(
        SCENARIO,
        "Scenario",
        extra=(("name", str),),  # its key under `scenarios:`
        types={"delay": tuple[str, ...]},  # streams (by name) and milestones (by id) delayed
    )
):
    """A scenario under ``scenarios:``; ``name`` is its key, an id."""

    @property
    def display_name(self) -> str:
        """The name readers see: its ``label``, else its key made readable."""
        return self.label or readable(self.name)


UseOfFunds = model_class(
    USE_OF_FUNDS_LINE,
    "UseOfFunds",
    doc="A line of ``use_of_funds``: ``category`` is its key (an expense category or a "
    "standard use); an amount written alone has no ``label``.",
    extra=(("category", str),),
)
OpeningBalance = model_class(
    OPENING_BALANCE,
    "OpeningBalance",
    doc="Where the business stands when the projection starts (loans are in ``loans``).",
    exclude=("loans",),
    positioned=False,
)
Capex = model_class(
    CAPEX,
    "Capex",
    extra=(("milestone", str | None, None),),  # the capital milestone
)
Tax = model_class(TAX, "Tax", positioned=False)
WorkingCapital = model_class(WORKING_CAPITAL, "WorkingCapital", positioned=False)


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
    use_of_funds: tuple[UseOfFunds, ...]
    scenarios: tuple[Scenario, ...]
    # month, revenue, expenses (cost of sales and operating expenses), capex
    actuals: tuple[tuple[int, Decimal | None, Decimal | None, Decimal | None], ...]
    collateral: str | None
    position: Position | None = field(default=None, compare=False)
    #: (field, position) of each top-level field given in financials.yaml
    positions: tuple[tuple[str, Position], ...] = field(default=(), compare=False)
    fiscal_year_start: int = 1  # calendar month, 1–12
    opening: OpeningBalance = OpeningBalance()  # noqa: RUF009 - a frozen record
    capex: tuple[Capex, ...] = ()
    capital_life_months: int = 60
    tax: Tax | None = None
    working_capital: WorkingCapital = WorkingCapital()  # noqa: RUF009 - a frozen record
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
        return tuple([_frozen(v) if isinstance(v, list) else v for v in value])
    return value


def construct(cls: type, record: Record, values: dict[str, Any], **given: Any) -> Any:
    """A model object from checked ``values``: each field ``record`` declares and ``cls``
    holds, converted as declared; ``given`` supplies (or overrides) the rest."""
    fields, positioned = _construction(cls, record)
    kwargs = {}
    for name, convert in fields:
        if name in values:
            value = values[name]
            if convert:
                value = convert(value)
            elif isinstance(value, list):
                value = _frozen(value)
            kwargs[name] = value
    if positioned and "position" in values:
        kwargs["position"] = values["position"]  # where validate found the record
    return cls(**kwargs | given)


#: Per (model class, record), by identity: the fields both have, each with its conversion,
#: and whether the class holds a position.
_CONSTRUCTIONS: dict[tuple[int, int], tuple[type, Record, tuple, bool]] = {}


def _construction(cls: type, record: Record) -> tuple[tuple, bool]:
    found = _CONSTRUCTIONS.get((id(cls), id(record)))
    if found is not None and found[0] is cls and found[1] is record:
        return found[2], found[3]
    names = cls.__dataclass_fields__
    fields = tuple((name, spec.convert) for name, spec in record.fields.items() if name in names)
    _CONSTRUCTIONS[(id(cls), id(record))] = (cls, record, fields, "position" in names)
    return fields, "position" in names


def _name(path: str) -> str:
    """``PurePosixPath(path).name`` of a plan-relative path as load writes it (``/``
    between parts, none at the end), without making a path object: a plan may have a
    thousand chapters."""
    return path.rpartition("/")[2]


def _stem(name: str) -> str:
    """``PurePosixPath(name).stem``: the name without its last suffix."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def section_of(record: dict[str, Any]) -> Section:
    """A chapter from its checked front matter and body (validate always sets a title)."""
    return Section(
        slug=section_slug(_stem(_name(record["path"]))),
        title=record["title"],
        order=record.get("order", DEFAULT_SECTION_ORDER),
        body=record["body"],
        body_line=record["body_line"],
        path=record["path"],
        editions=tuple(record.get("editions", ())),
    )


#: Milestones built from checked records kept by ``validate`` (the dev server): by the
#: checked record's ``id``, with it and the position the milestone was built at.
_built: dict[int, tuple[dict, Position, Any]] = {}


def _milestone(record: dict[str, Any], checked_source: Callable[[dict], dict | None]) -> Any:
    """A ``Milestone`` from its checked record; the one built last time when the record is
    a copy of the same kept checked record (``checked_source``, from validate), at the same
    position: thousands of milestones are the same after an edit of one."""
    source = checked_source(record)
    if source is not None:
        found = _built.get(id(source))
        if found is not None and found[0] is source and found[1] == record["position"]:
            return found[2]
    milestone = construct(
        Milestone,
        MILESTONE,
        record,
        history=tuple(
            construct(Recalibration, HISTORY_ENTRY, h)
            for h in sorted(record["history"], key=lambda h: h["date"])
        )
        if record.get("history")
        else (),
    )
    if source is not None:
        if len(_built) > 100_000:
            _built.clear()
        _built[id(source)] = (source, record["position"], milestone)
    return milestone


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
    from planbuilder.validate import checked_source

    milestones = tuple(_milestone(m, checked_source) for m in validated.milestones)
    kpis = tuple(construct(Kpi, KPI, k) for k in validated.kpis)
    sections = tuple(
        sorted(
            (section_of(s) for s in validated.sections),
            key=lambda s: (s.order, _name(s.path)),
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
            construct(Capex, CAPEX, c, position=at("capex", i))
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
        use_of_funds=tuple(
            construct(
                UseOfFunds,
                USE_OF_FUNDS_LINE,
                line if isinstance(line, dict) else {"amount": line},
                category=category,
                position=at("use_of_funds", category),
            )
            for category, line in fin.get("use_of_funds", {}).items()
        ),
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
            (month_index(m), a.get("revenue"), a.get("expenses"), a.get("capex"))
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
