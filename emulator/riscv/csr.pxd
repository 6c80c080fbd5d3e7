# Control and status registers (csr.pyx).

from libc.stdint cimport uint64_t
from emulator.riscv.cpu_env cimport RISCVEnv

cdef int csr_rw(RISCVEnv *env, int csr, uint64_t *old_out, uint64_t new,
                uint64_t wr_mask, uint64_t insn_idx) noexcept nogil
cdef void csr_reset(RISCVEnv *env) noexcept nogil
cdef void sstc_poll(RISCVEnv *env) noexcept nogil
cdef void update_mip(RISCVEnv *env, uint64_t mask, uint64_t value) noexcept nogil
