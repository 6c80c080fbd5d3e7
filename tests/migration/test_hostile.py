"""Corrupt, truncated and hostile streams fail with a MigrationError that
names the offset (and the section, inside one); never another exception,
and never more memory than the input can justify."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.migration.decode import DecodedStream, decode_stream, encode_stream
from runtime.migration.errors import MigrationError
from runtime.migration.stream import StreamReader, StreamWriter
from runtime.migration.vmstate import Description

FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture(scope="module")
def base(qemu_stream: Callable[[str], Path], virt: dict[str, Description]) -> DecodedStream:
    """QEMU's two-hart virtio stream, with its RAM cut to a few pages."""
    decoded = decode_stream(StreamReader(qemu_stream("virtio").read_bytes()), virt)
    pages = decoded.ram.image.pages
    zero = [key for key, content in pages.items() if isinstance(content, int)][:16]
    full = [key for key, content in pages.items() if not isinstance(content, int)][:2]
    decoded.ram.image.pages = {key: pages[key] for key in zero + full}
    return decoded


class Stream(bytes):
    """The base stream (shown short in hypothesis' reports)."""

    def __repr__(self) -> str:
        return f"<stream of {len(self)} bytes>"


class Layout(tuple):  # type: ignore[type-arg]
    def __repr__(self) -> str:
        return "<layout>"


class Descriptions(dict):  # type: ignore[type-arg]
    def __repr__(self) -> str:
        return "<virt descriptions>"


@pytest.fixture(scope="module")
def stream(base: DecodedStream) -> bytes:
    out = StreamWriter()
    encode_stream(out, base)
    return Stream(out.getvalue())


@pytest.fixture(scope="module")
def descriptions(virt: dict[str, Description]) -> dict[str, Description]:
    return Descriptions(virt)


def _load(data: bytes, virt: dict[str, Description]) -> DecodedStream | MigrationError:
    try:
        return decode_stream(StreamReader(data), virt, keep_desc=False)
    except MigrationError as exc:
        assert exc.offset is not None, str(exc)
        assert 0 <= exc.offset <= len(data), str(exc)
        assert str(exc).startswith(f"offset {exc.offset} "), str(exc)
        return exc


def test_the_base_stream_loads(stream: bytes, virt: dict[str, Description]) -> None:
    assert isinstance(_load(stream, virt), DecodedStream)


@pytest.fixture(scope="module")
def layout(stream: bytes, virt: dict[str, Description]) -> tuple[list[tuple[str, int, int]], int]:
    """Where each section of the base stream lies, and where its state ends."""
    result = decode_stream(StreamReader(stream), virt, keep_desc=False).result
    spans = [(section.idstr, start, end) for section in result.sections
             for start, end in section.spans]
    return Layout((spans, result.end_offset))


@FUZZ
@given(cut=st.integers(min_value=0))
def test_truncated_streams_name_offset_and_section(
        stream: bytes, layout: tuple[list[tuple[str, int, int]], int],
        descriptions: dict[str, Description], cut: int) -> None:
    virt = descriptions
    cut %= len(stream)
    spans, end = layout
    result = _load(stream[:cut], virt)
    if isinstance(result, DecodedStream):
        # Cut between EOF and the vmdesc: the state itself is whole.
        assert cut == end and result.result.vmdesc is None
        return
    assert result.offset is not None and result.offset <= cut, str(result)
    inside = [idstr for idstr, start, stop in spans if start < cut < stop]
    if inside:
        assert result.section is not None, str(result)
        assert f"'{inside[0]}'" in result.section or result.section.startswith("header"), \
            str(result)
    elif 8 <= cut < end:
        assert result.section is not None or result.msg.startswith(
            ("after section", "after the header")), str(result)


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)),
                      min_size=1, max_size=8))
def test_corrupted_bytes(stream: bytes, descriptions: dict[str, Description],
                         edits: list[tuple[int, int]]) -> None:
    virt = descriptions
    data = bytearray(stream)
    for position, value in edits:
        data[position % len(data)] = value
    _load(bytes(data), virt)


@FUZZ
@given(position=st.integers(min_value=0), junk=st.binary(min_size=1, max_size=16),
       delete=st.integers(0, 16))
