/*
 * content_ordered.c — one segment of two ordered traces paired by content
 * (content.h, docs/matching.md), in three steps:
 *
 * 1. The rough alignment (content_rough.c) says roughly where each
 *    reference stage sits in the port.
 * 2. Around that place, WINDOW port stages each side, every pair with the
 *    same element count is measured: the correlation of the two tensors
 *    aligned by layout, on WINDOW_SAMPLE positions. The pairs the values
 *    confirm (correlation >= PARITY__VALUE_CONFIRMED) are chained: the
 *    order-preserving chain of greatest total weight, a pair weighing
 *    -ln(1 - correlation + 0.001), so that one exact pair outweighs two
 *    merely similar ones (a LayerNorm's output correlates with its input:
 *    the chain must prefer the stage that is equal). The chain is found as
 *    a heaviest increasing subsequence, in n log n.
 * 3. Between two chained pairs (or a chained pair and the segment's edge)
 *    the stages left unpaired on each side are a gap. A gap with as many
 *    stages on each side, pairwise of the same axis lengths, is paired one
 *    to one by its place (PARITY__STRUCT_CONFIDENCE): a stage whose values
 *    a bug has scrambled (a transposed weight) still pairs, so trace can
 *    blame it. It needs real evidence on at least one side (a chained pair
 *    or an anchor, not only a trace's start or end); other gaps become
 *    proposals that are not used. A gap of one stage against several
 *    pairs that stage with the last of the several when their axis lengths
 *    agree and a chained pair or an anchor follows: both tracers record a
 *    module's output after what it computed inside (the port's extra q, k
 *    and v come before its attention output).
 */
#include "content.h"

#include <math.h>
#include <stdlib.h>

#define WINDOW 8
#define WINDOW_SAMPLE 1024
#define FINAL_SAMPLE 4096

typedef struct cell {
    size_t i, j;  /* candidate indices                                    */
    double corr, w;
    long back;    /* the cell before it in the best chain ending here, -1 */
} cell;

/* Where each reference candidate of s is expected in the port: its rough
 * partner, else interpolated between the rough partners around it. */
static void centres(const parity__segment *s, const long *part, size_t *c) {
    size_t nr = s->r1 - s->r0;
    double ip = -1, jp = (double)s->p0 - 1; /* the last rough pair before */
    for (size_t i = 0; i < nr; i++) {
        if (part[i] >= 0) {
            c[i] = (size_t)part[i];
            ip = (double)i, jp = (double)part[i];
            continue;
        }
        size_t k = i + 1;
        while (k < nr && part[k] < 0) k++;
        double in = k < nr ? (double)k : (double)nr;
        double jn = k < nr ? (double)part[k] : (double)s->p1;
        double j = jp + ((double)i - ip) * (jn - jp) / (in - ip);
        c[i] = j < (double)s->p0 ? s->p0 : j >= (double)s->p1 ? s->p1 - 1 : (size_t)(j + 0.5);
    }
}

static double correlation(const parity__aligner *a, size_t i, size_t j, size_t sample,
                          int *aligned) {
    return parity__content_correlation(parity_set_tensor(a->set[0], (size_t)a->cand[0][i]),
                                       parity_set_tensor(a->set[1], (size_t)a->cand[1][j]),
                                       sample, aligned);
}

/* The confirmed cells around each centre, by row, columns descending. */
static size_t window_cells(const parity__aligner *a, const parity__segment *s, const size_t *c,
                           cell *out) {
    size_t n = 0;
    for (size_t i = s->r0; i < s->r1; i++) {
        size_t mid = c[i - s->r0];
        size_t lo = mid > s->p0 + WINDOW ? mid - WINDOW : s->p0;
        size_t hi = mid + WINDOW + 1 < s->p1 ? mid + WINDOW + 1 : s->p1;
        for (size_t j = hi; j-- > lo;) {
            const parity__sig *r = &a->sig[0][i], *p = &a->sig[1][j];
            if (r->count != p->count || r->count == 0) continue;
            int aligned;
            double corr = correlation(a, i, j, WINDOW_SAMPLE, &aligned);
            if (!aligned || corr < PARITY__VALUE_CONFIRMED) continue;
            out[n++] = (cell){i, j, corr, -log(1 - corr + 1e-3), -1};
        }
    }
    return n;
}

/* Fenwick tree over port columns: the heaviest chain ending in a column
 * up to k, and its last cell. */
typedef struct best {
    double w;
    long at;
} best;

static best prefix_best(const best *t, size_t k) {
    best b = {0, -1};
    for (; k > 0; k -= k & (~k + 1))
        if (t[k].w > b.w) b = t[k];
    return b;
}

static void lift(best *t, size_t n, size_t k, best v) {
    for (; k <= n; k += k & (~k + 1))
        if (v.w > t[k].w) t[k] = v;
}

