"""``planbuilder new``: write a complete, valid, commented plan to start from.

Each starter plan (``files/<template>/``) is a set of ``string.Template`` files whose
dates are placed relative to the day the plan is created, so statuses make sense on
the first build; ``files/common/`` adds what every plan gets (a logo, a .gitignore).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from string import Template

from planbuilder.calendar import add_months, index_of, month_name

FILES_DIR = Path(__file__).resolve().parent / "files"
TEMPLATES = ("small-business", "tech-startup", "exporter")
#: Files stored under another name, so packaging tools do not treat them as their own.
_RENAMED = {"gitignore": ".gitignore"}


#: Where ``new`` puts the JSON Schemas inside a plan; the loader never reads it.
SCHEMAS_DIR = ".schemas"


class ScaffoldRefused(Exception):
    pass


def schema_file_name(name: str) -> str:
    """``goals.yaml`` → ``goals.json``; ``section front matter`` → ``section-front-matter.json``."""
    return name.removesuffix(".yaml").replace(" ", "-") + ".json"


def schema_comment(yaml_name: str, schemas_dir: str = SCHEMAS_DIR) -> str:
    """The first line of a plan's YAML file: it points editors (the YAML language server
    in VS Code, Neovim, Helix...) at the file's JSON Schema, by a relative path that works
    offline. Empty for a file without a schema."""
    from planbuilder.records import FILES

    if yaml_name not in FILES:
        return ""
    return f"# yaml-language-server: $schema={schemas_dir}/{schema_file_name(yaml_name)}\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write a JSON Schema per YAML file of a plan into ``folder``; return the files."""
    from planbuilder.records import json_schemas
    from planbuilder.write import write_file

    written = []
    for name, schema in json_schemas().items():
        target = folder / schema_file_name(name)
        write_file((json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode(), target)
        written.append(target)
    return written


def _yaml_string(text: str) -> str:
    # A JSON string is a valid double-quoted YAML scalar, whatever it contains.
    return json.dumps(text, ensure_ascii=False)


def _values(title: str | None, company: str | None, today: dt.date) -> dict[str, str]:
    # Imported here: xml.sax.saxutils loads urllib.request, which every command would pay.
    from xml.sax.saxutils import escape

    company = company or "My Company LLC"
    this_month = index_of(today)
    values = {
        "title": _yaml_string(title or f"Business plan {today.year}–{today.year + 1}"),
        "company": _yaml_string(company),
        "logo_title": escape(company),
        "today": today.isoformat(),
        "month": month_name(this_month),
        # Kept for a plan made by an earlier version's files.
        "milestone_due": add_months(today, 3).isoformat(),
        "goal_deadline": add_months(today, 11).isoformat(),
    }
    for months in range(1, 25):
        # $in3 is the day three months from today; $m3 the month three months on;
        # $p1 the month before this one (KPI actuals so far).
        values[f"in{months}"] = add_months(today, months).isoformat()
        values[f"m{months}"] = month_name(this_month + months)
        values[f"p{months}"] = month_name(this_month - months)
        values[f"ago{months}"] = add_months(today, -months).isoformat()
    return values


def _sources(template: str) -> list[tuple[Path, Path]]:
    """(source file, path in the new plan) for the template and the common files."""
    pairs = []
    for base in (FILES_DIR / "common", FILES_DIR / template):
        for source in sorted(base.rglob("*")):
            if source.is_file():
                relative = source.relative_to(base)
                relative = relative.with_name(_RENAMED.get(relative.name, relative.name))
                pairs.append((source, relative))
    return pairs


def create_plan(
    directory: Path,
    *,
    title: str | None = None,
    company: str | None = None,
    today: dt.date | None = None,
    template: str = "small-business",
) -> Path:
    """Create a plan from ``template`` in ``directory`` (absent or empty); return its path."""
    if template not in TEMPLATES:
        raise ScaffoldRefused(f"no starter plan `{template}`; choose one of {', '.join(TEMPLATES)}")
    directory = directory.resolve()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ScaffoldRefused("the folder exists and is not empty; choose a new folder")
    values = _values(title, company, today or dt.date.today())
    for source, relative in _sources(template):
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        text = Template(source.read_text("utf-8")).substitute(values)
        if target.parent == directory:
            text = schema_comment(target.name) + text
        target.write_text(text, "utf-8")
    write_schemas(directory / SCHEMAS_DIR)
    return directory
