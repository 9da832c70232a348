/*
 * merge_state.c — one pair of a parity diff read back from the "state" of
 * its JSON (diff_state.c writes it): its identity, its accumulators merged
 * over the parts that computed it, and the comparison they give, which is
 * the single run's to the bit (every merge is exact: counts, extrema with
 * the earliest position, superaccumulators, profile expansions).
 */
#include "merge_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- identity ------------------------------------------------------------ */

static const char *const KINDS[] = {"float", "int", "sequence", "overlap", "shapes"};
static const char *const HOWS[] = {"exact", "normalized", "map", "order", "content"};

/* Index of s in names[0..n), or -1. */
static int word_of(const char *s, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return -1;
}

static parity_status read_word(const parity__rd *rd, const cJSON *o, const char *path,
                               const char *key, const char *const *names, int n, int *out) {
    const char *s;
    TRY(parity__rd_str(rd, o, path, key, 0, &s));
    *out = word_of(s, names, n);
    if (*out < 0) return parity__rd_fail(rd, path, key, "unknown value '%.64s'", s);
    return PARITY_OK;
}

static parity_status read_tensor(const parity__rd *rd, const cJSON *st, const char *key,
                                 parity__mpair_id *id, int side) {
    const cJSON *t;
    const char *name, *file, *dtype;
    char path[16];
    snprintf(path, sizeof path, "state.%s", key);
    TRY(parity__rd_obj(rd, st, "state", key, &t));
    TRY(parity__rd_str(rd, t, path, "name", 0, &name));
    TRY(parity__rd_str(rd, t, path, "file", 1, &file));
    TRY(parity__rd_str(rd, t, path, "dtype", 0, &dtype));
    id->dtype[side] = parity_dtype_from_name(dtype);
    if (id->dtype[side] == PARITY_DT_INVALID)
        return parity__rd_fail(rd, path, "dtype", "unknown dtype '%.32s'", dtype);
    TRY(parity__rd_shape(rd, t, path, "shape", &id->ndim[side], id->shape[side],
                         &id->count[side]));
    id->name[side] = strdup(name);
    id->file[side] = file ? strdup(file) : NULL;
    if (!id->name[side] || (file && !id->file[side]))
        return parity__fail(rd->err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
                            rd->file);
    return PARITY_OK;
}

void parity__mpair_id_clear(parity__mpair_id *id) {
    for (int s = 0; s < 2; s++) {
        free(id->name[s]);
        free(id->file[s]);
    }
    memset(id, 0, sizeof *id);
}

/* "places": [ref, port], each null or {"offset", "strides"} (diff_state.c). */
static parity_status read_places(const parity__rd *rd, const cJSON *st, parity__mpair_id *id) {
    const cJSON *a;
    TRY(parity__rd_arr(rd, st, "state", "places", &a));
    if (cJSON_GetArraySize(a) != 2)
        return parity__rd_fail(rd, "state", "places", "expected 2 entries (ref, port)");
    for (int side = 0; side < 2; side++) {
        const cJSON *e = cJSON_GetArrayItem(a, side), *s;
        const char *path = side ? "state.places[1]" : "state.places[0]";
        long long v;
        id->placed[side] = !cJSON_IsNull(e);
        if (!id->placed[side]) continue;
        if (!cJSON_IsObject(e)) return parity__rd_fail(rd, "state", "places", "expected null or an object");
        TRY(parity__rd_int(rd, e, path, "offset", 0, (long long)1 << 62, &v));
        id->place_off[side] = v;
        TRY(parity__rd_arr(rd, e, path, "strides", &s));
        id->place_ndim[side] = cJSON_GetArraySize(s);
        if (id->place_ndim[side] > PARITY_MAX_DIMS)
            return parity__rd_fail(rd, path, "strides", "expected at most %d entries",
                                   PARITY_MAX_DIMS);
        for (int k = 0; k < id->place_ndim[side]; k++) {
            const cJSON *x = cJSON_GetArrayItem(s, k);
            double lim = (double)((long long)1 << 62);
            if (!cJSON_IsNumber(x) || !(x->valuedouble >= -lim && x->valuedouble <= lim) ||
                x->valuedouble != floor(x->valuedouble))
                return parity__rd_fail(rd, path, "strides", "expected integers of at most 2^62");
            id->place_stride[side][k] = (int64_t)x->valuedouble;
        }
    }
    return PARITY_OK;
}

