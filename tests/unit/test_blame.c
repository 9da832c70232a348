/*
 * test_blame.c — blame by data flow (src/analysis/blame.c, docs/trace.md
 * "Blame") on small traces written here: a port stage is the reference's
 * scaled by (1 + e), so its relative error is |e| (to float rounding), and
 * each case says which stage must introduce the error and which inherit
 * it, from whom, through which links, against the order rule's answer.
 */
#include "testutil.h"
#include "parity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 64
static const int64_t SHAPE[1] = {N};

/* One stage of a case. */
typedef struct spec {
    const char *name;
    double err;          /* port = ref * (1 + err)                            */
    const char *parents; /* "a,b" (recorded on the sides that record them)     */
    const char *alias;   /* the reference stores it as an alias of this stage  */
    int input;           /* a model input                                     */
    int only;            /* 0 both sides, 1 ref only, 2 port only              */
    int values;          /* the values of stage #values (0: its own index + 1) */
} spec;

enum { FLOW_REF = 1, FLOW_PORT = 2 };

static void values_of(const spec *s, size_t k, double err, float *x) {
    int v = s[k].values ? s[k].values - 1 : (int)k;
    for (int i = 0; i < N; i++) x[i] = (float)((sin(0.37 * i + 1.1 * v) + 0.5) * (1 + err));
}

/* "[\"a\",\"b\"]" from "a,b" appended to buf. */
static void json_list(char *buf, size_t cap, const char *csv) {
    size_t l = strlen(buf);
    snprintf(buf + l, cap - l, "[");
    for (const char *p = csv; p && *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        l = strlen(buf);
        snprintf(buf + l, cap - l, "%s\"%.*s\"", p == csv ? "" : ",", (int)n, p);
        p = c ? c + 1 : p + n;
    }
    l = strlen(buf);
    snprintf(buf + l, cap - l, "]");
}

/* Write one side (0 ref, 1 port) of a case; flow says which sides record
 * parents; the reference's aliases are stored as aliases. */
static void write_side(const char *path, const spec *s, size_t n, int side, int flow) {
    parity_error e;
    parity_writer *w;
    char order[4096] = "[", inputs[1024] = "[", parents[4096] = "{", aliases[1024] = "{";
    float x[N];
    CHECK_OK(parity_writer_open(path, &w, &e), &e);
    for (size_t k = 0; k < n; k++) {
        if (s[k].only == (side ? 1 : 2)) continue;
        snprintf(order + strlen(order), sizeof order - strlen(order), "%s\"%s\"",
                 order[1] ? "," : "", s[k].name);
        if (s[k].input)
            snprintf(inputs + strlen(inputs), sizeof inputs - strlen(inputs), "%s\"%s\"",
                     inputs[1] ? "," : "", s[k].name);
        if (s[k].parents && (flow & (side ? FLOW_PORT : FLOW_REF))) {
            snprintf(parents + strlen(parents), sizeof parents - strlen(parents),
                     "%s\"%s\":", parents[1] ? "," : "", s[k].name);
            json_list(parents, sizeof parents, s[k].parents);
        }
        if (s[k].alias && side == 0) {
            snprintf(aliases + strlen(aliases), sizeof aliases - strlen(aliases), "%s\"%s\":\"%s\"",
                     aliases[1] ? "," : "", s[k].name, s[k].alias);
            continue;
        }
        values_of(s, k, side ? s[k].err : 0, x);
        CHECK_OK(parity_writer_add(w, s[k].name, PARITY_DT_F32, 1, SHAPE, x, &e), &e);
    }
    strcat(order, "]"), strcat(inputs, "]"), strcat(parents, "}"), strcat(aliases, "}");
    CHECK_OK(parity_writer_meta(w, "parity.order", order, &e), &e);
    CHECK_OK(parity_writer_meta(w, "parity.inputs", inputs, &e), &e);
    if (parents[1]) CHECK_OK(parity_writer_meta(w, "parity.parents", parents, &e), &e);
    if (aliases[1]) CHECK_OK(parity_writer_meta(w, "parity.aliases", aliases, &e), &e);
    CHECK_OK(parity_writer_close(w, &e), &e);
}

typedef struct opened {
    parity_set *ref, *port;
    parity_walk *walk;
} opened;

static char dir[] = "/tmp/parity_test_blame_XXXXXX";

