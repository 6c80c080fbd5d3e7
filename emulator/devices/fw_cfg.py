"""fw_cfg: QEMU's firmware configuration device, memory-mapped with DMA.

Integration (QEMU 7.2's riscv ``virt``): one device at 0x10100000, mapped
with size `SIZE` (0x18): data register at +0 (8 bytes wide), selector at
+8 (16-bit, big-endian), DMA address at +16 (64-bit, big-endian).  No
interrupt.  The device tree node is ``/fw-cfg@10100000`` with compatible
``qemu,fw-cfg-mmio``.  The board builds it once the machine is done, as
QEMU does in ``virt_machine_done``:

    fw_cfg = FwCfg(Dma(memory), nographic=..., boot_menu=...)
    fw_cfg.add_i16(FW_CFG_NB_CPUS, smp_cpus)
    if pflash unit 1 is given:      # S-mode firmware loads the kernel
        setup_firmware_boot(fw_cfg, kernel_path, initrd_path, append)
    memory.add_mmio(0x10100000, SIZE, fw_cfg)
    ... on every system reset: fw_cfg.reset()

What a riscv ``virt`` guest finds, as on QEMU 7.2: signature ``QEMU``, id
3 (traditional interface and DMA), a zero UUID unless given, nographic,
boot menu, number of CPUs, and the files ``bios-geometry`` and
``bootorder`` (empty) and ``etc/boot-fail-wait`` (sorted by name).
Note that QEMU 7.2's riscv ``virt`` refuses ``-fw_cfg`` with "fw_cfg
device not available" (its fw_cfg is created after those options are
read); `parse_fw_cfg_option` checks the option as QEMU would when a
board has the device in time.

Accesses QEMU rejects (reads of the selector, data accesses away from
offset 0, DMA writes other than 4 bytes at 0 or 4 or 8 bytes at 0) read
as 0 and are ignored here; QEMU raises an access fault for them.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

from emulator.devices.dma import CHUNK, Dma, DmaError

SIZE = 0x18
DATA_OFFSET = 0
SELECTOR_OFFSET = 8
DMA_OFFSET = 16
DATA_WIDTH = 8

FW_CFG_SIGNATURE = 0x00
FW_CFG_ID = 0x01
FW_CFG_UUID = 0x02
FW_CFG_RAM_SIZE = 0x03
FW_CFG_NOGRAPHIC = 0x04
FW_CFG_NB_CPUS = 0x05
FW_CFG_MACHINE_ID = 0x06
FW_CFG_KERNEL_ADDR = 0x07
FW_CFG_KERNEL_SIZE = 0x08
FW_CFG_KERNEL_CMDLINE = 0x09
FW_CFG_INITRD_ADDR = 0x0A
FW_CFG_INITRD_SIZE = 0x0B
FW_CFG_BOOT_DEVICE = 0x0C
FW_CFG_NUMA = 0x0D
FW_CFG_BOOT_MENU = 0x0E
FW_CFG_MAX_CPUS = 0x0F
FW_CFG_KERNEL_ENTRY = 0x10
FW_CFG_KERNEL_DATA = 0x11
FW_CFG_INITRD_DATA = 0x12
FW_CFG_CMDLINE_ADDR = 0x13
FW_CFG_CMDLINE_SIZE = 0x14
FW_CFG_CMDLINE_DATA = 0x15
FW_CFG_SETUP_ADDR = 0x16
FW_CFG_SETUP_SIZE = 0x17
FW_CFG_SETUP_DATA = 0x18
FW_CFG_FILE_DIR = 0x19
FW_CFG_FILE_FIRST = 0x20
FW_CFG_FILE_SLOTS_MIN = 0x10
FW_CFG_FILE_SLOTS_DEFAULT = 0x20
FW_CFG_WRITE_CHANNEL = 0x4000
FW_CFG_ARCH_LOCAL = 0x8000
FW_CFG_ENTRY_MASK = 0x3FFF
FW_CFG_INVALID = 0xFFFF
FW_CFG_MAX_FILE_PATH = 56
FILE_ENTRY_SIZE = 64

FW_CFG_VERSION = 0x01
FW_CFG_VERSION_DMA = 0x02

FW_CFG_DMA_CTL_ERROR = 0x01
FW_CFG_DMA_CTL_READ = 0x02
FW_CFG_DMA_CTL_SKIP = 0x04
FW_CFG_DMA_CTL_SELECT = 0x08
FW_CFG_DMA_CTL_WRITE = 0x10
DMA_SIGNATURE = b"QEMU CFG"
DMA_ACCESS_SIZE = 16

LOAD_IMAGE_MAX_GUNZIP_BYTES = 256 << 20

WriteCallback = Callable[[int, int], None]


class FwCfgError(Exception):
    """A host-side mistake (duplicate file name, directory full); str()
    is QEMU's message."""