parity_status parity__mpair_id_read(const parity__rd *rd, const cJSON *st,
                                    parity__mpair_id *id) {
    int kind, how;
    const char *layout;
    memset(id, 0, sizeof *id);
    TRY(read_word(rd, st, "state", "kind", KINDS, 5, &kind));
    TRY(read_word(rd, st, "state", "how", HOWS, (int)(sizeof HOWS / sizeof *HOWS), &how));
    id->kind = (parity_pair_kind)kind;
    id->how = (parity_match_how)how;
    TRY(parity__rd_bool(rd, st, "state", "layout_ok", &id->layout_ok));
    TRY(parity__rd_str(rd, st, "state", "layout", 0, &layout));
    if (strlen(layout) >= sizeof id->layout)
        return parity__rd_fail(rd, "state", "layout", "longer than %zu bytes",
                               sizeof id->layout - 1);
    memcpy(id->layout, layout, strlen(layout) + 1);
    TRY(read_tensor(rd, st, "ref", id, 0));
    TRY(read_tensor(rd, st, "port", id, 1));
    TRY(parity__rd_shape(rd, st, "state", "view", &id->view_ndim, id->view, &id->view_count));
    TRY(read_places(rd, st, id));
    int metrics = kind == PARITY_PAIR_FLOAT || kind == PARITY_PAIR_INT;
    if (metrics != id->layout_ok && kind != PARITY_PAIR_OVERLAP)
        return parity__rd_fail(rd, "state", "layout_ok", "%s for a pair of kind %s",
                               id->layout_ok ? "true" : "false", KINDS[kind]);
    return PARITY_OK;
}

static int same_str(const char *a, const char *b) {
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int parity__mpair_id_same(const parity__mpair_id *a, const parity__mpair_id *b) {
    if (a->kind != b->kind || a->how != b->how || a->layout_ok != b->layout_ok ||
        strcmp(a->layout, b->layout) != 0 || a->view_ndim != b->view_ndim ||
        memcmp(a->view, b->view, (size_t)a->view_ndim * sizeof *a->view) != 0)
        return 0;
    for (int s = 0; s < 2; s++) {
        if (a->placed[s] != b->placed[s] || a->place_off[s] != b->place_off[s] ||
            a->place_ndim[s] != b->place_ndim[s] ||
            memcmp(a->place_stride[s], b->place_stride[s],
                   (size_t)a->place_ndim[s] * sizeof *a->place_stride[s]) != 0)
            return 0;
        if (!same_str(a->name[s], b->name[s]) || !same_str(a->file[s], b->file[s]) ||
            a->dtype[s] != b->dtype[s] || a->ndim[s] != b->ndim[s] ||
            memcmp(a->shape[s], b->shape[s], (size_t)a->ndim[s] * sizeof *a->shape[s]) != 0)
            return 0;
    }
    return 1;
}

/* ---- accumulators -------------------------------------------------------- */

/* "isum": an integer tensor's exact sum, a decimal string of at most 40
 * digits (|isum| < 2^127: 2^64 values below 2^64 each sum below 2^128,
 * signed values below 2^63 each below 2^127). */
static parity_status read_isum(const parity__rd *rd, const cJSON *o, const char *path,
                               parity__side_acc *a) {
    const char *s, *d;
    TRY(parity__rd_str(rd, o, path, "isum", 0, &s));
    d = s + (*s == '-');
    size_t n = strlen(d);
    if (n == 0 || n > 38 || strspn(d, "0123456789") != n || (d[0] == '0' && n > 1) ||
        (*s == '-' && d[0] == '0'))
        return parity__rd_fail(rd, path, "isum", "expected a decimal integer in a string, "
                               "at most 38 digits");
    unsigned __int128 v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (unsigned)(d[i] - '0');
    a->isum = *s == '-' ? -(parity__i128)v : (parity__i128)v;
    a->has_isum = 1;
    return PARITY_OK;
}

/* "12345": a uint64 written as a decimal string. */
static parity_status read_u64_str(const parity__rd *rd, const cJSON *o, const char *path,
                                  const char *key, uint64_t *out) {
    const char *s;
    char *end;
    TRY(parity__rd_str(rd, o, path, key, 0, &s));
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!(*s >= '0' && *s <= '9') || *end || errno || (s[0] == '0' && s[1]))
        return parity__rd_fail(rd, path, key, "expected a decimal integer in a string");
    *out = (uint64_t)v;
    return PARITY_OK;
}

