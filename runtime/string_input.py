"""Scalars from strings, as QEMU's string input visitor parses them
(``-global``, ``qom-set`` strings, ``-numa`` lists, option values).

- integers: C ``strtoll``/``strtoull`` with base 0: decimal, ``0x`` hex,
  ``0`` octal, an optional sign and leading white space; unsigned ones
  take negative numbers modulo 2^64, as ``strtoull`` does;
- sizes: ``qemu_strtosz``: decimal (or ``0x`` hex) bytes with an optional
  suffix B, k/K, M, G, T, P, E (powers of 1024); a fraction such as
  ``1.5G`` needs a suffix above bytes and is rounded to the nearest byte;
- booleans: on/yes/true/y and off/no/false/n;
- numbers: C ``strtod``, finite values only;
- integer lists: ``1,3-5,8``, a range holding at most 65536 elements.

Errors are `QAPIVisitError` with QEMU's messages; ``name`` is the name
of what is parsed (QEMU says ``null`` when it has none).
"""

from __future__ import annotations

import logging
import math
import re
import sys
from collections.abc import Callable
from typing import Any

from runtime.errors import QAPIVisitError
from runtime.visitor import INT64_MAX, INT64_MIN, UINT64_MAX

logger = logging.getLogger(__name__)

RANGE_MAX_ELEMENTS = 65536

