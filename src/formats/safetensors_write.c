/*
 * safetensors_write.c — the safetensors writer (parity_writer_*).
 *
 * Byte layout written (see safetensors.c for the reader's rules):
 *
 *   offset 0     u64 LE N        header length, a multiple of 8
 *   offset 8     N bytes         {"__metadata__":{"k":"v",...},
 *                                 "NAME":{"dtype":"F32","shape":[2,3],
 *                                         "data_offsets":[0,24]},...}
 *                                followed by spaces up to N
 *   offset 8+N   tensor bytes    in insertion order, contiguous, no gaps
 *
 * __metadata__ comes first and is omitted when empty; tensors keep their
 * insertion order. Padding the header to a multiple of 8 keeps the data
 * 8-byte aligned in the file, as the reference writer does. The file is
 * written through core/fileio.c (a temporary file renamed over PATH), so a
 * reader sees either the old file or the whole new one.
 */
#include "internal.h"
#include "json_strict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reader's default max_header_bytes: never write what it refuses. */
#define WR_MAX_HEADER 100000000ull

typedef struct wr_tensor {
    char *name;
    parity_dtype dt;
    int ndim;
    int64_t shape[PARITY_MAX_DIMS];
    unsigned char *data;   /* [nbytes] copy of the caller's elements        */
    uint64_t nbytes;
} wr_tensor;

struct parity_writer {
    char *path;
    wr_tensor *t;          /* [n] in insertion order                        */
    size_t n, cap;
    parity_meta_entry *meta; /* [n_meta]; a repeated key replaces the value */
    size_t n_meta, cap_meta;
    size_t *slots;         /* [n_slots] open addressing: tensor index + 1   */
    size_t n_slots;
    uint64_t total;        /* data bytes so far                             */
};

/* ---- the name set (names come from the caller, not from files) --------- */

