/*
 * cmd_diff.c — parity diff REF PORT: pair the tensors of both sides, compare
 * every pair (parity_compare_pair: metrics for floating data, equality for
 * integers, statistics only for irreconcilable shapes) and print the
 * report (docs/metrics.md).
 * Exit 0 when every pair is MATCH and nothing is unpaired, 1 on
 * differences, 2 on trouble.
 */
#include "options.h"

#include <string.h>

/* Compared with metrics (profiles exist for these only). */
static int has_metrics(const parity_pair *p) {
    return p->kind == PARITY_PAIR_FLOAT;
}

/* Each --axis must fit at least one tensor compared with metrics; a tensor
 * it does not fit gets a note in the report, an axis that fits none is a
 * usage error (exit 2) rather than a report without the asked breakdown. */
static int check_axes(const cli_opts *o, const parity_match *m) {
    for (int a = 0; a < o->diff.n_axes; a++) {
        int k = o->diff.axes[a], fits = 0, top = -1;
        for (size_t i = 0; i < parity_match_count(m); i++) {
            const parity_pair *p = parity_match_pair(m, i);
            if (!has_metrics(p)) continue;
            if (p->ref_view.ndim > top) top = p->ref_view.ndim;
            fits |= k >= -p->ref_view.ndim && k < p->ref_view.ndim;
        }
        if (fits) continue;
        if (top < 0)
            return cli_fail("diff: --axis %d: no tensor is compared with metrics", k);
        return cli_fail("diff: --axis %d fits none of the compared tensors (at most "
                        "%d dimension%s)", k, top, top == 1 ? "" : "s");
    }
    return 0;
}

/* Compare one pair and emit its report chunk; *verdict receives the verdict. */
static int diff_pair(parity_report *r, const cli_opts *o, const parity_pair *p,
                     parity_verdict *verdict) {
    parity_error err = {0};
    parity_comparison c;
    parity_status st = parity_compare_pair(p, &o->diff, &c, &err);
    int ints = c.kind == PARITY_PAIR_INT || c.kind == PARITY_PAIR_SEQUENCE;
    parity_report_item it = {p, &c.diff, ints ? &c.ints : NULL, c.verdict, &c};
    int rc = st == PARITY_OK ? cli_emit(parity_report_diff_item(r, &it))
                             : cli_fail_err(&err, p->ref->name, st);
    *verdict = c.verdict;
    parity_comparison_clear(&c);
    return rc;
}

/* Pair, compare, summarize. Returns the exit status. */
static int diff_sets(const cli_opts *o, const parity_set *ref, const parity_set *port) {
    parity_error err = {0};
    parity_match *m = NULL;
    parity_status st = parity_match_sets(ref, port, &o->match, &m, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    if (check_axes(o, m)) {
        parity_match_free(m);
        return 2;
    }
    parity_report *r = parity_report_new(&o->report);
    int rc = r ? cli_emit(parity_report_diff_begin(r, o->pos[0], o->pos[1], m))
               : cli_fail("out of memory");
    int differ = parity_match_unpaired_count(m, 0) + parity_match_unpaired_count(m, 1) > 0;
    for (size_t i = 0; rc == 0 && i < parity_match_count(m); i++) {
        parity_verdict v = PARITY_MATCH;
        rc = diff_pair(r, o, parity_match_pair(m, i), &v);
        differ |= v != PARITY_MATCH;
    }
    if (rc == 0) rc = cli_emit(parity_report_diff_end(r, m));
    parity_report_free(r);
    parity_match_free(m);
    return rc ? rc : differ;
}

int cmd_diff(const cli_verb *v, int argc, char **argv) {
    cli_opts o;
    parity_set *sides[2];
    if (cli_parse(v, argc, argv, &o)) return 2;
    if (o.help) return cli_verb_help(v);
    int rc = cli_open_sides(&o, o.pos, 2, sides);
    if (rc == 0) rc = diff_sets(&o, sides[0], sides[1]);
    parity_set_free(sides[0]);
    parity_set_free(sides[1]);
    fflush(stdout);
    return rc;
}
