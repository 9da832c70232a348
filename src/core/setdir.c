/*
 * setdir.c — directories of tensor files, execution order, name index.
 *
 * A trace directory holds index.json (written by the tracers, see parity.h
 * section 6) and one safetensors file per stage; its tensors keep their own
 * names and index.json gives the order; stage files it does not list yet
 * (written after its last rewrite, e.g. before a crash) follow in file
 * order, which is the order the tracer wrote them. A plain folder is what
 * teams dump by hand (python/step6_mu.npy): each file's tensor is named by the file stem,
 * "stem/name" inside a multi-tensor file, in natural name order. Folders
 * are not searched recursively; hidden files and other extensions are
 * ignored.
 */
#include "internal.h"
#include "core/setdir.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- directory listing ------------------------------------------------- */

static int is_tensor_file(const char *name) {
    size_t n = strlen(name);
    if (name[0] == '.') return 0;
    if (n > 4 && strcmp(name + n - 4, ".npy") == 0) return 1;
    /* zip containers (formats/zipkind.c); not .bin, which is as often a
     * raw dump as a checkpoint */
    if (n > 4 && (strcmp(name + n - 4, ".npz") == 0 ||
                  strcmp(name + n - 4, ".pth") == 0)) return 1;
    if (n > 3 && strcmp(name + n - 3, ".pt") == 0) return 1;
    return n > 12 && strcmp(name + n - 12, ".safetensors") == 0;
}

static int cmp_natural_ptr(const void *a, const void *b) {
    return parity__natural_cmp(*(char *const *)a, *(char *const *)b);
}

/* List the tensor files of dir in natural order; *names is owned by set. */
static parity_status list_dir(parity_set *set, const char *dir, char ***names,
                              size_t *count, parity_error *err) {
    DIR *d = opendir(dir);
    FAIL_IF(!d, err, PARITY_E_IO, PARITY_NO_OFFSET,
            "%s: cannot read directory", dir);
    size_t n = 0, cap = 0;
    char **list = NULL;
    struct dirent *e;
    parity_status st = PARITY_OK;
    while ((e = readdir(d)) != NULL) {
        if (!is_tensor_file(e->d_name)) continue;
        if (n >= set->opts.max_files) {
            st = parity__fail(err, PARITY_E_LIMIT, PARITY_NO_OFFSET,
                              "%s: more than %llu tensor files (limit max_files)",
                              dir, (unsigned long long)set->opts.max_files);
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(list, cap * sizeof *list);
            if (!p) { st = PARITY_E_NOMEM; break; }
            list = p;
        }
        list[n] = parity__set_strdup(set, e->d_name, strlen(e->d_name));
        if (!list[n]) { st = PARITY_E_NOMEM; break; }
        n++;
    }
    closedir(d);
    if (st == PARITY_E_NOMEM)
        parity__fail(err, st, PARITY_NO_OFFSET, "%s: out of memory", dir);
    if (st != PARITY_OK) {
        free(list);
        return st;
    }
    qsort(list, n, sizeof *list, cmp_natural_ptr);
    *names = list;
    *count = n;
    return PARITY_OK;
}

/* ---- index.json -------------------------------------------------------- */

static char *read_small_file(const char *path, size_t limit, size_t *len) {
    parity_map m;
    if (parity__map_open(path, &m, NULL) != PARITY_OK) return NULL;
    char *s = NULL;
    if (m.size <= limit && (s = malloc(m.size + 1)) != NULL) {
        if (m.size) memcpy(s, m.base, m.size);
        s[m.size] = '\0';
        *len = m.size;
    }
    parity__map_close(&m);
    return s;
}

static parity_status apply_order(parity_set *set, const char *order,
                                 const char *inputs, int by_file,
                                 parity_error *err);

