"""QEMU's migration stream: header, configuration, sections, footers, EOF
and the vmdesc.

A stream is the magic ``QEVM`` and version 3, the configuration section,
then sections: an iterative ("live") handler such as RAM sends a
SECTION_START, SECTION_PARTs and a SECTION_END; every device sends one
SECTION_FULL.  START and FULL name the section (id string, instance id,
version); each section ends with a footer repeating its id.  An EOF
byte ends the state; after it comes the vmdesc, a JSON description of
the device sections (what QEMU's ``scripts/analyze-migration.py`` reads).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from runtime.migration.errors import MigrationError
from runtime.migration.stream import StreamReader, StreamWriter
from runtime.migration.vmstate import Description, Record, is_needed, strip_data

QEMU_VM_FILE_MAGIC = 0x5145564D
QEMU_VM_FILE_VERSION = 3
QEMU_VM_EOF = 0x00
QEMU_VM_SECTION_START = 0x01
QEMU_VM_SECTION_PART = 0x02
QEMU_VM_SECTION_END = 0x03
QEMU_VM_SECTION_FULL = 0x04
QEMU_VM_SUBSECTION = 0x05
QEMU_VM_VMDESCRIPTION = 0x06
QEMU_VM_CONFIGURATION = 0x07
QEMU_VM_COMMAND = 0x08
QEMU_VM_SECTION_FOOTER = 0x7E

# QEMU reads at most this much vmdesc JSON (analyze-migration.py looks at
# the last 10 MiB of a file).
MAX_VMDESC_BYTES = 10 << 20


class LiveHandler(Protocol):
    """An iterative section (RAM): saved in stages, loaded as it comes."""

    version: int

    def save_setup(self, out: StreamWriter) -> None: ...

    def save_iterate(self, out: StreamWriter) -> bool:
        """Send a part; True once nothing is left to send before completion."""
        ...

    def save_complete(self, out: StreamWriter) -> None: ...

    def load(self, inp: StreamReader, version_id: int) -> None: ...


@dataclass
class SaveStateEntry:
    """One section: a device's description and state, or a live handler."""

    idstr: str
    instance_id: int
    version: int
    section_id: int
    description: Description | None = None
    state: Any = None
    live: LiveHandler | None = None
    load_section_id: int | None = None

    def label(self, section_id: int | None = None) -> str:
        sid = self.section_id if section_id is None else section_id
        return f"'{self.idstr}' (instance {self.instance_id}, id {sid})"


@dataclass
class LoadedSection:
    """A section as read: its header, and the vmdesc built while loading it."""

    section_id: int
    idstr: str
    instance_id: int
    version_id: int
    state: Any
    desc: dict[str, Any] | None = None
    live: LiveHandler | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class LoadResult:
    """What a load found besides the state it loaded."""

    configuration: Any = None
    sections: list[LoadedSection] = field(default_factory=list)
    vmdesc: dict[str, Any] | None = None
    vmdesc_offset: int | None = None
    end_offset: int = 0

    def vmdesc_of_sections(self, page_size: int) -> dict[str, Any]:
        """The vmdesc of the device sections as this stream's reader built it."""
        devices = []
        for section in self.sections:
            if section.desc is None:
                continue
            entry = {"name": section.idstr, "instance_id": section.instance_id}
            entry.update(strip_data(section.desc))
            devices.append(entry)
        return {"page_size": page_size, "devices": devices}


class SaveStateRegistry:
    """The sections of a machine, in the order they are saved."""

    def __init__(self) -> None:
        self.entries: list[SaveStateEntry] = []
        self._next_section_id = 0

    def _instance_id(self, idstr: str, instance_id: int | None) -> int:
        if instance_id is not None:
            return instance_id
        used = [entry.instance_id for entry in self.entries if entry.idstr == idstr]
        return max(used) + 1 if used else 0

    def register(self, idstr: str, description: Description, state: Any,
                 instance_id: int | None = None, section_id: int | None = None
                 ) -> SaveStateEntry:
        """A device section (QEMU's vmstate_register).

        Section ids count registrations unless given.
        """
        entry = SaveStateEntry(idstr, self._instance_id(idstr, instance_id), description.version,
                               self._section_id(section_id), description=description,
                               state=state)
        self._add(entry)
        return entry

    def register_live(self, idstr: str, handler: LiveHandler,
                      instance_id: int | None = None, section_id: int | None = None
                      ) -> SaveStateEntry:
        """An iterative section (QEMU's register_savevm_live)."""
        entry = SaveStateEntry(idstr, self._instance_id(idstr, instance_id), handler.version,
                               self._section_id(section_id), live=handler)
        self._add(entry)
        return entry

    def _section_id(self, section_id: int | None) -> int:
        if section_id is None:
            section_id = self._next_section_id
        self._next_section_id = max(self._next_section_id, section_id + 1)
        return section_id

    def _add(self, entry: SaveStateEntry) -> None:
        if len(entry.idstr.encode()) > 255:
            raise MigrationError(f"section id '{entry.idstr[:40]}...' is longer than 255 bytes")
        if self.find(entry.idstr, entry.instance_id) is not None:
            raise MigrationError(f"section '{entry.idstr}' instance {entry.instance_id} "
                                 "is registered twice")
        if any(other.section_id == entry.section_id for other in self.entries):
            raise MigrationError(f"section id {entry.section_id} is used twice")
        self.entries.append(entry)

    def find(self, idstr: str, instance_id: int) -> SaveStateEntry | None:
        for entry in self.entries:
            if entry.idstr == idstr and entry.instance_id == instance_id:
                return entry
        return None


