/* Shared helpers of the WASI test programs: T(expr) prints the expression, its result
 * and, when it failed, errno (wasi-libc's errno values are WASI's Errno codes). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define T(expr)                                                                      \
    do {                                                                             \
        errno = 0;                                                                   \
        long r_ = (long)(expr);                                                      \
        if (r_ < 0)                                                                  \
            printf("%s -> %ld errno=%d\n", #expr, r_, errno);                        \
        else                                                                         \
            printf("%s -> %ld\n", #expr, r_);                                        \
    } while (0)

/* Print s with C-style escapes so quotes, newlines and non-ASCII bytes show. */
static inline void print_escaped(const char *s) {
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n') fputs("\\n", stdout);
        else if (*p == '"') fputs("\\\"", stdout);
        else if (*p == '\\') fputs("\\\\", stdout);
        else if (*p < 0x20 || *p >= 0x7f) printf("\\x%02x", *p);
        else putchar(*p);
    }
    putchar('"');
}
