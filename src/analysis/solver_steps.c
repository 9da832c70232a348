/*
 * solver_steps.c — one side's own steps of a solver series (solver.c): the
 * members both sides share (a series of paired stages), plus the tensors
 * that side alone traced. A port that stops one step early, or a reference
 * with one more step, leaves that step's tensors unpaired; a schedule read
 * from the paired stages only would drop the step and call two schedules
 * of different lengths equal.
 *
 * The unpaired tensors are found under the side's own name pattern,
 * derived from its names of the paired members: a port names its tensors
 * its own way ("solver.it3.vel" paired by a map with "ode.step3.dxdt"), so
 * the reference's pattern says nothing about the port's names.
 */
#include "internal.h"
#include "analysis/walk_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* A name pattern "prefix{k}suffix", as spans of a member's name. */
typedef struct name_pattern {
    const char *pre, *suf;
    size_t pre_len;
} name_pattern;

/* Does name read pre, a run of digits, suf? *k receives the number. */
static int pattern_k(const name_pattern *p, const char *name, int64_t *k) {
    size_t nl = strlen(name), sl = strlen(p->suf);
    if (nl < p->pre_len + sl + 1 || strncmp(name, p->pre, p->pre_len) != 0 ||
        strcmp(name + nl - sl, p->suf) != 0)
        return 0;
    int64_t v = 0;
    for (size_t i = p->pre_len; i < nl - sl; i++) {
        if (!isdigit((unsigned char)name[i]) || v > (INT64_MAX - 9) / 10) return 0;
        v = v * 10 + (name[i] - '0');
    }
    *k = v;
    return 1;
}

static const char *side_name(const parity_pair *p, int side) {
    return side ? p->port->name : p->ref->name;
}

/* The pattern of side's names of series s: a digit run of the first
 * member's name that holds its k, such that every member's name reads the
 * same pattern with its own k. 0 when none does (a step pair, whose names
 * are a stacked tensor's, or names numbered some other way). */
static int side_pattern(const parity_walk *w, const parity_series *s, int side, name_pattern *out) {
    const parity_pair *first = w->stages[s->stage[0]].pair;
    const char *name = side_name(first, side);
    if (first->step >= 0) return 0;
    for (size_t i = 0; name[i];) {
        if (!isdigit((unsigned char)name[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (isdigit((unsigned char)name[j])) j++;
        name_pattern p = {name, name + j, i};
        size_t m = 0;
        int64_t k;
        while (m < s->n && w->stages[s->stage[m]].pair->step < 0 &&
               pattern_k(&p, side_name(w->stages[s->stage[m]].pair, side), &k) && k == s->k[m])
            m++;
        if (m == s->n) {
            *out = p;
            return 1;
        }
        i = j;
    }
    return 0;
}

long parity__side_steps_find(const parity__side_steps *s, int64_t k) {
    for (size_t i = 0; i < s->n; i++)
        if (s->k[i] == k) return (long)i;
    return -1;
}

static int append(parity__side_steps *s, int64_t k, parity__step_tensor t) {
    int64_t *kk = realloc(s->k, (s->n + 1) * sizeof *kk);
    if (kk) s->k = kk;
    parity__step_tensor *tt = kk ? realloc(s->t, (s->n + 1) * sizeof *tt) : NULL;
    if (!tt) return 0;
    s->t = tt;
    s->k[s->n] = k;
    s->t[s->n++] = t;
    return 1;
}

/* Insertion sort by k: a handful of extra steps land after the paired ones. */
static void sort_by_k(parity__side_steps *s) {
    for (size_t i = 1; i < s->n; i++)
        for (size_t j = i; j > 0 && s->k[j - 1] > s->k[j]; j--) {
            int64_t k = s->k[j];
            parity__step_tensor t = s->t[j];
            s->k[j] = s->k[j - 1], s->t[j] = s->t[j - 1];
            s->k[j - 1] = k, s->t[j - 1] = t;
        }
}

parity__step_tensor parity__step_tensor_of(const parity_walk *w, long stage, int side) {
    const parity_pair *p = w->stages[stage].pair;
    parity__step_tensor t = {side ? &p->port_view : &p->ref_view, side ? p->port : p->ref, 1};
    return t;
}

parity_status parity__side_steps_build(const parity_walk *w, const parity_series *s, int side,
                                       parity__side_steps *out, parity_error *err) {
    memset(out, 0, sizeof *out);
    int ok = 1;
    for (size_t j = 0; ok && j < s->n; j++)
        ok = append(out, s->k[j], parity__step_tensor_of(w, (long)s->stage[j], side));
    name_pattern p;
    if (ok && side_pattern(w, s, side, &p)) {
        size_t n = parity_match_unpaired_count(w->match, side);
        for (size_t i = 0; ok && i < n; i++) {
            const parity_tensor *t = parity_match_unpaired(w->match, side, i);
            int64_t k;
            if (!pattern_k(&p, t->name, &k) || parity__side_steps_find(out, k) >= 0) continue;
            ok = append(out, k, (parity__step_tensor){t, t, 0});
        }
    }
    if (!ok) {
        parity__side_steps_free(out);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    }
    sort_by_k(out);
    return PARITY_OK;
}

void parity__side_steps_free(parity__side_steps *s) {
    free(s->k);
    free(s->t);
    memset(s, 0, sizeof *s);
}
