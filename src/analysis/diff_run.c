/*
 * diff_run.c — parity_diff_tensors: streams two tensors through the pair
 * accumulators in fixed chunks, on one or more POSIX threads.
 *
 * Work is cut into batches of chunks whose boundaries depend only on the
 * element count (and on whether profiles are asked for). Each chunk goes
 * through the fused kernel (kernels_fused.c: one pass over the stored
 * bytes) when the pair allows it, else through the reference kernels on
 * decoded doubles; both give the same bits. Workers take the next batch
 * number under a mutex; every scalar accumulator merges exactly (xsum,
 * counts, min/max with the earliest position on ties), so the thread count
 * cannot change a bit. Profiles sum each batch in TwoSum pairs, then add
 * the pairs exactly (xacc.c): batches are fixed runs of chunks from the
 * tensor's start, so their pairs are the same bits on any thread.
 * A slice of a run (opts->first, opts->end: parity diff --slice) streams
 * only its elements, from a multiple of PARITY__ALIGN, with the shifts of
 * the whole tensor: its accumulators are those of the single run
 * restricted to its chunks, and merge with the other slices' exactly.
 * Memory: per worker a few chunk buffers plus the profile cells; nothing
 * grows with the tensor.
 */
#include "core/quant.h"
#include "fused.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Without profiles nothing depends on where batches end (every merge is
 * exact), so they are larger: 2 MiB of F32 per side, one page table's
 * reach, so two workers rarely fault pages under the same page-table
 * lock. (Mapping each batch ahead with MADV_POPULATE_READ was measured:
 * more system time than the faults it saves.) */
#define PARITY__BATCH_PLAIN 128
/* Pages behind the workers are dropped in runs of at least this much per
 * side: each madvise of a threaded process interrupts the other cores to
 * flush their TLBs (costly in a virtual machine). */
#define RELEASE_RUN_BYTES ((uint64_t)4 << 20)
/* How far (per side) a worker may run ahead of the slowest one: the pages
 * between them stay mapped, and on a busy machine a descheduled worker let
 * the other run gigabytes ahead (440 MiB resident for a 3 GiB pair). */
#define LEAD_BYTES ((uint64_t)32 << 20)
#define MAX_THREADS 64
#define PLAIN_PAUSE_MAX 64

typedef struct run_shared {
    const parity_tensor *ref, *port;
    const parity_diff_opts *opts;
    parity_dtype ulp_dt;
    parity__fused_fn fused; /* NULL: every chunk by the reference path     */
    size_t esz;             /* bytes per element (both sides, when fused)  */
    double kr, kp;
    uint64_t n_batches;
    int batch;              /* chunks per batch                            */
    parity__prof prof[4];
    int n_prof;
    uint64_t lo, hi;       /* the elements compared: all, or a slice's     */
    pthread_mutex_t mu;
    pthread_cond_t turn;   /* a worker's batch moved: one ahead may go on  */
    uint64_t next_batch;   /* next batch to hand out                       */
    uint64_t released;     /* elements before this are dropped (file maps) */
    uint64_t release_run;  /* elements of RELEASE_RUN_BYTES, both sides */
    uint64_t lead;         /* batches of LEAD_BYTES (at least 1)           */
    uint64_t current[MAX_THREADS]; /* batch each worker is on, or NO_BATCH */
    int n_workers;
} run_shared;

typedef struct worker {
    run_shared *sh;
    int id;                 /* index into sh->current                      */
    parity__side_acc r, p;  /* all positions of each side                  */
    parity__pair_acc pair;  /* positions where both are finite             */
    parity__side_acc fr, fp;/* chunks of the fused path (all finite): they */
                            /* belong to r and pair.r alike, merged at end */
    int slow;               /* some chunk went the reference way           */
    int plain_wait;         /* fused chunks left before plain sums are     */
                            /* tried again (after a chunk where they were  */
                            /* not exact)                                 */
    int plain_pause;        /* the last such pause (0: the last try hit)   */
    parity__prof_part part[4];
    double rb[PARITY__CHUNK], pb[PARITY__CHUNK];   /* the chunk as read    */
    double xr[PARITY__CHUNK], xp[PARITY__CHUNK];   /* compacted values     */
    uint64_t pos[PARITY__CHUNK];                   /* their positions      */
} worker;

