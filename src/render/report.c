/*
 * report.c — the parity_report object: picks the format's renderer, hands
 * each finished chunk to the caller, counts verdicts, and holds the number
 * formatting every format shares.
 *
 * Numbers in human formats: %.4g (four significant digits), so -10.38, 2.104,
 * 4.1e-06; -0 prints as 0; a value that is not 0 never prints as 0. A
 * number compared against a threshold in force (relative vs match-tol) gets
 * more digits while its printed form would equal the threshold without the
 * value doing so, so "0.01%" never hides a SMALL DIFF at 0.0100004%.
 */
#include "render/report_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const parity__renderer *renderer_of(parity_format f) {
    switch (f) {
    case PARITY_FORMAT_JSON: return &parity__render_json;
    case PARITY_FORMAT_MD: return &parity__render_md;
    case PARITY_FORMAT_CSV: return &parity__render_csv;
    case PARITY_FORMAT_TEXT: break;
    }
    return &parity__render_text;
}

static const char *format_names[] = {"text", "json", "md", "csv"};

const char *parity_format_name(parity_format f) {
    if ((unsigned)f >= sizeof format_names / sizeof *format_names) return "?";
    return format_names[f];
}

int parity_format_parse(const char *name, parity_format *out) {
    for (size_t i = 0; i < sizeof format_names / sizeof *format_names; i++) {
        if (strcmp(name, format_names[i]) == 0) {
            *out = (parity_format)i;
            return 0;
        }
    }
    return -1;
}

parity_report_opts parity_report_opts_default(void) {
    parity_report_opts o;
    memset(&o, 0, sizeof o);
    o.format = PARITY_FORMAT_TEXT;
    o.diff = parity_diff_opts_default();
    return o;
}

parity_report *parity_report_new(const parity_report_opts *o) {
    parity_report *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->o = o ? *o : parity_report_opts_default();
    return r;
}

void parity_report_free(parity_report *r) {
    if (!r) return;
    parity__buf_free(&r->out);
    free(r);
}

void parity_free(void *p) { free(p); }

const char *parity_report_diff_begin(parity_report *r, const char *ref_path,
                                     const char *port_path) {
    parity__chunk_reset(r);
    renderer_of(r->o.format)->diff_begin(r, ref_path, port_path);
    return parity__chunk_done(r);
}

const char *parity_report_diff_item(parity_report *r,
                                    const parity_report_item *it) {
    parity__chunk_reset(r);
    if ((unsigned)it->verdict < 3) r->counts[it->verdict]++;
    renderer_of(r->o.format)->diff_item(r, it);
    r->n_items++;
    return parity__chunk_done(r);
}

const char *parity_report_diff_end(parity_report *r, const parity_match *m) {
    parity__chunk_reset(r);
    renderer_of(r->o.format)->diff_end(r, m);
    return parity__chunk_done(r);
}

const char *parity_report_info_begin(parity_report *r, const parity_set *s) {
    parity__chunk_reset(r);
    r->n_in_set = 0;
    renderer_of(r->o.format)->info_begin(r, s);
    r->n_sets++;
    return parity__chunk_done(r);
}

const char *parity_report_info_tensor(parity_report *r, const parity_tensor *t,
                                      const parity_stats *st) {
    parity__chunk_reset(r);
    renderer_of(r->o.format)->info_tensor(r, t, st);
    r->n_items++;
    r->n_in_set++;
    return parity__chunk_done(r);
}

const char *parity_report_info_end(parity_report *r) {
    parity__chunk_reset(r);
    renderer_of(r->o.format)->info_end(r);
    return parity__chunk_done(r);
}

/* ---- numbers ------------------------------------------------------------ */

static int nonfinite_str(double x, char *buf, size_t cap) {
    if (isnan(x)) snprintf(buf, cap, "nan");
    else if (isinf(x)) snprintf(buf, cap, x > 0 ? "inf" : "-inf");
    else return 0;
    return 1;
}

char *parity_fmt_num(double x, char *buf, size_t cap) {
    if (nonfinite_str(x, buf, cap)) return buf;
    if (x == 0) {
        snprintf(buf, cap, "0");
        return buf;
    }
    snprintf(buf, cap, "%.4g", x);
    /* %g never rounds a nonzero value to 0, but keep the promise explicit */
    if (strtod(buf, NULL) == 0) snprintf(buf, cap, "%.3e", x);
    return buf;
}

