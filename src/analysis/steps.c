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
 * slice's prefix there is compared, the valid part of the member. A member
 * that holds every position up to its own (a KV cache [H, pos+1, HD]
 * against the keys [H, T, HD]) is compared with the stacked tensor's
 * prefix through its position along the axis.
 *
 * Names are the set's own, or those a caller passes (a port's names
 * renamed by --map rules), so a port with its own names pairs step by step
 * through a map.
 */
#include "steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t parity__step_split(const char *name, char *base, size_t cap) {
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

static int cmp_member(const void *a, const void *b) {
    const step_member *x = a, *y = b;
    int c = strcmp(x->base, y->base);
    if (c) return c;
    return (x->k > y->k) - (x->k < y->k);
}

static const char *name_of(const parity_set *set, const char *const *names, size_t i) {
    return names && names[i] ? names[i] : parity_set_tensor(set, i)->name;
}

step_member *parity__step_members(const parity_set *set, const char *const *names,
                               size_t *n_out) {
    size_t n = parity_set_count(set);
    step_member *m = calloc(n ? n : 1, sizeof *m);
    char base[512];
    for (size_t i = 0; m && i < n; i++) {
        m[i].k = parity__step_split(name_of(set, names, i), base, sizeof base);
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

void parity__step_members_free(step_member *m, size_t n) {
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
    if (mr != s->ndim && m->ndim == s->ndim) { /* [H, 1] at position 0 */
        mr = m->ndim;
        for (int d = 0; d < mr; d++) ms[d] = m->shape[d];
    }
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

/* t with size-1 axes dropped and axis a (of that) cut to [0, k + 1): the
 * positions up to k. */
static parity_tensor through(const parity_tensor *t, int a, int64_t k) {
    parity_tensor v = *t;
    v.ndim = 0;
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] == 1) continue;
        v.shape[v.ndim] = t->shape[d];
        v.stride[v.ndim++] = t->stride[d];
    }
    v.count = v.count / (uint64_t)v.shape[a] * (uint64_t)(k + 1);
    v.shape[a] = k + 1;
    v.nbytes = v.count * parity_dtype_size(v.dtype);
    return v;
}

parity_tensor parity__step_part(const parity_tensor *stacked, int a, int64_t k,
                              const parity_tensor *member, int *ok) {
    parity_tensor s = slice_at(stacked, a, k);
    *ok = 1;
    if (s.count == member->count || grown_prefix(&s, member)) return s;
    parity_tensor c = through(stacked, a, k);
    *ok = c.count == member->count && k > 0;
    return c;
}

/* Can every member i of the series (tensors mem[0..n) of its set) pair
 * with its part of stacked along axis a? */
static int stacks_along(const parity_tensor *stacked, int a, const parity_tensor *const *mem,
                        int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        int ok;
        parity__step_part(stacked, a, i, mem[i], &ok);
        if (!ok) return 0;
    }
    return 1;
}

int parity__step_axis(const parity_tensor *stacked, const parity_tensor *const *mem, int64_t n) {
    int a = 0;
    for (int d = 0; d < stacked->ndim; d++) {
        if (stacked->shape[d] == 1) continue;
        if (stacked->shape[d] == n && stacks_along(stacked, a, mem, n)) return a;
        a++;
    }
    return -1;
}

/* The length of axis a of t with its size-1 axes dropped. */
static int64_t squeezed_len(const parity_tensor *t, int a) {
    for (int d = 0; d < t->ndim; d++)
        if (t->shape[d] != 1 && a-- == 0) return t->shape[d];
    return 0;
}

/* How member k fits its part of stacked along axis a: 2 as the plain
 * slice, 1 as a grown or accumulated part, 0 not at all. */
static int fit_at(const parity_tensor *stacked, int a, int64_t k, const parity_tensor *member) {
    int ok;
    if (slice_at(stacked, a, k).count == member->count) return 2;
    parity__step_part(stacked, a, k, member, &ok);
    return ok;
}

/* Inject mode meets one call at a time and cannot know the series' length
 * n, so where parity__step_axis asks for an axis of length n this asks for
 * one that holds position k. The axes a member fits as a plain slice all
 * have one length (removing axes of unequal lengths leaves unequal
 * counts), so the first of them is the one parity__step_axis takes. They
 * come before the axes it fits only as a grown part: q [4, 8] is a slice
 * of [4, 8, 8] (heads, tokens, dims) along the tokens, but also the prefix
 * of a slice along the 4 heads. */
int parity__step_axis_at(const parity_tensor *stacked, int64_t k, const parity_tensor *member,
                         int64_t *len) {
    int best = -1, best_fit = 0, beyond = -1, a = 0;
    for (int d = 0; d < stacked->ndim; d++) {
        int64_t n = stacked->shape[d];
        if (n == 1) continue;
        int f = fit_at(stacked, a, k < n ? k : n - 1, member);
        if (k < n && f > best_fit) best = a, best_fit = f;
        if (k >= n && f && beyond < 0) beyond = a;
        a++;
    }
    if (best < 0) best = beyond;
    *len = best >= 0 ? squeezed_len(stacked, best) : 0;
    return best;
}

