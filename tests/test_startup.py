"""What a whole ``planbuilder build --no-pdf`` process loads and compiles.

Each build runs in a fresh interpreter (what a user's command is), which reports the
modules it ended up with and how many templates it compiled. Properties, not times:
``benchmarks/README.md`` has the times.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planbuilder.render.environment import SANDBOX_ALL_ENV, StrictSandbox, TemplateCodeCache
from tests.conftest import REPO, SAMPLE

#: Run in the child: count template compilations, build, report.
SCRIPT = """
import json, sys
import jinja2.environment

compiled = []
original = jinja2.environment.Environment.compile

def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
    compiled.append(name)
    return original(self, source, name, filename, raw, defer_init)

jinja2.environment.Environment.compile = compile

from planbuilder.cli import main

code = main(["build", "--no-pdf", "--quiet", sys.argv[1], "-o", sys.argv[2]])
print(json.dumps({"code": code, "modules": sorted(sys.modules), "compiled": compiled}))
"""

#: Loaded only to lay out or serve PDFs, or to start worker processes; planbuilder's own
#: PDF code (print documents, layout jobs, the PDF cache) too.
PDF_ONLY = (
    "weasyprint",
    "pypdf",
    "watchdog",
    "multiprocessing",
    "planbuilder.serve",
    "planbuilder.pdfcache",
    "planbuilder.render.pdf",
    "planbuilder.render.layout",
)


def build_process(plan: Path, out: Path, cache: Path, **env: str) -> dict:
    """Build ``plan`` into ``out`` in a new interpreter whose user cache is ``cache``."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(plan), str(out)],
        cwd=REPO,
        env={**os.environ, "XDG_CACHE_HOME": str(cache), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    return report


def site_bytes(out: Path) -> dict[str, bytes]:
    site = out / "site"
    return {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    root = tmp_path / "plan"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("_build"))
    return root


def test_a_build_without_pdf_loads_nothing_of_the_pdf_side(plan: Path, tmp_path: Path):
    report = build_process(plan, tmp_path / "out", tmp_path / "cache")
    loaded = [m for m in PDF_ONLY if m in report["modules"]]
    assert loaded == []
    # Loaded by the standard library's XML escape, which only ``planbuilder new`` uses.
    assert "urllib.request" not in report["modules"]
    assert (tmp_path / "out" / "site" / "index.html").is_file()


def test_a_second_build_compiles_no_template_and_gives_the_same_site(plan: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    first = build_process(plan, tmp_path / "one", cache)
    assert "base.html" in first["compiled"]
    assert list((cache / "planbuilder" / "templates").iterdir())
    second = build_process(plan, tmp_path / "two", cache)
    assert second["compiled"] == []
    assert site_bytes(tmp_path / "two") == site_bytes(tmp_path / "one")


def test_an_edited_template_is_compiled_again(plan: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    bundled = REPO / "themes" / "default" / "templates" / "team.html"
    override = plan / "theme" / "templates" / "team.html"
    override.parent.mkdir(parents=True)
    text = bundled.read_text(encoding="utf-8")
    override.write_text(text.replace("{% block content %}", "{% block content %}first-1", 1))
    build_process(plan, tmp_path / "one", cache)
    assert "first-1" in (tmp_path / "one" / "site" / "team.html").read_text()

    override.write_text(text.replace("{% block content %}", "{% block content %}second-2", 1))
    report = build_process(plan, tmp_path / "two", cache)
    assert report["compiled"] == ["team.html"]
    page = (tmp_path / "two" / "site" / "team.html").read_text()
    assert "second-2" in page
    assert "first-1" not in page


def test_code_compiled_without_the_sandbox_is_not_reused_under_it(plan: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    plain = build_process(plan, tmp_path / "one", cache)
    sandboxed = build_process(plan, tmp_path / "two", cache, **{SANDBOX_ALL_ENV: "1"})
    assert sorted(sandboxed["compiled"]) == sorted(plain["compiled"])


def test_the_cache_key_holds_the_policy_and_the_exact_source(tmp_path: Path):
    from jinja2 import Environment

    cache = TemplateCodeCache(str(tmp_path))
    source = "<p>{{ x }}</p>"

    def key(env, name="a.html", filename="/t/a.html", text=source) -> str:
        return cache.get_bucket(env, name, filename, text).key

    plain, strict = Environment(), StrictSandbox()
    assert key(plain) == key(Environment())
    assert key(plain) != key(strict)
    assert key(plain) != key(plain, text=source + " ")
    assert key(plain) != key(plain, filename="/u/a.html")
    assert key(plain) != key(plain, name="b.html")
    assert key(plain) != key(Environment(trim_blocks=True))


def test_a_cache_folder_that_cannot_be_written_only_means_compiling(plan: Path, tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    first = build_process(plan, tmp_path / "one", blocker)
    second = build_process(plan, tmp_path / "two", blocker)
    assert "base.html" in second["compiled"]
    assert len(second["compiled"]) == len(first["compiled"])
    assert site_bytes(tmp_path / "two") == site_bytes(tmp_path / "one")
