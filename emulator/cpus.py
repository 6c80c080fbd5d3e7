"""Running the virtual CPUs: every hart in turn, in the main loop's thread.

This is QEMU's single-threaded TCG (round robin): each hart runs a slice
of instructions, then the next one; after a few milliseconds of that the
runner hands the thread back to the main loop for I/O, timers and monitors,
and carries on from its next turn.  When every hart waits for an interrupt
(wfi), the runner sleeps until the next timer deadline (with icount it
skips to it at once) or until a device kicks it.

Devices run in the same thread, so nothing here needs a lock: a device
called from guest code changes interrupt lines directly, and asks the
runner to give the main loop a turn (`interrupt`) when it needs one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from emulator.riscv.cpu import RAN_HALTED, RiscvCpu
from runtime.accel.clock import VirtualClock

# Instructions a hart runs before the next one gets its turn.
SLICE_INSNS = 40_000
# Host time the runner keeps the thread before the main loop's next turn.
TURN_SECONDS = 0.004


class RoundRobinRunner:
    """Runs `harts` while started.  `next_deadline_ns()` says how much
    virtual time is left before the next timer interrupt (None: none)."""

    def __init__(self, harts: Sequence[RiscvCpu], clock: VirtualClock,
                 next_deadline_ns: Callable[[], int | None]) -> None:
        self.harts = list(harts)
        self.clock = clock
        self._next_deadline_ns = next_deadline_ns
        self._running = False
        self._give_way = False
        self._scheduled: asyncio.Handle | asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Let the harts run (the guest starts or resumes)."""
        if self._running:
            return
        self._running = True
        self.clock.start()
        self._schedule_now()

    def stop(self) -> None:
        """Stop the harts at their next block boundary (the guest pauses)."""
        if not self._running:
            return
        self._running = False
        self.clock.stop()
        self._cancel()
        for hart in self.harts:
            hart.request_exit(True)

    def interrupt(self) -> None:
        """Give the main loop a turn as soon as the running hart reaches a
        block boundary (a request for it is waiting)."""
        if self._running:
            self._give_way = True
            for hart in self.harts:
                hart.request_exit(True)

    def kick(self) -> None:
        """An interrupt line changed: wake the harts if they all wait."""
        if self._running and isinstance(self._scheduled, asyncio.TimerHandle):
            self._cancel()
            self._schedule_now()

    def _cancel(self) -> None:
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None

    def _schedule_now(self) -> None:
        if self._scheduled is None:
            self._scheduled = asyncio.get_running_loop().call_soon(self._turn)

    def _turn(self) -> None:
        self._scheduled = None
        deadline = time.monotonic() + TURN_SECONDS
        while self._running:
            all_halted = True
            for hart in self.harts:
                if hart.run_for(SLICE_INSNS) != RAN_HALTED:
                    all_halted = False
                if self._give_way or not self._running:
                    self._give_way = False
                    if self._running:
                        self._schedule_now()
                    return
            if all_halted and not self._wait():
                return
            if time.monotonic() >= deadline:
                break
        if self._running:
            self._schedule_now()

    def _wait(self) -> bool:
        """Every hart waits for an interrupt.  Returns True when the turn
        may go on at once (icount skipped the time)."""
        wait_ns = self._next_deadline_ns()
        if self.clock.icount_shift is not None and wait_ns is not None:
            self.clock.skip(wait_ns)
            return True
        # Without a deadline only a device can wake them: kick() replaces
        # this far-off timer.
        delay = wait_ns / 1e9 if wait_ns is not None else 3600.0
        self._scheduled = asyncio.get_running_loop().call_later(delay, self._turn)
        return False
