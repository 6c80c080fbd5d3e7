"""QEMU's RISC-V ``virt`` board.

The memory map, interrupt numbers and device tree are QEMU 7.2's
(`virt_fdt` has the map): boot ROM, sifive_test, CLINT (or ACLINT with
``aclint=on``), PLIC, an NS16550A UART on the first ``-serial``, the
PCIe host's configuration space, RAM at 0x80000000.  Booting follows
QEMU: firmware (``-bios``, by default OpenSBI's fw_dynamic) at the start
of RAM, the kernel after it, the initrd and the device tree high in RAM,
and the boot ROM passing hart id, device tree and fw_dynamic information.
"""

from __future__ import annotations

import sys
from pathlib import Path

from emulator.cli import CliError, program_name
from emulator.device_tree import DeviceTree, DeviceTreeError
from emulator.devices import fw_cfg, goldfish_rtc, ns16550a, sifive_test, virtio_mmio
from emulator.devices.aclint import AclintSwi
from emulator.devices.dma import Dma
from emulator.devices.fw_cfg import FW_CFG_NB_CPUS, FwCfg, setup_firmware_boot
from emulator.devices.goldfish_rtc import GoldfishRtc
from emulator.devices.gpex import GpexEcam
from emulator.devices.ns16550a import Ns16550a
from emulator.devices.pflash_cfi01 import VIRT_FLASH_SIZE, PflashError, virt_flash
from emulator.devices.sifive_plic import SifivePlic, hart_config
from emulator.devices.sifive_test import SifiveTest
from emulator.devices.virtio_mmio import VirtioMmio
from emulator.drive import DriveInterface, create_virtio_device
from emulator.machine import MachineClass, MachineConfig, MachineInitExit, register_machine
from emulator.machines import boot, virt_fdt
from emulator.machines.riscv_board import DRAM_BASE, RiscvBoard
from emulator.qemu_opts import OptDesc, OptType
from emulator.riscv import irq
from emulator.riscv.cpu import DEFAULT_MISA
from emulator.riscv.isa import isa_string

# Debian's OpenSBI, then QEMU's own copy (found as -bios finds files).
DEFAULT_FIRMWARE = ("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin",
                    "opensbi-riscv64-generic-fw_dynamic.bin")
_UART_BAUDBASE = 399193


