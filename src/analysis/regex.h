/*
 * regex.h — the regular expressions of --map rules (internal): a documented
 * subset of POSIX extended regular expressions (docs/matching.md), compiled
 * to a program for a Pike VM, so a match takes time linear in the length of
 * the name for any pattern (no backtracking) and memory bounded by the
 * program's size. Patterns past the limits below are refused with a reason.
 */
#ifndef PARITY_REGEX_H
#define PARITY_REGEX_H

#include "internal.h"

#define PARITY__RE_MAX_LEN    4096  /* bytes of a pattern                    */
#define PARITY__RE_MAX_DEPTH  32    /* nesting of groups                     */
#define PARITY__RE_MAX_REPEAT 255   /* m and n of {m,n} (POSIX RE_DUP_MAX)   */
#define PARITY__RE_MAX_PROG   10000 /* instructions after expanding repeats  */
#define PARITY__RE_SLOTS      10    /* groups 0..9 are recorded: \0..\9      */

typedef struct parity__re parity__re;

/* Compile pat[0..len). On success *out owns the program (free with
 * parity__re_free) and returns PARITY_OK. A pattern outside the subset or
 * past a limit is PARITY_E_USAGE with why (a NUL-terminated reason of at
 * most cap bytes, one line, naming the byte offset in the pattern); out of
 * memory is PARITY_E_NOMEM. */
parity_status parity__re_compile(const char *pat, size_t len, parity__re **out, char *why,
                                 size_t cap);
void parity__re_free(parity__re *re);

/* The number of capture groups of the pattern (all of them, not only the
 * nine recorded ones). */
int parity__re_groups(const parity__re *re);

/* Search s[0..len) for the leftmost-longest match. Returns 1 and fills
 * caps[2k], caps[2k+1] (start and end offsets of group k, k < 10; -1 when
 * the group took no part) when caps is not NULL; 0 when nothing matches;
 * -1 when out of memory or len exceeds INT32_MAX. */
int parity__re_search(const parity__re *re, const char *s, size_t len,
                      int64_t caps[2 * PARITY__RE_SLOTS]);

#endif /* PARITY_REGEX_H */
