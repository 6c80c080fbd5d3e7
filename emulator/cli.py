"""The command line of ``cyqemu-system-riscv64``, as ``qemu-system-riscv64``
reads it.

Options are ``-name`` or ``--name``; an option that takes an argument
takes the next word.  Each option is a row of `OPTIONS`; a board or a
later feature adds its own rows with `add_option`.  Reading the line
fills a `Config`; what can only be checked once everything is read
(machine type, chardevs, monitors) is checked by `emulator.system`,
which reports errors with the option they came from, as QEMU does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from emulator import chardev
from emulator.drive import Location, device_help, devices_help, find_device_model
from emulator.qemu_opts import OptDesc, Opts, OptsError, OptsList, OptType, parse
from emulator.readconfig import VmOptions
from emulator.version import version_banner

DEFAULT_PROGRAM = "cyqemu-system-riscv64"


def program_name() -> str:
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if not name or name in ("__main__.py", "-c", "python", "python3"):
        return DEFAULT_PROGRAM
    return name


class CliError(Exception):
    """A command-line error: QEMU's message, the option it is about
    (``-qmp unix:...``; empty when about none), and hint lines."""

    def __init__(self, message: str, location: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def render(self, program: str) -> str:
        """The error as QEMU prints it (with a trailing newline)."""
        where = f"{self.location}: " if self.location else ""
        return f"{program}: {where}{self.message}\n" + (f"{self.hint}\n" if self.hint else "")


class ExitRequest(Exception):
    """Stop after printing (``-h``, ``-version``, ``-machine help``)."""

    def __init__(self, output: str, status: int = 0) -> None:
        super().__init__(output)
        self.output = output
        self.status = status


@dataclass
class MonitorSpec:
    """A ``-mon``: a monitor of ``mode`` on chardev ``chardev_id``."""

    chardev_id: str
    mode: str
    pretty: bool
    location: str


@dataclass
class Config:
    """Everything the command line asked for."""

    machine_opts: OptsList = field(default_factory=lambda: OptsList(
        "machine", implied_opt_name="type", merge_lists=True))
    chardev_opts: OptsList = field(default_factory=chardev.chardev_opts_list)
    chardevs: list[tuple[Opts, str]] = field(default_factory=list)
    monitors: list[MonitorSpec] = field(default_factory=list)
    serials: list[tuple[str, str]] = field(default_factory=list)
    display: str | None = None
    nographic: bool = False
    default_monitor: bool = True
    name: str | None = None
    start_paused: bool = False
    preconfig: bool = False
    no_shutdown: bool = False
    no_reboot: bool = False
    images: list[str] = field(default_factory=list)
    monitor_index: int = 0
    defaults: bool = True
    smp_cpus: int = 1
    smp_max_cpus: int | None = None
    icount_shift: int | None = None
    log_items: tuple[str, ...] = ()
    log_file: str | None = None
    firmware_dirs: list[str] = field(default_factory=list)
    location: str = ""
    """The option being read, as typed (``-qmp unix:...``), for messages."""
    vm: VmOptions = field(init=False)
    """-m, -drive, -device, -netdev and what -readconfig files add."""

    def __post_init__(self) -> None:
        self.vm = VmOptions(machine_opts=self.machine_opts, chardev_opts=self.chardev_opts)


Handler = Callable[[Config, str, str], None]


@dataclass(frozen=True)
class Option:
    name: str
    takes_argument: bool
    handler: Handler
    help: str = ""
    argument: str = ""


OPTIONS: dict[str, Option] = {}

_MON_OPTS = OptsList("mon", implied_opt_name="chardev", desc=[
    OptDesc("mode", OptType.STRING), OptDesc("chardev", OptType.STRING),
    OptDesc("pretty", OptType.BOOL)])
_NAME_OPTS_DESC = [OptDesc("guest", OptType.STRING), OptDesc("process", OptType.STRING),
                   OptDesc("debug-threads", OptType.BOOL)]
_DISPLAYS = ("none", "gtk", "sdl", "egl-headless", "curses", "cocoa", "dbus", "spice-app",
             "vnc")


def add_option(*names: str, takes_argument: bool, handler: Handler, help: str = "",
               argument: str = "") -> None:
    """Teach the command line an option (``names``: its spellings, no dash)."""
    for name in names:
        OPTIONS[name] = Option(names[0], takes_argument, handler, help, argument)


def _opts_error(err: OptsError, location: str) -> CliError:
    return CliError(str(err), location, err.hint)


def _warn_at(config: Config, location: str) -> Callable[[str], None]:
    def warn(message: str) -> None:
        first, _, rest = message.partition("\n")
        report_line(f"{location}: warning: {first}" + (f"\n{rest}" if rest else ""))
    return warn


def report_line(text: str) -> None:
    """Print a message as QEMU's error_report does, prefixed by the program."""
    sys.stderr.write(f"{program_name()}: {text}\n")


