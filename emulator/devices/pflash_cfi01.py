"""CFI parallel NOR flash with the Intel/Sharp command set (QEMU's
``cfi.pflash01``).

Integration (QEMU 7.2's riscv ``virt``): two banks of 32 MiB, ``pflash0``
at 0x20000000 and ``pflash1`` at 0x22000000, no interrupt, one device
tree node ``/flash@20000000`` (compatible ``cfi-flash``, bank-width 4,
both banks in ``reg``).  `virt_flash` builds one bank with virt's
parameters (256 KiB sectors, 4 bytes wide made of two 16-bit chips,
ids 0x89 0x18 0x00 0x00), from ``-drive if=pflash,unit=N`` when given:

    flash0 = virt_flash("virt.flash0", image0)      # image: RawImage or None
    memory.add_mmio(0x20000000, VIRT_FLASH_SIZE, flash0)

The image must be exactly 32 MiB ("device requires ... bytes" otherwise,
QEMU's message) and is read whole; guest erases and programs are
written back unless the image is read-only, in which case they set the
status register's error bits.  With ``-drive if=pflash,unit=0`` QEMU's
reset vector jumps to 0x20000000, and with unit 1 OpenSBI's next stage
is 0x22000000 (kernel and initrd then go to fw_cfg).

In read-array mode QEMU maps the bank as ROM so code runs from it
(``romd`` mode); here `romd` says when that holds and ``on_romd`` hears
of every change, so a board can map `storage` directly while it is set.
Accesses of 8 bytes are two of 4 bytes (low word first), as QEMU's
memory core splits them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from emulator.block import SECTOR_SIZE, BlockError, RawImage

log = logging.getLogger(__name__)

VIRT_FLASH_SIZE = 32 << 20
VIRT_FLASH_SECTOR_SIZE = 256 << 10

CMD_READ_ARRAY_MODEL = 0x00      # QEMU's reset value, standing for 0xff
CMD_SINGLE_BYTE_PROGRAM = 0x10
CMD_BLOCK_ERASE = 0x20
CMD_BLOCK_ERASE_ALT = 0x28
CMD_PROGRAM = 0x40
CMD_CLEAR_STATUS = 0x50
CMD_LOCK = 0x60
CMD_READ_STATUS = 0x70
CMD_READ_ID = 0x90
CMD_CFI_QUERY = 0x98
CMD_CONFIRM = 0xD0
CMD_WRITE_TO_BUFFER = 0xE8
CMD_AMD_PROBE = 0xF0
CMD_READ_ARRAY = 0xFF

STATUS_READY = 0x80
STATUS_ERASE_ERROR = 0x20
STATUS_PROGRAM_ERROR = 0x10

CFI_TABLE_SIZE = 0x52

_STATUS_COMMANDS = frozenset({CMD_SINGLE_BYTE_PROGRAM, CMD_BLOCK_ERASE, CMD_BLOCK_ERASE_ALT,
                              CMD_PROGRAM, CMD_CLEAR_STATUS, CMD_LOCK, CMD_READ_STATUS,
                              CMD_WRITE_TO_BUFFER})


def _ctz(value: int) -> int:
    return (value & -value).bit_length() - 1 if value else 32


def _deposit32(value: int, start: int, length: int, field: int) -> int:
    mask = ((1 << length) - 1) << start
    return ((value & ~mask) | ((field << start) & mask)) & 0xFFFFFFFF


class PflashError(Exception):
    """A bad configuration; str() is QEMU's message."""


