# Control and status registers: access checks, read and write semantics of
# each CSR (WARL masks and side effects as QEMU 7.2's rv64 CPU has them, with
# the hypervisor extension absent), PMP configuration and the counters.

from libc.stdint cimport uint8_t, uint32_t, uint64_t

from emulator.riscv.cpu_env cimport (
    EXCP_ILLEGAL_INST, MIP_LCOFIP, MIP_MEIP, MIP_MSIP, MIP_MTIP, MIP_SEIP, MIP_SSIP,
    MIP_STIP, MSTATUS_FS, MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP, MSTATUS_MPRV,
    MSTATUS_MXR, MSTATUS_SIE, MSTATUS_SPIE, MSTATUS_SPP, MSTATUS_SUM, MSTATUS_TSR,
    MSTATUS_TVM, MSTATUS_TW, MSTATUS_VS, MSTATUS_XS, NUM_PMP, PRV_M, PRV_S, PRV_U,
    RISCVEnv,
)
from emulator.riscv.state cimport env_update_flags
from runtime.accel.core cimport fp_sync
from runtime.accel.softmmu cimport tlb_flush

cdef extern from *:
    """
    #define RV_MSTATUS_UXL (3ull << 32)
    #define RV_MSTATUS_SXL (3ull << 34)
    #define RV_MSTATUS_XL64 ((2ull << 32) | (2ull << 34))
    #define RV_MSTATUS_GVA (1ull << 38)
    #define RV_MSTATUS_MPV (1ull << 39)
    #define RV_MSTATUS_SD (1ull << 63)
    #define RV_SATP_MODE_SHIFT 60
    #define RV_SATP_MASK_ALL (~0ull)
    #define RV_MIP_VS ((1ull << 2) | (1ull << 6) | (1ull << 10))
    #define RV_MIP_SGEIP (1ull << 12)
    #define RV_MENVCFG_MASK (1ull | (3ull << 4) | (1ull << 6) | (1ull << 7) | (1ull << 62) | (1ull << 63))
    #define RV_SENVCFG_MASK (1ull | (3ull << 4) | (1ull << 6) | (1ull << 7))
    #define RV_MENVCFG_STCE (1ull << 63)
    #define RV_TDATA1_TYPE2 (2ull << 60)
    """
    const uint64_t MSTATUS_UXL "RV_MSTATUS_UXL"
    const uint64_t MSTATUS_SXL "RV_MSTATUS_SXL"
    const uint64_t MSTATUS_XL64 "RV_MSTATUS_XL64"
    const uint64_t MSTATUS_GVA "RV_MSTATUS_GVA"
    const uint64_t MSTATUS_MPV "RV_MSTATUS_MPV"
    const uint64_t MSTATUS_SD "RV_MSTATUS_SD"
    const uint64_t MIP_VS "RV_MIP_VS"
    const uint64_t MIP_SGEIP "RV_MIP_SGEIP"
    const uint64_t MENVCFG_MASK "RV_MENVCFG_MASK"
    const uint64_t SENVCFG_MASK "RV_SENVCFG_MASK"
    const uint64_t MENVCFG_STCE "RV_MENVCFG_STCE"
    const uint64_t TDATA1_TYPE2 "RV_TDATA1_TYPE2"

