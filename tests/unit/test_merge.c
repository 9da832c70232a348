/*
 * test_merge.c — the pieces that make a run mergeable: the canonical text
 * of exact sums (hand-derived values, round trips, what it refuses), the
 * profile sums in a few doubles (xacc.c: any order and any split give the
 * superaccumulator's value), and the plan of parity diff --slice (every
 * pair in exactly one part, or cut into ranges that tile it on
 * PARITY_SLICE_ALIGN boundaries).
 */
#include "analysis/acc.h"
#include "parity.h"
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <unistd.h>

static uint64_t g_rng = 0x2545f4914f6cdd1dull;

static uint64_t next_u64(void) {
    g_rng ^= g_rng << 13, g_rng ^= g_rng >> 7, g_rng ^= g_rng << 17;
    return g_rng;
}

/* sign · [0.5, 1) · 2^(lo..hi) */
static double rnd(int lo, int hi) {
    uint64_t r = next_u64();
    double m = 0.5 + (double)(r >> 12) * 0x1p-53;
    return ldexp(r & 1 ? -m : m, lo + (int)((r >> 40) % (uint64_t)(hi - lo + 1)));
}

/* The text of s into buf. */
static const char *text_of(const parity_xsum *s, char *buf, size_t cap) {
    parity_buf b = {0};
    parity__xsum_text(s, &b);
    snprintf(buf, cap, "%s", b.data ? b.data : "");
    parity__buf_free(&b);
    return buf;
}

static const char *text_sum(const double *x, int n, char *buf, size_t cap) {
    parity_xsum s;
    parity_xsum_init(&s);
    for (int i = 0; i < n; i++) parity_xsum_add(&s, x[i]);
    return text_of(&s, buf, cap);
}

static void test_text_values(void) {
    char b[1024];
    CHECK_EQ_STR(text_sum((double[]){0}, 0, b, sizeof b), "0");
    CHECK_EQ_STR(text_sum((double[]){1.0}, 1, b, sizeof b), "0x1p0");
    CHECK_EQ_STR(text_sum((double[]){3.5}, 1, b, sizeof b), "0x7p-1");
    CHECK_EQ_STR(text_sum((double[]){-0.25}, 1, b, sizeof b), "-0x1p-2");
    CHECK_EQ_STR(text_sum((double[]){1.5, -1.5}, 2, b, sizeof b), "0");
    CHECK_EQ_STR(text_sum((double[]){0x1p-1074}, 1, b, sizeof b), "0x1p-1074");
    CHECK_EQ_STR(text_sum((double[]){6.0, 10.0}, 2, b, sizeof b), "0x1p4");
    /* beyond DBL_MAX: (2^53 - 1)·2^971 twice */
    CHECK_EQ_STR(text_sum((double[]){DBL_MAX, DBL_MAX}, 2, b, sizeof b),
                 "0x1fffffffffffffp972");
    /* two 2^31 units fill digit 0 before the carry: the lowest digit of
     * the stored sum is not the lowest of the value */
    CHECK_EQ_STR(text_sum((double[]){0x1p-1043, 0x1p-1043}, 2, b, sizeof b), "0x1p-1042");
    CHECK_EQ_STR(text_sum((double[]){1.0, 0x1p-60}, 2, b, sizeof b), "0x1000000000000001p-60");
    CHECK_EQ_STR(text_sum((double[]){-1.0, 0x1p-60}, 2, b, sizeof b), "-0xfffffffffffffffp-60");
    CHECK_EQ_STR(text_sum((double[]){NAN}, 1, b, sizeof b), "nan");
    CHECK_EQ_STR(text_sum((double[]){INFINITY, 2.0}, 2, b, sizeof b), "inf");
    CHECK_EQ_STR(text_sum((double[]){-INFINITY}, 1, b, sizeof b), "-inf");
    CHECK_EQ_STR(text_sum((double[]){INFINITY, -INFINITY}, 2, b, sizeof b), "nan");
}

/* Random sums survive text -> parse -> text, and the parsed sum is the
 * same value (its negation cancels the original exactly). */
