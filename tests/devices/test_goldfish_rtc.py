"""Goldfish RTC registers with a controlled clock."""

from __future__ import annotations

import calendar

import pytest

from emulator.devices.goldfish_rtc import (
    ALARM_HIGH,
    ALARM_LOW,
    ALARM_STATUS,
    CLEAR_ALARM,
    CLEAR_INTERRUPT,
    IRQ_ENABLED,
    TIME_HIGH,
    TIME_LOW,
    GoldfishRtc,
    RtcError,
    mktimegm,
    rtc_start_seconds,
)
from tests.devices.virtio_driver import IrqLine


class Clock:
    def __init__(self, now: int = 5_000) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def make(start: int = 1150560081) -> tuple[GoldfishRtc, Clock, IrqLine]:
    clock, irq = Clock(), IrqLine()
    return GoldfishRtc(irq, clock_ns=clock, start_seconds=start), clock, irq


def read_time(rtc: GoldfishRtc) -> int:
    low = rtc.mmio_read(TIME_LOW, 4)
    return low | rtc.mmio_read(TIME_HIGH, 4) << 32


def test_time_reads_as_qemu_with_a_base_date() -> None:
    rtc, clock, _ = make(rtc_start_seconds("2006-06-17T16:01:21"))
    assert read_time(rtc) == 0x0FF79C4C38BFEA00           # QEMU: xp at start-up
    clock.now += 1500
    assert read_time(rtc) == 0x0FF79C4C38BFEA00 + 1500


def test_high_word_latched_by_low_read() -> None:
    rtc, clock, _ = make(start=0)
    clock.now += (1 << 32) - 1
    low = rtc.mmio_read(TIME_LOW, 4)
    clock.now += 10
    assert (low, rtc.mmio_read(TIME_HIGH, 4)) == (0xFFFFFFFF, 0)


def test_guest_sets_the_time() -> None:
    rtc, clock, _ = make()
    rtc.mmio_write(TIME_HIGH, 4, 0x12)
    rtc.mmio_write(TIME_LOW, 4, 0x345)
    assert read_time(rtc) == 0x12_00000345
    clock.now += 7
    assert read_time(rtc) == 0x12_0000034C


def test_alarm_in_the_future_fires_on_poll() -> None:
    deadlines: list[int | None] = []
    rtc, clock, irq = make(start=0)
    rtc.on_deadline = deadlines.append
    rtc.mmio_write(IRQ_ENABLED, 4, 1)
    rtc.mmio_write(ALARM_HIGH, 4, 0)
    rtc.mmio_write(ALARM_LOW, 4, 1000)
    assert rtc.mmio_read(ALARM_STATUS, 4) == 1
    assert rtc.next_deadline() == 6_000 and deadlines == [6_000]
    clock.now = 5_999
    rtc.poll()
    assert not irq.level
    clock.now = 6_000
    rtc.poll()
    assert irq.level and rtc.mmio_read(ALARM_STATUS, 4) == 0
    assert rtc.next_deadline() is None
    rtc.mmio_write(CLEAR_INTERRUPT, 4, 0)
    assert not irq.level
    assert (rtc.mmio_read(ALARM_LOW, 4), rtc.mmio_read(ALARM_HIGH, 4)) == (1000, 0)


def test_alarm_in_the_past_fires_at_once_and_enable_gates_the_line() -> None:
    rtc, _, irq = make(start=10)
    rtc.mmio_write(ALARM_LOW, 4, 5)
    assert not irq.level and rtc.irq_pending
    rtc.mmio_write(IRQ_ENABLED, 4, 3)
    assert irq.level and rtc.mmio_read(IRQ_ENABLED, 4) == 1
    rtc.mmio_write(IRQ_ENABLED, 4, 0)
    assert not irq.level


def test_clear_alarm_and_reset() -> None:
    rtc, clock, irq = make(start=0)
    rtc.mmio_write(IRQ_ENABLED, 4, 1)
    rtc.mmio_write(ALARM_LOW, 4, 100_000)
    rtc.mmio_write(CLEAR_ALARM, 4, 0)
    assert rtc.mmio_read(ALARM_STATUS, 4) == 0 and rtc.next_deadline() is None
    clock.now = 1 << 40
    rtc.poll()
    assert not irq.level
    rtc.mmio_write(ALARM_LOW, 4, 1)
    assert irq.level
    rtc.reset()
    assert rtc.mmio_read(IRQ_ENABLED, 4) == 0 and rtc.mmio_read(ALARM_LOW, 4) == 0
    assert rtc.mmio_read(0x20, 4) == 0


def test_start_time_bases() -> None:
    now = 1_700_000_000_123_456_789
    assert rtc_start_seconds("utc", lambda: now) == 1_700_000_000
    assert rtc_start_seconds("2006-06-17", lambda: now) == calendar.timegm(
        (2006, 6, 17, 0, 0, 0))
    assert rtc_start_seconds("2006-13-40") == calendar.timegm((2007, 2, 9, 0, 0, 0))
    assert mktimegm(1970, 1, 1) == 0
    assert mktimegm(2000, 3, 1, 1, 2, 3) == calendar.timegm((2000, 3, 1, 1, 2, 3))
    local = rtc_start_seconds("localtime", lambda: now)
    assert abs(local - 1_700_000_000) <= 14 * 3600
    with pytest.raises(RtcError, match="invalid datetime format") as caught:
        rtc_start_seconds("bogus")
    assert caught.value.args[1] == "valid formats: '2006-06-17T16:01:21' or '2006-06-17'"
