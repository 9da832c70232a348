/*
 * weights_rows.c — rows of a weight reordered between the checkpoints.
 *
 * RoPE. Rotary embeddings rotate pairs of a head's dimensions. PyTorch
 * ports written from Hugging Face pair row i with row i + h/2 of each head
 * of h rows ("half-split", NeoX style); Meta's checkpoints and llama.cpp's
 * GGUF files pair rows 2i and 2i + 1 ("interleaved", GPT-J style). The
 * converters move q and k rows between the two (llama.cpp's
 * convert_hf_to_gguf.py: w.reshape(heads, 2, h/2, ...).swapaxes(1, 2)):
 *   interleaved row head·h + 2i + k  =  half-split row head·h + k·h/2 + i
 * for k in {0, 1}, i < h/2. Both sides are then seen with shape
 * [R/h, 2, h/2, ...] (index head, k, i), one through the half-split
 * strides (s·h, s·h/2, s) and the other through the interleaved strides
 * (s·h, s, 2s), s the row stride: no copy. Every even h >= 4 dividing R is
 * tried in both directions on a sample of ROPE_SAMPLE elements; the best
 * must have no more one-sided non-finite positions and at most 1/100 of
 * the squared error of the pair as stored (a tenth of its relative error).
 *
 * Any other order. Every row (the slice at one index of axis 0) of each
 * side is hashed (parity__wt_hash of its values, rounded to the narrower
 * dtype when the port's is narrower), the hashes sorted and matched; a
 * match of every port row to a distinct reference row is then confirmed
 * value by value. Cost: one pass over each side, 16 bytes per row.
 */
#include "analysis/weights_internal.h"

#include <stdlib.h>
#include <string.h>

#define ROPE_SAMPLE 4096
#define ROW_CHUNK   4096 /* values read at a time */

/* ---- RoPE --------------------------------------------------------------- */

/* t ([R, ...]) seen as [R/h, 2, h/2, ...], index (head, k, i) reading row
 * head·h + k·h/2 + i (half-split) or head·h + 2i + k (interleaved). */
static void split_view(const parity_tensor *t, int64_t h, int interleaved, parity_tensor *v) {
    int64_t s = t->stride[0];
    *v = *t;
    v->ndim = t->ndim + 2;
    v->shape[0] = t->shape[0] / h, v->stride[0] = s * h;
    v->shape[1] = 2, v->stride[1] = interleaved ? s : s * (h / 2);
    v->shape[2] = h / 2, v->stride[2] = interleaved ? 2 * s : s;
    for (int k = 1; k < t->ndim; k++) {
        v->shape[k + 2] = t->shape[k];
        v->stride[k + 2] = t->stride[k];
    }
}

typedef struct rope_best {
    int64_t h;
    int port_interleaved;
    uint64_t bad;
    double ss;
} rope_best;

/* Score heads of h rows in both directions; keep the best in *b. */
static void rope_try(const parity_tensor *rv, const parity_tensor *pv, int64_t h, rope_best *b) {
    for (int pi = 1; pi >= 0; pi--) {
        parity_tensor a, c;
        uint64_t bad = 0;
        split_view(rv, h, !pi, &a);
        split_view(pv, h, pi, &c);
        double ss = parity__wt_sample_ss(&a, &c, ROPE_SAMPLE, &bad);
        if (b->h == 0 || bad < b->bad || (bad == b->bad && ss < b->ss)) {
            b->h = h, b->port_interleaved = pi, b->bad = bad, b->ss = ss;
        }
    }
}

parity_status parity__wt_rope(const parity_tensor *rv, const parity_tensor *pv, parity_tensor *rv2,
                              parity_tensor *pv2, int64_t *head, int *port_interleaved, int *found,
                              parity_error *err) {
    (void)err;
    *found = 0;
    if (rv->ndim < 1 || rv->ndim + 2 > PARITY_MAX_DIMS || rv->ndim != pv->ndim) return PARITY_OK;
    int64_t R = rv->shape[0];
    if (R < 4 || R % 2 || pv->shape[0] != R) return PARITY_OK;
    uint64_t base_bad = 0;
    double base = parity__wt_sample_ss(rv, pv, ROPE_SAMPLE, &base_bad);
    if (base == 0 && base_bad == 0) return PARITY_OK;
    rope_best b = {0, 0, 0, 0};
    for (int64_t h = 4; h <= R; h += 2)
        if (R % h == 0) rope_try(rv, pv, h, &b);
    if (b.h == 0 || b.bad > base_bad) return PARITY_OK;
    if (!(b.bad < base_bad || b.ss <= 0.01 * base) || b.ss > base) return PARITY_OK;
    split_view(rv, b.h, !b.port_interleaved, rv2);
    split_view(pv, b.h, b.port_interleaved, pv2);
    *head = b.h;
    *port_interleaved = b.port_interleaved;
    *found = 1;
    return PARITY_OK;
}

