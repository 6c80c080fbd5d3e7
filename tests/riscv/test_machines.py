"""The boards as a library and through the developer entry point: exit
status from sifive_test and from HTIF, console output, -m sizes, lazily
allocated guest RAM."""

from __future__ import annotations

import subprocess
import sys

import pytest

from emulator.riscv.run import parse_size
from tests.riscv import harness


@pytest.mark.parametrize("machine", ["virt", "spike"])
def test_run_entry_point_exit_status(riscv_toolchain: None, machine: str) -> None:
    elf = harness.build_guest("hello", machine)
    proc = subprocess.run([sys.executable, "-m", "emulator.riscv.run", "-M", machine, str(elf)],
                          capture_output=True, timeout=60, check=False)
    assert proc.returncode == 3
    assert proc.stdout.startswith(b"Hello from the guest\n")


def test_parse_size() -> None:
    assert parse_size("128") == 128 << 20
    assert parse_size("2G") == 2 << 30
    assert parse_size("512M") == 512 << 20
    assert parse_size("64k") == 64 << 10


# The peak resident size of this process image (VmHWM; unlike ru_maxrss it
# does not carry over the parent's before exec).
MEASURE_RSS = """
import io, sys
from emulator.machines.virt_bare import VirtMachine
machine = VirtMachine(sys.argv[1], 4 << 30, stdout=io.BytesIO())
code = machine.run()
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
print(code, hwm)
"""


def test_guest_ram_is_allocated_lazily(riscv_toolchain: None) -> None:
    elf = harness.build_guest("hello", "virt")
    proc = subprocess.run([sys.executable, "-c", MEASURE_RSS, str(elf)],
                          capture_output=True, text=True, timeout=60, check=True)
    code, maxrss_kib = map(int, proc.stdout.split())
    assert code == 3
    # 4 GiB of guest RAM, a few MiB resident
    assert maxrss_kib < 200 * 1024
