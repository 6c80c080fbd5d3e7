"""CPU speed: the benchmark guest (tests/riscv/guest/bench_cpu.c: integer,
memory, branches, floating point) on cyqemu and on QEMU's TCG, side by side.

Run with `make bench` (or `python tests/bench/bench_cpu.py`). Prints figures
only; nothing here fails on speed.

- instructions: exact, from cyqemu's retired-instruction count (both run the
  same ELF to the same checksum, which is checked).
- cyqemu run: time the hart runs the guest, in process (no start-up);
  cyqemu process: `cyqemu-system-riscv64` wall time.
- QEMU process: `qemu-system-riscv64` wall time; QEMU run: the same minus
  the wall time of a guest that exits at once (QEMU's start-up).
- MIPS = instructions / run time; ratio = cyqemu / QEMU time.
Best of REPS runs (env `CYQEMU_BENCH_REPS`, default 3); the work scale is
env `CYQEMU_BENCH_SCALE` (default 8, about 210 million instructions).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.riscv import harness  # noqa: E402

REPS = int(os.environ.get("CYQEMU_BENCH_REPS", "3"))
SCALE = int(os.environ.get("CYQEMU_BENCH_SCALE", "8"))


def _wall(cmd: list[str]) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    return time.perf_counter() - t0, proc.stdout


def _run_in_process(elf: Path) -> tuple[float, int]:
    run = harness.InProcessBoard(elf)
    t0 = time.perf_counter()
    run.run()
    return time.perf_counter() - t0, run.board.harts[0].instret


def measure() -> dict[str, float]:
    elf = harness.build_guest("bench_cpu", "virt", (f"-DSCALE={SCALE}",))
    empty = harness.build_guest("hello", "virt")
    ours_run, insns = min(_run_in_process(elf) for _ in range(REPS))
    ours = [_wall([harness.cyqemu_binary(), *harness.board_args(elf)]) for _ in range(REPS)]
    ours_proc = min(t for t, _ in ours)
    ours_out = ours[0][1]
    qemu = [_wall(harness.qemu_command(elf)) for _ in range(REPS)]
    qemu_proc = min(t for t, _ in qemu)
    qemu_start = min(_wall(harness.qemu_command(empty))[0] for _ in range(REPS))
    if qemu[0][1] != ours_out:
        raise AssertionError("cyqemu and QEMU disagree on the benchmark's checksums")
    qemu_run = max(qemu_proc - qemu_start, 1e-6)
    return {
        "insns": insns,
        "ours_run": ours_run,
        "ours_proc": ours_proc,
        "qemu_proc": qemu_proc,
        "qemu_run": qemu_run,
    }


def report(r: dict[str, float]) -> str:
    m = r["insns"] / 1e6
    lines = [
        f"CPU benchmark guest: {m:.1f} million instructions (scale {SCALE}, best of {REPS})",
        f"  {'':22}{'seconds':>10}{'MIPS':>10}",
        f"  {'cyqemu run()':22}{r['ours_run']:10.3f}{m / r['ours_run']:10.1f}",
        f"  {'cyqemu process':22}{r['ours_proc']:10.3f}{m / r['ours_proc']:10.1f}",
        f"  {'QEMU TCG (no start-up)':22}{r['qemu_run']:10.3f}{m / r['qemu_run']:10.1f}",
        f"  {'QEMU TCG process':22}{r['qemu_proc']:10.3f}{m / r['qemu_proc']:10.1f}",
        f"  ratio cyqemu/QEMU: run {r['ours_run'] / r['qemu_run']:.2f}x, "
        f"process {r['ours_proc'] / r['qemu_proc']:.2f}x",
    ]
    return "\n".join(lines)


def bench_cpu() -> None:
    print()
    print(report(measure()))


if __name__ == "__main__":
    bench_cpu()
