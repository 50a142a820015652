"""The Jinja environment shared by the site and the PDF.

Autoescaping is always on, so plan text can never become markup. When the plan
brings templates of its own (``theme/templates/``) the environment is a
``StrictSandbox``: a template may read plain data and call an explicit list of
callables, nothing else, because a plan must never run code, read or write a
file. The bundled themes' templates are ours, and skip the sandbox's checks,
which cost half the rendering time; the tests render them under the same policy
(``PLANBUILDER_SANDBOX_ALL=1``) to show that they need nothing it forbids.

Every template is read through ``ConfinedLoader``, which refuses a file that
resolves (through symbolic links) outside its theme folder.

Compiled templates are kept in the user's cache folder (``TemplateCodeCache``), so a
new process does not compile every template again. Rendered rows of long lists (the
milestone table, ...) are kept between the dev server's builds by the identity of the
record they show (``FragmentCache``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import inspect
import os
import threading
import types
from collections import Counter
from decimal import Decimal
from enum import Enum
from typing import Any

from babel.numbers import get_currency_symbol
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from jinja2.bccache import Bucket, FileSystemBytecodeCache
from jinja2.environment import TemplateModule
from jinja2.exceptions import SecurityError, TemplateError, TemplateNotFound
from jinja2.loaders import split_template_path
from jinja2.runtime import BlockReference, LoopContext, Macro, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, modifies_known_mutable
from jinja2.utils import Cycler, Joiner, Namespace
from markupsafe import Markup, escape

from planbuilder.editions import Edition
from planbuilder.render.charts import Charts
from planbuilder.render.formatting import Formatter
from planbuilder.render.i18n import ngettext_for
from planbuilder.render.labels import display_name, labels_for
from planbuilder.themes import Theme

#: Set to ``1`` to render the bundled themes in the strict sandbox too (the tests do).
SANDBOX_ALL_ENV = "PLANBUILDER_SANDBOX_ALL"


def css_string(value: object) -> Markup:
    """Quote text as a CSS string literal (for labels in generated ``content:`` rules)."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    text = text.replace("<", "\\3c ")
    return Markup(f'"{text}"')


# --- The sandbox policy -------------------------------------------------------------

#: Plain values: a template may read them, and read attributes and items of them.
_PLAIN = (str, int, float, Decimal, dt.date, Enum, tuple, list, dict, type(None))
#: Jinja's own runtime objects.
_RUNTIME = (
    Undefined,
    LoopContext,
    Macro,
    Namespace,
    Cycler,
    Joiner,
    TemplateModule,
    BlockReference,
)
#: Render helpers a template receives, with the only attributes it may use on each.
_HELPERS: dict[type, frozenset[str]] = {
    Charts: frozenset(
        name for name, member in vars(Charts).items()
        if not name.startswith("_") and inspect.isfunction(member)
    ),
}  # fmt: skip
#: ``str`` methods a template may call (``format`` goes through the sandbox's formatter).
_STR_METHODS = "format lower upper title capitalize strip replace split join startswith endswith"
#: Methods a template may call, by the type of the object they belong to.
_METHODS: tuple[tuple[type, frozenset[str]], ...] = (
    (str, frozenset(_STR_METHODS.split())),
    (dict, frozenset({"get", "items", "keys", "values"})),
    (LoopContext, frozenset({"cycle", "changed"})),
    (Cycler, frozenset({"next", "reset"})),
    (Edition, frozenset({"has"})),
    *_HELPERS.items(),
)
#: Jinja runtime objects a template may call.
_CALLABLE_RUNTIME = (Macro, BlockReference, Joiner, LoopContext)


def _is_record(value: object) -> bool:
    """A frozen dataclass instance of planbuilder's own: data, with pure properties."""
    cls = type(value)
    return (
        dataclasses.is_dataclass(cls)
        and cls.__dataclass_params__.frozen
        and cls.__module__.split(".", 1)[0] == "planbuilder"
    )


def _describe(value: object) -> str:
    name = type(value).__name__
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


