# The RISC-V front end: decode guest instructions (the table of isa.py,
# compressed ones expanded first) into a translation block of pre-decoded
# ops. Runs without the GIL; the table is loaded into C arrays at import.

from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

from emulator.riscv.cpu_env cimport (
    HELPER_CSRRC, HELPER_CSRRCI, HELPER_CSRRS, HELPER_CSRRSI, HELPER_CSRRW, HELPER_CSRRWI,
    HELPER_EBREAK, HELPER_ECALL, HELPER_FENCE_I, HELPER_ILLEGAL, HELPER_MARK_FS_DIRTY,
    HELPER_MRET, HELPER_SFENCE_VMA, HELPER_SRET, HELPER_WFI, TBF_FS_SHIFT,
)
from emulator.riscv.rvc cimport rvc_expand
from runtime.accel.core cimport (
    CPUState, MEM_OK, Op, PAGE_MASK, REG_F0, REG_SINK, TB, TB_MAX_INSNS,
)
from runtime.accel.ops cimport OP_GOTO, OP_HELPER, OP_JAL, OP_JALR, OP_MOVI, OP_NOP
from runtime.accel.softmmu cimport probe_fetch

from emulator.riscv import isa
from runtime.accel import ops as ir_ops

# Translation kinds, numbered as isa.KINDS.
cdef enum:
    K_NOP = 0
    K_LUI
    K_AUIPC
    K_JAL
    K_JALR
    K_BRANCH
    K_LOAD
    K_STORE
    K_ALU_I
    K_ALU_R
    K_SHIFT
    K_UNARY
    K_SYSTEM
    K_CSR
    K_LR
    K_SC
    K_AMO
    K_FP
    K_FP_RM

cdef enum:
    MAX_ENTRIES = 512

ctypedef struct DecodeEntry:
    uint32_t mask
    uint32_t match
    uint16_t op          # IR op, or helper number for system/csr kinds
    uint8_t kind
    uint8_t aux          # AMO kind
    uint8_t rd_f         # 1: the register is a floating-point one
    uint8_t rs1_f
    uint8_t rs2_f
    uint8_t rs3_f
    uint8_t is_fp        # needs mstatus.FS != Off

cdef DecodeEntry entries[MAX_ENTRIES]
cdef int bucket_first[128]
cdef int bucket_count[128]

_HELPERS = {
    "ECALL": HELPER_ECALL, "EBREAK": HELPER_EBREAK, "MRET": HELPER_MRET,
    "SRET": HELPER_SRET, "WFI": HELPER_WFI, "SFENCE_VMA": HELPER_SFENCE_VMA,
    "FENCE_I": HELPER_FENCE_I, "CSRRW": HELPER_CSRRW, "CSRRS": HELPER_CSRRS,
    "CSRRC": HELPER_CSRRC, "CSRRWI": HELPER_CSRRWI, "CSRRSI": HELPER_CSRRSI,
    "CSRRCI": HELPER_CSRRCI,
}


def load_table(extensions=None):
    """Fill the decoder's C tables from isa.TABLE, keeping only the
    instructions of `extensions` (all when None)."""
    specs = [s for s in isa.parse_table()
             if extensions is None or s.ext in extensions]
    specs.sort(key=lambda s: s.major)      # stable: table order within a bucket
    if len(specs) > MAX_ENTRIES:
        raise ValueError("too many instructions for the decoder table")
    cdef int i
    for i in range(128):
        bucket_first[i] = 0
        bucket_count[i] = 0
    for i, spec in enumerate(specs):
        if spec.kind in ("system", "csr"):
            op = _HELPERS[spec.op]
        else:
            op = int(ir_ops.OpCode["OP_" + spec.op])
        entries[i].mask = spec.mask
        entries[i].match = spec.match
        entries[i].op = op
        entries[i].kind = isa.KINDS.index(spec.kind)
        entries[i].aux = int(ir_ops.AmoKind["AMO_" + spec.aux]) if spec.aux else 0
        entries[i].rd_f = spec.regs[0] == "f"
        entries[i].rs1_f = spec.regs[1] == "f"
        entries[i].rs2_f = spec.regs[2] == "f"
        entries[i].rs3_f = spec.regs[3] == "f"
        entries[i].is_fp = spec.ext in ("f", "d")
        if bucket_count[spec.major] == 0:
            bucket_first[spec.major] = i
        bucket_count[spec.major] += 1


