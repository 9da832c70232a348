/*
 * test_layout.c — parity_layout_align: squeeze, permutation (with the
 * lowest-error choice among several), reshape, and refusal.
 *
 * Tensors are views over in-memory F64 arrays. The port data is built by
 * the test's own index arithmetic (np.transpose semantics: out[idx] =
 * in[idx'] with idx'[p[k]] = idx[k]), independent of the code under test;
 * every accepted alignment is then checked element by element.
 */
#include "internal.h"
#include "testutil.h"

#define MAXN 70000

/* An array as a plain pointer, so the NULL-safe string check does not warn
 * that an array's address is never NULL. */
static const char *str(const char *s) { return s; }

/* Deterministic values in [-1, 1) (64-bit LCG, fixed seed per call). */
static void fill(double *x, size_t n, uint64_t seed) {
    uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (double)(s >> 11) / 4503599627370496.0 - 1.0;
    }
}

static parity_tensor mk(const char *name, const double *data, int ndim,
                        const int64_t *shape) {
    parity_tensor t;
    memset(&t, 0, sizeof t);
    t.name = name;
    t.file = "mem";
    t.dtype = PARITY_DT_F64;
    t.ndim = ndim;
    t.count = 1;
    for (int k = 0; k < ndim; k++) {
        t.shape[k] = shape[k];
        t.count *= (uint64_t)shape[k];
    }
    parity__strides_c(&t);
    t.data = (const unsigned char *)data;
    t.nbytes = t.count * 8;
    return t;
}

/* out = np.transpose(in, p) materialized in C order; fills out_shape. */
static void transpose(const double *in, int ndim, const int64_t *shape,
                      const int *p, double *out, int64_t *out_shape) {
    int64_t in_stride[PARITY_MAX_DIMS], s = 1, n = 1;
    for (int k = ndim - 1; k >= 0; k--) {
        in_stride[k] = s;
        s *= shape[k];
    }
    for (int k = 0; k < ndim; k++) out_shape[k] = shape[p[k]];
    for (int k = 0; k < ndim; k++) n *= shape[k];
    for (int64_t f = 0; f < n; f++) {
        int64_t rest = f, off = 0;
        for (int k = ndim - 1; k >= 0; k--) {
            off += (rest % out_shape[k]) * in_stride[p[k]];
            rest /= out_shape[k];
        }
        out[f] = in[off];
    }
}

static double g_ref[MAXN], g_port[MAXN], g_read[MAXN];

/* Align, expect OK and layout, and compare every element of the port view
 * with the reference (exactly, or within tol). */
static void expect_aligned(const parity_tensor *r, const parity_tensor *p,
                           const char *layout, double tol) {
    parity_tensor rv, pv;
    char lay[96];
    parity_error err = {0}, *ep = &err;
    if (!CHECK_OK(parity_layout_align(r, p, &rv, &pv, lay, sizeof lay, ep),
                  ep))
        return;
    CHECK_EQ_STR(str(lay), layout);
    CHECK_EQ_INT(pv.ndim, r->ndim);
    for (int k = 0; k < r->ndim; k++) CHECK_EQ_INT(pv.shape[k], r->shape[k]);
    CHECK(pv.data == p->data); /* a view, never a copy */
    CHECK(rv.data == r->data);
    CHECK_EQ_U64(pv.count, r->count);
    parity_tensor_read(&pv, 0, (size_t)pv.count, g_read);
    uint64_t bad = 0;
    for (uint64_t i = 0; i < r->count; i++)
        bad += fabs(g_read[i] - ((const double *)r->data)[i]) > tol;
    CHECK_EQ_U64(bad, 0);
}

/* [1,80,200] reference, port stored as [1,200,80] (the true transpose). */
static void test_permute_bct(void) {
    int64_t rs[3] = {1, 80, 200}, ps[3];
    int p[3] = {0, 2, 1};
    fill(g_ref, 16000, 1);
    transpose(g_ref, 3, rs, p, g_port, ps);
    CHECK(ps[1] == 200 && ps[2] == 80);
    parity_tensor r = mk("mel", g_ref, 3, rs), q = mk("mel", g_port, 3, ps);
    expect_aligned(&r, &q, "permute(0,2,1)", 0);
}

