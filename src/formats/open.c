/*
 * open.c — parity_set_open: one entry point for every input. A file is
 * identified by its bytes (the formats table below), its extension only
 * deciding which reader explains why a damaged file is unreadable; a
 * directory is a trace directory (index.json + one file per stage) or a
 * plain folder of tensor files, listed by the same table.
 *
 * Adding a reader is one row of formats[] (and the reader's file).
 *
 * A plain folder is what teams dump by hand (python/step6_mu.npy): each
 * file's tensor is named by the file stem, "stem/name" inside a
 * multi-tensor file, in natural name order. Folders are not searched
 * recursively; hidden files and other extensions are skipped. A trace
 * directory's tensors keep their own names; index.json gives the order,
 * and stage files it does not list yet (written after its last rewrite,
 * e.g. before a crash) follow in file order, the order the tracer wrote
 * them.
 *
 * A file opened alone is in natural name order too, unless its reader
 * says the file defines the order (a PyTorch state dict's keys come in
 * module order): that order is kept, PARITY_ORDER_FILE.
 */
#include "formats/reader.h"
#include "formats/journal.h"
#include "formats/json_strict.h"
#include "formats/trace_index.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the formats ------------------------------------------------------- */

static int is_safetensors(const char *path, const unsigned char *b, size_t n) {
    (void)path;
    /* an 8-byte little-endian header length, then the JSON object; the
     * reader checks the length against the bytes present */
    return n >= 10 && b[8] == '{' && (b[6] | b[7]) == 0;
}

static int is_npy(const char *path, const unsigned char *b, size_t n) {
    (void)path;
    return n >= 6 && memcmp(b, "\x93NUMPY", 6) == 0;
}

/* A zip archive (.npz, a PyTorch checkpoint) or a legacy PyTorch pickle,
 * which the zip reader names and refuses. */
static int is_zip(const char *path, const unsigned char *b, size_t n) {
    (void)path;
    return parity__is_zip(b, n) || parity__sniff_torch_legacy(b, n);
}

typedef struct format {
    const char *name;         /* in messages                                 */
    const char *extensions;   /* what folders list (space-separated); a file */
                              /* with one whose bytes match no format goes   */
                              /* to this reader, which says what is wrong    */
    int (*sniff)(const char *path, const unsigned char *b, size_t n);
    parity__read_fn read;
    int single_by_stem;       /* a file opened alone names a lone tensor by  */
                              /* its stem (an .npy has no names of its own)  */
    int has_metadata;         /* the file carries parity.order/inputs        */
    int in_folders;           /* a folder's listing includes such files      */
} format;

static int is_gguf(const char *path, const unsigned char *b, size_t n) {
    (void)path;
    return parity__is_gguf(b, n);
}

static const format formats[] = {
    {"safetensors", ".safetensors", is_safetensors, parity__read_safetensors, 0, 1, 1},
    {".npy", ".npy", is_npy, parity__read_npy, 1, 0, 1},
    {".npz/.pt (zip)", ".npz .pt .pth", is_zip, parity__read_zip, 1, 0, 1},
    {".gguf", ".gguf", is_gguf, parity__read_gguf, 0, 0, 1},
    /* a JSON text: its name and a weight_map key tell, not magic bytes. A
     * folder lists its shards, not the index (a folder holding one is
     * opened through it: load_dir) */
    {"*.safetensors.index.json", ".safetensors.index.json", parity__is_st_index,
     parity__read_st_index, 0, 0, 0},
};
#define N_FORMATS (sizeof formats / sizeof *formats)

/* A single-file trace whose tracer did not close it (journal.h): known by
 * its magic alone, and left out of the "expected ..." list of formats
 * (nobody hands one over on purpose: it is what a crash left). */
static int is_journal(const char *path, const unsigned char *b, size_t n) {
    (void)path;
    return parity__is_journal(b, n);
}
static const format journal = {"parity trace journal", "", is_journal, parity__read_journal,
                               0, 1, 0};

