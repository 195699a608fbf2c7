/* test_alloc_faults.c — fault twin of a whole run: fail the Nth heap allocation, for every N,
 * while loading, validating and running a small workflow (EmptyImage -> ImageInvert ->
 * ImageScaleBy -> PreviewImage). Each failing run must return an error (never crash) and, after
 * cleanup, leave no allocation behind.
 *
 * The allocator is interposed at link level (glibc supports replacing malloc), counting live
 * blocks, so leaks are checked without a sanitizer. Under ASan, which owns malloc itself, the
 * test is skipped (exit 77); the ASan configuration runs the same code paths in other tests. */
#include "harness.h"

#include "fault_alloc.h"

#ifndef CFY_TEST_SANITIZED
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
