/*
 * parity.h — the whole public API of libparity.
 *
 * parity finds where, and why, a port of a neural network stops matching its
 * reference. This header is the manual, in the order data flows:
 *
 *   1. Errors    parity_status, parity_error, parity_status_str(); the
 *                progress callback of long calls
 *   2. Dtypes    exact conversion of every element type to double
 *   3. Formats   tensor sets: a file or a directory of tensor files, memory-
 *                mapped and strictly validated; a tensor is a view. Writing
 *                safetensors and other files atomically
 *   4. Analysis  statistics and metrics (4), matching and comparing pairs
 *                (4b), walking two traces: first divergence, culprit, series,
 *                solver (4c), bitwise reproducibility (4d), comparing two
 *                checkpoints (4e), a run in parts and their merge (4f)
 *   5. Explain   the transformation that maps reference to port, ranked
 *   6. Tracing   the C tracer (PARITY_TRACE / PARITY_INJECT / PARITY_MAP)
 *   7. Render    reports as text, JSON, Markdown, CSV (built, never
 *                printed): diff and info (7), the trace walk, same,
 *                weights and explain (7b), PNG heatmaps and the HTML
 *                report (7c)
 *
 * The documents named here (docs/metrics.md, ...) ship with the sources.
 *
 * Conventions
 * - Fallible calls return parity_status (PARITY_OK = 0) and fill an optional
 *   parity_error (pass NULL when you do not need the message).
 * - Long-lived objects are opaque; small results are plain structs whose
 *   pointers are borrowed from the object that produced them and stay valid
 *   until that object is freed. Every *_free(NULL) is a no-op.
 * - The library never prints, never exits and holds no mutable global state.
 *   Long calls report how far they are through a callback (parity_progress)
 *   when the caller gives one; the parity command draws its progress line
 *   from it.
 * - Names with two underscores (parity__) are the library's own; they
 *   appear here only where an inline function needs them.
 */
#ifndef PARITY_H
#define PARITY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* 1. Errors                                                               */
/* ======================================================================== */

typedef enum parity_status {
    PARITY_OK = 0,
    PARITY_E_IO,          /* cannot open, stat, map or write a file          */
    PARITY_E_NOMEM,       /* an allocation failed                            */
    PARITY_E_FORMAT,      /* the bytes break the format's rules              */
    PARITY_E_UNSUPPORTED, /* valid, but not something parity reads (pickle)  */
    PARITY_E_LIMIT,       /* exceeds a limit of parity_open_opts             */
    PARITY_E_USAGE,       /* a bad argument from the caller                  */
    PARITY_E_NOTFOUND,    /* a named tensor or file does not exist           */
    PARITY_E_SHAPE        /* two tensors cannot be brought to one shape      */
} parity_status;

#define PARITY_NO_OFFSET UINT64_MAX

/* Why a call failed. msg names the file, the tensor and the field, e.g.
 * "a.safetensors: tensor 'x': data_offsets [8,4]: end before start".
 * offset is the byte offset in the file where the fault lies, or
 * PARITY_NO_OFFSET. */
typedef struct parity_error {
    parity_status code;
    uint64_t offset;
    char msg[512];
} parity_error;

/* A static, human string for a status ("malformed file", ...). */
const char *parity_status_str(parity_status status);

/* What a progress report counts. */
typedef enum parity_progress_unit {
    PARITY_PROGRESS_FILES = 0, /* files of a folder opened (parity_set_open) */
    PARITY_PROGRESS_STAGES,    /* stages compared (parity_walk_run), or       */
                               /* explained (parity_html_report)              */
    PARITY_PROGRESS_ELEMENTS,  /* elements of one pair streamed: by           */
                               /* parity_diff_tensors; by parity_explain_*    */
                               /* over its two passes (total = 2 x count)     */
    PARITY_PROGRESS_PAIRS      /* pairs of one parity_diff_many (and so       */
                               /* parity_compare_pairs) call compared         */
} parity_progress_unit;

/* Progress of a long call: fn(ctx, unit, done, total) says that done of
 * total units are through (done <= total). The calls come from the thread
 * that called the library, never from a worker thread, in order, as each
 * unit of bounded work begins (a file, a stage, a group of pairs, a batch
 * of at most 524,288 elements), so
 * fn needs no lock but should be cheap (read a clock, draw now and then).
 * Reports nest: parity_walk_run reports STAGES and, while one stage is
 * compared, that pair's ELEMENTS from 0 again; parity_diff_many, PAIRS and
 * the ELEMENTS of each pair too large to share a worker. fn must not call libparity
 * on the objects being worked on. fn NULL (every default): no reports.
 * The options of the long calls hold one: parity_open_opts (FILES),
 * parity_diff_opts (ELEMENTS, PAIRS; through it parity_walk_opts: STAGES),
 * parity_explain_opts (ELEMENTS), parity_html_opts (STAGES, ELEMENTS). */
typedef void (*parity_progress_fn)(void *ctx, parity_progress_unit unit,
                                   uint64_t done, uint64_t total);
typedef struct parity_progress {
    parity_progress_fn fn;     /* NULL: no reports                          */
    void *ctx;                 /* passed to fn as it is                     */
} parity_progress;

/* ======================================================================== */
/* 2. Dtypes                                                               */
/* ======================================================================== */

typedef enum parity_dtype {
    PARITY_DT_INVALID = 0,
    PARITY_DT_F64,
    PARITY_DT_F32,
    PARITY_DT_F16,
    PARITY_DT_BF16,
    PARITY_DT_F8_E4M3,     /* OCP e4m3fn: no Inf, S.1111.111 is NaN, bias 7 */
    PARITY_DT_F8_E5M2,     /* IEEE-like: Inf and NaN, bias 15              */
    PARITY_DT_F8_E4M3FNUZ, /* no Inf, no -0: 0x80 is NaN, bias 8           */
    PARITY_DT_F8_E5M2FNUZ, /* no Inf, no -0: 0x80 is NaN, bias 16          */
    PARITY_DT_F8_E8M0,     /* exponent only: 2^(e-127), 0xFF is NaN        */
    PARITY_DT_I64,
    PARITY_DT_I32,
    PARITY_DT_I16,
    PARITY_DT_I8,
    PARITY_DT_U64,
    PARITY_DT_U32,
    PARITY_DT_U16,
    PARITY_DT_U8,
    PARITY_DT_BOOL,
    PARITY_DT_F80,         /* x87 extended in 16 bytes (NumPy float128 on x86) */
    /* Block-quantized types of ggml (GGUF), decoded exactly as ggml's
     * dequantize_row_* does: each block of block_elems values is stored in
     * block_bytes bytes (parity_dtype_block). parity_dtype_size is 0 for
     * them; a tensor of count elements holds count / block_elems blocks. */
    PARITY_DT_Q4_0,        /* 32 values in 18 bytes: f16 d, 4-bit q: (q-8)*d   */
    PARITY_DT_Q4_1,        /* 32 in 20: f16 d, m, 4-bit q: q*d + m            */
    PARITY_DT_Q5_0,        /* 32 in 22: f16 d, 5-bit q: (q-16)*d              */
    PARITY_DT_Q5_1,        /* 32 in 24: f16 d, m, 5-bit q: q*d + m            */
    PARITY_DT_Q8_0,        /* 32 in 34: f16 d, int8 q: q*d                    */
    PARITY_DT_Q2_K,        /* 256 in 84: 16 x 16 values, 4-bit scales/mins   */
    PARITY_DT_Q3_K,        /* 256 in 110: 16 x 16, 6-bit signed scales        */
    PARITY_DT_Q4_K,        /* 256 in 144: 8 x 32, 6-bit scales and mins       */
    PARITY_DT_Q5_K,        /* 256 in 176: 8 x 32, 6-bit scales and mins       */
    PARITY_DT_Q6_K,        /* 256 in 210: 16 x 16, int8 scales                */
    PARITY_DT_COUNT
} parity_dtype;

/* Bytes per element; 0 for PARITY_DT_INVALID and the block-quantized
 * types (Q4_0 ... Q6_K), whose elements have no size of their own. */
size_t parity_dtype_size(parity_dtype dt);
/* Block geometry: values per block and bytes per block into *block_elems
 * and *block_bytes (either may be NULL). An element type is a block of one
 * element of parity_dtype_size bytes. Returns 1 for a block-quantized type
 * (Q4_0: 32 values in 18 bytes ... Q6_K: 256 in 210), 0 for an element
 * type, -1 (and 0, 0) for PARITY_DT_INVALID or an out-of-range value. */
int parity_dtype_block(parity_dtype dt, int *block_elems, int *block_bytes);
/* The safetensors spelling ("F32", "BF16", "BOOL", ...), ggml's for the
 * block-quantized types ("Q4_0", "Q6_K"); "?" if invalid. */
const char *parity_dtype_name(parity_dtype dt);
/* PARITY_DT_INVALID when the name is unknown. Case-sensitive. */
parity_dtype parity_dtype_from_name(const char *name);
/* 1 for floating types (f8 ... f80, and the block-quantized types, whose
 * values are f32), 0 for integers and bool. */
int parity_dtype_is_float(parity_dtype dt);
/* Mantissa bits (excluding the implicit one) of a float type, 0 otherwise:
 * used for ULP distances and "precision only" hypotheses. The
 * block-quantized types give 23: their decoded values are f32, and ULP
 * distances count f32 steps for them. */
int parity_dtype_mantissa_bits(parity_dtype dt);

/* Exact value of one element stored at p (native little-endian layout for
 * the dtype; use parity_convert for byte-swapped data). For a
 * block-quantized type p is the start of a block and the value is that
 * block's first element. Every finite value
 * of every dtype up to 53 bits of precision is exact; NaN, ±Inf, -0.0 and
 * subnormals are preserved. I64/U64 beyond 2^53 and F80 round to nearest. */
double parity_dtype_to_double(parity_dtype dt, const void *p);

/* Convert n contiguous elements at src to doubles. byteswap != 0 means the
 * elements are stored in the other byte order (big-endian .npy). For a
 * block-quantized type src is the start of a block and the n values are
 * decoded from its first element on, through as many blocks as they span
 * (byteswap does not apply: GGUF blocks are little-endian). */
void parity_convert(parity_dtype dt, const void *src, size_t n, int byteswap,
                    double *dst);

/* Round a double to the nearest f16 / bf16 / f32 value (ties to even) and
 * back: what a port computing in that precision stores. */
double parity_round_to(parity_dtype dt, double x);

/* ======================================================================== */
/* 3. Formats: reading tensor sets, writing files                          */
/* ======================================================================== */

#define PARITY_MAX_DIMS 32

/* A view of one tensor inside a mapped file. Logical element order is C
 * order over shape; stride[] (in elements, may be any integer) maps a
 * multi-index to the stored element, so Fortran-order .npy and permuted
 * views need no copy. All pointers are borrowed from the set. */
typedef struct parity_tensor {
    const char *name;   /* unique within its set                           */
    const char *file;   /* path of the file the data lives in              */
    parity_dtype dtype;
    int ndim;           /* 0 for a scalar                                  */
    int64_t shape[PARITY_MAX_DIMS];
    int64_t stride[PARITY_MAX_DIMS];
    uint64_t count;     /* product of shape (1 for a scalar)               */
    const unsigned char *data; /* the element with multi-index 0; may be   */
                               /* NULL when count == 0                     */
    uint64_t nbytes;    /* stored bytes: count * dtype size                */
    uint64_t file_offset; /* byte offset of the data in its file           */
    int byteswap;       /* elements stored in big-endian order             */
    int is_input;       /* marked as a model input by the tracer           */
    int complex_parts;  /* 1: a complex tensor read as [..., 2] (re, im)   */
    const char *alias_of; /* the trace stored this stage once, under the   */
                        /* name of an earlier stage it equals; or NULL     */
    struct {            /* libparity's own: zero it (zero-initialize the  */
        int file_backed; /* tensor) when you build one over your memory;  */
    } priv;             /* parity_set_open marks tensors whose data lie in */
                        /* a read-only file map, whose pages streaming     */
                        /* passes then drop                                */
} parity_tensor;

/* Limits on untrusted input. Readers check every declared size against the
 * bytes present before allocating anything. */
typedef struct parity_open_opts {
    uint64_t max_header_bytes; /* safetensors JSON header: 100,000,000       */
    uint64_t max_tensors;      /* tensors per set: 1,000,000                 */
    uint64_t max_json_depth;   /* JSON nesting: 64                           */
    uint64_t max_files;        /* files in a directory set: 100,000          */
    /* binary metadata (GGUF key-value pairs); arrays are bounded by the    */
    /* bytes present too, whatever these say                                */
    uint64_t max_meta_entries; /* key-value pairs in one file: 1,000,000     */
    uint64_t max_string_bytes; /* one string: 67,108,864 (64 MiB, ggml's)    */
    uint64_t max_array_elems;  /* elements of one array: 67,108,864 (ggml's) */
    uint64_t max_array_depth;  /* arrays nested in arrays: 8                 */
    int strict;                /* 1 (default): also refuse what the reference*/
                               /* readers tolerate (duplicate keys, leading  */
                               /* whitespace, unknown fields)                */
    /* zip containers (.npz, PyTorch checkpoints); see docs/formats.md     */
    uint64_t max_decompressed_bytes; /* deflated members inflated into     */
                               /* temporary files, summed per file:        */
                               /* 16 GiB (17,179,869,184)                  */
    uint64_t max_zip_members;  /* members of one zip: 1,000,000            */
    uint64_t max_pickle_ops;   /* opcodes run in a checkpoint's data.pkl:  */
                               /* 32,000,000 (about 30 per tensor)         */
    uint64_t max_pickle_depth; /* open MARKs, and containers nested in     */
                               /* data.pkl: 64                             */
    parity_progress progress;  /* FILES of a folder as they are read: none */
} parity_open_opts;

/* The defaults documented above. */
parity_open_opts parity_open_opts_default(void);

typedef struct parity_set parity_set;

/* The stages tensor i was computed from, as the trace recorded them
 * ("parity.parents" metadata, index.json "parents"; docs/trace.md): *names
 * (may be NULL) receives them, borrowed, in the order recorded. Returns
 * their count: 0 when none are recorded for i. */
size_t parity_set_parents(const parity_set *set, size_t i, const char *const **names);
/* 1 when the trace records data flow (parents) at all. */
int parity_set_has_dataflow(const parity_set *set);

/* Where a set's execution order came from. */
typedef enum parity_order_source {
    PARITY_ORDER_NATURAL = 0, /* natural name order: step2 before step10     */
    PARITY_ORDER_METADATA,    /* safetensors __metadata__ "parity.order"     */
    PARITY_ORDER_INDEX,       /* index.json of a trace directory             */
    PARITY_ORDER_FILE         /* the file's own order: a PyTorch checkpoint's */
                              /* keys as its state dict holds them (module   */
                              /* order), not an execution order              */
} parity_order_source;

