/*
 * gguf_kv.c — GGUF metadata: the key-value pairs between the header and
 * the tensor infos (the file's layout is at the top of gguf.c).
 *
 * One pair (little-endian):
 *   u64 key length, key bytes     UTF-8, no NUL, 1 .. 65535 bytes
 *   u32 value type                0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32,
 *                                 6 f32, 7 bool (1 byte), 8 string, 9 array,
 *                                 10 u64, 11 i64, 12 f64
 *   value                         a string is u64 length + bytes; an array
 *                                 is u32 element type, u64 count, then the
 *                                 elements (arrays of arrays are allowed,
 *                                 as gguf.md says; ggml's reader refuses
 *                                 them)
 *
 * Rules (ggml's gguf.cpp checks, plus strict-mode ones marked *):
 *   - every length and count is checked against the bytes left before it
 *     is used: a string against its length, an array against count x the
 *     least bytes one element takes (1..8 for numbers, 8 for a string, 12
 *     for an array), in checked arithmetic, and against the limits of
 *     parity_open_opts (max_meta_entries, max_string_bytes,
 *     max_array_elems, max_array_depth);
 *   - keys are non-empty, unique, valid UTF-8 without NUL; (*) at most
 *     65535 bytes;
 *   - (*) a bool byte is 0 or 1 (ggml reads any non-zero byte as true);
 *     (*) a string value is UTF-8 without NUL (lenient mode shows each
 *     offending byte as '?');
 *   - general.alignment, when present, is a u32 power of two <= 1 MiB;
 *     (*) and at least 8 (gguf.md: "a multiple of 8").
 *
 * What the set's metadata holds, as "gguf.<key>" = text (take_metadata):
 *   integers in decimal; f32 and f64 in the shortest decimal that reads
 *   back as the same value (NaN, Infinity, -Infinity); bools true/false;
 *   strings as they are; an array with at most 64 elements at every level
 *   whose text stays within 4096 bytes as JSON ([1, 2], ["a", "b"]);
 *   any other array as "(array of N TYPE)" with TYPE u8 ... f64, str or
 *   arr. A 150,000-token vocabulary is walked string by string (its
 *   lengths must be sound) but never copied.
 */
#include "formats/gguf_impl.h"
#include "json_strict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    T_U8, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL,
    T_STR, T_ARR, T_U64, T_I64, T_F64, T_COUNT
};

static const char *const TYPE_NAME[T_COUNT] = {
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool",
    "str", "arr", "u64", "i64", "f64"};
static const unsigned TYPE_SIZE[T_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1,
                                            0, 0, 8, 8, 8};

/* The least bytes one element of type t takes. */
static uint64_t min_size(uint32_t t) {
    return t == T_STR ? 8 : t == T_ARR ? 12 : TYPE_SIZE[t];
}

#define SHOWN_ELEMS 64   /* arrays shown as JSON: elements per level  */
#define SHOWN_BYTES 4096 /* ... and bytes of JSON text               */

/* One pair being read. */
typedef struct kv_ctx {
    gguf_reader *r;
    char what[160];       /* "metadata 'KEY'", for messages              */
    parity_buf text;      /* the value as the set's metadata shows it    */
    int summarize;        /* too large to show: "(array of N TYPE)"      */
    uint64_t top_n;       /* the outer array's count and element type    */
    uint32_t top_type;
} kv_ctx;

#define KFAIL(k, code, off, ...) \
    kv_fail((k), (code), (off), __VA_ARGS__)
#define KFAIL_IF(cond, k, code, off, ...)                                  \
    do {                                                                   \
        if (cond) return kv_fail((k), (code), (off), __VA_ARGS__);         \
    } while (0)

