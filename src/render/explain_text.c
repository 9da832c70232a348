/*
 * explain_text.c — an explanation as text, JSON or Markdown.
 *
 * Text:
 *   Explain: NAME
 *     1. scale 6.928 = sqrt(48)   explained=100.00%  residual=1.2e-06
 *   or "  no simple transformation explains the difference" (with the
 *   closest candidate, and a line when the port looks uncorrelated with the
 *   reference), or "  no difference" when p = r ("no difference after the
 *   alignment" when an alignment was listed).
 * JSON (one object per line, docs/json-schema.md): {"tensor", "identical",
 *   "none_explains", "uncorrelated", "relative", "pcc", "n_compared",
 *   "layout", "hypotheses": [{"rank", "kind", "text", "explained",
 *   "residual", "complexity", "params": [8 numbers or null], and when
 *   present "index_a", "index_b", "perm"}], "closest": hypothesis or null}
 * Markdown: a heading and one table row per hypothesis.
 */
#include "render/emit.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "partial: TEXT (leaves 48.2% of the difference)" under 90% explained. */
static void hyp_words(const parity_hypothesis *h, char *buf, size_t cap) {
    if (h->partial && h->explained < 0.9)
        snprintf(buf, cap, "partial: %s (leaves %.1f%% of the difference)", h->text,
                 100.0 * (1.0 - h->explained));
    else snprintf(buf, cap, "%s", h->text);
}

static void text_hyp(parity_buf *b, int rank, const parity_hypothesis *h) {
    char w[400];
    hyp_words(h, w, sizeof w);
    if (rank > 0) parity__buf_printf(b, "  %d. %-60s", rank, w);
    else parity__buf_printf(b, "     closest: %s", h->text); /* partial by nature */
    parity__buf_printf(b, "   explained=%.2f%%  residual=%.2g\n", 100.0 * h->explained,
                       h->residual_rel);
    if (rank == 1 && h->hint) parity__buf_printf(b, "     check: %s\n", h->hint);
}

static const char *input_source_words(parity_input_source s) {
    return s == PARITY_INPUT_PARENT     ? "the stage's recorded parent"
           : s == PARITY_INPUT_PREVIOUS ? "the previous stage in execution order"
                                        : "given";
}

/* The notes above the list: the alignment applied, the input used. */
static void text_notes(parity_buf *b, const parity_explain_result *res) {
    if (res->alignment[0]) parity__buf_printf(b, "  note: %s\n", res->alignment);
    if (!res->input[0]) return;
    parity__buf_puts(b, "  input: ");
    parity__emit_text(b, res->input);
    parity__buf_printf(b, " (%s)", input_source_words(res->input_source));
    if (res->input_layout[0]) parity__buf_printf(b, ", compared after %s", res->input_layout);
    if (res->input_unfit)
        parity__buf_puts(b, "; its shape is not the stage's: no operation fitted");
    else if (res->input_differs)
        parity__buf_printf(b, "; it differs between the sides (relative %.2g): the port's "
                              "operation is fitted on the port's input", res->input_relative);
    parity__buf_puts(b, "\n");
}

static void text_uncorrelated(parity_buf *b, const parity_explain_result *res) {
    if (!res->uncorrelated) return;
    if (isfinite(res->pcc))
        parity__buf_printf(b, "  the port looks uncorrelated with the reference (pcc = %.2g): "
                              "weights not loaded, another RNG%s\n", res->pcc,
                           res->inputs_state == 2 ? " or another computation (its inputs match)"
                                                  : " or other inputs");
    else
        parity__buf_puts(b, "  one side is constant: the port looks unrelated to the reference\n");
}

static void render_text(parity_buf *b, const char *name, const parity_explain_result *res) {
    parity__buf_puts(b, "Explain: ");
    parity__emit_text(b, name);
    parity__buf_puts(b, "\n");
    text_notes(b, res);
    for (size_t i = 0; i < res->n; i++) text_hyp(b, (int)i + 1, &res->h[i]);
    if (res->identical) {
        parity__buf_puts(b, res->n || res->alignment[0] ? "  no difference after the alignment\n"
                                                        : "  no difference\n");
        return;
    }
    if (!res->none_explains) return;
    parity__buf_puts(b, "  no simple transformation explains the difference\n");
    if (res->best_weak.text[0]) text_hyp(b, 0, &res->best_weak);
    text_uncorrelated(b, res);
}