class StrictSandbox(ImmutableSandboxedEnvironment):
    """A sandbox that allows an explicit list of types and callables, and nothing else.

    A template may read attributes and items of plain values, planbuilder's frozen
    records, Jinja's runtime objects and the render helpers, and only when the value
    read is one of those too (or an allowed callable). It may call the environment's
    globals, macros, a few ``str`` and ``dict`` methods, ``Edition.has`` and the
    chart methods. Everything else raises ``SecurityError``.
    """

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return self._refusal(obj, attr, value) is None

    def is_safe_callable(self, obj: Any) -> bool:
        if isinstance(obj, _CALLABLE_RUNTIME):
            return True
        if any(obj is value for value in self.globals.values()):
            return True  # range, dict, lipsum, cycler, joiner, namespace
        if _is_format_wrapper(obj):
            return True
        if isinstance(obj, (types.MethodType, types.BuiltinMethodType)):
            owner = obj.__self__
            return any(isinstance(owner, cls) and obj.__name__ in names for cls, names in _METHODS)
        return False

    def _allowed_value(self, value: Any) -> bool:
        return (
            isinstance(value, _PLAIN + _RUNTIME + tuple(_HELPERS))
            or _is_record(value)
            or self.is_safe_callable(value)
        )

    def _allowed_holder(self, obj: Any) -> bool:
        return isinstance(obj, _PLAIN + _RUNTIME + tuple(_HELPERS)) or _is_record(obj)

    def _refusal(self, obj: Any, name: Any, value: Any) -> str | None:
        """Why reading ``name`` of ``obj`` (giving ``value``) is refused, or ``None``."""
        helper = next((names for cls, names in _HELPERS.items() if isinstance(obj, cls)), None)
        if helper is not None and name not in helper:
            return f"`{name}` of {_describe(obj)} is not allowed in a template"
        if isinstance(name, str) and modifies_known_mutable(obj, name):
            return f"`{name}` of {_describe(obj)} changes it, which is not allowed in a template"
        if not self._allowed_value(value):
            return f"`{name}` of {_describe(obj)} is {_describe(value)}, not allowed in a template"
        return None

    def _check_holder(self, obj: Any, name: Any) -> None:
        if not self._allowed_holder(obj):
            raise SecurityError(
                f"reading `{name}` of {_describe(obj)} is not allowed in a template"
            )

    def _checked(self, obj: Any, name: Any, value: Any) -> Any:
        wrapped = self.wrap_str_format(value)
        if wrapped is not None and value.__name__ == "format":
            return wrapped  # str.format through the sandbox's own formatter
        reason = self._refusal(obj, name, value)
        if reason is not None:
            raise SecurityError(reason)
        return value

    def getattr(self, obj: Any, attribute: str) -> Any:
        if not isinstance(attribute, str) or attribute.startswith("_"):
            raise SecurityError(f"`{attribute}` of {_describe(obj)} is not allowed in a template")
        if isinstance(obj, Undefined):
            return getattr(obj, attribute)  # reports the undefined name
        self._check_holder(obj, attribute)
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            try:
                value = obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        return self._checked(obj, attribute, value)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Undefined):
            return super().getitem(obj, argument)  # reports the undefined name
        self._check_holder(obj, argument)
        try:
            value = obj[argument]
        except (TypeError, LookupError):
            if isinstance(argument, str):
                return self.getattr(obj, argument)
            return self.undefined(obj=obj, name=argument)
        return self._checked(obj, argument, value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"calling {_describe_callable(__obj)} is not allowed in a template")
        return __context.call(__obj, *args, **kwargs)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"`{attribute}` of {_describe(obj)} is not allowed in a template")


def _is_format_wrapper(obj: Any) -> bool:
    """The sandbox's wrapper around a string's ``format`` (see ``wrap_str_format``)."""
    wrapped = getattr(obj, "__wrapped__", None) if inspect.isfunction(obj) else None
    return (
        isinstance(wrapped, (types.MethodType, types.BuiltinMethodType))
        and isinstance(wrapped.__self__, str)
        and wrapped.__name__ == "format"
    )


