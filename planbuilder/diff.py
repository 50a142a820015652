"""``planbuilder diff``: what changed in a plan between two git revisions, in its own terms.

Each side is loaded (a revision straight from git's object store through
``vcs.revision_files``, or the folder on disk), validated and computed as usual, and the
two ``Report`` values are compared: milestones (matched by id), goals, KPI actuals,
funding and the headline figures of the base projection. Nothing is checked out; the
work tree and the index are never touched.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from planbuilder.calendar import month_name
from planbuilder.compute import Report, compute
from planbuilder.load import (
    DEFAULT_LIMITS,
    KPI_CSV_DIR,
    PART_FILES,
    PLAN_FILE,
    SECTIONS_DIR,
    Limits,
    Sources,
    load,
    load_files,
)
from planbuilder.model import build_model
from planbuilder.problems import Problem, has_errors, sort_problems
from planbuilder.validate import validate
from planbuilder.vcs import GitError, commit_time, revision_files

#: The pseudo-revision for the plan folder as it is on disk.
WORKTREE = "WORKTREE"

FORMATS = ("text", "markdown", "json")

#: Areas, in the order they are shown.
AREAS = ("chapter", "milestone", "goal", "kpi", "funding", "figure")
AREA_TITLES = {
    "chapter": "Chapters",
    "milestone": "Milestones",
    "goal": "Goals",
    "kpi": "KPIs",
    "funding": "Loans and funding",
    "figure": "Headline figures",
}


@dataclass(frozen=True)
class Change:
    """One difference: ``kind`` is ``added``, ``removed`` or ``changed``; ``key`` the id of
    what changed (a milestone id, a goal id, a loan name, a figure's name)."""

    area: str
    kind: str
    key: str
    title: str
    field: str = ""
    before: str | None = None
    after: str | None = None
    delta: str = ""  # e.g. `+45 days`, `+1,200.00 (+12.0%)`

    def as_dict(self) -> dict:
        return {
            "area": self.area,
            "kind": self.kind,
            "id": self.key,
            "title": self.title,
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "delta": self.delta,
        }


@dataclass(frozen=True)
class PlanDiff:
    before: str  # the revisions compared, as given
    after: str
    changes: tuple[Change, ...] = ()

    def keys(self, area: str) -> frozenset[str]:
        """Ids of the ``area`` records that changed or were added."""
        return frozenset(c.key for c in self.changes if c.area == area and c.kind != "removed")

    def as_dict(self) -> dict:
        return {
            "before": self.before,
            "after": self.after,
            "changes": [c.as_dict() for c in self.changes],
        }


@dataclass(frozen=True)
class Side:
    """One revision taken as far as the report, or stopped by its problems."""

    revision: str
    problems: list[Problem] = field(default_factory=list)
    report: Report | None = None
    sources: Sources | None = None


def _wanted(name: str) -> bool:
    """Whether ``load_files`` reads the file's bytes; any other (an asset, a file outside
    the public format) is listed by name only and never read from git."""
    folder, _, rest = name.partition("/")
    if not rest:
        return name == PLAN_FILE or name in PART_FILES
    if "/" in rest:
        return False
    return (folder, rest.rsplit(".", 1)[-1]) in ((SECTIONS_DIR, "md"), (KPI_CSV_DIR, "csv"))


def load_side(plan_dir: Path, revision: str, limits: Limits = DEFAULT_LIMITS) -> Sources:
    """The plan's sources at ``revision`` (``WORKTREE``: the folder on disk), each file
    within ``limits`` (as a build of that folder would read it)."""
    if revision == WORKTREE:
        return load(plan_dir, limits=limits)
    files = revision_files(plan_dir, revision, _wanted, limits.file_bytes)
    stamp = commit_time(plan_dir, revision)
    return load_files(files, plan_dir.resolve(), stamp=stamp, limits=limits)


def compute_side(sources: Sources, revision: str, today: dt.date | None = None) -> Side:
    """Validate, model and compute loaded sources, as ``build.prepare`` does."""
    validated = validate(sources, today or dt.date.today())
    problems = sort_problems(dict.fromkeys(validated.problems))
    if has_errors(problems):
        return Side(revision, problems, sources=sources)
    report = compute(build_model(validated))
    return Side(revision, sort_problems([*problems, *report.problems]), report, sources)


def diff_plan(
    plan_dir: Path | str,
    before: str = "HEAD",
    after: str = WORKTREE,
    *,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[PlanDiff | None, list[tuple[str, list[Problem]]]]:
    """Compare the plan at two revisions. Returns the diff, or ``None`` with the errors of
    each revision that does not validate. ``GitError`` when git cannot answer. ``limits``
    caps each file of both revisions (``load.Limits``)."""
    plan_dir = Path(plan_dir)
    sides = [compute_side(load_side(plan_dir, rev, limits), rev, today) for rev in (before, after)]
    failed = [(s.revision, s.problems) for s in sides if s.report is None]
    if failed:
        return None, failed
    return compare(sides[0].report, sides[1].report, before, after), []


# -- comparing ---------------------------------------------------------------------------


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:,.2f}"


def _signed(value: Decimal) -> str:
    return f"{value:+,.2f}"


def _money_delta(old: Decimal | None, new: Decimal | None) -> str:
    if old is None or new is None:
        return ""
    change = new - old
    if not old:
        return _signed(change)
    return f"{_signed(change)}, {change / abs(old) * 100:+.1f}%"


def _days(old: dt.date | None, new: dt.date | None) -> str:
    if old is None or new is None:
        return ""
    return f"{(new - old).days:+d} days"


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,f}"
    return str(getattr(value, "value", value))


