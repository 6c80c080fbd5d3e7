"""What QEMU's RISC-V boards share: RAM at 0x80000000, the boot ROM, the
harts with their ACLINT (software interrupts and timer) at 0x2000000, the
virtual clock, the round-robin CPU runner, loading images, resets, logs.

A board subclasses `RiscvBoard`: `add_devices` maps its devices, and
`load_images` loads its images (as `Blob`s) and returns the addresses the boot
ROM hands over.  Guest exits (sifive_test, HTIF) and resets go through
`config.events` to the run state.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from emulator.block import BlockError, RawImage, open_image
from emulator.cli import CliError, program_name
from emulator.cpus import RoundRobinRunner
from emulator.devices.aclint import SWI_SIZE, AclintMTimer, AclintSwi
from emulator.drive import DriveSpec, OptionError
from emulator.machine import Machine, MachineClass, MachineConfig
from emulator.machines import boot
from emulator.machines.elf_loader import ElfImage
from emulator.riscv.cpu import RiscvCpu
from runtime.accel.clock import VirtualClock
from runtime.accel.softmmu import PhysicalMemory

DRAM_BASE = 0x80000000
CLINT_BASE = 0x2000000


class Resettable(Protocol):
    def reset(self) -> None: ...


class RiscvBoard(Machine):
    """A RISC-V board: subclasses say which devices and how it boots."""

    # Whether the ACLINT timer backs the harts' time CSR (and so Sstc).
    provides_rdtime = True

    def __init__(self, machine_class: MachineClass, config: MachineConfig) -> None:
        super().__init__(machine_class, config)
        self.ram_size = config.ram_size or machine_class.default_ram_size
        self.properties = config.properties
        self.memory = PhysicalMemory()
        self.memory.add_ram(DRAM_BASE, self.ram_size)
        self.memory.add_rom(boot.MROM_BASE, boot.MROM_SIZE)
        self.harts = [RiscvCpu(self.memory, hartid) for hartid in range(config.smp_cpus)]
        self.clock = VirtualClock(self.memory, config.icount_shift)
        self.mswi = AclintSwi(self.memory, self.harts, CLINT_BASE)
        self.mtimer = AclintMTimer(self.memory, self.clock, self.harts, CLINT_BASE + SWI_SIZE,
                                   provide_rdtime=self.provides_rdtime)
        self.runner = RoundRobinRunner(self.harts, self.clock, self.mtimer.next_deadline_ns)
        self.resettable: list[Resettable] = [self.mswi, self.mtimer]
        self.blobs: list[boot.Blob] = []
        self.images: list[RawImage] = []
        self.elf_images: list[ElfImage] = []
        self.add_devices()
        try:
            self.load_images()
        except boot.BootError as err:
            sys.stderr.write(err.preamble)
            raise CliError(str(err)) from None
        self._start_logging(config)
        self.reset("none")

    # -- what boards provide ---------------------------------------------------

    def add_devices(self) -> None:
        """Map the board's devices into `memory`."""

    def load_images(self) -> None:
        """Load the images into `blobs`."""

    # -- helpers for boards ------------------------------------------------------

    def add_image(self, image: boot.LoadedImage) -> None:
        self.blobs.extend(image.blobs)
        if image.elf is not None:
            self.elf_images.append(image.elf)

    def find_firmware(self, name: str) -> Path:
        """``-bios name``: the file, or one in the ``-L`` folders or QEMU's."""
        return boot.find_firmware(name, self.config.firmware_dirs + boot.FIRMWARE_DIRS)

    def firmware_option(self) -> str | None:
        """``-bios``: None when not given."""
        value = self.properties.get("firmware")
        return None if value is None else str(value)

    def open_drive(self, drive: DriveSpec) -> RawImage:
        """A drive's image, opened as QEMU opens it (with its warnings)."""
        if drive.file is None:
            raise CliError(f"Drive '{drive.id}' has no image")
        try:
            opened = open_image(drive.file, drive.format, read_only=drive.read_only,
                                snapshot=drive.snapshot)
        except BlockError as err:
            raise OptionError(str(err), drive.location) from None
        for warning in opened.warnings:
            sys.stderr.write(f"{program_name()}: warning: {warning}\n")
        self.images.append(opened.image)
        return opened.image

    def host_timer(self, callback: Callable[[], None]) -> Callable[[int | None], None]:
        """For devices with a deadline in host wall-clock ns (the RTC's
        alarm): call `callback` once it has passed."""
        handle: list[asyncio.TimerHandle] = []

        def set_deadline(deadline: int | None) -> None:
            while handle:
                handle.pop().cancel()
            if deadline is None:
                return
            delay = max(0.0, (deadline - time.time_ns()) / 1e9)
            try:
                handle.append(asyncio.get_running_loop().call_later(delay, callback))
            except RuntimeError:
                pass                # no loop (a board built outside the emulator)
        return set_deadline

    def guest_exit(self, status: int) -> None:
        """The guest ends the emulator with `status` (QEMU's exit())."""
        if self.config.events is not None:
            self.config.events.request_exit(status)
        self.runner.interrupt()

    def guest_reset(self) -> None:
        if self.config.events is not None:
            self.config.events.request_reset("guest-reset")
        self.runner.interrupt()

    def hart_irq(self, hart: int, irq: int) -> Callable[[bool], None]:
        """The line a device drives to raise interrupt `irq` of a hart."""
        cpu = self.harts[hart]

        def drive(level: bool) -> None:
            cpu.set_irq(irq, level)
            if level:
                self.runner.kick()
        return drive

    # -- the Machine interface ---------------------------------------------------

    def reset(self, cause: str) -> None:
        # As QEMU's ROM blobs: the images go back where they were loaded.
        for blob in self.blobs:
            self.memory.write(blob.addr, blob.data)
        for hart in self.harts:
            hart.reset(boot.MROM_BASE)
        for device in self.resettable:
            device.reset()
        # The harts may have been waiting for an interrupt: they run now.
        self.runner.kick()

    def cpus_fast(self) -> list[dict[str, Any]]:
        thread = threading.get_native_id()
        return [{"cpu-index": index, "qom-path": f"/machine/soc0/harts[{index}]",
                 "thread-id": thread, "props": {"core-id": index}, "target": "riscv64"}
                for index in range(len(self.harts))]

    def vm_state_changed(self, running: bool, state: str) -> None:
        if running:
            self.runner.start()
        else:
            self.runner.stop()

    def interrupt_cpus(self) -> None:
        self.runner.interrupt()

    # -- logs ----------------------------------------------------------------------

    def _start_logging(self, config: MachineConfig) -> None:
        items = [item for item in config.log_items if item in ("in_asm", "exec", "int", "cpu")]
        if not items:
            return
        for index, hart in enumerate(self.harts):
            hart.symbolizer = self.symbolize
            try:
                hart.set_log(items, config.log_file, append=index > 0)
            except OSError as err:
                raise CliError(str(err)) from None

    def symbolize(self, pc: int) -> str:
        for image in self.elf_images:
            name = image.function_at(pc)
            if name:
                return name
        return ""

