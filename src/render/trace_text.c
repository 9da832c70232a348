/*
 * trace_text.c — parity trace as text (SPEC §5), and the entry point that
 * picks the format. The report, top to bottom:
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

/* ---- shared by the formats --------------------------------------------- */

int parity__trace_is_input(const parity__trace *t, size_t i) {
    const parity_pair *p = parity_walk_stage(t->w, i)->pair;
    if (p->ref->is_input || p->port->is_input) return 1;
    return t->inputs_glob && fnmatch(t->inputs_glob, p->ref->name, 0) == 0;
}

int parity__trace_missing_side(const parity__trace *t, const char *name) {
    return parity_set_find(t->ref, name) >= 0 ? 0 : 1;
}

void parity__trace_short(parity_buf *b, double x) {
    if (!isfinite(x) || x == 0) parity__buf_num(b, x);
    else parity__buf_printf(b, "%.2g", x);
}

void parity__trace_k_range(parity_buf *b, const int64_t *k, size_t n) {
    int consecutive = n > 1;
    for (size_t i = 1; i < n; i++) consecutive &= k[i] == k[i - 1] + 1;
    if (consecutive) {
        parity__buf_printf(b, "k=%lld..%lld", (long long)k[0], (long long)k[n - 1]);
        return;
    }
    parity__buf_puts(b, "k=");
    for (size_t i = 0; i < n; i++)
        parity__buf_printf(b, "%s%lld", i ? "," : "", (long long)k[i]);
}

/* differ = max|a_i − b_i| > 1e-4 · max(|a_i|, |b_i|): a schedule or weight
 * that agrees to four digits is the same one computed in another order.
 * *at is the first index whose difference exceeds that. A pair unknown
 * (NaN) on both sides shows no difference; on one side only it does. */
int parity__trace_pairs_differ(const double *a, const double *b, size_t n,
                               size_t *at) {
    double scale = 0;
    *at = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(a[i]) > scale) scale = fabs(a[i]);
        if (fabs(b[i]) > scale) scale = fabs(b[i]);
    }
    for (size_t i = 0; i < n; i++) {
        double d = fabs(a[i] - b[i]);
        if (isnan(a[i]) && isnan(b[i])) continue; /* unknown on both sides */
        if (isnan(d) || d > 1e-4 * scale) {
            *at = i;
            return 1;
        }
    }
    return 0;
}

static void put_name(parity_buf *b, const char *name, int md) {
    if (md) parity__buf_puts(b, "`");
    if (md) parity__emit_md_text(b, name);
    else parity__emit_text(b, name);
    if (md) parity__buf_puts(b, "`");
}

static const char *dash(const parity_report *r) { return r->o.unicode ? "\u2014" : "--"; }
static const char *times(const parity_report *r) { return r->o.unicode ? "\u00d7" : "x"; }

/* "noise (relative 1.4e-03)", "mask (shape [1, 1, 80] vs [1, 80])" */
static void put_input_differ(const parity__trace *t, parity_buf *b, size_t i, int md) {
    const parity_stage *s = parity_walk_stage(t->w, i);
    char a[256], c[256];
    put_name(b, s->pair->ref->name, md);
    if (!s->pair->layout_ok)
        parity__buf_printf(b, " (shape %s vs %s)", parity_shape_str(s->pair->ref, a, sizeof a),
                           parity_shape_str(s->pair->port, c, sizeof c));
    else if (s->diff.nonfinite_ref_only + s->diff.nonfinite_port_only + s->diff.nonfinite_differ)
        parity__buf_puts(b, " (non-finite values differ)");
    else if (s->diff.ref_zero)
        parity__buf_printf(b, " (abs_max %.1e)", s->diff.abs_max);
    else
        parity__buf_printf(b, " (relative %.1e)", s->diff.relative);
}

static void inputs_equal_line(const parity__trace *t, parity_buf *b, int md) {
    size_t n = 0;
    for (size_t i = 0; i < t->n_stages && parity__trace_is_input(t, i); i++) n++;
    if (n == 0) {
        parity__buf_puts(b, "Inputs: none marked (tracers mark them; or --inputs GLOB)");
        return;
    }
    parity__buf_printf(b, "Inputs: %zu equal (", n);
    for (size_t i = 0; i < n && i < 8; i++) {
        if (i) parity__buf_puts(b, ", ");
        put_name(b, parity_walk_stage(t->w, i)->pair->ref->name, md);
    }
    parity__buf_puts(b, n > 8 ? ", ...)" : ")");
}

