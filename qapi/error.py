"""Schema errors: a message tied to where in the schema it was found."""

from __future__ import annotations

from qapi.source import SourceInfo


class QAPIError(Exception):
    """Any error the compiler reports to its user (never a traceback)."""

    def __init__(self, info: SourceInfo | None, msg: str) -> None:
        super().__init__(msg)
        self.info = info
        self.msg = msg

    def __str__(self) -> str:
        if self.info is None:
            return self.msg
        return f"{self.info}: {self.msg}"


class QAPIParseError(QAPIError):
    """Malformed schema text: lexical or syntax errors, bad doc comments."""


class QAPISemError(QAPIError):
    """Well-formed text that breaks a rule of the schema language."""
