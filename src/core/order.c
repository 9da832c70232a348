/*
 * order.c — execution order of a set: the names a trace lists come first,
 * in that order; the rest follow in load order (a trace directory loads
 * its stage files in file-number order, which is the order the tracer
 * wrote them) or in natural name order (step2 before step10).
 *
 * Ranks come from the name index, so ordering n tensors by a list of m
 * names costs O(m + n log n) whatever the names are.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct ranked {
    parity_tensor t;
    size_t rank;   /* position in the order list; past it: unlisted */
    size_t loaded; /* position before ordering                      */
} ranked;

/* Sort unlisted tensors by natural name order (when rank ties at the
 * sentinel and keep_rest is off, loaded is 0 for all of them). */
static int cmp_ranked(const void *pa, const void *pb) {
    const ranked *a = pa, *b = pb;
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    if (a->loaded != b->loaded) return a->loaded < b->loaded ? -1 : 1;
    return parity__natural_cmp(a->t.name, b->t.name);
}

parity_status parity__set_reorder(parity_set *set, char *const *order, size_t n,
                                  char *const *inputs, size_t n_inputs,
                                  int keep_rest, parity_error *err) {
    size_t count = set->n_tensors, unlisted = n;
    if (count == 0) return PARITY_OK;
    ranked *r = malloc(count * sizeof *r);
    FAIL_IF(!r, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            set->path);
    for (size_t i = 0; i < count; i++)
        r[i] = (ranked){set->tensors[i], unlisted, keep_rest ? i : 0};
    for (size_t k = n; k-- > 0;) { /* backwards: the first listing wins */
        long i = parity_set_find(set, order[k]);
        if (i >= 0) r[i].rank = k;
    }
    for (size_t k = 0; k < n_inputs; k++) {
        long i = parity_set_find(set, inputs[k]);
        if (i >= 0) r[i].t.is_input = 1;
    }
    qsort(r, count, sizeof *r, cmp_ranked);
    for (size_t i = 0; i < count; i++) set->tensors[i] = r[i].t;
    free(r);
    return parity__set_index(set, err);
}
