/*
 * test_walk.c — the trace walk: inputs first, first divergence, culprit,
 * series, and solver forensics on traces written here with the writer.
 *
 * The solver case integrates dx/dt = (1+w)·c − w·u with 10 Euler steps on
 * both sides from one noise tensor; the reference uses the cosine schedule
 * t = 1 − cos(πs/2) and w = 0.7, the port a linear schedule and w = 0.5.
 * The walk must recover every dt to 4 decimals and both weights to 3.
 * The same computation is then traced by the C tracer with the state
 * recorded after each step, before each step (the first state being the
 * noise), and without the noise marked as an input.
 */
#include "testutil.h"
#include "parity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define N 256 /* elements per tensor: [1, 4, 64] */
static const int64_t SHAPE[3] = {1, 4, 64};

static void add(parity_writer *w, const char *name, const float *x) {
    parity_error e;
    if (parity_writer_add(w, name, PARITY_DT_F32, 3, SHAPE, x, &e) != PARITY_OK)
        fprintf(stderr, "writer: %s\n", e.msg);
}

/* Velocities of a toy estimator: smooth functions of state and time. */
static void velocities(const float *x, double t, float *c, float *u) {
    for (int i = 0; i < N; i++) {
        c[i] = (float)(-x[i] + sin(3.0 * t + 0.05 * i));
        u[i] = (float)(-0.5 * x[i] + 0.2 * cos(0.1 * i));
    }
}

/* Write one side's trace: schedule cosine (1) or linear (0), weight w. */
static void write_side(const char *path, int cosine, double w, double noise_bias) {
    parity_error e;
    parity_writer *wr;
    CHECK_OK(parity_writer_open(path, &wr, &e), &e);
    float x[N], c[N], u[N], g[N];
    for (int i = 0; i < N; i++) x[i] = (float)(sin(0.37 * i) + noise_bias);
    add(wr, "noise", x);
    char order[8192] = "[\"noise\"";
    for (int k = 1; k <= 10; k++) {
        double s0 = (k - 1) / 10.0, s1 = k / 10.0;
        double t0 = cosine ? 1 - cos(s0 * M_PI / 2) : s0;
        double t1 = cosine ? 1 - cos(s1 * M_PI / 2) : s1;
        velocities(x, t0, c, u);
        for (int i = 0; i < N; i++) {
            g[i] = (float)((1 + w) * c[i] - w * u[i]);
            x[i] = (float)(x[i] + (t1 - t0) * g[i]);
        }
        char name[64];
        const char *parts[4] = {"v_cond", "v_uncond", "dxdt", "x"};
        const float *vals[4] = {c, u, g, x};
        for (int p = 0; p < 4; p++) {
            snprintf(name, sizeof name, "ode.step%d.%s", k, parts[p]);
            add(wr, name, vals[p]);
            snprintf(order + strlen(order), sizeof order - strlen(order),
                     ",\"%s\"", name);
        }
    }
    strcat(order, "]");
    CHECK_OK(parity_writer_meta(wr, "parity.order", order, &e), &e);
    CHECK_OK(parity_writer_meta(wr, "parity.inputs", "[\"noise\"]", &e), &e);
    CHECK_OK(parity_writer_close(wr, &e), &e);
}

/* The walk borrows the two sets: the caller frees all three. */
typedef struct opened {
    parity_set *ref, *port;
    parity_walk *walk;
} opened;

static opened walk_opts(const char *a, const char *b, const parity_walk_opts *wo) {
    parity_error e;
    opened o = {NULL, NULL, NULL};
    CHECK_OK(parity_set_open(a, NULL, &o.ref, &e), &e);
    CHECK_OK(parity_set_open(b, NULL, &o.port, &e), &e);
    if (o.ref && o.port) CHECK_OK(parity_walk_run(o.ref, o.port, wo, &o.walk, &e), &e);
    return o;
}

static opened walk(const char *a, const char *b) { return walk_opts(a, b, NULL); }

static void close_walk(opened *o) {
    parity_walk_free(o->walk);
    parity_set_free(o->ref);
    parity_set_free(o->port);
}

