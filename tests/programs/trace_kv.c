/*
 * trace_kv.c — a small C port as real ports are written, traced with the C
 * tracer: a decoder-only transformer that decodes one token at a time with
 * a KV cache, its weights mapped read-only from a file, its stages under
 * its own names (llama.cpp's), printf-style; tests/tracer/run_port.sh runs
 * it against a NumPy reference (tests/tracer/kv_reference.py) that uses
 * PyTorch-style names, through the map tests/tracer/kv_port.map.
 *
 *   trace_kv --make-weights FILE     write the weights (raw f32, below)
 *   trace_kv WEIGHTS [--defect]      decode the fixed tokens
 *
 * Model (float32): V=16 tokens, D=8, H=2 heads of HD=4, NL=2 layers, an
 * MLP of F=16, at most MAXLEN=8 positions; tokens 1 5 9 3 7 2. Per
 * position pos, per layer l (x [D] is the residual stream):
 *   blk.l.attn_norm  xb = rmsnorm(x) * attn_norm            <- x
 *   blk.l.attn_q/k/v q, k, v = Wq xb, Wk xb, Wv xb           <- attn_norm
 *   blk.l.cache_k/v  cache[h][0..pos][:] ([H, pos+1, HD] of  <- attn_k/v,
 *                    [H, MAXLEN, HD]: recorded strided)        cache#pos-1
 *   blk.l.kq_soft    softmax_t(q_h . k_h[t] / sqrt(HD)), t <= pos
 *                    ([H, pos+1] of att [H, MAXLEN]: injected strided)
 *                                                            <- attn_q, cache_k
 *   blk.l.kqv        sum_t att[h][t] v_h[t]                  <- kq_soft, cache_v
 *   blk.l.attn_out   Wo kqv                                  <- kqv
 *   blk.l.ffn_inp    x + attn_out                            <- x, attn_out
 *   blk.l.ffn_norm   rmsnorm(x) * ffn_norm                   <- ffn_inp
 *   blk.l.ffn_act    silu(W1 xb) [F]                         <- ffn_norm
 *   blk.l.ffn_out    W2 act                                  <- ffn_act
 *   blk.l.l_out      x + ffn_out                             <- ffn_inp, ffn_out
 * then result_norm (rmsnorm * output_norm) and result_output (logits [V]);
 * tok_embd (the embedding row) <- tokens. Each is called once per position:
 * "blk.0.attn_q" at position 0, "blk.0.attn_q#k" at position k. Before
 * decoding, "tokens" (I64, an input) and each layer's Wq
 * ("blk.l.attn_q.weight", read from the read-only map) are recorded.
 * Every activation is traced with an inject call (patched in inject
 * mode), weights and caches with add calls (only read).
 * Weights file: raw little-endian f32 in this order: tok_embd [V][D]; per
 * layer attn_norm [D], wq wk wv wo [D][D], ffn_norm [D], w1 [F][D], w2
 * [D][F]; output_norm [D]; output [V][D]; value i of tensor j is
 * 0.3 sin(0.37 i + j) (norm weights 1 + 0.1 sin(...)).
 * --defect scales layer 1's attention scores by 1/HD instead of
 * 1/sqrt(HD). The program checks that the weights really are read-only (a
 * write faults), prints "stages S injected I of C inject calls" and the
 * last position's logits (%.9g), and exits 0; 2 with a one-line error.
 */
#include "parity.h"

#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define V      16
#define D      8
#define H      2
#define HD     4
#define NL     2
#define F      16
#define MAXLEN 8
#define NTOK   6

static const int64_t tokens[NTOK] = {1, 5, 9, 3, 7, 2};

typedef struct layer_w {
    const float *attn_norm;         /* [D]    */
    const float *wq, *wk, *wv, *wo; /* [D][D] out x in */
    const float *ffn_norm;          /* [D]    */
    const float *w1;                /* [F][D] */
    const float *w2;                /* [D][F] */
} layer_w;

typedef struct model {
    const float *tok_embd; /* [V][D] */
    layer_w layer[NL];
    const float *output_norm; /* [D]    */
    const float *output;      /* [V][D] */
} model;

#define N_WEIGHTS (V * D + NL * (D + 4 * D * D + D + 2 * F * D) + D + V * D)

/* The port's state: the tracer, the first error, the KV cache. */
typedef struct run {
    parity_tracer *t;
    parity_error err;
    parity_status st;
    int defect;
    size_t inject_calls;
    float k_cache[NL][H][MAXLEN][HD], v_cache[NL][H][MAXLEN][HD];
    float att[H][MAXLEN];
    const char *cache_k[NL], *cache_v[NL]; /* latest stage names */
} run;

