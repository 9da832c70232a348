/*
 * test_explain.c — parity explain names the transformation that made each
 * generated pair: for every candidate a pair p = T(r) + noise (noise at 1e-6
 * of rms r, seeded PRNG) must be explained by that candidate FIRST, with its
 * parameters within 1% (lags and indices exact). Pure noise differences
 * must give "no simple transformation explains the difference" and no
 * hypothesis above 50%.
 */
#include "internal.h"
#include "testutil.h"

#define MAXN 16384

typedef struct pair {
    int64_t shape[3];
    int nd;
    uint64_t n;
    double r[MAXN], p[MAXN];
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

/* r ~ N(0, 1) over shape; p = r for now. */
static void make(pair *x, int64_t a, int64_t b, int64_t c, uint64_t seed) {
    rng_state = seed;
    x->shape[0] = a, x->shape[1] = b, x->shape[2] = c, x->nd = 3;
    x->n = (uint64_t)(a * b * c);
    for (uint64_t i = 0; i < x->n; i++) x->r[i] = x->p[i] = gauss();
}

static void add_noise(pair *x) {
    double ss = 0;
    for (uint64_t i = 0; i < x->n; i++) ss += x->r[i] * x->r[i];
    double s = 1e-6 * sqrt(ss / (double)x->n);
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

/* Explain x (noise added first when noise) and check the first kind. */
static int explain(pair *x, int noise, parity_domain dom, parity_hyp_kind want,
                   parity_explain_result *res) {
    if (noise) add_noise(x);
    parity_tensor r = view(x, x->r, "r"), p = view(x, x->p, "p");
    parity_explain_opts o = parity_explain_opts_default();
    o.domain = dom;
    parity_error e = {0};
    if (!CHECK_MSG(parity_explain_tensors(&r, &p, &o, res, &e) == PARITY_OK, "%s", e.msg)) return 0;
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

#define NEAR(a, b) CHECK_MSG(fabs((a) - (b)) <= 0.01 * fabs(b), "%s = %.8g, want %.8g", #a, (double)(a), (double)(b))

static pair X;

#define AT(x, i, j, k) (((uint64_t)(i) * (uint64_t)(x)->shape[1] + (uint64_t)(j)) * (uint64_t)(x)->shape[2] + (uint64_t)(k))

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
    static const double scales[3] = {0.125, 6.928203230275509, 0.75};
    static const char *names[3] = {"= 1/sqrt(64)", "= sqrt(48)", "scale 0.75"};
    for (int s = 0; s < 3; s++) {
        make(&X, 4, 32, 64, 2 + (uint64_t)s);
        for (uint64_t i = 0; i < X.n; i++) X.p[i] = scales[s] * X.r[i];
        if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SCALE, &res)) {
            NEAR(res.h[0].params[0], scales[s]);
            CHECK_MSG(strstr(res.h[0].text, names[s]) != NULL, "%s", res.h[0].text);
        }
        parity_explain_clear(&res);
    }
    make(&X, 4, 32, 64, 5);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = -X.r[i];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SIGN_FLIP, &res)) NEAR(res.h[0].params[0], -1.0);
    parity_explain_clear(&res);
    make(&X, 4, 32, 64, 6);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = 0.75 * X.r[i] + 1.2;
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_AFFINE, &res)) {
        NEAR(res.h[0].params[0], 0.75);
        NEAR(res.h[0].params[1], 1.2);
    }
    parity_explain_clear(&res);
}

static void test_precision_clamp_nonfinite(void) {
    parity_explain_result res;
    static const parity_dtype dts[2] = {PARITY_DT_F16, PARITY_DT_BF16};
    for (int d = 0; d < 2; d++) {
        make(&X, 4, 32, 64, 7 + (uint64_t)d);
        for (uint64_t i = 0; i < X.n; i++) X.p[i] = parity_round_to(dts[d], X.r[i]);
        if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_PRECISION, &res))
            CHECK_EQ_INT(res.h[0].params[0], dts[d]);
        parity_explain_clear(&res);
    }
    make(&X, 4, 32, 64, 9);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = X.r[i] > 1.0 ? 1.0 : X.r[i];
    if (explain(&X, 0, PARITY_DOMAIN_LINEAR, PARITY_HYP_CLAMP, &res)) {
        CHECK_EQ_INT(res.h[0].params[1], 1);
        CHECK(isinf(res.h[0].params[0]));
    }
    parity_explain_clear(&res);
    make(&X, 4, 32, 64, 10);
    X.p[AT(&X, 1, 2, 3)] = NAN, X.p[AT(&X, 2, 0, 0)] = INFINITY, X.p[AT(&X, 3, 5, 7)] = NAN;
    if (explain(&X, 0, PARITY_DOMAIN_LINEAR, PARITY_HYP_NONFINITE, &res)) {
        CHECK_EQ_INT(res.h[0].params[0], 3);
        CHECK_EQ_INT(res.h[0].params[1], AT(&X, 1, 2, 3));
        CHECK(strstr(res.h[0].text, "[1, 2, 3]") != NULL);
    }
    parity_explain_clear(&res);
}

