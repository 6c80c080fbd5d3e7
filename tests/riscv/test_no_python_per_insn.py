"""The execution loop does no Python work per guest instruction.

The same guest runs with 20 thousand and with 2 million loop iterations
(some hundred times more instructions). Under a profiler hook that sees every
Python call, and with tracemalloc counting Python allocations, both runs
make the same Python calls and allocate the same: everything per
instruction stays in C. (Python runs only for MMIO callbacks of Python
devices, here the UART writing the final line.)
"""

from __future__ import annotations

import sys
import tracemalloc
from collections import Counter

from tests.riscv import harness


def profile_run(loops: int) -> tuple[int, Counter[str], int]:
    elf = harness.build_guest("spin", "virt", (f"-DLOOPS={loops}",))
    run = harness.InProcessBoard(elf)
    calls: Counter[str] = Counter()

    def hook(frame, event, arg):  # type: ignore[no-untyped-def]
        if event in ("call", "c_call"):
            name = arg.__qualname__ if event == "c_call" else frame.f_code.co_qualname
            calls[name] += 1

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    sys.setprofile(hook)
    try:
        status = run.run()
    finally:
        sys.setprofile(None)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert status == 0
    return run.board.harts[0].instret, calls, after - before


def test_python_work_does_not_grow_with_instructions(riscv_toolchain: None) -> None:
    profile_run(20_000)         # first-use allocations (caches, interned objects)
    small_insns, small_calls, small_mem = profile_run(20_000)
    big_insns, big_calls, big_mem = profile_run(2_000_000)
    assert big_insns > 50 * small_insns
    # the same Python functions, called the same number of times
    assert big_calls == small_calls, (small_calls, big_calls)
    # what Python calls there are come from the UART's output of one line
    assert sum(small_calls.values()) < 2000
    # memory held by Python objects does not grow with the work
    assert abs(big_mem - small_mem) < 4096, (small_mem, big_mem)
