"""Inline SVG charts, made by our own code: no JavaScript, no network, one file for HTML and PDF.

Every chart has a ``<title>`` and ``<desc>`` for screen readers, and tells
statuses apart by shape and line style as well as colour, so it reads in
greyscale print. Coordinates are floats; they are drawing positions, not money.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from planbuilder.calendar import first_day, index_of, month_end, month_name
from planbuilder.compute import KpiView, MilestoneView, Report
from planbuilder.model import Milestone
from planbuilder.render.formatting import Formatter

FONT = 'font-family="Plan Sans, DejaVu Sans, system-ui, sans-serif"'
INK = "#1f2530"
MUTED = "#5b6470"
GRID = "#d5dbe2"
BRAND = "#14324f"

STATUS_STYLE = {
    # status: (fill, stroke, shape)
    "done-on-time": ("#1e6b36", "#1e6b36", "circle"),
    "done-late": ("#7da35a", "#3f6b1e", "square"),
    "overdue": ("#9b2c2c", "#9b2c2c", "triangle"),
    "due-soon": ("#ffffff", "#8a5a00", "diamond"),
    "upcoming": ("#ffffff", "#5b6470", "circle"),
}


def _num(value: float) -> str:
    if value.__class__ is int:
        return str(value)
    return f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


#: SVG attribute names by keyword (``class_`` → ``class``, ``stroke_width`` → ``stroke-width``).
_ATTRIBUTES: dict[str, str] = {}


def _el(tag: str, **attrs: object) -> str:
    """One empty SVG element; ``class_`` → ``class``, ``stroke_width`` → ``stroke-width``."""
    rendered = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = _ATTRIBUTES.get(key)
        if name is None:
            name = _ATTRIBUTES[key] = key.rstrip("_").replace("_", "-")
        text = _num(value) if isinstance(value, (int, float)) else escape(str(value))
        rendered.append(f'{name}="{text}"')
    return f"<{tag} {' '.join(rendered)}/>"


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, **attrs: object) -> str:
    return _el("line", x1=x1, y1=y1, x2=x2, y2=y2, stroke=stroke, **attrs)


def _points(*pairs: tuple[float, float]) -> str:
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in pairs)


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 11,
    anchor: str = "start",
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}" {FONT}>{escape(text)}</text>'
    )


def _lines(
    x: float,
    y: float,
    lines: Sequence[str],
    *,
    size: float,
    leading: float,
    anchor: str = "start",
    fill: str = INK,
    weight: str = "normal",
) -> str:
    """Text on one line (a plain ``<text>``) or several (one ``<tspan>`` a line, each
    ``leading`` below the last); ``y`` is the first baseline."""
    if len(lines) == 1:
        return _text(x, y, lines[0], size=size, anchor=anchor, fill=fill, weight=weight)
    spans = "".join(
        f'<tspan x="{_num(x)}" dy="{_num(0 if i == 0 else leading)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}" {FONT}>{spans}</text>'
    )


def wrap(text: str, room: float, size: float) -> list[str]:
    """``text`` whole, in as few lines as fit ``room`` units each at ``size`` (broken at
    spaces; a word longer than a line is broken inside)."""
    limit = max(4, int(room / (0.62 * size)))
    if len(text) <= limit and not text[-1:].isspace() and not _WRAP_SPACES.intersection(text):
        # One line, as textwrap would give it (it drops only whitespace at the end and
        # changes only these characters), without its splitting into words.
        return [text]
    return textwrap.wrap(text, limit, break_on_hyphens=False) or [text]


_WRAP_SPACES = frozenset("\t\n\x0b\x0c\r")


def _marker(status: str, x: float, y: float, r: float = 5.5) -> str:
    # Written out rather than through _el: the timeline draws one per milestone.
    fill, stroke, shape = STATUS_STYLE[status]
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="2"'
    if shape == "circle":
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" {paint}/>'
    if shape == "square":
        s = r * 0.9
        return (
            f'<rect x="{_num(x - s)}" y="{_num(y - s)}" width="{_num(2 * s)}" '
            f'height="{_num(2 * s)}" {paint}/>'
        )
    if shape == "triangle":
        corners = _points((x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r))
    else:
        corners = _points((x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y))
    return f'<polygon points="{corners}" {paint}/>'


def _open(
    ident: str, width: int, height: int, title: str, desc: str, css_class: str
) -> tuple[str, str]:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>'
    )
    return head, "</svg>"


@dataclass(frozen=True)
class TimeAxis:
    start: dt.date
    end: dt.date
    x0: float
    x1: float

    def x(self, day: dt.date) -> float:
        span = max((self.end - self.start).days, 1)
        return self.x0 + (self.x1 - self.x0) * (day - self.start).days / span

    def months(self) -> list[dt.date]:
        """First days of months to label: every month, or every 2, 3, 6 or 12 on long spans."""
        first, last = index_of(self.start), index_of(self.end)
        total = last - first + 1
        # Whole years beyond six: a span of decades still gets at most 12 labels.
        step = next((s for s in (1, 2, 3, 6) if total / s <= 12), 12 * math.ceil(total / 144))
        days = (first_day(i) for i in range(first, last + 1) if i % step == 0)
        return [day for day in days if day >= self.start]


def _month_floor(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_ceil(day: dt.date) -> dt.date:
    return first_day(index_of(day) + 1)


def _time_grid(axis: TimeAxis, top: float, bottom: float, fmt: Formatter) -> list[str]:
    parts = []
    months = axis.months()
    step = label_step([axis.x(t) for t in months], [fmt.month(t) for t in months], 13)
    for i, tick in enumerate(months):
        x = axis.x(tick)
        parts.append(_line(x, top, x, bottom, GRID, stroke_width=1))
        # A label the chart's edge would cut says nothing: it is left out.
        if i % step == 0 and x + 3 + text_width(fmt.month(tick), 13) <= axis.x1 + 20:
            parts.append(_text(x + 3, bottom + 16, fmt.month(tick), size=13, fill=MUTED))
    return parts


def _today_line(
    axis: TimeAxis, as_of: dt.date, top: float, bottom: float, fmt: Formatter, label: str
) -> list[str]:
    x = axis.x(as_of)
    text = f"{label} {fmt.date(as_of)}"
    half = text_width(text, 13) / 2
    # Centred on the line, but kept whole inside the chart's width.
    centre = min(max(x, half + 4), axis.x1 + 16 - half)
    return [
        _line(
            x, top - 6, x, bottom, BRAND, class_="today", stroke_width=1.5, stroke_dasharray="4 3"
        ),
        _text(
            centre,
            top - 9,
            text,
            size=13,
            anchor="middle",
            fill=BRAND,
            weight="bold",
        ),
    ]


#: The timeline's milestone titles take the room they need up to this many units (of 900);
#: a longer title wraps onto more lines, so the time axis keeps at least 420 units.
TIMELINE_LABEL_MAX = 440
#: Distance between two lines of a wrapped label, in font sizes.
LEADING = 1.2


def timeline(ident: str, report: Report, fmt: Formatter, labels: dict) -> Markup:
    """Milestones by goal on a time axis, with an ``as_of`` line and status markers."""
    views = report.milestones
    if not views:
        return Markup("")
    # A milestone that advances two goals shows under both: this is a view by goal.
    groups: list[tuple[str, list[MilestoneView]]] = [
        (g.goal.title, list(g.milestones)) for g in report.goals if g.milestones
    ]
    linked = {v.milestone.id for _, rows in groups for v in rows}
    others = [v for v in views if v.milestone.id not in linked]
    if others:
        groups.append((str(labels["no_goal"]), others))

    dates = [report.as_of]
    for v in views:
        m = v.milestone
        dates.append(m.due)
        if m.done:
            dates.append(m.done)
        if m.history:
            dates += [h.due for h in m.history if h.due]
    # 900 units on a 174 mm column: 13 units print at 7 pt.
    width, size, top = 900, 13, 40
    leading = size * LEADING
    # text_width grows with the length alone: the longest title is the widest.
    widest = text_width(max((v.milestone.title for v in views), key=len), size)
    room = min(max(widest, 160.0), TIMELINE_LABEL_MAX)
    axis = TimeAxis(_month_floor(min(dates)), _month_ceil(max(dates)), 16 + room + 12, 880)
    if len(_TIMELINE_ROWS) > _TIMELINE_KEEP:
        _TIMELINE_ROWS.clear()
        _TIMELINE_WRAPS.clear()
    titles = {}
    for v in views:
        title = v.milestone.title
        lines = _TIMELINE_WRAPS.get((title, room))
        if lines is None:
            lines = _TIMELINE_WRAPS[(title, room)] = wrap(title, room, size)
        titles[v.milestone.id] = lines
    headings = [wrap(goal_title, width - 40, size) for goal_title, _ in groups]

    def row_h(v: MilestoneView) -> float:
        return 26 + leading * (len(titles[v.milestone.id]) - 1)

    def group_h(lines: list[str]) -> float:
        return 28 + leading * (len(lines) - 1)

    legend, legend_rows = _legend(labels, 16, width - 16)
    rows_h = sum(
        group_h(h) + sum(row_h(v) for v in rows)
        for h, (_, rows) in zip(headings, groups, strict=True)
    )
    height = math.ceil(top + rows_h + 60 + 20 * (legend_rows - 1))
    title = f"{labels['timeline']}: {len(views)} {labels['milestones'].lower()}"
    names = labels["status_names"]
    desc = "; ".join(
        f"{v.milestone.title}: {names[v.status.value]}, {fmt.date(v.milestone.due)}" for v in views
    )
    head, tail = _open(ident, width, height, title, desc, "timeline-chart")
    body = [_el("rect", width=width, height=height, fill="#ffffff")]
    bottom = height - 44
    body += _time_grid(axis, top, bottom, fmt)
    y = top
    frame = (room, axis)
    last = _LAST_VIEW_ROWS[0]  # read once: another thread may draw a timeline meanwhile
    kept = last[1] if last is not None and last[0] == frame else {}
    made: dict[tuple[int, float], tuple[MilestoneView, str]] = {}
    for heading, (_, rows) in zip(headings, groups, strict=True):
        body.append(
            _lines(8, y + 18, heading, size=size, leading=leading, weight="bold", fill=BRAND)
        )
        y += group_h(heading)
        for v in rows:
            m = v.milestone
            lines = titles[m.id]
            height_ = 26 + leading * (len(lines) - 1)  # row_h(v)
            cy = y + height_ / 2
            found = kept.get((id(v), cy))
            if found is not None and found[0] is v:
                row = found[1]  # the very same view, at the same height, on the same axis
            else:
                status = v.status.value
                # What the row's drawing depends on: the same row is drawn once per process.
                first_due = v.first_due
                xs = (
                    axis.x(first_due) if first_due else None,
                    axis.x(m.due),
                    axis.x(m.done) if m.done else None,
                )
                key = (status, m.title, room, cy, first_due, m.due, m.done, *xs)
                row = _TIMELINE_ROWS.get(key)
                if row is None:
                    row = _TIMELINE_ROWS[key] = _timeline_row(status, lines, cy, xs, size, m)
            made[(id(v), cy)] = (v, row)
            body.append(row)
            y += height_
    _LAST_VIEW_ROWS[0] = (frame, made)
    body += _today_line(axis, report.as_of, top, bottom, fmt, str(labels["today"]))
    first_row = height - 14 - 20 * (legend_rows - 1)
    body += legend(first_row)
    return Markup(head + "".join(body) + tail)


#: Drawn timeline rows and wrapped titles, kept between builds (the dev server draws the
#: same thousands of rows again after an edit of one); emptied beyond this many.
_TIMELINE_ROWS: dict[tuple, str] = {}
_TIMELINE_WRAPS: dict[tuple[str, float], list[str]] = {}
_TIMELINE_KEEP = 50_000
#: The last timeline's rows by (``id`` of the view, centre height), each with its view
#: (held, so the ``id`` is not reused), and the title room and axis they were drawn for:
#: the very same view at the same height on the same frame is the same row, found
#: without working out its key (the dev server draws 5,000 rows after each edit).
_LAST_VIEW_ROWS: list[tuple[tuple, dict] | None] = [None]


def _timeline_row(
    status: str,
    lines: list[str],
    cy: float,
    xs: tuple[float | None, float, float | None],
    size: int,
    m: Milestone,
) -> str:
    """One milestone of the timeline: its title, the line from its first planned date,
    the line from due to done, its marker. ``xs``: where the first planned date, the due
    date and the done date are on the axis (``None`` for a date it does not have)."""
    x_first, x_due, x_done = xs
    leading = size * LEADING
    first = cy + 4.5 - leading * (len(lines) - 1) / 2
    body = [f'<g class="milestone status-{status}">']
    body.append(_lines(16, first, lines, size=size, leading=leading))
    # The lines and dot written out (as _line and _el write them): one row per milestone.
    y = _num(cy)
    if x_first is not None:  # recalibrated: a dotted line from the first planned date
        x = _num(x_first)
        body.append(
            f'<line x1="{x}" y1="{y}" x2="{_num(x_due)}" y2="{y}" stroke="{MUTED}" '
            'stroke-width="1.5" stroke-dasharray="2 3"/>'
            f'<circle cx="{x}" cy="{y}" r="2.5" fill="{MUTED}"/>'
        )
    if m.done and m.done != m.due:  # done early or late: a solid line from due to done
        colour = STATUS_STYLE[status][1]
        body.append(
            f'<line x1="{_num(x_due)}" y1="{y}" x2="{_num(x_done)}" y2="{y}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
    body.append(_marker(status, x_due if x_done is None else x_done, cy))
    body.append("</g>")
    return "".join(body)


def _legend(labels: dict, x0: float, right: float):
    """The timeline's key, in as many rows (20 units apart) as ``x0``–``right`` needs:
    a function of the first row's baseline giving the parts, and the number of rows."""
    items = [(status, str(labels["status_names"][status])) for status in STATUS_STYLE]
    items.append(("moved", str(labels["moved_from"])))
    spots, x, row = [], x0, 0
    for status, name in items:
        needed = (28 if status == "moved" else 10) + text_width(name, 13)
        if x > x0 and x + needed > right:
            x, row = x0, row + 1
        spots.append((status, name, x, row))
        x += needed + 14

    def parts(y0: float) -> list[str]:
        out = []
        for status, name, x, row in spots:
            y = y0 + 20 * row
            if status == "moved":
                out.append(
                    _line(x, y - 4, x + 22, y - 4, MUTED, stroke_width=1.5, stroke_dasharray="2 3")
                )
                out.append(_text(x + 28, y, name, size=13, fill=MUTED))
            else:
                out.append(_marker(status, x, y - 4, 5))
                out.append(_text(x + 10, y, name, size=13, fill=MUTED))
        return out

    return parts, row + 1


