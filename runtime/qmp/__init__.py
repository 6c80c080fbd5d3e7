"""The QMP monitor: QEMU-compatible JSON streaming, request handling, the
asyncio server, events and their rate limiting.

- `mod_utf8`: QEMU's modified UTF-8 (what its strings are made of).
- `json_lexer`, `json_streamer`, `json_parser`: bytes from a client to
  JSON values, with QEMU's limits and QEMU's error messages.
- `json_writer`: values to bytes as QEMU writes them (its key order too).
- `request`: one request checked and dispatched as `qmp_dispatch` does.
- `monitor`: one QMP monitor session, free of I/O (greeting, negotiation,
  queueing, out-of-band execution).
- `server`: listening sockets and connections (asyncio).
- `event_throttle`: rate limiting of guest-triggerable events.
"""