/* Open a file (.safetensors, .npy, .npz, a PyTorch zip checkpoint, .gguf,
 * or a sharded checkpoint's *.safetensors.index.json with its shards;
 * identified by their bytes) or a directory: a parity trace directory
 * (index.json + one file per stage) or a plain folder of tensor files whose
 * tensors are named by file stem ("stem/name" inside a multi-tensor file).
 * opts may be NULL for the defaults. On success *out owns the mappings. */
parity_status parity_set_open(const char *path, const parity_open_opts *opts,
                              parity_set **out, parity_error *err);
void parity_set_free(parity_set *set);

/* The path given to parity_set_open. */
const char *parity_set_path(const parity_set *set);
/* Number of tensors; tensors are indexed in execution order. */
size_t parity_set_count(const parity_set *set);
/* Tensor i (0 <= i < count), or NULL when out of range. */
const parity_tensor *parity_set_tensor(const parity_set *set, size_t i);
/* Index of the tensor named name, or -1. */
long parity_set_find(const parity_set *set, const char *name);
/* How the order of the tensors was established. */
parity_order_source parity_set_order_source(const parity_set *set);
/* 1 when that order is an execution order a trace recorded (METADATA,
 * INDEX); 0 for natural name order and a file's own order (a checkpoint's
 * module order says nothing of what ran after what). */
int parity_set_order_recorded(const parity_set *set);

/* The string-to-string metadata (safetensors __metadata__ of a single file;
 * index.json "metadata" of a trace directory). */
size_t parity_set_meta_count(const parity_set *set);
/* Entry i: *key and *value are borrowed. Returns PARITY_E_USAGE if out of
 * range. */
parity_status parity_set_meta(const parity_set *set, size_t i,
                              const char **key, const char **value);
/* The value for key, or NULL. */
const char *parity_set_meta_get(const parity_set *set, const char *key);

/* One file a set was read from: a tensor file, a shard, the index of a
 * trace directory or of a sharded checkpoint. */
typedef struct parity_file_info {
    const char *path;         /* as the set opened it; borrowed from the set */
    uint64_t dev, ino;        /* its identity (stat's st_dev, st_ino) ...    */
    uint64_t size;            /* ... size ...                                */
    int64_t mtime_ns;         /* ... and modification time when opened       */
    const unsigned char *map; /* its bytes [map_len] when mapped; NULL when  */
    size_t map_len;           /* read into memory (files of 64 KiB or less), */
                              /* empty, or not kept (an index)               */
} parity_file_info;

/* How many files the set was read from. */
size_t parity_set_file_count(const parity_set *set);
/* File i (0 <= i < count) into *out; PARITY_E_USAGE when out of range. A
 * program that writes files checks with these that it writes over none of
 * its inputs (same dev and ino); one that catches SIGBUS names the file
 * whose map holds the faulting address (docs/reliability.md). */
parity_status parity_set_file(const parity_set *set, size_t i, parity_file_info *out);
/* At the end of a run: PARITY_E_IO, naming the file, when a mapped file
 * still at its path has another size or modification time than when it
 * was opened (it changed while being read, so results may mix two
 * versions); PARITY_OK otherwise. Files read into memory are copies and
 * cannot change underneath. */
parity_status parity_set_check_files(const parity_set *set, parity_error *err);

/* Read n elements of t as doubles, in logical C order starting at flat index
 * first (first + n <= t->count). Applies strides, byte order and dtype
 * conversion. */
void parity_tensor_read(const parity_tensor *t, uint64_t first, size_t n,
                        double *out);
/* 1 when t's elements are stored in Fortran (column-major) order, with at
 * least two axes longer than 1 (a .npy with fortran_order True). */
int parity_tensor_fortran_order(const parity_tensor *t);
/* Write the multi-index of flat C-order index flat into idx[t->ndim]. */
void parity_tensor_unravel(const parity_tensor *t, uint64_t flat, int64_t *idx);
/* Format a shape as "[1, 80, 200]" into buf; returns buf. */
char *parity_shape_str(const parity_tensor *t, char *buf, size_t cap);

typedef struct parity_writer parity_writer;

/* Start a safetensors file at path (written on close as parity_write_file
 * writes, so a reader never sees a half-written file). */
parity_status parity_writer_open(const char *path, parity_writer **out,
                                 parity_error *err);
/* Add a tensor; data holds count(shape) elements of dt in C order, native
 * little-endian. The bytes are copied. */
parity_status parity_writer_add(parity_writer *w, const char *name,
                                parity_dtype dt, int ndim,
                                const int64_t *shape, const void *data,
                                parity_error *err);
/* Add a __metadata__ entry. */
parity_status parity_writer_meta(parity_writer *w, const char *key,
                                 const char *value, parity_error *err);
/* Write the file and free the writer (also on error). */
parity_status parity_writer_close(parity_writer *w, parity_error *err);
/* Free without writing anything. */
void parity_writer_discard(parity_writer *w);

/* Write data[0..len) to path as every libparity writer does: into a new
 * hidden temporary file beside it (created exclusively, never following a
 * link, with the mode the umask gives a new file, or the mode of the file
 * it replaces), fsync'ed, then renamed over path, so a reader sees the old
 * file or the whole new one. path must be absent or a regular file the
 * caller may write: a symbolic link, a directory, a device or a FIFO is
 * refused (PARITY_E_USAGE) before anything is written; resolve a link
 * yourself to write to the file it names. Errors name the path and give
 * the system's reason. */
parity_status parity_write_file(const char *path, const void *data, size_t len,
                                parity_error *err);

/* ======================================================================== */
/* 4. Analysis: statistics and the metrics of a pair                       */
/* ======================================================================== */

/* Statistics of one side. min/max/mean/std are over finite values (NaN when
 * there are none); positions are flat C-order indices of the first
 * occurrence. std is the population standard deviation (ddof 0). */
typedef struct parity_stats {
    uint64_t count;     /* all elements                                    */
    uint64_t n_finite, n_nan, n_posinf, n_neginf;
    double min, max;
    uint64_t argmin, argmax;
    double sum;         /* correctly rounded Σx over finite values          */
    double mean, std;
    double sumsq;       /* Σx², squares rounded, sum exact (+Inf past max)  */
    uint64_t n_zero;    /* x == 0 (either sign)                             */
} parity_stats;

/* Statistics of one tensor in one streaming pass. */
parity_status parity_stats_tensor(const parity_tensor *t, parity_stats *out,
                                  parity_error *err);

typedef enum parity_verdict {
    PARITY_MATCH = 0,
    PARITY_SMALL_DIFF,
    PARITY_LARGE_DIFF
} parity_verdict;

/* "MATCH", "SMALL DIFF", "LARGE DIFF". */
const char *parity_verdict_str(parity_verdict v);

/* What the values are, so differences are also reported in dB. */
typedef enum parity_domain {
    PARITY_DOMAIN_LINEAR = 0,
    PARITY_DOMAIN_LN_MAG,       /* 20/ln 10 = 8.686 dB per unit */
    PARITY_DOMAIN_LN_POWER,     /* 10/ln 10 = 4.343 dB per unit */
    PARITY_DOMAIN_LOG10_MAG,    /* 20 dB per unit               */
    PARITY_DOMAIN_LOG10_POWER,  /* 10 dB per unit               */
    PARITY_DOMAIN_DB            /* 1 dB per unit                */
} parity_domain;

/* dB per unit of difference; 0 for linear. */
double parity_domain_db_per_unit(parity_domain d);
/* "linear", "ln-mag", ...; parse returns -1 for an unknown name. */
const char *parity_domain_name(parity_domain d);
int parity_domain_parse(const char *name, parity_domain *out);

/* Which kernels parity_diff_tensors may use. Every choice gives the same
 * bits; the reference path is the portable one the others are tested
 * against (docs/performance.md). */
typedef enum parity_simd {
    PARITY_SIMD_AUTO = 0,    /* the best this CPU runs                      */
    PARITY_SIMD_SCALAR,      /* the portable reference path only            */
    PARITY_SIMD_SSE2,        /* fused kernels at most SSE2 (the baseline)   */
    PARITY_SIMD_AVX2,        /* at most AVX2 + F16C                         */
    PARITY_SIMD_AVX512       /* at most AVX-512                             */
} parity_simd;

/* "auto", "scalar", "sse2", "avx2", "avx512" -> *out; -1 when unknown. */
int parity_simd_parse(const char *name, parity_simd *out);

typedef struct parity_diff_opts {
    double atol, rtol;       /* elementwise closeness (NumPy allclose); both */
                             /* 0 = not used for the verdict                 */
    double match_tol;        /* verdict MATCH if relative <= this: 1e-4      */
    double small_tol;        /* SMALL DIFF if relative <= this: 1e-2         */
    parity_domain domain;
    double max_db;           /* > 0: MATCH also needs |mean_diff| dB <= this */
    int n_axes;              /* per-index breakdowns requested               */
    int axes[4];             /* axis numbers (negative counts from the end)  */
    int threads;             /* worker threads (0 or 1: the calling thread); */
                             /* results are bit-identical for any count      */
    parity_simd simd;        /* kernel choice (0: auto); same bits for any   */
    parity_progress progress; /* ELEMENTS of each pair compared: none        */
    /* A slice of a run (parity diff --slice, docs/scale-out.md): when end  */
    /* is not 0, only the flat elements [first, end) of the pair are        */
    /* compared, first a multiple of PARITY_SLICE_ALIGN; the metrics are     */
    /* then the slice's, and its state merges exactly with the others'.     */
    uint64_t first, end;
    int keep_state;          /* 1: keep the exact partial state (state below)*/
} parity_diff_opts;

/* Slices of one tensor start at multiples of this many elements. */
#define PARITY_SLICE_ALIGN 65536

parity_diff_opts parity_diff_opts_default(void);

/* Per-index breakdown along one axis (e.g. per mel bin): for index i of the
 * axis, the metrics over every element whose multi-index has i there. */
typedef struct parity_axis_profile {
    int axis;
    int64_t len;
    double *mean_diff;   /* [len] Σd/n_i                                    */
    double *abs_mean;    /* [len] Σ|d|/n_i                                  */
    double *rmse;        /* [len] √(Σd²/n_i)                                */
    double *relative;    /* [len] ‖d_i‖/‖r_i‖ (‖d_i‖ when ‖r_i‖ = 0)         */
    double *abs_max;     /* [len]                                           */
} parity_axis_profile;

/* Metrics of a pair r (reference), p (port), d = p - r, over the n elements
 * where both are finite; non-finite positions are counted, never summed.
 * Formulas: docs/metrics.md, and next to their code in
 * src/analysis/diff_metrics.c. */
typedef struct parity_diff {
    parity_stats ref, port;
    uint64_t n;                 /* elements where both sides are finite     */
    double abs_mean;            /* Σ|d|/n                                   */
    double abs_max;             /* max|d|                                   */
    uint64_t abs_max_at;        /* flat index of the first max              */
    double abs_max_ref, abs_max_port; /* the two values there              */
    double mean_diff;           /* Σd/n, signed: port darker when < 0       */
    double rmse;                /* √(Σd²/n)                                 */
    double relative;            /* ‖d‖₂/‖r‖₂; ‖d‖₂ when ‖r‖₂ = 0             */
    int ref_zero;               /* ‖r‖₂ = 0: relative is absolute           */
    double cosine;              /* ⟨r,p⟩/(‖r‖‖p‖); NaN if a norm is 0        */
    double pcc;                 /* Pearson correlation; NaN if a std is 0   */
    double snr_db;              /* 10·log10(Σr²/Σd²); +Inf when d = 0       */
    double needed_atol;         /* max|d|                                   */
    double needed_rtol;         /* max |d|/|r| over r != 0                  */
    uint64_t max_ulp;           /* in the narrower float dtype; 0 if n/a    */
    int ulp_dtype;              /* the parity_dtype ULPs are counted in     */
    uint64_t max_ulp_at;
    uint64_t mismatched;        /* |d| > atol + rtol·|r|, plus non-finite   */
                                /* positions that differ                    */
    uint64_t nonfinite_ref_only, nonfinite_port_only;
    uint64_t nonfinite_differ;  /* both non-finite but not the same value   */
    uint64_t first_nonfinite_only; /* flat index of the first one-sided one */
    double mean_diff_db;        /* mean_diff × dB per unit (0 if linear)    */
    parity_verdict verdict;
    int n_profiles;
    parity_axis_profile profiles[4];
    /* With parity_diff_opts.keep_state: the exact partial state behind    */
    /* every number above (counts, extrema and their positions, the exact  */
    /* sums; docs/json-schema.md "state"), which the JSON report carries   */
    /* and parity_merge combines. NULL otherwise; parity_diff_clear frees. */
    struct parity_diff_state *state;
} parity_diff;
typedef struct parity_diff_state parity_diff_state;

/* Compare two tensors of equal logical shape (use parity_match to align
 * layouts first). Streams in bounded chunks; memory does not grow with the
 * tensor, only with requested axis lengths. Free with parity_diff_clear. */
parity_status parity_diff_tensors(const parity_tensor *ref,
                                  const parity_tensor *port,
                                  const parity_diff_opts *opts,
                                  parity_diff *out, parity_error *err);
/* Release the profile arrays and the state of a parity_diff (the struct
 * itself is the caller's). Safe on a zeroed struct. */
void parity_diff_clear(parity_diff *d);

/* Integer and bool tensors (token ids, masks) are compared for equality
 * rather than measured (docs/metrics.md), exactly: values are 64-bit integers,
 * never doubles (2^53 + 1 is not 2^53). Values of a side whose dtype is
 * unsigned (U8..U64, BOOL) are uint64 patterns stored in int64_t: print them
 * through (uint64_t) when *_unsigned is set. Read by renderers. */
#define PARITY_INT_WINDOW 8
/* One hunk of the edit script of two id sequences: ref[ref_at..+ref_n)
 * became port[port_at..+port_n): a drop (port_n 0), an insertion (ref_n
 * 0) or a replacement; the first values of each side. */
#define PARITY_INT_HUNK_VALUES 4
typedef struct parity_int_hunk {
    uint64_t ref_at, ref_n, port_at, port_n;
    int64_t ref_vals[PARITY_INT_HUNK_VALUES], port_vals[PARITY_INT_HUNK_VALUES];
} parity_int_hunk;
#define PARITY_INT_HUNKS 8

