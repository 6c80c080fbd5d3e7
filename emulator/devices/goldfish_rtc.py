"""Goldfish RTC: a nanosecond wall clock with one alarm.

Integration (QEMU 7.2's riscv ``virt``): at 0x101000, mapped with size
`SIZE` (0x24) and 32-bit accesses only (``min_access=4,
max_access=4``), PLIC source 11; device tree node ``/soc/rtc@101000``,
compatible ``google,goldfish-rtc``.

    rtc = GoldfishRtc(irq=lambda level: plic.set_source(11, level),
                      clock_ns=time.time_ns,
                      start_seconds=rtc_start_seconds("utc"))
    memory.add_mmio(0x101000, SIZE, rtc, min_access=4, max_access=4)
    ... from the timer loop: rtc.poll(); rtc.next_deadline() says when.

``clock_ns`` is QEMU's ``rtc_clock`` (``-rtc clock=host`` by default:
host wall time; ``rt`` a monotonic host clock; ``vm`` the guest's
virtual clock, which stops while the guest is paused) and
``start_seconds`` what the guest reads at start-up (`rtc_start_seconds`
implements ``-rtc base=utc|localtime|DATE``).  The guest may set the
time; the alarm raises the interrupt once the counter reaches it and
stays raised until cleared.  ``on_deadline`` (optional) hears of every
change of the alarm's deadline, in ``clock_ns`` units, or None.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

SIZE = 0x24

TIME_LOW = 0x00
TIME_HIGH = 0x04
ALARM_LOW = 0x08
ALARM_HIGH = 0x0C
IRQ_ENABLED = 0x10
CLEAR_ALARM = 0x14
ALARM_STATUS = 0x18
CLEAR_INTERRUPT = 0x1C

NS_PER_SECOND = 1_000_000_000
_MASK64 = (1 << 64) - 1


class RtcError(Exception):
    """A bad ``-rtc`` option; str() is QEMU's message (and hint lines)."""


def mktimegm(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
             second: int = 0) -> int:
    """Seconds since the epoch of a UTC date, months and days allowed to
    overflow as C's normalising conversions allow."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    if month < 3:
        month += 12
        year -= 1
    days = (day + (153 * month - 457) // 5 + 365 * year + year // 4 - year // 100
            + year // 400 - 719469)
    return days * 86400 + hour * 3600 + minute * 60 + second


def rtc_start_seconds(base: str = "utc", now_ns: Callable[[], int] = time.time_ns) -> int:
    """What a guest's RTC reads at start-up for ``-rtc base=BASE``."""
    now = now_ns() // NS_PER_SECOND
    if base == "utc":
        return now
    if base == "localtime":
        offset = time.localtime(now).tm_gmtoff
        return now + offset
    match = (re.match(r"\s*([+-]?\d+)-\s*([+-]?\d+)-\s*([+-]?\d+)T\s*([+-]?\d+):\s*([+-]?\d+):"
                      r"\s*([+-]?\d+)", base)
             or re.match(r"\s*([+-]?\d+)-\s*([+-]?\d+)-\s*([+-]?\d+)", base))
    if match is None:
        raise RtcError("invalid datetime format",
                       "valid formats: '2006-06-17T16:01:21' or '2006-06-17'")
    return mktimegm(*(int(group) for group in match.groups()))


class GoldfishRtc:
    """The device; see the module's notes for the constructor."""

    def __init__(self, irq: Callable[[bool], None], *,
                 clock_ns: Callable[[], int] = time.time_ns,
                 start_seconds: int | None = None,
                 on_deadline: Callable[[int | None], None] | None = None) -> None:
        self.irq = irq
        self.clock_ns = clock_ns
        self.on_deadline = on_deadline
        if start_seconds is None:
            start_seconds = time.time_ns() // NS_PER_SECOND
        self.tick_offset = (start_seconds * NS_PER_SECOND - clock_ns()) & _MASK64
        self.alarm_next = 0
        self.alarm_running = False
        self.irq_pending = False
        self.irq_enabled = False
        self.time_high = 0
        self.deadline: int | None = None

    def reset(self) -> None:
        self._cancel_alarm()
        self.alarm_next = 0
        self.irq_pending = False
        self.irq_enabled = False

    def count(self) -> int:
        """The counter the guest reads: nanoseconds of its wall time."""
        return (self.tick_offset + self.clock_ns()) & _MASK64

    def _update_irq(self) -> None:
        self.irq(self.irq_pending and self.irq_enabled)

    def _set_deadline(self, deadline: int | None) -> None:
        self.deadline = deadline
        if self.on_deadline is not None:
            self.on_deadline(deadline)

    def _cancel_alarm(self) -> None:
        if self.deadline is not None:
            self._set_deadline(None)
        self.alarm_running = False

    def _fire(self) -> None:
        self.alarm_running = False
        self.irq_pending = True
        self._update_irq()

    def _arm_alarm(self) -> None:
        if self.alarm_next <= self.count():
            self._cancel_alarm()
            self._fire()
        else:
            self._set_deadline((self.alarm_next - self.tick_offset) & _MASK64)
            self.alarm_running = True

    def next_deadline(self) -> int | None:
        """When (in ``clock_ns`` units) the alarm will fire, if armed."""
        return self.deadline

    def poll(self) -> None:
        """Fire the alarm if its time has come (called from timer loops)."""
        if self.deadline is not None and self.clock_ns() >= self.deadline:
            self._set_deadline(None)
            self._fire()

    def mmio_read(self, offset: int, size: int) -> int:
        if offset == TIME_LOW:
            now = self.count()
            self.time_high = now >> 32
            return now & 0xFFFFFFFF
        if offset == TIME_HIGH:
            return self.time_high
        if offset == ALARM_LOW:
            return self.alarm_next & 0xFFFFFFFF
        if offset == ALARM_HIGH:
            return self.alarm_next >> 32
        if offset == IRQ_ENABLED:
            return int(self.irq_enabled)
        if offset == ALARM_STATUS:
            return int(self.alarm_running)
        return 0

    def mmio_write(self, offset: int, size: int, value: int) -> bool:
        value &= 0xFFFFFFFF
        if offset in (TIME_LOW, TIME_HIGH):
            current = self.count()
            if offset == TIME_LOW:
                wanted = (current & ~0xFFFFFFFF) | value
            else:
                wanted = (current & 0xFFFFFFFF) | (value << 32)
            self.tick_offset = (self.tick_offset + wanted - current) & _MASK64
        elif offset == ALARM_LOW:
            self.alarm_next = (self.alarm_next & ~0xFFFFFFFF & _MASK64) | value
            self._arm_alarm()
        elif offset == ALARM_HIGH:
            self.alarm_next = (self.alarm_next & 0xFFFFFFFF) | (value << 32)
        elif offset == IRQ_ENABLED:
            self.irq_enabled = bool(value & 1)
            self._update_irq()
        elif offset == CLEAR_ALARM:
            self._cancel_alarm()
        elif offset == CLEAR_INTERRUPT:
            self.irq_pending = False
            self._update_irq()
        return False