# -- saving -------------------------------------------------------------------


@dataclass
class SaveOptions:
    """What QEMU's migration parameters decide about the stream's shape."""

    send_configuration: bool = True
    send_section_footer: bool = True
    send_vmdesc: bool = True
    page_size: int = 4096


def _section_header(out: StreamWriter, entry: SaveStateEntry, section_type: int) -> None:
    out.put_u8(section_type)
    out.put_be32(entry.section_id)
    if section_type in (QEMU_VM_SECTION_FULL, QEMU_VM_SECTION_START):
        out.put_counted_string(entry.idstr.encode())
        out.put_be32(entry.instance_id)
        out.put_be32(entry.version)


def _section_footer(out: StreamWriter, entry: SaveStateEntry, options: SaveOptions) -> None:
    if options.send_section_footer:
        out.put_u8(QEMU_VM_SECTION_FOOTER)
        out.put_be32(entry.section_id)


def save_header(out: StreamWriter, configuration: tuple[Description, Any] | None,
                options: SaveOptions) -> None:
    """Magic, version and the configuration section."""
    out.put_be32(QEMU_VM_FILE_MAGIC)
    out.put_be32(QEMU_VM_FILE_VERSION)
    if options.send_configuration:
        if configuration is None:
            raise MigrationError("the stream needs a configuration section")
        description, state = configuration
        out.put_u8(QEMU_VM_CONFIGURATION)
        description.save_state(out, state)


def save_state(out: StreamWriter, registry: SaveStateRegistry,
               configuration: tuple[Description, Any] | None = None,
               options: SaveOptions | None = None) -> dict[str, Any]:
    """Write a whole stream (QEMU's precopy, with no guest running meanwhile).

    Returns the vmdesc (written after EOF unless ``options`` say not to).
    """
    options = options or SaveOptions()
    save_header(out, configuration, options)
    live = [entry for entry in registry.entries if entry.live is not None]
    for entry in live:
        _section_header(out, entry, QEMU_VM_SECTION_START)
        _guarded(entry, lambda e=entry: e.live.save_setup(out), out)  # type: ignore[misc]
        _section_footer(out, entry, options)
    pending = list(live)
    while pending:
        entry = pending[0]
        _section_header(out, entry, QEMU_VM_SECTION_PART)
        done = _guarded(entry, lambda e=entry: e.live.save_iterate(out), out)  # type: ignore[misc]
        _section_footer(out, entry, options)
        if done:
            pending.pop(0)
    for entry in live:
        _section_header(out, entry, QEMU_VM_SECTION_END)
        _guarded(entry, lambda e=entry: e.live.save_complete(out), out)  # type: ignore[misc]
        _section_footer(out, entry, options)
    return save_device_state(out, registry, options)


def save_device_state(out: StreamWriter, registry: SaveStateRegistry,
                      options: SaveOptions | None = None) -> dict[str, Any]:
    """The device sections, EOF and the vmdesc (QEMU's non-iterable completion)."""
    options = options or SaveOptions()
    devices: list[dict[str, Any]] = []
    for entry in registry.entries:
        description = entry.description
        if description is None:
            continue
        if not _section_needed(entry):
            continue
        desc: dict[str, Any] = {"name": entry.idstr, "instance_id": entry.instance_id}
        _section_header(out, entry, QEMU_VM_SECTION_FULL)
        _guarded(entry, lambda e=entry, d=desc: e.description.save_state(  # type: ignore[misc]
            out, e.state, d), out)
        _section_footer(out, entry, options)
        devices.append(desc)
    out.put_u8(QEMU_VM_EOF)
    vmdesc = {"page_size": options.page_size, "devices": devices}
    if options.send_vmdesc:
        text = json.dumps(vmdesc).encode()
        out.put_u8(QEMU_VM_VMDESCRIPTION)
        out.put_be32(len(text))
        out.write(text)
    out.flush()
    return vmdesc


