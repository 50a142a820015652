"""Render one Jinja template, turning template mistakes into problems with file:line."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

from jinja2 import Environment, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.exceptions import SecurityError

from planbuilder.problems import Position, Problem, error
from planbuilder.render.environment import TemplateOutsideTheme


class TemplateProblem(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def render_template(env: Environment, name: str, context: dict[str, Any]) -> str:
    """Render ``name``; raise ``TemplateProblem`` pointing at the template line on failure."""
    try:
        return env.get_template(name).render(context)
    except TemplateOutsideTheme as exc:
        raise TemplateProblem(
            error(
                f"template `{exc.name}` is a link to a file outside the theme folder",
                Position(Path(exc.filename)),
                hint="a template in theme/templates/ must be a file inside theme/, not a link "
                "to one elsewhere",
            )
        ) from None
    except TemplateNotFound as exc:
        raise TemplateProblem(
            error(
                f"template `{exc.name}` not found in the theme",
                Position(Path(name)),
                hint="an override in the plan's theme/templates/ must keep the theme's file names",
            )
        ) from None
    except TemplateSyntaxError as exc:
        raise TemplateProblem(
            error(
                f"template syntax error: {exc.message}",
                Position(Path(exc.filename or name), exc.lineno or 0, 1),
            )
        ) from None
    except SecurityError as exc:
        file, line = _template_frame(exc, name)
        raise TemplateProblem(
            error(
                f"template error: {exc}",
                Position(file, line, 1),
                hint="a template may read the plan's text, numbers, dates and records, and "
                "call the theme's filters, macros and charts; nothing else",
            )
        ) from None
    except TemplateError as exc:
        file, line = _template_frame(exc, name)
        raise TemplateProblem(
            error(f"template error: {exc}", Position(file, line, 1), hint=_hint(exc))
        ) from None
    except (
        ArithmeticError,
        AttributeError,
        LookupError,
        RecursionError,
        TypeError,
        ValueError,
    ) as exc:
        # A filter, method or chart given a value it cannot take (``{{ 'x'|money }}``),
        # or a macro that calls itself without end.
        file, line = _template_frame(exc, name)
        raise TemplateProblem(
            error(f"template error: {type(exc).__name__}: {exc}", Position(file, line, 1))
        ) from None


def _template_frame(exc: BaseException, name: str) -> tuple[Path, int]:
    """The innermost template file and line of a rendering error (Jinja rewrites frames)."""
    found = (Path(name), 0)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".html", ".xml", ".svg", ".txt")):
            found = (Path(frame.filename), frame.lineno or 0)
    return found


def _hint(exc: TemplateError) -> str:
    if "undefined" in str(exc):
        return "the template uses a name the theme does not provide; check its spelling"
    return ""
