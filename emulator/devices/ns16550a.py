"""NS16550A UART, as QEMU's serial device models it.

Transmit goes to the chardev at once (THR empty again straight away);
receive takes what the chardev delivers, as much as the guest can take:
one byte in the holding register, or up to the FIFO's trigger level with
the FIFO on, the rest waiting in the chardev's backlog until the guest
reads (no byte is ever dropped for the guest being slow).  Interrupts:
line status, received data (trigger level reached, or a character timeout
of four character times with bytes left in the FIFO), transmitter empty
and modem status, with IIR reporting the highest one, as QEMU's device.

Registers are one byte apart (`SIZE` bytes of MMIO).  Loopback (MCR bit
4) feeds transmitted bytes back into the receiver.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from emulator.chardev import Chardev
from emulator.devices.char_frontend import CharFrontend

SIZE = 8
FIFO_LENGTH = 16

IER_RDI, IER_THRI, IER_RLSI, IER_MSI = 0x01, 0x02, 0x04, 0x08
IIR_NO_INT, IIR_ID, IIR_MSI, IIR_THRI, IIR_RDI, IIR_RLSI, IIR_CTI = (
    0x01, 0x06, 0x00, 0x02, 0x04, 0x06, 0x0C)
IIR_FIFO_ENABLED = 0xC0
FCR_FE, FCR_RFR, FCR_XFR = 0x01, 0x02, 0x04
LCR_DLAB = 0x80
MCR_OUT2, MCR_LOOP = 0x08, 0x10
LSR_DR, LSR_OE, LSR_BI, LSR_THRE, LSR_TEMT = 0x01, 0x02, 0x10, 0x20, 0x40
LSR_INT_ANY = 0x1E
MSR_DCD, MSR_RI, MSR_DSR, MSR_CTS = 0x80, 0x40, 0x20, 0x10
MSR_ANY_DELTA = 0x0F
TRIGGER_LEVELS = {0x00: 1, 0x40: 4, 0x80: 8, 0xC0: 14}


class Ns16550a:
    """The UART; `irq(level)` drives its interrupt line."""

    def __init__(self, irq: Callable[[bool], None], baudbase: int = 399193) -> None:
        self._irq = irq
        self.baudbase = baudbase
        self._chardev = CharFrontend(self.receive)
        self._backlog: deque[int] = deque()
        self._timeout: asyncio.TimerHandle | None = None
        # Kept across resets, as QEMU's device keeps them.
        self.fcr = 0
        self.recv_fifo_itl = 1
        self.reset()

    # -- wiring ---------------------------------------------------------------

    def attach(self, chardev: Chardev) -> None:
        """Read from and write to `chardev`."""
        self._chardev.attach(chardev)

    def reset(self) -> None:
        self.rbr = 0
        self.thr = 0
        self.ier = 0
        self.iir = IIR_NO_INT
        self.lcr = 0
        self.lsr = LSR_TEMT | LSR_THRE
        self.msr = MSR_DCD | MSR_DSR | MSR_CTS
        self.mcr = MCR_OUT2
        self.scr = 0
        self.divider = 0x0C         # 9600 baud
        self.thr_ipending = False
        self.timeout_ipending = False
        self.recv_fifo: deque[int] = deque()
        self._cancel_timeout()
        self._update_irq()

    # -- interrupts ------------------------------------------------------------

    def _update_irq(self) -> None:
        iir = IIR_NO_INT
        if self.ier & IER_RLSI and self.lsr & LSR_INT_ANY:
            iir = IIR_RLSI
        elif self.ier & IER_RDI and self.timeout_ipending:
            iir = IIR_CTI
        elif self.ier & IER_RDI and self.lsr & LSR_DR and (
                not self.fcr & FCR_FE or len(self.recv_fifo) >= self.recv_fifo_itl):
            iir = IIR_RDI
        elif self.ier & IER_THRI and self.thr_ipending:
            iir = IIR_THRI
        elif self.ier & IER_MSI and self.msr & MSR_ANY_DELTA:
            iir = IIR_MSI
        self.iir = iir | (self.iir & 0xF0)
        self._irq(iir != IIR_NO_INT)

    def _char_time_s(self) -> float:
        speed = 3500.0 if self.divider == 0 else self.baudbase / self.divider
        frame = 1 + (self.lcr & 0x03) + 5 + (2 if self.lcr & 0x04 else 1) + (
            1 if self.lcr & 0x08 else 0)
        return frame / speed

    def _arm_timeout(self) -> None:
        self._cancel_timeout()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._timeout = loop.call_later(4 * self._char_time_s(), self._fifo_timeout)

    def _cancel_timeout(self) -> None:
        if self._timeout is not None:
            self._timeout.cancel()
            self._timeout = None

    def _fifo_timeout(self) -> None:
        self._timeout = None
        if self.recv_fifo:
            self.timeout_ipending = True
            self._update_irq()

    # -- transmit --------------------------------------------------------------

    def _transmit(self, byte: int) -> None:
        if self.mcr & MCR_LOOP:
            self._receive_bytes(bytes((byte,)))
            return
        self._chardev.write(bytes((byte,)))

    def _write_thr(self, value: int) -> None:
        self.thr = value
        self.thr_ipending = False
        self.lsr &= ~(LSR_THRE | LSR_TEMT)
        self._update_irq()
        # QEMU sends at once: the holding register (or FIFO) drains now.
        self._transmit(value)
        self.lsr |= LSR_THRE | LSR_TEMT
        self.thr_ipending = True
        self._update_irq()

    # -- receive ---------------------------------------------------------------

    def _can_receive(self) -> int:
        if self.fcr & FCR_FE:
            count = len(self.recv_fifo)
            if count >= FIFO_LENGTH:
                return 0
            return self.recv_fifo_itl - count if count <= self.recv_fifo_itl else 1
        return 0 if self.lsr & LSR_DR else 1

    def _receive_bytes(self, data: bytes) -> None:
        if self.fcr & FCR_FE:
            for byte in data:
                if len(self.recv_fifo) < FIFO_LENGTH:
                    self.recv_fifo.append(byte)
                else:
                    self.lsr |= LSR_OE
            self.lsr |= LSR_DR
            self._arm_timeout()
        else:
            if self.lsr & LSR_DR:
                self.lsr |= LSR_OE
            self.rbr = data[-1]
            self.lsr |= LSR_DR
        self._update_irq()

    def receive(self, data: bytes) -> None:
        """Bytes from the chardev: into the receiver as it can take them."""
        self._backlog.extend(data)
        self._accept_input()

    def _accept_input(self) -> None:
        while self._backlog and not self.mcr & MCR_LOOP:
            room = self._can_receive()
            if room <= 0:
                return
            chunk = bytes(self._backlog.popleft() for _ in range(min(room, len(self._backlog))))
            self._receive_bytes(chunk)

    # -- registers ---------------------------------------------------------------

    def mmio_read(self, offset: int, size: int) -> int:
        reg = offset & 7
        if reg == 0:
            if self.lcr & LCR_DLAB:
                return self.divider & 0xFF
            return self._read_rbr()
        if reg == 1:
            return (self.divider >> 8) & 0xFF if self.lcr & LCR_DLAB else self.ier
        if reg == 2:
            value = self.iir
            if value & IIR_ID == IIR_THRI and not value & IIR_NO_INT:
                self.thr_ipending = False
                self._update_irq()
            return value
        if reg == 3:
            return self.lcr
        if reg == 4:
            return self.mcr
        if reg == 5:
            value = self.lsr
            if self.lsr & (LSR_BI | LSR_OE):
                self.lsr &= ~(LSR_BI | LSR_OE)
                self._update_irq()
            return value
        if reg == 6:
            if self.mcr & MCR_LOOP:
                return (((self.mcr & 0x0C) << 4) | ((self.mcr & 0x02) << 3)
                        | ((self.mcr & 0x01) << 5))
            value = self.msr
            if self.msr & MSR_ANY_DELTA:
                self.msr &= 0xF0
                self._update_irq()
            return value
        return self.scr

    def _read_rbr(self) -> int:
        if self.fcr & FCR_FE:
            value = self.recv_fifo.popleft() if self.recv_fifo else 0
            if not self.recv_fifo:
                self.lsr &= ~(LSR_DR | LSR_BI)
            else:
                self._arm_timeout()
            self.timeout_ipending = False
        else:
            value = self.rbr
            self.lsr &= ~(LSR_DR | LSR_BI)
        self._update_irq()
        if not self.mcr & MCR_LOOP:
            self._accept_input()
        return value

    def mmio_write(self, offset: int, size: int, value: int) -> bool:
        reg = offset & 7
        value &= 0xFF
        if reg == 0:
            if self.lcr & LCR_DLAB:
                self.divider = (self.divider & 0xFF00) | value
            else:
                self._write_thr(value)
        elif reg == 1:
            if self.lcr & LCR_DLAB:
                self.divider = (self.divider & 0x00FF) | (value << 8)
            else:
                changed = (self.ier ^ value) & 0x0F
                self.ier = value & 0x0F
                if changed & IER_THRI:
                    self.thr_ipending = bool(self.ier & IER_THRI and self.lsr & LSR_THRE)
                if changed:
                    self._update_irq()
        elif reg == 2:
            self._write_fcr(value)
        elif reg == 3:
            self.lcr = value
        elif reg == 4:
            self.mcr = value & 0x1F
        elif reg == 7:
            self.scr = value
        return False

    def _write_fcr(self, value: int) -> None:
        if (value ^ self.fcr) & FCR_FE:
            value |= FCR_XFR | FCR_RFR
        if value & FCR_RFR:
            self.lsr &= ~(LSR_DR | LSR_BI)
            self._cancel_timeout()
            self.timeout_ipending = False
            self.recv_fifo.clear()
        if value & FCR_XFR:
            self.lsr |= LSR_THRE
            self.thr_ipending = True
        self.fcr = value & 0xC9
        if self.fcr & FCR_FE:
            self.iir |= IIR_FIFO_ENABLED
            self.recv_fifo_itl = TRIGGER_LEVELS[self.fcr & 0xC0]
        else:
            self.iir &= ~IIR_FIFO_ENABLED
        self._update_irq()
        self._accept_input()

