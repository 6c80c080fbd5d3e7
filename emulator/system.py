"""One emulator process, from the parsed command line to exit.

Start-up follows QEMU's order: pick the machine type, create the
chardevs (binding their sockets), put monitors on them, then either
build the machine at once or, with ``--preconfig``, wait for
``x-exit-preconfig``; without ``-S`` the guest then starts.  The main
loop is asyncio's: monitors, timers and chardevs run there, and the run
state's requests (shutdown, reset, power-down) are carried out on its
next turn.  SIGTERM, SIGINT and SIGHUP shut the emulator down as QEMU's
do, naming the process that sent them.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from typing import Any

from emulator import chardev, generated
from emulator.cli import CliError, Config, ExitRequest, MonitorSpec, program_name
from emulator.drive import OptionError
from emulator.machine import (
    Machine,
    MachineClass,
    MachineConfig,
    MachineInitExit,
    default_machine,
    find_machine,
    machine_help,
    unknown_machine_hint,
)
from emulator.monitor.commands import build_registry, command_available, command_table
from emulator.monitor.hmp import HumanMonitor
from emulator.monitor.runstate import Phase, RunControl
from emulator.qemu_opts import OptsError, OptType, parse_bool, parse_number, parse_size
from emulator.readconfig import check_config
from runtime import events
from runtime.qmp.hub import MonitorHub
from runtime.qmp.monitor import QMPMonitor

_TERMINATING_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def select_machine(config: Config) -> MachineClass:
    """The machine type the command line asks for (``help`` shows the
    types, or the chosen type's properties)."""
    opts = config.machine_opts.find(None)
    type_name = opts.get("type") if opts is not None else None
    if type_name == "help" or (opts is not None and "help" in opts and type_name is None):
        raise ExitRequest(machine_help())
    if type_name is None:
        machine_class = default_machine()
        if machine_class is None:
            raise CliError("No machine specified, and there is no default",
                           hint="Use -machine help to list supported machines")
    else:
        found = find_machine(type_name)
        if found is None:
            raise CliError("unsupported machine type", hint=unknown_machine_hint(type_name))
        machine_class = found
    if opts is not None and "help" in opts:
        raise ExitRequest(_machine_properties_help(machine_class))
    return machine_class


def validate_boot_options(config: Config) -> None:
    """-append and -initrd need -kernel (QEMU's check)."""
    opts = config.machine_opts.find(None)
    if opts is None or opts.get("kernel") is not None:
        return
    for name in ("append", "initrd"):
        if opts.get(name) is not None:
            raise CliError(f"-{name} only allowed with -kernel option")


def machine_properties(config: Config, machine_class: MachineClass) -> dict[str, Any]:
    """The machine properties given, typed; checks the accelerator."""
    opts = config.machine_opts.find(None)
    properties: dict[str, Any] = {}
    for opt in opts or ():
        if opt.name in ("type", "accel"):
            continue
        desc = machine_class.find_property(opt.name)
        if desc is None:
            raise CliError(f"Property '{machine_class.type_name}.{opt.name}' not found")
        try:
            properties[opt.name] = _property_value(desc.type, opt.name, opt.text)
        except OptsError as err:
            raise CliError(str(err)) from None
    accel = opts.get("accel") if opts is not None else None
    if accel is not None and accel not in ("tcg",):
        raise CliError(f"invalid accelerator {accel}")
    return properties


def _property_value(kind: OptType, name: str, text: str) -> Any:
    if kind is OptType.BOOL:
        return parse_bool(name, text)
    if kind is OptType.NUMBER:
        return parse_number(name, text)
    if kind is OptType.SIZE:
        return parse_size(name, text)
    return text


def _machine_properties_help(machine_class: MachineClass) -> str:
    lines = []
    for desc in machine_class.all_properties():
        kind = {OptType.BOOL: "bool", OptType.NUMBER: "int", OptType.SIZE: "size"}.get(
            desc.type, "string")
        line = f"  {desc.name}=<{kind}>"
        lines.append(f"{line:<24} - {desc.help}" if desc.help else line)
    return f"{machine_class.type_name} options:\n" + "".join(
        line + "\n" for line in sorted(lines))


class System:
    """The running emulator: what the QMP commands act on."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.name = config.name
        validate_boot_options(config)
        self.machine_class = select_machine(config)
        # Images, devices and properties, checked in QEMU's order.
        self.checked = check_config(config.vm)
        self.machine_properties = machine_properties(config, self.machine_class)
        self.machine: Machine | None = None
        self.runstate = RunControl(self._send_event)
        self.runstate.autostart = not config.start_paused
        if config.no_shutdown:
            self.runstate.shutdown_action = "pause"
        if config.no_reboot:
            self.runstate.reboot_action = "shutdown"
        self._check_smp(config)
        self.hub = MonitorHub({}, available=command_available(self.runstate),
                              after_command=self._main_loop_turn)
        self.registry = build_registry(self)
        self.hub.set_commands(command_table(self.registry))
        self._events = generated.load("qapi_events")
        self._previous_emitter: events.Emitter | None = None
        self.chardevs: dict[str, chardev.Chardev] = {}
        self.serial_chardevs: list[chardev.Chardev | None] = []
        self._serial_monitors: list[MonitorSpec] = []
        self._chardev_locations: dict[str, str] = {}
        self._exit = asyncio.Event()
        self._turn_scheduled = False
        self._schema_info: list[dict[str, Any]] | None = None
        self.runstate.request_hook = self._schedule_turn

    # -- events and the main loop -------------------------------------------

    def _send_event(self, name: str, data: dict[str, Any] | None) -> None:
        getattr(self._events, f"send_{name.lower()}")(**(data or {}))

    def _queue_event(self, message: dict[str, Any]) -> None:
        self.hub.queue_event(message["event"], message)

    def _schedule_turn(self) -> None:
        if self.machine is not None:
            self.machine.interrupt_cpus()
        if not self._turn_scheduled:
            self._turn_scheduled = True
            asyncio.get_running_loop().call_soon(self._scheduled_turn)

    def _scheduled_turn(self) -> None:
        self._turn_scheduled = False
        self._main_loop_turn()

    def _main_loop_turn(self) -> None:
        if self.runstate.process_requests():
            if self.machine is not None:
                # As QEMU's exit: nothing more runs in the guest.
                self.machine.vm_state_changed(False, "shutdown")
            self._exit.set()

    # -- start-up -----------------------------------------------------------

    async def start(self) -> None:
        """Create chardevs and monitors, then the machine (unless
        ``--preconfig``); raises CliError."""
        self._previous_emitter = events.set_emitter(self._queue_event)
        self.hub.start()
        self._create_chardevs()
        for device in self.chardevs.values():
            if isinstance(device, chardev.MuxChardev):
                device.quit_handler = self._quit
        self._create_monitors()
        for chardev_id, device in self.chardevs.items():
            try:
                await device.start()
            except chardev.ChardevError as err:
                raise CliError(str(err), self._chardev_locations[chardev_id]) from None
        for device in self.chardevs.values():
            if isinstance(device, chardev.SocketChardev) and device.server and device.wait:
                sys.stderr.write(f"{program_name()}: {self._chardev_locations[device.id]}: "
                                 f"info: QEMU waiting for connection on: {device.describe()}\n")
                await device.wait_for_client()
        self.runstate.phase = Phase.ACCEL_CREATED
        if not self.config.preconfig:
            self._build_machine()

    def _create_chardevs(self) -> None:
        for opts, location in self.config.chardevs:
            try:
                device = chardev.create_chardev(opts)
            except (chardev.ChardevError, OptsError) as err:
                raise CliError(str(err), location) from None
            self.chardevs[device.id] = device
            self._chardev_locations[device.id] = location
        for opts, file_location in self.config.vm.chardevs:
            try:
                device = chardev.create_chardev(opts)
            except (chardev.ChardevError, OptsError) as err:
                raise OptionError(str(err), file_location) from None
            self.chardevs[device.id] = device
            self._chardev_locations[device.id] = ""
        if self._default_monitor_on_stdio():
            # Made before the serial ports, as QEMU makes its monitors first.
            opts = chardev.parse_compat(self.config.chardev_opts, "compat_monitor0", "stdio")
            self.chardevs["compat_monitor0"] = chardev.create_chardev(opts)
            self._chardev_locations["compat_monitor0"] = "-nographic"
        for index, (spec, location) in enumerate(self._serial_specs()):
            if spec == "none":
                self.serial_chardevs.append(None)
                continue
            label = f"serial{index}"
            try:
                opts = chardev.parse_compat(self.config.chardev_opts, label, spec,
                                            permit_mux_mon=True)
                device = chardev.create_chardev(opts)
            except (chardev.ChardevError, OptsError) as err:
                message = str(err) or f"'{spec}' is not a valid char driver"
                raise CliError(message, location,
                               hint=f"{program_name()}: {location}: could not connect serial "
                                    f"device to character backend '{spec}'") from None
            if isinstance(device, chardev.StdioChardev) and any(
                    isinstance(other, chardev.StdioChardev) for other in self.chardevs.values()):
                raise CliError("cannot use stdio by multiple character devices", location,
                               hint=f"{program_name()}: {location}: could not connect serial "
                                    f"device to character backend '{spec}'")
            self.chardevs[label] = device
            self._chardev_locations[label] = location
            self.serial_chardevs.append(device)
            if spec.startswith("mon:"):
                self._serial_monitors.append(MonitorSpec(label, "readline", False, location))

    def _quit(self) -> None:
        self.runstate.shutdown_action = "poweroff"
        self.runstate.request_shutdown("host-qmp-quit")

    def _serial_specs(self) -> list[tuple[str, str]]:
        """The -serial options, or the default serial port's (QEMU's
        choice: on the terminal with -nographic, shared with the monitor
        when that is the default too)."""
        if self.config.serials:
            return self.config.serials
        if not (self.config.defaults and self.machine_class.has_serial):
            return []
        if self.config.nographic:
            if self.config.default_monitor:
                return [("mon:stdio", "-nographic")]
            return [("stdio", "-nographic")]
        return [("null", "")]

    def _default_monitor_on_stdio(self) -> bool:
        return (self.config.nographic and self.config.default_monitor and self.config.defaults
                and not self._default_serial_takes_monitor())

    def _default_serial_takes_monitor(self) -> bool:
        return (not self.config.serials and self.config.defaults
                and self.machine_class.has_serial and self.config.nographic)

    def _create_monitors(self) -> None:
        monitors = list(self.config.monitors) + self._serial_monitors
        if self._default_monitor_on_stdio():
            monitors.append(MonitorSpec("compat_monitor0", "readline", False, "-nographic"))
        for spec in monitors:
            device = self.chardevs.get(spec.chardev_id)
            if device is None:
                raise CliError(f'chardev "{spec.chardev_id}" not found', spec.location)
            if spec.mode == "control":
                device.attach(self._qmp_frontend(device, spec.pretty))
            else:
                device.attach(lambda connection: HumanMonitor(self, connection))

    def _qmp_frontend(self, device: chardev.Chardev, pretty: bool) -> chardev.Frontend:
        def open_session(connection: chardev.CharConnection) -> chardev.CharSession:
            session = _QMPSession(self.hub, connection, pretty, device.id)
            session.monitor.open()
            return session
        return open_session

    def exit_preconfig(self) -> None:
        """``x-exit-preconfig``: build the machine; when it cannot be built,
        say why and end the emulator, as QEMU does."""
        try:
            self._build_machine()
        except (CliError, OptionError) as err:
            sys.stderr.write(err.render(program_name()))
            self.runstate.request_exit(1)

    def _build_machine(self) -> None:
        """Build the machine; then start the guest unless ``-S``.  Raises
        CliError or OptionError when the machine cannot be built."""
        config = MachineConfig(properties=dict(self.machine_properties),
                               smp_cpus=self.config.smp_cpus,
                               ram_size=self.checked.memory.size,
                               drives=self.checked.drives,
                               virtio_devices=self.checked.virtio_placement,
                               serial_chardevs=list(self.serial_chardevs),
                               icount_shift=self.config.icount_shift,
                               log_items=self.config.log_items,
                               log_file=self.config.log_file,
                               firmware_dirs=tuple(self.config.firmware_dirs),
                               nographic=self.config.nographic,
                               events=self.runstate)
        self.runstate.phase = Phase.MACHINE_INITIALIZED
        try:
            self.machine = self.machine_class.init(self.machine_class, config)
        except MachineInitExit as request:
            self.runstate.request_exit(request.status)
            return
        self.runstate.reset_machine = self.machine.reset
        self.runstate.add_change_handler(self.machine.vm_state_changed)
        for device in self.chardevs.values():
            if isinstance(device, chardev.MuxChardev):
                device.open_frontends()
        self.runstate.phase = Phase.MACHINE_READY
        if self.runstate.autostart:
            self.runstate.cont()

    def _check_smp(self, config: Config) -> None:
        limit = self.machine_class.max_cpus
        if config.smp_cpus > limit or (config.smp_max_cpus or 0) > limit:
            raise CliError(f"Invalid SMP CPUs {max(config.smp_cpus, config.smp_max_cpus or 0)}."
                           f" The max CPUs supported by machine '{self.machine_class.name}'"
                           f" is {limit}")

    # -- what commands ask of the emulator ----------------------------------

    def schema_info(self) -> list[dict[str, Any]]:
        if self._schema_info is None:
            self._schema_info = generated.load("qapi_introspect").schema_info()
        return self._schema_info

    def yank_instances(self) -> list[dict[str, str]]:
        return [{"type": "chardev", "id": chardev_id}
                for chardev_id, device in self.chardevs.items()
                if isinstance(device, chardev.SocketChardev)]

    def yank(self, instances: list[dict[str, str]]) -> None:
        for instance in instances:
            if instance.get("type") == "chardev":
                device = self.chardevs.get(instance["id"])
                if isinstance(device, chardev.SocketChardev):
                    for transport in list(device.connections):
                        transport.abort()

    # -- running -------------------------------------------------------------

    async def run(self) -> int:
        """Run until something ends the emulator; returns the exit status."""
        loop = asyncio.get_running_loop()
        stop_signals = _SignalWaiter(loop, self._killed)
        try:
            await self._exit.wait()
        finally:
            stop_signals.close()
            if self.runstate.shutdown_signal:
                sys.stderr.write(f"{program_name()}: terminating on signal "
                                 f"{self.runstate.shutdown_signal}{stop_signals.sender_text()}\n")
            await self.close()
        return self.runstate.exit_status

    def _killed(self, signal_number: int) -> None:
        self.runstate.killed(signal_number)

    async def close(self) -> None:
        # Let answers already written (quit's among them) leave first.
        await asyncio.sleep(0)
        for device in self.chardevs.values():
            device.close()
        await self.hub.stop()
        if events.emitter() == self._queue_event:
            events.set_emitter(self._previous_emitter)
        await asyncio.sleep(0)


class _QMPSession:
    """A QMP monitor on one chardev connection."""

    def __init__(self, hub: MonitorHub, connection: chardev.CharConnection, pretty: bool,
                 name: str) -> None:
        self.monitor = QMPMonitor(hub, connection.write, pretty=pretty, oob_offered=True,
                                  pause_input=connection.pause_reading,
                                  resume_input=connection.resume_reading, name=name)

    def data_received(self, data: bytes) -> None:
        self.monitor.data_received(data)

    def connection_lost(self) -> None:
        self.monitor.close()

    def pause_writing(self) -> None:
        self.monitor.suspend()

    def resume_writing(self) -> None:
        self.monitor.resume()


class _SignalWaiter:
    """Turns SIGINT, SIGTERM and SIGHUP into shutdown requests, learning who
    sent them (a helper thread waits for them with ``sigwaitinfo``)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, on_signal: Any) -> None:
        self._loop = loop
        self._on_signal = on_signal
        self._sender: tuple[int, str] | None = None
        self._previous = signal.pthread_sigmask(signal.SIG_BLOCK, _TERMINATING_SIGNALS)
        self._thread = threading.Thread(target=self._wait, name="signals", daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        while True:
            info = signal.sigwaitinfo(_TERMINATING_SIGNALS)
            if info.si_pid:
                self._sender = (info.si_pid, _process_name(info.si_pid))
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._on_signal, info.si_signo)

    def sender_text(self) -> str:
        if self._sender is None:
            return ""
        pid, name = self._sender
        return f" from pid {pid} ({name})"

    def close(self) -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, self._previous)


def _process_name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            name = cmdline.read().split(b"\0", 1)[0].decode(errors="replace")
    except OSError:
        return "<unknown process>"
    return name or "<unknown process>"


def main_async(config: Config) -> int:
    """Run the emulator described by ``config``; returns the exit status."""
    async def run() -> int:
        system = System(config)
        try:
            await system.start()
        except BaseException:
            await system.close()
            raise
        return await system.run()

    try:
        return asyncio.run(run())
    except KeyboardInterrupt:
        return 1
