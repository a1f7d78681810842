/* Tier-up plumbing of the native tier, in plain C so that none of it needs the GIL
 * (its sampling clock is the ticker of wasmrt_attn.h):
 *
 * - the compile queue: hot FuncCode pointers pushed by `attention()` (any thread, no GIL)
 *   and popped by the compile thread (wasmrt/_native.py), which waits without the GIL.
 * - the C stack limit of native code: the lowest address a thread's native frames may
 *   reach (its stack's low end plus a margin for host calls), cached per thread.
 */
#ifndef WASMRT_TIER_H
#define WASMRT_TIER_H

#include <stdint.h>
#include <string.h>

#include "wasmrt_thread.h"

#define WASMRT_QUEUE_CAP 4096
#define WASMRT_STACK_MARGIN (512 * 1024) /* C stack kept free below native frames */

static wr_mutex wasmrt_tier_mu = WR_MUTEX_INIT;
static wr_cond wasmrt_tier_cv = WR_COND_INIT;      /* queue non-empty */
static void *wasmrt_queue[WASMRT_QUEUE_CAP];
static unsigned wasmrt_queue_head = 0, wasmrt_queue_len = 0;
static volatile int wasmrt_tier_busy = 0;     /* jobs queued or compiling: guests yield the GIL */
/* The compile thread is out of `wasmrt_tier_pop` (it runs Python: its price, the bodies it
 * holds): guests yield the GIL too.  Without it a guest that holds the GIL and makes no
 * host call kept an idle compile thread from running for as long as it ran: the thread's
 * wake-up every 200 ms (to measure the spare core: _native._set_price) took 0.6 s on
 * resvg, which ran that long at the busy machine's price. */
static volatile int wasmrt_tier_awake = 0;

/* Queue a hot body for compilation (drops it when the queue is full: it will be sampled
 * again).  Returns 1 if queued. */
/* A guest holding the GIL hands it to the compile thread: it releases the GIL and naps
 * 200 us, long enough for the waiting thread (woken by the release) to take it.  A bare
 * release and re-take does not do: CPython's waiter only asks for the GIL after a whole
 * switch interval without a switch, and each re-take counts as a switch, so a guest that
 * released it every few milliseconds starved the compile thread. */
static void wasmrt_tier_nap(void)
{
    wr_sleep_ns(200000);
}

static int wasmrt_tier_push(void *code)
{
    int ok = 0;
    wr_mutex_lock(&wasmrt_tier_mu);
    if (wasmrt_queue_len < WASMRT_QUEUE_CAP) {
        wasmrt_queue[(wasmrt_queue_head + wasmrt_queue_len) % WASMRT_QUEUE_CAP] = code;
        wasmrt_queue_len++;
        wasmrt_tier_busy = 1;
        ok = 1;
        wr_cond_signal(&wasmrt_tier_cv);
    }
    wr_mutex_unlock(&wasmrt_tier_mu);
    return ok;
}

/* Take up to `cap` queued bodies, waiting up to `timeout_ms` for the first; returns how
 * many.  Call without the GIL.  `held` = 1 says the caller still holds bodies taken
 * earlier (it compiles the hottest first), so the tier stays busy. */
static int wasmrt_tier_pop(void **out, int cap, long timeout_ms, int held)
{
    int64_t until = wr_now_ns() + (int64_t)timeout_ms * 1000000LL;
    int n = 0;
    wr_mutex_lock(&wasmrt_tier_mu);
    if (wasmrt_queue_len == 0 && !held)
        wasmrt_tier_busy = 0;
    wasmrt_tier_awake = 0;
    while (wasmrt_queue_len == 0 && timeout_ms > 0) {
        if (wr_cond_wait_until(&wasmrt_tier_cv, &wasmrt_tier_mu, until))
            break;
    }
    while (wasmrt_queue_len > 0 && n < cap) {
        out[n++] = wasmrt_queue[wasmrt_queue_head];
        wasmrt_queue_head = (wasmrt_queue_head + 1) % WASMRT_QUEUE_CAP;
        wasmrt_queue_len--;
    }
    if (n)
        wasmrt_tier_busy = 1;
    wasmrt_tier_awake = 1;
    wr_mutex_unlock(&wasmrt_tier_mu);
    return n;
}

/* The compile thread is idle again (its batch is installed). */
static void wasmrt_tier_idle(void)
{
    wr_mutex_lock(&wasmrt_tier_mu);
    if (wasmrt_queue_len == 0)
        wasmrt_tier_busy = 0;
    wr_mutex_unlock(&wasmrt_tier_mu);
}

static WR_THREAD_LOCAL size_t wasmrt_tls_sp_limit = 0;

/* The lowest C stack address native frames of the calling thread may use. */
static size_t wasmrt_sp_limit_slow(void)
{
    size_t lo = 0, size = 0, limit = 0;
    if (wr_stack_bounds(&lo, &size) == 0 && size > 0)   /* (a small stack keeps half) */
        limit = lo + (size > 2 * WASMRT_STACK_MARGIN ? WASMRT_STACK_MARGIN : size / 2);
    if (limit == 0)     /* unknown: allow 1 MiB below the current frame */
        limit = wr_frame_address() - 1024 * 1024;
    wasmrt_tls_sp_limit = limit;
    return limit;
}

static inline size_t wasmrt_sp_limit(void)
{
    size_t v = wasmrt_tls_sp_limit;
    return v ? v : wasmrt_sp_limit_slow();
}

static inline size_t wasmrt_sp_here(void)
{
    return wr_frame_address();
}

#endif
