/*
 * safetensors.c — the safetensors reader.
 *
 * Byte layout (all integers little-endian):
 *
 *   offset 0        u64 N           length of the JSON header in bytes
 *   offset 8        N bytes         UTF-8 JSON object, padded with spaces:
 *     {"__metadata__": {"key": "value", ...},              (optional)
 *      "NAME": {"dtype": "F32", "shape": [2, 3],
 *               "data_offsets": [BEGIN, END]}, ...}
 *   offset 8+N      data buffer     tensor bytes, row-major (C order);
 *                                   BEGIN/END (END exclusive) are relative
 *                                   to offset 8+N
 *
 * Rules (the reference reader's checks, plus strict-mode ones marked *):
 *   - N <= max_header_bytes and 8 + N <= file size;
 *   - the header is UTF-8 JSON, an object, nested <= max_json_depth;
 *     (*) no whitespace before '{'; only whitespace after the object;
 *   - each tensor entry is an object with exactly dtype, shape and
 *     data_offsets (*: unknown fields refused), no field twice;
 *   - dtype is a known name; shape an array of integers >= 0;
 *     data_offsets an array of 2 integers; every JSON number outside
 *     __metadata__ is a plain integer in [0, 2^53];
 *   - product(shape) * dtype size (checked) == END - BEGIN;
 *   - sorted by BEGIN, tensors tile the data buffer exactly: the first
 *     begins at 0, each begins where the previous ended, the last ends at
 *     the end of the file (no gaps, overlaps or trailing bytes);
 *   - __metadata__ is an object of strings; tensor names are unique;
 *     (*) metadata keys are unique (lenient mode: the last one wins).
 * C64 (complex64) is read as F32 with a trailing axis of 2 (re, im).
 * BOOL bytes are not scanned at open (files can be huge): a byte other
 * than 0 or 1 reads as true.
 *
 * Memory: the pre-scan counts the entries first, so a header past
 * max_tensors is refused before anything is parsed. The header is then
 * read one entry at a time (each value parsed, checked and freed), never
 * as one JSON tree, which took 800 bytes a tensor: a million tensors open
 * in time and memory linear in their count, the set's own arrays first.
 * Errors keep the precedence of a whole-document parse: invalid JSON
 * anywhere, then duplicate names, then the first bad entry, then the data
 * layout, then __metadata__.
 */
#include "formats/reader.h"
#include "json_strict.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST_META_KEY "__metadata__"

/* One tensor entry while the header is validated (small: a million of
 * them coexist with the set's own tensors, 600 bytes each). */
typedef struct st_entry {
    char *name;          /* the key, decoded (owned)                        */
    uint64_t key_off;    /* file offset of the entry's key                  */
    parity_dtype dt;
    int complex_parts;   /* C64: stored as pairs of F32                     */
    int ndim;            /* of the shape (C64: the trailing 2 included)     */
    size_t dims;         /* the shape is dims[dims, dims + ndim) of the     */
                         /* reader's pool                                   */
    uint64_t count;      /* product of the JSON shape                       */
    uint64_t begin, end; /* data_offsets, relative to the data buffer       */
    size_t order;        /* position in the header                          */
} st_entry;

typedef struct st_reader {
    parity_set *set;
    const char *path;
    const unsigned char *buf;
    size_t len;
    uint64_t data_off;   /* 8 + N: where the data buffer starts             */
    uint64_t data_len;   /* bytes after the header                          */
    parity_json_scan scan;
    cJSON *meta;         /* the __metadata__ value (the last one), or NULL  */
    uint64_t meta_off;
    st_entry *e;         /* [n] tensors in header order                     */
    size_t n, cap;
    int64_t *dims;       /* [n_dims] every entry's shape, one after another */
    size_t n_dims, cap_dims;
    parity_key_ref *keys; /* [n_keys] every top-level key, header order     */
    size_t n_keys, cap_keys;
    parity_status pending_st; /* the first bad entry, reported after the   */
    parity_error pending;     /* whole header parsed and names checked      */
    parity_error *err;
} st_reader;

