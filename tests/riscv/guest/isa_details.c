/* Behaviour checked against the ISA rather than against QEMU: exact
   retired-instruction counting (minstret, writes to it, mcountinhibit),
   time derived from the instruction count, ctzw of values whose low word
   is zero, and misaligned atomics raising store/AMO faults. */
#include "guest.h"

static volatile uint64_t cell[2] __attribute__((aligned(16)));

static uint64_t count_block(void)
{
    uint64_t a, b;
    __asm__ volatile("csrr %0, minstret\n"
                     ".rept 100\naddi t0, t0, 1\n.endr\n"
                     "csrr %1, minstret" : "=r"(a), "=r"(b) :: "t0");
    return b - a;
}

static uint64_t count_loop(void)
{
    uint64_t a, b;
    __asm__ volatile("li t1, 1000\n"
                     "csrr %0, minstret\n"
                     "1: addi t1, t1, -1\n"
                     "nop\n"
                     "bnez t1, 1b\n"
                     "csrr %1, minstret" : "=r"(a), "=r"(b) :: "t1");
    return b - a;
}

int main(void)
{
    printf("100 addi: %lu\n", count_block());
    printf("1000-iteration loop: %lu\n", count_loop());
    uint64_t v;
    __asm__ volatile("csrw minstret, %1\ncsrr %0, minstret" : "=r"(v) : "r"(100ull));
    printf("after writing 100: %lu\n", v);
    __asm__ volatile("csrw mcycle, %1\ncsrr %0, mcycle" : "=r"(v) : "r"(7ull));
    printf("mcycle after writing 7: %lu\n", v);
    csr_set(mcountinhibit, 4);
    uint64_t a = csr_read(minstret);
    __asm__ volatile(".rept 50\nnop\n.endr");
    uint64_t b = csr_read(minstret);
    csr_clear(mcountinhibit, 4);
    printf("inhibited: %lu\n", b - a);
    uint64_t c = csr_read(minstret);
    __asm__ volatile(".rept 50\nnop\n.endr");
    uint64_t d = csr_read(minstret);
    printf("counting again: %lu\n", d - c);

    uint64_t t0, t1, i0, i1;
    __asm__ volatile("csrr %0, time\ncsrr %1, minstret" : "=r"(t0), "=r"(i0));
    for (volatile int i = 0; i < 10000; i++) {
    }
    __asm__ volatile("csrr %0, time\ncsrr %1, minstret" : "=r"(t1), "=r"(i1));
    int64_t off = (int64_t)(t1 - t0) - (int64_t)((i1 - i0) / 100);
    printf("time follows the instruction count: %d\n", off >= -1 && off <= 1);

    static const uint64_t z[] = {0x8000000000000000ull, 0x100000000ull, 0xffffffff00000000ull, 0};
    for (int i = 0; i < 4; i++) {
        __asm__ volatile("ctzw %0, %1" : "=r"(v) : "r"(z[i]));
        printf("ctzw %016lx = %lu\n", z[i], v);
    }

    uint8_t *p = (uint8_t *)&cell[0] + 2;
    expect_trap = 1;
    __asm__ volatile("amoadd.w %0, %2, (%1)" : "=r"(v) : "r"(p), "r"(1ull) : "memory");
    printf("misaligned amoadd.w: cause %lu\n", last_cause);
    expect_trap = 1;
    __asm__ volatile("amoswap.d %0, %2, (%1)" : "=r"(v) : "r"(p + 2), "r"(1ull) : "memory");
    printf("misaligned amoswap.d: cause %lu\n", last_cause);
    return 0;
}
