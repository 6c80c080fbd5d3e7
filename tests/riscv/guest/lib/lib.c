#include "guest.h"

#ifdef MACHINE_SPIKE
volatile uint64_t tohost __attribute__((section(".tohost"), aligned(8)));
volatile uint64_t fromhost __attribute__((section(".tohost"), aligned(8)));

void putch(int c)
{
    tohost = (1ull << 56) | (1ull << 48) | (uint8_t)c;
    while (tohost != 0) {
    }
}

void exit(int code)
{
    tohost = ((uint64_t)code << 1) | 1;
    for (;;) {
    }
}
#else
#define UART0 ((volatile uint8_t *)0x10000000)
#define TEST_FINISHER ((volatile uint32_t *)0x100000)

void putch(int c)
{
    while (!(UART0[5] & 0x20)) {
    }
    UART0[0] = (uint8_t)c;
}

void exit(int code)
{
    if (code == 0) {
        *TEST_FINISHER = 0x5555;
    } else {
        *TEST_FINISHER = 0x3333 | ((uint32_t)code << 16);
    }
    for (;;) {
    }
}
#endif

volatile int expect_trap;
volatile uint64_t last_cause, last_tval, last_epc;
volatile uint64_t trap_resume_pc;
extern void enter_mode_return(void);

void pmp_allow_all(void)
{
    csr_write(pmpaddr0, ~0ull >> 10);
    csr_write(pmpcfg0, 0x1f);   /* NAPOT, R W X */
}

static void skip_insn(struct trap_frame *f)
{
    if (trap_resume_pc) {
        f->mepc = trap_resume_pc;
        trap_resume_pc = 0;
        return;
    }
    if ((f->mcause & 0xff) == 1 || (f->mcause & 0xff) == 12) {
        /* a fetch fault: go back to the caller of the jump */
        f->mepc = f->x[1];
        return;
    }
    /* Paging tests alias RAM at +4 GiB for U-mode code. */
    uint64_t pc = f->mepc >= USER_ALIAS ? f->mepc - USER_ALIAS : f->mepc;
    uint16_t low = *(volatile uint16_t *)pc;
    f->mepc += (low & 3) == 3 ? 4 : 2;
}

void puts_(const char *s)
{
    while (*s) {
        putch(*s++);
    }
    putch('\n');
}

static void print_num(uint64_t v, unsigned base, int width, int zero, int neg)
{
    char buf[32];
    int n = 0;
    do {
        unsigned d = v % base;
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    if (neg) {
        buf[n++] = '-';
    }
    while (n < width) {
        putch(zero ? '0' : ' ');
        width--;
    }
    while (n) {
        putch(buf[--n]);
    }
}

void vprintf_(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            putch(*fmt);
            continue;
        }
        fmt++;
        int zero = 0, width = 0, lng = 0, left = 0;
        if (*fmt == '-') {
            left = 1;
            fmt++;
        }
        if (*fmt == '0') {
            zero = 1;
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9') {
            width = width * 10 + (*fmt++ - '0');
        }
        while (*fmt == 'l') {
            lng = 1;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            print_num(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, width, zero, v < 0);
            break;
        }
        case 'u':
            print_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, zero, 0);
            break;
        case 'x':
            print_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, zero, 0);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            int len = 0;
            while (s[len]) {
                len++;
            }
            for (int i = len; !left && i < width; i++) {
                putch(' ');
            }
            for (int i = 0; i < len; i++) {
                putch(s[i]);
            }
            for (int i = len; left && i < width; i++) {
                putch(' ');
            }
            break;
        }
        case 'c':
            putch(va_arg(ap, int));
            break;
        default:
            putch(*fmt);
        }
    }
}

void printf_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf_(fmt, ap);
    va_end(ap);
}

uint64_t fnv(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001b3ull;
    }
    return h;
}

__attribute__((weak)) void secondary_main(uint64_t hartid)
{
    (void)hartid;
}

__attribute__((weak)) void trap_handler(struct trap_frame *f)
{
    uint64_t c = f->mcause;
    if ((c == 8 || c == 9 || c == 11) && f->x[17] == 0x5e7) {
        /* the end of enter_mode(): back to M-mode with the result in a0 */
        f->mepc = (uint64_t)enter_mode_return;
        csr_set(mstatus, 3 << 11);
        return;
    }
    if (expect_trap) {
        expect_trap = 0;
        last_cause = f->mcause;
        last_tval = f->mtval;
        last_epc = f->mepc;
        skip_insn(f);
        return;
    }
    printf("unexpected trap: mcause=%lx mepc=%lx mtval=%lx\n", f->mcause, f->mepc, f->mtval);
    exit(99);
}

__attribute__((weak)) void s_trap_handler(struct trap_frame *f)
{
    if (f->mcause == 8 && f->x[17] == 0x5e7) {
        /* enter_mode()'s return, delegated here: pass it on to M-mode */
        register uint64_t a0 __asm__("a0") = f->x[10];
        register uint64_t a7 __asm__("a7") = 0x5e7;
        __asm__ volatile("ecall" :: "r"(a0), "r"(a7));
    }
    if (expect_trap) {
        expect_trap = 0;
        last_cause = f->mcause | (1ull << 62);    /* marks an S-mode trap */
        last_tval = f->mtval;
        last_epc = f->mepc;
        skip_insn(f);
        return;
    }
    printf("unexpected S-mode trap: scause=%lx sepc=%lx stval=%lx\n", f->mcause, f->mepc, f->mtval);
    exit(98);
}

void dump_fregs(const char *title)
{
    uint64_t f[32];
    __asm__ volatile(
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "fsd f\\n, 8*\\n(%0)\n"
        ".endr\n" :: "r"(f) : "memory");
    printf("== %s\n", title);
    for (int i = 0; i < 32; i++) {
        printf("f%d=%016lx%c", i, f[i], i % 4 == 3 ? '\n' : ' ');
    }
    printf("fcsr=%lx\n", csr_read(fcsr));
}

void dump_csrs(const char *title)
{
    printf("== %s\n", title);
    printf("mstatus=%016lx misa=%016lx medeleg=%016lx mideleg=%016lx\n", csr_read(mstatus),
           csr_read(misa), csr_read(medeleg), csr_read(mideleg));
    printf("mie=%016lx mtvec=%016lx mepc=%016lx mcause=%016lx\n", csr_read(mie),
           csr_read(mtvec), csr_read(mepc), csr_read(mcause));
    printf("mtval=%016lx mscratch=%016lx satp=%016lx stvec=%016lx\n", csr_read(mtval),
           csr_read(mscratch), csr_read(satp), csr_read(stvec));
    printf("sepc=%016lx scause=%016lx stval=%016lx sscratch=%016lx\n", csr_read(sepc),
           csr_read(scause), csr_read(stval), csr_read(sscratch));
    printf("mcounteren=%016lx scounteren=%016lx menvcfg=%016lx mhartid=%016lx\n",
           csr_read(mcounteren), csr_read(scounteren), csr_read(menvcfg), csr_read(mhartid));
}

void dump_xregs(const char *title)
{
    uint64_t r[32];
    __asm__ volatile(
        ".irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "sd x\\n, 8*\\n(%0)\n"
        ".endr\n" :: "r"(r) : "memory");
    r[0] = 0;
    printf("== %s\n", title);
    for (int i = 0; i < 32; i++) {
        printf("x%d=%016lx%c", i, r[i], i % 4 == 3 ? '\n' : ' ');
    }
}
