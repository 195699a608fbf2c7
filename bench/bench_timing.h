/* bench_timing.h — the clock and the best/median summary the benchmarks share. Header-only:
 * each bench is one executable. */
#ifndef CFY_BENCH_TIMING_H
#define CFY_BENCH_TIMING_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Monotonic wall clock in milliseconds. */
static inline double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts t[0..n) (milliseconds) and prints "what  best  median". */
static inline void bench_report_ms(const char *what, double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, bench_cmp_double);
    printf("%-52s best %9.3f ms   median %9.3f ms\n", what, t[0], t[n / 2]);
}

#endif
