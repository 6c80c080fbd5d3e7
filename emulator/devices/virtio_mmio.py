"""virtio-mmio: the memory-mapped virtio transport, legacy (version 1)
and modern (version 2), with the device core it carries.

Integration (QEMU 7.2's riscv ``virt``): eight transports at
``0x10001000 + n * 0x1000`` (n = 0..7), each mapped with size `SIZE`
(0x200, as QEMU maps it), PLIC sources 1..8 (transport n raises source
n + 1).  QEMU's default is ``force-legacy=true``: version 1 registers
unless ``-global virtio-mmio.force-legacy=false``.  ``-device
virtio-*-device`` without ``bus=`` goes on the free transport with the
highest address first (QEMU lists the buses newest first), so a single
device sits at 0x10008000.

    transport = VirtioMmio(irq=lambda level: plic.set_source(n + 1, level),
                           legacy=True)
    transport.plug(VirtioBlk(dma, image))      # or VirtioRng(dma)
    memory.add_mmio(0x10001000 + n * 0x1000, SIZE, transport)

A transport without a device reads as QEMU's empty slot: magic,
version and vendor, zeros elsewhere, writes ignored.  Accesses of 8
bytes are split into two of 4 (low word first), as QEMU's memory core
does for these registers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from emulator.devices.dma import Dma
from emulator.devices.virtqueue import (
    VIRTIO_F_NOTIFY_ON_EMPTY,
    VIRTIO_RING_F_EVENT_IDX,
    VIRTIO_RING_F_INDIRECT_DESC,
    VIRTQUEUE_MAX_SIZE,
    QueueElement,
    SplitQueue,
    VirtioError,
)

log = logging.getLogger(__name__)

SIZE = 0x200

MAGIC_VALUE = 0x000
VERSION = 0x004
DEVICE_ID = 0x008
VENDOR_ID = 0x00C
DEVICE_FEATURES = 0x010
DEVICE_FEATURES_SEL = 0x014
DRIVER_FEATURES = 0x020
DRIVER_FEATURES_SEL = 0x024
GUEST_PAGE_SIZE = 0x028
QUEUE_SEL = 0x030
QUEUE_NUM_MAX = 0x034
QUEUE_NUM = 0x038
QUEUE_ALIGN = 0x03C
QUEUE_PFN = 0x040
QUEUE_READY = 0x044
QUEUE_NOTIFY = 0x050
INTERRUPT_STATUS = 0x060
INTERRUPT_ACK = 0x064
STATUS = 0x070
QUEUE_DESC_LOW = 0x080
QUEUE_DESC_HIGH = 0x084
QUEUE_AVAIL_LOW = 0x090
QUEUE_AVAIL_HIGH = 0x094
QUEUE_USED_LOW = 0x0A0
QUEUE_USED_HIGH = 0x0A4
SHM_SEL = 0x0AC
SHM_LEN_LOW = 0x0B0
SHM_LEN_HIGH = 0x0B4
SHM_BASE_LOW = 0x0B8
SHM_BASE_HIGH = 0x0BC
CONFIG_GENERATION = 0x0FC
CONFIG = 0x100

MAGIC = 0x74726976          # "virt"
VENDOR = 0x554D4551         # "QEMU"
VERSION_LEGACY = 1
VERSION_MODERN = 2

VIRTIO_QUEUE_MAX = 1024

STATUS_ACKNOWLEDGE = 1
STATUS_DRIVER = 2
STATUS_DRIVER_OK = 4
STATUS_FEATURES_OK = 8
STATUS_NEEDS_RESET = 0x40
STATUS_FAILED = 0x80

VIRTIO_F_ANY_LAYOUT = 27
VIRTIO_F_BAD_FEATURE = 30
VIRTIO_F_VERSION_1 = 32
VIRTIO_F_IOMMU_PLATFORM = 33
VIRTIO_F_RING_RESET = 40

# Offered to the driver by every device unless the device's properties
# say otherwise (QEMU's DEFINE_VIRTIO_COMMON_FEATURES defaults).
COMMON_FEATURES = ((1 << VIRTIO_RING_F_INDIRECT_DESC) | (1 << VIRTIO_RING_F_EVENT_IDX)
                   | (1 << VIRTIO_F_NOTIFY_ON_EMPTY) | (1 << VIRTIO_F_ANY_LAYOUT)
                   | (1 << VIRTIO_F_RING_RESET))
# Hidden from modern drivers (they are legacy-only bits).
LEGACY_FEATURES = ((1 << VIRTIO_F_BAD_FEATURE) | (1 << VIRTIO_F_NOTIFY_ON_EMPTY)
                   | (1 << VIRTIO_F_ANY_LAYOUT))

_LEGACY_ONLY = (GUEST_PAGE_SIZE, QUEUE_ALIGN, QUEUE_PFN)
_MODERN_ONLY_WRITE = (QUEUE_READY, QUEUE_DESC_LOW, QUEUE_DESC_HIGH, QUEUE_AVAIL_LOW,
                      QUEUE_AVAIL_HIGH, QUEUE_USED_LOW, QUEUE_USED_HIGH)
_WRITE_ONLY = (DEVICE_FEATURES_SEL, DRIVER_FEATURES, DRIVER_FEATURES_SEL, GUEST_PAGE_SIZE,
               QUEUE_SEL, QUEUE_NUM, QUEUE_ALIGN, QUEUE_NOTIFY, INTERRUPT_ACK,
               QUEUE_DESC_LOW, QUEUE_DESC_HIGH, QUEUE_AVAIL_LOW, QUEUE_AVAIL_HIGH,
               QUEUE_USED_LOW, QUEUE_USED_HIGH)
_QUEUE_ADDRESS_FIELDS = {QUEUE_DESC_LOW: "desc", QUEUE_DESC_HIGH: "desc",
                         QUEUE_AVAIL_LOW: "avail", QUEUE_AVAIL_HIGH: "avail",
                         QUEUE_USED_LOW: "used", QUEUE_USED_HIGH: "used"}
_READ_ONLY = (MAGIC_VALUE, VERSION, DEVICE_ID, VENDOR_ID, DEVICE_FEATURES, QUEUE_NUM_MAX,
              INTERRUPT_STATUS, CONFIG_GENERATION)


class VirtioDevice:
    """The transport-independent part of a virtio device (QEMU's
    VirtIODevice): status, features, queues, config space, interrupt
    status.  Devices subclass it and implement `handle_queue` and the
    config hooks."""

    device_id = 0
    name = "virtio-device"

    def __init__(self, dma: Dma, queue_sizes: list[int], config_len: int,
                 features: int = COMMON_FEATURES) -> None:
        self.dma = dma
        self.queues = [SplitQueue(dma, size) for size in queue_sizes]
        self.config = bytearray(config_len)
        self.base_features = features
        self.host_features = features
        self.guest_features = 0
        self.status = 0
        self.isr = 0
        self.generation = 0
        self.queue_sel = 0
        self.broken = False
        self.vm_running = True
        self._transport: VirtioMmio | None = None

    # -- hooks for devices -------------------------------------------------

    def get_features(self, features: int) -> int:
        """The features offered, given the common ones (and VERSION_1 on a
        modern transport)."""
        return features

    def update_config(self) -> None:
        """Refresh `config` before the driver reads it."""

    def config_written(self) -> None:
        """The driver wrote `config`."""

    def handle_queue(self, index: int) -> None:
        """The driver kicked queue ``index``."""

    def status_changed(self) -> None:
        """`status` was written."""

    def device_reset(self) -> None:
        """Device-specific state back to its reset values."""

    # -- the core ------------------------------------------------------------

    def plugged(self, transport: VirtioMmio) -> None:
        self._transport = transport
        features = self.base_features
        if not transport.legacy:
            features |= 1 << VIRTIO_F_VERSION_1
        self.host_features = self.get_features(features)

    def has_feature(self, bit: int) -> bool:
        return bool((self.guest_features >> bit) & 1)

    @property
    def event_idx(self) -> bool:
        return self.has_feature(VIRTIO_RING_F_EVENT_IDX)

    def queue(self, index: int) -> SplitQueue | None:
        return self.queues[index] if index < len(self.queues) else None

    def reset(self) -> None:
        self.device_reset()
        self.broken = False
        self.guest_features = 0
        self.queue_sel = 0
        self.status = 0
        self.isr = 0
        self._update_irq()
        for queue in self.queues:
            queue.reset()

    def set_features(self, value: int) -> bool:
        """Accept the driver's features (those offered); False when it
        asked for more or negotiation has finished."""
        if self.status & STATUS_FEATURES_OK:
            return False
        if (value >> VIRTIO_F_BAD_FEATURE) & 1:
            log.warning("guest driver for %s has enabled UNUSED(30) feature bit!", self.name)
        bad = bool(value & ~self.host_features)
        self.guest_features = value & self.host_features
        if self.event_idx:
            self._check_all_rings()
        return not bad

    def set_status(self, value: int) -> None:
        if (self.has_feature(VIRTIO_F_VERSION_1) and not self.status & STATUS_FEATURES_OK
                and value & STATUS_FEATURES_OK and not self.validate_features()):
            return
        self.status = value
        self.status_changed()

    def validate_features(self) -> bool:
        return not ((self.host_features >> VIRTIO_F_IOMMU_PLATFORM) & 1
                    and not self.has_feature(VIRTIO_F_IOMMU_PLATFORM))

    def _check_all_rings(self) -> None:
        for queue in self.queues:
            if queue.num:
                self.guard(queue.check_rings, self.event_idx)

    def guard(self, action: Callable[..., object], *args: object) -> bool:
        """Run a step driven by guest memory; a protocol violation breaks
        the device as QEMU's virtio_error does.  False when it failed."""
        try:
            action(*args)
        except VirtioError as err:
            self.error(str(err))
            return False
        return True

    def error(self, message: str) -> None:
        """QEMU's virtio_error: report, flag NEEDS_RESET for a virtio 1
        driver, stop processing until reset."""
        log.error("%s", message)
        if self.has_feature(VIRTIO_F_VERSION_1):
            self.status |= STATUS_NEEDS_RESET
            self.notify_config()
        self.broken = True

    def notify_queue(self, queue: SplitQueue) -> None:
        """Interrupt the driver for ``queue`` if it wants to hear."""
        try:
            wanted = queue.should_notify(self.guest_features)
        except VirtioError as err:
            self.error(str(err))
            return
        if wanted:
            self.isr |= 1
            self._update_irq()

    def notify_config(self) -> None:
        if not self.status & STATUS_DRIVER_OK:
            return
        self.isr |= 3
        self.generation = (self.generation + 1) & 0xFFFFFFFF
        self._update_irq()

    def _update_irq(self) -> None:
        if self._transport is not None:
            self._transport.update_irq()

    def queue_notified(self, index: int) -> None:
        queue = self.queue(index)
        if queue is None or not queue.ready or self.broken:
            return
        self.handle_queue(index)

    def push(self, queue: SplitQueue, element: QueueElement, written: int) -> None:
        """Return ``element`` and interrupt the driver if it wants."""
        if self.guard(queue.push, element, written):
            self.notify_queue(queue)

    def config_read(self, offset: int, size: int) -> int:
        if offset + size > len(self.config):
            return (1 << (8 * size)) - 1
        self.update_config()
        return int.from_bytes(self.config[offset:offset + size], "little")

    def config_write(self, offset: int, size: int, value: int) -> None:
        if offset + size > len(self.config):
            return
        self.config[offset:offset + size] = (value & ((1 << (8 * size)) - 1)).to_bytes(
            size, "little")
        self.config_written()