/* Keep the finite values of x (flag[i] set) at the front, with positions. */
static size_t compact(const double *x, const unsigned char *keep, size_t n,
                      uint64_t first, double *out, uint64_t *pos) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keep[i]) continue;
        out[m] = x[i];
        pos[m++] = first + i;
    }
    return m;
}

/* A chunk with a non-finite value somewhere: compact each side's finite
 * values for its own statistics, then the both-finite pairs. */
static void chunk_slow(worker *w, size_t n, uint64_t first) {
    const run_shared *sh = w->sh;
    unsigned char keep[PARITY__CHUNK];
    parity__side_chunk ch;
    parity__pair_chunk pc;
    const double *src[2] = {w->rb, w->pb};
    parity__side_acc *acc[2] = {&w->r, &w->p};
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < n; i++) keep[i] = (unsigned char)isfinite(src[s][i]);
        size_t m = compact(src[s], keep, n, first, w->xr, w->pos);
        parity__side_kernel(w->xr, m, acc[s]->shift, &ch);
        parity__side_commit(acc[s], &ch, w->xr, first, w->pos);
    }
    for (size_t i = 0; i < n; i++)
        keep[i] = (unsigned char)(isfinite(w->rb[i]) && isfinite(w->pb[i]));
    size_t m = compact(w->rb, keep, n, first, w->xr, w->pos);
    compact(w->pb, keep, n, first, w->xp, w->pos);
    parity__side_kernel(w->xr, m, sh->kr, &ch);
    parity__side_commit(&w->pair.r, &ch, w->xr, first, w->pos);
    parity__side_kernel(w->xp, m, sh->kp, &ch);
    parity__side_commit(&w->pair.p, &ch, w->xp, first, w->pos);
    parity__pair_kernel(w->xr, w->xp, m, sh->kr, sh->kp, sh->opts->atol,
                        sh->opts->rtol, &pc);
    parity__pair_commit(&w->pair, &pc, w->xr, w->xp, m, first, w->pos);
    if (sh->ulp_dt != PARITY_DT_INVALID)
        parity__pair_ulp(&w->pair, sh->ulp_dt, w->xr, w->xp, m, first, w->pos);
    parity__pair_nonfinite(&w->pair, w->rb, w->pb, n, first);
}

/* All finite (the usual case): each side's statistics are also the
 * pair-restricted ones, so each kernel runs once. cr, cp: the side kernels'
 * results, already computed on the raw chunk. */
static void chunk_fast(worker *w, size_t n, uint64_t first,
                       const parity__side_chunk *cr,
                       const parity__side_chunk *cp) {
    const run_shared *sh = w->sh;
    parity__pair_chunk pc;
    w->r.count += n;
    w->p.count += n;
    parity__side_commit(&w->r, cr, w->rb, first, NULL);
    parity__side_commit(&w->pair.r, cr, w->rb, first, NULL);
    parity__side_commit(&w->p, cp, w->pb, first, NULL);
    parity__side_commit(&w->pair.p, cp, w->pb, first, NULL);
    parity__pair_kernel(w->rb, w->pb, n, sh->kr, sh->kp, sh->opts->atol,
                        sh->opts->rtol, &pc);
    parity__pair_commit(&w->pair, &pc, w->rb, w->pb, n, first, NULL);
    if (sh->ulp_dt != PARITY_DT_INVALID)
        parity__pair_ulp(&w->pair, sh->ulp_dt, w->rb, w->pb, n, first, NULL);
}

