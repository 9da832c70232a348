/*
 * match.c — pairing the tensors of a reference set and a port set (docs/matching.md).
 *
 * Phases, each on what the previous ones left unpaired:
 *   1. exact name;
 *   2. normalized name (parity_name_normalize: lowercase, camelCase to
 *      snake, separators unified);
 *   3. --map rules applied to PORT names, the result matched against the
 *      remaining reference names exactly, then normalized.
 * With by_order the n-th tensor of each set (execution order) pairs instead,
 * names ignored. Two sets of one tensor each always pair (two files).
 * Each tensor pairs at most once. Collisions (two port names that normalize
 * or map to one reference name) resolve by phase first, so an exact match
 * always beats a normalized one, then by order: the earliest unpaired port
 * tensor in its set's order goes to the earliest reference tensor.
 * only_globs / skip_globs (fnmatch, no flags) select by REFERENCE name which
 * pairs are kept and which reference tensors are listed as unpaired, and by
 * PORT name which port tensors are listed as unpaired. Pairing by name runs
 * over all tensors, so a filter never steals a partner; --by-order pairs
 * the n-th *selected* stage of each side, so a stage one side has and the
 * filter removes does not shift every pair after it.
 * Pairs are in reference execution order; unpaired lists in their set's
 * order. Every pair goes through parity_layout_align; PARITY_E_SHAPE keeps
 * the pair with layout_ok = 0 and the unaligned tensors as views.
 */
#include "steps.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parity_match {
    parity_pair *pairs;                /* [n_pairs] ref execution order     */
    size_t n_pairs;
    char **names;                      /* [n_names] owned ("name@3")        */
    size_t n_names;
    const parity_tensor **unpaired[2]; /* [n_unpaired[side]]                */
    size_t n_unpaired[2];
    parity_copy *copies[2];            /* [n_copies[side]] unpaired copies  */
    size_t n_copies[2];
    size_t filtered[2];                /* tensors the selection left out    */
    int content_ran;                   /* pairing by content ran            */
    parity_proposal *proposals;        /* [n_proposals] its proposed pairs  */
    size_t n_proposals;
    /* a pairing read back by parity merge: n_pairs pairs not stored, the  */
    /* tensors of unpaired and copies owned here (names in names[]), the   */
    /* counts of pairing by content as the run's coverage gave them        */
    int skeleton;
    size_t n_irreconcilable;
    size_t n_by_content, n_by_structure, n_not_used;
    parity_tensor *own;
};

/* One step pair found by steps.c: the ref and port indices, position k
 * of n along axis of the stacked side (side 0: ref, 1: port). */
typedef struct step_rec {
    long ref, port;
    int64_t k, n;
    int axis, side;
    double confidence; /* 1 by name; by content, the series' correlation */
    parity_match_how how; /* exact, map (a port name a --map rule renamed) */
                          /* or content                                   */
} step_rec;

/* Working state of one call. partner[0][i] is the port index paired with
 * ref i, -1 when unpaired, STEPPED when i is paired by steps; likewise
 * partner[1][j]. */
#define STEPPED (-2)
typedef struct matcher {
    const parity_set *set[2];
    long *partner[2];
    parity_match_how *how; /* [n ref] how ref i was paired                 */
    long *prop;            /* [n ref] the proposal of a pair by content    */
    char **norm[2];        /* normalized names, NULL until computed        */
    step_rec *steps;       /* [n_steps] sorted by ref index, then k        */
    size_t n_steps, cap_steps;
} matcher;

/* ---- normalized-name lookup -------------------------------------------- */

/* One unpaired tensor under its normalized (or mapped) name. */
typedef struct keyed {
    const char *key;
    long index;
} keyed;

static int cmp_keyed(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    int c = strcmp(a->key, b->key);
    if (c) return c;
    return (a->index > b->index) - (a->index < b->index);
}

/* The normalized name of tensor i of side, computed once. */
static parity_status norm_name(matcher *m, int side, size_t i,
                               const char **out, parity_error *err) {
    *out = NULL;
    if (!m->norm[side][i]) {
        const char *name = parity_set_tensor(m->set[side], i)->name;
        m->norm[side][i] = parity__name_normalize_dup(name);
        FAIL_IF(!m->norm[side][i], err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "tensor '%s': out of memory", name);
    }
    *out = m->norm[side][i];
    return PARITY_OK;
}

static void pair_up(matcher *m, long r, long p, parity_match_how how) {
    m->partner[0][r] = p;
    m->partner[1][p] = r;
    m->how[r] = how;
}