/* "PATH: tensor 'NAME': " + the rest, at the entry's key offset. */
__attribute__((format(printf, 4, 5)))
static parity_status tensor_fail(const st_reader *r, const st_entry *e,
                                 parity_status code, const char *fmt, ...) {
    char tail[400], name[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    parity__msg_name(e->name, strlen(e->name), name, sizeof name);
    return parity__fail(r->err, code, e->key_off, "%s: tensor '%s': %s",
                        r->path, name, tail);
}

#define TFAIL_IF(cond, r, e, code, ...)                                    \
    do {                                                                   \
        if (cond) return tensor_fail((r), (e), (code), __VA_ARGS__);       \
    } while (0)

static const char *json_kind(const cJSON *j) {
    if (cJSON_IsString(j)) return "a string";
    if (cJSON_IsNumber(j)) return "a number";
    if (cJSON_IsObject(j)) return "an object";
    if (cJSON_IsArray(j)) return "an array";
    if (cJSON_IsBool(j)) return "a boolean";
    return "null";
}

/* A JSON number that the pre-scan proved to be an integer in [0, 2^53];
 * checked again here so no double reaches a cast unverified. */
static int json_u64(const cJSON *j, uint64_t *out) {
    if (!cJSON_IsNumber(j)) return 0;
    double d = j->valuedouble;
    if (!(d >= 0.0 && d <= 9007199254740992.0)) return 0;
    *out = (uint64_t)d;
    return (double)*out == d;
}

/* ---- the 8-byte prefix ------------------------------------------------- */

static parity_status read_prefix(st_reader *r, uint64_t *hlen) {
    parity_error *err = r->err;
    FAIL_IF(r->len < 8, err, PARITY_E_FORMAT, 0,
            "%s: header: file is %zu bytes, too small for the 8-byte header "
            "length (expected at least 8)", r->path, r->len);
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--) n = (n << 8) | r->buf[k];
    uint64_t max = r->set->opts.max_header_bytes;
    FAIL_IF(n > max, err, PARITY_E_LIMIT, 0,
            "%s: header: length %llu exceeds the limit of %llu bytes "
            "(expected <= max_header_bytes)", r->path,
            (unsigned long long)n, (unsigned long long)max);
    FAIL_IF(n > r->len - 8, err, PARITY_E_FORMAT, 0,
            "%s: header: length %llu runs past the end of the file (%zu "
            "bytes; expected <= %zu)", r->path, (unsigned long long)n,
            r->len, r->len - 8);
    *hlen = n;
    r->data_off = 8 + n;
    r->data_len = r->len - r->data_off;
    return PARITY_OK;
}

/* ---- the header, one entry at a time ----------------------------------- */

/* The JSON text of the header and where the parse is. */
typedef struct st_walk {
    const char *t;
    size_t at, end; /* the top-level object is t[begin, end) */
} st_walk;

static void skip_ws(st_walk *w) {
    while (w->at < w->end && (w->t[w->at] == ' ' || w->t[w->at] == '\t' || w->t[w->at] == '\n' ||
                              w->t[w->at] == '\r'))
        w->at++;
}

/* Invalid JSON at text[at]; past the end, at the last byte, as cJSON says
 * of a truncated text. */
static parity_status syntax_error(const st_reader *r, const st_walk *w, size_t at) {
    if (at >= w->end && w->end > 0) at = w->end - 1;
    uint64_t off = 8 + (uint64_t)at;
    return parity__fail(r->err, PARITY_E_FORMAT, off, "%s: header: invalid JSON at byte %llu",
                        r->path, (unsigned long long)off);
}

/* One JSON value at w->at, parsed on its own; w->at moves past it. A value
 * must start where one can (cJSON would also skip a byte-order mark). */