static opened run(const char *tag, const spec *s, size_t n, int flow) {
    char a[600], b[600];
    parity_error e;
    opened o = {NULL, NULL, NULL};
    snprintf(a, sizeof a, "%s/%s_ref.safetensors", dir, tag);
    snprintf(b, sizeof b, "%s/%s_port.safetensors", dir, tag);
    write_side(a, s, n, 0, flow);
    write_side(b, s, n, 1, flow);
    CHECK_OK(parity_set_open(a, NULL, &o.ref, &e), &e);
    CHECK_OK(parity_set_open(b, NULL, &o.port, &e), &e);
    if (o.ref && o.port) CHECK_OK(parity_walk_run(o.ref, o.port, NULL, &o.walk, &e), &e);
    return o;
}

static void done(opened *o) {
    parity_walk_free(o->walk);
    parity_set_free(o->ref);
    parity_set_free(o->port);
}

/* The walk index of the stage named name (its "name@k" for a step). */
static long at(const parity_walk *w, const char *name) {
    for (size_t i = 0; w && i < parity_walk_stage_count(w); i++) {
        const parity_pair *p = parity_walk_stage(w, i)->pair;
        const char *n = p->ref_view.name ? p->ref_view.name : p->ref->name;
        if (strcmp(n, name) == 0) return (long)i;
    }
    return -1;
}

static const char *name_of(const parity_walk *w, long i) {
    if (i < 0) return "(none)";
    const parity_pair *p = parity_walk_stage(w, (size_t)i)->pair;
    return p->ref_view.name ? p->ref_view.name : p->ref->name;
}

static parity_role role(const parity_walk *w, const char *name) {
    long i = at(w, name);
    const parity_blame *b = i >= 0 ? parity_walk_blame(w, (size_t)i) : NULL;
    return b ? b->role : (parity_role)-1;
}

/* The names of a list of stages, comma-separated. */
static const char *names(const parity_walk *w, const size_t *v, size_t n) {
    static char buf[1024];
    buf[0] = '\0';
    for (size_t k = 0; k < n; k++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", k ? "," : "",
                 name_of(w, (long)v[k]));
    return buf;
}

static const char *from_of(const parity_walk *w, const char *name) {
    long i = at(w, name);
    const parity_blame *b = i >= 0 ? parity_walk_blame(w, (size_t)i) : NULL;
    return b ? names(w, b->from, b->n_from) : "(no blame)";
}

/* Two branches joined: the order rule blames the join (its jump over the
 * clean branch computed just before it is the largest); the data flow
 * blames the branch that differs, the join and the output inherit. */
static void test_branches(void) {
    const spec s[] = {
        {"x", 0, NULL, NULL, 1, 0, 0},     {"a", 2e-3, "x", NULL, 0, 0, 0},
        {"b", 0, "x", NULL, 0, 0, 0},      {"c", 3e-3, "a,b", NULL, 0, 0, 0},
        {"out", 3e-3, "c", NULL, 0, 0, 0},
    };
    opened o = run("branches", s, 5, 0); /* no data flow: the order rule */
    CHECK(parity_walk_blame_rule(o.walk, NULL) == PARITY_BLAME_ORDER);
    CHECK(parity_walk_blame(o.walk, 0) == NULL);
    CHECK_EQ_STR(name_of(o.walk, parity_walk_culprit(o.walk)), "c");
    CHECK_EQ_INT(parity_walk_culprits(o.walk, NULL), 1);
    CHECK_EQ_INT(parity_walk_path(o.walk, NULL), 0);
    done(&o);
    int side = 7;
    o = run("branches_flow", s, 5, FLOW_REF);
    CHECK(parity_walk_blame_rule(o.walk, &side) == PARITY_BLAME_DATAFLOW);
    CHECK_EQ_INT(side, 0);
    CHECK_EQ_STR(name_of(o.walk, parity_walk_culprit(o.walk)), "a");
    CHECK(role(o.walk, "a") == PARITY_ROLE_INTRODUCES);
    CHECK(role(o.walk, "b") == PARITY_ROLE_MATCH);
    CHECK(role(o.walk, "c") == PARITY_ROLE_INHERITS);
    CHECK(role(o.walk, "out") == PARITY_ROLE_INHERITS);
    CHECK_EQ_STR(from_of(o.walk, "c"), "a");
    CHECK_EQ_STR(from_of(o.walk, "out"), "a");
    const parity_blame *c = parity_walk_blame(o.walk, (size_t)at(o.walk, "c"));
    CHECK_EQ_STR(names(o.walk, c->parents, c->n_parents), "a,b");
    CHECK_EQ_STR(names(o.walk, c->through, c->n_through), "a"); /* b carries nothing */
    CHECK_NEAR_DBL(c->jump, 1.5, 1e-5);
    const parity_blame *a = parity_walk_blame(o.walk, (size_t)at(o.walk, "a"));
    CHECK_NEAR_DBL(a->jump, 2e-3 / 1e-6, 1e-5); /* its input is exact: the floor */
    CHECK(a->via == PARITY_VIA_PARENTS && !a->amplified);
    const size_t *p = NULL;
    size_t n = parity_walk_path(o.walk, &p);
    CHECK_EQ_STR(names(o.walk, p, n), "x,a,c,out");
    done(&o);
    o = run("branches_port", s, 5, FLOW_PORT); /* the port's graph, the same answer */
    CHECK(parity_walk_blame_rule(o.walk, &side) == PARITY_BLAME_DATAFLOW);
    CHECK_EQ_INT(side, 1);
    CHECK_EQ_STR(name_of(o.walk, parity_walk_culprit(o.walk)), "a");
    CHECK_EQ_STR(from_of(o.walk, "out"), "a");
    done(&o);
}

