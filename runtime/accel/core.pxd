# The C data of the hot path: CPU state, TLB entries, pre-decoded
# operations, translation blocks and the hooks a target plugs in.
#
# Everything here is plain C data so the execution loop can run without the
# GIL. A target (emulator/riscv) fills `CPUState.hooks` and keeps its own
# architectural state behind `CPUState.target_env`.

from libc.stdint cimport int64_t, uint8_t, uint16_t, uint32_t, uint64_t, uintptr_t

cdef extern from *:
    """
    #define ACCEL_LIKELY(x) __builtin_expect(!!(x), 1)
    #define ACCEL_UNLIKELY(x) __builtin_expect(!!(x), 0)
    """
    bint likely "ACCEL_LIKELY"(bint) nogil
    bint unlikely "ACCEL_UNLIKELY"(bint) nogil

# ---------------------------------------------------------------------------
# Sizes
cdef enum:
    PAGE_BITS = 12
    PAGE_SIZE = 4096
    TLB_SIZE = 512
    NB_MMU_MODES = 4
    JMP_CACHE_SIZE = 4096
    # Register file of the intermediate representation: 32 integer
    # registers, 32 floating-point registers (as raw bits) and a write sink
    # standing in for a hard-wired zero destination (padded to 72).
    REG_F0 = 32
    REG_SINK = 64
    NB_REGS = 72
    # A translation block holds at most this many guest instructions.
    TB_MAX_INSNS = 256

cdef extern from *:
    """
    #define ACCEL_PAGE_MASK (~(uint64_t)4095)
    """
    const uint64_t PAGE_MASK "ACCEL_PAGE_MASK"

# Flag bits kept in the low bits of a TLB tag (above any alignment bits,
# below the page bits): any of them makes the fast-path compare fail.
cdef enum:
    TLB_MMIO = 1 << 4       # not plain RAM: dispatch through the address space
    TLB_CODE = 1 << 5       # the page holds translated code (write tags only)
    TLB_ONESHOT = 1 << 6    # re-check protection on every access (PMP)

# Kinds of memory access, as seen by TLB fills and faults.
cdef enum:
    ACCESS_LOAD = 0
    ACCESS_STORE = 1
    ACCESS_FETCH = 2

# Memory faults the softmmu reports to the target.
cdef enum:
    FAULT_MISALIGNED = 1
    FAULT_ACCESS = 2

# What the execution loop should do after an op or helper.
cdef enum:
    EXEC_NEXT = 0        # continue with the next op
    EXEC_EXCEPTION = 1   # cpu.exception is set; raise it at this op's pc
    EXEC_END_TB = 2      # leave the TB after this instruction (state changed)
    EXEC_JUMP = 3        # the helper set cpu.pc; look up the next TB
    EXEC_HALT = 4        # wait for an interrupt (pc already advanced)
    EXEC_STOP = 5        # leave the loop after this instruction

# Results of a slow-path memory access; each equals the EXEC_* code the
# loop acts on.
cdef enum:
    MEM_OK = EXEC_NEXT
    MEM_FAULT = EXEC_EXCEPTION      # cpu.exception is set
    MEM_EXIT = EXEC_STOP            # a device asked the loop to stop

# Values of CPUState.exit_request.
cdef enum:
    EXIT_REQUEST_NONE = 0
    EXIT_REQUEST_YIELD = 1      # return to cpu_run (pending interrupt, ...)
    EXIT_REQUEST_SHUTDOWN = 2   # stop running the machine

# Why cpu_exec returned.
cdef enum:
    STOP_BUDGET = 0      # instruction budget used up
    STOP_REQUEST = 1     # cpu.exit_request was set
    STOP_HALT = 2        # the CPU is waiting for an interrupt

# ---------------------------------------------------------------------------
# softmmu

ctypedef struct TlbEntry:
    uint64_t addr_read
    uint64_t addr_write
    uint64_t addr_code
    uintptr_t addend          # host address = guest virtual address + addend

# Kinds of memory region.
cdef enum:
    REGION_RAM = 0
    REGION_ROM = 1
    REGION_MMIO = 2
    MAX_REGIONS = 32

# MMIO callbacks return MEM_OK, MEM_FAULT (the bus reports an error) or
# MEM_EXIT (leave the execution loop after this access).
ctypedef int (*mmio_read_fn)(void *opaque, uint64_t offset, int size,
                             uint64_t *value) noexcept nogil
ctypedef int (*mmio_write_fn)(void *opaque, uint64_t offset, int size,
                              uint64_t value) noexcept nogil

ctypedef struct MemRegion:
    uint64_t base
    uint64_t size
    int kind
    int priority              # higher wins where regions overlap
    uint8_t *host             # RAM and ROM contents
    uint8_t *code_bitmap      # RAM and ROM: one bit per page holding code
    mmio_read_fn read
    mmio_write_fn write
    void *opaque
    int min_access            # MMIO: valid access sizes in bytes
    int max_access

ctypedef struct TlbDetail:
    uint64_t phys_page        # guest physical address of the page
    MemRegion *region         # region holding the page start (NULL: none)

ctypedef struct TlbFill:      # what a target's fill hook reports
    uint64_t phys_addr
    int prot                  # PROT_READ | PROT_WRITE | PROT_EXEC
    bint whole_page           # False: valid for this access only
    bint large_page           # part of a superpage mapping

cdef enum:
    PROT_READ = 1
    PROT_WRITE = 2
    PROT_EXEC = 4

# ---------------------------------------------------------------------------
# Pre-decoded operations and translation blocks

