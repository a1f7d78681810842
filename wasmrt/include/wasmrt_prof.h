/* The sampling guest profiler's C half (wasmrt.Profiler; _interp_prof.pxi walks the stacks).
 *
 * - The clock: a thread that, every `interval_ns` while its Store runs wasm (`*active`,
 *   the Store's Ctx.nest, is non-zero), counts a tick and raises an attention request
 *   (`wasmrt_attn`, wasmrt_attn.h).  The Store's next attention check (a loop back-edge,
 *   br_table or call: checks the interpreter makes anyway) sees `ticks != seen` and
 *   records the wasm call stack, weighted by the ticks since the last record.  Ticks that
 *   pass during a host call are recorded when it returns, with the host function as the
 *   innermost frame.  The clock never touches Python objects and needs no GIL.
 * - The stack table: each distinct stack (a vector of 64-bit frame words) is stored once,
 *   found again by hash; samples are (stack id, weight) pairs in time order, merged with
 *   the previous one when the stack repeats.  Memory grows with the distinct stacks, not
 *   with the run's length (8 bytes per sample that changes stack).
 *
 * Every function here runs on the profiled thread without the GIL, except the clock's
 * own loop; allocation failures set `oom` and drop samples, never crash.
 */
#ifndef WASMRT_PROF_H
#define WASMRT_PROF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasmrt_attn.h"
#include "wasmrt_thread.h"

#define WASMRT_PROF_MAX_HOST 128       /* host calls in progress tracked per Store */
#define WASMRT_PROF_MAX_FRAMES 1024    /* frames kept per sample: outermost and innermost */

typedef struct {
    void *func;                 /* FuncRec* of the host function */
    void *caller;               /* InstCtx* of the calling instance */
    const void *ret_pc;         /* where the caller resumes (Cell*) */
    uint32_t depth;             /* Ctx.depth when it was called */
} wasmrt_prof_host;

typedef struct {
    uint64_t hash;
    size_t start;               /* first word in `words` */
    uint32_t n;                 /* words */
} wasmrt_prof_stack;

typedef struct {
    /* the clock */
    wr_thread thread;
    wr_mutex mu;
    wr_cond cv;
    int running;
    int stop;
    long interval_ns;
    volatile uint32_t ticks;
    uint32_t seen;              /* ticks already recorded (profiled thread only) */
    const volatile uint32_t *active;
    /* host calls in progress, outermost first */
    wasmrt_prof_host host[WASMRT_PROF_MAX_HOST];
    uint32_t nhost;
    uint32_t host_lost;         /* host calls not tracked (nesting beyond MAX_HOST) */
    /* the stack being recorded */
    uint64_t *scratch;
    size_t scratch_cap;         /* words */
    /* distinct stacks */
    uint64_t *words;
    size_t nwords, cap_words;
    wasmrt_prof_stack *stacks;
    uint32_t nstacks, cap_stacks;
    uint32_t *table;            /* open addressing: stack index + 1, 0 = empty */
    uint32_t table_cap;         /* a power of two, at least twice nstacks */
    /* samples: (stack id, weight) pairs */
    uint32_t *samples;
    size_t nsamples, cap_samples;
    uint64_t total;             /* ticks recorded */
    int oom;
} wasmrt_prof;

WR_THREAD_FN(wasmrt_prof_clock, arg)
{
    wasmrt_prof *p = (wasmrt_prof *)arg;
    int64_t next, now, late;
    uint32_t missed;
    next = wr_now_ns();
    wr_mutex_lock(&p->mu);
    while (!p->stop) {
        next += p->interval_ns;
        while (!p->stop && !wr_cond_wait_until(&p->cv, &p->mu, next))
            ;
        if (p->stop)
            break;
        /* a late wake-up (a busy machine) counts the intervals it slept through, so the
         * weights stay in wall-clock time; the next deadline starts from now */
        missed = 0;
        now = wr_now_ns();
        late = now - next;
        if (late >= p->interval_ns) {
            missed = (uint32_t)(late / p->interval_ns);
            next = now;
        }
        if (*p->active) {
            p->ticks += 1 + missed;
            wasmrt_attn++;
        }
    }
    wr_mutex_unlock(&p->mu);
    return WR_THREAD_RETURN;
}

/* A new profiler ticking every `interval_ns` while `*active` is non-zero, with room for
 * stacks of `max_frames` frames (two words each); NULL if out of memory. */
static wasmrt_prof *wasmrt_prof_new(long interval_ns, const volatile uint32_t *active,
                                    size_t max_frames)
{
    wasmrt_prof *p = (wasmrt_prof *)calloc(1, sizeof(wasmrt_prof));
    if (p == NULL)
        return NULL;
    p->scratch_cap = 2 * (max_frames + WASMRT_PROF_MAX_HOST);
    p->scratch = (uint64_t *)malloc(p->scratch_cap * sizeof(uint64_t));
    if (p->scratch == NULL) {
        free(p);
        return NULL;
    }
    p->interval_ns = interval_ns > 0 ? interval_ns : 1;
    p->active = active;
    wr_mutex_init(&p->mu);
    wr_cond_init(&p->cv);
    return p;
}

