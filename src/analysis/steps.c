/*
 * steps.c — step pairs: one side ran a stage once per position or solver
 * step (a C port decoding one token at a time traces `name`, `name#1`,
 * ..., `name#11`, each [64]); the other ran it once and holds every
 * position along one axis (PyTorch's whole-sequence [1, 12, 64]). Each
 * position is paired with the stacked tensor's slice at that index.
 *
 * A series is a base name and its `#k` repeats (k = 1 .. n-1, every k
 * present), n >= 2. Its partner on the other side is a single tensor named
 * like the base (exactly, or normalized) with no repeats of its own. The
 * axis is one of the partner's (size-1 axes aside) whose length is n; each
 * slice must then align with the member at its position (same elements
 * after the squeeze, permutation or reshape parity_layout_align finds),
 * or, for tensors that grow with the position (attention scores [H, pos+1]
 * against [H, T, T]), be the member's shape but longer in one axis: the
 * slice's prefix there is compared, the valid part of the member.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "name#k" into base (copied, up to cap) and k; a name without a numeric
 * "#k" suffix is its own base with k = 0. */
static int64_t split_step(const char *name, char *base, size_t cap) {
    const char *h = strrchr(name, '#');
    size_t n = strlen(name);
    int64_t k = 0;
    if (h && h[1] && strspn(h + 1, "0123456789") == strlen(h + 1) && strlen(h + 1) < 12) {
        k = strtoll(h + 1, NULL, 10);
        n = (size_t)(h - name);
    }
    if (n >= cap) n = cap - 1;
    memcpy(base, name, n);
    base[n] = '\0';
    return k;
}

/* One member of a series. */
typedef struct step_member {
    const char *base;  /* owned copy */
    int64_t k;
    size_t index;      /* in its set */
} step_member;

static int cmp_member(const void *a, const void *b) {
    const step_member *x = a, *y = b;
    int c = strcmp(x->base, y->base);
    if (c) return c;
    return (x->k > y->k) - (x->k < y->k);
}

/* The members of every name of set, sorted by base then k. */
static step_member *members_of(const parity_set *set, size_t *n_out) {
    size_t n = parity_set_count(set);
    step_member *m = calloc(n ? n : 1, sizeof *m);
    char base[512];
    for (size_t i = 0; m && i < n; i++) {
        m[i].k = split_step(parity_set_tensor(set, i)->name, base, sizeof base);
        m[i].base = strdup(base);
        m[i].index = i;
        if (!m[i].base) {
            for (size_t j = 0; j < i; j++) free((void *)m[j].base);
            free(m);
            return NULL;
        }
    }
    if (m) qsort(m, n, sizeof *m, cmp_member);
    *n_out = n;
    return m;
}

static void members_free(step_member *m, size_t n) {
    for (size_t i = 0; m && i < n; i++) free((void *)m[i].base);
    free(m);
}

/* t with size-1 axes dropped and axis a (of that) fixed at index k. */
static parity_tensor slice_at(const parity_tensor *t, int a, int64_t k) {
    parity_tensor v = *t, s = *t;
    v.ndim = 0;
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] == 1) continue;
        v.shape[v.ndim] = t->shape[d];
        v.stride[v.ndim++] = t->stride[d];
    }
    size_t esz = parity_dtype_size(t->dtype);
    s.ndim = 0;
    s.data = v.data ? v.data + k * v.stride[a] * (int64_t)esz : NULL;
    s.count = 1;
    for (int d = 0; d < v.ndim; d++) {
        if (d == a) continue;
        s.shape[s.ndim] = v.shape[d];
        s.stride[s.ndim++] = v.stride[d];
        s.count *= (uint64_t)v.shape[d];
    }
    s.nbytes = s.count * esz;
    return s;
}

/* The slice s trimmed to m's length where m is shorter in exactly one axis
 * (same rank, size-1 axes aside); 0 when m is not such a prefix of s. */
