/*
 * weights.c — parity weights: compare two checkpoints weight by weight
 * (docs/weights.md).
 *
 *   1. pair by name: parity_match_sets (exact, normalized, --map), with
 *      the --only / --skip selection;
 *   2. among the names left, fused tensors (weights_fused.c): one tensor
 *      of a side that is several of the other side concatenated; each part
 *      becomes a weight of its own, compared with its slice;
 *   3. each weight: compared (parity_compare_pair); when it differs, the
 *      per-head RoPE row permutations are tried (weights_rows.c); its first
 *      and last values; its finding (weights_find.c): exact, rounded,
 *      quantized, close, else permuted rows, else explain;
 *   4. tied names on each side (weights_tie.c): a name with no partner
 *      that is one storage with a name that has one is not missing; a
 *      name with no partner that only equals one (a copy) stays missing,
 *      with a note;
 *   5. the names still unpaired, the groups (a layer: a name up to its
 *      first all-digit component; else the module: the name without its
 *      last component) and the summary.
 */
#include "analysis/weights_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parity_weights {
    parity_weight *items; /* [n_items] reference order             */
    size_t n_items;
    parity_tensor *slices; /* [n_slices] parts cut from fused ones  */
    size_t n_slices;
    char **strings; /* [n_strings] owned names               */
    size_t n_strings;
    const parity_tensor **only[2]; /* [n_only[s]] unpaired, in set order    */
    const parity_tensor **copy[2]; /* [n_only[s]] a bit-identical paired    */
                                   /* tensor of the side, or NULL          */
    size_t n_only[2];
    parity_weight_tie *ties;
    size_t n_ties, cap_ties;
    parity_weight_group *groups;
    size_t n_groups, cap_groups;
    parity_weights_summary sum;
};

/* The working state of one run. */
typedef struct run {
    const parity_set *set[2];
    parity_weights_opts o;
    parity__wt_pool pool;
    parity__wt_fused *fused; /* [n_fused] */
    size_t n_fused;
    char *present[2]; /* [count] PARITY__WT_*: has a partner, ... */
} run;

parity_weights_opts parity_weights_opts_default(void) {
    parity_weights_opts o;
    memset(&o, 0, sizeof o);
    o.diff = parity_diff_opts_default();
    return o;
}

static size_t index_of(const parity_set *set, const parity_tensor *t) {
    return (size_t)(t - parity_set_tensor(set, 0));
}

static char *keep_string(parity_weights *w, char *s) {
    if (!s) return NULL;
    w->strings[w->n_strings++] = s;
    return s;
}

/* ---- the pool of unpaired names ----------------------------------------- */

