/*
 * trace_json.c — parity trace as one JSON document, every number at full
 * precision, written as render/emit.h says (non-finite values too). The
 * schema is described in docs/trace.md:
 *
 *   {"parity":"trace","version":..,"ref":{path,label,order},"port":{..},
 *    "options":{domain,atol,rtol,match_tol,small_tol,max_db},
 *    "inputs":{"equal":b,"names":[..],"differ":[{name,...}],"missing":[..]},
 *    "stages":[{index,name,port_name,match,confidence,input,shape,port_shape,
 *               dtype,port_dtype,layout_ok,layout,verdict,jump,role,via,parents,
 *               parents_not_compared,inherits_from,metrics:{..}}, one a line],
 *    "first_divergence":{index,name,relative,verdict}|null,
 *    "culprit":{index,name,relative,jump,predecessor,predecessor_relative,
 *               largest_jump:{index,name,jump,series}|null,role}|null,
 *    "rule":"dataflow"|"order","graph":"ref"|"port"|null,
 *    "culprits":[{index,name,role}],"path":[{index,name,role}],
 *    "flow_disagree":[{index,name,parents,other_parents}],
 *    "series":[{pattern,k,stages,relative}],
 *    "schedule":{n,k,status,states,velocities,alignment,x0,dt_ref,dt_port,
 *                t_ref,t_port,fit_ref,fit_port,differ}|null,
 *    "guidance":{k,w_ref,w_port,differ}|null,
 *    "only_in_ref":[..],"only_in_port":[..],
 *    "summary":{stages,match,small_diff,large_diff,only_in_ref,only_in_port}}
 */
#include "render/emit.h"
#include "render/trace_impl.h"

#include <math.h>


static void jname_of(const parity__trace *t, parity_buf *b, const char *key, long i) {
    parity__json_str(b, key, i >= 0 ? parity_pair_name(parity_walk_stage(t->w, (size_t)i)->pair) : NULL);
}

static void json_head(parity__trace *t) {
    parity_buf *b = &t->r->out;
    const parity_diff_opts *o = &t->r->o.diff;
    parity__buf_puts(b, "{\"parity\":\"trace\",\"version\":\"" PARITY_VERSION "\"");
    for (int s = 0; s < 2; s++) {
        const parity_set *set = s ? t->port : t->ref;
        parity__buf_printf(b, ",\"%s\":{\"path\":", s ? "port" : "ref");
        parity__buf_json_str(b, parity_set_path(set));
        parity__json_str(b, "label", parity__label(t->r, s));
        parity__json_str(b, "order", parity__order_token(parity_set_order_source(set)));
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, ",\"options\":{\"domain\":");
    parity__buf_json_str(b, parity_domain_name(o->domain));
    parity__json_num(b, "atol", o->atol);
    parity__json_num(b, "rtol", o->rtol);
    parity__json_num(b, "match_tol", o->match_tol);
    parity__json_num(b, "small_tol", o->small_tol);
    parity__json_num(b, "max_db", o->max_db);
    parity__json_str(b, "inputs_glob", t->inputs_glob);
    parity__buf_puts(b, "}");
}

static void json_inputs(parity__trace *t) {
    parity_buf *b = &t->r->out;
    const size_t *idx = NULL;
    const char *const *miss = NULL;
    size_t nd = parity_walk_inputs_differ(t->w, &idx);
    size_t nm = parity_walk_input_missing(t->w, &miss);
    parity__buf_printf(b, ",\n\"inputs\":{\"equal\":%s,\"names\":[", nd + nm ? "false" : "true");
    for (size_t i = 0; i < t->n_stages && parity__trace_is_input(t, i); i++) {
        if (i) parity__buf_puts(b, ",");
        parity__buf_json_str(b, parity_pair_name(parity_walk_stage(t->w, i)->pair));
    }
    parity__buf_puts(b, "],\"differ\":[");
    for (size_t i = 0; i < nd; i++) {
        const parity_stage *s = parity_walk_stage(t->w, idx[i]);
        parity__buf_printf(b, "%s{\"index\":%zu", i ? "," : "", idx[i]);
        parity__json_str(b, "name", parity_pair_name(s->pair));
        parity__json_bool(b, "layout_ok", s->pair->layout_ok);
        parity__json_num(b, "relative", s->pair->layout_ok ? s->diff.relative : NAN);
        parity__json_num(b, "abs_max", s->pair->layout_ok ? s->diff.abs_max : NAN);
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, "],\"missing\":[");
    for (size_t i = 0; i < nm; i++) {
        parity__buf_printf(b, "%s{\"name\":", i ? "," : "");
        parity__buf_json_str(b, miss[i]);
        parity__json_str(b, "only_in", parity__trace_missing_side(t, miss[i]) ? "port" : "ref");
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, "]}");
}

