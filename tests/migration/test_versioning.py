"""The versioning rules: a section carries its description's version, old
versions load down to the minimum, per-field versions and tests select
fields, subsections go only when needed and unknown ones fail the load;
hooks run in QEMU's order.  A stream written from device objects is read
by QEMU's analyze-migration.py and by the project's reader alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runtime.migration.boards import VirtProfile
from runtime.migration.decode import analyze_dict, decode_stream
from runtime.migration.errors import MigrationError
from runtime.migration.ram import RamBlock, RamMigration
from runtime.migration.savevm import (
    SaveStateRegistry,
    load_state,
    registry_resolver,
    save_state,
)
from runtime.migration.stream import StreamReader, StreamWriter
from runtime.migration.vmstate import GENERIC_TESTS, Description, Record

DEV = """
{ 'vmstate': 'dev', 'version': 3, 'minimum-version': 2,
  'pre-save': 'pre_save', 'post-save': 'post_save',
  'pre-load': 'pre_load', 'post-load': 'post_load',
  'fields': [
    { 'name': 'a', 'type': 'uint32' },
    { 'name': 'b', 'type': 'uint16', 'version': 3 },
    { 'name': 'c', 'type': 'uint8', 'test': 'c_exists' },
    { 'name': 'n', 'type': 'uint8' },
    { 'name': 'arr', 'type': 'int16', 'array': 'n' },
    { 'name': 'nirq', 'type': 'int32', 'equal': true },
    { 'name': 'deadline', 'type': 'timer' },
    { 'name': 'regs', 'member': 'state.regs', 'type': 'uint8', 'array': 3 },
    { 'name': 'blob', 'type': 'buffer', 'size': 4 },
    { 'name': 'fifo', 'struct': 'dev/fifo' },
    { 'name': 'checked', 'validate': 'state_is_valid' } ],
  'subsections': [
    { 'vmstate': 'dev/extra', 'version': 1, 'minimum-version': 1,
      'needed': 'extra_needed', 'fields': [ { 'name': 'x', 'type': 'uint64' } ] } ] }

{ 'vmstate': 'dev/fifo', 'version': 1, 'minimum-version': 1,
  'properties': [ 'capacity' ],
  'fields': [
    { 'name': 'data', 'type': 'buffer', 'size': 'capacity' },
    { 'name': 'head', 'type': 'uint32' } ] }
