"""Problems found in a plan: values that travel through the pipeline until the edge.

Every stage that inspects the plan returns problems instead of raising, so the
user sees all of them at once, each pointing at a file, line and column.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePath


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a source file; line and column count from 1.

    ``file`` is text, never a path object, so that a position (which travels into the
    model and so into templates) offers no file methods; a path given is converted.
    """

    file: str
    line: int = 0
    column: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.file, PurePath):
            object.__setattr__(self, "file", str(self.file))

    @property
    def name(self) -> str:
        """The file's name without its folder, e.g. ``goals.yaml``."""
        return os.path.basename(self.file)


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
