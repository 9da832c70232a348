/*
 * layout.c — bring the port tensor's shape to the reference's without
 * copying data (docs/matching.md "Layout-aware").
 *
 * Every candidate is a view: the port's data pointer with a new shape and
 * new strides (in elements). Tried in order, the first step that makes the
 * shapes agree wins:
 *   0. equal shapes: the views are the tensors themselves, layout "".
 *   1./2. size-1 axes carry no data, so the search runs over the NON-UNIT
 *      axes only: every permutation q of the port's non-unit axes whose
 *      sizes equal the reference's non-unit sizes, in lexicographic order.
 *      The identity q is "dropping size-1 axes" (layout "squeeze" or
 *      "unsqueeze"), and it comes first. Any other q is an axis permutation.
 *      Size-1 axes of the reference get stride 0 in the port view.
 *      When several q fit (repeated sizes, e.g. [1,80,80]), each is scored
 *      on a sample (below) and the lowest error wins; ties keep the earlier
 *      candidate, so the identity wins a tie.
 *   3. a reshape of equal element count when the port is C-contiguous (its
 *      flat order is its memory order, so any shape of the same count is a
 *      view with C strides).
 * Otherwise PARITY_E_SHAPE.
 *
 * Search bound: at most 40320 (= 8!) candidates are enumerated, the first in
 * lexicographic order; that is a full search for any tensor with at most 8
 * non-unit axes. Candidates are found by backtracking over axes of equal
 * size after checking that the size multisets agree, so there are no dead
 * ends and the search costs O(candidates * ndim^2).
 *
 * Layout text, PyTorch notation (what to apply to the port):
 *   same ndim:        "permute(0,2,1)"      port.permute(0,2,1) has ref's shape
 *   different ndim:   "squeeze, permute(1,0), unsqueeze" (parts as needed):
 *                     port.squeeze().permute(1,0), then size-1 axes inserted
 *   reshape:          "reshape [1,16000] -> [1,80,200]"
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE_MAX 65536u      /* samples per candidate at most             */
#define SAMPLE_BUDGET 16777216u /* samples over all candidates (2^24)       */
#define SAMPLE_MIN 256u        /* ... but never fewer per candidate          */
#define CAND_MAX 40320L        /* 8!                                        */
#define TIE_REL 1e-9           /* closer than this (relative) is a tie      */

/* The non-unit axes of a tensor: their sizes and original axis numbers. */
typedef struct axes {
    int n;
    int64_t size[PARITY_MAX_DIMS];
    int axis[PARITY_MAX_DIMS];
} axes;

static void nonunit_axes(const parity_tensor *t, axes *a) {
    a->n = 0;
    for (int k = 0; k < t->ndim; k++) {
        if (t->shape[k] == 1) continue;
        a->size[a->n] = t->shape[k];
        a->axis[a->n++] = k;
    }
}

static int cmp_i64(const void *pa, const void *pb) {
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return (a > b) - (a < b);
}

/* 1 when the two lists of sizes are equal as multisets. */
static int same_multiset(const axes *a, const axes *b) {
    if (a->n != b->n) return 0;
    int64_t x[PARITY_MAX_DIMS], y[PARITY_MAX_DIMS];
    memcpy(x, a->size, sizeof x);
    memcpy(y, b->size, sizeof y);
    qsort(x, (size_t)a->n, sizeof x[0], cmp_i64);
    qsort(y, (size_t)b->n, sizeof y[0], cmp_i64);
    return memcmp(x, y, (size_t)a->n * sizeof x[0]) == 0;
}

static int same_shape(const parity_tensor *a, const parity_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int k = 0; k < a->ndim; k++)
        if (a->shape[k] != b->shape[k]) return 0;
    return 1;
}

/* The port seen with ref's shape: reference non-unit axis ra->axis[j] reads
 * port axis pa->axis[q[j]]; reference size-1 axes get stride 0 (their index
 * is always 0); the port's size-1 axes are dropped for the same reason. */
static void permuted_view(const parity_tensor *ref, const parity_tensor *port,
                          const axes *ra, const axes *pa, const int *q,
                          parity_tensor *v) {
    *v = *port;
    v->ndim = ref->ndim;
    for (int k = 0; k < ref->ndim; k++) {
        v->shape[k] = ref->shape[k];
        v->stride[k] = 0;
    }
    for (int j = 0; j < ra->n; j++)
        v->stride[ra->axis[j]] = port->stride[pa->axis[q[j]]];
}

/* ---- scoring candidates on a sample ------------------------------------ */

