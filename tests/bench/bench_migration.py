"""Migration speed: device state serialisation and RAM page throughput.

Run with `make bench` (or `python tests/bench/bench_migration.py`).
Prints figures only; nothing here fails on speed.

- device state: every device section of QEMU 7.2's virt board (as Debian's
  qemu-system-riscv64 saves it, paused, one hart), loaded into records,
  then saved and loaded again with the generated serializers; sections
  per second and MB/s, with and without the vmdesc.
- RAM: a 64 MiB block saved (pages with data, and zero pages) and loaded
  into guest memory, MB/s of guest memory.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from runtime.migration.catalog import virt_descriptions  # noqa: E402
from runtime.migration.decode import decode_stream  # noqa: E402
from runtime.migration.ram import RamBlock, RamMigration  # noqa: E402
from runtime.migration.stream import StreamReader, StreamWriter  # noqa: E402
from tests.migration.qemu_runner import migrate_to_file, qemu_available  # noqa: E402

RAM_BYTES = 64 << 20
SECONDS = float(os.environ.get("CYQEMU_BENCH_SECONDS", "1.0"))


def _rate(action: Callable[[], int]) -> tuple[float, float]:
    """Runs ``action`` (returning bytes handled) for about SECONDS: (runs/s, MB/s)."""
    action()
    runs = handled = 0
    start = time.perf_counter()
    while True:
        handled += action()
        runs += 1
        elapsed = time.perf_counter() - start
        if elapsed >= SECONDS:
            return runs / elapsed, handled / elapsed / 1e6


def bench_device_state_serialisation() -> None:
    if not qemu_available():
        print("device state: qemu-system-riscv64 missing, skipped")
        return
    with tempfile.TemporaryDirectory() as folder:
        path = migrate_to_file(Path(folder) / "paused.bin", ["-S", "-m", "64M"])
        decoded = decode_stream(StreamReader(path.read_bytes()), virt_descriptions())
    sections = [section for section in decoded.result.sections if section.live is None]
    described = []
    for section in sections:
        description = next(d for d in virt_descriptions().values()
                           if d.name == section.desc["vmsd_name"]  # type: ignore[index]
                           and d.key != "serial")
        described.append((description, section.state, section.version_id))
    out = StreamWriter()
    for description, state, _ in described:
        description.save_state(out, state)
    board_bytes = len(out.getvalue())

    def save(with_vmdesc: bool) -> int:
        out = StreamWriter()
        for description, state, _ in described:
            description.save_state(out, state, {} if with_vmdesc else None)
        return out.tell()

    def load() -> int:
        inp = StreamReader(data)
        for description, state, version in described:
            description.load_state(inp, state, version)
        return inp.tell()

    out = StreamWriter()
    for description, state, _ in described:
        description.save_state(out, state)
    data = out.getvalue()
    print(f"\ndevice state: {len(described)} sections of the virt board, "
          f"{board_bytes} bytes per save")
    for label, action in (("save", lambda: save(False)),
                          ("save + vmdesc", lambda: save(True)),
                          ("load", load)):
        boards, mbps = _rate(action)
        print(f"  {label:14s} {boards * len(described):10.0f} sections/s "
              f"{boards:8.0f} boards/s {mbps:8.2f} MB/s")


class _Discard:
    """A sink that drops what it is given (a fast network)."""

    def write(self, data: bytes) -> int:
        return len(data)


def _save_ram(block: RamBlock, out: StreamWriter) -> int:
    ram = RamMigration([block])
    ram.save_setup(out)
    while not ram.save_iterate(out):
        pass
    ram.save_complete(out)
    out.flush()
    return block.length


def _load_ram(stream: bytes, target: RamBlock) -> int:
    inp = StreamReader(stream)
    ram = RamMigration([target])
    while not inp.at_eof():
        ram.load(inp, 4)
    return target.length


def bench_ram_page_throughput() -> None:
    pattern = bytes(range(256)) * 16
    mixed = bytearray(RAM_BYTES)
    for offset in range(0, RAM_BYTES, 2 * 4096):
        mixed[offset:offset + 4096] = pattern
    print(f"\nRAM: a {RAM_BYTES >> 20} MiB block, MB/s of guest memory")
    target = RamBlock("bench.ram", bytearray(RAM_BYTES))
    for label, memory in (("data pages", bytearray(pattern * (RAM_BYTES // 4096))),
                          ("half zero", mixed),
                          ("zero pages", bytearray(RAM_BYTES))):
        block = RamBlock("bench.ram", memory)
        _, out_rate = _rate(partial(_save_ram, block, StreamWriter(_Discard())))
        memory_out = StreamWriter()
        _save_ram(block, memory_out)
        stream = memory_out.getvalue()
        _, in_rate = _rate(partial(_load_ram, stream, target))
        print(f"  {label:12s} out {out_rate:9.1f} MB/s   in {in_rate:9.1f} MB/s   "
              f"({len(stream) / RAM_BYTES:.3f} stream bytes per byte)")


if __name__ == "__main__":
    bench_device_state_serialisation()
    bench_ram_page_throughput()
