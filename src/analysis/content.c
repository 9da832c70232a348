/*
 * content.c — what a tensor holds, summarized so two traces whose names
 * differ can be paired by content (match_content.c, docs/matching.md).
 *
 * A signature is layout-free: the element count, the lengths of the axes
 * longer than 1 sorted (a permutation or a squeeze keeps them), and the
 * quantiles of a bounded sample of the values (any order of the elements
 * keeps them). Two signatures are compared in constant time, so an
 * alignment can score every candidate pair of thousands of stages. A pair
 * the alignment proposes is then confirmed where the layouts are known:
 * the correlation of the two tensors, aligned by parity_layout_align, on a
 * bounded sample of positions.
 *
 * A candidate pair scores by its shapes (the same axis lengths in any
 * order and squeeze: 1; the same element count, a reshape: 0.5; anything
 * else cannot pair) plus the similarity of the value distributions (1 for
 * the same quantiles, falling by 2 per unit of distance, at least -1).
 */
#include "content.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Values read per tensor: SAMPLE_BLOCKS runs of SAMPLE_RUN consecutive
 * elements spread evenly (a small tensor is read whole). */
#define SAMPLE_BLOCKS 64
#define SAMPLE_RUN 64
#define SAMPLE_MAX (SAMPLE_BLOCKS * SAMPLE_RUN)
/* A signature's quantiles come from fewer values: 17 quantiles of 1,024
 * are within a sixtieth of the distribution of each other, and sorting
 * is most of a signature's cost. */
#define SIG_SAMPLE 1024

/* Sort finite doubles ascending: a quicksort with the comparison inline
 * (qsort's callback was most of the cost of a signature). */
static void sort_doubles(double *v, size_t n) {
    while (n > 16) {
        double a = v[0], b = v[n / 2], c = v[n - 1]; /* median of three */
        double p = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        size_t i = 0, j = n - 1;
        for (;;) {
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i >= j) break;
            double t = v[i];
            v[i++] = v[j], v[j--] = t;
        }
        /* recurse into the smaller part, loop on the larger */
        if (j + 1 < n - j - 1) sort_doubles(v, j + 1), v += j + 1, n -= j + 1;
        else sort_doubles(v + j + 1, n - j - 1), n = j + 1;
    }
    for (size_t i = 1; i < n; i++) {
        double x = v[i];
        size_t k = i;
        for (; k > 0 && v[k - 1] > x; k--) v[k] = v[k - 1];
        v[k] = x;
    }
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Up to max values of t (a multiple of SAMPLE_RUN, at most SAMPLE_MAX) in
 * flat C order, at the same positions for every tensor of t's count, into
 * out; returns how many. */
static size_t read_sample(const parity_tensor *t, double *out, size_t max) {
    if (t->count == 0 || !t->data) return 0;
    if (t->count <= max) {
        parity_tensor_read(t, 0, (size_t)t->count, out);
        return (size_t)t->count;
    }
    size_t blocks = max / SAMPLE_RUN;
    uint64_t stride = (t->count - SAMPLE_RUN) / (blocks - 1);
    for (size_t b = 0; b < blocks; b++)
        parity_tensor_read(t, (uint64_t)b * stride, SAMPLE_RUN, out + b * SAMPLE_RUN);
    return max;
}

void parity__content_sig(const parity_tensor *t, parity__sig *s) {
    memset(s, 0, sizeof *s);
    s->count = t->count;
    for (int k = 0; k < t->ndim; k++)
        if (t->shape[k] != 1) s->dims[s->nd++] = t->shape[k];
    qsort(s->dims, (size_t)s->nd, sizeof s->dims[0], cmp_i64);
    double *v = malloc(SAMPLE_MAX * sizeof *v);
    if (!v) return; /* no values: the signature still says the shape */
    size_t n = read_sample(t, v, SIG_SAMPLE), f = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) v[f++] = v[i];
    if (f > 0) {
        sort_doubles(v, f);
        for (int q = 0; q < PARITY__SIG_Q; q++)
            s->q[q] = v[(size_t)((double)q / (PARITY__SIG_Q - 1) * (double)(f - 1) + 0.5)];
        s->has_values = 1;
        /* the spread of the middle three quarters: robust to outliers */
        double spread = s->q[PARITY__SIG_Q - 3] - s->q[2]; /* 12.5% .. 87.5% */
        double span = s->q[PARITY__SIG_Q - 1] - s->q[0];
        s->scale = spread > 0 ? spread : span > 0 ? span : fabs(s->q[0]) > 0 ? fabs(s->q[0]) : 1;
    }
    free(v);
}

int parity__content_same_dims(const parity__sig *a, const parity__sig *b) {
    if (a->nd != b->nd || a->count != b->count) return 0;
    for (int k = 0; k < a->nd; k++)
        if (a->dims[k] != b->dims[k]) return 0;
    return 1;
}

double parity__content_distance(const parity__sig *a, const parity__sig *b) {
    if (!a->has_values || !b->has_values) return a->has_values == b->has_values ? 0.5 : 1.0;
    double sum = 0, scale = a->scale > b->scale ? a->scale : b->scale;
    for (int q = 0; q < PARITY__SIG_Q; q++) sum += fabs(a->q[q] - b->q[q]);
    return sum / PARITY__SIG_Q / scale;
}

double parity__content_correlation(const parity_tensor *ref, const parity_tensor *port,
                                   size_t max_sample, int *aligned) {
    parity_tensor rv, pv;
    char layout[96];
    parity_error err = {0};
    *aligned = parity_layout_align(ref, port, &rv, &pv, layout, sizeof layout, &err) ==
               PARITY_OK;
    if (!*aligned) return 0;
    size_t max = max_sample / SAMPLE_RUN * SAMPLE_RUN;
    if (max < 2 * SAMPLE_RUN) max = 2 * SAMPLE_RUN;
    if (max > SAMPLE_MAX) max = SAMPLE_MAX;
    double *a = malloc(2 * max * sizeof *a);
    if (!a) return 0;
    double *b = a + max;
    size_t n = read_sample(&rv, a, max);
    if (read_sample(&pv, b, max) != n) n = 0;
    /* two passes: the means, then the centred sums (no cancellation) */
    double ma = 0, mb = 0;
    size_t f = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(a[i]) && isfinite(b[i])) ma += a[i], mb += b[i], f++;
    double sab = 0, saa = 0, sbb = 0;
    int equal = f > 0;
    if (f) ma /= (double)f, mb /= (double)f;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(a[i]) || !isfinite(b[i])) continue;
        double x = a[i] - ma, y = b[i] - mb;
        sab += x * y, saa += x * x, sbb += y * y;
        equal &= a[i] == b[i];
    }
    free(a);
    if (equal) return 1; /* also two equal constants */
    if (saa <= 0 || sbb <= 0) return 0;
    return sab / sqrt(saa * sbb);
}

double parity__content_score(const parity__aligner *a, size_t i, size_t j) {
    const parity__sig *r = &a->sig[0][i], *p = &a->sig[1][j];
    double shape;
    if (parity__content_same_dims(r, p)) shape = 1.0;
    else if (r->count == p->count && r->count > 0) shape = 0.5;
    else return 0;
    double sim = 1 - 2 * parity__content_distance(r, p);
    return shape + (sim < -1 ? -1 : sim);
}
