"""Typed field schemas: each field type checks one raw YAML value and returns a clean one.

A record schema lists its fields; checking a record reports unknown keys (with a
"did you mean" hint), missing required fields and every bad value, all at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import Field as Dataclass_Field
from dataclasses import dataclass, field, make_dataclass
from decimal import Decimal
from typing import Any, Union, get_args, get_origin

from planbuilder.load import Path_, YamlDoc
from planbuilder.problems import Position, Problem, did_you_mean, error

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
#: Amounts and plain numbers must stay below this in size: far beyond any business plan,
#: and small enough that every sum, projection and format stays exact.
MAX_AMOUNT = 10**15
#: Percentages without a tighter bound must stay within ± this.
MAX_PERCENT = 10**4


class Invalid(Exception):
    """A value does not fit its field; carries the message and a hint."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Context:
    """What some field types need to know about the plan (currency precision)."""

    currency: str = "USD"
    money_digits: int = 2


class FieldType:
    #: How the expected value is described in messages ("a date (YYYY-MM-DD)").
    expected = "a value"
    #: The Python type of a cleaned value (a model field's type).
    python_type: Any = Any

    def clean(self, value: Any, ctx: Context) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def _wrong(self, value: Any, hint: str = "") -> Invalid:
        return Invalid(f"expected {self.expected}, got {describe(value)}", hint)


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.datetime):
        return f"a date and time `{value.isoformat()}`"
    if isinstance(value, dt.date):
        return f"a date `{value.isoformat()}`"
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"`{text}`"


class Text(FieldType):
    python_type = str
    expected = "text"

    def __init__(self, max_length: int = 20_000):
        self.max_length = max_length

    def clean(self, value: Any, ctx: Context) -> str:
        if value.__class__ is str:  # the usual case, first
            text = value.strip()
            if text and len(text) <= self.max_length:
                return text
        # Numbers and dates written where text is expected are taken as written.
        if isinstance(value, (bool, dict, list)) or value is None:
            raise self._wrong(value, 'put text in quotes if it looks like something else: "yes"')
        if isinstance(value, dt.date):
            value = value.isoformat()
        text = str(value).strip()
        if not text:
            raise Invalid("text is empty", "write something or remove the field")
        if len(text) > self.max_length:
            raise Invalid(f"text is longer than {self.max_length} characters")
        return text


class Identifier(FieldType):
    python_type = str
    expected = "an id (letters, digits, `-`, `_`, `.`)"

    def clean(self, value: Any, ctx: Context) -> str:
        if value.__class__ is str:  # the usual case, first
            if ID_PATTERN.match(value):
                return value
        elif isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self._wrong(value)
        text = str(value)
        if not ID_PATTERN.match(text):
            raise Invalid(
                f"`{text}` is not a valid id",
                "use letters, digits, `-`, `_` and `.`, starting with a letter or digit, "
                "e.g. `web-shop`",
            )
        return text


class Choice(FieldType):
    python_type = str

    def __init__(self, *options: str):
        self.options = options
        self.expected = "one of " + ", ".join(f"`{o}`" for o in options)

    def clean(self, value: Any, ctx: Context) -> str:
        if not isinstance(value, str) or value not in self.options:
            hint = did_you_mean(str(value), self.options) if isinstance(value, str) else ""
            raise self._wrong(value, hint)
        return value


class Boolean(FieldType):
    python_type = bool
    expected = "`true` or `false`"

    def clean(self, value: Any, ctx: Context) -> bool:
        if not isinstance(value, bool):
            raise self._wrong(value)
        return value


class Integer(FieldType):
    python_type = int

    def __init__(self, minimum: int | None = None, maximum: int | None = None):
        self.minimum = minimum
        self.maximum = maximum
        self.expected = "a whole number"
        if minimum is not None and maximum is not None:
            self.expected += f" from {minimum} to {maximum}"
        elif minimum is not None:
            self.expected += f" of at least {minimum}"

    def clean(self, value: Any, ctx: Context) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(value)
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise self._wrong(value)
        return value


