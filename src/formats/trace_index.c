/*
 * trace_index.c — strict reader of a trace directory's index.json (layout
 * in trace_index.h) and of the JSON name lists of single-file traces.
 *
 * The text first goes through the strict pre-scan (json_strict.c: UTF-8,
 * nesting bound, integers only, no raw control characters), then cJSON;
 * each field is then checked for its type, one check per line. Duplicate
 * keys are caught by sorting (O(n log n) whatever the keys are).
 */
#include "formats/trace_index.h"
#include "formats/json_strict.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define INDEX_FORMAT "parity-trace"
#define INDEX_VERSION 1

void parity__names_free(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

void parity__trace_index_free(parity__trace_index *ix) {
    if (!ix) return;
    parity__names_free(ix->order, ix->n_order);
    parity__names_free(ix->inputs, ix->n_inputs);
    parity__names_free(ix->file_stage, ix->n_files);
    parity__names_free(ix->file_name, ix->n_files);
    parity__names_free(ix->meta_key, ix->n_meta);
    parity__names_free(ix->meta_value, ix->n_meta);
    parity__names_free(ix->parent_stage, ix->n_parents);
    parity__names_free(ix->parent_list, ix->n_parents);
    parity__names_free(ix->alias_name, ix->n_aliases);
    parity__names_free(ix->alias_target, ix->n_aliases);
    memset(ix, 0, sizeof *ix);
}

/* ---- helpers ----------------------------------------------------------- */

static size_t count_items(const cJSON *c) {
    size_t n = 0;
    for (const cJSON *e = c ? c->child : NULL; e; e = e->next) n++;
    return n;
}

/* A key or value for a message: control characters shown as '?'. */
static const char *shown(const char *s, char *buf, size_t cap) {
    return parity__msg_name(s, strlen(s), buf, cap);
}

/* No key twice in object c; what names the object in the message. */
static parity_status check_unique(const char *path, const char *what,
                                  const cJSON *c, parity_error *err) {
    size_t n = count_items(c), k = 0;
    if (n < 2) return PARITY_OK;
    parity_key_ref *refs = calloc(n, sizeof *refs);
    FAIL_IF(!refs, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            path);
    for (const cJSON *e = c->child; e; e = e->next, k++)
        refs[k] = (parity_key_ref){e->string ? e->string : "", k};
    parity__keys_sort(refs, n);
    const char *dup = NULL;
    for (k = 0; k + 1 < n && !dup; k++)
        if (strcmp(refs[k].key, refs[k + 1].key) == 0) dup = refs[k].key;
    char name[128];
    if (dup) shown(dup, name, sizeof name);
    free(refs);
    FAIL_IF(dup, err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: %s: duplicate key '%s' (expected each key once)", path, what,
            name);
    return PARITY_OK;
}

/* Copies of the strings of array a into a new array (every item a string,
 * else an error naming field). */
static parity_status take_strings(const char *path, const char *field,
                                  const cJSON *a, char ***out, size_t *n,
                                  parity_error *err) {
    *out = NULL;
    *n = 0;
    FAIL_IF(!cJSON_IsArray(a), err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: field '%s': expected an array of names", path, field);
    size_t count = count_items(a), k = 0;
    char **v = calloc(count ? count : 1, sizeof *v);
    FAIL_IF(!v, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            path);
    for (const cJSON *e = a->child; e; e = e->next, k++) {
        if (!cJSON_IsString(e)) {
            parity__names_free(v, k);
            return parity__fail(err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                                "%s: field '%s': item %zu: expected a string "
                                "(a stage name)", path, field, k);
        }
        v[k] = strdup(e->valuestring);
        if (!v[k]) {
            parity__names_free(v, k);
            return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                "%s: out of memory", path);
        }
    }
    *out = v;
    *n = count;
    return PARITY_OK;
}

/* The pairs of object o whose values pass value_ok (which also renders
 * the value as a string: a copy, or a JSON text) into keys[]/values[]. */
typedef char *(*value_fn)(const cJSON *v);

static char *string_value(const cJSON *v) {
    return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
}

/* A plain file name inside the directory: no '/', not "." or "..". */
static char *file_value(const cJSON *v) {
    if (!cJSON_IsString(v)) return NULL;
    const char *s = v->valuestring;
    if (!*s || strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, "..")) return NULL;
    return strdup(s);
}

/* An array of strings, kept as its JSON text. */
static char *names_value(const cJSON *v) {
    if (!cJSON_IsArray(v)) return NULL;
    for (const cJSON *e = v->child; e; e = e->next)
        if (!cJSON_IsString(e)) return NULL;
    return cJSON_PrintUnformatted(v);
}

