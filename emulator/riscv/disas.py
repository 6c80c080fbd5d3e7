"""A RISC-V disassembler for `-d in_asm` logs, laid out as QEMU lays out
its own: the mnemonic in a 24-column field, then the operands, then for
pc-relative targets `# 0x<address>` at column 48; the usual
pseudo-instructions (mv, li-free nop, j, jr, ret, beqz, bleu, not, neg,
sext.w, fmv.d, frflags...) replace the instructions they stand for.

Instructions are named from the decoder's table (isa.py); compressed ones
are shown with their own 16-bit encoding and disassembled as their 32-bit
expansion.
"""

from __future__ import annotations

from collections.abc import Iterable

from emulator.riscv import isa

XREG = (
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3",
    "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
    "t3", "t4", "t5", "t6",
)
FREG = (
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1",
    "fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
    "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
)
ROUNDING = ("rne", "rtz", "rdn", "rup", "rmm", "inv", "inv", "dyn")
CSR_NAMES = {
    0x001: "fflags", 0x002: "frm", 0x003: "fcsr", 0x100: "sstatus", 0x104: "sie",
    0x105: "stvec", 0x106: "scounteren", 0x10A: "senvcfg", 0x140: "sscratch",
    0x141: "sepc", 0x142: "scause", 0x143: "stval", 0x144: "sip", 0x180: "satp",
    0x300: "mstatus", 0x301: "misa", 0x302: "medeleg", 0x303: "mideleg", 0x304: "mie",
    0x305: "mtvec", 0x306: "mcounteren", 0x30A: "menvcfg", 0x320: "mucounteren",
    0x340: "mscratch", 0x341: "mepc", 0x342: "mcause", 0x343: "mtval", 0x344: "mip",
    0x7A0: "tselect", 0x7A1: "tdata1", 0x7A2: "tdata2", 0x7A3: "tdata3",
    0x7B0: "dcsr", 0x7B1: "dpc", 0x7B2: "dscratch", 0xB00: "mcycle", 0xB02: "minstret",
    0xC00: "cycle", 0xC01: "time", 0xC02: "instret", 0xF11: "mvendorid",
    0xF12: "marchid", 0xF13: "mimpid", 0xF14: "mhartid",
}
CSR_NAMES.update({0x3A0 + i: f"pmpcfg{i}" for i in range(4)})
CSR_NAMES.update({0x3B0 + i: f"pmpaddr{i}" for i in range(16)})
CSR_NAMES.update({0xB00 + i: f"mhpmcounter{i}" for i in range(3, 32)})
CSR_NAMES.update({0xC00 + i: f"hpmcounter{i}" for i in range(3, 32)})
CSR_NAMES.update({0x320 + i: f"mhpmevent{i}" for i in range(3, 32)})

# Where QEMU's names differ from the table's.
RENAME = {"fmv.x.w": "fmv.x.s", "fmv.w.x": "fmv.s.x"}
TAB = 24
# Stands for a pc-relative offset in operand layouts: printed in decimal,
# followed by the target address in a comment column.
OFFSET = "\x00"
_SPECS = isa.parse_table()


