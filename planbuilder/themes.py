"""Where themes live, and how a plan overrides single files of one.

A theme is data: ``templates/`` (Jinja), ``static/`` (CSS and images copied to
the site), ``fonts/`` (embedded in the PDF) and ``theme.yaml``, which declares the
chapters a PDF edition may name. A plan's own ``theme/`` folder may hold any of the
same relative paths; each file there wins over the theme's, except ``theme.yaml``,
whose chapters are added to (or replace single chapters of) the theme's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from planbuilder.paths import is_inside
from planbuilder.problems import Position, Problem, did_you_mean, error
from planbuilder.safety import lone_surrogate, may_hold_surrogates, surrogate_problem

DEFAULT_THEME = "default"
THEME_FILE = "theme.yaml"
_PACKAGE_DIR = Path(__file__).resolve().parent
#: What a chapter may need from the plan: it is left out when the plan has none of it.
NEEDS = (
    "business_model",
    "goals",
    "milestones",
    "kpis",
    "team",
    "financials",
    "loans",
    "collateral",
)
ORIENTATIONS = ("portrait", "landscape")
_CHAPTER_KEYS = ("template", "orientation", "needs", "in_all", "after", "title", "appendix")
_CHAPTER_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# A plan's theme.yaml is untrusted YAML: the same caps as the plan's own files (load's
# MAX_FILE_BYTES and MAX_NODES; load imports this module, so they are repeated here).
# The operator's --max-file-mib does not reach it: a theme.yaml needs a few lines.
THEME_MAX_BYTES = 5 * 1024 * 1024
THEME_MAX_VALUES = 200_000


@dataclass(frozen=True, slots=True)
class ChapterSpec:
    """One chapter a theme declares: the template of its body and what it needs."""

    id: str
    template: str  # relative to templates/
    orientation: str = "portrait"
    needs: str | None = None  # one of NEEDS; None: always available
    in_all: bool = True  # part of `all`
    after: str | None = None  # a template laid out after the chapter's section
    title: str | None = None  # the heading, when the theme's words have none for ``id``
    appendix: bool = False  # `all` puts it after every other chapter of the edition
    declared_at: Position | None = field(default=None, compare=False)  # its theme.yaml line

    @property
    def landscape(self) -> bool:
        return self.orientation == "landscape"


def themes_root() -> Path:
    """The folder holding the bundled themes.

    An installed wheel carries them at ``planbuilder/themes``; a source checkout
    (or editable install) has them at the top-level ``themes/``.
    """
    packaged = _PACKAGE_DIR / "themes"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / "themes"


def available_themes() -> list[str]:
    root = themes_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "templates").is_dir())


@dataclass(frozen=True)
class Theme:
    """A resolved theme: the bundled folder plus the plan's optional override folder."""

    name: str
    folder: Path
    override: Path | None = None
    chapters: tuple[ChapterSpec, ...] = ()  # in the order `all` gives them
    problems: tuple[Problem, ...] = ()  # mistakes in a theme.yaml

    def chapter(self, chapter_id: str) -> ChapterSpec | None:
        return next((c for c in self.chapters if c.id == chapter_id), None)

    @property
    def layers(self) -> list[Path]:
        """Folders searched in order: the plan's override first."""
        return [p for p in (self.override, self.folder) if p is not None]

    @property
    def template_dirs(self) -> list[str]:
        return [str(folder) for folder, _layer in self.template_layers]

    @property
    def template_layers(self) -> list[tuple[Path, Path]]:
        """(``templates/`` folder, the layer it must stay inside), override first.

        The loader refuses a template whose real path leaves its layer, so a link in
        a plan's ``theme/templates/`` cannot publish a file from elsewhere.
        """
        return [(p / "templates", p) for p in self.layers if (p / "templates").is_dir()]

    def find(self, relative: str) -> Path | None:
        """The file at ``relative`` (e.g. ``static/site.css``), override first."""
        for layer in self.layers:
            candidate = layer / relative
            if candidate.is_file() and is_inside(candidate, layer):
                return candidate
        return None

    def files(self, subfolder: str) -> dict[str, Path]:
        """All files under ``subfolder`` keyed by relative path; overrides win. Hidden files
        and files resolving outside their layer are left out."""
        found: dict[str, Path] = {}
        for layer in reversed(self.layers):
            base = layer / subfolder
            if not base.is_dir():
                continue
            for path in sorted(base.rglob("*")):
                relative = path.relative_to(base)
                if any(part.startswith(".") for part in relative.parts):
                    continue  # hidden files and folders (.DS_Store, .git/) are not the theme's
                if path.is_file() and is_inside(path, layer):
                    found[relative.as_posix()] = path
        return found

    @property
    def roots(self) -> list[Path]:
        """Folders a rendered document may read files from."""
        return [p.resolve() for p in self.layers]


def resolve_theme(name: str, override: Path | None = None) -> Theme:
    """The theme ``name`` with the plan's override folder and its declared chapters."""
    folder = themes_root() / name
    chapters: dict[str, ChapterSpec] = {}
    problems: list[Problem] = []
    for layer in (folder, override):
        if layer is None:
            continue
        path = layer / THEME_FILE
        if path.is_file() and is_inside(path, layer):
            chapters.update(read_chapters(path, problems))
    theme = Theme(name=name, folder=folder, override=override)
    found = []
    for chapter in chapters.values():
        missing = [t for t in (chapter.template, chapter.after) if t and not _template(theme, t)]
        if missing:
            problems.append(
                error(
                    f"chapter `{chapter.id}`: template `{missing[0]}` not found in the theme",
                    chapter.declared_at or Position(folder / THEME_FILE),
                    hint=f"put it at theme/templates/{missing[0]} in the plan",
                )
            )
        else:
            found.append(chapter)
    return Theme(
        name=name,
        folder=folder,
        override=override,
        chapters=tuple(found),
        problems=tuple(problems),
    )


