"""The PDF business plan as it leaves the founder's hands: editions, covers, metadata,
reproducible and versioned output, a Vietnamese plan, and what the pages look like."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from planbuilder.build import build, build_pdf
from planbuilder.cli import main
from tests.conftest import SAMPLE, TODAY, git

VI_PLAN = Path(__file__).parent / "plans" / "vi-bakery"


def top_level(outline) -> list[str]:
    return [item.title for item in outline if not isinstance(item, list)]


def text(reader: PdfReader, index: int) -> str:
    return re.sub(r"\s+", " ", reader.pages[index].extract_text())


EXPECTED_CHAPTERS = {
    "investor": [
        "Executive summary",
        "Business model",
        "Market",
        "Products and pricing",
        "Milestones",
        "Use of funds",
        "Key performance indicators",
        "Management and team",
        "Financial projection",
        "Income statement",
        "Balance sheet",
        "Cash-flow statement",
    ],
    "lender": [
        "Funding request",
        "Executive summary",
        "The company",
        "Management and team",
        "Market",
        "Loan request",
        "Collateral and guarantees",
        "Use of funds",
        "Financial projection",
        "Income statement",
        "Balance sheet",
        "Cash-flow statement",
        "Debt-service coverage",
        "Debt summary",
        "Appendix: loan amortisation",
    ],
}


@pytest.mark.parametrize("edition", ["investor", "lender"])
def test_each_edition_has_exactly_its_chapters(sample_pdfs, edition):
    reader = sample_pdfs[edition]
    assert top_level(reader.outline) == EXPECTED_CHAPTERS[edition]
    everything = " ".join(text(reader, i) for i in range(len(reader.pages)))
    assert "Risks and open questions" not in everything  # tagged `editions: [internal]`


@pytest.mark.parametrize("edition", ["lender", "internal"])
def test_the_yearly_table_is_printed_once(sample_pdfs, edition):
    """The coverage chapter repeats neither the yearly profit and loss nor the scenarios
    when the edition's financial projection shows them already."""
    reader = sample_pdfs[edition]
    lines = [
        line.strip()
        for i in range(len(reader.pages))
        for line in reader.pages[i].extract_text().splitlines()
    ]
    assert lines.count("Profit and loss by year") == 1
    assert lines.count("Scenarios") == 1


def test_internal_edition_has_everything(sample_pdfs):
    chapters = top_level(sample_pdfs["internal"].outline)
    assert "Risks and open questions" in chapters
    assert "Monthly review" in chapters
    assert chapters[0] == "Executive summary"


def test_lender_edition_opens_with_contents_then_the_funding_request(sample_pdfs):
    # The edition lists the funding request before `contents`: the contents still come
    # right after the cover, as a reader expects.
    reader = sample_pdfs["lender"]
    assert text(reader, 1).startswith("Contents")
    assert text(reader, 2).startswith("Funding request")
    # The table of contents lists this edition's chapters with the pages they are on.
    toc = reader.pages[1].extract_text().splitlines()
    entries = [m.groups() for m in map(re.compile(r"^(.+?) \.{5,} (\d+)$").match, toc) if m]
    assert [t for t, _ in entries] == EXPECTED_CHAPTERS["lender"]
    for title, number in entries:
        page = text(reader, int(number) - 1)
        if title == "Collateral and guarantees":  # a paragraph: it runs on after the chapter before
            assert f" {title} " in page
        else:
            assert page.startswith(title)


def test_cover_names_edition_audience_and_version(sample_pdfs, sample_build):
    cover = text(sample_pdfs["lender"], 0)
    assert "Loan application" in cover
    assert "CONFIDENTIAL — PREPARED FOR LAKEPORT COMMUNITY BANK" in cover.upper()
    version = sample_build.report.plan.meta.version
    if version:  # the sample lives in this repository, which has no tags: a bare hash
        # is for the team, not for the bank
        assert "Version" not in cover
        assert version not in cover
        assert f"Version {version}" in text(sample_pdfs["internal"], 0)


def test_running_header_names_the_edition(sample_pdfs):
    page = text(sample_pdfs["investor"], 3)
    assert "Brightwater Coffee Roasters LLC · Growth plan 2026–2027 · Investor edition" in page


def test_metadata_language_and_tags(sample_pdfs):
    reader = sample_pdfs["investor"]
    meta = reader.metadata
    assert meta.title.endswith("Investor edition")
    assert meta.author == "Maya Okafor"
    assert meta.subject.startswith(
        "From a busy roastery to subscriptions, wholesale and a tasting room"
    )
    assert meta["/Keywords"] == "coffee roastery, subscriptions, wholesale, tasting room"
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-US"
    assert bool(catalog["/MarkInfo"]["/Marked"])  # a tagged PDF, for screen readers
    assert "/StructTreeRoot" in catalog