/* "PATH: metadata 'KEY': " + the rest. */
__attribute__((format(printf, 4, 5)))
static parity_status kv_fail(const kv_ctx *k, parity_status code,
                             uint64_t off, const char *fmt, ...) {
    char tail[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    return parity__fail(k->r->err, code, off, "%s: %s: %s", k->r->path,
                        k->what, tail);
}

/* ---- showing values ------------------------------------------------------ */

static uint64_t le_bytes(const unsigned char *p, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;) v = v << 8 | p[i];
    return v;
}

/* The shortest decimal that reads back as v (in f32 when is_f32). */
static void put_float(parity_buf *b, double v, int is_f32) {
    if (isnan(v) || isinf(v)) {
        parity__buf_puts(b, isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
        return;
    }
    char tmp[40];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(tmp, sizeof tmp, "%.*g", digits, v);
        double back = is_f32 ? (double)strtof(tmp, NULL) : strtod(tmp, NULL);
        if (back == v) break;
    }
    parity__buf_puts(b, tmp);
}

static void put_scalar(parity_buf *b, uint32_t type, const unsigned char *p) {
    uint64_t u = le_bytes(p, TYPE_SIZE[type]);
    unsigned bits = 8 * TYPE_SIZE[type];
    int64_t s = bits < 64 && (u >> (bits - 1)) ? (int64_t)(u - ((uint64_t)1 << bits))
                                               : (int64_t)u;
    float f;
    double d;
    switch (type) {
    case T_I8: case T_I16: case T_I32: case T_I64:
        parity__buf_printf(b, "%lld", (long long)s);
        break;
    case T_F32:
        memcpy(&f, p, 4);
        put_float(b, f, 1);
        break;
    case T_F64:
        memcpy(&d, p, 8);
        put_float(b, d, 0);
        break;
    case T_BOOL:
        parity__buf_puts(b, u ? "true" : "false");
        break;
    default: /* u8 .. u64 */
        parity__buf_printf(b, "%llu", (unsigned long long)u);
    }
}

/* String bytes p[n]: at the top level as they are (each invalid UTF-8
 * byte or NUL as '?'), inside arrays as a JSON string (U+FFFD for them). */
static void put_text(parity_buf *b, const unsigned char *p, uint64_t n,
                     int json) {
    if (json) parity__buf_put(b, "\"", 1);
    size_t i = 0;
    while (i < n) {
        size_t ok = i + parity__utf8_check(p + i, (size_t)(n - i));
        for (; i < ok; i++) {
            unsigned char c = p[i];
            if (c == 0 && !json) parity__buf_put(b, "?", 1);
            else if (json && (c == '"' || c == '\\')) parity__buf_printf(b, "\\%c", c);
            else if (json && c < 0x20) parity__buf_printf(b, "\\u%04x", c);
            else parity__buf_put(b, (const char *)&p[i], 1);
        }
        if (i < n) { /* one invalid byte */
            parity__buf_puts(b, json ? "\\ufffd" : "?");
            i++;
        }
    }
    if (json) parity__buf_put(b, "\"", 1);
}

/* Past SHOWN_BYTES an array is only summarized. */
static void check_shown(kv_ctx *k) {
    if (k->text.len > SHOWN_BYTES) k->summarize = 1;
}

/* ---- reading values ------------------------------------------------------ */

static parity_status read_scalar(kv_ctx *k, uint32_t type) {
    gguf_reader *r = k->r;
    uint64_t at = r->pos, size = TYPE_SIZE[type], left = parity__gguf_left(r);
    KFAIL_IF(left < size, k, PARITY_E_FORMAT, at,
             "%s value truncated at byte %llu (needs %llu bytes, %llu left)",
             TYPE_NAME[type], (unsigned long long)at,
             (unsigned long long)size, (unsigned long long)left);
    const unsigned char *p = r->buf + r->pos;
    r->pos += (size_t)size;
    KFAIL_IF(type == T_BOOL && p[0] > 1 && r->strict, k, PARITY_E_FORMAT, at,
             "bool byte 0x%02x at byte %llu (strict mode expects 0 or 1)",
             p[0], (unsigned long long)at);
    if (!k->summarize) put_scalar(&k->text, type, p);
    check_shown(k);
    return PARITY_OK;
}

