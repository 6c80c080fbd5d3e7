"""Migration errors: what went wrong, at which stream offset, in which section."""

from __future__ import annotations


class MigrationError(Exception):
    """A stream that cannot be read or written, or state that cannot migrate.

    ``offset`` is the byte offset in the stream where the problem was
    found; ``section`` names the section being read or written, as
    ``'idstr' (instance N, section id M)``.
    """

    def __init__(self, msg: str, offset: int | None = None, section: str | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.offset = offset
        self.section = section

    def __str__(self) -> str:
        where = []
        if self.offset is not None:
            where.append(f"offset {self.offset} (0x{self.offset:x})")
        if self.section is not None:
            where.append(f"section {self.section}")
        if not where:
            return self.msg
        return f"{', '.join(where)}: {self.msg}"

    def in_section(self, section: str) -> MigrationError:
        """This error, naming ``section`` unless it already names one."""
        if self.section is None:
            self.section = section
        return self


class TruncatedStreamError(MigrationError):
    """The stream ended before the data its format requires."""