def _describe_callable(obj: Any) -> str:
    name = getattr(obj, "__name__", None)
    if isinstance(obj, (types.MethodType, types.BuiltinMethodType)) and isinstance(name, str):
        return f"`{name}` of {_describe(obj.__self__)}"
    return f"`{name}`" if isinstance(name, str) else _describe(obj)


# --- The loader -----------------------------------------------------------------------


class TemplateOutsideTheme(TemplateError):
    """A template file that resolves outside its theme folder (through a link)."""

    def __init__(self, name: str, filename: str):
        super().__init__(f"template `{name}` resolves outside its theme folder")
        self.name = name
        self.filename = filename


class ConfinedLoader(FileSystemLoader):
    """Loads templates from each theme layer's ``templates/``, first layer first, and
    refuses a file whose real path lies outside that layer's folder."""

    def __init__(self, layers: list[tuple[str, str]]):
        """``layers``: (templates folder, theme folder it must stay inside)."""
        super().__init__([folder for folder, _ in layers], followlinks=False)
        self.roots = {folder: os.path.realpath(root) for folder, root in layers}

    def _confined(self, searchpath: str, filename: str) -> str | None:
        real = os.path.realpath(filename)
        root = self.roots[searchpath]
        return real if os.path.commonpath([real, root]) == root else None

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
        pieces = split_template_path(template)
        for searchpath in self.searchpath:
            filename = os.path.join(searchpath, *pieces)
            if os.path.isfile(filename):
                break
        else:
            raise TemplateNotFound(template)
        real = self._confined(searchpath, filename)
        if real is None:
            raise TemplateOutsideTheme(template, os.path.normpath(filename))
        with open(real, encoding=self.encoding) as f:
            contents = f.read()
            loaded = os.fstat(f.fileno())
        seen = (loaded.st_dev, loaded.st_ino, loaded.st_mtime_ns, loaded.st_size)

        def uptodate() -> bool:
            # One stat (Jinja asks on every use of a template): the same file, unchanged,
            # at the same path. A link put on the way leads to another file, which is
            # read again, and confined, by ``get_source``.
            try:
                now = os.stat(filename)
            except OSError:
                return False
            return (now.st_dev, now.st_ino, now.st_mtime_ns, now.st_size) == seen

        return contents, os.path.normpath(filename), uptodate

    def list_templates(self) -> list[str]:
        found = set()
        for searchpath in self.searchpath:
            for dirpath, _dirs, files in os.walk(searchpath, followlinks=False):
                for name in files:
                    filename = os.path.join(dirpath, name)
                    if self._confined(searchpath, filename) is not None:
                        relative = os.path.relpath(filename, searchpath)
                        found.add(relative.replace(os.path.sep, "/"))
        return sorted(found)


