/* An interactive guest: reads lines from the UART and answers them.
   `make run` boots it when Debian's firmware is not installed, and the
   tests feed it input to exercise the UART's receive path. */
#include "guest.h"

#ifdef MACHINE_VIRT
#define UART0 ((volatile uint8_t *)0x10000000)
#define MTIME (*(volatile uint64_t *)0x200bff8)

static int getch(void)
{
    while (!(UART0[5] & 0x01)) {
    }
    return UART0[0];
}

static int read_line(char *buf, int size)
{
    int n = 0;
    for (;;) {
        int c = getch();
        if (c == '\r' || c == '\n') {
            putch('\n');
            buf[n] = 0;
            return n;
        }
        if ((c == 0x7f || c == 0x08) && n > 0) {
            n--;
            printf("\b \b");
        } else if (c >= ' ' && n < size - 1) {
            buf[n++] = (char)c;
            putch(c);
        }
    }
}

static int starts_with(const char *s, const char *prefix)
{
    while (*prefix) {
        if (*s++ != *prefix++) {
            return 0;
        }
    }
    return 1;
}

int main(void)
{
    char line[80];
    puts("cyqemu console guest: help, sum A B, time, exit N");
    for (;;) {
        printf("guest> ");
        read_line(line, sizeof(line));
        if (starts_with(line, "help")) {
            puts("sum A B: add two numbers; time: ticks of mtime; exit N: power off");
        } else if (starts_with(line, "sum ")) {
            long a = 0, b = 0, *p = &a;
            for (const char *s = line + 4; *s; s++) {
                if (*s == ' ') {
                    p = &b;
                } else {
                    *p = *p * 10 + (*s - '0');
                }
            }
            printf("%ld\n", a + b);
        } else if (starts_with(line, "time")) {
            printf("mtime advanced: %d\n", MTIME > 0);
        } else if (starts_with(line, "exit")) {
            int code = 0;
            for (const char *s = line + 4; *s; s++) {
                if (*s >= '0' && *s <= '9') {
                    code = code * 10 + (*s - '0');
                }
            }
            return code;
        } else if (line[0]) {
            printf("unknown command: %s\n", line);
        }
    }
}
#else
int main(void)
{
    puts("the console guest needs the virt board's UART");
    return 1;
}
#endif
