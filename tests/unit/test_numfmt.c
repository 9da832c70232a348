/*
 * test_numfmt.c — parity__fmt_g prints what snprintf's "%.*g" prints, byte
 * for byte: hand-picked half-way cases, decade edges, the switch between
 * fixed and exponent notation, and millions of seeded random values over
 * the whole double range at every precision from 0 to 17.
 */
#include "render/report_impl.h"
#include "testutil.h"

#include <stdint.h>

/* Counts the disagreements; reports the first few. */
static int mismatches;

static void same(double x, int prec) {
    char want[64], got[64];
    int nw = snprintf(want, sizeof want, "%.*g", prec, x);
    int ng = parity__fmt_g(x, prec, got, sizeof got);
    if (nw == ng && strcmp(want, got) == 0) return;
    if (mismatches++ < 10)
        fprintf(stderr, "%%.%dg of %a: snprintf '%s' (%d), parity__fmt_g '%s' (%d)\n", prec, x,
                want, nw, got, ng);
}

static uint64_t next(uint64_t *s) { /* splitmix64: seeded, reproducible */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void hand_picked(void) {
    const double xs[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.5, 0.125, 0.375, 1.0625,
                         9.9995, 9.9994999, 9999.5, 99995.0, 999950.0, 0.00012345,
                         0.0001, 0.00001, 9.99949999e-5, 9.9995e-5, 123456.0, 1234.5,
                         12345.0, 1e15, 1e16, 1e22, 1e23, 1e-22, 1e-23, 0.1, 0.2, 0.3,
                         1.0 / 3, 2.0 / 3, 1e300, 1e-300, 4.9e-324, 2.2250738585072014e-308,
                         1.7976931348623157e308, 0x1p-1000, 0x1.8p-1000, 12.68, -10.38,
                         2.104, 4.1e-06, 0.0996, 0.0100004, 99.99, 100.0, 0.999949,
                         0.99995, 65504.0, 3.14159265358979, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof xs / sizeof *xs; i++)
        for (int p = 0; p <= 17; p++) {
            same(xs[i], p);
            same(-xs[i], p);
        }
    /* every exact half-way point d.5·10^j of a few digits, both sides */
    for (int j = -3; j <= 6; j++)
        for (int d = 0; d < 2000; d++) {
            double x = (d + 0.5) * pow(10, j);
            for (int p = 1; p <= 5; p++) {
                same(x, p);
                same(nextafter(x, 0), p);
                same(nextafter(x, INFINITY), p);
            }
        }
}

static void random_values(void) {
    uint64_t seed = 20261202;
    for (int i = 0; i < 3000000; i++) {
        uint64_t bits = next(&seed);
        double x;
        if (i % 3 == 0) { /* any finite bit pattern */
            memcpy(&x, &bits, sizeof x);
            if (!isfinite(x)) continue;
        } else { /* the magnitudes reports print: 1e-12 .. 1e12 */
            double u = (double)(bits >> 11) * 0x1p-53;
            x = pow(10, -12 + 24 * u) * ((bits & 1) ? -1 : 1);
        }
        same(x, i % 2 ? 4 : (int)(next(&seed) % 18));
    }
}

int main(void) {
    hand_picked();
    random_values();
    CHECK_MSG(mismatches == 0, "%d values printed otherwise than snprintf", mismatches);
    return TEST_SUMMARY();
}