/* Things users hand over that hold no tensors parity reads: named in the
 * error instead of a parser's complaint about garbage. */
typedef struct not_tensors {
    const char *what;
    int (*sniff)(const unsigned char *b, size_t n);
} not_tensors;

static int is_wav(const unsigned char *b, size_t n) {
    return n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WAVE", 4) == 0;
}
static int is_hdf5(const unsigned char *b, size_t n) {
    return n >= 8 && memcmp(b, "\x89HDF\r\n\x1a\n", 8) == 0;
}
static int is_png(const unsigned char *b, size_t n) {
    return n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0;
}
/* Printable text in the first KiB (UTF-8 bytes allowed). */
static int is_text(const unsigned char *b, size_t n) {
    size_t k = n < 1024 ? n : 1024;
    for (size_t i = 0; i < k; i++)
        if (b[i] < 0x20 && b[i] != '\n' && b[i] != '\r' && b[i] != '\t') return 0;
    return k > 0;
}
static int is_json(const unsigned char *b, size_t n) {
    size_t i = 0;
    while (i < n && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) i++;
    return is_text(b, n) && i < n && (b[i] == '{' || b[i] == '[');
}

static const not_tensors others[] = {
    {"a WAV audio file", is_wav},
    {"an HDF5 file", is_hdf5},
    {"a PNG image", is_png},
    {"a JSON text", is_json},
    {"a text file", is_text},
};

/* Does path end in one of the space-separated extensions exts? */
static int has_extension(const char *path, const char *exts) {
    size_t n = strlen(path);
    for (const char *e = exts; *e;) {
        size_t m = strcspn(e, " ");
        if (n > m && strncmp(path + n - m, e, m) == 0) return 1;
        e += m;
        e += *e == ' ';
    }
    return 0;
}

/* The format of a file: by content, else by extension; NULL when neither. */
static const format *identify(const char *path, const unsigned char *b, size_t n) {
    if (journal.sniff(path, b, n)) return &journal;
    for (size_t i = 0; i < N_FORMATS; i++)
        if (formats[i].sniff(path, b, n)) return &formats[i];
    for (size_t i = 0; i < N_FORMATS; i++)
        if (has_extension(path, formats[i].extensions)) return &formats[i];
    return NULL;
}

static parity_status unknown_format(const char *path, const unsigned char *b,
                                    size_t n, parity_error *err) {
    const char *what = n == 0 ? "an empty file" : "not a format parity reads";
    for (size_t i = 0; n && i < sizeof others / sizeof *others; i++)
        if (others[i].sniff(b, n)) {
            what = others[i].what;
            break;
        }
    char expected[256] = "";
    size_t k = 0;
    for (size_t i = 0; i < N_FORMATS && k < sizeof expected; i++)
        k += (size_t)snprintf(expected + k, sizeof expected - k, "%s%s",
                              i == 0 ? "" : i + 1 == N_FORMATS ? " or " : ", ",
                              formats[i].name);
    return parity__fail(err, PARITY_E_UNSUPPORTED, 0, "%s: %s (expected %s)", path,
                        what, expected);
}

/* ---- one file ---------------------------------------------------------- */

/* The file name without directory and extension, into buf. */
static void file_stem(const char *path, char *buf, size_t cap) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base) n = (size_t)(dot - base);
    if (n >= cap) n = cap - 1;
    memcpy(buf, base, n);
    buf[n] = '\0';
}

/* Map path, keep the mapping in set, read it with its format's reader.
 * in_folder: tensors named by the file stem ("stem", or "stem/name" in a
 * file of several), the file's own metadata ignored. *fmt (may be NULL)
 * receives the format. */
