/*
 * report.c — the parity_report object: picks the format's renderer, hands
 * each finished chunk to the caller and counts verdicts. What the formats
 * share is in report_common.c.
 */
#include "render/emit.h"
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

/* Text, Markdown and CSV print a label as it is written, so one holding a
 * newline or an escape sequence would break a line or drive the terminal:
 * the report keeps an escaped copy (\n, \x1b) and uses it everywhere.
 * JSON escapes strings its own way and keeps the label as given. */
static int shown_labels(parity_report *r) {
    if (r->o.format == PARITY_FORMAT_JSON) return 1;
    for (int s = 0; s < 2; s++) {
        const char *l = r->o.labels[s];
        if (!l) continue;
        parity_buf b = {0};
        parity__emit_text(&b, l);
        if (b.oom) return 0;
        r->label_shown[s] = b.data ? b.data : NULL;
        r->o.labels[s] = b.data ? b.data : "";
    }
    return 1;
}

parity_report *parity_report_new(const parity_report_opts *o) {
    parity_report *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->o = o ? *o : parity_report_opts_default();
    if (!shown_labels(r)) {
        parity_report_free(r);
        return NULL;
    }
    return r;
}

void parity_report_free(parity_report *r) {
    if (!r) return;
    parity__buf_free(&r->out);
    free(r->label_shown[0]);
    free(r->label_shown[1]);
    free(r);
}

void parity_free(void *p) { free(p); }

const char *parity_report_diff_begin(parity_report *r, const char *ref_path,
                                     const char *port_path, const parity_match *m) {
    parity__chunk_reset(r);
    renderer_of(r->o.format)->diff_begin(r, ref_path, port_path, m);
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

const char *parity_report_nothing_compared(parity_report *r, const parity_match *m,
                                           const char *noun) {
    parity__chunk_reset(r);
    parity_buf *b = &r->out;
    if (r->o.format == PARITY_FORMAT_JSON) {
        parity__buf_puts(b, "{\"nothing_compared\":true");
        parity__json_coverage(b, m);
        for (int side = 0; side < 2; side++) {
            parity__buf_printf(b, ",\"only_in_%s\":[", side ? "port" : "ref");
            for (size_t i = 0; i < parity_match_unpaired_count(m, side); i++) {
                parity__buf_puts(b, i ? "," : "");
                parity__buf_json_str(b, parity_match_unpaired(m, side, i)->name);
            }
            parity__buf_puts(b, "]");
        }
        parity__buf_puts(b, "}\n");
    } else {
        parity__buf_nothing_compared(b, r, m, noun, r->o.format == PARITY_FORMAT_MD);
        parity__buf_puts(b, "\n");
    }
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
