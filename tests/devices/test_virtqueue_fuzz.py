"""Hostile descriptor chains and register writes: no exception escapes a
device, and memory use stays bounded."""

from __future__ import annotations

import logging
import re
import tracemalloc
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from emulator.block import RawImage
from emulator.devices import virtio_mmio as mmio
from emulator.devices.virtio_blk import VirtioBlk
from emulator.devices.virtio_rng import VirtioRng
from emulator.devices.virtqueue import (
    VRING_DESC_F_INDIRECT,
    VRING_DESC_F_NEXT,
    VRING_DESC_F_WRITE,
)
from tests.devices.virtio_driver import RAM_BASE, RAM_SIZE, Guest, VirtioDriver

QUEUE_NUM = 8
PEAK_LIMIT = 8 << 20

addresses = st.one_of(
    st.integers(RAM_BASE + (1 << 20), RAM_BASE + (1 << 20) + 0x4000),   # near the rings
    st.integers(RAM_BASE, RAM_BASE + RAM_SIZE + 16),                    # RAM and its end
    st.integers(0, (1 << 64) - 1),                                      # anywhere
)
lengths = st.one_of(st.integers(1, 600), st.integers(0, 600),
                    st.sampled_from([0, 1, 15, 16, 17, 512, 1 << 20, RAM_SIZE, (1 << 32) - 1]))
flag_values = st.sampled_from([VRING_DESC_F_NEXT, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
                               VRING_DESC_F_WRITE, 0, VRING_DESC_F_INDIRECT,
                               VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT]) | st.integers(0, 0xFFFF)
descriptors = st.tuples(addresses, lengths, flag_values,
                        st.one_of(st.integers(0, QUEUE_NUM - 1), st.integers(0, QUEUE_NUM - 1),
                                  st.integers(0, 0xFFFF)))


def descriptor_bytes(addr: int, length: int, flags: int, next_index: int) -> bytes:
    return (addr.to_bytes(8, "little") + length.to_bytes(4, "little")
            + flags.to_bytes(2, "little") + next_index.to_bytes(2, "little"))


ring_state = st.fixed_dictionaries({
    "table": st.lists(descriptors, min_size=QUEUE_NUM, max_size=QUEUE_NUM),
    "indirect": st.lists(descriptors, min_size=0, max_size=12),
    "heads": st.lists(st.integers(0, QUEUE_NUM - 1), min_size=QUEUE_NUM, max_size=QUEUE_NUM)
    | st.lists(st.integers(0, QUEUE_NUM - 1) | st.integers(0, 0xFFFF), min_size=QUEUE_NUM,
               max_size=QUEUE_NUM),
    "avail_idx": st.integers(0, 0xFFFF) | st.integers(0, 4),
    "used_event": st.integers(0, 0xFFFF),
    "headers": st.lists(st.binary(min_size=16, max_size=16), min_size=2, max_size=2),
    "event_idx": st.booleans(),
    "legacy": st.booleans(),
})


