"""Stage 4 — compute: what follows from the plan as of its ``as_of`` date.

Pure functions of the model: milestone status, budget totals, what is next,
what is late, KPI movements and goal progress in milestones. Templates only
display these values; they never compute them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum

from babel.numbers import get_currency_precision

from planbuilder.calendar import add_months, index_of, month_end
from planbuilder.figures import Figures, figure_registry, funding_date_problems
from planbuilder.finance import FinancialReport, Period, financial_report, financial_warnings
from planbuilder.keep import KeptByIdentity
from planbuilder.model import Goal, Kpi, Milestone, Person, Plan
from planbuilder.names import Words, display_name
from planbuilder.problems import Problem

#: A milestone due within this many days of ``as_of`` is "due soon".
DUE_SOON_DAYS = 30
#: How many upcoming milestones the dashboard lists.
NEXT_COUNT = 5
#: A goal whose KPI lags the straight path by at most this share of the whole
#: change (baseline → target) is "at risk"; further behind, "off track".
AT_RISK_SHARE = Decimal("0.10")
#: Months of actuals that decide a KPI's trend.
TREND_MONTHS = 3
#: Months of KPI actuals the monthly review shows.
REVIEW_MONTHS = 6

#: A line drawn through (date, value) points: a goal's or KPI's target path.
TargetPath = tuple[tuple[dt.date, Decimal], ...]


class Status(str, Enum):
    DONE_ON_TIME = "done-on-time"
    DONE_LATE = "done-late"
    OVERDUE = "overdue"
    DUE_SOON = "due-soon"
    UPCOMING = "upcoming"

    @property
    def is_done(self) -> bool:
        return self in (Status.DONE_ON_TIME, Status.DONE_LATE)


class Progress(str, Enum):
    ACHIEVED = "achieved"
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    OFF_TRACK = "off-track"
    MISSED = "missed"
    NO_DATA = "no-data"


class Trend(str, Enum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"


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
    budget_change: Decimal | None  # budget now minus the first recorded budget, if it changed

    @property
    def first_due(self) -> dt.date | None:
        """The due date first planned, if a recalibration has moved it since."""
        return next((h.due for h in self.milestone.history if h.due is not None), None)

    @property
    def late_days(self) -> int | None:
        """Days late, for a milestone done late or overdue."""
        return self.days if self.status in (Status.DONE_LATE, Status.OVERDUE) else None

    @property
    def budget_outcome(self) -> str | None:
        """``over``, ``under`` or ``on`` budget, for a done milestone with both amounts."""
        if self.cost_variance is None:
            return None
        return "over" if self.cost_variance > 0 else "under" if self.cost_variance < 0 else "on"

    @property
    def cost_variance_amount(self) -> Decimal | None:
        """How far from budget, without the sign (the words say over or under)."""
        return None if self.cost_variance is None else abs(self.cost_variance)

    @property
    def cost_variance_size(self) -> Decimal | None:
        """How far from budget, in % of it, without the sign."""
        return None if self.cost_variance_pct is None else abs(self.cost_variance_pct)


@dataclass(frozen=True, slots=True)
class KpiView:
    kpi: Kpi
    latest_month: str | None
    latest: Decimal | None
    previous: Decimal | None
    change: Decimal | None  # latest - previous
    to_target: Decimal | None  # target - latest
    improving: bool | None  # did the latest change go the better way?
    trend: Trend | None  # over the last TREND_MONTHS months
    trend_good: bool | None  # is that trend the better way?
    target_met: bool | None
    # What its chart draws the actuals against: the path of the goal it measures, else
    # from the first actual to the KPI's own target.
    target_path: TargetPath = ()
    category_name: str | None = None  # its category as readers see it


@dataclass(frozen=True, slots=True)
class GoalView:
    goal: Goal
    owner: Person | None
    kpi: KpiView | None
    milestones: tuple[MilestoneView, ...]
    done_count: int
    progress: Progress
    expected: Decimal | None  # where the straight path says the KPI should be by its latest month
    share_done: Decimal | None  # share of the baseline → target change achieved, in %
    budget: Decimal  # budget of the milestones that advance it
    target_path: TargetPath = ()  # baseline on the plan's start → target on the deadline


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    """What a monthly review looks at first."""

    done_recently: tuple[MilestoneView, ...]  # done within the month before as_of
    overdue: tuple[MilestoneView, ...]
    due_next_30_days: tuple[MilestoneView, ...]
    goals_at_risk: tuple[GoalView, ...]  # at risk, off track or missed
    recent_months: tuple[str, ...] = ()  # the last REVIEW_MONTHS months with KPI actuals
    # each KPI with actuals, and its value in each of recent_months (None if not measured)
    recent_actuals: tuple[tuple[KpiView, tuple[Decimal | None, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class OwnerTotal:
    owner: Person | None
    owner_id: str | None
    budget: Decimal
    count: int


@dataclass(frozen=True, slots=True)
class MilestoneTotal:
    """The milestones one filter of the milestones page shows, and their budget."""

    status: str  # "all", "done", or a Status value of an open milestone
    owner: str  # "all", an owner id, or "none" for unassigned milestones
    budget: Decimal
    count: int


#: The status filters of the milestones page, and the statuses each one shows.
STATUS_FILTERS = (
    ("all", tuple(Status)),
    ("done", (Status.DONE_ON_TIME, Status.DONE_LATE)),
    ("overdue", (Status.OVERDUE,)),
    ("due-soon", (Status.DUE_SOON,)),
    ("upcoming", (Status.UPCOMING,)),
)


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
    budget_open: Decimal  # budget of milestones not yet done
    budget_by_owner: tuple[OwnerTotal, ...]
    kpis: tuple[KpiView, ...]
    goals: tuple[GoalView, ...]
    review: ReviewSummary
    budget_by_goal: tuple[tuple[Goal, Decimal], ...]
    financials: FinancialReport | None = None
    problems: tuple[Problem, ...] = ()  # warnings found while computing (cash, DSCR)
    figures: Figures = Figures()  # noqa: RUF009 - immutable; every named figure prose may quote (``{=name}``)
    # Every (status filter × owner filter) of the milestones page with its total.
    milestone_totals: tuple[MilestoneTotal, ...] = ()
    # The base case's month that holds as_of (the first or last month when as_of falls
    # outside the projection), and whether as_of falls inside it.
    cash_month: Period | None = None
    cash_month_in_range: bool = True

    @property
    def document_date(self) -> dt.date:
        """The date the document carries, in its metadata too: the plan's ``date``, else
        its ``as_of`` (never the build's or a commit's time, so the PDF says when the plan
        was written and stays the same bytes for the same sources)."""
        return self.plan.meta.date or self.as_of

    @property
    def noted_milestones(self) -> tuple[MilestoneView, ...]:
        """Milestones with notes or a history of recalibrations, by due date."""
        return tuple(v for v in self.milestones if v.milestone.notes or v.milestone.history)


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


def _slip(milestone: Milestone) -> tuple[int, int, Decimal | None]:
    """(days the due date moved, times it moved, budget change) against the first plan."""
    if not milestone.history:
        return 0, 0, None
    earlier = [h.due for h in milestone.history if h.due is not None]
    budgets = [h.budget for h in milestone.history if h.budget is not None]
    change = None
    if budgets and milestone.budget is not None and milestone.budget != budgets[0]:
        change = milestone.budget - budgets[0]
    if not earlier:
        return 0, 0, change
    return (milestone.due - earlier[0]).days, len(earlier), change


def _milestone_view(
    plan: Plan, milestone: Milestone, as_of: dt.date, ids: _Ids | None = None
) -> MilestoneView:
    """``ids``: the plan's team members and goals by id (``_ids``), when made already."""
    people, goals = ids or _ids(plan)
    status, days = milestone_status(milestone, as_of)
    variance = pct = None
    if status.is_done and milestone.budget is not None and milestone.actual_cost is not None:
        variance = milestone.actual_cost - milestone.budget
        if milestone.budget:
            pct = variance / milestone.budget * 100
    slip, moves, budget_change = _slip(milestone)
    return MilestoneView(
        milestone=milestone,
        status=status,
        days=days,
        owner=people.get(milestone.owner),
        goals=tuple(goals[i] for i in milestone.goals if i in goals),
        cost_variance=variance,
        cost_variance_pct=pct,
        slip_days=slip,
        moves=moves,
        budget_change=budget_change,
    )


