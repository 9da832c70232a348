/*
 * test_journal.c — single-file traces while the tracer runs, and the locks
 * of both trace modes (src/formats/journal*.c, src/core/lock.c,
 * docs/tracing.md):
 * - a journal cut at every byte reads back as exactly its complete
 *   records, with the note saying how many stages were recovered and how
 *   many bytes were dropped, and never fails;
 * - a zero tail ends it; a complete record that is not safetensors is an
 *   error naming the record's byte offset;
 * - metadata changes: parents given again and user metadata given again
 *   take their last value, inputs add up;
 * - a second tracer on the same file or directory fails at open (the
 *   lock), and succeeds once the first is closed;
 * - the journal refuses to replace a file that is not a trace, a link;
 * - an inject reference the output would destroy is refused.
 * The journal bytes are written here by hand from the layout, independent
 * of the C writer, whose own journals are checked against the reader too.
 */
#include "formats/journal.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK_OK_ERR(expr) CHECK_MSG((expr) == 0, "%s", err.msg)

static char tmpdir[64];

static const char *tmp_path(char *buf, size_t cap, const char *name) {
    snprintf(buf, cap, "%s/%s", tmpdir, name);
    return buf;
}

/* ---- journals by hand --------------------------------------------------- */

typedef struct jbuf {
    unsigned char b[8192];
    size_t n;
    size_t data_end[16]; /* where each record's bytes end ...            */
    size_t ends[16];     /* ... and where the next one starts (padding)  */
    size_t n_rec;
} jbuf;

static void put_u64(unsigned char *p, uint64_t v) {
    for (int k = 0; k < 8; k++) p[k] = (unsigned char)(v >> (8 * k));
}

/* One record: a safetensors file with header json (padded with spaces to
 * a multiple of 8) and data[0..nd). */
static void record(jbuf *j, const char *json, const void *data, size_t nd) {
    size_t h = strlen(json), hp = (h + 7) / 8 * 8, len = 8 + hp + nd;
    put_u64(j->b + j->n, len);
    put_u64(j->b + j->n + 8, hp);
    memcpy(j->b + j->n + 16, json, h);
    memset(j->b + j->n + 16 + h, ' ', hp - h);
    if (nd) memcpy(j->b + j->n + 16 + hp, data, nd);
    j->n += 8 + len;
    j->data_end[j->n_rec] = j->n;
    while (j->n % 8) j->b[j->n++] = 0;
    j->ends[j->n_rec++] = j->n;
}

/* Six records, three stages: a (an input), metadata k = 1, b, b's parents
 * [b] then [a] with k = 2 (the last of each wins), c, an alias of a. */
static void sample(jbuf *j) {
    static const float fa[2] = {1.5f, -2.0f}, fb[3] = {3, 4, 5};
    memset(j, 0, sizeof *j);
    memcpy(j->b, PARITY__JOURNAL_MAGIC, PARITY__JOURNAL_MAGIC_LEN);
    j->n = PARITY__JOURNAL_MAGIC_LEN;
    record(j, "{\"__metadata__\":{\"parity.inputs\":\"[\\\"a\\\"]\"},"
              "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", fa, 8);
    record(j, "{\"__metadata__\":{\"k\":\"1\"}}", NULL, 0);
    record(j, "{\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", fb, 12);
    record(j, "{\"__metadata__\":{\"parity.parents\":\"{\\\"b\\\":[\\\"b\\\"]}\"}}", NULL, 0);
    record(j, "{\"__metadata__\":{\"parity.parents\":\"{\\\"b\\\":[\\\"a\\\"]}\",\"k\":\"2\"}}",
           NULL, 0);
    record(j, "{\"__metadata__\":{\"parity.order\":\"[\\\"c\\\"]\","
              "\"parity.aliases\":\"{\\\"c\\\":\\\"a\\\"}\"}}", NULL, 0);
}

static parity_status open_bytes(const jbuf *j, size_t n, parity_set **set, parity_error *err) {
    char path[128];
    tmp_path(path, sizeof path, "hand.safetensors");
    FILE *f = fopen(path, "wb");
    if (!f) return PARITY_E_IO;
    fwrite(j->b, 1, n, f);
    fclose(f);
    return parity_set_open(path, NULL, set, err);
}

/* The records a journal cut at n bytes holds whole. */
static size_t complete(const jbuf *j, size_t n) {
    size_t r = 0;
    while (r < j->n_rec && j->data_end[r] <= n) r++;
    return r;
}

