"""The 32-bit RV64 instructions the target decodes, as a declarative table.

Each line gives an instruction's name, its encoding as the six standard
fields (funct7 rs2 rs1 funct3 rd opcode; `.` marks operand bits), its
extension, how it translates (`kind`), the IR operation or helper it maps
to, and the register classes of rd, rs1, rs2, rs3 (`x` integer, `f`
floating point, `-` unused). Compressed instructions are expanded to these
encodings first (rvc.pxd).

`translate.pyx` loads the table into C arrays at import time; `disas.py`
uses it to name instructions.
"""

from __future__ import annotations

from dataclasses import dataclass

TABLE = """
# name        funct7  rs2   rs1   f3  rd    opcode   ext       kind     op                 regs
lui           ....... ..... ..... ... ..... 0110111  i         lui      MOVI               x---
auipc         ....... ..... ..... ... ..... 0010111  i         auipc    MOVI               x---
jal           ....... ..... ..... ... ..... 1101111  i         jal      JAL                x---
jalr          ....... ..... ..... 000 ..... 1100111  i         jalr     JALR               xx--
beq           ....... ..... ..... 000 ..... 1100011  i         branch   BEQ                -xx-
bne           ....... ..... ..... 001 ..... 1100011  i         branch   BNE                -xx-
blt           ....... ..... ..... 100 ..... 1100011  i         branch   BLT                -xx-
bge           ....... ..... ..... 101 ..... 1100011  i         branch   BGE                -xx-
bltu          ....... ..... ..... 110 ..... 1100011  i         branch   BLTU               -xx-
bgeu          ....... ..... ..... 111 ..... 1100011  i         branch   BGEU               -xx-
lb            ....... ..... ..... 000 ..... 0000011  i         load     LB                 xx--
lh            ....... ..... ..... 001 ..... 0000011  i         load     LH                 xx--
lw            ....... ..... ..... 010 ..... 0000011  i         load     LW                 xx--
ld            ....... ..... ..... 011 ..... 0000011  i         load     LD                 xx--
lbu           ....... ..... ..... 100 ..... 0000011  i         load     LBU                xx--
lhu           ....... ..... ..... 101 ..... 0000011  i         load     LHU                xx--
lwu           ....... ..... ..... 110 ..... 0000011  i         load     LWU                xx--
sb            ....... ..... ..... 000 ..... 0100011  i         store    SB                 -xx-
sh            ....... ..... ..... 001 ..... 0100011  i         store    SH                 -xx-
sw            ....... ..... ..... 010 ..... 0100011  i         store    SW                 -xx-
sd            ....... ..... ..... 011 ..... 0100011  i         store    SD                 -xx-
addi          ....... ..... ..... 000 ..... 0010011  i         alu_i    ADDI               xx--
slti          ....... ..... ..... 010 ..... 0010011  i         alu_i    SLTI               xx--
sltiu         ....... ..... ..... 011 ..... 0010011  i         alu_i    SLTIU              xx--
xori          ....... ..... ..... 100 ..... 0010011  i         alu_i    XORI               xx--
ori           ....... ..... ..... 110 ..... 0010011  i         alu_i    ORI                xx--
andi          ....... ..... ..... 111 ..... 0010011  i         alu_i    ANDI               xx--
slli          000000. ..... ..... 001 ..... 0010011  i         shift    SLLI               xx--
srli          000000. ..... ..... 101 ..... 0010011  i         shift    SRLI               xx--
srai          010000. ..... ..... 101 ..... 0010011  i         shift    SRAI               xx--
add           0000000 ..... ..... 000 ..... 0110011  i         alu_r    ADD                xxx-
sub           0100000 ..... ..... 000 ..... 0110011  i         alu_r    SUB                xxx-
sll           0000000 ..... ..... 001 ..... 0110011  i         alu_r    SLL                xxx-
slt           0000000 ..... ..... 010 ..... 0110011  i         alu_r    SLT                xxx-
sltu          0000000 ..... ..... 011 ..... 0110011  i         alu_r    SLTU               xxx-
xor           0000000 ..... ..... 100 ..... 0110011  i         alu_r    XOR                xxx-
srl           0000000 ..... ..... 101 ..... 0110011  i         alu_r    SRL                xxx-
sra           0100000 ..... ..... 101 ..... 0110011  i         alu_r    SRA                xxx-
or            0000000 ..... ..... 110 ..... 0110011  i         alu_r    OR                 xxx-
and           0000000 ..... ..... 111 ..... 0110011  i         alu_r    AND                xxx-
addiw         ....... ..... ..... 000 ..... 0011011  i         alu_i    ADDIW              xx--
slliw         0000000 ..... ..... 001 ..... 0011011  i         shift    SLLIW              xx--
srliw         0000000 ..... ..... 101 ..... 0011011  i         shift    SRLIW              xx--
sraiw         0100000 ..... ..... 101 ..... 0011011  i         shift    SRAIW              xx--
addw          0000000 ..... ..... 000 ..... 0111011  i         alu_r    ADDW               xxx-
subw          0100000 ..... ..... 000 ..... 0111011  i         alu_r    SUBW               xxx-
sllw          0000000 ..... ..... 001 ..... 0111011  i         alu_r    SLLW               xxx-
srlw          0000000 ..... ..... 101 ..... 0111011  i         alu_r    SRLW               xxx-
sraw          0100000 ..... ..... 101 ..... 0111011  i         alu_r    SRAW               xxx-
pause         0000000 10000 00000 000 00000 0001111  zihintpause nop    NOP                ----
fence         ....... ..... ..... 000 ..... 0001111  i         nop      NOP                ----
fence.i       ....... ..... ..... 001 ..... 0001111  zifencei  system   FENCE_I            ----
ecall         0000000 00000 00000 000 00000 1110011  i         system   ECALL              ----
ebreak        0000000 00001 00000 000 00000 1110011  i         system   EBREAK             ----
sret          0001000 00010 00000 000 00000 1110011  s         system   SRET               ----
mret          0011000 00010 00000 000 00000 1110011  i         system   MRET               ----
wfi           0001000 00101 00000 000 00000 1110011  i         system   WFI                ----
sfence.vma    0001001 ..... ..... 000 00000 1110011  s         system   SFENCE_VMA         -xx-
csrrw         ....... ..... ..... 001 ..... 1110011  zicsr     csr      CSRRW              xx--
csrrs         ....... ..... ..... 010 ..... 1110011  zicsr     csr      CSRRS              xx--
csrrc         ....... ..... ..... 011 ..... 1110011  zicsr     csr      CSRRC              xx--
csrrwi        ....... ..... ..... 101 ..... 1110011  zicsr     csr      CSRRWI             x---
csrrsi        ....... ..... ..... 110 ..... 1110011  zicsr     csr      CSRRSI             x---
csrrci        ....... ..... ..... 111 ..... 1110011  zicsr     csr      CSRRCI             x---
# M
mul           0000001 ..... ..... 000 ..... 0110011  m         alu_r    MUL                xxx-
mulh          0000001 ..... ..... 001 ..... 0110011  m         alu_r    MULH               xxx-
mulhsu        0000001 ..... ..... 010 ..... 0110011  m         alu_r    MULHSU             xxx-
mulhu         0000001 ..... ..... 011 ..... 0110011  m         alu_r    MULHU              xxx-
div           0000001 ..... ..... 100 ..... 0110011  m         alu_r    DIV                xxx-
divu          0000001 ..... ..... 101 ..... 0110011  m         alu_r    DIVU               xxx-
rem           0000001 ..... ..... 110 ..... 0110011  m         alu_r    REM                xxx-
remu          0000001 ..... ..... 111 ..... 0110011  m         alu_r    REMU               xxx-
mulw          0000001 ..... ..... 000 ..... 0111011  m         alu_r    MULW               xxx-
divw          0000001 ..... ..... 100 ..... 0111011  m         alu_r    DIVW               xxx-
divuw         0000001 ..... ..... 101 ..... 0111011  m         alu_r    DIVUW              xxx-
remw          0000001 ..... ..... 110 ..... 0111011  m         alu_r    REMW               xxx-
remuw         0000001 ..... ..... 111 ..... 0111011  m         alu_r    REMUW              xxx-
# A (aq and rl are the two low bits of funct7)
lr.w          00010.. 00000 ..... 010 ..... 0101111  a         lr       LR_W               xx--
sc.w          00011.. ..... ..... 010 ..... 0101111  a         sc       SC_W               xxx-
amoswap.w     00001.. ..... ..... 010 ..... 0101111  a         amo      AMO_W:SWAP         xxx-
amoadd.w      00000.. ..... ..... 010 ..... 0101111  a         amo      AMO_W:ADD          xxx-
amoxor.w      00100.. ..... ..... 010 ..... 0101111  a         amo      AMO_W:XOR          xxx-
amoand.w      01100.. ..... ..... 010 ..... 0101111  a         amo      AMO_W:AND          xxx-
amoor.w       01000.. ..... ..... 010 ..... 0101111  a         amo      AMO_W:OR           xxx-
amomin.w      10000.. ..... ..... 010 ..... 0101111  a         amo      AMO_W:MIN          xxx-
amomax.w      10100.. ..... ..... 010 ..... 0101111  a         amo      AMO_W:MAX          xxx-
amominu.w     11000.. ..... ..... 010 ..... 0101111  a         amo      AMO_W:MINU         xxx-
amomaxu.w     11100.. ..... ..... 010 ..... 0101111  a         amo      AMO_W:MAXU         xxx-
lr.d          00010.. 00000 ..... 011 ..... 0101111  a         lr       LR_D               xx--
sc.d          00011.. ..... ..... 011 ..... 0101111  a         sc       SC_D               xxx-
amoswap.d     00001.. ..... ..... 011 ..... 0101111  a         amo      AMO_D:SWAP         xxx-
amoadd.d      00000.. ..... ..... 011 ..... 0101111  a         amo      AMO_D:ADD          xxx-
amoxor.d      00100.. ..... ..... 011 ..... 0101111  a         amo      AMO_D:XOR          xxx-
amoand.d      01100.. ..... ..... 011 ..... 0101111  a         amo      AMO_D:AND          xxx-
amoor.d       01000.. ..... ..... 011 ..... 0101111  a         amo      AMO_D:OR           xxx-
amomin.d      10000.. ..... ..... 011 ..... 0101111  a         amo      AMO_D:MIN          xxx-
amomax.d      10100.. ..... ..... 011 ..... 0101111  a         amo      AMO_D:MAX          xxx-
amominu.d     11000.. ..... ..... 011 ..... 0101111  a         amo      AMO_D:MINU         xxx-
amomaxu.d     11100.. ..... ..... 011 ..... 0101111  a         amo      AMO_D:MAXU         xxx-
# F
flw           ....... ..... ..... 010 ..... 0000111  f         load     FLW                fx--
fsw           ....... ..... ..... 010 ..... 0100111  f         store    SW                 -xf-
fmadd.s       .....00 ..... ..... ... ..... 1000011  f         fp_rm    FMADD_S            ffff
fmsub.s       .....00 ..... ..... ... ..... 1000111  f         fp_rm    FMSUB_S            ffff
fnmsub.s      .....00 ..... ..... ... ..... 1001011  f         fp_rm    FNMSUB_S           ffff
fnmadd.s      .....00 ..... ..... ... ..... 1001111  f         fp_rm    FNMADD_S           ffff
fadd.s        0000000 ..... ..... ... ..... 1010011  f         fp_rm    FADD_S             fff-
fsub.s        0000100 ..... ..... ... ..... 1010011  f         fp_rm    FSUB_S             fff-
fmul.s        0001000 ..... ..... ... ..... 1010011  f         fp_rm    FMUL_S             fff-
fdiv.s        0001100 ..... ..... ... ..... 1010011  f         fp_rm    FDIV_S             fff-
fsqrt.s       0101100 00000 ..... ... ..... 1010011  f         fp_rm    FSQRT_S            ff--
fsgnj.s       0010000 ..... ..... 000 ..... 1010011  f         fp       FSGNJ_S            fff-
fsgnjn.s      0010000 ..... ..... 001 ..... 1010011  f         fp       FSGNJN_S           fff-
fsgnjx.s      0010000 ..... ..... 010 ..... 1010011  f         fp       FSGNJX_S           fff-
fmin.s        0010100 ..... ..... 000 ..... 1010011  f         fp       FMIN_S             fff-
fmax.s        0010100 ..... ..... 001 ..... 1010011  f         fp       FMAX_S             fff-
fcvt.w.s      1100000 00000 ..... ... ..... 1010011  f         fp_rm    FCVT_W_S           xf--
fcvt.wu.s     1100000 00001 ..... ... ..... 1010011  f         fp_rm    FCVT_WU_S          xf--
fcvt.l.s      1100000 00010 ..... ... ..... 1010011  f         fp_rm    FCVT_L_S           xf--
fcvt.lu.s     1100000 00011 ..... ... ..... 1010011  f         fp_rm    FCVT_LU_S          xf--
fmv.x.w       1110000 00000 ..... 000 ..... 1010011  f         fp       FMV_X_W            xf--
feq.s         1010000 ..... ..... 010 ..... 1010011  f         fp       FEQ_S              xff-
flt.s         1010000 ..... ..... 001 ..... 1010011  f         fp       FLT_S              xff-
fle.s         1010000 ..... ..... 000 ..... 1010011  f         fp       FLE_S              xff-
fclass.s      1110000 00000 ..... 001 ..... 1010011  f         fp       FCLASS_S           xf--
fcvt.s.w      1101000 00000 ..... ... ..... 1010011  f         fp_rm    FCVT_S_W           fx--
fcvt.s.wu     1101000 00001 ..... ... ..... 1010011  f         fp_rm    FCVT_S_WU          fx--
fcvt.s.l      1101000 00010 ..... ... ..... 1010011  f         fp_rm    FCVT_S_L           fx--
fcvt.s.lu     1101000 00011 ..... ... ..... 1010011  f         fp_rm    FCVT_S_LU          fx--
fmv.w.x       1111000 00000 ..... 000 ..... 1010011  f         fp       FMV_W_X            fx--
# D
fld           ....... ..... ..... 011 ..... 0000111  d         load     LD                 fx--
fsd           ....... ..... ..... 011 ..... 0100111  d         store    SD                 -xf-
fmadd.d       .....01 ..... ..... ... ..... 1000011  d         fp_rm    FMADD_D            ffff
fmsub.d       .....01 ..... ..... ... ..... 1000111  d         fp_rm    FMSUB_D            ffff
fnmsub.d      .....01 ..... ..... ... ..... 1001011  d         fp_rm    FNMSUB_D           ffff
fnmadd.d      .....01 ..... ..... ... ..... 1001111  d         fp_rm    FNMADD_D           ffff
fadd.d        0000001 ..... ..... ... ..... 1010011  d         fp_rm    FADD_D             fff-
fsub.d        0000101 ..... ..... ... ..... 1010011  d         fp_rm    FSUB_D             fff-
fmul.d        0001001 ..... ..... ... ..... 1010011  d         fp_rm    FMUL_D             fff-
fdiv.d        0001101 ..... ..... ... ..... 1010011  d         fp_rm    FDIV_D             fff-
fsqrt.d       0101101 00000 ..... ... ..... 1010011  d         fp_rm    FSQRT_D            ff--
fsgnj.d       0010001 ..... ..... 000 ..... 1010011  d         fp       FSGNJ_D            fff-
fsgnjn.d      0010001 ..... ..... 001 ..... 1010011  d         fp       FSGNJN_D           fff-
fsgnjx.d      0010001 ..... ..... 010 ..... 1010011  d         fp       FSGNJX_D           fff-
fmin.d        0010101 ..... ..... 000 ..... 1010011  d         fp       FMIN_D             fff-
fmax.d        0010101 ..... ..... 001 ..... 1010011  d         fp       FMAX_D             fff-
fcvt.s.d      0100000 00001 ..... ... ..... 1010011  d         fp_rm    FCVT_S_D           ff--
fcvt.d.s      0100001 00000 ..... ... ..... 1010011  d         fp_rm    FCVT_D_S           ff--
feq.d         1010001 ..... ..... 010 ..... 1010011  d         fp       FEQ_D              xff-
flt.d         1010001 ..... ..... 001 ..... 1010011  d         fp       FLT_D              xff-
fle.d         1010001 ..... ..... 000 ..... 1010011  d         fp       FLE_D              xff-
fclass.d      1110001 00000 ..... 001 ..... 1010011  d         fp       FCLASS_D           xf--
fcvt.w.d      1100001 00000 ..... ... ..... 1010011  d         fp_rm    FCVT_W_D           xf--
fcvt.wu.d     1100001 00001 ..... ... ..... 1010011  d         fp_rm    FCVT_WU_D          xf--
fcvt.l.d      1100001 00010 ..... ... ..... 1010011  d         fp_rm    FCVT_L_D           xf--
fcvt.lu.d     1100001 00011 ..... ... ..... 1010011  d         fp_rm    FCVT_LU_D          xf--
fmv.x.d       1110001 00000 ..... 000 ..... 1010011  d         fp       FMV_X_D            xf--
fcvt.d.w      1101001 00000 ..... ... ..... 1010011  d         fp_rm    FCVT_D_W           fx--
fcvt.d.wu     1101001 00001 ..... ... ..... 1010011  d         fp_rm    FCVT_D_WU          fx--
fcvt.d.l      1101001 00010 ..... ... ..... 1010011  d         fp_rm    FCVT_D_L           fx--
fcvt.d.lu     1101001 00011 ..... ... ..... 1010011  d         fp_rm    FCVT_D_LU          fx--
fmv.d.x       1111001 00000 ..... 000 ..... 1010011  d         fp       FMV_D_X            fx--
# Zba
add.uw        0000100 ..... ..... 000 ..... 0111011  zba       alu_r    ADD_UW             xxx-
sh1add        0010000 ..... ..... 010 ..... 0110011  zba       alu_r    SH1ADD             xxx-
sh2add        0010000 ..... ..... 100 ..... 0110011  zba       alu_r    SH2ADD             xxx-
sh3add        0010000 ..... ..... 110 ..... 0110011  zba       alu_r    SH3ADD             xxx-
sh1add.uw     0010000 ..... ..... 010 ..... 0111011  zba       alu_r    SH1ADD_UW          xxx-
sh2add.uw     0010000 ..... ..... 100 ..... 0111011  zba       alu_r    SH2ADD_UW          xxx-
sh3add.uw     0010000 ..... ..... 110 ..... 0111011  zba       alu_r    SH3ADD_UW          xxx-
slli.uw       000010. ..... ..... 001 ..... 0011011  zba       shift    SLLI_UW            xx--
# Zbb
andn          0100000 ..... ..... 111 ..... 0110011  zbb       alu_r    ANDN               xxx-
orn           0100000 ..... ..... 110 ..... 0110011  zbb       alu_r    ORN                xxx-
xnor          0100000 ..... ..... 100 ..... 0110011  zbb       alu_r    XNOR               xxx-
clz           0110000 00000 ..... 001 ..... 0010011  zbb       unary    CLZ                xx--
clzw          0110000 00000 ..... 001 ..... 0011011  zbb       unary    CLZW               xx--
ctz           0110000 00001 ..... 001 ..... 0010011  zbb       unary    CTZ                xx--
ctzw          0110000 00001 ..... 001 ..... 0011011  zbb       unary    CTZW               xx--
cpop          0110000 00010 ..... 001 ..... 0010011  zbb       unary    CPOP               xx--
cpopw         0110000 00010 ..... 001 ..... 0011011  zbb       unary    CPOPW              xx--
max           0000101 ..... ..... 110 ..... 0110011  zbb       alu_r    MAX                xxx-
maxu          0000101 ..... ..... 111 ..... 0110011  zbb       alu_r    MAXU               xxx-
min           0000101 ..... ..... 100 ..... 0110011  zbb       alu_r    MIN                xxx-
minu          0000101 ..... ..... 101 ..... 0110011  zbb       alu_r    MINU               xxx-
sext.b        0110000 00100 ..... 001 ..... 0010011  zbb       unary    SEXT_B             xx--
sext.h        0110000 00101 ..... 001 ..... 0010011  zbb       unary    SEXT_H             xx--
zext.h        0000100 00000 ..... 100 ..... 0111011  zbb       unary    ZEXT_H             xx--
rol           0110000 ..... ..... 001 ..... 0110011  zbb       alu_r    ROL                xxx-
rolw          0110000 ..... ..... 001 ..... 0111011  zbb       alu_r    ROLW               xxx-
ror           0110000 ..... ..... 101 ..... 0110011  zbb       alu_r    ROR                xxx-
rorw          0110000 ..... ..... 101 ..... 0111011  zbb       alu_r    RORW               xxx-
rori          011000. ..... ..... 101 ..... 0010011  zbb       shift    RORI               xx--
roriw         0110000 ..... ..... 101 ..... 0011011  zbb       shift    RORIW              xx--
orc.b         0010100 00111 ..... 101 ..... 0010011  zbb       unary    ORC_B              xx--
rev8          0110101 11000 ..... 101 ..... 0010011  zbb       unary    REV8               xx--
# Zbc
clmul         0000101 ..... ..... 001 ..... 0110011  zbc       alu_r    CLMUL              xxx-
clmulh        0000101 ..... ..... 011 ..... 0110011  zbc       alu_r    CLMULH             xxx-
clmulr        0000101 ..... ..... 010 ..... 0110011  zbc       alu_r    CLMULR             xxx-
# Zbs
bclr          0100100 ..... ..... 001 ..... 0110011  zbs       alu_r    BCLR               xxx-
bext          0100100 ..... ..... 101 ..... 0110011  zbs       alu_r    BEXT               xxx-
binv          0110100 ..... ..... 001 ..... 0110011  zbs       alu_r    BINV               xxx-
bset          0010100 ..... ..... 001 ..... 0110011  zbs       alu_r    BSET               xxx-
bclri         010010. ..... ..... 001 ..... 0010011  zbs       shift    BCLRI              xx--
bexti         010010. ..... ..... 101 ..... 0010011  zbs       shift    BEXTI              xx--
binvi         011010. ..... ..... 001 ..... 0010011  zbs       shift    BINVI              xx--
bseti         001010. ..... ..... 001 ..... 0010011  zbs       shift    BSETI              xx--
"""

