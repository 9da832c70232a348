/*
 * test_explain.c — parity explain names the transformation that made each
 * generated pair: for every candidate a pair p = T(r) + noise (noise at 1e-6
 * of rms r, seeded PRNG) must be explained by that candidate FIRST, with its
 * parameters within 1% (lags, indices and permutations exact), each
 * expected value computed here independently of the library. Pure noise
 * and ports unrelated to the reference must give "no simple transformation
 * explains the difference" and no hypothesis above 50%.
 */
#include "internal.h"
#include "testutil.h"

#define MAXN (80u * 16000u)

typedef struct pair {
    int64_t shape[3];
    int nd;
    uint64_t n;
    double *r, *p;
} pair;

static uint64_t rng_state;
static double uniform(void) { /* splitmix64 -> [0, 1) */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1p-53;
}
static double gauss(void) {
    double u = uniform() + 1e-300, v = uniform();
    return sqrt(-2 * log(u)) * cos(2 * acos(-1.0) * v);
}

static pair X;

/* r ~ N(0, 1) over shape; p = r for now. */
static void make(pair *x, int64_t a, int64_t b, int64_t c, uint64_t seed) {
    rng_state = seed;
    x->shape[0] = a, x->shape[1] = b, x->shape[2] = c, x->nd = 3;
    x->n = (uint64_t)(a * b * c);
    for (uint64_t i = 0; i < x->n; i++) x->r[i] = x->p[i] = gauss();
}

static double rms(const double *v, uint64_t n) { /* over the finite values */
    double ss = 0;
    for (uint64_t i = 0; i < n; i++) ss += isfinite(v[i]) ? v[i] * v[i] : 0;
    return sqrt(ss / (double)n);
}

static void add_noise(pair *x) {
    double s = 1e-6 * rms(x->r, x->n);
    for (uint64_t i = 0; i < x->n; i++) x->p[i] += s * gauss();
}

static parity_tensor view(const pair *x, const double *d, const char *name) {
    parity_tensor t;
    memset(&t, 0, sizeof t);
    t.name = name, t.file = "memory", t.dtype = PARITY_DT_F64, t.ndim = x->nd;
    for (int k = 0; k < x->nd; k++) t.shape[k] = x->shape[k];
    t.count = x->n, t.nbytes = x->n * 8, t.data = (const unsigned char *)d;
    parity__strides_c(&t);
    return t;
}

static int run(pair *x, const parity_explain_opts *o, parity_explain_result *res) {
    parity_tensor r = view(x, x->r, "r"), p = view(x, x->p, "p");
    parity_error e = {0};
    return CHECK_MSG(parity_explain_tensors(&r, &p, o, res, &e) == PARITY_OK, "%s", e.msg);
}

/* Explain x (noise added first when noise) and check the first kind. */
static int explain_o(pair *x, int noise, const parity_explain_opts *o, parity_hyp_kind want,
                     parity_explain_result *res) {
    if (noise) add_noise(x);
    if (!run(x, o, res)) return 0;
    int ok = CHECK_MSG(res->n > 0 && res->h[0].kind == want, "want %s, got %s (%s)",
                       parity_hyp_kind_name(want),
                       res->n ? parity_hyp_kind_name(res->h[0].kind) : "none",
                       res->n ? res->h[0].text : "");
    /* GELU's gap is two-valued for outputs in (−0.17, 0): a curve of r
     * explains most of it, not all. */
    double need = want == PARITY_HYP_VALUE_DEPENDENT ? 0.8 : 0.99;
    if (ok) CHECK_MSG(res->h[0].explained > need, "%s explained %g", res->h[0].text,
                      res->h[0].explained);
    return ok;
}

static int explain(pair *x, int noise, parity_domain dom, parity_hyp_kind want,
                   parity_explain_result *res) {
    parity_explain_opts o = parity_explain_opts_default();
    o.domain = dom;
    return explain_o(x, noise, &o, want, res);
}

#define NEAR(a, b) CHECK_MSG(fabs((a) - (b)) <= 0.01 * fabs(b), "%s = %.8g, want %.8g", #a, (double)(a), (double)(b))

#define AT(x, i, j, k) (((uint64_t)(i) * (uint64_t)(x)->shape[1] + (uint64_t)(j)) * (uint64_t)(x)->shape[2] + (uint64_t)(k))

static int has_kind(const parity_explain_result *res, parity_hyp_kind k) {
    for (size_t i = 0; i < res->n; i++)
        if (res->h[i].kind == k) return 1;
    return 0;
}

