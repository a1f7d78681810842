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
 *  - memory images (snapshots): wasmrt_image_new (a file of n zero bytes: a memfd on Linux,
 *    an unlinked temporary file elsewhere on POSIX; -1 on failure, errno set),
 *    wasmrt_image_seal (no more changes: memfd seals on Linux, nothing to do elsewhere),
 *    wasmrt_image_map (map it copy-on-write over a reserved range; NULL on failure),
 *    wasmrt_image_write/read (all n bytes at an offset; 0 on success), wasmrt_image_close.
 *    Windows has none of them yet: they fail with ENOSYS (snapshots are unavailable there).
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

#include <errno.h>
static inline int wasmrt_image_new(uint64_t n) { (void)n; errno = ENOSYS; return -1; }
static inline int wasmrt_image_seal(int fd) { (void)fd; errno = ENOSYS; return -1; }
static inline void *wasmrt_image_map(void *at, size_t n, int fd)
{
    (void)at; (void)n; (void)fd; errno = ENOSYS; return NULL;
}
static inline int wasmrt_image_write(int fd, const void *p, uint64_t n, uint64_t off)
{
    (void)fd; (void)p; (void)n; (void)off; errno = ENOSYS; return -1;
}
static inline int wasmrt_image_read(int fd, void *p, uint64_t n, uint64_t off)
{
    (void)fd; (void)p; (void)n; (void)off; errno = ENOSYS; return -1;
}
static inline void wasmrt_image_close(int fd) { (void)fd; }
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

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
static inline int wasmrt_image_new(uint64_t n)
{
    int fd;
#if defined(__linux__) && defined(MFD_ALLOW_SEALING)
    fd = memfd_create("wasmrt-memory-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
#else
    char name[] = "/tmp/wasmrt-image-XXXXXX";
    fd = mkstemp(name);
    if (fd >= 0) {
        unlink(name);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
#endif
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)n) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}
static inline int wasmrt_image_seal(int fd)
{
#if defined(__linux__) && defined(F_ADD_SEALS)
    return fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
#else
    (void)fd;   /* an unlinked file only this process can name: nobody else writes it */
    return 0;
#endif
}
static inline void *wasmrt_image_map(void *at, size_t n, int fd)
{
    void *p = mmap(at, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}
static inline int wasmrt_image_write(int fd, const void *p, uint64_t n, uint64_t off)
{
    const char *c = (const char *)p;
    while (n) {
        ssize_t w = pwrite(fd, c, n, (off_t)off);
        if (w <= 0)
            return -1;
        c += w; n -= (uint64_t)w; off += (uint64_t)w;
    }
    return 0;
}
static inline int wasmrt_image_read(int fd, void *p, uint64_t n, uint64_t off)
{
    char *c = (char *)p;
    while (n) {
        ssize_t r = pread(fd, c, n, (off_t)off);
        if (r <= 0)
            return -1;
        c += r; n -= (uint64_t)r; off += (uint64_t)r;
    }
    return 0;
}
static inline void wasmrt_image_close(int fd) { close(fd); }
#endif

#endif
