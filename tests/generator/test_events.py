"""The generated event functions: the QMP message they build, its
timestamp, and the emitter hook."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime import events
from tests.generator.generated import Generated, generated, qemu_schema_path

CONDITIONS_SCHEMA = Path(__file__).with_name("data") / "conditions.json"


@pytest.fixture(scope="module")
def qemu(qemu_source: Path) -> Generated:
    return generated(qemu_schema_path(qemu_source), "qemu_")


@pytest.fixture
def sent() -> Iterator[list[dict[str, Any]]]:
    messages: list[dict[str, Any]] = []
    previous = events.set_emitter(messages.append)
    yield messages
    events.set_emitter(previous)


def test_event_without_data(qemu: Generated, sent: list[dict[str, Any]]) -> None:
    before = time.time()
    qemu.events.send_stop()
    after = time.time()
    [message] = sent
    assert list(message) == ["event", "timestamp"]
    assert message["event"] == "STOP"
    stamp = message["timestamp"]
    assert list(stamp) == ["seconds", "microseconds"]
    assert all(type(value) is int for value in stamp.values())
    assert 0 <= stamp["microseconds"] < 1_000_000
    assert int(before) - 1 <= stamp["seconds"] + stamp["microseconds"] / 1e6 <= after + 1


def test_event_data(qemu: Generated, sent: list[dict[str, Any]]) -> None:
    qemu.events.send_device_deleted(path="/machine/peripheral/net0")
    qemu.events.send_device_deleted(device="net0", path="/machine/peripheral/net0")
    qemu.events.send_block_job_completed(type=qemu.types.JobType.MIRROR, device="job0",
                                         len=10, offset=10, speed=0)
    assert [(m["event"], m["data"]) for m in sent] == [
        ("DEVICE_DELETED", {"path": "/machine/peripheral/net0"}),
        ("DEVICE_DELETED", {"device": "net0", "path": "/machine/peripheral/net0"}),
        ("BLOCK_JOB_COMPLETED",
         {"type": "mirror", "device": "job0", "len": 10, "offset": 10, "speed": 0}),
    ]
    assert list(sent[0]) == ["event", "data", "timestamp"]


def test_boxed_event() -> None:
    cond = generated(CONDITIONS_SCHEMA, "cond-")
    messages: list[dict[str, Any]] = []
    previous = events.set_emitter(messages.append)
    try:
        cond.events.send_tool_dropped(cond.types.Tool(kind="brush", width=2))
        cond.events.send_dried()
    finally:
        events.set_emitter(previous)
    assert [(m["event"], m.get("data")) for m in messages] == [
        ("TOOL_DROPPED", {"kind": "brush", "width": 2}), ("DRIED", None)]


def test_no_emitter_drops_events(qemu: Generated) -> None:
    previous = events.set_emitter(None)
    try:
        qemu.events.send_stop()  # nothing to send it to: no error, nothing kept
        assert events.emit_event("STOP") is None
    finally:
        events.set_emitter(previous)


def test_set_emitter_returns_the_previous_one() -> None:
    first: list[dict[str, Any]] = []
    previous = events.set_emitter(first.append)
    try:
        assert events.set_emitter(None) == first.append
        assert events.emitter() is None
    finally:
        events.set_emitter(previous)


def test_event_names(qemu: Generated) -> None:
    # The enumeration is named with the prefix, as QEMU's.
    event_enum = qemu.events.qemu_QAPIEvent
    names = [e.value for e in event_enum]
    assert names[0] == "SHUTDOWN" and "DEVICE_DELETED" in names
    assert event_enum.DEVICE_DELETED == "DEVICE_DELETED"
