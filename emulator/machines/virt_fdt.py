"""The device tree of the virt board, as QEMU 7.2 builds it.

Nodes, properties, phandles and their order are QEMU's (one socket, the
PLIC as interrupt controller, CLINT or with ``aclint=on`` the ACLINT
MSWI/MTIMER/SSWI nodes), so a guest sees the same blob, byte for byte,
apart from the random ``rng-seed`` and the ``riscv,isa`` string, which
names what these harts implement.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from emulator.device_tree import DeviceTree

# virt's memory map (QEMU's virt_memmap) and interrupt numbers.
TEST_BASE, TEST_SIZE = 0x100000, 0x1000
RTC_BASE, RTC_SIZE = 0x101000, 0x1000
CLINT_BASE, CLINT_SIZE = 0x2000000, 0x10000
ACLINT_SSWI_BASE, ACLINT_SSWI_SIZE = 0x2F00000, 0x4000
PCIE_PIO_BASE, PCIE_PIO_SIZE = 0x3000000, 0x10000
PLATFORM_BUS_BASE, PLATFORM_BUS_SIZE = 0x4000000, 0x2000000
PLIC_BASE = 0xC000000
UART0_BASE, UART0_SIZE = 0x10000000, 0x100
VIRTIO_BASE, VIRTIO_SIZE, VIRTIO_COUNT = 0x10001000, 0x1000, 8
FW_CFG_BASE, FW_CFG_SIZE = 0x10100000, 0x18
FLASH_BASE, FLASH_SIZE = 0x20000000, 0x4000000
PCIE_ECAM_BASE, PCIE_ECAM_SIZE = 0x30000000, 0x10000000
PCIE_MMIO_BASE, PCIE_MMIO_SIZE = 0x40000000, 0x40000000
DRAM_BASE = 0x80000000
HIGH_PCIE_MMIO_SIZE = 16 << 30

UART0_IRQ = 10
RTC_IRQ = 11
VIRTIO_IRQ = 1
PCIE_IRQ = 0x20
PCIE_IRQ_COUNT = 4
PLATFORM_BUS_IRQ = 64
PLIC_NUM_SOURCES = 96
PLIC_NUM_PRIORITIES = 7
CPUS_MAX = 512
PLIC_SIZE = 0x200000 + CPUS_MAX * 2 * 0x1000

IRQ_S_SOFT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_M_EXT = 1, 3, 7, 9, 11
TIMEBASE_FREQ = 10000000
UART_CLOCK = 3686400
FINISHER_PASS, FINISHER_RESET = 0x5555, 0x7777
ACLINT_SWI_SIZE = 0x4000
ACLINT_MTIME = 0x7FF8
PCIE_MMCFG_SIZE_MIN = 1 << 20
PCI_RANGE_IOPORT, PCI_RANGE_MMIO, PCI_RANGE_MMIO_64BIT = 0x1000000, 0x2000000, 0x3000000
RNG_SEED_SIZE = 32


@dataclass
class VirtTopology:
    """What the tree describes."""

    harts: int
    ram_size: int
    isa: str
    aclint: bool = False
    pmu_counters: int = 16


def high_pcie_mmio_base(ram_size: int) -> int:
    end = DRAM_BASE + ram_size
    return (end + HIGH_PCIE_MMIO_SIZE - 1) // HIGH_PCIE_MMIO_SIZE * HIGH_PCIE_MMIO_SIZE


class _Phandles:
    def __init__(self) -> None:
        self.next = 1

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


def build(topology: VirtTopology, cmdline: str | None) -> DeviceTree:
    """The tree of a virt machine, ``/chosen`` with ``bootargs`` (when
    `cmdline` is not empty) and a fresh ``rng-seed``."""
    fdt = DeviceTree()
    fdt.setprop_string("/", "model", "riscv-virtio,qemu")
    fdt.setprop_string("/", "compatible", "riscv-virtio")
    fdt.setprop_cells("/", "#size-cells", 2)
    fdt.setprop_cells("/", "#address-cells", 2)
    fdt.add_subnode("/soc")
    fdt.setprop("/soc", "ranges")
    fdt.setprop_string("/soc", "compatible", "simple-bus")
    fdt.setprop_cells("/soc", "#size-cells", 2)
    fdt.setprop_cells("/soc", "#address-cells", 2)
    phandles = _Phandles()
    plic = _sockets(fdt, topology, phandles)
    _virtio(fdt, plic)
    _pcie(fdt, topology, plic)
    _reset(fdt, phandles)
    _uart(fdt, plic)
    _rtc(fdt, plic)
    _flash(fdt)
    _fw_cfg(fdt)
    _pmu(fdt, topology.pmu_counters)
    finish_chosen(fdt, cmdline)
    return fdt


def finish_chosen(fdt: DeviceTree, cmdline: str | None) -> None:
    """What QEMU adds to any tree, its own or ``-dtb``'s."""
    if cmdline:
        fdt.setprop_string("/chosen", "bootargs", cmdline)
    randomize_seed(fdt)


