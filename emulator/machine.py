"""Machine types: the registry ``-machine`` chooses from.

A board describes its machine type with a `MachineClass` and registers
it (`register_machine`).  The registry imports `emulator.board_none` (the
empty machine) and the package `emulator.machines` when first used, so
boards register from that package's ``__init__``; registering must be
cheap, with a board's heavy imports (CPU, devices) inside its ``init``.

A machine type builds a `Machine` from the parsed configuration; the
machine is asked to reset and to describe its CPUs, and hears of the
guest starting and stopping through the run state's change handlers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from emulator.qemu_opts import OptDesc, OptType

if TYPE_CHECKING:
    from emulator.drive import CheckedDevice, DriveTable

# Properties every machine type has (QEMU's MachineClass properties);
# a board adds its own in `MachineClass.properties`.
COMMON_PROPERTIES: tuple[OptDesc, ...] = (
    OptDesc("append", OptType.STRING, "kernel command line"),
    OptDesc("dtb", OptType.STRING, "device tree blob for the kernel"),
    OptDesc("dumpdtb", OptType.STRING, "write the device tree to this file and quit"),
    OptDesc("dt-compatible", OptType.STRING, "replaces the root node's compatible string"),
    OptDesc("dump-guest-core", OptType.BOOL, "include guest memory in core dumps"),
    OptDesc("firmware", OptType.STRING, "firmware image"),
    OptDesc("graphics", OptType.BOOL, "whether the machine has a display"),
    OptDesc("initrd", OptType.STRING, "initial ram disk"),
    OptDesc("kernel", OptType.STRING, "kernel image"),
    OptDesc("mem-merge", OptType.BOOL, "let the host merge identical memory pages"),
    OptDesc("memory-backend", OptType.STRING, "id of the memory backend for guest RAM"),
    OptDesc("phandle-start", OptType.NUMBER, "first phandle of the device tree"),
    OptDesc("suppress-vmdesc", OptType.BOOL, "leave the description out of migration"),
    OptDesc("usb", OptType.BOOL, "whether the machine has USB"),
)


class MachineEvents(Protocol):
    """What a board may ask of the emulator running it."""

    def request_reset(self, cause: str) -> None: ...
    def request_shutdown(self, cause: str) -> None: ...
    def request_exit(self, status: int) -> None: ...


class MachineInitExit(Exception):
    """Building the machine ended the run (``dumpdtb``): exit with `status`."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class MachineConfig:
    """What the command line says about the machine to build.

    `properties` hold the machine options (``-machine``, and ``-kernel``,
    ``-bios``, ``-initrd``, ``-append``, ``-dtb``, which QEMU turns into
    machine properties); `serial_chardevs` the chardev of each ``-serial``
    (None: ``-serial none``)."""

    properties: dict[str, Any] = field(default_factory=dict)
    smp_cpus: int = 1
    ram_size: int | None = None
    serial_chardevs: list[Any] = field(default_factory=list)
    icount_shift: int | None = None
    log_items: tuple[str, ...] = ()
    log_file: str | None = None
    firmware_dirs: tuple[str, ...] = ()
    nographic: bool = False
    drives: DriveTable | None = None
    virtio_devices: list[tuple[CheckedDevice, int]] = field(default_factory=list)
    """``-device`` virtio devices and the transport each goes on."""
    events: MachineEvents | None = None


class Machine:
    """A built machine.  Boards subclass it."""

    def __init__(self, machine_class: MachineClass, config: MachineConfig) -> None:
        self.machine_class = machine_class
        self.config = config

    def reset(self, cause: str) -> None:
        """Put every device (and CPU) back in its reset state."""

    def cpus_fast(self) -> list[dict[str, Any]]:
        """``query-cpus-fast``: one CpuInfoFast per virtual CPU."""
        return []

    def vm_state_changed(self, running: bool, state: str) -> None:
        """The guest started (``running``) or stopped, now in ``state``."""

    def interrupt_cpus(self) -> None:
        """A request waits for the main loop: let it have a turn soon."""


MachineInit = Callable[["MachineClass", MachineConfig], Machine]


@dataclass
class MachineClass:
    """A machine type: its name, its limits, and how to build it."""

    name: str
    desc: str
    init: MachineInit = Machine
    alias: str | None = None
    is_default: bool = False
    max_cpus: int = 1
    default_ram_size: int = 128 << 20
    # Whether the board has serial ports (QEMU's no_serial is the opposite).
    has_serial: bool = False
    default_cpu_type: str | None = None
    default_ram_id: str | None = None
    numa_mem_supported: bool = False
    hotpluggable_cpus: bool = False
    deprecation_reason: str | None = None
    properties: tuple[OptDesc, ...] = ()

    @property
    def type_name(self) -> str:
        return f"{self.name}-machine"

    def all_properties(self) -> tuple[OptDesc, ...]:
        return COMMON_PROPERTIES + self.properties

    def find_property(self, name: str) -> OptDesc | None:
        for desc in self.all_properties():
            if desc.name == name:
                return desc
        return None

    def info(self) -> dict[str, Any]:
        """Its entry in ``query-machines`` (MachineInfo)."""
        info: dict[str, Any] = {"name": self.name}
        if self.alias is not None:
            info["alias"] = self.alias
        if self.is_default:
            info["is-default"] = True
        info["cpu-max"] = self.max_cpus
        info["hotpluggable-cpus"] = self.hotpluggable_cpus
        info["numa-mem-supported"] = self.numa_mem_supported
        info["deprecated"] = self.deprecation_reason is not None
        if self.default_cpu_type is not None:
            info["default-cpu-type"] = self.default_cpu_type
        if self.default_ram_id is not None:
            info["default-ram-id"] = self.default_ram_id
        return info


_MACHINES: dict[str, MachineClass] = {}
_loaded = False


def register_machine(machine_class: MachineClass) -> MachineClass:
    """Make a machine type known to ``-machine``."""
    _MACHINES[machine_class.name] = machine_class
    return machine_class


def _load_boards() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    importlib.import_module("emulator.board_none")
    importlib.import_module("emulator.machines")


def machine_classes() -> list[MachineClass]:
    """Every machine type, sorted by name (as ``-machine help`` lists them)."""
    _load_boards()
    return sorted(_MACHINES.values(), key=lambda machine_class: machine_class.name)


def find_machine(name: str) -> MachineClass | None:
    """The machine type called ``name`` (or with that alias)."""
    for machine_class in machine_classes():
        if name in (machine_class.name, machine_class.alias):
            return machine_class
    return None


def default_machine() -> MachineClass | None:
    for machine_class in machine_classes():
        if machine_class.is_default:
            return machine_class
    return None


def unknown_machine_hint(name: str) -> str:
    """What follows "unsupported machine type": the types there are."""
    names = ", ".join(machine_class.name for machine_class in machine_classes())
    return (f"Machine type '{name}' is not one of: {names}\n"
            "Use -machine help to list supported machines")


def machine_help() -> str:
    """``-machine help``."""
    lines = ["Supported machines are:"]
    for machine_class in machine_classes():
        if machine_class.alias is not None:
            lines.append(f"{machine_class.alias:<20} {machine_class.desc} "
                         f"(alias of {machine_class.name})")
        default = " (default)" if machine_class.is_default else ""
        deprecated = " (deprecated)" if machine_class.deprecation_reason else ""
        lines.append(f"{machine_class.name:<20} {machine_class.desc}{default}{deprecated}")
    return "\n".join(lines) + "\n"
