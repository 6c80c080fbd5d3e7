"""Split virtqueues (virtio 1.x section 2.7, and the legacy layout).

A `SplitQueue` walks the rings a driver lays out in guest memory: the
descriptor table, the available ring the driver fills and the used ring
the device fills.  `SplitQueue.pop` turns the next available descriptor
chain (direct or through an indirect table) into a `QueueElement` of
device-readable and device-writable segments; `SplitQueue.push` returns
it to the driver with the number of bytes written.

Everything in the rings is the guest's to corrupt, so each step is
checked as QEMU's ``hw/virtio/virtio.c`` checks it, and a violation
raises `VirtioError` with QEMU's message: the device then marks itself
broken (see `emulator.devices.virtio_mmio`).  Chains are bounded by the
queue size (loops), by `VIRTQUEUE_MAX_SIZE` segments, and descriptors
are read one at a time, so an indirect table of any claimed size costs
nothing until walked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from emulator.devices.dma import CHUNK, Dma, DmaError

VIRTQUEUE_MAX_SIZE = 1024

VRING_DESC_F_NEXT = 1
VRING_DESC_F_WRITE = 2
VRING_DESC_F_INDIRECT = 4
VRING_AVAIL_F_NO_INTERRUPT = 1
VRING_USED_F_NO_NOTIFY = 1

DESC_SIZE = 16
LEGACY_ALIGN = 4096
USED_ELEM_SIZE = 8

VIRTIO_F_NOTIFY_ON_EMPTY = 24
VIRTIO_RING_F_INDIRECT_DESC = 28
VIRTIO_RING_F_EVENT_IDX = 29


class VirtioError(Exception):
    """The driver broke the virtio protocol; str() is QEMU's message."""


@dataclass(frozen=True)
class Segment:
    addr: int
    length: int


@dataclass
class QueueElement:
    """One descriptor chain: ``index`` is its head, ``out_segments`` the
    buffers the device reads, ``in_segments`` those it writes."""

    index: int
    out_segments: list[Segment] = field(default_factory=list)
    in_segments: list[Segment] = field(default_factory=list)

    @property
    def out_size(self) -> int:
        return sum(segment.length for segment in self.out_segments)

    @property
    def in_size(self) -> int:
        return sum(segment.length for segment in self.in_segments)


def vring_need_event(event_idx: int, new: int, old: int) -> bool:
    """Whether the driver asked to hear of index ``event_idx`` passing
    between ``old`` and ``new`` (the ring's event-index rule)."""
    return ((new - event_idx - 1) & 0xFFFF) < ((new - old) & 0xFFFF)


def gather(dma: Dma, segments: list[Segment], offset: int, length: int) -> bytes:
    """``length`` bytes from the segments, starting ``offset`` bytes in
    (short if the segments end first).  Callers bound ``length``."""
    parts = []
    for segment in segments:
        if length <= 0:
            break
        if offset >= segment.length:
            offset -= segment.length
            continue
        size = min(segment.length - offset, length)
        parts.append(dma.read(segment.addr + offset, size))
        length -= size
        offset = 0
    return b"".join(parts)


def iter_segments(segments: list[Segment], offset: int = 0,
                  length: int | None = None) -> Iterator[tuple[int, int]]:
    """(address, size) pieces of at most `CHUNK` bytes covering ``length``
    bytes of the segments from ``offset`` (all of them when None)."""
    remaining = sum(segment.length for segment in segments) if length is None else length
    for segment in segments:
        if remaining <= 0:
            return
        if offset >= segment.length:
            offset -= segment.length
            continue
        addr = segment.addr + offset
        size = min(segment.length - offset, remaining)
        offset = 0
        remaining -= size
        while size > 0:
            piece = min(size, CHUNK)
            yield addr, piece
            addr += piece
            size -= piece


def scatter(dma: Dma, segments: list[Segment], offset: int, data: bytes) -> int:
    """Write ``data`` into the segments from ``offset``; returns how many
    bytes fitted."""
    done = 0
    for addr, size in iter_segments(segments, offset, len(data)):
        dma.write(addr, data[done:done + size])
        done += size
    return done