/* The heaviest chain of cells increasing in both indices; returns its
 * length, its cells' indices in order into chain. */
static size_t heaviest_chain(cell *cells, size_t n, size_t p0, size_t np, long *chain) {
    best *t = calloc(np + 1, sizeof *t), top = {0, -1};
    if (!t) return 0; /* out of memory: no chain, every stage a gap */
    for (size_t k = 0; k < n; k++) { /* rows ascending, columns descending */
        size_t col = cells[k].j - p0 + 1;
        best b = prefix_best(t, col - 1);
        cells[k].back = b.at;
        best here = {b.w + cells[k].w, (long)k};
        lift(t, np, col, here);
        if (here.w > top.w) top = here;
    }
    free(t);
    size_t len = 0;
    for (long k = top.at; k >= 0; k = cells[k].back) len++;
    size_t at = len;
    for (long k = top.at; k >= 0; k = cells[k].back) chain[--at] = k;
    return len;
}

static void propose(parity__aligner *a, size_t i, size_t j, double corr, int aligned,
                    double confidence, int by_structure) {
    a->out[a->n_out++] = (parity__content_pair){
        .ref = a->cand[0][i], .port = a->cand[1][j], .ri = i, .pj = j,
        .confidence = confidence, .correlation = aligned ? corr : NAN,
        .distance = parity__content_distance(&a->sig[0][i], &a->sig[1][j]),
        .by_structure = by_structure};
}

/* The gap [i0, i1) x [j0, j1) between two chained pairs; real_before /
 * real_after: a chained pair or an anchor bounds it there. */
static void fill_gap(parity__aligner *a, size_t i0, size_t i1, size_t j0, size_t j1,
                     int real_before, int real_after) {
    if (i1 == i0 || j1 == j0) return;
    if (i1 - i0 != j1 - j0) { /* one stage against several: the last */
        if ((i1 - i0 == 1 || j1 - j0 == 1) && real_after &&
            parity__content_same_dims(&a->sig[0][i1 - 1], &a->sig[1][j1 - 1])) {
            int aligned;
            double corr = correlation(a, i1 - 1, j1 - 1, FINAL_SAMPLE, &aligned);
            if (aligned) propose(a, i1 - 1, j1 - 1, corr, 1, PARITY__STRUCT_CONFIDENCE, 1);
        }
        return;
    }
    int fits = real_before || real_after;
    for (size_t k = 0; fits && k < i1 - i0; k++)
        fits = parity__content_same_dims(&a->sig[0][i0 + k], &a->sig[1][j0 + k]);
    for (size_t k = 0; k < i1 - i0; k++) {
        int aligned = 0;
        double corr = a->sig[0][i0 + k].count == a->sig[1][j0 + k].count
                          ? correlation(a, i0 + k, j0 + k, FINAL_SAMPLE, &aligned)
                          : 0;
        if (fits && aligned) propose(a, i0 + k, j0 + k, corr, 1, PARITY__STRUCT_CONFIDENCE, 1);
        else if (aligned) propose(a, i0 + k, j0 + k, corr, 1, corr > 0 ? corr : 0, 0);
    }
}

parity_status parity__content_ordered(parity__aligner *a, const parity__segment *s,
                                      parity_error *err) {
    size_t nr = s->r1 - s->r0, np = s->p1 - s->p0;
    if (nr == 0 || np == 0) return PARITY_OK;
    long *part = malloc(nr * sizeof *part), *chain = malloc(nr * sizeof *chain);
    size_t *c = malloc(nr * sizeof *c);
    cell *cells = malloc(nr * (2 * WINDOW + 1) * sizeof *cells);
    parity_status st = part && chain && c && cells ? PARITY_OK : PARITY_E_NOMEM;
    if (st == PARITY_OK) st = parity__content_rough(a, s, part, err);
    if (st == PARITY_OK) {
        centres(s, part, c);
        size_t n = window_cells(a, s, c, cells);
        size_t len = heaviest_chain(cells, n, s->p0, np, chain);
        size_t i = s->r0, j = s->p0; /* the next unpaired candidates */
        for (size_t k = 0; k <= len; k++) {
            const cell *x = k < len ? &cells[chain[k]] : NULL;
            fill_gap(a, i, x ? x->i : s->r1, j, x ? x->j : s->p1, k > 0 || s->anchor_before,
                     x ? 1 : s->anchor_after);
            if (!x) break;
            int aligned;
            double corr = correlation(a, x->i, x->j, FINAL_SAMPLE, &aligned);
            propose(a, x->i, x->j, corr, aligned, aligned && corr > 0 ? corr : 0, 0);
            i = x->i + 1, j = x->j + 1;
        }
    }
    free(part), free(chain), free(c), free(cells);
    FAIL_IF(st == PARITY_E_NOMEM, err, st, PARITY_NO_OFFSET,
            "%s: out of memory aligning stages by content", parity_set_path(a->set[1]));
    return st;
}
