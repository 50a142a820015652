"""``planbuilder new``: write a small, valid, commented plan to start from."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from string import Template

FILES_DIR = Path(__file__).resolve().parent / "files"


class ScaffoldRefused(Exception):
    pass


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
        target.write_text(Template(source.read_text("utf-8")).substitute(values), "utf-8")
    return directory
