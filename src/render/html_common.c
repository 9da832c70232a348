/*
 * html_common.c — what the sections of the HTML report share (html.c and
 * html_*.c): table cells that sort by value, verdict and role badges,
 * stage names and links, base64 for data: URIs.
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

/* Link to stage i: its card when it has one, else its table row. Stages
 * are numbered from 1 in the report, as parity trace counts them
 * ("stage 10 of 196"): stage i is #i+1, its row stage-(i+1). */
void parity__html_stage_link(const parity__html *h, long i) {
    int card = 0;
    for (size_t k = 0; k < h->n_cards; k++) card |= h->cards[k] == (size_t)i;
    parity__buf_printf(h->b, "<a href=\"#%s-%ld\"><code>", card ? "card" : "stage", i + 1);
    parity__buf_html(h->b, parity__html_name(h, (size_t)i));
    parity__buf_puts(h->b, "</code></a>");
}

const char *parity__html_role(const parity__html *h, size_t i) {
    static const char *words[] = {"match", "introduces", "inherits", "unknown"};
    const parity_blame *bl = parity_walk_blame(h->w, i);
    return bl ? words[bl->role % 4] : NULL;
}

void parity__html_role_badge(const parity__html *h, size_t i) {
    const parity_blame *bl = parity_walk_blame(h->w, i);
    parity_buf *b = h->b;
    if (!bl || bl->role == PARITY_ROLE_MATCH) return;
    if (bl->role == PARITY_ROLE_INTRODUCES) {
        parity__buf_puts(b, "<span class=\"badge\">introduces</span>");
    } else if (bl->role == PARITY_ROLE_UNKNOWN) {
        parity__buf_puts(b, "<span class=\"badge\">cannot tell: an input is not compared</span>");
    } else {
        parity__buf_puts(b, "<span class=\"badge\">inherits from ");
        for (size_t k = 0; k < bl->n_from && k < 3; k++) {
            parity__buf_puts(b, k ? ", <code>" : "<code>");
            parity__buf_html(b, parity__html_name(h, bl->from[k]));
            parity__buf_puts(b, "</code>");
        }
        if (bl->n_from > 3) parity__buf_printf(b, " and %zu more", bl->n_from - 3);
        parity__buf_puts(b, "</span>");
    }
}
