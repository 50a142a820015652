"""``build()``: the whole pipeline, load → validate → model → compute → render → write.

The CLI and the dev server are thin shells over the functions here. A bad plan
never raises: every function returns its problems with the result.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from planbuilder import __version__
from planbuilder.compute import Report, compute
from planbuilder.editions import Edition, editions
from planbuilder.load import load
from planbuilder.model import build_model
from planbuilder.output import OutputCollision, OutputFiles
from planbuilder.problems import (
    Position,
    Problem,
    did_you_mean,
    error,
    has_errors,
    sort_problems,
)
from planbuilder.render.site import render_site as site_files
from planbuilder.themes import Theme, resolve_theme
from planbuilder.validate import validate
from planbuilder.write import (
    OutputRefused,
    check_output_dir,
    check_pdf_target,
    mark_output_dir,
    write_file,
    write_tree,
)

DEFAULT_OUT = "_build"
SITE_DIR = "site"


@dataclass(frozen=True)
class Prepared:
    """A plan taken as far as the compute stage, with every problem met so far."""

    root: Path
    problems: list[Problem]
    report: Report | None = None
    theme: Theme | None = None

    @property
    def ok(self) -> bool:
        return self.report is not None and not has_errors(self.problems)


@dataclass(frozen=True)
class BuildResult:
    root: Path
    problems: list[Problem] = field(default_factory=list)
    out_dir: Path | None = None
    site_dir: Path | None = None
    pdf_paths: tuple[Path, ...] = ()
    reused: tuple[Path, ...] = ()  # PDFs whose inputs had not changed, kept as they were
    report: Report | None = None

    @property
    def pdf_path(self) -> Path | None:
        """The first (often the only) PDF."""
        return self.pdf_paths[0] if self.pdf_paths else None

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def _finish(problems: list[Problem], strict: bool) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    if strict:
        unique = [p.escalated() for p in unique]
    return sort_problems(unique)


def prepare(
    plan_dir: Path | str, *, strict: bool = False, today: dt.date | None = None
) -> Prepared:
    """Load, validate, model and compute a plan. ``today`` is the default ``as_of``."""
    sources = load(plan_dir)
    today = today or dt.date.today()
    validated = validate(sources, today)
    problems = _finish(validated.problems, strict)
    if has_errors(problems):
        return Prepared(sources.root, problems)
    plan = build_model(validated)
    theme = resolve_theme(plan.meta.theme, sources.theme_override)
    report = compute(plan)
    problems = _finish([*problems, *report.problems], strict)
    return Prepared(sources.root, problems, report, theme)


def check(plan_dir: Path | str, *, strict: bool = False, today: dt.date | None = None) -> Prepared:
    """Validate a plan without writing anything. The site and each edition's print
    document are rendered too, in memory, so that problems only found there (a missing
    image, a broken link, a mistake in a template override) are reported; only the PDF
    layout itself, the slow part, is left out."""
    from planbuilder.render.pdf import print_html

    prepared = prepare(plan_dir, strict=strict, today=today)
    if not prepared.ok:
        return prepared
    _files, render_problems = site_files(prepared.report, prepared.theme, root=prepared.root)
    for edition in editions(prepared.report.plan):
        _html, found = print_html(prepared.report, prepared.theme, edition, root=prepared.root)
        render_problems += found
    problems = _finish([*prepared.problems, *render_problems], strict)
    return Prepared(prepared.root, problems, prepared.report, prepared.theme)


def default_out_dir(root: Path) -> Path:
    return root / DEFAULT_OUT


def pdf_name(report: Report, edition: Edition | None = None) -> str:
    """``<company>-<title>.pdf``, with ``-<edition>`` when the plan defines editions."""
    base = report.plan.meta.slug
    if edition is None or not report.plan.meta.editions:
        return f"{base}.pdf"
    return f"{base}-{edition.name}.pdf"


def select_editions(report: Report, name: str | None) -> tuple[Edition, ...]:
    """All editions, or the one named; raises ``KeyError`` for an unknown name."""
    found = editions(report.plan)
    if name is None:
        return found
    chosen = tuple(e for e in found if e.name == name)
    if not chosen:
        raise KeyError(name)
    return chosen


@dataclass
class PdfOutcome:
    """The PDFs of one build: bytes by file name, and which were reused unchanged."""

    files: dict[str, bytes] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def pdf_key(report: Report, theme: Theme, html: str, paper: str | None, root: Path) -> str:
    """A hash of everything that feeds a PDF: the print document, the theme's print files
    and fonts, the images it uses, the options and planbuilder's version."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}|{paper}|{report.plan.meta.pdf_variant}|".encode())
    digest.update(html.encode("utf-8"))
    files = {**theme.files("print"), **theme.files("fonts")}
    files |= {asset: root / asset for asset in report.plan.assets}
    for relative, path in sorted(files.items()):
        digest.update(relative.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def make_pdfs(
    report: Report,
    theme: Theme,
    chosen: tuple[Edition, ...],
    *,
    root: Path,
    previous: Path | None = None,
    paper: str | None = None,
    today: dt.date | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> PdfOutcome:
    """Lay out the PDF of each edition, reusing a previous build's file when nothing that
    feeds it changed (``previous`` is the earlier output folder)."""
    from planbuilder.render.pdf import layout_pdf, print_html

    outcome = PdfOutcome()
    known = _read_keys(previous)
    todo: list[Edition] = []
    documents: dict[str, str] = {}  # print HTML by edition, kept for the layout
    for edition in chosen:
        name = pdf_name(report, edition)
        html, found = print_html(report, theme, edition, paper, root=root)
        outcome.problems += [p for p in found if p not in outcome.problems]
        if not html:
            continue
        key = pdf_key(report, theme, html, paper, root)
        outcome.keys[name] = key
        old = previous / name if previous is not None else None
        if known.get(name) == key and old is not None and old.is_file():
            outcome.files[name] = old.read_bytes()
            outcome.reused.append(name)
        else:
            todo.append(edition)
            documents[edition.name] = html
    labels = ", ".join(e.title or e.name for e in todo)
    if len(todo) > 1 and (os.cpu_count() or 1) > 1:
        # WeasyPrint is single-threaded Python: editions are laid out in parallel
        # processes, each building the same report from the same sources.
        progress(f"laying out {len(todo)} PDFs in parallel: {labels}")
        results = _layout_in_processes(report, todo, paper, today, root)
    else:
        if todo:
            progress(f"laying out the PDF: {labels} (1/1)")
        results = [layout_pdf(documents[e.name], report, theme, [], root=root) for e in todo]
    for edition, (data, found) in zip(todo, results, strict=True):
        outcome.problems += [p for p in found if p not in outcome.problems]
        if data is not None:
            outcome.files[pdf_name(report, edition)] = data
    # Keep the order of the editions, whichever were reused or laid out.
    order = [pdf_name(report, e) for e in chosen]
    outcome.files = {n: outcome.files[n] for n in order if n in outcome.files}
    return outcome


def _layout_job(
    plan_dir: str, today: dt.date, edition: str, paper: str | None
) -> tuple[bytes | None, list[Problem]]:
    """One edition's PDF, in a worker process."""
    from planbuilder.render.pdf import render_pdf

    prepared = prepare(plan_dir, today=today)
    if not prepared.ok:
        return None, prepared.problems
    [chosen] = select_editions(prepared.report, edition)
    return render_pdf(prepared.report, prepared.theme, chosen, paper, root=prepared.root)


def _layout_in_processes(
    report: Report, todo: list[Edition], paper: str | None, today: dt.date | None, root: Path
) -> list[tuple[bytes | None, list[Problem]]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(len(todo), os.cpu_count() or 1)
    day = today or report.plan.meta.as_of
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        jobs = [pool.submit(_layout_job, str(root), day, e.name, paper) for e in todo]
        return [job.result() for job in jobs]


KEYS_FILE = ".planbuilder-pdf-keys.json"


def _read_keys(folder: Path | None) -> dict[str, str]:
    if folder is None or not (folder / KEYS_FILE).is_file():
        return {}
    try:
        return dict(json.loads((folder / KEYS_FILE).read_text("utf-8")))
    except (ValueError, OSError, TypeError):
        return {}


def build(
    plan_dir: Path | str,
    out_dir: Path | str | None = None,
    *,
    site: bool = True,
    pdf: bool = True,
    strict: bool = False,
    today: dt.date | None = None,
    edition: str | None = None,
    paper: str | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> BuildResult:
    """Build the site (``OUT/site/``) and the PDF of every edition (``OUT/*.pdf``).

    Nothing is written unless the whole build succeeds; the previous output then
    is replaced in one swap. A PDF whose inputs did not change is reused, not redone.
    """
    progress("checking the plan")
    prepared = prepare(plan_dir, strict=strict, today=today)
    root = prepared.root
    if not prepared.ok:
        return BuildResult(root, prepared.problems)
    report, theme = prepared.report, prepared.theme
    out = Path(out_dir).resolve() if out_dir is not None else default_out_dir(root)
    problems = list(prepared.problems)
    try:
        check_output_dir(out, root)
        chosen = select_editions(report, edition) if pdf else ()
    except OutputRefused as exc:
        return BuildResult(
            root, _finish([*problems, error(exc.message, Position(out), exc.hint)], strict)
        )
    except KeyError:
        return BuildResult(
            root, _finish([*problems, _unknown_edition(report, edition, root)], strict)
        )

    files = OutputFiles()
    outcome = PdfOutcome()
    try:
        if site:
            progress("rendering the site")
            links = tuple((e, f"../{pdf_name(report, e)}") for e in chosen)
            pages, found = site_files(report, theme, pdf_links=links, root=root)
            problems += found
            for relative, content in pages.files.items():
                files.add(f"{SITE_DIR}/{relative}", content)
        if chosen and not has_errors(_finish(problems, strict)):
            outcome = make_pdfs(
                report, theme, chosen, root=root, previous=out, paper=paper, progress=progress
            )
            problems += outcome.problems
            for name, data in outcome.files.items():
                files.add(name, data)
            files.add(KEYS_FILE, json.dumps(outcome.keys, indent=2, sort_keys=True).encode())
    except OutputCollision as exc:
        problems.append(error(str(exc), Position(root)))
    problems = _finish(problems, strict)
    if has_errors(problems):
        return BuildResult(root, problems, report=report)
    progress("writing the output")
    try:
        write_tree(files, out)
    except OSError as exc:
        problems.append(error(f"cannot write the output: {exc}", Position(out)))
        return BuildResult(root, _finish(problems, strict), report=report)
    pdf_paths = tuple(out / name for name in outcome.files)
    return BuildResult(
        root,
        problems,
        out_dir=out,
        site_dir=out / SITE_DIR if site else None,
        pdf_paths=pdf_paths,
        reused=tuple(out / name for name in outcome.reused),
        report=report,
    )


def _unknown_edition(report: Report, name: str | None, root: Path) -> Problem:
    names = [e.name for e in editions(report.plan)]
    return error(
        f"unknown edition `{name}`",
        Position(root / "plan.yaml"),
        hint=did_you_mean(name or "", names) or "editions: " + ", ".join(f"`{n}`" for n in names),
    )


def build_pdf(
    plan_dir: Path | str,
    target: Path | str | None = None,
    *,
    strict: bool = False,
    today: dt.date | None = None,
    edition: str | None = None,
    paper: str | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> BuildResult:
    """Build only the PDF: every edition into ``PLAN/_build/``, or one edition to ``target``."""
    progress("checking the plan")
    prepared = prepare(plan_dir, strict=strict, today=today)
    root = prepared.root
    if not prepared.ok:
        return BuildResult(root, prepared.problems)
    report, theme = prepared.report, prepared.theme
    problems = list(prepared.problems)
    try:
        chosen = select_editions(report, edition)
    except KeyError:
        return BuildResult(
            root, _finish([*problems, _unknown_edition(report, edition, root)], strict)
        )
    if target is not None and len(chosen) > 1:
        return BuildResult(
            root,
            _finish(
                [
                    *problems,
                    error(
                        "the plan has several editions; -o names one file",
                        Position(Path(target)),
                        hint="add --edition NAME, or leave -o out to write them all to _build/",
                    ),
                ],
                strict,
            ),
        )
    folder = default_out_dir(root)
    paths = (
        [folder / pdf_name(report, e) for e in chosen]
        if target is None
        else [Path(target).resolve()]
    )
    try:
        if target is None:
            check_output_dir(folder, root)
        for path in paths:
            check_pdf_target(path)
    except OutputRefused as exc:
        return BuildResult(
            root, _finish([*problems, error(exc.message, Position(paths[0]), exc.hint)], strict)
        )
    outcome = make_pdfs(
        report, theme, chosen, root=root, paper=paper, today=today, progress=progress
    )
    problems = _finish([*problems, *outcome.problems], strict)
    if has_errors(problems) or len(outcome.files) != len(chosen):
        return BuildResult(root, problems, report=report)
    try:
        for path, data in zip(paths, outcome.files.values(), strict=True):
            write_file(data, path)
        if target is None:
            mark_output_dir(folder)
    except OSError as exc:
        problems.append(error(f"cannot write the PDF: {exc}", Position(paths[0])))
        return BuildResult(root, _finish(problems, strict), report=report)
    return BuildResult(root, problems, pdf_paths=tuple(paths), report=report)
