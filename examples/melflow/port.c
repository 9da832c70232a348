/*
 * melflow_port: the C port of examples/melflow/reference.py.
 *
 *   melflow_port [--fixtures DIR] [--trace PATH] [--defect NAME]
 *                [--dump-weights PATH]
 *
 * Reads DIR/weights.safetensors (PyTorch names and layouts) and
 * DIR/inputs.safetensors (mu, cond, spks, mask, noise; metadata
 * "prompt_len"), runs the CFM Euler solver with classifier-free guidance and
 * traces every stage under the reference's names, in the reference's order,
 * to PATH (default: the PARITY_TRACE environment variable; neither: no
 * trace). With PARITY_INJECT=ref.safetensors every traced stage is replaced
 * by the reference value (activation patching); the port never reads the
 * reference otherwise. --defect plants one realistic porting bug.
 * --dump-weights writes the weights as the port holds and uses them (its
 * layout, its defects) to a safetensors file.
 * Exit status: 0 ok; 2 usage error, unreadable or malformed fixtures, out
 * of memory, or a trace or dump that cannot be written (one line on
 * stderr).
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port.h"

static const char *const DEFECTS[MF_DEF_COUNT] = {
    "none",       "schedule", "norm-identity", "gelu-tanh", "attn-scale",
    "conv-layout", "cfg-sign", "time-scale",   "half",      "db-patch"};

int mf_out_of_memory(const char *what, size_t bytes) {
    fprintf(stderr, "melflow_port: out of memory (%zu bytes for %s)\n", bytes,
            what);
    return -1;
}

/* ---- inputs ------------------------------------------------------------ */

typedef struct mf_inputs {
    int T, P;             /* frames, prompt frames                         */
    int valid;            /* frames before the padding (mask != 0)         */
    float *mu, *cond;     /* [MELS][T]                                     */
    float *spks;          /* [MELS]                                        */
    float *mask;          /* [T]                                           */
    float *noise;         /* [MELS][T] the initial state x0                */
    float *mem;
} mf_inputs;

static int inputs_frames(const parity_set *set, mf_inputs *in) {
    long i = parity_set_find(set, "mu");
    const char *p = parity_set_meta_get(set, "prompt_len");
    if (i < 0 || !p) {
        fprintf(stderr, "melflow_port: %s: needs tensor 'mu' and metadata "
                "'prompt_len'\n", parity_set_path(set));
        return -1;
    }
    const parity_tensor *mu = parity_set_tensor(set, (size_t)i);
    char *end = NULL;
    errno = 0;
    long P = strtol(p, &end, 10);
    in->T = mu->ndim == 3 ? (int)mu->shape[2] : 0;
    if (in->T < 1 || in->T > MF_MAX_T || errno || end == p || *end || P < 0 ||
        P >= in->T) {
        fprintf(stderr, "melflow_port: %s: tensor 'mu', metadata 'prompt_len' "
                "'%s': expected [1, 80, T] with 0 <= prompt_len < T <= %d\n",
                parity_set_path(set), p, MF_MAX_T);
        return -1;
    }
    in->P = (int)P;
    return 0;
}

/* The frames before the padding must include a generated one. */
static int inputs_valid(const parity_set *set, mf_inputs *in) {
    in->valid = 0;
    for (int t = 0; t < in->T; t++) in->valid += in->mask[t] != 0.0f;
    if (in->valid > in->P) return 0;
    fprintf(stderr, "melflow_port: %s: tensor 'mask': %d unpadded frames, "
            "expected more than prompt_len %d\n", parity_set_path(set),
            in->valid, in->P);
    return -1;
}

static int load_inputs(const parity_set *set, mf_inputs *in) {
    if (inputs_frames(set, in)) return -1;
    const int64_t T = in->T;
    const struct { const char *name; float **dst; int ndim; int64_t shape[3]; }
        spec[] = {{"mu", &in->mu, 3, {1, MF_MELS, T}},
                  {"cond", &in->cond, 3, {1, MF_MELS, T}},
                  {"spks", &in->spks, 2, {1, MF_MELS}},
                  {"mask", &in->mask, 3, {1, 1, T}},
                  {"noise", &in->noise, 3, {1, MF_MELS, T}}};
    size_t bytes = (4 * MF_MELS * (size_t)T + MF_MELS + (size_t)T) *
                   sizeof(float);
    in->mem = malloc(bytes);
    if (!in->mem) return mf_out_of_memory("the inputs", bytes);
    float *p = in->mem;
    for (size_t i = 0; i < sizeof spec / sizeof *spec; i++) {
        const parity_tensor *t = mf_find_tensor(set, spec[i].name,
                                                spec[i].ndim, spec[i].shape);
        if (!t) return -1;
        size_t n = mf_shape_count(spec[i].ndim, spec[i].shape);
        mf_read_floats(t, p, n);
        *spec[i].dst = p;
        p += n;
    }
    return inputs_valid(set, in);
}

