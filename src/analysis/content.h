/*
 * content.h — pairing by content, shared by its files (docs/matching.md):
 *
 *   content.c            signatures of what a tensor holds, their
 *                        distance, the correlation of an aligned pair
 *   content_rough.c      a rough order-preserving alignment of two runs of
 *                        stages from their signatures (dynamic programming)
 *   content_ordered.c    the alignment refined on the data around the rough
 *                        one, and the gaps it leaves filled by structure
 *   content_unordered.c  pairs by correlation when a side has no order
 *   match_content.c      the entry point: candidates, anchors, segments
 */
#ifndef PARITY_ANALYSIS_CONTENT_H
#define PARITY_ANALYSIS_CONTENT_H

#include "internal.h"

/* A layout-free summary of a tensor: the element count, the lengths of
 * the axes longer than 1 sorted (a permutation or a squeeze keeps them),
 * the quantiles 0, 1/16, ..., 1 of a bounded sample (any element order
 * keeps them). */
#define PARITY__SIG_Q 17
typedef struct parity__sig {
    uint64_t count;
    int nd;
    int64_t dims[PARITY_MAX_DIMS];
    int has_values;          /* a finite value was sampled                  */
    double q[PARITY__SIG_Q];
    double scale;            /* 12.5%..87.5% spread (else the range, |q|, 1) */
} parity__sig;

void parity__content_sig(const parity_tensor *t, parity__sig *s);
/* Same element count and the same lengths of the axes longer than 1. */
int parity__content_same_dims(const parity__sig *a, const parity__sig *b);
/* Mean absolute difference of the quantiles over the larger scale: 0 for
 * the same distribution, about 1 when they differ by their own spread. */
double parity__content_distance(const parity__sig *a, const parity__sig *b);
/* Pearson correlation of ref and port aligned by parity_layout_align, on
 * up to max_sample positions (at most 4,096; 1 when the sampled values are
 * equal); *aligned 0 (and 0 returned) when no layout aligns them. */
double parity__content_correlation(const parity_tensor *ref, const parity_tensor *port,
                                   size_t max_sample, int *aligned);

/* A pair the values confirm at least this well is used, and vouches for
 * its neighbours; a pair only the structure vouches for gets
 * PARITY__STRUCT_CONFIDENCE. */
#define PARITY__VALUE_CONFIRMED 0.5
#define PARITY__STRUCT_CONFIDENCE 0.6

/* The candidates of both sides and what pairing found so far. cand[s][k]
 * is the set index of side s's k-th candidate (execution order), sig[s][k]
 * its signature. Proposals are appended to out (capacity: the smaller
 * candidate count, twice). */
typedef struct parity__aligner {
    const parity_set *set[2];
    const long *cand[2];
    size_t n[2];
    parity__sig *sig[2];
    parity__content_pair *out;
    size_t n_out;
} parity__aligner;

/* A stretch of candidates between two anchors: [r0, r1) and [p0, p1);
 * edge_before / edge_after: the stretch starts (ends) at an anchor, not
 * at a trace's start (end). */
typedef struct parity__segment {
    size_t r0, r1, p0, p1;
    int anchor_before, anchor_after;
} parity__segment;

/* Score of pairing ref candidate i with port candidate j from their
 * signatures; <= 0: they cannot pair. */
double parity__content_score(const parity__aligner *a, size_t i, size_t j);

/* The rough alignment of segment s: part[i - s->r0] receives the port
 * candidate ref candidate i pairs with, or -1. */
parity_status parity__content_rough(const parity__aligner *a, const parity__segment *s,
                                    long *part, parity_error *err);
/* Segment s aligned on the data around its rough alignment, gaps filled by
 * structure; proposals appended to a->out in order. */
parity_status parity__content_ordered(parity__aligner *a, const parity__segment *s,
                                      parity_error *err);
/* Every candidate paired by correlation, without order; proposals
 * appended to a->out (in no particular order). */
parity_status parity__content_unordered(parity__aligner *a, parity_error *err);

#endif
