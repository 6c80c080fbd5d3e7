/*
 * Integer operations of the intermediate representation that C does not
 * spell directly: high halves of 128-bit products, bit counts, carry-less
 * products.
 */
#ifndef CYQEMU_HOST_OPS_H
#define CYQEMU_HOST_OPS_H

#include <stdint.h>

static inline uint64_t op_mulh(uint64_t a, uint64_t b)
{
    return (uint64_t)(((__int128)(int64_t)a * (__int128)(int64_t)b) >> 64);
}

static inline uint64_t op_mulhu(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a * (unsigned __int128)b) >> 64);
}

static inline uint64_t op_mulhsu(uint64_t a, uint64_t b)
{
    return (uint64_t)(((__int128)(int64_t)a * (__int128)(unsigned __int128)b) >> 64);
}

static inline uint64_t op_clz64(uint64_t a) { return a ? (uint64_t)__builtin_clzll(a) : 64; }
static inline uint64_t op_ctz64(uint64_t a) { return a ? (uint64_t)__builtin_ctzll(a) : 64; }
static inline uint64_t op_clz32(uint64_t a)
{
    uint32_t w = (uint32_t)a;
    return w ? (uint64_t)__builtin_clz(w) : 32;
}
static inline uint64_t op_ctz32(uint64_t a)
{
    uint32_t w = (uint32_t)a;
    return w ? (uint64_t)__builtin_ctz(w) : 32;
}
static inline uint64_t op_cpop64(uint64_t a) { return (uint64_t)__builtin_popcountll(a); }
static inline uint64_t op_cpop32(uint64_t a) { return (uint64_t)__builtin_popcount((uint32_t)a); }
static inline uint64_t op_rev8(uint64_t a) { return __builtin_bswap64(a); }

static inline uint64_t op_orc_b(uint64_t a)
{
    uint64_t r = 0;
    for (int i = 0; i < 64; i += 8) {
        if ((a >> i) & 0xff) {
            r |= 0xffull << i;
        }
    }
    return r;
}

/* Carry-less product of a and b: bits [127:64] (high) and [63:0] (low). */
static inline void op_clmul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t h = 0, l = 0;
    for (int i = 0; i < 64; i++) {
        if ((b >> i) & 1) {
            l ^= a << i;
            if (i) {
                h ^= a >> (64 - i);
            }
        }
    }
    *hi = h;
    *lo = l;
}

static inline uint64_t op_clmul(uint64_t a, uint64_t b)
{
    uint64_t h, l;
    op_clmul128(a, b, &h, &l);
    return l;
}

static inline uint64_t op_clmulh(uint64_t a, uint64_t b)
{
    uint64_t h, l;
    op_clmul128(a, b, &h, &l);
    return h;
}

/* Bits [126:63] of the carry-less product. */
static inline uint64_t op_clmulr(uint64_t a, uint64_t b)
{
    uint64_t h, l;
    op_clmul128(a, b, &h, &l);
    return (h << 1) | (l >> 63);
}

#endif
