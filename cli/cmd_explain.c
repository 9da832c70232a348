/*
 * cmd_explain.c — parity explain REF PORT [-t NAME] [--axis K] [--domain D]
 * [--format text|json|md]: name the transformation that maps the reference to
 * the port (docs/explain.md), ranked by evidence.
 *
 * The stage's input (--input NAME, else its recorded parent, else the
 * previous stage in execution order) lets the library name the operation
 * variant; the reference trace is the context of the wiring search.
 * With -t NAME (repeatable) the named tensors are explained (NAME@k a
 * position of a series, the tensor holding them all its worst position:
 * explain_pick.c). Without it the traces are walked (docs/trace.md): when
 * the reference has an execution order, the first divergence and the
 * culprit are explained; otherwise every tensor that is not MATCH. Every line is rendered by the library
 * (parity_explain_render_item). Exit 0 when nothing differs, 1 on
 * differences, 2 on trouble.
 */
#include "options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print one rendered string; 0 or 2. */
static int emit_owned(char *s) {
    int rc = cli_emit(s);
    parity_free(s);
    return rc;
}

static int usable(const parity_pair *q) {
    return q && q->layout_ok && parity_pair_kind_of(q) == PARITY_PAIR_FLOAT;
}

/* An input the stage can be fitted on: its elements as many as the
 * stage's (parity_explain_tensors brings a layout that differs, a
 * channels-last input of a channels-first norm, to the stage's). */
static int same_count(const parity_tensor *a, const parity_tensor *b) {
    return a->count == b->count;
}

/* The stage's input pair: --input NAME, else the first recorded parent of
 * the stage's size, else (when the reference has an execution order) the
 * previous stage if it has that size; NULL when none. The operation fits
 * need an input of the stage's size, in its shape or another layout. A model input is computed from
 * nothing: the stage before it in the order (another model input) is no
 * input of it, and whether that one differs says nothing about it. */
static const parity_pair *pick_input(const cli_opts *o, const parity_set *ref,
                                     const parity_match *m, const parity_pair *p,
                                     parity_input_source *src) {
    if (o->input) return *src = PARITY_INPUT_GIVEN, cli_explain_find(m, o->input, p->step);
    if (p->ref->is_input || p->port->is_input) return NULL;
    long at = parity_set_find(ref, p->ref->name);
    const char *const *names = NULL;
    size_t np = at >= 0 ? parity_set_parents(ref, (size_t)at, &names) : 0;
    for (size_t k = 0; k < np; k++) {
        const parity_pair *c = cli_explain_find(m, names[k], p->step);
        if (usable(c) && same_count(&c->ref_view, &p->ref_view)) return *src = PARITY_INPUT_PARENT, c;
    }
    if (np > 0 || !parity_set_order_recorded(ref)) return NULL;
    const parity_pair *q = cli_explain_previous(m, p);
    if (!q) return NULL;
    *src = PARITY_INPUT_PREVIOUS;
    return usable(q) && same_count(&q->ref_view, &p->ref_view) ? q : NULL;
}

/* 1 when pair q compares as a difference, 0 when MATCH, −1 on trouble. */
static int differs(const cli_opts *o, const parity_pair *q) {
    parity_comparison c;
    parity_error err = {0};
    parity_diff_opts dopts = o->diff;
    dopts.n_axes = 0;
    parity_status st = parity_compare_pair(q, &dopts, &c, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, q->ref->name, st), -1;
    int d = c.verdict != PARITY_MATCH;
    parity_comparison_clear(&c);
    return d;
}

/* Whether the stage's inputs differ (1) or match (2): its recorded
 * parents, every one compared, else the input picked; 0 unknown. */
