/*
 * blame.c — which stage introduces the error and which inherit it, by the
 * data flow the trace records (docs/trace.md, "Blame").
 *
 * A stage is judged against the stages that carry error into it, K: the
 * stage it is a stored copy of (an alias), else its recorded parents, else
 * the stages recorded inside it (a module whose submodules are stages),
 * else, with no parents at all, the model inputs. A stage "carries" error
 * when it is not MATCH, or when it is MATCH but passes on error from a
 * culprit below the MATCH tolerance (its from list is not empty). Then
 *
 *   e_in = max relative over K,   jump = relative / max(e_in, floor)
 *
 * and a stage that is not MATCH
 *   - introduces its error when K is empty (every input MATCH, carrying
 *     nothing from upstream), or when jump >= amplify_limit and no input in
 *     K is beyond precision level (each is MATCH or SMALL DIFF, the stage
 *     LARGE DIFF when one is SMALL): its inputs cannot account for it;
 *   - otherwise inherits from the culprits upstream (from = the union of
 *     the culprits of K);
 *   - is unknown when K is empty but a recorded parent was not compared.
 * The graph is the reference's when it records parents, else the port's;
 * parent names resolve to the walk's stages through the tensors of that
 * side (a step pair's parents at the same step), through copies for an
 * unpaired one. When both sides record parents, the stages whose parents
 * name other stages (aliases resolved) are listed as disagreeing.
 */
#include "internal.h"
#include "analysis/walk_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FROM  16 /* culprits listed per stage: the earliest           */
#define MAX_INNER 16 /* inner stages kept as links of a container: latest */
#define MAX_LOOK  64 /* uncompared tensors looked past for one parent     */

/* The relative error a stage is ranked by (parity.h). It lives here, the
 * lowest file that needs it: walk.c calls blame.c, never the reverse. */
double parity_stage_relative(const parity_stage *s) {
    if (!s->pair->layout_ok) return INFINITY;
    if (s->diff.nonfinite_ref_only || s->diff.nonfinite_port_only) return INFINITY;
    return s->diff.relative;
}

/* One side's tensors and the walk's stages: the stages whose tensor on
 * that side is t are list[off[t] .. off[t + 1]), in walk order; by_step[t]
 * says they are in order of position too (step pairs are), so a
 * position's stage is found by bisection; copy[t] is the tensor an
 * unpaired t copies (-1: none). */
typedef struct side_map {
    const parity_set *set;
    int side;
    size_t *off, *list;
    unsigned char *by_step;
    long *copy;
    unsigned *seen, gen; /* seen[t] == gen: t met in this look past (below) */
    long *queue;         /* [MAX_LOOK] tensors to look past                 */
} side_map;

/* Offsets into the pool while it grows (resolved into pointers at the end). */
typedef struct work {
    size_t par, n_par, mis, n_mis, thr, n_thr, from, n_from, oth, n_oth, pst, n_pst;
    long orig; /* the stage the graph side's tensor is an alias of, or -1 */
    int bare;  /* a stage past the inputs whose tensor records no parents */
    int state; /* 0 to do, 1 on the stack, 2 judged */
} work;

typedef struct ctx {
    parity_walk *w;
    side_map map[2]; /* [graph side], and the other when it records parents too */
    work *wk;
    size_t *pool, n_pool, cap_pool;
    const char **names;
    size_t n_names, cap_names;
    size_t *a, *b;       /* scratch lists of n_stages each */
    unsigned *mark, gen; /* mark[j] == gen: j is in the list being built */
    double floor, limit;
    int oom;
} ctx;

static void push(ctx *c, size_t v) {
    if (c->n_pool == c->cap_pool) {
        size_t cap = c->cap_pool ? 2 * c->cap_pool : 256;
        size_t *p = realloc(c->pool, cap * sizeof *p);
        if (!p) {
            c->oom = 1;
            return;
        }
        c->pool = p, c->cap_pool = cap;
    }
    c->pool[c->n_pool++] = v;
}