/* A SMALL DIFF input and a LARGE DIFF stage: amplified past x100, the
 * stage introduces its own error; within x100 it inherits. */
static void test_amplification(void) {
    const spec s[] = {
        {"x", 0, NULL, NULL, 1, 0, 0},        {"p", 1e-3, "x", NULL, 0, 0, 0},
        {"big", 0.5, "p", NULL, 0, 0, 0},     {"mild", 0.05, "p", NULL, 0, 0, 0},
        {"after", 0.5, "big", NULL, 0, 0, 0},
    };
    opened o = run("amplify", s, 5, FLOW_REF);
    CHECK(role(o.walk, "p") == PARITY_ROLE_INTRODUCES);
    CHECK(role(o.walk, "big") == PARITY_ROLE_INTRODUCES);
    CHECK(parity_walk_blame(o.walk, (size_t)at(o.walk, "big"))->amplified);
    CHECK_NEAR_DBL(parity_walk_blame(o.walk, (size_t)at(o.walk, "big"))->jump, 500, 1e-4);
    CHECK(role(o.walk, "mild") == PARITY_ROLE_INHERITS);
    CHECK_EQ_STR(from_of(o.walk, "mild"), "p");
    CHECK_EQ_STR(from_of(o.walk, "after"), "big");
    const size_t *c = NULL;
    size_t n = parity_walk_culprits(o.walk, &c); /* the LARGE DIFF one first */
    CHECK_EQ_STR(names(o.walk, c, n), "big,p");
    CHECK_EQ_STR(name_of(o.walk, parity_walk_culprit(o.walk)), "big");
    done(&o);
    /* the limit is an option: x1000 makes "big" inherit */
    char a[600], b[600];
    parity_error e;
    parity_walk_opts wo = parity_walk_opts_default();
    wo.amplify_limit = 1000;
    snprintf(a, sizeof a, "%s/amplify_ref.safetensors", dir);
    snprintf(b, sizeof b, "%s/amplify_port.safetensors", dir);
    CHECK_OK(parity_set_open(a, NULL, &o.ref, &e), &e);
    CHECK_OK(parity_set_open(b, NULL, &o.port, &e), &e);
    CHECK_OK(parity_walk_run(o.ref, o.port, &wo, &o.walk, &e), &e);
    CHECK(role(o.walk, "big") == PARITY_ROLE_INHERITS);
    done(&o);
}

/* An error below the MATCH tolerance carried through MATCH stages, past
 * the tolerance again later within x100: inherited from the first stage
 * that introduced it. A stage far past what its inputs carry introduces. */
static void test_carried(void) {
    const spec s[] = {
        {"x", 0, NULL, NULL, 1, 0, 0},    {"g0", 1.5e-4, "x", NULL, 0, 0, 0},
        {"m", 6e-5, "g0", NULL, 0, 0, 0}, {"g1", 1.3e-4, "m", NULL, 0, 0, 0},
        {"own", 0.2, "m", NULL, 0, 0, 0}, {"clean", 3e-5, "x", NULL, 0, 0, 0},
    };
    opened o = run("carried", s, 6, FLOW_REF);
    CHECK(role(o.walk, "g0") == PARITY_ROLE_INTRODUCES);
    CHECK(role(o.walk, "m") == PARITY_ROLE_MATCH);
    CHECK_EQ_STR(from_of(o.walk, "m"), "g0"); /* carried below the tolerance */
    CHECK(role(o.walk, "g1") == PARITY_ROLE_INHERITS);
    CHECK_EQ_STR(from_of(o.walk, "g1"), "g0");
    CHECK(role(o.walk, "own") == PARITY_ROLE_INTRODUCES);
    CHECK(!parity_walk_blame(o.walk, (size_t)at(o.walk, "own"))->amplified);
    CHECK_EQ_STR(from_of(o.walk, "clean"), ""); /* MATCH over exact inputs: nothing */
    done(&o);
}

