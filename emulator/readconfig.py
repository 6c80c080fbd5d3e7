"""``-readconfig FILE``: QEMU's configuration files, and the option groups
they share with the command line.

A file is a list of sections, ``[group]`` or ``[group "id"]``, each
followed by ``key = "value"`` lines; lines starting with ``#`` are
comments.  The syntax is read exactly as QEMU 7.2's qemu_config_foreach
reads it with sscanf, quirks included: a line without a quoted value
sets its key to the empty string, a value missing its closing quote runs
to the end of the line (newline included), and a section header missing
its ``]`` still opens a section.  Only a line holding nothing but
blanks is a "parse error".

`VmOptions` holds what the command line and config files ask for:
``machine``, ``memory``, ``drive``, ``device``, ``netdev`` and
``chardev`` groups become the same QemuOpts groups and typed specs
(`emulator.drive`) whichever way they were given, each with its
`Location` (``-drive ...`` or ``FILE:LINE``, the line QEMU reports: the
last key line read before the section ended).  The other groups QEMU
knows are kept as plain options; unknown groups are refused with QEMU's
"There is no option group" message.

Integration, for the CLI: make one ``VmOptions(machine_opts=...,
chardev_opts=...)`` sharing the CLI's lists, send ``-drive``,
``-device``, ``-netdev``, ``-m`` through `VmOptions.add_option` and
``-readconfig`` through `VmOptions.read_config`; `check_config` then
makes the checks QEMU makes after reading, in its order (machine type,
images, machine properties, devices).  Errors are `OptionError`;
``err.render(program)`` prints them as QEMU does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from emulator import chardev
from emulator.block import BlockError, open_image
from emulator.drive import (
    NO_LOCATION,
    CheckedDevice,
    DeviceSpec,
    DriveSpec,
    DriveTable,
    Location,
    MemorySpec,
    NetdevSpec,
    OptionError,
    assign_virtio_buses,
    check_device,
    device_from_opts,
    device_opts_list,
    drive_opts_list,
    memory_from_opts,
    memory_opts_list,
    netdev_from_opts,
    netdev_opts_list,
)
from emulator.qemu_opts import OptDesc, Opts, OptsError, OptsList, parse

LINE_MAX = 1023          # fgets into a 1024-byte buffer
NAME_MAX = 63
VALUE_MAX = 1023

# Every group QEMU 7.2's qemu-system-riscv64 reads from a config file.
QEMU_GROUPS = ("accel", "action", "add-fd", "boot-opts", "chardev", "device", "drive",
               "fw_cfg", "global", "icount", "iscsi", "machine", "memory", "mon", "msg",
               "name", "net", "netdev", "nic", "numa", "object", "option-rom", "overcommit",
               "plugin", "rtc", "sandbox", "semihosting-config", "smp-opts", "spice",
               "tpmdev", "trace", "vnc")
MODELLED_GROUPS = ("machine", "memory", "drive", "device", "netdev", "chardev")
# Machine keys QEMU turns into other options rather than properties.
LEGACY_MACHINE_KEYS = ("accel", "kernel-irqchip", "kvm-shadow-mem")


# -- sscanf, as qemu_config_foreach uses it -------------------------------------

_BLANKS = " \t\n\v\f\r"


class _Scan:
    """A tiny sscanf: whitespace directives, literals, ``%Ns`` and
    ``%N[^c]`` conversions; `count` is sscanf's result (-1 for EOF)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.count = 0
        self.failed = False

    def blanks(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _BLANKS:
            self.pos += 1

    def literal(self, char: str) -> None:
        if self.failed or self._exhausted():
            return
        if self.text[self.pos] != char:
            self.failed = True
            return
        self.pos += 1

    def _exhausted(self) -> bool:
        """True (and the scan failed, as sscanf's input failure) at the end."""
        if self.pos < len(self.text):
            return False
        self.failed = True
        if self.count == 0:
            self.count = -1
        return True

    def word(self, width: int) -> str | None:
        if self.failed:
            return None
        self.blanks()
        if self._exhausted():
            return None
        start = self.pos
        while (self.pos < len(self.text) and self.pos - start < width
               and self.text[self.pos] not in _BLANKS):
            self.pos += 1
        self.count += 1
        return self.text[start:self.pos]

    def until(self, stop: str, width: int) -> str | None:
        if self.failed or self._exhausted():
            return None
        start = self.pos
        while (self.pos < len(self.text) and self.pos - start < width
               and self.text[self.pos] != stop):
            self.pos += 1
        if self.pos == start:
            self.failed = True
            return None
        self.count += 1
        return self.text[start:self.pos]

    def space(self) -> None:
        if not self.failed:
            self.blanks()


def _scan_section_with_id(line: str) -> tuple[int, str | None, str | None]:
    """``[%63s "%63[^"]"]``."""
    scan = _Scan(line)
    scan.literal("[")
    group = scan.word(NAME_MAX)
    scan.space()
    scan.literal('"')
    section_id = scan.until('"', NAME_MAX)
    return scan.count, group, section_id


def _scan_section(line: str) -> tuple[int, str | None]:
    """``[%63[^]]]``."""
    scan = _Scan(line)
    scan.literal("[")
    group = scan.until("]", NAME_MAX)
    return scan.count, group


def _scan_key_value(line: str) -> tuple[int, str | None, str | None]:
    """`` %63s = "%1023[^"]"``."""
    scan = _Scan(line)
    scan.space()
    key = scan.word(NAME_MAX)
    scan.space()
    scan.literal("=")
    scan.space()
    scan.literal('"')
    value = scan.until('"', VALUE_MAX)
    return scan.count, key, value


def _physical_lines(text: str) -> Iterator[str]:
    """What successive fgets calls with a 1024-byte buffer return (as C
    strings: a NUL ends what the line parser sees)."""
    position = 0
    while position < len(text):
        newline = text.find("\n", position, position + LINE_MAX)
        end = newline + 1 if newline >= 0 else min(position + LINE_MAX, len(text))
        yield text[position:end].split("\0", 1)[0]
        position = end


# -- sections -------------------------------------------------------------------------

@dataclass
class ConfigSection:
    """One ``[group]`` of a file: its entries (later keys replace earlier
    ones, as in QEMU's dictionary) and where QEMU reports its errors."""

    group: str
    entries: dict[str, str] = field(default_factory=dict)
    location: Location = NO_LOCATION


def parse_config(text: str, filename: str,
                 on_section: Callable[[ConfigSection], None]) -> int:
    """Read a config file's text as QEMU does, handing each finished
    section to ``on_section`` (which may raise); returns the number of
    sections.  Syntax errors raise OptionError at ``FILE:LINE``."""
    location = NO_LOCATION
    current: ConfigSection | None = None
    group = ""
    previous_group = ""
    count = 0
    for number, line in enumerate(_physical_lines(text), start=1):
        if line.startswith("\n") or line.startswith("#"):
            continue
        if line.startswith("["):
            opened: ConfigSection | None = None
            converted, scanned_group, section_id = _scan_section_with_id(line)
            if converted >= 1 and scanned_group is not None:
                group = scanned_group
            if converted == 2 and section_id is not None:
                opened = ConfigSection(group, {"id": section_id})
            else:
                converted, scanned_group = _scan_section(line)
                if converted >= 1 and scanned_group is not None:
                    group = scanned_group
                if converted == 1:
                    opened = ConfigSection(group)
            if opened is not None:
                count += 1
                if current is not None:
                    current.group = previous_group
                    current.location = location
                    on_section(current)
                current = opened
                previous_group = group
                continue
        location = Location(file=filename, line=number)
        converted, key, value = _scan_key_value(line)
        if converted >= 1:
            if current is None:
                raise OptionError("no group defined", location)
            assert key is not None
            current.entries[key] = value if converted == 2 and value is not None else ""
            continue
        raise OptionError("parse error", location)
    if current is not None:
        current.group = group
        current.location = location
        on_section(current)
    return count


# -- the option groups ----------------------------------------------------------------

class MachineLookup(Protocol):
    """What `check_config` needs of the machine registry."""

    def __call__(self, name: str) -> MachineInfo | None: ...


class MachineInfo(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def type_name(self) -> str: ...

    def find_property(self, name: str) -> OptDesc | None: ...


@dataclass
class VmOptions:
    """The option groups given on the command line and in config files."""

    machine_opts: OptsList = field(default_factory=lambda: OptsList(
        "machine", implied_opt_name="type", merge_lists=True))
    chardev_opts: OptsList = field(default_factory=chardev.chardev_opts_list)
    lists: dict[str, OptsList] = field(default_factory=dict)
    entries: list[tuple[str, Opts, Location]] = field(default_factory=list)
    chardevs: list[tuple[Opts, Location]] = field(default_factory=list)
    other: list[tuple[str, dict[str, str], Location]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lists.setdefault("machine", self.machine_opts)
        self.lists.setdefault("chardev", self.chardev_opts)
        self.lists.setdefault("drive", drive_opts_list())
        self.lists.setdefault("device", device_opts_list())
        self.lists.setdefault("netdev", netdev_opts_list())
        self.lists.setdefault("memory", memory_opts_list())

    # -- input ------------------------------------------------------------------

    def add_option(self, group: str, text: str, location: Location = NO_LOCATION) -> Opts | None:
        """A command-line option of a modelled group (``-drive TEXT`` is
        ``add_option("drive", TEXT)``); None when it asked for help."""
        opts_list = self.lists[group]
        permit_abbrev = group != "drive"
        try:
            opts = parse(opts_list, text, permit_abbrev=permit_abbrev)
        except OptsError as err:
            raise OptionError(str(err), location, err.hint) from None
        if opts is not None:
            self._record(group, opts, location)
        return opts

    def add_section(self, section: ConfigSection) -> None:
        """One config-file section (QEMU's qemu_config_do_parse)."""
        group, location = section.group, section.location
        if group not in QEMU_GROUPS:
            raise OptionError(f"There is no option group '{group}'", location)
        if group not in MODELLED_GROUPS:
            self.other.append((group, dict(section.entries), location))
            return
        opts_list = self.lists[group]
        entries = dict(section.entries)
        section_id = entries.pop("id", None) if group != "machine" else None
        try:
            opts = opts_list.create(section_id)
            try:
                for key, value in entries.items():
                    opts.set(key, value)
            except OptsError:
                if not opts_list.merge_lists:
                    opts.delete()
                raise
        except OptsError as err:
            raise OptionError(str(err), location, err.hint) from None
        self._record(group, opts, location)

    def _record(self, group: str, opts: Opts, location: Location) -> None:
        if not any(existing is opts for _, existing, _ in self.entries):
            self.entries.append((group, opts, location))
        if group == "chardev" and not any(existing is opts for existing, _ in self.chardevs):
            self.chardevs.append((opts, location))

    def read_config(self, path: str, location: Location = NO_LOCATION) -> int:
        """``-readconfig PATH`` (``location``: that option, for the error
        when the file cannot be read)."""
        try:
            with open(path, encoding="utf-8", errors="surrogateescape", newline="") as handle:
                text = handle.read()
        except OSError as err:
            raise OptionError(f"Could not open '{path}': {os.strerror(err.errno or 0)}",
                              location) from None
        return parse_config(text, path, self.add_section)

    # -- typed views ------------------------------------------------------------------

    def _groups(self, group: str) -> list[tuple[Opts, Location]]:
        return [(opts, location) for name, opts, location in self.entries if name == group]

    def machine_properties(self) -> dict[str, str]:
        opts = self.machine_opts.find(None)
        return {} if opts is None else {item.name: item.text for item in opts}

    def memory(self) -> MemorySpec:
        groups = self._groups("memory")
        if not groups:
            return MemorySpec()
        opts, location = groups[-1]
        return memory_from_opts(opts, location)

    def drives(self) -> DriveTable:
        """QEMU's drive_new over every ``-drive``, in order."""
        table = DriveTable()
        for opts, location in self._groups("drive"):
            table.add(opts, location)
        return table

    def drive_specs(self) -> list[DriveSpec]:
        return self.drives().drives

    def device_specs(self) -> list[DeviceSpec]:
        return [device_from_opts(opts, location) for opts, location in self._groups("device")]

    def netdev_specs(self) -> list[NetdevSpec]:
        return [netdev_from_opts(opts, location) for opts, location in self._groups("netdev")]


def _default_machine_lookup(name: str) -> MachineInfo | None:
    from emulator.machine import find_machine
    return find_machine(name)


def _default_machine_names() -> list[str]:
    from emulator.machine import machine_classes
    return [machine_class.name for machine_class in machine_classes()]


@dataclass
class CheckedConfig:
    """What `check_config` found: the machine, drives, placed devices."""

    machine: MachineInfo | None
    memory: MemorySpec
    drives: DriveTable
    devices: list[CheckedDevice]
    virtio_placement: list[tuple[CheckedDevice, int]]
    netdevs: list[NetdevSpec]


def check_config(options: VmOptions, *, lookup: MachineLookup = _default_machine_lookup,
                 machine_names: Callable[[], list[str]] = _default_machine_names,
                 open_images: bool = True) -> CheckedConfig:
    """The checks QEMU makes once all options are read, in its order:
    memory size, machine type, drives (opening their images), machine
    properties, netdevs, devices, drives no device took."""
    memory = options.memory()
    properties = options.machine_properties()
    machine = None
    type_name = properties.get("type")
    if type_name is not None:
        machine = lookup(type_name)
        if machine is None:
            names = ", ".join(machine_names())
            raise OptionError("unsupported machine type", NO_LOCATION,
                              f"Machine type '{type_name}' is not one of: {names}\n"
                              "Use -machine help to list supported machines")
    drives = options.drives()
    if open_images:
        for drive in drives.drives:
            if drive.file is None:
                continue
            try:
                opened = open_image(drive.file, drive.format, read_only=drive.read_only,
                                    snapshot=drive.snapshot)
            except BlockError as err:
                raise OptionError(str(err), drive.location) from None
            opened.image.close()
    if machine is not None:
        for name in properties:
            if name == "type" or name in LEGACY_MACHINE_KEYS:
                continue
            if machine.find_property(name) is None:
                raise OptionError(f"Property '{machine.type_name}.{name}' not found",
                                  NO_LOCATION)
    netdevs = options.netdev_specs()
    specs = drives.implied_devices + options.device_specs()
    devices = [check_device(spec, drives) for spec in specs]
    placement = assign_virtio_buses(devices)
    return CheckedConfig(machine, memory, drives, devices, placement, netdevs)
