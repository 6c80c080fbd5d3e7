"""QMP round trips: cyqemu's monitor against Debian's QEMU, side by side.

Run with `make bench` (or `python tests/bench/bench_qmp.py`).  Prints
figures only; nothing here fails on speed.

Each emulator runs ``-M none -S -display none -qmp unix:...``; one client
negotiates, then sends ``{"execute": "query-status"}`` and waits for the
answer, over and over, for ROUNDS round trips (env
``CYQEMU_BENCH_QMP_ROUNDS``, default 5000) after a warm-up.  Figures are
round trips per second, best of three runs; the goal is at least QEMU's.
A second figure pipelines: the client sends a batch of 100 requests
before reading their answers.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.qmp.harness import Emulator, cyqemu_command, qemu_command  # noqa: E402

ROUNDS = int(os.environ.get("CYQEMU_BENCH_QMP_ROUNDS", "5000"))
REQUEST = b'{"execute": "query-status"}'
BATCH = 100


class LineSocket:
    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.buffer = b""

    def read_lines(self, count: int) -> None:
        while self.buffer.count(b"\n") < count:
            self.buffer += self.sock.recv(1 << 16)
        for _ in range(count):
            self.buffer = self.buffer.partition(b"\n")[2]


def round_trips_per_second(path: str, rounds: int, batch: int) -> float:
    client = LineSocket(path)
    client.read_lines(1)
    client.sock.sendall(b'{"execute": "qmp_capabilities"}')
    client.read_lines(1)
    for _ in range(200):
        client.sock.sendall(REQUEST)
        client.read_lines(1)
    requests = REQUEST * batch
    start = time.perf_counter()
    for _ in range(rounds // batch):
        client.sock.sendall(requests)
        client.read_lines(batch)
    elapsed = time.perf_counter() - start
    client.sock.close()
    return (rounds // batch) * batch / elapsed


def measure(label: str, command: list[str]) -> dict[str, float]:
    emulator = Emulator(command)
    try:
        return {
            "sequential": max(round_trips_per_second(emulator.socket_path, ROUNDS, 1)
                              for _ in range(3)),
            "pipelined": max(round_trips_per_second(emulator.socket_path, ROUNDS, BATCH)
                             for _ in range(3)),
        }
    finally:
        emulator.stop()


def bench_query_status_round_trips() -> None:
    qemu = qemu_command()
    results = {"cyqemu": measure("cyqemu", cyqemu_command())}
    if qemu is not None:
        results["qemu"] = measure("qemu", qemu)
    print(f"\nQMP query-status round trips per second ({ROUNDS} per run, best of 3):")
    for mode in ("sequential", "pipelined"):
        line = f"  {mode:<11}" + "".join(
            f"  {label} {figures[mode]:9.0f}/s" for label, figures in results.items())
        if "qemu" in results:
            line += f"  (cyqemu/QEMU = {results['cyqemu'][mode] / results['qemu'][mode]:.2f})"
        print(line)


if __name__ == "__main__":
    bench_query_status_round_trips()