load_table()


cdef inline const DecodeEntry *decode(uint32_t insn) noexcept nogil:
    cdef uint32_t major = insn & 0x7f
    cdef int i = bucket_first[major]
    cdef int end = i + bucket_count[major]
    while i < end:
        if insn & entries[i].mask == entries[i].match:
            return &entries[i]
        i += 1
    return NULL


cdef inline int64_t imm_i(uint32_t insn) noexcept nogil:
    return <int64_t>(<int32_t>insn >> 20)

cdef inline int64_t imm_s(uint32_t insn) noexcept nogil:
    cdef int32_t v = ((<int32_t>insn >> 25) << 5) | <int32_t>((insn >> 7) & 0x1f)
    return <int64_t>v

cdef inline int64_t imm_b(uint32_t insn) noexcept nogil:
    cdef int32_t v = (((<int32_t>insn >> 31) << 12) | (((insn >> 7) & 1) << 11)
                      | (((insn >> 25) & 0x3f) << 5) | (((insn >> 8) & 0xf) << 1))
    return <int64_t>v

cdef inline int64_t imm_j(uint32_t insn) noexcept nogil:
    cdef int32_t v = (((<int32_t>insn >> 31) << 20) | (((insn >> 12) & 0xff) << 12)
                      | (((insn >> 20) & 1) << 11) | (((insn >> 21) & 0x3ff) << 1))
    return <int64_t>v

cdef inline int64_t imm_u(uint32_t insn) noexcept nogil:
    return <int64_t><int32_t>(insn & <uint32_t>0xfffff000u)


ctypedef struct Emitter:
    TB *tb
    Op *op
    int n_ops
    int icount
    uint64_t pc
    uint32_t raw
    int len


cdef inline Op *emit(Emitter *e, uint16_t opc) noexcept nogil:
    cdef Op *o = &e.tb.ops[e.n_ops]
    e.n_ops += 1
    o.opc = opc
    o.rd = REG_SINK
    o.rs1 = 0
    o.rs2 = 0
    o.rs3 = 0
    o.aux = 0
    o.len = <uint8_t>e.len
    o.pc_off = <uint16_t>(e.pc - e.tb.pc)
    o.insn_idx = <uint16_t>e.icount
    o.insn = e.raw
    o.imm = 0
    return o


cdef inline uint8_t xreg_dest(uint32_t r) noexcept nogil:
    return REG_SINK if r == 0 else <uint8_t>r


cdef inline uint8_t reg(uint32_t r, uint8_t is_f) noexcept nogil:
    return <uint8_t>(r + REG_F0) if is_f else <uint8_t>r


cdef inline uint8_t dest(uint32_t r, uint8_t is_f) noexcept nogil:
    return <uint8_t>(r + REG_F0) if is_f else xreg_dest(r)


cdef inline void emit_helper(Emitter *e, int helper, uint32_t insn) noexcept nogil:
    cdef Op *o = emit(e, OP_HELPER)
    o.aux = <uint8_t>helper
    o.rd = xreg_dest((insn >> 7) & 0x1f)
    o.rs1 = <uint8_t>((insn >> 15) & 0x1f)
    o.rs2 = <uint8_t>((insn >> 20) & 0x1f)
    o.imm = <int64_t>((insn >> 20) & 0xfff)     # CSR number


