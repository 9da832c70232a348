/*
 * melflow port: the decoder of reference.py written again in C, the way a
 * team porting a flow-matching TTS decoder would write it, with one
 * realistic bug planted at a time (--defect) so parity has something to
 * find. Storage is float32 (as in PyTorch); dot products and reductions
 * accumulate in double; element-wise steps that PyTorch performs in float32
 * (the schedule, the Euler update, guidance) are done in float32 too.
 *
 * Layouts (batch 1 everywhere; the two CFG halves run as two passes):
 *   mel-like tensors and conv activations  [C][T]   (PyTorch [1,C,T])
 *   transformer activations                [T][C]   (PyTorch [1,T,C])
 *   attention scores                       [H][T][T]
 *   Conv1d weights                         [out][k][in]  (the MLX layout:
 *                                          port_weights.c transposes
 *                                          PyTorch's [out][in][k])
 *   Linear weights                         [out][in]
 */
#ifndef MELFLOW_PORT_H
#define MELFLOW_PORT_H

#include "parity.h"

#define MF_MELS 80      /* mel bins                                        */
#define MF_CH 64        /* estimator channels                              */
#define MF_SIN 320      /* sinusoidal embedding = packed input channels    */
#define MF_TEMB 128     /* time-embedding width                            */
#define MF_HEADS 2      /* attention heads                                 */
#define MF_HEAD_DIM 48  /* head size d                                     */
#define MF_INNER (MF_HEADS * MF_HEAD_DIM)
#define MF_FF 256       /* feed-forward width                              */
#define MF_STEPS 10     /* Euler steps                                     */
#define MF_CFG 0.7f     /* inference_cfg_rate                              */
#define MF_MAX_T 4096   /* frames accepted from inputs.safetensors         */

typedef enum mf_defect {
    MF_DEF_NONE = 0,
    MF_DEF_SCHEDULE,      /* linear time schedule instead of cosine        */
    MF_DEF_NORM_IDENTITY, /* resnet.block1.norm never loaded: gamma=1, beta=0 */
    MF_DEF_GELU_TANH,     /* tanh approximation instead of exact erf GELU  */
    MF_DEF_ATTN_SCALE,    /* attention logits not scaled by 1/sqrt(d)       */
    MF_DEF_CONV_LAYOUT,   /* Conv1d weights reshaped, not transposed, from
                           * PyTorch's [out][in][k] to [out][k][in]          */
    MF_DEF_CFG_SIGN,      /* dxdt = (1-w) v_cond + w v_uncond               */
    MF_DEF_TIME_SCALE,    /* time embedding fed 1000 t (scaled twice)        */
    MF_DEF_HALF,          /* activations rounded through f16 at each stage  */
    MF_DEF_DB_PATCH,      /* +2.0 added to the output mel ("correction")    */
    MF_DEF_COUNT
} mf_defect;

/* A CausalBlock1D: causal conv k=3, LayerNorm over channels, Mish. */
typedef struct mf_block {
    int cin, cout;
    const float *conv_w; /* [cout][3][cin] */
    const float *conv_b; /* [cout]         */
    const float *norm_g; /* [cout]         */
    const float *norm_b; /* [cout]         */
} mf_block;

/* The estimator's weights, borrowed from one allocation (mf_model.arena). */
typedef struct mf_model {
    const float *time_w1, *time_b1; /* [TEMB][SIN], [TEMB]   */
    const float *time_w2, *time_b2; /* [TEMB][TEMB], [TEMB]  */
    mf_block block1, block2, final_block;
    const float *mlp_w, *mlp_b;     /* [CH][TEMB], [CH]      */
    const float *res_w, *res_b;     /* [CH][1][SIN], [CH]    */
    const float *n1_g, *n1_b;       /* [CH]                  */
    const float *wq, *wk, *wv;      /* [INNER][CH]           */
    const float *wo, *bo;           /* [CH][INNER], [CH]     */
    const float *n3_g, *n3_b;       /* [CH]                  */
    const float *ff1_w, *ff1_b;     /* [FF][CH], [FF]        */
    const float *ff2_w, *ff2_b;     /* [CH][FF], [CH]        */
    const float *proj_w, *proj_b;   /* [MELS][1][CH], [MELS] */
    float *arena;
} mf_model;

