/* Attention requests for running wasm code: how Ctrl-C reaches a guest that never calls
 * the host, on any Engine (metered or not).
 *
 * `wasmrt_attn` is a process-wide counter bumped asynchronously (by the SIGINT hook below).
 * Every Store remembers the value it last saw (`Ctx.attn_seen`); loop back-edges,
 * `br_table` and wasm calls compare the two (`wasmrt_attn_pending`: two loads and a
 * compare, no store on the fast path) and take the slow path `attention()` (in
 * _interp_frames.pxi) when they differ, which runs CPython's signal handlers on the main
 * thread, where they raise KeyboardInterrupt into the guest.
 *
 * The SIGINT hook is chained in front of the handler in place (CPython's), so Python sees
 * every signal as before.  It is only installed over a real handler (never over SIG_DFL or
 * SIG_IGN) and re-installed by `wasmrt_hook_sigint()` if something replaced it since
 * (signal.signal(SIGINT, ...) and asyncio do): _interp calls it at import and whenever a
 * Store is created.
 *
 * Windows has no sigaction: there the hook is installed with signal(), which also returns
 * the handler it replaces (put back at once if that was SIG_DFL or SIG_IGN), and re-arms
 * itself after each signal (the C runtime resets a handler to SIG_DFL when it runs).
 */
#ifndef WASMRT_ATTN_H
#define WASMRT_ATTN_H

#include <signal.h>
#include <stdint.h>

#include "wasmrt_port.h"

static volatile uint32_t wasmrt_attn = 0;          /* bumped on every attention request */
static volatile sig_atomic_t wasmrt_sigint = 0;    /* a SIGINT arrived since last handled */
static volatile sig_atomic_t wasmrt_in_hook = 0;

#define wasmrt_attn_pending(seen) wasmrt_unlikely(wasmrt_attn != (seen))

/* The calling thread's CPython ident (callable without the GIL; Python.h is included
 * first by the generated C). */
static inline unsigned long wasmrt_thread_ident(void)
{
    return PyThread_get_thread_ident();
}

#if defined(_WIN32)
typedef void (*wasmrt_sighandler)(int);
static wasmrt_sighandler wasmrt_prev_sigint = SIG_DFL;  /* the handler the hook chains to */

static void wasmrt_on_sigint(int sig)
{
    wasmrt_sigint = 1;
    wasmrt_attn++;
    if (!wasmrt_in_hook && wasmrt_prev_sigint != SIG_DFL && wasmrt_prev_sigint != SIG_IGN) {
        wasmrt_in_hook = 1;
        wasmrt_prev_sigint(sig);
        wasmrt_in_hook = 0;
    }
    signal(SIGINT, wasmrt_on_sigint);
}

static int wasmrt_hook_sigint(void)
{
    wasmrt_sighandler cur = signal(SIGINT, wasmrt_on_sigint);
    if (cur == wasmrt_on_sigint)
        return 1;
    if (cur == SIG_ERR)
        return 0;
    if (cur == SIG_DFL || cur == SIG_IGN) {
        signal(SIGINT, cur);
        return 0;
    }
    wasmrt_prev_sigint = cur;
    return 1;
}
#else
static struct sigaction wasmrt_prev_sigint;        /* the handler the hook chains to */

static void wasmrt_on_sigint(int sig, siginfo_t *info, void *uctx)
{
    wasmrt_sigint = 1;
    wasmrt_attn++;
    if (wasmrt_in_hook)        /* a handler chained behind us chains back to us: stop */
        return;
    wasmrt_in_hook = 1;
    if (wasmrt_prev_sigint.sa_flags & SA_SIGINFO)
        wasmrt_prev_sigint.sa_sigaction(sig, info, uctx);
    else if (wasmrt_prev_sigint.sa_handler != SIG_DFL && wasmrt_prev_sigint.sa_handler != SIG_IGN)
        wasmrt_prev_sigint.sa_handler(sig);
    wasmrt_in_hook = 0;
}

/* Put the hook in front of the current SIGINT handler if that is a function and not the
 * hook already.  Returns 1 if the hook is in place, 0 if SIGINT is ignored or default. */
static int wasmrt_hook_sigint(void)
{
    struct sigaction cur, act;
    if (sigaction(SIGINT, NULL, &cur) != 0)
        return 0;
    if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == wasmrt_on_sigint)
        return 1;
    if (!(cur.sa_flags & SA_SIGINFO) && (cur.sa_handler == SIG_DFL || cur.sa_handler == SIG_IGN))
        return 0;
    wasmrt_prev_sigint = cur;  /* the hook is not installed: nothing reads this meanwhile */
    act = cur;
    act.sa_sigaction = wasmrt_on_sigint;
    act.sa_flags = cur.sa_flags | SA_SIGINFO;
    if (sigaction(SIGINT, &act, NULL) != 0)
        return 0;
    return 1;
}
#endif

#endif
