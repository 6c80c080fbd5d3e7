"""Debian's OpenSBI and U-Boot for QEMU's virt, booted on cyqemu and on
QEMU with the same command line and driven through the serial console.

The consoles must match line for line, apart from the lines that name the
ISA: QEMU's default CPU has the hypervisor extension ("h"), which cyqemu
does not implement, so OpenSBI's base ISA and delegation masks (the
hypervisor's interrupts and exceptions) and U-Boot's CPU line differ.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e import console as con

# Lines naming ISA extensions cyqemu does not implement (the "h" of QEMU's
# default CPU), and what they depend on.
ISA_LINES = (r"^Boot HART Base ISA ", r"^Boot HART MIDELEG ", r"^Boot HART MEDELEG ",
             r"^CPU: +rv64")
# With several harts, OpenSBI boots on whichever wins its start-up lottery,
# on QEMU as here.
BOOT_HART_LINES = (r"^Domain0 Boot HART ", r"^Boot HART ID ")
# U-Boot's measure of a load's speed.
TIMING_LINES = (r"^\d+ bytes read in \d+ ms",)

BOOTS = {
    "opensbi-fw_jump": ["-bios", str(con.FW_JUMP), "-kernel", str(con.UBOOT_SMODE)],
    "opensbi-fw_dynamic": ["-bios", str(con.FW_DYNAMIC), "-kernel", str(con.UBOOT_SMODE)],
    "opensbi-fw_dynamic-smp2": ["-smp", "2", "-bios", str(con.FW_DYNAMIC), "-kernel",
                                str(con.UBOOT_SMODE)],
    "uboot-mmode": ["-bios", str(con.UBOOT_MMODE)],
}


@pytest.fixture(scope="module", autouse=True)
def debian_firmware() -> None:
    if not con.debian_firmware_available() or shutil.which(con.QEMU) is None:
        pytest.fail("Debian's opensbi, u-boot-qemu and qemu-system-misc are needed "
                    "(make install)", pytrace=False)


def assert_same_console(ours: bytes, theirs: bytes, leave_out: tuple[str, ...]) -> None:
    for transcript in (ours, theirs):
        assert len(con.text_lines(transcript)) > len(con.text_lines(transcript, leave_out))
    assert con.text_lines(ours, leave_out) == con.text_lines(theirs, leave_out)


def boot_and_version(console: con.Console) -> bytes:
    return con.to_uboot_prompt(console) + con.uboot_command(console, "version")


@pytest.mark.parametrize("boot", sorted(BOOTS))
def test_uboot_console_matches_qemu(boot: str) -> None:
    ours, theirs = con.run_both(["-M", "virt", "-nographic", *BOOTS[boot]], boot_and_version)
    lottery = BOOT_HART_LINES if "-smp" in BOOTS[boot] else ()
    assert_same_console(ours, theirs, ISA_LINES + lottery)
    assert b"=> version\r\nU-Boot 2023.01" in ours


def make_fat_image(folder: Path, files: dict[str, bytes]) -> Path:
    image = folder / "disk.img"
    subprocess.run(["mkfs.vfat", "-C", str(image), "4096"], check=True, capture_output=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
        subprocess.run(["mcopy", "-i", str(image), str(folder / name), f"::{name}"],
                       check=True, capture_output=True)
    return image


FILE_BYTES = b"Read through virtio-blk by U-Boot\n"
DISK_OPTIONS = ["-drive", "file=disk.img,if=none,format=raw,id=d0",
                "-device", "virtio-blk-device,drive=d0"]


def read_the_file(console: con.Console) -> bytes:
    transcript = con.to_uboot_prompt(console)
    for command in ("virtio scan", "virtio info", "load virtio 0 0x84000000 hello.txt",
                    f"md.b 0x84000000 0x{len(FILE_BYTES):x}"):
        transcript += con.uboot_command(console, command)
    return transcript


def test_uboot_reads_a_file_from_a_virtio_disk(tmp_path: Path) -> None:
    make_fat_image(tmp_path, {"hello.txt": FILE_BYTES})
    ours, theirs = con.run_both(["-M", "virt", "-nographic", "-bios", str(con.UBOOT_MMODE),
                                 *DISK_OPTIONS], read_the_file, cwd=tmp_path)
    assert_same_console(ours, theirs, ISA_LINES + TIMING_LINES)
    text = ours.decode()
    assert "Device 0: QEMU VirtIO Block Device" in text
    assert "Capacity: 4.0 MB = 0.0 GB (8192 x 512)" in text
    dumped = "".join(line[10:58] for line in text.splitlines()
                     if line.startswith("84000"))
    assert bytes.fromhex(dumped) == FILE_BYTES


READCONFIG = f"""\
# The guest of test_uboot_reads_a_file_from_a_virtio_disk, as a config file
[machine]
  type = "virt"
  firmware = "{con.FW_DYNAMIC}"
  kernel = "{con.UBOOT_SMODE}"

