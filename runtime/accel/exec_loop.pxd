# The CPU loop (exec_loop.pyx).

from runtime.accel.core cimport CPUState

cdef int cpu_exec(CPUState *cpu) noexcept nogil
cdef int cpu_run(CPUState *cpu) noexcept nogil
cdef void tb_flush_everything(CPUState *cpu) noexcept nogil
