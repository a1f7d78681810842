/* wasmrt_thread.h: the one threads layer of the C code.  Every header that needs a lock, a
 * condition variable, a thread, a clock, a sleep, thread-local storage or the C stack's
 * bounds takes it from here, so the OS-specific code lives in one place:
 *
 *  - POSIX threads (Linux, macOS, the BSDs): pthread mutexes and condition variables, a
 *    condition variable waits against CLOCK_MONOTONIC (pthread_condattr_setclock; macOS
 *    has none and waits for the time left instead: pthread_cond_timedwait_relative_np);
 *  - Win32 (MSVC, clang-cl, mingw): SRW locks and CONDITION_VARIABLEs (Windows Vista and
 *    later), _beginthreadex threads, QueryPerformanceCounter, GetCurrentThreadStackLimits.
 *
 * The names:
 *  - wr_mutex: WR_MUTEX_INIT (static), wr_mutex_init/destroy/lock/unlock;
 *  - wr_cond: WR_COND_INIT (static), wr_cond_init (waits against the monotonic clock),
 *    wr_cond_destroy/signal/wait, wr_cond_wait_until(c, m, until_ns): wait until notified
 *    or wr_now_ns() passes until_ns (1 if that time has passed; callers loop on their own
 *    condition anyway, since any wait may wake spuriously).  A statically initialised
 *    condition variable waits against the realtime clock on POSIX (all that
 *    PTHREAD_COND_INITIALIZER offers): its deadline is converted, so a clock step makes
 *    such a wait longer or shorter, never wrong;
 *  - wr_now_ns(): a monotonic clock in nanoseconds; wr_sleep_ns(ns) (Windows sleeps whole
 *    milliseconds, at least one);
 *  - threads: a body is declared `WR_THREAD_FN(name, arg)` and ends with
 *    `return WR_THREAD_RETURN;` (the two systems want different signatures);
 *    wr_thread_start(&t, fn, arg, stack_bytes, flags) with WR_THREAD_DETACHED (nobody
 *    joins it) and WR_THREAD_NO_SIGNALS (POSIX: it blocks every signal, so signals go to
 *    Python's threads); 0 or -1; wr_thread_join(t);
 *  - wr_pid(), and wr_atfork_child(fn) (pthread_atfork; Windows has no fork: nothing);
 *  - WR_THREAD_LOCAL: C11 _Thread_local, __declspec(thread) on MSVC, GCC's __thread on
 *    compilers older than C11;
 *  - wr_stack_bounds(&lo, &size): the calling thread's stack (0 on success; -1 where the
 *    system does not say: glibc/musl pthread_getattr_np, macOS pthread_get_stackaddr_np,
 *    Windows GetCurrentThreadStackLimits); wr_frame_address(): an address in the
 *    caller's frame (__builtin_frame_address, MSVC's _AddressOfReturnAddress, or a
 *    local's address as the named fallback).
 */
#ifndef WASMRT_THREAD_H
#define WASMRT_THREAD_H

#include <stddef.h>
#include <stdint.h>

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(_MSC_VER)
#define WR_THREAD_LOCAL _Thread_local
#elif defined(_MSC_VER)
#define WR_THREAD_LOCAL __declspec(thread)
#else
#define WR_THREAD_LOCAL __thread
#endif

#define WR_THREAD_DETACHED 1
#define WR_THREAD_NO_SIGNALS 2

#if defined(__GNUC__) || defined(__clang__)
#define wr_frame_address() ((size_t)__builtin_frame_address(0))
#elif defined(_MSC_VER)
#include <intrin.h>
#define wr_frame_address() ((size_t)_AddressOfReturnAddress())
#else
static size_t wr_frame_address(void)
{
    volatile char here = 0;
    return (size_t)&here;
}
#endif

#if defined(_WIN32)
/* ---- Win32 ------------------------------------------------------------------------ */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <process.h>

