"""Stage 4: statuses as of a date, totals, what is next and what is late."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from planbuilder.build import prepare
from planbuilder.compute import Status, kpi_view, milestone_status
from planbuilder.model import Kpi, Milestone

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
    assert report.budget_total == Decimal("184700.00")
    assert [v.milestone.id for v in report.overdue] == ["wholesale-15"]
    assert report.overdue[0].days == 31
    assert [v.milestone.id for v in report.next_milestones][:2] == [
        "holiday-box",
        "subscribers-520",
    ]
    assert all(v.milestone.due >= report.as_of for v in report.next_milestones)
    statuses = {v.milestone.id: v.status for v in report.milestones}
    assert statuses["referral-programme"] is Status.DONE_LATE
    assert statuses["web-shop-relaunch"] is Status.DONE_ON_TIME
    assert statuses["holiday-box"] is Status.DUE_SOON
    by_owner = {t.owner_id: t.budget for t in report.budget_by_owner}
    assert sum(by_owner.values()) == report.budget_total
    assert by_owner["priya"] == Decimal("23000.00")
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
    assert report.plan.meta.as_of_given is False
