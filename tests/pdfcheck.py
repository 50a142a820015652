"""Layout check of a built PDF from its glyph and rule positions (pdfplumber).

``check(path)`` returns the problems a reader would see on paper, one sentence each:

- a glyph lies outside the page (a column cut off), or body text runs into the side margin;
- two glyphs of one line overlap (text spilling out of its cell over the next);
- a page is nearly blank: it holds one or two lines of text and nothing else;
- a header cell of a landscape table (a statement's period label) holds two lines;
- a heading's part number ("(2/3)") stands on a line of its own;
- the running header takes two lines;
- a heading, or a table caption, ends a page while the block it introduces starts the next;
- a table split over pages leaves fewer than three rows on one of them;
- the contents page is not the page right after the cover.

It reads the default theme's print style: the body lies inside the @page margins (the running
header and footer lie outside), headings are bold and at least 11 pt, table captions are 8 pt
grey, a table's header row has a light fill and its rows are ruled.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

MM = 72 / 25.4
#: The default theme's page margin (print.css ``@page { margin: 22mm 18mm }``).
MARGIN_Y = 22 * MM
MARGIN_X = 18 * MM
#: h3 is 11 pt; the bold 10.5 pt values of the key-figure cards (``.fin-figures dd``) are
#: not headings, and a card may well end a page.
HEADING_MIN_PT = 10.9
CAPTION_PT = (7.9, 8.1)
CAPTION_GREY = (0.357, 0.392, 0.439)  # #5b6470
HEADER_FILL = (0.933, 0.949, 0.965)  # #eef2f6, thead th
MIN_ROWS = 3
LEADER = re.compile(r"\.{4,}\s*\d+\s*$")


@dataclass
class Line:
    """One line of body text on a page."""

    text: str
    top: float
    bottom: float
    size: float
    bold: bool
    grey: bool


@dataclass
class Table:
    """The part of one table that lies on one page: its horizontal extent and its rules."""

    x0: float
    x1: float
    top: float
    bottom: float
    header: bool = False
    rules: list[float] = field(default_factory=list)
    rows: int = 0


@dataclass
class PageView:
    number: int  # 1-based
    lines: list[Line]
    tables: list[Table]
    body_bottom: float  # lowest body content (text or rule)
    body_top: float


def _near(a: tuple, b: tuple, tolerance: float = 0.02) -> bool:
    try:
        return len(a) == len(b) and all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))
    except TypeError:
        return False


def _text(chars: list[dict]) -> str:
    """The characters of one line, with a space wherever a gap is as wide as one."""
    text, right = "", None
    for char in sorted(chars, key=lambda c: c["x0"]):
        if right is not None and char["x0"] - right > char["size"] * 0.2:
            text += " "
        text, right = text + char["text"], char["x1"]
    return text


def _lines(page, top: float, bottom: float) -> list[Line]:
    """Body glyphs grouped into lines by their vertical position (faster than pdfplumber's
    own text extraction, which this check does not need)."""
    chars = sorted(
        (c for c in page.chars if c["text"].strip() and top - 1 <= c["top"] <= bottom + 1),
        key=lambda c: (round(c["bottom"]), c["x0"]),
    )
    groups: list[list[dict]] = []
    for char in chars:
        if groups and abs(groups[-1][0]["bottom"] - char["bottom"]) <= 2:
            groups[-1].append(char)
        else:
            groups.append([char])
    return [
        Line(
            text=_text(group),
            top=min(c["top"] for c in group),
            bottom=max(c["bottom"] for c in group),
            size=max(c["size"] for c in group),
            bold=all("Bold" in c["fontname"] for c in group),
            grey=all(_near(tuple(c["non_stroking_color"] or ()), CAPTION_GREY) for c in group),
        )
        for group in groups
    ]


def _tables(page, top: float, bottom: float) -> list[Table]:
    """Tables as clusters of ruled rows that share one horizontal extent."""
    rows: dict[float, list[float]] = {}
    for line in page.lines:
        if abs(line["top"] - line["bottom"]) > 0.1 or not top - 1 <= line["top"] <= bottom + 1:
            continue
        span = rows.setdefault(round(line["top"], 1), [line["x0"], line["x1"]])
        span[0], span[1] = min(span[0], line["x0"]), max(span[1], line["x1"])
    headers = [
        r
        for r in page.rects
        if _near(tuple(r.get("non_stroking_color") or ()), HEADER_FILL)
        and top - 1 <= r["top"] <= bottom
    ]
    tables: list[Table] = []
    for y, (x0, x1) in sorted(rows.items()):
        if x1 - x0 < 40:
            continue
        table = next(
            (t for t in tables if abs(t.x0 - x0) < 2 and abs(t.x1 - x1) < 2 and y - t.bottom < 200),
            None,
        )
        if table is None:
            table = Table(x0, x1, y, y)
            tables.append(table)
        table.rules.append(y)
        table.bottom = y
    for table in tables:
        band = [r for r in headers if r["x0"] >= table.x0 - 2 and r["x1"] <= table.x1 + 2]
        band = [r for r in band if r["bottom"] <= table.rules[0] + 2 and r["top"] >= table.top - 60]
        if band:
            table.header = True
            table.top = min(r["top"] for r in band)
            head_bottom = max(r["bottom"] for r in band)
            table.rows = len([y for y in table.rules if y > head_bottom + 1])
        else:
            table.rows = len(table.rules)
    return tables


def _view(page, number: int) -> PageView:
    top, bottom = MARGIN_Y, page.height - MARGIN_Y
    lines = _lines(page, top, bottom)
    tables = _tables(page, top, bottom)
    edges = [line.bottom for line in lines] + [t.bottom for t in tables]
    starts = [line.top for line in lines] + [t.top for t in tables]
    return PageView(number, lines, tables, max(edges, default=0), min(starts, default=0))


def _outside(page, number: int) -> list[str]:
    out = [
        c["text"]
        for c in page.chars
        if c["text"].strip()
        and (
            c["x0"] < -0.5
            or c["x1"] > page.width + 0.5
            or c["top"] < -0.5
            or c["bottom"] > page.height + 0.5
        )
    ]
    if not out:
        return []
    return [f"page {number}: {len(out)} glyphs lie outside the page: {''.join(out)[:40]!r}"]


def _css_text(char: dict) -> bool:
    """Text the theme sets in whole or half points; a chart's SVG labels are scaled to
    other sizes, and tests/test_charts.py is theirs."""
    return abs(char["size"] * 2 - round(char["size"] * 2)) < 0.01


def _into_margin(page, number: int) -> list[str]:
    """Body glyphs (between the top and bottom margins) that cross a side margin."""
    out = [
        c["text"]
        for c in page.chars
        if c["text"].strip()
        and _css_text(c)
        and MARGIN_Y <= c["top"] <= page.height - MARGIN_Y
        and (c["x0"] < MARGIN_X - 1 or c["x1"] > page.width - MARGIN_X + 1)
        and c["x0"] >= 0
        and c["x1"] <= page.width  # outside the page: reported already
    ]
    if not out:
        return []
    return [f"page {number}: {len(out)} glyphs run into the side margin: {''.join(out)[:40]!r}"]


def _overlapping(page, number: int) -> list[str]:
    """Glyphs of one line drawn over each other: text that spills out of its cell."""
    chars = sorted(
        (c for c in page.chars if c["text"].strip() and c["x1"] - c["x0"] > 0.5),
        key=lambda c: (round(c["bottom"]), c["x0"]),
    )
    for a, b in itertools.pairwise(chars):
        if abs(a["bottom"] - b["bottom"]) > 0.5 or abs(a["size"] - b["size"]) > 0.1:
            continue
        overlap = a["x1"] - b["x0"]
        if overlap > 0.5 * min(a["x1"] - a["x0"], b["x1"] - b["x0"]):
            line = "".join(c["text"] for c in chars if abs(c["bottom"] - a["bottom"]) <= 0.5)
            return [f"page {number}: glyphs overlap on the line {line[:50]!r}"]
    return []


def _nearly_blank(view: PageView) -> list[str]:
    """A page holding one or two lines of text and no table or drawing: a heading and
    a line that would have fitted elsewhere, or a stray caption or footnote."""
    if view.tables or not view.lines or len(view.lines) > 2:
        return []
    text = " / ".join(line.text for line in view.lines)
    return [f"page {view.number} is nearly blank: it holds only {text[:60]!r}"]


def _two_line_headers(page, number: int) -> list[str]:
    """On a landscape page, a header cell (light fill) whose text takes two lines: a
    statement's period labels stay on one line."""
    if page.width <= page.height:
        return []
    for rect in page.rects:
        if not _near(tuple(rect.get("non_stroking_color") or ()), HEADER_FILL):
            continue
        inside = [
            c
            for c in page.chars
            if c["text"].strip()
            and rect["x0"] - 0.5 <= c["x0"]
            and c["x1"] <= rect["x1"] + 0.5
            and rect["top"] - 0.5 <= c["top"]
            and c["bottom"] <= rect["bottom"] + 0.5
        ]
        baselines = {round(c["bottom"]) for c in inside}
        if len(baselines) > 1:
            text = "".join(c["text"] for c in sorted(inside, key=lambda c: (c["bottom"], c["x0"])))
            return [f"page {number}: a header cell takes two lines: {text[:40]!r}"]
    return []