static void json_hyp(parity_buf *b, int rank, const parity_hypothesis *h) {
    parity__buf_puts(b, "{");
    if (rank > 0) parity__buf_printf(b, "\"rank\":%d,", rank);
    parity__buf_printf(b, "\"kind\":\"%s\",\"text\":", parity_hyp_kind_name(h->kind));
    parity__buf_json_str(b, h->text);
    parity__json_num(b, "explained", h->explained);
    parity__json_num(b, "residual", h->residual_rel);
    parity__buf_printf(b, ",\"complexity\":%d", h->complexity);
    parity__json_bool(b, "partial", h->partial && h->explained < 0.9);
    if (h->hint) parity__json_str(b, "hint", h->hint);
    parity__json_array(b, "params", h->params, 8);
    if (h->index_a) parity__json_array(b, "index_a", h->index_a, h->n_index);
    if (h->index_b) parity__json_array(b, "index_b", h->index_b, h->n_index);
    if (h->perm) parity__json_ints(b, "perm", h->perm, (size_t)h->n_index);
    parity__buf_puts(b, "}");
}

static void render_json(parity_buf *b, const char *name, const parity_explain_result *res) {
    parity__buf_puts(b, "{\"tensor\":");
    parity__buf_json_str(b, name);
    parity__json_bool(b, "identical", res->identical);
    parity__json_bool(b, "none_explains", res->none_explains);
    parity__json_bool(b, "uncorrelated", res->uncorrelated);
    parity__json_num(b, "relative", res->relative);
    parity__json_num(b, "pcc", res->pcc);
    parity__buf_printf(b, ",\"n_compared\":%llu,\"layout\":", (unsigned long long)res->n_compared);
    parity__buf_json_str(b, res->layout);
    parity__json_str(b, "alignment", res->alignment);
    parity__buf_printf(b, ",\"one_sided\":%llu", (unsigned long long)res->n_one_sided);
    if (res->input[0]) {
        parity__json_str(b, "input", res->input);
        static const char *src[4] = {"none", "given", "parent", "previous"};
        parity__json_str(b, "input_source", src[(unsigned)res->input_source < 4 ? res->input_source : 0]);
        parity__json_bool(b, "input_differs", res->input_differs);
        parity__json_bool(b, "input_fitted", !res->input_unfit);
        parity__json_str(b, "input_layout", res->input_layout);
        parity__json_num(b, "input_relative", res->input_relative);
    }
    parity__buf_puts(b, ",\"hypotheses\":[");
    for (size_t i = 0; i < res->n; i++) {
        if (i) parity__buf_puts(b, ",");
        json_hyp(b, (int)i + 1, &res->h[i]);
    }
    parity__buf_puts(b, "],\"closest\":");
    if (res->best_weak.text[0]) json_hyp(b, 0, &res->best_weak);
    else parity__buf_puts(b, "null");
    parity__buf_puts(b, "}\n");
}

static void render_md(parity_buf *b, const char *name, const parity_explain_result *res) {
    parity__buf_puts(b, "### Explain: `");
    parity__emit_md_text(b, name);
    parity__buf_puts(b, "`\n\n");
    if (res->alignment[0]) {
        parity__buf_puts(b, "Note: ");
        parity__emit_md_text(b, res->alignment);
        parity__buf_puts(b, "\n\n");
    }
    if (res->input[0]) {
        parity__buf_puts(b, "Input: `");
        parity__emit_md_text(b, res->input);
        parity__buf_printf(b, "` (%s)%s\n\n", input_source_words(res->input_source),
                           res->input_differs ? "; it differs between the sides" : "");
    }
    if (res->n) parity__buf_puts(b, "| # | kind | hypothesis | explained | residual |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < res->n; i++) {
        const parity_hypothesis *h = &res->h[i];
        char w[400];
        hyp_words(h, w, sizeof w);
        parity__buf_printf(b, "| %zu | %s | ", i + 1, parity_hyp_kind_name(h->kind));
        parity__emit_md_text(b, w);
        parity__buf_printf(b, " | %.2f%% | %.2g |\n", 100.0 * h->explained, h->residual_rel);
    }
    if (res->n) parity__buf_puts(b, "\n");
    if (res->identical)
        parity__buf_puts(b, res->n || res->alignment[0] ? "No difference after the alignment.\n\n"
                                                        : "No difference.\n\n");
    if (res->identical || !res->none_explains) return;
    parity__buf_puts(b, "No simple transformation explains the difference.");
    if (res->best_weak.text[0]) {
        parity__buf_puts(b, " Closest: ");
        parity__emit_md_text(b, res->best_weak.text);
        parity__buf_printf(b, " (explained %.2f%%).", 100.0 * res->best_weak.explained);
    }
    if (res->uncorrelated)
        parity__buf_printf(b, " The port looks uncorrelated with the reference (pcc = %.2g).", res->pcc);
    parity__buf_puts(b, "\n\n");
}

