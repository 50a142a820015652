"""The floor for this stack: markdown-it-py and one Jinja template, rendering the same pages
planbuilder renders for a plan (one page per chapter, a milestones page, a KPIs page).

Run: python benchmarks/floor.py PLAN OUT. Used by run.py as the reference a build is
compared with; it checks nothing, computes nothing and has no navigation beyond a list.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jinja2
import yaml
from markdown_it import MarkdownIt

TEMPLATE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><nav><ul>{% for p in nav %}<li><a href="{{ p }}.html">{{ p }}</a></li>{% endfor %}</ul></nav>
<main>{% if body %}{{ body }}{% endif %}
{% if rows %}<table>{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}
</tr>{% endfor %}</table>{% endif %}</main></body></html>
"""


def main(plan: Path, out: Path) -> None:
    md = MarkdownIt("commonmark").enable("table")
    env = jinja2.Environment(autoescape=True)
    page = env.from_string(TEMPLATE)
    out.mkdir(parents=True, exist_ok=True)
    chapters = sorted((plan / "sections").glob("*.md"))
    nav = [c.stem for c in chapters[:50]]
    for chapter in chapters:
        text = chapter.read_text()
        if text.startswith("---\n"):
            front, text = text[4:].split("\n---\n", 1)
            yaml.load(front, Loader=yaml.CSafeLoader)
        body = jinja2.utils.markupsafe.Markup(md.render(text))
        html = page.render(title=chapter.stem, nav=nav, body=body, rows=())
        (out / f"{chapter.stem}.html").write_text(html)
    for name in ("milestones", "kpis"):
        data = yaml.load((plan / f"{name}.yaml").read_text(), Loader=yaml.CSafeLoader)
        rows = [[str(v) for v in item.values()] for item in data]
        (out / f"{name}.html").write_text(page.render(title=name, nav=nav, body="", rows=rows))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