static void push_name(ctx *c, const char *name) {
    if (c->n_names == c->cap_names) {
        size_t cap = c->cap_names ? 2 * c->cap_names : 16;
        const char **p = realloc(c->names, cap * sizeof *p);
        if (!p) {
            c->oom = 1;
            return;
        }
        c->names = p, c->cap_names = cap;
    }
    c->names[c->n_names++] = name;
}

/* Store list v[0..n) (sorted, unique, at most cap) in the pool. */
static int cmp_size(const void *x, const void *y) {
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return (a > b) - (a < b);
}
static size_t store(ctx *c, size_t *v, size_t n, size_t cap, size_t *at) {
    qsort(v, n, sizeof *v, cmp_size);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i]) v[k++] = v[i];
    if (k > cap) k = cap;
    *at = c->n_pool;
    for (size_t i = 0; i < k; i++) push(c, v[i]);
    return c->oom ? 0 : k;
}

static const parity_stage *stage(const ctx *c, size_t i) { return &c->w->stages[i]; }
static int is_match(const ctx *c, size_t i) { return stage(c, i)->diff.verdict == PARITY_MATCH; }
static const parity_tensor *tensor_of(const parity_stage *s, int side) {
    return side ? s->pair->port : s->pair->ref;
}

/* Append x to v[0..n) unless this generation of marks has it. */
static size_t add_once(ctx *c, size_t *v, size_t n, size_t x) {
    if (c->mark[x] == c->gen) return n;
    c->mark[x] = c->gen;
    v[n] = x;
    return n + 1;
}

static size_t tensor_index(const side_map *m, const parity_stage *s) {
    return (size_t)(tensor_of(s, m->side) - parity_set_tensor(m->set, 0));
}

static parity_status map_build(ctx *c, side_map *m, int side, parity_error *err) {
    const parity_match *mt = c->w->match;
    size_t nt = parity_set_count(m->set), ns = c->w->n_stages;
    m->side = side;
    m->off = calloc(nt + 1, sizeof *m->off);
    m->list = malloc((ns ? ns : 1) * sizeof *m->list);
    m->by_step = malloc(nt ? nt : 1);
    m->copy = malloc((nt ? nt : 1) * sizeof *m->copy);
    m->seen = calloc(nt ? nt : 1, sizeof *m->seen);
    m->queue = malloc(MAX_LOOK * sizeof *m->queue);
    FAIL_IF(!m->off || !m->list || !m->by_step || !m->copy || !m->seen || !m->queue, err,
            PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < ns; i++) m->off[tensor_index(m, stage(c, i)) + 1]++;
    for (size_t t = 0; t < nt; t++) m->off[t + 1] += m->off[t];
    for (size_t i = 0; i < ns; i++) { /* counting sort, stable: walk order kept */
        size_t t = tensor_index(m, stage(c, i));
        m->list[m->off[t]++] = i;
    }
    for (size_t t = nt; t > 0; t--) m->off[t] = m->off[t - 1];
    m->off[0] = 0;
    for (size_t t = 0; t < nt; t++) {
        m->copy[t] = -1;
        m->by_step[t] = 1;
        for (size_t k = m->off[t] + 1; k < m->off[t + 1]; k++)
            m->by_step[t] &=
                stage(c, m->list[k - 1])->pair->step <= stage(c, m->list[k])->pair->step;
    }
    const parity_tensor *base = parity_set_tensor(m->set, 0);
    for (size_t k = 0; k < parity_match_copies_count(mt, side); k++) {
        const parity_copy *cp = parity_match_copy(mt, side, k);
        m->copy[cp->t - base] = cp->of - base;
    }
    return PARITY_OK;
}

static void map_free(side_map *m) {
    free(m->off), free(m->list), free(m->by_step), free(m->copy), free(m->seen), free(m->queue);
}

static size_t n_stages_of(const side_map *m, long t) { return m->off[t + 1] - m->off[t]; }

/* The tensor t stands for in the walk: itself when it has stages, else,
 * through at most two hops, the tensor it is a copy or an alias of; -1
 * when none has stages. */
static long compared_tensor(const side_map *m, long t) {
    for (int hop = 0; hop < 2 && t >= 0 && !n_stages_of(m, t); hop++) {
        const parity_tensor *x = parity_set_tensor(m->set, (size_t)t);
        t = m->copy[t] >= 0 ? m->copy[t] : x->alias_of ? parity_set_find(m->set, x->alias_of) : -1;
    }
    return t >= 0 && n_stages_of(m, t) ? t : -1;
}

