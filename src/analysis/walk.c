/*
 * walk.c — the ordered walk of two traces (docs/trace.md): every paired stage in
 * reference execution order with its metrics, inputs compared first, the
 * first divergence, and the culprit: the stage whose error jumps most over
 * its predecessor's, i.e. the stage that introduces error rather than
 * passing it on.
 *
 *   jump_i = relative_i / max(relative_{i-1}, floor)
 *
 * floor (default 1e-6, about what float32 rounding reaches after a few
 * layers) keeps a jump from 0 to 1e-7 from looking like a catastrophe.
 * A defect in a module called at every ODE step jumps by about the same
 * factor at each call; the culprit is then its first call (see locate).
 * That is the rule by execution order; when a trace records data flow,
 * blame.c judges each stage against its own inputs and names the culprit.
 */
#include "internal.h"
#include "analysis/walk_internal.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

parity_walk_opts parity_walk_opts_default(void) {
    parity_walk_opts o;
    memset(&o, 0, sizeof o);
    o.diff = parity_diff_opts_default();
    o.state_glob = "*.x";
    o.velocity_glob = "*.dxdt";
    o.cond_glob = "*.v_cond";
    o.uncond_glob = "*.v_uncond";
    o.jump_floor = 1e-6;
    return o;
}

static int is_input(const parity_walk *w, const parity_pair *p) {
    const char *g = w->opts.inputs_glob;
    if (p->ref->is_input || p->port->is_input) return 1;
    return g && fnmatch(g, p->ref->name, 0) == 0;
}

/* Inputs must be identical: any difference at all (not just beyond the
 * MATCH tolerance) puts every later stage on unequal footing. */
static int input_differs(const parity_stage *s) {
    const parity_diff *d = &s->diff;
    if (!s->pair->layout_ok || s->ints_differ) return 1;
    return d->abs_max != 0 || d->nonfinite_ref_only || d->nonfinite_port_only ||
           d->nonfinite_differ;
}

static parity_status diff_stages(parity_walk *w, parity_error *err) {
    size_t n = parity_match_count(w->match);
    w->stages = calloc(n ? n : 1, sizeof *w->stages);
    w->inputs_differ = calloc(n ? n : 1, sizeof *w->inputs_differ);
    FAIL_IF(!w->stages || !w->inputs_differ, err, PARITY_E_NOMEM,
            PARITY_NO_OFFSET, "out of memory");
    /* Inputs first (docs/trace.md), then the rest, each group in order. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const parity_pair *p = parity_match_pair(w->match, i);
            if (is_input(w, p) != (pass == 0)) continue;
            parity__progress(&w->opts.diff.progress, PARITY_PROGRESS_STAGES, w->n_stages, n);
            parity_stage *s = &w->stages[w->n_stages++];
            parity_comparison c;
            s->pair = p;
            TRY(parity_compare_pair(p, &w->opts.diff, &c, err));
            s->kind = c.kind;
            s->diff = c.diff; /* the stage owns the profiles now */
            s->ints_differ = c.kind == PARITY_PAIR_INT && !c.ints.equal;
            s->ints = c.ints;
            s->overlap = c.overlap;
            s->same_values = c.same_values;
            if (pass == 0) w->n_inputs++;
            if (pass == 0 && input_differs(s))
                w->inputs_differ[w->n_inputs_differ++] = w->n_stages - 1;
        }
    }
    return PARITY_OK;
}

