/* Sv39 and Sv48 translation: 4 KiB pages, megapages and larger, the A and
   D bits the walker sets, permission faults (R/W/X, reserved W-only,
   U-bit with and without SUM, MXR), invalid and malformed PTEs, misaligned
   superpages, non-canonical addresses, translations to unmapped physical
   memory, a misaligned access crossing into an unmapped page, MPRV, and
   remapping after sfence.vma. */
#include "guest.h"

#define PTE_V 1ull
#define PTE_R 2ull
#define PTE_W 4ull
#define PTE_X 8ull
#define PTE_U 16ull
#define PTE_G 32ull
#define PTE_A 64ull
#define PTE_D 128ull
#define RWX (PTE_R | PTE_W | PTE_X)

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t mid[512] __attribute__((aligned(4096)));
static uint64_t leaf[512] __attribute__((aligned(4096)));
static uint64_t top[512] __attribute__((aligned(4096)));
static uint64_t low[512] __attribute__((aligned(4096)));
static uint64_t top5[512] __attribute__((aligned(4096)));
static uint8_t frames[16][4096] __attribute__((aligned(4096)));

static uint64_t pte(void *pa, uint64_t flags) { return ((uint64_t)pa >> 12 << 10) | flags; }

/* probes: run in S or U mode through enter_mode, faults land in M */
extern uint64_t probe_load(uint64_t addr);
extern uint64_t probe_store(uint64_t addr);
extern uint64_t probe_fetch(uint64_t addr);
extern uint64_t probe_load_misaligned(uint64_t addr);
__asm__(".option push\n.option norvc\n"
        ".globl probe_load\nprobe_load: ld a0, 0(a0)\nret\n"
        ".globl probe_store\nprobe_store: li t0, 0x77\nsd t0, 0(a0)\nli a0, 1\nret\n"
        ".globl probe_fetch\nprobe_fetch: mv t1, ra\njalr ra, 0(a0)\nmv ra, t1\nret\n"
        ".globl probe_load_misaligned\nprobe_load_misaligned: ld a0, 0(a0)\nret\n"
        ".option pop\n");

static void run(const char *what, uint64_t mode, uint64_t (*fn)(uint64_t), uint64_t va)
{
    uint64_t entry = (uint64_t)fn + (mode == PRV_U ? USER_ALIAS : 0);
    expect_trap = 1;
    enter_mode_offset = mode == PRV_U ? USER_ALIAS : 0;
    uint64_t r = enter_mode(mode, (uint64_t (*)(uint64_t))entry, va);
    enter_mode_offset = 0;
    if (expect_trap) {
        expect_trap = 0;
        printf("%-34s %c ok %016lx\n", what, mode == PRV_U ? 'U' : 'S', r);
    } else {
        printf("%-34s %c fault %lx tval %016lx\n", what, mode == PRV_U ? 'U' : 'S', last_cause, last_tval);
    }
}

static void flush(void) { __asm__ volatile("sfence.vma" ::: "memory"); }

