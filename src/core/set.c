/*
 * set.c — a tensor set: the tensors of one file or one directory, their
 * execution order, metadata, and element access through strides.
 *
 * Opening dispatches on the path: a directory (trace directory with
 * index.json, or a plain folder of tensor files), or a file by extension
 * (.safetensors, .npy) or, failing that, by magic bytes. Ordering and the
 * name index are built once at the end of opening, so lookups are O(1) and
 * the set is immutable afterwards (safe to share between threads).
 */
#include "internal.h"
#include "core/setdir.h"
#include "formats/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    return PARITY_OK;
}

void parity__strides_c(parity_tensor *t) {
    int64_t s = 1;
    for (int k = t->ndim - 1; k >= 0; k--) {
        t->stride[k] = s;
        s *= t->shape[k] ? t->shape[k] : 1;
    }
}

void parity__strides_f(parity_tensor *t) {
    int64_t s = 1;
    for (int k = 0; k < t->ndim; k++) {
        t->stride[k] = s;
        s *= t->shape[k] ? t->shape[k] : 1;
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
    free(set->path);
    free(set);
}

parity_open_opts parity_open_opts_default(void) {
    parity_open_opts o;
    o.max_header_bytes = 100000000;
    o.max_tensors = 1000000;
    o.max_json_depth = 64;
    o.max_files = 100000;
    /* GGUF metadata (formats/gguf_kv.c) */
    o.max_meta_entries = 1000000;
    o.max_string_bytes = (uint64_t)64 << 20;
    o.max_array_elems = (uint64_t)64 << 20;
    o.max_array_depth = 8;
    o.strict = 1;
    return o;
}

/* ---- opening ----------------------------------------------------------- */

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The file name without directory and extension, into buf. */
void parity__file_stem(const char *path, char *buf, size_t cap) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base) n = (size_t)(dot - base);
    if (n >= cap) n = cap - 1;
    memcpy(buf, base, n);
    buf[n] = '\0';
}

parity_status parity__set_load_file(parity_set *set, const char *path,
                                    int in_folder, parity_error *err) {
    parity_map map;
    TRY(parity__map_open(path, &map, err));
    parity_status kept = parity__set_keep_map(set, &map, err);
    if (kept != PARITY_OK) {
        parity__map_close(&map);
        return kept;
    }
    char stem[512];
    parity__file_stem(path, stem, sizeof stem);
    const char *file = parity__set_strdup(set, path, strlen(path));
    FAIL_IF(!file, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            path);
    size_t before = set->n_tensors;
    int is_npy = ends_with(path, ".npy") ||
                 (!ends_with(path, ".safetensors") && map.size >= 6 &&
                  memcmp(map.base, "\x93NUMPY", 6) == 0);
    parity__source src = {file, map.base, map.size, NULL, NULL, !in_folder};
    if (is_npy || in_folder) src.prefix = src.single_name = stem;
    /* GGUF (by magic or name) and sharded-safetensors indexes (by name:
     * the reader then insists on a weight_map), until the opener's format
     * table takes over: formats/gguf.c, formats/st_index.c */
    int is_gguf = !is_npy && (ends_with(path, ".gguf") ||
                              parity__is_gguf(map.base, map.size));
    int is_index = !is_npy && !is_gguf && ends_with(path, ".safetensors.index.json");
    parity_status st = is_gguf    ? parity__read_gguf(set, &src, err)
                       : is_index ? parity__read_st_index(set, &src, err)
                       : is_npy   ? parity__read_npy(set, &src, err)
                                  : parity__read_safetensors(set, &src, err);
    for (size_t i = before; st == PARITY_OK && i < set->n_tensors; i++)
        set->tensors[i].file_backed = 1;
    return st;
}

parity_status parity_set_open(const char *path, const parity_open_opts *opts,
                              parity_set **out, parity_error *err) {
    *out = NULL;
    FAIL_IF(!path || !*path, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "no path given");
    parity_set *set = calloc(1, sizeof *set);
    FAIL_IF(!set, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            path);
    set->opts = opts ? *opts : parity_open_opts_default();
    set->path = strdup(path);
    struct stat st;
    parity_status s;
    if (!set->path)
        s = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                         "%s: out of memory", path);
    else if (stat(path, &st) != 0)
        s = parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET,
                         "%s: no such file or directory", path);
    else if (S_ISDIR(st.st_mode))
        s = parity__set_load_dir(set, path, err);
    else
        s = parity__set_load_file(set, path, 0, err);
    if (s == PARITY_OK && !S_ISDIR(st.st_mode))
        s = parity__set_order_from_meta(set, err);
    if (s == PARITY_OK) s = parity__set_finish(set, err);
    if (s != PARITY_OK) {
        parity_set_free(set);
        return s;
    }
    *out = set;
    return PARITY_OK;
}

/* ---- accessors --------------------------------------------------------- */

const char *parity_set_path(const parity_set *set) { return set->path; }
size_t parity_set_count(const parity_set *set) { return set->n_tensors; }
parity_order_source parity_set_order_source(const parity_set *set) {
    return set->order_source;
}

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
