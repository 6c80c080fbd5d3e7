/* Interrupts: the machine timer (CLINT mtimecmp) and software interrupt
   (msip), wfi waking with interrupts globally disabled and taking them when
   enabled, which of several pending interrupts comes first, delegation of
   supervisor interrupts (mip writes, the Sstc stimecmp) to an S-mode
   handler, M-level interrupts preempting S-mode, and vectored mtvec. */
#include "guest.h"

#define CLINT_MSIP ((volatile uint32_t *)0x2000000)
#define CLINT_MTIMECMP ((volatile uint64_t *)0x2004000)
#define CLINT_MTIME ((volatile uint64_t *)0x200bff8)

#define MIP_SSIP (1u << 1)
#define MIP_MSIP (1u << 3)
#define MIP_STIP (1u << 5)
#define MIP_MTIP (1u << 7)
#define MIP_SEIP (1u << 9)
#define MSTATUS_MIE (1u << 3)
#define MSTATUS_SIE (1u << 1)

static volatile uint64_t seen[16];
static volatile int nseen;
static volatile uint64_t seen_epc_ok;

static void record(uint64_t cause)
{
    if (nseen < 16) {
        seen[nseen++] = cause;
    }
}

void trap_handler(struct trap_frame *f);

/* M-mode interrupts and the ecalls of enter_mode; anything else fails */
extern void default_trap_handler(struct trap_frame *f);

static void show(const char *what)
{
    printf("%-36s", what);
    for (int i = 0; i < nseen; i++) {
        printf(" %lx", seen[i]);
    }
    printf("\n");
    nseen = 0;
}

void trap_handler(struct trap_frame *f)
{
    uint64_t c = f->mcause;
    if ((int64_t)c < 0) {
        record(c);
        switch (c & 0xff) {
        case 3:
            *CLINT_MSIP = 0;
            break;
        case 7:
            *CLINT_MTIMECMP = ~0ull;
            break;
        case 1:
            csr_clear(mip, MIP_SSIP);
            break;
        case 5:
            csr_clear(mip, MIP_STIP);
            break;
        case 9:
            csr_clear(mip, MIP_SEIP);
            break;
        }
        return;
    }
    if ((c == 8 || c == 9 || c == 11) && f->x[17] == 0x5e7) {
        extern void enter_mode_return(void);
        f->mepc = (uint64_t)enter_mode_return;
        csr_set(mstatus, 3 << 11);
        return;
    }
    printf("unexpected trap: mcause=%lx mepc=%lx\n", c, f->mepc);
    exit(99);
}

void s_trap_handler(struct trap_frame *f)
{
    uint64_t c = f->mcause;     /* scause */
    if (c == 8 && f->x[17] == 0x5e7) {
        register uint64_t a0 __asm__("a0") = f->x[10];
        register uint64_t a7 __asm__("a7") = 0x5e7;
        __asm__ volatile("ecall" :: "r"(a0), "r"(a7));
    }
    if ((int64_t)c < 0) {
        record(c | (1ull << 62));
        switch (c & 0xff) {
        case 1:
            csr_clear(sip, MIP_SSIP);
            break;
        case 5:
            /* S cannot clear STIP: stop listening to it instead */
            csr_clear(sie, MIP_STIP);
            break;
        }
        return;
    }
    printf("unexpected S trap: scause=%lx sepc=%lx\n", c, f->mepc);
    exit(98);
}

static void wait_for(int n)
{
    for (long i = 0; i < 50000000 && nseen < n; i++) {
    }
}

static uint64_t s_mode_wait(uint64_t n)
{
    csr_set(sstatus, MSTATUS_SIE);
    for (long i = 0; i < 50000000 && nseen < (int)n; i++) {
    }
    csr_clear(sstatus, MSTATUS_SIE);
    return nseen;
}

static uint64_t s_mode_spin(uint64_t n)
{
    for (long i = 0; i < 50000000 && nseen < (int)n; i++) {
    }
    return nseen;
}

extern void vector_table(void);
__asm__(".align 8\n"
        ".globl vector_table\n"
        "vector_table:\n"
        ".rept 16\n"
        "j vectored_entry\n"
        ".endr\n"
        "vectored_entry:\n"
        "j trap_entry\n");

