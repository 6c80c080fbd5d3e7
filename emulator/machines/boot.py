"""The boot ROM QEMU's RISC-V boards start from.

At reset the hart runs a few instructions at 0x1000 that load a0 with the
hart id, a1 with the device-tree address and a2 with the address of a
`fw_dynamic_info` block, then jump to the start of RAM. Machines reproduce
it so guests see the registers QEMU gives them.
"""

from __future__ import annotations

import struct

MROM_BASE = 0x1000
MROM_SIZE = 0xF000
FW_DYNAMIC_MAGIC = 0x4942534F
FW_DYNAMIC_VERSION = 2
FW_NEXT_MODE_S = 1

_ZERO, _T0, _A0, _A1, _A2 = 0, 5, 10, 11, 12
_CSR_MHARTID = 0xF14


def _i_type(opcode: int, funct3: int, rd: int, rs1: int, imm: int) -> int:
    return ((imm & 0xFFF) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode


def reset_vector(start_addr: int, fdt_addr: int, kernel_entry: int) -> bytes:
    """The ROM contents: the reset code, its two data words and the
    fw_dynamic_info block that follows them."""
    code = [
        (0 << 12) | (_T0 << 7) | 0x17,                     # auipc t0, 0
        _i_type(0x13, 0, _A2, _T0, 40),                    # addi a2, t0, 40
        _i_type(0x73, 2, _A0, 0, _CSR_MHARTID),            # csrr a0, mhartid
        _i_type(0x03, 3, _A1, _T0, 32),                    # ld a1, 32(t0)
        _i_type(0x03, 3, _T0, _T0, 24),                    # ld t0, 24(t0)
        _i_type(0x67, 0, _ZERO, _T0, 0),                   # jr t0
    ]
    blob = b"".join(struct.pack("<I", w) for w in code)
    blob += struct.pack("<QQ", start_addr, fdt_addr)
    blob += struct.pack("<QQQQQQ", FW_DYNAMIC_MAGIC, FW_DYNAMIC_VERSION, kernel_entry,
                        FW_NEXT_MODE_S, 0, 0)
    return blob


def fdt_address(dram_base: int, ram_size: int, fdt_size: int) -> int:
    """Where QEMU puts the device tree: the highest 2 MiB boundary that
    leaves room for it below the end of RAM (or 3 GiB)."""
    end = dram_base + ram_size
    if dram_base < 3 << 30:
        end = min(end, 3 << 30)
    return (end - fdt_size) & ~((2 << 20) - 1)