static void test_global(void) {
    parity_explain_result res;
    make(&X, 4, 32, 64, 1);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = X.r[i] - 1.46;
    if (explain(&X, 1, PARITY_DOMAIN_LN_MAG, PARITY_HYP_OFFSET, &res)) {
        NEAR(res.h[0].params[0], -1.46);
        NEAR(res.h[0].params[1], -1.46 * 20 / log(10.0)); /* -12.68 dB */
        CHECK(strstr(res.h[0].text, "dB ln-mag") != NULL);
    }
    parity_explain_clear(&res);
    static const double scales[4] = {0.125, 6.928203230275509, 0.75, 1000};
    static const char *names[4] = {"scale 0.125 = 1/sqrt(64)", "scale 6.928 = sqrt(48)",
                                   "scale 0.75", "scale 1000"};
    for (int s = 0; s < 4; s++) {
        make(&X, 4, 32, 64, 2 + (uint64_t)s);
        for (uint64_t i = 0; i < X.n; i++) X.p[i] = scales[s] * X.r[i];
        if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SCALE, &res)) {
            NEAR(res.h[0].params[0], scales[s]);
            CHECK_EQ_STR(res.h[0].text, names[s]); /* never "1000 = 1000" */
        }
        parity_explain_clear(&res);
    }
    make(&X, 4, 32, 64, 5);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = -X.r[i];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SIGN_FLIP, &res)) {
        NEAR(res.h[0].params[0], -1.0);
        CHECK_EQ_STR(res.h[0].text, "sign flip (scale -1)");
    }
    parity_explain_clear(&res);
    make(&X, 4, 32, 64, 6);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = 0.75 * X.r[i] + 1.2;
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_AFFINE, &res)) {
        NEAR(res.h[0].params[0], 0.75);
        NEAR(res.h[0].params[1], 1.2);
    }
    parity_explain_clear(&res);
}

/* 1/√d and √d are named for the common head sizes. */
static void test_head_sizes(void) {
    static const int heads[] = {40, 72, 80, 96, 112, 160, 192, 256};
    parity_explain_result res;
    char want[64];
    for (size_t h = 0; h < sizeof heads / sizeof *heads; h++) {
        for (int inv = 0; inv < 2; inv++) {
            double s = inv ? 1 / sqrt((double)heads[h]) : sqrt((double)heads[h]);
            make(&X, 2, 16, 64, 100 + h * 2 + (uint64_t)inv);
            for (uint64_t i = 0; i < X.n; i++) X.p[i] = s * X.r[i];
            snprintf(want, sizeof want, "= %ssqrt(%d)", inv ? "1/" : "", heads[h]);
            if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SCALE, &res))
                CHECK_MSG(strstr(res.h[0].text, want) != NULL, "%s: want %s", res.h[0].text, want);
            parity_explain_clear(&res);
        }
    }
}

static void test_precision(void) {
    parity_explain_result res;
    static const parity_dtype dts[2] = {PARITY_DT_F16, PARITY_DT_BF16};
    for (int d = 0; d < 2; d++) {
        make(&X, 4, 32, 64, 7 + (uint64_t)d);
        for (uint64_t i = 0; i < X.n; i++) X.p[i] = parity_round_to(dts[d], X.r[i]);
        if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_PRECISION, &res)) {
            CHECK_EQ_INT(res.h[0].params[0], dts[d]);
            CHECK(res.h[0].params[1] >= 0.999);
            /* the rounding error itself, not 0 */
            CHECK(res.h[0].residual_rel > 0);
            NEAR(res.h[0].residual_rel, res.relative);
        }
        parity_explain_clear(&res);
    }
    /* Gaussian noise well above the rounding: small on average, yet not
     * bounded by any dtype's band, so never "precision only". */
    static const double sigma[3] = {1e-2, 5e-3, 3e-3};
    for (int s = 0; s < 3; s++) {
        make(&X, 4, 32, 64, 40 + (uint64_t)s);
        for (uint64_t i = 0; i < X.n; i++) X.p[i] += sigma[s] * gauss();
        if (run(&X, NULL, &res)) {
            CHECK_MSG(!has_kind(&res, PARITY_HYP_PRECISION), "noise %g: %s", sigma[s],
                      res.n ? res.h[0].text : "");
            CHECK(res.none_explains && res.n == 0);
            CHECK(res.best_weak.kind != PARITY_HYP_PRECISION || !res.best_weak.text[0]);
        }
        parity_explain_clear(&res);
    }
}