void parity__trace_inputs_line(const parity__trace *t, parity_buf *b, int md) {
    const size_t *idx = NULL;
    const char *const *names = NULL;
    size_t nd = parity_walk_inputs_differ(t->w, &idx);
    size_t nm = parity_walk_input_missing(t->w, &names);
    if (nd + nm == 0) {
        inputs_equal_line(t, b, md);
        return;
    }
    parity__buf_puts(b, "Inputs differ: ");
    for (size_t i = 0; i < nd; i++) {
        if (i) parity__buf_puts(b, ", ");
        put_input_differ(t, b, idx[i], md);
    }
    for (size_t i = 0; i < nm; i++) {
        parity__buf_puts(b, nd + i ? ", " : "");
        put_name(b, names[i], md);
        parity__buf_printf(b, " (only in %s)",
                           parity__label(t->r, parity__trace_missing_side(t, names[i])));
    }
    parity__buf_printf(b, " %s every later stage is compared on unequal footing.",
                       dash(t->r));
}

static void put_rel(const parity__trace *t, parity_buf *b, double rel) {
    const double thr[2] = {t->r->o.diff.match_tol, t->r->o.diff.small_tol};
    parity__buf_num_vs(b, rel, 1.0, 4, thr, 2, 0);
}

/* "relative 0.5412", or why there is no relative error to speak of. */
static void put_stage_error(const parity__trace *t, parity_buf *b, size_t i) {
    const parity_stage *s = parity_walk_stage(t->w, i);
    char x[256], y[256];
    if (!s->pair->layout_ok) {
        parity__buf_printf(b, "shapes %s vs %s irreconcilable",
                           parity_shape_str(s->pair->ref, x, sizeof x),
                           parity_shape_str(s->pair->port, y, sizeof y));
    } else if (s->diff.nonfinite_ref_only + s->diff.nonfinite_port_only) {
        parity__buf_printf(b, "non-finite values in %s only: %llu, in %s only: %llu",
                           parity__label(t->r, 0),
                           (unsigned long long)s->diff.nonfinite_ref_only,
                           parity__label(t->r, 1),
                           (unsigned long long)s->diff.nonfinite_port_only);
    } else {
        parity__buf_puts(b, "relative ");
        put_rel(t, b, s->diff.relative);
    }
}

void parity__trace_first_line(const parity__trace *t, parity_buf *b, int md) {
    long f = parity_walk_first_divergence(t->w);
    parity__buf_puts(b, "First divergence: ");
    if (f < 0) {
        parity__buf_puts(b, "none; every stage is MATCH");
        return;
    }
    const parity_stage *s = parity_walk_stage(t->w, (size_t)f);
    put_name(b, s->pair->ref->name, md);
    parity__buf_printf(b, " (stage %ld of %zu): ", f + 1, t->n_stages);
    put_stage_error(t, b, (size_t)f);
    parity__buf_printf(b, ", %s", parity_verdict_str(s->diff.verdict));
}

/* When an earlier call of the module with the largest jump was named:
 * "; the first call of ode.step{k}.gelu to jump within x2 of the largest
 * jump, x190 at ode.step5.gelu". */
static void culprit_preferred(const parity__trace *t, parity_buf *b, long c, int md) {
    const parity_series *se = NULL;
    long l = parity_walk_largest_jump(t->w, &se);
    if (l < 0 || l == c) return;
    double jump = parity_walk_stage(t->w, (size_t)l)->jump;
    parity__buf_puts(b, "; the first call of ");
    put_name(b, se ? se->pattern : "?", md);
    parity__buf_printf(b, " to jump within %s2 of the largest jump, ", times(t->r));
    if (isfinite(jump)) parity__buf_printf(b, "%s%.3g at ", times(t->r), jump);
    else parity__buf_puts(b, "a break at ");
    put_name(b, parity_walk_stage(t->w, (size_t)l)->pair->ref->name, md);
}

