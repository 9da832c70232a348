/*
 * gguf.c — the GGUF reader (versions 2 and 3, little-endian), ggml's file
 * format for models with quantized weights.
 *
 * Byte layout (all integers little-endian; a "string" is a u64 length then
 * that many bytes, no NUL):
 *
 *   offset 0    "GGUF"               magic
 *           4   u32 version          2 or 3 (1 had 32-bit counts: refused;
 *                                    a big-endian file reads as 0x0N000000)
 *           8   u64 n_tensors
 *          16   u64 n_kv
 *          24   n_kv key-value pairs (gguf_kv.c)
 *               n_tensors tensor infos:
 *                 string name        1..63 bytes (ggml: < GGML_MAX_NAME)
 *                 u32 n_dims         0..4 (GGML_MAX_DIMS)
 *                 u64 ne[n_dims]     ne[0] varies fastest; each fits int64
 *                 u32 type           a ggml_type id (table below)
 *                 u64 offset         from the data section; a multiple of
 *                                    the alignment
 *               padding to the alignment (general.alignment, else 32)
 *   data        the data section: each tensor's bytes at data + offset,
 *               (ne[0] / block) * block bytes * ne[1] * ne[2] * ne[3]
 *
 * Rules (ggml's gguf.cpp checks, plus strict-mode ones marked *):
 *   - counts fit the bytes left (24 bytes per tensor info, 13 per pair at
 *     least) and the limits max_tensors / max_meta_entries;
 *   - names are non-empty UTF-8 without NUL, at most 63 bytes, unique;
 *   - each ne is >= 0 as an int64, the element count fits int64 (checked
 *     products; a zero dimension is a valid empty tensor);
 *   - the type is one parity decodes (other ggml types are refused by
 *     name, removed and unknown ids as malformed); ne[0] is a multiple of
 *     its block; the byte size does not overflow;
 *   - offsets are aligned; every tensor's bytes lie inside the file; no two
 *     tensors overlap; (*) each offset is where ggml expects it: right
 *     after the previous tensor, padded to the alignment (ggml refuses
 *     anything else; lenient mode accepts any order).
 *
 * Shape: parity presents tensors in C order as PyTorch does, so the shape
 * is ne reversed: a Linear weight [out, in] in PyTorch is ne = [in, out]
 * in GGUF and reads back as [out, in]. Quantized tensors keep their blocks
 * in the file and are decoded on read (core/quant.c).
 */
#include "formats/gguf_impl.h"
#include "json_strict.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ggml types ---------------------------------------------------------- */

enum { GT_NONE, GT_READ, GT_UNSUPPORTED, GT_REMOVED };

typedef struct ggml_type_info {
    const char *name;
    int status;
    parity_dtype dt;
} ggml_type_info;

