"""Raw disk images: the block backend behind ``-drive format=raw``.

`open_image` opens a drive's file as QEMU's ``raw`` driver over a
``file`` node would: read-only when asked (or when ``media=cdrom``),
with ``snapshot=on`` keeping every write in memory, and with QEMU's
messages when the file cannot be opened or the format is not raw.
Without ``format=`` the image is probed as QEMU probes it; a probed raw
image refuses writes that would make its first sector look like another
format (QEMU's protection against a guest turning a raw disk into,
say, qcow2), and the warning QEMU prints is returned for the caller to
show.

Integration: the board opens each `emulator.drive.DriveSpec` with
``open_image(spec.file, spec.format, read_only=spec.read_only,
snapshot=spec.snapshot)`` and hands the `RawImage` to the device
(virtio-blk, pflash).  Errors are `BlockError`, whose str() is QEMU's
message (the caller adds the ``-drive ...:`` location).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field

SECTOR_SIZE = 512
PROBE_SIZE = 512
_OVERLAY_BLOCK = 4096

# First-sector signatures of the formats QEMU would probe instead of raw.
_FORMAT_MAGICS: tuple[tuple[str, int, bytes], ...] = (
    ("qcow2", 0, b"QFI\xfb\x00\x00\x00\x02"),
    ("qcow2", 0, b"QFI\xfb\x00\x00\x00\x03"),
    ("qcow", 0, b"QFI\xfb\x00\x00\x00\x01"),
    ("qed", 0, b"QED\x00"),
    ("vmdk", 0, b"KDMV"),
    ("vmdk", 0, b"COWD"),
    ("vdi", 0x40, b"\x7f\x10\xda\xbe"),
    ("vhdx", 0, b"vhdxfile"),
    ("vpc", 0, b"conectix"),
    ("luks", 0, b"LUKS\xba\xbe"),
    ("parallels", 0, b"WithoutFreeSpace"),
    ("parallels", 0, b"WithouFreSpacExt"),
    ("bochs", 0, b"Bochs Virtual HD Image"),
    ("cloop", 0, b"#!/bin/sh\n#V2.0 Format\n"),
)
# Formats QEMU has that this emulator does not read.
_KNOWN_FORMATS = frozenset({
    "qcow2", "qcow", "qed", "vmdk", "vdi", "vhdx", "vpc", "luks", "parallels", "bochs",
    "cloop", "dmg", "vvfat", "file", "host_device", "host_cdrom", "nbd", "blkdebug",
    "blkverify", "null-co", "null-aio", "throttle", "copy-on-read", "compress",
    "preallocate", "snapshot-access", "quorum", "replication", "iscsi", "rbd", "ssh",
    "http", "https", "ftp", "ftps", "gluster", "nfs", "nvme", "io_uring",
})


class BlockError(Exception):
    """An image that cannot be used; str() is QEMU's message."""


def probe_format(sector: bytes) -> str:
    """The format QEMU would guess from an image's first bytes."""
    for name, offset, magic in _FORMAT_MAGICS:
        if sector[offset:offset + len(magic)] == magic:
            return name
    return "raw"


@dataclass
class OpenedImage:
    image: RawImage
    warnings: list[str] = field(default_factory=list)