def nice_ticks(low: float, high: float, count_: int = 5) -> list[float]:
    """Round tick values covering ``low``–``high`` (1, 2 or 5 times a power of ten apart)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count_
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 0.001:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


#: Text size of the KPI charts (user units): 440 wide, printed at 60 % of a 174 mm A4
#: column (104.4 mm), so 11 units print at 7.4 pt; on the site 11 CSS px at full size.
KPI_TEXT = 11


def tick_precision(ticks: Sequence[float]) -> int:
    """Decimals the ticks' step needs: none for a whole step (``$50``, not ``$50.00``)."""
    if len(ticks) < 2:
        return 0
    step = Decimal(str(round(ticks[1] - ticks[0], 10))).normalize()
    exponent = step.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def month_labels(
    axis: TimeAxis, fmt: Formatter, size: float, x_min: float, x_max: float
) -> list[tuple[float, str]]:
    """Centred month labels (centre x, text) of ``axis``: thinned so that none overlap, each
    kept whole inside ``x_min``–``x_max`` (moved in from an edge, or left out where moving
    it would make it overlap its neighbour)."""
    months = axis.months()
    texts = [fmt.month(t) for t in months]
    step = label_step([axis.x(t) for t in months], texts, size)
    shown: list[tuple[float, str]] = []
    previous_right = -math.inf
    for tick, text in list(zip(months, texts, strict=True))[::step]:
        half = text_width(text, size) / 2
        centre = min(max(axis.x(tick), x_min + half), x_max - half)
        if centre - half < previous_right + 8:
            continue
        shown.append((centre, text))
        previous_right = centre + half
    return shown


