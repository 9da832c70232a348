/*
 * set.c — a tensor set, the container: the tensors of one file or one
 * directory in execution order, the strings and mappings they borrow, and
 * the metadata. Readers fill it (src/formats/); once opened it is
 * immutable, so threads may share it. Knows no file format.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- growable arrays --------------------------------------------------- */

/* Grow *arr (element size elem) so that it holds at least need elements. */
static int grow(void **arr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem) return 0;
        n *= 2;
    }
    void *p = realloc(*arr, n * elem);
    if (!p) return 0;
    *arr = p;
    *cap = n;
    return 1;
}

char *parity__set_strdup(parity_set *set, const char *s, size_t len) {
    if (!grow((void **)&set->strings, &set->cap_strings, set->n_strings + 1,
              sizeof(char *)))
        return NULL;
    char *p = malloc(len + 1);
    if (!p) return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    set->strings[set->n_strings++] = p;
    return p;
}

parity_status parity__set_add(parity_set *set, const parity_tensor *t,
                              parity_error *err) {
    FAIL_IF(set->n_tensors >= set->opts.max_tensors, err, PARITY_E_LIMIT,
            PARITY_NO_OFFSET, "%s: more than %llu tensors (limit max_tensors)",
            t->file ? t->file : set->path,
            (unsigned long long)set->opts.max_tensors);
    FAIL_IF(!grow((void **)&set->tensors, &set->cap_tensors,
                  set->n_tensors + 1, sizeof(parity_tensor)),
            err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            set->path);
    set->tensors[set->n_tensors++] = *t;
    return PARITY_OK;
}

parity_status parity__set_reserve(parity_set *set, size_t extra, parity_error *err) {
    size_t room = set->opts.max_tensors > set->n_tensors
                      ? (size_t)(set->opts.max_tensors - set->n_tensors)
                      : 0;
    if (extra > room) extra = room; /* parity__set_add refuses the rest */
    size_t need = set->n_tensors + extra; /* exactly: 600 bytes a tensor */
    if (need <= set->cap_tensors) return PARITY_OK;
    parity_tensor *p = realloc(set->tensors, need * sizeof *p);
    FAIL_IF(!p, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", set->path);
    set->tensors = p;
    set->cap_tensors = need;
    return PARITY_OK;
}

parity_status parity__set_meta_add(parity_set *set, const char *key,
                                   size_t key_len, const char *value,
                                   size_t value_len, parity_error *err) {
    FAIL_IF(!grow((void **)&set->meta, &set->cap_meta, set->n_meta + 1,
                  sizeof(parity_meta_entry)),
            err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            set->path);
    char *k = parity__set_strdup(set, key, key_len);
    char *v = k ? parity__set_strdup(set, value, value_len) : NULL;
    FAIL_IF(!v, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            set->path);
    set->meta[set->n_meta].key = k;
    set->meta[set->n_meta].value = v;
    set->n_meta++;
    return PARITY_OK;
}

parity_status parity__set_keep_map(parity_set *set, const parity_map *map,
                                   parity_error *err) {
    FAIL_IF(!grow((void **)&set->maps, &set->cap_maps, set->n_maps + 1,
                  sizeof(parity_map)),
            err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            set->path);
    set->maps[set->n_maps++] = *map;
    set->n_unnamed_maps += map->path == NULL;
    return PARITY_OK;
}

/* The next stride: s times the length of an axis (0 taken as 1). Readers
 * refuse a shape whose product overflows int64, an empty one's included;
 * should one slip through, the stride saturates instead of overflowing
 * (an empty tensor is never indexed, so no stride of it is ever used). */
static int64_t next_stride(int64_t s, int64_t len) {
    int64_t out;
    if (__builtin_mul_overflow(s, len > 0 ? len : 1, &out)) return INT64_MAX;
    return out;
}

void parity__strides_c(parity_tensor *t) {
    int64_t s = 1;
    for (int k = t->ndim - 1; k >= 0; k--) {
        t->stride[k] = s;
        s = next_stride(s, t->shape[k]);
    }
}

void parity__strides_f(parity_tensor *t) {
    int64_t s = 1;
    for (int k = 0; k < t->ndim; k++) {
        t->stride[k] = s;
        s = next_stride(s, t->shape[k]);
    }
}

/* ---- lifetime ---------------------------------------------------------- */

void parity_set_free(parity_set *set) {
    if (!set) return;
    for (size_t i = 0; i < set->n_maps; i++) parity__map_close(&set->maps[i]);
    for (size_t i = 0; i < set->n_strings; i++) free(set->strings[i]);
    parity__index_free(set->index);
    free(set->maps);
    free(set->strings);
    free(set->tensors);
    free(set->meta);
    for (size_t i = 0; i < set->n_parents; i++) free(set->parents[i].names);
    free(set->parents);
    free(set->path);
    free(set);
}

parity_open_opts parity_open_opts_default(void) {
    parity_open_opts o;
    memset(&o, 0, sizeof o); /* progress: none */
    o.max_header_bytes = 100000000;
    o.max_tensors = 1000000;
    o.max_json_depth = 64;
    o.max_files = 100000;
    o.max_decompressed_bytes = (uint64_t)16 << 30;
    o.max_zip_members = 1000000;
    o.max_pickle_ops = 32000000;
    o.max_pickle_depth = 64;
    o.max_meta_entries = 1000000; /* GGUF metadata (formats/gguf_kv.c) */
    o.max_string_bytes = (uint64_t)64 << 20;
    o.max_array_elems = (uint64_t)64 << 20;
    o.max_array_depth = 8;
    o.strict = 1;
    return o;
}

/* ---- building ---------------------------------------------------------- */

parity_status parity__set_create(const char *path, const parity_open_opts *opts,
                                 parity_set **out, parity_error *err) {
    *out = NULL;
    FAIL_IF(!path || !*path, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "no path given");
    parity_set *set = calloc(1, sizeof *set);
    char *copy = set ? strdup(path) : NULL;
    if (!copy) {
        free(set);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                            "%s: out of memory", path);
    }
    set->opts = opts ? *opts : parity_open_opts_default();
    set->path = copy;
    *out = set;
    return PARITY_OK;
}

/* ---- accessors --------------------------------------------------------- */

const char *parity_set_path(const parity_set *set) { return set->path; }
size_t parity_set_count(const parity_set *set) { return set->n_tensors; }
parity_order_source parity_set_order_source(const parity_set *set) {
    return set->order_source;
}

int parity_set_order_recorded(const parity_set *set) {
    return set->order_source == PARITY_ORDER_METADATA || set->order_source == PARITY_ORDER_INDEX;
}

int parity__set_records_sharing(const parity_set *set) { return set->records_sharing; }

const parity_tensor *parity_set_tensor(const parity_set *set, size_t i) {
    return i < set->n_tensors ? &set->tensors[i] : NULL;
}

long parity_set_find(const parity_set *set, const char *name) {
    return parity__index_find(set->index, set->tensors, name);
}

size_t parity_set_meta_count(const parity_set *set) { return set->n_meta; }

parity_status parity_set_meta(const parity_set *set, size_t i,
                              const char **key, const char **value) {
    if (i >= set->n_meta) return PARITY_E_USAGE;
    if (key) *key = set->meta[i].key;
    if (value) *value = set->meta[i].value;
    return PARITY_OK;
}

const char *parity_set_meta_get(const parity_set *set, const char *key) {
    for (size_t i = 0; i < set->n_meta; i++)
        if (strcmp(set->meta[i].key, key) == 0) return set->meta[i].value;
    return NULL;
}