typedef struct parity_int_cmp {
    int equal;            /* same shape and every element equal            */
    int sequence;         /* 1-D (size-1 axes aside) of different lengths  */
    uint64_t ref_len, port_len;  /* element counts of the two sides        */
    uint64_t n_compared;  /* elements compared (the shorter length)        */
    uint64_t n_differ;    /* differing elements among them                 */
    uint64_t first;       /* flat index of the first difference; for a     */
                          /* sequence also the longest common prefix       */
    int64_t first_ref, first_port; /* the values there (0 past the end of  */
                          /* a side: first >= ref_len / port_len)          */
    uint64_t win_first;   /* flat index of win_ref[0] / win_port[0]        */
    int win_ref_len, win_port_len;
    int64_t win_ref[PARITY_INT_WINDOW], win_port[PARITY_INT_WINDOW];
    int ref_unsigned, port_unsigned; /* the side's values are uint64       */
    int ref_float, port_float; /* the side is a float tensor holding only   */
                          /* integers (MLX saves token ids as F32)          */
    /* sequences of different lengths (up to 4 Mi ids each): the edit     */
    /* script, as diff(1) shows lines; its first PARITY_INT_HUNKS hunks   */
    size_t n_hunks, total_hunks;
    parity_int_hunk hunks[PARITY_INT_HUNKS];
} parity_int_cmp;

/* Compare two integer or bool tensors (any integer dtypes, byte orders and
 * strides; or float tensors that hold only integers, as
 * parity_tensor_integral says) element by element in flat C order.
 * sequence = 0: equal element counts required (PARITY_E_SHAPE otherwise);
 * 1: 1-D sequences that may differ in length, compared over the shorter
 * one (first is then also the longest common prefix), with the edit
 * script. Fills every field of *out. */
parity_status parity_diff_ints(const parity_tensor *ref,
                               const parity_tensor *port, int sequence,
                               parity_int_cmp *out, parity_error *err);

/* One pair of parity_diff_many: the tensors in, the result out. An item
 * whose two tensors are NULL is skipped (diff zeroed, status PARITY_OK). */
typedef struct parity_diff_item {
    const parity_tensor *ref, *port; /* equal logical shapes               */
    const parity_diff_opts *opts;    /* this pair's options (its axes); NULL:*/
                                     /* the call's                          */
    parity_diff diff;                /* out; parity_diff_clear it           */
    parity_status status;            /* out: this pair's parity_diff_tensors*/
    parity_error *err;               /* NULL, or receives its error when    */
                                     /* status != OK (the caller's storage) */
} parity_diff_item;

/* Compare every pair of items[0..n), each exactly as parity_diff_tensors
 * would (the same bits), on one pool of opts->threads workers for the
 * whole call: pairs of at most 65,536 elements go to the workers in
 * groups (no thread or allocation per pair), larger ones are cut into
 * batches as by parity_diff_tensors; file pages are released per group.
 * Returns PARITY_OK when every pair was attempted (see each status), or
 * an error of the call itself (bad arguments, out of memory). */
parity_status parity_diff_many(parity_diff_item *items, size_t n,
                               const parity_diff_opts *opts,
                               parity_error *err);

/* ======================================================================== */
/* 4b. Analysis: matching and comparing pairs                              */
/* ======================================================================== */

typedef enum parity_match_how {
    PARITY_MATCH_EXACT = 0,  /* identical names                              */
    PARITY_MATCH_NORMALIZED, /* equal after lowercase, camel→snake, separators */
    PARITY_MATCH_MAP,        /* a --map rule renamed the port name           */
    PARITY_MATCH_ORDER,      /* --by-order: n-th stage of each side          */
    PARITY_MATCH_CONTENT     /* aligned by what they hold (--pair)           */
} parity_match_how;

/* One paired tensor. ref_view and port_view have equal shapes whenever
 * layout_ok; layout describes what was applied to the port to get there
 * ("", "squeeze", "permute(0,2,1)", "reshape [1,16000] -> [1,80,200]").
 * kind is how the pair is compared (parity_pair_kind_of, cached by the
 * matcher). */
typedef struct parity_pair {
    const parity_tensor *ref, *port;
    parity_tensor ref_view, port_view;
    parity_match_how how;
    int layout_ok;           /* 0: shapes irreconcilable                     */
    char layout[96];
    int kind;                /* a parity_pair_kind                           */
    /* A step pair (docs/matching.md): one side ran once per position or   */
    /* step (name, name#1, ...), the other holds every position along one  */
    /* axis. step is the position (-1: not a step pair), step_side the     */
    /* side holding them all (0 ref, 1 port), step_axis its axis; the      */
    /* stacked side's view is its slice at step, and ref_view.name reads   */
    /* "name@step".                                                        */
    int64_t step;
    int step_side, step_axis;
    int64_t steps;           /* positions in the series                      */
    double confidence;       /* 1, or for PARITY_MATCH_CONTENT the pair's    */
                             /* confidence in [PARITY_CONTENT_USE, 1]        */
    const struct parity_proposal *proposal; /* PARITY_MATCH_CONTENT: what    */
                             /* the alignment found (owned by the match)     */
} parity_pair;

#define PARITY_MAX_GLOBS 16

/* The name pair p is reported under: the reference tensor's, or for a
 * position of a reference that stacks a series, "name@k". */
const char *parity_pair_name(const parity_pair *p);

/* When stages left unpaired by their names are paired by content
 * (docs/matching.md): AUTO when names pair fewer than half of the stages of
 * the smaller side, NAMES never, CONTENT always. */
typedef enum parity_pairing {
    PARITY_PAIRING_AUTO = 0,
    PARITY_PAIRING_NAMES,
    PARITY_PAIRING_CONTENT
} parity_pairing;
/* The confidence a pair by content needs to be used. */
#define PARITY_CONTENT_USE 0.5

typedef struct parity_match_opts {
    const char *map_file;    /* "regex => replacement" per line, or NULL     */
    int by_order;            /* pair the n-th stage of each side             */
    parity_pairing pairing;  /* pairing by content                           */
    /* Selection by fnmatch pattern (no flags): a name is selected when it  */
    /* matches one of only_globs (or there are none) and none of skip_globs */
    const char *only_globs[PARITY_MAX_GLOBS];
    int n_only;
    const char *skip_globs[PARITY_MAX_GLOBS];
    int n_skip;
} parity_match_opts;

/* 1 if name passes the --only / --skip selection of o (o NULL: 1). */
int parity_match_selected(const parity_match_opts *o, const char *name);

typedef struct parity_match parity_match;

/* Pair the tensors of ref and port (docs/matching.md). The sets must outlive the
 * match. Pairs are in ref execution order. */
parity_status parity_match_sets(const parity_set *ref, const parity_set *port,
                                const parity_match_opts *opts,
                                parity_match **out, parity_error *err);
void parity_match_free(parity_match *m);
size_t parity_match_count(const parity_match *m);
const parity_pair *parity_match_pair(const parity_match *m, size_t i);
/* Tensors of one side that found no partner (side 0 = ref, 1 = port) and
 * are no copy of the stage before them (see parity_match_copy). */
size_t parity_match_unpaired_count(const parity_match *m, int side);
const parity_tensor *parity_match_unpaired(const parity_match *m, int side,
                                           size_t i);

/* An unpaired tensor that copies an earlier one of its own set: an alias
 * the tracer stored once, or the stage before it in execution order with
 * the same bits (dropout in eval mode, a container returning its last
 * child's output). Not evidence of a missing stage: not counted as one. */
typedef struct parity_copy {
    const parity_tensor *t, *of;
} parity_copy;
size_t parity_match_copies_count(const parity_match *m, int side);
const parity_copy *parity_match_copy(const parity_match *m, int side, size_t i);

/* Pairing by content: every pair the alignment proposed, in ref order,
 * used or not (used when confidence >= PARITY_CONTENT_USE). content_ran is
 * 0 when it did not run (names paired enough, --pair names, --by-order). */
typedef struct parity_proposal {
    const parity_tensor *ref, *port;
    double confidence;  /* [0, 1]: the aligned correlation, or 0.6 where   */
                        /* only the structure vouches (docs/matching.md)   */
    double correlation; /* on a bounded sample; NaN: no layout aligns them */
    int used;
    int by_structure;   /* the values do not confirm it; its place does    */
} parity_proposal;
int parity_match_content_ran(const parity_match *m);
size_t parity_match_proposal_count(const parity_match *m);
const parity_proposal *parity_match_proposal(const parity_match *m, size_t i);

/* What a pairing covered (docs/matching.md): every comparing verb reports
 * it, and a pairing that compared nothing is never a success. */
typedef struct parity_coverage {
    size_t compared;       /* pairs, each compared (irreconcilable ones too)  */
    size_t total;          /* compared + only[0] + only[1]: the stages of     */
                           /* both sides, a pair counted once                */
    size_t only[2];        /* selected tensors of one side without partner   */
    size_t copies[2];      /* unpaired copies of the stage before (not counted) */
    size_t filtered[2];    /* --only / --skip left out: [0] ref tensors (a   */
                           /* pair with its partner), [1] unpaired port ones */
    size_t irreconcilable; /* pairs no layout reconciles (PARITY_PAIR_SHAPES) */
    int content_ran;       /* pairing by content ran (parity_match_content_ran) */
    size_t by_content;     /* pairs it made (among compared)                 */
    size_t by_structure;   /* ... of which only the structure vouches for    */
    size_t not_used;       /* pairs it proposed below PARITY_CONTENT_USE     */
} parity_coverage;
void parity_match_coverage(const parity_match *m, parity_coverage *out);

/* Every --only and --skip glob of o must match some name of sets[0..n):
 * a filter that selects nothing is bad usage (PARITY_E_USAGE naming the
 * glob). parity_match_sets checks this itself. */
parity_status parity_match_check_globs(const parity_match_opts *o,
                                       const parity_set *const *sets, size_t n_sets,
                                       parity_error *err);

/* --map rules are regular expressions in POSIX extended syntax, matched in
 * time linear in the name (docs/matching.md: the syntax, \d \w \s and
 * (?:...) included, and the limits; back references are refused). A rule
 * with a typo, or one for another model, renames nothing, silently.
 * parity_map_check calls unmatched(ctx,
 * map_file, line, regex) for every rule of map_file, in file order, whose
 * regex matches no tensor name of port (line is 1-based; the strings are
 * borrowed for the call). Errors: those of loading the rules. */
typedef void (*parity_map_rule_fn)(void *ctx, const char *map_file,
                                   size_t line, const char *regex);
parity_status parity_map_check(const char *map_file, const parity_set *port,
                               parity_map_rule_fn unmatched, void *ctx,
                               parity_error *err);

/* Normalize a tensor name (lowercase, camelCase split to snake_case, the
 * separators . / : - _ unified to '.') into buf; returns buf. */
char *parity_name_normalize(const char *name, char *buf, size_t cap);

/* Bring port's shape to ref's (docs/matching.md): drop size-1 axes, then try axis
 * permutations, then a reshape of equal element count; when several work the
 * lowest-relative-error one wins. Fills the views and layout text. Returns
 * PARITY_E_SHAPE when no candidate makes the shapes agree. */
parity_status parity_layout_align(const parity_tensor *ref,
                                  const parity_tensor *port,
                                  parity_tensor *ref_view,
                                  parity_tensor *port_view,
                                  char *layout, size_t layout_cap,
                                  parity_error *err);

/* What kind of comparison a pair gets (docs/metrics.md), decided once for every
 * verb. */
typedef enum parity_pair_kind {
    PARITY_PAIR_FLOAT = 0, /* layouts aligned, a side floating: metrics (a    */
                           /* float/integer pair is compared in float64)     */
    PARITY_PAIR_INT,       /* layouts aligned, both integer or bool: exact    */
                           /* equality                                       */
    PARITY_PAIR_SEQUENCE,  /* both integer, 1-D (size-1 axes aside), lengths  */
                           /* differ: equality over the common prefix, and   */
                           /* the edit script                                */
    PARITY_PAIR_OVERLAP,   /* size-1 axes aside, the shapes differ in the    */
                           /* length of one axis only: compared where they   */
                           /* overlap (a prefix, or at the best lag)         */
    PARITY_PAIR_SHAPES     /* shapes irreconcilable: statistics of each side  */
} parity_pair_kind;
/* "Integer" above means an integer or bool dtype, or a float tensor that
 * holds only integers (token ids MLX saves as F32) when it is paired with
 * an integer tensor, or is a sequence (of at most 2^20 values) paired with
 * another such float sequence: those compare as ids. */

/* How p is compared (reads the data of a float side when it may hold ids:
 * parity_match_sets caches the answer in p->kind). */
parity_pair_kind parity_pair_kind_of(const parity_pair *p);

/* Where two tensors of different lengths along one axis overlap
 * (PARITY_PAIR_OVERLAP); the parts compared are views of the tensors with
 * size-1 axes dropped. */
typedef enum parity_overlap_how {
    PARITY_OVERLAP_NONE = 0, /* neither a prefix nor a shifted copy: the   */
                             /* metrics are over the common prefix         */
    PARITY_OVERLAP_PREFIX,   /* the shorter equals the longer's start      */
    PARITY_OVERLAP_SHIFTED   /* port[i] = ref[i + lag] along the axis      */
} parity_overlap_how;

typedef struct parity_overlap {
    parity_overlap_how how;
    int axis;                /* the reference's axis that differs          */
    int64_t ref_len, port_len;
    int64_t lag;             /* SHIFTED: port index i holds ref's i + lag  */
    int64_t len;             /* elements of the axis compared              */
} parity_overlap;

/* One pair compared. diff.ref and diff.port always hold each side's
 * statistics; the metrics are valid for FLOAT and INT (INT's go through
 * doubles: equality decides); ints for INT and SEQUENCE. verdict: FLOAT
 * the metrics' verdict, INT and SEQUENCE MATCH only when equal, SHAPES
 * LARGE DIFF. diff.verdict equals verdict. */
typedef struct parity_comparison {
    parity_pair_kind kind;
    parity_diff diff;
    parity_int_cmp ints;
    parity_overlap overlap;     /* kind OVERLAP                             */
    parity_tensor ref_part, port_part; /* OVERLAP: the views compared (the  */
                                /* metrics' indices are in their shape)     */
    int same_values;            /* FLOAT, not MATCH: both sides hold the    */
                                /* same multiset of values in another order */
    parity_verdict verdict;
} parity_comparison;

/* Compare pair p as parity diff does, with opts (NULL: the defaults; an
 * --axis the views do not have is skipped). For OVERLAP the metrics are
 * over the overlapping part (overlap says which). Free with
 * parity_comparison_clear. */
parity_status parity_compare_pair(const parity_pair *p, const parity_diff_opts *opts,
                                  parity_comparison *out, parity_error *err);
