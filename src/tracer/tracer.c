/*
 * tracer.c — the C tracer: open, add (record, and inject), metadata, close.
 *
 * Trace layouts (see parity.h section 6 and docs/tracing.md):
 * - single file (path ends in ".safetensors"): while the tracer runs, a
 *   journal (formats/journal.h) to which each stage is appended as it is
 *   added, with what it changes in the metadata, so a crash loses nothing
 *   already added; at close the finished safetensors file replaces it,
 *   with __metadata__
 *     "parity.format"  = "parity-trace/1"
 *     "parity.order"   = JSON array of stage names in add order (a string)
 *     "parity.inputs"  = JSON array of the names marked as model inputs
 *     "parity.parents" = JSON object, stage -> [parents] (when any)
 *   plus the user's metadata entries;
 * - directory (any other path): tracer_dir.c writes one file per stage as
 *   it completes and rewrites index.json now and then (always at close).
 * An add reads the caller's data and never writes it; an inject call
 * (PARITY__TRACE_INJECT) then hands the buffer to tracer_inject.c. A
 * strided view is gathered into the tracer's scratch buffer in C order,
 * recorded from there, injected there, and scattered back. Stage names and
 * parents live in tracer_names.c. The environment is read in
 * parity_tracer_open only; the tracer holds no global state. Either way
 * the output is locked (core/lock.c) from open to close: a second tracer
 * writing there fails at open.
 */
#include "tracer_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- open / close ------------------------------------------------------ */

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static void tracer_free(parity_tracer *t) {
    parity__tracer_names_free(t);
    free(t->scratch);
    for (size_t i = 0; i < t->n_meta; i++) {
        free(t->meta_keys[i]);
        free(t->meta_values[i]);
    }
    free(t->meta_keys);
    free(t->meta_values);
    parity__buf_free(&t->order);
    parity__buf_free(&t->inputs);
    parity__buf_free(&t->files);
    parity__journal_close(t->journal); /* unfinished: readers recover it */
    if (t->dir_lock >= 0) close(t->dir_lock);
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
    t->dir_lock = -1;
    t->path = strdup(path);
    t->dir_mode = !ends_with(path, ".safetensors");
    parity_status st = t->path ? PARITY_OK
                               : parity__fail(err, PARITY_E_NOMEM,
                                              PARITY_NO_OFFSET,
                                              "tracer: %s: out of memory", path);
    /* the reference first: the output is refused when it would destroy
     * the reference (parity__tracer_inject_clash) */
    const char *inject = getenv("PARITY_INJECT"), *map = getenv("PARITY_MAP");
    if (st == PARITY_OK && inject && *inject)
        st = parity_tracer_set_inject(t, inject, err);
    if (st == PARITY_OK && map && *map) st = parity_tracer_set_map(t, map, err);
    if (st == PARITY_OK && t->dir_mode) st = parity__tracer_dir_init(t, err);
    if (st == PARITY_OK && !t->dir_mode) st = parity__journal_open(path, &t->journal, err);
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

/* Single-file mode: the order metadata, then the user's, then the file
 * replaces the journal. */
static parity_status close_single(parity_tracer *t, parity_error *err) {
    parity_buf order = {0}, inputs = {0}, parents = {0};
    json_array(&order, &t->order);
    json_array(&inputs, &t->inputs);
    parity__buf_puts(&parents, "{");
    parity__tracer_parents_json(t, &parents);
    parity__buf_puts(&parents, "}");
    size_t n = 0;
    parity_meta_entry *meta = malloc((4 + t->n_meta) * sizeof *meta);
    parity_status st = PARITY_OK;
    if (order.oom || inputs.oom || parents.oom || !meta)
        st = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                          "tracer: %s: out of memory", t->path);
    if (st == PARITY_OK) {
        meta[n++] = (parity_meta_entry){"parity.format", "parity-trace/1"};
        meta[n++] = (parity_meta_entry){"parity.order", order.data};
        meta[n++] = (parity_meta_entry){"parity.inputs", inputs.data};
        if (t->n_with_parents) meta[n++] = (parity_meta_entry){"parity.parents", parents.data};
        for (size_t i = 0; i < t->n_meta; i++)
            meta[n++] = (parity_meta_entry){t->meta_keys[i], t->meta_values[i]};
        st = parity__journal_finish(t->journal, meta, n, err);
    }
    free(meta);
    parity__buf_free(&order);
    parity__buf_free(&inputs);
    parity__buf_free(&parents);
    return st; /* on failure the journal stays: parity reads it */
}

