"""``-drive``, ``-device``, ``-netdev`` and ``-m``: typed models of the
options, checked as QEMU 7.2 checks them, with QEMU's messages.

The command line and ``-readconfig`` files both produce QemuOpts groups
(`emulator.qemu_opts`); this module turns groups into `DriveSpec`,
`DeviceSpec`, `NetdevSpec` and `MemorySpec`.  Errors are `OptionError`
carrying a `Location` (``-drive ...`` or ``FILE:LINE``) that renders the
way QEMU prefixes its messages.

Integration, for the board and the CLI:

* `DriveTable.add` is QEMU's drive_new: ``if=`` (none, ide, scsi, floppy,
  pflash, mtd, sd, virtio, xen), bus/unit/index and automatic units, ids
  (``none0``, ``pflash0``...), media, read-only, cache, error actions,
  and the block options QEMU accepts.  ``drives.get(DriveInterface.PFLASH,
  0, unit)`` finds virt's flash images; `DriveTable.claim` marks a drive
  used by a device; `DriveTable.check_orphans` reports drives no device
  took (QEMU: "machine type does not support if=...").
* ``if=virtio`` adds a ``virtio-blk`` device (`DriveTable.implied_devices`)
  as QEMU does; QEMU's ``virtio-blk`` alias is virtio-blk-pci on riscv,
  here it names virtio-blk-device (no PCI devices are modelled).
* `check_device` validates a ``-device`` against `DEVICE_MODELS`
  (virtio-blk-device, virtio-rng-device; boards add theirs with
  `register_device_model`) and binds its drive; `assign_virtio_buses`
  places virtio devices on virt's eight transports as QEMU does, and
  `create_virtio_device` builds the device with its properties applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from emulator.block import RawImage
from emulator.devices.dma import Dma
from emulator.devices.virtio_blk import REQUEST_MAX_SECTORS, VirtioBlk
from emulator.devices.virtio_mmio import COMMON_FEATURES, VirtioDevice
from emulator.devices.virtio_rng import VirtioRng
from emulator.qemu_opts import (
    OptDesc,
    Opts,
    OptsError,
    OptsList,
    OptType,
    parse_bool,
    parse_number,
    parse_size,
)

MiB = 1 << 20


@dataclass(frozen=True)
class Location:
    """Where an option was given: a command-line option as typed
    (``-drive file=x``) or a config file and line."""

    option: str | None = None
    file: str | None = None
    line: int = 0

    def prefix(self, program: str) -> str:
        """QEMU's prefix for a message about this option."""
        if self.file is not None:
            line = f"{self.line}:" if self.line else ""
            return f"{program}:{self.file}:{line} "
        if self.option is not None:
            return f"{program}: {self.option}: "
        return f"{program}: "


NO_LOCATION = Location()


