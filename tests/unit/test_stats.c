/*
 * test_stats.c — the exact superaccumulator and one-side statistics.
 *
 * parity_xsum against hand-derived edge cases (ties, sticky bits,
 * subnormals, overflow) and against math.fsum on random arrays spanning the
 * whole exponent range; order and merge independence. parity_stats_tensor
 * on 10^6-element adversarial tensors (mixed magnitudes 1e-8..1e8, heavy
 * cancellation, 1e8 + noise, a trending ramp, f32 with NaN/Inf/-0/
 * denormals) against NumPy + math.fsum, all written by
 * tools/gen_metric_data.py with fixed seeds.
 */
#include "analysis/acc.h"
#include "analysis/fused.h"
#include "parity.h"
#include "analysis/xsum.h"
#include "testutil.h"
#include "metric_fixture.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_dir[1024];

static double xsum_of(const double *x, size_t n) {
    parity_xsum s;
    parity_xsum_init(&s);
    for (size_t i = 0; i < n; i++) parity_xsum_add(&s, x[i]);
    return parity_xsum_result(&s);
}

static void test_xsum_edges(void) {
    CHECK_SAME_DBL(xsum_of(NULL, 0), 0.0);
    double a[] = {1e308, 1e308, -1e308};
    CHECK_EQ_DBL(xsum_of(a, 3), 1e308); /* no intermediate overflow */
    double b[] = {1.0, 1e-300, -1.0};
    CHECK_EQ_DBL(xsum_of(b, 3), 1e-300);
    double c[] = {1.0, 0x1p-53};         /* tie: stays at the even 1 */
    CHECK_EQ_DBL(xsum_of(c, 2), 1.0);
    double d[] = {1.0, 0x1p-53, 0x1p-200}; /* sticky bit: rounds up */
    CHECK_EQ_DBL(xsum_of(d, 3), 1.0 + 0x1p-52);
    double e[] = {1.0 + 0x1p-52, 0x1p-53}; /* tie from odd: up to even */
    CHECK_EQ_DBL(xsum_of(e, 2), 1.0 + 0x1p-51);
    double f[] = {0x1p-1074, 0x1p-1074, 3 * 0x1p-1074}; /* subnormals exact */
    CHECK_EQ_DBL(xsum_of(f, 3), 5 * 0x1p-1074);
    double g[] = {DBL_MAX, DBL_MAX};
    CHECK_EQ_DBL(xsum_of(g, 2), INFINITY);
    double h[] = {-DBL_MAX, -DBL_MAX, DBL_MAX};
    CHECK_EQ_DBL(xsum_of(h, 3), -DBL_MAX);
    double k[] = {DBL_MAX, 0x1p970}; /* exactly half an ulp above max */
    CHECK_EQ_DBL(xsum_of(k, 2), INFINITY);
    double m[] = {-3.5, 1.25, -0.0, 0.0}; /* -0.0 adds nothing */
    CHECK_EQ_DBL(xsum_of(m, 4), -2.25);
    /* non-finite values are never dropped: IEEE addition's answer */
    double inf1[] = {1.0, INFINITY, 2.0}, inf2[] = {-INFINITY, 5.0};
    double nan1[] = {1.0, NAN}, both[] = {INFINITY, -INFINITY};
    CHECK_SAME_DBL(xsum_of(inf1, 3), INFINITY);
    CHECK_SAME_DBL(xsum_of(inf2, 2), -INFINITY);
    CHECK(isnan(xsum_of(nan1, 2)) && isnan(xsum_of(both, 2)));
    parity_xsum s1, s2;
    parity_xsum_init(&s1);
    parity_xsum_init(&s2);
    parity_xsum_add(&s1, 1.0);
    parity_xsum_add(&s2, INFINITY);
    parity_xsum_merge(&s1, &s2); /* a merge carries it too */
    CHECK_SAME_DBL(parity_xsum_result(&s1), INFINITY);
    /* partial sums far beyond DBL_MAX stay exact */
    parity_xsum_init(&s1);
    for (int i = 0; i < 1000; i++) parity_xsum_add(&s1, DBL_MAX);
    CHECK_SAME_DBL(parity_xsum_result(&s1), INFINITY);
    for (int i = 0; i < 999; i++) parity_xsum_add(&s1, -DBL_MAX);
    parity_xsum_add(&s1, -0x1p970);
    CHECK_EQ_DBL(parity_xsum_result(&s1), DBL_MAX - 0x1p970);
    double n[] = {0x1p-1022, -0x1p-1074}; /* crosses into subnormal */
    CHECK_EQ_DBL(xsum_of(n, 2), 0x1p-1022 - 0x1p-1074);
}

