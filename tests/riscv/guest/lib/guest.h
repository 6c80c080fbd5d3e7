/* The small runtime of the test guests: console output through the
   board's UART (virt) or HTIF (spike), exit status, formatted printing and
   register dumps that the tests compare between cyqemu and QEMU. */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdint.h>

struct trap_frame {
    uint64_t x[32];
    uint64_t mepc, mcause, mtval;
};

void putch(int c);
void puts_(const char *s);
void printf_(const char *fmt, ...);
void vprintf_(const char *fmt, va_list ap);
void exit(int code) __attribute__((noreturn));
/* What harts other than 0 run (they wait for interrupts when it returns). */
void secondary_main(uint64_t hartid);
void dump_xregs(const char *title);
/* The floating-point registers and fcsr, then the main M/S CSRs. */
void dump_fregs(const char *title);
void dump_csrs(const char *title);
/* Called from trap_entry; the default one reports the trap and exits 99.
   Tests may provide their own. */
void trap_handler(struct trap_frame *f);
/* Tests that expect a trap set this; trap_handler records the trap in
   last_trap_* and skips the faulting instruction. */
extern volatile int expect_trap;
extern volatile uint64_t last_cause, last_tval, last_epc;

uint64_t fnv(uint64_t h, uint64_t v);

/* Paging tests map RAM a second time at this offset, with the U bit. */
#define USER_ALIAS 0x100000000ull

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3
/* Run fn(arg) in privilege `mode`; returns fn's result (modes.S). */
uint64_t enter_mode(uint64_t mode, uint64_t (*fn)(uint64_t), uint64_t arg);
/* Where enter_mode's trampoline runs, relative to its link address. */
extern uint64_t enter_mode_offset;
/* Give S and U access to all memory (QEMU only leaves M-mode when a PMP
   rule exists). */
void pmp_allow_all(void);
/* The S-mode trap handler behind strap_entry (for delegation tests): like
   trap_handler, records an expected trap and skips the instruction. */
void s_trap_handler(struct trap_frame *f);
extern void strap_entry(void);
/* When set, a trap returns to this address instead of skipping the
   instruction (for faults on instruction fetch). */
extern volatile uint64_t trap_resume_pc;

#define FNV_INIT 0xcbf29ce484222325ull

#define csr_read(csr) ({ uint64_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" :: "r"((uint64_t)(val)))
#define csr_set(csr, val) __asm__ volatile("csrs " #csr ", %0" :: "r"((uint64_t)(val)))
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" :: "r"((uint64_t)(val)))

#define printf printf_
#define puts puts_

#endif
