"""Character devices: where a monitor or a serial port reads and writes.

``-chardev BACKEND,id=ID,...`` creates one; ``-qmp``, ``-monitor`` and
``-serial`` take QEMU's older one-string form (``unix:PATH,server=on``,
``tcp:HOST:PORT,...``, ``stdio``, ``null``, ``file:PATH``), which
`parse_compat` turns into the same options.

A chardev hands each client connection to its frontend (a monitor, a
UART), which gets a `CharSession` back per connection.  A listening
socket serves every client that connects, each in its own session
(QEMU serves one at a time; see `SocketChardev`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import stat
import sys
import termios
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from emulator.qemu_opts import OptDesc, Opts, OptsError, OptsList, OptType, do_parse

STRING, BOOL, NUMBER = OptType.STRING, OptType.BOOL, OptType.NUMBER

CHARDEV_OPT_DESCS = [
    OptDesc(name, kind) for name, kind in (
        ("backend", STRING), ("path", STRING), ("host", STRING), ("port", STRING),
        ("fd", STRING), ("localaddr", STRING), ("localport", STRING), ("to", NUMBER),
        ("ipv4", BOOL), ("ipv6", BOOL), ("wait", BOOL), ("server", BOOL), ("delay", BOOL),
        ("nodelay", BOOL), ("reconnect", NUMBER), ("telnet", BOOL), ("tn3270", BOOL),
        ("websocket", BOOL), ("tls-creds", STRING), ("tls-authz", STRING),
        ("width", NUMBER), ("height", NUMBER), ("cols", NUMBER), ("rows", NUMBER),
        ("mux", BOOL), ("signal", BOOL), ("name", STRING), ("debug", NUMBER),
        ("size", OptType.SIZE), ("chardev", STRING), ("append", BOOL),
        ("logfile", STRING), ("logappend", BOOL), ("tight", BOOL), ("abstract", BOOL))]


def chardev_opts_list() -> OptsList:
    """A fresh ``-chardev`` option list (one per command line)."""
    return OptsList("chardev", implied_opt_name="backend", desc=list(CHARDEV_OPT_DESCS))

# Backends QEMU has that cyqemu does not (yet).
_UNSUPPORTED_BACKENDS = frozenset((
    "pty", "pipe", "udp", "vc", "ringbuf", "memory", "serial", "tty", "parallel",
    "parport", "msmouse", "wctablet", "braille", "testdev", "spicevmc", "spiceport",
    "qemu-vdagent", "dbus", "console"))
_BACKENDS = frozenset(("null", "stdio", "socket", "file"))


class ChardevError(Exception):
    """A chardev that cannot be created; str() is QEMU's message."""


class CharConnection(Protocol):
    """One client of a chardev, as its frontend sees it."""

    def write(self, data: bytes) -> None: ...
    def pause_reading(self) -> None: ...
    def resume_reading(self) -> None: ...
    def close(self) -> None: ...


class CharSession(Protocol):
    """What a frontend does with one connection."""

    def data_received(self, data: bytes) -> None: ...
    def connection_lost(self) -> None: ...
    def pause_writing(self) -> None: ...
    def resume_writing(self) -> None: ...


Frontend = Callable[[CharConnection], CharSession]


def parse_compat(opts_list: OptsList, label: str, spec: str,
                 permit_mux_mon: bool = True) -> Opts:
    """The chardev options for an old-style ``spec`` (``-qmp``, ``-serial``),
    added to ``opts_list``."""
    opts = opts_list.create(label)
    try:
        _fill_compat(opts, spec, permit_mux_mon)
    except BaseException:
        opts.delete()
        raise
    return opts