class VirtBoard(RiscvBoard):
    def __init__(self, machine_class: MachineClass, config: MachineConfig) -> None:
        aia = config.properties.get("aia", "none")
        if aia != "none":
            raise CliError(f"Invalid AIA interrupt controller type '{aia}': cyqemu "
                           "emulates the PLIC only (aia=none)")
        self.aclint = bool(config.properties.get("aclint", False))
        self.fdt: DeviceTree | None = None
        self._fdt_blob_index = -1
        super().__init__(machine_class, config)

    def add_devices(self) -> None:
        memory = self.memory
        if self.aclint:
            self.sswi = AclintSwi(memory, self.harts, virt_fdt.ACLINT_SSWI_BASE, supervisor=True)
            self.resettable.append(self.sswi)
        self.test = SifiveTest(self.guest_exit, self.guest_reset)
        memory.add_mmio(virt_fdt.TEST_BASE, sifive_test.SIZE, self.test,
                        min_access=2, max_access=4)
        self.plic = SifivePlic(hart_config(["MS"] * len(self.harts)),
                               virt_fdt.PLIC_NUM_SOURCES, virt_fdt.PLIC_NUM_PRIORITIES,
                               self._plic_output)
        memory.add_mmio(virt_fdt.PLIC_BASE, virt_fdt.PLIC_SIZE, self.plic,
                        min_access=4, max_access=4)
        self.resettable.append(self.plic)
        self.uart = Ns16550a(self.plic.irq_line(virt_fdt.UART0_IRQ), _UART_BAUDBASE)
        serials = self.config.serial_chardevs
        if serials and serials[0] is not None:
            self.uart.attach(serials[0])
        memory.add_mmio(virt_fdt.UART0_BASE, ns16550a.SIZE, self.uart)
        self.resettable.append(self.uart)
        self.pcie = GpexEcam()
        memory.add_mmio(virt_fdt.PCIE_ECAM_BASE, virt_fdt.PCIE_ECAM_SIZE, self.pcie,
                        min_access=1, max_access=4)
        self.resettable.append(self.pcie)
        self.rtc = GoldfishRtc(self.plic.irq_line(virt_fdt.RTC_IRQ),
                               on_deadline=self.host_timer(lambda: self.rtc.poll()))
        memory.add_mmio(virt_fdt.RTC_BASE, goldfish_rtc.SIZE, self.rtc,
                        min_access=4, max_access=4)
        self.resettable.append(self.rtc)
        self._add_virtio()
        self._add_flash()

    def _add_virtio(self) -> None:
        self.virtio = []
        for index in range(virt_fdt.VIRTIO_COUNT):
            transport = VirtioMmio(self.plic.irq_line(virt_fdt.VIRTIO_IRQ + index))
            self.memory.add_mmio(virt_fdt.VIRTIO_BASE + index * virt_fdt.VIRTIO_SIZE,
                                 virtio_mmio.SIZE, transport)
            self.virtio.append(transport)
            self.resettable.append(transport)
        dma = Dma(self.memory)
        for device, index in self.config.virtio_devices:
            image = self.open_drive(device.drive) if device.drive is not None else None
            self.virtio[index].plug(create_virtio_device(device, dma, image))

    def _add_flash(self) -> None:
        drives = self.config.drives
        self.flash = []
        for unit in range(2):
            drive = None
            if drives is not None:
                drive = drives.get(DriveInterface.PFLASH, 0, unit)
                if drive is not None:
                    drives.claim(drive.id, "cfi.pflash01", drive.location)
            image = self.open_drive(drive) if drive is not None and not drive.empty else None
            try:
                flash = virt_flash(f"virt.flash{unit}", image)
            except PflashError as err:
                raise CliError(f"Initialization of device cfi.pflash01 failed: {err}") from None
            self.memory.add_mmio(virt_fdt.FLASH_BASE + unit * VIRT_FLASH_SIZE,
                                 VIRT_FLASH_SIZE, flash)
            self.flash.append((flash, drive))
            self.resettable.append(flash)
        if drives is not None:
            drives.check_orphans()

    def _plic_output(self, hart: int, mode: str, level: bool) -> None:
        line = irq.IRQ_M_EXT if mode == "M" else irq.IRQ_S_EXT
        self.hart_irq(hart, line)(level)

    # -- booting ------------------------------------------------------------------

    def _firmware(self) -> Path | None:
        option = self.firmware_option()
        if option == "none":
            return None
        if option is None or option == "default":
            for candidate in DEFAULT_FIRMWARE:
                try:
                    return self.find_firmware(candidate)
                except boot.BootError:
                    pass
            raise boot.BootError(f'Unable to load the RISC-V firmware "{DEFAULT_FIRMWARE[-1]}"')
        return self.find_firmware(option)

    def load_images(self) -> None:
        properties = self.properties
        firmware_end = DRAM_BASE
        firmware = self._firmware()
        if firmware is not None:
            image = boot.load_firmware(firmware, DRAM_BASE, self.ram_size)
            self.add_image(image)
            firmware_end = image.high
        fdt, fdt_size = self._device_tree(properties.get("dtb"), properties.get("append"))
        self._add_fw_cfg()
        kernel_entry = 0
        kernel = properties.get("kernel")
        start_addr = DRAM_BASE
        if self.flash[0][1] is not None:
            # Code in the first flash bank runs first.
            start_addr = virt_fdt.FLASH_BASE
        if self.flash[1][1] is not None:
            # S-mode firmware in the second bank loads the kernel from fw_cfg.
            setup_firmware_boot(self.fw_cfg, self._read_file(kernel, "kernel"),
                                self._read_file(properties.get("initrd"), "ramdisk"),
                                None if properties.get("append") is None
                                else str(properties.get("append")))
            kernel_entry = virt_fdt.FLASH_BASE + VIRT_FLASH_SIZE
        elif kernel is not None:
            image = boot.load_kernel(str(kernel), boot.kernel_start_address(firmware_end),
                                     self.ram_size)
            self.add_image(image)
            kernel_entry = image.low
            initrd = properties.get("initrd")
            if initrd is not None:
                ramdisk = boot.load_initrd(str(initrd), self.ram_size, kernel_entry)
                self.add_image(ramdisk)
                fdt.setprop_cells("/chosen", "linux,initrd-start", ramdisk.low)
                fdt.setprop_cells("/chosen", "linux,initrd-end", ramdisk.high)
        fdt_addr = boot.fdt_address(DRAM_BASE, self.ram_size, fdt_size)
        self.fdt = fdt
        blob = fdt.to_blob()
        dumpdtb = properties.get("dumpdtb")
        if dumpdtb is not None:
            self._dump(str(dumpdtb), blob)
        self._fdt_blob_index = len(self.blobs)
        self.blobs.append(boot.Blob(fdt_addr, blob))
        self.blobs.append(boot.Blob(boot.MROM_BASE,
                                    boot.reset_vector(start_addr, fdt_addr, kernel_entry)))

    def _add_fw_cfg(self) -> None:
        self.fw_cfg = FwCfg(Dma(self.memory), nographic=self.config.nographic)
        self.fw_cfg.add_i16(FW_CFG_NB_CPUS, len(self.harts))
        self.memory.add_mmio(virt_fdt.FW_CFG_BASE, fw_cfg.SIZE, self.fw_cfg)
        self.resettable.append(self.fw_cfg)

    @staticmethod
    def _read_file(path: object, what: str) -> bytes | None:
        if path is None:
            return None
        try:
            return Path(str(path)).read_bytes()
        except OSError:
            raise CliError(f"could not load {what} '{path}'") from None

    def _device_tree(self, dtb: object, append: object) -> tuple[DeviceTree, int]:
        """The tree (QEMU's, or the ``-dtb`` file's) and the size QEMU
        reserves for it."""
        cmdline = None if append is None else str(append)
        if dtb is None:
            topology = virt_fdt.VirtTopology(len(self.harts), self.ram_size,
                                             isa_string(DEFAULT_MISA), self.aclint)
            return virt_fdt.build(topology, cmdline), boot.FDT_BUFFER_SIZE
        try:
            data = Path(str(dtb)).read_bytes()
            fdt = DeviceTree.from_blob(data)
            virt_fdt.finish_chosen(fdt, cmdline)
        except (OSError, DeviceTreeError):
            raise CliError("load_device_tree() failed") from None
        # QEMU opens a loaded tree with 10000 bytes to spare.
        return fdt, len(data) + 10000

    def _dump(self, path: str, blob: bytes) -> None:
        try:
            Path(path).write_bytes(blob)
        except OSError:
            raise CliError(f"qemu_fdt_dumpdtb: Failed dumping dtb to {path}") from None
        sys.stderr.write(f"{program_name()}: info: dtb dumped to {path}. Exiting.\n")
        raise MachineInitExit(0)

    def reset(self, cause: str) -> None:
        if self.fdt is not None and cause != "none":
            # A new seed at each reset, as QEMU's qemu_fdt_randomize_seeds.
            virt_fdt.randomize_seed(self.fdt)
            old = self.blobs[self._fdt_blob_index]
            self.blobs[self._fdt_blob_index] = boot.Blob(old.addr, self.fdt.to_blob())
        super().reset(cause)


VIRT = register_machine(MachineClass(
    name="virt",
    desc="RISC-V VirtIO board",
    init=VirtBoard,
    max_cpus=virt_fdt.CPUS_MAX,
    default_cpu_type="rv64-riscv-cpu",
    default_ram_id="riscv_virt_board.ram",
    numa_mem_supported=True,
    has_serial=True,
    properties=(
        OptDesc("aclint", OptType.BOOL, "Set on/off to enable/disable emulating ACLINT devices"),
        OptDesc("aia", OptType.STRING, "Set type of AIA interrupt conttoller. Valid values "
                "are none, aplic, and aplic-imsic."),
        OptDesc("aia-guests", OptType.STRING, "Set number of guest MMIO pages for AIA IMSIC. "
                "Valid value should be between 0 and 7."),
    ),
))