/* ---- weights ------------------------------------------------------------ */

static int make_weights(const char *path) {
    static float w[N_WEIGHTS];
    size_t sizes[3 + 8 * NL], n = 0, at = 0;
    sizes[n++] = V * D;
    for (int l = 0; l < NL; l++) {
        size_t per[8] = {D, D * D, D * D, D * D, D * D, D, F * D, D * F};
        for (int j = 0; j < 8; j++) sizes[n++] = per[j];
    }
    sizes[n++] = D;
    sizes[n++] = V * D;
    for (size_t j = 0; j < n; j++) {
        int is_norm = sizes[j] == D;
        for (size_t i = 0; i < sizes[j]; i++, at++) {
            double s = sin(0.37 * (double)i + (double)j);
            w[at] = (float)(is_norm ? 1 + 0.1 * s : 0.3 * s);
        }
    }
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(w, sizeof *w, N_WEIGHTS, f) == N_WEIGHTS;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) fprintf(stderr, "trace_kv: %s: cannot write the weights\n", path);
    return ok ? 0 : 2;
}

/* Point the model into the mapped weights (the file's order). */
static void model_bind(model *m, const float *p) {
    m->tok_embd = p, p += V * D;
    for (int l = 0; l < NL; l++) {
        layer_w *w = &m->layer[l];
        w->attn_norm = p, p += D;
        w->wq = p, p += D * D;
        w->wk = p, p += D * D;
        w->wv = p, p += D * D;
        w->wo = p, p += D * D;
        w->ffn_norm = p, p += D;
        w->w1 = p, p += F * D;
        w->w2 = p, p += D * F;
    }
    m->output_norm = p, p += D;
    m->output = p;
}

/* The weights file mapped read-only (PROT_READ), as ports map checkpoints. */
static const float *map_weights(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || (size_t)sb.st_size != N_WEIGHTS * sizeof(float)) {
        fprintf(stderr, "trace_kv: %s: not a weights file of %zu bytes\n", path,
                N_WEIGHTS * sizeof(float));
        if (fd >= 0) close(fd);
        return NULL;
    }
    void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    *len = (size_t)sb.st_size;
    return p == MAP_FAILED ? NULL : p;
}

static sigjmp_buf probe_jump;
static void on_segv(int sig) {
    (void)sig;
    siglongjmp(probe_jump, 1);
}

/* 1 when writing *p faults: the memory really is read-only. */
static int write_faults(const float *p) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old);
    volatile int faulted = 1;
    if (sigsetjmp(probe_jump, 1) == 0) {
        volatile float *w = (volatile float *)(uintptr_t)p;
        *w = *w;
        faulted = 0;
    }
    sigaction(SIGSEGV, &old, NULL);
    return faulted;
}

/* ---- arithmetic --------------------------------------------------------- */

static void rmsnorm(float *y, const float *x, const float *w, int n) {
    float ss = 0;
    for (int i = 0; i < n; i++) ss += x[i] * x[i];
    float s = 1.0f / sqrtf(ss / (float)n + 1e-5f);
    for (int i = 0; i < n; i++) y[i] = x[i] * s * w[i];
}

/* y[rows] = W[rows][cols] x[cols] */
static void matvec(float *y, const float *w, const float *x, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        float acc = 0;
        for (int c = 0; c < cols; c++) acc += w[r * cols + c] * x[c];
        y[r] = acc;
    }
}

/* ---- tracing ------------------------------------------------------------ */

/* The parents of the stage traced last (n names); skipped after an error. */
static void parents(run *r, size_t n, ...) {
    const char *p[4];
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n && i < 4; i++) p[i] = va_arg(ap, const char *);
    va_end(ap);
    if (r->st == PARITY_OK) r->st = parity_tracer_parents(r->t, NULL, p, n, &r->err);
}

/* Inject blk.<l>.<what> ([n] floats at x); its name. */
static const char *layer_stage(run *r, int l, const char *what, float *x, int64_t n) {
    if (r->st != PARITY_OK) return NULL;
    r->inject_calls += r->t != NULL;
    r->st = parity_tracer_injectf(r->t, PARITY_DT_F32, 1, &n, x, &r->err, "blk.%d.%s", l, what);
    return parity_tracer_last(r->t, NULL);
}

/* Inject a stage outside the layers. */
static const char *top_stage(run *r, const char *name, float *x, int64_t n) {
    if (r->st != PARITY_OK) return NULL;
    r->inject_calls += r->t != NULL;
    r->st = parity_tracer_inject(r->t, name, PARITY_DT_F32, 1, &n, x, &r->err);
    return parity_tracer_last(r->t, NULL);
}