/* PyTorch Conv1d weight [out,in,k] vs MLX [out,k,in]. */
static void test_conv1d_weight(void) {
    int64_t rs[3] = {16, 8, 5}, ps[3];
    int p[3] = {0, 2, 1};
    fill(g_ref, 640, 2);
    transpose(g_ref, 3, rs, p, g_port, ps);
    parity_tensor r = mk("conv.weight", g_ref, 3, rs);
    parity_tensor q = mk("conv.weight", g_port, 3, ps);
    expect_aligned(&r, &q, "permute(0,2,1)", 0);
}

/* Dropping or adding size-1 axes, both directions, and a scalar. */
static void test_squeeze(void) {
    int64_t a[3] = {1, 80, 200}, b[2] = {80, 200}, c[3] = {80, 200, 1};
    fill(g_ref, 16000, 3);
    memcpy(g_port, g_ref, 16000 * sizeof(double));
    parity_tensor r3 = mk("x", g_ref, 3, a), p2 = mk("x", g_port, 2, b);
    expect_aligned(&r3, &p2, "unsqueeze", 0);
    parity_tensor r2 = mk("x", g_ref, 2, b), p3 = mk("x", g_port, 3, a);
    expect_aligned(&r2, &p3, "squeeze", 0);
    /* same ndim, the size-1 axis moved: a permutation of the port axes */
    parity_tensor pc = mk("x", g_port, 3, c);
    expect_aligned(&r3, &pc, "permute(2,0,1)", 0);
    int64_t one[1] = {1};
    parity_tensor s0 = mk("s", g_ref, 0, one), s1 = mk("s", g_port, 1, one);
    expect_aligned(&s0, &s1, "squeeze", 0);
}

/* Squeeze and permutation together, both directions. */
static void test_squeeze_permute(void) {
    int64_t rs[2] = {80, 200}, ps[2], p3[3] = {1, 200, 80};
    int p[2] = {1, 0};
    fill(g_ref, 16000, 4);
    transpose(g_ref, 2, rs, p, g_port, ps);
    parity_tensor r = mk("x", g_ref, 2, rs), q = mk("x", g_port, 3, p3);
    expect_aligned(&r, &q, "squeeze, permute(1,0)", 0);
    int64_t r3[3] = {1, 80, 200};
    parity_tensor rr = mk("x", g_ref, 3, r3), q2 = mk("x", g_port, 2, ps);
    expect_aligned(&rr, &q2, "permute(1,0), unsqueeze", 0);
}

/* Several permutations fit square axes: the lowest sampled error wins, and
 * the identity (plain squeeze) wins a tie. */
static void test_square_choice(void) {
    int64_t rs[2] = {64, 64}, ps[3] = {1, 64, 64}, ts[2];
    int p[2] = {1, 0};
    fill(g_ref, 4096, 5);
    /* port = ref transposed, plus small noise: the transpose wins */
    transpose(g_ref, 2, rs, p, g_port, ts);
    fill(g_read, 4096, 6);
    for (int i = 0; i < 4096; i++) g_port[i] += 1e-7 * g_read[i];
    parity_tensor r = mk("w", g_ref, 2, rs), q = mk("w", g_port, 3, ps);
    expect_aligned(&r, &q, "squeeze, permute(1,0)", 1e-7);
    /* port = ref plus small noise: the identity wins */
    for (int i = 0; i < 4096; i++) g_port[i] = g_ref[i] + 1e-7 * g_read[i];
    expect_aligned(&r, &q, "squeeze", 1e-7);
    /* symmetric data: both candidates have zero error, identity preferred */
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++)
            g_port[i * 64 + j] = g_ref[i * 64 + j] + g_ref[j * 64 + i];
    memcpy(g_ref, g_port, 4096 * sizeof(double));
    expect_aligned(&r, &q, "squeeze", 0);
}

