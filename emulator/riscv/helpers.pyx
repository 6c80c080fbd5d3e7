# The target's helper hook: system instructions and CSR accesses, which
# the execution loop hands over through OP_HELPER (Op.aux names the helper).

from libc.stdint cimport uint64_t

from emulator.riscv.cpu_env cimport (
    EXCP_BREAKPOINT, EXCP_ILLEGAL_INST, EXCP_U_ECALL, HELPER_CSRRC, HELPER_CSRRCI,
    HELPER_CSRRS, HELPER_CSRRSI, HELPER_CSRRW, HELPER_CSRRWI, HELPER_EBREAK, HELPER_ECALL,
    HELPER_FENCE_I, HELPER_MARK_FS_DIRTY, HELPER_MRET, HELPER_SFENCE_VMA,
    HELPER_SRET, HELPER_WFI, MSTATUS_FS, MSTATUS_TVM, MSTATUS_TW, PRV_S, PRV_U,
    RISCVEnv,
)
from emulator.riscv.csr cimport csr_rw
from emulator.riscv.state cimport env_update_flags
from emulator.riscv.trap cimport do_mret, do_sret
from runtime.accel.core cimport (
    CPUState, EXEC_END_TB, EXEC_EXCEPTION, EXEC_HALT, EXEC_JUMP, EXEC_NEXT, EXIT_REQUEST_YIELD,
    Op, TB, cpu_request_exit,
)
from runtime.accel.softmmu cimport tlb_flush, tlb_flush_page


cdef inline int raise_exc(CPUState *cpu, int cause, uint64_t tval) noexcept nogil:
    cpu.exception = cause
    cpu.exception_tval = tval
    return EXEC_EXCEPTION


cdef inline void yield_if_interrupt(CPUState *cpu, RISCVEnv *env) noexcept nogil:
    """After a change that may let a pending interrupt in, go back to the
    CPU loop's interrupt check at the end of this TB."""
    if env.mip & env.mie:
        cpu_request_exit(cpu, EXIT_REQUEST_YIELD)


cdef void riscv_raise_illegal(CPUState *cpu, const Op *op) noexcept nogil:
    cpu.exception = EXCP_ILLEGAL_INST
    cpu.exception_tval = op.insn


cdef int do_csr(CPUState *cpu, RISCVEnv *env, const Op *op) noexcept nogil:
    cdef int h = op.aux
    cdef uint64_t src
    cdef uint64_t new
    cdef uint64_t mask
    cdef uint64_t old
    cdef bint writes
    if h == HELPER_CSRRW or h == HELPER_CSRRS or h == HELPER_CSRRC:
        src = cpu.regs[op.rs1]
        writes = h == HELPER_CSRRW or op.rs1 != 0
    else:
        src = op.rs1                    # the 5-bit immediate
        writes = h == HELPER_CSRRWI or op.rs1 != 0
    if h == HELPER_CSRRW or h == HELPER_CSRRWI:
        new = src
        mask = <uint64_t>-1
    elif h == HELPER_CSRRS or h == HELPER_CSRRSI:
        new = <uint64_t>-1
        mask = src
    else:
        new = 0
        mask = src
    cdef int cause = csr_rw(env, <int>op.imm, &old, new, mask, op.insn_idx)
    if cause != 0:
        return raise_exc(cpu, cause, op.insn)
    cpu.regs[op.rd] = old
    if writes:
        yield_if_interrupt(cpu, env)
    return EXEC_END_TB


cdef int riscv_helper(CPUState *cpu, const Op *op, TB *tb) noexcept nogil:
    cdef RISCVEnv *env = <RISCVEnv *>cpu.target_env
    cdef int h = op.aux
    cdef int cause
    if h >= HELPER_CSRRW and h <= HELPER_CSRRCI:
        return do_csr(cpu, env, op)
    if h == HELPER_MARK_FS_DIRTY:
        env.mstatus |= MSTATUS_FS
        env_update_flags(env)
        return EXEC_NEXT
    if h == HELPER_ECALL:
        return raise_exc(cpu, EXCP_U_ECALL, 0)
    if h == HELPER_EBREAK:
        return raise_exc(cpu, EXCP_BREAKPOINT, 0)
    if h == HELPER_MRET or h == HELPER_SRET:
        cause = do_mret(env) if h == HELPER_MRET else do_sret(env)
        if cause != 0:
            return raise_exc(cpu, cause, op.insn)
        yield_if_interrupt(cpu, env)
        return EXEC_JUMP
    if h == HELPER_WFI:
        if env.priv == PRV_U or (env.priv == PRV_S and env.mstatus & MSTATUS_TW):
            return raise_exc(cpu, EXCP_ILLEGAL_INST, op.insn)
        return EXEC_HALT
    if h == HELPER_SFENCE_VMA:
        if env.priv == PRV_U or (env.priv == PRV_S and env.mstatus & MSTATUS_TVM):
            return raise_exc(cpu, EXCP_ILLEGAL_INST, op.insn)
        if op.rs1 != 0:
            tlb_flush_page(cpu, cpu.regs[op.rs1])
        else:
            tlb_flush(cpu)
        return EXEC_END_TB
    if h == HELPER_FENCE_I:
        return EXEC_END_TB
    return raise_exc(cpu, EXCP_ILLEGAL_INST, op.insn)