cdef enum:
    CSR_FFLAGS = 0x001
    CSR_FRM = 0x002
    CSR_FCSR = 0x003
    CSR_SSTATUS = 0x100
    CSR_SIE = 0x104
    CSR_STVEC = 0x105
    CSR_SCOUNTEREN = 0x106
    CSR_SENVCFG = 0x10A
    CSR_SSCRATCH = 0x140
    CSR_SEPC = 0x141
    CSR_SCAUSE = 0x142
    CSR_STVAL = 0x143
    CSR_SIP = 0x144
    CSR_STIMECMP = 0x14D
    CSR_SATP = 0x180
    CSR_MSTATUS = 0x300
    CSR_MISA = 0x301
    CSR_MEDELEG = 0x302
    CSR_MIDELEG = 0x303
    CSR_MIE = 0x304
    CSR_MTVEC = 0x305
    CSR_MCOUNTEREN = 0x306
    CSR_MENVCFG = 0x30A
    CSR_MCOUNTINHIBIT = 0x320
    CSR_MHPMEVENT3 = 0x323
    CSR_MHPMEVENT31 = 0x33F
    CSR_MSCRATCH = 0x340
    CSR_MEPC = 0x341
    CSR_MCAUSE = 0x342
    CSR_MTVAL = 0x343
    CSR_MIP = 0x344
    CSR_PMPCFG0 = 0x3A0
    CSR_PMPCFG3 = 0x3A3
    CSR_PMPADDR0 = 0x3B0
    CSR_PMPADDR15 = 0x3BF
    CSR_TSELECT = 0x7A0
    CSR_TDATA1 = 0x7A1
    CSR_TDATA2 = 0x7A2
    CSR_TDATA3 = 0x7A3
    CSR_TINFO = 0x7A4
    CSR_MCYCLE = 0xB00
    CSR_MINSTRET = 0xB02
    CSR_MHPMCOUNTER3 = 0xB03
    CSR_MHPMCOUNTER31 = 0xB1F
    CSR_CYCLE = 0xC00
    CSR_TIME = 0xC01
    CSR_INSTRET = 0xC02
    CSR_HPMCOUNTER3 = 0xC03
    CSR_HPMCOUNTER31 = 0xC1F
    CSR_MVENDORID = 0xF11
    CSR_MARCHID = 0xF12
    CSR_MIMPID = 0xF13
    CSR_MHARTID = 0xF14
    CSR_MCONFIGPTR = 0xF15

cdef enum:
    # Counters 3..18 exist (QEMU's default pmu-num of 16).
    PMU_FIRST = 3
    PMU_LAST = 18
    PMP_LOCK = 0x80
    PMP_A_TOR = 1

cdef uint64_t M_MODE_INTS = MIP_MSIP | MIP_MTIP | MIP_MEIP
cdef uint64_t S_MODE_INTS = MIP_SSIP | MIP_STIP | MIP_SEIP | MIP_LCOFIP
cdef uint64_t DELEGABLE_INTS = S_MODE_INTS | MIP_VS
cdef uint64_t ALL_INTS = M_MODE_INTS | S_MODE_INTS | MIP_VS | MIP_SGEIP
cdef uint64_t DELEGABLE_EXCPS = ((1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5)
                                 | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10)
                                 | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 15) | (1 << 20)
                                 | (1 << 21) | (1 << 22) | (1 << 23))
cdef uint64_t SSTATUS_MASK = (MSTATUS_SIE | MSTATUS_SPIE | 1 | (1 << 4) | MSTATUS_SPP
                              | MSTATUS_FS | MSTATUS_XS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_VS)
cdef uint64_t SIP_WRITABLE = MIP_SSIP | 1 | (1 << 8) | MIP_LCOFIP


# ---------------------------------------------------------------------------
# Counters

cdef inline uint64_t retired(RISCVEnv *env, uint64_t insn_idx) noexcept nogil:
    return env.cpu.instret + insn_idx


cdef uint64_t read_counter(RISCVEnv *env, int index, uint64_t insn_idx) noexcept nogil:
    if index == 0:
        if env.mcountinhibit & 1:
            return env.mcycle_offset
        return retired(env, insn_idx) + env.mcycle_offset
    if index == 2:
        if env.mcountinhibit & 4:
            return env.minstret_offset
        return retired(env, insn_idx) + env.minstret_offset
    return env.mhpmcounter[index]