/* The key of a port name: renamed by the first --map rule that applies. */
static parity_status pool_key(const parity_map_rules *rules, const char *name, char **key,
                              parity_error *err) {
    char *mapped = NULL;
    if (rules) TRY(parity__map_rules_apply(rules, name, &mapped, err));
    *key = parity__name_normalize_dup(mapped ? mapped : name);
    free(mapped);
    FAIL_IF(!*key, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tensor '%s': out of memory", name);
    return PARITY_OK;
}

static parity_status pool_side(run *r, const parity_match *m, int s, const parity_map_rules *rules,
                               parity_error *err) {
    /* A checkpoint has no execution order: the unpaired tensors the match
     * calls copies of their predecessor are tied names (weights_tie.c),
     * so they join the pool like any other unpaired tensor. */
    size_t n_only = parity_match_unpaired_count(m, s);
    size_t n = n_only + parity_match_copies_count(m, s);
    r->pool.t[s] = calloc(n + 1, sizeof *r->pool.t[s]);
    r->pool.key[s] = calloc(n + 1, sizeof *r->pool.key[s]);
    r->pool.used[s] = calloc(n + 1, 1);
    FAIL_IF(!r->pool.t[s] || !r->pool.key[s] || !r->pool.used[s], err, PARITY_E_NOMEM,
            PARITY_NO_OFFSET, "%s: out of memory", parity_set_path(r->set[s]));
    for (size_t i = 0; i < n; i++) {
        r->pool.t[s][i] = i < n_only ? parity_match_unpaired(m, s, i)
                                     : parity_match_copy(m, s, i - n_only)->t;
        r->pool.n[s] = i + 1;
        TRY(pool_key(s ? rules : NULL, r->pool.t[s][i]->name, &r->pool.key[s][i], err));
    }
    return PARITY_OK;
}

static parity_status make_pool(run *r, const parity_match *m, parity_error *err) {
    parity_map_rules *rules = NULL;
    if (r->o.match.map_file && !r->o.match.by_order)
        TRY(parity__map_rules_load(r->o.match.map_file, &rules, err));
    parity_status st = pool_side(r, m, 0, NULL, err);
    if (st == PARITY_OK) st = pool_side(r, m, 1, rules, err);
    parity__map_rules_free(rules);
    return st;
}

/* ---- the weights: pairs by name, parts of fused tensors ----------------- */

/* "qkv.weight[0:512]" (axis 0), "w[:, 0:512]" (axis 1); NULL: no memory. */
static char *slice_name(const char *name, int axis, int64_t start, int64_t stop) {
    size_t n = strlen(name) + 3 * (size_t)axis + 48;
    char *s = malloc(n);
    if (!s) return NULL;
    size_t at = (size_t)snprintf(s, n, "%s[", name);
    for (int k = 0; k < axis; k++) at += (size_t)snprintf(s + at, n - at, ":, ");
    snprintf(s + at, n - at, "%lld:%lld]", (long long)start, (long long)stop);
    return s;
}

/* Weight for part j of fused group g: the part against its slice. */
static parity_status part_item(parity_weights *w, const parity__wt_fused *g, int j,
                               parity_error *err) {
    parity_tensor *s = &w->slices[w->n_slices++];
    parity__wt_slice(g->fused, g->axis, g->start[j], g->stop[j], s);
    s->name = keep_string(w, slice_name(g->fused->name, g->axis, g->start[j], g->stop[j]));
    FAIL_IF(!s->name, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tensor '%s': out of memory",
            g->fused->name);
    parity_weight *it = &w->items[w->n_items++];
    parity_pair *p = &it->pair;
    p->ref = g->side ? g->parts[j] : s;
    p->port = g->side ? s : g->parts[j];
    p->how = PARITY_MATCH_NORMALIZED;
    /* the layout the search chose for every part of g (weights_fused.c) */
    parity_status st = parity__wt_part_align(g, (size_t)j, s, &p->ref_view, &p->port_view,
                                             p->layout, sizeof p->layout, err);
    if (st != PARITY_OK && st != PARITY_E_SHAPE) return st;
    p->layout_ok = st == PARITY_OK;
    it->fused = g->fused, it->fused_side = g->side, it->fused_axis = g->axis;
    it->fused_part = j, it->fused_parts = (int)g->n_parts;
    it->fused_start = g->start[j], it->fused_stop = g->stop[j];
    return PARITY_OK;
}

/* Which fused group (and part; -1: the fused tensor itself) each
 * reference tensor is in; g = -1: none. */
typedef struct role {
    long g;
    int part;
} role;

static void roles_of(const run *r, role *roles) {
    for (size_t i = 0; i < parity_set_count(r->set[0]); i++) roles[i].g = -1;
    for (size_t g = 0; g < r->n_fused; g++) {
        const parity__wt_fused *f = &r->fused[g];
        if (f->side == 0) roles[index_of(r->set[0], f->fused)] = (role){(long)g, -1};
        for (size_t j = 0; f->side == 1 && j < f->n_parts; j++)
            roles[index_of(r->set[0], f->parts[j])] = (role){(long)g, (int)j};
    }
}

/* --only / --skip select reference names: a pair, a part of a fused port
 * tensor (the fused tensor is kept when any of its parts is) and a fused
 * reference tensor with all its parts. */
static parity_status items_in_order(parity_weights *w, const run *r, const parity_match *m,
                                    role *roles, parity_error *err) {
    size_t k = 0, n_pairs = parity_match_count(m);
    roles_of(r, roles);
    for (size_t i = 0; i < parity_set_count(r->set[0]); i++) {
        const parity_tensor *t = parity_set_tensor(r->set[0], i);
        int selected = parity_match_selected(&r->o.match, t->name);
        if (k < n_pairs && parity_match_pair(m, k)->ref == t) {
            if (selected) w->items[w->n_items++].pair = *parity_match_pair(m, k);
            k++;
            continue;
        }
        if (roles[i].g < 0 || !selected) continue;
        const parity__wt_fused *g = &r->fused[roles[i].g];
        if (g->side == 1) TRY(part_item(w, g, roles[i].part, err));
        for (size_t j = 0; g->side == 0 && j < g->n_parts; j++) TRY(part_item(w, g, (int)j, err));
    }
    return PARITY_OK;
}

static parity_status make_items(parity_weights *w, const run *r, const parity_match *m,
                                parity_error *err) {
    size_t parts = 0;
    for (size_t g = 0; g < r->n_fused; g++) parts += r->fused[g].n_parts;
    w->items = calloc(parity_match_count(m) + parts + 1, sizeof *w->items);
    w->slices = calloc(parts + 1, sizeof *w->slices);
    w->strings = calloc(parts + 1, sizeof *w->strings);
    role *roles = malloc((parity_set_count(r->set[0]) + 1) * sizeof *roles);
    parity_status st = w->items && w->slices && w->strings && roles
                           ? items_in_order(w, r, m, roles, err)
                           : parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                          "%s: out of memory", parity_set_path(r->set[0]));
    free(roles);
    return st;
}

