/*
 * testutil.h — tiny assertion helpers shared by the unit tests.
 *
 * Each CHECK prints file:line and the failed condition to stderr and counts
 * the failure; a test's main() ends with `return TEST_SUMMARY();`, which
 * prints "N passed, N failed" and returns nonzero when anything failed.
 * Header-only, no globals shared between translation units (each test is
 * one executable built from one .c file). Also the readers' tests' file
 * helpers: slurp (a whole file into memory) and same_file.
 */
#ifndef PARITY_TESTUTIL_H
#define PARITY_TESTUTIL_H

#include "parity.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int testutil_pass_ = 0;
static int testutil_fail_ = 0;

/* Record one check; returns cond so callers may bail out of a case. */
static inline int testutil_check_(int cond, const char *file, int line,
                                  const char *what) {
    if (cond) {
        testutil_pass_++;
    } else {
        testutil_fail_++;
        fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
    }
    return cond;
}

#define CHECK(cond) testutil_check_(!!(cond), __FILE__, __LINE__, #cond)

/* Same as CHECK with a printf-style explanation on failure. */
#define CHECK_MSG(cond, ...)                                                \
    (testutil_check_(!!(cond), __FILE__, __LINE__, #cond)                   \
         ? 1                                                                \
         : (fprintf(stderr, "    "), fprintf(stderr, __VA_ARGS__),          \
            fprintf(stderr, "\n"), 0))

/* Integers (compared as intmax_t / uintmax_t). */
#define CHECK_EQ_INT(a, b)                                                  \
    CHECK_MSG((intmax_t)(a) == (intmax_t)(b), "%s = %jd, %s = %jd", #a,      \
              (intmax_t)(a), #b, (intmax_t)(b))
#define CHECK_EQ_U64(a, b)                                                  \
    CHECK_MSG((uintmax_t)(a) == (uintmax_t)(b), "%s = %ju, %s = %ju", #a,    \
              (uintmax_t)(a), #b, (uintmax_t)(b))

/* Strings (NULL-safe). */
#define CHECK_EQ_STR(a, b)                                                  \
    do {                                                                    \
        const char *sa_ = (a), *sb_ = (b);                                  \
        CHECK_MSG(testutil_streq_(sa_, sb_), "%s = \"%s\", %s = \"%s\"", #a, \
                  sa_ ? sa_ : "(null)", #b, sb_ ? sb_ : "(null)");          \
    } while (0)

static inline int testutil_streq_(const char *a, const char *b) {
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

/* Doubles: bit-identical (NaN equals NaN with the same bits; -0 != +0). */
static inline int testutil_same_bits_(double a, double b) {
    uint64_t x, y;
    memcpy(&x, &a, sizeof x);
    memcpy(&y, &b, sizeof y);
    return x == y;
}
#define CHECK_SAME_DBL(a, b)                                                \
    CHECK_MSG(testutil_same_bits_((a), (b)), "%s = %.17g, %s = %.17g", #a,   \
              (double)(a), #b, (double)(b))

/* Doubles: equal values, or both NaN (so -0 == +0). */
static inline int testutil_eq_dbl_(double a, double b) {
    return a == b || (isnan(a) && isnan(b));
}
#define CHECK_EQ_DBL(a, b)                                                  \
    CHECK_MSG(testutil_eq_dbl_((a), (b)), "%s = %.17g, %s = %.17g", #a,      \
              (double)(a), #b, (double)(b))

/* Doubles within a relative tolerance: |a-b| <= rel*max(|a|,|b|); equal
 * infinities and two NaNs pass. */
static inline int testutil_near_dbl_(double a, double b, double rel) {
    if (a == b || (isnan(a) && isnan(b))) return 1;
    double m = fmax(fabs(a), fabs(b));
    return fabs(a - b) <= rel * m;
}
#define CHECK_NEAR_DBL(a, b, rel)                                           \
    CHECK_MSG(testutil_near_dbl_((a), (b), (rel)),                           \
              "%s = %.17g, %s = %.17g (rel tol %g)", #a, (double)(a), #b,    \
              (double)(b), (double)(rel))

/* Doubles within an absolute tolerance. */
#define CHECK_ABS_DBL(a, b, tol)                                            \
    CHECK_MSG(fabs((double)(a) - (double)(b)) <= (tol),                      \
              "%s = %.17g, %s = %.17g (abs tol %g)", #a, (double)(a), #b,    \
              (double)(b), (double)(tol))

/* A fallible parity call (returns PARITY_OK = 0): prints the error
 * message when it fails. errp may be NULL. */
static inline const char *testutil_errmsg_(const parity_error *e) {
    return e ? e->msg : "";
}
#define CHECK_OK(expr, errp)                                                \
    CHECK_MSG((expr) == PARITY_OK, "%s", testutil_errmsg_(errp))

/* Print the closing line ctest logs show and give main()'s exit code. */
#define TEST_SUMMARY()                                                      \
    (printf("%d passed, %d failed\n", testutil_pass_, testutil_fail_),       \
     testutil_fail_ ? 1 : 0)

/* The bytes of the file at path (malloc'd; *len their count), or NULL. */
static inline unsigned char *slurp(const char *path, size_t *len) {
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0, got;
    unsigned char *b = malloc(cap);
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) b = realloc(b, cap *= 2);
    }
    fclose(f);
    *len = n;
    return b;
}

/* Whether the files at a and b hold the same bytes (both readable). */
static inline int same_file(const char *a, const char *b) {
    size_t la = 0, lb = 0;
    unsigned char *x = slurp(a, &la), *y = slurp(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

#endif /* PARITY_TESTUTIL_H */
