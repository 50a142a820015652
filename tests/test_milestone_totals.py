"""The milestones page's filtered totals: each (status, owner) pair adds the budgets of
the milestones it shows."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from planbuilder.compute import STATUS_FILTERS, milestone_totals


def _by_filtering(views):
    """Each total by choosing its rows, as the page's filters do."""
    owners = ["all", *sorted({v.milestone.owner or "none" for v in views})]
    totals = []
    for status, statuses in STATUS_FILTERS:
        for owner in owners:
            chosen = [
                v
                for v in views
                if v.status in statuses and owner in ("all", v.milestone.owner or "none")
            ]
            budget = sum((v.milestone.budget or Decimal(0) for v in chosen), Decimal(0))
            totals.append((status, owner, budget, len(chosen)))
    return totals


def _owned(views, owners):
    return tuple(
        replace(v, milestone=replace(v.milestone, owner=owners[i % len(owners)]))
        for i, v in enumerate(views)
    )


@pytest.mark.parametrize(
    "owners", [None, ("maya", None), ("all", "priya", None), ("none", "maya"), (None,)]
)
def test_each_total_adds_the_rows_its_filters_show(sample_build, owners):
    views = sample_build.report.milestones
    if owners is not None:
        views = _owned(views, owners)
    got = [(t.status, t.owner, t.budget, t.count) for t in milestone_totals(views)]
    assert got == _by_filtering(views)
    assert any(count for *_, count in got)
