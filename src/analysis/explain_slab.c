/*
 * explain_slab.c — whole lines along one axis of up to four tensors of one
 * shape (the stage's input and output on both sides), a bounded unit at a
 * time: what the row-wise operation fits (norms, softmax, RoPE) and the
 * per-line candidates read. A shared helper: it calls no family.
 *
 * For axis a of shape [outer, len, inner] (outer and inner the products of
 * the axes before and after it):
 *   inner == 1  a unit is w consecutive lines, each one contiguous read
 *   inner > 1   a unit is one outer index by w consecutive inner
 *               positions: one read of w values per index of the axis
 * so every read is contiguous in the logical C order, and a unit holds at
 * most budget values per tensor (w·len ≤ budget).
 */
#include "analysis/explain_internal.h"

#include "core/quant.h"

#include <stdlib.h>
#include <string.h>

/* The span of one outer index a strided unit may leave resident. */
#define SLAB_SPAN_BYTES ((uint64_t)64 << 20)

parity_status parity__ex_slab_open(ex_slab *s, const parity_tensor *const *t, int nt, int axis,
                                   uint64_t budget, int *ok, parity_error *err) {
    memset(s, 0, sizeof *s);
    *ok = 0;
    const parity_tensor *ref = NULL;
    for (int k = 0; k < nt && k < 4; k++) s->t[k] = t[k], ref = ref ? ref : t[k];
    s->nt = nt < 4 ? nt : 4;
    if (!ref || axis < 0 || axis >= ref->ndim) return PARITY_OK;
    s->axis = axis;
    s->len = ref->shape[axis];
    if (s->len < 1 || (uint64_t)s->len > budget) return PARITY_OK;
    s->inner = 1, s->outer = 1;
    for (int k = 0; k < axis; k++) s->outer *= (uint64_t)ref->shape[k];
    for (int k = axis + 1; k < ref->ndim; k++) s->inner *= (uint64_t)ref->shape[k];
    uint64_t lines = s->inner == 1 ? s->outer : s->inner;
    s->w = budget / (uint64_t)s->len;
    s->w = s->w < 1 ? 1 : s->w > lines ? lines : s->w;
    s->per_outer = s->inner == 1 ? 1 : (s->inner + s->w - 1) / s->w;
    s->units = s->inner == 1 ? (s->outer + s->w - 1) / s->w : s->outer * s->per_outer;
    size_t n = (size_t)(s->w * (uint64_t)s->len);
    for (int k = 0; k < s->nt; k++) {
        if (!s->t[k]) continue;
        s->v[k] = malloc(n * sizeof *s->v[k]);
        if (!s->v[k]) break;
    }
    s->tmp = malloc((size_t)s->w * sizeof *s->tmp);
    s->base = malloc((size_t)s->w * sizeof *s->base);
    int fail = !s->tmp || !s->base;
    for (int k = 0; k < s->nt; k++) fail |= s->t[k] && !s->v[k];
    if (fail) parity__ex_slab_free(s);
    FAIL_IF(fail, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "explain: out of memory for lines");
    *ok = 1;
    return PARITY_OK;
}

/* Drop the file pages of a span read whole (a unit's lines, or the last
 * unit of an outer index): the passes stay resident-bounded. */
static void release(const ex_slab *s, uint64_t lo, uint64_t hi) {
    uint64_t done = lo;
    parity__ex_release(s->t, s->nt, &done, hi, 1);
}

void parity__ex_slab_read(ex_slab *s, uint64_t u) {
    uint64_t L = (uint64_t)s->len;
    if (s->inner == 1) {
        uint64_t o0 = u * s->w, m = s->outer - o0 < s->w ? s->outer - o0 : s->w;
        s->nl = m;
        for (uint64_t l = 0; l < m; l++) {
            s->base[l] = (o0 + l) * L;
            for (int k = 0; k < s->nt; k++)
                if (s->v[k]) parity_tensor_read(s->t[k], s->base[l], (size_t)L, s->v[k] + l * L);
        }
        release(s, o0 * L, (o0 + m) * L);
        return;
    }
    uint64_t o = u / s->per_outer, j0 = (u % s->per_outer) * s->w;
    uint64_t m = s->inner - j0 < s->w ? s->inner - j0 : s->w;
    s->nl = m;
    for (uint64_t l = 0; l < m; l++) s->base[l] = o * L * s->inner + j0 + l;
    for (int k = 0; k < s->nt; k++) {
        if (!s->v[k]) continue;
        /* one value per row of a span that can be the whole tensor: the
         * kernel maps each row's neighbours too, so past SLAB_SPAN_BYTES
         * the rows behind are dropped as the read goes (the next unit
         * faults them back in: slower, but resident-bounded) */
        uint64_t span = L * s->inner, done = o * span;
        int behind = span > parity__dtype_elems_for_bytes(s->t[k]->dtype, SLAB_SPAN_BYTES);
        for (uint64_t i = 0; i < L; i++) {
            parity_tensor_read(s->t[k], (o * L + i) * s->inner + j0, (size_t)m, s->tmp);
            for (uint64_t l = 0; l < m; l++) s->v[k][l * L + i] = s->tmp[l];
            if (behind)
                parity__ex_release(&s->t[k], 1, &done, (o * L + i + 1) * s->inner, i + 1 == L);
        }
    }
    if (j0 + m >= s->inner) release(s, o * L * s->inner, (o + 1) * L * s->inner);
}

void parity__ex_slab_free(ex_slab *s) {
    for (int k = 0; k < 4; k++) free(s->v[k]), s->v[k] = NULL;
    free(s->tmp), free(s->base);
    s->tmp = NULL, s->base = NULL;
}
