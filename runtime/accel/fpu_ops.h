/*
 * IEEE-754 binary32/binary64 operations of the intermediate representation,
 * with RISC-V conventions: rounding mode numbers (0 RNE, 1 RTZ, 2 RDN,
 * 3 RUP, 4 RMM), accrued flag bits (NX 1, UF 2, OF 4, DZ 8, NV 16), a
 * canonical default NaN, and singles NaN-boxed in 64-bit registers.
 *
 * Arithmetic in the four IEEE rounding modes runs on the host's SSE unit:
 * MXCSR is loaded with the mode and clear flags, the op runs, and the raised
 * flags are read back. Round-to-nearest-ties-to-max-magnitude, which the
 * host lacks, is done by computing a "round to odd" intermediate in a wider
 * format (double for singles, x87 extended for doubles) and rounding that in
 * software (fp_round_pack); conversions between integers and floats are
 * done in software in every mode.
 */
#ifndef CYQEMU_FPU_OPS_H
#define CYQEMU_FPU_OPS_H

#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "host_fp.h"

#define FF_NX 1u
#define FF_UF 2u
#define FF_OF 4u
#define FF_DZ 8u
#define FF_NV 16u

#define RM_RNE 0
#define RM_RTZ 1
#define RM_RDN 2
#define RM_RUP 3
#define RM_RMM 4

#define F32_CANON 0x7fc00000u
#define F64_CANON 0x7ff8000000000000ull
#define F32_BOX 0xffffffff00000000ull

/* Keep a value in a register across an asm barrier, so the compiler cannot
 * move the computation of it across MXCSR accesses. */
#define FP_PIN(v) __asm__ __volatile__("" : "+x"(v))

/* ---- bit-level helpers ------------------------------------------------ */