static void test_solver(const char *dir) {
    char ref[512], port[512];
    snprintf(ref, sizeof ref, "%s/ref.safetensors", dir);
    snprintf(port, sizeof port, "%s/port.safetensors", dir);
    write_side(ref, 1, 0.7, 0);
    write_side(port, 0, 0.5, 0);
    opened o = walk(ref, port);
    parity_walk *w = o.walk;
    if (!CHECK(w)) { close_walk(&o); return; }
    const parity_schedule *s = parity_walk_schedule(w);
    if (!CHECK(s)) { close_walk(&o); return; }
    CHECK_EQ_U64(s->n, 10);
    for (size_t j = 0; j < s->n; j++) {
        double k = (double)s->k[j];
        double cos_dt = cos((k - 1) / 10 * M_PI / 2) - cos(k / 10 * M_PI / 2);
        CHECK_ABS_DBL(s->dt_ref[j], cos_dt, 5e-5);
        CHECK_ABS_DBL(s->dt_port[j], 0.1, 5e-5);
    }
    CHECK_ABS_DBL(s->t_ref[10], 1.0, 1e-4);
    const parity_guidance *g = parity_walk_guidance(w);
    if (!CHECK(g)) { close_walk(&o); return; }
    CHECK_EQ_U64(g->n, 10);
    for (size_t j = 0; j < g->n; j++) {
        CHECK_ABS_DBL(g->w_ref[j], 0.7, 5e-4);
        CHECK_ABS_DBL(g->w_port[j], 0.5, 5e-4);
    }
    /* series: ode.step{k}.x and friends, 10 members each */
    int found = 0;
    for (size_t i = 0; i < parity_walk_series_count(w); i++) {
        const parity_series *se = parity_walk_series(w, i);
        if (strcmp(se->pattern, "ode.step{k}.x") == 0) found = (int)se->n;
    }
    CHECK_EQ_INT(found, 10);
    /* the inputs are equal; the schedule differs from step 1 on */
    CHECK_EQ_U64(parity_walk_inputs_differ(w, NULL), 0);
    long first = parity_walk_first_divergence(w);
    CHECK(first >= 0);
    if (first >= 0)
        CHECK_EQ_STR(parity_walk_stage(w, (size_t)first)->pair->ref->name,
                     "ode.step1.dxdt"); /* t_0 = 0 on both sides */
    close_walk(&o);
}

/* ---- traces written by the C tracer, in both state conventions -------- */

/* Where the solver loop records its state x:
 *   AFTER      ode.step{k}.x after step k, k = 1..10 (noise before step 1)
 *   BEFORE     ode.step{k}.x before step k, k = 1..10, so ode.step1.x is
 *              the noise itself; the final state is "out", outside the
 *              series, so step 10 has no state after it
 *   BEFORE0    ode.step{k}.x for k = 0..10: x_k before step k, x_10 the
 *              final state; velocities k = 0..9 */
enum convention { AFTER, BEFORE, BEFORE0 };

static void tracer_add(parity_tracer *t, const char *name, float *x, int input) {
    parity_error e;
    parity_status st = input ? parity_tracer_add_input(t, name, PARITY_DT_F32, 3, SHAPE, x, &e)
                             : parity_tracer_add(t, name, PARITY_DT_F32, 3, SHAPE, x, &e);
    CHECK_OK(st, &e);
}

/* The time of grid point s in [0, 1]: cosine 1 − cos(πs/2) or linear s. */
static double grid_time(int cosine, double s) { return cosine ? 1 - cos(s * M_PI / 2) : s; }

/* One side's 10 Euler steps of dx/dt = (1+w)c − w·u, traced by the C
 * tracer into path; noise_input marks the noise as a model input. */
static void trace_side(const char *path, enum convention cv, int cosine, double w,
                       int noise_input) {
    parity_error e;
    parity_tracer *t = NULL;
    CHECK_OK(parity_tracer_open(path, &t, &e), &e);
    if (!t) return;
    float x[N], c[N], u[N], g[N];
    for (int i = 0; i < N; i++) x[i] = (float)sin(0.37 * i);
    tracer_add(t, "noise", x, noise_input);
    int k0 = cv == BEFORE0 ? 0 : 1; /* the number of the first step */
    char name[64];
    for (int j = 0; j < 10; j++) {
        int k = k0 + j;
        double t0 = grid_time(cosine, j / 10.0), t1 = grid_time(cosine, (j + 1) / 10.0);
        if (cv != AFTER) {
            snprintf(name, sizeof name, "ode.step%d.x", k);
            tracer_add(t, name, x, 0);
        }
        velocities(x, t0, c, u);
        for (int i = 0; i < N; i++) {
            g[i] = (float)((1 + w) * c[i] - w * u[i]);
            x[i] = (float)(x[i] + (t1 - t0) * g[i]);
        }
        const char *parts[3] = {"v_cond", "v_uncond", "dxdt"};
        float *vals[3] = {c, u, g};
        for (int p = 0; p < 3; p++) {
            snprintf(name, sizeof name, "ode.step%d.%s", k, parts[p]);
            tracer_add(t, name, vals[p], 0);
        }
        if (cv == AFTER) {
            snprintf(name, sizeof name, "ode.step%d.x", k);
            tracer_add(t, name, x, 0);
        }
    }
    if (cv == BEFORE0) tracer_add(t, "ode.step10.x", x, 0);
    if (cv == BEFORE) tracer_add(t, "out", x, 0);
    CHECK_OK(parity_tracer_close(t, &e), &e);
}

