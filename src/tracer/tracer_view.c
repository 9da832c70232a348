/*
 * tracer_view.c — strided views of a port's buffer: checking them, and
 * copying their elements to or from a dense C-order buffer.
 *
 * A view is (shape[ndim], stride[ndim], base): element i (a multi-index)
 * lies at base + sum_d i[d] * stride[d] elements, as NumPy's strides but in
 * elements. Strides may be 0 (broadcast) or negative (a reversed axis, base
 * then being the element [0,...,0], not the lowest address). The trace
 * stores the view's values in logical C order; inject mode writes values
 * back through the same strides, which needs every element at its own
 * address.
 */
#include "tracer_impl.h"

#include <stdlib.h>
#include <string.h>

int parity__view_c_order(int ndim, const int64_t *shape, const int64_t *stride) {
    if (!stride) return 1;
    int64_t want = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        if (shape[d] == 0) return 1; /* no elements: nothing to gather   */
        if (shape[d] != 1 && stride[d] != want) return 0;
        want *= shape[d]; /* no overflow: parity__check_shape bounded it */
    }
    return 1;
}

/* |s| * (n - 1) for n >= 1, into *out; 0 on overflow. */
static int axis_span(int64_t s, int64_t n, uint64_t *out) {
    uint64_t a = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
    return parity__mul_u64(a, (uint64_t)(n - 1), out);
}

/* For writing back: sort the axes longer than 1 by |stride|; each stride
 * must exceed the span of all smaller ones, which makes the offsets of
 * distinct multi-indices distinct (a sufficient test: it accepts C and
 * Fortran order, permutations, and sub-views of them). */
static int view_disjoint(int ndim, const int64_t *shape, const int64_t *stride) {
    int ax[PARITY_MAX_DIMS], m = 0;
    for (int d = 0; d < ndim; d++)
        if (shape[d] > 1) ax[m++] = d;
    uint64_t mag[PARITY_MAX_DIMS];
    for (int i = 0; i < m; i++) {
        int64_t s = stride[ax[i]];
        mag[i] = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
    }
    for (int i = 1; i < m; i++) /* insertion sort by |stride|: m <= 32 */
        for (int j = i; j > 0 && mag[j - 1] > mag[j]; j--) {
            uint64_t tm = mag[j];
            mag[j] = mag[j - 1];
            mag[j - 1] = tm;
            int ta = ax[j];
            ax[j] = ax[j - 1];
            ax[j - 1] = ta;
        }
    uint64_t span = 0; /* largest offset the smaller axes reach */
    for (int i = 0; i < m; i++) {
        if (mag[i] <= span) return 0;
        span += mag[i] * (uint64_t)(shape[ax[i]] - 1); /* checked before */
    }
    return 1;
}

parity_status parity__view_check(const char *subject, size_t esize, int ndim, const int64_t *shape,
                                 const int64_t *stride, int writable, parity_error *err) {
    for (int d = 0; d < ndim; d++)
        if (shape[d] == 0) return PARITY_OK; /* no element is read */
    uint64_t span = 0;
    for (int d = 0; d < ndim; d++) {
        uint64_t s = 0;
        FAIL_IF(!axis_span(stride[d], shape[d], &s) || !parity__add_u64(span, s, &span), err,
                PARITY_E_LIMIT, PARITY_NO_OFFSET,
                "%s: stride[%d] = %lld: the view spans more than 2^64 elements", subject, d,
                (long long)stride[d]);
    }
    uint64_t bytes = 0;
    FAIL_IF(!parity__mul_u64(span, esize, &bytes) || bytes > (uint64_t)PTRDIFF_MAX, err,
            PARITY_E_LIMIT, PARITY_NO_OFFSET,
            "%s: the strides span %llu elements, more than a pointer can offset", subject,
            (unsigned long long)span);
    FAIL_IF(writable && !view_disjoint(ndim, shape, stride), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: strides may place two elements at one address (a 0 stride, or "
            "interleaved axes): inject cannot write the view back; trace it "
            "with parity_tracer_add_strided",
            subject);
    return PARITY_OK;
}

/* One element (or a contiguous run of n) between dense and the view. */
static void move(unsigned char *dense, unsigned char *view, size_t bytes, int scatter) {
    if (scatter)
        memcpy(view, dense, bytes);
    else
        memcpy(dense, view, bytes);
}

void parity__view_copy(unsigned char *dense, unsigned char *base, size_t esize, int ndim,
                       const int64_t *shape, const int64_t *stride, int scatter) {
    if (ndim == 0) {
        move(dense, base, esize, scatter);
        return;
    }
    for (int d = 0; d < ndim; d++)
        if (shape[d] == 0) return;
    int64_t idx[PARITY_MAX_DIMS] = {0};
    int last = ndim - 1;
    int64_t n = shape[last], es = (int64_t)esize;
    int64_t step = n > 1 ? stride[last] * es : 0;           /* bounded by the check */
    size_t run = stride[last] == 1 ? (size_t)n * esize : 0; /* one copy */
    int64_t off = 0; /* bytes from base to element idx: a pointer is only */
                     /* formed for elements of the view                   */
    for (;;) {
        if (run) {
            move(dense, base + off, run, scatter);
            dense += run;
        } else {
            for (int64_t i = 0; i < n; i++, dense += esize)
                move(dense, base + (off + i * step), esize, scatter);
        }
        int d = last - 1; /* odometer over the other axes */
        while (d >= 0) {  /* every partial sum is an offset of the view */
            if (++idx[d] < shape[d]) {
                off += stride[d] * es;
                break;
            }
            off -= stride[d] * (shape[d] - 1) * es;
            idx[d] = 0;
            d--;
        }
        if (d < 0) return;
    }
}
