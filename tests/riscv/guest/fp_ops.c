/* F and D: every arithmetic, fused, conversion, comparison, sign and
   classification instruction over IEEE-754 corner values, in every static
   rounding mode and with the dynamic mode set to each; each line hashes
   the result bits and the accrued flags of each operation. */
#include "guest.h"

static const uint64_t D[] = {
    0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
    0x3ff8000000000000, 0xc004000000000000, 0x3fb999999999999a, 0x4008000000000000,
    0x7fefffffffffffff, 0xffefffffffffffff, 0x0010000000000000, 0x000fffffffffffff,
    0x0000000000000001, 0x8000000000000001, 0x7ff0000000000000, 0xfff0000000000000,
    0x7ff8000000000000, 0xfff8000000000000, 0x7ff4000000000000, 0x7ff800000000abcd,
    0x3ff0000000000001, 0x3ff8000000000001, 0x4340000000000001, 0x3fd5555555555555,
    0x400921fb54442d18, 0x7fe0000000000000, 0x0020000000000000, 0x3ca0000000000000,
    0x81c16d3e9e0f2d5b, 0x419d6f3454000000, 0x43e0000000000000, 0xc3e0000000000000,
    0x43f0000000000000, 0x41e0000000000000, 0xc1e0000000200000, 0x41efffffffff0000,
    0x3fe0000000000000, 0xbfe8000000000000, 0x4330000000000003, 0x0018000000000000,
};
#define ND (sizeof(D) / sizeof(D[0]))

static const uint32_t F[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0xc0200000, 0x3dcccccd,
    0x40400000, 0x7f7fffff, 0xff7fffff, 0x00800000, 0x007fffff, 0x00000001, 0x80000001,
    0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000, 0x7fc0abcd, 0x3f800001,
    0x3fc00001, 0x4b800001, 0x3eaaaaab, 0x40490fdb, 0x7f000000, 0x01000000, 0x33800000,
    0x4f000000, 0xcf000000, 0x5f800000, 0x4effffff, 0xcf000001, 0x3f000000, 0xbf400000,
    0x4b000003, 0x00c00000, 0x5f000000, 0xdf000000, 0x4f7fffff,
};
#define NF (sizeof(F) / sizeof(F[0]))

static const uint64_t I[] = {
    0, 1, 2, 3, 7, 0x7f, 0x80, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
    0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0xfffffffffffffffe,
    0xffffffff80000000, 0x123456789abcdef0, 0x0020000000000001, 0x0020000000000003,
    0x00000000ffffff01, 0x0000000001000001, 0xfedcba9876543210, 0x8000000000000401,
};
#define NI (sizeof(I) / sizeof(I[0]))

static uint64_t box(uint32_t v) { return 0xffffffff00000000ull | v; }

#define LINE(name, rm, h) printf("%-12s %-4s %016lx\n", name, rm, h)

/* two double sources -> double */
#define D2(insn, rm)                                                          \
    do {                                                                      \
        uint64_t h = FNV_INIT;                                                \
        for (unsigned i = 0; i < ND; i++)                                     \
            for (unsigned j = 0; j < ND; j++) {                               \
                uint64_t r, fl;                                               \
                __asm__ volatile("fmv.d.x ft0, %2\nfmv.d.x ft1, %3\ncsrwi fflags, 0\n" \
                                 insn " ft2, ft0, ft1" rm "\nfmv.x.d %0, ft2\nfrflags %1" \
                                 : "=r"(r), "=r"(fl) : "r"(D[i]), "r"(D[j]) : "ft0", "ft1", "ft2"); \
                h = fnv(fnv(h, r), fl);                                       \
            }                                                                 \
        LINE(insn, rm, h);                                                    \
    } while (0)

/* two single sources -> single */
#define S2(insn, rm)                                                          \
    do {                                                                      \
        uint64_t h = FNV_INIT;                                                \
        for (unsigned i = 0; i < NF; i++)                                     \
            for (unsigned j = 0; j < NF; j++) {                               \
                uint64_t r, fl;                                               \
                __asm__ volatile("fmv.w.x ft0, %2\nfmv.w.x ft1, %3\ncsrwi fflags, 0\n" \
                                 insn " ft2, ft0, ft1" rm "\nfmv.x.d %0, ft2\nfrflags %1" \
                                 : "=r"(r), "=r"(fl) : "r"((uint64_t)F[i]), "r"((uint64_t)F[j]) \
                                 : "ft0", "ft1", "ft2");                      \
                h = fnv(fnv(h, r), fl);                                       \
            }                                                                 \
        LINE(insn, rm, h);                                                    \
    } while (0)

