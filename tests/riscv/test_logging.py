"""`-d in_asm,int` logs laid out as QEMU's: the same translation blocks,
disassembly and trap lines for the same guest."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.riscv import harness


def qemu_log(elf: Path, items: str, path: Path) -> str:
    subprocess.run([*harness.qemu_command(elf), "-d", items, "-D", str(path)],
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=60, check=False)
    return path.read_text()


def test_in_asm_log_matches_qemu(riscv_toolchain: None, tmp_path: Path) -> None:
    elf = harness.build_guest("hello", "virt")
    ours = tmp_path / "ours.log"
    harness.run_cyqemu(elf, log_items=("in_asm",), log_file=ours)
    assert ours.read_text() == qemu_log(elf, "in_asm", tmp_path / "qemu.log")


def test_int_log_matches_qemu(riscv_toolchain: None, tmp_path: Path) -> None:
    elf = harness.build_guest("traps", "virt")
    ours = tmp_path / "ours.log"
    harness.run_cyqemu(elf, log_items=("int",), log_file=ours)
    theirs = qemu_log(elf, "int", tmp_path / "qemu.log")
    assert ours.read_text().splitlines() == theirs.splitlines()
    assert "desc=illegal_instruction" in theirs