static void test_clamp_nonfinite(void) {
    parity_explain_result res;
    static const double lo[3] = {-INFINITY, -0.8, -1.0}, hi[3] = {1.0, INFINITY, 1.2};
    for (int k = 0; k < 3; k++) {
        make(&X, 4, 32, 64, 9 + (uint64_t)k * 50);
        for (uint64_t i = 0; i < X.n; i++) X.p[i] = fmin(fmax(X.r[i], lo[k]), hi[k]);
        /* noise after the clamp: no value stays exactly pinned */
        if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_CLAMP, &res)) {
            if (isinf(lo[k])) CHECK(isinf(res.h[0].params[0]) && res.h[0].params[0] < 0);
            else NEAR(res.h[0].params[0], lo[k]);
            if (isinf(hi[k])) CHECK(isinf(res.h[0].params[1]) && res.h[0].params[1] > 0);
            else NEAR(res.h[0].params[1], hi[k]);
            uint64_t pinned = 0; /* what the test pinned */
            for (uint64_t i = 0; i < X.n; i++) pinned += X.r[i] <= lo[k] || X.r[i] >= hi[k];
            CHECK_EQ_U64(res.h[0].params[2], pinned);
        }
        parity_explain_clear(&res);
    }
    make(&X, 4, 32, 64, 10);
    X.p[AT(&X, 1, 2, 3)] = NAN, X.p[AT(&X, 2, 0, 0)] = INFINITY, X.p[AT(&X, 3, 5, 7)] = NAN;
    if (explain(&X, 0, PARITY_DOMAIN_LINEAR, PARITY_HYP_NONFINITE, &res)) {
        CHECK_EQ_INT(res.h[0].params[0], 3);
        CHECK_EQ_INT(res.h[0].params[1], AT(&X, 1, 2, 3));
        CHECK(strstr(res.h[0].text, "[1, 2, 3]") != NULL);
    }
    parity_explain_clear(&res);
}

/* The three indices of axis 1 of [4,32,64] with the largest Σ(p − r)². */
static void worst3(const pair *x, int64_t *w) {
    double e[32] = {0};
    for (uint64_t i = 0; i < x->n; i++) {
        double d = x->p[i] - x->r[i];
        e[i / 64 % 32] += d * d;
    }
    for (int j = 0; j < 3; j++) {
        w[j] = -1;
        for (int c = 0; c < 32; c++)
            if ((j < 1 || c != w[0]) && (j < 2 || c != w[1]) && (w[j] < 0 || e[c] > e[w[j]])) w[j] = c;
    }
}

static void test_axis(void) {
    parity_explain_result res;
    double ca[32], cb[32];
    for (int kind = PARITY_HYP_AXIS_OFFSET; kind <= PARITY_HYP_AXIS_AFFINE; kind++) {
        make(&X, 4, 32, 64, 11 + (uint64_t)kind);
        for (int c = 0; c < 32; c++) {
            ca[c] = kind == PARITY_HYP_AXIS_OFFSET ? 1 : 0.6 + 0.8 * uniform();
            cb[c] = kind == PARITY_HYP_AXIS_SCALE ? 0 : 0.9 * uniform() - 0.45;
        }
        ca[7] = kind == PARITY_HYP_AXIS_OFFSET ? 1 : 2.2;
        for (uint64_t i = 0; i < X.n; i++) {
            int c = (int)(i / 64 % 32);
            X.p[i] = ca[c] * X.r[i] + cb[c];
        }
        add_noise(&X);
        int64_t w[3];
        worst3(&X, w);
        if (explain(&X, 0, PARITY_DOMAIN_LINEAR, (parity_hyp_kind)kind, &res)) {
            const parity_hypothesis *h = &res.h[0];
            CHECK_EQ_INT(h->params[0], 1);
            for (int j = 0; j < 3; j++) CHECK_EQ_INT(h->params[1 + j], w[j]);
            CHECK_EQ_INT(h->n_index, 32);
            CHECK(h->index_a && h->index_b);
            for (int c = 0; h->index_a && c < 32; c++) {
                NEAR(h->index_a[c], ca[c]);
                CHECK_MSG(fabs(h->index_b[c] - cb[c]) <= 0.01 * fabs(cb[c]) + 1e-6, "b_%d = %g, want %g",
                          c, h->index_b[c], cb[c]);
            }
        }
        parity_explain_clear(&res);
    }
}

/* A difference confined to a contiguous range: exact edges, listed first
 * (before the per-index offset that fits it with 2000 parameters), and the
 * map inside. */
static void check_region(int64_t lo, int64_t hi, int model, double a, double b, uint64_t seed) {
    parity_explain_result res;
    make(&X, 1, 8, 2000, seed);
    for (uint64_t i = 0; i < X.n; i++) {
        int64_t t = (int64_t)(i % 2000);
        if (t < lo || t >= hi) continue;
        X.p[i] = model == 0 ? X.r[i] + 0.5 * gauss() : a * X.r[i] + b;
    }
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_REGION, &res)) {
        const parity_hypothesis *h = &res.h[0];
        CHECK_EQ_INT(h->params[0], 2);
        CHECK_EQ_INT(h->params[1], lo);
        CHECK_EQ_INT(h->params[2], hi);
        CHECK_EQ_INT(h->params[3], model);
        if (model) NEAR(h->params[4], a);
        if (model == 1 || model == 3) NEAR(h->params[5], b);
    }
    parity_explain_clear(&res);
}

