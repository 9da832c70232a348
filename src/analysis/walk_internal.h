/* walk_internal.h — the trace walk's private state, shared by walk.c,
 * series.c, solver.c and blame.c. */
#ifndef PARITY_WALK_INTERNAL_H
#define PARITY_WALK_INTERNAL_H

#include "internal.h"

struct parity_walk {
    parity_walk_opts opts;
    const parity_set *ref, *port; /* borrowed: the sets outlive the walk */
    parity_match *match;
    parity_stage *stages;     /* [n_stages] inputs first, then in order */
    size_t n_stages;
    size_t n_inputs;          /* stages[0..n_inputs) are the model inputs  */
    size_t *inputs_differ;    /* [n_inputs_differ] stage indices */
    size_t n_inputs_differ;
    const char **missing;     /* [n_missing] inputs present on one side only */
    size_t n_missing;
    long first, culprit, largest;
    const parity_series *culprit_series; /* when culprit != largest        */
    parity_series *series;    /* [n_series] */
    size_t n_series;
    parity_schedule *schedule;
    parity_guidance *guidance;
    /* blame.c: under PARITY_BLAME_DATAFLOW, blame[n_stages]; its index    */
    /* arrays point into pool, its missing names into names (borrowed from */
    /* the sets)                                                           */
    parity_blame_rule rule;
    int graph_side;
    parity_blame *blame;
    size_t *pool;
    const char **names;
    size_t *culprits, n_culprits;
    size_t *path, n_path;
    size_t *disagree, n_disagree;
};

/* Find the series among w's stages (series.c). */
parity_status parity__walk_series(parity_walk *w, parity_error *err);
/* Infer step sizes and guidance weights (solver.c). */
parity_status parity__walk_solver(parity_walk *w, parity_error *err);
void parity__schedule_free(parity_schedule *s);
/* Blame every stage by the recorded data flow when a side has one, and
 * then name the culprit (blame.c); leaves the order rule's otherwise. */
parity_status parity__walk_blame(parity_walk *w, parity_error *err);
void parity__walk_blame_free(parity_walk *w);
void parity__guidance_free(parity_guidance *g);

/* One tensor of a solver step on one side (solver_steps.c): the aligned
 * view of a paired stage (what the other side is compared in) and the
 * tensor as stored; an unpaired tensor is both. Inner products of a step
 * read the views when all its tensors are paired, else the stored tensors
 * (one side's own layout throughout). */
typedef struct parity__step_tensor {
    const parity_tensor *view, *raw;
    int paired;
} parity__step_tensor;

/* One side's steps of a series: its paired members and the tensors it
 * alone traced under its own name pattern, sorted by step number. */
typedef struct parity__side_steps {
    size_t n;
    int64_t *k;             /* [n] ascending                             */
    parity__step_tensor *t; /* [n]                                       */
} parity__side_steps;

parity__step_tensor parity__step_tensor_of(const parity_walk *w, long stage, int side);
parity_status parity__side_steps_build(const parity_walk *w, const parity_series *s, int side,
                                       parity__side_steps *out, parity_error *err);
void parity__side_steps_free(parity__side_steps *s);
/* The index of step k in s, or -1. */
long parity__side_steps_find(const parity__side_steps *s, int64_t k);

#endif