def kpi_chart(ident: str, view: KpiView, fmt: Formatter, labels: dict) -> Markup:
    """A KPI's monthly actuals (solid, with points) against its target path (dashed), both
    as compute made them."""
    kpi = view.kpi
    actuals = [(month_end(month), value) for month, value in kpi.actuals]
    path = list(view.target_path)
    if not actuals and not path:
        return Markup("")
    days = [d for d, _ in actuals + path]
    values = [float(v) for _, v in actuals + path]
    low, high = min(values), max(values)
    if 0 <= low < high * 0.3:
        low = 0.0  # start the axis at zero unless that squashes the line
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    digits = tick_precision(ticks)
    tick_texts = [fmt.kpi_value(Decimal(str(t)), kpi.unit, digits) for t in ticks]
    size = KPI_TEXT
    width, height = 440, 240
    # The value axis takes the room its widest tick needs.
    left = max(64.0, 12 + max(text_width(t, size) for t in tick_texts))
    right, top, bottom = 404, 24, 184
    axis = TimeAxis(_month_floor(min(days)), _month_ceil(max(days)), left, right)

    def y(value: float) -> float:
        return bottom - (bottom - top) * (value - low) / ((high - low) or 1)

    title = f"{kpi.name}: {labels['actuals'].lower()}"
    if path:
        target = fmt.kpi_value(path[-1][1], kpi.unit, kpi.precision)
        title += f" {labels['against_target']} {target}"
    # At the KPI's own precision, as its tables show it.
    desc = ", ".join(
        f"{fmt.month(m)} {fmt.kpi_value(v, kpi.unit, kpi.precision)}" for m, v in kpi.actuals
    ) or str(labels["no_data"])
    head, tail = _open(ident, width, height, title, desc, "kpi-chart")
    body = [_el("rect", width=width, height=height, fill="#ffffff")]
    for tick, text in zip(ticks, tick_texts, strict=True):
        ty = y(tick)
        body.append(_line(left, ty, right, ty, GRID))
        body.append(_text(left - 6, ty + 4, text, size=size, anchor="end", fill=MUTED))
    for centre, text in month_labels(axis, fmt, size, 4, width - 4):
        body.append(_text(centre, bottom + 17, text, size=size, anchor="middle", fill=MUTED))
    if path:
        (d0, v0), (d1, v1) = path[0], path[-1]
        x0, y0, x1, y1 = axis.x(d0), y(float(v0)), axis.x(d1), y(float(v1))
        dashed = {"stroke_width": 1.5, "stroke_dasharray": "6 4"}
        body.append(_line(x0, y0, x1, y1, MUTED, class_="target-path", **dashed))
        body.append(
            _el("circle", cx=x1, cy=y1, r=4, fill="#ffffff", stroke=MUTED, stroke_width=1.5)
        )
    if actuals:
        coords = [(axis.x(d), y(float(v))) for d, v in actuals]
        body.append(
            _el(
                "polyline",
                class_="actuals",
                points=_points(*coords),
                fill="none",
                stroke=BRAND,
                stroke_width=2.2,
            )
        )
        # ``_el("circle", cx=cx, cy=cy, r=2.8, fill=BRAND)``, without its call per point
        dot = f'r="2.8" fill="{escape(BRAND)}"/>'
        body += [f'<circle cx="{_num(cx)}" cy="{_num(cy)}" {dot}' for cx, cy in coords]
    legend_y = height - 10
    body.append(_line(left, legend_y - 4, left + 22, legend_y - 4, BRAND, stroke_width=2.2))
    body.append(_text(left + 28, legend_y, str(labels["actuals"]), size=size, fill=MUTED))
    if path:
        lx = max(left + 150, left + 50 + text_width(str(labels["actuals"]), size))
        body.append(_line(lx, legend_y - 4, lx + 22, legend_y - 4, MUTED, **dashed))
        body.append(_text(lx + 28, legend_y, str(labels["target_path"]), size=size, fill=MUTED))
    return Markup(head + "".join(body) + tail)


