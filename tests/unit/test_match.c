/*
 * test_match.c — pairing two tensor sets (docs/matching.md): exact, normalized,
 * --map rules, by order, only/skip globs, unpaired lists, collisions, and
 * parity_name_normalize itself.
 *
 * Sets are built in memory through the readers' internal API (the order of
 * insertion is the execution order); map files are written to the build
 * directory (PARITY_BUILD) or /tmp.
 */
#include "internal.h"

#include "testutil.h"

#include <unistd.h>

static const char *str(const char *s) { return s; } /* see test_layout.c */

static double g_data[64]; /* every tensor views this (values irrelevant) */

/* A set named path with tensors names[n] in that order; tensor i has
 * ndims[i] dims dims[i][] (both NULL: every tensor has shape [2]). */
static parity_set *mkset_shaped(const char *path, const char *const *names,
                                size_t n, const int *ndims,
                                const int64_t (*dims)[4]) {
    parity_set *set = calloc(1, sizeof *set);
    set->path = strdup(path);
    set->opts = parity_open_opts_default();
    for (size_t i = 0; i < n; i++) {
        parity_tensor t;
        memset(&t, 0, sizeof t);
        t.name = parity__set_strdup(set, names[i], strlen(names[i]));
        t.file = set->path;
        t.dtype = PARITY_DT_F64;
        t.ndim = ndims ? ndims[i] : 1;
        t.count = 1;
        for (int k = 0; k < t.ndim; k++) {
            t.shape[k] = dims ? dims[i][k] : 2;
            t.count *= (uint64_t)t.shape[k];
        }
        parity__strides_c(&t);
        t.data = (const unsigned char *)g_data;
        t.nbytes = t.count * 8;
        CHECK_EQ_INT(parity__set_add(set, &t, NULL), PARITY_OK);
    }
    CHECK_EQ_INT(parity__set_index(set, NULL), PARITY_OK);
    return set;
}

static parity_set *mkset(const char *path, const char *const *names,
                         size_t n) {
    return mkset_shaped(path, names, n, NULL, NULL);
}

#define N(a) (sizeof(a) / sizeof(a)[0])

/* Match and return the result (NULL on failure, with a failed check). */
static parity_match *run(const parity_set *r, const parity_set *p,
                         const parity_match_opts *o) {
    parity_match *m = NULL;
    parity_error err = {0}, *ep = &err;
    CHECK_OK(parity_match_sets(r, p, o, &m, ep), ep);
    return m;
}

/* Pair i is (ref name, port name, how). */
static void expect_pair(const parity_match *m, size_t i, const char *ref,
                        const char *port, parity_match_how how) {
    const parity_pair *pr = parity_match_pair(m, i);
    if (!CHECK_MSG(pr != NULL, "no pair %zu", i)) return;
    CHECK_EQ_STR(pr->ref->name, ref);
    CHECK_EQ_STR(pr->port->name, port);
    CHECK_EQ_INT(pr->how, how);
}

/* The unpaired list of side is exactly names[n], in order. */
static void expect_unpaired(const parity_match *m, int side,
                            const char *const *names, size_t n) {
    CHECK_EQ_U64(parity_match_unpaired_count(m, side), n);
    for (size_t i = 0; i < n; i++) {
        const parity_tensor *t = parity_match_unpaired(m, side, i);
        if (!CHECK(t != NULL)) return;
        CHECK_EQ_STR(t->name, names[i]);
    }
    CHECK(parity_match_unpaired(m, side, n) == NULL);
}

/* Write text to a file in the build directory; returns its path (static). */
static const char *write_map(const char *name, const char *text) {
    static char path[4][1024];
    static int next;
    const char *dir = getenv("PARITY_BUILD");
    char *p = path[next++ % 4];
    snprintf(p, 1024, "%s/%s", dir && *dir ? dir : "/tmp", name);
    FILE *f = fopen(p, "w");
    if (!CHECK(f != NULL)) return p;
    fputs(text, f);
    fclose(f);
    return p;
}

