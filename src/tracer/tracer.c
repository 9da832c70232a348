/*
 * tracer.c — the C tracer: open, add, metadata, close, and the naming of
 * repeated stages ("name", "name#1", "name#2", ...).
 *
 * Trace layouts (see parity.h section 6 and docs/tracing.md):
 * - single file (path ends in ".safetensors"): every stage is copied into a
 *   parity_writer and the file is written at close with __metadata__
 *     "parity.format" = "parity-trace/1"
 *     "parity.order"  = JSON array of stage names in add order (a string)
 *     "parity.inputs" = JSON array of the names marked as model inputs
 *   plus the user's metadata entries;
 * - directory (any other path): tracer_dir.c writes one file per stage as
 *   it completes and rewrites index.json now and then (always at close).
 * Inject mode lives in tracer_inject.c. The environment is read in
 * parity_tracer_open only; the tracer holds no global state.
 */
#include "tracer_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- name table: base name -> repeat count, final names in use -------- */

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
static parity_tracer_name *name_slot(parity_tracer_name *tab, size_t cap,
                                     const char *key) {
    size_t i = name_hash(key) & (cap - 1);
    while (tab[i].key && strcmp(tab[i].key, key) != 0) i = (i + 1) & (cap - 1);
    return &tab[i];
}

/* Keep the load factor under 1/2 so probes stay short. */
static int name_grow(parity_tracer *t) {
    if (2 * (t->n_names + 1) <= t->cap_names) return 1;
    size_t cap = t->cap_names ? 2 * t->cap_names : 64;
    if (cap < t->cap_names) return 0;
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

/* Find or insert key; NULL when out of memory. The pointer is valid until
 * the next insertion. */
static parity_tracer_name *name_get(parity_tracer *t, const char *key) {
    if (!name_grow(t)) return NULL;
    parity_tracer_name *e = name_slot(t->names, t->cap_names, key);
    if (e->key) return e;
    e->key = strdup(key);
    if (!e->key) return NULL;
    t->n_names++;
    return e;
}

/* The stage name for the next add of base: base itself the first time,
 * then base#k for the k-th repeat, skipping any string already used as a
 * stage name (a caller may add "a#1" itself). *out is owned by the table. */
static parity_status stage_name(parity_tracer *t, const char *base,
                                const char **out, parity_error *err) {
    parity_tracer_name *e = name_get(t, base);
    FAIL_IF(!e, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "tracer: stage '%s': out of memory", base);
    size_t k = e->repeats;
    parity_buf cand = {0};
    for (;;) {
        cand.len = 0;
        if (k == 0) parity__buf_puts(&cand, base);
        else parity__buf_printf(&cand, "%s#%zu", base, k);
        e = cand.oom ? NULL : name_get(t, cand.data);
        if (!e || !e->used) break;
        k++;
    }
    if (e) e->used = 1;
    *out = e ? e->key : NULL;
    parity__buf_free(&cand);
    e = *out ? name_get(t, base) : NULL;
    FAIL_IF(!e, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "tracer: stage '%s': out of memory", base);
    e->repeats = k + 1;
    return PARITY_OK;
}

/* How many times base has been added so far (its next suffix). */
static size_t name_repeats(const parity_tracer *t, const char *base) {
    if (!t->cap_names) return 0;
    const parity_tracer_name *e = name_slot(t->names, t->cap_names, base);
    return e->key ? e->repeats : 0;
}

/* Undo stage_name when the stage could not be written, so an add that
 * failed does not shift the suffixes of the adds after it. */
static void stage_name_release(parity_tracer *t, const char *base,
                               const char *stage, size_t repeats) {
    parity_tracer_name *e = name_slot(t->names, t->cap_names, stage);
    if (e->key) e->used = 0;
    e = name_slot(t->names, t->cap_names, base);
    if (e->key) e->repeats = repeats;
}

/* ---- open / close ------------------------------------------------------ */

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static void tracer_free(parity_tracer *t) {
    for (size_t i = 0; i < t->cap_names; i++) free(t->names[i].key);
    free(t->names);
    for (size_t i = 0; i < t->n_meta; i++) {
        free(t->meta_keys[i]);
        free(t->meta_values[i]);
    }
    free(t->meta_keys);
    free(t->meta_values);
    parity__buf_free(&t->order);
    parity__buf_free(&t->inputs);
    parity__buf_free(&t->files);
    parity_writer_discard(t->single);
    parity__tracer_inject_free(t);
    free(t->path);
    free(t);
}

parity_status parity_tracer_open(const char *path, parity_tracer **out,
                                 parity_error *err) {
    FAIL_IF(!out, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: parity_tracer_open: out is NULL");
    *out = NULL;
    if (!path) path = getenv("PARITY_TRACE");
    if (!path || !*path) return PARITY_OK; /* tracing disabled */
    parity_tracer *t = calloc(1, sizeof *t);
    FAIL_IF(!t, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "tracer: %s: out of memory", path);
    t->path = strdup(path);
    t->dir_mode = !ends_with(path, ".safetensors");
    parity_status st = t->path ? PARITY_OK
                               : parity__fail(err, PARITY_E_NOMEM,
                                              PARITY_NO_OFFSET,
                                              "tracer: %s: out of memory", path);
    if (st == PARITY_OK && t->dir_mode) st = parity__tracer_dir_init(t, err);
    if (st == PARITY_OK && !t->dir_mode)
        st = parity_writer_open(path, &t->single, err);
    const char *inject = getenv("PARITY_INJECT");
    if (st == PARITY_OK && inject && *inject)
        st = parity_tracer_set_inject(t, inject, err);
    if (st != PARITY_OK) {
        tracer_free(t);
        return st;
    }
    *out = t;
    return PARITY_OK;
}

/* "[" body "]" as an owned string in *b. */
static void json_array(parity_buf *b, const parity_buf *body) {
    parity__buf_puts(b, "[");
    if (body->len) parity__buf_put(b, body->data, body->len);
    parity__buf_puts(b, "]");
}

/* Single-file mode: the order metadata, then the user's, then the file. */
static parity_status close_single(parity_tracer *t, parity_error *err) {
    parity_buf order = {0}, inputs = {0};
    json_array(&order, &t->order);
    json_array(&inputs, &t->inputs);
    parity_status st = PARITY_OK;
    if (order.oom || inputs.oom)
        st = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                          "tracer: %s: out of memory", t->path);
    if (st == PARITY_OK)
        st = parity_writer_meta(t->single, "parity.format", "parity-trace/1", err);
    if (st == PARITY_OK)
        st = parity_writer_meta(t->single, "parity.order", order.data, err);
    if (st == PARITY_OK)
        st = parity_writer_meta(t->single, "parity.inputs", inputs.data, err);
    for (size_t i = 0; st == PARITY_OK && i < t->n_meta; i++)
        st = parity_writer_meta(t->single, t->meta_keys[i], t->meta_values[i], err);
    parity__buf_free(&order);
    parity__buf_free(&inputs);
    if (st != PARITY_OK) return st; /* tracer_free discards the writer */
    parity_writer *w = t->single;
    t->single = NULL;
    return parity_writer_close(w, err);
}

parity_status parity_tracer_close(parity_tracer *t, parity_error *err) {
    if (!t) return PARITY_OK;
    parity_status st = t->dir_mode ? parity__tracer_dir_index(t, err)
                                   : close_single(t, err);
    tracer_free(t);
    return st;
}

size_t parity_tracer_injected(const parity_tracer *t) {
    return t ? t->injected : 0;
}

/* ---- metadata ---------------------------------------------------------- */

static int reserved_key(const char *key) {
    return !strcmp(key, "parity.format") || !strcmp(key, "parity.order") ||
           !strcmp(key, "parity.inputs");
}

static parity_status meta_append(parity_tracer *t, const char *key,
                                 const char *value, parity_error *err) {
    if (t->n_meta == t->cap_meta) {
        size_t cap = t->cap_meta ? 2 * t->cap_meta : 8;
        char **k = realloc(t->meta_keys, cap * sizeof *k);
        if (k) t->meta_keys = k;
        char **v = k ? realloc(t->meta_values, cap * sizeof *v) : NULL;
        if (v) t->meta_values = v;
        FAIL_IF(!v, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "tracer: %s: metadata '%s': out of memory", t->path, key);
        t->cap_meta = cap;
    }
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                            "tracer: %s: metadata '%s': out of memory",
                            t->path, key);
    }
    t->meta_keys[t->n_meta] = k;
    t->meta_values[t->n_meta++] = v;
    return PARITY_OK;
}

