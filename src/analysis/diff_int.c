/*
 * diff_int.c — equality of integer and bool tensors (token ids, masks,
 * lengths), exactly: values are read as their raw 64-bit integers (byte
 * order and strides applied), never through double, where 2^53 and
 * 2^53 + 1 are the same number.
 *
 * A value is its 64-bit pattern plus the signedness of its dtype: I8..I64
 * sign-extend, U8..U64 and BOOL zero-extend. Two values are equal when the
 * patterns are equal and, if the signedness differs, the pattern is below
 * 2^63 (I64 -1 is not U64 2^64 - 1). A float tensor holding only integers
 * (token ids MLX saved as F32) is read through double, exact for them.
 */
#include "internal.h"
#include "core/quant.h"

#include <stdlib.h>
#include <string.h>

#define INT_CHUNK 1024 /* values read per step */

static int is_unsigned(parity_dtype dt) {
    return dt == PARITY_DT_U8 || dt == PARITY_DT_U16 || dt == PARITY_DT_U32 ||
           dt == PARITY_DT_U64 || dt == PARITY_DT_BOOL;
}

/* One stored element at p (esz bytes, byte-swapped when swap). */
static int64_t load_int(parity_dtype dt, const unsigned char *p, size_t esz,
                        int swap) {
    unsigned char b[8];
    for (size_t i = 0; i < esz; i++) b[i] = swap ? p[esz - 1 - i] : p[i];
    switch (dt) {
    case PARITY_DT_I8: return (int8_t)b[0];
    case PARITY_DT_U8: return b[0];
    case PARITY_DT_BOOL: return b[0] != 0;
    case PARITY_DT_I16: { int16_t v; memcpy(&v, b, 2); return v; }
    case PARITY_DT_U16: { uint16_t v; memcpy(&v, b, 2); return v; }
    case PARITY_DT_I32: { int32_t v; memcpy(&v, b, 4); return v; }
    case PARITY_DT_U32: { uint32_t v; memcpy(&v, b, 4); return v; }
    default: { int64_t v; memcpy(&v, b, 8); return v; } /* I64, U64 */
    }
}

/* n values of t from flat C-order index first (first + n <= count). */
static void read_ints(const parity_tensor *t, uint64_t first, size_t n,
                      int64_t *out) {
    size_t esz = parity_dtype_size(t->dtype);
    int64_t idx[PARITY_MAX_DIMS];
    if (n == 0) return;
    if (parity_dtype_is_float(t->dtype)) { /* integral: checked by the caller */
        double v[INT_CHUNK];
        for (size_t at = 0; at < n; at += INT_CHUNK) {
            size_t k = n - at < INT_CHUNK ? n - at : INT_CHUNK;
            parity_tensor_read(t, first + at, k, v);
            for (size_t i = 0; i < k; i++) out[at + i] = (int64_t)v[i];
        }
        return;
    }
    if (parity__tensor_c_contiguous(t)) {
        for (size_t i = 0; i < n; i++)
            out[i] = load_int(t->dtype, t->data + (first + i) * esz, esz, t->byteswap);
        return;
    }
    parity_tensor_unravel(t, first, idx);
    for (size_t i = 0; i < n; i++) {
        int64_t off = 0;
        for (int k = 0; k < t->ndim; k++) off += idx[k] * t->stride[k];
        out[i] = load_int(t->dtype, t->data + off * (int64_t)esz, esz, t->byteswap);
        for (int k = t->ndim - 1; k >= 0 && ++idx[k] >= t->shape[k]; k--)
            if (k > 0) idx[k] = 0; /* carry into the axis before */
    }
}

/* A streaming pass has read t up to element upto: drop the file pages of
 * [*released, upto) once they make a run worth a system call (always when
 * done), as the float passes do, so resident memory stays bounded however
 * large the tensor (parity__tensor_release). */
static void release_behind(const parity_tensor *t, uint64_t *released, uint64_t upto, int done) {
    uint64_t run = parity__dtype_elems_for_bytes(t->dtype, PARITY__RELEASE_BYTES);
    if (upto <= *released || (!done && upto - *released < run)) return;
    parity__tensor_release(t, *released, upto - *released);
    *released = upto;
}

static int same_int(int64_t a, int ua, int64_t b, int ub) {
    return a == b && (ua == ub || a >= 0);
}

