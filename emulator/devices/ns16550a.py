"""A minimal NS16550A UART: transmit to a host stream, no receive path.

Enough for bare-metal console output: THR writes are emitted at once, LSR
always reports an empty transmitter, and the other registers read back
what was written (reset values as QEMU's serial device has them).
"""

from __future__ import annotations

from typing import BinaryIO

SIZE = 0x100

RBR_THR = 0
IER = 1
IIR_FCR = 2
LCR = 3
MCR = 4
LSR = 5
MSR = 6
SCR = 7

LCR_DLAB = 0x80
LSR_THRE = 0x20
LSR_TEMT = 0x40
IIR_NO_INT = 0x01
IIR_FIFO_ENABLED = 0xC0
MSR_DCD_DSR_CTS = 0xB0


class Ns16550a:
    def __init__(self, output: BinaryIO) -> None:
        self._out = output
        self.ier = 0
        self.lcr = 0
        self.mcr = 0
        self.scr = 0
        self.fcr = 0
        self.divisor = 0

    def mmio_read(self, offset: int, size: int) -> int:
        reg = offset & 7
        if reg == RBR_THR:
            return self.divisor & 0xFF if self.lcr & LCR_DLAB else 0
        if reg == IER:
            return (self.divisor >> 8) & 0xFF if self.lcr & LCR_DLAB else self.ier
        if reg == IIR_FCR:
            return IIR_NO_INT | (IIR_FIFO_ENABLED if self.fcr & 1 else 0)
        if reg == LCR:
            return self.lcr
        if reg == MCR:
            return self.mcr
        if reg == LSR:
            return LSR_THRE | LSR_TEMT
        if reg == MSR:
            return MSR_DCD_DSR_CTS
        return self.scr

    def mmio_write(self, offset: int, size: int, value: int) -> bool:
        reg = offset & 7
        value &= 0xFF
        if reg == RBR_THR:
            if self.lcr & LCR_DLAB:
                self.divisor = (self.divisor & 0xFF00) | value
            else:
                self._out.write(bytes((value,)))
                if value == 0x0A:
                    self._out.flush()
        elif reg == IER:
            if self.lcr & LCR_DLAB:
                self.divisor = (self.divisor & 0xFF) | (value << 8)
            else:
                self.ier = value & 0x0F
        elif reg == IIR_FCR:
            self.fcr = value
        elif reg == LCR:
            self.lcr = value
        elif reg == MCR:
            self.mcr = value & 0x1F
        elif reg == SCR:
            self.scr = value
        return False