/* The fields f[0..n) of object o (at path p) into the accumulator acc, in
 * the order the state writes them (diff_state.c), so the first bad one is
 * the one reported. */
static parity_status read_fields(const parity__rd *rd, const cJSON *o, const char *p,
                                 const parity__state_field *f, size_t n, void *acc) {
    for (size_t i = 0; i < n; i++) {
        void *at = (unsigned char *)acc + f[i].offset;
        switch (f[i].kind) {
        case PARITY__SK_U64: TRY(parity__rd_u64(rd, o, p, f[i].key, at)); break;
        case PARITY__SK_POS: TRY(parity__rd_pos(rd, o, p, f[i].key, at)); break;
        case PARITY__SK_U64_STR: TRY(read_u64_str(rd, o, p, f[i].key, at)); break;
        case PARITY__SK_XSUM: TRY(parity__rd_xsum(rd, o, p, f[i].key, at)); break;
        case PARITY__SK_DOUBLE:
        case PARITY__SK_SHIFT:
            TRY(parity__rd_double(rd, o, p, f[i].key, at));
            if (f[i].kind == PARITY__SK_SHIFT && !isfinite(*(double *)at))
                return parity__rd_fail(rd, p, f[i].key, "expected a finite number");
            break;
        }
    }
    return PARITY_OK;
}

static parity_status read_side(const parity__rd *rd, const cJSON *st, const char *path,
                               const char *key, parity__side_acc *a) {
    const cJSON *o;
    char p[32];
    snprintf(p, sizeof p, "%s.%s", path, key);
    TRY(parity__rd_obj(rd, st, path, key, &o));
    parity__side_init(a, 0.0);
    TRY(read_fields(rd, o, p, parity__side_fields, parity__n_side_fields, a));
    return cJSON_GetObjectItemCaseSensitive(o, "isum") ? read_isum(rd, o, p, a) : PARITY_OK;
}

/* A part's side merged into the pair's so far: the shift K must agree,
 * it is the mean of the tensor's first chunk in every part. */
static parity_status add_side(const parity__rd *rd, const cJSON *st, const char *path,
                              const char *key, int first, parity__side_acc *into) {
    parity__side_acc a;
    TRY(read_side(rd, st, path, key, first ? into : &a));
    if (first) return PARITY_OK;
    if (memcmp(&a.shift, &into->shift, sizeof a.shift) != 0)
        return parity__rd_fail(rd, path, key, "shift %.17g, another part's is %.17g: the "
                               "parts read different data", a.shift, into->shift);
    parity__side_merge(into, &a);
    return PARITY_OK;
}

static parity_status read_pair(const parity__rd *rd, const cJSON *st, int first,
                               parity__pair_acc *into) {
    parity__pair_acc tmp, *a = first ? into : &tmp;
    const cJSON *o;
    const char *p = "state.m";
    TRY(parity__rd_obj(rd, st, "state", "m", &o));
    parity__pair_init(a, 0.0, 0.0);
    TRY(read_side(rd, o, p, "r", &a->r));
    TRY(read_side(rd, o, p, "p", &a->p));
    TRY(read_fields(rd, o, p, parity__pair_fields, parity__n_pair_fields, a));
    if (first) return PARITY_OK;
    if (memcmp(&a->r.shift, &into->r.shift, sizeof a->r.shift) != 0 ||
        memcmp(&a->p.shift, &into->p.shift, sizeof a->p.shift) != 0)
        return parity__rd_fail(rd, p, "r", "its shifts differ from another part's: the parts "
                               "read different data");
    parity__pair_merge(into, a);
    return PARITY_OK;
}

/* ---- profiles ------------------------------------------------------------ */