static parity_status take_pairs(const char *path, const char *field,
                                const char *expected, const cJSON *o,
                                value_fn value, char ***keys, char ***values,
                                size_t *n, parity_error *err) {
    FAIL_IF(!cJSON_IsObject(o), err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: field '%s': expected an object", path, field);
    TRY(check_unique(path, field, o, err));
    size_t count = count_items(o), k = 0;
    char **kv = calloc(count ? count : 1, sizeof *kv);
    char **vv = calloc(count ? count : 1, sizeof *vv);
    parity_status st = kv && vv ? PARITY_OK : PARITY_E_NOMEM;
    for (const cJSON *e = o->child; st == PARITY_OK && e; e = e->next, k++) {
        char name[128];
        vv[k] = value(e);
        kv[k] = vv[k] ? strdup(e->string) : NULL;
        if (vv[k] && kv[k]) continue;
        st = parity__fail(err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                          "%s: %s '%s': expected %s", path, field,
                          shown(e->string, name, sizeof name), expected);
        k++; /* free item k too, and leave before the loop's own k++ */
        break;
    }
    if (st == PARITY_E_NOMEM)
        parity__fail(err, st, PARITY_NO_OFFSET, "%s: out of memory", path);
    if (st != PARITY_OK) {
        parity__names_free(kv, kv ? k : 0);
        parity__names_free(vv, vv ? k : 0);
        return st;
    }
    *keys = kv;
    *values = vv;
    *n = count;
    return PARITY_OK;
}

/* ---- the index --------------------------------------------------------- */

/* Strict pre-scan, then cJSON: the root object. */
static parity_status parse_root(const char *path, const char *text, size_t len,
                                uint64_t max_depth, cJSON **root,
                                parity_error *err) {
    parity_json_scan s;
    memset(&s, 0, sizeof s);
    s.path = path;
    s.text = text;
    s.len = len;
    s.max_depth = max_depth;
    s.strict = 0;
    s.entry_word = "field";
    parity_status st = parity__json_prescan(&s, err);
    size_t begin = s.begin, end = s.end;
    parity__json_scan_free(&s);
    TRY(st);
    const char *stop = NULL;
    *root = cJSON_ParseWithLengthOpts(text + begin, end - begin, &stop, 0);
    uint64_t at = (uint64_t)(stop ? stop - text : 0);
    FAIL_IF(!*root && stop, err, PARITY_E_FORMAT, at,
            "%s: invalid JSON at byte %llu", path, (unsigned long long)at);
    FAIL_IF(!*root, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory parsing JSON", path);
    return PARITY_OK;
}

static const char *const known_fields[] = {"format", "version", "order", "inputs",
                                           "files", "metadata", "parents", "aliases",
                                           NULL};

static parity_status check_header(const char *path, const cJSON *root,
                                  parity_error *err) {
    FAIL_IF(!cJSON_IsObject(root), err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: not a JSON object (expected the parity trace index)", path);
    TRY(check_unique(path, "index", root, err));
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");
    FAIL_IF(!cJSON_IsString(f) || strcmp(f->valuestring, INDEX_FORMAT) != 0, err,
            PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: field 'format': expected \"" INDEX_FORMAT "\" (not a parity "
            "trace index)", path);
    FAIL_IF(!cJSON_IsNumber(v) || v->valuedouble != INDEX_VERSION, err,
            PARITY_E_UNSUPPORTED, PARITY_NO_OFFSET,
            "%s: field 'version': expected %d (a newer parity wrote it?)", path,
            INDEX_VERSION);
    for (const cJSON *e = root->child; e; e = e->next) {
        size_t k = 0;
        while (known_fields[k] && strcmp(known_fields[k], e->string) != 0) k++;
        char name[128];
        FAIL_IF(!known_fields[k], err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                "%s: unknown field '%s' (expected format, version, order, "
                "inputs, files, metadata, parents, aliases)", path,
                shown(e->string, name, sizeof name));
    }
    return PARITY_OK;
}

static parity_status take_fields(const char *path, const cJSON *root,
                                 parity__trace_index *ix, parity_error *err) {
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "order");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    const cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    const cJSON *par = cJSON_GetObjectItemCaseSensitive(root, "parents");
    const cJSON *al = cJSON_GetObjectItemCaseSensitive(root, "aliases");
    ix->has_order = o != NULL;
    if (o) TRY(take_strings(path, "order", o, &ix->order, &ix->n_order, err));
    if (in) TRY(take_strings(path, "inputs", in, &ix->inputs, &ix->n_inputs, err));
    if (files)
        TRY(take_pairs(path, "files", "a file name in the trace directory (no '/')",
                       files, file_value, &ix->file_stage, &ix->file_name,
                       &ix->n_files, err));
    if (meta)
        TRY(take_pairs(path, "metadata", "a string value", meta, string_value,
                       &ix->meta_key, &ix->meta_value, &ix->n_meta, err));
    if (par)
        TRY(take_pairs(path, "parents", "an array of stage names", par, names_value,
                       &ix->parent_stage, &ix->parent_list, &ix->n_parents, err));
    if (al)
        TRY(take_pairs(path, "aliases", "a stage name", al, string_value,
                       &ix->alias_name, &ix->alias_target, &ix->n_aliases, err));
    return PARITY_OK;
}

parity_status parity__trace_index_parse(const char *path, const char *text,
                                        size_t len, uint64_t max_depth,
                                        parity__trace_index *out,
                                        parity_error *err) {
    memset(out, 0, sizeof *out);
    cJSON *root = NULL;
    TRY(parse_root(path, text, len, max_depth, &root, err));
    parity_status st = check_header(path, root, err);
    if (st == PARITY_OK) st = take_fields(path, root, out, err);
    cJSON_Delete(root);
    if (st != PARITY_OK) parity__trace_index_free(out);
    return st;
}

parity_status parity__trace_index_load(const char *path, uint64_t max_bytes,
                                       uint64_t max_depth,
                                       parity__trace_index *out,
                                       parity_error *err) {
    memset(out, 0, sizeof *out);
    parity_map m;
    TRY(parity__map_open(path, &m, err));
    parity_status st = PARITY_OK;
    if (m.size > max_bytes)
        st = parity__fail(err, PARITY_E_LIMIT, PARITY_NO_OFFSET,
                          "%s: %zu bytes (limit max_header_bytes: %llu)", path,
                          m.size, (unsigned long long)max_bytes);
    else
        st = parity__trace_index_parse(path, (const char *)m.base, m.size,
                                       max_depth, out, err);
    parity__map_close(&m);
    return st;
}

/* One metadata value that holds a JSON object. */
static parity_status parse_object(const char *path, const char *what, const char *text,
                                  cJSON **o, parity_error *err) {
    size_t len = strlen(text);
    size_t bad = parity__utf8_check((const unsigned char *)text, len);
    *o = bad == len ? cJSON_ParseWithLength(text, len) : NULL;
    FAIL_IF(!cJSON_IsObject(*o), err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: metadata '%s': expected a JSON object", path, what);
    return PARITY_OK;
}

parity_status parity__json_dataflow(const char *path, const char *parents,
                                    const char *aliases, parity__trace_index *ix,
                                    parity_error *err) {
    memset(ix, 0, sizeof *ix);
    cJSON *p = NULL, *a = NULL;
    parity_status st = PARITY_OK;
    if (parents) st = parse_object(path, "parity.parents", parents, &p, err);
    if (st == PARITY_OK && p)
        st = take_pairs(path, "parity.parents", "an array of stage names", p, names_value,
                        &ix->parent_stage, &ix->parent_list, &ix->n_parents, err);
    if (st == PARITY_OK && aliases) st = parse_object(path, "parity.aliases", aliases, &a, err);
    if (st == PARITY_OK && a)
        st = take_pairs(path, "parity.aliases", "a stage name", a, string_value,
                        &ix->alias_name, &ix->alias_target, &ix->n_aliases, err);
    cJSON_Delete(p);
    cJSON_Delete(a);
    if (st != PARITY_OK) parity__trace_index_free(ix);
    return st;
}

/* ---- name lists -------------------------------------------------------- */

parity_status parity__json_names(const char *path, const char *what,
                                 const char *text, size_t len,
                                 char ***names, size_t *n, parity_error *err) {
    *names = NULL;
    *n = 0;
    size_t bad = parity__utf8_check((const unsigned char *)text, len);
    cJSON *a = bad == len ? cJSON_ParseWithLength(text, len) : NULL;
    parity_status st = PARITY_OK;
    if (!cJSON_IsArray(a))
        st = parity__fail(err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                          "%s: metadata '%s': expected a JSON array of names",
                          path, what);
    else
        st = take_strings(path, what, a, names, n, err);
    cJSON_Delete(a);
    return st;
}
