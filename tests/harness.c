/* harness.c — implementation of the tiny C test harness. */
#include "harness.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

int cfy_test_failures = 0;
int cfy_test_checks = 0;
int cfy_test_cases_failed = 0;
int cfy_test_cases_passed = 0;

void cfy_test_run(const char *name, void (*fn)(void))
{
    int before = cfy_test_failures;
    fn();
    if (cfy_test_failures == before) {
        cfy_test_cases_passed++;
        fprintf(stderr, "  ok   %s\n", name);
    } else {
        cfy_test_cases_failed++;
        fprintf(stderr, "  FAIL %s\n", name);
    }
}

int cfy_test_finish(void)
{
    printf("%d passed, %d failed\n", cfy_test_cases_passed, cfy_test_cases_failed);
    return cfy_test_cases_failed ? 1 : 0;
}

int cfy_test_close_f32(const char *what, const float *a, const float *b, long n, double tol)
{
    double maxd = 0;
    long bad = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (isnan(a[i]) != isnan(b[i])) d = INFINITY;
        if (d > maxd) maxd = d;
        if (d > tol) {
            if (bad < 5) fprintf(stderr, "  %s[%ld]: %.9g vs %.9g (diff %.3g)\n", what, i, a[i], b[i], d);
            bad++;
        }
    }
    fprintf(stderr, "  %s: max abs diff %.3g over %ld values (tol %.3g)%s\n", what, maxd, n, tol, bad ? " MISMATCH" : "");
    return bad == 0;
}

const char *cfy_test_src_path(char *buf, size_t size, const char *rel)
{
    const char *src = getenv("CFY_SOURCE_DIR");
    snprintf(buf, size, "%s/%s", src ? src : ".", rel);
    return buf;
}

const char *cfy_test_tmpdir(char *buf, size_t size)
{
    const char *base = getenv("TMPDIR");
    snprintf(buf, size, "%s/cfytest.XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(buf)) buf[0] = '\0';
    return buf;
}