def randomize_seed(fdt: DeviceTree) -> None:
    fdt.setprop("/chosen", "rng-seed", os.urandom(RNG_SEED_SIZE))


def _sockets(fdt: DeviceTree, topology: VirtTopology, phandles: _Phandles) -> int:
    fdt.add_subnode("/cpus")
    fdt.setprop_cells("/cpus", "timebase-frequency", TIMEBASE_FREQ)
    fdt.setprop_cells("/cpus", "#size-cells", 0)
    fdt.setprop_cells("/cpus", "#address-cells", 1)
    fdt.add_subnode("/cpus/cpu-map")
    cluster = "/cpus/cpu-map/cluster0"
    fdt.add_subnode(cluster)
    intc = [0] * topology.harts
    for cpu in reversed(range(topology.harts)):
        cpu_phandle = phandles.take()
        name = f"/cpus/cpu@{cpu}"
        fdt.add_subnode(name)
        fdt.setprop_string(name, "mmu-type", "riscv,sv48")
        fdt.setprop_string(name, "riscv,isa", topology.isa)
        fdt.setprop_string(name, "compatible", "riscv")
        fdt.setprop_string(name, "status", "okay")
        fdt.setprop_cells(name, "reg", cpu)
        fdt.setprop_string(name, "device_type", "cpu")
        fdt.setprop_cells(name, "phandle", cpu_phandle)
        intc[cpu] = phandles.take()
        intc_name = f"{name}/interrupt-controller"
        fdt.add_subnode(intc_name)
        fdt.setprop_cells(intc_name, "phandle", intc[cpu])
        fdt.setprop_string(intc_name, "compatible", "riscv,cpu-intc")
        fdt.setprop(intc_name, "interrupt-controller")
        fdt.setprop_cells(intc_name, "#interrupt-cells", 1)
        core = f"{cluster}/core{cpu}"
        fdt.add_subnode(core)
        fdt.setprop_cells(core, "cpu", cpu_phandle)
    memory = f"/memory@{DRAM_BASE:x}"
    fdt.add_subnode(memory)
    fdt.setprop_cells(memory, "reg", DRAM_BASE >> 32, DRAM_BASE, topology.ram_size >> 32,
                      topology.ram_size)
    fdt.setprop_string(memory, "device_type", "memory")
    if topology.aclint:
        _aclint(fdt, intc)
    else:
        _clint(fdt, intc)
    return _plic(fdt, intc, phandles)


def _per_hart(intc: list[int], *irqs: int) -> list[int]:
    return [value for phandle in intc for irq in irqs for value in (phandle, irq)]


def _clint(fdt: DeviceTree, intc: list[int]) -> None:
    name = f"/soc/clint@{CLINT_BASE:x}"
    fdt.add_subnode(name)
    fdt.setprop_strings(name, "compatible", "sifive,clint0", "riscv,clint0")
    fdt.setprop_cells(name, "reg", 0, CLINT_BASE, 0, CLINT_SIZE)
    fdt.setprop_cells(name, "interrupts-extended", *_per_hart(intc, IRQ_M_SOFT, IRQ_M_TIMER))


def _aclint(fdt: DeviceTree, intc: list[int]) -> None:
    _aclint_swi(fdt, "mswi", CLINT_BASE, ACLINT_SWI_SIZE, intc, IRQ_M_SOFT)
    base = CLINT_BASE + ACLINT_SWI_SIZE
    size = CLINT_SIZE - ACLINT_SWI_SIZE
    name = f"/soc/mtimer@{base:x}"
    fdt.add_subnode(name)
    fdt.setprop_string(name, "compatible", "riscv,aclint-mtimer")
    fdt.setprop_cells(name, "reg", 0, base + ACLINT_MTIME, 0, size - ACLINT_MTIME,
                      0, base, 0, ACLINT_MTIME)
    fdt.setprop_cells(name, "interrupts-extended", *_per_hart(intc, IRQ_M_TIMER))
    _aclint_swi(fdt, "sswi", ACLINT_SSWI_BASE, ACLINT_SSWI_SIZE, intc, IRQ_S_SOFT)


