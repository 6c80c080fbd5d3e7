"""The RAM section into guest memory, the channels (file, exec:, Unix
socket) and the rest of the command line."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from runtime.migration.cli import main as cyqemu_migration
from runtime.migration.errors import MigrationError
from runtime.migration.ram import RamBlock, RamMigration
from runtime.migration.savevm import (
    LoadOptions,
    SaveOptions,
    SaveStateRegistry,
    load_state,
    registry_resolver,
    save_state,
)
from runtime.migration.stream import StreamReader, StreamWriter, open_input, open_output

NO_CONFIGURATION = SaveOptions(send_configuration=False)
NO_CONFIGURATION_LOAD = LoadOptions(expect_configuration=False)


def _memory() -> list[RamBlock]:
    ram = bytearray(256 * 1024)
    ram[0x3000:0x3004] = b"\x01\x02\x03\x04"
    ram[0x20000] = 0xFF
    rom = bytearray(b"\xaa" * 8192)
    return [RamBlock("board.ram", ram), RamBlock("board.rom", rom)]


def _stream(blocks: list[RamBlock]) -> bytes:
    registry = SaveStateRegistry()
    registry.register_live("ram", RamMigration(blocks))
    out = StreamWriter()
    save_state(out, registry, options=NO_CONFIGURATION)
    return out.getvalue()


def _load_into(data: bytes, blocks: list[RamBlock]) -> RamMigration:
    ram = RamMigration(blocks)
    registry = SaveStateRegistry()
    registry.register_live("ram", ram)
    load_state(StreamReader(data), registry_resolver(registry), options=NO_CONFIGURATION_LOAD)
    return ram


def test_ram_round_trip_into_guest_memory() -> None:
    source = _memory()
    data = _stream(source)
    target = [RamBlock("board.ram", bytearray(b"\x55" * (256 * 1024))),
              RamBlock("board.rom", bytearray(8192))]
    ram = _load_into(data, target)
    assert [bytes(block.data) for block in target] == [bytes(block.data) for block in source]
    assert ram.image.sizes == {"board.ram": 256 * 1024, "board.rom": 8192}


def test_zero_pages_take_nine_bytes_or_fewer() -> None:
    ram = RamMigration([RamBlock("z", bytearray(1 << 20))])
    out = StreamWriter()
    ram.save_setup(out)
    start = out.tell()
    assert ram.save_iterate(out)
    # The first page names the block; the others continue it.
    assert out.tell() - start == (8 + 2 + 1) + 255 * (8 + 1) + 8
    assert ram.zero_pages_sent == ram.pages_sent == 256


@pytest.mark.parametrize(("blocks", "message"), [
    ([RamBlock("board.ram", bytearray(256 * 1024))], "unknown RAM block 'board.rom'"),
    ([RamBlock("board.ram", bytearray(128 * 1024)), RamBlock("board.rom", bytearray(8192))],
     "RAM block 'board.ram': length 0x40000 in the stream, 0x20000 here"),
])
def test_ram_blocks_must_match(blocks: list[RamBlock], message: str) -> None:
    with pytest.raises(MigrationError) as info:
        _load_into(_stream(_memory()), blocks)
    assert info.value.msg == message
    assert info.value.section == "'ram' (instance 0, id 0)"


def test_unsupported_page_kinds_are_named() -> None:
    data = bytearray(_stream(_memory()))
    first_page = data.index(b"\x09board.ram") - 8
    data[first_page + 7] |= 0x40  # XBZRLE
    with pytest.raises(MigrationError, match="XBZRLE pages are not supported"):
        _load_into(bytes(data), _memory())


def test_exec_channels(tmp_path: Path) -> None:
    target = tmp_path / "via-exec.bin"
    out = open_output(f"exec:cat > '{target}'")
    out.write(b"QEVM" + bytes(100000))
    out.close()
    assert target.read_bytes() == b"QEVM" + bytes(100000)
    inp = open_input(f"exec:cat '{target}'")
    assert inp.get_bytes(4) == b"QEVM"
    assert inp.get_bytes(100000) == bytes(100000)
    assert inp.at_eof()
    inp.close()
    failing = open_output("exec:exit 3")
    with pytest.raises(MigrationError, match="exited with status 3"):
        failing.close()


def test_unix_socket_channels(tmp_path: Path) -> None:
    address = f"unix:{tmp_path / 'migrate.sock'}"
    data = _stream(_memory())
    received: list[bytes] = []

    def receive() -> None:
        inp = open_input(address)
        received.append(inp.get_bytes(len(data)))
        inp.close()

    thread = threading.Thread(target=receive)
    thread.start()
    for _ in range(500):
        if (tmp_path / "migrate.sock").exists():
            break
        threading.Event().wait(0.01)
    out = open_output(address)
    out.write(data)
    out.close()
    thread.join(timeout=30)
    assert received == [data]


def test_dump_with_ram_pages(qemu_stream: Callable[[str], Path],
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert cyqemu_migration(["dump", "--ram", str(qemu_stream("paused"))]) == 0
    ram = json.loads(capsys.readouterr().out)["ram (2)"]
    memory = ram["memory"]
    assert ram["section sizes"]["riscv_virt_board.ram"] == "0x0000000004000000"
    # OpenSBI's first instruction, then a page it leaves blank.
    assert memory["riscv_virt_board.ram (0x0000000000000000)"].startswith("33 04 05 00")
    assert memory["riscv_virt_board.ram (0x0000000003fff000)"] == "Filled with 0x00"
    assert len(memory) == 0x4000000 // 4096 + 2 * 0x2000000 // 4096 + 0xF000 // 4096


def test_check_and_errors_on_the_command_line(
        qemu_stream: Callable[[str], Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = qemu_stream("paused")
    assert cyqemu_migration(["check", str(path)]) == 0
    assert "the vmdesc matches the descriptions" in capsys.readouterr().out
    cut = tmp_path / "cut.bin"
    cut.write_bytes(path.read_bytes()[:-20000])
    assert cyqemu_migration(["dump", str(cut)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cyqemu-migration: {cut}: offset ")
    copy = tmp_path / "copy.bin"
    assert cyqemu_migration(["rewrite", str(path), str(copy)]) == 0
    assert copy.read_bytes() == path.read_bytes()