static void check_norm(const char *in, const char *want) {
    char buf[128];
    CHECK_EQ_STR(str(parity_name_normalize(in, buf, sizeof buf)), want);
}

static void test_normalize(void) {
    check_norm("finalProj", "final.proj");
    check_norm("HTTPServer", "http.server");
    check_norm("getHTTPResponseCode", "get.http.response.code");
    check_norm("decoder.finalProj", "decoder.final.proj");
    check_norm("decoder/final_proj", "decoder.final.proj");
    check_norm("a:b-c_d.e/f", "a.b.c.d.e.f");
    check_norm("a__b//c", "a.b.c"); /* runs of separators are one */
    check_norm("layer2Norm", "layer2.norm");
    check_norm("conv1d.weight", "conv1d.weight");
    check_norm("ALLCAPS", "allcaps");
    check_norm("block#1", "block#1"); /* repeat suffixes are kept */
    check_norm("_x_", ".x.");
    check_norm("", "");
    char small[4];
    CHECK_EQ_STR(str(parity_name_normalize("abcdef", small, sizeof small)),
                 "abc");
    CHECK_EQ_STR(str(parity_name_normalize("aBcd", small, sizeof small)),
                 "a.b");
    char none[1] = {'z'};
    parity_name_normalize("abc", none, 0); /* cap 0 writes nothing */
    CHECK(none[0] == 'z');
}

/* Exact, then camelCase / separator normalization; unpaired both sides. */
static void test_names(void) {
    const char *rn[] = {"embed", "decoder.final_proj", "encoder.layers.0.attn",
                        "HTTPServer.out", "only_ref"};
    const char *pn[] = {"decoder/finalProj", "embed", "only_port",
                        "encoder-layers-0-attn", "http_server:out"};
    parity_set *r = mkset("ref", rn, N(rn)), *p = mkset("port", pn, N(pn));
    parity_match *m = run(r, p, NULL);
    if (m) {
        CHECK_EQ_U64(parity_match_count(m), 4);
        expect_pair(m, 0, "embed", "embed", PARITY_MATCH_EXACT);
        expect_pair(m, 1, "decoder.final_proj", "decoder/finalProj",
                    PARITY_MATCH_NORMALIZED);
        expect_pair(m, 2, "encoder.layers.0.attn", "encoder-layers-0-attn",
                    PARITY_MATCH_NORMALIZED);
        expect_pair(m, 3, "HTTPServer.out", "http_server:out",
                    PARITY_MATCH_NORMALIZED);
        CHECK(parity_match_pair(m, 4) == NULL);
        const char *ur[] = {"only_ref"}, *up[] = {"only_port"};
        expect_unpaired(m, 0, ur, 1);
        expect_unpaired(m, 1, up, 1);
        CHECK_EQ_U64(parity_match_unpaired_count(m, 2), 0);
    }
    parity_match_free(m);
    parity_set_free(r);
    parity_set_free(p);
}

/* Pairs come in reference order whatever the port order. */
static void test_ref_order(void) {
    const char *rn[] = {"s1", "s2", "s3"}, *pn[] = {"s3", "s1", "x", "s2"};
    parity_set *r = mkset("ref", rn, 3), *p = mkset("port", pn, 4);
    parity_match *m = run(r, p, NULL);
    if (m) {
        CHECK_EQ_U64(parity_match_count(m), 3);
        for (size_t i = 0; i < 3; i++)
            expect_pair(m, i, rn[i], rn[i], PARITY_MATCH_EXACT);
        CHECK(parity_match_pair(m, 1)->port == parity_set_tensor(p, 3));
        const char *up[] = {"x"};
        expect_unpaired(m, 1, up, 1);
        expect_unpaired(m, 0, NULL, 0);
    }
    parity_match_free(m);
    parity_set_free(r);
    parity_set_free(p);
}

/* Two port names normalize to one: an exact match is taken first, then
 * the earliest port tensor; the loser stays unpaired. */