static void run_chunk(worker *w, uint64_t first, size_t n) {
    run_shared *sh = w->sh;
    w->slow = 1;
    parity__side_chunk cr, cp;
    parity_tensor_read(sh->ref, first, n, w->rb);
    parity_tensor_read(sh->port, first, n, w->pb);
    for (int k = 0; k < sh->n_prof; k++)
        parity__prof_add(&w->part[k], &sh->prof[k], w->rb, w->pb, n, first);
    parity__side_kernel(w->rb, n, sh->kr, &cr);
    parity__side_kernel(w->pb, n, sh->kp, &cp);
    if (cr.n_bad == 0 && cp.n_bad == 0) {
        chunk_fast(w, n, first, &cr, &cp);
        return;
    }
    parity__side_count(&w->r, w->rb, n);
    parity__side_count(&w->p, w->pb, n);
    chunk_slow(w, n, first);
}

/* A chunk through the fused kernel: one pass over the stored bytes. The
 * values are decoded into rb/pb only when a new extremum's position must
 * be found (rare), and the whole chunk goes the reference way when it
 * holds a non-finite value or a lane sum overflowed. */
static void chunk_fused(worker *w, uint64_t first, size_t n) {
    run_shared *sh = w->sh;
    parity__fused_out o;
    parity__fused_in in = {sh->kr, sh->kp, sh->opts->atol, sh->opts->rtol,
                           w->pair.rtol_max, w->pair.abs_max_at == PARITY__NO_POS,
                           w->plain_wait == 0};
    sh->fused(sh->ref->data + first * sh->esz, sh->port->data + first * sh->esz,
              n, &in, &o);
    /* A miss cost a second pass. The pause after one doubles with each miss
     * in a row (up to PLAIN_PAUSE_MAX chunks) and is forgotten at the first
     * hit: a chunk with a stray tiny value costs one pass more, data whose
     * sums are never exact one pass in PLAIN_PAUSE_MAX + 1. The bits are the
     * same either way. */
    if (o.plain_missed) {
        w->plain_pause = w->plain_pause ? 2 * w->plain_pause : 1;
        if (w->plain_pause > PLAIN_PAUSE_MAX) w->plain_pause = PLAIN_PAUSE_MAX;
        w->plain_wait = w->plain_pause;
    } else if (in.plain) {
        w->plain_pause = 0;
    } else {
        w->plain_wait--;
    }
    if (!o.clean) {
        run_chunk(w, first, n);
        return;
    }
    if (parity__side_wants_pos(&w->fr, &o.r, first) ||
        parity__side_wants_pos(&w->fp, &o.p, first) ||
        parity__pair_wants_pos(&w->pair, &o.pair, n, first) ||
        (!in.first && parity__ulp_wants_pos(&w->pair, o.max_ulp, first))) {
        parity_tensor_read(sh->ref, first, n, w->rb);
        parity_tensor_read(sh->port, first, n, w->pb);
    }
    w->r.count += n;
    w->p.count += n;
    parity__side_commit(&w->fr, &o.r, w->rb, first, NULL);
    parity__side_commit(&w->fp, &o.p, w->pb, first, NULL);
    parity__pair_commit(&w->pair, &o.pair, w->rb, w->pb, n, first, NULL);
    if (in.first)
        parity__pair_ulp_at(&w->pair, o.max_ulp, first + o.pos_ulp);
    else
        parity__pair_ulp_best(&w->pair, sh->ulp_dt, o.max_ulp, w->rb, w->pb, n,
                              first, NULL);
}

/* Add this batch's profile cells into the totals (exact sums: in any
 * order). */
static void merge_batch(worker *w) {
    run_shared *sh = w->sh;
    pthread_mutex_lock(&sh->mu);
    for (int k = 0; k < sh->n_prof; k++) parity__prof_merge(&sh->prof[k], &w->part[k]);
    pthread_mutex_unlock(&sh->mu);
}

#define NO_BATCH UINT64_MAX

/* The lowest batch another worker holds (NO_BATCH: none). */
static uint64_t lowest_other(const run_shared *sh, int id) {
    uint64_t low = NO_BATCH;
    for (int i = 0; i < sh->n_workers; i++)
        if (i != id && sh->current[i] < low) low = sh->current[i];
    return low;
}

