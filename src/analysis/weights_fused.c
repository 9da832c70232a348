/*
 * weights_fused.c — fused tensors: one tensor of a checkpoint that is the
 * concatenation of several tensors of the other checkpoint along an axis
 * (attention's q, k and v stored as one qkv_proj; an MLP's gate and up as
 * gate_up_proj), found among the tensors no name paired.
 *
 * Names first. Each key (the normalized name, docs/matching.md; a port
 * name renamed by --map first) is searched for a fused token standing as
 * whole components; replacing it by each part's token gives the keys of
 * the parts, which must all be unpaired tensors of the other side:
 *
 *   token             parts               example
 *   qkv               q, k, v             attn.qkv_proj.weight: attn.q_proj.weight ...
 *   wqkv              wq, wk, wv          attention.wqkv.weight
 *   query.key.value   query, key, value   attention.query_key_value.weight
 *   in.proj           q.proj, k.proj, v.proj   nn.MultiheadAttention's in_proj_weight
 *   gate.up           gate, up            mlp.gate_up_proj.weight
 *   w13               w1, w3              feed_forward.w13.weight
 *   kv                k, v                attn.kv_proj.weight
 *
 * Then shapes: an axis a of the fused tensor F along which the parts add
 * up (part k spans count_k / (count(F) / F.shape[a]) indices; the spans
 * must be whole and sum to F.shape[a]) and a layout that aligns every
 * slice with its part, the same for all parts, without a reshape: either
 * parity_layout_align's (equal shapes, size-1 axes dropped, or an axis
 * permutation) giving one layout text for every part, or, for a 2-D F,
 * permute(1,0) of every part's port side. The second is GPT-2's c_attn:
 * cat(q, k, v).T stored [in, 3 * out] and cut along axis 1, where a square
 * q ([out, out]) aligns as stored by shape alone but is the transpose of
 * its slice like k and v are; one rule per tensor keeps its parts
 * consistent. Then values: when several axes or layouts fit, the one with
 * the fewest one-sided non-finite values and then the smallest error on a
 * sample of each part wins (ties: the lower axis, then the layout as
 * parity_layout_align gives it).
 */
#include "analysis/weights_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX    1024 /* a part's key; longer names are not split     */
#define FIT_SAMPLE 1024 /* sampled elements per part to rank the axes   */

typedef struct token {
    const char *fused;
    const char *parts[PARITY__WT_MAX_PARTS]; /* NULL-terminated            */
} token;

static const token TOKENS[] = {
    {"qkv", {"q", "k", "v", NULL}},
    {"wqkv", {"wq", "wk", "wv", NULL}},
    {"query.key.value", {"query", "key", "value", NULL}},
    {"in.proj", {"q.proj", "k.proj", "v.proj", NULL}},
    {"gate.up", {"gate", "up", NULL}},
    {"w13", {"w1", "w3", NULL}},
    {"kv", {"k", "v", NULL}},
};
#define N_TOKENS (sizeof TOKENS / sizeof *TOKENS)

/* ---- keys --------------------------------------------------------------- */

/* Where tok stands as whole components of key at or after from, or -1. */
static long find_token(const char *key, const char *tok, size_t from) {
    size_t len = strlen(tok);
    for (const char *p = strstr(key + from, tok); p; p = strstr(p + 1, tok)) {
        int starts = p == key || p[-1] == '.';
        int ends = p[len] == '\0' || p[len] == '.';
        if (starts && ends) return (long)(p - key);
    }
    return -1;
}

/* key with its [at, at + len) replaced by part; 0 when it does not fit. */
static int replaced(char *buf, const char *key, size_t at, size_t len, const char *part) {
    size_t n = strlen(key), pl = strlen(part);
    if (n - len + pl + 1 > KEY_MAX) return 0;
    memcpy(buf, key, at);
    memcpy(buf + at, part, pl);
    memcpy(buf + at + pl, key + at + len, n - at - len + 1);
    return 1;
}

/* One unpaired tensor of a side under its key. */
typedef struct keyed {
    const char *key;
    size_t index;
} keyed;