/* [1,80,80] vs [80,80,1]: permute(2,0,1) keeps the data order, permute
 * (2,1,0) transposes it; the port is the true transpose. */
static void test_square_3d(void) {
    int64_t rs[3] = {1, 80, 80}, ps[3];
    int p[3] = {2, 1, 0};
    fill(g_ref, 6400, 7);
    transpose(g_ref, 3, rs, p, g_port, ps);
    CHECK(ps[0] == 80 && ps[1] == 80 && ps[2] == 1);
    parity_tensor r = mk("x", g_ref, 3, rs), q = mk("x", g_port, 3, ps);
    expect_aligned(&r, &q, "permute(2,1,0)", 0);
    memcpy(g_port, g_ref, 6400 * sizeof(double));
    expect_aligned(&r, &q, "permute(2,0,1)", 0);
}

/* [64,64,3] vs [3,64,64]: two permutations fit; each is chosen when it is
 * the one that reproduces the reference. */
static void test_two_candidates(void) {
    int64_t rs[3] = {64, 64, 3}, ps[3];
    int p1[3] = {2, 0, 1}, p2[3] = {2, 1, 0};
    fill(g_ref, 12288, 8);
    parity_tensor r = mk("img", g_ref, 3, rs);
    transpose(g_ref, 3, rs, p1, g_port, ps);
    parity_tensor q = mk("img", g_port, 3, ps);
    expect_aligned(&r, &q, "permute(1,2,0)", 0);
    transpose(g_ref, 3, rs, p2, g_port, ps);
    expect_aligned(&r, &q, "permute(2,1,0)", 0);
}

/* Equal shapes are compared as they are, even square ones: a transposed
 * square matrix is an explain hypothesis, not something to hide. */
static void test_equal_shapes(void) {
    int64_t rs[2] = {64, 64};
    int p[2] = {1, 0};
    int64_t ts[2];
    fill(g_ref, 4096, 9);
    transpose(g_ref, 2, rs, p, g_port, ts);
    parity_tensor r = mk("w", g_ref, 2, rs), q = mk("w", g_port, 2, rs);
    parity_tensor rv, pv;
    char lay[96] = "junk";
    CHECK_EQ_INT(parity_layout_align(&r, &q, &rv, &pv, lay, sizeof lay, NULL),
                 PARITY_OK);
    CHECK_EQ_STR(str(lay), "");
    CHECK(pv.stride[0] == 64 && pv.stride[1] == 1 && pv.data == q.data);
}

/* A port stored in Fortran order: the permutation composes with its
 * strides. Logical port = ref^T, memory = ref's bytes. */
static void test_fortran_port(void) {
    int64_t rs[2] = {80, 200}, ps[2] = {200, 80};
    fill(g_ref, 16000, 10);
    memcpy(g_port, g_ref, 16000 * sizeof(double));
    parity_tensor r = mk("x", g_ref, 2, rs), q = mk("x", g_port, 2, ps);
    parity__strides_f(&q);
    expect_aligned(&r, &q, "permute(1,0)", 0);
}

/* 6 axes of size 3: 720 candidate permutations, exactly one is right. */
static void test_many_candidates(void) {
    int64_t rs[6] = {3, 3, 3, 3, 3, 3}, ps[7];
    int p[6] = {4, 2, 5, 0, 1, 3};
    fill(g_ref, 729, 11);
    transpose(g_ref, 6, rs, p, g_port, ps);
    ps[6] = 1;
    parity_tensor r = mk("x", g_ref, 6, rs), q = mk("x", g_port, 7, ps);
    /* port.squeeze().permute(p^-1) == ref, p^-1 = (3,4,1,5,0,2) */
    expect_aligned(&r, &q, "squeeze, permute(3,4,1,5,0,2)", 0);
}

/* 8 axes of size 4: 8! = 40320 candidates, the search bound, sampled with
 * 2^24 / 40320 = 416 elements each. */
