/*
 * explain_wiring.c — the port's stage is another stage of the reference
 * trace (parity_explain_opts.context): a copy of the wrong tensor
 * (guidance using one branch twice), one step off in a series (x#3 read
 * where x#4 was meant), a difference p − r that equals an earlier stage
 * (a residual added twice: p − r = ref's h.0), or the transpose of the
 * last two axes of a stage (q and k swapped: the port holds kᵀq for qᵀk).
 *
 * Fast: every reference stage of the pair's shape is first compared on a
 * signature, 64 positions spread over the tensor (p, r read once; the
 * stage read at those positions, or at the transposed ones); only a stage
 * whose signature agrees within 1e-3 of the values' energy is then
 * measured over every element, and listed when it explains at least 99%
 * of the difference. Among equal finds, the stage nearest in execution
 * order comes first.
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIG 64

enum { W_EQUAL = 1, W_DIFF, W_DIFF_NEG, W_TRANSPOSED };

typedef struct sig {
    uint64_t pos[SIG], tpos[SIG]; /* positions; the transposed ones        */
    double p[SIG], d[SIG];        /* p and p − r there                     */
    double pp, dd;                /* Σp², Σd² over them                     */
    int constant;                 /* p is the same at every position        */
    int square;                   /* the last two axes are equal            */
} sig;

static uint64_t mix(uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void sig_make(const ex_ctx *x, sig *s) {
    const parity_tensor *t = x->r;
    uint64_t n = t->count;
    s->square = t->ndim >= 2 && t->shape[t->ndim - 1] == t->shape[t->ndim - 2];
    s->pp = s->dd = 0;
    for (int j = 0; j < SIG; j++) {
        uint64_t lo = (uint64_t)j * n / SIG, hi = (uint64_t)(j + 1) * n / SIG;
        s->pos[j] = lo + mix((uint64_t)j) % (hi > lo ? hi - lo : 1);
        if (s->square) {
            int64_t idx[PARITY_MAX_DIMS];
            parity_tensor_unravel(t, s->pos[j], idx);
            uint64_t L = (uint64_t)t->shape[t->ndim - 1];
            uint64_t base = s->pos[j] - (uint64_t)idx[t->ndim - 2] * L - (uint64_t)idx[t->ndim - 1];
            s->tpos[j] = base + (uint64_t)idx[t->ndim - 1] * L + (uint64_t)idx[t->ndim - 2];
        }
        double p = parity__ex_p_at(x, s->pos[j]), r = parity__ex_r_at(x, s->pos[j]);
        s->p[j] = isfinite(p) ? p : 0, s->d[j] = isfinite(p) && isfinite(r) ? p - r : 0;
        s->pp += s->p[j] * s->p[j], s->dd += s->d[j] * s->d[j];
    }
    s->constant = 1;
    for (int j = 1; j < SIG; j++) s->constant &= s->p[j] == s->p[0];
}

/* Which relation the stage's signature supports (0: none). */
static int sig_match(const ex_ctx *x, const sig *s, const parity_tensor *t) {
    double v[SIG], vt[SIG], e[4] = {0};
    for (int j = 0; j < SIG; j++) {
        v[j] = parity__ex_read_at(x, t, s->pos[j]);
        v[j] = isfinite(v[j]) ? v[j] : 0;
        if (s->square) {
            vt[j] = parity__ex_read_at(x, t, s->tpos[j]);
            vt[j] = isfinite(vt[j]) ? vt[j] : 0;
        }
        e[0] += (s->p[j] - v[j]) * (s->p[j] - v[j]);
        e[1] += (s->d[j] - v[j]) * (s->d[j] - v[j]);
        e[2] += (s->d[j] + v[j]) * (s->d[j] + v[j]);
        if (s->square) e[3] += (s->p[j] - vt[j]) * (s->p[j] - vt[j]);
    }
    double tol_p = 1e-3 * s->pp + 1e-300, tol_d = 1e-3 * s->dd + 1e-300;
    /* a constant port (zeros) equals every constant stage: no wiring */
    if (s->pp > 0 && e[0] <= tol_p && !s->constant) return W_EQUAL;
    if (s->dd > 0 && e[1] <= tol_d) return W_DIFF;
    if (s->dd > 0 && e[2] <= tol_d) return W_DIFF_NEG;
    if (s->square && s->pp > 0 && e[3] <= tol_p && !s->constant) return W_TRANSPOSED;
    return 0;
}

/* Σ(p − T)² over every finite pair, T the relation's image of stage t. */
static double full_sq(const ex_ctx *x, const parity_tensor *t, int how) {
    enum { M = 1024 };
    double rb[M], pb[M], tb[M], sq = 0;
    uint64_t count = x->r->count, done = 0, tdone = 0;
    const parity_tensor *rel[3] = {x->r, x->p, how == W_TRANSPOSED ? NULL : t};
    int64_t L = x->r->ndim >= 2 ? x->r->shape[x->r->ndim - 1] : 1;
    for (uint64_t at = 0; at < count; at += M) {
        size_t m = count - at < M ? (size_t)(count - at) : M;
        parity_tensor_read(x->r, at, m, rb);
        parity_tensor_read(x->p, at, m, pb);
        if (how != W_TRANSPOSED) parity_tensor_read(t, at, m, tb);
        for (size_t i = 0; i < m; i++) {
            if (how == W_TRANSPOSED) { /* the square [L, L] block's transpose */
                uint64_t k = at + i, blk = k / ((uint64_t)L * (uint64_t)L) * (uint64_t)L * (uint64_t)L;
                uint64_t ii = (k - blk) / (uint64_t)L, jj = (k - blk) % (uint64_t)L;
                parity_tensor_read(t, blk + jj * (uint64_t)L + ii, 1, &tb[i]);
            }
            if (!isfinite(rb[i]) || !isfinite(pb[i]) || !isfinite(tb[i])) continue;
            double img = how == W_EQUAL || how == W_TRANSPOSED ? tb[i]
                         : how == W_DIFF ? rb[i] + tb[i] : rb[i] - tb[i];
            sq += (pb[i] - img) * (pb[i] - img);
        }
        parity__ex_release(rel, 3, &done, at + m, at + m == count);
        if (how == W_TRANSPOSED) { /* t's blocks before the one being read */
            uint64_t LL = (uint64_t)L * (uint64_t)L, end = (at + m) / LL * LL;
            parity__ex_release(&t, 1, &tdone, at + m == count ? count : end, at + m == count);
        }
    }
    return sq;
}

static int same_shape(const parity_tensor *a, const parity_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int k = 0; k < a->ndim; k++)
        if (a->shape[k] != b->shape[k]) return 0;
    return 1;
}

