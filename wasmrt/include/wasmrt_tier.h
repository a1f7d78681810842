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

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define WASMRT_QUEUE_CAP 4096
#define WASMRT_STACK_MARGIN (512 * 1024) /* C stack kept free below native frames */

static pthread_mutex_t wasmrt_tier_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wasmrt_tier_cv = PTHREAD_COND_INITIALIZER;      /* queue non-empty */
static void *wasmrt_queue[WASMRT_QUEUE_CAP];
static unsigned wasmrt_queue_head = 0, wasmrt_queue_len = 0;
static volatile int wasmrt_tier_busy = 0;     /* jobs queued or compiling: guests yield the GIL */

/* Queue a hot body for compilation (drops it when the queue is full: it will be sampled
 * again).  Returns 1 if queued. */
/* A guest holding the GIL hands it to the compile thread: it releases the GIL and naps
 * 200 us, long enough for the waiting thread (woken by the release) to take it.  A bare
 * release and re-take does not do: CPython's waiter only asks for the GIL after a whole
 * switch interval without a switch, and each re-take counts as a switch, so a guest that
 * released it every few milliseconds starved the compile thread. */
static void wasmrt_tier_nap(void)
{
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
}

static int wasmrt_tier_push(void *code)
{
    int ok = 0;
    pthread_mutex_lock(&wasmrt_tier_mu);
    if (wasmrt_queue_len < WASMRT_QUEUE_CAP) {
        wasmrt_queue[(wasmrt_queue_head + wasmrt_queue_len) % WASMRT_QUEUE_CAP] = code;
        wasmrt_queue_len++;
        wasmrt_tier_busy = 1;
        ok = 1;
        pthread_cond_signal(&wasmrt_tier_cv);
    }
    pthread_mutex_unlock(&wasmrt_tier_mu);
    return ok;
}

/* Take up to `cap` queued bodies, waiting up to `timeout_ms` for the first; returns how
 * many.  Call without the GIL.  `idle` = 1 says the caller finished its previous batch. */
static int wasmrt_tier_pop(void **out, int cap, long timeout_ms)
{
    struct timespec dl;
    int n = 0;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&wasmrt_tier_mu);
    if (wasmrt_queue_len == 0)
        wasmrt_tier_busy = 0;
    while (wasmrt_queue_len == 0) {
        if (pthread_cond_timedwait(&wasmrt_tier_cv, &wasmrt_tier_mu, &dl) != 0)
            break;
    }
    while (wasmrt_queue_len > 0 && n < cap) {
        out[n++] = wasmrt_queue[wasmrt_queue_head];
        wasmrt_queue_head = (wasmrt_queue_head + 1) % WASMRT_QUEUE_CAP;
        wasmrt_queue_len--;
    }
    if (n)
        wasmrt_tier_busy = 1;
    pthread_mutex_unlock(&wasmrt_tier_mu);
    return n;
}

/* The compile thread is idle again (its batch is installed). */
static void wasmrt_tier_idle(void)
{
    pthread_mutex_lock(&wasmrt_tier_mu);
    if (wasmrt_queue_len == 0)
        wasmrt_tier_busy = 0;
    pthread_mutex_unlock(&wasmrt_tier_mu);
}

static __thread size_t wasmrt_tls_sp_limit = 0;

/* The lowest C stack address native frames of the calling thread may use. */
static size_t wasmrt_sp_limit_slow(void)
{
    pthread_attr_t a;
    void *lo = 0;
    size_t size = 0;
    size_t limit = 0;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        if (pthread_attr_getstack(&a, &lo, &size) == 0 && size > 2 * WASMRT_STACK_MARGIN)
            limit = (size_t)lo + WASMRT_STACK_MARGIN;
        pthread_attr_destroy(&a);
    }
    if (limit == 0) {   /* unknown: allow 1 MiB below the current frame */
        char here;
        limit = (size_t)&here - 1024 * 1024;
    }
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
    return (size_t)__builtin_frame_address(0);
}

#endif
