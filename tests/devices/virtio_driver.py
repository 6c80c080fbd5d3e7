"""A minimal virtio-mmio driver for tests: it programs a transport's
registers as Linux's virtio_mmio driver does and builds split rings in
a `PhysicalMemory` RAM region."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.devices import virtio_mmio as mmio
from emulator.devices.dma import Dma
from emulator.devices.virtio_mmio import VirtioDevice, VirtioMmio
from emulator.devices.virtqueue import (
    VIRTIO_RING_F_EVENT_IDX,
    VRING_DESC_F_INDIRECT,
    VRING_DESC_F_NEXT,
    VRING_DESC_F_WRITE,
)
from runtime.accel.softmmu import PhysicalMemory

RAM_BASE = 0x80000000
RAM_SIZE = 16 << 20
PAGE = 4096


class IrqLine:
    """Records the interrupt level a device drives."""

    def __init__(self) -> None:
        self.level = False
        self.raised = 0

    def __call__(self, level: bool) -> None:
        if level and not self.level:
            self.raised += 1
        self.level = level


@dataclass
class Buffer:
    addr: int
    length: int
    writable: bool = False


class Guest:
    """RAM plus a bump allocator."""

    def __init__(self) -> None:
        self.memory = PhysicalMemory()
        self.memory.add_ram(RAM_BASE, RAM_SIZE)
        self.dma = Dma(self.memory)
        self.next_free = RAM_BASE + (1 << 20)

    def alloc(self, size: int, align: int = 16) -> int:
        addr = (self.next_free + align - 1) & ~(align - 1)
        self.next_free = addr + size
        return addr

    def write(self, addr: int, data: bytes) -> None:
        self.memory.write(addr, data)

    def read(self, addr: int, length: int) -> bytes:
        return self.memory.read(addr, length)

    def put(self, data: bytes, writable: bool = False) -> Buffer:
        addr = self.alloc(max(len(data), 1))
        self.write(addr, data)
        return Buffer(addr, len(data), writable)

    def space(self, length: int) -> Buffer:
        return Buffer(self.alloc(length), length, True)


class Queue:
    """The driver's side of one split queue."""

    def __init__(self, guest: Guest, num: int, legacy: bool) -> None:
        self.guest = guest
        self.num = num
        if legacy:
            self.desc = guest.alloc(2 * PAGE + num * 24, PAGE)
            self.avail = self.desc + num * 16
            self.used = (self.avail + 4 + 2 * num + PAGE - 1) & ~(PAGE - 1)
        else:
            self.desc = guest.alloc(num * 16, 16)
            self.avail = guest.alloc(6 + 2 * num, 2)
            self.used = guest.alloc(6 + 8 * num, 4)
        self.free = list(range(num))
        self.chains: dict[int, list[int]] = {}
        self.avail_idx = 0
        self.last_used = 0

    def write_desc(self, index: int, addr: int, length: int, flags: int, next_index: int,
                   table: int | None = None) -> None:
        base = self.desc if table is None else table
        self.guest.write(base + 16 * index, addr.to_bytes(8, "little") + length.to_bytes(
            4, "little") + flags.to_bytes(2, "little") + next_index.to_bytes(2, "little"))

    def publish(self, head: int) -> None:
        slot = self.avail + 4 + 2 * (self.avail_idx % self.num)
        self.guest.write(slot, head.to_bytes(2, "little"))
        self.avail_idx = (self.avail_idx + 1) & 0xFFFF
        self.guest.write(self.avail + 2, self.avail_idx.to_bytes(2, "little"))

    def add(self, buffers: list[Buffer], indirect: bool = False) -> int:
        """Post a chain; returns its head index."""
        if indirect:
            table = self.guest.alloc(16 * len(buffers))
            for i, buffer in enumerate(buffers):
                flags = (VRING_DESC_F_WRITE if buffer.writable else 0) | (
                    VRING_DESC_F_NEXT if i + 1 < len(buffers) else 0)
                self.write_desc(i, buffer.addr, buffer.length, flags, i + 1, table)
            head = self.free.pop(0)
            self.chains[head] = [head]
            self.write_desc(head, table, 16 * len(buffers), VRING_DESC_F_INDIRECT, 0)
        else:
            indices = [self.free.pop(0) for _ in buffers]
            for i, buffer in enumerate(buffers):
                last = i + 1 == len(buffers)
                flags = (VRING_DESC_F_WRITE if buffer.writable else 0) | (
                    0 if last else VRING_DESC_F_NEXT)
                self.write_desc(indices[i], buffer.addr, buffer.length, flags,
                                0 if last else indices[i + 1])
            head = indices[0]
            self.chains[head] = indices
        self.publish(head)
        return head

    def used_idx(self) -> int:
        return int.from_bytes(self.guest.read(self.used + 2, 2), "little")

    def take_used(self) -> list[tuple[int, int]]:
        """(head, written) of what the device returned since last time."""
        out = []
        while self.last_used != self.used_idx():
            slot = self.used + 4 + 8 * (self.last_used % self.num)
            raw = self.guest.read(slot, 8)
            head = int.from_bytes(raw[:4], "little")
            out.append((head, int.from_bytes(raw[4:], "little")))
            self.free.extend(self.chains.pop(head, []))
            self.last_used = (self.last_used + 1) & 0xFFFF
        return out