static void test_region(void) {
    check_region(0, 150, 1, 1.0, 0.5, 20);    /* the prompt frames: +0.5 */
    check_region(500, 900, 0, 0, 0, 21);      /* junk in the middle      */
    check_region(1700, 2000, 2, 1.3, 0, 22);  /* the tail scaled         */
    check_region(30, 90, 3, 0.7, -0.2, 23);
    parity_explain_result res;
    make(&X, 4, 32, 64, 24); /* the first 30 of each row */
    for (uint64_t i = 0; i < X.n; i++)
        if (i % 64 < 30) X.p[i] += 0.5 * gauss();
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_REGION, &res))
        CHECK(strstr(res.h[0].text, "indices [0, 30) (the first 30)") != NULL);
    parity_explain_clear(&res);
    /* junk over the first 72 of 80 frames (a padding mask zeroes the rest):
     * a region with nothing fitted inside over most of the axis is no
     * explanation; fitted inside, it still is one */
    make(&X, 1, 8, 80, 25);
    for (uint64_t i = 0; i < X.n; i++)
        if (i % 80 < 72) X.p[i] = X.r[i] + 0.5 * gauss();
    add_noise(&X);
    if (CHECK(run(&X, NULL, &res))) CHECK(!has_kind(&res, PARITY_HYP_REGION));
    parity_explain_clear(&res);
    make(&X, 1, 8, 80, 26);
    for (uint64_t i = 0; i < X.n; i++)
        if (i % 80 < 72) X.p[i] = X.r[i] + 0.5;
    add_noise(&X);
    if (CHECK(run(&X, NULL, &res))) CHECK(has_kind(&res, PARITY_HYP_REGION));
    parity_explain_clear(&res);
}

/* An axis longer than 65,536 is summed per block of ceil(len / 65,536)
 * indices (16 for 1,000,000): a region on block boundaries is found
 * exactly, one off them is widened outward to whole blocks. */
static void check_long_region(int64_t lo, int64_t hi, int64_t want_lo, int64_t want_hi,
                              uint64_t seed) {
    parity_explain_result res;
    make(&X, 1, 1, 1000000, seed);
    for (int64_t i = lo; i < hi; i++) X.p[i] = X.r[i] + 0.5;
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_REGION, &res)) {
        const parity_hypothesis *h = &res.h[0];
        CHECK_EQ_INT(h->params[0], 2);
        CHECK_EQ_INT(h->params[1], want_lo);
        CHECK_EQ_INT(h->params[2], want_hi);
    }
    parity_explain_clear(&res);
}

static void test_long_axis(void) {
    check_long_region(400000, 600000, 400000, 600000, 40);
    check_long_region(400003, 600005, 400000, 600016, 41);
}

static void check_shift(int64_t len, int64_t s, int fill, uint64_t seed) {
    parity_explain_result res;
    make(&X, 4, 8, len, seed);
    for (uint64_t i = 0; i < X.n; i++) {
        int64_t t = (int64_t)(i % (uint64_t)len) - s;
        if (fill == 0) t = ((t % len) + len) % len;
        if (fill == 1 && (t < 0 || t >= len)) X.p[i] = 0;
        else X.p[i] = X.r[i - i % (uint64_t)len + (uint64_t)(t < 0 ? 0 : t >= len ? len - 1 : t)];
    }
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SHIFT, &res)) {
        CHECK_EQ_INT(res.h[0].params[0], 2);
        CHECK_EQ_INT(res.h[0].params[1], s);
        CHECK_EQ_INT(res.h[0].params[2], fill);
    }
    parity_explain_clear(&res);
}

static void test_shift(void) {
    check_shift(200, 12, 1, 25);  /* far beyond ±8, zero padded        */
    check_shift(200, -37, 1, 26);
    check_shift(64, 3, 0, 27);    /* np.roll: not a row permutation    */
    check_shift(200, -50, 0, 28);
    check_shift(64, 3, 2, 29);    /* edge value repeated               */
    check_shift(64, -5, 2, 30);
}

