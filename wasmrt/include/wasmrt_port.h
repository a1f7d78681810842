/* wasmrt_port.h: the compiler- and OS-specific parts of the C code, each with its fallbacks,
 * so the extensions build with gcc and clang (Linux, macOS) and with MSVC (Windows).
 *
 *  - wasmrt_unlikely(x): a branch hint (__builtin_expect on gcc/clang, nothing elsewhere);
 *  - wasmrt_clz32/ctz32/popcnt32 and the 64-bit twins, for x != 0 (clz/ctz; the callers
 *    handle 0): gcc/clang builtins, MSVC's _BitScan* intrinsics, or portable C (popcount on
 *    MSVC too: its __popcnt needs a CPU with POPCNT, which x86-64 does not guarantee);
 *  - virtual memory: wasmrt_vm_reserve (address space, no access), wasmrt_vm_commit (make a
 *    reserved range readable and writable, zero-filled), wasmrt_vm_alloc (a read-write range
 *    whose pages are only backed once touched), wasmrt_vm_free.  mmap/mprotect/munmap on
 *    POSIX, VirtualAlloc/VirtualFree on Windows.  Reserve/alloc return NULL on failure,
 *    commit returns 0 on success.
 *
 * What does not port by a fallback: the interpreter's handlers end in calls in tail position
 * that the compiler must turn into jumps (gcc and clang do at -O2; MSVC's /O2 is expected
 * to but does not promise it): tests/smoke.py's long loop fails on a build that did not.
 */
#ifndef WASMRT_PORT_H
#define WASMRT_PORT_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define wasmrt_unlikely(x) __builtin_expect(!!(x), 0)
#else
#define wasmrt_unlikely(x) (x)
#endif

/* ---- bit counts --------------------------------------------------------------------- */
#if defined(__GNUC__) || defined(__clang__)
static inline int wasmrt_clz32(uint32_t x) { return __builtin_clz(x); }
static inline int wasmrt_ctz32(uint32_t x) { return __builtin_ctz(x); }
static inline int wasmrt_popcnt32(uint32_t x) { return __builtin_popcount(x); }
static inline int wasmrt_clz64(uint64_t x) { return __builtin_clzll(x); }
static inline int wasmrt_ctz64(uint64_t x) { return __builtin_ctzll(x); }
static inline int wasmrt_popcnt64(uint64_t x) { return __builtin_popcountll(x); }
#else
#if defined(_MSC_VER)
#include <intrin.h>
static inline int wasmrt_clz32(uint32_t x)
{
    unsigned long i;
    _BitScanReverse(&i, x);
    return 31 - (int)i;
}
static inline int wasmrt_ctz32(uint32_t x)
{
    unsigned long i;
    _BitScanForward(&i, x);
    return (int)i;
}
#else
static inline int wasmrt_clz32(uint32_t x)
{
    int n = 0;
    while (!(x & 0x80000000u)) { x <<= 1; n++; }
    return n;
}
static inline int wasmrt_ctz32(uint32_t x)
{
    int n = 0;
    while (!(x & 1u)) { x >>= 1; n++; }
    return n;
}
#endif
static inline int wasmrt_popcnt32(uint32_t x)
{
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    return (int)((((x + (x >> 4)) & 0x0F0F0F0Fu) * 0x01010101u) >> 24);
}
static inline int wasmrt_clz64(uint64_t x)
{
    uint32_t hi = (uint32_t)(x >> 32);
    return hi ? wasmrt_clz32(hi) : 32 + wasmrt_clz32((uint32_t)x);
}
static inline int wasmrt_ctz64(uint64_t x)
{
    uint32_t lo = (uint32_t)x;
    return lo ? wasmrt_ctz32(lo) : 32 + wasmrt_ctz32((uint32_t)(x >> 32));
}
static inline int wasmrt_popcnt64(uint64_t x)
{
    return wasmrt_popcnt32((uint32_t)x) + wasmrt_popcnt32((uint32_t)(x >> 32));
}
#endif

/* ---- virtual memory ----------------------------------------------------------------- */
#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

static inline void *wasmrt_vm_reserve(size_t n)
{
    return VirtualAlloc(NULL, n, MEM_RESERVE, PAGE_NOACCESS);
}
static inline int wasmrt_vm_commit(void *p, size_t n)
{
    return VirtualAlloc(p, n, MEM_COMMIT, PAGE_READWRITE) != NULL ? 0 : -1;
}
static inline void *wasmrt_vm_alloc(size_t n)
{
    return VirtualAlloc(NULL, n, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}
static inline void wasmrt_vm_free(void *p, size_t n)
{
    (void)n;
    VirtualFree(p, 0, MEM_RELEASE);
}
#else
#include <sys/mman.h>
#ifndef MAP_ANONYMOUS
#define MAP_ANONYMOUS MAP_ANON
#endif
#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

static inline void *wasmrt_vm_map(size_t n, int prot)
{
    void *p = mmap(NULL, n, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
static inline void *wasmrt_vm_reserve(size_t n) { return wasmrt_vm_map(n, PROT_NONE); }
static inline int wasmrt_vm_commit(void *p, size_t n)
{
    return mprotect(p, n, PROT_READ | PROT_WRITE);
}
static inline void *wasmrt_vm_alloc(size_t n) { return wasmrt_vm_map(n, PROT_READ | PROT_WRITE); }
static inline void wasmrt_vm_free(void *p, size_t n) { munmap(p, n); }
#endif

#endif
