/*
 * cmd_same.c — parity same A B: are two runs of one side bitwise identical?
 * Tensors pair by exact name. Each pair is compared element by element on
 * the stored bytes (in native byte order, through the views' strides, so a
 * Fortran-order .npy equals its C-order twin), counting differing elements
 * and differing bits; values are converted only to display the first
 * difference. Exit 0 when every tensor is identical and none is unpaired.
 *
 * Block-quantized tensors (GGUF Q4_0 ... Q6_K) compare their stored blocks
 * and count differing blocks instead of elements.
 *
 * same compares bits, not values: tolerances, domains, axes, name mapping
 * and the other formats do not apply, so the option table (options.c)
 * gives same only --labels, --only, --skip, --format text and -q.
 */
#include "options.h"

#include <string.h>

/* Walks a view's elements in logical C order, tracking the stored offset. */
typedef struct walker {
    const parity_tensor *t;
    int64_t idx[PARITY_MAX_DIMS];
    int64_t off; /* in elements from t->data */
} walker;

static void walk_next(walker *w) {
    for (int k = w->t->ndim - 1; k >= 0; k--) {
        w->off += w->t->stride[k];
        if (++w->idx[k] < w->t->shape[k]) return;
        w->off -= w->t->stride[k] * w->t->shape[k];
        w->idx[k] = 0;
    }
}

/* The element under the walker in native byte order, into out[esz]. */
static void walk_get(const walker *w, size_t esz, unsigned char *out) {
    const unsigned char *p = w->t->data + w->off * (int64_t)esz;
    for (size_t i = 0; i < esz; i++) out[i] = w->t->byteswap ? p[esz - 1 - i] : p[i];
}

typedef struct same_result {
    uint64_t n_differ, bits, first;
} same_result;

static void compare_bytes(const parity_tensor *a, const parity_tensor *b, same_result *s) {
    walker wa = {a, {0}, 0}, wb = {b, {0}, 0};
    size_t esz = parity_dtype_size(a->dtype);
    unsigned char x[16], y[16];
    memset(s, 0, sizeof *s);
    for (uint64_t i = 0; i < a->count; i++) {
        walk_get(&wa, esz, x);
        walk_get(&wb, esz, y);
        int bits = 0;
        for (size_t k = 0; k < esz; k++) bits += __builtin_popcount((unsigned)(x[k] ^ y[k]));
        if (bits && s->n_differ++ == 0) s->first = i;
        s->bits += (uint64_t)bits;
        walk_next(&wa);
        walk_next(&wb);
    }
}

/* Block-quantized tensors (GGUF, always whole blocks in C order) compare
 * block by block: a block differs when any of its stored bits do. first is
 * the flat index of the first differing block's first element. */
static void compare_blocks(const parity_tensor *a, const parity_tensor *b, int be, int bb,
                           same_result *s) {
    memset(s, 0, sizeof *s);
    for (uint64_t k = 0; k < a->count / (uint64_t)be; k++) {
        const unsigned char *x = a->data + k * (uint64_t)bb, *y = b->data + k * (uint64_t)bb;
        int bits = 0;
        for (int i = 0; i < bb; i++) bits += __builtin_popcount((unsigned)(x[i] ^ y[i]));
        if (bits && s->n_differ++ == 0) s->first = k * (uint64_t)be;
        s->bits += (uint64_t)bits;
    }
}

static int same_shape(const parity_tensor *a, const parity_tensor *b) {
    if (a->ndim != b->ndim) return 0;
    for (int k = 0; k < a->ndim; k++)
        if (a->shape[k] != b->shape[k]) return 0;
    return 1;
}

static void print_index(const parity_tensor *t, uint64_t flat) {
    int64_t idx[PARITY_MAX_DIMS];
    parity_tensor_unravel(t, flat, idx);
    fputc('[', stdout);
    for (int k = 0; k < t->ndim; k++) printf("%s%lld", k ? ", " : "", (long long)idx[k]);
    fputc(']', stdout);
}

