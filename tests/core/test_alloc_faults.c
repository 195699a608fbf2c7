/* test_alloc_faults.c — fault twin of a whole run: fail the Nth heap allocation, for every N,
 * while loading, validating and running a small workflow (EmptyImage -> ImageInvert ->
 * ImageScaleBy -> PreviewImage). Each failing run must return an error (never crash) and, after
 * cleanup, leave no allocation behind.
 *
 * The allocator is interposed at link level (glibc supports replacing malloc), counting live
 * blocks, so leaks are checked without a sanitizer. Under ASan, which owns malloc itself, the
 * test is skipped (exit 77); the ASan configuration runs the same code paths in other tests. */
#include "harness.h"
#include <execinfo.h>

#if defined(__SANITIZE_ADDRESS__)
#define CFY_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CFY_TEST_SANITIZED 1
#endif
#endif

#ifndef CFY_TEST_SANITIZED
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static long g_live;       /* blocks currently allocated */
static long g_count;      /* allocations seen since arming */
static long g_fail_at;    /* fail the allocation with this number (1-based); 0 = never */
static int g_failed;      /* the armed failure happened */

static int should_fail(void)
{
    if (!g_fail_at) return 0;
    if (++g_count == g_fail_at) {
        g_failed = 1;
        if (getenv("CFY_FAULT_TRACE")) { void *bt[12]; int k = backtrace(bt, 12); backtrace_symbols_fd(bt, k, 2); }
        return 1;
    }
    return 0;
}

void *malloc(size_t n)
{
    if (should_fail()) return NULL;
    void *p = __libc_malloc(n);
    if (p) g_live++;
    return p;
}

void *calloc(size_t a, size_t b)
{
    if (should_fail()) return NULL;
    void *p = __libc_calloc(a, b);
    if (p) g_live++;
    return p;
}

void *realloc(void *old, size_t n)
{
    if (old && n == 0) {
        g_live--;
        return __libc_realloc(old, 0);
    }
    if (should_fail()) return NULL;
    void *p = __libc_realloc(old, n);
    if (p && !old) g_live++;
    return p;
}

void free(void *p)
{
    if (p) g_live--;
    __libc_free(p);
}

static const char *const WORKFLOW =
    "{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {\"width\": 24, \"height\": 16, \"batch_size\": 1, \"color\": 255}},"
    " \"2\": {\"class_type\": \"ImageInvert\", \"inputs\": {\"image\": [\"1\", 0]}},"
    " \"3\": {\"class_type\": \"ImageScaleBy\", \"inputs\": {\"image\": [\"2\", 0], \"upscale_method\": \"lanczos\", \"scale_by\": 0.5}},"
    " \"4\": {\"class_type\": \"PreviewImage\", \"inputs\": {\"images\": [\"3\", 0]}}}";

/* One whole run; returns its status (err filled on failure). */
static cfy_status scenario(const char *dir, cfy_error *err)
{
    cfy_runtime_options opts;
    cfy_runtime_options_init(&opts);
    opts.temp_dir = dir;
    opts.output_dir = dir;
    opts.input_dir = dir;
    cfy_runtime *rt = NULL;
    cfy_workflow *wf = NULL;
    cfy_status st = cfy_runtime_create(&opts, &rt, err);
    if (st == CFY_OK) st = cfy_workflow_parse(rt, WORKFLOW, strlen(WORKFLOW), "faults", &wf, err);
    if (st == CFY_OK) st = cfy_workflow_run(rt, wf, NULL, err);
    if (st == CFY_OK) {
        const cfy_value *v = cfy_workflow_output(rt, wf, "3", 0);
        if (!v || cfy_value_tensor(v)->sizes[2] != 12) st = cfy_error_set(err, CFY_EINTERNAL, "wrong output");
    }
    cfy_workflow_free(wf);
    cfy_runtime_destroy(rt);
    return st;
}

static void test_every_allocation_failure(void)
{
    char dir[256];
    cfy_test_tmpdir(dir, sizeof dir);
    cfy_error err;
    cfy_error_clear(&err);
    CHECK_ST(scenario(dir, &err), &err); /* warm-up: one-time library allocations happen here */
    long baseline = g_live;
    CHECK_ST(scenario(dir, &err), &err);
    CHECK(g_live == baseline);
    long n = 0, errors = 0, leaks = 0;
    for (n = 1; n < 200000; n++) {
        g_count = 0;
        g_failed = 0;
        g_fail_at = n;
        cfy_error_clear(&err);
        cfy_status st = scenario(dir, &err);
        g_fail_at = 0;
        if (!g_failed) { /* the run needed fewer than n allocations: every point was tried */
            CHECK(st == CFY_OK);
            break;
        }
        if (st != CFY_OK) errors++;
        else fprintf(stderr, "  allocation %ld failed but the run succeeded\n", n);
        if (g_live != baseline) {
            if (leaks < 5) fprintf(stderr, "  allocation %ld failed: %ld blocks leaked (%s)\n", n, g_live - baseline, cfy_status_name(st));
            leaks++;
            baseline = g_live;
        }
    }
    fprintf(stderr, "  %ld allocation points failed one by one: %ld runs reported an error, %ld leaked\n", n - 1, errors, leaks);
    CHECK(n > 10);
    CHECK(leaks == 0);
}
#endif

int main(void)
{
#ifdef CFY_TEST_SANITIZED
    fprintf(stderr, "skipped: the allocator is owned by the sanitizer in this build\n");
    return 77;
#else
    RUN(test_every_allocation_failure);
    return cfy_test_finish();
#endif
}
