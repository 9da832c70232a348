/*
 * reader.h — what every format reader takes and gives (internal).
 *
 * A reader parses the bytes of one file already in memory (mapped by the
 * opener, or handed over by a fuzzer) and appends the tensors it finds to
 * a set. It validates every field before it trusts it, never allocates
 * from a declared size before checking that size against the bytes present
 * (or a limit of set->opts), and fails with one message naming the file,
 * the tensor and the field. Tensor views point into src->buf, which the
 * caller keeps alive as long as the set (parity__set_keep_map).
 */
#ifndef PARITY_FORMATS_READER_H
#define PARITY_FORMATS_READER_H

#include "internal.h"

/* One file handed to a reader. */
typedef struct parity__source {
    const char *path;          /* the file: messages, and the directory      */
                               /* that relative names (shards) resolve in    */
    const unsigned char *buf;  /* its bytes [len]; NULL when len is 0        */
    size_t len;
    const char *prefix;        /* tensor names become "prefix/name"; NULL or */
                               /* "": names as stored                        */
    const char *single_name;   /* a file that holds exactly one tensor names */
                               /* it so (a folder's "stem"); NULL: no rule   */
    int take_metadata;         /* 1: the file's metadata become the set's    */
} parity__source;

/* Every reader has this shape. */
typedef parity_status (*parity__read_fn)(parity_set *set,
                                         const parity__source *src,
                                         parity_error *err);

/* safetensors.c: one safetensors file (its "__metadata__" strings become the
 * set's when src->take_metadata). */
parity_status parity__read_safetensors(parity_set *set,
                                       const parity__source *src,
                                       parity_error *err);
/* npy.c: one .npy array, named src->single_name, else src->prefix, else
 * src->path. */
parity_status parity__read_npy(parity_set *set, const parity__source *src,
                               parity_error *err);

/* ---- zip containers: zip.c, npz.c, torchzip.c, zipkind.c ------------- */

/* 1 when buf starts like a zip archive: a local header ("PK\3\4"), or the
 * end record ("PK\5\6") of an archive without members. */
int parity__is_zip(const unsigned char *buf, size_t len);
/* 1 when buf is a legacy (pre-1.6, non-zip) PyTorch pickle: PROTO, then
 * the magic number 0x1950a86a20f9469cfc6c as a LONG1. */
int parity__sniff_torch_legacy(const unsigned char *buf, size_t len);
/* Always fails: "FILE: a PyTorch legacy (non-zip) checkpoint: not
 * supported; re-save it with torch.save(..., _use_new_zipfile_serialization
 * =True)" (PARITY_E_UNSUPPORTED). */
parity_status parity__refuse_torch_legacy(const parity__source *src,
                                          parity_error *err);
/* A zip archive, by its members: *.npy members -> .npz; a PREFIX/data.pkl
 * member -> PyTorch checkpoint; no member -> an empty .npz; anything else
 * is refused naming what the archive holds. Also names a non-zip file
 * (legacy PyTorch pickle included) rather than misreading it. */
parity_status parity__read_zip(parity_set *set, const parity__source *src,
                               parity_error *err);
/* npz.c: np.savez / np.savez_compressed output; member NAME.npy becomes
 * tensor NAME (src->prefix/NAME), read by parity__read_npy. */
parity_status parity__read_npz(parity_set *set, const parity__source *src,
                               parity_error *err);
/* torchzip.c: a torch.save zip checkpoint through the safe pickle subset;
 * tensors named by their path in data.pkl ("layers.0.weight"), a lone
 * tensor by src->single_name (else src->prefix, else src->path). */
parity_status parity__read_torchzip(parity_set *set,
                                    const parity__source *src,
                                    parity_error *err);
/* gguf.c (+ gguf_kv.c): one GGUF v2/v3 file, little-endian. Tensors in C
 * order (shape = ne reversed); quantized types as block dtypes, decoded on
 * read. Metadata pairs become "gguf.<key>" when src->take_metadata. */
parity_status parity__read_gguf(parity_set *set, const parity__source *src,
                                parity_error *err);
/* 1 when buf starts with the GGUF magic "GGUF". */
int parity__is_gguf(const unsigned char *buf, size_t len);

/* st_index.c: a sharded safetensors checkpoint through its
 * "*.safetensors.index.json": every shard the weight_map names, from the
 * index's directory, mapped and kept by the set. */
parity_status parity__read_st_index(parity_set *set, const parity__source *src,
                                    parity_error *err);
/* 1 when path ends in ".safetensors.index.json" and buf holds a
 * "weight_map" key (both: a content test alone would take any JSON). */
int parity__is_st_index(const char *path, const unsigned char *buf,
                        size_t len);

#endif /* PARITY_FORMATS_READER_H */
