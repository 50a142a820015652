"""Stage 4: statuses as of a date, totals, what is next and what is late."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from planbuilder.build import prepare
from planbuilder.compute import Progress, Status, Trend, goal_progress, kpi_view, milestone_status
from planbuilder.model import Goal, Kpi, Milestone

AS_OF = dt.date(2027, 6, 30)


def ms(due, done=None):
    return Milestone(id="m", title="M", due=due, done=done)


@pytest.mark.parametrize(
    ("due", "done", "status", "days"),
    [
        (dt.date(2027, 6, 30), None, Status.DUE_SOON, 0),  # due today is not yet late
        (dt.date(2027, 6, 29), None, Status.OVERDUE, 1),
        (dt.date(2027, 7, 30), None, Status.DUE_SOON, 30),
        (dt.date(2027, 7, 31), None, Status.UPCOMING, 31),
        (dt.date(2027, 3, 31), dt.date(2027, 3, 31), Status.DONE_ON_TIME, 0),
        (dt.date(2027, 3, 31), dt.date(2027, 3, 1), Status.DONE_ON_TIME, 0),
        (dt.date(2027, 3, 31), dt.date(2027, 4, 1), Status.DONE_LATE, 1),
    ],
)
def test_milestone_status_boundaries(due, done, status, days):
    assert milestone_status(ms(due, done), AS_OF) == (status, days)


def test_kpi_direction_decides_what_improving_means():
    down = Kpi(
        id="cac",
        name="CAC",
        direction="down",
        actuals=(("2027-01", Decimal(40)), ("2027-02", Decimal(35))),
    )
    up = Kpi(id="rev", name="Revenue", direction="up", actuals=down.actuals)
    assert kpi_view(down).improving is True
    assert kpi_view(up).improving is False
    assert kpi_view(down).change == Decimal(-5)


def test_kpi_without_actuals_has_no_latest():
    view = kpi_view(Kpi(id="k", name="K", target=Decimal(10)))
    assert view.latest is None and view.change is None and view.to_target is None


def test_sample_plan_report(make_plan):
    from tests.conftest import SAMPLE, TODAY

    report = prepare(SAMPLE, today=TODAY).report
    assert report.as_of == dt.date(2026, 10, 31)  # the plan's own as_of wins over today
    plan = report.plan
    assert report.budget_total == sum(m.budget for m in plan.milestones)
    assert report.budget_total == Decimal("186500.00")
    assert [v.milestone.id for v in report.overdue] == ["wholesale-15"]
    assert report.overdue[0].days == 31
    assert [v.milestone.id for v in report.next_milestones][:2] == [
        "holiday-box",
        "subscribers-520",
    ]
    assert all(v.milestone.due >= report.as_of for v in report.next_milestones)
    statuses = {v.milestone.id: v.status for v in report.milestones}
    assert statuses["referral-program"] is Status.DONE_LATE
    assert statuses["web-shop-relaunch"] is Status.DONE_ON_TIME
    assert statuses["holiday-box"] is Status.DUE_SOON
    by_owner = {t.owner_id: t.budget for t in report.budget_by_owner}
    assert sum(by_owner.values()) == report.budget_total
    assert by_owner["priya"] == Decimal("24800.00")
    opening = next(v for v in report.milestones if v.milestone.id == "tasting-room-opening")
    assert (opening.moves, opening.slip_days) == (1, 77)
    roaster = next(v for v in report.milestones if v.milestone.id == "roaster-upgrade")
    assert roaster.cost_variance == Decimal("740.00")
    csv_kpi = next(k for k in report.kpis if k.kpi.id == "on-time-shipping")
    assert csv_kpi.latest == Decimal("97.9")


def test_as_of_defaults_to_the_given_day(make_plan):
    plan = make_plan({"plan.yaml": "title: T\ncompany: C\n"})
    report = prepare(plan, today=dt.date(2030, 1, 2)).report
    assert report.as_of == dt.date(2030, 1, 2)
    assert report.plan.meta.as_of == dt.date(2030, 1, 2)


# Goal progress: the KPI's latest actual against the straight path from the
# baseline (plan date) to the target (deadline). Here the path runs from 100 on
# 2027-01-01 to 200 on 2027-12-31; the latest actual is for June (measured 06-30).
START = dt.date(2027, 1, 1)
GOAL = Goal(
    id="g",
    title="G",
    baseline=Decimal(100),
    target=Decimal(200),
    deadline=dt.date(2027, 12, 31),
)


def progress_with(latest: str, goal: Goal = GOAL, as_of: dt.date = AS_OF, month: str = "2027-06"):
    view = kpi_view(Kpi(id="k", name="K", actuals=((month, Decimal(latest)),)))
    return goal_progress(goal, view, START, as_of)


def test_expected_value_follows_the_straight_path():
    _, expected, share = progress_with("150")
    assert expected == Decimal(100) + Decimal(100) * Decimal(180) / Decimal(364)
    assert share == Decimal(50)


@pytest.mark.parametrize(
    ("latest", "progress"),
    [
        ("200", Progress.ACHIEVED),
        ("250", Progress.ACHIEVED),
        ("150", Progress.ON_TRACK),  # expected ≈ 149.45
        ("145", Progress.AT_RISK),  # 4.45 behind: within 10 % of the change of 100
        ("139.46", Progress.AT_RISK),  # just under 10 behind
        ("130", Progress.OFF_TRACK),
    ],
)
def test_progress_bands(latest, progress):
    assert progress_with(latest)[0] is progress


def test_missed_after_the_deadline():
    assert progress_with("190", as_of=dt.date(2028, 1, 5))[0] is Progress.MISSED
    assert progress_with("200", as_of=dt.date(2028, 1, 5))[0] is Progress.ACHIEVED


def test_falling_targets_count_the_other_way():
    cost = Goal(
        id="c", title="C", baseline=Decimal(48), target=Decimal(30), deadline=dt.date(2027, 12, 31)
    )
    assert progress_with("29.5", goal=cost)[0] is Progress.ACHIEVED
    assert progress_with("38", goal=cost)[0] is Progress.ON_TRACK  # expected ≈ 39.1
    assert progress_with("40.5", goal=cost)[0] is Progress.AT_RISK
    assert progress_with("45", goal=cost)[0] is Progress.OFF_TRACK


def test_no_actuals_or_no_target_is_no_data():
    assert goal_progress(GOAL, None, START, AS_OF)[0] is Progress.NO_DATA
    assert goal_progress(GOAL, kpi_view(Kpi(id="k", name="K")), START, AS_OF)[0] is Progress.NO_DATA
    no_target = Goal(id="g", title="G", baseline=Decimal(1))
    assert progress_with("5", goal=no_target)[0] is Progress.NO_DATA


def test_kpi_trend_over_three_months():
    def trend(*values, direction="up"):
        actuals = tuple((f"2027-0{i + 1}", Decimal(v)) for i, v in enumerate(values))
        view = kpi_view(Kpi(id="k", name="K", direction=direction, actuals=actuals))
        return view.trend, view.trend_good

    assert trend(50, 10, 11, 12) == (Trend.UP, True)  # only the last three months count
    assert trend(100, 100.5, 100.8) == (Trend.FLAT, None)
    assert trend(40, 38, 35, direction="down") == (Trend.DOWN, True)
    assert trend(5) == (None, None)


def test_review_summary_of_the_sample():
    from tests.conftest import SAMPLE, TODAY

    report = prepare(SAMPLE, today=TODAY).report
    review = report.review
    assert [v.milestone.id for v in review.done_recently] == ["gift-subscription"]
    assert [v.milestone.id for v in review.overdue] == ["wholesale-15"]
    assert [v.milestone.id for v in review.due_next_30_days] == ["holiday-box"]
    assert {g.goal.id: g.progress for g in report.goals} == {
        "subscriptions": Progress.ON_TRACK,
        "wholesale": Progress.OFF_TRACK,
        "margin": Progress.AT_RISK,
        "acquisition-cost": Progress.ACHIEVED,
        "tasting-room": Progress.NO_DATA,
    }
    assert [g.goal.id for g in review.goals_at_risk] == ["wholesale", "margin"]
    assert sum(amount for _, amount in report.budget_by_goal) >= report.budget_total