#: The last milestone views made, by milestone, and what else they were made from. The
#: model keeps unchanged milestones as the same objects between the dev server's builds
#: (``model._milestone``); their views are kept too, and comparisons of the old and new
#: report (``site.stale_pages``) then pass over them at once.
_last_views: KeptByIdentity[Milestone, MilestoneView] = KeptByIdentity()


def _milestone_views(plan: Plan, as_of: dt.date) -> list[MilestoneView]:
    """A view of each milestone, in the plan's order: the one made last time for the very
    same milestone object when ``as_of``, the team and the goals are the same (compared by
    ``repr``: positions and the writing of decimals included, as a view holds them)."""
    around = (as_of, repr(plan.team), repr(plan.goals))
    ids = _ids(plan)
    return _last_views.map(plan.milestones, lambda m: _milestone_view(plan, m, as_of, ids), around)


_Ids = tuple[dict[str, Person], dict[str, Goal]]


def _ids(plan: Plan) -> _Ids:
    """The team members and goals by id, each id's first, as ``Plan.person`` and
    ``Plan.goal`` find them (5,000 milestones each look up an owner and goals)."""
    people: dict[str, Person] = {}
    for person in plan.team:
        people.setdefault(person.id, person)
    goals: dict[str, Goal] = {}
    for goal in plan.goals:
        goals.setdefault(goal.id, goal)
    return people, goals