/* A parent with no partner is looked past to its own compared parents;
 * one that records none (a table computed from no traced tensor) leaves
 * "cannot tell", with its name; one that is the reference's alias of a
 * compared stage resolves to that stage. */
static void test_unpaired_and_alias(void) {
    const spec s[] = {
        {"x", 0, NULL, NULL, 1, 0, 0},
        {"u", 0, "x", NULL, 0, 1, 0},     /* only in ref */
        {"t", 0, "u", NULL, 0, 1, 0},     /* only in ref, from u */
        {"v", 0.3, "t,x", NULL, 0, 0, 0}, /* its compared ancestors match */
        {"k", 0, NULL, NULL, 0, 1, 0},    /* only in ref, no parents */
        {"y", 0.3, "k,x", NULL, 0, 0, 0}, /* ... so this cannot tell */
        {"a", 0.2, "x", NULL, 0, 0, 0},
        {"drop", 0.2, "a", "a", 0, 0, 4},  /* alias of a, paired */
        {"copy", 0, "x", "x", 0, 1, 1},    /* alias of x, ref only */
        {"w", 0.1, "copy", NULL, 0, 0, 0}, /* resolved through the copy */
        {"after", 0.2, "drop", NULL, 0, 0, 0},
        {"blk", 0.2, "x", "a", 0, 0, 4}, /* a container returning a */
    };
    opened o = run("unpaired", s, 12, FLOW_REF);
    const parity_blame *b = parity_walk_blame(o.walk, (size_t)at(o.walk, "v"));
    CHECK(b->role == PARITY_ROLE_INTRODUCES);
    CHECK_EQ_STR(names(o.walk, b->parents, b->n_parents), "x");
    CHECK_EQ_INT(b->n_missing, 0);
    CHECK(b->n_past == 1 && strcmp(b->past[0], "t") == 0);
    b = parity_walk_blame(o.walk, (size_t)at(o.walk, "y"));
    CHECK(b->role == PARITY_ROLE_UNKNOWN);
    CHECK_EQ_INT(b->n_missing, 1);
    CHECK(b->n_missing == 1 && strcmp(b->missing[0], "k") == 0);
    CHECK(role(o.walk, "drop") == PARITY_ROLE_INHERITS);
    CHECK(parity_walk_blame(o.walk, (size_t)at(o.walk, "drop"))->via == PARITY_VIA_ALIAS);
    CHECK_EQ_STR(from_of(o.walk, "drop"), "a");
    CHECK_EQ_STR(from_of(o.walk, "after"), "a");
    CHECK(role(o.walk, "blk") == PARITY_ROLE_INHERITS); /* its own parent x matches */
    const parity_blame *w = parity_walk_blame(o.walk, (size_t)at(o.walk, "w"));
    CHECK_EQ_STR(names(o.walk, w->parents, w->n_parents), "x");
    CHECK(w->role == PARITY_ROLE_INTRODUCES);
    const size_t *c = NULL;
    size_t n = parity_walk_culprits(o.walk, &c); /* introducers first, then unknown */
    CHECK_EQ_STR(names(o.walk, c, n), "v,a,w,y");
    CHECK_EQ_STR(name_of(o.walk, parity_walk_culprit(o.walk)), "v");
    done(&o);
}

/* Stages inside a module (names extending it with a dot) and the model
 * inputs: a module whose own inputs match inherits from the stage inside
 * it that introduces; a stage with no parents, after one that matches,
 * inherits from a model input that differs, and after one that differs,
 * from that one (added by hand: the trace does not say what it came
 * from). */
