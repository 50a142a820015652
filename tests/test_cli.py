"""End to end: the planbuilder command on real plan folders in tmp_path."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from planbuilder import __version__
from planbuilder.cli import main
from planbuilder.scaffold import create_plan
from tests.conftest import MINIMAL_PLAN, SAMPLE, write_files

BROKEN_MILESTONES = """\
- id: shop
  title: Open the shop
  due: 2027-02-30
  budgte: 100
- id: ads
  title: Run ads
  due: 2027-03-01
  owner: nobody
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "planbuilder", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_version_and_help():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"planbuilder {__version__}"
    for command in ("check", "build", "pdf", "new"):
        helped = run(command, "--help")
        assert helped.returncode == 0
        assert "example:" in helped.stdout and f"planbuilder {command}" in helped.stdout


def test_unknown_command_is_a_usage_error():
    assert run("bulid", "x").returncode == 2


def test_check_reports_every_problem_with_lines_and_exits_1(tmp_path: Path):
    plan = write_files(
        tmp_path / "p", {"plan.yaml": MINIMAL_PLAN, "milestones.yaml": BROKEN_MILESTONES}
    )
    result = run("check", str(plan), cwd=tmp_path)
    assert result.returncode == 1
    err = result.stderr
    assert (
        "p/milestones.yaml:3:8: error: `2027-02-30` is not a date: February 2027 has 28 days" in err
    )
    assert "p/milestones.yaml:4:3: error: unknown field `budgte` in milestone" in err
    assert "    hint: did you mean `budget`?" in err
    assert "p/milestones.yaml:8:10: error: unknown team member `nobody`" in err
    assert "3 errors" in err
    assert "Traceback" not in err


def test_check_clean_plan_exits_0(capsys):
    from tests.conftest import SAMPLE

    assert main(["check", str(SAMPLE), "--strict"]) == 0
    assert "plan is valid" in capsys.readouterr().out


def test_warnings_fail_only_with_strict(tmp_path: Path, capsys):
    plan = write_files(
        tmp_path / "p",
        {
            "plan.yaml": MINIMAL_PLAN,
            "milestones.yaml": "- {id: a, title: A, due: 2027-01-01, actual_cost: 5}\n",
        },
    )
    assert main(["check", str(plan)]) == 0
    assert (
        "warning: milestone `a` has an `actual_cost` but no `done` date" in capsys.readouterr().err
    )
    assert main(["check", str(plan), "--strict"]) == 1
    assert "error: milestone `a` has an `actual_cost`" in capsys.readouterr().err


def test_build_writes_site_and_pdf_into_plan_build(sample_copy: Path):
    result = run("build", str(sample_copy))
    assert result.returncode == 0, result.stderr
    out = sample_copy / "_build"
    assert (out / "site" / "index.html").is_file()
    pdfs = sorted(out.glob("*.pdf"))
    stem = "brightwater-coffee-roasters-llc-growth-plan-2026-2027"
    assert [p.name for p in pdfs] == [f"{stem}-{e}.pdf" for e in ("internal", "investor", "lender")]
    assert all(p.read_bytes().startswith(b"%PDF-") for p in pdfs)
    # The output folder inside the plan is never read back as a source.
    again = run("check", str(sample_copy), "--strict")
    assert again.returncode == 0, again.stderr