static parity_status parse_value(const st_reader *r, st_walk *w, cJSON **out) {
    *out = NULL;
    if (w->at >= w->end || !strchr("{[\"-0123456789tfn", w->t[w->at]))
        return syntax_error(r, w, w->at);
    const char *stop = NULL;
    *out = cJSON_ParseWithLengthOpts(w->t + w->at, w->end - w->at, &stop, 0);
    if (!*out && !stop)
        return parity__fail(r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                            "%s: header: out of memory parsing JSON", r->path);
    if (!*out) return syntax_error(r, w, (size_t)(stop - w->t));
    w->at = (size_t)(stop - w->t);
    return PARITY_OK;
}

/* A key at w->at into a new string: copied when it holds no escape (the
 * pre-scan checked its UTF-8 and control characters), else decoded. */
static parity_status parse_key(const st_reader *r, st_walk *w, char **key) {
    *key = NULL;
    if (w->at >= w->end || w->t[w->at] != '"') return syntax_error(r, w, w->at);
    size_t i = w->at + 1;
    while (i < w->end && w->t[i] != '"' && w->t[i] != '\\') i++;
    if (i < w->end && w->t[i] == '"') {
        *key = malloc(i - w->at);
        if (*key) {
            memcpy(*key, w->t + w->at + 1, i - w->at - 1);
            (*key)[i - w->at - 1] = '\0';
        }
        w->at = i + 1;
    } else {
        cJSON *s = NULL;
        TRY(parse_value(r, w, &s));
        *key = strdup(s->valuestring);
        cJSON_Delete(s);
    }
    FAIL_IF(!*key, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: header: out of memory", r->path);
    return PARITY_OK;
}

static int grow_array(void **arr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t n = *cap ? *cap * 2 : 64;
    if (n < need) n = need;
    void *p = realloc(*arr, n * elem);
    if (!p) return 0;
    *arr = p;
    *cap = n;
    return 1;
}

static parity_status check_entry(st_reader *r, st_entry *e, const cJSON *item);

/* One top-level entry: __metadata__ is kept (the last one wins); a tensor
 * is checked unless an earlier one failed (its error is kept for later). */
static parity_status take_entry(st_reader *r, char *key, uint64_t key_off, cJSON *value) {
    int meta = strcmp(key, ST_META_KEY) == 0;
    FAIL_IF(!grow_array((void **)&r->keys, &r->cap_keys, r->n_keys + 1, sizeof *r->keys) ||
                (!meta && !grow_array((void **)&r->e, &r->cap, r->n + 1, sizeof *r->e)),
            r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: header: out of memory", r->path);
    r->keys[r->n_keys] = (parity_key_ref){meta ? ST_META_KEY : key, r->n_keys};
    r->n_keys++;
    if (meta) {
        free(key);
        cJSON_Delete(r->meta);
        r->meta = value;
        r->meta_off = key_off;
        return PARITY_OK;
    }
    st_entry *e = &r->e[r->n];
    *e = (st_entry){.name = key, .key_off = key_off, .order = r->n};
    r->n++;
    if (r->pending_st == PARITY_OK) { /* its error goes to pending */
        parity_error *caller = r->err;
        r->err = &r->pending;
        r->pending_st = check_entry(r, e, value);
        r->err = caller;
    }
    cJSON_Delete(value);
    return PARITY_OK;
}

/* key : value, then ',' or the closing '}'. *more: another entry follows. */
static parity_status walk_entry(st_reader *r, st_walk *w, int *more) {
    char *key = NULL;
    cJSON *value = NULL;
    uint64_t key_off = 8 + (uint64_t)w->at;
    TRY(parse_key(r, w, &key));
    skip_ws(w);
    parity_status st = w->at < w->end && w->t[w->at] == ':' ? PARITY_OK : syntax_error(r, w, w->at);
    if (st == PARITY_OK) {
        w->at++;
        skip_ws(w);
        st = parse_value(r, w, &value);
    }
    if (st != PARITY_OK) {
        free(key);
        return st;
    }
    TRY(take_entry(r, key, key_off, value));
    skip_ws(w);
    if (w->at >= w->end || (w->t[w->at] != ',' && w->t[w->at] != '}'))
        return syntax_error(r, w, w->at);
    *more = w->t[w->at++] == ',';
    if (*more) skip_ws(w);
    return PARITY_OK;
}

static parity_status walk_header(st_reader *r, uint64_t hlen) {
    static const char *const checked_fields[] = {"shape", "data_offsets",
                                                 NULL};
    parity_json_scan *s = &r->scan;
    s->path = r->path;
    s->text = (const char *)r->buf + 8;
    s->len = (size_t)hlen;
    s->base = 8;
    s->max_depth = r->set->opts.max_json_depth;
    s->strict = r->set->opts.strict;
    s->entry_word = "tensor";
    s->free_key = ST_META_KEY;
    s->fields = checked_fields;
    s->max_entries = r->set->opts.max_tensors;
    s->max_name = "max_tensors";
    TRY(parity__json_prescan(s, r->err));
    st_walk w = {s->text, s->begin + 1, s->end};
    skip_ws(&w);
    if (w.at >= w.end) return syntax_error(r, &w, w.at);
    int more = w.t[w.at] != '}';
    if (!more) w.at++;
    while (more) TRY(walk_entry(r, &w, &more));
    return w.at == w.end ? PARITY_OK : syntax_error(r, &w, w.at);
}

/* ---- top-level keys ---------------------------------------------------- */

/* Tensor names must be unique; a second __metadata__ is refused in strict
 * mode (lenient: the last one wins, as in the reference reader). Sorting
 * costs O(n log n) whatever the names are. */
static parity_status check_top_keys(st_reader *r) {
    size_t n_items = r->n_keys;
    parity_key_ref *refs = r->keys;
    parity__keys_sort(refs, n_items);
    for (size_t k = 0; k + 1 < n_items; k++) {
        if (strcmp(refs[k].key, refs[k + 1].key) != 0) continue;
        int meta = strcmp(refs[k].key, ST_META_KEY) == 0;
        if (meta && !r->set->opts.strict) continue;
        size_t at = refs[k + 1].index;
        char name[128];
        parity__msg_name(refs[k].key, strlen(refs[k].key), name, sizeof name);
        uint64_t off = at < r->scan.n_keys && r->scan.n_keys == n_items
                           ? 8 + r->scan.keys[at] : PARITY_NO_OFFSET;
        return parity__fail(r->err, PARITY_E_FORMAT, off,
                            meta ? "%s: header: duplicate key '%s' (strict "
                                   "mode expects each key once)"
                                 : "%s: header: duplicate tensor name '%s' "
                                   "(expected unique names)",
                            r->path, name);
    }
    uint64_t max = r->set->opts.max_tensors;
    FAIL_IF(r->n > max, r->err, PARITY_E_LIMIT, 8,
            "%s: header: %zu tensors exceed the limit of %llu (expected <= "
            "max_tensors)", r->path, r->n, (unsigned long long)max);
    return PARITY_OK;
}

/* The first bad entry, now that the whole header parsed and its names are
 * unique. */
static parity_status pending_entry_error(const st_reader *r) {
    if (r->pending_st != PARITY_OK && r->err) *r->err = r->pending;
    return r->pending_st;
}

/* ---- one tensor entry -------------------------------------------------- */

static parity_status entry_fields(const st_reader *r, const st_entry *e, const cJSON *item,
                                  const cJSON *f[3]) {
    static const char *const names[3] = {"dtype", "shape", "data_offsets"};
    TFAIL_IF(!cJSON_IsObject(item), r, e, PARITY_E_FORMAT,
             "entry is %s (expected an object with dtype, shape and "
             "data_offsets)",
             json_kind(item));
    for (const cJSON *c = item->child; c; c = c->next) {
        const char *key = c->string ? c->string : "";
        int k = 0;
        while (k < 3 && strcmp(key, names[k]) != 0) k++;
        if (k == 3 && r->set->opts.strict) {
            char nm[64];
            parity__msg_name(key, strlen(key), nm, sizeof nm);
            return tensor_fail(r, e, PARITY_E_FORMAT,
                               "unknown field '%s' (strict mode expects only dtype, "
                               "shape and data_offsets)", nm);
        }
        if (k == 3) continue;
        TFAIL_IF(f[k], r, e, PARITY_E_FORMAT,
                 "%s: duplicate field (expected it once)", names[k]);
        f[k] = c;
    }
    for (int k = 0; k < 3; k++)
        TFAIL_IF(!f[k], r, e, PARITY_E_FORMAT,
                 "%s: missing (expected dtype, shape and data_offsets)",
                 names[k]);
    return PARITY_OK;
}

static int is_sub_byte(const char *s) {
    return strcmp(s, "F4") == 0 || strcmp(s, "F6_E2M3") == 0 ||
           strcmp(s, "F6_E3M2") == 0;
}

static parity_status entry_dtype(const st_reader *r, st_entry *e,
                                 const cJSON *j) {
    TFAIL_IF(!cJSON_IsString(j), r, e, PARITY_E_FORMAT,
             "dtype: %s (expected a string such as \"F32\")", json_kind(j));
    const char *s = j->valuestring;
    if (strcmp(s, "C64") == 0) {
        e->dt = PARITY_DT_F32;
        e->complex_parts = 1;
        return PARITY_OK;
    }
    e->dt = is_sub_byte(s) ? PARITY_DT_INVALID : parity_dtype_from_name(s);
    if (parity_dtype_block(e->dt, NULL, NULL) == 1) /* parity's GGUF names */
        e->dt = PARITY_DT_INVALID;
    if (e->dt != PARITY_DT_INVALID && e->dt != PARITY_DT_F80) return PARITY_OK;
    char nm[64]; /* the name only for the message */
    parity__msg_name(s, strlen(s), nm, sizeof nm);
    TFAIL_IF(is_sub_byte(s), r, e, PARITY_E_UNSUPPORTED,
             "dtype '%s': sub-byte types are not supported", nm);
    return tensor_fail(r, e, PARITY_E_FORMAT,
                       "dtype '%s': unknown (expected F64, F32, F16, BF16, F8_E4M3, "
                       "F8_E5M2, F8_E4M3FNUZ, F8_E5M2FNUZ, F8_E8M0, I64, I32, I16, I8, "
                       "U64, U32, U16, U8, BOOL or C64)", nm);
}

/* Fill e's shape (C64: plus a trailing 2) and e->count, with checked
 * products. */
static parity_status entry_shape(st_reader *r, st_entry *e, const cJSON *j) {
    int max_dims = PARITY_MAX_DIMS - e->complex_parts;
    TFAIL_IF(!cJSON_IsArray(j), r, e, PARITY_E_FORMAT,
             "shape: %s (expected an array of non-negative integers)",
             json_kind(j));
    FAIL_IF(
        !grow_array((void **)&r->dims, &r->cap_dims, r->n_dims + PARITY_MAX_DIMS, sizeof *r->dims),
        r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: header: out of memory", r->path);
    int64_t *shape = r->dims + r->n_dims;
    e->dims = r->n_dims;
    uint64_t count = 1, dim, span = 1; /* span: 0 taken as 1, as strides do */
    int k = 0, span_ok = 1, count_ok = 1, empty = 0;
    for (const cJSON *c = j->child; c; c = c->next, k++) {
        TFAIL_IF(k >= max_dims, r, e, PARITY_E_LIMIT,
                 "shape: more than %d dims (expected at most %d)", max_dims,
                 max_dims);
        TFAIL_IF(!json_u64(c, &dim), r, e, PARITY_E_FORMAT,
                 "shape[%d]: %s (expected a non-negative integer)", k,
                 json_kind(c));
        /* judged after the loop: a 0 after dims that overflow still
         * makes an empty tensor, refused for its strides */
        count_ok &= parity__mul_u64(count, dim, &count);
        empty |= dim == 0;
        span_ok &= parity__mul_u64(span, dim ? dim : 1, &span) &&
                   span <= (uint64_t)INT64_MAX >> e->complex_parts;
        shape[k] = (int64_t)dim;
    }
    /* an empty tensor's other dimensions still give its strides */
    TFAIL_IF(empty && !span_ok, r, e, PARITY_E_FORMAT,
             "shape: the dimensions multiply past 2^63 (even an empty tensor's: its "
             "strides must fit int64)");
    TFAIL_IF(!count_ok, r, e, PARITY_E_FORMAT, "shape: element count overflows 64 bits");
    if (e->complex_parts) shape[k++] = 2;
    e->ndim = k;
    r->n_dims += (size_t)k;
    e->count = count;
    return PARITY_OK;
}

static void shape_text(const st_reader *r, const st_entry *e, char *out, size_t cap) {
    size_t at = 0;
    out[0] = '\0';
    for (int k = 0; k < e->ndim && at + 24 < cap; k++)
        at += (size_t)snprintf(out + at, cap - at, "%s%lld", k ? "," : "",
                               (long long)r->dims[e->dims + (size_t)k]);
    snprintf(out + at, cap - at, "%s", at + 24 < cap ? "" : ",...");
}

static parity_status entry_offsets(const st_reader *r, st_entry *e, const cJSON *j) {
    const cJSON *b = cJSON_IsArray(j) ? j->child : NULL;
    const cJSON *x = b ? b->next : NULL;
    TFAIL_IF(!x || x->next, r, e, PARITY_E_FORMAT,
             "data_offsets: %s (expected [begin, end]: an array of 2 "
             "non-negative integers)", cJSON_IsArray(j) ? "not 2 elements"
                                                        : json_kind(j));
    TFAIL_IF(!json_u64(b, &e->begin) || !json_u64(x, &e->end), r, e,
             PARITY_E_FORMAT, "data_offsets: not integers (expected [begin, "
             "end]: 2 non-negative integers)");
    unsigned long long lb = e->begin, le = e->end;
    TFAIL_IF(e->end < e->begin, r, e, PARITY_E_FORMAT,
             "data_offsets [%llu,%llu]: end before start", lb, le);
    uint64_t esize = parity_dtype_size(e->dt) << e->complex_parts, nbytes;
    int fits = parity__mul_u64(e->count, esize, &nbytes);
    if (fits && nbytes == e->end - e->begin) return PARITY_OK;
    char sh[96]; /* only for the message: 10,000 entries print nothing */
    shape_text(r, e, sh, sizeof sh);
    TFAIL_IF(!fits, r, e, PARITY_E_FORMAT, "shape [%s]: byte size overflows 64 bits", sh);
    return tensor_fail(r, e, PARITY_E_FORMAT,
                       "data_offsets [%llu,%llu]: %llu bytes, but shape [%s] of %s "
                       "needs %llu (expected equal)", lb, le, le - lb, sh,
                       e->complex_parts ? "C64" : parity_dtype_name(e->dt),
                       (unsigned long long)nbytes);
}

static parity_status check_entry(st_reader *r, st_entry *e, const cJSON *item) {
    const cJSON *f[3] = {NULL, NULL, NULL};
    TRY(entry_fields(r, e, item, f));
    TRY(entry_dtype(r, e, f[0]));
    TRY(entry_shape(r, e, f[1]));
    return entry_offsets(r, e, f[2]);
}

/* ---- the data buffer --------------------------------------------------- */

static int by_offsets(const void *pa, const void *pb) {
    const st_entry *a = *(const st_entry *const *)pa;
    const st_entry *b = *(const st_entry *const *)pb;
    if (a->begin != b->begin) return a->begin < b->begin ? -1 : 1;
    if (a->end != b->end) return a->end < b->end ? -1 : 1;
    return (a->order > b->order) - (a->order < b->order);
}

/* Sorted by offsets, tensors must tile [0, data_len) exactly. */
static parity_status check_tiling(st_reader *r, const st_entry **sorted) {
    uint64_t expect = 0;
    for (size_t k = 0; k < r->n; k++) {
        const st_entry *e = sorted[k];
        unsigned long long lb = e->begin, le = e->end, lx = expect;
        TFAIL_IF(k == 0 && e->begin != 0, r, e, PARITY_E_FORMAT,
                 "data_offsets [%llu,%llu]: the first tensor begins at %llu "
                 "(expected 0)", lb, le, lb);
        TFAIL_IF(e->begin > expect, r, e, PARITY_E_FORMAT,
                 "data_offsets [%llu,%llu]: gap after the previous tensor, "
                 "which ends at %llu (expected contiguous data)", lb, le, lx);
        TFAIL_IF(e->begin < expect, r, e, PARITY_E_FORMAT,
                 "data_offsets [%llu,%llu]: overlaps the previous tensor, "
                 "which ends at %llu (expected contiguous data)", lb, le, lx);
        TFAIL_IF(e->end > r->data_len, r, e, PARITY_E_FORMAT,
                 "data_offsets [%llu,%llu]: end is past the end of the data "
                 "(%llu bytes)", lb, le, (unsigned long long)r->data_len);
        expect = e->end;
    }
    FAIL_IF(expect != r->data_len, r->err, PARITY_E_FORMAT,
            r->data_off + expect,
            "%s: header: tensors cover %llu of %llu data bytes (expected "
            "the data fully covered, no trailing bytes)", r->path,
            (unsigned long long)expect, (unsigned long long)r->data_len);
    return PARITY_OK;
}

static parity_status check_data(st_reader *r) {
    const st_entry **sorted = malloc((r->n ? r->n : 1) * sizeof *sorted);
    FAIL_IF(!sorted, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: header: out of memory", r->path);
    for (size_t k = 0; k < r->n; k++) sorted[k] = &r->e[k];
    if (r->n > 1) qsort(sorted, r->n, sizeof *sorted, by_offsets);
    parity_status st = check_tiling(r, sorted);
    free(sorted);
    return st;
}

/* ---- __metadata__ ------------------------------------------------------ */

/* Values must be strings; duplicate keys are refused in strict mode, and
 * in lenient mode skip[i] marks every occurrence but the last. */
static parity_status check_meta(st_reader *r, parity_key_ref *refs,
                                unsigned char *skip, size_t n) {
    size_t k = 0;
    for (const cJSON *c = r->meta->child; c; c = c->next, k++) {
        const char *key = c->string ? c->string : "";
        char nm[128];
        parity__msg_name(key, strlen(key), nm, sizeof nm);
        FAIL_IF(!cJSON_IsString(c), r->err, PARITY_E_FORMAT, r->meta_off,
                "%s: header: __metadata__ '%s': value is %s (expected a "
                "string)", r->path, nm, json_kind(c));
        refs[k] = (parity_key_ref){key, k};
    }
    parity__keys_sort(refs, n);
    for (k = 0; k + 1 < n; k++) {
        if (strcmp(refs[k].key, refs[k + 1].key) != 0) continue;
        char nm[128];
        parity__msg_name(refs[k].key, strlen(refs[k].key), nm, sizeof nm);
        FAIL_IF(r->set->opts.strict, r->err, PARITY_E_FORMAT, r->meta_off,
                "%s: header: __metadata__ '%s': duplicate key (strict mode "
                "expects each key once)", r->path, nm);
        skip[refs[k].index] = 1;
    }
    return PARITY_OK;
}

static parity_status read_meta(st_reader *r, int take) {
    if (!r->meta) return PARITY_OK;
    FAIL_IF(!cJSON_IsObject(r->meta), r->err, PARITY_E_FORMAT, r->meta_off,
            "%s: header: __metadata__ is %s (expected an object of string "
            "values)", r->path, json_kind(r->meta));
    size_t n = 0;
    for (const cJSON *c = r->meta->child; c; c = c->next) n++;
    parity_key_ref *refs = calloc(n ? n : 1, sizeof *refs);
    unsigned char *skip = calloc(n ? n : 1, 1);
    parity_status st = PARITY_OK;
    if (!refs || !skip)
        st = parity__fail(r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                          "%s: header: out of memory", r->path);
    if (st == PARITY_OK) st = check_meta(r, refs, skip, n);
    size_t k = 0;
    for (const cJSON *c = r->meta->child; c && st == PARITY_OK && take;
         c = c->next, k++) {
        if (skip[k]) continue;
        st = parity__set_meta_add(r->set, c->string, strlen(c->string),
                                  c->valuestring, strlen(c->valuestring),
                                  r->err);
    }
    free(refs);
    free(skip);
    return st;
}

/* ---- appending the tensors --------------------------------------------- */

/* The set's name for a tensor: single_name, "prefix/name" or name. */
static char *tensor_name(st_reader *r, const char *name, const char *prefix,
                         const char *single_name) {
    if (single_name && r->n == 1)
        return parity__set_strdup(r->set, single_name, strlen(single_name));
    if (!prefix || !prefix[0])
        return parity__set_strdup(r->set, name, strlen(name));
    size_t lp = strlen(prefix), ln = strlen(name);
    char *tmp = malloc(lp + ln + 2);
    if (!tmp) return NULL;
    memcpy(tmp, prefix, lp);
    tmp[lp] = '/';
    memcpy(tmp + lp + 1, name, ln + 1);
    char *out = parity__set_strdup(r->set, tmp, lp + 1 + ln);
    free(tmp);
    return out;
}

static parity_status add_tensors(st_reader *r, const char *prefix,
                                 const char *single_name) {
    const char *file = parity__set_strdup(r->set, r->path, strlen(r->path));
    FAIL_IF(!file, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory", r->path);
    TRY(parity__set_reserve(r->set, r->n, r->err));
    for (size_t k = 0; k < r->n; k++) {
        st_entry *e = &r->e[k];
        parity_tensor t;
        memset(&t, 0, sizeof t);
        t.name = tensor_name(r, e->name, prefix, single_name);
        FAIL_IF(!t.name, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "%s: out of memory", r->path);
        free(e->name); /* the set holds its copy */
        e->name = NULL;
        t.ndim = e->ndim;
        memcpy(t.shape, r->dims + e->dims, (size_t)e->ndim * sizeof *t.shape);
        t.file = file;
        t.dtype = e->dt;
        t.count = e->count << e->complex_parts;
        t.nbytes = e->end - e->begin;
        t.file_offset = r->data_off + e->begin;
        t.data = r->buf + t.file_offset;
        t.complex_parts = e->complex_parts;
        parity__strides_c(&t);
        TRY(parity__set_add(r->set, &t, r->err));
    }
    return PARITY_OK;
}

static parity_status read_all(st_reader *r, const char *prefix,
                              const char *single_name, int take_metadata) {
    uint64_t hlen = 0;
    TRY(read_prefix(r, &hlen));
    TRY(walk_header(r, hlen));
    TRY(check_top_keys(r));
    TRY(pending_entry_error(r));
    TRY(check_data(r));
    TRY(read_meta(r, take_metadata));
    return add_tensors(r, prefix, single_name);
}

parity_status parity__read_safetensors(parity_set *set,
                                       const parity__source *src,
                                       parity_error *err) {
    st_reader r;
    memset(&r, 0, sizeof r);
    r.set = set;
    r.path = src->path ? src->path : "(memory)";
    r.buf = src->buf;
    r.len = src->buf ? src->len : 0;
    r.err = err;
    parity_status st = read_all(&r, src->prefix, src->single_name,
                                src->take_metadata);
    parity__json_scan_free(&r.scan);
    for (size_t k = 0; k < r.n; k++) free(r.e[k].name);
    free(r.e);
    free(r.dims);
    free(r.keys);
    cJSON_Delete(r.meta);
    return st;
}
