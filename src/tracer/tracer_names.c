/*
 * tracer_names.c — stage names and data flow: the naming of repeated stages
 * ("name", "name#1", "name#2", ...), the list of recorded stages, the
 * latest stage of each base name (parity_tracer_last), and the parents of
 * each stage (parity_tracer_parents), written as docs/trace.md says:
 *   "parity.parents" / index.json "parents": {"stage":["parent",...],...}
 * in stage order, each parent once, every parent an earlier stage.
 *
 * The name table is open addressing over strings; a key is a base name
 * passed to an add, a final stage name, or both ("x" is both after its
 * first add). Keys are allocated once and never move, so a stage's name
 * (and what parity_tracer_last returns) stays valid until close.
 */
#include "tracer_impl.h"

#include <stdlib.h>
#include <string.h>

/* ---- the name table ---------------------------------------------------- */

/* FNV-1a: names are short strings, any length, any bytes. */
static size_t name_hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return (size_t)h;
}

/* The slot holding key, or the empty slot where it would go. */
static parity_tracer_name *name_slot(parity_tracer_name *tab, size_t cap, const char *key) {
    size_t i = name_hash(key) & (cap - 1);
    while (tab[i].key && strcmp(tab[i].key, key) != 0) i = (i + 1) & (cap - 1);
    return &tab[i];
}

/* The entry of key, or NULL. */
static const parity_tracer_name *name_find(const parity_tracer *t, const char *key) {
    if (!t->cap_names) return NULL;
    const parity_tracer_name *e = name_slot(t->names, t->cap_names, key);
    return e->key ? e : NULL;
}

/* Room for `more` new keys with the load factor under 1/2. */
static int name_grow(parity_tracer *t, size_t more) {
    if (2 * (t->n_names + more) <= t->cap_names) return 1;
    size_t cap = t->cap_names ? t->cap_names : 64;
    while (cap < 2 * (t->n_names + more)) {
        if (cap > SIZE_MAX / 2 / sizeof *t->names) return 0;
        cap *= 2;
    }
    parity_tracer_name *tab = calloc(cap, sizeof *tab);
    if (!tab) return 0;
    for (size_t i = 0; i < t->cap_names; i++) {
        if (t->names[i].key) *name_slot(tab, cap, t->names[i].key) = t->names[i];
    }
    free(t->names);
    t->names = tab;
    t->cap_names = cap;
    return 1;
}

/* Find or insert key (room must have been made); NULL when out of memory.
 * The pointer is valid until the next insertion. */
static parity_tracer_name *name_get(parity_tracer *t, const char *key) {
    parity_tracer_name *e = name_slot(t->names, t->cap_names, key);
    if (e->key) return e;
    e->key = strdup(key);
    if (!e->key) return NULL;
    t->n_names++;
    return e;
}

void parity__tracer_names_free(parity_tracer *t) {
    for (size_t i = 0; i < t->cap_names; i++) free(t->names[i].key);
    free(t->names);
    for (size_t i = 0; i < t->n_stages; i++) free(t->stages[i].parents);
    free(t->stages);
    t->names = NULL;
    t->stages = NULL;
    t->cap_names = t->n_names = t->cap_stages = 0;
}

/* ---- naming a stage ---------------------------------------------------- */

parity_status parity__tracer_name_next(const parity_tracer *t, const char *base, parity_buf *cand,
                                       size_t *k, parity_error *err) {
    const parity_tracer_name *e = name_find(t, base);
    size_t n = e ? e->repeats : 0;
    for (;; n++) {
        cand->len = 0;
        if (n == 0)
            parity__buf_puts(cand, base);
        else
            parity__buf_printf(cand, "%s#%zu", base, n);
        FAIL_IF(cand->oom, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "tracer: stage '%s': out of memory", base);
        e = name_find(t, cand->data);
        if (!e || !e->stage) break;
    }
    *k = n;
    return PARITY_OK;
}