/* Hand out the next batch and pick the range of elements no worker will
 * touch again: every batch below the lowest one in progress is finished
 * (batches go out in order, one per worker at a time). One batch more is
 * kept, because a page fault maps neighbouring cached pages too (the
 * kernel's fault-around, up to 64 KiB), possibly just behind a worker.
 * Pages go in runs of at least RELEASE_RUN_BYTES on both sides. */
static uint64_t next_batch(worker *w, uint64_t *rel_lo, uint64_t *rel_hi) {
    run_shared *sh = w->sh;
    uint64_t per = (uint64_t)sh->batch * PARITY__CHUNK;
    pthread_mutex_lock(&sh->mu);
    uint64_t b = sh->next_batch++;
    sh->current[w->id] = b < sh->n_batches ? b : NO_BATCH;
    pthread_cond_broadcast(&sh->turn); /* the lowest batch may have moved */
    /* more than lead batches ahead of another worker: wait for it (the
     * worker on the lowest batch never waits, so some worker always runs) */
    for (uint64_t low; b < sh->n_batches && (low = lowest_other(sh, w->id)) != NO_BATCH &&
                       b > low && b - low > sh->lead;)
        pthread_cond_wait(&sh->turn, &sh->mu);
    uint64_t low = NO_BATCH;
    for (int i = 0; i < sh->n_workers; i++)
        if (sh->current[i] < low) low = sh->current[i];
    uint64_t safe = low == NO_BATCH ? sh->n_batches : low > 0 ? low - 1 : 0;
    uint64_t done = sh->lo + safe * per;
    if (done > sh->hi) done = sh->hi;
    *rel_lo = *rel_hi = sh->released;
    if (done >= sh->released + sh->release_run) {
        *rel_hi = done;
        sh->released = done;
    }
    pthread_mutex_unlock(&sh->mu);
    return b;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    run_shared *sh = w->sh;
    uint64_t end = sh->hi;
    uint64_t count = sh->hi - sh->lo; /* of a slice: its own elements */
    for (;;) {
        uint64_t rel_lo, rel_hi;
        uint64_t b = next_batch(w, &rel_lo, &rel_hi);
        if (w->id == 0) /* the calling thread: batches before b are handed out */
            parity__progress(&sh->opts->progress, PARITY_PROGRESS_ELEMENTS,
                             b < sh->n_batches ? b * (uint64_t)sh->batch * PARITY__CHUNK : count,
                             count);
        if (rel_hi > rel_lo) {
            parity__tensor_release(sh->ref, rel_lo, rel_hi - rel_lo);
            parity__tensor_release(sh->port, rel_lo, rel_hi - rel_lo);
        }
        if (b >= sh->n_batches) break;
        uint64_t lo = sh->lo + b * (uint64_t)sh->batch * PARITY__CHUNK;
        for (int c = 0; c < sh->batch && lo < end; c++, lo += PARITY__CHUNK) {
            uint64_t left = end - lo;
            size_t n = left < PARITY__CHUNK ? (size_t)left : PARITY__CHUNK;
            if (sh->fused) chunk_fused(w, lo, n);
            else run_chunk(w, lo, n);
        }
        if (sh->n_prof) merge_batch(w);
    }
    return NULL;
}

static void worker_free(worker *w, int n_prof) {
    if (!w) return;
    for (int k = 0; k < n_prof; k++) free(w->part[k].cells);
    free(w);
}

/* Fresh accumulators for the pair of sh (the buffers are kept). */
static void worker_reset(worker *w, run_shared *sh, int id) {
    w->sh = sh;
    w->id = id;
    parity__side_init(&w->r, sh->kr);
    parity__side_init(&w->p, sh->kp);
    parity__pair_init(&w->pair, sh->kr, sh->kp);
    parity__side_init(&w->fr, sh->kr);
    parity__side_init(&w->fp, sh->kp);
    /* integer sides: sums and means exact (int_sum.c) */
    parity__side_track_ints(&w->r, sh->ref);
    parity__side_track_ints(&w->pair.r, sh->ref);
    parity__side_track_ints(&w->fr, sh->ref);
    parity__side_track_ints(&w->p, sh->port);
    parity__side_track_ints(&w->pair.p, sh->port);
    parity__side_track_ints(&w->fp, sh->port);
    w->slow = 0;
}