/* ggml_type ids (ggml.h): what parity reads, what it refuses by name. */
static const ggml_type_info GGML_TYPES[] = {
    [0] = {"F32", GT_READ, PARITY_DT_F32},
    [1] = {"F16", GT_READ, PARITY_DT_F16},
    [2] = {"Q4_0", GT_READ, PARITY_DT_Q4_0},
    [3] = {"Q4_1", GT_READ, PARITY_DT_Q4_1},
    [4] = {"Q4_2", GT_REMOVED, 0},
    [5] = {"Q4_3", GT_REMOVED, 0},
    [6] = {"Q5_0", GT_READ, PARITY_DT_Q5_0},
    [7] = {"Q5_1", GT_READ, PARITY_DT_Q5_1},
    [8] = {"Q8_0", GT_READ, PARITY_DT_Q8_0},
    [9] = {"Q8_1", GT_UNSUPPORTED, 0},
    [10] = {"Q2_K", GT_READ, PARITY_DT_Q2_K},
    [11] = {"Q3_K", GT_READ, PARITY_DT_Q3_K},
    [12] = {"Q4_K", GT_READ, PARITY_DT_Q4_K},
    [13] = {"Q5_K", GT_READ, PARITY_DT_Q5_K},
    [14] = {"Q6_K", GT_READ, PARITY_DT_Q6_K},
    [15] = {"Q8_K", GT_UNSUPPORTED, 0},
    [16] = {"IQ2_XXS", GT_UNSUPPORTED, 0},
    [17] = {"IQ2_XS", GT_UNSUPPORTED, 0},
    [18] = {"IQ3_XXS", GT_UNSUPPORTED, 0},
    [19] = {"IQ1_S", GT_UNSUPPORTED, 0},
    [20] = {"IQ4_NL", GT_UNSUPPORTED, 0},
    [21] = {"IQ3_S", GT_UNSUPPORTED, 0},
    [22] = {"IQ2_S", GT_UNSUPPORTED, 0},
    [23] = {"IQ4_XS", GT_UNSUPPORTED, 0},
    [24] = {"I8", GT_READ, PARITY_DT_I8},
    [25] = {"I16", GT_READ, PARITY_DT_I16},
    [26] = {"I32", GT_READ, PARITY_DT_I32},
    [27] = {"I64", GT_READ, PARITY_DT_I64},
    [28] = {"F64", GT_READ, PARITY_DT_F64},
    [29] = {"IQ1_M", GT_UNSUPPORTED, 0},
    [30] = {"BF16", GT_READ, PARITY_DT_BF16},
    [31] = {"Q4_0_4_4", GT_REMOVED, 0},
    [32] = {"Q4_0_4_8", GT_REMOVED, 0},
    [33] = {"Q4_0_8_8", GT_REMOVED, 0},
    [34] = {"TQ1_0", GT_UNSUPPORTED, 0},
    [35] = {"TQ2_0", GT_UNSUPPORTED, 0},
    [36] = {"IQ4_NL_4_4", GT_REMOVED, 0},
    [37] = {"IQ4_NL_4_8", GT_REMOVED, 0},
    [38] = {"IQ4_NL_8_8", GT_REMOVED, 0},
    [39] = {"MXFP4", GT_UNSUPPORTED, 0},
    [40] = {"NVFP4", GT_UNSUPPORTED, 0},
    [41] = {"Q1_0", GT_UNSUPPORTED, 0},
    [42] = {"Q2_0", GT_UNSUPPORTED, 0},
};
#define N_GGML_TYPES (sizeof GGML_TYPES / sizeof GGML_TYPES[0])

int parity__is_gguf(const unsigned char *buf, size_t len) {
    return buf && len >= 4 && memcmp(buf, "GGUF", 4) == 0;
}

/* ---- header -------------------------------------------------------------- */

static parity_status check_version(gguf_reader *r) {
    uint32_t v = r->version;
    uint32_t swapped = __builtin_bswap32(v);
    FAIL_IF(v == 0, r->err, PARITY_E_FORMAT, 4,
            "%s: header: version 0 (expected 2 or 3)", r->path);
    FAIL_IF((v & 0xFFFF) == 0, r->err, PARITY_E_UNSUPPORTED, 4,
            "%s: header: version 0x%08x is %u byte-swapped: a big-endian GGUF "
            "file (parity reads little-endian GGUF only)", r->path, v, swapped);
    FAIL_IF(v == 1, r->err, PARITY_E_UNSUPPORTED, 4,
            "%s: header: version 1: GGUF v1 (32-bit counts) is not supported "
            "(expected 2 or 3)", r->path);
    FAIL_IF(v > 3, r->err, PARITY_E_UNSUPPORTED, 4,
            "%s: header: version %u is newer than this reader (expected 2 or "
            "3)", r->path, v);
    return PARITY_OK;
}

/* The counts against the limits and the bytes left: a tensor info takes
 * at least 24 bytes (8 name length, 4 n_dims, 4 type, 8 offset), a pair
 * 13 (8 key length, 4 type, 1 value). Nothing is allocated from them
 * before this. */
static parity_status check_counts(gguf_reader *r) {
    const parity_open_opts *o = &r->set->opts;
    unsigned long long nt = r->n_tensors, nk = r->n_kv, left = parity__gguf_left(r);
    uint64_t a, b, sum;
    FAIL_IF(r->n_tensors > o->max_tensors, r->err, PARITY_E_LIMIT, 8,
            "%s: header: %llu tensors exceed the limit of %llu (expected <= "
            "max_tensors)", r->path, nt, (unsigned long long)o->max_tensors);
    FAIL_IF(r->n_kv > o->max_meta_entries, r->err, PARITY_E_LIMIT, 16,
            "%s: header: %llu metadata pairs exceed the limit of %llu "
            "(expected <= max_meta_entries)", r->path, nk,
            (unsigned long long)o->max_meta_entries);
    int fits = parity__mul_u64(r->n_tensors, 24, &a) &&
               parity__mul_u64(r->n_kv, 13, &b) && parity__add_u64(a, b, &sum) &&
               sum <= left;
    FAIL_IF(!fits, r->err, PARITY_E_FORMAT, 8,
            "%s: header: %llu tensors and %llu metadata pairs cannot fit in "
            "the %llu bytes after the header (expected at least 24 bytes per "
            "tensor info and 13 per pair)", r->path, nt, nk, left);
    return PARITY_OK;
}

