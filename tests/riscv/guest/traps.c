/* Traps and privilege: ecall from each mode, delegation to S-mode with
   medeleg, what mret/sret do to mstatus, illegal-instruction values of
   mtval, privileged instructions in lower modes (mret, sret with TSR, wfi
   with TW, sfence.vma with TVM), breakpoints, access faults on unmapped
   addresses (load, store, fetch), writes to ROM and to a device with a
   wrong access size. */
#include "guest.h"

#define UNMAPPED 0xa0000000ul

static uint64_t do_ecall(uint64_t x)
{
    expect_trap = 1;
    __asm__ volatile("ecall");
    return x;
}

static void report(const char *what)
{
    if (expect_trap) {
        expect_trap = 0;
        printf("%-28s no trap\n", what);
    } else {
        printf("%-28s cause %016lx tval %016lx\n", what, last_cause, last_tval);
    }
}

static uint64_t try_mret(uint64_t x) { expect_trap = 1; __asm__ volatile("mret"); report("mret"); return x; }
static uint64_t try_sret(uint64_t x) { expect_trap = 1; __asm__ volatile("sret"); report("sret"); return x; }
static uint64_t try_wfi(uint64_t x) { expect_trap = 1; __asm__ volatile("wfi"); report("wfi"); return x; }
static uint64_t try_sfence(uint64_t x) { expect_trap = 1; __asm__ volatile("sfence.vma"); report("sfence.vma"); return x; }
static uint64_t try_illegal(uint64_t x)
{
    expect_trap = 1; __asm__ volatile(".word 0x0000007f"); report("illegal 32-bit");
    expect_trap = 1; __asm__ volatile(".word 0xffffffff"); report("illegal all ones");
    expect_trap = 1; __asm__ volatile(".2byte 0x6001"); report("illegal 16-bit");
    expect_trap = 1; __asm__ volatile(".word 0x30200073 | (1 << 7)"); report("mret with rd");
    expect_trap = 1; __asm__ volatile("ebreak"); report("ebreak");
    expect_trap = 1; __asm__ volatile(".word 0x00002053 | (5 << 12)"); report("fadd.s rm=5");
    expect_trap = 1; __asm__ volatile(".word 0x00000053 | (6 << 12) | (1 << 25)"); report("fadd.d rm=6");
    return x;
}

static uint64_t faults(uint64_t x)
{
    volatile uint64_t *bad = (volatile uint64_t *)UNMAPPED;
    uint64_t v = 0;
    expect_trap = 1; v = *bad; report("load unmapped");
    expect_trap = 1; *bad = 1; report("store unmapped");
    expect_trap = 1;
    __asm__ volatile("amoadd.d %0, %1, (%2)" : "=r"(v) : "r"(1ul), "r"(bad) : "memory");
    report("amo unmapped");
    expect_trap = 1;
    __asm__ volatile("la t0, 1f\n"
                     "sd t0, 0(%0)\n"
                     "jr %1\n"
                     "1:" :: "r"(&trap_resume_pc), "r"(UNMAPPED) : "t0", "memory");
    report("fetch unmapped");
    (void)v;
    return x;
}

static void status_line(const char *what)
{
    uint64_t s = csr_read(mstatus);
    printf("%-28s mpp %lx mpie %lx mie %lx spp %lx spie %lx sie %lx\n", what,
           (s >> 11) & 3, (s >> 7) & 1, (s >> 3) & 1, (s >> 8) & 1, (s >> 5) & 1, (s >> 1) & 1);
}

int main(void)
{
    pmp_allow_all();
    for (uint64_t mode = 0; mode < 4; mode++) {
        if (mode == 2) {
            continue;
        }
        enter_mode(mode, do_ecall, 0);
        printf("ecall from mode %lx: cause %lx epc-ok %d\n", mode, last_cause, last_epc != 0);
        status_line(" status after");
    }
    /* delegate ecall-from-U and illegal instructions to S */
    csr_write(stvec, (uint64_t)strap_entry);
    csr_write(medeleg, (1 << 8) | (1 << 2) | (1 << 3));
    enter_mode(PRV_U, do_ecall, 0);
    printf("delegated ecall from U: cause %lx\n", last_cause);
    enter_mode(PRV_S, do_ecall, 0);
    printf("ecall from S with delegation: cause %lx\n", last_cause);
    enter_mode(PRV_U, try_illegal, 0);
    enter_mode(PRV_S, try_illegal, 0);
    csr_write(medeleg, 0);
    try_illegal(0);
    printf("== privileged instructions in U\n");
    enter_mode(PRV_U, try_mret, 0);
    enter_mode(PRV_U, try_sret, 0);
    enter_mode(PRV_U, try_wfi, 0);
    enter_mode(PRV_U, try_sfence, 0);
    printf("== in S\n");
    enter_mode(PRV_S, try_mret, 0);
    enter_mode(PRV_S, try_sfence, 0);
    csr_set(mstatus, (1 << 22) | (1 << 21) | (1 << 20));   /* TSR TW TVM */
    printf("== in S with TSR TW TVM\n");
    enter_mode(PRV_S, try_sret, 0);
    enter_mode(PRV_S, try_wfi, 0);
    enter_mode(PRV_S, try_sfence, 0);
    csr_clear(mstatus, (1 << 22) | (1 << 21) | (1 << 20));
    printf("== faults\n");
    faults(0);
    enter_mode(PRV_S, faults, 0);
    /* ROM writes are dropped; the test device rejects 8-byte accesses */
    volatile uint32_t *rom = (volatile uint32_t *)0x1000;
    uint32_t before = rom[0];
    rom[0] = 0x12345678;
    printf("rom write dropped: %d\n", rom[0] == before);
    expect_trap = 1;
    *(volatile uint64_t *)0x100000 = 0;
    report("8-byte test-device store");
    expect_trap = 1;
    uint64_t v = *(volatile uint64_t *)0x100000;
    report("8-byte test-device load");
    (void)v;
    /* sret from M goes to S with SPP and SIE restored */
    csr_set(mstatus, (1 << 8) | (1 << 5));
    status_line("before sret");
    dump_xregs("registers at the end");
    dump_csrs("CSRs at the end");
    return 0;
}