cdef bint translate_insn(Emitter *e, uint32_t insn, uint32_t fs, bint *fs_marked) noexcept nogil:
    """Emit the ops of one instruction. Returns True when it ends the TB
    (exit pcs set)."""
    cdef const DecodeEntry *d = decode(insn)
    cdef Op *o
    cdef uint32_t rd = (insn >> 7) & 0x1f
    cdef uint32_t rs1 = (insn >> 15) & 0x1f
    cdef uint32_t rs2 = (insn >> 20) & 0x1f
    cdef uint32_t rm
    cdef uint8_t kind
    cdef TB *tb = e.tb
    if d == NULL or (d.is_fp and fs == 0):
        emit_helper(e, HELPER_ILLEGAL, insn)
        return True
    kind = d.kind
    if rd == 0 and (kind == K_ALU_R or kind == K_ALU_I or kind == K_SHIFT or kind == K_UNARY
                    or kind == K_LUI or kind == K_AUIPC):
        emit(e, OP_NOP)         # a hint: no effect, kept for disassembly
        return False
    if kind == K_ALU_R:
        o = emit(e, d.op)
        o.rd = <uint8_t>rd
        o.rs1 = <uint8_t>rs1
        o.rs2 = <uint8_t>rs2
        return False
    if kind == K_ALU_I:
        o = emit(e, d.op)
        o.rd = <uint8_t>rd
        o.rs1 = <uint8_t>rs1
        o.imm = imm_i(insn)
        return False
    if kind == K_SHIFT:
        o = emit(e, d.op)
        o.rd = <uint8_t>rd
        o.rs1 = <uint8_t>rs1
        o.imm = (insn >> 20) & 0x3f
        return False
    if kind == K_UNARY:
        o = emit(e, d.op)
        o.rd = <uint8_t>rd
        o.rs1 = <uint8_t>rs1
        return False
    if kind == K_LOAD:
        o = emit(e, d.op)
        o.rd = dest(rd, d.rd_f)
        o.rs1 = <uint8_t>rs1
        o.imm = imm_i(insn)
        if d.rd_f and fs != 3 and not fs_marked[0]:
            emit_helper(e, HELPER_MARK_FS_DIRTY, insn)
            fs_marked[0] = True
        return False
    if kind == K_STORE:
        o = emit(e, d.op)
        o.rs1 = <uint8_t>rs1
        o.rs2 = reg(rs2, d.rs2_f)
        o.imm = imm_s(insn)
        return False
    if kind == K_LUI:
        o = emit(e, OP_MOVI)
        o.rd = <uint8_t>rd
        o.imm = imm_u(insn)
        return False
    if kind == K_AUIPC:
        o = emit(e, OP_MOVI)
        o.rd = <uint8_t>rd
        o.imm = <int64_t>(e.pc + <uint64_t>imm_u(insn))
        return False
    if kind == K_BRANCH:
        o = emit(e, d.op)
        o.rs1 = <uint8_t>rs1
        o.rs2 = <uint8_t>rs2
        tb.exit_pc[0] = e.pc + <uint64_t>imm_b(insn)
        tb.exit_pc[1] = e.pc + <uint64_t>e.len
        return True
    if kind == K_JAL:
        o = emit(e, OP_JAL)
        o.rd = xreg_dest(rd)
        o.imm = <int64_t>(e.pc + <uint64_t>e.len)
        tb.exit_pc[0] = e.pc + <uint64_t>imm_j(insn)
        return True
    if kind == K_JALR:
        o = emit(e, OP_JALR)
        o.rd = xreg_dest(rd)
        o.rs1 = <uint8_t>rs1
        o.imm = imm_i(insn)
        return True
    if kind == K_NOP:
        emit(e, OP_NOP)
        return False
    if kind == K_LR or kind == K_SC or kind == K_AMO:
        o = emit(e, d.op)
        o.rd = xreg_dest(rd)
        o.rs1 = <uint8_t>rs1
        o.rs2 = <uint8_t>rs2
        o.aux = d.aux
        return False
    if kind == K_FP or kind == K_FP_RM:
        rm = (insn >> 12) & 7
        if kind == K_FP_RM and (rm == 5 or rm == 6):
            emit_helper(e, HELPER_ILLEGAL, insn)
            return True
        o = emit(e, d.op)
        o.rd = dest(rd, d.rd_f)
        o.rs1 = reg(rs1, d.rs1_f)
        o.rs2 = reg(rs2, d.rs2_f)
        o.rs3 = reg(insn >> 27, d.rs3_f)
        o.aux = <uint8_t>(rm if kind == K_FP_RM else 0)
        if d.rd_f and fs != 3 and not fs_marked[0]:
            emit_helper(e, HELPER_MARK_FS_DIRTY, insn)
            fs_marked[0] = True
        return False
    if kind == K_CSR:
        # Every CSR access ends the block, as in QEMU: writes may change any
        # state, and reads then see an exact instruction count.
        emit_helper(e, d.op, insn)
        return True
    # K_SYSTEM
    emit_helper(e, d.op, insn)
    return True