/* ---- each weight -------------------------------------------------------- */

/* A weight that differs: compare it with each head's rows permuted as RoPE
 * converters do; kept when that cuts the relative error tenfold or
 * improves the verdict. *q_ref becomes the reference in the port's order. */
static parity_status try_rope(parity_weight *it, const parity_diff_opts *d, parity_tensor *q_ref,
                              parity_error *err) {
    parity_pair p2 = it->pair;
    parity_comparison c2;
    int64_t head = 0;
    int inter = 0, found = 0;
    TRY(parity__wt_rope(&it->pair.ref_view, &it->pair.port_view, &p2.ref_view, &p2.port_view, &head,
                        &inter, &found, err));
    if (!found) return PARITY_OK;
    TRY(parity_compare_pair(&p2, d, &c2, err));
    if (!(c2.verdict < it->cmp.verdict || c2.diff.relative <= 0.1 * it->cmp.diff.relative)) {
        parity_comparison_clear(&c2);
        return PARITY_OK;
    }
    parity__wt_rope_in_port_order(&it->pair.ref_view, head, inter, q_ref);
    parity_comparison_clear(&it->cmp);
    it->cmp = c2;
    it->pair = p2;
    it->rope_head = head;
    it->rope_port_interleaved = inter;
    return PARITY_OK;
}

/* A weight that differs with nothing named yet: are its rows reordered? */
static parity_status try_rows(parity_weight *it, int *settled, parity_error *err) {
    uint64_t moved = 0;
    int64_t perm[PARITY__WT_PERM_SHOWN];
    int n = 0;
    if (it->cmp.kind != PARITY_PAIR_FLOAT ||
        parity_dtype_block(it->pair.ref->dtype, NULL, NULL) == 1 ||
        parity_dtype_block(it->pair.port->dtype, NULL, NULL) == 1)
        return PARITY_OK;
    TRY(parity__wt_rows(&it->pair.ref_view, &it->pair.port_view, parity__wt_round_dtype(it), &moved,
                        perm, &n, err));
    if (moved) parity__wt_rows_text(it, moved, perm, n);
    *settled = moved != 0;
    return PARITY_OK;
}

/* Everything applied to the port, "; " between (parity_weight.layout). */
static void compose_layout(parity_weight *it) {
    char *b = it->layout, shape[256];
    size_t cap = sizeof it->layout, at = 0;
    b[0] = '\0';
    if (it->fused)
        at +=
            (size_t)snprintf(b, cap, "part %d of %d of %s %s %s: [%lld:%lld] along axis %d",
                             it->fused_part + 1, it->fused_parts, it->fused_side ? "port" : "ref",
                             it->fused->name, parity_shape_str(it->fused, shape, sizeof shape),
                             (long long)it->fused_start, (long long)it->fused_stop, it->fused_axis);
    if (at < cap && it->pair.layout_ok && it->pair.layout[0])
        at += (size_t)snprintf(b + at, cap - at, "%s%s", at ? "; " : "", it->pair.layout);
    if (at < cap && it->rope_head)
        snprintf(b + at, cap - at, "%sRoPE rows per head of %lld: ref %s, port %s", at ? "; " : "",
                 (long long)it->rope_head, it->rope_port_interleaved ? "half-split" : "interleaved",
                 it->rope_port_interleaved ? "interleaved" : "half-split");
}

