"""Streams made by QEMU 7.2 are read completely with the project's own
descriptions, and shown exactly as QEMU's scripts/analyze-migration.py
shows them; what is read is written again, for QEMU's script and for the
project's reader alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from runtime.migration.cli import main as cyqemu_migration
from runtime.migration.decode import analyze_dict, decode_stream, encode_stream
from runtime.migration.stream import StreamReader, StreamWriter, open_input
from runtime.migration.vmstate import Description
from tests.migration.conftest import QEMU_STREAMS

STREAMS = sorted(QEMU_STREAMS)
# analyze-migration.py reads no configuration subsection (a capability list).
ANALYZED = [name for name in STREAMS if not QEMU_STREAMS[name][2]]


def _decode(path: Path, virt: dict[str, Description]):  # type: ignore[no-untyped-def]
    inp = open_input(str(path))
    try:
        return decode_stream(inp, virt)
    finally:
        inp.close()


@pytest.mark.parametrize("name", ANALYZED)
def test_dump_prints_what_analyze_migration_prints(
        name: str, qemu_stream: Callable[[str], Path], analyze_migration: Callable[..., str],
        capsys: pytest.CaptureFixture[str]) -> None:
    path = qemu_stream(name)
    assert cyqemu_migration(["dump", str(path)]) == 0
    assert capsys.readouterr().out == analyze_migration(path)


@pytest.mark.parametrize("name", ANALYZED)
def test_desc_prints_the_streams_vmdesc(
        name: str, qemu_stream: Callable[[str], Path], analyze_migration: Callable[..., str],
        capsys: pytest.CaptureFixture[str]) -> None:
    path = qemu_stream(name)
    assert cyqemu_migration(["dump", "--desc", str(path)]) == 0
    assert capsys.readouterr().out == analyze_migration(path, "-d", "desc")


@pytest.mark.parametrize("name", STREAMS)
def test_stream_is_read_to_its_end(name: str, qemu_stream: Callable[[str], Path],
                                   virt: dict[str, Description]) -> None:
    path = qemu_stream(name)
    decoded = _decode(path, virt)
    assert decoded.result.vmdesc is not None
    assert decoded.result.vmdesc_offset is not None
    size = path.stat().st_size
    vmdesc_length = len(json.dumps(decoded.result.vmdesc).encode())
    assert decoded.result.vmdesc_offset + 5 + vmdesc_length == size


@pytest.mark.parametrize("name", STREAMS)
def test_descriptions_give_qemus_vmdesc(name: str, qemu_stream: Callable[[str], Path],
                                        virt: dict[str, Description]) -> None:
    """Every field QEMU described is read under the same name, type and size."""
    decoded = _decode(qemu_stream(name), virt)
    assert decoded.own_vmdesc() == decoded.result.vmdesc


@pytest.mark.parametrize("name", STREAMS)
def test_writer_writes_qemus_device_sections_byte_for_byte(
        name: str, qemu_stream: Callable[[str], Path], virt: dict[str, Description]) -> None:
    original = qemu_stream(name).read_bytes()
    decoded = decode_stream(StreamReader(original), virt)
    out = StreamWriter()
    vmdesc = encode_stream(out, decoded)
    written = out.getvalue()
    assert vmdesc == decoded.result.vmdesc
    # The device sections and everything after them are QEMU's bytes.
    start = original.index(b"\x04" + _first_device_header(decoded))
    assert written.endswith(original[start:])
    if name in ("paused", "vector", "shared"):
        # Nothing ran: QEMU sent each page once, in order, as the writer does.
        assert written == original


def _first_device_header(decoded) -> bytes:  # type: ignore[no-untyped-def]
    section = next(s for s in decoded.result.sections if s.desc is not None)
    name = section.idstr.encode()
    return (section.section_id.to_bytes(4, "big") + bytes([len(name)]) + name
            + section.instance_id.to_bytes(4, "big") + section.version_id.to_bytes(4, "big"))


@pytest.mark.parametrize("name", ANALYZED)
def test_written_stream_reads_the_same_everywhere(
        name: str, qemu_stream: Callable[[str], Path], analyze_migration: Callable[..., str],
        virt: dict[str, Description], tmp_path: Path) -> None:
    path = qemu_stream(name)
    decoded = _decode(path, virt)
    copy = tmp_path / "copy.bin"
    with open(copy, "wb") as sink:
        out = StreamWriter(sink)
        encode_stream(out, decoded)
        out.flush()
    assert analyze_migration(copy) == analyze_migration(path)
    again = _decode(copy, virt)
    assert analyze_dict(again, with_ram_pages=True) == analyze_dict(decoded, with_ram_pages=True)
    for first, second in zip(decoded.result.sections, again.result.sections, strict=True):
        assert (first.idstr, first.instance_id, first.version_id) == \
            (second.idstr, second.instance_id, second.version_id)
        assert first.state == second.state


def test_capabilities_and_shared_ram(qemu_stream: Callable[[str], Path],
                                     virt: dict[str, Description]) -> None:
    """x-ignore-shared: the configuration lists it, RAM blocks carry their
    guest address and shared RAM sends no pages."""
    decoded = _decode(qemu_stream("shared"), virt)
    assert [cap.name for cap in decoded.configuration.capabilities] == [b"x-ignore-shared"]
    assert decoded.configuration.subsections == ["configuration/capabilities"]
    image = decoded.ram.image
    # The memory backend's block is named after the backend ("ram").
    assert image.addresses["ram"] == 0x80000000
    assert image.addresses["riscv_virt_board.mrom"] == 0x1000
    assert image.sizes["ram"] == 64 << 20
    assert all(name != "ram" for name, _ in image.pages)
    assert decoded.own_vmdesc() == decoded.result.vmdesc
