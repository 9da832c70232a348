/*
 * cmd_explain.c — parity explain REF PORT [-t NAME] [--axis K] [--domain D]
 * [--format text|json|md]: name the transformation that maps the reference to
 * the port (docs/explain.md), ranked by evidence.
 *
 * With -t NAME (repeatable) the named tensors are explained. Without it the
 * traces are walked (docs/trace.md): when the reference has an execution order,
 * the first divergence and the culprit are explained; otherwise every
 * tensor that is not MATCH. Every line is rendered by the library
 * (parity_explain_render_item). Exit 0 when nothing differs, 1 on
 * differences, 2 on trouble.
 */
#include "options.h"

#include <string.h>

/* Print one rendered string; 0 or 2. */
static int emit_owned(char *s) {
    int rc = cli_emit(s);
    parity_free(s);
    return rc;
}

/* Explain pair p (of comparison kind kind) as item it and print it;
 * note_if_none is the item's note when no simple transformation explains
 * the difference. */
static int explain_pair(const cli_opts *o, const parity_pair *p, parity_pair_kind kind,
                        parity_explain_item *it, const char *note_if_none) {
    parity_explain_opts eo = parity_explain_opts_default();
    parity_explain_result res;
    parity_error err = {0};
    it->name = p->ref->name;
    it->what = kind == PARITY_PAIR_SHAPES  ? PARITY_EXPLAIN_SHAPES
               : kind == PARITY_PAIR_FLOAT ? PARITY_EXPLAIN_FITTED
                                           : PARITY_EXPLAIN_INTEGERS;
    if (it->what != PARITY_EXPLAIN_FITTED)
        return emit_owned(parity_explain_render_item(it, o->report.format));
    eo.domain = o->diff.domain;
    if (o->diff.n_axes > 0) {
        int k = o->diff.axes[0], nd = p->ref_view.ndim;
        if (k < -nd || k >= nd) return cli_fail("explain: %s: --axis %d out of range", it->name, k);
        eo.axis = k < 0 ? k + nd : k;
    }
    parity_status st = parity_explain_pair(p, &eo, &res, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, it->name, st);
    it->res = &res;
    if (res.none_explains && !res.identical) it->note = note_if_none;
    int rc = emit_owned(parity_explain_render_item(it, o->report.format));
    parity_explain_clear(&res);
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

static const parity_pair *find_pair(const parity_match *m, const char *name) {
    for (size_t i = 0; i < parity_match_count(m); i++) {
        const parity_pair *p = parity_match_pair(m, i);
        if (strcmp(p->ref->name, name) == 0 || strcmp(p->port->name, name) == 0) return p;
    }
    return NULL;
}

static int explain_named(const cli_opts *o, const parity_set *ref, const parity_set *port) {
    parity_error err = {0};
    parity_match *m = NULL;
    parity_status st = parity_match_sets(ref, port, &o->match, &m, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    int rc = 0, differs = 0;
    for (int i = 0; rc == 0 && i < o->n_tensors; i++) {
        const parity_pair *p = find_pair(m, o->tensors[i]);
        parity_comparison c;
        if (!p) {
            rc = cli_fail("explain: no tensor '%s' on both sides", o->tensors[i]);
            break;
        }
        rc = compare(o, p, &c);
        if (rc) break;
        differs |= c.verdict != PARITY_MATCH;
        parity_explain_item it = {NULL, PARITY_EXPLAIN_FITTED, NULL, NULL, NULL, 0};
        rc = explain_pair(o, p, c.kind, &it, NULL);
        parity_comparison_clear(&c);
    }
    parity_match_free(m);
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
static int explain_stage(const cli_opts *o, const parity_walk *w, size_t i, int ordered) {
    const parity_stage *s = parity_walk_stage(w, i);
    long first = parity_walk_first_divergence(w), culprit = parity_walk_culprit(w);
    parity_explain_item it = {NULL, PARITY_EXPLAIN_FITTED, NULL,
                              role_of((long)i, first, culprit, ordered), NULL, 1};
    int equal_inputs = !parity_walk_inputs_differ(w, NULL);
    return explain_pair(o, s->pair, s->kind, &it,
                        (long)i == first && equal_inputs ? inputs_match_note : NULL);
}

/* The stages to explain: first divergence and culprit when the reference
 * has an execution order, else every stage that is not MATCH. */
static int explain_walk(const cli_opts *o, const parity_set *ref, const parity_set *port) {
    parity_walk_opts wo = parity_walk_opts_default();
    parity_walk *w = NULL;
    parity_error err = {0};
    wo.match = o->match;
    wo.diff = o->diff;
    wo.diff.n_axes = 0; /* --axis is for the fits, not for the walk's verdicts */
    wo.inputs_glob = o->inputs_glob;
    parity_status st = parity_walk_run(ref, port, &wo, &w, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    long first = parity_walk_first_divergence(w), culprit = parity_walk_culprit(w);
    int ordered = parity_set_order_source(ref) != PARITY_ORDER_NATURAL;
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
        if (pick) rc = explain_stage(o, w, i, ordered);
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