class RawImage:
    """A raw image file: byte-addressed reads and writes, flush,
    zeroing.  ``snapshot``: writes stay in memory and vanish on close."""

    def __init__(self, path: str, read_only: bool = False, snapshot: bool = False,
                 probed: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self.snapshot = snapshot
        self.probed = probed
        self._overlay: dict[int, bytearray] = {}
        flags = os.O_RDONLY if read_only or snapshot else os.O_RDWR
        try:
            self._fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
        except OSError as err:
            raise BlockError(f"Could not open '{path}': {os.strerror(err.errno or 0)}") from None
        self.length = os.lseek(self._fd, 0, os.SEEK_END)

    @property
    def sectors(self) -> int:
        """Size in 512-byte sectors (QEMU's blk_get_geometry)."""
        return self.length // SECTOR_SIZE

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> RawImage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self, offset: int, length: int) -> None:
        if offset < 0 or length < 0 or offset + length > self.length:
            raise BlockError(os.strerror(errno.EIO))

    def _read_file(self, offset: int, length: int) -> bytes:
        data = os.pread(self._fd, length, offset)
        return data + bytes(length - len(data))

    def read(self, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset`` (callers bound ``length``)."""
        self._check(offset, length)
        if not self._overlay:
            return self._read_file(offset, length)
        parts = []
        while length > 0:
            block, within = divmod(offset, _OVERLAY_BLOCK)
            size = min(length, _OVERLAY_BLOCK - within)
            cached = self._overlay.get(block)
            if cached is not None:
                parts.append(bytes(cached[within:within + size]))
            else:
                parts.append(self._read_file(offset, size))
            offset += size
            length -= size
        return b"".join(parts)

    def write(self, offset: int, data: bytes) -> None:
        """Store ``data``; BlockError (EPERM) on a read-only image or when a
        probed image's first sector would stop looking raw."""
        self._check(offset, len(data))
        if self.read_only:
            raise BlockError(os.strerror(errno.EPERM))
        if self.probed and offset < PROBE_SIZE and data:
            head = bytearray(self.read(0, min(PROBE_SIZE, self.length)))
            end = min(len(head), offset + len(data))
            head[offset:end] = data[:end - offset]
            if probe_format(bytes(head)) != "raw":
                raise BlockError(os.strerror(errno.EPERM))
        if self.snapshot:
            self._write_overlay(offset, data)
            return
        written = 0
        while written < len(data):
            written += os.pwrite(self._fd, data[written:], offset + written)

    def _write_overlay(self, offset: int, data: bytes) -> None:
        done = 0
        while done < len(data):
            block, within = divmod(offset + done, _OVERLAY_BLOCK)
            size = min(len(data) - done, _OVERLAY_BLOCK - within)
            cached = self._overlay.get(block)
            if cached is None:
                start = block * _OVERLAY_BLOCK
                cached = bytearray(self._read_file(start, min(_OVERLAY_BLOCK,
                                                              self.length - start)))
                self._overlay[block] = cached
            cached[within:within + size] = data[done:done + size]
            done += size

    def write_zeroes(self, offset: int, length: int) -> None:
        chunk = bytes(min(length, 1 << 20))
        while length > 0:
            size = min(length, len(chunk))
            self.write(offset, chunk[:size])
            offset += size
            length -= size

    def discard(self, offset: int, length: int) -> None:
        """A hint that the range is unused: nothing to do for a file."""
        self._check(offset, length)
        if self.read_only:
            raise BlockError(os.strerror(errno.EPERM))

    def flush(self) -> None:
        if not self.read_only and not self.snapshot:
            os.fsync(self._fd)


def open_image(path: str, image_format: str | None = None, *, read_only: bool = False,
               snapshot: bool = False) -> OpenedImage:
    """Open a drive's image as QEMU's ``-drive file=PATH,format=FORMAT``."""
    if image_format is not None and image_format != "raw":
        if image_format not in _KNOWN_FORMATS:
            raise BlockError(f"Unknown driver '{image_format}'")
    image = RawImage(path, read_only=read_only, snapshot=snapshot)
    try:
        guessed = probe_format(image.read(0, min(PROBE_SIZE, image.length)))
        if image_format is not None and image_format != "raw":
            if guessed != image_format:
                raise BlockError(f"Image is not in {image_format} format")
            raise BlockError(f"Block format '{image_format}' is not supported "
                             "(this emulator reads raw images only)")
        if image_format is None:
            if guessed != "raw":
                raise BlockError(f"Image '{path}' was probed as {guessed}, which is not "
                                 "supported (this emulator reads raw images only)")
            image.probed = True
            return OpenedImage(image, [
                f"Image format was not specified for '{path}' and probing guessed raw.\n"
                "         Automatically detecting the format is dangerous for raw images, "
                "write operations on block 0 will be restricted.\n"
                "         Specify the 'raw' format explicitly to remove the restrictions."])
    except BlockError:
        image.close()
        raise
    return OpenedImage(image)
