# System-instruction and CSR helpers (helpers.pyx).

from runtime.accel.core cimport CPUState, Op, TB

cdef int riscv_helper(CPUState *cpu, const Op *op, TB *tb) noexcept nogil
cdef void riscv_raise_illegal(CPUState *cpu, const Op *op) noexcept nogil
