# The CPU loop: find or translate the translation block at the current pc,
# run its pre-decoded ops in a switch over C data without the GIL, follow
# chained successors, and turn exits, exceptions and halts into the next
# step. `cpu_run_for` wraps it with the machine's polling of timers and
# interrupt lines.
#
# Instruction counting is exact: a TB adds its instruction count when it
# finishes; an exit in the middle adds the index of the exiting op.

from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

from runtime.accel.core cimport (
    ACCESS_LOAD, ACCESS_STORE, CPUState, EXEC_END_TB, EXEC_EXCEPTION, EXEC_HALT,
    EXEC_JUMP, EXEC_NEXT, EXEC_STOP, EXIT_REQUEST_NONE, EXIT_REQUEST_SHUTDOWN,
    EXIT_REQUEST_YIELD, FAULT_MISALIGNED, MEM_EXIT, MEM_FAULT, MEM_OK,
    FpState, Op, PAGE_MASK, STOP_BUDGET, STOP_HALT, STOP_REQUEST, TB, TB_MAX_INSNS,
    TlbEntry, cas_int, fp_enter, fp_leave, unlikely,
)
from runtime.accel.ops cimport *
from runtime.accel.softmmu cimport (
    code_bitmaps_clear, load_slow, load_u8, load_u16, load_u32, load_u64, mark_code_page,
    probe_fetch, probe_write, store_slow, store_u8, store_u16, store_u32, store_u64,
    tlb_flush,
)
from runtime.accel.tb_cache cimport (
    jmp_cache_index, tb_alloc, tb_commit, tb_flush_all, tb_hash_lookup, tb_invalidate,
    tb_link,
)

cdef extern from *:
    """
    #define EXEC_MASK32 ((uint64_t)0xffffffffu)
    #define EXEC_BOX32 ((uint64_t)0xffffffff00000000ull)
    """
    const uint64_t MASK32 "EXEC_MASK32"
    const uint64_t BOX32 "EXEC_BOX32"

cdef extern from "host_ops.h":
    uint64_t op_mulh(uint64_t, uint64_t) nogil
    uint64_t op_mulhu(uint64_t, uint64_t) nogil
    uint64_t op_mulhsu(uint64_t, uint64_t) nogil
    uint64_t op_clz64(uint64_t) nogil
    uint64_t op_ctz64(uint64_t) nogil
    uint64_t op_clz32(uint64_t) nogil
    uint64_t op_ctz32(uint64_t) nogil
    uint64_t op_cpop64(uint64_t) nogil
    uint64_t op_cpop32(uint64_t) nogil
    uint64_t op_rev8(uint64_t) nogil
    uint64_t op_orc_b(uint64_t) nogil
    uint64_t op_clmul(uint64_t, uint64_t) nogil
    uint64_t op_clmulh(uint64_t, uint64_t) nogil
    uint64_t op_clmulr(uint64_t, uint64_t) nogil

cdef extern from "fpu_ops.h":
    uint64_t fp_add_s(uint64_t, uint64_t, int, FpState *) nogil
    uint64_t fp_sub_s(uint64_t, uint64_t, int, FpState *) nogil
    uint64_t fp_mul_s(uint64_t, uint64_t, int, FpState *) nogil
    uint64_t fp_div_s(uint64_t, uint64_t, int, FpState *) nogil
    uint64_t fp_sqrt_s(uint64_t, int, FpState *) nogil
    uint64_t fp_fma_s(uint64_t, uint64_t, uint64_t, int, int, int, FpState *) nogil
    uint64_t fp_minmax_s(uint64_t, uint64_t, int, FpState *) nogil
    uint64_t fp_cmp_s(uint64_t, uint64_t, int, FpState *) nogil
    uint64_t fp_class_s(uint64_t) nogil
    uint64_t fp_sgnj_s(uint64_t, uint64_t, int) nogil
    uint64_t fp_cvt_int_s(uint64_t, int, int, int, FpState *) nogil
    uint64_t fp_cvt_s_int(uint64_t, int, int, int, FpState *) nogil
    uint64_t fp_add_d(uint64_t, uint64_t, int, FpState *) nogil
    uint64_t fp_sub_d(uint64_t, uint64_t, int, FpState *) nogil
    uint64_t fp_mul_d(uint64_t, uint64_t, int, FpState *) nogil
    uint64_t fp_div_d(uint64_t, uint64_t, int, FpState *) nogil
    uint64_t fp_sqrt_d(uint64_t, int, FpState *) nogil
    uint64_t fp_fma_d(uint64_t, uint64_t, uint64_t, int, int, int, FpState *) nogil
    uint64_t fp_minmax_d(uint64_t, uint64_t, int, FpState *) nogil
    uint64_t fp_cmp_d(uint64_t, uint64_t, int, FpState *) nogil
    uint64_t fp_class_d(uint64_t) nogil
    uint64_t fp_sgnj_d(uint64_t, uint64_t, int) nogil
    uint64_t fp_cvt_int_d(uint64_t, int, int, int, FpState *) nogil
    uint64_t fp_cvt_d_int(uint64_t, int, int, int, FpState *) nogil
    uint64_t fp_cvt_s_d(uint64_t, int, FpState *) nogil
    uint64_t fp_cvt_d_s(uint64_t, FpState *) nogil

# How the op loop left a TB.
cdef enum:
    LEAVE_EXIT0 = 0      # direct jump or taken branch
    LEAVE_EXIT1 = 1      # fall-through
    LEAVE_INDIRECT       # jump to cpu.pc (set by the op)
    LEAVE_STATUS         # an op or helper returned an EXEC_* code
    LEAVE_RETRANSLATE    # the block was invalidated: look its pc up again


# ---------------------------------------------------------------------------
# Arithmetic with RISC-V's corner cases

cdef inline uint64_t sx32(uint64_t v) noexcept nogil:
    return <uint64_t><int64_t><int32_t><uint32_t>v

cdef inline uint64_t div_s64(uint64_t a, uint64_t b) noexcept nogil:
    if b == 0:
        return <uint64_t>-1
    if a == (<uint64_t>1 << 63) and b == <uint64_t>-1:
        return a
    return <uint64_t>(<int64_t>a / <int64_t>b)

