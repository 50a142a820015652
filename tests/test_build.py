"""One build path: ``build()`` with its options, the PDF cache, and the problem formatter,
end to end on plan folders in tmp_path."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import stat
from pathlib import Path

import pytest
from pypdf import PdfReader

from planbuilder.build import build, build_pdf, check
from planbuilder.cli import main
from planbuilder.diagnostics import problem_json, problem_text
from planbuilder.pdfcache import FolderCache
from tests.conftest import MINIMAL_PLAN, TODAY, TWO_EDITIONS

BROKEN_MILESTONES = """\
- id: shop
  title: Open the shop
  due: 2027-02-30
  budgte: 100
"""


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def pdf_text(path_or_bytes) -> str:
    import io

    source = path_or_bytes if isinstance(path_or_bytes, Path) else io.BytesIO(path_or_bytes)
    return " ".join(page.extract_text() for page in PdfReader(source).pages)


# -- the dev server's path: incremental section pages, full rebuilds ----------------------


def test_a_section_edit_renders_its_page_and_a_yaml_edit_the_yaml_pages(make_plan, tmp_path):
    plan = make_plan(
        {
            "sections/01-summary.md": "---\ntitle: Summary\n---\nFirst words.\n",
            "sections/02-notes.md": "---\ntitle: Notes\n---\nSome notes.\n",
            "team.yaml": "- {id: ada, name: Ada Lovelace, role: Founder}\n",
        }
    )
    first = build(plan, tmp_path / "gen-1", pdf=False, today=TODAY)
    assert first.ok and not first.incremental, first.problems
    summary = plan / "sections" / "01-summary.md"
    summary.write_text("---\ntitle: Summary\n---\nSecond words.\n")
    second = build(
        plan, tmp_path / "gen-2", pdf=False, today=TODAY, previous=first, changed={summary}
    )
    assert second.ok and second.incremental
    page = (second.site_dir / "sections" / "summary.html").read_text()
    assert "Second words." in page and "First words." not in page
    # Pages of other sections are carried over from the previous result as they were.
    notes = "sections/notes.html"
    assert second.site_files.files[notes] is first.site_files.files[notes]
    assert (second.site_dir / "static").is_dir()  # theme files carried over too

    team = plan / "team.yaml"
    team.write_text("- {id: ada, name: Ada King, role: Founder}\n")
    third = build(plan, tmp_path / "gen-3", pdf=False, today=TODAY, previous=second, changed={team})
    # A YAML edit renders the pages made from YAML; chapters keep theirs.
    assert third.ok and third.incremental
    assert "Ada King" in (third.site_dir / "team.html").read_text()
    assert third.site_files.files[notes] is second.site_files.files[notes]

    plan_yaml = plan / "plan.yaml"
    plan_yaml.write_text(plan_yaml.read_text().replace("A. Founder", "Ada"))
    fourth = build(
        plan, tmp_path / "gen-4", pdf=False, today=TODAY, previous=third, changed={plan_yaml}
    )
    assert fourth.ok and not fourth.incremental  # plan.yaml is in every page's footer
    assert fourth.site_files.files[notes] is not third.site_files.files[notes]


def test_a_build_with_problems_is_not_a_base_for_incremental_pages(make_plan, tmp_path):
    plan = make_plan(
        {
            "sections/01-summary.md": "First words, [a link](missing.md).\n",
            "sections/02-notes.md": "Notes.\n",
        }
    )
    first = build(plan, tmp_path / "gen-1", pdf=False, today=TODAY)
    assert first.problems  # the broken link is reported
    notes = plan / "sections" / "02-notes.md"
    notes.write_text("Other notes.\n")
    second = build(
        plan, tmp_path / "gen-2", pdf=False, today=TODAY, previous=first, changed={notes}
    )
    assert not second.incremental


def test_a_new_override_template_is_picked_up_by_the_next_build(make_plan, tmp_path):
    plan = make_plan(
        {"sections/01-summary.md": "Words.\n", "theme/templates/unused.html": "unused\n"}
    )
    first = build(plan, tmp_path / "gen-1", pdf=False, today=TODAY)
    assert first.ok
    # The bundled index.html is compiled and kept; a plan's own one must now win.
    override = plan / "theme" / "templates" / "index.html"
    override.write_text("<!DOCTYPE html><html><body><p>Our own dashboard</p></body></html>\n")
    second = build(
        plan, tmp_path / "gen-2", pdf=False, today=TODAY, previous=first, changed={override}
    )
    assert second.ok, second.problems
    assert "Our own dashboard" in (second.site_dir / "index.html").read_text()


def test_background_pdfs_arrive_in_memory_after_the_site(make_plan, tmp_path):
    plan = make_plan({"sections/01-summary.md": "Background words.\n"})
    out = tmp_path / "gen-1"
    result = build(plan, out, today=TODAY, background=True, pdf_href="_pdf/{edition}")
    assert result.ok
    assert not result.pdfs.done()  # the site did not wait for a worker to start and lay out
    assert (result.site_dir / "index.html").is_file()
    assert 'href="_pdf/' in (result.site_dir / "index.html").read_text()
    assert result.pdf_paths == () and not list(out.glob("*.pdf"))  # never written
    outcome = result.pdfs.result(timeout=120)
    [made] = outcome.pdfs
    assert made.data.startswith(b"%PDF-") and "Background words." in pdf_text(made.data)


# -- PDF reuse: keyed on what was rendered, kept where a plan cannot forge it -----------


def test_an_unchanged_second_build_does_no_pdf_work(make_plan, tmp_path, cache_home):
    plan = make_plan({"sections/01-summary.md": "Stable words.\n"})
    out = tmp_path / "out"
    first = build(plan, out, today=TODAY)
    assert first.ok and first.reused == ()
    second = build(plan, out, today=TODAY)
    assert second.reused == second.pdf_paths == first.pdf_paths
    assert second.pdf_path.read_bytes() == first.pdf_path.read_bytes()
    # The keys are in the user's cache folder, private, and not in the output.
    [record] = (cache_home / "planbuilder" / "pdf-keys").glob("*.json")
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert not [p for p in out.iterdir() if "keys" in p.name]
    (plan / "sections" / "01-summary.md").write_text("Changed words.\n")
    third = build(plan, out, today=TODAY)
    assert third.reused == ()
    assert "Changed words." in pdf_text(third.pdf_path)


def test_the_pdf_command_reuses_an_unchanged_pdf_too(make_plan):
    plan = make_plan({"sections/01-summary.md": "Words.\n"})
    first = build_pdf(plan, today=TODAY)
    assert first.ok and first.reused == ()
    second = build_pdf(plan, today=TODAY)
    assert second.reused == second.pdf_paths == first.pdf_paths


def test_a_shipped_build_folder_with_forged_keys_and_a_symlink_is_not_reused(make_plan, tmp_path):
    plan = make_plan({"sections/01-summary.md": "Honest words.\n"})
    # Learn the real key of this plan's PDF, as an attacker could by building it elsewhere.
    elsewhere = build(plan, tmp_path / "elsewhere", today=TODAY)
    name = elsewhere.pdf_path.name
    key = json.loads(next((tmp_path / "cache-home").rglob("*.json")).read_text())["pdfs"][name]
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.7\nSECRET CONTRACT TERMS\n%%EOF\n")
    os.utime(secret, (1_000_000, 2_000_000))  # atime before mtime: a read moves atime
    shipped = plan / "_build"
    shipped.mkdir()
    (shipped / ".planbuilder-output").write_text("x")
    (shipped / name).symlink_to(secret)
    forged = {name: key["key"], "pdfs": {name: {"key": key["key"], "sha256": "0" * 64}}}
    (shipped / ".planbuilder-pdf-keys.json").write_text(json.dumps(forged))

    control = tmp_path / "control.pdf"
    control.write_bytes(b"%PDF-1.7\n")
    os.utime(control, (1_000_000, 2_000_000))
    control.read_bytes()
    reads_move_atime = control.stat().st_atime != 1_000_000

    result = build(plan, today=TODAY)
    assert result.ok, result.problems
    assert result.reused == ()
    if reads_move_atime:  # so this file system can tell whether the secret was read
        assert secret.stat().st_atime == 1_000_000
    written = result.pdf_path.read_bytes()
    assert written.startswith(b"%PDF-") and b"SECRET CONTRACT TERMS" not in written
    assert "Honest words." in pdf_text(result.pdf_path)
    assert secret.read_bytes() == b"%PDF-1.7\nSECRET CONTRACT TERMS\n%%EOF\n"


def test_a_symlink_is_not_reused_even_when_its_bytes_match_the_record(make_plan, tmp_path):
    plan = make_plan({"sections/01-summary.md": "Words.\n"})
    out = tmp_path / "out"
    first = build(plan, out, today=TODAY)
    pdf = first.pdf_path
    copy = tmp_path / "outside.pdf"
    copy.write_bytes(pdf.read_bytes())
    pdf.unlink()
    pdf.symlink_to(copy)
    assert FolderCache(out).get(pdf.name, "any key") is None
    second = build(plan, out, today=TODAY)
    assert second.reused == ()
    assert not second.pdf_path.is_symlink()


def test_a_pdf_changed_after_it_was_written_is_laid_out_again(make_plan, tmp_path):
    plan = make_plan({"sections/01-summary.md": "Words.\n"})
    out = tmp_path / "out"
    first = build(plan, out, today=TODAY)
    first.pdf_path.write_bytes(b"%PDF-1.7\nsomething else\n")
    second = build(plan, out, today=TODAY)
    assert second.reused == ()
    assert (
        hashlib.sha256(second.pdf_path.read_bytes()).digest()
        != hashlib.sha256(b"%PDF-1.7\nsomething else\n").digest()
    )


def test_pdfs_are_laid_out_from_the_document_rendered_not_the_disk(make_plan, tmp_path):
    """A section saved while the PDFs are being laid out must not slip into them: each
    PDF matches its key, and the next build sees the change."""
    plan = make_plan(
        {
            "plan.yaml": TWO_EDITIONS,
            "sections/01-summary.md": "Words as rendered.\n",
            "sections/02-notes.md": "Notes.\n",
        }
    )
    summary = plan / "sections" / "01-summary.md"

    def edit_when_laying_out(message: str) -> None:
        if message.startswith("laying out"):
            summary.write_text("Words saved during the layout.\n")

    out = tmp_path / "out"
    first = build(plan, out, today=TODAY, progress=edit_when_laying_out)
    assert first.ok and len(first.pdf_paths) == 2
    for path in first.pdf_paths:
        text = pdf_text(path)
        assert "Words as rendered." in text and "saved during" not in text
    second = build(plan, out, today=TODAY)
    assert second.reused == ()
    assert all("Words saved during the layout." in pdf_text(p) for p in second.pdf_paths)


# -- check and the pdf command are uses of build() --------------------------------------


def test_check_writes_nothing_and_reports_print_template_problems(make_plan):
    plan = make_plan({"theme/templates/print.html": "<html>\n{{ nothing.here }}\n"})
    result = check(plan, today=TODAY)
    assert not result.ok
    assert any(p.position.line == 2 and "template error" in p.message for p in result.problems)
    assert not (plan / "_build").exists()


def test_the_pdf_command_with_several_editions_refuses_one_file(make_plan, tmp_path):
    plan = make_plan(
        {
            "plan.yaml": TWO_EDITIONS,
            "sections/01-summary.md": "Words.\n",
            "sections/02-notes.md": "Notes.\n",
        }
    )
    result = build_pdf(plan, tmp_path / "one.pdf", today=TODAY)
    assert not result.ok and "several editions" in result.problems[0].message
    assert not (tmp_path / "one.pdf").exists()
    short = build_pdf(plan, tmp_path / "one.pdf", today=TODAY, edition="short")
    assert short.ok and short.pdf_paths == ((tmp_path / "one.pdf").resolve(),)
    assert "Notes." not in pdf_text(short.pdf_path)


# -- one formatter for the terminal, JSON and the overlay --------------------------------


def test_overlay_and_check_show_the_same_problem_text(tmp_path, monkeypatch, capsys):
    from tests.test_serve import get, running, status

    plan = tmp_path / "p"
    plan.mkdir()
    (plan / "plan.yaml").write_text(MINIMAL_PLAN)
    (plan / "milestones.yaml").write_text(BROKEN_MILESTONES)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["check", "p"]) == 1
    printed = capsys.readouterr().err.splitlines()[:-1]  # the summary line is the CLI's own
    with running(plan, pdf=False) as dev:
        code, body, _ = get(dev, "/")
        problems = status(dev)["problems"]
    assert code == 503
    items = re.findall(r"<li [^>]*>(.*?)</li>", body.decode())
    shown = []
    for item in items:
        text = re.sub(r"<div[^>]*>", "\n    ", item)
        shown += html.unescape(re.sub(r"<[^>]+>", "", text)).splitlines()
    assert shown == printed
    assert (
        "p/milestones.yaml:3:8: error: `2027-02-30` is not a date: February 2027 has 28 days, "
        "not 30" in shown
    )
    assert "    hint: did you mean `budget`?" in shown
    first = next(p for p in problems if p["line"] == 3)
    assert first == {
        "file": "p/milestones.yaml",
        "line": 3,
        "column": 8,
        "severity": "error",
        "message": "`2027-02-30` is not a date: February 2027 has 28 days, not 30",
        "hint": first["hint"],
        "code": first["code"],
    }


def test_problem_json_works_with_string_and_path_files():
    from planbuilder.problems import Position, error

    for file in (Path("/elsewhere/plan.yaml"), "/elsewhere/plan.yaml"):
        found = problem_json(error("bad", Position(file, 4, 2), hint="fix it", code="x1"))
        assert found == {
            "file": "/elsewhere/plan.yaml",
            "line": 4,
            "column": 2,
            "severity": "error",
            "message": "bad",
            "hint": "fix it",
            "code": "x1",
        }


def test_terminal_colour_only_on_the_severity(tmp_path, monkeypatch):
    from planbuilder.problems import Position, warning

    monkeypatch.chdir(tmp_path)
    problem = warning("odd", Position(tmp_path / "goals.yaml", 2, 5), hint="look")
    assert problem_text(problem) == "goals.yaml:2:5: warning: odd\n    hint: look"
    assert problem_text(problem, color=True) == (
        "goals.yaml:2:5: \033[1;33mwarning\033[0m: odd\n    hint: look"
    )
