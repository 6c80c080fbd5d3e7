"""Device access to guest memory (DMA), checked and in bounded pieces.

Devices that read or write guest RAM on their own (virtio queues, the
fw_cfg DMA interface) are given a `GuestMemory`: anything with
``read(paddr, length) -> bytes`` and ``write(paddr, data)``, which
`runtime.accel.softmmu.PhysicalMemory` is.  Every address and length
comes from the guest, so `Dma` checks them against the 64-bit physical
address space, turns the memory's refusals (``ValueError`` for a range
that is not RAM, ``OverflowError``) into `DmaError`, and moves large
transfers in chunks so a hostile length never allocates more than
`CHUNK` bytes at once.

Integration: a board whose memory caches translated code should hand
devices a `GuestMemory` whose ``write`` invalidates translated blocks in
the range written (``PhysicalMemory.write`` alone does not).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

ADDRESS_LIMIT = 1 << 64
CHUNK = 1 << 20


class GuestMemory(Protocol):
    def read(self, paddr: int, length: int) -> bytes: ...
    def write(self, paddr: int, data: bytes) -> None: ...


class DmaError(Exception):
    """A device access to guest memory that is not RAM (or wraps around)."""


def check_range(paddr: int, length: int) -> None:
    """Refuse ranges outside the 64-bit physical address space."""
    if paddr < 0 or length < 0 or paddr + length > ADDRESS_LIMIT:
        raise DmaError(f"0x{paddr:x}+0x{length:x} is outside the address space")


class Dma:
    """Checked reads and writes of guest memory on behalf of a device."""

    def __init__(self, memory: GuestMemory) -> None:
        self.memory = memory

    def read(self, paddr: int, length: int) -> bytes:
        """``length`` bytes at ``paddr``; callers keep ``length`` bounded
        (descriptor tables, headers) or use `read_chunks`."""
        check_range(paddr, length)
        if length == 0:
            return b""
        try:
            data = self.memory.read(paddr, length)
        except (ValueError, OverflowError) as err:
            raise DmaError(str(err)) from None
        if len(data) != length:
            raise DmaError(f"0x{paddr:x}+0x{length:x} is not guest RAM")
        return data

    def read_chunks(self, paddr: int, length: int) -> Iterator[bytes]:
        """The range in pieces of at most `CHUNK` bytes."""
        check_range(paddr, length)
        while length > 0:
            size = min(length, CHUNK)
            yield self.read(paddr, size)
            paddr += size
            length -= size

    def write(self, paddr: int, data: bytes) -> None:
        check_range(paddr, len(data))
        if not data:
            return
        try:
            self.memory.write(paddr, data)
        except (ValueError, OverflowError) as err:
            raise DmaError(str(err)) from None

    def fill(self, paddr: int, length: int, byte: int = 0) -> None:
        """Write ``length`` copies of ``byte`` (in chunks)."""
        check_range(paddr, length)
        chunk = bytes((byte,)) * min(length, CHUNK)
        while length > 0:
            size = min(length, CHUNK)
            self.write(paddr, chunk[:size])
            paddr += size
            length -= size

    def probe(self, paddr: int, length: int) -> bool:
        """Whether both ends of the range are guest RAM (cheap check at
        mapping time; transfers still check every chunk)."""
        if length <= 0:
            return False
        try:
            self.read(paddr, 1)
            self.read(paddr + length - 1, 1)
        except DmaError:
            return False
        return True

    def load_u16(self, paddr: int) -> int:
        return int.from_bytes(self.read(paddr, 2), "little")

    def load_u32(self, paddr: int) -> int:
        return int.from_bytes(self.read(paddr, 4), "little")

    def store_u16(self, paddr: int, value: int) -> None:
        self.write(paddr, (value & 0xFFFF).to_bytes(2, "little"))

    def store_u32(self, paddr: int, value: int) -> None:
        self.write(paddr, (value & 0xFFFFFFFF).to_bytes(4, "little"))
