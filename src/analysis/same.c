/*
 * same.c — parity same: are two runs of one side bitwise identical?
 * Tensors pair by exact name (the --only/--skip selection applies). Each
 * pair is compared element by element on the stored bytes, in native byte
 * order and through the views' strides (a Fortran-order .npy equals its
 * C-order twin); values are converted only to show the first difference.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct parity_same {
    parity_same_item *items;      /* [n] in A's order                      */
    size_t n;
    const parity_tensor **only[2]; /* [n_only[side]] names on one side    */
    size_t n_only[2];
};

/* Walks a view's elements in logical C order, tracking the stored offset. */
typedef struct walker {
    const parity_tensor *t;
    int64_t idx[PARITY_MAX_DIMS];
    int64_t off; /* in elements from t->data */
} walker;

static void walk_next(walker *w) {
    for (int k = w->t->ndim - 1; k >= 0; k--) {
        w->off += w->t->stride[k];
        if (++w->idx[k] < w->t->shape[k]) return;
        w->off -= w->t->stride[k] * w->t->shape[k];
        w->idx[k] = 0;
    }
}

/* The element under the walker in native byte order, into out[esz]. */
static void walk_get(const walker *w, size_t esz, unsigned char *out) {
    const unsigned char *p = w->t->data + w->off * (int64_t)esz;
    for (size_t i = 0; i < esz; i++) out[i] = w->t->byteswap ? p[esz - 1 - i] : p[i];
}

static int same_shape(const parity_tensor *a, const parity_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int k = 0; k < a->ndim; k++)
        if (a->shape[k] != b->shape[k]) return 0;
    return 1;
}

/* Elements of up to 16 bytes (F80 included) are compared as bytes. */
#define SAME_MAX_ELEM 16

/* Block-quantized tensors (GGUF, always whole blocks in C order) compare
 * block by block: a block differs when any of its stored bits do; first
 * is the flat index of the first differing block's first element. */
static void compare_blocks(const parity_tensor *a, const parity_tensor *b, int be, int bb,
                           parity_same_item *out) {
    for (uint64_t k = 0; k < a->count / (uint64_t)be; k++) {
        const unsigned char *x = a->data + k * (uint64_t)bb, *y = b->data + k * (uint64_t)bb;
        int bits = 0;
        for (int i = 0; i < bb; i++) bits += __builtin_popcount((unsigned)(x[i] ^ y[i]));
        if (bits && out->n_differ++ == 0) out->first = k * (uint64_t)be;
        out->bits += (uint64_t)bits;
    }
}

int parity_tensor_constant(const parity_tensor *t) {
    double first = 0, v[1024];
    for (uint64_t at = 0; at < t->count; at += 1024) {
        size_t n = t->count - at < 1024 ? (size_t)(t->count - at) : 1024;
        parity_tensor_read(t, at, n, v);
        if (at == 0) first = v[0];
        for (size_t i = 0; i < n; i++)
            if (!(v[i] == first) && !(v[i] != v[i] && first != first)) return 0;
    }
    return 1;
}

int parity_same_bits(const parity_tensor *a, const parity_tensor *b) {
    size_t esz = parity_dtype_size(a->dtype);
    if (a->dtype != b->dtype || !same_shape(a, b)) return 0;
    if (esz == 0 || esz > SAME_MAX_ELEM) { /* whole blocks, or exotic: compare all */
        parity_same_item it;
        parity_same_tensors(a, b, &it);
        return it.comparable && it.n_differ == 0;
    }
    walker wa = {a, {0}, 0}, wb = {b, {0}, 0};
    unsigned char x[SAME_MAX_ELEM], y[SAME_MAX_ELEM];
    for (uint64_t i = 0; i < a->count; i++) {
        walk_get(&wa, esz, x);
        walk_get(&wb, esz, y);
        if (memcmp(x, y, esz) != 0) return 0;
        walk_next(&wa);
        walk_next(&wb);
    }
    return 1;
}