static inline float f32_of(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static inline uint32_t bits_f32(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }
static inline double f64_of(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
static inline uint64_t bits_f64(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }

static inline uint32_t fp_unbox_s(uint64_t r)
{
    return (r >> 32) == 0xffffffffu ? (uint32_t)r : F32_CANON;
}

static inline uint64_t fp_box_s(uint32_t v) { return F32_BOX | v; }

static inline int f32_is_nan(uint32_t b) { return (b & 0x7fffffffu) > 0x7f800000u; }
static inline int f32_is_snan(uint32_t b) { return f32_is_nan(b) && !(b & 0x00400000u); }
static inline int f64_is_nan(uint64_t b) { return (b & 0x7fffffffffffffffull) > 0x7ff0000000000000ull; }
static inline int f64_is_snan(uint64_t b) { return f64_is_nan(b) && !(b & 0x0008000000000000ull); }

static inline uint32_t f32_canon(uint32_t b) { return f32_is_nan(b) ? F32_CANON : b; }
static inline uint64_t f64_canon(uint64_t b) { return f64_is_nan(b) ? F64_CANON : b; }

/* ---- host SSE environment --------------------------------------------- */

#ifdef HOST_FP_MXCSR
static const uint32_t fp_mxcsr_rc[5] = {
    0x1f80 | (0u << 13),   /* RNE */
    0x1f80 | (3u << 13),   /* RTZ */
    0x1f80 | (1u << 13),   /* RDN */
    0x1f80 | (2u << 13),   /* RUP */
    0x1f80 | (0u << 13),   /* RMM: not used for hardware ops */
};

static inline void fp_begin(int rm) { host_fp_set_csr(fp_mxcsr_rc[rm]); }

static inline uint32_t fp_end(void)
{
    uint32_t c = host_fp_get_csr();
    uint32_t f = 0;
    if (c & 0x01) f |= FF_NV;
    if (c & 0x04) f |= FF_DZ;
    if (c & 0x08) f |= FF_OF;
    if (c & 0x10) f |= FF_UF;
    if (c & 0x20) f |= FF_NX;
    return f;
}
#else
static const int fp_fenv_rc[5] = { FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD,
                                   FE_TONEAREST };
static inline void fp_begin(int rm)
{
    fesetround(fp_fenv_rc[rm]);
    feclearexcept(FE_ALL_EXCEPT);
}

static inline uint32_t fp_end(void)
{
    uint32_t f = 0;
    if (fetestexcept(FE_INVALID)) f |= FF_NV;
    if (fetestexcept(FE_DIVBYZERO)) f |= FF_DZ;
    if (fetestexcept(FE_OVERFLOW)) f |= FF_OF;
    if (fetestexcept(FE_UNDERFLOW)) f |= FF_UF;
    if (fetestexcept(FE_INEXACT)) f |= FF_NX;
    return f;
}
#endif

/*
 * The guest's FP state as the execution loop keeps it. Host flags are not
 * read after every op: they accumulate in the host FPU and are folded into
 * `fflags` by fp_sync(), which must run before the guest reads its flags,
 * before the host rounding mode changes and before control leaves the loop
 * (or enters Python, which resets the host FPU).
 */
typedef struct FpState {
    uint32_t frm;       /* the guest's dynamic rounding mode */
    uint32_t fflags;    /* accrued flags, RISC-V bit order */
    int32_t host_rm;    /* rounding mode loaded in the host FPU; -1: unknown */
} FpState;

static inline void fp_sync(FpState *s)
{
#ifdef HOST_FP_MXCSR
    uint32_t c = host_fp_get_csr();
    if (c & 0x3d) {
        s->fflags |= fp_end();
        host_fp_set_csr(c & ~0x3fu);
    }
#else
    s->fflags |= fp_end();
    feclearexcept(FE_ALL_EXCEPT);
#endif
}

/* Load rounding mode `rm` (0..3) into the host FPU unless it is there. */
static inline void fp_use_rm(FpState *s, int rm)
{
    if (rm != s->host_rm) {
        if (s->host_rm >= 0) {
            fp_sync(s);
        }
        fp_begin(rm);
        s->host_rm = rm;
    }
}

/* Start of a run of the loop: default host state, nothing accrued there. */
static inline void fp_enter(FpState *s)
{
    host_fp_reset();
    s->host_rm = RM_RNE;
}

/* Leaving the loop (or calling out to Python): fold and reset the host. */
static inline void fp_leave(FpState *s)
{
    if (s->host_rm >= 0) {
        fp_sync(s);
    }
    host_fp_reset();
    s->host_rm = -1;
}

/* ---- software rounding ------------------------------------------------ */

/*
 * Round the value (-1)^sign * sig * 2^(exp - 63) to a format with `mbits`
 * fraction bits and `ebits` exponent bits. `sig` has bit 63 set; `sticky`
 * says that nonzero bits follow below it. Tininess is detected after
 * rounding, as RISC-V requires.
 */
static uint64_t fp_round_pack(int sign, int32_t exp, uint64_t sig, int sticky,
                              int mbits, int ebits, int rm, uint32_t *ff)
{
    const int32_t bias = (1 << (ebits - 1)) - 1;
    const int32_t emin = 1 - bias;
    const int p = mbits + 1;
    int32_t d = exp < emin ? emin - exp : 0;
    int rshift = 64 - p + d;
    uint64_t q, rem, half;
    int above, at_half, inexact, up, tiny = 0;

    if (rshift >= 64) {
        q = 0;
        if (rshift == 64) {
            rem = sig;
            half = 1ull << 63;
            above = rem > half || (rem == half && sticky);
            at_half = rem == half && !sticky;
        } else {
            above = 0;
            at_half = 0;
        }
        inexact = sig != 0 || sticky;
    } else {
        q = sig >> rshift;
        rem = sig & ((1ull << rshift) - 1);
        half = 1ull << (rshift - 1);
        above = rem > half || (rem == half && sticky);
        at_half = rem == half && !sticky;
        inexact = rem != 0 || sticky;
    }

    switch (rm) {
    case RM_RNE: up = above || (at_half && (q & 1)); break;
    case RM_RMM: up = above || at_half; break;
    case RM_RDN: up = inexact && sign; break;
    case RM_RUP: up = inexact && !sign; break;
    default: up = 0; break;
    }

    if (d > 0) {
        /* Tiny after rounding unless rounding to full precision with an
         * unbounded exponent carries the value up to the smallest normal. */
        tiny = 1;
        if (d == 1) {
            int s0 = 64 - p;
            uint64_t q0 = sig >> s0;
            uint64_t r0 = sig & ((1ull << s0) - 1);
            uint64_t h0 = 1ull << (s0 - 1);
            int ab0 = r0 > h0 || (r0 == h0 && sticky);
            int ah0 = r0 == h0 && !sticky;
            int in0 = r0 != 0 || sticky;
            int up0;
            switch (rm) {
            case RM_RNE: up0 = ab0 || (ah0 && (q0 & 1)); break;
            case RM_RMM: up0 = ab0 || ah0; break;
            case RM_RDN: up0 = in0 && sign; break;
            case RM_RUP: up0 = in0 && !sign; break;
            default: up0 = 0; break;
            }
            if (up0 && q0 + 1 == (1ull << p)) {
                tiny = 0;
            }
        }
    }

    q += up;
    if (inexact) {
        *ff |= FF_NX;
        if (tiny) {
            *ff |= FF_UF;
        }
    }

    uint64_t sbit = (uint64_t)sign << (ebits + mbits);
    if (d > 0) {
        /* Subnormal, or the smallest normal after a carry: the carry lands
         * in the exponent field by itself. */
        return sbit | q;
    }
    if (q >> p) {
        q >>= 1;
        exp++;
    }
    if (exp > bias) {
        uint64_t inf = ((1ull << ebits) - 1) << mbits;
        uint64_t maxf = inf - 1;
        *ff |= FF_OF | FF_NX;
        switch (rm) {
        case RM_RTZ: return sbit | maxf;
        case RM_RDN: return sbit | (sign ? inf : maxf);
        case RM_RUP: return sbit | (sign ? maxf : inf);
        default: return sbit | inf;
        }
    }
    return sbit | ((uint64_t)(exp + bias) << mbits) | (q & ((1ull << mbits) - 1));
}

/* A finite nonzero double as sign, exponent and normalised significand. */
static inline void fp_unpack_f64(uint64_t b, int *sign, int32_t *exp, uint64_t *sig)
{
    int32_t e = (int32_t)((b >> 52) & 0x7ff);
    uint64_t m = b & 0x000fffffffffffffull;
    *sign = (int)(b >> 63);
    if (e == 0) {
        int lz = __builtin_clzll(m);
        *sig = m << lz;
        *exp = -1022 + (11 - lz);
    } else {
        *sig = (m | 0x0010000000000000ull) << 11;
        *exp = e - 1023;
    }
}

/* Integer magnitude to float bits, any rounding mode. */
static inline uint64_t fp_from_u64(uint64_t mag, int sign, int mbits, int ebits, int rm,
                                   uint32_t *ff)
{
    if (mag == 0) {
        return 0;
    }
    int lz = __builtin_clzll(mag);
    return fp_round_pack(sign, 63 - lz, mag << lz, 0, mbits, ebits, rm, ff);
}

/*
 * Round a finite double to an integer magnitude. Returns 0 when |x| is at
 * least 2^64 (too big for any target); otherwise 1, with the rounded
 * magnitude and whether rounding was inexact.
 */
static inline int fp_round_to_u64(uint64_t b, int rm, uint64_t *mag, int *inexact)
{
    int sign = (int)(b >> 63);
    int32_t e = (int32_t)((b >> 52) & 0x7ff);
    uint64_t m = b & 0x000fffffffffffffull;
    *inexact = 0;
    if (e == 0 && m == 0) {
        *mag = 0;
        return 1;
    }
    if (e >= 1023 + 64) {
        return 0;
    }
    uint64_t sig = e ? (m | 0x0010000000000000ull) : m;
    int32_t shift = (e ? e : 1) - 1075;
    if (shift >= 0) {
        *mag = sig << shift;
        return 1;
    }
    shift = -shift;
    uint64_t q, rem, half;
    int above, at_half;
    if (shift > 63) {
        q = 0;
        above = 0;
        at_half = 0;
        *inexact = 1;
    } else {
        q = sig >> shift;
        rem = sig & ((1ull << shift) - 1);
        half = 1ull << (shift - 1);
        above = rem > half;
        at_half = rem == half;
        *inexact = rem != 0;
    }
    int up;
    switch (rm) {
    case RM_RNE: up = above || (at_half && (q & 1)); break;
    case RM_RMM: up = above || at_half; break;
    case RM_RDN: up = *inexact && sign; break;
    case RM_RUP: up = *inexact && !sign; break;
    default: up = 0; break;
    }
    *mag = q + up;
    return 1;
}

/*
 * Float (as double bits, exact) to a 32- or 64-bit integer, signed or not,
 * saturating with the invalid flag as RISC-V specifies.
 */
static inline uint64_t fp_to_int(uint64_t b, int is_nan, int bits, int is_signed, int rm,
                                 uint32_t *ff)
{
    int sign = (int)(b >> 63);
    uint64_t maxpos = is_signed ? ((1ull << (bits - 1)) - 1)
                                : (bits == 64 ? ~0ull : ((1ull << bits) - 1));
    uint64_t maxneg = is_signed ? (1ull << (bits - 1)) : 0;   /* magnitude */
    uint64_t satpos = maxpos;
    uint64_t satneg = is_signed ? (uint64_t)(-(int64_t)(1ull << (bits - 1)) ) : 0;
    uint64_t mag;
    int inexact;
    if (is_nan) {
        *ff |= FF_NV;
        return satpos;
    }
    if (!fp_round_to_u64(b, rm, &mag, &inexact)) {
        *ff |= FF_NV;
        return sign ? satneg : satpos;
    }
    if (sign) {
        if (mag > maxneg) {
            *ff |= FF_NV;
            return satneg;
        }
        if (inexact) *ff |= FF_NX;
        return (uint64_t)(-(int64_t)mag);
    }
    if (mag > maxpos) {
        *ff |= FF_NV;
        return satpos;
    }
    if (inexact) *ff |= FF_NX;
    return mag;
}

/* Sign-extend a 32-bit result into a 64-bit register. */
static inline uint64_t sext32(uint64_t v) { return (uint64_t)(int64_t)(int32_t)(uint32_t)v; }

/* ---- round to nearest, ties to max magnitude ---------------------------- */

/* Finish a single-precision op computed exactly enough in double with
 * truncation: `d` is the truncated result, `inexact` the host's flag. */
static uint32_t fp_rmm_finish_s(double d, int inexact, uint32_t *ff)
{
    uint64_t b = bits_f64(d);
    if (f64_is_nan(b)) {
        return F32_CANON;
    }
    if ((b & 0x7fffffffffffffffull) == 0x7ff0000000000000ull) {
        return ((uint32_t)(b >> 32) & 0x80000000u) | 0x7f800000u;
    }
    if ((b & 0x7fffffffffffffffull) == 0) {
        return (uint32_t)(b >> 32);
    }
    int sign;
    int32_t exp;
    uint64_t sig;
    fp_unpack_f64(b, &sign, &exp, &sig);
    return (uint32_t)fp_round_pack(sign, exp, sig, inexact, 23, 8, RM_RMM, ff);
}

typedef union {
    long double ld;
    struct { uint64_t mant; uint16_t sexp; } p;
} fp_x87;

/* Finish a double-precision op computed in x87 extended with truncation. */
static uint64_t fp_rmm_finish_d(long double x, int inexact, uint32_t *ff)
{
    fp_x87 u;
    u.ld = x;
    int sign = (u.p.sexp >> 15) & 1;
    int32_t e = u.p.sexp & 0x7fff;
    if (e == 0x7fff) {
        if (u.p.mant << 1) {
            return F64_CANON;
        }
        return ((uint64_t)sign << 63) | 0x7ff0000000000000ull;
    }
    if (u.p.mant == 0) {
        return (uint64_t)sign << 63;
    }
    uint64_t sig = u.p.mant;
    int32_t exp = e - 16383;
    if (!(sig >> 63)) {
        int lz = __builtin_clzll(sig);
        sig <<= lz;
        exp -= lz;
    }
    return fp_round_pack(sign, exp, sig, inexact, 52, 11, RM_RMM, ff);
}

/* The wider intermediate quietens signalling NaNs: `snan` says whether an
 * operand was one. */
#define FP_RMM_S(expr, snan)                                             \
    do {                                                                 \
        uint32_t f_;                                                     \
        if (snan) *ff |= FF_NV;                                          \
        fp_leave(s);                                                     \
        fp_begin(RM_RTZ);                                                \
        FP_PIN(x); FP_PIN(y); FP_PIN(z);                                 \
        double r_ = (expr);                                              \
        FP_PIN(r_);                                                      \
        f_ = fp_end();                                                   \
        fp_leave(s);                                                     \
        *ff |= f_ & (FF_NV | FF_DZ);                                     \
        return fp_box_s(fp_rmm_finish_s(r_, (f_ & FF_NX) != 0, ff));     \
    } while (0)

static inline long double fp_x87_run(int op, double a, double b, double c, int *inexact,
                                     uint32_t *ff)
{
    volatile long double va = a, vb = b, vc = c, r;
    fesetround(FE_TOWARDZERO);
    feclearexcept(FE_ALL_EXCEPT);
    switch (op) {
    case 0: r = va + vb; break;
    case 1: r = va - vb; break;
    case 2: r = va * vb; break;
    case 3: r = va / vb; break;
    case 4: r = sqrtl(va); break;
    default: r = fmal(va, vb, vc); break;
    }
    *inexact = fetestexcept(FE_INEXACT) != 0;
    if (fetestexcept(FE_INVALID)) *ff |= FF_NV;
    if (fetestexcept(FE_DIVBYZERO)) *ff |= FF_DZ;
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
    return r;
}

static uint64_t fp_rmm_d(int op, uint64_t a, uint64_t b, uint64_t c, FpState *s)
{
    uint32_t *ff = &s->fflags;
    int inexact;
    fp_leave(s);
    if (f64_is_snan(a) || (op != 4 && f64_is_snan(b)) || (op == 5 && f64_is_snan(c))) {
        *ff |= FF_NV;
    }
    long double r = fp_x87_run(op, f64_of(a), f64_of(b), f64_of(c), &inexact, ff);
    fp_leave(s);
    return fp_rmm_finish_d(r, inexact, ff);
}

/* ---- binary32 ------------------------------------------------------------ */

#define FP_S_BINOP(name, OP)                                                   \
static inline uint64_t name(uint64_t ra, uint64_t rb, int rm, FpState *s)   \
{                                                                              \
    uint32_t *ff = &s->fflags;                                                 \
    float a = f32_of(fp_unbox_s(ra)), b = f32_of(fp_unbox_s(rb)), r;           \
    if (rm == RM_RMM) {                                                        \
        double x = a, y = b, z = 0;                                            \
        FP_RMM_S(x OP y, f32_is_snan(bits_f32(a)) || f32_is_snan(bits_f32(b))); \
    }                                                                          \
    fp_use_rm(s, rm);                                                          \
    FP_PIN(a); FP_PIN(b);                                                      \
    r = a OP b;                                                                \
    FP_PIN(r);                                                                 \
    return fp_box_s(f32_canon(bits_f32(r)));                                   \
}

FP_S_BINOP(fp_add_s, +)
FP_S_BINOP(fp_sub_s, -)
FP_S_BINOP(fp_mul_s, *)
FP_S_BINOP(fp_div_s, /)

static inline uint64_t fp_sqrt_s(uint64_t ra, int rm, FpState *s)
{
    uint32_t *ff = &s->fflags;
    float a = f32_of(fp_unbox_s(ra)), r;
    if (rm == RM_RMM) {
        double x = a, y = 0, z = 0;
        FP_RMM_S(sqrt(x), f32_is_snan(bits_f32(a)));
    }
    fp_use_rm(s, rm);
    FP_PIN(a);
    r = sqrtf(a);
    FP_PIN(r);
    return fp_box_s(f32_canon(bits_f32(r)));
}

/* neg_prod negates a*b, neg_add negates c: fmadd, fmsub, fnmsub, fnmadd. */
static inline uint64_t fp_fma_s(uint64_t ra, uint64_t rb, uint64_t rc, int neg_prod,
                                int neg_add, int rm, FpState *s)
{
    uint32_t *ff = &s->fflags;
    uint32_t ua = fp_unbox_s(ra), ub = fp_unbox_s(rb), uc = fp_unbox_s(rc);
    if (((ua & 0x7fffffffu) == 0x7f800000u && (ub & 0x7fffffffu) == 0) ||
        ((ub & 0x7fffffffu) == 0x7f800000u && (ua & 0x7fffffffu) == 0)) {
        *ff |= FF_NV;   /* infinity times zero, whatever the addend */
        return fp_box_s(F32_CANON);
    }
    if (neg_prod) ua ^= 0x80000000u;
    if (neg_add) uc ^= 0x80000000u;
    float a = f32_of(ua), b = f32_of(ub), c = f32_of(uc), r;
    if (rm == RM_RMM) {
        double x = a, y = b, z = c;
        FP_RMM_S(fma(x, y, z), f32_is_snan(ua) || f32_is_snan(ub) || f32_is_snan(uc));
    }
    fp_use_rm(s, rm);
    FP_PIN(a); FP_PIN(b); FP_PIN(c);
    r = fmaf(a, b, c);
    FP_PIN(r);
    return fp_box_s(f32_canon(bits_f32(r)));
}

/* minimumNumber / maximumNumber (the F extension since version 2.2). */
static inline uint64_t fp_minmax_s(uint64_t ra, uint64_t rb, int is_max, FpState *s)
{
    uint32_t *ff = &s->fflags;
    uint32_t a = fp_unbox_s(ra), b = fp_unbox_s(rb);
    int an = f32_is_nan(a), bn = f32_is_nan(b);
    if (f32_is_snan(a) || f32_is_snan(b)) *ff |= FF_NV;
    if (an && bn) return fp_box_s(F32_CANON);
    if (an) return fp_box_s(b);
    if (bn) return fp_box_s(a);
    int a_lt_b;
    if ((a | b) << 1 == 0) {
        a_lt_b = (a >> 31) && !(b >> 31);   /* -0 < +0 */
    } else {
        a_lt_b = f32_of(a) < f32_of(b);
    }
    if (is_max) return fp_box_s(a_lt_b ? b : a);
    return fp_box_s(a_lt_b ? a : b);
}

static inline int32_t f32_order_key(uint32_t b)
{
    return (b >> 31) ? -(int32_t)(b & 0x7fffffffu) : (int32_t)b;
}

/* kind: 0 feq (quiet), 1 flt, 2 fle (signalling) */
static inline uint64_t fp_cmp_s(uint64_t ra, uint64_t rb, int kind, FpState *s)
{
    uint32_t *ff = &s->fflags;
    uint32_t a = fp_unbox_s(ra), b = fp_unbox_s(rb);
    if (f32_is_nan(a) || f32_is_nan(b)) {
        if (kind != 0 || f32_is_snan(a) || f32_is_snan(b)) *ff |= FF_NV;
        return 0;
    }
    int32_t ka = f32_order_key(a), kb = f32_order_key(b);
    if (kind == 0) return ka == kb;
    if (kind == 1) return ka < kb;
    return ka <= kb;
}

static inline uint64_t fp_class_bits(int sign, int is_inf, int is_zero, int is_sub,
                                     int is_nan, int is_snan)
{
    if (is_nan) return is_snan ? 1u << 8 : 1u << 9;
    if (is_inf) return sign ? 1u << 0 : 1u << 7;
    if (is_zero) return sign ? 1u << 3 : 1u << 4;
    if (is_sub) return sign ? 1u << 2 : 1u << 5;
    return sign ? 1u << 1 : 1u << 6;
}

static inline uint64_t fp_class_s(uint64_t ra)
{
    uint32_t a = fp_unbox_s(ra);
    uint32_t e = (a >> 23) & 0xff, m = a & 0x7fffffu;
    return fp_class_bits(a >> 31, e == 0xff && m == 0, e == 0 && m == 0, e == 0 && m != 0,
                         f32_is_nan(a), f32_is_snan(a));
}

static inline uint64_t fp_sgnj_s(uint64_t ra, uint64_t rb, int kind)
{
    uint32_t a = fp_unbox_s(ra), b = fp_unbox_s(rb);
    uint32_t s;
    if (kind == 0) s = b & 0x80000000u;
    else if (kind == 1) s = ~b & 0x80000000u;
    else s = (a ^ b) & 0x80000000u;
    return fp_box_s((a & 0x7fffffffu) | s);
}

static inline uint64_t fp_cvt_int_s(uint64_t ra, int bits, int is_signed, int rm, FpState *s)
{
    uint32_t *ff = &s->fflags;
    uint32_t a = fp_unbox_s(ra);
    uint64_t r = fp_to_int(bits_f64((double)f32_of(a)), f32_is_nan(a), bits, is_signed, rm, ff);
    return bits == 32 ? sext32(r) : r;
}

static inline uint64_t fp_cvt_s_int(uint64_t x, int bits, int is_signed, int rm, FpState *s)
{
    uint32_t *ff = &s->fflags;
    int sign = 0;
    uint64_t mag;
    if (bits == 32) {
        x = is_signed ? (uint64_t)(int64_t)(int32_t)x : (uint32_t)x;
    }
    if (is_signed && (int64_t)x < 0) {
        sign = 1;
        mag = -x;
    } else {
        mag = x;
    }
    return fp_box_s((uint32_t)fp_from_u64(mag, sign, 23, 8, rm, ff));
}

/* ---- binary64 ------------------------------------------------------------ */

#define FP_D_BINOP(name, OP, RMMOP)                                            \
static inline uint64_t name(uint64_t ra, uint64_t rb, int rm, FpState *s)   \
{                                                                              \
    if (rm == RM_RMM) return f64_canon(fp_rmm_d(RMMOP, ra, rb, 0, s));        \
    double a = f64_of(ra), b = f64_of(rb), r;                                  \
    fp_use_rm(s, rm);                                                          \
    FP_PIN(a); FP_PIN(b);                                                      \
    r = a OP b;                                                                \
    FP_PIN(r);                                                                 \
    return f64_canon(bits_f64(r));                                             \
}

FP_D_BINOP(fp_add_d, +, 0)
FP_D_BINOP(fp_sub_d, -, 1)
FP_D_BINOP(fp_mul_d, *, 2)
FP_D_BINOP(fp_div_d, /, 3)

static inline uint64_t fp_sqrt_d(uint64_t ra, int rm, FpState *s)
{
    if (rm == RM_RMM) return f64_canon(fp_rmm_d(4, ra, 0, 0, s));
    double a = f64_of(ra), r;
    fp_use_rm(s, rm);
    FP_PIN(a);
    r = sqrt(a);
    FP_PIN(r);
    return f64_canon(bits_f64(r));
}

static inline uint64_t fp_fma_d(uint64_t ua, uint64_t ub, uint64_t uc, int neg_prod,
                                int neg_add, int rm, FpState *s)
{
    uint32_t *ff = &s->fflags;
    const uint64_t absmask = 0x7fffffffffffffffull, inf = 0x7ff0000000000000ull;
    if (((ua & absmask) == inf && (ub & absmask) == 0) ||
        ((ub & absmask) == inf && (ua & absmask) == 0)) {
        *ff |= FF_NV;
        return F64_CANON;
    }
    if (neg_prod) ua ^= 1ull << 63;
    if (neg_add) uc ^= 1ull << 63;
    if (rm == RM_RMM) return f64_canon(fp_rmm_d(5, ua, ub, uc, s));
    double a = f64_of(ua), b = f64_of(ub), c = f64_of(uc), r;
    fp_use_rm(s, rm);
    FP_PIN(a); FP_PIN(b); FP_PIN(c);
    r = fma(a, b, c);
    FP_PIN(r);
    return f64_canon(bits_f64(r));
}

static inline uint64_t fp_minmax_d(uint64_t a, uint64_t b, int is_max, FpState *s)
{
    uint32_t *ff = &s->fflags;
    int an = f64_is_nan(a), bn = f64_is_nan(b);
    if (f64_is_snan(a) || f64_is_snan(b)) *ff |= FF_NV;
    if (an && bn) return F64_CANON;
    if (an) return b;
    if (bn) return a;
    int a_lt_b;
    if ((a | b) << 1 == 0) {
        a_lt_b = (a >> 63) && !(b >> 63);
    } else {
        a_lt_b = f64_of(a) < f64_of(b);
    }
    if (is_max) return a_lt_b ? b : a;
    return a_lt_b ? a : b;
}

static inline int64_t f64_order_key(uint64_t b)
{
    return (b >> 63) ? -(int64_t)(b & 0x7fffffffffffffffull) : (int64_t)b;
}

static inline uint64_t fp_cmp_d(uint64_t a, uint64_t b, int kind, FpState *s)
{
    uint32_t *ff = &s->fflags;
    if (f64_is_nan(a) || f64_is_nan(b)) {
        if (kind != 0 || f64_is_snan(a) || f64_is_snan(b)) *ff |= FF_NV;
        return 0;
    }
    int64_t ka = f64_order_key(a), kb = f64_order_key(b);
    if (kind == 0) return ka == kb;
    if (kind == 1) return ka < kb;
    return ka <= kb;
}

static inline uint64_t fp_class_d(uint64_t a)
{
    uint64_t e = (a >> 52) & 0x7ff, m = a & 0x000fffffffffffffull;
    return fp_class_bits((int)(a >> 63), e == 0x7ff && m == 0, e == 0 && m == 0,
                         e == 0 && m != 0, f64_is_nan(a), f64_is_snan(a));
}

static inline uint64_t fp_sgnj_d(uint64_t a, uint64_t b, int kind)
{
    const uint64_t sb = 1ull << 63;
    uint64_t s;
    if (kind == 0) s = b & sb;
    else if (kind == 1) s = ~b & sb;
    else s = (a ^ b) & sb;
    return (a & ~sb) | s;
}

static inline uint64_t fp_cvt_int_d(uint64_t a, int bits, int is_signed, int rm, FpState *s)
{
    uint32_t *ff = &s->fflags;
    uint64_t r = fp_to_int(a, f64_is_nan(a), bits, is_signed, rm, ff);
    return bits == 32 ? sext32(r) : r;
}

static inline uint64_t fp_cvt_d_int(uint64_t x, int bits, int is_signed, int rm, FpState *s)
{
    uint32_t *ff = &s->fflags;
    int sign = 0;
    uint64_t mag;
    if (bits == 32) {
        x = is_signed ? (uint64_t)(int64_t)(int32_t)x : (uint32_t)x;
    }
    if (is_signed && (int64_t)x < 0) {
        sign = 1;
        mag = -x;
    } else {
        mag = x;
    }
    return fp_from_u64(mag, sign, 52, 11, rm, ff);
}

/* ---- conversions between the formats ------------------------------------- */

static inline uint64_t fp_cvt_s_d(uint64_t a, int rm, FpState *s)
{
    uint32_t *ff = &s->fflags;
    if (f64_is_nan(a)) {
        if (f64_is_snan(a)) *ff |= FF_NV;
        return fp_box_s(F32_CANON);
    }
    uint64_t mag = a & 0x7fffffffffffffffull;
    if (mag == 0 || mag == 0x7ff0000000000000ull) {
        uint32_t sign_bit = (uint32_t)(a >> 32) & 0x80000000u;
        return fp_box_s(sign_bit | (mag ? 0x7f800000u : 0));
    }
    int sign;
    int32_t exp;
    uint64_t sig;
    fp_unpack_f64(a, &sign, &exp, &sig);
    return fp_box_s((uint32_t)fp_round_pack(sign, exp, sig, 0, 23, 8, rm, ff));
}

static inline uint64_t fp_cvt_d_s(uint64_t ra, FpState *s)
{
    uint32_t *ff = &s->fflags;
    uint32_t a = fp_unbox_s(ra);
    if (f32_is_nan(a)) {
        if (f32_is_snan(a)) *ff |= FF_NV;
        return F64_CANON;
    }
    return bits_f64((double)f32_of(a));
}

#endif
