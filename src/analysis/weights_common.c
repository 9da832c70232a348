/*
 * weights_common.c — what the parts of parity weights share: a sampled
 * error to rank layout candidates, slices of a tensor along an axis, and
 * a value hash. A leaf: it calls no other weights_*.c file.
 */
#include "analysis/weights_internal.h"

#include <math.h>
#include <string.h>

/* floor(i·count/n) without overflow: i·(count/n) + floor(i·(count mod n)/n),
 * with i·(count mod n) < n² (n <= 2^32). */
static uint64_t spaced(uint64_t i, uint64_t n, uint64_t count) {
    if (count <= n) return i;
    return i * (count / n) + i * (count % n) / n;
}

double parity__wt_sample_ss(const parity_tensor *a, const parity_tensor *b, uint64_t n,
                            uint64_t *n_bad) {
    uint64_t count = a->count < b->count ? a->count : b->count, bad = 0;
    double ss = 0;
    if (n > count) n = count;
    for (uint64_t i = 0; i < n; i++) {
        double x, y;
        uint64_t at = spaced(i, n, count);
        parity_tensor_read(a, at, 1, &x);
        parity_tensor_read(b, at, 1, &y);
        int fx = isfinite(x), fy = isfinite(y);
        if (fx != fy) bad++;
        if (fx && fy) ss += (y - x) * (y - x);
    }
    if (n_bad) *n_bad = bad;
    return ss;
}

/* Element types: move the data pointer by start·stride elements. */
static void slice_elements(const parity_tensor *f, int axis, int64_t start, parity_tensor *v) {
    int64_t off = start * f->stride[axis] * (int64_t)parity_dtype_size(f->dtype);
    v->data = f->data ? f->data + off : NULL;
    v->nbytes = v->count * parity_dtype_size(f->dtype);
    if (parity__tensor_c_contiguous(f)) v->file_offset = f->file_offset + (uint64_t)off;
}

/* Block-quantized: whole blocks of one contiguous run only. */
static int slice_blocks(const parity_tensor *f, int axis, int64_t start, parity_tensor *v) {
    int be = 0, bb = 0;
    if (parity_dtype_block(f->dtype, &be, &bb) != 1 || !parity__tensor_c_contiguous(f)) return 0;
    for (int k = 0; k < axis; k++)
        if (f->shape[k] != 1) return 0;
    if (f->shape[axis] == 0) return 1; /* nothing to cut: the empty tensor */
    uint64_t first = (uint64_t)start * (f->count / (uint64_t)f->shape[axis]);
    if (first % (uint64_t)be || v->count % (uint64_t)be) return 0;
    uint64_t off = first / (uint64_t)be * (uint64_t)bb;
    v->data = f->data ? f->data + off : NULL;
    v->nbytes = v->count / (uint64_t)be * (uint64_t)bb;
    v->file_offset = f->file_offset + off;
    return 1;
}

int parity__wt_slice(const parity_tensor *f, int axis, int64_t start, int64_t stop,
                     parity_tensor *v) {
    if (axis < 0 || axis >= f->ndim || start < 0 || stop < start || stop > f->shape[axis]) return 0;
    *v = *f;
    v->shape[axis] = stop - start;
    v->count = 1;
    for (int k = 0; k < v->ndim; k++) v->count *= (uint64_t)v->shape[k];
    if (parity_dtype_size(f->dtype)) {
        slice_elements(f, axis, start, v);
        return 1;
    }
    return slice_blocks(f, axis, start, v);
}

uint64_t parity__wt_hash(uint64_t h, double x) {
    uint64_t bits;
    if (x == 0) x = 0;     /* -0 as +0 */
    if (isnan(x)) x = NAN; /* one NaN */
    memcpy(&bits, &x, sizeof bits);
    h ^= bits + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    /* splitmix64's finalizer: every input bit reaches every output bit */
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 31;
    return h;
}
