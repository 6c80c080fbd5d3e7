"""Type stubs of the ACLINT extension module (aclint.pyx)."""

from collections.abc import Iterable

from emulator.riscv.cpu import RiscvCpu
from runtime.accel.clock import VirtualClock
from runtime.accel.softmmu import PhysicalMemory

SWI_SIZE: int
MTIMER_SIZE: int
MTIME_OFFSET: int
TIMEBASE_FREQ: int

class AclintMTimer:
    def __init__(self, memory: PhysicalMemory, clock: VirtualClock, harts: Iterable[RiscvCpu],
                 base: int, provide_rdtime: bool = ...) -> None: ...
    def reset(self) -> None: ...
    def next_deadline_ns(self) -> int | None: ...

class AclintSwi:
    def __init__(self, memory: PhysicalMemory, harts: Iterable[RiscvCpu], base: int,
                 supervisor: bool = ...) -> None: ...
    def reset(self) -> None: ...
