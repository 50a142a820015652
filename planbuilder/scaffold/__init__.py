"""``planbuilder new``: write a small, valid, commented plan to start from."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from string import Template

FILES_DIR = Path(__file__).resolve().parent / "files"


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


def create_plan(
    directory: Path,
    *,
    title: str | None = None,
    company: str | None = None,
    today: dt.date | None = None,
) -> Path:
    """Create a plan in ``directory`` (absent or empty); return its path."""
    directory = directory.resolve()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ScaffoldRefused("the folder exists and is not empty; choose a new folder")
    today = today or dt.date.today()
    values = {
        "title": _yaml_string(title or f"Business plan {today.year}–{today.year + 1}"),
        "company": _yaml_string(company or "My Company LLC"),
        "today": today.isoformat(),
        "month": today.strftime("%Y-%m"),
        # A first milestone about a quarter away, and a short-term goal within the year.
        "milestone_due": (today + dt.timedelta(days=90)).isoformat(),
        "goal_deadline": (today + dt.timedelta(days=330)).isoformat(),
    }
    for source in sorted(FILES_DIR.rglob("*")):
        if not source.is_file():
            continue
        target = directory / source.relative_to(FILES_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = Template(source.read_text("utf-8")).substitute(values)
        if target.parent == directory:
            text = schema_comment(target.name) + text
        target.write_text(text, "utf-8")
    write_schemas(directory / SCHEMAS_DIR)
    return directory