/* A string value; elem >= 0 is its index inside an array. */
static parity_status read_string(kv_ctx *k, int64_t elem) {
    gguf_reader *r = k->r;
    gguf_str s;
    TRY(parity__gguf_str(r, r->set->opts.max_string_bytes, "max_string_bytes",
                         &s, k->what, elem));
    if (elem < 0 && r->strict) {
        size_t bad = parity__utf8_check(s.p, (size_t)s.n);
        const unsigned char *nul = memchr(s.p, 0, (size_t)s.n);
        KFAIL_IF(bad < s.n, k, PARITY_E_FORMAT, s.at + 8 + bad,
                 "string: invalid UTF-8 at byte %llu (strict mode expects "
                 "UTF-8)", (unsigned long long)(s.at + 8 + bad));
        KFAIL_IF(nul, k, PARITY_E_FORMAT, s.at + 8 + (uint64_t)(nul - s.p),
                 "string: NUL byte at byte %llu (strict mode expects none)",
                 (unsigned long long)(s.at + 8 + (uint64_t)(nul - s.p)));
    }
    if (elem >= 0 && s.n > SHOWN_BYTES) k->summarize = 1; /* never copied */
    if (!k->summarize) put_text(&k->text, s.p, s.n, elem >= 0);
    check_shown(k);
    return PARITY_OK;
}

static parity_status read_array(kv_ctx *k, uint64_t depth);

/* Fixed-size elements not shown: skipped at once (strict: bools checked). */
static parity_status skip_fixed(kv_ctx *k, uint32_t et, uint64_t n) {
    gguf_reader *r = k->r;
    const unsigned char *p = r->buf + r->pos;
    for (uint64_t i = 0; et == T_BOOL && r->strict && i < n; i++)
        KFAIL_IF(p[i] > 1, k, PARITY_E_FORMAT, r->pos + i,
                 "element %llu: bool byte 0x%02x at byte %llu (strict mode "
                 "expects 0 or 1)", (unsigned long long)i, p[i],
                 (unsigned long long)(r->pos + i));
    r->pos += (size_t)(n * TYPE_SIZE[et]); /* checked by the caller */
    return PARITY_OK;
}

static parity_status read_elements(kv_ctx *k, uint32_t et, uint64_t n,
                                   uint64_t depth) {
    if (k->summarize && TYPE_SIZE[et]) return skip_fixed(k, et, n);
    for (uint64_t i = 0; i < n; i++) {
        if (i && !k->summarize) parity__buf_puts(&k->text, ", ");
        if (et == T_STR) TRY(read_string(k, (int64_t)i));
        else if (et == T_ARR) TRY(read_array(k, depth + 1));
        else TRY(read_scalar(k, et));
    }
    return PARITY_OK;
}

/* An array at the cursor (after its value type), nested depth deep. */
static parity_status read_array(kv_ctx *k, uint64_t depth) {
    gguf_reader *r = k->r;
    const parity_open_opts *o = &r->set->opts;
    uint64_t at = r->pos, n, need, left;
    uint32_t et;
    TRY(parity__gguf_u32(r, &et, k->what));
    TRY(parity__gguf_u64(r, &n, k->what));
    left = parity__gguf_left(r);
    unsigned long long la = at, ln = n;
    KFAIL_IF(et >= T_COUNT, k, PARITY_E_FORMAT, at,
             "array element type %u at byte %llu (expected 0..12)", et, la);
    /* depth 0 is the outer array: its elements would be level depth + 2 */
    KFAIL_IF(et == T_ARR && depth + 2 > o->max_array_depth, k, PARITY_E_LIMIT, at,
             "arrays nested more than %llu levels deep at byte %llu (expected "
             "<= max_array_depth)", (unsigned long long)o->max_array_depth, la);
    KFAIL_IF(n > o->max_array_elems, k, PARITY_E_LIMIT, at,
             "array of %llu %s at byte %llu exceeds the limit of %llu "
             "elements (expected <= max_array_elems)", ln, TYPE_NAME[et], la,
             (unsigned long long)o->max_array_elems);
    KFAIL_IF(!parity__mul_u64(n, min_size(et), &need) || need > left, k,
             PARITY_E_FORMAT, at, "array of %llu %s at byte %llu needs at "
             "least %llu bytes per element, only %llu bytes left", ln,
             TYPE_NAME[et], la, (unsigned long long)min_size(et),
             (unsigned long long)left);
    if (depth == 0) k->top_n = n, k->top_type = et;
    if (n > SHOWN_ELEMS) k->summarize = 1;
    if (!k->summarize) parity__buf_puts(&k->text, "[");
    TRY(read_elements(k, et, n, depth));
    if (!k->summarize) parity__buf_puts(&k->text, "]");
    check_shown(k);
    return PARITY_OK;
}

