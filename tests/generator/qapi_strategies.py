"""Hypothesis strategies for the JSON values of a schema's types, built by
walking the IR (`qapi.schema`).

Integers stay in each built-in type's range, enumerations take their
values, optional members are present or not, unions take each branch,
alternates each alternative, lists and ``any`` values stay small.  Values
nest at most ``max_depth`` objects deep: below that, optional members
are left out and lists are empty, so recursive types stay finite.
Whatever has an ``if`` is only generated when `runtime.config` says it
holds.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from qapi.schema import (
    QAPISchema,
    QAPISchemaAlternateType,
    QAPISchemaArrayType,
    QAPISchemaBuiltinType,
    QAPISchemaEnumType,
    QAPISchemaIfCond,
    QAPISchemaObjectType,
    QAPISchemaObjectTypeMember,
    QAPISchemaType,
)
from runtime.config import evaluate

INT_RANGES = {
    "int": (-(1 << 63), (1 << 63) - 1), "int64": (-(1 << 63), (1 << 63) - 1),
    "int8": (-(1 << 7), (1 << 7) - 1), "int16": (-(1 << 15), (1 << 15) - 1),
    "int32": (-(1 << 31), (1 << 31) - 1),
    "uint8": (0, (1 << 8) - 1), "uint16": (0, (1 << 16) - 1), "uint32": (0, (1 << 32) - 1),
    "uint64": (0, (1 << 64) - 1), "size": (0, (1 << 64) - 1),
}

JSON_SCALARS = st.none() | st.booleans() | st.integers(-(1 << 63), (1 << 64) - 1) \
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=6)


def _holds(ifcond: QAPISchemaIfCond) -> bool:
    return evaluate(ifcond.ifcond) if ifcond.is_present() else True


class ValueStrategies:
    """JSON value strategies for the types of one schema."""

    def __init__(self, schema: QAPISchema, max_depth: int = 3, max_list: int = 2) -> None:
        self.schema = schema
        self.max_depth = max_depth
        self.max_list = max_list
        self._cache: dict[tuple[str, int], st.SearchStrategy[Any]] = {}

    def of(self, name: str) -> st.SearchStrategy[Any]:
        """Values of the type called ``name``."""
        typ = self.schema.lookup_type(name)
        assert typ is not None, name
        return self.for_type(typ, 0)

    def for_type(self, typ: QAPISchemaType, depth: int) -> st.SearchStrategy[Any]:
        assert typ.name is not None
        key = (typ.name, depth)
        if key not in self._cache:
            # Deferred: a type may (indirectly) contain itself.
            self._cache[key] = st.deferred(lambda: self._build(typ, depth))
        return self._cache[key]

    def _build(self, typ: QAPISchemaType, depth: int) -> st.SearchStrategy[Any]:
        if isinstance(typ, QAPISchemaBuiltinType):
            return self._builtin(typ)
        if isinstance(typ, QAPISchemaEnumType):
            values = [m.name for m in typ.members if _holds(m.ifcond)]
            return st.sampled_from(values) if values else st.nothing()
        if isinstance(typ, QAPISchemaArrayType):
            if depth >= self.max_depth:
                return st.just([])
            return st.lists(self.for_type(typ.element_type, depth + 1), max_size=self.max_list)
        if isinstance(typ, QAPISchemaAlternateType):
            return st.one_of([self.for_type(v.type, depth) for v in typ.variants.variants
                              if _holds(v.ifcond)])
        assert isinstance(typ, QAPISchemaObjectType)
        return self._object(typ, depth)

    @staticmethod
    def _builtin(typ: QAPISchemaBuiltinType) -> st.SearchStrategy[Any]:
        assert typ.name is not None
        if typ.name in INT_RANGES:
            low, high = INT_RANGES[typ.name]
            return st.integers(low, high)
        return {
            "str": st.text(max_size=12), "bool": st.booleans(), "null": st.none(),
            "number": st.floats(allow_nan=False, allow_infinity=False),
            "any": JSON_VALUES,
        }[typ.name]

    def _members(self, members: list[QAPISchemaObjectTypeMember],
                 depth: int) -> st.SearchStrategy[dict[str, Any]]:
        required: dict[str, st.SearchStrategy[Any]] = {}
        optional: dict[str, st.SearchStrategy[Any]] = {}
        for member in members:
            if not _holds(member.ifcond):
                continue
            if not member.optional:
                required[member.name] = self.for_type(member.type, depth + 1)
            elif depth < self.max_depth:
                optional[member.name] = self.for_type(member.type, depth + 1)
        return st.fixed_dictionaries(required, optional=optional)

    def _object(self, typ: QAPISchemaObjectType, depth: int) -> st.SearchStrategy[Any]:
        variants = typ.variants
        if variants is None:
            return self._members(typ.members, depth)
        assert variants.tag_member is not None
        tag = variants.tag_member.name
        base = [m for m in typ.members if m.name != tag]
        branches = []
        for variant in variants.variants:
            tag_value = self.schema.lookup_type(variants.tag_member.type.name or "")
            assert isinstance(tag_value, QAPISchemaEnumType)
            value_ifcond = next(m.ifcond for m in tag_value.members if m.name == variant.name)
            if not (_holds(variant.ifcond) and _holds(value_ifcond)):
                continue
            assert isinstance(variant.type, QAPISchemaObjectType)
            branches.append(st.builds(
                _merge, st.just({tag: variant.name}), self._members(base, depth),
                self._members(variant.type.members, depth)))
        return st.one_of(branches)


def _merge(*parts: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part)
    return merged
