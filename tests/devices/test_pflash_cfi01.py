"""CFI flash driven with 32-bit accesses as firmware does on riscv virt.
Expected values were read by a guest on QEMU 7.2 (virt, two 32 MiB
banks, unit 0 read-only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.block import RawImage
from emulator.devices.pflash_cfi01 import (
    VIRT_FLASH_SIZE,
    PflashCfi01,
    PflashError,
    virt_flash,
)

QEMU_CFI_WORDS = [
    0x510051, 0x520052, 0x590059, 0x10001, 0, 0x310031, 0, 0, 0, 0, 0, 0x450045, 0x550055, 0,
    0, 0x70007, 0x70007, 0xA000A, 0, 0x40004, 0x40004, 0x40004, 0, 0x180018, 0x20002, 0,
    0xB000B, 0, 0x10001, 0x7F007F, 0, 0, 0x20002, 0x500050, 0x520052, 0x490049, 0x310031,
    0x300030, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10001]


@pytest.fixture
def banks(tmp_path: Path) -> tuple[PflashCfi01, PflashCfi01, Path]:
    code = tmp_path / "code.img"
    code.write_bytes(bytes(range(256)) * (VIRT_FLASH_SIZE // 256))
    vars_path = tmp_path / "vars.img"
    vars_path.write_bytes(b"\xa5" * VIRT_FLASH_SIZE)
    flash0 = virt_flash("virt.flash0", RawImage(str(code), read_only=True))
    flash1 = virt_flash("virt.flash1", RawImage(str(vars_path)))
    return flash0, flash1, vars_path


def test_query_and_id_as_on_qemu(banks: tuple[PflashCfi01, PflashCfi01, Path]) -> None:
    flash0, _, _ = banks
    flash0.mmio_write(0, 4, 0x00980098)
    assert [flash0.mmio_read(4 * index, 4) for index in range(0x10, 0x40)] == QEMU_CFI_WORDS
    assert flash0.mmio_read(0x40, 8) == 0x0052005200510051
    assert (flash0.mmio_read(0x40, 2), flash0.mmio_read(0x40, 1)) == (0x51, 0x51)
    flash0.mmio_write(0, 4, 0x00FF00FF)
    assert flash0.mmio_read(0, 4) == 0x03020100
    flash0.mmio_write(0, 4, 0x00900090)
    assert [flash0.mmio_read(offset, 4) for offset in (0, 4, 8)] == [0x890089, 0x180018, 0]
    flash0.mmio_write(0, 4, 0x00FF00FF)
    flash0.mmio_write(0, 2, 0x0098)               # narrower command writes work too
    assert flash0.mmio_read(0x40, 4) == 0x510051
    flash0.mmio_write(0, 2, 0x00FF)
    flash0.mmio_write(0, 1, 0x90)
    assert flash0.mmio_read(0, 4) == 0x890089


def test_erase_program_buffered_write_as_on_qemu(
        banks: tuple[PflashCfi01, PflashCfi01, Path]) -> None:
    _, flash1, path = banks
    romd_changes: list[bool] = []
    flash1.on_romd = romd_changes.append
    assert flash1.mmio_read(0, 4) == 0xA5A5A5A5
    flash1.mmio_write(0, 4, 0x00200020)
    flash1.mmio_write(0, 4, 0x00D000D0)
    assert flash1.mmio_read(0, 4) == 0x800080
    flash1.mmio_write(0, 4, 0x00FF00FF)
    assert (flash1.mmio_read(0, 4), flash1.mmio_read(0x3FFFC, 4)) == (0xFFFFFFFF, 0xFFFFFFFF)
    assert romd_changes == [False, True]
    flash1.mmio_write(8, 4, 0x00400040)
    flash1.mmio_write(8, 4, 0x12345678)
    assert flash1.mmio_read(8, 4) == 0x800080         # status until read-array
    flash1.mmio_write(0, 4, 0x00FF00FF)
    assert (flash1.mmio_read(8, 4), flash1.mmio_read(12, 4)) == (0x12345678, 0xFFFFFFFF)
    flash1.mmio_write(0x100, 4, 0x00E800E8)
    assert flash1.mmio_read(0x100, 4) == 0x800080
    flash1.mmio_write(0x100, 4, 0x00030003)            # four words
    for index, word in enumerate((0x11111111, 0x22222222, 0x33333333, 0x44444444)):
        flash1.mmio_write(0x100 + 4 * index, 4, word)
    assert flash1.mmio_read(0x100, 4) == 0x800080
    flash1.mmio_write(0x100, 4, 0x00D000D0)
    assert flash1.mmio_read(0x100, 4) == 0x800080
    flash1.mmio_write(0, 4, 0x00FF00FF)
    assert [flash1.mmio_read(0x100 + 4 * i, 4) for i in range(5)] == [
        0x11111111, 0x22222222, 0x33333333, 0x44444444, 0xFFFFFFFF]
    flash1.mmio_write(0, 4, 0x00500050)
    assert flash1.mmio_read(0, 4) == 0xFFFFFFFF
    flash1.mmio_write(0, 4, 0x00700070)
    assert flash1.mmio_read(0, 4) == 0
    flash1.mmio_write(0, 4, 0x00FF00FF)
    flash1.mmio_write(0, 4, 0x00330033)                # unknown: back to read-array
    assert flash1.mmio_read(0, 4) == 0xFFFFFFFF
    written = path.read_bytes()
    assert written[:16] == b"\xff" * 8 + bytes.fromhex("78563412") + b"\xff" * 4
    assert written[0x100:0x110] == bytes.fromhex("11111111222222223333333344444444")
    assert written[0x40000:0x40004] == b"\xa5" * 4


def test_read_only_bank_sets_error_bits(banks: tuple[PflashCfi01, PflashCfi01, Path]) -> None:
    flash0, _, _ = banks
    flash0.mmio_write(0, 4, 0x00400040)
    flash0.mmio_write(0, 4, 0xDEADBEEF)
    assert flash0.mmio_read(0, 4) == 0x900090
    flash0.mmio_write(0, 4, 0x00200020)
    flash0.mmio_write(0, 4, 0x00D000D0)
    assert flash0.mmio_read(0, 4) == 0xB000B0
    flash0.mmio_write(0, 4, 0x00500050)
    flash0.mmio_write(0, 4, 0x00FF00FF)
    assert flash0.mmio_read(0, 4) == 0x03020100


def test_buffered_write_outside_the_block_and_abort(
        banks: tuple[PflashCfi01, PflashCfi01, Path]) -> None:
    _, flash1, _ = banks
    flash1.mmio_write(0x1000, 4, 0x00E800E8)
    flash1.mmio_write(0x1000, 4, 0x00010001)           # two words
    flash1.mmio_write(0x1000, 4, 0x01010101)
    flash1.mmio_write(0x3000, 4, 0x02020202)           # outside the 4 KiB write block
    assert flash1.mmio_read(0, 4) == 0x900090          # programming error
    flash1.mmio_write(0x1000, 4, 0x00D000D0)           # refused: back to read-array
    assert flash1.mmio_read(0x1000, 4) == 0xA5A5A5A5
    assert flash1.block_offset == -1


def test_reset_and_blank_bank() -> None:
    flash = virt_flash("virt.flash1")
    assert flash.mmio_read(0, 8) == 0
    flash.mmio_write(0, 4, 0x00900090)
    flash.reset()
    assert flash.mmio_read(0, 4) == 0 and flash.romd and flash.status == 0x80
    flash.mmio_write(0, 4, 0x00400040)
    flash.mmio_write(4, 4, 0x0000FFFF)
    flash.mmio_write(0, 4, 0x00FF00FF)
    assert flash.mmio_read(4, 4) == 0xFFFF


def test_configuration_errors(tmp_path: Path) -> None:
    small = tmp_path / "small.img"
    small.write_bytes(bytes(1 << 20))
    with pytest.raises(PflashError, match="^device requires 33554432 bytes, block backend "
                                          "provides 1048576 bytes$"):
        virt_flash("virt.flash0", RawImage(str(small)))
    with pytest.raises(PflashError, match='attribute "sector-length" not specified or zero.'):
        PflashCfi01(name="x", num_blocks=1, sector_length=0, width=4)


def test_legacy_width_handling() -> None:
    flash = PflashCfi01(name="old", num_blocks=4, sector_length=0x1000, width=4,
                        id0=0x89, id1=0x18, id2=1, id3=2)
    flash.mmio_write(0, 4, 0x90)
    assert (flash.mmio_read(0, 4), flash.mmio_read(4, 4)) == (0x8918, 0x0102)
    flash.mmio_write(0, 4, 0x98)
    assert flash.mmio_read(0x40, 4) == ord("Q")
    flash.mmio_write(0, 4, 0x70)                       # ignored in query mode
    assert flash.mmio_read(0x40, 4) == ord("Q")
    flash.mmio_write(0, 4, 0xFF)
    flash.mmio_write(0, 4, 0x70)
    assert flash.mmio_read(0, 4) == 0x800080


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 0x3FFF), st.sampled_from([1, 2, 4, 8]),
                          st.sampled_from([0x20, 0x28, 0x40, 0x10, 0x50, 0x60, 0x70, 0x90, 0x98,
                                           0xD0, 0xE8, 0xFF, 0x01, 0xF0]) | st.integers(0, 1 << 32),
                          st.booleans()), max_size=50),
       st.booleans())
def test_random_command_sequences(accesses: list[tuple[int, int, int, bool]],
                                  read_only: bool) -> None:
    flash = PflashCfi01(name="fuzz", num_blocks=4, sector_length=0x1000, width=4,
                        device_width=2, id0=0x89, id1=0x18)
    flash.read_only = read_only
    before = bytes(flash.storage)
    for offset, size, value, is_write in accesses:
        offset &= ~(size - 1)
        if is_write:
            assert flash.mmio_write(offset, size, value & ((1 << (8 * size)) - 1)) is False
        else:
            assert 0 <= flash.mmio_read(offset, size) < 1 << (8 * size)
    assert len(flash.storage) == 0x4000
    if read_only:
        assert bytes(flash.storage) == before