void parity_same_tensors(const parity_tensor *a, const parity_tensor *b,
                         parity_same_item *out) {
    memset(out, 0, sizeof *out);
    out->a = a;
    out->b = b;
    size_t esz = parity_dtype_size(a->dtype);
    int be = 1, bb = 0;
    out->block = parity_dtype_block(a->dtype, &be, &bb) == 1 ? be : 1;
    out->comparable = a->dtype == b->dtype && same_shape(a, b) &&
                      (out->block > 1 || (esz > 0 && esz <= SAME_MAX_ELEM));
    if (!out->comparable) return;
    if (out->block > 1) {
        compare_blocks(a, b, be, bb, out);
        if (out->n_differ == 0) return;
        parity_tensor_read(a, out->first, 1, &out->a_value);
        parity_tensor_read(b, out->first, 1, &out->b_value);
        return;
    }
    walker wa = {a, {0}, 0}, wb = {b, {0}, 0};
    unsigned char x[SAME_MAX_ELEM], y[SAME_MAX_ELEM];
    for (uint64_t i = 0; i < a->count; i++) {
        walk_get(&wa, esz, x);
        walk_get(&wb, esz, y);
        int bits = 0;
        for (size_t k = 0; k < esz; k++) bits += __builtin_popcount((unsigned)(x[k] ^ y[k]));
        if (bits && out->n_differ++ == 0) out->first = i;
        out->bits += (uint64_t)bits;
        walk_next(&wa);
        walk_next(&wb);
    }
    if (out->n_differ == 0) return;
    parity_tensor_read(a, out->first, 1, &out->a_value);
    parity_tensor_read(b, out->first, 1, &out->b_value);
}

/* Tensors of x (selected by sel) without a namesake in y. */
static parity_status collect_only(parity_same *s, int side, const parity_set *x,
                                  const parity_set *y, const parity_match_opts *sel,
                                  parity_error *err) {
    size_t n = parity_set_count(x);
    s->only[side] = calloc(n ? n : 1, sizeof *s->only[side]);
    FAIL_IF(!s->only[side], err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const parity_tensor *t = parity_set_tensor(x, i);
        if (parity_match_selected(sel, t->name) && parity_set_find(y, t->name) < 0)
            s->only[side][s->n_only[side]++] = t;
    }
    return PARITY_OK;
}

parity_status parity_same_run(const parity_set *a, const parity_set *b,
                              const parity_match_opts *sel, parity_same **out,
                              parity_error *err) {
    *out = NULL;
    const parity_set *both[2] = {a, b};
    TRY(parity_match_check_globs(sel, both, 2, err));
    parity_same *s = calloc(1, sizeof *s);
    size_t n = parity_set_count(a);
    if (s) s->items = calloc(n ? n : 1, sizeof *s->items);
    if (!s || !s->items) {
        free(s);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const parity_tensor *t = parity_set_tensor(a, i);
        long j = parity_set_find(b, t->name);
        if (!parity_match_selected(sel, t->name) || j < 0) continue;
        parity_same_tensors(t, parity_set_tensor(b, (size_t)j), &s->items[s->n++]);
    }
    parity_status st = collect_only(s, 0, a, b, sel, err);
    if (st == PARITY_OK) st = collect_only(s, 1, b, a, sel, err);
    if (st != PARITY_OK) {
        parity_same_free(s);
        return st;
    }
    *out = s;
    return PARITY_OK;
}

void parity_same_free(parity_same *s) {
    if (!s) return;
    free(s->items);
    free(s->only[0]);
    free(s->only[1]);
    free(s);
}

size_t parity_same_count(const parity_same *s) { return s->n; }

const parity_same_item *parity_same_at(const parity_same *s, size_t i) {
    return i < s->n ? &s->items[i] : NULL;
}

size_t parity_same_only_count(const parity_same *s, int side) {
    return s->n_only[side ? 1 : 0];
}

const parity_tensor *parity_same_only(const parity_same *s, int side, size_t i) {
    return i < s->n_only[side ? 1 : 0] ? s->only[side ? 1 : 0][i] : NULL;
}

int parity_same_differs(const parity_same *s) {
    if (s->n == 0) return 1; /* nothing compared is no proof of sameness */
    if (s->n_only[0] || s->n_only[1]) return 1;
    for (size_t i = 0; i < s->n; i++)
        if (!s->items[i].comparable || s->items[i].n_differ) return 1;
    return 0;
}
