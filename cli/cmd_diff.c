/*
 * cmd_diff.c — parity diff REF PORT: pair the tensors of both sides, compare
 * every pair (parity_compare_pair: metrics for floating data, equality for
 * integers, statistics only for irreconcilable shapes) and print the
 * report (docs/metrics.md).
 * Exit 0 when every pair is MATCH and nothing is unpaired, 1 on
 * differences, 2 on trouble.
 * --slice K/N computes part K of N of the run instead (parity_slice_plan)
 * and writes its JSON for parity merge (docs/scale-out.md): exit 0 when
 * the part is written, 2 on trouble.
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
    parity_report_item it = {p, &c->diff, ints ? &c->ints : NULL, c->verdict, c, NULL};
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

/* Part K of N: its pairs in windows, each printed with its share. */
static int diff_part(parity_report *r, const cli_opts *o, const parity_match *m,
                     const parity_slice *sl, diff_window_buf *b) {
    parity_error err = {0};
    int rc = 0;
    for (size_t lo = 0; rc == 0 && lo < sl->n_items; lo += DIFF_WINDOW) {
        size_t n = sl->n_items - lo < DIFF_WINDOW ? sl->n_items - lo : DIFF_WINDOW;
        const parity_part_pair *items = sl->items + lo;
        cli_progress_window("tensors", lo, sl->n_items);
        if (parity_compare_part(m, items, n, &o->diff, b->cmp, b->st, b->errs, &err) !=
            PARITY_OK)
            return cli_fail_err(&err, o->pos[1], err.code);
        for (size_t i = 0; i < n; i++) {
            const parity_pair *p = parity_match_pair(m, items[i].pair);
            parity_comparison *c = &b->cmp[i];
            int ints = c->kind == PARITY_PAIR_INT || c->kind == PARITY_PAIR_SEQUENCE;
            parity_report_item it = {p, &c->diff, ints ? &c->ints : NULL, c->verdict, c,
                                     &items[i]};
            if (rc == 0)
                rc = b->st[i] == PARITY_OK ? cli_emit(parity_report_diff_item(r, &it))
                                           : cli_fail_err(&b->errs[i], p->ref->name, b->st[i]);
            parity_comparison_clear(c);
        }
    }
    return rc;
}

/* "K/N" with 0 <= K < N: part K of N. */
static int parse_slice(const char *s, uint32_t *k, uint32_t *n) {
    char *end = NULL;
    unsigned long a = strtoul(s, &end, 10), b = 0;
    int ok = end != s && *end == '/' && s[0] >= '0' && s[0] <= '9';
    if (ok) {
        const char *t = end + 1;
        b = strtoul(t, &end, 10);
        ok = end != t && *end == '\0' && t[0] >= '1' && t[0] <= '9';
    }
    if (!ok || b > 1000000 || a >= b)
        return cli_fail("diff: --slice '%s': expected K/N, part K of N with 0 <= K < N "
                        "<= 1000000 (e.g. 0/8)", s);
    *k = (uint32_t)a, *n = (uint32_t)b;
    return 0;
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
    parity_slice *sl = NULL;
    parity_report_opts ro = o->report;
    if (o->slice) {
        uint32_t k = 0, parts = 1;
        if (parse_slice(o->slice, &k, &parts)) st = PARITY_E_USAGE;
        else if ((st = parity_slice_plan(m, k, parts, &sl, &err)) != PARITY_OK)
            cli_fail_err(&err, o->pos[1], st);
        if (st != PARITY_OK) {
            parity_match_free(m);
            return 2;
        }
        ro.slice = sl;
    }
    parity_report *r = parity_report_new(&ro);
    int rc = r ? cli_emit(parity_report_diff_begin(r, o->pos[0], o->pos[1], m))
               : cli_fail("out of memory");
    size_t n = parity_match_count(m);
    /* nothing compared (two empty folders) is never a success */
    int differ =
        n == 0 || parity_match_unpaired_count(m, 0) + parity_match_unpaired_count(m, 1) > 0;
    diff_window_buf *buf = malloc(sizeof *buf);
    if (rc == 0 && !buf) rc = cli_fail("out of memory");
    if (sl && rc == 0) rc = diff_part(r, o, m, sl, buf);
    for (size_t lo = 0; !sl && rc == 0 && lo < n; lo += DIFF_WINDOW) {
        cli_progress_window("tensors", lo, n);
        rc = diff_window(r, o, m, lo, n - lo < DIFF_WINDOW ? n : lo + DIFF_WINDOW, buf,
                         &differ);
    }
    free(buf);
    if (rc == 0) rc = cli_emit(parity_report_diff_end(r, m));
    int part = sl != NULL; /* a part knows no verdicts: written is success */
    parity_report_free(r);
    parity_slice_free(sl);
    parity_match_free(m);
    return rc ? rc : part ? 0 : differ;
}

int cmd_diff(const cli_verb *v, int argc, char **argv) {
    cli_opts o;
    parity_set *sides[2];
    if (cli_parse(v, argc, argv, &o)) return 2;
    if (o.help) return cli_verb_help(v);
    if (o.slice && o.report.format != PARITY_FORMAT_JSON && cli_option_given(&o, "format"))
        return cli_fail("diff: --slice writes a part of the run for parity merge, in JSON: "
                        "drop --format %s", parity_format_name(o.report.format));
    if (o.slice) o.report.format = PARITY_FORMAT_JSON;
    /* the JSON report carries the state that parity merge reads back */
    o.diff.keep_state = o.report.format == PARITY_FORMAT_JSON;
    int rc = cli_open_sides(&o, o.pos, 2, sides);
    if (rc == 0) rc = diff_sets(&o, sides[0], sides[1]);
    rc = cli_close_sides(sides, 2, rc);
    return cli_flush(rc);
}
