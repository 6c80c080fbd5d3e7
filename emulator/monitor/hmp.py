"""The human monitor (HMP): a line-at-a-time command prompt.

A small subset of QEMU's: the commands that drive the run state and the
``info`` queries that go with them.  Lines are read as they come, without
QEMU's line editing (the terminal's own echo and editing apply).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from emulator.chardev import CharConnection
from emulator.version import PACKAGE, QEMU_VERSION

if TYPE_CHECKING:
    from emulator.system import System

PROMPT = "(qemu) "


class HumanMonitor:
    """One HMP session on a chardev connection."""

    def __init__(self, system: System, connection: CharConnection) -> None:
        self.system = system
        self.connection = connection
        self._line = bytearray()
        major, minor, micro = QEMU_VERSION
        self._commands: dict[str, Callable[[list[str]], str]] = {
            "help": self._help, "?": self._help,
            "info": self._info,
            "stop": self._simple(self.system.runstate.stop),
            "cont": self._cont, "c": self._cont,
            "system_reset": self._simple(
                lambda: self.system.runstate.request_reset("host-qmp-system-reset")),
            "system_powerdown": self._simple(self.system.runstate.request_powerdown),
            "quit": self._quit, "q": self._quit,
        }
        # On a chardev shared with a serial port (mon:stdio), output waits
        # while the serial port has the focus.
        self._focused = bool(getattr(connection, "focused", True))
        self._held: list[bytes] = []
        self._echo = bool(getattr(connection, "is_terminal", False))
        banner = f"QEMU {major}.{minor}.{micro} monitor - type 'help' for more information\n"
        self._write(banner + PROMPT if self._focused else banner)

    def _write(self, text: str) -> None:
        data = text.replace("\n", "\r\n").encode()
        if self._focused:
            self.connection.write(data)
        else:
            self._held.append(data)

    def focus_changed(self, focused: bool) -> None:
        """A mux moved the input focus to (or away from) this monitor."""
        if focused == self._focused:
            return
        if focused:
            self._focused = True
            held, self._held = b"".join(self._held), []
            self.connection.write(held)
            self._line.clear()
            self._write(PROMPT)
        else:
            self._write("\n")
            self._focused = False

    def data_received(self, data: bytes) -> None:
        for byte in data:
            if byte in (0x0A, 0x0D):
                if self._line or byte == 0x0A:
                    line, self._line = self._line.decode(errors="replace"), bytearray()
                    if self._echo:
                        self._write("\n")
                    self._write(self._run(line.strip()) + PROMPT)
            elif byte in (0x08, 0x7F):
                if self._line:
                    self._line.pop()
                    if self._echo:
                        self.connection.write(b"\b \b")
            else:
                self._line.append(byte)
                if self._echo:
                    self.connection.write(bytes((byte,)))

    def connection_lost(self) -> None:
        self._line.clear()

    def pause_writing(self) -> None:
        pass

    def resume_writing(self) -> None:
        pass

    def _run(self, line: str) -> str:
        if not line:
            return ""
        name, *words = line.split()
        command = self._commands.get(name)
        if command is None:
            return f"unknown command: '{name}'\n"
        return command(words)

    @staticmethod
    def _simple(action: Callable[[], None]) -> Callable[[list[str]], str]:
        def run(words: list[str]) -> str:
            action()
            return ""
        return run

    def _help(self, words: list[str]) -> str:
        return ("cont|c  -- resume emulation\n"
                "help|? [cmd] -- show the help\n"
                "info [subcommand] -- show information about the system state\n"
                "quit|q  -- quit the emulator\n"
                "stop  -- stop emulation\n"
                "system_powerdown  -- send system power down event\n"
                "system_reset  -- reset the system\n")

    def _cont(self, words: list[str]) -> str:
        complaint = self.system.runstate.cont()
        return "" if complaint is None else f"Error: {complaint}\n"

    def _quit(self, words: list[str]) -> str:
        self.system.runstate.shutdown_action = "poweroff"
        self.system.runstate.request_shutdown("host-qmp-quit")
        return ""

    def _info(self, words: list[str]) -> str:
        what = words[0] if words else ""
        runstate = self.system.runstate
        if what == "status":
            if runstate.is_running():
                return "VM status: running\n"
            if runstate.state == "prelaunch":
                return "VM status: paused (prelaunch)\n"
            if runstate.state == "paused":
                return "VM status: paused\n"
            return f"VM status: paused ({runstate.state})\n"
        if what == "version":
            major, minor, micro = QEMU_VERSION
            return f"{major}.{minor}.{micro}{PACKAGE}\n"
        if what == "name":
            return f"{self.system.name}\n" if self.system.name is not None else ""
        return ("info name  -- show the current VM name\n"
                "info status  -- show the current VM status (running|paused)\n"
                "info version  -- show the version of QEMU\n")
