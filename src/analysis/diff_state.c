/*
 * diff_state.c — the exact partial state of a comparison, as JSON text
 * (docs/json-schema.md, "state"): everything its metrics are computed
 * from, written so that it reads back to the same bits and merges with
 * the state of another slice exactly (merge.c reads it).
 *
 *   counts, positions   integers; a position not yet seen is null
 *   doubles             %.17g (round-trips), or "nan", "inf", "-inf"
 *   exact sums          parity__xsum_text: "0x1b3p-20" = 0x1b3 · 2^-20
 *   64-bit counts that  strings ("max_ulp"), since JSON readers keep
 *   may pass 2^53       numbers as doubles
 *
 * Every field is a function of the accumulated values alone, so two runs
 * that saw the same elements write the same bytes.
 */
#include "acc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

parity_diff_state *parity__state_new(void) {
    return calloc(1, sizeof(parity_diff_state));
}

void parity__state_free(parity_diff_state *s) {
    if (!s) return;
    parity__buf_free(&s->side[0]);
    parity__buf_free(&s->side[1]);
    parity__buf_free(&s->pair);
    parity__buf_free(&s->prof);
    free(s);
}

void parity__state_double(parity_buf *b, double x) {
    if (isfinite(x)) parity__buf_printf(b, "%.17g", x);
    else parity__buf_puts(b, isnan(x) ? "\"nan\"" : x > 0 ? "\"inf\"" : "\"-inf\"");
}

static void put_double(parity_buf *b, const char *key, double x) {
    parity__buf_printf(b, ",\"%s\":", key);
    parity__state_double(b, x);
}

static void put_u64(parity_buf *b, const char *key, uint64_t x) {
    parity__buf_printf(b, ",\"%s\":%llu", key, (unsigned long long)x);
}

/* A flat position, or null for PARITY__NO_POS. */
static void put_pos(parity_buf *b, const char *key, uint64_t x) {
    if (x == PARITY__NO_POS) parity__buf_printf(b, ",\"%s\":null", key);
    else put_u64(b, key, x);
}

static void put_xsum(parity_buf *b, const char *key, const parity_xsum *s) {
    parity__buf_printf(b, ",\"%s\":\"", key);
    parity__xsum_text(s, b);
    parity__buf_puts(b, "\"");
}

void parity__side_state(parity_buf *b, const parity__side_acc *a) {
    parity__buf_printf(b, "{\"count\":%llu", (unsigned long long)a->count);
    put_u64(b, "n_finite", a->n_finite);
    put_u64(b, "n_nan", a->n_nan);
    put_u64(b, "n_posinf", a->n_posinf);
    put_u64(b, "n_neginf", a->n_neginf);
    put_u64(b, "n_zero", a->n_zero);
    put_double(b, "min", a->min);
    put_pos(b, "argmin", a->argmin);
    put_double(b, "max", a->max);
    put_pos(b, "argmax", a->argmax);
    put_double(b, "shift", a->shift);
    put_xsum(b, "sum", &a->sum);
    put_xsum(b, "sum_c2", &a->sum_c2);
    put_xsum(b, "sumsq", &a->sumsq);
    parity__buf_puts(b, "}");
}

void parity__pair_state(parity_buf *b, const parity__pair_acc *a) {
    parity__buf_puts(b, "{\"r\":");
    parity__side_state(b, &a->r);
    parity__buf_puts(b, ",\"p\":");
    parity__side_state(b, &a->p);
    put_xsum(b, "abs_d", &a->abs_d);
    put_xsum(b, "d2", &a->d2);
    put_xsum(b, "rp", &a->rp);
    put_xsum(b, "cov", &a->cov);
    put_double(b, "abs_max", a->abs_max);
    put_pos(b, "abs_max_at", a->abs_max_at);
    put_double(b, "abs_max_ref", a->abs_max_ref);
    put_double(b, "abs_max_port", a->abs_max_port);
    put_double(b, "rtol_max", a->rtol_max);
    put_u64(b, "mismatched", a->mismatched);
    parity__buf_printf(b, ",\"max_ulp\":\"%llu\"", (unsigned long long)a->max_ulp);
    put_pos(b, "max_ulp_at", a->max_ulp_at);
    put_u64(b, "nf_ref_only", a->nf_ref_only);
    put_u64(b, "nf_port_only", a->nf_port_only);
    put_u64(b, "nf_differ", a->nf_differ);
    put_pos(b, "first_nf_only", a->first_nf_only);
    parity__buf_puts(b, "}");
}

/* "key":[...] of one quantity of every index. */
static void prof_column(parity_buf *b, const parity__prof *pr, int what) {
    static const char *keys[] = {"n", "abs_max", "d", "ad", "d2", "r2"};
    parity__buf_printf(b, ",\"%s\":[", keys[what]);
    for (int64_t i = 0; i < pr->len; i++) {
        const parity__prof_total *t = &pr->total[i];
        if (i) parity__buf_puts(b, ",");
        if (what == 0) {
            parity__buf_printf(b, "%llu", (unsigned long long)t->n);
        } else if (what == 1) {
            parity__state_double(b, t->abs_max);
        } else {
            parity_xsum s;
            parity__xacc_get(&t->x[what - 2], &s);
            parity__buf_puts(b, "\"");
            parity__xsum_text(&s, b);
            parity__buf_puts(b, "\"");
        }
    }
    parity__buf_puts(b, "]");
}

void parity__prof_state(parity_buf *b, const parity__prof *pr, int n) {
    parity__buf_puts(b, "[");
    for (int k = 0; k < n; k++) {
        parity__buf_printf(b, "%s{\"axis\":%d,\"len\":%lld", k ? "," : "", pr[k].axis,
                           (long long)pr[k].len);
        for (int what = 0; what < 6; what++) prof_column(b, &pr[k], what);
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, "]");
}

parity_status parity__state_keep(parity_diff *out, const parity__side_acc *r,
                                 const parity__side_acc *p, const parity__pair_acc *a,
                                 const parity__prof *pr, int n_prof, parity_error *err) {
    parity_diff_state *s = parity__state_new();
    FAIL_IF(!s, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "the state of a pair: out of memory");
    parity__side_state(&s->side[0], r);
    parity__side_state(&s->side[1], p);
    if (a) parity__pair_state(&s->pair, a);
    if (n_prof > 0) parity__prof_state(&s->prof, pr, n_prof);
    int oom = s->side[0].oom || s->side[1].oom || s->pair.oom || s->prof.oom;
    if (oom) parity__state_free(s);
    FAIL_IF(oom, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "the state of a pair: out of memory");
    parity__state_free(out->state);
    out->state = s;
    return PARITY_OK;
}