/* First unpaired port in the sorted run of entries whose key is key. */
static long take_first(matcher *m, const keyed *arr, size_t n,
                       const char *key) {
    size_t lo = 0, hi = n;
    while (lo < hi) { /* lower bound of key */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(arr[mid].key, key) < 0) lo = mid + 1;
        else hi = mid;
    }
    for (size_t k = lo; k < n && strcmp(arr[k].key, key) == 0; k++)
        if (m->partner[1][arr[k].index] == -1) return arr[k].index;
    return -1;
}

/* Pair each unpaired reference tensor, in order, with the earliest unpaired
 * port candidate whose key equals the reference's normalized name. arr
 * holds the candidates (sorted here). */
static parity_status pair_by_keys(matcher *m, keyed *arr, size_t n,
                                  parity_match_how how, parity_error *err) {
    if (n == 0) return PARITY_OK;
    qsort(arr, n, sizeof *arr, cmp_keyed);
    size_t n_ref = parity_set_count(m->set[0]);
    for (size_t i = 0; i < n_ref; i++) {
        if (m->partner[0][i] != -1) continue;
        const char *key;
        TRY(norm_name(m, 0, i, &key, err));
        long p = take_first(m, arr, n, key);
        if (p >= 0) pair_up(m, (long)i, p, how);
    }
    return PARITY_OK;
}

static void pair_exact(matcher *m) {
    size_t n_ref = parity_set_count(m->set[0]);
    for (size_t i = 0; i < n_ref; i++) {
        long p = parity_set_find(m->set[1], parity_set_tensor(m->set[0], i)->name);
        if (p >= 0 && m->partner[0][i] == -1 && m->partner[1][p] == -1)
            pair_up(m, (long)i, p, PARITY_MATCH_EXACT);
    }
}

/* ---- step pairs (steps.c) ------------------------------------------------ */

typedef struct step_ctx {
    matcher *m;
    int side;       /* the side holding the series                        */
    int by_content; /* steps_content.c found them, not the names          */
    const char *const *mapped; /* the port's names renamed by --map, or NULL */
} step_ctx;

static parity_status take_step(void *ctx, size_t stacked, size_t member, int64_t k, int64_t n,
                               int axis, double confidence) {
    step_ctx *c = ctx;
    matcher *m = c->m;
    if (m->n_steps == m->cap_steps) {
        size_t cap = m->cap_steps ? 2 * m->cap_steps : 64;
        step_rec *p = realloc(m->steps, cap * sizeof *p);
        if (!p) return PARITY_E_NOMEM;
        m->steps = p, m->cap_steps = cap;
    }
    long r = c->side ? (long)stacked : (long)member, p = c->side ? (long)member : (long)stacked;
    parity_match_how how = c->by_content                ? PARITY_MATCH_CONTENT
                           : c->mapped && c->mapped[p] ? PARITY_MATCH_MAP
                                                       : PARITY_MATCH_EXACT;
    m->steps[m->n_steps++] = (step_rec){r, p, k, n, axis, c->side ? 0 : 1, confidence, how};
    m->partner[c->side][member] = STEPPED;
    m->partner[!c->side][stacked] = STEPPED;
    return PARITY_OK;
}

static int cmp_step(const void *a, const void *b) {
    const step_rec *x = a, *y = b;
    if (x->ref != y->ref) return x->ref < y->ref ? -1 : 1;
    return (x->k > y->k) - (x->k < y->k);
}

/* Series of the port stacked in the reference, then the other way; the
 * port's names renamed by the --map rules when there are any (mapped[j],
 * NULL where no rule matches). */
static parity_status pair_steps(matcher *m, const char *const *mapped, parity_error *err) {
    for (int side = 1; side >= 0; side--) {
        step_ctx c = {m, side, 0, mapped};
        parity_status st = parity__find_steps(m->set[side], side ? mapped : NULL, m->set[!side],
                                              side ? NULL : mapped, take_step, &c, err);
        FAIL_IF(st == PARITY_E_NOMEM, err, st, PARITY_NO_OFFSET, "%s: out of memory",
                parity_set_path(m->set[side]));
        TRY(st);
    }
    if (m->n_steps > 1) qsort(m->steps, m->n_steps, sizeof *m->steps, cmp_step);
    return PARITY_OK;
}