static parity_status read_header(gguf_reader *r) {
    char magic[8];
    FAIL_IF(r->len == 0, r->err, PARITY_E_FORMAT, 0,
            "%s: header: empty file (expected the magic 'GGUF')", r->path);
    FAIL_IF(r->len < 4, r->err, PARITY_E_FORMAT, 0,
            "%s: header: truncated: %zu bytes (expected the 4-byte magic "
            "'GGUF')", r->path, r->len);
    parity__msg_name((const char *)r->buf, 4, magic, sizeof magic);
    FAIL_IF(!parity__is_gguf(r->buf, r->len), r->err, PARITY_E_FORMAT, 0,
            "%s: header: bad magic '%s' (expected 'GGUF')", r->path, magic);
    r->pos = 4;
    TRY(parity__gguf_u32(r, &r->version, "header: version"));
    TRY(check_version(r));
    TRY(parity__gguf_u64(r, &r->n_tensors, "header: tensor count"));
    TRY(parity__gguf_u64(r, &r->n_kv, "header: metadata count"));
    return check_counts(r);
}

/* ---- tensor infos -------------------------------------------------------- */

typedef struct gguf_tensor {
    gguf_str name;
    uint32_t n_dims;
    uint64_t ne[4];     /* ne[0] fastest, as stored                       */
    parity_dtype dt;
    uint64_t count;     /* product of ne                                  */
    uint64_t nbytes;    /* whole blocks                                   */
    uint64_t offset;    /* from the data section                          */
    uint64_t offset_at; /* file offset of the offset field                */
} gguf_tensor;

/* "PATH: tensor 'NAME': " + the rest. */
__attribute__((format(printf, 5, 6)))
static parity_status tensor_fail(const gguf_reader *r, const gguf_tensor *t,
                                 parity_status code, uint64_t off,
                                 const char *fmt, ...) {
    char tail[400], name[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    parity__msg_name((const char *)t->name.p, (size_t)t->name.n, name, sizeof name);
    return parity__fail(r->err, code, off, "%s: tensor '%s': %s", r->path,
                        name, tail);
}

#define TFAIL_IF(cond, r, t, code, off, ...)                                \
    do {                                                                    \
        if (cond) return tensor_fail((r), (t), (code), (off), __VA_ARGS__); \
    } while (0)

static parity_status read_name(gguf_reader *r, uint64_t i, gguf_tensor *t) {
    char what[64];
    snprintf(what, sizeof what, "tensor info %llu: name", (unsigned long long)i);
    TRY(parity__gguf_str(r, r->set->opts.max_string_bytes, "max_string_bytes",
                         &t->name, what, -1));
    unsigned long long at = t->name.at, n = t->name.n;
    FAIL_IF(n == 0, r->err, PARITY_E_FORMAT, at,
            "%s: %s: empty at byte %llu (expected 1 to 63 bytes)", r->path, what, at);
    /* not shown in the message: its bytes are not text */
    size_t bad = parity__utf8_check(t->name.p, (size_t)n);
    FAIL_IF(bad < n, r->err, PARITY_E_FORMAT, at + 8 + bad,
            "%s: %s: invalid UTF-8 at byte %llu (expected UTF-8)", r->path,
            what, (unsigned long long)(at + 8 + bad));
    FAIL_IF(memchr(t->name.p, 0, (size_t)n), r->err, PARITY_E_FORMAT, at,
            "%s: %s: NUL byte at byte %llu (expected none)", r->path, what, at);
    TFAIL_IF(n > PARITY__GGUF_MAX_NAME, r, t, PARITY_E_FORMAT, at,
             "name: %llu bytes at byte %llu (expected at most 63, ggml's "
             "GGML_MAX_NAME - 1)", n, at);
    return PARITY_OK;
}

static parity_status read_shape(gguf_reader *r, gguf_tensor *t) {
    uint64_t at = r->pos;
    TRY(parity__gguf_u32(r, &t->n_dims, "tensor info: n_dims"));
    TFAIL_IF(t->n_dims > 4, r, t, PARITY_E_FORMAT, at,
             "n_dims %u at byte %llu (expected 0..4, ggml's GGML_MAX_DIMS)",
             t->n_dims, (unsigned long long)at);
    /* span: the product of the dimensions with 0 taken as 1. It bounds the
     * element count, and strides are computed from it, so it must fit
     * int64 even for an empty tensor ([0, 2^62, 2^62] would overflow) */
    uint64_t span = 1;
    t->count = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
        at = r->pos;
        TRY(parity__gguf_u64(r, &t->ne[d], "tensor info: ne"));
        unsigned long long v = t->ne[d], la = at;
        TFAIL_IF(v > (uint64_t)INT64_MAX, r, t, PARITY_E_FORMAT, at,
                 "ne[%u] = %lld at byte %llu is negative (expected 0 .. 2^63 "
                 "- 1)", d, (long long)(int64_t)v, la);
        TFAIL_IF(!parity__mul_u64(span, v ? v : 1, &span) || span > (uint64_t)INT64_MAX,
                 r, t, PARITY_E_FORMAT, at, "ne[%u] = %llu at byte %llu: the "
                 "element count overflows int64", d, v, la);
        t->count *= v; /* <= span */
    }
    return PARITY_OK;
}

