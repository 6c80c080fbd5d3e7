# The CPU loop (exec_loop.pyx).

from libc.stdint cimport uint64_t
from runtime.accel.core cimport CPUState

cdef int cpu_exec(CPUState *cpu) noexcept nogil
cdef int cpu_run_for(CPUState *cpu, uint64_t budget) noexcept nogil
cdef void tb_flush_everything(CPUState *cpu) noexcept nogil
