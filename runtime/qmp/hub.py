"""The monitors of one emulator, and what they share: the command tables,
the dispatcher of in-band requests, and events.

QEMU runs in-band requests one at a time, in one dispatcher, taking them
from the monitors in turn so that a busy client cannot starve the
others; a request's answer is sent once the main loop has acted on what
the command asked for (a reset's RESET event comes before the reset's
answer).  Out-of-band requests run as soon as they are read.

Events go to every monitor that finished negotiating, each stamped with
the time it happened; those QEMU rate-limits go through an
`EventThrottle`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from runtime import events
from runtime.errors import CommandNotFound, GenericError
from runtime.qmp import request as qmp_request
from runtime.qmp.event_throttle import EventThrottle
from runtime.qmp.monitor import QMP_REQ_QUEUE_LEN_MAX, QMPMonitor
from runtime.qmp.request import AvailabilityCheck, CommandTable, QMPCommand

log = logging.getLogger(__name__)

_NEGOTIATION_HINT = "Expecting capabilities negotiation with 'qmp_capabilities'"


class MonitorHub:
    """Every QMP monitor of the emulator.

    ``commands`` is the full command table, in registration order (which
    ``query-commands`` reverses, as QEMU does); it must hold
    ``qmp_capabilities`` and ``query-version``.  ``available`` may refuse
    a command in the current situation (QEMU refuses most before the
    machine is built).  ``after_command`` runs after each in-band command,
    before its answer is sent: the main loop's turn.
    """

    def __init__(self, commands: CommandTable, *,
                 available: AvailabilityCheck | None = None,
                 after_command: Callable[[], None] | None = None,
                 loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.commands: CommandTable = {}
        self.negotiation_commands: CommandTable = {}
        self.set_commands(commands)
        self.available = available
        self.after_command = after_command
        self.monitors: list[QMPMonitor] = []
        self._loop = loop
        self._wakeup: asyncio.Event | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._throttle: EventThrottle | None = None
        self._busy = False
        self._in_flight: Awaitable[None] | None = None

    def set_commands(self, commands: CommandTable) -> None:
        """Use ``commands`` (with ``qmp_capabilities`` the only one before
        negotiation, as in QEMU)."""
        self.commands = commands
        capabilities = commands.get("qmp_capabilities")
        self.negotiation_commands = {} if capabilities is None else {
            "qmp_capabilities": capabilities}

    # -- the event loop ------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def start(self) -> None:
        """Start the dispatcher (in the running event loop)."""
        if self._dispatcher is None:
            self._wakeup = asyncio.Event()
            self._dispatcher = self.loop.create_task(self._dispatch_forever(),
                                                     name="qmp-dispatcher")

    async def stop(self) -> None:
        if self._throttle is not None:
            self._throttle.close()
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            try:
                await self._dispatcher
            except asyncio.CancelledError:
                pass
            self._dispatcher = None

    def call_soon(self, callback: Callable[[], None]) -> None:
        self.loop.call_soon(callback)

    # -- monitors ------------------------------------------------------------

    def add_monitor(self, monitor: QMPMonitor) -> None:
        if monitor not in self.monitors:
            self.monitors.append(monitor)

    def remove_monitor(self, monitor: QMPMonitor) -> None:
        if monitor in self.monitors:
            self.monitors.remove(monitor)

    def greeting(self, monitor: QMPMonitor) -> dict[str, Any]:
        version = self.commands["query-version"].handler({})
        return {"QMP": {"version": version, "capabilities": monitor.capabilities_offered()}}

    def command_table(self, monitor: QMPMonitor) -> CommandTable:
        """The commands ``monitor`` accepts now."""
        return self.commands if monitor.negotiated else self.negotiation_commands

    def command_list(self, monitor: QMPMonitor) -> list[QMPCommand]:
        """``monitor``'s enabled commands, as ``query-commands`` lists them."""
        return [command for command in list(self.command_table(monitor).values())[::-1]
                if command.enabled]

    # -- requests ------------------------------------------------------------

    @staticmethod
    def is_oob_request(value: Any) -> bool:
        return qmp_request.is_oob(value)

    def request_queued(self) -> None:
        """A monitor queued an in-band request.

        When the dispatcher is idle the request runs at once, before the
        rest of the input is read: QEMU's dispatcher runs beside its
        reader, which takes input a byte at a time, so an idle dispatcher
        answers a request before anything sent after it.
        """
        if self._busy:
            if self._wakeup is not None:
                self._wakeup.set()
            return
        picked = self._next_request()
        if picked is None:
            return
        self._busy = True
        try:
            pending = self._serve(*picked)
        except Exception:  # a bug in a command must not stop the monitors
            log.exception("QMP request failed")
            pending = None
        if pending is None:
            self._busy = False
            if any(monitor.requests for monitor in self.monitors) and self._wakeup is not None:
                self._wakeup.set()
            return
        # An asynchronous command: the dispatcher finishes it.
        self._in_flight = pending
        if self._wakeup is not None:
            self._wakeup.set()

    def run_out_of_band(self, monitor: QMPMonitor, request: Any) -> None:
        response = self._dispatch(monitor, request)
        if response is None or isinstance(response, dict):
            self._respond(monitor, response)
        else:
            # Out-of-band commands do not wait; QEMU has none that would.
            self.loop.create_task(self._respond_later(monitor, response))

    async def _respond_later(self, monitor: QMPMonitor, pending: Any) -> None:
        self._respond(monitor, await monitor.await_as_current(pending))

    def _dispatch(self, monitor: QMPMonitor, request: Any) -> Any:
        """The response to ``request``, or an awaitable of it."""
        return monitor.run_as_current(lambda: qmp_request.dispatch(
            self.command_table(monitor), request, monitor.oob_enabled, self.available))

    @staticmethod
    def _respond(monitor: QMPMonitor, response: dict[str, Any] | None) -> None:
        if response is None:
            return
        error = response.get("error")
        if (not monitor.negotiated and error is not None
                and error.get("class") == CommandNotFound.error_class):
            # Still negotiating: say what is expected instead.
            del error["desc"]
            error["desc"] = _NEGOTIATION_HINT
        monitor.send(response)

    def _next_request(self) -> tuple[QMPMonitor, Any, str | None] | None:
        for index, monitor in enumerate(self.monitors):
            if monitor.requests:
                value, error = monitor.requests.popleft()
                # Round robin: the monitor served goes to the back.
                self.monitors.append(self.monitors.pop(index))
                return monitor, value, error
        return None

    async def _dispatch_forever(self) -> None:
        assert self._wakeup is not None
        while True:
            if self._in_flight is not None:
                in_flight, self._in_flight = self._in_flight, None
                await self._guarded(in_flight)
            picked = self._next_request()
            if picked is None:
                self._busy = False
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            self._busy = True
            pending: Awaitable[None] | None
            try:
                pending = self._serve(*picked)
            except Exception:  # a bug in a command must not stop the monitors
                log.exception("QMP request failed")
                pending = None
            if pending is not None:
                await self._guarded(pending)
            # Let input and timers in between requests.
            await asyncio.sleep(0)

    @staticmethod
    async def _guarded(pending: Awaitable[None]) -> None:
        try:
            await pending
        except Exception:
            log.exception("QMP request failed")

    def _serve(self, monitor: QMPMonitor, value: Any, error: str | None
               ) -> Awaitable[None] | None:
        """Run one in-band request and answer it; returns an awaitable when
        the command is asynchronous and has yet to finish."""
        oob_enabled = monitor.oob_enabled
        if oob_enabled and len(monitor.requests) == QMP_REQ_QUEUE_LEN_MAX - 1:
            monitor.resume()
        if error is not None:
            response: Any = qmp_request.error_response(GenericError(error))
        else:
            try:
                response = self._dispatch(monitor, value)
            except BaseException:
                if not oob_enabled:
                    monitor.resume()
                raise
            if response is not None and not isinstance(response, dict):
                return self._finish(monitor, response, oob_enabled)
            if self.after_command is not None:
                self.after_command()
        self._respond(monitor, response)
        if not oob_enabled:
            monitor.resume()
        return None

    async def _finish(self, monitor: QMPMonitor, pending: Awaitable[Any],
                      oob_enabled: bool) -> None:
        try:
            response = await monitor.await_as_current(pending)
            if self.after_command is not None:
                self.after_command()
            self._respond(monitor, response)
        finally:
            if not oob_enabled:
                monitor.resume()

    # -- events --------------------------------------------------------------

    def emit_event(self, name: str, data: dict[str, Any] | None = None) -> None:
        """Send event ``name`` to every monitor in command mode, now or (for
        a rate-limited event) when its window closes."""
        self.queue_event(name, events.event_message(name, data))

    def queue_event(self, name: str, message: dict[str, Any]) -> None:
        """Send a built event message (``runtime.events.event_message``),
        rate-limited; this is the emitter for ``runtime.events``."""
        if self._throttle is None:
            self._throttle = EventThrottle(self.broadcast, self.loop)
        self._throttle.queue(name, message)

    def broadcast(self, message: dict[str, Any]) -> None:
        for monitor in list(self.monitors):
            if monitor.negotiated:
                monitor.send(message)
