/*
 * cmd_diff.c — parity diff REF PORT: pair the tensors of both sides, compare
 * every pair and print the report (SPEC §4). Floating tensors get the
 * metrics of parity_diff_tensors; integer and bool tensors (token ids,
 * masks) are compared for equality, with the first difference and a window
 * of both sides; irreconcilable shapes are a LARGE DIFF with the reason.
 * Exit 0 when every pair is MATCH and nothing is unpaired, 1 on
 * differences, 2 on trouble.
 */
#include "options.h"

#include <stdlib.h>
#include <string.h>

static int is_int_dtype(parity_dtype dt) { return !parity_dtype_is_float(dt); }

/* 1-D once size-1 axes are dropped (a token sequence [1, T] counts). */
static int is_sequence(const parity_tensor *t) {
    int big = 0;
    for (int k = 0; k < t->ndim; k++) big += t->shape[k] != 1;
    return big <= 1;
}

/* Statistics of each side only (integer tensors, irreconcilable shapes). */
static parity_status side_stats(const parity_pair *p, parity_diff *d, parity_error *err) {
    memset(d, 0, sizeof *d);
    parity_status st = parity_stats_tensor(p->ref, &d->ref, err);
    if (st == PARITY_OK) st = parity_stats_tensor(p->port, &d->port, err);
    return st;
}

/* Compared with metrics (profiles exist for these only): floating data
 * whose layouts align. */
static int has_metrics(const parity_pair *p) {
    return p->layout_ok && !(is_int_dtype(p->ref->dtype) && is_int_dtype(p->port->dtype));
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

/* The requested axes that exist in a tensor of ndim dimensions. */
static parity_diff_opts axes_for(const parity_diff_opts *o, int ndim) {
    parity_diff_opts x = *o;
    x.n_axes = 0;
    for (int i = 0; i < o->n_axes; i++)
        if (o->axes[i] >= -ndim && o->axes[i] < ndim) x.axes[x.n_axes++] = o->axes[i];
    return x;
}

/* Emit one pair's report chunk (its metrics, if any, already computed in
 * item by parity_diff_many); *verdict receives the verdict. */
static int diff_pair(parity_report *r, const parity_pair *p,
                     parity_diff_item *item, parity_verdict *verdict) {
    parity_error err = {0};
    parity_diff d;
    parity_int_cmp ic;
    parity_report_item it = {p, &d, NULL, PARITY_LARGE_DIFF};
    parity_status st;
    int ints = is_int_dtype(p->ref->dtype) && is_int_dtype(p->port->dtype);
    int seq = !p->layout_ok && is_sequence(p->ref) && is_sequence(p->port);
    if (has_metrics(p)) {
        d = item->diff;
        st = item->status;
        if (st != PARITY_OK) /* the same call again, for its message */
            st = parity_diff_tensors(item->ref, item->port, item->opts, &d, &err);
        it.verdict = d.verdict;
    } else {
        st = side_stats(p, &d, &err);
        if (st == PARITY_OK && ints && (p->layout_ok || seq)) {
            st = p->layout_ok ? parity_diff_ints(&p->ref_view, &p->port_view, 0, &ic, &err)
                              : parity_diff_ints(p->ref, p->port, 1, &ic, &err);
            it.ints = &ic;
            it.verdict = ic.equal ? PARITY_MATCH : PARITY_LARGE_DIFF;
        }
    }
    int rc = st == PARITY_OK ? cli_emit(parity_report_diff_item(r, &it))
                             : cli_fail_err(&err, p->ref->name, st);
    *verdict = it.verdict;
    if (!has_metrics(p)) parity_diff_clear(&d); /* else the item's, freed by the caller */
    return rc;
}

/* Pairs compared per parity_diff_many call: the results are printed before
 * the next window, so memory and the delay before output stay bounded. */
#define DIFF_WINDOW 4096

/* Compare pairs [lo, hi) of m in one call and print them; 0 or the exit. */
static int diff_window(parity_report *r, const cli_opts *o, const parity_match *m,
                       size_t lo, size_t hi, parity_diff_item *items,
                       parity_diff_opts *dopts, int *differ) {
    parity_error err = {0};
    int rc = 0;
    memset(items, 0, (hi - lo) * sizeof *items);
    for (size_t i = lo; i < hi; i++) { /* the pairs with metrics */
        const parity_pair *p = parity_match_pair(m, i);
        if (!has_metrics(p)) continue;
        dopts[i - lo] = axes_for(&o->diff, p->ref_view.ndim);
        items[i - lo] = (parity_diff_item){.ref = &p->ref_view, .port = &p->port_view,
                                           .opts = &dopts[i - lo]};
    }
    if (parity_diff_many(items, hi - lo, &o->diff, &err) != PARITY_OK)
        rc = cli_fail_err(&err, o->pos[1], err.code);
    for (size_t i = lo; rc == 0 && i < hi; i++) {
        parity_verdict v = PARITY_MATCH;
        rc = diff_pair(r, parity_match_pair(m, i), &items[i - lo], &v);
        *differ |= v != PARITY_MATCH;
    }
    for (size_t i = 0; i < hi - lo; i++) parity_diff_clear(&items[i].diff);
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
    int rc = r ? cli_emit(parity_report_diff_begin(r, o->pos[0], o->pos[1]))
               : cli_fail("out of memory");
    int differ = parity_match_unpaired_count(m, 0) + parity_match_unpaired_count(m, 1) > 0;
    size_t n = parity_match_count(m);
    parity_diff_item *items = calloc(DIFF_WINDOW, sizeof *items);
    parity_diff_opts *dopts = calloc(DIFF_WINDOW, sizeof *dopts);
    if (rc == 0 && (!items || !dopts)) rc = cli_fail("out of memory");
    for (size_t lo = 0; rc == 0 && lo < n; lo += DIFF_WINDOW)
        rc = diff_window(r, o, m, lo, n - lo < DIFF_WINDOW ? n : lo + DIFF_WINDOW,
                         items, dopts, &differ);
    free(items);
    free(dopts);
    if (rc == 0) rc = cli_emit(parity_report_diff_end(r, m));
    parity_report_free(r);
    parity_match_free(m);
    return rc ? rc : differ;
}

int cmd_diff(int argc, char **argv) {
    cli_opts o;
    parity_set *sides[2];
    if (cli_parse(argc, argv, "diff", 2, 2, &o)) return 2;
    if (o.help) return cli_verb_help("diff");
    int rc = cli_open_sides(&o, o.pos, 2, sides);
    if (rc == 0) rc = diff_sets(&o, sides[0], sides[1]);
    parity_set_free(sides[0]);
    parity_set_free(sides[1]);
    fflush(stdout);
    return rc;
}
