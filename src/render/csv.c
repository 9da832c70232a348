/*
 * csv.c — reports as CSV (RFC 4180: fields with a comma, quote or newline
 * are quoted, quotes doubled; control characters escaped, render/emit.c),
 * one row per tensor, numbers at full
 * precision (%.17g; nan, inf, -inf spelled out), shapes as 1x80x200.
 * Unpaired tensors are rows of kind only_ref / only_port, so a spreadsheet
 * sees everything the text report says.
 */
#include "render/emit.h"
#include "render/report_impl.h"

#include <string.h>

static void csv_num(parity_buf *b, double x) {
    parity__buf_puts(b, ",");
    parity__buf_full(b, x);
}

static void csv_shape(parity_buf *b, const parity_tensor *t) {
    parity__buf_puts(b, ",");
    for (int k = 0; k < t->ndim; k++)
        parity__buf_printf(b, "%s%lld", k ? "x" : "", (long long)t->shape[k]);
}

static const char *diff_header =
    "name,port_name,kind,ref_dtype,port_dtype,ref_shape,port_shape,layout,"
    "abs_mean,abs_max,mean_diff,mean_diff_db,rmse,relative,cosine,pcc,snr_db,"
    "needed_atol,needed_rtol,max_ulp,mismatched,verdict\n";

static void csv_diff_begin(parity_report *r, const char *ref, const char *port,
                           const parity_match *m) {
    (void)ref, (void)port, (void)m;
    parity__buf_puts(&r->out, diff_header);
}

static void csv_metrics(parity_buf *b, const parity_diff *d) {
    csv_num(b, d->abs_mean);
    csv_num(b, d->abs_max);
    csv_num(b, d->mean_diff);
    csv_num(b, d->mean_diff_db);
    csv_num(b, d->rmse);
    csv_num(b, d->relative);
    csv_num(b, d->cosine);
    csv_num(b, d->pcc);
    csv_num(b, d->snr_db);
    csv_num(b, d->needed_atol);
    csv_num(b, d->needed_rtol);
    parity__buf_printf(b, ",%llu,%llu", (unsigned long long)d->max_ulp,
                       (unsigned long long)d->mismatched);
}

static void csv_diff_item(parity_report *r, const parity_report_item *it) {
    parity_buf *b = &r->out;
    parity__item_kind kind = parity__item_kind_of(it);
    static const char *kinds[4] = {"float", "int", "shape", "overlap"};
    parity__emit_csv_field(b, it->pair->ref->name, 1);
    parity__emit_csv_field(b, it->pair->port->name, 0);
    parity__emit_csv_field(b, kinds[kind], 0);
    parity__emit_csv_field(b, parity_dtype_name(it->pair->ref->dtype), 0);
    parity__emit_csv_field(b, parity_dtype_name(it->pair->port->dtype), 0);
    csv_shape(b, it->pair->ref);
    csv_shape(b, it->pair->port);
    parity__emit_csv_field(b, it->pair->layout, 0);
    if (kind == PARITY__ITEM_FLOAT || kind == PARITY__ITEM_OVERLAP) csv_metrics(b, it->diff);
    else parity__buf_puts(b, ",,,,,,,,,,,,,");
    parity__emit_csv_field(b, parity_verdict_str(it->verdict), 0);
    parity__buf_puts(b, "\n");
}

static void csv_unpaired(parity_report *r, const parity_match *m, int side) {
    size_t n = m ? parity_match_unpaired_count(m, side) : 0;
    for (size_t i = 0; i < n; i++) {
        const parity_tensor *t = parity_match_unpaired(m, side, i);
        parity__emit_csv_field(&r->out, side ? "" : t->name, 1);
        parity__emit_csv_field(&r->out, side ? t->name : "", 0);
        parity__emit_csv_field(&r->out, side ? "only_port" : "only_ref", 0);
        parity__buf_puts(&r->out, ",,,,,,,,,,,,,,,,,,,\n");
    }
}

/* Copies not compared: rows of kind copy_ref / copy_port, the layout
 * column naming the stage they copy. */
static void csv_copies(parity_report *r, const parity_match *m, int side) {
    size_t n = m ? parity_match_copies_count(m, side) : 0;
    for (size_t i = 0; i < n; i++) {
        const parity_copy *c = parity_match_copy(m, side, i);
        parity__emit_csv_field(&r->out, side ? "" : c->t->name, 1);
        parity__emit_csv_field(&r->out, side ? c->t->name : "", 0);
        parity__emit_csv_field(&r->out, side ? "copy_port" : "copy_ref", 0);
        parity__buf_puts(&r->out, ",,,,");
        parity__emit_csv_field(&r->out, c->of->name, 0);
        parity__buf_puts(&r->out, ",,,,,,,,,,,,,,\n");
    }
}

static void csv_diff_end(parity_report *r, const parity_match *m) {
    csv_unpaired(r, m, 0);
    csv_unpaired(r, m, 1);
    csv_copies(r, m, 0);
    csv_copies(r, m, 1);
}

static void csv_info_begin(parity_report *r, const parity_set *s) {
    (void)s;
    if (r->n_sets == 0)
        parity__buf_puts(&r->out, "path,name,dtype,shape,count,min,max,mean,std,"
                                  "n_nan,n_posinf,n_neginf\n");
}

static void csv_info_tensor(parity_report *r, const parity_tensor *t,
                            const parity_stats *st) {
    parity_buf *b = &r->out;
    parity__emit_csv_field(b, t->file, 1);
    parity__emit_csv_field(b, t->name, 0);
    parity__emit_csv_field(b, parity_dtype_name(t->dtype), 0);
    csv_shape(b, t);
    parity__buf_printf(b, ",%llu", (unsigned long long)st->count);
    csv_num(b, st->min);
    csv_num(b, st->max);
    csv_num(b, st->mean);
    csv_num(b, st->std);
    parity__buf_printf(b, ",%llu,%llu,%llu\n", (unsigned long long)st->n_nan,
                       (unsigned long long)st->n_posinf, (unsigned long long)st->n_neginf);
}

static void csv_info_end(parity_report *r) { (void)r; }

const parity__renderer parity__render_csv = {
    csv_diff_begin, csv_diff_item, csv_diff_end,
    csv_info_begin, csv_info_tensor, csv_info_end,
};
