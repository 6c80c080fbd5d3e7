"""Checks on the expressions of a schema, before any IR exists.

Each definition is checked against the shape its kind allows (keys,
value types, names, conditions, features, flags) and normalized: the
shorthand forms of members, enum values and features become objects.
What needs the whole schema (types exist, members don't clash) is
checked later, in `qapi.schema`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

from qapi.common import c_name
from qapi.error import QAPISemError
from qapi.parser import TopLevelExpr
from qapi.source import SourceInfo
from qapi.values import JSONArray, JSONObject

META_KEYS = ("enum", "struct", "union", "alternate", "command", "event")

# An optional downstream prefix __RFQDN_, the 'x-' prefix, then the stem.
_VALID_NAME = re.compile(r"(__[a-z0-9.-]+_)?(x-)?([a-z][a-z0-9_-]*)$", re.IGNORECASE)
_CAMEL_STEM = re.compile(r"[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$")
_IF_IDENTIFIER = re.compile(r"[A-Z][A-Z0-9_]*")


def _where(container: Any, key: str | int, default: SourceInfo) -> SourceInfo:
    if isinstance(container, JSONObject) and isinstance(key, str):
        return container.where(key)
    if isinstance(container, JSONArray) and isinstance(key, int):
        return container.where(key)
    return default


# -- names ---------------------------------------------------------------------

def check_name_is_str(name: object, info: SourceInfo, source: str) -> None:
    if not isinstance(name, str):
        raise QAPISemError(info, f"{source} requires a string name")


def check_name_str(name: str, info: SourceInfo, source: str) -> str:
    """Check a name's characters and prefixes; return its stem."""
    match = _VALID_NAME.match(name)
    if not match or c_name(name, False).startswith("q_"):
        raise QAPISemError(info, f"{source} has an invalid name")
    return match.group(3)


def check_name_upper(name: str, info: SourceInfo, source: str) -> None:
    stem = check_name_str(name, info, source)
    if re.search(r"[a-z-]", stem):
        raise QAPISemError(info, f"name of {source} must not use lowercase or '-'")


def check_name_lower(name: str, info: SourceInfo, source: str,
                     permit_upper: bool = False, permit_underscore: bool = False) -> None:
    stem = check_name_str(name, info, source)
    if (not permit_upper and re.search(r"[A-Z]", stem)) or (
            not permit_underscore and "_" in stem):
        raise QAPISemError(info, f"name of {source} must not use uppercase or '_'")


def check_name_camel(name: str, info: SourceInfo, source: str) -> None:
    stem = check_name_str(name, info, source)
    if not _CAMEL_STEM.match(stem):
        raise QAPISemError(info, f"name of {source} must use CamelCase")


def check_defn_name_str(name: str, info: SourceInfo, meta: str) -> None:
    """Events are UPPER_CASE, commands lower-case, types CamelCase."""
    if meta == "event":
        check_name_upper(name, info, meta)
    elif meta == "command":
        check_name_lower(name, info, meta,
                         permit_underscore=name in info.pragma.command_name_exceptions)
    else:
        check_name_camel(name, info, meta)
        if name.endswith("List"):
            raise QAPISemError(info, f"{meta} name should not end in 'List'")


# -- keys, flags, conditions, features -------------------------------------------

def _quoted_list(names: Iterable[str]) -> str:
    return ", ".join(f"'{name}'" for name in sorted(names))


def check_keys(value: JSONObject, info: SourceInfo, source: str,
               required: Collection[str], optional: Collection[str]) -> None:
    missing = set(required) - set(value)
    if missing:
        raise QAPISemError(
            info, f"{source} misses key{'s' if len(missing) > 1 else ''} "
                  f"{_quoted_list(missing)}")
    allowed = set(required) | set(optional)
    unknown = set(value) - allowed
    if unknown:
        first = min(unknown, key=lambda key: list(value).index(key))
        raise QAPISemError(
            value.where(first),
            f"{source} has unknown key{'s' if len(unknown) > 1 else ''} "
            f"{_quoted_list(unknown)}\nValid keys are {_quoted_list(allowed)}.")


def check_flags(expr: JSONObject) -> None:
    for key in ("gen", "success-response"):
        if key in expr and expr[key] is not False:
            raise QAPISemError(expr.where(key), f"flag '{key}' may only use false value")
    for key in ("boxed", "allow-oob", "allow-preconfig", "coroutine"):
        if key in expr and expr[key] is not True:
            raise QAPISemError(expr.where(key), f"flag '{key}' may only use true value")
    if "allow-oob" in expr and "coroutine" in expr:
        raise QAPISemError(expr.info, "flags 'allow-oob' and 'coroutine' are incompatible")