static parity_status pair_normalized(matcher *m, parity_error *err) {
    size_t n_port = parity_set_count(m->set[1]), n = 0;
    keyed *arr = malloc((n_port ? n_port : 1) * sizeof *arr);
    FAIL_IF(!arr, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            parity_set_path(m->set[1]));
    parity_status st = PARITY_OK;
    for (size_t j = 0; st == PARITY_OK && j < n_port; j++) {
        if (m->partner[1][j] != -1) continue;
        arr[n].index = (long)j;
        st = norm_name(m, 1, j, &arr[n++].key, err);
    }
    if (st == PARITY_OK)
        st = pair_by_keys(m, arr, n, PARITY_MATCH_NORMALIZED, err);
    free(arr);
    return st;
}

/* Phase 3 on the mapped names in arr[n] (port order): exact first, then
 * normalized. Normalizing overwrites the keys, kept in owned[] for free. */
static parity_status pair_mapped(matcher *m, keyed *arr, size_t n,
                                 char **owned, parity_error *err) {
    size_t k = 0;
    for (size_t e = 0; e < n; e++) {
        long r = parity_set_find(m->set[0], arr[e].key);
        if (r >= 0 && m->partner[0][r] == -1) {
            pair_up(m, r, arr[e].index, PARITY_MATCH_MAP);
            continue;
        }
        owned[n + k] = parity__name_normalize_dup(arr[e].key);
        FAIL_IF(!owned[n + k], err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "tensor '%s': out of memory", arr[e].key);
        arr[k].key = owned[n + k];
        arr[k++].index = arr[e].index;
    }
    return pair_by_keys(m, arr, k, PARITY_MATCH_MAP, err);
}

/* Phase 3: rename unpaired port tensors by the rules and match again. */
static parity_status pair_by_map(matcher *m, const parity_map_rules *rules,
                                 parity_error *err) {
    size_t n_port = parity_set_count(m->set[1]), n = 0;
    keyed *arr = malloc((n_port ? n_port : 1) * sizeof *arr);
    char **owned = calloc(2 * n_port + 1, sizeof *owned); /* mapped, normalized */
    parity_status st = arr && owned ? PARITY_OK
                                    : parity__fail(err, PARITY_E_NOMEM,
                                                   PARITY_NO_OFFSET,
                                                   "%s: out of memory",
                                                   parity_set_path(m->set[1]));
    for (size_t j = 0; st == PARITY_OK && j < n_port; j++) {
        if (m->partner[1][j] != -1) continue;
        char *mapped = NULL;
        st = parity__map_rules_apply(rules, parity_set_tensor(m->set[1], j)->name,
                                     &mapped, err);
        if (!mapped) continue;
        owned[n] = mapped;
        arr[n].key = mapped;
        arr[n++].index = (long)j;
    }
    if (st == PARITY_OK) st = pair_mapped(m, arr, n, owned, err);
    for (size_t k = 0; owned && k < 2 * n_port; k++) free(owned[k]);
    free(owned);
    free(arr);
    return st;
}

/* Fill one pair and align its layouts. */
static parity_status make_pair(parity_pair *pr, const parity_tensor *r,
                               const parity_tensor *p, parity_match_how how,
                               const parity_proposal *prop, parity_error *err) {
    memset(pr, 0, sizeof *pr);
    pr->ref = r;
    pr->port = p;
    pr->how = how;
    pr->step = -1;
    pr->proposal = prop;
    pr->confidence = prop ? prop->confidence : 1.0;
    parity_status st = parity_layout_align(r, p, &pr->ref_view, &pr->port_view,
                                           pr->layout, sizeof pr->layout, err);
    pr->layout_ok = st == PARITY_OK;
    if (st == PARITY_OK || st == PARITY_E_SHAPE) pr->kind = (int)parity_pair_kind_of(pr);
    return st == PARITY_E_SHAPE ? PARITY_OK : st;
}

/* The tensor of set before index i in execution order that t copies:
 * its alias target, or its predecessor when the two hold the same bits
 * (dropout in eval mode, a container returning its last child's output)
 * and those are not all one value (two zero-filled buffers are two
 * stages); NULL when t is no copy. */
static const parity_tensor *copy_of(const parity_set *set, size_t i) {
    const parity_tensor *t = parity_set_tensor(set, i);
    if (t->alias_of) return parity_set_tensor(set, (size_t)parity_set_find(set, t->alias_of));
    if (i == 0) return NULL;
    const parity_tensor *prev = parity_set_tensor(set, i - 1);
    return parity_same_bits(prev, t) && !parity_tensor_constant(t) ? prev : NULL;
}

/* An unpaired tensor of side: a copy (not evidence of anything missing)
 * or a name only on that side. */