def test_landscape_pages_for_wide_tables(sample_pdfs):
    reader = sample_pdfs["lender"]
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    portrait, landscape = sizes[0], [s for s in sizes if s[0] > s[1]]
    assert round(portrait[0]) == 595 and round(portrait[1]) == 842  # A4
    assert landscape and all(s == (portrait[1], portrait[0]) for s in landscape)


def test_letter_paper(tmp_path):
    result = build_pdf(
        VI_PLAN, tmp_path / "letter.pdf", today=TODAY, paper="letter", edition="ngan-hang"
    )
    assert result.ok, result.problems
    first = PdfReader(result.pdf_path).pages[0].mediabox
    assert (round(float(first.width)), round(float(first.height))) == (612, 792)


def test_vietnamese_plan_renders_and_extracts(tmp_path):
    result = build(VI_PLAN, tmp_path / "out", today=TODAY)
    assert result.ok, result.problems
    reader = PdfReader(result.pdf_path)
    everything = " ".join(text(reader, i) for i in range(len(reader.pages)))
    for word in ("Kế hoạch phát triển", "Đà Nẵng", "Hướng Dương", "đồng", "Nguyễn", "điều đó"):
        assert word in everything, word
    assert "150.000.000 ₫" in everything  # đồng have no minor unit
    for label in ("Mục lục", "Người lập:", "Lịch trả nợ", "Trang 2 / "):  # the theme's words too
        assert label in everything, label
    assert "ĐÀ NẴNG" in text(reader, 0).upper()
    fonts = {
        str(f.get_object()["/BaseFont"])
        for page in reader.pages
        for f in (page["/Resources"].get("/Font") or {}).values()
    }
    assert all("Plan-Sans" in f for f in fonts), fonts  # no glyph patched in from elsewhere


def test_the_pdf_dates_are_the_document_date_whatever_the_environment(tmp_path, monkeypatch):
    """CreationDate and ModDate are the plan's `date` (finding 22 of the banker review):
    neither SOURCE_DATE_EPOCH nor a commit's time, and the bytes stay the same."""
    plan = tmp_path / "plan"
    shutil.copytree(VI_PLAN, plan)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    first = build_pdf(plan, tmp_path / "a.pdf", today=TODAY, edition="ngan-hang")
    second = build_pdf(plan, tmp_path / "b.pdf", today=TODAY, edition="ngan-hang")
    meta = PdfReader(first.pdf_path).metadata
    assert meta["/CreationDate"].startswith("D:20270110")  # the plan's date
    assert meta["/ModDate"].startswith("D:20270110")
    assert first.pdf_path.read_bytes() == second.pdf_path.read_bytes()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    unset = build_pdf(plan, tmp_path / "c.pdf", today=TODAY, edition="ngan-hang")
    assert PdfReader(unset.pdf_path).metadata["/CreationDate"].startswith("D:20270110")


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_version_stamp_and_draft_marking_from_git(tmp_path):
    plan = tmp_path / "repo"
    shutil.copytree(VI_PLAN, plan)
    git(plan, "init", "-q")
    git(plan, "add", ".")
    git(plan, "commit", "-q", "-m", "plan")
    git(plan, "tag", "v1.0")
    clean = build_pdf(plan, tmp_path / "clean.pdf", today=TODAY, edition="ngan-hang")
    cover = text(PdfReader(clean.pdf_path), 0)
    assert "Phiên bản v1.0" in cover and "BẢN NHÁP" not in cover.upper()  # a Vietnamese plan
    meta = PdfReader(clean.pdf_path).metadata
    assert meta["/CreationDate"].startswith("D:20270110")  # the plan's date, not the commit's
    assert meta.subject.endswith("· phiên bản v1.0")
    (plan / "goals.yaml").write_text((plan / "goals.yaml").read_text().replace("180", "190"))
    dirty = build_pdf(plan, tmp_path / "dirty.pdf", today=TODAY, edition="ngan-hang")
    cover = text(PdfReader(dirty.pdf_path), 0)
    assert "Phiên bản v1.0-dirty" in cover and "BẢN NHÁP — CÓ THAY ĐỔI" in cover.upper()


