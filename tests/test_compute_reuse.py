"""compute keeps the views of unchanged milestones between the dev server's builds (the
model keeps them as the same objects): a kept view is the view computing it again would
give, positions and the writing of decimals included."""

from __future__ import annotations

import pytest

from planbuilder import compute, load
from planbuilder.build import prepare
from planbuilder.keep import KeptByIdentity

from .conftest import TODAY


@pytest.fixture(autouse=True)
def cached(monkeypatch):
    monkeypatch.setattr(load, "parse_cache", load.ParseCache())


def _report(plan):
    prepared = prepare(plan, today=TODAY)
    assert prepared.ok, prepared.problems
    return prepared.report


def _fresh(plan):
    saved, cache = compute._last_views, load.parse_cache
    compute._last_views, load.parse_cache = KeptByIdentity(), None
    try:
        return _report(plan)
    finally:
        compute._last_views, load.parse_cache = saved, cache


def test_a_kpi_edit_keeps_every_milestone_view(sample_copy):
    before = _report(sample_copy)
    path = sample_copy / "kpis.yaml"
    path.write_text(path.read_text().replace("2026-10: 489", "2026-10: 498"))
    after = _report(sample_copy)
    assert all(a is b for a, b in zip(after.milestones, before.milestones, strict=True))


def test_kept_views_are_the_views_computed_again(sample_copy):
    _report(sample_copy)
    milestones = sample_copy / "milestones.yaml"
    team = sample_copy / "team.yaml"
    edits = [
        (milestones, "# Milestones:", "\n\n# Milestones:"),  # every milestone two lines down
        (milestones, "Relaunch the web shop", "Rebuild the web shop"),
        (team, "Tomas", "Tomás"),
        (team, "- id:", "\n\n- id:"),  # the team two lines down
        (sample_copy / "goals.yaml", "- id:", "\n- id:"),  # the goals a line down
        (milestones, "  owner: priya\n", "  owner: daniel\n"),
        (sample_copy / "goals.yaml", "target: 25\n", "target: 25.0\n"),  # written differently
    ]
    for path, old, new in edits:
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
        kept, fresh = _report(sample_copy), _fresh(sample_copy)
        assert kept.milestones == fresh.milestones
        for a, b in zip(kept.milestones, fresh.milestones, strict=True):
            assert a.milestone.position == b.milestone.position, new
            assert [g.position for g in a.goals] == [g.position for g in b.goals]
            assert (a.owner and a.owner.position) == (b.owner and b.owner.position)
            assert repr(a) == repr(b), new
        assert kept.milestone_totals == fresh.milestone_totals
