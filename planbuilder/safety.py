"""Published files are inert: which file types a plan may publish, SVGs without script,
and YAML text that no page can hold.

Everything here is a pure function of a file's name and bytes; ``load`` reads the
files and turns each finding into a problem. An SVG opened from the site runs any
script it carries, so SVGs are parsed as XML (no DTD subset, no entities, UTF-8
only) and checked by element and attribute names in every namespace, not by
matching bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePath
from xml.parsers import expat

from planbuilder.problems import Position, Problem, error

#: File types a plan's assets/ may hold: they are copied into the site as they are.
ASSET_TYPES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".pdf", ".csv", ".txt"}
)
#: File types a plan's theme/static/ and theme/print/ may hold: style sheets, fonts, images.
THEME_FILE_TYPES = frozenset(
    {".css", ".woff", ".woff2", ".ttf", ".otf"}
    | {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico"}
)

SVG_HINT = "export the drawing again as a plain SVG: shapes and text only"
#: Findings reported per SVG; a hostile file could otherwise flood the report.
MAX_FINDINGS = 10

SVG_NS = "http://www.w3.org/2000/svg"
XML_NS = "http://www.w3.org/XML/1998/namespace"
#: Namespaces whose elements a browser turns into live HTML or event wiring.
_FORBIDDEN_NAMESPACES = {
    "http://www.w3.org/1999/xhtml": "HTML",
    "http://www.w3.org/1998/Math/MathML": "MathML",
    "http://www.w3.org/2001/xml-events": "XML Events",
}
#: Elements refused by local name in any namespace (compared in lower case).
_ACTIVE_ELEMENTS = frozenset(
    {"script", "foreignobject", "iframe", "object", "embed", "handler", "listener"}
)
#: Animation elements, refused when they animate a link or an event attribute.
_ANIMATIONS = frozenset({"animate", "set", "animatemotion", "animatetransform", "animatecolor"})
#: Raster images an SVG may embed as ``data:`` URLs (no SVG or HTML inside).
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)
# Browsers drop ASCII whitespace and control characters from URLs before reading them.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\r\n\f]?|\\(.)", re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.DOTALL)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)\s*(.?)", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"<\?xml\s[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_NAMED_ENTITY = re.compile(rb"&([^\s&;#<>\"']+);")
_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)


@dataclass(frozen=True)
class Finding:
    """One reason a file may not be published, with its place when known."""

    reason: str
    line: int = 0
    column: int = 0


def allowed_type(name: str, allowed: frozenset[str]) -> bool:
    """Whether the file ``name`` has one of the ``allowed`` extensions (any letter case)."""
    return PurePath(name).suffix.lower() in allowed


def svg_problems(data: bytes, path: Path, name: str) -> list[Problem]:
    """Every reason the SVG ``data`` (the file ``path``, shown as ``name``) is unsafe."""
    return [
        error(f"`{name}` {f.reason}", Position(path, f.line, f.column), hint=SVG_HINT)
        for f in svg_findings(data)
    ]


def svg_findings(data: bytes) -> list[Finding]:
    """Why the SVG ``data`` could run script, load another file or hide what it holds."""
    encoding = _encoding_finding(data)
    if encoding is not None:
        return [encoding]
    findings = _SvgChecker().run(data)
    if not findings:
        # With a DOCTYPE, expat passes over entities it cannot know (`&nbsp;`) while a
        # browser may expand them; only the five built into XML are safe to leave.
        for match in _NAMED_ENTITY.finditer(data):
            if match.group(1) not in (b"lt", b"gt", b"amp", b"quot", b"apos"):
                line = data[: match.start()].count(b"\n") + 1
                name = match.group(1).decode("utf-8")
                findings.append(Finding(f"uses the entity `&{name};`, which a DTD defines", line))
                break
    return findings


def _encoding_finding(data: bytes) -> Finding | None:
    """UTF-8 only: a checker that decodes differently from the browser checks another file."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return Finding(f"is saved as {name}, not UTF-8")
    if data[:4].count(b"\x00"):
        return Finding("is saved as UTF-16 or UTF-32, not UTF-8")
    declared = _XML_DECLARATION.match(data.removeprefix(b"\xef\xbb\xbf"))
    if declared and declared.group(1).strip().lower() not in (b"utf-8", b"utf8"):
        label = declared.group(1).decode("ascii", "replace")
        return Finding(f"declares the encoding `{label}`, not UTF-8", 1, 1)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Finding("is not valid UTF-8", data[: exc.start].count(b"\n") + 1, 1)
    return None


