/* Self-modifying code: code written and run (with and without fence.i),
   an instruction patched by a store earlier in the same block, a function
   rewritten while a loop keeps calling it through chained blocks, 16-bit
   patches, and code rewritten through a second virtual mapping of its
   page. Translated code must always follow the bytes in memory. */
#include "guest.h"

static uint32_t buf[1024] __attribute__((aligned(4096)));
static uint32_t page2[1024] __attribute__((aligned(4096)));

#define LI_A0(v) (0x00000513u | ((uint32_t)(v) << 20))       /* addi a0, zero, v */
#define ADDI_A0(v) (0x00050513u | ((uint32_t)(v) << 20))     /* addi a0, a0, v */
#define RET 0x00008067u

typedef uint64_t (*fn_t)(void);

static void fencei(void) { __asm__ volatile("fence.i" ::: "memory"); }

static uint64_t call(void *p) { return ((fn_t)p)(); }

int main(void)
{
    /* written, run, rewritten, run again */
    buf[0] = LI_A0(1);
    buf[1] = RET;
    fencei();
    uint64_t a = call(buf);
    buf[0] = LI_A0(2);
    fencei();
    uint64_t b = call(buf);
    buf[0] = LI_A0(3);
    uint64_t c = call(buf);                  /* no fence.i */
    printf("rewrite: %lu %lu %lu\n", a, b, c);

    /* a store patching a later instruction of the same block:
         sw   t1, 12(t0)      # patch the addi below
         addi a0, zero, 0
         addi a0, a0, 1       # becomes addi a0, a0, 100
         addi a0, a0, 1       # (target of the store: index 3)
         ret */
    buf[0] = 0x0062a623u;                    /* sw t1, 12(t0) */
    buf[1] = LI_A0(0);
    buf[2] = ADDI_A0(1);
    buf[3] = ADDI_A0(1);
    buf[4] = RET;
    fencei();
    uint64_t r;
    for (int i = 0; i < 3; i++) {
        buf[3] = ADDI_A0(1);
        __asm__ volatile("mv t0, %1\nmv t1, %2\njalr ra, 0(%1)\nmv %0, a0"
                         : "=r"(r) : "r"(buf), "r"((uint64_t)ADDI_A0(100))
                         : "t0", "t1", "a0", "ra", "memory");
        printf("patched ahead, round %d: %lu\n", i, r);
    }

    /* the store patches the very next instruction */
    buf[0] = 0x0062a223u;                    /* sw t1, 4(t0) */
    buf[1] = LI_A0(5);
    buf[2] = RET;
    fencei();
    __asm__ volatile("mv t0, %1\nmv t1, %2\njalr ra, 0(%1)\nmv %0, a0"
                     : "=r"(r) : "r"(buf), "r"((uint64_t)LI_A0(9))
                     : "t0", "t1", "a0", "ra", "memory");
    printf("patched next: %lu\n", r);

    /* a hot loop calling a function that gets rewritten halfway */
    page2[0] = LI_A0(1);
    page2[1] = RET;
    fencei();
    uint64_t sum = 0;
    for (int i = 0; i < 2000; i++) {
        if (i == 1000) {
            page2[0] = LI_A0(7);
        }
        sum += call(page2);
    }
    printf("hot loop sum: %lu\n", sum);

    /* 16-bit patches: c.li a0, 3 -> c.li a0, 11 */
    uint16_t *h = (uint16_t *)buf;
    h[0] = 0x450d;                           /* c.li a0, 3 */
    h[1] = 0x8082;                           /* c.jr ra */
    fencei();
    a = call(buf);
    h[0] = 0x452d;                           /* c.li a0, 11 */
    b = call(buf);
    printf("compressed patch: %lu %lu\n", a, b);

    /* half of a 32-bit instruction rewritten */
    buf[0] = LI_A0(0x123);
    buf[1] = RET;
    fencei();
    a = call(buf);
    h[1] = (uint16_t)(LI_A0(0x456) >> 16);
    b = call(buf);
    printf("half-word patch: %lx %lx\n", a, b);

    /* code spanning two pages, the second page rewritten */
    uint32_t *edge = page2 - 1;              /* last word of buf's page ... */
    (void)edge;
    uint16_t *tail = (uint16_t *)((uint8_t *)page2 - 2);
    tail[0] = 0x0513;                        /* low half of addi a0, zero, 6 */
    ((uint16_t *)page2)[0] = (uint16_t)(LI_A0(6) >> 16);
    page2[1 - 1 + 0] = page2[0];
    ((uint16_t *)page2)[1] = 0x8082;         /* c.jr ra */
    fencei();
    a = call(tail);
    ((uint16_t *)page2)[0] = (uint16_t)(LI_A0(8) >> 16);
    b = call(tail);
    printf("straddling instruction: %lu %lu\n", a, b);
    return 0;
}
