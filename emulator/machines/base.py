"""What the bare-metal RISC-V boards share: RAM, the boot ROM, one hart, a
CLINT as the clock, loading the kernel ELF, logging and the run loop."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from emulator.devices.clint import Clint
from emulator.machines import boot
from emulator.machines.elf_loader import ElfImage, load_elf
from emulator.riscv.cpu import RiscvCpu
from runtime.accel.softmmu import PhysicalMemory

DRAM_BASE = 0x80000000
CLINT_BASE = 0x2000000
DEFAULT_RAM_SIZE = 128 << 20
# Room QEMU's device tree takes below the end of RAM (it is put on a 2 MiB
# boundary, so any size under 2 MiB gives the same address).
FDT_RESERVE = 0x2000


class MachineExit(Exception):
    """Raised by run() when the host interrupted the guest (Ctrl-C)."""


class BareMetalMachine:
    """A one-hart board booting an ELF kernel with `-bios none` semantics.

    Subclasses add their devices in `_add_devices`. `run()` returns the exit
    status the guest asked for (sifive_test, HTIF)."""

    # Whether the CLINT backs the time CSR (and so Sstc).
    provides_rdtime = True

    def __init__(
        self,
        kernel_path: str | Path,
        ram_size: int = DEFAULT_RAM_SIZE,
        *,
        log_items: Iterable[str] = (),
        log_file: str | Path | None = None,
        icount_shift: int | None = None,
        stdout: BinaryIO | None = None,
    ) -> None:
        self.ram_size = ram_size
        self.stdout = stdout if stdout is not None else sys.stdout.buffer
        self.exit_code: int | None = None
        self._reset_requested = False
        self.memory = PhysicalMemory()
        self.memory.add_ram(DRAM_BASE, ram_size)
        self.memory.add_rom(boot.MROM_BASE, boot.MROM_SIZE)
        self.cpu = RiscvCpu(self.memory)
        self.clint = Clint(self.memory, self.cpu, CLINT_BASE, icount_shift=icount_shift,
                           provide_rdtime=self.provides_rdtime)
        self.kernel_path = kernel_path
        self.kernel: ElfImage = load_elf(kernel_path, self.memory)
        self._add_devices()
        fdt = boot.fdt_address(DRAM_BASE, ram_size, FDT_RESERVE)
        self.memory.write(boot.MROM_BASE,
                          boot.reset_vector(DRAM_BASE, fdt, self.kernel.low_addr))
        log_items = list(log_items)
        if log_items:
            self.cpu.symbolizer = self.kernel.function_at
            self.cpu.set_log(log_items, log_file)
        self.cpu.reset(boot.MROM_BASE)
        self.clint.reset()

    def _add_devices(self) -> None:
        raise NotImplementedError

    def request_exit(self, code: int) -> None:
        """Power off with exit status `code` (called by devices)."""
        self.exit_code = code & 0xFF
        self.cpu.request_exit(True)

    def request_reset(self) -> None:
        """Reset the machine (called by devices): done by run() once the
        CPU loop has stopped, never under the running code."""
        self._reset_requested = True
        self.cpu.request_exit(True)

    def run(self) -> int:
        """Run the guest until it powers off; returns its exit status."""
        try:
            while True:
                self.cpu.run()
                if not self._reset_requested:
                    break
                self._reset_requested = False
                # Like QEMU, a reset puts the loaded images back.
                load_elf(self.kernel_path, self.memory)
                self.cpu.reset(boot.MROM_BASE)
                self.clint.reset()
        finally:
            self.stdout.flush()
        if self.exit_code is None:
            if self.clint.interrupted:
                raise MachineExit("interrupted")
            self.exit_code = 0
        return self.exit_code
