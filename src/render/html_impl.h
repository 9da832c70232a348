/*
 * html_impl.h — the sections of the HTML report (html.c assembles them):
 * each appends one <section> to the document buffer. Never installed.
 */
#ifndef PARITY_HTML_IMPL_H
#define PARITY_HTML_IMPL_H

#include "render/picture.h"

/* What every section reads. */
typedef struct parity__html {
    parity_buf *b;
    const parity_walk *w;
    const parity_html_opts *o;
    const char *labels[2];     /* resolved side names                      */
    size_t *cards;             /* stage indices that get a card            */
    size_t n_cards;
} parity__html;

/* The inline stylesheet (html_style.c) and the optional sorting script. */
void parity__html_style(parity_buf *b);
void parity__html_script(parity_buf *b);

/* html_stages.c: the stage table and the error growth over stages. */
void parity__html_stages(const parity__html *h);
void parity__html_growth(const parity__html *h);
/* html_series.c: per-step error of every series; solver schedules and
 * guidance weights. */
void parity__html_series(const parity__html *h);
void parity__html_solver(const parity__html *h);
/* html_cards.c: pick the stages that get a card, then render the cards. */
parity_status parity__html_pick_cards(parity__html *h, parity_error *err);
parity_status parity__html_cards(const parity__html *h, parity_error *err);
/* html_extra.c: explain results of the carded stages. */
parity_status parity__html_explain(const parity__html *h, parity_error *err);
/* html_weights.c: the comparison of two checkpoints (parity weights). */
parity_status parity__html_weights(const parity__html *h, parity_error *err);

/* Shared cell helpers (html.c). */
void parity__html_num(parity_buf *b, double x);      /* <td> with data-value */
void parity__html_verdict(parity_buf *b, parity_verdict v);
/* Name of stage i (the ref tensor's name). */
const char *parity__html_name(const parity__html *h, size_t i);
/* A link to stage i: its card when it has one, else its table row. */
void parity__html_stage_link(const parity__html *h, long i);
/* Blame by data flow (docs/trace.md, "Blame"): stage i's role ("match",
 * "introduces", "inherits", "unknown"; NULL by execution order) and its
 * badge ("introduces", "inherits from X"; nothing when MATCH). */
const char *parity__html_role(const parity__html *h, size_t i);
void parity__html_role_badge(const parity__html *h, size_t i);
/* html_blame.c: the rule, the path of the error, the two graphs'
 * disagreement, under the summary's verdict. */
void parity__html_blame(const parity__html *h);

#endif /* PARITY_HTML_IMPL_H */
