/*
 * Host floating-point environment control for the execution loop.
 *
 * Guest FP ops run on the host's SSE unit with MXCSR set to the guest's
 * rounding mode and cleared flags; the flags the host raises are read back
 * and folded into the guest's accrued flags. Before control returns to
 * Python (MMIO callbacks, leaving the loop) MXCSR goes back to the default.
 */
#ifndef CYQEMU_HOST_FP_H
#define CYQEMU_HOST_FP_H

#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#define HOST_FP_MXCSR 1
static inline void host_fp_set_csr(uint32_t csr)
{
    __asm__ __volatile__("ldmxcsr %0" : : "m"(csr) : "memory");
}

static inline uint32_t host_fp_get_csr(void)
{
    uint32_t csr;
    __asm__ __volatile__("stmxcsr %0" : "=m"(csr) : : "memory");
    return csr;
}

/* Default MXCSR: all exceptions masked, round to nearest, no FTZ/DAZ. */
static inline void host_fp_reset(void)
{
    host_fp_set_csr(0x1f80);
}
#else
#include <fenv.h>
static inline void host_fp_reset(void)
{
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
}
#endif

#endif
