"""The lexer of device state descriptions: the schema lexer plus integers.

A description (``.vmsd`` file) is written in the schema's JSON dialect,
but versions, sizes and element counts are numbers.  Integers (decimal,
or hexadecimal with ``0x``) reach the grammar as STRING tokens whose
value is an ``int``, so the schema grammar is reused unchanged; the
description checks then tell numbers and strings apart by type.
"""

from __future__ import annotations

from typing import Any

from qapi.grammar import TopLevelItem, parse_tokens
from qapi.lexer import SchemaLexer
from qapi.source import SourceInfo

# Larger numbers are surely a mistake, and would only make later
# arithmetic on sizes slower to reject.
MAX_INTEGER = 2**64 - 1


class VMStateLexer(SchemaLexer):
    """Tokens of a description file: the schema's, and integer literals."""

    tokens = SchemaLexer.tokens + ("NUMBER",)  # type: ignore[assignment]

    def t_NUMBER(self, t: Any) -> Any:
        r"[0-9][0-9A-Za-z_]*"
        text = t.value
        try:
            value = int(text, 16) if text[:2].lower() == "0x" else int(text, 10)
        except ValueError:
            value = -1
        if value < 0 or (text[0] == "0" and len(text) > 1 and text[1] not in "xX"):
            raise self.error(t.lexpos, f"invalid number '{text}'")
        if value > MAX_INTEGER:
            raise self.error(t.lexpos, f"number '{text}' is too large")
        t.type = "STRING"
        t.value = value
        return t


def parse_description_text(text: str, info: SourceInfo) -> list[TopLevelItem]:
    """Parse one description file's text into its top-level values and doc blocks."""
    return parse_tokens(VMStateLexer(text, info))