static void test_layout(void) {
    parity_explain_result res;
    make(&X, 4, 48, 48, 31); /* square: only explain sees the transpose */
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 48; j++)
            for (int k = 0; k < 48; k++) X.p[AT(&X, i, j, k)] = X.r[AT(&X, i, k, j)];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_PERMUTE, &res))
        CHECK(strncmp(res.h[0].text, "permute(0,2,1)", 14) == 0);
    parity_explain_clear(&res);
    make(&X, 4, 32, 64, 32);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = X.r[i - i % 64 + 63 - i % 64];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_FLIP, &res)) CHECK_EQ_INT(res.h[0].params[0], 2);
    parity_explain_clear(&res);
    /* NaN on either side: skipped by the measures, read as 0 by the lag and
     * row searches, which still find a roll and a row permutation */
    make(&X, 2, 16, 64, 59);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = X.r[i - i % 64 + (i % 64 + 64 - 9) % 64];
    X.r[5] = NAN, X.p[700] = NAN;
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SHIFT, &res)) CHECK_EQ_INT(res.h[0].params[1], 9);
    parity_explain_clear(&res);
    make(&X, 2, 16, 64, 60);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = X.r[AT(&X, i / 1024, (15 - i / 64 % 16) ^ 1, i % 64)];
    X.p[3] = NAN;
    if (run(&X, NULL, &res)) CHECK(has_kind(&res, PARITY_HYP_ROW_PERMUTATION));
    parity_explain_clear(&res);
}

static void test_scramble(void) {
    parity_explain_result res;
    make(&X, 4, 32, 64, 33); /* p.flat = r.ravel('F') */
    for (uint64_t f = 0; f < X.n; f++) {
        uint64_t i = f % 4, j = f / 4 % 32, k = f / 128;
        X.p[f] = X.r[AT(&X, i, j, k)];
    }
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SCRAMBLE, &res)) {
        CHECK_EQ_INT(res.h[0].params[0], 1);
        CHECK_EQ_INT(res.h[0].params[1], 0);
        CHECK(strstr(res.h[0].text, "p = r.ravel('F').reshape(4,32,64)") != NULL);
    }
    parity_explain_clear(&res);
    make(&X, 2, 32, 64, 34); /* p = r.swapaxes(1,2).reshape(2,32,64) */
    for (uint64_t f = 0; f < X.n; f++) X.p[f] = X.r[AT(&X, f / 2048, f % 32, f % 2048 / 32)];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SCRAMBLE, &res)) {
        CHECK_EQ_INT(res.h[0].params[0], 2);
        CHECK_EQ_INT(res.h[0].params[1], 1);
        CHECK_EQ_INT(res.h[0].params[2], 2);
        CHECK_EQ_INT(res.h[0].params[3], 0);
    }
    parity_explain_clear(&res);
    /* A conv weight [out,in,k] = [64,80,3] whose bytes the port reads as
     * [out,k,in]: its effective weight is r.reshape(64,3,80).swapaxes(1,2). */
    make(&X, 64, 80, 3, 35);
    for (uint64_t o = 0; o < 64; o++)
        for (uint64_t i = 0; i < 80; i++)
            for (uint64_t k = 0; k < 3; k++) X.p[AT(&X, o, i, k)] = X.r[o * 240 + k * 80 + i];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SCRAMBLE, &res)) {
        const double want[4] = {2, 1, 2, 1};
        for (int j = 0; j < 4; j++) CHECK_EQ_INT(res.h[0].params[j], want[j]);
        CHECK(strstr(res.h[0].text, "p = r.reshape(64,3,80).swapaxes(1,2)") != NULL);
        CHECK(strstr(res.h[0].text, "a reshape where a transpose was meant") != NULL);
        CHECK(strstr(res.h[0].text, "[out,in,k] read as [out,k,in]") != NULL);
    }
    parity_explain_clear(&res);
    /* The same values in a random order: a scramble nothing names. */
    make(&X, 4, 32, 64, 36);
    for (uint64_t i = X.n - 1; i > 0; i--) {
        uint64_t j = (uint64_t)(uniform() * (double)(i + 1));
        double t = X.p[i];
        X.p[i] = X.p[j], X.p[j] = t;
    }
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SCRAMBLE, &res))
        CHECK_EQ_INT(res.h[0].params[0], 0);
    parity_explain_clear(&res);
}

