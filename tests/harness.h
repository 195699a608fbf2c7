/* harness.h — tiny C test harness: CHECK macros, tensor comparison, fixture paths.
 *
 * Each test file defines `int main(void)` calling its cases through RUN(); the process exits
 * 1 when any CHECK failed and prints "N passed, M failed". Exit 77 means "skipped" (ctest). */
#ifndef CFY_TESTS_HARNESS_H
#define CFY_TESTS_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/comfyc.h"

extern int cfy_test_failures;
extern int cfy_test_checks;
extern int cfy_test_cases_failed;
extern int cfy_test_cases_passed;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        cfy_test_checks++;                                                             \
        if (!(cond)) {                                                                 \
            cfy_test_failures++;                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                              \
    } while (0)

#define CHECK_OK(expr)                                                                              \
    do {                                                                                            \
        cfy_error e_ = {0};                                                                         \
        (void)e_;                                                                                   \
        cfy_status s_ = (expr);                                                                     \
        cfy_test_checks++;                                                                          \
        if (s_ != CFY_OK) {                                                                         \
            cfy_test_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s returned %s\n", __FILE__, __LINE__, #expr, cfy_status_name(s_)); \
        }                                                                                           \
    } while (0)

/* Check a status and print the error record when it is not CFY_OK. */
#define CHECK_ST(expr, errp)                                                                         \
    do {                                                                                             \
        cfy_status s_ = (expr);                                                                      \
        cfy_test_checks++;                                                                           \
        if (s_ != CFY_OK) {                                                                          \
            char b_[1024];                                                                           \
            cfy_test_failures++;                                                                     \
            fprintf(stderr, "%s:%d: %s returned %s: %s\n", __FILE__, __LINE__, #expr, cfy_status_name(s_), \
                    cfy_error_format((errp), b_, sizeof b_));                                        \
        }                                                                                            \
    } while (0)

#define RUN(fn) cfy_test_run(#fn, fn)

void cfy_test_run(const char *name, void (*fn)(void));
/* Print the closing "N passed, M failed" line and return the process exit code. */
int cfy_test_finish(void);

/* Compare two float arrays; prints max abs diff and the first mismatches. Returns 1 when all
 * |a-b| <= tol. */
int cfy_test_close_f32(const char *what, const float *a, const float *b, long n, double tol);

/* Path of a file under the source tree (CFY_SOURCE_DIR) — static buffer per call site not
 * needed: writes into buf. */
const char *cfy_test_src_path(char *buf, size_t size, const char *rel);
/* A fresh empty temporary folder for this test (removed by the OS's tmp cleaning). */
const char *cfy_test_tmpdir(char *buf, size_t size);

#endif
