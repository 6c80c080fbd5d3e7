"""fw_cfg driven as firmware drives it: big-endian selector and DMA
address, string-ordered data reads, FWCfgDmaAccess structures in RAM.
Expected values were read from QEMU 7.2's riscv virt with a guest
program."""

from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.devices.dma import Dma
from emulator.devices.fw_cfg import (
    FW_CFG_CMDLINE_DATA,
    FW_CFG_CMDLINE_SIZE,
    FW_CFG_DMA_CTL_READ,
    FW_CFG_DMA_CTL_SELECT,
    FW_CFG_DMA_CTL_SKIP,
    FW_CFG_DMA_CTL_WRITE,
    FW_CFG_FILE_DIR,
    FW_CFG_ID,
    FW_CFG_KERNEL_DATA,
    FW_CFG_KERNEL_SIZE,
    FW_CFG_NB_CPUS,
    FW_CFG_NOGRAPHIC,
    FW_CFG_SIGNATURE,
    FW_CFG_UUID,
    FwCfg,
    FwCfgError,
    parse_fw_cfg_option,
    setup_firmware_boot,
)
from runtime.accel.softmmu import PhysicalMemory

RAM = 0x80000000
RAM_SIZE = 8 << 20
ACCESS = RAM + 0x1000
BUFFER = RAM + 0x2000


class Firmware:
    """What a guest does with the registers (little-endian CPU)."""

    def __init__(self, **options: object) -> None:
        self.memory = PhysicalMemory()
        self.memory.add_ram(RAM, RAM_SIZE)
        self.device = FwCfg(Dma(self.memory), **options)  # type: ignore[arg-type]
        self.device.add_i16(FW_CFG_NB_CPUS, 1)

    def select(self, key: int) -> None:
        self.device.mmio_write(8, 2, int.from_bytes(key.to_bytes(2, "big"), "little"))

    def read(self, size: int) -> int:
        return self.device.mmio_read(0, size)

    def read_bytes(self, count: int) -> bytes:
        return bytes(self.read(1) for _ in range(count))

    def dma(self, control: int, length: int, address: int, wide: bool = False) -> int:
        self.memory.write(ACCESS, control.to_bytes(4, "big") + length.to_bytes(4, "big")
                          + address.to_bytes(8, "big"))
        if wide:
            self.device.mmio_write(16, 8, int.from_bytes(ACCESS.to_bytes(8, "big"), "little"))
        else:
            self.device.mmio_write(16, 4, 0)
            self.device.mmio_write(20, 4, int.from_bytes(ACCESS.to_bytes(4, "big"), "little"))
        return int.from_bytes(self.memory.read(ACCESS, 4), "big")

    def directory(self) -> list[tuple[int, int, str]]:
        assert self.dma(FW_CFG_FILE_DIR << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
                        8192, BUFFER) == 0
        raw = self.memory.read(BUFFER, 8192)
        count = int.from_bytes(raw[:4], "big")
        files = []
        for index in range(count):
            entry = raw[4 + 64 * index:4 + 64 * (index + 1)]
            files.append((int.from_bytes(entry[4:6], "big"), int.from_bytes(entry[0:4], "big"),
                          entry[8:].rstrip(b"\0").decode()))
        return files


def test_registers_as_on_qemu() -> None:
    fw = Firmware()
    fw.select(FW_CFG_SIGNATURE)
    assert fw.read_bytes(4) == b"QEMU"
    assert fw.read(8) == 0                            # past the end
    fw.select(FW_CFG_ID)
    assert fw.read(4) == 3
    fw.select(FW_CFG_ID)
    assert fw.read(8) == 3
    assert fw.device.mmio_read(16, 8) == 0x47464320554D4551
    assert fw.device.mmio_read(16, 4) == 0x554D4551
    assert fw.device.mmio_read(20, 4) == 0x47464320
    expected = {FW_CFG_UUID: 0, 3: 0, FW_CFG_NOGRAPHIC: 1, FW_CFG_NB_CPUS: 1, 0xE: 0,
                0xF: 0, 8: 0, 0xB: 0, 0x14: 0, FW_CFG_FILE_DIR: 0x3000000}
    for key, value in expected.items():
        fw.select(key)
        assert fw.read(8) == value, hex(key)
    fw.select(FW_CFG_SIGNATURE)
    assert (fw.read(2), fw.read(4)) == (0x4551, 0x554D)


