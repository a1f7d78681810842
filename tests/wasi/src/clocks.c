/* Clocks, sleeping, randomness and sched_yield: prints checks that hold on any machine. */
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "wasi_test.h"

static int64_t ns(clockid_t id) {
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0) return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(void) {
    struct timespec res;
    T(clock_getres(CLOCK_REALTIME, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0);
    T(clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_nsec > 0);
    T(clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0);
    T(clock_getres(CLOCK_THREAD_CPUTIME_ID, &res) == 0);
    T(ns(CLOCK_REALTIME) > 1600000000LL * 1000000000);
    int64_t m0 = ns(CLOCK_MONOTONIC), p0 = ns(CLOCK_PROCESS_CPUTIME_ID);
    T(m0 > 0);
    T(ns(CLOCK_THREAD_CPUTIME_ID) >= 0);
    volatile unsigned x = 0;
    for (unsigned i = 0; i < 200000; i++) x += i;
    T(ns(CLOCK_PROCESS_CPUTIME_ID) >= p0 && x > 0);
    struct timespec nap = {0, 30000000};
    T(nanosleep(&nap, NULL));
    int64_t slept = ns(CLOCK_MONOTONIC) - m0;
    T(slept >= 30000000);
    T(slept < 5000000000LL);
    /* absolute deadline on the monotonic clock */
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += 20000000;
    if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
    T(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL));
    T(ns(CLOCK_MONOTONIC) >= (int64_t)until.tv_sec * 1000000000 + until.tv_nsec);
    T(poll(NULL, 0, 10));
    T(sched_yield());
    unsigned char a[64] = {0}, b[64] = {0};
    T(getentropy(a, sizeof a));
    T(getentropy(b, sizeof b));
    T(memcmp(a, b, sizeof a) != 0);
    int zeros = 0;
    for (int i = 0; i < 64; i++) zeros += a[i] == 0;
    T(zeros < 16);
    T(getentropy(a, 300));
    T(arc4random_uniform(10) < 10);
    return 0;
}
