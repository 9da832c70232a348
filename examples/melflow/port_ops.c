/*
 * melflow port: numerical kernels. float32 in and out, double inside, so
 * the only rounding is the final store (PyTorch's float32 kernels round
 * more often; the difference stays near 1e-7 relative).
 */
#include <math.h>
#include <stddef.h>

#include "port.h"

void mf_linear(const float *x, int rows, int in, const float *w,
               const float *b, int out, float *y) {
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * in;
        for (int o = 0; o < out; o++) {
            const float *wo = w + (size_t)o * in;
            double acc = b ? b[o] : 0.0;
            for (int i = 0; i < in; i++) acc += (double)xr[i] * wo[i];
            y[(size_t)r * out + o] = (float)acc;
        }
    }
}

void mf_conv1d(const float *x, int cin, int T, const float *w,
               const float *b, int cout, int k, float *y) {
    for (int o = 0; o < cout; o++) {
        for (int t = 0; t < T; t++) {
            double acc = b[o];
            for (int j = 0; j < k; j++) {
                int src = t - (k - 1) + j; /* causal: left pad k-1 */
                if (src < 0) continue;
                const float *wj = w + ((size_t)o * k + j) * cin; /* [in] */
                for (int i = 0; i < cin; i++)
                    acc += (double)wj[i] * x[(size_t)i * T + src];
            }
            y[(size_t)o * T + t] = (float)acc;
        }
    }
}

/* Normalize n values at stride s: y = (x - mean)/sqrt(var + 1e-5) g + b. */
static void layernorm_strided(const float *x, float *y, int n, size_t s,
                              const float *g, const float *b) {
    double mean = 0.0, var = 0.0;
    for (int c = 0; c < n; c++) mean += x[c * s];
    mean /= n;
    for (int c = 0; c < n; c++) {
        double d = x[c * s] - mean;
        var += d * d;
    }
    var /= n;
    double inv = 1.0 / sqrt(var + 1e-5);
    for (int c = 0; c < n; c++) {
        double v = (x[c * s] - mean) * inv;
        y[c * s] = (float)(v * g[c] + b[c]);
    }
}

void mf_layernorm_ct(float *x, int C, int T, const float *g, const float *b) {
    for (int t = 0; t < T; t++)
        layernorm_strided(x + t, x + t, C, (size_t)T, g, b);
}

void mf_layernorm_tc(const float *x, int T, int C, const float *g,
                     const float *b, float *y) {
    for (int t = 0; t < T; t++)
        layernorm_strided(x + (size_t)t * C, y + (size_t)t * C, C, 1, g, b);
}

void mf_mish(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        x[i] = (float)(v * tanh(log1p(exp(v))));
    }
}

void mf_silu(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        x[i] = (float)(v / (1.0 + exp(-v)));
    }
}

/* exact:  0.5 x (1 + erf(x / sqrt 2))
 * tanh:   0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
void mf_gelu(float *x, size_t n, int tanh_approx) {
    const double k = sqrt(2.0 / M_PI);
    for (size_t i = 0; i < n; i++) {
        double v = x[i];
        double u = tanh_approx ? tanh(k * (v + 0.044715 * v * v * v))
                               : erf(v / sqrt(2.0));
        x[i] = (float)(0.5 * v * (1.0 + u));
    }
}

/* softmax_j = exp(x_j - max) / sum_k exp(x_k - max) */
void mf_softmax_rows(float *x, int rows, int n) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * n;
        double mx = row[0], sum = 0.0;
        for (int j = 1; j < n; j++)
            if (row[j] > mx) mx = row[j];
        for (int j = 0; j < n; j++) sum += exp(row[j] - mx);
        for (int j = 0; j < n; j++) row[j] = (float)(exp(row[j] - mx) / sum);
    }
}
