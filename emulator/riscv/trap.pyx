# Traps: taking exceptions and interrupts (with delegation to S-mode),
# choosing which pending interrupt to take, and returning with mret/sret.

from libc.stdint cimport uint64_t
from libc.stdio cimport fflush, fprintf

from emulator.riscv.cpu_env cimport (
    EXCP_ILLEGAL_INST, EXCP_M_ECALL, EXCP_S_ECALL, EXCP_U_ECALL, LOG_INT, MSTATUS_MIE,
    MSTATUS_MPIE, MSTATUS_MPP, MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP, MSTATUS_TSR,
    PRV_M, PRV_S, PRV_U, RISCVEnv,
)
from emulator.riscv.state cimport env_set_priv
from runtime.accel.core cimport CPUState

cdef extern from *:
    int __builtin_ctzll(unsigned long long) nogil

cdef const char *EXCP_NAMES[24]
EXCP_NAMES[:] = [
    b"misaligned_fetch", b"fault_fetch", b"illegal_instruction", b"breakpoint",
    b"misaligned_load", b"fault_load", b"misaligned_store", b"fault_store",
    b"user_ecall", b"supervisor_ecall", b"hypervisor_ecall", b"machine_ecall",
    b"exec_page_fault", b"load_page_fault", b"reserved", b"store_page_fault",
    b"reserved", b"reserved", b"reserved", b"reserved",
    b"guest_exec_page_fault", b"guest_load_page_fault", b"reserved",
    b"guest_store_page_fault",
]
cdef const char *INTR_NAMES[16]
INTR_NAMES[:] = [
    b"u_software", b"s_software", b"vs_software", b"m_software",
    b"u_timer", b"s_timer", b"vs_timer", b"m_timer",
    b"u_external", b"s_external", b"vs_external", b"m_external",
    b"reserved", b"reserved", b"reserved", b"reserved",
]


cdef const char *trap_name(uint64_t cause, bint is_async) noexcept nogil:
    if is_async and cause < 16:
        return INTR_NAMES[cause]
    if not is_async and cause < 24:
        return EXCP_NAMES[cause]
    return "(unknown)"


cdef void take_trap(RISCVEnv *env, uint64_t cause, uint64_t tval, bint is_async) noexcept nogil:
    """Enter the trap handler for `cause` at the current pc."""
    cdef CPUState *cpu = env.cpu
    cdef uint64_t deleg = env.mideleg if is_async else env.medeleg
    cdef uint64_t s
    cdef uint64_t vec
    if not is_async and cause == EXCP_U_ECALL:
        if env.priv == PRV_M:
            cause = EXCP_M_ECALL
        elif env.priv == PRV_S:
            cause = EXCP_S_ECALL
    if env.log != NULL and env.log_mask & LOG_INT:
        fprintf(env.log,
                b"riscv_cpu_do_interrupt: hart:%llu, async:%d, cause:%016llx, epc:0x%016llx, "
                b"tval:0x%016llx, desc=%s\n",
                <unsigned long long>env.mhartid, <int>is_async, <unsigned long long>cause,
                <unsigned long long>cpu.pc, <unsigned long long>tval, trap_name(cause, is_async))
        fflush(env.log)
    if env.priv <= PRV_S and cause < 64 and (deleg >> cause) & 1:
        s = env.mstatus
        s = (s & ~(<uint64_t>MSTATUS_SPIE)) | (MSTATUS_SPIE if s & MSTATUS_SIE else 0)
        s = (s & ~(<uint64_t>MSTATUS_SPP)) | (MSTATUS_SPP if env.priv == PRV_S else 0)
        s &= ~(<uint64_t>MSTATUS_SIE)
        env.mstatus = s
        env.scause = cause | ((<uint64_t>is_async) << 63)
        env.sepc = cpu.pc
        env.stval = tval
        vec = env.stvec
        cpu.pc = (vec >> 2 << 2) + (cause * 4 if is_async and (vec & 3) == 1 else 0)
        env_set_priv(env, PRV_S)
    else:
        s = env.mstatus
        s = (s & ~(<uint64_t>MSTATUS_MPIE)) | (MSTATUS_MPIE if s & MSTATUS_MIE else 0)
        s = (s & ~(<uint64_t>MSTATUS_MPP)) | (<uint64_t>env.priv << 11)
        s &= ~(<uint64_t>MSTATUS_MIE)
        env.mstatus = s
        env.mcause = cause | ((<uint64_t>is_async) << 63)
        env.mepc = cpu.pc
        env.mtval = tval
        vec = env.mtvec
        cpu.pc = (vec >> 2 << 2) + (cause * 4 if is_async and (vec & 3) == 1 else 0)
        env_set_priv(env, PRV_M)


