"""QEMU's `spike` board: RAM at 0x80000000, the boot ROM, CLINT at
0x2000000 and HTIF laid over the kernel's `tohost`/`fromhost` symbols (or at
0x1000000 when the ELF has none). The guest's exit value is the exit
status."""

from __future__ import annotations

from emulator.devices.htif import Htif
from emulator.machines.base import BareMetalMachine

HTIF_DEFAULT_BASE = 0x1000000


class SpikeMachine(BareMetalMachine):
    # QEMU's spike wires no time source to the hart: time and stimecmp trap.
    provides_rdtime = False

    def _add_devices(self) -> None:
        symbols = self.kernel.symbols
        if "tohost" in symbols and "fromhost" in symbols:
            for name in ("tohost", "fromhost"):
                if symbols[name][1] != 8:
                    raise ValueError(f"HTIF {name} must be 8 bytes")
            tohost, fromhost = symbols["tohost"][0], symbols["fromhost"][0]
        else:
            fromhost, tohost = HTIF_DEFAULT_BASE, HTIF_DEFAULT_BASE + 8
        base = min(tohost, fromhost)
        size = max(tohost, fromhost) + 8 - base
        self.htif = Htif(tohost - base, fromhost - base, self.stdout, self.request_exit)
        # Over RAM, like QEMU's overlapping I/O region.
        self.memory.add_mmio(base, size, self.htif, priority=1)
