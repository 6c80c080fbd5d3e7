"""Where something is written in a schema: file, line, column, include chain."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Pragma:
    """The schema-wide settings of the 'pragma' directive."""

    doc_required: bool = False
    command_name_exceptions: list[str] = field(default_factory=list)
    command_returns_exceptions: list[str] = field(default_factory=list)
    member_name_exceptions: list[str] = field(default_factory=list)


class SourceInfo:
    """A position in a schema file, with the include chain that led there.

    ``defn_meta`` and ``defn_name`` name the definition the position lies
    in; error messages use them for their "In struct 'Foo':" line.
    """

    __slots__ = ("fname", "line", "col", "parent", "pragma", "defn_meta", "defn_name")

    def __init__(
        self,
        fname: str,
        line: int | None = None,
        col: int | None = None,
        parent: SourceInfo | None = None,
        pragma: Pragma | None = None,
    ) -> None:
        self.fname = fname
        self.line = line
        self.col = col
        self.parent = parent
        self.pragma: Pragma = pragma if pragma is not None else (
            parent.pragma if parent is not None else Pragma())
        self.defn_meta: str | None = None
        self.defn_name: str | None = None

    def at(self, line: int, col: int) -> SourceInfo:
        """The same file (and include chain) at another position."""
        info = SourceInfo(self.fname, line, col, self.parent, self.pragma)
        info.defn_meta, info.defn_name = self.defn_meta, self.defn_name
        return info

    def set_defn(self, meta: str, name: str) -> None:
        self.defn_meta = meta
        self.defn_name = name

    def loc(self) -> str:
        text = self.fname
        if self.line is not None:
            text += f":{self.line}"
            if self.col is not None:
                text += f":{self.col}"
        return text

    def include_path(self) -> str:
        text = ""
        parent = self.parent
        while parent is not None:
            text = f"In file included from {parent.loc()}:\n" + text
            parent = parent.parent
        return text

    def in_defn(self) -> str:
        if self.defn_name:
            return f"{self.fname}: In {self.defn_meta} '{self.defn_name}':\n"
        return ""

    def __str__(self) -> str:
        return self.include_path() + self.in_defn() + self.loc()

    def __repr__(self) -> str:
        return f"SourceInfo({self.loc()!r})"


def column_of(text: str, line_start: int, pos: int) -> int:
    """The 1-based column of ``pos``, with tabs stopping every 8 columns."""
    col = 1
    for ch in text[line_start:pos]:
        col = (col + 7) // 8 * 8 + 1 if ch == "\t" else col + 1
    return col
