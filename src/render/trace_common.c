/*
 * trace_common.c — what the three renderings of a trace walk share
 * (trace_text.c, trace_json.c, trace_md.c): which stages are inputs, the
 * sentences text and Markdown both print, and small number formats.
 */
#include "render/emit.h"
#include "render/trace_impl.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *dash(const parity_report *r) { return r->o.unicode ? "\u2014" : "--"; }
static const char *times(const parity_report *r) { return r->o.unicode ? "\u00d7" : "x"; }

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

/* differ = max|a_i − b_i| > tol · max(|a_i|, |b_i|): a schedule or weight
 * that agrees to four digits (tol 1e-4) is the same one computed in
 * another order; the walk widens tol for tensors stored coarser than
 * float32 (parity_schedule.tol). *at is the first index whose difference
 * exceeds that. A pair unknown (NaN) on both sides shows no difference;
 * on one side only it does. */
int parity__trace_pairs_differ(const double *a, const double *b, size_t n, double tol, size_t *at) {
    double scale = 0;
    *at = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(a[i]) > scale) scale = fabs(a[i]);
        if (fabs(b[i]) > scale) scale = fabs(b[i]);
    }
    for (size_t i = 0; i < n; i++) {
        double d = fabs(a[i] - b[i]);
        if (isnan(a[i]) && isnan(b[i])) continue; /* unknown on both sides */
        if (isnan(d) || d > tol * scale) {
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

/* "noise (relative 1.4e-03)", "mask (shape [1, 1, 80] vs [1, 80])" */
static void put_input_differ(const parity__trace *t, parity_buf *b, size_t i, int md) {
    const parity_stage *s = parity_walk_stage(t->w, i);
    char a[256], c[256];
    put_name(b, parity_pair_name(s->pair), md);
    if (!s->pair->layout_ok)
        parity__buf_printf(b, " (shape %s vs %s)", parity_shape_str(s->pair->ref, a, sizeof a),
                           parity_shape_str(s->pair->port, c, sizeof c));
    else if (s->diff.nonfinite_ref_only + s->diff.nonfinite_port_only + s->diff.nonfinite_differ)
        parity__buf_puts(b, " (non-finite values differ)");
    else if (s->diff.ref_zero)
        parity__buf_printf(b, " (abs_max %.1e)", s->diff.abs_max);
    else if (parity__input_storage_rounding(t->w, i) != PARITY_DT_INVALID)
        parity__buf_printf(b, " (relative %.1e, within %s rounding)", s->diff.relative,
                           parity_dtype_name(parity__input_storage_rounding(t->w, i)));
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
        put_name(b, parity_pair_name(parity_walk_stage(t->w, i)->pair), md);
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
    int storage = parity__inputs_storage_only(t->w); /* the port's storage, not other inputs */
    parity__buf_puts(b, storage ? "Inputs equal but for the rounding of their storage: "
                                : "Inputs differ: ");
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
    if (storage)
        parity__buf_printf(b, " %s later stages carry that rounding.", dash(t->r));
    else
        parity__buf_printf(b, " %s every later stage is compared on unequal footing.",
                           dash(t->r));
}

void parity__trace_rel(const parity__trace *t, parity_buf *b, double rel) {
    const double thr[2] = {t->r->o.diff.match_tol, t->r->o.diff.small_tol};
    parity__buf_num_vs(b, rel, 1.0, 4, thr, 2, 0);
}

/* "relative 0.5412", or why there is no relative error to speak of. */
static void put_stage_error(const parity__trace *t, parity_buf *b, size_t i) {
    const parity_stage *s = parity_walk_stage(t->w, i);
    char x[256], y[256];
    if (s->kind == PARITY_PAIR_OVERLAP) {
        parity__buf_printf(b, "shapes %s vs %s: ", parity_shape_str(s->pair->ref, x, sizeof x),
                           parity_shape_str(s->pair->port, y, sizeof y));
        parity__buf_overlap(b, t->r, &s->overlap);
    } else if (s->kind == PARITY_PAIR_SEQUENCE) {
        parity__buf_printf(b, "ids differ, lengths %llu vs %llu",
                           (unsigned long long)s->ints.ref_len,
                           (unsigned long long)s->ints.port_len);
        if (s->ints.n_hunks) parity__buf_puts(b, ": ");
        parity__buf_hunks(b, &s->ints);
    } else if (s->ints_differ) {
        parity__buf_printf(b, "ids differ at %llu of %llu positions",
                           (unsigned long long)s->ints.n_differ,
                           (unsigned long long)s->ints.n_compared);
    } else if (!s->pair->layout_ok) {
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
        parity__trace_rel(t, b, s->diff.relative);
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
    put_name(b, parity_pair_name(s->pair), md);
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
    put_name(b, parity_pair_name(parity_walk_stage(t->w, (size_t)l)->pair), md);
}

void parity__trace_culprit_line(const parity__trace *t, parity_buf *b, int md) {
    long c = parity_walk_culprit(t->w);
    parity__buf_puts(b, "Culprit: ");
    if (c < 0) {
        parity__buf_puts(b, "none");
        return;
    }
    if (parity_walk_blame_rule(t->w, NULL) == PARITY_BLAME_DATAFLOW) {
        parity__trace_flow_culprit(t, b, md);
        return;
    }
    const parity_stage *s = parity_walk_stage(t->w, (size_t)c);
    double rel = parity_stage_relative(parity_walk_stage(t->w, (size_t)c));
    put_name(b, parity_pair_name(s->pair), md);
    parity__buf_puts(b, ": ");
    put_stage_error(t, b, (size_t)c);
    if (s->base < 0) {
        parity__buf_puts(b, c == 0 ? " (the first stage)" : " (no stage before it was measured)");
        culprit_preferred(t, b, c, md);
        return;
    }
    double prev = parity_stage_relative(parity_walk_stage(t->w, (size_t)s->base));
    if (isfinite(s->jump)) parity__buf_printf(b, ", %s%.3g over ", times(t->r), s->jump);
    else parity__buf_puts(b, ", the first break after ");
    put_name(b, parity_pair_name(parity_walk_stage(t->w, (size_t)s->base)->pair), md);
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
    if (parity_set_order_recorded(t->ref)) return;
    if (parity_set_order_source(t->ref) == PARITY_ORDER_FILE)
        parity__buf_printf(b,
                           "Note: the order is the file's own order (a PyTorch state dict's "
                           "keys): %s records no execution order (no parity.order metadata, "
                           "no index.json)",
                           parity_set_path(t->ref));
    else
        parity__buf_printf(b,
                           "Note: the order is natural name order (step2 before step10): "
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
        put_name(b, parity_pair_name(parity_walk_stage(t->w, (size_t)s->x0)->pair), md);
        parity__buf_puts(b, ")");
    }
}

/* Why row i of schedule s has no dt (text, Markdown and HTML share it),
 * indexed by parity_step_status; PARITY_STEP_OK has nothing to say. The
 * one-sided statuses name the side (labels) that has the step. */
static const char *const step_notes[] = {
    NULL,
    "no initial state (mark the noise as an input or pass --x0)",
    "the state before this step is not traced",
    "the state after this step is not traced",
    "states and velocity differ in shape",
    "the velocity is zero",
    "only in ",
    "only in ",
};
_Static_assert(sizeof step_notes / sizeof *step_notes == PARITY_STEP_ONLY_PORT + 1,
               "one note per parity_step_status");

void parity__trace_step_note(const parity_schedule *s, parity_buf *b, size_t i,
                             const char *const labels[2]) {
    unsigned st = (unsigned)s->status[i];
    if (st > PARITY_STEP_ONLY_PORT || !step_notes[st]) return;
    parity__buf_puts(b, step_notes[st]);
    if (st >= PARITY_STEP_ONLY_REF) parity__buf_puts(b, labels[st == PARITY_STEP_ONLY_PORT]);
}

void parity__trace_within(parity_buf *b, parity_dtype precision, double tol, const char *what) {
    if (tol <= 1e-4) return;
    parity__buf_printf(b, " within %s rounding (%s within %.2g%% of the largest)",
                       parity_dtype_name(precision), what, 100 * tol);
}

static int one_sided(const parity_schedule *s, size_t i) {
    return s->status[i] == PARITY_STEP_ONLY_REF || s->status[i] == PARITY_STEP_ONLY_PORT;
}

/* The first row both sides traced whose dt differ beyond s->tol of the
 * largest |dt| (or is unknown on one side only), or -1. One-sided rows
 * are not compared here: they differ by being one-sided. */
static long first_dt_difference(const parity_schedule *s) {
    double scale = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (one_sided(s, i)) continue;
        if (fabs(s->dt_ref[i]) > scale) scale = fabs(s->dt_ref[i]);
        if (fabs(s->dt_port[i]) > scale) scale = fabs(s->dt_port[i]);
    }
    for (size_t i = 0; i < s->n; i++) {
        double a = s->dt_ref[i], b = s->dt_port[i];
        if (one_sided(s, i) || (isnan(a) && isnan(b))) continue;
        if (!(fabs(a - b) <= s->tol * scale)) return (long)i;
    }
    return -1;
}

int parity__trace_schedule_differs(const parity_schedule *s) {
    for (size_t i = 0; i < s->n; i++)
        if (one_sided(s, i)) return 1;
    return s->steps_ref != s->steps_port || first_dt_difference(s) >= 0;
}

/* ", k=10 only in ref" for the rows of one status, nothing when none. */
static void one_sided_ks(const parity_schedule *s, parity_buf *b, parity_step_status st,
                         const char *label, const char **sep) {
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->status[i] != st) continue;
        if (m++ == 0)
            parity__buf_printf(b, "%sk=", *sep);
        else
            parity__buf_puts(b, ",");
        parity__buf_printf(b, "%lld", (long long)s->k[i]);
    }
    if (m) parity__buf_printf(b, " only in %s", label);
    if (m) *sep = ", ";
}

