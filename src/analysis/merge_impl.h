/*
 * merge_impl.h — reading the JSON of a parity diff back (internal to
 * src/analysis): the typed fields of merge_read.c, one pair's identity and
 * merged state (merge_state.c), for merge.c.
 */
#ifndef PARITY_MERGE_IMPL_H
#define PARITY_MERGE_IMPL_H

#include "acc.h"

#include <cjson/cJSON.h>

/* Where values are read from, for the one-line errors: "FILE: line N:
 * tensor 'x': state.m.abs_d: expected ...". */
typedef struct parity__rd {
    const char *file;
    long line;              /* 0: no line                                  */
    const char *tensor;     /* NULL: not inside a tensor                   */
    parity_error *err;
} parity__rd;

/* Fail with PARITY_E_FORMAT: the place, path.key (path may be ""), and
 * the printf-style rest. */
parity_status parity__rd_fail(const parity__rd *rd, const char *path, const char *key,
                              const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Field key of object o, of the JSON type the name says (else an error
 * naming path.key and what was expected). */
parity_status parity__rd_obj(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, const cJSON **out);
parity_status parity__rd_arr(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, const cJSON **out);
/* A string (NULL allowed when or_null: JSON null). */
parity_status parity__rd_str(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, int or_null, const char **out);
parity_status parity__rd_bool(const parity__rd *rd, const cJSON *o, const char *path,
                              const char *key, int *out);
/* An integer 0..2^53 (a JSON number); rd_pos also null (PARITY__NO_POS). */
parity_status parity__rd_u64(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, uint64_t *out);
parity_status parity__rd_pos(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, uint64_t *out);
/* An integer in [lo, hi]. */
parity_status parity__rd_int(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, long long lo, long long hi, long long *out);
/* A double as the state writes it: a number or "nan", "inf", "-inf". */
parity_status parity__rd_double(const parity__rd *rd, const cJSON *o, const char *path,
                                const char *key, double *out);
/* The same for an array element: 0, or -1 when it is none of those. */
int parity__rd_double_of(const cJSON *j, double *out);
/* A plain JSON number (report options). */
parity_status parity__rd_num(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, double *out);
/* An exact sum as parity__xsum_text writes it. */
parity_status parity__rd_xsum(const parity__rd *rd, const cJSON *o, const char *path,
                              const char *key, parity_xsum *out);
/* A shape: an array of at most PARITY_MAX_DIMS integers >= 0 whose
 * product fits 2^63; *count receives the product. */
parity_status parity__rd_shape(const parity__rd *rd, const cJSON *o, const char *path,
                               const char *key, int *ndim, int64_t *shape, uint64_t *count);

/* ---- one pair (merge_state.c) ------------------------------------------- */

/* What a report prints of a pair, read from its state. */
typedef struct parity__mpair_id {
    parity_pair_kind kind;
    parity_match_how how;
    int layout_ok;
    char layout[96];
    char *name[2], *file[2];   /* owned; file may be NULL                 */
    parity_dtype dtype[2];
    int ndim[2], view_ndim;
    int64_t shape[2][PARITY_MAX_DIMS], view[PARITY_MAX_DIMS];
    uint64_t count[2], view_count;
    int placed[2];             /* the view lies in the stored tensor at     */
    int place_ndim[2];         /* place_off (elements) with place_stride    */
    int64_t place_off[2];      /* (place_ndim axes: the view's, an overlap  */
    int64_t place_stride[2][PARITY_MAX_DIMS]; /* part's)                    */
} parity__mpair_id;

/* The accumulators of one pair, merged over its parts. */
typedef struct parity__mstate {
    parity__side_acc r, p;
    int has_m;
    parity__pair_acc m;
    int n_prof;
    parity__prof prof[4];
    int has_ints;
    parity_int_cmp ints;
    parity_overlap overlap;
    int part_ndim;
    int64_t part[PARITY_MAX_DIMS];
    uint64_t part_count;
    int same_values;
} parity__mstate;

/* Read the identity of a state object; free with parity__mpair_id_clear. */
parity_status parity__mpair_id_read(const parity__rd *rd, const cJSON *state,
                                    parity__mpair_id *id);
void parity__mpair_id_clear(parity__mpair_id *id);
/* 1 when two identities are the same pair. */
int parity__mpair_id_same(const parity__mpair_id *a, const parity__mpair_id *b);

/* Read the accumulators of a state object (of a pair whose identity is
 * id) into s when first, else merge them into s exactly. Profiles must
 * match opts' axes and the view's lengths. */
parity_status parity__mstate_add(const parity__rd *rd, const cJSON *state,
                                 const parity__mpair_id *id, const parity_diff_opts *o,
                                 int first, parity__mstate *s);
void parity__mstate_clear(parity__mstate *s);
/* The comparison of the merged state, as parity_compare_pair would have
 * made it, its state kept (out->ref_part is the caller's to fill). */
parity_status parity__mstate_finish(parity__mstate *s, const parity__mpair_id *id,
                                    const parity_diff_opts *opts, parity_comparison *out,
                                    parity_error *err);

#endif /* PARITY_MERGE_IMPL_H */
