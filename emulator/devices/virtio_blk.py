"""virtio-blk (``-device virtio-blk-device``): a disk over a virtqueue.

Integration: plug into a `emulator.devices.virtio_mmio.VirtioMmio`
transport of the virt board (0x10001000 + n * 0x1000, PLIC source n + 1):

    opened = open_image(drive.file, drive.format, read_only=drive.read_only,
                        snapshot=drive.snapshot)
    transport.plug(VirtioBlk(Dma(memory), opened.image, serial=...))

Requests follow QEMU 7.2: read, write, flush, get-id, discard and
write-zeroes; a request outside the disk, misaligned, or a write to a
read-only image completes with VIRTIO_BLK_S_IOERR; unknown types with
VIRTIO_BLK_S_UNSUPP; malformed headers break the device (NEEDS_RESET
for a virtio 1 driver) as QEMU's virtio_error does.  The used length
reported is the size of the request's device-writable buffers, as in
QEMU.  Features and config space match QEMU's for the same properties
(geometry guessed from the image as QEMU guesses it).
"""

from __future__ import annotations

from emulator.block import SECTOR_SIZE, BlockError, RawImage
from emulator.devices.dma import Dma, DmaError
from emulator.devices.virtio_mmio import (
    COMMON_FEATURES,
    VIRTIO_F_ANY_LAYOUT,
    VIRTIO_F_VERSION_1,
    VirtioDevice,
)
from emulator.devices.virtqueue import (
    VIRTQUEUE_MAX_SIZE,
    QueueElement,
    Segment,
    SplitQueue,
    VirtioError,
    gather,
    iter_segments,
    scatter,
)

VIRTIO_ID_BLOCK = 2

VIRTIO_BLK_F_SIZE_MAX = 1
VIRTIO_BLK_F_SEG_MAX = 2
VIRTIO_BLK_F_GEOMETRY = 4
VIRTIO_BLK_F_RO = 5
VIRTIO_BLK_F_BLK_SIZE = 6
VIRTIO_BLK_F_SCSI = 7
VIRTIO_BLK_F_WCE = 9
VIRTIO_BLK_F_TOPOLOGY = 10
VIRTIO_BLK_F_CONFIG_WCE = 11
VIRTIO_BLK_F_MQ = 12
VIRTIO_BLK_F_DISCARD = 13
VIRTIO_BLK_F_WRITE_ZEROES = 14

VIRTIO_BLK_T_IN = 0
VIRTIO_BLK_T_OUT = 1
VIRTIO_BLK_T_SCSI_CMD = 2
VIRTIO_BLK_T_FLUSH = 4
VIRTIO_BLK_T_GET_ID = 8
VIRTIO_BLK_T_DISCARD = 11
VIRTIO_BLK_T_WRITE_ZEROES = 13
VIRTIO_BLK_T_BARRIER = 0x80000000

VIRTIO_BLK_S_OK = 0
VIRTIO_BLK_S_IOERR = 1
VIRTIO_BLK_S_UNSUPP = 2

VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP = 1
VIRTIO_BLK_ID_BYTES = 20

REQUEST_MAX_SECTORS = 0x3FFFFF   # QEMU's BDRV_REQUEST_MAX_SECTORS
OUTHDR_SIZE = 16
DWZ_HEADER_SIZE = 16
MIN_BLOCK_SIZE = 512
MAX_BLOCK_SIZE = 2 << 20

# Config space sizes: up to blk_size/topology/wce, with discard fields,
# with write-zeroes fields (QEMU hides the fields of features it lacks).
CONFIG_SIZE_BASE = 36
CONFIG_SIZE_DISCARD = 48
CONFIG_SIZE_WRITE_ZEROES = 57


def check_block_size(name: str, value: int) -> None:
    """QEMU's check of a block size property (512 bytes to 2 MiB, a power
    of 2)."""
    if value < MIN_BLOCK_SIZE or value > MAX_BLOCK_SIZE:
        raise ValueError(f"Property virtio-blk-device.{name} doesn't take value {value} "
                         f"(minimum: {MIN_BLOCK_SIZE}, maximum: {MAX_BLOCK_SIZE})")
    if value & (value - 1):
        raise ValueError(f"Property virtio-blk-device.{name} doesn't take value '{value}', "
                         "it's not a power of 2")