"""

# The same device, one version on, with no subsections known.
DEV_WITHOUT_SUBSECTIONS = DEV.replace(""",
  'subsections': [
    { 'vmstate': 'dev/extra', 'version': 1, 'minimum-version': 1,
      'needed': 'extra_needed', 'fields': [ { 'name': 'x', 'type': 'uint64' } ] } ] }""",
                                       " }")


class Fifo:
    def __init__(self) -> None:
        self.capacity = 4
        self.data = b"\x01\x02\x03\x04"
        self.head = 2


class State:
    def __init__(self) -> None:
        self.regs = [7, 8, 9]


class Device:
    """A device as the emulator would write one: state and hooks."""

    def __init__(self) -> None:
        self.a, self.b, self.c, self.n = 0x11223344, 0x5566, 0x77, 2
        self.arr = [-1, 300]
        self.nirq = 4
        self.deadline = -1
        self.state = State()
        self.blob = b"blob"
        self.fifo = Fifo()
        self.x = 2**64 - 1
        self.has_c = True
        self.extra = False
        self.valid = True
        self.calls: list[Any] = []

    def pre_save(self) -> None:
        self.calls.append("pre_save")

    def post_save(self) -> None:
        self.calls.append("post_save")

    def pre_load(self) -> None:
        self.calls.append("pre_load")

    def post_load(self, version_id: int) -> None:
        self.calls.append(("post_load", version_id))

    def c_exists(self, version_id: int) -> bool:
        return self.has_c

    def extra_needed(self) -> bool:
        return self.extra

    def state_is_valid(self, version_id: int) -> bool:
        return self.valid


class BlankDevice(Device):
    """The destination: same configuration, state not yet loaded."""

    def __init__(self) -> None:
        super().__init__()
        self.a = self.b = self.c = self.n = self.x = 0
        self.arr = []
        self.deadline = 0
        self.state.regs = [0, 0, 0]
        self.blob = b""
        self.fifo.data = b""
        self.fifo.head = 0


@pytest.fixture
def dev(compile_vmsd: Callable[[str], dict[str, Description]]) -> Description:
    return compile_vmsd(DEV)["dev"]


def saved(description: Description, state: Any, version_id: int | None = None,
          desc: dict[str, Any] | None = None) -> bytes:
    out = StreamWriter()
    description.save(out, state, description.version if version_id is None else version_id,
                     desc)
    return out.getvalue()


def test_round_trip_with_hooks_in_order(dev: Description) -> None:
    source, target = Device(), BlankDevice()
    data = saved(dev, source)
    assert source.calls == ["pre_save", "post_save"]
    dev.load_state(StreamReader(data), target, 3)
    assert target.calls == ["pre_load", ("post_load", 3)]
    for name in ("a", "b", "c", "n", "arr", "nirq", "deadline", "blob", "x"):
        assert getattr(target, name) == getattr(source, name) or name == "x"
    assert target.state.regs == [7, 8, 9]
    assert (target.fifo.data, target.fifo.head) == (b"\x01\x02\x03\x04", 2)
    assert target.x == 0  # dev/extra was not needed, so not sent


def test_section_carries_the_description_version(dev: Description) -> None:
    registry = SaveStateRegistry()
    registry.register("dev", dev, Device())
    out = StreamWriter()
    vmdesc = save_state(out, registry, options=_no_configuration())
    data = out.getvalue()
    header = b"\x04" + (0).to_bytes(4, "big") + b"\x03dev" + (0).to_bytes(4, "big")
    assert data[8:8 + len(header) + 4] == header + (3).to_bytes(4, "big")
    assert vmdesc["devices"][0]["version"] == 3
    assert vmdesc["devices"][0]["fields"][1] == {"name": "b", "type": "uint16", "size": 2}


def _no_configuration():  # type: ignore[no-untyped-def]
    from runtime.migration.savevm import SaveOptions
    return SaveOptions(send_configuration=False)


def test_old_versions_load_without_newer_fields(dev: Description) -> None:
    data = saved(dev, Device(), version_id=2)
    assert len(data) == len(saved(dev, Device())) - 2
    target = BlankDevice()
    dev.load_state(StreamReader(data), target, 2)
    assert target.b == 0 and target.a == 0x11223344
    assert target.calls[-1] == ("post_load", 2)


@pytest.mark.parametrize(("version", "message"), [
    (1, "'dev': incoming version 1 is too old for local minimum version 2"),
    (4, "'dev': incoming version 4 is too new for local version 3"),
])
def test_versions_outside_the_range_fail(dev: Description, version: int, message: str) -> None:
    with pytest.raises(MigrationError) as info:
        dev.load_state(StreamReader(saved(dev, Device())), BlankDevice(), version)
    assert info.value.msg == message
    assert info.value.offset == 0


def test_a_sections_version_above_the_local_one_fails_naming_it(dev: Description) -> None:
    registry = SaveStateRegistry()
    registry.register("dev", dev, Device())
    out = StreamWriter()
    save_state(out, registry, options=_no_configuration())
    data = bytearray(out.getvalue())
    data[8 + 1 + 4 + 4 + 4 + 3] = 9  # the section's version
    target = SaveStateRegistry()
    target.register("dev", dev, BlankDevice())
    from runtime.migration.savevm import LoadOptions
    with pytest.raises(MigrationError) as info:
        load_state(StreamReader(bytes(data)), registry_resolver(target),
                   options=LoadOptions(expect_configuration=False))
    assert str(info.value) == ("offset 8 (0x8), section 'dev' (instance 0, id 0): "
                               "unsupported version 9 for 'dev' v3")


def test_field_tests_select_fields(dev: Description) -> None:
    source = Device()
    source.has_c = False
    data = saved(dev, source)
    assert len(data) == len(saved(dev, Device())) - 1
    target = BlankDevice()
    target.has_c = False
    dev.load_state(StreamReader(data), target, 3)
    assert target.c == 0 and target.n == 2 and target.arr == [-1, 300]


def test_validation_fails_the_load(dev: Description) -> None:
    target = BlankDevice()
    target.valid = False
    with pytest.raises(MigrationError, match="input validation failed: dev/checked"):
        dev.load_state(StreamReader(saved(dev, Device())), target, 3)


def test_equal_fields_must_match(dev: Description) -> None:
    target = BlankDevice()
    target.nirq = 5
    with pytest.raises(MigrationError, match=r"'dev' field 'nirq': 0x4 != 5"):
        dev.load_state(StreamReader(saved(dev, Device())), target, 3)


def test_subsection_sent_only_when_needed(dev: Description) -> None:
    source = Device()
    without = saved(dev, source)
    source.extra = True
    desc: dict[str, Any] = {}
    with_extra = saved(dev, source, desc=desc)
    assert with_extra[:len(without)] == without
    assert with_extra[len(without):] == (b"\x05\x09dev/extra" + (1).to_bytes(4, "big")
                                         + (2**64 - 1).to_bytes(8, "big"))
    assert desc["subsections"] == [{"vmsd_name": "dev/extra", "version": 1, "fields": [
        {"name": "x", "type": "uint64", "size": 8}]}]
    target = BlankDevice()
    dev.load_state(StreamReader(with_extra), target, 3)
    assert target.x == 2**64 - 1


def test_unknown_subsection_fails_naming_it(
        dev: Description, compile_vmsd: Callable[[str], dict[str, Description]]) -> None:
    source = Device()
    source.extra = True
    data = saved(dev, source)
    older = compile_vmsd(DEV_WITHOUT_SUBSECTIONS)["dev"]
    with pytest.raises(MigrationError) as info:
        older.load_state(StreamReader(data), BlankDevice(), 3)
    assert info.value.msg == "dev: 'dev': unknown subsection 'dev/extra'"
    assert info.value.offset == len(saved(dev, Device()))


def test_save_errors_name_the_field(dev: Description) -> None:
    source = Device()
    source.b = 70000
    with pytest.raises(MigrationError, match=r"'dev' field 'b': value out of range"):
        saved(dev, source)
    source = Device()
    source.blob = b"too long"
    with pytest.raises(MigrationError, match=r"'dev' field 'blob': buffer of 8 bytes, 4 "):
        saved(dev, source)
    del source.blob
    with pytest.raises(MigrationError, match=r"'dev' field 'blob': .*no attribute 'blob'"):
        saved(dev, source)


def test_device_stream_is_read_by_analyze_migration_and_our_reader(
        dev: Description, virt: dict[str, Description], tmp_path: Path,
        analyze_migration: Callable[..., str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A stream written from device objects (not records): configuration,
    RAM with zero and non-zero pages, and device sections."""
    monkeypatch.setitem(GENERIC_TESTS, "c_exists", lambda state, version_id: True)
    registry = SaveStateRegistry()
    memory = bytearray(64 * 1024)
    memory[4096:4100] = b"\xde\xad\xbe\xef"
    memory[-1] = 0x5A
    registry.register_live("ram", RamMigration([RamBlock("test.ram", memory),
                                                RamBlock("test.rom", bytearray(8192))]))
    device = Device()
    device.extra = True
    registry.register("dev", dev, device)
    registry.register("dev", dev, Device())
    configuration = Record(len=4, name=b"virt")
    path = tmp_path / "ours.bin"
    with open(path, "wb") as sink:
        out = StreamWriter(sink)
        save_state(out, registry, (virt["configuration"], configuration))
    descriptions = {**virt, "dev": dev}

    class Profile(VirtProfile):
        def properties(self, key: str, harts_seen: int) -> dict[str, Any]:
            return {"fifo": Record(capacity=4)} if key == "dev" else {}

    with open(path, "rb") as source:
        decoded = decode_stream(StreamReader(source.read()), descriptions, Profile())
    ours = analyze_dict(decoded)
    import json
    assert json.loads(analyze_migration(path)) == ours
    assert ours["dev (1)"]["deadline"] == "ff ff ff ff ff ff ff ff"
    assert ours["dev (1)"]["arr"] == ["0xffff (-1)", "0x012c"]
    assert ours["dev (1)"]["dev/extra"] == {"x": "0xffffffffffffffff"}
    assert ours["dev (2)"]["regs"] == ["0x07", "0x08", "0x09"]
    assert decoded.own_vmdesc() == decoded.result.vmdesc
    pages = analyze_dict(decoded, with_ram_pages=True)["ram (0)"]["memory"]
    assert pages["test.ram (0x0000000000000000)"] == "Filled with 0x00"
    assert pages["test.ram (0x0000000000001000)"].startswith("de ad be ef 00")
    assert pages["test.ram (0x000000000000f000)"].endswith("00 5a")
    assert len(pages) == 16 + 2