/* The cheap findings first (exact, quantized within its step, rounded,
 * close, constant); a weight still unexplained then tries the RoPE rows
 * (and the findings again on them), its rows, and last explain. A
 * quantized weight beyond its step that no RoPE order fixes goes to
 * explain too: a bug made before quantizing (a transpose, a scale) hides
 * under the rounding, and explain names it with the rounding as floor. */
static parity_status examine(parity_weight *it, const parity_diff_opts *d, parity_error *err) {
    parity_tensor q_ref = it->pair.ref_view, q_port = it->pair.port_view;
    int settled = 0, lined;
    double q_noise = 0;
    TRY(parity_compare_pair(&it->pair, d, &it->cmp, err));
    lined = it->pair.layout_ok && parity__tensor_c_contiguous(&q_port);
    TRY(parity__wt_find(it, lined ? &q_ref : NULL, lined ? &q_port : NULL, &q_noise, &settled,
                        err));
    if (!settled && it->cmp.kind == PARITY_PAIR_FLOAT && it->cmp.verdict != PARITY_MATCH)
        TRY(try_rope(it, d, &q_ref, err));
    if (it->rope_head)
        TRY(parity__wt_find(it, lined ? &q_ref : NULL, lined ? &q_port : NULL, &q_noise, &settled,
                            err));
    if (!settled && !it->rope_head) TRY(try_rows(it, &settled, err));
    if (!settled) TRY(parity__wt_explain(it, q_noise, err));
    parity__wt_values(it);
    compose_layout(it);
    return PARITY_OK;
}

/* ---- names: tied, unpaired ---------------------------------------------- */

/* state[s][i]: tensor i of side s has a partner (present), is a selected
 * name no pairing used (unpaired), or is unpaired but tied to a present
 * one. A fused tensor or part the selection left out stays NONE. */
static void mark_states(const parity_weights *w, run *r) {
    for (size_t i = 0; i < w->n_items; i++) {
        const parity_weight *it = &w->items[i];
        const parity_tensor *t[2] = {it->pair.ref, it->pair.port};
        if (it->fused) t[it->fused_side] = it->fused;
        for (int s = 0; s < 2; s++) r->present[s][index_of(r->set[s], t[s])] = PARITY__WT_PRESENT;
    }
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < r->pool.n[s]; i++)
            if (!r->pool.used[s][i] && parity_match_selected(&r->o.match, r->pool.t[s][i]->name))
                r->present[s][index_of(r->set[s], r->pool.t[s][i])] = PARITY__WT_UNPAIRED;
}

static void account_ties(parity_weights *w, run *r) {
    for (size_t i = 0; i < w->n_ties; i++) {
        parity_weight_tie *t = &w->ties[i];
        char *st = r->present[t->side];
        size_t a = index_of(r->set[t->side], t->a), b = index_of(r->set[t->side], t->b);
        if (st[a] == PARITY__WT_PRESENT && st[b] == PARITY__WT_UNPAIRED)
            st[b] = PARITY__WT_ACCOUNTED, t->accounted = t->b;
        else if (st[b] == PARITY__WT_PRESENT && st[a] == PARITY__WT_UNPAIRED)
            st[a] = PARITY__WT_ACCOUNTED, t->accounted = t->a;
    }
}

static parity_status names(parity_weights *w, run *r, parity_error *err) {
    for (int s = 0; s < 2; s++) {
        r->present[s] = calloc(parity_set_count(r->set[s]) + 1, 1);
        w->only[s] = calloc(r->pool.n[s] + 1, sizeof *w->only[s]);
        w->copy[s] = calloc(r->pool.n[s] + 1, sizeof *w->copy[s]);
        FAIL_IF(!r->present[s] || !w->only[s] || !w->copy[s], err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "%s: out of memory", parity_set_path(r->set[s]));
        TRY(parity__wt_ties(r->set[s], s, &r->o.match, &w->ties, &w->n_ties, &w->cap_ties, err));
    }
    mark_states(w, r);
    account_ties(w, r);
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < r->pool.n[s]; i++) {
            const parity_tensor *t = r->pool.t[s][i];
            char st = r->present[s][index_of(r->set[s], t)];
            if (st == PARITY__WT_UNPAIRED) w->only[s][w->n_only[s]++] = t;
            w->sum.tied[s] += st == PARITY__WT_ACCOUNTED;
        }
        TRY(parity__wt_copies(r->set[s], r->present[s], w->only[s], w->n_only[s], w->copy[s], err));
        w->sum.records_sharing[s] = parity__set_records_sharing(r->set[s]);
    }
    return PARITY_OK;
}

