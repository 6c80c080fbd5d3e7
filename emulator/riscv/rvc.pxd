# Compressed (C extension) instructions: expansion to the equivalent 32-bit
# RV64 encoding, which the table decoder then handles. Reserved encodings
# expand to 0 (illegal).

from libc.stdint cimport int32_t, uint32_t


cdef inline uint32_t bit(uint32_t v, int hi, int lo) noexcept nogil:
    return (v >> lo) & ((1u << (hi - lo + 1)) - 1)


cdef inline uint32_t enc_i(uint32_t opcode, uint32_t f3, uint32_t rd, uint32_t rs1,
                           int32_t imm) noexcept nogil:
    return ((<uint32_t>imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode


cdef inline uint32_t enc_s(uint32_t opcode, uint32_t f3, uint32_t rs1, uint32_t rs2,
                           int32_t imm) noexcept nogil:
    cdef uint32_t u = <uint32_t>imm
    return (bit(u, 11, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (bit(u, 4, 0) << 7) | opcode


cdef inline uint32_t enc_r(uint32_t opcode, uint32_t f3, uint32_t f7, uint32_t rd,
                           uint32_t rs1, uint32_t rs2) noexcept nogil:
    return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode


cdef inline uint32_t enc_b(uint32_t f3, uint32_t rs1, uint32_t rs2, int32_t imm) noexcept nogil:
    cdef uint32_t u = <uint32_t>imm
    return ((bit(u, 12, 12) << 31) | (bit(u, 10, 5) << 25) | (rs2 << 20) | (rs1 << 15)
            | (f3 << 12) | (bit(u, 4, 1) << 8) | (bit(u, 11, 11) << 7) | 0x63)


cdef inline uint32_t enc_j(uint32_t rd, int32_t imm) noexcept nogil:
    cdef uint32_t u = <uint32_t>imm
    return ((bit(u, 20, 20) << 31) | (bit(u, 10, 1) << 21) | (bit(u, 11, 11) << 20)
            | (bit(u, 19, 12) << 12) | (rd << 7) | 0x6f)


cdef inline int32_t sext(uint32_t v, int bits) noexcept nogil:
    cdef int shift = 32 - bits
    return (<int32_t>(v << shift)) >> shift


cdef inline uint32_t rvc_expand(uint32_t c) noexcept nogil:
    """The 32-bit instruction a 16-bit one stands for; 0 when reserved."""
    cdef uint32_t quadrant = c & 3
    cdef uint32_t f3 = bit(c, 15, 13)
    cdef uint32_t rd = bit(c, 11, 7)
    cdef uint32_t rs2 = bit(c, 6, 2)
    cdef uint32_t rdp = bit(c, 4, 2) + 8     # rd' / rs2'
    cdef uint32_t rs1p = bit(c, 9, 7) + 8    # rs1' / rd'
    cdef int32_t imm
    cdef uint32_t u
    if quadrant == 0:
        if f3 == 0:     # c.addi4spn
            u = (bit(c, 10, 7) << 6) | (bit(c, 12, 11) << 4) | (bit(c, 5, 5) << 3) | (bit(c, 6, 6) << 2)
            if u == 0:
                return 0
            return enc_i(0x13, 0, rdp, 2, <int32_t>u)
        if f3 == 1:     # c.fld
            u = (bit(c, 6, 5) << 6) | (bit(c, 12, 10) << 3)
            return enc_i(0x07, 3, rdp, rs1p, <int32_t>u)
        if f3 == 2:     # c.lw
            u = (bit(c, 5, 5) << 6) | (bit(c, 12, 10) << 3) | (bit(c, 6, 6) << 2)
            return enc_i(0x03, 2, rdp, rs1p, <int32_t>u)
        if f3 == 3:     # c.ld
            u = (bit(c, 6, 5) << 6) | (bit(c, 12, 10) << 3)
            return enc_i(0x03, 3, rdp, rs1p, <int32_t>u)
        if f3 == 5:     # c.fsd
            u = (bit(c, 6, 5) << 6) | (bit(c, 12, 10) << 3)
            return enc_s(0x27, 3, rs1p, rdp, <int32_t>u)
        if f3 == 6:     # c.sw
            u = (bit(c, 5, 5) << 6) | (bit(c, 12, 10) << 3) | (bit(c, 6, 6) << 2)
            return enc_s(0x23, 2, rs1p, rdp, <int32_t>u)
        if f3 == 7:     # c.sd
            u = (bit(c, 6, 5) << 6) | (bit(c, 12, 10) << 3)
            return enc_s(0x23, 3, rs1p, rdp, <int32_t>u)
        return 0
    if quadrant == 1:
        imm = sext((bit(c, 12, 12) << 5) | bit(c, 6, 2), 6)
        if f3 == 0:     # c.addi (c.nop)
            return enc_i(0x13, 0, rd, rd, imm)
        if f3 == 1:     # c.addiw
            if rd == 0:
                return 0
            return enc_i(0x1b, 0, rd, rd, imm)
        if f3 == 2:     # c.li
            return enc_i(0x13, 0, rd, 0, imm)
        if f3 == 3:
            if bit(c, 12, 12) == 0 and bit(c, 6, 2) == 0:
                return 0
            if rd == 2:     # c.addi16sp
                u = ((bit(c, 12, 12) << 9) | (bit(c, 4, 3) << 7) | (bit(c, 5, 5) << 6)
                     | (bit(c, 2, 2) << 5) | (bit(c, 6, 6) << 4))
                return enc_i(0x13, 0, 2, 2, sext(u, 10))
            # c.lui
            return ((<uint32_t>imm & 0xfffff) << 12) | (rd << 7) | 0x37
        if f3 == 4:
            u = bit(c, 11, 10)
            if u == 0:      # c.srli
                return enc_i(0x13, 5, rs1p, rs1p, <int32_t>((bit(c, 12, 12) << 5) | bit(c, 6, 2)))
            if u == 1:      # c.srai
                return enc_i(0x13, 5, rs1p, rs1p,
                             <int32_t>(0x400 | (bit(c, 12, 12) << 5) | bit(c, 6, 2)))
            if u == 2:      # c.andi
                return enc_i(0x13, 7, rs1p, rs1p, imm)
            u = (bit(c, 12, 12) << 2) | bit(c, 6, 5)
            if u == 0:
                return enc_r(0x33, 0, 0x20, rs1p, rs1p, rdp)     # c.sub
            if u == 1:
                return enc_r(0x33, 4, 0, rs1p, rs1p, rdp)        # c.xor
            if u == 2:
                return enc_r(0x33, 6, 0, rs1p, rs1p, rdp)        # c.or
            if u == 3:
                return enc_r(0x33, 7, 0, rs1p, rs1p, rdp)        # c.and
            if u == 4:
                return enc_r(0x3b, 0, 0x20, rs1p, rs1p, rdp)     # c.subw
            if u == 5:
                return enc_r(0x3b, 0, 0, rs1p, rs1p, rdp)        # c.addw
            return 0
        if f3 == 5:     # c.j
            u = ((bit(c, 12, 12) << 11) | (bit(c, 8, 8) << 10) | (bit(c, 10, 9) << 8)
                 | (bit(c, 6, 6) << 7) | (bit(c, 7, 7) << 6) | (bit(c, 2, 2) << 5)
                 | (bit(c, 11, 11) << 4) | (bit(c, 5, 3) << 1))
            return enc_j(0, sext(u, 12))
        # c.beqz / c.bnez
        u = ((bit(c, 12, 12) << 8) | (bit(c, 6, 5) << 6) | (bit(c, 2, 2) << 5)
             | (bit(c, 11, 10) << 3) | (bit(c, 4, 3) << 1))
        return enc_b(0 if f3 == 6 else 1, rs1p, 0, sext(u, 9))
    if quadrant == 2:
        if f3 == 0:     # c.slli
            return enc_i(0x13, 1, rd, rd, <int32_t>((bit(c, 12, 12) << 5) | bit(c, 6, 2)))
        if f3 == 1:     # c.fldsp
            u = (bit(c, 4, 2) << 6) | (bit(c, 12, 12) << 5) | (bit(c, 6, 5) << 3)
            return enc_i(0x07, 3, rd, 2, <int32_t>u)
        if f3 == 2:     # c.lwsp
            if rd == 0:
                return 0
            u = (bit(c, 3, 2) << 6) | (bit(c, 12, 12) << 5) | (bit(c, 6, 4) << 2)
            return enc_i(0x03, 2, rd, 2, <int32_t>u)
        if f3 == 3:     # c.ldsp
            if rd == 0:
                return 0
            u = (bit(c, 4, 2) << 6) | (bit(c, 12, 12) << 5) | (bit(c, 6, 5) << 3)
            return enc_i(0x03, 3, rd, 2, <int32_t>u)
        if f3 == 4:
            if bit(c, 12, 12) == 0:
                if rs2 == 0:
                    if rd == 0:
                        return 0
                    return enc_i(0x67, 0, 0, rd, 0)          # c.jr
                return enc_i(0x13, 0, rd, rs2, 0)            # c.mv
            if rs2 == 0:
                if rd == 0:
                    return 0x00100073                         # c.ebreak
                return enc_i(0x67, 0, 1, rd, 0)              # c.jalr
            return enc_r(0x33, 0, 0, rd, rd, rs2)            # c.add
        if f3 == 5:     # c.fsdsp
            u = (bit(c, 9, 7) << 6) | (bit(c, 12, 10) << 3)
            return enc_s(0x27, 3, 2, rs2, <int32_t>u)
        if f3 == 6:     # c.swsp
            u = (bit(c, 8, 7) << 6) | (bit(c, 12, 9) << 2)
            return enc_s(0x23, 2, 2, rs2, <int32_t>u)
        # c.sdsp
        u = (bit(c, 9, 7) << 6) | (bit(c, 12, 10) << 3)
        return enc_s(0x23, 3, 2, rs2, <int32_t>u)
    return 0
