"""A large site's chapters rendered in two processes: the same bytes and problems as in one.

Each build runs in a fresh interpreter: the fork is only allowed in a process without
other threads, which the test process may have (the dev server's tests).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from .conftest import SAMPLE

# The threshold lowered so that a small plan forks. What the forked process returned is
# counted, so a test cannot pass by the parent quietly rendering everything itself; and
# the parent's other pages and the child's chapters are slowed down, so that each of
# them renders some of the chapters whatever the machine's load.
PRELUDE = """\
import os
import sys
import time
from planbuilder.render import site

site.FORK_MIN_CHAPTERS = 0
PARENT = os.getpid()
_render = site.render_template


def slowed(env, name, context):
    chapter = context["page"].id.startswith("section:")
    if os.getpid() == PARENT and not chapter:
        time.sleep(0.05)
    elif os.getpid() != PARENT:
        time.sleep(0.1)
    return _render(env, name, context)


site.render_template = slowed
returned = []
_result = site.Forked.result


def result(self):
    value = _result(self)
    returned.append(value)
    return value


site.Forked.result = result


def forked_pages():
    return [len(v.pages) if v is not None else -1 for v in returned]
"""


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1800000000"}
    return subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _plan(tmp_path: Path, images: bool = True) -> Path:
    """The sample plan with 12 more chapters, some with a broken link (a warning) or a
    missing image (an error)."""
    plan = tmp_path / "plan"
    shutil.copytree(SAMPLE, plan, ignore=shutil.ignore_patterns("_build"))
    for i in range(12):
        image = f" and ![a chart](assets/none-{i}.png)" if images else ""
        broken = f"See [the annex](annex-{i}.md){image}.\n" * (i % 3)
        (plan / "sections" / f"{20 + i:02}-extra-{i:02}.md").write_text(
            f"---\ntitle: Extra chapter {i}\n---\n# Extra {i}\n\nText with **bold** {i}.\n\n"
            f"| a | b |\n|---|---|\n| {i} | {i * 2} |\n\n{broken}",
            encoding="utf-8",
        )
    return plan


def test_forked_chapters_give_the_same_files_and_problems_in_the_same_order(tmp_path: Path):
    plan = _plan(tmp_path)
    done = _run(
        """
        import datetime as dt
        from planbuilder.build import prepare

        prepared = prepare(sys.argv[1], today=dt.date(2027, 6, 30))
        runs = [
            site.render_site(prepared.report, prepared.theme, root=prepared.root, fork=fork)
            for fork in (False, True)
        ]
        (one, one_problems), (two, two_problems) = runs
        assert list(one.files) == list(two.files), "the files differ"
        for name, content in one.files.items():
            assert two.files[name] == content, name
        assert one_problems == two_problems, (one_problems, two_problems)
        print("problems", len(one_problems), "files", len(one.files), "forked", forked_pages())
        """,
        str(plan),
    )
    assert done.returncode == 0, done.stderr
    words = done.stdout.split()
    assert int(words[1]) >= 8  # the broken links and images of both halves
    # One fork, whose process returned the pages of some of the 20 chapters, not all.
    assert words[-1].startswith("[") and 0 < int(words[-1].strip("[]")) < 20


def test_build_forks_unless_jobs_is_1_and_writes_the_same_site(tmp_path: Path):
    plan = _plan(tmp_path, images=False)
    script = """
        from planbuilder.cli import main

        code = main(sys.argv[1:])
        print("forked", forked_pages(), file=sys.stderr)
        sys.exit(code)
        """
    outputs = {}
    for name, extra in (("one", ["--jobs", "1"]), ("two", [])):
        out = tmp_path / name
        done = _run(script, "build", str(plan), "-o", str(out), "--no-pdf", *extra)
        assert done.returncode == 0, done.stderr
        lines = done.stderr.splitlines()
        outputs[name] = (out / "site", lines[:-1])
        forked = lines[-1]
        if name == "one":
            assert forked == "forked []"
        else:
            assert forked.startswith("forked [") and 0 < int(forked[8:-1]) < 20
    (one, one_err), (two, two_err) = outputs["one"], outputs["two"]
    assert one_err == two_err and any("annex-1.md" in line for line in one_err)
    names = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    for name in names:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
