/*
 * tracer_impl.h — the C tracer's private state, shared by tracer.c (open,
 * add, metadata, close), tracer_names.c (stage names and data flow),
 * tracer_view.c (strided views), tracer_dir.c (directory traces) and
 * tracer_inject.c (activation patching). Never included outside
 * src/tracer/.
 */
#ifndef PARITY_TRACER_IMPL_H
#define PARITY_TRACER_IMPL_H

#include "internal.h"
#include "formats/journal.h"

/* One slot of the open-addressing name table: key is a base name passed to
 * an add, a final stage name, or both. */
typedef struct parity_tracer_name {
    char *key;      /* owned; NULL for an empty slot; never moves while    */
                    /* the tracer is open (stage names point at it)        */
    size_t repeats; /* as a base: the next #k suffix to try                */
    size_t latest;  /* as a base: 1 + index of the latest stage added      */
                    /* under it; 0 when none                               */
    size_t stage;   /* 1 + index of the stage of this exact name; 0: none  */
} parity_tracer_name;

/* One recorded stage, in execution order. */
typedef struct parity_tracer_stage {
    const char *name; /* the name table's key                              */
    size_t *parents;  /* [n_parents] indices of earlier stages, owned      */
    size_t n_parents;
} parity_tracer_stage;

/* A reference tensor under its normalized name, for inject lookups. */
typedef struct parity_tracer_key {
    char *norm;   /* owned */
    size_t index; /* in the reference set */
} parity_tracer_key;

struct parity_tracer {
    char *path;              /* the .safetensors file or the directory      */
    int dir_mode;            /* 1: one file per stage + index.json          */
    parity__journal *journal; /* single-file mode: the stages, appended as  */
                             /* they come (formats/journal.h)               */
    int dir_lock;            /* directory mode: the locked directory, or -1 */
    parity_tracer_name *names; /* [cap_names], a power of two               */
    size_t n_names, cap_names;
    parity_tracer_stage *stages; /* [n_stages] in add order                 */
    size_t n_stages, cap_stages, n_inputs, n_with_parents;
    /* JSON bodies without their brackets, comma-joined, kept in memory so
     * index.json can be rewritten at any time:
     * order  "a","a#1",...     inputs "x",...
     * files  "a":"000001.safetensors",...                                 */
    parity_buf order, inputs, files;
    char **meta_keys, **meta_values; /* [n_meta] user metadata, owned      */
    size_t n_meta, cap_meta;
    parity_set *inject;      /* the reference trace, or NULL                */
    parity_tracer_key *inject_keys; /* [count of inject], sorted by (norm, */
                                    /* index)                              */
    unsigned char *inject_axis;     /* [count of inject] for a tensor that */
                                    /* holds every position of a series:   */
                                    /* 1 + the axis (squeezed) its first   */
                                    /* injected call took; 0: none yet;    */
                                    /* 0xFF: a call took it whole          */
    parity_map_rules *map;          /* inject name rules (PARITY_MAP), or NULL     */
    char *map_path;                 /* their file, for messages                    */
    size_t injected;
    unsigned char *scratch; /* a strided view gathered in C order         */
    size_t scratch_cap;
    size_t indexed;          /* n_stages when index.json was last written   */
    double indexed_ms;       /* and when (CLOCK_MONOTONIC, milliseconds)    */
};

/* Stage names and data flow (tracer_names.c). */
/* Free the name table and the stage list. */
void parity__tracer_names_free(parity_tracer *t);
/* The name the next add of base gets, into *cand (base, else base#k for
 * the first free k from its repeat count on); *k receives k. */
parity_status parity__tracer_name_next(const parity_tracer *t, const char *base, parity_buf *cand,
                                       size_t *k, parity_error *err);
/* Count stage (the name parity__tracer_name_next gave for base, with its
 * k) as the next stage, t->n_stages++; *key receives the tracer's copy of
 * the name. */
parity_status parity__tracer_name_commit(parity_tracer *t, const char *base, const char *stage,
                                         size_t k, const char **key, parity_error *err);
/* "stage":["parent",...] for every stage with parents, comma-joined, in
 * stage order, appended to b (the body of the parents object). */
void parity__tracer_parents_json(const parity_tracer *t, parity_buf *b);

/* Strided views (tracer_view.c). */
/* 1 when stride (may be NULL) describes C order for shape. */
int parity__view_c_order(int ndim, const int64_t *shape, const int64_t *stride);
/* Check that the view's element offsets fit a pointer; with writable also
 * that no two elements may share memory. subject starts the messages. */
parity_status parity__view_check(const char *subject, size_t esize, int ndim, const int64_t *shape,
                                 const int64_t *stride, int writable, parity_error *err);
/* Copy the view's count elements of esize bytes at base into dense (C
 * order), or, with scatter, dense back through the view. */
void parity__view_copy(unsigned char *dense, unsigned char *base, size_t esize, int ndim,
                       const int64_t *shape, const int64_t *stride, int scatter);

/* Refuse an inject reference that the output would destroy: a reference
 * file that is the output file, or lies in the output directory
 * (tracer_inject.c). */
parity_status parity__tracer_inject_clash(const parity_tracer *t, const parity_set *ref,
                                          parity_error *err);

/* Directory mode (tracer_dir.c). */
/* mkdir -p the directory and lock it (core/lock.c) for the tracer's
 * lifetime; refuse one that is neither empty nor a parity trace; remove
 * stage files of an earlier run; write an empty index.json. */
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

/* Inject mode (tracer_inject.c). */
/* Free the inject reference, its name index and the map rules. */
void parity__tracer_inject_free(parity_tracer *t);
/* Overwrite data (the caller's buffer of count elements of dt, C order)
 * with the reference tensor of stage, or, for call k of a series (name#k)
 * whose reference holds every position along one axis, with its part at
 * position k. */
parity_status parity__tracer_inject(parity_tracer *t, const char *stage,
                                    parity_dtype dt, int ndim,
                                    const int64_t *shape, void *data,
                                    uint64_t count, parity_error *err);

#endif /* PARITY_TRACER_IMPL_H */