/* The true dt of step j (0-based) of a schedule. */
static double true_dt(int cosine, size_t j) {
    return grid_time(cosine, (j + 1) / 10.0) - grid_time(cosine, j / 10.0);
}

/* Row j must be fitted with both sides' true dt to 4 decimals (5e-5), and
 * the start time t_j to match the true grid time. */
static void check_row(const parity_schedule *s, size_t j, size_t step) {
    CHECK_EQ_INT(s->status[j], PARITY_STEP_OK);
    CHECK_ABS_DBL(s->dt_ref[j], true_dt(1, step), 5e-5);
    CHECK_ABS_DBL(s->dt_port[j], true_dt(0, step), 5e-5);
    CHECK_ABS_DBL(s->t_ref[j], grid_time(1, step / 10.0), 1e-4);
    CHECK_ABS_DBL(s->t_port[j], grid_time(0, step / 10.0), 1e-4);
}

static void check_guidance(const parity_walk *w) {
    const parity_guidance *g = parity_walk_guidance(w);
    if (!CHECK(g)) return;
    CHECK_EQ_U64(g->n, 10);
    for (size_t j = 0; j < g->n; j++) {
        CHECK_ABS_DBL(g->w_ref[j], 0.7, 5e-4);
        CHECK_ABS_DBL(g->w_port[j], 0.5, 5e-4);
    }
}

/* ref cosine/w 0.7, port linear/w 0.5, both traced in convention cv. */
static opened traced_pair(const char *dir, const char *tag, enum convention cv,
                          int noise_input, const parity_walk_opts *wo) {
    char ref[512], port[512];
    snprintf(ref, sizeof ref, "%s/%s_ref.safetensors", dir, tag);
    snprintf(port, sizeof port, "%s/%s_port", dir, tag); /* directory mode */
    trace_side(ref, cv, 1, 0.7, noise_input);
    trace_side(port, cv, 0, 0.5, noise_input);
    return walk_opts(ref, port, wo);
}

/* State recorded after each step: the noise is the state before step 1. */
static void test_solver_after(const char *dir) {
    opened o = traced_pair(dir, "after", AFTER, 1, NULL);
    const parity_schedule *s = o.walk ? parity_walk_schedule(o.walk) : NULL;
    if (CHECK(s)) {
        CHECK_EQ_INT(s->after, 1);
        CHECK_EQ_U64(s->n, 10);
        CHECK_EQ_U64(s->n_fitted, 10);
        for (size_t j = 0; j < s->n && j < 10; j++) check_row(s, j, j);
        CHECK_ABS_DBL(s->t_ref[10], 1.0, 1e-4);
        CHECK(s->x0 >= 0 && strcmp(parity_walk_stage(o.walk, (size_t)s->x0)->pair->ref->name,
                                   "noise") == 0);
        CHECK(s->fit_ref < 1e-5);
    }
    if (o.walk) check_guidance(o.walk);
    close_walk(&o);
}

/* State recorded before each step, ode.step1.x = the noise (a marked
 * input). The "after" reading would see step 1 move from the noise to
 * ode.step1.x, the same tensor: Δx = 0 against v ≠ 0 is the worst fit,
 * not a perfect one, so "before" is chosen and dt is not shifted. */
