/*
 * trace.c — parity_report_trace: the report of a trace walk in the chosen
 * format (trace_text.c, trace_json.c, trace_md.c).
 */
#include "render/trace_impl.h"

const char *parity_report_trace(parity_report *r, const parity_walk *w,
                                const parity_set *ref, const parity_set *port,
                                const char *inputs_glob) {
    parity__trace t = {r, w, ref, port, inputs_glob, parity_walk_stage_count(w), {0, 0, 0}};
    parity__chunk_reset(r);
    for (size_t i = 0; i < t.n_stages; i++) {
        unsigned v = (unsigned)parity_walk_stage(w, i)->diff.verdict;
        t.counts[v < 3 ? v : 2]++;
    }
    if (r->o.format == PARITY_FORMAT_JSON) parity__trace_json(&t);
    else if (r->o.format == PARITY_FORMAT_MD) parity__trace_md(&t);
    else parity__trace_text(&t);
    return parity__chunk_done(r);
}