static void sv39(void)
{
    for (int i = 0; i < 512; i++) {
        root[i] = mid[i] = leaf[i] = 0;
    }
    /* RAM at its own address for S, and at +4 GiB with U for U-mode */
    root[2] = pte((void *)0x80000000, RWX | PTE_V | PTE_A | PTE_D);
    root[6] = pte((void *)0x80000000, RWX | PTE_U | PTE_V | PTE_A | PTE_D);
    root[1] = pte(mid, PTE_V);                  /* VA 0x40000000.. */
    mid[0] = pte(leaf, PTE_V);                  /* VA 0x40000000..0x401fffff */
    leaf[0] = pte(frames[0], PTE_R | PTE_W | PTE_V);            /* A, D clear */
    leaf[1] = pte(frames[1], PTE_R | PTE_V | PTE_A);            /* read-only */
    leaf[2] = pte(frames[2], PTE_X | PTE_V | PTE_A);            /* execute-only */
    leaf[3] = pte(frames[3], PTE_R | PTE_W);                    /* not valid */
    leaf[4] = pte(frames[4], PTE_W | PTE_V | PTE_A);            /* reserved: W only */
    leaf[5] = pte(frames[5], PTE_R | PTE_W | PTE_U | PTE_V | PTE_A | PTE_D);
    leaf[6] = pte(frames[6], PTE_R | PTE_W | PTE_V | PTE_A) | (1ull << 60);  /* reserved bits */
    leaf[7] = pte((void *)0xa0000000, PTE_R | PTE_W | PTE_V | PTE_A | PTE_D);
    leaf[8] = pte(frames[8], PTE_R | PTE_W | PTE_X | PTE_V | PTE_A | PTE_D);
    leaf[9] = 0;
    leaf[10] = pte(frames[10], PTE_W | PTE_X | PTE_V | PTE_A);  /* reserved: W+X */
    mid[1] = pte((void *)0x80200000, PTE_R | PTE_W | PTE_V | PTE_A | PTE_D);  /* megapage */
    mid[2] = pte((void *)0x80201000, PTE_R | PTE_V | PTE_A);    /* misaligned megapage */
    mid[3] = pte(leaf, PTE_V | PTE_A);                          /* pointer with A set */
    mid[4] = pte((void *)0xa0000000, PTE_V);                    /* table outside RAM */
    root[3] = pte((void *)0x80000000, PTE_R | PTE_V);           /* gigapage, A clear */
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 4096; j++) {
            frames[i][j] = (uint8_t)(i * 16 + j);
        }
    }
    frames[8][0] = 0x67;    /* ret */
    frames[8][1] = 0x80;
    frames[8][2] = 0x00;
    frames[8][3] = 0x00;
    csr_write(satp, (8ull << 60) | ((uint64_t)root >> 12));
    flush();

    printf("== sv39\n");
    run("load rw page", PRV_S, probe_load, 0x40000000);
    printf("  pte after load %016lx\n", leaf[0]);
    run("store rw page", PRV_S, probe_store, 0x40000008);
    printf("  pte after store %016lx\n", leaf[0]);
    run("load read-only", PRV_S, probe_load, 0x40001010);
    run("store read-only", PRV_S, probe_store, 0x40001010);
    run("load execute-only", PRV_S, probe_load, 0x40002000);
    csr_set(mstatus, 1 << 19);
    run("load execute-only with MXR", PRV_S, probe_load, 0x40002000);
    csr_clear(mstatus, 1 << 19);
    run("load invalid", PRV_S, probe_load, 0x40003000);
    run("store invalid", PRV_S, probe_store, 0x40003000);
    run("fetch invalid", PRV_S, probe_fetch, 0x40003000);
    run("load W-only", PRV_S, probe_load, 0x40004000);
    run("load W+X", PRV_S, probe_load, 0x4000a000);
    run("S load of U page", PRV_S, probe_load, 0x40005000);
    csr_set(mstatus, 1 << 18);
    run("S load of U page with SUM", PRV_S, probe_load, 0x40005000);
    run("S fetch of U page with SUM", PRV_S, probe_fetch, 0x40005000);
    csr_clear(mstatus, 1 << 18);
    run("U load of U page", PRV_U, probe_load, 0x40005000);
    run("U load of S page", PRV_U, probe_load, 0x40000000);
    run("reserved PTE bits", PRV_S, probe_load, 0x40006000);
    run("to unmapped physical", PRV_S, probe_load, 0x40007000);
    run("store to unmapped physical", PRV_S, probe_store, 0x40007000);
    run("fetch exec page", PRV_S, probe_fetch, 0x40008000);
    run("fetch non-exec page", PRV_S, probe_fetch, 0x40000000);
    run("megapage load", PRV_S, probe_load, 0x40200000 + 0x1234 * 8);
    run("misaligned megapage", PRV_S, probe_load, 0x40400000);
    run("pointer with A bit", PRV_S, probe_load, 0x40600000);
    run("table outside RAM", PRV_S, probe_load, 0x40800000);
    run("gigapage load", PRV_S, probe_load, 0xc0000000 + 0x100);
    printf("  gigapage pte %016lx\n", root[3]);
    run("gigapage store (read-only)", PRV_S, probe_store, 0xc0000000 + 0x100);
    run("non-canonical", PRV_S, probe_load, 0x0000004000000000ull);
    run("canonical high (unmapped)", PRV_S, probe_load, 0xffffffc000000000ull);
    run("misaligned across to invalid", PRV_S, probe_load_misaligned, 0x40002ffcull);
    run("misaligned across from valid", PRV_S, probe_load_misaligned, 0x40000ffcull);
    run("misaligned across invalid first", PRV_S, probe_load_misaligned, 0x40003ffcull);
    run("misaligned across, second faults", PRV_S, probe_load_misaligned, 0x40001ffdull);
    run("misaligned store, second faults", PRV_S, probe_store, 0x40000ffbull);
    run("misaligned store, first faults", PRV_S, probe_store, 0x40001ffbull);
    /* an instruction straddling two pages, the second page remapped */
    uint16_t *pa = (uint16_t *)frames[11];
    pa[2047] = 0x0513;                          /* low half of addi a0, zero, N */
    ((uint16_t *)frames[13])[0] = 1 << 4;       /* N = 1 */
    ((uint16_t *)frames[13])[1] = 0x8082;       /* ret */
    ((uint16_t *)frames[14])[0] = 2 << 4;       /* N = 2 */
    ((uint16_t *)frames[14])[1] = 0x8082;
    __asm__ volatile("fence.i");
    leaf[11] = pte(frames[11], PTE_R | PTE_X | PTE_V | PTE_A);
    leaf[12] = pte(frames[13], PTE_R | PTE_X | PTE_V | PTE_A);
    flush();
    run("straddling instruction", PRV_S, probe_fetch, 0x4000bffe);
    leaf[12] = pte(frames[14], PTE_R | PTE_X | PTE_V | PTE_A);
    flush();
    run("straddling, second page remapped", PRV_S, probe_fetch, 0x4000bffe);
    leaf[12] = 0;
    flush();
    run("straddling, second page unmapped", PRV_S, probe_fetch, 0x4000bffe);
    /* remap a page, flush, read through the new mapping */
    leaf[0] = pte(frames[12], PTE_R | PTE_W | PTE_V | PTE_A | PTE_D);
    flush();
    run("after remap and sfence", PRV_S, probe_load, 0x40000000);
    /* MPRV: M-mode loads translated as S */
    csr_set(mstatus, (1 << 17) | (1 << 11));
    uint64_t v = *(volatile uint64_t *)0x40001008;
    csr_clear(mstatus, (1 << 17) | (3 << 11));
    printf("MPRV load %016lx\n", v);
    csr_write(satp, 0);
}