char *parity_fmt_pct(double x, char *buf, size_t cap) {
    if (nonfinite_str(x, buf, cap)) return buf;
    double pct = x * 100.0;
    if (pct == 0) {
        snprintf(buf, cap, "0%%");
        return buf;
    }
    snprintf(buf, cap, "%.3g%%", pct);
    return buf;
}

void parity__buf_num(parity_buf *b, double x) {
    char s[64];
    parity__buf_puts(b, parity_fmt_num(x, s, sizeof s));
}

/* Would |x·scale| printed with p digits read like a threshold x is not? */
static int hits_threshold(double x, double scale, int p, const double *thr,
                          int n_thr) {
    char a[64], t[64];
    snprintf(a, sizeof a, "%.*g", p, fabs(x * scale));
    for (int i = 0; i < n_thr; i++) {
        if (!(thr[i] > 0) || fabs(x) == thr[i]) continue;
        snprintf(t, sizeof t, "%.*g", p, thr[i] * scale);
        if (strcmp(a, t) == 0) return 1;
    }
    return 0;
}

void parity__buf_num_vs(parity_buf *b, double x, double scale, int prec,
                        const double *thr, int n_thr, int pct) {
    char s[64];
    double v = x * scale;
    if (!isfinite(v) || v == 0) {
        parity__buf_puts(b, parity_fmt_num(v, s, sizeof s));
    } else {
        int p = prec;
        while (p < 17 && hits_threshold(x, scale, p, thr, n_thr)) p++;
        snprintf(s, sizeof s, "%.*g", p, v);
        parity__buf_puts(b, s);
    }
    if (pct) parity__buf_puts(b, "%");
}

void parity__buf_full(parity_buf *b, double x) {
    char s[64];
    if (nonfinite_str(x, s, sizeof s)) parity__buf_puts(b, s);
    else parity__buf_printf(b, "%.17g", x);
}

void parity__buf_int(parity_buf *b, int64_t v, int uns) {
    if (uns) parity__buf_printf(b, "%llu", (unsigned long long)(uint64_t)v);
    else parity__buf_printf(b, "%lld", (long long)v);
}

void parity__buf_axis_beyond(parity_buf *b, int axis, int ndim) {
    parity__buf_printf(b, "--axis %d is beyond the %d dimension%s of this tensor: "
                       "no per-index breakdown", axis, ndim, ndim == 1 ? "" : "s");
}

void parity__buf_index(parity_buf *b, const parity_tensor *t, uint64_t flat) {
    int64_t idx[PARITY_MAX_DIMS];
    parity_tensor_unravel(t, flat, idx);
    parity__buf_puts(b, "[");
    for (int k = 0; k < t->ndim; k++)
        parity__buf_printf(b, "%s%lld", k ? ", " : "", (long long)idx[k]);
    parity__buf_puts(b, "]");
}

/* ---- items and labels --------------------------------------------------- */

parity__item_kind parity__item_kind_of(const parity_report_item *it) {
    if (it->ints) return PARITY__ITEM_INT;
    if (!it->pair->layout_ok) return PARITY__ITEM_SHAPE;
    return PARITY__ITEM_FLOAT;
}

const char *parity__label(const parity_report *r, int side) {
    const char *l = r->o.labels[side ? 1 : 0];
    if (l && *l) return l;
    return side ? "port" : "ref";
}

const char *parity__port_name(const parity_report_item *it) {
    const char *a = it->pair->ref->name, *b = it->pair->port->name;
    if (!a || !b || strcmp(a, b) == 0) return NULL;
    return b;
}

const char *parity__match_how_name(parity_match_how how) {
    switch (how) {
    case PARITY_MATCH_EXACT: return "exact";
    case PARITY_MATCH_NORMALIZED: return "normalized";
    case PARITY_MATCH_MAP: return "map";
    case PARITY_MATCH_ORDER: return "order";
    }
    return "?";
}

const char *parity__order_words(parity_order_source s) {
    switch (s) {
    case PARITY_ORDER_METADATA: return "order from __metadata__ parity.order";
    case PARITY_ORDER_INDEX: return "order from index.json";
    case PARITY_ORDER_NATURAL: break;
    }
    return "natural name order";
}

const char *parity__order_token(parity_order_source s) {
    switch (s) {
    case PARITY_ORDER_METADATA: return "metadata";
    case PARITY_ORDER_INDEX: return "index";
    case PARITY_ORDER_NATURAL: break;
    }
    return "natural";
}
