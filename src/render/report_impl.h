/*
 * report_impl.h — what the four report formats share: the report state, the
 * per-format function table and small formatting helpers (report.c).
 * Renderers only append to r->out; report.c hands the text to the caller.
 */
#ifndef PARITY_REPORT_IMPL_H
#define PARITY_REPORT_IMPL_H

#include "internal.h"

struct parity_report {
    parity_report_opts o;
    parity_buf out;        /* the chunk being built / last returned         */
    uint64_t n_items;      /* tensors reported so far (diff or info)        */
    uint64_t counts[3];    /* diff items per parity_verdict                 */
    int n_sets;            /* info: sets begun                              */
    uint64_t n_in_set;     /* info: tensors of the current set so far       */
    char *label_shown[2];  /* o.labels escaped for text, Markdown and CSV   */
                           /* (owned; o.labels points at them), or NULL     */
};

/* Start a chunk: empty r->out, keep its memory. */
static inline void parity__chunk_reset(parity_report *r) {
    r->out.len = 0;
    if (r->out.data) r->out.data[0] = '\0';
}

/* Finish a chunk: its text, "" when nothing was written, NULL on OOM. */
static inline const char *parity__chunk_done(const parity_report *r) {
    if (r->out.oom) return NULL;
    return r->out.data ? r->out.data : "";
}

/* One format: each hook appends its text to r->out. */
typedef struct parity__renderer {
    void (*diff_begin)(parity_report *r, const char *ref, const char *port,
                       const parity_match *m);
    void (*diff_item)(parity_report *r, const parity_report_item *it);
    void (*diff_end)(parity_report *r, const parity_match *m);
    void (*info_begin)(parity_report *r, const parity_set *s);
    void (*info_tensor)(parity_report *r, const parity_tensor *t,
                        const parity_stats *st);
    void (*info_end)(parity_report *r);
} parity__renderer;

extern const parity__renderer parity__render_text;
extern const parity__renderer parity__render_json;
extern const parity__renderer parity__render_md;
extern const parity__renderer parity__render_csv;

/* What kind of comparison an item holds. */
typedef enum parity__item_kind {
    PARITY__ITEM_FLOAT = 0, /* metrics of parity_diff                       */
    PARITY__ITEM_INT,       /* equality of integer tensors (it->ints)        */
    PARITY__ITEM_SHAPE,     /* shapes irreconcilable: statistics only        */
    PARITY__ITEM_OVERLAP    /* lengths differ along one axis: metrics of the */
                            /* overlap (it->cmp->overlap)                    */
} parity__item_kind;
parity__item_kind parity__item_kind_of(const parity_report_item *it);

/* The reference view the item's metric indices refer to: the aligned view,
 * or for an overlap the part compared. */
const parity_tensor *parity__item_view(const parity_report_item *it);

/* Side label: opts label or "ref"/"port". */
const char *parity__label(const parity_report *r, int side);
/* Name of the item's port tensor when it differs from the ref name. */
const char *parity__port_name(const parity_report_item *it);
/* Order source in words ("natural name order", ...) and as a JSON token. */
const char *parity__order_words(parity_order_source s);
const char *parity__order_token(parity_order_source s);

/* Append "[0, 3, 17]": the multi-index of flat index flat in view t. */
void parity__buf_index(parity_buf *b, const parity_tensor *t, uint64_t flat);
/* snprintf(buf, cap, "%.*g", prec, x): the same bytes, mostly without
 * snprintf (numfmt.c). */
int parity__fmt_g(double x, int prec, char *buf, size_t cap);
/* Append a number as parity_fmt_num prints it. */
void parity__buf_num(parity_buf *b, double x);
/* Append x·scale with at least prec significant digits, more while the
 * printed value would equal a threshold (thr[i]·scale, thr[i] > 0) that x
 * itself is not, comparing magnitudes. pct appends "%". */
void parity__buf_num_vs(parity_buf *b, double x, double scale, int prec,
                        const double *thr, int n_thr, int pct);
/* Append a number at full precision (%.17g; nan/inf/-inf spelled out). */
void parity__buf_full(parity_buf *b, double x);
/* Append an integer element exactly: as int64, or as uint64 when uns. */
void parity__buf_int(parity_buf *b, int64_t v, int uns);

/* ---- the lines of one compared tensor (report_blocks.c) ----------------
 * Text: every line prefix ("Diff:", "ref:") is padded to one width, the
 * longest of the labels plus ":" and "Status:", plus one space. */
void parity__text_prefix(parity_report *r, const char *word);
void parity__text_label_prefix(parity_report *r, int side);
/* "[1, 80, 200], range=[-10.38, 0], mean=-5.81, std=2.104[, nan=N, inf=M]" */
void parity__text_stats(parity_buf *b, const parity_tensor *t, const parity_stats *s);
/* "Diff:   abs_mean=1.46, abs_max=2.31, relative=25.3%" and its newline. */
void parity__text_diff_line(parity_report *r, const parity_diff *d);
/* "More:   mean_diff=..., rmse=..., ..., worst=[..] ref=.. port=..", indices
 * in view's shape. */
