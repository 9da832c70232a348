/*
 * steps_content.c — step pairs the names cannot make: a C port decoding
 * one token at a time under its own names (blk.0.attn_q, blk.0.attn_q#1,
 * ...) against PyTorch's whole-sequence layers.0.attention.wq [1, T, D].
 * Pairing by content (match_content.c) compares whole tensors, and no
 * member of such a series is the whole of anything; so each series is
 * tried here against every free tensor of the other side it can stack in
 * (steps.c: the same axis, parts and growing prefixes as step pairs by
 * name) and scored by the correlation of each position with its part,
 * less a little for values whose distributions differ.
 *
 * Pairs are then taken best first, each series and each stacked tensor
 * once: the wrong candidates of a series (wq for wk: same shape, other
 * values) correlate near 0, its own near 1, and a stage with a bug still
 * correlates with what it should hold more than with anything else. A tie
 * (equal scores) goes to the candidate whose place in its trace is
 * nearest the series' place in its own.
 */
#include "content.h"
#include "steps.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Positions scored per series: all up to this many, else this many spread
 * from the first to the last, so long series cost no more than short. */
#define SCORED_POSITIONS 8
/* Elements sampled per position (parity__content_correlation). */
#define SAMPLE_PER_POSITION 1024

/* A series of the series side: its members' indices in order. */
typedef struct series {
    const step_member *first; /* members first[0 .. n) */
    int64_t n;
} series;

/* A candidate pair: series s stacked in tensor c of the other side. */
typedef struct candidate {
    size_t s;
    size_t c;
    int axis;
    double score, place; /* series_score; distance of the places in order */
} candidate;

static int cmp_candidate(const void *a, const void *b) {
    const candidate *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    if (x->place != y->place) return x->place < y->place ? -1 : 1;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    return (x->c > y->c) - (x->c < y->c);
}

/* A position's correlation loses this much times the distance of the two
 * value distributions (content.c, capped at 1): one row of a LayerNorm's
 * input and of its output correlate exactly, their values do not agree. */
#define DISTANCE_WEIGHT 0.05

/* Mean score of the series' scored positions against their parts of
 * stacked along axis: the correlation, less the distributions' distance
 * (DISTANCE_WEIGHT); 0 when a position does not align. (Both are
 * symmetric: which side is the reference does not matter here.) */
static double series_score(const parity_tensor *stacked, int axis,
                           const parity_tensor *const *mem, int64_t n) {
    int64_t count = n < SCORED_POSITIONS ? n : SCORED_POSITIONS;
    parity_tensor part[SCORED_POSITIONS];
    int64_t at[SCORED_POSITIONS];
    double corr = 0, dist = 0;
    for (int64_t i = 0; i < count; i++) {
        int ok, aligned = 0;
        at[i] = count == n ? i : i * (n - 1) / (count - 1);
        part[i] = parity__step_part(stacked, axis, at[i], mem[at[i]], &ok);
        if (!ok) return 0;
        double c = parity__content_correlation(&part[i], mem[at[i]], SAMPLE_PER_POSITION,
                                               &aligned);
        if (!aligned || !isfinite(c)) return 0;
        corr += c;
    }
    /* the distance only lowers the score: a candidate the correlations
     * already rule out (most of them) costs no signature */
    if (corr / (double)count < PARITY__STEPS_CORRELATION) return corr / (double)count;
    for (int64_t i = 0; i < count; i++) {
        parity__sig a, b;
        parity__content_sig(&part[i], &a);
        parity__content_sig(mem[at[i]], &b);
        double d = parity__content_distance(&a, &b);
        dist += isfinite(d) && d < 1 ? d : 1;
    }
    return (corr - DISTANCE_WEIGHT * dist) / (double)count;
}

/* The complete, free series among the members m[0..n) (sorted by base
 * then k): a base with every k from 0, at least two, all free. */