void parity__trace_culprit_line(const parity__trace *t, parity_buf *b, int md) {
    long c = parity_walk_culprit(t->w);
    parity__buf_puts(b, "Culprit: ");
    if (c < 0) {
        parity__buf_puts(b, "none");
        return;
    }
    const parity_stage *s = parity_walk_stage(t->w, (size_t)c);
    double rel = parity_stage_relative(parity_walk_stage(t->w, (size_t)c));
    put_name(b, s->pair->ref->name, md);
    parity__buf_puts(b, ": ");
    put_stage_error(t, b, (size_t)c);
    if (c == 0) {
        parity__buf_puts(b, " (the first stage)");
        culprit_preferred(t, b, c, md);
        return;
    }
    double prev = parity_stage_relative(parity_walk_stage(t->w, (size_t)c - 1));
    if (isfinite(s->jump)) parity__buf_printf(b, ", %s%.3g over ", times(t->r), s->jump);
    else parity__buf_puts(b, ", the first break after ");
    put_name(b, parity_walk_stage(t->w, (size_t)c - 1)->pair->ref->name, md);
    parity__buf_puts(b, " (relative ");
    parity__buf_num(b, prev);
    /* the walk divides by max(previous, floor): say so when the floor won */
    double denom = isfinite(rel) && s->jump > 0 ? rel / s->jump : prev;
    if (denom > prev * (1 + 1e-9)) {
        parity__buf_puts(b, ", counted from the floor ");
        parity__buf_num(b, denom);
    }
    parity__buf_puts(b, ")");
    culprit_preferred(t, b, c, md);
}

void parity__trace_order_note(const parity__trace *t, parity_buf *b) {
    if (parity_set_order_source(t->ref) != PARITY_ORDER_NATURAL) return;
    parity__buf_printf(b, "Note: the order is natural name order (step2 before step10): "
                       "%s records none (no parity.order metadata, no index.json)",
                       parity_set_path(t->ref));
}

/* "States: ode.step{k}.x is the state after step k (before step 1: noise)" */
void parity__trace_states_line(const parity__trace *t, parity_buf *b, int md) {
    const parity_schedule *s = parity_walk_schedule(t->w);
    parity__buf_puts(b, "States: ");
    put_name(b, s->states, md);
    parity__buf_printf(b, " is the state %s step k", s->after ? "after" : "before");
    if (s->x0 >= 0) {
        parity__buf_printf(b, " (before step %lld: ", (long long)s->k[0]);
        put_name(b, parity_walk_stage(t->w, (size_t)s->x0)->pair->ref->name, md);
        parity__buf_puts(b, ")");
    }
}

/* Why row i of schedule s has no dt (text, Markdown and HTML share it),
 * indexed by parity_step_status; PARITY_STEP_OK has nothing to say. */
static const char *const step_notes[] = {
    NULL,
    "no initial state (mark the noise as an input or pass --x0)",
    "the state before this step is not traced",
    "the state after this step is not traced",
    "states and velocity differ in shape",
    "the velocity is zero",
};
_Static_assert(sizeof step_notes / sizeof *step_notes == PARITY_STEP_ZERO_V + 1,
               "one note per parity_step_status");

void parity__trace_step_note(const parity_schedule *s, parity_buf *b, size_t i) {
    unsigned st = (unsigned)s->status[i];
    if (st <= PARITY_STEP_ZERO_V && step_notes[st]) parity__buf_puts(b, step_notes[st]);
}

/* "t is unknown from step 2 on: step 1 has no dt." when a row before the
 * last has none; returns whether it wrote anything. */
int parity__trace_unknown_times(const parity__trace *t, parity_buf *b) {
    const parity_schedule *s = parity_walk_schedule(t->w);
    for (size_t i = 0; i + 1 < s->n; i++) {
        if (s->status[i] == PARITY_STEP_OK) continue;
        parity__buf_printf(b, "t is unknown from step %lld on: step %lld has no dt.",
                           (long long)s->k[i + 1], (long long)s->k[i]);
        return 1;
    }
    return 0;
}

/* "input; compared after permute(0,2,1); F32 vs F16; port: other.name".
 * The text table shows both shapes in its shape column when they cannot be
 * brought to one, and notes an all-zero reference; Markdown's shape column
 * holds the reference's shape alone, so its notes carry the port's. */