def bar_chart(
    ident: str, items: Sequence[tuple[str, Decimal]], fmt: Formatter, title: str
) -> Markup:
    """Horizontal bars of money amounts, largest first, each labelled with its amount."""
    items = sorted(
        ((label, amount) for label, amount in items if amount), key=lambda i: (-i[1], i[0])
    )
    if not items:
        return Markup("")
    width, top, size = 640, 12, 10.5
    left, right = 230, 520
    leading = size * LEADING
    # A label wraps within its column rather than lose words; its row grows to fit.
    labels = [wrap(label, left - 12, size) for label, _ in items]
    heights = [26 + leading * (len(lines) - 1) for lines in labels]
    height = math.ceil(top + sum(heights) + 10)
    most = float(items[0][1])
    desc = "; ".join(f"{label}: {fmt.money(amount)}" for label, amount in items)
    head, tail = _open(ident, width, height, title, desc, "bar-chart")
    body = [_el("rect", width=width, height=height, fill="#ffffff")]
    y = top
    for lines, row_h, (_, amount) in zip(labels, heights, items, strict=True):
        mid = y + row_h / 2
        bar = (right - left) * float(amount) / most if most else 0
        first = mid + 2 - leading * (len(lines) - 1) / 2
        body.append(_lines(left - 8, first, lines, size=size, leading=leading, anchor="end"))
        body.append(_el("rect", x=left, y=mid - 9, width=max(bar, 1), height=16, fill=BRAND))
        body.append(_text(left + bar + 6, mid + 2, fmt.money(amount, whole=True), size=size))
        y += row_h
    return Markup(head + "".join(body) + tail)