static parity_status read_type(gguf_reader *r, gguf_tensor *t) {
    uint64_t at = r->pos;
    uint32_t id;
    TRY(parity__gguf_u32(r, &id, "tensor info: type"));
    unsigned long long la = at;
    const ggml_type_info *g = id < N_GGML_TYPES ? &GGML_TYPES[id] : NULL;
    TFAIL_IF(!g || g->status == GT_NONE, r, t, PARITY_E_FORMAT, at,
             "type %u at byte %llu: not a ggml type (expected an id of "
             "ggml.h below %u)", id, la, (unsigned)N_GGML_TYPES);
    TFAIL_IF(g->status == GT_REMOVED, r, t, PARITY_E_FORMAT, at,
             "type %u (%s) at byte %llu was removed from ggml (expected a "
             "current type)", id, g->name, la);
    TFAIL_IF(g->status == GT_UNSUPPORTED, r, t, PARITY_E_UNSUPPORTED, at,
             "type %u (%s) at byte %llu is not read by parity (expected F32, "
             "F16, BF16, F64, I8..I64, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 or "
             "Q2_K..Q6_K)", id, g->name, la);
    t->dt = g->dt;
    int be, bb;
    parity_dtype_block(t->dt, &be, &bb);
    uint64_t ne0 = t->n_dims ? t->ne[0] : 1;
    TFAIL_IF(ne0 % (uint64_t)be != 0, r, t, PARITY_E_FORMAT, at,
             "type %s: ne[0] = %llu is not a multiple of its block of %d "
             "values", g->name, (unsigned long long)ne0, be);
    TFAIL_IF(!parity__mul_u64(t->count / (uint64_t)be, (uint64_t)bb, &t->nbytes),
             r, t, PARITY_E_FORMAT, at, "type %s: the byte size overflows "
             "64 bits", g->name);
    return PARITY_OK;
}

static parity_status read_info(gguf_reader *r, uint64_t i, gguf_tensor *t) {
    TRY(read_name(r, i, t));
    TRY(read_shape(r, t));
    TRY(read_type(r, t));
    t->offset_at = r->pos;
    TRY(parity__gguf_u64(r, &t->offset, "tensor info: offset"));
    TFAIL_IF(t->offset % r->alignment != 0, r, t, PARITY_E_FORMAT, t->offset_at,
             "offset %llu at byte %llu is not a multiple of the alignment "
             "%llu", (unsigned long long)t->offset,
             (unsigned long long)t->offset_at, (unsigned long long)r->alignment);
    return PARITY_OK;
}

static int name_cmp(const void *pa, const void *pb) {
    const gguf_tensor *a = *(const gguf_tensor *const *)pa;
    const gguf_tensor *b = *(const gguf_tensor *const *)pb;
    uint64_t n = a->name.n < b->name.n ? a->name.n : b->name.n;
    int c = memcmp(a->name.p, b->name.p, (size_t)n);
    if (c) return c;
    if (a->name.n != b->name.n) return a->name.n < b->name.n ? -1 : 1;
    return (a->name.at > b->name.at) - (a->name.at < b->name.at);
}