/* The stages of tensor t at step, list[*lo .. *hi): those of that step
 * when it has any (a tensor paired step by step), else all of them. */
static void at_step(const ctx *c, const side_map *m, long t, int64_t step, size_t *lo, size_t *hi) {
    size_t a = m->off[t], b = m->off[t + 1], x = a, y = b;
    if (m->by_step[t]) { /* bisect the first stage at step or after */
        while (x < y) {
            size_t mid = x + (y - x) / 2;
            if (stage(c, m->list[mid])->pair->step < step)
                x = mid + 1;
            else
                y = mid;
        }
        for (y = x; y < b && stage(c, m->list[y])->pair->step == step;) y++;
    } else {
        for (x = a; x < b && stage(c, m->list[x])->pair->step != step;) x++;
        for (y = x; y < b && stage(c, m->list[y])->pair->step == step;) y++;
    }
    *lo = x < y ? x : a;
    *hi = x < y ? y : b;
}

/* Add to v[0..n) the stages of tensor t at step (at_step), once each in
 * this generation of marks. Returns the new count; *found whether t has
 * stages at all. */
static size_t stages_of(ctx *c, const side_map *m, long t, int64_t step, size_t *v, size_t n,
                        int *found) {
    size_t lo, hi;
    *found = (t = compared_tensor(m, t)) >= 0;
    if (!*found) return n;
    at_step(c, m, t, step, &lo, &hi);
    for (size_t k = lo; k < hi; k++) n = add_once(c, v, n, m->list[k]);
    return n;
}

/* A parent the other side has no stage for (an operation the reference
 * records and the port computes inside another stage: a matmul before its
 * scale, a mask add) is looked past: its own recorded parents stand for
 * it, and theirs in turn through every one not compared, so a stage is
 * judged against its nearest compared ancestors. Adds their stages at step
 * to v[0..n) and returns the new count; returns with *dead set when a path
 * ends at a tensor neither compared nor recording parents (what it came
 * from is unknown), or when more than MAX_LOOK tensors would be looked
 * past. */
static size_t ancestors_of(ctx *c, side_map *m, long pt, int64_t step, size_t *v, size_t n,
                           int *dead) {
    size_t head = 0, tail = 0;
    *dead = 0;
    m->gen++;
    m->seen[pt] = m->gen;
    m->queue[tail++] = pt;
    while (head < tail && !*dead) {
        long x = m->queue[head++];
        const char *const *names = NULL;
        size_t np = parity_set_parents(m->set, (size_t)x, &names), used = 0;
        for (size_t k = 0; k < np; k++) {
            long px = parity_set_find(m->set, names[k]);
            int found;
            if (px < 0 || px >= x) continue; /* as in parents_of */
            used++;
            n = stages_of(c, m, px, step, v, n, &found);
            if (found || m->seen[px] == m->gen) continue;
            m->seen[px] = m->gen;
            if (tail == MAX_LOOK) *dead = 1;
            else m->queue[tail++] = px;
        }
        if (!used) *dead = 1;
    }
    return n;
}

#define KEEP_MISSING 1 /* parents_of: push the names of parents missing   */
#define KEEP_PAST    2 /* ... or of those looked past                      */

/* The recorded parents of stage i on side m, as stages into v (returns
 * the count), parents not compared looked past (ancestors_of). The names
 * of the parents not compared that this fails for (missing) are counted in
 * *missed, those looked past in *past; keep says which names are pushed.
 * *recorded receives 1 when the side records parents for it. */
