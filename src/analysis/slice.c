/*
 * slice.c — part k of n of a parity diff (docs/scale-out.md): which pairs,
 * and which elements of a large float pair, each part compares, and the
 * digest of the pairing every part of one run shares.
 *
 * The work is the pairs in order, pair i weighing w_i = its elements (a
 * float pair: the compared view's; any other: the larger side's) plus
 * PARITY_SLICE_PAIR_COST, the cost of a pair however small. Pair i spans
 * [s_i, s_i + w_i) of [0, W); part k owns [B_k, B_k+1) with
 * B_k = floor(k·W/n). A pair is whole in the part that owns s_i, except
 * a float pair of more than PARITY_SLICE_MIN elements: the boundaries
 * B_k falling inside it cut it at element f(B_k) = B_k - s_i rounded down
 * to a multiple of PARITY_SLICE_ALIGN (0 before the pair, all of it past
 * its elements), and part k compares [f(B_k), f(B_k+1)) when not empty.
 * f is monotone, so the parts of a pair tile it, and every chunk lies in
 * one part: the sums of the parts merge to the single run's bits. Pairs
 * at most PARITY_SLICE_MIN elements stay whole so what needs the whole
 * tensor (the same values in another order, ids, overlaps) is found in
 * one part.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* The elements compared of pair p, and whether it may be cut. */
static uint64_t pair_elems(const parity_pair *p, int *splits) {
    uint64_t n = p->ref->count > p->port->count ? p->ref->count : p->port->count;
    *splits = 0;
    if (p->kind == PARITY_PAIR_FLOAT) {
        n = p->ref_view.count;
        *splits = n > PARITY_SLICE_MIN;
    }
    return n;
}

/* B_j = floor(j·W/n) without a 128-bit product: (W % n)·j < n·j < 2^64. */
static uint64_t boundary(uint64_t w, uint32_t n, uint32_t j) {
    return (w / n) * j + (w % n) * j / n;
}

/* f(B) for a pair of count elements starting at s. */
static uint64_t cut(uint64_t b, uint64_t s, uint64_t count) {
    if (b <= s) return 0;
    if (b - s >= count) return count;
    return (b - s) / PARITY_SLICE_ALIGN * PARITY_SLICE_ALIGN;
}

/* ---- the digest: FNV-1a over what parts of one run must agree on -------- */

static void fnv(uint64_t *h, const void *p, size_t n) {
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) *h = (*h ^ c[i]) * 0x100000001b3ull;
}

static void fnv_str(uint64_t *h, const char *s) {
    fnv(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static void fnv_u64(uint64_t *h, uint64_t x) {
    fnv(h, &x, sizeof x);
}

static void fnv_tensor(uint64_t *h, const parity_tensor *t) {
    fnv_str(h, t->name);
    fnv_u64(h, (uint64_t)t->dtype);
    fnv_u64(h, (uint64_t)t->ndim);
    for (int k = 0; k < t->ndim; k++) fnv_u64(h, (uint64_t)t->shape[k]);
}

static uint64_t digest_of(const parity_match *m) {
    uint64_t h = 0xcbf29ce484222325ull;
    size_t n = parity_match_count(m);
    fnv_u64(&h, n);
    for (size_t i = 0; i < n; i++) {
        const parity_pair *p = parity_match_pair(m, i);
        fnv_u64(&h, ((uint64_t)p->kind << 8) | ((uint64_t)p->how << 1) | (p->layout_ok != 0));
        fnv_str(&h, p->layout);
        fnv_tensor(&h, p->ref);
        fnv_tensor(&h, p->port);
        fnv_tensor(&h, &p->ref_view);
    }
    for (int side = 0; side < 2; side++) {
        fnv_u64(&h, parity_match_unpaired_count(m, side));
        for (size_t i = 0; i < parity_match_unpaired_count(m, side); i++)
            fnv_str(&h, parity_match_unpaired(m, side, i)->name);
        fnv_u64(&h, parity_match_copies_count(m, side));
        for (size_t i = 0; i < parity_match_copies_count(m, side); i++) {
            fnv_str(&h, parity_match_copy(m, side, i)->t->name);
            fnv_str(&h, parity_match_copy(m, side, i)->of->name);
        }
    }
    parity_coverage c;
    parity_match_coverage(m, &c);
    fnv_u64(&h, c.filtered[0]);
    fnv_u64(&h, c.filtered[1]);
    return h;
}

/* ---- the plan ------------------------------------------------------------ */

void parity_slice_free(parity_slice *s) {
    if (!s) return;
    free(s->items);
    free(s);
}

static void add_item(parity_slice *s, size_t pair, int whole, uint64_t first, uint64_t end) {
    s->items[s->n_items++] = (parity_part_pair){pair, whole, first, end};
}

parity_status parity_slice_plan(const parity_match *m, uint32_t k, uint32_t n,
                                parity_slice **out, parity_error *err) {
    *out = NULL;
    FAIL_IF(!m || n == 0 || k >= n, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "slice %u/%u: the part must be 0 to %u", k, n, n ? n - 1 : 0);
    size_t np = parity_match_count(m);
    parity_slice *s = calloc(1, sizeof *s);
    if (s) s->items = malloc((np ? np : 1) * sizeof *s->items);
    if (!s || !s->items) {
        parity_slice_free(s);
        FAIL_IF(1, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "slice %u/%u: out of memory", k, n);
    }
    s->k = k, s->n = n, s->pairs = np;
    int splits;
    for (size_t i = 0; i < np; i++)
        s->weight += pair_elems(parity_match_pair(m, i), &splits) + PARITY_SLICE_PAIR_COST;
    uint64_t lo = boundary(s->weight, n, k), hi = boundary(s->weight, n, k + 1), at = 0;
    for (size_t i = 0; i < np; i++) {
        uint64_t count = pair_elems(parity_match_pair(m, i), &splits);
        if (!splits && at >= lo && at < hi) add_item(s, i, 1, 0, count);
        if (splits) {
            uint64_t first = cut(lo, at, count), end = cut(hi, at, count);
            if (first < end) add_item(s, i, 0, first, end);
        }
        at += count + PARITY_SLICE_PAIR_COST;
    }
    s->digest = digest_of(m);
    *out = s;
    return PARITY_OK;
}

/* ---- comparing a part ---------------------------------------------------- */

parity_status parity_compare_part(const parity_match *m, const parity_part_pair *items,
                                  size_t n, const parity_diff_opts *o,
                                  parity_comparison *out, parity_status *st,
                                  parity_error *errs, parity_error *err) {
    FAIL_IF(!m || (n > 0 && !items), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "parity_compare_part: the pairing and the items are required");
    const parity_pair **pairs = malloc((n ? n : 1) * sizeof *pairs);
    FAIL_IF(!pairs, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "parity_compare_part: out of memory");
    for (size_t i = 0; i < n; i++) {
        pairs[i] = parity_match_pair(m, items[i].pair);
        if (pairs[i]) continue;
        free(pairs);
        return parity__fail(err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                            "parity_compare_part: pair %zu of %zu does not exist",
                            items[i].pair, parity_match_count(m));
    }
    parity_status s = parity__compare_window(pairs, items, n, o, out, st, errs, err);
    free(pairs);
    return s;
}
