/*
 * trace_text.c — parity trace as text (docs/trace.md). The report, top to bottom:
 *
 *   Inputs differ: noise (relative 1.4e-03) -- every later stage is ...
 *   Note: execution order is natural name order ...       (only then)
 *
 *   stage        shape         relative     abs_max   mean_diff  verdict
 *   mu           [1, 80, 80]          0           0           0  MATCH  input
 *   ode.step1.x  [1, 80, 80]     0.5412       2.113     -0.1042  LARGE DIFF
 *
 *   196 stages: 150 MATCH, 6 SMALL DIFF, 40 LARGE DIFF
 *   First divergence: ode.step1.x (stage 7 of 196): relative 0.5412, LARGE DIFF
 *   Culprit: ode.step1.x: relative 0.5412, x5.4e+05 over ode.step1.dxdt (...)
 *
 *   Series (2), relative error per step:
 *     ode.step{k}.x  k=1..10  relative: 0.54 0.31 ...
 *   Schedule ...: k dt_ref dt_port t_ref t_port, 5 decimals ("-" unknown,
 *     with the reason at the end of the row)
 *   Guidance weight ...: k w_ref w_port
 *   only in ref: a, b
 *
 * -q keeps the inputs line, first divergence and culprit; -v adds the
 * columns abs_mean, rmse, cosine and jump (relative over the predecessor's).
 */
#include "render/emit.h"
#include "render/trace_impl.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The shape column: the reference's stored shape, or both when they cannot
 * be brought to one. */
static void shape_cell(const parity_pair *p, char *cell, size_t cap) {
    char a[256], c[256];
    if (p->layout_ok) parity_shape_str(p->ref, cell, cap);
    else snprintf(cell, cap, "%s vs %s", parity_shape_str(p->ref, a, sizeof a),
                  parity_shape_str(p->port, c, sizeof c));
}

typedef struct widths {
    int name, shape;
} widths;

/* The name cell of stages [i, j): the stage's name, or for the positions
 * of a series "name@0..5". */
static void name_cell(const parity__trace *t, size_t i, size_t j, char *cell, size_t cap) {
    const parity_pair *p = parity_walk_stage(t->w, i)->pair;
    if (j - i < 2) {
        snprintf(cell, cap, "%s", parity_pair_name(p));
        return;
    }
    const parity_pair *q = parity_walk_stage(t->w, j - 1)->pair;
    if (p->step_side == 0)
        snprintf(cell, cap, "%s@%lld..%lld", p->ref->name, (long long)p->step, (long long)q->step);
    else
        snprintf(cell, cap, "%s .. %s", p->ref->name, q->ref->name);
}

/* Rows of the table: [i, row_end(i)) is one row. -v shows every position
 * of a series; otherwise a series is one row. */
static size_t row_end(const parity__trace *t, size_t i) {
    return t->r->o.verbose ? i + 1 : parity__trace_step_run_end(t, i);
}

static widths column_widths(const parity__trace *t) {
    widths w = {(int)strlen("stage"), (int)strlen("shape")};
    char cell[600], name[600];
    for (size_t i = 0, j; i < t->n_stages; i = j) {
        j = row_end(t, i);
        const parity_pair *p = parity_walk_stage(t->w, i)->pair;
        name_cell(t, i, j, name, sizeof name);
        int n = parity__text_cols(name);
        shape_cell(p, cell, sizeof cell);
        if (n > w.name) w.name = n;
        if ((int)strlen(cell) > w.shape) w.shape = (int)strlen(cell);
    }
    return w;
}

/* A number right-aligned in 11 columns; "-" when not measured. */
static void num_cell(parity_buf *b, double x, int ok) {
    char s[64];
    parity__buf_printf(b, " %11s", ok ? parity_fmt_num(x, s, sizeof s) : "-");
}

static void rel_cell(const parity__trace *t, parity_buf *b, const parity_stage *s) {
    parity_buf cell = {0};
    if (s->pair->layout_ok) parity__trace_rel(t, &cell, s->diff.relative);
    parity__buf_printf(b, " %11s", cell.data && !cell.oom ? cell.data : "-");
    parity__buf_free(&cell);
}