/* Inputs first, as the reference traces them (marked as model inputs). */
static void trace_inputs(mf_run *r, mf_inputs *in) {
    const int64_t T = in->T;
    const int64_t s_mel[3] = {1, MF_MELS, T}, s_spk[2] = {1, MF_MELS},
                  s_mask[3] = {1, 1, T};
    const struct { const char *name; float *x; int ndim; const int64_t *s; }
        list[] = {{"mu", in->mu, 3, s_mel}, {"cond", in->cond, 3, s_mel},
                  {"spks", in->spks, 2, s_spk}, {"mask", in->mask, 3, s_mask},
                  {"noise", in->noise, 3, s_mel}};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++) {
        if (!r->tr || r->st != PARITY_OK) return;
        r->st = parity_tracer_inject_input(r->tr, list[i].name, PARITY_DT_F32, list[i].ndim,
                                           list[i].s, list[i].x, &r->err);
    }
}

/* ---- solver ------------------------------------------------------------ */

/* t_span[i] for i = 0..STEPS, in float32 as PyTorch computes it:
 * linspace(0, 1, 11), then 1 - cos(t * 0.5 * pi) (cosine schedule). */
static void time_span(mf_defect defect, float *ts) {
    for (int i = 0; i <= MF_STEPS; i++) {
        float lin = (float)((double)i / MF_STEPS);
        float arg = lin * 0.5f * (float)M_PI;
        ts[i] = defect == MF_DEF_SCHEDULE ? lin : 1.0f - (float)cos(arg);
    }
}

/* Solver-level stage (no estimator prefix) of shape [1, MELS, T]. */
static void solver_stage(mf_run *r, const char *fmt, int k, float *x) {
    char name[64];
    const int64_t shape[3] = {1, MF_MELS, r->T};
    snprintf(name, sizeof name, fmt, k);
    r->prefix[0] = '\0';
    mf_stage(r, name, x, 3, shape);
}

/* Both CFG halves of step k: conditional (traced), then unconditional with
 * mu = spks = cond = 0. dxdt = (1 + w) v_cond - w v_uncond, in float32.
 * Returns 0, or -1 (out of memory, said on stderr) with nothing traced. */
static int cfm_velocity(mf_run *r, const mf_inputs *in, int k, const float *x,
                        float t, float *vc, float *vu, float *dxdt) {
    size_t n = (size_t)MF_MELS * in->T;
    float *zeros = calloc(n, sizeof(float));
    if (!zeros) return mf_out_of_memory("the unconditional inputs", n * 4);
    snprintf(r->prefix, sizeof r->prefix, "ode.step%d.est.", k);
    r->traced = 1;
    int rc = mf_estimator(r, x, in->mu, in->spks, in->cond, in->mask, t, vc);
    r->traced = 0;
    if (!rc) rc = mf_estimator(r, x, zeros, zeros, zeros, in->mask, t, vu);
    free(zeros);
    if (rc) return -1;
    r->traced = 1;
    solver_stage(r, "ode.step%d.v_cond", k, vc);
    solver_stage(r, "ode.step%d.v_uncond", k, vu);
    const float w = MF_CFG, a = 1.0f + MF_CFG;
    for (size_t i = 0; i < n; i++)
        dxdt[i] = r->defect == MF_DEF_CFG_SIGN ? (1.0f - w) * vc[i] + w * vu[i]
                                               : a * vc[i] - w * vu[i];
    solver_stage(r, "ode.step%d.dxdt", k, dxdt);
    return 0;
}

/* Euler: x += dt * dxdt; t accumulates as in the reference's solve_euler.
 * Returns 0, or -1 (out of memory) before x is updated with a velocity
 * that was not computed. Stops early once the trace has failed: the run
 * fails anyway, and a long one should not go on for nothing. */
static int solve(mf_run *r, const mf_inputs *in, float *x) {
    size_t n = (size_t)MF_MELS * in->T;
    float ts[MF_STEPS + 1];
    time_span(r->defect, ts);
    float *buf = malloc(3 * n * sizeof(float));
    if (!buf) return mf_out_of_memory("the velocities", 3 * n * sizeof(float));
    float *vc = buf, *vu = buf + n, *dxdt = buf + 2 * n;
    float t = ts[0], dt = ts[1] - ts[0];
    int rc = 0;
    for (int k = 1; k <= MF_STEPS; k++) {
        char name[32];
        const int64_t one[1] = {1};
        snprintf(name, sizeof name, "ode.step%d.t", k);
        r->prefix[0] = '\0';
        r->traced = 1;
        mf_stage(r, name, &t, 1, one);
        rc = cfm_velocity(r, in, k, x, t, vc, vu, dxdt);
        if (rc) break;
        for (size_t i = 0; i < n; i++) x[i] = x[i] + dt * dxdt[i];
        solver_stage(r, "ode.step%d.x", k, x);
        t = t + dt;
        if (k < MF_STEPS) dt = ts[k + 1] - t;
        if (r->st != PARITY_OK) break;
    }
    free(buf);
    return rc;
}

/* ---- main -------------------------------------------------------------- */

typedef struct mf_args {
    const char *fixtures, *trace, *dump;
    mf_defect defect;
} mf_args;

