"""QMP transcripts: the same bytes sent to Debian's QEMU 7.2 and to cyqemu
(both ``-M none -S -display none -qmp unix:...``) must get the same bytes
back, once time stamps and the package string are blanked out.

Each case opens a fresh connection, reads the greeting, negotiates (unless
the case is about negotiation), sends its bytes and then a marker request;
the transcript is every line up to the marker's answer (or up to a second
of silence, for cases that leave a message open on purpose).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.qmp.harness import Emulator, RawClient, cyqemu_command, qemu_command

SYNC = b'{"execute": "query-kvm", "id": "sync"}'
SILENCE = 1.0


@dataclass(frozen=True)
class Case:
    name: str
    chunks: tuple[bytes, ...]
    negotiate: bytes | None = b'{"execute": "qmp_capabilities"}'
    pause: float = 0.0
    """Seconds between chunks (the stream split at arbitrary places)."""
    marker: bytes = field(default=SYNC)
    unordered: bool = False
    """Compare the answers as a set: QEMU answers out-of-band requests on
    its I/O thread as soon as it reads them, so they may overtake answers
    to in-band requests (errors included) sent before them."""


NEGOTIATE_OOB = b'{"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}}'


def case(name: str, *chunks: bytes, **options: object) -> Case:
    return Case(name, chunks, **options)  # type: ignore[arg-type]


CASES = [
    # -- negotiation -----------------------------------------------------------
    case("command-before-negotiation", b'{"execute": "query-status"}', negotiate=None),
    case("command-before-negotiation-with-id",
         b'{"execute": "query-status", "id": {"x": [1, 2.5, null]}}', negotiate=None),
    case("unknown-before-negotiation", b'{"execute": "no-such-command"}', negotiate=None),
    case("bad-input-before-negotiation", b'[1]{"execute": 1}{"id": 7}', negotiate=None),
    case("exec-oob-before-negotiation", b'{"exec-oob": "query-yank", "id": 1}',
         negotiate=None),
    case("capabilities-bad-enable",
         b'{"execute": "qmp_capabilities", "arguments": {"enable": "oob"}}'
         b'{"execute": "qmp_capabilities", "arguments": {"enable": [1]}}'
         b'{"execute": "qmp_capabilities", "arguments": {"enable": null}}'
         b'{"execute": "qmp_capabilities", "arguments": {"x": 1}}', negotiate=None),
    case("capabilities-twice", b'{"execute": "qmp_capabilities", "id": "again"}'),
    case("capabilities-oob-twice", b'{"execute": "qmp_capabilities", "arguments": '
         b'{"enable": ["oob", "oob"]}}{"execute": "qmp_capabilities"}', negotiate=None),
    # -- commands, arguments ---------------------------------------------------
    case("unknown-command", b'{"execute": "no-such-command", "id": "u"}'),
    case("unexpected-argument", b'{"execute": "query-status", "arguments": {"foo": 1}}'),
    case("missing-argument", b'{"execute": "yank", "arguments": {}}'),
    case("wrong-argument-types",
         b'{"execute": "yank", "arguments": {"instances": 1}}'
         b'{"execute": "yank", "arguments": {"instances": [1]}}'
         b'{"execute": "yank", "arguments": {"instances": [{"type": "chardev"}]}}'
         b'{"execute": "yank", "arguments": {"instances": [{"type": "chardev", "id": 1}]}}'
         b'{"execute": "yank", "arguments": {"instances": [{"id": "x"}]}}'),
    case("bad-enum-in-list",
         b'{"execute": "qmp_capabilities", "arguments": {"enable": ["foo"]}}', negotiate=None),
    case("bad-enum-member",
         b'{"execute": "yank", "arguments": {"instances": [{"type": "foo"}]}}'),
    case("yank-unknown-instance", b'{"execute": "yank", "arguments": {"instances": '
         b'[{"type": "chardev", "id": "nope"}]}, "id": 9}'),
    case("queries", b'{"execute": "query-status"}{"execute": "query-name"}'
         b'{"execute": "query-kvm"}{"execute": "query-cpus-fast"}{"execute": "query-yank"}'
         b'{"execute": "query-version"}{"execute": "x-exit-preconfig"}'),
    # -- the request object ----------------------------------------------------
    case("execute-not-a-string", b'{"execute": 1}{"execute": ["query-status"]}'),
    case("arguments-not-an-object", b'{"execute": "query-status", "arguments": []}'
         b'{"execute": "query-status", "arguments": null}'),
    case("unexpected-member", b'{"execute": "query-status", "foo": 1, "id": 3}'),
    case("lacks-execute", b'{"id": 1}{}{"arguments": {}}'),
    case("non-object-requests", b'1 "text" [] null true false 2.5 '),
    case("exec-oob-without-oob", b'{"exec-oob": "query-yank"}'
         b'{"execute": "query-status", "exec-oob": "query-status"}'),
    case("exec-oob", b'{"exec-oob": "query-yank", "id": "o"}'
         b'{"exec-oob": "query-status"}{"exec-oob": 1}'
         b'{"execute": "query-yank", "exec-oob": "query-yank"}'
         b'{"exec-oob": "no-such-command"}', negotiate=NEGOTIATE_OOB, unordered=True),
    # -- id handling -----------------------------------------------------------
    case("id-values", b'{"execute": "query-kvm", "id": 1}'
         b'{"execute": "query-kvm", "id": -0.0}'
         b'{"execute": "query-kvm", "id": 1.5e3}'
         b'{"execute": "query-kvm", "id": 0.1}'
         b'{"execute": "query-kvm", "id": 18446744073709551615}'
         b'{"execute": "query-kvm", "id": 18446744073709551616}'
         b'{"execute": "query-kvm", "id": -9223372036854775809}'
         b'{"execute": "query-kvm", "id": 1e400}'
         b'{"execute": "query-kvm", "id": null}'
         b'{"execute": "query-kvm", "id": false}'
         b'{"execute": "query-kvm", "id": "\\u00e9\\ud83d\\ude00\\u0000\\u001f\x7f"}'
         b'{"execute": "query-kvm", "id": {"b": 1, "a": [{}, []], "c": {"d": "e"}}}'),
    case("id-on-errors", b'{"execute": "nope", "id": [1]}{"execute": 1, "id": [2]}'
         b'{"id": [3], "foo": 1}'),
    case("id-deeply-nested", b'{"execute": "query-kvm", "id": ' + b"[" * 1023 + b"7"
         + b"]" * 1023 + b"}"),
    case("duplicate-id", b'{"execute": "query-kvm", "id": 1, "id": 2}'),
    # -- malformed JSON --------------------------------------------------------
    case("stray-character", b"@{\"execute\": \"query-kvm\"}"),
    case("stray-in-object", b'{"execute" @ "query-kvm"}'),
    case("unbalanced-close", b"]}"),
    case("extra-close", b'{"execute": "query-kvm"}}]'),
    case("unbalanced-open", b'{"execute": "query-kvm", "id": [1, 2}'),
    case("left-open", b'{"execute": ', marker=SYNC + b"}"),
    case("bad-keywords", b"nul tru falsey "),
    case("bad-numbers", b"01 -{ 1.{ 1e{ 00 "),
    case("bad-escapes", b'"\\q" "\\uD800" "\\u12G4" "\\u12" "\\uDBFF\\uDFFF" '
         b'"\\uD800\\u0041" "\\uDC00"'),
    case("bad-utf8", b'"\xc3\x28" "\xe0\x80\x80" "\xed\xa0\x80" "\xf4\x90\x80\x80" '
         b'"\xef\xbf\xbe"'),
    case("modified-utf8-nul", b'{"execute": "query-kvm", "id": "\xc0\x80"}'),
    case("control-characters", b'"abc\x01" \x00 "a\x1fb" \x7f'),
    case("impossible-bytes", b'"x\xfe" \xff{"execute": "query-kvm", "id": 1}'),
    case("single-quotes", b"{'execute': 'query-kvm', 'id': 'it''s'}"
         b"{'execute': 'query-kvm', 'id': '\\'\"'}"),
    case("syntax-errors", b'[1 2] {"a" 1} {"a": 1 "b": 2} {1: 2} {{}: 1} [1,] '
         b'{"a": 1,} [,] {,} '),
    case("duplicate-key", b'{"execute": "query-kvm", "execute": "query-kvm"}'),
    case("nesting-limit", b"[" * 1025 + b"]" * 1025),
    case("nesting-limit-objects", b'{"a": ' * 1025 + b"1" + b"}" * 1025),
    case("split-anywhere", b'{"exec', b'ute": "query-', b'kvm", "id"', b': 4', b'2}',
         b'[1, ', b'2]', pause=0.05),
    case("split-inside-escape", b'{"execute": "query-kvm", "id": "\\', b'u00', b'e9"}',
         pause=0.05),
    # -- run state, events -----------------------------------------------------
    case("run-state", b'{"execute": "stop"}{"execute": "cont"}{"execute": "query-status"}'
         b'{"execute": "stop"}{"execute": "query-status"}{"execute": "cont"}'
         b'{"execute": "cont"}{"execute": "system_reset"}{"execute": "query-status"}'
         b'{"execute": "system_powerdown"}{"execute": "stop"}'),
]


@pytest.fixture(scope="module")
def emulators() -> Iterator[dict[str, Emulator]]:
    qemu = qemu_command()
    if qemu is None:
        pytest.fail("Debian's qemu-system-riscv64 is not installed (make install installs it)",
                    pytrace=False)
    started = {"qemu": Emulator(qemu), "cyqemu": Emulator(cyqemu_command())}
    try:
        yield started
    finally:
        for emulator in started.values():
            emulator.stop()


_TIMESTAMP = re.compile(rb'"timestamp": \{"seconds": \d+, "microseconds": \d+\}')
_PACKAGE = re.compile(rb'"package": "(?:[^"\\]|\\.)*"')


def normalize(line: bytes) -> bytes:
    line = _TIMESTAMP.sub(b'"timestamp": {"seconds": S, "microseconds": U}', line)
    return _PACKAGE.sub(b'"package": "P"', line)


def transcript(emulator: Emulator, test_case: Case) -> list[bytes]:
    client = RawClient(emulator.socket_path)
    try:
        greeting = client.read_line(10)
        assert greeting is not None
        lines = [normalize(greeting)]
        if test_case.negotiate is not None:
            client.send(test_case.negotiate)
            lines.append(client.read_line(10) or b"<nothing>")
        for index, chunk in enumerate(test_case.chunks):
            if index and test_case.pause:
                time.sleep(test_case.pause)
            client.send(chunk)
        client.send(test_case.marker)
        lines += [normalize(line) for line in client.read_until(b'"sync"', SILENCE)]
        return lines
    finally:
        client.close()


@pytest.mark.parametrize("test_case", [
    pytest.param(test_case, id=test_case.name) for test_case in CASES])
def test_same_answers(emulators: dict[str, Emulator], test_case: Case) -> None:
    expected = transcript(emulators["qemu"], test_case)
    actual = transcript(emulators["cyqemu"], test_case)
    if test_case.unordered:
        expected.sort()
        actual.sort()
    assert actual == expected


def test_greeting_shape(emulators: dict[str, Emulator]) -> None:
    def shape(value: object) -> object:
        if isinstance(value, dict):
            return [(key, shape(item)) for key, item in value.items()]
        if isinstance(value, list):
            return [shape(item) for item in value]
        return type(value).__name__

    greetings = {}
    for name, emulator in emulators.items():
        client = RawClient(emulator.socket_path)
        greetings[name] = json.loads(client.read_line(10) or b"")
        client.close()
    assert shape(greetings["cyqemu"]) == shape(greetings["qemu"])
    assert greetings["cyqemu"]["QMP"]["version"]["qemu"] == \
        greetings["qemu"]["QMP"]["version"]["qemu"]