def _better(delta: Decimal, direction: str) -> bool:
    return (delta > 0) == (direction == "up")


def kpi_view(kpi: Kpi) -> KpiView:
    """Latest value, change on the previous month, trend and distance to target."""
    latest_month = latest = previous = change = to_target = improving = None
    trend = trend_good = target_met = None
    if kpi.actuals:
        latest_month, latest = kpi.actuals[-1]
        if len(kpi.actuals) > 1:
            previous = kpi.actuals[-2][1]
            change = latest - previous
            if change:
                improving = _better(change, kpi.direction)
            window = [v for _, v in kpi.actuals[-TREND_MONTHS:]]
            delta = window[-1] - window[0]
            # Moves within 1 % of the level count as flat.
            if abs(delta) <= abs(window[0]) / 100:
                trend = Trend.FLAT
            else:
                trend = Trend.UP if delta > 0 else Trend.DOWN
                trend_good = _better(delta, kpi.direction)
        if kpi.target is not None:
            to_target = kpi.target - latest
            target_met = latest >= kpi.target if kpi.direction == "up" else latest <= kpi.target
    path: TargetPath = ()
    if kpi.target is not None and kpi.target_date and kpi.actuals:
        first_month, first = kpi.actuals[0]
        path = ((month_end(first_month), first), (kpi.target_date, kpi.target))
    return KpiView(
        kpi,
        latest_month,
        latest,
        previous,
        change,
        to_target,
        improving,
        trend,
        trend_good,
        target_met,
        path,
    )


def goal_path(goal: Goal, start: dt.date) -> TargetPath:
    """The straight path of ``straight_path``: ``baseline`` on ``start``, ``target`` on
    the deadline; empty when the goal lacks one of them."""
    if goal.baseline is None or goal.target is None or goal.deadline is None:
        return ()
    return ((start, goal.baseline), (goal.deadline, goal.target))