def _section_needed(entry: SaveStateEntry) -> bool:
    """Whether a device section is sent (a Record's always is: it was read)."""
    description = entry.description
    assert description is not None
    if description.needed is None or type(entry.state) is Record:
        return True
    return is_needed(entry.state, description.needed, description.name)


def _guarded(entry: SaveStateEntry, action: Callable[[], Any], out: StreamWriter) -> Any:
    try:
        return action()
    except MigrationError as exc:
        if exc.offset is None:
            exc.offset = out.tell()
        exc.in_section(entry.label())
        raise


# -- loading ------------------------------------------------------------------


class SectionResolver(Protocol):
    """Finds where a section read from a stream goes."""

    def __call__(self, idstr: str, instance_id: int, version_id: int
                 ) -> tuple[Description | None, Any, LiveHandler | None]: ...


def registry_resolver(registry: SaveStateRegistry) -> SectionResolver:
    """Load into the sections of a registry (QEMU's find_se)."""
    def resolve(idstr: str, instance_id: int, version_id: int
                ) -> tuple[Description | None, Any, LiveHandler | None]:
        entry = registry.find(idstr, instance_id)
        if entry is None:
            raise MigrationError(f"unknown section or instance '{idstr}' {instance_id}")
        if version_id > entry.version:
            raise MigrationError(f"unsupported version {version_id} for '{idstr}' "
                                 f"v{entry.version}")
        return entry.description, entry.state, entry.live
    return resolve


@dataclass
class LoadOptions:
    """How strictly a stream is read."""

    expect_configuration: bool = True
    expect_section_footer: bool = True
    read_vmdesc: bool = True
    keep_desc: bool = False


def load_state(inp: StreamReader, resolve: SectionResolver,
               configuration: tuple[Description, Any] | None = None,
               options: LoadOptions | None = None) -> LoadResult:
    """Read a whole stream, handing each section to what ``resolve`` says.

    Every failure is a MigrationError naming the offset and the section.
    """
    options = options or LoadOptions()
    result = LoadResult()
    magic = inp.get_be32()
    if magic != QEMU_VM_FILE_MAGIC:
        raise MigrationError(f"not a migration stream (magic 0x{magic:08x})", 0)
    version = inp.get_be32()
    if version != QEMU_VM_FILE_VERSION:
        raise MigrationError(f"unsupported stream version {version}", 4)
    if options.expect_configuration:
        _load_configuration(inp, configuration, result, options)
    by_id: dict[int, LoadedSection] = {}
    try:
        _load_sections(inp, resolve, options, result, by_id)
    except MigrationError as exc:
        if exc.section is None and result.sections:
            last = result.sections[-1]
            exc.msg = (f"after section '{last.idstr}' (instance {last.instance_id}, "
                       f"id {last.section_id}): {exc.msg}")
        elif exc.section is None:
            exc.msg = f"after the header: {exc.msg}"
        raise
    result.end_offset = inp.tell()
    if options.read_vmdesc:
        result.vmdesc_offset = inp.tell()
        result.vmdesc = read_vmdesc(inp)
    return result


def _load_sections(inp: StreamReader, resolve: SectionResolver, options: LoadOptions,
                   result: LoadResult, by_id: dict[int, LoadedSection]) -> None:
    while True:
        start = inp.tell()
        section_type = inp.get_u8()
        if section_type == QEMU_VM_EOF:
            return
        if section_type in (QEMU_VM_SECTION_START, QEMU_VM_SECTION_FULL):
            section = _load_section_start(inp, resolve, options, start)
            by_id[section.section_id] = section
            result.sections.append(section)
            section.spans.append((start, inp.tell()))
        elif section_type in (QEMU_VM_SECTION_PART, QEMU_VM_SECTION_END):
            try:
                section_id = inp.get_be32()
            except MigrationError as exc:
                exc.in_section(f"header at offset {start}")
                raise
            found = by_id.get(section_id)
            if found is None:
                raise MigrationError(f"unknown section id {section_id}", start)
            _load_section_body(inp, found, found.version_id, options)
            found.spans.append((start, inp.tell()))
        elif section_type == QEMU_VM_CONFIGURATION:
            raise MigrationError("configuration section out of place", start)
        elif section_type == QEMU_VM_COMMAND:
            raise MigrationError("command sections (postcopy, COLO) are not supported", start)
        else:
            raise MigrationError(f"unknown section type {section_type}", start)