static size_t parents_of(ctx *c, side_map *m, size_t i, size_t *v, int keep, int *recorded,
                         size_t *missed, size_t *past) {
    const parity_stage *s = stage(c, i);
    size_t t = tensor_index(m, s);
    const char *const *names = NULL;
    size_t np = parity_set_parents(m->set, t, &names), n = 0;
    *recorded = np > 0;
    *missed = *past = 0;
    c->gen++;
    c->mark[i] = c->gen; /* never its own parent */
    for (size_t k = 0; k < np; k++) {
        long pt = parity_set_find(m->set, names[k]);
        int found, dead;
        /* not a stage of the trace, or not before it (the format has every
         * parent precede its child; this keeps the graph acyclic): skipped */
        if (pt < 0 || (size_t)pt >= t) continue;
        n = stages_of(c, m, pt, s->pair->step, v, n, &found);
        if (found) continue;
        n = ancestors_of(c, m, pt, s->pair->step, v, n, &dead);
        ++*(dead ? missed : past);
        if (keep & (dead ? KEEP_MISSING : KEEP_PAST)) push_name(c, names[k]);
    }
    return n;
}

/* The stage the graph side's tensor of i is an alias of (at i's step when
 * it has several), or -1. */
static long original_of(ctx *c, size_t i) {
    const side_map *m = &c->map[0];
    const parity_tensor *t = tensor_of(stage(c, i), m->side);
    if (!t->alias_of) return -1;
    long o = parity_set_find(m->set, t->alias_of);
    if (o >= 0 && (size_t)o >= tensor_index(m, stage(c, i))) return -1; /* not before it */
    int found;
    c->gen++;
    c->mark[i] = c->gen;
    size_t n = o >= 0 ? stages_of(c, m, o, stage(c, i)->pair->step, c->b, 0, &found) : 0;
    return n ? (long)c->b[0] : -1;
}

static void resolve(ctx *c, size_t i) {
    work *k = &c->wk[i];
    int recorded;
    size_t missed, past;
    k->mis = c->n_names;
    size_t n = parents_of(c, &c->map[0], i, c->a, KEEP_MISSING, &recorded, &missed, &past);
    k->n_mis = c->n_names - k->mis;
    k->n_par = store(c, c->a, n, (size_t)-1, &k->par);
    k->pst = c->n_names;
    if (past) parents_of(c, &c->map[0], i, c->b, KEEP_PAST, &recorded, &missed, &past);
    k->n_pst = c->n_names - k->pst;
    k->orig = original_of(c, i);
    k->bare = !recorded && i > c->w->n_inputs;
}

static int carries(const ctx *c, size_t j) {
    return c->wk[j].state == 2 && (!is_match(c, j) || c->wk[j].n_from > 0);
}

/* Add the culprits of j to v[0..n): itself when it introduces (or cannot
 * tell), else those it inherits or carries from. Returns the new count. */
static size_t culprits_of(ctx *c, size_t j, size_t *v, size_t n) {
    const parity_blame *b = &c->w->blame[j];
    if (b->role == PARITY_ROLE_INTRODUCES || b->role == PARITY_ROLE_UNKNOWN)
        return add_once(c, v, n, j);
    for (size_t k = 0; k < c->wk[j].n_from; k++) n = add_once(c, v, n, c->pool[c->wk[j].from + k]);
    return n;
}

/* The stages inside i that carry error: the stages just before it whose
 * names extend its name with a dot, or every earlier stage of "@root" (the
 * Python tracer's model output). The latest MAX_INNER go to v. */
static size_t inside(const ctx *c, size_t i, size_t *v) {
    const char *name = stage(c, i)->pair->ref->name;
    size_t len = strlen(name), n = 0;
    int root = strcmp(name, "@root") == 0;
    for (size_t j = i; j-- > 0 && n < MAX_INNER;) {
        const char *x = stage(c, j)->pair->ref->name;
        if (!root && !(strncmp(x, name, len) == 0 && x[len] == '.')) break;
        if (carries(c, j)) v[n++] = j;
    }
    return n;
}

/* Walk stages that are model inputs and not MATCH, into v. */
static size_t differing_inputs(const ctx *c, size_t i, size_t *v) {
    size_t n = 0;
    for (size_t j = 0; j < c->w->n_inputs; j++)
        if (j != i && j < c->w->n_inputs && carries(c, j)) v[n++] = j;
    return n;
}

/* relative / max(the largest relative of v[0..n), floor); 1 for an
 * infinite error over an infinite one. */