void parity__text_more_line(parity_report *r, const parity_diff *d, const parity_tensor *view);
/* "Note:" lines: a reference of zeros (relative is ||d||), non-finite
 * values on one side only (with the first such index in view's shape). */
void parity__text_value_notes(parity_report *r, const parity_diff *d, const parity_tensor *view);
/* JSON: {"dtype":..,"shape":..,"count":..,...} of one side, and
 * ,"metrics":{...} of a pair (indices in view's shape). */
void parity__json_stats(parity_buf *b, const parity_tensor *t, const parity_tensor *view,
                        const parity_stats *s);
/* Input i of walk w differs only by the rounding of its storage: the
 * coarser dtype (F16 against F32, relative within its unit roundoff), else
 * PARITY_DT_INVALID. */
parity_dtype parity__input_storage_rounding(const parity_walk *w, size_t i);
/* Some input differs, none is missing, and each differs only so. */
int parity__inputs_storage_only(const parity_walk *w);
/* The view of one side an item's statistics were computed over, or NULL
 * when they are of the tensor as stored. */
const parity_tensor *parity__item_side_view(const parity_report_item *it, int side);
void parity__json_metrics(parity_buf *b, const parity_diff *d, const parity_tensor *v);

/* The requested --axis values (r->o.diff.axes) that a tensor of ndim
 * dimensions does not have, into out[4]; returns how many. Such a tensor
 * gets a note instead of a per-index breakdown. */
static inline int parity__axes_beyond(const parity_report *r, int ndim, int *out) {
    int n = 0;
    for (int i = 0; i < r->o.diff.n_axes && i < 4; i++) {
        int k = r->o.diff.axes[i];
        if (k < -ndim || k >= ndim) out[n++] = k;
    }
    return n;
}
/* One hunk of an id edit script: "dropped ref[0] = 708", "inserted
 * port[5..6] = 3, 4", "replaced 2 ids at ref[7..8] = 5, 6 by port[7..8] =
 * 9, 9" (ranges inclusive, the first values of each). */
void parity__buf_hunk(parity_buf *b, const parity_int_hunk *h, int ref_uns, int port_uns);
/* Every hunk of c, "; " between them, "(and N more)" past the kept ones. */
void parity__buf_hunks(parity_buf *b, const parity_int_cmp *c);
/* How two tensors of different lengths relate: "port = ref + 398 more
 * along axis 1 (the first 500 MATCH)", "port = ref[1:] along axis 0 (the
 * 45 they share MATCH)", "port[2:] = ref[:498] ...", or "no prefix and no
 * shift: compared on the first 500 along axis 1". */
void parity__buf_overlap(parity_buf *b, const parity_report *r, const parity_overlap *o);

/* Coverage (docs/matching.md): "5 of 7 tensors compared (1 only in
 * Python, 1 only in Swift, 2 copies not compared, 1 left out by
 * --only/--skip, 1 irreconcilable)", each part only when not zero; noun is
 * "tensor" or "stage". md wraps the counts in bold. */
void parity__buf_coverage(parity_buf *b, const parity_report *r, const parity_coverage *c,
                          const char *noun, int md);
/* The statement when nothing was compared, on one line: "0 of 6 stages
 * compared: no stage of swift pairs with one of python (python: a, b, c,
 * ...; swift: x, y, ...); pair them with --map FILE, --by-order, or
 * --pair auto". md puts names in backticks. */
void parity__buf_nothing_compared(parity_buf *b, const parity_report *r,
                                  const parity_match *m, const char *noun, int md);
/* The unpaired copies of one side: "copies not compared in ref: dropout
 * (= attn), ..." (text) or "dropout (= attn)" items; nothing when none. */
void parity__buf_copies(parity_buf *b, const parity_report *r, const parity_match *m,
                        int side, int md);
/* JSON: ,"coverage":{...} and the copies of both sides. */
void parity__json_coverage(parity_buf *b, const parity_match *m);

/* Append the note on such an axis: "--axis 3 is beyond the 2 dimensions of
 * this tensor: no per-index breakdown" (text and JSON say the same). */
void parity__buf_axis_beyond(parity_buf *b, int axis, int ndim);

/* The worst indices of a profile: up to 5 with the largest abs_mean,
 * largest first, ties to the lower index, NaN rows skipped. Returns how
 * many were written to best[5]. */
static inline int parity__profile_worst(const parity_axis_profile *p, int64_t *best) {
    int n = 0;
    for (int64_t i = 0; i < p->len; i++) {
        double v = p->abs_mean[i];
        if (v != v) continue; /* NaN: no finite pair at this index */
        int k = n < 5 ? n++ : 5;
        while (k > 0 && p->abs_mean[best[k - 1]] < v) {
            if (k < 5) best[k] = best[k - 1];
            k--;
        }
        if (k < 5) best[k] = i;
    }
    return n;
}

#endif /* PARITY_REPORT_IMPL_H */
