# Traps, interrupts and returns from traps (trap.pyx).

from libc.stdint cimport uint64_t
from emulator.riscv.cpu_env cimport RISCVEnv
from runtime.accel.core cimport CPUState

cdef void take_trap(RISCVEnv *env, uint64_t cause, uint64_t tval, bint is_async) noexcept nogil
cdef void riscv_do_exception(CPUState *cpu) noexcept nogil
cdef int riscv_check_interrupt(CPUState *cpu) noexcept nogil
cdef int do_mret(RISCVEnv *env) noexcept nogil
cdef int do_sret(RISCVEnv *env) noexcept nogil
