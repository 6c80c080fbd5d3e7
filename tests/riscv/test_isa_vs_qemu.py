"""ISA test guests run on cyqemu and on QEMU: the same console output
(results, register and CSR dumps) and the same exit status."""

from __future__ import annotations

import difflib

import pytest

from tests.riscv import harness

# guest name -> boards it runs on
GUESTS = {
    "hello": ("virt", "spike"),
    "int_ops": ("virt", "spike"),
    "fp_ops": ("virt",),
    "fp_corners": ("virt",),
    "compressed": ("virt",),
    "csrs": ("virt", "spike"),
    "atomics": ("virt",),
    "traps": ("virt",),
    "paging": ("virt",),
    "pmp": ("virt",),
    "interrupts": ("virt",),
    "smc": ("virt",),
    "reset": ("virt",),
}


def assert_same(ours: harness.RunResult, ref: harness.RunResult) -> None:
    assert not ours.timed_out, "cyqemu timed out"
    assert not ref.timed_out, "QEMU timed out"
    if ours.stdout != ref.stdout:
        diff = "".join(difflib.unified_diff(
            ref.text.splitlines(keepends=True), ours.text.splitlines(keepends=True),
            "qemu", "cyqemu", n=2))
        pytest.fail(f"console output differs from QEMU's:\n{diff[:6000]}")
    assert ours.exit_code == ref.exit_code


@pytest.mark.parametrize(
    "name,machine", [(g, m) for g, machines in GUESTS.items() for m in machines])
def test_guest_matches_qemu(riscv_toolchain: None, name: str, machine: str) -> None:
    elf = harness.build_guest(name, machine)
    assert_same(harness.run_cyqemu(elf, machine), harness.run_qemu(elf, machine))