def _fill_compat(opts: Opts, spec: str, permit_mux_mon: bool) -> None:
    if spec.startswith("mon:"):
        if not permit_mux_mon:
            raise ChardevError("mon: isn't supported in this context")
        spec = spec[4:]
        opts.set("mux", "on")
        if spec == "stdio":
            opts.set("signal", "off")
    if spec in ("null", "pty", "msmouse", "wctablet", "braille", "testdev", "stdio"):
        opts.set("backend", spec)
        return
    for prefix, backend in (("file:", "file"), ("pipe:", "pipe")):
        if spec.startswith(prefix):
            opts.set("backend", backend)
            opts.set("path", spec[len(prefix):])
            return
    for prefix in ("tcp:", "telnet:", "tn3270:", "websocket:"):
        if spec.startswith(prefix):
            rest = spec[len(prefix):]
            address, _, options = rest.partition(",")
            host, colon, port = address.partition(":")
            if not colon or not port:
                raise ChardevError("")  # QEMU says no more than "parse error"
            opts.set("backend", "socket")
            opts.set("host", host)
            opts.set("port", port)
            if options:
                do_parse(opts, options)
            if prefix != "tcp:":
                opts.set(prefix[:-1], "on")
            return
    if spec.startswith("unix:"):
        opts.set("backend", "socket")
        do_parse(opts, spec[5:], "path")
        return
    if spec.startswith("/dev/"):
        opts.set("backend", "serial")
        opts.set("path", spec)
        return
    raise ChardevError(f"'{spec}' is not a valid char driver")


@dataclass
class SocketAddress:
    """Where a socket chardev listens or connects."""

    path: str | None = None
    host: str = ""
    port: str = ""

    def describe(self) -> str:
        return f"unix:{self.path}" if self.path is not None else f"tcp:{self.host}:{self.port}"


class Chardev:
    """A character device; subclasses know their backend."""

    def __init__(self, chardev_id: str, opts: Opts) -> None:
        self.id = chardev_id
        self.opts = opts
        self.frontend: Frontend | None = None
        self.sessions: list[CharSession] = []
        self.endpoints: list[Endpoint] = []

    def attach(self, frontend: Frontend) -> None:
        """Give the chardev its frontend (a monitor, a serial port); the
        connections already open get their sessions now."""
        self.frontend = frontend
        for endpoint in list(self.endpoints):
            endpoint.open()

    async def start(self) -> None:
        """Open the backend (in the running loop); raises ChardevError."""

    def close(self) -> None:
        """Close the backend and every connection."""

    def _open_session(self, connection: CharConnection) -> CharSession | None:
        if self.frontend is None:
            return None
        session = self.frontend(connection)
        self.sessions.append(session)
        return session

    def _session_closed(self, session: CharSession) -> None:
        if session in self.sessions:
            self.sessions.remove(session)
        session.connection_lost()


class Endpoint:
    """One connection of a chardev and the session on it.  A connection may
    open before the chardev has a frontend (a serial port attaches when the
    machine is built): its input waits until then."""

    def __init__(self, chardev: Chardev, connection: CharConnection) -> None:
        self.chardev = chardev
        self.connection = connection
        self.session: CharSession | None = None
        self._early = bytearray()
        chardev.endpoints.append(self)
        self.open()

    def open(self) -> None:
        if self.session is not None or self.chardev.frontend is None:
            return
        self.session = self.chardev._open_session(self.connection)
        if self.session is not None and self._early:
            early, self._early = bytes(self._early), bytearray()
            self.session.data_received(early)

    def data_received(self, data: bytes) -> None:
        if self.session is not None:
            self.session.data_received(data)
        else:
            self._early += data

    def lost(self) -> None:
        if self in self.chardev.endpoints:
            self.chardev.endpoints.remove(self)
        if self.session is not None:
            session, self.session = self.session, None
            self.chardev._session_closed(session)


class NullChardev(Chardev):
    """Discards output, never has input."""