cdef void write_counter(RISCVEnv *env, int index, uint64_t value, uint64_t insn_idx) noexcept nogil:
    # The write replaces the increment of the writing instruction itself.
    if index == 0:
        if env.mcountinhibit & 1:
            env.mcycle_offset = value
        else:
            env.mcycle_offset = value - retired(env, insn_idx) - 1
    elif index == 2:
        if env.mcountinhibit & 4:
            env.minstret_offset = value
        else:
            env.minstret_offset = value - retired(env, insn_idx) - 1
    else:
        env.mhpmcounter[index] = value


cdef void write_mcountinhibit(RISCVEnv *env, uint64_t value, uint64_t insn_idx) noexcept nogil:
    # Freezing stores the current value; thawing counts on from it.
    cdef uint64_t cy = read_counter(env, 0, insn_idx)
    cdef uint64_t ir = read_counter(env, 2, insn_idx)
    env.mcountinhibit = value
    write_counter(env, 0, cy, insn_idx)
    write_counter(env, 2, ir, insn_idx)
    if not (value & 1):
        env.mcycle_offset += 1
    if not (value & 4):
        env.minstret_offset += 1


cdef bint counter_accessible(RISCVEnv *env, int index) noexcept nogil:
    if index >= PMU_FIRST and (index > PMU_LAST):
        return False
    if env.priv < PRV_M and not (env.mcounteren >> index) & 1:
        return False
    if env.priv == PRV_U and not (env.scounteren >> index) & 1:
        return False
    return True


# ---------------------------------------------------------------------------
# Interrupt-pending and timer state

cdef void update_mip(RISCVEnv *env, uint64_t mask, uint64_t value) noexcept nogil:
    env.mip = (env.mip & ~mask) | (value & mask)


cdef void write_stimecmp(RISCVEnv *env, uint64_t value) noexcept nogil:
    env.stimecmp = value
    if env.rdtime == NULL:
        return
    if value <= env.rdtime(env.time_board):
        update_mip(env, MIP_STIP, MIP_STIP)
        env.stimer_armed = False
    else:
        update_mip(env, MIP_STIP, 0)
        env.stimer_armed = True


cdef void sstc_poll(RISCVEnv *env) noexcept nogil:
    """Raise the supervisor timer interrupt once stimecmp is reached."""
    if env.stimer_armed and env.rdtime != NULL and env.rdtime(env.time_board) >= env.stimecmp:
        env.stimer_armed = False
        update_mip(env, MIP_STIP, MIP_STIP)


cdef uint64_t rmw_mip(RISCVEnv *env, uint64_t new, uint64_t wr_mask) noexcept nogil:
    cdef uint64_t old = env.mip
    cdef uint64_t mask = wr_mask & DELEGABLE_INTS
    if mask & MIP_SEIP:
        env.software_seip = (new & MIP_SEIP) != 0
        if env.external_seip:
            new |= MIP_SEIP
    if env.ext_sstc and env.priv == PRV_M and (env.menvcfg & MENVCFG_STCE):
        mask &= ~(<uint64_t>MIP_STIP)
    if mask:
        update_mip(env, mask, new & mask)
    return old


# ---------------------------------------------------------------------------
# mstatus and satp

cdef uint64_t read_mstatus(RISCVEnv *env) noexcept nogil:
    cdef uint64_t s = env.mstatus
    if ((s & MSTATUS_FS) == MSTATUS_FS or (s & MSTATUS_VS) == MSTATUS_VS
            or (s & MSTATUS_XS) == MSTATUS_XS):
        s |= MSTATUS_SD
    return s


cdef void write_mstatus(RISCVEnv *env, uint64_t val) noexcept nogil:
    cdef uint64_t old = env.mstatus
    cdef uint64_t mask = (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_SPP
                          | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MPP | MSTATUS_MXR | MSTATUS_TVM
                          | MSTATUS_TSR | MSTATUS_TW | MSTATUS_VS | MSTATUS_FS
                          | MSTATUS_MPV | MSTATUS_GVA)
    if (val ^ old) & (MSTATUS_MXR | MSTATUS_MPP | MSTATUS_MPV | MSTATUS_MPRV | MSTATUS_SUM):
        tlb_flush(env.cpu)
    if val & MSTATUS_UXL:
        mask |= MSTATUS_UXL
    env.mstatus = (((old & ~mask) | (val & mask)) & ~(MSTATUS_SXL | MSTATUS_SD)) | (2ull << 34)
    env_update_flags(env)