/* "metrics" of one stage (formulas in src/analysis/diff.c). */
static void json_metrics(parity_buf *b, const parity_diff *d) {
    parity__buf_printf(b, ",\"metrics\":{\"n\":%llu", (unsigned long long)d->n);
    parity__json_num(b, "relative", d->relative);
    parity__json_bool(b, "ref_zero", d->ref_zero);
    parity__json_num(b, "abs_max", d->abs_max);
    parity__json_num(b, "abs_mean", d->abs_mean);
    parity__json_num(b, "mean_diff", d->mean_diff);
    parity__json_num(b, "mean_diff_db", d->mean_diff_db);
    parity__json_num(b, "rmse", d->rmse);
    parity__json_num(b, "cosine", d->cosine);
    parity__json_num(b, "pcc", d->pcc);
    parity__json_num(b, "snr_db", d->snr_db);
    parity__json_num(b, "needed_atol", d->needed_atol);
    parity__json_num(b, "needed_rtol", d->needed_rtol);
    parity__buf_printf(b, ",\"max_ulp\":%llu,\"mismatched\":%llu",
                       (unsigned long long)d->max_ulp, (unsigned long long)d->mismatched);
    parity__buf_printf(b, ",\"nonfinite_ref_only\":%llu,\"nonfinite_port_only\":%llu}",
                       (unsigned long long)d->nonfinite_ref_only,
                       (unsigned long long)d->nonfinite_port_only);
}

static const char *via_words[] = {"parents", "alias", "inside", "inputs", "order"};

/* "key":[names of the stages v[0..n)] */
static void json_stage_names(const parity__trace *t, parity_buf *b, const char *key,
                             const size_t *v, size_t n) {
    parity__buf_printf(b, ",\"%s\":[", key);
    for (size_t k = 0; k < n; k++) {
        if (k) parity__buf_puts(b, ",");
        parity__buf_json_str(b, parity__trace_stage_name(t, v[k]));
    }
    parity__buf_puts(b, "]");
}

/* "key":[names[0..n)] */
static void json_names(parity_buf *b, const char *key, const char *const *names, size_t n) {
    parity__buf_printf(b, ",\"%s\":[", key);
    for (size_t k = 0; k < n; k++) {
        if (k) parity__buf_puts(b, ",");
        parity__buf_json_str(b, names[k]);
    }
    parity__buf_puts(b, "]");
}

/* A stage's blame: role, via, parents, parents not compared, the culprits
 * it inherits (or, MATCH, carries) from; null and [] by execution order. */
static void json_blame(const parity__trace *t, parity_buf *b, size_t i) {
    const parity_blame *bl = parity_walk_blame(t->w, i);
    parity__json_str(b, "role", bl ? parity__trace_role_token(bl->role) : NULL);
    parity__json_str(b, "via", bl ? via_words[bl->via % 5] : NULL);
    json_stage_names(t, b, "parents", bl ? bl->parents : NULL, bl ? bl->n_parents : 0);
    json_names(b, "parents_not_compared", bl ? bl->missing : NULL, bl ? bl->n_missing : 0);
    json_names(b, "parents_looked_past", bl ? bl->past : NULL, bl ? bl->n_past : 0);
    json_stage_names(t, b, "inherits_from", bl ? bl->from : NULL, bl ? bl->n_from : 0);
    if (bl) parity__json_num(b, "blame_jump", bl->jump);
}

