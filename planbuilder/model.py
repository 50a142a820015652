"""Stage 3 — model: typed, immutable plan objects built from validated values.

Money is ``Decimal`` in the plan's currency, dates are ``datetime.date``.
Every object remembers the ``position`` it was defined at, for later messages.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from planbuilder.problems import Position
from planbuilder.validate import CANVAS_BLOCKS, Validated


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
    confidential: bool = False
    mission: str | None = None
    vision: str | None = None
    as_of_given: bool = True  # False when `as_of` defaulted to the build day

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
    position: Position | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Kpi:
    id: str
    name: str
    description: str | None = None
    category: str | None = None
    unit: str = "count"
    direction: str = "up"
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
    path: Path


@dataclass(frozen=True, slots=True)
class Financials:
    """The parts of ``financials.yaml`` modelled so far; projections build on this."""

    start: str | None = None
    horizon_months: int | None = None
    starting_cash: Decimal | None = None
    raw: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    root: Path
    meta: PlanMeta
    business_model: BusinessModel | None
    goals: tuple[Goal, ...]
    milestones: tuple[Milestone, ...]
    kpis: tuple[Kpi, ...]
    team: tuple[Person, ...]
    sections: tuple[Section, ...]
    financials: Financials | None
    assets: tuple[Path, ...]
    theme_override: Path | None

    def person(self, person_id: str | None) -> Person | None:
        return next((p for p in self.team if p.id == person_id), None)

    def goal(self, goal_id: str | None) -> Goal | None:
        return next((g for g in self.goals if g.id == goal_id), None)

    def kpi(self, kpi_id: str | None) -> Kpi | None:
        return next((k for k in self.kpis if k.id == kpi_id), None)


def slugify(text: str) -> str:
    """ASCII, lowercase, hyphen-separated; accents folded (``Kế hoạch`` → ``ke-hoach``)."""
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", bare).strip("-")


def section_slug(stem: str) -> str:
    """``01-executive-summary`` → ``executive-summary``: drop the ordering prefix."""
    return slugify(re.sub(r"^\d+[-_ .]+", "", stem)) or slugify(stem) or "section"


def _pick(record: dict[str, Any], cls: type) -> dict[str, Any]:
    names = set(cls.__dataclass_fields__)
    return {k: v for k, v in record.items() if k in names}


def build_model(validated: Validated, today: dt.date) -> Plan:
    """Turn validated values into a ``Plan``. Call only when validation found no errors."""
    p = validated.plan
    meta = PlanMeta(
        **_pick(p, PlanMeta) | {"as_of": p.get("as_of") or today, "as_of_given": "as_of" in p}
    )
    bm = validated.business_model
    business_model = None
    if bm is not None:
        canvas = bm.get("canvas", {})
        business_model = BusinessModel(
            customers=bm["customers"],
            value=bm["value"],
            delivery=bm["delivery"],
            canvas=tuple((b, tuple(canvas[b])) for b in CANVAS_BLOCKS if canvas.get(b)),
        )
    milestones = tuple(
        Milestone(
            **_pick(m, Milestone)
            | {
                "goals": tuple(m.get("goals", ())),
                "history": tuple(
                    Recalibration(**h)
                    for h in sorted(m.get("history", ()), key=lambda h: h["date"])
                ),
            }
        )
        for m in validated.milestones
    )
    kpis = tuple(
        Kpi(**_pick(k, Kpi) | {"actuals": tuple(sorted(k.get("actuals", {}).items()))})
        for k in validated.kpis
    )
    sections = tuple(
        sorted(
            (
                Section(
                    slug=section_slug(s["path"].stem),
                    title=s["title"],
                    order=s.get("order", 1000),
                    body=s["body"],
                    body_line=s["body_line"],
                    path=s["path"],
                )
                for s in validated.sections
            ),
            key=lambda s: (s.order, s.path.name),
        )
    )
    fin = validated.financials
    financials = None
    if fin is not None:
        financials = Financials(
            start=fin.get("start"),
            horizon_months=fin.get("horizon_months"),
            starting_cash=fin.get("starting_cash"),
            raw=tuple((k, v) for k, v in fin.items() if k not in ("position",)),
        )
    sources = validated.sources
    return Plan(
        root=sources.root,
        meta=meta,
        business_model=business_model,
        goals=tuple(Goal(**_pick(g, Goal)) for g in validated.goals),
        milestones=milestones,
        kpis=kpis,
        team=tuple(Person(**_pick(t, Person)) for t in validated.team),
        sections=sections,
        financials=financials,
        assets=sources.assets,
        theme_override=sources.theme_override,
    )
