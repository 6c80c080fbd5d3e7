"""Running emulators for tests: cyqemu's and Debian's QEMU, each with a QMP
socket, and a plain byte-level QMP client (for the exact bytes QEMU's own
client library would hide)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
QEMU_BINARY = "qemu-system-riscv64"


def cyqemu_command() -> list[str]:
    """How to start cyqemu: this Python, the ``emulator`` package."""
    return [sys.executable, "-m", "emulator"]


def qemu_command() -> list[str] | None:
    """How to start Debian's QEMU, or None when it is not installed."""
    path = shutil.which(QEMU_BINARY)
    return [path] if path else None


def short_tmpdir() -> str:
    # Unix socket paths must stay under 108 bytes.
    return tempfile.mkdtemp(prefix="cyq-", dir="/tmp")


class Emulator:
    """A running emulator with a QMP monitor on a Unix socket."""

    def __init__(self, command: Sequence[str], args: Sequence[str] = ("-M", "none", "-S"),
                 qmp: bool = True, stdin: int = subprocess.DEVNULL) -> None:
        self.tmpdir = short_tmpdir()
        self.socket_path = os.path.join(self.tmpdir, "qmp.sock")
        argv = [*command, *args, "-display", "none"]
        if qmp:
            argv += ["-qmp", f"unix:{self.socket_path},server=on,wait=off"]
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        self.process = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=env, cwd=self.tmpdir)
        if qmp:
            self._wait_for_socket()

    def _wait_for_socket(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"emulator exited: {self.process.stderr.read().decode()}")
            if os.path.exists(self.socket_path):
                try:
                    probe = socket.socket(socket.AF_UNIX)
                    probe.connect(self.socket_path)
                except OSError:
                    pass
                else:
                    probe.close()
                    return
            time.sleep(0.01)
        raise TimeoutError("the QMP socket did not appear")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)


@contextmanager
def running(command: Sequence[str], args: Sequence[str] = ("-M", "none", "-S")
            ) -> Iterator[Emulator]:
    emulator = Emulator(command, args)
    try:
        yield emulator
    finally:
        emulator.stop()


class RawClient:
    """A QMP connection read line by line, bytes untouched."""

    def __init__(self, path: str, timeout: float = 10.0) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self._buffer = b""
        self.eof = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_line(self, timeout: float | None = None) -> bytes | None:
        """One line (with its CR LF); None at a timeout or end of stream."""
        if timeout is not None:
            self.sock.settimeout(timeout)
        while b"\n" not in self._buffer:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return None
            if not chunk:
                self.eof = True
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line + b"\n"

    def read_until(self, marker: bytes, timeout: float) -> list[bytes]:
        """Lines up to and including the one holding ``marker``; stops early
        (without it) after ``timeout`` seconds of silence."""
        lines = []
        while True:
            line = self.read_line(timeout)
            if line is None:
                return lines
            lines.append(line)
            if marker in line:
                return lines

    def close(self) -> None:
        self.sock.close()
