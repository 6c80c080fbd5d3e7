"""The boards through the command line: exit status from sifive_test and
from HTIF, console output, lazily allocated guest RAM."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.riscv import harness


@pytest.mark.parametrize("machine", ["virt", "spike"])
def test_exit_status_is_the_guests(riscv_toolchain: None, machine: str) -> None:
    elf = harness.build_guest("hello", machine)
    result = harness.run_cyqemu(elf, machine)
    assert result.exit_code == 3
    assert result.stdout.startswith(b"Hello from the guest\n")


# The peak resident size of this process image (VmHWM; unlike ru_maxrss it
# does not carry over the parent's before exec).
MEASURE_RSS = """
import sys
from emulator.__main__ import main
code = main(sys.argv[1:])
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print(code, hwm)
"""


def test_guest_ram_is_allocated_lazily(riscv_toolchain: None) -> None:
    elf = harness.build_guest("hello", "virt")
    args = [arg if arg != "128M" else "4G" for arg in harness.board_args(elf)]
    proc = subprocess.run([sys.executable, "-c", MEASURE_RSS, *args],
                          capture_output=True, text=True, timeout=60, check=True)
    code, maxrss_kib = map(int, proc.stdout.split()[-2:])
    assert code == 3
    # 4 GiB of guest RAM, a few MiB resident
    assert maxrss_kib < 200 * 1024