static void sv48(void)
{
    for (int i = 0; i < 512; i++) {
        top[i] = root[i] = mid[i] = leaf[i] = low[i] = 0;
    }
    top[0] = pte(low, PTE_V);
    low[2] = pte((void *)0x80000000, RWX | PTE_V | PTE_A | PTE_D);
    low[6] = pte((void *)0x80000000, RWX | PTE_U | PTE_V | PTE_A | PTE_D);
    top[1] = pte((void *)0, RWX | PTE_V | PTE_A | PTE_D);              /* 512 GiB page */
    top[2] = pte(root, PTE_V);                                          /* VA 0x100_0000_0000 */
    root[2] = pte((void *)0x80000000, RWX | PTE_U | PTE_V | PTE_A | PTE_D);
    root[3] = pte(mid, PTE_V);
    mid[0] = pte(leaf, PTE_V);
    leaf[0] = pte(frames[0], PTE_R | PTE_V);
    leaf[1] = pte(frames[1], PTE_R | PTE_W | PTE_V | PTE_A);
    top[3] = pte((void *)0x1000, RWX | PTE_V | PTE_A);                 /* misaligned */
    csr_write(satp, (9ull << 60) | ((uint64_t)top >> 12));
    flush();
    printf("== sv48\n");
    run("identity load", PRV_S, probe_load, (uint64_t)&frames[2][8]);
    run("512G page load", PRV_S, probe_load, 0x8000000000ull + (uint64_t)&frames[4][16]);
    run("4K load", PRV_S, probe_load, 0x100c0000000ull);
    printf("  pte %016lx\n", leaf[0]);
    run("4K store read-only", PRV_S, probe_store, 0x100c0000000ull);
    run("4K store", PRV_S, probe_store, 0x100c0001000ull);
    printf("  pte %016lx\n", leaf[1]);
    run("U via 1G page", PRV_U, probe_load, 0x10080000000ull + ((uint64_t)&frames[3][0] - 0x80000000));
    run("misaligned 512G page", PRV_S, probe_load, 0x18000000000ull);
    run("non-canonical", PRV_S, probe_load, 0x0000800000000000ull);
    csr_write(satp, 0);
}

/* Sv57: the Sv48 tables one level down, and a 256 TiB page */
static void sv57(void)
{
    for (int i = 0; i < 512; i++) {
        top5[i] = 0;
    }
    top5[0] = pte(top, PTE_V);
    top5[1] = pte((void *)0, RWX | PTE_V | PTE_A | PTE_D);
    top5[2] = pte((void *)0x1000, RWX | PTE_V | PTE_A | PTE_D);
    csr_write(satp, (10ull << 60) | ((uint64_t)top5 >> 12));
    flush();
    printf("== sv57\n");
    run("through the sv48 tables", PRV_S, probe_load, 0x100c0000000ull);
    run("256T page load", PRV_S, probe_load, 0x1000000000000ull + (uint64_t)&frames[5][24]);
    run("misaligned 256T page", PRV_S, probe_load, 0x2000000000000ull);
    run("non-canonical", PRV_S, probe_load, 0x0100000000000000ull);
    csr_write(satp, 0);
}

int main(void)
{
    pmp_allow_all();
    sv39();
    sv48();
    sv57();
    dump_csrs("CSRs at the end");
    return 0;
}
