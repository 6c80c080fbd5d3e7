"""Config files that QEMU 7.2 refuses: the first line of cyqemu's message
is QEMU's, location included (QEMU's binary is the oracle)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from emulator.drive import OptionError
from emulator.readconfig import VmOptions
from tests.readconfig.test_readconfig import PROGRAM, check

CASES = {
    "no_group": '  x = "y"\n',
    "blank_line": "[machine]\n  \n",
    "crlf_blank_line": '[machine]\n  type = "virt"\n\r\n',
    "unknown_group": '[bogus]\n  x = "y"\n',
    "unquoted_id": '[drive foo]\n  file = "x"\n',
    "unclosed_header": '[machine\n  type = "virt"\n',
    "bad_id": '[drive "bad id"]\n  file = "t.img"\n',
    "digit_id": '[device "1x"]\n  driver = "virtio-rng-device"\n',
    "duplicate_id": '[drive "d0"]\n  file = "t.img"\n  format = "raw"\n  if = "none"\n'
                    '[drive "d0"]\n  file = "t.img"\n',
    "bad_size": '[machine]\n  type = "virt"\n[memory]\n  size = "abc"\n',
    "memory_key": '[memory]\n  bogus = "1"\n',
    "chardev_key": '[chardev "c"]\n  backend = "null"\n  bogus = "1"\n',
    "unknown_machine": '# q35\n[machine]\n  type = "q35"\n\n[memory]\n  size = "1024"\n',
    "unquoted_value": '[machine]\n  type = virt\n',
    "machine_property": '[machine]\n  type = "virt"\n  gic-version = "host"\n',
    "device_property": '[machine]\n  type = "virt"\n[device]\n  driver = "virtio-rng-device"\n'
                       '  foo = "1"\n\n# x\n[machine]\n type = "virt"\n',
    "device_driver": '[machine]\n  type = "virt"\n[device "x"]\n  bus = "pcie.0"\n',
    "netdev_type": '[machine]\n  type = "virt"\n[netdev "n"]\n  type = "bogus"\n',
    "netdev_id": '[machine]\n  type = "virt"\n[netdev]\n  type = "user"\n',
    "drive_option": '[machine]\n  type = "virt"\n[drive]\n  file = "t.img"\n  format = "raw"\n'
                    '  bogus = "1"\n',
    "drive_missing": '[machine]\n  type = "virt"\n[drive "d"]\n  file = "none.img"\n'
                     '  format = "raw"\n  if = "none"\n',
    "drive_property": '[machine]\n  type = "virt"\n[device]\n  driver = "virtio-blk-device"\n'
                      '  drive = "nope"\n',
    "drive_not_set": '[machine]\n  type = "virt"\n[device]\n  driver = "virtio-blk-device"\n',
    "readonly_alias": '[machine]\n  type = "virt"\n[drive]\n  file = "t.img"\n  format = "raw"\n'
                      '  readonly = "on"\n  read-only = "on"\n',
    "pflash_unit": '[machine]\n  type = "virt"\n[drive]\n  file = "t.img"\n  format = "raw"\n'
                   '  if = "bogus"\n',
}


@pytest.fixture(scope="module")
def qemu() -> str:
    path = shutil.which(PROGRAM)
    if path is None:
        pytest.fail(f"{PROGRAM} is needed (make install)", pytrace=False)
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_first_error_line_as_qemu(name: str, qemu: str, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t.img").write_bytes(bytes(1 << 20))
    (tmp_path / "t.cfg").write_text(CASES[name])
    result = subprocess.run([qemu, "-nodefaults", "-display", "none", "-S", "-readconfig",
                             "t.cfg"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=30, stdin=subprocess.DEVNULL)
    assert result.returncode != 0, result.stderr
    monkeypatch.chdir(tmp_path)
    options = VmOptions()
    with pytest.raises(OptionError) as caught:
        options.read_config("t.cfg")
        check(options)
    ours = caught.value.render(PROGRAM).splitlines()
    theirs = result.stderr.splitlines()
    if name == "unclosed_header":              # QEMU's group name holds the newline
        assert ours[:2] == theirs[:2]
    else:
        assert ours[0] == theirs[0]
