/*
 * weights_tie.c — names of one checkpoint that hold one array: tied
 * weights (lm_head.weight and model.embed_tokens.weight). A PyTorch
 * checkpoint stores a tied tensor once, as one storage under both names;
 * a safetensors file cannot share storage and keeps one name, or two
 * copies.
 *
 * Tensors are keyed by dtype, shape and the values at 8 evenly spaced
 * positions, and sorted by key (then by set order); within a run of equal
 * keys each tensor joins the first earlier one whose stored values are
 * bit-identical (memcmp of the bytes when both are C-contiguous, else the
 * values read). In each such class, a tensor that shares the storage of an
 * earlier member (same data pointer, strides and dtype) is tied to it
 * (same_storage 1); any other member is tied to the class's first tensor
 * (same_storage 0) unless that tensor is constant: layer norms all equal
 * to one are bit-identical without being one array.
 */
#include "analysis/weights_internal.h"

#include <stdlib.h>
#include <string.h>

#define KEY_SAMPLES 8
#define CHUNK       4096

typedef struct tkey {
    uint64_t key;
    size_t index; /* in the set */
} tkey;

static int cmp_tkey(const void *pa, const void *pb) {
    const tkey *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

static uint64_t content_key(const parity_tensor *t) {
    uint64_t h = parity__wt_hash(0, (double)t->dtype);
    h = parity__wt_hash(h, (double)t->ndim);
    for (int k = 0; k < t->ndim; k++) h = parity__wt_hash(h, (double)t->shape[k]);
    uint64_t n = t->count < KEY_SAMPLES ? t->count : KEY_SAMPLES;
    for (uint64_t i = 0; i < n; i++) {
        double v;
        parity_tensor_read(t, i * (t->count / n), 1, &v);
        h = parity__wt_hash(h, v);
    }
    return h;
}

static int same_shape(const parity_tensor *a, const parity_tensor *b) {
    if (a->dtype != b->dtype || a->ndim != b->ndim) return 0;
    for (int k = 0; k < a->ndim; k++)
        if (a->shape[k] != b->shape[k]) return 0;
    return 1;
}

/* One array: the same elements at the same place (an empty tensor holds
 * none, so it shares nothing). */
static int same_storage(const parity_tensor *a, const parity_tensor *b) {
    if (!same_shape(a, b) || a->count == 0 || a->data != b->data || a->byteswap != b->byteswap)
        return 0;
    for (int k = 0; k < a->ndim; k++)
        if (a->shape[k] != 1 && a->stride[k] != b->stride[k]) return 0;
    return 1;
}

/* Bit-identical values (the stored bytes, or the values read). */
static int identical(const parity_tensor *a, const parity_tensor *b) {
    if (!same_shape(a, b)) return 0;
    if (same_storage(a, b) || a->count == 0) return 1;
    if (a->byteswap == b->byteswap && parity__tensor_c_contiguous(a) &&
        parity__tensor_c_contiguous(b) && a->nbytes == b->nbytes)
        return memcmp(a->data, b->data, (size_t)a->nbytes) == 0;
    double x[CHUNK], y[CHUNK];
    for (uint64_t at = 0; at < a->count; at += CHUNK) {
        size_t n = a->count - at < CHUNK ? (size_t)(a->count - at) : CHUNK;
        parity_tensor_read(a, at, n, x);
        parity_tensor_read(b, at, n, y);
        if (memcmp(x, y, n * sizeof *x)) return 0;
    }
    return 1;
}

/* Every value equal to the first (NaN never is). */
static int constant(const parity_tensor *t) {
    double x[CHUNK], first = 0;
    for (uint64_t at = 0; at < t->count; at += CHUNK) {
        size_t n = t->count - at < CHUNK ? (size_t)(t->count - at) : CHUNK;
        parity_tensor_read(t, at, n, x);
        if (at == 0) first = x[0];
        for (size_t i = 0; i < n; i++)
            if (!(x[i] == first)) return 0;
    }
    return 1;
}

static parity_status add_tie(parity_weight_tie **ties, size_t *n, size_t *cap, int side,
                             const parity_tensor *a, const parity_tensor *b, int storage,
                             parity_error *err) {
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 8;
        parity_weight_tie *t = realloc(*ties, c * sizeof *t);
        FAIL_IF(!t, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "weights: out of memory");
        *ties = t, *cap = c;
    }
    parity_weight_tie *t = &(*ties)[(*n)++];
    memset(t, 0, sizeof *t);
    t->side = side, t->a = a, t->b = b, t->same_storage = storage;
    return PARITY_OK;
}

