/*
 * npy.c — the NumPy .npy reader, format versions 1.0, 2.0 and 3.0.
 *
 * Byte layout (integers little-endian):
 *   0      6 bytes  magic "\x93NUMPY"
 *   6      u8       major version: 1, 2 or 3
 *   7      u8       minor version: 0
 *   8      u16 (v1.0) or u32 (v2.0, v3.0): header_len H
 *   10/12  H bytes  header text, latin1 (v1.0, v2.0) or UTF-8 (v3.0): the
 *                   repr of a Python dict, space-padded and ending in '\n':
 *                     {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
 *                   Writers pad so the data starts at a multiple of 64 (16
 *                   in old ones); nothing here relies on either.
 *   10+H / 12+H     the data: prod(shape) elements of descr, row-major, or
 *                   column-major when fortran_order is True; nothing after.
 *
 * The header is read by a small, strict literal grammar and never evaluated:
 *   header := ws '{' ws [item (ws ',' ws item)* [ws ',']] ws '}' ws '\n'
 *   item   := string ws ':' ws value        keys: exactly descr,
 *                                           fortran_order, shape, any order
 *   string := '...' | "..."                 no escapes, no prefixes
 *   value  := string | True | False | '(' ints ')'   "(3,)", "()", "(2, 3)"
 *   int    := 0 | [1-9][0-9]*, plus a Python 2 'L' suffix in v1.0/v2.0
 * Every declared size is checked against the bytes present before use, with
 * checked arithmetic. Complex arrays are read as their float parts with a
 * trailing axis of 2 (re, im). docs/formats-npy.md lists every rule.
 */
#include "formats/reader.h"

#include <stdio.h>
#include <string.h>

#define NPY_MAGIC "\x93NUMPY"
/* NumPy refuses headers over 10,000 characters unless the file is fully
 * trusted; real headers are < 200 bytes, and huge shapes (32 dims of 20
 * digits) stay < 1 KiB, so 1 MiB is generous and still bounded. */
#define NPY_MAX_HEADER ((uint64_t)1 << 20)

enum { KEY_DESCR = 1, KEY_FORTRAN = 2, KEY_SHAPE = 4 };

/* Parser state over the header text s[0..end) (the final '\n' excluded). */
typedef struct npy_ctx {
    const char *path, *name;
    const unsigned char *s;
    size_t pos, end;
    uint64_t base;     /* file offset of s[0], for error offsets           */
    int allow_long;    /* accept Python 2 "3L" ints (v1.0 and v2.0 only)   */
    parity_error *err;
} npy_ctx;

/* What the header declares. */
typedef struct npy_header {
    const unsigned char *descr;  /* [descr_len], not NUL-terminated        */
    size_t descr_len;
    uint64_t descr_off;
    int fortran;
    int ndim;
    int64_t shape[PARITY_MAX_DIMS];
    unsigned seen;               /* KEY_* bits                              */
} npy_header;

/* A descr typecode numpy writes (dtype.str without the byte order). */
typedef struct npy_code {
    char code[4];
    parity_dtype dtype;  /* of one stored component                        */
    unsigned size;       /* bytes per array element                        */
    int complex;         /* element = 2 components (re, im)                */
} npy_code;

static const npy_code NPY_CODES[] = {
    {"b1", PARITY_DT_BOOL, 1, 0}, {"i1", PARITY_DT_I8, 1, 0},
    {"i2", PARITY_DT_I16, 2, 0},  {"i4", PARITY_DT_I32, 4, 0},
    {"i8", PARITY_DT_I64, 8, 0},  {"u1", PARITY_DT_U8, 1, 0},
    {"u2", PARITY_DT_U16, 2, 0},  {"u4", PARITY_DT_U32, 4, 0},
    {"u8", PARITY_DT_U64, 8, 0},  {"f2", PARITY_DT_F16, 2, 0},
    {"f4", PARITY_DT_F32, 4, 0},  {"f8", PARITY_DT_F64, 8, 0},
    /* long double: x87 80-bit extended padded to 16 bytes, as NumPy on
     * x86-64 writes it (an aarch64 binary128 file cannot be told apart) */
    {"f16", PARITY_DT_F80, 16, 0},
    {"c8", PARITY_DT_F32, 8, 1},  {"c16", PARITY_DT_F64, 16, 1},
    {"c32", PARITY_DT_F80, 32, 1},
};