cdef inline uint64_t rem_s64(uint64_t a, uint64_t b) noexcept nogil:
    if b == 0:
        return a
    if a == (<uint64_t>1 << 63) and b == <uint64_t>-1:
        return 0
    return <uint64_t>(<int64_t>a % <int64_t>b)

cdef inline uint64_t div_s32(uint64_t a, uint64_t b) noexcept nogil:
    cdef int32_t x = <int32_t><uint32_t>a
    cdef int32_t y = <int32_t><uint32_t>b
    if y == 0:
        return <uint64_t>-1
    if x == <int32_t>(-2147483647 - 1) and y == -1:
        return sx32(<uint32_t>x)
    return sx32(<uint32_t>(x / y))

cdef inline uint64_t rem_s32(uint64_t a, uint64_t b) noexcept nogil:
    cdef int32_t x = <int32_t><uint32_t>a
    cdef int32_t y = <int32_t><uint32_t>b
    if y == 0:
        return sx32(<uint32_t>x)
    if x == <int32_t>(-2147483647 - 1) and y == -1:
        return 0
    return sx32(<uint32_t>(x % y))

cdef inline uint64_t divu_32(uint64_t a, uint64_t b) noexcept nogil:
    cdef uint32_t x = <uint32_t>a
    cdef uint32_t y = <uint32_t>b
    if y == 0:
        return <uint64_t>-1
    return sx32(x / y)

cdef inline uint64_t remu_32(uint64_t a, uint64_t b) noexcept nogil:
    cdef uint32_t x = <uint32_t>a
    cdef uint32_t y = <uint32_t>b
    if y == 0:
        return sx32(x)
    return sx32(x % y)

cdef inline uint64_t rotl64(uint64_t v, uint64_t n) noexcept nogil:
    n &= 63
    if n == 0:
        return v
    return (v << n) | (v >> (64 - n))

cdef inline uint64_t rotr64(uint64_t v, uint64_t n) noexcept nogil:
    n &= 63
    if n == 0:
        return v
    return (v >> n) | (v << (64 - n))

cdef inline uint64_t rotl32(uint64_t v, uint64_t n) noexcept nogil:
    cdef uint32_t w = <uint32_t>v
    n &= 31
    if n == 0:
        return sx32(w)
    return sx32((w << n) | (w >> (32 - n)))

cdef inline uint64_t rotr32(uint64_t v, uint64_t n) noexcept nogil:
    cdef uint32_t w = <uint32_t>v
    n &= 31
    if n == 0:
        return sx32(w)
    return sx32((w >> n) | (w << (32 - n)))

cdef inline uint64_t amo_apply(int kind, uint64_t old, uint64_t src, bint word) noexcept nogil:
    if kind == AMO_SWAP:
        return src
    elif kind == AMO_ADD:
        return old + src
    elif kind == AMO_XOR:
        return old ^ src
    elif kind == AMO_AND:
        return old & src
    elif kind == AMO_OR:
        return old | src
    if word:
        old = sx32(old)
        src = sx32(src)
    if kind == AMO_MIN:
        return old if <int64_t>old < <int64_t>src else src
    elif kind == AMO_MAX:
        return old if <int64_t>old > <int64_t>src else src
    if word:
        old &= MASK32
        src &= MASK32
    if kind == AMO_MINU:
        return old if old < src else src
    return old if old > src else src


# ---------------------------------------------------------------------------
# Atomics (rarely hot: kept out of the main switch)

cdef int exec_amo(CPUState *cpu, const Op *op, int mmu_idx) noexcept nogil:
    cdef bint word = op.opc == OP_AMO_W
    cdef int size = 4 if word else 8
    cdef uint64_t addr = cpu.regs[op.rs1]
    cdef uint64_t src = cpu.regs[op.rs2]
    cdef uint64_t old, new
    cdef uint8_t *host
    cdef int st
    if addr & <uint64_t>(size - 1):
        cpu.hooks.mem_fault(cpu, FAULT_MISALIGNED, ACCESS_STORE, addr)
        return MEM_FAULT
    st = probe_write(cpu, addr, size, mmu_idx, &host)
    if st != MEM_OK:
        return st
    if host != NULL:
        if word:
            old = (<uint32_t *>host)[0]
            new = amo_apply(op.aux, old, src, True)
            (<uint32_t *>host)[0] = <uint32_t>new
        else:
            old = (<uint64_t *>host)[0]
            new = amo_apply(op.aux, old, src, False)
            (<uint64_t *>host)[0] = new
    else:
        st = load_slow(cpu, addr, size, mmu_idx, &old)
        if st != MEM_OK:
            return st
        new = amo_apply(op.aux, old, src, word)
        st = store_slow(cpu, addr, size, mmu_idx, new)
        if st == MEM_FAULT:
            return st
    cpu.regs[op.rd] = sx32(old) if word else old
    return st


cdef int exec_lr(CPUState *cpu, const Op *op, TlbEntry *dtlb, int mmu_idx) noexcept nogil:
    cdef bint word = op.opc == OP_LR_W
    cdef uint64_t addr = cpu.regs[op.rs1]
    cdef uint64_t v
    cdef int st
    if addr & (<uint64_t>3 if word else <uint64_t>7):
        cpu.hooks.mem_fault(cpu, FAULT_MISALIGNED, ACCESS_LOAD, addr)
        return MEM_FAULT
    if word:
        st = load_u32(cpu, dtlb, addr, mmu_idx, &v)
        v = sx32(v)
    else:
        st = load_u64(cpu, dtlb, addr, mmu_idx, &v)
    if st != MEM_OK:
        return st
    cpu.reserve_addr = addr
    cpu.reserve_value = v
    cpu.regs[op.rd] = v
    return MEM_OK