/* ---- groups and summary ------------------------------------------------- */

/* The group of a name: up to its first all-digit component
 * ("model.layers.0"), else without its last component
 * ("model.embed_tokens"), "" for one component. Components are separated
 * by '.' or '/'. Returns a new string, NULL when out of memory. */
static char *group_of(const char *name) {
    size_t n = strlen(name), cut = 0;
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && name[j] != '.' && name[j] != '/') j++;
        int digits = j > i;
        for (size_t k = i; k < j && digits; k++) digits = name[k] >= '0' && name[k] <= '9';
        if (digits) {
            cut = j;
            break;
        }
        if (j < n) cut = j;
        i = j + 1;
    }
    char *g = malloc(cut + 1);
    if (!g) return NULL;
    memcpy(g, name, cut);
    g[cut] = '\0';
    return g;
}

/* Count one name in its group: what 0..2 a verdict, 3 only in ref, 4
 * only in port. */
static parity_status group_add(parity_weights *w, const char *name, int what, parity_error *err) {
    char *key = group_of(name);
    FAIL_IF(!key, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "tensor '%s': out of memory", name);
    size_t g = 0;
    while (g < w->n_groups && strcmp(w->groups[g].prefix, key)) g++;
    if (g < w->n_groups) {
        free(key);
    } else {
        if (w->n_groups == w->cap_groups) {
            size_t c = w->cap_groups ? 2 * w->cap_groups : 16;
            parity_weight_group *q = realloc(w->groups, c * sizeof *q);
            if (!q) free(key);
            FAIL_IF(!q, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "weights: out of memory");
            w->groups = q, w->cap_groups = c;
        }
        memset(&w->groups[g], 0, sizeof w->groups[g]);
        w->groups[w->n_groups++].prefix = key;
    }
    parity_weight_group *gr = &w->groups[g];
    if (what < 3)
        gr->compared++, gr->counts[what]++;
    else
        gr->only[what - 3]++;
    return PARITY_OK;
}

static parity_status summarize(parity_weights *w, const run *r, parity_error *err) {
    parity_weights_summary *s = &w->sum;
    for (size_t i = 0; i < w->n_items; i++) {
        const parity_weight *it = &w->items[i];
        const char *name = it->fused && it->fused_side == 0 ? it->fused->name : it->pair.ref->name;
        int v = (unsigned)it->cmp.verdict < 3 ? (int)it->cmp.verdict : PARITY_LARGE_DIFF;
        s->counts[v]++;
        TRY(group_add(w, name, v, err));
    }
    for (int side = 0; side < 2; side++) {
        for (size_t i = 0; i < w->n_only[side]; i++)
            TRY(group_add(w, w->only[side][i]->name, 3 + side, err));
        /* a fused port tensor kept for a selected part counts as selected */
        for (size_t i = 0; i < parity_set_count(r->set[side]); i++)
            s->total[side] +=
                parity_match_selected(&r->o.match, parity_set_tensor(r->set[side], i)->name) ||
                r->present[side][i] == PARITY__WT_PRESENT;
        s->only[side] = w->n_only[side];
    }
    for (size_t g = 0; g < r->n_fused; g++) {
        const parity__wt_fused *f = &r->fused[g];
        s->fused[f->side] +=
            r->present[f->side][index_of(r->set[f->side], f->fused)] == PARITY__WT_PRESENT;
    }
    s->compared = w->n_items;
    s->ref_weights = s->compared + s->only[0] + s->tied[0];
    return PARITY_OK;
}

/* ---- entry points ------------------------------------------------------- */