static void add_unpaired(parity_match *res, const parity_set *set, int side, size_t i) {
    const parity_tensor *t = parity_set_tensor(set, i), *of = copy_of(set, i);
    if (of) res->copies[side][res->n_copies[side]++] = (parity_copy){t, of};
    else res->unpaired[side][res->n_unpaired[side]++] = t;
}

/* "name@k" into storage the match owns; NULL when out of memory. */
static const char *step_name(parity_match *res, const char *name, int64_t k) {
    char **p = realloc(res->names, (res->n_names + 1) * sizeof *p);
    size_t n = strlen(name) + 24;
    char *s = malloc(n);
    if (p) res->names = p;
    if (!p || !s) {
        free(s);
        return NULL;
    }
    snprintf(s, n, "%s@%lld", name, (long long)k);
    res->names[res->n_names++] = s;
    return s;
}

/* A step pair: the stacked side's slice at the position against the
 * member, aligned (parity_layout_align), named "name@k" after the stacked
 * name (the port's when the port is stacked: "name#k" already names it on
 * the reference side). */
static parity_status make_step_pair(parity_match *res, parity_pair *pr, const matcher *m,
                                    const step_rec *sr, parity_error *err) {
    const parity_tensor *r = parity_set_tensor(m->set[0], (size_t)sr->ref);
    const parity_tensor *p = parity_set_tensor(m->set[1], (size_t)sr->port);
    parity_tensor rs = sr->side == 0 ? parity__step_slice(r, sr->axis, sr->k, p) : *r;
    parity_tensor ps = sr->side == 1 ? parity__step_slice(p, sr->axis, sr->k, r) : *p;
    memset(pr, 0, sizeof *pr);
    pr->ref = r, pr->port = p, pr->confidence = sr->confidence;
    pr->how = sr->how;
    pr->step = sr->k, pr->step_side = sr->side, pr->step_axis = sr->axis, pr->steps = sr->n;
    parity_status st = parity_layout_align(&rs, &ps, &pr->ref_view, &pr->port_view, pr->layout,
                                           sizeof pr->layout, err);
    pr->layout_ok = st == PARITY_OK;
    if (st != PARITY_OK && st != PARITY_E_SHAPE) return st;
    pr->kind = (int)parity_pair_kind_of(pr);
    if (sr->side == 0) pr->ref_view.name = step_name(res, r->name, sr->k);
    FAIL_IF(!pr->ref_view.name, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            r->name);
    return PARITY_OK;
}

/* The step pairs whose reference is ref index i, in order of position. */
static parity_status collect_steps(parity_match *res, const matcher *m, size_t i,
                                   parity_error *err) {
    size_t lo = 0, hi = m->n_steps;
    while (lo < hi) { /* first record of ref i */
        size_t mid = lo + (hi - lo) / 2;
        if (m->steps[mid].ref < (long)i) lo = mid + 1;
        else hi = mid;
    }
    for (size_t k = lo; k < m->n_steps && m->steps[k].ref == (long)i; k++)
        TRY(make_step_pair(res, &res->pairs[res->n_pairs++], m, &m->steps[k], err));
    return PARITY_OK;
}

/* The selected pairs and unpaired tensors of the finished matcher. */
static parity_status collect(const matcher *m, const parity_match_opts *o,
                             parity_match *res, parity_error *err) {
    size_t n[2] = {parity_set_count(m->set[0]), parity_set_count(m->set[1])};
    res->pairs = malloc((n[0] + m->n_steps + 1) * sizeof *res->pairs);
    for (int side = 0; side < 2; side++) {
        res->unpaired[side] = malloc((n[side] ? n[side] : 1) * sizeof(parity_tensor *));
        res->copies[side] = malloc((n[side] ? n[side] : 1) * sizeof(parity_copy));
        FAIL_IF(!res->unpaired[side] || !res->copies[side], err, PARITY_E_NOMEM,
                PARITY_NO_OFFSET, "%s: out of memory", parity_set_path(m->set[side]));
    }
    FAIL_IF(!res->pairs, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            parity_set_path(m->set[0]));
    for (size_t i = 0; i < n[0]; i++) {
        const parity_tensor *t = parity_set_tensor(m->set[0], i);
        long p = m->partner[0][i];
        if (!parity_match_selected(o, t->name)) {
            res->filtered[0]++; /* its partner, if any, goes with it */
        } else if (p == STEPPED) {
            TRY(collect_steps(res, m, i, err));
        } else if (p < 0) {
            add_unpaired(res, m->set[0], 0, i);
        } else {
            TRY(make_pair(&res->pairs[res->n_pairs++], t,
                          parity_set_tensor(m->set[1], (size_t)p), m->how[i],
                          m->how[i] == PARITY_MATCH_CONTENT ? &res->proposals[m->prop[i]]
                                                            : NULL,
                          err));
        }
    }
    for (size_t j = 0; j < n[1]; j++) {
        const parity_tensor *t = parity_set_tensor(m->set[1], j);
        if (m->partner[1][j] != -1) continue;
        if (parity_match_selected(o, t->name)) add_unpaired(res, m->set[1], 1, j);
        else res->filtered[1]++;
    }
    return PARITY_OK;
}

