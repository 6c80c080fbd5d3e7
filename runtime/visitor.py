"""The visitor core: what generated visitors share, and the visitors of the
built-in types.

A visitor reads a value as ``json.loads`` gives it (dict, list, str, int,
float, bool, None) into QAPI objects, or writes objects back.  Input is
checked as strictly as QEMU's QObject input visitor, with its messages.

Every input visitor is called as ``visit_T_from_json(value, path, key)``:
``key`` is the member name or list index of ``value`` in its container
(``None`` for the top), ``path`` where that container is: a string such
as ``"a.b"`` (``""`` for the top), or, as the visitors pass it to each
other, a ``(path, key)`` pair.  The full name ``'a.b[2].c'`` is only
spelled out when an error is reported, so a successful visit builds no
strings.  A missing member is passed as ``ABSENT``; its visitor reports it
missing.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, NamedTuple, TypeVar

from runtime.config import evaluate
from runtime.errors import QAPIVisitError
from runtime.objects import ABSENT

Key = str | int | None
Path = str | tuple[Any, Key]
"""A container's location: a full name, or (container's Path, key)."""
EnumT = TypeVar("EnumT", bound=Enum)

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1


# -- names and errors ------------------------------------------------------------

def member_path(path: Path, key: Key) -> str:
    """The full name of member or element ``key`` of the container at ``path``."""
    keys = [key]
    while isinstance(path, tuple):
        path, parent_key = path
        keys.append(parent_key)
    name = path
    for each in reversed(keys):
        if each is None:
            continue
        if isinstance(each, int):
            name = f"{name}[{each}]"
        else:
            name = f"{name}.{each}" if name else each
    return name


def _name(path: Path, key: Key) -> str:
    # QEMU's name for the value of an anonymous top-level visit.
    return member_path(path, key) or "<anonymous>"


def missing(path: Path, key: Key) -> QAPIVisitError:
    return QAPIVisitError(f"Parameter '{_name(path, key)}' is missing")


def invalid_type(value: Any, path: Path, key: Key, expected: str) -> QAPIVisitError:
    """The value has the wrong JSON type (or is missing)."""
    if value is ABSENT:
        return missing(path, key)
    return QAPIVisitError(
        f"Invalid parameter type for '{_name(path, key)}', expected: {expected}")


def invalid_value(value: Any, path: Path, key: Key, expected: str) -> QAPIVisitError:
    """The value has the right JSON type but not an acceptable value."""
    if value is ABSENT:
        return missing(path, key)
    return QAPIVisitError(f"Parameter '{_name(path, key)}' expects {expected}")


def _bare_name(key: Key) -> str:
    """How QEMU names a value in its range, enum and alternate messages."""
    return key if isinstance(key, str) else "null"


def out_of_range(value: Any, path: Path, key: Key, expected: str) -> QAPIVisitError:
    """A sized integer outside its type's range."""
    if value is ABSENT:
        return missing(path, key)
    return QAPIVisitError(f"Parameter '{_name(path, key)}' expects {expected}",
                          f"Parameter '{_bare_name(key)}' expects {expected}")


def no_alternative(path: Path, key: Key, alternate: str) -> QAPIVisitError:
    """A value that fits none of an alternate's branches."""
    return QAPIVisitError(
        f"Invalid parameter type for '{_name(path, key)}', expected: {alternate}",
        f"Invalid parameter type for '{_bare_name(key)}', expected: {alternate}")


def unexpected(path: Path, key: Key) -> QAPIVisitError:
    return QAPIVisitError(f"Parameter '{_name(path, key)}' is unexpected")


def unexpected_member(members: dict[str, Any], known: frozenset[str],
                      path: Path) -> QAPIVisitError:
    """The error for the first member of an object its type does not have."""
    name = next(name for name in members if name not in known)
    return unexpected(path, name)


