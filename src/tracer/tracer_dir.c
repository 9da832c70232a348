/*
 * tracer_dir.c — directory traces: one safetensors file per stage, written
 * as the stage completes, so a crash (even SIGKILL) loses nothing already
 * traced; index.json gives order, inputs and metadata.
 *
 * Layout of DIR:
 *   000001.safetensors   stage 1, one tensor named by its stage name
 *   000002.safetensors   ...      (each written whole: core/fileio.c)
 *   index.json           {"format":"parity-trace","version":1,
 *                         "order":["a","a#1",...],"inputs":["x",...],
 *                         "files":{"a":"000001.safetensors",...},
 *                         "parents":{"a#1":["x"],...},
 *                         "metadata":{"key":"value",...}}
 *                        ("parents" only when a stage has parents: the
 *                        key order is the Python tracer's)
 * index.json is written through core/fileio.c (a temporary file renamed
 * over the old one): a reader sees the previous index or the new one.
 *
 * Rewriting the whole index after every stage is quadratic (4,000 stages
 * took 5 s), so it is rewritten when it matters and otherwise seldom:
 * - at once when the stage is a model input or metadata is added (what
 *   the stage files alone cannot tell a reader), and at close; parents
 *   are written with the next rewrite (a crash loses those of the stages
 *   after the last one, as in the Python tracer);
 * - otherwise when INDEX_MIN_STAGES stages and half the indexed count
 *   have been added since the last rewrite (geometric: O(total) bytes),
 *   or INDEX_MAX_MS have passed.
 * Stages after the last index.json are not lost: each stage file names its
 * tensor by the stage name and the file numbers give the order, so readers
 * (setdir.c, python/parity_trace) append the stage files the index does not
 * list, in file-number order.
 *
 * Opening refuses any directory that is neither empty nor a parity trace
 * (an index.json with "format":"parity-trace"): a trace replaces only a
 * trace, never somebody's folder of files. The directory is locked
 * (core/lock.c) from open to close, before it is looked at: a second
 * tracer writing into it fails at open instead of mixing its stages in.
 */
#include "tracer_impl.h"
#include "formats/trace_index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define INDEX_MIN_STAGES 64
#define INDEX_MAX_MS 1000

/* mkdir -p: create every missing component of path. */
static parity_status make_dirs(const char *path, parity_error *err) {
    char *p = strdup(path);
    FAIL_IF(!p, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "tracer: %s: out of memory", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) break;
        *s = '/';
    }
    int rc = mkdir(path, 0777);
    int e = errno;
    free(p);
    struct stat sb;
    FAIL_IF(rc != 0 && e != EEXIST, err, PARITY_E_IO, PARITY_NO_OFFSET,
            "tracer: %s: cannot create the trace directory: %s", path,
            strerror(e));
    FAIL_IF(stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode), err, PARITY_E_IO,
            PARITY_NO_OFFSET, "tracer: %s: exists and is not a directory",
            path);
    return PARITY_OK;
}

/* Stage files of an earlier run: six or more digits and ".safetensors";
 * and what an interrupted write left: the hidden temporary files of
 * core/fileio.c (".000001.safetensors.XXXXXX.tmp", ".index.json.XXXXXX.tmp")
 * and an older parity's "000001.safetensors.tmp". Only these are removed. */
static int is_stage_file(const char *name) {
    int hidden = name[0] == '.';
    const char *s = name + hidden;
    size_t digits = strspn(s, "0123456789"), n = strlen(name);
    const char *rest = s + digits;
    int tmp = n > 4 && !strcmp(name + n - 4, ".tmp");
    if (hidden && !strncmp(s, "index.json.", 11)) return tmp;
    if (digits < 6 || strncmp(rest, ".safetensors", 12) != 0) return 0;
    return hidden ? tmp : !strcmp(rest + 12, "") || !strcmp(rest + 12, ".tmp");
}

static parity_status remove_stale(const char *dir, parity_error *err) {
    DIR *d = opendir(dir);
    FAIL_IF(!d, err, PARITY_E_IO, PARITY_NO_OFFSET,
            "tracer: %s: cannot list the trace directory: %s", dir,
            strerror(errno));
    parity_buf path = {0};
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (!is_stage_file(ent->d_name)) continue;
        path.len = 0;
        parity__buf_printf(&path, "%s/%s", dir, ent->d_name);
        if (!path.oom) unlink(path.data);
    }
    closedir(d);
    int oom = path.oom;
    parity__buf_free(&path);
    FAIL_IF(oom, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "tracer: %s: out of memory", dir);
    return PARITY_OK;
}

/* Is dir/index.json a parity trace index (formats/trace_index.c, the
 * reader parity itself uses)? */
