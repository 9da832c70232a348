/*
 * explain_pick.c — which pair a name given to parity explain means.
 *
 * A port traced one position per call (name, name#1, ...) paired with a
 * reference holding every position along an axis gives one pair per
 * position (docs/matching.md, step pairs), all with the same reference
 * tensor; trace reports them as "name@k". So "-t name@k" is position k,
 * and "-t name" (the reference's tensor, or the series' base) is the
 * series: explain takes its worst position, the one trace shows, never
 * position 0 alone (which may match while later ones differ). A stage's
 * input, for a position, is its parent at the same position.
 */
#include "options.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* q is a position of the series p is one of: the same stacked tensor, along
 * the same axis. */
static int same_series(const parity_pair *p, const parity_pair *q) {
    if (p->step < 0 || q->step < 0 || q->step_side != p->step_side || q->step_axis != p->step_axis)
        return 0;
    return p->step_side == 0 ? q->ref == p->ref : q->port == p->port;
}

const parity_pair *cli_explain_find(const parity_match *m, const char *name, int64_t step) {
    const parity_pair *first = NULL;
    for (size_t i = 0; i < parity_match_count(m); i++) { /* "name@k", as trace prints it */
        const parity_pair *p = parity_match_pair(m, i);
        if (strcmp(parity_pair_name(p), name) == 0) return p;
    }
    for (size_t i = 0; i < parity_match_count(m); i++) {
        const parity_pair *p = parity_match_pair(m, i);
        if (strcmp(p->ref->name, name) != 0 && strcmp(p->port->name, name) != 0) continue;
        if (step < 0 || p->step == step) return p;
        if (!first) first = p;
    }
    return first;
}

/* Levenshtein distance of a and b, or cap + 1 when it exceeds cap (one
 * row of the table; names longer than 255 bytes are never near). */
static size_t edit_distance(const char *a, const char *b, size_t cap) {
    size_t la = strlen(a), lb = strlen(b), row[256];
    if (la > 255 || lb > 255 || (la > lb ? la - lb : lb - la) > cap) return cap + 1;
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0], best = row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], v = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < v) v = up + 1;
            if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
            diag = up, row[j] = v;
            if (v < best) best = v;
        }
        if (best > cap) return cap + 1;
    }
    return row[lb];
}

/* The compared name nearest to a misspelt one (at most a quarter of its
 * length away, at least 2 edits allowed), or NULL. */
static const char *nearest_name(const parity_match *m, const char *name) {
    size_t len = strlen(name), cap = len / 4 > 2 ? len / 4 : 2, best = cap + 1;
    const char *near = NULL;
    for (size_t i = 0; i < parity_match_count(m); i++) {
        const char *c = parity_pair_name(parity_match_pair(m, i));
        size_t d = edit_distance(name, c, best - 1 < cap ? best - 1 : cap);
        if (d < best) best = d, near = c;
    }
    return near;
}

/* Why name gives no pair, after ": " in an error: the side it is alone
 * on, a copy, or the compared name it looks misspelt from; "" when none. */
void cli_name_unpaired(const parity_match *m, const char *name, const char *const labels[2],
                       char *why, size_t cap) {
    for (int side = 0; side < 2; side++) {
        const char *label = labels[side] && *labels[side] ? labels[side] : side ? "port" : "ref";
        for (size_t i = 0; i < parity_match_unpaired_count(m, side); i++)
            if (strcmp(parity_match_unpaired(m, side, i)->name, name) == 0) {
                snprintf(why, cap, "it is only in %s (pair it with --map FILE or --pair content)",
                         label);
                return;
            }
        for (size_t i = 0; i < parity_match_copies_count(m, side); i++) {
            const parity_copy *c = parity_match_copy(m, side, i);
            if (strcmp(c->t->name, name) == 0) {
                snprintf(why, cap, "it is a copy of %s in %s, not compared (-t %s)",
                         c->of->name, label, c->of->name);
                return;
            }
        }
    }
    const char *near = nearest_name(m, name);
    if (near) snprintf(why, cap, "did you mean '%s'?", near);
    else if (cap) why[0] = '\0';
}

/* The error trace ranks positions by: the relative error, +Inf when values
 * are non-finite on one side only or (not floats) the values differ. */
static double badness(const parity_comparison *c) {
    if (c->kind != PARITY_PAIR_FLOAT) return c->verdict == PARITY_MATCH ? 0 : INFINITY;
    if (c->diff.nonfinite_ref_only || c->diff.nonfinite_port_only) return INFINITY;
    return c->diff.relative;
}

int cli_explain_worst(const parity_match *m, const parity_diff_opts *dopts,
                      const parity_pair **p, int *differs, char *note, size_t cap) {
    const parity_pair *worst = *p;
    double bad = -1;
    int64_t n = 0, first_bad = -1;
    note[0] = '\0';
    for (size_t i = 0; (*p)->step >= 0 && i < parity_match_count(m); i++) {
        const parity_pair *q = parity_match_pair(m, i);
        parity_comparison c;
        parity_error err = {0};
        if (!same_series(*p, q)) continue;
        parity_status st = parity_compare_pair(q, dopts, &c, &err);
        if (st != PARITY_OK) return cli_fail_err(&err, parity_pair_name(q), st);
        double b = badness(&c);
        if (c.verdict != PARITY_MATCH && (first_bad < 0 || q->step < first_bad)) first_bad = q->step;
        if (b > bad) bad = b, worst = q;
        n++;
        parity_comparison_clear(&c);
    }
    if (n < 2) return 0;
    *differs = first_bad >= 0;
    int at = snprintf(note, cap, "the worst of %lld positions", (long long)n);
    if (first_bad >= 0 && first_bad != worst->step)
        at += snprintf(note + at, cap - (size_t)at, " (the first not MATCH: @%lld)",
                       (long long)first_bad);
    snprintf(note + at, cap - (size_t)at, "; -t NAME@k explains position k");
    *p = worst;
    return 0;
}

const parity_pair *cli_explain_previous(const parity_match *m, const parity_pair *p) {
    size_t i = 0;
    while (i < parity_match_count(m) && parity_match_pair(m, i) != p) i++;
    if (i == parity_match_count(m)) return NULL;
    while (i-- > 0) { /* a position's previous stage is at the same position */
        const parity_pair *q = parity_match_pair(m, i);
        if (p->step < 0 || (q->step == p->step && !same_series(p, q))) return q;
    }
    return NULL;
}