/* The axes of o that a view of ndim dimensions has, normalized, as
 * parity_compare_pair gives them to parity_diff_tensors. */
static int axes_fitting(const parity_diff_opts *o, int ndim, int *axes) {
    int n = 0;
    for (int i = 0; i < o->n_axes && i < 4; i++)
        if (o->axes[i] >= -ndim && o->axes[i] < ndim)
            axes[n++] = o->axes[i] < 0 ? o->axes[i] + ndim : o->axes[i];
    return n;
}

/* Column key of profile k: an array of len values. */
static parity_status prof_col(const parity__rd *rd, const cJSON *o, const char *path,
                              const char *key, int64_t len, const cJSON **out) {
    TRY(parity__rd_arr(rd, o, path, key, out));
    if (cJSON_GetArraySize(*out) != len)
        return parity__rd_fail(rd, path, key, "expected %lld values", (long long)len);
    return PARITY_OK;
}

/* Add one index's cell of a part into the totals. */
static parity_status prof_cell(const parity__rd *rd, const char *path, const cJSON *const *v,
                               parity__prof_total *t, int *oom) {
    static const char *keys[] = {"n", "abs_max", "d", "ad", "d2", "r2"};
    if (!cJSON_IsNumber(v[0]) || !(v[0]->valuedouble >= 0) ||
        v[0]->valuedouble > 9007199254740992.0 || v[0]->valuedouble != floor(v[0]->valuedouble))
        return parity__rd_fail(rd, path, "n", "expected counts (integers >= 0)");
    t->n += (uint64_t)v[0]->valuedouble;
    double am;
    if (parity__rd_double_of(v[1], &am) != 0)
        return parity__rd_fail(rd, path, keys[1], "expected numbers, \"nan\", \"inf\" or \"-inf\"");
    if (am > t->abs_max) t->abs_max = am;
    for (int q = 0; q < 4; q++) {
        parity_xsum x;
        parity__xacc part;
        const char *s = cJSON_IsString(v[2 + q]) ? v[2 + q]->valuestring : NULL;
        if (!s || parity__xsum_parse(&x, s) != 0)
            return parity__rd_fail(rd, path, keys[2 + q], "expected exact sums (\"0x1b3p-20\")");
        if (parity__xacc_set(&part, &x) || parity__xacc_merge(&t->x[q], &part)) *oom = 1;
        parity__xacc_free(&part);
    }
    return PARITY_OK;
}

static parity_status read_prof(const parity__rd *rd, const cJSON *st,
                               const parity__mpair_id *id, const parity_diff_opts *o,
                               int first, parity__mstate *s) {
    int axes[4], n = axes_fitting(o, id->view_ndim, axes);
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(st, "prof");
    if (n == 0 && !arr) return PARITY_OK;
    TRY(parity__rd_arr(rd, st, "state", "prof", &arr));
    if (cJSON_GetArraySize(arr) != n)
        return parity__rd_fail(rd, "state", "prof", "%d profiles for the %d --axis that fit",
                               cJSON_GetArraySize(arr), n);
    int k = 0;
    for (const cJSON *e = arr->child; e; e = e->next, k++) {
        char path[32];
        long long axis, len;
        snprintf(path, sizeof path, "state.prof[%d]", k);
        TRY(parity__rd_int(rd, e, path, "axis", axes[k], axes[k], &axis));
        TRY(parity__rd_int(rd, e, path, "len", id->view[axis], id->view[axis], &len));
        const cJSON *col[6];
        static const char *keys[] = {"n", "abs_max", "d", "ad", "d2", "r2"};
        for (int c = 0; c < 6; c++) TRY(prof_col(rd, e, path, keys[c], len, &col[c]));
        parity__prof *pr = &s->prof[k];
        if (first) {
            memset(pr, 0, sizeof *pr);
            pr->axis = (int)axis, pr->len = len, pr->inner = 1;
            for (int q = (int)axis + 1; q < id->view_ndim; q++) pr->inner *= (uint64_t)id->view[q];
            pr->total = calloc(len ? (size_t)len : 1, sizeof *pr->total);
            if (!pr->total)
                return parity__fail(rd->err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                    "%s: a profile of %lld entries: out of memory", rd->file, len);
            s->n_prof = k + 1;
        }
        const cJSON *v[6];
        for (int c = 0; c < 6; c++) v[c] = col[c]->child;
        for (int64_t i = 0; i < len; i++) {
            TRY(prof_cell(rd, path, v, &pr->total[i], &pr->oom));
            for (int c = 0; c < 6; c++) v[c] = v[c]->next;
        }
    }
    return PARITY_OK;
}

