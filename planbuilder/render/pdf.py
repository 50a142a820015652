"""Render the PDF business plan: one print HTML document per edition, handed to
``render.layout`` (WeasyPrint) as plain values."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from planbuilder import __version__
from planbuilder.compute import Report
from planbuilder.editions import Edition, editions
from planbuilder.problems import Position, Problem, error
from planbuilder.render.charts import Charts
from planbuilder.render.environment import make_environment
from planbuilder.render.formatting import Formatter
from planbuilder.render.labels import labels_for
from planbuilder.render.layout import LayoutJob, layout_pdf
from planbuilder.render.markdown import Target, heading_id
from planbuilder.render.sections import render_sections
from planbuilder.render.templates import TemplateProblem, render_template
from planbuilder.themes import Theme

PRINT_TEMPLATE = "print.html"
PRINT_STYLESHEETS = ("print/fonts.css", "print/print.css")


def print_html(
    report: Report,
    theme: Theme,
    edition: Edition | None = None,
    paper: str | None = None,
    *,
    root: Path,
) -> tuple[str, list[Problem]]:
    """The print document of one edition as HTML (also useful to debug the PDF layout);
    ``root`` is the plan folder, where images are found."""
    edition = edition or editions(report.plan, theme)[0]
    plan = report.plan
    fmt = Formatter(plan.meta.locale, plan.meta.currency)
    env = make_environment(theme, fmt)

    included = {c.id for c in edition.chapters if c.kind == "section"}

    def section_url(slug: str, anchor: str) -> str | None:
        if slug not in included:
            return None  # that chapter is not in this edition
        return f"#{heading_id(slug, anchor)}" if anchor else f"#section-{slug}"

    def chapter_url(chapter: str, _anchor: str) -> str | None:
        return f"#{chapter}" if edition.has(chapter) else None

    def target_for(section) -> Target:
        return Target(
            asset_url=lambda p: (root / p).as_uri(),
            section_url=section_url,
            chapter_url=chapter_url,
            # references are checked for the sections this edition prints
            edition=edition.name if section.slug in included else None,
        )

    rendered, problems = render_sections(report, root, target_for)
    problems += theme.problems
    logo = plan.meta.logo
    context = {
        "report": report,
        "plan": plan,
        "meta": plan.meta,
        "edition": edition,
        "paper": paper or plan.meta.paper,  # A4 or letter: CSS page sizes as they are
        "logo_url": (root / logo).resolve().as_uri() if logo else None,
        "sections": {s.slug: (s, Markup(rendered[s.slug].html)) for s in plan.sections},
        "created": _document_date(report),
        "generator": f"planbuilder {__version__}",
        "charts": Charts(report, fmt, labels_for(plan.meta.locale)),
        "money": report.financials,
    }
    try:
        html = render_template(env, PRINT_TEMPLATE, context)
    except TemplateProblem as exc:
        return "", [*problems, exc.problem]
    return html, problems


def _document_date(report: Report) -> str:
    """The date stamped in the PDF's metadata: the document's own (``Report.document_date``)."""
    return report.document_date.isoformat()


def layout_job(
    html: str, report: Report, theme: Theme, root: Path
) -> tuple[LayoutJob | None, list[Problem]]:
    """What laying out ``html`` needs, as plain values: the plan folder as base, the plan
    and theme folders as the only readable roots, the theme's print stylesheets."""
    stylesheets = []
    for name in PRINT_STYLESHEETS:
        found = theme.find(name)
        if found is None:
            return None, [error(f"the theme has no {name}", Position(theme.folder))]
        stylesheets.append(str(found))
    job = LayoutJob(
        html=html,
        base=str(root),
        roots=tuple(str(r) for r in [root, *theme.roots]),
        stylesheets=tuple(stylesheets),
        pdf_variant=report.plan.meta.pdf_variant,
    )
    return job, []


def render_pdf(
    report: Report,
    theme: Theme,
    edition: Edition | None = None,
    paper: str | None = None,
    *,
    root: Path,
) -> tuple[bytes | None, list[Problem]]:
    """The PDF bytes of one edition, or ``None`` with problems when it cannot be made
    (in this process, uncached: for benchmarks and quick scripts; builds use ``build()``)."""
    html, problems = print_html(report, theme, edition, paper, root=root)
    if not html:
        return None, problems
    job, found = layout_job(html, report, theme, root)
    if job is None:
        return None, [*problems, *found]
    return layout_pdf(job), problems