class _StreamProtocol(asyncio.Protocol):
    """An asyncio connection carrying one chardev session."""

    def __init__(self, chardev: Chardev) -> None:
        self.chardev = chardev
        self.transport: asyncio.Transport | None = None
        self.endpoint: Endpoint | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if isinstance(self.chardev, SocketChardev):
            self.chardev.connections.append(transport)
        self.endpoint = Endpoint(self.chardev, _TransportConnection(transport))

    def data_received(self, data: bytes) -> None:
        if self.endpoint is not None:
            self.endpoint.data_received(data)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if isinstance(self.chardev, SocketChardev) and self.transport in self.chardev.connections:
            self.chardev.connections.remove(self.transport)
        if self.endpoint is not None:
            endpoint, self.endpoint = self.endpoint, None
            endpoint.lost()

    def pause_writing(self) -> None:
        if self.endpoint is not None and self.endpoint.session is not None:
            self.endpoint.session.pause_writing()

    def resume_writing(self) -> None:
        if self.endpoint is not None and self.endpoint.session is not None:
            self.endpoint.session.resume_writing()


class _TransportConnection:
    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def write(self, data: bytes) -> None:
        if not self._transport.is_closing():
            self._transport.write(data)

    def pause_reading(self) -> None:
        if not self._transport.is_closing():
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if not self._transport.is_closing():
            self._transport.resume_reading()

    def close(self) -> None:
        self._transport.close()


class SocketChardev(Chardev):
    """A Unix or TCP socket, listening (``server=on``) or connecting.

    A listening chardev serves every client that connects, each in a
    session of its own, where QEMU serves one client at a time and keeps
    the others waiting; a client sees no difference but not having to
    wait.  ``wait=on`` (the default when listening) holds start-up until
    the first client is there.
    """

    def __init__(self, chardev_id: str, opts: Opts) -> None:
        super().__init__(chardev_id, opts)
        path = opts.get("path")
        host = opts.get("host")
        if sum(value is not None for value in (path, opts.get("fd"), host)) > 1:
            raise ChardevError("None or one of 'path', 'fd' or 'host' option required.")
        if host is not None and opts.get("port") is None:
            raise ChardevError("chardev: socket: no port given")
        if path is None and host is None:
            if opts.get("fd") is None:
                raise ChardevError("Unable to parse FD number ")
            raise ChardevError("chardev: socket: fd= is not supported by cyqemu")
        for unsupported in ("telnet", "tn3270", "websocket", "tls-creds", "reconnect"):
            if opts.get(unsupported) is not None and opts.get(unsupported) != "off":
                raise ChardevError(f"chardev: socket: '{unsupported}' is not supported by cyqemu")
        self.address = SocketAddress(path, host or "", opts.get("port") or "")
        self.server = opts.get_bool("server", False)
        self.wait = opts.get_bool("wait", True) if self.server else False
        self.connections: list[asyncio.Transport] = []
        self._server: asyncio.AbstractServer | None = None
        self._first_client: asyncio.Event | None = None

    def describe(self) -> str:
        flags = ",server=on" if self.server else ""
        return f"disconnected:{self.address.describe()}{flags}"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._first_client = asyncio.Event()

        def protocol() -> _StreamProtocol:
            assert self._first_client is not None
            self._first_client.set()
            return _StreamProtocol(self)

        if self.server:
            try:
                if self.address.path is not None:
                    with contextlib.suppress(FileNotFoundError):
                        if not os.path.isdir(self.address.path):
                            os.unlink(self.address.path)
                    self._server = await loop.create_unix_server(protocol, self.address.path)
                else:
                    self._server = await loop.create_server(
                        protocol, self.address.host or None, int(self.address.port),
                        reuse_address=True)
            except (OSError, ValueError) as err:
                raise ChardevError(self._bind_error(err)) from None
            return
        try:
            if self.address.path is not None:
                await loop.create_unix_connection(protocol, self.address.path)
            else:
                await loop.create_connection(protocol, self.address.host or "localhost",
                                             int(self.address.port))
        except (OSError, ValueError) as err:
            raise ChardevError(f"Failed to connect to '{self._target()}': "
                               f"{_strerror(err)}") from None

    def _target(self) -> str:
        if self.address.path is not None:
            return self.address.path
        return f"{self.address.host}:{self.address.port}"

    def _bind_error(self, err: Exception) -> str:
        if self.address.path is not None:
            return f"Failed to bind socket to {self.address.path}: {_strerror(err)}"
        return f"Failed to bind socket: {_strerror(err)}"

    async def wait_for_client(self) -> None:
        """With ``wait=on``: return once a client has connected."""
        if self._first_client is not None:
            await self._first_client.wait()

    def listening_addresses(self) -> list[tuple[str, int] | str]:
        """Where the server listens (a TCP port of 0 becomes the real one)."""
        if not isinstance(self._server, asyncio.Server):
            return []
        return [sock.getsockname() for sock in self._server.sockets]

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
            if self.address.path is not None:
                with contextlib.suppress(OSError):
                    os.unlink(self.address.path)
        for transport in list(self.connections):
            transport.close()


