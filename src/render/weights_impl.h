/*
 * weights_impl.h — what the renderings of parity weights share
 * (weights_lines.c): the sentences text, Markdown and the HTML report all
 * print, and the three renderings (weights_text.c, weights_json.c,
 * weights_md.c) that weights_report.c dispatches to. Never installed.
 */
#ifndef PARITY_WEIGHTS_IMPL_H
#define PARITY_WEIGHTS_IMPL_H

#include "render/report_impl.h"

/* The name a weight is shown by on side s: the tensor's, or for a part of
 * a fused tensor the slice's ("qkv.weight[0:512]"). NULL for side 1 when
 * it equals side 0's. */
const char *parity__weights_port_name(const parity_weight *w);

/* The finding as a JSON token: "exact", "close", "rounded", "quantized",
 * "quant_error", "rows", "constant", "explained", "unexplained", "shapes". */
const char *parity__weights_finding_token(parity_weight_finding f);
/* "exact", "normalized", "map", "order" (parity_pair.how), or "fused". */
const char *parity__weights_how(const parity_weight *w);

/* "13 of 15 weights compared: 11 MATCH, 1 SMALL DIFF, 1 LARGE DIFF; 1 tied
 * name not missing; 2 fused tensors split; 1 only in ref, 1 only in port"
 * (labels[0], labels[1]: the side names), without a newline. */
void parity__weights_summary_line(parity_buf *b, const char *const *labels,
                                  const parity_weights *w);
/* "lm_head.weight and embed.weight are one array in ref (one storage);
 * lm_head.weight is not in port: not counted as missing"; md wraps names in backticks and
 * escapes them for Markdown (else for a terminal). No newline. */
void parity__weights_tie_line(parity_buf *b, const char *const *labels, const parity_weight_tie *t,
                              int md);
/* The note on name i only on side (when parity_weights_only_copy has
 * one; else nothing): "lm_head.weight is bit-identical to embed.weight in
 * ref, whose format cannot record tied names: if port ties them, leave it
 * out with --skip lm_head.weight", or for a side that records sharing
 * (PyTorch) "..., a separate storage: two arrays, not tied". No newline. */
void parity__weights_copy_line(parity_buf *b, const char *const *labels, const parity_weights *w,
                               int side, size_t i, int md);
/* Every such note of side's names, a line each ("note: ..."; md: "- note:
 * ..."). */
void parity__weights_copy_notes(parity_buf *b, const char *const *labels, const parity_weights *w,
                                int side, int md);
/* A group's counts: "8 weights: 6 MATCH, 1 SMALL DIFF, 1 LARGE DIFF; 1
 * only in ref" (only the counts that are not 0). No newline. */
void parity__weights_group_counts(parity_buf *b, const char *const *labels,
                                  const parity_weight_group *g);
/* The group's prefix as printed: "(top level)" for "". */
const char *parity__weights_group_name(const parity_weight_group *g);

void parity__weights_text(parity_report *r, const parity_weights *w);
void parity__weights_json(parity_report *r, const parity_weights *w, const char *ref,
                          const char *port);
void parity__weights_md(parity_report *r, const parity_weights *w, const char *ref,
                        const char *port);

#endif /* PARITY_WEIGHTS_IMPL_H */