cdef void write_satp(RISCVEnv *env, uint64_t val) noexcept nogil:
    cdef uint64_t mode = val >> 60
    if not (mode == 0 or mode == 8 or mode == 9 or (mode == 10 and env.satp_max_mode >= 10)):
        return
    if val != env.satp:
        tlb_flush(env.cpu)
        env.satp = val


# ---------------------------------------------------------------------------
# PMP

cdef void pmp_update_rule(RISCVEnv *env, int i) noexcept nogil:
    cdef uint8_t cfg = env.pmpcfg[i]
    cdef uint64_t addr = env.pmpaddr[i]
    cdef uint64_t prev = env.pmpaddr[i - 1] if i > 0 else 0
    cdef uint64_t a
    cdef int mode = (cfg >> 3) & 3
    if mode == 0:
        env.pmp_start[i] = 0
        env.pmp_end[i] = <uint64_t>-1
    elif mode == PMP_A_TOR:
        env.pmp_start[i] = prev << 2
        env.pmp_end[i] = (addr << 2) - 1
        if env.pmp_start[i] > env.pmp_end[i]:
            env.pmp_start[i] = 0
            env.pmp_end[i] = 0
    elif mode == 2:
        env.pmp_start[i] = addr << 2
        env.pmp_end[i] = env.pmp_start[i] + 3
    else:
        a = (addr << 2) | 3
        env.pmp_start[i] = a & (a + 1)
        env.pmp_end[i] = a | (a + 1)
    env.pmp_rules = 0
    for i in range(NUM_PMP):
        if (env.pmpcfg[i] >> 3) & 3:
            env.pmp_rules += 1


cdef void write_pmpcfg(RISCVEnv *env, int reg, uint64_t val) noexcept nogil:
    cdef int i, idx
    for i in range(8):
        idx = reg * 4 + i
        if not (env.pmpcfg[idx] & PMP_LOCK):
            env.pmpcfg[idx] = <uint8_t>(val >> (8 * i))
            pmp_update_rule(env, idx)
    tlb_flush(env.cpu)


cdef uint64_t read_pmpcfg(RISCVEnv *env, int reg) noexcept nogil:
    cdef uint64_t v = 0
    cdef int i
    for i in range(8):
        v |= <uint64_t>env.pmpcfg[reg * 4 + i] << (8 * i)
    return v


cdef void write_pmpaddr(RISCVEnv *env, int i, uint64_t val) noexcept nogil:
    if i + 1 < NUM_PMP and (env.pmpcfg[i + 1] & PMP_LOCK) and ((env.pmpcfg[i + 1] >> 3) & 3) == PMP_A_TOR:
        return
    if env.pmpcfg[i] & PMP_LOCK:
        return
    env.pmpaddr[i] = val
    pmp_update_rule(env, i)
    tlb_flush(env.cpu)


# ---------------------------------------------------------------------------
# The access entry point

