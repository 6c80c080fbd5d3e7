/* Physical memory protection: NAPOT, NA4 and TOR regions with R/W/X
   combinations checked from S and U mode, priority of the lowest-numbered
   match, accesses straddling a region edge, locked entries binding M-mode
   and refusing writes, and no-match behaviour for M versus S/U. */
#include "guest.h"

static uint8_t area[4 * 4096] __attribute__((aligned(16384)));

extern uint64_t pprobe_load(uint64_t addr);
extern uint64_t pprobe_store(uint64_t addr);
extern uint64_t pprobe_fetch(uint64_t addr);
__asm__(".option push\n.option norvc\n"
        ".globl pprobe_load\npprobe_load: ld a0, 0(a0)\nret\n"
        ".globl pprobe_store\npprobe_store: li t0, 0x0000806700008067\nsd t0, 0(a0)\nli a0, 1\nret\n"
        ".globl pprobe_fetch\npprobe_fetch: mv t1, ra\njalr ra, 0(a0)\nmv ra, t1\nret\n"
        ".option pop\n");

static void run(const char *what, uint64_t mode, uint64_t (*fn)(uint64_t), uint64_t addr)
{
    expect_trap = 1;
    uint64_t r = enter_mode(mode, fn, addr);
    if (expect_trap) {
        expect_trap = 0;
        printf("%-30s %lx ok %016lx\n", what, mode, r);
    } else {
        printf("%-30s %lx fault %lx tval-off %lx\n", what, mode, last_cause, last_tval - (uint64_t)area);
    }
}

static uint64_t napot(uint64_t base, uint64_t size) { return (base | (size / 2 - 1)) >> 2; }

/* entry 0..2 describe `area`; the last entry lets code and stack run */
static void setup(uint64_t cfg_area, uint64_t addr0, uint64_t addr1, uint64_t addr2)
{
    csr_write(pmpcfg0, 0);
    csr_write(pmpaddr0, addr0);
    csr_write(pmpaddr1, addr1);
    csr_write(pmpaddr2, addr2);
    csr_write(pmpaddr7, ~0ull >> 10);
    csr_write(pmpcfg0, cfg_area | (0x1full << 56));
    __asm__ volatile("sfence.vma");
}

static void all_modes(const char *what, uint64_t addr)
{
    char buf[48];
    const char *kinds[] = {"load ", "store ", "fetch "};
    uint64_t (*fns[])(uint64_t) = {pprobe_load, pprobe_store, pprobe_fetch};
    for (int k = 0; k < 3; k++) {
        int n = 0;
        for (const char *p = kinds[k]; *p; p++) buf[n++] = *p;
        for (const char *p = what; *p && n < 46; p++) buf[n++] = *p;
        buf[n] = 0;
        run(buf, PRV_S, fns[k], addr);
        run(buf, PRV_U, fns[k], addr);
    }
}

int main(void)
{
    uint64_t a = (uint64_t)area;
    for (int i = 0; i < (int)sizeof(area); i += 4) {
        *(uint32_t *)(area + i) = 0x00008067;      /* ret, for fetch probes */
    }
    static const uint8_t perms[] = {0, 1, 3, 4, 5, 7};
    for (unsigned i = 0; i < sizeof(perms); i++) {
        setup((0x18ull | perms[i]), napot(a, 8192), 0, 0);
        printf("== napot 8K rwx=%x\n", perms[i]);
        all_modes("inside", a + 16);
        all_modes("outside", a + 8192 + 16);
    }
    /* NA4 and TOR, and the lowest-numbered match winning */
    setup(0x11 | (0x0full << 8), (a + 64) >> 2, a >> 2, (a + 4096) >> 2);
    printf("== na4 r, tor rwx\n");
    all_modes("na4 word", a + 64);
    all_modes("tor", a + 128);
    setup(0x0d | (0x0full << 8), a >> 2, (a + 256) >> 2, 0);
    printf("== tor from 0 (x only), then tor rwx\n");
    all_modes("first tor", a);
    all_modes("second tor", a + 16);
    /* an access straddling a region edge */
    setup(0x1b, napot(a, 4096), 0, 0);
    run("straddling load", PRV_S, pprobe_load, a + 4096 - 4);
    run("straddling store", PRV_S, pprobe_store, a + 4096 - 4);
    /* the region does not cover the whole page */
    setup(0x1b, napot(a + 1024, 1024), 0, 0);
    run("sub-page region inside", PRV_S, pprobe_load, a + 1024 + 8);
    run("sub-page region below", PRV_S, pprobe_load, a + 512);
    run("sub-page region above", PRV_S, pprobe_load, a + 2048 + 8);
    /* no rule at all: M is allowed, S and U are not */
    csr_write(pmpcfg0, 0);
    printf("no rules, M load %lx\n", pprobe_load(a));
    /* a locked read-only entry binds M-mode and ignores writes */
    setup(0x99, napot(a, 4096), 0, 0);
    csr_write(pmpcfg0, 0x1f);
    csr_write(pmpaddr0, 0);
    printf("locked cfg %lx addr %lx\n", csr_read(pmpcfg0), csr_read(pmpaddr0));
    expect_trap = 1;
    *(volatile uint64_t *)area = 1;
    printf("M store to locked read-only: %s %lx\n", expect_trap ? "ok" : "fault", last_cause);
    expect_trap = 0;
    printf("M load from locked read-only: %lx\n", *(volatile uint64_t *)area);
    return 0;
}
