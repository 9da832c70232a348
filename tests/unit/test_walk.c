/*
 * test_walk.c — the trace walk: inputs first, first divergence, culprit,
 * series, and solver forensics on traces written here with the writer.
 *
 * The solver case integrates dx/dt = (1+w)·c − w·u with 10 Euler steps on
 * both sides from one noise tensor; the reference uses the cosine schedule
 * t = 1 − cos(πs/2) and w = 0.7, the port a linear schedule and w = 0.5.
 * The walk must recover every dt to 4 decimals and both weights to 3.
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

static opened walk(const char *a, const char *b) {
    parity_error e;
    opened o = {NULL, NULL, NULL};
    CHECK_OK(parity_set_open(a, NULL, &o.ref, &e), &e);
    CHECK_OK(parity_set_open(b, NULL, &o.port, &e), &e);
    if (o.ref && o.port) CHECK_OK(parity_walk_run(o.ref, o.port, NULL, &o.walk, &e), &e);
    return o;
}

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
    test_inputs_differ(dir);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    return TEST_SUMMARY();
}
