/*
 * solver.c — ODE solver forensics (docs/trace.md): the time schedule and the
 * classifier-free-guidance weight each side really used, inferred from the
 * traced tensors alone.
 *
 * Euler step k moves the state by dt_k along the velocity v_k, so
 *   dt_k = <Δx_k, v_k> / <v_k, v_k>          (least squares)
 *   fit_k = ‖Δx_k − dt_k·v_k‖ / ‖Δx_k‖ = √(1 − <Δx,v>²/(‖Δx‖²‖v‖²))
 * Whether a traced state x_k is the state before step k (v_k evaluated at
 * it) or after it is not recorded, so both alignments are fitted on the
 * reference and the one that explains its steps better (smaller worst fit
 * first, see choose_after) is used for both sides. Under "after" the state
 * before the first step is the initial state: an input (the noise) or
 * x0_name. A step whose states are not both traced keeps its row, with
 * dt = NaN and the reason (parity_step_status).
 *
 * Guidance g = (1 + w)·c − w·u = c + w·(c − u) gives per step
 *   w = <g − c, c − u> / <c − u, c − u>.
 * All inner products read the aligned views of each pair in chunks, with
 * compensated (Neumaier) sums.
 */
#include "internal.h"
#include "analysis/steps.h"
#include "analysis/walk_internal.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 4096

typedef struct ksum {
    double s, c;
} ksum;

static void ksum_add(ksum *k, double x) {
    double t = k->s + x;
    k->c += fabs(k->s) >= fabs(x) ? (k->s - t) + x : (x - t) + k->s;
    k->s = t;
}

/* Over equally shaped tensors, with x = a − b and y = c − d (b and d may be
 * NULL, meaning zero): out[0] = Σx², out[1] = Σx·y, out[2] = Σy², skipping
 * non-finite positions. Schedules use (x_{k+1}, x_k, v, NULL); guidance
 * uses (g, c, c, u). Returns 0 when out of memory. */
static int dots(const parity_tensor *a, const parity_tensor *b,
                const parity_tensor *c, const parity_tensor *d, double out[3]) {
    double *buf = malloc(4 * CHUNK * sizeof *buf);
    if (!buf) return 0;
    double *va = buf, *vb = buf + CHUNK, *vc = buf + 2 * CHUNK, *vd = buf + 3 * CHUNK;
    ksum s[3] = {{0, 0}, {0, 0}, {0, 0}};
    for (uint64_t at = 0; at < a->count; at += CHUNK) {
        size_t n = a->count - at < CHUNK ? (size_t)(a->count - at) : CHUNK;
        parity_tensor_read(a, at, n, va);
        parity_tensor_read(c, at, n, vc);
        if (b) parity_tensor_read(b, at, n, vb); else memset(vb, 0, n * sizeof *vb);
        if (d) parity_tensor_read(d, at, n, vd); else memset(vd, 0, n * sizeof *vd);
        for (size_t i = 0; i < n; i++) {
            double x = va[i] - vb[i], y = vc[i] - vd[i];
            if (!isfinite(x) || !isfinite(y)) continue;
            ksum_add(&s[0], x * x);
            ksum_add(&s[1], x * y);
            ksum_add(&s[2], y * y);
        }
    }
    free(buf);
    for (int i = 0; i < 3; i++) out[i] = s[i].s + s[i].c;
    return 1;
}

/* ---- how closely two estimates can agree ------------------------------ */

/* The coarser of acc and t's dtype (fewer mantissa bits), floats only. */
static void coarsest(parity_dtype *acc, const parity_tensor *t) {
    if (!t || !parity_dtype_is_float(t->dtype)) return;
    if (*acc == PARITY_DT_INVALID ||
        parity_dtype_mantissa_bits(t->dtype) < parity_dtype_mantissa_bits(*acc))
        *acc = t->dtype;
}

/* The relative tolerance two estimates read from tensors stored in dt
 * agree within: 1e-4 (a schedule or weight computed in another order,
 * float32), or 8 unit roundoffs u = 2^-(mantissa bits + 1) of a coarser
 * storage. Each estimate is a ratio of inner products of differences of
 * three stored tensors, each rounded by up to u, and a port computing in
 * that precision rounds its step size and weight too: ports that differ
 * only by F16 storage or F16 arithmetic measured up to 0.8u (of the
 * largest |dt|, and of w), so 8u leaves a margin of ten while a cosine
 * against a linear schedule (x8 at the first step) or w 0.7 against 1.0
 * (30% of the largest) stays far outside it. */
