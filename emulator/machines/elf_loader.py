"""Loading ELF64 RISC-V executables into guest memory.

Segments go to their physical addresses (p_paddr), as QEMU's loader puts
them; the symbol table is read for machines that look symbols up (spike's
HTIF `tohost`/`fromhost`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

EM_RISCV = 243
PT_LOAD = 1
SHT_SYMTAB = 2


class GuestMemory(Protocol):
    def write(self, paddr: int, data: bytes) -> None: ...


class ElfError(ValueError):
    """The file is not a loadable RV64 ELF executable."""


STT_FUNC = 2


@dataclass
class ElfImage:
    entry: int
    low_addr: int
    high_addr: int
    symbols: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (value, size)
    functions: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, name)

    def function_at(self, addr: int) -> str:
        """The name of the function containing `addr` ("" if none), as
        QEMU's logs name code."""
        lo, hi = 0, len(self.functions)
        while lo < hi:
            mid = (lo + hi) // 2
            start, end, name = self.functions[mid]
            if addr < start:
                hi = mid
            elif addr >= end:
                lo = mid + 1
            else:
                return name
        return ""


def read_elf(path: str | Path) -> tuple[bytes, ElfImage, list[tuple[int, int, int, int]]]:
    """The file's bytes, its image description and its PT_LOAD segments
    as (paddr, file offset, file size, memory size)."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF":
        raise ElfError(f"{path}: not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise ElfError(f"{path}: not a little-endian ELF64 file")
    (e_type, e_machine, _, e_entry, e_phoff, e_shoff, _, _, e_phentsize, e_phnum,
     e_shentsize, e_shnum, _) = struct.unpack_from("<HHIQQQIHHHHHH", data, 16)
    if e_machine != EM_RISCV:
        raise ElfError(f"{path}: not a RISC-V ELF file (machine {e_machine})")
    segments = []
    for i in range(e_phnum):
        p_type, _, p_offset, _, p_paddr, p_filesz, p_memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, e_phoff + i * e_phentsize)
        if p_type == PT_LOAD and p_memsz:
            segments.append((p_paddr, p_offset, p_filesz, p_memsz))
    if not segments:
        raise ElfError(f"{path}: no loadable segment")
    low = min(s[0] for s in segments)
    high = max(s[0] + s[3] for s in segments)
    symbols, functions = _symbols(data, e_shoff, e_shentsize, e_shnum)
    image = ElfImage(e_entry, low, high, symbols, sorted(functions))
    return data, image, segments


def _symbols(data: bytes, shoff: int, shentsize: int,
             shnum: int) -> tuple[dict[str, tuple[int, int]], list[tuple[int, int, str]]]:
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    symbols: dict[str, tuple[int, int]] = {}
    functions: list[tuple[int, int, str]] = []
    for _, sh_type, _, _, sh_offset, sh_size, sh_link, _, _, sh_entsize in sections:
        if sh_type != SHT_SYMTAB or not sh_entsize:
            continue
        strtab = sections[sh_link]
        str_off = strtab[4]
        for j in range(sh_size // sh_entsize):
            st_name, st_info, _, st_shndx, st_value, st_size = struct.unpack_from(
                "<IBBHQQ", data, sh_offset + j * sh_entsize)
            if st_name:
                end = data.index(b"\0", str_off + st_name)
                name = data[str_off + st_name:end].decode(errors="replace")
                symbols[name] = (st_value, st_size)
                if st_info & 0xF == STT_FUNC and 0 < st_shndx < 0xFF00:
                    functions.append((st_value, st_value + st_size, name))
    return symbols, functions


def load_elf(path: str | Path, memory: GuestMemory) -> ElfImage:
    """Copy the loadable segments into memory (bss zeroed)."""
    data, image, segments = read_elf(path)
    for paddr, offset, filesz, memsz in segments:
        memory.write(paddr, data[offset:offset + filesz] + bytes(memsz - filesz))
    return image
