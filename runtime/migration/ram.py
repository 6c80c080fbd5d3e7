"""The RAM section ("ram", version 4): guest memory, page by page.

Each record starts with a big-endian 64-bit word: a page offset in a RAM
block, with flags in its low bits (below the page size).  The first
record (MEM_SIZE) carries the total size, then the name and length of
every block.  A page record names its block unless CONTINUE says it is
the block of the previous page; a ZERO page carries one fill byte, a
normal PAGE the page's bytes.  EOS ends each part of the section.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from runtime.migration.errors import MigrationError
from runtime.migration.stream import StreamReader, StreamWriter

RAM_SAVE_FLAG_ZERO = 0x02
RAM_SAVE_FLAG_MEM_SIZE = 0x04
RAM_SAVE_FLAG_PAGE = 0x08
RAM_SAVE_FLAG_EOS = 0x10
RAM_SAVE_FLAG_CONTINUE = 0x20
RAM_SAVE_FLAG_XBZRLE = 0x40
RAM_SAVE_FLAG_HOOK = 0x80
RAM_SAVE_FLAG_COMPRESS_PAGE = 0x100

RAM_VERSION = 4
# Pages per SECTION_PART: bounds the time between other sections' turns.
PAGES_PER_PART = 1 << 16


@dataclass
class RamBlock:
    """A named, contiguous piece of guest memory."""

    name: str
    data: bytearray
    address: int = 0

    @property
    def length(self) -> int:
        return len(self.data)


@dataclass
class RamImage:
    """RAM as read from a stream with no guest memory to load into.

    ``sizes`` holds each block's announced length; ``pages`` the pages
    sent, by (block, offset): the fill byte of a zero page, or the bytes
    of a normal page.  Only pages in the stream are stored.
    """

    sizes: dict[str, int] = field(default_factory=dict)
    pages: dict[tuple[str, int], int | bytes] = field(default_factory=dict)
    addresses: dict[str, int] = field(default_factory=dict)


class RamMigration:
    """The "ram" section: a live handler for ``runtime.migration.savevm``.

    Saving sends every page of ``blocks`` once (in parts of
    ``PAGES_PER_PART``), zero pages as such; without blocks, the pages of
    ``image``.  Loading writes pages into ``blocks`` when given (they must
    match the stream's blocks by name and length, as in QEMU), else
    records them in ``image``.
    """

    version = RAM_VERSION

    def __init__(self, blocks: list[RamBlock] | None = None, page_size: int = 4096) -> None:
        if page_size & (page_size - 1) or page_size < 512:
            raise MigrationError(f"page size {page_size} is not a power of two >= 512")
        self.blocks = blocks
        self._by_name = {block.name: block for block in blocks or []}
        self.page_size = page_size
        self.image = RamImage()
        self._cursor: Iterator[tuple[str, int, int | bytes | bytearray]] | None = None
        self._last_received: str | None = None
        self.pages_sent = 0
        self.zero_pages_sent = 0
        self.ignore_shared = False

    # -- saving ------------------------------------------------------------

    def save_setup(self, out: StreamWriter) -> None:
        sizes = self._block_sizes()
        out.put_be64(sum(sizes.values()) | RAM_SAVE_FLAG_MEM_SIZE)
        for name, length in sizes.items():
            out.put_counted_string(name.encode())
            out.put_be64(length)
            if self.ignore_shared:
                out.put_be64(self._addresses().get(name, 0))
        out.put_be64(RAM_SAVE_FLAG_EOS)
        self._cursor = self._all_pages()

    def _addresses(self) -> dict[str, int]:
        if self.blocks is None:
            return self.image.addresses
        return {block.name: block.address for block in self.blocks}

    def _block_sizes(self) -> dict[str, int]:
        if self.blocks is None:
            return dict(self.image.sizes)
        return {block.name: block.length for block in self.blocks}

    def _all_pages(self) -> Iterator[tuple[str, int, int | bytes | bytearray]]:
        """Every page to send: (block, offset, fill byte or contents)."""
        if self.blocks is None:
            for (name, offset), content in self.image.pages.items():
                yield name, offset, content
            return
        size = self.page_size
        zero = bytes(size)
        for block in self.blocks:
            data = block.data
            for offset in range(0, block.length, size):
                page = data[offset:offset + size]
                if page == zero:
                    yield block.name, offset, 0
                elif len(page) < size:
                    yield block.name, offset, bytes(page) + bytes(size - len(page))
                else:
                    yield block.name, offset, page

    def save_iterate(self, out: StreamWriter) -> bool:
        assert self._cursor is not None
        sent = 0
        last: str | None = None
        for name, offset, content in self._cursor:
            flags = RAM_SAVE_FLAG_ZERO if isinstance(content, int) else RAM_SAVE_FLAG_PAGE
            if name == last:
                out.put_be64(offset | flags | RAM_SAVE_FLAG_CONTINUE)
            else:
                out.put_be64(offset | flags)
                out.put_counted_string(name.encode())
                last = name
            if isinstance(content, int):
                out.put_u8(content)
                self.zero_pages_sent += 1
            else:
                out.write(content)
            self.pages_sent += 1
            sent += 1
            if sent == PAGES_PER_PART:
                out.put_be64(RAM_SAVE_FLAG_EOS)
                return False
        out.put_be64(RAM_SAVE_FLAG_EOS)
        return True

    def save_complete(self, out: StreamWriter) -> None:
        out.put_be64(RAM_SAVE_FLAG_EOS)

    # -- loading -----------------------------------------------------------

    def load(self, inp: StreamReader, version_id: int) -> None:
        if version_id != RAM_VERSION:
            raise inp.error(f"unsupported RAM section version {version_id}")
        page_size = self.page_size
        mask = page_size - 1
        while True:
            start = inp.tell()
            word = inp.get_be64()
            flags = word & mask
            addr = word & ~mask
            kind = flags & ~RAM_SAVE_FLAG_CONTINUE
            if kind == RAM_SAVE_FLAG_EOS:
                return
            if kind == RAM_SAVE_FLAG_MEM_SIZE:
                self._load_block_list(inp, addr, start)
                continue
            if kind not in (RAM_SAVE_FLAG_ZERO, RAM_SAVE_FLAG_PAGE):
                raise inp.error(self._flags_message(flags), start)
            name = self._block_name(inp, flags, start)
            length = self.image.sizes[name]
            if addr + page_size > length:
                raise inp.error(f"page offset 0x{addr:x} is outside RAM block '{name}' "
                                f"(length 0x{length:x})", start)
            if kind == RAM_SAVE_FLAG_ZERO:
                self._store(name, addr, inp.get_u8())
            else:
                self._store(name, addr, inp.get_bytes(page_size))

    @staticmethod
    def _flags_message(flags: int) -> str:
        if flags & RAM_SAVE_FLAG_COMPRESS_PAGE:
            return "compressed pages are not supported"
        if flags & RAM_SAVE_FLAG_XBZRLE:
            return "XBZRLE pages are not supported"
        if flags & RAM_SAVE_FLAG_HOOK:
            return "RAM hooks (RDMA) are not supported"
        return f"unknown combination of RAM flags 0x{flags:x}"

    def _load_block_list(self, inp: StreamReader, total: int, start: int) -> None:
        local = {block.name: block for block in self.blocks} if self.blocks is not None else None
        while total:
            name = self._decode_name(inp.get_counted_string(), inp, start)
            length = inp.get_be64()
            if local is not None:
                block = local.get(name)
                if block is None:
                    raise inp.error(f"unknown RAM block '{name}'", start)
                if block.length != length:
                    raise inp.error(f"RAM block '{name}': length 0x{length:x} in the stream, "
                                    f"0x{block.length:x} here", start)
            if length > total:
                raise inp.error(f"RAM block '{name}' of 0x{length:x} bytes overruns the "
                                f"announced total", start)
            if self.ignore_shared:
                self.image.addresses[name] = inp.get_be64()
            self.image.sizes[name] = length
            total -= length

    def _block_name(self, inp: StreamReader, flags: int, start: int) -> str:
        if flags & RAM_SAVE_FLAG_CONTINUE:
            if self._last_received is None:
                raise inp.error("page continues a block, but no block was named", start)
            return self._last_received
        name = self._decode_name(inp.get_counted_string(), inp, start)
        if name not in self.image.sizes:
            raise inp.error(f"page of unknown RAM block '{name}'", start)
        self._last_received = name
        return name

    @staticmethod
    def _decode_name(raw: bytes, inp: StreamReader, start: int) -> str:
        try:
            return raw.decode()
        except UnicodeDecodeError:
            shown = raw[:40] + (b"..." if len(raw) > 40 else b"")
            raise inp.error(f"RAM block name {shown!r} is not UTF-8", start) from None

    def _store(self, name: str, addr: int, content: int | bytes) -> None:
        if self.blocks is None:
            self.image.pages[(name, addr)] = content
            return
        block = self._by_name[name]
        size = self.page_size
        if isinstance(content, int):
            if content or block.data[addr:addr + size] != bytes(size):
                block.data[addr:addr + size] = bytes([content]) * size
        else:
            block.data[addr:addr + size] = content