/* Order and split independence: any permutation or merge gives the same
 * bits. */
static void test_xsum_merge(void) {
    enum { N = 5000 };
    static double x[N];
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < N; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        x[i] = ldexp((double)(s >> 11), (int)(s % 200) - 150) * (s & 1 ? -1 : 1);
    }
    double fwd = xsum_of(x, N);
    parity_xsum rev, p1, p2;
    parity_xsum_init(&rev), parity_xsum_init(&p1), parity_xsum_init(&p2);
    for (int i = N - 1; i >= 0; i--) parity_xsum_add(&rev, x[i]);
    for (int i = 0; i < N; i++) parity_xsum_add(i % 3 ? &p1 : &p2, x[i]);
    CHECK_SAME_DBL(parity_xsum_result(&rev), fwd);
    parity_xsum_merge(&p2, &p1);
    CHECK_SAME_DBL(parity_xsum_result(&p2), fwd);
}

static double jnum(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? strtod(v->valuestring, NULL) : NAN;
}

static uint64_t jpos(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || strcmp(v->valuestring, "none") == 0) return UINT64_MAX;
    return strtoull(v->valuestring, NULL, 10);
}

/* The fsum cases: every result is the correctly rounded sum, bit for bit. */
static void test_xsum_fsum(const cJSON *xs) {
    char path[1200];
    snprintf(path, sizeof path, "%s/xsum_values.bin", g_dir);
    FILE *f = fopen(path, "rb");
    if (!CHECK(f != NULL)) return;
    const cJSON *lens = cJSON_GetObjectItemCaseSensitive(xs, "lens");
    const cJSON *sums = cJSON_GetObjectItemCaseSensitive(xs, "sums");
    int n = cJSON_GetArraySize(lens), bad = 0;
    CHECK(n >= 50);
    for (int i = 0; i < n; i++) {
        size_t len = strtoull(cJSON_GetArrayItem(lens, i)->valuestring, NULL, 10);
        double want = strtod(cJSON_GetArrayItem(sums, i)->valuestring, NULL);
        double *x = malloc(len * sizeof *x);
        if (fread(x, sizeof *x, len, f) != len) bad++;
        double got = xsum_of(x, len);
        if (!testutil_same_bits_(got, want) && !(got == 0 && want == 0)) {
            if (bad++ < 3) fprintf(stderr, "xsum case %d: %.17g vs fsum %.17g\n", i, got, want);
        }
        free(x);
    }
    fclose(f);
    CHECK_EQ_INT(bad, 0);
}

static void test_stats_files(const cJSON *stats) {
    const cJSON *c;
    int n = 0;
    cJSON_ArrayForEach(c, stats) {
        char path[1200];
        parity_set *set = NULL;
        parity_error err = {0};
        parity_stats s;
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(c, "stats");
        const char *name = c->string;
        snprintf(path, sizeof path, "%s/%s", g_dir,
                 cJSON_GetObjectItemCaseSensitive(c, "file")->valuestring);
        if (!CHECK_OK(parity_set_open(path, NULL, &set, &err), &err)) continue;
        CHECK_OK(parity_stats_tensor(parity_set_tensor(set, 0), &s, &err), &err);
        n++;
        CHECK_MSG(s.count == jpos(e, "count") && s.n_finite == jpos(e, "n_finite"),
                  "%s counts", name);
        CHECK_MSG(s.n_nan == jpos(e, "n_nan") && s.n_posinf == jpos(e, "n_posinf") &&
                      s.n_neginf == jpos(e, "n_neginf") && s.n_zero == jpos(e, "n_zero"),
                  "%s special counts", name);
        CHECK_MSG(s.min == jnum(e, "min") && s.max == jnum(e, "max"), "%s min/max", name);
        CHECK_MSG(s.argmin == jpos(e, "argmin") && s.argmax == jpos(e, "argmax"),
                  "%s argmin/argmax %llu %llu", name, (unsigned long long)s.argmin,
                  (unsigned long long)s.argmax);
        /* the sum is exact here: correctly rounded like math.fsum */
        CHECK_MSG(s.sum == jnum(e, "sum"), "%s sum %.17g vs %.17g", name, s.sum, jnum(e, "sum"));
        CHECK_MSG(testutil_near_dbl_(s.mean, jnum(e, "mean"), 1e-12), "%s mean", name);
        CHECK_MSG(testutil_near_dbl_(s.sumsq, jnum(e, "sumsq"), 1e-12), "%s sumsq", name);
        CHECK_MSG(testutil_near_dbl_(s.std, jnum(e, "std"), 1e-12), "%s std %.17g vs %.17g",
                  name, s.std, jnum(e, "std"));
        parity_set_free(set);
    }
    CHECK_EQ_INT(n, 8);
}

