"""The narrative sections of a plan rendered for one target: the site or a print document."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath

from planbuilder.compute import Report
from planbuilder.model import Section
from planbuilder.problems import Problem
from planbuilder.render.formatting import Formatter
from planbuilder.render.labels import labels_for
from planbuilder.render.markdown import Prose, RenderedSection, Target, render_section


def render_sections(
    report: Report,
    root: Path,
    target_for: Callable[[Section], Target],
    only: set[str] | None = None,
) -> tuple[dict[str, RenderedSection], list[Problem]]:
    """Render section bodies (all, or the slugs in ``only``) for one target; ``root`` is
    the plan folder, where images and linked files are looked up."""
    by_file = {PurePosixPath(s.path).name: s.slug for s in report.plan.sections}
    prose = prose_context(report)
    rendered = {}
    problems: list[Problem] = []
    for section in report.plan.sections:
        if only is not None and section.slug not in only:
            continue
        result = render_section(section, root, target_for(section), by_file, prose)
        rendered[section.slug] = result
        problems.extend(result.problems)
    return rendered, problems


def prose_context(report: Report) -> Prose:
    """The figures, formatter and reference targets prose of this plan resolves against."""
    plan = report.plan
    names = labels_for(plan.meta.locale)["chapter_names"]
    targets = [(s.slug, "section", s.title) for s in plan.sections]
    targets += [(chapter, "chapter", str(title)) for chapter, title in names.items()]
    targets += [(f"goal.{g.id}", "goal", g.title) for g in plan.goals]
    return Prose(
        figures=report.figures,
        fmt=Formatter(plan.meta.locale, plan.meta.currency),
        targets=tuple(targets),
    )
