/* The C extension: each compressed instruction (the assembler's c.*
   forms), register state after a block of them, and the reserved
   encodings, which trap as illegal instructions with the 16-bit encoding
   in mtval. */
#include "guest.h"

static uint64_t mem[8] __attribute__((aligned(8)));

#define SHOW(name, r) printf("%-12s %016lx\n", name, (uint64_t)(r))

static void arithmetic(void)
{
    uint64_t a, b;
    __asm__ volatile("li %0, 5\nc.addi %0, -3" : "=r"(a)); SHOW("c.addi", a);
    __asm__ volatile("li %0, 0x7fffffff\nc.addiw %0, 1" : "=r"(a)); SHOW("c.addiw", a);
    __asm__ volatile("c.li %0, -17" : "=r"(a)); SHOW("c.li", a);
    __asm__ volatile("c.lui %0, 0xfffe1" : "=r"(a)); SHOW("c.lui", a);
    __asm__ volatile("c.lui %0, 0x1f" : "=r"(a)); SHOW("c.lui+", a);
    __asm__ volatile("li %0, -1\nc.srli %0, 7" : "=r"(a)); SHOW("c.srli", a);
    __asm__ volatile("li %0, -256\nc.srai %0, 4" : "=r"(a)); SHOW("c.srai", a);
    __asm__ volatile("li %0, -1\nc.andi %0, -6" : "=r"(a)); SHOW("c.andi", a);
    __asm__ volatile("li %0, 3\nc.slli %0, 62" : "=r"(a)); SHOW("c.slli", a);
    __asm__ volatile("li %0, 100\nli %1, 58\nc.sub %0, %1" : "=&r"(a), "=&r"(b)); SHOW("c.sub", a);
    __asm__ volatile("li %0, 0xf0f0\nli %1, 0xff00\nc.xor %0, %1" : "=&r"(a), "=&r"(b)); SHOW("c.xor", a);
    __asm__ volatile("li %0, 0xf0f0\nli %1, 0xff00\nc.or %0, %1" : "=&r"(a), "=&r"(b)); SHOW("c.or", a);
    __asm__ volatile("li %0, 0xf0f0\nli %1, 0xff00\nc.and %0, %1" : "=&r"(a), "=&r"(b)); SHOW("c.and", a);
    __asm__ volatile("li %0, 0x80000000\nli %1, 1\nc.subw %0, %1" : "=&r"(a), "=&r"(b)); SHOW("c.subw", a);
    __asm__ volatile("li %0, 0x7fffffff\nli %1, 1\nc.addw %0, %1" : "=&r"(a), "=&r"(b)); SHOW("c.addw", a);
    __asm__ volatile("li %1, 0x1234\nc.mv %0, %1" : "=&r"(a), "=&r"(b)); SHOW("c.mv", a);
    __asm__ volatile("li %0, 40\nli %1, 2\nc.add %0, %1" : "=&r"(a), "=&r"(b)); SHOW("c.add", a);
    __asm__ volatile("mv t0, sp\nc.addi16sp sp, -64\nsub %0, t0, sp\nc.addi16sp sp, 64" : "=r"(a) :: "t0");
    SHOW("c.addi16sp", a);
    __asm__ volatile("c.addi4spn %0, sp, 1020\nsub %0, %0, sp" : "=r"(a)); SHOW("c.addi4spn", a);
}