/* Names are unique (sorted: O(n log n) whatever the names). */
static parity_status check_names(gguf_reader *r, gguf_tensor **by) {
    uint64_t n = r->n_tensors;
    if (n > 1) qsort(by, (size_t)n, sizeof *by, name_cmp);
    for (uint64_t i = 0; i + 1 < n; i++) {
        const gguf_tensor *a = by[i], *b = by[i + 1];
        TFAIL_IF(a->name.n == b->name.n && memcmp(a->name.p, b->name.p, (size_t)a->name.n) == 0,
                 r, b, PARITY_E_FORMAT, b->name.at, "duplicate name at byte "
                 "%llu (first at byte %llu; expected unique names)",
                 (unsigned long long)b->name.at, (unsigned long long)a->name.at);
    }
    return PARITY_OK;
}

/* ---- the data section ---------------------------------------------------- */

static int by_offset(const void *pa, const void *pb) {
    const gguf_tensor *a = *(const gguf_tensor *const *)pa;
    const gguf_tensor *b = *(const gguf_tensor *const *)pb;
    if (a->offset != b->offset) return a->offset < b->offset ? -1 : 1;
    if (a->nbytes != b->nbytes) return a->nbytes < b->nbytes ? -1 : 1;
    return (a->name.at > b->name.at) - (a->name.at < b->name.at);
}

/* Every tensor inside the file, none overlapping another. */
static parity_status check_extents(gguf_reader *r, gguf_tensor **by,
                                   uint64_t data) {
    uint64_t n = r->n_tensors, room = (uint64_t)r->len - data;
    for (uint64_t i = 0; i < n; i++) {
        const gguf_tensor *t = by[i];
        uint64_t end;
        unsigned long long lo = t->offset, lb = t->nbytes;
        TFAIL_IF(!parity__add_u64(t->offset, t->nbytes, &end) || end > room, r, t,
                 PARITY_E_FORMAT, t->offset_at, "data [%llu, +%llu) runs past "
                 "the end of the file (the data section holds %llu bytes from "
                 "byte %llu)", lo, lb, (unsigned long long)room,
                 (unsigned long long)data);
    }
    if (n > 1) qsort(by, (size_t)n, sizeof *by, by_offset);
    const gguf_tensor *prev = NULL;
    for (uint64_t i = 0; i < n; i++) {
        const gguf_tensor *t = by[i];
        if (t->nbytes == 0) continue;
        char pn[96];
        if (prev) parity__msg_name((const char *)prev->name.p, (size_t)prev->name.n, pn, sizeof pn);
        TFAIL_IF(prev && t->offset < prev->offset + prev->nbytes, r, t,
                 PARITY_E_FORMAT, t->offset_at, "data [%llu, %llu) overlaps "
                 "tensor '%s' at [%llu, %llu) (expected disjoint tensors)",
                 (unsigned long long)t->offset,
                 (unsigned long long)(t->offset + t->nbytes), pn,
                 (unsigned long long)prev->offset,
                 (unsigned long long)(prev->offset + prev->nbytes));
        prev = t;
    }
    return PARITY_OK;
}

/* Strict mode: ggml's own rule, each offset right after the previous
 * tensor (in info order) padded to the alignment, the sum overflow-checked
 * (CVE-2025-53630). */
static parity_status check_sequence(gguf_reader *r, gguf_tensor *ts) {
    uint64_t expect = 0, a = r->alignment;
    for (uint64_t i = 0; i < r->n_tensors; i++) {
        const gguf_tensor *t = &ts[i];
        unsigned long long lo = t->offset, le = expect;
        TFAIL_IF(t->offset != expect, r, t, PARITY_E_FORMAT, t->offset_at,
                 "offset %llu (strict mode expects %llu: right after the "
                 "previous tensor, padded to %llu, as ggml requires)", lo, le,
                 (unsigned long long)a);
        uint64_t padded = t->nbytes + (a - t->nbytes % a) % a; /* in the file */
        TFAIL_IF(!parity__add_u64(expect, padded, &expect), r, t, PARITY_E_FORMAT,
                 t->offset_at, "the data section's size overflows 64 bits");
    }
    return PARITY_OK;
}

/* Where the data section starts: after the infos, padded to the alignment
 * (ggml seeks there only when there are tensors). */
