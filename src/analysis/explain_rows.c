/*
 * explain_rows.c — the rows along an axis reordered (weights: RoPE
 * interleaved against half-split, heads or channels permuted in a
 * converter). Row i is the slice at index i of the axis.
 *
 * Each p row is matched to its nearest r row over m columns, the values
 * of m whole lines along the axis (all lines, or as many as keep the
 * search at L²·m ≤ EX_ROW_WORK multiply-adds; axes with L > 3500 are not
 * searched):
 *   dist²(p_i, r_j) = Σ_c (p_i[c] − r_j[c])²   (stopped once above the best)
 * The match must be a bijection that moves some row; the permutation is
 * then measured over every element (explain_layout.c) and kept in full.
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EX_ROW_WORK 5e7

/* perm[i] = the r row nearest p row i over m columns of the lines; 1 when
 * that is a bijection. */
static int nearest_rows(const ex_lines *l, uint64_t m, int64_t *perm) {
    int64_t L = l->len;
    char *seen = calloc((size_t)L, 1);
    if (!seen) return 0;
    int ok = 1;
    for (int64_t i = 0; i < L && ok; i++) {
        double best = INFINITY;
        /* the identity first, then the row after the last match: a good
         * first bound stops most distances after a few columns */
        int64_t guess[2] = {i, i > 0 ? (perm[i - 1] + 1) % L : 0};
        perm[i] = i; /* kept when every distance overflows */
        for (int64_t g = -2; g < L; g++) {
            int64_t j = g < 0 ? guess[g + 2] : g;
            double d2 = 0;
            for (uint64_t c = 0; c < m && d2 < best; c++) {
                double e = l->p[c * (uint64_t)L + (uint64_t)i] - l->r[c * (uint64_t)L + (uint64_t)j];
                d2 += e * e;
            }
            if (d2 < best) best = d2, perm[i] = j;
        }
        ok = !seen[perm[i]];
        seen[perm[i]] = 1;
    }
    free(seen);
    return ok;
}

/* perm[i] == (i − s) mod L for one s: a roll (0 when not). */
static int64_t roll_of(const int64_t *perm, int64_t L) {
    int64_t s = ((0 - perm[0]) % L + L) % L;
    for (int64_t i = 0; i < L; i++)
        if (perm[i] != ((i - s) % L + L) % L) return 0;
    return 2 * s > L ? s - L : s;
}

/* "interleaved -> half-split" and friends, else the first moved rows. */
static void describe_rows(const int64_t *perm, int64_t L, int a, char *buf, size_t cap) {
    int inter = L % 2 == 0, half = L % 2 == 0, pairs = L % 2 == 0;
    for (int64_t i = 0; i < L && (inter || half || pairs); i++) {
        int64_t h = L / 2;
        inter &= perm[i] == (i < h ? 2 * i : 2 * (i - h) + 1);
        half &= perm[i] == (i % 2 == 0 ? i / 2 : h + i / 2);
        pairs &= perm[i] == (i ^ 1);
    }
    int64_t roll = roll_of(perm, L);
    int at = snprintf(buf, cap, "row permutation along axis %d: ", a);
    if (inter) snprintf(buf + at, cap - (size_t)at, "p takes r's even rows then its odd rows (interleaved -> half-split, as RoPE GPT-J vs NeoX)");
    else if (half) snprintf(buf + at, cap - (size_t)at, "p interleaves r's two halves (half-split -> interleaved, as RoPE NeoX vs GPT-J)");
    else if (pairs) snprintf(buf + at, cap - (size_t)at, "adjacent rows swapped in pairs");
    else if (roll) snprintf(buf + at, cap - (size_t)at, "rows rolled by %+lld (p row i = r row i %s %lld)",
                            (long long)roll, roll > 0 ? "-" : "+", (long long)(roll > 0 ? roll : -roll));
    else {
        at += snprintf(buf + at, cap - (size_t)at, "p row i = r row");
        for (int64_t i = 0; i < L && i < 8 && (size_t)at + 24 < cap; i++)
            at += snprintf(buf + at, cap - (size_t)at, " %lld", (long long)perm[i]);
        if (L > 8) snprintf(buf + at, cap - (size_t)at, " ...");
    }
}

parity_status parity__ex_row_candidates(ex_ctx *x, const ex_samp *s, const ex_lines *l,
                                parity_error *err) {
    int64_t L = l->len;
    if (L < 2 || L != x->r->shape[l->axis] || l->nl < 2) return PARITY_OK;
    double cols = EX_ROW_WORK / ((double)L * (double)L);
    uint64_t m = cols < (double)l->nl ? (uint64_t)cols : l->nl;
    if (m < (l->nl < 8 ? l->nl : 8)) return PARITY_OK;
    int64_t *perm = malloc((size_t)L * sizeof *perm);
    FAIL_IF(!perm, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory");
    int64_t moved = 0;
    int ok = nearest_rows(l, m, perm);
    for (int64_t i = 0; ok && i < L; i++) moved += perm[i] != i;
    if (!ok || !moved) {
        free(perm);
        return PARITY_OK;
    }
    ex_layout lay;
    parity__ex_layout_init(x, &lay, L_ROWS);
    lay.ai = l->axis, lay.rows = perm;
    ex_cand c = {0};
    c.h.kind = PARITY_HYP_ROW_PERMUTATION;
    c.h.params[0] = l->axis, c.h.params[1] = (double)moved;
    c.perm = perm, c.len = L;
    describe_rows(perm, L, l->axis, c.h.text, sizeof c.h.text);
    return parity__ex_layout_offer(x, s, &lay, &c, err);
}