static void test_rows(void) {
    parity_explain_result res;
    int64_t perm[64];
    make(&X, 1, 64, 128, 37); /* RoPE: rows interleaved -> half-split */
    for (int64_t i = 0; i < 64; i++) perm[i] = i < 32 ? 2 * i : 2 * (i - 32) + 1;
    for (uint64_t i = 0; i < 64; i++)
        for (uint64_t k = 0; k < 128; k++) X.p[AT(&X, 0, i, k)] = X.r[AT(&X, 0, perm[i], k)];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_ROW_PERMUTATION, &res)) {
        CHECK_EQ_INT(res.h[0].params[0], 1);
        CHECK(strstr(res.h[0].text, "interleaved -> half-split") != NULL);
        CHECK(res.h[0].perm && res.h[0].n_index == 64);
        for (int64_t i = 0; res.h[0].perm && i < 64; i++) CHECK_EQ_INT(res.h[0].perm[i], perm[i]);
    }
    parity_explain_clear(&res);
    make(&X, 2, 48, 96, 38); /* channels shuffled by a converter */
    for (int64_t i = 0; i < 48; i++) perm[i] = i;
    for (int64_t i = 47; i > 0; i--) {
        int64_t j = (int64_t)(uniform() * (double)(i + 1)), t = perm[i];
        perm[i] = perm[j], perm[j] = t;
    }
    for (uint64_t f = 0; f < X.n; f++) X.p[f] = X.r[AT(&X, f / 4608, perm[f / 96 % 48], f % 96)];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_ROW_PERMUTATION, &res)) {
        int64_t moved = 0;
        for (int64_t i = 0; i < 48; i++) moved += perm[i] != i;
        CHECK_EQ_INT(res.h[0].params[1], moved);
        for (int64_t i = 0; res.h[0].perm && i < 48; i++) CHECK_EQ_INT(res.h[0].perm[i], perm[i]);
    }
    parity_explain_clear(&res);
}

/* explained of an exact measurement: 1 − Σ(p − T(r))²/Σ(p − r)², T(r)
 * given as the array t. */
static double explained_of(const pair *x, const double *t) {
    double num = 0, den = 0;
    for (uint64_t i = 0; i < x->n; i++) {
        num += (x->p[i] - t[i]) * (x->p[i] - t[i]);
        den += (x->p[i] - x->r[i]) * (x->p[i] - x->r[i]);
    }
    return 1 - num / den;
}

/* Above max_sample the searches run on a sample, the winner is measured
 * over every element: the same answers, exact explained. */
static void test_sampled(void) {
    parity_explain_result res;
    parity_explain_opts o = parity_explain_opts_default();
    o.max_sample = 4096;
    double *t = malloc(MAXN * sizeof *t);
    if (!CHECK(t)) return;
    for (int kind = 0; kind < 4; kind++) {
        make(&X, 1, 128, 128, 39 + (uint64_t)kind);
        for (uint64_t f = 0; f < X.n; f++) {
            uint64_t i = f / 128, k = f % 128;
            uint64_t src = kind == 0 ? i * 128 + 127 - k                /* flip     */
                           : kind == 1 ? i * 128 + (k + 128 - 7) % 128  /* roll +7  */
                           : kind == 2 ? k * 128 + i                    /* permute  */
                                       : (i ^ 1) * 128 + k;             /* row pairs */
            t[f] = X.p[f] = X.r[src];
        }
        add_noise(&X);
        static const parity_hyp_kind want[4] = {PARITY_HYP_FLIP, PARITY_HYP_SHIFT,
                                                PARITY_HYP_PERMUTE, PARITY_HYP_ROW_PERMUTATION};
        if (explain_o(&X, 0, &o, want[kind], &res))
            CHECK_MSG(fabs(res.h[0].explained - explained_of(&X, t)) < 1e-9, "%s: %.12g vs %.12g",
                      res.h[0].text, res.h[0].explained, explained_of(&X, t));
        if (kind == 1 && res.n) CHECK_EQ_INT(res.h[0].params[1], 7);
        parity_explain_clear(&res);
    }
    /* 1,280,000 elements with the default bound: a flip along the frames */
    make(&X, 1, 80, 16000, 43);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = X.r[i - i % 16000 + 15999 - i % 16000];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_FLIP, &res)) CHECK_EQ_INT(res.h[0].params[0], 2);
    parity_explain_clear(&res);
    free(t);
}

static double gelu_erf(double v) { return 0.5 * v * (1 + erf(v / sqrt(2.0))); }
static double gelu_tanh(double v) {
    return 0.5 * v * (1 + tanh(sqrt(2 / acos(-1.0)) * (v + 0.044715 * v * v * v)));
}

static void test_value(void) {
    parity_explain_result res;
    make(&X, 4, 32, 64, 44);
    for (uint64_t i = 0; i < X.n; i++) {
        double v = 1.5 * X.r[i];
        X.r[i] = gelu_erf(v), X.p[i] = gelu_tanh(v);
    }
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_VALUE_DEPENDENT, &res))
        CHECK_MSG(strstr(res.h[0].text, "like tanh-GELU vs erf-GELU") != NULL, "%s", res.h[0].text);
    parity_explain_clear(&res);
}

