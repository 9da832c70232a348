/*
 * melflow port: the weights. Reads weights.safetensors (PyTorch names and
 * layouts) into the port's own layout, and writes them back out as the port
 * holds them (--dump-weights), so the weights a port really uses can be
 * compared with the reference's, as the seed plan's "check finalProj
 * weights" step does on both sides.
 *
 * The port keeps Conv1d weights as [out][k][in] (the MLX layout): the
 * loader transposes PyTorch's [out][in][k]. Two defects live here, where
 * they live in real ports:
 *   conv-layout    the loader reshapes instead of transposing: the
 *                  [out][in][k] bytes are taken as [out][k][in];
 *   norm-identity  resnet.block1.norm's gamma and beta are never read and
 *                  keep their initialization, 1 and 0.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port.h"

#define W(field) offsetof(mf_model, field)
/* Shapes as stored by PyTorch (Conv1d [out, in, k]). */
static const struct {
    const char *name;
    size_t field;
    int ndim;
    int64_t shape[3];
} WEIGHTS[] = {
    {"estimator.time_mlp.linear_1.weight", W(time_w1), 2, {MF_TEMB, MF_SIN}},
    {"estimator.time_mlp.linear_1.bias", W(time_b1), 1, {MF_TEMB}},
    {"estimator.time_mlp.linear_2.weight", W(time_w2), 2, {MF_TEMB, MF_TEMB}},
    {"estimator.time_mlp.linear_2.bias", W(time_b2), 1, {MF_TEMB}},
    {"estimator.resnet.mlp.1.weight", W(mlp_w), 2, {MF_CH, MF_TEMB}},
    {"estimator.resnet.mlp.1.bias", W(mlp_b), 1, {MF_CH}},
    {"estimator.resnet.block1.conv.weight", W(block1.conv_w), 3, {MF_CH, MF_SIN, 3}},
    {"estimator.resnet.block1.conv.bias", W(block1.conv_b), 1, {MF_CH}},
    {"estimator.resnet.block1.norm.weight", W(block1.norm_g), 1, {MF_CH}},
    {"estimator.resnet.block1.norm.bias", W(block1.norm_b), 1, {MF_CH}},
    {"estimator.resnet.block2.conv.weight", W(block2.conv_w), 3, {MF_CH, MF_CH, 3}},
    {"estimator.resnet.block2.conv.bias", W(block2.conv_b), 1, {MF_CH}},
    {"estimator.resnet.block2.norm.weight", W(block2.norm_g), 1, {MF_CH}},
    {"estimator.resnet.block2.norm.bias", W(block2.norm_b), 1, {MF_CH}},
    {"estimator.resnet.res_conv.weight", W(res_w), 3, {MF_CH, MF_SIN, 1}},
    {"estimator.resnet.res_conv.bias", W(res_b), 1, {MF_CH}},
    {"estimator.tfm.norm1.weight", W(n1_g), 1, {MF_CH}},
    {"estimator.tfm.norm1.bias", W(n1_b), 1, {MF_CH}},
    {"estimator.tfm.attn1.to_q.weight", W(wq), 2, {MF_INNER, MF_CH}},
    {"estimator.tfm.attn1.to_k.weight", W(wk), 2, {MF_INNER, MF_CH}},
    {"estimator.tfm.attn1.to_v.weight", W(wv), 2, {MF_INNER, MF_CH}},
    {"estimator.tfm.attn1.to_out.weight", W(wo), 2, {MF_CH, MF_INNER}},
    {"estimator.tfm.attn1.to_out.bias", W(bo), 1, {MF_CH}},
    {"estimator.tfm.norm3.weight", W(n3_g), 1, {MF_CH}},
    {"estimator.tfm.norm3.bias", W(n3_b), 1, {MF_CH}},
    {"estimator.tfm.ff.proj.weight", W(ff1_w), 2, {MF_FF, MF_CH}},
    {"estimator.tfm.ff.proj.bias", W(ff1_b), 1, {MF_FF}},
    {"estimator.tfm.ff.out.weight", W(ff2_w), 2, {MF_CH, MF_FF}},
    {"estimator.tfm.ff.out.bias", W(ff2_b), 1, {MF_CH}},
    {"estimator.final_block.conv.weight", W(final_block.conv_w), 3, {MF_CH, MF_CH, 3}},
    {"estimator.final_block.conv.bias", W(final_block.conv_b), 1, {MF_CH}},
    {"estimator.final_block.norm.weight", W(final_block.norm_g), 1, {MF_CH}},
    {"estimator.final_block.norm.bias", W(final_block.norm_b), 1, {MF_CH}},
    {"estimator.final_proj.weight", W(proj_w), 3, {MF_MELS, MF_CH, 1}},
    {"estimator.final_proj.bias", W(proj_b), 1, {MF_MELS}},
};
#undef W
#define N_WEIGHTS (sizeof WEIGHTS / sizeof *WEIGHTS)
#define NORM_IDENTITY_GAMMA "estimator.resnet.block1.norm.weight"
#define NORM_IDENTITY_BETA "estimator.resnet.block1.norm.bias"

size_t mf_shape_count(int ndim, const int64_t *shape) {
    size_t n = 1;
    for (int d = 0; d < ndim; d++) n *= (size_t)shape[d];
    return n;
}

