"""Driving an emulator's serial console from a test, expect-style.

`Console` starts an emulator with its console on stdin/stdout (pipes),
collects everything it writes, waits for text (`expect`) and types
(`send`).  `run_both` drives cyqemu and QEMU through the same script at
the same time, so a comparison costs the time of the slower one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

QEMU = "qemu-system-riscv64"
OPENSBI_DIR = Path("/usr/lib/riscv64-linux-gnu/opensbi/generic")
FW_JUMP = OPENSBI_DIR / "fw_jump.bin"
FW_DYNAMIC = OPENSBI_DIR / "fw_dynamic.bin"
UBOOT_SMODE = Path("/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin")
UBOOT_MMODE = Path("/usr/lib/u-boot/qemu-riscv64/u-boot.bin")
UBOOT_PROMPT = b"=> "
AUTOBOOT = b"Hit any key to stop autoboot:"


class ConsoleTimeout(AssertionError):
    """The text waited for did not come."""


def cyqemu_command() -> list[str]:
    installed = Path(sys.executable).parent / "cyqemu-system-riscv64"
    return [str(installed) if installed.exists() else "cyqemu-system-riscv64"]


def qemu_command() -> list[str]:
    path = shutil.which(QEMU)
    if path is None:
        raise AssertionError(f"{QEMU} is not installed (make install)")
    return [path]


def debian_firmware_available() -> bool:
    return all(path.exists() for path in (FW_JUMP, FW_DYNAMIC, UBOOT_SMODE, UBOOT_MMODE))


class Console:
    """An emulator process whose console is its stdin and stdout."""

    def __init__(self, argv: Sequence[str], cwd: str | os.PathLike[str] | None = None) -> None:
        self.argv = list(argv)
        self.process = subprocess.Popen(self.argv, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        cwd=cwd)
        self.output = bytearray()
        self._seen = 0
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        while True:
            chunk = os.read(self.process.stdout.fileno(), 65536)
            with self._changed:
                if not chunk:
                    self._changed.notify_all()
                    return
                self.output += chunk
                self._changed.notify_all()

    def expect(self, text: bytes, timeout: float = 60.0) -> bytes:
        """Wait until `text` comes after what earlier calls consumed;
        returns the output up to its end."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.output.find(text, self._seen)
                if found >= 0:
                    start, self._seen = self._seen, found + len(text)
                    return bytes(self.output[start:self._seen])
                left = deadline - time.monotonic()
                if left <= 0 or (not self._reader.is_alive()):
                    raise ConsoleTimeout(
                        f"{self.argv[0]}: no {text!r} within {timeout} s; the end of its "
                        f"output:\n{bytes(self.output[-2000:]).decode(errors='replace')}\n"
                        f"stderr: {self._stderr()}")
                self._changed.wait(left)

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def _stderr(self) -> str:
        if self.process.poll() is None or self.process.stderr is None:
            return ""
        return self.process.stderr.read().decode(errors="replace")

    def close(self) -> int:
        """End the emulator (SIGTERM); returns its exit status."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            status = self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        self._reader.join(5)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return status


Script = Callable[[Console], bytes]


def run_both(args: Sequence[str], script: Script,
             cwd: str | os.PathLike[str] | None = None) -> tuple[bytes, bytes]:
    """Run `script` against cyqemu and against QEMU, both started with
    `args`, at the same time; returns (cyqemu's, QEMU's) transcripts."""
    def one(command: list[str]) -> bytes:
        console = Console([*command, *args], cwd=cwd)
        try:
            return script(console)
        finally:
            console.close()

    with ThreadPoolExecutor(2) as pool:
        ours = pool.submit(one, cyqemu_command())
        theirs = pool.submit(one, qemu_command())
        return ours.result(), theirs.result()


def to_uboot_prompt(console: Console, timeout: float = 120.0) -> bytes:
    """Boot to U-Boot's prompt, stopping autoboot with a key."""
    transcript = console.expect(AUTOBOOT, timeout)
    console.send(b" ")
    return transcript + console.expect(UBOOT_PROMPT, 30)


def uboot_command(console: Console, command: str, timeout: float = 30.0) -> bytes:
    """Type a command at U-Boot's prompt; returns its echo and output up to
    the next prompt."""
    console.send(command.encode() + b"\n")
    return console.expect(UBOOT_PROMPT, timeout)


def text_lines(transcript: bytes, leave_out: Sequence[str] = ()) -> list[str]:
    """The transcript's lines (CR LF or LF) without trailing blanks, and
    without those matching any of the `leave_out` patterns.  (U-Boot ends
    its countdown with a blank, or not when the key came before it looked.)"""
    lines = transcript.decode(errors="replace").replace("\r\n", "\n").split("\n")
    return [line.rstrip(" ") for line in lines
            if not any(re.search(p, line) for p in leave_out)]