class TemplateCodeCache(FileSystemBytecodeCache):
    """Compiled templates in a folder of the user's cache (never inside a plan).

    The key hashes the environment's policy (sandboxed or not) and syntax options, the
    template's name and file name, and its exact source: an entry is only ever the
    compiled form of that source under that policy, so a plan cannot make another
    template's code, or code compiled without the sandbox, run in its place. The
    bucket's own check (Jinja's and Python's versions, the source's checksum) still
    applies. A folder that cannot be read or written only means compiling again.
    """

    def __init__(self, directory: str):
        super().__init__(directory, "%s.jinja")

    def get_bucket(
        self, environment: Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        policy = (
            type(environment).__name__,
            environment.sandboxed,
            sorted(getattr(environment, "intercepted_binops", ())),
            sorted(getattr(environment, "intercepted_unops", ())),
            environment.block_start_string,
            environment.variable_start_string,
            environment.comment_start_string,
            environment.line_statement_prefix,
            environment.trim_blocks,
            environment.lstrip_blocks,
            environment.keep_trailing_newline,
            environment.newline_sequence,
            environment.optimized,
            sorted(environment.extensions),
        )
        digest = hashlib.sha256(repr(policy).encode())
        for part in (name, filename or "", source):
            digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        key = digest.hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass  # a read-only or full cache folder: the template was compiled anyway


def _code_cache() -> TemplateCodeCache:
    from planbuilder.paths import user_cache_dir

    return TemplateCodeCache(str(user_cache_dir() / "templates"))


# --- Rendered fragments kept between builds ---------------------------------------------


class FragmentCache:
    """Pieces of rendered markup kept between the dev server's builds, by the identity of
    the record they show: a milestone's table row is made again only for a milestone
    whose view is new (``compute`` keeps the views of unchanged milestones as the same
    objects), instead of formatting and escaping 5,000 rows after every save.

    A template renders a list of records with three globals (partials/milestone-table.html):
    ``missing_fragments(kind, records, extra)`` gives the records that have no fragment
    kept; the template renders each of those and hands it to ``keep_fragment(kind, record,
    markup, extra)``; ``joined_fragments(kind, records, extra)`` then gives all of them in
    order, as one piece of markup. A fragment is used only for the very same ``record``
    object and an equal ``extra`` (plain values it also shows); whatever else it shows must
    be fixed for the environment (labels, locale, currency, the templates). So the
    environment of a theme with template overrides keeps fragments for one render only,
    and everything is forgotten when a template the environment has loaded changed on
    disk or was loaded again.

    Bounded: ``start`` (once per site render) keeps, of each kind, only the fragments used
    in the last render that used that kind; a kind holding more than ``LIMIT`` fragments
    is emptied.
    """

    LIMIT = 200_000

    def __init__(self, env: Environment, enabled: bool):
        self.env = env
        self.enabled = enabled
        # kind → id(record) → [record, extra, markup, round last used]
        self.kinds: dict[str, dict[int, list]] = {}
        self.round = 0
        self.last_used: dict[str, int] = {}  # kind → the last round that used it
        self.templates: dict[Any, Any] = {}  # Jinja's loaded templates, as last seen
        self.made: Counter[str] = Counter()  # fragments rendered and kept, by kind (tests)
        self._lock = threading.Lock()

        def missing_fragments(kind: str, records: Any, extra: Any = None) -> list:
            records = list(records)
            with self._lock:
                self._check_templates()
                kept = self.kinds.setdefault(kind, {})
                if len(kept) + len(records) > self.LIMIT:
                    kept.clear()
                if not self.enabled:
                    return records
                missing, now = [], self.round
                self.last_used[kind] = now
                for record in records:
                    entry = kept.get(id(record))
                    if entry is not None and entry[0] is record and entry[1] == extra:
                        entry[3] = now
                    else:
                        missing.append(record)
                return missing

        def keep_fragment(kind: str, record: Any, markup: Any, extra: Any = None) -> Markup:
            # Text that is not markup yet stays text (a ``set`` block's is markup already).
            made = markup if type(markup) is Markup else escape(markup)
            with self._lock:
                self.kinds.setdefault(kind, {})[id(record)] = [record, extra, made, self.round]
                self.last_used[kind] = self.round
                self.made[kind] += 1
            return made

        def joined_fragments(kind: str, records: Any, extra: Any = None) -> Markup:
            with self._lock:
                for key, template in self.env.cache.items() if self.env.cache is not None else ():
                    self.templates.setdefault(key, template)  # those loaded for these
                kept = self.kinds.get(kind, {})
                parts = []
                for record in records:
                    entry = kept.get(id(record))
                    if entry is None or entry[0] is not record or entry[1] != extra:
                        raise LookupError(f"no fragment kept for a record of kind `{kind}`")
                    parts.append(entry[2])
            return Markup("".join(parts))

        self.missing_fragments = missing_fragments
        self.keep_fragment = keep_fragment
        self.joined_fragments = joined_fragments

    def _check_templates(self) -> None:
        """Forget every fragment if a loaded template changed on disk or was loaded again."""
        loaded = dict(self.env.cache.items()) if self.env.cache is not None else {}
        changed = any(self.templates.get(key, t) is not t for key, t in loaded.items())
        if changed or not all(t.is_up_to_date for t in loaded.values()):
            self.kinds = {}
        self.templates = loaded

    def start(self) -> None:
        """Begin a site render: of each kind, keep the fragments its last use used."""
        with self._lock:
            if not self.enabled:
                self.kinds = {}
            for kind, kept in self.kinds.items():
                last = self.last_used.get(kind, self.round)
                for key in [key for key, entry in kept.items() if entry[3] < last]:
                    del kept[key]
            self.round += 1


def fragments_of(env: Environment) -> FragmentCache:
    """The fragment cache of an environment made by ``make_environment``."""
    return env.planbuilder_fragments  # type: ignore[attr-defined]


# --- Escaping what a template outputs ----------------------------------------------------

try:
    from markupsafe import _escape_inner  # markupsafe 3: the escaping itself, in C
except ImportError:  # pragma: no cover - older markupsafe, whose escape is all in C
    _escape_inner = None


def _escape_output(value: Any) -> str:
    """What ``markupsafe.escape`` gives, as a plain string: the same characters.

    A compiled template calls ``escape`` on each ``{{ value }}`` it outputs, only to join
    the results into the page (or a ``set`` block, a macro's result, which Jinja marks
    safe itself). ``markupsafe.escape`` wraps each result in a new ``Markup``, which on a
    large plan is a tenth of the site's rendering time; here text is escaped by the same C
    function and markup is passed through as it is.
    """
    kind = type(value)
    if kind is str:
        return _escape_inner(value)
    if kind is Markup:
        return value
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape_inner(str(value))


class PlanTemplate(Template):
    """A template whose output is escaped by ``_escape_output``."""

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):  # type: ignore[override]
        if _escape_inner is not None:
            # The compiled code imported Jinja's ``escape`` into its namespace; its
            # functions look it up there when they run.
            namespace["escape"] = _escape_output
        return super()._from_namespace(environment, namespace, globals)