const parity_tensor *mf_find_tensor(const parity_set *set, const char *name,
                                    int ndim, const int64_t *shape) {
    long i = parity_set_find(set, name);
    if (i < 0) {
        fprintf(stderr, "melflow_port: %s: no tensor '%s'\n",
                parity_set_path(set), name);
        return NULL;
    }
    const parity_tensor *t = parity_set_tensor(set, (size_t)i);
    int ok = t->ndim == ndim;
    for (int d = 0; ok && d < ndim; d++) ok = t->shape[d] == shape[d];
    if (!ok) {
        char got[256], want[256];
        int at = snprintf(want, sizeof want, "[");
        for (int d = 0; d < ndim; d++)
            at += snprintf(want + at, sizeof want - (size_t)at, "%s%lld",
                           d ? ", " : "", (long long)shape[d]);
        snprintf(want + at, sizeof want - (size_t)at, "]");
        fprintf(stderr, "melflow_port: %s: tensor '%s': shape %s, expected "
                "%s\n", parity_set_path(set), name,
                parity_shape_str(t, got, sizeof got), want);
        return NULL;
    }
    return t;
}

void mf_read_floats(const parity_tensor *t, float *dst, size_t n) {
    double chunk[1024];
    for (size_t i = 0; i < n; i += 1024) {
        size_t m = n - i < 1024 ? n - i : 1024;
        parity_tensor_read(t, i, m, chunk);
        for (size_t j = 0; j < m; j++) dst[i + j] = (float)chunk[j];
    }
}

/* The shape the port holds weight i in: Conv1d [out, k, in]. */
static void port_shape(size_t i, int64_t *shape) {
    memcpy(shape, WEIGHTS[i].shape, sizeof WEIGHTS[i].shape);
    if (WEIGHTS[i].ndim == 3) {
        shape[1] = WEIGHTS[i].shape[2];
        shape[2] = WEIGHTS[i].shape[1];
    }
}

/* PyTorch [out][in][k] in src to the port's [out][k][in] in dst. */
static void conv_to_port(const float *src, const int64_t *s, float *dst) {
    for (int64_t o = 0; o < s[0]; o++)
        for (int64_t i = 0; i < s[1]; i++)
            for (int64_t j = 0; j < s[2]; j++)
                dst[(o * s[2] + j) * s[1] + i] = src[(o * s[1] + i) * s[2] + j];
}

/* Weight i into dst, in the port's layout (defects included). scratch
 * holds the largest weight. */
static int load_one(const parity_set *set, mf_defect defect, size_t i,
                    float *dst, float *scratch) {
    size_t n = mf_shape_count(WEIGHTS[i].ndim, WEIGHTS[i].shape);
    if (defect == MF_DEF_NORM_IDENTITY &&
        (!strcmp(WEIGHTS[i].name, NORM_IDENTITY_GAMMA) ||
         !strcmp(WEIGHTS[i].name, NORM_IDENTITY_BETA))) {
        /* never loaded: the initialization, gamma = 1 and beta = 0, stays */
        float init = strcmp(WEIGHTS[i].name, NORM_IDENTITY_GAMMA) ? 0.0f : 1.0f;
        for (size_t k = 0; k < n; k++) dst[k] = init;
        return 0;
    }
    const parity_tensor *t = mf_find_tensor(set, WEIGHTS[i].name,
                                            WEIGHTS[i].ndim, WEIGHTS[i].shape);
    if (!t) return -1;
    if (WEIGHTS[i].ndim != 3 || defect == MF_DEF_CONV_LAYOUT) {
        /* conv-layout: a reshape where a transpose was meant */
        mf_read_floats(t, dst, n);
        return 0;
    }
    mf_read_floats(t, scratch, n);
    conv_to_port(scratch, WEIGHTS[i].shape, dst);
    return 0;
}

int mf_model_load(const parity_set *set, mf_defect defect, mf_model *m) {
    size_t total = 0, largest = 0;
    for (size_t i = 0; i < N_WEIGHTS; i++) {
        size_t n = mf_shape_count(WEIGHTS[i].ndim, WEIGHTS[i].shape);
        total += n;
        largest = n > largest ? n : largest;
    }
    m->arena = malloc(total * sizeof(float));
    float *scratch = malloc(largest * sizeof(float));
    int rc = m->arena && scratch ? 0 : -1;
    if (rc)
        fprintf(stderr, "melflow_port: out of memory for the weights (%zu "
                "bytes)\n", (total + largest) * sizeof(float));
    float *p = m->arena;
    for (size_t i = 0; i < N_WEIGHTS && !rc; i++) {
        rc = load_one(set, defect, i, p, scratch);
        *(const float **)((char *)m + WEIGHTS[i].field) = p;
        p += mf_shape_count(WEIGHTS[i].ndim, WEIGHTS[i].shape);
    }
    free(scratch);
    m->block1.cin = MF_SIN;
    m->block1.cout = MF_CH;
    m->block2.cin = m->block2.cout = MF_CH;
    m->final_block.cin = m->final_block.cout = MF_CH;
    return rc;
}

int mf_model_dump(const mf_model *m, const char *defect, const char *path) {
    parity_writer *w = NULL;
    parity_error err = {0};
    parity_status st = parity_writer_open(path, &w, &err);
    if (st == PARITY_OK)
        st = parity_writer_meta(w, "model", "melflow port (C), weights as used",
                                &err);
    if (st == PARITY_OK) st = parity_writer_meta(w, "defect", defect, &err);
    for (size_t i = 0; i < N_WEIGHTS && st == PARITY_OK; i++) {
        int64_t shape[3];
        port_shape(i, shape);
        const float *data = *(const float *const *)((const char *)m +
                                                    WEIGHTS[i].field);
        st = parity_writer_add(w, WEIGHTS[i].name, PARITY_DT_F32,
                               WEIGHTS[i].ndim, shape, data, &err);
    }
    if (st == PARITY_OK) st = parity_writer_close(w, &err);
    else parity_writer_discard(w);
    if (st == PARITY_OK) return 0;
    /* err.msg names the file */
    fprintf(stderr, "melflow_port: --dump-weights: %s\n",
            err.msg[0] ? err.msg : parity_status_str(st));
    return -1;
}