void parity__trace_schedule_verdict(const parity_schedule *s, parity_buf *b,
                                    const char *const labels[2]) {
    long at = first_dt_difference(s);
    if (!parity__trace_schedule_differs(s)) {
        parity__buf_puts(b, "The schedules agree");
        parity__trace_within(b, s->precision, s->tol, "dt");
        parity__buf_puts(b, ".");
        return;
    }
    parity__buf_puts(b, "The schedules differ: ");
    if (s->steps_ref != s->steps_port || at < 0) {
        const char *sep = " (";
        parity__buf_printf(b, "%s has %zu step%s, %s %zu", labels[0], s->steps_ref,
                           s->steps_ref == 1 ? "" : "s", labels[1], s->steps_port);
        one_sided_ks(s, b, PARITY_STEP_ONLY_REF, labels[0], &sep);
        one_sided_ks(s, b, PARITY_STEP_ONLY_PORT, labels[1], &sep);
        if (sep[0] == ',') parity__buf_puts(b, ")");
        if (at >= 0)
            parity__buf_printf(b, "; dt first differs at k=%lld: %.5f vs %.5f", (long long)s->k[at],
                               s->dt_ref[at], s->dt_port[at]);
        return;
    }
    parity__buf_printf(b, "first at k=%lld, dt %.5f vs %.5f", (long long)s->k[at], s->dt_ref[at],
                       s->dt_port[at]);
}