def check_members(members: dict[str, Any], known: frozenset[str], path: Path) -> None:
    """Reject members of an object that its type does not have."""
    if not members.keys() <= known:
        raise unexpected_member(members, known, path)


def absent_member(members: dict[str, Any], name: str, path: Path) -> Any:
    """``ABSENT``, for a member whose condition does not hold.

    Such a member does not exist, as in a QEMU built without the feature:
    giving it is an error, and leaving it out is fine even when it is
    mandatory.
    """
    if name in members:
        raise unexpected(path, name)
    return ABSENT


NO_MEMBERS: frozenset[str] = frozenset()


# -- built-in scalar types --------------------------------------------------------

def visit_str_from_json(value: Any, path: Path = "", key: Key = None) -> str:
    if isinstance(value, str):
        return value
    raise invalid_type(value, path, key, "string")


def visit_bool_from_json(value: Any, path: Path = "", key: Key = None) -> bool:
    if value is True or value is False:
        return bool(value)
    raise invalid_type(value, path, key, "boolean")


def visit_number_from_json(value: Any, path: Path = "", key: Key = None) -> float:
    if type(value) is float:
        return value
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:
            pass
    raise invalid_type(value, path, key, "number")


def visit_any_from_json(value: Any, path: Path = "", key: Key = None) -> Any:
    if value is ABSENT:
        raise missing(path, key)
    return value


def visit_null_from_json(value: Any, path: Path = "", key: Key = None) -> None:
    if value is None:
        return None
    raise invalid_type(value, path, key, "null")


def visit_int_from_json(value: Any, path: Path = "", key: Key = None) -> int:
    if type(value) is int and INT64_MIN <= value <= INT64_MAX:
        return value
    raise invalid_type(value, path, key, "integer")


visit_int64_from_json = visit_int_from_json


def _visit_signed(value: Any, path: Path, key: Key, low: int, high: int, name: str) -> int:
    if type(value) is int and low <= value <= high:
        return value
    # A JSON integer that fits int64 passes QEMU's type check, then its
    # range check; anything else fails the type check.
    visit_int_from_json(value, path, key)
    raise out_of_range(value, path, key, name)


def visit_int8_from_json(value: Any, path: Path = "", key: Key = None) -> int:
    return _visit_signed(value, path, key, -0x80, 0x7F, "int8_t")


def visit_int16_from_json(value: Any, path: Path = "", key: Key = None) -> int:
    return _visit_signed(value, path, key, -0x8000, 0x7FFF, "int16_t")


def visit_int32_from_json(value: Any, path: Path = "", key: Key = None) -> int:
    return _visit_signed(value, path, key, -0x80000000, 0x7FFFFFFF, "int32_t")


def visit_uint64_from_json(value: Any, path: Path = "", key: Key = None) -> int:
    if type(value) is int:
        if 0 <= value <= UINT64_MAX:
            return value
        if INT64_MIN <= value < 0:
            # QEMU accepts negative numbers for backward compatibility and
            # takes them modulo 2^64.
            return value + UINT64_MAX + 1
    raise invalid_value(value, path, key, "uint64")


visit_size_from_json = visit_uint64_from_json


def _visit_unsigned(value: Any, path: Path, key: Key, high: int, name: str) -> int:
    if type(value) is int and 0 <= value <= high:
        return value
    visit_uint64_from_json(value, path, key)
    raise out_of_range(value, path, key, name)


def visit_uint8_from_json(value: Any, path: Path = "", key: Key = None) -> int:
    return _visit_unsigned(value, path, key, 0xFF, "uint8_t")


def visit_uint16_from_json(value: Any, path: Path = "", key: Key = None) -> int:
    return _visit_unsigned(value, path, key, 0xFFFF, "uint16_t")


def visit_uint32_from_json(value: Any, path: Path = "", key: Key = None) -> int:
    return _visit_unsigned(value, path, key, 0xFFFFFFFF, "uint32_t")