/* two sources -> integer (comparisons) */
#define CMP(insn, mv, T, N)                                                   \
    do {                                                                      \
        uint64_t h = FNV_INIT;                                                \
        for (unsigned i = 0; i < N; i++)                                      \
            for (unsigned j = 0; j < N; j++) {                                \
                uint64_t r, fl;                                               \
                __asm__ volatile(mv " ft0, %2\n" mv " ft1, %3\ncsrwi fflags, 0\n" \
                                 insn " %0, ft0, ft1\nfrflags %1"             \
                                 : "=r"(r), "=r"(fl) : "r"((uint64_t)T[i]), "r"((uint64_t)T[j]) \
                                 : "ft0", "ft1");                             \
                h = fnv(fnv(h, r), fl);                                       \
            }                                                                 \
        LINE(insn, "", h);                                                    \
    } while (0)

/* one source, float -> float or integer; `out` moves the result */
#define UN(insn, rm, mv, out, T, N)                                           \
    do {                                                                      \
        uint64_t h = FNV_INIT;                                                \
        for (unsigned i = 0; i < N; i++) {                                    \
            uint64_t r, fl;                                                   \
            __asm__ volatile(mv " ft0, %2\ncsrwi fflags, 0\n" insn "" rm "\n" out "\nfrflags %1" \
                             : "=r"(r), "=r"(fl) : "r"((uint64_t)T[i]) : "ft0", "ft2"); \
            h = fnv(fnv(h, r), fl);                                           \
        }                                                                     \
        LINE(insn, rm, h);                                                    \
    } while (0)

/* integer -> float */
#define FROM_INT(insn, rm)                                                    \
    do {                                                                      \
        uint64_t h = FNV_INIT;                                                \
        for (unsigned i = 0; i < NI; i++) {                                   \
            uint64_t r, fl;                                                   \
            __asm__ volatile("csrwi fflags, 0\n" insn " ft2, %2" rm "\nfmv.x.d %0, ft2\nfrflags %1" \
                             : "=r"(r), "=r"(fl) : "r"(I[i]) : "ft2");        \
            h = fnv(fnv(h, r), fl);                                           \
        }                                                                     \
        LINE(insn, rm, h);                                                    \
    } while (0)

/* three sources (fused multiply-add), on a subset of the values */
#define FMA(insn, rm, mv, T)                                                  \
    do {                                                                      \
        uint64_t h = FNV_INIT;                                                \
        for (unsigned i = 0; i < 24; i++)                                     \
            for (unsigned j = 0; j < 24; j += 2)                              \
                for (unsigned k = 1; k < 24; k += 3) {                        \
                    uint64_t r, fl;                                           \
                    __asm__ volatile(mv " ft0, %2\n" mv " ft1, %3\n" mv " ft3, %4\ncsrwi fflags, 0\n" \
                                     insn " ft2, ft0, ft1, ft3" rm "\nfmv.x.d %0, ft2\nfrflags %1" \
                                     : "=r"(r), "=r"(fl)                      \
                                     : "r"((uint64_t)T[i]), "r"((uint64_t)T[j]), "r"((uint64_t)T[k]) \
                                     : "ft0", "ft1", "ft2", "ft3");           \
                    h = fnv(fnv(h, r), fl);                                   \
                }                                                             \
        LINE(insn, rm, h);                                                    \
    } while (0)

#define ALL_RM(M, ...)                                                        \
    M(__VA_ARGS__, ", rne"); M(__VA_ARGS__, ", rtz"); M(__VA_ARGS__, ", rdn"); \
    M(__VA_ARGS__, ", rup"); M(__VA_ARGS__, ", rmm"); M(__VA_ARGS__, "")

#define D2R(insn, rm) D2(insn, rm)
#define S2R(insn, rm) S2(insn, rm)
#define FMAD(insn, rm) FMA(insn, rm, "fmv.d.x", D)
#define FMAS(insn, rm) FMA(insn, rm, "fmv.w.x", F)
#define FROMI(insn, rm) FROM_INT(insn, rm)
#define SQRTD(insn, rm) UN(insn " ft2, ft0", rm, "fmv.d.x", "fmv.x.d %0, ft2", D, ND)
#define SQRTS(insn, rm) UN(insn " ft2, ft0", rm, "fmv.w.x", "fmv.x.d %0, ft2", F, NF)
#define TOID(insn, rm) UN(insn " %0, ft0", rm, "fmv.d.x", "", D, ND)
#define TOIS(insn, rm) UN(insn " %0, ft0", rm, "fmv.w.x", "", F, NF)