/* "t is unknown from step 2 on: step 1 has no dt." when a row before the
 * last leaves a side's time unknown; returns whether it wrote anything. */
int parity__trace_unknown_times(const parity__trace *t, parity_buf *b) {
    const parity_schedule *s = parity_walk_schedule(t->w);
    for (size_t i = 0; i + 1 < s->n; i++) {
        if (!isnan(s->t_ref[i + 1]) && !isnan(s->t_port[i + 1])) continue;
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
        parity__buf_printf(b, "%s%s: ", sep, parity__label(t->r, 1));
        put_name(b, p->port->name, 0);
        sep = "; ";
    }
    if (!md && p->layout_ok && s->diff.ref_zero) {
        parity__buf_printf(b, "%s%s all zeros: relative is ||d||", sep, parity__label(t->r, 0));
        sep = "; ";
    }
    if (s->kind == PARITY_PAIR_OVERLAP) {
        parity__buf_puts(b, sep);
        parity__buf_overlap(b, t->r, &s->overlap);
        sep = "; ";
    }
    if (s->kind == PARITY_PAIR_SEQUENCE && s->ints.n_hunks) {
        parity__buf_puts(b, sep);
        parity__buf_hunks(b, &s->ints);
        sep = "; ";
    }
    if (s->same_values) {
        parity__buf_printf(b, "%ssame values in another order (see parity explain)", sep);
        sep = "; ";
    }
    if (s->ints_differ) {
        parity__buf_printf(b, "%sintegers differ (parity diff shows where)", sep);
        sep = "; ";
    }
    const parity_blame *bl = parity_walk_blame(t->w, i);
    if (bl && bl->role != PARITY_ROLE_MATCH) {
        parity__buf_puts(b, sep);
        parity__trace_role_note(t, b, i, md);
    }
}

