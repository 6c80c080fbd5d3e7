"""The emulator's QMP commands, as QEMU 7.2 implements them.

`command_table` lists them in the schema's order (the order QEMU
registers them, which ``query-commands`` reverses), each with its
argument checks and its flags from the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from emulator.machine import Machine, MachineClass, machine_classes
from emulator.monitor import arguments as args
from emulator.monitor.runstate import Phase, RunControl
from emulator.version import PACKAGE, QEMU_VERSION
from runtime.errors import DeviceNotFound, GenericError
from runtime.qmp.hub import MonitorHub
from runtime.qmp.monitor import current_monitor
from runtime.qmp.request import QMPCommand

YANK_TYPES = ("block-node", "chardev", "migration")


class System(Protocol):
    """What the commands need of the running emulator."""

    runstate: RunControl
    hub: MonitorHub
    name: str | None
    machine: Machine | None
    machine_class: MachineClass

    def exit_preconfig(self) -> None: ...
    def yank_instances(self) -> list[dict[str, str]]: ...
    def yank(self, instances: list[dict[str, str]]) -> None: ...
    def schema_info(self) -> list[dict[str, Any]]: ...


def _no_arguments(function: Callable[[], Any]) -> Callable[[dict[str, Any]], Any]:
    def handler(arguments: dict[str, Any]) -> Any:
        args.members(arguments, ())
        return function()
    return handler


def command_table(system: System) -> dict[str, QMPCommand]:
    """Every QMP command of the emulator, by name, in registration order."""
    runstate = system.runstate

    def qmp_capabilities(arguments: dict[str, Any]) -> None:
        checked = args.members(arguments, (
            args.Member("enable", args.list_of(args.enum(("oob",), in_list=True)),
                        optional=True),))
        current_monitor().accept_capabilities(checked.get("enable", []))

    def query_version() -> dict[str, Any]:
        major, minor, micro = QEMU_VERSION
        return {"qemu": {"major": major, "minor": minor, "micro": micro}, "package": PACKAGE}

    def query_commands() -> list[dict[str, Any]]:
        monitor = current_monitor()
        return [{"name": command.name} for command in system.hub.command_list(monitor)]

    def quit_() -> None:
        runstate.shutdown_action = "poweroff"
        runstate.request_shutdown("host-qmp-quit")

    def query_status() -> dict[str, Any]:
        return {"running": runstate.is_running(), "singlestep": runstate.singlestep,
                "status": runstate.state}

    def query_cpus_fast() -> list[dict[str, Any]]:
        return [] if system.machine is None else system.machine.cpus_fast()

    def query_machines() -> list[dict[str, Any]]:
        return [machine_class.info() for machine_class in machine_classes()]

    def system_reset() -> None:
        runstate.request_reset("host-qmp-system-reset")

    def system_powerdown() -> None:
        runstate.request_powerdown()

    def query_kvm() -> dict[str, Any]:
        return {"enabled": False, "present": False}

    def query_name() -> dict[str, Any]:
        return {} if system.name is None else {"name": system.name}

    def cont() -> None:
        complaint = runstate.cont()
        if complaint is not None:
            raise GenericError(complaint)

    def x_exit_preconfig() -> None:
        if runstate.phase_reached(Phase.MACHINE_INITIALIZED):
            raise GenericError("The command is permitted only before machine initialization")
        system.exit_preconfig()

    def yank(arguments: dict[str, Any]) -> None:
        instance = args.union("type", YANK_TYPES, {
            "block-node": (args.Member("node-name", args.string),),
            "chardev": (args.Member("id", args.string),),
        })
        checked = args.members(arguments, (args.Member("instances", args.list_of(instance)),))
        known = system.yank_instances()
        for wanted in checked["instances"]:
            if not any(_same_instance(wanted, instance) for instance in known):
                raise DeviceNotFound("Instance not found")
        system.yank(checked["instances"])

    commands = [
        QMPCommand("qmp_capabilities", qmp_capabilities, allow_preconfig=True),
        QMPCommand("query-version", _no_arguments(query_version), allow_preconfig=True),
        QMPCommand("query-commands", _no_arguments(query_commands), allow_preconfig=True),
        QMPCommand("quit", _no_arguments(quit_), allow_preconfig=True),
        QMPCommand("query-qmp-schema", _no_arguments(system.schema_info), allow_preconfig=True),
        QMPCommand("query-status", _no_arguments(query_status), allow_preconfig=True),
        QMPCommand("query-cpus-fast", _no_arguments(query_cpus_fast)),
        QMPCommand("query-machines", _no_arguments(query_machines)),
        QMPCommand("system_reset", _no_arguments(system_reset)),
        QMPCommand("system_powerdown", _no_arguments(system_powerdown)),
        QMPCommand("query-kvm", _no_arguments(query_kvm)),
        QMPCommand("query-name", _no_arguments(query_name), allow_preconfig=True),
        QMPCommand("stop", _no_arguments(runstate.stop)),
        QMPCommand("cont", _no_arguments(cont)),
        QMPCommand("x-exit-preconfig", _no_arguments(x_exit_preconfig), allow_preconfig=True),
        QMPCommand("yank", yank, allow_oob=True),
        QMPCommand("query-yank", _no_arguments(system.yank_instances), allow_oob=True),
    ]
    return {command.name: command for command in commands}


def _same_instance(wanted: dict[str, str], instance: dict[str, str]) -> bool:
    return all(instance.get(key.replace("_", "-")) == value for key, value in wanted.items())


def command_available(runstate: RunControl) -> Callable[[QMPCommand], None]:
    """The check QEMU makes before running a command: before the machine
    is ready, only commands marked ``allow-preconfig``."""
    def check(command: QMPCommand) -> None:
        if not runstate.phase_reached(Phase.MACHINE_READY) and not command.allow_preconfig:
            raise GenericError(f"The command '{command.name}' is permitted only after "
                               "machine initialization has completed")
    return check
