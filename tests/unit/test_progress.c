/*
 * test_progress.c — the progress callback (parity.h: parity_progress) of
 * the long calls: each reports its unit with done <= total, in order,
 * from the calling thread only (the diffs run four workers), as each unit
 * of work begins (so done reaches the last unit, or the total when a
 * final report follows the work); the pairs of parity_diff_many; nested
 * reports of a walk (STAGES, each stage's ELEMENTS from 0 again); a NULL
 * callback is never called; and the results do not change with one.
 */
#include "testutil.h"

#include <pthread.h>
#include <unistd.h>

#define MAX_CALLS 100000

typedef struct call {
    parity_progress_unit unit;
    uint64_t done, total;
} call;

typedef struct calls_log {
    call calls[MAX_CALLS];
    size_t n;
    pthread_t caller;
    int other_thread; /* a call came from another thread */
} calls_log;

static void record(void *ctx, parity_progress_unit unit, uint64_t done, uint64_t total) {
    calls_log *l = ctx;
    if (!pthread_equal(pthread_self(), l->caller)) l->other_thread = 1;
    if (l->n < MAX_CALLS) l->calls[l->n++] = (call){unit, done, total};
}

static parity_progress hook(calls_log *l) {
    memset(l, 0, sizeof *l);
    l->caller = pthread_self();
    return (parity_progress){record, l};
}

/* The calls of one unit, with total; done never decreases, stays within
 * total and reaches last. *n: how many. */
static void check_unit(const calls_log *l, parity_progress_unit unit, uint64_t total, uint64_t last,
                       size_t *n) {
    uint64_t prev = 0, max = 0;
    *n = 0;
    for (size_t i = 0; i < l->n; i++) {
        const call *c = &l->calls[i];
        if (c->unit != unit) continue;
        CHECK_EQ_U64(c->total, total);
        CHECK_MSG(c->done >= prev && c->done <= c->total, "done %ju after %ju of %ju",
                  (uintmax_t)c->done, (uintmax_t)prev, (uintmax_t)c->total);
        prev = c->done;
        if (c->done > max) max = c->done;
        (*n)++;
    }
    CHECK_EQ_U64(max, last);
}

static float *ramp(size_t n, float scale) {
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; x && i < n; i++) x[i] = scale * (float)((i * 7919) % 1000) - 3.0f;
    return x;
}

static parity_tensor f32_tensor(const char *name, float *data, int64_t n) {
    parity_tensor t;
    memset(&t, 0, sizeof t);
    t.name = name, t.file = "memory", t.dtype = PARITY_DT_F32, t.ndim = 1;
    t.shape[0] = n, t.stride[0] = 1, t.count = (uint64_t)n;
    t.data = (const unsigned char *)data, t.nbytes = (uint64_t)n * 4;
    return t;
}

/* 1,000,000 elements on four workers: the batches of 65,536 this thread
 * takes are reported, from 0 up to the whole count at the end, from this
 * thread only; the metrics equal those of a run without a callback. */
static void diff_threads(calls_log *l) {
    size_t n = 1000000;
    float *r = ramp(n, 1.0f), *p = ramp(n, 1.001f);
    parity_tensor tr = f32_tensor("x", r, (int64_t)n), tp = f32_tensor("x", p, (int64_t)n);
    parity_diff_opts o = parity_diff_opts_default();
    parity_diff with, without;
    o.threads = 4;
    CHECK(parity_diff_tensors(&tr, &tp, &o, &without, NULL) == PARITY_OK);
    o.progress = hook(l);
    CHECK(parity_diff_tensors(&tr, &tp, &o, &with, NULL) == PARITY_OK);
    size_t calls = 0;
    check_unit(l, PARITY_PROGRESS_ELEMENTS, n, n, &calls);
    /* at least the end; on a busy machine the other workers may take every
     * batch before this thread takes one, so no call before it is certain */
    CHECK_MSG(calls >= 1 && calls <= 17, "%zu calls for 16 batches", calls);
    CHECK(!l->other_thread);
    CHECK_SAME_DBL(with.relative, without.relative);
    CHECK_SAME_DBL(with.abs_mean, without.abs_mean);
    parity_diff_clear(&with);
    parity_diff_clear(&without);
    free(r);
    free(p);
}

/* Explain reports its two passes over 20,000 elements as one count of
 * 40,000, chunk by chunk (4,096 elements), and finds what it finds
 * without a callback. */
static void explain_passes(calls_log *l) {
    size_t n = 20000;
    float *r = ramp(n, 1.0f), *p = ramp(n, 2.0f);
    parity_tensor tr = f32_tensor("x", r, (int64_t)n), tp = f32_tensor("x", p, (int64_t)n);
    parity_explain_opts eo = parity_explain_opts_default();
    parity_explain_result with, without;
    CHECK(parity_explain_tensors(&tr, &tp, &eo, &without, NULL) == PARITY_OK);
    eo.progress = hook(l);
    CHECK(parity_explain_tensors(&tr, &tp, &eo, &with, NULL) == PARITY_OK);
    size_t calls = 0;
    check_unit(l, PARITY_PROGRESS_ELEMENTS, 2 * n, n + 4 * 4096, &calls);
    CHECK_EQ_U64(calls, 10); /* 5 chunks a pass */
    CHECK(with.n > 0 && with.n == without.n);
    CHECK(with.n > 0 && with.h[0].kind == PARITY_HYP_AFFINE && with.h[0].kind == without.h[0].kind);
    CHECK(with.n > 0 && with.h[0].explained == without.h[0].explained);
    parity_explain_clear(&with);
    parity_explain_clear(&without);
    free(r);
    free(p);
}