/* ---- blame (docs/trace.md, "Blame") ------------------------------------ */

/* A stage's name in blame sentences: a step pair's reads "name@k". */
const char *parity__trace_stage_name(const parity__trace *t, size_t i) {
    const parity_pair *p = parity_walk_stage(t->w, i)->pair;
    return p->ref_view.name ? p->ref_view.name : p->ref->name;
}

static const char *role_words[] = {"match", "introduces", "inherits", "unknown"};

const char *parity__trace_role_token(parity_role r) {
    return (unsigned)r < 4 ? role_words[r] : "?";
}

/* "a, b and c", at most max names then "and N more". */
static void put_stages(const parity__trace *t, parity_buf *b, const size_t *v, size_t n, size_t max,
                       int md) {
    for (size_t k = 0; k < n && k < max; k++) {
        parity__buf_puts(b, k == 0 ? "" : k + 1 == n ? " and " : ", ");
        put_name(b, parity__trace_stage_name(t, v[k]), md);
    }
    if (n > max) parity__buf_printf(b, " and %zu more", n - max);
}

static void put_names(parity_buf *b, const char *const *v, size_t n, size_t max, int md) {
    for (size_t k = 0; k < n && k < max; k++) {
        parity__buf_puts(b, k == 0 ? "" : k + 1 == n ? " and " : ", ");
        put_name(b, v[k], md);
    }
    if (n > max) parity__buf_printf(b, " and %zu more", n - max);
}

void parity__trace_role_note(const parity__trace *t, parity_buf *b, size_t i, int md) {
    const parity_blame *bl = parity_walk_blame(t->w, i);
    if (!bl) return;
    if (bl->role == PARITY_ROLE_INTRODUCES) {
        parity__buf_puts(b, "introduces");
        if (bl->amplified)
            parity__buf_printf(b, " (%s%.3g over its inputs)", times(t->r), bl->jump);
    } else if (bl->role == PARITY_ROLE_INHERITS) {
        parity__buf_puts(b, "inherits from ");
        put_stages(t, b, bl->from, bl->n_from, 3, md);
    } else if (bl->role == PARITY_ROLE_UNKNOWN) {
        parity__buf_puts(b, "cannot tell: ");
        put_names(b, bl->missing, bl->n_missing, 3, md);
        parity__buf_puts(b, " not compared");
    }
}

static size_t count_role(const parity__trace *t, parity_role r) {
    size_t n = 0;
    for (size_t i = 0; i < t->n_stages; i++) {
        const parity_blame *bl = parity_walk_blame(t->w, i);
        n += bl && bl->role == r;
    }
    return n;
}

