/*
 * content_rough.c — the rough alignment of two runs of stages from their
 * signatures alone (content.h): an order-preserving alignment by dynamic
 * programming, gaps free on either side, that maximizes the total score of
 * the pairs it takes (parity__content_score; a pair scoring 0 or less is
 * never taken). Every cell costs one constant-time score, so thousands of
 * stages align in well under a second; a table larger than MAX_CELLS is
 * filled only in a band around its diagonal. The result only guides
 * content_ordered.c, which decides on the data.
 */
#include "content.h"

#include <math.h>
#include <stdlib.h>

#define MAX_CELLS ((uint64_t)1 << 26)

enum { FROM_UP = 0, FROM_LEFT = 1, FROM_DIAG = 2 };

/* Columns [lo, hi) of row i of an n_r x n_p table: all of them when the
 * table is small, else a band of about MAX_CELLS cells along the diagonal
 * that always reaches the last column on the last row. */
static void band(size_t i, size_t n_r, size_t n_p, size_t *lo, size_t *hi) {
    if ((uint64_t)n_r * n_p <= MAX_CELLS) {
        *lo = 0, *hi = n_p;
        return;
    }
    size_t w = (size_t)(MAX_CELLS / (2 * (uint64_t)n_r)) + 1;
    size_t mid = (size_t)((double)i * (double)n_p / (double)n_r);
    *lo = mid > w ? mid - w : 0;
    *hi = mid + w + 1 < n_p ? mid + w + 1 : n_p;
}

parity_status parity__content_rough(const parity__aligner *a, const parity__segment *s,
                                    long *part, parity_error *err) {
    size_t nr = s->r1 - s->r0, np = s->p1 - s->p0;
    for (size_t i = 0; i < nr; i++) part[i] = -1;
    if (nr == 0 || np == 0) return PARITY_OK;
    /* H(i, j): the best total over ref [0, i) and port [0, j); rows
     * 1..nr keep the direction of each cell in their band, two rows of
     * scores at a time (outside a band a cell is -infinity; column 0 and
     * row 0 are 0). */
    size_t *lo = malloc((nr + 1) * sizeof *lo), *off = malloc((nr + 2) * sizeof *off);
    double *prev = malloc((np + 1) * sizeof *prev), *cur = malloc((np + 1) * sizeof *cur);
    unsigned char *dir = NULL;
    if (lo && off && prev && cur) {
        off[1] = 0;
        for (size_t i = 1; i <= nr; i++) {
            size_t l, h;
            band(i - 1, nr, np, &l, &h);
            lo[i] = l;
            off[i + 1] = off[i] + (h - l);
        }
        dir = malloc(off[nr + 1] + 1);
    }
    if (!dir) {
        free(lo), free(off), free(prev), free(cur);
        FAIL_IF(1, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "%s: out of memory aligning stages by content", parity_set_path(a->set[1]));
    }
    for (size_t j = 0; j <= np; j++) prev[j] = 0;
    for (size_t i = 1; i <= nr; i++) {
        size_t width = off[i + 1] - off[i];
        for (size_t j = 1; j <= np; j++) cur[j] = -INFINITY;
        cur[0] = 0;
        for (size_t j = lo[i] + 1; j <= lo[i] + width; j++) {
            double best = prev[j];
            unsigned char from = FROM_UP;
            if (cur[j - 1] > best) best = cur[j - 1], from = FROM_LEFT;
            double sc = parity__content_score(a, s->r0 + i - 1, s->p0 + j - 1);
            if (sc > 0 && prev[j - 1] + sc >= best) best = prev[j - 1] + sc, from = FROM_DIAG;
            cur[j] = best;
            dir[off[i] + (j - lo[i] - 1)] = from;
        }
        double *t = prev;
        prev = cur, cur = t;
    }
    /* back from the best cell of the last row (gaps at the end are free) */
    size_t i = nr, j = 0;
    for (size_t k = 1; k <= np; k++)
        if (prev[k] > prev[j]) j = k;
    while (i > 0 && j > 0) {
        size_t width = off[i + 1] - off[i];
        if (j <= lo[i] || j > lo[i] + width) { /* outside the band: up */
            i--;
            continue;
        }
        unsigned char from = dir[off[i] + (j - lo[i] - 1)];
        if (from == FROM_DIAG) part[i - 1] = (long)(s->p0 + j - 1);
        if (from != FROM_LEFT) i--;
        if (from != FROM_UP) j--;
    }
    free(lo), free(off), free(prev), free(cur), free(dir);
    return PARITY_OK;
}