/* Compare pairs[0..n) each exactly as parity_compare_pair would (the same
 * bits), the float pairs on one pool of opts->threads workers
 * (parity_diff_many): out[i] and st[i] per pair, errs[i] (errs may be NULL)
 * the error of a pair whose st[i] is not PARITY_OK. Returns PARITY_OK when
 * every pair was attempted, or an error of the call itself. Clear each
 * out[i] with parity_comparison_clear. */
parity_status parity_compare_pairs(const parity_pair *const *pairs, size_t n,
                                   const parity_diff_opts *opts, parity_comparison *out,
                                   parity_status *st, parity_error *errs,
                                   parity_error *err);
void parity_comparison_clear(parity_comparison *c);

/* ======================================================================== */
/* 4c. Analysis: walking two traces                                        */
/* ======================================================================== */

/* One compared stage of a trace walk, in reference execution order. */
typedef struct parity_stage {
    const parity_pair *pair;   /* borrowed from the walk's match            */
    parity_pair_kind kind;     /* how it was compared (parity_compare_pair) */
    parity_diff diff;          /* statistics always; metrics when           */
                               /* pair->layout_ok; diff.verdict the stage's */
    double jump;               /* relative / max(base's relative, floor);   */
                               /* NaN for a stage no layout reconciles      */
                               /* (PARITY_PAIR_SHAPES: nothing measured)    */
    long base;                 /* the stage the jump counts from: the last  */
                               /* measured one before it, or -1 (none)      */
    int ints_differ;           /* both sides integer and not exactly equal  */
                               /* (diff.verdict is then LARGE DIFF even if  */
                               /* the values differ only beyond 2^53)       */
    parity_int_cmp ints;       /* kind INT or SEQUENCE: the id comparison   */
    parity_overlap overlap;    /* kind OVERLAP                              */
    int same_values;           /* the same values in another order          */
} parity_stage;

/* The relative error a stage is ranked by, everywhere (walk, trace, the
 * HTML report): diff.relative, or +Inf when the shapes are irreconcilable
 * or non-finite values appear on one side only. */
double parity_stage_relative(const parity_stage *s);

/* A series: stages whose names are equal but for one number
 * ("ode.step{k}.x"); members sorted by that number. */
typedef struct parity_series {
    char pattern[160];         /* the name with the varying number as {k}  */
    size_t n;
    size_t *stage;             /* [n] indices into the walk's stages        */
    int64_t *k;                /* [n] the number of each member             */
} parity_series;

/* Why a step of a schedule has no dt. */
typedef enum parity_step_status {
    PARITY_STEP_OK = 0,
    PARITY_STEP_NO_X0,     /* the first step under "after": no initial state */
                           /* (no input named *noise*, no x0_name)          */
    PARITY_STEP_NO_BEFORE, /* the state before the step is not traced      */
    PARITY_STEP_NO_AFTER,  /* the state after the step is not traced       */
    PARITY_STEP_SHAPE,     /* states and velocity differ in shape          */
    PARITY_STEP_ZERO_V,    /* the velocity is zero: no dt to speak of      */
    PARITY_STEP_ONLY_REF,  /* only ref traced this step: dt_port is NaN and */
                           /* t_port does not move (the port took no such  */
                           /* step; its time stays known)                  */
    PARITY_STEP_ONLY_PORT  /* only port traced this step: likewise         */
} parity_step_status;

/* Solver forensics for both sides: step sizes inferred from states and
 * velocities, dt_k = <x_{k+1} - x_k, v_k> / <v_k, v_k>, and the time each
 * step started at (t_0 = 0 at the first row, t_{j+1} = t_j + dt_j). One row
 * per velocity step either side traced (the paired series, plus the steps
 * one side alone has, found under that side's own names): a step that
 * cannot be fitted has dt = NaN and a status saying why, and every time
 * after it is NaN (unknown); a step one side lacks is
 * PARITY_STEP_ONLY_REF/PORT and adds no time on that side. When a side's
 * step cannot be fitted although the other's can, status says why and the
 * other side's dt stays. */
typedef struct parity_schedule {
    size_t n;                  /* rows                                      */
    size_t n_fitted;           /* rows with a dt on some side (>= 1)        */
    size_t steps_ref, steps_port; /* velocity steps each side traced        */
    int64_t *k;                /* [n] step numbers                          */
    parity_step_status *status; /* [n]                                      */
    double *dt_ref, *dt_port;  /* [n]                                       */
    double *t_ref, *t_port;    /* [n + 1] cumulative times                  */
    double fit_ref, fit_port;  /* worst ‖Δx − dt·v‖/‖Δx‖ over fitted steps  */
                               /* (1 where Δx = 0 but v ≠ 0)                */
    int after;                 /* 1: the state series holds the state after */
                               /* each step; 0: before it                   */
    long x0;                   /* stage index of the initial state used     */
                               /* before the first step, or -1              */
    const char *states, *velocities; /* the series patterns, borrowed      */
    parity_dtype precision;    /* the coarsest float dtype the estimates    */
                               /* read (states, velocities, x0; both sides) */
    double tol;                /* agreement: rows both traced agree when    */
                               /* |dt_ref - dt_port| <= tol * max |dt|;     */
                               /* max(1e-4, 8u), u the unit roundoff of     */
                               /* precision (docs/trace.md)                 */
} parity_schedule;

/* Classifier-free guidance weight inferred per step from the conditional c,
 * unconditional u and combined velocity g = c + w(c − u):
 * w = <g − c, c − u> / <c − u, c − u>. */
typedef struct parity_guidance {
    size_t n;
    int64_t *k;                /* [n]                                       */
    double *w_ref, *w_port;    /* [n]                                       */
    parity_dtype precision;    /* as in parity_schedule, over g, c and u    */
    double tol;                /* likewise: w agree within tol * max |w|    */
} parity_guidance;

typedef struct parity_walk_opts {
    parity_match_opts match;
    parity_diff_opts diff;
    const char *inputs_glob;   /* extra tensors to treat as inputs, or NULL */
    const char *state_glob;    /* solver states: default "*.x"              */
    const char *velocity_glob; /* combined velocity: default "*.dxdt"       */
    const char *cond_glob;     /* default "*.v_cond"                        */
    const char *uncond_glob;   /* default "*.v_uncond"                      */
    const char *x0_name;       /* initial state; default: first input whose */
                               /* name contains "noise". A name that is no  */
                               /* stage makes parity_walk_run fail          */
                               /* (PARITY_E_NOTFOUND)                       */
    double jump_floor;         /* 0: 1e-6, the relative error float32 noise */
                               /* reaches; jumps divide by at least this    */
    double amplify_limit;      /* 0: 100. Blame by data flow: a stage whose */
                               /* error is at most this many times its      */
                               /* inputs' passes it on (inherits); beyond,  */
                               /* it adds its own (docs/trace.md, "Blame")  */
    /* diff.progress also receives the walk's STAGES, each one's ELEMENTS   */
    /* in between                                                           */
} parity_walk_opts;

parity_walk_opts parity_walk_opts_default(void);

typedef struct parity_walk parity_walk;

/* Compare two traces stage by stage (docs/trace.md): inputs first, then every
 * paired stage in reference execution order; find the first divergence,
 * the culprit, the series, the solver schedules and guidance weights. The
 * sets must outlive the walk. */
parity_status parity_walk_run(const parity_set *ref, const parity_set *port,
                              const parity_walk_opts *opts, parity_walk **out,
                              parity_error *err);
void parity_walk_free(parity_walk *w);

const parity_match *parity_walk_match(const parity_walk *w);
size_t parity_walk_stage_count(const parity_walk *w);
const parity_stage *parity_walk_stage(const parity_walk *w, size_t i);
/* Stage indices of inputs that differ (any element, shape or presence);
 * count 0 when the inputs are equal. names of inputs present on one side
 * only are listed by parity_walk_input_missing. */
size_t parity_walk_inputs_differ(const parity_walk *w, const size_t **idx);
size_t parity_walk_input_missing(const parity_walk *w, const char *const **names);
/* Index of the first stage (in order, inputs included) that is not MATCH,
 * or -1 when every stage matches. */
long parity_walk_first_divergence(const parity_walk *w);
/* The culprit among the stages that are not MATCH. With data flow
 * (parity_walk_blame_rule): the first stage, in walk order, that
 * introduces an error (else the first whose inputs cannot all be
 * compared). By execution order: the stage with the largest error jump
 * over its predecessor, except when an earlier member of a series holding
 * that stage (an earlier call of the same module: a defect in a module
 * called at every step jumps at every call) is not MATCH and jumps within
 * 2x of it: then the earliest such member. -1 when every stage matches. */
long parity_walk_culprit(const parity_walk *w);
/* The stage with the largest jump (-1 when every stage matches); it
 * differs from the culprit only when an earlier call was preferred, and
 * then *series (may be NULL) receives the series holding both, else NULL. */
long parity_walk_largest_jump(const parity_walk *w, const parity_series **series);
/* 1 when the walk found anything: a stage not MATCH, an input that
 * differs or is missing on one side, a name without a partner; and when
 * it compared nothing (two empty traces never read as a match). */
int parity_walk_differs(const parity_walk *w);
size_t parity_walk_series_count(const parity_walk *w);
const parity_series *parity_walk_series(const parity_walk *w, size_t i);
/* NULL when the trace has no state/velocity series. */
const parity_schedule *parity_walk_schedule(const parity_walk *w);
/* NULL when the trace has no conditional/unconditional velocities. */
const parity_guidance *parity_walk_guidance(const parity_walk *w);
/* The options the walk ran with (a copy held by the walk; its strings,
 * such as the solver globs, are the caller's, borrowed): what a report
 * says it looked for. */
const parity_walk_opts *parity_walk_options(const parity_walk *w);

/* How the walk blamed the stages (docs/trace.md, "Blame"). */
typedef enum parity_blame_rule {
    PARITY_BLAME_ORDER = 0, /* no data flow recorded: each stage against */
                            /* the one before it in execution order; the */
                            /* culprit is the largest jump               */
    PARITY_BLAME_DATAFLOW   /* a side records parents: each stage        */
                            /* against the stages it was computed from   */
} parity_blame_rule;

/* What the data flow says of one stage. */
typedef enum parity_role {
    PARITY_ROLE_MATCH = 0,  /* the stage is MATCH                        */
    PARITY_ROLE_INTRODUCES, /* not MATCH, and its inputs do not account  */
                            /* for its error: they all MATCH carrying no */
                            /* error from upstream, or its error exceeds */
                            /* amplify_limit times theirs (a SMALL DIFF  */
                            /* input, a LARGE DIFF output)               */
    PARITY_ROLE_INHERITS,   /* not MATCH, its error passed on from       */
                            /* upstream: the stages in from              */
    PARITY_ROLE_UNKNOWN     /* not MATCH, every compared input matches,  */
                            /* but an input was not compared (missing):  */
                            /* cannot tell whether it introduces         */
} parity_role;

/* What a stage was judged against. */
typedef enum parity_blame_via {
    PARITY_VIA_PARENTS = 0, /* its recorded parents                      */
    PARITY_VIA_ALIAS,       /* the stage it is a stored copy of (the     */
                            /* trace's alias; a copy inherits)           */
    PARITY_VIA_INSIDE,      /* the stages recorded inside it: names that */
                            /* extend its own with a dot (a module whose */
                            /* submodules and operations are stages), or */
                            /* every stage before "@root"                */
    PARITY_VIA_INPUTS,      /* it has no parents: the model inputs       */
    PARITY_VIA_ORDER        /* it records no parents in a trace that     */
                            /* records them for others (a stage added by */
                            /* hand): the stage before it in walk order  */
} parity_blame_via;

/* The blame of one stage under PARITY_BLAME_DATAFLOW. Indices are walk
 * stage indices, ascending; the arrays are borrowed from the walk. */
typedef struct parity_blame {
    parity_role role;
    parity_blame_via via;
    const size_t *parents;      /* [n_parents] recorded parents compared     */
    size_t n_parents;           /* (a step pair: those of its own step)      */
    const char *const *missing; /* [n_missing] recorded parents not         */
    size_t n_missing;           /* compared (names of the graph's side)      */
    const char *const *past;    /* [n_past] recorded parents not compared,   */
    size_t n_past;              /* looked past: their nearest compared       */
                                /* ancestors are among parents (names of the */
                                /* graph's side)                             */
    const size_t *through;      /* [n_through] the stages that carry error   */
    size_t n_through;           /* into it (parents, original or inner       */
                                /* stages), the path's previous links        */
    const size_t *from;         /* [n_from] the culprits (INTRODUCES or      */
    size_t n_from;              /* UNKNOWN stages) its error comes from: an  */
                                /* INHERITS stage, or a MATCH one carrying   */
                                /* error below the MATCH tolerance; at most  */
                                /* 16 listed, the earliest                   */
    double jump;                /* relative / max(largest relative of the    */
                                /* stages it is judged against, floor)       */
    int amplified;              /* INTRODUCES although an input differs: its */
                                /* error is jump >= amplify_limit times that */
    const size_t *other;        /* [n_other] both sides record parents and   */
    size_t n_other;             /* the other side's name other stages (after */
    int disagrees;              /* aliases): those, and disagrees = 1        */
} parity_blame;

/* The rule used; *graph_side (may be NULL) receives the side whose parents
 * were used: 0 the reference's (preferred when both record them), 1 the
 * port's, -1 under PARITY_BLAME_ORDER. */
parity_blame_rule parity_walk_blame_rule(const parity_walk *w, int *graph_side);
/* Stage i's blame; NULL under PARITY_BLAME_ORDER or when out of range. */
const parity_blame *parity_walk_blame(const parity_walk *w, size_t i);
/* The stages that introduce an error (INTRODUCES, then UNKNOWN stages), in
 * walk order; parity_walk_culprit is the first. Under PARITY_BLAME_ORDER:
 * the culprit alone (or none). */
size_t parity_walk_culprits(const parity_walk *w, const size_t **idx);
/* The path of the error through the graph: an input of the culprit that
 * matches (when it has one), the culprit, then the stages that carry its
 * error, link by link, to the last stage in walk order that does; empty
 * under PARITY_BLAME_ORDER or when every stage matches. */
size_t parity_walk_path(const parity_walk *w, const size_t **idx);
/* The stages whose parents differ between the two sides' graphs (see
 * parity_blame.disagrees), in walk order. */
size_t parity_walk_flow_disagree(const parity_walk *w, const size_t **idx);

/* ======================================================================== */
/* 4d. Analysis: bitwise reproducibility (parity same)                     */
/* ======================================================================== */

