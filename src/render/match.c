/*
 * match.c — the report of parity match (how the stages of two traces
 * pair) and the --map file it writes (docs/matching.md).
 *
 * Text: one line per pair, "REF <- PORT  [how confidence]"; a series paired
 * step by step is one line; then the proposals pairing by content did not
 * use, the unpaired names, and the coverage sentence of every verb.
 * JSON: {"parity":"match","ref":{path,label,stages},"port":{...},
 *        "pairs":[{ref,port,how,confidence,correlation,by_structure,layout,
 *                  steps,step_axis}], "not_used":[{ref,port,confidence,
 *        correlation}], "only_in_ref":[..], "only_in_port":[..],
 *        "coverage":{...}}
 * The map: one "^PORT$  =>  REF" rule per pair that names alone do not
 * make (by content, by --map, by order), the port name escaped for a
 * regex and the reference name for a replacement.
 */
#include "render/emit.h"
#include "render/report_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Pairs [i, end) that are one series paired step by step: the same
 * stacked tensor, positions in a row. */
static size_t series_end(const parity_match *m, size_t i) {
    const parity_pair *p = parity_match_pair(m, i);
    size_t e = i + 1;
    if (p->step < 0) return e;
    for (; e < parity_match_count(m); e++) {
        const parity_pair *q = parity_match_pair(m, e);
        const parity_tensor *a = p->step_side == 0 ? p->ref : p->port;
        const parity_tensor *b = q->step_side == 0 ? q->ref : q->port;
        if (q->step < 0 || q->step_side != p->step_side || a != b) break;
    }
    return e;
}

static void how_text(parity_buf *b, const parity_pair *p) {
    const parity_proposal *pr = p->proposal;
    parity__buf_printf(b, "  [%s", parity__match_how_name(p->how));
    if (p->how == PARITY_MATCH_CONTENT)
        parity__buf_printf(b, " %.3f%s", p->confidence,
                           pr && pr->by_structure ? ", by structure: the values do not correlate"
                                                  : "");
    parity__buf_puts(b, "]");
}

static void text_pairs(parity_report *r, const parity_match *m) {
    parity_buf *b = &r->out;
    for (size_t i = 0, e; i < parity_match_count(m); i = e) {
        const parity_pair *p = parity_match_pair(m, i);
        e = series_end(m, i);
        parity__buf_puts(b, "  ");
        parity__emit_text(b, p->ref->name);
        if (p->step >= 0 && p->step_side == 1 && e - i > 1) {
            parity__buf_puts(b, " .. ");
            parity__emit_text(b, parity_match_pair(m, e - 1)->ref->name);
        }
        parity__buf_puts(b, " <- ");
        parity__emit_text(b, p->port->name);
        if (p->step >= 0 && p->step_side == 0 && e - i > 1) {
            parity__buf_puts(b, " .. ");
            parity__emit_text(b, parity_match_pair(m, e - 1)->port->name);
        }
        if (p->step >= 0 && p->how == PARITY_MATCH_CONTENT)
            parity__buf_printf(b, "  [content %.3f, steps: %zu of %lld positions along axis %d of %s]",
                               p->confidence, e - i, (long long)p->steps, p->step_axis,
                               parity__label(r, p->step_side));
        else if (p->step >= 0)
            parity__buf_printf(b, "  [steps: %zu of %lld positions along axis %d of %s]", e - i,
                               (long long)p->steps, p->step_axis, parity__label(r, p->step_side));
        else how_text(b, p);
        parity__buf_puts(b, "\n");
    }
}

static void text_not_used(parity_report *r, const parity_match *m) {
    parity_buf *b = &r->out;
    int first = 1;
    for (size_t k = 0; k < parity_match_proposal_count(m); k++) {
        const parity_proposal *pr = parity_match_proposal(m, k);
        if (pr->used) continue;
        if (first)
            parity__buf_printf(b, "Proposed by content, not used (confidence below %.1f):\n",
                               PARITY_CONTENT_USE);
        first = 0;
        parity__buf_puts(b, "  ");
        parity__emit_text(b, pr->ref->name);
        parity__buf_puts(b, " <- ");
        parity__emit_text(b, pr->port->name);
        if (isnan(pr->correlation)) parity__buf_puts(b, "  [no layout aligns them]\n");
        else parity__buf_printf(b, "  [correlation %.3f]\n", pr->correlation);
    }
}