static int usage(FILE *f, int code) {
    fprintf(f, "usage: melflow_port [--fixtures DIR] [--trace PATH] "
               "[--defect NAME] [--dump-weights PATH]\n  defects:");
    for (int i = 0; i < MF_DEF_COUNT; i++) fprintf(f, " %s", DEFECTS[i]);
    fprintf(f, "\n  --dump-weights writes the weights as the port uses them "
               "(Conv1d [out, k, in])\n");
    return code;
}

/* 0: parsed; -1: help printed; otherwise the exit status (2). */
static int parse_args(int argc, char **argv, mf_args *a) {
    *a = (mf_args){"examples/melflow/fixtures", NULL, NULL, MF_DEF_NONE};
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
            usage(stdout, 0);
            return -1;
        }
        if (i + 1 >= argc) return usage(stderr, 2);
        const char *val = argv[++i];
        if (!strcmp(opt, "--fixtures")) a->fixtures = val;
        else if (!strcmp(opt, "--trace")) a->trace = val;
        else if (!strcmp(opt, "--dump-weights")) a->dump = val;
        else if (!strcmp(opt, "--defect")) {
            int d = 0;
            while (d < MF_DEF_COUNT && strcmp(val, DEFECTS[d])) d++;
            if (d == MF_DEF_COUNT) {
                fprintf(stderr, "melflow_port: unknown defect '%s'\n", val);
                return usage(stderr, 2);
            }
            a->defect = (mf_defect)d;
        } else return usage(stderr, 2);
    }
    return 0;
}

static parity_set *open_set(const char *dir, const char *file) {
    char path[4096];
    parity_set *set = NULL;
    parity_error err;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (parity_set_open(path, NULL, &set, &err) != PARITY_OK) {
        fprintf(stderr, "melflow_port: %s\n", err.msg);
        return NULL;
    }
    return set;
}

/* The generated frames after the prompt and before the padding, as the
 * caller of flow.inference keeps them, traced as "mel" [1, MELS, valid - P].
 * Returns 0, or -1 (out of memory) with no mel traced. */
static int output_mel(mf_run *r, const mf_inputs *in, const float *x) {
    const int G = in->valid - in->P;
    size_t n = (size_t)MF_MELS * G;
    float *mel = malloc(n * sizeof(float));
    if (!mel) return mf_out_of_memory("the mel", n * sizeof(float));
    double sum = 0.0, lo = 1e300, hi = -1e300;
    for (int c = 0; c < MF_MELS; c++)
        for (int t = 0; t < G; t++) {
            float v = x[(size_t)c * in->T + in->P + t];
            if (r->defect == MF_DEF_DB_PATCH) v += 2.0f; /* the "correction" */
            mel[(size_t)c * G + t] = v;
        }
    const int64_t shape[3] = {1, MF_MELS, G};
    r->prefix[0] = '\0';
    r->traced = 1;
    mf_stage(r, "mel", mel, 3, shape);
    for (size_t i = 0; i < n; i++) {
        sum += mel[i];
        lo = mel[i] < lo ? mel[i] : lo;
        hi = mel[i] > hi ? mel[i] : hi;
    }
    printf("mel [1, %d, %d]: mean %.3f min %.3f max %.3f\n", MF_MELS, G,
           sum / (double)n, lo, hi);
    free(mel);
    return 0;
}

/* Load, dump the weights if asked, solve, trace. Returns the exit status. */
static int run(const mf_args *a, parity_set *wset, parity_set *iset) {
    mf_model m = {0};
    mf_inputs in = {0};
    mf_run r = {.m = &m, .defect = a->defect};
    int rc = mf_model_load(wset, a->defect, &m) || load_inputs(iset, &in);
    if (!rc && a->dump) rc = mf_model_dump(&m, DEFECTS[a->defect], a->dump);
    if (!rc && parity_tracer_open(a->trace, &r.tr, &r.err) != PARITY_OK) {
        fprintf(stderr, "melflow_port: %s\n", r.err.msg);
        rc = -1;
    }
    if (!rc && r.tr)
        r.st = parity_tracer_meta(r.tr, "model", "melflow port (C)", &r.err);
    r.T = in.T;
    if (!rc) {
        trace_inputs(&r, &in);
        /* x starts as the injected noise: x0 is an input, never re-drawn. */
        rc = solve(&r, &in, in.noise);
        if (!rc && r.st == PARITY_OK) rc = output_mel(&r, &in, in.noise);
    }
    if (r.tr) {
        parity_error cerr;
        parity_status cs = parity_tracer_close(r.tr, &cerr);
        if (r.st == PARITY_OK && cs != PARITY_OK) r.st = cs, r.err = cerr;
    }
    if (r.st != PARITY_OK) {
        fprintf(stderr, "melflow_port: trace: %s\n", r.err.msg);
        rc = -1;
    }
    free(m.arena);
    free(in.mem);
    return rc ? 2 : 0;
}

int main(int argc, char **argv) {
    mf_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    parity_set *wset = open_set(a.fixtures, "weights.safetensors");
    parity_set *iset = wset ? open_set(a.fixtures, "inputs.safetensors") : NULL;
    rc = iset ? run(&a, wset, iset) : 2;
    parity_set_free(iset);
    parity_set_free(wset);
    return rc;
}