/* A key given again replaces its value (the last one wins). */
parity_status parity_tracer_meta(parity_tracer *t, const char *key,
                                 const char *value, parity_error *err) {
    if (!t) return PARITY_OK;
    FAIL_IF(!key || !*key || !value, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: %s: metadata key or value is NULL or empty", t->path);
    FAIL_IF(reserved_key(key), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: %s: metadata '%s': key is reserved for the tracer",
            t->path, key);
    size_t i = 0;
    while (i < t->n_meta && strcmp(t->meta_keys[i], key) != 0) i++;
    if (i < t->n_meta) {
        char *v = strdup(value);
        FAIL_IF(!v, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "tracer: %s: metadata '%s': out of memory", t->path, key);
        free(t->meta_values[i]);
        t->meta_values[i] = v;
    } else {
        TRY(meta_append(t, key, value, err));
    }
    return t->dir_mode ? parity__tracer_dir_index(t, err) : PARITY_OK;
}

/* ---- add --------------------------------------------------------------- */

/* Validate the arguments of an add; *count receives the element count. */
static parity_status check_add(const parity_tracer *t, const char *name,
                               parity_dtype dt, int ndim, const int64_t *shape,
                               const void *data, uint64_t *count,
                               parity_error *err) {
    FAIL_IF(!name || !*name, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: %s: stage name is NULL or empty", t->path);
    FAIL_IF(parity_dtype_size(dt) == 0, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: stage '%s': invalid dtype %d", name, (int)dt);
    FAIL_IF(dt == PARITY_DT_F80, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: stage '%s': dtype F80 cannot be stored in safetensors "
            "(trace it as F64)", name);
    char subject[600];
    snprintf(subject, sizeof subject, "tracer: stage '%s'", name);
    return parity__check_shape(subject, dt, ndim, shape, data, count, NULL, err);
}

/* Append the stage to the in-memory order, inputs and files lists. */
static parity_status record_stage(parity_tracer *t, const char *stage,
                                  const char *file, int is_input,
                                  parity_error *err) {
    if (t->n_stages) parity__buf_puts(&t->order, ",");
    parity__buf_json_str(&t->order, stage);
    if (is_input) {
        if (t->n_inputs) parity__buf_puts(&t->inputs, ",");
        parity__buf_json_str(&t->inputs, stage);
        t->n_inputs++;
    }
    if (file) {
        if (t->n_stages) parity__buf_puts(&t->files, ",");
        parity__buf_json_str(&t->files, stage);
        parity__buf_puts(&t->files, ":");
        parity__buf_json_str(&t->files, file);
    }
    t->n_stages++;
    FAIL_IF(t->order.oom || t->inputs.oom || t->files.oom, err, PARITY_E_NOMEM,
            PARITY_NO_OFFSET, "tracer: stage '%s': out of memory", stage);
    return PARITY_OK;
}

/* The stage is recorded with the port's own values first, then (inject
 * mode) overwritten: the trace shows each stage's own error given
 * reference inputs. */
parity_status parity__tracer_add(parity_tracer *t, const char *name,
                                     parity_dtype dt, int ndim,
                                     const int64_t *shape, void *data,
                                     int is_input, parity_error *err) {
    if (!t) return PARITY_OK;
    uint64_t count = 0;
    TRY(check_add(t, name, dt, ndim, shape, data, &count, err));
    size_t repeats = name_repeats(t, name);
    const char *stage = NULL;
    TRY(stage_name(t, name, &stage, err));
    char file[64];
    parity_status st =
        t->dir_mode ? parity__tracer_dir_stage(t, stage, dt, ndim, shape, data,
                                               file, sizeof file, err)
                    : parity_writer_add(t->single, stage, dt, ndim, shape, data,
                                        err);
    if (st != PARITY_OK) {
        stage_name_release(t, name, stage, repeats);
        return st;
    }
    TRY(record_stage(t, stage, t->dir_mode ? file : NULL, is_input, err));
    if (t->dir_mode) TRY(parity__tracer_dir_added(t, is_input, err));
    if (t->inject)
        TRY(parity__tracer_inject(t, stage, dt, ndim, shape, data, count, err));
    return PARITY_OK;
}
