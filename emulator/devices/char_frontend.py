"""A device's end of a chardev (QEMU's CharBackend): what the device
writes goes to every connection of the chardev, what they send is handed
to the device."""

from __future__ import annotations

from collections.abc import Callable

from emulator.chardev import CharConnection, Chardev, CharSession


class CharFrontend:
    def __init__(self, on_receive: Callable[[bytes], None] | None = None) -> None:
        self._on_receive = on_receive
        self._connections: list[CharConnection] = []

    def attach(self, chardev: Chardev) -> None:
        chardev.attach(self._open_session)

    def write(self, data: bytes) -> None:
        for connection in list(self._connections):
            connection.write(data)

    def _open_session(self, connection: CharConnection) -> CharSession:
        self._connections.append(connection)
        return _Session(self, connection)

    def _received(self, data: bytes) -> None:
        if self._on_receive is not None:
            self._on_receive(data)

    def _closed(self, connection: CharConnection) -> None:
        if connection in self._connections:
            self._connections.remove(connection)


class _Session:
    def __init__(self, frontend: CharFrontend, connection: CharConnection) -> None:
        self._frontend = frontend
        self._connection = connection

    def data_received(self, data: bytes) -> None:
        self._frontend._received(data)

    def connection_lost(self) -> None:
        self._frontend._closed(self._connection)

    def pause_writing(self) -> None:
        pass

    def resume_writing(self) -> None:
        pass