/* Two runs of one side, one tensor name: compared on the stored bits. */
typedef struct parity_same_item {
    const parity_tensor *a, *b; /* borrowed from the sets                  */
    int comparable;      /* same dtype and shape: the bits were compared    */
    int block;           /* elements per compared unit: 1, or a quantized   */
                         /* dtype's block (GGUF), compared block by block   */
    uint64_t n_differ;   /* units (elements or blocks) whose bits differ    */
    uint64_t bits;       /* differing bits in all                           */
    uint64_t first;      /* flat index of the first differing element       */
    double a_value, b_value; /* the values there (when n_differ > 0)        */
} parity_same_item;

/* Compare a and b element by element on their stored bytes, in native
 * byte order, through their strides (a Fortran-order .npy equals its
 * C-order twin). */
void parity_same_tensors(const parity_tensor *a, const parity_tensor *b,
                         parity_same_item *out);

/* 1 when t holds only integers: an integer or bool dtype, or a float
 * tensor whose every value is finite, integral and within int64 (stops at
 * the first that is not). */
int parity_tensor_integral(const parity_tensor *t);
/* 1 when every element of t has the same value (NaN equal to NaN; an
 * empty tensor is constant); stops at the first that differs. */
int parity_tensor_constant(const parity_tensor *t);
/* 1 when a and b have the same dtype and shape and hold the same bits
 * (stops at the first difference). */
int parity_same_bits(const parity_tensor *a, const parity_tensor *b);

typedef struct parity_same parity_same;

/* Pair the tensors of runs a and b by exact name (sel: --only/--skip, may
 * be NULL) and compare each pair; the sets must outlive the result. */
parity_status parity_same_run(const parity_set *a, const parity_set *b,
                              const parity_match_opts *sel, parity_same **out,
                              parity_error *err);
void parity_same_free(parity_same *s);
/* The compared pairs, in a's order. */
size_t parity_same_count(const parity_same *s);
const parity_same_item *parity_same_at(const parity_same *s, size_t i);
/* Selected tensors of one run (side 0: a, 1: b) whose name the other lacks. */
size_t parity_same_only_count(const parity_same *s, int side);
const parity_tensor *parity_same_only(const parity_same *s, int side, size_t i);
/* 1 when a pair differs (bits, dtype or shape), a name is on one side, or
 * nothing was compared. */
int parity_same_differs(const parity_same *s);

/* ======================================================================== */
/* 4e. Analysis: comparing two checkpoints (parity weights)                */
/* ======================================================================== */

/* Did a conversion keep every weight, in the right layout (docs/weights.md)?
 * Weights pair by name as parity_match_sets pairs them; then a tensor on
 * one side whose name says it is fused (qkv, query_key_value, gate_up,
 * w13, ...) is split into the tensors of the other side it concatenates;
 * a pair that differs is tried with the rows of each head permuted as
 * RoPE converters do; names that are one array twice on one side (tied
 * embeddings) are found; each compared weight gets a finding that names
 * what the values show. */

#define PARITY_WEIGHT_VALUES 4 /* first and last values kept per side      */

/* What the values of one compared weight show, beyond the verdict. */
typedef enum parity_weight_finding {
    PARITY_WF_EXACT = 0,   /* every value equal (integers: equal)           */
    PARITY_WF_CLOSE,       /* not equal, but MATCH under the tolerances     */
    PARITY_WF_ROUNDED,     /* every port value is the reference's rounded   */
                           /* to nearest in rounded_to; values beyond its   */
                           /* range became ±Inf (n_overflow of them)        */
    PARITY_WF_QUANTIZED,   /* a block-quantized port whose error stays      */
                           /* within one quantization step in every block   */
    PARITY_WF_QUANT_ERROR, /* quantized, but quant_bad blocks err by more   */
    PARITY_WF_ROWS,        /* the port's rows (axis 0) are the reference's  */
                           /* rows reordered: rows_moved of them moved      */
    PARITY_WF_CONSTANT,    /* the port holds one value everywhere where the */
                           /* reference varies: a weight never loaded, left */
                           /* at its initialization (1 or 0)                */
    PARITY_WF_EXPLAINED,   /* parity_explain_tensors names the difference   */
    PARITY_WF_UNEXPLAINED, /* differs, and nothing simple explains it       */
    PARITY_WF_SHAPES       /* the shapes cannot be reconciled               */
} parity_weight_finding;

/* One compared weight. pair.ref / pair.port are the tensors of the sets,
 * except for a part of a fused tensor: the fused side's tensor is then the
 * slice compared, named "qkv_proj.weight[0:512]" (axis 0) or
 * "w[:, 0:512]", owned by the result. pair.ref_view / pair.port_view are
 * what was compared (for a RoPE permutation, views of shape
 * [heads, 2, head/2, ...]). All pointers are borrowed from the result. */
typedef struct parity_weight {
    parity_pair pair;
    parity_comparison cmp;       /* statistics of each side (of the views), */
                                 /* metrics, verdict (cmp.verdict)          */
    char layout[192];            /* everything applied to bring the port to */
                                 /* the reference, "; " between: "rows      */
                                 /* 0:512 of qkv_proj.weight [1536, 512]    */
                                 /* (part 1 of 3 along axis 0)",            */
                                 /* "permute(0,2,1)", "RoPE rows per head   */
                                 /* of 64: ref half-split, port interleaved"*/
                                 /* ("" when compared as stored)            */
    const parity_tensor *fused;  /* the whole fused tensor, or NULL         */
    int fused_side;              /* side holding it: 1 port, 0 ref          */
    int fused_axis, fused_part, fused_parts; /* part fused_part (0-based)  */
    int64_t fused_start, fused_stop; /* of fused_parts, [start, stop) on   */
                                     /* fused_axis                          */
    int64_t rope_head;           /* > 0: compared with each head's rows     */
                                 /* permuted, heads of rope_head rows       */
    int rope_port_interleaved;   /* 1: ref half-split (rows i, i + h/2 of a */
                                 /* head a rotation pair), port interleaved */
                                 /* (rows 2i, 2i + 1); 0: the reverse       */
    parity_weight_finding finding;
    char text[256];              /* the finding in words, as printed        */
    parity_dtype rounded_to;     /* ROUNDED: the narrower dtype             */
    uint64_t n_overflow;         /* ROUNDED: finite values that became ±Inf */
    uint64_t quant_blocks, quant_bad; /* QUANTIZED / QUANT_ERROR           */
    uint64_t rows_moved;         /* ROWS                                    */
    int n_first, n_last;         /* values below: the first n_first and     */
    double first[2][PARITY_WEIGHT_VALUES]; /* the last n_last of each side  */
    double last[2][PARITY_WEIGHT_VALUES];  /* ([0] ref, [1] port) in flat C */
                                 /* order of the views; last holds only     */
                                 /* values past the first ones              */
} parity_weight;

/* Two names of one side that are one array: b (later in the set's order)
 * is a second name of a, a view of the same storage at the same offset
 * with the same shape and strides (a .pt's tied tensors). Equal values in
 * separate arrays are never a tie (parity_weights_only_copy notes them). */
typedef struct parity_weight_tie {
    int side;                    /* 0 ref, 1 port                           */
    const parity_tensor *a, *b;
    int same_storage;            /* always 1: kept for the layout of the    */
                                 /* struct and JSON's "same_storage"        */
    const parity_tensor *accounted; /* a or b when that one has no partner  */
                                 /* on the other side while the other has:  */
                                 /* it is not counted as missing; or NULL   */
} parity_weight_tie;

/* A summary line: the weights of one layer or module (docs/weights.md: a
 * name up to its first all-digit component, "model.layers.0", else the
 * name without its last component, "model.embed_tokens"; "" for a name of
 * one component). */
typedef struct parity_weight_group {
    const char *prefix;          /* owned by the result                     */
    size_t compared;             /* weights compared                        */
    size_t counts[3];            /* of them, per parity_verdict             */
    size_t only[2];              /* names only in ref [0] / port [1]        */
} parity_weight_group;

typedef struct parity_weights_summary {
    size_t total[2];             /* selected tensors of ref and port        */
    size_t ref_weights;          /* the reference's weights: compared +     */
                                 /* only[0] + tied[0] (a fused reference    */
                                 /* tensor counts once per part)            */
    size_t compared;             /* weights compared (a part of a fused     */
                                 /* tensor counts as one)                   */
    size_t counts[3];            /* per parity_verdict                      */
    size_t only[2];              /* names only in ref / port, ties aside    */
    size_t tied[2];              /* names of each side accounted by a tie   */
    size_t fused[2];             /* fused tensors of each side split        */
    int records_sharing[2];      /* 1: the side was read from a format that */
                                 /* records storage sharing (PyTorch), so   */
                                 /* its copies are separate arrays; 0: it   */
                                 /* cannot (safetensors, npz, GGUF)         */
} parity_weights_summary;

typedef struct parity_weights_opts {
    parity_match_opts match;     /* names, --map, --only / --skip           */
    parity_diff_opts diff;       /* tolerances and threads (axes ignored)   */
} parity_weights_opts;

/* parity_match_opts zeroed, parity_diff_opts_default. */
parity_weights_opts parity_weights_opts_default(void);

typedef struct parity_weights parity_weights;

/* Compare checkpoints ref and port weight by weight (docs/weights.md).
 * o may be NULL. The sets must outlive the result. */
parity_status parity_weights_run(const parity_set *ref, const parity_set *port,
                                 const parity_weights_opts *o, parity_weights **out,
                                 parity_error *err);
void parity_weights_free(parity_weights *w);
/* The compared weights in reference order (a fused tensor's parts where
 * the tensor, or its first part, stands). */
size_t parity_weights_count(const parity_weights *w);
const parity_weight *parity_weights_at(const parity_weights *w, size_t i);
/* Selected names of one side (0 ref, 1 port) with no partner, neither
 * fused nor accounted by a tie, in the set's order. */
size_t parity_weights_only_count(const parity_weights *w, int side);
const parity_tensor *parity_weights_only(const parity_weights *w, int side, size_t i);
/* For parity_weights_only(w, side, i): the first tensor of the same side
 * with a partner whose values are bit-identical to it (not a constant
 * tensor: equal norms and biases say nothing), or NULL. Only a note: the
 * name is still missing (a converter may have kept one name of a tie its
 * format could not record; then --skip the name). */
const parity_tensor *parity_weights_only_copy(const parity_weights *w, int side, size_t i);
size_t parity_weights_tie_count(const parity_weights *w);
const parity_weight_tie *parity_weights_tie(const parity_weights *w, size_t i);
/* Groups in order of first appearance (weights, then names only in ref,
 * then only in port). */
size_t parity_weights_group_count(const parity_weights *w);
const parity_weight_group *parity_weights_group(const parity_weights *w, size_t i);
const parity_weights_summary *parity_weights_summary_of(const parity_weights *w);
/* 1 when a weight is not MATCH, a name is only on one side, or nothing
 * was compared at all. */
int parity_weights_differs(const parity_weights *w);

/* ======================================================================== */
/* 4f. Analysis: a run in parts, merged (parity diff --slice, parity merge) */
/* ======================================================================== */

/* A parity diff can run as n independent parts (on n machines: a Slurm
 * job array, a Kubernetes Indexed Job) whose JSON reports parity_merge
 * reads back into the report the single run prints, byte for byte
 * (docs/scale-out.md). The work is the pairing's pairs in order, each
 * weighing its elements plus PARITY_SLICE_PAIR_COST (W in all). Part k of
 * n (0 <= k < n) takes every pair whose weight starts in
 * [k·W/n, (k+1)·W/n), and of a float pair of more than PARITY_SLICE_MIN
 * elements the elements that fall in that span, cut at multiples of
 * PARITY_SLICE_ALIGN: the parts of such a pair tile its elements. */
#define PARITY_SLICE_MIN ((uint64_t)1 << 20)
#define PARITY_SLICE_PAIR_COST 4096

/* One pair of a part: the pair's index in the pairing, and whether the
 * part compares all of it (whole) or its flat elements [first, end). */
typedef struct parity_part_pair {
    size_t pair;
    int whole;
    uint64_t first, end;
} parity_part_pair;

typedef struct parity_slice {
    uint32_t k, n;            /* part k of n                                */
    size_t pairs;             /* pairs of the whole run                     */
    uint64_t weight;          /* W                                          */
    uint64_t digest;          /* FNV-1a of the pairing (names, kinds,       */
                              /* shapes, dtypes, layouts, unpaired names):  */
                              /* every part of a run has the same           */
    parity_part_pair *items;  /* [n_items] this part's pairs, in order      */
    size_t n_items;
} parity_slice;

/* Part k of n of a diff over the pairing m (the slice is the caller's:
 * parity_slice_free). PARITY_E_USAGE unless 0 <= k < n. */
parity_status parity_slice_plan(const parity_match *m, uint32_t k, uint32_t n,
                                parity_slice **out, parity_error *err);
void parity_slice_free(parity_slice *s);

/* Compare the pairs items[0..n) of a slice as parity_compare_pairs would
 * (the same bits; a pair given in part, its elements [first, end) only),
 * with opts (keep_state is what makes the parts mergeable). out[i],
 * st[i], errs[i] as in parity_compare_pairs. */
parity_status parity_compare_part(const parity_match *m, const parity_part_pair *items,
                                  size_t n, const parity_diff_opts *opts,
                                  parity_comparison *out, parity_status *st,
                                  parity_error *errs, parity_error *err);

/* The parts read back. */
typedef struct parity_merge parity_merge;

/* Open the JSON reports paths[0..n): every part of one parity diff
 * --slice run (each k of its n exactly once, written from the same
 * inputs, options and pairing), or one complete parity diff --format json
 * report. Each file is checked strictly; a problem is one error naming
 * the file and the field (PARITY_E_FORMAT), or the parts that do not
 * belong together (PARITY_E_USAGE). */
parity_status parity_merge_open(const char *const *paths, size_t n, parity_merge **out,
                                parity_error *err);
void parity_merge_free(parity_merge *g);
/* The run's REF (side 0) and PORT paths and labels as recorded. */
const char *parity_merge_path(const parity_merge *g, int side);
const char *parity_merge_label(const parity_merge *g, int side);
/* The run's options (thresholds, domain, axes). */
const parity_diff_opts *parity_merge_opts(const parity_merge *g);
/* The run's pairing as reports need it: its count, the unpaired names and
 * copies, the coverage (parity_match_pair returns NULL: the pairs come
 * one at a time from parity_merge_next). */
const parity_match *parity_merge_match(const parity_merge *g);
/* The next pair in the run's order with every part of it merged: *pair
 * and *cmp are valid until the next call (parity_comparison_clear is the
 * merge's). *done = 1 after the last pair. */
parity_status parity_merge_next(parity_merge *g, const parity_pair **pair,
                                const parity_comparison **cmp, int *done, parity_error *err);

