/*
 * diff_many.c — parity_diff_many: every pair of a checkpoint on one pool
 * of workers, without a per-pair tax.
 *
 * Comparing 10,000 small tensors one parity_diff_tensors call at a time
 * paid, per pair, a worker allocation (about 200 KiB, so an mmap, page
 * faults and an munmap), a lock, and one core only. Here:
 *   - pairs above one batch (PARITY__SOLO_MAX elements) or with profiles
 *     run first, one after another, each through parity_diff_tensors (its
 *     batches spread over the threads);
 *   - the small ones are cut, in order, into groups of at least
 *     GROUP_ELEMS elements; each of opts->threads workers (the calling
 *     thread is one) takes the next group under a lock and compares its
 *     pairs on its own reused buffers (parity__diff_solo: the same
 *     kernels, chunks and lanes, so the same bits as parity_diff_tensors);
 *   - after a group, the file pages of its tensors are dropped in one
 *     madvise per side when they lie together in the file (one span at
 *     most twice their bytes), else tensor by tensor as usual.
 * Every result lands in its own item, so the thread count cannot change a
 * bit, and nothing is allocated per pair.
 */
#include "acc.h"
#include "core/quant.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PARITY__SOLO_MAX ((uint64_t)16 * PARITY__CHUNK) /* one batch      */
#define GROUP_ELEMS ((uint64_t)1 << 18)   /* 1 MiB of F32 per side a group */
#define MAX_POOL 64

typedef struct pool {
    parity_diff_item *items;
    const parity_diff_opts *opts;
    size_t *group;          /* [n_groups + 1] first item of each group    */
    size_t n_groups, next;  /* next group to hand out (under mu)          */
    pthread_mutex_t mu;
    /* progress (PAIRS), reported by the calling thread only             */
    size_t n, done_first;   /* items; those done before the pool ran      */
    size_t *small_before;   /* [n_groups + 1] small items before a group  */
    pthread_t caller;
} pool;

static const parity_diff_opts *item_opts(const pool *pl, const parity_diff_item *it) {
    return it->opts ? it->opts : pl->opts;
}

/* Small: one batch, no profile; everything else goes the parallel way. */
static int is_small(const parity_diff_item *it, const parity_diff_opts *o) {
    return it->ref && it->port && it->ref->count <= PARITY__SOLO_MAX &&
           o->n_axes == 0;
}

/* Bytes [lo, hi) of t's elements when a streaming pass may drop them. */
static int span_of(const parity_tensor *t, const unsigned char **lo,
                   const unsigned char **hi) {
    if (!t->priv.file_backed || !t->data || !parity__tensor_c_contiguous(t)) return 0;
    uint64_t lo_off, hi_off; /* bytes, whole blocks for quantized types */
    parity__dtype_span(t->dtype, 0, t->count, &lo_off, &hi_off);
    *lo = t->data + lo_off;
    *hi = t->data + hi_off;
    return 1;
}

/* The bounding span of one side's small file-backed tensors in items[a..b)
 * and their bytes; 0 when there is none. */
static int group_span(const pool *pl, size_t a, size_t b, int side,
                      const unsigned char **lo, const unsigned char **hi,
                      uint64_t *bytes) {
    const unsigned char *l, *h;
    *lo = *hi = NULL;
    *bytes = 0;
    for (size_t i = a; i < b; i++) { /* the large pairs were streamed apart */
        const parity_diff_item *it = &pl->items[i];
        const parity_tensor *t = side ? it->port : it->ref;
        if (!is_small(it, item_opts(pl, it)) || !span_of(t, &l, &h)) continue;
        if (!*lo || l < *lo) *lo = l;
        if (!*hi || h > *hi) *hi = h;
        *bytes += (uint64_t)(h - l);
    }
    return *lo != NULL;
}

/* Drop the pages of one side of the group's small tensors: one span when
 * they lie together in one map (the span at most twice their bytes),
 * else each on its own (parity__tensor_release keeps its 1 MiB floor). */
static void release_group(const pool *pl, size_t a, size_t b, int side) {
    const unsigned char *lo, *hi;
    uint64_t bytes;
    if (!group_span(pl, a, b, side, &lo, &hi, &bytes)) return;
    if ((uint64_t)(hi - lo) <= 2 * bytes) {
        parity__release_span(lo, hi);
        return;
    }
    for (size_t i = a; i < b; i++) {
        const parity_diff_item *it = &pl->items[i];
        const parity_tensor *t = side ? it->port : it->ref;
        if (is_small(it, item_opts(pl, it))) parity__tensor_release(t, 0, t->count);
    }
}