def _to_decimal(value: Any, field_type: FieldType) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float, str)):
        raise field_type._wrong(value)
    if isinstance(value, float):  # only .inf and .nan arrive as floats
        raise Invalid(f"expected a finite number, got `{value}`")
    if isinstance(value, str):
        raise field_type._wrong(value, _number_hint(value))
    number = Decimal(value)
    if abs(number) >= MAX_AMOUNT:
        raise Invalid(
            f"`{value}` is too large: numbers must stay below {MAX_AMOUNT:,} in size",
            "check the number of digits",
        )
    return number


def _number_hint(text: str) -> str:
    """How to write ``text`` as a plain number: ``8,5`` → ``8.5`` (a decimal comma),
    ``4,500.00`` → ``4500.00`` (thousands separators), else an example."""
    compact = text.replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"[-+]?\d+,\d{1,2}", compact) or re.fullmatch(
        r"[-+]?\d{1,3}(\.\d{3})+,\d+", compact
    ):
        plain = compact.replace(".", "").replace(",", ".")
        return f"use a point for decimals, without separators: `{plain}`"
    cleaned = compact.replace(",", "")
    if re.fullmatch(r"[-+]?\d+(\.\d+)?", cleaned):
        return f"write the number without separators or symbols: `{cleaned}`"
    return "write a plain number, e.g. `4500.00`"


class Number(FieldType):
    python_type = Decimal
    expected = "a number"

    def __init__(self, minimum: Decimal | None = None):
        self.minimum = minimum

    def clean(self, value: Any, ctx: Context) -> Decimal:
        number = _to_decimal(value, self)
        if self.minimum is not None and number < self.minimum:
            raise Invalid(f"expected a number of at least {self.minimum}, got `{number}`")
        return number


class Percent(FieldType):
    """A percentage: ``12.5``, or text such as ``"-20%"``; kept in percent units."""

    python_type = Decimal

    def __init__(self, minimum: Decimal | None = None, maximum: Decimal | None = None):
        self.expected = "a percentage"
        if minimum is not None and maximum is not None:
            self.expected += f" from {minimum} to {maximum}"
        # Unbounded sides still stop at ±MAX_PERCENT, so no projection can overflow.
        self.minimum = Decimal(-MAX_PERCENT) if minimum is None else minimum
        self.maximum = Decimal(MAX_PERCENT) if maximum is None else maximum

    def clean(self, value: Any, ctx: Context) -> Decimal:
        if isinstance(value, str) and value.strip().endswith("%"):
            value = value.strip()[:-1].strip()
            try:
                value = Decimal(value)
            except ArithmeticError:
                hint = _number_hint(value)
                if hint.startswith("write a plain number"):
                    hint = "write a number such as `12.5` or `-20%`"
                raise self._wrong(value, hint) from None
        number = _to_decimal(value, self)
        if not self.minimum <= number <= self.maximum:
            raise Invalid(f"expected {self.expected}, got `{number}`")
        return number


class Money(FieldType):
    python_type = Decimal
    """An exact amount in the plan's currency, never negative unless allowed."""

    def __init__(self, allow_negative: bool = False):
        self.allow_negative = allow_negative
        self.expected = "an amount of money" if allow_negative else "a non-negative amount"

    def clean(self, value: Any, ctx: Context) -> Decimal:
        amount = _to_decimal(value, self)
        if amount < 0 and not self.allow_negative:
            raise Invalid(
                f"amount must not be negative, got `{value}`",
                "write the amount as a positive number",
            )
        # More decimals than the currency has, unless they are zeros: rounded to the
        # currency's unit, the amount would change (below MAX_AMOUNT, exactly).
        if amount != amount.quantize(_unit(ctx.money_digits)):
            allowed = (
                "no fractional part" if ctx.money_digits == 0 else f"{ctx.money_digits} decimals"
            )
            raise Invalid(
                f"`{value}` has more decimals than {ctx.currency} allows ({allowed})",
                "round the amount to the currency's smallest unit",
            )
        return amount


