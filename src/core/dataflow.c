/*
 * dataflow.c — what a trace records beyond its tensors: the stages each
 * stage was computed from (parents), and stages stored once under the
 * name of an earlier one they equal (aliases). docs/trace.md has the
 * on-disk form; the readers in src/formats/ parse it and call these.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

parity_status parity__set_parents_add(parity_set *set, const char *stage,
                                      char *const *names, size_t n, parity_error *err) {
    if (set->n_parents == set->cap_parents) {
        size_t cap = set->cap_parents ? 2 * set->cap_parents : 16;
        parity__parents *p = realloc(set->parents, cap * sizeof *p);
        FAIL_IF(!p, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", set->path);
        set->parents = p;
        set->cap_parents = cap;
    }
    parity__parents *e = &set->parents[set->n_parents];
    e->stage = parity__set_strdup(set, stage, strlen(stage));
    e->names = calloc(n ? n : 1, sizeof *e->names);
    e->n = n;
    FAIL_IF(!e->stage || !e->names, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory", set->path);
    set->n_parents++; /* owns e->names from here (freed with the set) */
    for (size_t i = 0; i < n; i++) {
        e->names[i] = parity__set_strdup(set, names[i], strlen(names[i]));
        FAIL_IF(!e->names[i], err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "%s: out of memory", set->path);
    }
    return PARITY_OK;
}

static int cmp_stage(const void *a, const void *b) {
    return strcmp(((const parity__parents *)a)->stage, ((const parity__parents *)b)->stage);
}

void parity__set_parents_done(parity_set *set) {
    if (set->n_parents > 1) qsort(set->parents, set->n_parents, sizeof *set->parents, cmp_stage);
}

size_t parity_set_parents(const parity_set *set, size_t i, const char *const **names) {
    if (names) *names = NULL;
    if (i >= set->n_tensors || set->n_parents == 0) return 0;
    parity__parents key = {set->tensors[i].name, NULL, 0};
    const parity__parents *e = bsearch(&key, set->parents, set->n_parents, sizeof key, cmp_stage);
    if (!e) return 0;
    if (names) *names = e->names;
    return e->n;
}

int parity_set_has_dataflow(const parity_set *set) { return set->n_parents > 0; }

parity_status parity__set_alias(parity_set *set, const char *alias, const char *target,
                                parity_error *err) {
    long t = parity_set_find(set, target);
    FAIL_IF(t < 0, err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: alias '%s' names '%s', which is no stored tensor of the trace", set->path,
            alias, target);
    FAIL_IF(set->tensors[t].alias_of, err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: alias '%s' names '%s', itself an alias (expected a stored tensor)",
            set->path, alias, target);
    FAIL_IF(parity_set_find(set, alias) >= 0, err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: alias '%s' is also a stored tensor", set->path, alias);
    parity_tensor v = set->tensors[t];
    v.name = parity__set_strdup(set, alias, strlen(alias));
    v.alias_of = set->tensors[t].name;
    v.is_input = 0;
    FAIL_IF(!v.name, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", set->path);
    return parity__set_add(set, &v, err);
}
