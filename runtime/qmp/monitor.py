"""One QMP monitor session, free of I/O: what QEMU's ``MonitorQMP`` does
between a client connecting and leaving.

On opening, the monitor sends the greeting and accepts only
``qmp_capabilities``; after it, every command.  Bytes from the client go
through the JSON streamer; each message (or error) becomes a request.  A
request to run out of band is run at once; others wait in the monitor's
queue for the hub's dispatcher.  As in QEMU, the monitor stops taking
input while its queue is full: one request without the ``oob``
capability, eight with it.  Input that arrives meanwhile is kept, and
read when the queue has room again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from runtime.errors import CommandNotFound, GenericError
from runtime.qmp.json_streamer import JSONMessageParser
from runtime.qmp.json_writer import to_json

if TYPE_CHECKING:
    from runtime.qmp.hub import MonitorHub

QMP_REQ_QUEUE_LEN_MAX = 8

CAPABILITIES = ("oob",)

# A request waiting for the dispatcher: the JSON value, or the error text
# of a message that could not be parsed.
QueuedRequest = tuple[Any, str | None]

_current_monitor: ContextVar[QMPMonitor | None] = ContextVar("current_monitor", default=None)


def current_monitor() -> QMPMonitor:
    """The monitor whose request is being run."""
    monitor = _current_monitor.get()
    if monitor is None:
        raise RuntimeError("no QMP request is being run")
    return monitor


class QMPMonitor:
    """A client's QMP session.

    ``write`` takes the bytes to send; ``pause_input`` and ``resume_input``
    stop and restart reading from the client (flow control only: input
    is never lost either way).
    """

    def __init__(self, hub: MonitorHub, write: Callable[[bytes], None], *,
                 pretty: bool = False, oob_offered: bool = True,
                 pause_input: Callable[[], None] | None = None,
                 resume_input: Callable[[], None] | None = None,
                 name: str = "") -> None:
        self.hub = hub
        self.name = name
        self.pretty = pretty
        self.oob_offered = oob_offered
        self.oob_enabled = False
        self.negotiated = False
        self.closed = False
        self.requests: deque[QueuedRequest] = deque()
        self._write = write
        self._pause_input = pause_input
        self._resume_input = resume_input
        self._input_paused = False
        self._suspend_count = 0
        self._resume_scheduled = False
        self._held_input = b""
        self._parser = JSONMessageParser(self._message)

    # -- the connection ------------------------------------------------------

    def open(self) -> None:
        """The client connected: greet it and wait for negotiation."""
        self.negotiated = False
        self.oob_enabled = False
        self.hub.add_monitor(self)
        self.send(self.hub.greeting(self))

    def close(self) -> None:
        """The client left: drop what it asked for and has not been run."""
        if self.closed:
            return
        self.closed = True
        self.requests.clear()
        self._held_input = b""
        self._parser.reset()
        self.hub.remove_monitor(self)

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        if self._held_input or self._suspend_count:
            self._hold(self._held_input + data)
            return
        self._feed(data)

    def send(self, message: dict[str, Any]) -> None:
        """Send one JSON message (a response, an event, the greeting)."""
        if self.closed:
            return
        text = to_json(message, self.pretty)
        if self.pretty:
            text = text.replace("\n", "\r\n")
        self._write(text.encode("ascii") + b"\r\n")

    # -- negotiation ---------------------------------------------------------

    def capabilities_offered(self) -> list[str]:
        return ["oob"] if self.oob_offered else []

    def accept_capabilities(self, enable: list[str]) -> None:
        """Leave negotiation mode with the capabilities in ``enable``
        (``qmp_capabilities``)."""
        if self.negotiated:
            raise CommandNotFound(
                "Capabilities negotiation is already complete, command ignored")
        offered = self.capabilities_offered()
        unavailable = [name for name in enable if name not in offered]
        if unavailable:
            raise GenericError(f"Capability {', '.join(unavailable)} not available")
        self.oob_enabled = "oob" in enable
        self.negotiated = True

    def run_as_current(self, function: Callable[[], Any]) -> Any:
        """Call ``function`` with this monitor as `current_monitor`."""
        token = _current_monitor.set(self)
        try:
            return function()
        finally:
            _current_monitor.reset(token)

    async def await_as_current(self, awaitable: Awaitable[Any]) -> Any:
        """Await ``awaitable`` with this monitor as `current_monitor`."""
        token = _current_monitor.set(self)
        try:
            return await awaitable
        finally:
            _current_monitor.reset(token)

    # -- input ---------------------------------------------------------------

    def _feed(self, data: bytes) -> None:
        pos = self._parser.feed(data, 0, self._is_suspended)
        if pos < len(data):
            self._hold(data[pos:])

    def _is_suspended(self) -> bool:
        return self._suspend_count > 0

    def _hold(self, data: bytes) -> None:
        self._held_input = data
        if data and not self._input_paused and self._pause_input is not None:
            self._input_paused = True
            self._pause_input()

    def _message(self, value: Any, error: str | None) -> None:
        if error is None and self.hub.is_oob_request(value):
            self.hub.run_out_of_band(self, value)
            return
        if not self.oob_enabled or len(self.requests) == QMP_REQ_QUEUE_LEN_MAX - 1:
            self.suspend()
        self.requests.append((value, error))
        self.hub.request_queued()

    def suspend(self) -> None:
        self._suspend_count += 1

    def resume(self) -> None:
        """Take input again once every `suspend` is matched."""
        self._suspend_count -= 1
        if self._suspend_count == 0 and not self._resume_scheduled:
            self._resume_scheduled = True
            self.hub.call_soon(self._take_held_input)

    def _take_held_input(self) -> None:
        self._resume_scheduled = False
        if self.closed or self._suspend_count:
            return
        data, self._held_input = self._held_input, b""
        if data:
            self._feed(data)
        if not self._held_input and self._input_paused:
            self._input_paused = False
            if self._resume_input is not None:
                self._resume_input()