static double agreement_tol(parity_dtype dt) {
    if (dt == PARITY_DT_INVALID) return 1e-4;
    double u = parity__unit_roundoff(dt);
    return 8 * u > 1e-4 ? 8 * u : 1e-4;
}

/* ---- locating the solver's tensors ------------------------------------- */

/* The longest series all of whose names match glob, or NULL. */
/* Does a member's name match glob? Repeated calls are "name#k" (the
 * tracers' suffix, the first call without it): their base name is tested,
 * so the default "*.x" finds "ode.x", "ode.x#1", ... as it finds
 * "ode.step1.x", "ode.step2.x", .... */
static int member_matches(const char *glob, const char *name) {
    char base[512];
    if (fnmatch(glob, name, 0) == 0) return 1;
    parity__step_split(name, base, sizeof base);
    return strcmp(base, name) != 0 && fnmatch(glob, base, 0) == 0;
}

static const parity_series *best_series(const parity_walk *w, const char *glob) {
    const parity_series *best = NULL;
    size_t best_n = 1;
    for (size_t i = 0; glob && i < w->n_series; i++) {
        const parity_series *s = &w->series[i];
        size_t n = 0;
        for (size_t j = 0; j < s->n; j++)
            n += member_matches(glob, w->stages[s->stage[j]].pair->ref->name);
        if (n == s->n && n > best_n) {
            best = s;
            best_n = n;
        }
    }
    return best;
}

/* The stage of series s with number k, or -1. */
static long member(const parity_series *s, int64_t k) {
    for (size_t j = 0; s && j < s->n; j++)
        if (s->k[j] == k) return (long)s->stage[j];
    return -1;
}

static const parity_tensor *side(const parity_walk *w, long stage, int port) {
    const parity_pair *p = w->stages[stage].pair;
    return port ? &p->port_view : &p->ref_view;
}

