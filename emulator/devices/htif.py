"""HTIF, the host-target interface of the spike board.

The guest writes a command to `tohost`: device 0 command 0 with bit 0 set
ends the run with exit status payload >> 1; device 1 command 1 prints the
low byte of the payload. The response lands in `fromhost`. As in QEMU, a
64-bit `tohost` may also be written as two 32-bit halves, low half first.
"""

from __future__ import annotations

from collections.abc import Callable


class Htif:
    def __init__(self, tohost_offset: int, fromhost_offset: int,
                 output: Callable[[bytes], None], on_exit: Callable[[int], None]) -> None:
        self.tohost_offset = tohost_offset
        self.fromhost_offset = fromhost_offset
        self._out = output
        self._on_exit = on_exit
        self.tohost = 0
        self.fromhost = 0
        self._allow_tohost = False

    def mmio_read(self, offset: int, size: int) -> int:
        value = 0
        for reg_offset, reg in ((self.tohost_offset, self.tohost),
                                (self.fromhost_offset, self.fromhost)):
            if reg_offset <= offset < reg_offset + 8:
                value = reg >> ((offset - reg_offset) * 8)
        return value & ((1 << (8 * size)) - 1)

    def mmio_write(self, offset: int, size: int, value: int) -> bool:
        if offset == self.tohost_offset:
            if size == 8:
                if self.tohost != 0:
                    return False        # previous command not taken yet
                self.tohost = value
                return self._command(value)
            if self.tohost == 0:
                self._allow_tohost = True
                self.tohost = value & 0xFFFFFFFF
            else:
                self._allow_tohost = False
        elif offset == self.tohost_offset + 4:
            if self._allow_tohost:
                self.tohost |= (value & 0xFFFFFFFF) << 32
                return self._command(self.tohost)
        elif offset == self.fromhost_offset:
            if size == 8:
                self.fromhost = value
            else:
                self.fromhost = value & 0xFFFFFFFF
        elif offset == self.fromhost_offset + 4:
            self.fromhost |= (value & 0xFFFFFFFF) << 32
        return False

    def _command(self, value: int) -> bool:
        device, cmd, payload = value >> 56, (value >> 48) & 0xFF, value & 0xFFFFFFFFFFFF
        response = 0
        if device == 0 and cmd == 0 and payload & 1:
            self._on_exit(payload >> 1)
            return True
        if device == 1 and cmd == 1:
            self._out(bytes((payload & 0xFF,)))
            response = 0x100 | (payload & 0xFF)
        elif device == 1 and cmd == 0:
            self.tohost = 0         # console read request: no input to give
            return False
        self.fromhost = ((value >> 48) << 48) | response
        self.tohost = 0
        return False