/* Apply index.json: order, inputs and metadata. */
static parity_status apply_index(parity_set *set, const char *ipath,
                                 parity_error *err) {
    size_t len = 0;
    char *text = read_small_file(ipath, 256u << 20, &len);
    FAIL_IF(!text, err, PARITY_E_IO, PARITY_NO_OFFSET,
            "%s: cannot read (or larger than 256 MiB)", ipath);
    cJSON *root = cJSON_ParseWithLength(text, len);
    free(text);
    FAIL_IF(!cJSON_IsObject(root), err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: not a JSON object (expected the parity trace index)", ipath);
    cJSON *order = cJSON_GetObjectItemCaseSensitive(root, "order");
    cJSON *inputs = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    parity_status st = PARITY_OK;
    if (order && !cJSON_IsArray(order))
        st = parity__fail(err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                          "%s: field 'order': expected an array of names", ipath);
    for (cJSON *m = meta ? meta->child : NULL; st == PARITY_OK && m; m = m->next) {
        if (!cJSON_IsString(m))
            st = parity__fail(err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                              "%s: metadata '%s': expected a string value",
                              ipath, m->string);
        else
            st = parity__set_meta_add(set, m->string, strlen(m->string),
                                      m->valuestring, strlen(m->valuestring),
                                      err);
    }
    char *otext = st == PARITY_OK && order ? cJSON_PrintUnformatted(order) : NULL;
    char *itext = st == PARITY_OK && inputs ? cJSON_PrintUnformatted(inputs) : NULL;
    cJSON_Delete(root);
    if (st == PARITY_OK) {
        st = apply_order(set, otext ? otext : "[]", itext, 1, err);
        if (st == PARITY_OK && otext) set->order_source = PARITY_ORDER_INDEX;
    }
    free(otext);
    free(itext);
    return st;
}

parity_status parity__set_load_dir(parity_set *set, const char *dir,
                                   parity_error *err) {
    char **names = NULL;
    size_t n = 0;
    TRY(list_dir(set, dir, &names, &n, err));
    size_t plen = strlen(dir) + 1;
    char *ipath = malloc(plen + 16);
    parity_status st = ipath ? PARITY_OK : PARITY_E_NOMEM;
    int trace = 0;
    if (ipath) {
        snprintf(ipath, plen + 16, "%s/index.json", dir);
        parity_map probe;
        trace = parity__map_open(ipath, &probe, NULL) == PARITY_OK;
        if (trace) parity__map_close(&probe);
    }
    for (size_t i = 0; st == PARITY_OK && i < n; i++) {
        size_t fl = plen + strlen(names[i]) + 1;
        char *fpath = malloc(fl);
        if (!fpath) { st = PARITY_E_NOMEM; break; }
        snprintf(fpath, fl, "%s/%s", dir, names[i]);
        st = parity__set_load_file(set, fpath, !trace, err);
        free(fpath);
    }
    free(names);
    if (st == PARITY_E_NOMEM && ipath == NULL)
        parity__fail(err, st, PARITY_NO_OFFSET, "%s: out of memory", dir);
    if (st == PARITY_OK && trace) st = apply_index(set, ipath, err);
    if (st == PARITY_OK && !trace) st = parity__set_apply_order(set, "[]", NULL, err);
    free(ipath);
    return st;
}

/* ---- order ------------------------------------------------------------- */

typedef struct ranked {
    parity_tensor t;
    long rank; /* position in the order list, or LONG_MAX if not listed */
} ranked;

static int cmp_ranked(const void *pa, const void *pb) {
    const ranked *a = pa, *b = pb;
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    return parity__natural_cmp(a->t.name, b->t.name);
}

/* Position of name in a JSON array of strings, or -1. */
static long array_pos(const cJSON *arr, const char *name) {
    long i = 0;
    for (const cJSON *e = arr ? arr->child : NULL; e; e = e->next, i++)
        if (cJSON_IsString(e) && strcmp(e->valuestring, name) == 0) return i;
    return -1;
}

/* As parity__set_apply_order; by_file: the names order does not list keep
 * their load order (a trace directory loads its stage files in file-number
 * order, which is execution order) instead of natural name order. */
static parity_status apply_order(parity_set *set, const char *order,
                                 const char *inputs, int by_file,
                                 parity_error *err) {
    cJSON *o = cJSON_Parse(order);
    cJSON *in = inputs ? cJSON_Parse(inputs) : NULL;
    parity_status st = PARITY_OK;
    if (!cJSON_IsArray(o) || (inputs && !cJSON_IsArray(in)))
        st = parity__fail(err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                          "%s: metadata '%s': expected a JSON array of names",
                          set->path, cJSON_IsArray(o) ? "parity.inputs"
                                                      : "parity.order");
    ranked *r = st == PARITY_OK && set->n_tensors
                    ? malloc(set->n_tensors * sizeof *r) : NULL;
    if (st == PARITY_OK && set->n_tensors && !r)
        st = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                          "%s: out of memory", set->path);
    /* Hash-free lookups are O(n·m); order lists are stage lists, and a
     * 10,000-stage trace still sorts in milliseconds. */
    long listed = st == PARITY_OK ? cJSON_GetArraySize(o) : 0;
    for (size_t i = 0; st == PARITY_OK && i < set->n_tensors; i++) {
        r[i].t = set->tensors[i];
        long p = array_pos(o, r[i].t.name);
        r[i].rank = p >= 0 ? p : by_file ? listed + (long)i : __LONG_MAX__;
        if (in && array_pos(in, r[i].t.name) >= 0) r[i].t.is_input = 1;
    }
    if (st == PARITY_OK && r) {
        qsort(r, set->n_tensors, sizeof *r, cmp_ranked);
        for (size_t i = 0; i < set->n_tensors; i++) set->tensors[i] = r[i].t;
    }
    free(r);
    cJSON_Delete(o);
    cJSON_Delete(in);
    return st;
}

parity_status parity__set_apply_order(parity_set *set, const char *order,
                                      const char *inputs, parity_error *err) {
    return apply_order(set, order, inputs, 0, err);
}

parity_status parity__set_order_from_meta(parity_set *set, parity_error *err) {
    const char *order = parity_set_meta_get(set, "parity.order");
    const char *inputs = parity_set_meta_get(set, "parity.inputs");
    TRY(parity__set_apply_order(set, order ? order : "[]", inputs, err));
    if (order) set->order_source = PARITY_ORDER_METADATA;
    return PARITY_OK;
}
