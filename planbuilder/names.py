"""Display names: how an id of the plan reads in the document.

A scenario, a use-of-funds line, an expense category or a KPI category is named by an
id in the plan (``costs-up``, ``working_capital``). Readers see its display name: the
``label:`` the author gave it, else the theme's word for a standard id
(``working_capital`` → "Vốn lưu động"), else the id made readable (``costs-up`` →
"Costs up"). Ids stay ids wherever they name something (links, anchors, figure names).
"""

from __future__ import annotations

from collections.abc import Mapping

#: The theme's words for standard ids, by id (``{"other": "Otros", ...}``).
Words = Mapping[str, object]


def readable(ident: str) -> str:
    """``costs-up`` → "Costs up": ``_`` and ``-`` become spaces and the first letter is
    upper-case; the rest stays as written, so "Mặt bằng Đà Nẵng" keeps its capitals."""
    text = " ".join(ident.replace("_", " ").replace("-", " ").split())
    return text[:1].upper() + text[1:]


def display_name(ident: str, label: str | None = None, words: Words | None = None) -> str:
    """The name readers see: ``label`` if given, else the word for a standard id, else
    the id made readable."""
    if label:
        return label
    if words and ident in words:
        return str(words[ident])
    return readable(ident)
