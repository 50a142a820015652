"""The Jinja environment shared by the site and the PDF.

Sandboxed, because templates may come from the plan's own ``theme/`` folder and
a plan must never run code; autoescaping on, so plan text can never become markup.
"""

from __future__ import annotations

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from planbuilder.render.formatting import Formatter
from planbuilder.render.labels import LABELS
from planbuilder.themes import Theme


def css_string(value: object) -> Markup:
    """Quote text as a CSS string literal (for labels in generated ``content:`` rules)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    text = text.replace("<", "\\3c ")
    return Markup(f'"{text}"')


def make_environment(theme: Theme, fmt: Formatter) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
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
        css_string=css_string,
    )
    env.globals.update(labels=LABELS, locale=fmt.locale, currency=fmt.currency)
    return env