static parity_status data_start(gguf_reader *r, uint64_t *data) {
    uint64_t pos = r->pos, a = r->alignment;
    *data = pos;
    if (r->n_tensors == 0) return PARITY_OK;
    *data = pos + (a - pos % a) % a; /* pos < len, a <= 2^20: no overflow */
    FAIL_IF(*data > r->len, r->err, PARITY_E_FORMAT, pos,
            "%s: data section: starts at byte %llu (the tensor infos end at "
            "%llu, padded to %llu), past the end of the file (%zu bytes)",
            r->path, (unsigned long long)*data, (unsigned long long)pos,
            (unsigned long long)a, r->len);
    return PARITY_OK;
}

/* ---- appending ----------------------------------------------------------- */

/* The set's name: single_name (one tensor), "prefix/name" or name. */
static char *set_name(gguf_reader *r, const gguf_tensor *t,
                      const parity__source *src) {
    if (src->single_name && r->n_tensors == 1)
        return parity__set_strdup(r->set, src->single_name, strlen(src->single_name));
    size_t lp = src->prefix ? strlen(src->prefix) : 0, ln = (size_t)t->name.n;
    char tmp[PARITY__GGUF_MAX_NAME + 1];
    memcpy(tmp, t->name.p, ln);
    tmp[ln] = '\0';
    if (lp == 0) return parity__set_strdup(r->set, tmp, ln);
    char *full = malloc(lp + ln + 2);
    if (!full) return NULL;
    snprintf(full, lp + ln + 2, "%s/%s", src->prefix, tmp);
    char *out = parity__set_strdup(r->set, full, lp + 1 + ln);
    free(full);
    return out;
}

static parity_status add_tensors(gguf_reader *r, const gguf_tensor *ts,
                                 uint64_t data, const parity__source *src) {
    const char *file = parity__set_strdup(r->set, r->path, strlen(r->path));
    FAIL_IF(!file, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            r->path);
    for (uint64_t i = 0; i < r->n_tensors; i++) {
        const gguf_tensor *g = &ts[i];
        parity_tensor t;
        memset(&t, 0, sizeof t);
        t.name = set_name(r, g, src);
        FAIL_IF(!t.name, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "%s: out of memory", r->path);
        t.file = file;
        t.dtype = g->dt;
        t.ndim = (int)g->n_dims;
        for (int k = 0; k < t.ndim; k++) t.shape[k] = (int64_t)g->ne[t.ndim - 1 - k];
        parity__strides_c(&t);
        t.count = g->count;
        t.nbytes = g->nbytes;
        t.file_offset = data + g->offset;
        t.data = r->buf + t.file_offset;
        TRY(parity__set_add(r->set, &t, r->err));
    }
    return PARITY_OK;
}

/* ---- the whole file ------------------------------------------------------ */

static parity_status read_tensors(gguf_reader *r, gguf_tensor *ts,
                                  gguf_tensor **by, const parity__source *src) {
    for (uint64_t i = 0; i < r->n_tensors; i++) {
        TRY(read_info(r, i, &ts[i]));
        by[i] = &ts[i];
    }
    TRY(check_names(r, by));
    uint64_t data;
    TRY(data_start(r, &data));
    TRY(check_extents(r, by, data));
    if (r->strict) TRY(check_sequence(r, ts));
    return add_tensors(r, ts, data, src);
}

parity_status parity__read_gguf(parity_set *set, const parity__source *src,
                                parity_error *err) {
    gguf_reader r;
    memset(&r, 0, sizeof r);
    r.set = set;
    r.path = src->path ? src->path : "(memory)";
    r.buf = src->buf;
    r.len = src->buf ? src->len : 0;
    r.err = err;
    r.strict = set->opts.strict;
    r.take_metadata = src->take_metadata;
    r.alignment = PARITY__GGUF_DEFAULT_ALIGNMENT;
    TRY(read_header(&r));
    TRY(parity__gguf_read_kvs(&r));
    /* n_tensors was checked against the bytes left: bounded by the file */
    size_t n = r.n_tensors ? (size_t)r.n_tensors : 1;
    gguf_tensor *ts = calloc(n, sizeof *ts);
    gguf_tensor **by = calloc(n, sizeof *by);
    parity_status st = ts && by ? read_tensors(&r, ts, by, src)
                                : parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                               "%s: out of memory", r.path);
    free(ts);
    free(by);
    return st;
}