/* One tensor of A against its namesake in B: 1 when they differ. */
static int same_pair(const cli_opts *o, const parity_tensor *a, const parity_tensor *b) {
    char sa[512], sb[512];
    same_result s;
    int be = 1, bb = 0, blocks = parity_dtype_block(a->dtype, &be, &bb) == 1;
    if (a->dtype != b->dtype || !same_shape(a, b) || parity_dtype_size(a->dtype) > 16) {
        if (o->report.quiet) printf("%s: DIFFERENT\n", a->name);
        else printf("%s: %s %s vs %s %s\n", a->name, parity_dtype_name(a->dtype),
                    parity_shape_str(a, sa, sizeof sa), parity_dtype_name(b->dtype),
                    parity_shape_str(b, sb, sizeof sb));
        return 1;
    }
    if (blocks) compare_blocks(a, b, be, bb, &s);
    else compare_bytes(a, b, &s);
    if (o->report.quiet || s.n_differ == 0) {
        printf("%s: %s\n", a->name, s.n_differ ? "DIFFERENT" : "identical");
        return s.n_differ != 0;
    }
    double va = 0, vb = 0;
    parity_tensor_read(a, s.first, 1, &va);
    parity_tensor_read(b, s.first, 1, &vb);
    printf("%s: %llu of %llu %s differ (%llu bit%s); first at ", a->name,
           (unsigned long long)s.n_differ, (unsigned long long)(a->count / (uint64_t)be),
           blocks ? "blocks" : "elements", (unsigned long long)s.bits, s.bits == 1 ? "" : "s");
    print_index(a, s.first);
    printf(": %.17g vs %.17g\n", va, vb);
    return 1;
}

static const char *side_label(const cli_opts *o, int side) {
    const char *l = o->report.labels[side];
    return l ? l : side ? "B" : "A";
}

/* Tensors of x without a namesake in y, as "only in LABEL: a, b". */
static int list_unpaired(const cli_opts *o, const parity_set *x, const parity_set *y,
                         int side) {
    int n = 0;
    for (size_t i = 0; i < parity_set_count(x); i++) {
        const parity_tensor *t = parity_set_tensor(x, i);
        if (!cli_selected(o, t->name) || parity_set_find(y, t->name) >= 0) continue;
        if (o->report.quiet) printf("%s: only in %s\n", t->name, side_label(o, side));
        else if (n == 0) printf("only in %s: %s", side_label(o, side), t->name);
        else printf(", %s", t->name);
        n++;
    }
    if (n && !o->report.quiet) fputc('\n', stdout);
    return n;
}

static int same_sets(const cli_opts *o, const parity_set *a, const parity_set *b) {
    uint64_t n = 0, differ = 0;
    for (size_t i = 0; i < parity_set_count(a); i++) {
        const parity_tensor *t = parity_set_tensor(a, i);
        long j = parity_set_find(b, t->name);
        if (!cli_selected(o, t->name) || j < 0) continue;
        differ += (uint64_t)same_pair(o, t, parity_set_tensor(b, (size_t)j));
        n++;
    }
    if (!o->report.quiet)
        printf("%llu tensor%s: %llu identical, %llu different\n", (unsigned long long)n,
               n == 1 ? "" : "s", (unsigned long long)(n - differ), (unsigned long long)differ);
    int unpaired = list_unpaired(o, a, b, 0) + list_unpaired(o, b, a, 1);
    return differ || unpaired ? 1 : 0;
}

int cmd_same(int argc, char **argv) {
    cli_opts o;
    parity_set *sides[2];
    if (cli_parse(argc, argv, "same", 2, 2, &o)) return 2;
    if (o.help) return cli_verb_help("same");
    int rc = cli_open_sides(&o, o.pos, 2, sides);
    if (rc == 0) rc = same_sets(&o, sides[0], sides[1]);
    parity_set_free(sides[0]);
    parity_set_free(sides[1]);
    if (fflush(stdout) != 0 && rc != 2) rc = cli_fail("cannot write to standard output");
    return rc;
}