/* ======================================================================== */
/* 5. Explain                                                              */
/* ======================================================================== */

/* Which transformation T a hypothesis says maps the reference r to the port
 * p (docs/explain.md). */
typedef enum parity_hyp_kind {
    PARITY_HYP_PRECISION = 0, /* p ≈ r rounded to f16/bf16/f32               */
    PARITY_HYP_OFFSET,        /* p = r + b                                  */
    PARITY_HYP_SCALE,         /* p = a·r (named when a is a known constant) */
    PARITY_HYP_SIGN_FLIP,     /* p = −r                                     */
    PARITY_HYP_AFFINE,        /* p = a·r + b                                */
    PARITY_HYP_CLAMP,         /* p = min(max(r, lo), hi)                    */
    PARITY_HYP_NONFINITE,     /* p is NaN/Inf where r is finite             */
    PARITY_HYP_AXIS_OFFSET,   /* p = r + b_i, i the index along an axis     */
    PARITY_HYP_AXIS_SCALE,    /* p = a_i·r                                  */
    PARITY_HYP_AXIS_AFFINE,   /* p = a_i·r + b_i                            */
    PARITY_HYP_REGION,        /* p − r confined to a contiguous index range */
    PARITY_HYP_PERMUTE,       /* p = r with axes permuted (shapes agree)    */
    PARITY_HYP_FLIP,          /* p = r reversed along an axis               */
    PARITY_HYP_SHIFT,         /* p[i] = r[i − s] along an axis              */
    PARITY_HYP_SCRAMBLE,      /* the same values in another memory order    */
    PARITY_HYP_ROW_PERMUTATION, /* the rows of p are r's rows reordered     */
    PARITY_HYP_VALUE_DEPENDENT, /* p − r = f(r), a smooth function of r     */
    PARITY_HYP_ALIGNMENT,     /* reserved: the matcher's alignment is now   */
                              /* the result's layout note, never a listed   */
                              /* hypothesis                                 */
    /* With the stage's input x (parity_explain_opts.input_ref/input_port): */
    PARITY_HYP_OP,            /* r = f(x), p = g(x): another op variant     */
    PARITY_HYP_RESIDUAL,      /* p = r + c·x: a residual missing (c = −1)   */
                              /* or added twice (c = +1)                    */
    /* With the reference trace (parity_explain_opts.context):             */
    PARITY_HYP_WIRING,        /* p (or p − r) equals another ref stage      */
    /* From the pair alone:                                                */
    PARITY_HYP_DROPOUT,       /* p = r·m/(1 − q): dropout left on           */
    PARITY_HYP_DIAGONAL,      /* p − r confined to diagonals of the last    */
                              /* two (square) axes: a mask off by k         */
    PARITY_HYP_ROW_SCALE,     /* p = a_l·r, one scale per line of an axis   */
    PARITY_HYP_ONE_SIDED,     /* non-finite on the reference side only      */
    PARITY_HYP_GRID,          /* p on a quantization grid: Q(r)             */
    PARITY_HYP_COUNT
} parity_hyp_kind;

/* One candidate T, fitted and measured over every finite pair:
 *   explained    = 1 − ‖p − T(r)‖² / ‖p − r‖²
 *   residual_rel = ‖p − T(r)‖ / ‖r‖ (precision: ‖p − r‖ / ‖r‖, the
 *                  rounding error the hypothesis attributes to the dtype)
 * params by kind (unused entries 0):
 *   PRECISION  [0] the parity_dtype of the rounding, [1] the fraction of
 *              pairs with |p − r| inside its band, [2] 1 when the port
 *              stores the stage in that dtype and the reference does not:
 *              the stage's own rounding, judged whatever its inputs
 *   OFFSET     [0] b, [1] b in dB (0 when the domain is linear)
 *   SCALE, SIGN_FLIP [0] a;   AFFINE [0] a, [1] b
 *   CLAMP      [0] lo (−Inf: none), [1] hi (+Inf: none), [2] pinned count
 *   NONFINITE  [0] count, [1] flat index of the first
 *   AXIS_*     [0] axis, [1..3] the worst indices (−1: none); a_i and b_i
 *              in index_a / index_b
 *   REGION     [0] axis, [1] first index, [2] end index (exclusive),
 *              [3] the map inside: 1 offset, 2 scale, 3 affine, 0 none
 *              (the difference lies there with no simple map), [4] a,
 *              [5] b of p = a·r + b inside
 *   PERMUTE    [0..ndim) the permutation (p axis k = r axis params[k])
 *   FLIP       [0] axis
 *   SHIFT      [0] axis, [1] s, [2] the vacated indices: 0 circular
 *              (np.roll), 1 zeros, 2 the edge value repeated
 *   SCRAMBLE   [0] 1: Fortran/C order ([1] 0: Fortran values read as C,
 *              1: C values read as Fortran), 2: transpose-vs-reshape (axes
 *              [1], [2]; [3] 0: p = r.swapaxes.reshape, 1: p =
 *              r.reshape(swapped shape).swapaxes), 3: the port's own memory
 *              holds the reference's values in the reference's order under
 *              another shape (parity_explain_pair), 0: no named order
 *   ROW_PERMUTATION [0] axis, [1] rows moved; the permutation in perm
 *   VALUE_DEPENDENT [0] peak |f|, [1] r at the peak
 *   ALIGNMENT  reserved (the alignment is the result's layout note)
 *   OP         [0] the op family (parity_op_family), [1] axis of a row op
 *              (−1: elementwise), [2] the reference's parameter, [3] the
 *              port's (eps, slope, scale, base θ, mask offset ...: the
 *              text names which), [4] the reference's variant, [5] the
 *              port's (family-specific codes, docs/explain.md)
 *   RESIDUAL   [0] c of p = r + c·x
 *   WIRING     [0] 1: p equals the stage, 2: p − r equals it, 3: p − r
 *              equals minus it, 4: p equals it with its last two axes
 *              transposed; [1] the stage's index in the context set,
 *              [2] steps off when the names differ by one number (else 0)
 *   DROPOUT    [0] q, the share zeroed, [1] the scale of the kept values
 *   DIAGONAL   [0] the first diagonal k = j − i, [1] the last, [2] pairs
 *              on them non-finite on one side only
 *   ROW_SCALE  [0] axis, [1] smallest, [2] largest scale, [3] lines
 *   ONE_SIDED  [0] count, [1] flat index of the first, [2] the reference's
 *              value there (−Inf, +Inf or NaN)
 *   GRID       [0] step (0: a float format), [1] bits implied, [2] the
 *              parity_dtype of a float format (0: an integer grid), [3]
 *              axis of per-channel steps (−1: one step)
 * complexity orders equally good hypotheses: the simplest comes first.
 * partial is 1 when the hypothesis explains less than 90%: it is a partial
 * explanation, and its text is printed with what it leaves. hint is what
 * to check in the port (the kind's, docs/explain.md), never NULL.
 * The arrays are owned by the parity_explain_result that holds the
 * hypothesis and released by parity_explain_clear; NULL when unused. */
typedef struct parity_hypothesis {
    parity_hyp_kind kind;
    char text[256];     /* in words with parameters: "scale 6.928 = sqrt(48)" */
    double params[8];
    double explained;
    double residual_rel;
    int complexity;
    int64_t n_index;    /* entries of the arrays below (the axis length)   */
    double *index_a;    /* AXIS_*: a_i [n_index] (1 for AXIS_OFFSET)        */
    double *index_b;    /* AXIS_*: b_i [n_index] (0 for AXIS_SCALE)         */
    int64_t *perm;      /* ROW_PERMUTATION: p row i = r row perm[i]          */
    int partial;        /* explained < 90%                                  */
    const char *hint;   /* static: what to check in the port                */
} parity_hypothesis;

/* The operation families PARITY_HYP_OP names (params[0]). */
typedef enum parity_op_family {
    PARITY_OP_ACTIVATION = 1, /* ReLU, SiLU, GELU (erf, tanh), ...          */
    PARITY_OP_SCALE,          /* y = s·x: an attention scale 1/√d, 1/d, 1   */
    PARITY_OP_NORM,           /* LayerNorm / RMSNorm: eps, affine           */
    PARITY_OP_SOFTMAX,        /* scale, normalization, max, mask            */
    PARITY_OP_ROPE            /* rotary embedding: pairs, base θ, offset    */
} parity_op_family;

/* Where the stage's input came from (parity_explain_opts.input_source). */
typedef enum parity_input_source {
    PARITY_INPUT_NONE = 0,
    PARITY_INPUT_GIVEN,       /* named by the caller (--input NAME)         */
    PARITY_INPUT_PARENT,      /* the stage's recorded parent (data flow)    */
    PARITY_INPUT_PREVIOUS     /* the previous stage in execution order      */
} parity_input_source;

typedef struct parity_explain_opts {
    parity_domain domain;   /* offsets are also given in dB of this domain */
    int axis;               /* per-axis candidates on this axis; −1: all   */
    uint64_t max_sample;    /* the layout searches (shift, flip, rows,     */
                            /* permutation, scramble) copy both tensors up */
                            /* to this many elements; larger ones are      */
                            /* searched on a sample of this many positions */
                            /* and whole lines, the winners then measured  */
                            /* over every element. Default 262,144         */
    size_t max_hypotheses;  /* listed at most: default 5                   */
    /* The stage's input, when known: explain then fits r = f(x_ref) and   */
    /* p = g(x_port) over a catalogue of operation variants (activations,  */
    /* norms, softmax, scale, RoPE) and p = r + c·x (a residual). Both     */
    /* must have the explained pair's shape; input_port NULL: input_ref.   */
    const parity_tensor *input_ref, *input_port;
    const char *input_name;         /* for the words; NULL: the tensor's   */
    parity_input_source input_source; /* how the caller chose it           */
    /* The reference trace the stage belongs to, or NULL: explain then     */
    /* also looks for a port stage that equals another reference stage     */
    /* (a copy, one step off), a difference that equals one (a residual    */
    /* added twice), and the transpose of one (q and k swapped).           */
    const parity_set *context;
    /* 1 when the caller knows the stage's inputs differ between the two   */
    /* sides, 2 when it knows they match, 0 unknown: inherited error is    */
    /* never called precision (the port's own storage rounding, a stage    */
    /* stored in a narrower float than the reference's, still is).         */
    int inputs_state;
    parity_progress progress; /* ELEMENTS of the fit and evaluation passes */
                            /* (total = 2 x count): none                   */
} parity_explain_opts;

parity_explain_opts parity_explain_opts_default(void);

/* The ranked hypotheses for one pair. Only hypotheses explaining at least
 * half of the difference, and at most half of the port's own variance
 * around its mean (Σ(p − T(r))² ≤ ½·Σ(p − mean p)²: better than "p is
 * unrelated to r"), are listed (n may be 0): ranked by residual (per
 * degree of freedom for fits with a parameter per index, line or value
 * bin), then among those within 10% of the best residual the lowest
 * complexity first; the simplest global fit explaining within 1% as much
 * as the first is never cut by max_hypotheses.
 * After parity_explain_pair, layout names the matcher's alignment when one
 * was applied (a note above the list; the hypotheses explain the aligned
 * difference), and h[0] is the memory-order finding when the port's bytes
 * hold the reference's under another shape.
 * none_explains is 1 when nothing explains more than half: "no simple
 * transformation explains the difference". */
typedef struct parity_explain_result {
    size_t n;
    parity_hypothesis *h;   /* [n], owned; free with parity_explain_clear  */
    int identical;          /* p = r at every finite pair: nothing to say  */
    int none_explains;
    uint64_t n_compared;    /* elements where both sides are finite        */
    double relative;        /* ‖p − r‖ / ‖r‖ over them                      */
    double pcc;             /* Pearson correlation of r and p (NaN: a side */
                            /* is constant)                                */
    int uncorrelated;       /* none_explains and |pcc| < 0.1: the port     */
                            /* looks unrelated to the reference            */
    char layout[96];        /* the alignment parity_explain_pair reported  */
                            /* ("" when none)                              */
    char alignment[256];    /* that alignment in words, with both shapes:  */
                            /* the note above the list ("" when none)      */
    parity_hypothesis best_weak; /* the best of the rest when none_explains */
                                 /* (text "" when none is credible)        */
    char input[128];        /* the input the op fits used ("" none)        */
    parity_input_source input_source;
    int input_differs;      /* the two sides' inputs differ: the port's    */
                            /* op was fitted against the port's input      */
    double input_relative;  /* ‖x_port − x_ref‖/‖x_ref‖                     */
    int input_unfit;        /* the input's shape is not the stage's: no    */
                            /* operation was fitted                        */
    char input_layout[96];  /* the layout that brought the input to the    */
                            /* stage's ("permute(0,2,1)"; "" none needed)  */
    int inputs_state;       /* as parity_explain_opts.inputs_state         */
    uint64_t n_one_sided;   /* pairs non-finite on one side only (either)  */
} parity_explain_result;

/* Fit every candidate transformation of r into p (equal logical shapes, as
 * after parity_layout_align) and rank them. Streams the tensors in chunks
 * (fit pass, evaluation pass); the only copies are the layout searches',
 * bounded by opts->max_sample elements per side. opts may be NULL. */
parity_status parity_explain_tensors(const parity_tensor *ref,
                                     const parity_tensor *port,
                                     const parity_explain_opts *opts,
                                     parity_explain_result *out,
                                     parity_error *err);
/* Explain a matched pair (its views) and, when the matcher aligned the
 * port's layout, report that alignment first: permute(0,2,1) of [B,T,C]
 * against [B,C,T], or, when the port's memory already holds the
 * reference's values in the reference's order under another shape (a
 * reshape where a transpose was meant, as [out,in,k] bytes read as
 * [out,k,in]), that memory-order finding. pair->layout_ok must be 1. */
parity_status parity_explain_pair(const parity_pair *pair,
                                  const parity_explain_opts *opts,
                                  parity_explain_result *out,
                                  parity_error *err);
/* Release out->h and the hypotheses' arrays; safe on a zeroed struct. */
void parity_explain_clear(parity_explain_result *res);
/* "precision", "offset", ... */
const char *parity_hyp_kind_name(parity_hyp_kind k);
/* The stage's inputs already differ: it inherits its error (the walk's
 * blame by data flow, parity_walk_inherited_note), which is then no
 * rounding of its own. Removes the precision hypotheses from res (none
 * left: none_explains is set), except one of the port's own storage
 * rounding (params[2] = 1), which holds whatever the inputs. Returns 1
 * when the error stands as inherited (show the note), 0 when that own
 * rounding is listed first: it explains the stage, and a note saying "not
 * rounding of its own" would contradict it. */
int parity_explain_inherited(parity_explain_result *res);

/* ======================================================================== */
/* 6. Tracing                                                              */
/* ======================================================================== */

