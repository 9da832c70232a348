/* nameindex.c — name -> tensor lookups: the tensors' names sorted once
 * when a set is opened, then found by binary search. Also where duplicate
 * names across the files of a folder are caught.
 *
 * Names come from files: a hash table keyed by a fixed function can be
 * flooded with names that all land in one bucket (a 20,000-tensor file and
 * an order list of a million names then cost 10^10 comparisons). A sorted
 * array costs O(n log n) to build and O(log n) per lookup whatever the
 * names are, and needs no random seed (no state, the same work every run).
 * Each entry keeps its name pointer, so comparisons do not go through the
 * tensor array. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct name_ref {
    const char *name;
    size_t t; /* tensor index */
} name_ref;

struct parity_name_index {
    name_ref *ref; /* [n] sorted by (name, t) */
    size_t n;
};

static int cmp_ref(const void *pa, const void *pb) {
    const name_ref *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->t > b->t) - (a->t < b->t);
}

void parity__index_free(struct parity_name_index *ix) {
    if (!ix) return;
    free(ix->ref);
    free(ix);
}

long parity__index_find(const struct parity_name_index *ix,
                        const parity_tensor *tensors, const char *name) {
    (void)tensors;
    if (!ix || !name) return -1;
    size_t lo = 0, hi = ix->n; /* the first ref whose name >= name */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ix->ref[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < ix->n && strcmp(ix->ref[lo].name, name) == 0) return (long)ix->ref[lo].t;
    return -1;
}

void parity__index_remap(struct parity_name_index *ix, const size_t *new_of_old) {
    for (size_t i = 0; ix && i < ix->n; i++) ix->ref[i].t = new_of_old[ix->ref[i].t];
}

/* The first duplicate in tensor order: the smallest index t whose name an
 * earlier tensor bears, and that earlier tensor (*first). In the sorted
 * refs, the second member of each run of equal names. */
static int first_duplicate(const struct parity_name_index *ix, size_t *first, size_t *dup) {
    int found = 0;
    for (size_t i = 0; i + 1 < ix->n; i++) {
        if (strcmp(ix->ref[i].name, ix->ref[i + 1].name) != 0) continue;
        if (!found || ix->ref[i + 1].t < *dup) {
            *first = ix->ref[i].t;
            *dup = ix->ref[i + 1].t;
            found = 1;
        }
        while (i + 1 < ix->n && strcmp(ix->ref[i].name, ix->ref[i + 1].name) == 0) i++;
    }
    return found;
}

parity_status parity__set_index(parity_set *set, parity_error *err) {
    parity__index_free(set->index); /* a rebuild after tensors were added */
    set->index = NULL;
    size_t n = set->n_tensors;
    struct parity_name_index *ix = calloc(1, sizeof *ix);
    name_ref *ref = ix ? malloc((n ? n : 1) * sizeof *ref) : NULL;
    if (!ref) {
        free(ix);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                            "%s: out of memory", set->path);
    }
    for (size_t t = 0; t < n; t++) ref[t] = (name_ref){set->tensors[t].name, t};
    if (n > 1) qsort(ref, n, sizeof *ref, cmp_ref);
    ix->ref = ref;
    ix->n = n;
    size_t first = 0, dup = 0;
    if (first_duplicate(ix, &first, &dup)) {
        const parity_tensor *o = &set->tensors[first], *t = &set->tensors[dup];
        parity_status s = parity__fail(err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                                       "%s: duplicate tensor name '%s' (in %s and %s)", set->path,
                                       t->name, o->file, t->file);
        parity__index_free(ix);
        return s;
    }
    set->index = ix;
    return PARITY_OK;
}
