# Address translation and PMP (mmu.pyx).

from libc.stdint cimport uint64_t
from runtime.accel.core cimport CPUState, TlbFill

cdef int riscv_tlb_fill(CPUState *cpu, uint64_t va, int size, int access, int mmu_idx,
                        TlbFill *out) noexcept nogil
cdef void riscv_mem_fault(CPUState *cpu, int fault, int access, uint64_t va) noexcept nogil
