"""Rate limiting of events, as QEMU 7.2's monitor does it.

A guest can make some events happen as often as it likes; QEMU sends
those at most once a second.  When one is sent, a one-second window
opens; a similar event arriving inside the window is held back, a later
one replacing it, and the one held back when the window closes is sent
then (opening a new window).  "Similar" means the same event, and for a
few events also the same value of one data member (QEMU keys those on a
device name).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

# The events QEMU 7.2 throttles, and the minimum time between two of them.
THROTTLED_EVENTS_NS: dict[str, int] = {
    "RTC_CHANGE": 1_000_000_000,
    "WATCHDOG": 1_000_000_000,
    "BALLOON_CHANGE": 1_000_000_000,
    "QUORUM_REPORT_BAD": 1_000_000_000,
    "QUORUM_FAILURE": 1_000_000_000,
    "VSERPORT_CHANGE": 1_000_000_000,
    "MEMORY_DEVICE_SIZE_CHANGE": 1_000_000_000,
}

# Events throttled separately for each value of one of their data members.
THROTTLE_KEYS: dict[str, str] = {
    "VSERPORT_CHANGE": "id",
    "QUORUM_REPORT_BAD": "node-name",
    "MEMORY_DEVICE_SIZE_CHANGE": "qom-path",
}


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Scheduler(Protocol):
    """What runs a callback later (an asyncio loop's ``call_later``)."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> TimerHandle: ...


Event = dict[str, Any]


@dataclass
class _Window:
    """A throttled event sent recently: its window, and what is held back."""

    key: tuple[str, Any]
    rate_ns: int
    held: Event | None = None
    timer: TimerHandle | None = field(default=None, repr=False)


class EventThrottle:
    """Passes events to ``send``, holding back those that come too often."""

    def __init__(self, send: Callable[[Event], None], scheduler: Scheduler,
                 rates_ns: dict[str, int] | None = None) -> None:
        self._send = send
        self._scheduler = scheduler
        self._rates_ns = THROTTLED_EVENTS_NS if rates_ns is None else rates_ns
        self._windows: dict[tuple[str, Any], _Window] = {}

    def queue(self, name: str, event: Event) -> None:
        """Send ``event`` (named ``name``) now, or hold it for later."""
        rate_ns = self._rates_ns.get(name)
        if not rate_ns:
            self._send(event)
            return
        key_member = THROTTLE_KEYS.get(name)
        data = event.get("data") or {}
        key = (name, data.get(key_member) if key_member else None)
        window = self._windows.get(key)
        if window is not None:
            window.held = event
            return
        self._send(event)
        window = _Window(key, rate_ns)
        self._windows[key] = window
        self._arm(window)

    def close(self) -> None:
        """Drop everything held back and stop the timers."""
        for window in self._windows.values():
            if window.timer is not None:
                window.timer.cancel()
        self._windows.clear()

    def _arm(self, window: _Window) -> None:
        window.timer = self._scheduler.call_later(window.rate_ns / 1e9,
                                                  lambda: self._window_closed(window))

    def _window_closed(self, window: _Window) -> None:
        if window.held is None:
            del self._windows[window.key]
            return
        event, window.held = window.held, None
        self._send(event)
        self._arm(window)
