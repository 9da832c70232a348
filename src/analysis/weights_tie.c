/*
 * weights_tie.c — names of one checkpoint that are one array, and names
 * that merely hold the same values.
 *
 * Ties. Two names are one array when they are views of one storage at one
 * offset: the same data pointer, dtype, shape and strides. A PyTorch
 * checkpoint records sharing (torch.save writes each storage once), so
 * tied embeddings (lm_head.weight and model.embed_tokens.weight) are one
 * storage under two names, and a deep copy is a storage of its own.
 * safetensors, npz and GGUF cannot share storage: their readers never give
 * two names one data pointer, so they hold no ties. Equal values are no
 * evidence of one array (deep-copied layers, all-ones layer norms, zero
 * biases): found by pointer, never by value. Tensors are sorted by data
 * pointer (then set order); within a run of one pointer each tensor is
 * tied to the first earlier one it shares its storage with.
 *
 * Copies. A name with no partner may be bit-identical to a name of its
 * side that has one (a converter that kept one name of a tie of a format
 * that cannot record it). That is only a note for the reader: the name
 * stays missing. Candidates are keyed by dtype, shape and the values at 8
 * evenly spaced positions, then compared in full (memcmp of the bytes
 * when both are C-contiguous, else the values read); a constant tensor
 * has no copy (every layer's all-ones norm is equal to every other).
 */
#include "analysis/weights_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEY_SAMPLES 8
#define CHUNK       4096

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

/* ---- ties: one storage under two names ---------------------------------- */

typedef struct pkey {
    uintptr_t data; /* the tensor's first element */
    size_t index;   /* in the set */
} pkey;

static int cmp_pkey(const void *pa, const void *pb) {
    const pkey *a = pa, *b = pb;
    if (a->data != b->data) return a->data < b->data ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

static parity_status add_tie(parity_weight_tie **ties, size_t *n, size_t *cap, int side,
                             const parity_tensor *a, const parity_tensor *b, parity_error *err) {
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 8;
        parity_weight_tie *t = realloc(*ties, c * sizeof *t);
        FAIL_IF(!t, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "weights: out of memory");
        *ties = t, *cap = c;
    }
    parity_weight_tie *t = &(*ties)[(*n)++];
    memset(t, 0, sizeof *t);
    t->side = side, t->a = a, t->b = b, t->same_storage = 1;
    return PARITY_OK;
}

/* A run k[0..n) of one data pointer, in set order: each tensor is tied to
 * the first earlier one that is the same view (a storage may also hold
 * views of other shapes: a fused qkv and its q, k, v, which are not one
 * array). */
static parity_status run_ties(const parity_set *set, int side, const pkey *k, size_t n,
                              parity_weight_tie **ties, size_t *nt, size_t *cap,
                              parity_error *err) {
    for (size_t j = 1; j < n; j++) {
        const parity_tensor *b = parity_set_tensor(set, k[j].index);
        for (size_t i = 0; i < j; i++) {
            const parity_tensor *a = parity_set_tensor(set, k[i].index);
            if (!same_storage(a, b)) continue;
            TRY(add_tie(ties, nt, cap, side, a, b, err));
            break;
        }
    }
    return PARITY_OK;
}

static int cmp_tie(const void *pa, const void *pb) {
    const parity_weight_tie *a = pa, *b = pb;
    return (a->b > b->b) - (a->b < b->b); /* tensors of one set: set order */
}

static parity_status ties_with(const parity_set *set, int side, const parity_match_opts *sel,
                               pkey *k, parity_weight_tie **ties, size_t *n, size_t *cap,
                               parity_error *err) {
    size_t nk = 0, first = *n;
    for (size_t i = 0; i < parity_set_count(set); i++) {
        const parity_tensor *t = parity_set_tensor(set, i);
        if (!parity_match_selected(sel, t->name) || t->count == 0 || !t->data) continue;
        k[nk].data = (uintptr_t)t->data;
        k[nk++].index = i;
    }
    qsort(k, nk, sizeof *k, cmp_pkey);
    for (size_t i = 0, j; i < nk; i = j) {
        for (j = i + 1; j < nk && k[j].data == k[i].data; j++) continue;
        if (j - i > 1) TRY(run_ties(set, side, k + i, j - i, ties, n, cap, err));
    }
    if (*n > first) qsort(*ties + first, *n - first, sizeof **ties, cmp_tie); /* *ties may be NULL */
    return PARITY_OK;
}

parity_status parity__wt_ties(const parity_set *set, int side, const parity_match_opts *sel,
                              parity_weight_tie **ties, size_t *n, size_t *cap, parity_error *err) {
    pkey *k = malloc((parity_set_count(set) + 1) * sizeof *k);
    parity_status st = k ? ties_with(set, side, sel, k, ties, n, cap, err)
                         : parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
                                        parity_set_path(set));
    free(k);
    return st;
}

/* ---- copies: equal values under a name with no partner ------------------ */

/* The first tensor with a partner bit-identical to u, or NULL. keys[i] is
 * the content key of tensor i when it has a partner. */
static const parity_tensor *copy_of(const parity_set *set, const char *state, const uint64_t *keys,
                                    const parity_tensor *u) {
    if (u->count == 0 || constant(u)) return NULL;
    uint64_t ku = content_key(u);
    for (size_t i = 0; i < parity_set_count(set); i++) {
        const parity_tensor *t = parity_set_tensor(set, i);
        if (state[i] != PARITY__WT_PRESENT || t == u || keys[i] != ku) continue;
        if (identical(t, u)) return t;
    }
    return NULL;
}

parity_status parity__wt_copies(const parity_set *set, const char *state,
                                const parity_tensor *const *only, size_t n_only,
                                const parity_tensor **copy, parity_error *err) {
    if (n_only == 0) return PARITY_OK;
    uint64_t *keys = malloc((parity_set_count(set) + 1) * sizeof *keys);
    FAIL_IF(!keys, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            parity_set_path(set));
    for (size_t i = 0; i < parity_set_count(set); i++)
        keys[i] = state[i] == PARITY__WT_PRESENT ? content_key(parity_set_tensor(set, i)) : 0;
    for (size_t i = 0; i < n_only; i++) copy[i] = copy_of(set, state, keys, only[i]);
    free(keys);
    return PARITY_OK;
}
