/*
 * emit.c — the output toolkit of emit.h: JSON numbers, escaped names,
 * Markdown and CSV cells, verdict words.
 */
#include "render/emit.h"

#include <math.h>
#include <string.h>

/* ---- JSON --------------------------------------------------------------- */

static const char *nonfinite_word(double x) {
    return isnan(x) ? "nan" : x > 0 ? "inf" : "-inf";
}

void parity__json_num(parity_buf *b, const char *key, double x) {
    parity__buf_printf(b, ",\"%s\":", key);
    if (isfinite(x)) parity__buf_printf(b, "%.17g", x);
    else parity__buf_printf(b, "null,\"%s_nonfinite\":\"%s\"", key, nonfinite_word(x));
}

void parity__json_elem(parity_buf *b, int comma, double x) {
    if (comma) parity__buf_puts(b, ",");
    if (isfinite(x)) parity__buf_printf(b, "%.17g", x);
    else if (isnan(x)) parity__buf_puts(b, "null");
    else parity__buf_printf(b, "\"%s\"", nonfinite_word(x));
}

void parity__json_array(parity_buf *b, const char *key, const double *v, int64_t n) {
    parity__buf_printf(b, ",\"%s\":[", key);
    for (int64_t i = 0; i < n; i++) parity__json_elem(b, i != 0, v[i]);
    parity__buf_puts(b, "]");
}

void parity__json_ints(parity_buf *b, const char *key, const int64_t *v, size_t n) {
    parity__buf_printf(b, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) parity__buf_printf(b, "%s%lld", i ? "," : "", (long long)v[i]);
    parity__buf_puts(b, "]");
}

void parity__json_u64(parity_buf *b, const char *key, uint64_t x) {
    parity__buf_printf(b, ",\"%s\":%llu", key, (unsigned long long)x);
}

void parity__json_bool(parity_buf *b, const char *key, int x) {
    parity__buf_printf(b, ",\"%s\":%s", key, x ? "true" : "false");
}

void parity__json_str(parity_buf *b, const char *key, const char *s) {
    parity__buf_printf(b, ",\"%s\":", key);
    if (s) parity__buf_json_str(b, s);
    else parity__buf_puts(b, "null");
}

void parity__json_shape(parity_buf *b, const char *key, const parity_tensor *t) {
    parity__json_ints(b, key, t->shape, (size_t)t->ndim);
}

void parity__json_index(parity_buf *b, const char *key, const parity_tensor *t,
                        uint64_t flat) {
    int64_t idx[PARITY_MAX_DIMS];
    parity_tensor_unravel(t, flat, idx);
    parity__json_ints(b, key, idx, (size_t)t->ndim);
}

/* ---- text --------------------------------------------------------------- */

/* Append the escape of control character c, or nothing and 0 when c is
 * not one. */
static int put_control(parity_buf *b, unsigned char c) {
    if (c >= 0x20 && c != 0x7F) return 0;
    if (c == '\n') parity__buf_puts(b, "\\n");
    else if (c == '\t') parity__buf_puts(b, "\\t");
    else if (c == '\r') parity__buf_puts(b, "\\r");
    else parity__buf_printf(b, "\\x%02x", c);
    return 1;
}

/* Append s[0..] escaped; '|' too when bar. */
static void put_escaped(parity_buf *b, const char *s, int bar) {
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p) {
        if (put_control(b, *p)) {
            p++;
        } else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            parity__buf_printf(b, "\\u%04x", p[1]); /* C1: U+0080..U+009F */
            p += 2;
        } else if (bar && *p == '|') {
            parity__buf_puts(b, "\\|");
            p++;
        } else {
            const unsigned char *q = p;
            while (*q >= 0x20 && *q != 0x7F && *q != 0xC2 && !(bar && *q == '|')) q++;
            if (q == p) q++; /* a lone 0xC2 not starting a C1 character */
            parity__buf_put(b, (const char *)p, (size_t)(q - p));
            p = q;
        }
    }
}

void parity__emit_text(parity_buf *b, const char *s) { put_escaped(b, s, 0); }

int parity__text_cols(const char *s) {
    parity_buf b = {0};
    put_escaped(&b, s, 0);
    int n = b.oom ? (int)strlen(s) : (int)b.len;
    parity__buf_free(&b);
    return n;
}

void parity__emit_text_pad(parity_buf *b, const char *s, int width) {
    size_t before = b->len;
    put_escaped(b, s, 0);
    for (size_t n = b->len - before; !b->oom && (int)n < width; n++) parity__buf_puts(b, " ");
}

void parity__emit_md_cell(parity_buf *b, const char *s) {
    parity__buf_puts(b, " ");
    put_escaped(b, s, 1);
    parity__buf_puts(b, " |");
}

void parity__emit_md_text(parity_buf *b, const char *s) { put_escaped(b, s, 1); }

static int needs_quotes(const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == ',' || *p == '"' || *p < 0x20 || *p == 0x7F) return 1;
    return 0;
}

void parity__emit_csv_field(parity_buf *b, const char *s, int first) {
    if (!first) parity__buf_puts(b, ",");
    if (!s) return;
    if (!needs_quotes(s)) {
        put_escaped(b, s, 0);
        return;
    }
    parity__buf_puts(b, "\"");
    for (const char *p = s; *p; p++) {
        if (*p == '"') parity__buf_puts(b, "\"\"");
        else if (!put_control(b, (unsigned char)*p)) parity__buf_put(b, p, 1);
    }
    parity__buf_puts(b, "\"");
}

/* ---- verdicts ----------------------------------------------------------- */

void parity__emit_verdict(parity_buf *b, parity_verdict v, int unicode, int color) {
    static const char *glyph[3] = {"\u2705 ", "\u26a0\ufe0f ", "\u274c "};
    static const char *ansi[3] = {"\033[32m", "\033[33m", "\033[31m"};
    int k = (unsigned)v < 3 ? (int)v : 2;
    if (color) parity__buf_puts(b, ansi[k]);
    if (unicode) parity__buf_puts(b, glyph[k]);
    parity__buf_puts(b, parity_verdict_str(v));
    if (color) parity__buf_puts(b, "\033[0m");
}