static void test_collisions(void) {
    const char *rn[] = {"a/b", "a.b", "c.d"};
    const char *pn[] = {"aB", "a.b", "a_b", "C_D", "cD"};
    parity_set *r = mkset("ref", rn, 3), *p = mkset("port", pn, 5);
    parity_match *m = run(r, p, NULL);
    if (m) {
        CHECK_EQ_U64(parity_match_count(m), 3);
        expect_pair(m, 0, "a/b", "aB", PARITY_MATCH_NORMALIZED);
        expect_pair(m, 1, "a.b", "a.b", PARITY_MATCH_EXACT);
        expect_pair(m, 2, "c.d", "C_D", PARITY_MATCH_NORMALIZED);
        const char *up[] = {"a_b", "cD"};
        expect_unpaired(m, 1, up, 2);
    }
    parity_match_free(m);
    parity_set_free(r);
    parity_set_free(p);
}

/* --map: capture groups, first matching rule wins, the mapped name is then
 * matched exactly or normalized; comments and blank lines are ignored. */
static void test_map(void) {
    const char *map = write_map(
        "test_match_map.txt",
        "# port (MLX) names -> reference names\n"
        "\n"
        "   # indented comment\n"
        "^model\\.(enc|dec)oder\\.layers\\.([0-9]+)\\.(.*)$ => \\1.\\2.\\3\r\n"
        "blocks/ => layers.\n"
        "^model\\. => wrong.\n"
        "^lit(.)$ => lit\\\\\\1\n");
    const char *rn[] = {"enc.0.attn", "dec.3.mlp", "dec.layers.1", "embed",
                        "lit\\x", "orphan"};
    const char *pn[] = {"model.other", "model.decoder.layers.3.MLP",
                        "dec.blocks/1", "model.encoder.layers.0.attn", "embed",
                        "litx"};
    parity_set *r = mkset("ref", rn, N(rn)), *p = mkset("port", pn, N(pn));
    parity_match_opts o = {.map_file = map};
    parity_match *m = run(r, p, &o);
    if (m) {
        CHECK_EQ_U64(parity_match_count(m), 5);
        expect_pair(m, 0, "enc.0.attn", "model.encoder.layers.0.attn",
                    PARITY_MATCH_MAP);
        expect_pair(m, 1, "dec.3.mlp", "model.decoder.layers.3.MLP",
                    PARITY_MATCH_MAP); /* dec.3.MLP, then normalized */
        expect_pair(m, 2, "dec.layers.1", "dec.blocks/1", PARITY_MATCH_MAP);
        expect_pair(m, 3, "embed", "embed", PARITY_MATCH_EXACT);
        expect_pair(m, 4, "lit\\x", "litx", PARITY_MATCH_MAP);
        const char *ur[] = {"orphan"}, *up[] = {"model.other"};
        expect_unpaired(m, 0, ur, 1);
        expect_unpaired(m, 1, up, 1); /* listed under its own name */
    }
    parity_match_free(m);
    /* without the map only exact and normalized pairs form (pairing by
     * content off: it is tested on its own) */
    parity_match_opts names = {.pairing = PARITY_PAIRING_NAMES};
    m = run(r, p, &names);
    if (m) CHECK_EQ_U64(parity_match_count(m), 1);
    parity_match_free(m);
    parity_set_free(r);
    parity_set_free(p);
}

/* A bad map file fails with PARITY_E_USAGE naming the file and line. */
static void expect_bad_map(const char *file, const char *text,
                           parity_status code, const char *msg_tail) {
    const char *rn[] = {"a"};
    parity_set *r = mkset("ref", rn, 1), *p = mkset("port", rn, 1);
    const char *path = text ? write_map(file, text) : file;
    parity_match_opts o = {.map_file = path};
    parity_match *m = (parity_match *)1;
    parity_error err = {0};
    CHECK_EQ_INT(parity_match_sets(r, p, &o, &m, &err), code);
    CHECK(m == NULL);
    char want[1200];
    snprintf(want, sizeof want, "%s%s", path, msg_tail);
    CHECK_EQ_STR(str(err.msg), str(want));
    parity_set_free(r);
    parity_set_free(p);
}