parity_status parity__tracer_name_commit(parity_tracer *t, const char *base, const char *stage,
                                         size_t k, const char **key, parity_error *err) {
    size_t i = t->n_stages;
    if (i == t->cap_stages) {
        size_t cap = t->cap_stages ? 2 * t->cap_stages : 64;
        parity_tracer_stage *s =
            cap < SIZE_MAX / sizeof *s ? realloc(t->stages, cap * sizeof *s) : NULL;
        FAIL_IF(!s, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tracer: stage '%s': out of memory",
                stage);
        t->stages = s;
        t->cap_stages = cap;
    }
    parity_tracer_name *e = name_grow(t, 2) ? name_get(t, stage) : NULL;
    FAIL_IF(!e, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tracer: stage '%s': out of memory", stage);
    e->stage = i + 1;
    t->stages[i] = (parity_tracer_stage){e->key, NULL, 0};
    *key = e->key;
    e = name_get(t, base); /* room for it was made above */
    FAIL_IF(!e, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tracer: stage '%s': out of memory", stage);
    e->repeats = k + 1;
    e->latest = i + 1;
    t->n_stages++;
    return PARITY_OK;
}

const char *parity__tracer_last(const parity_tracer *t, const char *base) {
    if (!t || !t->n_stages) return NULL;
    if (!base) return t->stages[t->n_stages - 1].name;
    const parity_tracer_name *e = name_find(t, base);
    return e && e->latest ? t->stages[e->latest - 1].name : NULL;
}

/* ---- data flow --------------------------------------------------------- */

/* The index of the stage named name, or -1. */
static long stage_index(const parity_tracer *t, const char *name) {
    const parity_tracer_name *e = name_find(t, name);
    return e && e->stage ? (long)(e->stage - 1) : -1;
}

/* Resolve parents[0..n) to stage indices before child into ix (each
 * once, in the order given); *m receives how many. */
static parity_status resolve_parents(const parity_tracer *t, long child, const char *const *parents,
                                     size_t n, size_t *ix, size_t *m, parity_error *err) {
    const char *cname = t->stages[child].name;
    *m = 0;
    for (size_t i = 0; i < n; i++) {
        FAIL_IF(!parents[i], err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "tracer: stage '%s': parent %zu is NULL", cname, i);
        long p = stage_index(t, parents[i]);
        FAIL_IF(p < 0, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "tracer: stage '%s': parent '%s' is no recorded stage", cname, parents[i]);
        FAIL_IF(p >= child, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "tracer: stage '%s': parent '%s' %s", cname, parents[i],
                p == child ? "is the stage itself" : "was recorded after it");
        size_t j = 0;
        while (j < *m && ix[j] != (size_t)p) j++;
        if (j == *m) ix[(*m)++] = (size_t)p;
    }
    return PARITY_OK;
}

/* Single-file mode: one journal record of stage i's parents, as the JSON
 * object {"stage":["parent",...]} ({"stage":[]} once they are cleared). */
static parity_status journal_parents(parity_tracer *t, size_t i, parity_error *err) {
    const parity_tracer_stage *s = &t->stages[i];
    parity_buf b = {0};
    parity__buf_puts(&b, "{");
    parity__buf_json_str(&b, s->name);
    parity__buf_puts(&b, ":[");
    for (size_t j = 0; j < s->n_parents; j++) {
        if (j) parity__buf_puts(&b, ",");
        parity__buf_json_str(&b, t->stages[s->parents[j]].name);
    }
    parity__buf_puts(&b, "]}");
    parity_meta_entry e = {"parity.parents", b.data};
    parity_status st = b.oom ? parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                            "tracer: %s: out of memory", t->path)
                             : parity__journal_meta(t->journal, &e, 1, err);
    parity__buf_free(&b);
    return st;
}

parity_status parity__tracer_parents(parity_tracer *t, const char *stage,
                                     const char *const *parents, size_t n, parity_error *err) {
    if (!t) return PARITY_OK;
    FAIL_IF(!stage && !t->n_stages, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: %s: parents of the last stage, but no stage was added", t->path);
    long child = stage ? stage_index(t, stage) : (long)t->n_stages - 1;
    FAIL_IF(child < 0, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: parents of '%s': no such stage", stage);
    FAIL_IF(n && !parents, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: stage '%s': %zu parents but the list is NULL", t->stages[child].name, n);
    size_t *ix = n && n <= SIZE_MAX / sizeof *ix ? malloc(n * sizeof *ix) : NULL;
    FAIL_IF(n && !ix, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tracer: stage '%s': out of memory",
            t->stages[child].name);
    size_t m = 0;
    parity_status st = resolve_parents(t, child, parents, n, ix, &m, err);
    if (st != PARITY_OK) {
        free(ix);
        return st;
    }
    parity_tracer_stage *s = &t->stages[child];
    t->n_with_parents += (m > 0) - (s->n_parents > 0);
    free(s->parents);
    s->parents = m ? ix : NULL;
    s->n_parents = m;
    if (!m) free(ix);
    return t->journal ? journal_parents(t, (size_t)child, err) : PARITY_OK;
}

void parity__tracer_parents_json(const parity_tracer *t, parity_buf *b) {
    int first = 1;
    for (size_t i = 0; i < t->n_stages; i++) {
        const parity_tracer_stage *s = &t->stages[i];
        if (!s->n_parents) continue;
        if (!first) parity__buf_puts(b, ",");
        first = 0;
        parity__buf_json_str(b, s->name);
        parity__buf_puts(b, ":[");
        for (size_t j = 0; j < s->n_parents; j++) {
            if (j) parity__buf_puts(b, ",");
            parity__buf_json_str(b, t->stages[s->parents[j]].name);
        }
        parity__buf_puts(b, "]");
    }
}