def _sext(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _imm_i(w: int) -> int:
    return _sext(w >> 20, 12)


def _imm_s(w: int) -> int:
    return _sext(((w >> 25) << 5) | ((w >> 7) & 0x1F), 12)


def _imm_b(w: int) -> int:
    v = (((w >> 31) & 1) << 12) | (((w >> 7) & 1) << 11) | (((w >> 25) & 0x3F) << 5)
    return _sext(v | (((w >> 8) & 0xF) << 1), 13)


def _imm_j(w: int) -> int:
    v = (((w >> 31) & 1) << 20) | (((w >> 12) & 0xFF) << 12) | (((w >> 20) & 1) << 11)
    return _sext(v | (((w >> 21) & 0x3FF) << 1), 21)


def _fence_set(bits: int) -> str:
    return "".join(c for c, b in zip("iorw", (8, 4, 2, 1), strict=True) if bits & b)


def _pseudo(name: str, rd: int, rs1: int, rs2: int, imm: int, csr: int) -> tuple[str, str] | None:
    """The pseudo-instruction standing for an instruction, with its operand
    layout, as QEMU's disassembler picks them."""
    x = XREG
    if name == "jal":
        if rd == 0:
            return "j", OFFSET
        if rd == 1:
            return "jal", f"ra,{OFFSET}"
    if name == "jalr":
        if rd == 0 and rs1 == 1 and imm == 0:
            return "ret", ""
        if rd == 0 and imm == 0:
            return "jr", f"{x[rs1]}"
        if rd == 1 and imm == 0:
            return "jalr", f"{x[rs1]}"
    if name in ("beq", "bne") and rs2 == 0:
        return name + "z", f"{x[rs1]},{OFFSET}"
    if name == "blt":
        if rs2 == 0:
            return "bltz", f"{x[rs1]},{OFFSET}"
        if rs1 == 0:
            return "bgtz", f"{x[rs2]},{OFFSET}"
        return "bgt", f"{x[rs2]},{x[rs1]},{OFFSET}"
    if name == "bge":
        if rs1 == 0:
            return "blez", f"{x[rs2]},{OFFSET}"
        if rs2 == 0:
            return "bgez", f"{x[rs1]},{OFFSET}"
        return "ble", f"{x[rs2]},{x[rs1]},{OFFSET}"
    if name == "bltu":
        return "bgtu", f"{x[rs2]},{x[rs1]},{OFFSET}"
    if name == "bgeu":
        return "bleu", f"{x[rs2]},{x[rs1]},{OFFSET}"
    if name == "addi":
        if rd == 0 and rs1 == 0 and imm == 0:
            return "nop", ""
        if imm == 0:
            return "mv", f"{x[rd]},{x[rs1]}"
    if name == "sltiu" and imm == 1:
        return "seqz", f"{x[rd]},{x[rs1]}"
    if name == "xori" and imm == -1:
        return "not", f"{x[rd]},{x[rs1]}"
    if name in ("sub", "subw") and rs1 == 0:
        return "neg" if name == "sub" else "negw", f"{x[rd]},{x[rs2]}"
    if name == "slt":
        if rs2 == 0:
            return "sltz", f"{x[rd]},{x[rs1]}"
        if rs1 == 0:
            return "sgtz", f"{x[rd]},{x[rs2]}"
    if name == "sltu" and rs1 == 0:
        return "snez", f"{x[rd]},{x[rs2]}"
    if name == "addiw" and imm == 0:
        return "sext.w", f"{x[rd]},{x[rs1]}"
    if name.startswith("fsgnj") and rs1 == rs2:
        f = FREG
        kind = {"fsgnj": "fmv", "fsgnjn": "fneg", "fsgnjx": "fabs"}[name.split(".")[0]]
        return f"{kind}.{name[-1]}", f"{f[rd]},{f[rs1]}"
    if name == "csrrs" and rs1 == 0:
        reads = {0xC00: "rdcycle", 0xC01: "rdtime", 0xC02: "rdinstret", 0xC80: "rdcycleh",
                 0xC81: "rdtimeh", 0xC82: "rdinstreth", 0x003: "frcsr", 0x002: "frrm",
                 0x001: "frflags"}
        if csr in reads:
            return reads[csr], f"{x[rd]}"
    if name == "csrrw":
        writes = {0x003: "fscsr", 0x002: "fsrm", 0x001: "fsflags"}
        if csr in writes:
            return writes[csr], f"{x[rd]},{x[rs1]}"
    if name == "csrrwi":
        writes = {0x002: "fsrmi", 0x001: "fsflagsi"}
        if csr in writes:
            return writes[csr], f"{x[rd]},{rs1}"
    return None


def disassemble(insn: int, pc: int, expanded: int | None = None) -> str:
    """One instruction as QEMU prints it after the address and encoding."""
    w = insn if expanded is None else expanded
    spec = isa.find(w, _SPECS) if w else None
    if spec is None:
        return "illegal".ljust(TAB)
    rd, rs1, rs2, rs3 = (w >> 7) & 31, (w >> 15) & 31, (w >> 20) & 31, w >> 27
    kind, r = spec.kind, spec.regs
    name = RENAME.get(spec.name, spec.name)
    csr = w >> 20
    upper = _sext(w & 0xFFFFF000, 32)
    imm = {"branch": _imm_b(w), "jal": _imm_j(w), "store": _imm_s(w), "lui": upper,
           "auipc": upper}.get(kind, _imm_i(w))
    pseudo = _pseudo(name, rd, rs1, rs2, imm, csr)
    if pseudo is not None:
        name, ops = pseudo
    elif kind == "lui":
        ops = f"{XREG[rd]},{imm}"
    elif kind in ("auipc", "jal"):
        ops = f"{XREG[rd]},{OFFSET}"
    elif kind == "jalr":
        ops = f"{XREG[rd]},{XREG[rs1]},{imm}"
    elif kind == "branch":
        ops = f"{XREG[rs1]},{XREG[rs2]},{OFFSET}"
    elif kind == "load":
        ops = f"{(FREG if r[0] == 'f' else XREG)[rd]},{imm}({XREG[rs1]})"
    elif kind == "store":
        ops = f"{(FREG if r[2] == 'f' else XREG)[rs2]},{imm}({XREG[rs1]})"
    elif kind == "alu_i":
        ops = f"{XREG[rd]},{XREG[rs1]},{imm}"
    elif kind == "shift":
        shamt = (w >> 20) & 0x3F
        ops = f"{XREG[rd]},{XREG[rs1]},{XREG[rs2] if name == 'slli.uw' else shamt}"
    elif kind in ("unary",):
        ops = f"{XREG[rd]},{XREG[rs1]}"
    elif kind == "alu_r":
        ops = f"{XREG[rd]},{XREG[rs1]},{XREG[rs2]}"
    elif kind in ("amo", "sc", "lr"):
        name += (".aq" if (w >> 26) & 1 else "") + (".rl" if (w >> 25) & 1 else "")
        src = "" if kind == "lr" else f"{XREG[rs2]},"
        ops = f"{XREG[rd]},{src}({XREG[rs1]})"
    elif kind == "csr":
        src = str(rs1) if name.endswith("i") else XREG[rs1]
        ops = f"{XREG[rd]},{CSR_NAMES.get(csr, f'0x{csr:03x}')},{src}"
    elif kind in ("fp", "fp_rm"):
        regs = [(FREG if c == "f" else XREG)[n]
                for n, c in zip((rd, rs1, rs2, rs3), r, strict=True) if c != "-"]
        if kind == "fp_rm":
            regs.insert(0, ROUNDING[(w >> 12) & 7])
        ops = ",".join(regs)
    elif name == "fence":
        ops = f"{_fence_set((w >> 24) & 15)},{_fence_set((w >> 20) & 15)}"
    elif name == "sfence.vma":
        ops = f"{XREG[rs1]},{XREG[rs2]}"
    else:
        ops = ""
    text = name.ljust(TAB)
    if ops.endswith(OFFSET):
        text += ops[:-1] + str(imm)
        target = (pc + imm) & (2**64 - 1)
        text = text.ljust(2 * TAB) + f"# 0x{target:x}"
    else:
        text += ops
    return text


def format_tb(insns: Iterable[tuple[int, int, int]], priv: int, symbol: str = "") -> str:
    """The `-d in_asm` text of one translation block, given (pc, encoding,
    length) of each instruction and the function it is in."""
    from emulator.riscv.translate import expand_compressed

    lines = ["----------------", f"IN: {symbol}", f"Priv: {priv}; Virt: 0"]
    for pc, bits, length in insns:
        expanded = expand_compressed(bits) if length == 2 else None
        code = f"{bits:04x}" if length == 2 else f"{bits:08x}"
        lines.append(f"0x{pc:016x}:  {code:<18}{disassemble(bits, pc, expanded)}")
    return "\n".join(lines) + "\n\n"