static void test_bad_map(void) {
    expect_bad_map("test_match_bad1.txt", "# ok\nx => y\nno arrow here\n",
                   PARITY_E_USAGE, ":3: expected 'regex => replacement'");
    expect_bad_map("test_match_bad2.txt", "\n(unclosed => x\n", PARITY_E_USAGE,
                   ":2: bad regex '(unclosed': Unmatched ( or \\(");
    expect_bad_map("test_match_bad3.txt", "^(a)$ => \\2\n", PARITY_E_USAGE,
                   ":1: replacement uses \\2 but the regex has 1 group(s)");
    expect_bad_map("test_match_bad4.txt", "  => x\n", PARITY_E_USAGE,
                   ":1: empty regex before '=>'");
    expect_bad_map("test_match_bad5.txt", "a => b\\\n", PARITY_E_USAGE,
                   ":1: replacement ends with a lone backslash");
    expect_bad_map("/nonexistent/test_match_map.txt", NULL, PARITY_E_IO,
                   ": cannot open: No such file or directory");
}

/* --by-order: the n-th of each side, names ignored; the surplus is
 * unpaired. */
static void test_by_order(void) {
    const char *rn[] = {"x1", "x2", "x3"}, *pn[] = {"p1", "x1"};
    parity_set *r = mkset("ref", rn, 3), *p = mkset("port", pn, 2);
    parity_match_opts o = {.by_order = 1};
    parity_match *m = run(r, p, &o);
    if (m) {
        CHECK_EQ_U64(parity_match_count(m), 2);
        expect_pair(m, 0, "x1", "p1", PARITY_MATCH_ORDER);
        expect_pair(m, 1, "x2", "x1", PARITY_MATCH_ORDER);
        const char *ur[] = {"x3"};
        expect_unpaired(m, 0, ur, 1);
        expect_unpaired(m, 1, NULL, 0);
    }
    parity_match_free(m);
    parity_set_free(r);
    parity_set_free(p);
}

/* Repeated --only / --skip: any --only, then no --skip. */
static void test_selected(void) {
    parity_match_opts o = {.only_globs = {"enc.*", "mel"}, .n_only = 2,
                           .skip_globs = {"*.b", "enc.z"}, .n_skip = 2};
    CHECK(parity_match_selected(&o, "enc.a"));
    CHECK(parity_match_selected(&o, "mel"));
    CHECK(!parity_match_selected(&o, "enc.b"));
    CHECK(!parity_match_selected(&o, "enc.z"));
    CHECK(!parity_match_selected(&o, "dec.a"));
    parity_match_opts all = {.skip_globs = {"dec.*"}, .n_skip = 1};
    CHECK(parity_match_selected(&all, "enc.q"));
    CHECK(!parity_match_selected(&all, "dec.q"));
    CHECK(parity_match_selected(NULL, "anything"));
}

/* --only / --skip select by reference name; unpaired port tensors are
 * filtered by their own name. Pairing runs over everything first. */
