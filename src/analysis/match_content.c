/*
 * match_content.c — pairing by content (docs/matching.md): the stages that
 * names left unpaired, paired by what they hold (content.h lists the
 * files and what each does).
 *
 * Both traces ran the same model in order, so when both sides recorded
 * their execution order the pairing preserves it: the name pairs already
 * made are anchors (the longest chain of them in order on both sides), and
 * the unpaired stages between two anchors form a segment, aligned on its
 * own (content_ordered.c). When a side has no recorded order, stages pair
 * by correlation alone (content_unordered.c).
 */
#include "content.h"

#include <stdlib.h>
#include <string.h>

/* The longest chain of anchors in order on both sides (anchors are in ref
 * order; the chain increases in port index), into keep[]; its length. */
static size_t anchor_chain(const long *ap, size_t n, size_t *keep) {
    size_t *tail = malloc((n + 1) * sizeof *tail), *back = malloc((n + 1) * sizeof *back);
    size_t len = 0;
    if (!tail || !back) { /* no chain: one segment, still correct */
        free(tail), free(back);
        return 0;
    }
    for (size_t k = 0; k < n; k++) {
        size_t lo = 0, hi = len;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (ap[tail[mid]] < ap[k]) lo = mid + 1;
            else hi = mid;
        }
        back[k] = lo ? tail[lo - 1] : (size_t)-1;
        tail[lo] = k;
        if (lo == len) len++;
    }
    for (size_t k = len, at = len ? tail[len - 1] : 0; k > 0; k--, at = back[at]) keep[k - 1] = at;
    free(tail), free(back);
    return len;
}

/* The first candidate in cand[0..n) whose set index exceeds x. */
static size_t first_after(const long *cand, size_t n, long x) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cand[mid] <= x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The segments between the anchors of the chain, into segs; how many. */
static size_t segments(const parity__aligner *a, const long *anchor_ref,
                       const long *anchor_port, const size_t *keep, size_t len,
                       parity__segment *segs) {
    size_t r = 0, p = 0, n = 0;
    for (size_t k = 0; k <= len; k++) {
        size_t r1 = k < len ? first_after(a->cand[0], a->n[0], anchor_ref[keep[k]]) : a->n[0];
        size_t p1 = k < len ? first_after(a->cand[1], a->n[1], anchor_port[keep[k]]) : a->n[1];
        segs[n++] = (parity__segment){r, r1, p, p1, k > 0, k < len};
        r = r1, p = p1;
    }
    return n;
}

static int by_ref_index(const void *pa, const void *pb) {
    const parity__content_pair *a = pa, *b = pb;
    return (a->ref > b->ref) - (a->ref < b->ref);
}

parity_status parity__pair_by_content(const parity_set *ref, const parity_set *port,
                                      const long *cand_ref, size_t n_ref,
                                      const long *cand_port, size_t n_port,
                                      const long *anchor_ref, const long *anchor_port,
                                      size_t n_anchors, int ordered,
                                      parity__content_pair **out, size_t *n_out,
                                      parity_error *err) {
    *out = NULL, *n_out = 0;
    parity__aligner a = {{ref, port}, {cand_ref, cand_port}, {n_ref, n_port}, {NULL, NULL},
                         NULL, 0};
    size_t n_small = n_ref < n_port ? n_ref : n_port;
    a.sig[0] = malloc((n_ref + 1) * sizeof(parity__sig));
    a.sig[1] = malloc((n_port + 1) * sizeof(parity__sig));
    a.out = malloc((n_small + 1) * sizeof *a.out);
    size_t *keep = malloc((n_anchors + 1) * sizeof *keep);
    parity__segment *segs = malloc((n_anchors + 2) * sizeof *segs);
    parity_status st = a.sig[0] && a.sig[1] && a.out && keep && segs ? PARITY_OK
                                                                     : PARITY_E_NOMEM;
    if (st == PARITY_OK) {
        for (size_t i = 0; i < n_ref; i++)
            parity__content_sig(parity_set_tensor(ref, (size_t)cand_ref[i]), &a.sig[0][i]);
        for (size_t j = 0; j < n_port; j++)
            parity__content_sig(parity_set_tensor(port, (size_t)cand_port[j]), &a.sig[1][j]);
        if (ordered) {
            size_t len = anchor_chain(anchor_port, n_anchors, keep);
            size_t n_segs = segments(&a, anchor_ref, anchor_port, keep, len, segs);
            for (size_t k = 0; st == PARITY_OK && k < n_segs; k++)
                st = parity__content_ordered(&a, &segs[k], err);
        } else {
            st = parity__content_unordered(&a, err);
            qsort(a.out, a.n_out, sizeof *a.out, by_ref_index);
        }
    }
    free(a.sig[0]), free(a.sig[1]), free(keep), free(segs);
    if (st != PARITY_OK) {
        free(a.out);
        FAIL_IF(st == PARITY_E_NOMEM, err, st, PARITY_NO_OFFSET,
                "%s: out of memory pairing stages by content", parity_set_path(port));
        return st;
    }
    *out = a.out, *n_out = a.n_out;
    return PARITY_OK;
}