/* ---- messages ---------------------------------------------------------- */

static parity_status npy_fail(const npy_ctx *cx, parity_status code,
                              uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "<path>: tensor '<name>': <detail>", one line. */
static parity_status npy_fail(const npy_ctx *cx, parity_status code,
                              uint64_t off, const char *fmt, ...) {
    char detail[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return parity__fail(cx->err, code, off, "%s: tensor '%s': %s", cx->path,
                        cx->name, detail);
}

#define NPY_FAIL_IF(cond, cx, code, off, ...)                               \
    do {                                                                     \
        if (cond) return npy_fail((cx), (code), (off), __VA_ARGS__);         \
    } while (0)

/* File text made safe for a one-line message: printable ASCII kept, other
 * bytes as \xNN, cut after 40 characters. */
static const char *npy_quote(char *out, size_t cap, const unsigned char *s,
                             size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        if (i == 40) {
            o += (size_t)snprintf(out + o, cap - o, "...");
            break;
        }
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
            out[o++] = (char)s[i];
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", s[i]);
    }
    out[o] = '\0';
    return out;
}

/* What the parser found at the cursor, for "expected X, found Y". */
static const char *npy_found(const npy_ctx *cx, char *out, size_t cap) {
    if (cx->pos >= cx->end) return "the end of the header";
    char q[16];
    snprintf(out, cap, "'%s'", npy_quote(q, sizeof q, cx->s + cx->pos, 1));
    return out;
}

static uint64_t npy_off(const npy_ctx *cx) { return cx->base + cx->pos; }

/* ---- preamble: magic, version, header length --------------------------- */

static uint64_t le_uint(const unsigned char *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = v << 8 | p[i];
    return v;
}

/* Length of the valid UTF-8 sequence at s[0..n); 0 when invalid (bad lead,
 * truncated, overlong, surrogate, above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t k;
    uint32_t cp, min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { k = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { k = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { k = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (n < k) return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return k;
}

/* Magic and version; sets *lenw, the width of the header_len field. */
static parity_status npy_magic(npy_ctx *cx, const unsigned char *buf,
                               size_t len, int *major, size_t *lenw) {
    NPY_FAIL_IF(len == 0, cx, PARITY_E_FORMAT, 0, "empty file");
    size_t m = len < 6 ? len : 6;
    NPY_FAIL_IF(memcmp(buf, NPY_MAGIC, m) != 0, cx, PARITY_E_FORMAT, 0,
                "bad magic: not a .npy file (expected \\x93NUMPY)");
    NPY_FAIL_IF(len < 8, cx, PARITY_E_FORMAT, len,
                "truncated: %zu bytes, magic and version need 8", len);
    *major = buf[6];
    NPY_FAIL_IF(*major < 1 || *major > 3 || buf[7] != 0, cx,
                PARITY_E_UNSUPPORTED, 6,
                "format version %d.%d: parity reads 1.0, 2.0 and 3.0", buf[6],
                buf[7]);
    *lenw = *major == 1 ? 2 : 4;
    NPY_FAIL_IF(len < 8 + *lenw, cx, PARITY_E_FORMAT, len,
                "truncated: %zu bytes, the v%d.0 header_len field ends at %zu",
                len, *major, 8 + *lenw);
    return PARITY_OK;
}

/* Locate and pre-check the header text: cx->s[0..end) plus its '\n'. */
static parity_status npy_preamble(npy_ctx *cx, const parity_set *set,
                                  const unsigned char *buf, size_t len,
                                  size_t *data_off) {
    int major = 0;
    size_t lenw = 0;
    TRY(npy_magic(cx, buf, len, &major, &lenw));
    uint64_t hlen = le_uint(buf + 8, lenw);
    uint64_t limit = NPY_MAX_HEADER;
    if (set->opts.max_header_bytes && set->opts.max_header_bytes < limit)
        limit = set->opts.max_header_bytes;
    size_t start = 8 + lenw;
    NPY_FAIL_IF(hlen > len - start, cx, PARITY_E_FORMAT, 8,
                "header_len %llu: only %zu bytes follow the length field",
                (unsigned long long)hlen, len - start);
    NPY_FAIL_IF(hlen > limit, cx, PARITY_E_LIMIT, 8,
                "header_len %llu: over the %llu-byte header limit",
                (unsigned long long)hlen, (unsigned long long)limit);
    NPY_FAIL_IF(hlen == 0, cx, PARITY_E_FORMAT, 8, "header_len 0: no header");
    NPY_FAIL_IF(buf[start + hlen - 1] != '\n', cx, PARITY_E_FORMAT,
                start + hlen - 1, "header: does not end with '\\n'");
    for (size_t i = start; major == 3 && i < start + hlen;) {
        size_t k = utf8_seq(buf + i, start + hlen - i);
        NPY_FAIL_IF(k == 0, cx, PARITY_E_FORMAT, i,
                    "header: invalid UTF-8 in a v3.0 header");
        i += k;
    }
    cx->s = buf + start;
    cx->end = (size_t)hlen - 1;
    cx->pos = 0;
    cx->base = start;
    cx->allow_long = major < 3;
    *data_off = start + (size_t)hlen;
    return PARITY_OK;
}

/* ---- the literal grammar ----------------------------------------------- */

static int npy_peek(const npy_ctx *cx) {
    return cx->pos < cx->end ? cx->s[cx->pos] : -1;
}

static void npy_ws(npy_ctx *cx) {
    while (cx->pos < cx->end &&
           (cx->s[cx->pos] == ' ' || cx->s[cx->pos] == '\t' ||
            cx->s[cx->pos] == '\n'))
        cx->pos++;
}

static int npy_is_word(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* A quoted string without escapes; *p, *n give its contents. */
static parity_status npy_string(npy_ctx *cx, const char *what,
                                const unsigned char **p, size_t *n) {
    char f[24];
    int q = npy_peek(cx);
    NPY_FAIL_IF(q != '\'' && q != '"', cx, PARITY_E_FORMAT, npy_off(cx),
                "header: expected %s as a quoted string, found %s", what,
                npy_found(cx, f, sizeof f));
    size_t open = cx->pos++;
    while (cx->pos < cx->end && cx->s[cx->pos] != q) {
        NPY_FAIL_IF(cx->s[cx->pos] == '\\', cx, PARITY_E_FORMAT, npy_off(cx),
                    "header: %s: escape sequences are not accepted", what);
        NPY_FAIL_IF(cx->s[cx->pos] == '\n', cx, PARITY_E_FORMAT, npy_off(cx),
                    "header: %s: newline inside a string", what);
        cx->pos++;
    }
    NPY_FAIL_IF(cx->pos >= cx->end, cx, PARITY_E_FORMAT, cx->base + open,
                "header: %s: unterminated string", what);
    *p = cx->s + open + 1;
    *n = cx->pos - open - 1;
    cx->pos++;
    return PARITY_OK;
}

/* One dimension: a non-negative decimal int literal fitting int64. */
static parity_status npy_dim(npy_ctx *cx, int k, int64_t *out) {
    char f[24];
    uint64_t at = npy_off(cx);
    NPY_FAIL_IF(npy_peek(cx) == '-', cx, PARITY_E_FORMAT, at,
                "shape: dim %d is negative", k);
    int c = npy_peek(cx);
    NPY_FAIL_IF(c < '0' || c > '9', cx, PARITY_E_FORMAT, at,
                "shape: dim %d: expected an integer, found %s", k,
                npy_found(cx, f, sizeof f));
    int64_t v = 0;
    size_t first = cx->pos;
    while ((c = npy_peek(cx)) >= '0' && c <= '9') {
        NPY_FAIL_IF(v > (INT64_MAX - (c - '0')) / 10, cx, PARITY_E_FORMAT, at,
                    "shape: dim %d: larger than 2^63-1", k);
        v = v * 10 + (c - '0');
        cx->pos++;
    }
    NPY_FAIL_IF(cx->s[first] == '0' && cx->pos - first > 1, cx,
                PARITY_E_FORMAT, at, "shape: dim %d: leading zero", k);
    if (cx->allow_long && npy_peek(cx) == 'L') cx->pos++;
    NPY_FAIL_IF(npy_is_word(npy_peek(cx)), cx, PARITY_E_FORMAT, npy_off(cx),
                "shape: dim %d: not a plain integer literal", k);
    *out = v;
    return PARITY_OK;
}

/* After a dim: ',' then maybe ')', or ')'. *done set at ')'. */
static parity_status npy_dim_sep(npy_ctx *cx, npy_header *h, int *done) {
    char f[24];
    npy_ws(cx);
    int c = npy_peek(cx);
    NPY_FAIL_IF(c == ')' && h->ndim == 1, cx, PARITY_E_FORMAT, npy_off(cx),
                "shape: (%lld) is an int in parentheses, not a tuple "
                "(a 1-D shape is written (%lld,))",
                (long long)h->shape[0], (long long)h->shape[0]);
    NPY_FAIL_IF(c != ',' && c != ')', cx, PARITY_E_FORMAT, npy_off(cx),
                "shape: expected ',' or ')' after dim %d, found %s",
                h->ndim - 1, npy_found(cx, f, sizeof f));
    cx->pos++;
    if (c == ',') npy_ws(cx);
    *done = c == ')' || npy_peek(cx) == ')';
    if (c == ',' && *done) cx->pos++;
    return PARITY_OK;
}

/* A tuple of dims: "()", "(3,)", "(2, 3)", "(2, 3,)". */
static parity_status npy_shape(npy_ctx *cx, npy_header *h) {
    char f[24];
    NPY_FAIL_IF(npy_peek(cx) != '(', cx, PARITY_E_FORMAT, npy_off(cx),
                "shape: expected a tuple such as (2, 3), found %s",
                npy_found(cx, f, sizeof f));
    cx->pos++;
    npy_ws(cx);
    h->ndim = 0;
    if (npy_peek(cx) == ')') {
        cx->pos++;
        return PARITY_OK;
    }
    for (int done = 0; !done;) {
        NPY_FAIL_IF(h->ndim == PARITY_MAX_DIMS, cx, PARITY_E_LIMIT,
                    npy_off(cx), "shape: more than %d dimensions",
                    PARITY_MAX_DIMS);
        TRY(npy_dim(cx, h->ndim, &h->shape[h->ndim]));
        h->ndim++;
        TRY(npy_dim_sep(cx, h, &done));
    }
    return PARITY_OK;
}

static parity_status npy_bool(npy_ctx *cx, int *out) {
    size_t b = cx->pos;
    while (npy_is_word(npy_peek(cx))) cx->pos++;
    size_t n = cx->pos - b;
    char q[200], f[24];
    int is_true = n == 4 && memcmp(cx->s + b, "True", 4) == 0;
    int is_false = n == 5 && memcmp(cx->s + b, "False", 5) == 0;
    NPY_FAIL_IF(n == 0, cx, PARITY_E_FORMAT, cx->base + b,
                "fortran_order: expected True or False, found %s",
                npy_found(cx, f, sizeof f));
    NPY_FAIL_IF(!is_true && !is_false, cx, PARITY_E_FORMAT, cx->base + b,
                "fortran_order: expected True or False, found '%s'",
                npy_quote(q, sizeof q, cx->s + b, n));
    *out = is_true;
    return PARITY_OK;
}

/* descr must be a typecode string; lists, tuples and dicts are the
 * structured and subarray dtypes, named rather than called malformed. */
static parity_status npy_descr_value(npy_ctx *cx, npy_header *h) {
    int c = npy_peek(cx);
    uint64_t at = npy_off(cx);
    NPY_FAIL_IF(c == '[' || c == '{', cx, PARITY_E_UNSUPPORTED, at,
                "descr: structured dtypes (record arrays) are not read");
    NPY_FAIL_IF(c == '(', cx, PARITY_E_UNSUPPORTED, at,
                "descr: subarray dtypes are not read");
    h->descr_off = at + 1;
    return npy_string(cx, "descr", &h->descr, &h->descr_len);
}

/* key ':' value, for one of the three keys. */
static parity_status npy_item(npy_ctx *cx, npy_header *h) {
    const unsigned char *k;
    size_t n;
    char q[200], f[24];
    uint64_t at = npy_off(cx);
    TRY(npy_string(cx, "a key", &k, &n));
    unsigned key = n == 5 && !memcmp(k, "descr", 5)           ? KEY_DESCR
                   : n == 13 && !memcmp(k, "fortran_order", 13) ? KEY_FORTRAN
                   : n == 5 && !memcmp(k, "shape", 5)         ? KEY_SHAPE
                                                               : 0;
    NPY_FAIL_IF(!key, cx, PARITY_E_FORMAT, at,
                "header: unknown key '%s' (the keys are exactly 'descr', "
                "'fortran_order' and 'shape')", npy_quote(q, sizeof q, k, n));
    NPY_FAIL_IF(h->seen & key, cx, PARITY_E_FORMAT, at,
                "header: duplicate key '%s'", npy_quote(q, sizeof q, k, n));
    h->seen |= key;
    npy_ws(cx);
    NPY_FAIL_IF(npy_peek(cx) != ':', cx, PARITY_E_FORMAT, npy_off(cx),
                "header: expected ':' after '%s', found %s",
                npy_quote(q, sizeof q, k, n), npy_found(cx, f, sizeof f));
    cx->pos++;
    npy_ws(cx);
    if (key == KEY_DESCR) return npy_descr_value(cx, h);
    if (key == KEY_FORTRAN) return npy_bool(cx, &h->fortran);
    return npy_shape(cx, h);
}

/* The whole dict, then only whitespace up to the final '\n'. */
static parity_status npy_dict(npy_ctx *cx, npy_header *h) {
    char f[24];
    npy_ws(cx);
    NPY_FAIL_IF(npy_peek(cx) != '{', cx, PARITY_E_FORMAT, npy_off(cx),
                "header: not a dict literal (expected '{', found %s)",
                npy_found(cx, f, sizeof f));
    cx->pos++;
    for (;;) {
        npy_ws(cx);
        if (npy_peek(cx) == '}') break;
        TRY(npy_item(cx, h));
        npy_ws(cx);
        int c = npy_peek(cx);
        NPY_FAIL_IF(c != ',' && c != '}', cx, PARITY_E_FORMAT, npy_off(cx),
                    "header: expected ',' or '}' after a value, found %s",
                    npy_found(cx, f, sizeof f));
        if (c == ',') cx->pos++;
    }
    cx->pos++;
    npy_ws(cx);
    NPY_FAIL_IF(cx->pos < cx->end, cx, PARITY_E_FORMAT, npy_off(cx),
                "header: unexpected %s after the dict",
                npy_found(cx, f, sizeof f));
    NPY_FAIL_IF(!(h->seen & KEY_DESCR), cx, PARITY_E_FORMAT, cx->base,
                "header: no 'descr' key");
    NPY_FAIL_IF(!(h->seen & KEY_FORTRAN), cx, PARITY_E_FORMAT, cx->base,
                "header: no 'fortran_order' key");
    NPY_FAIL_IF(!(h->seen & KEY_SHAPE), cx, PARITY_E_FORMAT, cx->base,
                "header: no 'shape' key");
    return PARITY_OK;
}

/* ---- descr, shape and data --------------------------------------------- */

static const npy_code *npy_lookup(const unsigned char *s, size_t n) {
    for (size_t i = 0; i < sizeof NPY_CODES / sizeof NPY_CODES[0]; i++)
        if (strlen(NPY_CODES[i].code) == n && !memcmp(NPY_CODES[i].code, s, n))
            return &NPY_CODES[i];
    return NULL;
}

/* descr string -> element type and byte order. */
static parity_status npy_dtype(npy_ctx *cx, const npy_header *h,
                               const npy_code **code, int *swap) {
    char q[200];
    const unsigned char *d = h->descr;
    size_t n = h->descr_len;
    const char *ds = npy_quote(q, sizeof q, d, n);
    uint64_t at = h->descr_off;
    NPY_FAIL_IF(n < 2, cx, PARITY_E_FORMAT, at, "descr '%s': too short", ds);
    int kind = d[1];
    NPY_FAIL_IF(kind == 'O', cx, PARITY_E_UNSUPPORTED, at,
                "descr '%s': object arrays are not read: they are pickles", ds);
    NPY_FAIL_IF(kind && strchr("SaUV", kind), cx, PARITY_E_UNSUPPORTED, at,
                "descr '%s': strings and raw bytes are not numeric", ds);
    NPY_FAIL_IF(kind == 'M' || kind == 'm', cx, PARITY_E_UNSUPPORTED, at,
                "descr '%s': datetimes and timedeltas are not read", ds);
    NPY_FAIL_IF(d[0] == '=', cx, PARITY_E_UNSUPPORTED, at,
                "descr '%s': native byte order '=' does not say how the "
                "data is stored (writers use '<' or '>')", ds);
    NPY_FAIL_IF(!d[0] || !strchr("<>|", d[0]), cx, PARITY_E_FORMAT, at,
                "descr '%s': no byte order '<', '>' or '|' first", ds);
    *code = npy_lookup(d + 1, n - 1);
    NPY_FAIL_IF(!*code && n == 4 && (memcmp(d + 1, "f12", 3) == 0 || memcmp(d + 1, "c24", 3) == 0),
                cx, PARITY_E_UNSUPPORTED, at,
                "descr '%s': x87 extended precision in 12 bytes (NumPy's float96 of "
                "32-bit x86) is not read (expected f16, the 16-byte long double)",
                ds);
    NPY_FAIL_IF(!*code, cx, PARITY_E_FORMAT, at,
                "descr '%s': not a numeric NumPy type (b1, i1-i8, u1-u8, "
                "f2, f4, f8, f16, c8, c16, c32)", ds);
    NPY_FAIL_IF(d[0] == '|' && (*code)->size / (1 + (*code)->complex) > 1, cx,
                PARITY_E_FORMAT, at,
                "descr '%s': byte order '|' on a multi-byte type", ds);
    *swap = d[0] == '>' && (*code)->size / (1 + (*code)->complex) > 1;
    return PARITY_OK;
}

/* "(2, 3)" for messages. */
static const char *npy_shape_str(const npy_header *h, char *out, size_t cap) {
    size_t o = (size_t)snprintf(out, cap, "(");
    for (int k = 0; k < h->ndim && o < cap; k++)
        o += (size_t)snprintf(out + o, cap - o, "%s%lld", k ? ", " : "",
                              (long long)h->shape[k]);
    if (o < cap) snprintf(out + o, cap - o, h->ndim == 1 ? ",)" : ")");
    return out;
}

/* Element count and byte size of the shape, with checked arithmetic. The
 * span (product with zero dims taken as 1) must fit int64 too, so strides
 * computed from the shape never overflow, even for a zero-size array. */
static parity_status npy_count(npy_ctx *cx, const npy_header *h,
                               const npy_code *code, uint64_t *count,
                               uint64_t *nbytes) {
    char sh[200];
    uint64_t span = code->complex ? 2 : 1;
    *count = 1;
    int ok = 1;
    for (int k = 0; k < h->ndim && ok; k++) {
        uint64_t d = (uint64_t)h->shape[k];
        ok = parity__mul_u64(span, d ? d : 1, &span) && span <= INT64_MAX &&
             parity__mul_u64(*count, d, count);
    }
    int empty = 0;
    for (int k = 0; k < h->ndim; k++) empty |= h->shape[k] == 0;
    NPY_FAIL_IF(!ok && empty, cx, PARITY_E_FORMAT, cx->base,
                "shape %s: the dimensions multiply past 2^63 (even an empty "
                "array's: its strides must fit int64)",
                npy_shape_str(h, sh, sizeof sh));
    ok = ok && parity__mul_u64(*count, code->size, nbytes);
    NPY_FAIL_IF(!ok, cx, PARITY_E_FORMAT, cx->base,
                "shape %s: element count x %u bytes overflows 64 bits",
                npy_shape_str(h, sh, sizeof sh), code->size);
    return PARITY_OK;
}

/* Shape, strides and size of the view; complex adds a trailing axis of 2
 * (re, im) and doubles the other strides, in units of one part. */
static parity_status npy_layout(npy_ctx *cx, const npy_header *h,
                                const npy_code *code, parity_tensor *t) {
    uint64_t count = 0, nbytes = 0;
    TRY(npy_count(cx, h, code, &count, &nbytes));
    NPY_FAIL_IF(h->ndim + code->complex > PARITY_MAX_DIMS, cx,
                PARITY_E_LIMIT, cx->base,
                "shape: a complex array of %d dims needs %d, over the limit "
                "of %d", h->ndim, h->ndim + 1, PARITY_MAX_DIMS);
    t->ndim = h->ndim;
    memcpy(t->shape, h->shape, sizeof(int64_t) * (size_t)h->ndim);
    if (h->fortran)
        parity__strides_f(t);
    else
        parity__strides_c(t);
    t->count = count;
    t->nbytes = nbytes;
    if (code->complex) {
        for (int k = 0; k < t->ndim; k++) t->stride[k] *= 2;
        t->shape[t->ndim] = 2;
        t->stride[t->ndim] = 1;
        t->ndim++;
        t->count = count * 2;
        t->complex_parts = 1;
    }
    return PARITY_OK;
}

/* The data must be exactly nbytes; more is refused in strict mode. */
static parity_status npy_data(npy_ctx *cx, const npy_header *h, int strict,
                              size_t len, size_t data_off,
                              const parity_tensor *t) {
    char sh[200], q[200];
    uint64_t have = len - data_off;
    NPY_FAIL_IF(t->nbytes > have, cx, PARITY_E_FORMAT, len,
                "truncated data: shape %s of '%s' needs %llu bytes, %llu "
                "present", npy_shape_str(h, sh, sizeof sh),
                npy_quote(q, sizeof q, h->descr, h->descr_len),
                (unsigned long long)t->nbytes, (unsigned long long)have);
    NPY_FAIL_IF(strict && t->nbytes < have, cx, PARITY_E_FORMAT,
                data_off + t->nbytes,
                "trailing data: %llu bytes after the %llu bytes of data",
                (unsigned long long)(have - t->nbytes),
                (unsigned long long)t->nbytes);
    return PARITY_OK;
}

parity_status parity__read_npy(parity_set *set, const parity__source *src,
                               parity_error *err) {
    npy_ctx cx = {0};
    const unsigned char *buf = src->buf;
    size_t len = src->len;
    const char *name = src->single_name && *src->single_name ? src->single_name
                                                             : src->prefix;
    cx.path = src->path ? src->path : "(buffer)";
    cx.name = name && *name ? name : cx.path;
    cx.err = err;
    size_t data_off = 0;
    TRY(npy_preamble(&cx, set, buf, len, &data_off));
    npy_header h = {0};
    TRY(npy_dict(&cx, &h));
    const npy_code *code = NULL;
    parity_tensor t;
    memset(&t, 0, sizeof t);
    TRY(npy_dtype(&cx, &h, &code, &t.byteswap));
    TRY(npy_layout(&cx, &h, code, &t));
    TRY(npy_data(&cx, &h, set->opts.strict, len, data_off, &t));
    t.dtype = code->dtype;
    t.data = buf + data_off;
    t.file_offset = data_off;
    t.name = parity__set_strdup(set, cx.name, strlen(cx.name));
    t.file = t.name ? parity__set_strdup(set, cx.path, strlen(cx.path)) : NULL;
    NPY_FAIL_IF(!t.file, &cx, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "out of memory");
    return parity__set_add(set, &t, err);
}
