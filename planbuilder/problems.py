"""Problems found in a plan: values that travel through the pipeline until the edge.

Every stage that inspects the plan returns problems instead of raising, so the
user sees all of them at once, each pointing at a file, line and column.
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a source file; line and column count from 1."""

    file: Path
    line: int = 0
    column: int = 0

    def display(self, root: Path | None = None) -> str:
        name = str(self.file)
        if root is not None:
            with contextlib.suppress(ValueError):
                name = str(self.file.relative_to(root))
        if self.line:
            return f"{name}:{self.line}:{self.column or 1}"
        return name


@dataclass(frozen=True, slots=True)
class Problem:
    severity: Severity
    message: str
    position: Position
    hint: str = ""
    code: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self, root: Path | None = None) -> str:
        """``file:line:col: error: message`` plus an indented hint line (see
        ``planbuilder.diagnostics``, which every caller shares)."""
        from planbuilder.diagnostics import problem_text

        return problem_text(self, root=root)

    def escalated(self) -> Problem:
        """The same problem as an error (``--strict``)."""
        if self.is_error:
            return self
        return Problem(Severity.ERROR, self.message, self.position, self.hint, self.code)


def error(message: str, position: Position, hint: str = "", code: str = "") -> Problem:
    return Problem(Severity.ERROR, message, position, hint, code)


def warning(message: str, position: Position, hint: str = "", code: str = "") -> Problem:
    return Problem(Severity.WARNING, message, position, hint, code)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Order by file, then line, then column: how a reader goes through a plan."""
    return sorted(
        problems,
        key=lambda p: (str(p.position.file), p.position.line, p.position.column, p.message),
    )


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.is_error for p in problems)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest valid choice, or an empty string."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else ""