class _ModernQueueRegisters:
    """What a modern driver wrote for one queue before enabling it."""

    def __init__(self) -> None:
        self.num = 0
        self.enabled = False
        self.desc = 0
        self.avail = 0
        self.used = 0


class VirtioMmio:
    """One virtio-mmio transport slot (QEMU's virtio-mmio proxy)."""

    def __init__(self, irq: Callable[[bool], None], legacy: bool = True) -> None:
        self.irq = irq
        self.legacy = legacy
        self.device: VirtioDevice | None = None
        self.host_features_sel = 0
        self.guest_features_sel = 0
        self.guest_page_shift = 0
        self.guest_features = [0, 0]
        self._queues: dict[int, _ModernQueueRegisters] = {}

    def plug(self, device: VirtioDevice) -> None:
        """Put ``device`` on this transport (QEMU's bus holds one)."""
        if self.device is not None:
            raise ValueError("virtio-mmio transport already holds a device")
        self.device = device
        device.plugged(self)

    def update_irq(self) -> None:
        self.irq(self.device is not None and self.device.isr != 0)

    def reset(self) -> None:
        """System reset."""
        self._soft_reset()
        self.host_features_sel = 0
        self.guest_features_sel = 0
        self.guest_page_shift = 0
        if not self.legacy:
            self.guest_features = [0, 0]
            self._queues.clear()

    def _soft_reset(self) -> None:
        if self.device is not None:
            self.device.reset()
        if not self.legacy:
            for registers in self._queues.values():
                registers.enabled = False

    def _modern_queue(self, index: int) -> _ModernQueueRegisters:
        registers = self._queues.get(index)
        if registers is None:
            registers = self._queues[index] = _ModernQueueRegisters()
        return registers

    # -- MMIO ------------------------------------------------------------------

    def mmio_read(self, offset: int, size: int) -> int:
        if size == 8:
            return self.mmio_read(offset, 4) | (self.mmio_read(offset + 4, 4) << 32)
        device = self.device
        if device is None:
            if offset == MAGIC_VALUE:
                return MAGIC
            if offset == VERSION:
                return VERSION_LEGACY if self.legacy else VERSION_MODERN
            if offset == VENDOR_ID:
                return VENDOR
            return 0
        if offset >= CONFIG:
            return device.config_read(offset - CONFIG, size)
        if size != 4:
            log.debug("virtio-mmio: wrong size access to register!")
            return 0
        return self._read_register(device, offset)

    def _read_register(self, device: VirtioDevice, offset: int) -> int:
        if offset == MAGIC_VALUE:
            return MAGIC
        if offset == VERSION:
            return VERSION_LEGACY if self.legacy else VERSION_MODERN
        if offset == DEVICE_ID:
            return device.device_id
        if offset == VENDOR_ID:
            return VENDOR
        if offset == DEVICE_FEATURES:
            if self.legacy:
                return 0 if self.host_features_sel else device.host_features & 0xFFFFFFFF
            features = device.host_features & ~LEGACY_FEATURES
            return (features >> (32 * self.host_features_sel)) & 0xFFFFFFFF
        if offset == QUEUE_NUM_MAX:
            queue = device.queue(device.queue_sel)
            return VIRTQUEUE_MAX_SIZE if queue is not None and queue.num else 0
        if offset == QUEUE_PFN:
            if not self.legacy:
                return 0
            queue = device.queue(device.queue_sel)
            return (queue.desc if queue is not None else 0) >> self.guest_page_shift
        if offset == QUEUE_READY:
            if self.legacy:
                return 0
            registers = self._queues.get(device.queue_sel)
            return int(registers is not None and registers.enabled)
        if offset == INTERRUPT_STATUS:
            return device.isr
        if offset == STATUS:
            return device.status
        if offset == CONFIG_GENERATION:
            return 0 if self.legacy else device.generation
        if offset in (SHM_LEN_LOW, SHM_LEN_HIGH):
            return 0xFFFFFFFF
        return 0

    def mmio_write(self, offset: int, size: int, value: int) -> bool:
        if size == 8:
            self.mmio_write(offset, 4, value & 0xFFFFFFFF)
            self.mmio_write(offset + 4, 4, value >> 32)
            return False
        device = self.device
        if device is None:
            return False
        if offset >= CONFIG:
            device.config_write(offset - CONFIG, size, value)
            return False
        if size != 4:
            log.debug("virtio-mmio: wrong size access to register!")
            return False
        if self.legacy and offset in _MODERN_ONLY_WRITE:
            log.debug("virtio-mmio: write to non-legacy register 0x%x in legacy mode", offset)
            return False
        if not self.legacy and offset in _LEGACY_ONLY:
            log.debug("virtio-mmio: write to legacy register 0x%x in non-legacy mode", offset)
            return False
        self._write_register(device, offset, value & 0xFFFFFFFF)
        return False

    def _write_register(self, device: VirtioDevice, offset: int, value: int) -> None:
        if offset == DEVICE_FEATURES_SEL:
            self.host_features_sel = int(value != 0)
        elif offset == DRIVER_FEATURES:
            if not self.legacy:
                self.guest_features[self.guest_features_sel] = value
            elif self.guest_features_sel:
                log.debug("virtio-mmio: guest features written with sel > 0 in legacy mode")
            else:
                device.set_features(value)
        elif offset == DRIVER_FEATURES_SEL:
            self.guest_features_sel = int(value != 0)
        elif offset == GUEST_PAGE_SIZE:
            shift = (value & -value).bit_length() - 1 if value else 32
            self.guest_page_shift = 0 if shift > 31 else shift
        elif offset == QUEUE_SEL:
            if value < VIRTIO_QUEUE_MAX:
                device.queue_sel = value
        elif offset == QUEUE_NUM:
            self._write_queue_num(device, value)
        elif offset == QUEUE_ALIGN:
            self._write_queue_align(device, value)
        elif offset == QUEUE_PFN:
            self._write_queue_pfn(device, value)
        elif offset == QUEUE_READY:
            self._write_queue_ready(device, value)
        elif offset == QUEUE_NOTIFY:
            if value < VIRTIO_QUEUE_MAX:
                device.queue_notified(value)
        elif offset == INTERRUPT_ACK:
            device.isr &= ~value & 0xFF
            self.update_irq()
        elif offset == STATUS:
            self._write_status(device, value)
        elif offset in _QUEUE_ADDRESS_FIELDS:
            self._write_queue_address(device, offset, value)
        elif offset in _READ_ONLY:
            log.debug("virtio-mmio: write to read-only register 0x%x", offset)

    def _write_queue_num(self, device: VirtioDevice, value: int) -> None:
        queue = device.queue(device.queue_sel)
        if queue is not None:
            queue.set_num(value)
        if self.legacy:
            if queue is not None and queue.update_rings():
                device.guard(queue.check_rings, device.event_idx)
        else:
            self._modern_queue(device.queue_sel).num = value

    def _write_queue_align(self, device: VirtioDevice, value: int) -> None:
        if device.has_feature(VIRTIO_F_VERSION_1):
            log.error("tried to modify queue alignment for virtio-1 device")
            return
        queue = device.queue(device.queue_sel)
        if queue is not None and value:
            queue.align = value
            if queue.update_rings():
                device.guard(queue.check_rings, device.event_idx)

    def _write_queue_pfn(self, device: VirtioDevice, value: int) -> None:
        if value == 0:
            self._soft_reset()
            return
        queue = device.queue(device.queue_sel)
        if queue is None or not queue.num:
            return
        queue.desc = value << self.guest_page_shift
        if queue.update_rings():
            device.guard(queue.check_rings, device.event_idx)

    def _write_queue_ready(self, device: VirtioDevice, value: int) -> None:
        registers = self._modern_queue(device.queue_sel)
        if not value:
            registers.enabled = False
            return
        queue = device.queue(device.queue_sel)
        if queue is not None:
            queue.set_num(registers.num)
            queue.set_rings(registers.desc, registers.avail, registers.used)
            device.guard(queue.check_rings, device.event_idx)
        registers.enabled = True

    def _write_queue_address(self, device: VirtioDevice, offset: int, value: int) -> None:
        registers = self._modern_queue(device.queue_sel)
        name = _QUEUE_ADDRESS_FIELDS[offset]
        shift = 32 if offset & 4 else 0
        old = getattr(registers, name)
        setattr(registers, name, (old & ~(0xFFFFFFFF << shift)) | (value << shift))

    def _write_status(self, device: VirtioDevice, value: int) -> None:
        if not self.legacy and value & STATUS_FEATURES_OK:
            device.set_features(self.guest_features[0] | (self.guest_features[1] << 32))
        device.set_status(value & 0xFF)
        if device.status == 0:
            self._soft_reset()
