"""Stage 4 — compute: what follows from the plan as of its ``as_of`` date.

Pure functions of the model: milestone status, budget totals, what is next,
what is late, KPI movements and goal progress in milestones. Templates only
display these values; they never compute them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from planbuilder.model import Goal, Kpi, Milestone, Person, Plan

#: A milestone due within this many days of ``as_of`` is "due soon".
DUE_SOON_DAYS = 30
#: How many upcoming milestones the dashboard lists.
NEXT_COUNT = 5


class Status(str, Enum):
    DONE_ON_TIME = "done-on-time"
    DONE_LATE = "done-late"
    OVERDUE = "overdue"
    DUE_SOON = "due-soon"
    UPCOMING = "upcoming"

    @property
    def is_done(self) -> bool:
        return self in (Status.DONE_ON_TIME, Status.DONE_LATE)


@dataclass(frozen=True, slots=True)
class MilestoneView:
    milestone: Milestone
    status: Status
    days: int  # days late (done late / overdue) or days until due (upcoming); 0 otherwise
    owner: Person | None
    goals: tuple[Goal, ...]
    cost_variance: Decimal | None  # actual_cost - budget, for done milestones with both
    cost_variance_pct: Decimal | None
    slip_days: int  # how far `due` moved from the first recorded plan (0 if never moved)
    moves: int  # how many recalibrations changed the due date


@dataclass(frozen=True, slots=True)
class KpiView:
    kpi: Kpi
    latest_month: str | None
    latest: Decimal | None
    previous: Decimal | None
    change: Decimal | None  # latest - previous
    to_target: Decimal | None  # target - latest
    improving: bool | None  # did the latest change go the better way?


@dataclass(frozen=True, slots=True)
class GoalView:
    goal: Goal
    owner: Person | None
    kpi: KpiView | None
    milestones: tuple[MilestoneView, ...]
    done_count: int


@dataclass(frozen=True, slots=True)
class OwnerTotal:
    owner: Person | None
    owner_id: str | None
    budget: Decimal
    count: int


@dataclass(frozen=True, slots=True)
class Report:
    """The plan plus everything computed from it; the only input of rendering."""

    plan: Plan
    as_of: dt.date
    milestones: tuple[MilestoneView, ...]  # by due date
    next_milestones: tuple[MilestoneView, ...]
    overdue: tuple[MilestoneView, ...]
    done: tuple[MilestoneView, ...]
    budget_total: Decimal
    actual_cost_total: Decimal
    budget_open: Decimal  # budget of milestones not yet done
    budget_by_owner: tuple[OwnerTotal, ...]
    kpis: tuple[KpiView, ...]
    goals: tuple[GoalView, ...]


def milestone_status(milestone: Milestone, as_of: dt.date) -> tuple[Status, int]:
    """Status of one milestone on ``as_of`` and its day count.

    Done on or before ``due`` is on time; a milestone due today is not yet overdue.
    """
    if milestone.done is not None:
        late = (milestone.done - milestone.due).days
        return (Status.DONE_LATE, late) if late > 0 else (Status.DONE_ON_TIME, 0)
    remaining = (milestone.due - as_of).days
    if remaining < 0:
        return Status.OVERDUE, -remaining
    if remaining <= DUE_SOON_DAYS:
        return Status.DUE_SOON, remaining
    return Status.UPCOMING, remaining


def _slip(milestone: Milestone) -> tuple[int, int]:
    earlier = [h.due for h in milestone.history if h.due is not None]
    if not earlier:
        return 0, 0
    return (milestone.due - earlier[0]).days, len(earlier)


def _milestone_view(plan: Plan, milestone: Milestone, as_of: dt.date) -> MilestoneView:
    status, days = milestone_status(milestone, as_of)
    variance = pct = None
    if status.is_done and milestone.budget is not None and milestone.actual_cost is not None:
        variance = milestone.actual_cost - milestone.budget
        if milestone.budget:
            pct = variance / milestone.budget * 100
    slip, moves = _slip(milestone)
    return MilestoneView(
        milestone=milestone,
        status=status,
        days=days,
        owner=plan.person(milestone.owner),
        goals=tuple(g for g in (plan.goal(i) for i in milestone.goals) if g is not None),
        cost_variance=variance,
        cost_variance_pct=pct,
        slip_days=slip,
        moves=moves,
    )


def kpi_view(kpi: Kpi) -> KpiView:
    latest_month = latest = previous = change = to_target = improving = None
    if kpi.actuals:
        latest_month, latest = kpi.actuals[-1]
        if len(kpi.actuals) > 1:
            previous = kpi.actuals[-2][1]
            change = latest - previous
            if change:
                improving = (change > 0) == (kpi.direction == "up")
        if kpi.target is not None:
            to_target = kpi.target - latest
    return KpiView(kpi, latest_month, latest, previous, change, to_target, improving)


def compute(plan: Plan) -> Report:
    """Everything the theme shows that is not written in the plan itself."""
    as_of = plan.meta.as_of
    views = tuple(
        sorted(
            (_milestone_view(plan, m, as_of) for m in plan.milestones),
            key=lambda v: (v.milestone.due, v.milestone.title),
        )
    )
    open_views = [v for v in views if not v.status.is_done]
    budget_total = sum((m.budget or Decimal(0) for m in plan.milestones), Decimal(0))
    by_owner: dict[str | None, list[Milestone]] = defaultdict(list)
    for m in plan.milestones:
        by_owner[m.owner].append(m)
    owner_totals = tuple(
        OwnerTotal(
            owner=plan.person(owner_id),
            owner_id=owner_id,
            budget=sum((m.budget or Decimal(0) for m in items), Decimal(0)),
            count=len(items),
        )
        for owner_id, items in sorted(by_owner.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    )
    kpi_views = tuple(kpi_view(k) for k in plan.kpis)
    kpi_by_id = {v.kpi.id: v for v in kpi_views}
    goal_views = tuple(
        GoalView(
            goal=g,
            owner=plan.person(g.owner),
            kpi=kpi_by_id.get(g.kpi) if g.kpi else None,
            milestones=tuple(v for v in views if g.id in v.milestone.goals),
            done_count=sum(1 for v in views if g.id in v.milestone.goals and v.status.is_done),
        )
        for g in plan.goals
    )
    return Report(
        plan=plan,
        as_of=as_of,
        milestones=views,
        next_milestones=tuple(v for v in open_views if v.milestone.due >= as_of)[:NEXT_COUNT],
        overdue=tuple(v for v in open_views if v.status is Status.OVERDUE),
        done=tuple(v for v in views if v.status.is_done),
        budget_total=budget_total,
        actual_cost_total=sum(
            (m.actual_cost for m in plan.milestones if m.actual_cost is not None), Decimal(0)
        ),
        budget_open=sum((v.milestone.budget or Decimal(0) for v in open_views), Decimal(0)),
        budget_by_owner=owner_totals,
        kpis=kpi_views,
        goals=goal_views,
    )
