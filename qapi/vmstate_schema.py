"""Device state descriptions: checks on the expressions, and the IR.

A description says which parts of a device's state migrate and how, as
QEMU's VMStateDescription does::

    { 'vmstate': 'serial', 'version': 3, 'minimum-version': 2,
      'pre-save': 'serial_pre_save', 'post-load': 'serial_post_load',
      'fields': [
        { 'name': 'divider', 'type': 'uint16', 'version': 2 },
        { 'name': 'rbr', 'type': 'uint8' },
        { 'name': 'fcr_vmstate', 'type': 'uint8', 'version': 3 } ],
      'subsections': [ 'serial/thr_ipending' ] }

Field forms (``name`` is the name on the wire and in the vmdesc; the
Python attribute path is ``member``, by default the name):

- scalar: ``'type'`` one of ``SCALAR_TYPES``; ``'equal': true`` (the
  loaded value must equal the current one) or ``'le': true`` (int32 only:
  0 <= loaded <= current);
- array: a scalar or struct with ``'array': N`` (fixed) or
  ``'array': 'member'`` (the length is an earlier field or a property;
  with ``'multiply': K``, K elements per unit of it);
- buffer: ``'type': 'buffer', 'size': N`` or ``'size': 'member'`` (with
  ``'multiply': K`` for K bytes per unit);
- unused bytes: ``'type': 'unused', 'size': N`` (named ``unused``);
- struct: ``'struct': 'description'``, with ``'struct-version': N`` for a
  struct saved at a version of its own;
- validation: ``'validate': 'callable'`` (no data; the load fails when
  the callable says the state is invalid).

Any field may have ``'version': N`` (present from version N on) or
``'test': 'callable'`` (present when the callable says so), and
``'info': 'name'`` (the name of QEMU's VMStateInfo that writes a buffer or
struct this way; the vmdesc then shows that type and no inner fields).

Hooks (``needed``, ``pre-save``, ``post-save``, ``pre-load``,
``post-load``), tests and validators are named as Python callables the
state object provides.  ``properties`` names the state's members that do
not migrate but size arrays or buffers.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from qapi.error import QAPISemError
from qapi.source import SourceInfo
from qapi.values import JSONArray, JSONObject
from qapi.vmstate_parser import DescriptionExpr, VMStateParser

# Scalar type -> (bytes on the wire, QEMU's VMStateInfo name).
SCALAR_TYPES: dict[str, tuple[int, str]] = {
    "bool": (1, "bool"),
    "int8": (1, "int8"),
    "int16": (2, "int16"),
    "int32": (4, "int32"),
    "int64": (8, "int64"),
    "uint8": (1, "uint8"),
    "uint16": (2, "uint16"),
    "uint32": (4, "uint32"),
    "uint64": (8, "uint64"),
    "timer": (8, "timer"),
}
# The VMStateInfo names of the checked forms, as QEMU spells them.
EQUAL_INFO = {
    "int32": "int32 equal",
    "uint8": "uint8 equal",
    "uint16": "uint16 equal",
    "uint32": "uint32 equal",
    "uint64": "int64 equal",
}
LE_INFO = {"int32": "int32 le"}

# QEMU keeps names in 256-byte buffers with a one-byte length.
MAX_NAME_LENGTH = 255
# Field counts and byte sizes are C ints in QEMU.
MAX_COUNT = 2**31 - 1

_DESCRIPTION_KEYS = ("vmstate", "name", "version", "minimum-version", "fields", "subsections",
                     "needed", "pre-save", "post-save", "pre-load", "post-load",
                     "properties")
_HOOK_KEYS = ("needed", "pre-save", "post-save", "pre-load", "post-load")
_FIELD_KEYS = ("name", "member", "type", "struct", "struct-version", "array", "size",
               "multiply", "version", "test", "equal", "le", "info", "validate")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass
class VMStateField:
    """One field of a description, checked."""

    info: SourceInfo
    name: str
    member: str
    kind: str                          # scalar, buffer, unused, struct, validate
    type: str | None = None            # scalar type name
    element_size: int = 0              # bytes per scalar, or fixed buffer size
    array: int | None = None           # fixed element count
    array_member: str | None = None    # element count from this member
    size_member: str | None = None     # buffer size from this member
    multiply: int = 1                  # bytes or elements per unit of a length member
    struct_name: str | None = None
    struct: VMStateDescription | None = None
    struct_version: int | None = None
    version: int = 0
    test: str | None = None
    compare: str | None = None         # 'equal' or 'le'
    info_name: str | None = None       # custom VMStateInfo name
    validate: str | None = None
    vmdesc_name: str = ""              # name in the vmdesc (made unique)

    @property
    def is_array(self) -> bool:
        return self.array is not None or self.array_member is not None

    @property
    def vmdesc_type(self) -> str:
        """The type QEMU's vmdesc shows for this field."""
        if self.info_name is not None:
            return self.info_name
        if self.kind == "struct":
            return "vstruct" if self.struct_version is not None else "struct"
        if self.kind == "buffer":
            return "buffer"
        if self.kind == "unused":
            return "unused_buffer"
        if self.type is None:
            return "unknown"
        if self.compare == "equal":
            return EQUAL_INFO[self.type]
        if self.compare == "le":
            return LE_INFO[self.type]
        return SCALAR_TYPES[self.type][1]

    @property
    def describes_struct(self) -> bool:
        """Whether the vmdesc nests the struct's own description."""
        return self.kind == "struct" and self.info_name is None \
            and self.struct_version is None

    def can_compress(self) -> bool:
        """Whether the vmdesc lists an array of this field once, with array_len."""
        if self.test is not None:
            return False
        if self.describes_struct:
            assert self.struct is not None
            if self.struct.subsections:
                return False
            return all(sub.can_compress() for sub in self.struct.fields)
        return True