void parity__trace_stage_notes(const parity__trace *t, parity_buf *b, size_t i, int md) {
    const parity_stage *s = parity_walk_stage(t->w, i);
    const parity_pair *p = s->pair;
    const char *sep = md ? "" : "  ";
    char shape[256];
    if (parity__trace_is_input(t, i)) { parity__buf_printf(b, "%sinput", sep); sep = "; "; }
    if (p->layout_ok && p->layout[0]) {
        parity__buf_printf(b, "%scompared after %s", sep, p->layout);
        sep = "; ";
    }
    if (md && !p->layout_ok) {
        parity__buf_printf(b, "%s%s shape %s", sep, parity__label(t->r, 1),
                           parity_shape_str(p->port, shape, sizeof shape));
        sep = "; ";
    }
    if (p->ref->dtype != p->port->dtype) {
        parity__buf_printf(b, "%s%s vs %s", sep, parity_dtype_name(p->ref->dtype),
                           parity_dtype_name(p->port->dtype));
        sep = "; ";
    }
    if (strcmp(p->ref->name, p->port->name) != 0) {
        parity__buf_printf(b, "%s%s: %s", sep, parity__label(t->r, 1), p->port->name);
        sep = "; ";
    }
    if (!md && p->layout_ok && s->diff.ref_zero)
        parity__buf_printf(b, "%s%s all zeros: relative is ||d||", sep, parity__label(t->r, 0));
    if (s->ints_differ) parity__buf_printf(b, "%sintegers differ (parity diff shows where)", sep);
}

/* ---- text --------------------------------------------------------------- */

static void put_verdict(parity_report *r, parity_verdict v) {
    parity__emit_verdict(&r->out, v, r->o.unicode, r->o.color);
}

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