SHAPES = """
{ 'vmstate': 'shapes', 'version': 1, 'minimum-version': 1,
  'properties': [ 'rows' ],
  'fields': [
    { 'name': 'grid', 'type': 'uint8', 'array': 'rows', 'multiply': 3 },
    { 'name': 'cells', 'struct': 'cell', 'array': 'rows', 'multiply': 2 },
    { 'name': 'one', 'struct': 'cell', 'struct-version': 1 },
    { 'name': 'opaque', 'struct': 'cell', 'info': 'cell blob' },
    { 'name': 'gated', 'type': 'uint16', 'array': 2, 'test': 'gate' } ] }

{ 'vmstate': 'cell', 'version': 2, 'minimum-version': 1,
  'fields': [ { 'name': 'v', 'type': 'int8' }, { 'name': 'w', 'type': 'int8', 'version': 2 } ] }
"""


def test_array_shapes_and_their_vmdesc(
        compile_vmsd: Callable[[str], dict[str, Description]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    shapes = compile_vmsd(SHAPES)["shapes"]
    monkeypatch.setitem(GENERIC_TESTS, "gate", lambda state, version_id: True)
    state = Record(rows=2, grid=[1, 2, 3, 4, 5, 6],
                   cells=[Record(v=index, w=-index) for index in range(4)],
                   one=Record(v=7, w=8), opaque=Record(v=9, w=10), gated=[11, 12])
    desc: dict[str, Any] = {}
    data = saved(shapes, state, desc=desc)
    # grid 6, cells 4 x 2, one 1 (version 1: no w), opaque 2, gated 4.
    assert len(data) == 6 + 8 + 1 + 2 + 4
    assert desc["fields"] == [
        {"name": "grid", "array_len": 6, "type": "uint8", "size": 1},
        {"name": "cells", "array_len": 4, "type": "struct", "struct": {
            "vmsd_name": "cell", "version": 2, "fields": [
                {"name": "v", "type": "int8", "size": 1},
                {"name": "w", "type": "int8", "size": 1}]}, "size": 2},
        {"name": "one", "type": "vstruct", "vmsd_name": "cell", "version": 1, "fields": [
            {"name": "v", "type": "int8", "size": 1}], "size": 1},
        {"name": "opaque", "type": "cell blob", "size": 2},
        {"name": "gated", "index": 0, "type": "uint16", "size": 2},
        {"name": "gated", "index": 1, "type": "uint16", "size": 2}]
    loaded = Record(rows=2)
    seen: dict[str, Any] = {}
    shapes.load_state(StreamReader(data), loaded, 1, seen)
    assert loaded == Record(rows=2, grid=[1, 2, 3, 4, 5, 6],
                            cells=[Record(v=index, w=-index) for index in range(4)],
                            one=Record(v=7), opaque=Record(v=9, w=10), gated=[11, 12])
    from runtime.migration.vmstate import strip_data
    assert strip_data(seen) == desc
