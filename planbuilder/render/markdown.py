"""Markdown → HTML for narrative sections: CommonMark plus tables, raw HTML off.

Links and images are checked and rewritten for their target: on the site an
image points at the copied ``assets/`` folder, in the PDF at the file itself;
a link to another section's ``.md`` file becomes a link to that section.
Headings are demoted one level (the section title is the page's ``h1``) and get ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from planbuilder.model import Section, slugify
from planbuilder.paths import is_inside
from planbuilder.problems import Position, Problem, error, warning

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_SAFE_LINK_SCHEMES = ("http", "https", "mailto", "tel")


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")


_MD = _parser()


@dataclass(frozen=True)
class Target:
    """How a rendered section refers to files and other sections.

    ``asset_url(relative_path)`` maps a plan file (``assets/x.png``) to a URL;
    ``section_url(slug, anchor)`` maps a section to a URL, or ``None`` when that
    section is not part of this document (the link becomes plain text).
    """

    asset_url: Callable[[PurePosixPath], str]
    section_url: Callable[[str, str], str | None]


@dataclass(frozen=True)
class RenderedSection:
    html: str
    problems: tuple[Problem, ...]


def heading_id(section_slug: str, text: str) -> str:
    return f"{section_slug}--{slugify(text) or 'part'}"


def render_section(
    section: Section, root: Path, target: Target, sections_by_file: dict[str, str]
) -> RenderedSection:
    """Render one section body; ``sections_by_file`` maps ``market.md`` → ``market``."""
    tokens = _MD.parse(section.body)
    problems: list[Problem] = []
    used_ids: set[str] = set()

    def where(token: Token | None) -> Position:
        line = section.body_line + (token.map[0] if token is not None and token.map else 0)
        return Position(root / section.path, line, 1)

    block: Token | None = None
    for index, token in enumerate(tokens):
        if token.map:
            block = token
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + 1, 6)
            token.tag = f"h{level}"
            if token.type == "heading_open":
                inline = tokens[index + 1]
                text = inline.content
                ident = heading_id(section.slug, text)
                base, n = ident, 2
                while ident in used_ids:
                    ident, n = f"{base}-{n}", n + 1
                used_ids.add(ident)
                token.attrSet("id", ident)
        if token.type == "inline" and token.children:
            unlinked = 0  # links turned into plain text, awaiting their close
            for child in token.children:
                if child.type == "image":
                    src = str(child.attrGet("src") or "")
                    child.attrSet("src", _image(src, section, root, target, problems, where(block)))
                elif child.type == "link_open":
                    href = str(child.attrGet("href") or "")
                    at = where(block)
                    url = _link(href, section, root, target, sections_by_file, problems, at)
                    if url is None:  # e.g. a chapter left out of this PDF edition
                        child.tag, child.attrs, unlinked = "span", {}, unlinked + 1
                    else:
                        child.attrSet("href", url)
                elif child.type == "link_close" and unlinked:
                    child.tag, unlinked = "span", unlinked - 1
        if token.type == "table_open":
            token.attrSet("class", "md-table")
    html = _MD.renderer.render(tokens, _MD.options, {})
    return RenderedSection(html, tuple(problems))


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