class SplitQueue:
    """One virtqueue of a device: its size, ring addresses and indices."""

    def __init__(self, dma: Dma, num_default: int) -> None:
        self.dma = dma
        self.num_default = num_default
        # The legacy ring alignment outlives resets, as QEMU's does.
        self.align = LEGACY_ALIGN
        self.reset()

    def reset(self) -> None:
        self.num = self.num_default
        self.desc = 0
        self.avail = 0
        self.used = 0
        self.last_avail_idx = 0
        self.shadow_avail_idx = 0
        self.used_idx = 0
        self.inuse = 0
        self.signalled_used = 0
        self.signalled_used_valid = False
        self.notification = True

    # -- set-up, as the transport's registers change it -------------------

    def set_num(self, num: int) -> None:
        """QUEUE_NUM: a queue may not flip between existing and not, nor
        exceed `VIRTQUEUE_MAX_SIZE`."""
        if bool(num) != bool(self.num) or num > VIRTQUEUE_MAX_SIZE or num < 0:
            return
        self.num = num

    def update_rings(self) -> bool:
        """Legacy layout: avail after the table, used at the next
        ``align`` boundary after avail.  False while not all known."""
        if not self.num or not self.desc or not self.align:
            return False
        self.avail = self.desc + self.num * DESC_SIZE
        end = self.avail + 4 + 2 * self.num
        self.used = (end + self.align - 1) & ~(self.align - 1)
        return True

    def set_rings(self, desc: int, avail: int, used: int) -> None:
        if not self.num:
            return
        self.desc, self.avail, self.used = desc, avail, used

    def ring_sizes(self, event_idx: bool) -> tuple[int, int, int]:
        """Bytes of the descriptor table, available and used rings."""
        extra = 2 if event_idx else 0
        return (self.num * DESC_SIZE, 4 + 2 * self.num + extra,
                4 + USED_ELEM_SIZE * self.num + extra)

    def check_rings(self, event_idx: bool) -> None:
        """What QEMU checks when it maps the rings: each lies in RAM."""
        if not self.desc:
            return
        desc_size, avail_size, used_size = self.ring_sizes(event_idx)
        if not self.dma.probe(self.desc, desc_size):
            raise VirtioError("Cannot map desc")
        if not self.dma.probe(self.used, used_size):
            raise VirtioError("Cannot map used")
        if not self.dma.probe(self.avail, avail_size):
            raise VirtioError("Cannot map avail")

    @property
    def ready(self) -> bool:
        return self.desc != 0

    # -- ring fields ------------------------------------------------------

    def _load16(self, addr: int) -> int:
        try:
            return self.dma.load_u16(addr)
        except DmaError:
            raise VirtioError("Cannot map descriptor ring") from None

    def _store16(self, addr: int, value: int) -> None:
        try:
            self.dma.store_u16(addr, value)
        except DmaError:
            raise VirtioError("Cannot map used") from None

    def avail_flags(self) -> int:
        return self._load16(self.avail)

    def avail_idx(self) -> int:
        self.shadow_avail_idx = self._load16(self.avail + 2)
        return self.shadow_avail_idx

    def avail_ring(self, slot: int) -> int:
        return self._load16(self.avail + 4 + 2 * slot)

    def used_event(self) -> int:
        return self._load16(self.avail + 4 + 2 * self.num)

    def set_avail_event(self, value: int) -> None:
        self._store16(self.used + 4 + USED_ELEM_SIZE * self.num, value)

    def _read_desc(self, table: int, index: int) -> tuple[int, int, int, int]:
        try:
            raw = self.dma.read(table + index * DESC_SIZE, DESC_SIZE)
        except DmaError:
            raise VirtioError("Cannot map descriptor ring") from None
        return (int.from_bytes(raw[0:8], "little"), int.from_bytes(raw[8:12], "little"),
                int.from_bytes(raw[12:14], "little"), int.from_bytes(raw[14:16], "little"))

    # -- the driver's requests --------------------------------------------

    def is_empty(self) -> bool:
        if not self.desc:
            return True
        if self.shadow_avail_idx != self.last_avail_idx:
            return False
        return self.avail_idx() == self.last_avail_idx

    def set_notification(self, enable: bool, event_idx: bool) -> None:
        """Ask the driver to kick (or not) when it adds buffers."""
        self.notification = enable
        if not self.desc:
            return
        if event_idx:
            if enable:
                self.set_avail_event(self.avail_idx())
            return
        flags_addr = self.used
        flags = self._load16(flags_addr)
        flags = flags & ~VRING_USED_F_NO_NOTIFY if enable else flags | VRING_USED_F_NO_NOTIFY
        self._store16(flags_addr, flags)

    def pop(self, event_idx: bool = False) -> QueueElement | None:
        """The next available chain, or None when the ring is empty."""
        if self.is_empty():
            return None
        if self.inuse >= self.num:
            raise VirtioError("Virtqueue size exceeded")
        head = self.avail_ring(self.last_avail_idx % self.num)
        self.last_avail_idx = (self.last_avail_idx + 1) & 0xFFFF
        if head >= self.num:
            raise VirtioError(f"Guest says index {head} is available")
        if event_idx:
            self.set_avail_event(self.last_avail_idx)
        element = self._walk_chain(head)
        self.inuse += 1
        return element

    def _walk_chain(self, head: int) -> QueueElement:
        table, limit, index = self.desc, self.num, head
        addr, length, flags, next_index = self._read_desc(table, index)
        if flags & VRING_DESC_F_INDIRECT:
            if length == 0 or length % DESC_SIZE:
                raise VirtioError("Invalid size for indirect buffer table")
            if not self.dma.probe(addr, length):
                raise VirtioError("Cannot map indirect buffer")
            table, limit, index = addr, length // DESC_SIZE, 0
            addr, length, flags, next_index = self._read_desc(table, index)
        element = QueueElement(head)
        entries = 0
        while True:
            if flags & VRING_DESC_F_WRITE:
                self._map(element, element.in_segments, addr, length)
            else:
                if element.in_segments:
                    raise VirtioError("Incorrect order for descriptors")
                self._map(element, element.out_segments, addr, length)
            entries += 1
            if entries > limit:
                raise VirtioError("Looped descriptor")
            if not flags & VRING_DESC_F_NEXT:
                return element
            if next_index >= limit:
                raise VirtioError(f"Desc next is {next_index}")
            addr, length, flags, next_index = self._read_desc(table, next_index)

    def _map(self, element: QueueElement, segments: list[Segment], addr: int,
             length: int) -> None:
        if length == 0:
            raise VirtioError("virtio: zero sized buffers are not allowed")
        if len(element.out_segments) + len(element.in_segments) >= VIRTQUEUE_MAX_SIZE:
            raise VirtioError("virtio: too many write descriptors in indirect table")
        if not self.dma.probe(addr, length):
            raise VirtioError("virtio: bogus descriptor or out of resources")
        segments.append(Segment(addr, length))

    def push(self, element: QueueElement, written: int) -> None:
        """Return a chain to the driver: ``written`` bytes were stored in
        its device-writable buffers."""
        slot = self.used + 4 + USED_ELEM_SIZE * (self.used_idx % self.num)
        try:
            self.dma.write(slot, element.index.to_bytes(4, "little")
                           + (written & 0xFFFFFFFF).to_bytes(4, "little"))
        except DmaError:
            raise VirtioError("Cannot map used") from None
        old = self.used_idx
        self.used_idx = (old + 1) & 0xFFFF
        self._store16(self.used + 2, self.used_idx)
        self.inuse = max(self.inuse - 1, 0)
        if ((self.used_idx - self.signalled_used) & 0xFFFF) < ((self.used_idx - old) & 0xFFFF):
            self.signalled_used_valid = False

    def detach(self, element: QueueElement) -> None:
        """Drop a popped chain without returning it (after an error)."""
        self.inuse = max(self.inuse - 1, 0)

    def should_notify(self, features: int) -> bool:
        """Whether the driver wants an interrupt for what was pushed."""
        if (features >> VIRTIO_F_NOTIFY_ON_EMPTY) & 1 and not self.inuse and self.is_empty():
            return True
        if not (features >> VIRTIO_RING_F_EVENT_IDX) & 1:
            return not self.avail_flags() & VRING_AVAIL_F_NO_INTERRUPT
        valid = self.signalled_used_valid
        self.signalled_used_valid = True
        old, new = self.signalled_used, self.used_idx
        self.signalled_used = new
        return not valid or vring_need_event(self.used_event(), new, old)
