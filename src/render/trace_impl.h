/*
 * trace_impl.h — what the three renderings of a trace walk share
 * (trace_common.c): the context of one rendering and the sentences text
 * and Markdown both print.
 */
#ifndef PARITY_TRACE_IMPL_H
#define PARITY_TRACE_IMPL_H

#include "render/report_impl.h"

typedef struct parity__trace {
    parity_report *r;          /* format, labels, thresholds; r->out */
    const parity_walk *w;
    const parity_set *ref, *port;
    const char *inputs_glob;   /* the walk's --inputs GLOB, or NULL */
    size_t n_stages;
    uint64_t counts[3];        /* stages per parity_verdict */
} parity__trace;

/* Is stage i a model input (marked by a tracer or matched by the glob)? */
int parity__trace_is_input(const parity__trace *t, size_t i);
/* Which side holds an unpaired input name: 0 ref, 1 port. */
int parity__trace_missing_side(const parity__trace *t, const char *name);

/* The sentences, without a trailing newline. Markdown passes md = 1 so
 * tensor names are wrapped in backticks. */
void parity__trace_inputs_line(const parity__trace *t, parity_buf *b, int md);
void parity__trace_first_line(const parity__trace *t, parity_buf *b, int md);
void parity__trace_culprit_line(const parity__trace *t, parity_buf *b, int md);
/* The schedule's "States: ..." line (which series, before or after each
 * step, the initial state), the reason row i has no dt, and the sentence
 * on unknown times (returns 0 and writes nothing when every time is
 * known). Only when the walk has a schedule. */
void parity__trace_states_line(const parity__trace *t, parity_buf *b, int md);
void parity__trace_step_note(const parity_schedule *s, parity_buf *b, size_t i,
                             const char *const labels[2]);
int parity__trace_unknown_times(const parity__trace *t, parity_buf *b);
/* Do the schedules differ: a step one side alone traced, or a dt of a
 * step both traced beyond the agreement tolerance? And the sentence that
 * says so (text, Markdown and HTML), without a trailing newline:
 * "The schedules differ: ref has 10 steps, port 9 (k=10 only in ref)",
 * "The schedules differ: first at k=1, dt 0.07612 vs 0.25000",
 * "The schedules agree." */
int parity__trace_schedule_differs(const parity_schedule *s);
void parity__trace_schedule_verdict(const parity_schedule *s, parity_buf *b,
                                    const char *const labels[2]);
/* The notes of stage i, "; " between them ("input; compared after
 * permute(0,2,1); F32 vs F16; port: other.name"); text (md = 0) puts two
 * spaces before the first, the gap from the verdict column. */
void parity__trace_stage_notes(const parity__trace *t, parity_buf *b, size_t i, int md);
/* Blame (docs/trace.md, "Blame"). A stage's name in these sentences (a
 * step pair's "name@k"); "match", "introduces", "inherits", "unknown". */
const char *parity__trace_stage_name(const parity__trace *t, size_t i);
const char *parity__trace_role_token(parity_role r);
/* Stage i's role as a note: "introduces", "inherits from a and b",
 * "cannot tell: x not compared"; nothing under the order rule or MATCH. */
void parity__trace_role_note(const parity__trace *t, parity_buf *b, size_t i, int md);
/* "Blame by data flow (...): 1 stage introduces an error, 12 inherit it"
 * or "Blame by execution order: no data flow recorded (...)". */
void parity__trace_blame_line(const parity__trace *t, parity_buf *b);
/* The culprit under data flow, after "Culprit: " (culprit_line calls it). */
void parity__trace_flow_culprit(const parity__trace *t, parity_buf *b, int md);
/* The other culprits ("Also introduces an error: ..."), the path of the
 * error (at most max links; the middle left out), the disagreement of the
 * two graphs; each returns 0 and writes nothing when there is none. */
int parity__trace_also_line(const parity__trace *t, parity_buf *b, int md);
int parity__trace_path_line(const parity__trace *t, parity_buf *b, size_t max, int md);
int parity__trace_disagree_line(const parity__trace *t, parity_buf *b, int md);
/* The note on natural name order; nothing when the order was recorded. */
void parity__trace_order_note(const parity__trace *t, parity_buf *b);
/* A per-step value in two significant digits ("1.2e-07", "0.54", "0"). */
void parity__trace_short(parity_buf *b, double x);
/* "k=1..10" for consecutive numbers, else "k=1,3,7". */
void parity__trace_k_range(parity_buf *b, const int64_t *k, size_t n);
/* Does some |a_i − b_i| exceed tol of the largest magnitude (or is it
 * NaN)? *at receives the first such index. */
int parity__trace_pairs_differ(const double *a, const double *b, size_t n, double tol, size_t *at);
/* " within F16 rounding (dt within 0.39% of the largest)" when the walk
 * widened the tolerance for a storage coarser than float32 (tol > 1e-4);
 * nothing otherwise. */
void parity__trace_within(parity_buf *b, parity_dtype precision, double tol, const char *what);

/* A relative error with the digits the thresholds in force need. */
void parity__trace_rel(const parity__trace *t, parity_buf *b, double rel);

/* The three renderings. */
/* Step pairs (docs/matching.md): stages [i, end) are the positions of one
 * series paired with a stacked tensor (end = i + 1 for any other stage);
 * the worst of them (by verdict, then relative) and the first that is not
 * MATCH (*first, -1 if none). Tables show such a run as one row. */
size_t parity__trace_step_run_end(const parity__trace *t, size_t i);
size_t parity__trace_step_run_worst(const parity__trace *t, size_t i, size_t j, long *first);

void parity__trace_text(parity__trace *t);
void parity__trace_json(parity__trace *t);
void parity__trace_md(parity__trace *t);

#endif /* PARITY_TRACE_IMPL_H */