def test_failed_build_leaves_previous_output_untouched(tmp_path: Path, capsys):
    plan = write_files(tmp_path / "p", {"plan.yaml": MINIMAL_PLAN, "sections/a.md": "First text\n"})
    out = tmp_path / "out"
    assert main(["build", str(plan), "-o", str(out), "--no-pdf"]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (plan / "sections" / "a.md").write_text("Second text\n")
    (plan / "milestones.yaml").write_text(BROKEN_MILESTONES)
    assert main(["build", str(plan), "-o", str(out), "--no-pdf"]) == 1
    assert "previous output left untouched" in capsys.readouterr().err
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no staging left


def test_successful_rebuild_replaces_stale_files(tmp_path: Path):
    plan = write_files(tmp_path / "p", {"plan.yaml": MINIMAL_PLAN, "sections/old.md": "Old\n"})
    out = tmp_path / "out"
    assert main(["build", str(plan), "-o", str(out), "--no-pdf"]) == 0
    (plan / "sections" / "old.md").rename(plan / "sections" / "new.md")
    assert main(["build", str(plan), "-o", str(out), "--no-pdf"]) == 0
    assert (out / "site" / "sections" / "new.html").is_file()
    assert not (out / "site" / "sections" / "old.html").exists()


def test_build_refuses_a_foreign_non_empty_folder(tmp_path: Path, capsys):
    plan = write_files(tmp_path / "p", {"plan.yaml": MINIMAL_PLAN})
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    assert main(["build", str(plan), "-o", str(out), "--no-pdf"]) == 1
    assert "was not made by planbuilder; refusing to overwrite it" in capsys.readouterr().err
    assert (out / "thesis.docx").read_text() == "precious"


def test_build_refuses_to_write_over_the_plan(tmp_path: Path, capsys):
    plan = write_files(tmp_path / "p", {"plan.yaml": MINIMAL_PLAN})
    assert main(["build", str(plan), "-o", str(plan / "sections" / "out")]) == 1
    assert main(["build", str(plan), "-o", str(tmp_path)]) == 1
    assert (plan / "plan.yaml").is_file()


def test_pdf_command_writes_one_file(tmp_path: Path, capsys):
    plan = write_files(tmp_path / "p", {"plan.yaml": MINIMAL_PLAN, "sections/a.md": "# Hello\n"})
    target = tmp_path / "plan.pdf"
    assert main(["pdf", str(plan), "-o", str(target)]) == 0
    assert target.read_bytes().startswith(b"%PDF-")
    assert set(tmp_path.iterdir()) == {plan, target}  # no temporary file left behind
    not_pdf = tmp_path / "notes.txt"
    not_pdf.write_text("keep me")
    assert main(["pdf", str(plan), "-o", str(not_pdf)]) == 1
    assert not_pdf.read_text() == "keep me"


def test_pdf_then_build_share_the_default_folder(tmp_path: Path):
    plan = write_files(tmp_path / "p", {"plan.yaml": MINIMAL_PLAN})
    assert main(["pdf", str(plan)]) == 0
    assert main(["build", str(plan), "--no-pdf"]) == 0


def test_new_scaffolds_a_plan_that_passes_strict_check(tmp_path: Path, capsys):
    target = tmp_path / "my-plan"
    assert main(["new", str(target), "--company", 'Ada "Quotes": & Co']) == 0
    assert main(["check", str(target), "--strict"]) == 0
    assert (target / "sections" / "01-executive-summary.md").is_file()
    assert 'company: "Ada \\"Quotes\\": & Co"' in (target / "plan.yaml").read_text()
    assert main(["new", str(target)]) == 1  # never overwrites
    assert "not empty" in capsys.readouterr().err


def test_scaffold_builds(tmp_path: Path):
    import datetime as dt

    from planbuilder.build import build

    plan = create_plan(tmp_path / "p", today=dt.date(2027, 1, 10))
    result = build(plan, today=dt.date(2027, 1, 10))
    assert result.ok, result.problems
    assert result.pdf_path.is_file()


def test_missing_plan_folder(tmp_path: Path, capsys):
    assert main(["check", str(tmp_path / "nope")]) == 1
    assert "plan folder not found" in capsys.readouterr().err


@pytest.mark.parametrize("entry", [["-m", "planbuilder"]])
def test_module_entry_point_matches_console_script(entry):
    result = subprocess.run([sys.executable, *entry, "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "usage: planbuilder" in result.stdout


def test_check_finds_mistakes_in_a_print_template_override(tmp_path: Path, capsys):
    plan = write_files(
        tmp_path / "p",
        {"plan.yaml": MINIMAL_PLAN, "theme/templates/print.html": "<html>\n{{ nothing.here }}\n"},
    )
    assert main(["check", str(plan)]) == 1
    err = capsys.readouterr().err
    assert "print.html:2:1: error: template error" in err


def test_no_arguments_prints_the_help_and_exits_0():
    result = run()
    assert result.returncode == 0
    assert "usage: planbuilder" in result.stdout
    assert "reference" in result.stdout and "new" in result.stdout
    assert result.stderr == ""


def test_choices_take_any_letter_case(tmp_path: Path):
    plan = create_plan(tmp_path / "p")
    for paper in ("a4", "LETTER"):
        result = run("build", str(plan), "--no-pdf", "--paper", paper, "-q")
        assert result.returncode == 0, result.stderr
    assert run("build", str(plan), "--no-pdf", "--paper", "a5").returncode == 2


def test_progress_prints_one_line_per_phase_when_not_on_a_terminal(tmp_path: Path):
    plan = create_plan(tmp_path / "p")
    result = run("build", str(plan), "--no-pdf")
    assert result.returncode == 0, result.stderr
    phases = result.stderr.splitlines()
    assert len(phases) >= 3, phases
    assert len(set(phases)) == len(phases)  # each phase once, not a stream of updates
    assert any("writing" in line for line in phases)
    quiet = run("build", str(plan), "--no-pdf", "-q")
    assert quiet.stderr == ""


def test_only_the_processs_own_command_line_freezes_the_collector(tmp_path: Path):
    # A caller of main(argv) keeps its collector as it was; `python -m planbuilder` freezes
    # what it holds as it ends (faster exit) and still writes its output.
    before = gc.get_freeze_count()
    assert main(["check", str(SAMPLE)]) == 0
    assert gc.get_freeze_count() == before
    script = (
        "import gc, sys\n"
        "from planbuilder.cli import main\n"
        "code = main()\n"
        "print(code, gc.get_freeze_count() > 0)\n"
    )
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", script, "build", "--no-pdf", str(SAMPLE), "-o", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines()[-1] == "0 True"
    assert (out / "site" / "index.html").is_file()