static parity_status load_file(parity_set *set, const char *path, int in_folder,
                               const format **fmt, parity_error *err) {
    parity_map map;
    size_t first_map = set->n_maps;
    TRY(parity__map_open(path, &map, err));
    parity_status kept = parity__set_keep_map(set, &map, err);
    if (kept != PARITY_OK) {
        parity__map_close(&map);
        return kept;
    }
    const format *f = identify(path, map.base, map.size);
    if (fmt) *fmt = f;
    if (!f) return unknown_format(path, map.base, map.size, err);
    char stem[512];
    file_stem(path, stem, sizeof stem);
    const char *file = parity__set_strdup(set, path, strlen(path));
    FAIL_IF(!file, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", path);
    parity__source src = {file, map.base, map.size, NULL, NULL, !in_folder};
    if (in_folder) src.prefix = src.single_name = stem;
    else if (f->single_by_stem) src.single_name = stem;
    size_t before = set->n_tensors;
    TRY(f->read(set, &src, err));
    parity__set_mark_backed(set, before, first_map);
    return PARITY_OK;
}

/* Aliases (views of the stored stages they name) and parents, from an
 * index or a file's metadata; the name index must exist, and is rebuilt
 * with the aliases in it. */
static parity_status apply_dataflow(parity_set *set, const parity__trace_index *ix,
                                    parity_error *err) {
    for (size_t i = 0; i < ix->n_aliases; i++)
        TRY(parity__set_alias(set, ix->alias_name[i], ix->alias_target[i], err));
    for (size_t i = 0; i < ix->n_parents; i++) {
        char **names = NULL;
        size_t n = 0;
        TRY(parity__json_names(set->path, "parents", ix->parent_list[i],
                               strlen(ix->parent_list[i]), &names, &n, err));
        parity_status st = parity__set_parents_add(set, ix->parent_stage[i], names, n, err);
        parity__names_free(names, n);
        TRY(st);
    }
    parity__set_parents_done(set);
    return ix->n_aliases ? parity__set_index(set, err) : PARITY_OK;
}

/* A single file's "parity.order" and "parity.inputs" metadata. */
static parity_status order_from_meta(parity_set *set, parity_error *err) {
    const char *order = parity_set_meta_get(set, "parity.order");
    const char *inputs = parity_set_meta_get(set, "parity.inputs");
    char **o = NULL, **in = NULL;
    size_t n_o = 0, n_in = 0;
    parity_status st = PARITY_OK;
    if (order)
        st = parity__json_names(set->path, "parity.order", order, strlen(order), &o,
                                &n_o, err);
    if (st == PARITY_OK && inputs)
        st = parity__json_names(set->path, "parity.inputs", inputs, strlen(inputs),
                                &in, &n_in, err);
    parity__trace_index flow;
    memset(&flow, 0, sizeof flow);
    if (st == PARITY_OK)
        st = parity__json_dataflow(set->path, parity_set_meta_get(set, "parity.parents"),
                                   parity_set_meta_get(set, "parity.aliases"), &flow, err);
    if (st == PARITY_OK) st = apply_dataflow(set, &flow, err);
    parity__trace_index_free(&flow);
    if (st == PARITY_OK) st = parity__set_reorder(set, o, n_o, in, n_in, 0, err);
    if (st == PARITY_OK && order) set->order_source = PARITY_ORDER_METADATA;
    parity__names_free(o, n_o);
    parity__names_free(in, n_in);
    return st;
}

/* ---- directories ------------------------------------------------------- */

static int is_listed_file(const char *name) {
    if (name[0] == '.') return 0;
    for (size_t i = 0; i < N_FORMATS; i++)
        if (has_extension(name, formats[i].extensions)) return formats[i].in_folders;
    return 0;
}

static int is_shard_index(const char *name) {
    return name[0] != '.' && has_extension(name, ".safetensors.index.json");
}

static int cmp_natural_ptr(const void *a, const void *b) {
    return parity__natural_cmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir for which keep(name) holds (keep NULL: every entry
 * but the hidden ones), in natural order; the names are owned by set. */
static parity_status list_dir(parity_set *set, const char *dir, int (*keep)(const char *),
                              char ***names, size_t *count, parity_error *err) {
    DIR *d = opendir(dir);
    FAIL_IF(!d, err, PARITY_E_IO, PARITY_NO_OFFSET, "%s: cannot read directory: %s", dir,
            strerror(errno));
    size_t n = 0, cap = 0;
    char **list = NULL;
    struct dirent *e;
    parity_status st = PARITY_OK;
    while (st == PARITY_OK && (e = readdir(d)) != NULL) {
        if (keep ? !keep(e->d_name) : e->d_name[0] == '.') continue;
        if (n >= set->opts.max_files) {
            st = parity__fail(err, PARITY_E_LIMIT, PARITY_NO_OFFSET,
                              "%s: more than %llu tensor files (limit max_files)",
                              dir, (unsigned long long)set->opts.max_files);
        } else if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(list, cap * sizeof *list);
            if (p) list = p;
            else st = PARITY_E_NOMEM;
        }
        if (st == PARITY_OK && !(list[n++] = parity__set_strdup(set, e->d_name, strlen(e->d_name))))
            st = PARITY_E_NOMEM;
    }
    closedir(d);
    if (st == PARITY_E_NOMEM)
        parity__fail(err, st, PARITY_NO_OFFSET, "%s: out of memory", dir);
    if (st != PARITY_OK) {
        free(list);
        return st;
    }
    if (n) qsort(list, n, sizeof *list, cmp_natural_ptr);
    *names = list;
    *count = n;
    return PARITY_OK;
}

/* "dir/name" into a new string; NULL when out of memory. */
static char *join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Does dir hold a tensor file (one level down)? */
static int holds_tensor_files(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d)) != NULL) found = is_listed_file(e->d_name);
    closedir(d);
    return found;
}