static double jump_over(const ctx *c, size_t i, const size_t *v, size_t n) {
    double in = 0, e = parity_stage_relative(stage(c, i));
    for (size_t k = 0; k < n; k++) {
        double r = parity_stage_relative(stage(c, v[k]));
        in = isnan(r) || r > in ? (isnan(r) ? INFINITY : r) : in;
    }
    double base = in > c->floor ? in : c->floor;
    if (isnan(e)) e = INFINITY;
    return isinf(e) && isinf(base) ? 1 : e / base;
}

/* Does stage i introduce its error over the carrying stages k[0..n)? Its
 * jump reaches the limit, and no input is beyond precision level: every one
 * MATCH (carrying error below the tolerance), or SMALL DIFF under a LARGE
 * DIFF stage. */
static int introduces_over(const ctx *c, size_t i, const size_t *k, size_t n, double jump,
                           int *amplified) {
    int differ = 0, small = 1;
    for (size_t j = 0; j < n; j++) {
        parity_verdict v = stage(c, k[j])->diff.verdict;
        differ |= v != PARITY_MATCH;
        small &= v != PARITY_LARGE_DIFF;
    }
    *amplified = differ;
    if (!(jump >= c->limit)) return 0;
    return !differ || (small && stage(c, i)->diff.verdict == PARITY_LARGE_DIFF);
}

/* Judge stage i against the carrying stages k[0..n) (n > 0): they are its
 * links (through); an inheriting or carrying stage also gets their
 * culprits (from). */
static void decide(ctx *c, size_t i, size_t *k, size_t n) {
    parity_blame *b = &c->w->blame[i];
    work *wk = &c->wk[i];
    double e = parity_stage_relative(stage(c, i));
    int amplified = 0, match = is_match(c, i);
    b->jump = jump_over(c, i, k, n);
    if (match && !(e > c->floor)) return; /* MATCH, carrying nothing */
    if (!match && introduces_over(c, i, k, n, b->jump, &amplified)) {
        b->role = PARITY_ROLE_INTRODUCES;
        b->amplified = amplified;
        wk->n_thr = store(c, k, n, (size_t)-1, &wk->thr);
        return;
    }
    if (!match) b->role = PARITY_ROLE_INHERITS;
    size_t m = 0;
    c->gen++;
    for (size_t j = 0; j < n; j++) m = culprits_of(c, k[j], c->b, m);
    wk->n_from = store(c, c->b, m, MAX_FROM, &wk->from);
    wk->n_thr = store(c, k, n, (size_t)-1, &wk->thr);
}

/* The carrying stages i is judged against, into c->a, and how. */
static size_t judged_against(ctx *c, size_t i, parity_blame_via *via) {
    const work *wk = &c->wk[i];
    size_t n = 0;
    *via = PARITY_VIA_ALIAS;
    if (wk->orig >= 0 && carries(c, (size_t)wk->orig)) {
        c->a[0] = (size_t)wk->orig;
        return 1;
    }
    *via = PARITY_VIA_PARENTS;
    for (size_t j = 0; j < wk->n_par; j++)
        if (carries(c, c->pool[wk->par + j])) c->a[n++] = c->pool[wk->par + j];
    if (n) return n;
    *via = PARITY_VIA_INSIDE;
    if ((n = inside(c, i, c->a))) return n;
    /* Recording parents for other stages but not this one, the trace does
     * not say what it came from (the Python tracer knows the parents of a
     * stage added by hand only inside a hooked call): the model inputs
     * would make it introduce whatever reached it, so it is judged as
     * without data flow, against the stage before it. */
    *via = PARITY_VIA_ORDER;
    if (wk->bare && wk->orig < 0 && carries(c, i - 1)) {
        c->a[0] = i - 1;
        return 1;
    }
    *via = wk->n_par + wk->n_mis ? PARITY_VIA_PARENTS : PARITY_VIA_INPUTS;
    if (*via == PARITY_VIA_INPUTS && i >= c->w->n_inputs) return differing_inputs(c, i, c->a);
    return 0;
}