/* Three stage files in a folder: FILES 0, 1, 2 of 3 while opening; the
 * walk of the folder against itself: STAGES 0, 1, 2 of 3, each followed
 * by its ELEMENTS from 0. */
static void folder_and_walk(calls_log *l, const char *dir) {
    char path[512];
    float x[3][100];
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 100; i++) x[k][i] = (float)(k * 100 + i);
        snprintf(path, sizeof path, "%s/step%d.safetensors", dir, k);
        parity_writer *w = NULL;
        int64_t shape[1] = {100};
        CHECK(parity_writer_open(path, &w, NULL) == PARITY_OK);
        CHECK(parity_writer_add(w, "x", PARITY_DT_F32, 1, shape, x[k], NULL) == PARITY_OK);
        CHECK(parity_writer_close(w, NULL) == PARITY_OK);
    }
    parity_open_opts oo = parity_open_opts_default();
    parity_set *set = NULL;
    oo.progress = hook(l);
    CHECK(parity_set_open(dir, &oo, &set, NULL) == PARITY_OK);
    size_t calls = 0;
    check_unit(l, PARITY_PROGRESS_FILES, 3, 2, &calls);
    CHECK_EQ_U64(calls, 3);
    if (!set) return;
    parity_walk_opts wo = parity_walk_opts_default();
    parity_walk *w = NULL;
    wo.diff.progress = hook(l);
    CHECK(parity_walk_run(set, set, &wo, &w, NULL) == PARITY_OK);
    check_unit(l, PARITY_PROGRESS_STAGES, 3, 2, &calls);
    CHECK_EQ_U64(calls, 3);
    for (size_t i = 0; i + 1 < l->n; i++) /* each stage's elements start at 0 */
        if (l->calls[i].unit == PARITY_PROGRESS_STAGES)
            CHECK(l->calls[i + 1].unit == PARITY_PROGRESS_ELEMENTS && l->calls[i + 1].done == 0);
    CHECK(l->n > 0 && l->calls[0].unit == PARITY_PROGRESS_STAGES);
    CHECK(!l->other_thread);
    parity_walk_free(w);
    parity_set_free(set);
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/step%d.safetensors", dir, k);
        unlink(path);
    }
}

/* parity_diff_many: 300 small pairs and a large one (100,000 elements) on
 * four workers: PAIRS from 0, never decreasing, within 301, from this
 * thread only, the large pair's ELEMENTS in between; the same results as
 * without a callback. */
static void diff_many_pairs(calls_log *l) {
    enum { N = 301, SMALL = 1000, LARGE = 100000 };
    float *r = ramp(LARGE, 1.0f), *p = ramp(LARGE + 4, 1.001f); /* p + 0..4 */
    static parity_tensor tr[N], tp[N];
    static parity_diff_item with[N], without[N];
    for (int i = 0; i < N; i++) {
        int64_t len = i == 7 ? LARGE : SMALL;
        tr[i] = f32_tensor("x", r, len), tp[i] = f32_tensor("x", p + i % 5, len);
        with[i] = without[i] = (parity_diff_item){.ref = &tr[i], .port = &tp[i]};
    }
    parity_diff_opts o = parity_diff_opts_default();
    o.threads = 4;
    CHECK(parity_diff_many(without, N, &o, NULL) == PARITY_OK);
    o.progress = hook(l);
    CHECK(parity_diff_many(with, N, &o, NULL) == PARITY_OK);
    uint64_t prev = 0;
    size_t pairs = 0, elements = 0;
    for (size_t i = 0; i < l->n; i++) {
        const call *c = &l->calls[i];
        if (c->unit == PARITY_PROGRESS_ELEMENTS) {
            elements++;
            CHECK_EQ_U64(c->total, LARGE);
            continue;
        }
        CHECK(c->unit == PARITY_PROGRESS_PAIRS && c->total == N);
        CHECK_MSG(c->done >= prev && c->done <= N, "pairs done %ju after %ju",
                  (uintmax_t)c->done, (uintmax_t)prev);
        if (pairs++ == 0) CHECK_EQ_U64(c->done, 0);
        prev = c->done;
    }
    CHECK(pairs >= 1 && elements >= 1);
    CHECK(!l->other_thread);
    for (int i = 0; i < N; i++) {
        CHECK(with[i].status == PARITY_OK);
        CHECK_SAME_DBL(with[i].diff.relative, without[i].diff.relative);
        parity_diff_clear(&with[i].diff);
        parity_diff_clear(&without[i].diff);
    }
    free(r);
    free(p);
}

/* The defaults report nothing: a call with them leaves the calls_log empty. */
static void defaults_silent(calls_log *l) {
    CHECK(parity_open_opts_default().progress.fn == NULL);
    CHECK(parity_diff_opts_default().progress.fn == NULL);
    CHECK(parity_explain_opts_default().progress.fn == NULL);
    CHECK(parity_walk_opts_default().diff.progress.fn == NULL);
    CHECK(parity_html_opts_default().progress.fn == NULL);
    float r[10] = {1, 2, 3}, p[10] = {1, 2, 4};
    parity_tensor tr = f32_tensor("x", r, 10), tp = f32_tensor("x", p, 10);
    parity_diff d;
    hook(l);
    CHECK(parity_diff_tensors(&tr, &tp, NULL, &d, NULL) == PARITY_OK);
    CHECK_EQ_U64(l->n, 0);
    parity_diff_clear(&d);
}

int main(void) {
    static calls_log l; /* large: not on the stack */
    char dir[] = "/tmp/parity_test_progress_XXXXXX";
    if (!mkdtemp(dir)) return 2;
    diff_threads(&l);
    diff_many_pairs(&l);
    explain_passes(&l);
    folder_and_walk(&l, dir);
    defaults_silent(&l);
    rmdir(dir);
    return TEST_SUMMARY();
}