def _matched(
    old: Iterable, new: Iterable, key: Callable
) -> tuple[list, list, list[tuple[object, object]]]:
    before = {key(x): x for x in old}
    after = {key(x): x for x in new}
    added = [after[k] for k in after if k not in before]
    removed = [before[k] for k in before if k not in after]
    both = [(before[k], after[k]) for k in after if k in before]
    return added, removed, both


def _milestones(old: Report, new: Report) -> list[Change]:
    changes = []
    added, removed, both = _matched(old.milestones, new.milestones, lambda v: v.milestone.id)
    for view in added:
        m = view.milestone
        changes.append(Change("milestone", "added", m.id, m.title, "due", None, _text(m.due), ""))
    for view in removed:
        m = view.milestone
        changes.append(Change("milestone", "removed", m.id, m.title))
    for a, b in both:
        m, n = a.milestone, b.milestone

        def change(name: str, before: object, after: object, delta: str = "", n=n) -> None:
            changes.append(
                Change(
                    "milestone", "changed", n.id, n.title, name, _text(before), _text(after), delta
                )
            )

        if m.title != n.title:
            change("title", m.title, n.title)
        if m.due != n.due:
            change("due", m.due, n.due, _days(m.due, n.due))
        if m.budget != n.budget:
            change("budget", _money(m.budget), _money(n.budget), _money_delta(m.budget, n.budget))
        if m.owner != n.owner:
            change("owner", m.owner, n.owner)
        if a.status != b.status:
            change("status", a.status, b.status)
        if m.done != n.done:
            change("done", m.done, n.done, _days(m.done, n.done))
        if m.actual_cost != n.actual_cost:
            change(
                "actual_cost",
                _money(m.actual_cost),
                _money(n.actual_cost),
                _money_delta(m.actual_cost, n.actual_cost),
            )
    return changes


def _goals(old: Report, new: Report) -> list[Change]:
    changes = []
    added, removed, both = _matched(old.plan.goals, new.plan.goals, lambda g: g.id)
    changes += [Change("goal", "added", g.id, g.title) for g in added]
    changes += [Change("goal", "removed", g.id, g.title) for g in removed]
    for a, b in both:
        for name, delta in (("title", None), ("target", "number"), ("deadline", "days")):
            x, y = getattr(a, name), getattr(b, name)
            if x == y:
                continue
            text = ""
            if delta == "days":
                text = _days(x, y)
            elif delta == "number" and x is not None and y is not None:
                text = f"{y - x:+,f}"
            changes.append(Change("goal", "changed", b.id, b.title, name, _text(x), _text(y), text))
    return changes


def _kpis(old: Report, new: Report) -> list[Change]:
    changes = []
    added, removed, both = _matched(old.plan.kpis, new.plan.kpis, lambda k: k.id)
    changes += [Change("kpi", "added", k.id, k.name) for k in added]
    changes += [Change("kpi", "removed", k.id, k.name) for k in removed]
    for a, b in both:
        earlier = dict(a.actuals)
        for month, value in b.actuals:
            if month not in earlier:
                changes.append(
                    Change("kpi", "added", b.id, b.name, f"actual {month}", None, _text(value))
                )
            elif earlier[month] != value:
                changes.append(
                    Change(
                        "kpi",
                        "changed",
                        b.id,
                        b.name,
                        f"actual {month}",
                        _text(earlier[month]),
                        _text(value),
                    )
                )
        later = dict(b.actuals)
        for month, value in a.actuals:
            if month not in later:
                changes.append(
                    Change("kpi", "removed", b.id, b.name, f"actual {month}", _text(value))
                )
        if a.target != b.target:
            changes.append(
                Change("kpi", "changed", b.id, b.name, "target", _text(a.target), _text(b.target))
            )
    return changes


def _amount(
    kind: str, key: str, title: str, name: str, x: Decimal | None, y: Decimal | None
) -> Change:
    """A funding amount added (``x`` None), removed (``y`` None) or changed."""
    return Change("funding", kind, key, title, name, _money(x), _money(y), _money_delta(x, y))


