"""The schema lexer (PLY).

Tokens are JSON's structural characters, strings, ``true``/``false`` and
whole documentation comment blocks.  A block starts at a ``##`` and runs
over ``#`` lines to the next ``##`` line; it reaches the parser as one
DOC token carrying its lines and their positions.  Plain ``#`` comments
are dropped.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

import ply.lex

from qapi.error import QAPIParseError
from qapi.source import SourceInfo, column_of

# Characters that end the text shown in a "stray" error.
_STRUCTURAL = "[]{}:,'\""
_NEWLINE = re.compile(r"\n")
# Inside a doc block: blank space, then the next comment line.
_DOC_LINE = re.compile(r"\s*(\#[^\n]*)")
# A well-formed string body: printable ASCII, backslash only in the pair \\.
_SIMPLE_STRING = {
    "'": re.compile(r"'((?:[ -&(-\[\]-~]|\\\\)*)'"),
    '"': re.compile(r'"((?:[ !#-\[\]-~]|\\\\)*)"'),
}
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
    t_ignore = " \t\r\f\v"

    def __init__(self, text: str, info: SourceInfo) -> None:
        if not text.endswith("\n"):
            text += "\n"
        self.text = text
        self.file_info = info
        self._line_starts = [0] + [match.end() for match in _NEWLINE.finditer(text)]
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

    def t_DOC(self, t: Any) -> Any:
        r"\#\#[^\n]*"
        if t.value != "##":
            raise self.error(t.lexpos, "junk after '##' at start of documentation comment")
        t.value, t.lexer.lexpos = self._scan_doc(t.lexpos)
        return t

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

    def t_unicode_space(self, t: Any) -> None:
        r"[^\S\n]+"

    def t_error(self, t: Any) -> None:
        end = t.lexpos
        while end < len(self.text) and not (self.text[end] in _STRUCTURAL
                                            or self.text[end].isspace()):
            end += 1
        end = max(end, t.lexpos + 1)
        raise self.error(t.lexpos, f"stray '{self.text[t.lexpos:end]}'")

    # -- helpers -----------------------------------------------------------

    def _open(self, t: Any) -> Any:
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise self.error(t.lexpos, f"nesting deeper than {MAX_NESTING} levels")
        return t

    def _close(self, t: Any) -> Any:
        self._depth = max(0, self._depth - 1)
        return t

    def _scan_doc(self, start: int) -> tuple[DocBlock, int]:
        """Read a doc block from its opening ``##``; return it and where it ends.

        Each following line must be a ``#`` comment (blank lines and
        indentation are allowed) up to the closing ``##`` line.
        """
        text = self.text
        block = DocBlock(self.info_at(start))
        pos = text.index("\n", start)
        while True:
            match = _DOC_LINE.match(text, pos)
            if match is None:
                bad = pos + len(text[pos:]) - len(text[pos:].lstrip())
                raise self.error(min(bad, len(text) - 1),
                                 "documentation comment must end with '##'")
            line_pos = match.start(1)
            line = match.group(1)
            if line.startswith("##"):
                if line != "##":
                    raise self.error(line_pos, "junk after '##' at end of documentation comment")
                return block, match.end(1)
            block.lines.append(DocLine(line, self.info_at(line_pos)))
            pos = match.end(1)

    def _scan_string(self, start: int, quote: str) -> str:
        """Read a string body; only printable ASCII and the escape ``\\\\``."""
        text = self.text
        match = _SIMPLE_STRING[quote].match(text, start)
        if match:
            self.lexer.lexpos = match.end()
            body = match.group(1)
            return body.replace("\\\\", "\\") if "\\" in body else body
        # Not well-formed: scan it to report the first problem precisely.
        pos = start + 1
        chars: list[str] = []
        while True:
            ch = text[pos]
            if ch == "\n":
                raise self.error(start, f"missing terminating \"{quote}\"")
            if ch == "\\":
                pos += 1
                if text[pos] == "\n":
                    raise self.error(start, f"missing terminating \"{quote}\"")
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
        return tok