static void run_group(pool *pl, parity__solo *s, size_t g) {
    for (int side = 0; side < 2; side++) { /* map the group's pages at once */
        const unsigned char *lo, *hi;
        uint64_t bytes;
        if (group_span(pl, pl->group[g], pl->group[g + 1], side, &lo, &hi, &bytes) &&
            (uint64_t)(hi - lo) <= 2 * bytes)
            parity__populate_span(lo, hi);
    }
    for (size_t i = pl->group[g]; i < pl->group[g + 1]; i++) {
        parity_diff_item *it = &pl->items[i];
        if (!is_small(it, item_opts(pl, it))) continue;
        parity_error e;
        it->status = parity__diff_solo(s, it->ref, it->port, item_opts(pl, it),
                                       &it->diff, it->err ? it->err : &e);
    }
    release_group(pl, pl->group[g], pl->group[g + 1], 0);
    release_group(pl, pl->group[g], pl->group[g + 1], 1);
}

static void *pool_main(void *arg) {
    pool *pl = arg;
    parity__solo *s = parity__solo_new();
    for (;;) {
        pthread_mutex_lock(&pl->mu);
        size_t g = pl->next < pl->n_groups ? pl->next++ : pl->n_groups;
        pthread_mutex_unlock(&pl->mu);
        if (g == pl->n_groups) break;
        if (pthread_equal(pthread_self(), pl->caller))
            parity__progress(&pl->opts->progress, PARITY_PROGRESS_PAIRS,
                             pl->done_first + pl->small_before[g], pl->n);
        if (s) {
            run_group(pl, s, g);
            continue;
        }
        for (size_t i = pl->group[g]; i < pl->group[g + 1]; i++) /* no memory */
            pl->items[i].status = parity__fail(pl->items[i].err, PARITY_E_NOMEM,
                                               PARITY_NO_OFFSET, "out of memory");
    }
    parity__solo_free(s);
    return NULL;
}

/* Cut the small items into groups of about GROUP_ELEMS elements. */
static size_t make_groups(pool *pl, size_t n) {
    size_t g = 0, small = 0;
    uint64_t acc = 0;
    pl->group[0] = pl->small_before[0] = 0;
    for (size_t i = 0; i < n; i++) {
        const parity_diff_item *it = &pl->items[i];
        if (is_small(it, item_opts(pl, it))) acc += it->ref->count + 1, small++;
        if (acc >= GROUP_ELEMS) {
            pl->group[++g] = i + 1;
            pl->small_before[g] = small;
            acc = 0;
        }
    }
    if (pl->group[g] < n) pl->group[++g] = n, pl->small_before[g] = small;
    return g;
}

static void run_pool(pool *pl, int threads) {
    pthread_t tid[MAX_POOL];
    int started[MAX_POOL] = {0};
    int t = threads < 1 ? 1 : threads > MAX_POOL ? MAX_POOL : threads;
    if ((size_t)t > pl->n_groups) t = pl->n_groups ? (int)pl->n_groups : 1;
    for (int i = 1; i < t; i++)
        started[i] = pthread_create(&tid[i], NULL, pool_main, pl) == 0;
    pool_main(pl);
    for (int i = 1; i < t; i++)
        if (started[i]) pthread_join(tid[i], NULL);
}

parity_status parity_diff_many(parity_diff_item *items, size_t n,
                               const parity_diff_opts *opts,
                               parity_error *err) {
    FAIL_IF(n > 0 && !items, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "parity_diff_many: items are required");
    parity_diff_opts dflt = parity_diff_opts_default();
    pool pl = {items, opts ? opts : &dflt, NULL, 0, 0, PTHREAD_MUTEX_INITIALIZER,
               n, 0, NULL, pthread_self()};
    for (size_t i = 0; i < n; i++) { /* the large ones, each in parallel */
        parity_diff_item *it = &items[i];
        memset(&it->diff, 0, sizeof it->diff);
        it->status = PARITY_OK;
        if (it->err) it->err->code = PARITY_OK;
        if (is_small(it, item_opts(&pl, it))) continue;
        parity__progress(&pl.opts->progress, PARITY_PROGRESS_PAIRS, pl.done_first++, n);
        if (!it->ref && !it->port) continue;
        it->status = parity_diff_tensors(it->ref, it->port, item_opts(&pl, it),
                                         &it->diff, it->err);
    }
    pl.group = malloc((n + 1) * sizeof *pl.group);
    pl.small_before = malloc((n + 1) * sizeof *pl.small_before);
    if (!pl.group || !pl.small_before) {
        free(pl.group);
        free(pl.small_before);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                            "parity_diff_many: out of memory");
    }
    pl.n_groups = make_groups(&pl, n);
    run_pool(&pl, pl.opts->threads);
    free(pl.group);
    free(pl.small_before);
    pthread_mutex_destroy(&pl.mu);
    return PARITY_OK;
}