static void json_stage(parity__trace *t, size_t i) {
    parity_buf *b = &t->r->out;
    const parity_stage *s = parity_walk_stage(t->w, i);
    const parity_pair *p = s->pair;
    parity__buf_printf(b, "%s\n{\"index\":%zu", i ? "," : "", i);
    parity__json_str(b, "name", parity_pair_name(p));
    parity__json_str(b, "port_name", p->port->name);
    parity__json_str(b, "match", parity__match_how_name(p->how));
    parity__json_num(b, "confidence", p->confidence);
    parity__json_bool(b, "input", parity__trace_is_input(t, i));
    parity__json_shape(b, "shape", p->ref);
    parity__json_shape(b, "port_shape", p->port);
    parity__json_str(b, "dtype", parity_dtype_name(p->ref->dtype));
    parity__json_str(b, "port_dtype", parity_dtype_name(p->port->dtype));
    parity__json_bool(b, "layout_ok", p->layout_ok);
    parity__json_str(b, "layout", p->layout);
    parity__json_str(b, "verdict", parity_verdict_str(s->diff.verdict));
    parity__json_num(b, "jump", s->jump);
    json_blame(t, b, i);
    if (p->layout_ok) json_metrics(b, &s->diff);
    parity__buf_puts(b, "}");
}

/* The stage a data-flow culprit's jump counts from: the input of
 * largest relative error among those it was judged against, else among
 * its parents; -1 when none. */
static long worst_input(const parity__trace *t, const parity_blame *bl) {
    const size_t *v = bl->n_through ? bl->through : bl->parents;
    size_t n = bl->n_through ? bl->n_through : bl->n_parents;
    long best = -1;
    double bv = -1;
    for (size_t k = 0; k < n; k++) {
        double r = parity_stage_relative(parity_walk_stage(t->w, v[k]));
        if (isnan(r)) r = INFINITY;
        if (r > bv) bv = r, best = (long)v[k];
    }
    return best;
}

/* {"index":i,"name":...,"role":...} for each stage of v[0..n) */
static void json_stage_refs(const parity__trace *t, parity_buf *b, const char *key, const size_t *v,
                            size_t n) {
    parity__buf_printf(b, ",\n\"%s\":[", key);
    for (size_t k = 0; k < n; k++) {
        const parity_blame *bl = parity_walk_blame(t->w, v[k]);
        parity__buf_printf(b, "%s{\"index\":%zu", k ? "," : "", v[k]);
        parity__json_str(b, "name", parity__trace_stage_name(t, v[k]));
        parity__json_str(b, "role", bl ? parity__trace_role_token(bl->role) : "introduces");
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, "]");
}

/* "rule", "graph", "culprits", "path", "flow_disagree" */
static void json_blame_summary(parity__trace *t) {
    parity_buf *b = &t->r->out;
    int side;
    const size_t *v = NULL;
    parity_blame_rule rule = parity_walk_blame_rule(t->w, &side);
    parity__buf_printf(b, ",\n\"rule\":\"%s\"",
                       rule == PARITY_BLAME_DATAFLOW ? "dataflow" : "order");
    parity__json_str(b, "graph", side < 0 ? NULL : side ? "port" : "ref");
    size_t n = parity_walk_culprits(t->w, &v);
    json_stage_refs(t, b, "culprits", v, n);
    n = parity_walk_path(t->w, &v);
    json_stage_refs(t, b, "path", v, n);
    n = parity_walk_flow_disagree(t->w, &v);
    parity__buf_puts(b, ",\n\"flow_disagree\":[");
    for (size_t k = 0; k < n; k++) {
        const parity_blame *bl = parity_walk_blame(t->w, v[k]);
        parity__buf_printf(b, "%s{\"index\":%zu", k ? "," : "", v[k]);
        parity__json_str(b, "name", parity__trace_stage_name(t, v[k]));
        json_stage_names(t, b, "parents", bl->parents, bl->n_parents);
        json_stage_names(t, b, "other_parents", bl->other, bl->n_other);
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, "]");
}