static void matcher_free(matcher *m) {
    for (int side = 0; side < 2; side++) {
        size_t n = m->norm[side] ? parity_set_count(m->set[side]) : 0;
        for (size_t i = 0; i < n; i++) free(m->norm[side][i]);
        free(m->norm[side]);
        free(m->partner[side]);
    }
    free(m->how);
    free(m->prop);
    free(m->steps);
}

static parity_status matcher_init(matcher *m, const parity_set *ref,
                                  const parity_set *port, parity_error *err) {
    memset(m, 0, sizeof *m);
    m->set[0] = ref;
    m->set[1] = port;
    for (int side = 0; side < 2; side++) {
        size_t n = parity_set_count(m->set[side]) + 1;
        m->partner[side] = malloc(n * sizeof(long));
        m->norm[side] = calloc(n, sizeof(char *));
        FAIL_IF(!m->partner[side] || !m->norm[side], err, PARITY_E_NOMEM,
                PARITY_NO_OFFSET, "%s: out of memory",
                parity_set_path(m->set[side]));
        for (size_t i = 0; i < n; i++) m->partner[side][i] = -1;
    }
    m->how = calloc(parity_set_count(ref) + 1, sizeof *m->how);
    m->prop = calloc(parity_set_count(ref) + 1, sizeof *m->prop);
    FAIL_IF(!m->how || !m->prop, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory", parity_set_path(ref));
    return PARITY_OK;
}

/* Phases 0-3 (steps, exact, normalized, --map), or pairing by position. */
static parity_status pair_all(matcher *m, const parity_match_opts *o,
                              parity_error *err) {
    size_t n0 = parity_set_count(m->set[0]), n1 = parity_set_count(m->set[1]);
    if (o->by_order) { /* the n-th selected stage of each side */
        size_t j = 0;
        for (size_t i = 0; i < n0; i++) {
            if (!parity_match_selected(o, parity_set_tensor(m->set[0], i)->name)) continue;
            while (j < n1 && !parity_match_selected(o, parity_set_tensor(m->set[1], j)->name)) j++;
            if (j == n1) break;
            pair_up(m, (long)i, (long)j++, PARITY_MATCH_ORDER);
        }
        return PARITY_OK;
    }
    parity_map_rules *rules = NULL;
    char **mapped = NULL; /* the port's names renamed by the rules */
    if (o->map_file) {
        TRY(parity__map_rules_load(o->map_file, &rules, err));
        mapped = calloc(n1 + 1, sizeof *mapped);
    }
    parity_status st = o->map_file && !mapped
                           ? parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                          "%s: out of memory", parity_set_path(m->set[1]))
                           : PARITY_OK;
    for (size_t j = 0; mapped && st == PARITY_OK && j < n1; j++)
        st = parity__map_rules_apply(rules, parity_set_tensor(m->set[1], j)->name, &mapped[j],
                                     err);
    if (st == PARITY_OK) st = pair_steps(m, (const char *const *)mapped, err);
    if (st == PARITY_OK) {
        pair_exact(m);
        st = pair_normalized(m, err);
    }
    /* Two single-tensor files (ref.npy vs port.npy) are the pair the user
     * means, whatever their names, as diff(1) compares two files. */
    if (st == PARITY_OK && n0 == 1 && n1 == 1 && m->partner[0][0] == -1 &&
        m->partner[1][0] == -1)
        pair_up(m, 0, 0, PARITY_MATCH_ORDER);
    if (st == PARITY_OK && rules) st = pair_by_map(m, rules, err);
    for (size_t j = 0; mapped && j < n1; j++) free(mapped[j]);
    free(mapped);
    parity__map_rules_free(rules);
    return st;
}

/* Candidates of side for pairing by content: unpaired, selected, no copy
 * of the stage before; into idx (set order). Returns how many. */