class Charts:
    """The charts of one rendered page or document; numbers their ids in drawing order."""

    def __init__(self, report: Report, fmt: Formatter, labels: dict):
        self.report = report
        self.fmt = fmt
        self.labels = labels
        self._count = 0

    def _ident(self) -> str:
        self._count += 1
        return f"chart-{self._count}"

    def timeline(self) -> Markup:
        return timeline(self._ident(), self.report, self.fmt, self.labels)

    def kpi(self, view: KpiView) -> Markup:
        return kpi_chart(self._ident(), view, self.fmt, self.labels)

    def budget_by_owner(self) -> Markup:
        items = [
            (t.owner.name if t.owner else (t.owner_id or str(self.labels["unassigned"])), t.budget)
            for t in self.report.budget_by_owner
        ]
        return bar_chart(self._ident(), items, self.fmt, str(self.labels["budget_by_owner"]))

    def revenue_and_expenses(self) -> Markup:
        base = self.report.financials.base
        series = [
            (
                str(self.labels["fin_revenue"]),
                [(m.first, m.revenue_total) for m in base.months],
                "solid",
            ),
            (
                str(self.labels["fin_costs"]),
                [(m.first, m.costs) for m in base.months],
                "dashed",
            ),
        ]
        return money_lines(
            self._ident(),
            series,
            self.fmt,
            str(self.labels["fin_chart_revenue"]),
            span=str(self.labels["chart_span"]),
        )

    def cash(self) -> Markup:
        money = self.report.financials
        series = [
            (
                str(self.labels["fin_cash"]),
                [(m.first, m.closing_cash) for m in money.base.months],
                "solid",
            )
        ]
        for i, projection in enumerate(money.scenarios):
            shown, word = projection.scenario.display_name, str(self.labels["fin_scenario"])
            # "Scenario: Downside", but not "Kịch bản: Kịch bản xấu".
            name = shown if shown.lower().startswith(word.lower()) else f"{word}: {shown}"
            style = SCENARIO_STYLES[i % len(SCENARIO_STYLES)]
            series.append((name, [(m.first, m.closing_cash) for m in projection.months], style))
        marker = None
        if money.base.break_even is not None:
            when = self.fmt.month(money.base.break_even)
            marker = (money.base.break_even, f"{self.labels['fin_break_even']} {when}")
        return money_lines(
            self._ident(),
            series,
            self.fmt,
            str(self.labels["fin_chart_cash"]),
            marker,
            span=str(self.labels["chart_span"]),
        )

    def use_of_funds(self) -> Markup:
        items = [(use.name, use.amount) for use in self.report.financials.uses]
        return bar_chart(self._ident(), items, self.fmt, str(self.labels["fin_uses"]))

    def budget_by_goal(self) -> Markup:
        items = [(goal.title, amount) for goal, amount in self.report.budget_by_goal]
        return bar_chart(self._ident(), items, self.fmt, str(self.labels["budget_by_goal"]))

    def budget_by_goal_note(self) -> str:
        """The note under "Budget by goal" when a budgeted milestone serves several goals
        (its budget then counts under each, so the bars add up to more than the total);
        else ``""``."""
        seen: set[str] = set()
        for goal in self.report.goals:
            for view in goal.milestones:
                if not view.milestone.budget:
                    continue
                if view.milestone.id in seen:
                    return str(self.labels["budget_by_goal_shared"])
                seen.add(view.milestone.id)
        return ""