/* Nothing listed, nothing credible above 50%, said plainly. */
static void expect_none(const char *what, int uncorrelated) {
    parity_explain_result res;
    if (!run(&X, NULL, &res)) return;
    CHECK_MSG(res.none_explains && res.n == 0, "%s: %zu listed, first %s", what, res.n,
              res.n ? res.h[0].text : "");
    CHECK_MSG(res.best_weak.explained < 0.5, "%s: closest %s", what, res.best_weak.text);
    CHECK_EQ_INT(res.uncorrelated, uncorrelated);
    char *txt = parity_explain_render("x", &res, PARITY_FORMAT_TEXT);
    CHECK(txt && strstr(txt, "Explain: x\n") == txt);
    CHECK(txt && strstr(txt, "no simple transformation explains the difference") != NULL);
    CHECK(txt && (strstr(txt, "looks uncorrelated") != NULL || strstr(txt, "unrelated") != NULL) == uncorrelated);
    parity_free(txt);
    parity_explain_clear(&res);
}

static void test_noise_uncorrelated(void) {
    static const double sigma[4] = {0.5, 0.1, 0.05, 0.02}; /* pure noise, above rounding */
    for (int s = 0; s < 4; s++) {
        make(&X, 4, 32, 64, 45 + (uint64_t)s);
        for (uint64_t i = 0; i < X.n; i++) X.p[i] += sigma[s] * gauss();
        expect_none("noise", 0);
    }
    make(&X, 1, 80, 200, 50); /* another RNG: the same distribution */
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = gauss();
    expect_none("independent", 1);
    make(&X, 1, 80, 200, 51); /* random init instead of the weights */
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = 0.02 * gauss() + 0.001;
    expect_none("random init", 1);
    make(&X, 1, 80, 200, 52); /* weights never loaded: zeros */
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = 0;
    expect_none("zeros", 1);
    make(&X, 4, 32, 64, 53); /* a correlated port must not be called so */
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = 0.5 * X.r[i] + 0.8 * gauss();
    expect_none("half correlated", 0);
}

static void test_identical_shapes(void) {
    parity_explain_result res;
    make(&X, 2, 3, 4, 54);
    parity_tensor r = view(&X, X.r, "r"), p = view(&X, X.p, "p");
    CHECK(parity_explain_tensors(&r, &p, NULL, &res, NULL) == PARITY_OK);
    CHECK(res.identical && res.n == 0);
    parity_explain_clear(&res);
    p.shape[2] = 3;
    parity_error e = {0};
    CHECK(parity_explain_tensors(&r, &p, NULL, &res, &e) == PARITY_E_SHAPE);
    CHECK(strstr(e.msg, "axis 2") != NULL);
}

/* A pair as the matcher builds it: port declared with its own shape. */
static int align(pair *x, const int64_t *port_shape, parity_tensor *r, parity_tensor *p,
                 parity_pair *pr) {
    *r = view(x, x->r, "w");
    *p = view(x, x->p, "w");
    for (int k = 0; k < 3; k++) p->shape[k] = port_shape[k];
    parity__strides_c(p);
    memset(pr, 0, sizeof *pr);
    pr->ref = r, pr->port = p, pr->layout_ok = 1;
    parity_error e = {0};
    return CHECK_MSG(parity_layout_align(r, p, &pr->ref_view, &pr->port_view, pr->layout,
                                         sizeof pr->layout, &e) == PARITY_OK, "%s", e.msg);
}

