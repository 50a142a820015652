"""Stage 1 — load: read a plan folder into plain data that remembers where each value came from.

Only the files of the public format are read (``plan.yaml``, the optional YAML
files, ``sections/*.md``, ``kpis/*.csv``, ``assets/`` and ``theme/``), so an
output folder inside the plan is never read back as a source. YAML is parsed
with the safe loader; numbers with a fraction are read as exact ``Decimal``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

from planbuilder.paths import is_inside
from planbuilder.problems import Position, Problem, error
from planbuilder.safety import (
    ASSET_TYPES,
    THEME_FILE_TYPES,
    allowed_type,
    lone_surrogate,
    may_hold_surrogates,
    surrogate_problem,
    svg_problems,
)
from planbuilder.themes import Theme, available_themes, resolve_theme
from planbuilder.vcs import Vcs, git_info

#: Optional YAML parts of a plan, by file name.
PART_FILES = (
    "business-model.yaml",
    "goals.yaml",
    "milestones.yaml",
    "kpis.yaml",
    "financials.yaml",
    "team.yaml",
)
PLAN_FILE = "plan.yaml"
SECTIONS_DIR = "sections"
ASSETS_DIR = "assets"
KPI_CSV_DIR = "kpis"
THEME_DIR = "theme"

# A YAML file may use anchors and aliases; cap the expanded size so that a
# few lines of aliases cannot blow up into millions of values.
MAX_NODES = 200_000
# Plans need a handful of levels; a cap keeps deep nesting from exhausting the stack.
MAX_DEPTH = 100
MAX_FILE_BYTES = 5 * 1024 * 1024
_MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one plan file may cost: its size, and the values its YAML expands to.

    The defaults bound an untrusted plan. Only the person running planbuilder may raise
    them for a large plan they trust (``--max-file-mib``), never a plan: they are given
    to ``load`` by its caller, not read from any file of the plan.
    """

    file_bytes: int = MAX_FILE_BYTES
    nodes: int = MAX_NODES

    @classmethod
    def for_file_mib(cls, mib: int) -> Limits:
        """Files of up to ``mib`` MiB, and values in the same proportion as the defaults."""
        if mib < 1:
            raise ValueError("the file size limit is at least 1 MiB")
        return cls(mib * _MIB, MAX_NODES * mib * _MIB // MAX_FILE_BYTES)

    @property
    def file_mib(self) -> int:
        return self.file_bytes // _MIB


DEFAULT_LIMITS = Limits()
#: Named by the problems a limit gives, for a plan the user trusts.
RAISE_HINT = "for a large plan you trust, raise the limit with `--max-file-mib N`"

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML file: plain Python data plus the position of every key and value."""

    path: Path
    data: Any
    positions: Mapping[Path_, Position] = field(default_factory=dict)
    key_positions: Mapping[Path_, Position] = field(default_factory=dict)
    parsed: bool = True  # False when the file is not valid YAML (already reported)

    def pos(self, path: Path_) -> Position:
        """Position of the value at ``path``, or of its nearest ancestor."""
        path = tuple(path)
        get = self.positions.get
        while path:
            found = get(path)
            if found is not None:
                return found
            path = path[:-1]
        return get((), Position(self.path, 1, 1))

    def key_pos(self, path: Path_) -> Position:
        """Position of the key naming the value at ``path`` (falls back to the value)."""
        return self.key_positions.get(tuple(path)) or self.pos(path)


@dataclass(frozen=True)
class SectionSource:
    """A narrative chapter: optional front matter and a Markdown body."""

    path: Path
    front: YamlDoc
    body: str
    body_line: int  # line number of the body's first line in the file


@dataclass(frozen=True)
class CsvRow:
    line: int
    values: Mapping[str, str]


@dataclass(frozen=True)
class CsvSource:
    path: Path
    header: tuple[str, ...]
    rows: tuple[CsvRow, ...]


@dataclass(frozen=True)
class Sources:
    """Everything read from a plan folder, before any validation."""

    root: Path
    plan: YamlDoc | None
    parts: Mapping[str, YamlDoc]  # "goals" -> YamlDoc
    sections: tuple[SectionSource, ...]
    kpi_csvs: tuple[CsvSource, ...]
    assets: tuple[Path, ...]  # relative to root, e.g. assets/logo.png
    theme_override: Path | None
    problems: tuple[Problem, ...]
    vcs: Vcs | None = None
    stamp: dt.datetime | None = None  # SOURCE_DATE_EPOCH, else the last commit's time
    #: every bundled theme by name, resolved with the plan's own theme/ folder (its
    #: theme.yaml read here, so later stages need not touch the disk)
    themes: Mapping[str, Theme] = field(default_factory=dict)

    @property
    def available_themes(self) -> tuple[str, ...]:
        return tuple(self.themes)

    @property
    def theme_chapters(self) -> dict[str, tuple[str, ...]]:
        """Theme name → the chapter ids it declares."""
        return {name: tuple(c.id for c in theme.chapters) for name, theme in self.themes.items()}


class _PlanLoader(yaml.SafeLoader):
    """Safe YAML, except that floats become exact decimals, nesting at most ``MAX_DEPTH``."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # PyYAML composes recursively: stop before the stack runs out.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _TooDeep(Exception):
    def __init__(self, mark: Any):
        super().__init__()
        self.mark = mark


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node).replace("_", "")
    lowered = text.lower()
    if lowered in (".inf", "+.inf", "-.inf", ".nan"):
        return float(lowered.replace(".", "", 1))
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


_PlanLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)

# libyaml's parser (``CSafeLoader``) is many times faster and marks every node with its
# line and column too. It stops at 1,000 levels itself (so its recursive composer stays
# within the C stack); the tree it returns is checked against ``MAX_DEPTH`` below.
_CLoader = getattr(yaml, "CSafeLoader", None)
#: The implicit tag of a plain scalar by its text: the same for every file.
_SCALAR_TAGS: dict[str, str] = {}
if _CLoader is not None:

    class _FastLoader(_CLoader):  # type: ignore[misc, valid-type]
        """``_PlanLoader`` on libyaml."""

        def resolve(self, kind, value, implicit):
            """``Resolver.resolve``, remembered for short plain scalars: libyaml asks it
            for every scalar, and a large file repeats the same ids, dates and flags."""
            if kind is not yaml.ScalarNode or self.yaml_path_resolvers:
                return super().resolve(kind, value, implicit)
            if not implicit[0]:  # quoted, or tagged `!`: text, whatever it looks like
                return self.DEFAULT_SCALAR_TAG
            tag = _SCALAR_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) <= 64:
                    if len(_SCALAR_TAGS) >= 50_000:
                        _SCALAR_TAGS.clear()
                    _SCALAR_TAGS[value] = tag
            return tag

    _FastLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