def test_file_directory_as_on_qemu() -> None:
    fw = Firmware()
    assert fw.directory() == [(0x20, 0, "bios-geometry"), (0x21, 0, "bootorder"),
                              (0x22, 4, "etc/boot-fail-wait")]
    fw.select(0x22)
    assert fw.read_bytes(4) == b"\xff\xff\xff\xff"
    fw = Firmware(boot_menu=True, reboot_timeout=1000, splash_time=5)
    assert [name for _, _, name in fw.directory()] == [
        "bios-geometry", "bootorder", "etc/boot-fail-wait", "etc/boot-menu-wait"]
    fw.select(0x22)
    assert fw.read_bytes(4) == b"\xe8\x03\0\0"
    fw.select(0x23)
    assert fw.read_bytes(2) == b"\x05\0"
    fw.select(0xE)
    assert fw.read(2) == 1


def test_dma_operations_as_on_qemu() -> None:
    fw = Firmware()
    source = RAM + 0x3000
    fw.memory.write(source, b"\1\2\3\4")
    assert fw.dma(0x20 << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4, source) == 1
    fw.memory.write(BUFFER, b"\xaa" * 8)
    assert fw.dma(0x3FFF << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 8, BUFFER) == 0
    assert fw.memory.read(BUFFER, 8) == bytes(8)
    assert fw.dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 4, 0x1000) == 1
    assert fw.dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP, 2, 0) == 0
    assert fw.read_bytes(2) == b"MU"
    assert fw.dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 16, BUFFER, wide=True) == 0
    assert fw.memory.read(BUFFER, 16) == b"QEMU" + bytes(12)
    # No operation bit: nothing moves, success.
    assert fw.dma(FW_CFG_DMA_CTL_SELECT, 100, BUFFER) == 0


def test_descriptor_outside_ram_is_dropped() -> None:
    fw = Firmware()
    fw.device.mmio_write(16, 4, 0)
    fw.device.mmio_write(20, 4, int.from_bytes((0x1000).to_bytes(4, "big"), "little"))
    assert fw.device.dma_addr == 0


def test_writable_file_and_callbacks() -> None:
    fw = Firmware()
    written: list[tuple[int, int]] = []
    selected: list[bool] = []
    key = fw.device.add_file("etc/ramfb", bytes(8), read_only=False,
                             select_callback=lambda: selected.append(True),
                             write_callback=lambda offset, size: written.append((offset, size)))
    source = RAM + 0x3000
    fw.memory.write(source, b"ABCDEFGH")
    assert fw.dma(key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP, 2, 0) == 0
    assert fw.dma(FW_CFG_DMA_CTL_WRITE, 4, source) == 0
    assert fw.device.read_item(key) == b"\0\0ABCD\0\0"
    assert written == [(2, 4)] and selected == [True]
    # Past the end: truncated writes are dropped whole.
    assert fw.dma(FW_CFG_DMA_CTL_WRITE, 4, source) == 1
    assert fw.device.read_item(key) == b"\0\0ABCD\0\0"


def test_files_sorted_and_renumbered() -> None:
    fw = Firmware()
    fw.device.add_file("opt/zzz", b"z")
    fw.device.add_file("opt/aaa", b"aa")
    names = [(key, name) for key, _, name in fw.directory()]
    assert names == [(0x20, "bios-geometry"), (0x21, "bootorder"), (0x22, "etc/boot-fail-wait"),
                     (0x23, "opt/aaa"), (0x24, "opt/zzz")]
    fw.select(0x24)
    assert fw.read(1) == ord("z")
    with pytest.raises(FwCfgError, match="duplicate fw_cfg file name: opt/aaa"):
        fw.device.add_file("opt/aaa", b"")
    long_name = "opt/" + "x" * 80
    key = fw.device.add_file(long_name, b"")
    assert fw.device.files[key - 0x20][0] == long_name[:55]