static void test_inside_and_inputs(void) {
    const spec s[] = {
        {"tokens", 0, NULL, NULL, 1, 0, 0},       {"noise", 2e-3, NULL, NULL, 1, 0, 0},
        {"clean", 0, "tokens", NULL, 0, 0, 0},    {"free", 0.01, NULL, NULL, 0, 0, 0},
        {"blk.q", 0.1, "tokens", NULL, 0, 0, 0},  {"blk.o", 0.1, "blk.q", NULL, 0, 0, 0},
        {"blk", 0.05, "tokens", NULL, 0, 0, 0},   {"hand", 0.05, NULL, NULL, 0, 0, 0},
        {"@root", 0.05, "tokens", NULL, 0, 0, 0},
    };
    opened o = run("inside", s, 9, FLOW_REF);
    CHECK(role(o.walk, "hand") == PARITY_ROLE_INHERITS);
    CHECK(parity_walk_blame(o.walk, (size_t)at(o.walk, "hand"))->via == PARITY_VIA_ORDER);
    CHECK_EQ_STR(from_of(o.walk, "hand"), "blk.q");
    CHECK(role(o.walk, "noise") == PARITY_ROLE_INTRODUCES);
    CHECK(parity_walk_blame(o.walk, (size_t)at(o.walk, "noise"))->via == PARITY_VIA_INPUTS);
    CHECK(role(o.walk, "blk.q") == PARITY_ROLE_INTRODUCES);
    CHECK(role(o.walk, "blk") == PARITY_ROLE_INHERITS);
    CHECK(parity_walk_blame(o.walk, (size_t)at(o.walk, "blk"))->via == PARITY_VIA_INSIDE);
    CHECK_EQ_STR(from_of(o.walk, "blk"), "blk.q");
    CHECK(role(o.walk, "free") == PARITY_ROLE_INHERITS);
    CHECK(parity_walk_blame(o.walk, (size_t)at(o.walk, "free"))->via == PARITY_VIA_INPUTS);
    CHECK_EQ_STR(from_of(o.walk, "free"), "noise");
    CHECK_EQ_STR(from_of(o.walk, "@root"), "noise,blk.q"); /* everything is inside it */
    done(&o);
}

/* Both sides record parents: a stage whose port parents name another
 * stage is listed, with the port's parents; blame follows the reference. */
static void test_disagree(void) {
    spec s[] = {
        {"x", 0, NULL, NULL, 1, 0, 0},
        {"a", 0, "x", NULL, 0, 0, 0},
        {"b", 0, "x", NULL, 0, 0, 0},
        {"c", 0.2, "a,b", NULL, 0, 0, 0},
    };
    char a[600], b[600];
    parity_error e;
    opened o = {NULL, NULL, NULL};
    snprintf(a, sizeof a, "%s/disagree_ref.safetensors", dir);
    snprintf(b, sizeof b, "%s/disagree_port.safetensors", dir);
    write_side(a, s, 4, 0, FLOW_REF | FLOW_PORT);
    s[3].parents = "a,x"; /* the port adds x where the reference adds b */
    write_side(b, s, 4, 1, FLOW_REF | FLOW_PORT);
    CHECK_OK(parity_set_open(a, NULL, &o.ref, &e), &e);
    CHECK_OK(parity_set_open(b, NULL, &o.port, &e), &e);
    CHECK_OK(parity_walk_run(o.ref, o.port, NULL, &o.walk, &e), &e);
    const size_t *d = NULL;
    size_t n = parity_walk_flow_disagree(o.walk, &d);
    CHECK_EQ_STR(names(o.walk, d, n), "c");
    const parity_blame *c = parity_walk_blame(o.walk, (size_t)at(o.walk, "c"));
    CHECK(c->disagrees);
    CHECK_EQ_STR(names(o.walk, c->parents, c->n_parents), "a,b");
    CHECK_EQ_STR(names(o.walk, c->other, c->n_other), "x,a");
    CHECK(c->role == PARITY_ROLE_INTRODUCES);
    done(&o);
}

/* Step pairs: the reference ran once over 4 positions ([4, 16] per stage,
 * parents recorded), the port once per position (x, x#1, ..., [16] each,
 * no parents). Each position's stage has the parents of its own position;
 * the port's bug at positions 2 and 3 of y is introduced there and
 * inherited by z at the same positions only. */