static void json_verdicts(parity__trace *t) {
    parity_buf *b = &t->r->out;
    long f = parity_walk_first_divergence(t->w), c = parity_walk_culprit(t->w);
    parity__buf_puts(b, ",\n\"first_divergence\":");
    if (f < 0) {
        parity__buf_puts(b, "null");
    } else {
        parity__buf_printf(b, "{\"index\":%ld", f);
        jname_of(t, b, "name", f);
        parity__json_num(b, "relative", parity_stage_relative(parity_walk_stage(t->w, (size_t)f)));
        parity__json_str(b, "verdict", parity_verdict_str(parity_walk_stage(t->w, (size_t)f)->diff.verdict));
        parity__buf_puts(b, "}");
    }
    parity__buf_puts(b, ",\n\"culprit\":");
    if (c < 0) {
        parity__buf_puts(b, "null");
        return;
    }
    parity__buf_printf(b, "{\"index\":%ld", c);
    jname_of(t, b, "name", c);
    parity__json_num(b, "relative", parity_stage_relative(parity_walk_stage(t->w, (size_t)c)));
    const parity_blame *bl = parity_walk_blame(t->w, (size_t)c);
    parity__json_num(b, "jump", bl ? bl->jump : parity_walk_stage(t->w, (size_t)c)->jump);
    long base = bl ? worst_input(t, bl) : parity_walk_stage(t->w, (size_t)c)->base;
    jname_of(t, b, "predecessor", base);
    if (base >= 0)
        parity__json_num(b, "predecessor_relative",
                         parity_stage_relative(parity_walk_stage(t->w, (size_t)base)));
    /* the largest jump, when an earlier call of its module was preferred */
    const parity_series *se = NULL;
    long l = parity_walk_largest_jump(t->w, &se);
    parity__json_str(b, "role", bl ? parity__trace_role_token(bl->role) : "introduces");
    parity__buf_puts(b, ",\"largest_jump\":");
    if (l == c) {
        parity__buf_puts(b, "null}");
        return;
    }
    parity__buf_printf(b, "{\"index\":%ld", l);
    jname_of(t, b, "name", l);
    parity__json_num(b, "jump", parity_walk_stage(t->w, (size_t)l)->jump);
    parity__json_str(b, "series", se ? se->pattern : NULL);
    parity__buf_puts(b, "}}");
}

static void json_series(parity__trace *t) {
    parity_buf *b = &t->r->out;
    size_t n = parity_walk_series_count(t->w);
    parity__buf_puts(b, ",\n\"series\":[");
    for (size_t i = 0; i < n; i++) {
        const parity_series *s = parity_walk_series(t->w, i);
        parity__buf_printf(b, "%s\n{\"pattern\":", i ? "," : "");
        parity__buf_json_str(b, s->pattern);
        parity__json_ints(b, "k", s->k, s->n);
        parity__buf_puts(b, ",\"stages\":[");
        for (size_t j = 0; j < s->n; j++) parity__buf_printf(b, "%s%zu", j ? "," : "", s->stage[j]);
        parity__buf_puts(b, "],\"relative\":[");
        for (size_t j = 0; j < s->n; j++) parity__json_elem(b, j != 0, parity_stage_relative(parity_walk_stage(t->w, s->stage[j])));
        parity__buf_puts(b, "]}");
    }
    parity__buf_puts(b, n ? "\n]" : "]");
}

/* parity_step_status as JSON strings, in enum order. */
static const char *const step_status[] = {
    "ok",    "no_initial_state", "no_state_before", "no_state_after",
    "shape", "zero_velocity",    "only_in_ref",     "only_in_port"};
_Static_assert(sizeof step_status / sizeof *step_status == PARITY_STEP_ONLY_PORT + 1,
               "one JSON string per parity_step_status");
#define N_STEP_STATUS (sizeof step_status / sizeof *step_status)