def _template(theme: Theme, name: str) -> bool:
    parts = name.split("/")
    return ".." not in parts and theme.find(f"templates/{name}") is not None


def read_chapters(path: Path, problems: list[Problem]) -> dict[str, ChapterSpec]:
    """The ``chapters:`` a theme.yaml declares, by id, in their order; mistakes go to
    ``problems`` (the file may be the plan's own, so it is read as untrusted YAML)."""
    try:
        if path.stat().st_size > THEME_MAX_BYTES:
            too_big = f"{THEME_FILE} is larger than {THEME_MAX_BYTES // (1024 * 1024)} MiB"
            problems.append(error(too_big, Position(path)))
            return {}
        source = path.read_text(encoding="utf-8")
        loader, node = _compose(source)
        try:
            if node is not None and _expands_beyond(node, THEME_MAX_VALUES):
                problems.append(
                    error(
                        f"{THEME_FILE} expands to more than {THEME_MAX_VALUES} values",
                        Position(path, node.start_mark.line + 1, node.start_mark.column + 1),
                        hint="a theme.yaml needs no aliases: write each chapter out",
                    )
                )
                return {}
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(error(f"cannot read {THEME_FILE}: {exc}", Position(path)))
        return {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problems.append(error(f"{THEME_FILE} is not valid YAML", Position(path, line, column)))
        return {}
    if not isinstance(data, dict) or "chapters" not in data:
        return {}
    lines = _key_lines(node, "chapters")
    surrogate = lone_surrogate(data) if may_hold_surrogates(source) else None
    if surrogate is not None:  # no page could hold the text: as in the plan's own files
        keys, text, _ = surrogate
        line = lines.get(str(keys[1]), 0) if len(keys) > 1 and keys[0] == "chapters" else 0
        problems.append(surrogate_problem(text, Position(path, line, 1)))
        return {}
    declared = data["chapters"]
    if not isinstance(declared, dict):
        problems.append(
            error(
                "`chapters` must map chapter ids to their templates",
                Position(path, _key_lines(node, None).get("chapters", 0), 1),
                hint="chapters: {swot: {template: chapters/swot.html}}",
            )
        )
        return {}
    found: dict[str, ChapterSpec] = {}
    for ident, spec in declared.items():
        where = Position(path, lines.get(str(ident), 0), 1)
        chapter = _chapter(str(ident), spec, where, problems)
        if chapter is not None:
            found[chapter.id] = chapter
    return found


#: libyaml's safe loader, when PyYAML has it: many times faster than the pure-Python one.
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)


def _compose(text: str) -> tuple[yaml.SafeLoader, yaml.Node | None]:
    """A loader and the node tree of ``text``: read by libyaml, or, when it finds a
    mistake (or is missing), by the pure-Python loader, whose error is raised (its
    messages and positions are the ones reported)."""
    if _FAST_LOADER is not None:
        loader = _FAST_LOADER(text)
        try:
            return loader, loader.get_single_node()
        except yaml.YAMLError:
            loader.dispose()
    loader = yaml.SafeLoader(text)
    try:
        return loader, loader.get_single_node()
    except BaseException:
        loader.dispose()
        raise


def _expands_beyond(root: yaml.Node, limit: int) -> bool:
    """Whether the document at ``root`` holds more than ``limit`` values once its aliases
    are expanded (an alias is the same node object again: counted each time it is used)."""
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += (key, value)
    return False


def _chapter(ident: str, spec: object, where: Position, problems: list[Problem]):
    def bad(message: str, hint: str = "") -> None:
        problems.append(error(f"chapter `{ident}`: {message}", where, hint=hint))

    if not _CHAPTER_ID.match(ident):
        bad("an id is lower-case letters, digits and hyphens")
        return None
    if not isinstance(spec, dict) or not isinstance(spec.get("template"), str):
        bad("needs a `template`", hint=f"{ident}: {{template: chapters/{ident}.html}}")
        return None
    unknown = [k for k in spec if k not in _CHAPTER_KEYS]
    if unknown:
        bad(
            f"unknown key `{unknown[0]}`",
            hint=did_you_mean(str(unknown[0]), _CHAPTER_KEYS)
            or "keys: " + ", ".join(f"`{k}`" for k in _CHAPTER_KEYS),
        )
        return None
    orientation = spec.get("orientation", "portrait")
    needs = spec.get("needs")
    in_all = spec.get("in_all", True)
    if orientation not in ORIENTATIONS:
        bad(f"orientation `{orientation}` is not portrait or landscape")
        return None
    if needs is not None and needs not in NEEDS:
        bad(
            f"needs unknown part `{needs}`",
            hint=did_you_mean(str(needs), NEEDS) or "one of: " + ", ".join(NEEDS),
        )
        return None
    if not isinstance(in_all, bool) or not isinstance(spec.get("appendix", False), bool):
        bad(f"`{'in_all' if not isinstance(in_all, bool) else 'appendix'}` is true or false")
        return None
    for key in ("after", "title"):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            bad(f"`{key}` must be text")
            return None
    return ChapterSpec(
        id=ident,
        template=spec["template"],
        orientation=orientation,
        needs=needs,
        in_all=in_all,
        after=spec.get("after"),
        title=spec.get("title"),
        appendix=spec.get("appendix", False),
        declared_at=where,
    )


def _key_lines(node, key: str | None) -> dict[str, int]:
    """Line of each key of the mapping at ``key`` of the document (the document itself
    for ``None``), for positions in problems."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    if key is not None:
        inner = next((v for k, v in node.value if k.value == key), None)
        return _key_lines(inner, None) if inner is not None else {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