class _EveryText(frozenset):
    """Holds every first character: each plain scalar is resolved by the loader."""

    def __contains__(self, item: object) -> bool:
        return True


_EVERY_START = _EveryText()
#: The first characters of the plain scalars ``_FastLoader.resolve`` may type as other
#: than text (numbers, dates, flags, nulls...): a scalar starting with another one is
#: text, as ``Resolver.resolve`` would say after trying no pattern. Every character when
#: a resolver matches any start (``None``) or a path resolver is set.
_RESOLVED_STARTS: frozenset = (
    _EVERY_START
    if _CLoader is None
    or None in _FastLoader.yaml_implicit_resolvers
    or _FastLoader.yaml_path_resolvers
    else frozenset(_FastLoader.yaml_implicit_resolvers)
)


def _check_depth(root: yaml.Node) -> None:
    """Raise ``_TooDeep`` at the first node (in reading order) nested below ``MAX_DEPTH``.

    Walks without recursion; a node met again through an alias is not walked again, so
    that the depth is the one written in the file (aliases are bounded by ``_Builder``).
    """
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _TooDeep(node.start_mark)
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            continue
        stack.extend((child, depth + 1) for child in reversed(children))


def _compose(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree of one document, and the loader that made it (to construct scalars).

    libyaml first; the pure-Python loader when libyaml is missing or finds a mistake, so
    that a syntax error (or nesting beyond libyaml's own limit) is reported as before.
    A tree from libyaml is checked against ``MAX_DEPTH`` by ``_Builder``.
    """
    if _CLoader is not None:
        loader = _FastLoader(text)
        try:
            return loader.get_single_node(), loader
        except yaml.YAMLError:
            pass  # read again below: the pure-Python messages are the ones users see
        loader.dispose()
    loader = _PlanLoader(text)
    try:
        return loader.get_single_node(), loader
    except BaseException:
        loader.dispose()
        raise


_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)


_STR_TAG = "tag:yaml.org,2002:str"


class Marks(Mapping):
    """Positions in one file, kept as (line, column) pairs; a ``Position`` is made only
    when one is read (a large file has hundreds of thousands of values, and a position
    is wanted for a few of them: the ones a problem or the model points at)."""

    __slots__ = ("_file", "_offset", "_pairs")

    def __init__(self, file: Path | str, pairs: dict[Path_, tuple[int, int]], offset: int = 0):
        self._file = str(file)
        self._pairs = pairs
        self._offset = offset

    def __getitem__(self, key: Path_) -> Position:
        line, column = self._pairs[key]
        return Position(self._file, line + self._offset, column)

    def get(self, key: Path_, default: Any = None) -> Any:
        """The position at ``key``, or ``default`` (one call, not two: a large file's
        checks ask for thousands)."""
        pair = self._pairs.get(key)
        if pair is None:
            return default
        return Position(self._file, pair[0] + self._offset, pair[1])

    def __contains__(self, key: object) -> bool:
        return key in self._pairs

    def __iter__(self):
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)


class _Builder:
    """Turns a composed YAML node tree into plain data, recording positions.

    It also stands for ``_check_depth``: a tree it walks whole without meeting
    ``MAX_DEPTH`` levels has no node written deeper, so the tree is only walked again
    by ``_check_depth`` when the walk was cut short, left a part out (a problem) or went
    that deep, so that a node written too deep is still the one problem reported.
    """

    def __init__(self, path: Path, loader: yaml.SafeLoader, max_nodes: int = MAX_NODES):
        self.path = path
        self.loader = loader
        self.max_nodes = max_nodes
        self.positions: dict[Path_, tuple[int, int]] = {}
        self.key_positions: dict[Path_, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.count = 0
        self._root: yaml.Node | None = None

    def mark(self, node: yaml.Node) -> Position:
        return Position(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node) -> Any:
        """The data of the tree ``node``; raises ``_TooDeep`` and ``_TooBig``."""
        self._root = node
        try:
            data = self._node(node, ())
        except (_TooBig, _TooDeep, yaml.YAMLError, RecursionError):
            self._check_depth()  # a node written too deep is what is reported, as before
            raise
        if self.problems:
            self._check_depth()
        return data

    def _check_depth(self) -> None:
        if self._root is not None:
            root, self._root = self._root, None
            _check_depth(root)

    def _node(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > self.max_nodes:
            raise _TooBig()
        if len(path) >= MAX_DEPTH:
            self._check_depth()
            if len(path) > MAX_DEPTH:  # aliases can nest one deep structure in another
                raise _TooDeep(node.start_mark)
        start = node.start_mark
        self.positions[path] = (start.line + 1, start.column + 1)
        tag = node.tag
        if tag not in _PLAIN_TAGS:
            return self._tagged(node)
        kind = node.__class__
        if kind is _MAPPING:
            return self._mapping(node, path)
        if kind is _SEQUENCE:
            return self._sequence(node, path)
        return node.value if tag == _STR_TAG else self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        positions, key_positions = self.positions, self.key_positions
        inline = len(path) + 1 < MAX_DEPTH  # a scalar value is read here, not in _node
        for key_node, value_node in node.value:
            if key_node.__class__ is not _SCALAR:
                self.problems.append(
                    error(
                        "a key must be a plain name, not a list or mapping",
                        self.mark(key_node),
                    )
                )
                continue
            if key_node.tag == _MERGE_TAG:
                self.problems.append(
                    error(
                        "YAML merge keys (`<<`) are not supported",
                        self.mark(key_node),
                        hint="write the fields out in full",
                    )
                )
                continue
            # Keys keep their literal text: `2027-01` stays a month, not a date.
            key = key_node.value
            sub = (*path, key)
            if key in result:
                first_line = key_positions[sub][0]
                self.problems.append(
                    error(
                        f"duplicate key `{key}`",
                        self.mark(key_node),
                        hint=f"it is already set at line {first_line}; keep one of them",
                    )
                )
                continue
            start = key_node.start_mark
            key_positions[sub] = (start.line + 1, start.column + 1)
            if inline and value_node.__class__ is _SCALAR:
                self.count += 1
                if self.count > self.max_nodes:
                    raise _TooBig()
                start = value_node.start_mark
                positions[sub] = (start.line + 1, start.column + 1)
                tag = value_node.tag
                if tag == _STR_TAG:
                    result[key] = value_node.value
                elif tag in _PLAIN_TAGS:
                    result[key] = self._scalar(value_node)
                else:
                    result[key] = self._tagged(value_node)
            else:
                result[key] = self._node(value_node, sub)
        return result

    def _sequence(self, node: yaml.SequenceNode, path: Path_) -> list[Any]:
        if len(path) + 1 >= MAX_DEPTH:
            return [self._node(item, (*path, i)) for i, item in enumerate(node.value)]
        result: list[Any] = []
        positions = self.positions
        for i, item in enumerate(node.value):
            if item.__class__ is not _SCALAR:
                result.append(self._node(item, (*path, i)))
                continue
            self.count += 1
            if self.count > self.max_nodes:
                raise _TooBig()
            start = item.start_mark
            positions[(*path, i)] = (start.line + 1, start.column + 1)
            tag = item.tag
            if tag == _STR_TAG:
                result.append(item.value)
            elif tag in _PLAIN_TAGS:
                result.append(self._scalar(item))
            else:
                result.append(self._tagged(item))
        return result

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        return _scalar_value(self.loader, node)

    def _tagged(self, node: yaml.Node) -> None:
        self.problems.append(
            error(
                f"YAML tag `{node.tag}` is not allowed",
                self.mark(node),
                hint="plans hold plain data: remove the `!tag`",
            )
        )


_SCALAR = yaml.ScalarNode
_MAPPING = yaml.MappingNode
_SEQUENCE = yaml.SequenceNode
_MERGE_TAG = "tag:yaml.org,2002:merge"
#: Constructed scalars by (tag, text): ints, decimals, flags, dates, nulls, all immutable.
_SCALAR_VALUES: dict[tuple[str, str], Any] = {}


def _tab_column(text: str, mark) -> int:
    """The column (from 1) of a tab in the leading whitespace of the line a YAML
    error points at, or 0 when that line has none."""
    if mark is None:
        return 0
    lines = text.splitlines()
    if mark.line >= len(lines):
        return 0
    line = lines[mark.line]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    return indent.index("\t") + 1 if "\t" in indent else 0


class _TooBig(Exception):
    pass


def _scalar_value(loader: Any, node: yaml.ScalarNode) -> Any:
    """A number, flag, date or null: the same text gives the same (immutable) value,
    so each is constructed once per process."""
    key = (node.tag, node.value)
    try:
        return _SCALAR_VALUES[key]
    except KeyError:
        pass
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, OverflowError):
        # e.g. `2027-13-01` looks like a date but is none: keep the text so
        # that validation can say what is wrong with it, and where. (Not kept: the
        # loader reports the same node met again through an alias, as before.)
        return str(node.value)
    if len(_SCALAR_VALUES) >= 50_000:
        _SCALAR_VALUES.clear()
    _SCALAR_VALUES[key] = value
    return value


_NOTHING = object()


def _plain_data(text: str, max_nodes: int) -> tuple[Any, dict, dict] | None:
    """The data, positions and key positions of a document of plain data, read from
    libyaml's events without making a node tree; ``None`` when the document has
    anything else (anchors, aliases, tags, merge or duplicate keys, keys that are not
    scalars, deep nesting, too many values, several documents, no document, a syntax
    error): ``_compose`` and ``_Builder`` then read it again and report what they find,
    exactly as before. For plain data both ways give the same data and positions."""
    if _CLoader is None:
        return None
    loader = _FastLoader(text)
    try:
        return _read_events(loader, max_nodes)
    except Exception:  # whatever it is, the full reading reports it
        return None
    finally:
        loader.dispose()


def _read_events(loader: Any, max_nodes: int) -> tuple[Any, dict, dict] | None:
    get = loader.get_event
    if get().__class__ is not _STREAM_START or get().__class__ is not _DOCUMENT_START:
        return None
    positions: dict[Path_, tuple[int, int]] = {}
    key_positions: dict[Path_, tuple[int, int]] = {}
    tags, values = _SCALAR_TAGS, _SCALAR_VALUES
    resolved = _RESOLVED_STARTS if type(loader) is _FastLoader else _EVERY_START
    count = 0
    stack: list[tuple[Any, bool, Path_]] = []
    container: Any = None  # the dict or list being filled; None before the root
    in_mapping = False
    path: Path_ = ()
    key: Any = None
    root: Any = _NOTHING
    while True:
        event = get()
        kind = event.__class__
        if in_mapping:  # a key, and then its value, or the mapping's end
            if kind is _MAPPING_END:
                container, in_mapping, path = stack.pop()
                if container is None:
                    break
                continue
            if kind is not _SCALAR_EVENT or event.anchor is not None or event.tag is not None:
                return None
            key = event.value
            if key == "<<" or key in container:
                return None
            mark = event.start_mark
            sub = (*path, key)
            key_positions[sub] = (mark.line + 1, mark.column + 1)
            event = get()
            kind = event.__class__
        elif kind is _SEQUENCE_END:
            container, in_mapping, path = stack.pop()
            if container is None:
                break
            continue
        elif container is not None:
            sub = (*path, len(container))
        else:
            sub = ()
        if event.anchor is not None or kind is _ALIAS_EVENT or event.tag is not None:
            return None
        count += 1
        if count > max_nodes or len(sub) >= MAX_DEPTH - 1:
            return None
        mark = event.start_mark
        positions[sub] = (mark.line + 1, mark.column + 1)
        if kind is _SCALAR_EVENT:
            text = event.value
            # Quoted: text, whatever it looks like; plain: text when no type starts so.
            if not event.implicit[0] or (text and text[0] not in resolved):
                tag = _STR_TAG
            else:
                tag = tags.get(text) or loader.resolve(_SCALAR, text, event.implicit)
            if tag == _STR_TAG:
                value = text
            elif tag in _PLAIN_TAGS:
                value = values.get((tag, text), _NOTHING)
                if value is _NOTHING:
                    node = _SCALAR(tag, text, mark, event.end_mark, event.style)
                    value = _scalar_value(loader, node)
            else:
                return None
            if in_mapping:
                container[key] = value
            elif container is not None:
                container.append(value)
            else:
                root = value
                break  # the root is a scalar
            continue
        if kind is _MAPPING_START:
            opened: Any = {}
        elif kind is _SEQUENCE_START:
            opened = []
        else:
            return None
        if in_mapping:
            container[key] = opened
        elif container is not None:
            container.append(opened)
        else:
            root = opened
        stack.append((container, in_mapping, path))
        container, in_mapping, path = opened, kind is _MAPPING_START, sub
    if get().__class__ is not _DOCUMENT_END or get().__class__ is not _STREAM_END:
        return None
    return root, positions, key_positions


_STREAM_START, _STREAM_END = yaml.StreamStartEvent, yaml.StreamEndEvent
_DOCUMENT_START, _DOCUMENT_END = yaml.DocumentStartEvent, yaml.DocumentEndEvent
_MAPPING_START, _MAPPING_END = yaml.MappingStartEvent, yaml.MappingEndEvent
_SEQUENCE_START, _SEQUENCE_END = yaml.SequenceStartEvent, yaml.SequenceEndEvent
_SCALAR_EVENT, _ALIAS_EVENT = yaml.ScalarEvent, yaml.AliasEvent


class ParseCache:
    """Parsed YAML by file and exact text, for a process that reads the same plan again
    and again (the dev server): an unchanged file is not parsed again, and a file whose
    new text differs from the last one only inside some items of a top-level list has
    only those items parsed (``_splice``). Callers get their own copy of the data
    (validation may fill in defaults); positions are shared, as nothing changes them.
    Bounded by the total size of the texts kept: a parse holds some 10–30 bytes per
    character of its text, so 16 M characters stay within a few hundred MiB, and the
    last version of a 14 MiB file (``--max-file-mib``) still fits."""

    def __init__(self, max_chars: int = 16 * 1024 * 1024):
        self.max_chars = max_chars
        # Keys: (file, line offset, text, value cap): a cap changes what a text gives.
        self._docs: dict[tuple[str, int, str, int], tuple[YamlDoc, tuple[Problem, ...]]] = {}
        self._latest: dict[tuple[str, int], tuple[str, int, str, int]] = {}  # its last key
        self._splices: dict[str, tuple[Marks, Splice]] = {}  # file → its last splice
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, str, int]) -> tuple[YamlDoc, list[Problem]] | None:
        with self._lock:
            found = self._docs.get(key)
            if found is not None:
                self._latest[key[:2]] = key
        if found is None:
            return None
        doc, problems = found
        return replace(doc, data=copy_data(doc.data)), list(problems)

    def latest(self, file: str, line_offset: int, max_nodes: int) -> tuple[str, YamlDoc] | None:
        """The text and document of the last parse of ``file`` that had no problems, under
        the same value cap."""
        with self._lock:
            key = self._latest.get((file, line_offset))
            found = self._docs.get(key) if key is not None else None
        if found is None or found[1] or key[3] != max_nodes:
            return None
        return key[2], found[0]

    def splice_of(self, doc: YamlDoc) -> Splice | None:
        """How ``doc`` (as this cache handed it out) was made from an earlier parse of its
        file, when it was spliced (``_splice``)."""
        with self._lock:
            found = self._splices.get(str(doc.path))
        return found[1] if found is not None and found[0] is doc.positions else None

    def spliced(self, doc: YamlDoc, splice: Splice) -> None:
        with self._lock:
            self._splices[str(doc.path)] = (doc.positions, splice)

    def put(
        self,
        key: tuple[str, int, str, int],
        doc: YamlDoc,
        problems: list[Problem],
        copy: bool = True,
    ) -> None:
        """Keep a parse (in place of an earlier one of the same text); ``copy=False`` for
        data no caller holds (a spliced document)."""
        with self._lock:
            self._latest[key[:2]] = key
            if key in self._docs:
                del self._docs[key]
                self._chars -= len(key[2])
            if len(key[2]) > self.max_chars:
                return
            while self._docs and self._chars + len(key[2]) > self.max_chars:
                old = next(iter(self._docs))
                del self._docs[old]
                self._chars -= len(old[2])
            data = copy_data(doc.data) if copy else doc.data
            self._docs[key] = (replace(doc, data=data), tuple(problems))
            self._chars += len(key[2])


_MUTABLE = (dict, list)


def copy_data(data: Any) -> Any:
    """A copy of parsed YAML data (or of checked records): new lists and dicts, the same
    immutable scalars."""
    # Copied whole, then only the lists and dicts in it copied again: most values are
    # scalars, and 5,000 milestones are copied in 40 % less time than value by value.
    if isinstance(data, dict):
        copy = dict(data)
        for key, value in data.items():
            if isinstance(value, _MUTABLE):
                copy[key] = copy_data(value)
        return copy
    if isinstance(data, list):
        copy = list(data)
        for index, value in enumerate(data):
            if isinstance(value, _MUTABLE):
                copy[index] = copy_data(value)
        return copy
    return data


# A top-level list item: `-` at the start of a line, then a space, tab or line break.
_ITEM = re.compile(r"^-(?:[ \t\n]|\Z)", re.MULTILINE)
# What makes changed items depend on text outside them: anchors, aliases, document
# markers, directives (and a byte order mark, which YAML reads specially).
_NOT_SPLICED = re.compile(r"[&*\ufeff]|^(?:---|\.\.\.|%)", re.MULTILINE)
# Line breaks other than `\n` (lines are counted by `\n`), and directives (`%TAG` changes
# how the items' tags read).
_NOT_COUNTED = re.compile(r"[\r\x85\u2028\u2029]|^%", re.MULTILINE)


@dataclass(frozen=True)
class Splice:
    """A list document made from an earlier parse (``before``, its positions) by parsing
    again items ``first`` to ``end`` (exclusive) of it: the items after them are
    renumbered by ``moved`` and ``shift`` lines down. Items before ``first`` have the same
    data and positions as before."""

    before: Marks
    first: int
    end: int
    moved: int
    shift: int


def _splice(
    old_text: str, old: YamlDoc, text: str, max_nodes: int = MAX_NODES
) -> tuple[YamlDoc, Splice] | None:
    """``text`` parsed (and how) by reading again only the top-level list items it changed since
    ``old_text`` (whose parse ``old`` had no problems), or ``None`` when that cannot be
    done exactly: the caller parses the whole file. The result's data and positions are
    the same as a whole parse's.

    The items are the blocks that start with `-` at the start of a line. Items are read
    alone only when the old parse has one item in each block, the changed text holds no
    anchor, alias, directive or document marker, and its own parse has no problem and one
    item per block; everything before the first item and after the last changed item is
    the same text, so it parses the same.
    """
    if not isinstance(old.data, list) or not isinstance(old.positions, Marks):
        return None
    if not isinstance(old.key_positions, Marks):
        return None
    starts = [m.start() for m in _ITEM.finditer(old_text)]
    if len(starts) != len(old.data) or not starts:
        return None
    if _NOT_COUNTED.search(old_text):
        return None
    same = _common_prefix(old_text, text)
    if same == len(old_text) == len(text):
        return None
    tail = _common_prefix(old_text[same:][::-1], text[same:][::-1])  # common suffix
    old_end = len(old_text) - tail
    # The changed items: from the last one whose `- ` is unchanged before the change, to
    # the first one whose line break before it is unchanged after the change.
    first = next((i for i in range(len(starts) - 1, -1, -1) if starts[i] + 2 <= same), None)
    if first is None:
        return None
    end = next((i for i in range(first + 1, len(starts)) if starts[i] > old_end), len(starts))
    old_stop = starts[end] if end < len(starts) else len(old_text)
    new_stop = old_stop + len(text) - len(old_text)
    old_span, new_span = old_text[starts[first] : old_stop], text[starts[first] : new_stop]
    if _NOT_SPLICED.search(old_span) or _NOT_SPLICED.search(new_span):
        return None
    if _NOT_COUNTED.search(new_span):
        return None
    pairs, key_pairs = old.positions._pairs, old.key_positions._pairs
    before = old_text.count("\n", 0, starts[first])  # lines before the changed items
    if not _one_per_block(old_text, starts[first:end], old_stop, pairs, first, before):
        return None
    span, problems = _parse_yaml(new_span, old.path, 0, max_nodes)
    blocks = [m.start() for m in _ITEM.finditer(new_span)]
    if problems or not isinstance(span.data, list) or len(span.data) != len(blocks):
        return None
    span_pairs, span_keys = span.positions._pairs, span.key_positions._pairs
    if not _one_per_block(new_span, blocks, len(new_span), span_pairs, 0, 0):
        return None
    if len(pairs) - _count(old.data[first:end]) + len(span_pairs) - 1 > max_nodes:
        return None
    moved = len(blocks) - (end - first)
    shift = new_span.count("\n") - old_span.count("\n")
    positions = _spliced(pairs, span_pairs, first, end, moved, before, shift)
    keys = _spliced(key_pairs, span_keys, first, end, moved, before, shift)
    data = [*old.data[:first], *span.data, *old.data[end:]]
    offset = old.positions._offset
    doc = YamlDoc(old.path, data, Marks(old.path, positions, offset), Marks(old.path, keys, offset))
    return doc, Splice(old.positions, first, end, moved, shift)


def _one_per_block(
    text: str, blocks: list[int], stop: int, pairs: dict, first: int, line: int
) -> bool:
    """Whether items ``first``, ``first + 1``, … (positions in ``pairs``) each start in
    their block of ``text`` (offsets ``blocks``, the last ending at ``stop``), the first
    block being after line ``line``."""
    for i, start in enumerate(blocks):
        end = blocks[i + 1] if i + 1 < len(blocks) else stop
        after = line + text.count("\n", start, end)
        if not line < pairs.get((first + i,), (0, 0))[0] <= max(after, line + 1):
            return False
        line = after
    return True


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common start of ``a`` and ``b`` (a binary search, with
    the comparisons done by ``str``)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _count(items: list) -> int:
    """The values in ``items`` as ``_Builder`` counts them (each list item and mapping
    value, nested)."""
    total = 0
    stack = list(items)
    while stack:
        value = stack.pop()
        total += 1
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return total


def _spliced(
    old: dict[Path_, tuple[int, int]],
    new: dict[Path_, tuple[int, int]],
    first: int,
    end: int,
    moved: int,
    before: int,
    shift: int,
) -> dict[Path_, tuple[int, int]]:
    """Positions of a spliced list, in the order a whole parse records them: ``old``'s
    items before ``first``, then ``new``'s (parsed alone: renumbered from ``first`` and
    moved down ``before`` lines), then ``old``'s from ``end`` on (renumbered by ``moved``,
    moved by ``shift`` lines)."""
    added = {
        (path[0] + first, *path[1:]): (line + before, column)
        for path, (line, column) in new.items()
        if path
    }
    if not moved and not shift:
        result = dict(old)
        replaced = [p for p in old if p and first <= p[0] < end]
        if [(p[0] - first, *p[1:]) for p in replaced] == [(p[0] - first, *p[1:]) for p in added]:
            result.update(added)  # the same paths: the order stays
            return result
    result = {}
    pending = True
    for path, (line, column) in old.items():
        if not path:
            result[path] = (line, column)
            continue
        index = path[0]
        if index >= first and pending:
            result.update(added)
            pending = False
        if index < first:
            result[path] = (line, column)
        elif index >= end:
            result[(index + moved, *path[1:])] = (line + shift, column)
    if pending:
        result.update(added)
    return result


#: Set by the dev server (``ParseCache()``); ``None`` parses every time.
parse_cache: ParseCache | None = None


def parse_yaml(
    text: str, path: Path, line_offset: int = 0, *, limits: Limits = DEFAULT_LIMITS
) -> tuple[YamlDoc, list[Problem]]:
    """Parse one YAML document; syntax errors become problems, never exceptions."""
    doc, problems = _parse_cached(text, path, line_offset, limits)
    if doc.parsed and may_hold_surrogates(text):
        found = _surrogate(doc)
        if found is not None:
            return YamlDoc(path, None, parsed=False), [found]
    return doc, problems


def _surrogate(doc: YamlDoc) -> Problem | None:
    """The first text of ``doc`` that holds a lone surrogate, as a problem at its place."""
    found = lone_surrogate(doc.data)
    if found is None:
        return None
    where, text, is_key = found
    position = (doc.key_positions if is_key else doc.positions).get(where) or doc.pos(where)
    return surrogate_problem(text, position)


def _parse_cached(
    text: str, path: Path, line_offset: int, limits: Limits
) -> tuple[YamlDoc, list[Problem]]:
    cache = parse_cache
    if cache is None:
        return _parse_yaml(text, path, line_offset, limits.nodes)
    key = (str(path), line_offset, text, limits.nodes)
    earlier = cache.latest(key[0], line_offset, limits.nodes)
    if earlier is not None and earlier[0] != text:
        # An edit, or an edit undone (a text parsed before, but not the last): spliced
        # from the last parse, so that what later stages kept for the unchanged items
        # (by the identity of this parse's positions) is used again.
        made = _splice(earlier[0], earlier[1], text, limits.nodes)
        if made is not None:
            spliced, splice = made
            cache.spliced(spliced, splice)
            cache.put(key, spliced, [], copy=False)
            return replace(spliced, data=copy_data(spliced.data)), []
    found = cache.get(key)
    if found is None:
        found = _parse_yaml(text, path, line_offset, limits.nodes)
        cache.put(key, *found)
    return found


def _parse_yaml(
    text: str, path: Path, line_offset: int, max_nodes: int = MAX_NODES
) -> tuple[YamlDoc, list[Problem]]:
    plain = _plain_data(text, max_nodes)
    if plain is not None:
        data, pairs, key_pairs = plain
        doc = YamlDoc(
            path, data, Marks(path, pairs, line_offset), Marks(path, key_pairs, line_offset)
        )
        return doc, []
    loader = None
    try:
        try:
            node, loader = _compose(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = (mark.line + 1 if mark else 1) + line_offset
            column = mark.column + 1 if mark else 1
            message = exc.problem or exc.context or "invalid YAML"
            hint = (
                "check indentation, and quote text that contains `: ` "
                "or starts with `-`, `*` or `&`"
            )
            tab = _tab_column(text, mark)
            if tab:
                # YAML indents with spaces only; say so, and where the tab is.
                column = tab
                message = "a tab is used for indentation"
                hint = f"replace the tab at column {tab} with spaces"
            return YamlDoc(path, None, parsed=False), [
                error(f"invalid YAML: {message}", Position(path, line, column), hint=hint)
            ]
        except yaml.reader.ReaderError as exc:
            return YamlDoc(path, None, parsed=False), [_unreadable(exc, text, path, line_offset)]
        except yaml.YAMLError as exc:
            return YamlDoc(path, None, parsed=False), [
                error(f"invalid YAML: {exc}", Position(path, 1, 1))
            ]
        except (_TooDeep, RecursionError) as exc:
            return YamlDoc(path, None, parsed=False), [_too_deep(exc, loader, path, line_offset)]
        if node is None:
            return YamlDoc(path, None, {(): Position(path, 1 + line_offset, 1)}), []
        builder = _Builder(path, loader, max_nodes)
        try:
            data = builder.build(node)
        except _TooBig:
            return YamlDoc(path, None, parsed=False), [
                error(
                    f"the file expands to more than {max_nodes} values",
                    Position(path, 1, 1),
                    hint=f"YAML aliases (`*name`) are expanded: use fewer of them; {RAISE_HINT}",
                )
            ]
        except yaml.YAMLError as exc:
            return YamlDoc(path, None, parsed=False), [
                error(f"invalid YAML value: {exc}", Position(path, 1, 1))
            ]
        except (_TooDeep, RecursionError) as exc:
            return YamlDoc(path, None, parsed=False), [_too_deep(exc, loader, path, line_offset)]
    finally:
        if loader is not None:
            loader.dispose()
    positions = Marks(path, builder.positions, line_offset)
    key_positions = Marks(path, builder.key_positions, line_offset)
    if line_offset:
        builder.problems = [
            Problem(p.severity, p.message, _shift(p.position, line_offset), p.hint, p.code)
            for p in builder.problems
        ]
    return YamlDoc(path, data, positions, key_positions), builder.problems


def _too_deep(exc: Exception, loader: Any, path: Path, line_offset: int) -> Problem:
    if isinstance(exc, _TooDeep):
        line, column = exc.mark.line + 1, exc.mark.column + 1
    else:  # the stack ran out some other way: point where reading had got to
        line, column = getattr(loader, "line", 0) + 1, getattr(loader, "column", 0) + 1
    return error(
        f"the YAML is nested more than {MAX_DEPTH} levels deep",
        Position(path, line + line_offset, column),
        hint="a plan needs only a few levels of lists and mappings; flatten this one",
    )


def _unreadable(exc: yaml.reader.ReaderError, text: str, path: Path, line_offset: int) -> Problem:
    """A character YAML does not allow (a control character), at its line and column."""
    before = text[: exc.position]
    line = before.count("\n") + 1 + line_offset
    column = exc.position - (before.rfind("\n") + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return error(
        f"invalid YAML: the file holds the control character U+{code:04X}",
        Position(path, line, column),
        hint="delete it; YAML text may not contain control characters other than tabs "
        "and line breaks",
    )


def _shift(position: Position, lines: int) -> Position:
    return Position(position.file, position.line + lines, position.column)


def _too_large(path: Path, limits: Limits) -> Problem:
    return error(
        f"file is larger than {limits.file_mib} MiB",
        Position(path),
        hint=f"split it into smaller files; {RAISE_HINT}",
    )


#: How plan files are opened: to read bytes, not inherited by child processes.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _read_text(path: Path, problems: list[Problem], limits: Limits) -> str | None:
    try:
        raw = _read_bytes(path, limits.file_bytes)
    except OSError as exc:
        problems.append(error(f"cannot read file: {exc.strerror or exc}", Position(path)))
        return None
    if raw is None:
        problems.append(_too_large(path, limits))
        return None
    return _decode_text(raw, path, problems)


def _read_bytes(path: Path, limit: int) -> bytes | None:
    """The bytes of a file, or ``None`` when it has more than ``limit`` (a file larger than
    that is not read; one that grows past it while read is cut off there). One open file
    and its size, without ``pathlib``'s and ``io``'s layers: a plan may have a thousand
    chapters."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            return None
        chunks, total, wanted = [], 0, size + 1
        while chunk := os.read(fd, wanted):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                return None
            wanted = 65536  # the file was larger than its size said, or read in parts
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _decode_text(raw: bytes, path: Path, problems: list[Problem]) -> str | None:
    """UTF-8 text with ``\n`` line ends, or ``None`` (and a problem) when it is not."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            error("file is not valid UTF-8", Position(path, line, 1), hint="save it as UTF-8")
        )
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _confined_files(
    folder: Path, root: Path, pattern: str, problems: list[Problem], *, hidden_folders: bool = False
) -> list[Path]:
    """Regular files under ``folder`` matching ``pattern`` that resolve inside ``root``.

    Hidden files are skipped, and so are files in hidden folders unless ``hidden_folders``.
    """
    if "/" not in pattern:
        return _confined_names(folder, root, pattern, problems)
    found = []
    for path in sorted(folder.glob(pattern)):
        parts = path.relative_to(folder).parts
        if any(part.startswith(".") for part in (parts[-1:] if hidden_folders else parts)):
            continue
        if not is_inside(path, root):
            problems.append(_outside(path))
            continue
        if path.is_file():
            found.append(path)
    return found


def _outside(path: Path) -> Problem:
    return error(
        "file points outside the plan folder",
        Position(path),
        hint="a plan may only use files inside its own folder; copy the file in",
    )


def _confined_names(folder: Path, root: Path, pattern: str, problems: list[Problem]) -> list[Path]:
    """``_confined_files`` for a pattern of names straight in ``folder`` (``*.md``): the
    files ``folder.glob(pattern)`` finds, read from one listing of the folder, whose
    entries say without a system call each whether they are links or files. A file
    straight in a folder inside the plan is inside it unless it is a link: a link is
    resolved, the rest are not (a plan may have a thousand chapters)."""
    inside = is_inside(folder, root)
    try:
        with os.scandir(folder) as listing:
            entries = sorted(
                (e for e in listing if fnmatchcase(e.name, pattern)), key=lambda e: e.name
            )
    except PermissionError:  # as ``Path.glob``: an unreadable folder has no files
        return []
    found = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        if not (inside and not entry.is_symlink()) and not is_inside(path, root):
            problems.append(_outside(path))
            continue
        if entry.is_file():
            found.append(path)
    return found


def _check_assets(root: Path, assets: list[Path], problems: list[Problem]) -> None:
    """Assets are copied into the site verbatim, so none may carry script."""
    for relative in assets:
        path = root / relative
        if not allowed_type(path.name, ASSET_TYPES):
            problems.append(
                error(
                    f"`{relative.as_posix()}` is not an image or document type planbuilder "
                    "publishes",
                    Position(path),
                    hint="assets may be " + ", ".join(sorted(ASSET_TYPES)),
                )
            )
        elif path.suffix.lower() == ".svg":
            _check_svg(path, relative.as_posix(), problems)


#: Folders of a plan's theme whose files reach the site or the PDF as they are.
THEME_FILE_DIRS = ("static", "print")


def _check_theme_files(theme_dir: Path, root: Path, problems: list[Problem]) -> None:
    """The plan's ``theme/static`` and ``theme/print`` hold style sheets, fonts and images only.

    Every file the theme would publish is checked, those in hidden folders included.
    """
    for name in THEME_FILE_DIRS:
        folder = theme_dir / name
        if not folder.is_dir():
            continue
        for path in _confined_files(folder, root, "**/*", problems, hidden_folders=True):
            shown = path.relative_to(root).as_posix()
            if not allowed_type(path.name, THEME_FILE_TYPES):
                problems.append(
                    error(
                        f"`{shown}` is not a style sheet, font or image planbuilder publishes",
                        Position(path),
                        hint=f"{THEME_DIR}/static/ and {THEME_DIR}/print/ may hold "
                        + ", ".join(sorted(THEME_FILE_TYPES)),
                    )
                )
            elif path.suffix.lower() == ".svg":
                _check_svg(path, shown, problems)


def _check_svg(path: Path, shown: str, problems: list[Problem]) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(error(f"cannot read file: {exc.strerror or exc}", Position(path)))
        return
    problems.extend(svg_problems(data, path, shown))


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split ``---``-fenced front matter from a Markdown file.

    Returns ``(front_matter_or_None, body, body_first_line)``.
    """
    # Line by line up to the closing fence only: the body is taken whole (a plan may have
    # a thousand chapters, each much longer than its front matter).
    opened = text.find("\n")
    if opened < 0 or text[:opened].strip() != "---":
        return None, text, 1
    start, index = opened + 1, 1
    while True:
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        if line.strip() in ("---", "..."):
            body = "" if end < 0 else text[end + 1 :]
            return text[opened + 1 : start - 1], body, index + 2
        if end < 0:
            return None, text, 1
        start, index = end + 1, index + 1