/* v[0..n) as a 1-D F64 tensor in memory. */
static parity_tensor vec_f64(const double *v, int64_t n) {
    parity_tensor t;
    memset(&t, 0, sizeof t);
    t.name = "t", t.file = "mem", t.dtype = PARITY_DT_F64, t.ndim = 1;
    t.shape[0] = n, t.stride[0] = 1, t.count = (uint64_t)n, t.nbytes = (uint64_t)n * 8;
    t.data = (const unsigned char *)v;
    return t;
}

/* Values near DBL_MAX: partial sums, squares and x - mean leave the double
 * range, the statistics do not (hand-derived: mean of ±1e308 values). */
static void test_stats_huge(void) {
    double v[4] = {1e308, 1e308, -1e308, DBL_MAX};
    parity_tensor t = vec_f64(v, 3);
    parity_stats s;
    CHECK_OK(parity_stats_tensor(&t, &s, NULL), (parity_error *)NULL);
    CHECK_EQ_DBL(s.sum, 1e308);
    CHECK_NEAR_DBL(s.mean, 1e308 / 3, 1e-15);
    CHECK_NEAR_DBL(s.std, 1e308 * sqrt(8.0) / 3, 1e-15); /* deviations 2/3, 2/3, 4/3 */
    CHECK_SAME_DBL(s.sumsq, INFINITY);
    t = vec_f64(v + 3, 1);
    CHECK_OK(parity_stats_tensor(&t, &s, NULL), (parity_error *)NULL);
    CHECK(s.mean == DBL_MAX && s.std == 0 && s.sumsq == INFINITY);
}

static void test_stats_small(void) {
    double v[5] = {NAN, -INFINITY, 2.0, -0.0, 2.0};
    parity_tensor t = vec_f64(v, 5);
    parity_stats s;
    CHECK_OK(parity_stats_tensor(&t, &s, NULL), (parity_error *)NULL);
    CHECK(s.n_finite == 3 && s.n_nan == 1 && s.n_neginf == 1 && s.n_zero == 1);
    CHECK(s.min == 0 && s.argmin == 3 && s.max == 2 && s.argmax == 2);
    CHECK_EQ_DBL(s.mean, 4.0 / 3.0);
    CHECK_NEAR_DBL(s.std, sqrt(8.0 / 9.0), 1e-15);
    t.count = 0, t.shape[0] = 0;
    CHECK_OK(parity_stats_tensor(&t, &s, NULL), (parity_error *)NULL);
    CHECK(isnan(s.mean) && isnan(s.min) && s.argmax == UINT64_MAX && s.sum == 0);
    CHECK_EQ_INT(parity_stats_tensor(NULL, &s, NULL), PARITY_E_USAGE);
}

/* ---- the shift K: every fast way gives the sequential definition's bits */

/* The definition (stats.c): the finite values summed in order by TwoSum,
 * (s + c) / k; written again here, independently of the library. */
static double shift_definition(const double *x, size_t n) {
    double s = 0, c = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) continue;
        double t = s + x[i], z = t - s;
        c += (s - (t - z)) + (x[i] - z);
        s = t;
        k++;
    }
    return k ? (s + c) / (double)k : 0.0;
}

static uint64_t shift_rng = 0x9e3779b97f4a7c15ull;
static uint64_t shift_next(void) {
    shift_rng ^= shift_rng << 13, shift_rng ^= shift_rng >> 7, shift_rng ^= shift_rng << 17;
    return shift_rng;
}

