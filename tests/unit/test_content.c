/*
 * test_content.c — pairing by content (docs/matching.md): traces whose
 * names share nothing, built in memory with seeded values, paired by what
 * they hold, in execution order or without one; the stage a bug scrambles
 * paired by its place; an exact stage preferred to one merely correlated
 * (a LayerNorm's output and its input); unrelated traces left unpaired;
 * --pair auto/names/content; the map file reproducing the pairing; a
 * port traced one position at a time under its own names, its series
 * paired with the stacked reference by content (and the other way).
 */
#include "analysis/steps.h"

#include "testutil.h"

#include <unistd.h>

#define T 12 /* tokens   */
#define D 20 /* features */
#define MAXT 64

/* A set under construction; the test owns every tensor's values. */
typedef struct builder {
    parity_set *set;
    double *data[MAXT];
    size_t n;
} builder;

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static double gauss(void) { /* sum of uniforms: enough for a test */
    double s = 0;
    for (int k = 0; k < 12; k++) {
        g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
        s += (double)(g_rng >> 11) / 9007199254740992.0;
    }
    return s - 6;
}

static void b_init(builder *b, const char *path, parity_order_source order) {
    memset(b, 0, sizeof *b);
    b->set = calloc(1, sizeof *b->set);
    b->set->path = strdup(path);
    b->set->opts = parity_open_opts_default();
    b->set->order_source = order;
}

/* Add name with shape [d0, d1] and values v (copied). */
static void b_add(builder *b, const char *name, int64_t d0, int64_t d1, const double *v) {
    parity_tensor t;
    memset(&t, 0, sizeof t);
    t.name = parity__set_strdup(b->set, name, strlen(name));
    t.file = b->set->path;
    t.dtype = PARITY_DT_F64;
    t.ndim = 2, t.shape[0] = d0, t.shape[1] = d1;
    t.count = (uint64_t)(d0 * d1);
    parity__strides_c(&t);
    double *copy = malloc(t.count * sizeof *copy);
    memcpy(copy, v, t.count * sizeof *copy);
    b->data[b->n++] = copy;
    t.data = (const unsigned char *)copy;
    t.nbytes = t.count * 8;
    CHECK_EQ_INT(parity__set_add(b->set, &t, NULL), PARITY_OK);
}

/* Add name as the port stores it: [D, T], the transpose of x [T, D]. */
static void b_add_t(builder *b, const char *name, const double *x) {
    double y[T * D];
    for (int i = 0; i < T; i++)
        for (int j = 0; j < D; j++) y[j * T + i] = x[i * D + j];
    b_add(b, name, D, T, y);
}

static parity_set *b_done(builder *b) {
    CHECK_EQ_INT(parity__set_index(b->set, NULL), PARITY_OK);
    return b->set;
}

static void b_free(builder *b) {
    parity_set_free(b->set);
    for (size_t i = 0; i < b->n; i++) free(b->data[i]);
}

static void fill(double *x, size_t n, double scale) {
    for (size_t i = 0; i < n; i++) x[i] = scale * gauss();
}

static parity_match *run(const parity_set *r, const parity_set *p, parity_pairing how) {
    parity_match_opts o = {0};
    o.pairing = how;
    parity_match *m = NULL;
    parity_error err = {0}, *ep = &err;
    CHECK_OK(parity_match_sets(r, p, &o, &m, ep), ep);
    return m;
}

/* The port name paired with ref name, or NULL. */
static const char *partner(const parity_match *m, const char *ref) {
    for (size_t i = 0; i < parity_match_count(m); i++)
        if (strcmp(parity_match_pair(m, i)->ref->name, ref) == 0)
            return parity_match_pair(m, i)->port->name;
    return NULL;
}

static const parity_pair *pair_of(const parity_match *m, const char *ref) {
    for (size_t i = 0; i < parity_match_count(m); i++)
        if (strcmp(parity_match_pair(m, i)->ref->name, ref) == 0) return parity_match_pair(m, i);
    return NULL;
}

static void expect_partner(const parity_match *m, const char *ref, const char *port) {
    const char *got = partner(m, ref);
    CHECK_MSG(got && strcmp(got, port) == 0, "%s paired with %s, expected %s", ref,
              got ? got : "(none)", port);
}

/* A block of a made-up model: four stages of [T, D], each its own values
 * except norm, which is add standardized per row (so it correlates with
 * add at about 0.97 without being it). */
typedef struct block {
    double attn[T * D], add[T * D], norm[T * D], ffn[T * D];
} block;