static void test_pair_alignment(void) {
    parity_explain_result res;
    parity_tensor r, p;
    parity_pair pr;
    parity_error e = {0};
    /* an activation kept as [B,T,C], computed in f16 */
    make(&X, 1, 80, 200, 55);
    for (uint64_t t = 0; t < 200; t++)
        for (uint64_t c = 0; c < 80; c++) X.p[t * 80 + c] = parity_round_to(PARITY_DT_F16, X.r[c * 200 + t]);
    const int64_t tc[3] = {1, 200, 80};
    if (align(&X, tc, &r, &p, &pr) && CHECK(parity_explain_pair(&pr, NULL, &res, &e) == PARITY_OK)) {
        CHECK_EQ_STR(res.layout, "permute(0,2,1)");
        /* the alignment is a note above the list, never a hypothesis */
        CHECK(strstr(res.alignment, "compared after permute(0,2,1)") != NULL);
        CHECK(res.n >= 1 && res.h[0].kind == PARITY_HYP_PRECISION);
        for (size_t k = 0; k < res.n; k++) CHECK(res.h[k].kind != PARITY_HYP_ALIGNMENT);
        char *j = parity_explain_render("w", &res, PARITY_FORMAT_JSON);
        CHECK(j && strstr(j, "\"layout\":\"permute(0,2,1)\"") != NULL);
        CHECK(j && strstr(j, "\"hypotheses\":[{\"rank\":1,\"kind\":\"precision\"") != NULL);
        parity_free(j);
        char *t = parity_explain_render("w", &res, PARITY_FORMAT_TEXT);
        CHECK(t && strstr(t, "Explain: w\n  note: the port's [1, 200, 80] compared after "
                             "permute(0,2,1) (reference [1, 80, 200])\n  1. precision") != NULL);
        parity_free(t);
        parity_explain_clear(&res);
    }
    /* the true transpose: nothing left after the alignment */
    for (uint64_t t = 0; t < 200; t++)
        for (uint64_t c = 0; c < 80; c++) X.p[t * 80 + c] = X.r[c * 200 + t];
    if (align(&X, tc, &r, &p, &pr) && CHECK(parity_explain_pair(&pr, NULL, &res, &e) == PARITY_OK)) {
        CHECK(res.identical && res.n == 0 && res.alignment[0]);
        char *t = parity_explain_render("w", &res, PARITY_FORMAT_TEXT);
        CHECK(t && strstr(t, "no difference after the alignment") != NULL);
        parity_free(t);
        parity_explain_clear(&res);
    }
    /* a conv weight [64,80,3] stored as [64,3,80] holding the same bytes
     * (read with a reshape where a transpose was meant) */
    make(&X, 64, 80, 3, 56);
    add_noise(&X);
    const int64_t oki[3] = {64, 3, 80};
    if (align(&X, oki, &r, &p, &pr) && CHECK(parity_explain_pair(&pr, NULL, &res, &e) == PARITY_OK)) {
        CHECK_EQ_STR(res.layout, "permute(0,2,1)");
        CHECK(res.n >= 1);
        if (res.n >= 1) {
            CHECK_EQ_INT(res.h[0].kind, PARITY_HYP_SCRAMBLE);
            CHECK_EQ_INT(res.h[0].params[0], 3);
            CHECK(res.h[0].explained > 0.999);
            CHECK(strstr(res.h[0].text, "a reshape where a transpose was meant") != NULL);
            CHECK(strstr(res.h[0].text, "[out,in,k] read as [out,k,in]") != NULL);
            /* the sorted-value search finds the same rearrangement of the
             * aligned view; it is not listed twice */
            for (size_t k = 1; k < res.n; k++) CHECK(res.h[k].kind != PARITY_HYP_SCRAMBLE);
        }
        parity_explain_clear(&res);
    }
}

static void test_render(void) {
    parity_explain_result res;
    make(&X, 4, 32, 64, 57);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = 2 * X.r[i];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SCALE, &res)) {
        char *j = parity_explain_render("a\"b", &res, PARITY_FORMAT_JSON);
        const char *head = "{\"tensor\":\"a\\\"b\",\"identical\":false,\"none_explains\":false,"
                           "\"uncorrelated\":false,\"relative\":";
        CHECK(j && strncmp(j, head, strlen(head)) == 0);
        CHECK(j && strstr(j, "\"kind\":\"scale\",\"text\":\"scale 2\"") != NULL);
        CHECK(j && strstr(j, "\"layout\":\"\"") != NULL);
        CHECK(j && strstr(j, "],\"closest\":null}\n") != NULL);
        parity_free(j);
        char *t = parity_explain_render("s", &res, PARITY_FORMAT_TEXT);
        CHECK(t && strstr(t, "  1. scale 2 ") != NULL && strstr(t, "explained=100.00%"));
        parity_free(t);
        char *m = parity_explain_render("s|t", &res, PARITY_FORMAT_MD);
        CHECK(m && strstr(m, "### Explain: `s\\|t`\n\n| # | kind | hypothesis | explained | residual |") == m);
        CHECK(m && strstr(m, "| 1 | scale | scale 2 | 100.00% |") != NULL);
        parity_free(m);
    }
    parity_explain_clear(&res);
    make(&X, 4, 32, 64, 58); /* per-index arrays and the permutation in JSON */
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = X.r[i] + (double)(i / 64 % 32) / 8;
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_AXIS_OFFSET, &res)) {
        char *j = parity_explain_render("o", &res, PARITY_FORMAT_JSON);
        CHECK(j && strstr(j, "\"index_a\":[1,1,") != NULL && strstr(j, "\"index_b\":[") != NULL);
        parity_free(j);
    }
    parity_explain_clear(&res);
}

int main(void) {
    X.r = malloc(MAXN * sizeof *X.r);
    X.p = malloc(MAXN * sizeof *X.p);
    if (!X.r || !X.p) return 1;
    test_global();
    test_head_sizes();
    test_precision();
    test_clamp_nonfinite();
    test_axis();
    test_region();
    test_long_axis();
    test_shift();
    test_layout();
    test_scramble();
    test_rows();
    test_sampled();
    test_value();
    test_noise_uncorrelated();
    test_identical_shapes();
    test_pair_alignment();
    test_render();
    free(X.r);
    free(X.p);
    return TEST_SUMMARY();
}