static void test_solver_before(const char *dir) {
    opened o = traced_pair(dir, "before", BEFORE, 1, NULL);
    const parity_schedule *s = o.walk ? parity_walk_schedule(o.walk) : NULL;
    if (CHECK(s)) {
        CHECK_EQ_INT(s->after, 0);
        CHECK_EQ_U64(s->n, 10);
        CHECK_EQ_U64(s->n_fitted, 9);
        for (size_t j = 0; j < s->n && j < 9; j++) check_row(s, j, j);
        if (s->n == 10) {
            CHECK_EQ_INT(s->status[9], PARITY_STEP_NO_AFTER); /* "out" ends it */
            CHECK(isnan(s->dt_ref[9]) && isnan(s->t_ref[10]));
        }
        CHECK(s->fit_ref < 1e-5);
        CHECK_EQ_INT(s->x0, -1);
    }
    if (o.walk) check_guidance(o.walk);
    close_walk(&o);
    /* with the final state in the series (k = 0..10) every step fits */
    o = traced_pair(dir, "before0", BEFORE0, 1, NULL);
    s = o.walk ? parity_walk_schedule(o.walk) : NULL;
    if (CHECK(s)) {
        CHECK_EQ_INT(s->after, 0);
        CHECK_EQ_U64(s->n_fitted, 10);
        for (size_t j = 0; j < s->n && j < 10; j++) check_row(s, j, j);
        CHECK_ABS_DBL(s->t_ref[s->n], 1.0, 1e-4);
    }
    close_walk(&o);
}

/* The noise is traced but not marked as an input: step 1 has no initial
 * state. It keeps its row (k = 1, dt unknown, the reason), the later rows
 * keep their step numbers and true dt, and the times are unknown. Naming
 * the noise with x0 restores step 1; an x0 that is no stage is an error. */
static void test_solver_no_x0(const char *dir) {
    opened o = traced_pair(dir, "nox0", AFTER, 0, NULL);
    const parity_schedule *s = o.walk ? parity_walk_schedule(o.walk) : NULL;
    if (CHECK(s) && CHECK_EQ_U64(s->n, 10)) {
        CHECK_EQ_INT(s->after, 1);
        CHECK_EQ_INT(s->k[0], 1);
        CHECK_EQ_INT(s->status[0], PARITY_STEP_NO_X0);
        CHECK(isnan(s->dt_ref[0]) && isnan(s->dt_port[0]));
        CHECK_EQ_INT(s->t_ref[0], 0);
        for (size_t j = 1; j < 10; j++) {
            CHECK_EQ_INT(s->k[j], (int)j + 1);
            CHECK_EQ_INT(s->status[j], PARITY_STEP_OK);
            CHECK_ABS_DBL(s->dt_ref[j], true_dt(1, j), 5e-5);
            CHECK_ABS_DBL(s->dt_port[j], true_dt(0, j), 5e-5);
            CHECK(isnan(s->t_ref[j]) && isnan(s->t_port[j]));
        }
        CHECK(isnan(s->t_ref[10]));
    }
    close_walk(&o);
    parity_walk_opts wo = parity_walk_opts_default();
    wo.x0_name = "noise";
    o = traced_pair(dir, "nox0", AFTER, 0, &wo);
    s = o.walk ? parity_walk_schedule(o.walk) : NULL;
    if (CHECK(s)) {
        CHECK_EQ_U64(s->n_fitted, 10);
        for (size_t j = 0; j < s->n && j < 10; j++) check_row(s, j, j);
    }
    close_walk(&o);
    /* an x0 that names no stage */
    char ref[512], port[512];
    snprintf(ref, sizeof ref, "%s/nox0_ref.safetensors", dir);
    snprintf(port, sizeof port, "%s/nox0_port", dir);
    parity_set *a = NULL, *b = NULL;
    parity_walk *w = NULL;
    parity_error e;
    wo.x0_name = "nosie";
    CHECK_OK(parity_set_open(ref, NULL, &a, &e), &e);
    CHECK_OK(parity_set_open(port, NULL, &b, &e), &e);
    if (a && b) {
        CHECK_EQ_INT(parity_walk_run(a, b, &wo, &w, &e), PARITY_E_NOTFOUND);
        CHECK(w == NULL);
        CHECK_MSG(strstr(e.msg, "x0 'nosie'") != NULL, "%s", e.msg);
    }
    parity_set_free(a);
    parity_set_free(b);
}

/* ---- the culprit ------------------------------------------------------ */

/* A trace pair whose stage i has relative error rel[i] exactly: F64
 * reference r_j = 1 + j/8, port r·(1 + rel[i]). */
