"""Render the PDF business plan: one print HTML document laid out by WeasyPrint.

WeasyPrint is imported only here and only when a PDF is made (it takes half a
second to import). Every file it loads goes through ``ConfinedFetcher``, which
refuses the network and any file outside the plan and theme folders.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from markupsafe import Markup

from planbuilder import __version__
from planbuilder.compute import Report
from planbuilder.editions import Edition, editions
from planbuilder.paths import is_inside
from planbuilder.problems import Position, Problem, error
from planbuilder.render.charts import Charts
from planbuilder.render.environment import make_environment
from planbuilder.render.formatting import Formatter
from planbuilder.render.labels import labels_for
from planbuilder.render.markdown import Target, heading_id
from planbuilder.render.sections import render_sections
from planbuilder.render.templates import TemplateProblem, render_template
from planbuilder.themes import Theme

PRINT_TEMPLATE = "print.html"
PRINT_STYLESHEETS = ("print/fonts.css", "print/print.css")


def print_html(
    report: Report, theme: Theme, edition: Edition | None = None, paper: str | None = None
) -> tuple[str, list[Problem]]:
    """The print document of one edition as HTML (also useful to debug the PDF layout)."""
    edition = edition or editions(report.plan, theme)[0]
    plan = report.plan
    fmt = Formatter(plan.meta.locale, plan.meta.currency)
    env = make_environment(theme, fmt)

    included = {c.id for c in edition.chapters if c.kind == "section"}

    def section_url(slug: str, anchor: str) -> str | None:
        if slug not in included:
            return None  # that chapter is not in this edition
        return f"#{heading_id(slug, anchor)}" if anchor else f"#section-{slug}"

    def target_for(_section) -> Target:
        return Target(asset_url=lambda p: (plan.root / p).as_uri(), section_url=section_url)

    rendered, problems = render_sections(report, target_for)
    problems += theme.problems
    logo = plan.meta.logo
    context = {
        "report": report,
        "plan": plan,
        "meta": plan.meta,
        "edition": edition,
        "paper": paper or plan.meta.paper,  # A4 or letter: CSS page sizes as they are
        "logo_url": (plan.root / logo).resolve().as_uri() if logo else None,
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
    """The date stamped in the PDF, never the wall clock: ``SOURCE_DATE_EPOCH``, else the
    last commit of the plan folder, else the plan's own date."""
    meta = report.plan.meta
    if meta.stamp is not None:
        return meta.stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (meta.date or report.as_of).isoformat()


def render_pdf(
    report: Report, theme: Theme, edition: Edition | None = None, paper: str | None = None
) -> tuple[bytes | None, list[Problem]]:
    """The PDF bytes of one edition, or ``None`` with problems when it cannot be made."""
    html, problems = print_html(report, theme, edition, paper)
    if not html:
        return None, problems
    return layout_pdf(html, report, theme, problems)


def layout_pdf(
    html: str, report: Report, theme: Theme, problems: list[Problem]
) -> tuple[bytes | None, list[Problem]]:
    """Lay out an already rendered print document (see ``print_html``)."""
    stylesheets = []
    for name in PRINT_STYLESHEETS:
        found = theme.find(name)
        if found is None:
            return None, [*problems, error(f"the theme has no {name}", Position(theme.folder))]
        stylesheets.append(found)
    pdf = _write_pdf(html, stylesheets, report, theme)
    return pdf, problems


def _write_pdf(html: str, stylesheets: list[Path], report: Report, theme: Theme) -> bytes:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    # WeasyPrint logs every refused fetch as a warning; our own checks already
    # report missing files with their position, so keep its log quiet.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = _confined_fetcher([report.plan.root, *theme.roots])
    font_config = FontConfiguration()
    css = [
        weasyprint.CSS(filename=str(path), url_fetcher=fetcher, font_config=font_config)
        for path in stylesheets
    ]
    document = weasyprint.HTML(
        string=html, base_url=str(report.plan.root) + "/", url_fetcher=fetcher
    ).render(stylesheets=css, font_config=font_config)
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    options = {"pdf_identifier": identifier, "pdf_tags": True}
    if report.plan.meta.pdf_variant:
        options["pdf_variant"] = report.plan.meta.pdf_variant
    return document.write_pdf(**options)


def _confined_fetcher(roots: list[Path]):
    from weasyprint.urls import URLFetcher

    resolved = [r.resolve() for r in roots]

    class ConfinedFetcher(URLFetcher):
        """Loads ``data:`` URLs and files inside the allowed folders; nothing else."""

        def __init__(self):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=5)

        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                from urllib.request import url2pathname

                path = Path(url2pathname(url.split("?")[0].split("#")[0].removeprefix("file:")))
                if not any(is_inside(path, root) for root in resolved):
                    raise ValueError(f"refused to load a file outside the plan: {url}")
            elif not url.startswith("data:"):
                raise ValueError(f"refused to load from the network: {url}")
            return super().fetch(url, headers)

    return ConfinedFetcher()
