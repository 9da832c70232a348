/*
 * explain_text.c — an explanation as text or JSON.
 *
 * Text:
 *   Explain: NAME
 *     1. scale 6.928 = sqrt(48)   explained=100.00%  residual=1.2e-06
 *   or "  no simple transformation explains the difference" (with the best
 *   weak candidate), or "  no difference" when p = r.
 * JSON (one object per line): {"tensor", "identical", "none_explains",
 *   "relative", "n_compared", "hypotheses": [{"rank", "kind", "text",
 *   "explained", "residual", "complexity", "params": [8 numbers or null]}]}
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>

static void text_hyp(parity_buf *b, int rank, const parity_hypothesis *h) {
    if (rank > 0) parity__buf_printf(b, "  %d. %-60s", rank, h->text);
    else parity__buf_printf(b, "     closest: %s", h->text);
    parity__buf_printf(b, "   explained=%.2f%%  residual=%.2g\n", 100.0 * h->explained,
                       h->residual_rel);
}

static void render_text(parity_buf *b, const char *name, const parity_explain_result *res) {
    parity__buf_printf(b, "Explain: %s\n", name);
    if (res->identical) {
        parity__buf_puts(b, "  no difference\n");
        return;
    }
    for (size_t i = 0; i < res->n; i++) text_hyp(b, (int)i + 1, &res->h[i]);
    if (!res->none_explains) return;
    parity__buf_puts(b, "  no simple transformation explains the difference\n");
    if (res->best_weak.text[0]) text_hyp(b, 0, &res->best_weak);
}

static void json_num(parity_buf *b, double x) {
    if (isfinite(x)) parity__buf_printf(b, "%.17g", x);
    else parity__buf_puts(b, "null");
}

static void json_hyp(parity_buf *b, int rank, const parity_hypothesis *h) {
    parity__buf_printf(b, "{\"rank\":%d,\"kind\":\"%s\",\"text\":", rank,
                       parity_hyp_kind_name(h->kind));
    parity__buf_json_str(b, h->text);
    parity__buf_puts(b, ",\"explained\":");
    json_num(b, h->explained);
    parity__buf_puts(b, ",\"residual\":");
    json_num(b, h->residual_rel);
    parity__buf_printf(b, ",\"complexity\":%d,\"params\":[", h->complexity);
    for (int i = 0; i < 8; i++) {
        if (i) parity__buf_puts(b, ",");
        json_num(b, h->params[i]);
    }
    parity__buf_puts(b, "]}");
}

static void render_json(parity_buf *b, const char *name, const parity_explain_result *res) {
    parity__buf_puts(b, "{\"tensor\":");
    parity__buf_json_str(b, name);
    parity__buf_printf(b, ",\"identical\":%s,\"none_explains\":%s,\"relative\":",
                       res->identical ? "true" : "false",
                       res->none_explains ? "true" : "false");
    json_num(b, res->relative);
    parity__buf_printf(b, ",\"n_compared\":%llu,\"hypotheses\":[",
                       (unsigned long long)res->n_compared);
    for (size_t i = 0; i < res->n; i++) {
        if (i) parity__buf_puts(b, ",");
        json_hyp(b, (int)i + 1, &res->h[i]);
    }
    parity__buf_puts(b, "]}\n");
}

char *parity_explain_render(const char *name, const parity_explain_result *res,
                            parity_format format) {
    parity_buf b = {0};
    if (!name || !res) return NULL;
    if (format == PARITY_FORMAT_JSON) render_json(&b, name, res);
    else render_text(&b, name, res);
    if (b.oom) {
        parity__buf_free(&b);
        return NULL;
    }
    return b.data;
}
