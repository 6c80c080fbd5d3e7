"""JSON streaming: tokens to whole messages, with QEMU's limits.

Tokens are gathered until the brackets and braces opened are closed (or
one closes more than was opened); the gathered tokens are then parsed
into one value.  A bad token, or a message past one of the limits below,
ends the message with an error instead; either way the counting starts
afresh, so the stream goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime.qmp import json_lexer as lx
from runtime.qmp.json_parser import JSONParseError, Token, parse_tokens
from runtime.qmp.mod_utf8 import decode_lenient

MAX_TOKEN_SIZE = 64 << 20       # bytes in all the tokens of one message
MAX_TOKEN_COUNT = 2 << 20       # tokens in one message
MAX_NESTING = 1 << 10           # brackets and braces open at once

# emit(value, None) for a message, emit(None, error message) for an error.
Emit = Callable[[Any, str | None], None]


class JSONMessageParser:
    """Feed bytes in; complete JSON values (or errors) come out."""

    __slots__ = ("_emit", "lexer", "_tokens", "_token_size", "_brace_count",
                 "_bracket_count")

    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        self.lexer = lx.JSONLexer(self._process_token)
        self._tokens: list[Token] = []
        self._token_size = 0
        self._brace_count = 0
        self._bracket_count = 0

    def feed(self, data: bytes, start: int = 0, stop: Callable[[], bool] | None = None) -> int:
        """Feed ``data[start:]``; see `JSONLexer.feed` for ``stop``."""
        return self.lexer.feed(data, start, stop)

    def flush(self) -> None:
        """End of input: the last token ends, and whatever was gathered is
        parsed (into a value or a "premature EOI" error)."""
        self.lexer.flush()
        if self._tokens:
            self._finish_parse()

    def reset(self) -> None:
        self.lexer.reset()
        self._restart()

    def _restart(self) -> None:
        self._tokens = []
        self._token_size = 0
        self._brace_count = 0
        self._bracket_count = 0

    def _process_token(self, kind: int, text: bytes) -> None:
        if kind == lx.LCURLY:
            self._brace_count += 1
        elif kind == lx.RCURLY:
            self._brace_count -= 1
        elif kind == lx.LSQUARE:
            self._bracket_count += 1
        elif kind == lx.RSQUARE:
            self._bracket_count -= 1
        elif kind == lx.ERROR:
            self._fail(f"JSON parse error, stray '{decode_lenient(text)}'")
            return

        if self._token_size + len(text) + 1 > MAX_TOKEN_SIZE:
            self._fail("JSON token size limit exceeded")
            return
        if len(self._tokens) + 1 > MAX_TOKEN_COUNT:
            self._fail("JSON token count limit exceeded")
            return
        if self._bracket_count + self._brace_count > MAX_NESTING:
            self._fail("JSON nesting depth limit exceeded")
            return

        self._tokens.append((kind, text))
        self._token_size += len(text)

        if ((self._brace_count > 0 or self._bracket_count > 0)
                and self._brace_count >= 0 and self._bracket_count >= 0):
            return
        self._finish_parse()

    def _finish_parse(self) -> None:
        tokens = self._tokens
        self._restart()
        try:
            value = parse_tokens(tokens)
        except JSONParseError as err:
            self._emit(None, str(err))
            return
        self._emit(value, None)

    def _fail(self, message: str) -> None:
        self._restart()
        self._emit(None, message)


def parse_json(text: str | bytes) -> Any:
    """One JSON value from a whole string, as QEMU's ``qobject_from_json``
    reads it (QEMU's syntax and messages); raises `JSONParseError`."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    results: list[tuple[Any, str | None]] = []
    parser = JSONMessageParser(lambda value, error: results.append((value, error)))
    parser.feed(data)
    parser.flush()
    if not results:
        raise JSONParseError("Expecting a JSON value")
    value, error = results[0]
    if error is not None:
        raise JSONParseError(error)
    if len(results) > 1:
        raise JSONParseError("Expecting at most one JSON value")
    return value
