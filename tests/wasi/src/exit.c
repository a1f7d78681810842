/* Exit codes and abnormal ends: `exit.wasm N` exits with N; `exit.wasm trap` executes
 * `unreachable`; `exit.wasm abort` calls abort(); `exit.wasm return N` returns N from main. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) return 0;
    printf("exiting\n");
    fflush(stdout);
    fprintf(stderr, "to stderr\n");
    if (!strcmp(argv[1], "trap")) __builtin_trap();
    if (!strcmp(argv[1], "abort")) abort();
    if (!strcmp(argv[1], "return")) return argc > 2 ? atoi(argv[2]) : 0;
    exit(atoi(argv[1]));
}