/* ---- items: a fitted result or why nothing was fitted ------------------ */

static const char *why_not_fitted(parity_explain_what what) {
    return what == PARITY_EXPLAIN_SHAPES ? "shapes cannot be aligned: nothing to fit"
                                         : "integer tensor: compared for equality by parity diff";
}

/* The note's lines, each indented by two spaces (text). */
static void text_note(parity_buf *b, const char *note) {
    for (const char *l = note; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        parity__buf_puts(b, "  ");
        parity__buf_put(b, l, n);
        parity__buf_puts(b, "\n");
        l = nl ? nl + 1 : l + n;
    }
}

/* The note as one line (JSON, Markdown): its line breaks become spaces. */
static char *note_line(const char *note) {
    char *s = note ? strdup(note) : NULL;
    for (char *c = s; c && *c; c++)
        if (*c == '\n') *c = ' ';
    return s;
}

static void item_text(parity_buf *b, const parity_explain_item *it) {
    if (it->walk && it->role) parity__buf_printf(b, "%s:\n", it->role);
    if (it->what == PARITY_EXPLAIN_FITTED) render_text(b, it->name, it->res);
    else {
        parity__buf_puts(b, "Explain: ");
        parity__emit_text(b, it->name);
        parity__buf_printf(b, "\n  %s\n", why_not_fitted(it->what));
    }
    text_note(b, it->note);
    if (it->walk) parity__buf_puts(b, "\n");
}

/* The fitted object, or {"tensor", "fitted": false, "why"} when nothing
 * was fitted; "role" and "note" appended when given. */
static void item_json(parity_buf *b, const parity_explain_item *it) {
    if (it->what == PARITY_EXPLAIN_FITTED) {
        render_json(b, it->name, it->res);
        b->len -= 2; /* reopen the object: drop "}\n" */
    } else {
        parity__buf_puts(b, "{\"tensor\":");
        parity__buf_json_str(b, it->name);
    }
    if (it->what != PARITY_EXPLAIN_FITTED) {
        parity__json_bool(b, "fitted", 0);
        parity__json_str(b, "why", why_not_fitted(it->what));
    }
    if (it->role) parity__json_str(b, "role", it->role);
    char *note = note_line(it->note);
    if (note) parity__json_str(b, "note", note);
    free(note);
    parity__buf_puts(b, "}\n");
}

static void item_md(parity_buf *b, const parity_explain_item *it) {
    if (it->role) parity__buf_printf(b, "**%s:**\n\n", it->role);
    if (it->what == PARITY_EXPLAIN_FITTED) {
        render_md(b, it->name, it->res);
    } else {
        parity__buf_puts(b, "### Explain: `");
        parity__emit_md_text(b, it->name);
        const char *why = why_not_fitted(it->what);
        parity__buf_printf(b, "`\n\n%c%s.\n\n", toupper((unsigned char)why[0]), why + 1);
    }
    char *note = note_line(it->note);
    if (note) {
        parity__buf_puts(b, "Note: ");
        parity__emit_md_text(b, note);
        parity__buf_puts(b, "\n\n");
    }
    free(note);
}

/* Hand the buffer over, or NULL when it ran out of memory. */
static char *take(parity_buf *b) {
    if (!b->oom) return b->data ? b->data : strdup("");
    parity__buf_free(b);
    return NULL;
}

char *parity_explain_render_item(const parity_explain_item *it, parity_format format) {
    parity_buf b = {0};
    if (!it || !it->name || (it->what == PARITY_EXPLAIN_FITTED && !it->res)) return NULL;
    if (format == PARITY_FORMAT_JSON) item_json(&b, it);
    else if (format == PARITY_FORMAT_MD) item_md(&b, it);
    else item_text(&b, it);
    return take(&b);
}

char *parity_explain_render_nothing(parity_format format) {
    parity_buf b = {0};
    if (format == PARITY_FORMAT_JSON)
        parity__buf_puts(&b, "{\"tensor\":null,\"nothing_to_explain\":true,"
                             "\"why\":\"every stage matches\"}\n");
    else if (format == PARITY_FORMAT_MD)
        parity__buf_puts(&b, "Every stage matches: nothing to explain.\n");
    else
        parity__buf_puts(&b, "every stage matches: nothing to explain\n");
    return take(&b);
}

char *parity_explain_render(const char *name, const parity_explain_result *res,
                            parity_format format) {
    parity_explain_item it = {name, PARITY_EXPLAIN_FITTED, res, NULL, NULL, 0};
    return parity_explain_render_item(&it, format);
}