cdef void riscv_do_exception(CPUState *cpu) noexcept nogil:
    """The accel hook: raise cpu.exception (with its tval) at cpu.pc."""
    take_trap(<RISCVEnv *>cpu.target_env, <uint64_t>cpu.exception, cpu.exception_tval, False)


cdef int pending_irq(RISCVEnv *env) noexcept nogil:
    """The interrupt to take now, or -1. Among several pending at the same
    level QEMU 7.2 picks the lowest-numbered one."""
    cdef uint64_t pending = env.mip & env.mie
    cdef uint64_t irqs
    cdef bint m_enabled = env.priv < PRV_M or (env.mstatus & MSTATUS_MIE) != 0
    cdef bint s_enabled = env.priv < PRV_S or (env.priv == PRV_S and (env.mstatus & MSTATUS_SIE) != 0)
    if not pending:
        return -1
    irqs = pending & ~env.mideleg
    if m_enabled and irqs:
        return __builtin_ctzll(irqs)
    irqs = pending & env.mideleg
    if s_enabled and irqs:
        return __builtin_ctzll(irqs)
    return -1


cdef int riscv_check_interrupt(CPUState *cpu) noexcept nogil:
    cdef RISCVEnv *env = <RISCVEnv *>cpu.target_env
    cdef int irq
    if cpu.halted and (env.mip & env.mie):
        cpu.halted = 0
    irq = pending_irq(env)
    if irq < 0:
        return 0
    take_trap(env, <uint64_t>irq, 0, True)
    return 1


cdef int do_mret(RISCVEnv *env) noexcept nogil:
    """Returns 0, or an exception cause."""
    cdef uint64_t s = env.mstatus
    cdef int prev = <int>((s & MSTATUS_MPP) >> 11)
    if env.priv < PRV_M:
        return EXCP_ILLEGAL_INST
    # QEMU refuses to leave M-mode while no PMP rule is configured.
    if env.pmp_rules == 0 and prev != PRV_M:
        return EXCP_ILLEGAL_INST
    s = (s & ~(<uint64_t>MSTATUS_MIE)) | (MSTATUS_MIE if s & MSTATUS_MPIE else 0)
    s |= MSTATUS_MPIE
    s &= ~(<uint64_t>MSTATUS_MPP)
    s &= ~(<uint64_t>1 << 39)        # MPV
    env.mstatus = s
    env.cpu.pc = env.mepc
    env_set_priv(env, prev)
    return 0


cdef int do_sret(RISCVEnv *env) noexcept nogil:
    cdef uint64_t s = env.mstatus
    cdef int prev = PRV_S if s & MSTATUS_SPP else PRV_U
    if env.priv < PRV_S:
        return EXCP_ILLEGAL_INST
    if (s & MSTATUS_TSR) and env.priv < PRV_M:
        return EXCP_ILLEGAL_INST
    s = (s & ~(<uint64_t>MSTATUS_SIE)) | (MSTATUS_SIE if s & MSTATUS_SPIE else 0)
    s |= MSTATUS_SPIE
    s &= ~(<uint64_t>MSTATUS_SPP)
    env.mstatus = s
    env.cpu.pc = env.sepc
    env_set_priv(env, prev)
    return 0
