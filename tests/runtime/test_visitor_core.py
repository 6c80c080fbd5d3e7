"""runtime.visitor: member paths, and the built-in types' visitors with
QEMU's QObject input visitor's messages."""

from __future__ import annotations

from typing import Any

import pytest

from runtime import visitor
from runtime.errors import QAPIVisitError
from runtime.objects import ABSENT


@pytest.mark.parametrize(("path", "key", "name"), [
    ("", None, ""), ("", "a", "a"), ("a", "b", "a.b"), ("", 2, "[2]"),
    ((("", None), 2), "members", "[2].members"),
    (((("", None), 2), "members"), 0, "[2].members[0]"),
    (("a", "b"), "c", "a.b.c"), ("a.b", 3, "a.b[3]"),
])
def test_member_path(path: Any, key: Any, name: str) -> None:
    assert visitor.member_path(path, key) == name


def message(function: Any, value: Any, key: Any = "m") -> str:
    with pytest.raises(QAPIVisitError) as error:
        function(value, ("", "o"), key)
    return error.value.desc


@pytest.mark.parametrize(("function", "value", "text"), [
    (visitor.visit_str_from_json, 1, "Invalid parameter type for 'o.m', expected: string"),
    (visitor.visit_str_from_json, ABSENT, "Parameter 'o.m' is missing"),
    (visitor.visit_bool_from_json, 0, "Invalid parameter type for 'o.m', expected: boolean"),
    (visitor.visit_number_from_json, "1", "Invalid parameter type for 'o.m', expected: number"),
    (visitor.visit_number_from_json, 10 ** 400,
     "Invalid parameter type for 'o.m', expected: number"),
    (visitor.visit_int_from_json, True, "Invalid parameter type for 'o.m', expected: integer"),
    (visitor.visit_int_from_json, 1 << 63, "Invalid parameter type for 'o.m', expected: integer"),
    (visitor.visit_int8_from_json, 128, "Parameter 'o.m' expects int8_t"),
    (visitor.visit_int16_from_json, -32769, "Parameter 'o.m' expects int16_t"),
    (visitor.visit_int32_from_json, 1.5, "Invalid parameter type for 'o.m', expected: integer"),
    (visitor.visit_uint8_from_json, 256, "Parameter 'o.m' expects uint8_t"),
    (visitor.visit_uint16_from_json, -1, "Parameter 'o.m' expects uint16_t"),
    (visitor.visit_uint32_from_json, "x", "Parameter 'o.m' expects uint64"),
    (visitor.visit_uint64_from_json, 1 << 64, "Parameter 'o.m' expects uint64"),
    (visitor.visit_size_from_json, -(1 << 63) - 1, "Parameter 'o.m' expects uint64"),
    (visitor.visit_null_from_json, 0, "Invalid parameter type for 'o.m', expected: null"),
    (visitor.visit_any_from_json, ABSENT, "Parameter 'o.m' is missing"),
    (visitor.visit_strList_from_json, "a", "Invalid parameter type for 'o.m', expected: array"),
])
def test_builtin_errors(function: Any, value: Any, text: str) -> None:
    assert message(function, value) == text


def test_builtin_values() -> None:
    assert visitor.visit_number_from_json(3) == 3.0
    assert visitor.visit_uint64_from_json(-2) == (1 << 64) - 2
    assert visitor.visit_any_from_json(None) is None
    assert visitor.visit_intList_from_json([1, -2]) == [1, -2]
    with pytest.raises(QAPIVisitError, match=r"'\[1\]' expects uint8_t"):
        visitor.visit_uint8List_from_json([1, 300])


def test_top_level_values_are_anonymous() -> None:
    with pytest.raises(QAPIVisitError, match="'<anonymous>', expected: string"):
        visitor.visit_str_from_json(None)