def straight_path(
    baseline: Decimal, target: Decimal, start: dt.date, deadline: dt.date, on: dt.date
) -> Decimal:
    """Where a goal should stand ``on`` a day if it moved evenly from start to deadline."""
    span = (deadline - start).days
    if span <= 0 or on >= deadline:
        return target
    if on <= start:
        return baseline
    return baseline + (target - baseline) * Decimal((on - start).days) / Decimal(span)


def goal_progress(
    goal: Goal, kpi: KpiView | None, start: dt.date, as_of: dt.date
) -> tuple[Progress, Decimal | None, Decimal | None]:
    """(progress, expected value on the latest actual's month end, share of change done in %).

    The KPI's latest actual is compared with the straight path from ``baseline``
    on ``start`` (the plan date) to ``target`` on the goal's ``deadline``.
    """
    if (
        kpi is None
        or kpi.latest is None
        or goal.baseline is None
        or goal.target is None
        or goal.deadline is None
    ):
        return Progress.NO_DATA, None, None
    whole = goal.target - goal.baseline
    rising = whole >= 0
    latest = kpi.latest
    share = (latest - goal.baseline) / whole * 100 if whole else None
    reached = latest >= goal.target if rising else latest <= goal.target
    if reached:
        return Progress.ACHIEVED, goal.target, share
    measured_on = min(month_end(kpi.latest_month), as_of)
    expected = straight_path(goal.baseline, goal.target, start, goal.deadline, measured_on)
    if as_of > goal.deadline:
        return Progress.MISSED, expected, share
    behind = (expected - latest) if rising else (latest - expected)
    if behind <= 0:
        return Progress.ON_TRACK, expected, share
    if behind <= abs(whole) * AT_RISK_SHARE:
        return Progress.AT_RISK, expected, share
    return Progress.OFF_TRACK, expected, share


