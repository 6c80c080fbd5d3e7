"""The bare-metal subset of QEMU's `virt` board: RAM at 0x80000000, the
boot ROM, CLINT at 0x2000000, sifive_test at 0x100000 and an NS16550A UART
at 0x10000000 writing to stdout."""

from __future__ import annotations

from emulator.devices import ns16550a, sifive_test
from emulator.devices.ns16550a import Ns16550a
from emulator.devices.sifive_test import SifiveTest
from emulator.machines.base import BareMetalMachine

TEST_BASE = 0x100000
UART0_BASE = 0x10000000


class VirtMachine(BareMetalMachine):
    def _add_devices(self) -> None:
        self.uart = Ns16550a(self.stdout)
        self.memory.add_mmio(UART0_BASE, ns16550a.SIZE, self.uart)
        self.test = SifiveTest(self.request_exit, self.request_reset)
        self.memory.add_mmio(TEST_BASE, sifive_test.SIZE, self.test, min_access=2, max_access=4)
