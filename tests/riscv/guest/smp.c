/* Two harts (-smp 2): atomic adds and LR/SC loops on shared counters, an
   IPI through the ACLINT's msip waking hart 0 from wfi, and code one hart
   rewrites while the other runs it (the translated code is shared). */
#include "guest.h"

#define CLINT_MSIP ((volatile uint32_t *)0x2000000)
#define MIP_MSIP (1u << 3)
#define ROUNDS 20000

static volatile int go, stage, done;
static volatile uint64_t amo_counter, lrsc_counter;
/* li a0, N; ret */
static volatile uint32_t code[2] __attribute__((aligned(64))) = {0x00100513, 0x00008067};

static void add_lrsc(volatile uint64_t *p)
{
    uint64_t old, failed;
    do {
        __asm__ volatile("lr.d %0, (%1)" : "=r"(old) : "r"(p) : "memory");
        __asm__ volatile("sc.d %0, %2, (%1)" : "=r"(failed) : "r"(p), "r"(old + 1) : "memory");
    } while (failed);
}

static void work(void)
{
    for (int i = 0; i < ROUNDS; i++) {
        __atomic_fetch_add(&amo_counter, 1, __ATOMIC_RELAXED);
        add_lrsc(&lrsc_counter);
    }
}

static uint64_t run_code(void)
{
    __asm__ volatile("fence.i" ::: "memory");
    return ((uint64_t (*)(void))(uintptr_t)code)();
}

void secondary_main(uint64_t hartid)
{
    if (hartid != 1) {
        return;
    }
    while (!go) {
    }
    work();
    while (stage != 1) {
    }
    code[0] = 0x00200513;               /* li a0, 2 */
    __asm__ volatile("fence w, w" ::: "memory");
    stage = 2;
    done = 1;
    CLINT_MSIP[0] = 1;                  /* wake hart 0 */
}

int main(void)
{
    go = 1;
    work();
    uint64_t first = run_code();
    stage = 1;
    while (stage != 2) {
    }
    uint64_t second = run_code();
    csr_set(mie, MIP_MSIP);             /* wfi wakes on it; MIE stays off */
    while (!done || !(csr_read(mip) & MIP_MSIP)) {
        __asm__ volatile("wfi");
    }
    CLINT_MSIP[0] = 0;
    printf("amo %lu lrsc %lu code %lu %lu msip %d\n", amo_counter, lrsc_counter, first,
           second, (int)((csr_read(mip) & MIP_MSIP) != 0));
    return 0;
}