static size_t content_candidates(const matcher *m, const parity_match_opts *o, int side,
                                 long *idx) {
    size_t n = parity_set_count(m->set[side]), k = 0;
    for (size_t i = 0; i < n; i++) {
        if (m->partner[side][i] != -1) continue;
        if (!parity_match_selected(o, parity_set_tensor(m->set[side], i)->name)) continue;
        if (!copy_of(m->set[side], i)) idx[k++] = (long)i;
    }
    return k;
}

/* Pairing by content is wanted: asked for, or by default when names
 * paired fewer than half of the smaller side's selected stages, leaving
 * out the unpaired ones that copy the stage before. Copies are looked for
 * among unpaired stages only: a paired stage counts as paired whatever it
 * holds, and reading every stage's first bytes here would fault in the
 * pages of a whole checkpoint before the comparison maps them in bulk. */
static int content_wanted(const matcher *m, const parity_match_opts *o) {
    if (o->pairing == PARITY_PAIRING_NAMES) return 0;
    if (o->pairing == PARITY_PAIRING_CONTENT) return 1;
    size_t sel[2] = {0, 0}, paired = 0;
    for (int side = 0; side < 2; side++) {
        for (size_t i = 0; i < parity_set_count(m->set[side]); i++) {
            if (!parity_match_selected(o, parity_set_tensor(m->set[side], i)->name)) continue;
            if (m->partner[side][i] == -1 && copy_of(m->set[side], i)) continue;
            sel[side]++;
            paired += side == 0 && m->partner[0][i] != -1;
        }
    }
    return 2 * paired < (sel[0] < sel[1] ? sel[0] : sel[1]);
}

/* A stage of a series of its own (name#k, or a name with a name#1): no
 * tensor that holds a whole series. */
static int in_series(const parity_set *set, size_t i) {
    const char *name = parity_set_tensor(set, i)->name;
    char base[512], rep[600];
    if (parity__step_split(name, base, sizeof base) > 0) return 1;
    snprintf(rep, sizeof rep, "%s#1", name);
    return parity_set_find(set, rep) >= 0;
}

/* Phase 4a: series the names left unpaired, by content (steps_content.c):
 * the port's series stacked in the reference, then the other way. */
static parity_status pair_steps_content(matcher *m, const parity_match_opts *o,
                                        parity_match *res, parity_error *err) {
    size_t n[2] = {parity_set_count(m->set[0]), parity_set_count(m->set[1])}, before = m->n_steps;
    unsigned char *fr[2] = {calloc(n[0] + 1, 1), calloc(n[1] + 1, 1)};
    unsigned char *stack[2] = {calloc(n[0] + 1, 1), calloc(n[1] + 1, 1)};
    parity_status st = fr[0] && fr[1] && stack[0] && stack[1]
                           ? PARITY_OK
                           : parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                          "%s: out of memory", parity_set_path(m->set[1]));
    for (int side = 1; st == PARITY_OK && side >= 0; side--) {
        for (int s = 0; s < 2; s++) {
            for (size_t i = 0; i < n[s]; i++) {
                const char *name = parity_set_tensor(m->set[s], i)->name;
                fr[s][i] = m->partner[s][i] == -1 && parity_match_selected(o, name);
                stack[s][i] = fr[s][i] && !copy_of(m->set[s], i) && !in_series(m->set[s], i);
            }
        }
        step_ctx c = {m, side, 1, NULL};
        st = parity__find_steps_by_content(m->set[side], fr[side], m->set[!side], stack[!side],
                                           take_step, &c, err);
    }
    if (st == PARITY_OK && m->n_steps > before) {
        res->content_ran = 1;
        qsort(m->steps, m->n_steps, sizeof *m->steps, cmp_step);
    }
    free(fr[0]), free(fr[1]), free(stack[0]), free(stack[1]);
    return st;
}

/* Phase 4b: pairing by content of what the names and the series left
 * (match_content.c); run when content_wanted. */