static void judge(ctx *c, size_t i) {
    parity_blame *b = &c->w->blame[i];
    work *wk = &c->wk[i];
    parity_blame_via via;
    size_t n = judged_against(c, i, &via);
    b->via = via;
    b->role = PARITY_ROLE_MATCH;
    if (n) {
        decide(c, i, c->a, n);
    } else if (!is_match(c, i)) {
        /* nothing upstream carries error: it introduces it, unless an input
         * it was computed from could not be compared (a model input present
         * on one side only, for a stage without parents) */
        if (via == PARITY_VIA_INPUTS && i >= c->w->n_inputs && c->w->n_missing) {
            wk->mis = c->n_names;
            for (size_t j = 0; j < c->w->n_missing; j++) push_name(c, c->w->missing[j]);
            wk->n_mis = c->w->n_missing;
        }
        b->role = wk->n_mis ? PARITY_ROLE_UNKNOWN : PARITY_ROLE_INTRODUCES;
        size_t np = wk->n_par;
        for (size_t j = 0; j < np; j++) c->a[j] = c->pool[wk->par + j];
        b->jump = jump_over(c, i, c->a, np);
    }
    wk->state = 2;
}

/* Judge every stage after the stages it depends on (its parents and the
 * stage it copies), depth first with an explicit stack; a dependency met
 * again while on the stack (a cycle, which no valid trace has) is taken
 * as judged with nothing known. */
static void judge_all(ctx *c) {
    size_t ns = c->w->n_stages, top = 0;
    size_t *todo = malloc((ns + 2) * sizeof *todo); /* parents, original, the one before */
    size_t *stack = malloc((ns ? ns : 1) * sizeof *stack);
    if (!todo || !stack) {
        free(todo), free(stack);
        c->oom = 1;
        return;
    }
    for (size_t r = 0; r < ns; r++) {
        if (c->wk[r].state) continue;
        stack[top++] = r, c->wk[r].state = 1;
        while (top) {
            size_t i = stack[top - 1], nd = 0;
            const work *wk = &c->wk[i];
            for (size_t j = 0; j < wk->n_par; j++) todo[nd++] = c->pool[wk->par + j];
            if (wk->orig >= 0) todo[nd++] = (size_t)wk->orig;
            if (wk->bare) todo[nd++] = i - 1; /* judged_against may use it */
            size_t pushed = 0;
            for (size_t j = 0; j < nd && !pushed; j++)
                if (c->wk[todo[j]].state == 0) {
                    stack[top++] = todo[j], c->wk[todo[j]].state = 1;
                    pushed = 1;
                }
            if (pushed) continue;
            top--;
            judge(c, i);
        }
    }
    free(todo), free(stack);
}

/* The stage j stands for when comparing graphs: the stage of the tensor
 * it is an alias of, on either side (at its step), else itself. */
static size_t canonical(const ctx *c, size_t j) {
    for (int k = 0; k < 2; k++) {
        const side_map *m = &c->map[k];
        const parity_tensor *t = tensor_of(stage(c, j), m->side);
        long o = t->alias_of ? compared_tensor(m, parity_set_find(m->set, t->alias_of)) : -1;
        size_t lo, hi;
        if (o < 0) continue;
        at_step(c, m, o, stage(c, j)->pair->step, &lo, &hi);
        return m->list[lo];
    }
    return j;
}

/* v[0..n) canonical, sorted and unique; returns the new count. */
static size_t canonical_set(const ctx *c, size_t *v, size_t n) {
    for (size_t k = 0; k < n; k++) v[k] = canonical(c, v[k]);
    qsort(v, n, sizeof *v, cmp_size);
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (m == 0 || v[m - 1] != v[k]) v[m++] = v[k];
    return m;
}

/* Both sides record parents: list the stages whose parents (every one
 * compared on both sides, aliases resolved) name other stages. */