/* n values of dtype dt (stored in raw[]) whose exponents span about
 * `spread` binades, random signs and mantissas; their doubles in x[]. */
static void shift_data(parity_dtype dt, int spread, size_t n, void *raw, double *x) {
    for (size_t i = 0; i < n; i++) {
        uint64_t u = shift_next();
        double m = 1.0 + (double)(u >> 12) * 0x1p-52;
        int e = (int)(u % (uint64_t)(spread + 1)) - spread / 2;
        double v = ldexp((u >> 11) & 1 ? -m : m, e);
        if (u % 97 == 0) v = 0.0;
        if (dt == PARITY_DT_F32) {
            float f = (float)v;
            memcpy((char *)raw + 4 * i, &f, 4);
            x[i] = f;
        } else if (dt == PARITY_DT_F16) { /* built from its fields: exact */
            int eh = e < -14 ? -14 : e > 15 ? 15 : e; /* normal binades */
            unsigned m10 = (unsigned)(u >> 12) & 0x3ffu;
            uint16_t h = (uint16_t)(((u >> 11) & 1 ? 0x8000u : 0) |
                                    ((unsigned)(eh + 15) << 10) | m10);
            double hv = ldexp(1.0 + m10 / 1024.0, eh);
            if (v == 0.0) h = 0, hv = 0.0;
            memcpy((char *)raw + 2 * i, &h, 2);
            x[i] = (h & 0x8000u) ? -hv : hv;
        } else if (dt == PARITY_DT_BF16) { /* the top half of the float */
            float f = (float)v;
            uint32_t b;
            memcpy(&b, &f, 4);
            uint16_t h = (uint16_t)(b >> 16);
            b = (uint32_t)h << 16;
            memcpy((char *)raw + 2 * i, &h, 2);
            memcpy(&f, &b, 4);
            x[i] = f;
        } else {
            memcpy((char *)raw + 8 * i, &v, 8);
            x[i] = v;
        }
    }
}

static void test_shift(void) {
    enum { N = 4096 };
    static double x[N], raw[N];
    const parity_dtype dts[4] = {PARITY_DT_F32, PARITY_DT_F64, PARITY_DT_F16, PARITY_DT_BF16};
    const size_t sizes[4] = {N, N - 3, 77, 8};
    int checked = 0;
    for (int d = 0; d < 4; d++) {
        for (int spread = 0; spread <= 70; spread += 1) {
            for (int k = 0; k < 4; k++) {
                size_t n = sizes[k];
                parity_tensor t;
                memset(&t, 0, sizeof t);
                t.name = "s", t.file = "mem", t.dtype = dts[d], t.ndim = 1;
                t.shape[0] = (int64_t)n, t.stride[0] = 1, t.count = n;
                t.data = (const unsigned char *)raw;
                shift_data(dts[d], spread, n, raw, x);
                double want = shift_definition(x, n), buf[N], got = parity__shift_of(&t, buf);
                checked += CHECK_MSG(memcmp(&want, &got, 8) == 0,
                                     "shift %s spread %d n %zu: %.17g vs %.17g",
                                     parity_dtype_name(dts[d]), spread, n, want, got);
                for (int isa = PARITY__ISA_SSE2; isa <= (int)parity__isa_best(0); isa++) {
                    double f;
                    if (!parity__fused_shift(dts[d], (parity__isa)isa, t.data, n, &f)) continue;
                    CHECK_MSG(memcmp(&want, &f, 8) == 0, "fused shift isa %d %s spread %d",
                              isa, parity_dtype_name(dts[d]), spread);
                }
            }
        }
    }
    CHECK(checked == 4 * 71 * 4);
    /* Sequential TwoSum loses what c cannot hold: 2^53 + 1 ties to 2^53
     * (c = 1), then each 2^-80 is lost in c, while the exact sum rounds up
     * to 2^53 + 2. K must follow the definition (a spread beyond the
     * bound: the lanes' exact sum is not used). The same in F32 values. */
    double adv[64];
    float advf[64];
    adv[0] = 0x1p53, adv[1] = 1.0;
    advf[0] = 0x1p100f, advf[1] = 0x1p47f;
    for (int i = 2; i < 64; i++) adv[i] = 0x1p-80, advf[i] = 0x1p-20f;
    for (int d = 0; d < 2; d++) {
        parity_tensor t;
        double xs[64], buf[N];
        memset(&t, 0, sizeof t);
        t.name = "adv", t.file = "mem", t.ndim = 1, t.shape[0] = 64, t.stride[0] = 1, t.count = 64;
        t.dtype = d ? PARITY_DT_F32 : PARITY_DT_F64;
        t.data = d ? (const unsigned char *)advf : (const unsigned char *)adv;
        for (int i = 0; i < 64; i++) xs[i] = d ? advf[i] : adv[i];
        double want = shift_definition(xs, 64), got = parity__shift_of(&t, buf), f;
        CHECK_MSG(memcmp(&want, &got, 8) == 0, "adversarial shift %d: %a vs %a", d, want, got);
        CHECK(want != ((d ? 0x1p100 + 0x1p48 : 0x1p53 + 2) / 64)); /* the case bites */
        for (int isa = PARITY__ISA_SSE2; isa <= (int)parity__isa_best(0); isa++)
            if (parity__fused_shift(t.dtype, (parity__isa)isa, t.data, 64, &f))
                CHECK_MSG(memcmp(&want, &f, 8) == 0, "adversarial fused shift %d", isa);
    }
}

