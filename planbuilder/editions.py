"""Editions of the PDF: which chapters an audience gets, and in what order.

``plan.yaml`` may define ``editions:``, each with a list of ``chapters``: section
slugs (``market`` for ``sections/03-market.md``), the chapters the theme declares in
its ``theme.yaml`` (goals, financials, ...),
``contents`` (where the table of contents goes; first by default) or ``all``. The
appendices ``all`` brings (``appendix: true`` in ``theme.yaml``) close the edition, after
every chapter the list names, so ``[all, use-of-funds]`` puts the use of funds before them.
A section whose front matter says ``editions: [internal]`` appears only there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from planbuilder.records import ALL, CONTENTS
from planbuilder.themes import ChapterSpec, Theme

if TYPE_CHECKING:
    from planbuilder.model import Plan

DEFAULT_EDITION = "plan"


@dataclass(frozen=True, slots=True)
class Chapter:
    kind: str  # "section" or the id of a chapter the theme declares
    id: str  # the section slug, or the chapter id
    spec: ChapterSpec | None = None  # the theme's declaration (None for a section)


@dataclass(frozen=True, slots=True)
class Edition:
    name: str
    title: str | None
    prepared_for: str | None
    chapters: tuple[Chapter, ...]
    contents_at: int  # index in `chapters` before which the table of contents goes

    def has(self, chapter_id: str) -> bool:
        return any(c.id == chapter_id for c in self.chapters)

    @property
    def contents_last(self) -> bool:
        """The table of contents comes after every chapter."""
        return self.contents_at >= len(self.chapters)


def _available(plan: Plan, data: str | None) -> bool:
    fin = plan.financials
    if data is None:
        return True
    if data == "loans":
        return fin is not None and bool(fin.loans)
    if data == "collateral":
        return fin is not None and bool(fin.collateral)
    if data == "business_model":
        return plan.business_model is not None
    return bool(getattr(plan, data))


def _expand(plan: Plan, theme: Theme, name: str, wanted: list[str]) -> tuple[list[Chapter], int]:
    chapters: list[Chapter] = []
    appendices: list[Chapter] = []  # from `all`: after every other chapter
    declared = {c.id: c for c in theme.chapters}
    contents_at = 0
    slugs = {s.slug: s for s in plan.sections}

    def visible(slug: str) -> bool:
        tags = slugs[slug].editions
        return not tags or name in tags

    for item in wanted:
        if item == CONTENTS:
            contents_at = len(chapters)
        elif item == ALL:
            chapters += [Chapter("section", s.slug) for s in plan.sections if visible(s.slug)]
            brought = [
                Chapter(c.id, c.id, c)
                for c in theme.chapters
                if c.in_all and _available(plan, c.needs)
            ]
            chapters += [c for c in brought if not (c.spec and c.spec.appendix)]
            appendices += [c for c in brought if c.spec and c.spec.appendix]
        elif item in slugs:
            if visible(item):
                chapters.append(Chapter("section", item))
        elif item in declared and _available(plan, declared[item].needs):
            chapters.append(Chapter(item, item, declared[item]))
    if contents_at == len(chapters):  # `contents` last: after the appendices too
        contents_at += len(appendices)
    chapters += appendices
    seen: set[str] = set()
    unique = [c for c in chapters if not (c.id in seen or seen.add(c.id))]
    return unique, min(contents_at, len(unique))


def editions(plan: Plan, theme: Theme) -> tuple[Edition, ...]:
    """Every edition the plan defines, or one edition with everything; structured
    chapters are those ``theme`` declares (by default the plan's own theme)."""
    if not plan.meta.editions:
        chapters, at = _expand(plan, theme, DEFAULT_EDITION, [ALL])
        return (Edition(DEFAULT_EDITION, None, None, tuple(chapters), at),)
    found = []
    for spec in plan.meta.editions:
        chapters, at = _expand(plan, theme, spec.name, list(spec.chapters))
        found.append(Edition(spec.name, spec.title, spec.prepared_for, tuple(chapters), at))
    return tuple(found)