cdef int riscv_translate(CPUState *cpu, TB *tb, int max_ops) noexcept nogil:
    """The target's translate hook: fill `tb` with the ops of the guest code
    at tb.pc. Returns nonzero (exception set) when the first instruction
    cannot be fetched."""
    cdef Emitter e
    cdef uint64_t page = tb.pc & PAGE_MASK
    cdef uint64_t phys
    cdef uint64_t phys2
    cdef uint8_t *host
    cdef uint8_t *host2
    cdef uint32_t insn
    cdef uint32_t fs = (tb.flags >> TBF_FS_SHIFT) & 3
    cdef bint fs_marked = False
    cdef bint ends
    cdef uint64_t off
    e.tb = tb
    e.n_ops = 0
    e.icount = 0
    e.pc = tb.pc
    if probe_fetch(cpu, tb.pc, cpu.fetch_mmu_idx, &phys, &host) != MEM_OK:
        return 1
    host -= tb.pc & ~PAGE_MASK       # host address of the page start
    while True:
        off = e.pc & ~PAGE_MASK
        insn = host[off] | (<uint32_t>host[off + 1] << 8)
        if insn & 3 == 3:
            if off + 4 > 4096:
                # The instruction straddles two pages: give it a TB of its own.
                if e.icount > 0:
                    emit(&e, OP_GOTO)
                    tb.exit_pc[1] = e.pc
                    break
                if probe_fetch(cpu, e.pc + 2, cpu.fetch_mmu_idx, &phys2, &host2) != MEM_OK:
                    return 1
                insn |= (<uint32_t>host2[0] | (<uint32_t>host2[1] << 8)) << 16
                tb.page_addr[1] = phys2 & PAGE_MASK
            else:
                insn |= (<uint32_t>host[off + 2] | (<uint32_t>host[off + 3] << 8)) << 16
            e.len = 4
            e.raw = insn
        else:
            e.len = 2
            e.raw = insn
            insn = rvc_expand(insn)
        if insn == 0:
            emit_helper(&e, HELPER_ILLEGAL, 0)
            ends = True
        else:
            ends = translate_insn(&e, insn, fs, &fs_marked)
        e.icount += 1
        e.pc += <uint64_t>e.len
        if ends:
            break
        if (e.icount >= TB_MAX_INSNS or (e.pc & PAGE_MASK) != page
                or tb.page_addr[1] != <uint64_t>-1):
            emit(&e, OP_GOTO)
            tb.exit_pc[1] = e.pc
            break
    tb.n_ops = <uint16_t>e.n_ops
    tb.icount = <uint16_t>e.icount
    tb.size = <uint32_t>(e.pc - tb.pc)
    return 0


def expand_compressed(int insn16):
    """The 32-bit encoding of a compressed instruction (0: reserved)."""
    return rvc_expand(<uint32_t>insn16)