static void text_header(parity__trace *t, widths wd) {
    parity_buf *b = &t->r->out;
    parity__buf_printf(b, "%-*s  %-*s %11s %11s %11s", wd.name, "stage", wd.shape, "shape",
                       "relative", "abs_max", "mean_diff");
    if (t->r->o.verbose)
        parity__buf_printf(b, " %11s %11s %11s %11s", "abs_mean", "rmse", "cosine", "jump");
    parity__buf_puts(b, "  verdict\n");
}

/* One row: stage i, or the positions [i, j) of a series shown by their
 * worst one, with how many there are and the first that diverges. */
static void text_stage(parity__trace *t, widths wd, size_t i, size_t j) {
    parity_buf *b = &t->r->out;
    long first = -1;
    size_t at = j - i > 1 ? parity__trace_step_run_worst(t, i, j, &first) : i;
    const parity_stage *s = parity_walk_stage(t->w, at);
    int ok = s->pair->layout_ok;
    char cell[600], name[600];
    shape_cell(s->pair, cell, sizeof cell);
    name_cell(t, i, j, name, sizeof name);
    parity__emit_text_pad(b, name, wd.name);
    parity__buf_printf(b, "  %-*s", wd.shape, cell);
    rel_cell(t, b, s);
    num_cell(b, s->diff.abs_max, ok);
    num_cell(b, s->diff.mean_diff, ok);
    if (t->r->o.verbose) {
        num_cell(b, s->diff.abs_mean, ok);
        num_cell(b, s->diff.rmse, ok);
        num_cell(b, s->diff.cosine, ok);
        num_cell(b, s->jump, 1);
    }
    parity__buf_puts(b, "  ");
    parity__emit_verdict(&t->r->out, s->diff.verdict, t->r->o.unicode, t->r->o.color);
    if (j - i > 1) {
        const parity_pair *p = s->pair;
        parity__buf_printf(b, "  %zu positions (worst shown: @%lld)", j - i, (long long)p->step);
        if (first >= 0)
            parity__buf_printf(b, ", first not MATCH: @%lld",
                               (long long)parity_walk_stage(t->w, (size_t)first)->pair->step);
        parity__buf_puts(b, p->step_side == 0 ? "; port: " : "; ref stacked: ");
        parity__emit_text(b, p->step_side == 0 ? parity_walk_stage(t->w, i)->pair->port->name
                                               : p->port->name);
        if (p->step_side == 0) {
            parity__buf_puts(b, " .. ");
            parity__emit_text(b, parity_walk_stage(t->w, j - 1)->pair->port->name);
        }
    } else {
        parity__trace_stage_notes(t, b, i, 0);
    }
    parity__buf_puts(b, "\n");
}

/* "  ode.step{k}.x  k=1..10  relative: 1.2e-07 1.3e-07 ..." */
static void text_series(parity__trace *t) {
    parity_buf *b = &t->r->out;
    size_t n = parity_walk_series_count(t->w);
    int wp = 0;
    if (n == 0) return;
    for (size_t i = 0; i < n; i++) {
        int l = parity__text_cols(parity_walk_series(t->w, i)->pattern);
        if (l > wp) wp = l;
    }
    parity__buf_printf(b, "\nSeries (%zu), relative error per step:\n", n);
    for (size_t i = 0; i < n; i++) {
        const parity_series *s = parity_walk_series(t->w, i);
        parity__buf_puts(b, "  ");
        parity__emit_text_pad(b, s->pattern, wp);
        parity__buf_puts(b, "  ");
        parity__trace_k_range(b, s->k, s->n);
        parity__buf_puts(b, "  relative:");
        for (size_t j = 0; j < s->n; j++) {
            parity__buf_puts(b, " ");
            if (parity_walk_stage(t->w, s->stage[j])->pair->layout_ok)
                parity__trace_short(b, parity_stage_relative(parity_walk_stage(t->w, s->stage[j])));
            else
                parity__buf_puts(b, "-");
        }
        parity__buf_puts(b, "\n");
    }
}

/* Column titles "dt_ref" or "dt_<label>". */
static void put_col(parity_buf *b, const char *pre, const char *label) {
    char s[64];
    snprintf(s, sizeof s, "%s_%s", pre, label);
    parity__buf_printf(b, "  %10s", s);
}

