"""Markdown → HTML for narrative sections: CommonMark plus tables, raw HTML off.

Links and images are checked and rewritten for their target: on the site an
image points at the copied ``assets/`` folder, in the PDF at the file itself;
a link to another section's ``.md`` file becomes a link to that section.
Headings are demoted one level (the section title is the page's ``h1``) and get ids.

Bodies are parsed and rendered by a fast path (`_fast_parse`, `_Renderer`) that gives
the same HTML as markdown-it's plain parser and renderer (`_MD`): rules that cannot
match in a body are left out, and tables are made of cell tokens only.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import markdown_it
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, isStrSpace, mdTrim
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from planbuilder.figures import Figures
from planbuilder.model import Section, slugify
from planbuilder.paths import is_inside
from planbuilder.problems import Position, Problem, did_you_mean, error, warning
from planbuilder.render.figures import (
    FIGURE,
    LITERAL,
    NAME,
    Ref,
    amount_signs,
    format_figure,
    literals,
    matching,
    nearest,
    parse_reference,
)
from planbuilder.render.figures import install as figure_syntax
from planbuilder.render.formatting import Formatter

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_SAFE_LINK_SCHEMES = ("http", "https", "mailto", "tel")


def _parser(renderer_cls: type[RendererHTML] = RendererHTML) -> MarkdownIt:
    md = MarkdownIt(
        "commonmark", {"html": False, "typographer": False}, renderer_cls=renderer_cls
    ).enable("table")
    return figure_syntax(md)


#: The plain parser and renderer: what the fast path below must match byte for byte, with
#: the same problems (tests/test_markdown_fast.py checks it on generated bodies).
_MD = _parser()


# The fast path ------------------------------------------------------------------------
#
# markdown-it's inline tokenizer stops at every "terminator" character (each `-` of
# "Lot 3-4", each `:`) and tries every enabled inline rule there. Each rule below
# returns False at once, before it changes anything, unless the text at the position
# starts with its start character (the first test of each function in
# markdown_it/rules_inline/): newline `\n` (newline.py), escape `\\` (escape.py),
# figure_ref `{` (render/figures.py `_rule`), backticks `` ` `` (backticks.py), emphasis
# `_` or `*` (emphasis.py `tokenize`), link `[` (link.py), image `!` followed by `[`
# (image.py), autolink `<` (autolink.py), html_inline: off without the html option, then
# `<` (html_inline.py), entity `&` (entity.py). A rule whose start character is not in an
# inline block's text cannot match anywhere in it, nor in a part of it tokenized again (a
# link's label, an image's description), so the block is tokenized without it. When only
# `text` is left, the block is one text token: what the tokenizer makes of text in which
# no rule matches (pending text flushed once; the pair rules of ruler2 only act on the
# delimiters emphasis leaves).
_STARTS: tuple[tuple[str, str], ...] = (
    ("newline", "\n"),
    ("escape", "\\"),
    ("figure_ref", "{"),
    ("backticks", "`"),
    ("emphasis", "_*"),
    ("link", "["),
    ("image", "["),
    ("autolink", "<"),
    ("html_inline", "<"),
    ("entity", "&"),
)
_ACTIVE = re.compile("[" + re.escape("".join(sorted({c for _, cs in _STARTS for c in cs}))) + "]")


@functools.cache  # one per set of rules left out: at most 2**8 (link and image go together,
# autolink and html_inline too)
def _pruned(disabled: frozenset[str]) -> MarkdownIt:
    """A parser without the inline rules named."""
    md = _parser()
    if disabled:
        md.inline.ruler.disable(sorted(disabled))
    return md


@functools.lru_cache(maxsize=256)
def _inline_parser(present: frozenset[str]) -> MarkdownIt:
    """The parser for inline text holding (of the start characters) those ``present``."""
    return _pruned(frozenset(n for n, chars in _STARTS if not any(c in present for c in chars)))


def _inline(state: StateCore) -> None:
    """markdown-it's core ``inline`` rule, each block tokenized with only the inline
    rules that can match in its text."""
    env = state.env
    for token in state.tokens:
        if token.type != "inline":
            continue
        if token.children is None:
            token.children = []
        content = token.content
        present = _ACTIVE.findall(content)
        if present:
            md = _inline_parser(frozenset(present))
            md.inline.parse(content, md, env, token.children)
        elif content:
            token.children.append(Token("text", "", 0, content=content))


class _Renderer(RendererHTML):
    """markdown-it's HTML renderer with its hot paths written out: the same bytes."""

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        out: list[str] = []
        rules = self.rules
        for index, token in enumerate(tokens):
            kind = token.type
            if kind == "inline":
                cell = token.meta.get("cell")  # (tags before, tags after): see _table
                if cell is not None:
                    out.append(cell[0])
                children = token.children
                if not children:
                    pass
                elif len(children) == 1 and children[0].type == "text":
                    out.append(escapeHtml(children[0].content))  # most table cells
                else:
                    out.append(self.renderInline(children, options, env))
                if cell is not None:
                    out.append(cell[1])
            elif kind in rules:
                out.append(rules[kind](tokens, index, options, env))
            else:
                out.append(self.renderToken(tokens, index, options, env))
        return "".join(out)

    def table_close(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        tbody = "</tbody>\n" if tokens[idx].meta.get("tbody") else ""  # see _table
        return tbody + self.renderToken(tokens, idx, options, env)

    def renderInline(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        out = []
        rules = self.rules
        for index, token in enumerate(tokens):
            kind = token.type
            if kind == "text":
                out.append(escapeHtml(token.content))
            elif kind in rules:
                out.append(rules[kind](tokens, index, options, env))
            else:
                out.append(self.renderToken(tokens, index, options, env))
        return "".join(out)

    def renderToken(
        self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
    ) -> str:
        token = tokens[idx]
        if token.hidden:
            return ""
        nesting = token.nesting
        html = ("</" if nesting == -1 else "<") + token.tag
        if token.attrs:
            html += self.renderAttrs(token)
        if nesting == 0 and options["xhtmlOut"]:
            html += " /"
        if not token.block:
            return html + ">"
        if nesting != -1 and idx and tokens[idx - 1].hidden:
            html = "\n" + html
        if nesting == 1 and idx + 1 < len(tokens):
            following = tokens[idx + 1]
            if (
                following.type == "inline"
                or following.hidden
                or (following.nesting == -1 and following.tag == token.tag)
            ):
                return html + ">"
        return html + ">\n"


# Tables: markdown-it's table rule makes eleven tokens of a three-column row (tr, th/td
# open and close around each cell's inline token), and making, rendering and walking them
# is most of the time a table takes. `_table` is that rule (markdown_it/rules_block/
# table.py: the same tests, in the same order) making only the cells' inline tokens, each
# carrying the tags markdown-it renders around it in ``meta["cell"]``, between a
# table_open and a table_close token. `_Renderer` writes those tags out; the walk sees
# the same inline tokens, with the same lines, as it does with markdown-it's tokens.
_ALIGN = re.compile(r"^:?-+:?$")
_LIBRARY_TABLE = importlib.import_module("markdown_it.rules_block.table")
#: The markdown-it-py release whose table rule `_table` follows. With another release the
#: library's own rule is used; to follow a new release, compare `_table` with its rule,
#: then change this (tests/test_markdown_fast.py checks which rule each release gets).
_TABLE_RULE_OF = "4.3.0"


def _split(row: str) -> list[str]:
    """``escapedSplit``: a row's cells, split at each `|` not escaped by a backslash."""
    return row.split("|") if "\\" not in row else _LIBRARY_TABLE.escapedSplit(row)


def _table_line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _table(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    """markdown-it's ``table`` block rule, making cell tokens only (see above)."""
    if startLine + 2 > endLine:
        return False
    nextLine = startLine + 1
    if state.sCount[nextLine] < state.blkIndent or state.is_code_block(nextLine):
        return False
    # the delimiter row: /^[-:|][-:|\s]*$/, not `- ` (a list item)
    pos, end = state.bMarks[nextLine] + state.tShift[nextLine], state.eMarks[nextLine]
    if pos + 1 >= end:
        return False
    first, second = state.src[pos], state.src[pos + 1]
    if first not in "|-:" or (second not in "|-:" and not isStrSpace(second)):
        return False
    if first == "-" and isStrSpace(second):
        return False
    for ch in state.src[pos + 2 : end]:
        if ch not in "|-:" and not isStrSpace(ch):
            return False
    columns = _table_line(state, nextLine).split("|")
    aligns = []
    for i, column in enumerate(columns):
        t = mdTrim(column)
        if not t:
            if i == 0 or i == len(columns) - 1:
                continue
            return False
        if not _ALIGN.search(t):
            return False
        if t[-1] == ":":
            aligns.append("center" if t[0] == ":" else "right")
        elif t[0] == ":":
            aligns.append("left")
        else:
            aligns.append("")
    lineText = mdTrim(_table_line(state, startLine))
    if "|" not in lineText or state.is_code_block(startLine):
        return False
    columns = _split(lineText)
    if columns and columns[0] == "":
        columns.pop(0)
    if columns and columns[-1] == "":
        columns.pop()
    columnCount = len(columns)
    if columnCount == 0 or columnCount != len(aligns):
        return False
    if silent:
        return True

    oldParentType = state.parentType
    state.parentType = "table"
    terminatorRules = state.md.block.ruler.getRules("blockquote")
    styles = [f' style="text-align:{align}"' if align else "" for align in aligns]
    last = columnCount - 1

    table = state.push("table_open", "table", 1)
    table.map = tableLines = [startLine, 0]
    for i, column in enumerate(columns):
        cell = state.push("inline", "", 0)
        cell.map = [startLine, startLine + 1]
        cell.content = mdTrim(column)
        cell.children = []
        before = f"<th{styles[i]}>" if i else f"\n<thead>\n<tr>\n<th{styles[i]}>"
        cell.meta["cell"] = (before, "</th>\n</tr>\n</thead>\n" if i == last else "</th>\n")

    autocompleted = 0
    nextLine = startLine + 2
    while nextLine < endLine:
        if state.sCount[nextLine] < state.blkIndent:
            break
        terminate = False
        for rule in terminatorRules:
            if rule(state, nextLine, endLine, True):
                terminate = True
                break
        if terminate:
            break
        lineText = mdTrim(_table_line(state, nextLine))
        if not lineText or state.is_code_block(nextLine):
            break
        columns = _split(lineText)
        if columns and columns[0] == "":
            columns.pop(0)
        if columns and columns[-1] == "":
            columns.pop()
        autocompleted += columnCount - len(columns)
        if autocompleted > _LIBRARY_TABLE.MAX_AUTOCOMPLETED_CELLS:
            break
        body = "<tbody>\n" if nextLine == startLine + 2 else ""
        for i in range(columnCount):
            cell = state.push("inline", "", 0)
            cell.map = [nextLine, nextLine + 1]
            cell.content = mdTrim(columns[i]) if i < len(columns) else ""
            cell.children = []
            before = f"<td{styles[i]}>" if i else f"{body}<tr>\n<td{styles[i]}>"
            cell.meta["cell"] = (before, "</td>\n</tr>\n" if i == last else "</td>\n")
        nextLine += 1

    state.push("table_close", "table", -1).meta["tbody"] = nextLine > startLine + 2
    tableLines[1] = nextLine
    state.parentType = oldParentType
    state.line = nextLine
    return True


# Block rules are pruned the same way, per body. Each rule below first finds the line's
# first character after spaces and tabs and returns False, before it changes anything,
# unless it is one of the characters given (markdown_it/rules_block/): fence `` ` `` or
# `~` (fence.py), blockquote `>` (blockquote.py), hr `*`, `-` or `_` (hr.py), list `*`,
# `-`, `+` or a digit (list.py: skipBulletListMarker, skipOrderedListMarker), reference
# `[` (reference.py), html_block: off without the html option, then `<` (html_block.py),
# heading `#` (heading.py). table needs a `|` in its header line (table.py); code needs a
# line indented by four columns or more (code.py, StateBlock.is_code_block). Inside a
# blockquote or a list item a line begins after the marker, so where either may start
# (or a lone `\r` may end a line) only characters found nowhere in the body count, and
# code is kept. lheading and paragraph are always kept (lheading, failing, leaves
# `parentType` set to "paragraph", which later rules read).
_BLOCK_STARTS: tuple[tuple[str, str], ...] = (
    ("fence", "`~"),
    ("blockquote", ">"),
    ("hr", "*-_"),
    ("list", "*-+0123456789"),
    ("reference", "["),
    ("html_block", "<"),
    ("heading", "#"),
)
_CONTAINERS = frozenset(">*-+0123456789")  # what may start a blockquote or a list item
_LINE_START = re.compile(r"^[ \t]*([^ \t\n])", re.MULTILINE)
_INDENTED = re.compile(r"^(?: {4}| {0,3}\t)", re.MULTILINE)


@functools.cache  # one per set of rules left out: at most 2**9
def _fast(disabled: frozenset[str] = frozenset()) -> MarkdownIt:
    """The fast parser (and renderer), without the block rules named."""
    md = _parser(_Renderer)
    md.core.ruler.at("inline", _inline)
    if markdown_it.__version__ == _TABLE_RULE_OF:
        # it ends paragraphs and reference definitions, as markdown_it/parser_block.py has it
        md.block.ruler.at("table", _table, {"alt": ["paragraph", "reference"]})
    if disabled:
        md.block.ruler.disable(sorted(disabled))
    return md


def _fast_parse(body: str) -> list[Token]:
    """``body`` parsed by the fast parser with only the block rules that can match in it."""
    starts = set(_LINE_START.findall(body))
    nested = "\r" in body or not _CONTAINERS.isdisjoint(starts)
    seen = set(body) if nested else starts
    disabled = [name for name, chars in _BLOCK_STARTS if seen.isdisjoint(chars)]
    if "|" not in body:
        disabled.append("table")
    if not nested and _INDENTED.search(body) is None:
        disabled.append("code")
    return _fast(frozenset(disabled)).parse(body)


_FAST = _fast()


@dataclass(frozen=True)
class Target:
    """How a rendered section refers to files and other sections.

    ``asset_url(relative_path)`` maps a plan file (``assets/x.png``) to a URL;
    ``section_url(slug, anchor)`` maps a section to a URL, or ``None`` when that
    section is not part of this document (the link becomes plain text);
    ``chapter_url(chapter_id, anchor)`` does the same for a structured part
    (``milestones``, ``use-of-funds``). ``edition`` names the PDF edition the section is
    rendered for: a reference to something it leaves out is then a warning naming it.
    """

    asset_url: Callable[[PurePosixPath], str]
    section_url: Callable[[str, str], str | None]
    chapter_url: Callable[[str, str], str | None] = lambda chapter, anchor: None
    edition: str | None = None


@dataclass(frozen=True)
class Prose:
    """What figures and cross-references in prose resolve against: the plan's figures,
    the formatter of its locale, and every target a reference may name with its
    default wording (``milestones`` → ``Milestones``, ``goal.margin`` → its title)."""

    figures: Figures = Figures()  # noqa: RUF009 - an immutable, empty registry
    fmt: Formatter | None = None
    targets: tuple[tuple[str, str, str], ...] = ()  # (name, kind, default wording)


@dataclass(frozen=True)
class RenderedSection:
    html: str
    problems: tuple[Problem, ...]


def heading_id(section_slug: str, text: str) -> str:
    return f"{section_slug}--{slugify(text) or 'part'}"


def render_section(
    section: Section,
    root: Path,
    target: Target,
    sections_by_file: dict[str, str],
    prose: Prose | None = None,
) -> RenderedSection:
    """Render one section body; ``sections_by_file`` maps ``market.md`` → ``market``;
    ``prose`` resolves ``{=figure}`` and ``{>reference}``."""
    return _render(section, root, target, sections_by_file, prose)


def _render(
    section: Section,
    root: Path,
    target: Target,
    sections_by_file: dict[str, str],
    prose: Prose | None,
    fast: bool = True,
) -> RenderedSection:
    """``render_section`` by the fast path, or by the plain one it must match."""
    prose = prose or Prose()
    md = _FAST if fast else _MD
    tokens = _fast_parse(section.body) if fast else _MD.parse(section.body)
    problems: list[Problem] = []
    used_ids: set[str] = set()
    locate = _Locator(section, root)
    prose_marks = _prose_marks(amount_signs(prose.fmt) if prose.fmt is not None else ())

    def where(index: int) -> Position:
        """The first line of the block token ``index`` is part of."""
        line = section.body_line
        for before in range(index, -1, -1):
            if tokens[before].map:
                line += tokens[before].map[0]
                break
        return Position(root / section.path, line, 1)

    for index, token in enumerate(tokens):
        kind = token.type
        if kind not in _TOUCHED:
            continue
        if kind == "heading_open" or kind == "heading_close":
            level = min(int(token.tag[1]) + 1, 6)
            token.tag = f"h{level}"
            if kind == "heading_open":
                inline = tokens[index + 1]
                text = inline.content
                ident = heading_id(section.slug, text)
                base, n = ident, 2
                while ident in used_ids:
                    ident, n = f"{base}-{n}", n + 1
                used_ids.add(ident)
                token.attrSet("id", ident)
        elif kind == "inline" and token.children:
            content = token.content
            # `_prose` changes nothing without figure syntax (it starts with `{`) or a sign
            # of an amount: text children hold only characters of the source, an entity
            # such as `&#36;` being the one way to make a new one.
            if prose_marks.search(content) is not None:
                token.children = _prose(token, prose, target, locate, problems)
            if "[" not in content and "<" not in content:
                continue  # no link or image: each needs one of these in its source
            locate.begin(token)
            unlinked = 0  # links turned into plain text, awaiting their close
            for child in token.children:
                if child.type == "image":
                    src = str(child.attrGet("src") or "")
                    child.attrSet("src", _image(src, section, root, target, problems, where(index)))
                elif child.type == "link_open" and child.meta.get("reference"):
                    continue  # a {>reference}, resolved already
                elif child.type == "link_open":
                    href = str(child.attrGet("href") or "")
                    at = where(index)
                    url = _link(href, section, root, target, sections_by_file, problems, at)
                    if url is None:  # e.g. a chapter left out of this PDF edition
                        child.tag, child.attrs, unlinked = "span", {}, unlinked + 1
                        if target.edition is not None:
                            problems.append(_left_out(href, target.edition, locate.find(href)))
                    else:
                        child.attrSet("href", url)
                elif child.type == "link_close" and unlinked:
                    child.tag, unlinked = "span", unlinked - 1
        elif kind == "table_open":
            token.attrSet("class", "md-table")
    html = md.renderer.render(tokens, md.options, {})
    return RenderedSection(html, tuple(problems))


@functools.lru_cache(maxsize=32)
def _prose_marks(signs: tuple[str, ...]) -> re.Pattern[str]:
    """What an inline block's source holds when ``_prose`` has something to do."""
    return re.compile("|".join(re.escape(mark) for mark in ("{", "&", *signs)))


#: The block tokens ``render_section`` changes.
_TOUCHED = frozenset(("heading_open", "heading_close", "inline", "table_open"))


def _resolve(url: str, section: Section, root: Path) -> Path | None:
    """A relative URL as a file of the plan: relative to the section file, else to the root."""
    path = unquote(urlsplit(url).path)
    if not path or path.startswith("/"):
        return None
    for base in ((root / section.path).parent, root):
        candidate = base / path
        if candidate.exists():
            return candidate
    return root / path


def _image(
    src: str, section: Section, root: Path, target: Target, problems: list[Problem], at: Position
) -> str:
    if src.startswith("data:image/"):
        return src
    if _SCHEME.match(src) or src.startswith("//"):
        problems.append(
            error(
                f"image `{src}` is not a file of the plan",
                at,
                hint="a plan never loads files from the network: "
                "save the image in assets/ and write ![...](../assets/name.png)",
            )
        )
        return ""
    path = _resolve(src, section, root)
    assets = root / "assets"
    if path is None or not is_inside(path, root) or not path.is_file():
        problems.append(
            error(
                f"image `{src}` not found",
                at,
                hint="put images in the plan's assets/ folder and refer to them as "
                "../assets/name.png",
            )
        )
        return ""
    if not is_inside(path, assets):
        problems.append(
            error(
                f"image `{src}` is outside the assets/ folder",
                at,
                hint="move it into assets/ so that it ships with the site",
            )
        )
        return ""
    return target.asset_url(PurePosixPath(path.resolve().relative_to(root).as_posix()))


def _link(
    href: str,
    section: Section,
    root: Path,
    target: Target,
    sections_by_file: dict[str, str],
    problems: list[Problem],
    at: Position,
) -> str | None:
    if not href or href.startswith("#"):
        return target.section_url(section.slug, href[1:]) if href else href
    if _SCHEME.match(href) or href.startswith("//"):
        scheme = href.split(":", 1)[0].lower()
        if href.startswith("//") or scheme not in _SAFE_LINK_SCHEMES:
            problems.append(
                error(
                    f"link `{href}` uses a scheme that is not allowed",
                    at,
                    hint="links may be http(s), mailto or tel, or point at files of the plan",
                )
            )
            return "#"
        return href
    parts = urlsplit(href)
    name = PurePosixPath(unquote(parts.path)).name
    if name in sections_by_file and unquote(parts.path).endswith(".md"):
        return target.section_url(sections_by_file[name], parts.fragment)
    path = _resolve(href, section, root)
    if path is not None and path.is_file() and is_inside(path, root / "assets"):
        return target.asset_url(PurePosixPath(path.resolve().relative_to(root).as_posix()))
    problems.append(
        warning(
            f"link `{href}` points at nothing in the plan",
            at,
            hint="link to another section's .md file, to a file in assets/, or to a web address",
        )
    )
    return "#"


class _Locator:
    """Finds where text of an inline block was written: file, line and column."""

    def __init__(self, section: Section, root: Path):
        self.root, self.path = root, section.path
        self.base = section.body_line
        self.body = section.body
        self.line, self.column, self.last = 0, 0, 0

    @functools.cached_property
    def file(self) -> str:
        return str(self.root / self.path)  # only for text that has something to report

    @functools.cached_property
    def lines(self) -> list[str]:
        return self.body.splitlines()  # only for text that has something to report

    def begin(self, inline: Token) -> None:
        first, last = inline.map or (0, 1)
        self.line, self.column, self.last = first, 0, max(first, last - 1)

    def find(self, text: str) -> Position:
        """The next place ``text`` occurs in the block, else the block's current line."""
        for index in range(self.line, min(self.last, len(self.lines) - 1) + 1):
            start = self.column if index == self.line else 0
            found = self.lines[index].find(text, start)
            if found >= 0:
                self.line, self.column = index, found + len(text)
                return Position(self.file, self.base + index, found + 1)
        return Position(self.file, self.base + self.line, 1)


def _left_out(what: str, edition: str, at: Position) -> Problem:
    return warning(
        f"edition `{edition}` leaves out `{what}`, which this text refers to",
        at,
        hint=f"add it to the chapters of edition `{edition}` in plan.yaml, or write the "
        "reference as {>target?: wording} where the wording reads well without the link",
        code="reference-left-out",
    )


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _prose(
    inline: Token,
    prose: Prose,
    target: Target,
    locate: _Locator,
    problems: list[Problem],
) -> list[Token]:
    """The inline children with figures and references resolved and literals linted."""
    locate.begin(inline)
    out: list[Token] = []
    for child in inline.children or ():
        if child.type == "text" and prose.fmt is not None:
            for literal in literals(child.content, prose.fmt):
                problems.append(_literal_problem(literal, prose, locate.find(literal.text)))
            out.append(child)
        elif child.type == "figure_ref":
            ref: Ref = child.meta["ref"]
            at = locate.find(ref.raw)
            if ref.sigil == LITERAL:
                out.append(_text(ref.body))
            elif ref.sigil == FIGURE:
                out.append(_text(_figure(ref, prose, at, problems)))
            else:
                out += _reference(ref, prose, target, at, problems)
        else:
            out.append(child)
    return out


def _figure(ref: Ref, prose: Prose, at: Position, problems: list[Problem]) -> str:
    name = ref.body.strip()
    if not NAME.fullmatch(name):
        problems.append(
            error(
                f"`{ref.raw}` is not a figure name",
                at,
                hint="a figure name is made of lowercase ids joined by dots, e.g. "
                "{=loan.equipment-loan.principal}; `planbuilder figures PLAN` lists them",
                code="figure-unknown",
            )
        )
        return ref.raw
    if prose.fmt is None:
        # Nothing to resolve against (the plan stopped at its YAML): checking names now
        # would only report knock-on errors of the real cause.
        return ref.raw
    figure = prose.figures.get(name)
    if figure is None:
        problems.append(
            error(
                f"unknown figure `{name}`",
                at,
                hint=did_you_mean(name, prose.figures.names)
                or "`planbuilder figures PLAN` lists every figure of the plan",
                code="figure-unknown",
            )
        )
        return ref.raw
    return format_figure(figure, prose.fmt)


def _reference(
    ref: Ref, prose: Prose, target: Target, at: Position, problems: list[Problem]
) -> list[Token]:
    name, optional, wording = parse_reference(ref.body)
    if prose.fmt is None:  # no plan to resolve against: see _figure
        return [_text(wording or name)]
    known = {t[0]: t for t in prose.targets}
    if name not in known:
        problems.append(
            error(
                f"unknown cross-reference `{ref.raw}`",
                at,
                hint=did_you_mean(name, known)
                or "refer to a section (its file name without number and .md), a part such "
                "as milestones, use-of-funds or financials, or a goal as goal.<id>",
                code="reference-unknown",
            )
        )
        return [_text(wording or ref.raw)]
    _, kind, default = known[name]
    wording = wording or default
    if kind == "section":
        url = target.section_url(name, "")
    elif kind == "goal":
        url = target.chapter_url("goals", "goal-" + name.split(".", 1)[1])
    else:
        url = target.chapter_url(name, "")
    if url is None:
        if not optional:
            if target.edition is not None:
                problems.append(_left_out(name, target.edition, at))
            else:
                problems.append(
                    warning(
                        f"the site has no page for `{name}`, which this text refers to",
                        at,
                        hint="the plan has no such part; write {>target?: wording} if the "
                        "wording reads well without the link",
                        code="reference-left-out",
                    )
                )
        return [_text(wording)]
    opening = Token("link_open", "a", 1)
    opening.attrSet("href", url)
    opening.attrSet("class", "xref")
    opening.meta = {"reference": True}
    return [opening, _text(wording), Token("link_close", "a", -1)]


def _literal_problem(literal, prose: Prose, at: Position) -> Problem:
    same = matching(literal, prose.figures)
    if same:
        names = ", ".join(f"{{={f.name}}}" for f in same[:3])
        return warning(
            f"`{literal.text}` is written literally; it is the plan's figure {names}",
            at,
            hint=f"write {names.split(', ')[0]} so that the text follows the plan when it changes",
            code="literal-figure",
        )
    close = nearest(literal, prose.figures, prose.fmt)
    return warning(
        f"`{literal.text}` is none of the plan's figures",
        at,
        hint=(f"nearest figures: {close}. " if close else "")
        + "Quote a figure as {=name} (`planbuilder figures PLAN` lists them), or mark an "
        "amount that is not the plan's as {~" + literal.text + "}",
        code="literal-figure",
    )