_UNITS: dict[int, Decimal] = {}


def _unit(digits: int) -> Decimal:
    """The smallest amount with ``digits`` decimals: ``0.01`` for 2."""
    unit = _UNITS.get(digits)
    if unit is None:
        unit = _UNITS[digits] = Decimal(1).scaleb(-digits)
    return unit


class Date(FieldType):
    python_type = dt.date
    expected = "a date (YYYY-MM-DD)"

    def clean(self, value: Any, ctx: Context) -> dt.date:
        if value.__class__ is dt.date:  # as YAML reads a date: the usual case, first
            return value
        if isinstance(value, dt.datetime):
            raise self._wrong(value, f"drop the time: `{value.date().isoformat()}`")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                impossible = _impossible_date(value.strip())
                if impossible:
                    raise Invalid(impossible, "check the date: write it as YYYY-MM-DD") from None
        raise self._wrong(value, "write dates as YYYY-MM-DD, e.g. `2027-03-31`")


_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _impossible_date(text: str) -> str:
    """Why a ``YYYY-MM-DD`` that is no date is none, in words ("month 13 does not
    exist"); empty when ``text`` is not shaped like a date at all."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if not match:
        return ""
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        return f"`{text}` is not a date: month {month} does not exist"
    days = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    name = _MONTH_NAMES[month - 1]
    return f"`{text}` is not a date: {name} {year} has {days} days, not {day}"


class Month(FieldType):
    python_type = str
    expected = "a month (YYYY-MM)"

    def clean(self, value: Any, ctx: Context) -> str:
        if isinstance(value, dt.date):
            raise self._wrong(value, f"write only year and month: `{value.strftime('%Y-%m')}`")
        text = str(value).strip() if isinstance(value, (str, int)) else None
        match = MONTH_PATTERN.match(text or "")
        if match and not 1 <= int(match.group(2)) <= 12:
            raise Invalid(
                f"`{text}` is not a month: month {int(match.group(2))} does not exist",
                "write months as YYYY-MM, from 01 to 12",
            )
        if not match:
            raise self._wrong(value, "write months as YYYY-MM, e.g. `2027-03`")
        return text


class ListOf(FieldType):
    def __init__(self, item: FieldType, allow_scalar: bool = False):
        self.item = item
        self.allow_scalar = allow_scalar
        self.expected = f"a list of {item.expected}"
        self.python_type = tuple[item.python_type, ...]  # lists become tuples in the model


class Either(FieldType):
    """A single value of one type, or a list or record of another (``growth: 2`` or a list
    of steps; ``investment: 5000`` or ``{amount: 5000, label: ...}``)."""

    def __init__(self, single: FieldType, many: ListOf | Record):
        self.single = single
        self.many = many
        self.expected = f"{single.expected}, or {many.expected}"
        self.python_type = Union[single.python_type, many.python_type]  # noqa: UP007

    def chosen(self, value: Any) -> FieldType:
        """The type ``value`` is checked against: a list or mapping picks ``many``."""
        shape = dict if isinstance(self.many, Record) else list
        return self.many if isinstance(value, shape) else self.single


class MappingOf(FieldType):
    """A mapping whose keys and values each have a type (e.g. `YYYY-MM: number`)."""

    def __init__(self, key: FieldType, value: FieldType):
        self.key = key
        self.value = value
        self.expected = f"a mapping of {key.expected} to {value.expected}"
        self.python_type = dict[key.python_type, value.python_type]


@dataclass(frozen=True)
class Field:
    """One field of a record: its type, whether it must be given, the value it takes when
    not given, an example (shown in the "missing field" hint), help text (the JSON
    Schema's description) and how the model holds the checked value (``convert``, e.g.
    a month as its index; lists become tuples without one)."""

    type: FieldType
    required: bool = False
    default: Any = None
    example: str = ""
    help: str = ""
    convert: Callable[[Any], Any] | None = None
    model_type: Any = None


@dataclass(frozen=True)
class Record(FieldType):
    """A mapping with named fields."""

    name: str
    fields: Mapping[str, Field]

    @property
    def expected(self) -> str:  # type: ignore[override]
        return f"a mapping of {self.name} fields"

    @property
    def python_type(self) -> Any:  # type: ignore[override]
        return dict[str, Any]  # a model class that holds it names its own type

    def complete(self, checked: Mapping[str, Any]) -> bool:
        """Whether every required field survived checking. An incomplete record has its
        errors reported already; later rules skip it rather than report knock-on problems
        (or trip over the missing value)."""
        return all(name in checked for name, _spec in _record_plan(self)[2])


class Checker:
    """Walks a YAML document against a schema, collecting problems with positions."""

    def __init__(self, doc: YamlDoc, ctx: Context):
        self.doc = doc
        self.ctx = ctx
        self.problems: list[Problem] = []

    def fail(self, path: Path_, message: str, hint: str = "", at_key: bool = False) -> None:
        position = self.doc.key_pos(path) if at_key else self.doc.pos(path)
        self.problems.append(error(message, position, hint))

    def value(self, field_type: FieldType, value: Any, path: Path_) -> Any:
        """Clean ``value``; return ``Invalid`` sentinel (None) and record a problem on failure."""
        if not isinstance(field_type, _COMPOUND):
            try:
                return field_type.clean(value, self.ctx)
            except Invalid as exc:
                self.fail(path, exc.message, exc.hint)
                return None
        if isinstance(field_type, Record):
            return self.record(field_type, value, path)
        if isinstance(field_type, Either):
            return self.value(field_type.chosen(value), value, path)
        if isinstance(field_type, ListOf):
            if not isinstance(value, list):
                if field_type.allow_scalar and value is not None and not isinstance(value, dict):
                    value = [value]
                else:
                    self.fail(path, f"expected {field_type.expected}, got {describe(value)}")
                    return None
            cleaned = [
                self.value(field_type.item, item, (*path, i)) for i, item in enumerate(value)
            ]
            whole = field_type.item.complete if isinstance(field_type.item, Record) else None
            return [c for c in cleaned if c is not None and (whole is None or whole(c))]
        if isinstance(field_type, MappingOf):
            if not isinstance(value, dict):
                self.fail(path, f"expected {field_type.expected}, got {describe(value)}")
                return None
            result = {}
            for key, item in value.items():
                try:
                    clean_key = field_type.key.clean(key, self.ctx)
                except Invalid as exc:
                    self.fail((*path, key), exc.message, exc.hint, at_key=True)
                    continue
                clean_item = self.value(field_type.value, item, (*path, key))
                if clean_item is not None:
                    result[clean_key] = clean_item
            return result
        try:
            return field_type.clean(value, self.ctx)
        except Invalid as exc:
            self.fail(path, exc.message, exc.hint)
            return None

    def record(self, schema: Record, value: Any, path: Path_) -> dict | None:
        if not isinstance(value, dict):
            self.fail(path, f"expected {schema.expected}, got {describe(value)}")
            return None
        fields, defaults, required, kinds = _record_plan(schema)
        ctx = self.ctx
        result: dict[str, Any] = {}
        for key, item in value.items():
            kind = kinds.get(key)
            if kind is None:
                hint = did_you_mean(key, fields) or (
                    "known fields: " + ", ".join(f"`{k}`" for k in fields)
                )
                self.fail(
                    (*path, key), f"unknown field `{key}` in {schema.name}", hint, at_key=True
                )
                continue
            field_type, needed, compound = kind
            if item is None and not needed:
                continue  # `field:` left empty means not set
            if compound:
                cleaned = self.value(field_type, item, (*path, key))
            else:  # what ``value`` does, without a call per field
                try:
                    cleaned = field_type.clean(item, ctx)
                except Invalid as exc:
                    self.fail((*path, key), exc.message, exc.hint)
                    continue
            if cleaned is not None:
                result[key] = cleaned
        for name, default in defaults:
            if name not in result:
                result[name] = default  # not given (or wrong, which is reported)
        for name, spec in required:
            if value.get(name) is None:
                label = (
                    f"{schema.name} `{value['id']}`"
                    if isinstance(value.get("id"), str)
                    else schema.name
                )
                example = f"add `{name}: {spec.example}`" if spec.example else f"add `{name}:`"
                self.fail(path, f"{label} is missing required field `{name}`", example)
        return result


#: Field types holding other values, which ``Checker.value`` walks into.
_COMPOUND = (Record, Either, ListOf, MappingOf)
#: Per record schema (by identity, kept alive here): its fields, the defaults and the
#: required fields, in field order.
_PLANS: dict[int, tuple[Record, tuple]] = {}


def _record_plan(schema: Record) -> tuple:
    found = _PLANS.get(id(schema))
    if found is not None and found[0] is schema:
        return found[1]
    fields = schema.fields
    plan = (
        fields,
        tuple((name, spec.default) for name, spec in fields.items() if spec.default is not None),
        tuple((name, spec) for name, spec in fields.items() if spec.required),
        # each field's type, whether it is required, and whether ``value`` walks into it
        {
            name: (spec.type, spec.required, isinstance(spec.type, _COMPOUND))
            for name, spec in fields.items()
        },
    )
    _PLANS[id(schema)] = (schema, plan)
    return plan


# --- Model classes ---------------------------------------------------------------------

MODEL_MODULE = "planbuilder.model"


def model_type(spec: Field) -> Any:
    """The Python type a model object holds for ``spec``: the converted value's type, or
    the field type's own (lists as tuples)."""
    if spec.convert is not None:
        return spec.model_type if spec.model_type is not None else Any
    return spec.type.python_type


