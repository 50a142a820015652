"""``planbuilder diff``: a semantic diff of a plan between git revisions, read without
touching the work tree or the index, and without running anything the repository names."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from planbuilder.cli import main
from planbuilder.diff import WORKTREE, GitError, diff_plan, render
from planbuilder.load import MAX_NODES, Limits, load, load_files
from tests.conftest import SAMPLE, TODAY, git

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

MILESTONES = """\
- id: web-shop
  title: Open the web shop
  due: 2027-03-31
  budget: 10000.00
  owner: ana
- id: tasting-room
  title: Open the tasting room
  due: 2027-09-30
  budget: 25000.00
  owner: ana
"""
TEAM = "- id: ana\n  name: Ana Founder\n"


def snapshot(folder: Path) -> dict[str, str]:
    """A hash of every file, `.git/index` included (the objects are left out: git may
    add none, but a read-only diff must not change the index or a single file)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and not relative.startswith(".git/objects/"):
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def two_commits(make_plan) -> Path:
    """A repository whose plan (in `plan/`) moved `tasting-room` by 45 days and raised the
    budget of `web-shop` in its second commit."""
    repo = make_plan({"plan/milestones.yaml": MILESTONES, "plan/team.yaml": TEAM}, name="repo")
    (repo / "plan.yaml").rename(repo / "plan" / "plan.yaml")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first plan")
    changed = MILESTONES.replace("due: 2027-09-30", "due: 2027-11-14").replace(
        "budget: 10000.00", "budget: 11200.00"
    )
    (repo / "plan" / "milestones.yaml").write_text(changed)
    git(repo, "commit", "-q", "-am", "slip the tasting room")
    return repo


def test_diff_reports_exactly_the_moved_milestone_and_the_changed_budget(two_commits: Path):
    before = snapshot(two_commits)
    result, failed = diff_plan(two_commits / "plan", "HEAD~1", "HEAD", today=TODAY)
    assert failed == []
    assert [(c.area, c.key, c.field, c.before, c.after, c.delta) for c in result.changes] == [
        ("milestone", "web-shop", "budget", "10,000.00", "11,200.00", "+1,200.00, +12.0%"),
        ("milestone", "tasting-room", "due", "2027-09-30", "2027-11-14", "+45 days"),
    ]
    assert snapshot(two_commits) == before  # work tree and .git/index byte for byte


def test_diff_defaults_to_head_against_the_working_tree(two_commits: Path, capsys):
    plan = two_commits / "plan"
    result, _ = diff_plan(plan, today=TODAY)
    assert result.changes == ()
    (plan / "milestones.yaml").write_text(MILESTONES.replace("  owner: ana\n- id", "- id", 1))
    result, _ = diff_plan(plan, "HEAD", WORKTREE, today=TODAY)
    assert [(c.key, c.field, c.before, c.after) for c in result.changes] == [
        ("web-shop", "budget", "11,200.00", "10,000.00"),
        ("web-shop", "owner", "ana", None),
        ("tasting-room", "due", "2027-11-14", "2027-09-30"),
    ]
    assert main(["diff", "HEAD~1", "HEAD", str(plan)]) == 0
    out = capsys.readouterr().out
    assert "Open the tasting room (tasting-room) due: 2027-09-30 → 2027-11-14 (+45 days)" in out