static void test_search_bound(void) {
    int64_t rs[8] = {4, 4, 4, 4, 4, 4, 4, 4}, ps[8];
    int p[8] = {7, 6, 5, 4, 3, 2, 1, 0};
    fill(g_ref, 65536, 12);
    transpose(g_ref, 8, rs, p, g_port, ps);
    parity_tensor r = mk("x", g_ref, 8, rs), q = mk("x", g_port, 8, ps);
    /* equal shapes: compared as is */
    char lay[96];
    parity_tensor rv, pv;
    CHECK_EQ_INT(parity_layout_align(&r, &q, &rv, &pv, lay, sizeof lay, NULL),
                 PARITY_OK);
    CHECK_EQ_STR(str(lay), "");
    int64_t ps9[9] = {1, 4, 4, 4, 4, 4, 4, 4, 4};
    parity_tensor q9 = mk("x", g_port, 9, ps9);
    expect_aligned(&r, &q9, "squeeze, permute(7,6,5,4,3,2,1,0)", 0);
}

/* A C-contiguous port of equal element count is reshaped. */
static void test_reshape(void) {
    int64_t rs[3] = {1, 80, 200}, ps[2] = {1, 16000};
    fill(g_ref, 16000, 13);
    memcpy(g_port, g_ref, 16000 * sizeof(double));
    parity_tensor r = mk("audio", g_ref, 3, rs), q = mk("audio", g_port, 2, ps);
    expect_aligned(&r, &q, "reshape [1,16000] -> [1,80,200]", 0);
    int64_t a[2] = {6, 4}, b[3] = {2, 3, 4};
    parity_tensor r2 = mk("y", g_ref, 2, a), q2 = mk("y", g_port, 3, b);
    expect_aligned(&r2, &q2, "reshape [2,3,4] -> [6,4]", 0);
}

static void expect_refused(const parity_tensor *r, const parity_tensor *p,
                           const char *msg) {
    parity_tensor rv, pv;
    char lay[96];
    parity_error err = {0};
    CHECK_EQ_INT(parity_layout_align(r, p, &rv, &pv, lay, sizeof lay, &err),
                 PARITY_E_SHAPE);
    CHECK_EQ_INT(err.code, PARITY_E_SHAPE);
    CHECK_EQ_STR(str(err.msg), msg);
}

/* Different element counts, or equal counts but a port that is not
 * C-contiguous (a reshape would need a copy). */
static void test_refused(void) {
    int64_t a[2] = {3, 4}, b[1] = {13}, c[2] = {2, 6};
    parity_tensor r = mk("x", g_ref, 2, a), q = mk("x", g_port, 1, b);
    expect_refused(&r, &q, "tensor 'x': shapes [3, 4] and [13] cannot be "
                           "reconciled (no squeeze, permutation or reshape)");
    parity_tensor f = mk("x", g_port, 2, c);
    parity__strides_f(&f);
    expect_refused(&r, &f, "tensor 'x': shapes [3, 4] and [2, 6] cannot be "
                           "reconciled (no squeeze, permutation or reshape)");
    /* err may be NULL */
    parity_tensor rv, pv;
    char lay[8];
    CHECK_EQ_INT(parity_layout_align(&r, &q, &rv, &pv, lay, sizeof lay, NULL),
                 PARITY_E_SHAPE);
}

/* Empty tensors: any permutation fits, nothing is read. */
static void test_empty(void) {
    int64_t a[2] = {0, 3}, b[2] = {3, 0};
    parity_tensor r = mk("e", NULL, 2, a), q = mk("e", NULL, 2, b);
    parity_tensor rv, pv;
    char lay[96];
    CHECK_EQ_INT(parity_layout_align(&r, &q, &rv, &pv, lay, sizeof lay, NULL),
                 PARITY_OK);
    CHECK_EQ_STR(str(lay), "permute(1,0)");
    CHECK_EQ_U64(pv.count, 0);
}

int main(void) {
    test_permute_bct();
    test_conv1d_weight();
    test_squeeze();
    test_squeeze_permute();
    test_square_choice();
    test_square_3d();
    test_two_candidates();
    test_equal_shapes();
    test_fortran_port();
    test_many_candidates();
    test_search_bound();
    test_reshape();
    test_refused();
    test_empty();
    return TEST_SUMMARY();
}
