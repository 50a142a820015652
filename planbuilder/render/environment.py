"""The Jinja environment shared by the site and the PDF.

Autoescaping is always on, so plan text can never become markup. When the plan
brings templates of its own (``theme/templates/``) the environment is sandboxed,
because a plan must never run code; the bundled themes' templates are ours, and
skip the sandbox's per-attribute checks, which cost half the rendering time.
"""

from __future__ import annotations

import functools

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from planbuilder.render.formatting import Formatter
from planbuilder.render.labels import labels_for
from planbuilder.themes import Theme


def css_string(value: object) -> Markup:
    """Quote text as a CSS string literal (for labels in generated ``content:`` rules)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    text = text.replace("<", "\\3c ")
    return Markup(f'"{text}"')


@functools.lru_cache(maxsize=8)
def make_environment(theme: Theme, fmt: Formatter) -> Environment:
    """One environment per theme and locale, kept so that compiled templates are reused
    across rebuilds (Jinja recompiles a template when its file changes)."""
    plan_templates = theme.override is not None and (theme.override / "templates").is_dir()
    environment_class = ImmutableSandboxedEnvironment if plan_templates else Environment
    env = environment_class(
        loader=FileSystemLoader(theme.template_dirs),
        autoescape=select_autoescape(["html", "htm", "xml", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        money=fmt.money,
        signed_money=fmt.signed_money,
        number=fmt.number,
        percent=fmt.percent,
        date=fmt.date,
        month=fmt.month,
        kpi_value=fmt.kpi_value,
        period=fmt.period,
        ratio=fmt.ratio,
        css_string=css_string,
    )
    env.globals.update(labels=labels_for(fmt.locale), locale=fmt.locale, currency=fmt.currency)
    return env