static void make_block(block *k) {
    fill(k->attn, T * D, 1);
    fill(k->add, T * D, 3);
    for (int i = 0; i < T * D; i++) k->add[i] += k->attn[i];
    for (int i = 0; i < T; i++) {
        double m = 0, v = 0;
        for (int j = 0; j < D; j++) m += k->add[i * D + j];
        m /= D;
        for (int j = 0; j < D; j++) v += (k->add[i * D + j] - m) * (k->add[i * D + j] - m);
        v = sqrt(v / D + 1e-5);
        for (int j = 0; j < D; j++) k->norm[i * D + j] = (k->add[i * D + j] - m) / v;
    }
    fill(k->ffn, T * D, 0.5);
}

static const char *KIND[4] = {"attn", "add", "norm", "ffn"};
static const double *part(const block *k, int s) {
    return s == 0 ? k->attn : s == 1 ? k->add : s == 2 ? k->norm : k->ffn;
}

/* Ordered traces, names sharing nothing, the port transposed, adding q, k,
 * v before each attention and omitting block 1's norm: every stage pairs
 * with its partner; an exact stage wins over its correlated norm; the
 * extras and the omitted stage stay unpaired. */
static void test_ordered(void) {
    builder r, p;
    block k[3];
    b_init(&r, "ref", PARITY_ORDER_METADATA);
    b_init(&p, "port", PARITY_ORDER_METADATA);
    char name[64];
    double extra[T * D];
    for (int b = 0; b < 3; b++) {
        make_block(&k[b]);
        for (int s = 0; s < 4; s++) {
            snprintf(name, sizeof name, "model.layers.%d.%s", b, KIND[s]);
            b_add(&r, name, T, D, part(&k[b], s));
        }
        for (int s = 0; s < 4; s++) {
            if (s == 0)
                for (int e = 0; e < 3; e++) {
                    fill(extra, T * D, 1);
                    snprintf(name, sizeof name, "blk%d/%c", b, "qkv"[e]);
                    b_add_t(&p, name, extra);
                }
            if (b == 1 && s == 2) continue;
            snprintf(name, sizeof name, "blk%d/%s_out", b, KIND[s]);
            b_add_t(&p, name, part(&k[b], s));
        }
    }
    parity_set *rs = b_done(&r), *ps = b_done(&p);
    parity_match *m = run(rs, ps, PARITY_PAIRING_AUTO);
    if (m) {
        CHECK(parity_match_content_ran(m));
        for (int b = 0; b < 3; b++)
            for (int s = 0; s < 4; s++) {
                char rn[64], pn[64];
                snprintf(rn, sizeof rn, "model.layers.%d.%s", b, KIND[s]);
                snprintf(pn, sizeof pn, "blk%d/%s_out", b, KIND[s]);
                if (b == 1 && s == 2) CHECK_MSG(!partner(m, rn), "%s paired", rn);
                else expect_partner(m, rn, pn);
            }
        const parity_pair *pr = pair_of(m, "model.layers.0.add");
        if (CHECK(pr)) {
            CHECK_EQ_INT(pr->how, PARITY_MATCH_CONTENT);
            CHECK(pr->confidence > 0.999);
            CHECK(pr->layout_ok && strstr(pr->layout, "permute"));
        }
        CHECK_EQ_U64(parity_match_unpaired_count(m, 0), 1);
        CHECK_EQ_U64(parity_match_unpaired_count(m, 1), 9);
        parity_coverage c;
        parity_match_coverage(m, &c);
        CHECK_EQ_U64(c.by_content, 11);
        CHECK_EQ_U64(c.by_structure, 0);
    }
    parity_match_free(m);
    b_free(&r), b_free(&p);
}

/* A bug that scrambles one stage (a transposed weight leaves its output
 * uncorrelated): between two exact neighbours it still pairs, by its
 * place, with confidence 0.6; without an order it pairs by elimination
 * when it is the only one left. */
static void test_scrambled(parity_order_source order) {
    builder r, p;
    block k;
    make_block(&k);
    double junk[T * D];
    fill(junk, T * D, 1);
    b_init(&r, "ref", PARITY_ORDER_METADATA);
    b_init(&p, "port", order);
    for (int s = 0; s < 4; s++) {
        char rn[32], pn[32];
        snprintf(rn, sizeof rn, "enc.%s", KIND[s]);
        snprintf(pn, sizeof pn, "p_%c_%s", 'a' + (3 - s), KIND[s]); /* name order != run order */
        b_add(&r, rn, T, D, part(&k, s));
        b_add_t(&p, pn, s == 1 ? junk : part(&k, s));
    }
    parity_set *rs = b_done(&r), *ps = b_done(&p);
    parity_match *m = run(rs, ps, PARITY_PAIRING_AUTO);
    if (m) {
        expect_partner(m, "enc.attn", "p_d_attn");
        expect_partner(m, "enc.add", "p_c_add");
        expect_partner(m, "enc.norm", "p_b_norm");
        expect_partner(m, "enc.ffn", "p_a_ffn");
        const parity_pair *pr = pair_of(m, "enc.add");
        if (CHECK(pr && pr->proposal)) {
            CHECK(pr->proposal->by_structure);
            CHECK_EQ_DBL(pr->confidence, 0.6);
        }
    }
    parity_match_free(m);
    b_free(&r), b_free(&p);
}

