"""Building the RISC-V test guests and running them on cyqemu and on QEMU.

Guests are C or assembly files under guest/, linked with guest/lib for one
board (virt: UART and sifive_test; spike: HTIF). Builds and QEMU's results
are cached under build/riscv-guests, keyed by the content of everything
that goes into them, so re-runs only redo what changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
GUEST_DIR = Path(__file__).resolve().parent / "guest"
LIB_DIR = GUEST_DIR / "lib"
BUILD_DIR = REPO_ROOT / "build" / "riscv-guests"

CC = "riscv64-unknown-elf-gcc"
QEMU = "qemu-system-riscv64"
# The CPU cyqemu models: QEMU's rv64 without the hypervisor extension.
QEMU_CPU = "rv64,h=false"
CFLAGS = [
    "-march=rv64gc_zba_zbb_zbc_zbs", "-mabi=lp64d", "-mcmodel=medany", "-O2",
    "-ffreestanding", "-nostdlib", "-nostartfiles", "-fno-builtin",
    "-fno-tree-loop-distribute-patterns", "-fno-math-errno",
    "-Wall", "-Wl,--no-warn-rwx-segments", "-Wl,--build-id=none",
]


@dataclass(frozen=True)
class RunResult:
    stdout: bytes
    exit_code: int
    timed_out: bool = False

    @property
    def text(self) -> str:
        return self.stdout.decode(errors="replace")


def toolchain_available() -> bool:
    return shutil.which(CC) is not None and shutil.which(QEMU) is not None


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()[:16]


def build_guest(name: str, machine: str = "virt", extra_cflags: tuple[str, ...] = ()) -> Path:
    """Compile guest/<name>.c or .S for `machine`; returns the ELF path."""
    sources = [p for p in (GUEST_DIR / f"{name}.c", GUEST_DIR / f"{name}.S") if p.exists()]
    if not sources:
        raise FileNotFoundError(f"no guest source named {name}")
    lib = [LIB_DIR / "crt0.S", LIB_DIR / "lib.c", LIB_DIR / "modes.S"]
    defines = ["-DMACHINE_SPIKE"] if machine == "spike" else ["-DMACHINE_VIRT"]
    flags = CFLAGS + defines + list(extra_cflags)
    inputs = sources + lib + [LIB_DIR / "guest.h", LIB_DIR / "link.ld"]
    key = _digest(" ".join(flags).encode(), *(p.read_bytes() for p in inputs))
    out = BUILD_DIR / f"{name}-{machine}-{key}.elf"
    if not out.exists():
        BUILD_DIR.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        proc = subprocess.run(
            [CC, *flags, f"-I{LIB_DIR}", "-T", str(LIB_DIR / "link.ld"), "-o", str(tmp),
             *map(str, lib), *map(str, sources)],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"building guest {name} failed:\n{proc.stderr}")
        tmp.rename(out)
    return out


def run_cyqemu(elf: Path, machine: str = "virt", timeout: float = 60.0,
               icount_shift: int | None = None, log_items: tuple[str, ...] = (),
               log_file: Path | None = None) -> RunResult:
    """Run the guest in this process; a watchdog stops it after `timeout`."""
    from emulator.machines.spike import SpikeMachine
    from emulator.machines.virt_bare import VirtMachine

    cls = {"virt": VirtMachine, "spike": SpikeMachine}[machine]
    out = io.BytesIO()
    m = cls(elf, stdout=out, icount_shift=icount_shift, log_items=log_items,
            log_file=log_file)
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        m.cpu.request_exit(True)

    watchdog = threading.Timer(timeout, stop)
    watchdog.start()
    try:
        code = m.run()
    finally:
        watchdog.cancel()
    return RunResult(out.getvalue(), code, timed_out.is_set())


def qemu_command(elf: Path, machine: str = "virt", extra: tuple[str, ...] = ()) -> list[str]:
    return [QEMU, "-M", machine, "-cpu", QEMU_CPU, "-m", "128M", "-bios", "none",
            "-kernel", str(elf), "-nographic", "-monitor", "none", "-serial", "stdio",
            *extra]


def run_qemu(elf: Path, machine: str = "virt", timeout: float = 60.0,
             extra: tuple[str, ...] = ()) -> RunResult:
    """Run the guest on QEMU (cached by ELF content and arguments)."""
    cmd = qemu_command(elf, machine, extra)
    args = [a for a in cmd if a != str(elf)]
    key = _digest(elf.read_bytes(), " ".join(args).encode())
    cache = BUILD_DIR / f"qemu-{key}.json"
    if cache.exists():
        data = json.loads(cache.read_text())
        return RunResult(bytes.fromhex(data["stdout"]), data["exit_code"])
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return RunResult(exc.stdout or b"", -1, True)
    result = RunResult(proc.stdout, proc.returncode)
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"stdout": proc.stdout.hex(), "exit_code": proc.returncode}))
    return result