def model_class(
    record: Record,
    name: str,
    *,
    doc: str = "",
    exclude: tuple[str, ...] = (),
    required: tuple[str, ...] = (),
    types: Mapping[str, Any] | None = None,
    extra: tuple[tuple[str, Any] | tuple[str, Any, Any], ...] = (),
    positioned: bool = True,
) -> type:
    """A frozen, slotted dataclass with one field per field ``record`` declares.

    Required fields (and those named in ``required``) come first, without default; the
    rest default to the declared default, else ``()`` for a ``tuple[T, ...]`` and
    ``None`` otherwise.
    ``types`` overrides a field's type (a nested record's model class), ``exclude`` drops
    fields the model does not hold, and ``extra`` adds derived fields, each
    ``(name, type)`` (required, placed first) or ``(name, type, default or field())``.
    Unless ``positioned`` is false, ``position`` (where the record was written) ends it.
    """
    types = dict(types or {})
    first: list[tuple[str, Any]] = [e[:2] for e in extra if len(e) == 2]
    rest: list[tuple[str, Any, Any]] = []
    for key, spec in record.fields.items():
        if key in exclude:
            continue
        kind = types.pop(key) if key in types else model_type(spec)
        if spec.required or key in required:
            first.append((key, kind))
        elif spec.default is not None:
            rest.append((key, kind, spec.default))
        elif get_origin(kind) is tuple and get_args(kind)[-1:] == (...,):
            rest.append((key, kind, ()))  # a list given as nothing: an empty tuple
        else:
            rest.append((key, kind | None, None))
    if types:
        raise TypeError(f"{record.name} declares no field {', '.join(types)}")
    rest += [e for e in extra if len(e) == 3]
    if positioned:
        rest.append(("position", Position | None, field(default=None, compare=False)))
    given = [
        (key, kind, value if isinstance(value, Dataclass_Field) else field(default=value))
        for key, kind, value in rest
    ]
    cls = make_dataclass(name, [*first, *given], frozen=True, slots=True)
    # Templates may read only planbuilder's own frozen dataclasses (and pickling finds
    # the class by its module and name).
    cls.__module__ = MODEL_MODULE
    cls.__doc__ = doc or f"A {record.name}, as declared in ``records.py``."
    return cls


