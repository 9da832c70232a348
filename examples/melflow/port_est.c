/*
 * melflow port: the estimator (ConditionalDecoder), one CFG half per call.
 *
 *   time_emb   sin/cos(1000 t f_i), f_i = exp(-i ln(1e4) / 159), sin first
 *   time_mlp   Linear(320,128) SiLU Linear(128,128)
 *   packing    [x, mu, spks repeated over T, cond]        [320][T]
 *   resnet     block1 (320->64), + Linear(Mish(temb)), block2, + res_conv
 *   tfm        in [T][C]: h += attn(LN1 h); h += ff(LN3 h)
 *   final      final_block, final_proj Conv1d k=1 to 80 bins, times mask
 * Every traced stage goes through mf_stage() with the reference's name.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port.h"

void mf_stage(mf_run *r, const char *name, float *x, int ndim,
              const int64_t *shape) {
    if (r->defect == MF_DEF_HALF) {
        size_t n = 1;
        for (int d = 0; d < ndim; d++) n *= (size_t)shape[d];
        for (size_t i = 0; i < n; i++)
            x[i] = (float)parity_round_to(PARITY_DT_F16, x[i]);
    }
    if (!r->traced || r->st != PARITY_OK) return;
    r->st = parity_tracer_injectf(r->tr, PARITY_DT_F32, ndim, shape, x, &r->err, "%s%s", r->prefix,
                                  name);
}

/* Stage of shape [1, a, b]. */
static void stage3(mf_run *r, const char *name, float *x, int a, int b) {
    const int64_t shape[3] = {1, a, b};
    mf_stage(r, name, x, 3, shape);
}

/* Scratch for one pass; every buffer sized for T frames. */
typedef struct est_buf {
    float sin_emb[MF_SIN], hidden[MF_TEMB], temb[MF_TEMB], tproj[MF_CH];
    float *packed;  /* [SIN][T]  */
    float *xm;      /* [SIN][T]  input times mask                          */
    float *h, *h2;  /* [CH][T]                                             */
    float *ht, *hn; /* [T][CH]                                             */
    float *q, *k, *v, *o; /* [T][INNER]                                    */
    float *scores;  /* [HEADS][T][T]                                       */
    float *ff;      /* [T][FF]                                             */
    float *mem;
} est_buf;

static int buf_init(est_buf *b, int T) {
    size_t t = (size_t)T;
    size_t sizes[] = {MF_SIN * t, MF_SIN * t, MF_CH * t, MF_CH * t,
                      MF_CH * t, MF_CH * t, MF_INNER * t, MF_INNER * t,
                      MF_INNER * t, MF_INNER * t, MF_HEADS * t * t, MF_FF * t};
    float **dst[] = {&b->packed, &b->xm, &b->h, &b->h2, &b->ht, &b->hn,
                     &b->q, &b->k, &b->v, &b->o, &b->scores, &b->ff};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) total += sizes[i];
    b->mem = calloc(total, sizeof(float));
    if (!b->mem) return mf_out_of_memory("the estimator", total * sizeof(float));
    float *p = b->mem;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        *dst[i] = p;
        p += sizes[i];
    }
    return 0;
}

/* Sinusoidal embedding and MLP. Float32 steps as in the reference:
 * arg = (float)((float)(1000 t) * f_i), f_i rounded once from float64. */
static void est_time(mf_run *r, est_buf *b, float t) {
    const int half = MF_SIN / 2;
    const double e = log(10000.0) / (half - 1);
    if (r->defect == MF_DEF_TIME_SCALE) t = 1000.0f * t; /* scaled twice */
    float scaled = 1000.0f * t;
    for (int i = 0; i < half; i++) {
        float f = (float)exp((double)i * -e);
        float arg = scaled * f;
        b->sin_emb[i] = (float)sin(arg);
        b->sin_emb[half + i] = (float)cos(arg);
    }
    const int64_t s1[2] = {1, MF_SIN}, s2[2] = {1, MF_TEMB};
    mf_stage(r, "time_emb", b->sin_emb, 2, s1);
    const mf_model *m = r->m;
    mf_linear(b->sin_emb, 1, MF_SIN, m->time_w1, m->time_b1, MF_TEMB,
              b->hidden);
    mf_silu(b->hidden, MF_TEMB);
    mf_linear(b->hidden, 1, MF_TEMB, m->time_w2, m->time_b2, MF_TEMB, b->temb);
    mf_stage(r, "time_mlp", b->temb, 2, s2);
}