static void write_rel(const char *dir, const char *tag, const char *const *names,
                      const double *rel, size_t n, char *ref, char *port, size_t cap) {
    parity_error e;
    const int64_t shape[1] = {8};
    for (int side = 0; side < 2; side++) {
        char *path = side ? port : ref;
        snprintf(path, cap, "%s/%s_%s.safetensors", dir, tag, side ? "port" : "ref");
        parity_writer *wr = NULL;
        CHECK_OK(parity_writer_open(path, &wr, &e), &e);
        if (!wr) return;
        char order[1024] = "[";
        for (size_t i = 0; i < n; i++) {
            double v[8];
            for (int j = 0; j < 8; j++) v[j] = (1 + j / 8.0) * (side ? 1 + rel[i] : 1);
            CHECK_OK(parity_writer_add(wr, names[i], PARITY_DT_F64, 1, shape, v, &e), &e);
            snprintf(order + strlen(order), sizeof order - strlen(order), "%s\"%s\"",
                     i ? "," : "", names[i]);
        }
        strcat(order, "]");
        CHECK_OK(parity_writer_meta(wr, "parity.order", order, &e), &e);
        CHECK_OK(parity_writer_close(wr, &e), &e);
    }
}

static const char *stage_name(const parity_walk *w, long i) {
    return i >= 0 ? parity_walk_stage(w, (size_t)i)->pair->ref->name : "(none)";
}

/* A module called at every step (s{k}.gelu) jumps x1000 at its first
 * call and x1500 at its second: its first call is the culprit and the
 * largest jump is reported with the series. Two unrelated stages jumping
 * x1000 and then x1500: the culprit is the largest jump (docs/trace.md), not the
 * earlier one. Jumps count from the floor 1e-6. */
static void test_culprit(const char *dir) {
    char ref[512], port[512];
    static const char *const calls[] = {"s1.in", "s1.gelu", "s2.in", "s2.gelu", "s3.in", "s3.gelu"};
    static const double calls_rel[] = {0, 1e-3, 1e-6, 1.5e-3, 1e-6, 1.2e-3};
    write_rel(dir, "calls", calls, calls_rel, 6, ref, port, sizeof ref);
    opened o = walk(ref, port);
    if (o.walk) {
        const parity_series *se = NULL;
        long l = parity_walk_largest_jump(o.walk, &se);
        CHECK_EQ_STR(stage_name(o.walk, parity_walk_culprit(o.walk)), "s1.gelu");
        CHECK_EQ_STR(stage_name(o.walk, l), "s2.gelu");
        CHECK(se && strcmp(se->pattern, "s{k}.gelu") == 0);
        CHECK_ABS_DBL(parity_walk_stage(o.walk, (size_t)l)->jump, 1500, 1e-6);
    }
    close_walk(&o);
    static const char *const apart[] = {"enc", "early", "mid", "late", "out"};
    static const double apart_rel[] = {0, 1e-3, 1e-6, 1.5e-3, 1.5e-3};
    write_rel(dir, "apart", apart, apart_rel, 5, ref, port, sizeof ref);
    o = walk(ref, port);
    if (o.walk) {
        const parity_series *se = (const parity_series *)1;
        CHECK_EQ_STR(stage_name(o.walk, parity_walk_first_divergence(o.walk)), "early");
        CHECK_EQ_STR(stage_name(o.walk, parity_walk_culprit(o.walk)), "late");
        CHECK_EQ_STR(stage_name(o.walk, parity_walk_largest_jump(o.walk, &se)), "late");
        CHECK(se == NULL);
    }
    close_walk(&o);
}

static void test_inputs_differ(const char *dir) {
    char ref[512], port[512];
    snprintf(ref, sizeof ref, "%s/in_ref.safetensors", dir);
    snprintf(port, sizeof port, "%s/in_port.safetensors", dir);
    write_side(ref, 1, 0.7, 0);
    write_side(port, 1, 0.7, 0.001);
    opened o = walk(ref, port);
    parity_walk *w = o.walk;
    if (!CHECK(w)) { close_walk(&o); return; }
    const size_t *idx;
    CHECK_EQ_U64(parity_walk_inputs_differ(w, &idx), 1);
    CHECK_EQ_STR(parity_walk_stage(w, idx[0])->pair->ref->name, "noise");
    CHECK_EQ_INT(parity_walk_first_divergence(w), 0);
    close_walk(&o);
}

int main(void) {
    char dir[] = "/tmp/parity_test_walk_XXXXXX";
    if (!mkdtemp(dir)) return 2;
    test_solver(dir);
    test_solver_after(dir);
    test_solver_before(dir);
    test_solver_no_x0(dir);
    test_inputs_differ(dir);
    test_culprit(dir);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    return TEST_SUMMARY();
}