/* Record the valid part of both caches: [H, pos+1, HD] of [H, MAXLEN, HD]. */
static void trace_cache(run *r, int l, int pos, const char *k, const char *v) {
    const int64_t shape[3] = {H, pos + 1, HD}, stride[3] = {MAXLEN * HD, HD, 1};
    const char *from[2] = {k, v};
    const char **latest[2] = {&r->cache_k[l], &r->cache_v[l]};
    for (int i = 0; i < 2 && r->st == PARITY_OK; i++) {
        const float *cache = i ? &r->v_cache[l][0][0][0] : &r->k_cache[l][0][0][0];
        r->st = parity_tracer_add_stridedf(r->t, PARITY_DT_F32, 3, shape, stride, cache, &r->err,
                                           "blk.%d.cache_%c", l, i ? 'v' : 'k');
        if (pos)
            parents(r, 2, from[i], *latest[i]);
        else
            parents(r, 1, from[i]);
        *latest[i] = parity_tracer_last(r->t, NULL);
    }
}

/* ---- the forward pass --------------------------------------------------- */

/* Softmax of q . k[t] over t <= pos for each head into r->att, traced as
 * [H, pos+1] of [H, MAXLEN]: in inject mode the reference's lands there. */
static const char *attention_scores(run *r, int l, int pos, const float *q) {
    float scale = r->defect && l == 1 ? 1.0f / HD : 1.0f / sqrtf((float)HD);
    for (int h = 0; h < H; h++) {
        float max = -INFINITY, sum = 0;
        for (int t = 0; t <= pos; t++) {
            float s = 0;
            for (int i = 0; i < HD; i++) s += q[h * HD + i] * r->k_cache[l][h][t][i];
            r->att[h][t] = s * scale;
            max = fmaxf(max, r->att[h][t]);
        }
        for (int t = 0; t <= pos; t++) sum += r->att[h][t] = expf(r->att[h][t] - max);
        for (int t = 0; t <= pos; t++) r->att[h][t] /= sum;
    }
    if (r->st != PARITY_OK) return NULL;
    const int64_t shape[2] = {H, pos + 1}, stride[2] = {MAXLEN, 1};
    r->inject_calls += r->t != NULL;
    r->st = parity_tracer_inject_stridedf(r->t, PARITY_DT_F32, 2, shape, stride, &r->att[0][0],
                                          &r->err, "blk.%d.kq_soft", l);
    return parity_tracer_last(r->t, NULL);
}

/* The attention half of layer l; x is updated, *xn names it. */
static void attention(run *r, const layer_w *w, int l, int pos, float *x, const char **xn) {
    float xb[D], q[D], k[D], v[D], ctx[D], o[D];
    rmsnorm(xb, x, w->attn_norm, D);
    const char *norm = layer_stage(r, l, "attn_norm", xb, D);
    parents(r, 1, *xn);
    matvec(q, w->wq, xb, D, D);
    const char *qn = layer_stage(r, l, "attn_q", q, D);
    parents(r, 1, norm);
    matvec(k, w->wk, xb, D, D);
    const char *kn = layer_stage(r, l, "attn_k", k, D);
    parents(r, 1, norm);
    matvec(v, w->wv, xb, D, D);
    const char *vn = layer_stage(r, l, "attn_v", v, D);
    parents(r, 1, norm);
    for (int h = 0; h < H; h++)
        for (int i = 0; i < HD; i++) {
            r->k_cache[l][h][pos][i] = k[h * HD + i];
            r->v_cache[l][h][pos][i] = v[h * HD + i];
        }
    trace_cache(r, l, pos, kn, vn);
    const char *sn = attention_scores(r, l, pos, q);
    parents(r, 2, qn, r->cache_k[l]);
    for (int h = 0; h < H; h++)
        for (int i = 0; i < HD; i++) {
            float acc = 0;
            for (int t = 0; t <= pos; t++) acc += r->att[h][t] * r->v_cache[l][h][t][i];
            ctx[h * HD + i] = acc;
        }
    const char *cn = layer_stage(r, l, "kqv", ctx, D);
    parents(r, 2, sn, r->cache_v[l]);
    matvec(o, w->wo, ctx, D, D);
    const char *on = layer_stage(r, l, "attn_out", o, D);
    parents(r, 1, cn);
    for (int i = 0; i < D; i++) x[i] += o[i];
    const char *prev = *xn;
    *xn = layer_stage(r, l, "ffn_inp", x, D);
    parents(r, 2, prev, on);
}