_SPACE = "[ \t\n\v\f\r]*"
_C_INTEGER = re.compile(_SPACE + r"([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_C_DECIMAL = re.compile(_SPACE + r"([+-]?)([0-9]+)")
_C_HEX = re.compile(_SPACE + r"([+-]?)(?:0[xX])?([0-9a-fA-F]+)")
_C_FRACTION = re.compile(r"\.([0-9]+)([eE][+-]?[0-9]+)?")
_C_FLOAT = re.compile(
    _SPACE + r"(?:(?P<hex>[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)"
    r"(?:[pP][+-]?[0-9]+)?)"
    r"|(?P<dec>[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<special>[+-]?(?:inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)))",
    re.IGNORECASE)
_SIZE_SUFFIXES = {"B": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6}


class _ParseError(Exception):
    """A C conversion failed; ``out_of_range`` tells ERANGE from EINVAL."""

    def __init__(self, out_of_range: bool = False) -> None:
        super().__init__()
        self.out_of_range = out_of_range


# -- the C conversions ---------------------------------------------------------------

def _integer(match: re.Match[str] | None, base: int = 0) -> tuple[int, int]:
    """(signed value, end) of an integer the C library would convert, in
    ``base`` (0: as the digits say: 0x hex, 0 octal, else decimal)."""
    if match is None:
        raise _ParseError
    sign, digits = match.group(1), match.group(2)
    if base:
        magnitude = int(digits, base)
    elif digits[:2] in ("0x", "0X"):
        magnitude = int(digits[2:], 16)
    elif digits.startswith("0"):
        magnitude = int(digits, 8)
    else:
        magnitude = int(digits, 10)
    return (-magnitude if sign == "-" else magnitude), match.end()


def strtoi64(text: str, pos: int = 0, whole: bool = True) -> tuple[int, int]:
    """``qemu_strtoi64(text + pos, base 0)``: (value, end)."""
    value, end = _integer(_C_INTEGER.match(text, pos))
    if whole and end != len(text):
        raise _ParseError
    if not INT64_MIN <= value <= INT64_MAX:
        raise _ParseError(out_of_range=True)
    return value, end


def strtou64(text: str, pos: int = 0, whole: bool = True,
             decimal: bool = False) -> tuple[int, int]:
    """``qemu_strtou64(text + pos, base 0)`` (base 10 if ``decimal``): (value, end)."""
    if decimal:
        value, end = _integer(_C_DECIMAL.match(text, pos), 10)
    else:
        value, end = _integer(_C_INTEGER.match(text, pos))
    if whole and end != len(text):
        raise _ParseError
    if abs(value) > UINT64_MAX:
        raise _ParseError(out_of_range=True)
    return value % (UINT64_MAX + 1), end


def _strtou64_hex(text: str) -> tuple[int, int]:
    match = _C_HEX.match(text)
    if match is None:
        raise _ParseError
    value = int(match.group(2), 16)
    if value > UINT64_MAX:
        raise _ParseError(out_of_range=True)
    return (-value if match.group(1) == "-" else value) % (UINT64_MAX + 1), match.end()


def strtod_finite(text: str) -> float:
    """``qemu_strtod_finite(text)`` on the whole string."""
    match = _C_FLOAT.match(text)
    if match is None or match.end() != len(text) or match.group("special"):
        raise _ParseError
    if match.group("hex"):
        literal = match.group("hex")
        sign = -1.0 if literal.startswith("-") else 1.0
        try:
            value = sign * float.fromhex(literal.lstrip("+-"))
        except OverflowError:
            raise _ParseError(out_of_range=True) from None
    else:
        literal = match.group("dec")
        value = float(literal)
    if math.isinf(value):
        raise _ParseError(out_of_range=True)
    if abs(value) < sys.float_info.min and _has_nonzero_digit(literal):
        raise _ParseError(out_of_range=True)  # underflow
    return value


def _has_nonzero_digit(literal: str) -> bool:
    mantissa = re.split("[pP]" if literal.lstrip("+-")[:2] in ("0x", "0X") else "[eE]",
                        literal)[0]
    mantissa = mantissa.lstrip("+-")
    if mantissa[:2] in ("0x", "0X"):
        mantissa = mantissa[2:]
    return any(c not in "0." for c in mantissa)


def strtosz(text: str) -> int:
    """``qemu_strtosz(text)``: a size in bytes, suffixes in powers of 1024."""
    try:
        value, end = strtou64(text, whole=False, decimal=True)
    except _ParseError as err:
        # Overflow with text left over is reported as invalid input.
        if err.out_of_range and _C_DECIMAL.fullmatch(text):
            raise
        raise _ParseError from None
    if "-" in text[:end]:
        raise _ParseError
    hex_input = False
    fraction = 0
    if value == 0 and text[end:end + 1] in ("x", "X"):
        value, end = _strtou64_hex(text)
        if text[end:end + 1] == ".":
            raise _ParseError
        hex_input = True
    elif text[end:end + 1] == ".":
        fraction, end = _size_fraction(text, end)
    unit = _SIZE_SUFFIXES.get(text[end:end + 1].upper()) if end < len(text) else None
    if unit is not None:
        if hex_input:
            logger.warning("Using a multiplier suffix on hex numbers is deprecated: %s", text)
        end += 1
    else:
        unit = 0
    if end != len(text):
        raise _ParseError
    if unit == 0:
        if fraction:
            raise _ParseError  # a fraction of a byte
        return value
    multiplier = 1 << (10 * unit)
    # value.fraction (64-bit fixed point) times the multiplier, rounding
    # half a byte upward.
    scaled = fraction * multiplier
    total = value * multiplier + (scaled >> 64) + ((scaled >> 63) & 1)
    if total > UINT64_MAX:
        raise _ParseError(out_of_range=True)
    return total


def _size_fraction(text: str, dot: int) -> tuple[int, int]:
    """The fraction after ``text[dot] == '.'`` as 64-bit fixed point, and its end."""
    match = _C_FRACTION.match(text, dot)
    if match is None:
        return 0, dot + 1  # "1.k" is 1k: no fractional digits
    if match.group(2):
        raise _ParseError  # exponents are not allowed
    fraction = float("0." + match.group(1))
    if fraction == 0.0 and match.group(1).strip("0"):
        return 0, dot + 1  # underflow: the digits are then left over
    return min(int(fraction * 2.0 ** 64), UINT64_MAX), match.end()


# -- the visitor's scalars -------------------------------------------------------------

def _expects(name: str, what: str) -> QAPIVisitError:
    return QAPIVisitError(f"Parameter '{name}' expects {what}")


def parse_int64(text: str, name: str = "null") -> int:
    try:
        return strtoi64(text)[0]
    except _ParseError:
        raise _expects(name, "int64") from None


def parse_uint64(text: str, name: str = "null") -> int:
    try:
        return strtou64(text)[0]
    except _ParseError:
        raise _expects(name, "uint64") from None


def _bounded_signed(low: int, high: int, what: str) -> Callable[[str, str], int]:
    def parse(text: str, name: str = "null") -> int:
        value = parse_int64(text, name)
        if not low <= value <= high:
            raise _expects(name, what)
        return value
    return parse


def _bounded_unsigned(high: int, what: str) -> Callable[[str, str], int]:
    def parse(text: str, name: str = "null") -> int:
        value = parse_uint64(text, name)
        if value > high:
            raise _expects(name, what)
        return value
    return parse


parse_int8 = _bounded_signed(-0x80, 0x7F, "int8_t")
parse_int16 = _bounded_signed(-0x8000, 0x7FFF, "int16_t")
parse_int32 = _bounded_signed(-0x80000000, 0x7FFFFFFF, "int32_t")
parse_uint8 = _bounded_unsigned(0xFF, "uint8_t")
parse_uint16 = _bounded_unsigned(0xFFFF, "uint16_t")
parse_uint32 = _bounded_unsigned(0xFFFFFFFF, "uint32_t")


def parse_size(text: str, name: str = "null") -> int:
    try:
        return strtosz(text)
    except _ParseError as err:
        if err.out_of_range:
            raise QAPIVisitError(
                f"Value '{text}' is out of range for parameter '{name}'") from None
        error = _expects(name, "a non-negative number below 2^64")
        error.add_note("Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, "
                       "tera-, peta-\nand exabytes, respectively.")
        raise error from None


def parse_bool(text: str, name: str = "null") -> bool:
    if text in ("on", "yes", "true", "y"):
        return True
    if text in ("off", "no", "false", "n"):
        return False
    raise _expects(name, "'on' or 'off'")


def parse_number(text: str, name: str = "null") -> float:
    try:
        return strtod_finite(text)
    except _ParseError:
        raise QAPIVisitError(
            f"Invalid parameter type for '{name}', expected: number") from None


def parse_str(text: str, name: str = "null") -> str:
    return text


def parse_null(text: str, name: str = "null") -> None:
    if text:
        raise QAPIVisitError(f"Invalid parameter type for '{name}', expected: null")


# -- integer lists -------------------------------------------------------------------------

def _parse_list(text: str, name: str, convert: Callable[[str, int], tuple[int, int]],
                what: str) -> list[int]:
    values: list[int] = []
    pos = 0
    while pos < len(text):
        try:
            start, pos = convert(text, pos)
            end = start
            if text[pos:pos + 1] == "-":
                end, pos = convert(text, pos + 1)
                if start > end or end - start >= RANGE_MAX_ELEMENTS:
                    raise _ParseError
            if pos < len(text) and text[pos] != ",":
                raise _ParseError
        except _ParseError:
            raise _expects(name, f"list of {what} values or ranges") from None
        values.extend(range(start, end + 1))
        pos += 1
    return values


def parse_int64_list(text: str, name: str = "null") -> list[int]:
    """``1,3-5`` -> [1, 3, 4, 5]."""
    return _parse_list(text, name, lambda s, p: strtoi64(s, p, whole=False), "int64")


def parse_uint64_list(text: str, name: str = "null") -> list[int]:
    """Unsigned integers and ranges: ``0x10-0x12,20``."""
    return _parse_list(text, name, lambda s, p: strtou64(s, p, whole=False), "uint64")


PARSERS: dict[str, Callable[..., Any]] = {
    "str": parse_str, "number": parse_number, "int": parse_int64, "int8": parse_int8,
    "int16": parse_int16, "int32": parse_int32, "int64": parse_int64,
    "uint8": parse_uint8, "uint16": parse_uint16, "uint32": parse_uint32,
    "uint64": parse_uint64, "size": parse_size, "bool": parse_bool, "null": parse_null,
}
"""The parser of each built-in scalar type, by its schema name."""


def parse_builtin(type_name: str, text: str, name: str = "null") -> Any:
    """A value of built-in scalar type ``type_name`` from ``text``."""
    return PARSERS[type_name](text, name)
