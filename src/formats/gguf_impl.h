/*
 * gguf_impl.h — what the GGUF reader's two files share (internal):
 * gguf.c reads the header, the tensor infos and the data section;
 * gguf_kv.c reads the metadata key-value pairs. The byte layout is at the
 * top of gguf.c.
 */
#ifndef PARITY_FORMATS_GGUF_IMPL_H
#define PARITY_FORMATS_GGUF_IMPL_H

#include "formats/reader.h"

#define PARITY__GGUF_DEFAULT_ALIGNMENT 32
#define PARITY__GGUF_MAX_ALIGNMENT ((uint64_t)1 << 20) /* ggml's bound     */
#define PARITY__GGUF_MAX_KEY 65535    /* gguf.md: keys are at most 2^16 - 1 */
#define PARITY__GGUF_MAX_NAME 63      /* ggml: names < GGML_MAX_NAME = 64    */

/* A cursor over one GGUF file in memory. Every read checks the bytes left
 * first; pos never passes len. */
typedef struct gguf_reader {
    parity_set *set;
    const char *path;
    const unsigned char *buf;  /* the file [len]                           */
    size_t len;
    size_t pos;                /* next byte to read                        */
    parity_error *err;
    int strict;
    int take_metadata;         /* keys become set metadata "gguf.<key>"    */
    uint32_t version;
    uint64_t n_tensors, n_kv;
    uint64_t alignment;        /* general.alignment, or 32                 */
} gguf_reader;

/* A string inside the file (not NUL-terminated). */
typedef struct gguf_str {
    const unsigned char *p;
    uint64_t n;
    uint64_t at;               /* file offset of its u64 length            */
} gguf_str;

/* Little-endian integers at the cursor; `what` names the field in the
 * message when the file ends first ("header: version"). */
parity_status parity__gguf_u32(gguf_reader *r, uint32_t *v, const char *what);
parity_status parity__gguf_u64(gguf_reader *r, uint64_t *v, const char *what);

/* A string (u64 length + bytes) of at most max bytes; limit_name says
 * which limit max is, for the message ("max_string_bytes"); elem >= 0
 * adds "element ELEM" to `what` (formatted only when it fails). */
parity_status parity__gguf_str(gguf_reader *r, uint64_t max,
                               const char *limit_name, gguf_str *out,
                               const char *what, int64_t elem);

/* Bytes left after the cursor. */
static inline uint64_t parity__gguf_left(const gguf_reader *r) {
    return (uint64_t)(r->len - r->pos);
}

/* Read the n_kv key-value pairs at the cursor: types, sizes and limits
 * checked, duplicate keys refused, general.alignment applied to
 * r->alignment, and (take_metadata) each pair added to the set's
 * metadata. */
parity_status parity__gguf_read_kvs(gguf_reader *r);

#endif /* PARITY_FORMATS_GGUF_IMPL_H */