/* Two traces of the same shapes and unrelated values: nothing pairs, and
 * every verb will say "0 of N compared". */
static void test_unrelated(parity_order_source order) {
    builder r, p;
    double x[T * D];
    b_init(&r, "ref", PARITY_ORDER_METADATA);
    b_init(&p, "port", order);
    char name[32];
    for (int s = 0; s < 5; s++) {
        snprintf(name, sizeof name, "r%d", s);
        fill(x, T * D, 1);
        b_add(&r, name, T, D, x);
        snprintf(name, sizeof name, "p%d", s);
        fill(x, T * D, 1);
        b_add(&p, name, T, D, x);
    }
    parity_set *rs = b_done(&r), *ps = b_done(&p);
    parity_match *m = run(rs, ps, PARITY_PAIRING_AUTO);
    if (m) {
        CHECK(parity_match_content_ran(m));
        CHECK_EQ_U64(parity_match_count(m), 0);
        CHECK_EQ_U64(parity_match_unpaired_count(m, 0), 5);
        for (size_t i = 0; i < parity_match_proposal_count(m); i++)
            CHECK(!parity_match_proposal(m, i)->used);
    }
    parity_match_free(m);
    b_free(&r), b_free(&p);
}

/* auto runs only when names pair fewer than half of the stages; names
 * never; content always (and only on what names left). */
static void test_modes(void) {
    builder r, p;
    block k;
    make_block(&k);
    b_init(&r, "ref", PARITY_ORDER_METADATA);
    b_init(&p, "port", PARITY_ORDER_METADATA);
    const char *rn[4] = {"a", "b", "c", "d"}, *pn[4] = {"a", "b", "c", "renamed_d"};
    for (int s = 0; s < 4; s++) {
        b_add(&r, rn[s], T, D, part(&k, s));
        b_add(&p, pn[s], T, D, part(&k, s));
    }
    parity_set *rs = b_done(&r), *ps = b_done(&p);
    parity_match *m = run(rs, ps, PARITY_PAIRING_AUTO); /* 3 of 4 by name */
    if (m) {
        CHECK(!parity_match_content_ran(m));
        CHECK_EQ_U64(parity_match_count(m), 3);
    }
    parity_match_free(m);
    m = run(rs, ps, PARITY_PAIRING_CONTENT);
    if (m) {
        CHECK(parity_match_content_ran(m));
        CHECK_EQ_U64(parity_match_count(m), 4);
        expect_partner(m, "d", "renamed_d");
        CHECK_EQ_INT(pair_of(m, "a")->how, PARITY_MATCH_EXACT);
    }
    parity_match_free(m);
    m = run(rs, ps, PARITY_PAIRING_NAMES);
    if (m) CHECK_EQ_U64(parity_match_count(m), 3);
    parity_match_free(m);
    b_free(&r), b_free(&p);
}

/* The map parity match writes pairs the same stages by name alone. */
static void test_map_reproduces(void) {
    builder r, p;
    block k[2];
    b_init(&r, "ref", PARITY_ORDER_METADATA);
    b_init(&p, "port", PARITY_ORDER_METADATA);
    char name[64];
    for (int b = 0; b < 2; b++) {
        make_block(&k[b]);
        for (int s = 0; s < 4; s++) {
            snprintf(name, sizeof name, "layers.%d.%s", b, KIND[s]);
            b_add(&r, name, T, D, part(&k[b], s));
            snprintf(name, sizeof name, "B%d (%s) => x.y[%d]$", b, KIND[s], s); /* regex chars */
            b_add_t(&p, name, part(&k[b], s));
        }
    }
    parity_set *rs = b_done(&r), *ps = b_done(&p);
    parity_match *m = run(rs, ps, PARITY_PAIRING_AUTO);
    size_t n_rules = 0;
    char *text = m ? parity_match_map_text(m, "ref", "port", &n_rules) : NULL;
    if (CHECK(text)) {
        CHECK_EQ_U64(n_rules, 8);
        const char *dir = getenv("PARITY_BUILD");
        char path[512];
        snprintf(path, sizeof path, "%s/test_content_%d.map", dir && *dir ? dir : "/tmp",
                 (int)getpid());
        FILE *f = fopen(path, "w");
        if (CHECK(f)) {
            fputs(text, f);
            fclose(f);
            parity_match_opts o = {.map_file = path, .pairing = PARITY_PAIRING_NAMES};
            parity_match *m2 = NULL;
            parity_error err = {0}, *ep = &err;
            if (CHECK_OK(parity_match_sets(rs, ps, &o, &m2, ep), ep)) {
                CHECK_EQ_U64(parity_match_count(m2), parity_match_count(m));
                for (size_t i = 0; i < parity_match_count(m); i++) {
                    const parity_pair *a = parity_match_pair(m, i);
                    CHECK_EQ_STR(partner(m2, a->ref->name), a->port->name);
                    CHECK_EQ_INT(pair_of(m2, a->ref->name)->how, PARITY_MATCH_MAP);
                }
            }
            parity_match_free(m2);
            unlink(path);
        }
    }
    parity_free(text);
    parity_match_free(m);
    b_free(&r), b_free(&p);
}

