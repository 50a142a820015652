"""Every PDF the suite builds reads well on paper (tests/pdfcheck.py), and no output shows a
number with five or more decimals."""

from __future__ import annotations

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


def all_pdfs(sample_build, more_builds) -> list[Path]:
    pdfs = list(sample_build.pdf_paths)
    for result in more_builds.values():
        pdfs += list(result.pdf_paths)
    return pdfs


def test_every_pdf_passes_the_layout_check(sample_build, more_builds):
    pdfs = all_pdfs(sample_build, more_builds)
    assert len(pdfs) == 8  # three sample editions and one bakery edition, A4 and Letter
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
    assert re.search(r"\d+ tháng( \(\d+/\d+\))?</h3>", bakery)  # each amortisation page
    sample = (sample_build.site_dir / "financials.html").read_text(encoding="utf-8")
    assert re.search(r"60 months( \(\d+/\d+\))?</h3>", sample)