static int grown_prefix(parity_tensor *s, const parity_tensor *m) {
    int64_t ms[PARITY_MAX_DIMS];
    int mr = 0, b = -1;
    for (int d = 0; d < m->ndim; d++)
        if (m->shape[d] != 1) ms[mr++] = m->shape[d];
    if (mr != s->ndim) return 0;
    for (int d = 0; d < mr; d++) {
        if (ms[d] == s->shape[d]) continue;
        if (b >= 0 || ms[d] > s->shape[d]) return 0;
        b = d;
    }
    if (b < 0) return 0;
    s->shape[b] = ms[b];
    s->count = 1;
    for (int d = 0; d < s->ndim; d++) s->count *= (uint64_t)s->shape[d];
    s->nbytes = s->count * parity_dtype_size(s->dtype);
    return 1;
}

/* Can every member i of the series (tensors mem[0..n) of its set) pair
 * with the slice of stacked at position i along axis a? */
static int stacks_along(const parity_tensor *stacked, int a, const parity_tensor *const *mem,
                        int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        parity_tensor s = slice_at(stacked, a, i);
        if (s.count != mem[i]->count && !grown_prefix(&s, mem[i])) return 0;
    }
    return 1;
}

/* The axis (of the squeezed stacked tensor) along which the members stack,
 * or -1. */
static int stack_axis(const parity_tensor *stacked, const parity_tensor *const *mem, int64_t n) {
    int a = 0;
    for (int d = 0; d < stacked->ndim; d++) {
        if (stacked->shape[d] == 1) continue;
        if (stacked->shape[d] == n && stacks_along(stacked, a, mem, n)) return a;
        a++;
    }
    return -1;
}

/* The tensor of set named base (exactly, else normalized) that has no #k
 * repeats of its own, or -1. */
static long partner_of(const parity_set *set, const char *base) {
    char rep[600];
    long i = parity_set_find(set, base);
    snprintf(rep, sizeof rep, "%s#1", base);
    if (i >= 0) return parity_set_find(set, rep) < 0 ? i : -1;
    char *want = parity__name_normalize_dup(base);
    for (size_t j = 0; want && j < parity_set_count(set); j++) {
        char *got = parity__name_normalize_dup(parity_set_tensor(set, j)->name);
        int same = got && strcmp(got, want) == 0;
        free(got);
        if (!same) continue;
        snprintf(rep, sizeof rep, "%s#1", parity_set_tensor(set, j)->name);
        i = parity_set_find(set, rep) < 0 ? (long)j : -1;
        break;
    }
    free(want);
    return i;
}

parity_status parity__find_steps(const parity_set *series_set, const parity_set *other,
                                 parity__step_fn found, void *ctx, parity_error *err) {
    size_t n = 0;
    step_member *m = members_of(series_set, &n);
    FAIL_IF(!m, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            parity_set_path(series_set));
    const parity_tensor **mem = calloc(n ? n : 1, sizeof *mem);
    parity_status st = mem ? PARITY_OK
                           : parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                          "%s: out of memory", parity_set_path(series_set));
    for (size_t i = 0; st == PARITY_OK && i < n;) {
        size_t j = i;
        while (j < n && strcmp(m[j].base, m[i].base) == 0 && m[j].k == (int64_t)(j - i)) j++;
        size_t end = i;
        while (end < n && strcmp(m[end].base, m[i].base) == 0) end++;
        int64_t len = (int64_t)(j - i);
        long p = j == end && len >= 2 ? partner_of(other, m[i].base) : -1;
        const parity_tensor *stacked = p >= 0 ? parity_set_tensor(other, (size_t)p) : NULL;
        for (int64_t k = 0; stacked && k < len; k++)
            mem[k] = parity_set_tensor(series_set, m[i + (size_t)k].index);
        int axis = stacked ? stack_axis(stacked, mem, len) : -1;
        for (int64_t k = 0; axis >= 0 && k < len && st == PARITY_OK; k++)
            st = found(ctx, (size_t)p, m[i + (size_t)k].index, k, len, axis);
        i = end;
    }
    free(mem);
    members_free(m, n);
    return st;
}

parity_tensor parity__step_slice(const parity_tensor *stacked, int axis, int64_t k,
                                 const parity_tensor *member) {
    parity_tensor s = slice_at(stacked, axis, k);
    if (s.count != member->count) grown_prefix(&s, member);
    return s;
}