int64_t parity__step_len(const parity_tensor *stacked, int axis) {
    return squeezed_len(stacked, axis);
}

/* The names of the other side, sorted as they are and normalized, for
 * lookups in log time. */
typedef struct name_key {
    const char *key;
    size_t index;
} name_key;

typedef struct lookup {
    name_key *raw, *norm; /* [n] each, sorted by key                        */
    char **owned;         /* [n] the normalized names                       */
    size_t n;
    const parity_set *set;
    const char *const *names;
} lookup;

static int cmp_key(const void *a, const void *b) {
    const name_key *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static void lookup_free(lookup *l) {
    for (size_t i = 0; l->owned && i < l->n; i++) free(l->owned[i]);
    free(l->owned), free(l->raw), free(l->norm);
}

static int lookup_init(lookup *l, const parity_set *set, const char *const *names) {
    l->n = parity_set_count(set);
    l->set = set, l->names = names;
    l->raw = malloc((l->n + 1) * sizeof *l->raw);
    l->norm = malloc((l->n + 1) * sizeof *l->norm);
    l->owned = calloc(l->n + 1, sizeof *l->owned);
    if (!l->raw || !l->norm || !l->owned) return 0;
    for (size_t i = 0; i < l->n; i++) {
        l->raw[i] = (name_key){name_of(set, names, i), i};
        l->owned[i] = parity__name_normalize_dup(l->raw[i].key);
        if (!l->owned[i]) return 0;
        l->norm[i] = (name_key){l->owned[i], i};
    }
    qsort(l->raw, l->n, sizeof *l->raw, cmp_key);
    qsort(l->norm, l->n, sizeof *l->norm, cmp_key);
    return 1;
}

/* The first entry of arr[0..n) whose key is key, or -1. */
static long find_key(const name_key *arr, size_t n, const char *key) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(arr[mid].key, key) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && strcmp(arr[lo].key, key) == 0 ? (long)arr[lo].index : -1;
}

/* The tensor of the other side named base (exactly, else normalized) that
 * has no #k repeats of its own, or -1. */
static long partner_of(const lookup *l, const char *base) {
    char rep[600];
    long i = find_key(l->raw, l->n, base);
    if (i < 0) {
        char *want = parity__name_normalize_dup(base);
        i = want ? find_key(l->norm, l->n, want) : -1;
        free(want);
    }
    if (i < 0) return -1;
    snprintf(rep, sizeof rep, "%s#1", name_of(l->set, l->names, (size_t)i));
    return find_key(l->raw, l->n, rep) < 0 ? i : -1;
}

/* Whether some name of set ends in #k with k >= 1: a series has at least
 * its steps 0 and 1, so without one there is nothing to find (and no need
 * to sort 10,000 names twice to learn it). */
static int has_later_step(const parity_set *set, const char *const *names) {
    char base[512];
    for (size_t i = 0; i < parity_set_count(set); i++)
        if (parity__step_split(name_of(set, names, i), base, sizeof base) >= 1) return 1;
    return 0;
}

parity_status parity__find_steps(const parity_set *series_set, const char *const *series_names,
                                 const parity_set *other, const char *const *other_names,
                                 parity__step_fn found, void *ctx, parity_error *err) {
    if (!has_later_step(series_set, series_names)) return PARITY_OK;
    size_t n = 0;
    lookup other_names_l = {0};
    step_member *m = parity__step_members(series_set, series_names, &n);
    if (!m || !lookup_init(&other_names_l, other, other_names)) {
        parity__step_members_free(m, n);
        lookup_free(&other_names_l);
        FAIL_IF(1, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
                parity_set_path(series_set));
    }
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
        long p = j == end && len >= 2 ? partner_of(&other_names_l, m[i].base) : -1;
        const parity_tensor *stacked = p >= 0 ? parity_set_tensor(other, (size_t)p) : NULL;
        for (int64_t k = 0; stacked && k < len; k++)
            mem[k] = parity_set_tensor(series_set, m[i + (size_t)k].index);
        int axis = stacked ? parity__step_axis(stacked, mem, len) : -1;
        for (int64_t k = 0; axis >= 0 && k < len && st == PARITY_OK; k++)
            st = found(ctx, (size_t)p, m[i + (size_t)k].index, k, len, axis, 1.0);
        i = end;
    }
    free(mem);
    parity__step_members_free(m, n);
    lookup_free(&other_names_l);
    return st;
}

parity_tensor parity__step_slice(const parity_tensor *stacked, int axis, int64_t k,
                                 const parity_tensor *member) {
    int ok;
    return parity__step_part(stacked, axis, k, member, &ok);
}
