/*
 * content_unordered.c — pairing by content when a side has no recorded
 * execution order (a folder of .npy files, read in name order): there is
 * no order to preserve, so each reference stage shortlists the SHORTLIST
 * port stages whose signatures score best (content.h), every shortlisted
 * pair is measured (the correlation of the two tensors aligned by layout),
 * and pairs are taken greedily, the most correlated first, each stage
 * once. Correlations within a few hundredths of each other (a bug
 * perturbs every stage after it alike) are told apart by the numbers in
 * the names: ports keep the layer indices of the reference
 * ("layers.0.norm2" and "blk0_ln2" share 0 and 2). Only pairs the values
 * confirm are proposed for use, and, since no position can vouch for a
 * pair, only one more kind: when exactly one reference stage and one port
 * stage of the same axis lengths are left, they pair by elimination
 * (PARITY__STRUCT_CONFIDENCE). Each reference stage left over gets its
 * best remaining candidate as a proposal not to use.
 */
#include "content.h"

#include <math.h>
#include <stdlib.h>

#define SHORTLIST 6
#define SAMPLE 4096
#define NAME_WEIGHT 0.02 /* of the numbers in the names, against correlation */
#define MAX_NUMBERS 8

typedef struct cand_pair {
    size_t i, j;
    double score, corr, key; /* key: corr + NAME_WEIGHT * number agreement */
} cand_pair;

/* The digit runs of name as numbers (up to MAX_NUMBERS); how many. */
static int numbers_of(const char *name, unsigned long long *out) {
    int n = 0;
    for (const char *c = name; *c && n < MAX_NUMBERS;) {
        if (*c < '0' || *c > '9') {
            c++;
            continue;
        }
        unsigned long long v = 0;
        for (; *c >= '0' && *c <= '9'; c++) v = v * 10 + (unsigned long long)(*c - '0');
        out[n++] = v;
    }
    return n;
}

/* The share of the numbers two names have in common (as multisets), in
 * [0, 1]; 0 when neither has one. */
static double number_agreement(const char *a, const char *b) {
    unsigned long long x[MAX_NUMBERS], y[MAX_NUMBERS];
    int nx = numbers_of(a, x), ny = numbers_of(b, y), common = 0;
    unsigned char used[MAX_NUMBERS] = {0};
    for (int i = 0; i < nx; i++)
        for (int j = 0; j < ny; j++)
            if (!used[j] && x[i] == y[j]) {
                used[j] = 1, common++;
                break;
            }
    int most = nx > ny ? nx : ny;
    return most ? (double)common / most : 0;
}

static int by_key_desc(const void *pa, const void *pb) {
    const cand_pair *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? 1 : -1;
    if (a->score != b->score) return a->score < b->score ? 1 : -1;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    return (a->j > b->j) - (a->j < b->j);
}

/* The SHORTLIST best-scoring port candidates of ref candidate i, best
 * first, into out; returns how many. */
static size_t shortlist(const parity__aligner *a, size_t i, cand_pair *out) {
    size_t n = 0;
    for (size_t j = 0; j < a->n[1]; j++) {
        double sc = parity__content_score(a, i, j);
        if (sc <= 0 || (n == SHORTLIST && sc <= out[SHORTLIST - 1].score)) continue;
        size_t at = n < SHORTLIST ? n++ : SHORTLIST - 1;
        while (at > 0 && out[at - 1].score < sc) out[at] = out[at - 1], at--;
        out[at] = (cand_pair){i, j, sc, 0, 0};
    }
    return n;
}

/* Propose c unless a side of it is taken. */
static void take(parity__aligner *a, const cand_pair *c, unsigned char **used, int by_structure) {
    if (used[0][c->i] || used[1][c->j]) return;
    used[0][c->i] = used[1][c->j] = 1;
    double conf = by_structure ? PARITY__STRUCT_CONFIDENCE : c->corr > 0 ? c->corr : 0;
    a->out[a->n_out++] = (parity__content_pair){
        .ref = a->cand[0][c->i], .port = a->cand[1][c->j], .ri = c->i, .pj = c->j,
        .confidence = conf, .correlation = c->corr < -1 ? NAN : c->corr,
        .distance = parity__content_distance(&a->sig[0][c->i], &a->sig[1][c->j]),
        .by_structure = by_structure};
}

/* Exactly one reference and one port candidate left, of the same axis
 * lengths and aligned by layout: they pair by elimination. */
static void eliminate(parity__aligner *a, const cand_pair *c, size_t n, unsigned char **used) {
    size_t left[2] = {0, 0}, last[2] = {0, 0};
    for (int side = 0; side < 2; side++)
        for (size_t k = 0; k < a->n[side]; k++)
            if (!used[side][k]) left[side]++, last[side] = k;
    if (left[0] != 1 || left[1] != 1) return;
    if (!parity__content_same_dims(&a->sig[0][last[0]], &a->sig[1][last[1]])) return;
    for (size_t k = 0; k < n; k++)
        if (c[k].i == last[0] && c[k].j == last[1] && c[k].corr >= -1) take(a, &c[k], used, 1);
}

parity_status parity__content_unordered(parity__aligner *a, parity_error *err) {
    cand_pair *c = malloc((a->n[0] * SHORTLIST + 1) * sizeof *c);
    unsigned char *used[2] = {calloc(a->n[0] + 1, 1), calloc(a->n[1] + 1, 1)};
    if (!c || !used[0] || !used[1]) {
        free(c), free(used[0]), free(used[1]);
        FAIL_IF(1, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "%s: out of memory pairing stages by content", parity_set_path(a->set[1]));
    }
    size_t n = 0;
    for (size_t i = 0; i < a->n[0]; i++) n += shortlist(a, i, c + n);
    for (size_t k = 0; k < n; k++) {
        int aligned;
        c[k].corr = parity__content_correlation(
            parity_set_tensor(a->set[0], (size_t)a->cand[0][c[k].i]),
            parity_set_tensor(a->set[1], (size_t)a->cand[1][c[k].j]), SAMPLE, &aligned);
        if (!aligned) c[k].corr = -2; /* below any correlation: taken last */
        const char *rn = parity_set_tensor(a->set[0], (size_t)a->cand[0][c[k].i])->name;
        const char *pn = parity_set_tensor(a->set[1], (size_t)a->cand[1][c[k].j])->name;
        c[k].key = c[k].corr + NAME_WEIGHT * number_agreement(rn, pn);
    }
    qsort(c, n, sizeof *c, by_key_desc);
    /* the confirmed pairs, a last pair by elimination, then the proposals
     * not to use */
    for (size_t k = 0; k < n; k++)
        if (c[k].corr >= PARITY__VALUE_CONFIRMED) take(a, &c[k], used, 0);
    eliminate(a, c, n, used);
    for (size_t k = 0; k < n; k++) take(a, &c[k], used, 0);
    free(c), free(used[0]), free(used[1]);
    return PARITY_OK;
}