int parity_tensor_integral(const parity_tensor *t) {
    if (!parity_dtype_is_float(t->dtype)) return parity_dtype_size(t->dtype) > 0;
    double v[INT_CHUNK];
    uint64_t released = 0;
    int integral = 1;
    for (uint64_t at = 0; integral && at < t->count; at += INT_CHUNK) {
        size_t n = t->count - at < INT_CHUNK ? (size_t)(t->count - at) : INT_CHUNK;
        parity_tensor_read(t, at, n, v);
        for (size_t i = 0; i < n; i++)
            if (!(v[i] == (double)(int64_t)v[i] && v[i] < 0x1p63 && v[i] >= -0x1p63)) integral = 0;
        release_behind(t, &released, at + n, !integral || at + n == t->count);
    }
    return integral;
}

/* Sequences up to this many ids each get an edit script (8 bytes an id). */
#define EDIT_MAX_IDS ((uint64_t)4 << 20)

/* The edit script of two sequences, read whole (bounded above). */
static void edit_script(const parity_tensor *ref, const parity_tensor *port, parity_int_cmp *c) {
    if (ref->count > EDIT_MAX_IDS || port->count > EDIT_MAX_IDS) return;
    int64_t *a = malloc((size_t)(ref->count ? ref->count : 1) * sizeof *a);
    int64_t *b = malloc((size_t)(port->count ? port->count : 1) * sizeof *b);
    if (a && b) {
        read_ints(ref, 0, (size_t)ref->count, a);
        read_ints(port, 0, (size_t)port->count, b);
        c->n_hunks = parity__int_edit(a, (size_t)ref->count, c->ref_unsigned, b,
                                      (size_t)port->count, c->port_unsigned, c->hunks,
                                      PARITY_INT_HUNKS, &c->total_hunks);
    }
    free(a);
    free(b);
}

/* Up to PARITY_INT_WINDOW values of t from flat index first. */
static int read_window(const parity_tensor *t, uint64_t first, int64_t *w) {
    if (first >= t->count) return 0;
    uint64_t n = t->count - first;
    if (n > PARITY_INT_WINDOW) n = PARITY_INT_WINDOW;
    read_ints(t, first, (size_t)n, w);
    return (int)n;
}

parity_status parity_diff_ints(const parity_tensor *ref,
                               const parity_tensor *port, int sequence,
                               parity_int_cmp *c, parity_error *err) {
    FAIL_IF(!ref || !port || !c, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "parity_diff_ints: both tensors and the output are required");
    FAIL_IF(!parity_dtype_size(ref->dtype) || !parity_dtype_size(port->dtype),
            err, PARITY_E_USAGE, PARITY_NO_OFFSET, "%s: tensor '%s': not an "
            "integer, bool or integer-valued float tensor", ref->file ? ref->file : "?",
            ref->name ? ref->name : "?");
    FAIL_IF(!sequence && ref->count != port->count, err, PARITY_E_SHAPE,
            PARITY_NO_OFFSET, "%s: tensor '%s': %llu vs %llu elements",
            ref->file ? ref->file : "?", ref->name ? ref->name : "?",
            (unsigned long long)ref->count, (unsigned long long)port->count);
    int64_t x[INT_CHUNK], y[INT_CHUNK];
    memset(c, 0, sizeof *c);
    c->sequence = sequence;
    c->ref_len = ref->count;
    c->port_len = port->count;
    c->ref_unsigned = is_unsigned(ref->dtype);
    c->port_unsigned = is_unsigned(port->dtype);
    c->ref_float = parity_dtype_is_float(ref->dtype);
    c->port_float = parity_dtype_is_float(port->dtype);
    c->n_compared = ref->count < port->count ? ref->count : port->count;
    c->first = c->n_compared;
    uint64_t ref_released = 0, port_released = 0;
    for (uint64_t at = 0; at < c->n_compared; at += INT_CHUNK) {
        uint64_t left = c->n_compared - at;
        size_t m = left < INT_CHUNK ? (size_t)left : INT_CHUNK;
        read_ints(ref, at, m, x);
        read_ints(port, at, m, y);
        for (size_t i = 0; i < m; i++) {
            if (same_int(x[i], c->ref_unsigned, y[i], c->port_unsigned)) continue;
            if (c->n_differ++ == 0) c->first = at + i;
        }
        release_behind(ref, &ref_released, at + m, at + m == c->n_compared);
        release_behind(port, &port_released, at + m, at + m == c->n_compared);
    }
    c->equal = !sequence && c->n_differ == 0;
    if (c->equal) return PARITY_OK;
    if (c->first < ref->count) read_ints(ref, c->first, 1, &c->first_ref);
    if (c->first < port->count) read_ints(port, c->first, 1, &c->first_port);
    c->win_first = c->first >= 3 ? c->first - 3 : 0;
    c->win_ref_len = read_window(ref, c->win_first, c->win_ref);
    c->win_port_len = read_window(port, c->win_first, c->win_port);
    if (sequence) edit_script(ref, port, c);
    return PARITY_OK;
}