/* A trace is every intermediate tensor of a run, in execution order:
 * - a .safetensors file whose __metadata__ holds "parity.order" (a JSON
 *   array of names, as a string), "parity.inputs" (names of the tensors
 *   that are model inputs) and, when a stage was given parents,
 *   "parity.parents" (a JSON object, stage -> [stages it was computed
 *   from], as a string), written when the tracer closes; or
 * - a directory (any other path): each stage is written as it completes to
 *   NNNNNN.safetensors (one tensor named by the stage), atomically
 *   (temporary file + rename), so a crash loses nothing already traced;
 *   index.json is rewritten (atomically too) at once for an input or
 *   metadata, at close, and otherwise every so often (linear in the trace
 *   size); readers append the stage files it does not list yet, in
 *   file-number order. Opening refuses a directory that is neither empty
 *   nor a parity trace (PARITY_E_USAGE). index.json:
 *     {"format":"parity-trace","version":1,"order":[names...],
 *      "inputs":[names...],"files":{"name":"000001.safetensors",...},
 *      "parents":{"name":["parent",...],...},"metadata":{"key":"value",...}}
 *   ("parents" only when a stage has some).
 *
 * Stage names. A name added again gets a suffix: the first call is "name",
 * the k-th repeat "name#k" (k = 1, 2, ...), so a stage computed once per
 * decoded token (or solver step) is "name" at step 0 and "name#k" at step
 * k. A name that is already a stage name gets a suffix of its own (adding
 * "x#1" after two "x" gives "x#1#1"); parity_tracer_last tells the name a
 * stage was given.
 *
 * Recording and injecting. parity_tracer_add and its variants only READ
 * the caller's data (const): read-only memory (weights mapped PROT_READ, a
 * const activation) may be traced, in inject mode too.
 * parity_tracer_inject and its variants record the port's value the same
 * way and then, with an inject reference set, OVERWRITE the caller's
 * writable buffer with the reference's value (activation patching): the
 * stages downstream compute from reference inputs and each stage's own
 * error is isolated. Call inject on the buffer a stage writes and the
 * next stage reads; add for everything else. Without a reference (or with
 * a disabled tracer) inject is add and the buffer is left untouched.
 *
 * Inject mode finds the reference tensor of a stage as parity diff pairs
 * names: its (suffixed) name exactly, else the first reference tensor
 * whose parity_name_normalize form is equal (finalProj = final_proj), else
 * the name the map rules give (parity_tracer_set_map, PARITY_MAP; the
 * --map format of docs/matching.md), exactly, else normalized. It aligns
 * layouts as parity diff does and converts to the caller's dtype. When no
 * tensor of the stage's name aligns whole, call k of a series (name#k, one
 * call per token: a port decoding token by token) receives position k of
 * the reference tensor that holds every position along one axis (a
 * whole-sequence trace), as parity diff pairs step pairs (docs/tracing.md,
 * "Inject mode"). */
typedef struct parity_tracer parity_tracer;

/* Open a tracer writing to path; path NULL means the PARITY_TRACE
 * environment variable, and when that is unset too *out is NULL: tracing
 * is disabled and every add, inject, parents and last call below is a
 * single branch. The inject reference comes from the PARITY_INJECT
 * environment variable (a trace file or directory) unless
 * parity_tracer_set_inject is called, the map rules from PARITY_MAP unless
 * parity_tracer_set_map is called. */
parity_status parity_tracer_open(const char *path, parity_tracer **out,
                                 parity_error *err);
/* Use the trace at ref_path as the inject reference (NULL: turn off). A
 * NULL tracer: PARITY_OK, nothing done. */
parity_status parity_tracer_set_inject(parity_tracer *t, const char *ref_path,
                                       parity_error *err);
/* Load the rename rules of map_path (one "regex => replacement" a line,
 * as parity diff --map reads them) for finding a stage's reference tensor
 * in inject mode (NULL: no rules). A malformed file is PARITY_E_USAGE
 * naming the file and line; the rules loaded before stay in force. */
parity_status parity_tracer_set_map(parity_tracer *t, const char *map_path, parity_error *err);
/* Add a __metadata__ / index.json "metadata" entry. The keys parity.format,
 * parity.order, parity.inputs, parity.parents and parity.aliases are the
 * tracer's (PARITY_E_USAGE). */
parity_status parity_tracer_meta(parity_tracer *t, const char *key,
                                 const char *value, parity_error *err);
/* Finish the trace (writes the single file, or the final index.json) and
 * free the tracer; NULL is a no-op. */
parity_status parity_tracer_close(parity_tracer *t, parity_error *err);
/* How many tensors the tracer has injected so far (0 for NULL). */
size_t parity_tracer_injected(const parity_tracer *t);

/* The entry points of the inline calls below (call those instead).
 * flags: PARITY__TRACE_INPUT marks a model input; PARITY__TRACE_INJECT
 * overwrites data (then writable) with the reference in inject mode.
 * stride NULL means C order. */
#define PARITY__TRACE_INPUT  1
#define PARITY__TRACE_INJECT 2
#if defined(__GNUC__)
#define PARITY__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PARITY__PRINTF(f, a)
#endif
parity_status parity__tracer_add(parity_tracer *t, const char *name, parity_dtype dt, int ndim,
                                 const int64_t *shape, const int64_t *stride, const void *data,
                                 int flags, parity_error *err);
parity_status parity__tracer_addf(parity_tracer *t, parity_dtype dt, int ndim, const int64_t *shape,
                                  const int64_t *stride, const void *data, int flags,
                                  parity_error *err, const char *fmt, ...) PARITY__PRINTF(9, 10);
parity_status parity__tracer_parents(parity_tracer *t, const char *stage,
                                     const char *const *parents, size_t n, parity_error *err);
const char *parity__tracer_last(const parity_tracer *t, const char *base);
static inline void *parity__writable(void *data) { return data; }

/* A disabled tracer (NULL) costs each call below one predictable branch.
 * The hint lays the NULL path out as the fall-through (no taken jump): a
 * disabled tracer is the case whose cost matters (bench/bench_tracer.c).
 * A port compiled with PARITY_NO_TRACE defined (-DPARITY_NO_TRACE, e.g. a
 * release build) keeps these calls in the source but they compile to
 * nothing, at any optimization level: they return PARITY_OK
 * (parity_tracer_last NULL) without reading the tracer or referring to the
 * library (their arguments and formats are still type-checked, inside
 * sizeof, never evaluated), so neither tracing nor inject mode happens
 * there. */
#if defined(PARITY_NO_TRACE)
/* What a compiled-out call gives: a call, so that a macro used as a
 * statement leaves no unused value to warn about. */
static inline parity_status parity__untraced(void) { return PARITY_OK; }
#define PARITY_TRACER_ON(t) ((void)(t), 0)
#define PARITY__TRACED(t, call, off) ((void)sizeof(call), (off))
#define PARITY__TRACED_CALL(t, call) ((void)sizeof(call), parity__untraced())
#else
#if defined(__GNUC__)
#define PARITY_TRACER_ON(t) __builtin_expect((t) != NULL, 0)
#else
#define PARITY_TRACER_ON(t) ((t) != NULL)
#endif
#define PARITY__TRACED(t, call, off) (PARITY_TRACER_ON(t) ? (call) : (off))
#define PARITY__TRACED_CALL(t, call) PARITY__TRACED(t, call, PARITY_OK)
#endif

/* Deprecated: a port written when parity_tracer_add injected (it took
 * void *data) may define PARITY_TRACER_ADD_INJECTS before including this
 * header to keep that behaviour: parity_tracer_add and
 * parity_tracer_add_input then inject (and need writable data). New code
 * calls parity_tracer_inject where the port wants patching. */
#if defined(PARITY_TRACER_ADD_INJECTS)
#define PARITY__ADD_DATA void *
#define PARITY__ADD_FLAGS PARITY__TRACE_INJECT
#else
#define PARITY__ADD_DATA const void *
#define PARITY__ADD_FLAGS 0
#endif

/* Record count(shape) elements of dt at data, C order, native
 * little-endian, as the next stage, named name (or name#k, above). The
 * bytes are read, never written, and copied (a single-file trace keeps them
 * until close). ndim 0 is a scalar; a dimension may be 0. A NULL or empty
 * name, an invalid dtype, a negative dimension, ndim outside 0..32, or NULL
 * data with a non-empty shape is PARITY_E_USAGE; F80 is refused (trace it
 * as F64); a name that is not UTF-8 is refused by the writer. A failed add
 * records nothing and takes no name. */
static inline parity_status parity_tracer_add(parity_tracer *t, const char *name,
                                              parity_dtype dt, int ndim,
                                              const int64_t *shape,
                                              PARITY__ADD_DATA data,
                                              parity_error *err) {
    return PARITY__TRACED_CALL(
        t, parity__tracer_add(t, name, dt, ndim, shape, NULL, data, PARITY__ADD_FLAGS, err));
}
/* parity_tracer_add that also marks the stage as a model input
 * ("parity.inputs"): parity trace compares inputs first. */
static inline parity_status parity_tracer_add_input(parity_tracer *t, const char *name,
                                                    parity_dtype dt, int ndim,
                                                    const int64_t *shape,
                                                    PARITY__ADD_DATA data,
                                                    parity_error *err) {
    return PARITY__TRACED_CALL(t, parity__tracer_add(t, name, dt, ndim, shape, NULL, data,
                                                     PARITY__TRACE_INPUT | PARITY__ADD_FLAGS, err));
}
/* Record a strided view: element i (a multi-index) lies at
 * data + sum_d i[d] * stride[d] elements (strides in elements, may be 0 or
 * negative; data is element [0,...,0]). The trace holds the view's values
 * in C order under shape: [H, pos+1] of an attention buffer [H, max_len]
 * is shape {H, pos+1}, stride {max_len, 1}. stride NULL is C order. A view
 * spanning more bytes than a pointer can offset is PARITY_E_LIMIT. */
static inline parity_status parity_tracer_add_strided(parity_tracer *t, const char *name,
                                                      parity_dtype dt, int ndim,
                                                      const int64_t *shape,
                                                      const int64_t *stride,
                                                      const void *data, parity_error *err) {
    return PARITY__TRACED_CALL(t,
                               parity__tracer_add(t, name, dt, ndim, shape, stride, data, 0, err));
}

/* Inject: record data as parity_tracer_add does, then, in inject mode,
 * overwrite it with the stage's reference tensor (found, aligned and
 * converted to dt as above): data must be writable. Errors after the stage
 * is recorded, with data left as the port computed it: PARITY_E_NOTFOUND
 * (no reference tensor for the stage; the message gives the name the map
 * produced, if any; or a position past the reference's), PARITY_E_SHAPE
 * (its shape cannot be aligned). */
static inline parity_status parity_tracer_inject(parity_tracer *t, const char *name,
                                                 parity_dtype dt, int ndim,
                                                 const int64_t *shape, void *data,
                                                 parity_error *err) {
    return PARITY__TRACED_CALL(
        t, parity__tracer_add(t, name, dt, ndim, shape, NULL, data, PARITY__TRACE_INJECT, err));
}
/* parity_tracer_inject of a model input: a port fed the reference's
 * inputs (noise, token ids) runs on equal footing. */
static inline parity_status parity_tracer_inject_input(parity_tracer *t, const char *name,
                                                       parity_dtype dt, int ndim,
                                                       const int64_t *shape, void *data,
                                                       parity_error *err) {
    return PARITY__TRACED_CALL(t,
                               parity__tracer_add(t, name, dt, ndim, shape, NULL, data,
                                                  PARITY__TRACE_INPUT | PARITY__TRACE_INJECT, err));
}
/* parity_tracer_inject through strides: the reference values are written
 * back through the same strides (the other elements of the buffer are left
 * alone). In inject mode a view whose elements may share an address (a 0
 * stride over a dimension longer than 1, interleaved strides) cannot be
 * written back: PARITY_E_USAGE, before anything is recorded. */
static inline parity_status parity_tracer_inject_strided(parity_tracer *t, const char *name,
                                                         parity_dtype dt, int ndim,
                                                         const int64_t *shape,
                                                         const int64_t *stride, void *data,
                                                         parity_error *err) {
    return PARITY__TRACED_CALL(
        t, parity__tracer_add(t, name, dt, ndim, shape, stride, data, PARITY__TRACE_INJECT, err));
}

/* The same calls with a printf-style name, format last:
 *   parity_tracer_addf(t, PARITY_DT_F32, 1, &dim, x, &err,
 *                      "layers.%d.attention_norm", l);
 * The name is formatted only when tracing is on: a disabled tracer costs
 * one branch and evaluates none of the format's arguments. t is evaluated
 * twice (pass a variable). A format that vsnprintf cannot format is
 * PARITY_E_USAGE. */
#define parity_tracer_addf(t, dt, ndim, shape, data, err, ...)                                     \
    PARITY__TRACED_CALL(                                                                           \
        t, parity__tracer_addf((t), (dt), (ndim), (shape), NULL, (data), 0, (err), __VA_ARGS__))
#define parity_tracer_add_stridedf(t, dt, ndim, shape, stride, data, err, ...)                     \
    PARITY__TRACED_CALL(t, parity__tracer_addf((t), (dt), (ndim), (shape), (stride), (data), 0,    \
                                               (err), __VA_ARGS__))
#define parity_tracer_injectf(t, dt, ndim, shape, data, err, ...)                                  \
    PARITY__TRACED_CALL(t, parity__tracer_addf((t), (dt), (ndim), (shape), NULL,                   \
                                               parity__writable(data), PARITY__TRACE_INJECT,       \
                                               (err), __VA_ARGS__))
#define parity_tracer_inject_stridedf(t, dt, ndim, shape, stride, data, err, ...)                  \
    PARITY__TRACED_CALL(t, parity__tracer_addf((t), (dt), (ndim), (shape), (stride),               \
                                               parity__writable(data), PARITY__TRACE_INJECT,       \
                                               (err), __VA_ARGS__))

/* Data flow (docs/trace.md, "Data flow and aliases"): record that stage
 * (a stage name as given, suffix included; NULL: the stage added last) was
 * computed from the n stages named in parents, each a stage name recorded
 * before it (parity_tracer_last gives them). The list replaces any given
 * for the stage before; a parent named twice counts once; n 0 clears it.
 * Written as "parity.parents" / index.json "parents", in the order given;
 * parity_set_parents reads it back. A NULL or unknown name, or a parent
 * that is the stage itself or comes after it, is PARITY_E_USAGE (nothing
 * changed); so is stage NULL before any add. */
