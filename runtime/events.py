"""Emitting QMP events.

Generated ``send_NAME`` functions call `emit_event`, which builds the
message QMP clients receive::

    {"event": "STOP", "data": {...},
     "timestamp": {"seconds": 1700000000, "microseconds": 123456}}

(``data`` left out when the event has none, as QEMU does; the time is
the host's wall clock) and passes it to the emitter the QMP server set
with `set_emitter`.  With no emitter set, events are dropped: as in QEMU
with no monitor, nobody could receive them, and keeping them would only
grow memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

Emitter = Callable[[dict[str, Any]], None]

_emitter: Emitter | None = None


def set_emitter(emitter: Emitter | None) -> Emitter | None:
    """Send events to ``emitter`` from now on (None: drop them); returns
    the previous emitter."""
    global _emitter
    previous, _emitter = _emitter, emitter
    return previous


def emitter() -> Emitter | None:
    return _emitter


def timestamp() -> dict[str, int]:
    """Now, as QMP's ``timestamp`` member."""
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    return {"seconds": seconds, "microseconds": nanoseconds // 1000}


def event_message(name: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The QMP message of event ``name``."""
    message: dict[str, Any] = {"event": name}
    if data is not None:
        message["data"] = data
    message["timestamp"] = timestamp()
    return message


def emit_event(name: str, data: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Build event ``name``'s message and pass it to the emitter.

    Returns the message, or None when there is no emitter (the event is
    dropped, and no time is spent building it).
    """
    sink = _emitter
    if sink is None:
        return None
    message = event_message(name, data)
    sink(message)
    return message
