"""The serial console's chardevs on the virt board: ``-nographic``'s
``mon:stdio`` (the console shared with the human monitor, Ctrl-A c to
switch, Ctrl-A x to quit, as QEMU's mux) and a Unix socket."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from tests.e2e import console as con
from tests.qmp.harness import short_tmpdir

MONITOR_BANNER = b"QEMU 7.2.22 monitor - type 'help' for more information\r\n(qemu) "


def test_nographic_shares_the_console_with_the_monitor() -> None:
    console = con.Console([*con.cyqemu_command(), "-M", "virt", "-nographic",
                           "-bios", str(con.UBOOT_MMODE)])
    try:
        con.to_uboot_prompt(console)
        console.send(b"\x01c")
        assert console.expect(b"(qemu) ") == MONITOR_BANNER
        console.send(b"info status\n")
        assert console.expect(b"(qemu) ").endswith(b"VM status: running\r\n(qemu) ")
        console.send(b"\x01c")
        # Back on the serial port: the monitor ends its line, U-Boot answers.
        assert console.expect(b"\r\n") == b"\r\n"
        answer = con.uboot_command(console, "version")
        assert answer.startswith(b"version\r\nU-Boot 2023.01")
        console.send(b"\x01h")
        assert b"C-a c    switch between console and monitor\n\r" in console.expect(
            b"C-a C-a  sends C-a\n\r")
        console.send(b"\x01x")
        assert console.expect(b"QEMU: Terminated\n\r") == b"QEMU: Terminated\n\r"
        assert console.process.wait(10) == 0
    finally:
        console.close()


def test_console_on_a_unix_socket() -> None:
    folder = short_tmpdir()
    path = os.path.join(folder, "serial.sock")
    process = con.Console([*con.cyqemu_command(), "-M", "virt", "-display", "none",
                           "-bios", str(con.UBOOT_MMODE), "-serial",
                           f"unix:{path},server=on,wait=on"])
    client = socket.socket(socket.AF_UNIX)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client.connect(path)
                break
            except OSError:
                assert time.monotonic() < deadline, "the serial socket did not appear"
                time.sleep(0.02)
        received = b""
        client.settimeout(30)
        while con.AUTOBOOT not in received:
            chunk = client.recv(4096)
            assert chunk, "the emulator closed the serial socket"
            received += chunk
        client.sendall(b" ")
        while not received.endswith(con.UBOOT_PROMPT):
            received += client.recv(4096)
        client.sendall(b"version\n")
        while b"GNU ld" not in received:
            received += client.recv(4096)
    finally:
        client.close()
        process.close()
        Path(path).unlink(missing_ok=True)
        os.rmdir(folder)
