/* Console output and the exit status. */
#include "guest.h"

int main(void)
{
    puts("Hello from the guest");
    printf("%d %u %x %lx %016lx %s %c\n", -42, 42u, 0xbeefu, 0x123456789abcdefull,
           0xfull, "str", 'z');
    return 3;
}