cdef int exec_sc(CPUState *cpu, const Op *op, int mmu_idx) noexcept nogil:
    """Store-conditional as QEMU does it: succeed when the reservation is on
    this address and memory still holds the value the LR read."""
    cdef bint word = op.opc == OP_SC_W
    cdef int size = 4 if word else 8
    cdef uint64_t addr = cpu.regs[op.rs1]
    cdef uint64_t cur
    cdef uint8_t *host
    cdef int st = MEM_OK
    cdef uint64_t result = 1
    if addr == cpu.reserve_addr:
        if addr & <uint64_t>(size - 1):
            cpu.hooks.mem_fault(cpu, FAULT_MISALIGNED, ACCESS_STORE, addr)
            return MEM_FAULT
        st = probe_write(cpu, addr, size, mmu_idx, &host)
        if st != MEM_OK:
            return st
        if host != NULL:
            cur = sx32((<uint32_t *>host)[0]) if word else (<uint64_t *>host)[0]
            if cur == cpu.reserve_value:
                if word:
                    (<uint32_t *>host)[0] = <uint32_t>cpu.regs[op.rs2]
                else:
                    (<uint64_t *>host)[0] = cpu.regs[op.rs2]
                result = 0
        else:
            st = load_slow(cpu, addr, size, mmu_idx, &cur)
            if st != MEM_OK:
                return st
            if word:
                cur = sx32(cur)
            if cur == cpu.reserve_value:
                st = store_slow(cpu, addr, size, mmu_idx, cpu.regs[op.rs2])
                if st == MEM_FAULT:
                    return st
                result = 0
    cpu.reserve_addr = <uint64_t>-1
    cpu.regs[op.rd] = result
    return st


# ---------------------------------------------------------------------------
# Finding and making translation blocks

cdef void tb_flush_everything(CPUState *cpu) noexcept nogil:
    """Drop all translated code. The other CPUs sharing it are not running
    (they take turns in one thread), so their TLBs and jump caches are
    emptied here too."""
    cdef int i
    tb_flush_all(cpu.tbs)
    code_bitmaps_clear(cpu.aspace)
    for i in range(cpu.aspace.n_cpus):
        tlb_flush(cpu.aspace.cpus[i])


cdef TB *tb_gen_code(CPUState *cpu, uint64_t pc, uint64_t phys_pc, uint32_t flags) noexcept nogil:
    cdef int max_ops = 2 * TB_MAX_INSNS + 2
    cdef TB *tb = tb_alloc(cpu.tbs, max_ops)
    if tb == NULL:
        tb_flush_everything(cpu)
        tb = tb_alloc(cpu.tbs, max_ops)
        # the flush dropped the TLB: refill the fetch entry
        if tb == NULL:
            return NULL
    tb.pc = pc
    tb.phys_pc = phys_pc
    tb.flags = flags
    tb.page_addr[0] = phys_pc & PAGE_MASK
    if cpu.hooks.translate(cpu, tb, max_ops) != 0:
        return NULL
    tb_commit(cpu.tbs, tb)
    tb_link(cpu.tbs, tb)
    mark_code_page(cpu, tb.page_addr[0])
    if tb.page_addr[1] != <uint64_t>-1:
        mark_code_page(cpu, tb.page_addr[1])
    cpu.tb_translations += 1
    if cpu.hooks.log_translate != NULL:
        cpu.hooks.log_translate(cpu, tb)
    return tb


cdef TB *tb_lookup(CPUState *cpu, uint64_t pc, uint32_t flags) noexcept nogil:
    """The block for (pc, flags): jump cache, then hash table, then a new
    translation. NULL when fetching the first instruction faulted."""
    cdef unsigned int h = jmp_cache_index(pc)
    cdef TB *tb = cpu.jmp_cache[h]
    cdef uint64_t phys, phys2
    cdef uint8_t *host
    if tb != NULL and tb.pc == pc and tb.flags == flags and not tb.invalid:
        return tb
    cpu.tb_lookups += 1
    if probe_fetch(cpu, pc, cpu.fetch_mmu_idx, &phys, &host) != MEM_OK:
        return NULL
    tb = tb_hash_lookup(cpu.tbs, pc, phys, flags)
    if tb != NULL and tb.page_addr[1] != <uint64_t>-1:
        # A block ending in an instruction that straddles two pages is only
        # good while the second page maps where it did at translation.
        if probe_fetch(cpu, (pc | ~PAGE_MASK) + 1, cpu.fetch_mmu_idx, &phys2, &host) != MEM_OK:
            return NULL
        if (phys2 & PAGE_MASK) != tb.page_addr[1]:
            tb_invalidate(cpu.tbs, tb)
            tb = NULL
    if tb == NULL:
        tb = tb_gen_code(cpu, pc, phys, flags)
        if tb == NULL:
            return NULL
    cpu.jmp_cache[h] = tb
    return tb


# ---------------------------------------------------------------------------
# The loop

cdef inline int resolve_rm(CPUState *cpu, const Op *op) noexcept nogil:
    cdef int rm = op.aux
    if rm == 7:
        rm = <int>cpu.fp.frm
    return rm if rm <= 4 else -1


cdef int cpu_exec(CPUState *cpu) noexcept nogil:
    """Run translated code until the instruction budget is used, an exit is
    requested or the CPU halts. Returns STOP_*."""
    fp_enter(&cpu.fp)
    cdef int stop = run_blocks(cpu)
    fp_leave(&cpu.fp)
    return stop