/* A number in 10 columns with 5 decimals, or "-" when unknown (NaN). */
static void fixed_cell(parity_buf *b, double x) {
    if (isnan(x)) parity__buf_printf(b, "  %10s", "-");
    else parity__buf_printf(b, "  %10.5f", x);
}

static void text_schedule(parity__trace *t) {
    const parity_schedule *s = parity_walk_schedule(t->w);
    parity_buf *b = &t->r->out;
    const char *l0 = parity__label(t->r, 0), *l1 = parity__label(t->r, 1);
    const char *const labels[2] = {l0, l1};
    if (!s) return;
    parity__buf_printf(b, "\nSchedule, dt_k = <x_{k+1} - x_k, v_k> / <v_k, v_k> "
                       "(worst fit %s %.2g, %s %.2g):\n", l0, s->fit_ref, l1, s->fit_port);
    parity__trace_states_line(t, b, 0);
    parity__buf_printf(b, "\n%4s", "k");
    put_col(b, "dt", l0), put_col(b, "dt", l1), put_col(b, "t", l0), put_col(b, "t", l1);
    parity__buf_puts(b, "\n");
    for (size_t i = 0; i < s->n; i++) {
        parity__buf_printf(b, "%4lld", (long long)s->k[i]);
        fixed_cell(b, s->dt_ref[i]), fixed_cell(b, s->dt_port[i]);
        fixed_cell(b, s->t_ref[i]), fixed_cell(b, s->t_port[i]);
        if (s->status[i] != PARITY_STEP_OK) {
            parity__buf_puts(b, "  ");
            parity__trace_step_note(s, b, i, labels);
        }
        parity__buf_puts(b, "\n");
    }
    parity__buf_printf(b, "%4s  %10s  %10s", "end", "", "");
    fixed_cell(b, s->t_ref[s->n]), fixed_cell(b, s->t_port[s->n]);
    parity__buf_puts(b, "\n");
    if (parity__trace_unknown_times(t, b)) parity__buf_puts(b, "\n");
    parity__trace_schedule_verdict(s, b, labels);
    parity__buf_puts(b, "\n");
}

/* Every x_i within tol of the largest |x_i| of x_0 (NaN never is). */
static int constant(const double *x, size_t n, double tol) {
    double scale = 0;
    for (size_t i = 0; i < n; i++) scale = fabs(x[i]) > scale ? fabs(x[i]) : scale;
    for (size_t i = 0; i < n; i++)
        if (!(fabs(x[i] - x[0]) <= tol * scale)) return 0;
    return 1;
}

/* One line when each side used one weight throughout, else a table. */
static void text_guidance(parity__trace *t) {
    const parity_guidance *g = parity_walk_guidance(t->w);
    parity_buf *b = &t->r->out;
    size_t at = 0;
    if (!g) return;
    int differ = parity__trace_pairs_differ(g->w_ref, g->w_port, g->n, g->tol, &at);
    parity__buf_puts(b, "\nGuidance weight, g = c + w(c - u), "
                        "w = <g - c, c - u> / <c - u, c - u>:\n");
    if (constant(g->w_ref, g->n, g->tol) && constant(g->w_port, g->n, g->tol)) {
        parity__buf_printf(b, "  w_%s %.5f, w_%s %.5f at every step (", parity__label(t->r, 0),
                           g->w_ref[0], parity__label(t->r, 1), g->w_port[0]);
        parity__trace_k_range(b, g->k, g->n);
        parity__buf_printf(b, "): %s", differ ? "they differ" : "they agree");
        if (!differ) parity__trace_within(b, g->precision, g->tol, "w");
        parity__buf_puts(b, "\n");
        return;
    }
    parity__buf_printf(b, "%4s", "k");
    put_col(b, "w", parity__label(t->r, 0));
    put_col(b, "w", parity__label(t->r, 1));
    parity__buf_puts(b, "\n");
    for (size_t i = 0; i < g->n; i++)
        parity__buf_printf(b, "%4lld  %10.5f  %10.5f\n", (long long)g->k[i], g->w_ref[i],
                           g->w_port[i]);
    if (differ)
        parity__buf_printf(b, "The guidance weights differ: first at k=%lld, w %.5f vs %.5f\n",
                           (long long)g->k[at], g->w_ref[at], g->w_port[at]);
    else {
        parity__buf_puts(b, "The guidance weights agree");
        parity__trace_within(b, g->precision, g->tol, "w");
        parity__buf_puts(b, ".\n");
    }
}

