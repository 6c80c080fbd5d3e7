/* Floating-point corner cases, one per line: canonical NaNs and NaN
   boxing, signalling NaNs and the invalid flag, signed zeros, tininess and
   underflow, overflow per rounding mode, saturating conversions, min/max
   of zeros and NaNs, fused multiply-add of infinity and zero, and the
   rounding of exact ties in every mode. */
#include "guest.h"

static uint64_t fl(void) { uint64_t f; __asm__ volatile("frflags %0\ncsrwi fflags, 0" : "=r"(f)); return f; }

#define D(x) ((uint64_t)(x))
#define CASE_D2R(label, insn, rm, a, b)                                       \
    do {                                                                      \
        uint64_t r;                                                           \
        __asm__ volatile("fmv.d.x ft0, %1\nfmv.d.x ft1, %2\n" insn " ft2, ft0, ft1" rm "\nfmv.x.d %0, ft2" \
                         : "=r"(r) : "r"(D(a)), "r"(D(b)) : "ft0", "ft1", "ft2"); \
        printf("%-40s %016lx flags %02lx\n", label, r, fl());                \
    } while (0)
#define CASE_S2(label, insn, a, b)                                            \
    do {                                                                      \
        uint64_t r;                                                           \
        __asm__ volatile("fmv.d.x ft0, %1\nfmv.d.x ft1, %2\n" insn " ft2, ft0, ft1\nfmv.x.d %0, ft2" \
                         : "=r"(r) : "r"(D(a)), "r"(D(b)) : "ft0", "ft1", "ft2"); \
        printf("%-40s %016lx flags %02lx\n", label, r, fl());                \
    } while (0)
#define CASE_XR(label, insn, rm, a)                                           \
    do {                                                                      \
        uint64_t r;                                                           \
        __asm__ volatile("fmv.d.x ft0, %1\n" insn " %0, ft0" rm : "=r"(r) : "r"(D(a)) : "ft0"); \
        printf("%-40s %016lx flags %02lx\n", label, r, fl());                \
    } while (0)
#define CASE_F1(label, insn, a)                                               \
    do {                                                                      \
        uint64_t r;                                                           \
        __asm__ volatile("fmv.d.x ft0, %1\n" insn " ft2, ft0\nfmv.x.d %0, ft2" \
                         : "=r"(r) : "r"(D(a)) : "ft0", "ft2");               \
        printf("%-40s %016lx flags %02lx\n", label, r, fl());                \
    } while (0)
#define CASE_FMA(label, insn, a, b, c)                                        \
    do {                                                                      \
        uint64_t r;                                                           \
        __asm__ volatile("fmv.d.x ft0, %1\nfmv.d.x ft1, %2\nfmv.d.x ft3, %3\n" insn " ft2, ft0, ft1, ft3\nfmv.x.d %0, ft2" \
                         : "=r"(r) : "r"(D(a)), "r"(D(b)), "r"(D(c)) : "ft0", "ft1", "ft2", "ft3"); \
        printf("%-40s %016lx flags %02lx\n", label, r, fl());                \
    } while (0)

#define CASE_D2(label, insn, a, b) CASE_D2R(label, insn, "", a, b)
#define CASE_X(label, insn, a) CASE_XR(label, insn, "", a)

#define QNAN 0x7ff8000000000000ull
#define SNAN 0x7ff4000000000000ull
#define INF 0x7ff0000000000000ull
#define ONE 0x3ff0000000000000ull
#define BOX(s) (0xffffffff00000000ull | (s))

