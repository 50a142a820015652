"""The site's rendering shortcuts give the very bytes of the plain way."""

from __future__ import annotations

import json
import re
import textwrap
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from jinja2 import ChoiceLoader, DictLoader
from markupsafe import Markup, escape

from planbuilder.build import build
from planbuilder.render import charts, site
from planbuilder.render import environment as environment_module
from planbuilder.render.environment import SANDBOX_ALL_ENV, make_environment
from planbuilder.render.formatting import Formatter
from planbuilder.themes import resolve_theme

from .conftest import REPO, TODAY


class _Html:
    def __html__(self) -> str:
        return "<b>mine</b>"


VALUES = [
    "plain",
    "<script>alert('x') & \"y\"</script>",
    Markup("<em>kept</em>"),
    7,
    2.5,
    Decimal("-3.10"),
    None,
    _Html(),
    ("<a>", 1),
]


@pytest.mark.parametrize("sandboxed", [False, True])
def test_what_a_template_outputs_is_escaped_as_markupsafe_does(
    tmp_path, monkeypatch, sandboxed: bool
):
    monkeypatch.delenv(SANDBOX_ALL_ENV, raising=False)
    theme = resolve_theme("default", tmp_path / "theme")
    env = make_environment(theme, Formatter("en_US", "USD"), sandboxed=sandboxed)
    template = env.from_string(
        "{% for v in values %}[{{ v }}]{% endfor %}"
        "{% set block %}<i>{{ values[1] }}</i>{% endset %}{{ block }}"
        "{% macro m(v) %}<u>{{ v }}</u>{% endmacro %}{{ m(values[1]) }}"
    )
    # A plan's data never holds an object of its own with ``__html__``.
    values = [v for v in VALUES if not (sandboxed and isinstance(v, _Html))]
    expected = "".join(f"[{escape(v)}]" for v in values)
    expected += f"<i>{escape(values[1])}</i><u>{escape(values[1])}</u>"
    assert template.render(values=values) == expected
    assert "<script>" not in template.render(values=values)


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab -\t\n\r\x0b\x0c\u00a0\u3000\x1cé<&"), max_size=40),
    st.sampled_from([20.0, 60.0, 160.0, 440.0]),
)
def test_a_chart_label_wraps_as_textwrap_wraps_it(text: str, room: float):
    size = 13
    limit = max(4, int(room / (0.62 * size)))
    expected = textwrap.wrap(text, limit, break_on_hyphens=False) or [text]
    assert charts.wrap(text, room, size) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(), st.text(), st.text()), max_size=5))
def test_the_search_index_is_the_json_of_its_entries(texts):
    entries = tuple(
        site.SearchEntry("page", title, f"sections/{i}.html", text + words)
        for i, (title, text, words) in enumerate(texts)
    )
    data = [{"k": e.kind, "t": e.title, "u": e.url, "x": e.text} for e in entries]
    body = json.dumps(data, ensure_ascii=True, separators=(",", ":")).replace("</", "<\\/")
    assert site.search_index_js(entries) == f"window.planbuilderSearch = {body};\n".encode()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab #*_`>|\n\t[]()!"), max_size=60))
def test_a_chapter_is_found_by_its_words_without_markup(markdown: str):
    assume("](" not in markdown)  # links and images: another pattern, unchanged
    words = site._plain(markdown)
    assert words == " ".join(re.sub(r"[#*_`>|]+", " ", markdown).split())
    assert not set("#*_`>|") & set(words)


# -- Chapter pages made from a shell -------------------------------------------------------

#: Enough chapters for their pages to be made from the shell.
COUNT = site.SHELL_MIN_PAGES + 3
TITLES = ['Plan & "growth" <2027>', "Café d'été 🚀", "Ü: a colon", "x", "{{ not code }}"]


def _title(i: int) -> str:
    return f"{TITLES[i % len(TITLES)]} {i}"


def _chapters(count: int) -> dict[str, str]:
    return {
        f"sections/{i:02}-part-{i}.md": f"---\ntitle: {json.dumps(_title(i), ensure_ascii=False)}"
        f"\norder: {10 * i + 5}\n---\nWords about part {i} & <b>more</b>.\n"
        for i in range(count)
    }