PART = re.compile(r"^\(\d+/\d+\)$")


def _lone_part_numbers(view: PageView) -> list[str]:
    return [
        f"page {view.number}: the part number {line.text!r} of a heading is on a line of its own"
        for line in view.lines
        if line.bold and line.size >= HEADING_MIN_PT and PART.match(line.text.strip())
    ]


def _running_header_lines(page, number: int) -> list[str]:
    """The running header (in the top margin) on more than one line."""
    head = [c for c in page.chars if c["text"].strip() and c["bottom"] < MARGIN_Y - 1]
    if len({round(c["bottom"]) for c in head}) > 1:
        return [f"page {number}: the running header takes two lines"]
    return []


def _last_line(view: PageView) -> Line | None:
    return max(view.lines, key=lambda line: line.bottom, default=None)


def _first_table(view: PageView) -> Table | None:
    first = min(view.tables, key=lambda t: t.top, default=None)
    if first is None:
        return None
    text_above = [line for line in view.lines if line.bottom < first.top - 1]
    return None if text_above else first


def _last_table(view: PageView) -> Table | None:
    last = max(view.tables, key=lambda t: t.bottom, default=None)
    if last is None:
        return None
    text_below = [line for line in view.lines if line.top > last.bottom + 14]
    return None if text_below else last


