"""The JSON streaming layer: QEMU's answers to malformed input (recorded
from QEMU 7.2; the transcript suite checks them live), its limits, and
properties that must hold whatever the input and however it is split."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.qmp import json_lexer, json_streamer
from runtime.qmp.json_parser import JSONParseError
from runtime.qmp.json_streamer import JSONMessageParser, parse_json
from runtime.qmp.json_writer import qdict_order, quote_string, to_json


def messages(data: bytes, chunks: list[int] | None = None) -> list[str]:
    """What the streamer makes of ``data``, each message written as QEMU
    would answer it: the value, or the error response."""
    out: list[str] = []

    def emit(value: Any, error: str | None) -> None:
        if error is not None:
            out.append(to_json({"error": {"class": "GenericError", "desc": error}}))
        else:
            out.append(to_json(value))

    parser = JSONMessageParser(emit)
    if chunks is None:
        parser.feed(data)
    else:
        pos = 0
        for size in chunks:
            parser.feed(data[pos:pos + size])
            pos += size
        parser.feed(data[pos:])
    return out


def err(desc: str) -> str:
    return to_json({"error": {"class": "GenericError", "desc": desc}})


# Input, and QEMU 7.2's answers (a space ends a trailing number or keyword).
QEMU_ANSWERS = [
    (b"@", [err("JSON parse error, stray '@'")]),
    (b'{"a" @ }', [err("JSON parse error, stray '@'"), err("JSON parse error, expecting value")]),
    (b'"abc\x01"', [err("JSON parse error, stray '\"abc\x01'")]),
    (b'{"execute":"x","execute":"y"}', [err("JSON parse error, duplicate key")]),
    (b"]", [err("JSON parse error, expecting value")]),
    (b"}", [err("JSON parse error, expecting value")]),
    (b'{"a":1}}', ['{"a": 1}', err("JSON parse error, expecting value")]),
    (b"1 2 ", ["1", "2"]),
    (b"nul ", [err("JSON parse error, invalid keyword 'nul'")]),
    (b'"\\uD800"', [err("JSON parse error, \\uD800 is not a valid Unicode character")]),
    (b'"\\u12G4"', [err("JSON parse error, \\u12G4 is not a valid Unicode character")]),
    (b'"\\u12"', [err('JSON parse error, \\u12" is not a valid Unicode character')]),
    (b'"\\uDBFF\\uDFFF"',
     [err("JSON parse error, \\uDBFF\\uDFFF is not a valid Unicode character")]),
    (b'"\\uD800\\u0041"', [err("JSON parse error, \\uD800 is not a valid Unicode character")]),
    (b'"\\q"', [err("JSON parse error, invalid escape sequence in string")]),
    (b"'sq'", ['"sq"']),
    (b'"\\u00e9\\ud83d\\ude00\\u0000\x7f"', ['"\\u00E9\\uD83D\\uDE00\\u0000\\u007F"']),
    (b'"\xc3\x28"', [err("JSON parse error, invalid UTF-8 sequence in string")]),
    (b'"\xe0\x80\x80"', [err("JSON parse error, invalid UTF-8 sequence in string")]),
    (b'"\xc0\x80"', ['"\\u0000"']),
    (b'"\xfe"', [err("JSON parse error, stray '\"\ufffd'")]),
    (b"-{", [err("JSON parse error, stray '-{'")]),
    (b"01", [err("JSON parse error, stray '01'")]),
    (b"1.{", [err("JSON parse error, stray '1.{'")]),
    (b"\x00", [err("JSON parse error, stray ''")]),
    (b"[18446744073709551616, -9223372036854775809, 0.1, 1e400, -0.0, 18446744073709551615]",
     ["[1.8446744073709552e+19, -9.2233720368547758e+18, 0.10000000000000001, inf, -0, "
      "18446744073709551615]"]),
    (b'{"b":1,"a":2,"c":[]}', ['{"a": 2, "b": 1, "c": []}']),
    (b"[1,]", [err("JSON parse error, expecting value")]),
    (b'{"a":1,}', [err("JSON parse error, expecting value")]),
    (b"{1:2}", [err("JSON parse error, key is not a string in object")]),
    (b'{"a" 1}', [err("JSON parse error, missing : in object pair")]),
    (b"[1 2]", [err("JSON parse error, expected separator in list")]),
    (b'{"a":1 "b":2}', [err("JSON parse error, expected separator in dict")]),
    (b"{{}:1}", [err("JSON parse error, key is not a string in object")]),
    (b'[}', [err("JSON parse error, expecting value")]),
    (b'{]', [err("JSON parse error, expecting value")]),
]


@pytest.mark.parametrize(("data", "expected"), QEMU_ANSWERS,
                         ids=[repr(data)[:40] for data, _ in QEMU_ANSWERS])
def test_answers_like_qemu(data: bytes, expected: list[str]) -> None:
    assert messages(data) == expected


def test_nesting_limit() -> None:
    deep = b"[" * 1024 + b"]" * 1024
    assert messages(deep) == ["[" * 1024 + "]" * 1024]
    too_deep = messages(b"[" * 1025 + b"]" * 1025)
    assert too_deep[0] == err("JSON nesting depth limit exceeded")
    # The remaining closing brackets are each a message of their own.
    assert too_deep[1:] == [err("JSON parse error, expecting value")] * 1025


def test_token_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_lexer, "MAX_TOKEN_SIZE", 64)
    monkeypatch.setattr(json_streamer, "MAX_TOKEN_SIZE", 64)
    # A string token that outgrows the limit is cut, and what follows is
    # lexed afresh: here a keyword, then a string left open.
    out = messages(b'"' + b"x" * 100 + b'" 1 ')
    assert out == [err("JSON token size limit exceeded"),
                   err(f"JSON parse error, invalid keyword '{'x' * 36}'")]
    # Many small tokens of one message count together; after the error,
    # the rest of the message is read as messages of its own.
    out = messages(b"[" + b'"abcdefghij",' * 10 + b'"x"] 2 ')
    assert out[0] == err("JSON token size limit exceeded")
    assert out[-3:] == ['"x"', err("JSON parse error, expecting value"), "2"]


def test_token_count_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_streamer, "MAX_TOKEN_COUNT", 10)
    out = messages(b"[1,2,3,4,5,6,7,8,9] [1,2,3,4] ")
    assert out[0] == err("JSON token count limit exceeded")
    assert out[-2:] == [err("JSON parse error, expecting value"), "[1, 2, 3, 4]"]


def test_parse_json_whole_string() -> None:
    assert parse_json('{"a": [1, 2.5, true, null]}') == {"a": [1, 2.5, True, None]}
    with pytest.raises(JSONParseError, match="Expecting a JSON value"):
        parse_json("  ")
    with pytest.raises(JSONParseError, match="Expecting at most one JSON value"):
        parse_json("1 2")
    with pytest.raises(JSONParseError, match="premature EOI"):
        parse_json("[1, 2")


def test_key_order_is_qemus() -> None:
    greeting = {"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 22},
                                    "package": ""}, "capabilities": ["oob"]}}
    assert to_json(greeting) == ('{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, '
                                 '"major": 7}, "package": ""}, "capabilities": ["oob"]}}')
    assert qdict_order({"running": 1, "singlestep": 2, "status": 3}) == (
        "status", "singlestep", "running")
    assert qdict_order({"return": 1, "id": 2}) == ("return", "id")
    assert qdict_order({"error": 1, "id": 2}) == ("id", "error")
    assert qdict_order({"event": 1, "timestamp": 2, "data": 3}) == ("timestamp", "event", "data")


def test_pretty_output() -> None:
    assert to_json({"return": {}, "id": {"a": [], "b": {}}}, pretty=True) == (
        '{\n    "return": {\n    },\n    "id": {\n        "a": [\n        ],\n'
        '        "b": {\n        }\n    }\n}')


def test_string_escapes() -> None:
    assert quote_string('a"\\\b\f\n\r\t\x01\x7f\xe9\U0001F600') == (
        '"a\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u007F\\u00E9\\uD83D\\uDE00"')
    # What QEMU could not hold comes out as U+FFFD.
    assert quote_string("\ud800\ufffe") == '"\\uFFFD\\uFFFD"'


# -- properties ------------------------------------------------------------------

INTERESTING_BYTES = (b'{}[],:"\'\\ \t\r\n\x00\x01abcdeflnrstuxyz0123456789.-+eE@%'
                     b"\xc0\x80\xc3\xa9\xfe\xff")
byte_soup = st.lists(st.sampled_from(list(INTERESTING_BYTES)), max_size=200).map(bytes)


@settings(max_examples=300, deadline=None)
@given(byte_soup, st.lists(st.integers(min_value=0, max_value=20), max_size=20))
def test_chunking_does_not_matter(data: bytes, chunks: list[int]) -> None:
    assert messages(data, chunks) == messages(data)


class ByteByByteLexer(json_lexer.JSONLexer):
    """The state machine one byte at a time, without the run shortcuts."""

    def feed(self, data: bytes, start: int = 0, stop: Any = None) -> int:
        for byte in data[start:]:
            self._step(byte)
        return len(data)


@settings(max_examples=300, deadline=None)
@given(byte_soup)
def test_runs_equal_byte_by_byte(data: bytes) -> None:
    fast: list[tuple[int, bytes]] = []
    slow: list[tuple[int, bytes]] = []
    json_lexer.JSONLexer(lambda kind, text: fast.append((kind, text))).feed(data)
    ByteByByteLexer(lambda kind, text: slow.append((kind, text))).feed(data)
    assert fast == slow


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(1 << 63), max_value=(1 << 64) - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_reads_what_python_writes(value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)
    try:
        parsed = parse_json(text.encode("utf-8", "surrogatepass"))
    except JSONParseError as error:
        # QEMU refuses noncharacters and lone surrogates, nothing else.
        assert "Unicode character" in str(error) or "UTF-8" in str(error)
        return
    assert parsed == value
    # Writing and reading back is stable once floats with integral values
    # (written without a fraction, as QEMU writes them) have become ints.
    # (Not the text: members sharing a hash bucket swap at each writing.)
    once = parse_json(to_json(parsed))
    assert parse_json(to_json(once)) == once
