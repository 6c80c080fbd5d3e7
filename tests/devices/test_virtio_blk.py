"""virtio-blk through a virtio-mmio transport, driven as a guest drives
it, with split rings in a PhysicalMemory RAM region."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.block import RawImage
from emulator.devices import virtio_mmio as mmio
from emulator.devices.virtio_blk import (
    VIRTIO_BLK_F_RO,
    VIRTIO_BLK_S_IOERR,
    VIRTIO_BLK_S_OK,
    VIRTIO_BLK_S_UNSUPP,
    VIRTIO_BLK_T_DISCARD,
    VIRTIO_BLK_T_FLUSH,
    VIRTIO_BLK_T_GET_ID,
    VIRTIO_BLK_T_IN,
    VIRTIO_BLK_T_OUT,
    VIRTIO_BLK_T_SCSI_CMD,
    VIRTIO_BLK_T_WRITE_ZEROES,
    VirtioBlk,
    guess_geometry,
)
from emulator.devices.virtqueue import VIRTIO_RING_F_EVENT_IDX
from tests.devices.virtio_driver import Buffer, Guest, VirtioDriver

IMAGE_SIZE = 1 << 20


def pattern(size: int) -> bytes:
    return bytes((i * 7 + (i >> 9)) & 0xFF for i in range(size))


@pytest.fixture
def image_path(tmp_path: Path) -> Path:
    path = tmp_path / "disk.img"
    path.write_bytes(pattern(IMAGE_SIZE))
    return path


def make_driver(path: Path, legacy: bool, read_only: bool = False,
                **props: object) -> VirtioDriver:
    guest = Guest()
    image = RawImage(str(path), read_only=read_only)
    device = VirtioBlk(guest.dma, image, **props)  # type: ignore[arg-type]
    return VirtioDriver(device, legacy=legacy, guest=guest)


def header(request_type: int, sector: int = 0) -> bytes:
    return request_type.to_bytes(4, "little") + bytes(4) + sector.to_bytes(8, "little")


def request(driver: VirtioDriver, out: list[bytes], in_sizes: list[int],
            indirect: bool = False) -> tuple[int, list[bytes], int]:
    """Post one request, kick, return (status, data buffers, used len)."""
    guest = driver.guest
    buffers = [guest.put(data) for data in out]
    ins = [guest.space(size) for size in in_sizes]
    status = guest.space(1)
    queue = driver.queues[0]
    head = queue.add(buffers + ins + [status], indirect=indirect)
    driver.kick()
    used = queue.take_used()
    assert used and used[-1][0] == head
    return (guest.read(status.addr, 1)[0], [guest.read(b.addr, b.length) for b in ins],
            used[-1][1])


@pytest.mark.parametrize("legacy", [True, False], ids=["legacy", "modern"])
def test_read_write_through_the_ring(image_path: Path, legacy: bool) -> None:
    driver = make_driver(image_path, legacy)
    driver.start()
    status, (data,), used = request(driver, [header(VIRTIO_BLK_T_IN, 3)], [1024])
    assert status == VIRTIO_BLK_S_OK
    assert data == pattern(IMAGE_SIZE)[3 * 512:5 * 512]
    assert used == 1025
    assert driver.irq.level
    assert driver.ack() == 1
    assert not driver.irq.level

    payload = bytes(range(256)) * 4
    status, _, used = request(driver, [header(VIRTIO_BLK_T_OUT, 10), payload], [])
    assert (status, used) == (VIRTIO_BLK_S_OK, 1)
    assert image_path.read_bytes()[10 * 512:12 * 512] == payload
    status, (data,), _ = request(driver, [header(VIRTIO_BLK_T_IN, 10)], [512, 512][:1],
                                 indirect=True)
    assert data == payload[:512]


def test_data_split_over_many_segments(image_path: Path) -> None:
    driver = make_driver(image_path, legacy=False)
    driver.start()
    status, parts, _ = request(driver, [header(VIRTIO_BLK_T_IN, 0)], [100, 312, 100, 512],
                               indirect=True)
    assert status == VIRTIO_BLK_S_OK
    assert b"".join(parts) == pattern(IMAGE_SIZE)[:1024]


def test_event_idx_and_flush_and_get_id(image_path: Path) -> None:
    driver = make_driver(image_path, legacy=False, serial="cyqemu-disk-serial-number")
    features = driver.start(drop=0)
    assert features >> VIRTIO_RING_F_EVENT_IDX & 1
    assert request(driver, [header(VIRTIO_BLK_T_FLUSH)], [])[0] == VIRTIO_BLK_S_OK
    status, (serial,), _ = request(driver, [header(VIRTIO_BLK_T_GET_ID)], [20])
    assert status == VIRTIO_BLK_S_OK
    assert serial == b"cyqemu-disk-serial-n"        # 20 bytes, no NUL when it fills them
    # The device asks to be kicked again at the next index (avail_event).
    queue = driver.queues[0]
    avail_event = int.from_bytes(driver.guest.read(queue.used + 4 + 8 * queue.num, 2),
                                 "little")
    assert avail_event == queue.avail_idx


@pytest.mark.parametrize(("sector", "size"), [(2047, 1024), (2048, 512), (0, 100),
                                              (1 << 60, 512)])
def test_out_of_range_or_misaligned_is_ioerr(image_path: Path, sector: int, size: int) -> None:
    driver = make_driver(image_path, legacy=False)
    driver.start()
    assert request(driver, [header(VIRTIO_BLK_T_IN, sector)], [size])[0] == VIRTIO_BLK_S_IOERR
    assert not driver.device.broken


def test_read_only_image(image_path: Path) -> None:
    driver = make_driver(image_path, legacy=False, read_only=True)
    assert driver.features() >> VIRTIO_BLK_F_RO & 1
    driver.start()
    status, _, _ = request(driver, [header(VIRTIO_BLK_T_OUT, 0), bytes(512)], [])
    assert status == VIRTIO_BLK_S_IOERR
    assert image_path.read_bytes() == pattern(IMAGE_SIZE)


def test_unknown_types_and_scsi(image_path: Path) -> None:
    driver = make_driver(image_path, legacy=True)
    driver.start()
    assert request(driver, [header(77)], [])[0] == VIRTIO_BLK_S_UNSUPP
    assert request(driver, [header(VIRTIO_BLK_T_SCSI_CMD)], [])[0] == VIRTIO_BLK_S_IOERR
    status, (_, scsi_inhdr), _ = request(driver, [header(VIRTIO_BLK_T_SCSI_CMD), b"\x12" * 6],
                                         [96, 16])
    assert status == VIRTIO_BLK_S_UNSUPP
    assert scsi_inhdr[:4] == (255).to_bytes(4, "little")


def test_discard_and_write_zeroes(image_path: Path) -> None:
    driver = make_driver(image_path, legacy=False)
    driver.start()

    def dwz(sector: int, count: int, flags: int) -> bytes:
        return sector.to_bytes(8, "little") + count.to_bytes(4, "little") + flags.to_bytes(
            4, "little")

    assert request(driver, [header(VIRTIO_BLK_T_WRITE_ZEROES), dwz(4, 2, 0)],
                   [])[0] == VIRTIO_BLK_S_OK
    assert image_path.read_bytes()[4 * 512:6 * 512] == bytes(1024)
    assert request(driver, [header(VIRTIO_BLK_T_WRITE_ZEROES), dwz(4, 2, 2)],
                   [])[0] == VIRTIO_BLK_S_UNSUPP
    assert request(driver, [header(VIRTIO_BLK_T_DISCARD), dwz(4, 2, 1)],
                   [])[0] == VIRTIO_BLK_S_UNSUPP
    assert request(driver, [header(VIRTIO_BLK_T_DISCARD), dwz(0, 8, 0)],
                   [])[0] == VIRTIO_BLK_S_OK
    assert request(driver, [header(VIRTIO_BLK_T_DISCARD), dwz(2047, 2, 0)],
                   [])[0] == VIRTIO_BLK_S_IOERR
    # Without the OUT bit, or with more than one segment: unsupported.
    assert request(driver, [header(VIRTIO_BLK_T_DISCARD & ~1), dwz(0, 1, 0)],
                   [])[0] == VIRTIO_BLK_S_UNSUPP
    assert request(driver, [header(VIRTIO_BLK_T_DISCARD), dwz(0, 1, 0) * 2],
                   [])[0] == VIRTIO_BLK_S_UNSUPP


def test_missing_headers_break_the_device_until_reset(image_path: Path) -> None:
    driver = make_driver(image_path, legacy=False)
    driver.start()
    queue = driver.queues[0]
    queue.add([driver.guest.put(header(VIRTIO_BLK_T_IN))])      # no in buffer
    driver.kick()
    assert driver.device.broken
    assert driver.read32(mmio.STATUS) & mmio.STATUS_NEEDS_RESET
    assert driver.read32(mmio.INTERRUPT_STATUS) == 3          # config change
    driver.start()
    assert not driver.device.broken
    assert request(driver, [header(VIRTIO_BLK_T_IN)], [512])[0] == VIRTIO_BLK_S_OK


def test_short_outhdr_in_legacy_mode_has_no_needs_reset(image_path: Path) -> None:
    driver = make_driver(image_path, legacy=True)
    driver.start()
    queue = driver.queues[0]
    queue.add([driver.guest.put(b"\0" * 8), driver.guest.space(1)])
    driver.kick()
    assert driver.device.broken
    assert not driver.read32(mmio.STATUS) & mmio.STATUS_NEEDS_RESET
    assert queue.take_used() == []


def test_registers_match_qemu(image_path: Path) -> None:
    """Values read from QEMU 7.2 (``xp`` on a 1 MiB raw image)."""
    legacy = make_driver(image_path, legacy=True)
    assert [legacy.read32(offset) for offset in range(0, 0x10, 4)] == [
        0x74726976, 1, 2, 0x554D4551]
    assert legacy.read32(mmio.DEVICE_FEATURES) == 0x31006ED4
    assert legacy.read32(mmio.QUEUE_NUM_MAX) == 1024
    config = [legacy.read32(0x100 + offset) for offset in range(0, 0x3C, 4)]
    assert config == [0x800, 0, 0, 0xFE, 0x3F100002, 0x200, 0, 0, 0x00010001, 0x3FFFFF,
                      1, 1, 0x3FFFFF, 1, 0xFFFFFFFF]
    assert legacy.transport.mmio_read(0x138, 1) == 1
    modern = make_driver(image_path, legacy=False, read_only=True)
    assert modern.read32(mmio.VERSION) == 2
    assert modern.features() == 0x101_30006E74
    modern.write32(mmio.QUEUE_SEL, 1)
    assert modern.read32(mmio.QUEUE_NUM_MAX) == 0


def test_geometry_guess(tmp_path: Path) -> None:
    path = tmp_path / "mbr.img"
    mbr = bytearray(64 << 20)
    mbr[510:512] = b"\x55\xaa"
    entry = bytearray(16)
    entry[5], entry[6] = 15, 32                  # end head 15, end sector 32
    entry[12:16] = (1000).to_bytes(4, "little")
    mbr[0x1BE:0x1CE] = entry
    path.write_bytes(mbr)
    with RawImage(str(path), read_only=True) as image:
        assert guess_geometry(image) == ((64 << 20) // 512 // (16 * 32), 16, 32)
    path.write_bytes(bytes(100 << 20))
    with RawImage(str(path), read_only=True) as image:
        assert guess_geometry(image) == (203, 16, 63)


def test_property_errors(image_path: Path) -> None:
    guest = Guest()
    with RawImage(str(image_path)) as image:
        with pytest.raises(ValueError, match=r"invalid queue-size property \(3\), must be a "
                                             r"power of 2 \(max 1024\)"):
            VirtioBlk(guest.dma, image, queue_size=3)
        with pytest.raises(ValueError, match="logical_block_size > physical_block_size"):
            VirtioBlk(guest.dma, image, logical_block_size=4096)
        with pytest.raises(ValueError, match="num-queues property must be larger than 0"):
            VirtioBlk(guest.dma, image, num_queues=0)


def test_wce_config_write_and_reset(image_path: Path) -> None:
    driver = make_driver(image_path, legacy=False)
    driver.start()
    driver.transport.mmio_write(0x120, 1, 0)
    assert driver.transport.mmio_read(0x120, 1) == 0
    payload = bytes([9]) * 512
    assert request(driver, [header(VIRTIO_BLK_T_OUT, 1), payload], [])[0] == VIRTIO_BLK_S_OK
    driver.write32(mmio.STATUS, 0)
    assert driver.transport.mmio_read(0x120, 1) == 1


def test_empty_transport_reads_like_qemu() -> None:
    transport = mmio.VirtioMmio(lambda level: None)
    assert [transport.mmio_read(offset, 4) for offset in (0, 4, 8, 0xC, 0x10)] == [
        0x74726976, 1, 0, 0x554D4551, 0]
    assert transport.mmio_write(0x70, 4, 1) is False


def test_buffer_outside_ram_breaks_device(image_path: Path) -> None:
    driver = make_driver(image_path, legacy=False)
    driver.start()
    queue = driver.queues[0]
    queue.add([driver.guest.put(header(VIRTIO_BLK_T_IN)), Buffer(0x1000, 512, True),
               driver.guest.space(1)])
    driver.kick()
    assert driver.device.broken
