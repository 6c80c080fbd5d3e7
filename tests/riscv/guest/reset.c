/* A guest that asks the test device for a machine reset once, then exits
   with a status telling whether it came back through the boot ROM. A reset
   reloads the kernel image (as QEMU does), so the mark is kept in RAM
   outside of it. */
#include "guest.h"

#define survivor (*(volatile uint64_t *)0x80f00000)

int main(void)
{
    if (survivor == 0x5eed) {
        puts("after reset");
        return 5;
    }
    survivor = 0x5eed;
    puts("resetting");
    *(volatile uint32_t *)0x100000 = 0x7777;
    puts("not reached");
    return 1;
}
