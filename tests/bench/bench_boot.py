"""Boot time: seconds from starting the emulator to U-Boot's prompt, on
cyqemu and on Debian's QEMU, for Debian's firmware on the virt board.

Run with `make bench` (or `python tests/bench/bench_boot.py`).  Prints
figures only; nothing here fails on speed.  Each boot runs alone (QEMU
and cyqemu one after the other), best of REPS (env `CYQEMU_BENCH_REPS`,
default 3).  "autoboot" is when U-Boot offers to stop autoboot (the end
of its start-up); "prompt" when it shows its prompt after a key stops it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.e2e import console as con  # noqa: E402

REPS = int(os.environ.get("CYQEMU_BENCH_REPS", "3"))

BOOTS = {
    "OpenSBI fw_jump + U-Boot (S-mode)": [
        "-bios", str(con.FW_JUMP), "-kernel", str(con.UBOOT_SMODE)],
    "OpenSBI fw_dynamic + U-Boot (S-mode)": [
        "-bios", str(con.FW_DYNAMIC), "-kernel", str(con.UBOOT_SMODE)],
    "OpenSBI fw_dynamic + U-Boot, 4 harts": [
        "-smp", "4", "-bios", str(con.FW_DYNAMIC), "-kernel", str(con.UBOOT_SMODE)],
    "U-Boot (M-mode) as -bios": ["-bios", str(con.UBOOT_MMODE)],
}


def boot_once(command: list[str], args: list[str]) -> tuple[float, float]:
    """Seconds to the autoboot offer and to the prompt."""
    start = time.perf_counter()
    console = con.Console([*command, "-M", "virt", "-nographic", *args])
    try:
        console.expect(con.AUTOBOOT, 120)
        autoboot = time.perf_counter() - start
        console.send(b" ")
        console.expect(con.UBOOT_PROMPT, 30)
        prompt = time.perf_counter() - start
    finally:
        console.close()
    return autoboot, prompt


def measure() -> dict[str, dict[str, tuple[float, float]]]:
    results: dict[str, dict[str, tuple[float, float]]] = {}
    for name, args in BOOTS.items():
        results[name] = {
            "cyqemu": min(boot_once(con.cyqemu_command(), args) for _ in range(REPS)),
            "QEMU": min(boot_once(con.qemu_command(), args) for _ in range(REPS)),
        }
    return results


def report(results: dict[str, dict[str, tuple[float, float]]]) -> str:
    lines = [f"Boot to U-Boot's prompt on virt (seconds, best of {REPS})",
             f"  {'':40}{'autoboot':>10}{'prompt':>10}{'ratio':>8}"]
    for name, by_emulator in results.items():
        lines.append(f"  {name}")
        qemu_prompt = by_emulator["QEMU"][1]
        for emulator, (autoboot, prompt) in by_emulator.items():
            lines.append(f"    {emulator:38}{autoboot:10.3f}{prompt:10.3f}"
                         f"{prompt / qemu_prompt:8.2f}")
    return "\n".join(lines)


def bench_boot_to_uboot_prompt() -> None:
    if not con.debian_firmware_available():
        print("Debian's opensbi and u-boot-qemu are not installed: nothing to measure")
        return
    print()
    print(report(measure()))


if __name__ == "__main__":
    bench_boot_to_uboot_prompt()
