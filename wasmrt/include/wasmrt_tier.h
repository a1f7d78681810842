/* Tier-up plumbing of the native tier, in plain C so that none of it needs the GIL:
 *
 * - the sampling ticker: a thread that bumps `wasmrt_attn` (wasmrt_attn.h) every
 *   WASMRT_TICK_NS while guests of an "auto" Engine run.  Every running guest then takes
 *   the slow path of its next attention check (a loop back-edge, br_table or call) once
 *   per tick, where `attention()` charges one sample to the running function
 *   (_interp_native.pxi).  The interpreter's fast paths are unchanged: the samples are
 *   the call and back-edge counters, folded into the checks that already exist.  The
 *   ticker parks itself after WASMRT_TICK_IDLE ticks without a sample and an entry into
 *   wasm wakes it (`wasmrt_ticker_wake`, one load when it is running).
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

#define WASMRT_TICK_NS 1000000L          /* one sample per running guest per millisecond */
#define WASMRT_TICK_IDLE 500             /* ticks without a sample before the ticker parks */
#define WASMRT_QUEUE_CAP 4096
#define WASMRT_STACK_MARGIN (512 * 1024) /* C stack kept free below native frames */

static pthread_mutex_t wasmrt_tier_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wasmrt_tier_cv = PTHREAD_COND_INITIALIZER;      /* queue non-empty */
static pthread_cond_t wasmrt_ticker_cv = PTHREAD_COND_INITIALIZER;    /* ticker woken */
static void *wasmrt_queue[WASMRT_QUEUE_CAP];
static unsigned wasmrt_queue_head = 0, wasmrt_queue_len = 0;
static volatile int wasmrt_tier_busy = 0;     /* jobs queued or compiling: guests yield the GIL */
static volatile int wasmrt_ticker_parked = 1; /* 1 while the ticker sleeps (or never started) */
static volatile uint32_t wasmrt_samples_seen = 0;
static int wasmrt_ticker_started = 0;
static int wasmrt_ticker_stop = 0;

static volatile uint32_t *wasmrt_tick_target = 0;   /* &wasmrt_attn, set by _interp */

static void *wasmrt_ticker_main(void *arg)
{
    struct timespec ts = {0, WASMRT_TICK_NS};
    uint32_t last = 0;
    unsigned idle = 0;
    (void)arg;
    pthread_mutex_lock(&wasmrt_tier_mu);
    for (;;) {
        while (wasmrt_ticker_parked && !wasmrt_ticker_stop)
            pthread_cond_wait(&wasmrt_ticker_cv, &wasmrt_tier_mu);
        if (wasmrt_ticker_stop)
            break;
        pthread_mutex_unlock(&wasmrt_tier_mu);
        nanosleep(&ts, 0);
        (*wasmrt_tick_target)++;
        pthread_mutex_lock(&wasmrt_tier_mu);
        if (wasmrt_samples_seen != last) {
            last = wasmrt_samples_seen;
            idle = 0;
        } else if (++idle >= WASMRT_TICK_IDLE) {
            idle = 0;
            wasmrt_ticker_parked = 1;
        }
    }
    pthread_mutex_unlock(&wasmrt_tier_mu);
    return 0;
}

/* Start (once) or unpark the ticker.  Callers test `wasmrt_ticker_parked` first. */
static void wasmrt_ticker_wake(void)
{
    pthread_t t;
    pthread_attr_t a;
    pthread_mutex_lock(&wasmrt_tier_mu);
    wasmrt_ticker_parked = 0;
    if (!wasmrt_ticker_started) {
        wasmrt_ticker_started = 1;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&a, 64 * 1024);
        if (pthread_create(&t, &a, wasmrt_ticker_main, 0) != 0)
            wasmrt_ticker_started = 0;
        pthread_attr_destroy(&a);
    }
    pthread_cond_signal(&wasmrt_ticker_cv);
    pthread_mutex_unlock(&wasmrt_tier_mu);
}

/* Queue a hot body for compilation (drops it when the queue is full: it will be sampled
 * again).  Returns 1 if queued. */
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