static int inputs_state(const cli_opts *o, const parity_set *ref, const parity_match *m,
                        const parity_pair *p, const parity_pair *q) {
    long at = parity_set_find(ref, p->ref->name);
    const char *const *names = NULL;
    size_t np = at >= 0 ? parity_set_parents(ref, (size_t)at, &names) : 0;
    int state = 0;
    for (size_t k = 0; k < np; k++) {
        const parity_pair *c = cli_explain_find(m, names[k], p->step);
        int d = c && c->layout_ok ? differs(o, c) : 0;
        if (d < 0) return -1;
        if (c && c->layout_ok) state = d || state == 1 ? 1 : 2;
    }
    if (state || !q) return state;
    int d = differs(o, q);
    return d < 0 ? -1 : d ? 1 : 2;
}

/* The explain options of pair p: the input and its state, the context. */
static int input_opts(const cli_opts *o, const parity_set *ref, const parity_match *m,
                      const parity_pair *p, parity_explain_opts *eo) {
    parity_input_source src = PARITY_INPUT_NONE;
    const parity_pair *q = pick_input(o, ref, m, p, &src);
    eo->context = ref;
    if (o->input && !q) {
        char why[512];
        cli_name_unpaired(m, o->input, o->report.labels, why, sizeof why);
        return cli_fail("explain: --input: no tensor '%s' on both sides%s%s", o->input,
                        why[0] ? ": " : "", why);
    }
    if (q == p) q = NULL;
    int state = inputs_state(o, ref, m, p, q);
    if (state < 0) return 2;
    eo->inputs_state = state;
    if (!q) return 0;
    eo->input_ref = &q->ref_view, eo->input_port = &q->port_view;
    eo->input_name = q->ref->name, eo->input_source = src;
    return 0;
}

/* When stage i of walk w inherits its error by the data flow
 * (docs/trace.md, "Blame"), the note saying where it comes from
 * (parity_free); NULL otherwise. Its error is then no rounding of its own:
 * its inputs differ, and "precision only" is dropped from the result. */
static char *inherited(const parity_walk *w, long i) {
    return w && i >= 0 ? parity_walk_inherited_note(w, (size_t)i) : NULL;
}

/* "a\nb", either alone when the other is NULL; malloc'd (free), NULL when
 * both are NULL or out of memory. */
static char *join_lines(const char *a, const char *b) {
    size_t na = a ? strlen(a) : 0, nb = b ? strlen(b) : 0;
    char *s = a || b ? malloc(na + nb + 2) : NULL;
    if (s) snprintf(s, na + nb + 2, "%s%s%s", a ? a : "", a && b ? "\n" : "", b ? b : "");
    return s;
}

/* Explain pair p (of comparison kind kind; stage i of walk w, or -1) as
 * item it and print it; note_if_none is the item's note when no simple
 * transformation explains the difference, it->note on entry (or NULL) a
 * note that comes first (which position of a series this is). */
static int explain_pair(const cli_opts *o, const parity_set *ref, const parity_match *m,
                        const parity_pair *p, parity_pair_kind kind, const parity_walk *w,
                        long i, parity_explain_item *it, const char *note_if_none) {
    parity_explain_opts eo = parity_explain_opts_default();
    parity_explain_result res;
    parity_error err = {0};
    it->name = parity_pair_name(p); /* a position of a series: "name@k" */
    it->what = kind == PARITY_PAIR_SHAPES  ? PARITY_EXPLAIN_SHAPES
               : kind == PARITY_PAIR_FLOAT ? PARITY_EXPLAIN_FITTED
                                           : PARITY_EXPLAIN_INTEGERS;
    if (it->what != PARITY_EXPLAIN_FITTED)
        return emit_owned(parity_explain_render_item(it, o->report.format));
    eo.domain = o->diff.domain;
    eo.progress = o->diff.progress;
    cli_progress_phase("explaining %s", it->name);
    if (o->diff.n_axes > 0) {
        int k = o->diff.axes[0], nd = p->ref_view.ndim;
        if (k < -nd || k >= nd) return cli_fail("explain: %s: --axis %d out of range", it->name, k);
        eo.axis = k < 0 ? k + nd : k;
    }
    if (input_opts(o, ref, m, p, &eo)) return 2;
    /* the first divergence of a walk whose model inputs are equal: every
     * stage before it matches, its inputs too */
    if (note_if_none && eo.inputs_state == 0) eo.inputs_state = 2;
    char *note = inherited(w, i);
    if (note) eo.inputs_state = 1; /* the data flow says its inputs differ */
    parity_status st = parity_explain_pair(p, &eo, &res, &err);
    if (st != PARITY_OK) parity_free(note);
    if (st != PARITY_OK) return cli_fail_err(&err, it->name, st);
    if (note && !parity_explain_inherited(&res)) /* its own storage rounding explains it */
        parity_free(note), note = NULL;
    it->res = &res;
    const char *more = note ? note : res.none_explains && !res.identical ? note_if_none : NULL;
    char *notes = join_lines(it->note, more);
    it->note = notes;
    int rc = emit_owned(parity_explain_render_item(it, o->report.format));
    parity_explain_clear(&res);
    parity_free(note);
    free(notes);
    return rc;
}

