"""SiFive test finisher: a guest write powers the machine off.

Writing 0x5555 to offset 0 passes (exit status 0), 0x3333 | (code << 16)
fails with `code`, 0x7777 resets.
"""

from __future__ import annotations

from collections.abc import Callable

FINISHER_FAIL = 0x3333
FINISHER_PASS = 0x5555
FINISHER_RESET = 0x7777
SIZE = 0x1000


class SifiveTest:
    def __init__(self, on_exit: Callable[[int], None], on_reset: Callable[[], None]) -> None:
        self._on_exit = on_exit
        self._on_reset = on_reset

    def mmio_read(self, offset: int, size: int) -> int:
        return 0

    def mmio_write(self, offset: int, size: int, value: int) -> bool:
        if offset != 0:
            return False
        status, code = value & 0xFFFF, (value >> 16) & 0xFFFF
        if status == FINISHER_FAIL:
            self._on_exit(code)
            return True
        if status == FINISHER_PASS:
            self._on_exit(0)
            return True
        if status == FINISHER_RESET:
            self._on_reset()
            return True
        return False