/* One run: the model, the planted defect, and the tracer (NULL: off). A
 * tracer failure is sticky: the first one is kept in st/err and later
 * stages are not traced. */
typedef struct mf_run {
    const mf_model *m;
    mf_defect defect;
    parity_tracer *tr;
    int T;
    int traced;          /* 1 in the conditional pass: stages are recorded */
    char prefix[48];     /* "ode.step3.est." during an estimator pass      */
    parity_status st;
    parity_error err;
} mf_run;

/* ---- port.c: inputs, solver, main ---------------------------------------- */

/* One line "out of memory (N bytes for what)" on stderr; returns -1. */
int mf_out_of_memory(const char *what, size_t bytes);

/* ---- port_weights.c: reading the fixtures, dumping the weights ---------- */

/* Elements of a shape. */
size_t mf_shape_count(int ndim, const int64_t *shape);
/* The tensor called name with exactly the given shape, or NULL after one
 * line on stderr naming the file, the tensor and what is wrong. */
const parity_tensor *mf_find_tensor(const parity_set *set, const char *name,
                                    int ndim, const int64_t *shape);
/* The first n elements of t (any float dtype), as float32, into dst. */
void mf_read_floats(const parity_tensor *t, float *dst, size_t n);
/* Read every weight into one allocation (m->arena, the caller frees it), in
 * the port's layout, with the defect's loader bug if it has one. Returns 0,
 * or -1 after one line on stderr. */
int mf_model_load(const parity_set *set, mf_defect defect, mf_model *m);
/* Write the weights as the port holds and uses them to a safetensors file:
 * PyTorch names, the port's shapes (Conv1d [out, k, in]), metadata "defect".
 * Returns 0, or -1 after one line on stderr. */
int mf_model_dump(const mf_model *m, const char *defect, const char *path);

/* ---- port_ops.c: the numerical kernels ---------------------------------- */

/* y[r][o] = b[o] + sum_i x[r][i] w[o][i]   (x [rows][in], w [out][in]) */
void mf_linear(const float *x, int rows, int in, const float *w,
               const float *b, int out, float *y);
/* Causal Conv1d over [cin][T]: y[o][t] = b[o] + sum_j sum_i
 * w[o][j][i] x[i][t-(k-1)+j], x = 0 left of t = 0; w [out][k][in]. */
void mf_conv1d(const float *x, int cin, int T, const float *w,
               const float *b, int cout, int k, float *y);
/* LayerNorm over the channels of [C][T], in place:
 * y = (x - mean) / sqrt(var + 1e-5) * g + b, var biased. */
void mf_layernorm_ct(float *x, int C, int T, const float *g, const float *b);
/* LayerNorm over the channels of [T][C] (the rows), into y. */
void mf_layernorm_tc(const float *x, int T, int C, const float *g,
                     const float *b, float *y);
/* Element-wise activations, in place. */
void mf_mish(float *x, size_t n);   /* x tanh(ln(1 + e^x))               */
void mf_silu(float *x, size_t n);   /* x / (1 + e^-x)                    */
void mf_gelu(float *x, size_t n, int tanh_approx);
/* Softmax of each row of [rows][n], in place. */
void mf_softmax_rows(float *x, int rows, int n);

/* ---- port_est.c: the estimator ----------------------------------------- */

/* One estimator pass (one CFG half). x, mu, cond [MELS][T], spks [MELS],
 * mask [T], t the time; out [MELS][T]. Returns 0, or -1 when out of
 * memory (said on stderr). Stages are traced under r->prefix when r->traced. */
int mf_estimator(mf_run *r, const float *x, const float *mu,
                 const float *spks, const float *cond, const float *mask,
                 float t, float *out);

/* Finish a stage: round through f16 under the half defect, then trace it
 * (name is prefixed with r->prefix) when r->traced. In inject mode the
 * tracer overwrites x with the reference. */
void mf_stage(mf_run *r, const char *name, float *x, int ndim,
              const int64_t *shape);

#endif /* MELFLOW_PORT_H */
