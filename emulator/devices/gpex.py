"""The configuration space of QEMU's generic PCIe host (gpex), as an empty
bus sees it: ECAM with the host bridge at 00:00.0 (1b36:0008) and no
other function.

Firmware enumerates the bus through it (U-Boot's "pci enum", Linux's
pci-host-ecam-generic) and finds the bridge alone; the I/O and memory
windows of the host hold no device, so the board maps nothing there.
"""

from __future__ import annotations

import struct

ECAM_FUNCTION_SIZE = 0x1000
VENDOR_REDHAT = 0x1B36
DEVICE_PCIE_HOST = 0x0008
SUBVENDOR_QEMU = 0x1AF4
SUBDEVICE_QEMU = 0x1100
CLASS_BRIDGE_HOST = 0x0600

# Writable bits of the bridge's registers, byte by byte: command, cache
# line size, latency timer, interrupt line.
_WRITABLE = {0x04: 0x47, 0x05: 0x05, 0x0C: 0xFF, 0x0D: 0xFF, 0x3C: 0xFF}


class GpexEcam:
    def __init__(self) -> None:
        self.config = bytearray(256)
        self.reset()

    def reset(self) -> None:
        config = self.config
        config[:] = bytes(256)
        struct.pack_into("<HH", config, 0x00, VENDOR_REDHAT, DEVICE_PCIE_HOST)
        struct.pack_into("<H", config, 0x0A, CLASS_BRIDGE_HOST)
        struct.pack_into("<HH", config, 0x2C, SUBVENDOR_QEMU, SUBDEVICE_QEMU)

    def mmio_read(self, offset: int, size: int) -> int:
        function, register = divmod(offset, ECAM_FUNCTION_SIZE)
        if function != 0:
            return (1 << (8 * size)) - 1
        if register + size > len(self.config):
            return 0
        return int.from_bytes(self.config[register:register + size], "little")

    def mmio_write(self, offset: int, size: int, value: int) -> bool:
        function, register = divmod(offset, ECAM_FUNCTION_SIZE)
        if function != 0:
            return False
        for index in range(size):
            mask = _WRITABLE.get(register + index, 0)
            if mask:
                byte = (value >> (8 * index)) & 0xFF
                old = self.config[register + index]
                self.config[register + index] = (old & ~mask) | (byte & mask)
        return False