cdef bint csr_exists(RISCVEnv *env, int csr, uint64_t wr_mask) noexcept nogil:
    """The access checks QEMU makes before any read or write (all failures
    are illegal-instruction exceptions here)."""
    if wr_mask != 0 and (csr >> 10) == 3:
        return False
    if ((csr >> 8) & 3) > env.priv:
        return False
    if csr == CSR_FFLAGS or csr == CSR_FRM or csr == CSR_FCSR:
        return (env.mstatus & MSTATUS_FS) != 0
    if csr == CSR_CYCLE or csr == CSR_INSTRET:
        return counter_accessible(env, csr - CSR_CYCLE)
    if csr == CSR_TIME:
        return env.rdtime != NULL and counter_accessible(env, 1)
    if CSR_HPMCOUNTER3 <= csr <= CSR_HPMCOUNTER31:
        return counter_accessible(env, csr - CSR_CYCLE)
    if CSR_MHPMCOUNTER3 <= csr <= CSR_MHPMCOUNTER31:
        return csr - CSR_MCYCLE <= PMU_LAST
    if csr == CSR_STIMECMP:
        if not env.ext_sstc or env.rdtime == NULL:
            return False
        if env.priv == PRV_M:
            return True
        return (env.mcounteren >> 1) & 1 and (env.menvcfg & MENVCFG_STCE) != 0
    if CSR_PMPCFG0 <= csr <= CSR_PMPCFG3:
        return ((csr - CSR_PMPCFG0) & 1) == 0
    if CSR_PMPADDR0 <= csr <= CSR_PMPADDR15:
        return True
    if CSR_MHPMEVENT3 <= csr <= CSR_MHPMEVENT31:
        return True
    return (csr == CSR_SSTATUS or csr == CSR_SIE or csr == CSR_STVEC or csr == CSR_SCOUNTEREN
            or csr == CSR_SENVCFG or csr == CSR_SSCRATCH or csr == CSR_SEPC
            or csr == CSR_SCAUSE or csr == CSR_STVAL or csr == CSR_SIP or csr == CSR_SATP
            or csr == CSR_MSTATUS or csr == CSR_MISA or csr == CSR_MEDELEG
            or csr == CSR_MIDELEG or csr == CSR_MIE or csr == CSR_MTVEC
            or csr == CSR_MCOUNTEREN or csr == CSR_MENVCFG or csr == CSR_MCOUNTINHIBIT
            or csr == CSR_MSCRATCH or csr == CSR_MEPC or csr == CSR_MCAUSE
            or csr == CSR_MTVAL or csr == CSR_MIP or csr == CSR_MCYCLE
            or csr == CSR_MINSTRET or csr == CSR_MVENDORID or csr == CSR_MARCHID
            or csr == CSR_MIMPID or csr == CSR_MHARTID or csr == CSR_MCONFIGPTR
            or csr == CSR_TSELECT or csr == CSR_TDATA1 or csr == CSR_TDATA2
            or csr == CSR_TDATA3 or csr == CSR_TINFO)


