/* External interrupts: the UART's received-data interrupt through the
   PLIC to the hart's M-mode context (priority, enable, threshold,
   pending, claim and complete), and the transmitter-empty interrupt. The
   test types "ab\n" once the guest says it is ready. */
#include "guest.h"

#define UART0 ((volatile uint8_t *)0x10000000)
#define PLIC_PRIORITY ((volatile uint32_t *)0x0c000000)
#define PLIC_PENDING ((volatile uint32_t *)0x0c001000)
#define PLIC_ENABLE_M0 ((volatile uint32_t *)0x0c002000)
#define PLIC_THRESHOLD_M0 ((volatile uint32_t *)0x0c200000)
#define PLIC_CLAIM_M0 ((volatile uint32_t *)0x0c200004)
#define UART_IRQ 10
#define MIP_MEIP (1u << 11)
#define MSTATUS_MIE (1u << 3)

static volatile int claims, thre_seen;
static volatile char received[16];
static volatile int nreceived;

void trap_handler(struct trap_frame *f)
{
    if (f->mcause != ((1ull << 63) | 11)) {
        printf("unexpected trap: mcause=%lx mepc=%lx\n", f->mcause, f->mepc);
        exit(99);
    }
    uint32_t source = *PLIC_CLAIM_M0;
    uint8_t iir = UART0[2];
    if ((iir & 0x0f) == 0x02) {
        thre_seen++;
        UART0[1] = 0x01;                /* received data only from now on */
    }
    while (UART0[5] & 0x01) {
        if (nreceived < 15) {
            received[nreceived++] = (char)UART0[0];
        }
    }
    claims += source == UART_IRQ;
    *PLIC_CLAIM_M0 = source;
}

int main(void)
{
    UART0[2] = 0x07;                    /* FIFO on and cleared, trigger at 1 */
    UART0[1] = 0x01;                    /* received-data interrupt */
    PLIC_PRIORITY[UART_IRQ] = 1;
    *PLIC_THRESHOLD_M0 = 1;             /* priority 1 is not above it */
    PLIC_ENABLE_M0[0] = 1u << UART_IRQ;
    puts("ready");
    while (!(UART0[5] & 0x01)) {
    }
    printf("pending bit %d, meip at threshold 1: %d\n",
           (int)((PLIC_PENDING[0] >> UART_IRQ) & 1), (int)((csr_read(mip) & MIP_MEIP) != 0));
    *PLIC_THRESHOLD_M0 = 0;
    printf("meip at threshold 0: %d\n", (int)((csr_read(mip) & MIP_MEIP) != 0));
    csr_set(mie, MIP_MEIP);
    csr_set(mstatus, MSTATUS_MIE);
    while (nreceived < 3) {
        __asm__ volatile("wfi");
    }
    csr_clear(mstatus, MSTATUS_MIE);
    printf("claims of source %d: %d, received: %c%c, pending now %d\n", UART_IRQ,
           claims > 0, received[0], received[1], (int)(PLIC_PENDING[0] >> UART_IRQ) & 1);
    UART0[1] = 0x03;                    /* and transmitter empty */
    csr_set(mstatus, MSTATUS_MIE);
    while (!thre_seen) {
    }
    printf("transmitter-empty interrupts: %d\n", thre_seen);
    return 0;
}