class PflashCfi01:
    """One flash bank.  Keyword arguments are QEMU's device properties
    (``width`` is the bank width in bytes)."""

    def __init__(self, *, name: str, num_blocks: int, sector_length: int, width: int,
                 device_width: int = 0, max_device_width: int = 0, big_endian: bool = False,
                 id0: int = 0, id1: int = 0, id2: int = 0, id3: int = 0,
                 image: RawImage | None = None, old_multiple_chip_handling: bool = False,
                 on_romd: Callable[[bool], None] | None = None) -> None:
        if sector_length == 0:
            raise PflashError('attribute "sector-length" not specified or zero.')
        if num_blocks == 0:
            raise PflashError('attribute "num-blocks" not specified or zero.')
        if not name:
            raise PflashError('attribute "name" not specified.')
        self.name = name
        self.num_blocks = num_blocks
        self.sector_length = sector_length
        self.bank_width = width
        self.device_width = device_width
        self.max_device_width = max_device_width or device_width
        self.big_endian = big_endian
        self.ident = (id0, id1, id2, id3)
        self.old_multiple_chip_handling = old_multiple_chip_handling
        self.size = sector_length * num_blocks
        self.image = image
        self.read_only = image is not None and image.read_only
        self.on_romd = on_romd
        if image is not None:
            if image.length != self.size:
                raise PflashError(f"device requires {self.size} bytes, block backend "
                                  f"provides {image.length} bytes")
            self.storage = bytearray(image.read(0, self.size))
        else:
            self.storage = bytearray(self.size)
        self.cfi_table = bytearray(CFI_TABLE_SIZE)
        self.writeblock_size = 0
        self._fill_cfi_table()
        self.block_bytes = bytearray(self.writeblock_size)
        self.romd = True
        self.reset()

    def _fill_cfi_table(self) -> None:
        devices = self.bank_width // self.device_width if self.device_width else 1
        if self.old_multiple_chip_handling:
            blocks, sector = self.num_blocks // devices, self.sector_length
        else:
            blocks, sector = self.num_blocks, self.sector_length // devices
        table = self.cfi_table
        table[0x10:0x13] = b"QRY"
        table[0x13] = 0x01              # Intel command set
        table[0x15] = 0x31              # extended table at 0x31
        table[0x1B], table[0x1C] = 0x45, 0x55
        table[0x1F], table[0x20], table[0x21] = 0x07, 0x07, 0x0A
        table[0x23], table[0x24], table[0x25] = 0x04, 0x04, 0x04
        table[0x27] = _ctz(sector * blocks)
        table[0x28] = 0x02
        table[0x2A] = 0x08 if self.bank_width == 1 else 0x0B
        self.writeblock_size = 1 << table[0x2A]
        if not self.old_multiple_chip_handling and devices > 1:
            self.writeblock_size *= devices
        table[0x2C] = 0x01
        table[0x2D] = (blocks - 1) & 0xFF
        table[0x2E] = ((blocks - 1) >> 8) & 0xFF
        table[0x2F] = (sector >> 8) & 0xFF
        table[0x30] = (sector >> 16) & 0xFF
        table[0x31:0x36] = b"PRI10"
        table[0x3F] = 0x01

    def reset(self) -> None:
        self.cmd = CMD_READ_ARRAY_MODEL
        self.wcycle = 0
        self.status = STATUS_READY
        self.counter = 0
        self.block_offset = -1
        self._set_romd(True)

    def _set_romd(self, romd: bool) -> None:
        if romd != self.romd:
            self.romd = romd
            if self.on_romd is not None:
                self.on_romd(romd)

    # -- reads ---------------------------------------------------------------

    def mmio_read(self, offset: int, size: int) -> int:
        if size == 8:
            return self.mmio_read(offset, 4) | (self.mmio_read(offset + 4, 4) << 32)
        if offset < 0 or offset + size > self.size:
            return 0
        return self._read(offset, size) & ((1 << (8 * size)) - 1)

    def _data_read(self, offset: int, width: int) -> int:
        return int.from_bytes(self.storage[offset:offset + width],
                              "big" if self.big_endian else "little")

    def _shift(self) -> int:
        return (_ctz(self.bank_width) + _ctz(self.max_device_width)
                - _ctz(self.device_width))

    def _replicate(self, response: int) -> int:
        if self.device_width < self.bank_width:
            for position in range(self.device_width, self.bank_width, self.device_width):
                response = _deposit32(response, 8 * position, 8 * self.device_width, response)
        return response

    def _cfi_query(self, offset: int) -> int:
        index = offset >> self._shift()
        if index >= CFI_TABLE_SIZE:
            return 0
        response = self.cfi_table[index]
        if self.device_width != self.max_device_width:
            if self.device_width != 1 or self.bank_width > 4:
                return 0
            for position in range(1, self.max_device_width):
                response = _deposit32(response, 8 * position, 8, self.cfi_table[index])
        return self._replicate(response)

    def _devid_query(self, offset: int) -> int:
        index = (offset >> self._shift()) & 0xFF
        if index > 1:
            return 0
        return self._replicate(self.ident[index])

    def _legacy_index(self, offset: int) -> int:
        index = offset & 0xFF
        if self.bank_width == 2:
            return index >> 1
        if self.bank_width == 4:
            return index >> 2
        return index

    def _read(self, offset: int, width: int) -> int:
        cmd = self.cmd
        if cmd == CMD_READ_ARRAY_MODEL:
            return self._data_read(offset, width)
        if cmd in _STATUS_COMMANDS:
            value = self.status
            if self.device_width and width > self.device_width:
                shift = self.device_width * 8
                while shift + self.device_width * 8 <= width * 8:
                    value |= self.status << shift
                    shift += self.device_width * 8
            elif not self.device_width and width > 2:
                value |= self.status << 16
            return value
        if cmd == CMD_READ_ID:
            if not self.device_width:
                index = self._legacy_index(offset)
                if index == 0:
                    return self.ident[0] << 8 | self.ident[1]
                if index == 1:
                    return self.ident[2] << 8 | self.ident[3]
                return 0
            return self._combine(offset, width, self._devid_query)
        if cmd == CMD_CFI_QUERY:
            if not self.device_width:
                index = self._legacy_index(offset)
                return self.cfi_table[index] if index < CFI_TABLE_SIZE else 0
            return self._combine(offset, width, self._cfi_query)
        self.wcycle = 0
        self.cmd = CMD_READ_ARRAY_MODEL
        return self._data_read(offset, width)

    def _combine(self, offset: int, width: int, query: Callable[[int], int]) -> int:
        value = 0xFFFFFFFF
        for position in range(0, width, self.bank_width):
            value = _deposit32(value, position * 8, self.bank_width * 8,
                               query(offset + position * self.bank_width))
        return value

    # -- writes ----------------------------------------------------------------

    def mmio_write(self, offset: int, size: int, value: int) -> bool:
        if size == 8:
            self.mmio_write(offset, 4, value & 0xFFFFFFFF)
            self.mmio_write(offset + 4, 4, value >> 32)
            return False
        if 0 <= offset and offset + size <= self.size:
            self._write(offset, value & ((1 << (8 * size)) - 1), size)
        return False

    def _update(self, offset: int, size: int) -> None:
        """Write the sectors covering the range back to the image."""
        if self.image is None:
            return
        start = offset - offset % SECTOR_SIZE
        end = min(-(-(offset + size) // SECTOR_SIZE) * SECTOR_SIZE, self.size)
        try:
            self.image.write(start, bytes(self.storage[start:end]))
        except (BlockError, OSError) as err:
            log.error("Could not update PFLASH: %s", err)

    def _data_write(self, offset: int, value: int, width: int) -> None:
        data = value.to_bytes(width, "big" if self.big_endian else "little")
        if self.block_offset != -1:
            if offset < self.block_offset or (
                    offset + width > self.block_offset + self.writeblock_size):
                self.status |= STATUS_PROGRAM_ERROR
                return
            start = offset - self.block_offset
            self.block_bytes[start:start + width] = data
        else:
            self.storage[offset:offset + width] = data

    def _read_array_mode(self) -> None:
        self._set_romd(True)
        self.wcycle = 0
        self.cmd = CMD_READ_ARRAY_MODEL

    def _write(self, offset: int, value: int, width: int) -> None:
        cmd = value & 0xFF
        if not self.wcycle:
            self._set_romd(False)
        if self.wcycle == 0:
            self._first_cycle(offset, cmd)
        elif self.wcycle == 1:
            self._second_cycle(offset, value, width, cmd)
        elif self.wcycle == 2:
            if self.cmd != CMD_WRITE_TO_BUFFER:
                self._unimplemented(offset, value)
                return
            if not self.read_only and self.block_offset != -1:
                self._data_write(offset, value, width)
            else:
                self.status |= STATUS_PROGRAM_ERROR
            self.status |= STATUS_READY
            if not self.counter:
                self.wcycle += 1
            self.counter = (self.counter - 1) & 0xFFFFFFFFFFFFFFFF
        elif self.wcycle == 3:
            if self.cmd == CMD_WRITE_TO_BUFFER and cmd == CMD_CONFIRM and not (
                    self.status & STATUS_PROGRAM_ERROR):
                self._flush_block()
                self.wcycle = 0
                self.status |= STATUS_READY
                return
            self.block_offset = -1
            if self.cmd == CMD_WRITE_TO_BUFFER:
                self._read_array_mode()
            else:
                self._unimplemented(offset, value)
        else:
            self._read_array_mode()

    def _first_cycle(self, offset: int, cmd: int) -> None:
        if cmd in (CMD_READ_ARRAY_MODEL, CMD_AMD_PROBE, CMD_READ_ARRAY):
            self._read_array_mode()
            return
        if cmd == CMD_CLEAR_STATUS:
            self.status = 0
            self._read_array_mode()
            return
        if cmd in (CMD_READ_STATUS, CMD_READ_ID):
            self.cmd = cmd
            return
        if cmd == CMD_BLOCK_ERASE:
            start = offset & ~(self.sector_length - 1)
            if not self.read_only:
                self.storage[start:start + self.sector_length] = b"\xff" * self.sector_length
                self._update(start, self.sector_length)
            else:
                self.status |= STATUS_ERASE_ERROR
            self.status |= STATUS_READY
        elif cmd == CMD_WRITE_TO_BUFFER:
            self.status |= STATUS_READY
        elif cmd not in (CMD_SINGLE_BYTE_PROGRAM, CMD_PROGRAM, CMD_LOCK, CMD_CFI_QUERY):
            self._unimplemented(offset, cmd)
            return
        self.wcycle += 1
        self.cmd = cmd

    def _second_cycle(self, offset: int, value: int, width: int, cmd: int) -> None:
        if self.cmd in (CMD_SINGLE_BYTE_PROGRAM, CMD_PROGRAM):
            if not self.read_only:
                self._data_write(offset, value, width)
                self._update(offset, width)
            else:
                self.status |= STATUS_PROGRAM_ERROR
            self.status |= STATUS_READY
            self.wcycle = 0
        elif self.cmd in (CMD_BLOCK_ERASE, CMD_BLOCK_ERASE_ALT):
            if cmd == CMD_CONFIRM:
                self.wcycle = 0
                self.status |= STATUS_READY
            elif cmd == CMD_READ_ARRAY:
                self._read_array_mode()
            else:
                self._unimplemented(offset, value)
        elif self.cmd == CMD_WRITE_TO_BUFFER:
            bits = (self.device_width or self.bank_width) * 8
            self.counter = value & ((1 << bits) - 1)
            self.wcycle += 1
            self.block_offset = offset & ~(self.writeblock_size - 1)
            self.block_bytes[:] = self.storage[self.block_offset:
                                               self.block_offset + self.writeblock_size]
        elif self.cmd == CMD_LOCK:
            if cmd in (CMD_CONFIRM, 0x01):
                self.wcycle = 0
                self.status |= STATUS_READY
            else:
                self._read_array_mode()
        elif self.cmd == CMD_CFI_QUERY:
            if cmd == CMD_READ_ARRAY:
                self._read_array_mode()
        else:
            self._unimplemented(offset, value)

    def _flush_block(self) -> None:
        start = self.block_offset
        end = min(start + self.writeblock_size, self.size)
        self.storage[start:end] = self.block_bytes[:end - start]
        self._update(start, end - start)
        self.block_offset = -1

    def _unimplemented(self, offset: int, value: int) -> None:
        log.debug("%s: unimplemented flash cmd sequence (offset 0x%x, wcycle 0x%x, cmd 0x%x, "
                  "value 0x%x)", self.name, offset, self.wcycle, self.cmd, value)
        self._read_array_mode()


def virt_flash(name: str, image: RawImage | None = None,
               on_romd: Callable[[bool], None] | None = None) -> PflashCfi01:
    """One of the riscv ``virt`` board's two flash banks (``virt.flash0``,
    ``virt.flash1``), as QEMU 7.2's virt_flash_create1 sets it up."""
    return PflashCfi01(name=name, num_blocks=VIRT_FLASH_SIZE // VIRT_FLASH_SECTOR_SIZE,
                       sector_length=VIRT_FLASH_SECTOR_SIZE, width=4, device_width=2,
                       id0=0x89, id1=0x18, id2=0x00, id3=0x00, image=image, on_romd=on_romd)
