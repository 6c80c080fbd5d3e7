"""Buffered migration streams (QEMU's QEMUFile) over memory, files, sockets
and ``exec:`` commands.

Everything on the wire is big-endian.  A reader knows its offset, so
every error names where in the stream it happened, and it never
allocates more than the input can still deliver: a declared size is
checked against what remains (when the total is known) or against a cap,
and data is read in bounded chunks as it arrives.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
from typing import IO, Any, Protocol

from runtime.migration.errors import MigrationError, TruncatedStreamError

_CHUNK = 1 << 20
_FLUSH_AT = 1 << 18
# The largest single field or page run a reader accepts from a source of
# unknown length (a socket, a pipe).
DEFAULT_MAX_FIELD_BYTES = 1 << 30

_U8 = struct.Struct(">B")
_BE16 = struct.Struct(">H")
_BE32 = struct.Struct(">I")
_BE64 = struct.Struct(">Q")


class RawInput(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class RawOutput(Protocol):
    def write(self, data: bytearray, /) -> object: ...


class StreamReader:
    """Reads a migration stream: big-endian integers, counted strings, buffers.

    ``source`` is the whole stream (bytes) or an object with ``read``;
    ``total`` is the stream's length when known (files), which bounds
    every declared size.
    """

    def __init__(self, source: bytes | bytearray | memoryview | RawInput, *,
                 total: int | None = None, name: str = "stream",
                 max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES,
                 closer: object = None) -> None:
        self.name = name
        self.max_field_bytes = max_field_bytes
        self._base = 0
        self._pos = 0
        self._retain = 0
        self._closer = closer
        if isinstance(source, bytes | bytearray | memoryview):
            self._buf: bytes | bytearray = bytes(source)
            self._raw: RawInput | None = None
            self._eof = True
            self._total: int | None = len(self._buf)
        else:
            self._buf = bytearray()
            self._raw = source
            self._eof = False
            self._total = total
        self._end = len(self._buf)

    # -- position and limits -----------------------------------------------

    def tell(self) -> int:
        """The offset of the next byte to read."""
        return self._base + self._pos

    def remaining(self) -> int | None:
        """How many bytes are left, when the stream's length is known."""
        if self._total is None:
            return None
        return self._total - self.tell()

    def at_eof(self) -> bool:
        """Whether no byte is left (reading ahead if it must)."""
        if self._end > self._pos:
            return False
        if self._raw is None or self._eof:
            return True
        try:
            self._fill(1)
        except TruncatedStreamError:
            return True
        return False

    def check_size(self, nbytes: int, what: str) -> None:
        """Refuse a declared size the rest of the stream cannot hold."""
        if nbytes < 0:
            raise self.error(f"{what}: negative size {nbytes}")
        remaining = self.remaining()
        if remaining is not None and nbytes > remaining:
            raise self.error(f"{what}: {nbytes} bytes declared, but only {remaining} remain",
                             truncated=True)
        if remaining is None and nbytes > self.max_field_bytes:
            raise self.error(f"{what}: {nbytes} bytes declared, more than the "
                             f"{self.max_field_bytes} accepted")

    def error(self, msg: str, offset: int | None = None, truncated: bool = False) -> MigrationError:
        """An error at the current offset (or at ``offset``)."""
        cls = TruncatedStreamError if truncated else MigrationError
        return cls(msg, self.tell() if offset is None else offset)

    # -- buffer management -------------------------------------------------

    def _fill(self, n: int) -> None:
        """Make ``n`` bytes available from the current position."""
        if self._raw is None or self._eof:
            raise self._truncated(n)
        buf = self._buf
        assert isinstance(buf, bytearray)
        if self._retain == 0 and self._pos:
            del buf[:self._pos]
            self._base += self._pos
            self._end -= self._pos
            self._pos = 0
        while self._end - self._pos < n:
            want = min(max(n - (self._end - self._pos), 1 << 16), _CHUNK)
            chunk = self._raw.read(want)
            if not chunk:
                self._eof = True
                raise self._truncated(n)
            buf += chunk
            self._end += len(chunk)

    def _truncated(self, n: int) -> TruncatedStreamError:
        have = self._end - self._pos
        return TruncatedStreamError(
            f"stream ends after {have} of the {n} bytes needed here", self.tell())

    def retain(self) -> None:
        """Keep what is read from now on, so that ``data_since`` can return it."""
        self._retain += 1

    def release(self) -> None:
        self._retain -= 1

    def data_since(self, offset: int) -> bytes:
        """The bytes read since ``offset`` (which must be retained)."""
        start = offset - self._base
        if start < 0:
            raise MigrationError("internal: data before a released offset", offset)
        return bytes(self._buf[start:self._pos])

    # -- reads ---------------------------------------------------------------

    def get_u8(self) -> int:
        if self._pos >= self._end:
            self._fill(1)
        value = self._buf[self._pos]
        self._pos += 1
        return value

    def get_be16(self) -> int:
        return self.unpack(_BE16)[0]  # type: ignore[no-any-return]

    def get_be32(self) -> int:
        return self.unpack(_BE32)[0]  # type: ignore[no-any-return]

    def get_be64(self) -> int:
        return self.unpack(_BE64)[0]  # type: ignore[no-any-return]

    def unpack(self, layout: struct.Struct) -> tuple[Any, ...]:
        """Read one ``layout``'s worth of bytes and unpack them."""
        size = layout.size
        if self._end - self._pos < size:
            self._fill(size)
        values = layout.unpack_from(self._buf, self._pos)
        self._pos += size
        return values

    def get_bytes(self, n: int) -> bytes:
        """Read exactly ``n`` bytes."""
        if self._end - self._pos < n:
            self.check_size(n, "buffer")
            self._fill(n)
        data = self._buf[self._pos:self._pos + n]
        self._pos += n
        return bytes(data) if isinstance(data, bytearray) else data

    def skip(self, n: int) -> None:
        if self._end - self._pos < n:
            self.check_size(n, "skipped bytes")
            self._fill(n)
        self._pos += n

    def get_counted_string(self) -> bytes:
        """A one-byte length and that many bytes (section and block names)."""
        return self.get_bytes(self.get_u8())

    def peek_u8(self, ahead: int = 0) -> int | None:
        """The byte ``ahead`` bytes on, without consuming it; None at the end."""
        if self._end - self._pos <= ahead:
            try:
                self._fill(ahead + 1)
            except TruncatedStreamError:
                return None
        return self._buf[self._pos + ahead]

    def peek_bytes(self, n: int, ahead: int = 0) -> bytes:
        """Up to ``n`` bytes from ``ahead`` on, without consuming them."""
        if self._end - self._pos < ahead + n:
            try:
                self._fill(ahead + n)
            except TruncatedStreamError:
                pass
        return bytes(self._buf[self._pos + ahead:min(self._pos + ahead + n, self._end)])

    def close(self) -> None:
        closer = self._closer
        self._closer = None
        if closer is not None:
            closer.close()  # type: ignore[attr-defined]