/* A folder with no tensor file: name the subfolders that hold some, so
 * "parity info dumps/" does not answer "0 tensors" for dumps/python/ and
 * dumps/swift/. The names are listed in natural order, at most four. */
static parity_status no_tensor_files(parity_set *set, const char *dir,
                                     parity_error *err) {
    char **subs = NULL;
    size_t n = 0;
    parity_status st = list_dir(set, dir, NULL, &subs, &n, err);
    size_t found = 0;
    parity_buf hint = {0};
    for (size_t i = 0; st == PARITY_OK && i < n; i++) {
        char *sub = join(dir, subs[i]);
        struct stat sb;
        int hit = sub && stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode) && holds_tensor_files(sub);
        free(sub);
        if (!hit || found++ >= 4) continue;
        subs[found - 1] = subs[i];
    }
    for (size_t i = 0; i < found && i < 4; i++)
        parity__buf_printf(&hint, "%s%s/", i == 0 ? "" : i + 1 == found ? " and " : ", ",
                           subs[i]);
    free(subs);
    if (st == PARITY_OK && found)
        st = parity__fail(err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                          "%s: no tensor files here, but %zu subfolder%s hold%s some: "
                          "did you mean %s%s?", dir, found, found == 1 ? "" : "s",
                          found == 1 ? "s" : "", hint.oom ? "" : hint.data,
                          found > 4 ? " (and more)" : "");
    parity__buf_free(&hint);
    return st;
}

/* A trace directory holds what its tracer wrote there: regular files. A
 * symbolic link (to a file elsewhere, to /dev/zero) is refused by name
 * rather than followed out of the directory. */