/* Sampled error of one candidate. Relative error on the sample is
 * ‖p−r‖₂/‖r‖₂ = √(Σ(p_i−r_i)²)/√(Σr_i²); ‖r‖ is the same for every
 * candidate, so candidates rank by sumsq = Σ(p_i−r_i)² over positions where
 * both are finite, after the count of positions where exactly one side is
 * non-finite (a candidate that misplaces NaNs is worse whatever its sum). */
typedef struct score {
    uint64_t nonfinite_mismatch;
    double sumsq;
} score;

typedef struct sampler {
    uint64_t count; /* elements of the tensors                            */
    uint64_t n;     /* samples per candidate                              */
    double *rv;     /* [n] reference values at the sampled flat indices   */
} sampler;

/* Flat index of sample i of n evenly spaced over count elements:
 * floor(i·count/n), computed without overflow as
 * i·(count/n) + floor(i·(count mod n)/n); i·(count mod n) < n² <= 2^32. */
static uint64_t sample_index(uint64_t i, uint64_t n, uint64_t count) {
    if (count <= n) return i;
    return i * (count / n) + i * (count % n) / n;
}

static score score_view(const sampler *s, const parity_tensor *v) {
    score sc = {0, 0.0};
    for (uint64_t i = 0; i < s->n; i++) {
        double p, r = s->rv[i];
        parity_tensor_read(v, sample_index(i, s->n, s->count), 1, &p);
        int fr = isfinite(r), fp = isfinite(p);
        if (fr != fp) sc.nonfinite_mismatch++;
        if (fr && fp) sc.sumsq += (p - r) * (p - r);
    }
    return sc;
}

/* 1 when a is better than b by more than a tie. */
static int score_better(score a, score b) {
    if (a.nonfinite_mismatch != b.nonfinite_mismatch)
        return a.nonfinite_mismatch < b.nonfinite_mismatch;
    return a.sumsq < b.sumsq - TIE_REL * b.sumsq;
}

/* ---- the permutation search -------------------------------------------- */

typedef struct search {
    const parity_tensor *ref, *port;
    const axes *ra, *pa;
    int q[PARITY_MAX_DIMS];    /* candidate being built                    */
    int used[PARITY_MAX_DIMS]; /* port non-unit axis already taken         */
    long found;                /* candidates visited so far                */
    const sampler *s;          /* NULL: only count                         */
    int best_q[PARITY_MAX_DIMS];
    score best;
} search;

static void visit(search *s) {
    if (s->found == 0 || s->s) {
        score sc = {0, 0.0};
        parity_tensor v;
        if (s->s) {
            permuted_view(s->ref, s->port, s->ra, s->pa, s->q, &v);
            sc = score_view(s->s, &v);
        }
        if (s->found == 0 || score_better(sc, s->best)) {
            s->best = sc;
            memcpy(s->best_q, s->q, sizeof s->q);
        }
    }
    s->found++;
}

/* Assign port axes to reference non-unit axes j, j+1, ... (lexicographic,
 * so the identity comes first when it fits). */
static void search_from(search *s, int j) {
    if (s->found >= CAND_MAX) return;
    if (j == s->ra->n) {
        visit(s);
        return;
    }
    for (int i = 0; i < s->pa->n; i++) {
        if (s->used[i] || s->pa->size[i] != s->ra->size[j]) continue;
        s->used[i] = 1;
        s->q[j] = i;
        search_from(s, j + 1);
        s->used[i] = 0;
    }
}

/* Run the search; with several candidates, score each on a sample of
 * SAMPLE_MAX evenly spaced elements at most, fewer when there are many
 * candidates (SAMPLE_BUDGET in all, never fewer than SAMPLE_MIN each). */
static parity_status best_permutation(search *s, parity_error *err) {
    search_from(s, 0);
    long n_cand = s->found;
    if (n_cand <= 1) return PARITY_OK;
    uint64_t n = SAMPLE_BUDGET / (uint64_t)n_cand;
    if (n > SAMPLE_MAX) n = SAMPLE_MAX;
    if (n < SAMPLE_MIN) n = SAMPLE_MIN;
    if (n > s->ref->count) n = s->ref->count;
    sampler smp = {s->ref->count, n, NULL};
    smp.rv = malloc((n ? n : 1) * sizeof *smp.rv);
    FAIL_IF(!smp.rv, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "tensor '%s': out of memory", s->ref->name);
    for (uint64_t i = 0; i < n; i++)
        parity_tensor_read(s->ref, sample_index(i, n, smp.count), 1,
                           &smp.rv[i]);
    s->found = 0;
    s->s = &smp;
    search_from(s, 0);
    free(smp.rv);
    return PARITY_OK;
}

/* ---- layout text ------------------------------------------------------- */

