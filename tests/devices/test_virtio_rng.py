"""virtio-rng driven through virtio-mmio as a guest drives it."""

from __future__ import annotations

import pytest

from emulator.devices import virtio_mmio as mmio
from emulator.devices.virtio_rng import MAX_FILL, VirtioRng
from tests.devices.virtio_driver import Guest, VirtioDriver


def counting_entropy(size: int) -> bytes:
    return bytes(i & 0xFF for i in range(size))


@pytest.mark.parametrize(("legacy", "features"), [(True, 0x39000000), (False, 0x1_30000000)],
                         ids=["legacy", "modern"])
def test_fills_buffers(legacy: bool, features: int) -> None:
    guest = Guest()
    driver = VirtioDriver(VirtioRng(guest.dma, entropy=counting_entropy), legacy, guest)
    assert driver.read32(mmio.DEVICE_ID) == 4
    assert driver.features() & 0xFFFFFFFF_FFFFFFFF & ~(1 << 40) == features
    assert driver.read32(mmio.CONFIG) == 0xFFFFFFFF
    driver.start(num=8)
    queue = driver.queues[0]
    first, second = guest.space(40), guest.space(3)
    queue.add([first])
    queue.add([second])
    driver.kick()
    assert sorted(queue.take_used()) == [(0, 40), (1, 3)]
    assert guest.read(first.addr, 40) == counting_entropy(40)
    assert driver.irq.level


def test_waits_for_driver_ok_then_serves() -> None:
    guest = Guest()
    driver = VirtioDriver(VirtioRng(guest.dma), legacy=False, guest=guest)
    driver.write32(mmio.STATUS, mmio.STATUS_ACKNOWLEDGE | mmio.STATUS_DRIVER)
    driver.write32(mmio.DRIVER_FEATURES_SEL, 1)
    driver.write32(mmio.DRIVER_FEATURES, 1)
    driver.write32(mmio.STATUS, 0xB)
    queue = driver.setup_queue(0, 8)
    queue.add([guest.space(16)])
    driver.kick()
    assert queue.take_used() == []
    driver.write32(mmio.STATUS, 0xF)
    assert queue.take_used() == [(0, 16)]


def test_huge_buffer_is_capped() -> None:
    guest = Guest()
    driver = VirtioDriver(VirtioRng(guest.dma), legacy=False, guest=guest)
    driver.start(num=8)
    queue = driver.queues[0]
    big = guest.space(4 << 20)
    queue.add([big])
    driver.kick()
    assert queue.take_used() == [(0, MAX_FILL)]


def test_rate_limit() -> None:
    now = [0]
    guest = Guest()
    device = VirtioRng(guest.dma, max_bytes=10, period_ms=1000, clock_ms=lambda: now[0])
    driver = VirtioDriver(device, legacy=False, guest=guest)
    driver.start(num=8)
    queue = driver.queues[0]
    queue.add([guest.space(8)])
    queue.add([guest.space(8)])
    queue.add([guest.space(8)])
    driver.kick()
    assert queue.take_used() == [(0, 8), (1, 2)]
    device.poll()
    assert queue.take_used() == []
    now[0] = 1000
    device.poll()
    assert queue.take_used() == [(2, 8)]


def test_property_errors() -> None:
    guest = Guest()
    with pytest.raises(ValueError, match="'period' parameter expects a positive integer"):
        VirtioRng(guest.dma, period_ms=0)