class StdioChardev(Chardev):
    """The emulator's standard input and output.  A terminal is put in raw
    mode while the emulator runs, as QEMU does (Ctrl-C still interrupts
    unless ``signal=off``, which ``mon:stdio`` implies)."""

    def __init__(self, chardev_id: str, opts: Opts) -> None:
        super().__init__(chardev_id, opts)
        self._reader: asyncio.BaseTransport | None = None
        self._endpoint: Endpoint | None = None
        self._saved_tty: list[Any] | None = None

    def _raw_terminal(self) -> None:
        fd = sys.stdin.fileno() if sys.stdin is not None else -1
        if fd < 0 or not os.isatty(fd):
            return
        self._saved_tty = termios.tcgetattr(fd)
        tty = termios.tcgetattr(fd)
        tty[0] &= ~(termios.IGNBRK | termios.BRKINT | termios.PARMRK | termios.ISTRIP
                    | termios.INLCR | termios.IGNCR | termios.ICRNL | termios.IXON)
        tty[1] |= termios.OPOST
        tty[3] &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.IEXTEN)
        if not self.opts.get_bool("signal", True):
            tty[3] &= ~termios.ISIG
        tty[2] = (tty[2] & ~(termios.CSIZE | termios.PARENB)) | termios.CS8
        tty[6][termios.VMIN] = 1
        tty[6][termios.VTIME] = 0
        termios.tcsetattr(fd, termios.TCSANOW, tty)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._raw_terminal()
        self._endpoint = endpoint = Endpoint(self, _StdoutConnection(self))
        protocol = _StdinProtocol(endpoint)
        if _pollable(sys.stdin):
            try:
                self._reader, _ = await loop.connect_read_pipe(lambda: protocol, sys.stdin)
                return
            except (ValueError, OSError):
                pass
        # A regular file or /dev/null: read it all at once.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            data = sys.stdin.buffer.read()
            if data:
                endpoint.data_received(data)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._saved_tty is not None:
            with contextlib.suppress(OSError, termios.error):
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, self._saved_tty)
            self._saved_tty = None


