/*
 * trace_md.c — parity trace as Markdown, for pull requests and issues:
 *
 *   **Inputs differ: `noise` (relative 1.4e-03) -- ...**   (bold only then)
 *
 *   > Note: the order is natural name order ...
 *
 *   | # | stage | shape | relative | abs_max | mean_diff | status | note |
 *
 *   - **First divergence:** `ode.step1.x` (stage 7 of 196): ...
 *   - **Culprit:** `ode.step1.x`: relative 0.5412, x5.4e+05 over ...
 *
 *   ### Series / ### Schedule / ### Guidance weight   (tables)
 *
 * Numbers as in the text report; '|' in names escaped. -q keeps the inputs
 * line and the two verdict bullets.
 */
#include "render/emit.h"
#include "render/trace_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void md_num(parity_buf *b, double x) {
    char s[64];
    parity__emit_md_cell(b, parity_fmt_num(x, s, sizeof s));
}

/* 5 decimals, or "-" when unknown (NaN). */
static void md_fixed(parity_buf *b, double x) {
    char s[64];
    snprintf(s, sizeof s, isnan(x) ? "-" : "%.5f", x);
    parity__emit_md_cell(b, s);
}

/* One row: stage i, or the positions [i, j) of a series paired step by
 * step, shown by the worst of them (as in the text table). */
static void md_stage(parity__trace *t, size_t i, size_t j) {
    parity_buf *b = &t->r->out;
    long first = -1;
    size_t at = j - i > 1 ? parity__trace_step_run_worst(t, i, j, &first) : i;
    const parity_stage *s = parity_walk_stage(t->w, at);
    const parity_pair *p = s->pair;
    char shape[256], name[600];
    if (j - i > 1) {
        parity__buf_printf(b, "| %zu-%zu |", i + 1, j);
        if (p->step_side == 0)
            snprintf(name, sizeof name, "%s@%lld..%lld", p->ref->name,
                     (long long)parity_walk_stage(t->w, i)->pair->step,
                     (long long)parity_walk_stage(t->w, j - 1)->pair->step);
        else
            snprintf(name, sizeof name, "%s .. %s", parity_walk_stage(t->w, i)->pair->ref->name,
                     parity_walk_stage(t->w, j - 1)->pair->ref->name);
        parity__emit_md_cell(b, name);
    } else {
        parity__buf_printf(b, "| %zu |", i + 1);
        parity__emit_md_cell(b, parity_pair_name(p));
    }
    parity__emit_md_cell(b, parity_shape_str(p->ref, shape, sizeof shape));
    if (p->layout_ok) {
        md_num(b, s->diff.relative);
        md_num(b, s->diff.abs_max);
        md_num(b, s->diff.mean_diff);
    } else {
        parity__buf_puts(b, " - | - | - |");
    }
    parity__buf_puts(b, " ");
    parity__emit_verdict(b, s->diff.verdict, t->r->o.unicode, 0);
    parity__buf_puts(b, " |");
    parity_buf note = {0};
    if (j - i > 1) {
        parity__buf_printf(&note, "%zu positions (worst shown: @%lld)", j - i,
                           (long long)p->step);
        if (first >= 0)
            parity__buf_printf(&note, ", first not MATCH: @%lld",
                               (long long)parity_walk_stage(t->w, (size_t)first)->pair->step);
    } else {
        parity__trace_stage_notes(t, &note, i, 1);
    }
    parity__emit_md_cell(b, note.data && !note.oom ? note.data : "");
    parity__buf_free(&note);
    parity__buf_puts(b, "\n");
}

static void md_series(parity__trace *t) {
    parity_buf *b = &t->r->out;
    size_t n = parity_walk_series_count(t->w);
    if (n == 0) return;
    parity__buf_puts(b, "\n### Series\n\n| series | steps | relative per step |\n|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        const parity_series *s = parity_walk_series(t->w, i);
        parity_buf cell = {0};
        parity__buf_puts(b, "|");
        parity__emit_md_cell(b, s->pattern);
        parity__trace_k_range(&cell, s->k, s->n);
        parity__emit_md_cell(b, cell.oom ? "" : cell.data);
        cell.len = 0;
        if (cell.data) cell.data[0] = '\0';
        for (size_t j = 0; j < s->n; j++) {
            if (j) parity__buf_puts(&cell, " ");
            parity__trace_short(&cell, parity_stage_relative(parity_walk_stage(t->w, s->stage[j])));
        }
        parity__emit_md_cell(b, cell.oom ? "" : cell.data);
        parity__buf_free(&cell);
        parity__buf_puts(b, "\n");
    }
}

