"""The fast Markdown path (inline rules pruned per block, written-out renderer) gives the
same tokens, the same HTML and the same problems as markdown-it's plain parser and renderer."""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from operator import attrgetter
from pathlib import Path

import markdown_it
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planbuilder.figures import Figure, Figures
from planbuilder.model import Section
from planbuilder.render.formatting import Formatter
from planbuilder.render.markdown import (
    _FAST,
    _MD,
    _TABLE_RULE_OF,
    Prose,
    Target,
    _fast,
    _fast_parse,
    _render,
    _table,
    render_section,
)

ROOT = Path(tempfile.mkdtemp(prefix="planbuilder-mdfast-"))
(ROOT / "assets").mkdir()
(ROOT / "assets" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
(ROOT / "sections").mkdir()
(ROOT / "sections" / "03-market.md").write_text("# Market\n")

SITE = Target(
    asset_url=lambda p: f"../{p.as_posix()}",
    section_url=lambda slug, anchor: f"../sections/{slug}.html" + (f"#{anchor}" if anchor else ""),
    chapter_url=lambda chapter, anchor: f"../{chapter}.html" + (f"#{anchor}" if anchor else ""),
)
#: A print edition that leaves out every other section and every chapter.
PRINT = Target(
    asset_url=lambda p: p.as_posix(),
    section_url=lambda slug, anchor: None if slug != "intro" else f"#{anchor}",
    edition="short",
)
PROSE = Prose(
    figures=Figures(
        (
            Figure("plan.revenue", Decimal("60000"), "money"),
            Figure("plan.margin", Decimal("12.5"), "percent"),
            Figure("plan.staff", Decimal("4"), "count"),
        )
    ),
    fmt=Formatter("en_US", "USD"),
    targets=(
        ("market", "section", "Market"),
        ("milestones", "chapter", "Milestones"),
        ("goal.margin", "goal", "Margin"),
    ),
)
BY_FILE = {"03-market.md": "market"}

EXAMPLES = int(os.environ.get("PLANBUILDER_FUZZ_EXAMPLES", "300"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize="PLANBUILDER_FUZZ_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Inline constructs, each written to trip one rule (or look as if it should).
PIECES = (
    "plain words",
    "Lot 3-4: done!",
    "*em*",
    "**strong**",
    "_under_",
    "__double__",
    "*open",
    "snake_case_name",
    "[a link](https://example.com)",
    "[section](03-market.md#plans)",
    "[gone](nowhere.md)",
    "[bad](javascript:alert(1))",
    "[local](#top)",
    "[ref link][ref]",
    "[ref]",
    "![logo](../assets/logo.png)",
    "![*alt* text](../assets/logo.png)",
    "![web](https://example.com/x.png)",
    "![missing](../assets/nope.png)",
    "<https://example.com/auto>",
    "<someone@example.com>",
    "<b>raw</b>",
    "a < b > c",
    "<",
    "&amp;",
    "&copy;",
    "&#36;60,000",
    "&#x24;",
    "&nosuch;",
    "&",
    "\\*not em\\*",
    "\\{=plan.revenue}",
    "\\",
    "`code {=plan.revenue}`",
    "``two `ticks``",
    "`open",
    "{=plan.revenue}",
    "{=plan.margin}",
    "{=no.such}",
    "{=Bad Name}",
    "{>market}",
    "{>market: the market}",
    "{>milestones?: our milestones}",
    "{>goal.margin}",
    "{>nowhere}",
    "{~$17.50}",
    "{=open",
    "{",
    "}",
    "$60,000",
    "USD 4",
    "12.5%",
    "3 %",
    "!",
    "[",
    "]",
    "|",
    "~~strike~~",
    "Café — ünïcode",
    "  ",
)
#: Characters that mean something to some rule, to mix into free text.
SPECIAL = "ab *_[]()!<>&#;{}=>~`\\|-:.$%@ 1\n"

inline_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(alphabet=SPECIAL, max_size=12)),
    min_size=1,
    max_size=8,
).map(" ".join)
one_line = inline_text.map(lambda text: text.replace("\n", " "))


def table(header: list[str], align: str, rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join([align] * len(header)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


cells = st.lists(one_line.map(lambda t: t.replace("|", "\\|")), min_size=1, max_size=3)
tables = st.builds(
    table,
    cells,
    st.sampled_from(["---", ":--", "--:", ":-:"]),
    st.lists(cells, max_size=4),
)
blocks = st.one_of(
    inline_text,
    one_line.map(lambda t: "# " + t),
    one_line.map(lambda t: "### " + t + " ###"),
    one_line.map(lambda t: t + "\n---"),
    one_line.map(lambda t: t + "\n==="),
    tables,
    st.lists(one_line, min_size=1, max_size=3).map(lambda xs: "\n".join("- " + x for x in xs)),
    st.lists(one_line, min_size=1, max_size=3).map(lambda xs: "\n\n".join("1. " + x for x in xs)),
    st.lists(inline_text, min_size=1, max_size=2).map(lambda xs: "> " + "\n> ".join(xs)),
    st.tuples(one_line, one_line).map(lambda xs: f"- {xs[0]}\n  > {xs[1]}\n- x\n  - {xs[1]}"),
    one_line.map(lambda t: "```\n" + t + "\n```"),
    one_line.map(lambda t: "    " + t),
    st.just("***"),
    st.just("[ref]: https://example.com/ref 'Title'"),
    one_line.map(lambda t: "Hard  \nbreak " + t),
    st.text(alphabet=SPECIAL, max_size=60),
)
bodies = st.lists(blocks, min_size=1, max_size=6).map(lambda xs: "\n\n".join(xs) + "\n")
#: Blocks no blockquote or list item can start in (block rules are then pruned by the first
#: character of each line), joined with and without blank lines so that each may
#: interrupt or continue the one before.
word = st.sampled_from(["Plain", "Lot 3-4", "{=plan.revenue}", "[x](#a)", "`c`", "**b**"])
flat_blocks = st.one_of(
    st.lists(word, min_size=1, max_size=3).map(" ".join),
    word.map(lambda t: "# " + t),
    word.map(lambda t: "    " + t),
    word.map(lambda t: "\t" + t),
    word.map(lambda t: "  \t" + t),
    word.map(lambda t: "   " + t),
    word.map(lambda t: t + "\n==="),
    st.just("___"),
    st.just("```\n- not a list\n```"),
    st.just("~~~\n> not a quote\n~~~"),
    st.just("[ref]: https://example.com/ref"),
    st.just("<div>x</div>"),
    st.builds(table, st.lists(word, min_size=1, max_size=2), st.just("---"), st.just([["x"]])),
    st.just("| a |\n|---|"),
    st.just("a | b"),
    st.just(""),
)
flat_bodies = st.tuples(
    st.lists(flat_blocks, min_size=1, max_size=6), st.sampled_from(["\n", "\n\n"])
).map(lambda xs: xs[1].join(xs[0]) + "\n")


def section(body: str) -> Section:
    return Section(
        slug="intro", title="Intro", order=1, body=body, body_line=4, path="sections/intro.md"
    )


#: The tags markdown-it makes a token each of in a table, which the fast parser carries on
#: the cells' inline tokens instead.
ROW_TOKENS = {
    f"{tag}_{end}" for tag in ("thead", "tbody", "tr", "th", "td") for end in ("open", "close")
}


FIELDS = attrgetter(
    "type",
    "tag",
    "nesting",
    "map",
    "content",
    "children",
    "attrs",
    "markup",
    "info",
    "hidden",
    "block",
)


def shape(tokens: list, leave_out: set[str] = frozenset()) -> list[tuple]:
    """Each token as what the HTML and the problems are made from (not its nesting level,
    nor the tags a table cell carries in ``meta``)."""
    return [FIELDS(t) for t in tokens if t.type not in leave_out]


def same_tokens(body: str) -> None:
    fast, plain = _fast_parse(body), _MD.parse(body)
    assert shape(fast, ROW_TOKENS) == shape(plain, ROW_TOKENS)
    html = _MD.renderer.render(plain, _MD.options, {})
    assert _FAST.renderer.render(fast, _FAST.options, {}) == html


def same_result(body: str, target: Target, prose: Prose | None) -> None:
    fast = _render(section(body), ROOT, target, BY_FILE, prose)
    plain = _render(section(body), ROOT, target, BY_FILE, prose, fast=False)
    assert fast.html == plain.html
    assert fast.problems == plain.problems


@SETTINGS
@given(bodies)
def test_the_fast_parser_makes_the_same_tokens(body: str):
    same_tokens(body)


@SETTINGS
@given(flat_bodies)
def test_the_fast_parser_makes_the_same_tokens_of_flat_bodies(body: str):
    same_tokens(body)


@SETTINGS
@given(
    st.one_of(bodies, flat_bodies), st.sampled_from([SITE, PRINT]), st.sampled_from([PROSE, None])
)
def test_the_fast_path_gives_the_same_html_and_problems(body, target, prose):
    same_result(body, target, prose)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "\n",
        "| a | b |\n|---|---|\n|  |  |\n| x |\n",  # empty and missing cells
        "| a |\n|---|\n| Lot 3-4 |\n| $60,000 |\n| 12.5% |\n",  # cells of plain text
        "| a |\n|---|\n| `x \\| y` |\n",  # an escaped pipe in a cell
        "Wow!\n",  # `!` without `[`: no image can start
        "![",
        "a\\\nb\n",  # a backslash hard break
        "a  \nb\n",  # a two-space hard break
        "*a\nb*\n",  # emphasis across a soft break
        "- a\n  > b\n- c\n\n  d\n",  # a block after a tight list's hidden paragraph
        "[a\nb](https://example.com)\n",
        "[*a* {=plan.revenue}](https://example.com)\n",
        "![a {=plan.revenue} *b*](../assets/logo.png)\n",
        "&#0; &#xD800; &#1114112;\n",  # entities replaced by U+FFFD
        "a\x00b\r\nc\n",  # normalised before parsing
        "<a href='x'>\n",
        "`` ` `` `x\n",
        "[ref]\n\n[ref]: https://example.com\n",
        "{=plan.revenue} costs $60,000, 12.5% of &#36;60,000\n",
        # block rules pruned by the first character of each line
        "a\n    b\n",  # a lazy continuation, not code
        "\tcode\n\n  \tcode\n\n    code\n",
        "| a |\n|---|\n| b |\n# c\n",  # a heading ends a table
        "| a |\n|---|\n| b |\n> c\n",  # so does a blockquote
        "| a |\n|---|\n| b |\n```\nc\n```\n",  # and a fence
        "a\n```\nb\n```\n",  # a fence interrupts a paragraph
        "a\r> b\r- c\r",  # lines ended by a lone carriage return
        "a\r\n# b\r\n",
        "Title\n===\n\nTitle\n---\n",
        "[ref]: /url\n[ref]\n",
        "a\n<div>\n",
        "   # indented heading\n    # code\n",
        "> - a\n>     code\n",  # lines begin after a blockquote's marker
        "-     code in an item\n",
        "1. a\n   ```\n   b\n   ```\n",
        "a | b\n- | -\n1 | 2\n",  # a table without outer pipes
        # tables, made of cell tokens by the fast parser
        "| a | b |\n|:-|-:|\n",  # a header and no body
        "| a | b |\n|---|---|\n| 1 |\n| 1 | 2 | 3 |\n\n| c |\n",
        "| a | b |\n|---|\n| 1 | 2 |\n",  # one delimiter for two columns: no table
        "| a |\n|---|\n| b \\|\n| c \\\\| d |\n",  # escapes before pipes
        "- a\n  | b |\n  |---|\n  | c |\n- d\n",  # after a tight list item's paragraph
        "> | a |\n> |---|\n> | b |\nc\n",
        "| a |\n|---|\n| b |\n- c\n",
        "| a |\n|---|\n| b |\n    | code |\n",
        "text\n| a |\n|---|\n",  # a table ends a paragraph
        "| a |\n| --- |\n|  |\n",
        "    | a |\n| --- |\n",  # a header indented as code
        "| a |\n    | --- |\n",
        "[a]: /url\n| b |\n|---|\n",  # a table ends a reference definition
        "[a\n| b |\n|---|\n]: /url\n",
        # nesting deeper than markdown-it's limit (maxNesting)
        "> " * 30 + "a | b\n" + "> " * 30 + "--|--\n",
        "[" * 25 + "a" + "]" * 25 + "(https://example.com)\n",
        "- " * 25 + "*a* `b`\n",
        "**" * 30 + "a" + "**" * 30 + "\n",
        "|a|\n|-|\n|{=plan.revenue} [x](03-market.md) ![i](../assets/logo.png)|\n",
    ],
)
def test_edge_cases_give_the_same_result(body: str):
    for target in (SITE, PRINT):
        for prose in (PROSE, None):
            same_result(body, target, prose)
    same_tokens(body)


def test_a_table_of_plain_cells_still_renders_and_lints():
    body = "| Item | Amount |\n|---|--:|\n| Lot 3-4 | $60,000 |\n| Lot 5 | $61,000 |\n"
    result = render_section(section(body), ROOT, SITE, BY_FILE, PROSE)
    assert '<td>Lot 3-4</td>\n<td style="text-align:right">$60,000</td>' in result.html
    assert [(p.message, p.position.line) for p in result.problems] == [
        ("`$60,000` is written literally; it is the plan's figure {=plan.revenue}", 6),
        ("`$61,000` is none of the plan's figures", 7),
    ]


def test_the_table_rule_follows_the_installed_markdown_it():
    """``_table`` copies the table rule of one markdown-it-py release; any other release
    keeps its own rule (the properties above then compare that). To follow a new release,
    compare `_table` with markdown_it/rules_block/table.py and update _TABLE_RULE_OF."""
    table = next(r for r in _fast().block.ruler.__rules__ if r.name == "table").fn
    if markdown_it.__version__ == _TABLE_RULE_OF:
        assert table is _table
    else:
        assert table is not _table