def _pollable(stream: Any) -> bool:
    """Whether the loop can wait for input on `stream` (a pipe, a socket or
    a terminal; not a regular file, nor /dev/null)."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or (
        stat.S_ISCHR(mode) and os.isatty(stream.fileno()))


class _StdoutConnection:
    def __init__(self, chardev: StdioChardev) -> None:
        self._chardev = chardev
        self.is_terminal = chardev._saved_tty is not None

    def write(self, data: bytes) -> None:
        try:
            os.write(sys.stdout.fileno(), data)
        except OSError:
            pass

    def pause_reading(self) -> None:
        if isinstance(self._chardev._reader, asyncio.ReadTransport):
            self._chardev._reader.pause_reading()

    def resume_reading(self) -> None:
        if isinstance(self._chardev._reader, asyncio.ReadTransport):
            self._chardev._reader.resume_reading()

    def close(self) -> None:
        self._chardev.close()


class _StdinProtocol(asyncio.Protocol):
    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def data_received(self, data: bytes) -> None:
        self.endpoint.data_received(data)

    def eof_received(self) -> bool:
        return False


class FileChardev(Chardev):
    """Output written to a file (``path=``); no input."""

    def __init__(self, chardev_id: str, opts: Opts) -> None:
        super().__init__(chardev_id, opts)
        path = opts.get("path")
        if path is None:
            raise ChardevError("chardev: file: no filename given")
        self.path = path
        self._fd: int | None = None

    async def start(self) -> None:
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if self.opts.get_bool("append", False)
                                            else os.O_TRUNC)
        try:
            self._fd = os.open(self.path, flags, 0o666)
        except OSError as err:
            raise ChardevError(f"Could not open '{self.path}': {_strerror(err)}") from None
        Endpoint(self, _FileConnection(self))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class _FileConnection:
    def __init__(self, chardev: FileChardev) -> None:
        self._chardev = chardev

    def write(self, data: bytes) -> None:
        if self._chardev._fd is not None:
            os.write(self._chardev._fd, data)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def close(self) -> None:
        pass


def _strerror(err: Exception) -> str:
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    if isinstance(err, socket.gaierror):
        return str(err)
    return str(err)


class FocusAware(Protocol):
    """A session that wants to know when a mux gives it the input focus."""

    def focus_changed(self, focused: bool) -> None: ...


ESCAPE_CHAR = 0x01          # Ctrl-A
_MUX_HELP = [("h", "print this help"), ("x", "exit emulator"),
             ("s", "save disk data back to file (if -snapshot)"),
             ("t", "toggle console timestamps"), ("b", "send break (magic sysrq)"),
             ("c", "switch between console and monitor"), ("C-a", "  sends C-a")]


class MuxChardev(Chardev):
    """``mux=on``: one backend shared by several frontends (a serial port
    and a human monitor, as ``mon:stdio`` makes).  What any frontend writes
    goes out; input goes to the frontend in focus.  Ctrl-A starts a
    command: ``c`` moves the focus to the next frontend, ``x`` quits,
    ``h`` lists the commands, Ctrl-A sends Ctrl-A itself.

    As in QEMU, the frontend attached last takes the focus, and frontends
    see the backend open once the machine is built (`open_frontends`)."""

    def __init__(self, chardev_id: str, opts: Opts, base: Chardev) -> None:
        super().__init__(chardev_id, opts)
        self.base = base
        self.frontends: list[Frontend] = []
        self.mux_sessions: list[CharSession | None] = []
        self.focus = -1
        self.quit_handler: Callable[[], None] | None = None
        self._connection: CharConnection | None = None
        self._opened = False
        self._escape = False
        base.attach(self._open_base)

    def attach(self, frontend: Frontend) -> None:
        self.frontends.append(frontend)
        self.mux_sessions.append(None)
        if self._opened:
            self._open_frontend(len(self.frontends) - 1)
        self._set_focus(len(self.frontends) - 1)

    async def start(self) -> None:
        await self.base.start()

    def close(self) -> None:
        self.base.close()

    def open_frontends(self) -> None:
        self._opened = True
        for index in range(len(self.frontends)):
            self._open_frontend(index)

    def _open_base(self, connection: CharConnection) -> CharSession:
        self._connection = connection
        if self._opened:
            self.open_frontends()
        return _MuxBaseSession(self)

    def _open_frontend(self, index: int) -> None:
        if self._connection is None or self.mux_sessions[index] is not None:
            return
        session = self.frontends[index](_MuxConnection(self, index, self._connection))
        self.mux_sessions[index] = session
        if index != self.focus:
            self._tell_focus(index, False)

    def _tell_focus(self, index: int, focused: bool) -> None:
        session = self.mux_sessions[index] if 0 <= index < len(self.mux_sessions) else None
        focus_changed = getattr(session, "focus_changed", None)
        if focus_changed is not None:
            focus_changed(focused)

    def _set_focus(self, index: int) -> None:
        if self.focus >= 0:
            self._tell_focus(self.focus, False)
        self.focus = index
        self._tell_focus(index, True)

    def _write(self, data: bytes) -> None:
        if self._connection is not None:
            self._connection.write(data)

    def _input(self, data: bytes) -> None:
        run = bytearray()
        for byte in data:
            if self._escape:
                self._escape = False
                if byte == ESCAPE_CHAR:
                    run.append(byte)
                    continue
                self._deliver(run)
                run = bytearray()
                self._command(byte)
            elif byte == ESCAPE_CHAR:
                self._escape = True
            else:
                run.append(byte)
        self._deliver(run)

    def _deliver(self, data: bytearray) -> None:
        if data and 0 <= self.focus < len(self.mux_sessions):
            session = self.mux_sessions[self.focus]
            if session is not None:
                session.data_received(bytes(data))

    def _command(self, byte: int) -> None:
        if byte in (ord("h"), ord("?")):
            text = "\n\r" + "".join(f"C-a {key:<4} {what}\n\r" if key != "C-a"
                                     else f"C-a {key}{what}\n\r" for key, what in _MUX_HELP)
            self._write(text.encode())
        elif byte == ord("x"):
            self._write(b"QEMU: Terminated\n\r")
            if self.quit_handler is not None:
                self.quit_handler()
        elif byte == ord("c") and self.frontends:
            self._set_focus((self.focus + 1) % len(self.frontends))


class _MuxConnection:
    """A frontend's view of the shared backend."""

    def __init__(self, mux: MuxChardev, index: int, base: CharConnection) -> None:
        self._mux = mux
        self._index = index
        self._base = base
        self.is_terminal = bool(getattr(base, "is_terminal", False))

    @property
    def focused(self) -> bool:
        return self._mux.focus == self._index

    def write(self, data: bytes) -> None:
        self._base.write(data)

    def pause_reading(self) -> None:
        if self._mux.focus == self._index:
            self._base.pause_reading()

    def resume_reading(self) -> None:
        self._base.resume_reading()

    def close(self) -> None:
        pass