def check_if(expr: JSONObject, info: SourceInfo, source: str) -> None:
    """Check the optional 'if' of ``expr``: a name, or all/any/not of conditions."""
    if "if" not in expr:
        return
    info = expr.where("if")

    def check_cond(cond: object) -> None:
        if isinstance(cond, str):
            if not _IF_IDENTIFIER.fullmatch(cond):
                raise QAPISemError(
                    info, f"'if' condition '{cond}' of {source} is not a valid identifier")
            return
        if not isinstance(cond, JSONObject):
            raise QAPISemError(
                info, f"'if' condition of {source} must be a string or an object")
        check_keys(cond, info, f"'if' condition of {source}", [], ["all", "any", "not"])
        if len(cond) != 1:
            raise QAPISemError(info, f"'if' condition of {source} has conflicting keys")
        operator, operand = next(iter(cond.items()))
        if operator == "not":
            check_cond(operand)
            return
        if not isinstance(operand, list):
            raise QAPISemError(info, f"'{operator}' condition of {source} must be an array")
        if not operand:
            raise QAPISemError(info, f"'if' condition [] of {source} is useless")
        for sub in operand:
            check_cond(sub)

    check_cond(expr["if"])


def _as_object(value: Any, key: str, info: SourceInfo) -> JSONObject:
    """The long form ``{key: value}`` of a shorthand, or ``value`` itself."""
    if isinstance(value, JSONObject):
        return value
    obj = JSONObject(info)
    obj[key] = value
    obj.key_info[key] = info
    return obj


def _normalize_list(values: JSONArray, key: str) -> None:
    for i, value in enumerate(values):
        values[i] = _as_object(value, key, values.where(i))


def check_features(container: JSONObject) -> None:
    """Check and normalize the optional 'features' of ``container``."""
    if "features" not in container:
        return
    features = container["features"]
    info = container.where("features")
    if not isinstance(features, JSONArray):
        raise QAPISemError(info, "'features' must be an array")
    _normalize_list(features, "name")
    for feat in features:
        source = "'features' member"
        check_keys(feat, feat.info, source, ["name"], ["if"])
        check_name_is_str(feat["name"], feat.info, source)
        source = f"{source} '{feat['name']}'"
        check_name_lower(feat["name"], feat.info, source)
        check_if(feat, feat.info, source)


# -- type references and members ---------------------------------------------------

def normalize_members(members: object) -> None:
    """Turn each ``'name': TYPE-REF`` into ``'name': {'type': TYPE-REF}``."""
    if isinstance(members, JSONObject):
        for key, value in members.items():
            members[key] = _as_object(value, "type", members.where(key))


def check_type(value: object, info: SourceInfo, source: str,
               allow_array: bool = False, allow_dict: bool | str = False) -> None:
    """Check a type reference, or with ``allow_dict`` an inline MEMBERS object.

    ``allow_dict`` may name the type whose members these are, for the
    'member-name-exceptions' pragma.
    """
    if value is None or isinstance(value, str):
        return
    if isinstance(value, list):
        if not allow_array:
            raise QAPISemError(info, f"{source} cannot be an array")
        if len(value) != 1 or not isinstance(value[0], str):
            raise QAPISemError(info, f"{source}: array type must contain single type name")
        return
    if not allow_dict:
        raise QAPISemError(info, f"{source} should be a type name")
    if not isinstance(value, JSONObject):
        raise QAPISemError(info, f"{source} should be an object or type name")
    permissive = isinstance(allow_dict, str) and allow_dict in info.pragma.member_name_exceptions
    for key, member in value.items():
        member_info = value.where(key)
        key_source = f"{source} member '{key}'"
        name = key[1:] if key.startswith("*") else key
        check_name_lower(name, member_info, key_source,
                         permit_upper=permissive, permit_underscore=permissive)
        if c_name(name, False) == "u" or c_name(name, False).startswith("has_"):
            raise QAPISemError(member_info, f"{key_source} uses reserved name")
        check_keys(member, member_info, key_source, ["type"], ["if", "features"])
        check_if(member, member_info, key_source)
        check_features(member)
        check_type(member["type"], member.where("type"), key_source, allow_array=True)


# -- definitions ---------------------------------------------------------------

def check_enum(expr: JSONObject, info: SourceInfo) -> None:
    name = expr["enum"]
    values = expr["data"]
    if not isinstance(values, JSONArray):
        raise QAPISemError(expr.where("data"), "'data' must be an array")
    if "prefix" in expr and not isinstance(expr["prefix"], str):
        raise QAPISemError(expr.where("prefix"), "'prefix' must be a string")
    permissive = name in info.pragma.member_name_exceptions
    _normalize_list(values, "name")
    for value in values:
        source = "'data' member"
        check_keys(value, value.info, source, ["name"], ["if", "features"])
        value_name = value["name"]
        check_name_is_str(value_name, value.info, source)
        source = f"{source} '{value_name}'"
        # Enum values may start with a digit; check the rest as a name.
        if value_name[:1].isdigit():
            value_name = "d" + value_name
        check_name_lower(value_name, value.info, source,
                         permit_upper=permissive, permit_underscore=permissive)
        check_if(value, value.info, source)
        check_features(value)


def check_struct(expr: JSONObject, info: SourceInfo) -> None:
    check_type(expr["data"], expr.where("data"), "'data'", allow_dict=expr["struct"])
    if isinstance(expr["data"], str):
        # A struct has no other way to name its members.
        raise QAPISemError(expr.where("data"), "'data' must be an object")
    check_type(expr.get("base"), expr.where("base"), "'base'")


