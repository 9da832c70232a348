/*
 * tracer_inject.c — inject mode (activation patching): after an inject
 * call traced a stage, the caller's buffer is overwritten with the
 * reference trace's tensor of the same (suffixed) name, so downstream
 * stages see reference inputs and each stage's own error is measured in
 * isolation. Names are
 * looked up as parity diff pairs them: exactly, then normalized
 * ("decoder.finalProj" = "decoder/final_proj", by binary search in the
 * reference's normalized names, sorted once), then renamed by the map
 * rules (analysis/names.c, the --map file format), exactly, normalized.
 *
 * A port that decodes one token per call records name, name#1, ... where
 * a whole-sequence reference holds one tensor with every position along
 * one axis ([32] per call against [1, 8, 32]). When the stage's name gives
 * no tensor that aligns whole, call k receives the reference's part at
 * position k, found by the rule parity diff pairs such "step pairs" with
 * (analysis/steps.c), so inject and diff agree on what a stage is
 * compared with.
 *
 * The caller's buffer is described by a "port" view (C-order strides over
 * its shape). parity_layout_align brings it to the reference shape exactly
 * as parity diff does (squeeze, permutation, reshape) and returns two views
 * of equal shape; walking both views in logical C order, reference element
 * i lands at the byte the port view's strides give for multi-index i, so a
 * permuted port receives the reference values in its own layout.
 * Values are copied byte for byte when the dtypes agree (reversed when the
 * reference is big-endian), and otherwise converted to the caller's dtype:
 * round to nearest, ties to even (floats); round to nearest and saturate
 * (integers; NaN -> 0); x != 0 (bool).
 */
#include "tracer_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Drop the inject reference and what is kept per tensor of it. */
static void drop_reference(parity_tracer *t) {
    for (size_t i = 0; t->inject_keys && i < parity_set_count(t->inject); i++)
        free(t->inject_keys[i].norm);
    free(t->inject_keys);
    free(t->inject_axis);
    parity_set_free(t->inject);
    t->inject_keys = NULL;
    t->inject_axis = NULL;
    t->inject = NULL;
}

void parity__tracer_inject_free(parity_tracer *t) {
    drop_reference(t);
    parity__map_rules_free(t->map);
    free(t->map_path);
    t->map = NULL;
    t->map_path = NULL;
}

