"""Make migration streams with Debian's qemu-system-riscv64 (the oracle).

QEMU runs the virt board with no display and no default devices; QMP
(over a Unix socket, spoken directly) asks it to migrate to
``exec:cat > FILE`` and waits for the migration to complete.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

QEMU = "qemu-system-riscv64"
TIMEOUT = 60.0


class QMP:
    """A minimal QMP client: one command at a time, events skipped."""

    def __init__(self, path: Path) -> None:
        deadline = time.monotonic() + TIMEOUT
        while True:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(TIMEOUT)
            try:
                self.sock.connect(str(path))
                break
            except (ConnectionRefusedError, FileNotFoundError):
                # The socket file exists a moment before QEMU listens on it.
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        self.file = self.sock.makefile("rw", encoding="utf-8")
        greeting = json.loads(self.file.readline())
        assert "QMP" in greeting, greeting
        self.command("qmp_capabilities")

    def command(self, name: str, **arguments: Any) -> Any:
        self.file.write(json.dumps({"execute": name, "arguments": arguments}) + "\n")
        self.file.flush()
        while True:
            reply = json.loads(self.file.readline())
            if "error" in reply:
                raise RuntimeError(f"QMP {name}: {reply['error']}")
            if "return" in reply:
                return reply["return"]

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def qemu_available() -> bool:
    return shutil.which(QEMU) is not None


def migrate_to_file(target: Path, args: list[str], run_seconds: float = 0.0,
                    capabilities: tuple[str, ...] = ()) -> Path:
    """Start QEMU with ``args``, let it run, migrate it into ``target`` with
    the migration ``capabilities`` on."""
    sock_path = target.with_suffix(".qmp")
    command = [QEMU, "-M", "virt", "-display", "none", "-nodefaults",
               "-qmp", f"unix:{sock_path},server=on,wait=on", *args]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not sock_path.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"QEMU did not start: {process.stderr.read().decode()}"
                                   if process.stderr else "QEMU did not start")
            time.sleep(0.01)
        qmp = QMP(sock_path)
        try:
            if capabilities:
                qmp.command("migrate-set-capabilities", capabilities=[
                    {"capability": name, "state": True} for name in capabilities])
            if run_seconds:
                time.sleep(run_seconds)
            qmp.command("migrate", uri=f"exec:cat > {target}")
            while True:
                status = qmp.command("query-migrate").get("status")
                if status == "completed":
                    break
                if status in ("failed", "cancelled") or time.monotonic() > deadline:
                    raise RuntimeError(f"migration ended as {status}")
                time.sleep(0.02)
            qmp.command("quit")
        finally:
            qmp.close()
        process.wait(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if sock_path.exists():
            os.unlink(sock_path)
    return target