/* What a new worker holds before its first pair (worker_reset is per pair:
 * the plain-sum hint carries over, as the next tensor is often alike). */
static void worker_clear(worker *w) {
    memset(w->part, 0, sizeof w->part);
    w->plain_wait = w->plain_pause = 0;
}

static worker *worker_new(run_shared *sh, int id) {
    worker *w = malloc(sizeof *w);
    if (!w) return NULL;
    worker_clear(w);
    worker_reset(w, sh, id);
    for (int k = 0; k < sh->n_prof; k++) {
        if (parity__prof_part_alloc(&w->part[k], &sh->prof[k]) != PARITY_OK) {
            worker_free(w, k);
            return NULL;
        }
    }
    return w;
}

/* The fused chunks belong to every side accumulator of the worker. When
 * no chunk went the reference way, r and pair.r hold nothing but counts:
 * a copy is the same merge (every later use carries the digits first). */
static void worker_fold(worker *w) {
    if (!w->slow) {
        uint64_t nr = w->r.count, np = w->p.count;
        w->r = w->pair.r = w->fr;
        w->p = w->pair.p = w->fp;
        w->r.count = nr, w->p.count = np;
        w->pair.r.count = w->pair.p.count = 0;
        return;
    }
    parity__side_merge(&w->r, &w->fr);
    parity__side_merge(&w->pair.r, &w->fr);
    parity__side_merge(&w->p, &w->fp);
    parity__side_merge(&w->pair.p, &w->fp);
}

/* Run n workers (the calling thread is worker 0) and merge them into
 * ws[0]. A thread that cannot be started just leaves its share to the
 * others: batches are handed out dynamically. */
