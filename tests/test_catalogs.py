"""The theme's words live in gettext catalogs (planbuilder/locale): the template follows the
English words, every translation keeps its placeholders, a built Spanish or Vietnamese plan
reads in its language, and Vietnamese dates are written as Vietnamese banks write them."""

from __future__ import annotations

import copy
import datetime as dt
import html
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from planbuilder.cli import main
from planbuilder.render import catalog, i18n
from planbuilder.render.formatting import Formatter
from planbuilder.render.labels import LABELS, label_messages, labels_for
from tests.conftest import REPO

BAKERY = REPO / "tests" / "plans" / "vi-bakery"
BRACES = re.compile(r"\{\w*\}")
PERCENT = re.compile(r"%\(\w+\)[sd]")


# --- The catalogs ---------------------------------------------------------------------


def test_the_template_has_every_english_word():
    problems = catalog.differences(catalog.read(catalog.TEMPLATE), catalog.template())
    assert problems == [], "run: python -m planbuilder.render.catalog extract"


@pytest.mark.parametrize("language", ["es", "vi"])
def test_each_language_has_every_word_of_the_template(language):
    translated = catalog.read(catalog.po_path(language), language)
    problems = catalog.differences(translated, catalog.read(catalog.TEMPLATE))
    assert problems == [], "run: python -m planbuilder.render.catalog update"
    unfinished = [m.context or m.id for m in translated if m.id and not catalog.is_finished(m)]
    assert unfinished == []


@pytest.mark.parametrize("language", ["es", "vi"])
def test_each_catalog_compiles_and_keeps_the_placeholders(language):
    path = catalog.po_path(language)
    translated = catalog.read(path, language)
    assert [error for _message, errors in translated.check() for error in errors] == []
    for message in translated:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for pattern in (BRACES, PERCENT):
            expected = sorted(pattern.findall(ids[0]))
            for string in strings:
                assert sorted(pattern.findall(string)) == expected, (message.context, string)
    with path.open("rb") as handle:
        compiled = i18n.compile_po(handle, language)
    assert compiled.pgettext("fin_rate", "Rate") != "Rate"


@pytest.fixture
def locale_dir(tmp_path, monkeypatch):
    """A private catalog folder for ``i18n`` and ``catalog``, with fresh caches."""
    folder = tmp_path / "locale"
    folder.mkdir()
    for target in (i18n, catalog):
        monkeypatch.setattr(target, "LOCALE_DIR", folder)
    monkeypatch.setattr(catalog, "TEMPLATE", folder / "planbuilder.pot")
    i18n.translations.cache_clear()
    labels_for.cache_clear()
    yield folder
    i18n.translations.cache_clear()
    labels_for.cache_clear()


def test_fuzzy_and_empty_entries_show_in_english(locale_dir):
    po = locale_dir / "de" / "LC_MESSAGES" / "planbuilder.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgctxt "contents"\nmsgid "Contents"\nmsgstr "Inhalt"\n\n'
        '#, fuzzy\nmsgctxt "fin_rate"\nmsgid "Rate"\nmsgstr "Zinssatz"\n\n'
        'msgctxt "team"\nmsgid "Team"\nmsgstr ""\n\n'
        'msgctxt "status_names.overdue"\nmsgid "Overdue"\nmsgstr "Überfällig"\n',
        encoding="utf-8",
    )
    words = labels_for("de_DE")
    assert words["contents"] == "Inhalt"
    assert words["status_names"]["overdue"] == "Überfällig"
    assert words["fin_rate"] == "Rate"  # fuzzy: not yet checked by a translator
    assert words["team"] == "Team"  # empty
    assert words["kpis"] == "Key performance indicators"  # absent
    assert set(words) == set(LABELS)


