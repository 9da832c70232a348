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
#include <stddef.h>
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
    parity__buf_free(&s->places);
    free(s);
}

void parity__state_double(parity_buf *b, double x) {
    if (isfinite(x)) parity__buf_printf(b, "%.17g", x);
    else parity__buf_puts(b, isnan(x) ? "\"nan\"" : x > 0 ? "\"inf\"" : "\"-inf\"");
}

static void put_u64(parity_buf *b, const char *key, uint64_t x) {
    parity__buf_printf(b, ",\"%s\":%llu", key, (unsigned long long)x);
}

#define SIDE(key, kind, field) {key, PARITY__SK_##kind, offsetof(parity__side_acc, field)}
const parity__state_field parity__side_fields[] = {
    SIDE("count", U64, count),       SIDE("n_finite", U64, n_finite),
    SIDE("n_nan", U64, n_nan),       SIDE("n_posinf", U64, n_posinf),
    SIDE("n_neginf", U64, n_neginf), SIDE("n_zero", U64, n_zero),
    SIDE("min", DOUBLE, min),        SIDE("argmin", POS, argmin),
    SIDE("max", DOUBLE, max),        SIDE("argmax", POS, argmax),
    SIDE("shift", SHIFT, shift),     SIDE("sum", XSUM, sum),
    SIDE("sum_c2", XSUM, sum_c2),    SIDE("sumsq", XSUM, sumsq),
};
#undef SIDE
const size_t parity__n_side_fields = sizeof parity__side_fields / sizeof *parity__side_fields;

#define PAIR(key, kind, field) {key, PARITY__SK_##kind, offsetof(parity__pair_acc, field)}
const parity__state_field parity__pair_fields[] = {
    PAIR("abs_d", XSUM, abs_d),
    PAIR("d2", XSUM, d2),
    PAIR("rp", XSUM, rp),
    PAIR("cov", XSUM, cov),
    PAIR("abs_max", DOUBLE, abs_max),
    PAIR("abs_max_at", POS, abs_max_at),
    PAIR("abs_max_ref", DOUBLE, abs_max_ref),
    PAIR("abs_max_port", DOUBLE, abs_max_port),
    PAIR("rtol_max", DOUBLE, rtol_max),
    PAIR("mismatched", U64, mismatched),
    PAIR("max_ulp", U64_STR, max_ulp),
    PAIR("max_ulp_at", POS, max_ulp_at),
    PAIR("nf_ref_only", U64, nf_ref_only),
    PAIR("nf_port_only", U64, nf_port_only),
    PAIR("nf_differ", U64, nf_differ),
    PAIR("first_nf_only", POS, first_nf_only),
};
#undef PAIR
const size_t parity__n_pair_fields = sizeof parity__pair_fields / sizeof *parity__pair_fields;

/* The fields of acc, each "key":value after sep ("{" before the first of
 * an object, "," before the others). */
static void put_fields(parity_buf *b, const char *sep, const parity__state_field *f, size_t n,
                       const void *acc) {
    for (size_t i = 0; i < n; i++, sep = ",") {
        const unsigned char *at = (const unsigned char *)acc + f[i].offset;
        uint64_t u;
        double x;
        parity__buf_printf(b, "%s\"%s\":", sep, f[i].key);
        switch (f[i].kind) {
        case PARITY__SK_U64:
        case PARITY__SK_POS:
        case PARITY__SK_U64_STR:
            memcpy(&u, at, sizeof u);
            if (f[i].kind == PARITY__SK_POS && u == PARITY__NO_POS) parity__buf_puts(b, "null");
            else parity__buf_printf(b, f[i].kind == PARITY__SK_U64_STR ? "\"%llu\"" : "%llu",
                                    (unsigned long long)u);
            break;
        case PARITY__SK_DOUBLE:
        case PARITY__SK_SHIFT:
            memcpy(&x, at, sizeof x);
            parity__state_double(b, x);
            break;
        case PARITY__SK_XSUM:
            parity__buf_puts(b, "\"");
            parity__xsum_text((const parity_xsum *)(const void *)at, b);
            parity__buf_puts(b, "\"");
            break;
        }
    }
}

void parity__side_state(parity_buf *b, const parity__side_acc *a) {
    put_fields(b, "{", parity__side_fields, parity__n_side_fields, a);
    if (a->has_isum) { /* integers: the exact sum, so a merge's mean is exact too */
        char digits[48], *d = digits + sizeof digits;
        int neg = a->isum < 0;
        unsigned __int128 v = neg ? -(unsigned __int128)a->isum : (unsigned __int128)a->isum;
        *--d = '\0';
        do *--d = (char)('0' + (int)(v % 10)); while ((v /= 10) != 0);
        if (neg) *--d = '-';
        parity__buf_printf(b, ",\"isum\":\"%s\"", d);
    }
    parity__buf_puts(b, "}");
}