typedef SRWLOCK wr_mutex;
typedef CONDITION_VARIABLE wr_cond;
typedef HANDLE wr_thread;
#define WR_MUTEX_INIT SRWLOCK_INIT
#define WR_COND_INIT CONDITION_VARIABLE_INIT
#define WR_THREAD_FN(name, arg) static unsigned __stdcall name(void *arg)
#define WR_THREAD_RETURN 0

static inline void wr_mutex_init(wr_mutex *m) { InitializeSRWLock(m); }
static inline void wr_mutex_destroy(wr_mutex *m) { (void)m; }
static inline void wr_mutex_lock(wr_mutex *m) { AcquireSRWLockExclusive(m); }
static inline void wr_mutex_unlock(wr_mutex *m) { ReleaseSRWLockExclusive(m); }
static inline void wr_cond_init(wr_cond *c) { InitializeConditionVariable(c); }
static inline void wr_cond_destroy(wr_cond *c) { (void)c; }
static inline void wr_cond_signal(wr_cond *c) { WakeConditionVariable(c); }
static inline void wr_cond_wait(wr_cond *c, wr_mutex *m)
{
    SleepConditionVariableSRW(c, m, INFINITE, 0);
}

static inline int64_t wr_now_ns(void)
{
    static LARGE_INTEGER freq;      /* fixed at boot: a racy first store writes the same */
    LARGE_INTEGER t;
    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&t);
    return (int64_t)((double)t.QuadPart * (1e9 / (double)freq.QuadPart));
}

static inline int wr_cond_wait_until(wr_cond *c, wr_mutex *m, int64_t until_ns)
{
    int64_t left = until_ns - wr_now_ns();
    DWORD ms;
    if (left <= 0)
        return 1;
    left = (left + 999999) / 1000000;                   /* whole milliseconds, rounded up */
    ms = left >= (int64_t)INFINITE ? INFINITE - 1 : (DWORD)left;
    if (!SleepConditionVariableSRW(c, m, ms, 0))
        return wr_now_ns() >= until_ns;
    return 0;
}

static inline void wr_sleep_ns(int64_t ns)
{
    Sleep(ns <= 1000000 ? 1 : (DWORD)((ns + 999999) / 1000000));
}

static inline int wr_thread_start(wr_thread *t, unsigned (__stdcall *fn)(void *), void *arg,
                                  size_t stack_bytes, int flags)
{
    uintptr_t h = _beginthreadex(NULL, (unsigned)stack_bytes, fn, arg,
                                 STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (h == 0)
        return -1;
    *t = (HANDLE)h;
    if (flags & WR_THREAD_DETACHED)
        CloseHandle(*t);
    return 0;
}

static inline void wr_thread_join(wr_thread t)
{
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
}

static inline long wr_pid(void) { return (long)GetCurrentProcessId(); }
static inline void wr_atfork_child(void (*fn)(void)) { (void)fn; }   /* no fork on Windows */

static inline int wr_stack_bounds(size_t *lo, size_t *size)
{
#if defined(_WIN32_WINNT) && _WIN32_WINNT >= 0x0602
    ULONG_PTR low, high;
    GetCurrentThreadStackLimits(&low, &high);
    *lo = (size_t)low;
    *size = (size_t)(high - low);
    return 0;
#else
    (void)lo; (void)size;       /* before Windows 8: unknown (the caller's fallback) */
    return -1;
#endif
}

#else
/* ---- POSIX threads ---------------------------------------------------------------- */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

typedef pthread_mutex_t wr_mutex;
typedef struct {
    pthread_cond_t c;
    int monotonic;              /* waits against CLOCK_MONOTONIC (wr_cond_init) */
} wr_cond;
typedef pthread_t wr_thread;
#define WR_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
#define WR_COND_INIT {PTHREAD_COND_INITIALIZER, 0}
#define WR_THREAD_FN(name, arg) static void *name(void *arg)
#define WR_THREAD_RETURN NULL

static inline void wr_mutex_init(wr_mutex *m) { pthread_mutex_init(m, NULL); }
static inline void wr_mutex_destroy(wr_mutex *m) { pthread_mutex_destroy(m); }
static inline void wr_mutex_lock(wr_mutex *m) { pthread_mutex_lock(m); }
static inline void wr_mutex_unlock(wr_mutex *m) { pthread_mutex_unlock(m); }

static inline void wr_cond_init(wr_cond *c)
{
#if defined(__APPLE__)
    pthread_cond_init(&c->c, NULL);
    c->monotonic = 0;           /* (macOS waits for the time left: see wr_cond_wait_until) */
#else
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    c->monotonic = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0;
    pthread_cond_init(&c->c, &attr);
    pthread_condattr_destroy(&attr);
#endif
}

static inline void wr_cond_destroy(wr_cond *c) { pthread_cond_destroy(&c->c); }
static inline void wr_cond_signal(wr_cond *c) { pthread_cond_signal(&c->c); }
static inline void wr_cond_wait(wr_cond *c, wr_mutex *m) { pthread_cond_wait(&c->c, m); }

static inline int64_t wr_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline struct timespec wr_timespec(int64_t ns)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    return ts;
}

