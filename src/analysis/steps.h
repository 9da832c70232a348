/*
 * steps.h — step pairs, shared by their files (docs/matching.md, "Step
 * pairs"):
 *
 *   steps.c          series paired by name (or a --map): the members of
 *                    a series, the axis they stack along, each one's part
 *   steps_content.c  series the names leave unpaired, paired by content
 */
#ifndef PARITY_ANALYSIS_STEPS_H
#define PARITY_ANALYSIS_STEPS_H
#include "internal.h"

/* One tensor as a member of a series: its base name and position. */
typedef struct step_member {
    const char *base; /* owned copy */
    int64_t k;
    size_t index;     /* in its set */
} step_member;

/* parity__step_split, which inject mode uses too, is in internal.h. */
/* The members of every name of set (names[i] where given and not NULL),
 * sorted by base then k; NULL when out of memory. */
step_member *parity__step_members(const parity_set *set, const char *const *names,
                                  size_t *n_out);
void parity__step_members_free(step_member *m, size_t n);
/* The part of stacked that member k of a series along axis a holds: the
 * slice at k, its prefix for a member that grows, or the positions up to
 * k for a member that accumulates them; *ok 0 when none fits. */
parity_tensor parity__step_part(const parity_tensor *stacked, int a, int64_t k,
                                const parity_tensor *member, int *ok);
/* The axis (of the squeezed stacked tensor) along which the n members
 * mem[] stack, or -1. */
int parity__step_axis(const parity_tensor *stacked, const parity_tensor *const *mem, int64_t n);
#endif
