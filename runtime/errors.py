"""The errors a QMP command can fail with.

Each carries the ``error_class`` a QMP error response names (QEMU's
``QapiErrorClass``) and its human-readable ``desc``.  The QMP server turns
any `QMPError` into ``{"error": {"class": ..., "desc": ...}}``.
"""

from __future__ import annotations


class QMPError(Exception):
    """An error reported to a QMP client."""

    error_class = "GenericError"

    def __init__(self, desc: str) -> None:
        super().__init__(desc)
        self.desc = desc

    def to_json(self) -> dict[str, str]:
        """The ``error`` member of a QMP error response."""
        return {"class": self.error_class, "desc": self.desc}


class GenericError(QMPError):
    """Most errors: the client can only show the description."""

    error_class = "GenericError"


class CommandNotFound(QMPError):
    """The requested command does not exist (or is not built in)."""

    error_class = "CommandNotFound"


class DeviceNotActive(QMPError):
    """A device exists but is not active (e.g. a stopped block job)."""

    error_class = "DeviceNotActive"


class DeviceNotFound(QMPError):
    """The named device does not exist."""

    error_class = "DeviceNotFound"


class KVMMissingCap(QMPError):
    """The host's KVM lacks a capability the request needs."""

    error_class = "KVMMissingCap"


class QAPIVisitError(GenericError):
    """A JSON value does not fit its QAPI type (bad command arguments).

    ``desc`` names the value by its full path (``'a.b[2].c'``).  Some of
    QEMU's messages name only the member itself (``'c'``, or ``'null'``
    for a list element): ``wire_desc`` is that form, and it is what a QMP
    client is told, so answers match QEMU's word for word.
    """

    def __init__(self, desc: str, wire_desc: str | None = None) -> None:
        super().__init__(desc)
        self.wire_desc = wire_desc if wire_desc is not None else desc

    def to_json(self) -> dict[str, str]:
        return {"class": self.error_class, "desc": self.wire_desc}


class CommandNotImplemented(GenericError):
    """A command exists in the schema but nothing implements it."""