# How each kind translates (translate.pyx keeps the same numbering).
KINDS = (
    "nop", "lui", "auipc", "jal", "jalr", "branch", "load", "store", "alu_i", "alu_r",
    "shift", "unary", "system", "csr", "lr", "sc", "amo", "fp", "fp_rm",
)

EXTENSIONS = (
    "i", "m", "a", "f", "d", "s", "zicsr", "zifencei", "zihintpause",
    "zba", "zbb", "zbc", "zbs",
)


@dataclass(frozen=True)
class InsnSpec:
    """One line of the table."""

    name: str
    mask: int
    match: int
    ext: str
    kind: str
    op: str          # IR op name without OP_, or helper name for system/csr
    aux: str         # AMO kind, or ""
    regs: str        # classes of rd, rs1, rs2, rs3

    @property
    def major(self) -> int:
        return self.match & 0x7F


def parse_table(text: str = TABLE) -> list[InsnSpec]:
    """The instructions of `text`, in table order (earlier lines win when
    encodings overlap, e.g. `pause` before `fence`)."""
    specs = []
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 11:
            raise ValueError(f"isa table line {lineno}: expected 11 fields, got {len(fields)}")
        name, *bitfields, ext, kind, op, regs = fields
        bits = "".join(bitfields)
        widths = [len(b) for b in bitfields]
        if widths != [7, 5, 5, 3, 5, 7]:
            raise ValueError(f"isa table line {lineno}: field widths {widths}")
        if kind not in KINDS:
            raise ValueError(f"isa table line {lineno}: unknown kind {kind!r}")
        if ext not in EXTENSIONS:
            raise ValueError(f"isa table line {lineno}: unknown extension {ext!r}")
        mask = int("".join("0" if c == "." else "1" for c in bits), 2)
        match = int("".join("1" if c == "1" else "0" for c in bits), 2)
        op, _, aux = op.partition(":")
        specs.append(InsnSpec(name, mask, match, ext, kind, op, aux, regs))
    return specs


def find(insn: int, specs: list[InsnSpec] | None = None) -> InsnSpec | None:
    """The table entry matching a 32-bit instruction, if any."""
    for spec in specs if specs is not None else parse_table():
        if insn & spec.mask == spec.match:
            return spec
    return None


# The hart as device trees describe it (riscv,isa): the single-letter
# extensions of misa in QEMU's order, then the multi-letter ones the hart
# implements, in QEMU's order (QEMU's default CPU also has "h").
SINGLE_LETTER_ORDER = "IEMAFDQCPVH"
MULTI_LETTER_EXTENSIONS = (
    "zicsr", "zifencei", "zihintpause", "zba", "zbb", "zbc", "zbs", "sstc",
)


def isa_string(misa: int, xlen: int = 64) -> str:
    """The ``riscv,isa`` string of a hart with `misa`."""
    letters = "".join(c.lower() for c in SINGLE_LETTER_ORDER if misa >> (ord(c) - ord("A")) & 1)
    return "_".join((f"rv{xlen}{letters}", *MULTI_LETTER_EXTENSIONS))
