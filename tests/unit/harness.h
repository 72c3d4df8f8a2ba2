/*
 * harness.h - the in-tree unit test harness.
 *
 * A test program is a list of test functions run from main():
 *
 *     #include "harness.h"
 *     static void test_add(void) { CHECK_EQ_INT(1 + 1, 2); }
 *     int main(void) { RUN(test_add); return harness_summary(); }
 *
 * A failed check prints file:line and what differed, marks the current test failed and carries on
 * with the next check, so one run shows every failure. harness_summary() prints
 * "N passed, M failed" and returns the exit status (0 only when nothing failed).
 */
#ifndef CYDRA_TESTS_HARNESS_H
#define CYDRA_TESTS_HARNESS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_passed, harness_failed, harness_current_failed;
static const char *harness_current = "";

static inline void harness_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static inline void harness_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s:%d: %s: ", file, line, harness_current);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    harness_current_failed = 1;
}

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        harness_current = #fn;                                                                     \
        harness_current_failed = 0;                                                                \
        fn();                                                                                      \
        if (harness_current_failed)                                                                \
            harness_failed++;                                                                      \
        else                                                                                       \
            harness_passed++;                                                                      \
    } while (0)

static inline int harness_summary(void) {
    printf("%d passed, %d failed\n", harness_passed, harness_failed);
    return harness_failed ? 1 : 0;
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            harness_fail(__FILE__, __LINE__, "check failed: %s", #cond);                           \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                      \
        if (va_ != vb_)                                                                            \
            harness_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, va_, vb_);          \
    } while (0)

#define CHECK_STREQ(a, b)                                                                          \
    do {                                                                                           \
        const char *sa_ = (a), *sb_ = (b);                                                         \
        if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0)                                                 \
            harness_fail(__FILE__, __LINE__, "%s == %s:\n  got:      \"%s\"\n  expected: \"%s\"",  \
                         #a, #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                      \
    } while (0)

/* |a - b| <= atol + rtol * |b|, as numpy.isclose. */
#define CHECK_CLOSE(a, b, atol, rtol)                                                              \
    do {                                                                                           \
        double da_ = (double)(a), db_ = (double)(b);                                               \
        if (!(fabs(da_ - db_) <= (atol) + (rtol)*fabs(db_)))                                       \
            harness_fail(__FILE__, __LINE__, "%s ~= %s: %.9g vs %.9g", #a, #b, da_, db_);          \
    } while (0)

/* Reads a whole file into a NUL-terminated heap buffer (NULL when it cannot be read). */
static inline char *harness_read_file(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len_out)
            *len_out = (size_t)n;
    }
    return buf;
}

#endif