@dataclass
class VMStateDescription:
    """A device state description (QEMU's VMStateDescription), checked."""

    info: SourceInfo
    key: str                           # how descriptions refer to it
    name: str                          # its name in the stream and the vmdesc
    version: int
    minimum_version: int
    fields: list[VMStateField] = field(default_factory=list)
    subsections: list[VMStateDescription] = field(default_factory=list)
    hooks: dict[str, str] = field(default_factory=dict)
    properties: list[str] = field(default_factory=list)
    doc: str = ""
    subsection_names: list[tuple[str, SourceInfo]] = field(default_factory=list)

    @property
    def needed(self) -> str | None:
        return self.hooks.get("needed")

    def hook(self, name: str) -> str | None:
        return self.hooks.get(name)


class VMStateSchema:
    """All descriptions of a description file and the files it includes.

    ``descriptions`` maps each name to its description, in the order
    written (inline subsections just after the description holding them).
    """

    def __init__(self, fname: str) -> None:
        self.fname = fname
        parser = VMStateParser(fname)
        self.descriptions: dict[str, VMStateDescription] = {}
        for definition in parser.exprs:
            self._define(definition.expr, definition.info, definition.doc)
        for description in self.descriptions.values():
            self._resolve(description)
        for description in self.descriptions.values():
            _check_no_cycle(description, [])

    def __iter__(self) -> Iterator[VMStateDescription]:
        return iter(self.descriptions.values())

    def lookup(self, name: str) -> VMStateDescription | None:
        return self.descriptions.get(name)

    # -- definitions -----------------------------------------------------

    def _define(self, expr: JSONObject, info: SourceInfo, doc: str) -> VMStateDescription:
        """Check one description (and those written inline in it) and add it."""
        if "vmstate" not in expr:
            raise QAPISemError(info, "expression is missing metatype 'vmstate'")
        name = expr["vmstate"]
        _check_name(name, expr.where("vmstate"), "'vmstate'")
        info.set_defn("vmstate", name)
        _set_defn_deep(expr, name)
        _check_keys(expr, info, _DESCRIPTION_KEYS, f"vmstate '{name}'")
        if name in self.descriptions:
            other = self.descriptions[name].info
            raise QAPISemError(info, f"'{name}' is already defined at {other.loc()}")
        if "version" not in expr:
            raise QAPISemError(info, f"vmstate '{name}' misses key 'version'")
        version = _integer(expr, "version", f"vmstate '{name}'")
        minimum = _integer(expr, "minimum-version", f"vmstate '{name}'") \
            if "minimum-version" in expr else 0
        if minimum > version:
            raise QAPISemError(
                expr.where("minimum-version"),
                f"vmstate '{name}': 'minimum-version' {minimum} is above 'version' {version}")
        wire_name = name
        if "name" in expr:
            wire_name = expr["name"]
            _check_name(wire_name, expr.where("name"), f"vmstate '{name}': 'name'")
        description = VMStateDescription(info, name, wire_name, version, minimum, doc=doc)
        self.descriptions[name] = description
        for key in _HOOK_KEYS:
            if key in expr:
                description.hooks[key] = _callable(expr, key, f"vmstate '{name}'")
        if "properties" in expr:
            description.properties = _properties(expr, name)
        fields = expr.get("fields", JSONArray(info))
        if not isinstance(fields, JSONArray):
            raise QAPISemError(expr.where("fields"), f"vmstate '{name}': 'fields' must be an array")
        for index, field_expr in enumerate(fields):
            description.fields.append(self._field(description, field_expr, fields.where(index)))
        _name_vmdesc_fields(description.fields)
        subsections = expr.get("subsections", JSONArray(info))
        if not isinstance(subsections, JSONArray):
            raise QAPISemError(expr.where("subsections"),
                               f"vmstate '{name}': 'subsections' must be an array")
        for index, sub in enumerate(subsections):
            where = subsections.where(index)
            if isinstance(sub, JSONObject):
                sub_name = self._define(sub, sub.info, "").key
            elif isinstance(sub, str):
                sub_name = sub
            else:
                raise QAPISemError(
                    where, f"vmstate '{name}': a subsection must be a name or a description")
            description.subsection_names.append((sub_name, where))
        return description

    def _field(self, description: VMStateDescription, expr: Any,
               info: SourceInfo) -> VMStateField:
        owner = f"vmstate '{description.key}'"
        if not isinstance(expr, JSONObject):
            raise QAPISemError(info, f"{owner}: a field must be an object")
        kind = _field_kind(expr, info, owner)
        default_name = "unused" if kind == "unused" else None
        if "name" in expr:
            name = expr["name"]
            _check_name(name, expr.where("name"), f"{owner}: field 'name'")
        elif default_name is not None:
            name = default_name
        else:
            raise QAPISemError(info, f"{owner}: field misses key 'name'")
        what = f"{owner} field '{name}'"
        _check_keys(expr, info, _FIELD_KEYS, what)
        member = name
        if "member" in expr:
            member = expr["member"]
            if not isinstance(member, str) or isinstance(member, bool):
                raise QAPISemError(expr.where("member"), f"{what}: 'member' must be a string")
        if kind not in ("unused", "validate"):
            _check_member_path(member, expr.where("member" if "member" in expr else "name"),
                               what)
        result = VMStateField(info, name, member, kind)
        allowed = {"name", "member", "version", "test"}
        if kind == "scalar":
            self._scalar_field(result, expr, what)
            allowed |= {"type", "array", "multiply", "equal", "le", "info"}
        elif kind == "buffer":
            self._buffer_field(result, expr, what)
            allowed |= {"type", "size", "multiply", "info"}
        elif kind == "unused":
            result.element_size = _integer(expr, "size", what, minimum=1) \
                if "size" in expr else _missing(info, what, "size")
            allowed |= {"type", "size"}
        elif kind == "struct":
            result.struct_name = _string(expr, "struct", what)
            if "struct-version" in expr:
                result.struct_version = _integer(expr, "struct-version", what)
            allowed |= {"struct", "struct-version", "array", "multiply", "info"}
        else:
            result.validate = _callable(expr, "validate", what)
            allowed = {"name", "validate"}
        for key in expr:
            if key not in allowed:
                raise QAPISemError(expr.where(key), f"{what}: '{key}' does not apply here")
        if "multiply" in expr and "array" not in expr and kind != "buffer":
            raise QAPISemError(expr.where("multiply"),
                               f"{what}: 'multiply' needs a variable 'array'")
        if "array" in expr:
            if result.compare is not None:
                raise QAPISemError(expr.where("array"),
                                   f"{what}: '{result.compare}' does not apply to arrays")
            self._array(result, expr, description, what)
        if "version" in expr:
            result.version = _integer(expr, "version", what)
            if result.version > description.version:
                raise QAPISemError(
                    expr.where("version"),
                    f"{what}: version {result.version} is newer than the description's "
                    f"version {description.version}")
        if "test" in expr:
            if "version" in expr:
                raise QAPISemError(expr.where("test"),
                                   f"{what}: 'test' and 'version' exclude each other")
            result.test = _callable(expr, "test", what)
        if "info" in expr:
            result.info_name = _string(expr, "info", what)
        if result.size_member is not None:
            _check_length_member(description, result.size_member, expr.where("size"), what)
        return result

    @staticmethod
    def _scalar_field(result: VMStateField, expr: JSONObject, what: str) -> None:
        type_name = expr["type"]
        result.type = type_name
        result.element_size = SCALAR_TYPES[type_name][0]
        for key, table in (("equal", EQUAL_INFO), ("le", LE_INFO)):
            if key not in expr:
                continue
            if not isinstance(expr[key], bool):
                raise QAPISemError(expr.where(key), f"{what}: '{key}' must be a boolean")
            if not expr[key]:
                continue
            if result.compare is not None:
                raise QAPISemError(expr.where(key), f"{what}: 'equal' and 'le' exclude each other")
            if type_name not in table:
                forms = ", ".join(sorted(table))
                raise QAPISemError(expr.where(key),
                                   f"{what}: '{key}' applies to {forms}, not '{type_name}'")
            result.compare = key

    @staticmethod
    def _buffer_field(result: VMStateField, expr: JSONObject, what: str) -> None:
        if "size" not in expr:
            raise QAPISemError(expr.info, f"{what}: a buffer needs 'size'")
        size = expr["size"]
        if isinstance(size, str):
            result.size_member = size
            _check_member_path(size, expr.where("size"), what)
            if "multiply" in expr:
                result.multiply = _integer(expr, "multiply", what, minimum=1)
        else:
            result.element_size = _integer(expr, "size", what)
            if "multiply" in expr:
                raise QAPISemError(expr.where("multiply"),
                                   f"{what}: 'multiply' needs a variable 'size'")

    @staticmethod
    def _array(result: VMStateField, expr: JSONObject, description: VMStateDescription,
               what: str) -> None:
        count = expr["array"]
        if isinstance(count, str):
            _check_member_path(count, expr.where("array"), what)
            _check_length_member(description, count, expr.where("array"), what)
            result.array_member = count
            if "multiply" in expr:
                result.multiply = _integer(expr, "multiply", what, minimum=1)
        else:
            result.array = _integer(expr, "array", what)
            if "multiply" in expr:
                raise QAPISemError(expr.where("multiply"),
                                   f"{what}: 'multiply' needs a variable 'array'")

    # -- references ------------------------------------------------------

    def _resolve(self, description: VMStateDescription) -> None:
        key = description.key
        for member in description.fields:
            if member.struct_name is None:
                continue
            target = self.descriptions.get(member.struct_name)
            if target is None:
                raise QAPISemError(
                    member.info, f"vmstate '{key}' field '{member.name}': "
                    f"unknown description '{member.struct_name}'")
            member.struct = target
        seen: set[str] = set()
        for sub_key, where in description.subsection_names:
            target = self.descriptions.get(sub_key)
            if target is None:
                raise QAPISemError(where, f"vmstate '{key}': unknown subsection '{sub_key}'")
            if target.name in seen:
                raise QAPISemError(
                    where, f"vmstate '{key}': subsection '{target.name}' is listed twice")
            seen.add(target.name)
            parent = description.name
            if not (target.name.startswith(parent) and len(target.name) > len(parent)):
                raise QAPISemError(
                    where, f"vmstate '{key}': subsection '{target.name}' must have a name "
                    f"that starts with '{parent}' and is longer")
            if target.needed is None:
                raise QAPISemError(
                    where, f"vmstate '{key}': subsection '{sub_key}' has no 'needed' callable")
            description.subsections.append(target)


