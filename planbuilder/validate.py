"""Stage 2 — validate: check the loaded sources against the schema and the domain rules.

Returns clean values (exact decimals, real dates) and *all* problems found.
Nothing here raises for a bad plan.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_precision, get_territory_currencies, is_currency

from planbuilder import load
from planbuilder.lint import lint
from planbuilder.load import CsvSource, SectionSource, Sources, YamlDoc
from planbuilder.problems import Position, Problem, did_you_mean, error, warning
from planbuilder.records import (
    ALL,
    BUSINESS_MODEL,
    CONTENTS,
    LIST_PARTS,
    PLAN,
    SECTION,
    default,
)
from planbuilder.schema import Checker, Context, Invalid, Month, Number, Record
from planbuilder.slugs import section_slug
from planbuilder.validate_financials import check_financials


@dataclass(frozen=True)
class Validated:
    """Clean values of a plan that passed (or mostly passed) validation.

    Each record carries ``position`` (where it starts) for later messages. ``as_of`` is
    the day statuses are computed for, decided here once: the plan's ``as_of``, else the
    ``today`` given to ``validate``.
    """

    sources: Sources
    as_of: dt.date
    plan: dict[str, Any]
    business_model: dict[str, Any] | None
    goals: list[dict[str, Any]]
    milestones: list[dict[str, Any]]
    kpis: list[dict[str, Any]]
    team: list[dict[str, Any]]
    financials: dict[str, Any] | None
    sections: list[dict[str, Any]]
    problems: list[Problem] = field(default_factory=list)


def _context(plan: dict[str, Any], doc: YamlDoc | None, problems: list[Problem]) -> Context:
    """Resolve locale and currency (defaults: en_US and the locale's currency)."""
    locale_name = plan.get("locale", default(PLAN, "locale"))
    position = doc.pos(("locale",)) if doc else None
    try:
        locale = Locale.parse(locale_name.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        problems.append(
            error(
                f"unknown locale `{locale_name}`",
                position,
                hint="use a language and country code such as `en_US`, `es_ES` or `vi_VN`",
            )
        )
        locale = Locale.parse("en_US")
    plan["locale"] = str(locale)
    currency = plan.get("currency")
    if currency is None:
        found = get_territory_currencies(locale.territory) if locale.territory else []
        currency = found[0] if found else "USD"
    elif not is_currency(currency.upper()):
        problems.append(
            error(
                f"unknown currency `{currency}`",
                doc.pos(("currency",)) if doc else None,
                hint="use an ISO 4217 code such as `USD`, `EUR` or `VND`",
            )
        )
        currency = "USD"
    currency = currency.upper()
    plan["currency"] = currency
    return Context(currency=currency, money_digits=get_currency_precision(currency))


def _check_doc(doc: YamlDoc, schema: Record, ctx: Context, problems: list[Problem]) -> dict | None:
    checker = Checker(doc, ctx)
    result = checker.record(schema, doc.data, ())
    problems.extend(checker.problems)
    if result is not None:
        result["position"] = doc.pos(())
    return result


@dataclass
class _Checked:
    """The last check of a list part: of the document with these ``positions``, each
    item's record as checked (before its position is added; ``None`` when unusable) and
    its problems, and the result: its problems, and each usable record as its checked
    record (in ``items``), position and YAML path."""

    positions: Any
    ctx: Context
    #: Each item's checked record and problems, and its position when it gave a usable
    #: record (``None`` otherwise).
    items: list[tuple[dict | None, tuple[Problem, ...], Position | None]]
    problems: tuple[Problem, ...]
    records: list[tuple[dict, Position, tuple]]


#: The records the current check handed out, by ``id``, each with the checked record (kept
#: in ``_CHECKED``) it is a copy of: ``model`` builds the same object again from the same
#: checked record at the same position (``checked_source``).
_sources: dict[int, tuple[dict, dict]] = {}


def checked_source(record: dict) -> dict | None:
    """The kept checked record ``record`` (handed out by this check, not changed since)
    was copied from, when the dev server's parse cache is on."""
    found = _sources.get(id(record))
    return found[1] if found is not None and found[0] is record else None


#: The last check of each list part, by (file, kind). The dev server's parse cache gives
#: an unchanged file the same positions object every time, with the same data: its check
#: is then taken whole from here (5,000 milestones take 0.07 s to check again after a KPI
#: edit). A file it spliced (``load.Splice``: some items parsed again) has its unchanged
#: items' checks taken from here, and only the others checked again.
_CHECKED: dict[tuple[str, str], _Checked] = {}


def _check_list(
    doc: YamlDoc, schema: Record, label: str, ctx: Context, problems: list[Problem]
) -> list[dict]:
    key = (str(doc.path), label)
    found = _CHECKED.get(key)
    if found is not None and found.ctx == ctx and found.positions is doc.positions:
        problems.extend(found.problems)
        records = []
        for source, position, yaml_path in found.records:
            record = _copy_record(source)
            record["position"] = position
            record["yaml_path"] = yaml_path
            records.append(record)
            _sources[id(record)] = (record, source)
        return records
    cache = load.parse_cache
    splice = cache.splice_of(doc) if cache is not None and found is not None else None
    earlier = None
    if splice is not None and splice.before is found.positions and found.ctx == ctx:
        earlier = (found.items, splice)
    before = len(problems)
    records, items, sources = _checked_list(doc, schema, label, ctx, problems, earlier)
    if cache is not None and isinstance(doc.data, list):  # the cache may hand it out again
        kept = []
        for record, source in zip(records, sources, strict=True):
            kept.append((source, record["position"], record["yaml_path"]))
            _sources[id(record)] = (record, source)
        _CHECKED[key] = _Checked(doc.positions, ctx, items, tuple(problems[before:]), kept)
    return records


def _copy_record(value: Any) -> Any:
    """A copy of checked values: new dicts and lists, the same immutable values."""
    return load.copy_data(value)


def _kept_check(
    earlier, index: int
) -> tuple[dict | None, tuple[Problem, ...], Position | None] | None:
    """The check of item ``index`` of a spliced document taken from the check of the
    document it was made from, when it is the same: an item before the items parsed
    again (same data, same positions), or one after them whose check found no problem
    (its record holds no position) or that has not moved."""
    if earlier is None:
        return None
    items, splice = earlier
    if index < splice.first:
        return items[index]
    old = index - splice.moved
    if old < splice.end or old >= len(items):
        return None
    if items[old][1] and (splice.moved or splice.shift):
        return None
    return items[old]


def _checked_list(
    doc: YamlDoc,
    schema: Record,
    label: str,
    ctx: Context,
    problems: list[Problem],
    earlier: tuple | None = None,
) -> tuple[list[dict], list, list[dict]]:
    """The usable records of a list part, each item's check (for ``_kept_check``), and
    the checked record each usable record is a copy of."""
    if doc.data is None:
        return [], [], []
    if not isinstance(doc.data, list):
        problems.append(
            error(
                f"{doc.path.name} must hold a list of {label}s",
                doc.pos(()),
                hint=f"start each {label} with `- id: ...`",
            )
        )
        return [], [], []
    checker = Checker(doc, ctx)
    keep = load.parse_cache is not None
    records = []
    items = []
    sources = []
    seen: dict[str, int] = {}  # id → the index of the item it first appears in
    # Where the kept items did not move (before the items parsed again, or no line moved),
    # a kept item's record was usable at this very position before: the same checked
    # record is complete again, and its position is the same (5,000 milestones take 0.01 s
    # to find both again).
    unmoved = earlier is not None and not (earlier[1].moved or earlier[1].shift)
    for index, item in enumerate(doc.data):
        kept = _kept_check(earlier, index) if earlier is not None else None
        if kept is None:
            checker.problems = []
            checked = checker.record(schema, item, (index,))
            kept = (checked, tuple(checker.problems), None)
        elif not (unmoved or index < earlier[1].first):
            kept = (kept[0], kept[1], None)
        problems.extend(kept[1])
        if kept[0] is None:
            items.append(kept)
            continue
        # Kept checks are handed out again only with the parse cache on: without it the
        # checked record is used as it is (5,000 milestones: 0.02 s of copying).
        record = _copy_record(kept[0]) if keep else kept[0]
        ident = record.get("id")
        if ident is not None:
            if ident in seen:
                problems.append(
                    error(
                        f"duplicate {label} id `{ident}`",
                        doc.pos((index, "id")),
                        f"ids must be unique; `{ident}` is first used at line "
                        f"{doc.pos((seen[ident], 'id')).line}",
                    )
                )
            else:
                seen[ident] = index
        position = kept[2]
        if position is None:
            if not schema.complete(record):
                items.append(kept)
                continue  # its errors are reported; rules and references skip it
            position = doc.pos((index,))
        items.append((kept[0], kept[1], position))
        record["position"] = position
        record["yaml_path"] = (index,)
        records.append(record)
        sources.append(kept[0])
    return records, items, sources


def _merge_kpi_csvs(
    kpis: list[dict], csvs: Iterable[CsvSource], ctx: Context, problems: list[Problem]
) -> None:
    """Add actuals from ``kpis/<id>.csv`` (columns ``month,value``) to their KPI."""
    by_id = {k["id"]: k for k in kpis if "id" in k}
    for source in csvs:
        kpi_id = source.path.stem
        kpi = by_id.get(kpi_id)
        if kpi is None:
            problems.append(
                error(
                    f"no KPI with id `{kpi_id}` for this CSV file",
                    Position(source.path, 1, 1),
                    hint="name the file after a KPI id in kpis.yaml, "
                    "e.g. `kpis/online-revenue.csv`",
                )
            )
            continue
        if source.header[:2] != ("month", "value"):
            problems.append(
                error(
                    "KPI CSV files need the header `month,value`",
                    Position(source.path, 1, 1),
                    hint="first line: month,value — then one line per month: 2027-01,7900",
                )
            )
            continue
        actuals = kpi.setdefault("actuals", {})
        for row in source.rows:
            position = Position(source.path, row.line, 1)
            try:
                month = Month().clean(row.values.get("month", ""), ctx)
                value = Number().clean(_csv_number(row.values.get("value", "")), ctx)
            except Invalid as exc:
                problems.append(error(exc.message, position, exc.hint))
                continue
            if month in actuals:
                problems.append(
                    error(
                        f"KPI `{kpi_id}` already has an actual for {month}",
                        position,
                        hint="give each month once, either in kpis.yaml or in the CSV file",
                    )
                )
                continue
            actuals[month] = value
        kpi["actuals"] = dict(sorted(actuals.items()))


def _csv_number(text: str) -> Decimal | str:
    try:
        return Decimal(text)
    except ArithmeticError:
        return text


def _check_references(v: Validated, docs: dict[str, YamlDoc], problems: list[Problem]) -> None:
    team_ids = {p["id"] for p in v.team}
    goal_ids = {g["id"] for g in v.goals}
    kpi_ids = {k["id"] for k in v.kpis}
    # Ids an unusable file may hold: a reference to one is unknown only because of the
    # error in that file, which is reported there; the reference is not reported too.
    broken = {
        "team.yaml": _unusable_ids(docs.get("team")),
        "goals.yaml": _unusable_ids(docs.get("goals")),
        "kpis.yaml": _unusable_ids(docs.get("kpis")),
    }

    def check(ref: str, known: set[str], kind: str, file: str, doc: YamlDoc, path) -> None:
        if ref in known:
            return
        unusable = broken[file]
        if unusable is None or ref in unusable:
            return
        if not known:
            hint = f"add {file} with an entry `- id: {ref}`"
        else:
            hint = did_you_mean(ref, known) or "known ids: " + ", ".join(
                f"`{k}`" for k in sorted(known)
            )
        problems.append(error(f"unknown {kind} `{ref}`", doc.pos(path), hint))

    goals_doc = docs.get("goals")
    for goal in v.goals:
        if goals_doc is None:
            break
        path = goal["yaml_path"]
        if "kpi" in goal:
            check(goal["kpi"], kpi_ids, "KPI", "kpis.yaml", goals_doc, (*path, "kpi"))
        if "owner" in goal:
            check(goal["owner"], team_ids, "team member", "team.yaml", goals_doc, (*path, "owner"))
    ms_doc = docs.get("milestones")
    for milestone in v.milestones:
        if ms_doc is None:
            break
        path = milestone["yaml_path"]
        # A known id is passed over here: 5,000 milestones name thousands of them.
        if "owner" in milestone and milestone["owner"] not in team_ids:
            check(
                milestone["owner"], team_ids, "team member", "team.yaml", ms_doc, (*path, "owner")
            )
        for i, goal_id in enumerate(milestone.get("goals", ())):
            if goal_id not in goal_ids:
                check(goal_id, goal_ids, "goal", "goals.yaml", ms_doc, (*path, "goals", i))


def _unusable_ids(doc: YamlDoc | None) -> set[str] | None:
    """The ids written in a list file's entries, valid or not (``None``: the file was
    written but could not be read at all, so any id may be meant)."""
    if doc is None:
        return set()
    if not doc.parsed:
        return None
    if not isinstance(doc.data, list):
        return set() if doc.data is None else None
    return {
        str(entry["id"])
        for entry in doc.data
        if isinstance(entry, dict) and isinstance(entry.get("id"), (str, int))
    }


def _check_publishing(v: Validated, doc: YamlDoc | None, problems: list[Problem]) -> None:
    """The logo exists in assets/; editions name chapters that exist; sections name editions."""
    plan = v.plan
    if "logo" in plan and doc is not None:
        found = {path.as_posix() for path in v.sources.assets}
        if posixpath.normpath(plan["logo"].replace("\\", "/")) not in found:
            problems.append(
                error(
                    f"logo `{plan['logo']}` is not a file in assets/",
                    doc.pos(("logo",)),
                    hint="put the image in assets/ and write `logo: assets/logo.png`",
                )
            )
    # A section's own `editions:` (the editions it may appear in), by its chapter name.
    kept_to = {section_slug(_stem(s["path"])): s.get("editions", []) for s in v.sections}
    declared = v.sources.theme_chapters.get(plan.get("theme", ""), ())
    known = sorted(set(kept_to) | set(declared) | {CONTENTS, ALL})
    defined = set(plan.get("editions", {}))
    for name, spec in plan.get("editions", {}).items():
        for i, chapter in enumerate(spec.get("chapters", [])):
            if chapter not in known:
                problems.append(
                    error(
                        f"edition `{name}` names unknown chapter `{chapter}`",
                        doc.pos(("editions", name, "chapters", i)),
                        hint=did_you_mean(chapter, known)
                        or "use a section's file name without number and .md, or one of: "
                        + ", ".join(f"`{c}`" for c in sorted(declared)),
                    )
                )
            elif kept_to.get(chapter) and name not in kept_to[chapter]:
                only = ", ".join(f"`{e}`" for e in kept_to[chapter])
                problems.append(
                    warning(
                        f"edition `{name}` names chapter `{chapter}`, which its front matter "
                        f"keeps to {only}: the edition leaves it out",
                        doc.pos(("editions", name, "chapters", i)),
                        hint=f"add `{name}` to the chapter's `editions:`, or take the chapter "
                        "out of this edition",
                    )
                )
    for section in v.sections:
        for name in section.get("editions", []):
            if name not in defined:
                problems.append(
                    error(
                        f"section names unknown edition `{name}`",
                        section["position"],
                        hint=did_you_mean(name, defined)
                        or "define it under `editions:` in plan.yaml",
                    )
                )


def _check_milestone_rules(v: Validated, doc: YamlDoc | None, as_of, problems) -> None:
    if doc is None:
        return
    for milestone in v.milestones:
        path = milestone["yaml_path"]
        if "actual_cost" in milestone and "done" not in milestone:
            problems.append(
                warning(
                    f"milestone `{milestone['id']}` has an `actual_cost` but no `done` date",
                    doc.key_pos((*path, "actual_cost")),
                    hint="add `done: YYYY-MM-DD` when the milestone is achieved",
                )
            )
        spend = milestone.get("spend")
        if spend and "from" in spend and "to" in spend and spend["from"] > spend["to"]:
            problems.append(
                error(
                    f"milestone `{milestone['id']}` spends from {spend['from']} to "
                    f"{spend['to']}: the range ends before it starts",
                    doc.pos((*path, "spend")),
                    hint="write `spend: {from: <first month>, to: <last month>}`",
                )
            )
        done = milestone.get("done")
        if done is not None and as_of is not None and done > as_of:
            problems.append(
                warning(
                    f"milestone `{milestone['id']}` is marked done on {done}, "
                    f"after `as_of` {as_of}",
                    doc.pos((*path, "done")),
                    hint="a done date lies in the past; "
                    "check the date or move `as_of` in plan.yaml",
                )
            )


def _check_section(
    section: SectionSource, root: Path, ctx: Context, problems: list[Problem]
) -> dict:
    record: dict[str, Any] = {}
    if section.front.data is not None:
        checked = _check_doc(section.front, SECTION, ctx, problems)
        if checked is not None:
            record = checked
    record["position"] = Position(section.path, 1, 1)
    record["path"] = _relative(section.path, root)
    record["body"] = section.body
    record["body_line"] = section.body_line
    if "title" not in record:
        record["title"] = (
            _title_from_body(section.body)
            or section.path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
        )
    return record


def _relative(path: Path, root: Path) -> str:
    """``path.relative_to(root).as_posix()``, by the text of a path load made under
    ``root`` (a plan may have a thousand chapters)."""
    text, prefix = str(path), str(root) + os.sep
    if os.sep == "/" and text.startswith(prefix) and "/." not in text and "//" not in text:
        return text[len(prefix) :]
    return path.relative_to(root).as_posix()


def _stem(path: str) -> str:
    """``PurePosixPath(path).stem`` of a plan-relative path as ``_relative`` writes it."""
    name = path.rpartition("/")[2]
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _title_from_body(body: str) -> str | None:
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped.startswith("# "):
            return stripped[2:].strip() or None
        if stripped:
            return None
    return None


def validate(sources: Sources, today: dt.date | None = None) -> Validated:
    """Check every source; return clean values and every problem, errors and warnings.

    ``today`` (default: the wall clock's day) stands in for a missing ``as_of``; the
    result's ``as_of`` is the one day every later stage measures from.
    """
    global _sources
    _sources = {}  # a new check: the records of the last one may be gone
    problems: list[Problem] = list(sources.problems)
    plan: dict[str, Any] = {}
    plan_doc = sources.plan
    if plan_doc is not None and plan_doc.data is not None:
        checked = _check_doc(plan_doc, PLAN, Context(), problems)
        plan = checked or {}
    elif plan_doc is not None and plan_doc.parsed:
        problems.append(
            error(
                "plan.yaml is empty",
                plan_doc.pos(()),
                hint="add at least `title:` and `company:`",
            )
        )
    ctx = _context(plan, plan_doc, problems)

    theme = plan["theme"] = plan.get("theme", default(PLAN, "theme"))
    available = sources.available_themes
    if theme not in available:
        problems.append(
            error(
                f"unknown theme `{theme}`",
                plan_doc.pos(("theme",)) if plan_doc else Position(sources.root),
                hint=did_you_mean(theme, available)
                or "available themes: " + ", ".join(f"`{t}`" for t in available),
            )
        )
    as_of = plan.get("as_of") or today or dt.date.today()

    docs = dict(sources.parts)
    bm = docs.get("business-model")
    business_model = _check_doc(bm, BUSINESS_MODEL, ctx, problems) if bm and bm.data else None
    lists: dict[str, list[dict]] = {}
    for name, (schema, label) in LIST_PARTS.items():
        doc = docs.get(name)
        lists[name] = _check_list(doc, schema, label, ctx, problems) if doc else []
    _merge_kpi_csvs(lists["kpis"], sources.kpi_csvs, ctx, problems)
    fin = docs.get("financials")
    financials = None
    if fin is not None and fin.data is not None:
        milestone_ids = {m["id"] for m in lists["milestones"] if "id" in m}
        financials = check_financials(fin, ctx, milestone_ids, problems, as_of)

    sections = [_check_section(s, sources.root, ctx, problems) for s in sources.sections]

    validated = Validated(
        sources=sources,
        as_of=as_of,
        plan=plan,
        business_model=business_model,
        goals=lists["goals"],
        milestones=lists["milestones"],
        kpis=lists["kpis"],
        team=lists["team"],
        financials=financials,
        sections=sections,
        problems=problems,
    )
    _check_references(validated, docs, problems)
    _check_publishing(validated, plan_doc, problems)
    _check_milestone_rules(validated, docs.get("milestones"), as_of, problems)
    if plan_doc is None or not plan_doc.parsed:
        return validated  # date-relative checks would measure from the wrong day
    problems += lint(plan, validated.goals, validated.milestones, docs, as_of)
    return validated
