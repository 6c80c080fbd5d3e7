/* The CPU benchmark guest: integer hashing, memory traffic, branchy
   sorting and floating-point kernels. Each kernel prints a checksum so
   both emulators can be seen to do the same work. SCALE sets the work. */
#include "guest.h"

#ifndef SCALE
#define SCALE 4
#endif

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* integer: CRC-32 over a buffer, bit by bit */
static uint32_t crc32(const uint8_t *p, unsigned n)
{
    uint32_t crc = 0xffffffff;
    for (unsigned i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
        }
    }
    return ~crc;
}

static uint8_t data[64 * 1024];
static uint32_t keys[16 * 1024];
static uint64_t big[256 * 1024];
static uint32_t next_idx[64 * 1024];

/* memory: strided sums and a pointer chase over 2 MiB */
static uint64_t memory_kernel(void)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i < sizeof(big) / 8; i++) {
        big[i] = i * 0x9e3779b97f4a7c15ull;
    }
    for (int pass = 0; pass < 4; pass++) {
        for (unsigned i = 0; i < sizeof(big) / 8; i += 1 + pass) {
            sum += big[i];
            big[i] ^= sum;
        }
    }
    unsigned n = sizeof(next_idx) / 4;
    for (unsigned i = 0; i < n; i++) {
        next_idx[i] = i;
    }
    for (unsigned i = n - 1; i > 0; i--) {
        unsigned j = rng() % (i + 1);
        uint32_t t = next_idx[i];
        next_idx[i] = next_idx[j];
        next_idx[j] = t;
    }
    unsigned k = 0;
    for (unsigned i = 0; i < 4 * n; i++) {
        k = next_idx[k];
        sum += k;
    }
    return sum;
}

/* branches: insertion sort and binary searches */
static uint64_t branch_kernel(void)
{
    unsigned n = sizeof(keys) / 4 / 8;
    for (unsigned i = 0; i < n; i++) {
        keys[i] = rng();
    }
    for (unsigned i = 1; i < n; i++) {
        uint32_t v = keys[i];
        unsigned j = i;
        while (j > 0 && keys[j - 1] > v) {
            keys[j] = keys[j - 1];
            j--;
        }
        keys[j] = v;
    }
    uint64_t found = 0;
    for (unsigned q = 0; q < 20000; q++) {
        uint32_t v = q & 1 ? keys[rng() % n] : rng();
        unsigned lo = 0, hi = n;
        while (lo < hi) {
            unsigned mid = (lo + hi) / 2;
            if (keys[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        found += lo < n && keys[lo] == v;
    }
    return found;
}

/* floating point: matrix multiply and an n-body step */
#define M 48
static double A[M][M], B[M][M], C[M][M];

static double fp_kernel(void)
{
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < M; j++) {
            A[i][j] = (double)(i + j) / (M + 1);
            B[i][j] = (double)(i - j) / (M + 3);
        }
    }
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < M; j++) {
            double s = 0;
            for (int k = 0; k < M; k++) {
                s += A[i][k] * B[k][j];
            }
            C[i][j] = s;
        }
    }
    double px[16], py[16], vx[16], vy[16];
    for (int i = 0; i < 16; i++) {
        px[i] = i;
        py[i] = (i * 7) % 16;
        vx[i] = vy[i] = 0;
    }
    for (int step = 0; step < 200; step++) {
        for (int i = 0; i < 16; i++) {
            double ax = 0, ay = 0;
            for (int j = 0; j < 16; j++) {
                if (i == j) {
                    continue;
                }
                double dx = px[j] - px[i], dy = py[j] - py[i];
                double d2 = dx * dx + dy * dy + 0.01;
                double inv = 1.0 / (d2 * __builtin_sqrt(d2));
                ax += dx * inv;
                ay += dy * inv;
            }
            vx[i] += 0.001 * ax;
            vy[i] += 0.001 * ay;
        }
        for (int i = 0; i < 16; i++) {
            px[i] += vx[i];
            py[i] += vy[i];
        }
    }
    double s = 0;
    for (int i = 0; i < M; i++) {
        s += C[i][i];
    }
    for (int i = 0; i < 16; i++) {
        s += px[i] + py[i];
    }
    return s;
}

int main(void)
{
    uint64_t check = FNV_INIT;
    for (unsigned i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)rng();
    }
    for (int round = 0; round < SCALE; round++) {
        uint32_t c = crc32(data, sizeof(data));
        uint64_t m = memory_kernel();
        uint64_t b = branch_kernel();
        double f = fp_kernel();
        uint64_t fbits;
        __builtin_memcpy(&fbits, &f, 8);
        printf("round %d: crc %08x mem %016lx br %lu fp %016lx\n", round, c, m, b, fbits);
        check = fnv(fnv(fnv(fnv(check, c), m), b), fbits);
    }
    printf("checksum %016lx\n", check);
    return 0;
}