static int same_shape(const parity_tensor *a, const parity_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

/* The stage that is the initial state: the one named x0_name (either
 * side's name), or the first input whose name contains "noise"; -1 when
 * there is none. */
static long x0_stage(const parity_walk *w) {
    const char *want = w->opts.x0_name;
    for (size_t i = 0; i < w->n_stages; i++) {
        const parity_pair *p = w->stages[i].pair;
        if (want ? strcmp(p->ref->name, want) == 0 || strcmp(p->port->name, want) == 0
                 : p->ref->is_input && strstr(p->ref->name, "noise") != NULL)
            return (long)i;
    }
    return -1;
}

/* The initial state, when its layouts align; -1 otherwise. */
static long initial_state(const parity_walk *w) {
    long i = x0_stage(w);
    return i >= 0 && w->stages[i].pair->layout_ok ? i : -1;
}

/* A named initial state that is not a stage is a usage error, not a
 * silently missing first step. */
static parity_status check_x0(const parity_walk *w, parity_error *err) {
    const char *want = w->opts.x0_name;
    if (!want || x0_stage(w) >= 0) return PARITY_OK;
    return parity__fail(err, PARITY_E_NOTFOUND, PARITY_NO_OFFSET,
                        "%s: x0 '%s': no stage of that name (the solver's "
                        "initial state) among the stages compared with %s",
                        parity_set_path(w->ref), want, parity_set_path(w->port));
}

/* ---- schedules --------------------------------------------------------- */

/* One side's solver tensors: its state and velocity steps, and the
 * initial state (view NULL: none). */
typedef struct side_solver {
    parity__side_steps x, v;
    parity__step_tensor x0;
} side_solver;

/* dt and fit of one step on one side: states from -> to, velocity v.
 * Δx = 0 with v != 0 is the worst fit there is (1): the state did not
 * move although the velocity says it should, which is what a state series
 * read under the wrong alignment (x_1 = the noise) looks like. Returns a
 * parity_step_status, or -1 when out of memory. */
static int step_fit(parity__step_tensor from, parity__step_tensor to, parity__step_tensor vel,
                    double *dt, double *fit) {
    int views = from.paired && to.paired && vel.paired;
    const parity_tensor *a = views ? to.view : to.raw, *b = views ? from.view : from.raw,
                        *c = views ? vel.view : vel.raw;
    if (!same_shape(a, b) || !same_shape(a, c)) return PARITY_STEP_SHAPE;
    double s[3];
    if (!dots(a, b, c, NULL, s)) return -1;
    if (!(s[2] > 0)) return PARITY_STEP_ZERO_V;
    *dt = s[1] / s[2];
    if (!(s[0] > 0)) {
        *fit = 1;
        return PARITY_STEP_OK;
    }
    double r = 1 - s[1] * s[1] / (s[0] * s[2]);
    *fit = sqrt(r > 0 ? r : 0);
    return PARITY_STEP_OK;
}

/* The states before (*a) and after (*b) step k of one side under
 * alignment `after` (x_k is the state after step k) or, when one is not
 * traced, why not. kmin is the side's first velocity step. */
static int step_states(const side_solver *sd, int64_t k, int after, int64_t kmin,
                       parity__step_tensor *a, parity__step_tensor *b) {
    long i = parity__side_steps_find(&sd->x, after ? k - 1 : k);
    long j = parity__side_steps_find(&sd->x, after ? k : k + 1);
    if (i < 0 && after && k == kmin) {
        if (!sd->x0.view) return PARITY_STEP_NO_X0;
        *a = sd->x0;
    } else if (i >= 0) {
        *a = sd->x.t[i];
    } else {
        return PARITY_STEP_NO_BEFORE;
    }
    if (j < 0) return PARITY_STEP_NO_AFTER;
    *b = sd->x.t[j];
    return PARITY_STEP_OK;
}

/* Step k of one side (row index j of its velocities): dt and fit, or why
 * there is none. */
static int side_step(const side_solver *sd, size_t j, int after, double *dt, double *fit) {
    parity__step_tensor a, b;
    int st = step_states(sd, sd->v.k[j], after, sd->v.k[0], &a, &b);
    return st == PARITY_STEP_OK ? step_fit(a, b, sd->v.t[j], dt, fit) : st;
}

/* How well one alignment explains one side's steps: the number of steps
 * it can fit, and the worst fit among them (INFINITY when none). */
static size_t alignment_fit(const side_solver *sd, int after, double *worst) {
    size_t n = 0;
    *worst = -1;
    for (size_t j = 0; j < sd->v.n; j++) {
        double dt, fit;
        if (side_step(sd, j, after, &dt, &fit) != PARITY_STEP_OK) continue;
        n++;
        if (fit > *worst) *worst = fit;
    }
    if (n == 0) *worst = INFINITY;
    return n;
}

/* Worst fits below FIT_GOOD are all Euler steps (float32 rounding of the
 * states gives 1e-7..1e-5, f16 about 1e-3); above it they are ranked. */
#define FIT_GOOD 1e-3

/* Fit quality first: the alignment whose worst fit is better wins, all
 * fits below FIT_GOOD counting as equal. Only between equally good ones
 * does the number of steps decide (successive velocities that point the
 * same way make both alignments fit, and the shorter one drops a step),
 * then the smaller worst fit. Counting steps first would let a wrong
 * alignment win by one step it "fits" perfectly because Δx = 0 there. */
static int choose_after(const side_solver *ref) {
    double fa, fb;
    size_t na = alignment_fit(ref, 1, &fa);
    size_t nb = alignment_fit(ref, 0, &fb);
    double qa = fa > FIT_GOOD ? fa : FIT_GOOD, qb = fb > FIT_GOOD ? fb : FIT_GOOD;
    if (qa != qb) return qa < qb;
    if (na != nb) return na > nb;
    return fa <= fb;
}

void parity__schedule_free(parity_schedule *s) {
    if (!s) return;
    free(s->k);
    free(s->status);
    free(s->dt_ref);
    free(s->dt_port);
    free(s->t_ref);
    free(s->t_port);
    free(s);
}

static parity_schedule *schedule_new(size_t n) {
    parity_schedule *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->k = calloc(n, sizeof *s->k);
    s->status = calloc(n, sizeof *s->status);
    s->dt_ref = calloc(n, sizeof(double));
    s->dt_port = calloc(n, sizeof(double));
    s->t_ref = calloc(n + 1, sizeof(double));
    s->t_port = calloc(n + 1, sizeof(double));
    if (!s->k || !s->status || !s->dt_ref || !s->dt_port || !s->t_ref || !s->t_port) {
        parity__schedule_free(s);
        return NULL;
    }
    return s;
}

/* Step k on one side into *dt (NaN when unknown), its worst fit into
 * *worst; returns its status, PARITY_STEP_OK when the side has no such
 * step (the caller marks the row one-sided), or -1 when out of memory. */
static int row_side(const side_solver *sd, int64_t k, int after, double *dt, double *worst,
                    int *fitted) {
    long j = parity__side_steps_find(&sd->v, k);
    double fit = 0;
    *dt = NAN;
    if (j < 0) return PARITY_STEP_OK;
    int st = side_step(sd, (size_t)j, after, dt, &fit);
    if (st != PARITY_STEP_OK) {
        *dt = NAN;
        return st;
    }
    if (fit > *worst) *worst = fit;
    *fitted = 1;
    return st;
}

/* Row j of the schedule: step k's dt on both sides, or NaN and the reason
 * it is unknown. A side without step k adds no time: its t stays. Returns
 * 0 when out of memory. */
static int schedule_row(parity_schedule *s, size_t j, int64_t k, const side_solver *sd) {
    int fitted = 0;
    int sr = row_side(&sd[0], k, s->after, &s->dt_ref[j], &s->fit_ref, &fitted);
    int sp = row_side(&sd[1], k, s->after, &s->dt_port[j], &s->fit_port, &fitted);
    int in_ref = parity__side_steps_find(&sd[0].v, k) >= 0;
    int in_port = parity__side_steps_find(&sd[1].v, k) >= 0;
    if (sr < 0 || sp < 0) return 0;
    s->k[j] = k;
    s->status[j] = !in_port  ? PARITY_STEP_ONLY_REF
                   : !in_ref ? PARITY_STEP_ONLY_PORT
                             : (parity_step_status)(sr != PARITY_STEP_OK ? sr : sp);
    /* an unknown dt makes every later time unknown: NaN propagates */
    s->t_ref[j + 1] = s->t_ref[j] + (in_ref ? s->dt_ref[j] : 0);
    s->t_port[j + 1] = s->t_port[j] + (in_port ? s->dt_port[j] : 0);
    s->n_fitted += (size_t)fitted;
    return 1;
}

/* The step numbers either side traced, ascending, into k (room for both);
 * returns how many. */
static size_t union_k(const parity__side_steps *a, const parity__side_steps *b, int64_t *k) {
    size_t i = 0, j = 0, n = 0;
    while (i < a->n || j < b->n) {
        if (j == b->n || (i < a->n && a->k[i] < b->k[j]))
            k[n++] = a->k[i++];
        else if (i == a->n || b->k[j] < a->k[i])
            k[n++] = b->k[j++];
        else
            k[n++] = a->k[i++], j++;
    }
    return n;
}

static void side_solver_free(side_solver *sd) {
    for (int side = 0; side < 2; side++) {
        parity__side_steps_free(&sd[side].x);
        parity__side_steps_free(&sd[side].v);
    }
}

static parity_status side_solver_build(const parity_walk *w, const parity_series *x,
                                       const parity_series *v, long x0, side_solver *sd,
                                       parity_error *err) {
    memset(sd, 0, 2 * sizeof *sd);
    for (int side = 0; side < 2; side++) {
        parity_status st = parity__side_steps_build(w, x, side, &sd[side].x, err);
        if (st == PARITY_OK) st = parity__side_steps_build(w, v, side, &sd[side].v, err);
        if (st != PARITY_OK) {
            side_solver_free(sd);
            return st;
        }
        if (x0 >= 0) sd[side].x0 = parity__step_tensor_of(w, x0, side);
    }
    return PARITY_OK;
}

/* The rows, in step order; a step whose states are not traced stays in
 * the table with dt = NaN and its reason, so the rows keep their step
 * numbers and the times after it read as unknown. */
static parity_schedule *schedule_rows(const side_solver *sd, int after) {
    size_t cap = sd[0].v.n + sd[1].v.n;
    int64_t *k = malloc((cap ? cap : 1) * sizeof *k);
    size_t n = k ? union_k(&sd[0].v, &sd[1].v, k) : 0;
    parity_schedule *s = k ? schedule_new(n) : NULL;
    if (s) {
        s->n = n;
        s->after = after;
        s->steps_ref = sd[0].v.n;
        s->steps_port = sd[1].v.n;
    }
    for (size_t j = 0; s && j < n; j++)
        if (!schedule_row(s, j, k[j], sd)) {
            parity__schedule_free(s);
            s = NULL;
        }
    free(k);
    return s;
}

/* The coarsest dtype of every tensor the schedule reads, both sides. */
static parity_dtype schedule_precision(const side_solver *sd) {
    parity_dtype p = PARITY_DT_INVALID;
    for (int side = 0; side < 2; side++) {
        for (size_t i = 0; i < sd[side].x.n; i++) coarsest(&p, sd[side].x.t[i].raw);
        for (size_t i = 0; i < sd[side].v.n; i++) coarsest(&p, sd[side].v.t[i].raw);
        coarsest(&p, sd[side].x0.raw);
    }
    return p;
}

static parity_status infer_schedule(parity_walk *w, parity_error *err) {
    const parity_series *x = best_series(w, w->opts.state_glob);
    const parity_series *v = best_series(w, w->opts.velocity_glob);
    if (!x || !v) return PARITY_OK;
    long x0 = initial_state(w);
    side_solver sd[2];
    TRY(side_solver_build(w, x, v, x0, sd, err));
    int after = choose_after(&sd[0]);
    parity_schedule *s = schedule_rows(sd, after);
    if (s) s->precision = schedule_precision(sd);
    side_solver_free(sd);
    FAIL_IF(!s, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    s->tol = agreement_tol(s->precision);
    s->x0 = after && member(x, v->k[0] - 1) < 0 ? x0 : -1;
    s->states = x->pattern;
    s->velocities = v->pattern;
    if (s->n_fitted == 0) {
        parity__schedule_free(s);
        return PARITY_OK;
    }
    w->schedule = s;
    return PARITY_OK;
}

/* ---- guidance ---------------------------------------------------------- */

void parity__guidance_free(parity_guidance *g) {
    if (!g) return;
    free(g->k);
    free(g->w_ref);
    free(g->w_port);
    free(g);
}

static double guidance_weight(const parity_walk *w, long gs, long cs, long us,
                              int port) {
    const parity_tensor *g = side(w, gs, port), *c = side(w, cs, port),
                        *u = side(w, us, port);
    double s[3];
    if (!same_shape(g, c) || !same_shape(c, u) || !dots(g, c, c, u, s))
        return NAN;
    return s[2] > 0 ? s[1] / s[2] : NAN;
}

static parity_status infer_guidance(parity_walk *w, parity_error *err) {
    const parity_series *gs = best_series(w, w->opts.velocity_glob);
    const parity_series *cs = best_series(w, w->opts.cond_glob);
    const parity_series *us = best_series(w, w->opts.uncond_glob);
    if (!gs || !cs || !us) return PARITY_OK;
    parity_guidance *g = calloc(1, sizeof *g);
    if (g) {
        g->k = calloc(gs->n, sizeof *g->k);
        g->w_ref = calloc(gs->n, sizeof(double));
        g->w_port = calloc(gs->n, sizeof(double));
    }
    if (!g || !g->k || !g->w_ref || !g->w_port) {
        parity__guidance_free(g);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    }
    for (size_t j = 0; j < gs->n; j++) {
        long c = member(cs, gs->k[j]), u = member(us, gs->k[j]);
        if (c < 0 || u < 0) continue;
        for (int port = 0; port < 2; port++) {
            coarsest(&g->precision, side(w, (long)gs->stage[j], port));
            coarsest(&g->precision, side(w, c, port));
            coarsest(&g->precision, side(w, u, port));
        }
        g->k[g->n] = gs->k[j];
        g->w_ref[g->n] = guidance_weight(w, (long)gs->stage[j], c, u, 0);
        g->w_port[g->n] = guidance_weight(w, (long)gs->stage[j], c, u, 1);
        g->n++;
    }
    if (g->n == 0) {
        parity__guidance_free(g);
        return PARITY_OK;
    }
    g->tol = agreement_tol(g->precision);
    w->guidance = g;
    return PARITY_OK;
}

parity_status parity__walk_solver(parity_walk *w, parity_error *err) {
    TRY(check_x0(w, err));
    TRY(infer_schedule(w, err));
    return infer_guidance(w, err);
}