def test_spliced_streams(stream: bytes, descriptions: dict[str, Description], position: int,
                         junk: bytes, delete: int) -> None:
    virt = descriptions
    position %= len(stream)
    _load(stream[:position] + junk + stream[position + delete:], virt)


@FUZZ
@given(data=st.binary(max_size=64))
def test_garbage(descriptions: dict[str, Description], data: bytes) -> None:
    virt = descriptions
    _load(b"QEVM\x00\x00\x00\x03" + data, virt)
    _load(data, virt)


class _Trickle(io.RawIOBase):
    """A source of unknown length (a pipe or socket)."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self.data.read(min(size, 4096) if size >= 0 else 4096)


def messages_offset(message: str) -> int:
    return int(message.split()[1])


def _peak_while_loading(data: bytes, virt: dict[str, Description], trickle: bool) -> int:
    tracemalloc.start()
    try:
        source = StreamReader(_Trickle(data)) if trickle else StreamReader(data)
        with pytest.raises(MigrationError) as info:
            decode_stream(source, virt, keep_desc=False)
        assert info.value.offset is not None
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _hostile(stream: bytes, layout: tuple[list[tuple[str, int, int]], int]
             ) -> dict[str, bytes]:
    spans, _ = layout
    ram = stream.index(b"\x03ram") + 4 + 8
    name = b"\x14riscv_virt_board.ram"
    block = stream.index(name) + len(name)
    virtio_name, virtio_start, _ = next(span for span in spans if "virtio-rng" in span[0])
    # Section header, then virtio-mmio's 3 registers, status, isr, queue_sel
    # and guest features: then the config space's length.
    config_len = virtio_start + 1 + 4 + 1 + len(virtio_name) + 4 + 4 + 12 + 8
    queues = config_len + 4 + int.from_bytes(stream[config_len:config_len + 4], "big")
    vmdesc = stream.rindex(b"\x06\x00\x00")
    return {
        # A virtio device announcing 4 GiB of config space, or 2**31 queues.
        "config_len": stream[:config_len] + b"\xff\xff\xff\xff" + stream[config_len + 4:],
        "queues": stream[:queues] + b"\x7f\xff\xff\xff" + stream[queues + 4:],
        # A RAM block of 2**62 bytes, and a total of 2**63.
        "ram_block": stream[:block] + (2**62).to_bytes(8, "big") + stream[block + 8:],
        "ram_total": stream[:ram] + (2**63 | 4).to_bytes(8, "big") + stream[ram + 8:],
        # A vmdesc of 2 GiB.
        "vmdesc": stream[:vmdesc] + b"\x06\x7f\xff\xff\xff{",
    }


@pytest.mark.parametrize("trickle", [False, True], ids=["file", "pipe"])
def test_declared_sizes_never_allocate_beyond_the_input(
        stream: bytes, layout: tuple[list[tuple[str, int, int]], int],
        virt: dict[str, Description], trickle: bool) -> None:
    for name, data in _hostile(stream, layout).items():
        peak = _peak_while_loading(data, virt, trickle)
        assert peak < 8 * len(stream) + (4 << 20), f"{name}: {peak} bytes at peak"


def test_hostile_lengths_are_named(stream: bytes, layout: tuple[list[tuple[str, int, int]], int],
                                   virt: dict[str, Description]) -> None:
    messages = {}
    for name, data in _hostile(stream, layout).items():
        result = _load(data, virt)
        assert isinstance(result, MigrationError), name
        messages[name] = str(result)
    assert messages["config_len"].endswith(
        "virtio-rng.virtio: virtio-mmio/device.config: buffer: 4294967295 bytes declared, "
        f"but only {len(stream) - messages_offset(messages['config_len'])} remain")
    assert "section 'virtio-mmio@0000000010008000/virtio-rng'" in messages["config_len"]
    assert "virtio-mmio/device.queues: 'virtio-mmio/device' field 'queues' (2147483647 " \
        "elements): " in messages["queues"]
    assert "section 'ram' (instance 0" in messages["ram_total"]
    assert "vmdesc of 2147483647 bytes" in messages["vmdesc"]