def _load_section(path: Path, problems: list[Problem], limits: Limits) -> SectionSource | None:
    text = _read_text(path, problems, limits)
    if text is None:
        return None
    return _section_from_text(path, text, problems, limits)


def _section_from_text(
    path: Path, text: str, problems: list[Problem], limits: Limits = DEFAULT_LIMITS
) -> SectionSource | None:
    front_text, body, body_line = split_front_matter(text)
    if front_text is None:
        if text.startswith("---"):
            problems.append(
                error(
                    "front matter is not closed",
                    Position(path, 1, 1),
                    hint="end the front matter with a line holding only `---`",
                )
            )
            return None
        return SectionSource(path, YamlDoc(path, None), body, body_line)
    front, found = parse_yaml(front_text, path, line_offset=1, limits=limits)
    problems.extend(found)
    return SectionSource(path, front, body, body_line)


def _load_csv(path: Path, problems: list[Problem], limits: Limits) -> CsvSource | None:
    text = _read_text(path, problems, limits)
    if text is None:
        return None
    return _csv_from_text(path, text, problems)


def _csv_from_text(path: Path, text: str, problems: list[Problem]) -> CsvSource | None:
    reader = csv.reader(io.StringIO(text))
    try:
        header = tuple(h.strip() for h in next(reader, []))
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            cells = dict(zip(header, (v.strip() for v in values), strict=False))
            rows.append(CsvRow(reader.line_num, cells))
    except csv.Error as exc:
        problems.append(error(f"invalid CSV: {exc}", Position(path, reader.line_num, 1)))
        return None
    return CsvSource(path, header, tuple(rows))