/* parity__i128_div against Python's float(Fraction(s, n)) (the exact
 * quotient rounded once, ties to even): thirds, ties at 2^53 and 2^100,
 * the int128 extremes, divisors near 2^64. */
static parity__i128 i128_of(const char *dec) {
    int neg = *dec == '-';
    unsigned __int128 v = 0;
    for (const char *c = dec + neg; *c; c++) v = v * 10 + (unsigned)(*c - '0');
    return neg ? (parity__i128)(0 - v) : (parity__i128)v;
}

static void test_i128_div(void) {
    static const struct {
        const char *s;
        unsigned long long n;
        double want;
    } cases[] = {
        {"-2", 3ull, -0x1.5555555555555p-1},
        {"1", 3ull, 0x1.5555555555555p-2},
        {"2", 3ull, 0x1.5555555555555p-1},
        {"9007199254740993", 1ull, 0x1.0000000000000p+53},
        {"9007199254740995", 1ull, 0x1.0000000000002p+53},
        {"170141183460469231731687303715884105727", 1ull, 0x1.0000000000000p+127},
        {"-170141183460469231731687303715884105728", 1ull, -0x1.0000000000000p+127},
        {"18014398509481986", 4ull, 0x1.0000000000000p+52},
        {"55340232221128654845", 3ull, 0x1.0000000000000p+64},
        {"1", 18446744073709551615ull, 0x1.0000000000000p-64},
        {"7", 9223372036854775808ull, 0x1.c000000000000p-61},
        {"-170141183460469231731687303715884093383", 18446744073709551615ull,
         -0x1.0000000000000p+63},
        {"1267650600228229542234191560704", 1ull, 0x1.0000000000000p+100},
        {"1267650600228229542234191560705", 1ull, 0x1.0000000000001p+100},
        {"1267650600228229823709168271360", 1ull, 0x1.0000000000002p+100},
        {"0", 5ull, 0x0.0p+0},
        {"-2", 3ull, -0x1.5555555555555p-1},
        {"10000000000000000000000000000000000007", 10000000000000000009ull, 0x1.bc16d674ec800p+59},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        CHECK_MSG(parity__i128_div(i128_of(cases[i].s), cases[i].n) == cases[i].want,
                  "%s / %llu: %a, want %a", cases[i].s, cases[i].n,
                  parity__i128_div(i128_of(cases[i].s), cases[i].n), cases[i].want);
    CHECK(isnan(parity__i128_div(5, 0)));
}

int main(void) {
    test_i128_div();
    test_shift();
    test_xsum_edges();
    test_xsum_merge();
    test_stats_small();
    test_stats_huge();
    cJSON *j = load_metric_fixture("stats", g_dir, sizeof g_dir);
    if (!CHECK(j != NULL)) return TEST_SUMMARY();
    test_xsum_fsum(cJSON_GetObjectItemCaseSensitive(j, "xsum"));
    test_stats_files(cJSON_GetObjectItemCaseSensitive(j, "stats"));
    cJSON_Delete(j);
    return TEST_SUMMARY();
}