def guess_geometry(image: RawImage) -> tuple[int, int, int]:
    """(cylinders, heads, sectors) as QEMU's hd_geometry_guess: from an
    MS-DOS partition table ending on a cylinder boundary, else 16 heads
    and 63 sectors."""
    sectors_total = image.sectors
    if image.length >= SECTOR_SIZE:
        mbr = image.read(0, SECTOR_SIZE)
        if mbr[510] == 0x55 and mbr[511] == 0xAA:
            for entry in range(4):
                part = mbr[0x1BE + 16 * entry:0x1BE + 16 * (entry + 1)]
                end_head, end_sector = part[5], part[6] & 63
                if int.from_bytes(part[12:16], "little") and end_head and end_sector:
                    heads = end_head + 1
                    cylinders = sectors_total // (heads * end_sector)
                    if 1 <= cylinders <= 16383:
                        if heads > 16:
                            break
                        return cylinders, heads, end_sector
    return min(max(sectors_total // (16 * 63), 2), 16383), 16, 63


class VirtioBlk(VirtioDevice):
    """A virtio block device over a `RawImage`.  Constructor arguments are
    the QEMU properties of the same names (``-device
    virtio-blk-device,...``); bad values raise ValueError with QEMU's
    message."""

    device_id = VIRTIO_ID_BLOCK
    name = "virtio-blk"

    def __init__(self, dma: Dma, image: RawImage, *, serial: str = "",
                 queue_size: int = 256, num_queues: int = 1, config_wce: bool = True,
                 discard: bool = True, write_zeroes: bool = True,
                 logical_block_size: int = 512, physical_block_size: int = 512,
                 max_discard_sectors: int = REQUEST_MAX_SECTORS,
                 max_write_zeroes_sectors: int = REQUEST_MAX_SECTORS,
                 write_cache: bool = True, seg_max_adjust: bool = True,
                 geometry: tuple[int, int, int] | None = None,
                 common_features: int = COMMON_FEATURES) -> None:
        if num_queues < 1:
            raise ValueError("num-queues property must be larger than 0")
        if queue_size <= 2:
            raise ValueError(f"invalid queue-size property ({queue_size}), must be > 2")
        if queue_size & (queue_size - 1) or queue_size > VIRTQUEUE_MAX_SIZE:
            raise ValueError(f"invalid queue-size property ({queue_size}), "
                             f"must be a power of 2 (max {VIRTQUEUE_MAX_SIZE})")
        check_block_size("logical_block_size", logical_block_size)
        check_block_size("physical_block_size", physical_block_size)
        if logical_block_size > physical_block_size:
            raise ValueError("logical_block_size > physical_block_size not supported")
        if discard and not 1 <= max_discard_sectors <= REQUEST_MAX_SECTORS:
            raise ValueError(f"invalid max-discard-sectors property ({max_discard_sectors})"
                             f", must be between 1 and {REQUEST_MAX_SECTORS}")
        if write_zeroes and not 1 <= max_write_zeroes_sectors <= REQUEST_MAX_SECTORS:
            raise ValueError("invalid max-write-zeroes-sectors property "
                             f"({max_write_zeroes_sectors}), must be between 1 and "
                             f"{REQUEST_MAX_SECTORS}")
        self.image = image
        self.serial = serial.encode()
        self.num_queues = num_queues
        self.queue_size = queue_size
        self.logical_block_size = logical_block_size
        self.physical_block_size = physical_block_size
        self.max_discard_sectors = max_discard_sectors
        self.max_write_zeroes_sectors = max_write_zeroes_sectors
        self.seg_max_adjust = seg_max_adjust
        self.geometry = geometry if geometry is not None else guess_geometry(image)
        self.write_cache = write_cache
        self.original_write_cache = write_cache
        self.device_bits = ((config_wce << VIRTIO_BLK_F_CONFIG_WCE)
                            | (discard << VIRTIO_BLK_F_DISCARD)
                            | (write_zeroes << VIRTIO_BLK_F_WRITE_ZEROES))
        config_len = (CONFIG_SIZE_WRITE_ZEROES if write_zeroes
                      else CONFIG_SIZE_DISCARD if discard else CONFIG_SIZE_BASE)
        super().__init__(dma, [queue_size] * num_queues, config_len, common_features)

    def get_features(self, features: int) -> int:
        features |= self.device_bits
        for bit in (VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_GEOMETRY, VIRTIO_BLK_F_TOPOLOGY,
                    VIRTIO_BLK_F_BLK_SIZE):
            features |= 1 << bit
        if not (features >> VIRTIO_F_VERSION_1) & 1:
            features &= ~(1 << VIRTIO_F_ANY_LAYOUT)
            features |= 1 << VIRTIO_BLK_F_SCSI
        if self.write_cache or (features >> VIRTIO_BLK_F_CONFIG_WCE) & 1:
            features |= 1 << VIRTIO_BLK_F_WCE
        if self.image.read_only:
            features |= 1 << VIRTIO_BLK_F_RO
        if self.num_queues > 1:
            features |= 1 << VIRTIO_BLK_F_MQ
        return features

    def device_reset(self) -> None:
        self.write_cache = self.original_write_cache

    # -- config space ------------------------------------------------------

    def update_config(self) -> None:
        cylinders, heads, sectors = self.geometry
        block = self.logical_block_size
        exponent = 0
        size = self.physical_block_size
        while size > block:
            size >>= 1
            exponent += 1
        seg_max = self.queue_size - 2 if self.seg_max_adjust else 128 - 2
        config = bytearray(CONFIG_SIZE_WRITE_ZEROES + 3)
        config[0:8] = self.image.sectors.to_bytes(8, "little")
        config[12:16] = seg_max.to_bytes(4, "little")
        config[16:18] = cylinders.to_bytes(2, "little")
        config[18] = heads & 0xFF
        config[19] = sectors & 0xFF
        config[20:24] = block.to_bytes(4, "little")
        config[24] = exponent
        config[32] = int(self.write_cache)
        config[34:36] = self.num_queues.to_bytes(2, "little")
        if (self.device_bits >> VIRTIO_BLK_F_DISCARD) & 1:
            config[36:40] = self.max_discard_sectors.to_bytes(4, "little")
            config[40:44] = (1).to_bytes(4, "little")
            config[44:48] = (block // SECTOR_SIZE).to_bytes(4, "little")
        if (self.device_bits >> VIRTIO_BLK_F_WRITE_ZEROES) & 1:
            config[48:52] = self.max_write_zeroes_sectors.to_bytes(4, "little")
            config[52:56] = (1).to_bytes(4, "little")
            config[56] = 1
        self.config[:] = config[:len(self.config)]

    def config_written(self) -> None:
        self.write_cache = self.config[32] != 0

    # -- requests ----------------------------------------------------------

    def handle_queue(self, index: int) -> None:
        queue = self.queues[index]
        try:
            while not self.broken:
                queue.set_notification(False, self.event_idx)
                while not self.broken:
                    element = queue.pop(self.event_idx)
                    if element is None:
                        break
                    if not self._handle_request(queue, element):
                        queue.detach(element)
                queue.set_notification(True, self.event_idx)
                if queue.is_empty():
                    break
        except VirtioError as err:
            self.error(str(err))

    def _handle_request(self, queue: SplitQueue, element: QueueElement) -> bool:
        """Carry out one request; False when it broke the protocol."""
        try:
            return self._carry_out(queue, element)
        except DmaError:
            self.error("virtio: bogus descriptor or out of resources")
            return False

    def _carry_out(self, queue: SplitQueue, element: QueueElement) -> bool:
        if not element.out_segments or not element.in_segments:
            self.error("virtio-blk missing headers")
            return False
        header = gather(self.dma, element.out_segments, 0, OUTHDR_SIZE)
        if len(header) != OUTHDR_SIZE:
            self.error("virtio-blk request outhdr too short")
            return False
        request_type = int.from_bytes(header[0:4], "little")
        sector = int.from_bytes(header[8:16], "little")
        last = element.in_segments[-1]
        status_addr = last.addr + last.length - 1
        in_data = list(element.in_segments[:-1])
        if last.length > 1:
            in_data.append(Segment(last.addr, last.length - 1))
        out_size = element.out_size - OUTHDR_SIZE
        kind = request_type & ~(VIRTIO_BLK_T_OUT | VIRTIO_BLK_T_BARRIER)
        if kind == VIRTIO_BLK_T_IN:
            status = self._read_write(element, sector, in_data, out_size,
                                      bool(request_type & VIRTIO_BLK_T_OUT))
        elif kind == VIRTIO_BLK_T_FLUSH:
            status = self._flush()
        elif kind == VIRTIO_BLK_T_SCSI_CMD:
            status = self._scsi(element)
        elif kind == VIRTIO_BLK_T_GET_ID:
            size = min(len(self.serial) + 1, sum(s.length for s in in_data),
                       VIRTIO_BLK_ID_BYTES)
            status = VIRTIO_BLK_S_OK if self._store(in_data, (self.serial + b"\0")[:size]) \
                else VIRTIO_BLK_S_IOERR
        elif kind in (VIRTIO_BLK_T_DISCARD & ~VIRTIO_BLK_T_OUT,
                      VIRTIO_BLK_T_WRITE_ZEROES & ~VIRTIO_BLK_T_OUT):
            if not request_type & VIRTIO_BLK_T_OUT or out_size > DWZ_HEADER_SIZE:
                status = VIRTIO_BLK_S_UNSUPP
            else:
                dwz = gather(self.dma, element.out_segments, OUTHDR_SIZE, DWZ_HEADER_SIZE)
                if len(dwz) != DWZ_HEADER_SIZE:
                    self.error("virtio-blk discard/write_zeroes header too short")
                    return False
                status = self._discard_write_zeroes(
                    dwz, (request_type & ~VIRTIO_BLK_T_BARRIER) == VIRTIO_BLK_T_WRITE_ZEROES)
        else:
            status = VIRTIO_BLK_S_UNSUPP
        self.dma.write(status_addr, bytes((status,)))
        self.push(queue, element, element.in_size)
        return True

    def _store(self, segments: list[Segment], data: bytes) -> bool:
        try:
            scatter(self.dma, segments, 0, data)
        except DmaError:
            return False
        return True

    def _range_ok(self, sector: int, size: int) -> bool:
        """QEMU's virtio_blk_sect_range_ok."""
        sectors = size // SECTOR_SIZE
        total = self.image.sectors
        mask = self.logical_block_size // SECTOR_SIZE - 1
        return (sectors <= REQUEST_MAX_SECTORS and not sector & mask
                and size % self.logical_block_size == 0
                and sector <= total and sectors <= total - sector)

    def _read_write(self, element: QueueElement, sector: int, in_data: list[Segment],
                    out_size: int, is_write: bool) -> int:
        size = out_size if is_write else sum(s.length for s in in_data)
        if not self._range_ok(sector, size):
            return VIRTIO_BLK_S_IOERR
        position = sector * SECTOR_SIZE
        try:
            if is_write:
                for addr, piece in iter_segments(element.out_segments, OUTHDR_SIZE):
                    self.image.write(position, self.dma.read(addr, piece))
                    position += piece
                if not self.write_cache:
                    self.image.flush()
            else:
                for addr, piece in iter_segments(in_data):
                    self.dma.write(addr, self.image.read(position, piece))
                    position += piece
        except (BlockError, DmaError, OSError):
            return VIRTIO_BLK_S_IOERR
        return VIRTIO_BLK_S_OK

    def _flush(self) -> int:
        try:
            self.image.flush()
        except OSError:
            return VIRTIO_BLK_S_IOERR
        return VIRTIO_BLK_S_OK

    def _scsi(self, element: QueueElement) -> int:
        """SCSI passthrough is never enabled: errors = 255 in the SCSI
        in-header, UNSUPP (IOERR when the request is too short for one)."""
        if len(element.out_segments) < 2 or len(element.in_segments) < 3:
            return VIRTIO_BLK_S_IOERR
        scsi_header = element.in_segments[-2]
        if scsi_header.length >= 4:
            self._store([scsi_header], (255).to_bytes(4, "little"))
        return VIRTIO_BLK_S_UNSUPP

    def _discard_write_zeroes(self, header: bytes, is_write_zeroes: bool) -> int:
        sector = int.from_bytes(header[0:8], "little")
        num_sectors = int.from_bytes(header[8:12], "little")
        flags = int.from_bytes(header[12:16], "little")
        limit = self.max_write_zeroes_sectors if is_write_zeroes else self.max_discard_sectors
        if num_sectors > limit:
            return VIRTIO_BLK_S_IOERR
        size = num_sectors * SECTOR_SIZE
        if not self._range_ok(sector, size):
            return VIRTIO_BLK_S_IOERR
        if flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP:
            return VIRTIO_BLK_S_UNSUPP
        try:
            if is_write_zeroes:
                self.image.write_zeroes(sector * SECTOR_SIZE, size)
            elif flags & VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP:
                return VIRTIO_BLK_S_UNSUPP
            else:
                self.image.discard(sector * SECTOR_SIZE, size)
        except (BlockError, OSError):
            return VIRTIO_BLK_S_IOERR
        return VIRTIO_BLK_S_OK
