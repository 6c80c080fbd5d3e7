"""Monitors and their hub in one process, without sockets: queueing,
out-of-band execution, flow control, and round robin between monitors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from runtime.errors import GenericError
from runtime.qmp.hub import MonitorHub
from runtime.qmp.monitor import QMPMonitor, current_monitor
from runtime.qmp.request import QMPCommand


class Harness:
    """A hub with a slow (asynchronous) command, a quick one that may run
    out of band, and monitors writing into lists."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.paused: list[str] = []

        async def slow(arguments: dict[str, Any]) -> dict[str, Any]:
            await self.gate.wait()
            return {"slow": True}

        def capabilities(arguments: dict[str, Any]) -> None:
            current_monitor().accept_capabilities(arguments.get("enable", []))

        def fail(arguments: dict[str, Any]) -> None:
            raise GenericError("it failed")

        commands = [
            QMPCommand("qmp_capabilities", capabilities, allow_preconfig=True),
            QMPCommand("query-version", lambda arguments: {"qemu": {}, "package": "test"}),
            QMPCommand("slow", slow),
            QMPCommand("quick", lambda arguments: {"quick": True}, allow_oob=True),
            QMPCommand("fail", fail),
        ]
        self.hub = MonitorHub({command.name: command for command in commands})
        self.hub.start()

    def monitor(self, name: str = "m") -> tuple[QMPMonitor, list[dict[str, Any]]]:
        out: list[dict[str, Any]] = []
        monitor = QMPMonitor(self.hub, lambda data: out.append(json.loads(data)),
                             pause_input=lambda: self.paused.append(name), name=name)
        monitor.open()
        out.clear()
        return monitor, out


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


def ids(out: list[dict[str, Any]]) -> list[Any]:
    return [message.get("id") for message in out]


def test_oob_overtakes_a_command_that_waits() -> None:
    async def scenario() -> None:
        harness = Harness()
        monitor, out = harness.monitor()
        monitor.data_received(b'{"execute": "qmp_capabilities", "arguments": '
                              b'{"enable": ["oob"]}}')
        await settle()
        out.clear()
        monitor.data_received(b'{"execute": "slow", "id": 1}{"execute": "quick", "id": 2}'
                              b'{"exec-oob": "quick", "id": 3}')
        await settle()
        assert ids(out) == [3]
        harness.gate.set()
        await settle()
        assert ids(out) == [3, 1, 2]
        assert out[1]["return"] == {"slow": True}
        await harness.hub.stop()
    asyncio.run(scenario())


def test_a_full_queue_stops_input() -> None:
    """With oob, eight in-band requests may wait; input stops behind them,
    so an exec-oob sent after them waits too."""
    async def scenario() -> None:
        harness = Harness()
        monitor, out = harness.monitor()
        monitor.data_received(b'{"execute": "qmp_capabilities", "arguments": '
                              b'{"enable": ["oob"]}}')
        await settle()
        out.clear()
        burst = b"".join(b'{"execute": "slow", "id": %d}' % index for index in range(10))
        monitor.data_received(burst + b'{"exec-oob": "quick", "id": "oob"}')
        await settle()
        assert out == []
        assert len(monitor.requests) == 8
        assert harness.paused == ["m"]
        harness.gate.set()
        await settle()
        # Input resumes once the queue has room; the exec-oob request then
        # overtakes the in-band one read just before it.
        assert ids(out)[0] == 0
        assert ids(out).index("oob") < ids(out).index(9)
        assert [index for index in ids(out) if index != "oob"] == list(range(10))
        await harness.hub.stop()
    asyncio.run(scenario())


def test_without_oob_one_request_at_a_time() -> None:
    async def scenario() -> None:
        harness = Harness()
        monitor, out = harness.monitor()
        monitor.data_received(b'{"execute": "qmp_capabilities"}'
                              b'{"execute": "slow", "id": 1}{"execute": "quick", "id": 2}'
                              b'{"exec-oob": "quick", "id": 3}')
        await settle()
        assert out == [{"return": {}}]
        assert len(monitor.requests) == 0       # the slow one is running
        harness.gate.set()
        await settle()
        assert ids(out)[1:] == [1, 2, 3]
        assert out[3]["error"]["desc"] == "QMP input member 'exec-oob' is unexpected"
        await harness.hub.stop()
    asyncio.run(scenario())


def test_monitors_take_turns() -> None:
    async def scenario() -> None:
        harness = Harness()
        first, first_out = harness.monitor("a")
        second, second_out = harness.monitor("b")
        for monitor in (first, second):
            monitor.data_received(b'{"execute": "qmp_capabilities"}')
        await settle()
        first.data_received(b'{"execute": "slow", "id": "a1"}{"execute": "quick", "id": "a2"}')
        second.data_received(b'{"execute": "quick", "id": "b1"}')
        await settle()
        assert ids(second_out) == [None]        # b1 waits for the dispatcher
        harness.gate.set()
        await settle()
        assert ids(first_out)[1:] == ["a1", "a2"]
        assert ids(second_out)[1:] == ["b1"]
        await harness.hub.stop()
    asyncio.run(scenario())


def test_errors_and_closing() -> None:
    async def scenario() -> None:
        harness = Harness()
        monitor, out = harness.monitor()
        monitor.data_received(b'{"execute": "qmp_capabilities"}{"execute": "fail", "id": 1}')
        await settle()
        assert out[1] == {"id": 1, "error": {"class": "GenericError", "desc": "it failed"}}
        monitor.data_received(b'{"execute": "slow"}{"execute": "quick"}')
        monitor.close()
        harness.gate.set()
        await settle()
        assert len(out) == 2                    # nothing is written after closing
        assert monitor not in harness.hub.monitors
        await harness.hub.stop()
    asyncio.run(scenario())


def test_events_reach_negotiated_monitors() -> None:
    async def scenario() -> None:
        harness = Harness()
        negotiated, negotiated_out = harness.monitor("a")
        _, waiting_out = harness.monitor("b")
        negotiated.data_received(b'{"execute": "qmp_capabilities"}')
        await settle()
        harness.hub.emit_event("STOP")
        assert negotiated_out[-1]["event"] == "STOP"
        assert set(negotiated_out[-1]["timestamp"]) == {"seconds", "microseconds"}
        assert waiting_out == []
        await harness.hub.stop()
    asyncio.run(scenario())
