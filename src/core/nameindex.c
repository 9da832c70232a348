/* nameindex.c — name -> tensor lookups in O(1): an open-addressing hash
 * table (FNV-1a, linear probing, load <= 1/2) built once when a set is
 * opened. Also where duplicate names across the files of a folder are
 * caught. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct parity_name_index {
    size_t mask;   /* capacity - 1, capacity a power of two */
    long *slot;    /* [capacity] tensor index, or -1 when empty */
};

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

void parity__index_free(struct parity_name_index *ix) {
    if (!ix) return;
    free(ix->slot);
    free(ix);
}

long parity__index_find(const struct parity_name_index *ix,
                        const parity_tensor *tensors, const char *name) {
    if (!ix || !name) return -1;
    for (size_t i = fnv1a(name) & ix->mask;; i = (i + 1) & ix->mask) {
        long t = ix->slot[i];
        if (t < 0) return -1;
        if (strcmp(tensors[t].name, name) == 0) return t;
    }
}

parity_status parity__set_index(parity_set *set, parity_error *err) {
    parity__index_free(set->index); /* a rebuild after tensors were added */
    set->index = NULL;
    size_t cap = 16;
    while (cap < 2 * set->n_tensors + 1) cap *= 2;
    struct parity_name_index *ix = calloc(1, sizeof *ix);
    long *slot = ix ? malloc(cap * sizeof *slot) : NULL;
    if (!slot) {
        free(ix);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                            "%s: out of memory", set->path);
    }
    memset(slot, 0xff, cap * sizeof *slot); /* all -1 */
    ix->mask = cap - 1;
    ix->slot = slot;
    for (size_t t = 0; t < set->n_tensors; t++) {
        const char *name = set->tensors[t].name;
        size_t i = fnv1a(name) & ix->mask;
        for (; slot[i] >= 0; i = (i + 1) & ix->mask) {
            const parity_tensor *o = &set->tensors[slot[i]];
            if (strcmp(o->name, name) != 0) continue;
            parity_status s = parity__fail(
                err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                "%s: duplicate tensor name '%s' (in %s and %s)", set->path,
                name, o->file, set->tensors[t].file);
            parity__index_free(ix);
            return s;
        }
        slot[i] = (long)t;
    }
    set->index = ix;
    return PARITY_OK;
}