void parity__wt_rope_in_port_order(const parity_tensor *rv, int64_t head, int port_interleaved,
                                   parity_tensor *out) {
    /* port half-split: its row head·h + k·h/2 + i, index (head, k, i), is
     * reference row head·h + 2i + k: the interleaved strides */
    split_view(rv, head, 1, out);
    if (!port_interleaved) return;
    /* port interleaved: its row head·h + 2i + k, index (head, i, k), is
     * reference row head·h + k·h/2 + i */
    int64_t s = rv->stride[0];
    out->shape[1] = head / 2, out->stride[1] = s;
    out->shape[2] = 2, out->stride[2] = s * (head / 2);
}

/* ---- any order: rows hashed --------------------------------------------- */

typedef struct row_hash {
    uint64_t h;
    int64_t row;
} row_hash;

static int cmp_row_hash(const void *pa, const void *pb) {
    const row_hash *a = pa, *b = pb;
    if (a->h != b->h) return a->h < b->h ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

static double rounded(parity_dtype dt, double x) {
    return dt == PARITY_DT_INVALID ? x : parity_round_to(dt, x);
}

/* Hash every row of t ([R, L...], len values a row) into h[R]. */
static void hash_rows(const parity_tensor *t, uint64_t len, parity_dtype dt, double *buf,
                      row_hash *h) {
    for (int64_t r = 0; r < t->shape[0]; r++) {
        uint64_t acc = 0x243F6A8885A308D3ull;
        for (uint64_t c = 0; c < len; c += ROW_CHUNK) {
            size_t n = len - c < ROW_CHUNK ? (size_t)(len - c) : ROW_CHUNK;
            parity_tensor_read(t, (uint64_t)r * len + c, n, buf);
            for (size_t i = 0; i < n; i++) acc = parity__wt_hash(acc, rounded(dt, buf[i]));
        }
        h[r].h = acc, h[r].row = r;
    }
}

/* Row a of x equals row b of y, value by value (after rounding to dt). */
static int rows_equal(const parity_tensor *x, int64_t a, const parity_tensor *y, int64_t b,
                      uint64_t len, parity_dtype dt, double *buf) {
    for (uint64_t c = 0; c < len; c += ROW_CHUNK) {
        size_t n = len - c < ROW_CHUNK ? (size_t)(len - c) : ROW_CHUNK;
        parity_tensor_read(x, (uint64_t)a * len + c, n, buf);
        parity_tensor_read(y, (uint64_t)b * len + c, n, buf + ROW_CHUNK);
        for (size_t i = 0; i < n; i++) {
            double u = rounded(dt, buf[i]), v = rounded(dt, buf[ROW_CHUNK + i]);
            if (!(u == v || (u != u && v != v))) return 0;
        }
    }
    return 1;
}

/* perm[port row] = reference row from the sorted hashes; 0 when the two
 * multisets of hashes differ. */
static int match_hashes(const row_hash *hr, const row_hash *hp, int64_t R, int64_t *perm) {
    for (int64_t k = 0; k < R; k++) {
        if (hr[k].h != hp[k].h) return 0;
        perm[hp[k].row] = hr[k].row;
    }
    return 1;
}

static parity_status rows_with(const parity_tensor *rv, const parity_tensor *pv, parity_dtype dt,
                               row_hash *hr, row_hash *hp, int64_t *perm, double *buf,
                               uint64_t *moved) {
    int64_t R = rv->shape[0];
    uint64_t len = rv->count / (uint64_t)R, n = 0;
    hash_rows(rv, len, dt, buf, hr);
    hash_rows(pv, len, dt, buf, hp);
    qsort(hr, (size_t)R, sizeof *hr, cmp_row_hash);
    qsort(hp, (size_t)R, sizeof *hp, cmp_row_hash);
    if (!match_hashes(hr, hp, R, perm)) return PARITY_OK;
    for (int64_t i = 0; i < R; i++) {
        if (!rows_equal(pv, i, rv, perm[i], len, dt, buf)) return PARITY_OK;
        n += perm[i] != i;
    }
    *moved = n;
    return PARITY_OK;
}

parity_status parity__wt_rows(const parity_tensor *rv, const parity_tensor *pv,
                              parity_dtype round_dt, uint64_t *moved,
                              int64_t perm[PARITY__WT_PERM_SHOWN], int *n_perm, parity_error *err) {
    *moved = 0;
    *n_perm = 0;
    if (rv->ndim < 2 || rv->shape[0] < 2 || rv->count / (uint64_t)rv->shape[0] < 2)
        return PARITY_OK;
    size_t R = (size_t)rv->shape[0];
    row_hash *hr = malloc(R * sizeof *hr), *hp = malloc(R * sizeof *hp);
    int64_t *all = malloc(R * sizeof *all);
    double *buf = malloc(2 * ROW_CHUNK * sizeof *buf);
    parity_status st = hr && hp && all && buf
                           ? rows_with(rv, pv, round_dt, hr, hp, all, buf, moved)
                           : parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                          "tensor '%s': out of memory", rv->name);
    for (size_t i = 0; *moved && i < R && i < PARITY__WT_PERM_SHOWN; i++)
        perm[(*n_perm)++] = all[i];
    free(hr);
    free(hp);
    free(all);
    free(buf);
    return st;
}