static void run_workers(worker **ws, int n) {
    pthread_t tid[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (int i = 1; i < n; i++)
        started[i] = pthread_create(&tid[i], NULL, worker_main, ws[i]) == 0;
    worker_main(ws[0]);
    for (int i = 1; i < n; i++) {
        if (started[i]) pthread_join(tid[i], NULL);
    }
    for (int i = 0; i < n; i++) worker_fold(ws[i]);
    for (int i = 1; i < n; i++) {
        parity__side_merge(&ws[0]->r, &ws[i]->r);
        parity__side_merge(&ws[0]->p, &ws[i]->p);
        parity__pair_merge(&ws[0]->pair, &ws[i]->pair);
    }
}

static parity_status check_pair(const parity_tensor *r, const parity_tensor *p,
                                const parity_diff_opts *o, parity_error *err) {
    char a[256], b[256];
    const char *file = r->file ? r->file : "?", *name = r->name ? r->name : "?";
    FAIL_IF(parity_dtype_block(r->dtype, NULL, NULL) < 0 ||
                parity_dtype_block(p->dtype, NULL, NULL) < 0,
            err, PARITY_E_USAGE, PARITY_NO_OFFSET, "%s: tensor '%s': invalid dtype",
            file, name);
    int same = r->ndim == p->ndim && r->count == p->count;
    for (int k = 0; same && k < r->ndim; k++) same = r->shape[k] == p->shape[k];
    FAIL_IF(!same, err, PARITY_E_SHAPE, PARITY_NO_OFFSET,
            "%s: tensor '%s': shape %s vs %s: align the layouts first", file,
            name, parity_shape_str(r, a, sizeof a), parity_shape_str(p, b, sizeof b));
    FAIL_IF(o->end && (o->first >= o->end || o->end > r->count ||
                       o->first % PARITY__ALIGN != 0),
            err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: tensor '%s': elements [%llu, %llu) are no slice of its %llu (a "
            "slice starts at a multiple of %llu)", file, name,
            (unsigned long long)o->first, (unsigned long long)o->end,
            (unsigned long long)r->count, (unsigned long long)PARITY__ALIGN);
    return PARITY_OK;
}

/* The fused kernel when both tensors store the same float dtype it
 * handles, contiguously in native order, and no profile needs the decoded
 * values; NULL otherwise (and for PARITY_SIMD_SCALAR). */
static parity__fused_fn fused_kernel_for(const parity_tensor *r,
                                         const parity_tensor *p,
                                         const parity_diff_opts *o) {
    if (r->dtype != p->dtype || r->byteswap || p->byteswap || o->n_axes > 0)
        return NULL;
    if (!r->data || !p->data || !parity__tensor_c_contiguous(r) ||
        !parity__tensor_c_contiguous(p))
        return NULL;
    return parity__fused_kernel(r->dtype, parity__isa_best((int)o->simd));
}

/* What every run needs: shifts, ULP dtype, kernel, batches. */
static void shared_core(run_shared *sh, const parity_tensor *ref,
                        const parity_tensor *port, const parity_diff_opts *o,
                        double *buf) {
    memset(sh, 0, sizeof *sh);
    sh->ref = ref, sh->port = port, sh->opts = o;
    sh->ulp_dt = parity__ulp_dtype(ref->dtype, port->dtype);
    sh->fused = fused_kernel_for(ref, port, o);
    parity__isa isa = parity__isa_best((int)o->simd);
    size_t first = ref->count < PARITY__CHUNK ? (size_t)ref->count : PARITY__CHUNK;
    if (!sh->fused || !parity__fused_shift(ref->dtype, isa, ref->data, first, &sh->kr))
        sh->kr = ref->count ? parity__shift_of(ref, buf) : 0.0;
    if (!sh->fused || !parity__fused_shift(port->dtype, isa, port->data, first, &sh->kp))
        sh->kp = port->count ? parity__shift_of(port, buf) : 0.0;
    sh->lo = o->end ? o->first : 0;
    sh->hi = o->end ? o->end : ref->count;
    sh->released = sh->lo;
    sh->batch = o->n_axes > 0 ? PARITY__BATCH : PARITY__BATCH_PLAIN;
    uint64_t per = (uint64_t)sh->batch * PARITY__CHUNK;
    sh->n_batches = (sh->hi - sh->lo) / per + ((sh->hi - sh->lo) % per != 0);
    /* elements per release: the narrower side's (whole blocks for
     * quantized types, core/quant.h) */
    uint64_t er = parity__dtype_elems_for_bytes(ref->dtype, RELEASE_RUN_BYTES);
    uint64_t ep = parity__dtype_elems_for_bytes(port->dtype, RELEASE_RUN_BYTES);
    sh->release_run = er > ep ? er : ep;
    uint64_t lr = parity__dtype_elems_for_bytes(ref->dtype, LEAD_BYTES);
    uint64_t lp = parity__dtype_elems_for_bytes(port->dtype, LEAD_BYTES);
    sh->lead = (lr < lp ? lr : lp) / per;
    sh->lead = sh->lead ? sh->lead : 1;
    for (int i = 0; i < MAX_THREADS; i++) /* until it takes one, a worker */
        sh->current[i] = NO_BATCH;        /* holds nothing (started or not) */
    sh->esz = parity_dtype_size(ref->dtype);
}

/* Shared state ready to run: the core, profiles, lock. */
static parity_status shared_setup(run_shared *sh, const parity_tensor *ref,
                                  const parity_tensor *port,
                                  const parity_diff_opts *o, parity_error *err) {
    double buf[PARITY__CHUNK];
    shared_core(sh, ref, port, o, buf);
    /* an empty tensor has no index to break down, and its declared axes
     * (which may be 2^30 long) would size profiles no data is behind */
    sh->n_prof = ref->count ? o->n_axes : 0;
    if (sh->n_prof) TRY(parity__prof_setup(sh->prof, o, ref, err));
    pthread_mutex_init(&sh->mu, NULL);
    pthread_cond_init(&sh->turn, NULL);
    return PARITY_OK;
}

parity_status parity_diff_tensors(const parity_tensor *ref,
                                  const parity_tensor *port,
                                  const parity_diff_opts *opts,
                                  parity_diff *out, parity_error *err) {
    FAIL_IF(!ref || !port || !out, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "parity_diff_tensors: both tensors and the output are required");
    parity_diff_opts o = opts ? *opts : parity_diff_opts_default();
    memset(out, 0, sizeof *out);
    TRY(check_pair(ref, port, &o, err));
    run_shared sh;
    TRY(shared_setup(&sh, ref, port, &o, err));
    int n = o.threads < 1 ? 1 : o.threads > MAX_THREADS ? MAX_THREADS : o.threads;
    if ((uint64_t)n > sh.n_batches) n = sh.n_batches ? (int)sh.n_batches : 1;
    worker *ws[MAX_THREADS] = {0};
    parity_status st = PARITY_OK;
    for (int i = 0; i < n && st == PARITY_OK; i++)
        if (!(ws[i] = worker_new(&sh, i))) st = PARITY_E_NOMEM;
    sh.n_workers = n;
    if (st == PARITY_OK) {
        run_workers(ws, n);
        parity__tensor_release(ref, sh.released, sh.hi - sh.released);
        parity__tensor_release(port, sh.released, sh.hi - sh.released);
        parity__pair_finish(&ws[0]->pair, &ws[0]->r, &ws[0]->p, &o, sh.ulp_dt, out);
        if (o.keep_state)
            st = parity__state_keep(out, &ws[0]->r, &ws[0]->p, &ws[0]->pair, sh.prof,
                                    sh.n_prof, err);
        if (st == PARITY_OK) st = parity__prof_finish(sh.prof, sh.n_prof, out, err);
    } else {
        parity__fail(err, st, PARITY_NO_OFFSET, "%s: tensor '%s': out of memory",
                     ref->file ? ref->file : "?", ref->name ? ref->name : "?");
    }
    for (int i = 0; i < n; i++) worker_free(ws[i], sh.n_prof);
    parity__prof_free(sh.prof, sh.n_prof);
    pthread_mutex_destroy(&sh.mu);
    pthread_cond_destroy(&sh.turn);
    if (st != PARITY_OK) parity_diff_clear(out);
    return st;
}

/* ---- one pair on one reused worker (parity_diff_many) ----------------- */

struct parity__solo {
    worker w;
};

parity__solo *parity__solo_new(void) {
    parity__solo *s = malloc(sizeof *s);
    if (s) worker_clear(&s->w);
    return s;
}

void parity__solo_free(parity__solo *s) {
    free(s);
}

parity_status parity__diff_solo(parity__solo *s, const parity_tensor *ref,
                                const parity_tensor *port,
                                const parity_diff_opts *o, parity_diff *out,
                                parity_error *err) {
    memset(out, 0, sizeof *out);
    TRY(check_pair(ref, port, o, err));
    FAIL_IF(o->n_axes != 0, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "parity__diff_solo: profiles need parity_diff_tensors");
    run_shared sh;
    worker *w = &s->w;
    shared_core(&sh, ref, port, o, w->xr); /* xr is scratch until chunks */
    sh.n_workers = 1;
    worker_reset(w, &sh, 0);
    for (uint64_t lo = sh.lo; lo < sh.hi; lo += PARITY__CHUNK) {
        uint64_t left = sh.hi - lo;
        size_t n = left < PARITY__CHUNK ? (size_t)left : PARITY__CHUNK;
        if (sh.fused) chunk_fused(w, lo, n);
        else run_chunk(w, lo, n);
    }
    worker_fold(w);
    parity__pair_finish(&w->pair, &w->r, &w->p, o, sh.ulp_dt, out);
    if (o->keep_state) return parity__state_keep(out, &w->r, &w->p, &w->pair, NULL, 0, err);
    return PARITY_OK;
}