/* Start the clock; 0, or -1 if the thread cannot be made. */
static int wasmrt_prof_start(wasmrt_prof *p)
{
    if (p->running)
        return 0;
    p->stop = 0;
    if (wr_thread_start(&p->thread, wasmrt_prof_clock, p, 64 * 1024, 0) != 0)
        return -1;
    p->running = 1;
    return 0;
}

/* Stop the clock and wait for its thread (it wakes at once). */
static void wasmrt_prof_stop(wasmrt_prof *p)
{
    if (!p->running)
        return;
    wr_mutex_lock(&p->mu);
    p->stop = 1;
    wr_cond_signal(&p->cv);
    wr_mutex_unlock(&p->mu);
    wr_thread_join(p->thread);
    p->running = 0;
}

static void wasmrt_prof_free(wasmrt_prof *p)
{
    if (p == NULL)
        return;
    wasmrt_prof_stop(p);
    wr_mutex_destroy(&p->mu);
    wr_cond_destroy(&p->cv);
    free(p->scratch);
    free(p->words);
    free(p->stacks);
    free(p->table);
    free(p->samples);
    free(p);
}

static int wasmrt_prof_grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 64;
    void *q;
    if (need <= *cap)
        return 0;
    while (n < need)
        n *= 2;
    q = realloc(*buf, n * elem);
    if (q == NULL)
        return -1;
    *buf = q;
    *cap = n;
    return 0;
}

static uint64_t wasmrt_prof_hash(const uint64_t *w, uint32_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    uint32_t i;
    for (i = 0; i < n; i++) {
        h ^= w[i];
        h *= 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
    }
    return h;
}

/* Rebuild the hash table at twice the size. */
static int wasmrt_prof_rehash(wasmrt_prof *p)
{
    uint32_t cap = p->table_cap ? p->table_cap * 2 : 256;
    uint32_t *t = (uint32_t *)calloc(cap, sizeof(uint32_t));
    uint32_t i, j;
    if (t == NULL)
        return -1;
    for (i = 0; i < p->nstacks; i++) {
        j = (uint32_t)p->stacks[i].hash & (cap - 1);
        while (t[j])
            j = (j + 1) & (cap - 1);
        t[j] = i + 1;
    }
    free(p->table);
    p->table = t;
    p->table_cap = cap;
    return 0;
}

/* The id of stack `w[0..n)`, stored if new; -1 if out of memory. */
static int64_t wasmrt_prof_intern(wasmrt_prof *p, const uint64_t *w, uint32_t n)
{
    uint64_t h = wasmrt_prof_hash(w, n);
    uint32_t j, k;
    wasmrt_prof_stack *s;
    if (2 * (p->nstacks + 1) > p->table_cap && wasmrt_prof_rehash(p) != 0)
        return -1;
    j = (uint32_t)h & (p->table_cap - 1);
    while ((k = p->table[j]) != 0) {
        s = &p->stacks[k - 1];
        if (s->hash == h && s->n == n && memcmp(p->words + s->start, w, n * sizeof(uint64_t)) == 0)
            return k - 1;
        j = (j + 1) & (p->table_cap - 1);
    }
    if (wasmrt_prof_grow((void **)&p->words, &p->cap_words, p->nwords + n, sizeof(uint64_t)) != 0)
        return -1;
    {
        size_t cap = p->cap_stacks;
        if (wasmrt_prof_grow((void **)&p->stacks, &cap, (size_t)p->nstacks + 1,
                             sizeof(wasmrt_prof_stack)) != 0)
            return -1;
        p->cap_stacks = (uint32_t)cap;
    }
    memcpy(p->words + p->nwords, w, n * sizeof(uint64_t));
    s = &p->stacks[p->nstacks];
    s->hash = h;
    s->start = p->nwords;
    s->n = n;
    p->nwords += n;
    p->table[j] = p->nstacks + 1;
    return p->nstacks++;
}

/* Record the stack in `scratch[0 .. 2 * nframes)` with `weight` ticks.  A stack deeper
 * than MAX_FRAMES keeps its outermost and innermost frames around a (0, 0) marker. */
static void wasmrt_prof_add(wasmrt_prof *p, uint32_t nframes, uint32_t weight)
{
    uint64_t *w = p->scratch;
    uint32_t n = 2 * nframes;
    uint32_t half = WASMRT_PROF_MAX_FRAMES / 2;
    int64_t id;
    if (nframes > WASMRT_PROF_MAX_FRAMES) {
        /* outermost half-1 frames, the marker, then the innermost half */
        memmove(w + 2 * (half - 1) + 2, w + 2 * (nframes - half), 2 * half * sizeof(uint64_t));
        w[2 * (half - 1)] = 0;
        w[2 * (half - 1) + 1] = 0;
        n = 2 * (2 * half);
    }
    id = wasmrt_prof_intern(p, w, n);
    if (id < 0) {
        p->oom = 1;
        return;
    }
    p->total += weight;
    if (p->nsamples && p->samples[2 * p->nsamples - 2] == (uint32_t)id) {
        p->samples[2 * p->nsamples - 1] += weight;
        return;
    }
    if (wasmrt_prof_grow((void **)&p->samples, &p->cap_samples, 2 * (p->nsamples + 1),
                         sizeof(uint32_t)) != 0) {
        p->oom = 1;
        return;
    }
    p->samples[2 * p->nsamples] = (uint32_t)id;
    p->samples[2 * p->nsamples + 1] = weight;
    p->nsamples++;
}

#endif