def _funding(old: Report, new: Report) -> list[Change]:
    f, g = old.plan.financials, new.plan.financials
    if f is None and g is None:
        return []
    if f is None or g is None:
        kind = "added" if f is None else "removed"
        return [Change("funding", kind, "financials", "Financials")]
    changes = []
    if f.starting_cash != g.starting_cash:
        x, y = f.starting_cash, g.starting_cash
        changes.append(_amount("changed", "starting-cash", "Starting cash", "amount", x, y))

    def loan_key(loan) -> str:
        return loan.name or loan.lender or f"loan from {month_name(loan.start)}"

    added, removed, both = _matched(f.loans, g.loans, loan_key)
    for loan in added:
        name = loan_key(loan)
        changes.append(_amount("added", name, name, "principal", None, loan.principal))
    for loan in removed:
        name = loan_key(loan)
        changes.append(_amount("removed", name, name, "principal", loan.principal, None))
    for a, b in both:
        name = loan_key(b)
        if a.principal != b.principal:
            changes.append(_amount("changed", name, name, "principal", a.principal, b.principal))
        for attr in ("rate", "term_months", "grace_months", "lender"):
            x, y = getattr(a, attr), getattr(b, attr)
            if x != y:
                changes.append(Change("funding", "changed", name, name, attr, _text(x), _text(y)))
        if a.start != b.start:
            x, y = month_name(a.start), month_name(b.start)
            delta = f"{b.start - a.start:+d} months"
            changes.append(Change("funding", "changed", name, name, "start", x, y, delta))

    def round_key(r) -> str:
        return f"{r.investor or 'equity'} {month_name(r.month)}"

    added, removed, both = _matched(f.equity, g.equity, round_key)
    for r in added:
        key = round_key(r)
        changes.append(_amount("added", key, f"Equity: {key}", "amount", None, r.amount))
    for r in removed:
        key = round_key(r)
        changes.append(_amount("removed", key, f"Equity: {key}", "amount", r.amount, None))
    for a, b in both:
        if a.amount != b.amount:
            key = round_key(b)
            changes.append(_amount("changed", key, f"Equity: {key}", "amount", a.amount, b.amount))
    return changes


def _figures(old: Report, new: Report) -> list[Change]:
    if old.financials is None or new.financials is None:
        return []
    a, b = old.financials.base, new.financials.base
    changes = []

    def figure(key: str, title: str, x: Decimal | None, y: Decimal | None) -> None:
        if x != y:
            changes.append(
                Change(
                    "figure", "changed", key, title, "", _money(x), _money(y), _money_delta(x, y)
                )
            )

    years_a, years_b = a.years, b.years
    for number, (x, y) in enumerate(zip(years_a, years_b, strict=False), start=1):
        span = f"{month_name(y.first)} – {month_name(y.last)}"
        figure(
            f"revenue-year-{number}",
            f"Revenue, year {number} ({span})",
            x.revenue_total,
            y.revenue_total,
        )
        figure(
            f"net-profit-year-{number}",
            f"Net profit, year {number} ({span})",
            x.net_profit,
            y.net_profit,
        )

    def month(key: str, title: str, x: int | None, y: int | None) -> None:
        if x != y:
            delta = f"{y - x:+d} months" if x is not None and y is not None else ""
            changes.append(
                Change(
                    "figure",
                    "changed",
                    key,
                    title,
                    "",
                    None if x is None else month_name(x),
                    None if y is None else month_name(y),
                    delta,
                )
            )

    month("break-even", "Break-even month (EBITDA ≥ 0)", a.break_even, b.break_even)
    figure("lowest-cash", "Lowest cash", a.min_cash.closing_cash, b.min_cash.closing_cash)
    month("lowest-cash-month", "Month of the lowest cash", a.min_cash.first, b.min_cash.first)
    x, y = a.min_dscr, b.min_dscr
    if x != y:
        changes.append(
            Change(
                "figure",
                "changed",
                "dscr",
                "Lowest yearly DSCR",
                "",
                None if x is None else f"{x:.2f}",
                None if y is None else f"{y:.2f}",
                f"{y - x:+.2f}" if x is not None and y is not None else "",
            )
        )
    return changes


def _chapters(old: Report, new: Report) -> list[Change]:
    """Chapters (sections) added, removed, retitled or rewritten, matched by slug."""
    changes = []
    added, removed, both = _matched(old.plan.sections, new.plan.sections, lambda s: s.slug)
    changes += [Change("chapter", "added", s.slug, s.title) for s in added]
    changes += [Change("chapter", "removed", s.slug, s.title) for s in removed]
    for a, b in both:
        if a.title != b.title:
            changes.append(Change("chapter", "changed", b.slug, b.title, "title", a.title, b.title))
        if a.body.strip() != b.body.strip():
            changes.append(Change("chapter", "changed", b.slug, b.title, "text"))
    return changes