static uint64_t name_hash(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Slot holding name, or the empty slot where it would go. */
static size_t *name_slot(const parity_writer *w, const char *name) {
    size_t mask = w->n_slots - 1;
    for (size_t i = (size_t)name_hash(name) & mask;; i = (i + 1) & mask) {
        size_t *s = &w->slots[i];
        if (*s == 0 || strcmp(w->t[*s - 1].name, name) == 0) return s;
    }
}

/* Keep the load factor <= 1/2 so probes stay short. */
static int names_grow(parity_writer *w) {
    if ((w->n + 1) * 2 <= w->n_slots) return 1;
    size_t n_slots = w->n_slots ? w->n_slots * 2 : 64;
    size_t *old = w->slots, old_n = w->n_slots;
    w->slots = calloc(n_slots, sizeof *w->slots);
    if (!w->slots) {
        w->slots = old;
        return 0;
    }
    w->n_slots = n_slots;
    for (size_t i = 0; i < old_n; i++)
        if (old[i]) *name_slot(w, w->t[old[i] - 1].name) = old[i];
    free(old);
    return 1;
}

/* ---- open / add / meta ------------------------------------------------- */

parity_status parity_writer_open(const char *path, parity_writer **out,
                                 parity_error *err) {
    FAIL_IF(!out, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "writer: out is NULL (expected a place for the writer)");
    *out = NULL;
    FAIL_IF(!path || !path[0], err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "writer: path is empty (expected a file name)");
    parity_writer *w = calloc(1, sizeof *w);
    char *p = w ? strdup(path) : NULL;
    if (!p) free(w);
    FAIL_IF(!p, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            path);
    w->path = p;
    *out = w;
    return PARITY_OK;
}

static int valid_dtype(parity_dtype dt) {
    return dt > PARITY_DT_INVALID && dt < PARITY_DT_COUNT &&
           dt != PARITY_DT_F80 && parity_dtype_size(dt) > 0; /* no blocks */
}

static int valid_text(const char *s) {
    size_t n = strlen(s);
    return parity__utf8_check((const unsigned char *)s, n) == n;
}

/* Checks the arguments of parity_writer_add; *nbytes = count * size. */
static parity_status check_add(const parity_writer *w, const char *name,
                               parity_dtype dt, int ndim,
                               const int64_t *shape, const void *data,
                               uint64_t *nbytes, parity_error *err) {
    const char *p = w->path;
    FAIL_IF(!name || !name[0], err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: tensor name is empty (expected a non-empty name)", p);
    FAIL_IF(strcmp(name, "__metadata__") == 0, err, PARITY_E_USAGE,
            PARITY_NO_OFFSET, "%s: tensor '__metadata__': reserved name", p);
    FAIL_IF(!valid_text(name), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: tensor name is not valid UTF-8", p);
    FAIL_IF(w->n_slots && *name_slot(w, name), err, PARITY_E_USAGE,
            PARITY_NO_OFFSET, "%s: tensor '%s': duplicate name (expected "
            "unique names)", p, name);
    FAIL_IF(!valid_dtype(dt), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: tensor '%s': dtype %d cannot be stored in safetensors", p,
            name, (int)dt);
    char subject[600];
    snprintf(subject, sizeof subject, "%s: tensor '%s'", p, name);
    TRY(parity__check_shape(subject, dt, ndim, shape, data, NULL, nbytes, err));
    uint64_t total;
    FAIL_IF(!parity__add_u64(w->total, *nbytes, &total), err, PARITY_E_LIMIT,
            PARITY_NO_OFFSET, "%s: byte size overflows", subject);
    return PARITY_OK;
}

static parity_status grow_tensors(parity_writer *w, parity_error *err) {
    if (w->n < w->cap) return PARITY_OK;
    size_t cap = w->cap ? w->cap * 2 : 16;
    wr_tensor *t = realloc(w->t, cap * sizeof *t);
    FAIL_IF(!t, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            w->path);
    w->t = t;
    w->cap = cap;
    return PARITY_OK;
}

parity_status parity_writer_add(parity_writer *w, const char *name,
                                parity_dtype dt, int ndim,
                                const int64_t *shape, const void *data,
                                parity_error *err) {
    FAIL_IF(!w, err, PARITY_E_USAGE, PARITY_NO_OFFSET, "writer: NULL");
    uint64_t nbytes = 0;
    TRY(check_add(w, name, dt, ndim, shape, data, &nbytes, err));
    TRY(grow_tensors(w, err));
    FAIL_IF(!names_grow(w), err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory", w->path);
    wr_tensor *t = &w->t[w->n];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    t->data = malloc(nbytes ? (size_t)nbytes : 1);
    if (!t->name || !t->data) {
        free(t->name);
        free(t->data);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                            "%s: tensor '%s': out of memory", w->path, name);
    }
    if (nbytes) memcpy(t->data, data, (size_t)nbytes);
    t->dt = dt;
    t->ndim = ndim;
    for (int k = 0; k < ndim; k++) t->shape[k] = shape[k];
    t->nbytes = nbytes;
    w->n++;
    *name_slot(w, name) = w->n;
    w->total += nbytes;
    return PARITY_OK;
}

parity_status parity_writer_meta(parity_writer *w, const char *key,
                                 const char *value, parity_error *err) {
    FAIL_IF(!w, err, PARITY_E_USAGE, PARITY_NO_OFFSET, "writer: NULL");
    FAIL_IF(!key || !key[0] || !value, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: __metadata__: empty key or NULL value", w->path);
    FAIL_IF(!valid_text(key) || !valid_text(value), err, PARITY_E_USAGE,
            PARITY_NO_OFFSET, "%s: __metadata__ '%s': not valid UTF-8",
            w->path, key);
    char *v = strdup(value);
    FAIL_IF(!v, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            w->path);
    for (size_t i = 0; i < w->n_meta; i++) {
        if (strcmp(w->meta[i].key, key) != 0) continue;
        free(w->meta[i].value); /* a repeated key replaces the value */
        w->meta[i].value = v;
        return PARITY_OK;
    }
    parity_meta_entry *m = w->meta;
    if (w->n_meta == w->cap_meta) {
        size_t cap = w->cap_meta ? w->cap_meta * 2 : 8;
        m = realloc(w->meta, cap * sizeof *m);
        if (m) w->cap_meta = cap;
    }
    char *k = m ? strdup(key) : NULL;
    if (m) w->meta = m;
    if (!k) free(v);
    FAIL_IF(!k, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            w->path);
    w->meta[w->n_meta++] = (parity_meta_entry){k, v};
    return PARITY_OK;
}

/* ---- close ------------------------------------------------------------- */

void parity__st_header(parity_buf *b, const parity_meta_entry *meta, size_t n_meta,
                       const parity__st_entry *e, size_t n) {
    parity__buf_puts(b, "{");
    if (n_meta) {
        parity__buf_puts(b, "\"__metadata__\":{");
        for (size_t i = 0; i < n_meta; i++) {
            if (i) parity__buf_puts(b, ",");
            parity__buf_json_str(b, meta[i].key);
            parity__buf_puts(b, ":");
            parity__buf_json_str(b, meta[i].value);
        }
        parity__buf_puts(b, n ? "}," : "}");
    }
    uint64_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) parity__buf_puts(b, ",");
        parity__buf_json_str(b, e[i].name);
        parity__buf_printf(b, ":{\"dtype\":\"%s\",\"shape\":[", parity_dtype_name(e[i].dt));
        for (int k = 0; k < e[i].ndim; k++)
            parity__buf_printf(b, "%s%lld", k ? "," : "", (long long)e[i].shape[k]);
        parity__buf_printf(b, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)at,
                           (unsigned long long)(at + e[i].nbytes));
        at += e[i].nbytes;
    }
    parity__buf_puts(b, "}");
    while (b->len % 8 != 0 && !b->oom) parity__buf_puts(b, " ");
}

static void put_header(const parity_writer *w, parity_buf *b) {
    parity__st_entry *e = calloc(w->n ? w->n : 1, sizeof *e);
    if (!e) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < w->n; i++)
        e[i] = (parity__st_entry){w->t[i].name, w->t[i].dt, w->t[i].ndim, w->t[i].shape,
                                  w->t[i].nbytes};
    parity__st_header(b, w->meta, w->n_meta, e, w->n);
    free(e);
}

