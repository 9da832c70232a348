/*
 * order.c — execution order of a set: the names a trace lists come first,
 * in that order; the rest follow in load order (a trace directory loads
 * its stage files in file-number order, which is the order the tracer
 * wrote them) or in natural name order (step2 before step10).
 *
 * Ranks come from the name index, so ordering n tensors by a list of m
 * names costs O((m + n) log n) whatever the names are; the tensors then
 * move in place and the index follows them (no copy of the set, no second
 * sort of the names).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct ranked {
    const char *name;
    size_t rank;   /* position in the order list; past it: unlisted */
    size_t loaded; /* position before ordering (0 unless keep_rest) */
    size_t t;      /* position before ordering                      */
} ranked;

/* Sort unlisted tensors by natural name order (when rank ties at the
 * sentinel and keep_rest is off, loaded is 0 for all of them); names equal
 * in natural order ("a01", "a1") keep their load order, as a stable sort
 * would. */
static int cmp_ranked(const void *pa, const void *pb) {
    const ranked *a = pa, *b = pb;
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    if (a->loaded != b->loaded) return a->loaded < b->loaded ? -1 : 1;
    int c = parity__natural_cmp(a->name, b->name);
    return c ? c : (a->t > b->t) - (a->t < b->t);
}

/* Move each tensor to its new position (old_of_new[i]: the tensor that
 * goes to i) in place, one cycle of the permutation at a time, so a
 * million tensors are not copied twice. Consumes old_of_new. */
static void permute(parity_tensor *t, size_t *old_of_new, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (old_of_new[i] == SIZE_MAX) continue;
        parity_tensor held = t[i];
        size_t j = i;
        while (old_of_new[j] != i) {
            size_t k = old_of_new[j];
            t[j] = t[k];
            old_of_new[j] = SIZE_MAX;
            j = k;
        }
        t[j] = held;
        old_of_new[j] = SIZE_MAX;
    }
}

parity_status parity__set_reorder(parity_set *set, char *const *order, size_t n,
                                  char *const *inputs, size_t n_inputs,
                                  int keep_rest, parity_error *err) {
    size_t count = set->n_tensors, unlisted = n;
    unsigned long long max = set->opts.max_tensors;
    FAIL_IF(n > max, err, PARITY_E_LIMIT, PARITY_NO_OFFSET,
            "%s: the order lists %zu names, more than the limit of %llu (expected <= "
            "max_tensors)",
            set->path, n, max);
    FAIL_IF(n_inputs > max, err, PARITY_E_LIMIT, PARITY_NO_OFFSET,
            "%s: the inputs list %zu names, more than the limit of %llu (expected <= "
            "max_tensors)",
            set->path, n_inputs, max);
    if (count == 0) return PARITY_OK;
    ranked *r = malloc(count * sizeof *r);
    size_t *perm = malloc(2 * count * sizeof *perm); /* old_of_new, new_of_old */
    if (!r || !perm) {
        free(r);
        free(perm);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", set->path);
    }
    for (size_t i = 0; i < count; i++)
        r[i] = (ranked){set->tensors[i].name, unlisted, keep_rest ? i : 0, i};
    for (size_t k = n; k-- > 0;) { /* backwards: the first listing wins */
        long i = parity_set_find(set, order[k]);
        if (i >= 0) r[i].rank = k;
    }
    for (size_t k = 0; k < n_inputs; k++) {
        long i = parity_set_find(set, inputs[k]);
        if (i >= 0) set->tensors[i].is_input = 1;
    }
    size_t sorted = 1; /* files written in name order need no sort */
    while (sorted < count && cmp_ranked(&r[sorted - 1], &r[sorted]) < 0) sorted++;
    if (sorted < count) qsort(r, count, sizeof *r, cmp_ranked);
    size_t *old_of_new = perm, *new_of_old = perm + count;
    for (size_t i = 0; i < count; i++) {
        old_of_new[i] = r[i].t;
        new_of_old[r[i].t] = i;
    }
    free(r);
    permute(set->tensors, old_of_new, count);
    parity__index_remap(set->index, new_of_old);
    free(perm);
    return set->index ? PARITY_OK : parity__set_index(set, err);
}
