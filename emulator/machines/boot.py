"""Booting QEMU's RISC-V boards: where firmware, kernel, initrd and the
device tree go, and the boot ROM the harts start from.

Images are loaded as QEMU's loader does (hw/riscv/boot.c): an ELF goes
where its program headers say; anything else is a raw image, the firmware
at the start of RAM and the kernel at the next 2 MiB boundary after the
firmware.  What is loaded is kept as `Blob`s, which the board copies into
memory again at every reset, as QEMU's ROM blobs are.

At reset the harts run a few instructions at 0x1000 that load a0 with the
hart id, a1 with the device-tree address and a2 with the address of a
`fw_dynamic_info` block (for OpenSBI's fw_dynamic: where the next stage
is and in which mode), then jump to the start of RAM.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from emulator.machines.elf_loader import ElfError, ElfImage, read_elf

MROM_BASE = 0x1000
MROM_SIZE = 0xF000
FW_DYNAMIC_MAGIC = 0x4942534F
FW_DYNAMIC_VERSION = 2
FW_NEXT_MODE_S = 1
# Where QEMU's firmware lookup searches after the current folder.
FIRMWARE_DIRS = ("/usr/share/qemu",)
# The room QEMU's device-tree buffer takes (the blob placed in RAM is
# packed, but its address is computed from this size).
FDT_BUFFER_SIZE = 1 << 20

_ZERO, _T0, _A0, _A1, _A2 = 0, 5, 10, 11, 12
_CSR_MHARTID = 0xF14


class BootError(Exception):
    """An image that cannot be loaded; str() is QEMU's message, `preamble`
    what QEMU prints before it (the system's reason, for a kernel)."""

    def __init__(self, message: str, preamble: str = "") -> None:
        super().__init__(message)
        self.preamble = preamble


@dataclass(frozen=True)
class Blob:
    """Bytes that go to a guest physical address at every reset."""

    addr: int
    data: bytes

    @property
    def end(self) -> int:
        return self.addr + len(self.data)


@dataclass
class LoadedImage:
    blobs: list[Blob]
    low: int
    high: int
    elf: ElfImage | None = None


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


def fdt_address(dram_base: int, ram_size: int, fdt_size: int = FDT_BUFFER_SIZE) -> int:
    """Where QEMU puts the device tree: the highest 2 MiB boundary that
    leaves room for it below the end of RAM (or 3 GiB)."""
    end = dram_base + ram_size
    if dram_base < 3 << 30:
        end = min(end, 3 << 30)
    return (end - fdt_size) & ~((2 << 20) - 1)


def kernel_start_address(firmware_end: int) -> int:
    """Where a raw kernel goes: the 2 MiB boundary after the firmware."""
    align = 2 << 20
    return (firmware_end + align - 1) & ~(align - 1)


def find_firmware(name: str, search_dirs: tuple[str, ...] = FIRMWARE_DIRS) -> Path:
    """The file ``-bios name`` means: the name itself, else in QEMU's
    firmware folders."""
    if os.access(name, os.R_OK):
        return Path(name)
    for folder in search_dirs:
        candidate = Path(folder) / name
        if os.access(candidate, os.R_OK):
            return candidate
    raise BootError(f'Unable to load the RISC-V firmware "{name}"')


def _elf_image(path: Path) -> LoadedImage | None:
    try:
        data, image, segments = read_elf(path)
    except (ElfError, OSError, IndexError, ValueError):
        return None
    blobs = [Blob(paddr, data[offset:offset + filesz] + bytes(memsz - filesz))
             for paddr, offset, filesz, memsz in segments]
    return LoadedImage(blobs, image.low_addr, image.high_addr, image)


def _raw_image(path: Path, addr: int, max_size: int) -> LoadedImage | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data or len(data) > max_size:
        return None
    return LoadedImage([Blob(addr, data)], addr, addr + len(data))


def load_firmware(path: Path, load_addr: int, ram_size: int) -> LoadedImage:
    image = _elf_image(path) or _raw_image(path, load_addr, ram_size)
    if image is None:
        raise BootError(f"could not load firmware '{path}'")
    return image


def load_kernel(path: str, start_addr: int, ram_size: int) -> LoadedImage:
    """The kernel; its entry (`low`) is the lowest address of an ELF (as
    QEMU jumps to the load address, not the ELF entry), else `start_addr`."""
    image = _elf_image(Path(path)) or _raw_image(Path(path), start_addr, ram_size)
    if image is None:
        try:
            Path(path).stat()
        except OSError as err:
            raise BootError(f"could not load kernel '{path}'",
                            f"{path}: {err.strerror}\n") from None
        raise BootError(f"could not load kernel '{path}'")
    return image


def load_initrd(path: str, ram_size: int, kernel_entry: int) -> LoadedImage:
    """The initial ram disk: half-way into RAM, or 128 MiB after the
    kernel for machines with more than 256 MiB, as QEMU places it."""
    start = kernel_entry + min(ram_size // 2, 128 << 20)
    image = _raw_image(Path(path), start, 1 << 62)
    if image is None:
        raise BootError(f"could not load ramdisk '{path}'")
    return image
