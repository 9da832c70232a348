/*
 * html_common.c — what the sections of the HTML report share (html.c and
 * html_*.c): table cells that sort by value, verdict badges, stage names,
 * base64 for data: URIs.
 */
#include "render/html_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* RFC 4648 base64: 3 bytes -> 4 characters, '=' pads the last group. */
void parity__buf_base64(parity_buf *b, const unsigned char *p, size_t n) {
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char q[4];
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        q[0] = A[v >> 18 & 63], q[1] = A[v >> 12 & 63];
        q[2] = i + 1 < n ? A[v >> 6 & 63] : '=';
        q[3] = i + 2 < n ? A[v & 63] : '=';
        parity__buf_put(b, q, 4);
    }
}

void parity__html_num(parity_buf *b, double x) {
    char t[32];
    parity__buf_puts(b, "<td data-value=\"");
    parity__buf_printf(b, "%.17g", x);
    parity__buf_printf(b, "\">%s</td>", parity_fmt_num(x, t, sizeof t));
}

void parity__html_verdict(parity_buf *b, parity_verdict v) {
    parity__buf_printf(b, "<span class=\"v%d\">%s</span>", (int)v, parity_verdict_str(v));
}

const char *parity__html_name(const parity__html *h, size_t i) {
    return parity_pair_name(parity_walk_stage(h->w, i)->pair);
}
