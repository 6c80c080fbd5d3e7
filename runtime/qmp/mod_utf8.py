"""QEMU's modified UTF-8: the encoding of every string QEMU's JSON code
handles.

It is UTF-8 in which U+0000 is written as the two bytes C0 80 (so that C
strings can hold it), and in which surrogates and Unicode noncharacters
are invalid.  QEMU decodes byte by byte (`mod_utf8_codepoint`); the rules
of which bytes a broken sequence swallows decide what an error message
shows, so they are reproduced exactly here.
"""

from __future__ import annotations

import re

REPLACEMENT_CHARACTER = "\ufffd"

# The smallest code point a sequence of 2, 3, ... 6 bytes may encode.
_MIN_CODEPOINT = (0x80, 0x800, 0x10000, 0x200000, 0x4000000)

# Noncharacters: U+FDD0..U+FDEF and the last two code points of each plane.
_NONCHARACTER = re.compile(
    "[\ufdd0-\ufdef\ufffe\uffff" + "".join(
        f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]")


def is_valid_codepoint(codepoint: int) -> bool:
    """Whether QEMU accepts ``codepoint`` in a string."""
    if codepoint > 0x10FFFF or codepoint < 0:
        return False
    if 0xFDD0 <= codepoint <= 0xFDEF or (codepoint & 0xFFFE) == 0xFFFE:
        return False
    return not 0xD800 <= codepoint <= 0xDFFF


def codepoint_at(data: bytes, pos: int) -> tuple[int, int]:
    """Decode the sequence starting at ``data[pos]``, as QEMU does.

    ``data`` stands for a C string: its end reads as a NUL byte.  Returns
    (code point or -1 when invalid, position after the bytes consumed).
    """
    size = len(data)
    if pos >= size or data[pos] == 0:
        return -1, pos
    byte = data[pos]
    pos += 1
    if byte < 0x80:
        return byte, pos
    if byte >= 0xFE or not byte & 0x40:
        # impossible byte, or a continuation byte without a lead byte
        return -1, pos
    length = 0
    mask = 0x80
    while byte & mask:
        length += 1
        mask >>= 1
    codepoint = byte & (mask - 1)
    for _ in range(1, length):
        following = data[pos] if pos < size else 0
        if following & 0xC0 != 0x80:
            return -1, pos
        pos += 1
        codepoint = codepoint << 6 | following & 0x3F
    if not is_valid_codepoint(codepoint):
        return -1, pos
    if codepoint < _MIN_CODEPOINT[length - 2] and not (codepoint == 0 and length == 2):
        return -1, pos  # overlong, other than C0 80
    return codepoint, pos


def has_noncharacter(text: str) -> bool:
    return _NONCHARACTER.search(text) is not None


def decode_lenient(data: bytes) -> str:
    """The text QEMU shows for the C string ``data``: each byte sequence
    it cannot decode becomes U+FFFD, C0 80 becomes U+0000.  Like a C
    string, it ends at the first NUL byte."""
    data = data.split(b"\0", 1)[0]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not has_noncharacter(text):
            return text
    chars = []
    pos = 0
    size = len(data)
    while pos < size:
        codepoint, pos = codepoint_at(data, pos)
        chars.append(REPLACEMENT_CHARACTER if codepoint < 0 else chr(codepoint))
    return "".join(chars)