static void test_every_cut(void) {
    jbuf j;
    sample(&j);
    size_t n_stages[7] = {0, 1, 1, 2, 2, 2, 3}; /* after 0..6 records */
    for (size_t n = PARITY__JOURNAL_MAGIC_LEN; n <= j.n; n++) {
        parity_set *set = NULL;
        parity_error err = {0};
        size_t r = complete(&j, n);
        if (!CHECK_MSG(open_bytes(&j, n, &set, &err) == PARITY_OK, "cut at %zu: %s", n, err.msg))
            continue;
        const char *note = parity_set_meta_get(set, "parity.recovered");
        char want[160];
        snprintf(want, sizeof want, "recovered %zu stage%s from %zu record%s", n_stages[r],
                 n_stages[r] == 1 ? "" : "s", r, r == 1 ? "" : "s");
        CHECK_MSG(note && strstr(note, want), "cut at %zu: '%s', want '%s'", n,
                  note ? note : "(none)", want);
        size_t next = r ? j.ends[r - 1] : 16, dropped = n > next ? n - next : 0;
        CHECK_MSG(note && (dropped == 0) == (strstr(note, "dropped") == NULL),
                  "cut at %zu: %s", n, note ? note : "");
        CHECK_EQ_U64(parity_set_count(set), n_stages[r]);
        if (n_stages[r] >= 1) CHECK_EQ_STR(parity_set_tensor(set, 0)->name, "a");
        if (n_stages[r] >= 1) CHECK(parity_set_tensor(set, 0)->is_input);
        if (n_stages[r] >= 2) CHECK_EQ_STR(parity_set_tensor(set, 1)->name, "b");
        CHECK_EQ_STR(parity_set_meta_get(set, "k"), r >= 5 ? "2" : r >= 2 ? "1" : NULL);
        parity_set_free(set);
    }
}

static void test_whole(void) {
    jbuf j;
    sample(&j);
    parity_set *set = NULL;
    parity_error err = {0};
    if (!CHECK_OK_ERR(open_bytes(&j, j.n, &set, &err))) return;
    CHECK_EQ_U64(parity_set_count(set), 3);
    CHECK_EQ_STR(parity_set_tensor(set, 2)->name, "c");
    CHECK_EQ_STR(parity_set_tensor(set, 2)->alias_of, "a");
    CHECK_EQ_STR(parity_set_meta_get(set, "k"), "2");
    CHECK_EQ_STR(parity_set_meta_get(set, "parity.parents"), "{\"b\":[\"a\"]}");
    CHECK_EQ_STR(parity_set_meta_get(set, "parity.order"), "[\"a\",\"b\",\"c\"]");
    CHECK_EQ_INT(parity_set_order_source(set), PARITY_ORDER_METADATA);
    long b = parity_set_find(set, "b");
    if (CHECK(b >= 0)) {
        const parity_tensor *t = parity_set_tensor(set, (size_t)b);
        float v[3];
        memcpy(v, t->data, sizeof v);
        CHECK(v[0] == 3 && v[2] == 5);
        /* file_offset is the file's: the bytes there are the tensor's */
        CHECK(memcmp(j.b + t->file_offset, t->data, 12) == 0);
        const char *const *p = NULL;
        CHECK_EQ_U64(parity_set_parents(set, (size_t)b, &p), 1);
        if (p) CHECK_EQ_STR(p[0], "a");
    }
    parity_set_free(set);
    /* zero bytes where the file system lost the tail end the journal */
    jbuf z = j;
    memset(z.b + z.n, 0, 64);
    if (CHECK_OK_ERR(open_bytes(&z, z.n + 64, &set, &err))) {
        CHECK(strstr(parity_set_meta_get(set, "parity.recovered"), "last 64 bytes"));
        CHECK_EQ_U64(parity_set_count(set), 3);
        parity_set_free(set);
    }
}

static void test_damaged(void) {
    jbuf j;
    sample(&j);
    j.b[j.ends[0] + 16] = '['; /* the second record's header: not an object */
    parity_set *set = NULL;
    parity_error err = {0};
    CHECK_EQ_INT(open_bytes(&j, j.n, &set, &err), PARITY_E_FORMAT);
    char want[64];
    snprintf(want, sizeof want, "journal record at byte %zu:", j.ends[0]);
    CHECK_MSG(strstr(err.msg, want) && strstr(err.msg, "hand.safetensors: "), "%s", err.msg);
    CHECK(!strchr(err.msg, '\n'));
    CHECK(set == NULL);
}

/* ---- the C writer --------------------------------------------------------- */