def _check_no_cycle(description: VMStateDescription, path: list[str]) -> None:
    if description.key in path:
        chain = " -> ".join(path[path.index(description.key):] + [description.key])
        raise QAPISemError(description.info,
                           f"vmstate '{description.key}' contains itself: {chain}")
    path.append(description.key)
    for member in description.fields:
        if member.struct is not None:
            _check_no_cycle(member.struct, path)
    for sub in description.subsections:
        _check_no_cycle(sub, path)
    path.pop()


def _field_kind(expr: JSONObject, info: SourceInfo, owner: str) -> str:
    forms = [key for key in ("type", "struct", "validate") if key in expr]
    if len(forms) != 1:
        raise QAPISemError(info, f"{owner}: a field needs exactly one of 'type', 'struct', "
                           "'validate'")
    if forms[0] != "type":
        return forms[0]
    type_name = expr["type"]
    if not isinstance(type_name, str) or isinstance(type_name, bool):
        raise QAPISemError(expr.where("type"), f"{owner}: 'type' must be a string")
    if type_name in ("buffer", "unused"):
        return type_name
    if type_name not in SCALAR_TYPES:
        known = ", ".join([*SCALAR_TYPES, "buffer", "unused"])
        raise QAPISemError(expr.where("type"),
                           f"{owner}: unknown type '{type_name}' (known: {known})")
    return "scalar"


