"""Editions of the PDF: which chapters an audience gets, and in what order.

``plan.yaml`` may define ``editions:``, each with a list of ``chapters``: section
slugs (``market`` for ``sections/03-market.md``), the structured chapters below,
``contents`` (where the table of contents goes; first by default) or ``all``.
A section whose front matter says ``editions: [internal]`` appears only there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

# The chapter names are declared with the records, so that validate can check them.
from planbuilder.records import ALL, CONTENTS, STRUCTURED

if TYPE_CHECKING:
    from planbuilder.model import Plan

#: The order of everything, for `all` and for plans without editions.
ALL_STRUCTURED = (
    "business-model",
    "goals",
    "milestones",
    "kpis",
    "team",
    "financials",
    "loan-request",
    "repayment",
    "collateral",
    "review",
)
DEFAULT_EDITION = "plan"


@dataclass(frozen=True, slots=True)
class Chapter:
    kind: str  # "section" or a STRUCTURED id
    id: str  # the section slug, or the structured id


@dataclass(frozen=True, slots=True)
class Edition:
    name: str
    title: str | None
    prepared_for: str | None
    chapters: tuple[Chapter, ...]
    contents_at: int  # index in `chapters` before which the table of contents goes

    def has(self, chapter_id: str) -> bool:
        return any(c.id == chapter_id for c in self.chapters)


def _available(plan: Plan, data: str) -> bool:
    fin = plan.financials
    if data == "loans":
        return fin is not None and bool(fin.loans)
    if data == "collateral":
        return fin is not None and bool(fin.collateral)
    if data == "business_model":
        return plan.business_model is not None
    return bool(getattr(plan, data))


def _expand(plan: Plan, name: str, wanted: list[str]) -> tuple[list[Chapter], int]:
    chapters: list[Chapter] = []
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
            chapters += [Chapter(c, c) for c in ALL_STRUCTURED if _available(plan, STRUCTURED[c])]
        elif item in slugs:
            if visible(item):
                chapters.append(Chapter("section", item))
        elif item in STRUCTURED and _available(plan, STRUCTURED[item]):
            chapters.append(Chapter(item, item))
    seen: set[str] = set()
    unique = [c for c in chapters if not (c.id in seen or seen.add(c.id))]
    return unique, min(contents_at, len(unique))


def editions(plan: Plan) -> tuple[Edition, ...]:
    """Every edition the plan defines, or one edition with everything."""
    if not plan.meta.editions:
        chapters, at = _expand(plan, DEFAULT_EDITION, [ALL])
        return (Edition(DEFAULT_EDITION, None, None, tuple(chapters), at),)
    found = []
    for spec in plan.meta.editions:
        chapters, at = _expand(plan, spec.name, list(spec.chapters))
        found.append(Edition(spec.name, spec.title, spec.prepared_for, tuple(chapters), at))
    return tuple(found)
