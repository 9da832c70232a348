/*
 * journal_write.c — the C tracer's single-file trace while it runs: a
 * journal appended one record per stage (layout in journal.h), locked for
 * the tracer's lifetime, turned into an ordinary safetensors trace at
 * close. Memory holds only what the finished header needs (names, dtypes,
 * shapes, where each stage's bytes are in the journal), not the tensors.
 */
#include "formats/journal.h"
#include "formats/json_strict.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The reader's default max_header_bytes: never write what it refuses. */
#define JW_MAX_HEADER 100000000ull

typedef struct jw_stage {
    char *name;
    parity_dtype dt;
    int ndim;
    size_t dims;       /* its shape: j->dims[dims .. dims + ndim)         */
    uint64_t nbytes;
    uint64_t at;       /* where its bytes are in the journal              */
} jw_stage;

struct parity__journal {
    char *path;
    int fd;            /* read-write, locked                              */
    uint64_t end;      /* where the next record goes                      */
    jw_stage *s;       /* [n] in record order                             */
    size_t n, cap;
    int64_t *dims;     /* [n_dims] the shapes of every stage              */
    size_t n_dims, cap_dims;
};

/* ---- what may be replaced ---------------------------------------------- */

static int has(const unsigned char *b, size_t n, const char *s) {
    size_t m = strlen(s);
    for (size_t i = 0; i + m <= n; i++)
        if (b[i] == (unsigned char)s[0] && memcmp(b + i, s, m) == 0) return 1;
    return 0;
}

/* A parity trace: a journal, or a safetensors file whose header names the
 * trace format or an order. */
static int is_trace(int fd, uint64_t size) {
    unsigned char head[PARITY__JOURNAL_MAGIC_LEN];
    if (size < 8 || pread(fd, head, sizeof head, 0) < 8) return 0;
    if (size >= sizeof head && parity__is_journal(head, sizeof head)) return 1;
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--) n = n << 8 | head[k];
    if (n > JW_MAX_HEADER || n > size - 8) return 0;
    unsigned char *h = malloc(n ? (size_t)n : 1);
    int ok = h && pread(fd, h, (size_t)n, 8) == (ssize_t)n &&
             (has(h, (size_t)n, "\"parity.format\":\"parity-trace/") ||
              has(h, (size_t)n, "\"parity.order\":"));
    free(h);
    return ok;
}

static parity_status check_replaceable(int fd, const char *path, parity_error *err) {
    struct stat st;
    FAIL_IF(fstat(fd, &st) != 0, err, PARITY_E_IO, PARITY_NO_OFFSET,
            "tracer: %s: cannot stat: %s", path, strerror(errno));
    FAIL_IF(!S_ISREG(st.st_mode), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: %s: not a regular file: refusing to write a trace over it", path);
    FAIL_IF(st.st_size > 0 && !is_trace(fd, (uint64_t)st.st_size), err, PARITY_E_USAGE,
            PARITY_NO_OFFSET,
            "tracer: %s: exists and is not a parity trace (no \"parity.format\" or "
            "\"parity.order\" metadata); refusing to replace it", path);
    return PARITY_OK;
}

/* ---- writing ----------------------------------------------------------- */

static parity_status pwrite_all(parity__journal *j, const void *p, uint64_t n, uint64_t at,
                                parity_error *err) {
    const unsigned char *c = p;
    while (n > 0) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : (size_t)n;
        ssize_t k = pwrite(j->fd, c, chunk, (off_t)at);
        if (k < 0 && errno == EINTR) continue;
        FAIL_IF(k <= 0, err, PARITY_E_IO, PARITY_NO_OFFSET, "tracer: %s: cannot write: %s",
                j->path, k < 0 ? strerror(errno) : "no space written");
        c += k, at += (uint64_t)k, n -= (uint64_t)k;
    }
    return PARITY_OK;
}

static void put_u64(unsigned char *p, uint64_t v) {
    for (int k = 0; k < 8; k++) p[k] = (unsigned char)(v >> (8 * k));
}

/* One record: [L][header length][header][data][padding], at j->end. A
 * record that fails half-way is cut off again, so the journal ends with
 * the last complete record. */