static void text_only(parity_report *r, const parity_match *m, int side) {
    parity_buf *b = &r->out;
    size_t n = parity_match_unpaired_count(m, side);
    if (n == 0) return;
    parity__buf_printf(b, "Only in %s (%zu): ", parity__label(r, side), n);
    for (size_t i = 0; i < n; i++) {
        parity__buf_puts(b, i ? ", " : "");
        parity__emit_text(b, parity_match_unpaired(m, side, i)->name);
    }
    parity__buf_puts(b, "\n");
}

static void render_text(parity_report *r, const parity_match *m, const char *ref,
                        const char *port) {
    parity_buf *b = &r->out;
    parity_coverage c;
    parity_match_coverage(m, &c);
    if (c.compared == 0) {
        parity__buf_nothing_compared(b, r, m, "stage", 0);
        parity__buf_puts(b, "\n");
    } else {
        parity__buf_puts(b, "Pairs of ");
        parity__emit_text(b, ref);
        parity__buf_puts(b, " <- ");
        parity__emit_text(b, port);
        parity__buf_puts(b, ":\n");
    }
    text_pairs(r, m);
    text_not_used(r, m);
    text_only(r, m, 0);
    text_only(r, m, 1);
    parity__buf_copies(b, r, m, 0, 0);
    parity__buf_copies(b, r, m, 1, 0);
    if (c.compared) {
        parity__buf_coverage(b, r, &c, "stage", 0);
        parity__buf_puts(b, "\n");
    }
}

static void json_side(parity_report *r, int side, const char *path, const parity_match *m) {
    parity_coverage c;
    parity_match_coverage(m, &c);
    parity__buf_printf(&r->out, "\"%s\":{\"path\":", side ? "port" : "ref");
    parity__buf_json_str(&r->out, path ? path : "");
    parity__json_str(&r->out, "label", parity__label(r, side));
    parity__buf_puts(&r->out, "}");
}

static void json_pair(parity_buf *b, const parity_match *m, const parity_pair *p) {
    const parity_proposal *pr = p->proposal;
    (void)m;
    parity__buf_puts(b, "{\"ref\":");
    parity__buf_json_str(b, p->ref->name);
    parity__json_str(b, "port", p->port->name);
    parity__json_str(b, "how", parity__match_how_name(p->how));
    parity__json_num(b, "confidence", p->confidence);
    if (pr) {
        parity__json_num(b, "correlation", pr->correlation);
        parity__json_bool(b, "by_structure", pr->by_structure);
    }
    parity__json_str(b, "layout", p->layout_ok ? p->layout : NULL);
    if (p->step >= 0) {
        parity__json_u64(b, "step", (uint64_t)p->step);
        parity__json_u64(b, "steps", (uint64_t)p->steps);
        parity__json_str(b, "stacked", p->step_side ? "port" : "ref");
        parity__json_u64(b, "step_axis", (uint64_t)p->step_axis);
    }
    parity__buf_puts(b, "}");
}

static void json_names(parity_buf *b, const parity_match *m, int side) {
    parity__buf_printf(b, ",\n\"only_in_%s\":[", side ? "port" : "ref");
    for (size_t i = 0; i < parity_match_unpaired_count(m, side); i++) {
        parity__buf_puts(b, i ? "," : "");
        parity__buf_json_str(b, parity_match_unpaired(m, side, i)->name);
    }
    parity__buf_puts(b, "]");
}

static void render_json(parity_report *r, const parity_match *m, const char *ref,
                        const char *port) {
    parity_buf *b = &r->out;
    parity__buf_printf(b, "{\"parity\":\"match\",\"version\":\"%s\",", PARITY_VERSION);
    json_side(r, 0, ref, m);
    parity__buf_puts(b, ",");
    json_side(r, 1, port, m);
    parity__buf_puts(b, ",\n\"pairs\":[");
    for (size_t i = 0; i < parity_match_count(m); i++) {
        parity__buf_puts(b, i ? ",\n" : "\n");
        json_pair(b, m, parity_match_pair(m, i));
    }
    parity__buf_puts(b, "],\n\"not_used\":[");
    int first = 1;
    for (size_t k = 0; k < parity_match_proposal_count(m); k++) {
        const parity_proposal *pr = parity_match_proposal(m, k);
        if (pr->used) continue;
        parity__buf_puts(b, first ? "\n{\"ref\":" : ",\n{\"ref\":");
        first = 0;
        parity__buf_json_str(b, pr->ref->name);
        parity__json_str(b, "port", pr->port->name);
        parity__json_num(b, "confidence", pr->confidence);
        parity__json_num(b, "correlation", pr->correlation);
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, "]");
    json_names(b, m, 0);
    json_names(b, m, 1);
    parity__json_coverage(b, m);
    parity__buf_puts(b, "}\n");
}

