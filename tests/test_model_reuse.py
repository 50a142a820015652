"""With the dev server's parse cache, ``build_model`` keeps the milestones whose checked
record is kept (``validate.checked_source``): a kept milestone is the milestone building
it again gives, position included."""

from __future__ import annotations

import pytest

from planbuilder import load
from planbuilder.build import prepare

from .conftest import TODAY


@pytest.fixture
def cached(monkeypatch):
    monkeypatch.setattr(load, "parse_cache", load.ParseCache())


def _plan(plan):
    prepared = prepare(plan, today=TODAY)
    assert prepared.ok, prepared.problems
    return prepared.report.plan


def _fresh(plan, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(load, "parse_cache", None)
        return _plan(plan)


def test_a_kpi_edit_keeps_every_milestone(sample_copy, cached):
    before = _plan(sample_copy)
    path = sample_copy / "kpis.yaml"
    path.write_text(path.read_text().replace("2026-10: 489", "2026-10: 498"))
    after = _plan(sample_copy)
    assert all(a is b for a, b in zip(after.milestones, before.milestones, strict=True))


def test_kept_milestones_are_the_milestones_built_again(sample_copy, cached, monkeypatch):
    _plan(sample_copy)
    path = sample_copy / "milestones.yaml"
    edits = [
        ("Relaunch the web shop", "Rebuild the web shop"),  # one item parsed again
        ("  budget: 38500.00\n", "  budget: 38500.00\n\n"),  # the later ones a line down
        ("- id: first-office-account\n", "- id: a-course\n  title: A course\n  due: 2026-09-30\n"
         "  budget: 800.0\n\n- id: first-office-account\n"),  # one more
        ("  budget: 800.0\n", "  budget: 800.00\n"),  # equal, written differently
        ("# Milestones:", "\n# Milestones:"),  # before the first: parsed whole
    ]  # fmt: skip
    kept_any = False
    for old, new in edits:
        before = _plan(sample_copy)
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
        kept, fresh = _plan(sample_copy), _fresh(sample_copy, monkeypatch)
        assert kept.milestones == fresh.milestones
        for a, b in zip(kept.milestones, fresh.milestones, strict=True):
            assert a.position == b.position, new
            assert repr(a) == repr(b), new  # decimals written the same way too
        kept_any |= any(a is b for a in kept.milestones for b in before.milestones)
    assert kept_any
