/* The atomic accesses of the threads proposal on C11 atomics, and the grow lock of a shared
 * memory.
 *
 * Every wasm atomic is sequentially consistent (the proposal's only ordering), so each
 * helper is the `memory_order_seq_cst` form of its C11 operation on an `_Atomic` object of
 * the access width, at an address the caller has bounds-checked and found aligned to the
 * width (an aligned 1/2/4/8-byte `_Atomic` integer has the layout of the plain one on every
 * target wasmrt builds for).  Results are zero-extended to 64 bits (the `_u` forms); rmw
 * and cmpxchg return the old value; cmpxchg compares with `expected` wrapped to the width.
 *
 * `wr_spin_lock`/`wr_spin_unlock` serialise `memory.grow` of a shared memory (rare and short:
 * an mprotect), which other threads may run at the same time.
 */
#ifndef WASMRT_ATOMIC_H
#define WASMRT_ATOMIC_H

#include <stdatomic.h>
#include <stdint.h>

#define WR_SC memory_order_seq_cst

#define WR_ATOMIC_WIDTH(bits)                                                              \
    static inline uint64_t wr_atomic_load##bits(uint8_t *p)                                \
    {                                                                                      \
        return atomic_load_explicit((_Atomic uint##bits##_t *)p, WR_SC);                   \
    }                                                                                      \
    static inline void wr_atomic_store##bits(uint8_t *p, uint64_t v)                       \
    {                                                                                      \
        atomic_store_explicit((_Atomic uint##bits##_t *)p, (uint##bits##_t)v, WR_SC);      \
    }                                                                                      \
    static inline uint64_t wr_atomic_add##bits(uint8_t *p, uint64_t v)                     \
    {                                                                                      \
        return atomic_fetch_add_explicit((_Atomic uint##bits##_t *)p, (uint##bits##_t)v, WR_SC); \
    }                                                                                      \
    static inline uint64_t wr_atomic_sub##bits(uint8_t *p, uint64_t v)                     \
    {                                                                                      \
        return atomic_fetch_sub_explicit((_Atomic uint##bits##_t *)p, (uint##bits##_t)v, WR_SC); \
    }                                                                                      \
    static inline uint64_t wr_atomic_and##bits(uint8_t *p, uint64_t v)                     \
    {                                                                                      \
        return atomic_fetch_and_explicit((_Atomic uint##bits##_t *)p, (uint##bits##_t)v, WR_SC); \
    }                                                                                      \
    static inline uint64_t wr_atomic_or##bits(uint8_t *p, uint64_t v)                      \
    {                                                                                      \
        return atomic_fetch_or_explicit((_Atomic uint##bits##_t *)p, (uint##bits##_t)v, WR_SC); \
    }                                                                                      \
    static inline uint64_t wr_atomic_xor##bits(uint8_t *p, uint64_t v)                     \
    {                                                                                      \
        return atomic_fetch_xor_explicit((_Atomic uint##bits##_t *)p, (uint##bits##_t)v, WR_SC); \
    }                                                                                      \
    static inline uint64_t wr_atomic_xchg##bits(uint8_t *p, uint64_t v)                    \
    {                                                                                      \
        return atomic_exchange_explicit((_Atomic uint##bits##_t *)p, (uint##bits##_t)v, WR_SC); \
    }                                                                                      \
    static inline uint64_t wr_atomic_cmpxchg##bits(uint8_t *p, uint64_t expected, uint64_t rep) \
    {                                                                                      \
        uint##bits##_t old = (uint##bits##_t)expected;                                     \
        atomic_compare_exchange_strong_explicit((_Atomic uint##bits##_t *)p, &old,         \
                                                (uint##bits##_t)rep, WR_SC, WR_SC);        \
        return old; /* the value found: equal to expected when it was replaced */          \
    }

WR_ATOMIC_WIDTH(8)
WR_ATOMIC_WIDTH(16)
WR_ATOMIC_WIDTH(32)
WR_ATOMIC_WIDTH(64)

static inline void wr_atomic_fence(void)
{
    atomic_thread_fence(WR_SC);
}

/* A memory size another thread may be growing: read once, with acquire (the pages it
 * commits before publishing the size are then visible). */
static inline uint64_t wr_load_acquire_u64(const uint64_t *p)
{
    return atomic_load_explicit((const _Atomic uint64_t *)p, memory_order_acquire);
}

static inline void wr_store_release_u64(uint64_t *p, uint64_t v)
{
    atomic_store_explicit((_Atomic uint64_t *)p, v, memory_order_release);
}

static inline void wr_spin_lock(int *lock)
{
    int expected = 0;
    while (!atomic_compare_exchange_weak_explicit((_Atomic int *)lock, &expected, 1,
                                                  memory_order_acquire, memory_order_relaxed))
        expected = 0;
}

static inline void wr_spin_unlock(int *lock)
{
    atomic_store_explicit((_Atomic int *)lock, 0, memory_order_release);
}

#endif