class _Refused(Exception):
    """Stops the parse at a construct whose meaning the browser might not share."""


class _SvgChecker:
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.parser = expat.ParserCreate(encoding="UTF-8", namespace_separator=" ")
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text
        self.parser.StartDoctypeDeclHandler = self.doctype
        self.parser.EntityDeclHandler = self.entity
        self.parser.SkippedEntityHandler = self.skipped_entity
        self.parser.ExternalEntityRefHandler = self.external_entity
        self.parser.ProcessingInstructionHandler = self.instruction
        self.depth = 0
        self.style: list[str] | None = None  # text of the <style> element being read
        self.style_line = 0

    def run(self, data: bytes) -> list[Finding]:
        try:
            self.parser.Parse(data, True)
        except _Refused:
            pass
        except expat.ExpatError as exc:
            message = expat.ErrorString(exc.code)
            self.findings.append(
                Finding(f"is not well-formed XML: {message}", exc.lineno, exc.offset + 1)
            )
        return self.findings[:MAX_FINDINGS]

    # -- where the parser is -------------------------------------------------------

    def here(self) -> tuple[int, int]:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def add(self, reason: str, stop: bool = False) -> None:
        self.findings.append(Finding(reason, *self.here()))
        if stop or len(self.findings) >= MAX_FINDINGS:
            raise _Refused()

    # -- the document's structure --------------------------------------------------

    def doctype(self, name, system_id, public_id, has_internal_subset) -> None:
        # A bare DOCTYPE naming the SVG DTD is common in exports and harmless: the
        # DTD is never fetched. An internal subset can declare entities; refuse it.
        if has_internal_subset:
            self.add("declares a DTD with its own entities or rules", stop=True)

    def entity(self, *_args) -> None:
        self.add("declares an XML entity", stop=True)

    def skipped_entity(self, name, _is_parameter) -> None:
        self.add(f"uses the undeclared entity `&{name};`", stop=True)

    def external_entity(self, *_args) -> int:
        self.add("refers to an external entity", stop=True)
        return 0

    def instruction(self, target, _data) -> None:
        # <?xml-stylesheet?> makes the browser apply an XSLT program or a remote sheet.
        self.add(f"holds the processing instruction `<?{target}?>`")

    # -- elements and attributes ---------------------------------------------------

    def start(self, qualified: str, attributes: dict[str, str]) -> None:
        namespace, local = _split(qualified)
        shown = f"<{local}>"
        if self.depth == 0 and (namespace, local) != (SVG_NS, "svg"):
            if local == "svg":
                self.add(f'is not an SVG drawing: `<svg>` lacks xmlns="{SVG_NS}"', stop=True)
            self.add(f"is not an SVG drawing: its root element is `{shown}`", stop=True)
        self.depth += 1
        lowered = local.lower()
        if namespace in _FORBIDDEN_NAMESPACES:
            self.add(
                "contains script or event handlers: "
                f"`{shown}` is an element of the {_FORBIDDEN_NAMESPACES[namespace]} namespace"
            )
        elif lowered in _ACTIVE_ELEMENTS:
            self.add(f"contains script or event handlers: element `{shown}`")
        for attribute, value in attributes.items():
            self.attribute(shown, attribute, value)
        if lowered in _ANIMATIONS:
            target = attributes.get("attributeName", "").strip()
            animated = target.rsplit(":", 1)[-1].lower()  # `xlink:href` animates `href`
            if animated == "href" or animated.startswith("on"):
                self.add(f"contains script or event handlers: `{shown}` animates `{target}`")
        if lowered == "style" and namespace == SVG_NS:
            self.style, self.style_line = [], self.parser.CurrentLineNumber

    def attribute(self, shown: str, qualified: str, value: str) -> None:
        namespace, local = _split(qualified)
        lowered = local.lower()
        if lowered.startswith("on"):
            self.add(f"contains script or event handlers: attribute `{local}` on `{shown}`")
        elif namespace == XML_NS and lowered == "base":
            self.add(f"changes the address links resolve against: `xml:base` on `{shown}`")
        elif lowered == "href" and not _inert_url(value):
            self.add(f'links outside itself: `href="{_clip(value)}"` on `{shown}`')
        elif lowered == "style":
            reason = _css_finding(value)
            if reason:
                self.add(f"{reason} in the `style` of `{shown}`")
        elif "url(" in _decode_css(value).lower():
            reason = _css_finding(value)
            if reason:
                self.add(f"{reason} in `{local}` of `{shown}`")

    def text(self, data: str) -> None:
        if self.style is not None:
            self.style.append(data)

    def end(self, qualified: str) -> None:
        self.depth -= 1
        if self.style is not None and _split(qualified) == (SVG_NS, "style"):
            reason = _css_finding("".join(self.style))
            self.style = None
            if reason:
                self.findings.append(Finding(f"{reason} in a `<style>` element", self.style_line))