static parity_status write_atomic(const parity_writer *w, const parity_buf *h,
                                  parity_error *err) {
    unsigned char len8[8];
    for (int k = 0; k < 8; k++) len8[k] = (unsigned char)((uint64_t)h->len >> (8 * k));
    parity__out_file f;
    TRY(parity__out_open(&f, w->path, err));
    parity_status st = parity__out_write(&f, len8, 8, err);
    if (st == PARITY_OK) st = parity__out_write(&f, h->data, h->len, err);
    for (size_t i = 0; i < w->n && st == PARITY_OK; i++)
        st = parity__out_write(&f, w->t[i].data, w->t[i].nbytes, err);
    if (st != PARITY_OK) {
        parity__out_abort(&f);
        return st;
    }
    return parity__out_commit(&f, err);
}

parity_status parity_writer_close(parity_writer *w, parity_error *err) {
    FAIL_IF(!w, err, PARITY_E_USAGE, PARITY_NO_OFFSET, "writer: NULL");
    parity_buf h = {0};
    put_header(w, &h);
    parity_status st = PARITY_OK;
    if (h.oom)
        st = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                          "%s: out of memory", w->path);
    else if (h.len > WR_MAX_HEADER)
        st = parity__fail(err, PARITY_E_LIMIT, PARITY_NO_OFFSET,
                          "%s: header: %zu bytes exceed the %llu readers "
                          "accept", w->path, h.len, WR_MAX_HEADER);
    else
        st = write_atomic(w, &h, err);
    parity__buf_free(&h);
    parity_writer_discard(w);
    return st;
}

void parity_writer_discard(parity_writer *w) {
    if (!w) return;
    for (size_t i = 0; i < w->n; i++) {
        free(w->t[i].name);
        free(w->t[i].data);
    }
    for (size_t i = 0; i < w->n_meta; i++) {
        free(w->meta[i].key);
        free(w->meta[i].value);
    }
    free(w->t);
    free(w->meta);
    free(w->slots);
    free(w->path);
    free(w);
}