def _machine(config: Config, option: str, argument: str) -> None:
    try:
        parse(config.machine_opts, argument, permit_abbrev=True)
    except OptsError as err:
        raise _opts_error(err, config.location) from None


def monitor_parse(config: Config, spec: str, mode: str, pretty: bool, location: str) -> None:
    """``-qmp``, ``-monitor``: a chardev from ``spec`` and a monitor on it."""
    if spec.startswith("chardev:"):
        label = spec[len("chardev:"):]
    else:
        label = f"compat_monitor{config.monitor_index}"
        try:
            opts = chardev.parse_compat(config.chardev_opts, label, spec, permit_mux_mon=True)
        except (OptsError, chardev.ChardevError) as err:
            if str(err):
                report_line(f"{location}: {err}")
            raise CliError(f"parse error: {spec}", location) from None
        config.chardevs.append((opts, location))
    config.monitors.append(MonitorSpec(label, mode, pretty, location))
    config.monitor_index += 1


def _qmp(config: Config, option: str, argument: str) -> None:
    monitor_parse(config, argument, "control", option == "qmp-pretty",
                  config.location)
    config.default_monitor = False


def _monitor(config: Config, option: str, argument: str) -> None:
    config.default_monitor = False
    if argument != "none":
        monitor_parse(config, argument, "readline", False, config.location)


def _mon(config: Config, option: str, argument: str) -> None:
    location = config.location
    try:
        opts = parse(_MON_OPTS, argument, permit_abbrev=True, warn=_warn_at(config, location))
    except OptsError as err:
        raise _opts_error(err, location) from None
    if opts is None:
        raise ExitRequest(_MON_OPTS.help_text())
    mode = opts.get("mode", "readline") or "readline"
    if mode not in ("readline", "control"):
        raise CliError(f"Parameter 'mode' does not accept value '{mode}'", location)
    config.monitors.append(MonitorSpec(opts.get("chardev") or "", mode,
                                       opts.get_bool("pretty", False), location))
    config.default_monitor = False


def _chardev(config: Config, option: str, argument: str) -> None:
    location = config.location
    try:
        opts = parse(config.chardev_opts, argument, permit_abbrev=True,
                     warn=_warn_at(config, location))
    except OptsError as err:
        raise _opts_error(err, location) from None
    if opts is None:
        raise ExitRequest("Available chardev backend types: \n  file\n  null\n  socket\n  stdio\n")
    if opts.id is None:
        opts.delete()
        raise CliError("chardev: no id specified", location)
    config.chardevs.append((opts, location))


def _serial(config: Config, option: str, argument: str) -> None:
    config.serials.append((argument, config.location))


def _display(config: Config, option: str, argument: str) -> None:
    location = config.location
    kind, _, rest = argument.partition(",")
    if kind not in _DISPLAYS:
        raise CliError(f"Parameter 'type' does not accept value '{kind}'", location)
    if rest:
        name = rest.partition("=")[0].partition(",")[0]
        raise CliError(f"Parameter '{name}' is unexpected", location)
    if kind != "none":
        raise CliError(f"Display '{kind}' is not available.", location)
    config.display = kind


