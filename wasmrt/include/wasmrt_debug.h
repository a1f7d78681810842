/* Invariant checks of the debug build (WASMRT_DEBUG=1 make debug: setup.py defines the
 * WASMRT_DEBUG macro).  In the release build WASMRT_DEBUG is 0, every check is dead code and
 * the compiler removes it: the hot loop is the same.
 *
 *   WASMRT_DEBUG               1 in the debug build, else 0 (Cython reads it as a constant)
 *   wasmrt_check(cond, what)   in the debug build, print `what` and abort() when cond is
 *                              false: for nogil code (handlers), where no exception can rise
 */
#ifndef WASMRT_DEBUG_H
#define WASMRT_DEBUG_H

#include <stdio.h>
#include <stdlib.h>

#ifndef WASMRT_DEBUG
#define WASMRT_DEBUG 0
#endif

static inline void wasmrt_check(int cond, const char* what) {
    if (WASMRT_DEBUG && !cond) {
        fprintf(stderr, "wasmrt: invariant violated: %s\n", what);
        fflush(stderr);
        abort();
    }
}

#endif