static parity_status append(parity__journal *j, const parity_buf *h, const void *data,
                            uint64_t nbytes, parity_error *err) {
    static const unsigned char zeros[8] = {0};
    unsigned char pre[16];
    uint64_t len = 8 + (uint64_t)h->len + nbytes, at = j->end;
    uint64_t pad = (8 - (8 + len) % 8) % 8;
    put_u64(pre, len);
    put_u64(pre + 8, (uint64_t)h->len);
    parity_status st = pwrite_all(j, pre, 16, at, err);
    if (st == PARITY_OK) st = pwrite_all(j, h->data, h->len, at + 16, err);
    if (st == PARITY_OK && nbytes) st = pwrite_all(j, data, nbytes, at + 16 + h->len, err);
    if (st == PARITY_OK && pad) st = pwrite_all(j, zeros, pad, at + 8 + len, err);
    if (st != PARITY_OK) {
        /* best effort: a reader drops an incomplete record anyway */
        int cut = ftruncate(j->fd, (off_t)j->end);
        (void)cut;
        return st;
    }
    j->end = at + 8 + len + pad;
    return PARITY_OK;
}

static int valid_text(const char *s) {
    size_t n = strlen(s);
    return parity__utf8_check((const unsigned char *)s, n) == n;
}

/* What safetensors can hold: UTF-8 names and metadata. */
static parity_status check_text(const parity__journal *j, const char *name,
                                const parity_meta_entry *meta, size_t n_meta, parity_error *err) {
    FAIL_IF(name && !valid_text(name), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: %s: stage name is not valid UTF-8", j->path);
    FAIL_IF(name && !strcmp(name, "__metadata__"), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "tracer: %s: stage '__metadata__': reserved name", j->path);
    for (size_t i = 0; i < n_meta; i++)
        FAIL_IF(!valid_text(meta[i].key) || !valid_text(meta[i].value), err, PARITY_E_USAGE,
                PARITY_NO_OFFSET, "tracer: %s: metadata '%s': not valid UTF-8", j->path,
                meta[i].key);
    return PARITY_OK;
}

parity_status parity__journal_meta(parity__journal *j, const parity_meta_entry *meta,
                                   size_t n_meta, parity_error *err) {
    TRY(check_text(j, NULL, meta, n_meta, err));
    parity_buf h = {0};
    parity__st_header(&h, meta, n_meta, NULL, 0);
    parity_status st = h.oom ? parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                            "tracer: %s: out of memory", j->path)
                             : append(j, &h, NULL, 0, err);
    parity__buf_free(&h);
    return st;
}

/* Room for one more stage and ndim more dimensions. */
static parity_status reserve(parity__journal *j, int ndim, parity_error *err) {
    if (j->n == j->cap) {
        size_t cap = j->cap ? 2 * j->cap : 64;
        jw_stage *s = realloc(j->s, cap * sizeof *s);
        FAIL_IF(!s, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tracer: %s: out of memory", j->path);
        j->s = s, j->cap = cap;
    }
    if (j->n_dims + (size_t)ndim > j->cap_dims) {
        size_t cap = j->cap_dims ? 2 * j->cap_dims : 256;
        while (cap < j->n_dims + (size_t)ndim) cap *= 2;
        int64_t *d = realloc(j->dims, cap * sizeof *d);
        FAIL_IF(!d, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tracer: %s: out of memory", j->path);
        j->dims = d, j->cap_dims = cap;
    }
    return PARITY_OK;
}

parity_status parity__journal_stage(parity__journal *j, const char *name, parity_dtype dt,
                                    int ndim, const int64_t *shape, const void *data,
                                    const parity_meta_entry *meta, size_t n_meta,
                                    parity_error *err) {
    uint64_t nbytes = 0;
    TRY(check_text(j, name, meta, n_meta, err));
    TRY(parity__check_shape(name, dt, ndim, shape, data, NULL, &nbytes, err));
    TRY(reserve(j, ndim, err));
    jw_stage *s = &j->s[j->n];
    s->name = strdup(name);
    FAIL_IF(!s->name, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tracer: %s: out of memory",
            j->path);
    parity__st_entry e = {name, dt, ndim, shape, nbytes};
    parity_buf h = {0};
    parity__st_header(&h, meta, n_meta, &e, 1);
    uint64_t at = j->end + 16 + h.len;
    parity_status st = h.oom ? parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                            "tracer: %s: out of memory", j->path)
                             : append(j, &h, data, nbytes, err);
    parity__buf_free(&h);
    if (st != PARITY_OK) {
        free(s->name);
        return st;
    }
    *s = (jw_stage){s->name, dt, ndim, j->n_dims, nbytes, at};
    if (ndim) memcpy(j->dims + j->n_dims, shape, (size_t)ndim * sizeof *shape);
    j->n_dims += (size_t)ndim;
    j->n++;
    return PARITY_OK;
}

/* ---- open / finish / close --------------------------------------------- */

parity_status parity__journal_open(const char *path, parity__journal **out,
                                   parity_error *err) {
    *out = NULL;
    struct stat st;
    FAIL_IF(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), err, PARITY_E_USAGE,
            PARITY_NO_OFFSET, "tracer: %s: a symbolic link: refusing to write a trace "
            "through it", path);
    FAIL_IF(lstat(path, &st) == 0 && !S_ISREG(st.st_mode), err, PARITY_E_USAGE,
            PARITY_NO_OFFSET, "tracer: %s: not a regular file: refusing to write a trace "
            "over it", path);
    parity__journal *j = calloc(1, sizeof *j);
    FAIL_IF(!j, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tracer: %s: out of memory", path);
    j->fd = -1;
    j->path = strdup(path);
    parity_status s = j->path ? parity__lock(path, 0, &j->fd, err)
                              : parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                             "tracer: %s: out of memory", path);
    if (s == PARITY_OK) s = check_replaceable(j->fd, path, err);
    if (s == PARITY_OK && ftruncate(j->fd, 0) != 0)
        s = parity__fail(err, PARITY_E_IO, PARITY_NO_OFFSET, "tracer: %s: cannot write: %s",
                         path, strerror(errno));
    if (s == PARITY_OK)
        s = pwrite_all(j, PARITY__JOURNAL_MAGIC, PARITY__JOURNAL_MAGIC_LEN, 0, err);
    if (s != PARITY_OK) {
        parity__journal_close(j);
        return s;
    }
    j->end = PARITY__JOURNAL_MAGIC_LEN;
    *out = j;
    return PARITY_OK;
}