static int cmp_keyed(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* The side's keys sorted (then by index); NULL when out of memory. */
static keyed *sort_keys(const parity__wt_pool *p, int side) {
    keyed *k = malloc((p->n[side] ? p->n[side] : 1) * sizeof *k);
    if (!k) return NULL;
    for (size_t i = 0; i < p->n[side]; i++) k[i].key = p->key[side][i], k[i].index = i;
    qsort(k, p->n[side], sizeof *k, cmp_keyed);
    return k;
}

/* The first unused tensor of the side whose key is key, or -1. */
static long lookup(const parity__wt_pool *p, int side, const keyed *k, const char *key) {
    size_t lo = 0, hi = p->n[side];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(k[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < p->n[side] && !strcmp(k[i].key, key); i++)
        if (!p->used[side][k[i].index]) return (long)k[i].index;
    return -1;
}

/* ---- shapes and values -------------------------------------------------- */

/* Axis a as the axis of g's concatenation: the parts' spans, whether every
 * slice aligns with its part without a reshape (f->ok), and the sampled
 * error (f->bad one-sided non-finite positions, f->ss the squares). */
typedef struct fit {
    int ok;
    uint64_t bad;
    double ss;
    int64_t start[PARITY__WT_MAX_PARTS], stop[PARITY__WT_MAX_PARTS];
} fit;

static int spans(const parity__wt_fused *g, int a, fit *f) {
    const parity_tensor *F = g->fused;
    if (F->shape[a] <= 0) return 0;
    uint64_t rest = F->count / (uint64_t)F->shape[a], c;
    int64_t pos = 0;
    for (size_t k = 0; k < g->n_parts; k++) {
        c = g->parts[k]->count;
        if (rest == 0 || c == 0 || c % rest) return 0;
        f->start[k] = pos;
        pos += (int64_t)(c / rest);
        f->stop[k] = pos;
    }
    return pos == F->shape[a];
}

parity_status parity__wt_part_align(const parity__wt_fused *g, size_t k, const parity_tensor *slice,
                                    parity_tensor *rv, parity_tensor *pv, char *layout, size_t cap,
                                    parity_error *err) {
    const parity_tensor *r = g->side ? g->parts[k] : slice, *p = g->side ? slice : g->parts[k];
    if (!g->transpose) {
        parity_error e2 = {0};
        parity_status st = parity_layout_align(r, p, rv, pv, layout, cap, &e2);
        if (st != PARITY_OK && st != PARITY_E_SHAPE && err) *err = e2;
        return st;
    }
    if (r->ndim != 2 || p->ndim != 2 || r->shape[0] != p->shape[1] || r->shape[1] != p->shape[0] ||
        parity_dtype_block(p->dtype, NULL, NULL) == 1)
        return PARITY_E_SHAPE;
    *rv = *r, *pv = *p; /* the port's axes swapped: a view, no copy */
    pv->shape[0] = p->shape[1], pv->shape[1] = p->shape[0];
    pv->stride[0] = p->stride[1], pv->stride[1] = p->stride[0];
    if (cap) snprintf(layout, cap, "permute(1,0)");
    return PARITY_OK;
}

/* Axis a (and g->transpose) for g: every part aligned in one layout. */
static parity_status try_axis(const parity__wt_fused *g, int a, fit *f, parity_error *err) {
    char first[96] = "";
    memset(f, 0, sizeof *f);
    if (!spans(g, a, f)) return PARITY_OK;
    for (size_t k = 0; k < g->n_parts; k++) {
        parity_tensor s, rv, pv;
        char layout[96];
        if (!parity__wt_slice(g->fused, a, f->start[k], f->stop[k], &s)) return PARITY_OK;
        parity_status st = parity__wt_part_align(g, k, &s, &rv, &pv, layout, sizeof layout, err);
        if (st == PARITY_E_SHAPE) return PARITY_OK;
        if (st != PARITY_OK) return st;
        if (strncmp(layout, "reshape", 7) == 0) return PARITY_OK;
        if (k == 0) memcpy(first, layout, sizeof first);
        if (strcmp(layout, first)) return PARITY_OK; /* parts in different layouts */
        uint64_t bad = 0;
        f->ss += parity__wt_sample_ss(&rv, &pv, FIT_SAMPLE, &bad);
        f->bad += bad;
    }
    f->ok = 1;
    return PARITY_OK;
}

/* The best axis and layout for g (g->axis, g->transpose, spans), *ok 0
 * when none fits. */
static parity_status fit_group(parity__wt_fused *g, int *ok, parity_error *err) {
    fit best, f;
    int axis = 0, transpose = 0;
    memset(&best, 0, sizeof best);
    *ok = 0;
    for (int a = 0; a < g->fused->ndim; a++) {
        for (g->transpose = 0; g->transpose < 1 + (g->fused->ndim == 2); g->transpose++) {
            TRY(try_axis(g, a, &f, err));
            if (!f.ok) continue;
            int better =
                !*ok || f.bad < best.bad || (f.bad == best.bad && f.ss < best.ss - 1e-9 * best.ss);
            if (!better) continue;
            best = f;
            axis = a, transpose = g->transpose;
            *ok = 1;
        }
    }
    g->axis = axis, g->transpose = transpose;
    if (*ok) {
        memcpy(g->start, best.start, sizeof g->start);
        memcpy(g->stop, best.stop, sizeof g->stop);
    }
    return PARITY_OK;
}

/* ---- the search --------------------------------------------------------- */

/* Tensor i of side s as fused by token t at key position at: find its
 * parts among the other side's unused tensors, then fit. *found 1 when
 * g holds the group (tensors marked used). */
static parity_status try_parts(parity__wt_pool *p, const keyed *other, int s, size_t i,
                               const token *t, size_t at, parity__wt_fused *g, int *found,
                               parity_error *err) {
    char buf[KEY_MAX];
    long idx[PARITY__WT_MAX_PARTS];
    size_t n = 0;
    int o = 1 - s, ok = 1;
    memset(g, 0, sizeof *g);
    *found = 0;
    for (; ok && n < PARITY__WT_MAX_PARTS && t->parts[n]; n++) {
        ok = replaced(buf, p->key[s][i], at, strlen(t->fused), t->parts[n]);
        idx[n] = ok ? lookup(p, o, other, buf) : -1;
        ok = idx[n] >= 0;
        if (ok) p->used[o][idx[n]] = 1; /* taken, so no part is found twice */
    }
    g->side = s, g->fused = p->t[s][i], g->n_parts = n;
    for (size_t k = 0; k < n; k++) g->parts[k] = ok ? p->t[o][idx[k]] : NULL;
    parity_status st = ok ? fit_group(g, found, err) : PARITY_OK;
    for (size_t k = 0; k < n && idx[k] >= 0; k++) p->used[o][idx[k]] = (char)(*found != 0);
    if (*found) p->used[s][i] = 1;
    return st;
}

/* Every fused token in the key of tensor i of side s. */
static parity_status try_tensor(parity__wt_pool *p, const keyed *other, int s, size_t i,
                                parity__wt_fused *g, int *found, parity_error *err) {
    *found = 0;
    for (size_t t = 0; t < N_TOKENS && !*found; t++) {
        for (long at = find_token(p->key[s][i], TOKENS[t].fused, 0); at >= 0 && !*found;
             at = find_token(p->key[s][i], TOKENS[t].fused, (size_t)at + 1))
            TRY(try_parts(p, other, s, i, &TOKENS[t], (size_t)at, g, found, err));
    }
    return PARITY_OK;
}

static parity_status search(parity__wt_pool *p, keyed *const *k, parity__wt_fused **out,
                            size_t *n_out, parity_error *err) {
    size_t cap = 0;
    for (int s = 1; s >= 0; s--) { /* a fused port is the common case */
        for (size_t i = 0; i < p->n[s]; i++) {
            parity__wt_fused g;
            int found = 0;
            if (p->used[s][i]) continue;
            TRY(try_tensor(p, k[1 - s], s, i, &g, &found, err));
            if (!found) continue;
            if (*n_out == cap) {
                cap = cap ? 2 * cap : 8;
                parity__wt_fused *q = realloc(*out, cap * sizeof *q);
                FAIL_IF(!q, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "weights: out of memory");
                *out = q;
            }
            (*out)[(*n_out)++] = g;
        }
    }
    return PARITY_OK;
}

parity_status parity__wt_fused_find(parity__wt_pool *pool, parity__wt_fused **out, size_t *n_out,
                                    parity_error *err) {
    *out = NULL;
    *n_out = 0;
    keyed *k[2] = {sort_keys(pool, 0), sort_keys(pool, 1)};
    parity_status st = k[0] && k[1] ? search(pool, k, out, n_out, err)
                                    : parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                                   "weights: out of memory");
    free(k[0]);
    free(k[1]);
    if (st != PARITY_OK) {
        free(*out);
        *out = NULL;
        *n_out = 0;
    }
    return st;
}
