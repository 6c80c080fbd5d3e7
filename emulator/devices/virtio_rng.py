"""virtio-rng (``-device virtio-rng-device``): host entropy for the guest.

Integration: plug into a `emulator.devices.virtio_mmio.VirtioMmio`
transport of the virt board (0x10001000 + n * 0x1000, PLIC source n + 1):

    transport.plug(VirtioRng(Dma(memory)))

One queue of 8 entries, as QEMU's.  Each device-writable buffer the
driver offers is filled from ``entropy`` (``os.urandom`` by default) once
the driver is ready (DRIVER_OK); a buffer larger than `MAX_FILL` gets
`MAX_FILL` bytes, and the used length says how many.  QEMU's rate limit
(``max-bytes`` per ``period`` milliseconds) is honoured with the
``clock_ms`` given; buffers left waiting for quota are served by
`poll`, which the board calls from its timer loop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from emulator.devices.dma import Dma, DmaError
from emulator.devices.virtio_mmio import COMMON_FEATURES, STATUS_DRIVER_OK, VirtioDevice
from emulator.devices.virtqueue import VirtioError, iter_segments

VIRTIO_ID_RNG = 4
QUEUE_SIZE = 8
MAX_FILL = 64 << 10
MAX_BYTES_DEFAULT = (1 << 63) - 1
PERIOD_MS_DEFAULT = 1 << 16


def monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class VirtioRng(VirtioDevice):
    """The entropy device; ``max_bytes`` and ``period_ms`` are QEMU's
    ``max-bytes`` and ``period`` properties."""

    device_id = VIRTIO_ID_RNG
    name = "virtio-rng"

    def __init__(self, dma: Dma, *, entropy: Callable[[int], bytes] = os.urandom,
                 max_bytes: int = MAX_BYTES_DEFAULT, period_ms: int = PERIOD_MS_DEFAULT,
                 clock_ms: Callable[[], int] = monotonic_ms,
                 common_features: int = COMMON_FEATURES) -> None:
        if period_ms <= 0:
            raise ValueError("'period' parameter expects a positive integer")
        if not 0 <= max_bytes <= MAX_BYTES_DEFAULT:
            raise ValueError("'max-bytes' parameter must be non-negative, and less than 2^63")
        super().__init__(dma, [QUEUE_SIZE], 0, common_features)
        self.entropy = entropy
        self.max_bytes = max_bytes
        self.period_ms = period_ms
        self.clock_ms = clock_ms
        self.quota_remaining = max_bytes
        self.period_end: int | None = None

    def handle_queue(self, index: int) -> None:
        self.process()

    def status_changed(self) -> None:
        self.process()

    def poll(self) -> None:
        """Start a new rate-limit period when due, and serve waiting buffers."""
        if self.period_end is not None and self.clock_ms() >= self.period_end:
            self.quota_remaining = self.max_bytes
            self.period_end = None
            self.process()

    def _guest_ready(self) -> bool:
        return self.queues[0].ready and bool(self.status & STATUS_DRIVER_OK)

    def process(self) -> None:
        """Fill the buffers the driver offers, within the quota."""
        if not self._guest_ready() or self.broken or not self.vm_running:
            return
        if self.period_end is None:
            self.period_end = self.clock_ms() + self.period_ms
        queue = self.queues[0]
        filled_any = False
        try:
            while self.quota_remaining > 0:
                element = queue.pop(self.event_idx)
                if element is None:
                    break
                budget = min(element.in_size, MAX_FILL, self.quota_remaining)
                written = 0
                for addr, size in iter_segments(element.in_segments, 0, budget):
                    self.dma.write(addr, self.entropy(size))
                    written += size
                self.quota_remaining -= written
                queue.push(element, written)
                filled_any = True
        except VirtioError as err:
            self.error(str(err))
            return
        except DmaError:
            self.error("virtio: bogus descriptor or out of resources")
            return
        if filled_any:
            self.notify_queue(queue)