def _nographic(config: Config, option: str, argument: str) -> None:
    config.nographic = True


def _name(config: Config, option: str, argument: str) -> None:
    location = config.location
    try:
        opts = parse(OptsList("name", implied_opt_name="guest", desc=_NAME_OPTS_DESC),
                     argument, permit_abbrev=True, warn=_warn_at(config, location))
    except OptsError as err:
        raise _opts_error(err, location) from None
    if opts is not None:
        config.name = opts.get("guest")


def _flag(attribute: str) -> Handler:
    def set_flag(config: Config, option: str, argument: str) -> None:
        setattr(config, attribute, True)
    return set_flag


def _machine_property(name: str) -> Handler:
    """-kernel, -bios...: shorthands for a machine property, as in QEMU."""
    def set_property(config: Config, option: str, argument: str) -> None:
        opts = config.machine_opts.find(None) or config.machine_opts.create(None)
        opts.set(name, argument)
    return set_property


def _vm_option(group: str) -> Handler:
    """-m, -drive, -device, -netdev: groups the config files share."""
    def add(config: Config, option: str, argument: str) -> None:
        opts = config.vm.add_option(group, argument, Location(option=config.location))
        if opts is None and group == "device":
            raise ExitRequest(_device_help(argument))
    return add


def _device_help(argument: str) -> str:
    name = argument.partition(",")[0]
    model = find_device_model(name)
    return device_help(model) if model is not None else devices_help()


def _readconfig(config: Config, option: str, argument: str) -> None:
    config.vm.read_config(argument, Location(option=config.location))


_SMP_KEYS = ("cpus", "maxcpus", "sockets", "dies", "clusters", "cores", "threads")


def _smp(config: Config, option: str, argument: str) -> None:
    location = config.location
    try:
        opts = parse(OptsList("smp-opts", implied_opt_name="cpus",
                              desc=[OptDesc(key, OptType.STRING) for key in _SMP_KEYS]),
                     argument, permit_abbrev=True)
    except OptsError as err:
        raise _opts_error(err, location) from None
    if opts is None:
        return
    values: dict[str, int] = {}
    for key in _SMP_KEYS:
        text = opts.get(key)
        if text is None:
            continue
        if not text.strip().isdigit():
            raise CliError(f"Parameter 'smp.{key}' expects integer")
        values[key] = int(text)
    topology = 1
    for key in ("sockets", "dies", "clusters", "cores", "threads"):
        topology *= values.get(key) or 1
    cpus = values.get("cpus") or values.get("maxcpus") or topology
    max_cpus = values.get("maxcpus") or max(cpus, topology)
    if max_cpus < cpus:
        raise CliError("Invalid CPU topology: maxcpus must be equal to or greater than smp: "
                       f"sockets ({values.get('sockets') or 1}) * cores "
                       f"({values.get('cores') or 1}) * threads ({values.get('threads') or 1}) "
                       f"== maxcpus ({max_cpus}) < smp_cpus ({cpus})")
    config.smp_cpus = cpus
    config.smp_max_cpus = max_cpus


# -d: QEMU's log items; cyqemu writes the first four, and accepts the others.
LOG_ITEMS = {
    "out_asm": "host code of each translated block (none: cyqemu interprets)",
    "in_asm": "guest instructions of each translated block",
    "op": "", "op_opt": "", "op_ind": "",
    "int": "interrupts and exceptions",
    "exec": "each translated block before it runs",
    "cpu": "CPU registers before each translated block runs",
    "fpu": "", "mmu": "", "pcall": "", "cpu_reset": "", "unimp": "", "guest_errors": "",
    "page": "", "nochain": "", "plugin": "", "strace": "", "tid": "",
}