/* Append "(a,b,c)" for n axis numbers. */
static size_t put_axes(char *buf, size_t cap, size_t len, const int *p, int n) {
    for (int k = 0; k < n && len < cap; k++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%d", k ? "," : "(",
                                p[k]);
    if (len < cap) len += (size_t)snprintf(buf + len, cap - len, "%s",
                                           n ? ")" : "()");
    return len;
}

/* Describe candidate q (see the top of the file). */
static void describe(const parity_tensor *ref, const parity_tensor *port,
                     const axes *ra, const axes *pa, const int *q,
                     char *buf, size_t cap) {
    int identity = 1;
    for (int j = 0; j < ra->n; j++) identity &= q[j] == j;
    if (ref->ndim != port->ndim && identity) {
        snprintf(buf, cap, "%s", port->ndim > ref->ndim ? "squeeze"
                                                        : "unsqueeze");
        return;
    }
    int p[PARITY_MAX_DIMS];
    if (ref->ndim == port->ndim) { /* a full permutation of the port axes */
        int next_unit = 0, j = 0;
        for (int k = 0; k < ref->ndim; k++) {
            if (ref->shape[k] != 1) { p[k] = pa->axis[q[j++]]; continue; }
            while (port->shape[next_unit] != 1) next_unit++;
            p[k] = next_unit++;
        }
        snprintf(buf, cap, "permute");
        put_axes(buf, cap, strlen(buf), p, ref->ndim);
        return;
    }
    snprintf(buf, cap, "%spermute", port->ndim > pa->n ? "squeeze, " : "");
    size_t len = put_axes(buf, cap, strlen(buf), q, ra->n);
    if (ref->ndim > ra->n && len < cap) snprintf(buf + len, cap - len, ", unsqueeze");
}

/* "[1,80,200]" */
static size_t put_shape(char *buf, size_t cap, size_t len,
                        const parity_tensor *t) {
    for (int k = 0; k < t->ndim && len < cap; k++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%lld", k ? "," : "[",
                                (long long)t->shape[k]);
    if (len < cap) len += (size_t)snprintf(buf + len, cap - len, "%s",
                                           t->ndim ? "]" : "[]");
    return len;
}

/* ---- reshape ----------------------------------------------------------- */

static void reshape_view(const parity_tensor *ref, const parity_tensor *port,
                         parity_tensor *v, char *layout, size_t cap) {
    *v = *port;
    v->ndim = ref->ndim;
    memcpy(v->shape, ref->shape, sizeof v->shape);
    parity__strides_c(v);
    if (cap == 0) return;
    size_t len = (size_t)snprintf(layout, cap, "reshape ");
    if (len < cap) len = put_shape(layout, cap, len, port);
    if (len < cap) len += (size_t)snprintf(layout + len, cap - len, " -> ");
    if (len < cap) put_shape(layout, cap, len, ref);
}

/* ---- entry point ------------------------------------------------------- */

static parity_status irreconcilable(const parity_tensor *ref,
                                    const parity_tensor *port,
                                    parity_error *err) {
    char a[PARITY_MAX_DIMS * 22 + 4], b[PARITY_MAX_DIMS * 22 + 4];
    return parity__fail(err, PARITY_E_SHAPE, PARITY_NO_OFFSET,
                        "tensor '%s': shapes %s and %s cannot be reconciled "
                        "(no squeeze, permutation or reshape)",
                        ref->name ? ref->name : "?",
                        parity_shape_str(ref, a, sizeof a),
                        parity_shape_str(port, b, sizeof b));
}

parity_status parity_layout_align(const parity_tensor *ref,
                                  const parity_tensor *port,
                                  parity_tensor *ref_view,
                                  parity_tensor *port_view,
                                  char *layout, size_t layout_cap,
                                  parity_error *err) {
    *ref_view = *ref;
    *port_view = *port;
    if (layout_cap) layout[0] = '\0';
    if (same_shape(ref, port)) return PARITY_OK;
    if (ref->count != port->count) return irreconcilable(ref, port, err);
    axes ra, pa;
    nonunit_axes(ref, &ra);
    nonunit_axes(port, &pa);
    if (same_multiset(&ra, &pa)) {
        search s;
        memset(&s, 0, sizeof s);
        s.ref = ref;
        s.port = port;
        s.ra = &ra;
        s.pa = &pa;
        TRY(best_permutation(&s, err));
        permuted_view(ref, port, &ra, &pa, s.best_q, port_view);
        if (layout_cap) describe(ref, port, &ra, &pa, s.best_q, layout, layout_cap);
        return PARITY_OK;
    }
    if (!parity__tensor_c_contiguous(port)) return irreconcilable(ref, port, err);
    reshape_view(ref, port, port_view, layout, layout_cap);
    return PARITY_OK;
}
