"""``build()``: the whole pipeline, load → validate → model → compute → render → write.

One function serves every command and the dev server; options choose the targets (site,
PDF), the editions, whether to write, incremental section pages after an edit, and PDFs
laid out in the background. ``check`` and ``build_pdf`` are thin uses of it. A bad plan
never raises: every function returns its problems with the result.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import os
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from planbuilder.compute import Report, compute
from planbuilder.editions import Edition, editions
from planbuilder.load import DEFAULT_LIMITS, PART_FILES, Limits, load
from planbuilder.model import build_model, section_of
from planbuilder.output import OutputCollision, OutputFiles
from planbuilder.paths import is_inside
from planbuilder.problems import (
    Position,
    Problem,
    did_you_mean,
    error,
    has_errors,
    sort_problems,
)
from planbuilder.render.environment import make_environment
from planbuilder.render.labels import standard_names
from planbuilder.render.markdown import Target, render_section
from planbuilder.render.site import render_site as site_files
from planbuilder.render.site import site_pages, stale_pages
from planbuilder.themes import Theme
from planbuilder.validate import Validated, validate
from planbuilder.write import (
    OutputRefused,
    check_output_dir,
    check_pdf_target,
    mark_output_dir,
    write_file,
    write_tree,
)

if TYPE_CHECKING:  # the PDF code is imported when a build makes PDFs (a site alone needs none)
    from planbuilder.pdfcache import LayoutPool, PdfCache, PdfRequest, PdfRun

DEFAULT_OUT = "_build"
SITE_DIR = "site"
#: Where the site links each PDF, relative to the site root: next to the site folder.
PDF_HREF = "../{file}"


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
    theme: Theme | None = None
    site_files: OutputFiles | None = None  # the site, relative to its folder
    incremental: bool = False  # only changed section pages were rendered
    pdfs: PdfRun | None = None  # the PDFs, possibly still being laid out (``background``)

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


def markdown_problems(validated: Validated) -> list[Problem]:
    """The problems of every section body (broken links, missing images), found without
    the rest of the plan: so that a run stopped by YAML errors still reports them too."""
    root = validated.sources.root
    sections = [section_of(s) for s in validated.sections]
    by_file = {PurePosixPath(s.path).name: s.slug for s in sections}
    target = Target(asset_url=lambda p: p.as_posix(), section_url=lambda slug, anchor: slug)
    problems: list[Problem] = []
    for section in sections:
        problems += render_section(section, root, target, by_file).problems
    return problems


def prepare(
    plan_dir: Path | str,
    *,
    strict: bool = False,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Prepared:
    """Load, validate, model and compute a plan. ``today`` is the default ``as_of``;
    ``limits`` caps each file (``load.Limits``)."""
    sources = load(plan_dir, limits=limits)
    today = today or dt.date.today()
    validated = validate(sources, today)
    problems = _finish(validated.problems, strict)
    if has_errors(problems):  # stopped here: still report the Markdown's problems too
        return Prepared(sources.root, _finish([*problems, *markdown_problems(validated)], strict))
    plan = build_model(validated)
    theme = sources.themes[plan.meta.theme]  # resolved by load; validate checked the name
    report = compute(plan, standard_names(plan.meta.locale))
    problems = _finish([*problems, *report.problems], strict)
    return Prepared(sources.root, problems, report, theme)


def default_out_dir(root: Path) -> Path:
    return root / DEFAULT_OUT


def pdf_name(report: Report, edition: Edition | None = None) -> str:
    """``<company>-<title>.pdf``, with ``-<edition>`` when the plan defines editions."""
    base = report.plan.meta.slug
    if edition is None or not report.plan.meta.editions:
        return f"{base}.pdf"
    return f"{base}-{edition.name}.pdf"


def select_editions(
    report: Report, theme: Theme, names: str | Sequence[str] | None
) -> tuple[Edition, ...]:
    """All editions, or those named (in the plan's order); ``KeyError`` names an unknown one."""
    found = editions(report.plan, theme)
    if names is None:
        return found
    wanted = [names] if isinstance(names, str) else list(names)
    known = {e.name for e in found}
    for name in wanted:
        if name not in known:
            raise KeyError(name)
    return tuple(e for e in found if e.name in wanted)


def check(
    plan_dir: Path | str,
    *,
    strict: bool = False,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> BuildResult:
    """Validate a plan without writing anything. The site and each edition's print
    document are rendered too, in memory, so that problems only found there (a missing
    image, a broken link, a mistake in a template override) are reported; only the PDF
    layout itself, the slow part, is left out."""
    return build(plan_dir, write=False, layout=False, strict=strict, today=today, limits=limits)


def build_pdf(
    plan_dir: Path | str,
    target: Path | str | None = None,
    *,
    strict: bool = False,
    today: dt.date | None = None,
    edition: str | None = None,
    paper: str | None = None,
    progress: Callable[[str], None] = lambda message: None,
    pool: LayoutPool | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> BuildResult:
    """Build only the PDF: every edition into ``PLAN/_build/``, or one edition to ``target``."""
    return build(
        plan_dir,
        site=False,
        pdf_file=target,
        edition=edition,
        strict=strict,
        today=today,
        paper=paper,
        progress=progress,
        pool=pool,
        limits=limits,
    )


#: Allocations between collections of the youngest generation while a build runs. A build
#: makes millions of short-lived objects while it holds a large model, and with the
#: default (700) the collector walks that model again and again: 10 to 15 % of a large
#: plan's build (at 10,000 still 36 young and one middle collection, 0.03 s; at 100,000
#: three young ones, 0.015 s, for the same peak memory). Cycles are still collected, less
#: often.
BUILD_GC_THRESHOLD = 100_000
#: Collections of the youngest generation between two of the middle one (default 10):
#: each of those walks every object the last collections left alive, and what a build
#: allocates and keeps is its model and pages, not garbage (50,000 milestones: 1.1 s of
#: CPU in middle collections at 50 for 535 objects freed; 0.36 s at 500).
BUILD_GC_MIDDLE = 500
#: Collections of the middle generation between two full ones (default 10): a full
#: collection walks every object alive, the whole model; during a build it freed nothing
#: at 50,000 milestones and took 0.9 s. Full collections resume when the build ends.
BUILD_GC_OLDEST = 1000
_gc_lock = threading.Lock()
_gc_builds = 0  # builds running now
_gc_saved = gc.get_threshold()  # the thresholds to put back when the last one ends
_gc_quiet = 0  # builds running now with the collector off
_gc_was_on = True  # whether the collector was on when the first of those started


def _lays_out_here(kwargs: dict) -> bool:
    """Whether a ``build`` with these keyword arguments may lay out a PDF in this
    process (not in a pool's worker processes)."""
    return bool(
        kwargs.get("pdf", True)
        and kwargs.get("layout", True)
        and not kwargs.get("pdf_later", False)
        and not kwargs.get("background", False)
        and kwargs.get("pool") is None
    )


def _fewer_collections(function):
    """Run ``function`` with the ``BUILD_GC_*`` thresholds (never lower ones); they
    are put back when the last build running (the dev server may run one while a command
    runs another) ends.

    A build that lays out no PDF here runs with the collector off, on again when the last
    such build ends: what it makes is its model and pages, or dies by reference counting
    (the large plan's site build: three young collections, 0.05 s of CPU, freed 6,000
    objects, and the peak memory is the same without them). Laying out a PDF makes
    cyclic box trees, collected as they go."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        global _gc_builds, _gc_saved, _gc_quiet, _gc_was_on
        quiet = not _lays_out_here(kwargs)
        with _gc_lock:
            if _gc_builds == 0:
                _gc_saved = gc.get_threshold()
                gc.set_threshold(
                    max(BUILD_GC_THRESHOLD, _gc_saved[0]),
                    max(BUILD_GC_MIDDLE, _gc_saved[1]),
                    max(BUILD_GC_OLDEST, _gc_saved[2]),
                )
            _gc_builds += 1
            if quiet:
                if _gc_quiet == 0:
                    _gc_was_on = gc.isenabled()
                    gc.disable()
                _gc_quiet += 1
        try:
            return function(*args, **kwargs)
        finally:
            with _gc_lock:
                _gc_builds -= 1
                if _gc_builds == 0:
                    gc.set_threshold(*_gc_saved)
                if quiet:
                    _gc_quiet -= 1
                    if _gc_quiet == 0 and _gc_was_on:
                        gc.enable()

    return wrapper


@_fewer_collections
def build(
    plan_dir: Path | str,
    out_dir: Path | str | None = None,
    *,
    site: bool = True,
    pdf: bool = True,
    edition: str | Sequence[str] | None = None,
    layout: bool = True,
    write: bool = True,
    pdf_file: Path | str | None = None,
    pdf_href: str = PDF_HREF,
    strict: bool = False,
    today: dt.date | None = None,
    paper: str | None = None,
    previous: BuildResult | None = None,
    changed: Collection[Path] | None = None,
    background: bool = False,
    pdf_later: bool = False,
    pool: LayoutPool | None = None,
    cache: PdfCache | None = None,
    progress: Callable[[str], None] = lambda message: None,
    changes_since: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> BuildResult:
    """Build a plan; nothing is written unless the whole build succeeds.

    Targets: ``site`` (``OUT/site/``, replacing ``OUT`` in one swap) and ``pdf`` (one PDF
    per edition named in ``edition``, one name or several; default all). Without ``site``
    the PDFs are written one by one into ``OUT`` (default ``PLAN/_build``), or to
    ``pdf_file`` for one edition.
    ``layout=False`` renders each print document without laying it out (``check``);
    ``write=False`` keeps everything in memory. A PDF whose inputs did not change is
    reused from ``cache`` (default: the output folder, keys in the user's cache folder).

    ``pdf_href`` is how the site links a PDF (``{file}``, ``{edition}``). With
    ``previous`` (an earlier result) and ``changed`` (the files changed since), only the
    pages those changes reach are rendered again (see ``_changed_sections``). With ``background``
    the result comes back once the site is written; the PDFs are laid out in ``pool``
    and, never written, arrive in memory through ``result.pdfs``. With ``pdf_later`` the
    site links the editions but no print document is rendered: the caller makes the one it
    needs with ``pdf_request`` (the dev server, for the edition being previewed).
    ``changes_since`` (a
    git revision) marks on the site what changed since then (``diff.marks_since``).
    ``limits`` caps each file of the plan (``load.Limits``; raised only by the user).
    """
    progress("checking the plan")
    prepared = prepare(plan_dir, strict=strict, today=today, limits=limits)
    root = prepared.root
    if not prepared.ok:
        return BuildResult(root, prepared.problems, theme=prepared.theme)
    report, theme = prepared.report, prepared.theme
    problems = list(prepared.problems)

    def failed(*more: Problem) -> BuildResult:
        return BuildResult(root, _finish([*problems, *more], strict), report=report, theme=theme)

    if changed:
        # A new or removed template in a theme layer is only found by a new environment.
        layers = [*theme.layers, *(previous.theme.layers if previous and previous.theme else ())]
        if any(is_inside(path, layer) for path in changed for layer in layers):
            make_environment.cache_clear()
    try:
        chosen = select_editions(report, theme, edition) if pdf else ()
    except KeyError as exc:
        return failed(_unknown_edition(report, theme, exc.args[0], root))
    if pdf_file is not None and len(chosen) > 1:
        return failed(
            error(
                "the plan has several editions; -o names one file",
                Position(Path(pdf_file)),
                hint="add --edition NAME, or leave -o out to write them all to _build/",
            )
        )
    # abspath, not resolve(): a link at the output path must be refused by write, not followed.
    out = Path(os.path.abspath(out_dir)) if out_dir is not None else default_out_dir(root)
    pdf_paths = (
        [Path(os.path.abspath(pdf_file))]
        if pdf_file is not None
        else [out / pdf_name(report, e) for e in chosen]
    )
    if write:
        try:
            if site or pdf_file is None:
                check_output_dir(out, root)
            if not site:
                for path in pdf_paths:
                    check_pdf_target(path)
        except OutputRefused as exc:
            where = out if site or not pdf_paths else pdf_paths[0]
            return failed(error(exc.message, Position(where), exc.hint))

    marks = None
    if changes_since is not None and site:
        from planbuilder.diff import marks_since

        progress(f"comparing with {changes_since}")
        marks, found = marks_since(root, changes_since, report, today, limits)
        if found:
            return failed(*found)
    pages = OutputFiles()
    only = None
    if site:
        progress("rendering the site")
        only = _changed_sections(previous, changed, report, theme, prepared.problems)
        if only is not None and marks is not None:
            only = replace(only, pages=_ALL_OTHERS)  # review marks may badge any page
        links = tuple(
            (e, pdf_href.format(file=pdf_name(report, e), edition=e.name)) for e in chosen
        )
        try:
            pages, found = site_files(
                report,
                theme,
                root=root,
                pdf_links=links,
                only_sections=only.sections if only is not None else None,
                only_pages=only.pages if only is not None else (),
                previous=previous.site_files if only is not None else None,
                changes=marks,
            )
        except OutputCollision as exc:
            return failed(error(str(exc), Position(root)))
        problems += found
    requests: list[PdfRequest] = []
    if chosen and not pdf_later and (not layout or not has_errors(_finish(problems, strict))):
        file_name = (lambda _e: Path(pdf_file).name) if pdf_file is not None else None
        requests, found = _pdf_requests(report, theme, root, chosen, paper, layout, file_name)
        problems += found
    problems = _finish(problems, strict)
    if has_errors(problems):
        return BuildResult(root, problems, report=report, theme=theme)

    run = None
    if requests:
        from planbuilder.pdfcache import FolderCache, lay_out

        if cache is None and write and not background:
            cache = FolderCache(pdf_paths[0].parent)
        run = lay_out(requests, cache=cache, pool=pool, background=background, progress=progress)
        if background and cache is not None:
            run.add_done_callback(lambda done: _remember(done, cache))
    made_pdfs = run.result().pdfs if run is not None and not background else ()
    result = BuildResult(
        root,
        problems,
        report=report,
        theme=theme,
        site_files=pages if site else None,
        incremental=only is not None,
        pdfs=run,
    )
    if not write:
        if not background:
            _remember(run, cache)
        return result

    files = OutputFiles()
    try:
        # Paths OutputFiles.add checked already, in a fresh folder of their own.
        files.files.update((f"{SITE_DIR}/{relative}", c) for relative, c in pages.files.items())
        for made in made_pdfs:
            files.add(made.name, made.data)
    except OutputCollision as exc:
        return failed(error(str(exc), Position(root)))
    progress("writing the output")
    targets = [pdf_paths[0]] if pdf_file is not None else [out / p.name for p in made_pdfs]
    try:
        if site:
            write_tree(files, out, _earlier_output(previous, only))
        else:
            for path, made in zip(targets, made_pdfs, strict=True):
                write_file(made.data, path)
            if pdf_file is None:
                mark_output_dir(out)
    except OSError as exc:
        if site:
            return failed(error(f"cannot write the output: {exc}", Position(out)))
        return failed(error(f"cannot write the PDF: {exc}", Position((targets or [out])[0])))
    if not background:
        _remember(run, cache)
    return replace(
        result,
        out_dir=out if site or pdf_file is None else None,
        site_dir=out / SITE_DIR if site else None,
        pdf_paths=tuple(targets),
        reused=tuple(t for t, made in zip(targets, made_pdfs, strict=True) if made.reused),
    )


def pdf_request(
    result: BuildResult, edition: str, paper: str | None = None
) -> tuple[PdfRequest | None, list[Problem]]:
    """The print document of one edition of a successful build, rendered and keyed for
    layout; ``None`` with the problems when it cannot be made (``KeyError``: no such
    edition)."""
    if result.report is None or result.theme is None:
        return None, [error("the plan did not build", Position(result.root))]
    report, theme = result.report, result.theme
    [chosen] = select_editions(report, theme, edition)
    requests, problems = _pdf_requests(report, theme, result.root, (chosen,), paper, True)
    if has_errors(problems):
        return None, problems
    return (requests[0] if requests else None), problems


def _pdf_requests(
    report: Report,
    theme: Theme,
    root: Path,
    chosen: tuple[Edition, ...],
    paper: str | None,
    layout: bool,
    file_name: Callable[[Edition], str] | None = None,
) -> tuple[list[PdfRequest], list[Problem]]:
    """Each edition's print document, rendered once: the layout job and its key."""
    from planbuilder.pdfcache import PdfRequest, pdf_key
    from planbuilder.render.pdf import layout_job, print_html

    requests, problems = [], []
    inputs = {**theme.files("print"), **theme.files("fonts")}
    inputs |= {asset: root / asset for asset in report.plan.assets}
    for edition in chosen:
        html, found = print_html(report, theme, edition, paper, root=root)
        problems += [p for p in found if p not in problems]
        if not html or not layout:
            continue
        job, found = layout_job(html, report, theme, root)
        problems += found
        if job is not None:
            key = pdf_key(job, inputs, paper)
            name = file_name(edition) if file_name else pdf_name(report, edition)
            requests.append(PdfRequest(name, edition.name, edition.title or edition.name, job, key))
    return requests, problems


def _remember(run: PdfRun | None, cache: PdfCache | None) -> None:
    """Tell ``cache`` about the PDFs of a finished run (after they were written)."""
    if run is None or cache is None or run.cancelled():
        return
    try:
        outcome = run.result()
    except Exception:
        return
    for made in outcome.pdfs:
        if not made.reused:
            cache.put(made.name, made.key, made.data)


@dataclass(frozen=True)
class _Changes:
    """What an incremental build renders again: some chapters, and some other pages."""

    sections: set[str]
    pages: Collection[str]  # ids of pages other than chapters (``milestones``, ``search``)


class _Everything:
    """Every page id: the pages other than chapters, all rendered again."""

    def __contains__(self, item: object) -> bool:
        return True


_ALL_OTHERS = _Everything()


def _changed_sections(
    previous: BuildResult | None,
    changed: Collection[Path] | None,
    report: Report,
    theme: Theme,
    checked: Collection[Problem] = (),
) -> _Changes | None:
    """What needs rendering after ``changed``, or ``None`` for a full render.

    Incremental only after a build without errors whose every problem is found again by
    the checks (``checked``: a problem met while rendering a page that is not rendered
    again would be lost), when only chapters and YAML parts changed. A chapter edit
    renders that chapter's page alone when nothing but its body differs. After a YAML
    edit, when the plan's metadata, chapter titles and list of pages are unchanged (they
    are in every page), the pages that show what changed are rendered again
    (``site.stale_pages``): the dashboard, the pages whose values differ, and the chapters
    that quote a figure or name a target when those changed.
    """
    if not changed or previous is None or previous.report is None:
        return None
    if previous.site_files is None or has_errors(previous.problems):
        return None
    if not set(previous.problems) <= set(checked):
        return None
    sections_dir = previous.root / "sections"
    parts = {previous.root / name for name in PART_FILES}
    chapters = {p for p in changed if p.suffix == ".md" and p.parent == sections_dir}
    if any(p not in chapters and p not in parts for p in changed):
        return None
    before = previous.report
    old = {s.slug: s.body for s in before.plan.sections}
    bodies = {s.slug for s in report.plan.sections if old.get(s.slug) != s.body}
    if len(chapters) == len(changed):
        if _without_bodies(before) != _without_bodies(report):
            return None
        return _Changes(bodies, pages=())
    if before.plan.meta != report.plan.meta or before.as_of != report.as_of:
        return None
    if not _same_but_bodies(before.plan.sections, report.plan.sections):
        return None
    if [(p.id, p.title) for p in site_pages(before)] != [
        (p.id, p.title) for p in site_pages(report)
    ]:
        return None
    pages, quoting = stale_pages(before, report, theme)
    return _Changes(bodies | quoting, pages=pages)


def _earlier_output(
    previous: BuildResult | None, only: _Changes | None
) -> tuple[OutputFiles, Path] | None:
    """The previous build's site files and folder, for ``write_tree`` to link unchanged
    files from: after an incremental build into a new folder beside it (the dev
    server's generations)."""
    if only is None or previous is None or previous.site_files is None:
        return None
    if previous.out_dir is None:
        return None
    earlier = OutputFiles()
    earlier.files = {f"{SITE_DIR}/{k}": v for k, v in previous.site_files.files.items()}
    return earlier, previous.out_dir


def _same_but_bodies(before: Sequence, after: Sequence) -> bool:
    """Whether two tuples of sections are equal apart from their bodies (each pair
    compared whole first: a large plan's thousand chapters are mostly the same)."""
    return len(before) == len(after) and all(
        old == new or replace(old, body="") == replace(new, body="")
        for old, new in zip(before, after, strict=True)
    )


def _without_bodies(report: Report) -> Report:
    sections = tuple(replace(s, body="") for s in report.plan.sections)
    return replace(report, plan=replace(report.plan, sections=sections))


def _unknown_edition(report: Report, theme: Theme, name: str | None, root: Path) -> Problem:
    names = [e.name for e in editions(report.plan, theme)]
    return error(
        f"unknown edition `{name}`",
        Position(root / "plan.yaml"),
        hint=did_you_mean(name or "", names) or "editions: " + ", ".join(f"`{n}`" for n in names),
    )
