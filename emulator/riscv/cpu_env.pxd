# RISC-V architectural state beyond the integer and FP registers (which
# live in CPUState.regs), and the architectural constants the target's
# modules share.

from libc.stdint cimport uint8_t, uint64_t
from libc.stdio cimport FILE
from runtime.accel.core cimport CPUState

# Privilege levels
cdef enum:
    PRV_U = 0
    PRV_S = 1
    PRV_M = 3

# Exception causes
cdef enum:
    EXCP_INST_ADDR_MIS = 0
    EXCP_INST_ACCESS_FAULT = 1
    EXCP_ILLEGAL_INST = 2
    EXCP_BREAKPOINT = 3
    EXCP_LOAD_ADDR_MIS = 4
    EXCP_LOAD_ACCESS_FAULT = 5
    EXCP_STORE_AMO_ADDR_MIS = 6
    EXCP_STORE_AMO_ACCESS_FAULT = 7
    EXCP_U_ECALL = 8
    EXCP_S_ECALL = 9
    EXCP_M_ECALL = 11
    EXCP_INST_PAGE_FAULT = 12
    EXCP_LOAD_PAGE_FAULT = 13
    EXCP_STORE_PAGE_FAULT = 15

# Interrupt numbers
cdef enum:
    IRQ_S_SOFT = 1
    IRQ_M_SOFT = 3
    IRQ_S_TIMER = 5
    IRQ_M_TIMER = 7
    IRQ_S_EXT = 9
    IRQ_M_EXT = 11
    IRQ_LCOF = 13

cdef enum:
    MIP_SSIP = 1 << 1
    MIP_MSIP = 1 << 3
    MIP_STIP = 1 << 5
    MIP_MTIP = 1 << 7
    MIP_SEIP = 1 << 9
    MIP_MEIP = 1 << 11
    MIP_LCOFIP = 1 << 13

# mstatus fields (low 32 bits; SXL/UXL/SD are built in csr.pyx)
cdef enum:
    MSTATUS_SIE = 1 << 1
    MSTATUS_MIE = 1 << 3
    MSTATUS_SPIE = 1 << 5
    MSTATUS_MPIE = 1 << 7
    MSTATUS_SPP = 1 << 8
    MSTATUS_VS = 3 << 9
    MSTATUS_MPP = 3 << 11
    MSTATUS_FS = 3 << 13
    MSTATUS_XS = 3 << 15
    MSTATUS_MPRV = 1 << 17
    MSTATUS_SUM = 1 << 18
    MSTATUS_MXR = 1 << 19
    MSTATUS_TVM = 1 << 20
    MSTATUS_TW = 1 << 21
    MSTATUS_TSR = 1 << 22

# TB flags: what translated code depends on.
cdef enum:
    TBF_PRIV_MASK = 3         # privilege level
    TBF_FS_SHIFT = 2          # mstatus.FS (2 bits)
    TBF_DMMU_SHIFT = 4        # MMU index of loads and stores (2 bits)

# MMU indexes: the effective privilege of an access.
cdef enum:
    MMU_IDX_U = 0
    MMU_IDX_S = 1
    MMU_IDX_M = 3

# Helper numbers (Op.aux of OP_HELPER)
cdef enum:
    HELPER_ILLEGAL = 0
    HELPER_ECALL
    HELPER_EBREAK
    HELPER_MRET
    HELPER_SRET
    HELPER_WFI
    HELPER_SFENCE_VMA
    HELPER_FENCE_I
    HELPER_CSRRW
    HELPER_CSRRS
    HELPER_CSRRC
    HELPER_CSRRWI
    HELPER_CSRRSI
    HELPER_CSRRCI
    HELPER_MARK_FS_DIRTY
    HELPER_FETCH_FAULT

cdef enum:
    NUM_PMP = 16

# Logging (-d) categories
cdef enum:
    LOG_IN_ASM = 1
    LOG_EXEC = 2
    LOG_INT = 4
    LOG_CPU = 8

ctypedef uint64_t (*rdtime_fn)(void *board) noexcept nogil

ctypedef struct RISCVEnv:
    CPUState *cpu
    int priv
    uint64_t misa
    uint64_t mhartid
    uint64_t mvendorid
    uint64_t marchid
    uint64_t mimpid
    uint64_t mstatus
    uint64_t mip
    uint64_t mie
    uint64_t mideleg
    uint64_t medeleg
    uint64_t mtvec
    uint64_t stvec
    uint64_t mepc
    uint64_t sepc
    uint64_t mcause
    uint64_t scause
    uint64_t mtval
    uint64_t stval
    uint64_t mscratch
    uint64_t sscratch
    uint64_t satp
    uint64_t mcounteren
    uint64_t scounteren
    uint64_t mcountinhibit
    uint64_t menvcfg
    uint64_t senvcfg
    uint64_t stimecmp
    bint stimer_armed
    bint software_seip
    bint external_seip
    # counters read as instret + offset
    uint64_t mcycle_offset
    uint64_t minstret_offset
    uint64_t mhpmcounter[32]
    uint64_t mhpmevent[32]
    # debug triggers (Sdtrig) as QEMU exposes them: storage only
    uint64_t tselect
    uint64_t tdata1[2]
    uint64_t tdata2[2]
    uint64_t tdata3[2]
    # physical memory protection
    uint8_t pmpcfg[NUM_PMP]
    uint64_t pmpaddr[NUM_PMP]
    uint64_t pmp_start[NUM_PMP]
    uint64_t pmp_end[NUM_PMP]
    int pmp_rules
    # features
    bint ext_sstc
    int satp_max_mode
    # time source (the machine's timer)
    rdtime_fn rdtime
    void *time_board
    # logging
    FILE *log
    int log_mask
    void *owner               # the RiscvCpu Python object
