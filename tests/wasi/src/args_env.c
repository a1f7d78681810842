/* args and environ: prints argc, every argv entry and every environment entry, escaped. */
#include <stdlib.h>
#include "wasi_test.h"

extern char **environ;

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++) {
        printf("argv[%d]=", i);
        print_escaped(argv[i]);
        putchar('\n');
    }
    int n = 0;
    for (char **e = environ; *e; e++, n++) {
        printf("env ");
        print_escaped(*e);
        putchar('\n');
    }
    printf("envc=%d\n", n);
    const char *home = getenv("HOME");
    printf("HOME %s\n", home ? "set" : "unset");
    return 0;
}
