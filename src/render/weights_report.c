/*
 * weights_report.c — parity_report_weights: the whole report of parity
 * weights in the report's format (text for csv, which has no row shape
 * for the groups and ties).
 */
#include "render/weights_impl.h"

const char *parity_report_weights(parity_report *r, const parity_weights *w, const char *ref_path,
                                  const char *port_path) {
    parity__chunk_reset(r);
    switch (r->o.format) {
    case PARITY_FORMAT_JSON: parity__weights_json(r, w, ref_path, port_path); break;
    case PARITY_FORMAT_MD: parity__weights_md(r, w, ref_path, port_path); break;
    case PARITY_FORMAT_TEXT:
    case PARITY_FORMAT_CSV: parity__weights_text(r, w); break;
    }
    return parity__chunk_done(r);
}