static parity_status run_all(parity_weights *w, run *r, parity_error *err) {
    parity_match *m = NULL;
    /* weights pair by name: a checkpoint has no execution order for an
     * alignment by content to follow. Every name is matched and searched
     * for fused tensors; --only / --skip then select among the reference
     * names (items_in_order, mark_states), so a fused port tensor whose
     * name no glob selects still gives the parts that are selected, and
     * skipping one part leaves the others their slices. */
    parity_match_opts by_name = r->o.match;
    by_name.pairing = PARITY_PAIRING_NAMES;
    by_name.n_only = by_name.n_skip = 0;
    TRY(parity_match_check_globs(&r->o.match, r->set, 2, err));
    TRY(parity_match_sets(r->set[0], r->set[1], &by_name, &m, err));
    parity_status st = make_pool(r, m, err);
    if (st == PARITY_OK) st = parity__wt_fused_find(&r->pool, &r->fused, &r->n_fused, err);
    if (st == PARITY_OK) st = make_items(w, r, m, err);
    parity_match_free(m);
    for (size_t i = 0; st == PARITY_OK && i < w->n_items; i++)
        st = examine(&w->items[i], &r->o.diff, err);
    if (st == PARITY_OK) st = names(w, r, err);
    if (st == PARITY_OK) st = summarize(w, r, err);
    return st;
}

static void run_free(run *r) {
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; r->pool.key[s] && i < r->pool.n[s]; i++) free(r->pool.key[s][i]);
        free(r->pool.t[s]);
        free(r->pool.key[s]);
        free(r->pool.used[s]);
        free(r->present[s]);
    }
    free(r->fused);
}

parity_status parity_weights_run(const parity_set *ref, const parity_set *port,
                                 const parity_weights_opts *o, parity_weights **out,
                                 parity_error *err) {
    *out = NULL;
    FAIL_IF(!ref || !port, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "parity_weights_run: a set is NULL");
    parity_weights *w = calloc(1, sizeof *w);
    FAIL_IF(!w, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", parity_set_path(ref));
    run r;
    memset(&r, 0, sizeof r);
    r.set[0] = ref, r.set[1] = port;
    r.o = o ? *o : parity_weights_opts_default();
    r.o.diff.n_axes = 0;
    parity_status st = run_all(w, &r, err);
    run_free(&r);
    if (st != PARITY_OK) {
        parity_weights_free(w);
        return st;
    }
    *out = w;
    return PARITY_OK;
}

void parity_weights_free(parity_weights *w) {
    if (!w) return;
    for (size_t i = 0; i < w->n_items; i++) parity_comparison_clear(&w->items[i].cmp);
    for (size_t i = 0; i < w->n_strings; i++) free(w->strings[i]);
    for (size_t g = 0; g < w->n_groups; g++) free((char *)w->groups[g].prefix);
    free(w->items);
    free(w->slices);
    free(w->strings);
    free(w->only[0]);
    free(w->only[1]);
    free(w->copy[0]);
    free(w->copy[1]);
    free(w->ties);
    free(w->groups);
    free(w);
}

size_t parity_weights_count(const parity_weights *w) { return w->n_items; }

const parity_weight *parity_weights_at(const parity_weights *w, size_t i) {
    return i < w->n_items ? &w->items[i] : NULL;
}

size_t parity_weights_only_count(const parity_weights *w, int side) {
    return side == 0 || side == 1 ? w->n_only[side] : 0;
}

const parity_tensor *parity_weights_only(const parity_weights *w, int side, size_t i) {
    if ((side != 0 && side != 1) || i >= w->n_only[side]) return NULL;
    return w->only[side][i];
}

const parity_tensor *parity_weights_only_copy(const parity_weights *w, int side, size_t i) {
    if ((side != 0 && side != 1) || i >= w->n_only[side]) return NULL;
    return w->copy[side][i];
}

size_t parity_weights_tie_count(const parity_weights *w) { return w->n_ties; }

const parity_weight_tie *parity_weights_tie(const parity_weights *w, size_t i) {
    return i < w->n_ties ? &w->ties[i] : NULL;
}

size_t parity_weights_group_count(const parity_weights *w) { return w->n_groups; }

const parity_weight_group *parity_weights_group(const parity_weights *w, size_t i) {
    return i < w->n_groups ? &w->groups[i] : NULL;
}

const parity_weights_summary *parity_weights_summary_of(const parity_weights *w) { return &w->sum; }

int parity_weights_differs(const parity_weights *w) {
    const parity_weights_summary *s = &w->sum;
    return s->compared == 0 || s->counts[PARITY_SMALL_DIFF] + s->counts[PARITY_LARGE_DIFF] > 0 ||
           s->only[0] + s->only[1] > 0;
}
