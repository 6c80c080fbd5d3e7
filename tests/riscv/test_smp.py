"""Two harts on one translation cache, held against QEMU (which runs them
in parallel threads): shared atomics, an IPI, cross-modified code."""

from __future__ import annotations

from tests.riscv import harness


def test_two_harts_match_qemu(riscv_toolchain: None) -> None:
    elf = harness.build_guest("smp", "virt")
    ours = harness.run_cyqemu(elf, extra=("-smp", "2"))
    theirs = harness.run_qemu(elf, extra=("-smp", "2"))
    assert not ours.timed_out
    assert (ours.text, ours.exit_code) == (theirs.text, theirs.exit_code)
    assert ours.text == "amo 40000 lrsc 40000 code 1 2 msip 0\n"