static void text_unpaired(parity__trace *t) {
    const parity_match *m = parity_walk_match(t->w);
    for (int side = 0; side < 2; side++) {
        size_t n = parity_match_unpaired_count(m, side);
        if (n == 0) continue;
        parity__buf_printf(&t->r->out, "only in %s:", parity__label(t->r, side));
        for (size_t i = 0; i < n; i++) {
            parity__buf_puts(&t->r->out, i ? ", " : " ");
            parity__emit_text(&t->r->out, parity_match_unpaired(m, side, i)->name);
        }
        parity__buf_puts(&t->r->out, "\n");
    }
    parity__buf_copies(&t->r->out, t->r, m, 0, 0);
    parity__buf_copies(&t->r->out, t->r, m, 1, 0);
}

/* "5 of 7 stages compared (...): 3 MATCH, 1 SMALL DIFF, 1 LARGE DIFF" */
static void text_counts(parity__trace *t) {
    parity_coverage c;
    parity_match_coverage(parity_walk_match(t->w), &c);
    parity__buf_coverage(&t->r->out, t->r, &c, "stage", 0);
    parity__buf_printf(&t->r->out, ": %llu MATCH, %llu SMALL DIFF, %llu LARGE DIFF\n",
                       (unsigned long long)t->counts[0], (unsigned long long)t->counts[1],
                       (unsigned long long)t->counts[2]);
}

/* First divergence, the rule, the culprit(s); the path and the graphs'
 * disagreement unless quiet. */
static void text_verdict_lines(parity__trace *t) {
    parity_buf *b = &t->r->out;
    parity__trace_first_line(t, b, 0);
    parity__buf_puts(b, "\n");
    if (parity_walk_first_divergence(t->w) >= 0) { /* nothing to blame else */
        parity__trace_blame_line(t, b);
        parity__buf_puts(b, "\n");
    }
    parity__trace_culprit_line(t, b, 0);
    parity__buf_puts(b, "\n");
    if (parity__trace_also_line(t, b, 0)) parity__buf_puts(b, "\n");
    if (t->r->o.quiet) return;
    if (parity__trace_path_line(t, b, 12, 0)) parity__buf_puts(b, "\n");
    if (parity__trace_disagree_line(t, b, 0)) parity__buf_puts(b, "\n");
}

void parity__trace_text(parity__trace *t) {
    parity_buf *b = &t->r->out;
    const parity_match *m = parity_walk_match(t->w);
    if (parity_match_count(m) == 0) { /* nothing compared: say only that */
        parity__buf_nothing_compared(b, t->r, m, "stage", 0);
        parity__buf_puts(b, "\n\n");
        text_unpaired(t);
        return;
    }
    parity__trace_inputs_line(t, b, 0);
    parity__buf_puts(b, "\n");
    if (t->r->o.quiet) {
        text_verdict_lines(t);
        text_counts(t);
        text_unpaired(t);
        return;
    }
    size_t before = b->len;
    parity__trace_order_note(t, b);
    if (b->len != before) parity__buf_puts(b, "\n");
    widths wd = column_widths(t);
    parity__buf_puts(b, "\n");
    text_header(t, wd);
    for (size_t i = 0, j; i < t->n_stages; i = j) {
        j = row_end(t, i);
        text_stage(t, wd, i, j);
    }
    parity__buf_puts(b, "\n");
    text_counts(t);
    text_verdict_lines(t);
    text_series(t);
    text_schedule(t);
    text_guidance(t);
    if (parity_match_unpaired_count(m, 0) + parity_match_unpaired_count(m, 1) +
        parity_match_copies_count(m, 0) + parity_match_copies_count(m, 1))
        parity__buf_puts(b, "\n");
    text_unpaired(t);
}