static size_t free_series_of(const step_member *m, size_t n, const unsigned char *free_series,
                             series *out) {
    size_t k = 0;
    for (size_t i = 0, end; i < n; i = end) {
        size_t j = i;
        while (j < n && strcmp(m[j].base, m[i].base) == 0 && m[j].k == (int64_t)(j - i) &&
               free_series[m[j].index])
            j++;
        for (end = i; end < n && strcmp(m[end].base, m[i].base) == 0;) end++;
        if (j == end && j - i >= 2) out[k++] = (series){m + i, (int64_t)(j - i)};
    }
    return k;
}

/* Every candidate pair that stacks and correlates enough, into *out. */
static parity_status candidates_of(const parity_set *series_set, const series *sr, size_t n_sr,
                                   const parity_set *other, const unsigned char *free_other,
                                   candidate **out, size_t *n_out, parity_error *err) {
    size_t n_other = parity_set_count(other), n_series_set = parity_set_count(series_set);
    size_t cap = 0, n = 0, longest = 2;
    for (size_t s = 0; s < n_sr; s++)
        if ((size_t)sr[s].n > longest) longest = (size_t)sr[s].n;
    const parity_tensor **mem = malloc(longest * sizeof *mem);
    candidate *c = NULL;
    FAIL_IF(!mem, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            parity_set_path(series_set));
    for (size_t s = 0; s < n_sr; s++) {
        for (int64_t k = 0; k < sr[s].n; k++)
            mem[k] = parity_set_tensor(series_set, sr[s].first[k].index);
        for (size_t o = 0; o < n_other; o++) {
            if (!free_other[o]) continue;
            const parity_tensor *stacked = parity_set_tensor(other, o);
            int axis = parity__step_axis(stacked, mem, sr[s].n);
            if (axis < 0) continue;
            double score = series_score(stacked, axis, mem, sr[s].n);
            if (score < PARITY__STEPS_CORRELATION) continue;
            if (n == cap) {
                size_t nc = cap ? 2 * cap : 64;
                candidate *p = realloc(c, nc * sizeof *p);
                if (!p) {
                    free(c), free(mem);
                    FAIL_IF(1, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
                            parity_set_path(other));
                }
                c = p, cap = nc;
            }
            double here = (double)sr[s].first[0].index / (double)n_series_set;
            double there = (double)o / (double)n_other;
            c[n++] = (candidate){s, o, axis, score, fabs(here - there)};
        }
    }
    free(mem);
    *out = c, *n_out = n;
    return PARITY_OK;
}

parity_status parity__find_steps_by_content(const parity_set *series_set,
                                            const unsigned char *free_series,
                                            const parity_set *other,
                                            const unsigned char *free_other,
                                            parity__step_fn found, void *ctx, parity_error *err) {
    size_t n = 0, n_cand = 0;
    step_member *m = parity__step_members(series_set, NULL, &n);
    series *sr = malloc((n ? n : 1) * sizeof *sr);
    unsigned char *used[2] = {calloc(n + 1, 1), calloc(parity_set_count(other) + 1, 1)};
    candidate *cand = NULL;
    parity_status st = m && sr && used[0] && used[1]
                           ? PARITY_OK
                           : parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                          "%s: out of memory", parity_set_path(series_set));
    size_t n_sr = st == PARITY_OK ? free_series_of(m, n, free_series, sr) : 0;
    if (st == PARITY_OK && n_sr)
        st = candidates_of(series_set, sr, n_sr, other, free_other, &cand, &n_cand, err);
    if (n_cand > 1) qsort(cand, n_cand, sizeof *cand, cmp_candidate);
    for (size_t i = 0; st == PARITY_OK && i < n_cand; i++) {
        const candidate *c = &cand[i];
        if (used[0][c->s] || used[1][c->c]) continue;
        used[0][c->s] = used[1][c->c] = 1;
        for (int64_t k = 0; st == PARITY_OK && k < sr[c->s].n; k++)
            st = found(ctx, c->c, sr[c->s].first[k].index, k, sr[c->s].n, c->axis, c->score);
    }
    free(cand);
    free(used[0]), free(used[1]);
    free(sr);
    parity__step_members_free(m, n);
    return st;
}