static parity_status pair_content(matcher *m, const parity_match_opts *o, parity_match *res,
                                  parity_error *err) {
    size_t n[2] = {parity_set_count(m->set[0]), parity_set_count(m->set[1])};
    long *cand[2] = {malloc((n[0] + 1) * sizeof(long)), malloc((n[1] + 1) * sizeof(long))};
    long *anc[2] = {malloc((n[0] + 1) * sizeof(long)), malloc((n[0] + 1) * sizeof(long))};
    parity_status st = cand[0] && cand[1] && anc[0] && anc[1]
                           ? PARITY_OK
                           : parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                          "%s: out of memory", parity_set_path(m->set[1]));
    size_t nc[2] = {0, 0}, na = 0;
    if (st == PARITY_OK) {
        for (int side = 0; side < 2; side++)
            nc[side] = content_candidates(m, o, side, cand[side]);
        for (size_t i = 0; i < n[0]; i++)
            if (m->partner[0][i] >= 0) anc[0][na] = (long)i, anc[1][na++] = m->partner[0][i];
        if (nc[0] == 0 || nc[1] == 0) nc[0] = nc[1] = 0;
    }
    parity__content_pair *cp = NULL;
    size_t n_cp = 0;
    if (st == PARITY_OK && nc[0] && nc[1]) {
        res->content_ran = 1;
        int ordered = parity_set_order_recorded(m->set[0]) && parity_set_order_recorded(m->set[1]);
        st = parity__pair_by_content(m->set[0], m->set[1], cand[0], nc[0], cand[1], nc[1],
                                     anc[0], anc[1], na, ordered, &cp, &n_cp, err);
    }
    if (st == PARITY_OK && n_cp) {
        res->proposals = malloc(n_cp * sizeof *res->proposals);
        if (!res->proposals)
            st = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
                              parity_set_path(m->set[1]));
    }
    for (size_t k = 0; st == PARITY_OK && k < n_cp; k++) {
        int use = cp[k].confidence >= PARITY_CONTENT_USE;
        res->proposals[res->n_proposals++] = (parity_proposal){
            parity_set_tensor(m->set[0], (size_t)cp[k].ref),
            parity_set_tensor(m->set[1], (size_t)cp[k].port), cp[k].confidence,
            cp[k].correlation, use, cp[k].by_structure};
        if (!use) continue;
        pair_up(m, cp[k].ref, cp[k].port, PARITY_MATCH_CONTENT);
        m->prop[cp[k].ref] = (long)res->n_proposals - 1;
    }
    free(cp);
    free(cand[0]), free(cand[1]), free(anc[0]), free(anc[1]);
    return st;
}

parity_status parity_match_sets(const parity_set *ref, const parity_set *port,
                                const parity_match_opts *opts,
                                parity_match **out, parity_error *err) {
    *out = NULL;
    FAIL_IF(!ref || !port, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "parity_match_sets: a set is NULL");
    const parity_match_opts none = {0};
    const parity_match_opts *o = opts ? opts : &none;
    const parity_set *both[2] = {ref, port};
    TRY(parity_match_check_globs(o, both, 2, err));
    parity_match *res = calloc(1, sizeof *res);
    FAIL_IF(!res, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            parity_set_path(ref));
    matcher m;
    parity_status st = matcher_init(&m, ref, port, err);
    if (st == PARITY_OK) st = pair_all(&m, o, err);
    /* decided once, on what names paired: series by content then pair
     * with their stacked tensors before the whole-tensor pass */
    if (st == PARITY_OK && !o->by_order && content_wanted(&m, o)) {
        st = pair_steps_content(&m, o, res, err);
        if (st == PARITY_OK) st = pair_content(&m, o, res, err);
    }
    if (st == PARITY_OK) st = collect(&m, o, res, err);
    matcher_free(&m);
    if (st != PARITY_OK) {
        parity_match_free(res);
        return st;
    }
    *out = res;
    return PARITY_OK;
}

void parity_match_free(parity_match *m) {
    if (!m) return;
    free(m->pairs);
    free(m->own);
    free(m->proposals);
    for (int side = 0; side < 2; side++) {
        free(m->unpaired[side]);
        free(m->copies[side]);
    }
    for (size_t i = 0; i < m->n_names; i++) free(m->names[i]);
    free(m->names);
    free(m);
}

size_t parity_match_count(const parity_match *m) { return m->n_pairs; }

const parity_pair *parity_match_pair(const parity_match *m, size_t i) {
    return i < m->n_pairs && m->pairs ? &m->pairs[i] : NULL;
}

size_t parity_match_unpaired_count(const parity_match *m, int side) {
    return side == 0 || side == 1 ? m->n_unpaired[side] : 0;
}

const parity_tensor *parity_match_unpaired(const parity_match *m, int side,
                                           size_t i) {
    if ((side != 0 && side != 1) || i >= m->n_unpaired[side]) return NULL;
    return m->unpaired[side][i];
}

const char *parity_pair_name(const parity_pair *p) {
    return p->ref_view.name ? p->ref_view.name : p->ref->name;
}

int parity_match_content_ran(const parity_match *m) { return m->content_ran; }