ctypedef struct Op:
    uint16_t opc              # OpCode (ops.pxd)
    uint8_t rd
    uint8_t rs1
    uint8_t rs2
    uint8_t rs3
    uint8_t aux               # rounding mode, helper number, AMO kind...
    uint8_t len               # guest instruction length in bytes
    uint16_t pc_off           # guest pc - tb.pc
    uint16_t insn_idx         # instructions of the TB retired before this one
    uint32_t insn             # raw guest instruction bits
    int64_t imm

ctypedef struct TB:
    uint64_t pc               # guest virtual pc of the first instruction
    uint64_t phys_pc
    uint32_t flags            # target CPU state the code depends on
    uint16_t n_ops
    uint16_t icount           # guest instructions in the block
    uint32_t size             # bytes of guest code
    int invalid
    uint64_t exit_pc[2]       # exit 0: jump/taken branch, exit 1: fall-through
    TB *jmp_dest[2]           # chained successors (same guest page only)
    TB *hash_next
    uint64_t page_addr[2]     # physical pages of the code (1: -1 if unused)
    TB *page_next[2]
    Op *ops

ctypedef struct PageTBs:      # translated blocks of one physical page
    uint64_t page
    TB *first
    PageTBs *next

ctypedef struct TBContext:
    uint8_t *arena
    size_t arena_size
    size_t arena_used
    TB **hash
    PageTBs **pages
    uint64_t generation       # bumped by every full flush
    uint64_t tb_count
    uint64_t flush_count

ctypedef struct CPUState

ctypedef struct AddressSpace:
    MemRegion *regions[MAX_REGIONS]   # sorted by priority, highest first
    int n_regions
    # Translated code is a property of the memory it came from: every CPU
    # on this address space shares one cache, and a write by any of them
    # invalidates what all of them translated.
    TBContext *tbs
    CPUState **cpus
    int n_cpus

# ---------------------------------------------------------------------------
# Floating point (fpu_ops.h)

cdef extern from "fpu_ops.h":
    ctypedef struct FpState:
        uint32_t frm
        uint32_t fflags
        int host_rm
    void fp_sync(FpState *s) nogil
    void fp_enter(FpState *s) nogil
    void fp_leave(FpState *s) nogil

# ---------------------------------------------------------------------------
# Target hooks

ctypedef int (*translate_fn)(CPUState *cpu, TB *tb, int max_ops) noexcept nogil
ctypedef int (*tlb_fill_fn)(CPUState *cpu, uint64_t vaddr, int size, int access,
                            int mmu_idx, TlbFill *out) noexcept nogil
ctypedef void (*mem_fault_fn)(CPUState *cpu, int fault, int access,
                              uint64_t vaddr) noexcept nogil
ctypedef void (*do_exception_fn)(CPUState *cpu) noexcept nogil
ctypedef int (*check_interrupt_fn)(CPUState *cpu) noexcept nogil
ctypedef int (*helper_fn)(CPUState *cpu, const Op *op, TB *tb) noexcept nogil
ctypedef void (*tb_log_fn)(CPUState *cpu, TB *tb) noexcept nogil
ctypedef void (*raise_illegal_fn)(CPUState *cpu, const Op *op) noexcept nogil
ctypedef void (*poll_fn)(CPUState *cpu) noexcept nogil

ctypedef struct TargetHooks:
    translate_fn translate
    tlb_fill_fn tlb_fill
    mem_fault_fn mem_fault
    do_exception_fn do_exception
    check_interrupt_fn check_interrupt
    helper_fn helper
    raise_illegal_fn raise_illegal
    # Set by the machine: bring timers and interrupt lines up to date
    # between slices of execution.
    poll_fn poll
    tb_log_fn log_translate    # optional: called after a TB is translated
    tb_log_fn log_exec         # optional: called before a TB runs (no chaining)

ctypedef struct CPUState:
    uint64_t regs[NB_REGS]
    uint64_t pc
    uint64_t instret          # retired guest instructions (exact)
    uint64_t instret_limit    # cpu_exec stops at a TB boundary past this
    uint64_t exceptions       # exceptions taken (they also use up a turn)
    uint64_t exception_limit  # cpu_exec stops once `exceptions` reaches it
    uint32_t tb_flags         # target state for TB lookup, kept by the target
    int fetch_mmu_idx
    int data_mmu_idx
    int halted
    volatile int exit_request  # EXIT_REQUEST_* below
    # pending exception, set by ops, helpers and fill hooks
    int exception
    uint64_t exception_tval
    # floating point: dynamic rounding mode, accrued flags (RISC-V order:
    # NX=1, UF=2, OF=4, DZ=8, NV=16) and what the host FPU holds
    FpState fp
    # load reservation
    uint64_t reserve_addr
    uint64_t reserve_value
    TlbEntry tlb[NB_MMU_MODES][TLB_SIZE]
    TlbDetail tlb_detail[NB_MMU_MODES][TLB_SIZE]
    bint tlb_has_large[NB_MMU_MODES]
    TB *jmp_cache[JMP_CACHE_SIZE]
    TBContext *tbs
    AddressSpace *aspace
    TargetHooks hooks
    void *target_env
    void *board               # the machine's timer/interrupt state
    # statistics
    uint64_t tb_lookups
    uint64_t tb_translations


cdef extern from *:
    """
    #define ACCEL_CAS_INT(p, old, new) __sync_bool_compare_and_swap((p), (old), (new))
    """
    bint cas_int "ACCEL_CAS_INT"(volatile int *p, int old, int new) nogil


cdef inline void cpu_request_exit(CPUState *cpu, int level) noexcept nogil:
    """Ask the loop to return to cpu_run (EXIT_REQUEST_YIELD) or to stop
    (EXIT_REQUEST_SHUTDOWN) at the next block boundary. Safe from any
    thread: the budget check of every block notices it."""
    if level > cpu.exit_request:
        cpu.exit_request = level
    cpu.instret_limit = 0