static int cmp_key(const void *pa, const void *pb) {
    const parity_tracer_key *a = pa, *b = pb;
    int c = strcmp(a->norm, b->norm);
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* The reference's normalized names, sorted by (name, index); NULL when out
 * of memory (and for an empty set, with *oom 0). */
static parity_tracer_key *norm_keys(const parity_set *ref, int *oom) {
    size_t n = parity_set_count(ref);
    parity_tracer_key *k = n ? calloc(n, sizeof *k) : NULL;
    *oom = n && !k;
    for (size_t i = 0; k && i < n; i++) {
        k[i].index = i;
        *oom |= (k[i].norm = parity__name_normalize_dup(parity_set_tensor(ref, i)->name)) == NULL;
    }
    if (*oom) {
        for (size_t i = 0; k && i < n; i++) free(k[i].norm);
        free(k);
        return NULL;
    }
    if (n > 1) qsort(k, n, sizeof *k, cmp_key);
    return k;
}

parity_status parity__tracer_inject_clash(const parity_tracer *t, const parity_set *ref,
                                          parity_error *err) {
    struct stat out, in;
    if (!ref || stat(t->path, &out) != 0) return PARITY_OK; /* no output yet */
    for (size_t i = 0; i < parity_set_file_count(ref); i++) {
        parity_file_info f;
        char buf[4096];
        if (parity_set_file(ref, i, &f) != PARITY_OK) continue;
        const char *p = t->dir_mode ? parity__path_dir(f.path, buf, sizeof buf) : f.path;
        int same = stat(p, &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino;
        FAIL_IF(same, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "tracer: %s: %s the inject reference's file %s: tracing there would "
                "destroy the reference", t->path, t->dir_mode ? "holds" : "is", f.path);
    }
    return PARITY_OK;
}

parity_status parity_tracer_set_inject(parity_tracer *t, const char *ref_path,
                                       parity_error *err) {
    if (!t) return PARITY_OK; /* tracing disabled: nothing to patch */
    parity_set *ref = NULL;
    if (ref_path) TRY(parity_set_open(ref_path, NULL, &ref, err));
    parity_status clash = parity__tracer_inject_clash(t, ref, err);
    if (clash != PARITY_OK) {
        parity_set_free(ref);
        return clash;
    }
    int oom = 0;
    size_t n = ref ? parity_set_count(ref) : 0;
    parity_tracer_key *keys = ref ? norm_keys(ref, &oom) : NULL;
    unsigned char *axis = ref ? calloc(n ? n : 1, 1) : NULL;
    if (oom || (ref && !axis)) {
        for (size_t i = 0; keys && i < n; i++) free(keys[i].norm);
        free(keys);
        free(axis);
        parity_set_free(ref);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                            "tracer: inject reference %s: out of memory", ref_path);
    }
    drop_reference(t);
    t->inject = ref;
    t->inject_keys = keys;
    t->inject_axis = axis;
    return PARITY_OK;
}

parity_status parity_tracer_set_map(parity_tracer *t, const char *map_path, parity_error *err) {
    if (!t) return PARITY_OK;
    parity_map_rules *rules = NULL;
    char *path = NULL;
    if (map_path) {
        TRY(parity__map_rules_load(map_path, &rules, err));
        path = strdup(map_path);
        if (!path) {
            parity__map_rules_free(rules);
            return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                "tracer: map %s: out of memory", map_path);
        }
    }
    parity__map_rules_free(t->map);
    free(t->map_path);
    t->map = rules;
    t->map_path = path;
    return PARITY_OK;
}

/* The reference tensor named name exactly, else the first (in the
 * reference's order) whose normalized name equals name's; -1 when none,
 * -2 when out of memory. */
