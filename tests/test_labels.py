"""The theme's words follow the plan's language, with English wherever one is missing."""

from __future__ import annotations

import pytest

from planbuilder.build import build
from planbuilder.render import catalog
from planbuilder.render.labels import LABELS, labels_for
from tests.conftest import TODAY


@pytest.mark.parametrize("language", catalog.languages())
def test_translations_only_use_known_words(language):
    translated = catalog.read(catalog.po_path(language), language)
    extra = [
        d
        for d in catalog.differences(translated, catalog.template())
        if not d.startswith("missing")
    ]
    assert extra == []


def test_missing_words_fall_back_to_english():
    vietnamese = labels_for("vi_VN")
    assert vietnamese["contents"] == "Mục lục"
    assert vietnamese["fin_no_debt_service"] == "—"  # not translated: the English stays
    assert vietnamese["status_names"]["overdue"] == "Quá hạn"
    assert labels_for("de_DE")["contents"] == "Contents"  # no German yet: all English
    assert set(labels_for("es_ES")) == set(LABELS)


def test_a_spanish_plan_reads_in_spanish(make_plan, tmp_path):
    plan = make_plan(
        {
            "plan.yaml": "title: Plan de crecimiento\ncompany: Taller Norte SL\nlocale: es_ES\n"
            "as_of: 2027-06-30\n",
            "team.yaml": "- {id: ana, name: Ana}\n",
            "milestones.yaml": "- {id: web, title: Abrir la tienda online, due: 2027-05-31, "
            "budget: 14500.50, owner: ana}\n",
        }
    )
    result = build(plan, tmp_path / "out", pdf=False, today=TODAY)
    assert result.ok, result.problems
    index = (result.site_dir / "index.html").read_text()
    assert '<html lang="es-ES">' in index
    assert ">Resumen<" in index and "Situación a" in index
    milestones = (result.site_dir / "milestones.html").read_text()
    assert "14.500,50\xa0€" in milestones  # the euro sign after the amount
    assert "Atrasado · 30 días" in milestones
