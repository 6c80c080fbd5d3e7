"""The UART's receive path on a bare-metal guest: typed lines reach the
guest and its answers match QEMU's (tests/riscv/guest/console.c)."""

from __future__ import annotations

import subprocess

from tests.riscv import harness

TYPED = b"help\nsum 40 2\nbogus\nsum 1\x7f2 3\ntime\nexit 7\n"


def run(command: list[str]) -> tuple[bytes, int]:
    proc = subprocess.run(command, input=TYPED, capture_output=True, timeout=60, check=False)
    return proc.stdout, proc.returncode


def test_console_guest_matches_qemu(riscv_toolchain: None) -> None:
    elf = harness.build_guest("console", "virt")
    ours = run([harness.cyqemu_binary(), *harness.board_args(elf)])
    theirs = run(harness.qemu_command(elf))
    assert ours == theirs
    assert ours[1] == 7
    assert b"guest> 42\n" in ours[0].replace(b"sum 40 2\n", b"")