def _aclint_swi(fdt: DeviceTree, kind: str, base: int, size: int, intc: list[int],
                irq: int) -> None:
    name = f"/soc/{kind}@{base:x}"
    fdt.add_subnode(name)
    fdt.setprop_string(name, "compatible", f"riscv,aclint-{kind}")
    fdt.setprop_cells(name, "reg", 0, base, 0, size)
    fdt.setprop_cells(name, "interrupts-extended", *_per_hart(intc, irq))
    fdt.setprop(name, "interrupt-controller")
    fdt.setprop_cells(name, "#interrupt-cells", 0)


def _plic(fdt: DeviceTree, intc: list[int], phandles: _Phandles) -> int:
    phandle = phandles.take()
    name = f"/soc/plic@{PLIC_BASE:x}"
    fdt.add_subnode(name)
    fdt.setprop_cells(name, "#interrupt-cells", 1)
    fdt.setprop_cells(name, "#address-cells", 0)
    fdt.setprop_strings(name, "compatible", "sifive,plic-1.0.0", "riscv,plic0")
    fdt.setprop(name, "interrupt-controller")
    fdt.setprop_cells(name, "interrupts-extended", *_per_hart(intc, IRQ_M_EXT, IRQ_S_EXT))
    fdt.setprop_cells(name, "reg", 0, PLIC_BASE, 0, PLIC_SIZE)
    fdt.setprop_cells(name, "riscv,ndev", PLIC_NUM_SOURCES)
    fdt.setprop_cells(name, "phandle", phandle)
    bus = f"/platform-bus@{PLATFORM_BUS_BASE:x}"
    fdt.add_subnode(bus)
    fdt.setprop_strings(bus, "compatible", "qemu,platform", "simple-bus")
    fdt.setprop_cells(bus, "#size-cells", 1)
    fdt.setprop_cells(bus, "#address-cells", 1)
    fdt.setprop_cells(bus, "ranges", 0, PLATFORM_BUS_BASE >> 32, PLATFORM_BUS_BASE,
                      PLATFORM_BUS_SIZE)
    fdt.setprop_cells(bus, "interrupt-parent", phandle)
    return phandle


def _plic_device(fdt: DeviceTree, kind: str, base: int, size: int, compatible: str,
                 plic: int, irq: int, clock: int | None = None) -> str:
    """A device on /soc with one PLIC interrupt; returns its path."""
    name = f"/soc/{kind}@{base:x}"
    fdt.add_subnode(name)
    fdt.setprop_string(name, "compatible", compatible)
    fdt.setprop_cells(name, "reg", 0, base, 0, size)
    if clock is not None:
        fdt.setprop_cells(name, "clock-frequency", clock)
    fdt.setprop_cells(name, "interrupt-parent", plic)
    fdt.setprop_cells(name, "interrupts", irq)
    return name


def _virtio(fdt: DeviceTree, plic: int) -> None:
    for index in range(VIRTIO_COUNT):
        _plic_device(fdt, "virtio_mmio", VIRTIO_BASE + index * VIRTIO_SIZE, VIRTIO_SIZE,
                     "virtio,mmio", plic, VIRTIO_IRQ + index)