def test_extract_and_update_carry_translations_over(locale_dir, monkeypatch, capsys):
    """A changed English word keeps its translation as fuzzy (shown in English until
    checked); a new word arrives empty; the rest stays as it was."""
    shutil.copytree(REPO / "planbuilder" / "locale", locale_dir, dirs_exist_ok=True)
    words = copy.deepcopy(LABELS)
    words["fin_rate"] = "Interest rate"
    words["fin_new_word"] = "New word"
    monkeypatch.setattr(catalog, "LABELS", words)

    assert catalog.main(["check"]) == 1
    assert "fin_new_word" in capsys.readouterr().err
    assert catalog.main(["extract"]) == 0
    assert catalog.main(["check"]) == 0
    assert catalog.main(["update"]) == 0

    updated = catalog.read(catalog.po_path("vi"), "vi")
    rate = updated.get("Interest rate", context="fin_rate")
    assert (rate.string, rate.fuzzy) == ("Lãi suất", True)
    assert '#| msgid "Rate"\nmsgctxt "fin_rate"\nmsgid "Interest rate"' in (
        catalog.po_path("vi").read_text(encoding="utf-8")
    )  # the translator sees what the English was
    new = updated.get("New word", context="fin_new_word")
    assert (new.string, new.fuzzy) == ("", False)
    assert updated.get("Contents", context="contents").string == "Mục lục"
    assert updated.get("Rate", context="fin_rate") is None
    vietnamese = dict(label_messages(labels_for("vi_VN")))
    assert vietnamese["contents"] == "Mục lục"
    assert "fin_new_word" not in vietnamese  # labels_for reads the real LABELS


# --- Vietnamese formats ---------------------------------------------------------------


def test_vietnamese_dates_and_months_and_other_locales_unchanged():
    day = dt.date(2027, 6, 30)
    vi = Formatter("vi_VN", "VND")
    assert vi.date(day) == "30/06/2027"
    assert vi.date(day, "long") == "ngày 30 tháng 6 năm 2027"
    assert vi.month("2027-06") == "06/2027"
    assert Formatter("es_ES", "EUR").date(day) == "30 jun 2027"
    assert Formatter("es_ES", "EUR").date(day, "long") == "30 de junio de 2027"
    assert Formatter("es_ES", "EUR").month("2027-06") == "jun 2027"
    assert Formatter("en_US", "USD").date(day) == "Jun 30, 2027"
    assert Formatter("en_US", "USD").month("2027-06") == "Jun 2027"


# --- Built plans ----------------------------------------------------------------------


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def built_text(out: Path) -> dict[str, str]:
    """Every site page's visible text and every PDF's text, by file name."""
    texts = {p.name: visible_text(p.read_text()) for p in (out / "site").rglob("*.html")}
    for pdf in out.glob("*.pdf"):
        pages = [page.extract_text() for page in PdfReader(pdf).pages]
        texts[pdf.name] = re.sub(r"\s+", " ", " ".join(pages))
    return texts


def english_left(texts: dict[str, str], language: str) -> list[str]:
    """English words shown although ``language`` translates them (a label's longest
    literal part, when no translation contains that text too)."""
    translated = dict(label_messages(labels_for(language)))
    everything = " ".join(translated.values())
    found = []
    for context, english in label_messages(LABELS):
        piece = max(BRACES.split(english), key=len).strip(" :,()")
        if translated[context] == english or len(piece) < 4 or piece in everything:
            continue
        pattern = re.compile(rf"(?<![\w-]){re.escape(piece)}(?![\w-])")
        found += [f"{name}: {context} {piece!r}" for name, t in texts.items() if pattern.search(t)]
    return found


