/* tensor.c — element access through a parity_tensor view: logical C order
 * over shape, strides (in elements) to the stored element, byte order and
 * dtype conversion. Contiguous runs along the last axis go through the bulk
 * converter; only truly strided axes pay per-element cost. */
#include "internal.h"
#include "core/quant.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

parity_status parity__check_shape(const char *subject, parity_dtype dt, int ndim,
                                  const int64_t *shape, const void *data, uint64_t *count,
                                  uint64_t *nbytes, parity_error *err) {
    FAIL_IF(ndim < 0 || ndim > PARITY_MAX_DIMS, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: ndim %d (expected 0..%d)", subject, ndim, PARITY_MAX_DIMS);
    FAIL_IF(ndim > 0 && !shape, err, PARITY_E_USAGE, PARITY_NO_OFFSET, "%s: shape is NULL",
            subject);
    uint64_t n = 1, b = 0, span = 1; /* span: 0 taken as 1, as strides do */
    int n_ok = 1, span_ok = 1, empty = 0;
    for (int k = 0; k < ndim; k++) {
        FAIL_IF(shape[k] < 0, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "%s: shape[%d] = %lld (expected >= 0)", subject, k, (long long)shape[k]);
        /* judged once every dim is known: a 0 after dims that overflow
         * still makes an empty tensor, refused below for its strides */
        n_ok &= parity__mul_u64(n, (uint64_t)shape[k], &n);
        empty |= shape[k] == 0;
        /* an empty tensor's other dimensions still give its strides, and
         * every reader refuses a file whose strides overflow int64 */
        span_ok &= parity__mul_u64(span, shape[k] ? (uint64_t)shape[k] : 1, &span) &&
                   span <= (uint64_t)INT64_MAX;
    }
    FAIL_IF(empty && !span_ok, err, PARITY_E_LIMIT, PARITY_NO_OFFSET,
            "%s: the dimensions multiply past 2^63 (even an empty tensor's: its "
            "strides must fit int64)",
            subject);
    FAIL_IF(!n_ok, err, PARITY_E_LIMIT, PARITY_NO_OFFSET, "%s: element count overflows 64 bits",
            subject);
    FAIL_IF(!span_ok, err, PARITY_E_LIMIT, PARITY_NO_OFFSET,
            "%s: %llu elements exceed 2^63 - 1 (strides must fit int64)", subject,
            (unsigned long long)n);
    FAIL_IF(!parity__mul_u64(n, parity_dtype_size(dt), &b) || b > SIZE_MAX, err,
            PARITY_E_LIMIT, PARITY_NO_OFFSET, "%s: byte size overflows", subject);
    FAIL_IF(b && !data, err, PARITY_E_USAGE, PARITY_NO_OFFSET, "%s: data is NULL", subject);
    if (count) *count = n;
    if (nbytes) *nbytes = b;
    return PARITY_OK;
}

void parity_tensor_unravel(const parity_tensor *t, uint64_t flat,
                           int64_t *idx) {
    for (int k = t->ndim - 1; k >= 0; k--) {
        uint64_t n = t->shape[k] > 0 ? (uint64_t)t->shape[k] : 1;
        idx[k] = (int64_t)(flat % n);
        flat /= n;
    }
}

int parity_tensor_fortran_order(const parity_tensor *t) {
    int64_t s = 1;
    int big = 0;
    for (int k = 0; k < t->ndim; k++) {
        if (t->shape[k] == 1) continue;
        if (t->stride[k] != s) return 0;
        s *= t->shape[k];
        big++;
    }
    return big >= 2; /* with one axis of more than one, C and F agree */
}

int parity__tensor_c_contiguous(const parity_tensor *t) {
    int64_t s = 1;
    for (int k = t->ndim - 1; k >= 0; k--) {
        if (t->shape[k] != 1 && t->stride[k] != s) return 0;
        s *= t->shape[k];
    }
    return 1;
}

/* The multi-index of the element at offset off (elements from t->data)
 * when t's strides lay its elements out densely in some order of its axes
 * (C, Fortran, a permutation); 0 otherwise. */
static int offset_index(const parity_tensor *t, int64_t off, int64_t *idx) {
    int axes[PARITY_MAX_DIMS], n = 0;
    for (int k = 0; k < t->ndim; k++) {
        idx[k] = 0;
        if (t->shape[k] > 1) axes[n++] = k;
    }
    for (int a = 1; a < n; a++) /* by stride, largest first */
        for (int b = a; b > 0 && t->stride[axes[b]] > t->stride[axes[b - 1]]; b--) {
            int x = axes[b];
            axes[b] = axes[b - 1], axes[b - 1] = x;
        }
    int64_t left = off;
    for (int a = 0; a < n; a++) {
        int64_t s = t->stride[axes[a]];
        if (s <= 0) return 0;
        idx[axes[a]] = left / s;
        if (idx[axes[a]] >= t->shape[axes[a]]) return 0;
        left -= idx[axes[a]] * s;
    }
    return left == 0;
}

int parity__view_place(const parity_tensor *stored, const parity_tensor *view, int64_t *offset) {
    size_t esz = parity_dtype_size(stored->dtype);
    if (esz == 0 || view->dtype != stored->dtype || !stored->data || !view->data ||
        view->data < stored->data)
        return 0;
    uint64_t gap = (uint64_t)(view->data - stored->data);
    if (gap % esz) return 0;
    *offset = (int64_t)(gap / esz);
    return 1;
}

uint64_t parity__stored_index(const parity_tensor *stored, const parity_tensor *view, uint64_t i) {
    int64_t offset;
    if (view == stored || !parity__view_place(stored, view, &offset)) return i;
    return parity__stored_index_at(stored, view, offset, i);
}

uint64_t parity__stored_index_at(const parity_tensor *stored, const parity_tensor *view,
                                 int64_t offset, uint64_t i) {
    if (i >= view->count) return i;
    int64_t m[PARITY_MAX_DIMS], off = offset;
    parity_tensor_unravel(view, i, m);
    for (int k = 0; k < view->ndim; k++) off += m[k] * view->stride[k];
    if (!offset_index(stored, off, m)) return i;
    uint64_t flat = 0;
    for (int k = 0; k < stored->ndim; k++) flat = flat * (uint64_t)stored->shape[k] + (uint64_t)m[k];
    return flat;
}

void parity_tensor_read(const parity_tensor *t, uint64_t first, size_t n,
                        double *out) {
    size_t esz = parity_dtype_size(t->dtype);
    if (n == 0) return;
    if (esz == 0) { /* block-quantized (core/quant.c) */
        parity__tensor_read_blocks(t, first, n, out);
        return;
    }
    if (parity__tensor_c_contiguous(t)) {
        parity_convert(t->dtype, t->data + first * esz, n, t->byteswap, out);
        return;
    }
    int64_t idx[PARITY_MAX_DIMS];
    parity_tensor_unravel(t, first, idx);
    int last = t->ndim - 1;
    while (n > 0) {
        int64_t off = 0;
        for (int k = 0; k <= last; k++) off += idx[k] * t->stride[k];
        int64_t room = t->shape[last] - idx[last];
        size_t run = (uint64_t)room < n ? (size_t)room : n;
        const unsigned char *p = t->data + off * (int64_t)esz;
        if (t->stride[last] == 1) {
            parity_convert(t->dtype, p, run, t->byteswap, out);
        } else {
            int64_t step = t->stride[last] * (int64_t)esz;
            for (size_t i = 0; i < run; i++, p += step)
                parity_convert(t->dtype, p, 1, t->byteswap, out + i);
        }
        out += run;
        n -= run;
        /* advance the multi-index by run elements: carry from the last axis */
        idx[last] += (int64_t)run;
        for (int k = last; k > 0 && idx[k] >= t->shape[k]; k--) {
            idx[k] = 0;
            idx[k - 1]++;
        }
    }
}

/* One integer element at p (esz bytes, reversed first when swap). */
static parity__i128 int_at(parity_dtype dt, const unsigned char *p, size_t esz, int swap) {
    unsigned char b[8] = {0};
    for (size_t i = 0; i < esz && i < 8; i++) b[i] = swap ? p[esz - 1 - i] : p[i];
    uint64_t u;
    memcpy(&u, b, 8); /* little-endian host: the low esz bytes, zero-extended */
    switch (dt) {
    case PARITY_DT_I8: return (int8_t)u;
    case PARITY_DT_I16: return (int16_t)u;
    case PARITY_DT_I32: return (int32_t)u;
    case PARITY_DT_I64: return (int64_t)u;
    case PARITY_DT_U8:
    case PARITY_DT_U16:
    case PARITY_DT_U32:
    case PARITY_DT_U64: return (parity__i128)u;
    case PARITY_DT_BOOL: return u != 0;
    default: return 0;
    }
}

void parity__tensor_read_i128(const parity_tensor *t, uint64_t first, size_t n, parity__i128 *out) {
    size_t esz = parity_dtype_size(t->dtype);
    int swap = t->byteswap && esz > 1;
    if (n == 0) return;
    if (esz == 0 || esz > 8) {
        memset(out, 0, n * sizeof *out);
        return;
    }
    if (parity__tensor_c_contiguous(t)) {
        const unsigned char *p = t->data + first * esz;
        for (size_t i = 0; i < n; i++) out[i] = int_at(t->dtype, p + i * esz, esz, swap);
        return;
    }
    int64_t idx[PARITY_MAX_DIMS];
    parity_tensor_unravel(t, first, idx);
    for (size_t i = 0; i < n; i++) {
        int64_t off = 0;
        for (int k = 0; k < t->ndim; k++) off += idx[k] * t->stride[k];
        out[i] = int_at(t->dtype, t->data + off * (int64_t)esz, esz, swap);
        for (int k = t->ndim - 1; k >= 0 && ++idx[k] >= t->shape[k]; k--)
            if (k > 0) idx[k] = 0;
    }
}

char *parity_shape_str(const parity_tensor *t, char *buf, size_t cap) {
    size_t len = 0;
    if (cap == 0) return buf;
    buf[0] = '\0';
    len += (size_t)snprintf(buf, cap, "[");
    for (int k = 0; k < t->ndim && len < cap; k++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%lld", k ? ", " : "",
                                (long long)t->shape[k]);
    if (len < cap) snprintf(buf + len, cap - len, "]");
    return buf;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; older kernels say EINVAL */
#endif

void parity__populate_span(const unsigned char *lo, const unsigned char *hi) {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)lo & ~(page - 1);
    uintptr_t b = ((uintptr_t)hi + page - 1) & ~(page - 1);
    if (b > a) madvise((void *)a, b - a, MADV_POPULATE_READ);
}

void parity__release_span(const unsigned char *lo, const unsigned char *hi) {
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)lo & ~(page - 1);
    uintptr_t b = ((uintptr_t)hi + page - 1) & ~(page - 1);
    if (b > a) madvise((void *)a, b - a, MADV_DONTNEED);
}