def _name_vmdesc_fields(fields: list[VMStateField]) -> None:
    """Give repeated names the ``name[N]`` spelling QEMU's vmdesc uses."""
    counts: dict[str, int] = {}
    for member in fields:
        counts[member.name] = counts.get(member.name, 0) + 1
    seen: dict[str, int] = {}
    for member in fields:
        if counts[member.name] == 1:
            member.vmdesc_name = member.name
            continue
        index = seen.get(member.name, 0)
        seen[member.name] = index + 1
        member.vmdesc_name = f"{member.name}[{index}]"


def _check_length_member(description: VMStateDescription, member: str, info: SourceInfo,
                         what: str) -> None:
    if member in description.properties:
        return
    for earlier in description.fields:
        if earlier.member == member and earlier.kind == "scalar" and not earlier.is_array:
            if earlier.type in ("bool", "timer"):
                break
            return
    raise QAPISemError(
        info, f"{what}: length '{member}' is neither an integer field before it nor one of "
        "the description's 'properties'")


def _check_keys(expr: JSONObject, info: SourceInfo, known: tuple[str, ...], what: str) -> None:
    for key in expr:
        if not isinstance(key, str):
            raise QAPISemError(expr.where(key), f"{what}: keys must be strings")
        if key not in known:
            raise QAPISemError(expr.where(key), f"{what} has unknown key '{key}'")


