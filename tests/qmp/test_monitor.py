"""cyqemu-system-riscv64's QMP monitor, driven with QEMU's client library
(``qemu.qmp``) and, where the exact bytes matter, a raw socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest
from qemu.qmp import ExecuteError, QMPClient
from qemu.qmp.events import EventListener

from tests.qmp.harness import Emulator, RawClient, cyqemu_command, running

T = TypeVar("T")

SCHEMA_COMMANDS = {
    "qmp_capabilities", "query-version", "query-commands", "quit", "query-qmp-schema",
    "query-status", "query-cpus-fast", "query-machines", "system_reset", "system_powerdown",
    "query-kvm", "query-name", "stop", "cont", "x-exit-preconfig", "yank", "query-yank"}


def run(scenario: Callable[[], Awaitable[T]], timeout: float = 30) -> T:
    return asyncio.run(asyncio.wait_for(scenario(), timeout))


async def client_for(emulator: Emulator, name: str = "test") -> QMPClient:
    client = QMPClient(name)
    await client.connect(emulator.socket_path)
    return client


async def next_event(listener: EventListener, timeout: float = 5) -> dict[str, Any]:
    return dict(await asyncio.wait_for(listener.get(), timeout))


@pytest.fixture(scope="module")
def shared() -> Any:
    """One paused ``-M none`` emulator for the tests that only query."""
    with running(cyqemu_command(), ("-M", "none", "-S", "-name", "guest0")) as emulator:
        yield emulator


def test_greeting_and_negotiation(shared: Emulator) -> None:
    raw = RawClient(shared.socket_path)
    greeting = json.loads(raw.read_line() or b"")
    assert list(greeting) == ["QMP"]
    assert list(greeting["QMP"]) == ["version", "capabilities"]
    assert greeting["QMP"]["version"]["qemu"] == {"micro": 22, "minor": 2, "major": 7}
    assert greeting["QMP"]["capabilities"] == ["oob"]
    raw.send(b'{"execute": "query-status", "id": "early"}')
    assert raw.read_line() == (
        b'{"id": "early", "error": {"class": "CommandNotFound", "desc": '
        b'"Expecting capabilities negotiation with \'qmp_capabilities\'"}}\r\n')
    raw.send(b'{"execute": "qmp_capabilities", "arguments": {"enable": ["nope"]}}')
    assert b"does not accept value 'nope'" in (raw.read_line() or b"")
    raw.send(b'{"execute": "qmp_capabilities"}')
    assert raw.read_line() == b'{"return": {}}\r\n'
    raw.send(b'{"execute": "qmp_capabilities"}')
    assert raw.read_line() == (
        b'{"error": {"class": "CommandNotFound", "desc": '
        b'"Capabilities negotiation is already complete, command ignored"}}\r\n')
    raw.close()


def test_queries(shared: Emulator) -> None:
    async def scenario() -> None:
        client = await client_for(shared)
        try:
            assert client.greeting is not None
            version = await client.execute("query-version")
            assert version["qemu"] == {"major": 7, "minor": 2, "micro": 22}
            assert version["package"].startswith("cyqemu")
            names = [entry["name"] for entry in await client.execute("query-commands")]
            assert set(names) == SCHEMA_COMMANDS
            assert names[-1] == "qmp_capabilities"      # reverse registration order
            schema = await client.execute("query-qmp-schema")
            commands = {entry["name"]: entry for entry in schema
                        if entry["meta-type"] == "command"}
            assert set(commands) == SCHEMA_COMMANDS
            assert commands["query-yank"].get("allow-oob") is True
            assert await client.execute("query-status") == {
                "status": "prelaunch", "singlestep": False, "running": False}
            assert await client.execute("query-name") == {"name": "guest0"}
            machines = await client.execute("query-machines")
            assert {"name": "none", "cpu-max": 1, "hotpluggable-cpus": False,
                    "numa-mem-supported": False, "deprecated": False,
                    "default-ram-id": "ram"} in machines
            assert await client.execute("query-cpus-fast") == []
            assert await client.execute("query-kvm") == {"enabled": False, "present": False}
            assert await client.execute("query-yank") == [
                {"type": "chardev", "id": "compat_monitor0"}]
            with pytest.raises(ExecuteError) as failure:
                await client.execute("yank", {"instances": [{"type": "chardev", "id": "x"}]})
            assert failure.value.error_class == "DeviceNotFound"
            with pytest.raises(ExecuteError, match="only before machine initialization"):
                await client.execute("x-exit-preconfig")
            with pytest.raises(ExecuteError, match="The command no-such has not been found"):
                await client.execute("no-such")
            with pytest.raises(ExecuteError, match="Parameter 'bogus' is unexpected"):
                await client.execute("query-status", {"bogus": 1})
        finally:
            await client.disconnect()
    run(scenario)


def test_run_state_commands_and_events() -> None:
    """stop, cont, system_reset, system_powerdown and quit: their events
    reach every negotiated client, stamped with the time."""
    with running(cyqemu_command()) as emulator:
        async def scenario() -> None:
            first, second = await client_for(emulator, "a"), await client_for(emulator, "b")
            listeners = [EventListener(), EventListener()]
            with first.listen(listeners[0]), second.listen(listeners[1]):
                before = time.time()
                # Stopping a guest that never ran changes nothing.
                assert await first.execute("stop") == {}
                assert await first.execute("cont") == {}
                for listener in listeners:
                    resume = await next_event(listener)
                    assert resume["event"] == "RESUME"
                    stamp = resume["timestamp"]
                    assert before - 1 <= stamp["seconds"] + stamp["microseconds"] / 1e6 \
                        <= time.time() + 1
                assert (await first.execute("query-status"))["status"] == "running"
                await first.execute("stop")
                assert (await next_event(listeners[1]))["event"] == "STOP"
                assert (await second.execute("query-status"))["status"] == "paused"
                await first.execute("system_reset")
                reset = await next_event(listeners[1])
                assert reset["event"] == "RESET"
                assert reset["data"] == {"guest": False, "reason": "host-qmp-system-reset"}
                assert (await second.execute("query-status"))["status"] == "prelaunch"
                await first.execute("system_powerdown")
                assert (await next_event(listeners[1]))["event"] == "POWERDOWN"
                await first.execute("quit")
                shutdown = await next_event(listeners[1])
                assert shutdown["event"] == "SHUTDOWN"
                assert shutdown["data"] == {"guest": False, "reason": "host-qmp-quit"}
            for client in (first, second):
                # The emulator hung up after quit, which disconnect() reports.
                with contextlib.suppress(EOFError):
                    await client.disconnect()
        run(scenario)
        assert emulator.process.wait(10) == 0


def test_events_only_after_negotiation() -> None:
    with running(cyqemu_command()) as emulator:
        raw = RawClient(emulator.socket_path)
        raw.read_line()

        async def scenario() -> None:
            client = await client_for(emulator)
            await client.execute("cont")
            await client.disconnect()
        run(scenario)
        # The client still negotiating heard nothing of RESUME.
        raw.send(b'{"execute": "qmp_capabilities"}')
        assert raw.read_line(5) == b'{"return": {}}\r\n'
        raw.close()


def test_exec_oob(shared: Emulator) -> None:
    raw = RawClient(shared.socket_path)
    raw.read_line()
    raw.send(b'{"exec-oob": "query-yank", "id": 1}')
    assert raw.read_line() == (b'{"id": 1, "error": {"class": "GenericError", "desc": '
                               b'"QMP input member \'exec-oob\' is unexpected"}}\r\n')
    raw.send(b'{"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}}')
    assert raw.read_line() == b'{"return": {}}\r\n'
    raw.send(b'{"exec-oob": "query-status", "id": 2}')
    assert raw.read_line() == (b'{"id": 2, "error": {"class": "GenericError", "desc": '
                               b'"The command query-status does not support OOB"}}\r\n')
    raw.send(b'{"exec-oob": "query-yank", "id": 3}')
    assert raw.read_line() == (b'{"return": [{"type": "chardev", "id": "compat_monitor0"}], '
                               b'"id": 3}\r\n')
    raw.close()

    async def scenario() -> None:
        client = await client_for(shared)
        try:
            message = client.make_execute_msg("query-yank", oob=True)
            reply = await client.execute_msg(message)
            assert reply == [{"type": "chardev", "id": "compat_monitor0"}]
        finally:
            await client.disconnect()
    run(scenario)


def test_preconfig() -> None:
    with running(cyqemu_command(), ("-M", "none", "--preconfig")) as emulator:
        async def scenario() -> None:
            client = await client_for(emulator)
            listener = EventListener()
            with client.listen(listener):
                assert (await client.execute("query-status"))["status"] == "prelaunch"
                assert await client.execute("query-name") == {}
                for name in ("stop", "query-machines", "query-yank", "cont"):
                    with pytest.raises(ExecuteError) as failure:
                        await client.execute(name)
                    assert failure.value.error.error.desc == (
                        f"The command '{name}' is permitted only after machine "
                        "initialization has completed")
                assert await client.execute("x-exit-preconfig") == {}
                assert (await next_event(listener))["event"] == "RESUME"
                assert (await client.execute("query-status"))["status"] == "running"
                with pytest.raises(ExecuteError, match="only before machine initialization"):
                    await client.execute("x-exit-preconfig")
            await client.disconnect()
        run(scenario)


def test_preconfig_with_s_stays_paused() -> None:
    with running(cyqemu_command(), ("-M", "none", "--preconfig", "-S")) as emulator:
        async def scenario() -> None:
            client = await client_for(emulator)
            await client.execute("x-exit-preconfig")
            assert (await client.execute("query-status"))["status"] == "prelaunch"
            assert await client.execute("query-machines")
            await client.disconnect()
        run(scenario)


def _free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_several_monitors_tcp_and_pretty() -> None:
    port = _free_tcp_port()
    emulator = Emulator(cyqemu_command(), (
        "-M", "none", "-S",
        "-chardev", f"socket,id=mon1,host=127.0.0.1,port={port},server=on,wait=off",
        "-mon", "chardev=mon1,mode=control,pretty=on",
        "-qmp", f"tcp:127.0.0.1:{port + 1},server=on,wait=off"))
    try:
        async def scenario() -> None:
            unix = await client_for(emulator, "unix")
            tcp = QMPClient("tcp")
            await tcp.connect(("127.0.0.1", port + 1))
            listener = EventListener()
            with tcp.listen(listener):
                await unix.execute("cont")
                assert (await next_event(listener))["event"] == "RESUME"
            assert {"type": "chardev", "id": "mon1"} in await tcp.execute("query-yank")
            await unix.disconnect()
            await tcp.disconnect()
        run(scenario)
        pretty = socket.create_connection(("127.0.0.1", port), timeout=10)
        data = b""
        while not data.endswith(b"}\r\n"):
            data += pretty.recv(4096)
        assert data.startswith(b'{\r\n    "QMP": {\r\n        "version": {\r\n')
        pretty.close()
    finally:
        emulator.stop()


def test_disconnect_mid_message_harms_nothing(shared: Emulator) -> None:
    raw = RawClient(shared.socket_path)
    raw.read_line()
    raw.send(b'{"execute": "qmp_capabilities"}{"execute": "query-st')
    raw.read_line()
    raw.close()
    again = RawClient(shared.socket_path)
    again.read_line()
    again.send(b'{"execute": "qmp_capabilities"}{"execute": "query-kvm"}')
    assert again.read_line() == b'{"return": {}}\r\n'
    assert again.read_line() == b'{"return": {"enabled": false, "present": false}}\r\n'
    again.close()


def test_stdio_monitor() -> None:
    emulator = Emulator(cyqemu_command(), ("-M", "none", "-S", "-qmp", "stdio"), qmp=False,
                        stdin=subprocess.PIPE)
    try:
        stdout, _ = emulator.process.communicate(
            b'{"execute": "qmp_capabilities"}{"execute": "quit"}', timeout=30)
    finally:
        emulator.stop()
    lines = stdout.split(b"\r\n")
    assert lines[0].startswith(b'{"QMP": ')
    assert lines[1] == b'{"return": {}}'
    assert b'"event": "SHUTDOWN"' in lines[2]
    assert lines[3] == b'{"return": {}}'


def test_signal_shuts_down_with_event() -> None:
    with running(cyqemu_command()) as emulator:
        raw = RawClient(emulator.socket_path)
        raw.read_line()
        raw.send(b'{"execute": "qmp_capabilities"}')
        raw.read_line()
        emulator.process.terminate()
        event = json.loads(raw.read_line(10) or b"{}")
        assert event["event"] == "SHUTDOWN"
        assert event["data"] == {"guest": False, "reason": "host-signal"}
        assert emulator.process.wait(10) == 0
        assert b"terminating on signal 15 from pid" in (emulator.process.stderr.read() or b"")
        raw.close()


def test_oversized_token_is_refused_and_the_stream_goes_on(shared: Emulator) -> None:
    """A string over QEMU's 64 MiB token limit gets the limit's error; the
    client resynchronizes with 0xFF (as qmp-spec.txt suggests) and goes on."""
    raw = RawClient(shared.socket_path, timeout=60)
    raw.read_line()
    raw.send(b'{"execute": "qmp_capabilities"}')
    raw.read_line()
    raw.send(b'"' + b"x" * (64 << 20) + b'"')
    assert raw.read_line() == (b'{"error": {"class": "GenericError", '
                               b'"desc": "JSON token size limit exceeded"}}\r\n')
    raw.send(b'\xff{"execute": "query-kvm", "id": "after"}')
    lines = raw.read_until(b'"after"', 10)
    assert lines[-1] == b'{"return": {"enabled": false, "present": false}, "id": "after"}\r\n'
    raw.close()


def test_human_monitor_on_stdio() -> None:
    emulator = Emulator(cyqemu_command(), ("-M", "none", "-S", "-monitor", "stdio",
                                           "-name", "bob"), qmp=False, stdin=subprocess.PIPE)
    try:
        stdout, _ = emulator.process.communicate(
            b"info status\ninfo name\nnope\ncont\ninfo status\nquit\n", timeout=30)
    finally:
        emulator.stop()
    assert stdout.split(b"\r\n") == [
        b"QEMU 7.2.22 monitor - type 'help' for more information",
        b"(qemu) VM status: paused (prelaunch)",
        b"(qemu) bob",
        b"(qemu) unknown command: 'nope'",
        b"(qemu) (qemu) VM status: running",
        b"(qemu) (qemu) "]
