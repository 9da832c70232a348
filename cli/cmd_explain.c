/*
 * cmd_explain.c — parity explain REF PORT [-t NAME] [--axis K] [--domain D]
 * [--format text|json|md]: name the transformation that maps the reference to
 * the port (SPEC §6), ranked by evidence.
 *
 * With -t NAME (repeatable) the named tensors are explained. Without it the
 * traces are walked (SPEC §5): when the reference has an execution order,
 * the first divergence and the culprit are explained; otherwise every
 * tensor that is not MATCH. A layout alignment the matcher applied is the
 * first finding of its tensor. Exit 0 when nothing differs, 1 on
 * differences, 2 on trouble.
 */
#include "options.h"

#include <string.h>

/* Is the pair not MATCH, by the same rules and options as parity diff
 * (--atol/--rtol, --match-tol, --max-db; integers: equal or not)? */
static int pair_differs(const cli_opts *o, const parity_pair *p, int *differs) {
    parity_error err = {0};
    parity_status st;
    if (!p->layout_ok) return *differs = 1, 0;
    if (!parity_dtype_is_float(p->ref->dtype) || !parity_dtype_is_float(p->port->dtype)) {
        parity_int_cmp c;
        st = parity_diff_ints(&p->ref_view, &p->port_view, 0, &c, &err);
        if (st == PARITY_OK) *differs |= !c.equal;
    } else {
        parity_diff d;
        memset(&d, 0, sizeof d);
        parity_diff_opts dopts = o->diff;
        dopts.n_axes = 0; /* --axis is for the fits */
        st = parity_diff_tensors(&p->ref_view, &p->port_view, &dopts, &d, &err);
        if (st == PARITY_OK) *differs |= d.verdict != PARITY_MATCH;
        parity_diff_clear(&d);
    }
    return st == PARITY_OK ? 0 : cli_fail_err(&err, p->ref->name, st);
}

/* Explain one pair and print it; *differs is set when p != r, *none (may
 * be NULL) when no simple transformation explains the difference. */
static int explain_pair(const cli_opts *o, const parity_pair *p, int *differs, int *none) {
    parity_explain_opts eo = parity_explain_opts_default();
    parity_explain_result res;
    parity_error err = {0};
    const char *name = p->ref->name;
    if (!p->layout_ok) {
        *differs = 1;
        printf("Explain: %s\n  shapes cannot be aligned: nothing to fit\n", name);
        return 0;
    }
    if (!parity_dtype_is_float(p->ref->dtype) || !parity_dtype_is_float(p->port->dtype)) {
        printf("Explain: %s\n  integer tensor: compared for equality by parity diff\n", name);
        return 0;
    }
    eo.domain = o->diff.domain;
    if (o->diff.n_axes > 0) {
        int k = o->diff.axes[0], nd = p->ref_view.ndim;
        if (k < -nd || k >= nd) return cli_fail("explain: %s: --axis %d out of range", name, k);
        eo.axis = k < 0 ? k + nd : k;
    }
    parity_status st = parity_explain_pair(p, &eo, &res, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, name, st);
    if (none) *none = res.none_explains && !res.identical;
    char *s = parity_explain_render(name, &res, o->report.format);
    parity_explain_clear(&res);
    int rc = cli_emit(s);
    parity_free(s);
    return rc;
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
        if (!p) rc = cli_fail("explain: no tensor '%s' on both sides", o->tensors[i]);
        else rc = pair_differs(o, p, &differs);
        if (rc == 0 && p) rc = explain_pair(o, p, &differs, NULL);
    }
    parity_match_free(m);
    return rc ? rc : differs;
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
    const size_t *in_idx = NULL;
    size_t n_in_differ = parity_walk_inputs_differ(w, &in_idx);
    int rc = 0, differs = first >= 0, text = o->report.format != PARITY_FORMAT_JSON;
    if (first < 0 && text) printf("every stage matches: nothing to explain\n");
    for (size_t i = 0; rc == 0 && first >= 0 && i < parity_walk_stage_count(w); i++) {
        const parity_stage *s = parity_walk_stage(w, i);
        int pick = ordered ? ((long)i == first || (long)i == culprit)
                           : (!s->pair->layout_ok || s->diff.verdict != PARITY_MATCH);
        if (!pick) continue;
        if (text && ordered)
            printf("%s%s:\n", (long)i == first ? "First divergence" : "Culprit",
                   (long)i == first && first == culprit ? " (also the culprit)" : "");
        int none = 0;
        rc = explain_pair(o, s->pair, &differs, &none);
        /* Inputs equal, first stage to differ, no map from r to p: the
         * stage computes differently (its weights, their layout, its
         * formula), which its output alone cannot name. */
        if (rc == 0 && text && none && (long)i == first && !n_in_differ)
            printf("  its inputs match: the stage itself computes differently (weights, their\n"
                   "  layout, or the formula); dump the weights each side uses and explain\n"
                   "  them (parity explain REF_WEIGHTS PORT_WEIGHTS) to name a layout\n");
        if (rc == 0 && text) putchar('\n');
    }
    parity_walk_free(w);
    return rc ? rc : differs;
}

int cmd_explain(int argc, char **argv) {
    cli_opts o;
    parity_set *sides[2];
    if (cli_parse(argc, argv, "explain", 2, 2, &o)) return 2;
    if (o.help) return cli_verb_help("explain");
    int rc = cli_open_sides(&o, o.pos, 2, sides);
    if (rc == 0)
        rc = o.n_tensors > 0 ? explain_named(&o, sides[0], sides[1])
                             : explain_walk(&o, sides[0], sides[1]);
    parity_set_free(sides[0]);
    parity_set_free(sides[1]);
    fflush(stdout);
    return rc;
}
