"""`build` shows each edition's pages as they are laid out, also from worker processes."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import TWO_EDITIONS

PAGE_BREAKS = "\n\n".join(f"<p style='break-before: page'>Part {n}.</p>" for n in range(1, 4))


def two_edition_plan(make_plan) -> Path:
    return make_plan(
        {
            "plan.yaml": TWO_EDITIONS,
            "sections/01-summary.md": "---\ntitle: Summary\n---\nWe roast coffee.\n",
            "sections/02-notes.md": f"---\ntitle: Notes\n---\n{PAGE_BREAKS}\n",
        }
    )


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    return {**env, "XDG_CACHE_HOME": str(tmp_path / "cache"), "TERM": "xterm"}


def run_on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run a command with stdout and stderr on a pseudo-terminal; its exit code and output."""
    leader, follower = pty.openpty()
    child = subprocess.Popen(args, stdout=follower, stderr=follower, stdin=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's last writer is gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return child.wait(timeout=300), b"".join(chunks).decode("utf-8")


def test_two_workers_count_each_editions_pages_on_a_terminal(make_plan, tmp_path):
    plan = two_edition_plan(make_plan)
    args = [sys.executable, "-m", "planbuilder", "build", str(plan), "-o", str(tmp_path / "out")]
    code, screen = run_on_terminal([*args, "--jobs", "2"], environment(tmp_path))
    assert code == 0, screen
    short = "laying out the PDF: Short edition (1/2)"
    long = "laying out the PDF: Long edition (2/2)"
    # Each edition has its own line, counting its pages as its worker lays them out.
    for label in (short, long):
        assert f"{label} · page 1…" in screen
    counts = {
        label: [int(n) for n in re.findall(re.escape(label) + r" · page (\d+)…", screen)]
        for label in (short, long)
    }
    for pages in counts.values():
        assert pages == list(range(1, len(pages) + 1))  # counting up, one page at a time
    assert len(counts[long]) > len(counts[short])  # the notes' page breaks
    # The first edition's line is above the second's: its count goes up a line and back.
    assert f"\033[1A\r\033[K{short} · page 1…\033[1B\r" in screen


def test_off_a_terminal_each_phase_is_one_plain_line(make_plan, tmp_path):
    plan = two_edition_plan(make_plan)
    args = [sys.executable, "-m", "planbuilder", "build", str(plan), "-o", str(tmp_path / "out")]
    done = subprocess.run(
        [*args, "--jobs", "2"], capture_output=True, env=environment(tmp_path), check=True
    )
    err = done.stderr.decode("utf-8")
    assert "\r" not in err and "\033" not in err
    lines = err.splitlines()
    assert "laying out the PDF: Short edition (1/2)…" in lines
    assert "laying out the PDF: Long edition (2/2)…" in lines
    assert not any("page" in line for line in lines)