cdef int run_blocks(CPUState *cpu) noexcept nogil:
    cdef uint64_t *R = &cpu.regs[0]
    cdef TB *tb
    cdef TB *nxt
    cdef TB *last_tb = NULL
    cdef int last_exit = 0
    cdef uint64_t last_gen = 0
    cdef const Op *op
    cdef TlbEntry *dtlb
    cdef int dmmu
    cdef int leave
    cdef int status = EXEC_NEXT
    cdef int st
    cdef int rm
    cdef uint16_t opc
    cdef uint64_t v, a, b
    cdef bint log_exec = cpu.hooks.log_exec != NULL
    cdef unsigned int h

    while True:
        if unlikely(cpu.exit_request != EXIT_REQUEST_NONE):
            return STOP_REQUEST
        if cpu.instret >= cpu.instret_limit:
            return STOP_BUDGET
        tb = tb_lookup(cpu, cpu.pc, cpu.tb_flags)
        if tb == NULL:
            cpu.hooks.do_exception(cpu)
            last_tb = NULL
            cpu.exceptions += 1
            if cpu.exceptions >= cpu.exception_limit:
                return STOP_BUDGET
            continue
        if (last_tb != NULL and last_gen == cpu.tbs.generation and not log_exec
                and not last_tb.invalid and last_tb.flags == tb.flags
                and ((last_tb.pc ^ tb.pc) & PAGE_MASK) == 0):
            last_tb.jmp_dest[last_exit] = tb
        last_tb = NULL
        dmmu = cpu.data_mmu_idx
        dtlb = &cpu.tlb[dmmu][0]

        while True:
            # ---- one translation block ----
            if log_exec:
                cpu.hooks.log_exec(cpu, tb)
            op = tb.ops
            while True:
                opc = op.opc
                if opc == OP_ADDI:
                    R[op.rd] = R[op.rs1] + <uint64_t>op.imm
                elif opc == OP_ADD:
                    R[op.rd] = R[op.rs1] + R[op.rs2]
                elif opc == OP_LD:
                    st = load_u64(cpu, dtlb, R[op.rs1] + <uint64_t>op.imm, dmmu, &R[op.rd])
                    if unlikely(st != MEM_OK):
                        status = st
                        leave = LEAVE_STATUS
                        break
                elif opc == OP_SD:
                    st = store_u64(cpu, dtlb, R[op.rs1] + <uint64_t>op.imm, dmmu, R[op.rs2])
                    if unlikely(st != MEM_OK):
                        status = st
                        leave = LEAVE_STATUS
                        break
                elif opc == OP_LW:
                    st = load_u32(cpu, dtlb, R[op.rs1] + <uint64_t>op.imm, dmmu, &R[op.rd])
                    if unlikely(st != MEM_OK):
                        status = st
                        leave = LEAVE_STATUS
                        break
                    R[op.rd] = sx32(R[op.rd])
                elif opc == OP_SW:
                    st = store_u32(cpu, dtlb, R[op.rs1] + <uint64_t>op.imm, dmmu, R[op.rs2])
                    if unlikely(st != MEM_OK):
                        status = st
                        leave = LEAVE_STATUS
                        break
                elif opc == OP_BNE:
                    leave = LEAVE_EXIT0 if R[op.rs1] != R[op.rs2] else LEAVE_EXIT1
                    break
                elif opc == OP_BEQ:
                    leave = LEAVE_EXIT0 if R[op.rs1] == R[op.rs2] else LEAVE_EXIT1
                    break
                elif opc == OP_BLT:
                    leave = LEAVE_EXIT0 if <int64_t>R[op.rs1] < <int64_t>R[op.rs2] else LEAVE_EXIT1
                    break
                elif opc == OP_BGE:
                    leave = LEAVE_EXIT0 if <int64_t>R[op.rs1] >= <int64_t>R[op.rs2] else LEAVE_EXIT1
                    break
                elif opc == OP_BLTU:
                    leave = LEAVE_EXIT0 if R[op.rs1] < R[op.rs2] else LEAVE_EXIT1
                    break
                elif opc == OP_BGEU:
                    leave = LEAVE_EXIT0 if R[op.rs1] >= R[op.rs2] else LEAVE_EXIT1
                    break
                elif opc == OP_JAL:
                    R[op.rd] = <uint64_t>op.imm
                    leave = LEAVE_EXIT0
                    break
                elif opc == OP_JALR:
                    v = (R[op.rs1] + <uint64_t>op.imm) & ~(<uint64_t>1)
                    R[op.rd] = tb.pc + op.pc_off + op.len
                    cpu.pc = v
                    leave = LEAVE_INDIRECT
                    break
                elif opc == OP_GOTO:
                    leave = LEAVE_EXIT1
                    break
                elif opc == OP_MOVI:
                    R[op.rd] = <uint64_t>op.imm
                elif opc == OP_SUB:
                    R[op.rd] = R[op.rs1] - R[op.rs2]
                elif opc == OP_SLL:
                    R[op.rd] = R[op.rs1] << (R[op.rs2] & 63)
                elif opc == OP_SLT:
                    R[op.rd] = <int64_t>R[op.rs1] < <int64_t>R[op.rs2]
                elif opc == OP_SLTU:
                    R[op.rd] = R[op.rs1] < R[op.rs2]
                elif opc == OP_XOR:
                    R[op.rd] = R[op.rs1] ^ R[op.rs2]
                elif opc == OP_SRL:
                    R[op.rd] = R[op.rs1] >> (R[op.rs2] & 63)
                elif opc == OP_SRA:
                    R[op.rd] = <uint64_t>(<int64_t>R[op.rs1] >> (R[op.rs2] & 63))
                elif opc == OP_OR:
                    R[op.rd] = R[op.rs1] | R[op.rs2]
                elif opc == OP_AND:
                    R[op.rd] = R[op.rs1] & R[op.rs2]
                elif opc == OP_ADDW:
                    R[op.rd] = sx32(R[op.rs1] + R[op.rs2])
                elif opc == OP_SUBW:
                    R[op.rd] = sx32(R[op.rs1] - R[op.rs2])
                elif opc == OP_SLLW:
                    R[op.rd] = sx32(<uint32_t>R[op.rs1] << (R[op.rs2] & 31))
                elif opc == OP_SRLW:
                    R[op.rd] = sx32(<uint32_t>R[op.rs1] >> (R[op.rs2] & 31))
                elif opc == OP_SRAW:
                    R[op.rd] = <uint64_t>(<int64_t>(<int32_t><uint32_t>R[op.rs1] >> (R[op.rs2] & 31)))
                elif opc == OP_SLTI:
                    R[op.rd] = <int64_t>R[op.rs1] < op.imm
                elif opc == OP_SLTIU:
                    R[op.rd] = R[op.rs1] < <uint64_t>op.imm
                elif opc == OP_XORI:
                    R[op.rd] = R[op.rs1] ^ <uint64_t>op.imm
                elif opc == OP_ORI:
                    R[op.rd] = R[op.rs1] | <uint64_t>op.imm
                elif opc == OP_ANDI:
                    R[op.rd] = R[op.rs1] & <uint64_t>op.imm
                elif opc == OP_SLLI:
                    R[op.rd] = R[op.rs1] << op.imm
                elif opc == OP_SRLI:
                    R[op.rd] = R[op.rs1] >> op.imm
                elif opc == OP_SRAI:
                    R[op.rd] = <uint64_t>(<int64_t>R[op.rs1] >> op.imm)
                elif opc == OP_ADDIW:
                    R[op.rd] = sx32(R[op.rs1] + <uint64_t>op.imm)
                elif opc == OP_SLLIW:
                    R[op.rd] = sx32(<uint32_t>R[op.rs1] << op.imm)
                elif opc == OP_SRLIW:
                    R[op.rd] = sx32(<uint32_t>R[op.rs1] >> op.imm)
                elif opc == OP_SRAIW:
                    R[op.rd] = <uint64_t>(<int64_t>(<int32_t><uint32_t>R[op.rs1] >> op.imm))
                elif opc == OP_MUL:
                    R[op.rd] = R[op.rs1] * R[op.rs2]
                elif opc == OP_MULH:
                    R[op.rd] = op_mulh(R[op.rs1], R[op.rs2])
                elif opc == OP_MULHSU:
                    R[op.rd] = op_mulhsu(R[op.rs1], R[op.rs2])
                elif opc == OP_MULHU:
                    R[op.rd] = op_mulhu(R[op.rs1], R[op.rs2])
                elif opc == OP_DIV:
                    R[op.rd] = div_s64(R[op.rs1], R[op.rs2])
                elif opc == OP_DIVU:
                    b = R[op.rs2]
                    R[op.rd] = R[op.rs1] / b if b != 0 else <uint64_t>-1
                elif opc == OP_REM:
                    R[op.rd] = rem_s64(R[op.rs1], R[op.rs2])
                elif opc == OP_REMU:
                    b = R[op.rs2]
                    R[op.rd] = R[op.rs1] % b if b != 0 else R[op.rs1]
                elif opc == OP_MULW:
                    R[op.rd] = sx32(R[op.rs1] * R[op.rs2])
                elif opc == OP_DIVW:
                    R[op.rd] = div_s32(R[op.rs1], R[op.rs2])
                elif opc == OP_DIVUW:
                    R[op.rd] = divu_32(R[op.rs1], R[op.rs2])
                elif opc == OP_REMW:
                    R[op.rd] = rem_s32(R[op.rs1], R[op.rs2])
                elif opc == OP_REMUW:
                    R[op.rd] = remu_32(R[op.rs1], R[op.rs2])
                elif opc == OP_SH1ADD:
                    R[op.rd] = (R[op.rs1] << 1) + R[op.rs2]
                elif opc == OP_SH2ADD:
                    R[op.rd] = (R[op.rs1] << 2) + R[op.rs2]
                elif opc == OP_SH3ADD:
                    R[op.rd] = (R[op.rs1] << 3) + R[op.rs2]
                elif opc == OP_ADD_UW:
                    R[op.rd] = (R[op.rs1] & MASK32) + R[op.rs2]
                elif opc == OP_SH1ADD_UW:
                    R[op.rd] = ((R[op.rs1] & MASK32) << 1) + R[op.rs2]
                elif opc == OP_SH2ADD_UW:
                    R[op.rd] = ((R[op.rs1] & MASK32) << 2) + R[op.rs2]
                elif opc == OP_SH3ADD_UW:
                    R[op.rd] = ((R[op.rs1] & MASK32) << 3) + R[op.rs2]
                elif opc == OP_SLLI_UW:
                    R[op.rd] = (R[op.rs1] & MASK32) << op.imm
                elif opc == OP_ANDN:
                    R[op.rd] = R[op.rs1] & ~R[op.rs2]
                elif opc == OP_ORN:
                    R[op.rd] = R[op.rs1] | ~R[op.rs2]
                elif opc == OP_XNOR:
                    R[op.rd] = ~(R[op.rs1] ^ R[op.rs2])
                elif opc == OP_CLZ:
                    R[op.rd] = op_clz64(R[op.rs1])
                elif opc == OP_CLZW:
                    R[op.rd] = op_clz32(R[op.rs1])
                elif opc == OP_CTZ:
                    R[op.rd] = op_ctz64(R[op.rs1])
                elif opc == OP_CTZW:
                    R[op.rd] = op_ctz32(R[op.rs1])
                elif opc == OP_CPOP:
                    R[op.rd] = op_cpop64(R[op.rs1])
                elif opc == OP_CPOPW:
                    R[op.rd] = op_cpop32(R[op.rs1])
                elif opc == OP_MAX:
                    a = R[op.rs1]
                    b = R[op.rs2]
                    R[op.rd] = a if <int64_t>a > <int64_t>b else b
                elif opc == OP_MAXU:
                    a = R[op.rs1]
                    b = R[op.rs2]
                    R[op.rd] = a if a > b else b
                elif opc == OP_MIN:
                    a = R[op.rs1]
                    b = R[op.rs2]
                    R[op.rd] = a if <int64_t>a < <int64_t>b else b
                elif opc == OP_MINU:
                    a = R[op.rs1]
                    b = R[op.rs2]
                    R[op.rd] = a if a < b else b
                elif opc == OP_SEXT_B:
                    R[op.rd] = <uint64_t><int64_t><signed char><uint8_t>R[op.rs1]
                elif opc == OP_SEXT_H:
                    R[op.rd] = <uint64_t><int64_t><short><unsigned short>R[op.rs1]
                elif opc == OP_ZEXT_H:
                    R[op.rd] = R[op.rs1] & 0xFFFF
                elif opc == OP_ROL:
                    R[op.rd] = rotl64(R[op.rs1], R[op.rs2])
                elif opc == OP_ROLW:
                    R[op.rd] = rotl32(R[op.rs1], R[op.rs2])
                elif opc == OP_ROR:
                    R[op.rd] = rotr64(R[op.rs1], R[op.rs2])
                elif opc == OP_RORW:
                    R[op.rd] = rotr32(R[op.rs1], R[op.rs2])
                elif opc == OP_RORI:
                    R[op.rd] = rotr64(R[op.rs1], <uint64_t>op.imm)
                elif opc == OP_RORIW:
                    R[op.rd] = rotr32(R[op.rs1], <uint64_t>op.imm)
                elif opc == OP_ORC_B:
                    R[op.rd] = op_orc_b(R[op.rs1])
                elif opc == OP_REV8:
                    R[op.rd] = op_rev8(R[op.rs1])
                elif opc == OP_CLMUL:
                    R[op.rd] = op_clmul(R[op.rs1], R[op.rs2])
                elif opc == OP_CLMULH:
                    R[op.rd] = op_clmulh(R[op.rs1], R[op.rs2])
                elif opc == OP_CLMULR:
                    R[op.rd] = op_clmulr(R[op.rs1], R[op.rs2])
                elif opc == OP_BCLR:
                    R[op.rd] = R[op.rs1] & ~(<uint64_t>1 << (R[op.rs2] & 63))
                elif opc == OP_BEXT:
                    R[op.rd] = (R[op.rs1] >> (R[op.rs2] & 63)) & 1
                elif opc == OP_BINV:
                    R[op.rd] = R[op.rs1] ^ (<uint64_t>1 << (R[op.rs2] & 63))
                elif opc == OP_BSET:
                    R[op.rd] = R[op.rs1] | (<uint64_t>1 << (R[op.rs2] & 63))
                elif opc == OP_BCLRI:
                    R[op.rd] = R[op.rs1] & ~(<uint64_t>1 << op.imm)
                elif opc == OP_BEXTI:
                    R[op.rd] = (R[op.rs1] >> op.imm) & 1
                elif opc == OP_BINVI:
                    R[op.rd] = R[op.rs1] ^ (<uint64_t>1 << op.imm)
                elif opc == OP_BSETI:
                    R[op.rd] = R[op.rs1] | (<uint64_t>1 << op.imm)
                elif opc == OP_LB:
                    st = load_u8(cpu, dtlb, R[op.rs1] + <uint64_t>op.imm, dmmu, &R[op.rd])
                    if unlikely(st != MEM_OK):
                        status = st
                        leave = LEAVE_STATUS
                        break
                    R[op.rd] = <uint64_t><int64_t><signed char><uint8_t>R[op.rd]
                elif opc == OP_LBU:
                    st = load_u8(cpu, dtlb, R[op.rs1] + <uint64_t>op.imm, dmmu, &R[op.rd])
                    if unlikely(st != MEM_OK):
                        status = st
                        leave = LEAVE_STATUS
                        break
                elif opc == OP_LH:
                    st = load_u16(cpu, dtlb, R[op.rs1] + <uint64_t>op.imm, dmmu, &R[op.rd])
                    if unlikely(st != MEM_OK):
                        status = st
                        leave = LEAVE_STATUS
                        break
                    R[op.rd] = <uint64_t><int64_t><short><unsigned short>R[op.rd]
                elif opc == OP_LHU:
                    st = load_u16(cpu, dtlb, R[op.rs1] + <uint64_t>op.imm, dmmu, &R[op.rd])
                    if unlikely(st != MEM_OK):
                        status = st
                        leave = LEAVE_STATUS
                        break
                elif opc == OP_LWU:
                    st = load_u32(cpu, dtlb, R[op.rs1] + <uint64_t>op.imm, dmmu, &R[op.rd])
                    if unlikely(st != MEM_OK):
                        status = st
                        leave = LEAVE_STATUS
                        break
                elif opc == OP_FLW:
                    st = load_u32(cpu, dtlb, R[op.rs1] + <uint64_t>op.imm, dmmu, &R[op.rd])
                    if unlikely(st != MEM_OK):
                        status = st
                        leave = LEAVE_STATUS
                        break
                    R[op.rd] = R[op.rd] | BOX32
                elif opc == OP_SB:
                    st = store_u8(cpu, dtlb, R[op.rs1] + <uint64_t>op.imm, dmmu, R[op.rs2])
                    if unlikely(st != MEM_OK):
                        status = st
                        leave = LEAVE_STATUS
                        break
                elif opc == OP_SH:
                    st = store_u16(cpu, dtlb, R[op.rs1] + <uint64_t>op.imm, dmmu, R[op.rs2])
                    if unlikely(st != MEM_OK):
                        status = st
                        leave = LEAVE_STATUS
                        break
                elif opc == OP_AMO_W or opc == OP_AMO_D:
                    st = exec_amo(cpu, op, dmmu)
                    if st != MEM_OK:
                        status = st
                        leave = LEAVE_STATUS
                        break
                elif opc == OP_LR_W or opc == OP_LR_D:
                    st = exec_lr(cpu, op, dtlb, dmmu)
                    if st != MEM_OK:
                        status = st
                        leave = LEAVE_STATUS
                        break
                elif opc == OP_SC_W or opc == OP_SC_D:
                    st = exec_sc(cpu, op, dmmu)
                    if st != MEM_OK:
                        status = st
                        leave = LEAVE_STATUS
                        break
                elif opc == OP_HELPER:
                    st = cpu.hooks.helper(cpu, op, tb)
                    if st != EXEC_NEXT:
                        status = st
                        leave = LEAVE_STATUS
                        break
                elif opc == OP_NOP:
                    pass
                elif opc == OP_RETRANSLATE:
                    leave = LEAVE_RETRANSLATE
                    break
                # ---- floating point ----
                elif opc == OP_FSGNJ_D:
                    R[op.rd] = fp_sgnj_d(R[op.rs1], R[op.rs2], 0)
                elif opc == OP_FSGNJN_D:
                    R[op.rd] = fp_sgnj_d(R[op.rs1], R[op.rs2], 1)
                elif opc == OP_FSGNJX_D:
                    R[op.rd] = fp_sgnj_d(R[op.rs1], R[op.rs2], 2)
                elif opc == OP_FSGNJ_S:
                    R[op.rd] = fp_sgnj_s(R[op.rs1], R[op.rs2], 0)
                elif opc == OP_FSGNJN_S:
                    R[op.rd] = fp_sgnj_s(R[op.rs1], R[op.rs2], 1)
                elif opc == OP_FSGNJX_S:
                    R[op.rd] = fp_sgnj_s(R[op.rs1], R[op.rs2], 2)
                elif opc == OP_FMV_X_D or opc == OP_FMV_D_X:
                    R[op.rd] = R[op.rs1]
                elif opc == OP_FMV_X_W:
                    R[op.rd] = sx32(R[op.rs1])
                elif opc == OP_FMV_W_X:
                    R[op.rd] = (R[op.rs1] & MASK32) | BOX32
                elif opc == OP_FMIN_D:
                    R[op.rd] = fp_minmax_d(R[op.rs1], R[op.rs2], 0, &cpu.fp)
                elif opc == OP_FMAX_D:
                    R[op.rd] = fp_minmax_d(R[op.rs1], R[op.rs2], 1, &cpu.fp)
                elif opc == OP_FMIN_S:
                    R[op.rd] = fp_minmax_s(R[op.rs1], R[op.rs2], 0, &cpu.fp)
                elif opc == OP_FMAX_S:
                    R[op.rd] = fp_minmax_s(R[op.rs1], R[op.rs2], 1, &cpu.fp)
                elif opc == OP_FEQ_D:
                    R[op.rd] = fp_cmp_d(R[op.rs1], R[op.rs2], 0, &cpu.fp)
                elif opc == OP_FLT_D:
                    R[op.rd] = fp_cmp_d(R[op.rs1], R[op.rs2], 1, &cpu.fp)
                elif opc == OP_FLE_D:
                    R[op.rd] = fp_cmp_d(R[op.rs1], R[op.rs2], 2, &cpu.fp)
                elif opc == OP_FEQ_S:
                    R[op.rd] = fp_cmp_s(R[op.rs1], R[op.rs2], 0, &cpu.fp)
                elif opc == OP_FLT_S:
                    R[op.rd] = fp_cmp_s(R[op.rs1], R[op.rs2], 1, &cpu.fp)
                elif opc == OP_FLE_S:
                    R[op.rd] = fp_cmp_s(R[op.rs1], R[op.rs2], 2, &cpu.fp)
                elif opc == OP_FCLASS_D:
                    R[op.rd] = fp_class_d(R[op.rs1])
                elif opc == OP_FCLASS_S:
                    R[op.rd] = fp_class_s(R[op.rs1])
                else:
                    # the floating-point ops with a rounding mode
                    rm = resolve_rm(cpu, op)
                    if unlikely(rm < 0):
                        cpu.hooks.raise_illegal(cpu, op)
                        status = EXEC_EXCEPTION
                        leave = LEAVE_STATUS
                        break
                    if opc == OP_FADD_D:
                        R[op.rd] = fp_add_d(R[op.rs1], R[op.rs2], rm, &cpu.fp)
                    elif opc == OP_FSUB_D:
                        R[op.rd] = fp_sub_d(R[op.rs1], R[op.rs2], rm, &cpu.fp)
                    elif opc == OP_FMUL_D:
                        R[op.rd] = fp_mul_d(R[op.rs1], R[op.rs2], rm, &cpu.fp)
                    elif opc == OP_FDIV_D:
                        R[op.rd] = fp_div_d(R[op.rs1], R[op.rs2], rm, &cpu.fp)
                    elif opc == OP_FSQRT_D:
                        R[op.rd] = fp_sqrt_d(R[op.rs1], rm, &cpu.fp)
                    elif opc == OP_FMADD_D:
                        R[op.rd] = fp_fma_d(R[op.rs1], R[op.rs2], R[op.rs3], 0, 0, rm, &cpu.fp)
                    elif opc == OP_FMSUB_D:
                        R[op.rd] = fp_fma_d(R[op.rs1], R[op.rs2], R[op.rs3], 0, 1, rm, &cpu.fp)
                    elif opc == OP_FNMSUB_D:
                        R[op.rd] = fp_fma_d(R[op.rs1], R[op.rs2], R[op.rs3], 1, 0, rm, &cpu.fp)
                    elif opc == OP_FNMADD_D:
                        R[op.rd] = fp_fma_d(R[op.rs1], R[op.rs2], R[op.rs3], 1, 1, rm, &cpu.fp)
                    elif opc == OP_FADD_S:
                        R[op.rd] = fp_add_s(R[op.rs1], R[op.rs2], rm, &cpu.fp)
                    elif opc == OP_FSUB_S:
                        R[op.rd] = fp_sub_s(R[op.rs1], R[op.rs2], rm, &cpu.fp)
                    elif opc == OP_FMUL_S:
                        R[op.rd] = fp_mul_s(R[op.rs1], R[op.rs2], rm, &cpu.fp)
                    elif opc == OP_FDIV_S:
                        R[op.rd] = fp_div_s(R[op.rs1], R[op.rs2], rm, &cpu.fp)
                    elif opc == OP_FSQRT_S:
                        R[op.rd] = fp_sqrt_s(R[op.rs1], rm, &cpu.fp)
                    elif opc == OP_FMADD_S:
                        R[op.rd] = fp_fma_s(R[op.rs1], R[op.rs2], R[op.rs3], 0, 0, rm, &cpu.fp)
                    elif opc == OP_FMSUB_S:
                        R[op.rd] = fp_fma_s(R[op.rs1], R[op.rs2], R[op.rs3], 0, 1, rm, &cpu.fp)
                    elif opc == OP_FNMSUB_S:
                        R[op.rd] = fp_fma_s(R[op.rs1], R[op.rs2], R[op.rs3], 1, 0, rm, &cpu.fp)
                    elif opc == OP_FNMADD_S:
                        R[op.rd] = fp_fma_s(R[op.rs1], R[op.rs2], R[op.rs3], 1, 1, rm, &cpu.fp)
                    elif opc == OP_FCVT_W_D:
                        R[op.rd] = fp_cvt_int_d(R[op.rs1], 32, 1, rm, &cpu.fp)
                    elif opc == OP_FCVT_WU_D:
                        R[op.rd] = fp_cvt_int_d(R[op.rs1], 32, 0, rm, &cpu.fp)
                    elif opc == OP_FCVT_L_D:
                        R[op.rd] = fp_cvt_int_d(R[op.rs1], 64, 1, rm, &cpu.fp)
                    elif opc == OP_FCVT_LU_D:
                        R[op.rd] = fp_cvt_int_d(R[op.rs1], 64, 0, rm, &cpu.fp)
                    elif opc == OP_FCVT_D_W:
                        R[op.rd] = fp_cvt_d_int(R[op.rs1], 32, 1, rm, &cpu.fp)
                    elif opc == OP_FCVT_D_WU:
                        R[op.rd] = fp_cvt_d_int(R[op.rs1], 32, 0, rm, &cpu.fp)
                    elif opc == OP_FCVT_D_L:
                        R[op.rd] = fp_cvt_d_int(R[op.rs1], 64, 1, rm, &cpu.fp)
                    elif opc == OP_FCVT_D_LU:
                        R[op.rd] = fp_cvt_d_int(R[op.rs1], 64, 0, rm, &cpu.fp)
                    elif opc == OP_FCVT_W_S:
                        R[op.rd] = fp_cvt_int_s(R[op.rs1], 32, 1, rm, &cpu.fp)
                    elif opc == OP_FCVT_WU_S:
                        R[op.rd] = fp_cvt_int_s(R[op.rs1], 32, 0, rm, &cpu.fp)
                    elif opc == OP_FCVT_L_S:
                        R[op.rd] = fp_cvt_int_s(R[op.rs1], 64, 1, rm, &cpu.fp)
                    elif opc == OP_FCVT_LU_S:
                        R[op.rd] = fp_cvt_int_s(R[op.rs1], 64, 0, rm, &cpu.fp)
                    elif opc == OP_FCVT_S_W:
                        R[op.rd] = fp_cvt_s_int(R[op.rs1], 32, 1, rm, &cpu.fp)
                    elif opc == OP_FCVT_S_WU:
                        R[op.rd] = fp_cvt_s_int(R[op.rs1], 32, 0, rm, &cpu.fp)
                    elif opc == OP_FCVT_S_L:
                        R[op.rd] = fp_cvt_s_int(R[op.rs1], 64, 1, rm, &cpu.fp)
                    elif opc == OP_FCVT_S_LU:
                        R[op.rd] = fp_cvt_s_int(R[op.rs1], 64, 0, rm, &cpu.fp)
                    elif opc == OP_FCVT_S_D:
                        R[op.rd] = fp_cvt_s_d(R[op.rs1], rm, &cpu.fp)
                    elif opc == OP_FCVT_D_S:
                        R[op.rd] = fp_cvt_d_s(R[op.rs1], &cpu.fp)
                op += 1

            # ---- leaving the block ----
            if leave <= LEAVE_EXIT1:
                # cpu.pc is only needed once the chain is left (exceptions
                # and jumps compute theirs from the block).
                cpu.instret += tb.icount
                nxt = tb.jmp_dest[leave]
                if nxt != NULL and cpu.instret < cpu.instret_limit:
                    tb = nxt
                    continue
                cpu.pc = tb.exit_pc[leave]
                last_tb = tb
                last_exit = leave
                last_gen = cpu.tbs.generation
                break
            if leave == LEAVE_RETRANSLATE:
                cpu.pc = tb.pc
                break
            if leave == LEAVE_INDIRECT:
                cpu.instret += tb.icount
                if cpu.instret >= cpu.instret_limit:
                    break
                h = jmp_cache_index(cpu.pc)
                nxt = cpu.jmp_cache[h]
                if (nxt != NULL and nxt.pc == cpu.pc and nxt.flags == tb.flags
                        and not nxt.invalid):
                    tb = nxt
                    continue
                break
            # LEAVE_STATUS: a memory status or a helper's EXEC_* code
            if status == MEM_FAULT or status == EXEC_EXCEPTION:
                cpu.pc = tb.pc + op.pc_off
                cpu.instret += op.insn_idx
                cpu.hooks.do_exception(cpu)
                cpu.exceptions += 1
                if cpu.exceptions >= cpu.exception_limit:
                    return STOP_BUDGET
                break
            if status == EXEC_JUMP:
                cpu.instret += op.insn_idx + 1u
                break
            cpu.pc = tb.pc + op.pc_off + op.len
            cpu.instret += op.insn_idx + 1u
            if status == EXEC_HALT:
                cpu.halted = 1
                return STOP_HALT
            if status == MEM_EXIT or status == EXEC_STOP:
                return STOP_REQUEST
            # EXEC_END_TB: continue at the next instruction
            break


