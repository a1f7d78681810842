/* Built with -g (see the Makefile): a program whose traps and hot spots are known by
 * line, for source-line backtraces and the profiler (tests/test_debuginfo.py,
 * tests/test_profiler.py).  The tests find the lines by the LINE: markers.
 *
 *   backtrace oob      out-of-bounds load in `element`, inlined into `lookup`
 *   backtrace div N    integer division by N in `divide` (traps for N = 0)
 *   backtrace work N   N rounds of three kernels of different cost, printing each sum
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int table[4];

static inline int element(int *p, int i)
{
    return p[i];                                        /* LINE: element */
}

__attribute__((noinline)) int lookup(int i)
{
    int v = element(table, i * 100000000);              /* LINE: lookup */
    return v + 1;
}

__attribute__((noinline)) int divide(int a, int b)
{
    return a / b;                                       /* LINE: divide */
}

static inline unsigned mix(unsigned h, unsigned v)
{
    h ^= v;
    h *= 0x01000193u;
    return h ^ (h >> 15);
}

/* the hot spot of a `work` run */
__attribute__((noinline)) unsigned checksum(const unsigned char *p, size_t n)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = mix(h, p[i]);
    return h;
}

static int compare(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

__attribute__((noinline)) unsigned sort_sum(unsigned *v, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        v[i] = seed = seed * 1103515245u + 12345u;
    qsort(v, n, sizeof *v, compare);
    return v[n / 2];
}

__attribute__((noinline)) unsigned fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)((seed = seed * 1664525u + 1013904223u) >> 24);
    return seed;
}

static unsigned char bytes[1 << 16];
static unsigned words[1 << 9];

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int n = argc > 2 ? atoi(argv[2]) : 1;
    table[argc & 3] = argc;
    if (strcmp(mode, "oob") == 0)
        return lookup(argc + 7);                        /* LINE: main-oob */
    if (strcmp(mode, "div") == 0)
        return divide(argc, n);                         /* LINE: main-div */
    if (strcmp(mode, "work") == 0) {
        unsigned seed = 1;
        for (int r = 0; r < n; r++) {
            seed = fill(bytes, sizeof bytes, seed);
            unsigned a = checksum(bytes, sizeof bytes);
            unsigned b = checksum(bytes + 1, sizeof bytes - 1);
            a ^= checksum(bytes + 2, sizeof bytes - 2);
            b ^= checksum(bytes + 3, sizeof bytes - 3);
            unsigned c = sort_sum(words, sizeof words / sizeof *words, seed);
            printf("%d %u %u %u\n", r, a, b, c);
        }
        return 0;
    }
    fprintf(stderr, "usage: backtrace oob | div N | work N\n");
    return 2;
}