/* Inputs marked on one side whose partner is missing. */
static parity_status missing_inputs(parity_walk *w, parity_error *err) {
    for (int side = 0; side < 2; side++) {
        size_t n = parity_match_unpaired_count(w->match, side);
        for (size_t i = 0; i < n; i++) {
            const parity_tensor *t = parity_match_unpaired(w->match, side, i);
            if (!t->is_input) continue;
            const char **p = realloc(w->missing, (w->n_missing + 1) * sizeof *p);
            FAIL_IF(!p, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
            w->missing = p;
            w->missing[w->n_missing++] = t->name;
        }
    }
    return PARITY_OK;
}

int parity_walk_differs(const parity_walk *w) {
    if (parity_match_count(w->match) == 0) return 1; /* nothing compared */
    if (w->first >= 0 || w->n_inputs_differ || w->n_missing) return 1;
    return parity_match_unpaired_count(w->match, 0) + parity_match_unpaired_count(w->match, 1) > 0;
}

/* A later call of the module that jumps most may outdo its first call by
 * up to this factor and the first call is still named (see locate). */
#define CULPRIT_SLACK 2.0

/* Does some series hold both stages a and b? Returns it, or NULL. */
static const parity_series *shared_series(const parity_walk *w, size_t a, size_t b) {
    for (size_t i = 0; i < w->n_series; i++) {
        const parity_series *s = &w->series[i];
        int has_a = 0, has_b = 0;
        for (size_t j = 0; j < s->n; j++) {
            has_a |= s->stage[j] == a;
            has_b |= s->stage[j] == b;
        }
        if (has_a && has_b) return s;
    }
    return NULL;
}

/* Jumps, the first divergence, the largest jump and the culprit. The
 * culprit is the stage with the largest jump (docs/trace.md), except that a
 * defect in a module called at every step jumps by about the same factor
 * at each call, and then its first call is where the error starts: when
 * an earlier member of a series holding the largest jump, itself not
 * MATCH, jumps within CULPRIT_SLACK of it, the earliest such member is the
 * culprit (w->culprit_series names the series). */
static void locate(parity_walk *w) {
    double floor = w->opts.jump_floor > 0 ? w->opts.jump_floor : 1e-6;
    double best = -1, prev = 0;
    long unmeasured = -1, base_stage = -1; /* the first unmeasured divergence; */
                                           /* the last measured stage         */
    w->first = w->culprit = w->largest = -1;
    w->culprit_series = NULL;
    for (size_t i = 0; i < w->n_stages; i++) {
        parity_stage *s = &w->stages[i];
        double rel = parity_stage_relative(s), base = isnan(prev) || prev < floor ? floor : prev;
        int measured = s->kind != PARITY_PAIR_SHAPES; /* integer sequences count */
        /* A stage no layout reconciles has no error to measure: it neither
         * jumps nor hides the jump of the stage after it, whose jump counts
         * from the last measured stage (a scramble after it is found). */
        s->jump = !measured ? NAN : isinf(rel) && isinf(base) ? 1 : rel / base;
        s->base = base_stage;
        if (measured) prev = rel, base_stage = (long)i;
        if (s->diff.verdict == PARITY_MATCH) continue;
        if (w->first < 0) w->first = (long)i;
        if (!measured && unmeasured < 0) unmeasured = (long)i;
        if (measured && s->jump > best) {
            best = s->jump;
            w->largest = (long)i;
        }
    }
    if (w->largest < 0) w->largest = unmeasured; /* only unmeasured stages diverge */
    w->culprit = w->largest;
    for (long i = 0; i < w->largest; i++) {
        const parity_stage *s = &w->stages[i];
        if (s->diff.verdict == PARITY_MATCH || !(s->jump * CULPRIT_SLACK >= best)) continue;
        const parity_series *se = shared_series(w, (size_t)i, (size_t)w->largest);
        if (!se) continue;
        w->culprit = i;
        w->culprit_series = se;
        break;
    }
}

/* --inputs GLOB must name some tensor: a filter that selects nothing. */
static parity_status check_inputs_glob(const parity_set *ref, const parity_set *port,
                                       const char *glob, parity_error *err) {
    if (!glob) return PARITY_OK;
    parity_match_opts sel;
    memset(&sel, 0, sizeof sel);
    sel.only_globs[0] = glob;
    sel.n_only = 1;
    const parity_set *both[2] = {ref, port};
    parity_status st = parity_match_check_globs(&sel, both, 2, err);
    FAIL_IF(st != PARITY_OK, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "--inputs '%s' matches no tensor name of either side (a filter that selects "
            "nothing)", glob);
    return PARITY_OK;
}

parity_status parity_walk_run(const parity_set *ref, const parity_set *port,
                              const parity_walk_opts *opts, parity_walk **out,
                              parity_error *err) {
    *out = NULL;
    TRY(check_inputs_glob(ref, port, opts ? opts->inputs_glob : NULL, err));
    parity_walk *w = calloc(1, sizeof *w);
    FAIL_IF(!w, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    w->opts = opts ? *opts : parity_walk_opts_default();
    w->ref = ref;
    w->port = port;
    parity_status st = parity_match_sets(ref, port, &w->opts.match, &w->match, err);
    if (st == PARITY_OK) st = diff_stages(w, err);
    if (st == PARITY_OK) st = missing_inputs(w, err);
    if (st == PARITY_OK) st = parity__walk_series(w, err);
    if (st == PARITY_OK) locate(w);
    if (st == PARITY_OK) st = parity__walk_blame(w, err);
    if (st == PARITY_OK) st = parity__walk_solver(w, err);
    if (st != PARITY_OK) {
        parity_walk_free(w);
        return st;
    }
    *out = w;
    return PARITY_OK;
}

void parity_walk_free(parity_walk *w) {
    if (!w) return;
    for (size_t i = 0; i < w->n_stages; i++) parity_diff_clear(&w->stages[i].diff);
    for (size_t i = 0; i < w->n_series; i++) {
        free(w->series[i].stage);
        free(w->series[i].k);
    }
    parity__schedule_free(w->schedule);
    parity__guidance_free(w->guidance);
    parity__walk_blame_free(w);
    free(w->series);
    free(w->stages);
    free(w->inputs_differ);
    free(w->missing);
    parity_match_free(w->match);
    free(w);
}

const parity_match *parity_walk_match(const parity_walk *w) { return w->match; }
size_t parity_walk_stage_count(const parity_walk *w) { return w->n_stages; }
const parity_stage *parity_walk_stage(const parity_walk *w, size_t i) {
    return i < w->n_stages ? &w->stages[i] : NULL;
}
size_t parity_walk_inputs_differ(const parity_walk *w, const size_t **idx) {
    if (idx) *idx = w->inputs_differ;
    return w->n_inputs_differ;
}
size_t parity_walk_input_missing(const parity_walk *w, const char *const **names) {
    if (names) *names = w->missing;
    return w->n_missing;
}
long parity_walk_first_divergence(const parity_walk *w) { return w->first; }
long parity_walk_culprit(const parity_walk *w) { return w->culprit; }
long parity_walk_largest_jump(const parity_walk *w, const parity_series **series) {
    if (series) *series = w->culprit_series;
    return w->largest;
}
size_t parity_walk_series_count(const parity_walk *w) { return w->n_series; }
const parity_series *parity_walk_series(const parity_walk *w, size_t i) {
    return i < w->n_series ? &w->series[i] : NULL;
}
const parity_schedule *parity_walk_schedule(const parity_walk *w) {
    return w->schedule;
}
const parity_guidance *parity_walk_guidance(const parity_walk *w) {
    return w->guidance;
}
const parity_walk_opts *parity_walk_options(const parity_walk *w) { return &w->opts; }