[memory]
  size = "256"

[drive "d0"]
  file = "disk.img"
  format = "raw"
  if = "none"

[device]
  driver = "virtio-blk-device"
  drive = "d0"
"""


def test_readconfig_boots_the_same_guest(tmp_path: Path) -> None:
    make_fat_image(tmp_path, {"hello.txt": FILE_BYTES})
    (tmp_path / "virt.cfg").write_text(READCONFIG)
    console = con.Console([*con.cyqemu_command(), "-nographic", "-readconfig", "virt.cfg"],
                          cwd=tmp_path)
    try:
        transcript = read_the_file(console)
    finally:
        console.close()
    text = transcript.decode()
    assert "DRAM:  256 MiB" in text
    assert "Device 0: QEMU VirtIO Block Device" in text
    assert FILE_BYTES.decode().strip()[:16] in text


def sample_config(qemu_source: Path, name: str, folder: Path) -> None:
    """QEMU's sample `name` as sample.cfg in `folder`, with the images it
    names made there (a qcow2 one with qemu-img)."""
    text = (qemu_source / "docs" / "config" / f"{name}.cfg").read_text()
    text = text.replace("/usr/share/AAVMF/", "")
    (folder / "sample.cfg").write_text(text)
    for image in ("AAVMF_CODE.fd", "guest_VARS.fd", "install.iso"):
        (folder / image).write_bytes(bytes(64 << 20))
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(folder / "guest.qcow2"),
                    "1M"], check=True)


def refused(folder: Path) -> str:
    result = subprocess.run([*con.cyqemu_command(), "-nodefaults", "-display", "none",
                             "-readconfig", "sample.cfg"], cwd=folder, capture_output=True,
                            text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    return result.stderr


SAMPLE_ERRORS = {
    "q35-emulated": "unsupported machine type\nMachine type 'q35' is not one of: none, "
                    "spike, virt\nUse -machine help to list supported machines\n",
    "q35-virtio-graphical": "unsupported machine type\nMachine type 'q35' is not one of",
    "q35-virtio-serial": "unsupported machine type\nMachine type 'q35' is not one of",
    "mach-virt-graphical": ":208: Block format 'qcow2' is not supported",
    "mach-virt-serial": ":214: Block format 'qcow2' is not supported",
}


@pytest.mark.parametrize("name", sorted(SAMPLE_ERRORS))
def test_qemu_sample_configs_get_clear_errors(name: str, qemu_source: Path,
                                              tmp_path: Path) -> None:
    sample_config(qemu_source, name, tmp_path)
    assert SAMPLE_ERRORS[name] in refused(tmp_path)


def test_unknown_device_lists_the_device_models(qemu_source: Path, tmp_path: Path) -> None:
    """ARM's virt sample made acceptable up to its first device, a PCIe
    root port, which riscv virt (in cyqemu) does not have."""
    sample_config(qemu_source, "mach-virt-serial", tmp_path)
    text = (tmp_path / "sample.cfg").read_text()
    text = re.sub(r"\n *(gic-version|accel) = .*", "", text)
    (tmp_path / "sample.cfg").write_text(text.replace('"qcow2"', '"raw"'))
    (tmp_path / "guest.qcow2").write_bytes(bytes(1 << 20))
    error = refused(tmp_path)
    assert "'pcie-root-port' is not a valid device model name\n" in error
    assert "Available device models: virtio-blk-device, virtio-rng-device" in error