class StreamWriter:
    """Writes a migration stream into memory, or through to a sink."""

    def __init__(self, sink: RawOutput | None = None, closer: object = None) -> None:
        self._buf = bytearray()
        self._flushed = 0
        self._sink = sink
        self._closer = closer

    def tell(self) -> int:
        """How many bytes have been written so far."""
        return self._flushed + len(self._buf)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._buf += data
        if self._sink is not None and len(self._buf) >= _FLUSH_AT:
            self.flush()

    def put_u8(self, value: int) -> None:
        self._buf.append(value)

    def put_be16(self, value: int) -> None:
        self._buf += _BE16.pack(value)

    def put_be32(self, value: int) -> None:
        self._buf += _BE32.pack(value)

    def put_be64(self, value: int) -> None:
        self._buf += _BE64.pack(value)

    def pack(self, layout: struct.Struct, *values: object) -> None:
        self._buf += layout.pack(*values)

    def put_counted_string(self, data: bytes) -> None:
        if len(data) > 255:
            raise MigrationError(f"name longer than 255 bytes: {data[:40]!r}...")
        self._buf.append(len(data))
        self._buf += data

    def flush(self) -> None:
        if self._sink is None or not self._buf:
            return
        try:
            # Sinks copy what they are given (files, sockets, pipes), so the
            # buffer is reused rather than copied: fresh memory costs page faults.
            self._sink.write(self._buf)
        except OSError as err:
            raise MigrationError(f"cannot write the stream: {err}", self.tell()) from err
        self._flushed += len(self._buf)
        self._buf.clear()

    def getvalue(self) -> bytes:
        """Everything written (an in-memory writer only)."""
        if self._sink is not None:
            raise MigrationError("internal: getvalue() on a writer with a sink")
        return bytes(self._buf)

    def close(self) -> None:
        self.flush()
        closer = self._closer
        self._closer = None
        if closer is not None:
            closer.close()  # type: ignore[attr-defined]