static void test_steps(void) {
    char a[600], b[600];
    parity_error e;
    parity_writer *w;
    float r[3][4][16], p[16];
    const int64_t sh[2] = {4, 16}, sh1[1] = {16};
    snprintf(a, sizeof a, "%s/steps_ref.safetensors", dir);
    snprintf(b, sizeof b, "%s/steps_port.safetensors", dir);
    for (int s = 0; s < 3; s++)
        for (int t = 0; t < 4; t++)
            for (int i = 0; i < 16; i++) r[s][t][i] = (float)(sin(0.3 * i + t + 2.0 * s) + 1.5);
    const char *nm[3] = {"x", "y", "z"};
    CHECK_OK(parity_writer_open(a, &w, &e), &e);
    for (int s = 0; s < 3; s++)
        CHECK_OK(parity_writer_add(w, nm[s], PARITY_DT_F32, 2, sh, r[s], &e), &e);
    CHECK_OK(parity_writer_meta(w, "parity.order", "[\"x\",\"y\",\"z\"]", &e), &e);
    CHECK_OK(parity_writer_meta(w, "parity.parents", "{\"y\":[\"x\"],\"z\":[\"y\"]}", &e), &e);
    CHECK_OK(parity_writer_close(w, &e), &e);
    char order[512] = "[";
    CHECK_OK(parity_writer_open(b, &w, &e), &e);
    for (int t = 0; t < 4; t++)
        for (int s = 0; s < 3; s++) {
            char name[32];
            double err = s == 1 && t >= 2 ? 0.1 : 0;
            snprintf(name, sizeof name, t ? "%s#%d" : "%s", nm[s], t);
            for (int i = 0; i < 16; i++)
                p[i] = (float)(r[s][t][i] * (1 + err) * (s == 2 && t >= 2 ? 1.1 : 1));
            CHECK_OK(parity_writer_add(w, name, PARITY_DT_F32, 1, sh1, p, &e), &e);
            snprintf(order + strlen(order), sizeof order - strlen(order), "%s\"%s\"",
                     order[1] ? "," : "", name);
        }
    strcat(order, "]");
    CHECK_OK(parity_writer_meta(w, "parity.order", order, &e), &e);
    CHECK_OK(parity_writer_close(w, &e), &e);
    opened o = {NULL, NULL, NULL};
    CHECK_OK(parity_set_open(a, NULL, &o.ref, &e), &e);
    CHECK_OK(parity_set_open(b, NULL, &o.port, &e), &e);
    CHECK_OK(parity_walk_run(o.ref, o.port, NULL, &o.walk, &e), &e);
    CHECK_EQ_INT(parity_walk_stage_count(o.walk), 12);
    CHECK(role(o.walk, "y@1") == PARITY_ROLE_MATCH);
    CHECK(role(o.walk, "y@2") == PARITY_ROLE_INTRODUCES);
    CHECK(role(o.walk, "y@3") == PARITY_ROLE_INTRODUCES);
    CHECK(role(o.walk, "z@1") == PARITY_ROLE_MATCH);
    CHECK(role(o.walk, "z@2") == PARITY_ROLE_INHERITS);
    CHECK_EQ_STR(from_of(o.walk, "z@2"), "y@2");
    CHECK_EQ_STR(from_of(o.walk, "z@3"), "y@3");
    const parity_blame *z = parity_walk_blame(o.walk, (size_t)at(o.walk, "z@3"));
    CHECK_EQ_STR(names(o.walk, z->parents, z->n_parents), "y@3");
    CHECK_EQ_STR(name_of(o.walk, parity_walk_culprit(o.walk)), "y@2");
    done(&o);
}

/* Parents the format forbids: one recorded after its child (here a cycle,
 * a <- b <- a), the stage itself, a name that is no stage: each skipped,
 * so the graph stays acyclic and nothing is missing. */
static void test_malformed(void) {
    const spec s[] = {
        {"a", 0.1, "b", NULL, 0, 0, 0},
        {"b", 0.1, "a,b,zz", NULL, 0, 0, 0},
    };
    opened o = run("malformed", s, 2, FLOW_REF);
    const parity_blame *a = parity_walk_blame(o.walk, (size_t)at(o.walk, "a"));
    const parity_blame *b = parity_walk_blame(o.walk, (size_t)at(o.walk, "b"));
    CHECK(a->role == PARITY_ROLE_INTRODUCES && a->n_parents == 0 && a->n_missing == 0);
    CHECK(b->role == PARITY_ROLE_INHERITS && b->n_missing == 0);
    CHECK_EQ_STR(names(o.walk, b->parents, b->n_parents), "a");
    done(&o);
}

int main(void) {
    if (!mkdtemp(dir)) return 2;
    test_branches();
    test_amplification();
    test_carried();
    test_unpaired_and_alias();
    test_inside_and_inputs();
    test_disagree();
    test_steps();
    test_malformed();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    return TEST_SUMMARY();
}
