/*
 * explain_align.c — explain a matched pair, its layout alignment first.
 *
 * The matcher compares the port under a layout alignment when the shapes
 * differ (docs/matching.md: "compared after permute(0,2,1)"); the hypotheses then
 * explain the aligned difference, and the alignment itself is a finding
 * the user must see: an activation kept as [B,T,C], or a weight stored in
 * another layout. One streaming pass compares three things over the
 * reference's C order:
 *   sq_view = Σ(p_view − r)²   the aligned port (what the matcher chose)
 *   sq_flat = Σ(p_flat − r)²   the port's own elements in its C order,
 *                              when the element counts agree
 * When a permutation was applied but sq_flat ≤ 1% of sq_view, the port's
 * memory holds the reference's values in the reference's order under
 * another shape: a reshape where a transpose was meant (PyTorch's
 * [out,in,k] bytes read as MLX's [out,k,in]). That memory-order finding
 * comes first, explained = 1 − sq_flat/sq_view. Otherwise the alignment
 * does: explained = 1 − sq_view/sq_flat (what it removed of the naive
 * flat comparison; 0 when it keeps the memory order, as squeeze does).
 */
#include "analysis/explain_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct align_sums {
    double srr, sq_view, sq_flat;
    int flat; /* sq_flat is meaningful */
} align_sums;

static void align_pass(const parity_pair *pair, align_sums *a) {
    double rb[EX_CHUNK], vb[EX_CHUNK], fb[EX_CHUNK];
    const parity_tensor *r = &pair->ref_view, *v = &pair->port_view, *f = pair->port;
    uint64_t count = r->count;
    memset(a, 0, sizeof *a);
    a->flat = f->count == count;
    for (uint64_t at = 0; at < count; at += EX_CHUNK) {
        size_t m = count - at < EX_CHUNK ? (size_t)(count - at) : EX_CHUNK;
        parity_tensor_read(r, at, m, rb);
        parity_tensor_read(v, at, m, vb);
        if (a->flat) parity_tensor_read(f, at, m, fb);
        for (size_t i = 0; i < m; i++) {
            if (!isfinite(rb[i]) || !isfinite(vb[i])) continue;
            a->srr += rb[i] * rb[i];
            a->sq_view += (vb[i] - rb[i]) * (vb[i] - rb[i]);
            if (a->flat && isfinite(fb[i])) a->sq_flat += (fb[i] - rb[i]) * (fb[i] - rb[i]);
        }
    }
}

/* The finding: the memory-order reading or the alignment itself. */
static void finding(const parity_pair *pair, const align_sums *a, parity_hypothesis *h) {
    char rs[128], ps[128], buf[640];
    parity_shape_str(&pair->ref_view, rs, sizeof rs);
    parity_shape_str(pair->port, ps, sizeof ps);
    double norm_r = a->srr > 0 ? sqrt(a->srr) : 1.0;
    int permuted = strstr(pair->layout, "permute") != NULL;
    memset(h, 0, sizeof *h);
    if (permuted && a->flat && a->sq_view > 0 && a->sq_flat <= 0.01 * a->sq_view) {
        int conv = pair->ref_view.ndim == 3 && strcmp(pair->layout, "permute(0,2,1)") == 0;
        h->kind = PARITY_HYP_SCRAMBLE, h->params[0] = 3;
        h->complexity = parity__ex_kinds[PARITY_HYP_SCRAMBLE].complexity;
        h->explained = 1.0 - a->sq_flat / a->sq_view;
        h->residual_rel = sqrt(a->sq_flat) / norm_r;
        snprintf(buf, sizeof buf,
                 "memory-order scramble: the port's %s holds the reference's %s values in "
                 "the reference's memory order: a reshape where a transpose was meant%s; "
                 "%s does not undo it",
                 ps, rs, conv ? " ([out,in,k] read as [out,k,in])" : "", pair->layout);
        parity__ex_set_text(h, buf);
        return;
    }
    h->kind = PARITY_HYP_ALIGNMENT, h->params[0] = permuted;
    h->complexity = parity__ex_kinds[PARITY_HYP_ALIGNMENT].complexity;
    h->explained = a->flat && a->sq_flat > 0 ? 1.0 - a->sq_view / a->sq_flat : 0.0;
    h->residual_rel = sqrt(a->sq_view) / norm_r;
    snprintf(buf, sizeof buf, "alignment: the port's %s compared after %s (reference %s)", ps,
             pair->layout, rs);
    parity__ex_set_text(h, buf);
}

/* The memory-order finding already names the rearrangement: a scramble
 * found again by the sorted-value search would say the same in other words. */
static void drop_other_scrambles(parity_explain_result *out) {
    size_t keep = 1;
    for (size_t i = 1; i < out->n; i++) {
        if (out->h[i].kind == PARITY_HYP_SCRAMBLE) parity__ex_hyp_free(&out->h[i]);
        else out->h[keep++] = out->h[i];
    }
    out->n = keep;
}

parity_status parity_explain_pair(const parity_pair *pair, const parity_explain_opts *opts,
                                  parity_explain_result *out, parity_error *err) {
    FAIL_IF(!pair || !out, err, PARITY_E_USAGE, PARITY_NO_OFFSET, "explain: NULL argument");
    FAIL_IF(!pair->layout_ok, err, PARITY_E_SHAPE, PARITY_NO_OFFSET,
            "%s: explain: the shapes cannot be aligned", pair->ref->name);
    TRY(parity_explain_tensors(&pair->ref_view, &pair->port_view, opts, out, err));
    if (!pair->layout[0]) return PARITY_OK;
    snprintf(out->layout, sizeof out->layout, "%s", pair->layout);
    align_sums a;
    parity_hypothesis f;
    align_pass(pair, &a);
    finding(pair, &a, &f);
    if (f.kind != PARITY_HYP_SCRAMBLE) { /* the alignment: a note, never a hypothesis */
        const char *t = f.text + strlen("alignment: ");
        size_t n = strlen(t) < sizeof out->alignment ? strlen(t) : sizeof out->alignment - 1;
        memcpy(out->alignment, t, n);
        out->alignment[n] = 0;
        return PARITY_OK;
    }
    parity_hypothesis *h = realloc(out->h, (out->n + 1) * sizeof *h);
    if (!h) parity_explain_clear(out);
    FAIL_IF(!h, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: explain: out of memory",
            pair->ref->name);
    memmove(h + 1, h, out->n * sizeof *h);
    h[0] = f;
    h[0].hint = parity__ex_kinds[PARITY_HYP_SCRAMBLE].hint;
    out->h = h;
    out->n++;
    out->none_explains = 0;
    drop_other_scrambles(out);
    return PARITY_OK;
}
