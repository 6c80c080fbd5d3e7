
#include "guest.h"
#ifndef K
#define K 0
#endif
static double a[1024];
int main(void) {
    uint64_t h = 0; double s = 0;
    for (long i = 0; i < 3000000; i++) {
#if K == 0
        h = h * 31 + (i ^ (h >> 3));
#elif K == 1
        a[i & 1023] = a[(i * 7) & 1023] + 1.5;
#elif K == 2
        s = s * 0.999 + (double)i;
#elif K == 3
        if ((h ^ i) & 4) h += 3; else h ^= i;
#endif
    }
    printf("%lx %lx\n", h, (uint64_t)s + (uint64_t)a[5]);
    return 0;
}