def load(root: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> Sources:
    """Read the plan folder at ``root``. Never raises for a bad plan: problems are returned.
    ``limits`` caps each file (the defaults unless the user raised them)."""
    root = Path(root).resolve()
    problems: list[Problem] = []
    plan_path = root / PLAN_FILE
    plan: YamlDoc | None = None
    if not root.is_dir():
        problems.append(
            error(
                "plan folder not found",
                Position(root),
                hint="pass the folder that holds plan.yaml, or create one with `planbuilder new`",
            )
        )
    elif not plan_path.is_file():
        problems.append(
            error(
                "plan.yaml is missing",
                Position(plan_path),
                hint="every plan needs a plan.yaml with at least `title` and `company`",
            )
        )
    else:
        text = _read_text(plan_path, problems, limits)
        if text is not None:
            plan, found = parse_yaml(text, plan_path, limits=limits)
            problems.extend(found)

    parts: dict[str, YamlDoc] = {}
    sections: list[SectionSource] = []
    csvs: list[CsvSource] = []
    assets: list[Path] = []
    theme_override = None
    if root.is_dir():
        for name in PART_FILES:
            path = root / name
            if not path.exists():
                continue
            if not is_inside(path, root):
                problems.append(error("file points outside the plan folder", Position(path)))
                continue
            if not path.is_file():  # a FIFO would be read until something writes to it
                problems.append(
                    error("not a regular file", Position(path), hint=f"make {name} a YAML file")
                )
                continue
            text = _read_text(path, problems, limits)
            if text is None:
                continue
            doc, found = parse_yaml(text, path, limits=limits)
            problems.extend(found)
            parts[name.removesuffix(".yaml")] = doc
        for folder, pattern, read, found in (
            (SECTIONS_DIR, "*.md", _load_section, sections),
            (KPI_CSV_DIR, "*.csv", _load_csv, csvs),
        ):
            if (root / folder).is_dir():
                for path in _confined_files(root / folder, root, pattern, problems):
                    loaded = read(path, problems, limits)
                    if loaded is not None:
                        found.append(loaded)
        assets_dir = root / ASSETS_DIR
        if assets_dir.is_dir():
            assets = [
                p.relative_to(root) for p in _confined_files(assets_dir, root, "**/*", problems)
            ]
            _check_assets(root, assets, problems)
        theme_dir = root / THEME_DIR
        if theme_dir.is_dir() and is_inside(theme_dir, root):
            theme_override = theme_dir
            _check_theme_files(theme_dir, root, problems)
    vcs = git_info(root) if root.is_dir() else None
    return Sources(
        vcs=vcs,
        stamp=source_date(problems) or (vcs.commit_time if vcs else None),
        root=root,
        plan=plan,
        parts=parts,
        sections=tuple(sections),
        kpi_csvs=tuple(csvs),
        assets=tuple(assets),
        theme_override=theme_override,
        problems=tuple(problems),
        themes={name: resolve_theme(name, theme_override) for name in available_themes()},
    )


def load_files(
    files: Mapping[str, bytes],
    root: Path | str,
    *,
    stamp: dt.datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Sources:
    """Read a plan held in memory, ``{path relative to the plan: bytes}`` (e.g. a git
    revision), exactly as ``load`` reads a folder; positions name ``root / path``.

    Only the files of the public format are used; ``theme/`` overrides are not (a
    revision's theme is not on disk), and assets count by name only.
    """
    root = Path(root)
    problems: list[Problem] = []

    def text_of(name: str) -> str | None:
        raw = files[name]
        if len(raw) > limits.file_bytes:
            problems.append(_too_large(root / name, limits))
            return None
        return _decode_text(raw, root / name, problems)

    plan: YamlDoc | None = None
    if PLAN_FILE not in files:
        problems.append(
            error(
                "plan.yaml is missing",
                Position(root / PLAN_FILE),
                hint="every plan needs a plan.yaml with at least `title` and `company`",
            )
        )
    else:
        text = text_of(PLAN_FILE)
        if text is not None:
            plan, found = parse_yaml(text, root / PLAN_FILE, limits=limits)
            problems.extend(found)
    parts: dict[str, YamlDoc] = {}
    for name in PART_FILES:
        if name in files:
            text = text_of(name)
            if text is not None:
                doc, found = parse_yaml(text, root / name, limits=limits)
                problems.extend(found)
                parts[name.removesuffix(".yaml")] = doc
    sections: list[SectionSource] = []
    csvs: list[CsvSource] = []
    assets: list[Path] = []
    for name in sorted(files):
        folder, _, rest = name.partition("/")
        if not rest or any(part.startswith(".") for part in rest.split("/")):
            continue
        if folder == SECTIONS_DIR and "/" not in rest and rest.endswith(".md"):
            text = text_of(name)
            section = (
                None if text is None else _section_from_text(root / name, text, problems, limits)
            )
            if section is not None:
                sections.append(section)
        elif folder == KPI_CSV_DIR and "/" not in rest and rest.endswith(".csv"):
            text = text_of(name)
            table = None if text is None else _csv_from_text(root / name, text, problems)
            if table is not None:
                csvs.append(table)
        elif folder == ASSETS_DIR:
            assets.append(Path(name))
    return Sources(
        vcs=None,
        stamp=stamp,
        root=root,
        plan=plan,
        parts=parts,
        sections=tuple(sections),
        kpi_csvs=tuple(csvs),
        assets=tuple(assets),
        theme_override=None,
        problems=tuple(problems),
        themes={name: resolve_theme(name) for name in available_themes()},
    )


def source_date(problems: list[Problem]) -> dt.datetime | None:
    """``SOURCE_DATE_EPOCH`` (reproducible builds' convention), if set."""
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if not raw:
        return None
    try:
        return dt.datetime.fromtimestamp(int(raw), dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        problems.append(
            error(
                f"SOURCE_DATE_EPOCH is not a number of seconds: `{raw}`",
                Position(Path("SOURCE_DATE_EPOCH")),
                hint="unset it, or set it to e.g. `$(git log -1 --format=%ct)`",
            )
        )
        return None
