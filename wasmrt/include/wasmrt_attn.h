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
 *
 * The ticker: one detached C thread that bumps the counter while something needs a clock
 * in running guests (it blocks every signal, holds no GIL, and is started again in a
 * forked child).  Two features ask for it:
 * - call_async's yielding: while a `call_async` guest computes (`wasmrt_tick_acquire` /
 *   `wasmrt_tick_release` bracket each stretch), a tick every millisecond, or a quarter of
 *   the shortest yield interval asked for (at least 100 us); the guest's attention check
 *   then compares `Ctx.yield_at` with `wasmrt_now_ns()` and yields to the event loop;
 * - the native tier's sampling (wasmrt_tier.h, _interp_native.pxi): while guests of an
 *   "auto" Engine run, a tick every millisecond, so each running guest charges one sample
 *   to its running body.  An entry into such a guest wakes the ticker
 *   (`wasmrt_ticker_wake`, after one load of `wasmrt_ticker_parked`); the sampling parks
 *   after WASMRT_TICK_IDLE ticks in which no sample was taken (`wasmrt_samples_seen`).
 * The thread sleeps on a condition variable while neither needs it.
 */
#ifndef WASMRT_ATTN_H
#define WASMRT_ATTN_H

#include <signal.h>
#include <stdint.h>

#include "wasmrt_port.h"
#include "wasmrt_thread.h"

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

/* The monotonic clock in nanoseconds (wasmrt_thread.h). */
static inline int64_t wasmrt_now_ns(void)
{
    return wr_now_ns();
}

#define WASMRT_TICK_MAX_NS 1000000L     /* the tick when nothing asks for less (1 ms) */
#define WASMRT_TICK_MIN_NS 100000L
#define WASMRT_TICK_IDLE 500             /* ticks without a sample before sampling parks */

static wr_mutex wasmrt_tick_lock = WR_MUTEX_INIT;
static wr_cond wasmrt_tick_wake = WR_COND_INIT;
static int wasmrt_tick_users = 0;               /* guests computing under call_async */
static long wasmrt_tick_ns = WASMRT_TICK_MAX_NS;
static volatile int wasmrt_ticker_parked = 1;   /* 1 while nobody samples for tier-up */
static volatile uint32_t wasmrt_samples_seen = 0;   /* tier-up samples taken (any thread) */
static unsigned wasmrt_tick_idle = WASMRT_TICK_IDLE;    /* (tests set it: _interp.set_tick_idle) */
static long wasmrt_tick_pid = 0;                /* process whose ticker runs (0: none) */
static int wasmrt_tick_forkhook = 0;

WR_THREAD_FN(wasmrt_ticker, arg)
{
    long ns;
    uint32_t last = 0;
    unsigned idle = 0;
    (void)arg;
    wr_mutex_lock(&wasmrt_tick_lock);
    for (;;) {
        while (wasmrt_tick_users == 0 && wasmrt_ticker_parked)
            wr_cond_wait(&wasmrt_tick_wake, &wasmrt_tick_lock);
        ns = wasmrt_tick_ns;
        wr_mutex_unlock(&wasmrt_tick_lock);
        wr_sleep_ns(ns);
        wasmrt_attn++;
        wr_mutex_lock(&wasmrt_tick_lock);
        if (!wasmrt_ticker_parked) {
            if (wasmrt_samples_seen != last) {
                last = wasmrt_samples_seen;
                idle = 0;
            } else if (++idle >= wasmrt_tick_idle) {
                idle = 0;
                wasmrt_ticker_parked = 1;
            }
        }
    }
    return WR_THREAD_RETURN;
}

/* In a forked child the ticker thread is gone and the lock may be held: start afresh. */
static void wasmrt_tick_atfork_child(void)
{
    wr_mutex_init(&wasmrt_tick_lock);
    wr_cond_init(&wasmrt_tick_wake);
    wasmrt_tick_users = 0;
    wasmrt_tick_ns = WASMRT_TICK_MAX_NS;
    wasmrt_ticker_parked = 1;
    wasmrt_tick_pid = 0;
}

/* Start the ticker thread in this process if it does not run yet (with the lock held).
 * Returns 0, or -1 if it cannot be started. */
static int wasmrt_tick_start_locked(void)
{
    wr_thread thread;
    if (wasmrt_tick_pid == wr_pid())
        return 0;
    if (!wasmrt_tick_forkhook) {
        wr_atfork_child(wasmrt_tick_atfork_child);
        wasmrt_tick_forkhook = 1;
    }
    if (wr_thread_start(&thread, wasmrt_ticker, NULL, 64 * 1024,
                        WR_THREAD_DETACHED | WR_THREAD_NO_SIGNALS) != 0)
        return -1;
    wasmrt_tick_pid = wr_pid();
    return 0;
}

/* A guest starts computing and wants attention about every `interval_ns`.  Returns 0, or
 * -1 if the ticker thread cannot be started (the guest then yields only at host calls). */
static int wasmrt_tick_acquire(int64_t interval_ns)
{
    long tick = (long)(interval_ns / 4 < WASMRT_TICK_MAX_NS ? interval_ns / 4 : WASMRT_TICK_MAX_NS);
    wr_mutex_lock(&wasmrt_tick_lock);
    if (wasmrt_tick_start_locked() != 0) {
        wr_mutex_unlock(&wasmrt_tick_lock);
        return -1;
    }
    if (tick < WASMRT_TICK_MIN_NS)
        tick = WASMRT_TICK_MIN_NS;
    if (tick < wasmrt_tick_ns)
        wasmrt_tick_ns = tick;
    if (wasmrt_tick_users++ == 0)
        wr_cond_signal(&wasmrt_tick_wake);
    wr_mutex_unlock(&wasmrt_tick_lock);
    return 0;
}

/* The guest stopped computing (returned, paused or trapped). */
static void wasmrt_tick_release(void)
{
    wr_mutex_lock(&wasmrt_tick_lock);
    if (wasmrt_tick_users > 0 && --wasmrt_tick_users == 0)
        wasmrt_tick_ns = WASMRT_TICK_MAX_NS;
    wr_mutex_unlock(&wasmrt_tick_lock);
}

/* Tier-up sampling is wanted (a guest of an "auto" Engine is entered while the sampling
 * is parked): start or wake the ticker.  Callers test `wasmrt_ticker_parked` first. */
static void wasmrt_ticker_wake(void)
{
    wr_mutex_lock(&wasmrt_tick_lock);
    if (wasmrt_tick_start_locked() == 0) {
        wasmrt_ticker_parked = 0;
        wr_cond_signal(&wasmrt_tick_wake);
    }
    wr_mutex_unlock(&wasmrt_tick_lock);
}

#endif