def _load_configuration(inp: StreamReader, configuration: tuple[Description, Any] | None,
                        result: LoadResult, options: LoadOptions) -> None:
    start = inp.tell()
    desc: dict[str, Any] | None = {} if options.keep_desc else None
    try:
        if inp.get_u8() != QEMU_VM_CONFIGURATION:
            raise MigrationError("configuration section missing", start)
        if configuration is None:
            raise MigrationError("no description for the configuration section", start)
        description, state = configuration
        description.load_state(inp, state, description.version, desc)
    except MigrationError as exc:
        exc.in_section("configuration")
        raise
    result.configuration = state


def _load_section_start(inp: StreamReader, resolve: SectionResolver, options: LoadOptions,
                        start: int) -> LoadedSection:
    try:
        section_id = inp.get_be32()
        raw_name = inp.get_counted_string()
        idstr = raw_name.decode()
        instance_id = inp.get_be32()
        version_id = inp.get_be32()
    except UnicodeDecodeError:
        shown = raw_name[:40] + (b"..." if len(raw_name) > 40 else b"")
        raise MigrationError(f"section id string {shown!r} is not UTF-8", start) from None
    except MigrationError as exc:
        exc.in_section(f"header at offset {start}")
        raise
    label = f"'{idstr}' (instance {instance_id}, id {section_id})"
    try:
        description, state, live = resolve(idstr, instance_id, version_id)
    except MigrationError as exc:
        if exc.offset is None:
            exc.offset = start
        exc.in_section(label)
        raise
    section = LoadedSection(section_id, idstr, instance_id, version_id, state, live=live)
    if description is not None:
        section.state = state
        section.live = None
        _load_device(inp, section, description, options, label)
    else:
        _load_section_body(inp, section, version_id, options)
        return section
    _check_footer(inp, section, options, label)
    return section


def _load_device(inp: StreamReader, section: LoadedSection, description: Description,
                 options: LoadOptions, label: str) -> None:
    desc: dict[str, Any] | None = {} if options.keep_desc else None
    if desc is not None:
        inp.retain()
    try:
        description.load_state(inp, section.state, section.version_id, desc)
    except MigrationError as exc:
        if exc.offset is None:
            exc.offset = inp.tell()
        exc.in_section(label)
        raise
    finally:
        if desc is not None:
            inp.release()
    section.desc = desc


def _load_section_body(inp: StreamReader, section: LoadedSection, version_id: int,
                       options: LoadOptions) -> None:
    label = f"'{section.idstr}' (instance {section.instance_id}, id {section.section_id})"
    if section.live is None:
        raise MigrationError("a device section cannot continue", inp.tell()).in_section(label)
    try:
        section.live.load(inp, version_id)
    except MigrationError as exc:
        if exc.offset is None:
            exc.offset = inp.tell()
        exc.in_section(label)
        raise
    _check_footer(inp, section, options, label)


def _check_footer(inp: StreamReader, section: LoadedSection, options: LoadOptions,
                  label: str) -> None:
    if not options.expect_section_footer:
        return
    start = inp.tell()
    try:
        mark = inp.get_u8()
        if mark != QEMU_VM_SECTION_FOOTER:
            raise MigrationError(f"missing section footer (found byte 0x{mark:02x})", start)
        section_id = inp.get_be32()
    except MigrationError as exc:
        exc.in_section(label)
        raise
    if section_id != section.section_id:
        raise MigrationError(f"mismatched section id in footer: read 0x{section_id:x}, "
                             f"expected 0x{section.section_id:x}", start).in_section(label)


def read_vmdesc(inp: StreamReader) -> dict[str, Any] | None:
    """The vmdesc after EOF, if the stream has one."""
    if inp.at_eof():
        return None
    start = inp.tell()
    marker = inp.get_u8()
    if marker != QEMU_VM_VMDESCRIPTION:
        raise MigrationError(f"unexpected byte 0x{marker:02x} after EOF", start)
    length = inp.get_be32()
    if length > MAX_VMDESC_BYTES:
        raise MigrationError(f"vmdesc of {length} bytes is larger than {MAX_VMDESC_BYTES}",
                             start)
    inp.check_size(length, "vmdesc")
    text = inp.get_bytes(length)
    try:
        vmdesc = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MigrationError(f"vmdesc is not JSON: {exc}", start + 5) from None
    if not isinstance(vmdesc, dict):
        raise MigrationError("vmdesc is not a JSON object", start + 5)
    return vmdesc