# --- JSON Schema -------------------------------------------------------------------------

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _json_number(value: Decimal | int) -> int | float:
    return int(value) if value == int(value) else float(value)


def _json_type(field_type: FieldType) -> dict[str, Any]:
    """The JSON Schema of one field type (YAML read with dates left as text)."""
    if isinstance(field_type, Record):
        return record_json_schema(field_type)
    if isinstance(field_type, Either):
        return {"anyOf": [_json_type(field_type.single), _json_type(field_type.many)]}
    if isinstance(field_type, ListOf):
        many = {"type": "array", "items": _json_type(field_type.item)}
        return {"anyOf": [_json_type(field_type.item), many]} if field_type.allow_scalar else many
    if isinstance(field_type, MappingOf):
        schema: dict[str, Any] = {
            "type": "object",
            "additionalProperties": _json_type(field_type.value),
        }
        key = _json_type(field_type.key)
        if "pattern" in key:
            schema["propertyNames"] = {"pattern": key["pattern"]}
        return schema
    if isinstance(field_type, Text):
        return {"type": ["string", "number"], "minLength": 1, "maxLength": field_type.max_length}
    if isinstance(field_type, Identifier):
        return {"type": ["string", "integer"], "pattern": ID_PATTERN.pattern}
    if isinstance(field_type, Choice):
        return {"enum": list(field_type.options)}
    if isinstance(field_type, Boolean):
        return {"type": "boolean"}
    if isinstance(field_type, Integer):
        schema = {"type": "integer"}
        if field_type.minimum is not None:
            schema["minimum"] = field_type.minimum
        if field_type.maximum is not None:
            schema["maximum"] = field_type.maximum
        return schema
    if isinstance(field_type, Money):
        schema = {"type": "number", "exclusiveMaximum": MAX_AMOUNT}
        if field_type.allow_negative:
            schema["exclusiveMinimum"] = -MAX_AMOUNT
        else:
            schema["minimum"] = 0
        return schema
    if isinstance(field_type, Number):
        low = field_type.minimum
        schema = {"type": "number", "exclusiveMaximum": MAX_AMOUNT}
        if low is not None:
            schema["minimum"] = _json_number(low)
        else:
            schema["exclusiveMinimum"] = -MAX_AMOUNT
        return schema
    if isinstance(field_type, Percent):
        bounds = {
            "minimum": _json_number(field_type.minimum),
            "maximum": _json_number(field_type.maximum),
        }
        return {
            "anyOf": [
                {"type": "number", **bounds},
                {"type": "string", "pattern": r"^\s*[-+]?\d+(\.\d+)?\s*%\s*$"},
            ]
        }
    if isinstance(field_type, Date):
        return {"type": "string", "format": "date"}
    if isinstance(field_type, Month):
        return {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"}
    raise TypeError(f"no JSON Schema for {type(field_type).__name__}")  # pragma: no cover


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _json_number(value)
    return value


def record_json_schema(record: Record) -> dict[str, Any]:
    """A record as a JSON Schema object: its fields, the required ones, nothing else."""
    properties = {}
    for name, spec in record.fields.items():
        schema = _json_type(spec.type)
        if not spec.required:  # `field:` left empty means not set
            schema = {"anyOf": [schema, {"type": "null"}]}
        if spec.help:
            schema["description"] = spec.help
        if spec.default is not None:
            schema["default"] = _json_default(spec.default)
        if spec.example:
            schema["examples"] = [spec.example]
        properties[name] = schema
    return {
        "type": "object",
        "title": record.name,
        "properties": properties,
        "required": [name for name, spec in record.fields.items() if spec.required],
        "additionalProperties": False,
    }


def json_schema(record: Record, *, many: bool = False, title: str = "") -> dict[str, Any]:
    """A complete JSON Schema (draft 2020-12) for a file holding ``record`` (or a list)."""
    body = record_json_schema(record)
    schema = {"type": "array", "items": body} if many else body
    return {"$schema": JSON_SCHEMA_DIALECT, **schema, "title": title or record.name}
