"""JSON lexer: bytes to tokens, with QEMU's state machine.

QEMU's lexer (RFC 8259 plus single-quoted strings and a ``\\'`` escape)
decides what counts as one bad token, and so what an error message
quotes; this one makes the same decisions.  The machine is written as a
table, state by state; runs of bytes that keep a state (the inside of a
string, digits, blanks, bytes skipped after an error) are taken in one
step, so a long string costs one regular-expression match, not a Python
loop turn per byte.

Tokens go to a ``sink(kind, text)``: ``kind`` is one of the token kinds
below, or ``ERROR`` for a bad token, or a lexer state when a single token
outgrew `MAX_TOKEN_SIZE` (QEMU then hands the partial token on and
starts afresh).
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAX_TOKEN_SIZE = 64 << 20

# Lexer states.
ERROR = 0          # also the "bad token" kind
RECOVERY = 1       # skipping bytes after an error
DQ_STRING_ESCAPE = 2
DQ_STRING = 3
SQ_STRING_ESCAPE = 4
SQ_STRING = 5
ZERO = 6
EXP_DIGITS = 7
EXP_SIGN = 8
EXP_E = 9
MANTISSA = 10
MANTISSA_DIGITS = 11
DIGITS = 12
SIGN = 13
KEYWORD_STATE = 14
START = 15

# Token kinds.
LCURLY = 100
RCURLY = 101
LSQUARE = 102
RSQUARE = 103
COLON = 104
COMMA = 105
INTEGER = 106
FLOAT = 107
KEYWORD = 108
STRING = 109

TOKEN_KINDS = frozenset(range(LCURLY, STRING + 1))

# A table entry with this bit set does not consume its byte: the byte is
# looked at again in the next state.
_LOOKAHEAD = 0x100

Sink = Callable[[int, bytes], None]


def _build_table() -> list[list[int]]:
    table = [[ERROR] * 256 for _ in range(START + 1)]

    def put(state: int, chars: bytes | range, entry: int) -> None:
        row = table[state]
        for char in chars:
            row[char] = entry

    def every(state: int, entry: int) -> None:
        table[state] = [entry] * 256

    digits = b"0123456789"
    lower = bytes(range(ord("a"), ord("z") + 1))
    structural = b"[]{}:,"

    # After an error, skip to a byte where a new token may start: a
    # structural character, a control character other than tab, or one of
    # the impossible bytes 0xFE 0xFF (clients send those to resynchronize).
    put(RECOVERY, range(0x00, 0x20), START | _LOOKAHEAD)
    put(RECOVERY, range(0x20, 0xFE), RECOVERY)
    put(RECOVERY, b"\xfe\xff", START | _LOOKAHEAD)
    put(RECOVERY, b"\t", RECOVERY)
    put(RECOVERY, structural, START | _LOOKAHEAD)

    for quote, inside, escape in ((b'"', DQ_STRING, DQ_STRING_ESCAPE),
                                  (b"'", SQ_STRING, SQ_STRING_ESCAPE)):
        put(escape, range(0x20, 0xFE), inside)
        put(inside, range(0x20, 0xFE), inside)
        put(inside, b"\\", escape)
        put(inside, quote, STRING)

    every(ZERO, INTEGER | _LOOKAHEAD)
    put(ZERO, digits, ERROR)
    put(ZERO, b".", MANTISSA)

    every(EXP_DIGITS, FLOAT | _LOOKAHEAD)
    put(EXP_DIGITS, digits, EXP_DIGITS)
    put(EXP_SIGN, digits, EXP_DIGITS)
    put(EXP_E, b"+-", EXP_SIGN)
    put(EXP_E, digits, EXP_DIGITS)

    every(MANTISSA_DIGITS, FLOAT | _LOOKAHEAD)
    put(MANTISSA_DIGITS, digits, MANTISSA_DIGITS)
    put(MANTISSA_DIGITS, b"eE", EXP_E)
    put(MANTISSA, digits, MANTISSA_DIGITS)

    every(DIGITS, INTEGER | _LOOKAHEAD)
    put(DIGITS, digits, DIGITS)
    put(DIGITS, b"eE", EXP_E)
    put(DIGITS, b".", MANTISSA)
    put(SIGN, b"0", ZERO)
    put(SIGN, b"123456789", DIGITS)

    every(KEYWORD_STATE, KEYWORD | _LOOKAHEAD)
    put(KEYWORD_STATE, lower, KEYWORD_STATE)

    put(START, b'"', DQ_STRING)
    put(START, b"'", SQ_STRING)
    put(START, b"0", ZERO)
    put(START, b"123456789", DIGITS)
    put(START, b"-", SIGN)
    for char, kind in zip(b"{}[],:", (LCURLY, RCURLY, LSQUARE, RSQUARE, COMMA, COLON),
                          strict=True):
        table[START][char] = kind
    put(START, lower, KEYWORD_STATE)
    put(START, b" \t\r\n", START)
    return table


_TABLE = _build_table()

# For the states a run of bytes leaves unchanged, the pattern of that run.
_RUNS: dict[int, re.Pattern[bytes]] = {
    START: re.compile(rb"[ \t\r\n]+"),
    RECOVERY: re.compile(rb"[\t\x20-\x2b\x2d-\x39\x3b-\x5a\x5c\x5e-\x7a\x7c\x7e-\xfd]+"),
    DQ_STRING: re.compile(rb'[\x20\x21\x23-\x5b\x5d-\xfd]+'),
    SQ_STRING: re.compile(rb"[\x20-\x26\x28-\x5b\x5d-\xfd]+"),
    DIGITS: re.compile(rb"[0-9]+"),
    MANTISSA_DIGITS: re.compile(rb"[0-9]+"),
    EXP_DIGITS: re.compile(rb"[0-9]+"),
    KEYWORD_STATE: re.compile(rb"[a-z]+"),
}
# Runs in these states are not part of any token.
_DISCARDED_RUNS = (START, RECOVERY)

# The common tokens, taken whole from the start state: blanks, then a
# structural character or a double-quoted string without escapes.
_WHOLE_TOKEN = re.compile(rb'[ \t\r\n]*(?:([{}\[\]:,])|("[\x20\x21\x23-\x5b\x5d-\xfd]*"))')
_STRUCTURAL_KINDS = {ord("{"): LCURLY, ord("}"): RCURLY, ord("["): LSQUARE,
                     ord("]"): RSQUARE, ord(":"): COLON, ord(","): COMMA}


class JSONLexer:
    """Splits a byte stream into JSON tokens, fed in pieces of any size."""

    __slots__ = ("_sink", "state", "_token")

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self.state = START
        self._token = bytearray()

    def reset(self) -> None:
        self.state = START
        self._token.clear()

    def feed(self, data: bytes, start: int = 0, stop: Callable[[], bool] | None = None) -> int:
        """Lex ``data[start:]``; returns the position reached.

        When ``stop`` is given it is asked after each token handed to the
        sink, and lexing pauses (returning the position) when it says so:
        QEMU stops reading from a monitor whose request queue is full.
        """
        size = len(data)
        pos = start
        token = self._token
        runs = _RUNS
        whole_token = _WHOLE_TOKEN.match
        sink = self._sink
        while pos < size:
            state = self.state
            if state == START:
                match = whole_token(data, pos)
                if match is not None:
                    structural = match.group(1)
                    text = structural if structural is not None else match.group(2)
                    if len(text) <= MAX_TOKEN_SIZE:
                        pos = match.end()
                        sink(_STRUCTURAL_KINDS[text[0]] if structural is not None else STRING,
                             text)
                        if stop is not None and stop():
                            return pos
                        continue
            run = runs.get(state)
            if run is not None:
                match = run.match(data, pos)
                if match is not None:
                    end = match.end()
                    if state in _DISCARDED_RUNS:
                        pos = end
                    else:
                        room = MAX_TOKEN_SIZE + 1 - len(token)
                        if end - pos > room:
                            end = pos + room
                        token += data[pos:end]
                        pos = end
                        if len(token) > MAX_TOKEN_SIZE:
                            self._overflow()
                            if stop is not None and stop():
                                return pos
                            continue
                    if pos >= size:
                        break
            emitted = self._step(data[pos])
            pos += 1
            if emitted and stop is not None and stop():
                return pos
        return pos

    def flush(self) -> None:
        """End of input: finish the token in progress (as if a byte that
        can follow any token came), as QEMU does before parsing a string."""
        token = self._token
        while self.state != START:
            entry = _TABLE[self.state][0]
            new_state = entry & ~_LOOKAHEAD
            self._transition(new_state)
        token.clear()

    def _step(self, char: int) -> bool:
        """Feed one byte; returns whether a token (or an error) went out."""
        token = self._token
        emitted = False
        while True:
            entry = _TABLE[self.state][char]
            consumed = not entry & _LOOKAHEAD
            if consumed:
                token.append(char)
            if self._transition(entry & ~_LOOKAHEAD):
                emitted = True
            if consumed:
                break
        if len(token) > MAX_TOKEN_SIZE:
            self._overflow()
            emitted = True
        return emitted

    def _transition(self, new_state: int) -> bool:
        token = self._token
        if new_state >= LCURLY:
            self._sink(new_state, bytes(token))
            token.clear()
            self.state = START
            return True
        if new_state == START:
            token.clear()
        elif new_state == ERROR:
            self._sink(ERROR, bytes(token))
            token.clear()
            self.state = RECOVERY
            return True
        elif new_state == RECOVERY:
            token.clear()
        self.state = new_state
        return False

    def _overflow(self) -> None:
        # QEMU hands the oversized partial token on, typed by the state it
        # was lexed in, and starts afresh.
        state = self.state
        data = bytes(self._token)
        self._token.clear()
        self.state = START
        self._sink(state, data)
