"""Shared fixtures: plan folders written into tmp_path, and the sample plan built once."""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from planbuilder.build import BuildResult, build
from planbuilder.diagnostics import problem_text

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample-plan"

#: A fixed "today" so that tests never depend on the day they run.
TODAY = dt.date(2027, 6, 30)

MINIMAL_PLAN = """\
title: Growth plan 2027
company: Example Studio LLC
author: A. Founder
date: 2027-01-15
as_of: 2027-06-30
locale: en_US
currency: USD
"""

#: The minimal plan with two PDF editions, of the sections `summary` and `notes`.
TWO_EDITIONS = (
    MINIMAL_PLAN
    + """\
editions:
  short:
    title: Short edition
    chapters: [summary]
  long:
    title: Long edition
    chapters: [summary, notes]
"""
)


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: dedented text}`` under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture(scope="session", autouse=True)
def private_cache_home(tmp_path_factory: pytest.TempPathFactory):
    """PDF reuse records go to a cache folder of the test session, never the real home."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))
        yield


def git(folder: Path, *args: str) -> str:
    """Run git in ``folder`` with a fixed author and date; its output, stripped."""
    import os
    import subprocess

    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_DATE": "2027-02-03T04:05:06Z",
        "GIT_AUTHOR_DATE": "2027-02-03T04:05:06Z",
    }
    done = subprocess.run(
        ["git", "-C", str(folder), *args], check=True, env=env, capture_output=True, text=True
    )
    return done.stdout.strip()


@pytest.fixture
def make_plan(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``make_plan({"goals.yaml": "..."})`` → a plan folder (plan.yaml added if absent)."""
    counter = iter(range(1000))

    def make(files: dict[str, str] | None = None, name: str | None = None) -> Path:
        files = dict(files or {})
        files.setdefault("plan.yaml", MINIMAL_PLAN)
        return write_files(tmp_path / (name or f"plan{next(counter)}"), files)

    return make


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A private copy of the sample plan that a test may edit."""
    target = tmp_path / "sample-plan"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("_build"))
    return target


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The sample plan built once per session (site and PDF)."""
    out = tmp_path_factory.mktemp("sample-build") / "out"
    result = build(SAMPLE, out, today=TODAY)
    assert result.ok, "\n".join(problem_text(p) for p in result.problems)
    return result


@pytest.fixture(scope="session")
def spanish_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The sample plan in Spanish (locale es_ES, amounts in EUR), its PDFs built once per
    session: longer words than English, in the same layout."""
    root = tmp_path_factory.mktemp("spanish") / "sample-es"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("_build"))
    plan = root / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    spanish = text.replace("\nlocale: en_US ", "\nlocale: es_ES ").replace(
        "\ncurrency: USD ", "\ncurrency: EUR "
    )
    assert spanish.count("es_ES") == 1 and spanish.count("currency: EUR") == 1
    plan.write_text(spanish, encoding="utf-8")
    result = build(root, root.parent / "out", today=TODAY, site=False)
    assert result.ok, "\n".join(problem_text(p) for p in result.problems)
    return result


@pytest.fixture(scope="session")
def sample_site(sample_build: BuildResult) -> Path:
    return sample_build.site_dir


@pytest.fixture(scope="session")
def sample_pdfs(sample_build: BuildResult) -> dict:
    """Each edition's PDF of the sample plan, read with pypdf, by edition name."""
    from pypdf import PdfReader

    return {path.stem.rsplit("-", 1)[1]: PdfReader(path) for path in sample_build.pdf_paths}


@pytest.fixture(scope="session")
def sample_pdf(sample_pdfs: dict):
    """The internal edition: every chapter of the sample plan."""
    return sample_pdfs["internal"]


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (``playwright install`` cannot download here)."""
    import os

    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: tests/run.sh installs it with apt-get")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()
