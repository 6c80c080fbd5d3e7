"""The string input visitor parses as QEMU's does (util/cutils.c's strtosz
and strtol family, qapi/string-input-visitor.c): the cases below are
QEMU's documented behaviour and its unit tests' expectations."""

from __future__ import annotations

import pytest

from runtime.errors import QAPIVisitError
from runtime.string_input import (
    parse_bool,
    parse_builtin,
    parse_int8,
    parse_int64,
    parse_int64_list,
    parse_null,
    parse_number,
    parse_size,
    parse_uint8,
    parse_uint64,
    parse_uint64_list,
)

KiB, MiB, GiB, TiB, PiB, EiB = (1 << (10 * n) for n in range(1, 7))


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0), ("42", 42), ("-42", -42), ("+7", 7), (" 12", 12), ("\t-3", -3),
    ("0x1f", 31), ("0X1F", 31), ("-0x10", -16), ("010", 8), ("0", 0),
    ("9223372036854775807", (1 << 63) - 1), ("-9223372036854775808", -(1 << 63)),
])
def test_int64(text: str, value: int) -> None:
    assert parse_int64(text) == value


@pytest.mark.parametrize("text", [
    "", " ", "not an int", "12 ", "1.5", "08", "0x", "0xg", "- 1", "1k",
    "9223372036854775808", "-9223372036854775809",
])
def test_int64_rejected(text: str) -> None:
    with pytest.raises(QAPIVisitError, match="^Parameter 'n' expects int64$"):
        parse_int64(text, "n")


def test_uint64() -> None:
    assert parse_uint64("18446744073709551615") == (1 << 64) - 1
    assert parse_uint64("0xffffffffffffffff") == (1 << 64) - 1
    # strtoull takes negative numbers modulo 2^64.
    assert parse_uint64("-1") == (1 << 64) - 1
    assert parse_uint64("-18446744073709551615") == 1
    for text in ("18446744073709551616", "-18446744073709551616", "x"):
        with pytest.raises(QAPIVisitError, match="^Parameter 'null' expects uint64$"):
            parse_uint64(text)


def test_ranges_of_smaller_integers() -> None:
    assert parse_int8("-128") == -128 and parse_uint8("0xff") == 255
    with pytest.raises(QAPIVisitError, match="^Parameter 'b' expects int8_t$"):
        parse_int8("128", "b")
    with pytest.raises(QAPIVisitError, match="^Parameter 'b' expects uint8_t$"):
        parse_uint8("-1", "b")
    assert parse_builtin("uint16", "65535") == 65535
    with pytest.raises(QAPIVisitError, match="expects int32_t"):
        parse_builtin("int32", str(1 << 31))


@pytest.mark.parametrize(("text", "value"), [
    ("0", 0), ("08", 8), (" 12345", 12345), ("9007199254740993", (1 << 53) + 1),
    ("18446744073709551615", (1 << 64) - 1),
    ("0x0", 0), ("0xab", 171), ("0xae", 174),
    ("1B", 1), ("1b", 1), ("1k", KiB), ("1K", KiB), ("1M", MiB), ("1G", GiB), ("1T", TiB),
    ("1P", PiB), ("1E", EiB), ("8M", 8 * MiB),
    ("0.5E", EiB // 2), ("1.0B", 1), ("1.k", KiB), ("1.5G", 3 * GiB // 2),
    ("12.345M", int(12.345 * MiB + 0.5)), ("1.5e", 3 * EiB // 2),
    ("0x10k", 16 * KiB),  # deprecated, still accepted
])
def test_size(text: str, value: int) -> None:
    assert parse_size(text) == value


@pytest.mark.parametrize("text", [
    "", " \t ", "crap", "inf", "NaN", "1.1B", "1.1", "1.5e1k", "1.5E+0k", "0x1.8k",
    "-0", "-1", "123xxx", "1kiB", "0x", "0.NaN", "123-45", "1 k", "08x",
])
def test_size_rejected(text: str) -> None:
    with pytest.raises(QAPIVisitError) as error:
        parse_size(text, "size")
    assert error.value.desc == "Parameter 'size' expects a non-negative number below 2^64"
    assert "Optional suffix k, M, G, T, P or E" in "".join(error.value.__notes__)


@pytest.mark.parametrize("text", ["18446744073709551616", "20E", "16384P"])
def test_size_out_of_range(text: str) -> None:
    with pytest.raises(QAPIVisitError) as error:
        parse_size(text, "size")
    assert error.value.desc == f"Value '{text}' is out of range for parameter 'size'"


@pytest.mark.parametrize(("text", "value"), [
    ("on", True), ("yes", True), ("true", True), ("y", True),
    ("off", False), ("no", False), ("false", False), ("n", False),
])
def test_bool(text: str, value: bool) -> None:
    assert parse_bool(text) is value


@pytest.mark.parametrize("text", ["ON", "1", "", "enable", "tru"])
def test_bool_rejected(text: str) -> None:
    with pytest.raises(QAPIVisitError, match="^Parameter 'x' expects 'on' or 'off'$"):
        parse_bool(text, "x")


@pytest.mark.parametrize(("text", "value"), [
    ("3.14", 3.14), ("-2", -2.0), (" 1e3", 1000.0), (".5", 0.5), ("5.", 5.0),
    ("0x1.8p1", 3.0), ("-0x10", -16.0), ("1e-300", 1e-300),
])
def test_number(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "x", "1.5x", "inf", "-Infinity", "nan", "1e999",
                                  "1e-400", "1,5"])
def test_number_rejected(text: str) -> None:
    with pytest.raises(QAPIVisitError,
                       match="^Invalid parameter type for 'f', expected: number$"):
        parse_number(text, "f")


def test_null() -> None:
    assert parse_null("") is None
    with pytest.raises(QAPIVisitError,
                       match="^Invalid parameter type for 'null', expected: null$"):
        parse_null("null")


def test_int_lists() -> None:
    assert parse_int64_list("1,2,0,2-4,20,5-9,1-8") == \
        [1, 2, 0, 2, 3, 4, 20, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8]
    assert parse_int64_list("32767,-32768--32767") == [32767, -32768, -32767]
    assert parse_int64_list("1-1") == [1]
    assert parse_int64_list("") == []
    assert parse_int64_list("0x10-0x12,") == [16, 17, 18]
    assert len(parse_int64_list("0-65535")) == 65536
    for text in ("9223372036854775808", "-9223372036854775809", "3-1",
                 "9223372036854775807-0", "0-65536", "not an int list", "1,,2", "1-"):
        with pytest.raises(QAPIVisitError,
                           match="^Parameter 'l' expects list of int64 values or ranges$"):
            parse_int64_list(text, "l")


def test_uint_lists() -> None:
    assert parse_uint64_list("18446744073709551615") == [(1 << 64) - 1]
    assert parse_uint64_list("32767,-32768--32767") == \
        [32767, (1 << 64) - 32768, (1 << 64) - 32767]
    for text in ("18446744073709551616", "-18446744073709551616", "3-1"):
        with pytest.raises(QAPIVisitError, match="expects list of uint64 values or ranges"):
            parse_uint64_list(text)