#: Text size of the money charts (user units): 760 wide on a 174 mm A4 column, so
#: 11 units print at 7 pt.
AXIS_TEXT = 11
#: Line styles of money series: each differs by dash pattern and marker, not only colour.
LINE_DASHES = {"solid": None, "dashed": "7 4", "dotted": "2 3", "dashdot": "9 3 2 3"}
LINE_COLOURS = {"solid": BRAND, "dashed": "#8a5a00", "dotted": "#5b6470", "dashdot": "#9b2c2c"}
SCENARIO_STYLES = ("dotted", "dashdot", "dashed")


def text_width(text: str, size: float) -> float:
    """A generous estimate of the width of ``text`` in the charts' sans-serif font."""
    return 0.62 * size * len(text)


def label_step(xs: Sequence[float], texts: Sequence[str], size: float) -> int:
    """Show every n-th axis label, the smallest n at which centred labels do not overlap."""
    widest = max((text_width(t, size) for t in texts), default=0)
    gap = min((b - a for a, b in itertools.pairwise(xs)), default=widest + 8)
    return max(1, math.ceil((widest + 8) / gap)) if gap > 0 else 1


def _series_marker(style: str, x: float, y: float) -> str:
    colour = LINE_COLOURS[style]
    if style == "dashed":
        return _el("rect", x=x - 3, y=y - 3, width=6, height=6, fill=colour)
    if style == "dotted":
        return _el("circle", cx=x, cy=y, r=3.2, fill="#ffffff", stroke=colour, stroke_width=1.5)
    if style == "dashdot":
        return _el(
            "polygon", points=_points((x, y - 4), (x + 4, y + 3), (x - 4, y + 3)), fill=colour
        )
    return _el("circle", cx=x, cy=y, r=3, fill=colour)