static void run_all(void)
{
    ALL_RM(D2R, "fadd.d"); ALL_RM(D2R, "fsub.d"); ALL_RM(D2R, "fmul.d"); ALL_RM(D2R, "fdiv.d");
    ALL_RM(S2R, "fadd.s"); ALL_RM(S2R, "fsub.s"); ALL_RM(S2R, "fmul.s"); ALL_RM(S2R, "fdiv.s");
    ALL_RM(SQRTD, "fsqrt.d"); ALL_RM(SQRTS, "fsqrt.s");
    ALL_RM(FMAD, "fmadd.d"); ALL_RM(FMAD, "fmsub.d"); ALL_RM(FMAD, "fnmsub.d"); ALL_RM(FMAD, "fnmadd.d");
    ALL_RM(FMAS, "fmadd.s"); ALL_RM(FMAS, "fmsub.s"); ALL_RM(FMAS, "fnmsub.s"); ALL_RM(FMAS, "fnmadd.s");
    ALL_RM(TOID, "fcvt.w.d"); ALL_RM(TOID, "fcvt.wu.d"); ALL_RM(TOID, "fcvt.l.d"); ALL_RM(TOID, "fcvt.lu.d");
    ALL_RM(TOIS, "fcvt.w.s"); ALL_RM(TOIS, "fcvt.wu.s"); ALL_RM(TOIS, "fcvt.l.s"); ALL_RM(TOIS, "fcvt.lu.s");
    FROMI("fcvt.d.w", ""); FROMI("fcvt.d.wu", ""); ALL_RM(FROMI, "fcvt.d.l"); ALL_RM(FROMI, "fcvt.d.lu");
    ALL_RM(FROMI, "fcvt.s.w"); ALL_RM(FROMI, "fcvt.s.wu"); ALL_RM(FROMI, "fcvt.s.l"); ALL_RM(FROMI, "fcvt.s.lu");
    ALL_RM(SQRTD, "fcvt.s.d"); SQRTS("fcvt.d.s", "");
}

int main(void)
{
    D2("fmin.d", ""); D2("fmax.d", ""); D2("fsgnj.d", ""); D2("fsgnjn.d", ""); D2("fsgnjx.d", "");
    S2("fmin.s", ""); S2("fmax.s", ""); S2("fsgnj.s", ""); S2("fsgnjn.s", ""); S2("fsgnjx.s", "");
    CMP("feq.d", "fmv.d.x", D, ND); CMP("flt.d", "fmv.d.x", D, ND); CMP("fle.d", "fmv.d.x", D, ND);
    CMP("feq.s", "fmv.w.x", F, NF); CMP("flt.s", "fmv.w.x", F, NF); CMP("fle.s", "fmv.w.x", F, NF);
    UN("fclass.d %0, ft0", "", "fmv.d.x", "", D, ND);
    UN("fclass.s %0, ft0", "", "fmv.w.x", "", F, NF);
    UN("fmv.x.w %0, ft0", "", "fmv.w.x", "", F, NF);
    UN("fmv.x.d %0, ft0", "", "fmv.d.x", "", D, ND);
    /* NaN-boxing: single-precision ops on doubles that are not boxed */
    UN("fclass.s %0, ft0", "", "fmv.d.x", "", D, ND);
    UN("fadd.s ft2, ft0, ft0", "", "fmv.d.x", "fmv.x.d %0, ft2", D, ND);
    UN("fsgnjn.s ft2, ft0, ft0", "", "fmv.d.x", "fmv.x.d %0, ft2", D, ND);
    UN("fmv.x.w %0, ft0", "", "fmv.d.x", "", D, ND);
    static const char *names[] = {"rne", "rtz", "rdn", "rup", "rmm"};
    for (int frm = 0; frm < 5; frm++) {
        __asm__ volatile("fsrm %0" :: "r"(frm));
        printf("== frm %s\n", names[frm]);
        run_all();
    }
    (void)box;
    return 0;
}