/* One class: members m[0..n) (set indices, in order). */
static parity_status class_ties(const parity_set *set, int side, const size_t *m, size_t n,
                                parity_weight_tie **ties, size_t *nt, size_t *cap,
                                parity_error *err) {
    const parity_tensor *first = parity_set_tensor(set, m[0]);
    int flat = constant(first);
    for (size_t j = 1; j < n; j++) {
        const parity_tensor *b = parity_set_tensor(set, m[j]), *a = NULL;
        for (size_t i = 0; i < j && !a; i++)
            if (same_storage(parity_set_tensor(set, m[i]), b)) a = parity_set_tensor(set, m[i]);
        if (a)
            TRY(add_tie(ties, nt, cap, side, a, b, 1, err));
        else if (!flat)
            TRY(add_tie(ties, nt, cap, side, first, b, 0, err));
    }
    return PARITY_OK;
}

/* A run k[0..n) of equal keys, split into classes of identical tensors. */
static parity_status run_ties(const parity_set *set, int side, const tkey *k, size_t n, size_t *cls,
                              size_t *members, parity_weight_tie **ties, size_t *nt, size_t *cap,
                              parity_error *err) {
    for (size_t i = 0; i < n; i++) cls[i] = i;
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++) {
            if (cls[j] != j) continue; /* compare with each class's first */
            if (!identical(parity_set_tensor(set, k[j].index), parity_set_tensor(set, k[i].index)))
                continue;
            cls[i] = j;
            break;
        }
    for (size_t c = 0; c < n; c++) {
        size_t nm = 0;
        for (size_t i = c; i < n; i++)
            if (cls[i] == c) members[nm++] = k[i].index;
        if (nm > 1) TRY(class_ties(set, side, members, nm, ties, nt, cap, err));
    }
    return PARITY_OK;
}

static int cmp_tie(const void *pa, const void *pb) {
    const parity_weight_tie *a = pa, *b = pb;
    return (a->b > b->b) - (a->b < b->b); /* tensors of one set: set order */
}

static parity_status ties_with(const parity_set *set, int side, const parity_match_opts *sel,
                               tkey *k, size_t *cls, size_t *members, parity_weight_tie **ties,
                               size_t *n, size_t *cap, parity_error *err) {
    size_t nk = 0, first = *n;
    for (size_t i = 0; i < parity_set_count(set); i++) {
        const parity_tensor *t = parity_set_tensor(set, i);
        if (!parity_match_selected(sel, t->name)) continue;
        k[nk].key = content_key(t);
        k[nk++].index = i;
    }
    qsort(k, nk, sizeof *k, cmp_tkey);
    for (size_t i = 0, j; i < nk; i = j) {
        for (j = i + 1; j < nk && k[j].key == k[i].key; j++) continue;
        if (j - i > 1) TRY(run_ties(set, side, k + i, j - i, cls, members, ties, n, cap, err));
    }
    if (*n > first) qsort(*ties + first, *n - first, sizeof **ties, cmp_tie); /* *ties may be NULL */
    return PARITY_OK;
}

parity_status parity__wt_ties(const parity_set *set, int side, const parity_match_opts *sel,
                              parity_weight_tie **ties, size_t *n, size_t *cap, parity_error *err) {
    size_t count = parity_set_count(set) + 1;
    tkey *k = malloc(count * sizeof *k);
    size_t *cls = malloc(count * sizeof *cls), *members = malloc(count * sizeof *members);
    parity_status st = k && cls && members
                           ? ties_with(set, side, sel, k, cls, members, ties, n, cap, err)
                           : parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                          "%s: out of memory", parity_set_path(set));
    free(k);
    free(cls);
    free(members);
    return st;
}