/* ---- ids and overlaps ---------------------------------------------------- */

/* An array of at most max int64 values written as decimal strings. */
static parity_status read_vals(const parity__rd *rd, const cJSON *o, const char *path,
                               const char *key, int64_t *out, size_t max, size_t *n) {
    const cJSON *a;
    TRY(parity__rd_arr(rd, o, path, key, &a));
    *n = 0;
    for (const cJSON *e = a->child; e; e = e->next) {
        const char *s = cJSON_IsString(e) ? e->valuestring : NULL;
        char *end = NULL;
        errno = 0;
        long long v = s ? strtoll(s, &end, 10) : 0;
        if (*n == max || !s || !*s || *end || errno || s[0] == '+' || s[0] == ' ')
            return parity__rd_fail(rd, path, key, "expected at most %zu integers written as "
                                   "decimal strings", max);
        out[(*n)++] = (int64_t)v;
    }
    return PARITY_OK;
}

static parity_status read_hunk(const parity__rd *rd, const cJSON *h, const char *path,
                               parity_int_hunk *k) {
    size_t n;
    TRY(parity__rd_u64(rd, h, path, "ref_at", &k->ref_at));
    TRY(parity__rd_u64(rd, h, path, "ref_n", &k->ref_n));
    TRY(parity__rd_u64(rd, h, path, "port_at", &k->port_at));
    TRY(parity__rd_u64(rd, h, path, "port_n", &k->port_n));
    TRY(read_vals(rd, h, path, "ref_vals", k->ref_vals, PARITY_INT_HUNK_VALUES, &n));
    if (n != (k->ref_n < PARITY_INT_HUNK_VALUES ? k->ref_n : PARITY_INT_HUNK_VALUES))
        return parity__rd_fail(rd, path, "ref_vals", "one value per id, at most %d",
                               PARITY_INT_HUNK_VALUES);
    TRY(read_vals(rd, h, path, "port_vals", k->port_vals, PARITY_INT_HUNK_VALUES, &n));
    if (n != (k->port_n < PARITY_INT_HUNK_VALUES ? k->port_n : PARITY_INT_HUNK_VALUES))
        return parity__rd_fail(rd, path, "port_vals", "one value per id, at most %d",
                               PARITY_INT_HUNK_VALUES);
    return PARITY_OK;
}

