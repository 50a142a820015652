"""Every PDF the suite builds reads well on paper (tests/pdfcheck.py), and no output shows a
number with five or more decimals."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import pytest

from planbuilder.build import build
from tests.conftest import REPO, TODAY
from tests.pdfcheck import check

BAKERY = REPO / "tests" / "plans" / "vi-bakery"
LONG_DECIMAL = re.compile(r"\d[.,]\d{5,}(?!\d*[.,]\d)")


@pytest.fixture(scope="session")
def more_builds(tmp_path_factory) -> dict[str, object]:
    """The sample plan on Letter paper, the bakery on A4 and Letter: built once."""
    out = tmp_path_factory.mktemp("layout")
    builds = {
        "sample-letter": build(
            REPO / "sample-plan", out / "s", today=TODAY, paper="letter", site=False
        ),
        "bakery-A4": build(BAKERY, out / "b", today=TODAY, paper="A4"),
        "bakery-letter": build(BAKERY, out / "bl", today=TODAY, paper="letter", site=False),
    }
    for result in builds.values():
        assert result.ok
    return builds


def all_pdfs(sample_build, more_builds, spanish_build=None) -> list[Path]:
    pdfs = list(sample_build.pdf_paths)
    for result in more_builds.values():
        pdfs += list(result.pdf_paths)
    if spanish_build is not None:
        pdfs += list(spanish_build.pdf_paths)
    return pdfs


def test_every_pdf_passes_the_layout_check(sample_build, more_builds, spanish_build):
    pdfs = all_pdfs(sample_build, more_builds, spanish_build)
    # three sample editions (A4, Letter, Spanish) and the bakery's edition (A4 and Letter)
    assert len(pdfs) == 11
    problems = [f"{path.name}: {problem}" for path in pdfs for problem in check(path)]
    assert problems == []


def test_the_check_sees_a_cut_off_column_and_a_stranded_heading(tmp_path):
    from weasyprint import HTML

    html = """<style>@page { size: A4; margin: 22mm 18mm }
    body { font-family: sans-serif; font-size: 9.5pt }
    h2 { font-size: 13pt; font-weight: bold; break-after: auto }</style>
    <p style="break-after: page">Cover</p>
    <p style="margin-left: 150mm; white-space: nowrap">Cash 1,234,567 8,901,234</p>
    <div style="height: 230mm"></div><h2>Stranded heading</h2><p>Next paragraph.</p>"""
    pdf = tmp_path / "bad.pdf"
    HTML(string=html).write_pdf(pdf)
    problems = check(pdf)
    assert any("page 2: " in p and "outside the page" in p for p in problems), problems
    assert "page 2 ends with the heading 'Stranded heading'" in problems


def test_no_output_shows_five_or_more_decimals(sample_build, more_builds):
    texts = {}
    for site in (sample_build.site_dir, more_builds["bakery-A4"].site_dir):
        for page in Path(site).rglob("*.html"):
            texts[str(page)] = page.read_text(encoding="utf-8")
    for path in all_pdfs(sample_build, more_builds):
        texts[str(path)] = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    found = {
        name: LONG_DECIMAL.findall(text)
        for name, text in texts.items()
        if LONG_DECIMAL.search(text)
    }
    assert found == {}


def test_plurals_come_from_the_catalogs(sample_build, more_builds):
    bakery = (more_builds["bakery-A4"].site_dir / "financials.html").read_text(encoding="utf-8")
    assert "thángs" not in bakery
    assert re.search(r"\d+ tháng(&nbsp;\(\d+/\d+\))?</h3>", bakery)  # each amortisation page
    sample = (sample_build.site_dir / "financials.html").read_text(encoding="utf-8")
    assert "60 months&nbsp;(1/2)</h3>" in sample  # a part number never wraps alone


def test_the_check_sees_spilled_text_a_nearly_blank_page_and_a_wrapped_period(tmp_path):
    from weasyprint import HTML

    html = """<style>@page { size: A4; margin: 22mm 18mm }
    @page wide { size: A4 landscape }
    body { font-family: sans-serif; font-size: 9.5pt }
    table { table-layout: fixed; width: 100%; border-collapse: collapse }
    td { border-bottom: 0.5pt solid #d5dbe2 } th { background: #eef2f6; width: 12mm }</style>
    <p style="break-after: page">Cover</p>
    <table><tr><td style="white-space: nowrap">Cash lasts the whole projection and more</td>
    <td>Runway</td><td>Payback</td><td>Cash</td><td>Net</td><td>Loans</td><td>Tax</td></tr>
    </table>
    <p style="margin-left: 172mm; white-space: nowrap">Tesorería positiva</p>
    <p style="break-before: page">Collateral and guarantees</p><p>One line alone.</p>
    <div style="page: wide"><table style="width: 30mm">
    <thead><tr><th>Jan 2026</th><th>FY</th></tr></thead>
    <tbody><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></tbody></table></div>"""
    pdf = tmp_path / "bad.pdf"
    HTML(string=html).write_pdf(pdf)
    problems = check(pdf)
    assert any(p.startswith("page 2: glyphs overlap on the line") for p in problems), problems
    assert any(p.startswith("page 2: ") and "side margin" in p for p in problems), problems
    blank = "page 3 is nearly blank: it holds only 'Collateral and guarantees / One line alone.'"
    assert blank in problems
    assert "page 4: a header cell takes two lines: 'Jan2026'" in problems


def test_the_spanish_scenarios_fit_the_page(spanish_build):
    """The runway's long Spanish words wrap inside their column (banker review, 1)."""
    import pdfplumber

    for path in spanish_build.pdf_paths:
        with pdfplumber.open(str(path)) as pdf:
            pages = [p for p in pdf.pages if "Escenarios" in (p.extract_text() or "")]
            assert pages, path.name
            for page in pages:
                words = page.extract_words()
                assert all(w["x1"] <= page.width - 18 * 72 / 25.4 + 1 for w in words)
                text = page.extract_text()
                assert "Rates two" in text  # the scenario's label, as the plan writes it
                assert "durante toda la" in text


def statement_pages(reader, title: str) -> list[str]:
    texts = [page.extract_text() for page in reader.pages]
    return [t for t in texts if f"{title} (" in t and "FY 20" in t]


def test_statement_periods_read_with_the_full_year(sample_pdfs):
    pages = statement_pages(sample_pdfs["lender"], "Income statement")
    assert pages
    assert "Jan 2026" in pages[0] and "Dec 2026" in pages[0] and "FY 2026" in pages[0]
    assert not re.search(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d\b", pages[0])
    # a fiscal year's twelve months and its total on one landscape page
    assert re.search(r"Jan 2027.*Dec 2027.*FY 2027", "\n".join(pages), re.S)


def test_the_year_total_column_is_bold_only_on_subtotals(sample_build):
    """The FY column is shaded; its weight follows its row (banker review, 10)."""
    import pdfplumber

    lender = next(p for p in sample_build.pdf_paths if p.stem.endswith("lender"))
    with pdfplumber.open(str(lender)) as pdf:
        page = next(p for p in pdf.pages if "Income statement (1/" in (p.extract_text() or ""))
        words = page.extract_words(extra_attrs=["fontname"])
        fy = next(w for w in words if w["text"] == "2026" and w["x0"] > page.width * 0.8)

        def weight_in_fy_column(label: str) -> bool:
            row = next(w for w in words if w["text"] == label and w["x0"] < page.width * 0.3)
            cell = [
                w for w in words if abs(w["bottom"] - row["bottom"]) < 1 and w["x1"] > fy["x0"] - 20
            ]
            assert cell, label
            return all("Bold" in w["fontname"] for w in cell)

        assert weight_in_fy_column("EBITDA")  # a subtotal
        assert not weight_in_fy_column("Depreciation")  # a line item


def test_no_table_caption_repeats_its_heading(sample_build):
    for path in sample_build.pdf_paths:
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        headings = {"Profit and loss by year", "Scenarios", "Assumptions", "Forecast and actual"}
        repeated = {a for a, b in itertools.pairwise(lines) if a == b and a in headings}
        assert repeated == set(), path.name


def test_bookmarks_carry_titles_without_status_words(sample_pdfs, spanish_build):
    from pypdf import PdfReader

    from planbuilder.render.labels import labels_for

    def titles(outline) -> list[str]:
        out = []
        for item in outline:
            out += titles(item) if isinstance(item, list) else [item.title]
        return out

    spanish = next(p for p in spanish_build.pdf_paths if p.stem.endswith("internal"))
    for reader, words in (
        (sample_pdfs["internal"], labels_for("en_US")["status_names"]),
        (PdfReader(spanish), labels_for("es_ES")["status_names"]),
    ):
        found = titles(reader.outline)
        assert "Install the 15 kg roaster and afterburner" in found
        # a heading may be a status ("Overdue" in the review), never carry one after its title
        assert [t for t in found if any(w in t and t != w for w in words.values())] == []


def test_use_of_funds_comes_where_the_edition_puts_it(sample_pdfs):
    """`[all, use-of-funds]`: after every chapter of `all`, before the appendix."""
    top = [item.title for item in sample_pdfs["internal"].outline if not isinstance(item, list)]
    assert top[-2:] == ["Use of funds", "Appendix: loan amortisation"]