static parity_status disagreements(ctx *c, parity_error *err) {
    parity_walk *w = c->w;
    w->disagree = malloc((w->n_stages ? w->n_stages : 1) * sizeof *w->disagree);
    FAIL_IF(!w->disagree, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < w->n_stages; i++) {
        int r0, r1;
        size_t m0, m1, p0, p1;
        size_t n0 = parents_of(c, &c->map[0], i, c->a, 0, &r0, &m0, &p0);
        size_t n1 = parents_of(c, &c->map[1], i, c->b, 0, &r1, &m1, &p1);
        if (!r0 || !r1 || m0 || m1) continue;
        n0 = canonical_set(c, c->a, n0);
        n1 = canonical_set(c, c->b, n1);
        if (n0 == n1 && memcmp(c->a, c->b, n0 * sizeof *c->a) == 0) continue;
        work *wk = &c->wk[i];
        wk->n_oth = store(c, c->b, n1, (size_t)-1, &wk->oth);
        w->blame[i].disagrees = 1;
        w->disagree[w->n_disagree++] = i;
    }
    return PARITY_OK;
}

/* Does stage j carry culprit x (it is x, or x is among its culprits)? */
static int carries_culprit(const ctx *c, size_t j, size_t x) {
    if (j == x) return 1;
    for (size_t k = 0; k < c->wk[j].n_from; k++)
        if (c->pool[c->wk[j].from + k] == x) return 1;
    return 0;
}

/* The culprits: the stages that introduce, then those that cannot tell;
 * the walk's culprit is the first (the order rule's when none). Within
 * each role the LARGE DIFF stages come first, each group in walk order: a
 * port that computes in F16 makes its first stage introduce a SMALL DIFF
 * of rounding, and the culprit a user needs is the stage that makes the
 * output wrong, not that one. */