def visit_scalar_to_json(value: Any) -> Any:
    """Built-in scalars are their own JSON form."""
    return value


# -- built-in lists ------------------------------------------------------------------

def visit_list_from_json(value: Any, path: Path, key: Key,
                         element: Callable[[Any, Path, Key], Any]) -> list[Any]:
    """A JSON array, each element read with ``element``."""
    if not isinstance(value, list):
        raise invalid_type(value, path, key, "array")
    here = (path, key)
    return [element(item, here, index) for index, item in enumerate(value)]


def _builtin_list(element: Callable[[Any, Path, Key], Any]) -> Callable[..., list[Any]]:
    def visit(value: Any, path: Path = "", key: Key = None) -> list[Any]:
        return visit_list_from_json(value, path, key, element)
    return visit


visit_strList_from_json = _builtin_list(visit_str_from_json)
visit_numberList_from_json = _builtin_list(visit_number_from_json)
visit_intList_from_json = _builtin_list(visit_int_from_json)
visit_int8List_from_json = _builtin_list(visit_int8_from_json)
visit_int16List_from_json = _builtin_list(visit_int16_from_json)
visit_int32List_from_json = _builtin_list(visit_int32_from_json)
visit_int64List_from_json = _builtin_list(visit_int64_from_json)
visit_uint8List_from_json = _builtin_list(visit_uint8_from_json)
visit_uint16List_from_json = _builtin_list(visit_uint16_from_json)
visit_uint32List_from_json = _builtin_list(visit_uint32_from_json)
visit_uint64List_from_json = _builtin_list(visit_uint64_from_json)
visit_sizeList_from_json = _builtin_list(visit_size_from_json)
visit_boolList_from_json = _builtin_list(visit_bool_from_json)
visit_anyList_from_json = _builtin_list(visit_any_from_json)
visit_nullList_from_json = _builtin_list(visit_null_from_json)


def visit_scalar_list_to_json(value: list[Any]) -> list[Any]:
    """A list of built-in scalars, copied."""
    return list(value)


# -- enumerations --------------------------------------------------------------------

def enum_lookup(enum_type: type[EnumT], conditional: dict[str, Any]) -> dict[str, EnumT]:
    """The values of an enumeration that exist whatever the configuration."""
    return {member.value: member for member in enum_type if member.value not in conditional}


def visit_enum_from_json(value: Any, path: Path, key: Key, enum_type: type[EnumT],
                         conditional: dict[str, Any]) -> EnumT:
    """Read a value of ``enum_type`` the slow way: conditional values, errors.

    Generated enum visitors look unconditional values up themselves and
    only come here when that fails.
    """
    if not isinstance(value, str):
        raise invalid_type(value, path, key, "string")
    try:
        member = enum_type(value)
    except (ValueError, TypeError):  # TypeError: an enumeration without values
        member = None
    if member is None or (value in conditional and not evaluate(conditional[value])):
        raise QAPIVisitError(
            f"Parameter '{_name(path, key)}' does not accept value '{value}'",
            f"Parameter '{_bare_name(key)}' does not accept value '{value}'")
    return member


def visit_enum_to_json(value: Enum) -> str:
    """The JSON form of an enumeration value (a plain string is taken too)."""
    return str(value)


# -- unions ------------------------------------------------------------------------------

class Branch(NamedTuple):
    """One branch of a union: how to read and write its members."""

    members_from_json: Callable[[dict[str, Any], Path, Any], int]
    """Reads the branch's members into the union object; returns how many."""
    members_to_json: Callable[[Any, dict[str, Any]], None]
    member_names: frozenset[str]
    """All member names of the union when this branch is in use."""
    ifcond: Any = None


def select_branch(branches: dict[str, Branch], tag: str) -> Branch | None:
    """The branch of a union a tag value selects, if it has members and
    its condition holds."""
    branch = branches.get(tag)
    if branch is None or branch.ifcond is None or evaluate(branch.ifcond):
        return branch
    return None
