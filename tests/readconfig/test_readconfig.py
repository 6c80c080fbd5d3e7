"""-readconfig: QEMU's syntax, the same options as the command line, and
QEMU's own example files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from emulator.drive import DriveInterface, Location, MemorySpec, OptionError
from emulator.qemu_opts import OptDesc
from emulator.readconfig import ConfigSection, VmOptions, check_config, parse_config

PROGRAM = "qemu-system-riscv64"


@dataclass
class FakeMachine:
    name: str
    properties: tuple[str, ...] = ()

    @property
    def type_name(self) -> str:
        return f"{self.name}-machine"

    def find_property(self, name: str) -> OptDesc | None:
        return OptDesc(name) if name in self.properties else None


MACHINES = {"none": FakeMachine("none"), "spike": FakeMachine("spike"),
            "virt": FakeMachine("virt", ("aclint", "aia", "aia-guests", "dumpdtb"))}


def check(options: VmOptions, open_images: bool = True) -> object:
    return check_config(options, lookup=MACHINES.get, machine_names=lambda: sorted(MACHINES),
                        open_images=open_images)


def sections(text: str) -> list[ConfigSection]:
    found: list[ConfigSection] = []
    parse_config(text, "t.cfg", found.append)
    return found


def error_of(text: str, tmp_path: Path, name: str = "t.cfg") -> str:
    path = tmp_path / name
    path.write_text(text)
    options = VmOptions()
    with pytest.raises(OptionError) as caught:
        options.read_config(str(path))
        check(options)
    return caught.value.render(PROGRAM).replace(str(tmp_path) + "/", "")


def test_syntax_and_quirks() -> None:
    found = sections('# comment\n[drive "d0"]\n  file = "a.img"  # trailing\n'
                     '  if = none\n  format = "raw\n[machine]\ntype="virt"\n'
                     '[device foo]\n  x = "1"\n[memory\n')
    assert [(s.group, s.entries, s.location.line) for s in found] == [
        ("drive", {"id": "d0", "file": "a.img", "if": "", "format": "raw\n"}, 5),
        ("machine", {'type="virt"': ""}, 7),
        ("device foo", {"x": "1"}, 9),
        ("memory\n", {}, 9),
    ]


def test_later_keys_replace_earlier_and_long_names_are_cut() -> None:
    found = sections('[drive]\n file = "a"\n file = "b"\n' + "k" * 70 + ' = "v"\n')
    assert found[0].entries == {"file": "b", "k" * 63: ""}


@pytest.mark.parametrize(("text", "message"), [
    ('  x = "y"\n', "t.cfg:1: no group defined"),
    ("[machine]\n  \n", "t.cfg:2: parse error"),
    ("[machine]\n\r\n", "t.cfg:2: parse error"),
    ('[bogus]\n  x = "y"\n', "t.cfg:2: There is no option group 'bogus'"),
    ('[drive foo]\n  file = "x"\n', "t.cfg:2: There is no option group 'drive foo'"),
    ('[machine\n  type = "virt"\n', "t.cfg:2: There is no option group 'machine\n'"),
    ('[drive "bad id"]\n  file = "t.img"\n', "t.cfg:2: Parameter 'id' expects an identifier"),
    ('[drive "d0"]\n file = "a"\n[drive "d0"]\n file = "b"\n\n',
     "t.cfg:4: Duplicate ID 'd0' for drive"),
    ('[memory]\n  size = "abc"\n', "t.cfg:2: Parameter 'size' expects a non-negative number "
                                     "below 2^64"),
    ('[memory]\n  bogus = "1"\n', "t.cfg:2: Invalid parameter 'bogus'"),
    ('[memory "m"]\n  size = "1"\n', "t.cfg:2: Invalid parameter 'id'"),
    ('[chardev "c"]\n  backend = "socket"\n  bogus = "1"\n', "t.cfg:3: Invalid parameter 'bogus'"),
])
def test_file_errors(text: str, message: str, tmp_path: Path) -> None:
    assert error_of(text, tmp_path).startswith(f"{PROGRAM}:{message}\n")


def test_missing_file() -> None:
    options = VmOptions()
    with pytest.raises(OptionError) as caught:
        options.read_config("/nonexistent.cfg", Location(option="-readconfig /nonexistent.cfg"))
    assert caught.value.render(PROGRAM) == (
        f"{PROGRAM}: -readconfig /nonexistent.cfg: Could not open '/nonexistent.cfg': "
        "No such file or directory\n")


def test_same_options_as_the_command_line(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    image.write_bytes(bytes(1 << 20))
    code = tmp_path / "code.fd"
    code.write_bytes(bytes(32 << 20))
    command_line = VmOptions()
    for group, text in (
            ("machine", "virt,aclint=on"),
            ("memory", "1024"),
            ("drive", f"file={code},format=raw,if=pflash,unit=0,readonly=on"),
            ("drive", f"file={image},format=raw,if=none,id=disk0,cache=writethrough"),
            ("device", "virtio-blk-device,drive=disk0,serial=abc,id=blk0"),
            ("device", "virtio-rng-device,max-bytes=1024,period=1000"),
            ("netdev", "user,id=net0,hostfwd=tcp::2222-:22"),
            ("chardev", "socket,id=mon0,path=/tmp/m.sock,server=on,wait=off")):
        command_line.add_option(group, text, Location(option=f"-{group} {text}"))
    config = tmp_path / "same.cfg"
    config.write_text(f"""# the same machine
