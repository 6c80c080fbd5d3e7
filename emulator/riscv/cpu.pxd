# The RISC-V hart object (cpu.pyx), for machines and devices written in
# Cython that need its C state.

from emulator.riscv.cpu_env cimport RISCVEnv
from runtime.accel.core cimport CPUState
from runtime.accel.softmmu cimport PhysicalMemory

cdef class RiscvCpu:
    cdef CPUState *cpu
    cdef RISCVEnv *env
    cdef readonly PhysicalMemory memory
    cdef bint owns_log
    cdef public object symbolizer   # pc -> function name, for logs
