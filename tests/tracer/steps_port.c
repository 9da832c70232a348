/*
 * steps_port.c — a per-token C port for inject mode against a reference
 * traced over the whole sequence (tests/tracer/run_inject_steps.sh): one
 * attention block, decoded one token per call, each stage recorded once per
 * token under the port's own names (tok_emb, tok_emb#1, ...), while the
 * reference (tests/tracer/steps_reference.py) holds each stage for every
 * position at once (embed [1, T, D], attn.q [1, H, T, HD], ...).
 *
 *   steps_port WEIGHTS [--bug]
 *
 * WEIGHTS (written by steps_reference.py): T int64 tokens, then float32
 * emb [V][D], wq wk wv wo [D][D], wout [V][D], little-endian. Per position
 * pos (x [D] the residual stream; names as traced, <- what they read):
 *   tok_emb  x = emb[tokens[pos]]                          [D]
 *   blk.q    Wq x, per head                                [H, HD]
 *   blk.k    Wk x, kept in the cache k_cache[h][pos]       [H, HD]
 *   blk.v    Wv x, kept in the cache v_cache[h][pos]       [H, HD]
 *   blk.att  softmax_t(q_h . k_h[t] / sqrt(HD)), t <= pos  [H, pos+1] of
 *            att [H][T] (injected through its strides: grows with pos)
 *   blk.ctx  sum_t att[h][t] v_h[t]                        [D]
 *   blk.out  x + Wo ctx                                    [D]
 *   logits   Wout out                                      [V]
 * --bug scales the attention scores by 1/HD instead of 1/sqrt(HD) (the
 * planted bug: blk.att differs from position 1 on; at position 0 the one
 * score is 1 whatever the scale). Prints "injected I of C" and the last
 * position's logits (%.9g); exits 0, or 2 with a one-line error.
 */
#include "parity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T  6
#define V  16
#define D  8
#define H  2
#define HD (D / H)

typedef struct model {
    int64_t tokens[T];
    float emb[V][D], wq[D][D], wk[D][D], wv[D][D], wo[D][D], wout[V][D];
} model;

typedef struct run {
    parity_tracer *t; /* NULL: tracing off */
    parity_error err;
    size_t calls; /* inject calls made */
} run;

static void check(run *r, parity_status st) {
    if (st == PARITY_OK) return;
    fprintf(stderr, "steps_port: %s\n", r->err.msg);
    exit(2);
}

/* out [n] = w [n][m] x [m] */
static void matvec(float *out, const float *w, const float *x, int n, int m) {
    for (int i = 0; i < n; i++) {
        float s = 0;
        for (int j = 0; j < m; j++) s += w[i * m + j] * x[j];
        out[i] = s;
    }
}

/* A stage the next one reads: traced, and in inject mode overwritten. */
static void stage(run *r, const char *name, int ndim, const int64_t *shape, float *x) {
    r->calls += r->t != NULL;
    check(r, parity_tracer_inject(r->t, name, PARITY_DT_F32, ndim, shape, x, &r->err));
}

/* The scores of the pos+1 cached positions, [H, pos+1] of att [H][T]. */
static void attention(run *r, float att[H][T], const float *q, float kc[H][T][HD], int pos,
                      int bug) {
    float scale = bug ? 1.0f / HD : 1.0f / sqrtf((float)HD);
    for (int h = 0; h < H; h++) {
        float mx = -INFINITY, sum = 0;
        for (int j = 0; j <= pos; j++) {
            float s = 0;
            for (int i = 0; i < HD; i++) s += q[h * HD + i] * kc[h][j][i];
            att[h][j] = s * scale;
            mx = att[h][j] > mx ? att[h][j] : mx;
        }
        for (int j = 0; j <= pos; j++) sum += att[h][j] = expf(att[h][j] - mx);
        for (int j = 0; j <= pos; j++) att[h][j] /= sum;
    }
    const int64_t shape[2] = {H, pos + 1}, stride[2] = {T, 1};
    r->calls += r->t != NULL;
    check(r, parity_tracer_inject_strided(r->t, "blk.att", PARITY_DT_F32, 2, shape, stride,
                                          &att[0][0], &r->err));
}

static void decode(run *r, const model *m, int bug, float *logits) {
    static float kc[H][T][HD], vc[H][T][HD], att[H][T]; /* the caches */
    const int64_t d = D, v = V, hd[2] = {H, HD};
    float x[D], q[D], k[D], val[D], ctx[D], o[D];
    for (int pos = 0; pos < T; pos++) {
        memcpy(x, m->emb[m->tokens[pos]], sizeof x);
        stage(r, "tok_emb", 1, &d, x);
        matvec(q, &m->wq[0][0], x, D, D);
        stage(r, "blk.q", 2, hd, q);
        matvec(k, &m->wk[0][0], x, D, D);
        stage(r, "blk.k", 2, hd, k);
        matvec(val, &m->wv[0][0], x, D, D);
        stage(r, "blk.v", 2, hd, val);
        for (int h = 0; h < H; h++) {
            memcpy(kc[h][pos], k + h * HD, sizeof kc[h][pos]);
            memcpy(vc[h][pos], val + h * HD, sizeof vc[h][pos]);
        }
        attention(r, att, q, kc, pos, bug);
        for (int h = 0; h < H; h++)
            for (int i = 0; i < HD; i++) {
                float s = 0;
                for (int j = 0; j <= pos; j++) s += att[h][j] * vc[h][j][i];
                ctx[h * HD + i] = s;
            }
        stage(r, "blk.ctx", 1, &d, ctx);
        matvec(o, &m->wo[0][0], ctx, D, D);
        for (int i = 0; i < D; i++) x[i] += o[i];
        stage(r, "blk.out", 1, &d, x);
        matvec(logits, &m->wout[0][0], x, V, D);
        stage(r, "logits", 1, &v, logits);
    }
}

int main(int argc, char **argv) {
    static model m;
    run r = {0};
    float logits[V];
    if (argc < 2) {
        fprintf(stderr, "usage: steps_port WEIGHTS [--bug]\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    int ok = f && fread(m.tokens, sizeof m.tokens, 1, f) == 1 &&
             fread(m.emb, sizeof m - sizeof m.tokens, 1, f) == 1;
    if (f) fclose(f);
    for (int i = 0; ok && i < T; i++) ok = m.tokens[i] >= 0 && m.tokens[i] < V;
    if (!ok) {
        fprintf(stderr, "steps_port: %s: not a weights file of this model\n", argv[1]);
        return 2;
    }
    check(&r, parity_tracer_open(NULL, &r.t, &r.err)); /* $PARITY_TRACE */
    const int64_t n_tok = T;
    check(&r, parity_tracer_add_input(r.t, "tokens", PARITY_DT_I64, 1, &n_tok, m.tokens, &r.err));
    decode(&r, &m, argc > 2 && strcmp(argv[2], "--bug") == 0, logits);
    printf("injected %zu of %zu\nlogits", parity_tracer_injected(r.t), r.calls);
    for (int i = 0; i < V; i++) printf(" %.9g", logits[i]);
    printf("\n");
    check(&r, parity_tracer_close(r.t, &r.err));
    return 0;
}