class OptionError(Exception):
    """A bad option: QEMU's message, where it was given, hint lines."""

    def __init__(self, message: str, location: Location = NO_LOCATION, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def render(self, program: str) -> str:
        """The error as QEMU prints it (with a trailing newline)."""
        text = f"{self.location.prefix(program)}{self.message}\n"
        return text + (self.hint + "\n" if self.hint else "")


# -- option lists -------------------------------------------------------------

def drive_opts_list() -> OptsList:
    """``-drive``: any key is accepted at parse time, checked by drive_new."""
    return OptsList("drive")


def device_opts_list() -> OptsList:
    return OptsList("device", implied_opt_name="driver")


def netdev_opts_list() -> OptsList:
    return OptsList("netdev", implied_opt_name="type")


def memory_opts_list() -> OptsList:
    return OptsList("memory", implied_opt_name="size", merge_lists=True, desc=[
        OptDesc("size", OptType.SIZE), OptDesc("slots", OptType.NUMBER),
        OptDesc("maxmem", OptType.SIZE)])


# -- drives ---------------------------------------------------------------------

class DriveInterface(Enum):
    NONE = "none"
    IDE = "ide"
    SCSI = "scsi"
    FLOPPY = "floppy"
    PFLASH = "pflash"
    MTD = "mtd"
    SD = "sd"
    VIRTIO = "virtio"
    XEN = "xen"


_MAX_DEVS = {DriveInterface.IDE: 2, DriveInterface.SCSI: 7}
_CACHE_MODES = {"off": (False, True, False), "none": (False, True, False),
                "directsync": (True, True, False), "writeback": (False, False, False),
                "unsafe": (False, False, True), "writethrough": (True, False, False)}
_RENAMES = (("iops", "throttling.iops-total"), ("iops_rd", "throttling.iops-read"),
            ("iops_wr", "throttling.iops-write"), ("bps", "throttling.bps-total"),
            ("bps_rd", "throttling.bps-read"), ("bps_wr", "throttling.bps-write"),
            ("iops_max", "throttling.iops-total-max"),
            ("iops_rd_max", "throttling.iops-read-max"),
            ("iops_wr_max", "throttling.iops-write-max"),
            ("bps_max", "throttling.bps-total-max"), ("bps_rd_max", "throttling.bps-read-max"),
            ("bps_wr_max", "throttling.bps-write-max"), ("iops_size", "throttling.iops-size"),
            ("group", "throttling.group"), ("readonly", "read-only"))
_BOOL_OPTIONS = ("read-only", "copy-on-read", "snapshot", "cache.writeback", "cache.direct",
                 "cache.no-flush", "force-share", "auto-read-only",
                 "stats-account-invalid", "stats-account-failed")
_NUMBER_OPTIONS = ("bus", "unit", "index")
# Options of the block layer that -drive passes on (QEMU's common drive
# options, the runtime options every node has, those of the raw format and
# file protocol drivers).
_BLOCK_OPTIONS = frozenset({
    "file", "format", "if", "bus", "unit", "index", "media", "snapshot", "aio",
    "cache.writeback", "cache.direct", "cache.no-flush", "rerror", "werror", "read-only",
    "copy-on-read", "detect-zeroes", "stats-account-invalid", "stats-account-failed",
    "discard", "auto-read-only", "force-share", "node-name", "driver", "offset", "size",
    "locking", "aio-max-batch", "filename", "pr-manager", "drop-cache",
    "x-check-cache-dropped", "throttling.group",
})
_DETECT_ZEROES = ("off", "on", "unmap")


@dataclass(frozen=True)
class DriveSpec:
    """One ``-drive``, after QEMU's drive_new."""

    id: str
    file: str | None
    format: str | None
    interface: DriveInterface
    bus: int = 0
    unit: int = 0
    index: int = -1
    media: str = "disk"
    read_only: bool = False
    snapshot: bool = False
    write_cache: bool = True
    cache_direct: bool = False
    cache_no_flush: bool = False
    copy_on_read: bool = False
    werror: str | None = None
    rerror: str | None = None
    discard: bool = False
    options: tuple[tuple[str, str], ...] = ()
    location: Location = field(default=NO_LOCATION, compare=False)

    @property
    def empty(self) -> bool:
        return self.file is None

    def describe(self) -> str:
        return f"if={self.interface.value},bus={self.bus},unit={self.unit}"


def _rename(opts: Opts, old: str, new: str) -> None:
    if opts.find(old) is not None and opts.find(new) is not None:
        raise OptsError(f"'{new}' and its alias '{old}' can't be used at the same time")
    for item in opts.items:
        if item.name == old:
            item.name = new


def _get_bool(values: dict[str, str], name: str, default: bool) -> bool:
    text = values.get(name)
    return default if text is None else parse_bool(name, text)


def _error_action(text: str, is_read: bool) -> str:
    allowed = ("ignore", "stop", "report") if is_read else ("ignore", "enospc", "stop",
                                                             "report")
    if text not in allowed:
        raise OptsError(f"'{text}' invalid {'read' if is_read else 'write'} error action")
    return text


@dataclass
class DriveTable:
    """The drives given so far (QEMU's list of DriveInfo)."""

    drives: list[DriveSpec] = field(default_factory=list)
    implied_devices: list[DeviceSpec] = field(default_factory=list)
    claimed: dict[str, str] = field(default_factory=dict)
    default_interface: DriveInterface = DriveInterface.NONE

    def find(self, drive_id: str) -> DriveSpec | None:
        for drive in self.drives:
            if drive.id == drive_id:
                return drive
        return None

    def get(self, interface: DriveInterface, bus: int, unit: int) -> DriveSpec | None:
        for drive in self.drives:
            if (drive.interface, drive.bus, drive.unit) == (interface, bus, unit):
                return drive
        return None

    def add(self, opts: Opts, location: Location = NO_LOCATION) -> DriveSpec:
        """QEMU's drive_new for one ``-drive`` group."""
        try:
            drive = self._new(opts, location)
        except OptsError as err:
            raise OptionError(str(err), location, err.hint) from None
        self.drives.append(drive)
        if drive.interface is DriveInterface.VIRTIO:
            self.implied_devices.append(DeviceSpec("virtio-blk", None, None,
                                                   (("drive", drive.id),), location))
        return drive

    def _new(self, opts: Opts, location: Location) -> DriveSpec:
        for old, new in _RENAMES:
            _rename(opts, old, new)
        values: dict[str, str] = {}
        for item in opts.items:
            values[item.name] = item.text
        if opts.id is not None:
            values["id"] = opts.id
        for name in _BOOL_OPTIONS:
            if name in values:
                parse_bool(name, values[name])
        cache = values.pop("cache", None)
        write_cache = _get_bool(values, "cache.writeback", True)
        direct = _get_bool(values, "cache.direct", False)
        no_flush = _get_bool(values, "cache.no-flush", False)
        if cache is not None:
            if cache not in _CACHE_MODES:
                raise OptsError("invalid cache option")
            writethrough, cache_direct, cache_no_flush = _CACHE_MODES[cache]
            if "cache.writeback" not in values:
                write_cache = not writethrough
            if "cache.direct" not in values:
                direct = cache_direct
            if "cache.no-flush" not in values:
                no_flush = cache_no_flush
        numbers = {name: parse_number(name, values[name]) for name in _NUMBER_OPTIONS
                   if name in values}
        media = values.get("media", "disk")
        if media not in ("disk", "cdrom"):
            raise OptsError(f"'{media}' invalid media")
        read_only = media == "cdrom" or _get_bool(values, "read-only", False)
        copy_on_read = _get_bool(values, "copy-on-read", False) and not read_only
        interface_name = values.get("if")
        if interface_name is None:
            interface = self.default_interface
        else:
            try:
                interface = DriveInterface(interface_name)
            except ValueError:
                raise OptsError(f"unsupported bus type '{interface_name}'") from None
        bus, unit, index = self._address(interface, numbers)
        drive_id = values.get("id") or self._auto_id(interface, media, bus, unit)
        werror = values.get("werror")
        rerror = values.get("rerror")
        plain = (DriveInterface.IDE, DriveInterface.SCSI, DriveInterface.VIRTIO,
                 DriveInterface.NONE)
        if werror is not None and interface not in plain:
            raise OptsError("werror is not supported by this bus type")
        if rerror is not None and interface not in plain:
            raise OptsError("rerror is not supported by this bus type")
        file = values.get("file") or None
        image_format = values.get("format")
        if "driver" in values and image_format is not None:
            raise OptsError("Cannot specify both 'driver' and 'format'")
        image_format = image_format or values.get("driver")
        if werror is not None:
            _error_action(werror, False)
        if rerror is not None:
            _error_action(rerror, True)
        if "aio" in values and values["aio"] not in ("threads", "native", "io_uring"):
            raise OptsError("invalid aio option")
        discard_text = values.get("discard", "ignore")
        if discard_text not in ("off", "ignore", "on", "unmap"):
            raise OptsError("Invalid discard option")
        if "detect-zeroes" in values and values["detect-zeroes"] not in _DETECT_ZEROES:
            raise OptsError(f"Parameter 'detect-zeroes' does not accept value "
                            f"'{values['detect-zeroes']}'")
        if file is None and image_format is not None:
            raise OptsError('A block device must be specified for "file"')
        for name in values:
            if (name not in _BLOCK_OPTIONS and name not in ("id", "cache")
                    and not name.startswith(("throttling.", "file.", "stats-intervals."))):
                raise OptsError(f"Block format '{image_format or 'raw'}' does not support "
                                f"the option '{name}'")
        extra = tuple(sorted((name, text) for name, text in values.items()
                             if name.startswith(("throttling.", "file.", "stats-intervals."))))
        return DriveSpec(
            id=drive_id, file=file, format=image_format, interface=interface, bus=bus,
            unit=unit, index=index, media=media, read_only=read_only,
            snapshot=_get_bool(values, "snapshot", False), write_cache=write_cache,
            cache_direct=direct, cache_no_flush=no_flush, copy_on_read=copy_on_read,
            werror=werror, rerror=rerror, discard=discard_text in ("on", "unmap"),
            options=extra, location=location)

    def _address(self, interface: DriveInterface,
                 numbers: dict[str, int]) -> tuple[int, int, int]:
        bus = numbers.get("bus", 0)
        unit = numbers.get("unit", -1)
        index = numbers.get("index", -1)
        max_devs = _MAX_DEVS.get(interface, 0)
        if index != -1:
            if bus != 0 or unit != -1:
                raise OptsError("index cannot be used with bus and unit")
            bus, unit = (index // max_devs, index % max_devs) if max_devs else (0, index)
        if unit == -1:
            unit = 0
            while self.get(interface, bus, unit) is not None:
                unit += 1
                if max_devs and unit >= max_devs:
                    unit -= max_devs
                    bus += 1
        if max_devs and unit >= max_devs:
            raise OptsError(f"unit {unit} too big (max is {max_devs - 1})")
        if self.get(interface, bus, unit) is not None:
            raise OptsError(f"drive with bus={bus}, unit={unit} (index={index}) exists")
        return bus, unit, index

    @staticmethod
    def _auto_id(interface: DriveInterface, media: str, bus: int, unit: int) -> str:
        media_tag = ""
        if interface in (DriveInterface.IDE, DriveInterface.SCSI):
            media_tag = "-cd" if media == "cdrom" else "-hd"
        if interface in _MAX_DEVS:
            return f"{interface.value}{bus}{media_tag}{unit}"
        return f"{interface.value}{media_tag}{unit}"

    def claim(self, drive_id: str, device: str, location: Location = NO_LOCATION) -> DriveSpec:
        """Attach a drive to a device (QEMU's drive property)."""
        drive = self.find(drive_id)
        if drive is None:
            raise OptionError(f"Property '{device}.drive' can't find value '{drive_id}'",
                              location)
        if drive_id in self.claimed:
            raise OptionError(f"Drive '{drive_id}' is already in use by another device",
                              location)
        self.claimed[drive_id] = device
        return drive

    def check_orphans(self) -> None:
        """QEMU's drive_check_orphaned: a drive (other than if=none and
        if=virtio) that the board did not `claim` is an error at the
        drive's location."""
        for drive in self.drives:
            if drive.interface in (DriveInterface.VIRTIO, DriveInterface.NONE):
                continue
            if drive.id in self.claimed:
                continue
            raise OptionError(f"machine type does not support {drive.describe()}",
                              drive.location)


# -- devices --------------------------------------------------------------------

class PropertyType(Enum):
    BOOL = "bool"
    UINT8 = "uint8"
    UINT16 = "uint16"
    UINT32 = "uint32"
    UINT64 = "uint64"
    STRING = "str"
    DRIVE = "drive"
    LINK = "link"
    ON_OFF_AUTO = "OnOffAuto"
    SIZE = "size"
    BLOCK_SIZE = "block size"


_INT_LIMITS = {PropertyType.UINT8: (8, "uint8_t"), PropertyType.UINT16: (16, "uint16_t"),
               PropertyType.UINT32: (32, "uint32_t"), PropertyType.UINT64: (64, "uint64_t")}


@dataclass(frozen=True)
class DeviceModel:
    """A ``-device`` type: its bus, properties (name → type), description."""

    name: str
    bus: str
    properties: dict[str, PropertyType]
    desc: str = ""
    aliases: tuple[str, ...] = ()


VIRTIO_COMMON_PROPERTIES = {
    name: PropertyType.BOOL for name in (
        "indirect_desc", "event_idx", "notify_on_empty", "any_layout", "iommu_platform",
        "packed", "queue_reset", "use-started", "use-disabled-flag", "x-disable-legacy-check")}

DEVICE_MODELS: dict[str, DeviceModel] = {}


def register_device_model(model: DeviceModel) -> DeviceModel:
    DEVICE_MODELS[model.name] = model
    return model


register_device_model(DeviceModel(
    "virtio-blk-device", "virtio-bus", {
        "drive": PropertyType.DRIVE, "serial": PropertyType.STRING,
        "config-wce": PropertyType.BOOL, "scsi": PropertyType.BOOL,
        "request-merging": PropertyType.BOOL, "num-queues": PropertyType.UINT16,
        "queue-size": PropertyType.UINT16, "seg-max-adjust": PropertyType.BOOL,
        "iothread": PropertyType.LINK, "discard": PropertyType.BOOL,
        "report-discard-granularity": PropertyType.BOOL, "write-zeroes": PropertyType.BOOL,
        "max-discard-sectors": PropertyType.UINT32,
        "max-write-zeroes-sectors": PropertyType.UINT32,
        "x-enable-wce-if-config-wce": PropertyType.BOOL,
        "logical_block_size": PropertyType.BLOCK_SIZE,
        "physical_block_size": PropertyType.BLOCK_SIZE, "min_io_size": PropertyType.SIZE,
        "opt_io_size": PropertyType.SIZE, "discard_granularity": PropertyType.SIZE,
        "write-cache": PropertyType.ON_OFF_AUTO, "share-rw": PropertyType.BOOL,
        "account-invalid": PropertyType.ON_OFF_AUTO, "account-failed": PropertyType.ON_OFF_AUTO,
        "backend_defaults": PropertyType.ON_OFF_AUTO, "rerror": PropertyType.STRING,
        "werror": PropertyType.STRING, "cyls": PropertyType.UINT32,
        "heads": PropertyType.UINT32, "secs": PropertyType.UINT32,
        "lcyls": PropertyType.UINT32, "lheads": PropertyType.UINT32,
        "lsecs": PropertyType.UINT32, **VIRTIO_COMMON_PROPERTIES},
    "Virtio block device", aliases=("virtio-blk",)))
register_device_model(DeviceModel(
    "virtio-rng-device", "virtio-bus", {
        "rng": PropertyType.LINK, "max-bytes": PropertyType.UINT64,
        "period": PropertyType.UINT32, **VIRTIO_COMMON_PROPERTIES},
    "Virtio random number generator", aliases=("virtio-rng",)))


def find_device_model(name: str) -> DeviceModel | None:
    model = DEVICE_MODELS.get(name)
    if model is not None:
        return model
    for candidate in DEVICE_MODELS.values():
        if name in candidate.aliases:
            return candidate
    return None


@dataclass(frozen=True)
class DeviceSpec:
    """One ``-device``: the driver as given, its id, bus, and properties
    as typed (name, text) pairs in order."""

    driver: str | None
    id: str | None
    bus: str | None
    properties: tuple[tuple[str, str], ...] = ()
    location: Location = field(default=NO_LOCATION, compare=False)

    def get(self, name: str) -> str | None:
        for key, value in reversed(self.properties):
            if key == name:
                return value
        return None


def device_from_opts(opts: Opts, location: Location = NO_LOCATION) -> DeviceSpec:
    properties = tuple((item.name, item.text) for item in opts.items
                       if item.name not in ("driver", "bus"))
    return DeviceSpec(opts.get("driver"), opts.id, opts.get("bus"), properties, location)


def parse_property(model: DeviceModel, name: str, text: str) -> bool | int | str:
    """A property's value from its text, with QEMU's messages."""
    kind = model.properties[name]
    if kind is PropertyType.BOOL:
        return parse_bool(name, text)
    if kind in _INT_LIMITS:
        bits, c_name = _INT_LIMITS[kind]
        try:
            number = int(text, 0)
        except ValueError:
            raise OptsError(f"Parameter '{name}' expects integer") from None
        if not 0 <= number < 1 << bits:
            raise OptsError(f"Parameter '{name}' expects {c_name}")
        return number
    if kind is PropertyType.ON_OFF_AUTO:
        if text not in ("on", "off", "auto"):
            raise OptsError(f"Parameter '{name}' does not accept value '{text}'")
        return text
    if kind in (PropertyType.SIZE, PropertyType.BLOCK_SIZE):
        size = parse_size(name, text)
        if kind is PropertyType.BLOCK_SIZE and size:
            if size < 512 or size > 2 * MiB:
                raise OptsError(f"Property {model.name}.{name} doesn't take value {size} "
                                f"(minimum: 512, maximum: {2 * MiB})")
            if size & (size - 1):
                raise OptsError(f"Property {model.name}.{name} doesn't take value '{size}', "
                                "it's not a power of 2")
        return size
    return text


def device_help(model: DeviceModel) -> str:
    """``-device NAME,help``."""
    shown = {PropertyType.DRIVE: "str", PropertyType.BLOCK_SIZE: "size"}
    lines = [f"  {name}=<{shown.get(kind, kind.value)}>"
             for name, kind in sorted(model.properties.items())]
    return f"{model.name} options:\n" + "".join(line + "\n" for line in lines)


def devices_help() -> str:
    """``-device help``: the device models there are."""
    lines = [f'name "{model.name}", bus {model.bus}'
             + (f', desc "{model.desc}"' if model.desc else "")
             for model in sorted(DEVICE_MODELS.values(), key=lambda model: model.name)]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class CheckedDevice:
    """A ``-device`` that passed `check_device`: its model, parsed
    properties, and the drive it claimed (if any)."""

    spec: DeviceSpec
    model: DeviceModel
    values: dict[str, bool | int | str]
    drive: DriveSpec | None = None


def check_device(spec: DeviceSpec, drives: DriveTable) -> CheckedDevice:
    """QEMU's qdev_device_add checks for one ``-device``."""
    location = spec.location
    if spec.driver is None:
        raise OptionError("Parameter 'driver' is missing", location)
    model = find_device_model(spec.driver)
    if model is None:
        available = ", ".join(sorted(DEVICE_MODELS))
        raise OptionError(f"'{spec.driver}' is not a valid device model name", location,
                          f"Available device models: {available}")
    values: dict[str, bool | int | str] = {}
    for name, text in spec.properties:
        if name not in model.properties:
            raise OptionError(f"Property '{model.name}.{name}' not found", location)
        try:
            values[name] = parse_property(model, name, text)
        except OptsError as err:
            raise OptionError(str(err), location, err.hint) from None
    for name, kind in model.properties.items():
        if kind is PropertyType.LINK and name in values:
            raise OptionError(f"Property '{model.name}.{name}' can't find value "
                              f"'{values[name]}'", location)
    drive = None
    if "drive" in model.properties:
        drive_id = values.get("drive")
        if drive_id:
            drive = drives.claim(str(drive_id), model.name, location)
            if drive.empty:
                raise OptionError("Device needs media, but drive is empty", location)
        else:
            raise OptionError("drive property not set", location)
    if model.name == "virtio-rng-device":
        if values.get("period", 1) == 0:
            raise OptionError("'period' parameter expects a positive integer", location)
        if int(values.get("max-bytes", 0)) > (1 << 63) - 1:
            raise OptionError("'max-bytes' parameter must be non-negative, and less than "
                              "2^63", location)
    return CheckedDevice(spec, model, values, drive)


def assign_virtio_buses(devices: Iterable[CheckedDevice],
                        transports: int = 8) -> list[tuple[CheckedDevice, int]]:
    """Place virtio devices on virt's transports: ``bus=virtio-mmio-bus.N``
    takes transport N; otherwise the free one with the highest address,
    as QEMU's bus search finds it.  Returns (device, transport index)."""
    used: set[int] = set()
    placed = []
    for device in devices:
        if device.model.bus != "virtio-bus":
            continue
        bus = device.spec.bus
        if bus is not None:
            prefix = "virtio-mmio-bus."
            index = int(bus[len(prefix):]) if bus.startswith(prefix) and bus[
                len(prefix):].isdigit() else -1
            if not 0 <= index < transports:
                raise OptionError(f"Bus '{bus}' not found", device.spec.location)
            if index in used:
                raise OptionError(f"Bus '{bus}' is full", device.spec.location)
        else:
            free = [index for index in range(transports) if index not in used]
            if not free:
                raise OptionError(f"No 'virtio-bus' bus found for device "
                                  f"'{device.model.name}'", device.spec.location)
            index = free[-1]
        used.add(index)
        placed.append((device, index))
    return placed


_COMMON_FEATURE_BITS = {"indirect_desc": 28, "event_idx": 29, "notify_on_empty": 24,
                        "any_layout": 27, "iommu_platform": 33, "packed": 34, "queue_reset": 40}


def create_virtio_device(device: CheckedDevice, dma: Dma,
                         image: RawImage | None = None) -> VirtioDevice:
    """The virtio device a checked ``-device`` asks for, its properties
    applied (``image``: the opened image of its drive, for virtio-blk)."""
    values = device.values
    features = COMMON_FEATURES
    for name, bit in _COMMON_FEATURE_BITS.items():
        if name in values:
            features = features | (1 << bit) if values[name] else features & ~(1 << bit)
    if values.get("packed") or values.get("iommu_platform"):
        raise OptionError("packed rings and IOMMU platforms are not supported",
                          device.spec.location)
    try:
        if device.model.name == "virtio-rng-device":
            return VirtioRng(dma, max_bytes=int(values.get("max-bytes", (1 << 63) - 1)),
                             period_ms=int(values.get("period", 1 << 16)),
                             common_features=features)
        if device.model.name == "virtio-blk-device":
            if image is None:
                raise OptionError("drive property not set", device.spec.location)
            if values.get("scsi"):
                raise OptionError("Please set scsi=off for virtio-blk devices in order to "
                                  "use virtio 1.0", device.spec.location)
            write_cache = {"on": True, "off": False}.get(
                str(values.get("write-cache", "auto")),
                device.drive.write_cache if device.drive is not None else True)
            geometry = None
            if all(values.get(name) for name in ("cyls", "heads", "secs")):
                geometry = (int(values["cyls"]), int(values["heads"]), int(values["secs"]))
            return VirtioBlk(
                dma, image, serial=str(values.get("serial", "")),
                queue_size=int(values.get("queue-size", 256)),
                num_queues=int(values.get("num-queues", 1)),
                config_wce=bool(values.get("config-wce", True)),
                discard=bool(values.get("discard", True)),
                write_zeroes=bool(values.get("write-zeroes", True)),
                logical_block_size=int(values.get("logical_block_size", 0)) or 512,
                physical_block_size=int(values.get("physical_block_size", 0)) or 512,
                max_discard_sectors=int(values.get("max-discard-sectors",
                                                   REQUEST_MAX_SECTORS)),
                max_write_zeroes_sectors=int(values.get("max-write-zeroes-sectors",
                                                        REQUEST_MAX_SECTORS)),
                write_cache=write_cache, seg_max_adjust=bool(values.get("seg-max-adjust", True)),
                geometry=geometry, common_features=features)
    except ValueError as err:
        raise OptionError(str(err), device.spec.location) from None
    raise OptionError(f"'{device.model.name}' is not a virtio device", device.spec.location)


# -- netdevs and memory -----------------------------------------------------------

NETDEV_TYPES = ("user", "tap", "l2tpv3", "socket", "stream", "dgram", "vde", "bridge",
                "hubport", "netmap", "vhost-user", "vhost-vdpa")


@dataclass(frozen=True)
class NetdevSpec:
    """One ``-netdev``: its backend type, id and options."""

    type: str
    id: str
    properties: tuple[tuple[str, str], ...] = ()
    location: Location = field(default=NO_LOCATION, compare=False)


def netdev_from_opts(opts: Opts, location: Location = NO_LOCATION) -> NetdevSpec:
    netdev_type = opts.get("type")
    if opts.id is None:
        raise OptionError("Parameter 'id' is missing", location)
    if netdev_type is None:
        raise OptionError("Parameter 'type' is missing", location)
    if netdev_type not in NETDEV_TYPES:
        raise OptionError(f"Parameter 'type' does not accept value '{netdev_type}'", location)
    properties = tuple((item.name, item.text) for item in opts.items if item.name != "type")
    return NetdevSpec(netdev_type, opts.id, properties, location)


@dataclass(frozen=True)
class MemorySpec:
    """``-m``: RAM size in bytes (None: the machine's default), hotplug
    slots and maximum."""

    size: int | None = None
    slots: int | None = None
    maxmem: int | None = None
    location: Location = field(default=NO_LOCATION, compare=False)


def memory_from_opts(opts: Opts | None, location: Location = NO_LOCATION) -> MemorySpec:
    """QEMU's parse_memory_options: a size without a suffix is in MiB."""
    if opts is None:
        return MemorySpec()
    try:
        size = opts.get_size("size", 0)
        text = opts.get("size") or ""
        if size and text and text[-1].isdigit():
            size = parse_size("size", text + "M")
        maxmem = opts.get_size("maxmem", 0) if "maxmem" in opts else None
        slots = opts.get_number("slots", 0) if "slots" in opts else None
    except OptsError as err:
        raise OptionError(str(err), location, err.hint) from None
    return MemorySpec(size or None, slots, maxmem, location)

