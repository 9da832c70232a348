/*
 * pickle.h — the safe pickle subset a PyTorch state dict needs (internal).
 *
 * pickle.c runs the opcodes of a checkpoint's data.pkl as a small stack
 * machine that only builds a tree of values: nothing is ever imported or
 * called. GLOBAL resolves names in a fixed table (OrderedDict, the torch
 * tensor and parameter rebuild functions, the torch storage types) and
 * REDUCE pattern-matches those few callables; every other global, opcode
 * or use of an opcode is refused with its name and byte offset. The tree
 * is then read by torchzip.c.
 */
#ifndef PARITY_FORMATS_PICKLE_H
#define PARITY_FORMATS_PICKLE_H

#include "internal.h"

#define PARITY__PK_NONE_IDX UINT32_MAX /* no node / end of an item chain */

typedef enum parity__pk_kind {
    PARITY__PK_NONE = 0,
    PARITY__PK_BOOL,
    PARITY__PK_INT,     /* u.i                                               */
    PARITY__PK_FLOAT,   /* u.f                                               */
    PARITY__PK_STR,     /* u.s [n] bytes of valid UTF-8 (BINUNICODE)         */
    PARITY__PK_BYTES,   /* u.s [n] bytes (SHORT_BINSTRING)                   */
    PARITY__PK_TUPLE,   /* u.c: n items, values only                         */
    PARITY__PK_LIST,    /* u.c                                               */
    PARITY__PK_DICT,    /* u.c: n items, key and value; ordered = from       */
                        /* OrderedDict() (the only dict BUILD may update)    */
    PARITY__PK_GLOBAL,  /* an allowed global; glob says which                */
    PARITY__PK_STORAGE, /* persistent id ('storage', type, key, location,    */
                        /* numel): u.st, glob = storage type index           */
    PARITY__PK_TENSOR   /* _rebuild_tensor(_v2)(storage, offset, size,       */
                        /* stride, ...): u.t                                 */
} parity__pk_kind;

/* The globals GLOBAL may name. */
typedef enum parity__pk_global {
    PARITY__PKG_ORDERED_DICT = 0,    /* collections.OrderedDict            */
    PARITY__PKG_REBUILD_TENSOR,      /* torch._utils._rebuild_tensor       */
    PARITY__PKG_REBUILD_TENSOR_V2,   /* torch._utils._rebuild_tensor_v2    */
    PARITY__PKG_REBUILD_PARAMETER,   /* torch._utils._rebuild_parameter    */
    PARITY__PKG_REBUILD_PARAMETER_WITH_STATE,
    PARITY__PKG_STORAGE              /* torch.<Type>Storage: u.i = index   */
                                     /* in the storage type table          */
} parity__pk_global;

typedef struct parity__pk_node {
    uint8_t kind;        /* parity__pk_kind                                  */
    uint8_t ordered;     /* PK_DICT made by OrderedDict()                    */
    uint8_t glob;        /* PK_GLOBAL: parity__pk_global; PK_STORAGE: type   */
    uint8_t walk;        /* torchzip.c's flags while flattening              */
    uint32_t n;          /* containers: item count; strings: byte length     */
    uint64_t off;        /* byte offset in the pickle of the opcode that     */
                         /* made it (messages)                               */
    union {
        int64_t i;
        double f;
        const unsigned char *s;
        struct { uint32_t first, last; } c;         /* item chain         */
        struct { uint32_t key, location, numel; } st; /* node indices     */
        struct { uint32_t storage, offset, size, stride; } t; /* nodes    */
    } u;
} parity__pk_node;

/* One container item; key is PARITY__PK_NONE_IDX in lists and tuples. */
typedef struct parity__pk_item {
    uint32_t key, value, next;
} parity__pk_item;

typedef struct parity__pickle {
    parity__pk_node *node;   /* [n_node]; 0..3 are None, True, False, ()   */
    size_t n_node, cap_node;
    parity__pk_item *item;   /* [n_item]                                    */
    size_t n_item, cap_item;
    uint32_t root;           /* what STOP returned                          */
    int protocol;            /* the PROTO operand                           */
} parity__pickle;

/* A torch storage type: torch.<name>, its element type. */
typedef struct parity__pk_storage_type {
    const char *name;        /* "FloatStorage"                              */
    parity_dtype dtype;      /* of one stored component                     */
    int complex;             /* an element is two components (re, im)       */
} parity__pk_storage_type;

/* Entry i of the storage type table, or NULL past its end. */
const parity__pk_storage_type *parity__pk_storage_at(unsigned i);

/* Run the pickle buf[0..len) and build its tree into *pk (zeroed first;
 * free it with parity__pickle_free even on failure). what names the
 * pickle in messages ("model.pt: archive/data.pkl"); errors read
 * "WHAT: byte N: ..." with err->offset = N. Limits: opts->max_pickle_ops
 * opcodes, opts->max_pickle_depth open MARKs; opts->strict also refuses
 * bytes after STOP and values left on the stack. */
parity_status parity__pickle_load(parity__pickle *pk, const unsigned char *buf,
                                  size_t len, const parity_open_opts *opts,
                                  const char *what, parity_error *err);
void parity__pickle_free(parity__pickle *pk);

/* A node's kind as Python would name its type ("dict", "tensor", ...). */
const char *parity__pk_kind_name(const parity__pk_node *n);

/* The global's dotted name ("collections.OrderedDict", "torch.FloatStorage"). */
const char *parity__pk_global_name(const parity__pk_node *n, char *out,
                                   size_t cap);

#endif /* PARITY_FORMATS_PICKLE_H */
