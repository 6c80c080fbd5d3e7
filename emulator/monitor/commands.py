"""The emulator's QMP commands, as QEMU 7.2 implements them.

The generated command registry (``qapi_commands``) knows each command's
flags and marshaller; this module says what implements each one, and
`command_table` turns the registry into the table the monitors run
(in the schema's order, which ``query-commands`` reverses, as QEMU's
registration order).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from emulator import generated
from emulator.machine import Machine, MachineClass, machine_classes
from emulator.monitor.runstate import Phase, RunControl
from emulator.version import PACKAGE, QEMU_VERSION
from runtime.dispatch import CommandRegistry
from runtime.errors import DeviceNotFound, GenericError
from runtime.objects import ABSENT
from runtime.qmp.hub import MonitorHub
from runtime.qmp.monitor import current_monitor
from runtime.qmp.request import QMPCommand


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


def build_registry(system: System) -> CommandRegistry:
    """The schema's command registry, every command implemented."""
    types = generated.load("qapi_types")
    visit = generated.load("qapi_visit")
    registry: CommandRegistry = generated.load("qapi_commands").build_registry()
    runstate = system.runstate

    @registry.implements("qmp_capabilities")
    def qmp_capabilities(enable: Any = ABSENT) -> None:
        current_monitor().accept_capabilities([str(name) for name in enable or ()])

    @registry.implements("query-version")
    def query_version() -> Any:
        major, minor, micro = QEMU_VERSION
        return types.VersionInfo(qemu=types.VersionTriple(major=major, minor=minor, micro=micro),
                                 package=PACKAGE)

    @registry.implements("query-commands")
    def query_commands() -> Any:
        return [types.CommandInfo(name=command.name)
                for command in system.hub.command_list(current_monitor())]

    @registry.implements("quit")
    def quit_() -> None:
        runstate.shutdown_action = "poweroff"
        runstate.request_shutdown("host-qmp-quit")

    schema: list[Any] = []

    @registry.implements("query-qmp-schema")
    def query_qmp_schema() -> Any:
        # As QEMU, read the introspection data into SchemaInfo objects (once).
        if not schema:
            schema.extend(visit.visit_SchemaInfoList_from_json(system.schema_info()))
        return schema

    @registry.implements("query-status")
    def query_status() -> Any:
        return types.StatusInfo(running=runstate.is_running(), singlestep=runstate.singlestep,
                                status=types.RunState(runstate.state))

    @registry.implements("query-cpus-fast")
    def query_cpus_fast() -> Any:
        cpus = [] if system.machine is None else system.machine.cpus_fast()
        return visit.visit_CpuInfoFastList_from_json(cpus)

    @registry.implements("query-machines")
    def query_machines() -> Any:
        return visit.visit_MachineInfoList_from_json(
            [machine_class.info() for machine_class in machine_classes()])

    @registry.implements("system_reset")
    def system_reset() -> None:
        runstate.request_reset("host-qmp-system-reset")

    @registry.implements("system_powerdown")
    def system_powerdown() -> None:
        runstate.request_powerdown()

    @registry.implements("query-kvm")
    def query_kvm() -> Any:
        return types.KvmInfo(enabled=False, present=False)

    @registry.implements("query-name")
    def query_name() -> Any:
        return types.NameInfo() if system.name is None else types.NameInfo(name=system.name)

    @registry.implements("stop")
    def stop() -> None:
        runstate.stop()

    @registry.implements("cont")
    def cont() -> None:
        complaint = runstate.cont()
        if complaint is not None:
            raise GenericError(complaint)

    @registry.implements("x-exit-preconfig")
    def x_exit_preconfig() -> None:
        if runstate.phase_reached(Phase.MACHINE_INITIALIZED):
            raise GenericError("The command is permitted only before machine initialization")
        system.exit_preconfig()

    @registry.implements("yank")
    def yank(instances: list[Any]) -> None:
        wanted = [visit.visit_YankInstance_to_json(instance) for instance in instances]
        known = system.yank_instances()
        if any(instance not in known for instance in wanted):
            raise DeviceNotFound("Instance not found")
        system.yank(wanted)

    @registry.implements("query-yank")
    def query_yank() -> Any:
        return visit.visit_YankInstanceList_from_json(system.yank_instances())

    return registry


def command_table(registry: CommandRegistry) -> dict[str, QMPCommand]:
    """The monitors' view of the registry: each command's flags, and a
    handler that runs it through its marshaller."""
    def runner(name: str) -> Callable[[dict[str, Any]], Any]:
        def run(arguments: dict[str, Any]) -> Any:
            return registry.execute(name, arguments)
        return run

    return {command.name: QMPCommand(command.name, runner(command.name),
                                     allow_oob=command.allow_oob,
                                     allow_preconfig=command.allow_preconfig,
                                     success_response=command.success_response)
            for command in registry.commands()}


def command_available(runstate: RunControl) -> Callable[[QMPCommand], None]:
    """The check QEMU makes before running a command: before the machine
    is ready, only commands marked ``allow-preconfig``."""
    def check(command: QMPCommand) -> None:
        if not runstate.phase_reached(Phase.MACHINE_READY) and not command.allow_preconfig:
            raise GenericError(f"The command '{command.name}' is permitted only after "
                               "machine initialization has completed")
    return check
