"""The field reference of every plan file, generated from the declarations in
``records.py`` so it cannot drift from what the checker accepts."""

from __future__ import annotations

from decimal import Decimal

from planbuilder.records import FILES
from planbuilder.schema import Either, Field, ListOf, MappingOf, Record


def _nested(field_type) -> Record | None:
    """The record a field holds (directly, in a list or as mapping values), if any."""
    if isinstance(field_type, Record):
        return field_type
    if isinstance(field_type, ListOf):
        return _nested(field_type.item)
    if isinstance(field_type, MappingOf):
        return _nested(field_type.value)
    if isinstance(field_type, Either):
        return _nested(field_type.many)
    return None


def _default_text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _field_lines(name: str, spec: Field, indent: str) -> list[str]:
    nested = _nested(spec.type)
    kind = spec.type.expected
    if isinstance(spec.type, Record):
        kind = "a mapping"
    elif isinstance(spec.type, ListOf) and nested is not None:
        kind = f"a list of {nested.name} mappings"
    elif isinstance(spec.type, MappingOf) and isinstance(spec.type.value, Either):
        single = spec.type.value.single.expected
        kind = f"a mapping of {spec.type.key.expected} to {single} or {nested.name} mappings"
    elif isinstance(spec.type, MappingOf) and nested is not None:
        kind = f"a mapping of {spec.type.key.expected} to {nested.name} mappings"
    facts = ["required" if spec.required else "optional"]
    if spec.default is not None:
        facts.append(f"default `{_default_text(spec.default)}`")
    lines = [f"{indent}{name}: {kind} ({', '.join(facts)})"]
    if spec.help:
        lines.append(f"{indent}    {spec.help}")
    if spec.example:
        lines.append(f"{indent}    e.g. {spec.example}")
    if nested is not None:
        for sub_name, sub_spec in nested.fields.items():
            lines += _field_lines(sub_name, sub_spec, indent + "  ")
    return lines


def file_names() -> tuple[str, ...]:
    return tuple(FILES)


def reference_text(file: str | None = None) -> str:
    """The fields of one plan file (or of all), with type, required, default and help."""
    names = [file] if file else list(FILES)
    out: list[str] = []
    for name in names:
        record, many = FILES[name]
        shape = f"a list of {record.name} entries" if many else f"one {record.name} mapping"
        out.append(f"{name} — {shape}")
        for field_name, spec in record.fields.items():
            out += _field_lines(field_name, spec, "  ")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
