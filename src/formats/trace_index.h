/*
 * trace_index.h — the index.json of a parity trace directory (internal),
 * read by the opener and by the C tracer alike, so both agree on what a
 * trace is.
 *
 *   {"format":"parity-trace","version":1,
 *    "order":["a","a#1",...],          execution order of the stages
 *    "inputs":["x",...],               stages that are model inputs
 *    "files":{"a":"000001.safetensors",...},  stage -> its file
 *    "metadata":{"key":"value",...},   strings only
 *    "parents":{"b":["a"],...},        data flow: what each stage was
 *                                      computed from (optional)
 *    "aliases":{"c":"a",...}}          a stage stored once under another
 *                                      name (optional)
 *
 * Every field is checked: format and version exactly, the type of every
 * value, no duplicate key at any level, no unknown field, and file names
 * that are plain names inside the directory (no '/', not "." or "..").
 */
#ifndef PARITY_TRACE_INDEX_H
#define PARITY_TRACE_INDEX_H

#include "internal.h"

/* A parsed index; every string is owned by it. */
typedef struct parity__trace_index {
    int has_order;          /* "order" was present                         */
    char **order;           /* [n_order] stage names                       */
    size_t n_order;
    char **inputs;          /* [n_inputs]                                  */
    size_t n_inputs;
    char **file_stage;      /* [n_files] "files" keys ...                  */
    char **file_name;       /* [n_files] ... and their file names          */
    size_t n_files;
    char **meta_key;        /* [n_meta]                                    */
    char **meta_value;      /* [n_meta]                                    */
    size_t n_meta;
    char **parent_stage;    /* [n_parents] a stage ...                     */
    char **parent_list;     /* [n_parents] ... and its parents as a JSON   */
    size_t n_parents;       /* array text                                  */
    char **alias_name;      /* [n_aliases] an alias ...                    */
    char **alias_target;    /* [n_aliases] ... and the stage it names      */
    size_t n_aliases;
} parity__trace_index;

/* Parse index text[0..len) read from path (for messages). max_depth
 * bounds nesting. On failure *out is left empty (free is still safe). */
parity_status parity__trace_index_parse(const char *path, const char *text,
                                        size_t len, uint64_t max_depth,
                                        parity__trace_index *out,
                                        parity_error *err);
/* Read and parse path (a regular file of at most max_bytes). */
parity_status parity__trace_index_load(const char *path, uint64_t max_bytes,
                                       uint64_t max_depth,
                                       parity__trace_index *out,
                                       parity_error *err);
void parity__trace_index_free(parity__trace_index *ix);

/* A JSON array of strings (the "parity.order" and "parity.inputs"
 * metadata of a single-file trace) into a new array of owned strings
 * (*names, *n; free with parity__names_free). what names the field in
 * messages. */
parity_status parity__json_names(const char *path, const char *what,
                                 const char *text, size_t len,
                                 char ***names, size_t *n, parity_error *err);
void parity__names_free(char **names, size_t n);

/* The "parity.parents" / "parity.aliases" metadata of a single-file trace:
 * a JSON object as a string, read as index.json's "parents" / "aliases"
 * (into ix->parent_* / ix->alias_*; the other fields stay empty). */
parity_status parity__json_dataflow(const char *path, const char *parents,
                                    const char *aliases, parity__trace_index *ix,
                                    parity_error *err);

#endif /* PARITY_TRACE_INDEX_H */