/* ---- general.alignment --------------------------------------------------- */

static parity_status apply_alignment(kv_ctx *k, uint32_t type,
                                     uint64_t value_at) {
    gguf_reader *r = k->r;
    unsigned long long la = value_at;
    KFAIL_IF(type != T_U32, k, PARITY_E_FORMAT, value_at,
             "type %s at byte %llu (expected u32)",
             type < T_COUNT ? TYPE_NAME[type] : "?", la);
    uint64_t a = le_bytes(r->buf + value_at, 4);
    KFAIL_IF(a == 0 || (a & (a - 1)) != 0, k, PARITY_E_FORMAT, value_at,
             "%llu at byte %llu is not a power of two (expected 8, 16, 32, "
             "...)", (unsigned long long)a, la);
    KFAIL_IF(a > PARITY__GGUF_MAX_ALIGNMENT, k, PARITY_E_FORMAT, value_at,
             "%llu at byte %llu exceeds 1 MiB (expected <= 1048576, ggml's "
             "limit)", (unsigned long long)a, la);
    KFAIL_IF(a < 8 && r->strict, k, PARITY_E_FORMAT, value_at,
             "%llu at byte %llu (strict mode expects a multiple of 8, as "
             "gguf.md says)", (unsigned long long)a, la);
    r->alignment = a;
    return PARITY_OK;
}

/* ---- one pair ------------------------------------------------------------ */

static parity_status read_key(gguf_reader *r, uint64_t i, gguf_str *key) {
    char what[64];
    snprintf(what, sizeof what, "metadata pair %llu: key", (unsigned long long)i);
    uint64_t max = r->set->opts.max_string_bytes;
    int spec = r->strict && max > PARITY__GGUF_MAX_KEY;
    TRY(parity__gguf_str(r, spec ? PARITY__GGUF_MAX_KEY : max,
                         spec ? "65535 bytes for a key (gguf.md)" : "max_string_bytes",
                         key, what, -1));
    unsigned long long at = key->at;
    FAIL_IF(key->n == 0, r->err, PARITY_E_FORMAT, key->at,
            "%s: %s: empty at byte %llu (expected a name)", r->path, what, at);
    size_t bad = parity__utf8_check(key->p, (size_t)key->n);
    FAIL_IF(bad < key->n, r->err, PARITY_E_FORMAT, key->at + 8 + bad,
            "%s: %s: invalid UTF-8 at byte %llu (expected UTF-8)", r->path,
            what, (unsigned long long)(key->at + 8 + bad));
    FAIL_IF(memchr(key->p, 0, (size_t)key->n), r->err, PARITY_E_FORMAT,
            key->at, "%s: %s: NUL byte in the key at byte %llu (expected "
            "none)", r->path, what, at);
    return PARITY_OK;
}