# -- channels ------------------------------------------------------------------


class _CommandChannel:
    """The standard input or output of an ``exec:`` command."""

    def __init__(self, command: str, writing: bool) -> None:
        self.command = command
        if writing:
            self.process = subprocess.Popen(["/bin/sh", "-c", command], stdin=subprocess.PIPE)
            assert self.process.stdin is not None
            self.pipe: IO[bytes] = self.process.stdin
        else:
            self.process = subprocess.Popen(["/bin/sh", "-c", command], stdout=subprocess.PIPE)
            assert self.process.stdout is not None
            self.pipe = self.process.stdout

    def read(self, size: int = -1) -> bytes:
        return self.pipe.read(size)

    def write(self, data: bytes | bytearray) -> int:
        return self.pipe.write(data)

    def close(self) -> None:
        try:
            self.pipe.close()
        except BrokenPipeError:
            pass
        status = self.process.wait()
        if status != 0:
            raise MigrationError(f"command '{self.command}' exited with status {status}")


class _SocketChannel:
    def __init__(self, sock: socket.socket, listener: socket.socket | None = None) -> None:
        self.sock = sock
        self.listener = listener
        self.file = sock.makefile("rb")

    def read(self, size: int = -1) -> bytes:
        return self.file.read1(size)

    def write(self, data: bytes | bytearray) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        self.file.close()
        self.sock.close()
        if self.listener is not None:
            self.listener.close()


def _socket_address(uri: str) -> tuple[int, str | tuple[str, int]]:
    if uri.startswith("unix:"):
        return socket.AF_UNIX, uri[len("unix:"):]
    host, _, port = uri[len("tcp:"):].rpartition(":")
    if not port.isdigit():
        raise MigrationError(f"bad migration address '{uri}'")
    return socket.AF_INET6 if ":" in host else socket.AF_INET, (host.strip("[]"), int(port))


def open_output(uri: str) -> StreamWriter:
    """A writer to ``exec:CMD``, ``unix:PATH``, ``tcp:HOST:PORT``, ``file:PATH`` or a path."""
    if uri.startswith("exec:"):
        channel = _CommandChannel(uri[len("exec:"):], writing=True)
        return StreamWriter(channel, channel)
    if uri.startswith(("unix:", "tcp:")):
        family, address = _socket_address(uri)
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.connect(address)
        except OSError as err:
            sock.close()
            raise MigrationError(f"cannot connect to {uri}: {err.strerror}") from err
        sock_channel = _SocketChannel(sock)
        return StreamWriter(sock_channel, sock_channel)
    path = uri[len("file:"):] if uri.startswith("file:") else uri
    try:
        out = open(path, "wb")
    except OSError as err:
        raise MigrationError(f"cannot open {path}: {err.strerror}") from err
    return StreamWriter(out, out)


def open_input(uri: str, *, max_field_bytes: int = DEFAULT_MAX_FIELD_BYTES) -> StreamReader:
    """A reader from ``exec:CMD``, ``unix:PATH``/``tcp:HOST:PORT`` (listening for
    one connection), ``file:PATH`` or a path."""
    if uri.startswith("exec:"):
        channel = _CommandChannel(uri[len("exec:"):], writing=False)
        return StreamReader(channel, name=uri, max_field_bytes=max_field_bytes, closer=channel)
    if uri.startswith(("unix:", "tcp:")):
        family, address = _socket_address(uri)
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.bind(address)
            listener.listen(1)
            sock, _ = listener.accept()
        except OSError as err:
            listener.close()
            raise MigrationError(f"cannot listen on {uri}: {err.strerror}") from err
        sock_channel = _SocketChannel(sock, listener)
        return StreamReader(sock_channel, name=uri, max_field_bytes=max_field_bytes,
                            closer=sock_channel)
    path = uri[len("file:"):] if uri.startswith("file:") else uri
    try:
        raw = open(path, "rb")
    except OSError as err:
        raise MigrationError(f"cannot open {path}: {err.strerror}") from err
    return StreamReader(raw, total=os.fstat(raw.fileno()).st_size, name=path,
                        max_field_bytes=max_field_bytes, closer=raw)
