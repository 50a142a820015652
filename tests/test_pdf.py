"""The PDF business plan of the sample plan, built once per session, read back with pypdf."""

from __future__ import annotations

import re

import pytest

from planbuilder.build import build
from tests.conftest import TODAY


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def pages(sample_pdf) -> list[str]:
    return [flat(page.extract_text()) for page in sample_pdf.pages]


def outline_titles(outline) -> list[str]:
    titles = []
    for item in outline:
        if isinstance(item, list):
            titles += outline_titles(item)
        else:
            titles.append(item.title)
    return titles


def test_cover_page(pages):
    cover = pages[0]
    assert "Growth plan 2026–2027" in cover
    assert "BRIGHTWATER COFFEE ROASTERS LLC" in cover.upper()
    assert "Prepared by Maya Okafor" in cover
    assert "CONFIDENTIAL" in cover.upper()
    assert "Page" not in cover  # no running footer on the cover


def test_page_count(sample_pdfs):
    # The cover, the contents and every chapter from a new page. A change means content
    # moved onto or off a page: look at the PDF before changing these numbers.
    pages = {name: len(reader.pages) for name, reader in sample_pdfs.items()}
    assert pages == {"internal": 46, "investor": 27, "lender": 31}


def test_table_of_contents_points_at_the_right_pages(pages, sample_pdf):
    lines = sample_pdf.pages[1].extract_text().splitlines()
    entries = [m.groups() for m in map(re.compile(r"^(.+?) \.{5,} (\d+)$").match, lines) if m]
    titles = [t for t, _ in entries]
    assert titles[:3] == ["Executive summary", "The company", "Market"]
    assert {"Business model", "Goals", "Milestones", "Management and team"} <= set(titles)
    assert "Risks and open questions" in titles  # internal-only section, internal edition
    assert len(entries) == 8 + 15  # every section, every structured chapter, use of funds
    for title, number in entries:
        page = pages[int(number) - 1]
        assert page.find(title) != -1, f"TOC says {title!r} is on page {number}"
        # The chapter heading opens its page (collateral, a paragraph, runs on).
        if title != "Collateral and guarantees":
            assert page.startswith(title), f"page {number} starts with {page[:40]!r}"


def test_every_page_but_the_cover_has_a_footer(pages):
    total = len(pages)
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {total}" in text
        assert "Confidential" in text


def test_every_milestone_title_is_in_the_pdf(pages, sample_build):
    everything = " ".join(pages)
    for milestone in sample_build.report.plan.milestones:
        assert milestone.title in everything, milestone.title
    assert "$186,500.00" in everything
    assert "Overdue · 31 days" in everything


def test_milestone_table_repeats_its_header_when_split(pages):
    table_pages = [p for p in pages if "How much" in p and "Who" in p and "Status" in p]
    assert len(table_pages) >= 2, "the sample's milestone table spans two pages"
    # The milestone table's total, once (spending by milestone's total adds actual costs).
    assert sum(len(re.findall(r"Total \$186,500\.00(?! \$)", p)) for p in pages) == 1


def test_sections_and_markdown_content(pages):
    everything = " ".join(pages)
    assert "Use of funds" in everything
    assert "Our best salespeople are the baristas we train." in everything


def test_metadata_and_bookmarks(sample_pdf, sample_build):
    meta = sample_pdf.metadata
    assert meta.title == "Growth plan 2026–2027 · Brightwater Coffee Roasters LLC · Team edition"
    assert meta.author == "Maya Okafor"
    # The document date (the plan's), inside git too: never the clock or a commit's time.
    assert meta["/CreationDate"].startswith("D:20260115")
    assert meta["/ModDate"].startswith("D:20260115")
    titles = outline_titles(sample_pdf.outline)
    assert titles[:2] == ["Executive summary", "The company"]
    assert {"Milestones", "Key performance indicators", "Maya Okafor", "Cafés and offices"} <= set(
        titles
    )
    assert "Contents" not in titles  # the TOC and cover are not bookmarked
    assert "Growth plan 2026–2027" not in titles


def test_fonts_are_embedded(sample_pdf):
    fonts = set()
    for page in sample_pdf.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            fonts.add(font["/BaseFont"])
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get(
                "/FontDescriptor"
            )
            assert descriptor is not None and any(
                k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert any(str(f).endswith("+Plan-Sans") for f in fonts)  # the theme's bundled font


def test_same_sources_give_the_same_bytes(tmp_path, sample_build):
    again = build(sample_build.root, tmp_path / "again", site=False, today=TODAY, edition="lender")
    [before] = [p for p in sample_build.pdf_paths if p.name == again.pdf_path.name]
    assert again.pdf_path.read_bytes() == before.read_bytes()


def test_statuses_progress_and_timeline_in_the_pdf(pages):
    everything = " ".join(pages)
    for status in ("Done late · 13 days", "Overdue · 31 days", "Due soon", "Upcoming"):
        assert status in everything
    for progress in ("On track", "Off track", "At risk", "Achieved"):
        assert progress in everything
    milestones = [p for p in pages if "Milestone timeline" in p]
    assert milestones, "the timeline figure is in the milestones chapter"


def test_financial_chapter_with_landscape_tables(sample_pdf, pages):
    titles = outline_titles(sample_pdf.outline)
    assert "Financial projection" in titles
    landscape = [
        i
        for i, page in enumerate(sample_pdf.pages)
        if float(page.mediabox.width) > float(page.mediabox.height)
    ]
    assert landscape, "the statements are laid out on landscape pages"
    statements = [i for i in landscape if "EBITDA" in pages[i]]
    assert statements
    for i in landscape:  # every statement page names its lines and has a fiscal-year total
        if "Gross margin" in pages[i]:
            assert "Revenue" in pages[i] and "FY 20" in pages[i]
    everything = " ".join(pages)
    assert "Sources and uses balance." not in everything  # only an imbalance is news
    assert "Equipment loan" in everything and "Tasting room loan" in everything
    assert "Downside" in everything and "Rates two points up" in everything  # display names
    assert "rates-up" not in everything
