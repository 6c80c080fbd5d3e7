"""The virt board's device tree against QEMU's: ``-machine dumpdtb=FILE``
on both for the same command lines, compared as ``dtc`` shows them.

Two properties differ by design: ``/chosen/rng-seed`` is random on both,
and ``riscv,isa`` names what the harts implement (QEMU's default CPU also
has the hypervisor extension, "h").
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e import console as con

COMMAND_LINES = {
    "default": [],
    "smp4-1G": ["-smp", "4", "-m", "1G"],
    "aclint": ["-M", "virt,aclint=on", "-smp", "2"],
    "16G": ["-m", "16G"],
    "kernel-initrd-append": ["-kernel", str(con.UBOOT_SMODE), "-initrd", "{initrd}",
                             "-append", "console=ttyS0 earlycon=sbi"],
}
RNG_SEED = re.compile(r"rng-seed = <[0-9a-fx ]+>;")


@pytest.fixture(scope="module", autouse=True)
def tools() -> None:
    for tool in ("dtc", con.QEMU):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed (make install)", pytrace=False)


def dump(command: list[str], args: list[str], path: Path) -> str:
    machine = ["-M", f"virt,dumpdtb={path}"]
    if args[:2] == ["-M", "virt,aclint=on"]:
        machine = ["-M", f"virt,aclint=on,dumpdtb={path}"]
        args = args[2:]
    result = subprocess.run([*command, *machine, "-bios", "none", "-display", "none", *args],
                            capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert result.stderr.endswith(f"info: dtb dumped to {path}. Exiting.\n")
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", str(path)], check=True,
                         capture_output=True, text=True).stdout
    return RNG_SEED.sub("rng-seed = <random>;", dts)


@pytest.mark.parametrize("name", sorted(COMMAND_LINES))
def test_device_tree_matches_qemus(name: str, tmp_path: Path) -> None:
    initrd = tmp_path / "initrd.img"
    initrd.write_bytes(bytes(4096))
    args = [arg.replace("{initrd}", str(initrd)) for arg in COMMAND_LINES[name]]
    ours = dump(con.cyqemu_command(), args, tmp_path / "ours.dtb").splitlines()
    theirs = dump(con.qemu_command(), args, tmp_path / "qemu.dtb").splitlines()
    assert len(ours) == len(theirs)
    differing = [(mine, qemus) for mine, qemus in zip(ours, theirs, strict=True)
                 if mine != qemus]
    harts = 4 if "smp4" in name else 2 if name == "aclint" else 1
    assert differing == [
        ('\t\t\triscv,isa = "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc";',
         '\t\t\triscv,isa = "rv64imafdch_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc";')
    ] * harts
