"""JSON parsing: one message's tokens to a value, with QEMU's messages.

Values are Python's: dict (keys in the order written), list, str, int,
float, bool and None.  A JSON integer is an int when it fits in 64 bits
(signed, or unsigned when not negative) and a float otherwise, as QEMU's
QNum.  The first error ends the parse, and its message is what QEMU says
for the same tokens.  Nesting is handled with an explicit stack: messages
may nest 1024 deep.
"""

from __future__ import annotations

from typing import Any

from runtime.qmp import json_lexer as lx
from runtime.qmp.mod_utf8 import codepoint_at, decode_lenient, has_noncharacter, is_valid_codepoint

Token = tuple[int, bytes]

_ESCAPES = {
    ord('"'): '"', ord("'"): "'", ord("\\"): "\\", ord("/"): "/",
    ord("b"): "\b", ord("f"): "\f", ord("n"): "\n", ord("r"): "\r", ord("t"): "\t",
}
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
_INT64_MIN = -(1 << 63)
_UINT64_LIMIT = 1 << 64


class JSONParseError(Exception):
    """A message that is not valid JSON; str() is QEMU's error text."""


def _error(message: str) -> JSONParseError:
    return JSONParseError("JSON parse error, " + message)


def _premature_end() -> JSONParseError:
    return _error("premature EOI")


def _hex4(text: bytes, pos: int) -> int:
    digits = text[pos:pos + 4]
    if len(digits) < 4 or not all(char in _HEX_DIGITS for char in digits):
        return -1
    return int(digits, 16)


def parse_string(text: bytes) -> str:
    """The value of a string token (quotes included)."""
    inner = text[1:-1]
    if b"\\" not in inner:
        try:
            value = inner.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if not has_noncharacter(value):
                return value
    return _parse_string_slowly(text)


def _parse_string_slowly(text: bytes) -> str:
    quote = text[0]
    chars: list[str] = []
    pos = 1
    while text[pos] != quote:
        if text[pos] != ord("\\"):
            codepoint, pos = codepoint_at(text, pos)
            if codepoint < 0:
                raise _error("invalid UTF-8 sequence in string")
            chars.append(chr(codepoint))
            continue
        begin = pos
        escape = text[pos + 1]
        pos += 2
        if escape in _ESCAPES:
            chars.append(_ESCAPES[escape])
            continue
        if escape != ord("u"):
            raise _error("invalid escape sequence in string")
        codepoint = _hex4(text, pos)
        pos += 4
        if 0xD800 <= codepoint <= 0xDBFF and text[pos:pos + 2] == b"\\u":
            trailing = _hex4(text, pos + 2)
            if 0xDC00 <= trailing <= 0xDFFF:
                codepoint = 0x10000 + ((codepoint & 0x3FF) << 10) | (trailing & 0x3FF)
                pos += 6
            else:
                codepoint = -1
        if not is_valid_codepoint(codepoint):
            raise _error(f"{decode_lenient(text[begin:pos])} is not a valid Unicode character")
        chars.append(chr(codepoint))
    return "".join(chars)


def _parse_integer(text: bytes) -> int | float:
    value = int(text)
    if _INT64_MIN <= value < _UINT64_LIMIT:
        return value
    return float(text)


def _scalar(kind: int, text: bytes) -> Any:
    if kind == lx.STRING:
        return parse_string(text)
    if kind == lx.INTEGER:
        return _parse_integer(text)
    if kind == lx.FLOAT:
        return float(text)
    if text == b"true":
        return True
    if text == b"false":
        return False
    if text == b"null":
        return None
    raise _error(f"invalid keyword '{text.decode('ascii')}'")


_SCALARS = frozenset((lx.STRING, lx.INTEGER, lx.FLOAT, lx.KEYWORD))

# What an open container waits for.
_LIST_ITEM = 0
_DICT_KEY = 1
_DICT_VALUE = 2


def parse_tokens(tokens: list[Token]) -> Any:
    """The value the tokens of one message spell; raises `JSONParseError`."""
    size = len(tokens)
    pos = 0
    # Open containers, innermost last: [container, waits-for, key].
    stack: list[list[Any]] = []
    while True:
        # Parse a value starting at tokens[pos].
        if pos >= size:
            raise _premature_end()
        kind, text = tokens[pos]
        if kind in _SCALARS:
            pos += 1
            value = _scalar(kind, text)
        elif kind == lx.LCURLY or kind == lx.LSQUARE:
            pos += 1
            if pos >= size:
                raise _premature_end()
            closing = lx.RCURLY if kind == lx.LCURLY else lx.RSQUARE
            if tokens[pos][0] == closing:
                pos += 1
                value = {} if kind == lx.LCURLY else []
            elif kind == lx.LCURLY:
                stack.append([{}, _DICT_KEY, None])
                continue
            else:
                stack.append([[], _LIST_ITEM, None])
                continue
        else:
            raise _error("expecting value")

        # Hand the value to the containers it completes.
        while True:
            if not stack:
                return value
            frame = stack[-1]
            container, waits_for = frame[0], frame[1]
            if waits_for == _DICT_KEY:
                if not isinstance(value, str):
                    raise _error("key is not a string in object")
                if pos >= size:
                    raise _premature_end()
                if tokens[pos][0] != lx.COLON:
                    raise _error("missing : in object pair")
                pos += 1
                frame[1] = _DICT_VALUE
                frame[2] = value
                break
            if waits_for == _DICT_VALUE:
                key = frame[2]
                if key in container:
                    raise _error("duplicate key")
                container[key] = value
                closing, separator_error = lx.RCURLY, "expected separator in dict"
            else:
                container.append(value)
                closing, separator_error = lx.RSQUARE, "expected separator in list"
            if pos >= size:
                raise _premature_end()
            separator = tokens[pos][0]
            pos += 1
            if separator == closing:
                stack.pop()
                value = container
                continue
            if separator != lx.COMMA:
                raise _error(separator_error)
            if waits_for == _DICT_VALUE:
                frame[1] = _DICT_KEY
            break