/* A port that runs one position at a time under its own names ("p.attn",
 * "p.attn#1", ...: row t of the reference's [T, D]) pairs series by series
 * with the stacked reference by content, every position with its row: add
 * with add although norm correlates with it at about 0.97, and ffn, where
 * the port has a bug (a 1.5 scale and noise), with ffn. --pair names
 * leaves every series unpaired. With the sides swapped (the reference per
 * position, the port stacked under its own names) the same. */
static void test_series(int ref_stacked) {
    builder r, p;
    block k;
    make_block(&k);
    b_init(&r, "ref", PARITY_ORDER_METADATA);
    b_init(&p, "port", PARITY_ORDER_METADATA);
    builder *whole = ref_stacked ? &r : &p, *steps = ref_stacked ? &p : &r;
    char name[64];
    for (int s = 0; s < 4; s++) {
        snprintf(name, sizeof name, "%s.%s", ref_stacked ? "layers" : "stacked", KIND[s]);
        b_add(whole, name, T, D, part(&k, s));
    }
    for (int t = 0; t < T; t++) {
        for (int s = 0; s < 4; s++) {
            double row[D];
            memcpy(row, part(&k, s) + t * D, sizeof row);
            for (int j = 0; s == 3 && j < D; j++) row[j] = 1.5 * row[j] + 0.3 * gauss();
            if (t) snprintf(name, sizeof name, "p.%s#%d", KIND[s], t);
            else snprintf(name, sizeof name, "p.%s", KIND[s]);
            b_add(steps, name, 1, D, row);
        }
    }
    parity_set *rs = b_done(&r), *ps = b_done(&p);
    parity_match *m = run(rs, ps, PARITY_PAIRING_AUTO);
    if (CHECK(m)) {
        CHECK_EQ_U64(parity_match_count(m), 4 * T);
        CHECK_EQ_U64(parity_match_unpaired_count(m, 0) + parity_match_unpaired_count(m, 1), 0);
        for (size_t i = 0; i < parity_match_count(m); i++) {
            const parity_pair *q = parity_match_pair(m, i);
            const char *series = ref_stacked ? q->port->name : q->ref->name;
            const char *stacked = ref_stacked ? q->ref->name : q->port->name;
            char want[64];
            int64_t at = parity__step_split(series, want, sizeof want);
            CHECK_EQ_INT(q->how, PARITY_MATCH_CONTENT);
            CHECK_EQ_INT((int)q->step, (int)at);
            CHECK_EQ_INT(q->step_side, ref_stacked ? 0 : 1);
            CHECK_EQ_STR(strchr(stacked, '.'), strchr(want, '.')); /* the same kind */
            CHECK_MSG(q->confidence > (strstr(want, "ffn") ? 0.9 : 0.999),
                      "%s: confidence %.4f", series, q->confidence);
        }
    }
    parity_match_free(m);
    m = run(rs, ps, PARITY_PAIRING_NAMES);
    if (CHECK(m)) CHECK_EQ_U64(parity_match_count(m), 0);
    parity_match_free(m);
    b_free(&r), b_free(&p);
}

int main(void) {
    test_ordered();
    test_scrambled(PARITY_ORDER_METADATA);
    test_scrambled(PARITY_ORDER_NATURAL);
    test_unrelated(PARITY_ORDER_METADATA);
    test_unrelated(PARITY_ORDER_NATURAL);
    test_modes();
    test_map_reproduces();
    test_series(1);
    test_series(0);
    return TEST_SUMMARY();
}