def _pcie(fdt: DeviceTree, topology: VirtTopology, plic: int) -> None:
    name = f"/soc/pci@{PCIE_ECAM_BASE:x}"
    high = high_pcie_mmio_base(topology.ram_size)
    fdt.add_subnode(name)
    fdt.setprop_cells(name, "#address-cells", 3)
    fdt.setprop_cells(name, "#interrupt-cells", 1)
    fdt.setprop_cells(name, "#size-cells", 2)
    fdt.setprop_string(name, "compatible", "pci-host-ecam-generic")
    fdt.setprop_string(name, "device_type", "pci")
    fdt.setprop_cells(name, "linux,pci-domain", 0)
    fdt.setprop_cells(name, "bus-range", 0, PCIE_ECAM_SIZE // PCIE_MMCFG_SIZE_MIN - 1)
    fdt.setprop(name, "dma-coherent")
    fdt.setprop_cells(name, "reg", 0, PCIE_ECAM_BASE, 0, PCIE_ECAM_SIZE)
    fdt.setprop_sized_cells(
        name, "ranges",
        (1, PCI_RANGE_IOPORT), (2, 0), (2, PCIE_PIO_BASE), (2, PCIE_PIO_SIZE),
        (1, PCI_RANGE_MMIO), (2, PCIE_MMIO_BASE), (2, PCIE_MMIO_BASE), (2, PCIE_MMIO_SIZE),
        (1, PCI_RANGE_MMIO_64BIT), (2, high), (2, high), (2, HIGH_PCIE_MMIO_SIZE))
    irq_map = []
    for device in range(PCIE_IRQ_COUNT):
        for pin in range(PCIE_IRQ_COUNT):
            # The standard swizzle: a device's first pin by its slot.
            irq_map += [(device * 8) << 8, 0, 0, pin + 1, plic,
                        PCIE_IRQ + (pin + device) % PCIE_IRQ_COUNT]
    fdt.setprop_cells(name, "interrupt-map", *irq_map)
    fdt.setprop_cells(name, "interrupt-map-mask", 0x1800, 0, 0, 7)


def _reset(fdt: DeviceTree, phandles: _Phandles) -> None:
    test = phandles.take()
    name = f"/soc/test@{TEST_BASE:x}"
    fdt.add_subnode(name)
    fdt.setprop_strings(name, "compatible", "sifive,test1", "sifive,test0", "syscon")
    fdt.setprop_cells(name, "reg", 0, TEST_BASE, 0, TEST_SIZE)
    fdt.setprop_cells(name, "phandle", test)
    for node, compatible, value in (("/reboot", "syscon-reboot", FINISHER_RESET),
                                    ("/poweroff", "syscon-poweroff", FINISHER_PASS)):
        fdt.add_subnode(node)
        fdt.setprop_string(node, "compatible", compatible)
        fdt.setprop_cells(node, "regmap", test)
        fdt.setprop_cells(node, "offset", 0)
        fdt.setprop_cells(node, "value", value)


def _uart(fdt: DeviceTree, plic: int) -> None:
    name = _plic_device(fdt, "serial", UART0_BASE, UART0_SIZE, "ns16550a", plic, UART0_IRQ,
                        clock=UART_CLOCK)
    fdt.add_subnode("/chosen")
    fdt.setprop_string("/chosen", "stdout-path", name)


def _rtc(fdt: DeviceTree, plic: int) -> None:
    _plic_device(fdt, "rtc", RTC_BASE, RTC_SIZE, "google,goldfish-rtc", plic, RTC_IRQ)


def _flash(fdt: DeviceTree) -> None:
    name = f"/flash@{FLASH_BASE:x}"
    half = FLASH_SIZE // 2
    fdt.add_subnode(name)
    fdt.setprop_string(name, "compatible", "cfi-flash")
    fdt.setprop_sized_cells(name, "reg", (2, FLASH_BASE), (2, half), (2, FLASH_BASE + half),
                            (2, half))
    fdt.setprop_cells(name, "bank-width", 4)


def _fw_cfg(fdt: DeviceTree) -> None:
    name = f"/fw-cfg@{FW_CFG_BASE:x}"
    fdt.add_subnode(name)
    fdt.setprop_string(name, "compatible", "qemu,fw-cfg-mmio")
    fdt.setprop_sized_cells(name, "reg", (2, FW_CFG_BASE), (2, FW_CFG_SIZE))
    fdt.setprop(name, "dma-coherent")


def _pmu(fdt: DeviceTree, counters: int) -> None:
    fdt.add_subnode("/pmu")
    fdt.setprop_string("/pmu", "compatible", "riscv,pmu")
    # Programmable counters 3.. may count any of the SBI events listed.
    mask = ((1 << counters) - 1) << 3
    fdt.setprop_cells("/pmu", "riscv,event-to-mhpmcounters",
                      0x00001, 0x00001, mask | 1,        # cycles
                      0x00002, 0x00002, mask | 1 << 2,   # instructions
                      0x10019, 0x10019, mask,            # DTLB read misses
                      0x1001B, 0x1001B, mask,            # DTLB write misses
                      0x10021, 0x10021, mask,            # ITLB read misses
                      0, 0, 0, 0, 0)