class _MuxBaseSession:
    def __init__(self, mux: MuxChardev) -> None:
        self._mux = mux

    def data_received(self, data: bytes) -> None:
        self._mux._input(data)

    def connection_lost(self) -> None:
        for session in self._mux.mux_sessions:
            if session is not None:
                session.connection_lost()
        self._mux.mux_sessions = [None] * len(self._mux.mux_sessions)
        self._mux._connection = None

    def pause_writing(self) -> None:
        pass

    def resume_writing(self) -> None:
        pass


def create_chardev(opts: Opts) -> Chardev:
    """The chardev ``opts`` describes; raises ChardevError or OptsError."""
    if opts.id is None:
        raise ChardevError("chardev: no id specified")
    if opts.get_bool("mux", False):
        base = _create_backend(opts, f"{opts.id}-base")
        return MuxChardev(opts.id, opts, base)
    return _create_backend(opts, opts.id)


def _create_backend(opts: Opts, chardev_id: str) -> Chardev:
    backend = opts.get("backend")
    if backend is None:
        raise OptsError("Parameter 'backend' is missing")
    if backend in _UNSUPPORTED_BACKENDS:
        raise ChardevError(f"'{backend}' is a char driver cyqemu does not support")
    if backend not in _BACKENDS:
        raise ChardevError(f"'{backend}' is not a valid char driver name")
    chardev_class: type[Chardev] = {
        "null": NullChardev, "stdio": StdioChardev, "socket": SocketChardev,
        "file": FileChardev}[backend]
    return chardev_class(chardev_id, opts)
