"""What generated serializers link against: descriptions at run time, the
generic state record, hooks, subsections and vmdesc entries.

A generated module (``generator.vmstate``) defines a ``save_X`` and a
``load_X`` function per description and wraps each in a ``Description``.
The state object a description is saved from or loaded into is the
device itself (fields are its attributes, hooks its methods) or a
``Record``: plain data, for tools that read streams without a device
model.  A ``Record`` runs no hooks, answers ``needed`` by whether it holds
the subsection, and evaluates field tests from ``GENERIC_TESTS``.

The ``desc`` arguments take the vmdesc: the JSON description of what
was saved, in QEMU's layout.  While loading, each entry also carries the
loaded value under ``"data"`` (what ``runtime.migration.analyze`` prints).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from runtime.migration.errors import MigrationError
from runtime.migration.stream import StreamReader, StreamWriter

QEMU_VM_SUBSECTION = 0x05

# Struct elements that take no bytes on the wire cost nothing to claim;
# a stream may not make a reader create more of them than this.
MAX_EMPTY_ELEMENTS = 1 << 16

SaveFunction = Callable[[StreamWriter, Any, int, "dict[str, Any] | None"], None]
LoadFunction = Callable[[StreamReader, Any, int, "dict[str, Any] | None"], None]


class Record:
    """A device's migrated state as plain data: one attribute per member.

    ``subsections`` lists the names of the subsections it holds, in
    stream order.
    """

    def __init__(self, **values: Any) -> None:
        self.subsections: list[str] = []
        self.__dict__.update(values)

    def __repr__(self) -> str:
        items = ", ".join(f"{key}={value!r}" for key, value in self.__dict__.items()
                          if key != "subsections")
        return f"Record({items})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]


def _version_is_1(state: Any, version_id: int) -> bool:
    return version_id == 1


def _is_pcie(state: Any, version_id: int) -> bool:
    return bool(getattr(state, "express", False))


def _is_not_pcie(state: Any, version_id: int) -> bool:
    return not _is_pcie(state, version_id)


# Field tests for records, by the callable's name in the descriptions: what
# QEMU's function of that name decides, from the record's members.
GENERIC_TESTS: dict[str, Callable[[Any, int], bool]] = {
    "is_version_1": _version_is_1,
    "migrate_is_pcie": _is_pcie,
    "migrate_is_not_pcie": _is_not_pcie,
}


class Description:
    """A description at run time: its identity and its generated functions."""

    __slots__ = ("key", "name", "version", "minimum_version", "save", "load",
                 "subsections", "properties", "min_size", "needed", "__weakref__")

    def __init__(self, key: str, name: str, version: int, minimum_version: int,
                 save: SaveFunction, load: LoadFunction, properties: tuple[str, ...] = (),
                 min_size: int = 0, needed: str | None = None) -> None:
        self.key = key
        self.name = name
        self.version = version
        self.minimum_version = minimum_version
        self.save = save
        self.load = load
        self.subsections: dict[bytes, Description] = {}
        self.properties = properties
        self.min_size = min_size
        self.needed = needed

    def __repr__(self) -> str:
        return f"Description({self.key!r}, version {self.version})"

    def save_state(self, out: StreamWriter, state: Any,
                   desc: dict[str, Any] | None = None) -> None:
        """Write ``state`` at this description's version (QEMU's vmstate_save_state)."""
        self.save(out, state, self.version, desc)

    def load_state(self, inp: StreamReader, state: Any, version_id: int,
                   desc: dict[str, Any] | None = None) -> None:
        """Read ``state`` saved at ``version_id`` (QEMU's vmstate_load_state)."""
        self.load(inp, state, version_id, desc)


# -- hooks ---------------------------------------------------------------------


def call_hook(state: Any, method: str, vmsd: str, hook: str, *args: Any) -> None:
    """Run a pre/post save/load hook; a Record has none."""
    if type(state) is Record:
        return
    function = _method(state, method, vmsd, hook)
    try:
        result = function(*args)
    except MigrationError:
        raise
    except Exception as exc:  # a device's hook: whatever it raises fails the migration
        raise MigrationError(f"{hook} of '{vmsd}' failed: {exc}") from exc
    if result:
        raise MigrationError(f"{hook} of '{vmsd}' failed ({result})")


def is_needed(state: Any, method: str, subsection: str) -> bool:
    """Whether a subsection is to be sent."""
    if type(state) is Record:
        return subsection in state.subsections
    return bool(_method(state, method, subsection, "needed")())


def field_exists(state: Any, method: str, version_id: int, vmsd: str, field: str) -> bool:
    """A field test (QEMU's field_exists)."""
    if type(state) is Record:
        test = GENERIC_TESTS.get(method)
        if test is None:
            raise MigrationError(f"'{vmsd}' field '{field}': test '{method}' has no "
                                 "implementation for records")
        return test(state, version_id)
    return bool(_method(state, method, vmsd, f"test of field '{field}'")(version_id))


def check_valid(inp: StreamReader, state: Any, method: str, version_id: int, vmsd: str,
                field: str) -> None:
    """A validation field: the load fails unless the callable accepts the state."""
    if type(state) is Record:
        return
    if not _method(state, method, vmsd, f"validation '{field}'")(version_id):
        raise inp.error(f"input validation failed: {vmsd}/{field}")


def _method(state: Any, method: str, vmsd: str, what: str) -> Callable[..., Any]:
    function = getattr(state, method, None)
    if function is None or not callable(function):
        raise MigrationError(f"{type(state).__name__} has no method '{method}' "
                             f"(the {what} of '{vmsd}')")
    return function  # type: ignore[no-any-return]


# -- members -----------------------------------------------------------------


def child(state: Any, name: str) -> Any:
    """The object a dotted member or a struct lives in (made on a Record)."""
    try:
        return getattr(state, name)
    except AttributeError:
        if type(state) is not Record:
            raise MigrationError(f"{type(state).__name__} has no member '{name}'") from None
    value = Record()
    setattr(state, name, value)
    return value


def children(state: Any, name: str, count: int) -> list[Any]:
    """The ``count`` objects of an array of structs (made on a Record)."""
    current = getattr(state, name, None)
    if type(state) is Record:
        elements = list(current) if isinstance(current, list) else []
        while len(elements) < count:
            elements.append(Record())
        setattr(state, name, elements)
        return elements
    if current is None:
        raise MigrationError(f"{type(state).__name__} has no member '{name}'")
    if len(current) < count:
        raise MigrationError(f"member '{name}' has {len(current)} elements, "
                             f"the stream has {count}")
    return current  # type: ignore[no-any-return]


def length_of(state: Any, member: str, vmsd: str, field: str) -> int:
    """An element count or buffer size held by another member."""
    try:
        value = getattr(state, member)
    except AttributeError:
        raise MigrationError(f"'{vmsd}' field '{field}': its length '{member}' is not "
                             "set") from None
    if not isinstance(value, int):
        raise MigrationError(f"'{vmsd}' field '{field}': its length '{member}' is not an "
                             f"integer ({value!r})")
    return value


def element_count(inp: StreamReader, count: int, min_size: int, vmsd: str, field: str) -> int:
    """A count read from the state, checked against what the stream can hold."""
    if count <= 0:
        return 0
    if min_size:
        inp.check_size(count * min_size, f"'{vmsd}' field '{field}' ({count} elements)")
    elif count > MAX_EMPTY_ELEMENTS:
        raise inp.error(f"'{vmsd}' field '{field}': {count} elements is more than "
                        f"{MAX_EMPTY_ELEMENTS}")
    return count


def store_compared(inp: StreamReader, state: Any, member: str, value: int, compare: str,
                   vmsd: str, field: str) -> None:
    """Load a field that must equal (or, for 'le', not exceed) its current value."""
    current = getattr(state, member, None)
    if current is None and type(state) is Record:
        setattr(state, member, value)
        return
    if compare == "equal":
        if current != value:
            raise inp.error(f"'{vmsd}' field '{field}': {value:#x} != {current!r}")
        return
    if isinstance(current, int) and 0 <= value <= current:
        setattr(state, member, value)
        return
    raise inp.error(f"'{vmsd}' field '{field}': invalid value {value}, expecting a "
                    f"positive value <= {current!r}")


def check_buffer(value: Any, size: int) -> bytes | bytearray | memoryview:
    """A buffer member of the declared size, ready to write."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise TypeError(f"a buffer must be bytes, not {type(value).__name__}")
    if len(value) != size:
        raise ValueError(f"buffer of {len(value)} bytes, {size} declared")
    return value


def check_version(inp: StreamReader, name: str, version_id: int, version: int,
                  minimum: int) -> None:
    if version_id > version:
        raise inp.error(f"'{name}': incoming version {version_id} is too new for local "
                        f"version {version}")
    if version_id < minimum:
        raise inp.error(f"'{name}': incoming version {version_id} is too old for local "
                        f"minimum version {minimum}")


def save_error(vmsd: str, field: str, exc: Exception) -> MigrationError:
    """A state member that cannot be written as its description says."""
    if isinstance(exc, struct.error | OverflowError):
        return MigrationError(f"'{vmsd}' field '{field}': value out of range ({exc})")
    return MigrationError(f"'{vmsd}' field '{field}': {exc}")


def in_field(exc: MigrationError, vmsd: str, field: str) -> MigrationError:
    """Name the field an error happened in (innermost first)."""
    exc.msg = f"{vmsd}.{field}: {exc.msg}" if field else f"{vmsd}: {exc.msg}"
    return exc


# -- subsections -------------------------------------------------------------


def save_subsection(out: StreamWriter, state: Any, sub: Description,
                    desc: dict[str, Any] | None) -> None:
    """Write one subsection: marker, name, version, then its fields."""
    out.put_u8(QEMU_VM_SUBSECTION)
    out.put_counted_string(sub.name.encode())
    out.put_be32(sub.version)
    sub.save(out, state, sub.version, _subsection_entry(desc))


def load_subsections(inp: StreamReader, state: Any, parent: Description,
                     desc: dict[str, Any] | None) -> None:
    """Read the subsections that follow a description's fields.

    As in QEMU, a subsection marker followed by a name that does not start
    with the parent's name ends the list (it belongs to an outer level);
    one that does, but is not a known subsection, fails the load.
    """
    prefix = parent.name.encode()
    while inp.peek_u8() == QEMU_VM_SUBSECTION:
        length = inp.peek_u8(1)
        if length is None or length < len(prefix) + 1:
            return
        idstr = inp.peek_bytes(length, 2)
        if len(idstr) != length or not idstr.startswith(prefix):
            return
        sub = parent.subsections.get(idstr)
        if sub is None:
            raise inp.error(f"'{parent.name}': unknown subsection "
                            f"'{idstr.decode(errors='replace')}'")
        inp.skip(2 + length)
        version_id = inp.get_be32()
        sub.load(inp, state, version_id, _subsection_entry(desc))
        if type(state) is Record:
            state.subsections.append(sub.name)


# -- vmdesc entries ------------------------------------------------------------


def begin_desc(desc: dict[str, Any], name: str, version_id: int) -> list[dict[str, Any]]:
    """Start a description's vmdesc object; returns its field list."""
    desc["vmsd_name"] = name
    desc["version"] = version_id
    fields: list[dict[str, Any]] = []
    desc["fields"] = fields
    return fields


def desc_elements(fields: list[dict[str, Any]], name: str, type_name: str, size: int,
                  count: int, compress: bool) -> None:
    """The vmdesc entries of ``count`` elements of a non-struct field."""
    if count == 1:
        fields.append({"name": name, "type": type_name, "size": size})
    elif compress:
        if count:
            fields.append({"name": name, "array_len": count, "type": type_name, "size": size})
    else:
        for index in range(count):
            fields.append({"name": name, "index": index, "type": type_name, "size": size})


def desc_loaded(fields: list[dict[str, Any]], name: str, type_name: str, size: int,
                values: Any, compress: bool, single: bool) -> None:
    """Like ``desc_elements``, for loaded values (kept under "data")."""
    if single:
        fields.append({"name": name, "type": type_name, "size": size, "data": values})
        return
    count = len(values)
    if count == 1:
        fields.append({"name": name, "type": type_name, "size": size, "data": values[0]})
    elif compress:
        if count:
            fields.append({"name": name, "array_len": count, "type": type_name, "size": size,
                           "data": list(values)})
    else:
        for index, value in enumerate(values):
            fields.append({"name": name, "index": index, "type": type_name, "size": size,
                           "data": value})


def desc_struct_entry(fields: list[dict[str, Any]], name: str, index: int, count: int,
                      compress: bool, type_name: str) -> dict[str, Any] | None:
    """The vmdesc entry of element ``index`` of a struct field, if it gets one."""
    if compress and index > 0:
        return None
    entry: dict[str, Any] = {"name": name}
    if count > 1:
        if compress:
            entry["array_len"] = count
        else:
            entry["index"] = index
    entry["type"] = type_name
    fields.append(entry)
    return entry


def strip_data(desc: Any) -> Any:
    """A vmdesc built while loading, without the loaded values."""
    if isinstance(desc, dict):
        return {key: strip_data(value) for key, value in desc.items()
                if key not in ("data", "elements")}
    if isinstance(desc, list):
        return [strip_data(item) for item in desc]
    return desc


# -- arrays ------------------------------------------------------------------


def pack_array(code: str, count: int, values: Any) -> bytes:
    """``count`` elements of ``values`` packed big-endian as struct ``code``."""
    if count == 0:
        return b""
    return struct.pack(f">{count}{code}", *values[:count])


def unpack_array(inp: StreamReader, code: str, count: int, size: int) -> list[Any]:
    if count == 0:
        return []
    return list(struct.unpack(f">{count}{code}", inp.get_bytes(count * size)))


def save_structs(out: StreamWriter, elements: Any, count: int, sub: Description,
                 version: int, fields: list[dict[str, Any]] | None, name: str,
                 compress: bool, type_name: str, nesting: str) -> None:
    """Write ``count`` struct elements, with their vmdesc entries.

    ``nesting`` says where the struct's own vmdesc goes: under "struct",
    into the entry itself ('inline', QEMU's vstruct), or nowhere ('none',
    a struct written by a custom VMStateInfo).
    """
    for index in range(count):
        element = elements[index]
        entry = None
        if fields is not None:
            entry = desc_struct_entry(fields, name, index, count, compress, type_name)
        if entry is None:
            sub.save(out, element, version, None)
            continue
        start = out.tell()
        if nesting == "struct":
            entry["struct"] = {}
            sub.save(out, element, version, entry["struct"])
        else:
            sub.save(out, element, version, entry if nesting == "inline" else None)
        entry["size"] = out.tell() - start


def load_structs(inp: StreamReader, elements: Any, count: int, sub: Description,
                 version: int, fields: list[dict[str, Any]] | None, name: str,
                 compress: bool, type_name: str, nesting: str) -> None:
    """Read ``count`` struct elements; with ``fields``, their vmdesc entries.

    Every element's loaded description is kept: an entry holds its own, and
    a compressed array's one entry lists the other elements' under "elements".
    """
    first: dict[str, Any] | None = None
    for index in range(count):
        element = elements[index]
        if fields is None:
            sub.load(inp, element, version, None)
            continue
        entry = desc_struct_entry(fields, name, index, count, compress, type_name)
        if entry is None:
            entry = {"name": name, "type": type_name}
        else:
            first = entry
        start = inp.tell()
        inp.retain()
        try:
            if nesting == "struct":
                entry["struct"] = {}
                sub.load(inp, element, version, entry["struct"])
            else:
                sub.load(inp, element, version, entry if nesting == "inline" else None)
            entry["size"] = inp.tell() - start
            if nesting == "none":
                entry["data"] = inp.data_since(start)
        finally:
            inp.release()
        if compress and index > 0 and first is not None:
            first.setdefault("elements", []).append(entry)


def _subsection_entry(desc: dict[str, Any] | None) -> dict[str, Any] | None:
    """A new vmdesc entry for a subsection, appended to ``desc``'s list
    (None when no vmdesc is being built)."""
    if desc is None:
        return None
    subsections = desc.get("subsections")
    if subsections is None:
        subsections = desc["subsections"] = []
    entry: dict[str, Any] = {}
    subsections.append(entry)
    return entry
