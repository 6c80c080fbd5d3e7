"""Fixtures of the RISC-V tests: guests built with Debian's cross compiler,
run on cyqemu and on QEMU (qemu-system-riscv64)."""

from __future__ import annotations

import pytest

from tests.riscv import harness


@pytest.fixture(scope="session")
def riscv_toolchain() -> None:
    if not harness.toolchain_available():
        pytest.fail(f"{harness.CC} and {harness.QEMU} are needed (make install)", pytrace=False)