cdef int cpu_run_for(CPUState *cpu, uint64_t budget) noexcept nogil:
    """Run up to `budget` instructions (a CPU's turn): slices of execution
    between which the machine polls its timers and the target takes pending
    interrupts. Returns STOP_BUDGET when the budget is used, STOP_HALT when
    the CPU waits for an interrupt, STOP_REQUEST when someone asked the
    loop to stop (EXIT_REQUEST_SHUTDOWN, consumed here)."""
    cdef uint64_t end = cpu.instret + budget
    # Exceptions count against the budget too: a guest trapping at every
    # instruction (a bad trap vector) retires none.
    cpu.exception_limit = cpu.exceptions + budget
    while True:
        if cpu.exit_request == EXIT_REQUEST_SHUTDOWN:
            cpu.exit_request = EXIT_REQUEST_NONE
            return STOP_REQUEST
        cas_int(&cpu.exit_request, EXIT_REQUEST_YIELD, EXIT_REQUEST_NONE)
        if cpu.instret >= end or cpu.exceptions >= cpu.exception_limit:
            return STOP_BUDGET
        # The machine may lower the limit to its next timer deadline.
        cpu.instret_limit = end
        if cpu.exit_request != EXIT_REQUEST_NONE:
            cpu.instret_limit = 0
        if cpu.hooks.poll != NULL:
            cpu.hooks.poll(cpu)
        # Wakes a halted CPU when an interrupt is pending, and takes it
        # when it is enabled.
        cpu.hooks.check_interrupt(cpu)
        if cpu.halted:
            return STOP_HALT
        cpu_exec(cpu)