@dataclass
class Entry:
    data: bytearray
    allow_write: bool = False
    select_callback: Callable[[], None] | None = None
    write_callback: WriteCallback | None = None


class FwCfg:
    """The device: items by selector key, the file directory, the data,
    selector and DMA registers."""

    def __init__(self, dma: Dma | None, *, dma_enabled: bool = True,
                 file_slots: int = FW_CFG_FILE_SLOTS_DEFAULT, uuid: bytes = bytes(16),
                 nographic: bool = True, boot_menu: bool = False,
                 reboot_timeout: int = -1, splash_time: int | None = None) -> None:
        if file_slots < FW_CFG_FILE_SLOTS_MIN:
            raise FwCfgError(f'"file_slots" must be at least 0x{FW_CFG_FILE_SLOTS_MIN:x}')
        if file_slots > FW_CFG_ENTRY_MASK - FW_CFG_FILE_FIRST + 1:
            raise FwCfgError('"file_slots" must not exceed '
                             f"0x{FW_CFG_ENTRY_MASK - FW_CFG_FILE_FIRST + 1:x}")
        self.dma = dma
        self.dma_enabled = dma_enabled and dma is not None
        self.file_slots = file_slots
        self.max_entry = FW_CFG_FILE_FIRST + file_slots
        self.entries: tuple[dict[int, Entry], dict[int, Entry]] = ({}, {})
        self.files: list[tuple[str, int]] = []        # (name, key) in directory order
        self.cur_entry = FW_CFG_SIGNATURE
        self.cur_offset = 0
        self.dma_addr = 0
        self.add_bytes(FW_CFG_SIGNATURE, b"QEMU")
        self.add_bytes(FW_CFG_UUID, bytes(uuid))
        self.add_i16(FW_CFG_NOGRAPHIC, int(nographic))
        self.add_i16(FW_CFG_BOOT_MENU, int(boot_menu))
        if splash_time is not None:
            if not 0 <= splash_time <= 0xFFFF:
                raise FwCfgError("splash-time is invalid,"
                                 "it should be a value between 0 and 65535")
            self.add_file("etc/boot-menu-wait", splash_time.to_bytes(2, "little"))
        if reboot_timeout != -1 and not 0 <= reboot_timeout <= 0xFFFF:
            raise FwCfgError("reboot timeout is invalid,"
                             "it should be a value between -1 and 65535")
        self.add_file("etc/boot-fail-wait", (reboot_timeout & 0xFFFFFFFF).to_bytes(4, "little"))
        version = FW_CFG_VERSION | (FW_CFG_VERSION_DMA if self.dma_enabled else 0)
        self.add_i32(FW_CFG_ID, version)
        self.boot_order = b""
        self.boot_geometry = b""
        self.reset()

    # -- host side: items and files -----------------------------------------

    def _table(self, key: int) -> dict[int, Entry]:
        return self.entries[1 if key & FW_CFG_ARCH_LOCAL else 0]

    def _check_key(self, key: int) -> int:
        index = key & FW_CFG_ENTRY_MASK
        if index >= self.max_entry:
            raise FwCfgError(f"fw_cfg key 0x{key:x} is beyond the last entry")
        return index

    def add_bytes(self, key: int, data: bytes, read_only: bool = True,
                  select_callback: Callable[[], None] | None = None,
                  write_callback: WriteCallback | None = None) -> None:
        index = self._check_key(key)
        table = self._table(key)
        if index in table:
            raise FwCfgError(f"fw_cfg key 0x{key:x} is already in use")
        table[index] = Entry(bytearray(data), not read_only, select_callback, write_callback)

    def modify_bytes(self, key: int, data: bytes) -> None:
        """Replace an item's data (it becomes read-only, callbacks dropped)."""
        index = self._check_key(key)
        self._table(key)[index] = Entry(bytearray(data))

    def add_string(self, key: int, value: str) -> None:
        self.add_bytes(key, value.encode() + b"\0")

    def add_i16(self, key: int, value: int) -> None:
        self.add_bytes(key, (value & 0xFFFF).to_bytes(2, "little"))

    def add_i32(self, key: int, value: int) -> None:
        self.add_bytes(key, (value & 0xFFFFFFFF).to_bytes(4, "little"))

    def add_i64(self, key: int, value: int) -> None:
        self.add_bytes(key, (value & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little"))

    def modify_i16(self, key: int, value: int) -> None:
        self.modify_bytes(key, (value & 0xFFFF).to_bytes(2, "little"))

    def modify_i32(self, key: int, value: int) -> None:
        self.modify_bytes(key, (value & 0xFFFFFFFF).to_bytes(4, "little"))

    def modify_i64(self, key: int, value: int) -> None:
        self.modify_bytes(key, (value & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little"))

    def add_file(self, name: str, data: bytes, read_only: bool = True,
                 select_callback: Callable[[], None] | None = None,
                 write_callback: WriteCallback | None = None) -> int:
        """Add a named item; files are kept sorted by name (QEMU's order
        for machines without legacy ordering) and renumbered from
        FW_CFG_FILE_FIRST.  Returns the file's selector key."""
        stored_name = name.encode()[:FW_CFG_MAX_FILE_PATH - 1].decode(errors="ignore")
        if len(self.files) >= self.file_slots:
            raise FwCfgError("fw_cfg file directory is full")
        if any(existing == stored_name for existing, _ in self.files):
            raise FwCfgError(f"duplicate fw_cfg file name: {stored_name}")
        position = len(self.files)
        while position > 0 and stored_name.encode() < self.files[position - 1][0].encode():
            position -= 1
        entries = self.entries[0]
        for index in range(len(self.files), position, -1):
            entries[FW_CFG_FILE_FIRST + index] = entries.pop(FW_CFG_FILE_FIRST + index - 1)
        entries[FW_CFG_FILE_FIRST + position] = Entry(bytearray(data), not read_only,
                                                      select_callback, write_callback)
        self.files.insert(position, (stored_name, FW_CFG_FILE_FIRST + position))
        self.files = [(file_name, FW_CFG_FILE_FIRST + index)
                      for index, (file_name, _) in enumerate(self.files)]
        self._update_directory()
        return FW_CFG_FILE_FIRST + position

    def modify_file(self, name: str, data: bytes) -> None:
        """Replace a file's data, or add it."""
        for file_name, key in self.files:
            if file_name == name:
                self.entries[0][key] = Entry(bytearray(data))
                self._update_directory()
                return
        self.add_file(name, data)

    def file_key(self, name: str) -> int | None:
        for file_name, key in self.files:
            if file_name == name:
                return key
        return None

    def _update_directory(self) -> None:
        directory = bytearray(4 + FILE_ENTRY_SIZE * self.file_slots)
        directory[0:4] = len(self.files).to_bytes(4, "big")
        for index, (name, key) in enumerate(self.files):
            start = 4 + FILE_ENTRY_SIZE * index
            size = len(self.entries[0][key].data)
            directory[start:start + 4] = size.to_bytes(4, "big")
            directory[start + 4:start + 6] = key.to_bytes(2, "big")
            encoded = name.encode()
            directory[start + 8:start + 8 + len(encoded)] = encoded
        existing = self.entries[0].get(FW_CFG_FILE_DIR)
        if existing is None:
            self.entries[0][FW_CFG_FILE_DIR] = Entry(directory)
        else:
            existing.data[:] = directory

    def read_item(self, key: int) -> bytes | None:
        """An item's data as the guest would read it (None when absent)."""
        entry = self._table(key).get(key & FW_CFG_ENTRY_MASK)
        return None if entry is None else bytes(entry.data)

    # -- resets --------------------------------------------------------------

    def reset(self) -> None:
        """System reset: QEMU's machine reset refreshes ``bootorder`` and
        ``bios-geometry``; the device selects the signature."""
        self.modify_file("bootorder", self.boot_order)
        self.modify_file("bios-geometry", self.boot_geometry)
        self.select(FW_CFG_SIGNATURE)

    # -- guest side --------------------------------------------------------

    def _current(self) -> Entry | None:
        if self.cur_entry == FW_CFG_INVALID:
            return None
        return self._table(self.cur_entry).get(self.cur_entry & FW_CFG_ENTRY_MASK)

    def select(self, key: int) -> bool:
        self.cur_offset = 0
        if (key & FW_CFG_ENTRY_MASK) >= self.max_entry:
            self.cur_entry = FW_CFG_INVALID
            return False
        self.cur_entry = key
        entry = self._current()
        if entry is not None and entry.select_callback is not None:
            entry.select_callback()
        return True

    def data_read(self, size: int) -> int:
        """The next ``size`` bytes of the item in string order, padded
        with zeros past its end."""
        entry = self._current()
        if entry is None or self.cur_offset >= len(entry.data):
            return 0
        chunk = bytes(entry.data[self.cur_offset:self.cur_offset + size])
        self.cur_offset += len(chunk)
        return int.from_bytes(chunk + bytes(size - len(chunk)), "little")

    def mmio_read(self, offset: int, size: int) -> int:
        if offset == DATA_OFFSET and size <= DATA_WIDTH:
            return self.data_read(size)
        if self.dma_enabled and DMA_OFFSET <= offset and offset + size <= DMA_OFFSET + 8:
            start = offset - DMA_OFFSET
            return int.from_bytes(DMA_SIGNATURE[start:start + size], "little")
        return 0

    def mmio_write(self, offset: int, size: int, value: int) -> bool:
        if offset == SELECTOR_OFFSET and size == 2:
            self.select(int.from_bytes(value.to_bytes(2, "little"), "big"))
        elif self.dma_enabled and offset in (DMA_OFFSET, DMA_OFFSET + 4):
            swapped = int.from_bytes((value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"),
                                     "big")
            if size == 4 and offset == DMA_OFFSET:
                self.dma_addr = swapped << 32
            elif size == 4:
                self.dma_addr |= swapped
                self.dma_transfer()
            elif size == 8 and offset == DMA_OFFSET:
                self.dma_addr = swapped
                self.dma_transfer()
        return False

    def dma_transfer(self) -> None:
        """Carry out the FWCfgDmaAccess at the DMA address register."""
        assert self.dma is not None
        address, self.dma_addr = self.dma_addr, 0
        try:
            access = self.dma.read(address, DMA_ACCESS_SIZE)
        except DmaError:
            self._store_control(address, FW_CFG_DMA_CTL_ERROR)
            return
        control = int.from_bytes(access[0:4], "big")
        length = int.from_bytes(access[4:8], "big")
        target = int.from_bytes(access[8:16], "big")
        if control & FW_CFG_DMA_CTL_SELECT:
            self.select(control >> 16)
        read = write = False
        if control & FW_CFG_DMA_CTL_READ:
            read = True
        elif control & FW_CFG_DMA_CTL_WRITE:
            write = True
        elif not control & FW_CFG_DMA_CTL_SKIP:
            length = 0
        self._store_control(address, self._dma_loop(read, write, length, target))

    def _dma_loop(self, read: bool, write: bool, length: int, target: int) -> int:
        assert self.dma is not None
        entry = self._current()
        status = 0
        while length > 0 and not status & FW_CFG_DMA_CTL_ERROR:
            if entry is None or self.cur_offset >= len(entry.data):
                size = length
                if read:
                    try:
                        self.dma.fill(target, size)
                    except DmaError:
                        status |= FW_CFG_DMA_CTL_ERROR
                if write:
                    status |= FW_CFG_DMA_CTL_ERROR
            else:
                size = min(length, len(entry.data) - self.cur_offset)
                if read:
                    status |= self._copy_out(entry, target, size)
                if write:
                    status |= self._copy_in(entry, target, size, size != length)
                self.cur_offset += size
            target = (target + size) & 0xFFFFFFFFFFFFFFFF
            length -= size
        return status

    def _copy_out(self, entry: Entry, target: int, size: int) -> int:
        assert self.dma is not None
        done = 0
        try:
            while done < size:
                piece = min(size - done, CHUNK)
                start = self.cur_offset + done
                self.dma.write(target + done, bytes(entry.data[start:start + piece]))
                done += piece
        except DmaError:
            return FW_CFG_DMA_CTL_ERROR
        return 0

    def _copy_in(self, entry: Entry, source: int, size: int, truncated: bool) -> int:
        assert self.dma is not None
        if not entry.allow_write or truncated:
            return FW_CFG_DMA_CTL_ERROR
        try:
            data = b"".join(self.dma.read_chunks(source, size))
        except DmaError:
            return FW_CFG_DMA_CTL_ERROR
        entry.data[self.cur_offset:self.cur_offset + size] = data
        if entry.write_callback is not None:
            entry.write_callback(self.cur_offset, size)
        return 0

    def _store_control(self, address: int, control: int) -> None:
        assert self.dma is not None
        try:
            self.dma.write(address, control.to_bytes(4, "big"))
        except DmaError:
            pass


def load_kernel_image(data: bytes) -> bytes:
    """A kernel as QEMU puts it in fw_cfg: gunzipped if it is gzip data
    (at most 256 MiB of it), as is otherwise."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(
            data, LOAD_IMAGE_MAX_GUNZIP_BYTES)
    except zlib.error:
        return data


def setup_firmware_boot(fw_cfg: FwCfg, kernel: bytes | None, initrd: bytes | None = None,
                        cmdline: str | None = "") -> None:
    """Expose the kernel, initrd and command line for S-mode firmware
    (QEMU's riscv_setup_firmware_boot, used with ``-drive if=pflash,unit=1``)."""
    if kernel is None:
        return
    image = load_kernel_image(kernel)
    fw_cfg.add_i32(FW_CFG_KERNEL_SIZE, len(image))
    fw_cfg.add_bytes(FW_CFG_KERNEL_DATA, image)
    if initrd is not None:
        fw_cfg.add_i32(FW_CFG_INITRD_SIZE, len(initrd))
        fw_cfg.add_bytes(FW_CFG_INITRD_DATA, initrd)
    if cmdline is not None:
        fw_cfg.add_i32(FW_CFG_CMDLINE_SIZE, len(cmdline.encode()) + 1)
        fw_cfg.add_string(FW_CFG_CMDLINE_DATA, cmdline)


@dataclass(frozen=True)
class FwCfgItem:
    """One ``-fw_cfg``: a file named ``name`` holding ``data``."""

    name: str
    data: bytes
    warning: str | None = None


def parse_fw_cfg_option(name: str | None, file: str | None = None, string: str | None = None,
                        gen_id: str | None = None) -> FwCfgItem:
    """Check a ``-fw_cfg [name=]NAME,file=PATH|string=TEXT`` as QEMU does
    (``gen_id`` generators are not available: objects are not modelled).
    Raises FwCfgError with QEMU's message."""
    given = sum(1 for value in (file, string, gen_id) if value)
    if not name or given != 1:
        raise FwCfgError("name, plus exactly one of file, string and gen_id, are needed")
    if len(name.encode()) > FW_CFG_MAX_FILE_PATH - 1:
        raise FwCfgError(f"name too long (max. {FW_CFG_MAX_FILE_PATH - 1} char)")
    if gen_id:
        raise FwCfgError(f"Cannot find object ID '{gen_id}'")
    warning = None if name.startswith("opt/") else (
        'externally provided fw_cfg item names should be prefixed with "opt/"')
    if string:
        return FwCfgItem(name, string.encode(), warning)
    assert file is not None
    try:
        with open(file, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise FwCfgError(f"can't load {file}: Failed to open file “{file}”: "
                         f"{err.strerror}") from None
    return FwCfgItem(name, data, warning)