static widths column_widths(const parity__trace *t) {
    widths w = {(int)strlen("stage"), (int)strlen("shape")};
    char cell[600];
    for (size_t i = 0; i < t->n_stages; i++) {
        const parity_pair *p = parity_walk_stage(t->w, i)->pair;
        int n = (int)strlen(p->ref->name);
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
    if (s->pair->layout_ok) put_rel(t, &cell, s->diff.relative);
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

static void text_stage(parity__trace *t, widths wd, size_t i) {
    parity_buf *b = &t->r->out;
    const parity_stage *s = parity_walk_stage(t->w, i);
    int ok = s->pair->layout_ok;
    char cell[600];
    shape_cell(s->pair, cell, sizeof cell);
    parity__buf_printf(b, "%-*s  %-*s", wd.name, s->pair->ref->name, wd.shape, cell);
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
    put_verdict(t->r, s->diff.verdict);
    parity__trace_stage_notes(t, b, i, 0);
    parity__buf_puts(b, "\n");
}

/* "  ode.step{k}.x  k=1..10  relative: 1.2e-07 1.3e-07 ..." */
static void text_series(parity__trace *t) {
    parity_buf *b = &t->r->out;
    size_t n = parity_walk_series_count(t->w);
    int wp = 0;
    if (n == 0) return;
    for (size_t i = 0; i < n; i++) {
        int l = (int)strlen(parity_walk_series(t->w, i)->pattern);
        if (l > wp) wp = l;
    }
    parity__buf_printf(b, "\nSeries (%zu), relative error per step:\n", n);
    for (size_t i = 0; i < n; i++) {
        const parity_series *s = parity_walk_series(t->w, i);
        parity__buf_printf(b, "  %-*s  ", wp, s->pattern);
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
    size_t at = 0;
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
            parity__trace_step_note(s, b, i);
        }
        parity__buf_puts(b, "\n");
    }
    parity__buf_printf(b, "%4s  %10s  %10s", "end", "", "");
    fixed_cell(b, s->t_ref[s->n]), fixed_cell(b, s->t_port[s->n]);
    parity__buf_puts(b, "\n");
    if (parity__trace_unknown_times(t, b)) parity__buf_puts(b, "\n");
    if (parity__trace_pairs_differ(s->dt_ref, s->dt_port, s->n, &at))
        parity__buf_printf(b, "The schedules differ: first at k=%lld, dt %.5f vs %.5f\n",
                           (long long)s->k[at], s->dt_ref[at], s->dt_port[at]);
    else
        parity__buf_puts(b, "The schedules agree.\n");
}

/* Every x_i within 1e-4 of the largest |x_i| of x_0 (NaN never is). */
static int constant(const double *x, size_t n) {
    double scale = 0;
    for (size_t i = 0; i < n; i++) scale = fabs(x[i]) > scale ? fabs(x[i]) : scale;
    for (size_t i = 0; i < n; i++)
        if (!(fabs(x[i] - x[0]) <= 1e-4 * scale)) return 0;
    return 1;
}

/* One line when each side used one weight throughout, else a table. */
static void text_guidance(parity__trace *t) {
    const parity_guidance *g = parity_walk_guidance(t->w);
    parity_buf *b = &t->r->out;
    size_t at = 0;
    if (!g) return;
    int differ = parity__trace_pairs_differ(g->w_ref, g->w_port, g->n, &at);
    parity__buf_puts(b, "\nGuidance weight, g = c + w(c - u), "
                        "w = <g - c, c - u> / <c - u, c - u>:\n");
    if (constant(g->w_ref, g->n) && constant(g->w_port, g->n)) {
        parity__buf_printf(b, "  w_%s %.5f, w_%s %.5f at every step (", parity__label(t->r, 0),
                           g->w_ref[0], parity__label(t->r, 1), g->w_port[0]);
        parity__trace_k_range(b, g->k, g->n);
        parity__buf_printf(b, "): %s\n", differ ? "they differ" : "they agree");
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
    else
        parity__buf_puts(b, "The guidance weights agree.\n");
}

static void text_unpaired(parity__trace *t) {
    const parity_match *m = parity_walk_match(t->w);
    for (int side = 0; side < 2; side++) {
        size_t n = parity_match_unpaired_count(m, side);
        if (n == 0) continue;
        parity__buf_printf(&t->r->out, "only in %s:", parity__label(t->r, side));
        for (size_t i = 0; i < n; i++)
            parity__buf_printf(&t->r->out, "%s %s", i ? "," : "",
                               parity_match_unpaired(m, side, i)->name);
        parity__buf_puts(&t->r->out, "\n");
    }
}

static void text_verdict_lines(parity__trace *t) {
    parity_buf *b = &t->r->out;
    parity__trace_first_line(t, b, 0);
    parity__buf_puts(b, "\n");
    parity__trace_culprit_line(t, b, 0);
    parity__buf_puts(b, "\n");
}

static void trace_text(parity__trace *t) {
    parity_buf *b = &t->r->out;
    parity__trace_inputs_line(t, b, 0);
    parity__buf_puts(b, "\n");
    if (t->r->o.quiet) {
        text_verdict_lines(t);
        return;
    }
    size_t before = b->len;
    parity__trace_order_note(t, b);
    if (b->len != before) parity__buf_puts(b, "\n");
    widths wd = column_widths(t);
    parity__buf_puts(b, "\n");
    text_header(t, wd);
    for (size_t i = 0; i < t->n_stages; i++) text_stage(t, wd, i);
    parity__buf_printf(b, "\n%zu stage%s: %llu MATCH, %llu SMALL DIFF, %llu LARGE DIFF\n",
                       t->n_stages, t->n_stages == 1 ? "" : "s",
                       (unsigned long long)t->counts[0], (unsigned long long)t->counts[1],
                       (unsigned long long)t->counts[2]);
    text_verdict_lines(t);
    text_series(t);
    text_schedule(t);
    text_guidance(t);
    if (parity_match_unpaired_count(parity_walk_match(t->w), 0) +
        parity_match_unpaired_count(parity_walk_match(t->w), 1))
        parity__buf_puts(b, "\n");
    text_unpaired(t);
}

const char *parity_report_trace(parity_report *r, const parity_walk *w,
                                const parity_set *ref, const parity_set *port,
                                const char *inputs_glob) {
    parity__trace t = {r, w, ref, port, inputs_glob, parity_walk_stage_count(w), {0, 0, 0}};
    parity__chunk_reset(r);
    for (size_t i = 0; i < t.n_stages; i++) {
        unsigned v = (unsigned)parity_walk_stage(w, i)->diff.verdict;
        t.counts[v < 3 ? v : 2]++;
    }
    if (r->o.format == PARITY_FORMAT_JSON) parity__trace_json(&t);
    else if (r->o.format == PARITY_FORMAT_MD) parity__trace_md(&t);
    else trace_text(&t);
    return parity__chunk_done(r);
}
