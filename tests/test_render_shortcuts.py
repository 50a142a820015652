"""The site's rendering shortcuts give the very bytes of the plain way."""

from __future__ import annotations

import json
import re
import textwrap
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from planbuilder.render import charts, site
from planbuilder.render.environment import SANDBOX_ALL_ENV, make_environment
from planbuilder.render.formatting import Formatter
from planbuilder.themes import resolve_theme


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