class VirtioDriver:
    """Drives a `VirtioMmio` transport holding ``device``."""

    def __init__(self, device: VirtioDevice, legacy: bool = False,
                 guest: Guest | None = None) -> None:
        self.guest = guest if guest is not None else Guest()
        self.irq = IrqLine()
        self.legacy = legacy
        self.transport = VirtioMmio(self.irq, legacy=legacy)
        self.device = device
        self.transport.plug(device)
        self.queues: dict[int, Queue] = {}

    def read32(self, offset: int) -> int:
        return self.transport.mmio_read(offset, 4)

    def write32(self, offset: int, value: int) -> None:
        self.transport.mmio_write(offset, 4, value)

    def features(self) -> int:
        self.write32(mmio.DEVICE_FEATURES_SEL, 0)
        low = self.read32(mmio.DEVICE_FEATURES)
        self.write32(mmio.DEVICE_FEATURES_SEL, 1)
        return low | (self.read32(mmio.DEVICE_FEATURES) << 32)

    def start(self, drop: int = 1 << VIRTIO_RING_F_EVENT_IDX, queue_sizes: int = 1,
              num: int = 16) -> int:
        """Reset, negotiate (all offered features but ``drop``), set up
        ``queue_sizes`` queues of ``num`` entries, DRIVER_OK."""
        self.write32(mmio.STATUS, 0)
        self.write32(mmio.STATUS, mmio.STATUS_ACKNOWLEDGE)
        self.write32(mmio.STATUS, mmio.STATUS_ACKNOWLEDGE | mmio.STATUS_DRIVER)
        features = self.features() & ~drop
        self.write32(mmio.DRIVER_FEATURES_SEL, 0)
        self.write32(mmio.DRIVER_FEATURES, features & 0xFFFFFFFF)
        status = mmio.STATUS_ACKNOWLEDGE | mmio.STATUS_DRIVER
        if not self.legacy:
            self.write32(mmio.DRIVER_FEATURES_SEL, 1)
            self.write32(mmio.DRIVER_FEATURES, features >> 32)
            status |= mmio.STATUS_FEATURES_OK
            self.write32(mmio.STATUS, status)
        else:
            self.write32(mmio.GUEST_PAGE_SIZE, PAGE)
        for index in range(queue_sizes):
            self.setup_queue(index, num)
        self.write32(mmio.STATUS, status | mmio.STATUS_DRIVER_OK)
        return features

    def setup_queue(self, index: int, num: int) -> Queue:
        self.write32(mmio.QUEUE_SEL, index)
        assert self.read32(mmio.QUEUE_NUM_MAX) >= num
        queue = Queue(self.guest, num, self.legacy)
        self.write32(mmio.QUEUE_NUM, num)
        if self.legacy:
            self.write32(mmio.QUEUE_ALIGN, PAGE)
            self.write32(mmio.QUEUE_PFN, queue.desc // PAGE)
        else:
            for low, value in ((mmio.QUEUE_DESC_LOW, queue.desc),
                               (mmio.QUEUE_AVAIL_LOW, queue.avail),
                               (mmio.QUEUE_USED_LOW, queue.used)):
                self.write32(low, value & 0xFFFFFFFF)
                self.write32(low + 4, value >> 32)
            self.write32(mmio.QUEUE_READY, 1)
        self.queues[index] = queue
        return queue

    def kick(self, index: int = 0) -> None:
        self.write32(mmio.QUEUE_NOTIFY, index)

    def ack(self) -> int:
        status = self.read32(mmio.INTERRUPT_STATUS)
        self.write32(mmio.INTERRUPT_ACK, status)
        return status