def check_union(expr: JSONObject, info: SourceInfo) -> None:
    base = expr["base"]
    branches = expr["data"]
    check_type(base, expr.where("base"), "'base'", allow_dict=expr["union"])
    check_name_is_str(expr["discriminator"], expr.where("discriminator"), "'discriminator'")
    if not isinstance(branches, JSONObject):
        raise QAPISemError(expr.where("data"), "'data' must be an object")
    for key, branch in branches.items():
        branch_info = branches.where(key)
        source = f"'data' member '{key}'"
        check_keys(branch, branch_info, source, ["type"], ["if"])
        check_if(branch, branch_info, source)
        check_type(branch["type"], branch.where("type"), source, allow_array=not base)


def check_alternate(expr: JSONObject, info: SourceInfo) -> None:
    branches = expr["data"]
    if not branches:
        raise QAPISemError(expr.where("data"), "'data' must not be empty")
    if not isinstance(branches, JSONObject):
        raise QAPISemError(expr.where("data"), "'data' must be an object")
    for key, branch in branches.items():
        branch_info = branches.where(key)
        source = f"'data' member '{key}'"
        check_name_lower(key, branch_info, source)
        check_keys(branch, branch_info, source, ["type"], ["if"])
        check_if(branch, branch_info, source)
        check_type(branch["type"], branch.where("type"), source, allow_array=True)


def check_command(expr: JSONObject, info: SourceInfo) -> None:
    boxed = expr.get("boxed", False)
    if boxed and "data" not in expr:
        raise QAPISemError(expr.where("boxed"), "'boxed': true requires 'data'")
    check_type(expr.get("data"), expr.where("data"), "'data'", allow_dict=not boxed)
    check_type(expr.get("returns"), expr.where("returns"), "'returns'", allow_array=True)


def check_event(expr: JSONObject, info: SourceInfo) -> None:
    boxed = expr.get("boxed", False)
    if boxed and "data" not in expr:
        raise QAPISemError(expr.where("boxed"), "'boxed': true requires 'data'")
    check_type(expr.get("data"), expr.where("data"), "'data'", allow_dict=not boxed)


_KEYS: dict[str, tuple[list[str], list[str]]] = {
    "enum": (["enum", "data"], ["if", "features", "prefix"]),
    "struct": (["struct", "data"], ["base", "if", "features"]),
    "union": (["union", "base", "discriminator", "data"], ["if", "features"]),
    "alternate": (["alternate", "data"], ["if", "features"]),
    "command": (["command"], ["data", "returns", "boxed", "if", "features", "gen",
                              "success-response", "allow-oob", "allow-preconfig",
                              "coroutine"]),
    "event": (["event"], ["data", "boxed", "if", "features"]),
}


def _mark_definition(value: object, meta: str, name: str) -> None:
    """Give every position inside a definition its "In META 'NAME'" context."""
    if isinstance(value, JSONObject):
        value.info.set_defn(meta, name)
        for key_info in value.key_info.values():
            key_info.set_defn(meta, name)
        for item in value.values():
            _mark_definition(item, meta, name)
    elif isinstance(value, JSONArray):
        value.info.set_defn(meta, name)
        for item_info in value.item_info:
            item_info.set_defn(meta, name)
        for item in value:
            _mark_definition(item, meta, name)


def check_exprs(exprs: list[TopLevelExpr]) -> list[TopLevelExpr]:
    """Check and normalize every definition; raise on the first error."""
    for elem in exprs:
        expr, info, doc = elem.expr, elem.info, elem.doc
        if "include" in expr:
            continue
        metas = [key for key in expr if key in META_KEYS]
        if len(metas) != 1:
            raise QAPISemError(
                info, "expression must have exactly one key "
                      "'enum', 'struct', 'union', 'alternate', 'command', 'event'")
        meta = metas[0]
        check_name_is_str(expr[meta], expr.where(meta), f"'{meta}'")
        name = expr[meta]
        info.set_defn(meta, name)
        _mark_definition(expr, meta, name)
        check_defn_name_str(name, expr.where(meta), meta)
        if doc is not None:
            if doc.symbol != name:
                raise QAPISemError(info, f"documentation comment is for '{doc.symbol}'")
            doc.check_expr(expr)
        elif info.pragma.doc_required:
            raise QAPISemError(info, "documentation comment required")
        required, optional = _KEYS[meta]
        check_keys(expr, info, meta, required, optional)
        if meta == "enum":
            check_enum(expr, info)
        elif meta == "union":
            normalize_members(expr.get("base"))
            normalize_members(expr["data"])
            check_union(expr, info)
        elif meta == "alternate":
            normalize_members(expr["data"])
            check_alternate(expr, info)
        elif meta == "struct":
            normalize_members(expr["data"])
            check_struct(expr, info)
        elif meta == "command":
            normalize_members(expr.get("data"))
            check_command(expr, info)
        else:
            normalize_members(expr.get("data"))
            check_event(expr, info)
        check_if(expr, info, meta)
        check_features(expr)
        check_flags(expr)
    return exprs
