/* stdin: copies stdin to stdout upper-cased, then reports the byte count on stderr. */
#include <ctype.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    char buf[7]; /* small on purpose: many reads */
    long total = 0;
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) buf[i] = (char)toupper((unsigned char)buf[i]);
        write(1, buf, (size_t)n);
        total += n;
    }
    fprintf(stderr, "read %ld bytes, last read %ld\n", total, (long)n);
    return n < 0 ? 1 : 0;
}