def _check_name(name: Any, info: SourceInfo, what: str) -> None:
    if not isinstance(name, str) or isinstance(name, bool):
        raise QAPISemError(info, f"{what} must be a string")
    if not name:
        raise QAPISemError(info, f"{what} must not be empty")
    if len(name.encode()) > MAX_NAME_LENGTH:
        raise QAPISemError(info, f"{what} is longer than {MAX_NAME_LENGTH} bytes")


def _check_member_path(path: str, info: SourceInfo, what: str) -> None:
    for part in path.split("."):
        if not _IDENTIFIER.match(part) or keyword.iskeyword(part):
            raise QAPISemError(
                info, f"{what}: '{path}' is not a Python attribute path; "
                "give the attribute path as 'member'")


def _integer(expr: JSONObject, key: str, what: str, minimum: int = 0) -> int:
    value = expr[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise QAPISemError(expr.where(key), f"{what}: '{key}' must be an integer")
    if value < minimum or value > MAX_COUNT:
        raise QAPISemError(expr.where(key),
                           f"{what}: '{key}' must be between {minimum} and {MAX_COUNT}")
    return value


def _string(expr: JSONObject, key: str, what: str) -> str:
    value = expr[key]
    if not isinstance(value, str) or isinstance(value, bool) or not value:
        raise QAPISemError(expr.where(key), f"{what}: '{key}' must be a non-empty string")
    return value


def _callable(expr: JSONObject, key: str, what: str) -> str:
    value = expr[key]
    if not isinstance(value, str) or not _IDENTIFIER.match(value) or keyword.iskeyword(value):
        raise QAPISemError(expr.where(key),
                           f"{what}: '{key}' must name a Python callable (an identifier)")
    return value


def _properties(expr: JSONObject, name: str) -> list[str]:
    value = expr["properties"]
    what = f"vmstate '{name}'"
    if not isinstance(value, JSONArray):
        raise QAPISemError(expr.where("properties"), f"{what}: 'properties' must be an array")
    result = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise QAPISemError(value.where(index), f"{what}: a property must be a string")
        _check_member_path(item, value.where(index), what)
        result.append(item)
    return result


def _missing(info: SourceInfo, what: str, key: str) -> int:
    raise QAPISemError(info, f"{what} misses key '{key}'")


def _set_defn_deep(value: Any, name: str) -> None:
    """Make every position inside a definition name it in messages."""
    if isinstance(value, JSONObject):
        value.info.set_defn("vmstate", name)
        for key_info in value.key_info.values():
            key_info.set_defn("vmstate", name)
        for item in value.values():
            _set_defn_deep(item, name)
    elif isinstance(value, JSONArray):
        value.info.set_defn("vmstate", name)
        for item_info in value.item_info:
            item_info.set_defn("vmstate", name)
        for item in value:
            _set_defn_deep(item, name)


def load_descriptions(fname: str) -> VMStateSchema:
    """Read and check a description file (and its includes)."""
    return VMStateSchema(fname)


__all__ = ["DescriptionExpr", "VMStateDescription", "VMStateField", "VMStateSchema",
           "load_descriptions", "SCALAR_TYPES"]