def test_added_and_removed_milestones_and_the_three_formats(two_commits: Path, capsys):
    plan = two_commits / "plan"
    (plan / "milestones.yaml").write_text(
        MILESTONES.split("- id: tasting-room")[0]
        + "- id: pop-up\n  title: Run a pop-up *shop*\n  due: 2027-05-01\n"
    )
    assert main(["diff", "HEAD", str(plan), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["before"], document["after"]) == ("HEAD", WORKTREE)
    kinds = {(c["kind"], c["id"]) for c in document["changes"]}
    assert {("added", "pop-up"), ("removed", "tasting-room")} <= kinds
    assert main(["diff", "HEAD", str(plan), "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("### Plan changes from HEAD to WORKTREE")
    # plan text is shown, not interpreted, in a pull-request comment
    assert "- added Run a pop-up \\*shop\\* (pop-up): due 2027-05-01" in markdown


def sample_repo(make_plan) -> Path:
    """The sample plan, committed in a repository of its own."""
    repo = make_plan({"plan.yaml": (SAMPLE / "plan.yaml").read_text()}, name="repo")
    for path in SAMPLE.iterdir():
        target = repo / path.name
        if path.is_dir():
            shutil.copytree(path, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(path, target)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "sample")
    return repo


def test_headline_figures_and_funding_move(make_plan):
    repo = sample_repo(make_plan)
    fin = repo / "financials.yaml"
    fin.write_text(fin.read_text().replace("principal: 60000.00", "principal: 75000.00"))
    result, failed = diff_plan(repo, today=TODAY)
    assert failed == []
    loan = [c for c in result.changes if c.area == "funding"]
    assert [(c.key, c.field, c.before, c.after) for c in loan] == [
        ("Equipment loan", "principal", "60,000.00", "75,000.00")
    ]
    figures = {c.key for c in result.changes if c.area == "figure"}
    # more interest every year, so lower profit and a lower debt-service coverage;
    # revenue and the lowest cash (before the loan arrives) stay as they were
    assert figures == {"net-profit-year-1", "net-profit-year-2", "net-profit-year-3", "dscr"}
    dscr = next(c for c in result.changes if c.key == "dscr")
    assert dscr.delta.startswith("-")


def test_every_kind_of_funding_change(make_plan):
    repo = sample_repo(make_plan)
    fin = repo / "financials.yaml"
    text = fin.read_text()
    tasting = text.index("    - id: tasting-room-loan")
    text = text[:tasting] + text[text.index("      grace_months: 6\n", tasting) + 21 :]
    text = text.replace("rate: 7.25 ", "rate: 7.5 ").replace(
        "term_months: 60\n      start: 2026-02", "term_months: 60\n      start: 2026-04"
    )
    text = text.replace("amount: 40000.00, month: 2026-02", "amount: 45000.00, month: 2026-02")
    text = text.replace(
        "  loans:\n    - id: equipment-loan",
        "    - {amount: 10000.00, month: 2026-06, investor: Angel}\n"
        "  loans:\n    - {name: Oven loan, principal: 12000.00, rate: 8, term_months: 36,"
        " start: 2026-09}\n    - id: equipment-loan",
    )
    fin.write_text(text)
    result, failed = diff_plan(repo, today=TODAY)
    assert failed == []
    funding = [
        (c.kind, c.key, c.title, c.field, c.before, c.after, c.delta)
        for c in result.changes
        if c.area == "funding"
    ]
    assert funding == [
        ("added", "Oven loan", "Oven loan", "principal", None, "12,000.00", ""),
        ("removed", "Tasting room loan", "Tasting room loan", "principal", "80,000.00", None, ""),
        ("changed", "Equipment loan", "Equipment loan", "rate", "7.25", "7.5", ""),
        (
            "changed",
            "Equipment loan",
            "Equipment loan",
            "start",
            "2026-02",
            "2026-04",
            "+2 months",
        ),
        ("added", "Angel 2026-06", "Equity: Angel 2026-06", "amount", None, "10,000.00", ""),
        (
            "changed",
            "Founders 2026-02",
            "Equity: Founders 2026-02",
            "amount",
            "40,000.00",
            "45,000.00",
            "+5,000.00, +12.5%",
        ),
    ]


def test_not_a_repository_is_a_clear_error(make_plan, capsys):
    plan = make_plan()
    assert main(["diff", str(plan)]) == 1
    err = capsys.readouterr().err
    assert "error: not inside a git repository" in err


def test_a_revision_that_does_not_validate_shows_its_problems(two_commits: Path, capsys):
    plan = two_commits / "plan"
    (plan / "milestones.yaml").write_text(MILESTONES.replace("due: 2027-03-31", "due: soon"))
    git(two_commits, "commit", "-q", "-am", "broken")
    assert main(["diff", "HEAD~1", "HEAD", str(plan)]) == 1
    err = capsys.readouterr().err
    assert "the plan at HEAD does not validate" in err
    assert "milestones.yaml:3:" in err
    assert main(["diff", "no-such-rev", str(plan)]) == 1
    assert "unknown revision `no-such-rev`" in capsys.readouterr().err


def test_a_booby_trapped_repository_fires_nothing(two_commits: Path, tmp_path: Path):
    (two_commits / ".gitattributes").write_text("*.yaml filter=x diff=x\n")
    git(two_commits, "add", ".gitattributes")
    git(two_commits, "commit", "-q", "-m", "attributes")
    traps = {
        "core.fsmonitor": f"touch {tmp_path}/TRAPPED-fsmonitor; echo",
        "filter.x.clean": f"touch {tmp_path}/TRAPPED-clean; cat",
        "filter.x.smudge": f"touch {tmp_path}/TRAPPED-smudge; cat",
        "diff.x.textconv": f"touch {tmp_path}/TRAPPED-textconv; cat",
        "core.pager": f"touch {tmp_path}/TRAPPED-pager; cat",
    }
    for key, value in traps.items():
        git(two_commits, "config", key, value)
    plan = two_commits / "plan"
    (plan / "team.yaml").write_text(TEAM + "- id: ben\n  name: Ben\n")  # stat-dirty, changed
    before = snapshot(two_commits)
    result, failed = diff_plan(plan, "HEAD~2", WORKTREE, today=TODAY)
    assert failed == [] and len(result.changes) == 2
    assert main(["diff", "HEAD~2", "HEAD", str(plan), "--format", "markdown"]) == 0
    assert sorted(p.name for p in tmp_path.glob("TRAPPED-*")) == []
    assert snapshot(two_commits) == before


def test_load_files_reads_a_plan_in_memory_as_load_reads_the_folder():
    files = {
        path.relative_to(SAMPLE).as_posix(): path.read_bytes()
        for path in SAMPLE.rglob("*")
        if path.is_file()
    }
    from_memory = load_files(files, SAMPLE)
    from_disk = load(SAMPLE)
    assert from_memory.problems == from_disk.problems == ()
    assert from_memory.plan == from_disk.plan
    assert from_memory.parts == from_disk.parts
    assert from_memory.sections == from_disk.sections
    assert from_memory.kpi_csvs == from_disk.kpi_csvs
    assert sorted(from_memory.assets) == sorted(from_disk.assets)


def test_render_says_when_nothing_changed(two_commits: Path):
    result, _ = diff_plan(two_commits / "plan", "HEAD", "HEAD", today=TODAY)
    assert render(result) == (
        "Plan changes from HEAD to HEAD\n\n"
        "No changes to chapters, milestones, goals, KPIs, funding or headline figures.\n"
    )


def test_build_changes_since_marks_what_changed_on_the_site(two_commits: Path, tmp_path: Path):
    plan = two_commits / "plan"
    out = tmp_path / "site-out"
    before = snapshot(two_commits)
    assert main(["build", str(plan), "--no-pdf", "-o", str(out), "--changes-since", "HEAD~1"]) == 0
    site = out / "site"
    table = (site / "milestones.html").read_text("utf-8")
    rows = {row.split('"')[0]: row for row in table.split('<tr id="milestone-')[1:]}
    assert "status-changed" in rows["tasting-room"] and "status-changed" in rows["web-shop"]
    page = (site / "changes.html").read_text("utf-8")
    assert "Changes since HEAD~1" in page
    assert "Open the tasting room (tasting-room) due: 2027-09-30 → 2027-11-14 (+45 days)" in page
    assert 'href="changes.html"' in (site / "index.html").read_text("utf-8")  # in the navigation
    assert snapshot(two_commits) == before
    # an ordinary build has neither the badges nor the page
    assert main(["build", str(plan), "--no-pdf", "-o", str(out)]) == 0
    assert "status-changed" not in (site / "milestones.html").read_text("utf-8")
    assert not (site / "changes.html").exists()


def test_changes_since_an_unknown_revision_fails_the_build(two_commits: Path, tmp_path, capsys):
    out = tmp_path / "site-out"
    args = ["build", str(two_commits / "plan"), "--no-pdf", "-o", str(out)]
    assert main([*args, "--changes-since", "v9"]) == 1
    assert "--changes-since v9: unknown revision `v9`" in capsys.readouterr().err
    assert not out.exists()


def test_only_plan_files_are_read_from_git_and_a_huge_one_is_refused(two_commits: Path):
    plan = two_commits / "plan"
    (plan / "assets").mkdir()
    (plan / "assets" / "film.mp4").write_bytes(b"\0" * (6 * 1024 * 1024))  # never read
    git(two_commits, "add", ".")
    git(two_commits, "commit", "-q", "-m", "a large asset")
    result, failed = diff_plan(plan, "HEAD~1", "HEAD", today=TODAY)
    assert failed == [] and result.changes == ()
    (plan / "team.yaml").write_text("# padding\n" * 600_000)  # over the loader's 5 MiB
    git(two_commits, "commit", "-q", "-am", "a huge team file")
    with pytest.raises(GitError, match=r"`plan/team.yaml` at `HEAD` is larger than"):
        diff_plan(plan, "HEAD~1", "HEAD", today=TODAY)


def test_build_changes_since_marks_an_edited_chapter_and_only_it(make_plan, tmp_path: Path):
    repo = make_plan(
        {
            "sections/01-kept.md": "---\ntitle: Kept\n---\nThe same words.\n",
            "sections/02-edited.md": "---\ntitle: Edited\n---\nFirst words.\n",
        },
        name="repo",
    )
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first plan")
    (repo / "sections" / "02-edited.md").write_text("---\ntitle: Edited\n---\nNew words.\n")
    git(repo, "commit", "-q", "-am", "edit a chapter")
    out = tmp_path / "site-out"
    assert main(["build", str(repo), "--no-pdf", "-o", str(out), "--changes-since", "HEAD~1"]) == 0
    sections = out / "site" / "sections"
    edited = (sections / "edited.html").read_text("utf-8")
    assert '<h1>Edited <a class="status status-changed" href="../changes.html"' in edited
    assert "status-changed" not in (sections / "kept.html").read_text("utf-8")
    assert main(["build", str(repo), "--no-pdf", "-o", str(out)]) == 0
    assert "status-changed" not in (sections / "edited.html").read_text("utf-8")


def test_both_revisions_are_read_within_the_limits_given(make_plan):
    """The limits of the person running planbuilder reach the revision read from git too:
    one byte under the sample's financials refuses that file at HEAD, and exactly its
    size reads both revisions."""
    repo = sample_repo(make_plan)
    size = (repo / "financials.yaml").stat().st_size
    with pytest.raises(GitError, match=f"`financials.yaml` at `HEAD` is larger than {size - 1}"):
        diff_plan(repo, today=TODAY, limits=Limits(size - 1, MAX_NODES))
    result, failed = diff_plan(repo, today=TODAY, limits=Limits(size, MAX_NODES))
    assert failed == [] and result.changes == ()


def test_max_file_mib_reaches_diff_and_changes_since(make_plan, capsys, tmp_path):
    """``--max-file-mib`` is the reader's own limit: it reaches the revision read from git,
    for ``diff`` and for ``build --changes-since``, as it reaches the folder on disk."""
    repo = sample_repo(make_plan)
    notes = repo / "milestones.yaml"
    notes.write_text(notes.read_text() + "# " + "x" * (5 * 2**20 + 10) + "\n")
    git(repo, "commit", "-q", "-am", "a long comment")
    assert main(["diff", "HEAD", str(repo)]) == 1
    assert "is larger than 5242880 bytes" in capsys.readouterr().err
    assert main(["diff", "HEAD", str(repo), "--max-file-mib", "6"]) == 0
    assert "No changes" in capsys.readouterr().out
    out = tmp_path / "site"
    args = ["build", str(repo), "--no-pdf", "-o", str(out), "--changes-since", "HEAD"]
    assert main([*args, "--max-file-mib", "6"]) == 0
