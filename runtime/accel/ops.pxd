# Operation codes of the intermediate representation executed by
# exec_loop.pyx.
#
# The set is a 64-bit RISC register machine: each op reads registers
# `rs1..rs3` and/or the immediate and writes `rd` of CPUState.regs. Integer
# semantics (division by zero, shifts by the low 6 or 5 bits, 32-bit "W" forms
# sign-extended) and floating-point semantics (IEEE-754 with a canonical
# default NaN, NaN-boxed singles) follow RISC-V, the one target today.
#
# Ops marked "ends TB" are the last op of a block.

cpdef enum OpCode:
    OP_NOP = 0
    OP_MOVI               # rd = imm
    OP_HELPER             # call the target's helper hook (aux = helper number)
    OP_RETRANSLATE        # first op of an invalidated block: look the pc up again

    # control flow, all end the TB
    OP_GOTO               # continue at exit 1 (block split)
    OP_JAL                # rd = imm (link); exit 0
    OP_JALR               # t = (rs1 + imm) & ~1; rd = pc + len; jump t
    OP_BEQ                # exit 0 if taken, else exit 1
    OP_BNE
    OP_BLT
    OP_BGE
    OP_BLTU
    OP_BGEU

    # integer, register-register
    OP_ADD
    OP_SUB
    OP_SLL
    OP_SLT
    OP_SLTU
    OP_XOR
    OP_SRL
    OP_SRA
    OP_OR
    OP_AND
    OP_ADDW
    OP_SUBW
    OP_SLLW
    OP_SRLW
    OP_SRAW
    # integer, register-immediate
    OP_ADDI
    OP_SLTI
    OP_SLTIU
    OP_XORI
    OP_ORI
    OP_ANDI
    OP_SLLI
    OP_SRLI
    OP_SRAI
    OP_ADDIW
    OP_SLLIW
    OP_SRLIW
    OP_SRAIW
    # multiply and divide
    OP_MUL
    OP_MULH
    OP_MULHSU
    OP_MULHU
    OP_DIV
    OP_DIVU
    OP_REM
    OP_REMU
    OP_MULW
    OP_DIVW
    OP_DIVUW
    OP_REMW
    OP_REMUW
    # address generation (Zba)
    OP_SH1ADD
    OP_SH2ADD
    OP_SH3ADD
    OP_ADD_UW
    OP_SH1ADD_UW
    OP_SH2ADD_UW
    OP_SH3ADD_UW
    OP_SLLI_UW
    # basic bit manipulation (Zbb)
    OP_ANDN
    OP_ORN
    OP_XNOR
    OP_CLZ
    OP_CLZW
    OP_CTZ
    OP_CTZW
    OP_CPOP
    OP_CPOPW
    OP_MAX
    OP_MAXU
    OP_MIN
    OP_MINU
    OP_SEXT_B
    OP_SEXT_H
    OP_ZEXT_H
    OP_ROL
    OP_ROLW
    OP_ROR
    OP_RORW
    OP_RORI
    OP_RORIW
    OP_ORC_B
    OP_REV8
    # carry-less multiply (Zbc)
    OP_CLMUL
    OP_CLMULH
    OP_CLMULR
    # single-bit (Zbs)
    OP_BCLR
    OP_BEXT
    OP_BINV
    OP_BSET
    OP_BCLRI
    OP_BEXTI
    OP_BINVI
    OP_BSETI

    # memory: address = rs1 + imm; stores write rs2
    OP_LB
    OP_LH
    OP_LW
    OP_LD
    OP_LBU
    OP_LHU
    OP_LWU
    OP_FLW                # 32-bit load, NaN-boxed
    OP_SB
    OP_SH
    OP_SW
    OP_SD
    # atomics: address = rs1; aux = AmoKind
    OP_LR_W
    OP_LR_D
    OP_SC_W
    OP_SC_D
    OP_AMO_W
    OP_AMO_D

    # floating point; aux = rounding mode (7: dynamic)
    OP_FADD_S
    OP_FSUB_S
    OP_FMUL_S
    OP_FDIV_S
    OP_FSQRT_S
    OP_FMIN_S
    OP_FMAX_S
    OP_FMADD_S
    OP_FMSUB_S
    OP_FNMSUB_S
    OP_FNMADD_S
    OP_FSGNJ_S
    OP_FSGNJN_S
    OP_FSGNJX_S
    OP_FEQ_S
    OP_FLT_S
    OP_FLE_S
    OP_FCLASS_S
    OP_FCVT_W_S
    OP_FCVT_WU_S
    OP_FCVT_L_S
    OP_FCVT_LU_S
    OP_FCVT_S_W
    OP_FCVT_S_WU
    OP_FCVT_S_L
    OP_FCVT_S_LU
    OP_FMV_X_W
    OP_FMV_W_X
    OP_FADD_D
    OP_FSUB_D
    OP_FMUL_D
    OP_FDIV_D
    OP_FSQRT_D
    OP_FMIN_D
    OP_FMAX_D
    OP_FMADD_D
    OP_FMSUB_D
    OP_FNMSUB_D
    OP_FNMADD_D
    OP_FSGNJ_D
    OP_FSGNJN_D
    OP_FSGNJX_D
    OP_FEQ_D
    OP_FLT_D
    OP_FLE_D
    OP_FCLASS_D
    OP_FCVT_W_D
    OP_FCVT_WU_D
    OP_FCVT_L_D
    OP_FCVT_LU_D
    OP_FCVT_D_W
    OP_FCVT_D_WU
    OP_FCVT_D_L
    OP_FCVT_D_LU
    OP_FCVT_S_D
    OP_FCVT_D_S
    OP_FMV_X_D
    OP_FMV_D_X

    OP_COUNT

# Read-modify-write kinds of OP_AMO_W / OP_AMO_D.
cpdef enum AmoKind:
    AMO_SWAP = 0
    AMO_ADD
    AMO_XOR
    AMO_AND
    AMO_OR
    AMO_MIN
    AMO_MAX
    AMO_MINU
    AMO_MAXU