static inline parity_status parity_tracer_parents(parity_tracer *t, const char *stage,
                                                  const char *const *parents, size_t n,
                                                  parity_error *err) {
    return PARITY__TRACED_CALL(t, parity__tracer_parents(t, stage, parents, n, err));
}
/* The name of the latest stage added as base (the name passed to an add:
 * "x" gives "x", then "x#1", ...), or with base NULL the latest stage of
 * any name; NULL when there is none, or tracing is off. Owned by the
 * tracer, valid until parity_tracer_close: keep it to name a parent. */
static inline const char *parity_tracer_last(const parity_tracer *t, const char *base) {
    return PARITY__TRACED(t, parity__tracer_last(t, base), (const char *)NULL);
}

/* ======================================================================== */
/* 7. Render: reports as text, JSON, Markdown, CSV                         */
/* ======================================================================== */

/* Reports are built as text by the library and printed by the caller: a
 * parity_report streams one chunk per call, so a diff of 10,000 tensors is
 * printed as it is computed. Every returned string is borrowed from the
 * report and stays valid until the next call on it; NULL means out of
 * memory. The formats and the JSON schema are described in docs/cli.md and
 * docs/json-schema.md. */

#define PARITY_VERSION "0.1.0" /* = project(VERSION) in CMakeLists.txt */

typedef enum parity_format {
    PARITY_FORMAT_TEXT = 0, /* the seed plan's per-stage blocks            */
    PARITY_FORMAT_JSON,     /* every metric at full precision (%.17g)      */
    PARITY_FORMAT_MD,       /* one Markdown table row per tensor           */
    PARITY_FORMAT_CSV       /* one CSV row per tensor, full precision      */
} parity_format;

/* "text", "json", "md", "csv"; parse returns -1 for an unknown name. */
const char *parity_format_name(parity_format f);
int parity_format_parse(const char *name, parity_format *out);

typedef struct parity_report_opts {
    parity_format format;
    const char *labels[2];  /* side names; NULL: "ref" and "port"          */
    int verbose;            /* text: the More: line and metadata values    */
    int quiet;              /* text: "name: VERDICT" lines only            */
    int unicode;            /* text: glyphs ✅ ⚠️ ❌ before verdicts          */
    int color;              /* text: ANSI colours on verdicts              */
    parity_diff_opts diff;  /* thresholds in force, echoed in the report   */
    const parity_slice *slice; /* JSON: write this part of a run for       */
                            /* parity_merge (a "diff-part" document,       */
                            /* docs/json-schema.md) instead of a report;   */
                            /* NULL: the report                            */
} parity_report_opts;

/* format text, labels ref/port, everything off, parity_diff_opts_default. */
parity_report_opts parity_report_opts_default(void);

/* One compared tensor. pair gives the names, the stored tensors (their
 * shapes and dtypes are printed) and the views (indices are printed in the
 * view's shape). diff->ref and diff->port always hold the statistics of each
 * side; the pair metrics are read only when ints is NULL and
 * pair->layout_ok. */
typedef struct parity_report_item {
    const parity_pair *pair;
    const parity_diff *diff;
    const parity_int_cmp *ints; /* non-NULL for integer/bool tensors       */
    parity_verdict verdict;
    const parity_comparison *cmp; /* the whole comparison, or NULL: its     */
                                /* overlap and same-values findings; the    */
                                /* JSON report writes its state when kept   */
    const parity_part_pair *part; /* with parity_report_opts.slice: which  */
                                /* pair of the run this is, and its share   */
} parity_report_item;

typedef struct parity_report parity_report;

/* A report in o->format (o is copied; label strings are borrowed). NULL when
 * out of memory. */
parity_report *parity_report_new(const parity_report_opts *o);
void parity_report_free(parity_report *r);

/* parity diff of the pairing m (may be NULL): the opening (JSON document
 * start, table header; when m compared nothing, text and Markdown open with
 * the statement that says so, the first names of each side and the next
 * step), one chunk per compared tensor, and the closing summary with the
 * coverage ("5 of 7 tensors compared (1 only in ref, ...)"), the unpaired
 * names and the copies not compared. Items are counted per verdict as they
 * are added. */
const char *parity_report_diff_begin(parity_report *r, const char *ref_path,
                                     const char *port_path, const parity_match *m);
const char *parity_report_diff_item(parity_report *r,
                                    const parity_report_item *it);
const char *parity_report_diff_end(parity_report *r, const parity_match *m);

/* The statement of a pairing m that compared nothing (every verb's first
 * output then): text or Markdown, one line with the coverage, the first
 * names of each side and the next step (--map, --by-order, --pair auto);
 * JSON, one object {"nothing_compared": true, "coverage": {...},
 * "only_in_ref": [...], "only_in_port": [...]}. noun: "tensor", "stage". */
const char *parity_report_nothing_compared(parity_report *r, const parity_match *m,
                                           const char *noun);

/* parity info: one chunk per set (file or directory), one per tensor (with
 * its statistics), and the closing. */
const char *parity_report_info_begin(parity_report *r, const parity_set *s);
const char *parity_report_info_tensor(parity_report *r, const parity_tensor *t,
                                      const parity_stats *st);
const char *parity_report_info_end(parity_report *r);

/* Numbers as reports print them: %.4g significant digits, -0 as 0, a value
 * that is not 0 never shown as 0; "nan", "inf", "-inf". Returns buf. */
char *parity_fmt_num(double x, char *buf, size_t cap);
/* A fraction as a percentage with 3 significant digits: 0.253 -> "25.3%". */
char *parity_fmt_pct(double x, char *buf, size_t cap);

/* Free memory the library handed over (NULL is a no-op). */
void parity_free(void *p);

/* ======================================================================== */
/* 7b. Render: the trace walk, parity same, parity weights, explain        */
/* ======================================================================== */

/* The whole report of parity trace (docs/trace.md) for walk w of the sets ref and
 * port, in r's format: text, json or md (csv is rendered as text; the CLI
 * refuses it). Text and Markdown open with the inputs statement ("Inputs
 * differ: noise (relative 1.4e-03), ... every later stage is compared on
 * unequal footing." or "Inputs: 5 equal (mu, ...)"), then a note when the
 * reference's order is natural name order, one line per stage in order,
 * the first divergence, the culprit with its jump factor, one line per
 * series, the inferred schedules and guidance weights, and the unpaired
 * names. r's quiet keeps the inputs statement, first divergence and
 * culprit; verbose adds columns. inputs_glob is the walk's
 * parity_walk_opts.inputs_glob (NULL when none), so inputs are named the
 * same way the walk found them. JSON is one document at full precision,
 * described in docs/trace.md. The string is borrowed from r (valid until
 * the next call on r); NULL means out of memory. */
const char *parity_report_trace(parity_report *r, const parity_walk *w,
                                const parity_set *ref, const parity_set *port,
                                const char *inputs_glob);

/* The report of parity match (docs/matching.md) for pairing m of ref_path
 * and port_path: text (one line per pair with how it paired and, by
 * content, its confidence; the proposals not used; the unpaired names; the
 * coverage) or JSON. The string is borrowed from r; NULL: out of memory. */
const char *parity_report_match(parity_report *r, const parity_match *m, const char *ref_path,
                                const char *port_path);
/* The pairs of m that names alone do not make (by content, --map, order)
 * as a --map file: one "^PORT$  =>  REF" rule each, with a comment on how
 * it paired. Returns a string to free with parity_free, or NULL when out of
 * memory; *n_rules (may be NULL) receives the number of rules. */
char *parity_match_map_text(const parity_match *m, const char *ref_path, const char *port_path,
                            size_t *n_rules);

/* parity same of runs a_path and b_path in r's format (text or json):
 * text is one line per tensor ("x: identical", or the count of differing
 * elements and bits and the first difference), the summary and the "only
 * in" lines, labelled A and B unless r's labels are set; quiet prints one
 * word per tensor. The string is borrowed from r; NULL: out of memory. */
const char *parity_report_same(parity_report *r, const parity_same *s,
                               const char *a_path, const char *b_path);

/* The report of parity weights (docs/weights.md) for result w of the
 * checkpoints ref_path and port_path, in r's format: text (one block per
 * weight, "Weight: NAME" then each side's dtype, shape and statistics, the
 * first and last values, Diff, Dtype, Layout, Found and Status lines; then
 * the tied names, the names only on one side, one line per group and the
 * summary "N of M weights compared: ..."; quiet: "name: VERDICT" lines,
 * the names only on one side and the summary; verbose adds the More: line),
 * JSON (one document, docs/json-schema.md) or Markdown (tables); csv is
 * rendered as text. The string is borrowed from r (valid until the next
 * call on r); NULL means out of memory. */
const char *parity_report_weights(parity_report *r, const parity_weights *w,
                                  const char *ref_path, const char *port_path);

/* The explanation of one tensor as text ("Explain: NAME" and ranked lines),
 * JSON (one object, docs/json-schema.md) or Markdown (a heading and a
 * table); other formats give text. Returns a string the caller frees with
 * parity_free, or NULL when out of memory. */
char *parity_explain_render(const char *name, const parity_explain_result *res,
                            parity_format format);

/* What explain could do with one pair. */
typedef enum parity_explain_what {
    PARITY_EXPLAIN_FITTED = 0, /* the ranked hypotheses of a result          */
    PARITY_EXPLAIN_SHAPES,     /* the shapes cannot be aligned: nothing fits */
    PARITY_EXPLAIN_INTEGERS    /* integer or bool data: equal or not, which  */
                               /* parity diff shows                          */
} parity_explain_what;

/* One tensor of an explain run, as printed. */
typedef struct parity_explain_item {
    const char *name;
    parity_explain_what what;
    const parity_explain_result *res; /* when FITTED                        */
    const char *role;   /* "First divergence", "Culprit", ... or NULL       */
    const char *note;   /* a further finding, lines split by '\n', or NULL  */
    int walk;           /* one of a walk's stages: text prints the role     */
                        /* above the item and a blank line after it         */
} parity_explain_item;

/* An item as text, JSON (one object on one line: the fitted result's
 * fields, or "fitted": false and "why"; "role" and "note" when given) or
 * Markdown. Returns a string the caller frees with parity_free, or NULL
 * when out of memory or it is incomplete. */
char *parity_explain_render_item(const parity_explain_item *it, parity_format format);
/* What explain prints when every stage matches. */
char *parity_explain_render_nothing(parity_format format);
/* When stage i of w inherits its error by the data flow (or, MATCH,
 * carries error from a culprit below the tolerance): why it is no
 * rounding of its own and where the error comes from, as an explain note
 * ("inherited, not rounding of its own: its input X already differs
 * (relative R);\nthe error comes from Y, which introduces it: explain
 * Y"). NULL when it does not, or out of memory; free with parity_free. */
char *parity_walk_inherited_note(const parity_walk *w, size_t i);

/* ======================================================================== */
/* 7c. Render: pictures and the HTML report                                */
/* ======================================================================== */

/* An 8-bit RGB image, rows top to bottom, 3 bytes per pixel, no padding. */
typedef struct parity_image {
    int width, height;
    unsigned char *rgb;        /* [height * width * 3], owned               */
    /* The colour scales parity_plot drew with (has_scale 1), written to the
     * PNG as tEXt chunks so readers need not parse the picture. */
    int has_scale;
    double value_lo, value_hi; /* viridis spans [value_lo, value_hi]       */
    double diff_limit;         /* the diverging map spans [-L, L]           */
} parity_image;

void parity_image_free(parity_image *img);   /* frees rgb; NULL is a no-op */

/* Encode img as PNG with libspng (8-bit RGB, no interlace; tEXt chunks
 * "parity.value_range" and "parity.diff_limit" when img->has_scale) into a
 * new buffer *out of *len bytes (free with parity_free). */
parity_status parity_png_encode(const parity_image *img, unsigned char **out,
                                size_t *len, parity_error *err);
/* Encode and write to path (as parity_write_file does). */
parity_status parity_png_write(const char *path, const parity_image *img,
                               parity_error *err);

/* Colormaps. Sequential (viridis, from its 10 published anchor colours,
 * linear in sRGB between them): t in [0, 1], clamped; NaN gives grey.
 * Diverging (ColorBrewer RdBu, blue for < 0, white at 0, red for > 0):
 * t in [-1, 1], clamped; NaN gives grey. */
void parity_colormap_value(double t, unsigned char rgb[3]);
void parity_colormap_diverging(double t, unsigned char rgb[3]);

typedef struct parity_plot_opts {
    const char *slice;         /* "0,:,:" (one entry per axis, exactly two  */
                               /* ':'), or NULL: the last two axes, every   */
                               /* other axis at index 0                     */
    int n_axes;                /* axes for mean_diff profiles (< 0: none;   */
    int axes[4];               /* negative axes count from the end); 0: the */
                               /* slice's two axes                          */
    const char *title;         /* drawn on top; NULL: the ref tensor name   */
    const char *labels[2];     /* NULL: "ref", "port"                       */
} parity_plot_opts;

parity_plot_opts parity_plot_opts_default(void);

/* Heatmaps of ref, port and diff = port - ref over a 2-D slice of two
 * tensors of equal shape (use parity_layout_align or a pair's views first),
 * with colour bars and mean_diff profiles; the geometry is documented in
 * src/render/heatmap.c and docs/pictures.md. Free with parity_image_free. */
parity_status parity_plot(const parity_tensor *ref, const parity_tensor *port,
                          const parity_plot_opts *o, parity_image *out,
                          parity_error *err);

typedef struct parity_html_opts {
    const char *ref_path, *port_path; /* shown in the heading               */
    const char *labels[2];     /* NULL: "ref", "port"                       */
    parity_domain domain;      /* echoed next to mean_diff (dB)             */
    int max_cards;             /* stage cards with heatmaps; 0: 12 (first   */
                               /* divergence, culprit, then the worst)      */
    const parity_set *weights[2]; /* optional checkpoints (ref, port),      */
    parity_match_opts weights_match; /* compared as parity_weights_run does */
    parity_diff_opts weights_diff;   /* with these (default: the defaults)  */
    parity_progress progress;  /* the carded stages as STAGES while they are */
                               /* explained, each one's ELEMENTS: none       */
} parity_html_opts;

parity_html_opts parity_html_opts_default(void);

/* One self-contained HTML document (inline CSS and SVG, PNG heatmaps as
 * data: URIs, no network, readable without JavaScript) describing a walk:
 * summary, stage table, error growth, series, schedules, guidance, explain
 * (section 9) and heatmaps for the carded stages, weight comparison when
 * o->weights are given. *out is NUL-terminated, of
 * *len bytes; free with parity_free. */
parity_status parity_html_report(const parity_walk *w,
                                 const parity_html_opts *o, char **out,
                                 size_t *len, parity_error *err);

#ifdef __cplusplus
}
#endif
#endif /* PARITY_H */
