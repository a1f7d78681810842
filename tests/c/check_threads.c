/* A check of wasmrt_thread.h and the headers built on it (wasmrt_atomic.h, wasmrt_attn.h,
 * wasmrt_wait.h, wasmrt_tier.h, wasmrt_prof.h), compiled standalone and run by
 * tests/test_c_threads.py for POSIX and for Windows.  Prints "ok: 0 failures" or the
 * failed checks. */
#ifndef _WIN32
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
/* stand-ins for the few CPython calls the headers make (the generated C includes Python.h) */
typedef struct PyThreadState PyThreadState;
static unsigned long PyThread_get_thread_ident(void) { return 1; }
static int PyGILState_Check(void) { return 0; }
static PyThreadState *PyEval_SaveThread(void) { return NULL; }
static void PyEval_RestoreThread(PyThreadState *t) { (void)t; }
#include "wasmrt_thread.h"
#include "wasmrt_atomic.h"
#include "wasmrt_attn.h"
#include "wasmrt_wait.h"
#include "wasmrt_tier.h"
#include "wasmrt_prof.h"

static uint8_t cell[8];
static wr_mutex mu = WR_MUTEX_INIT;
static wr_cond scv = WR_COND_INIT;

WR_THREAD_FN(adder, arg)
{
    int i;
    (void)arg;
    for (i = 0; i < 1000000; i++) {
        wr_atomic_add32(cell, 1);
        wr_atomic_sub64(cell, 0);
    }
    return WR_THREAD_RETURN;
}

WR_THREAD_FN(notifier, arg)
{
    (void)arg;
    wr_sleep_ns(30000000);
    while (wr_notify(cell + 4, 1) == 0)
        wr_sleep_ns(1000000);
    return WR_THREAD_RETURN;
}

int main(void)
{
    wr_thread t[2];
    wr_cond cv;
    wr_waiter w;
    size_t lo = 0, size = 0;
    int64_t t0, dt;
    uint32_t old;
    volatile uint32_t active = 1;
    wasmrt_prof *p;
    int fails = 0;
#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d %s\n", __FILE__, __LINE__, #c); fails++; } } while (0)
    CHECK(wr_thread_start(&t[0], adder, NULL, 0, 0) == 0);
    CHECK(wr_thread_start(&t[1], adder, NULL, 64 * 1024, WR_THREAD_NO_SIGNALS) == 0);
    wr_thread_join(t[0]);
    wr_thread_join(t[1]);
    CHECK(wr_atomic_load32(cell) == 2000000);
    old = (uint32_t)wr_atomic_cmpxchg8(cell, 0x80, 0x11);       /* 2000000 = 0x1E8480 */
    CHECK(old == 0x80 && cell[0] == 0x11);
    CHECK(wr_atomic_xchg16(cell, 0xFFFF) == 0x8411 && wr_atomic_load16(cell) == 0xFFFF);
    wr_atomic_fence();
    /* timed waits: a monotonic condition variable and a static (realtime) one */
    wr_cond_init(&cv);
    wr_mutex_lock(&mu);
    t0 = wr_now_ns();
    while (!wr_cond_wait_until(&cv, &mu, t0 + 20000000))
        ;
    dt = wr_now_ns() - t0;
    CHECK(dt >= 20000000 && dt < 2000000000);
    t0 = wr_now_ns();
    while (!wr_cond_wait_until(&scv, &mu, t0 + 20000000))
        ;
    dt = wr_now_ns() - t0;
    CHECK(dt >= 20000000 && dt < 2000000000);
    CHECK(wr_cond_wait_until(&cv, &mu, t0) == 1);               /* a past deadline */
    wr_mutex_unlock(&mu);
    wr_cond_destroy(&cv);
    /* wait/notify across threads */
    memset(cell, 0, sizeof cell);
    CHECK(wr_wait_enter(&w, cell + 4, 1, 0) == 1);               /* not equal */
    CHECK(wr_wait_enter(&w, cell + 4, 0, 0) == 0);
    CHECK(wr_thread_start(&t[0], notifier, NULL, 0, 0) == 0);
    t0 = wr_now_ns();
    while (!wr_wait_block(&w, wr_now_ns() + 5000000))
        CHECK(wr_now_ns() - t0 < 5000000000LL);
    CHECK(wr_wait_leave(&w) == 1);
    wr_thread_join(t[0]);
    /* the ticker, the tier queue, the profiler clock, the stack */
    CHECK(wasmrt_tick_acquire(1000000) == 0);
    old = wasmrt_attn;
    t0 = wr_now_ns();
    while (wasmrt_attn == old && wr_now_ns() - t0 < 2000000000LL)
        wr_sleep_ns(1000000);
    CHECK(wasmrt_attn != old);
    wasmrt_tick_release();
    CHECK(wasmrt_tier_push(cell) == 1);
    {
        void *out[4];
        CHECK(wasmrt_tier_pop(out, 4, 10, 0) == 1 && out[0] == cell);
        /* the caller still holds a body: no wait, and the tier stays busy */
        CHECK(wasmrt_tier_pop(out, 4, 0, 1) == 0 && wasmrt_tier_busy);
        t0 = wr_now_ns();
        CHECK(wasmrt_tier_pop(out, 4, 30, 0) == 0);
        CHECK(wr_now_ns() - t0 >= 30000000 && !wasmrt_tier_busy);
    }
    p = wasmrt_prof_new(1000000, &active, 16);
    CHECK(p != NULL && wasmrt_prof_start(p) == 0);
    t0 = wr_now_ns();
    while (p->ticks == 0 && wr_now_ns() - t0 < 2000000000LL)
        wr_sleep_ns(1000000);
    CHECK(p->ticks > 0);
    wasmrt_prof_free(p);
    CHECK(wr_stack_bounds(&lo, &size) == 0);
    CHECK(lo < wr_frame_address() && wr_frame_address() < lo + size);
    CHECK(wasmrt_sp_limit() > lo && wasmrt_sp_limit() < wasmrt_sp_here());
    printf("%s: %d failures\n", fails ? "FAILED" : "ok", fails);
    return fails != 0;
}