def build(guest: Guest, driver: VirtioDriver, state: dict[str, object]) -> None:
    queue = driver.queues[0]
    table = state["table"]
    indirect = state["indirect"]
    assert isinstance(table, list) and isinstance(indirect, list)
    indirect_table = guest.alloc(16 * max(len(indirect), 1))
    # Descriptor 0 may point at the indirect table; headers sit where
    # "near the rings" addresses often land.
    header_area = RAM_BASE + (1 << 20)
    headers = state["headers"]
    assert isinstance(headers, list)
    guest.write(header_area, b"".join(headers))
    for index, (addr, length, flags, next_index) in enumerate(table):
        if index == 0 and flags & VRING_DESC_F_INDIRECT:
            addr, length = indirect_table, 16 * len(indirect) or length
        guest.write(queue.desc + 16 * index, descriptor_bytes(addr, length, flags, next_index))
    for index, entry in enumerate(indirect):
        guest.write(indirect_table + 16 * index, descriptor_bytes(*entry))
    heads = state["heads"]
    assert isinstance(heads, list)
    for slot, head in enumerate(heads):
        guest.write(queue.avail + 4 + 2 * slot, int(head).to_bytes(2, "little"))
    guest.write(queue.avail + 4 + 2 * QUEUE_NUM, int(state["used_event"]).to_bytes(  # type: ignore[call-overload]
        2, "little"))
    guest.write(queue.avail + 2, int(state["avail_idx"]).to_bytes(2, "little"))  # type: ignore[call-overload]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def exercise(make_device: str, state: dict[str, object], image_path: Path) -> None:
    guest = Guest()
    image = RawImage(str(image_path))
    device: mmio.VirtioDevice = (VirtioBlk(guest.dma, image) if make_device == "blk"
                                 else VirtioRng(guest.dma))
    driver = VirtioDriver(device, legacy=bool(state["legacy"]), guest=guest)
    driver.start(drop=0 if state["event_idx"] else 1 << 29, num=QUEUE_NUM)
    build(guest, driver, state)
    errors = _Collect()
    logging.getLogger(mmio.__name__).addHandler(errors)
    tracemalloc.start()
    try:
        for _ in range(2):
            driver.kick()
            driver.read32(mmio.INTERRUPT_STATUS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        logging.getLogger(mmio.__name__).removeHandler(errors)
        image.close()
    for message in errors.messages or ["no error"]:
        event(re.sub(r"\d+", "N", message))
    assert peak < PEAK_LIMIT
    queue = driver.queues[0]
    assert device.queues[0].inuse <= QUEUE_NUM
    used = queue.used_idx()
    assert device.broken or used == device.queues[0].used_idx


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(state=ring_state)
def test_hostile_rings_virtio_blk(state: dict[str, object], tmp_path: Path) -> None:
    path = tmp_path / "fuzz.img"
    if not path.exists():
        path.write_bytes(bytes(64 << 10))
    exercise("blk", state, path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(state=ring_state)
def test_hostile_rings_virtio_rng(state: dict[str, object], tmp_path: Path) -> None:
    path = tmp_path / "unused.img"
    if not path.exists():
        path.write_bytes(bytes(512))
    exercise("rng", state, path)


register_offsets = st.sampled_from([
    mmio.DEVICE_FEATURES_SEL, mmio.DRIVER_FEATURES, mmio.DRIVER_FEATURES_SEL,
    mmio.GUEST_PAGE_SIZE, mmio.QUEUE_SEL, mmio.QUEUE_NUM, mmio.QUEUE_ALIGN, mmio.QUEUE_PFN,
    mmio.QUEUE_READY, mmio.QUEUE_NOTIFY, mmio.INTERRUPT_ACK, mmio.STATUS,
    mmio.QUEUE_DESC_LOW, mmio.QUEUE_DESC_HIGH, mmio.QUEUE_AVAIL_LOW, mmio.QUEUE_AVAIL_HIGH,
    mmio.QUEUE_USED_LOW, mmio.QUEUE_USED_HIGH, 0x100, 0x120, 0x138, 0x1FC,
]) | st.integers(0, 0x1FF)
accesses = st.lists(st.tuples(register_offsets, st.sampled_from([1, 2, 4, 8]),
                              st.integers(0, (1 << 64) - 1) | st.integers(0, 0x2000)
                              | st.just(RAM_BASE >> 12) | st.just(RAM_BASE),
                              st.booleans()), max_size=60)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=accesses, legacy=st.booleans())
def test_random_register_traffic(sequence: list[tuple[int, int, int, bool]], legacy: bool,
                                 tmp_path: Path) -> None:
    path = tmp_path / "regs.img"
    if not path.exists():
        path.write_bytes(bytes(4096))
    guest = Guest()
    with RawImage(str(path)) as image:
        driver = VirtioDriver(VirtioBlk(guest.dma, image), legacy=legacy, guest=guest)
        for offset, size, value, is_write in sequence:
            if is_write:
                assert driver.transport.mmio_write(offset, size, value & ((1 << (8 * size)) - 1)) \
                    is False
            else:
                assert 0 <= driver.transport.mmio_read(offset, size) < 1 << (8 * size)