def compare(old: Report, new: Report, before: str = "before", after: str = "after") -> PlanDiff:
    """Every difference between two computed plans, area by area."""
    changes = [
        *_chapters(old, new),
        *_milestones(old, new),
        *_goals(old, new),
        *_kpis(old, new),
        *_funding(old, new),
        *_figures(old, new),
    ]
    return PlanDiff(before, after, tuple(changes))


# -- review marks on the site ------------------------------------------------------------


@dataclass(frozen=True)
class ChangeLine:
    """One line of the site's "what changed" page: plain text, shown escaped."""

    area: str
    key: str
    text: str


@dataclass(frozen=True)
class ReviewMarks:
    """What ``build --changes-since REV`` hands the site: the ids to badge, by area
    (``chapter``, ``milestone``, ``goal``, ``kpi``), and the lines of the changes page."""

    since: str
    marked: dict[str, tuple[str, ...]]
    lines: tuple[ChangeLine, ...]
    areas: tuple[tuple[str, str], ...] = tuple(AREA_TITLES.items())  # (area, heading)


def review_marks(result: PlanDiff) -> ReviewMarks:
    """The marks for a diff against the plan being built."""
    marked = {
        area: tuple(sorted(result.keys(area))) for area in ("chapter", "milestone", "goal", "kpi")
    }
    lines = tuple(ChangeLine(c.area, c.key, _describe(c, str)) for c in result.changes)
    return ReviewMarks(result.before, marked, lines)


def marks_since(
    plan_dir: Path,
    revision: str,
    current: Report,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[ReviewMarks | None, list[Problem]]:
    """Review marks of ``current`` against the plan at ``revision``, read within
    ``limits``; or the problems (git cannot answer, or the plan did not validate there)."""
    from planbuilder.problems import Position, error

    try:
        side = compute_side(load_side(plan_dir, revision, limits), revision, today)
    except GitError as exc:
        return None, [
            error(
                f"--changes-since {revision}: {exc}",
                Position(plan_dir),
                hint="give a commit, branch or tag of the repository that holds the plan",
            )
        ]
    if side.report is None:
        first = next((p for p in side.problems if p.is_error), None)
        where = f" ({first.message} at line {first.position.line})" if first else ""
        return None, [
            error(
                f"--changes-since {revision}: the plan at that revision does not validate{where}",
                first.position if first else Position(plan_dir),
                hint=f"run `planbuilder diff {revision}` to see every problem",
            )
        ]
    return review_marks(compare(side.report, current, revision, WORKTREE)), []


# -- output ------------------------------------------------------------------------------


def _describe(change: Change, code: Callable[[str], str]) -> str:
    what = f"{change.title} ({code(change.key)})" if change.key != change.title else change.title
    if change.kind == "added":
        detail = f": {change.field} {change.after}" if change.after is not None else ""
        return f"added {what}{detail}"
    if change.kind == "removed":
        detail = f": {change.field} {change.before}" if change.before is not None else ""
        return f"removed {what}{detail}"
    if change.before is None and change.after is None:
        return f"{what}: {change.field} changed"
    field_name = f" {change.field}" if change.field else ""
    delta = f" ({change.delta})" if change.delta else ""
    return f"{what}{field_name}: {change.before or '—'} → {change.after or '—'}{delta}"


def render(result: PlanDiff, fmt: str = "text") -> str:
    """The diff as terminal text, Markdown (a pull-request comment) or JSON."""
    if fmt == "json":
        return json.dumps(result.as_dict(), indent=2, ensure_ascii=False) + "\n"
    markdown = fmt == "markdown"
    lines = []
    heading = f"Plan changes from {result.before} to {result.after}"
    lines.append(f"### {heading}" if markdown else heading)
    if not result.changes:
        lines.append("")
        lines.append(
            "No changes to chapters, milestones, goals, KPIs, funding or headline figures."
        )
        return "\n".join(lines) + "\n"
    for area in AREAS:
        found = [c for c in result.changes if c.area == area]
        if not found:
            continue
        lines.append("")
        lines.append(f"**{AREA_TITLES[area]}**" if markdown else f"{AREA_TITLES[area]}:")
        if markdown:
            lines.append("")
        for change in found:
            if markdown:
                lines.append(f"- {_md_escape(_describe(change, str))}")
            else:
                lines.append(f"  {_describe(change, str)}")
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    # Plan text may hold Markdown or HTML; a comment should show it, not run it.
    for char in "\\*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text


__all__ = ["WORKTREE", "Change", "GitError", "PlanDiff", "compare", "diff_plan", "render"]