static parity_status not_a_link(const char *path, parity_error *err) {
    struct stat st;
    FAIL_IF(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: a symbolic link (a trace directory's index.json and "
            "stage files are regular files inside it)",
            path);
    return PARITY_OK;
}

static int cmp_str_ptr(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each stage file index.json names exists among the listed files, looked
 * up in a sorted copy of the listing: O((files + n) log n). */
static parity_status check_index_files(const char *ipath, const parity__trace_index *ix,
                                       char **names, size_t n, parity_error *err) {
    if (ix->n_files == 0) return PARITY_OK;
    char **sorted = malloc((n ? n : 1) * sizeof *sorted);
    FAIL_IF(!sorted, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", ipath);
    if (n) memcpy(sorted, names, n * sizeof *sorted);
    if (n > 1) qsort(sorted, n, sizeof *sorted, cmp_str_ptr);
    size_t k = 0;
    while (k < ix->n_files && bsearch(&ix->file_name[k], sorted, n, sizeof *sorted, cmp_str_ptr))
        k++;
    free(sorted);
    char stage[128];
    FAIL_IF(k < ix->n_files, err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: files: stage '%s': '%s' is not a tensor file of the trace "
            "directory (missing?)",
            ipath,
            parity__msg_name(ix->file_stage[k], strlen(ix->file_stage[k]), stage, sizeof stage),
            ix->file_name[k]);
    return PARITY_OK;
}

/* Each "files" entry names the file that holds its stage: a trace whose
 * index points a stage at another stage's file (or two stages at one
 * file) is not what its index says. The name index must exist. */
static parity_status check_index_stages(const parity_set *set, const char *ipath, const char *dir,
                                        const parity__trace_index *ix, parity_error *err) {
    size_t dlen = strlen(dir);
    for (size_t k = 0; k < ix->n_files; k++) {
        long i = parity_set_find(set, ix->file_stage[k]);
        const char *file = i >= 0 ? set->tensors[i].file : NULL;
        int same = file && strncmp(file, dir, dlen) == 0 && file[dlen] == '/' &&
                   strcmp(file + dlen + 1, ix->file_name[k]) == 0;
        char stage[128];
        FAIL_IF(!same, err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                "%s: files: stage '%s': '%s' holds no tensor of that name (expected "
                "the file the stage is stored in)",
                ipath,
                parity__msg_name(ix->file_stage[k], strlen(ix->file_stage[k]), stage, sizeof stage),
                ix->file_name[k]);
    }
    return PARITY_OK;
}

/* index.json: metadata, then the order (unlisted stage files after the
 * listed ones, in file order) and the inputs. */
static parity_status apply_index(parity_set *set, const char *ipath, const char *dir,
                                 const parity__trace_index *ix, parity_error *err) {
    for (size_t i = 0; i < ix->n_meta; i++)
        TRY(parity__set_meta_add(set, ix->meta_key[i], strlen(ix->meta_key[i]),
                                 ix->meta_value[i], strlen(ix->meta_value[i]), err));
    TRY(parity__set_index(set, err));
    TRY(check_index_stages(set, ipath, dir, ix, err));
    TRY(apply_dataflow(set, ix, err));
    TRY(parity__set_reorder(set, ix->order, ix->n_order, ix->inputs, ix->n_inputs, 1,
                            err));
    if (ix->has_order) set->order_source = PARITY_ORDER_INDEX;
    return PARITY_OK;
}

/* A folder holding a sharded checkpoint's *.safetensors.index.json is that
 * checkpoint (its shards are read through the index, their names kept);
 * two such indexes are ambiguous. *done: the folder was one. */
static parity_status sharded_folder(parity_set *set, const char *dir, int *done,
                                    parity_error *err) {
    char **idx = NULL;
    size_t n = 0;
    *done = 0;
    TRY(list_dir(set, dir, is_shard_index, &idx, &n, err));
    char *path = n == 1 ? join(dir, idx[0]) : NULL;
    parity_status st = PARITY_OK;
    if (n > 1)
        st = parity__fail(err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                          "%s: holds %zu sharded checkpoints (%s, %s%s): open one "
                          "*.safetensors.index.json", dir, n, idx[0], idx[1],
                          n > 2 ? ", ..." : "");
    else if (n == 1 && !path)
        st = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", dir);
    else if (n == 1)
        st = load_file(set, path, 0, NULL, err);
    if (st == PARITY_OK && n == 1) st = parity__set_index(set, err);
    if (st == PARITY_OK && n == 1) st = parity__set_reorder(set, NULL, 0, NULL, 0, 0, err);
    *done = n == 1;
    free(path);
    free(idx);
    return st;
}

static parity_status load_dir(parity_set *set, const char *dir, parity_error *err) {
    char **names = NULL;
    size_t n = 0;
    char *probe = join(dir, "index.json");
    struct stat pst;
    int has_index = probe && lstat(probe, &pst) == 0, sharded = 0;
    free(probe);
    if (!has_index) TRY(sharded_folder(set, dir, &sharded, err));
    if (sharded) return PARITY_OK;
    TRY(list_dir(set, dir, is_listed_file, &names, &n, err));
    char *ipath = join(dir, "index.json");
    struct stat ist;
    int trace = ipath && lstat(ipath, &ist) == 0;
    parity__trace_index ix;
    memset(&ix, 0, sizeof ix);
    parity_status st = ipath ? PARITY_OK
                             : parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                            "%s: out of memory", dir);
    if (st == PARITY_OK && trace) st = not_a_link(ipath, err);
    if (st == PARITY_OK && trace)
        st = parity__trace_index_load(ipath, set->opts.max_header_bytes,
                                      set->opts.max_json_depth, &ix, err);
    if (st == PARITY_OK && trace) st = parity__set_note_file(set, ipath, err);
    if (st == PARITY_OK && trace) st = check_index_files(ipath, &ix, names, n, err);
    if (st == PARITY_OK && n == 0 && !trace) st = no_tensor_files(set, dir, err);
    for (size_t i = 0; st == PARITY_OK && i < n; i++) {
        char *fpath = join(dir, names[i]);
        parity__progress(&set->opts.progress, PARITY_PROGRESS_FILES, i, n);
        st = !fpath  ? parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", dir)
             : trace ? not_a_link(fpath, err)
                     : PARITY_OK;
        if (st == PARITY_OK) st = load_file(set, fpath, !trace, NULL, err);
        free(fpath);
    }
    free(names);
    if (st == PARITY_OK && trace) st = apply_index(set, ipath, dir, &ix, err);
    if (st == PARITY_OK && !trace) st = parity__set_index(set, err);
    if (st == PARITY_OK && !trace) st = parity__set_reorder(set, NULL, 0, NULL, 0, 0, err);
    parity__trace_index_free(&ix);
    free(ipath);
    return st;
}

/* ---- the entry point --------------------------------------------------- */

parity_status parity_set_open(const char *path, const parity_open_opts *opts,
                              parity_set **out, parity_error *err) {
    *out = NULL;
    parity_set *set = NULL;
    TRY(parity__set_create(path, opts, &set, err));
    struct stat st;
    parity_status s = PARITY_OK;
    const format *f = NULL;
    if (stat(path, &st) != 0)
        s = parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET,
                         "%s: no such file or directory", path);
    else if (S_ISDIR(st.st_mode))
        s = load_dir(set, path, err);
    else
        s = load_file(set, path, 0, &f, err);
    if (s == PARITY_OK && !S_ISDIR(st.st_mode)) s = parity__set_index(set, err);
    if (s == PARITY_OK && !S_ISDIR(st.st_mode) && f->has_metadata)
        s = order_from_meta(set, err);
    else if (s == PARITY_OK && !S_ISDIR(st.st_mode))
        s = parity__set_reorder(set, NULL, 0, NULL, 0, set->file_ordered, err);
    if (s == PARITY_OK && !S_ISDIR(st.st_mode) && set->file_ordered)
        set->order_source = PARITY_ORDER_FILE;
    if (s != PARITY_OK) {
        parity_set_free(set);
        return s;
    }
    *out = set;
    return PARITY_OK;
}
