# The RISC-V front end (translate.pyx).

from runtime.accel.core cimport CPUState, TB

cdef int riscv_translate(CPUState *cpu, TB *tb, int max_ops) noexcept nogil