size_t parity_match_proposal_count(const parity_match *m) { return m->n_proposals; }

const parity_proposal *parity_match_proposal(const parity_match *m, size_t i) {
    return i < m->n_proposals ? &m->proposals[i] : NULL;
}

size_t parity_match_copies_count(const parity_match *m, int side) {
    return side == 0 || side == 1 ? m->n_copies[side] : 0;
}

const parity_copy *parity_match_copy(const parity_match *m, int side, size_t i) {
    if ((side != 0 && side != 1) || i >= m->n_copies[side]) return NULL;
    return &m->copies[side][i];
}

void parity_match_coverage(const parity_match *m, parity_coverage *c) {
    memset(c, 0, sizeof *c);
    c->compared = m->n_pairs;
    c->irreconcilable = m->n_irreconcilable;
    for (size_t i = 0; !m->skeleton && i < m->n_pairs; i++)
        c->irreconcilable += m->pairs[i].kind == PARITY_PAIR_SHAPES;
    for (int side = 0; side < 2; side++) {
        c->only[side] = m->n_unpaired[side];
        c->copies[side] = m->n_copies[side];
        c->filtered[side] = m->filtered[side];
    }
    c->total = c->compared + c->only[0] + c->only[1];
    c->content_ran = m->content_ran;
    if (m->skeleton) {
        c->by_content = m->n_by_content;
        c->by_structure = m->n_by_structure;
        c->not_used = m->n_not_used;
    }
    for (size_t i = 0; !m->skeleton && i < m->n_pairs; i++)
        c->by_content += m->pairs[i].how == PARITY_MATCH_CONTENT;
    for (size_t k = 0; k < m->n_proposals; k++) {
        c->not_used += !m->proposals[k].used;
        c->by_structure += m->proposals[k].used && m->proposals[k].by_structure;
    }
}

/* ---- a pairing read back (parity merge) --------------------------------- */

/* A name the skeleton owns, or NULL when out of memory. */
static const char *own_name(parity_match *m, const char *name) {
    char **p = realloc(m->names, (m->n_names + 1) * sizeof *p);
    char *s = strdup(name ? name : "");
    if (p) m->names = p;
    if (!p || !s) {
        free(s);
        return NULL;
    }
    m->names[m->n_names++] = s;
    return s;
}

/* A tensor known by its name only. */
static const parity_tensor *own_tensor(parity_match *m, size_t *used, const char *name) {
    parity_tensor *t = &m->own[(*used)++];
    t->name = own_name(m, name);
    return t->name ? t : NULL;
}

parity_status parity__match_skeleton(const parity__match_names *k, parity_match **out,
                                     parity_error *err) {
    *out = NULL;
    parity_match *m = calloc(1, sizeof *m);
    size_t n_own = k->n_unpaired[0] + k->n_unpaired[1] + 2 * (k->n_copies[0] + k->n_copies[1]);
    if (m) m->own = calloc(n_own ? n_own : 1, sizeof *m->own);
    int ok = m && m->own;
    for (int side = 0; ok && side < 2; side++) {
        m->unpaired[side] = malloc((k->n_unpaired[side] + 1) * sizeof(parity_tensor *));
        m->copies[side] = malloc((k->n_copies[side] + 1) * sizeof(parity_copy));
        ok = m->unpaired[side] && m->copies[side];
    }
    size_t used = 0;
    for (int side = 0; ok && side < 2; side++) {
        for (size_t i = 0; ok && i < k->n_unpaired[side]; i++)
            ok = (m->unpaired[side][m->n_unpaired[side]++] =
                      own_tensor(m, &used, k->unpaired[side][i])) != NULL;
        for (size_t i = 0; ok && i < k->n_copies[side]; i++) {
            parity_copy *c = &m->copies[side][m->n_copies[side]++];
            c->t = own_tensor(m, &used, k->copies[side][2 * i]);
            c->of = own_tensor(m, &used, k->copies[side][2 * i + 1]);
            ok = c->t && c->of;
        }
        if (m) m->filtered[side] = k->filtered[side];
    }
    if (!ok) {
        parity_match_free(m);
        FAIL_IF(1, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "parity merge: out of memory");
    }
    m->skeleton = 1;
    m->n_pairs = k->n_pairs;
    m->n_irreconcilable = k->irreconcilable;
    m->content_ran = k->content_ran;
    m->n_by_content = k->by_content;
    m->n_by_structure = k->by_structure;
    m->n_not_used = k->not_used;
    *out = m;
    return PARITY_OK;
}