[machine]
  type = "virt"
  aclint = "on"

[memory]
  size = "1024"

[drive]
  file = "{code}"
  format = "raw"
  if = "pflash"
  unit = "0"
  readonly = "on"

[drive "disk0"]
  file = "{image}"
  format = "raw"
  if = "none"
  cache = "writethrough"

[device "blk0"]
  driver = "virtio-blk-device"
  drive = "disk0"
  serial = "abc"

[device]
  driver = "virtio-rng-device"
  max-bytes = "1024"
  period = "1000"

[netdev "net0"]
  type = "user"
  hostfwd = "tcp::2222-:22"

[chardev "mon0"]
  backend = "socket"
  path = "/tmp/m.sock"
  server = "on"
  wait = "off"
""")
    from_file = VmOptions()
    assert from_file.read_config(str(config)) == 8
    assert from_file.machine_properties() == command_line.machine_properties() == {
        "type": "virt", "aclint": "on"}
    assert from_file.memory() == command_line.memory() == MemorySpec(1 << 30)
    assert from_file.drive_specs() == command_line.drive_specs()
    assert from_file.device_specs() == command_line.device_specs()
    assert from_file.netdev_specs() == command_line.netdev_specs()
    assert ([{item.name: item.text for item in opts} for opts, _ in from_file.chardevs]
            == [{item.name: item.text for item in opts} for opts, _ in command_line.chardevs])
    drives = from_file.drive_specs()
    assert (drives[0].interface, drives[0].id, drives[0].read_only) == (
        DriveInterface.PFLASH, "pflash0", True)
    assert (drives[1].write_cache, drives[1].location) == (False, Location(file=str(config),
                                                                            line=20))
    checked = check(from_file)
    placement = checked.virtio_placement  # type: ignore[attr-defined]
    assert [(device.model.name, index) for device, index in placement] == [
        ("virtio-blk-device", 7), ("virtio-rng-device", 6)]


QEMU_DOCS = Path(__file__).resolve().parents[2] / ".cache" / "qemu-src" / "docs" / "config"


def docs_file(name: str) -> Path:
    path = QEMU_DOCS / name
    if not path.is_file():
        pytest.fail(f"QEMU's {path} is missing (make install)", pytrace=False)
    return path


@pytest.mark.parametrize("name", ["q35-emulated.cfg", "q35-virtio-graphical.cfg",
                                  "q35-virtio-serial.cfg"])
def test_qemu_q35_files_name_the_machine(name: str) -> None:
    options = VmOptions()
    options.read_config(str(docs_file(name)))
    with pytest.raises(OptionError) as caught:
        check(options)
    assert caught.value.render(PROGRAM) == (
        f"{PROGRAM}: unsupported machine type\n"
        "Machine type 'q35' is not one of: none, spike, virt\n"
        "Use -machine help to list supported machines\n")


@pytest.mark.parametrize(("name", "line"), [("mach-virt-graphical.cfg", 104),
                                            ("mach-virt-serial.cfg", 110)])
def test_qemu_mach_virt_files(name: str, line: int, tmp_path: Path) -> None:
    text = docs_file(name).read_text()
    options = VmOptions()
    options.read_config(str(docs_file(name)))
    with pytest.raises(OptionError) as caught:
        check(options)
    # As QEMU: the firmware image is opened before the machine's properties.
    assert caught.value.render(PROGRAM) == (
        f"{PROGRAM}:{docs_file(name)}:{line}: Could not open '/usr/share/AAVMF/AAVMF_CODE.fd': "
        "No such file or directory\n")
    for old in re.findall(r'file = "([^"]+)"', text):
        (tmp_path / Path(old).name).write_bytes(bytes(1 << 20))
        text = text.replace(f'"{old}"', f'"{tmp_path / Path(old).name}"')
    text = text.replace('format = "qcow2"', 'format = "raw"')
    copy = tmp_path / name
    copy.write_text(text)
    options = VmOptions()
    options.read_config(str(copy))
    with pytest.raises(OptionError) as caught:
        check(options)
    assert caught.value.render(PROGRAM) == (
        f"{PROGRAM}: Property 'virt-machine.gic-version' not found\n")
    copy.write_text(text.replace('  gic-version = "host"\n', ""))
    options = VmOptions()
    options.read_config(str(copy))
    with pytest.raises(OptionError) as caught:
        check(options)
    rendered = caught.value.render(PROGRAM)
    assert rendered.startswith(f"{PROGRAM}:{copy}:")
    assert rendered.endswith(": 'pcie-root-port' is not a valid device model name\n"
                             "Available device models: virtio-blk-device, virtio-rng-device\n")


def test_qemu_usb_file_names_the_device() -> None:
    path = docs_file("ich9-ehci-uhci.cfg")
    options = VmOptions()
    options.read_config(str(path))
    with pytest.raises(OptionError) as caught:
        check(options)
    assert caught.value.render(PROGRAM).startswith(
        f"{PROGRAM}:{path}:16: 'ich9-usb-ehci1' is not a valid device model name\n")


def test_other_known_groups_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "other.cfg"
    path.write_text('[rtc]\n  base = "utc"\n[fw_cfg]\n  name = "opt/x"\n  string = "y"\n')
    options = VmOptions()
    options.read_config(str(path))
    assert [(group, entries) for group, entries, _ in options.other] == [
        ("rtc", {"base": "utc"}), ("fw_cfg", {"name": "opt/x", "string": "y"})]


def test_later_checks_carry_the_section_location(tmp_path: Path) -> None:
    assert error_of('[machine]\n  type = "virt"\n[device]\n  driver = "virtio-rng-device"\n'
                    '  foo = "1"\n\n# x\n[machine]\n type = "virt"\n', tmp_path) == (
        f"{PROGRAM}:t.cfg:5: Property 'virtio-rng-device.foo' not found\n")
    assert error_of('[machine]\n  type = "virt"\n[device "x"]\n  bus = "pcie.0"\n',
                    tmp_path) == f"{PROGRAM}:t.cfg:4: Parameter 'driver' is missing\n"
    assert error_of('[machine]\n  type = "virt"\n[netdev "n"]\n  type = "bogus"\n',
                    tmp_path) == (
        f"{PROGRAM}:t.cfg:4: Parameter 'type' does not accept value 'bogus'\n")
    assert error_of('[machine]\n  type = "virt"\n  foo = "bar"\n[memory]\n  size = "1024"\n',
                    tmp_path) == f"{PROGRAM}: Property 'virt-machine.foo' not found\n"
    assert error_of('[machine]\n type = virt\n', tmp_path).startswith(
        f"{PROGRAM}: unsupported machine type\nMachine type '' is not one of")