# --- The environment ------------------------------------------------------------------


def make_environment(theme: Theme, fmt: Formatter, *, sandboxed: bool | None = None) -> Environment:
    """The environment for ``theme`` and ``fmt``'s locale: a ``StrictSandbox`` when the
    plan has template overrides (or ``sandboxed`` or ``PLANBUILDER_SANDBOX_ALL=1`` asks
    for it), else a plain one."""
    plan_templates = theme.override is not None and (theme.override / "templates").is_dir()
    if sandboxed is None:
        sandboxed = plan_templates or os.environ.get(SANDBOX_ALL_ENV) == "1"
    return _environment(theme, fmt, sandboxed, not plan_templates)


@functools.lru_cache(maxsize=8)
def _environment(theme: Theme, fmt: Formatter, sandboxed: bool, fragments: bool) -> Environment:
    """One environment per theme, locale and policy, kept so that compiled templates are
    reused across rebuilds (Jinja recompiles a template when its file changes).
    ``fragments``: whether rendered fragments are kept (``FragmentCache``)."""
    environment_class = StrictSandbox if sandboxed else Environment
    env = environment_class(
        loader=ConfinedLoader([(str(t), str(layer)) for t, layer in theme.template_layers]),
        autoescape=select_autoescape(["html", "htm", "xml", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_code_cache(),
    )
    env.template_class = PlanTemplate
    env.filters.update(
        money=fmt.money,
        amount=fmt.amount,
        signed_money=fmt.signed_money,
        number=fmt.number,
        percent=fmt.percent,
        date=fmt.date,
        month=fmt.month,
        kpi_value=fmt.kpi_value,
        kpi_change=fmt.kpi_change,
        period=fmt.period,
        period_short=fmt.period_short,
        ratio=fmt.ratio,
        css_string=css_string,
    )
    labels = labels_for(fmt.locale)
    env.filters["display_name"] = functools.partial(display_name, names=labels["category_names"])
    env.globals.update(
        labels=labels,
        locale=fmt.locale,
        currency=fmt.currency,
        currency_symbol=get_currency_symbol(fmt.currency, locale=fmt.locale),
        ngettext=ngettext_for(fmt.locale, fmt.number),
    )
    fragments = FragmentCache(env, fragments)
    env.planbuilder_fragments = fragments  # type: ignore[attr-defined]
    env.globals.update(
        missing_fragments=fragments.missing_fragments,
        keep_fragment=fragments.keep_fragment,
        joined_fragments=fragments.joined_fragments,
    )
    return env


make_environment.cache_clear = _environment.cache_clear  # type: ignore[attr-defined]