/* Compare p as parity diff does (--atol/--rtol, --match-tol, --max-db;
 * integers: equal or not); --axis is for the fits, not the verdict. */
static int compare(const cli_opts *o, const parity_pair *p, parity_comparison *c) {
    parity_error err = {0};
    parity_diff_opts dopts = o->diff;
    dopts.n_axes = 0;
    parity_status st = parity_compare_pair(p, &dopts, c, &err);
    return st == PARITY_OK ? 0 : cli_fail_err(&err, p->ref->name, st);
}

/* The walk's options: the pairing and verdicts of the command line. */
static parity_walk_opts walk_opts(const cli_opts *o) {
    parity_walk_opts wo = parity_walk_opts_default();
    wo.match = o->match;
    wo.diff = o->diff;
    wo.diff.n_axes = 0; /* --axis is for the fits, not for the walk's verdicts */
    wo.inputs_glob = o->inputs_glob;
    return wo;
}

/* The walk stage of pair p, or -1. */
static long stage_of(const parity_walk *w, const parity_pair *p) {
    for (size_t i = 0; w && i < parity_walk_stage_count(w); i++)
        if (parity_walk_stage(w, i)->pair == p) return (long)i;
    return -1;
}

static int explain_named(const cli_opts *o, const parity_set *ref, const parity_set *port) {
    parity_error err = {0};
    parity_match *own = NULL;
    parity_walk *w = NULL; /* with data flow: whose error is inherited */
    parity_walk_opts wo = walk_opts(o);
    parity_status st = parity_set_has_dataflow(ref) || parity_set_has_dataflow(port)
                           ? parity_walk_run(ref, port, &wo, &w, &err)
                           : parity_match_sets(ref, port, &o->match, &own, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    const parity_match *m = w ? parity_walk_match(w) : own;
    parity_diff_opts dopts = o->diff;
    dopts.n_axes = 0; /* --axis is for the fits, not the verdicts */
    int rc = 0, differs = 0;
    for (int i = 0; rc == 0 && i < o->n_tensors; i++) {
        const parity_pair *p = cli_explain_find(m, o->tensors[i], -1);
        parity_comparison c;
        char series[160] = "";
        if (!p) {
            char why[512];
            cli_name_unpaired(m, o->tensors[i], o->report.labels, why, sizeof why);
            rc = cli_fail("explain: no tensor '%s' on both sides%s%s", o->tensors[i],
                          why[0] ? ": " : "", why);
            break;
        }
        /* the tensor that holds every position of a series: its worst
         * position (a member, "name#k" or "name@k", is that position) */
        const parity_tensor *all = p->step_side == 0 ? p->ref : p->port;
        if (p->step >= 0 && strcmp(all->name, o->tensors[i]) == 0 &&
            (rc = cli_explain_worst(m, &dopts, &p, &differs, series, sizeof series)))
            break;
        rc = compare(o, p, &c);
        if (rc) break;
        differs |= c.verdict != PARITY_MATCH;
        parity_explain_item it = {NULL, PARITY_EXPLAIN_FITTED, NULL, NULL, series[0] ? series : NULL, 0};
        rc = explain_pair(o, ref, m, p, c.kind, w, stage_of(w, p), &it, NULL);
        parity_comparison_clear(&c);
    }
    parity_match_free(own);
    parity_walk_free(w);
    return rc ? rc : differs;
}

/* Inputs equal, first stage to differ, no map from r to p: the stage
 * computes differently (its weights, their layout, its formula), which its
 * output alone cannot name. */
static const char *const inputs_match_note =
    "its inputs match: the stage itself computes differently (weights, their\n"
    "layout, or the formula); dump the weights each side uses and explain\n"
    "them (parity explain REF_WEIGHTS PORT_WEIGHTS) to name a layout";

/* The stage's role in the walk, or NULL. */
static const char *role_of(long i, long first, long culprit, int ordered) {
    if (!ordered) return NULL;
    if (i == first) return first == culprit ? "First divergence (also the culprit)"
                                            : "First divergence";
    return i == culprit ? "Culprit" : NULL;
}

/* Explain stage i of the walk; the note follows when nothing fits the
 * first divergence and the inputs are equal. */
static int explain_stage(const cli_opts *o, const parity_set *ref, const parity_walk *w, size_t i,
                         int ordered) {
    const parity_stage *s = parity_walk_stage(w, i);
    long first = parity_walk_first_divergence(w), culprit = parity_walk_culprit(w);
    parity_explain_item it = {NULL, PARITY_EXPLAIN_FITTED, NULL,
                              role_of((long)i, first, culprit, ordered), NULL, 1};
    int equal_inputs = !parity_walk_inputs_differ(w, NULL);
    return explain_pair(o, ref, parity_walk_match(w), s->pair, s->kind, w, (long)i, &it,
                        (long)i == first && equal_inputs ? inputs_match_note : NULL);
}

/* The stages to explain: first divergence and culprit when the reference
 * has an execution order, else every stage that is not MATCH. */
static int explain_walk(const cli_opts *o, const parity_set *ref, const parity_set *port) {
    parity_walk_opts wo = walk_opts(o);
    parity_walk *w = NULL;
    parity_error err = {0};
    parity_status st = parity_walk_run(ref, port, &wo, &w, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    long first = parity_walk_first_divergence(w), culprit = parity_walk_culprit(w);
    int ordered = parity_set_order_recorded(ref);
    const parity_match *m = parity_walk_match(w);
    if (parity_match_count(m) == 0) { /* nothing compared: never a success */
        parity_report *r = parity_report_new(&o->report);
        int rc = r ? cli_emit(parity_report_nothing_compared(r, m, "stage"))
                   : cli_fail("out of memory");
        parity_report_free(r);
        parity_walk_free(w);
        return rc ? rc : 1;
    }
    int rc = first < 0 ? emit_owned(parity_explain_render_nothing(o->report.format)) : 0;
    for (size_t i = 0; rc == 0 && first >= 0 && i < parity_walk_stage_count(w); i++) {
        const parity_stage *s = parity_walk_stage(w, i);
        int pick = ordered ? ((long)i == first || (long)i == culprit)
                           : s->diff.verdict != PARITY_MATCH;
        if (pick) rc = explain_stage(o, ref, w, i, ordered);
    }
    int differs = parity_walk_differs(w);
    parity_walk_free(w);
    return rc ? rc : differs;
}

int cmd_explain(const cli_verb *v, int argc, char **argv) {
    cli_opts o;
    parity_set *sides[2];
    if (cli_parse(v, argc, argv, &o)) return 2;
    if (o.help) return cli_verb_help(v);
    int rc = cli_open_sides(&o, o.pos, 2, sides);
    if (rc == 0)
        rc = o.n_tensors > 0 ? explain_named(&o, sides[0], sides[1])
                             : explain_walk(&o, sides[0], sides[1]);
    rc = cli_close_sides(sides, 2, rc);
    return cli_flush(rc);
}
