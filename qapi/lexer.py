"""The schema lexer (PLY).

Tokens are JSON's structural characters, strings, ``true``/``false`` and
whole documentation comment blocks.  A block starts at a ``##`` and runs
over ``#`` lines to the next ``##`` line; it reaches the parser as one
DOC token carrying its lines and their positions.  Plain ``#`` comments
are dropped.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import ply.lex

from qapi.error import QAPIParseError
from qapi.source import SourceInfo, column_of

# Characters that end the text shown in a "stray" error.
_STRUCTURAL = "[]{}:,'\""
# Deeper nesting than this is surely a mistake, and the checks that walk
# values recursively must stay within Python's recursion limit.
MAX_NESTING = 256


@dataclass
class DocLine:
    """One line of a documentation comment, ``#`` included."""

    text: str
    info: SourceInfo


@dataclass
class DocBlock:
    """The lines of a ``##`` ... ``##`` comment block."""

    info: SourceInfo
    lines: list[DocLine] = field(default_factory=list)


class SchemaLexer:
    """Turns one schema file's text into PLY tokens with source positions."""

    tokens = (
        "LBRACE", "RBRACE", "LBRACKET", "RBRACKET", "COLON", "COMMA",
        "STRING", "TRUE", "FALSE", "DOC",
    )
    states = (("doc", "exclusive"),)

    t_ignore = " \t\r\f\v"
    t_doc_ignore = " \t\r\f\v"

    def __init__(self, text: str, info: SourceInfo) -> None:
        if not text.endswith("\n"):
            text += "\n"
        self.text = text
        self.file_info = info
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self._doc: DocBlock | None = None
        self._depth = 0
        # PLY's position tracking reads these from the lexer it is given.
        self.lineno = 1
        self.lexpos = 0
        self.lexer = ply.lex.lex(module=self, reflags=0)
        self.lexer.input(text)

    # -- positions -------------------------------------------------------

    def info_at(self, pos: int) -> SourceInfo:
        """The source position of character offset ``pos``."""
        line = bisect.bisect_right(self._line_starts, pos)
        return self.file_info.at(line, column_of(self.text, self._line_starts[line - 1], pos))

    def error(self, pos: int, msg: str) -> QAPIParseError:
        return QAPIParseError(self.info_at(pos), msg)

    # -- token rules, tried in this order ----------------------------------

    def t_DOCSTART(self, t: Any) -> None:
        r"\#\#[^\n]*"
        if t.value != "##":
            raise self.error(t.lexpos, "junk after '##' at start of documentation comment")
        self._doc = DocBlock(self.info_at(t.lexpos))
        t.lexer.begin("doc")

    def t_COMMENT(self, t: Any) -> None:
        r"\#[^\n]*"

    def t_STRING(self, t: Any) -> Any:
        r"['\"]"
        t.value = self._scan_string(t.lexpos, t.value)
        return t

    def t_TRUE(self, t: Any) -> Any:
        r"true"
        t.value = True
        return t

    def t_FALSE(self, t: Any) -> Any:
        r"false"
        t.value = False
        return t

    def t_LBRACE(self, t: Any) -> Any:
        r"\{"
        return self._open(t)

    def t_RBRACE(self, t: Any) -> Any:
        r"\}"
        return self._close(t)

    def t_LBRACKET(self, t: Any) -> Any:
        r"\["
        return self._open(t)

    def t_RBRACKET(self, t: Any) -> Any:
        r"\]"
        return self._close(t)

    def t_COLON(self, t: Any) -> Any:
        r":"
        return t

    def t_COMMA(self, t: Any) -> Any:
        r","
        return t

    def t_newline(self, t: Any) -> None:
        r"\n"

    def t_error(self, t: Any) -> None:
        end = t.lexpos
        while end < len(self.text) and not (self.text[end] in _STRUCTURAL
                                            or self.text[end].isspace()):
            end += 1
        raise self.error(t.lexpos, f"stray '{self.text[t.lexpos:end]}'")

    # -- inside a documentation comment ------------------------------------

    def t_doc_LINE(self, t: Any) -> Any:
        r"\#[^\n]*"
        assert self._doc is not None
        if not t.value.startswith("##"):
            self._doc.lines.append(DocLine(t.value, self.info_at(t.lexpos)))
            return None
        if t.value != "##":
            raise self.error(t.lexpos, "junk after '##' at end of documentation comment")
        t.type = "DOC"
        t.value = self._doc
        t.lexpos = self._doc_start(self._doc)
        self._doc = None
        t.lexer.begin("INITIAL")
        return t

    def t_doc_newline(self, t: Any) -> None:
        r"\n"

    def t_doc_error(self, t: Any) -> None:
        raise self.error(t.lexpos, "documentation comment must end with '##'")

    # -- helpers -----------------------------------------------------------

    def _open(self, t: Any) -> Any:
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise self.error(t.lexpos, f"nesting deeper than {MAX_NESTING} levels")
        return t

    def _close(self, t: Any) -> Any:
        self._depth = max(0, self._depth - 1)
        return t

    def _doc_start(self, doc: DocBlock) -> int:
        assert doc.info.line is not None and doc.info.col is not None
        return self._line_starts[doc.info.line - 1] + doc.info.col - 1

    def _scan_string(self, start: int, quote: str) -> str:
        """Read a string body; only printable ASCII and the escape ``\\\\``."""
        text = self.text
        pos = start + 1
        chars: list[str] = []
        while True:
            ch = text[pos]
            if ch == "\n":
                raise self.error(start, f"missing terminating \"{quote}\"")
            if ch == "\\":
                pos += 1
                if text[pos] != "\\":
                    raise self.error(pos - 1, f"unknown escape \\{text[pos]}")
            elif ch == quote:
                self.lexer.lexpos = pos + 1
                return "".join(chars)
            elif not " " <= ch <= "~":
                raise self.error(pos, "funny character in string")
            chars.append(ch)
            pos += 1

    def token(self) -> Any:
        tok = self.lexer.token()
        self.lexpos = self.lexer.lexpos
        if tok is None and self._doc is not None:
            raise self.error(len(self.text) - 1, "documentation comment must end with '##'")
        return tok