def check(path: Path | str) -> list[str]:
    """Every layout problem of the PDF at ``path``; an empty list when it reads well."""
    import pdfplumber

    problems: list[str] = []
    with pdfplumber.open(str(path)) as pdf:
        views = []
        for number, page in enumerate(pdf.pages, 1):
            problems += _outside(page, number)
            views.append(_view(page, number) if number > 1 else PageView(1, [], [], 0, 0))
            if number > 1:  # the cover is laid out without margins, on purpose
                problems += _into_margin(page, number)
                problems += _overlapping(page, number)
                problems += _nearly_blank(views[-1])
                problems += _lone_part_numbers(views[-1])
                problems += _two_line_headers(page, number)
                problems += _running_header_lines(page, number)
        contents = [
            v.number for v in views if sum(bool(LEADER.search(x.text)) for x in v.lines) >= 2
        ]
        if contents and contents[0] != 2:
            problems.append(f"the contents are on page {contents[0]}, not right after the cover")
        for view, after in itertools.pairwise(views[1:]):
            last = _last_line(view)
            if last is None or not after.lines:
                continue
            lower_content = [t for t in view.tables if t.bottom > last.bottom]
            if lower_content:
                last = None
            if last is not None and last.bold and last.size >= HEADING_MIN_PT and last.size < 25:
                problems.append(f"page {view.number} ends with the heading {last.text!r}")
            elif (
                last is not None
                and last.grey
                and CAPTION_PT[0] <= last.size <= CAPTION_PT[1]
                and (first := _first_table(after)) is not None
                and first.header
            ):
                problems.append(f"page {view.number} ends with the caption {last.text!r}")
            tail, head = _last_table(view), _first_table(after)
            if (
                tail is not None
                and head is not None
                and head.header
                and abs(tail.x0 - head.x0) < 2
                and abs(tail.x1 - head.x1) < 2
            ):
                if tail.rows < MIN_ROWS:
                    problems.append(
                        f"page {view.number} holds only {tail.rows} row(s) of a table "
                        "that goes on overleaf"
                    )
                ends_there = _last_table(after) is not head or head.bottom < after.body_bottom - 14
                if (ends_there or after is views[-1]) and head.rows < MIN_ROWS:
                    problems.append(
                        f"page {after.number} holds only {head.rows} row(s) of a table "
                        "begun on the page before"
                    )
    return problems
