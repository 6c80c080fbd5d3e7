"""virtio-mmio registers and split-ring rules, QEMU's edge cases."""

from __future__ import annotations

import pytest

from emulator.devices import virtio_mmio as mmio
from emulator.devices.virtio_rng import VirtioRng
from emulator.devices.virtqueue import (
    VRING_DESC_F_INDIRECT,
    VRING_DESC_F_NEXT,
    VRING_DESC_F_WRITE,
    QueueElement,
    SplitQueue,
    VirtioError,
    vring_need_event,
)
from tests.devices.virtio_driver import RAM_BASE, Guest, VirtioDriver


def rng_driver(legacy: bool = False) -> VirtioDriver:
    guest = Guest()
    return VirtioDriver(VirtioRng(guest.dma), legacy=legacy, guest=guest)


def raw_queue(num: int = 4) -> tuple[Guest, SplitQueue]:
    guest = Guest()
    queue = SplitQueue(guest.dma, num)
    queue.set_rings(RAM_BASE, RAM_BASE + 0x1000, RAM_BASE + 0x2000)
    return guest, queue


def put_desc(guest: Guest, table: int, index: int, addr: int, length: int, flags: int,
             next_index: int = 0) -> None:
    guest.write(table + 16 * index, addr.to_bytes(8, "little") + length.to_bytes(4, "little")
                + flags.to_bytes(2, "little") + next_index.to_bytes(2, "little"))


def offer(guest: Guest, queue: SplitQueue, *heads: int) -> None:
    for slot, head in enumerate(heads):
        guest.write(queue.avail + 4 + 2 * slot, head.to_bytes(2, "little"))
    guest.write(queue.avail + 2, len(heads).to_bytes(2, "little"))


DATA = RAM_BASE + 0x10000


def test_direct_and_indirect_chains() -> None:
    guest, queue = raw_queue()
    put_desc(guest, queue.desc, 0, DATA, 8, VRING_DESC_F_NEXT, 2)
    put_desc(guest, queue.desc, 2, DATA + 8, 4, VRING_DESC_F_WRITE)
    table = RAM_BASE + 0x3000
    put_desc(guest, queue.desc, 1, table, 32, VRING_DESC_F_INDIRECT)
    put_desc(guest, table, 0, DATA, 1, VRING_DESC_F_NEXT, 1)
    put_desc(guest, table, 1, DATA + 1, 2, VRING_DESC_F_WRITE)
    offer(guest, queue, 0, 1)
    first = queue.pop()
    second = queue.pop()
    assert first is not None and second is not None and queue.pop() is None
    assert (first.index, first.out_size, first.in_size) == (0, 8, 4)
    assert (second.index, second.out_size, second.in_size) == (1, 1, 2)
    queue.push(second, 2)
    queue.push(first, 4)
    assert guest.read(queue.used + 2, 2) == b"\x02\x00"
    assert guest.read(queue.used + 4, 16) == bytes.fromhex("01000000020000000000000004000000")


@pytest.mark.parametrize(("build", "message"), [
    (lambda g, q: put_desc(g, q.desc, 0, DATA, 8, VRING_DESC_F_NEXT, 0), "Looped descriptor"),
    (lambda g, q: put_desc(g, q.desc, 0, DATA, 8, VRING_DESC_F_NEXT, 4), "Desc next is 4"),
    (lambda g, q: put_desc(g, q.desc, 0, DATA, 0, 0), "virtio: zero sized buffers are not "
                                                      "allowed"),
    (lambda g, q: put_desc(g, q.desc, 0, 0x1000, 8, 0),
     "virtio: bogus descriptor or out of resources"),
    (lambda g, q: put_desc(g, q.desc, 0, (1 << 64) - 4, 8, 0),
     "virtio: bogus descriptor or out of resources"),
    (lambda g, q: put_desc(g, q.desc, 0, DATA, 24, VRING_DESC_F_INDIRECT),
     "Invalid size for indirect buffer table"),
    (lambda g, q: put_desc(g, q.desc, 0, 0x1000, 32, VRING_DESC_F_INDIRECT),
     "Cannot map indirect buffer"),
    (lambda g, q: (put_desc(g, q.desc, 0, DATA, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1),
                   put_desc(g, q.desc, 1, DATA, 8, 0)), "Incorrect order for descriptors"),
])
def test_bad_chains(build: object, message: str) -> None:
    guest, queue = raw_queue()
    build(guest, queue)  # type: ignore[operator]
    offer(guest, queue, 0)
    with pytest.raises(VirtioError, match=f"^{message}$"):
        queue.pop()


def test_indirect_loop_and_bad_head_and_overrun() -> None:
    guest, queue = raw_queue()
    table = RAM_BASE + 0x3000
    put_desc(guest, queue.desc, 0, table, 32, VRING_DESC_F_INDIRECT)
    put_desc(guest, table, 0, DATA, 1, VRING_DESC_F_NEXT, 1)
    put_desc(guest, table, 1, DATA, 1, VRING_DESC_F_NEXT, 0)
    offer(guest, queue, 0)
    with pytest.raises(VirtioError, match="Looped descriptor"):
        queue.pop()
    guest, queue = raw_queue()
    offer(guest, queue, 9)
    with pytest.raises(VirtioError, match="Guest says index 9 is available"):
        queue.pop()
    guest, queue = raw_queue(num=2)
    put_desc(guest, queue.desc, 0, DATA, 8, 0)
    offer(guest, queue, 0, 0, 0)
    assert queue.pop() is not None and queue.pop() is not None
    with pytest.raises(VirtioError, match="Virtqueue size exceeded"):
        queue.pop()