void parity__trace_blame_line(const parity__trace *t, parity_buf *b) {
    int side;
    if (parity_walk_blame_rule(t->w, &side) == PARITY_BLAME_ORDER) {
        parity__buf_puts(b, "Blame by execution order: no data flow recorded (each stage is "
                            "compared with the stage before it)");
        return;
    }
    size_t in = count_role(t, PARITY_ROLE_INTRODUCES), inh = count_role(t, PARITY_ROLE_INHERITS);
    size_t unk = count_role(t, PARITY_ROLE_UNKNOWN);
    parity__buf_printf(b, "Blame by data flow (the parents recorded in %s",
                       parity__label(t->r, side));
    if (side == 1) parity__buf_printf(b, "; %s records none", parity__label(t->r, 0));
    parity__buf_printf(b, "): %zu stage%s introduce%s an error, %zu inherit%s it", in,
                       in == 1 ? "" : "s", in == 1 ? "s" : "", inh, inh == 1 ? "s" : "");
    if (unk) parity__buf_printf(b, ", %zu cannot tell", unk);
}

/* What the culprit was judged against, after "introduces the error". */
static void culprit_inputs(const parity__trace *t, parity_buf *b, size_t c, int md) {
    const parity_blame *bl = parity_walk_blame(t->w, c);
    if (bl->n_through) { /* its inputs carry error, less than it has */
        int differ = bl->amplified;
        parity__buf_printf(b, ": %s%.3g over %s ", times(t->r), bl->jump,
                           differ ? "the error of"
                                  : "what carries error below the MATCH "
                                    "tolerance into it,");
        put_stages(t, b, bl->through, bl->n_through, 3, md);
        parity__buf_puts(b, differ ? ", more than amplification accounts for" : "");
    } else if (bl->via == PARITY_VIA_INPUTS && parity__trace_is_input(t, c)) {
        parity__buf_puts(b, ": a model input");
    } else if (!bl->n_parents) {
        parity__buf_puts(b, ": it has no recorded parents, and no model input differs");
    } else {
        parity__buf_puts(b, bl->n_parents > 1 ? ": its inputs match (" : ": its input matches (");
        put_stages(t, b, bl->parents, bl->n_parents, 3, md);
        parity__buf_puts(b, ")");
    }
    if (bl->n_parents && bl->n_past) { /* the error may come from these */
        parity__buf_puts(b, ", through ");
        put_names(b, bl->past, bl->n_past, 3, md);
        parity__buf_puts(b, ", not compared");
    }
}

void parity__trace_flow_culprit(const parity__trace *t, parity_buf *b, int md) {
    long c = parity_walk_culprit(t->w);
    const parity_blame *bl = parity_walk_blame(t->w, (size_t)c);
    put_name(b, parity__trace_stage_name(t, (size_t)c), md);
    parity__buf_puts(b, ": ");
    put_stage_error(t, b, (size_t)c);
    if (bl->role == PARITY_ROLE_UNKNOWN) {
        parity__buf_puts(b, "; cannot tell whether it introduces the error: ");
        put_names(b, bl->missing, bl->n_missing, 3, md);
        parity__buf_puts(b, bl->n_missing > 1 ? " are not compared" : " is not compared");
        return;
    }
    parity__buf_puts(b, ", introduces the error");
    culprit_inputs(t, b, (size_t)c, md);
}

int parity__trace_also_line(const parity__trace *t, parity_buf *b, int md) {
    const size_t *c = NULL;
    size_t n = parity_walk_culprits(t->w, &c), k = 0, u = 0;
    if (parity_walk_blame_rule(t->w, NULL) != PARITY_BLAME_DATAFLOW || n < 2) return 0;
    while (k < n && parity_walk_blame(t->w, c[k])->role == PARITY_ROLE_INTRODUCES) k++;
    u = n - k;
    if (k > 1) {
        parity__buf_printf(b, "Also introduce%s an error: ", k == 2 ? "s" : "");
        put_stages(t, b, c + 1, k - 1, 8, md);
    }
    if (u > (k == 0)) {
        const size_t *v = c + k + (k == 0);
        size_t m = u - (k == 0);
        parity__buf_printf(
            b, "%sCannot tell whether %s introduce%s an error (an input not compared): ",
            k > 1 ? "\n" : "", m == 1 ? "this stage" : "these stages", m == 1 ? "s" : "");
        put_stages(t, b, v, m, 8, md);
    }
    return 1;
}

