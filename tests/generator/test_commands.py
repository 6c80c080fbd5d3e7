"""The generated command marshallers and registry: flags as in the schema,
arguments read with the visitors, results written with them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from qapi.schema import QAPISchemaCommand
from runtime.dispatch import CommandRegistry
from runtime.errors import CommandNotFound, CommandNotImplemented, GenericError, QAPIVisitError
from tests.generator.generated import Generated, generated, qemu_schema_path

CONDITIONS_SCHEMA = Path(__file__).with_name("data") / "conditions.json"


@pytest.fixture(scope="module")
def qemu(qemu_source: Path) -> Generated:
    return generated(qemu_schema_path(qemu_source), "qemu_")


@pytest.fixture(scope="module")
def cond() -> Generated:
    return generated(CONDITIONS_SCHEMA, "cond-")


@pytest.fixture
def registry(qemu: Generated) -> CommandRegistry:
    return qemu.commands.build_registry()


@pytest.mark.parametrize("schema", ["qemu", "qga", "cond"])
def test_flags_match_the_schema(request: pytest.FixtureRequest, qemu_source: Path,
                                schema: str) -> None:
    gen = {"qemu": lambda: request.getfixturevalue("qemu"),
           "cond": lambda: request.getfixturevalue("cond"),
           "qga": lambda: generated(qemu_source / "qga" / "qapi-schema.json", "qga_")}[schema]()
    registry = gen.commands.build_registry()
    commands = [e for e in gen.schema.entities if isinstance(e, QAPISchemaCommand)]
    assert commands
    for command in commands:
        entry = registry._entries[command.name].command
        assert (entry.name, entry.gen, entry.success_response, entry.allow_oob,
                entry.allow_preconfig, entry.coroutine, entry.boxed) == (
            command.name, command.gen, command.success_response, command.allow_oob,
            command.allow_preconfig, command.coroutine, command.boxed)
        assert entry.features == tuple(f.name for f in command.features)
        assert entry.deprecated == ("deprecated" in entry.features)
        assert entry.unstable == ("unstable" in entry.features)
        assert entry.ifcond == command.ifcond.ifcond
        assert entry.available() == (not command.ifcond.is_present())
    assert [c.name for c in registry.commands()] == \
        [c.name for c in commands if not c.ifcond.is_present()]


def test_no_arguments_and_a_struct_result(qemu: Generated, registry: CommandRegistry) -> None:
    status = qemu.types.StatusInfo(running=True, singlestep=False,
                                   status=qemu.types.RunState.RUNNING)
    registry.implement("query-status", lambda: status)
    assert registry.execute("query-status") == \
        {"running": True, "singlestep": False, "status": "running"}
    assert registry.execute("query-status", {}) == registry.execute("query-status")
    with pytest.raises(QAPIVisitError, match="Parameter 'verbose' is unexpected"):
        registry.execute("query-status", {"verbose": True})


def test_keyword_arguments_in_schema_order(qemu: Generated, registry: CommandRegistry) -> None:
    calls: list[dict[str, Any]] = []

    @registry.implements("human-monitor-command")
    def hmp(**arguments: Any) -> str:
        calls.append(arguments)
        return "done\r\n"

    assert registry.execute("human-monitor-command", {"command-line": "info status"}) == \
        "done\r\n"
    assert calls == [{"command_line": "info status", "cpu_index": qemu.types.ABSENT}]
    assert list(calls[0]) == ["command_line", "cpu_index"]
    registry.execute("human-monitor-command", {"cpu-index": 1, "command-line": "x"})
    assert calls[1] == {"command_line": "x", "cpu_index": 1}
    with pytest.raises(QAPIVisitError, match="Parameter 'command-line' is missing"):
        registry.execute("human-monitor-command", {"cpu-index": 1})
    with pytest.raises(QAPIVisitError,
                       match="Invalid parameter type for 'cpu-index', expected: integer"):
        registry.execute("human-monitor-command", {"command-line": "x", "cpu-index": "1"})


def test_list_results(qemu: Generated, registry: CommandRegistry) -> None:
    yank = qemu.types
    registry.implement("query-yank", lambda: [
        yank.YankInstance(type="block-node", node_name="disk"),
        yank.YankInstance(type="migration")])
    assert registry.execute("query-yank") == [
        {"type": "block-node", "node-name": "disk"}, {"type": "migration"}]


def test_boxed(qemu: Generated, registry: CommandRegistry) -> None:
    got: list[Any] = []
    registry.implement("blockdev-add", got.append)
    arguments = {"driver": "file", "node-name": "disk", "filename": "/dev/null"}
    assert registry.execute("blockdev-add", arguments) == {}
    assert got == [qemu.types.BlockdevOptions(
        driver=qemu.types.BlockdevDriver.FILE, node_name="disk", filename="/dev/null")]
    with pytest.raises(QAPIVisitError, match="Parameter 'filename' is missing"):
        registry.execute("blockdev-add", {"driver": "file"})


def test_gen_false_takes_the_raw_arguments(registry: CommandRegistry) -> None:
    assert registry.lookup("device_add").gen is False
    got: list[Any] = []
    registry.implement("device_add", lambda arguments: got.append(arguments))
    arguments = {"driver": "virtio-net-device", "id": "net0", "mac": "52:54:00:12:34:56"}
    assert registry.execute("device_add", arguments) == {}
    assert got == [arguments]
    registry.implement("device_add", lambda arguments: {"id": arguments["id"]})
    assert registry.execute("device_add", arguments) == {"id": "net0"}


def test_success_response_false(qemu_source: Path) -> None:
    qga = generated(qemu_source / "qga" / "qapi-schema.json", "qga_")
    registry = qga.commands.build_registry()
    got: list[Any] = []
    registry.implement("guest-shutdown", lambda mode: got.append(mode))
    assert registry.lookup("guest-shutdown").success_response is False
    assert registry.execute("guest-shutdown", {"mode": "halt"}) is None
    assert got == ["halt"]


def test_allow_oob(registry: CommandRegistry) -> None:
    registry.implement("migrate-pause", lambda: None)
    registry.implement("query-status", lambda: None)
    assert registry.lookup("migrate-pause").allow_oob
    assert registry.execute("migrate-pause", oob=True) == {}
    with pytest.raises(GenericError, match="The command query-status does not support OOB"):
        registry.execute("query-status", oob=True)


def test_coroutine_commands_may_be_async(qemu: Generated, registry: CommandRegistry) -> None:
    assert registry.lookup("block_resize").coroutine
    sizes: list[int] = []

    async def resize(device: Any, node_name: Any, size: int) -> None:
        await asyncio.sleep(0)
        sizes.append(size)

    registry.implement("block_resize", resize)
    pending = registry.execute("block_resize", {"node-name": "disk", "size": 1 << 30})
    assert asyncio.iscoroutine(pending)
    assert asyncio.run(pending) == {}
    assert asyncio.run(registry.execute_async("block_resize", {"device": "d", "size": 5})) == {}
    assert sizes == [1 << 30, 5]

    async def status() -> Any:
        return qemu.types.StatusInfo(running=False, singlestep=False, status="paused")

    registry.implement("query-status", status)
    assert asyncio.run(registry.execute_async("query-status"))["status"] == "paused"
    # Synchronous implementations work through execute_async too.
    registry.implement("migrate-pause", lambda: None)
    assert asyncio.run(registry.execute_async("migrate-pause")) == {}


def test_unknown_unimplemented_and_disabled(registry: CommandRegistry) -> None:
    with pytest.raises(CommandNotFound, match="The command no-such has not been found") as err:
        registry.execute("no-such")
    assert err.value.error_class == "CommandNotFound"
    with pytest.raises(CommandNotImplemented, match="The command stop is not implemented"):
        registry.execute("stop")
    with pytest.raises(KeyError):
        registry.implement("no-such", lambda: None)
    registry.implement("stop", lambda: None)
    registry.disable("stop", "not now")
    with pytest.raises(CommandNotFound, match="Command stop has been disabled: not now"):
        registry.execute("stop")
    registry.enable("stop")
    assert registry.execute("stop") == {}


def test_handlers_for_a_qmp_server(qemu: Generated, registry: CommandRegistry) -> None:
    run = registry.handler("human-monitor-command")
    with pytest.raises(CommandNotImplemented):
        run({"command-line": "info"})
    registry.implement("human-monitor-command", lambda command_line, cpu_index: command_line)
    assert run({"command-line": "info"}) == "info"
    registry.implement("device_add", lambda arguments: None)
    assert registry.handler("device_add")({"driver": "x"}) == {}


def test_conditional_commands(registry: CommandRegistry) -> None:
    # dump-skeys exists for s390x only.
    assert registry.implementation("dump-skeys") is None
    with pytest.raises(CommandNotFound):
        registry.lookup("dump-skeys")


def test_flags_of_the_test_schema(cond: Generated) -> None:
    registry = cond.commands.build_registry()
    assert registry.lookup("legacy").deprecated and not registry.lookup("legacy").unstable
    assert registry.lookup("ping").allow_oob and registry.lookup("ping").allow_preconfig
    registry.implement("slow-resize", lambda size: [cond.types.Tool(kind="brush", width=size)])
    assert registry.execute("slow-resize", {"size": 3}) == [{"kind": "brush", "width": 3}]
    registry.implement("paint", lambda paint, tool, extra: paint)
    arguments = {"paint": {"color": "red", "uv": False}, "extra": None}
    assert registry.execute("paint", arguments) == {"color": "red", "uv": False}
    registry.implement("use-tool", lambda tool: None)
    assert registry.execute("use-tool", {"kind": "hand"}) == {}
    registry.implement("shutdown-quietly", lambda: None)
    assert registry.execute("shutdown-quietly") is None