static void test_globs(void) {
    const char *rn[] = {"enc.a", "enc.b", "dec.a", "dec.z", "enc.z"};
    const char *pn[] = {"enc.a", "enc/b", "dec.a", "dec.y", "enc.y"};
    parity_set *r = mkset("ref", rn, 5), *p = mkset("port", pn, 5);
    parity_match_opts o = {.only_globs = {"enc.*"}, .n_only = 1};
    parity_match *m = run(r, p, &o);
    if (m) {
        CHECK_EQ_U64(parity_match_count(m), 2);
        expect_pair(m, 0, "enc.a", "enc.a", PARITY_MATCH_EXACT);
        expect_pair(m, 1, "enc.b", "enc/b", PARITY_MATCH_NORMALIZED);
        const char *ur[] = {"enc.z"}, *up[] = {"enc.y"};
        expect_unpaired(m, 0, ur, 1);
        expect_unpaired(m, 1, up, 1);
    }
    parity_match_free(m);
    parity_match_opts s = {.skip_globs = {"enc.*"}, .n_skip = 1};
    m = run(r, p, &s);
    if (m) {
        CHECK_EQ_U64(parity_match_count(m), 1);
        expect_pair(m, 0, "dec.a", "dec.a", PARITY_MATCH_EXACT);
        const char *ur[] = {"dec.z"}, *up[] = {"dec.y"};
        expect_unpaired(m, 0, ur, 1);
        /* enc/b does not match "enc.*" but its partner enc.b is skipped, so
         * the pair is dropped, not broken up into two unpaired tensors */
        expect_unpaired(m, 1, up, 1);
    }
    parity_match_free(m);
    parity_match_opts both = {.by_order = 1, .only_globs = {"*.a"}, .n_only = 1,
                                .skip_globs = {"dec.*"}, .n_skip = 1};
    m = run(r, p, &both);
    if (m) {
        CHECK_EQ_U64(parity_match_count(m), 1);
        expect_pair(m, 0, "enc.a", "enc.a", PARITY_MATCH_ORDER);
        expect_unpaired(m, 0, NULL, 0);
        expect_unpaired(m, 1, NULL, 0);
    }
    parity_match_free(m);
    parity_set_free(r);
    parity_set_free(p);
}

/* Every pair is aligned; an irreconcilable one is kept with layout_ok 0. */
static void test_pair_layouts(void) {
    const char *names[] = {"w", "v", "u"};
    const int rnd[] = {2, 1, 3}, pnd[] = {2, 1, 2};
    const int64_t rd[][4] = {{2, 3}, {4}, {1, 2, 3}};
    const int64_t pd[][4] = {{3, 2}, {5}, {2, 3}};
    parity_set *r = mkset_shaped("ref", names, 3, rnd, rd);
    parity_set *p = mkset_shaped("port", names, 3, pnd, pd);
    parity_match *m = run(r, p, NULL);
    if (m && CHECK_EQ_U64(parity_match_count(m), 3)) {
        const parity_pair *a = parity_match_pair(m, 0);
        const parity_pair *b = parity_match_pair(m, 1);
        const parity_pair *c = parity_match_pair(m, 2);
        CHECK(a->layout_ok);
        CHECK_EQ_STR(str(a->layout), "permute(1,0)");
        CHECK(a->port_view.shape[0] == 2 && a->port_view.stride[0] == 1);
        CHECK(!b->layout_ok);
        CHECK_EQ_STR(str(b->layout), "");
        CHECK(b->port_view.shape[0] == 5 && b->ref_view.shape[0] == 4);
        CHECK(c->layout_ok);
        CHECK_EQ_STR(str(c->layout), "unsqueeze");
    }
    parity_match_free(m);
    parity_set_free(r);
    parity_set_free(p);
}

static void test_empty_and_free(void) {
    parity_set *r = mkset("ref", NULL, 0), *p = mkset("port", NULL, 0);
    parity_match *m = run(r, p, NULL);
    if (m) {
        CHECK_EQ_U64(parity_match_count(m), 0);
        CHECK_EQ_U64(parity_match_unpaired_count(m, 0), 0);
        CHECK(parity_match_pair(m, 0) == NULL);
    }
    parity_match_free(m);
    parity_match_free(NULL);
    parity_match *out = NULL;
    CHECK_EQ_INT(parity_match_sets(NULL, p, NULL, &out, NULL), PARITY_E_USAGE);
    parity_set_free(r);
    parity_set_free(p);
}

int main(void) {
    test_normalize();
    test_names();
    test_ref_order();
    test_collisions();
    test_map();
    test_bad_map();
    test_by_order();
    test_selected();
    test_globs();
    test_pair_layouts();
    test_empty_and_free();
    return TEST_SUMMARY();
}
