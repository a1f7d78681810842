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
 *
 * Two implementations: C11 <stdatomic.h> wherever the compiler has it (gcc, clang,
 * clang-cl, and MSVC from Visual Studio 2022 17.5 with /std:c11 /experimental:c11atomics),
 * and the named fallback, MSVC's _Interlocked* intrinsics, when MSVC compiles without C11
 * atomics (__STDC_NO_ATOMICS__, or no /std:c11 at all: setuptools' default): each is a
 * full barrier, so every helper stays seq_cst; a load is an interlocked compare-exchange
 * of 0 with 0 and a store an interlocked exchange.
 */
#ifndef WASMRT_ATOMIC_H
#define WASMRT_ATOMIC_H

#include <stdint.h>

#if defined(WR_ATOMICS_FORCE_INTERLOCKED) || (defined(_MSC_VER) && !defined(__clang__) && \
    (defined(__STDC_NO_ATOMICS__) || !defined(__STDC_VERSION__) || __STDC_VERSION__ < 201112L))
#define WR_ATOMICS_INTERLOCKED 1     /* the fallback: MSVC without C11 atomics */
#include <intrin.h>
#include "wasmrt_thread.h"      /* (windows.h: MemoryBarrier) */

#define WR_IL_WIDTH(bits, T, sfx)                                                          \
    static inline uint64_t wr_atomic_load##bits(uint8_t *p)                                \
    {                                                                                      \
        return (uint##bits##_t)_InterlockedCompareExchange##sfx((T volatile *)p, 0, 0);   \
    }                                                                                      \
    static inline void wr_atomic_store##bits(uint8_t *p, uint64_t v)                       \
    {                                                                                      \
        _InterlockedExchange##sfx((T volatile *)p, (T)v);                                  \
    }                                                                                      \
    static inline uint64_t wr_atomic_add##bits(uint8_t *p, uint64_t v)                     \
    {                                                                                      \
        return (uint##bits##_t)_InterlockedExchangeAdd##sfx((T volatile *)p, (T)v);       \
    }                                                                                      \
    static inline uint64_t wr_atomic_sub##bits(uint8_t *p, uint64_t v)                     \
    {                                                                                      \
        return (uint##bits##_t)_InterlockedExchangeAdd##sfx((T volatile *)p, (T)(0 - v)); \
    }                                                                                      \
    static inline uint64_t wr_atomic_and##bits(uint8_t *p, uint64_t v)                     \
    {                                                                                      \
        return (uint##bits##_t)_InterlockedAnd##sfx((T volatile *)p, (T)v);               \
    }                                                                                      \
    static inline uint64_t wr_atomic_or##bits(uint8_t *p, uint64_t v)                      \
    {                                                                                      \
        return (uint##bits##_t)_InterlockedOr##sfx((T volatile *)p, (T)v);                \
    }                                                                                      \
    static inline uint64_t wr_atomic_xor##bits(uint8_t *p, uint64_t v)                     \
    {                                                                                      \
        return (uint##bits##_t)_InterlockedXor##sfx((T volatile *)p, (T)v);               \
    }                                                                                      \
    static inline uint64_t wr_atomic_xchg##bits(uint8_t *p, uint64_t v)                    \
    {                                                                                      \
        return (uint##bits##_t)_InterlockedExchange##sfx((T volatile *)p, (T)v);          \
    }                                                                                      \
    static inline uint64_t wr_atomic_cmpxchg##bits(uint8_t *p, uint64_t expected, uint64_t rep) \
    {                                                                                      \
        return (uint##bits##_t)_InterlockedCompareExchange##sfx((T volatile *)p, (T)rep,  \
                                                                (T)expected);              \
    }

WR_IL_WIDTH(8, char, 8)
WR_IL_WIDTH(16, short, 16)
WR_IL_WIDTH(32, long, )
WR_IL_WIDTH(64, __int64, 64)

static inline void wr_atomic_fence(void)
{
    MemoryBarrier();
}

static inline uint64_t wr_load_acquire_u64(const uint64_t *p)
{
    return (uint64_t)_InterlockedCompareExchange64((__int64 volatile *)p, 0, 0);
}

static inline void wr_store_release_u64(uint64_t *p, uint64_t v)
{
    _InterlockedExchange64((__int64 volatile *)p, (__int64)v);
}

static inline void wr_spin_lock(int *lock)
{
    while (_InterlockedCompareExchange((long volatile *)lock, 1, 0) != 0)
        ;
}

static inline void wr_spin_unlock(int *lock)
{
    _InterlockedExchange((long volatile *)lock, 0);
}

#else
#include <stdatomic.h>

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

#endif