static parity_status name_culprits(ctx *c, parity_error *err) {
    parity_walk *w = c->w;
    w->culprits = malloc((w->n_stages ? w->n_stages : 1) * sizeof *w->culprits);
    FAIL_IF(!w->culprits, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    for (int pass = 0; pass < 4; pass++) {
        parity_role want = pass >= 2 ? PARITY_ROLE_UNKNOWN : PARITY_ROLE_INTRODUCES;
        int large = pass % 2 == 0;
        for (size_t i = 0; i < w->n_stages; i++)
            if (w->blame[i].role == want &&
                (stage(c, i)->diff.verdict == PARITY_LARGE_DIFF) == large)
                w->culprits[w->n_culprits++] = i;
    }
    if (w->n_culprits) w->culprit = w->largest = (long)w->culprits[0];
    w->culprit_series = NULL;
    return PARITY_OK;
}

/* From the last stage carrying the culprit back to it, each time through
 * the link that carries it with the largest error (the latest of equals);
 * then the culprit's first input. */
static parity_status trace_path(ctx *c, parity_error *err) {
    parity_walk *w = c->w;
    if (w->culprit < 0) return PARITY_OK;
    size_t x = (size_t)w->culprit, cur = x, n = 0;
    for (size_t j = w->n_stages; j-- > x;)
        if (carries_culprit(c, j, x)) {
            cur = j;
            break;
        }
    w->path = malloc((w->n_stages + 1) * sizeof *w->path);
    FAIL_IF(!w->path, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    w->path[n++] = cur;
    while (cur != x && n < w->n_stages) {
        const work *wk = &c->wk[cur];
        long next = -1;
        double worst = -1;
        for (size_t k = 0; k < wk->n_thr; k++) {
            size_t j = c->pool[wk->thr + k];
            double r = parity_stage_relative(stage(c, j));
            if (isnan(r)) r = INFINITY;
            if (carries_culprit(c, j, x) && r >= worst) next = (long)j, worst = r;
        }
        if (next < 0) break;
        w->path[n++] = cur = (size_t)next;
    }
    if (cur == x && c->wk[x].n_par) w->path[n++] = c->pool[c->wk[x].par];
    for (size_t k = 0; k < n / 2; k++) { /* culprit first */
        size_t t = w->path[k];
        w->path[k] = w->path[n - 1 - k], w->path[n - 1 - k] = t;
    }
    w->n_path = n;
    return PARITY_OK;
}

/* Hand the pool and the names over to the walk; point each blame in. */
static void finish(ctx *c) {
    parity_walk *w = c->w;
    for (size_t i = 0; i < w->n_stages; i++) {
        parity_blame *b = &w->blame[i];
        const work *k = &c->wk[i];
        /* an empty pool (no parents anywhere) is NULL: no offset from it */
        b->parents = c->pool ? c->pool + k->par : NULL, b->n_parents = k->n_par;
        b->missing = c->names ? c->names + k->mis : NULL, b->n_missing = k->n_mis;
        b->past = c->names ? c->names + k->pst : NULL, b->n_past = k->n_pst;
        b->through = c->pool ? c->pool + k->thr : NULL, b->n_through = k->n_thr;
        b->from = c->pool ? c->pool + k->from : NULL, b->n_from = k->n_from;
        b->other = c->pool ? c->pool + k->oth : NULL, b->n_other = k->n_oth;
    }
    w->pool = c->pool, w->names = c->names;
    c->pool = NULL, c->names = NULL;
}

static parity_status blame_dataflow(ctx *c, int other, parity_error *err) {
    parity_walk *w = c->w;
    size_t ns = w->n_stages ? w->n_stages : 1;
    w->blame = calloc(ns, sizeof *w->blame);
    c->wk = calloc(ns, sizeof *c->wk);
    c->a = malloc(ns * sizeof *c->a);
    c->b = malloc(ns * sizeof *c->b);
    c->mark = calloc(ns, sizeof *c->mark);
    FAIL_IF(!w->blame || !c->wk || !c->a || !c->b || !c->mark, err, PARITY_E_NOMEM,
            PARITY_NO_OFFSET, "out of memory");
    TRY(map_build(c, &c->map[0], w->graph_side, err));
    if (other) TRY(map_build(c, &c->map[1], 1 - w->graph_side, err));
    for (size_t i = 0; i < w->n_stages; i++) resolve(c, i);
    judge_all(c);
    if (other) TRY(disagreements(c, err));
    FAIL_IF(c->oom, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
    TRY(name_culprits(c, err));
    TRY(trace_path(c, err));
    finish(c);
    return PARITY_OK;
}

parity_status parity__walk_blame(parity_walk *w, parity_error *err) {
    int has[2] = {parity_set_has_dataflow(w->ref), parity_set_has_dataflow(w->port)};
    w->rule = PARITY_BLAME_ORDER;
    w->graph_side = -1;
    if (!has[0] && !has[1]) { /* the order rule's culprit, alone */
        w->culprits = malloc(sizeof *w->culprits);
        FAIL_IF(!w->culprits, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "out of memory");
        if (w->culprit >= 0) w->culprits[w->n_culprits++] = (size_t)w->culprit;
        return PARITY_OK;
    }
    w->rule = PARITY_BLAME_DATAFLOW;
    w->graph_side = has[0] ? 0 : 1;
    ctx c;
    memset(&c, 0, sizeof c);
    c.w = w;
    c.map[0].set = has[0] ? w->ref : w->port;
    c.map[1].set = w->port;
    c.floor = w->opts.jump_floor > 0 ? w->opts.jump_floor : 1e-6;
    c.limit = w->opts.amplify_limit > 0 ? w->opts.amplify_limit : 100;
    parity_status st = blame_dataflow(&c, has[0] && has[1], err);
    map_free(&c.map[0]), map_free(&c.map[1]);
    free(c.wk), free(c.a), free(c.b), free(c.mark), free(c.pool), free(c.names);
    return st;
}

void parity__walk_blame_free(parity_walk *w) {
    free(w->blame), free(w->pool), free(w->names);
    free(w->culprits), free(w->path), free(w->disagree);
}

parity_blame_rule parity_walk_blame_rule(const parity_walk *w, int *graph_side) {
    if (graph_side) *graph_side = w->graph_side;
    return w->rule;
}

const parity_blame *parity_walk_blame(const parity_walk *w, size_t i) {
    return w->blame && i < w->n_stages ? &w->blame[i] : NULL;
}

size_t parity_walk_culprits(const parity_walk *w, const size_t **idx) {
    if (idx) *idx = w->culprits;
    return w->n_culprits;
}

size_t parity_walk_path(const parity_walk *w, const size_t **idx) {
    if (idx) *idx = w->path;
    return w->n_path;
}

size_t parity_walk_flow_disagree(const parity_walk *w, const size_t **idx) {
    if (idx) *idx = w->disagree;
    return w->n_disagree;
}