static void json_schedule(parity__trace *t) {
    parity_buf *b = &t->r->out;
    const parity_schedule *s = parity_walk_schedule(t->w);
    parity__buf_puts(b, ",\n\"schedule\":");
    if (!s) {
        parity__buf_puts(b, "null");
        return;
    }
    parity__buf_printf(b, "{\"n\":%zu,\"steps_ref\":%zu,\"steps_port\":%zu", s->n, s->steps_ref,
                       s->steps_port);
    parity__json_ints(b, "k", s->k, s->n);
    parity__buf_puts(b, ",\"status\":[");
    for (size_t i = 0; i < s->n; i++) {
        unsigned st = (unsigned)s->status[i];
        parity__buf_printf(b, "%s\"%s\"", i ? "," : "",
                           step_status[st < N_STEP_STATUS ? st : 0]);
    }
    parity__buf_puts(b, "]");
    parity__json_str(b, "states", s->states);
    parity__json_str(b, "velocities", s->velocities);
    parity__json_str(b, "alignment", s->after ? "after" : "before");
    parity__json_str(b, "x0", s->x0 >= 0 ? parity_pair_name(parity_walk_stage(t->w, (size_t)s->x0)->pair) : NULL);
    parity__json_array(b, "dt_ref", s->dt_ref, s->n);
    parity__json_array(b, "dt_port", s->dt_port, s->n);
    parity__json_array(b, "t_ref", s->t_ref, s->n + 1);
    parity__json_array(b, "t_port", s->t_port, s->n + 1);
    parity__json_num(b, "fit_ref", s->fit_ref);
    parity__json_num(b, "fit_port", s->fit_port);
    parity__json_str(b, "precision", parity_dtype_name(s->precision));
    parity__json_num(b, "tolerance", s->tol);
    parity__json_bool(b, "differ", parity__trace_schedule_differs(s));
    parity__buf_puts(b, "}");
}

static void json_guidance(parity__trace *t) {
    parity_buf *b = &t->r->out;
    const parity_guidance *g = parity_walk_guidance(t->w);
    size_t at = 0;
    parity__buf_puts(b, ",\n\"guidance\":");
    if (!g) {
        parity__buf_puts(b, "null");
        return;
    }
    parity__buf_printf(b, "{\"n\":%zu", g->n);
    parity__json_ints(b, "k", g->k, g->n);
    parity__json_array(b, "w_ref", g->w_ref, g->n);
    parity__json_array(b, "w_port", g->w_port, g->n);
    parity__json_str(b, "precision", parity_dtype_name(g->precision));
    parity__json_num(b, "tolerance", g->tol);
    parity__json_bool(b, "differ",
                      parity__trace_pairs_differ(g->w_ref, g->w_port, g->n, g->tol, &at));
    parity__buf_puts(b, "}");
}

static void junpaired(parity_buf *b, const char *sep, const char *key,
                      const parity_match *m, int side) {
    size_t n = parity_match_unpaired_count(m, side);
    parity__buf_printf(b, "%s\"%s\":[", sep, key);
    for (size_t i = 0; i < n; i++) {
        if (i) parity__buf_puts(b, ",");
        parity__buf_json_str(b, parity_match_unpaired(m, side, i)->name);
    }
    parity__buf_puts(b, "]");
}

static void json_tail(parity__trace *t) {
    parity_buf *b = &t->r->out;
    const parity_match *m = parity_walk_match(t->w);
    junpaired(b, ",\n", "only_in_ref", m, 0);
    junpaired(b, ",", "only_in_port", m, 1);
    parity__buf_printf(b, ",\n\"summary\":{\"stages\":%zu", t->n_stages);
    parity__buf_printf(b, ",\"match\":%llu,\"small_diff\":%llu,\"large_diff\":%llu",
                       (unsigned long long)t->counts[0], (unsigned long long)t->counts[1],
                       (unsigned long long)t->counts[2]);
    parity__buf_printf(b, ",\"only_in_ref\":%zu,\"only_in_port\":%zu}",
                       parity_match_unpaired_count(m, 0), parity_match_unpaired_count(m, 1));
    parity__json_coverage(b, m);
    parity__buf_puts(b, "}\n");
}

void parity__trace_json(parity__trace *t) {
    json_head(t);
    json_inputs(t);
    parity__buf_puts(&t->r->out, ",\n\"stages\":[");
    for (size_t i = 0; i < t->n_stages; i++) json_stage(t, i);
    parity__buf_puts(&t->r->out, t->n_stages ? "\n]" : "]");
    json_verdicts(t);
    json_blame_summary(t);
    json_series(t);
    json_schedule(t);
    json_guidance(t);
    json_tail(t);
}
