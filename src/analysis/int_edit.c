/*
 * int_edit.c — the edit script of two id sequences (token ids, lengths),
 * as diff(1) shows lines: which ids of the reference the port dropped,
 * which it inserted, which it replaced.
 *
 * The common prefix and suffix are trimmed first (a dropped first token, a
 * few appended ids cost nothing); the middle is aligned by a longest-common-
 * subsequence table when it has at most EDIT_CELLS cells, else it is one
 * replacement. Runs of unmatched ids become hunks, in order.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define EDIT_CELLS ((size_t)4 << 20) /* bytes of the direction table */

/* Equality of two ids as diff_int.c defines it (signedness included). */
static int same_id(int64_t a, int ua, int64_t b, int ub) {
    return a == b && (ua == ub || a >= 0);
}

typedef struct edit_out {
    parity_int_hunk *h;
    size_t cap, n, total;
    const int64_t *a, *b;
} edit_out;

/* Record the hunk of a[ai..ai+an) replaced by b[bi..bi+bn) (either may be
 * empty); the first cap are kept, every one counted. */
static void hunk(edit_out *o, size_t ai, size_t an, size_t bi, size_t bn) {
    if (an == 0 && bn == 0) return;
    o->total++;
    if (o->n == o->cap) return;
    parity_int_hunk *h = &o->h[o->n++];
    memset(h, 0, sizeof *h);
    h->ref_at = ai, h->ref_n = an, h->port_at = bi, h->port_n = bn;
    for (size_t k = 0; k < an && k < PARITY_INT_HUNK_VALUES; k++) h->ref_vals[k] = o->a[ai + k];
    for (size_t k = 0; k < bn && k < PARITY_INT_HUNK_VALUES; k++) h->port_vals[k] = o->b[bi + k];
}

/* LCS alignment of a[a0..a0+n) and b[b0..b0+m), n·m <= EDIT_CELLS: the
 * direction of every cell (0 match, 1 skip a, 2 skip b) from the end, then
 * a walk from the start that turns unmatched runs into hunks. */
static int align_middle(edit_out *o, size_t a0, size_t n, int ua, size_t b0, size_t m, int ub) {
    unsigned char *dir = malloc(n * m);
    uint32_t *row = calloc(m + 1, sizeof *row), *next = calloc(m + 1, sizeof *next);
    if (!dir || !row || !next) {
        free(dir), free(row), free(next);
        return 0;
    }
    for (size_t i = n; i-- > 0;) { /* row[j]: LCS of a[i+1..], b[j..] */
        memset(next, 0, (m + 1) * sizeof *next);
        for (size_t j = m; j-- > 0;) {
            unsigned char d;
            uint32_t v;
            if (same_id(o->a[a0 + i], ua, o->b[b0 + j], ub)) d = 0, v = row[j + 1] + 1;
            else if (row[j] >= next[j + 1]) d = 1, v = row[j];
            else d = 2, v = next[j + 1];
            dir[i * m + j] = d;
            next[j] = v;
        }
        uint32_t *t = row;
        row = next, next = t;
    }
    size_t i = 0, j = 0, si = 0, sj = 0;
    while (i < n && j < m) {
        unsigned char d = dir[i * m + j];
        if (d == 0) {
            hunk(o, a0 + si, i - si, b0 + sj, j - sj);
            si = ++i, sj = ++j;
        } else if (d == 1) i++;
        else j++;
    }
    hunk(o, a0 + si, n - si, b0 + sj, m - sj);
    free(dir), free(row), free(next);
    return 1;
}

size_t parity__int_edit(const int64_t *a, size_t n, int ua, const int64_t *b, size_t m, int ub,
                        parity_int_hunk *out, size_t cap, size_t *total) {
    edit_out o = {out, cap, 0, 0, a, b};
    size_t pre = 0, suf = 0;
    while (pre < n && pre < m && same_id(a[pre], ua, b[pre], ub)) pre++;
    while (suf < n - pre && suf < m - pre && same_id(a[n - 1 - suf], ua, b[m - 1 - suf], ub))
        suf++;
    size_t an = n - pre - suf, bn = m - pre - suf;
    if (an == 0 || bn == 0 || an * bn > EDIT_CELLS || !align_middle(&o, pre, an, ua, pre, bn, ub))
        hunk(&o, pre, an, pre, bn);
    if (total) *total = o.total;
    return o.n;
}