def _build(plan, out, monkeypatch, shell: bool):
    """The build, and the templates rendered for it."""
    names: list[str] = []
    original = site.render_template

    def counted(env, name, context):
        names.append(name)
        return original(env, name, context)

    monkeypatch.setattr(site, "render_template", counted)
    monkeypatch.setattr(site, "SHELL_MIN_PAGES", site.SHELL_MIN_PAGES if shell else 10**9)
    result = build(plan, out, pdf=False, today=TODAY)
    assert result.ok, result.problems
    return result, names


def _pages(result) -> dict[str, bytes]:
    return {k: v for k, v in result.site_files.files.items() if k.endswith(".html")}


@pytest.mark.parametrize("extra", [{}, {"team.yaml": "- {id: ada, name: Ada, role: Founder}\n"}])
def test_chapter_pages_from_the_shell_are_the_pages_their_template_renders(
    make_plan, tmp_path, monkeypatch, extra
):
    """With and without a page after the last chapter (the last one has no "next")."""
    plan = make_plan({**_chapters(COUNT), **extra})
    shelled, names = _build(plan, tmp_path / "a", monkeypatch, shell=True)
    assert names.count("section.html") <= 4  # the shell, two checks, a page without "next"
    plain, names = _build(plan, tmp_path / "b", monkeypatch, shell=False)
    assert names.count("section.html") == COUNT
    assert _pages(shelled) == _pages(plain)
    page = _pages(shelled)["sections/part-6.html"].decode()  # made from the shell
    assert "<title>Café d&#39;été 🚀 6 · " in page and 'href="../sections/part-7.html"' in page


@pytest.mark.parametrize("name", ["section.html", "base.html"])
def test_a_plan_that_overrides_the_page_templates_gets_every_chapter_rendered_by_them(
    make_plan, tmp_path, monkeypatch, name
):
    bundled = (REPO / "themes/default/templates" / name).read_text()
    mine = bundled.replace("</body>", "<p class='mine'>{{ page.title | upper }}</p></body>")
    mine = mine.replace("{% block content %}", "{% block content %}<p>{{ section.order }}</p>")
    assert mine != bundled
    plan = make_plan({**_chapters(COUNT), f"theme/templates/{name}": mine})
    result, names = _build(plan, tmp_path / "a", monkeypatch, shell=True)
    assert names.count("section.html") == COUNT
    for i in range(COUNT):
        page = _pages(result)[f"sections/part-{i}.html"].decode()
        title = _title(i)
        if name == "base.html":
            assert f"<p class='mine'>{escape(title.upper())}</p>" in page
        else:
            assert f"<p>{10 * i + 5}</p>" in page


@pytest.mark.parametrize(
    ("content", "count"),
    [
        ("{{ page.title | upper }}", COUNT),  # a marker changed
        ("{{ section.order }}", COUNT),  # a value not marked, different on every page
        # the first chapter the sidebar lists: one shell for each block of chapters
        ("{{ nav[1].pages[0].title }}", site.NAV_ALL_CHAPTERS + site.NAV_BLOCK),
    ],
)
def test_a_chapter_template_that_writes_a_value_its_own_way_gets_the_pages_it_renders(
    make_plan, tmp_path, monkeypatch, content, count
):
    """The bundled templates as one that a single shell cannot stand for."""

    def environment(theme, fmt):
        env = environment_module._environment.__wrapped__(theme, fmt, False, True)
        section = '{% extends "base.html" %}{% block content %}<p>' + content + "</p>{% endblock %}"
        env.loader = ChoiceLoader([DictLoader({"section.html": section}), env.loader])
        return env

    monkeypatch.setattr(site, "make_environment", environment)
    plan = make_plan(_chapters(count))
    shelled, _ = _build(plan, tmp_path / "a", monkeypatch, shell=True)
    plain, _ = _build(plan, tmp_path / "b", monkeypatch, shell=False)
    assert _pages(shelled) == _pages(plain)
