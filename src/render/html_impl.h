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

#endif /* PARITY_HTML_IMPL_H */