int main(void)
{
    fl();
    /* NaNs */
    CASE_D2("qnan + 1", "fadd.d", QNAN | 0x1234, ONE);
    CASE_D2("snan + 1 (invalid, canonical)", "fadd.d", SNAN | 0x55, ONE);
    CASE_D2("inf - inf", "fsub.d", INF, INF);
    CASE_D2("0 * inf", "fmul.d", 0, INF);
    CASE_D2("0 / 0", "fdiv.d", 0, 0);
    CASE_D2("1 / 0 (divide by zero)", "fdiv.d", ONE, 0);
    CASE_D2("-1 / 0", "fdiv.d", 0xbff0000000000000ull, 0);
    CASE_F1("sqrt(-1)", "fsqrt.d", 0xbff0000000000000ull);
    CASE_F1("sqrt(-0)", "fsqrt.d", 0x8000000000000000ull);
    /* NaN boxing of singles */
    CASE_S2("fadd.s of unboxed operand", "fadd.s", 0x000000003f800000ull, BOX(0x3f800000));
    CASE_S2("fadd.s boxed", "fadd.s", BOX(0x3f800000), BOX(0x3f800000));
    CASE_S2("fsgnj.s of unboxed", "fsgnj.s", 0x1234567800000000ull, BOX(0x80000000));
    CASE_X("fmv.x.w sign-extends", "fmv.x.w", BOX(0x80000001));
    CASE_X("fclass.s of unboxed", "fclass.s", 0x3ff0000000000000ull);
    CASE_F1("fcvt.d.s of snan", "fcvt.d.s", BOX(0x7fa00000));
    CASE_F1("fcvt.s.d of snan", "fcvt.s.d", SNAN);
    CASE_F1("fcvt.s.d overflow", "fcvt.s.d", 0x47f0000000000000ull);
    CASE_F1("fcvt.s.d underflow", "fcvt.s.d", 0x3690000000000000ull);
    /* signed zeros */
    CASE_D2("-0 + 0 (rne)", "fadd.d", 0x8000000000000000ull, 0);
    CASE_D2R("-0 + 0 (rdn)", "fadd.d", ", rdn", 0x8000000000000000ull, 0);
    CASE_D2("1 - 1 (rdn)", "fsub.d", ONE, ONE);
    CASE_D2("fmin(-0, 0)", "fmin.d", 0, 0x8000000000000000ull);
    CASE_D2("fmax(-0, 0)", "fmax.d", 0x8000000000000000ull, 0);
    CASE_D2("fmin(qnan, 1)", "fmin.d", QNAN, ONE);
    CASE_D2("fmin(snan, 1) (invalid)", "fmin.d", SNAN, ONE);
    CASE_D2("fmax(qnan, qnan)", "fmax.d", QNAN, QNAN | 1);
    {
        uint64_t eq, lt;
        __asm__ volatile("fmv.d.x ft0, %2\nfeq.d %0, ft0, ft0" : "=r"(eq) : "r"(QNAN), "r"(QNAN) : "ft0");
        printf("%-40s %016lx flags %02lx\n", "feq(qnan, qnan) quiet", eq, fl());
        __asm__ volatile("fmv.d.x ft0, %1\nflt.d %0, ft0, ft0" : "=r"(lt) : "r"(QNAN) : "ft0");
        printf("%-40s %016lx flags %02lx\n", "flt(qnan, qnan) signalling", lt, fl());
    }
    /* tininess after rounding, underflow only when inexact */
    CASE_D2("min normal * 0.5 (exact subnormal)", "fmul.d", 0x0010000000000000ull, 0x3fe0000000000000ull);
    CASE_D2("min normal * (1-2^-53) rounds up", "fmul.d", 0x0010000000000000ull, 0x3fefffffffffffffull);
    CASE_D2("subnormal * 1.5 inexact", "fmul.d", 0x0000000000000003ull, 0x3ff8000000000000ull);
    CASE_D2("max * 2 overflow (rne)", "fmul.d", 0x7fefffffffffffffull, 0x4000000000000000ull);
    CASE_D2R("max * 2 overflow (rtz)", "fmul.d", ", rtz", 0x7fefffffffffffffull, 0x4000000000000000ull);
    CASE_D2R("-max * 2 overflow (rup)", "fmul.d", ", rup", 0xffefffffffffffffull, 0x4000000000000000ull);
    CASE_D2R("-max * 2 overflow (rdn)", "fmul.d", ", rdn", 0xffefffffffffffffull, 0x4000000000000000ull);
    CASE_D2R("max * 2 overflow (rmm)", "fmul.d", ", rmm", 0x7fefffffffffffffull, 0x4000000000000000ull);
    /* exact ties: 1 + 2^-53 and 1 + 3 * 2^-53 */
    static const char *rms[] = {"rne", "rtz", "rdn", "rup", "rmm"};
    for (int m = 0; m < 5; m++) {
        uint64_t r1, r2, r3;
        __asm__ volatile("fsrm %0" :: "r"(m));
        __asm__ volatile("fmv.d.x ft0, %3\nfmv.d.x ft1, %4\nfadd.d ft2, ft0, ft1\nfmv.x.d %0, ft2\n"
                         "fmv.d.x ft1, %5\nfadd.d ft2, ft0, ft1\nfmv.x.d %1, ft2\n"
                         "fneg.d ft0, ft0\nfneg.d ft1, ft1\nfadd.d ft2, ft0, ft1\nfmv.x.d %2, ft2"
                         : "=r"(r1), "=r"(r2), "=r"(r3)
                         : "r"(ONE), "r"(0x3ca0000000000000ull), "r"(0x3cb8000000000000ull)
                         : "ft0", "ft1", "ft2");
        printf("ties %s: %016lx %016lx %016lx flags %02lx\n", rms[m], r1, r2, r3, fl());
    }
    __asm__ volatile("fsrm zero");
    /* conversions to integers saturate */
    CASE_X("fcvt.w.d(nan)", "fcvt.w.d", QNAN);
    CASE_X("fcvt.w.d(-inf)", "fcvt.w.d", 0xfff0000000000000ull);
    CASE_X("fcvt.wu.d(-1)", "fcvt.wu.d", 0xbff0000000000000ull);
    CASE_XR("fcvt.wu.d(-0.5) rtz", "fcvt.wu.d", ", rtz", 0xbfe0000000000000ull);
    CASE_XR("fcvt.wu.d(-0.5) rdn", "fcvt.wu.d", ", rdn", 0xbfe0000000000000ull);
    CASE_X("fcvt.l.d(2^63)", "fcvt.l.d", 0x43e0000000000000ull);
    CASE_X("fcvt.lu.d(2^64)", "fcvt.lu.d", 0x43f0000000000000ull);
    CASE_X("fcvt.w.d(2.5) rne", "fcvt.w.d", 0x4004000000000000ull);
    CASE_XR("fcvt.w.d(2.5) rmm", "fcvt.w.d", ", rmm", 0x4004000000000000ull);
    CASE_XR("fcvt.w.d(-2.5) rmm", "fcvt.w.d", ", rmm", 0xc004000000000000ull);
    CASE_X("fcvt.wu.s(nan) sign-extended", "fcvt.wu.s", BOX(0x7fc00000));
    /* fused multiply-add */
    CASE_FMA("fma(inf, 0, qnan) invalid", "fmadd.d", INF, 0, QNAN);
    CASE_FMA("fma(0, inf, 1) invalid", "fmadd.d", 0, INF, ONE);
    CASE_FMA("fma(1, 1, -1) exact zero", "fmadd.d", ONE, ONE, 0xbff0000000000000ull);
    CASE_FMA("fma single rounding", "fmadd.d", 0x3ff0000000000001ull, 0x3ff0000000000001ull, 0xbff0000000000002ull);
    CASE_FMA("fnmadd(1, 1, 1)", "fnmadd.d", ONE, ONE, ONE);
    /* invalid rounding mode in frm */
    __asm__ volatile("csrwi frm, 5");
    expect_trap = 1;
    __asm__ volatile("fadd.d ft0, ft0, ft0");
    printf("frm=5 dynamic: cause %lx tval %lx\n", last_cause, last_tval);
    __asm__ volatile("csrwi frm, 0");
    dump_fregs("FP registers at the end");
    dump_csrs("CSRs at the end");
    return 0;
}
