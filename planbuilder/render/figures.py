"""Figures and cross-references in Markdown: a markdown-it inline rule, and the lint
for amounts written literally.

Three forms, none of which CommonMark gives a meaning (``\\{`` writes a brace):

- ``{=loan.equipment-loan.principal}`` — a figure of the plan, formatted for its locale;
- ``{>milestones}``, ``{>milestones: the milestone table}``, ``{>goal.margin}`` — a
  cross-reference: a link where the target is part of the document, the plain wording
  where it is not (``{>milestones?: ...}`` marks a reference that may be left out);
- ``{~$17.50}`` — an amount that is deliberately not one of the plan's figures.

The text inside the braces is only ever looked up or printed (escaped), never run.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_symbol, get_decimal_symbol, get_group_symbol
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from planbuilder.figures import Figure, Figures
from planbuilder.render.formatting import Formatter

#: The sigils after ``{``: figure, cross-reference, deliberate literal.
FIGURE, REFERENCE, LITERAL = "=", ">", "~"
#: A figure or target name: dotted, lowercase ids.
NAME = re.compile(r"[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)*")
#: ``target``, ``target?``, each optionally followed by ``: wording``.
_REFERENCE = re.compile(r"\s*(?P<target>[^\s:?]*)(?P<optional>\?)?\s*(?::\s*(?P<wording>.*))?")
_MAX = 300  # a brace left open does not swallow the paragraph


@dataclass(frozen=True, slots=True)
class Ref:
    """What the inline rule found: the sigil, the text inside the braces, as written."""

    sigil: str
    body: str
    raw: str


def _rule(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "{" or pos + 1 >= state.posMax or src[pos + 1] not in "=>~":
        return False
    end = src.find("}", pos + 2, min(state.posMax, pos + _MAX))
    if end < 0 or "\n" in src[pos:end]:
        return False
    if not silent:
        token = state.push("figure_ref", "", 0)
        token.meta = {"ref": Ref(src[pos + 1], src[pos + 2 : end], src[pos : end + 1])}
    state.pos = end + 1
    return True


def install(md: MarkdownIt) -> MarkdownIt:
    """Teach a parser the three forms (tokens of type ``figure_ref``)."""
    md.inline.ruler.before("backticks", "figure_ref", _rule)
    return md


def format_figure(figure: Figure, fmt: Formatter) -> str:
    """A figure as prose shows it: money without cents when it has none."""
    value = figure.value
    if figure.kind == "money":
        return fmt.money(value, whole=value == value.to_integral_value())
    if figure.kind == "percent":
        return fmt.percent(value, digits=2)
    if figure.kind == "ratio":
        return fmt.ratio(value)
    if figure.kind == "count":
        return fmt.number(value, 2 if value != value.to_integral_value() else 0)
    if figure.kind == "date":
        return fmt.date(value, "long")
    if figure.kind == "month":
        return fmt.month(value)
    return str(value)


def parse_reference(body: str) -> tuple[str, bool, str | None]:
    """``milestones?: the table`` → (target, optional, wording or None)."""
    match = _REFERENCE.fullmatch(body)
    if match is None:  # pragma: no cover - the pattern matches any text
        return body, False, None
    wording = match["wording"]
    return match["target"], bool(match["optional"]), wording.strip() if wording else None


# Literal amounts -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    text: str  # as written, e.g. "$60,000"
    kind: str  # money or percent
    value: Decimal
    places: int  # decimal places written


@functools.lru_cache(maxsize=32)
def _amounts(locale: str, currency: str) -> tuple[re.Pattern[str], str, str, tuple[str, ...]]:
    """The pattern of money and percentages in ``locale``, its group and decimal signs, and
    the signs one of which every match holds (the currency's symbol and code, ``%``)."""
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    # a group sign written as a no-break space may be typed as a plain one
    groups = re.escape(group) + (" " if group.isspace() else "")
    number = rf"\d(?:[\d{groups}]*\d)?(?:{re.escape(decimal)}\d+)?"
    symbols = {get_currency_symbol(currency, locale), currency}
    sym = "|".join(re.escape(s) for s in sorted(symbols, key=len, reverse=True))
    space = r"[ \u00a0\u202f]?"
    pattern = re.compile(
        rf"(?:(?:{sym}){space}(?P<m1>{number})|(?<![\w.,])(?P<m2>{number}){space}(?:{sym})"
        rf"|(?<![\w.,])(?P<p>{number}){space}%)"
    )
    return pattern, group, decimal, (*symbols, "%")


def amount_signs(fmt: Formatter) -> tuple[str, ...]:
    """The signs one of which every literal ``literals`` finds holds."""
    return _amounts(fmt.locale, fmt.currency)[3]


def literals(text: str, fmt: Formatter) -> list[Literal]:
    """Money amounts (with the plan's currency symbol or code) and percentages in text."""
    pattern, group, decimal, signs = _amounts(fmt.locale, fmt.currency)
    for sign in signs:
        if sign in text:
            break
    else:
        return []  # most text has no amount: a substring test is much faster than the pattern
    found = []
    for match in pattern.finditer(text):
        digits = match["m1"] or match["m2"] or match["p"]
        plain = re.sub(r"\s", "", digits.replace(group, "")).replace(decimal, ".")
        try:
            value = Decimal(plain)
        except InvalidOperation:  # pragma: no cover - the pattern admits numbers only
            continue
        places = len(plain.split(".")[1]) if "." in plain else 0
        kind = "percent" if match["p"] else "money"
        found.append(Literal(match.group(0), kind, value, places))
    return found


def matching(literal: Literal, figures: Figures) -> list[Figure]:
    """Figures of the literal's kind equal to it at the precision it was written with."""
    unit = Decimal(1).scaleb(-literal.places)
    return [
        f
        for f in figures
        if f.kind == literal.kind and Decimal(f.value).quantize(unit) == literal.value
    ]


def nearest(literal: Literal, figures: Figures, fmt: Formatter, count: int = 3) -> str:
    """The closest figures of the literal's kind, as ``name (value)``."""
    same = [f for f in figures if f.kind == literal.kind]
    same.sort(key=lambda f: (abs(Decimal(f.value) - literal.value), f.name))
    return ", ".join(f"`{{={f.name}}}` ({format_figure(f, fmt)})" for f in same[:count])
