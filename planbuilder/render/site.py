"""Render the browsable HTML site: a dashboard plus one page per part of the plan.

All links are relative, so the site works when opened straight from disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from markupsafe import Markup

from planbuilder.compute import Report
from planbuilder.output import OutputFiles
from planbuilder.problems import Problem
from planbuilder.render.charts import Charts
from planbuilder.render.environment import make_environment
from planbuilder.render.formatting import Formatter
from planbuilder.render.labels import labels_for
from planbuilder.render.markdown import Target, heading_id
from planbuilder.render.sections import render_sections
from planbuilder.render.templates import TemplateProblem, render_template
from planbuilder.themes import Theme


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    path: str  # output path, e.g. "sections/market.html"
    template: str
    group: str  # "home", "plan" (narrative) or "tracking" (structured parts)

    @property
    def root(self) -> str:
        """Relative prefix from this page back to the site root."""
        return "../" * (len(PurePosixPath(self.path).parts) - 1)


def site_pages(report: Report, changes: object | None = None) -> list[Page]:
    """Every page the site has, in navigation order; parts appear only when they exist,
    and the "what changed" page only for ``build --changes-since``."""
    plan = report.plan
    labels = labels_for(plan.meta.locale)
    pages = [Page("index", str(labels["dashboard"]), "index.html", "index.html", "home")]
    pages += [
        Page(f"section:{s.slug}", s.title, f"sections/{s.slug}.html", "section.html", "plan")
        for s in plan.sections
    ]
    parts = [
        ("business-model", "business_model", plan.business_model is not None),
        ("goals", "goals", bool(plan.goals)),
        ("milestones", "milestones", bool(plan.milestones)),
        ("kpis", "kpis_short", bool(plan.kpis)),
        ("team", "team", bool(plan.team)),
        ("financials", "financials", report.financials is not None),
    ]
    pages += [
        Page(name, str(labels[label]), f"{name}.html", f"{name}.html", "tracking")
        for name, label, present in parts
        if present
    ]
    if changes is not None:
        pages.append(
            Page("changes", str(labels["what_changed"]), "changes.html", "changes.html", "tracking")
        )
    return pages


#: Parts of the plan the site shows on another part's page.
_PART_PAGES = {
    "use-of-funds": "financials",
    "loan-request": "financials",
    "repayment": "financials",
    "cash-flow": "financials",
    "dscr": "financials",
    "collateral": "financials",
    "review": "index",
}


def part_url(pages: list[Page], part: str, anchor: str, prefix: str) -> str | None:
    """The site URL of a structured part (``milestones``), or ``None`` when it has none."""
    by_id = {p.id: p for p in pages}
    page = by_id.get(_PART_PAGES.get(part, part))
    if page is None:
        return None
    return prefix + page.path + (f"#{anchor}" if anchor else "")


@dataclass(frozen=True)
class NavGroup:
    heading: str | None
    pages: tuple[Page, ...]


def navigation(pages: list[Page], labels: dict) -> tuple[NavGroup, ...]:
    """The sidebar: the dashboard, then the chapters, then the tracking pages."""
    headings = {"home": None, "plan": str(labels["plan"]), "tracking": str(labels["tracking"])}
    groups = (NavGroup(h, tuple(p for p in pages if p.group == g)) for g, h in headings.items())
    return tuple(g for g in groups if g.pages)


def render_site(
    report: Report,
    theme: Theme,
    pdf_links: tuple = (),
    *,
    root: Path,
    only_sections: set[str] | None = None,
    previous: OutputFiles | None = None,
    changes: object | None = None,
) -> tuple[OutputFiles, list[Problem]]:
    """All site files (pages, theme static files, plan assets) and the problems met.
    ``root`` is the plan folder (the model holds only paths relative to it).

    With ``only_sections`` and ``previous`` (the dev server, after an edit of section
    bodies alone), only those sections' pages are rendered; every other file is
    taken from ``previous``. ``changes`` (``diff.ReviewMarks``) adds review marks: the
    templates badge what changed, and a "what changed" page lists it.
    """
    incremental = only_sections is not None and previous is not None
    plan = report.plan
    fmt = Formatter(plan.meta.locale, plan.meta.currency)
    env = make_environment(theme, fmt)
    pages = site_pages(report, changes)
    out = OutputFiles()

    def target_for(_section) -> Target:
        # Section pages live one folder down, in sections/.
        return Target(
            asset_url=lambda p: f"../{p.as_posix()}",
            section_url=lambda slug, anchor: (
                f"../sections/{slug}.html" + (f"#{heading_id(slug, anchor)}" if anchor else "")
            ),
            chapter_url=lambda chapter, anchor: part_url(pages, chapter, anchor, "../"),
        )

    sections, problems = render_sections(
        report, root, target_for, only_sections if incremental else None
    )
    problems += theme.problems
    by_slug = {s.slug: s for s in plan.sections}
    labels = labels_for(plan.meta.locale)
    nav = navigation(pages, labels)
    for index, page in enumerate(pages):
        if incremental and page.id.split(":", 1)[-1] not in only_sections:
            out.add(page.path, previous.files[page.path])
            continue
        context = {
            "report": report,
            "plan": plan,
            "meta": plan.meta,
            "page": page,
            "pages": pages,
            "nav": nav,
            "previous_page": pages[index - 1] if index > 0 else None,
            "next_page": pages[index + 1] if index + 1 < len(pages) else None,
            "root": page.root,
            # (edition, href relative to the site root) of each PDF built with the site
            "pdf_links": [(edition, page.root + href) for edition, href in pdf_links],
            "charts": Charts(report, fmt, labels),
            "money": report.financials,
            "changes": changes,  # review marks (build --changes-since), else None
        }
        if page.id.startswith("section:"):
            slug = page.id.split(":", 1)[1]
            context["section"] = by_slug[slug]
            context["body"] = Markup(sections[slug].html)  # markdown-it output, raw HTML off
        try:
            html = render_template(env, page.template, context)
        except TemplateProblem as exc:
            problems.append(exc.problem)
            continue
        out.add(page.path, html.encode("utf-8"))
    if incremental:
        for relative, content in previous.files.items():
            if relative not in out:
                out.add(relative, content)
        return out, problems
    for relative, path in theme.files("static").items():
        out.add(f"static/{relative}", path)
    for asset in plan.assets:
        out.add(asset, root / asset)
    return out, problems
