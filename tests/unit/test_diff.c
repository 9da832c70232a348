/*
 * test_diff.c — parity_diff_tensors against metrics computed independently
 * by tools/gen_metric_data.py (NumPy + math.fsum) on files it writes with
 * NaN, ±Inf, -0.0 and denormals; bit-identical results for 1, 2 and 8
 * threads; hand-derived cases; ULP images; usage errors.
 */
#include "analysis/acc.h"
#include "analysis/fused.h"
#include "parity.h"
#include "testutil.h"
#include "metric_fixture.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char g_dir[1024];

/* Fixture numbers are strings: floats as repr, "none" for no position. */
static double jnum(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v)) return NAN;
    return strtod(v->valuestring, NULL);
}

static uint64_t jpos(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || strcmp(v->valuestring, "none") == 0) return UINT64_MAX;
    return strtoull(v->valuestring, NULL, 10);
}

static const char *jstr(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static parity_diff_opts opts_of(const cJSON *o) {
    parity_diff_opts d = parity_diff_opts_default();
    d.atol = jnum(o, "atol");
    d.rtol = jnum(o, "rtol");
    d.match_tol = jnum(o, "match_tol");
    d.small_tol = jnum(o, "small_tol");
    d.max_db = jnum(o, "max_db");
    CHECK(parity_domain_parse(jstr(o, "domain"), &d.domain) == 0);
    const cJSON *axes = cJSON_GetObjectItemCaseSensitive(o, "axes");
    const cJSON *a;
    cJSON_ArrayForEach(a, axes) d.axes[d.n_axes++] = a->valueint;
    return d;
}

#define REL 1e-12

static void check_stats(const char *c, const parity_stats *s, const cJSON *e) {
    CHECK_MSG(s->count == jpos(e, "count"), "%s count", c);
    CHECK_MSG(s->n_finite == jpos(e, "n_finite"), "%s n_finite", c);
    CHECK_MSG(s->n_nan == jpos(e, "n_nan"), "%s n_nan", c);
    CHECK_MSG(s->n_posinf == jpos(e, "n_posinf"), "%s n_posinf", c);
    CHECK_MSG(s->n_neginf == jpos(e, "n_neginf"), "%s n_neginf", c);
    CHECK_MSG(s->n_zero == jpos(e, "n_zero"), "%s n_zero", c);
    CHECK_MSG(testutil_eq_dbl_(s->min, jnum(e, "min")), "%s min %.17g", c, s->min);
    CHECK_MSG(testutil_eq_dbl_(s->max, jnum(e, "max")), "%s max %.17g", c, s->max);
    CHECK_MSG(s->argmin == jpos(e, "argmin"), "%s argmin %llu", c, (unsigned long long)s->argmin);
    CHECK_MSG(s->argmax == jpos(e, "argmax"), "%s argmax %llu", c, (unsigned long long)s->argmax);
    CHECK_MSG(testutil_near_dbl_(s->sum, jnum(e, "sum"), REL), "%s sum %.17g vs %s", c, s->sum, jstr(e, "sum"));
    CHECK_MSG(testutil_near_dbl_(s->sumsq, jnum(e, "sumsq"), REL), "%s sumsq", c);
    CHECK_MSG(testutil_near_dbl_(s->mean, jnum(e, "mean"), REL), "%s mean %.17g vs %s", c, s->mean, jstr(e, "mean"));
    CHECK_MSG(testutil_near_dbl_(s->std, jnum(e, "std"), REL), "%s std %.17g vs %s", c, s->std, jstr(e, "std"));
}

#define NEAR(field)                                                          \
    CHECK_MSG(testutil_near_dbl_(d->field, jnum(e, #field), REL),             \
              "%s " #field " %.17g vs %s", c, d->field, jstr(e, #field))
#define EXACT(field)                                                         \
    CHECK_MSG(testutil_eq_dbl_(d->field, jnum(e, #field)),                    \
              "%s " #field " %.17g vs %s", c, d->field, jstr(e, #field))
#define COUNT(field)                                                         \
    CHECK_MSG((uint64_t)d->field == jpos(e, #field), "%s " #field " %llu vs %s", c, \
              (unsigned long long)d->field, jstr(e, #field))

static void check_diff(const char *c, const parity_diff *d, const cJSON *e) {
    COUNT(n);
    NEAR(abs_mean), NEAR(mean_diff), NEAR(rmse), NEAR(relative);
    NEAR(cosine), NEAR(pcc), NEAR(snr_db), NEAR(mean_diff_db);
    EXACT(abs_max), EXACT(abs_max_ref), EXACT(abs_max_port);
    EXACT(needed_atol), EXACT(needed_rtol);
    COUNT(abs_max_at), COUNT(max_ulp), COUNT(mismatched);
    COUNT(nonfinite_ref_only), COUNT(nonfinite_port_only);
    COUNT(nonfinite_differ), COUNT(first_nonfinite_only), COUNT(ref_zero);
    if (d->max_ulp) COUNT(max_ulp_at);
    const char *ud = jstr(e, "ulp_dtype");
    CHECK_MSG(strcmp(*ud ? parity_dtype_name((parity_dtype)d->ulp_dtype) : "",
                     *ud ? ud : "") == 0 || (!*ud && d->ulp_dtype == PARITY_DT_INVALID),
              "%s ulp_dtype %d vs %s", c, d->ulp_dtype, ud);
    CHECK_MSG(strcmp(parity_verdict_str(d->verdict), jstr(e, "verdict")) == 0,
              "%s verdict %s vs %s", c, parity_verdict_str(d->verdict), jstr(e, "verdict"));
}

static void check_profile(const char *c, const parity_axis_profile *p,
                          const cJSON *e) {
    const char *names[5] = {"mean_diff", "abs_mean", "rmse", "relative", "abs_max"};
    const double *cols[5] = {p->mean_diff, p->abs_mean, p->rmse, p->relative, p->abs_max};
    for (int k = 0; k < 5; k++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(e, names[k]);
        if (!CHECK_MSG(cJSON_GetArraySize(arr) == p->len, "%s profile %s length", c, names[k]))
            continue;
        int bad = 0;
        for (int64_t i = 0; i < p->len; i++) {
            double want = strtod(cJSON_GetArrayItem(arr, (int)i)->valuestring, NULL);
            double rel = k == 4 ? 0 : REL; /* abs_max is exact */
            if (!testutil_near_dbl_(cols[k][i], want, rel) && bad++ < 3)
                fprintf(stderr, "%s axis %d %s[%lld]: %.17g vs %.17g\n", c, p->axis,
                        names[k], (long long)i, cols[k][i], want);
        }
        CHECK_MSG(bad == 0, "%s profile %s: %d rows differ", c, names[k], bad);
    }
}

/* Every field bit for bit, profile arrays included. */
static int same_diff(const parity_diff *a, const parity_diff *b) {
    parity_diff x = *a, y = *b;
    for (int k = 0; k < 4; k++) {
        memset(&x.profiles[k], 0, sizeof x.profiles[k]);
        memset(&y.profiles[k], 0, sizeof y.profiles[k]);
    }
    if (memcmp(&x, &y, sizeof x) != 0) return 0;
    for (int k = 0; k < a->n_profiles; k++) {
        size_t bytes = (size_t)a->profiles[k].len * 5 * sizeof(double);
        if (memcmp(a->profiles[k].mean_diff, b->profiles[k].mean_diff, bytes) != 0) return 0;
    }
    return 1;
}

static void run_case(const char *c, const cJSON *e) {
    char pr[1200], pp[1200];
    parity_set *sr = NULL, *sp = NULL;
    parity_error err = {0};
    snprintf(pr, sizeof pr, "%s/%s", g_dir, jstr(e, "ref"));
    snprintf(pp, sizeof pp, "%s/%s", g_dir, jstr(e, "port"));
    if (!CHECK_OK(parity_set_open(pr, NULL, &sr, &err), &err) ||
        !CHECK_OK(parity_set_open(pp, NULL, &sp, &err), &err)) {
        parity_set_free(sr);
        return;
    }
    const parity_tensor *tr = parity_set_tensor(sr, 0), *tp = parity_set_tensor(sp, 0);
    parity_diff_opts o = opts_of(cJSON_GetObjectItemCaseSensitive(e, "opts"));
    parity_diff d[3];
    const int threads[3] = {1, 2, 8};
    memset(d, 0, sizeof d);
    for (int t = 0; t < 3; t++) {
        o.threads = threads[t];
        CHECK_OK(parity_diff_tensors(tr, tp, &o, &d[t], &err), &err);
    }
    check_stats(c, &d[0].ref, cJSON_GetObjectItemCaseSensitive(e, "ref_stats"));
    check_stats(c, &d[0].port, cJSON_GetObjectItemCaseSensitive(e, "port_stats"));
    check_diff(c, &d[0], cJSON_GetObjectItemCaseSensitive(e, "diff"));
    const cJSON *profs = cJSON_GetObjectItemCaseSensitive(e, "profiles");
    CHECK_EQ_INT(d[0].n_profiles, cJSON_GetArraySize(profs));
    for (int k = 0; k < d[0].n_profiles && k < cJSON_GetArraySize(profs); k++)
        check_profile(c, &d[0].profiles[k], cJSON_GetArrayItem(profs, k));
    CHECK_MSG(same_diff(&d[0], &d[1]), "%s: threads 1 vs 2 differ", c);
    CHECK_MSG(same_diff(&d[0], &d[2]), "%s: threads 1 vs 8 differ", c);
    for (int simd = PARITY_SIMD_SCALAR; simd <= PARITY_SIMD_AVX512; simd++) {
        parity_diff_opts so = o;
        parity_diff ds;
        so.simd = (parity_simd)simd, so.threads = 2;
        CHECK_OK(parity_diff_tensors(tr, tp, &so, &ds, &err), &err);
        CHECK_MSG(same_diff(&d[0], &ds), "%s: simd %d differs", c, simd);
        parity_diff_clear(&ds);
    }
    if (strcmp(c, "offset") == 0) { /* hand-derived: port = ref - 1.46 */
        CHECK_ABS_DBL(d[0].mean_diff, -1.46, 1e-6);
        CHECK_ABS_DBL(d[0].mean_diff_db, -12.68, 0.005); /* × 20/ln 10 */
        CHECK_ABS_DBL(d[0].abs_mean, 1.46, 1e-6);
        CHECK_EQ_INT(d[0].profiles[0].len, 80);
        CHECK_EQ_INT(d[0].verdict, PARITY_LARGE_DIFF);
    }
    for (int t = 0; t < 3; t++) parity_diff_clear(&d[t]);
    parity_set_free(sr);
    parity_set_free(sp);
}

/* ---- cases built in memory ---------------------------------------------- */

static parity_tensor make_f64(const double *v, int ndim, const int64_t *shape) {
    parity_tensor t;
    memset(&t, 0, sizeof t);
    t.name = "t", t.file = "mem", t.dtype = PARITY_DT_F64, t.ndim = ndim;
    t.count = 1;
    for (int k = ndim - 1; k >= 0; k--) {
        t.shape[k] = shape[k];
        t.stride[k] = (int64_t)t.count;
        t.count *= (uint64_t)shape[k];
    }
    t.data = (const unsigned char *)v;
    t.nbytes = t.count * 8;
    return t;
}

static void test_hand_cases(void) {
    double r[6] = {1, 2, 3, 4, NAN, INFINITY}, p[6] = {1, 2, 3, 5, NAN, INFINITY};
    int64_t shape[2] = {2, 3}, other[2] = {3, 2};
    parity_tensor tr = make_f64(r, 2, shape), tp = make_f64(p, 2, shape);
    parity_diff d;
    parity_error err;
    parity_diff_opts o = parity_diff_opts_default();
    CHECK_OK(parity_diff_tensors(&tr, &tp, NULL, &d, &err), &err);
    CHECK_EQ_U64(d.n, 4);
    CHECK_EQ_DBL(d.mean_diff, 0.25);
    CHECK_EQ_DBL(d.rmse, 0.5);
    CHECK_EQ_DBL(d.relative, sqrt(1.0 / 30.0));
    CHECK_EQ_U64(d.abs_max_at, 3);
    CHECK_EQ_U64(d.mismatched, 1);
    CHECK_EQ_U64(d.nonfinite_differ + d.nonfinite_ref_only + d.nonfinite_port_only, 0);
    CHECK_EQ_U64(d.first_nonfinite_only, UINT64_MAX);
    CHECK_EQ_INT(d.ulp_dtype, PARITY_DT_F64);
    CHECK_EQ_U64(d.max_ulp, (uint64_t)1 << 50); /* 4 -> 5: 2^52 / 4 steps */
    /* axis errors */
    o.n_axes = 1, o.axes[0] = 2;
    CHECK_EQ_INT(parity_diff_tensors(&tr, &tp, &o, &d, &err), PARITY_E_USAGE);
    CHECK(strstr(err.msg, "axis 2 out of range") != NULL);
    o.axes[0] = -3;
    CHECK_EQ_INT(parity_diff_tensors(&tr, &tp, &o, &d, &err), PARITY_E_USAGE);
    o.axes[0] = -1; /* = axis 1: per column */
    CHECK_OK(parity_diff_tensors(&tr, &tp, &o, &d, &err), &err);
    CHECK_EQ_INT(d.profiles[0].axis, 1);
    CHECK_EQ_DBL(d.profiles[0].mean_diff[0], 0.5); /* (0 + 1) / 2 */
    CHECK_EQ_DBL(d.profiles[0].mean_diff[1], 0.0); /* (2,2); NaN pair skipped */
    CHECK_EQ_DBL(d.profiles[0].abs_max[0], 1.0);
    parity_diff_clear(&d);
    CHECK_EQ_INT(d.n_profiles, 0);
    tp = make_f64(p, 2, other);
    CHECK_EQ_INT(parity_diff_tensors(&tr, &tp, NULL, &d, &err), PARITY_E_SHAPE);
    /* one-sided non-finite blocks MATCH; atol/rtol decide closeness */
    double q[6] = {1, 2, 3, 4, 0, -INFINITY};
    tp = make_f64(q, 2, shape);
    o = parity_diff_opts_default();
    o.atol = 1e-9;
    CHECK_OK(parity_diff_tensors(&tr, &tp, &o, &d, &err), &err);
    CHECK_EQ_U64(d.nonfinite_ref_only, 1);
    CHECK_EQ_U64(d.nonfinite_differ, 1);
    CHECK_EQ_U64(d.first_nonfinite_only, 4);
    CHECK_EQ_U64(d.mismatched, 2);
    CHECK_EQ_DBL(d.snr_db, INFINITY);
    CHECK_EQ_INT(d.verdict, PARITY_SMALL_DIFF);
    /* empty tensors compare as equal */
    int64_t zero[1] = {0};
    tr = make_f64(r, 1, zero), tp = make_f64(p, 1, zero);
    CHECK_OK(parity_diff_tensors(&tr, &tp, NULL, &d, &err), &err);
    CHECK_EQ_U64(d.n, 0);
    CHECK_EQ_INT(d.verdict, PARITY_MATCH);
    CHECK(isnan(d.ref.mean) && d.ref.argmin == UINT64_MAX);
}

static parity_tensor make_raw(parity_dtype dt, const void *data, int64_t n) {
    parity_tensor t;
    memset(&t, 0, sizeof t);
    t.name = "ids", t.file = "mem", t.dtype = dt, t.ndim = 1;
    t.shape[0] = n, t.stride[0] = 1, t.count = (uint64_t)n;
    t.data = data;
    t.nbytes = (uint64_t)n * parity_dtype_size(dt);
    return t;
}

/* Integers compare as integers: 2^53 + 1 is not 2^53 (as doubles they
 * are equal), whatever the byte order, strides or signedness. */
static void test_ints_exact(void) {
    int64_t a[3] = {(int64_t)1 << 53, 5, ((int64_t)1 << 62) + 1};
    int64_t b[3] = {((int64_t)1 << 53) + 1, 5, (int64_t)1 << 62};
    unsigned char be[24]; /* b, big-endian */
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 8; k++) be[8 * i + k] = (unsigned char)((uint64_t)b[i] >> (56 - 8 * k));
    parity_tensor ta = make_raw(PARITY_DT_I64, a, 3), tb = make_raw(PARITY_DT_I64, be, 3);
    tb.byteswap = 1;
    parity_int_cmp c;
    parity_error err;
    CHECK_OK(parity_diff_ints(&ta, &tb, 0, &c, &err), &err);
    CHECK(!c.equal && c.n_differ == 2 && c.first == 0 && c.n_compared == 3);
    CHECK(c.first_ref == a[0] && c.first_port == b[0]);
    CHECK(c.win_ref_len == 3 && c.win_port[2] == b[2] && c.win_ref[2] == a[2]);
    CHECK_OK(parity_diff_ints(&ta, &ta, 0, &c, &err), &err);
    CHECK(c.equal && c.n_differ == 0);
    /* U64 2^64 - 1 vs I64 -1: the same bits, not the same number */
    uint64_t u[2] = {UINT64_MAX, 7};
    int64_t s[2] = {-1, 7};
    parity_tensor tu = make_raw(PARITY_DT_U64, u, 2), ts = make_raw(PARITY_DT_I64, s, 2);
    CHECK_OK(parity_diff_ints(&tu, &ts, 0, &c, &err), &err);
    CHECK(!c.equal && c.n_differ == 1 && c.ref_unsigned && !c.port_unsigned);
    CHECK((uint64_t)c.first_ref == UINT64_MAX && c.first_port == -1);
    /* I32 vs U8 with equal values; a strided view (every other I32) */
    int32_t w[6] = {3, 99, 250, 99, 0, 99};
    uint8_t v[3] = {3, 250, 0};
    parity_tensor tw = make_raw(PARITY_DT_I32, w, 3), tv = make_raw(PARITY_DT_U8, v, 3);
    tw.stride[0] = 2;
    CHECK_OK(parity_diff_ints(&tw, &tv, 0, &c, &err), &err);
    CHECK(c.equal);
    /* sequences of different lengths: the common prefix */
    parity_tensor tp = make_raw(PARITY_DT_I64, a, 2);
    CHECK_OK(parity_diff_ints(&ta, &tp, 1, &c, &err), &err);
    CHECK(!c.equal && c.n_differ == 0 && c.first == 2 && c.ref_len == 3 && c.port_len == 2);
    CHECK_EQ_INT(parity_diff_ints(&ta, &tp, 0, &c, &err), PARITY_E_SHAPE);
    /* a float tensor holding only integers compares as ids: 2^53 and 5
     * equal as I64, 2^62 (the double) against 2^62 + 1 not */
    double af[3] = {(double)a[0], (double)a[1], (double)a[2]};
    parity_tensor tf = make_raw(PARITY_DT_F64, af, 3);
    CHECK(parity_tensor_integral(&tf));
    CHECK_OK(parity_diff_ints(&tf, &ta, 0, &c, &err), &err);
    CHECK(!c.equal && c.n_differ == 1 && c.first == 2 && c.ref_float && !c.port_float);
    af[1] = 0.5;
    CHECK(!parity_tensor_integral(&tf));
    /* an edit script: tp is ta without its last id */
    CHECK_OK(parity_diff_ints(&ta, &tp, 1, &c, &err), &err);
    CHECK(c.n_hunks == 1 && c.total_hunks == 1 && c.hunks[0].ref_at == 2 &&
          c.hunks[0].ref_n == 1 && c.hunks[0].port_n == 0 && c.hunks[0].ref_vals[0] == a[2]);
}

/* Resident KiB of every mapping of path in this process (/proc/self/smaps),
 * or -1 when smaps cannot be read. */
static long mapped_rss_kib(const char *path) {
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f) return -1;
    char line[4096];
    long kib = 0, v;
    int in = 0;
    size_t n = strlen(path);
    while (fgets(line, sizeof line, f)) {
        size_t m = strlen(line);
        unsigned long lo, hi;
        while (m && line[m - 1] == '\n') line[--m] = '\0';
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) /* a mapping's first line */
            in = m > n && strcmp(line + m - n, path) == 0 && line[m - n - 1] == ' ';
        else if (in && sscanf(line, "Rss: %ld kB", &v) == 1)
            kib += v;
    }
    fclose(f);
    return kib;
}

/* An integer comparison drops the file pages behind it as the float passes
 * do: after it, little more of a 32 MiB file is resident in this process
 * than before (the pass read every page; the kernel maps some megabytes
 * around any fault). Also parity_tensor_integral on a float file. */
static void test_ints_release_pages(void) {
    const char *dir = getenv("PARITY_BUILD") ? getenv("PARITY_BUILD") : ".";
    char pa[1024], pb[1024], pf[1024];
    snprintf(pa, sizeof pa, "%s/release_ints_a.safetensors", dir);
    snprintf(pb, sizeof pb, "%s/release_ints_b.safetensors", dir);
    snprintf(pf, sizeof pf, "%s/release_ints_f.safetensors", dir);
    int64_t n = (int64_t)8 << 20; /* 32 MiB of I32 (and of F32) */
    int32_t *v = malloc((size_t)n * sizeof *v);
    float *f = malloc((size_t)n * sizeof *f);
    if (!CHECK(v && f)) return;
    for (int64_t i = 0; i < n; i++) v[i] = (int32_t)(i % 1000), f[i] = (float)(i % 1000);
    const char *paths[3] = {pa, pb, pf};
    parity_error err = {0};
    for (int k = 0; k < 3; k++) {
        parity_writer *w = NULL;
        if (k == 1) v[n / 2] = -7;
        CHECK_OK(parity_writer_open(paths[k], &w, &err), &err);
        CHECK_OK(parity_writer_add(w, "x", k == 2 ? PARITY_DT_F32 : PARITY_DT_I32, 1, &n,
                                   k == 2 ? (const void *)f : (const void *)v, &err),
                 &err);
        CHECK_OK(parity_writer_close(w, &err), &err);
    }
    free(v);
    free(f);
    parity_set *a = NULL, *b = NULL, *fl = NULL;
    CHECK_OK(parity_set_open(pa, NULL, &a, &err), &err);
    CHECK_OK(parity_set_open(pb, NULL, &b, &err), &err);
    CHECK_OK(parity_set_open(pf, NULL, &fl, &err), &err);
    if (a && b && fl) {
        parity_int_cmp c;
        long before[3];
        for (int k = 0; k < 3; k++) before[k] = mapped_rss_kib(paths[k]);
        CHECK_OK(parity_diff_ints(parity_set_tensor(a, 0), parity_set_tensor(b, 0), 0, &c, &err),
                 &err);
        CHECK(!c.equal && c.n_differ == 1 && c.first == (uint64_t)n / 2);
        CHECK(parity_tensor_integral(parity_set_tensor(fl, 0)));
        for (int k = 0; k < 3; k++) { /* kept: 32 MiB without the releases */
            long kib = mapped_rss_kib(paths[k]);
            CHECK_MSG(before[k] >= 0 && kib - before[k] < 8192,
                      "%s: %ld KiB resident after the pass, %ld before", paths[k], kib, before[k]);
        }
    }
    parity_set_free(a);
    parity_set_free(b);
    parity_set_free(fl);
    for (int k = 0; k < 3; k++) remove(paths[k]);
}

/* The edit script of id sequences (int_edit.c), on hand-made cases: each
 * hunk's ranges and values. */
static void test_int_edit(void) {
    parity_int_hunk h[PARITY_INT_HUNKS];
    size_t total = 0, n;
    const int64_t ref[8] = {708, 1, 2, 3, 4, 5, 6, 7};
    /* the first id dropped (MLX without the BOS token) */
    n = parity__int_edit(ref, 8, 0, ref + 1, 7, 0, h, PARITY_INT_HUNKS, &total);
    CHECK(n == 1 && total == 1 && h[0].ref_at == 0 && h[0].ref_n == 1 && h[0].port_n == 0 &&
          h[0].ref_vals[0] == 708);
    /* two inserted, and two replaced by three further on */
    const int64_t port[10] = {708, 1, 77, 78, 2, 3, 4, 9, 9, 9};
    n = parity__int_edit(ref, 8, 0, port, 10, 0, h, PARITY_INT_HUNKS, &total);
    CHECK_MSG(n == 2 && total == 2, "n %zu total %zu", n, total);
    if (n == 2) {
        CHECK(h[0].ref_at == 2 && h[0].ref_n == 0 && h[0].port_at == 2 && h[0].port_n == 2 &&
              h[0].port_vals[0] == 77 && h[0].port_vals[1] == 78);
        CHECK(h[1].ref_at == 5 && h[1].ref_n == 3 && h[1].port_at == 7 && h[1].port_n == 3 &&
              h[1].ref_vals[0] == 5 && h[1].port_vals[2] == 9);
    }
    /* nothing in common: one replacement of the whole */
    const int64_t other[3] = {-1, -2, -3};
    n = parity__int_edit(ref, 8, 0, other, 3, 0, h, PARITY_INT_HUNKS, &total);
    CHECK(n == 1 && h[0].ref_n == 8 && h[0].port_n == 3);
    /* U64 2^64 - 1 is not I64 -1: a replacement */
    const int64_t m1[1] = {-1};
    n = parity__int_edit(m1, 1, 1, m1, 1, 0, h, PARITY_INT_HUNKS, &total);
    CHECK(n == 1 && h[0].ref_n == 1 && h[0].port_n == 1);
    /* more hunks than kept: counted */
    int64_t a[40], b[40];
    for (int i = 0; i < 40; i++) a[i] = i, b[i] = i % 4 == 0 ? -i - 1 : i;
    n = parity__int_edit(a, 40, 0, b, 40, 0, h, PARITY_INT_HUNKS, &total);
    CHECK(n == PARITY_INT_HUNKS && total == 10);
}

/* Values near DBL_MAX (hand-derived): the exact slow path, merged across
 * threads, and +Inf only where the true value is beyond the range. */
static void test_huge_hand(void) {
    double r[100], p[100];
    for (int i = 0; i < 100; i++) r[i] = p[i] = 1.0;
    p[5] = 1e200; /* Σd² = (1e200 - 1)²: a square far beyond DBL_MAX */
    int64_t shape[1] = {100};
    parity_tensor tr = make_f64(r, 1, shape), tp = make_f64(p, 1, shape);
    parity_diff d;
    CHECK_OK(parity_diff_tensors(&tr, &tp, NULL, &d, NULL), (parity_error *)NULL);
    CHECK_NEAR_DBL(d.relative, 1e199, 1e-15); /* (1e200 - 1) / √100 */
    CHECK_NEAR_DBL(d.rmse, 1e199, 1e-15);
    CHECK_NEAR_DBL(d.cosine, 0.1, 1e-15);      /* (99 + 1e200) / (10 · 1e200) */
    CHECK_NEAR_DBL(d.mean_diff, 1e198, 1e-15);
    CHECK_SAME_DBL(d.port.sumsq, INFINITY);
    CHECK_EQ_INT(d.verdict, PARITY_LARGE_DIFF);
    double q[4] = {1e308, -1e308, 1e308, 0}, z[4] = {-1e308, 1e308, 1e308, 0};
    shape[0] = 4;
    tr = make_f64(q, 1, shape), tp = make_f64(z, 1, shape);
    CHECK_OK(parity_diff_tensors(&tr, &tp, NULL, &d, NULL), (parity_error *)NULL);
    CHECK_SAME_DBL(d.abs_max, INFINITY);      /* |d| = 2e308 */
    CHECK_EQ_U64(d.abs_max_at, 0);
    CHECK_NEAR_DBL(d.abs_mean, 1e308, 1e-15); /* 4e308 / 4 */
    CHECK_NEAR_DBL(d.mean_diff, 0.0, 0);      /* -2e308 + 2e308 */
    CHECK_NEAR_DBL(d.relative, 2 * sqrt(2.0 / 3.0), 1e-15);
    CHECK_NEAR_DBL(d.cosine, -1.0 / 3.0, 1e-15);
    CHECK_NEAR_DBL(d.needed_rtol, 2.0, 0);
    CHECK_EQ_U64(d.mismatched, 2);
}

static void test_verdict_rules(void) {
    double r[4] = {1, 1, 1, 1}, p[4] = {1.001, 1.001, 1.001, 1.001};
    int64_t shape[1] = {4};
    parity_tensor tr = make_f64(r, 1, shape), tp = make_f64(p, 1, shape);
    parity_diff d;
    parity_diff_opts o = parity_diff_opts_default();
    CHECK_OK(parity_diff_tensors(&tr, &tp, &o, &d, NULL), (parity_error *)NULL);
    CHECK_EQ_INT(d.verdict, PARITY_SMALL_DIFF); /* relative 1e-3 */
    o.match_tol = 2e-3;
    parity_diff_tensors(&tr, &tp, &o, &d, NULL);
    CHECK_EQ_INT(d.verdict, PARITY_MATCH);
    o.domain = PARITY_DOMAIN_DB, o.max_db = 1e-4; /* 0.001 dB > 1e-4 */
    parity_diff_tensors(&tr, &tp, &o, &d, NULL);
    CHECK_EQ_INT(d.verdict, PARITY_SMALL_DIFF);
    o = parity_diff_opts_default();
    o.rtol = 2e-3; /* every element within rtol·|r| */
    parity_diff_tensors(&tr, &tp, &o, &d, NULL);
    CHECK_EQ_INT(d.verdict, PARITY_MATCH);
    o.small_tol = 1e-4, o.rtol = 1e-4;
    parity_diff_tensors(&tr, &tp, &o, &d, NULL);
    CHECK_EQ_INT(d.verdict, PARITY_LARGE_DIFF);
    CHECK_EQ_STR(parity_verdict_str(PARITY_SMALL_DIFF), "SMALL DIFF");
}

static void test_domains_opts(void) {
    const char *names[6] = {"linear", "ln-mag", "ln-power", "log10-mag", "log10-power", "db"};
    const double per[6] = {0, 8.685889638065035, 4.3429448190325175, 20, 10, 1};
    for (int i = 0; i < 6; i++) {
        parity_domain dm;
        CHECK(parity_domain_parse(names[i], &dm) == 0 && (int)dm == i);
        CHECK_EQ_STR(parity_domain_name(dm), names[i]);
        CHECK_NEAR_DBL(parity_domain_db_per_unit(dm), per[i], 1e-15);
    }
    parity_domain dm;
    CHECK_EQ_INT(parity_domain_parse("dB", &dm), -1);
    parity_diff_opts o = parity_diff_opts_default();
    CHECK(o.atol == 0 && o.rtol == 0 && o.match_tol == 1e-4 && o.small_tol == 1e-2);
    CHECK(o.domain == PARITY_DOMAIN_LINEAR && o.max_db == 0 && o.n_axes == 0 && o.threads == 1);
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorted representable values of a format have consecutive ULP images. */
static void check_images(parity_dtype dt, int bits) {
    int n = 1 << bits, bad = 0, m = 0;
    double *v = malloc((size_t)n * sizeof *v);
    for (int b = 0; b < n; b++) {
        unsigned char raw[2] = {(unsigned char)(b & 0xff), (unsigned char)(b >> 8)};
        double x = parity_dtype_to_double(dt, raw);
        if (isfinite(x) && !(x == 0 && signbit(x))) v[m++] = x;
    }
    qsort(v, (size_t)m, sizeof *v, cmp_dbl);
    for (int i = 1; i < m; i++)
        if (parity__ulp_image(dt, v[i]) - parity__ulp_image(dt, v[i - 1]) != 1) bad++;
    CHECK_MSG(bad == 0, "%s: %d non-consecutive images", parity_dtype_name(dt), bad);
    CHECK_EQ_INT(parity__ulp_image(dt, -0.0), 0);
    free(v);
}

static void test_ulp(void) {
    check_images(PARITY_DT_F16, 16);
    check_images(PARITY_DT_BF16, 16);
    check_images(PARITY_DT_F8_E4M3, 8);
    check_images(PARITY_DT_F8_E5M2, 8);
    check_images(PARITY_DT_F8_E4M3FNUZ, 8);
    check_images(PARITY_DT_F8_E5M2FNUZ, 8);
    /* Inf (or overflow) lands one past the largest finite value */
    CHECK_EQ_INT(parity__ulp_image(PARITY_DT_F16, 1e6) - parity__ulp_image(PARITY_DT_F16, 65504), 1);
    CHECK_EQ_INT(parity__ulp_image(PARITY_DT_F16, 65519.0), parity__ulp_image(PARITY_DT_F16, 65504));
    CHECK_EQ_INT(parity__ulp_image(PARITY_DT_F32, 1.0) - parity__ulp_image(PARITY_DT_F32, -1.0),
                 2 * 0x3f800000);
    CHECK_EQ_INT(parity__ulp_dtype(PARITY_DT_F32, PARITY_DT_BF16), PARITY_DT_BF16);
    CHECK_EQ_INT(parity__ulp_dtype(PARITY_DT_F16, PARITY_DT_BF16), PARITY_DT_BF16);
    CHECK_EQ_INT(parity__ulp_dtype(PARITY_DT_I32, PARITY_DT_F32), PARITY_DT_F32);
    CHECK_EQ_INT(parity__ulp_dtype(PARITY_DT_I32, PARITY_DT_U8), PARITY_DT_INVALID);
    CHECK_EQ_INT(parity__ulp_dtype(PARITY_DT_F80, PARITY_DT_F80), PARITY_DT_F64);
}

/* parity_diff_many: every pair exactly as parity_diff_tensors, for any
 * thread count; small pairs (grouped), large ones (batched), one with a
 * profile, a shape mismatch (its own error) and a skipped item. */
static void test_many(void) {
    enum { NP = 300, BIG = 70000 };
    static double data[2][BIG + NP * 64];
    parity_tensor tr[NP + 3], tp[NP + 3];
    parity_diff_item items[NP + 4];
    parity_diff_opts axis = parity_diff_opts_default();
    axis.n_axes = 1, axis.axes[0] = 0;
    for (size_t i = 0; i < sizeof data[0] / sizeof data[0][0]; i++) {
        data[0][i] = sin((double)i * 0.37) * 5;
        data[1][i] = data[0][i] + (i % 7 == 0 ? 1e-3 * cos((double)i) : 0.0);
    }
    data[1][123] = NAN, data[0][456] = INFINITY;
    size_t off = 0;
    for (int k = 0; k < NP + 3; k++) {
        int64_t n = k < NP ? 1 + (k * 13) % 64 : BIG;
        tr[k] = make_f64(data[0] + off, 1, &n);
        tp[k] = make_f64(data[1] + off, 1, &n);
        off += k < NP ? (size_t)n : 0;
    }
    tp[NP + 2].count -= 1, tp[NP + 2].shape[0] -= 1; /* shapes differ */
    static parity_error errs[NP + 3];
    for (int k = 0; k < NP + 3; k++)
        items[k] = (parity_diff_item){.ref = &tr[k], .port = &tp[k],
                                      .opts = k == NP + 1 ? &axis : NULL,
                                      .err = k % 2 ? &errs[k] : NULL};
    items[NP + 2].err = &errs[NP + 2];
    items[NP + 3] = (parity_diff_item){0};
    for (int th = 1; th <= 8; th *= 2) {
        parity_diff_opts o = parity_diff_opts_default();
        parity_error err = {0};
        o.threads = th;
        if (!CHECK_OK(parity_diff_many(items, NP + 4, &o, &err), &err)) return;
        for (int k = 0; k < NP + 3; k++) {
            parity_diff want;
            parity_error e2 = {0};
            parity_status st = parity_diff_tensors(&tr[k], &tp[k], items[k].opts ? items[k].opts : &o,
                                                   &want, &e2);
            CHECK_EQ_INT(items[k].status, st);
            if (st == PARITY_OK)
                CHECK_MSG(same_diff(&want, &items[k].diff), "many: pair %d threads %d", k, th);
            else
                CHECK_EQ_STR(items[k].err->msg, e2.msg);
            parity_diff_clear(&want);
            parity_diff_clear(&items[k].diff);
        }
        CHECK_EQ_INT(items[NP + 3].status, PARITY_OK);
    }
    CHECK_EQ_INT(parity_diff_many(NULL, 1, NULL, NULL), PARITY_E_USAGE);
    CHECK_EQ_INT(parity_diff_many(NULL, 0, NULL, NULL), PARITY_OK);
}

int main(void) {
    test_int_edit();
    test_many();
    test_hand_cases();
    test_ints_exact();
    test_ints_release_pages();
    test_huge_hand();
    test_verdict_rules();
    test_domains_opts();
    test_ulp();
    cJSON *j = load_metric_fixture("diff", g_dir, sizeof g_dir);
    if (!CHECK(j != NULL)) return TEST_SUMMARY();
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(j, "cases"), *c;
    int n = 0;
    cJSON_ArrayForEach(c, cases) {
        run_case(c->string, c);
        n++;
    }
    CHECK(n >= 10);
    cJSON_Delete(j);
    return TEST_SUMMARY();
}
