/* `memory.atomic.wait32/64` and `memory.atomic.notify`: one process-wide queue of waiters.
 *
 * A waiter is keyed by the host address of the cell it waits on (base + effective address:
 * a shared memory is one mapping, whichever Store or thread reaches it).  `wr_wait_enter`
 * compares the cell with the expected value and queues the waiter under the queue's lock,
 * so a notify that follows a store by another thread cannot slip in between; the waiter
 * then blocks in slices (`wr_wait_block`, on its own condition variable, against the
 * monotonic clock of wasmrt_thread.h)
 * so the caller can attend to Ctrl-C and epochs between them, and leaves with
 * `wr_wait_leave` (a notify that came meanwhile counts: it already took the waiter out).
 * `wr_notify` wakes up to `count` waiters of an address in the order they came.
 * (Python.h is included first by the generated C: the GIL helpers use it.)
 */
#ifndef WASMRT_WAIT_H
#define WASMRT_WAIT_H

#include <stdint.h>
#include <stdlib.h>

#include "wasmrt_atomic.h"
#include "wasmrt_thread.h"

typedef struct wr_waiter {
    struct wr_waiter *next, *prev;
    const uint8_t *addr;
    int woken;                  /* set (and the waiter unlinked) by wr_notify */
    wr_cond cond;
} wr_waiter;

static wr_mutex wr_park_lock = WR_MUTEX_INIT;
static wr_waiter *wr_park_first = NULL, *wr_park_last = NULL;

static inline void wr_park_unlink(wr_waiter *w)
{
    if (w->prev) w->prev->next = w->next; else wr_park_first = w->next;
    if (w->next) w->next->prev = w->prev; else wr_park_last = w->prev;
    w->next = w->prev = NULL;
}

/* Queue `w` on `p` if the cell (4 or 8 bytes: `wide`) holds `expected`: 0 when queued,
 * 1 when the value differs (nothing queued, nothing to leave). */
static int wr_wait_enter(wr_waiter *w, uint8_t *p, uint64_t expected, int wide)
{
    uint64_t cur;
    wr_mutex_lock(&wr_park_lock);
    cur = wide ? wr_atomic_load64(p) : wr_atomic_load32(p);
    if (cur != (wide ? expected : (uint32_t)expected)) {
        wr_mutex_unlock(&wr_park_lock);
        return 1;
    }
    wr_cond_init(&w->cond);
    w->addr = p;
    w->woken = 0;
    w->next = NULL;
    w->prev = wr_park_last;
    if (wr_park_last) wr_park_last->next = w; else wr_park_first = w;
    wr_park_last = w;
    wr_mutex_unlock(&wr_park_lock);
    return 0;
}

/* Block until notified or wr_now_ns() passes `until_ns`: 1 if notified. */
static int wr_wait_block(wr_waiter *w, int64_t until_ns)
{
    int woken;
    wr_mutex_lock(&wr_park_lock);
    while (!w->woken)
        if (wr_cond_wait_until(&w->cond, &wr_park_lock, until_ns))
            break;
    woken = w->woken;
    wr_mutex_unlock(&wr_park_lock);
    return woken;
}

/* Leave the queue: 1 if a notify took the waiter out first. */
static int wr_wait_leave(wr_waiter *w)
{
    int woken;
    wr_mutex_lock(&wr_park_lock);
    woken = w->woken;
    if (!woken)
        wr_park_unlink(w);
    wr_mutex_unlock(&wr_park_lock);
    wr_cond_destroy(&w->cond);
    return woken;
}

/* A waiter that outlives the wait's C frame (a call_async guest that yields while it
 * waits stays queued): NULL if out of memory.  Freed with wr_waiter_free after
 * wr_wait_leave, or at once if wr_wait_enter did not queue it. */
static inline wr_waiter *wr_waiter_new(void)
{
    return (wr_waiter *)calloc(1, sizeof(wr_waiter));
}

static inline void wr_waiter_free(wr_waiter *w)
{
    free(w);
}

/* Let other Python threads run while this one waits: release the GIL if this thread holds
 * it (a Store without `release_gil`); returns what `wr_gil_restore` takes back. */
static inline void *wr_gil_release(void)
{
    return PyGILState_Check() ? (void *)PyEval_SaveThread() : NULL;
}

static inline void wr_gil_restore(void *ts)
{
    if (ts != NULL)
        PyEval_RestoreThread((PyThreadState *)ts);
}

/* Wake up to `count` waiters on `p`, oldest first; returns how many. */
static uint32_t wr_notify(const uint8_t *p, uint32_t count)
{
    wr_waiter *w, *next;
    uint32_t n = 0;
    wr_mutex_lock(&wr_park_lock);
    for (w = wr_park_first; w != NULL && n < count; w = next) {
        next = w->next;
        if (w->addr == p) {
            wr_park_unlink(w);
            w->woken = 1;
            wr_cond_signal(&w->cond);
            n++;
        }
    }
    wr_mutex_unlock(&wr_park_lock);
    return n;
}

#endif