def test_indirect_table_of_huge_claimed_size_is_walked_lazily() -> None:
    guest, queue = raw_queue()
    guest_end = RAM_BASE + (16 << 20)
    table = guest_end - (1 << 20)
    put_desc(guest, queue.desc, 0, table, 1 << 20, VRING_DESC_F_INDIRECT)
    for index in range(1100):
        put_desc(guest, table, index, DATA, 1, VRING_DESC_F_NEXT, index + 1)
    offer(guest, queue, 0)
    with pytest.raises(VirtioError, match="too many write descriptors"):
        queue.pop()


def test_need_event_and_wrapping_used_index() -> None:
    assert vring_need_event(5, 6, 5)
    assert not vring_need_event(7, 6, 5)
    assert vring_need_event(0xFFFF, 0, 0xFFFF)
    guest, queue = raw_queue(num=4)
    queue.used_idx = 0xFFFF
    queue.push(QueueElement(1), 0)
    assert queue.used_idx == 0
    assert guest.read(queue.used + 2, 2) == b"\0\0"


def test_set_num_rules() -> None:
    _, queue = raw_queue(num=8)
    queue.set_num(0)
    assert queue.num == 8
    queue.set_num(2048)
    assert queue.num == 8
    queue.set_num(4)
    assert queue.num == 4
    empty = SplitQueue(queue.dma, 0)
    empty.set_num(4)
    assert empty.num == 0


def test_legacy_layout_and_pfn_zero_resets() -> None:
    driver = rng_driver(legacy=True)
    driver.start(num=8)
    device_queue = driver.device.queues[0]
    queue = driver.queues[0]
    assert (device_queue.desc, device_queue.avail, device_queue.used) == (
        queue.desc, queue.avail, queue.used)
    assert driver.read32(mmio.QUEUE_PFN) == queue.desc >> 12
    assert driver.read32(mmio.STATUS) == 7
    driver.write32(mmio.QUEUE_PFN, 0)
    assert driver.read32(mmio.STATUS) == 0
    assert device_queue.desc == 0
    driver.write32(mmio.GUEST_PAGE_SIZE, 0)
    assert driver.transport.guest_page_shift == 0


def test_legacy_registers_in_modern_mode_and_back() -> None:
    driver = rng_driver(legacy=False)
    driver.write32(mmio.QUEUE_PFN, 5)
    assert driver.read32(mmio.QUEUE_PFN) == 0
    legacy = rng_driver(legacy=True)
    legacy.write32(mmio.QUEUE_READY, 1)
    assert legacy.read32(mmio.QUEUE_READY) == 0
    assert legacy.read32(mmio.CONFIG_GENERATION) == 0


def test_modern_queue_ready_quirks() -> None:
    driver = rng_driver()
    driver.write32(mmio.QUEUE_SEL, 5)                    # no such queue
    assert driver.read32(mmio.QUEUE_NUM_MAX) == 0
    driver.write32(mmio.QUEUE_READY, 1)
    assert driver.read32(mmio.QUEUE_READY) == 1          # as QEMU: the proxy remembers
    driver.write32(mmio.QUEUE_SEL, 2000)                 # ignored, beyond VIRTIO_QUEUE_MAX
    assert driver.device.queue_sel == 5
    driver.write32(mmio.QUEUE_NOTIFY, 5)
    driver.write32(mmio.QUEUE_NOTIFY, 99999)
    assert driver.read32(mmio.SHM_LEN_LOW) == 0xFFFFFFFF
    assert driver.transport.mmio_read(mmio.STATUS, 2) == 0     # wrong size: 0


def test_rings_outside_ram_break_device() -> None:
    driver = rng_driver()
    driver.write32(mmio.STATUS, 3)
    driver.write32(mmio.DRIVER_FEATURES_SEL, 1)
    driver.write32(mmio.DRIVER_FEATURES, 1)
    driver.write32(mmio.STATUS, 0xB)
    driver.write32(mmio.QUEUE_SEL, 0)
    driver.write32(mmio.QUEUE_NUM, 8)
    driver.write32(mmio.QUEUE_DESC_LOW, 0x1000)
    driver.write32(mmio.QUEUE_READY, 1)
    assert driver.device.broken
    assert driver.read32(mmio.STATUS) == 0xB | mmio.STATUS_NEEDS_RESET
    driver.write32(mmio.STATUS, 0)
    assert not driver.device.broken
    assert driver.read32(mmio.QUEUE_READY) == 0


def test_features_fixed_after_features_ok() -> None:
    driver = rng_driver()
    driver.start(num=8)
    assert driver.device.guest_features == 1 << 32 | 1 << 28 | 1 << 40
    driver.write32(mmio.DRIVER_FEATURES_SEL, 0)
    driver.write32(mmio.DRIVER_FEATURES, 0)
    driver.write32(mmio.STATUS, 0xF)
    assert driver.device.guest_features == 1 << 32 | 1 << 28 | 1 << 40


def test_interrupt_ack_is_partial_and_drives_the_line() -> None:
    driver = rng_driver()
    driver.device.isr = 3
    driver.transport.update_irq()
    assert driver.irq.level
    driver.write32(mmio.INTERRUPT_ACK, 1)
    assert driver.read32(mmio.INTERRUPT_STATUS) == 2 and driver.irq.level
    driver.write32(mmio.INTERRUPT_ACK, 2)
    assert not driver.irq.level


def test_eight_byte_access_splits() -> None:
    driver = rng_driver()
    assert driver.transport.mmio_read(0, 8) == 0x74726976 | (2 << 32)
