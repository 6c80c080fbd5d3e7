"""A RISC-V disassembler for `-d in_asm` logs, laid out like QEMU's.

It names instructions from the decoder's table (isa.py) and prints operands
by the instruction's kind; compressed instructions show their own 16-bit
encoding and are disassembled as their 32-bit expansion.
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
ROUNDING = ("rne", "rtz", "rdn", "rup", "rmm", "", "", "dyn")
CSR_NAMES = {
    0x001: "fflags", 0x002: "frm", 0x003: "fcsr", 0x100: "sstatus", 0x104: "sie",
    0x105: "stvec", 0x106: "scounteren", 0x10A: "senvcfg", 0x140: "sscratch",
    0x141: "sepc", 0x142: "scause", 0x143: "stval", 0x144: "sip", 0x14D: "stimecmp",
    0x180: "satp", 0x300: "mstatus", 0x301: "misa", 0x302: "medeleg", 0x303: "mideleg",
    0x304: "mie", 0x305: "mtvec", 0x306: "mcounteren", 0x30A: "menvcfg",
    0x320: "mcountinhibit", 0x340: "mscratch", 0x341: "mepc", 0x342: "mcause",
    0x343: "mtval", 0x344: "mip", 0xB00: "mcycle", 0xB02: "minstret", 0xC00: "cycle",
    0xC01: "time", 0xC02: "instret", 0xF11: "mvendorid", 0xF12: "marchid",
    0xF13: "mimpid", 0xF14: "mhartid",
}
CSR_NAMES.update({0x3A0 + i: f"pmpcfg{i}" for i in range(4)})
CSR_NAMES.update({0x3B0 + i: f"pmpaddr{i}" for i in range(16)})

_SPECS = isa.parse_table()


def _sext(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _imm_i(insn: int) -> int:
    return _sext(insn >> 20, 12)


def _imm_s(insn: int) -> int:
    return _sext(((insn >> 25) << 5) | ((insn >> 7) & 0x1F), 12)


def _imm_b(insn: int) -> int:
    v = (((insn >> 31) & 1) << 12) | (((insn >> 7) & 1) << 11) | (((insn >> 25) & 0x3F) << 5)
    return _sext(v | (((insn >> 8) & 0xF) << 1), 13)


def _imm_j(insn: int) -> int:
    v = (((insn >> 31) & 1) << 20) | (((insn >> 12) & 0xFF) << 12) | (((insn >> 20) & 1) << 11)
    return _sext(v | (((insn >> 21) & 0x3FF) << 1), 21)


def _reg(n: int, cls: str) -> str:
    return FREG[n] if cls == "f" else XREG[n]


def disassemble(insn: int, pc: int, expanded: int | None = None) -> tuple[str, str]:
    """(mnemonic, operands) of one instruction; `expanded` is the 32-bit form
    of a compressed one."""
    word = insn if expanded is None else expanded
    spec = isa.find(word, _SPECS) if word else None
    if spec is None:
        return "illegal", ""
    rd, rs1, rs2, rs3 = (word >> 7) & 31, (word >> 15) & 31, (word >> 20) & 31, word >> 27
    r = spec.regs
    kind = spec.kind
    name = spec.name
    if kind in ("lui", "auipc"):
        return name, f"{XREG[rd]},{(word >> 12) & 0xFFFFF}"
    if kind == "jal":
        target = (pc + _imm_j(word)) & (2**64 - 1)
        return name, f"{XREG[rd]},{_imm_j(word)}                    # 0x{target:x}"
    if kind == "jalr":
        return name, f"{XREG[rd]},{XREG[rs1]},{_imm_i(word)}"
    if kind == "branch":
        target = (pc + _imm_b(word)) & (2**64 - 1)
        return name, f"{XREG[rs1]},{XREG[rs2]},{_imm_b(word)}                    # 0x{target:x}"
    if kind == "load":
        return name, f"{_reg(rd, r[0])},{_imm_i(word)}({XREG[rs1]})"
    if kind == "store":
        return name, f"{_reg(rs2, r[2])},{_imm_s(word)}({XREG[rs1]})"
    if kind == "alu_i":
        return name, f"{XREG[rd]},{XREG[rs1]},{_imm_i(word)}"
    if kind == "shift":
        return name, f"{XREG[rd]},{XREG[rs1]},{(word >> 20) & 0x3F}"
    if kind == "unary":
        return name, f"{XREG[rd]},{XREG[rs1]}"
    if kind in ("alu_r", "amo", "sc"):
        return name, f"{XREG[rd]},{XREG[rs1]},{XREG[rs2]}"
    if kind == "lr":
        return name, f"{XREG[rd]},{XREG[rs1]}"
    if kind == "csr":
        csr = word >> 20
        csr_name = CSR_NAMES.get(csr, f"0x{csr:x}")
        src = str(rs1) if name.endswith("i") else XREG[rs1]
        return name, f"{XREG[rd]},{csr_name},{src}"
    if kind in ("fp", "fp_rm"):
        ops = [_reg(n, c) for n, c in zip((rd, rs1, rs2, rs3), r) if c != "-"]
        if kind == "fp_rm" and (word >> 12) & 7 != 7:
            ops.append(ROUNDING[(word >> 12) & 7])
        return name, ",".join(ops)
    if kind == "system" and name == "sfence.vma":
        return name, f"{XREG[rs1]},{XREG[rs2]}"
    return name, ""


def format_tb(insns: Iterable[tuple[int, int, int]], priv: int) -> str:
    """The `-d in_asm` text of one translation block: (pc, bits, length)
    of each instruction."""
    from emulator.riscv.translate import expand_compressed

    lines = ["----------------", "IN: ", f"Priv: {priv}; Virt: 0"]
    for pc, bits, length in insns:
        expanded = expand_compressed(bits) if length == 2 else None
        name, operands = disassemble(bits, pc, expanded)
        code = f"{bits:04x}" if length == 2 else f"{bits:08x}"
        lines.append(f"0x{pc:016x}:  {code:<18}{name:<24}{operands}".rstrip())
    return "\n".join(lines) + "\n\n"
