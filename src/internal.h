/*
 * internal.h — declarations shared by libparity's source files; never
 * installed. Data flows one way: core -> formats -> analysis -> render.
 */
#ifndef PARITY_INTERNAL_H
#define PARITY_INTERNAL_H

#include "parity.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- errors ------------------------------------------------------------ */

/* Fill err (may be NULL) and return code. fmt is printf-style. */
parity_status parity__fail(parity_error *err, parity_status code,
                           uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* s[0..n) (up to a NUL) into out[0..cap) with every control character
 * escaped as renderers show it: \n \t \r, \x1b for the other C0 bytes
 * and DEL, \u0085 for the C1 range; cut at a whole escape when out is
 * full. Returns the length written; *used (may be NULL) gets how many
 * bytes of s it covers. Messages and names stay on one line, and a name
 * that differs by a newline stays distinguishable. */
size_t parity__escape_controls(const char *s, size_t n, char *out, size_t cap, size_t *used);

/* Flat validation, one check per line (zstd's RETURN_ERROR_IF shape):
 *   FAIL_IF(end < begin, err, PARITY_E_FORMAT, off, "%s: ...", path); */
#define FAIL_IF(cond, err, code, offset, ...)                                \
    do {                                                                     \
        if (cond) return parity__fail((err), (code), (offset), __VA_ARGS__); \
    } while (0)

/* Propagate a failed status. */
#define TRY(expr)                                                            \
    do {                                                                     \
        parity_status try_status_ = (expr);                                  \
        if (try_status_ != PARITY_OK) return try_status_;                    \
    } while (0)

/* Hot loops (kernels, bulk conversions) get an AVX2 clone chosen at load
 * time where the toolchain can. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define PARITY__KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define PARITY__KERNEL
#endif

/* ---- progress of long calls (parity.h: parity_progress) ------------------ */

/* Report done of total units to the caller's callback, if any. Call it
 * from the calling thread only, once per bounded unit of work. */
static inline void parity__progress(const parity_progress *p, parity_progress_unit unit,
                                    uint64_t done, uint64_t total) {
    if (p && p->fn) p->fn(p->ctx, unit, done, total);
}

/* ---- checked size arithmetic (every size computed from file data) ------ */

/* true on success; false when the result would overflow. */
static inline bool parity__mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool parity__add_u64(uint64_t a, uint64_t b, uint64_t *out) {
    return !__builtin_add_overflow(a, b, out);
}

/* ---- input files: mapped, or read when small (mapfile.c) -------------- */

/* Files of at most this many bytes are read into memory rather than
 * mapped: one map per file would stop a folder at the kernel's limit of
 * maps per process (vm.max_map_count, 65,530 by default). */
#define PARITY__COPY_MAX ((size_t)64 << 10)

typedef struct parity_map {
    const unsigned char *base; /* NULL for an empty file (or an identity   */
                               /* only: parity__map_identify)              */
    size_t size;
    int copied;                /* 1: base is a malloc'd copy of the bytes  */
    char *path;                /* owned; NULL for what is no user's file   */
                               /* (a temporary file of inflated bytes)     */
    uint64_t dev, ino;         /* the file when it was opened ...          */
    uint64_t opened_size;      /* ... its size ...                         */
    int64_t mtime_ns;          /* ... and modification time                */
} parity_map;

/* The bytes of the regular file at path (see above). */
parity_status parity__map_open(const char *path, parity_map *map,
                               parity_error *err);
/* Only the identity of path (a file read and let go, such as a trace's
 * index.json), so the set still knows it read that file. */
parity_status parity__map_identify(const char *path, parity_map *map, parity_error *err);
/* Unmap or free; every field is zeroed. NULL is a no-op. */
void parity__map_close(parity_map *map);
/* Fail, naming the file, when a mapped file (not a copy) is still at its
 * path and its size or modification time changed since it was opened. */
parity_status parity__map_check(const parity_map *map, parity_error *err);

/* ---- writing files (fileio.c) ------------------------------------------ */

/* What a stat mode that is no regular file names, for messages: "a
 * directory", "a FIFO", "a symbolic link", ... */
const char *parity__file_kind(unsigned long mode);
/* The directory of path, into buf of cap bytes ("." for a bare name, "/"
 * for a name at the root); returns the text. */
const char *parity__path_dir(const char *path, char *buf, size_t cap);

/* An output being written: a hidden temporary file beside path, renamed
 * over it by parity__out_commit (see fileio.c). */
typedef struct parity__out_file {
    int fd;
    const char *path;  /* borrowed                                           */
    char *tmp;         /* the temporary file's name, owned                   */
} parity__out_file;

parity_status parity__out_open(parity__out_file *f, const char *path,
                               parity_error *err);
parity_status parity__out_write(parity__out_file *f, const void *p, uint64_t n,
                                parity_error *err);
/* Append the bytes [at, at + n) of the file src_fd (copy_file_range, else
 * through a buffer). */
parity_status parity__out_copy(parity__out_file *f, int src_fd, uint64_t at, uint64_t n,
                               parity_error *err);
/* fsync, close, rename over path; on failure the temporary file is gone. */
parity_status parity__out_commit(parity__out_file *f, parity_error *err);
/* Remove the temporary file without touching path. */
void parity__out_abort(parity__out_file *f);

/* One tensor of a safetensors header (formats/safetensors_write.c). */
typedef struct parity__st_entry {
    const char *name;
    parity_dtype dt;
    int ndim;
    const int64_t *shape; /* [ndim] */
    uint64_t nbytes;      /* its data follow the previous tensor's        */
} parity__st_entry;

/* ---- exclusive locks on outputs (lock.c) ------------------------------- */

/* Open path (a directory when is_dir, else a regular file, created when
 * absent and never through a symbolic link) and lock it exclusively for
 * as long as *fd stays open; fails at once, naming path, when another
 * process holds the lock (PARITY_E_USAGE). *fd receives the descriptor
 * (-1 on failure): read-write for a file. */
parity_status parity__lock(const char *path, int is_dir, int *fd, parity_error *err);

/* ---- sets: what readers fill ------------------------------------------- */

/* A stage and the stages it was computed from (strings owned by the set). */
typedef struct parity__parents {
    const char *stage;
    const char **names; /* [n], owned array */
    size_t n;
} parity__parents;

typedef struct parity_meta_entry {
    char *key, *value;
} parity_meta_entry;

struct parity_set {
    char *path;
    parity_open_opts opts;
    parity_tensor *tensors;  /* [n_tensors] in execution order once loaded  */
    size_t n_tensors, cap_tensors;
    parity_map *maps;        /* [n_maps] every file mapped for this set      */
    size_t n_maps, cap_maps;
    size_t n_unnamed_maps;   /* of them, with no path (parity_set_file)      */
    char **strings;          /* [n_strings] owned names and paths            */
    size_t n_strings, cap_strings;
    parity_meta_entry *meta; /* [n_meta]                                     */
    size_t n_meta, cap_meta;
    parity_order_source order_source;
    int file_ordered;        /* the reader appended the tensors in an order  */
                             /* the file defines (a PyTorch state dict's     */
                             /* keys): a file opened alone keeps it          */
    int records_sharing;     /* a reader of the set stores tensors as views  */
                             /* of storages it can share (PyTorch), so two   */
                             /* tensors on separate storages are two arrays  */
    struct parity_name_index *index; /* name -> tensor, built lazily         */
    parity__parents *parents; /* [n_parents] sorted by stage name           */
    size_t n_parents, cap_parents;
};

/* A new empty set for path (copied) with opts (NULL: the defaults). */
parity_status parity__set_create(const char *path, const parity_open_opts *opts,
                                 parity_set **out, parity_error *err);
/* 1 when a file of the set records storage sharing (set->records_sharing):
 * tensors with different data pointers are then separate arrays, even
 * when their values are equal. */
int parity__set_records_sharing(const parity_set *set);
/* Build (or rebuild) the name index (nameindex.c); fails on a duplicate
 * name. */
parity_status parity__set_index(parity_set *set, parity_error *err);
void parity__index_free(struct parity_name_index *ix);
long parity__index_find(const struct parity_name_index *ix,
                        const parity_tensor *tensors, const char *name);
/* The tensors moved: the one at old index i is now at new_of_old[i]. */
void parity__index_remap(struct parity_name_index *ix, const size_t *new_of_old);
/* Execution order (order.c): the tensors named in order[0..n) first, in
 * that order (a name listed twice counts where it is first listed; names
 * not in the set are skipped), then the others in load order (keep_rest)
 * or natural name order; tensors named in inputs[0..n_inputs) are marked
 * as inputs. Each list holds at most max_tensors names (PARITY_E_LIMIT).
 * Needs the index, and keeps it up to date. */
parity_status parity__set_reorder(parity_set *set, char *const *order, size_t n,
                                  char *const *inputs, size_t n_inputs,
                                  int keep_rest, parity_error *err);

/* Data flow (dataflow.c): record that stage was computed from names[0..n)
 * (copied); parity__set_parents_done sorts them for lookups. */
parity_status parity__set_parents_add(parity_set *set, const char *stage,
                                      char *const *names, size_t n, parity_error *err);
void parity__set_parents_done(parity_set *set);
/* Add alias as a view of the stored tensor target (the index must exist
 * and is not updated: rebuild it after the last alias). Fails when target
 * is no stored tensor or alias names one already. */
parity_status parity__set_alias(parity_set *set, const char *alias, const char *target,
                                parity_error *err);

/* Copy s into storage owned by the set; NULL when out of memory. */
char *parity__set_strdup(parity_set *set, const char *s, size_t len);
/* Append a tensor (the struct is copied; its name/file must already be
 * owned by the set). Fails with PARITY_E_LIMIT past opts.max_tensors. */
parity_status parity__set_add(parity_set *set, const parity_tensor *t,
                              parity_error *err);
/* Make room for extra more tensors at once (a reader that knows its count:
 * one allocation instead of a doubling series of copies). */
parity_status parity__set_reserve(parity_set *set, size_t extra, parity_error *err);
/* Append a metadata entry (both strings copied). */
parity_status parity__set_meta_add(parity_set *set, const char *key,
                                   size_t key_len, const char *value,
                                   size_t value_len, parity_error *err);
/* Record a mapping so the set unmaps it when freed. */
parity_status parity__set_keep_map(parity_set *set, const parity_map *map,
                                   parity_error *err);

/* Remember that the set read path (stat'ed now) without keeping its
 * bytes: index.json of a trace directory. */
parity_status parity__set_note_file(parity_set *set, const char *path, parity_error *err);
/* priv.file_backed of tensors [first_tensor, n_tensors): 0 for those
 * whose data lies in a copy read into memory (a map of set->maps[first_map
 * ..) with copied set), 1 for the others (file maps, temporary files). */
void parity__set_mark_backed(parity_set *set, size_t first_tensor, size_t first_map);

/* A streaming pass is done with elements [first, first + n) of t: when t
 * is file-backed and C-contiguous, drop those pages from the process (they
 * come back from the page cache if read again), so resident memory stays
 * bounded on files larger than memory. A no-op for any other tensor, and
 * for a range under PARITY__RELEASE_BYTES: a system call per small tensor
 * (10,000 of them in one checkpoint) costs more than the pages are worth,
 * and those pages are the file's page cache, not the process's memory.
 * Callers release in runs of at least that many bytes. */
#define PARITY__RELEASE_BYTES ((uint64_t)1 << 20)
void parity__tensor_release(const parity_tensor *t, uint64_t first,
                            uint64_t n);
/* The same for the bytes [lo, hi) of one file map, widened to whole pages
 * (callers pass spans of file-backed tensors they are done with). */
void parity__release_span(const unsigned char *lo, const unsigned char *hi);
/* Map the pages of [lo, hi) in one system call (MADV_POPULATE_READ) rather
 * than a fault per 64 KiB; a no-op where the kernel lacks it. */
void parity__populate_span(const unsigned char *lo, const unsigned char *hi);

/* A tensor described by a caller (the writer, the tracer): ndim in range,
 * a shape when ndim > 0, every dimension >= 0, element count and byte size
 * within 64 bits and size_t (PARITY_E_LIMIT past them, PARITY_E_USAGE for
 * the rest), data present when there are bytes. subject starts every
 * message ("f.safetensors: tensor 'x'"). count and nbytes may be NULL. */
parity_status parity__check_shape(const char *subject, parity_dtype dt, int ndim,
                                  const int64_t *shape, const void *data, uint64_t *count,
                                  uint64_t *nbytes, parity_error *err);

/* A 128-bit integer (GCC and Clang): exact sums of 64-bit integers. */
__extension__ typedef __int128 parity__i128;

/* Elements [first, first + n) of t, in its logical C order, as exact
 * integers: t's dtype is an integer type or BOOL (U64 beyond 2^63
 * included); any other dtype gives zeros. */
void parity__tensor_read_i128(const parity_tensor *t, uint64_t first, size_t n, parity__i128 *out);

/* 1 when t's elements lie in C order without gaps (strides as
 * parity__strides_c would set them; axes of length 1 may have any). */
int parity__tensor_c_contiguous(const parity_tensor *t);
/* u = 2^-(mantissa bits + 1): the largest relative error of rounding a
 * value to dt (dtype.c). */
double parity__unit_roundoff(parity_dtype dt);
/* The C-order flat index in `stored` of element i (C order) of `view`, a
 * view over stored's elements (a permutation, slice or squeeze of them);
 * i itself when view does not lie in stored's elements or either is
 * block-quantized (tensor.c). */
uint64_t parity__stored_index(const parity_tensor *stored, const parity_tensor *view, uint64_t i);
/* The same for a view whose first element is element `offset` of stored
 * (its strides are view's own): what a merge knows of a view. */
uint64_t parity__stored_index_at(const parity_tensor *stored, const parity_tensor *view,
                                 int64_t offset, uint64_t i);
/* 1 and *offset (in elements) when view lies in stored's elements: same
 * dtype, not block-quantized, its first element one of stored's. */
int parity__view_place(const parity_tensor *stored, const parity_tensor *view, int64_t *offset);
/* Fill stride[] for a C-order (row-major) tensor from its shape. */
void parity__strides_c(parity_tensor *t);
/* Fill stride[] for a Fortran-order (column-major) tensor from its shape. */
void parity__strides_f(parity_tensor *t);

/* parity_name_normalize into a new string (free() it); NULL when out of
 * memory. A camelCase boundary adds at most one '.' per character. */
char *parity__name_normalize_dup(const char *name);

/* --map rules (names.c): one "regex => replacement" per line, applied in
 * order to port names; the first matching rule wins. apply sets *out to a
 * malloc'd new name, or NULL when no rule matches. */
typedef struct parity_map_rules parity_map_rules;
parity_status parity__map_rules_load(const char *path, parity_map_rules **out,
                                     parity_error *err);
/* The same over the bytes text[0..len) of a map file (path names it in
 * messages; text need not be NUL-terminated, len may be 0): a pure
 * function, the entry point of the map parser's fuzz target. */
parity_status parity__map_rules_parse(const char *path, const char *text, size_t len,
                                      parity_map_rules **out, parity_error *err);
/* How many rules r holds (0 for NULL). */
size_t parity__map_rules_count(const parity_map_rules *r);
void parity__map_rules_free(parity_map_rules *r);
parity_status parity__map_rules_apply(const parity_map_rules *r,
                                      const char *name, char **out,
                                      parity_error *err);

/* Step pairs (steps.c): for each series name, name#1, ... of series_set
 * whose positions stack along an axis of one tensor of other, found(ctx,
 * stacked index in other, member index in series_set, position k, series
 * length n, axis of the squeezed stacked tensor, confidence: 1 when the
 * names pair them) once per member, in order. */
typedef parity_status (*parity__step_fn)(void *ctx, size_t stacked, size_t member, int64_t k,
                                         int64_t n, int axis, double confidence);
parity_status parity__find_steps(const parity_set *series_set, const char *const *series_names,
                                 const parity_set *other, const char *const *other_names,
                                 parity__step_fn found, void *ctx, parity_error *err);
/* Step pairs by content (steps_content.c): series of series_set whose
 * members are all free (free_series[i] != 0) paired with a free tensor of
 * other (free_other) they stack in, when the values of each position
 * correlate with its part (a score of at least PARITY__STEPS_CORRELATION
 * on average over up to 8 positions: the correlation, less a little where
 * the value distributions differ), the best pairs first; found as for
 * parity__find_steps, with the score as confidence. */
#define PARITY__STEPS_CORRELATION 0.5
parity_status parity__find_steps_by_content(const parity_set *series_set,
                                            const unsigned char *free_series,
                                            const parity_set *other,
                                            const unsigned char *free_other,
                                            parity__step_fn found, void *ctx, parity_error *err);
/* The part of stacked member k of a series along axis (squeezed
 * numbering) holds: the slice at k, trimmed to member's length where member
 * grows with the position, or the positions up to k where it accumulates
 * them (a KV cache). names arrays (NULL: the tensors' own names) let the
 * caller match renamed names (--map). */
parity_tensor parity__step_slice(const parity_tensor *stacked, int axis, int64_t k,
                                 const parity_tensor *member);
/* The axis (squeezed numbering) along which member, call k of a series,
 * takes its part of stacked (parity__step_slice) when only that call is
 * known (inject mode): the first axis holding position k where the part
 * fits, else the first, shorter one whose last position's part fits (k is
 * then beyond it); -1 when none. *len receives the axis' length. */
int parity__step_axis_at(const parity_tensor *stacked, int64_t k, const parity_tensor *member,
                         int64_t *len);
/* The length of axis (squeezed numbering) of stacked. */
int64_t parity__step_len(const parity_tensor *stacked, int axis);
/* "name#k" into base (copied, up to cap bytes) and k; a name without a
 * numeric "#k" suffix is its own base with k = 0 (steps.c). */
int64_t parity__step_split(const char *name, char *base, size_t cap);

/* Pairing by content (match_content.c): the candidates of each side
 * (unpaired stages, set indices in execution order) paired between the
 * anchors (pairs already made, anchor_ref[k] with anchor_port[k], in ref
 * order); ordered 0 when a side has no recorded execution order (pairs
 * are then taken by correlation, without an alignment). *out (malloc'd, in order) receives every proposed pair; the
 * caller uses those whose confidence reaches PARITY_CONTENT_USE. */
typedef struct parity__content_pair {
    long ref, port;     /* set indices                                      */
    size_t ri, pj;      /* candidate indices                                */
    double confidence;  /* [0, 1]: the correlation, or 0.6 from structure   */
    double correlation; /* aligned sample correlation; NaN: no layout       */
    double distance;    /* of the value distributions (content.c)           */
    int by_structure;   /* confidence from its place, not its values        */
} parity__content_pair;
parity_status parity__pair_by_content(const parity_set *ref, const parity_set *port,
                                      const long *cand_ref, size_t n_ref,
                                      const long *cand_port, size_t n_port,
                                      const long *anchor_ref, const long *anchor_port,
                                      size_t n_anchors, int ordered,
                                      parity__content_pair **out, size_t *n_out,
                                      parity_error *err);

/* The edit script of id sequences a[0..n) and b[0..m) (ua, ub: the side's
 * ids are uint64): its first cap hunks into out, in order; *total (may be
 * NULL) receives how many there are. int_edit.c. */
size_t parity__int_edit(const int64_t *a, size_t n, int ua, const int64_t *b, size_t m, int ub,
                        parity_int_hunk *out, size_t cap, size_t *total);

/* How a pair was matched, as reports name it: "exact", "normalized",
 * "map", "order" (names.c). */
const char *parity__match_how_name(parity_match_how how);

/* Natural order: digit runs compare by value, so "step2" < "step10". */
int parity__natural_cmp(const char *a, const char *b);

/* Minimal JSON string escaping into a growable buffer (for writers). */
typedef struct parity_buf {
    char *data;
    size_t len, cap;
    int oom;
} parity_buf;
void parity__buf_put(parity_buf *b, const char *s, size_t n);
void parity__buf_puts(parity_buf *b, const char *s);
void parity__buf_printf(parity_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void parity__buf_json_str(parity_buf *b, const char *s);
void parity__buf_free(parity_buf *b);

/* A safetensors header into b, as the writer writes it: the 8-byte length
 * is not included; "__metadata__" (meta[0..n_meta), omitted when empty)
 * first, then e[0..n) with contiguous data_offsets from 0, padded with
 * spaces to a multiple of 8 bytes (safetensors_write.c). */
void parity__st_header(parity_buf *b, const parity_meta_entry *meta, size_t n_meta,
                       const parity__st_entry *e, size_t n);

/* ---- the partial state of a run (analysis/diff_state.c, merge.c) ------- */

/* The state of compared pair p as one JSON object: the pair (kind, how,
 * layout, each side's name, file, dtype and shape, the compared view's
 * shape), the accumulators of c->diff.state, and what the comparison found
 * beyond them (ids, overlap, same values). Everything parity merge needs
 * to print the pair as the run would have. */
/* The view one side's statistics were computed over: the pair's views,
 * an overlap's parts; NULL for kinds whose statistics are of the tensors
 * as stored (sequences, irreconcilable shapes). */
const parity_tensor *parity__comparison_view(const parity_pair *p, const parity_comparison *c,
                                             int side);
void parity__comparison_state(parity_buf *b, const parity_pair *p,
                              const parity_comparison *c);
/* A pairing known by its names and counts only, as a report records it
 * (match.c): n_pairs pairs that are not stored (parity_match_pair returns
 * NULL), irreconcilable of them; each side's unpaired names, its copies
 * as (name, of) pairs copies[side][2i], [2i + 1], and the names its
 * selection left out. Strings are copied. */
typedef struct parity__match_names {
    size_t n_pairs, irreconcilable;
    const char *const *unpaired[2];
    size_t n_unpaired[2];
    const char *const *copies[2];
    size_t n_copies[2];
    size_t filtered[2];
    int content_ran;                      /* pairing by content: as the   */
    size_t by_content, by_structure, not_used; /* coverage counts them    */
} parity__match_names;
parity_status parity__match_skeleton(const parity__match_names *k, parity_match **out,
                                     parity_error *err);

/* parity_compare_pairs of pairs[0..n) (compare.c); parts (NULL: every
 * pair whole) restricts float pair i to its elements [first, end). */
parity_status parity__compare_window(const parity_pair *const *pairs,
                                     const parity_part_pair *parts, size_t n,
                                     const parity_diff_opts *o, parity_comparison *out,
                                     parity_status *st, parity_error *errs, parity_error *err);

/* "float", "int", "sequence", "overlap", "shapes"; "none", "prefix",
 * "shifted". */
const char *parity__pair_kind_name(parity_pair_kind k);
const char *parity__overlap_name(parity_overlap_how h);
#endif /* PARITY_INTERNAL_H */