static inline int wr_cond_wait_until(wr_cond *c, wr_mutex *m, int64_t until_ns)
{
    int64_t left = until_ns - wr_now_ns();
    struct timespec ts;
    if (left <= 0)
        return 1;
#if defined(__APPLE__)
    ts = wr_timespec(left);
    pthread_cond_timedwait_relative_np(&c->c, m, &ts);
#else
    if (c->monotonic) {
        ts = wr_timespec(until_ns);
    } else {                    /* a PTHREAD_COND_INITIALIZER one: the realtime clock */
        struct timespec rt;
        clock_gettime(CLOCK_REALTIME, &rt);
        ts = wr_timespec((int64_t)rt.tv_sec * 1000000000LL + rt.tv_nsec + left);
    }
    pthread_cond_timedwait(&c->c, m, &ts);
#endif
    return wr_now_ns() >= until_ns;
}

static inline void wr_sleep_ns(int64_t ns)
{
    struct timespec ts = wr_timespec(ns);
    nanosleep(&ts, NULL);
}

static inline int wr_thread_start(wr_thread *t, void *(*fn)(void *), void *arg,
                                  size_t stack_bytes, int flags)
{
    pthread_attr_t attr;
    sigset_t all, old;
    int rc;
    pthread_attr_init(&attr);
    if (flags & WR_THREAD_DETACHED)
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (stack_bytes)
        pthread_attr_setstacksize(&attr, stack_bytes);
    if (flags & WR_THREAD_NO_SIGNALS) {
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &old);     /* the thread inherits the mask */
    }
    rc = pthread_create(t, &attr, fn, arg);
    if (flags & WR_THREAD_NO_SIGNALS)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return rc == 0 ? 0 : -1;
}

static inline void wr_thread_join(wr_thread t) { pthread_join(t, NULL); }
static inline long wr_pid(void) { return (long)getpid(); }
static inline void wr_atfork_child(void (*fn)(void)) { pthread_atfork(NULL, NULL, fn); }

static inline int wr_stack_bounds(size_t *lo, size_t *size)
{
#if defined(__APPLE__)
    pthread_t self = pthread_self();
    size_t n = pthread_get_stacksize_np(self);
    *lo = (size_t)pthread_get_stackaddr_np(self) - n;     /* the address is the high end */
    *size = n;
    return 0;
#elif defined(__linux__) || defined(__GLIBC__)
    pthread_attr_t a;
    void *low = NULL;
    size_t n = 0;
    int rc = -1;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        if (pthread_attr_getstack(&a, &low, &n) == 0) {
            *lo = (size_t)low;
            *size = n;
            rc = 0;
        }
        pthread_attr_destroy(&a);
    }
    return rc;
#else
    (void)lo; (void)size;       /* other systems: unknown (the caller's fallback) */
    return -1;
#endif
}
#endif

#endif
