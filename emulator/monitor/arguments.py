"""Checking the arguments of the emulator's QMP commands.

The generated marshallers of the schema's commands will do this from the
schema; until they exist, each command declares its arguments here, and
the checks give QEMU's QObject input visitor's messages for them
(including its quirks, such as naming a list element of enum type
``'null'``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runtime.errors import GenericError

Check = Callable[[Any, str], Any]


def _unexpected(name: str) -> GenericError:
    return GenericError(f"Parameter '{name}' is unexpected")


def _missing(name: str) -> GenericError:
    return GenericError(f"Parameter '{name}' is missing")


def _wrong_type(name: str, expected: str) -> GenericError:
    return GenericError(f"Invalid parameter type for '{name}', expected: {expected}")


def string(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise _wrong_type(name, "string")
    return value


def enum(values: tuple[str, ...], in_list: bool = False) -> Check:
    def check(value: Any, name: str) -> str:
        if not isinstance(value, str):
            raise _wrong_type(name, "string")
        if value not in values:
            # QEMU names an enum list element 'null' here.
            shown = "null" if in_list else name.rpartition(".")[2]
            raise GenericError(f"Parameter '{shown}' does not accept value '{value}'")
        return value
    return check


def list_of(element: Check) -> Check:
    def check(value: Any, name: str) -> list[Any]:
        if not isinstance(value, list):
            raise _wrong_type(name, "array")
        return [element(item, f"{name}[{index}]") for index, item in enumerate(value)]
    return check


@dataclass(frozen=True)
class Member:
    name: str
    check: Check
    optional: bool = False


def members(value: dict[str, Any], declared: tuple[Member, ...], path: str = "") -> dict[str, Any]:
    """The checked members of an object, by Python name (``-`` as ``_``)."""
    result: dict[str, Any] = {}
    for member in declared:
        full_name = f"{path}.{member.name}" if path else member.name
        if member.name not in value:
            if not member.optional:
                raise _missing(full_name)
            continue
        result[member.name.replace("-", "_")] = member.check(value[member.name], full_name)
    for name in value:
        if all(member.name != name for member in declared):
            raise _unexpected(f"{path}.{name}" if path else name)
    return result


def union(tag: str, tag_values: tuple[str, ...], branches: dict[str, tuple[Member, ...]]) -> Check:
    """A flat union: object with discriminator ``tag``."""
    def check(value: Any, name: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _wrong_type(name, "object")
        if tag not in value:
            raise _missing(f"{name}.{tag}")
        kind = enum(tag_values)(value[tag], tag)
        result = members({key: item for key, item in value.items() if key != tag},
                         branches.get(kind, ()), name)
        result[tag] = kind
        return result
    return check