@pytest.fixture(scope="module")
def bakery(tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("bakery") / "out"
    assert main(["build", str(BAKERY), "-o", str(out), "-q"]) == 0
    return built_text(out)


def test_the_vietnamese_bakery_prints_vietnamese_dates(bakery):
    pdf = next(text for name, text in bakery.items() if name.endswith(".pdf"))
    assert "ngày 10 tháng 1 năm 2027" in pdf  # the cover's document date
    assert "Số liệu tính đến ngày 30 tháng 6 năm 2027" in pdf
    assert "Cột mốc · số liệu tính đến 30/06/2027" in pdf  # the milestone table's caption
    assert "15/03/2027" in pdf and "20/03/2027" in pdf  # due and done
    assert "36 (2 tháng ân hạn gốc) 02/2027" in pdf  # the loan request's first month
    assert "01/2027 02/2027 03/2027" in pdf  # statement columns, one line each
    assert "Số liệu tính đến ngày 30 tháng 6 năm 2027" in bakery["index.html"]
    assert "31/05/2027" in bakery["milestones.html"]
    assert "Số liệu gần nhất (06/2027)" in bakery["kpis.html"]
    assert [name for name, text in bakery.items() if "thg" in text] == []


def test_the_vietnamese_bakery_reads_in_vietnamese(bakery):
    pdf = next(text for name, text in bakery.items() if name.endswith(".pdf"))
    assert "Khoản vay Số tiền vay Lãi suất Thời hạn vay (tháng)" in pdf  # loan request
    # Its last column is the monthly payment, not the total repaid (banker review).
    assert "Số tiền trả hằng tháng" in pdf
    assert "Vốn vay: Khoản vay mua thiết bị" in pdf  # not "Khoản vay: Khoản vay …"
    assert "Hoàn thành trễ hạn · 5 ngày" in pdf
    assert "2,29 lần" in pdf
    assert "Lợi nhuận sau thuế" in pdf
    assert english_left(bakery, "vi") == []


def test_a_spanish_plan_built_with_the_cli_reads_in_spanish(make_plan, tmp_path):
    plan = make_plan(
        {
            "plan.yaml": "title: Plan de crecimiento\ncompany: Horno Norte SL\nlocale: es_ES\n"
            "date: 2027-01-15\nas_of: 2027-06-30\n",
            "team.yaml": "- {id: ana, name: Ana Ruiz}\n",
            "milestones.yaml": "- {id: horno, title: Comprar el horno, due: 2027-03-15, "
            "done: 2027-03-20, budget: 8000, owner: ana}\n",
            "financials.yaml": "start: 2027-01\nhorizon_months: 24\nstarting_cash: 20000\n"
            "revenue:\n  - {name: Pan, monthly: 30000, growth: 1, cost_of_sales: 40,\n"
            "     seasonality: [0.6, 0.8, 1, 1, 1, 1, 1.25, 1, 1, 1, 1.1, 1.4]}\n"
            "expenses:\n  recurring:\n    - {name: Alquiler, category: local, monthly: 9000}\n"
            "funding:\n  loans:\n    - {name: Préstamo ICO, lender: Banco Norte, "
            "principal: 60000, rate: 7.25, term_months: 60, start: 2027-02, grace_months: 3}\n",
        }
    )
    out = tmp_path / "out"
    assert main(["build", str(plan), "-o", str(out), "-q"]) == 0
    texts = built_text(out)
    milestones = texts["milestones.html"]
    assert "Hito Fecha Presupuesto Responsable" in milestones
    assert "Completado con retraso" in milestones
    assert "15 mar 2027" in milestones  # es_ES dates as Babel writes them
    financials = texts["financials.html"]
    assert "Préstamo ICO · Banco Norte · 60.000,00 €, 7,25 %, 60 meses" in financials
    assert "Resultado neto" in financials and "RCSD (DSCR)" in financials
    assert re.search(r"\d,\d\d veces", financials)  # a coverage ratio
    # Seasonality factors with the decimal comma, kept apart by semicolons.
    assert "Pan: estacionalidad" in financials
    assert "0,6; 0,8; 1; 1; 1; 1; 1,25; 1; 1; 1; 1,1; 1,4" in financials
    pdf = next(text for name, text in texts.items() if name.endswith(".pdf"))
    assert "Préstamo Importe Tipo de interés Plazo (meses)" in pdf
    assert "60 (3 de carencia)" in pdf
    assert english_left(texts, "es") == []


def test_vietnamese_quarters_and_month_spans(make_plan, tmp_path):
    plan = make_plan(
        {
            "plan.yaml": "title: Kế hoạch\ncompany: Tiệm bánh\nlocale: vi_VN\nas_of: 2027-06-30\n",
            "financials.yaml": "start: 2027-01\nhorizon_months: 36\nstarting_cash: 90000000\n"
            "revenue:\n  - {name: Bánh mì, monthly: 120000000}\n",
        }
    )
    out = tmp_path / "out"
    assert main(["build", str(plan), "-o", str(out), "--no-pdf", "-q"]) == 0
    financials = built_text(out)["financials.html"]
    assert "Q1/2029 Q2/2029 Q3/2029 Q4/2029 NTC 2029" in financials  # statement columns
    assert "01/2029 – 03/2029" in financials  # a quarter's row in the monthly projection
    assert "thg" not in financials