/* One record of metadata changes: key = value. */
static parity_status journal_meta(parity_tracer *t, const char *key, const char *value,
                                  parity_error *err) {
    parity_meta_entry e = {(char *)key, (char *)value};
    return parity__journal_meta(t->journal, &e, 1, err);
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
    static const char *const keys[] = {"parity.format", "parity.order", "parity.inputs",
                                       "parity.parents", "parity.aliases", "parity.recovered"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!strcmp(key, keys[i])) return 1;
    return 0;
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
    return t->dir_mode ? parity__tracer_dir_index(t, err) : journal_meta(t, key, value, err);
}

/* ---- add --------------------------------------------------------------- */

/* Validate the arguments of an add; *count receives the element count. */
static parity_status check_add(const parity_tracer *t, const char *name, parity_dtype dt, int ndim,
                               const int64_t *shape, const int64_t *stride, const void *data,
                               int flags, uint64_t *count, parity_error *err) {
    FAIL_IF(!name || !*name, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: %s: stage name is NULL or empty", t->path);
    FAIL_IF(parity_dtype_size(dt) == 0, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: stage '%s': invalid dtype %d", name, (int)dt);
    FAIL_IF(dt == PARITY_DT_F80, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: stage '%s': dtype F80 cannot be stored in safetensors "
            "(trace it as F64)", name);
    char subject[600];
    snprintf(subject, sizeof subject, "tracer: stage '%s'", name);
    TRY(parity__check_shape(subject, dt, ndim, shape, data, count, NULL, err));
    if (!stride) return PARITY_OK;
    int writable = (flags & PARITY__TRACE_INJECT) && t->inject;
    return parity__view_check(subject, parity_dtype_size(dt), ndim, shape, stride, writable, err);
}

/* Room for nbytes in the scratch buffer. */
static parity_status scratch_reserve(parity_tracer *t, uint64_t nbytes, const char *name,
                                     parity_error *err) {
    if (nbytes <= t->scratch_cap) return PARITY_OK;
    unsigned char *p = nbytes <= SIZE_MAX ? realloc(t->scratch, (size_t)nbytes) : NULL;
    FAIL_IF(!p, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "tracer: stage '%s': out of memory for %llu bytes", name, (unsigned long long)nbytes);
    t->scratch = p;
    t->scratch_cap = (size_t)nbytes;
    return PARITY_OK;
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
    FAIL_IF(t->order.oom || t->inputs.oom || t->files.oom, err, PARITY_E_NOMEM,
            PARITY_NO_OFFSET, "tracer: stage '%s': out of memory", stage);
    return PARITY_OK;
}

/* Single-file mode: append the stage, marked as an input when it is one. */
static parity_status journal_stage(parity_tracer *t, const char *stage, parity_dtype dt,
                                   int ndim, const int64_t *shape, const void *data, int is_input,
                                   parity_error *err) {
    parity_buf in = {0};
    if (is_input) {
        parity__buf_puts(&in, "[");
        parity__buf_json_str(&in, stage);
        parity__buf_puts(&in, "]");
    }
    parity_meta_entry e = {"parity.inputs", in.data};
    parity_status st = in.oom ? parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                             "tracer: stage '%s': out of memory", stage)
                              : parity__journal_stage(t->journal, stage, dt, ndim, shape, data,
                                                      &e, is_input ? 1 : 0, err);
    parity__buf_free(&in);
    return st;
}

/* Write the C-order bytes at data as the next stage, named from name;
 * *stage receives its final name (owned by the tracer). Nothing is
 * recorded, and no name taken, when the write fails. */
static parity_status write_stage(parity_tracer *t, const char *name, parity_dtype dt, int ndim,
                                 const int64_t *shape, const void *data, int is_input,
                                 const char **stage, parity_error *err) {
    parity_buf cand = {0};
    size_t k = 0;
    char file[64];
    parity_status st = parity__tracer_name_next(t, name, &cand, &k, err);
    if (st == PARITY_OK)
        st = t->dir_mode ? parity__tracer_dir_stage(t, cand.data, dt, ndim, shape, data, file,
                                                    sizeof file, err)
                         : journal_stage(t, cand.data, dt, ndim, shape, data, is_input, err);
    if (st == PARITY_OK) st = record_stage(t, cand.data, t->dir_mode ? file : NULL, is_input, err);
    if (st == PARITY_OK) st = parity__tracer_name_commit(t, name, cand.data, k, stage, err);
    parity__buf_free(&cand);
    return st;
}

/* The stage is recorded with the port's own values first, then (inject
 * calls in inject mode) overwritten: the trace shows each stage's own
 * error given reference inputs. */
parity_status parity__tracer_add(parity_tracer *t, const char *name, parity_dtype dt, int ndim,
                                 const int64_t *shape, const int64_t *stride, const void *data,
                                 int flags, parity_error *err) {
    if (!t) return PARITY_OK;
    uint64_t count = 0;
    TRY(check_add(t, name, dt, ndim, shape, stride, data, flags, &count, err));
    size_t esize = parity_dtype_size(dt);
    /* the checks bound the view's span and count * esize */
    unsigned char *base = (unsigned char *)(uintptr_t)data;
    int strided = !parity__view_c_order(ndim, shape, stride);
    const void *dense = data;
    if (strided) {
        TRY(scratch_reserve(t, count * esize, name, err));
        parity__view_copy(t->scratch, base, esize, ndim, shape, stride, 0);
        dense = t->scratch;
    }
    int is_input = (flags & PARITY__TRACE_INPUT) != 0;
    const char *stage = NULL;
    TRY(write_stage(t, name, dt, ndim, shape, dense, is_input, &stage, err));
    if (t->dir_mode) TRY(parity__tracer_dir_added(t, is_input, err));
    if (!(flags & PARITY__TRACE_INJECT) || !t->inject) return PARITY_OK;
    /* inject calls take void *data: the buffer is the caller's to write */
    TRY(parity__tracer_inject(t, stage, dt, ndim, shape, strided ? t->scratch : base, count, err));
    if (strided) parity__view_copy(t->scratch, base, esize, ndim, shape, stride, 1);
    return PARITY_OK;
}

parity_status parity__tracer_addf(parity_tracer *t, parity_dtype dt, int ndim, const int64_t *shape,
                                  const int64_t *stride, const void *data, int flags,
                                  parity_error *err, const char *fmt, ...) {
    if (!t) return PARITY_OK;
    FAIL_IF(!fmt, err, PARITY_E_USAGE, PARITY_NO_OFFSET, "tracer: %s: stage name format is NULL",
            t->path);
    char small[256], *name = small;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    FAIL_IF(n < 0, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: stage name format '%s' cannot be formatted", fmt);
    if ((size_t)n >= sizeof small) {
        name = malloc((size_t)n + 1);
        FAIL_IF(!name, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "tracer: stage name format '%s': out of memory", fmt);
        va_start(ap, fmt);
        vsnprintf(name, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    parity_status st = parity__tracer_add(t, name, dt, ndim, shape, stride, data, flags, err);
    if (name != small) free(name);
    return st;
}
