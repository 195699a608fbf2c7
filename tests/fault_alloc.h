/* fault_alloc.h — heap fault injection for "fault twin" tests: include once in a test file.
 *
 * Replaces malloc/calloc/realloc/free for the whole test executable (glibc supports replacing
 * the allocator), counting live blocks so leaks are seen without a sanitizer, and failing the
 * allocation numbered g_fail_at (1-based, counted from arming; 0 = never). CFY_FAULT_TRACE=1
 * prints a backtrace at the failing allocation.
 *
 * Under AddressSanitizer, which owns the allocator, CFY_TEST_SANITIZED is defined and nothing is
 * replaced: such tests exit 77 (skipped) there. */
#ifndef CFY_TESTS_FAULT_ALLOC_H
#define CFY_TESTS_FAULT_ALLOC_H

#if defined(__SANITIZE_ADDRESS__)
#define CFY_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CFY_TEST_SANITIZED 1
#endif
#endif

#ifndef CFY_TEST_SANITIZED
#include <execinfo.h>
#include <stddef.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static long g_live;    /* blocks currently allocated */
static long g_count;   /* allocations seen since arming */
static long g_fail_at; /* fail the allocation with this number (1-based); 0 = never */
static int g_failed;   /* the armed failure happened */

static int should_fail(void)
{
    if (!g_fail_at) return 0;
    if (++g_count == g_fail_at) {
        g_failed = 1;
        if (getenv("CFY_FAULT_TRACE")) {
            void *bt[12];
            int k = backtrace(bt, 12);
            backtrace_symbols_fd(bt, k, 2);
        }
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
#endif

#endif