const char *parity_report_match(parity_report *r, const parity_match *m, const char *ref_path,
                                const char *port_path) {
    parity__chunk_reset(r);
    if (r->o.format == PARITY_FORMAT_JSON) render_json(r, m, ref_path, port_path);
    else render_text(r, m, ref_path, port_path);
    return parity__chunk_done(r);
}

/* ---- the map file ---------------------------------------------------------- */

/* name as a POSIX extended regex matching exactly it ("=>" would end the
 * regex: its '=' goes in brackets). */
static void regex_literal(parity_buf *b, const char *name) {
    for (const char *c = name; *c; c++) {
        if (strchr("\\.[](){}*+?^$|", *c)) parity__buf_printf(b, "\\%c", *c);
        else if (c[0] == '=' && c[1] == '>') parity__buf_puts(b, "[=]");
        else parity__buf_printf(b, "%c", *c);
    }
}

/* A name a map line cannot hold: a line break, or blanks at either end
 * (the replacement is trimmed). */
static int unwritable(const char *name) {
    size_t n = strlen(name);
    if (strpbrk(name, "\n\r")) return 1;
    return n && (name[0] == ' ' || name[0] == '\t' || name[n - 1] == ' ' || name[n - 1] == '\t');
}

/* One rule for p; 0 when its names cannot be written (a comment says). A
 * series paired by content gets one rule, written at its first position
 * (whose member is named by the series' base name): the port's series
 * name with its #k suffix kept (a port traced per position), or the
 * port's stacked name onto the reference series' base name. */
static int map_rule(parity_buf *b, const parity_pair *p) {
    const parity_proposal *pr = p->proposal;
    const char *port = p->port->name, *ref = p->ref->name;
    int port_series = p->step >= 0 && p->step_side == 0;
    if (unwritable(ref) || unwritable(port)) {
        parity__buf_puts(b, "# not written: a name holds a line break or ends in a blank: ");
        parity__emit_text(b, port);
        parity__buf_puts(b, "\n");
        return 0;
    }
    if (p->how == PARITY_MATCH_CONTENT)
        parity__buf_printf(b, "# by content, confidence %.3f%s%s\n", p->confidence,
                           pr && pr->by_structure ? " (by structure: the values do not correlate)"
                                                  : "",
                           p->step >= 0 ? ", step by step" : "");
    else parity__buf_printf(b, "# by %s\n", parity__match_how_name(p->how));
    parity__buf_puts(b, "^");
    regex_literal(b, port);
    parity__buf_puts(b, port_series ? "(#[0-9]+)?$  =>  " : "$  =>  ");
    for (const char *c = ref; *c; c++)
        parity__buf_puts(b, *c == '\\' ? "\\\\" : (char[]){*c, 0});
    parity__buf_puts(b, port_series ? "\\1\n" : "\n");
    return 1;
}

char *parity_match_map_text(const parity_match *m, const char *ref_path, const char *port_path,
                            size_t *n_rules) {
    parity_buf b = {0};
    size_t n = 0;
    parity__buf_puts(&b, "# Pairs the names do not make, one rule each (docs/matching.md).\n"
                         "# Written by parity match for ");
    parity__emit_text(&b, ref_path ? ref_path : "REF");
    parity__buf_puts(&b, " and ");
    parity__emit_text(&b, port_path ? port_path : "PORT");
    parity__buf_puts(&b, "; use with --map.\n");
    for (size_t i = 0; i < parity_match_count(m); i++) {
        const parity_pair *p = parity_match_pair(m, i);
        if (p->how == PARITY_MATCH_EXACT || p->how == PARITY_MATCH_NORMALIZED) continue;
        if (p->step > 0) continue; /* a series: its rule is written at position 0 */
        n += (size_t)map_rule(&b, p);
    }
    if (n_rules) *n_rules = n;
    if (b.oom) {
        free(b.data);
        return NULL;
    }
    return b.data;
}