/* The MLP half of layer l. */
static void mlp(run *r, const layer_w *w, int l, float *x, const char **xn) {
    float xb[D], a[F], y[D];
    rmsnorm(xb, x, w->ffn_norm, D);
    const char *norm = layer_stage(r, l, "ffn_norm", xb, D);
    parents(r, 1, *xn);
    matvec(a, w->w1, xb, F, D);
    for (int i = 0; i < F; i++) a[i] = a[i] / (1.0f + expf(-a[i]));
    const char *an = layer_stage(r, l, "ffn_act", a, F);
    parents(r, 1, norm);
    matvec(y, w->w2, a, D, F);
    const char *yn = layer_stage(r, l, "ffn_out", y, D);
    parents(r, 1, an);
    for (int i = 0; i < D; i++) x[i] += y[i];
    const char *prev = *xn;
    *xn = layer_stage(r, l, "l_out", x, D);
    parents(r, 2, prev, yn);
}

/* One position: the logits of token tok at pos into logits[V]. */
static void forward(run *r, const model *m, int pos, const char *tok_name, float *logits) {
    float x[D], xb[D];
    memcpy(x, m->tok_embd + tokens[pos] * D, sizeof x);
    const char *xn = top_stage(r, "tok_embd", x, D);
    parents(r, 1, tok_name);
    for (int l = 0; l < NL; l++) {
        attention(r, &m->layer[l], l, pos, x, &xn);
        mlp(r, &m->layer[l], l, x, &xn);
    }
    rmsnorm(xb, x, m->output_norm, D);
    const char *nn = top_stage(r, "result_norm", xb, D);
    parents(r, 1, xn);
    matvec(logits, m->output, xb, V, D);
    top_stage(r, "result_output", logits, V);
    parents(r, 1, nn);
}

/* Record the inputs and the weights the port reads (read-only memory). */
static const char *trace_start(run *r, const model *m) {
    const int64_t n_tok = NTOK, s_w[2] = {D, D};
    if (r->st == PARITY_OK)
        r->st = parity_tracer_add_input(r->t, "tokens", PARITY_DT_I64, 1, &n_tok, tokens, &r->err);
    const char *tok_name = parity_tracer_last(r->t, NULL);
    for (int l = 0; l < NL && r->st == PARITY_OK; l++)
        r->st = parity_tracer_addf(r->t, PARITY_DT_F32, 2, s_w, m->layer[l].wq, &r->err,
                                   "blk.%d.attn_q.weight", l);
    return tok_name;
}

static int decode(const model *m, int defect) {
    static run r;
    r.defect = defect;
    if (parity_tracer_open(NULL, &r.t, &r.err) != PARITY_OK) {
        fprintf(stderr, "trace_kv: %s\n", r.err.msg);
        return 2;
    }
    float logits[V];
    const char *tok_name = trace_start(&r, m);
    for (int pos = 0; pos < NTOK; pos++) forward(&r, m, pos, tok_name, logits);
    size_t injected = parity_tracer_injected(r.t);
    parity_error cerr;
    parity_status cs = parity_tracer_close(r.t, &cerr);
    if (r.st == PARITY_OK && cs != PARITY_OK) r.st = cs, r.err = cerr;
    if (r.st != PARITY_OK) {
        fprintf(stderr, "trace_kv: %s\n", r.err.msg);
        return 2;
    }
    /* the inject calls, and the add calls: tokens, NL weights, 2 caches */
    /* per layer and position */
    size_t stages = r.inject_calls + (r.t ? 1 + NL + 2 * NL * NTOK : 0);
    printf("stages %zu injected %zu of %zu inject calls\nlogits", stages, injected, r.inject_calls);
    for (int i = 0; i < V; i++) printf(" %.9g", logits[i]);
    printf("\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "--make-weights")) return make_weights(argv[2]);
    int defect = argc == 3 && !strcmp(argv[2], "--defect");
    if (argc != 2 && !defect) {
        fprintf(stderr, "usage: trace_kv --make-weights FILE | trace_kv WEIGHTS [--defect]\n");
        return 2;
    }
    size_t len = 0;
    const float *w = map_weights(argv[1], &len);
    if (!w) return 2;
    if (!write_faults(w)) {
        fprintf(stderr, "trace_kv: %s: the weights map is writable\n", argv[1]);
        return 2;
    }
    model m;
    model_bind(&m, w);
    int rc = decode(&m, defect);
    munmap((void *)(uintptr_t)w, len);
    return rc;
}
