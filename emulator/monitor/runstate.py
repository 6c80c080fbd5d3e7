"""Run state: what the virtual machine is doing, and how that changes.

The states and the transitions allowed between them are QEMU 7.2's.
Starting and stopping the guest (``vm_start``, ``vm_stop``) change the
state and send RESUME and STOP.  Shutdown, reset and power-down are
*requested* (by a command, the guest or a signal) and carried out by the
main loop's next turn (`RunControl.process_requests`), as in QEMU, which
sends SHUTDOWN, RESET and POWERDOWN from there.

Machine construction goes through phases; with ``--preconfig`` the
emulator waits before building the board, and until then only commands
marked ``allow-preconfig`` may run.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

RUN_STATES = ("debug", "inmigrate", "internal-error", "io-error", "paused", "postmigrate",
              "prelaunch", "finish-migrate", "restore-vm", "running", "save-vm", "shutdown",
              "suspended", "watchdog", "guest-panicked", "colo")

# Why a shutdown or reset happens; from "guest-shutdown" on, the guest's doing.
SHUTDOWN_CAUSES = ("none", "host-error", "host-qmp-quit", "host-qmp-system-reset",
                   "host-signal", "host-ui", "guest-shutdown", "guest-reset", "guest-panic",
                   "subsystem-reset", "snapshot-load")

_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "prelaunch": ("inmigrate", "running", "finish-migrate"),
    "debug": ("running", "finish-migrate", "prelaunch", "suspended"),
    "inmigrate": ("internal-error", "io-error", "paused", "running", "shutdown", "suspended",
                  "watchdog", "guest-panicked", "finish-migrate", "prelaunch", "postmigrate",
                  "colo"),
    "internal-error": ("paused", "finish-migrate", "prelaunch"),
    "io-error": ("running", "finish-migrate", "prelaunch"),
    "paused": ("running", "finish-migrate", "postmigrate", "prelaunch", "colo"),
    "postmigrate": ("running", "finish-migrate", "prelaunch"),
    "finish-migrate": ("running", "paused", "postmigrate", "prelaunch", "colo"),
    "restore-vm": ("running", "prelaunch"),
    "colo": ("running", "prelaunch", "shutdown"),
    "running": ("debug", "internal-error", "io-error", "paused", "finish-migrate",
                "restore-vm", "save-vm", "shutdown", "watchdog", "guest-panicked", "colo",
                "suspended"),
    "save-vm": ("running",),
    "shutdown": ("paused", "finish-migrate", "prelaunch", "colo"),
    "suspended": ("running", "finish-migrate", "prelaunch", "colo"),
    "watchdog": ("running", "finish-migrate", "prelaunch", "colo"),
    "guest-panicked": ("running", "finish-migrate", "prelaunch"),
}


class Phase(enum.IntEnum):
    """How far the machine has been built (QEMU's ``MachineInitPhase``)."""

    NO_MACHINE = 0
    MACHINE_CREATED = 1
    ACCEL_CREATED = 2
    MACHINE_INITIALIZED = 3
    MACHINE_READY = 4


class InvalidTransition(RuntimeError):
    """A run-state change QEMU forbids (QEMU aborts on one)."""


def caused_by_guest(cause: str) -> bool:
    return SHUTDOWN_CAUSES.index(cause) >= SHUTDOWN_CAUSES.index("guest-shutdown")


EventSender = Callable[[str, "dict[str, Any] | None"], None]
# Called with (running, new state) when the guest starts or stops.
ChangeHandler = Callable[[bool, str], None]


class RunControl:
    """The run state of one virtual machine and the requests that change it.

    ``send_event(name, data)`` sends a QMP event.  ``reset_machine`` resets
    the devices (the machine's business); ``exit_now`` ends the main loop.
    """

    def __init__(self, send_event: EventSender) -> None:
        self._send_event = send_event
        self.state = "prelaunch"
        self.phase = Phase.NO_MACHINE
        self.singlestep = False
        self.autostart = True
        self.shutdown_action = "poweroff"
        self.reboot_action = "reset"
        self.exit_status = 0
        self.reset_machine: Callable[[str], None] | None = None
        self.exit_now: Callable[[], None] | None = None
        self._change_handlers: list[ChangeHandler] = []
        self._shutdown_requested = "none"
        self._reset_requested = "none"
        self._powerdown_requested = False
        self._vmstop_requested: str | None = None
        self._exit_requested: int | None = None
        self.shutdown_signal = 0
        self.request_hook: Callable[[], None] | None = None

    # -- state ---------------------------------------------------------------

    def set_state(self, new_state: str) -> None:
        if new_state == self.state:
            return
        if new_state not in _TRANSITIONS.get(self.state, ()):
            raise InvalidTransition(
                f"invalid runstate transition: '{self.state}' -> '{new_state}'")
        self.state = new_state

    def is_running(self) -> bool:
        return self.state == "running"

    def needs_reset(self) -> bool:
        return self.state in ("internal-error", "shutdown")

    def add_change_handler(self, handler: ChangeHandler) -> None:
        """Call ``handler(running, state)`` whenever the guest starts or
        stops (CPU threads pause and resume there)."""
        self._change_handlers.append(handler)

    def _notify(self, running: bool) -> None:
        handlers = self._change_handlers if running else reversed(self._change_handlers)
        for handler in list(handlers):
            handler(running, self.state)

    def phase_reached(self, phase: Phase) -> bool:
        return self.phase >= phase

    # -- starting and stopping ----------------------------------------------

    def vm_start(self) -> None:
        requested, self._vmstop_requested = self._vmstop_requested, None
        if self.is_running():
            if requested is not None:
                # Keep STOP/RESUME paired when a stop was pending.
                self._send_event("STOP", None)
                self._send_event("RESUME", None)
            return
        self._send_event("RESUME", None)
        self.set_state("running")
        self._notify(True)

    def vm_stop(self, state: str) -> None:
        if not self.is_running():
            return
        self.set_state(state)
        self._notify(False)
        self._send_event("STOP", None)

    def cont(self) -> str | None:
        """What ``cont`` does; returns QEMU's complaint when it may not."""
        if self.needs_reset():
            return "Resetting the Virtual Machine is required"
        if self.state == "suspended":
            return None
        if self.state == "finish-migrate":
            return "Migration is not finalized yet"
        if self.state == "inmigrate":
            self.autostart = True
        else:
            self.vm_start()
        return None

    def stop(self) -> None:
        if self.state == "inmigrate":
            self.autostart = False
        else:
            self.vm_stop("paused")

    # -- requests, carried out by the main loop -----------------------------

    def request_shutdown(self, cause: str) -> None:
        self._shutdown_requested = cause
        self._kick()

    def request_reset(self, cause: str) -> None:
        if self.reboot_action == "shutdown" and cause != "subsystem-reset":
            self.request_shutdown(cause)
            return
        self._reset_requested = cause
        self._kick()

    def request_exit(self, status: int) -> None:
        """End the emulator with `status` at once, without events (what
        QEMU's exit() from a device does: sifive_test, HTIF)."""
        self._exit_requested = status
        self._kick()

    def request_powerdown(self) -> None:
        self._powerdown_requested = True
        self._kick()

    def request_vmstop(self, state: str) -> None:
        self._vmstop_requested = state
        self._kick()

    def killed(self, signal_number: int) -> None:
        """A signal asked the emulator to end (SIGTERM, SIGINT, SIGHUP)."""
        self.shutdown_signal = signal_number
        self.shutdown_action = "poweroff"
        self.request_shutdown("host-signal")

    def _kick(self) -> None:
        if self.request_hook is not None:
            self.request_hook()

    def process_requests(self) -> bool:
        """Carry out pending requests; True when the emulator must exit."""
        if self._exit_requested is not None:
            self.exit_status = self._exit_requested
            return True
        cause, self._shutdown_requested = self._shutdown_requested, "none"
        if cause != "none":
            self._send_event("SHUTDOWN", {"guest": caused_by_guest(cause), "reason": cause})
            if self.shutdown_action == "pause":
                self.vm_stop("shutdown")
            else:
                return True
        cause, self._reset_requested = self._reset_requested, "none"
        if cause != "none":
            self.system_reset(cause)
            if self.state not in ("running", "inmigrate", "finish-migrate"):
                self.set_state("prelaunch")
        if self._powerdown_requested:
            self._powerdown_requested = False
            self._send_event("POWERDOWN", None)
        stop_state, self._vmstop_requested = self._vmstop_requested, None
        if stop_state is not None:
            self.vm_stop(stop_state)
        return False

    def system_reset(self, cause: str) -> None:
        if self.reset_machine is not None:
            self.reset_machine(cause)
        if cause not in ("none", "subsystem-reset", "snapshot-load"):
            self._send_event("RESET", {"guest": caused_by_guest(cause), "reason": cause})