cdef int csr_rw(RISCVEnv *env, int csr, uint64_t *old_out, uint64_t new,
                uint64_t wr_mask, uint64_t insn_idx) noexcept nogil:
    """Read CSR `csr` into old_out and, where wr_mask is set, write
    `new`'s bits. Returns 0, or an exception cause."""
    cdef uint64_t old = 0
    cdef uint64_t val
    cdef uint64_t mask
    cdef int t
    if not csr_exists(env, csr, wr_mask):
        return EXCP_ILLEGAL_INST

    # CSRs with read-modify-write semantics of their own
    if csr == CSR_MIP:
        old_out[0] = rmw_mip(env, new, wr_mask)
        return 0
    if csr == CSR_SIP:
        old = rmw_mip(env, new, wr_mask & env.mideleg & SIP_WRITABLE)
        old_out[0] = old & env.mideleg & S_MODE_INTS
        return 0
    if csr == CSR_MIE:
        old_out[0] = env.mie
        mask = wr_mask & ALL_INTS
        env.mie = ((env.mie & ~mask) | (new & mask)) & ~MIP_SGEIP
        return 0
    if csr == CSR_SIE:
        mask = env.mideleg & S_MODE_INTS
        old_out[0] = env.mie & mask
        mask &= wr_mask
        env.mie = (env.mie & ~mask) | (new & mask)
        return 0
    if csr == CSR_MIDELEG:
        old_out[0] = env.mideleg
        mask = wr_mask & DELEGABLE_INTS
        env.mideleg = (env.mideleg & ~mask) | (new & mask)
        return 0

    # read
    if csr == CSR_FFLAGS:
        fp_sync(&env.cpu.fp)
        old = env.cpu.fp.fflags
    elif csr == CSR_FRM:
        old = env.cpu.fp.frm
    elif csr == CSR_FCSR:
        fp_sync(&env.cpu.fp)
        old = (env.cpu.fp.frm << 5) | env.cpu.fp.fflags
    elif csr == CSR_SSTATUS:
        old = read_mstatus(env) & (SSTATUS_MASK | MSTATUS_UXL | MSTATUS_SD)
    elif csr == CSR_STVEC:
        old = env.stvec
    elif csr == CSR_SCOUNTEREN:
        old = env.scounteren
    elif csr == CSR_SENVCFG:
        old = env.senvcfg
    elif csr == CSR_SSCRATCH:
        old = env.sscratch
    elif csr == CSR_SEPC:
        old = env.sepc
    elif csr == CSR_SCAUSE:
        old = env.scause
    elif csr == CSR_STVAL:
        old = env.stval
    elif csr == CSR_STIMECMP:
        old = env.stimecmp
    elif csr == CSR_SATP:
        if env.priv == PRV_S and env.mstatus & MSTATUS_TVM:
            return EXCP_ILLEGAL_INST
        old = env.satp
    elif csr == CSR_MSTATUS:
        old = read_mstatus(env)
    elif csr == CSR_MISA:
        old = env.misa
    elif csr == CSR_MEDELEG:
        old = env.medeleg
    elif csr == CSR_MTVEC:
        old = env.mtvec
    elif csr == CSR_MCOUNTEREN:
        old = env.mcounteren
    elif csr == CSR_MENVCFG:
        old = env.menvcfg
    elif csr == CSR_MCOUNTINHIBIT:
        old = env.mcountinhibit
    elif CSR_MHPMEVENT3 <= csr <= CSR_MHPMEVENT31:
        old = env.mhpmevent[csr - CSR_MCOUNTINHIBIT]
    elif csr == CSR_MSCRATCH:
        old = env.mscratch
    elif csr == CSR_MEPC:
        old = env.mepc
    elif csr == CSR_MCAUSE:
        old = env.mcause
    elif csr == CSR_MTVAL:
        old = env.mtval
    elif CSR_PMPCFG0 <= csr <= CSR_PMPCFG3:
        old = read_pmpcfg(env, csr - CSR_PMPCFG0)
    elif CSR_PMPADDR0 <= csr <= CSR_PMPADDR15:
        old = env.pmpaddr[csr - CSR_PMPADDR0]
    elif csr == CSR_TSELECT:
        old = env.tselect
    elif csr == CSR_TDATA1:
        old = env.tdata1[env.tselect]
    elif csr == CSR_TDATA2:
        old = env.tdata2[env.tselect]
    elif csr == CSR_TDATA3:
        old = env.tdata3[env.tselect]
    elif csr == CSR_TINFO:
        old = (1 << 2) | (1 << 6)
    elif CSR_MCYCLE <= csr <= CSR_MHPMCOUNTER31:
        old = read_counter(env, csr - CSR_MCYCLE, insn_idx)
    elif csr == CSR_TIME:
        old = env.rdtime(env.time_board)
    elif CSR_CYCLE <= csr <= CSR_HPMCOUNTER31:
        old = read_counter(env, csr - CSR_CYCLE, insn_idx)
    elif csr == CSR_MVENDORID:
        old = env.mvendorid
    elif csr == CSR_MARCHID:
        old = env.marchid
    elif csr == CSR_MIMPID:
        old = env.mimpid
    elif csr == CSR_MHARTID:
        old = env.mhartid
    else:
        old = 0          # mconfigptr

    if wr_mask == 0:
        old_out[0] = old
        return 0

    # write
    val = (old & ~wr_mask) | (new & wr_mask)
    if csr == CSR_FFLAGS:
        env.mstatus |= MSTATUS_FS
        env.cpu.fp.fflags = <uint32_t>(val & 0x1f)
        env_update_flags(env)
    elif csr == CSR_FRM:
        env.mstatus |= MSTATUS_FS
        env.cpu.fp.frm = <uint32_t>(val & 7)
        env_update_flags(env)
    elif csr == CSR_FCSR:
        env.mstatus |= MSTATUS_FS
        env.cpu.fp.frm = <uint32_t>((val >> 5) & 7)
        env.cpu.fp.fflags = <uint32_t>(val & 0x1f)
        env_update_flags(env)
    elif csr == CSR_SSTATUS:
        mask = SSTATUS_MASK
        if val & MSTATUS_UXL:
            mask |= MSTATUS_UXL
        write_mstatus(env, (env.mstatus & ~mask) | (val & mask))
    elif csr == CSR_STVEC:
        if (val & 3) < 2:
            env.stvec = val
    elif csr == CSR_SCOUNTEREN:
        env.scounteren = val
    elif csr == CSR_SENVCFG:
        env.senvcfg = (env.senvcfg & ~SENVCFG_MASK) | (val & SENVCFG_MASK)
    elif csr == CSR_SSCRATCH:
        env.sscratch = val
    elif csr == CSR_SEPC:
        env.sepc = val
    elif csr == CSR_SCAUSE:
        env.scause = val
    elif csr == CSR_STVAL:
        env.stval = val
    elif csr == CSR_STIMECMP:
        write_stimecmp(env, val)
    elif csr == CSR_SATP:
        write_satp(env, val)
    elif csr == CSR_MSTATUS:
        write_mstatus(env, val)
    elif csr == CSR_MEDELEG:
        env.medeleg = (env.medeleg & ~DELEGABLE_EXCPS) | (val & DELEGABLE_EXCPS)
    elif csr == CSR_MTVEC:
        if (val & 3) < 2:
            env.mtvec = val
    elif csr == CSR_MCOUNTEREN:
        env.mcounteren = val
    elif csr == CSR_MENVCFG:
        env.menvcfg = (env.menvcfg & ~MENVCFG_MASK) | (val & MENVCFG_MASK)
    elif csr == CSR_MCOUNTINHIBIT:
        write_mcountinhibit(env, val, insn_idx)
    elif CSR_MHPMEVENT3 <= csr <= CSR_MHPMEVENT31:
        env.mhpmevent[csr - CSR_MCOUNTINHIBIT] = val
    elif csr == CSR_MSCRATCH:
        env.mscratch = val
    elif csr == CSR_MEPC:
        env.mepc = val
    elif csr == CSR_MCAUSE:
        env.mcause = val
    elif csr == CSR_MTVAL:
        env.mtval = val
    elif CSR_PMPCFG0 <= csr <= CSR_PMPCFG3:
        write_pmpcfg(env, csr - CSR_PMPCFG0, val)
    elif CSR_PMPADDR0 <= csr <= CSR_PMPADDR15:
        write_pmpaddr(env, csr - CSR_PMPADDR0, val)
    elif csr == CSR_TSELECT:
        if val < 2:
            env.tselect = val
    elif csr == CSR_TDATA1:
        env.tdata1[env.tselect] = val
    elif csr == CSR_TDATA2:
        env.tdata2[env.tselect] = val
    elif csr == CSR_TDATA3:
        env.tdata3[env.tselect] = val
    elif CSR_MCYCLE <= csr <= CSR_MHPMCOUNTER31:
        write_counter(env, csr - CSR_MCYCLE, val, insn_idx)
    # misa, the ID registers and mconfigptr ignore writes
    old_out[0] = old
    return 0


cdef void csr_reset(RISCVEnv *env) noexcept nogil:
    cdef int i
    env.mstatus = MSTATUS_XL64
    env.mcause = 0
    env.stimer_armed = False
    for i in range(2):
        env.tdata1[i] = TDATA1_TYPE2
        env.tdata2[i] = 0
        env.tdata3[i] = 0
    env.tselect = 0
    for i in range(NUM_PMP):
        pmp_update_rule(env, i)
    env_update_flags(env)