def log_usage() -> str:
    lines = ["Log items (comma separated):"]
    lines += [f"{name:<16}{text}".rstrip() for name, text in LOG_ITEMS.items()]
    return "\n".join(lines) + "\n"


def _log(config: Config, option: str, argument: str) -> None:
    items = [item for item in argument.split(",") if item]
    if not items or any(item not in LOG_ITEMS and not item.startswith("trace:")
                        for item in items):
        raise ExitRequest(log_usage(), 0 if argument == "help" else 1)
    config.log_items = tuple(items)


def _log_file(config: Config, option: str, argument: str) -> None:
    config.log_file = argument


def _icount(config: Config, option: str, argument: str) -> None:
    location = config.location
    try:
        opts = parse(OptsList("icount", implied_opt_name="shift", desc=[
            OptDesc("shift", OptType.STRING), OptDesc("align", OptType.BOOL),
            OptDesc("sleep", OptType.BOOL), OptDesc("rr", OptType.STRING),
            OptDesc("rrfile", OptType.STRING), OptDesc("rrsnapshot", OptType.STRING)]),
            argument, permit_abbrev=True)
    except OptsError as err:
        raise _opts_error(err, location) from None
    if opts is None:
        return
    shift = opts.get("shift")
    if shift == "auto":
        raise CliError("icount: shift=auto is not supported by cyqemu", location)
    if shift is None or not shift.isdigit() or int(shift) > 10:
        raise CliError("icount: Invalid shift value", location)
    if opts.get("rr") is not None:
        raise CliError("icount: record/replay is not supported by cyqemu", location)
    config.icount_shift = int(shift)


def _firmware_dir(config: Config, option: str, argument: str) -> None:
    config.firmware_dirs.append(argument)


def _nodefaults(config: Config, option: str, argument: str) -> None:
    config.defaults = False


def usage() -> str:
    """``-h``: what the options are."""
    lines = [version_banner(), f"usage: {program_name()} [options]", "", "Options:"]
    seen = set()
    for option in OPTIONS.values():
        if option.name in seen:
            continue
        seen.add(option.name)
        spelled = f"-{option.name}" + (f" {option.argument}" if option.argument else "")
        lines.append(f"{spelled:<24}{option.help}" if len(spelled) < 24
                     else f"{spelled}\n{'':<24}{option.help}")
    return "\n".join(lines) + "\n"


def _help(config: Config, option: str, argument: str) -> None:
    raise ExitRequest(usage())


def _version(config: Config, option: str, argument: str) -> None:
    raise ExitRequest(version_banner() + "\n"
                      "A QEMU-compatible emulator written in Python and Cython.\n")


add_option("h", "help", takes_argument=False, handler=_help, help="show this help and exit")
add_option("version", takes_argument=False, handler=_version,
           help="show the version and exit")
add_option("machine", "M", takes_argument=True, handler=_machine,
           argument="[type=]name[,prop=value,...]",
           help="the machine type and its properties ('-machine help' lists the types)")
add_option("S", takes_argument=False, handler=_flag("start_paused"),
           help="do not start the guest until 'cont' (run state prelaunch)")
add_option("preconfig", takes_argument=False, handler=_flag("preconfig"),
           help="wait for QMP (x-exit-preconfig) before building the machine")
add_option("qmp", takes_argument=True, handler=_qmp, argument="dev",
           help="a QMP monitor on chardev 'dev' (unix:PATH,server=on,wait=off, "
                "tcp:HOST:PORT,..., stdio)")
add_option("qmp-pretty", takes_argument=True, handler=_qmp, argument="dev",
           help="like -qmp, with indented JSON")
add_option("mon", takes_argument=True, handler=_mon,
           argument="[chardev=]id[,mode=readline|control][,pretty=on|off]",
           help="a monitor on a chardev made with -chardev")
