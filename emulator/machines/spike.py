"""QEMU's ``spike`` board: RAM at 0x80000000, the boot ROM, CLINT at
0x2000000 and HTIF laid over the ``tohost``/``fromhost`` symbols of the
loaded ELF images (or at 0x1000000 when they have none), its console on
the first ``-serial``.  The guest's exit value is the exit status.

QEMU's spike also builds a device tree; this one leaves it out (the boot
ROM still passes the address QEMU would use).
"""

from __future__ import annotations

from emulator.cli import CliError
from emulator.devices.char_frontend import CharFrontend
from emulator.devices.htif import Htif
from emulator.machine import MachineClass, register_machine
from emulator.machines import boot
from emulator.machines.riscv_board import DRAM_BASE, RiscvBoard

HTIF_DEFAULT_BASE = 0x1000000
DEFAULT_FIRMWARE = "opensbi-riscv64-generic-fw_dynamic.bin"


class SpikeBoard(RiscvBoard):
    # QEMU's spike wires no time source to the harts: time and stimecmp trap.
    provides_rdtime = False

    def load_images(self) -> None:
        firmware_end = DRAM_BASE
        option = self.firmware_option()
        if option != "none":
            path = self.find_firmware(DEFAULT_FIRMWARE if option in (None, "default")
                                      else str(option))
            image = boot.load_firmware(path, DRAM_BASE, self.ram_size)
            self.add_image(image)
            firmware_end = image.high
        kernel_entry = 0
        kernel = self.properties.get("kernel")
        if kernel is not None:
            image = boot.load_kernel(str(kernel), boot.kernel_start_address(firmware_end),
                                     self.ram_size)
            self.add_image(image)
            kernel_entry = image.low
        fdt_addr = boot.fdt_address(DRAM_BASE, self.ram_size)
        self.blobs.append(boot.Blob(boot.MROM_BASE,
                                    boot.reset_vector(DRAM_BASE, fdt_addr, kernel_entry)))
        self._add_htif()

    def _add_htif(self) -> None:
        symbols: dict[str, tuple[int, int]] = {}
        for elf in self.elf_images:
            symbols.update(elf.symbols)
        if "tohost" in symbols and "fromhost" in symbols:
            for name in ("tohost", "fromhost"):
                if symbols[name][1] != 8:
                    raise CliError(f"HTIF {name} must be 8 bytes")
            tohost, fromhost = symbols["tohost"][0], symbols["fromhost"][0]
        else:
            fromhost, tohost = HTIF_DEFAULT_BASE, HTIF_DEFAULT_BASE + 8
        base = min(tohost, fromhost)
        size = max(tohost, fromhost) + 8 - base
        console = CharFrontend()
        serials = self.config.serial_chardevs
        if serials and serials[0] is not None:
            console.attach(serials[0])
        self.htif = Htif(tohost - base, fromhost - base, console.write, self.guest_exit)
        # Over RAM, like QEMU's overlapping I/O region.
        self.memory.add_mmio(base, size, self.htif, priority=1)


SPIKE = register_machine(MachineClass(
    name="spike",
    desc="RISC-V Spike board",
    init=SpikeBoard,
    is_default=True,
    max_cpus=8,
    default_cpu_type="rv64-riscv-cpu",
    default_ram_id="riscv.spike.ram",
    numa_mem_supported=True,
    has_serial=True,
))