static void test_text_round_trip(void) {
    int bad = 0;
    for (int t = 0; t < 2000; t++) {
        parity_xsum s, back, neg;
        char a[1024], c[1024];
        parity_xsum_init(&s);
        int n = 1 + (int)(next_u64() % 40);
        int lo = t % 3 == 0 ? -1074 : -300, hi = t % 5 == 0 ? 1023 : 300;
        for (int i = 0; i < n; i++) parity_xsum_add(&s, rnd(lo, hi));
        text_of(&s, a, sizeof a);
        if (parity__xsum_parse(&back, a) != 0) {
            if (bad++ < 3) fprintf(stderr, "refused its own text %s\n", a);
            continue;
        }
        text_of(&back, c, sizeof c);
        neg = back;
        parity__xsum_negate(&neg);
        parity_xsum_merge(&neg, &s);
        if ((strcmp(a, c) != 0 || parity_xsum_result(&neg) != 0 ||
             parity_xsum_result(&back) != parity_xsum_result(&s)) &&
            bad++ < 3)
            fprintf(stderr, "round trip of %s gave %s\n", a, c);
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_parse_refuses(void) {
    const char *bad[] = {"", "1", "-0", "0x", "0x1", "0x1p", "0x2p0", "0x01p0", "0x1p+1",
                         "0x1p01", "0x1p-0", "0X1p0", "0xAp0", "0xgp0", " 0x1p0", "0x1p0 ",
                         "0x1p-1075", "0x1p4000", "+0x1p0", "NaN", "infinity", "0x1p 1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        parity_xsum s;
        CHECK_MSG(parity__xsum_parse(&s, bad[i]) != 0, "accepted '%s'", bad[i]);
    }
    parity_xsum s;
    CHECK(parity__xsum_parse(&s, "-0x3p-2") == 0 && parity_xsum_result(&s) == -0.75);
    CHECK(parity__xsum_parse(&s, "inf") == 0 && parity_xsum_result(&s) == INFINITY);
}

/* ---- xacc ---------------------------------------------------------------- */

/* x[0..n) added to one xacc in order, and to two split at cut merged in
 * the other order: both are the superaccumulator's value. */
static int xacc_agrees(const double *x, int n, int cut) {
    parity_xsum want, got;
    parity__xacc all, a, b;
    char w[1024], g1[1024], g2[1024];
    parity_xsum_init(&want);
    parity__xacc_init(&all), parity__xacc_init(&a), parity__xacc_init(&b);
    for (int i = 0; i < n; i++) {
        parity_xsum_add(&want, x[i]);
        parity__xacc_add(&all, x[i]);
        parity__xacc_add(i < cut ? &a : &b, x[n - 1 - i]);
    }
    parity__xacc_merge(&b, &a);
    text_of(&want, w, sizeof w);
    parity__xacc_get(&all, &got);
    text_of(&got, g1, sizeof g1);
    parity__xacc_get(&b, &got);
    text_of(&got, g2, sizeof g2);
    parity__xacc_free(&all), parity__xacc_free(&a), parity__xacc_free(&b);
    int ok = strcmp(w, g1) == 0 && strcmp(w, g2) == 0;
    if (!ok) fprintf(stderr, "xacc: %s / %s vs %s\n", g1, g2, w);
    return ok;
}

static void test_xacc(void) {
    double x[64];
    int bad = 0;
    for (int t = 0; t < 3000; t++) {
        int n = 1 + (int)(next_u64() % 64);
        int span = t % 4 == 0 ? 1000 : t % 4 == 1 ? 100 : 30;
        for (int i = 0; i < n; i++) x[i] = rnd(-span, span);
        bad += !xacc_agrees(x, n, (int)(next_u64() % (uint64_t)(n + 1)));
    }
    CHECK_EQ_INT(bad, 0);
    /* past DBL_MAX, non-finite values, one part per binade */
    CHECK(xacc_agrees((double[]){DBL_MAX, DBL_MAX, -DBL_MAX, 1.0}, 4, 2));
    CHECK(xacc_agrees((double[]){1.0, INFINITY, 2.0}, 3, 1));
    CHECK(xacc_agrees((double[]){NAN, 1.0}, 2, 1));
    CHECK(xacc_agrees((double[]){0x1p0, 0x1p-60, 0x1p-120, 0x1p-180, 0x1p-240, 0x1p-300}, 6, 3));
    /* xacc_set gives back the value of any sum */
    for (int t = 0; t < 500; t++) {
        parity_xsum s, got;
        parity__xacc a;
        char w[1024], g[1024];
        parity_xsum_init(&s);
        for (int i = 0; i < 20; i++) parity_xsum_add(&s, rnd(-1074, 1023));
        CHECK(parity__xacc_set(&a, &s) == 0);
        parity__xacc_get(&a, &got);
        bad += strcmp(text_of(&s, w, sizeof w), text_of(&got, g, sizeof g)) != 0;
        parity__xacc_free(&a);
    }
    CHECK_EQ_INT(bad, 0);
}

/* ---- the plan of --slice ------------------------------------------------- */

static char dir[] = "/tmp/parity_test_merge_XXXXXX";

/* A file with float tensors of these element counts (and one I32). */
static void write_set(const char *path, const uint64_t *counts, int n) {
    parity_writer *w = NULL;
    CHECK(parity_writer_open(path, &w, NULL) == PARITY_OK);
    float *zeros = calloc(3u << 20, sizeof *zeros);
    for (int i = 0; i < n; i++) {
        char name[32];
        int64_t shape[1] = {(int64_t)counts[i]};
        snprintf(name, sizeof name, "t%02d", i);
        CHECK(parity_writer_add(w, name, i == 1 ? PARITY_DT_I32 : PARITY_DT_F32, 1, shape, zeros,
                                NULL) == PARITY_OK);
    }
    CHECK(parity_writer_close(w, NULL) == PARITY_OK);
    free(zeros);
}

static void test_plan(void) {
    char path[128];
    static const uint64_t counts[] = {7, 3u << 20, 1u << 20, (1u << 20) + 1, 0, 5000,
                                      (2u << 20) + 77};
    int nt = (int)(sizeof counts / sizeof *counts);
    if (!CHECK(mkdtemp(dir))) return;
    snprintf(path, sizeof path, "%s/a.safetensors", dir);
    write_set(path, counts, nt);
    parity_set *s = NULL;
    parity_match *m = NULL;
    CHECK(parity_set_open(path, NULL, &s, NULL) == PARITY_OK);
    CHECK(parity_match_sets(s, s, NULL, &m, NULL) == PARITY_OK);
    size_t np = parity_match_count(m);
    static const uint32_t ways[] = {1, 2, 3, 7, 64, 1000};
    for (size_t w = 0; w < sizeof ways / sizeof *ways; w++) {
        uint32_t n = ways[w];
        uint64_t at[16] = {0}, weight = 0, digest = 0;
        int whole[16] = {0}, bad = 0;
        for (uint32_t k = 0; k < n; k++) {
            parity_slice *sl = NULL;
            if (!CHECK(parity_slice_plan(m, k, n, &sl, NULL) == PARITY_OK)) break;
            if (k == 0) weight = sl->weight, digest = sl->digest;
            bad += sl->pairs != np || sl->weight != weight || sl->digest != digest;
            for (size_t i = 0; i < sl->n_items; i++) {
                const parity_part_pair *it = &sl->items[i];
                const parity_pair *p = parity_match_pair(m, it->pair);
                int splits = p->kind == PARITY_PAIR_FLOAT && p->ref_view.count > PARITY_SLICE_MIN;
                bad += i > 0 && it->pair <= sl->items[i - 1].pair;
                bad += it->whole == splits;
                if (it->whole) {
                    bad += whole[it->pair]++;
                    continue;
                }
                bad += it->first != at[it->pair] || it->first % PARITY_SLICE_ALIGN != 0 ||
                       it->end <= it->first;
                at[it->pair] = it->end;
            }
            parity_slice_free(sl);
        }
        for (size_t i = 0; i < np; i++) {
            const parity_pair *p = parity_match_pair(m, i);
            int splits = p->kind == PARITY_PAIR_FLOAT && p->ref_view.count > PARITY_SLICE_MIN;
            bad += splits ? at[i] != p->ref_view.count : whole[i] != 1;
        }
        CHECK_MSG(bad == 0, "%u ways: %d faults", n, bad);
    }
    parity_slice *sl = NULL;
    parity_error err = {0};
    CHECK(parity_slice_plan(m, 3, 3, &sl, &err) == PARITY_E_USAGE && !sl);
    CHECK(parity_slice_plan(m, 0, 0, &sl, &err) == PARITY_E_USAGE && !sl);
    parity_match_free(m);
    parity_set_free(s);
    unlink(path);
    rmdir(dir);
}

int main(void) {
    test_text_values();
    test_text_round_trip();
    test_parse_refuses();
    test_xacc();
    test_plan();
    return TEST_SUMMARY();
}