def test_selector_reset_and_invalid_keys() -> None:
    fw = Firmware()
    fw.select(FW_CFG_ID)
    fw.device.reset()
    assert fw.read_bytes(4) == b"QEMU"
    fw.select(0x7FFF)
    assert fw.read(8) == 0
    fw.select(0x4000)                  # write channel of the signature: still readable
    assert fw.read_bytes(4) == b"QEMU"
    fw.device.mmio_write(8, 4, 0x0100)                # wrong width: ignored
    assert fw.read(1) == 0
    assert fw.device.mmio_read(8, 2) == 0
    assert fw.device.mmio_read(3, 1) == 0


def test_firmware_boot_items(tmp_path: Path) -> None:
    fw = Firmware()
    kernel = b"\x13\x00\x00\x00" * 100
    setup_firmware_boot(fw.device, gzip.compress(kernel), b"initrd", "console=ttyS0")
    fw.select(FW_CFG_KERNEL_SIZE)
    assert fw.read(4) == len(kernel)
    assert fw.device.read_item(FW_CFG_KERNEL_DATA) == kernel
    fw.select(FW_CFG_CMDLINE_SIZE)
    assert fw.read(4) == 14
    assert fw.device.read_item(FW_CFG_CMDLINE_DATA) == b"console=ttyS0\0"


def test_fw_cfg_option_checks(tmp_path: Path) -> None:
    item = parse_fw_cfg_option("opt/x", string="hello")
    assert (item.data, item.warning) == (b"hello", None)
    assert parse_fw_cfg_option("etc/x", string="y").warning == (
        'externally provided fw_cfg item names should be prefixed with "opt/"')
    path = tmp_path / "blob"
    path.write_bytes(b"\0\1")
    assert parse_fw_cfg_option("opt/y", file=str(path)).data == b"\0\1"
    with pytest.raises(FwCfgError, match="name, plus exactly one of file, string and gen_id, "
                                         "are needed"):
        parse_fw_cfg_option("opt/x", file="a", string="b")
    with pytest.raises(FwCfgError, match=r"name too long \(max. 55 char\)"):
        parse_fw_cfg_option("opt/" + "x" * 60, string="b")
    with pytest.raises(FwCfgError, match="can't load /nonexistent: Failed to open file"):
        parse_fw_cfg_option("opt/x", file="/nonexistent")
    with pytest.raises(FwCfgError, match="reboot timeout is invalid"):
        FwCfg(None, reboot_timeout=70000)


dma_requests = st.lists(st.tuples(
    st.integers(0, 0xFFFFFFFF) | st.sampled_from([0x19000A, 0x8, 0x2, 0x4, 0x10, 0x200018,
                                                  0x20000A, 0x3FFF000A]),
    st.integers(0, 0xFFFFFFFF) | st.integers(0, 5000),
    st.integers(0, (1 << 64) - 1) | st.integers(RAM - 16, RAM + RAM_SIZE + 16)
    | st.integers(RAM + RAM_SIZE - 8192, RAM + RAM_SIZE),
    st.sampled_from([ACCESS, RAM + RAM_SIZE - 8, 0x1000, (1 << 64) - 16, RAM + RAM_SIZE - 4]),
    st.booleans()), max_size=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests=dma_requests)
def test_hostile_dma_requests(requests: list[tuple[int, int, int, int, bool]]) -> None:
    fw = Firmware()
    fw.device.add_file("opt/rw", bytes(64), read_only=False)
    tracemalloc.start()
    try:
        for control, length, address, where, wide in requests:
            if where == ACCESS:
                fw.dma(control, length, address, wide)
            else:
                try:
                    fw.memory.write(where, control.to_bytes(4, "big") + length.to_bytes(4, "big"))
                except ValueError:
                    pass
                fw.device.mmio_write(16, 8, int.from_bytes(where.to_bytes(8, "big"), "little"))
            fw.read(8)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 0x17), st.sampled_from([1, 2, 4, 8]),
                          st.integers(0, (1 << 64) - 1), st.booleans()), max_size=40))
def test_random_register_traffic(accesses: list[tuple[int, int, int, bool]]) -> None:
    fw = Firmware()
    for offset, size, value, is_write in accesses:
        if is_write:
            assert fw.device.mmio_write(offset, size, value & ((1 << (8 * size)) - 1)) is False
        else:
            assert 0 <= fw.device.mmio_read(offset, size) < 1 << (8 * size)
