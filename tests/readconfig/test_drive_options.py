"""-drive, -device, -netdev and -m on the command line: the same checks
and first error line as QEMU 7.2 on riscv virt (its binary is the
oracle), and the specs they yield."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from emulator.drive import (
    DeviceSpec,
    DriveInterface,
    DriveTable,
    Location,
    OptionError,
    check_device,
)
from emulator.readconfig import VmOptions
from tests.readconfig.test_readconfig import PROGRAM, check
from tests.readconfig.test_readconfig_vs_qemu import qemu  # noqa: F401  (fixture)

IMG = "file=t.img,format=raw"
CASES = [
    "-device nonexist",
    "-device virtio-blk-device",
    "-device virtio-blk-device,drive=nope",
    "-device virtio-blk-device,drive=",
    f"-drive {IMG},if=none,id=d0 -device virtio-blk-device,drive=d0,foo=1",
    f"-drive {IMG},if=bogus",
    f"-drive {IMG},if=pflash,unit=2",
    f"-drive {IMG},if=pflash,unit=0 -drive {IMG},if=pflash,unit=0",
    "-drive file=t.img,format=bogus,if=none,id=x",
    "-drive file=nonexist.img,format=raw,if=none,id=x",
    f"-drive {IMG},if=none,id=x,readonly=maybe",
    f"-drive {IMG},if=none,id=x,bogus=1",
    f"-drive {IMG},if=none,id=x -drive {IMG},if=none,id=x",
    f"-drive {IMG},if=none,id=x -device virtio-blk-device,drive=x "
    "-device virtio-blk-device,drive=x",
    "-drive format=raw,if=none,id=x",
    " ".join(["-device virtio-rng-device"] * 9),
    "-device virtio-rng-device,max-bytes=abc",
    "-device virtio-rng-device,period=0",
    "-device virtio-rng-device,bus=nope",
    "-device virtio-rng-device,bus=virtio-mmio-bus.3 -device virtio-rng-device,"
    "bus=virtio-mmio-bus.3",
    f"-drive {IMG},if=none,id=x -device virtio-blk-device,drive=x,num-queues=70000",
    f"-drive {IMG},if=none,id=x -device virtio-blk-device,drive=x,config-wce=maybe",
    f"-drive {IMG},if=none,id=x -device virtio-blk-device,drive=x,queue-size=-1",
    f"-drive {IMG},if=none,id=x,readonly=on,read-only=on",
    f"-drive {IMG},if=none,id=x,cache=bogus",
    f"-drive {IMG},if=none,id=x,media=tape",
    f"-drive {IMG},if=pflash,werror=stop",
    f"-drive {IMG},if=ide,index=9",
    f"-drive {IMG},if=none,index=1,unit=1",
    "-drive file=t.img,format=raw,driver=raw",
    f"-drive {IMG},if=none,id=x,snapshot=maybe",
    f"-drive {IMG},if=none,id=x,discard=bogus",
    f"-drive {IMG},if=none,id=x,aio=bogus",
    f"-drive {IMG},if=none,id=x,bus=abc",
    f"-drive {IMG},if=none,id=x,werror=bogus",
    "-m abc",
    "-netdev user",
    "-netdev bogus,id=n",
    "-device virtio-rng-device,id=r -device virtio-rng-device,id=r",
    "-device virtio-rng-device,id=1r",
]


def run_ours(arguments: list[str]) -> OptionError:
    options = VmOptions()
    options.add_option("machine", "virt")
    with pytest.raises(OptionError) as caught:
        for option, value in zip(arguments[::2], arguments[1::2], strict=True):
            group = {"-m": "memory"}.get(option, option[1:])
            options.add_option(group, value, Location(option=f"{option} {value}"))
        checked = check(options)
        checked.drives.claimed.update(  # type: ignore[attr-defined]
            {drive.id: "cfi.pflash01" for drive in checked.drives.drives  # type: ignore[attr-defined]
             if drive.interface is DriveInterface.PFLASH and drive.unit < 2})
        checked.drives.check_orphans()  # type: ignore[attr-defined]
    return caught.value


@pytest.mark.parametrize("command", CASES)
def test_first_error_line_as_qemu(command: str, qemu: str, tmp_path: Path,  # noqa: F811
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t.img").write_bytes(bytes(1 << 20))
    arguments = shlex.split(command)
    result = subprocess.run([qemu, "-M", "virt", "-nodefaults", "-display", "none", "-S",
                             *arguments], cwd=tmp_path, capture_output=True, text=True,
                            timeout=30, stdin=subprocess.DEVNULL)
    assert result.returncode != 0, result.stderr
    monkeypatch.chdir(tmp_path)
    ours = run_ours(arguments).render(PROGRAM).splitlines()
    theirs = [line for line in result.stderr.splitlines() if not line.startswith(
        ("WARNING", "         "))]
    assert ours[0] == theirs[0]


def test_drive_ids_units_and_virtio_sugar() -> None:
    options = VmOptions()
    for text in ("file=a.img,if=pflash", "file=b.img,if=pflash", "file=c.img",
                 "file=d.img,if=virtio,snapshot=on", "file=e.img,if=ide,media=cdrom",
                 "file=f.img,if=scsi,index=9"):
        options.add_option("drive", text)
    table = options.drives()
    assert [(d.id, d.interface.value, d.bus, d.unit) for d in table.drives] == [
        ("pflash0", "pflash", 0, 0), ("pflash1", "pflash", 0, 1), ("none0", "none", 0, 0),
        ("virtio0", "virtio", 0, 0), ("ide0-cd0", "ide", 0, 0), ("scsi1-hd2", "scsi", 1, 2)]
    assert table.drives[4].read_only and table.drives[3].snapshot
    assert table.implied_devices == [DeviceSpec("virtio-blk", None, None,
                                                (("drive", "virtio0"),))]
    device = check_device(table.implied_devices[0], table)
    assert device.model.name == "virtio-blk-device" and device.drive == table.drives[3]
    assert table.get(DriveInterface.PFLASH, 0, 1) == table.drives[1]


def test_memory_sizes() -> None:
    for text, size in (("1024", 1 << 30), ("2G", 2 << 30), ("size=512M", 512 << 20),
                       ("0x100", 0x100 << 20), ("1.5G", 3 << 29)):
        options = VmOptions()
        options.add_option("memory", text)
        assert options.memory().size == size, text
    assert VmOptions().memory().size is None


def test_cache_modes() -> None:
    table = DriveTable()
    options = VmOptions()
    for mode in ("writeback", "none", "writethrough", "unsafe", "directsync"):
        options.add_option("drive", f"file=x.img,if=none,id={mode},cache={mode}")
    table = options.drives()
    assert [(d.write_cache, d.cache_direct, d.cache_no_flush) for d in table.drives] == [
        (True, False, False), (True, True, False), (False, False, False),
        (True, False, True), (False, True, False)]


def test_devices_built_from_options(tmp_path: Path) -> None:
    from emulator.block import open_image
    from emulator.devices.virtio_blk import VirtioBlk
    from emulator.devices.virtio_mmio import VirtioMmio
    from emulator.devices.virtio_rng import VirtioRng
    from emulator.drive import create_virtio_device
    from tests.devices.virtio_driver import Guest

    image_path = tmp_path / "d.img"
    image_path.write_bytes(bytes(1 << 20))
    options = VmOptions()
    options.add_option("machine", "virt")
    options.add_option("drive", f"file={image_path},format=raw,if=none,id=d0,readonly=on")
    options.add_option("device", "virtio-blk-device,drive=d0,serial=s1,event_idx=off,"
                                 "queue-size=128")
    options.add_option("device", "virtio-rng-device,period=500")
    checked = check(options)
    guest = Guest()
    built = []
    for device, index in checked.virtio_placement:  # type: ignore[attr-defined]
        image = None
        if device.drive is not None:
            image = open_image(device.drive.file, device.drive.format,
                               read_only=device.drive.read_only).image
        transport = VirtioMmio(lambda level: None)
        transport.plug(create_virtio_device(device, guest.dma, image))
        built.append((index, transport))
    (blk_index, blk), (rng_index, rng) = built
    assert (blk_index, rng_index) == (7, 6)
    assert isinstance(blk.device, VirtioBlk) and isinstance(rng.device, VirtioRng)
    assert blk.device.serial == b"s1" and blk.device.queue_size == 128
    assert blk.mmio_read(0x10, 4) == 0x11006EF4       # RO, no EVENT_IDX, legacy SCSI bit
    assert rng.device.period_ms == 500
    blk.device.image.close()