static void md_schedule(parity__trace *t) {
    const parity_schedule *s = parity_walk_schedule(t->w);
    parity_buf *b = &t->r->out;
    const char *const labels[2] = {parity__label(t->r, 0), parity__label(t->r, 1)};
    if (!s) return;
    parity__buf_printf(b, "\n### Schedule\n\ndt_k = <x_{k+1} - x_k, v_k> / <v_k, v_k>; "
                       "worst fit %s %.2g, %s %.2g. ", parity__label(t->r, 0), s->fit_ref,
                       parity__label(t->r, 1), s->fit_port);
    parity__trace_states_line(t, b, 1);
    parity__buf_printf(b, ".\n\n| k | dt_%s | dt_%s | t_%s | t_%s | note |\n"
                       "|---:|---:|---:|---:|---:|---|\n",
                       parity__label(t->r, 0), parity__label(t->r, 1), parity__label(t->r, 0),
                       parity__label(t->r, 1));
    for (size_t i = 0; i < s->n; i++) {
        parity_buf note = {0};
        parity__buf_printf(b, "| %lld |", (long long)s->k[i]);
        md_fixed(b, s->dt_ref[i]);
        md_fixed(b, s->dt_port[i]);
        md_fixed(b, s->t_ref[i]);
        md_fixed(b, s->t_port[i]);
        parity__trace_step_note(s, &note, i, labels);
        parity__emit_md_cell(b, note.data && !note.oom ? note.data : "");
        parity__buf_free(&note);
        parity__buf_puts(b, "\n");
    }
    parity__buf_puts(b, "| end | | |");
    md_fixed(b, s->t_ref[s->n]);
    md_fixed(b, s->t_port[s->n]);
    parity__buf_puts(b, " |\n");
    parity_buf unknown = {0};
    if (parity__trace_unknown_times(t, &unknown) && !unknown.oom)
        parity__buf_printf(b, "\n%s\n", unknown.data);
    parity__buf_free(&unknown);
    parity__buf_puts(b, "\n");
    parity__trace_schedule_verdict(s, b, labels);
    parity__buf_puts(b, "\n");
}

static void md_guidance(parity__trace *t) {
    const parity_guidance *g = parity_walk_guidance(t->w);
    parity_buf *b = &t->r->out;
    if (!g) return;
    parity__buf_printf(b, "\n### Guidance weight\n\ng = c + w(c - u), "
                       "w = <g - c, c - u> / <c - u, c - u>.\n\n| k | w_%s | w_%s |\n"
                       "|---:|---:|---:|\n", parity__label(t->r, 0), parity__label(t->r, 1));
    for (size_t i = 0; i < g->n; i++) {
        parity__buf_printf(b, "| %lld |", (long long)g->k[i]);
        md_fixed(b, g->w_ref[i]);
        md_fixed(b, g->w_port[i]);
        parity__buf_puts(b, "\n");
    }
}

static void md_unpaired(parity__trace *t) {
    const parity_match *m = parity_walk_match(t->w);
    for (int side = 0; side < 2; side++) {
        size_t n = parity_match_unpaired_count(m, side);
        if (n == 0) continue;
        parity__buf_printf(&t->r->out, "\nOnly in %s:", parity__label(t->r, side));
        for (size_t i = 0; i < n; i++) {
            parity__buf_puts(&t->r->out, i ? ", `" : " `");
            parity__emit_md_text(&t->r->out, parity_match_unpaired(m, side, i)->name);
            parity__buf_puts(&t->r->out, "`");
        }
        parity__buf_puts(&t->r->out, "\n");
    }
    parity__buf_copies(&t->r->out, t->r, m, 0, 1);
    parity__buf_copies(&t->r->out, t->r, m, 1, 1);
}

