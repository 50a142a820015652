"""``build()``: the whole pipeline, load → validate → model → compute → render → write.

The CLI and the dev server are thin shells over the functions here. A bad plan
never raises: every function returns its problems with the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from planbuilder.compute import Report, compute
from planbuilder.load import load
from planbuilder.model import build_model
from planbuilder.output import OutputCollision, OutputFiles
from planbuilder.problems import Position, Problem, error, has_errors, sort_problems
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
    pdf_path: Path | None = None
    report: Report | None = None

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
    plan = build_model(validated, today)
    theme = resolve_theme(plan.meta.theme, plan.theme_override)
    report = compute(plan)
    problems = _finish([*problems, *report.problems], strict)
    return Prepared(sources.root, problems, report, theme)


def check(plan_dir: Path | str, *, strict: bool = False, today: dt.date | None = None) -> Prepared:
    """Validate a plan without writing anything. Rendering runs too, in memory,
    so that problems only found there (a missing image, a broken link) are reported."""
    prepared = prepare(plan_dir, strict=strict, today=today)
    if not prepared.ok:
        return prepared
    _files, render_problems = site_files(prepared.report, prepared.theme)
    problems = _finish([*prepared.problems, *render_problems], strict)
    return Prepared(prepared.root, problems, prepared.report, prepared.theme)


def site_files(
    report: Report,
    theme: Theme,
    pdf_href: str | None = None,
    *,
    only_sections: set[str] | None = None,
    previous: OutputFiles | None = None,
) -> tuple[OutputFiles, list[Problem]]:
    """The site's files in memory (pages, theme static files, plan assets); see
    ``render_site`` for the incremental form the dev server uses."""
    from planbuilder.render.site import render_site

    return render_site(
        report, theme, pdf_href=pdf_href, only_sections=only_sections, previous=previous
    )


def default_out_dir(root: Path) -> Path:
    return root / DEFAULT_OUT


def pdf_name(report: Report) -> str:
    return f"{report.plan.meta.slug}.pdf"


def build(
    plan_dir: Path | str,
    out_dir: Path | str | None = None,
    *,
    site: bool = True,
    pdf: bool = True,
    strict: bool = False,
    today: dt.date | None = None,
) -> BuildResult:
    """Build the site (``OUT/site/``) and the PDF (``OUT/<slug>.pdf``) of a plan.

    Nothing is written unless the whole build succeeds; the previous output then
    is replaced in one swap.
    """
    prepared = prepare(plan_dir, strict=strict, today=today)
    root = prepared.root
    if not prepared.ok:
        return BuildResult(root, prepared.problems)
    report, theme = prepared.report, prepared.theme
    out = Path(out_dir).resolve() if out_dir is not None else default_out_dir(root)
    problems = list(prepared.problems)
    try:
        check_output_dir(out, root)
    except OutputRefused as exc:
        return BuildResult(
            root, _finish([*problems, error(exc.message, Position(out), exc.hint)], strict)
        )

    files = OutputFiles()
    name = pdf_name(report)
    try:
        if site:
            pages, found = site_files(report, theme, pdf_href=f"../{name}" if pdf else None)
            problems += found
            for relative, content in pages.files.items():
                files.add(f"{SITE_DIR}/{relative}", content)
        if pdf and not has_errors(_finish(problems, strict)):
            from planbuilder.render.pdf import render_pdf

            data, found = render_pdf(report, theme)
            problems += found
            if data is not None:
                files.add(name, data)
    except OutputCollision as exc:
        problems.append(error(str(exc), Position(root)))
    problems = _finish(problems, strict)
    if has_errors(problems):
        return BuildResult(root, problems, report=report)
    try:
        write_tree(files, out)
    except OSError as exc:
        problems.append(error(f"cannot write the output: {exc}", Position(out)))
        return BuildResult(root, _finish(problems, strict), report=report)
    return BuildResult(
        root,
        problems,
        out_dir=out,
        site_dir=out / SITE_DIR if site else None,
        pdf_path=out / name if pdf else None,
        report=report,
    )


def build_pdf(
    plan_dir: Path | str,
    target: Path | str | None = None,
    *,
    strict: bool = False,
    today: dt.date | None = None,
) -> BuildResult:
    """Build only the PDF, by default to ``PLAN/_build/<slug>.pdf``."""
    prepared = prepare(plan_dir, strict=strict, today=today)
    root = prepared.root
    if not prepared.ok:
        return BuildResult(root, prepared.problems)
    report, theme = prepared.report, prepared.theme
    default = target is None
    path = default_out_dir(root) / pdf_name(report) if default else Path(target).resolve()
    problems = list(prepared.problems)
    try:
        if default:
            check_output_dir(path.parent, root)
        check_pdf_target(path)
    except OutputRefused as exc:
        return BuildResult(
            root, _finish([*problems, error(exc.message, Position(path), exc.hint)], strict)
        )
    from planbuilder.render.pdf import render_pdf

    data, found = render_pdf(report, theme)
    problems = _finish([*problems, *found], strict)
    if data is None or has_errors(problems):
        return BuildResult(root, problems, report=report)
    try:
        write_file(data, path)
        if default:
            mark_output_dir(path.parent)
    except OSError as exc:
        problems.append(error(f"cannot write the PDF: {exc}", Position(path)))
        return BuildResult(root, _finish(problems, strict), report=report)
    return BuildResult(root, problems, pdf_path=path, report=report)
