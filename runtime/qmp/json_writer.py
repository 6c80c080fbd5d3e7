"""JSON writing: values to text, byte for byte as QEMU writes them.

QEMU keeps a JSON object in a hash table of 512 buckets and writes its
members bucket by bucket, the latest added first within a bucket; that is
why its greeting reads ``{"micro": .., "minor": .., "major": ..}``.
`qdict_order` reproduces that order from a dict's insertion order, so
every object this module writes has QEMU's member order.

Strings are written with QEMU's escapes: ``\\uXXXX`` (upper-case hex) for
control characters, DEL and everything beyond ASCII, surrogate pairs
beyond the BMP, U+FFFD for what QEMU could not hold (lone surrogates,
noncharacters).  Floats are written as ``%.17g``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from runtime.qmp.mod_utf8 import is_valid_codepoint

BUCKETS = 512
_MASK32 = 0xFFFFFFFF

_SIMPLE_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n",
                   "\r": "\\r", "\t": "\\t"}


@lru_cache(maxsize=4096)
def key_bucket(key: str) -> int:
    """The bucket of QEMU's QDict that holds ``key``."""
    data = key.encode("utf-8", "surrogatepass").replace(b"\0", b"\xc0\x80")
    value = (0x238F13AF * len(data)) & _MASK32
    for index, byte in enumerate(data):
        value = (value + (byte << (index * 5 % 24))) & _MASK32
    return ((1103515243 * value + 12345) & _MASK32) % BUCKETS


@lru_cache(maxsize=4096)
def _ordered_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    ranked = sorted(range(len(keys)), key=lambda index: (key_bucket(keys[index]), -index))
    return tuple(keys[index] for index in ranked)


def qdict_order(mapping: dict[str, Any]) -> tuple[str, ...]:
    """The keys of ``mapping`` in the order QEMU iterates (and writes) them,
    for a QDict filled in ``mapping``'s insertion order."""
    return _ordered_keys(tuple(mapping))


def quote_string(text: str) -> str:
    """``text`` as a JSON string literal, escaped as QEMU escapes it."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return '"' + text + '"'
    out = ['"']
    for char in text:
        escaped = _SIMPLE_ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
            continue
        codepoint = ord(char)
        if 0x20 <= codepoint < 0x7F:
            out.append(char)
        elif codepoint > 0xFFFF and is_valid_codepoint(codepoint):
            codepoint -= 0x10000
            out.append(f"\\u{0xD800 + (codepoint >> 10):04X}\\u{0xDC00 + (codepoint & 0x3FF):04X}")
        else:
            if not is_valid_codepoint(codepoint):
                codepoint = 0xFFFD
            out.append(f"\\u{codepoint:04X}")
    out.append('"')
    return "".join(out)


def _format_float(value: float) -> str:
    return f"{value:.17g}"


class _Writer:
    __slots__ = ("pretty", "parts")

    def __init__(self, pretty: bool) -> None:
        self.pretty = pretty
        self.parts: list[str] = []

    def value(self, value: Any, depth: int) -> None:
        parts = self.parts
        if value is None:
            parts.append("null")
        elif value is True:
            parts.append("true")
        elif value is False:
            parts.append("false")
        elif isinstance(value, str):
            parts.append(quote_string(value))
        elif isinstance(value, int):
            parts.append(str(int(value)))
        elif isinstance(value, float):
            parts.append(_format_float(value))
        elif isinstance(value, dict):
            self.container("{", "}", [(key, value[key]) for key in qdict_order(value)], depth)
        elif isinstance(value, list | tuple):
            self.container("[", "]", [(None, item) for item in value], depth)
        else:
            raise TypeError(f"cannot write {type(value).__name__} as JSON")

    def container(self, opening: str, closing: str, items: list[tuple[str | None, Any]],
                  depth: int) -> None:
        parts = self.parts
        parts.append(opening)
        if not items:
            if self.pretty:
                parts.append("\n" + " " * (4 * depth))
            parts.append(closing)
            return
        inner = "\n" + " " * (4 * (depth + 1)) if self.pretty else ""
        separator = "," + inner if self.pretty else ", "
        for index, (key, item) in enumerate(items):
            parts.append(separator if index else inner)
            if key is not None:
                parts.append(quote_string(key))
                parts.append(": ")
            self.value(item, depth + 1)
        if self.pretty:
            parts.append("\n" + " " * (4 * depth))
        parts.append(closing)


def to_json(value: Any, pretty: bool = False) -> str:
    """``value`` as QEMU writes it (``qobject_to_json_pretty``)."""
    writer = _Writer(pretty)
    writer.value(value, 0)
    return "".join(writer.parts)
