"""Load: fifty clients at once, each issuing commands, while another floods
the monitor with malformed input.  Every well-formed command gets its
answer, and the emulator stays up.  Loopback only, bounded in count and
time."""

from __future__ import annotations

import asyncio
import json
import random

from qemu.qmp import QMPClient

from tests.qmp.harness import cyqemu_command, running

CLIENTS = 50
COMMANDS_PER_CLIENT = 20
FLOOD_ROUNDS = 100

MALFORMED = [
    b"@", b'{"a" @ }', b"]", b"}", b'"\\q"', b'"\\uD800"', b"01 ", b"nul ", b'"\xc3\x28"',
    b'"abc\x01"', b"\xff", b"[1 2]", b'{"a":1,}', b"1 ", b"[]", b'{"execute": 1}',
    b'{"execute": "nope"}', b'{"execute": "query-status", "arguments": {"x": 1}}',
    b"[" * 1025 + b"]" * 1025,
]
QUERIES = [("query-status", {"status": "prelaunch", "singlestep": False, "running": False}),
           ("query-kvm", {"enabled": False, "present": False}),
           ("query-name", {}),
           ("query-yank", [{"type": "chardev", "id": "compat_monitor0"}])]


async def well_behaved(socket_path: str, number: int) -> int:
    client = QMPClient(f"client{number}")
    await client.connect(socket_path)
    answered = 0
    try:
        for step in range(COMMANDS_PER_CLIENT):
            command, expected = QUERIES[(number + step) % len(QUERIES)]
            assert await client.execute(command) == expected
            answered += 1
    finally:
        await client.disconnect()
    return answered


async def flood(socket_path: str) -> int:
    """Send malformed input and read the error answers; returns how many."""
    reader, writer = await asyncio.open_unix_connection(socket_path)
    await reader.readline()
    writer.write(b'{"execute": "qmp_capabilities"}')
    await reader.readline()
    generator = random.Random(7)
    errors = 0

    async def read_answers() -> None:
        nonlocal errors
        while True:
            line = await reader.readline()
            if not line:
                return
            message = json.loads(line)
            if message.get("id") == "flood-done":
                return
            errors += "error" in message

    answers = asyncio.create_task(read_answers())
    for _ in range(FLOOD_ROUNDS):
        writer.write(b"".join(generator.choice(MALFORMED) for _ in range(20)))
        await writer.drain()
    writer.write(b'\xff{"execute": "query-kvm", "id": "flood-done"}')
    await writer.drain()
    await asyncio.wait_for(answers, 60)
    writer.close()
    return errors


def test_fifty_clients_and_a_flood() -> None:
    with running(cyqemu_command()) as emulator:
        async def scenario() -> tuple[list[int], int]:
            flooding = asyncio.create_task(flood(emulator.socket_path))
            answered = await asyncio.gather(*(well_behaved(emulator.socket_path, number)
                                              for number in range(CLIENTS)))
            return list(answered), await flooding

        answered, errors = asyncio.run(asyncio.wait_for(scenario(), 120))
        assert answered == [COMMANDS_PER_CLIENT] * CLIENTS
        assert errors > FLOOD_ROUNDS * 10
        assert emulator.process.poll() is None

        async def still_there() -> object:
            client = QMPClient("after")
            await client.connect(emulator.socket_path)
            try:
                return await client.execute("query-status")
            finally:
                await client.disconnect()
        assert asyncio.run(still_there()) == QUERIES[0][1]