/* "- **First divergence:** rest": the sentence with its label in bold. */
static void md_bullet(parity_buf *b, const parity_buf *line) {
    const char *s = line->oom || !line->data ? "" : line->data;
    const char *colon = strchr(s, ':');
    size_t head = colon ? (size_t)(colon - s) + 1 : 0;
    parity__buf_puts(b, "- **");
    parity__buf_put(b, s, head);
    parity__buf_puts(b, "**");
    parity__buf_puts(b, s + head);
    parity__buf_puts(b, "\n");
}

/* Each line of line as a bullet; then line is emptied. */
static void md_bullets(parity_buf *b, parity_buf *line) {
    char *s = line->oom || !line->data ? NULL : line->data;
    while (s && *s) {
        char *nl = strchr(s, '\n');
        if (nl) *nl = '\0';
        parity_buf one = {s, strlen(s), strlen(s) + 1, 0};
        md_bullet(b, &one);
        s = nl ? nl + 1 : NULL;
    }
    line->len = 0;
    if (line->data) line->data[0] = '\0';
}

/* First divergence, the rule, the culprit(s); the path and the graphs'
 * disagreement unless quiet. */
static void md_verdicts(parity__trace *t) {
    parity_buf line = {0};
    parity__buf_puts(&t->r->out, "\n");
    parity__trace_first_line(t, &line, 1);
    md_bullets(&t->r->out, &line);
    if (parity_walk_first_divergence(t->w) >= 0) parity__trace_blame_line(t, &line);
    md_bullets(&t->r->out, &line);
    parity__trace_culprit_line(t, &line, 1);
    md_bullets(&t->r->out, &line);
    parity__trace_also_line(t, &line, 1);
    md_bullets(&t->r->out, &line);
    if (!t->r->o.quiet) {
        parity__trace_path_line(t, &line, 12, 1);
        md_bullets(&t->r->out, &line);
        parity__trace_disagree_line(t, &line, 1);
        md_bullets(&t->r->out, &line);
    }
    parity__buf_free(&line);
}

void parity__trace_md(parity__trace *t) {
    parity_buf *b = &t->r->out;
    const parity_match *m = parity_walk_match(t->w);
    parity_coverage c;
    parity_match_coverage(m, &c);
    if (c.compared == 0) { /* nothing compared: say only that */
        parity__buf_nothing_compared(b, t->r, m, "stage", 1);
        parity__buf_puts(b, "\n");
        md_unpaired(t);
        return;
    }
    int differ = parity_walk_inputs_differ(t->w, NULL) + parity_walk_input_missing(t->w, NULL);
    parity__buf_puts(b, differ ? "**" : "");
    parity__trace_inputs_line(t, b, 1);
    parity__buf_puts(b, differ ? "**\n" : "\n");
    if (!t->r->o.quiet) {
        parity_buf note = {0};
        parity__trace_order_note(t, &note);
        if (note.len && !note.oom) parity__buf_printf(b, "\n> %s\n", note.data);
        parity__buf_free(&note);
        parity__buf_puts(b, "\n| # | stage | shape | relative | abs_max | mean_diff | status | note |\n"
                            "|---:|---|---|---:|---:|---:|---|---|\n");
        for (size_t i = 0, j; i < t->n_stages; i = j) {
            j = parity__trace_step_run_end(t, i);
            md_stage(t, i, j);
        }
    }
    parity__buf_puts(b, "\n");
    parity__buf_coverage(b, t->r, &c, "stage", 1);
    parity__buf_printf(b, ": %llu MATCH, %llu SMALL DIFF, %llu LARGE DIFF\n",
                       (unsigned long long)t->counts[0], (unsigned long long)t->counts[1],
                       (unsigned long long)t->counts[2]);
    md_verdicts(t);
    if (t->r->o.quiet) {
        md_unpaired(t);
        return;
    }
    md_series(t);
    md_schedule(t);
    md_guidance(t);
    md_unpaired(t);
}
