/* The A extension: every AMO over edge-case operands (old value, new
   memory), LR/SC success and failure cases (no reservation, another
   address, changed value, a trap in between) and misaligned plain accesses
   (allowed, also across a page). Misaligned atomics are in isa_details.c:
   QEMU 7.2 with one vCPU reports them as misaligned loads. */
#include "guest.h"

static const uint64_t V[] = {
    0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffff, 0x8000000000000000,
    0xffffffffffffffff, 0x123456789abcdef0, 0xfedcba9876543210, 0x00000000fffffffe,
    0xffffffff80000000,
};
#define N (sizeof(V) / sizeof(V[0]))

static volatile uint64_t cell[4] __attribute__((aligned(16)));
static uint8_t pages[3 * 4096] __attribute__((aligned(4096)));

#define AMO(insn)                                                             \
    do {                                                                      \
        uint64_t h = FNV_INIT;                                                \
        for (unsigned i = 0; i < N; i++)                                      \
            for (unsigned j = 0; j < N; j++) {                                \
                uint64_t r;                                                   \
                cell[0] = V[i];                                               \
                cell[1] = ~V[i];                                              \
                __asm__ volatile(insn " %0, %2, (%1)" : "=&r"(r) : "r"(&cell[0]), "r"(V[j]) : "memory"); \
                h = fnv(fnv(fnv(h, r), cell[0]), cell[1]);                   \
            }                                                                 \
        printf("%-12s %016lx\n", insn, h);                                   \
    } while (0)

static uint64_t sc_d(volatile uint64_t *p, uint64_t v)
{
    uint64_t r;
    __asm__ volatile("sc.d %0, %2, (%1)" : "=r"(r) : "r"(p), "r"(v) : "memory");
    return r;
}

static uint64_t lr_d(volatile uint64_t *p)
{
    uint64_t r;
    __asm__ volatile("lr.d %0, (%1)" : "=r"(r) : "r"(p) : "memory");
    return r;
}

static void lr_sc(void)
{
    uint64_t r, w;
    cell[0] = 5;
    r = lr_d(&cell[0]);
    w = sc_d(&cell[0], 6);
    printf("lr/sc: %lx %lx mem %lx\n", r, w, cell[0]);
    w = sc_d(&cell[0], 7);
    printf("sc again (no reservation): %lx mem %lx\n", w, cell[0]);
    lr_d(&cell[0]);
    w = sc_d(&cell[1], 8);
    printf("sc other address: %lx mem %lx %lx\n", w, cell[0], cell[1]);
    lr_d(&cell[0]);
    cell[0] = 6;
    w = sc_d(&cell[0], 9);
    printf("sc after same-value store: %lx mem %lx\n", w, cell[0]);
    lr_d(&cell[0]);
    cell[0] = 10;
    w = sc_d(&cell[0], 11);
    printf("sc after changed value: %lx mem %lx\n", w, cell[0]);
    lr_d(&cell[0]);
    __asm__ volatile("ecall");
    w = sc_d(&cell[0], 12);
    printf("sc after a trap: %lx mem %lx\n", w, cell[0]);
    /* 32-bit forms, sign extension of the loaded word */
    cell[0] = 0x00000000fffffff0;
    __asm__ volatile("lr.w %0, (%1)" : "=r"(r) : "r"(&cell[0]) : "memory");
    __asm__ volatile("sc.w %0, %2, (%1)" : "=r"(w) : "r"(&cell[0]), "r"(0x1122334455667788ull) : "memory");
    printf("lr.w/sc.w: %lx %lx mem %lx\n", r, w, cell[0]);
    /* misaligned sc without a reservation fails quietly */
    __asm__ volatile("sc.d %0, %2, (%1)" : "=r"(w) : "r"((uint8_t *)&cell[0] + 1), "r"(1ull) : "memory");
    printf("misaligned sc, no reservation: %lx\n", w);
}

static void misaligned_plain(void)
{
    uint64_t h = FNV_INIT;
    for (int i = 0; i < (int)sizeof(pages); i++) {
        pages[i] = (uint8_t)(i * 13 + 7);
    }
    for (int off = 4096 - 9; off < 4096 + 2; off++) {
        uint8_t *p = pages + off;
        uint64_t a, b, c, d;
        __asm__ volatile("ld %0, 0(%1)" : "=r"(a) : "r"(p));
        __asm__ volatile("lw %0, 0(%1)" : "=r"(b) : "r"(p));
        __asm__ volatile("lhu %0, 0(%1)" : "=r"(c) : "r"(p));
        __asm__ volatile("lwu %0, 0(%1)" : "=r"(d) : "r"(p));
        h = fnv(fnv(fnv(fnv(h, a), b), c), d);
        __asm__ volatile("sd %0, 0(%1)" :: "r"(0x0102030405060708ull * off), "r"(p + 4096) : "memory");
        __asm__ volatile("sw %0, 0(%1)" :: "r"(0xa0b0c0d0ull + off), "r"(p + 2048) : "memory");
        __asm__ volatile("sh %0, 0(%1)" :: "r"(0xbeefull + off), "r"(p + 1024) : "memory");
    }
    for (int i = 0; i < (int)sizeof(pages); i++) {
        h = fnv(h, pages[i]);
    }
    printf("misaligned loads/stores %016lx\n", h);
}

int main(void)
{
    AMO("amoswap.w"); AMO("amoadd.w"); AMO("amoxor.w"); AMO("amoand.w"); AMO("amoor.w");
    AMO("amomin.w"); AMO("amomax.w"); AMO("amominu.w"); AMO("amomaxu.w");
    AMO("amoswap.d"); AMO("amoadd.d"); AMO("amoxor.d"); AMO("amoand.d"); AMO("amoor.d");
    AMO("amomin.d"); AMO("amomax.d"); AMO("amominu.d"); AMO("amomaxu.d");
    AMO("amoadd.w.aq"); AMO("amoswap.d.aqrl");
    expect_trap = 1;    /* the ecall in lr_sc() */
    lr_sc();
    misaligned_plain();
    return 0;
}