static long find_name(const parity_tracer *t, const char *name) {
    long i = parity_set_find(t->inject, name);
    if (i >= 0) return i;
    size_t n = parity_set_count(t->inject), lo = 0, hi = n;
    parity_tracer_key key = {parity__name_normalize_dup(name), 0};
    if (!key.norm) return -2;
    while (lo < hi) { /* lower bound of (norm, 0): the first in order */
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_key(&t->inject_keys[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && strcmp(t->inject_keys[lo].norm, key.norm) == 0)
        i = (long)t->inject_keys[lo].index;
    free(key.norm);
    return i;
}

/* The reference tensor for stage, as parity diff pairs names: exactly,
 * normalized, then through the map rules (exactly, normalized); -1 when
 * none. *mapped (malloc'd) receives the name a rule gave, NULL when no rule
 * was tried or none matched. */
static parity_status find_reference(const parity_tracer *t, const char *stage, long *out,
                                    char **mapped, parity_error *err) {
    long i = find_name(t, stage);
    *mapped = NULL;
    if (i == -1 && t->map) TRY(parity__map_rules_apply(t->map, stage, mapped, err));
    if (*mapped) i = find_name(t, *mapped);
    *out = i;
    FAIL_IF(i == -2, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tracer: stage '%s': out of memory",
            stage);
    return PARITY_OK;
}

/* The one-line error of a stage no reference name gives (as find_reference
 * looked it up), saying what the map did. */
static parity_status not_found(const parity_tracer *t, const char *stage, const char *mapped,
                               parity_error *err) {
    const char *ref = parity_set_path(t->inject);
    if (mapped)
        return parity__fail(err, PARITY_E_NOTFOUND, PARITY_NO_OFFSET,
                            "tracer: stage '%s': not in the inject reference %s "
                            "(the map %s renames it '%s')",
                            stage, ref, t->map_path, mapped);
    if (t->map)
        return parity__fail(err, PARITY_E_NOTFOUND, PARITY_NO_OFFSET,
                            "tracer: stage '%s': not in the inject reference %s "
                            "(no rule of the map %s matches it)",
                            stage, ref, t->map_path);
    return parity__fail(err, PARITY_E_NOTFOUND, PARITY_NO_OFFSET,
                        "tracer: stage '%s': not in the inject reference %s", stage, ref);
}

/* ---- walking two views of one shape in logical C order --------------- */

typedef struct walk {
    int ndim;
    int64_t shape[PARITY_MAX_DIMS], idx[PARITY_MAX_DIMS];
    int64_t rs[PARITY_MAX_DIMS], ps[PARITY_MAX_DIMS]; /* strides, elements */
    int64_t roff, poff; /* element offsets of the current multi-index     */
} walk;

static void walk_init(walk *w, const parity_tensor *rv, const parity_tensor *pv) {
    memset(w, 0, sizeof *w);
    w->ndim = rv->ndim;
    for (int d = 0; d < rv->ndim; d++) {
        w->shape[d] = rv->shape[d];
        w->rs[d] = rv->stride[d];
        w->ps[d] = pv->stride[d];
    }
}

/* Advance to the next multi-index (odometer, last axis fastest). */
static void walk_next(walk *w) {
    for (int d = w->ndim - 1; d >= 0; d--) {
        w->idx[d]++;
        w->roff += w->rs[d];
        w->poff += w->ps[d];
        if (w->idx[d] < w->shape[d]) return;
        w->roff -= w->rs[d] * w->shape[d];
        w->poff -= w->ps[d] * w->shape[d];
        w->idx[d] = 0;
    }
}

/* ---- storing a double in the caller's dtype -------------------------- */

/* Bits of an f16 value y that is exactly representable (parity_round_to
 * already rounded it): normal y = 1.m x 2^E, E in [-14, 15], bits
 * (E+15)<<10 | m*1024; subnormal y = k x 2^-24, bits k. */
static uint16_t f16_bits(double y) {
    uint16_t sign = signbit(y) ? 0x8000 : 0;
    double a = fabs(y);
    if (isnan(y)) return sign | 0x7E00;
    if (isinf(y)) return sign | 0x7C00;
    if (a == 0) return sign;
    int e;
    frexp(a, &e); /* a = m 2^e, m in [0.5, 1): E = e - 1 */
    if (e - 1 < -14) return sign | (uint16_t)ldexp(a, 24);
    uint16_t mant = (uint16_t)((ldexp(a, -(e - 1)) - 1.0) * 1024.0);
    return sign | (uint16_t)((e - 1 + 15) << 10) | mant;
}

/* Nearest code of an 8-bit float type by search over its 256 codes: the
 * smallest |code value - x|, ties to the even code; ±0 keep their sign when
 * the type has one; beyond max + ulp/2 the type's Inf, else its NaN. */
static uint8_t f8_code(parity_dtype dt, double x) {
    int best = -1, nan_code = -1, inf_code[2] = {-1, -1};
    double best_d = INFINITY, max = 0, below_max = 0;
    for (int c = 0; c < 256; c++) {
        uint8_t b = (uint8_t)c;
        double v = parity_dtype_to_double(dt, &b);
        if (isnan(v)) { if (nan_code < 0 || c == 0x7F) nan_code = c; continue; }
        if (isinf(v)) { inf_code[v < 0] = c; continue; }
        if (v > max) { below_max = max; max = v; }
        else if (v > below_max && v < max) below_max = v;
        double d = fabs(v - x);
        int tie_better = d == best_d && (c & 1) == 0 &&
                         (x != 0 || signbit(v) == signbit(x));
        if (d < best_d || tie_better) { best_d = d; best = c; }
    }
    if (isnan(x)) return (uint8_t)nan_code;
    /* past max + ulp/2 overflows; the tie goes to the even side, which is
     * the overflow when max's code is odd (IEEE: E5M2's 57344) */
    double thr = max + (max - below_max) / 2;
    if (fabs(x) > thr || (fabs(x) == thr && (best & 1))) {
        int c = inf_code[x < 0];
        return (uint8_t)(c >= 0 ? c : nan_code);
    }
    return (uint8_t)best;
}

/* Round to nearest integer (ties to even) and saturate to [lo, hi];
 * NaN -> 0. lo and hi are exact doubles. */
static double int_clamp(double x, double lo, double hi) {
    if (isnan(x)) return 0;
    x = nearbyint(x);
    return x < lo ? lo : x > hi ? hi : x;
}

/* 64-bit integers: 2^63 and 2^64 are not representable, so the top of the
 * range is tested before converting. */
static int64_t to_i64(double x) {
    if (!isnan(x) && x >= 0x1p63) return INT64_MAX;
    return (int64_t)int_clamp(x, -0x1p63, 0x1p63 - 1024);
}

static uint64_t to_u64(double x) {
    if (!isnan(x) && x >= 0x1p64) return UINT64_MAX;
    return (uint64_t)int_clamp(x, 0, 0x1p64 - 2048);
}

static void store_int(parity_dtype dt, double x, unsigned char *p) {
    int64_t i = 0;
    uint64_t u = 0;
    size_t n = parity_dtype_size(dt);
    switch (dt) {
    case PARITY_DT_I64: i = to_i64(x); break;
    case PARITY_DT_I32: i = (int64_t)int_clamp(x, INT32_MIN, INT32_MAX); break;
    case PARITY_DT_I16: i = (int64_t)int_clamp(x, INT16_MIN, INT16_MAX); break;
    case PARITY_DT_I8: i = (int64_t)int_clamp(x, INT8_MIN, INT8_MAX); break;
    case PARITY_DT_U64: u = to_u64(x); break;
    case PARITY_DT_U32: u = (uint64_t)int_clamp(x, 0, UINT32_MAX); break;
    case PARITY_DT_U16: u = (uint64_t)int_clamp(x, 0, UINT16_MAX); break;
    case PARITY_DT_U8: u = (uint64_t)int_clamp(x, 0, UINT8_MAX); break;
    default: u = x != 0; break; /* BOOL: NaN is true, like NumPy */
    }
    if (i) u = (uint64_t)i; /* two's complement; little-endian low bytes */
    for (size_t b = 0; b < n; b++) p[b] = (unsigned char)(u >> (8 * b));
}

/* x in dt at p (native little-endian). */
static void store_value(parity_dtype dt, double x, unsigned char *p) {
    if (dt == PARITY_DT_F64) {
        memcpy(p, &x, 8);
    } else if (dt == PARITY_DT_F32) {
        float f = (float)parity_round_to(PARITY_DT_F32, x);
        memcpy(p, &f, 4);
    } else if (dt == PARITY_DT_F16) {
        uint16_t h = f16_bits(parity_round_to(PARITY_DT_F16, x));
        memcpy(p, &h, 2);
    } else if (dt == PARITY_DT_BF16) {
        /* a bf16 value is an f32 whose low 16 bits are zero */
        float f = (float)parity_round_to(PARITY_DT_BF16, x);
        uint32_t u;
        memcpy(&u, &f, 4);
        uint16_t h = (uint16_t)(u >> 16);
        memcpy(p, &h, 2);
    } else if (parity_dtype_is_float(dt)) {
        p[0] = f8_code(dt, x);
    } else {
        store_int(dt, x, p);
    }
}

/* ---- copying the aligned reference into the caller's buffer ----------- */

/* Byte offset in the caller's buffer of the current port element, checked
 * against the buffer so no alignment result can write outside it. */
static int port_byte(const walk *w, int64_t base, size_t esize,
                     uint64_t nbytes, uint64_t *out) {
    int64_t off = base + w->poff * (int64_t)esize;
    if (off < 0 || (uint64_t)off + esize > nbytes) return 0;
    *out = (uint64_t)off;
    return 1;
}

static parity_status copy_values(const parity_tensor *rv,
                                 const parity_tensor *pv, const char *stage,
                                 parity_dtype dt, unsigned char *data,
                                 uint64_t nbytes, parity_error *err) {
    size_t esize = parity_dtype_size(dt), rsize = parity_dtype_size(rv->dtype);
    int raw = rv->dtype == dt;
    int64_t base = (int64_t)(pv->data - data);
    double chunk[1024];
    walk w;
    walk_init(&w, rv, pv);
    for (uint64_t i = 0; i < rv->count; i += 1024) {
        size_t n = rv->count - i < 1024 ? (size_t)(rv->count - i) : 1024;
        if (!raw) parity_tensor_read(rv, i, n, chunk);
        for (size_t j = 0; j < n; j++, walk_next(&w)) {
            uint64_t off;
            FAIL_IF(!port_byte(&w, base, esize, nbytes, &off), err,
                    PARITY_E_SHAPE, PARITY_NO_OFFSET,
                    "tracer: stage '%s': aligned view leaves the buffer", stage);
            if (!raw) { store_value(dt, chunk[j], data + off); continue; }
            const unsigned char *src = rv->data + w.roff * (int64_t)rsize;
            for (size_t b = 0; b < esize; b++) /* byteswap: reverse */
                data[off + b] = src[rv->byteswap ? esize - 1 - b : b];
        }
    }
    return PARITY_OK;
}

/* The caller's buffer as a C-order tensor view. */
static void port_view(parity_tensor *p, const char *stage, parity_dtype dt,
                      int ndim, const int64_t *shape, const void *data,
                      uint64_t count) {
    memset(p, 0, sizeof *p);
    p->name = stage;
    p->file = "(port buffer)";
    p->dtype = dt;
    p->ndim = ndim;
    for (int d = 0; d < ndim; d++) p->shape[d] = shape[d];
    parity__strides_c(p);
    p->count = count;
    p->data = data;
    p->nbytes = count * parity_dtype_size(dt);
}

static int same_shape(const parity_tensor *a, const parity_tensor *b) {
    if (a->ndim != b->ndim || a->count != b->count) return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return 0;
    return 1;
}

/* Aligned views of ref and the port's buffer, as parity diff aligns a pair
 * (parity_layout_align); 1 when they agree in shape and in the port's
 * element count, so the copy fills the buffer exactly. */
static int align(const parity_tensor *ref, const parity_tensor *port, parity_tensor *rv,
                 parity_tensor *pv) {
    char layout[96];
    parity_error sub;
    parity_status st = parity_layout_align(ref, port, rv, pv, layout, sizeof layout, &sub);
    return st == PARITY_OK && same_shape(rv, pv) && pv->count == port->count;
}

/* ---- one position of a stacked reference (step pairs) ----------------- */

/* t->inject_axis of a tensor a call took whole: a port that calls the stage
 * again (block, block#1) against a reference that has it once is not
 * decoding its positions one by one, and parity diff would not pair its
 * calls with positions either. */
#define INJECT_WHOLE 0xFF

/* The reference tensor that holds every position of the series base: named
 * base (exactly or normalized) with no "#1" repeat of its own, the partner
 * parity diff's step pairs take; -1 when none, -2 when out of memory. */
static long stacked_of(const parity_tracer *t, const char *base) {
    long p = find_name(t, base);
    if (p < 0) return p;
    char rep[600];
    int n = snprintf(rep, sizeof rep, "%s#1", parity_set_tensor(t->inject, (size_t)p)->name);
    if (n < 0 || (size_t)n >= sizeof rep) return -1;
    return parity_set_find(t->inject, rep) < 0 ? p : -1;
}

/* The series and position of a stage: the base of name (the stage's name,
 * or the map's for it) and the position its "#k" gives, else the stage's
 * own "#k" (a map may drop the suffix: tok_emb#3 => tok_embeddings). */
static int64_t step_of(const char *stage, const char *name, char *base, size_t cap) {
    int64_t k = parity__step_split(name, base, cap);
    char own[512];
    return strlen(base) < strlen(name) ? k : parity__step_split(stage, own, sizeof own);
}

/* Views for a stage that is call k of a series (name#k, one call per
 * token or step) whose reference holds every position along one axis: the
 * part at k (a slice; its valid prefix for a member that grows; the
 * positions through k for one that accumulates), by the rule of parity
 * diff's step pairs (analysis/steps.c). The first call to inject decides
 * the axis and the series keeps it (t->inject_axis): the calls come one at
 * a time, so "the axis of length n" cannot be asked for. *found is 0 when
 * no reference tensor stacks the series; errors name the position. */
static parity_status align_step(parity_tracer *t, const char *stage, const char *name,
                                const parity_tensor *port, int *found, parity_tensor *rv,
                                parity_tensor *pv, parity_error *err) {
    char base[512], rs[160], ps[160];
    int64_t k = step_of(stage, name, base, sizeof base), len = 0;
    long p = stacked_of(t, base);
    FAIL_IF(p == -2, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tracer: stage '%s': out of memory",
            stage);
    *found = p >= 0 && t->inject_axis[p] != INJECT_WHOLE;
    if (!*found) return PARITY_OK;
    const parity_tensor *s = parity_set_tensor(t->inject, (size_t)p);
    int axis = (int)t->inject_axis[p] - 1;
    if (axis >= 0)
        len = parity__step_len(s, axis);
    else
        axis = parity__step_axis_at(s, k, port, &len);
    parity_shape_str(s, rs, sizeof rs);
    parity_shape_str(port, ps, sizeof ps);
    FAIL_IF(axis >= 0 && k >= len, err, PARITY_E_NOTFOUND, PARITY_NO_OFFSET,
            "tracer: stage '%s': position %lld is beyond the reference '%s' %s in %s, "
            "which holds positions 0..%lld",
            stage, (long long)k, s->name, rs, parity_set_path(t->inject), (long long)len - 1);
    parity_tensor part = axis >= 0 ? parity__step_slice(s, axis, k, port) : *s;
    FAIL_IF(axis < 0 || !align(&part, port, rv, pv), err, PARITY_E_SHAPE, PARITY_NO_OFFSET,
            "tracer: stage '%s': port shape %s cannot be aligned to the reference '%s' %s "
            "in %s, whole or at position %lld",
            stage, ps, s->name, rs, parity_set_path(t->inject), (long long)k);
    t->inject_axis[p] = (unsigned char)(axis + 1);
    return PARITY_OK;
}

/* The reference tensor of the stage's name, aligned to the port's buffer;
 * else, for call k of a series, the reference's position k (align_step). */
static parity_status align_stage(parity_tracer *t, const char *stage, const parity_tensor *port,
                                 parity_tensor *rv, parity_tensor *pv, parity_error *err) {
    long i = -1;
    char *mapped = NULL, rs[160], ps[160];
    TRY(find_reference(t, stage, &i, &mapped, err));
    const parity_tensor *ref = i >= 0 ? parity_set_tensor(t->inject, (size_t)i) : NULL;
    int found = ref && align(ref, port, rv, pv);
    if (found && t->inject_axis[i] == 0) t->inject_axis[i] = INJECT_WHOLE;
    parity_status st = PARITY_OK;
    if (!found) st = align_step(t, stage, mapped ? mapped : stage, port, &found, rv, pv, err);
    if (st == PARITY_OK && !found && !ref) st = not_found(t, stage, mapped, err);
    free(mapped);
    TRY(st);
    if (found) return PARITY_OK;
    parity_shape_str(ref, rs, sizeof rs);
    parity_shape_str(port, ps, sizeof ps);
    return parity__fail(err, PARITY_E_SHAPE, PARITY_NO_OFFSET,
                        "tracer: stage '%s': port shape %s cannot be aligned to the "
                        "reference shape %s in %s",
                        stage, ps, rs, parity_set_path(t->inject));
}

parity_status parity__tracer_inject(parity_tracer *t, const char *stage, parity_dtype dt, int ndim,
                                    const int64_t *shape, void *data, uint64_t count,
                                    parity_error *err) {
    parity_tensor port, rv, pv;
    port_view(&port, stage, dt, ndim, shape, data, count);
    TRY(align_stage(t, stage, &port, &rv, &pv, err));
    if (count) TRY(copy_values(&rv, &pv, stage, dt, data, count * parity_dtype_size(dt), err));
    t->injected++;
    return PARITY_OK;
}
