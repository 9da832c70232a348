/*
 * series.c — stages whose names are equal but for one number
 * ("ode.step3.x", "ode.step4.x", ...; "est", "est#1", "est#2" from repeated
 * calls, where the first call counts as #0). Every digit run of every name
 * proposes a pattern with that run replaced by {k}; patterns shared by at
 * least three stages are series, listed in order of their first stage.
 * A series paired step by step with a stacked tensor (match.c) is a
 * series as it is: "name@{k}", k the position.
 */
#include "internal.h"
#include "analysis/walk_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct proposal {
    char *pattern;  /* owned */
    int64_t k;
    size_t stage;
} proposal;

typedef struct proposals {
    proposal *p;
    size_t n, cap;
} proposals;

static int propose(proposals *ps, const char *name, size_t run_at,
                   size_t run_len, const char *suffix, int64_t k, size_t stage) {
    size_t sl = strlen(suffix), nl = strlen(name);
    char *pat = malloc(nl + sl + 4);
    if (!pat) return 0;
    memcpy(pat, name, run_at);
    memcpy(pat + run_at, "{k}", 3);
    strcpy(pat + run_at + 3, name + run_at + run_len);
    strcat(pat, suffix);
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 256;
        proposal *p = realloc(ps->p, cap * sizeof *p);
        if (!p) { free(pat); return 0; }
        ps->p = p;
        ps->cap = cap;
    }
    ps->p[ps->n++] = (proposal){pat, k, stage};
    return 1;
}

/* Every digit run of name, plus "name#{k}" with k = 0 for a name without a
 * repeat suffix. */
static int propose_name(proposals *ps, const char *name, size_t stage) {
    const char *hash = strrchr(name, '#');
    int has_repeat = hash && hash[1] && strspn(hash + 1, "0123456789") == strlen(hash + 1);
    for (size_t i = 0; name[i];) {
        if (!isdigit((unsigned char)name[i])) { i++; continue; }
        size_t j = i;
        int64_t k = 0;
        while (isdigit((unsigned char)name[j]) && j - i < 18)
            k = k * 10 + (name[j++] - '0');
        while (isdigit((unsigned char)name[j])) j++;
        if (!propose(ps, name, i, j - i, "", k, stage)) return 0;
        i = j;
    }
    if (!has_repeat) {
        size_t nl = strlen(name);
        /* pattern "name#{k}": replace an empty run at the end, then suffix */
        char *tmp = malloc(nl + 2);
        if (!tmp) return 0;
        memcpy(tmp, name, nl);
        tmp[nl] = '#';
        tmp[nl + 1] = '\0';
        int ok = propose(ps, tmp, nl + 1, 0, "", 0, stage);
        free(tmp);
        return ok;
    }
    return 1;
}

static int cmp_proposal(const void *a, const void *b) {
    const proposal *x = a, *y = b;
    int c = strcmp(x->pattern, y->pattern);
    if (c) return c;
    return x->k < y->k ? -1 : x->k > y->k ? 1 : (x->stage < y->stage ? -1 : 1);
}

static int cmp_series(const void *a, const void *b) {
    const parity_series *x = a, *y = b;
    return x->stage[0] < y->stage[0] ? -1 : x->stage[0] > y->stage[0];
}

static parity_status add_series(parity_walk *w, const proposal *p, size_t n,
                                parity_error *err) {
    parity_series *s = realloc(w->series, (w->n_series + 1) * sizeof *s);
    FAIL_IF(!s, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    w->series = s;
    s = &w->series[w->n_series];
    memset(s, 0, sizeof *s);
    snprintf(s->pattern, sizeof s->pattern, "%s", p[0].pattern);
    s->stage = malloc(n * sizeof *s->stage);
    s->k = malloc(n * sizeof *s->k);
    if (!s->stage || !s->k) {
        free(s->stage);
        free(s->k);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        s->stage[i] = p[i].stage;
        s->k[i] = p[i].k;
    }
    s->n = n;
    w->n_series++;
    return PARITY_OK;
}

/* The stacked tensor of a step pair: the one tensor its series shares. */
static const parity_tensor *stacked_of(const parity_pair *p) {
    return p->step_side == 0 ? p->ref : p->port;
}

/* Step pairs (a series paired position by position, docs/matching.md) are
 * series by construction: one per stacked tensor, k the position. */
static parity_status step_series(parity_walk *w, parity_error *err) {
    for (size_t i = 0; i < w->n_stages;) {
        const parity_pair *p = w->stages[i].pair;
        size_t j = i + 1;
        if (p->step < 0) {
            i = j;
            continue;
        }
        while (j < w->n_stages && w->stages[j].pair->step >= 0 &&
               stacked_of(w->stages[j].pair) == stacked_of(p))
            j++;
        proposal *run = malloc((j - i) * sizeof *run);
        char pattern[160];
        FAIL_IF(!run, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
        snprintf(pattern, sizeof pattern, "%s%s", p->step_side == 0 ? p->ref->name : p->port->name,
                 p->step_side == 0 ? "@{k}" : "#{k} (port stacked)");
        for (size_t k = i; k < j; k++)
            run[k - i] = (proposal){pattern, w->stages[k].pair->step, k};
        parity_status st = j - i >= 2 ? add_series(w, run, j - i, err) : PARITY_OK;
        free(run);
        TRY(st);
        i = j;
    }
    return PARITY_OK;
}

parity_status parity__walk_series(parity_walk *w, parity_error *err) {
    proposals ps = {0};
    parity_status st = step_series(w, err);
    for (size_t i = 0; i < w->n_stages && st == PARITY_OK; i++)
        if (w->stages[i].pair->step < 0 &&
            !propose_name(&ps, parity_pair_name(w->stages[i].pair), i))
            st = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    if (st == PARITY_OK && ps.n) qsort(ps.p, ps.n, sizeof *ps.p, cmp_proposal);
    for (size_t i = 0; st == PARITY_OK && i < ps.n;) {
        size_t j = i + 1;
        while (j < ps.n && strcmp(ps.p[j].pattern, ps.p[i].pattern) == 0) j++;
        if (j - i >= 3) st = add_series(w, ps.p + i, j - i, err);
        i = j;
    }
    for (size_t i = 0; i < ps.n; i++) free(ps.p[i].pattern);
    free(ps.p);
    if (st == PARITY_OK && w->n_series)
        qsort(w->series, w->n_series, sizeof *w->series, cmp_series);
    return st;
}