/* CausalBlock1D: out = Mish(LN_c(conv(x * mask))) * mask; x [cin][T]
 * (overwritten by x * mask), out [cout][T]. detail traces .conv/.norm. */
static void est_block(mf_run *r, const mf_block *blk, float *x,
                      const float *mask, float *out, const char *name,
                      int detail) {
    const int T = r->T;
    char st[48];
    for (int c = 0; c < blk->cin; c++)
        for (int t = 0; t < T; t++) x[(size_t)c * T + t] *= mask[t];
    mf_conv1d(x, blk->cin, T, blk->conv_w, blk->conv_b, blk->cout, 3, out);
    snprintf(st, sizeof st, "%s.conv", name);
    if (detail) stage3(r, st, out, blk->cout, T);
    mf_layernorm_ct(out, blk->cout, T, blk->norm_g, blk->norm_b);
    snprintf(st, sizeof st, "%s.norm", name);
    if (detail) stage3(r, st, out, blk->cout, T);
    mf_mish(out, (size_t)blk->cout * T);
    for (int c = 0; c < blk->cout; c++)
        for (int t = 0; t < T; t++) out[(size_t)c * T + t] *= mask[t];
    snprintf(st, sizeof st, "%s.out", name);
    stage3(r, st, out, blk->cout, T);
}

/* [x, mu, spks repeated over T, cond] -> packed [SIN][T]. */
static void est_pack(int T, const float *x, const float *mu,
                     const float *spks, const float *cond, float *packed) {
    size_t plane = (size_t)MF_MELS * T;
    memcpy(packed, x, plane * sizeof(float));
    memcpy(packed + plane, mu, plane * sizeof(float));
    for (int c = 0; c < MF_MELS; c++)
        for (int t = 0; t < T; t++) packed[2 * plane + (size_t)c * T + t] = spks[c];
    memcpy(packed + 3 * plane, cond, plane * sizeof(float));
}

/* CausalResnetBlock1D: h = block2(block1(x) + Linear(Mish(temb))) +
 * res_conv(x * mask). Reads b->packed; leaves the result in b->h. */
static void est_resnet(mf_run *r, est_buf *b, const float *mask) {
    const mf_model *m = r->m;
    const int T = r->T;
    size_t n_in = (size_t)MF_SIN * T, n = (size_t)MF_CH * T;
    memcpy(b->xm, b->packed, n_in * sizeof(float));
    est_block(r, &m->block1, b->xm, mask, b->h, "block1", 1);
    float mt[MF_TEMB];
    memcpy(mt, b->temb, sizeof mt);
    mf_mish(mt, MF_TEMB);
    mf_linear(mt, 1, MF_TEMB, m->mlp_w, m->mlp_b, MF_CH, b->tproj);
    for (int c = 0; c < MF_CH; c++)
        for (int t = 0; t < T; t++) b->h[(size_t)c * T + t] += b->tproj[c];
    stage3(r, "resnet.temb", b->h, MF_CH, T);
    est_block(r, &m->block2, b->h, mask, b->h2, "block2", 0);
    /* b->xm already holds packed * mask: the res_conv input. */
    mf_conv1d(b->xm, MF_SIN, T, m->res_w, m->res_b, MF_CH, 1, b->h);
    for (size_t i = 0; i < n; i++) b->h[i] = b->h2[i] + b->h[i];
    stage3(r, "resnet.out", b->h, MF_CH, T);
}

/* Scores [H][T][T] = q_h k_h^T * (1/sqrt d), as PyTorch rounds them (the
 * dot product, then the scale), traced; then the padding bias
 * (1 - mask_j) * -1e10 is added for the softmax. */
static void est_scores(mf_run *r, est_buf *b, const float *mask) {
    const int T = r->T;
    const float scale = (r->defect == MF_DEF_ATTN_SCALE)
                            ? 1.0f
                            : (float)(1.0 / sqrt((double)MF_HEAD_DIM));
    for (int h = 0; h < MF_HEADS; h++)
        for (int i = 0; i < T; i++)
            for (int j = 0; j < T; j++) {
                const float *qi = b->q + (size_t)i * MF_INNER + h * MF_HEAD_DIM;
                const float *kj = b->k + (size_t)j * MF_INNER + h * MF_HEAD_DIM;
                double acc = 0.0;
                for (int d = 0; d < MF_HEAD_DIM; d++) acc += (double)qi[d] * kj[d];
                b->scores[((size_t)h * T + i) * T + j] = (float)acc * scale;
            }
    const int64_t shape[4] = {1, MF_HEADS, T, T};
    mf_stage(r, "attn.scores", b->scores, 4, shape);
    for (int h = 0; h < MF_HEADS; h++)
        for (int i = 0; i < T; i++)
            for (int j = 0; j < T; j++)
                b->scores[((size_t)h * T + i) * T + j] +=
                    (1.0f - mask[j]) * -1.0e10f;
}