int main(void)
{
    pmp_allow_all();
    csr_clear(mstatus, MSTATUS_MIE);
    *CLINT_MTIMECMP = ~0ull;
    printf("mip after mtimecmp=max: %lx\n", csr_read(mip) & 0xfff);

    /* timer */
    csr_write(mie, MIP_MTIP);
    *CLINT_MTIMECMP = *CLINT_MTIME + 2000;
    csr_set(mstatus, MSTATUS_MIE);
    wait_for(1);
    csr_clear(mstatus, MSTATUS_MIE);
    show("timer");

    /* software */
    csr_write(mie, MIP_MSIP);
    *CLINT_MSIP = 1;
    printf("msip reads %x, mip %lx\n", *CLINT_MSIP, csr_read(mip) & 0xfff);
    csr_set(mstatus, MSTATUS_MIE);
    wait_for(1);
    csr_clear(mstatus, MSTATUS_MIE);
    show("software");

    /* wfi with MIE clear: wakes up, no trap */
    csr_write(mie, MIP_MTIP);
    *CLINT_MTIMECMP = *CLINT_MTIME + 5000;
    __asm__ volatile("wfi");
    printf("woke from wfi, mtip %lx\n", (csr_read(mip) >> 7) & 1);
    show("wfi without MIE");
    *CLINT_MTIMECMP = ~0ull;

    /* wfi with MIE set: the interrupt is taken, mepc after the wfi */
    *CLINT_MTIMECMP = *CLINT_MTIME + 5000;
    csr_set(mstatus, MSTATUS_MIE);
    __asm__ volatile("wfi");
    csr_clear(mstatus, MSTATUS_MIE);
    show("wfi with MIE");

    /* several pending at once */
    csr_write(mie, MIP_MSIP | MIP_MTIP | MIP_SSIP | MIP_STIP);
    *CLINT_MTIMECMP = 0;
    *CLINT_MSIP = 1;
    csr_set(mip, MIP_SSIP | MIP_STIP);
    csr_set(mstatus, MSTATUS_MIE);
    wait_for(4);
    csr_clear(mstatus, MSTATUS_MIE);
    show("pending together (M handles all)");

    /* supervisor interrupts delegated to S */
    csr_write(stvec, (uint64_t)strap_entry);
    csr_write(mideleg, MIP_SSIP | MIP_STIP | MIP_SEIP);
    csr_write(mie, MIP_SSIP | MIP_STIP | MIP_SEIP | MIP_MSIP);
    csr_set(mip, MIP_SSIP);
    enter_mode(PRV_S, s_mode_wait, 1);
    show("delegated SSIP in S");
    csr_set(mip, MIP_STIP);
    enter_mode(PRV_U, s_mode_spin, 1);
    show("delegated STIP taken in U");
    csr_clear(mip, MIP_STIP);
    csr_set(mie, MIP_STIP);
    csr_set(mip, MIP_SSIP);
    enter_mode(PRV_S, s_mode_spin, 1);
    show("SSIP in S with SIE clear (none)");
    csr_clear(mip, MIP_SSIP);
    *CLINT_MSIP = 1;
    enter_mode(PRV_S, s_mode_spin, 1);
    show("MSIP preempts S with MIE clear");

    /* Sstc */
    csr_write(menvcfg, 1ull << 63);
    csr_write(mcounteren, 2);
    uint64_t now;
    __asm__ volatile("csrr %0, time" : "=r"(now));
    __asm__ volatile("csrw 0x14d, %0" :: "r"(now + 3000));
    enter_mode(PRV_S, s_mode_wait, 1);
    show("stimecmp in S");
    printf("stip after stimecmp %lx\n", (csr_read(mip) >> 5) & 1);
    __asm__ volatile("csrw 0x14d, %0" :: "r"(~0ull));
    printf("stip after stimecmp=max %lx\n", (csr_read(mip) >> 5) & 1);
    csr_write(menvcfg, 0);

    /* vectored mtvec: an interrupt enters at base + 4 * cause */
    uint64_t tv = csr_read(mtvec);
    csr_write(mideleg, 0);
    csr_write(mtvec, (uint64_t)vector_table | 1);
    csr_write(mie, MIP_MSIP);
    *CLINT_MSIP = 1;
    csr_set(mstatus, MSTATUS_MIE);
    wait_for(1);
    csr_clear(mstatus, MSTATUS_MIE);
    csr_write(mtvec, tv);
    show("vectored");
    (void)seen_epc_ok;
    /* Where in its wait loop the S-mode timer interrupt struck depends on
       host timing, on QEMU as here: keep it out of the compared dump. */
    csr_write(sepc, 0);
    dump_csrs("CSRs at the end");
    return 0;
}
