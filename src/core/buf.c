/* buf.c — a growable byte buffer for writers and renderers. Allocation
 * failure is sticky (b->oom) so callers check once at the end. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int buf_reserve(parity_buf *b, size_t extra) {
    if (b->oom) return 0;
    if (b->len + extra + 1 <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) { b->oom = 1; return 0; }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) { b->oom = 1; return 0; }
    b->data = p;
    b->cap = cap;
    return 1;
}

void parity__buf_put(parity_buf *b, const char *s, size_t n) {
    if (!buf_reserve(b, n)) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void parity__buf_puts(parity_buf *b, const char *s) {
    parity__buf_put(b, s, strlen(s));
}

void parity__buf_printf(parity_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !buf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* JSON string with quotes; control characters escaped as \u00XX. */
void parity__buf_json_str(parity_buf *b, const char *s) {
    parity__buf_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            parity__buf_put(b, esc, 2);
        } else if (*p < 0x20) {
            parity__buf_printf(b, "\\u%04x", *p);
        } else {
            parity__buf_put(b, (const char *)p, 1);
        }
    }
    parity__buf_put(b, "\"", 1);
}

void parity__buf_free(parity_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}
