"""The one place a problem becomes text: a terminal line, a JSON-able dict, the overlay.

``check``, ``build``, the dev server's terminal log, its status endpoint, its events and
its in-page overlay all show a problem through these functions, so they read alike.
Paths are shown relative to the current folder when inside it, else in full.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from markupsafe import escape

from planbuilder.problems import Problem

_COLOURS = {"error": "31", "warning": "33"}


def display_path(file: Path | str, root: Path | str | None = None) -> str:
    """``file`` relative to ``root`` (default: the current folder) when inside it."""
    name = str(file)
    try:
        relative = os.path.relpath(name, root) if root is not None else os.path.relpath(name)
    except ValueError:  # another drive, on Windows
        return name
    return name if relative.startswith("..") else relative


def where(problem: Problem, root: Path | str | None = None) -> str:
    """``file:line:column``, or the file alone when the problem has no line."""
    position = problem.position
    text = display_path(position.file, root)
    if position.line:
        text += f":{position.line}:{position.column or 1}"
    return text


def problem_line(problem: Problem, *, color: bool = False, root: Path | str | None = None) -> str:
    """``file:line:col: severity: message``, the severity in colour when asked."""
    severity = problem.severity.value
    if color:
        severity = f"\033[1;{_COLOURS.get(severity, '0')}m{severity}\033[0m"
    return f"{where(problem, root)}: {severity}: {problem.message}"


def problem_text(problem: Problem, *, color: bool = False, root: Path | str | None = None) -> str:
    """The problem line, plus an indented ``hint:`` line when there is a hint."""
    text = problem_line(problem, color=color, root=root)
    if problem.hint:
        text += f"\n    hint: {problem.hint}"
    return text


def problem_json(problem: Problem) -> dict:
    """A JSON-able dict: file, line, column, severity, message, hint, code."""
    position = problem.position
    return {
        "file": display_path(position.file),
        "line": position.line,
        "column": position.column,
        "severity": problem.severity.value,
        "message": problem.message,
        "hint": problem.hint,
        "code": problem.code,
    }


def summary(problems: Iterable[Problem]) -> str:
    """``2 errors, 1 warning``."""
    problems = list(problems)
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"


def errors_first(problems: Iterable[Problem]) -> list[Problem]:
    """Errors, then warnings, each in their order: a warning is often a knock-on of an
    error, and the cause should be read first (terminal and overlay alike)."""
    problems = list(problems)
    return [p for p in problems if p.is_error] + [p for p in problems if not p.is_error]


def overlay_html(problems: Iterable[Problem], *, built: bool = True) -> str:
    """The dev server's error overlay, every value escaped. Each item reads exactly as the
    terminal line and hint of ``problem_text``, errors before warnings. ``built``: a good
    build is being shown below (else the plan has never built)."""
    problems = errors_first(problems)
    items = []
    for problem in problems:
        severity = escape(problem.severity.value)
        hint = f'<div class="pb-hint">hint: {escape(problem.hint)}</div>' if problem.hint else ""
        items.append(
            f'<li class="pb-{severity}"><code class="pb-where">{escape(where(problem))}</code>: '
            f'<span class="pb-severity">{severity}</span>: '
            f'<span class="pb-message">{escape(problem.message)}</span>{hint}</li>'
        )
    errors = sum(1 for p in problems if p.is_error)
    return (
        '<div id="planbuilder-overlay" role="alert" aria-live="assertive">'
        '<div class="pb-box"><button type="button" class="pb-close" aria-label="Hide">×</button>'
        f"<h2>The plan has {errors} error{'s' if errors != 1 else ''}</h2>"
        + (
            "<p>The page below is the last good build. "
            if built
            else "<p>The plan has not built yet, so there is no page to show. "
        )
        + "Fix the file and save: this goes away by itself.</p>"
        f"<ul>{''.join(items)}</ul></div></div>"
    )