/* The finished file's header: meta, then every stage. */
static parity_status final_header(const parity__journal *j, const parity_meta_entry *meta,
                                  size_t n_meta, parity_buf *h, parity_error *err) {
    parity__st_entry *e = calloc(j->n ? j->n : 1, sizeof *e);
    FAIL_IF(!e, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tracer: %s: out of memory", j->path);
    for (size_t i = 0; i < j->n; i++)
        e[i] = (parity__st_entry){j->s[i].name, j->s[i].dt, j->s[i].ndim, j->dims + j->s[i].dims,
                                  j->s[i].nbytes};
    parity__st_header(h, meta, n_meta, e, j->n);
    free(e);
    FAIL_IF(h->oom, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tracer: %s: out of memory",
            j->path);
    FAIL_IF(h->len > JW_MAX_HEADER, err, PARITY_E_LIMIT, PARITY_NO_OFFSET,
            "tracer: %s: header: %zu bytes exceed the %llu readers accept (the "
            "journal is kept: parity reads it)", j->path, h->len, JW_MAX_HEADER);
    return PARITY_OK;
}

parity_status parity__journal_finish(parity__journal *j, const parity_meta_entry *meta,
                                     size_t n_meta, parity_error *err) {
    parity_buf h = {0};
    parity_status st = final_header(j, meta, n_meta, &h, err);
    parity__out_file f;
    if (st == PARITY_OK) st = parity__out_open(&f, j->path, err);
    if (st != PARITY_OK) {
        parity__buf_free(&h);
        return st;
    }
    unsigned char len8[8];
    put_u64(len8, (uint64_t)h.len);
    st = parity__out_write(&f, len8, 8, err);
    if (st == PARITY_OK) st = parity__out_write(&f, h.data, h.len, err);
    for (size_t i = 0; st == PARITY_OK && i < j->n; i++)
        st = parity__out_copy(&f, j->fd, j->s[i].at, j->s[i].nbytes, err);
    parity__buf_free(&h);
    if (st != PARITY_OK) {
        parity__out_abort(&f);
        return st;
    }
    return parity__out_commit(&f, err);
}

void parity__journal_close(parity__journal *j) {
    if (!j) return;
    if (j->fd >= 0) close(j->fd); /* drops the lock */
    for (size_t i = 0; i < j->n; i++) free(j->s[i].name);
    free(j->s);
    free(j->dims);
    free(j->path);
    free(j);
}