static int is_float(parity_dtype d) {
    return d == PARITY_DT_F64 || d == PARITY_DT_F32 || d == PARITY_DT_F16 || d == PARITY_DT_BF16 ||
           d == PARITY_DT_F8_E4M3 || d == PARITY_DT_F8_E5M2;
}

static void words(const ex_ctx *x, const parity_tensor *t, int how, long steps, char *buf, size_t cap) {
    const char *me = x->r->name, *pn = x->p->name;
    char off[64] = "";
    if (steps) snprintf(off, sizeof off, ", %ld step%s off", labs(steps), labs(steps) == 1 ? "" : "s");
    if (how == W_EQUAL)
        snprintf(buf, cap, "wiring: the port's %s equals the reference's %s (a copy of another "
                 "stage%s)", pn, t->name, off);
    else if (how == W_DIFF)
        snprintf(buf, cap, "wiring: port - ref = the reference's %s (added twice, as a residual "
                 "added again%s)", t->name, off);
    else if (how == W_DIFF_NEG)
        snprintf(buf, cap, "wiring: port - ref = -(the reference's %s) (missing: a residual or "
                 "term not added%s)", t->name, off);
    else if (t == x->r || strcmp(t->name, me) == 0)
        snprintf(buf, cap, "wiring: the port's %s holds the reference's %s with its last two axes "
                 "transposed (q and k swapped: k q^T for q k^T)", pn, me);
    else
        snprintf(buf, cap, "wiring: the port's %s equals the reference's %s with its last two "
                 "axes transposed (q and k swapped)", pn, t->name);
}

typedef struct find {
    long at;
    int how;
    double sq;
    long dist;
} find;

/* The best find over the context's stages of the pair's shape. */
static void search(const ex_ctx *x, const sig *s, long me, find *best) {
    const parity_set *set = x->o.context;
    best->at = -1, best->how = 0, best->sq = INFINITY, best->dist = 0;
    for (size_t i = 0; i < parity_set_count(set); i++) {
        const parity_tensor *t = parity_set_tensor(set, i);
        if (!t || !same_shape(t, x->r) || !is_float(t->dtype)) continue;
        int how = sig_match(x, s, t);
        if (!how || ((long)i == me && how != W_TRANSPOSED)) continue;
        if ((long)i == me || (me < 0 && strcmp(t->name, x->r->name) == 0))
            if (how != W_TRANSPOSED) continue;
        double sq = full_sq(x, t, how);
        if (!(sq <= 0.01 * x->f.sdd)) continue;
        long dist = me >= 0 ? labs((long)i - me) : 0;
        int better = best->at < 0 || sq < 0.5 * best->sq ||
                     (sq <= 2 * best->sq + 1e-300 && dist < best->dist);
        if (better) best->at = (long)i, best->how = how, best->sq = sq, best->dist = dist;
    }
}

parity_status parity__ex_wiring_candidates(ex_ctx *x, parity_error *err) {
    const parity_set *set = x->o.context;
    if (!set || x->r->count < 2 || x->f.sdd <= 0) return PARITY_OK;
    sig s;
    sig_make(x, &s);
    long me = parity_set_find(set, x->r->name);
    find best;
    search(x, &s, me, &best);
    if (best.at < 0) return PARITY_OK;
    const parity_tensor *t = parity_set_tensor(set, (size_t)best.at);
    long ka = 0, kb = 0, steps = 0;
    if (best.how == W_EQUAL && parity__ex_name_step(x->r->name, t->name, &ka, &kb)) steps = kb - ka;
    char text[256];
    words(x, t, best.how, steps, text, sizeof text);
    double pr[8] = {best.how, (double)best.at, (double)steps};
    return parity__ex_add_measured(x, PARITY_HYP_WIRING, best.sq, text, pr, err);
}