static parity_status add_meta(kv_ctx *k, const gguf_str *key) {
    gguf_reader *r = k->r;
    if (k->summarize) {
        k->text.len = 0;
        parity__buf_printf(&k->text, "(array of %llu %s)",
                           (unsigned long long)k->top_n, TYPE_NAME[k->top_type]);
    }
    FAIL_IF(k->text.oom, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory", r->path);
    if (!r->take_metadata) return PARITY_OK;
    size_t n = (size_t)key->n + 5;
    char *mk = malloc(n + 1);
    FAIL_IF(!mk, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            r->path);
    memcpy(mk, "gguf.", 5);
    memcpy(mk + 5, key->p, (size_t)key->n);
    parity_status st = parity__set_meta_add(r->set, mk, n, k->text.data ? k->text.data : "",
                                            k->text.len, r->err);
    free(mk);
    return st;
}

static parity_status read_pair(gguf_reader *r, uint64_t i, gguf_str *key) {
    TRY(read_key(r, i, key));
    kv_ctx k;
    memset(&k, 0, sizeof k);
    k.r = r;
    char name[128];
    parity__msg_name((const char *)key->p, (size_t)key->n, name, sizeof name);
    snprintf(k.what, sizeof k.what, "metadata '%s'", name);
    uint32_t type;
    uint64_t type_at = r->pos;
    parity_status st = parity__gguf_u32(r, &type, k.what);
    uint64_t value_at = r->pos;
    if (st == PARITY_OK && type >= T_COUNT)
        st = KFAIL(&k, PARITY_E_FORMAT, type_at, "value type %u at byte %llu "
                   "(expected 0..12)", type, (unsigned long long)type_at);
    if (st == PARITY_OK)
        st = type == T_ARR ? read_array(&k, 0)
             : type == T_STR ? read_string(&k, -1)
                             : read_scalar(&k, type);
    if (st == PARITY_OK && key->n == 17 && memcmp(key->p, "general.alignment", 17) == 0)
        st = apply_alignment(&k, type, value_at);
    if (st == PARITY_OK) st = add_meta(&k, key);
    parity__buf_free(&k.text);
    return st;
}

/* ---- every pair ---------------------------------------------------------- */

static int key_cmp(const void *pa, const void *pb) {
    const gguf_str *a = pa, *b = pb;
    uint64_t n = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->p, b->p, (size_t)n);
    if (c) return c;
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    return (a->at > b->at) - (a->at < b->at);
}

/* Keys are unique: sorted, equal keys end up adjacent (O(n log n) for any
 * keys, where a hash set could be flooded). */
static parity_status check_unique(gguf_reader *r, gguf_str *keys, uint64_t n) {
    if (n > 1) qsort(keys, (size_t)n, sizeof *keys, key_cmp);
    for (uint64_t i = 0; i + 1 < n; i++) {
        if (keys[i].n != keys[i + 1].n ||
            memcmp(keys[i].p, keys[i + 1].p, (size_t)keys[i].n) != 0)
            continue;
        char name[128];
        parity__msg_name((const char *)keys[i].p, (size_t)keys[i].n, name, sizeof name);
        return parity__fail(r->err, PARITY_E_FORMAT, keys[i + 1].at,
                            "%s: metadata '%s': duplicate key at byte %llu "
                            "(first at byte %llu; expected each key once)",
                            r->path, name, (unsigned long long)keys[i + 1].at,
                            (unsigned long long)keys[i].at);
    }
    return PARITY_OK;
}

parity_status parity__gguf_read_kvs(gguf_reader *r) {
    /* n_kv was checked against the bytes left (13 bytes per pair at
     * least), so this allocation is bounded by the file's size. */
    gguf_str *keys = calloc(r->n_kv ? (size_t)r->n_kv : 1, sizeof *keys);
    FAIL_IF(!keys, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory", r->path);
    parity_status st = PARITY_OK;
    for (uint64_t i = 0; i < r->n_kv && st == PARITY_OK; i++)
        st = read_pair(r, i, &keys[i]);
    if (st == PARITY_OK) st = check_unique(r, keys, r->n_kv);
    free(keys);
    return st;
}