def money_lines(
    ident: str,
    series: Sequence[tuple[str, Sequence[tuple[int, Decimal]], str]],
    fmt: Formatter,
    title: str,
    marker: tuple[int, str] | None = None,
    span: str = "{start} to {end}",
) -> Markup:
    """Monthly money series as lines (styles: ``solid``, ``dashed``, ``dotted``), with an
    optional labelled vertical marker (e.g. the break-even month) and a zero line."""
    points = [(m, v) for _, values, _ in series for m, v in values]
    if not points:
        return Markup("")
    width = 760
    left, right, top, bottom = 96, 740, 20, 230
    # The key: one entry a series, in as many rows as the width needs.
    spots, lx, row = [], float(left), 0
    for label, _, style in series:
        needed = 30 + text_width(label, AXIS_TEXT)
        if lx > left and lx + needed > width - 8:
            lx, row = float(left), row + 1
        spots.append((label, style, lx, row))
        lx += needed + 14
    height = 290 + 20 * row
    first, last = min(m for m, _ in points), max(m for m, _ in points)
    axis = TimeAxis(first_day(first), first_day(last + 1), left, right)
    values = [float(v) for _, v in points]
    ticks = nice_ticks(min([*values, 0.0]), max([*values, 0.0]))
    low, high = ticks[0], ticks[-1]

    def y(value: float) -> float:
        return bottom - (bottom - top) * (value - low) / ((high - low) or 1)

    def x(month: int) -> float:
        return (
            axis.x(first_day(month)) + (axis.x(first_day(month + 1)) - axis.x(first_day(month))) / 2
        )

    def point(month: int, value: Decimal) -> str:
        return f"{fmt.month(month_name(month))} {fmt.money(value, whole=True)}"

    desc = "; ".join(
        f"{label}: " + span.format(start=point(*values[0]), end=point(*values[-1]))
        for label, values, _ in series
        if values
    )
    head, tail = _open(ident, width, height, title, desc, "money-chart")
    body = [_el("rect", width=width, height=height, fill="#ffffff")]
    for tick in ticks:
        body.append(_line(left, y(tick), right, y(tick), INK if tick == 0 else GRID))
        label = fmt.money(Decimal(str(tick)), whole=True)
        body.append(_text(left - 6, y(tick) + 4, label, size=AXIS_TEXT, anchor="end", fill=MUTED))
    months = axis.months()
    step = label_step([axis.x(t) for t in months], [fmt.month(t) for t in months], AXIS_TEXT)
    for tick in months[::step]:
        if axis.x(tick) + text_width(fmt.month(tick), AXIS_TEXT) / 2 > width:
            continue  # a label cut at the chart's edge says nothing
        body.append(
            _text(
                axis.x(tick),
                bottom + 16,
                fmt.month(tick),
                size=AXIS_TEXT,
                anchor="middle",
                fill=MUTED,
            )
        )
    for _, values, style in series:
        coords = [(x(m), y(float(v))) for m, v in values]
        body.append(
            _el(
                "polyline",
                class_=f"series series-{style}",
                points=_points(*coords),
                fill="none",
                stroke=LINE_COLOURS[style],
                stroke_width=2.2,
                stroke_dasharray=LINE_DASHES[style],
            )
        )
        # A marker every few months tells the lines apart in greyscale, too.
        every = max(1, len(coords) // 8)
        body += [_series_marker(style, cx, cy) for cx, cy in coords[::every]]
    if marker is not None:
        month, label = marker
        mx = x(month)
        body.append(
            _line(
                mx,
                top,
                mx,
                bottom,
                "#1e6b36",
                class_="marker",
                stroke_width=1.5,
                stroke_dasharray="4 3",
            )
        )
        # Beside the line, on its left where the right has no room for the whole label.
        wide = text_width(label, AXIS_TEXT) + 4 > width - mx
        body.append(
            _text(
                mx - 4 if wide else mx + 4,
                top + 10,
                label,
                size=AXIS_TEXT,
                anchor="end" if wide else "start",
                fill="#1e6b36",
                weight="bold",
            )
        )
    for label, style, lx, row in spots:
        ly = 276 + 20 * row
        body.append(
            _line(
                lx,
                ly,
                lx + 24,
                ly,
                LINE_COLOURS[style],
                stroke_width=2.2,
                stroke_dasharray=LINE_DASHES[style],
            )
        )
        body.append(_series_marker(style, lx + 12, ly))
        body.append(_text(lx + 30, ly + 5, label, size=AXIS_TEXT, fill=MUTED))
    return Markup(head + "".join(body) + tail)