static void test_axis(void) {
    parity_explain_result res;
    double coef[32];
    for (int kind = PARITY_HYP_AXIS_OFFSET; kind <= PARITY_HYP_AXIS_AFFINE; kind++) {
        make(&X, 4, 32, 64, 11 + (uint64_t)kind);
        const int worst = 7; /* clearly the largest departure from 1 */
        for (int c = 0; c < 32; c++) coef[c] = 0.6 + 0.8 * uniform();
        coef[worst] = 2.2;
        for (uint64_t i = 0; i < X.n; i++) {
            int c = (int)(i / 64 % 32);
            double a = kind == PARITY_HYP_AXIS_OFFSET ? 1 : coef[c];
            double b = kind == PARITY_HYP_AXIS_SCALE ? 0 : kind == PARITY_HYP_AXIS_OFFSET ? coef[c] - 1 : 0.3 * coef[c];
            X.p[i] = a * X.r[i] + b;
        }
        if (explain(&X, 1, PARITY_DOMAIN_LINEAR, (parity_hyp_kind)kind, &res)) {
            CHECK_EQ_INT(res.h[0].params[0], 1);
            if (kind != PARITY_HYP_AXIS_AFFINE) CHECK_EQ_INT(res.h[0].params[1], worst);
        }
        parity_explain_clear(&res);
    }
    make(&X, 4, 32, 64, 20);
    for (uint64_t i = 0; i < X.n; i++)
        if (i % 64 < 30) X.p[i] += 0.5 * gauss();
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_REGION, &res)) {
        CHECK_EQ_INT(res.h[0].params[0], 2);
        CHECK_EQ_INT(res.h[0].params[1], 0);
        CHECK_EQ_INT(res.h[0].params[2], 30);
        CHECK(strstr(res.h[0].text, "(the first 30)") != NULL);
    }
    parity_explain_clear(&res);
}

static void test_layout(void) {
    parity_explain_result res;
    make(&X, 4, 48, 48, 21); /* square: only explain sees the transpose */
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 48; j++)
            for (int k = 0; k < 48; k++) X.p[AT(&X, i, j, k)] = X.r[AT(&X, i, k, j)];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_PERMUTE, &res))
        CHECK(strncmp(res.h[0].text, "permute(0,2,1)", 14) == 0);
    parity_explain_clear(&res);
    make(&X, 4, 32, 64, 22);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = X.r[i - i % 64 + 63 - i % 64];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_FLIP, &res)) CHECK_EQ_INT(res.h[0].params[0], 2);
    parity_explain_clear(&res);
    static const int lags[2] = {3, -5};
    for (int l = 0; l < 2; l++) {
        make(&X, 4, 32, 64, 23 + (uint64_t)l);
        for (uint64_t i = 0; i < X.n; i++) {
            int64_t t = (int64_t)(i % 64) - lags[l];
            t = t < 0 ? 0 : t > 63 ? 63 : t;
            X.p[i] = X.r[i - i % 64 + (uint64_t)t];
        }
        if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SHIFT, &res)) {
            CHECK_EQ_INT(res.h[0].params[0], 2);
            CHECK_EQ_INT(res.h[0].params[1], lags[l]);
        }
        parity_explain_clear(&res);
    }
}

static void test_scramble_rows(void) {
    parity_explain_result res;
    make(&X, 4, 32, 64, 25); /* p.flat = r.ravel('F') */
    for (uint64_t f = 0; f < X.n; f++) {
        uint64_t i = f % 4, j = f / 4 % 32, k = f / 128;
        X.p[f] = X.r[AT(&X, i, j, k)];
    }
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SCRAMBLE, &res)) {
        CHECK_EQ_INT(res.h[0].params[0], 1);
        CHECK(strstr(res.h[0].text, "Fortran order, read as C") != NULL);
    }
    parity_explain_clear(&res);
    make(&X, 2, 32, 64, 26); /* p[b].flat = r[b].T.flat: reshape for transpose */
    for (uint64_t f = 0; f < X.n; f++) X.p[f] = X.r[AT(&X, f / 2048, f % 32, f % 2048 / 32)];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SCRAMBLE, &res)) {
        CHECK_EQ_INT(res.h[0].params[0], 2);
        CHECK_EQ_INT(res.h[0].params[1], 1);
        CHECK_EQ_INT(res.h[0].params[2], 2);
        CHECK_EQ_INT(res.h[0].params[3], 0);
    }
    parity_explain_clear(&res);
    make(&X, 1, 64, 128, 27); /* RoPE: rows interleaved -> half-split */
    for (uint64_t i = 0; i < 64; i++) {
        uint64_t src = i < 32 ? 2 * i : 2 * (i - 32) + 1;
        for (uint64_t k = 0; k < 128; k++) X.p[AT(&X, 0, i, k)] = X.r[AT(&X, 0, src, k)];
    }
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_ROW_PERMUTATION, &res)) {
        CHECK_EQ_INT(res.h[0].params[0], 1);
        CHECK(strstr(res.h[0].text, "interleaved -> half-split") != NULL);
    }
    parity_explain_clear(&res);
}

