/*
 * cmd_diff.c — parity diff REF PORT: pair the tensors of both sides, compare
 * every pair (parity_compare_pair: metrics for floating data, equality for
 * integers, statistics only for irreconcilable shapes) and print the
 * report (docs/metrics.md).
 * Exit 0 when every pair is MATCH and nothing is unpaired, 1 on
 * differences, 2 on trouble.
 */
#include "options.h"

#include <stdlib.h>
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

/* Emit one compared pair's report chunk; *verdict receives the verdict. */
static int diff_pair(parity_report *r, const parity_pair *p, parity_comparison *c,
                     parity_status st, parity_error *err, parity_verdict *verdict) {
    int ints = c->kind == PARITY_PAIR_INT || c->kind == PARITY_PAIR_SEQUENCE;
    parity_report_item it = {p, &c->diff, ints ? &c->ints : NULL, c->verdict, c};
    *verdict = c->verdict;
    return st == PARITY_OK ? cli_emit(parity_report_diff_item(r, &it))
                           : cli_fail_err(err, p->ref->name, st);
}

/* Pairs compared per parity_compare_pairs call: the results are printed
 * before the next window, so memory and the delay before output stay
 * bounded. */
#define DIFF_WINDOW 4096

typedef struct diff_window_buf {
    const parity_pair *pairs[DIFF_WINDOW];
    parity_comparison cmp[DIFF_WINDOW];
    parity_status st[DIFF_WINDOW];
    parity_error errs[DIFF_WINDOW];
} diff_window_buf;

/* Compare pairs [lo, hi) of m in one call and print them; 0 or the exit. */
static int diff_window(parity_report *r, const cli_opts *o, const parity_match *m,
                       size_t lo, size_t hi, diff_window_buf *b, int *differ) {
    parity_error err = {0};
    size_t n = hi - lo;
    for (size_t i = 0; i < n; i++) b->pairs[i] = parity_match_pair(m, lo + i);
    if (parity_compare_pairs(b->pairs, n, &o->diff, b->cmp, b->st, b->errs, &err) !=
        PARITY_OK)
        return cli_fail_err(&err, o->pos[1], err.code);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        parity_verdict v = PARITY_MATCH;
        if (rc == 0) rc = diff_pair(r, b->pairs[i], &b->cmp[i], b->st[i], &b->errs[i], &v);
        *differ |= v != PARITY_MATCH;
        parity_comparison_clear(&b->cmp[i]);
    }
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
    size_t n = parity_match_count(m);
    /* nothing compared (two empty folders) is never a success */
    int differ =
        n == 0 || parity_match_unpaired_count(m, 0) + parity_match_unpaired_count(m, 1) > 0;
    diff_window_buf *buf = malloc(sizeof *buf);
    if (rc == 0 && !buf) rc = cli_fail("out of memory");
    for (size_t lo = 0; rc == 0 && lo < n; lo += DIFF_WINDOW) {
        cli_progress_window("tensors", lo, n);
        rc = diff_window(r, o, m, lo, n - lo < DIFF_WINDOW ? n : lo + DIFF_WINDOW, buf,
                         &differ);
    }
    free(buf);
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
    rc = cli_close_sides(sides, 2, rc);
    return cli_flush(rc);
}
