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


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return quote_string(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _format_float(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _members(value: Any) -> tuple[str, str, list[tuple[str | None, Any]]] | None:
    """For a container: its brackets and its (key, value) items."""
    if isinstance(value, dict):
        return "{", "}", [(key, value[key]) for key in qdict_order(value)]
    if isinstance(value, list | tuple):
        return "[", "]", [(None, item) for item in value]
    return None


def to_json(value: Any, pretty: bool = False) -> str:
    """``value`` as QEMU writes it (``qobject_to_json_pretty``).

    Containers are walked with an explicit stack: a client may send an
    ``id`` nested 1024 deep, and gets it back.
    """
    parts: list[str] = []
    # Open containers: [items, next index, closing bracket, depth].
    stack: list[list[Any]] = []
    while True:
        container = _members(value)
        if container is None:
            parts.append(_scalar(value))
        else:
            opening, closing, items = container
            parts.append(opening)
            if items:
                stack.append([items, 0, closing, len(stack)])
            else:
                if pretty:
                    parts.append("\n" + " " * (4 * len(stack)))
                parts.append(closing)
        while stack:
            frame = stack[-1]
            items, index, depth = frame[0], frame[1], frame[3]
            if index < len(items):
                frame[1] = index + 1
                if pretty:
                    parts.append(("," if index else "") + "\n" + " " * (4 * (depth + 1)))
                elif index:
                    parts.append(", ")
                key, value = items[index]
                if key is not None:
                    parts.append(quote_string(key))
                    parts.append(": ")
                break
            stack.pop()
            if pretty:
                parts.append("\n" + " " * (4 * depth))
            parts.append(frame[2])
        else:
            return "".join(parts)