add_option("chardev", takes_argument=True, handler=_chardev,
           argument="backend,id=id[,...]", help="a character device (socket, stdio, null, file)")
add_option("monitor", takes_argument=True, handler=_monitor, argument="dev",
           help="a human monitor on chardev 'dev' ('none' for no monitor)")
add_option("serial", takes_argument=True, handler=_serial, argument="dev",
           help="connect the next serial port to chardev 'dev'")
add_option("display", takes_argument=True, handler=_display, argument="type",
           help="the display ('none' is the one cyqemu has)")
add_option("nographic", takes_argument=False, handler=_nographic,
           help="no display; serial port and monitor on the terminal")
add_option("name", takes_argument=True, handler=_name, argument="[guest=]name",
           help="the virtual machine's name")
add_option("no-shutdown", takes_argument=False, handler=_flag("no_shutdown"),
           help="stop the guest instead of exiting when it shuts down")
add_option("no-reboot", takes_argument=False, handler=_flag("no_reboot"),
           help="exit instead of rebooting")
add_option("nodefaults", takes_argument=False, handler=_nodefaults,
           help="no default devices (serial port, monitor)")
add_option("m", takes_argument=True, handler=_vm_option("memory"), argument="[size=]megs",
           help="guest RAM size (MiB unless a suffix K, M, G, T says otherwise)")
add_option("drive", takes_argument=True, handler=_vm_option("drive"),
           argument="file=path[,if=virtio|pflash|none][,format=raw][,id=id][,...]",
           help="a disk image")
add_option("device", takes_argument=True, handler=_vm_option("device"),
           argument="driver[,prop=value][,...]",
           help="a device ('-device help' lists them)")
add_option("netdev", takes_argument=True, handler=_vm_option("netdev"),
           argument="type,id=id[,...]", help="a network backend")
add_option("readconfig", takes_argument=True, handler=_readconfig, argument="file",
           help="read options from a QEMU configuration file")
add_option("smp", takes_argument=True, handler=_smp,
           argument="[cpus=]n[,maxcpus=][,sockets=][,cores=][,threads=]",
           help="number of harts")
add_option("bios", takes_argument=True, handler=_machine_property("firmware"),
           argument="file", help="the firmware ('none': no firmware)")
add_option("kernel", takes_argument=True, handler=_machine_property("kernel"),
           argument="file", help="the kernel (ELF or raw image)")
add_option("initrd", takes_argument=True, handler=_machine_property("initrd"),
           argument="file", help="the initial ram disk")
add_option("append", takes_argument=True, handler=_machine_property("append"),
           argument="cmdline", help="the kernel command line (/chosen/bootargs)")
add_option("dtb", takes_argument=True, handler=_machine_property("dtb"),
           argument="file", help="a device tree blob to use instead of the board's")
add_option("L", takes_argument=True, handler=_firmware_dir, argument="path",
           help="a folder to look for firmware in")
add_option("d", takes_argument=True, handler=_log, argument="item1,...",
           help="log items ('-d help' lists them)")
add_option("D", takes_argument=True, handler=_log_file, argument="logfile",
           help="write logs to logfile instead of stderr")
add_option("icount", takes_argument=True, handler=_icount, argument="[shift=]N",
           help="time from the instruction count: each one takes 2^N ns")


def parse_command_line(argv: list[str]) -> Config:
    """Read the options (``argv`` without the program name)."""
    config = Config()
    index = 0
    while index < len(argv):
        word = argv[index]
        index += 1
        if not word.startswith("-") or word == "-":
            config.images.append(word)
            continue
        name = word[2:] if word.startswith("--") else word[1:]
        option = OPTIONS.get(name)
        if option is None:
            raise CliError("invalid option", word)
        argument = ""
        if option.takes_argument:
            if index >= len(argv):
                raise CliError("requires an argument", word)
            argument = argv[index]
            index += 1
        config.location = f"{word} {argument}" if option.takes_argument else word
        option.handler(config, name, argument)
    return config
