"""Building the RISC-V test guests and running them on cyqemu and on QEMU.

Guests are C or assembly files under guest/, linked with guest/lib for one
board (virt: UART and sifive_test; spike: HTIF). Builds and QEMU's results
are cached under build/riscv-guests, keyed by the content of everything
that goes into them, so re-runs only redo what changed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
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


def cyqemu_binary() -> str:
    """The emulator's command, as installed beside this Python."""
    installed = Path(sys.executable).parent / "cyqemu-system-riscv64"
    return str(installed) if installed.exists() else "cyqemu-system-riscv64"


def board_args(elf: Path, machine: str = "virt") -> list[str]:
    """The options both emulators run a bare-metal guest with."""
    return ["-M", machine, "-m", "128M", "-bios", "none", "-kernel", str(elf), "-nographic",
            "-monitor", "none", "-serial", "stdio"]


def run_cyqemu(elf: Path, machine: str = "virt", timeout: float = 60.0,
               icount_shift: int | None = None, log_items: tuple[str, ...] = (),
               log_file: Path | None = None, extra: tuple[str, ...] = ()) -> RunResult:
    """Run the guest with cyqemu's command line; stopped after `timeout`."""
    cmd = [cyqemu_binary(), *board_args(elf, machine), *extra]
    if icount_shift is not None:
        cmd += ["-icount", f"shift={icount_shift}"]
    if log_items:
        cmd += ["-d", ",".join(log_items)]
    if log_file is not None:
        cmd += ["-D", str(log_file)]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return RunResult(exc.stdout or b"", -1, True)
    return RunResult(proc.stdout, proc.returncode)


class InProcessBoard:
    """A board built in this process and run hart by hart, without the
    emulator's main loop (for profiling and timing the CPU alone)."""

    def __init__(self, elf: Path, machine: str = "virt", ram_size: int = 128 << 20) -> None:
        from emulator.machine import MachineConfig, find_machine
        from emulator.machines.riscv_board import RiscvBoard

        self.exit_status: int | None = None
        machine_class = find_machine(machine)
        assert machine_class is not None
        config = MachineConfig(properties={"firmware": "none", "kernel": str(elf)},
                               ram_size=ram_size, events=self)
        board = machine_class.init(machine_class, config)
        assert isinstance(board, RiscvBoard)
        self.board = board

    def request_exit(self, status: int) -> None:
        self.exit_status = status
        for hart in self.board.harts:
            hart.request_exit(True)

    def request_reset(self, cause: str) -> None:
        raise AssertionError(f"unexpected reset ({cause})")

    def request_shutdown(self, cause: str) -> None:
        raise AssertionError(f"unexpected shutdown ({cause})")

    def run(self) -> int:
        """Run until the guest exits; returns its status."""
        hart = self.board.harts[0]
        self.board.clock.start()
        while self.exit_status is None:
            hart.run_for(1 << 40)
        return self.exit_status


def qemu_command(elf: Path, machine: str = "virt", extra: tuple[str, ...] = ()) -> list[str]:
    return [QEMU, "-cpu", QEMU_CPU, *board_args(elf, machine), *extra]


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
