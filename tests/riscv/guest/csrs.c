/* Control and status registers: values after reset, what reads back after
   writing all ones, zero and a pattern (WARL fields), which accesses are
   illegal (unknown, RV32-only, read-only, wrong privilege, counters gated
   by mcounteren/scounteren, TVM), and the FS state machine. */
#include "guest.h"

#define CSR_ACCESS(name, num)                                                 \
    static uint64_t rd_##name(uint64_t unused)                                \
    {                                                                         \
        uint64_t v = 0;                                                       \
        (void)unused;                                                         \
        __asm__ volatile("csrr %0, " #num : "=r"(v));                         \
        return v;                                                             \
    }                                                                         \
    static uint64_t wr_##name(uint64_t v)                                     \
    {                                                                         \
        uint64_t old = 0;                                                     \
        __asm__ volatile("csrrw %0, " #num ", %1" : "=r"(old) : "r"(v));      \
        return old;                                                           \
    }

#define CSR_LIST(X)                                                           \
    X(fflags, 0x001) X(frm, 0x002) X(fcsr, 0x003)                             \
    X(cycle, 0xc00) X(time, 0xc01) X(instret, 0xc02) X(hpmcounter3, 0xc03)    \
    X(hpmcounter18, 0xc12) X(hpmcounter19, 0xc13) X(cycleh, 0xc80)           \
    X(sstatus, 0x100) X(sie, 0x104) X(stvec, 0x105) X(scounteren, 0x106)      \
    X(senvcfg, 0x10a) X(sscratch, 0x140) X(sepc, 0x141) X(scause, 0x142)      \
    X(stval, 0x143) X(sip, 0x144) X(stimecmp, 0x14d) X(satp, 0x180)           \
    X(mstatus, 0x300) X(misa, 0x301) X(medeleg, 0x302) X(mideleg, 0x303)      \
    X(mie, 0x304) X(mtvec, 0x305) X(mcounteren, 0x306) X(menvcfg, 0x30a)      \
    X(mstatush, 0x310) X(mcountinhibit, 0x320) X(mhpmevent3, 0x323)           \
    X(mhpmevent31, 0x33f) X(mscratch, 0x340) X(mepc, 0x341) X(mcause, 0x342)  \
    X(mtval, 0x343) X(mip, 0x344) X(mtinst, 0x34a) X(mtval2, 0x34b)           \
    X(pmpcfg0, 0x3a0) X(pmpcfg1, 0x3a1) X(pmpcfg2, 0x3a2) X(pmpaddr0, 0x3b0)  \
    X(pmpaddr15, 0x3bf) X(pmpaddr16, 0x3c0) X(hstatus, 0x600) X(seed, 0x015) \
    X(vl, 0xc20) X(scountovf, 0xda0) X(mseccfg, 0x747)                        \
    X(tselect, 0x7a0) X(tdata1, 0x7a1) X(tdata2, 0x7a2) X(tinfo, 0x7a4)       \
    X(dcsr, 0x7b0) X(mcycle, 0xb00) X(minstret, 0xb02) X(mhpmcounter3, 0xb03) \
    X(mhpmcounter18, 0xb12) X(mhpmcounter19, 0xb13) X(mvendorid, 0xf11)       \
    X(marchid, 0xf12) X(mimpid, 0xf13) X(mhartid, 0xf14) X(mconfigptr, 0xf15) \
    X(custom, 0x7c0) X(unknown, 0x800)

CSR_LIST(CSR_ACCESS)

struct csr { const char *name; uint64_t (*rd)(uint64_t); uint64_t (*wr)(uint64_t); int volatile_value; };
#define CSR_ENTRY(name, num) {#name, rd_##name, wr_##name, 0},
static struct csr csrs[] = { CSR_LIST(CSR_ENTRY) };
#define NCSR (sizeof(csrs) / sizeof(csrs[0]))

static int is_counter(const char *n)
{
    return (n[0] == 'c' && n[1] == 'y') || (n[0] == 't' && n[1] == 'i') ||
           (n[0] == 'i' && n[1] == 'n') || (n[0] == 'm' && n[1] == 'c' && n[2] == 'y') ||
           (n[0] == 'm' && n[1] == 'i' && n[2] == 'n');
}

/* Read (and print unless it is a running counter) or report the trap. */
static void try_read(struct csr *c, uint64_t mode)
{
    expect_trap = 1;
    uint64_t v = enter_mode(mode, c->rd, 0);
    if (expect_trap) {
        expect_trap = 0;
        if (is_counter(c->name)) {
            printf("  %-14s readable\n", c->name);
        } else {
            printf("  %-14s %016lx\n", c->name, v);
        }
    } else {
        printf("  %-14s trap %lx tval %lx\n", c->name, last_cause, last_tval);
    }
}

static int dangerous(const char *n)
{
    /* registers whose arbitrary values would break the test itself */
    const char *skip[] = {"mtvec", "satp", "mie", "mip", "misa", "pmpcfg0", "pmpcfg2",
                          "pmpaddr0", "mstatus", "sstatus", "mcountinhibit", "sie", "sip",
                          "stimecmp", "mideleg", "medeleg", "tdata1", "tdata2", 0};
    for (int i = 0; skip[i]; i++) {
        const char *a = skip[i], *b = n;
        while (*a && *a == *b) {
            a++;
            b++;
        }
        if (!*a && !*b) {
            return 1;
        }
    }
    return 0;
}

static void write_patterns(struct csr *c)
{
    static const uint64_t pat[] = {~0ull, 0, 0x5555555555555555ull, 0xaaaaaaaaaaaaaaaaull};
    expect_trap = 1;
    uint64_t old = c->rd(0);
    if (!expect_trap) {
        return;
    }
    expect_trap = 0;
    printf("  %-14s", c->name);
    for (int i = 0; i < 4; i++) {
        expect_trap = 1;
        c->wr(pat[i]);
        if (!expect_trap) {
            printf(" trap %lx\n", last_cause);
            return;
        }
        expect_trap = 0;
        if (is_counter(c->name)) {
            printf(" written");
        } else {
            printf(" %016lx", c->rd(0));
        }
    }
    c->wr(old);
    printf("\n");
}

/* mstatus and friends, one field at a time with the test kept alive */
static void warl_system(void)
{
    uint64_t ms = csr_read(mstatus);
    csr_write(mstatus, ms | 0x7fff800000ull | (3ull << 11) | (1 << 17) | (0xf << 19));
    printf("mstatus all-ish %016lx\n", csr_read(mstatus));
    csr_write(mstatus, ms | (2ull << 32));
    printf("mstatus uxl=2 %016lx\n", csr_read(mstatus));
    csr_write(mstatus, ms);
    csr_write(sstatus, ~0ull);
    printf("sstatus all ones -> mstatus %016lx sstatus %016lx\n", csr_read(mstatus), csr_read(sstatus));
    csr_write(mstatus, ms);
    uint64_t tv = csr_read(mtvec);
    csr_write(mtvec, 0x80000002);
    printf("mtvec mode 2 %016lx\n", csr_read(mtvec));
    csr_write(mtvec, 0x80000101);
    printf("mtvec vectored %016lx\n", csr_read(mtvec));
    csr_write(mtvec, tv);
    csr_write(stvec, 0x80000003);
    printf("stvec mode 3 %016lx\n", csr_read(stvec));
    csr_write(satp, (5ull << 60) | 123);
    printf("satp mode 5 %016lx\n", csr_read(satp));
    csr_write(satp, (8ull << 60) | (0xffffull << 44) | 0x80000);
    printf("satp sv39 %016lx\n", csr_read(satp));
    csr_write(satp, (10ull << 60) | 7);
    printf("satp sv57 %016lx\n", csr_read(satp));
    csr_write(satp, 0);
    csr_write(mideleg, ~0ull);
    printf("mideleg %016lx\n", csr_read(mideleg));
    csr_write(mideleg, 0);
    csr_write(medeleg, ~0ull);
    printf("medeleg %016lx\n", csr_read(medeleg));
    csr_write(medeleg, 0);
    csr_write(mie, ~0ull);
    printf("mie %016lx\n", csr_read(mie));
    csr_write(mideleg, ~0ull);
    printf("sie via mideleg %016lx\n", csr_read(sie));
    csr_write(sie, 0);
    printf("mie after sie=0 %016lx\n", csr_read(mie));
    csr_write(mie, 0);
    csr_write(mip, ~0ull);
    printf("mip %016lx sip %016lx\n", csr_read(mip), csr_read(sip));
    csr_write(sip, 0);
    printf("mip after sip=0 %016lx\n", csr_read(mip));
    csr_write(mip, 0);
    csr_write(mideleg, 0);
    printf("sip without delegation %016lx\n", csr_read(sip));
    csr_write(pmpaddr1, ~0ull);
    printf("pmpaddr1 %016lx\n", csr_read(pmpaddr1));
    csr_write(pmpcfg2, 0x0f0e0d0c0b0a0908ull);
    printf("pmpcfg2 %016lx\n", csr_read(pmpcfg2));
    csr_write(pmpcfg2, 0);
    csr_write(tselect, 1);
    printf("tselect %lx\n", csr_read(tselect));
    csr_write(tselect, 5);
    printf("tselect 5 %lx\n", csr_read(tselect));
    csr_write(tselect, 0);
}

static uint64_t fp_probe(uint64_t unused)
{
    (void)unused;
    uint64_t before = csr_read(mstatus);
    __asm__ volatile("fmv.d.x ft0, zero");
    uint64_t after_write = csr_read(mstatus);
    return (before >> 13 & 3) | (after_write >> 13 & 3) << 4 | (after_write >> 63) << 8;
}

static void fs_states(void)
{
    uint64_t ms = csr_read(mstatus);
    for (uint64_t fs = 0; fs < 4; fs++) {
        csr_clear(mstatus, 3 << 13);
        csr_set(mstatus, fs << 13);
        expect_trap = 1;
        uint64_t r = fp_probe(0);
        if (expect_trap) {
            expect_trap = 0;
            printf("fs=%lx -> %lx\n", fs, r);
        } else {
            printf("fs=%lx trap %lx tval %lx\n", fs, last_cause, last_tval);
        }
        csr_clear(mstatus, 3 << 13);
        csr_set(mstatus, fs << 13);
        expect_trap = 1;
        uint64_t v = csr_read(fflags);
        printf("  fflags read: %s %lx\n", expect_trap ? "ok" : "trap", expect_trap ? v : last_cause);
        expect_trap = 0;
        csr_clear(mstatus, 3 << 13);
        csr_set(mstatus, fs << 13);
        expect_trap = 1;
        __asm__ volatile("feq.d t0, ft0, ft0" ::: "t0");
        printf("  after feq: fs %lx trap %lx\n", csr_read(mstatus) >> 13 & 3,
               expect_trap ? 0 : last_cause);
        expect_trap = 1;
        __asm__ volatile("fsd ft0, -8(sp)" ::: "memory");
        printf("  after fsd: fs %lx trap %lx\n", csr_read(mstatus) >> 13 & 3,
               expect_trap ? 0 : last_cause);
        expect_trap = 0;
        csr_clear(mstatus, 3 << 13);
        csr_set(mstatus, fs << 13);
        expect_trap = 1;
        __asm__ volatile("csrwi frm, 0");
        printf("  after frm write: fs %lx trap %lx\n", csr_read(mstatus) >> 13 & 3,
               expect_trap ? 0 : last_cause);
        expect_trap = 0;
    }
    csr_write(mstatus, ms);
}

int main(void)
{
    pmp_allow_all();
    printf("== reset values and M-mode access\n");
    for (unsigned i = 0; i < NCSR; i++) {
        try_read(&csrs[i], PRV_M);
    }
    printf("== write patterns in M-mode\n");
    for (unsigned i = 0; i < NCSR; i++) {
        if (!dangerous(csrs[i].name)) {
            write_patterns(&csrs[i]);
        }
    }
    warl_system();
    static const uint64_t en[] = {0, 0x7, 0x2, 0x7fff8, ~0ull};
    for (unsigned m = 0; m < 5; m++) {
        for (unsigned s = 0; s < 5; s += 2) {
            csr_write(mcounteren, en[m]);
            csr_write(scounteren, en[s]);
            printf("== mcounteren %lx scounteren %lx\n", en[m], en[s]);
            for (uint64_t mode = 0; mode < 2; mode++) {
                printf(" mode %lx\n", mode);
                for (unsigned i = 0; i < NCSR; i++) {
                    if (is_counter(csrs[i].name) || csrs[i].name[0] == 'h' ||
                        (m == 4 && s == 4) || (m == 0 && s == 0)) {
                        try_read(&csrs[i], mode);
                    }
                }
            }
        }
    }
    csr_write(menvcfg, 1ull << 63);
    csr_write(mcounteren, 2);
    printf("== stimecmp with STCE and TM\n");
    try_read(&csrs[20], PRV_S);
    csr_write(menvcfg, 0);
    try_read(&csrs[20], PRV_S);
    csr_set(mstatus, 1 << 20);
    printf("== satp with TVM\n");
    try_read(&csrs[21], PRV_S);
    csr_clear(mstatus, 1 << 20);
    try_read(&csrs[21], PRV_S);
    fs_states();
    return 0;
}