def test_unchanged_pdfs_are_not_laid_out_again(tmp_path, capsys):
    plan = tmp_path / "plan"
    shutil.copytree(VI_PLAN, plan)
    out = tmp_path / "out"
    assert main(["build", str(plan), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["build", str(plan), "-o", str(out)]) == 0
    assert "(unchanged, not laid out again)" in capsys.readouterr().out
    section = plan / "sections" / "01-tom-tat.md"
    section.write_text(section.read_text() + "\nThêm một câu mới.\n")
    assert main(["build", str(plan), "-o", str(out)]) == 0
    assert "(unchanged" not in capsys.readouterr().out
    pdf = next(out.glob("*.pdf"))
    assert "Thêm một câu mới." in " ".join(p.extract_text() for p in PdfReader(pdf).pages)


def test_edition_options_on_the_command_line(tmp_path, capsys):
    assert main(["pdf", str(SAMPLE), "-o", str(tmp_path / "x.pdf")]) == 1
    assert "the plan has several editions" in capsys.readouterr().err
    assert main(["pdf", str(SAMPLE), "--edition", "banker", "-o", str(tmp_path / "x.pdf")]) == 1
    err = capsys.readouterr().err
    assert "unknown edition `banker`" in err and "`investor`, `lender`, `internal`" in err
    assert main(["pdf", str(VI_PLAN), "-o", str(tmp_path / "v.pdf"), "--verbose"]) == 0
    err = capsys.readouterr().err
    assert "checking the plan" in err and "laying out the PDF: Hồ sơ vay vốn (1/1)" in err


def test_unknown_chapters_and_editions_are_errors(make_plan):
    from planbuilder.build import check

    folder = make_plan(
        {
            "plan.yaml": (
                "title: T\ncompany: C\neditions:\n  bank:\n    chapters: [summary, milestone]\n"
            ),
            "sections/01-summary.md": "---\neditions: [banker]\n---\nText\n",
        }
    )
    result = check(folder, today=TODAY)
    errors = [p for p in result.problems if p.is_error]
    messages = {(p.position.name, p.position.line, p.message, p.hint) for p in errors}
    assert (
        "plan.yaml",
        5,
        "edition `bank` names unknown chapter `milestone`",
        "did you mean `milestones`?",
    ) in messages
    assert any(m[2] == "section names unknown edition `banker`" for m in messages)


def test_an_edition_naming_a_chapter_kept_to_others_is_warned(make_plan, tmp_path):
    """The chapter's front matter wins (it stays out of the PDF); the author is told so at
    the edition's line instead of finding the chapter silently missing."""
    from planbuilder.build import check

    folder = make_plan(
        {
            "plan.yaml": "title: T\ncompany: C\neditions:\n  bank:\n    chapters: [risks]\n"
            "  team:\n    chapters: [all]\n",
            "sections/01-risks.md": "---\ntitle: Risks\neditions: [team]\n---\nText\n",
        }
    )
    found = [
        (p.position.name, p.position.line, p.message, p.hint)
        for p in check(folder, today=TODAY).problems
    ]
    assert found == [
        (
            "plan.yaml",
            5,
            "edition `bank` names chapter `risks`, which its front matter keeps to `team`: "
            "the edition leaves it out",
            "add `bank` to the chapter's `editions:`, or take the chapter out of this edition",
        )
    ]
    result = build(folder, tmp_path / "out", today=TODAY, edition="bank")
    bank = PdfReader(result.pdf_paths[0])
    assert "Risks" not in " ".join(text(bank, i) for i in range(len(bank.pages)))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pages_look_right(tmp_path, sample_build):
    """Cover is a dark full page; no page is blank; the expected number of pages."""
    lender = next(p for p in sample_build.pdf_paths if p.stem.endswith("lender"))
    count = len(PdfReader(lender).pages)
    subprocess.run(["pdftoppm", "-r", "12", "-gray", str(lender), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p-*.pgm"))
    assert len(images) == count

    def ink(path: Path) -> float:
        data = path.read_bytes()
        pixels = data[data.index(b"255\n") + 4 :]
        return sum(1 for b in pixels if b < 200) / len(pixels)

    assert ink(images[0]) > 0.5  # the cover is dark, not blank
    for image in images[1:]:
        assert ink(image) > 0.01, f"{image.name} is empty"


def test_table_of_contents_links_are_clickable(sample_pdfs):
    reader = sample_pdfs["investor"]
    annotations = [a.get_object() for a in reader.pages[1].get("/Annots", [])]
    links = [a for a in annotations if a["/Subtype"] == "/Link"]
    assert len(links) >= len(EXPECTED_CHAPTERS["investor"])
    assert all("/Dest" in a or "/A" in a for a in links)


def test_cover_carries_the_contact_details(sample_pdfs):
    cover = text(sample_pdfs["lender"], 0)
    for detail in ("maya@brightwater.example", "+1 555 0142", "118 Harbor Street, Lakeport"):
        assert detail in cover


def test_file_line_sources_only_in_the_internal_edition(sample_pdfs):
    def everything(name):
        reader = sample_pdfs[name]
        return " ".join(text(reader, i) for i in range(len(reader.pages)))

    assert "financials.yaml:" in everything("internal")
    assert "financials.yaml:" not in everything("investor")
    assert "financials.yaml:" not in everything("lender")