void parity__pair_state(parity_buf *b, const parity__pair_acc *a) {
    parity__buf_puts(b, "{\"r\":");
    parity__side_state(b, &a->r);
    parity__buf_puts(b, ",\"p\":");
    parity__side_state(b, &a->p);
    put_fields(b, ",", parity__pair_fields, parity__n_pair_fields, a);
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

/* ---- the whole comparison ------------------------------------------------ */

static const char *const KIND_NAMES[] = {"float", "int", "sequence", "overlap", "shapes"};
static const char *const OVERLAP_NAMES[] = {"none", "prefix", "shifted"};

const char *parity__pair_kind_name(parity_pair_kind k) {
    return (unsigned)k < 5 ? KIND_NAMES[k] : "?";
}

const char *parity__overlap_name(parity_overlap_how h) {
    return (unsigned)h < 3 ? OVERLAP_NAMES[h] : "?";
}

static void put_bool(parity_buf *b, const char *key, int x) {
    parity__buf_printf(b, ",\"%s\":%s", key, x ? "true" : "false");
}

static void put_str(parity_buf *b, const char *key, const char *s) {
    parity__buf_printf(b, ",\"%s\":", key);
    if (s) parity__buf_json_str(b, s);
    else parity__buf_puts(b, "null");
}

static void put_shape(parity_buf *b, const char *key, const parity_tensor *t) {
    parity__buf_printf(b, ",\"%s\":[", key);
    for (int k = 0; k < t->ndim; k++)
        parity__buf_printf(b, "%s%lld", k ? "," : "", (long long)t->shape[k]);
    parity__buf_puts(b, "]");
}

/* What a report prints of a stored tensor: name, file, dtype, shape. */
static void put_tensor(parity_buf *b, const char *key, const parity_tensor *t) {
    parity__buf_printf(b, ",\"%s\":{\"name\":", key);
    parity__buf_json_str(b, t->name ? t->name : "");
    put_str(b, "file", t->file);
    parity__buf_printf(b, ",\"dtype\":\"%s\"", parity_dtype_name(t->dtype));
    put_shape(b, "shape", t);
    parity__buf_puts(b, "}");
}

/* 64-bit integer values as decimal strings (of the int64 bit pattern). */
static void put_vals(parity_buf *b, const char *key, const int64_t *v, size_t n) {
    parity__buf_printf(b, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++)
        parity__buf_printf(b, "%s\"%lld\"", i ? "," : "", (long long)v[i]);
    parity__buf_puts(b, "]");
}

static size_t hunk_vals(uint64_t n) {
    return n < PARITY_INT_HUNK_VALUES ? (size_t)n : PARITY_INT_HUNK_VALUES;
}

static void put_ints(parity_buf *b, const parity_int_cmp *c) {
    parity__buf_printf(b, ",\"ints\":{\"equal\":%s", c->equal ? "true" : "false");
    put_bool(b, "sequence", c->sequence);
    put_u64(b, "ref_len", c->ref_len);
    put_u64(b, "port_len", c->port_len);
    put_u64(b, "n_compared", c->n_compared);
    put_u64(b, "n_differ", c->n_differ);
    put_u64(b, "first", c->first);
    put_vals(b, "first_vals", (int64_t[]){c->first_ref, c->first_port}, 2);
    put_u64(b, "win_first", c->win_first);
    put_vals(b, "win_ref", c->win_ref, (size_t)c->win_ref_len);
    put_vals(b, "win_port", c->win_port, (size_t)c->win_port_len);
    put_bool(b, "ref_unsigned", c->ref_unsigned);
    put_bool(b, "port_unsigned", c->port_unsigned);
    put_bool(b, "ref_float", c->ref_float);
    put_bool(b, "port_float", c->port_float);
    put_u64(b, "total_hunks", c->total_hunks);
    parity__buf_puts(b, ",\"hunks\":[");
    for (size_t i = 0; i < c->n_hunks && i < PARITY_INT_HUNKS; i++) {
        const parity_int_hunk *h = &c->hunks[i];
        parity__buf_printf(b, "%s{\"ref_at\":%llu", i ? "," : "", (unsigned long long)h->ref_at);
        put_u64(b, "ref_n", h->ref_n);
        put_u64(b, "port_at", h->port_at);
        put_u64(b, "port_n", h->port_n);
        put_vals(b, "ref_vals", h->ref_vals, hunk_vals(h->ref_n));
        put_vals(b, "port_vals", h->port_vals, hunk_vals(h->port_n));
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, "]}");
}

static void put_overlap(parity_buf *b, const parity_comparison *c) {
    const parity_overlap *o = &c->overlap;
    parity__buf_printf(b, ",\"overlap\":{\"how\":\"%s\",\"axis\":%d",
                       parity__overlap_name(o->how), o->axis);
    parity__buf_printf(b, ",\"ref_len\":%lld,\"port_len\":%lld,\"lag\":%lld,\"len\":%lld",
                       (long long)o->ref_len, (long long)o->port_len, (long long)o->lag,
                       (long long)o->len);
    put_shape(b, "part", &c->ref_part);
    parity__buf_puts(b, "}");
}

void parity__put_place(parity_buf *b, int placed, int64_t off, const int64_t *stride, int ndim) {
    if (!placed) {
        parity__buf_puts(b, "null");
        return;
    }
    parity__buf_printf(b, "{\"offset\":%lld,\"strides\":[", (long long)off);
    for (int k = 0; k < ndim; k++) parity__buf_printf(b, "%s%lld", k ? "," : "", (long long)stride[k]);
    parity__buf_puts(b, "]}");
}

const parity_tensor *parity__comparison_view(const parity_pair *p, const parity_comparison *c,
                                             int side) {
    if (c->kind == PARITY_PAIR_OVERLAP) return side ? &c->port_part : &c->ref_part;
    if (c->kind == PARITY_PAIR_FLOAT || c->kind == PARITY_PAIR_INT)
        return side ? &p->port_view : &p->ref_view;
    return NULL;
}

/* ,"places":[ref, port]: where each side's compared view lies in its
 * stored tensor ({"offset": its first element, "strides": in elements},
 * null when it does not), so a merge writes argmin and argmax as positions
 * in the tensor as stored, as the single run does. A merged state says
 * what its parts said. */
static void put_places(parity_buf *b, const parity_pair *p, const parity_comparison *c) {
    const parity_diff_state *s = c->diff.state;
    parity__buf_puts(b, ",\"places\":");
    if (s && s->places.len) {
        parity__buf_put(b, s->places.data, s->places.len);
        return;
    }
    parity__buf_puts(b, "[");
    for (int side = 0; side < 2; side++) {
        const parity_tensor *t = side ? p->port : p->ref, *v = parity__comparison_view(p, c, side);
        int64_t off = 0;
        int placed = v && parity__view_place(t, v, &off);
        if (side) parity__buf_puts(b, ",");
        parity__put_place(b, placed, off, placed ? v->stride : NULL, placed ? v->ndim : 0);
    }
    parity__buf_puts(b, "]");
}

void parity__comparison_state(parity_buf *b, const parity_pair *p,
                              const parity_comparison *c) {
    const parity_diff_state *s = c->diff.state;
    parity__buf_printf(b, "{\"kind\":\"%s\"", parity__pair_kind_name(c->kind));
    parity__buf_printf(b, ",\"how\":\"%s\"", parity__match_how_name(p->how));
    put_bool(b, "layout_ok", p->layout_ok);
    put_str(b, "layout", p->layout);
    put_tensor(b, "ref", p->ref);
    put_tensor(b, "port", p->port);
    put_shape(b, "view", &p->ref_view);
    put_places(b, p, c);
    if (s && s->side[0].len) {
        parity__buf_puts(b, ",\"r\":");
        parity__buf_put(b, s->side[0].data, s->side[0].len);
        parity__buf_puts(b, ",\"p\":");
        parity__buf_put(b, s->side[1].data, s->side[1].len);
    }
    if (s && s->pair.len) {
        parity__buf_puts(b, ",\"m\":");
        parity__buf_put(b, s->pair.data, s->pair.len);
    }
    if (s && s->prof.len) {
        parity__buf_puts(b, ",\"prof\":");
        parity__buf_put(b, s->prof.data, s->prof.len);
    }
    if (c->kind == PARITY_PAIR_INT || c->kind == PARITY_PAIR_SEQUENCE) put_ints(b, &c->ints);
    if (c->kind == PARITY_PAIR_OVERLAP) put_overlap(b, c);
    if (c->kind == PARITY_PAIR_FLOAT) put_bool(b, "same_values", c->same_values);
    parity__buf_puts(b, "}");
}
