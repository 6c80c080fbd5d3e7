/* A guest that only computes: LOOPS iterations of integer, memory and
   floating-point work, then one line of output. Used to show that the
   host does no Python work per guest instruction. */
#include "guest.h"

#ifndef LOOPS
#define LOOPS 1000
#endif

static uint64_t table[256];

int main(void)
{
    uint64_t h = FNV_INIT;
    double x = 1.0;
    for (long i = 0; i < LOOPS; i++) {
        table[i & 255] += (uint64_t)i * 3;
        h = fnv(h, table[(i * 7) & 255]);
        x = x * 1.0000001 + 0.5;
    }
    uint64_t xb;
    __builtin_memcpy(&xb, &x, 8);
    printf("%016lx %016lx\n", h, xb);
    return 0;
}