static int is_trace_index(const char *dir) {
    parity_buf path = {0};
    parity__buf_printf(&path, "%s/index.json", dir);
    parity__trace_index ix;
    parity_open_opts o = parity_open_opts_default();
    int ok = !path.oom && parity__trace_index_load(path.data, o.max_header_bytes,
                                                   o.max_json_depth, &ix, NULL) == PARITY_OK;
    if (ok) parity__trace_index_free(&ix);
    parity__buf_free(&path);
    return ok;
}

/* 1 when dir has no entries but . and .., 0 when it has some, -1 when it
 * cannot be listed. */
static int dir_empty(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *ent;
    int empty = 1;
    while (empty && (ent = readdir(d)) != NULL)
        empty = !strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..");
    closedir(d);
    return empty;
}

parity_status parity__tracer_dir_init(parity_tracer *t, parity_error *err) {
    TRY(make_dirs(t->path, err));
    TRY(parity__lock(t->path, 1, &t->dir_lock, err)); /* before anything is looked at */
    int empty = dir_empty(t->path);
    FAIL_IF(empty < 0, err, PARITY_E_IO, PARITY_NO_OFFSET,
            "tracer: %s: cannot list the trace directory: %s", t->path,
            strerror(errno));
    FAIL_IF(!empty && !is_trace_index(t->path), err, PARITY_E_USAGE,
            PARITY_NO_OFFSET,
            "tracer: %s: not empty and not a parity trace (no index.json "
            "with \"format\":\"parity-trace\"); refusing to write a trace "
            "into it", t->path);
    if (!empty) TRY(remove_stale(t->path, err));
    return parity__tracer_dir_index(t, err);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

parity_status parity__tracer_dir_added(parity_tracer *t, int is_input,
                                       parity_error *err) {
    size_t since = t->n_stages - t->indexed;
    size_t every = t->indexed / 2 > INDEX_MIN_STAGES ? t->indexed / 2 : INDEX_MIN_STAGES;
    if (is_input || since >= every || now_ms() - t->indexed_ms >= INDEX_MAX_MS)
        return parity__tracer_dir_index(t, err);
    return PARITY_OK;
}

parity_status parity__tracer_dir_stage(parity_tracer *t, const char *name,
                                       parity_dtype dt, int ndim,
                                       const int64_t *shape, const void *data,
                                       char *file, size_t cap,
                                       parity_error *err) {
    snprintf(file, cap, "%06zu.safetensors", t->n_stages + 1);
    parity_buf path = {0};
    parity__buf_printf(&path, "%s/%s", t->path, file);
    FAIL_IF(path.oom, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "tracer: %s: stage '%s': out of memory", t->path, name);
    parity_writer *w = NULL;
    parity_status st = parity_writer_open(path.data, &w, err);
    parity__buf_free(&path);
    if (st != PARITY_OK) return st;
    st = parity_writer_add(w, name, dt, ndim, shape, data, err);
    if (st != PARITY_OK) {
        parity_writer_discard(w);
        return st;
    }
    return parity_writer_close(w, err);
}

/* The whole index.json text into b. */
static void index_text(const parity_tracer *t, parity_buf *b) {
    parity__buf_puts(b, "{\"format\":\"parity-trace\",\"version\":1,\"order\":[");
    if (t->order.len) parity__buf_put(b, t->order.data, t->order.len);
    parity__buf_puts(b, "],\"inputs\":[");
    if (t->inputs.len) parity__buf_put(b, t->inputs.data, t->inputs.len);
    parity__buf_puts(b, "],\"files\":{");
    if (t->files.len) parity__buf_put(b, t->files.data, t->files.len);
    if (t->n_with_parents) { /* written only when some stage has parents */
        parity__buf_puts(b, "},\"parents\":{");
        parity__tracer_parents_json(t, b);
    }
    parity__buf_puts(b, "},\"metadata\":{");
    for (size_t i = 0; i < t->n_meta; i++) {
        if (i) parity__buf_puts(b, ",");
        parity__buf_json_str(b, t->meta_keys[i]);
        parity__buf_puts(b, ":");
        parity__buf_json_str(b, t->meta_values[i]);
    }
    parity__buf_puts(b, "}}\n");
}

parity_status parity__tracer_dir_index(parity_tracer *t, parity_error *err) {
    parity_buf text = {0}, dst = {0};
    index_text(t, &text);
    parity__buf_printf(&dst, "%s/index.json", t->path);
    parity_status st = PARITY_OK;
    if (text.oom || dst.oom)
        st = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                          "tracer: %s: index.json: out of memory", t->path);
    else
        st = parity_write_file(dst.data, text.data, text.len, err);
    parity__buf_free(&text);
    parity__buf_free(&dst);
    if (st == PARITY_OK) {
        t->indexed = t->n_stages;
        t->indexed_ms = now_ms();
    }
    return st;
}