void parity__tensor_release(const parity_tensor *t, uint64_t first,
                            uint64_t n) {
    if (!t->priv.file_backed || !t->data || !parity__tensor_c_contiguous(t)) return;
    if (first >= t->count) return;
    if (n > t->count - first) n = t->count - first;
    uint64_t lo_off, hi_off; /* bytes, whole blocks for quantized types */
    parity__dtype_span(t->dtype, first, n, &lo_off, &hi_off);
    if (n == 0 || hi_off - lo_off < PARITY__RELEASE_BYTES) return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = (uintptr_t)(t->data + lo_off);
    uintptr_t hi = (uintptr_t)(t->data + hi_off);
    /* Outward to whole pages: a neighbouring batch that still needs a
     * boundary page simply faults it back in (private, never written). */
    lo &= ~(page - 1);
    hi = (hi + page - 1) & ~(page - 1);
    madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void parity__tensor_read_blocks(const parity_tensor *t, uint64_t first,
                                size_t n, double *out) {
    int be = 0, bb = 0;
    int quant = parity__quant_geometry(t->dtype, &be, &bb);
    uint64_t n_blocks = quant ? t->nbytes / (uint64_t)bb : 0;
    if (!quant || parity__tensor_c_contiguous(t)) {
        parity__dequant_run(t->dtype, t->data, n_blocks, first, n, out);
        return;
    }
    float y[PARITY__QK_MAX];
    uint64_t cached = UINT64_MAX;
    int64_t idx[PARITY_MAX_DIMS];
    parity_tensor_unravel(t, first, idx);
    for (size_t i = 0; i < n; i++) {
        int64_t off = 0;
        for (int k = 0; k < t->ndim; k++) off += idx[k] * t->stride[k];
        uint64_t blk = off < 0 ? UINT64_MAX : (uint64_t)off / (uint64_t)be;
        if (blk < n_blocks && blk != cached) {
            parity__dequant_block(t->dtype, t->data + blk * (uint64_t)bb, y);
            cached = blk;
        }
        out[i] = blk < n_blocks ? y[(uint64_t)off % (uint64_t)be] : NAN;
        for (int k = t->ndim - 1; k >= 0 && ++idx[k] >= t->shape[k]; k--)
            if (k > 0) idx[k] = 0; /* carry into the axis before */
    }
}