static parity_status read_ints(const parity__rd *rd, const cJSON *st, parity_int_cmp *c) {
    const cJSON *o, *hunks;
    const char *p = "state.ints";
    int64_t firsts[2];
    size_t n;
    memset(c, 0, sizeof *c);
    TRY(parity__rd_obj(rd, st, "state", "ints", &o));
    TRY(parity__rd_bool(rd, o, p, "equal", &c->equal));
    TRY(parity__rd_bool(rd, o, p, "sequence", &c->sequence));
    TRY(parity__rd_u64(rd, o, p, "ref_len", &c->ref_len));
    TRY(parity__rd_u64(rd, o, p, "port_len", &c->port_len));
    TRY(parity__rd_u64(rd, o, p, "n_compared", &c->n_compared));
    TRY(parity__rd_u64(rd, o, p, "n_differ", &c->n_differ));
    TRY(parity__rd_u64(rd, o, p, "first", &c->first));
    TRY(read_vals(rd, o, p, "first_vals", firsts, 2, &n));
    if (n != 2) return parity__rd_fail(rd, p, "first_vals", "expected two values");
    c->first_ref = firsts[0], c->first_port = firsts[1];
    TRY(parity__rd_u64(rd, o, p, "win_first", &c->win_first));
    TRY(read_vals(rd, o, p, "win_ref", c->win_ref, PARITY_INT_WINDOW, &n));
    c->win_ref_len = (int)n;
    TRY(read_vals(rd, o, p, "win_port", c->win_port, PARITY_INT_WINDOW, &n));
    c->win_port_len = (int)n;
    TRY(parity__rd_bool(rd, o, p, "ref_unsigned", &c->ref_unsigned));
    TRY(parity__rd_bool(rd, o, p, "port_unsigned", &c->port_unsigned));
    TRY(parity__rd_bool(rd, o, p, "ref_float", &c->ref_float));
    TRY(parity__rd_bool(rd, o, p, "port_float", &c->port_float));
    uint64_t total;
    TRY(parity__rd_u64(rd, o, p, "total_hunks", &total));
    c->total_hunks = (size_t)total;
    TRY(parity__rd_arr(rd, o, p, "hunks", &hunks));
    for (const cJSON *h = hunks->child; h; h = h->next) {
        char path[40];
        if (c->n_hunks == PARITY_INT_HUNKS || !cJSON_IsObject(h))
            return parity__rd_fail(rd, p, "hunks", "expected at most %d objects",
                                   PARITY_INT_HUNKS);
        snprintf(path, sizeof path, "%s.hunks[%zu]", p, c->n_hunks);
        TRY(read_hunk(rd, h, path, &c->hunks[c->n_hunks++]));
    }
    if (c->total_hunks < c->n_hunks)
        return parity__rd_fail(rd, p, "total_hunks", "fewer than the hunks listed");
    return PARITY_OK;
}

static parity_status read_overlap(const parity__rd *rd, const cJSON *st, parity__mstate *s) {
    static const char *const hows[] = {"none", "prefix", "shifted"};
    const cJSON *o;
    const char *p = "state.overlap";
    int how;
    long long axis, v[4];
    static const char *keys[] = {"ref_len", "port_len", "lag", "len"};
    TRY(parity__rd_obj(rd, st, "state", "overlap", &o));
    TRY(read_word(rd, o, p, "how", hows, 3, &how));
    TRY(parity__rd_int(rd, o, p, "axis", 0, PARITY_MAX_DIMS - 1, &axis));
    for (int k = 0; k < 4; k++)
        TRY(parity__rd_int(rd, o, p, keys[k], -(1LL << 53), 1LL << 53, &v[k]));
    s->overlap = (parity_overlap){(parity_overlap_how)how, (int)axis, v[0], v[1], v[2], v[3]};
    return parity__rd_shape(rd, o, p, "part", &s->part_ndim, s->part, &s->part_count);
}

/* Each side's place has as many strides as the view it places has axes
 * (an overlap's part's: known once the overlap is read). */
static parity_status check_places(const parity__rd *rd, const parity__mstate *s,
                                  const parity__mpair_id *id) {
    int ndim = id->kind == PARITY_PAIR_OVERLAP ? s->part_ndim : id->view_ndim;
    for (int side = 0; side < 2; side++)
        if (id->placed[side] && id->place_ndim[side] != ndim)
            return parity__rd_fail(rd, side ? "state.places[1]" : "state.places[0]", "strides",
                                   "%d given, for a view of %d axes", id->place_ndim[side], ndim);
    return PARITY_OK;
}

/* ---- one part of a pair -------------------------------------------------- */

void parity__mstate_clear(parity__mstate *s) {
    parity__prof_free(s->prof, s->n_prof);
    s->n_prof = 0;
}

parity_status parity__mstate_add(const parity__rd *rd, const cJSON *st,
                                 const parity__mpair_id *id, const parity_diff_opts *o,
                                 int first, parity__mstate *s) {
    int k = id->kind;
    int metrics = k == PARITY_PAIR_FLOAT || k == PARITY_PAIR_INT || k == PARITY_PAIR_OVERLAP;
    if (first) {
        memset(s, 0, sizeof *s);
        s->has_m = metrics;
    }
    TRY(add_side(rd, st, "state", "r", first, &s->r));
    TRY(add_side(rd, st, "state", "p", first, &s->p));
    if (metrics) TRY(read_pair(rd, st, first, &s->m));
    else if (cJSON_GetObjectItemCaseSensitive(st, "m"))
        return parity__rd_fail(rd, "state", "m", "present for a pair of kind %s", KINDS[k]);
    if (k == PARITY_PAIR_FLOAT) {
        int same;
        TRY(read_prof(rd, st, id, o, first, s));
        TRY(parity__rd_bool(rd, st, "state", "same_values", &same));
        s->same_values |= same;
    }
    if (!first && k != PARITY_PAIR_FLOAT)
        return parity__rd_fail(rd, "state", "kind", "%s pairs are never cut into parts",
                               KINDS[k]);
    if (k == PARITY_PAIR_INT || k == PARITY_PAIR_SEQUENCE) {
        s->has_ints = 1;
        TRY(read_ints(rd, st, &s->ints));
    }
    if (k == PARITY_PAIR_OVERLAP) TRY(read_overlap(rd, st, s));
    return check_places(rd, s, id);
}