static void memory(void)
{
    uint64_t a, b, c;
    mem[0] = 0x8877665544332211;
    mem[1] = 0xfffffffe12345678;
    __asm__ volatile("c.ld %0, 0(%1)" : "=r"(a) : "r"(mem)); SHOW("c.ld", a);
    __asm__ volatile("c.lw %0, 12(%1)" : "=r"(a) : "r"(mem)); SHOW("c.lw", a);
    __asm__ volatile("li %0, 0x55\nc.sw %0, 4(%1)" : "=&r"(a) : "r"(mem) : "memory"); SHOW("c.sw", mem[0]);
    __asm__ volatile("li %0, -2\nc.sd %0, 8(%1)" : "=&r"(a) : "r"(mem) : "memory"); SHOW("c.sd", mem[1]);
    __asm__ volatile("c.fld fa0, 0(%1)\nfmv.x.d %0, fa0" : "=r"(a) : "r"(mem) : "fa0"); SHOW("c.fld", a);
    __asm__ volatile("fmv.d.x fa0, %1\nc.fsd fa0, 16(%2)\nld %0, 16(%2)" : "=r"(a) : "r"(0x4000000000000001ull), "r"(mem) : "fa0", "memory");
    SHOW("c.fsd", a);
    /* stack-pointer relative forms */
    __asm__ volatile("addi sp, sp, -32\n"
                     "li t0, 0x1111\nc.sdsp t0, 8(sp)\nc.ldsp %0, 8(sp)\n"
                     "li t0, -7\nc.swsp t0, 16(sp)\nc.lwsp %1, 16(sp)\n"
                     "fmv.d.x fa1, %3\nc.fsdsp fa1, 24(sp)\nc.fldsp fa2, 24(sp)\nfmv.x.d %2, fa2\n"
                     "addi sp, sp, 32"
                     : "=&r"(a), "=&r"(b), "=&r"(c) : "r"(0x3ff0000000000003ull) : "t0", "fa1", "fa2", "memory");
    SHOW("c.ldsp", a); SHOW("c.lwsp", b); SHOW("c.fldsp", c);
}

static void control(void)
{
    uint64_t a, b;
    __asm__ volatile("li %0, 1\nc.j 1f\nli %0, 2\n1:" : "=r"(a)); SHOW("c.j", a);
    __asm__ volatile("li %0, 0\nli %1, 1\nc.beqz %0, 1f\nli %1, 2\n1:" : "=&r"(a), "=&r"(b)); SHOW("c.beqz", b);
    __asm__ volatile("li %0, 3\nli %1, 1\nc.beqz %0, 1f\nli %1, 2\n1:" : "=&r"(a), "=&r"(b)); SHOW("c.beqz-", b);
    __asm__ volatile("li %0, 3\nli %1, 1\nc.bnez %0, 1f\nli %1, 2\n1:" : "=&r"(a), "=&r"(b)); SHOW("c.bnez", b);
    __asm__ volatile("la %0, 1f\nli %1, 1\nc.jr %0\nli %1, 2\n1:" : "=&r"(a), "=&r"(b)); SHOW("c.jr", b);
    __asm__ volatile("mv t1, ra\nla %0, 1f\nc.jalr %0\n1: sub %1, ra, %0\nmv ra, t1" : "=&r"(a), "=&r"(b) :: "t1");
    SHOW("c.jalr", b);
    expect_trap = 1;
    __asm__ volatile("c.ebreak");
    SHOW("c.ebreak", last_cause);
}

static void reserved(void)
{
#define RESERVED(enc)                                                          \
    do {                                                                       \
        expect_trap = 1;                                                       \
        __asm__ volatile(".2byte " #enc);                                      \
        printf("reserved %-8s cause %lx tval %lx\n", #enc, last_cause, last_tval); \
    } while (0)
    RESERVED(0x0000);   /* all zeros */
    RESERVED(0x0010);   /* c.addi4spn with a zero immediate */
    RESERVED(0x6101);   /* c.addi16sp 0 */
    RESERVED(0x6281);   /* c.lui x5, 0 */
    RESERVED(0x4002);   /* c.lwsp x0 */
    RESERVED(0x6002);   /* c.ldsp x0 */
    RESERVED(0x8002);   /* c.jr x0 */
    RESERVED(0x2001);   /* c.addiw x0 */
    RESERVED(0x9c41);   /* c.subw's neighbour: reserved funct */
    RESERVED(0x8001 | (4 << 13) | (1 << 12) | (3 << 10) | (2 << 5));
    RESERVED(0x8001 | (4 << 13) | (1 << 12) | (3 << 10) | (3 << 5));
    RESERVED(0x8000);   /* quadrant 0, funct3 4 */
    /* hints execute as no-ops */
    __asm__ volatile(".2byte 0x0001\n.2byte 0x4001\n.2byte 0x0012");
    puts("hints ok");
}

int main(void)
{
    arithmetic();
    memory();
    control();
    reserved();
    return 0;
}
