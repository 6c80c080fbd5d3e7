"""Event rate limiting (QEMU 7.2's monitor_qapi_event_queue): on a fake
clock, and once for real through a monitor and QEMU's own client."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from typing import Any

from qemu.qmp import QMPClient
from qemu.qmp.events import EventListener

from emulator.cli import parse_command_line
from emulator.system import System
from runtime.events import event_message
from runtime.qmp.event_throttle import EventThrottle
from tests.qmp.harness import short_tmpdir


class FakeClock:
    """A scheduler whose time moves only when told."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, int, Callable[[], None], list[bool]]] = []
        self._order = 0

    def call_later(self, delay: float, callback: Callable[[], None]) -> Any:
        cancelled = [False]
        self._order += 1
        self._timers.append((self.now + delay, self._order, callback, cancelled))

        class Handle:
            def cancel(self) -> None:
                cancelled[0] = True
        return Handle()

    def advance_to(self, when: float) -> None:
        while True:
            due = sorted(timer for timer in self._timers if timer[0] <= when)
            if not due:
                break
            timer = due[0]
            self._timers.remove(timer)
            self.now = timer[0]
            if not timer[3][0]:
                timer[2]()
        self.now = when


def make_throttle() -> tuple[EventThrottle, FakeClock, list[tuple[float, str, Any]]]:
    clock = FakeClock()
    sent: list[tuple[float, str, Any]] = []
    throttle = EventThrottle(lambda event: sent.append((clock.now, event["event"],
                                                       event.get("data"))), clock)
    return throttle, clock, sent


def queue(throttle: EventThrottle, clock: FakeClock, when: float, name: str,
          data: dict[str, Any] | None = None) -> None:
    clock.advance_to(when)
    throttle.queue(name, event_message(name, data))


def test_first_goes_at_once_last_of_window_goes_at_its_end() -> None:
    throttle, clock, sent = make_throttle()
    queue(throttle, clock, 0.0, "RTC_CHANGE", {"offset": 1})
    queue(throttle, clock, 0.2, "RTC_CHANGE", {"offset": 2})
    queue(throttle, clock, 0.5, "RTC_CHANGE", {"offset": 3})
    assert sent == [(0.0, "RTC_CHANGE", {"offset": 1})]
    clock.advance_to(1.0)
    assert sent[1:] == [(1.0, "RTC_CHANGE", {"offset": 3})]
    # A new window opened at 1.0: the next one waits for its end.
    queue(throttle, clock, 1.5, "RTC_CHANGE", {"offset": 4})
    clock.advance_to(1.9)
    assert len(sent) == 2
    clock.advance_to(2.0)
    assert sent[2] == (2.0, "RTC_CHANGE", {"offset": 4})
    # A window in which nothing came closes for good.
    clock.advance_to(3.0)
    queue(throttle, clock, 3.1, "RTC_CHANGE", {"offset": 5})
    assert sent[3] == (3.1, "RTC_CHANGE", {"offset": 5})


def test_unthrottled_events_pass() -> None:
    throttle, clock, sent = make_throttle()
    for step in range(5):
        queue(throttle, clock, step * 0.01, "STOP")
    assert [name for _, name, _ in sent] == ["STOP"] * 5


def test_each_throttled_event_has_its_own_window() -> None:
    throttle, clock, sent = make_throttle()
    queue(throttle, clock, 0.0, "RTC_CHANGE", {"offset": 1})
    queue(throttle, clock, 0.1, "WATCHDOG", {"action": "reset"})
    queue(throttle, clock, 0.2, "BALLOON_CHANGE", {"actual": 1})
    assert [name for _, name, _ in sent] == ["RTC_CHANGE", "WATCHDOG", "BALLOON_CHANGE"]


def test_keyed_events_are_limited_per_key() -> None:
    throttle, clock, sent = make_throttle()
    queue(throttle, clock, 0.0, "VSERPORT_CHANGE", {"id": "a", "open": True})
    queue(throttle, clock, 0.1, "VSERPORT_CHANGE", {"id": "b", "open": True})
    queue(throttle, clock, 0.2, "VSERPORT_CHANGE", {"id": "a", "open": False})
    queue(throttle, clock, 0.3, "QUORUM_REPORT_BAD", {"node-name": "n1", "type": "read"})
    queue(throttle, clock, 0.4, "QUORUM_REPORT_BAD", {"node-name": "n2", "type": "read"})
    queue(throttle, clock, 0.5, "MEMORY_DEVICE_SIZE_CHANGE", {"qom-path": "/m1", "size": 1})
    queue(throttle, clock, 0.6, "MEMORY_DEVICE_SIZE_CHANGE", {"qom-path": "/m1", "size": 2})
    assert [(data.get("id") or data.get("node-name") or data.get("qom-path"))
            for _, _, data in sent] == ["a", "b", "n1", "n2", "/m1"]
    clock.advance_to(1.0)
    assert sent[5] == (1.0, "VSERPORT_CHANGE", {"id": "a", "open": False})
    clock.advance_to(1.5)
    assert sent[6] == (1.5, "MEMORY_DEVICE_SIZE_CHANGE", {"qom-path": "/m1", "size": 2})
    assert len(sent) == 7


def test_close_drops_what_is_held() -> None:
    throttle, clock, sent = make_throttle()
    queue(throttle, clock, 0.0, "RTC_CHANGE", {"offset": 1})
    queue(throttle, clock, 0.1, "RTC_CHANGE", {"offset": 2})
    throttle.close()
    clock.advance_to(5.0)
    assert len(sent) == 1


def test_rate_limit_seen_by_a_client() -> None:
    """Three RTC_CHANGE in a burst: the client gets the first at once and
    the last one second later; its time stamp still tells when it happened."""
    tmpdir = short_tmpdir()
    socket_path = os.path.join(tmpdir, "qmp.sock")

    async def scenario() -> list[tuple[float, dict[str, Any]]]:
        config = parse_command_line(["-M", "none", "-S", "-display", "none", "-qmp",
                                     f"unix:{socket_path},server=on,wait=off"])
        system = System(config)
        await system.start()
        client = QMPClient("throttle-test")
        received: list[tuple[float, dict[str, Any]]] = []
        try:
            await client.connect(socket_path)
            loop = asyncio.get_running_loop()
            start = loop.time()
            listener = EventListener()
            with client.listen(listener):
                for offset in (1, 2, 3):
                    system.hub.emit_event("RTC_CHANGE", {"offset": offset, "qom-path": "/rtc"})
                async for event in listener:
                    received.append((loop.time() - start, dict(event)))
                    if event["data"]["offset"] == 3:
                        break
        finally:
            await client.disconnect()
            await system.close()
        return received

    try:
        received = asyncio.run(asyncio.wait_for(scenario(), 10))
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    assert [event["data"]["offset"] for _, event in received] == [1, 3]
    first, last = received
    # The window is one second; the bounds leave room for a loaded machine.
    assert first[0] < 0.8
    assert 0.95 <= last[0] < 3.0
    assert last[0] - first[0] >= 0.9
    stamps = [event["timestamp"]["seconds"] + event["timestamp"]["microseconds"] / 1e6
              for _, event in received]
    assert 0 <= stamps[1] - stamps[0] < 0.5