static double gelu_erf(double v) { return 0.5 * v * (1 + erf(v / sqrt(2.0))); }
static double gelu_tanh(double v) {
    return 0.5 * v * (1 + tanh(sqrt(2 / acos(-1.0)) * (v + 0.044715 * v * v * v)));
}

static void test_value_noise_identical(void) {
    parity_explain_result res;
    make(&X, 4, 32, 64, 28);
    for (uint64_t i = 0; i < X.n; i++) {
        double v = 1.5 * X.r[i];
        X.r[i] = gelu_erf(v), X.p[i] = gelu_tanh(v);
    }
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_VALUE_DEPENDENT, &res))
        CHECK_MSG(strstr(res.h[0].text, "like tanh-GELU vs erf-GELU") != NULL, "%s", res.h[0].text);
    parity_explain_clear(&res);
    static const double sigma[3] = {0.5, 0.1, 0.03}; /* pure noise, above rounding */
    for (int s = 0; s < 3; s++) {
        make(&X, 4, 32, 64, 29 + (uint64_t)s);
        for (uint64_t i = 0; i < X.n; i++) X.p[i] += sigma[s] * gauss();
        parity_tensor r = view(&X, X.r, "r"), p = view(&X, X.p, "p");
        CHECK(parity_explain_tensors(&r, &p, NULL, &res, NULL) == PARITY_OK);
        CHECK_MSG(res.none_explains && res.n == 0, "noise %g: %zu listed, first %s", sigma[s],
                  res.n, res.n ? res.h[0].text : "");
        CHECK(res.best_weak.explained < 0.5);
        char *txt = parity_explain_render("x", &res, PARITY_FORMAT_TEXT);
        CHECK(txt && strstr(txt, "Explain: x\n") == txt);
        CHECK(txt && strstr(txt, "no simple transformation explains the difference") != NULL);
        parity_free(txt);
        parity_explain_clear(&res);
    }
    make(&X, 2, 3, 4, 32);
    parity_tensor r = view(&X, X.r, "r"), p = view(&X, X.p, "p");
    CHECK(parity_explain_tensors(&r, &p, NULL, &res, NULL) == PARITY_OK);
    CHECK(res.identical && res.n == 0);
    parity_explain_clear(&res);
    p.shape[2] = 3;
    parity_error e = {0};
    CHECK(parity_explain_tensors(&r, &p, NULL, &res, &e) == PARITY_E_SHAPE);
    CHECK(strstr(e.msg, "axis 2") != NULL);
}

static void test_render_json(void) {
    parity_explain_result res;
    make(&X, 4, 32, 64, 33);
    for (uint64_t i = 0; i < X.n; i++) X.p[i] = 2 * X.r[i];
    if (explain(&X, 1, PARITY_DOMAIN_LINEAR, PARITY_HYP_SCALE, &res)) {
        char *j = parity_explain_render("a\"b", &res, PARITY_FORMAT_JSON);
        const char *head = "{\"tensor\":\"a\\\"b\",\"identical\":false";
        CHECK(j && strncmp(j, head, strlen(head)) == 0);
        CHECK(j && strstr(j, "\"kind\":\"scale\",\"text\":\"scale 2 = 2\"") != NULL);
        parity_free(j);
        char *t = parity_explain_render("s", &res, PARITY_FORMAT_TEXT);
        CHECK(t && strstr(t, "  1. scale 2 = 2 ") != NULL && strstr(t, "explained=100.00%"));
        parity_free(t);
    }
    parity_explain_clear(&res);
}

int main(void) {
    test_global();
    test_precision_clamp_nonfinite();
    test_axis();
    test_layout();
    test_scramble_rows();
    test_value_noise_identical();
    test_render_json();
    return TEST_SUMMARY();
}