/* attn.out = to_out(softmax(scores) v), heads merged: [T][CH] into b->hn. */
static void est_attention(mf_run *r, est_buf *b, const float *mask) {
    const mf_model *m = r->m;
    const int T = r->T;
    mf_linear(b->hn, T, MF_CH, m->wq, NULL, MF_INNER, b->q);
    mf_linear(b->hn, T, MF_CH, m->wk, NULL, MF_INNER, b->k);
    mf_linear(b->hn, T, MF_CH, m->wv, NULL, MF_INNER, b->v);
    est_scores(r, b, mask);
    mf_softmax_rows(b->scores, MF_HEADS * T, T);
    for (int h = 0; h < MF_HEADS; h++)
        for (int i = 0; i < T; i++)
            for (int d = 0; d < MF_HEAD_DIM; d++) {
                const float *p = b->scores + ((size_t)h * T + i) * T;
                const float *vd = b->v + h * MF_HEAD_DIM + d;
                double acc = 0.0;
                for (int j = 0; j < T; j++)
                    acc += (double)p[j] * vd[(size_t)j * MF_INNER];
                b->o[(size_t)i * MF_INNER + h * MF_HEAD_DIM + d] = (float)acc;
            }
    mf_linear(b->o, T, MF_INNER, m->wo, m->bo, MF_CH, b->hn);
    stage3(r, "attn.out", b->hn, T, MF_CH);
}

/* Transformer block on b->h ([CH][T]); result back in b->h. */
static void est_transformer(mf_run *r, est_buf *b, const float *mask) {
    const mf_model *m = r->m;
    const int T = r->T;
    size_t n = (size_t)MF_CH * T;
    for (int c = 0; c < MF_CH; c++)
        for (int t = 0; t < T; t++)
            b->ht[(size_t)t * MF_CH + c] = b->h[(size_t)c * T + t];
    mf_layernorm_tc(b->ht, T, MF_CH, m->n1_g, m->n1_b, b->hn);
    est_attention(r, b, mask);
    for (size_t i = 0; i < n; i++) b->ht[i] = b->hn[i] + b->ht[i];
    mf_layernorm_tc(b->ht, T, MF_CH, m->n3_g, m->n3_b, b->hn);
    mf_linear(b->hn, T, MF_CH, m->ff1_w, m->ff1_b, MF_FF, b->ff);
    mf_gelu(b->ff, (size_t)T * MF_FF, r->defect == MF_DEF_GELU_TANH);
    stage3(r, "ff.gelu", b->ff, T, MF_FF);
    mf_linear(b->ff, T, MF_FF, m->ff2_w, m->ff2_b, MF_CH, b->hn);
    for (size_t i = 0; i < n; i++) b->ht[i] = b->hn[i] + b->ht[i];
    stage3(r, "tfm.out", b->ht, T, MF_CH);
    for (int c = 0; c < MF_CH; c++)
        for (int t = 0; t < T; t++)
            b->h[(size_t)c * T + t] = b->ht[(size_t)t * MF_CH + c];
}

int mf_estimator(mf_run *r, const float *x, const float *mu,
                 const float *spks, const float *cond, const float *mask,
                 float t, float *out) {
    const int T = r->T;
    est_buf b;
    if (buf_init(&b, T)) return -1;
    est_time(r, &b, t);
    est_pack(T, x, mu, spks, cond, b.packed);
    est_resnet(r, &b, mask);
    est_transformer(r, &b, mask);
    est_block(r, &r->m->final_block, b.h, mask, b.h2, "final_block", 0);
    for (int c = 0; c < MF_CH; c++)
        for (int i = 0; i < T; i++) b.h2[(size_t)c * T + i] *= mask[i];
    mf_conv1d(b.h2, MF_CH, T, r->m->proj_w, r->m->proj_b, MF_MELS, 1, out);
    stage3(r, "final_proj", out, MF_MELS, T);
    for (int c = 0; c < MF_MELS; c++)
        for (int i = 0; i < T; i++) out[(size_t)c * T + i] *= mask[i];
    free(b.mem);
    return 0;
}
