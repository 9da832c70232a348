/*
 * tracer_impl.h — the C tracer's private state, shared by tracer.c (names,
 * add, close), tracer_dir.c (directory traces) and tracer_inject.c
 * (activation patching). Never included outside src/tracer/.
 */
#ifndef PARITY_TRACER_IMPL_H
#define PARITY_TRACER_IMPL_H

#include "internal.h"

/* One slot of the open-addressing name table: key is either a base name
 * passed to add (repeats = how many times it was added) or a final stage
 * name already in the trace (used = 1); often both. */
typedef struct parity_tracer_name {
    char *key;       /* owned; NULL for an empty slot                     */
    size_t repeats;  /* next #k suffix to try for this base name          */
    int used;        /* this exact string is already a stage name         */
} parity_tracer_name;

struct parity_tracer {
    char *path;              /* the .safetensors file or the directory      */
    int dir_mode;            /* 1: one file per stage + index.json          */
    parity_writer *single;   /* single-file mode: every stage, copied       */
    parity_tracer_name *names; /* [cap_names], a power of two               */
    size_t n_names, cap_names;
    size_t n_stages, n_inputs;
    /* JSON bodies without their brackets, comma-joined, kept in memory so
     * index.json can be rewritten at any time:
     * order  "a","a#1",...     inputs "x",...
     * files  "a":"000001.safetensors",...                                 */
    parity_buf order, inputs, files;
    char **meta_keys, **meta_values; /* [n_meta] user metadata, owned      */
    size_t n_meta, cap_meta;
    parity_set *inject;      /* the reference trace, or NULL                */
    char **inject_norm;      /* [count of inject] normalized names, owned   */
    size_t injected;
    size_t indexed;          /* n_stages when index.json was last written   */
    double indexed_ms;       /* and when (CLOCK_MONOTONIC, milliseconds)    */
};

/* Directory mode (tracer_dir.c). */
/* mkdir -p the directory; refuse one that is neither empty nor a parity
 * trace; remove stage files of an earlier run; write an empty index.json. */
parity_status parity__tracer_dir_init(parity_tracer *t, parity_error *err);
/* Write stage t->n_stages + 1 as NNNNNN.safetensors; *file receives the
 * file name (not the path) into a buffer of cap bytes. */
parity_status parity__tracer_dir_stage(parity_tracer *t, const char *name,
                                       parity_dtype dt, int ndim,
                                       const int64_t *shape, const void *data,
                                       char *file, size_t cap,
                                       parity_error *err);
/* Rewrite index.json atomically (core/fileio.c). */
parity_status parity__tracer_dir_index(parity_tracer *t, parity_error *err);
/* After a stage was written and recorded: rewrite index.json when the
 * stage is an input, or when enough stages or time have passed since the
 * last rewrite (see tracer_dir.c). */
parity_status parity__tracer_dir_added(parity_tracer *t, int is_input,
                                       parity_error *err);

/* Free the inject reference and its normalized names (tracer_inject.c). */
void parity__tracer_inject_free(parity_tracer *t);
/* Inject mode (tracer_inject.c): overwrite data (the caller's buffer of
 * count elements of dt, C order) with the reference tensor named stage. */
parity_status parity__tracer_inject(parity_tracer *t, const char *stage,
                                    parity_dtype dt, int ndim,
                                    const int64_t *shape, void *data,
                                    uint64_t count, parity_error *err);

#endif /* PARITY_TRACER_IMPL_H */