/* ---- the comparison ------------------------------------------------------ */

/* argmin and argmax of one side as positions in the tensor as stored, as
 * the single run writes them (render/report_blocks.c): the state keeps
 * them in the order compared (the view, or an overlap's part), which is
 * what parts merge by. */
static void stored_positions(const parity__mstate *s, const parity__mpair_id *id, int side,
                             parity_stats *st) {
    parity_tensor stored, view;
    int over = id->kind == PARITY_PAIR_OVERLAP;
    if (!id->placed[side]) return;
    memset(&stored, 0, sizeof stored);
    memset(&view, 0, sizeof view);
    view.ndim = over ? s->part_ndim : id->view_ndim;
    memcpy(view.shape, over ? s->part : id->view, sizeof view.shape);
    view.count = over ? s->part_count : id->view_count;
    if (id->place_ndim[side] != view.ndim || st->count != view.count) return; /* checked */
    memcpy(view.stride, id->place_stride[side], sizeof view.stride);
    stored.ndim = id->ndim[side];
    memcpy(stored.shape, id->shape[side], sizeof stored.shape);
    stored.count = id->count[side];
    parity__strides_c(&stored);
    st->argmin = parity__stored_index_at(&stored, &view, id->place_off[side], st->argmin);
    st->argmax = parity__stored_index_at(&stored, &view, id->place_off[side], st->argmax);
}


parity_status parity__mstate_finish(parity__mstate *s, const parity__mpair_id *id,
                                    const parity_diff_opts *opts, parity_comparison *out,
                                    parity_error *err) {
    parity_diff *d = &out->diff;
    parity_pair_kind k = id->kind;
    memset(out, 0, sizeof *out);
    out->kind = k;
    if (s->has_m) {
        parity__pair_finish(&s->m, &s->r, &s->p, opts, parity__ulp_dtype(id->dtype[0], id->dtype[1]),
                            d);
    } else {
        parity__side_finish(&s->r, &d->ref);
        parity__side_finish(&s->p, &d->port);
    }
    TRY(parity__state_keep(d, &s->r, &s->p, s->has_m ? &s->m : NULL, s->prof, s->n_prof, err));
    stored_positions(s, id, 0, &d->ref);
    stored_positions(s, id, 1, &d->port);
    parity_buf *pl = &d->state->places; /* written again as read */
    parity__buf_puts(pl, "[");
    for (int side = 0; side < 2; side++) {
        if (side) parity__buf_puts(pl, ",");
        parity__put_place(pl, id->placed[side], id->place_off[side], id->place_stride[side],
                          id->place_ndim[side]);
    }
    parity__buf_puts(pl, "]");
    FAIL_IF(pl->oom, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "the state of a pair: out of memory");
    if (k == PARITY_PAIR_FLOAT) {
        TRY(parity__prof_finish(s->prof, s->n_prof, d, err));
        out->verdict = d->verdict;
        out->same_values = s->same_values;
        return PARITY_OK;
    }
    if (s->has_ints) out->ints = s->ints;
    if (k == PARITY_PAIR_OVERLAP) out->overlap = s->overlap;
    out->verdict = (k == PARITY_PAIR_INT || k == PARITY_PAIR_SEQUENCE) && s->ints.equal
                       ? PARITY_MATCH
                       : PARITY_LARGE_DIFF;
    d->verdict = out->verdict;
    return PARITY_OK;
}