/* "a -> b (introduces) -> c (inherits) -> ... (21 more) ... -> z (match)":
 * every link but the first (the culprit's input) with its role; when the
 * path is longer than max links, its middle is left out. */
int parity__trace_path_line(const parity__trace *t, parity_buf *b, size_t max, int md) {
    const size_t *p = NULL;
    size_t n = parity_walk_path(t->w, &p), head = max > 4 ? max - 3 : max;
    const char *arrow = t->r->o.unicode ? " \u2192 " : " -> ";
    if (n < 2) return 0;
    parity__buf_puts(b, "Path: ");
    for (size_t k = 0; k < n; k++) {
        if (n > max && k == head) {
            parity__buf_printf(b, "%s... (%zu more)", arrow, n - max);
            k = n - (max - head);
        }
        if (k) parity__buf_puts(b, arrow);
        put_name(b, parity__trace_stage_name(t, p[k]), md);
        const parity_blame *bl = parity_walk_blame(t->w, p[k]);
        if (k || bl->role != PARITY_ROLE_MATCH)
            parity__buf_printf(b, " (%s)", parity__trace_role_token(bl->role));
    }
    return 1;
}

int parity__trace_disagree_line(const parity__trace *t, parity_buf *b, int md) {
    const size_t *d = NULL;
    size_t n = parity_walk_flow_disagree(t->w, &d);
    int side;
    if (!n) return 0;
    parity_walk_blame_rule(t->w, &side);
    const parity_blame *bl = parity_walk_blame(t->w, d[0]);
    parity__buf_printf(b,
                       "Note: the data flow of %s differs from %s's at %zu stage%s (blame "
                       "follows %s's): ",
                       parity__label(t->r, 1 - side), parity__label(t->r, side), n,
                       n == 1 ? "" : "s", parity__label(t->r, side));
    put_name(b, parity__trace_stage_name(t, d[0]), md);
    parity__buf_printf(b, " is computed from ");
    if (bl->n_parents)
        put_stages(t, b, bl->parents, bl->n_parents, 4, md);
    else
        parity__buf_puts(b, "nothing recorded");
    parity__buf_printf(b, " in %s, from ", parity__label(t->r, side));
    if (bl->n_other)
        put_stages(t, b, bl->other, bl->n_other, 4, md);
    else
        parity__buf_puts(b, "nothing recorded");
    parity__buf_printf(b, " in %s", parity__label(t->r, 1 - side));
    if (n > 1) {
        parity__buf_puts(b, "; also ");
        put_stages(t, b, d + 1, n - 1, 4, md);
    }
    return 1;
}

static const parity_tensor *stacked_of(const parity_pair *p) {
    return p->step_side == 0 ? p->ref : p->port;
}

size_t parity__trace_step_run_end(const parity__trace *t, size_t i) {
    const parity_pair *p = parity_walk_stage(t->w, i)->pair;
    size_t j = i + 1;
    if (p->step < 0) return j;
    while (j < t->n_stages && parity_walk_stage(t->w, j)->pair->step >= 0 &&
           stacked_of(parity_walk_stage(t->w, j)->pair) == stacked_of(p))
        j++;
    return j;
}

size_t parity__trace_step_run_worst(const parity__trace *t, size_t i, size_t j, long *first) {
    size_t worst = i;
    *first = -1;
    for (size_t k = i; k < j; k++) {
        const parity_stage *s = parity_walk_stage(t->w, k);
        const parity_stage *w = parity_walk_stage(t->w, worst);
        if (*first < 0 && s->diff.verdict != PARITY_MATCH) *first = (long)k;
        if (s->diff.verdict > w->diff.verdict ||
            (s->diff.verdict == w->diff.verdict &&
             parity_stage_relative(s) > parity_stage_relative(w)))
            worst = k;
    }
    return worst;
}

