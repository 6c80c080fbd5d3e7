"""The command line: errors are QEMU's, word for word (with our program's
name), and so is the exit status.  Each case runs against Debian's QEMU
too; cyqemu's side runs in-process, for speed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from emulator.__main__ import main
from emulator.qemu_opts import OptDesc, OptsError, OptsList, OptType, parse, parse_size
from tests.qmp.harness import qemu_command, short_tmpdir

TMP = "{tmp}"   # replaced by a fresh folder when the tests run
PROGRAM = "cyqemu-system-riscv64"

CASES = [
    ["-foo"],
    ["--foo"],
    ["-M"],
    ["-machine"],
    ["-M", "none", "-display", "none", "-qmp"],
    ["-M", "none", "-display", "none", "-name"],
    ["-M", "nope", "-display", "none"],
    ["-machine", "none,foo=bar", "-display", "none"],
    ["-M", "none,accel=kvm", "-display", "none"],
    ["-M", "none", "-display", "none", "-qmp", "bogus:x"],
    ["-M", "none", "-display", "none", "-qmp", "tcp:onlyhost"],
    ["-M", "none", "-display", "none", "-qmp", f"unix:{TMP}/a.sock,server=on,wait=off,foo=1"],
    ["-M", "none", "-display", "none", "-qmp", f"unix:{TMP}/a.sock,server=on,wait=of"],
    ["-M", "none", "-display", "none", "-qmp", f"unix:{TMP}/no/such/dir.sock,server=on,wait=off"],
    ["-M", "none", "-display", "none", "-chardev", "socket"],
    ["-M", "none", "-display", "none", "-chardev", "foo,id=x"],
    ["-M", "none", "-display", "none", "-chardev", "socket,id=c1,host=localhost"],
    ["-M", "none", "-display", "none", "-chardev", "socket,id=1a,path=/x"],
    ["-M", "none", "-display", "none", "-chardev", "socket,id=c1,bogus=1"],
    ["-M", "none", "-display", "none", "-chardev", f"socket,id=c1,path={TMP}/b.sock,server=on,"
     "wait=off", "-chardev", f"socket,id=c1,path={TMP}/c.sock,server=on,wait=off"],
    ["-M", "none", "-display", "none", "-mon", "chardev=c9"],
    ["-M", "none", "-display", "none", "-mon", "c9,mode=control"],
    ["-M", "none", "-display", "none", "-chardev", "null,id=c1", "-mon", "chardev=c1,mode=bogus"],
    ["-M", "none", "-display", "bogus"],
    ["-M", "none", "-display", "none,foo=bar"],
    ["-M", "none", "-display", "none", "-name", "foo,bar=1"],
    ["-M", "none", "-display", "none", "-serial", "bogus"],
    ["-M", "none", "-display", "none", "-qmp", "stdio", "-serial", "stdio"],
    ["-M", "virt", "-bios", "none", "-nographic", "-serial", "stdio"],
    ["-M", "virt", "-display", "none", "-append", "console=ttyS0"],
    ["-M", "virt", "-display", "none", "-initrd", "x.img"],
    ["-M", "virt", "-display", "none", "-bios", f"{TMP}/none.bin"],
    ["-M", "virt", "-display", "none", "-bios", "none", "-kernel", f"{TMP}/none.bin"],
    ["-M", "virt", "-display", "none", "-smp", "600"],
    ["-M", "virt", "-display", "none", "-m", "1x"],
]


def _with_tmp(argv: list[str], tmp: str) -> list[str]:
    return [word.replace(TMP, tmp) for word in argv]


def _qemu_results(tmp: str) -> dict[int, tuple[int, str]]:
    qemu = qemu_command()
    if qemu is None:
        pytest.fail("Debian's qemu-system-riscv64 is not installed", pytrace=False)
    processes = [subprocess.Popen([*qemu, *_with_tmp(argv, tmp)], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for argv in CASES]
    results = {}
    for index, process in enumerate(processes):
        _, stderr = process.communicate(timeout=30)
        results[index] = (process.returncode,
                          stderr.decode().replace("qemu-system-riscv64:", f"{PROGRAM}:"))
    return results


@pytest.fixture(scope="module")
def tmp() -> Iterator[str]:
    folder = short_tmpdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def qemu_results(tmp: str) -> dict[int, tuple[int, str]]:
    return _qemu_results(tmp)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[" ".join(argv)[:60] for argv in CASES])
def test_errors_like_qemu(index: int, qemu_results: dict[int, tuple[int, str]], tmp: str,
                          capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [PROGRAM])
    status = main(_with_tmp(CASES[index], tmp))
    expected_status, expected_stderr = qemu_results[index]
    # cyqemu names an unknown machine type and lists the known ones, where
    # QEMU says no more than "unsupported machine type".
    ours = re.sub(r"Machine type '[^']*' is not one of: [a-z, ]*\n", "", capsys.readouterr().err)
    assert (status, ours) == (expected_status, expected_stderr)


def test_version_and_help(capsys: pytest.CaptureFixture[str],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [PROGRAM])
    assert main(["-version"]) == 0
    assert capsys.readouterr().out.startswith("QEMU emulator version 7.2.22 (cyqemu ")
    assert main(["-h"]) == 0
    usage = capsys.readouterr().out
    for option in ("-machine", "-qmp", "-chardev", "-mon", "-S", "-preconfig", "-serial"):
        assert f"\n{option}" in usage
    assert main(["-machine", "help"]) == 0
    assert "none                 empty machine\n" in capsys.readouterr().out


def test_short_form_booleans_warn(capsys: pytest.CaptureFixture[str], tmp: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [PROGRAM])
    spec = f"socket,id=c,path={tmp}/w.sock,server,nowait"
    assert main(["-M", "none", "-display", "none", "-chardev", spec, "-mon", "nope"]) == 1
    assert capsys.readouterr().err == (
        f"{PROGRAM}: -chardev {spec}: warning: short-form boolean option 'server' deprecated\n"
        "Please use server=on instead\n"
        f"{PROGRAM}: -chardev {spec}: warning: short-form boolean option 'nowait' deprecated\n"
        "Please use wait=off instead\n"
        f"{PROGRAM}: -mon nope: chardev \"nope\" not found\n")


# -- the option syntax ----------------------------------------------------------

def test_option_syntax() -> None:
    options = OptsList("test", implied_opt_name="path", desc=[
        OptDesc("path"), OptDesc("server", OptType.BOOL), OptDesc("size", OptType.SIZE),
        OptDesc("count", OptType.NUMBER)])
    opts = parse(options, "a,,b,,,server=on,size=1.5k,count=0x10,id=x1", permit_abbrev=True)
    assert opts is not None
    assert opts.id == "x1"
    assert opts.get("path") == "a,b,"
    assert opts.get_bool("server", False) is True
    assert opts.get_size("size", 0) == 1536
    assert opts.get_number("count", 0) == 16
    with pytest.raises(OptsError, match="Parameter 'count' expects a number"):
        parse(options, "nocount")           # count=off
    assert parse(options, "help") is None
    with pytest.raises(OptsError, match="Duplicate ID 'x1' for test"):
        parse(options, "id=x1")
    with pytest.raises(OptsError, match="Invalid parameter 'nope'"):
        parse(options, "nope=1")
    with pytest.raises(OptsError, match="Parameter 'server' expects 'on' or 'off'"):
        parse(options, "server=maybe")
    merged = OptsList("machine", implied_opt_name="type", merge_lists=True)
    parse(merged, "none", permit_abbrev=True)
    parse(merged, "kernel=k", permit_abbrev=True)
    assert len(merged.groups) == 1
    assert merged.groups[0].get("type") == "none" and merged.groups[0].get("kernel") == "k"
    assert parse_size("size", "2G") == 2 << 30
    with pytest.raises(OptsError):
        parse_size("size", "-1")