static void test_writer_journal(void) {
    char path[128];
    parity_error err = {0};
    parity_tracer *t = NULL;
    tmp_path(path, sizeof path, "w.safetensors");
    if (!CHECK_OK_ERR(parity_tracer_open(path, &t, &err))) return;
    const int64_t s3[1] = {3};
    const float x[3] = {1, 2, 3};
    CHECK_OK_ERR(parity_tracer_add_input(t, "x", PARITY_DT_F32, 1, s3, x, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "y", PARITY_DT_F32, 1, s3, x, &err));
    const char *px = "x";
    CHECK_OK_ERR(parity_tracer_parents(t, "y", &px, 1, &err));
    CHECK_OK_ERR(parity_tracer_meta(t, "m", "1", &err));
    CHECK_OK_ERR(parity_tracer_meta(t, "m", "2", &err));
    /* a second tracer on the same file fails at open, and leaves it alone */
    parity_tracer *t2 = NULL;
    parity_error e2 = {0};
    CHECK_EQ_INT(parity_tracer_open(path, &t2, &e2), PARITY_E_USAGE);
    CHECK_MSG(strstr(e2.msg, "another process is writing a trace there"), "%s", e2.msg);
    parity_set *set = NULL;
    if (CHECK_OK_ERR(parity_set_open(path, NULL, &set, &err))) {
        CHECK_EQ_U64(parity_set_count(set), 2);
        CHECK_EQ_STR(parity_set_meta_get(set, "m"), "2");
        CHECK_EQ_STR(parity_set_meta_get(set, "parity.parents"), "{\"y\":[\"x\"]}");
        CHECK_EQ_STR(parity_set_meta_get(set, "parity.inputs"), "[\"x\"]");
        CHECK(strstr(parity_set_meta_get(set, "parity.recovered"), "recovered 2 stages"));
        parity_set_free(set);
    }
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    set = NULL;
    if (CHECK_OK_ERR(parity_set_open(path, NULL, &set, &err))) {
        CHECK(parity_set_meta_get(set, "parity.recovered") == NULL);
        CHECK_EQ_STR(parity_set_meta_get(set, "m"), "2");
        CHECK_EQ_U64(parity_set_count(set), 2);
        parity_set_free(set);
    }
    /* closed: the lock is free again */
    CHECK_OK_ERR(parity_tracer_open(path, &t2, &err));
    CHECK_OK_ERR(parity_tracer_close(t2, &err));
}

static void test_directory_lock(void) {
    char path[128];
    parity_error err = {0}, e2 = {0};
    parity_tracer *t = NULL, *t2 = NULL;
    tmp_path(path, sizeof path, "locked");
    if (!CHECK_OK_ERR(parity_tracer_open(path, &t, &err))) return;
    CHECK_EQ_INT(parity_tracer_open(path, &t2, &e2), PARITY_E_USAGE);
    CHECK_MSG(strstr(e2.msg, "another process is writing a trace there"), "%s", e2.msg);
    CHECK(t2 == NULL);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    CHECK_OK_ERR(parity_tracer_open(path, &t2, &err));
    CHECK_OK_ERR(parity_tracer_close(t2, &err));
}

static void test_refusals(void) {
    char path[128], link[128], body[64] = "";
    parity_error err = {0};
    parity_tracer *t = NULL;
    /* somebody's file: refused and untouched */
    tmp_path(path, sizeof path, "notes.safetensors");
    FILE *f = fopen(path, "w");
    if (f) fputs("my notes\n", f), fclose(f);
    CHECK_EQ_INT(parity_tracer_open(path, &t, &err), PARITY_E_USAGE);
    CHECK_MSG(strstr(err.msg, "exists and is not a parity trace"), "%s", err.msg);
    f = fopen(path, "r");
    if (f) CHECK(fgets(body, sizeof body, f) && !strcmp(body, "my notes\n")), fclose(f);
    /* a link: refused, the file it names untouched */
    tmp_path(link, sizeof link, "link.safetensors");
    CHECK(symlink("notes.safetensors", link) == 0);
    CHECK_EQ_INT(parity_tracer_open(link, &t, &err), PARITY_E_USAGE);
    CHECK_MSG(strstr(err.msg, "a symbolic link"), "%s", err.msg);
    /* a finished trace as its own inject reference: refused before the
     * journal replaces it (test_writer_journal wrote it, then a run of no
     * stage replaced it: a trace all the same) */
    tmp_path(path, sizeof path, "w.safetensors");
    struct stat before, after;
    CHECK(stat(path, &before) == 0);
    setenv("PARITY_INJECT", path, 1);
    CHECK_EQ_INT(parity_tracer_open(path, &t, &err), PARITY_E_USAGE);
    CHECK_MSG(strstr(err.msg, "would destroy the reference"), "%s", err.msg);
    unsetenv("PARITY_INJECT");
    CHECK(stat(path, &after) == 0 && after.st_ino == before.st_ino &&
          after.st_size == before.st_size && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/parity_journal_XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    test_every_cut();
    test_whole();
    test_damaged();
    test_writer_journal();
    test_directory_lock();
    test_refusals();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) return 1;
    return TEST_SUMMARY();
}
