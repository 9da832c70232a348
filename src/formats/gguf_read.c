/*
 * gguf_read.c — the cursor the GGUF readers share (gguf.c, gguf_kv.c):
 * little-endian integers and length-prefixed strings, each checked against
 * the bytes left before it is read.
 */
#include "formats/gguf_impl.h"

#include <stdio.h>
#include <string.h>

/* ---- the cursor ---------------------------------------------------------- */

static parity_status need(gguf_reader *r, uint64_t n, const char *what) {
    unsigned long long at = r->pos, left = parity__gguf_left(r);
    FAIL_IF(n > left, r->err, PARITY_E_FORMAT, at,
            "%s: %s: truncated at byte %llu (needs %llu bytes, %llu left)",
            r->path, what, at, (unsigned long long)n, left);
    return PARITY_OK;
}

parity_status parity__gguf_u32(gguf_reader *r, uint32_t *v, const char *what) {
    TRY(need(r, 4, what));
    const unsigned char *p = r->buf + r->pos;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
    r->pos += 4;
    return PARITY_OK;
}

parity_status parity__gguf_u64(gguf_reader *r, uint64_t *v, const char *what) {
    TRY(need(r, 8, what));
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--) x = x << 8 | r->buf[r->pos + (size_t)i];
    *v = x;
    r->pos += 8;
    return PARITY_OK;
}

parity_status parity__gguf_str(gguf_reader *r, uint64_t max,
                               const char *limit_name, gguf_str *out,
                               const char *what, int64_t elem) {
    char ctx[240];
    if (elem >= 0) snprintf(ctx, sizeof ctx, "%s: element %lld", what, (long long)elem);
    uint64_t at = r->pos, n;
    parity_status st = parity__gguf_u64(r, &n, elem >= 0 ? ctx : what);
    if (st != PARITY_OK) return st;
    unsigned long long la = at, ln = n, left = parity__gguf_left(r);
    const char *w = elem >= 0 ? ctx : what;
    FAIL_IF(n > left, r->err, PARITY_E_FORMAT, at,
            "%s: %s: string length %llu at byte %llu runs past the end of "
            "the file (%llu bytes left)", r->path, w, ln, la, left);
    FAIL_IF(n > max, r->err, PARITY_E_LIMIT, at,
            "%s: %s: string length %llu at byte %llu exceeds the limit of "
            "%llu (expected <= %s)", r->path, w, ln, la,
            (unsigned long long)max, limit_name);
    out->p = r->buf + r->pos;
    out->n = n;
    out->at = at;
    r->pos += (size_t)n;
    return PARITY_OK;
}