def _split(qualified: str) -> tuple[str, str]:
    """``"uri local"`` (expat's form) → ``(uri, local)``; no namespace → ``("", name)``."""
    namespace, _, local = qualified.rpartition(" ")
    return namespace, local


def _inert_url(value: str) -> bool:
    """A same-document fragment, or an embedded PNG, JPEG, GIF or WebP image."""
    cleaned = _URL_NOISE.sub("", value)
    return cleaned.startswith("#") or bool(_DATA_IMAGE.match(cleaned))


def _decode_css(css: str) -> str:
    """CSS with comments removed and escapes (``u\\72 l(``) turned into their characters."""

    def unescape(match: re.Match) -> str:
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return "" if match.group(2) == "\n" else match.group(2)

    return _CSS_ESCAPE.sub(unescape, _CSS_COMMENT.sub(" ", css))


def _css_finding(css: str) -> str | None:
    """Why CSS could load another file: ``@import``, or ``url()`` not naming a ``#fragment``."""
    decoded = _decode_css(css)
    lowered = decoded.lower()
    if "@import" in lowered:
        return "loads another style sheet with `@import`"
    if "image-set(" in lowered:
        return "loads images with `image-set()`"
    for match in _CSS_URL.finditer(decoded):
        if match.group(2) != "#":
            return "loads another file with `url()`"
    return None


def _clip(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- YAML text no page can hold --------------------------------------------------------
_SURROGATE = re.compile("[\ud800-\udfff]")


def may_hold_surrogates(source: str) -> bool:
    """Whether YAML read from ``source`` may hold a lone surrogate: one comes only from a
    `\\u` or `\\U` escape, since the text itself was decoded strictly as UTF-8."""
    return "\\u" in source or "\\U" in source


def lone_surrogate(data: object, where: tuple = ()) -> tuple[tuple, str, bool] | None:
    """The first text in ``data`` (nested dicts and lists) holding a lone surrogate: its
    path of keys and indexes, the text, and whether it is a key."""
    if isinstance(data, str):
        return (where, data, False) if _SURROGATE.search(data) else None
    if not isinstance(data, (dict, list)):
        return None
    for key, item in data.items() if isinstance(data, dict) else enumerate(data):
        if isinstance(key, str) and _SURROGATE.search(key):
            return ((*where, key), key, True)
        found = lone_surrogate(item, (*where, key))
        if found is not None:
            return found
    return None


def surrogate_problem(text: str, where: Position) -> Problem:
    """``text`` holds a lone surrogate (YAML's reading of a UTF-16 escape): an error at
    ``where``, with the one escape for the character when the text holds a whole pair."""
    codes = [ord(c) for c in _SURROGATE.findall(text)]
    escapes = "".join(f"\\u{code:04x}" for code in codes[:2])
    hint = "write the character itself"
    if len(codes) >= 2 and 0xD800 <= codes[0] < 0xDC00 <= codes[1] < 0xE000:
        joined = 0x10000 + ((codes[0] - 0xD800) << 10) + (codes[1] - 0xDC00)
        hint += f", or one escape of eight digits for it: `\\U{joined:08X}`"
        what = "a UTF-16 surrogate pair written as two escapes: YAML reads each half"
    else:
        what = "half of a UTF-16 surrogate pair: YAML reads it"
    return error(
        f"the text holds `{escapes}`, {what} as a character of its own, which no page can hold",
        where,
        hint=hint,
    )