def compute(plan: Plan, words: Words | None = None) -> Report:
    """Everything the theme shows that is not written in the plan itself. ``words`` are
    the theme's names of standard ids (KPI categories, ``working_capital``, ``other``):
    every category and use of funds is shown by a display name, never by its id."""
    as_of = plan.meta.as_of
    views = tuple(
        sorted(_milestone_views(plan, as_of), key=lambda v: (v.milestone.due, v.milestone.title))
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
    start = plan.meta.date or as_of
    kpi_views = tuple(
        replace(
            _measured(kpi_view(k), plan.goals, start),
            category_name=display_name(k.category, words=words) if k.category else None,
        )
        for k in plan.kpis
    )
    kpi_by_id = {v.kpi.id: v for v in kpi_views}
    money = (
        financial_report(
            plan.financials,
            plan.milestones,
            get_currency_precision(plan.meta.currency),
            as_of_month=index_of(as_of),
            words=words,
        )
        if plan.financials is not None
        else None
    )
    by_goal: dict[str, list[MilestoneView]] = defaultdict(list)
    for v in views:  # once over the milestones, not once per goal
        for goal_id in dict.fromkeys(v.milestone.goals):
            by_goal[goal_id].append(v)
    goal_views = tuple(
        _goal_view(plan, g, tuple(by_goal.get(g.id, ())), kpi_by_id, start, as_of)
        for g in plan.goals
    )
    cash_month, cash_in_range = _cash_month(money, as_of)
    report = Report(
        plan=plan,
        as_of=as_of,
        milestones=views,
        next_milestones=tuple(v for v in open_views if v.milestone.due >= as_of)[:NEXT_COUNT],
        overdue=tuple(v for v in open_views if v.status is Status.OVERDUE),
        done=tuple(v for v in views if v.status.is_done),
        budget_total=budget_total,
        budget_open=sum((v.milestone.budget or Decimal(0) for v in open_views), Decimal(0)),
        budget_by_owner=owner_totals,
        kpis=kpi_views,
        goals=goal_views,
        review=_review(views, goal_views, kpi_views, as_of),
        budget_by_goal=tuple((g.goal, g.budget) for g in goal_views),
        financials=money,
        problems=tuple(financial_warnings(money, plan.meta.currency)) if money else (),
        milestone_totals=milestone_totals(views),
        cash_month=cash_month,
        cash_month_in_range=cash_in_range,
    )
    dating = tuple(funding_date_problems(report))
    return replace(report, figures=figure_registry(report), problems=report.problems + dating)


def milestone_totals(views: tuple[MilestoneView, ...]) -> tuple[MilestoneTotal, ...]:
    """Budget and count for each combination of the milestones page's filters, so a
    filtered table shows the total of the rows it shows."""
    owners = ["all", *sorted({v.milestone.owner or "none" for v in views})]
    # One pass over the milestones; each total adds its budgets in the milestones' order.
    budgets: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    filters = {s: [name for name, statuses in STATUS_FILTERS if s in statuses] for s in Status}
    for v in views:
        budget = v.milestone.budget or Decimal(0)
        own = v.milestone.owner or "none"
        for status in filters[v.status]:
            budgets[(status, "all")].append(budget)
            if own != "all":
                budgets[(status, own)].append(budget)
    totals = []
    for status, _ in STATUS_FILTERS:
        for owner in owners:
            chosen = budgets[(status, owner)]
            totals.append(MilestoneTotal(status, owner, sum(chosen, Decimal(0)), len(chosen)))
    return tuple(totals)


def _cash_month(money: FinancialReport | None, as_of: dt.date) -> tuple[Period | None, bool]:
    """The projected month that ``as_of`` falls in, for "cash at month end"."""
    if money is None or not money.base.months:
        return None, True
    months = money.base.months
    wanted = index_of(as_of)
    for period in months:
        if period.first == wanted:
            return period, True
    return (months[0] if wanted < months[0].first else months[-1]), False


def _goal_view(
    plan: Plan, goal: Goal, mine: tuple[MilestoneView, ...], kpi_by_id, start: dt.date, as_of
) -> GoalView:
    """``mine``: the views of the milestones that name the goal, in the report's order."""
    kpi = kpi_by_id.get(goal.kpi) if goal.kpi else None
    progress, expected, share = goal_progress(goal, kpi, start, as_of)
    return GoalView(
        goal=goal,
        owner=plan.person(goal.owner),
        kpi=kpi,
        milestones=mine,
        done_count=sum(1 for v in mine if v.status.is_done),
        progress=progress,
        expected=expected,
        share_done=share,
        budget=sum((v.milestone.budget or Decimal(0) for v in mine), Decimal(0)),
        target_path=goal_path(goal, start),
    )


def _measured(view: KpiView, goals: tuple[Goal, ...], start: dt.date) -> KpiView:
    """The KPI's view, drawn against the path of the first goal it measures, if that has one."""
    goal = next((g for g in goals if g.kpi == view.kpi.id), None)
    path = goal_path(goal, start) if goal else ()
    return replace(view, target_path=path) if path else view


def _review(views, goal_views, kpi_views, as_of: dt.date) -> ReviewSummary:
    month_ago = add_months(as_of, -1)
    measured = [v for v in kpi_views if v.kpi.actuals]
    months = sorted({month for v in measured for month, _ in v.kpi.actuals})[-REVIEW_MONTHS:]
    return ReviewSummary(
        done_recently=tuple(
            v
            for v in views
            if v.milestone.done is not None and month_ago < v.milestone.done <= as_of
        ),
        overdue=tuple(v for v in views if v.status is Status.OVERDUE),
        due_next_30_days=tuple(
            v
            for v in views
            if not v.status.is_done and 0 <= (v.milestone.due - as_of).days <= DUE_SOON_DAYS
        ),
        goals_at_risk=tuple(
            g
            for g in goal_views
            if g.progress in (Progress.AT_RISK, Progress.OFF_TRACK, Progress.MISSED)
        ),
        recent_months=tuple(months),
        recent_actuals=tuple(
            (v, tuple(dict(v.kpi.actuals).get(month) for month in months)) for v in measured
        ),
    )
