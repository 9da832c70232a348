/*
 * test_weights.c — parity_weights_run on hand-built checkpoints: fused
 * tensors split into their parts (port qkv along axis 0, also under
 * --only / --skip, a transposed gate_up along axis 1, GPT-2's transposed
 * qkv with square parts, a fused reference in_proj), per-head RoPE row
 * permutations in both directions, permuted rows, tied names (one storage
 * only: copies and constant tensors are not ties), a quantized port
 * within and beyond its step (a transpose made before quantizing named),
 * groups, and the honest summary of two checkpoints with no name in
 * common.
 *
 * Sets are built in memory through the readers' internal API; the port
 * data is computed here by index arithmetic written from the conversions'
 * own definitions (torch.cat, llama.cpp's permute), independent of the
 * code under test.
 */
#include "internal.h"
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof(a)[0])

/* Deterministic values in [-1, 1) (64-bit LCG). */
static void fill(double *x, size_t n, uint64_t seed) {
    uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (double)(s >> 11) / 4503599627370496.0 - 1.0;
    }
}

static parity_set *new_set(const char *path) {
    parity_set *s = NULL;
    CHECK_EQ_INT(parity__set_create(path, NULL, &s, NULL), PARITY_OK);
    return s;
}

/* Add tensor name of dtype dt and shape[ndim] over data (C order). */
static void add(parity_set *s, const char *name, parity_dtype dt, int ndim, const int64_t *shape,
                const void *data) {
    parity_tensor t;
    memset(&t, 0, sizeof t);
    t.name = parity__set_strdup(s, name, strlen(name));
    t.file = parity_set_path(s);
    t.dtype = dt;
    t.ndim = ndim;
    t.count = 1;
    for (int k = 0; k < ndim; k++) t.shape[k] = shape[k], t.count *= (uint64_t)shape[k];
    parity__strides_c(&t);
    t.data = data;
    int be = 0, bb = 0;
    parity_dtype_block(dt, &be, &bb);
    t.nbytes = t.count / (uint64_t)be * (uint64_t)bb;
    CHECK_EQ_INT(parity__set_add(s, &t, NULL), PARITY_OK);
}

/* The weights of r against p, with the --only / --skip globs only and
 * skip (NULL: none). */
static parity_weights *run_sel(parity_set *r, parity_set *p, const char *only, const char *skip) {
    parity_weights *w = NULL;
    parity_error err = {0};
    parity_weights_opts o = parity_weights_opts_default();
    if (only) o.match.only_globs[o.match.n_only++] = only;
    if (skip) o.match.skip_globs[o.match.n_skip++] = skip;
    CHECK_EQ_INT(parity__set_index(r, NULL), PARITY_OK);
    CHECK_EQ_INT(parity__set_index(p, NULL), PARITY_OK);
    parity_status st = parity_weights_run(r, p, &o, &w, &err);
    CHECK_MSG(st == PARITY_OK, "%s", err.msg);
    return w;
}

static parity_weights *run(parity_set *r, parity_set *p) { return run_sel(r, p, NULL, NULL); }

/* The weight whose reference name is name, or NULL (a failed check). */
static const parity_weight *find(const parity_weights *w, const char *name) {
    for (size_t i = 0; i < parity_weights_count(w); i++)
        if (strcmp(parity_weights_at(w, i)->pair.ref->name, name) == 0)
            return parity_weights_at(w, i);
    CHECK_MSG(0, "no weight %s", name);
    return NULL;
}

static void expect_part(const parity_weights *w, const char *name, const char *port_name, int side,
                        int axis, int part, int64_t start, int64_t stop) {
    const parity_weight *it = find(w, name);
    if (!it) return;
    CHECK(it->fused != NULL);
    CHECK_EQ_STR(it->fused_side ? it->pair.port->name : it->pair.ref->name, port_name);
    CHECK_EQ_INT(it->fused_side, side);
    CHECK_EQ_INT(it->fused_axis, axis);
    CHECK_EQ_INT(it->fused_part, part);
    CHECK_EQ_INT(it->fused_start, start);
    CHECK_EQ_INT(it->fused_stop, stop);
    CHECK_EQ_INT(it->cmp.verdict, PARITY_MATCH);
    CHECK_EQ_INT(it->finding, PARITY_WF_EXACT);
}

/* Port qkv = cat(q, k, v) along axis 0 (k and v smaller: grouped-query
 * attention); port gate_up stored transposed, [in, 2·out] = cat along 1. */
static void test_fused_port(void) {
    static double q[4 * 3], k[2 * 3], v[2 * 3], qkv[8 * 3], g[4 * 3], u[4 * 3], gu[3 * 8];
    fill(q, N(q), 1), fill(k, N(k), 2), fill(v, N(v), 3), fill(g, N(g), 4), fill(u, N(u), 5);
    memcpy(qkv, q, sizeof q);
    memcpy(qkv + 12, k, sizeof k);
    memcpy(qkv + 18, v, sizeof v);
    for (int i = 0; i < 3; i++) /* gu[i][j] = cat(g, u)[j][i] */
        for (int j = 0; j < 8; j++) gu[i * 8 + j] = j < 4 ? g[j * 3 + i] : u[(j - 4) * 3 + i];
    parity_set *r = new_set("ref"), *p = new_set("port");
    int64_t s43[] = {4, 3}, s23[] = {2, 3}, s83[] = {8, 3}, s38[] = {3, 8};
    add(r, "layers.0.attn.q_proj.weight", PARITY_DT_F64, 2, s43, q);
    add(r, "layers.0.attn.k_proj.weight", PARITY_DT_F64, 2, s23, k);
    add(r, "layers.0.attn.v_proj.weight", PARITY_DT_F64, 2, s23, v);
    add(r, "layers.0.mlp.gate_proj.weight", PARITY_DT_F64, 2, s43, g);
    add(r, "layers.0.mlp.up_proj.weight", PARITY_DT_F64, 2, s43, u);
    add(p, "layers.0.attn.qkv_proj.weight", PARITY_DT_F64, 2, s83, qkv);
    add(p, "layers.0.mlp.gate_up_proj.weight", PARITY_DT_F64, 2, s38, gu);
    parity_weights *w = run(r, p);
    if (w) {
        CHECK_EQ_U64(parity_weights_count(w), 5);
        const char *qn = "layers.0.attn.qkv_proj.weight", *gn = "layers.0.mlp.gate_up_proj.weight";
        expect_part(w, "layers.0.attn.q_proj.weight", "layers.0.attn.qkv_proj.weight[0:4]", 1, 0, 0,
                    0, 4);
        expect_part(w, "layers.0.attn.k_proj.weight", "layers.0.attn.qkv_proj.weight[4:6]", 1, 0, 1,
                    4, 6);
        expect_part(w, "layers.0.attn.v_proj.weight", "layers.0.attn.qkv_proj.weight[6:8]", 1, 0, 2,
                    6, 8);
        expect_part(w, "layers.0.mlp.gate_proj.weight", "layers.0.mlp.gate_up_proj.weight[:, 0:4]",
                    1, 1, 0, 0, 4);
        expect_part(w, "layers.0.mlp.up_proj.weight", "layers.0.mlp.gate_up_proj.weight[:, 4:8]", 1,
                    1, 1, 4, 8);
        const parity_weight *it = find(w, "layers.0.mlp.up_proj.weight");
        if (it) CHECK_EQ_STR(it->pair.layout, "permute(1,0)");
        if (it) CHECK_EQ_STR(it->fused->name, gn);
        it = find(w, "layers.0.attn.q_proj.weight");
        if (it) CHECK_EQ_STR(it->fused->name, qn);
        const parity_weights_summary *s = parity_weights_summary_of(w);
        CHECK_EQ_U64(s->fused[1], 2);
        CHECK_EQ_U64(s->only[0] + s->only[1], 0);
        CHECK_EQ_INT(parity_weights_differs(w), 0);
    }
    parity_weights_free(w);
    parity_set_free(r);
    parity_set_free(p);
}

/* cols[i][c0 + j] = m[j][i] for m [rows, in]: part m of a fused [in, n]. */
static void put_t(double *cols, int n, int c0, const double *m, int rows, int in) {
    for (int i = 0; i < in; i++)
        for (int j = 0; j < rows; j++) cols[i * n + c0 + j] = m[j * in + i];
}

/* The layout of the weight named name is layout. */
static void expect_layout(const parity_weights *w, const char *name, const char *layout) {
    const parity_weight *it = find(w, name);
    if (!it) return;
    CHECK_EQ_STR(it->pair.layout, layout);
    CHECK_EQ_INT(it->cmp.verdict, PARITY_MATCH);
    CHECK_EQ_INT(it->finding, PARITY_WF_EXACT);
}

/* --only / --skip select reference names: a fused port tensor that no
 * glob names is kept for the parts selected, and a part skipped leaves
 * the others their slices; the fused tensor is only in port when no part
 * is selected. */
static void test_fused_selected(void) {
    static double q[4 * 3], k[2 * 3], v[2 * 3], qkv[8 * 3], o[3 * 3];
    fill(q, N(q), 1), fill(k, N(k), 2), fill(v, N(v), 3), fill(o, N(o), 4);
    memcpy(qkv, q, sizeof q);
    memcpy(qkv + 12, k, sizeof k);
    memcpy(qkv + 18, v, sizeof v);
    parity_set *r = new_set("ref"), *p = new_set("port");
    int64_t s43[] = {4, 3}, s23[] = {2, 3}, s83[] = {8, 3}, s33[] = {3, 3};
    add(r, "attn.q_proj.weight", PARITY_DT_F64, 2, s43, q);
    add(r, "attn.k_proj.weight", PARITY_DT_F64, 2, s23, k);
    add(r, "attn.v_proj.weight", PARITY_DT_F64, 2, s23, v);
    add(r, "attn.o_proj.weight", PARITY_DT_F64, 2, s33, o);
    add(p, "attn.qkv_proj.weight", PARITY_DT_F64, 2, s83, qkv);
    add(p, "attn.o_proj.weight", PARITY_DT_F64, 2, s33, o);
    const char *sel[][2] = {{"attn.[qo]_proj.*", NULL}, {NULL, "*.q_proj.*"}, {"*.o_proj.*", NULL}};
    const size_t compared[] = {2, 3, 1}, fused[] = {1, 1, 0}, total_port[] = {2, 2, 1};
    for (size_t c = 0; c < N(sel); c++) {
        parity_weights *w = run_sel(r, p, sel[c][0], sel[c][1]);
        if (!w) continue;
        const parity_weights_summary *s = parity_weights_summary_of(w);
        CHECK_EQ_U64(parity_weights_count(w), compared[c]);
        CHECK_EQ_U64(s->fused[1], fused[c]);
        CHECK_EQ_U64(s->total[1], total_port[c]);
        CHECK_MSG(s->only[0] + s->only[1] == 0, "case %zu: %zu only in ref, %zu only in port", c,
                  s->only[0], s->only[1]);
        CHECK_EQ_INT(parity_weights_differs(w), 0);
        if (c == 1)
            expect_part(w, "attn.v_proj.weight", "attn.qkv_proj.weight[6:8]", 1, 0, 2, 6, 8);
        parity_weights_free(w);
    }
    parity_set_free(r);
    parity_set_free(p);
}

/* GPT-2's fused c_attn, cat(q, k, v).T stored [in, 3·out] and cut along
 * axis 1: every part is compared after permute(1,0), the square ones too
 * (layer 0: q, k, v all [4, 4]; layer 1: grouped-query, q [4, 4], k and v
 * [2, 4]). Layer 2: a reference that keeps [in, out] itself (Flax) against
 * the same port layout: every part as stored. */
static void test_fused_transposed(void) {
    static double q0[16], k0[16], v0[16], f0[4 * 12], q1[16], k1[8], v1[8], f1[4 * 8];
    static double q2[16], k2[8], v2[8], f2[4 * 8];
    fill(q0, 16, 41), fill(k0, 16, 42), fill(v0, 16, 43);
    fill(q1, 16, 44), fill(k1, 8, 45), fill(v1, 8, 46);
    fill(q2, 16, 47), fill(k2, 8, 48), fill(v2, 8, 49);
    put_t(f0, 12, 0, q0, 4, 4), put_t(f0, 12, 4, k0, 4, 4), put_t(f0, 12, 8, v0, 4, 4);
    put_t(f1, 8, 0, q1, 4, 4), put_t(f1, 8, 4, k1, 2, 4), put_t(f1, 8, 6, v1, 2, 4);
    for (int i = 0; i < 4; i++) /* f2 = cat(q2, k2, v2) along axis 1, all [4, ...] */
        for (int j = 0; j < 8; j++)
            f2[i * 8 + j] = j < 4 ? q2[i * 4 + j] : j < 6 ? k2[i * 2 + j - 4] : v2[i * 2 + j - 6];
    parity_set *r = new_set("ref"), *p = new_set("port");
    int64_t s44[] = {4, 4}, s24[] = {2, 4}, s42[] = {4, 2}, s4x12[] = {4, 12}, s48[] = {4, 8};
    add(r, "l0.attn.q_proj.weight", PARITY_DT_F64, 2, s44, q0);
    add(r, "l0.attn.k_proj.weight", PARITY_DT_F64, 2, s44, k0);
    add(r, "l0.attn.v_proj.weight", PARITY_DT_F64, 2, s44, v0);
    add(r, "l1.attn.q_proj.weight", PARITY_DT_F64, 2, s44, q1);
    add(r, "l1.attn.k_proj.weight", PARITY_DT_F64, 2, s24, k1);
    add(r, "l1.attn.v_proj.weight", PARITY_DT_F64, 2, s24, v1);
    add(r, "l2.attn.q_proj.weight", PARITY_DT_F64, 2, s44, q2);
    add(r, "l2.attn.k_proj.weight", PARITY_DT_F64, 2, s42, k2);
    add(r, "l2.attn.v_proj.weight", PARITY_DT_F64, 2, s42, v2);
    add(p, "l0.attn.qkv_proj.weight", PARITY_DT_F64, 2, s4x12, f0);
    add(p, "l1.attn.qkv_proj.weight", PARITY_DT_F64, 2, s48, f1);
    add(p, "l2.attn.qkv_proj.weight", PARITY_DT_F64, 2, s48, f2);
    parity_weights *w = run(r, p);
    if (w) {
        CHECK_EQ_U64(parity_weights_count(w), 9);
        expect_part(w, "l0.attn.q_proj.weight", "l0.attn.qkv_proj.weight[:, 0:4]", 1, 1, 0, 0, 4);
        expect_part(w, "l1.attn.q_proj.weight", "l1.attn.qkv_proj.weight[:, 0:4]", 1, 1, 0, 0, 4);
        expect_part(w, "l1.attn.v_proj.weight", "l1.attn.qkv_proj.weight[:, 6:8]", 1, 1, 2, 6, 8);
        expect_part(w, "l2.attn.k_proj.weight", "l2.attn.qkv_proj.weight[:, 4:6]", 1, 1, 1, 4, 6);
        const char *t[] = {"q", "k", "v"};
        char name[64];
        for (int l = 0; l < 3; l++)
            for (int j = 0; j < 3; j++) {
                snprintf(name, sizeof name, "l%d.attn.%s_proj.weight", l, t[j]);
                expect_layout(w, name, l < 2 ? "permute(1,0)" : "");
            }
        CHECK_EQ_INT(parity_weights_differs(w), 0);
    }
    parity_weights_free(w);
    parity_set_free(r);
    parity_set_free(p);
}

/* A fused reference (nn.MultiheadAttention's in_proj_weight) against the
 * port's three projections; the v part differs by a scale of 2. */
static void test_fused_ref(void) {
    static double in[6 * 2], q[4], k[4], v[4];
    fill(in, N(in), 7);
    memcpy(q, in, sizeof q), memcpy(k, in + 4, sizeof k);
    for (int i = 0; i < 4; i++) v[i] = 2 * in[8 + i];
    parity_set *r = new_set("ref"), *p = new_set("port");
    int64_t s62[] = {6, 2}, s22[] = {2, 2};
    add(r, "enc.attn.in_proj_weight", PARITY_DT_F64, 2, s62, in);
    add(p, "enc.attn.q_proj.weight", PARITY_DT_F64, 2, s22, q);
    add(p, "enc.attn.k_proj.weight", PARITY_DT_F64, 2, s22, k);
    add(p, "enc.attn.v_proj.weight", PARITY_DT_F64, 2, s22, v);
    parity_weights *w = run(r, p);
    if (w) {
        CHECK_EQ_U64(parity_weights_count(w), 3);
        const parity_weight *it = parity_weights_at(w, 2);
        CHECK_EQ_STR(it->pair.ref->name, "enc.attn.in_proj_weight[4:6]");
        CHECK_EQ_STR(it->pair.port->name, "enc.attn.v_proj.weight");
        CHECK_EQ_INT(it->fused_side, 0);
        CHECK_EQ_INT(it->cmp.verdict, PARITY_LARGE_DIFF);
        CHECK_EQ_INT(it->finding, PARITY_WF_EXPLAINED);
        CHECK_MSG(strncmp(it->text, "scale 2", 7) == 0, "text: %s", it->text);
        CHECK_EQ_INT(parity_weights_at(w, 0)->finding, PARITY_WF_EXACT);
        const parity_weights_summary *s = parity_weights_summary_of(w);
        CHECK_EQ_U64(s->ref_weights, 3);
        CHECK_EQ_U64(s->fused[0], 1);
        CHECK_EQ_INT(parity_weights_differs(w), 1);
    }
    parity_weights_free(w);
    parity_set_free(r);
    parity_set_free(p);
}

/* llama.cpp's permute (convert_hf_to_gguf.py): out =
 * w.reshape(heads, 2, h/2, cols).swapaxes(1, 2).reshape(w.shape), so out
 * row head·h + 2i + k = w row head·h + k·h/2 + i; inverse: the reverse. */
static void rope_permute(const double *w, int rows, int cols, int h, int inverse, double *out) {
    for (int head = 0; head < rows / h; head++)
        for (int i = 0; i < h / 2; i++)
            for (int k = 0; k < 2; k++) {
                int inter = head * h + 2 * i + k, half = head * h + k * h / 2 + i;
                int dst = inverse ? half : inter, src = inverse ? inter : half;
                memcpy(out + dst * cols, w + src * cols, (size_t)cols * sizeof *w);
            }
}

static void test_rope(void) {
    static double q[16 * 3], qp[16 * 3], kq[16 * 3], kp[16 * 3];
    fill(q, N(q), 11), fill(kq, N(kq), 12);
    rope_permute(q, 16, 3, 8, 0, qp);  /* ref half-split, port interleaved */
    rope_permute(kq, 16, 3, 8, 1, kp); /* ref interleaved, port half-split */
    parity_set *r = new_set("ref"), *p = new_set("port");
    int64_t s16[] = {16, 3};
    add(r, "q.weight", PARITY_DT_F64, 2, s16, q);
    add(r, "k.weight", PARITY_DT_F64, 2, s16, kq);
    add(p, "q.weight", PARITY_DT_F64, 2, s16, qp);
    add(p, "k.weight", PARITY_DT_F64, 2, s16, kp);
    parity_weights *w = run(r, p);
    if (w) {
        const parity_weight *it = find(w, "q.weight");
        if (it) {
            CHECK_EQ_INT(it->rope_head, 8);
            CHECK_EQ_INT(it->rope_port_interleaved, 1);
            CHECK_EQ_INT(it->cmp.verdict, PARITY_MATCH);
            CHECK_EQ_INT(it->finding, PARITY_WF_EXACT);
            CHECK_EQ_STR(it->layout, "RoPE rows per head of 8: ref half-split, port interleaved");
            CHECK_EQ_INT(it->pair.ref_view.ndim, 4); /* [2, 2, 4, 3] */
        }
        it = find(w, "k.weight");
        if (it) {
            CHECK_EQ_INT(it->rope_head, 8);
            CHECK_EQ_INT(it->rope_port_interleaved, 0);
            CHECK_EQ_INT(it->cmp.verdict, PARITY_MATCH);
        }
        CHECK_EQ_INT(parity_weights_differs(w), 0);
    }
    parity_weights_free(w);
    parity_set_free(r);
    parity_set_free(p);
}

/* Rows shuffled: found by hashing; an unrelated tensor is not. */
static void test_rows(void) {
    static double a[5 * 4], ap[5 * 4], b[5 * 4], bp[5 * 4];
    const int perm[5] = {2, 0, 1, 4, 3};
    fill(a, N(a), 21), fill(b, N(b), 22), fill(bp, N(bp), 23);
    for (int i = 0; i < 5; i++) memcpy(ap + 4 * i, a + 4 * perm[i], 4 * sizeof *a);
    parity_set *r = new_set("ref"), *p = new_set("port");
    int64_t s[] = {5, 4};
    add(r, "a", PARITY_DT_F64, 2, s, a);
    add(r, "b", PARITY_DT_F64, 2, s, b);
    add(p, "a", PARITY_DT_F64, 2, s, ap);
    add(p, "b", PARITY_DT_F64, 2, s, bp);
    parity_weights *w = run(r, p);
    if (w) {
        const parity_weight *it = find(w, "a");
        if (it) {
            CHECK_EQ_INT(it->finding, PARITY_WF_ROWS);
            CHECK_EQ_U64(it->rows_moved, 5);
            CHECK_MSG(strstr(it->text, "reference row 2 0 1 4 3") != NULL, "%s", it->text);
            CHECK_EQ_INT(it->cmp.verdict, PARITY_LARGE_DIFF);
        }
        it = find(w, "b");
        if (it) CHECK_MSG(it->finding == PARITY_WF_UNEXPLAINED, "b: %s", it->text);
    }
    parity_weights_free(w);
    parity_set_free(r);
    parity_set_free(p);
}

/* Tied names are one storage (lm_head = embed in ref). Equal values in
 * separate arrays are never a tie: a port copy of embed under another
 * name, a reference layer deep-copied from another whose port lacks it,
 * constant norms; the names stay missing, and the copies get a note
 * (parity_weights_only_copy) unless constant. Empty tensors share nothing. */
static void test_ties(void) {
    static double e[4 * 3], e2[4 * 3], e3[4 * 3], ones_a[3] = {1, 1, 1}, ones_b[3] = {1, 1, 1};
    static double ones_c[3] = {1, 1, 1}, ones_d[3] = {1, 1, 1}, ones_e[3] = {1, 1, 1};
    static double l0[3 * 2], l1[3 * 2], l0p[3 * 2];
    fill(e, N(e), 31);
    fill(l0, N(l0), 32);
    memcpy(e2, e, sizeof e), memcpy(e3, e, sizeof e);
    memcpy(l1, l0, sizeof l0), memcpy(l0p, l0, sizeof l0);
    parity_set *r = new_set("ref"), *p = new_set("port");
    int64_t s43[] = {4, 3}, s3[] = {3}, s32[] = {3, 2};
    add(r, "model.embed.weight", PARITY_DT_F64, 2, s43, e);
    add(r, "lm_head.weight", PARITY_DT_F64, 2, s43, e); /* the same storage */
    add(r, "norm1.weight", PARITY_DT_F64, 1, s3, ones_a);
    add(r, "norm2.weight", PARITY_DT_F64, 1, s3, ones_b);
    add(r, "norm3.weight", PARITY_DT_F64, 1, s3, ones_e); /* constant, missing */
    add(r, "layers.0.w", PARITY_DT_F64, 2, s32, l0);
    add(r, "layers.1.w", PARITY_DT_F64, 2, s32, l1); /* a deep copy, missing */
    int64_t s03[] = {0, 3}; /* empty: no data, nothing shared */
    add(r, "empty1", PARITY_DT_F64, 2, s03, NULL);
    add(r, "empty2", PARITY_DT_F64, 2, s03, NULL);
    add(p, "empty1", PARITY_DT_F64, 2, s03, NULL);
    add(p, "empty2", PARITY_DT_F64, 2, s03, NULL);
    add(p, "model.embed.weight", PARITY_DT_F64, 2, s43, e2);
    add(p, "extra.weight", PARITY_DT_F64, 2, s43, e3); /* a copy, not a tie */
    add(p, "norm1.weight", PARITY_DT_F64, 1, s3, ones_c);
    add(p, "norm2.weight", PARITY_DT_F64, 1, s3, ones_d);
    add(p, "layers.0.w", PARITY_DT_F64, 2, s32, l0p);
    parity_weights *w = run(r, p);
    if (w) {
        CHECK_EQ_U64(parity_weights_tie_count(w), 1);
        const parity_weight_tie *t = parity_weights_tie(w, 0);
        if (t && CHECK_EQ_INT(t->side, 0)) {
            CHECK_EQ_STR(t->a->name, "model.embed.weight");
            CHECK_EQ_STR(t->b->name, "lm_head.weight");
            CHECK_EQ_INT(t->same_storage, 1);
            CHECK(t->accounted == t->b);
        }
        const parity_weights_summary *s = parity_weights_summary_of(w);
        CHECK_EQ_U64(s->tied[0], 1);
        CHECK_EQ_U64(s->tied[1], 0);
        CHECK_EQ_U64(s->only[0], 2);
        CHECK_EQ_U64(s->only[1], 1);
        CHECK_EQ_U64(s->compared, 6);
        CHECK_EQ_U64(s->ref_weights, 9);
        CHECK_EQ_INT(parity_weights_differs(w), 1);
        const parity_tensor *o = parity_weights_only(w, 0, 0),
                            *c = parity_weights_only_copy(w, 0, 0);
        CHECK_EQ_STR(o ? o->name : NULL, "norm3.weight");
        CHECK(c == NULL);
        o = parity_weights_only(w, 0, 1), c = parity_weights_only_copy(w, 0, 1);
        CHECK_EQ_STR(o ? o->name : NULL, "layers.1.w");
        CHECK_EQ_STR(c ? c->name : NULL, "layers.0.w");
        o = parity_weights_only(w, 1, 0), c = parity_weights_only_copy(w, 1, 0);
        CHECK_EQ_STR(o ? o->name : NULL, "extra.weight");
        CHECK_EQ_STR(c ? c->name : NULL, "model.embed.weight");
        CHECK(parity_weights_only_copy(w, 1, 1) == NULL);
        CHECK_EQ_INT(s->records_sharing[0], 0); /* a set built by hand */
    }
    parity_weights_free(w);
    parity_set_free(r);
    parity_set_free(p);
}

/* A Q8_0 block: f16 scale d = 2^-6 (bits 0x2400), then 32 int8 q; its
 * values are q·d (ggml's dequantize_row_q8_0). */
static void q8_block(unsigned char *blk, const int8_t *q) {
    blk[0] = 0x00, blk[1] = 0x24;
    memcpy(blk + 2, q, 32);
}

/* The reference is q·d plus noise under 0.4·d, with q = ±127 in each
 * block (amax/127 = d): within one step. One q off by 3 is not. */
static void test_quantized(void) {
    static double x[64];
    static unsigned char good[2 * 34], bad[2 * 34];
    int8_t q[64];
    double noise[64], d = 1.0 / 64;
    fill(noise, 64, 41);
    for (int i = 0; i < 64; i++) {
        q[i] = (int8_t)(i % 32 == 0 ? (i ? -127 : 127) : (i * 37) % 200 - 100);
        x[i] = q[i] * d + 0.39 * d * noise[i];
    }
    q8_block(good, q), q8_block(good + 34, q + 32);
    q[40] += 3;
    q8_block(bad, q), q8_block(bad + 34, q + 32);
    parity_set *r = new_set("ref"), *p = new_set("port");
    int64_t s[] = {2, 32};
    add(r, "good", PARITY_DT_F64, 2, s, x);
    add(r, "bad", PARITY_DT_F64, 2, s, x);
    add(p, "good", PARITY_DT_Q8_0, 2, s, good);
    add(p, "bad", PARITY_DT_Q8_0, 2, s, bad);
    parity_weights *w = run(r, p);
    if (w) {
        const parity_weight *it = find(w, "good");
        if (it) {
            CHECK_MSG(it->finding == PARITY_WF_QUANTIZED, "%s", it->text);
            CHECK_EQ_U64(it->quant_blocks, 2);
            CHECK_EQ_U64(it->quant_bad, 0);
        }
        it = find(w, "bad");
        if (it) {
            CHECK_MSG(it->finding == PARITY_WF_QUANT_ERROR, "%s", it->text);
            CHECK_EQ_U64(it->quant_bad, 1);
        }
    }
    parity_weights_free(w);
    parity_set_free(r);
    parity_set_free(p);
}

/* A square matrix transposed before quantizing: a Q8_0 port of q^T·d
 * against the reference q·d plus noise under 0.4·d (the diagonal holds
 * 127, so each block of either side has d = amax/127). Every block is far
 * beyond its step, and the finding names the transpose, measured above
 * the rounding noise. */
static void test_quantized_transposed(void) {
    static double x[32 * 32], noise[32 * 32];
    static unsigned char port[32 * 34];
    int8_t q[32][32], qt[32];
    double d = 1.0 / 64;
    fill(noise, 32 * 32, 43);
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++) {
            q[i][j] = (int8_t)(i == j ? 127 : (i * 37 + j * 53) % 200 - 100);
            x[i * 32 + j] = q[i][j] * d + 0.39 * d * noise[i * 32 + j];
        }
    for (int i = 0; i < 32; i++) {
        for (int j = 0; j < 32; j++) qt[j] = q[j][i];
        q8_block(port + 34 * i, qt);
    }
    parity_set *r = new_set("ref"), *p = new_set("port");
    int64_t s[] = {32, 32};
    add(r, "w", PARITY_DT_F64, 2, s, x);
    add(p, "w", PARITY_DT_Q8_0, 2, s, port);
    parity_weights *w = run(r, p);
    const parity_weight *it = w ? find(w, "w") : NULL;
    if (it) {
        CHECK_MSG(it->finding == PARITY_WF_EXPLAINED, "%s", it->text);
        CHECK_MSG(strstr(it->text, "transpose") != NULL, "%s", it->text);
        CHECK_MSG(strstr(it->text, "above Q8_0 rounding, beyond it in 32 of 32 blocks") != NULL,
                  "%s", it->text);
        CHECK_EQ_U64(it->quant_blocks, 32);
        CHECK_EQ_U64(it->quant_bad, 32);
    }
    parity_weights_free(w);
    parity_set_free(r);
    parity_set_free(p);
}

/* Groups: up to the first all-digit component, else the module; only-in
 * names counted in their own group. */
static void test_groups(void) {
    static double v[6][2];
    fill(&v[0][0], 12, 51); /* one array per name: no two are tied */
    parity_set *r = new_set("ref"), *p = new_set("port");
    int64_t s[] = {2};
    const char *names[] = {"model.layers.0.attn.w", "model.layers.0.mlp.w", "model.layers.1.attn.w",
                           "lm_head.weight", "w"};
    for (size_t i = 0; i < N(names); i++) add(r, names[i], PARITY_DT_F64, 1, s, v[i]);
    for (size_t i = 0; i < N(names); i++)
        if (i != 1) add(p, names[i], PARITY_DT_F64, 1, s, v[i]);
    add(p, "blk/3/x", PARITY_DT_F64, 1, s, v[5]);
    parity_weights *w = run(r, p);
    if (w && CHECK_EQ_U64(parity_weights_group_count(w), 5)) {
        const char *want[] = {"model.layers.0", "model.layers.1", "lm_head", "", "blk/3"};
        const size_t compared[] = {1, 1, 1, 1, 0}, only_ref[] = {1, 0, 0, 0, 0},
                     only_port[] = {0, 0, 0, 0, 1};
        for (size_t g = 0; g < 5; g++) {
            const parity_weight_group *gr = parity_weights_group(w, g);
            CHECK_EQ_STR(gr->prefix, want[g]);
            CHECK_EQ_U64(gr->compared, compared[g]);
            CHECK_EQ_U64(gr->only[0], only_ref[g]);
            CHECK_EQ_U64(gr->only[1], only_port[g]);
        }
    }
    parity_weights_free(w);
    parity_set_free(r);
    parity_set_free(p);
}

/* A port left at its initialization: every value 1 where the reference
 * varies. */
static void test_constant(void) {
    static double r[4] = {0.9, 1.2, 1.05, 0.7}, p[4] = {1, 1, 1, 1};
    parity_set *rs = new_set("ref"), *ps = new_set("port");
    int64_t s[] = {4};
    add(rs, "norm.weight", PARITY_DT_F64, 1, s, r);
    add(ps, "norm.weight", PARITY_DT_F64, 1, s, p);
    parity_weights *w = run(rs, ps);
    const parity_weight *it = w ? find(w, "norm.weight") : NULL;
    if (it) {
        CHECK_EQ_INT(it->finding, PARITY_WF_CONSTANT);
        CHECK_MSG(strncmp(it->text, "the port holds 1 everywhere", 27) == 0, "%s", it->text);
    }
    parity_weights_free(w);
    parity_set_free(rs);
    parity_set_free(ps);
}

/* No name in common: nothing compared, which is no success. */
static void test_apart(void) {
    static double v[3] = {1, 2, 3};
    parity_set *r = new_set("ref"), *p = new_set("port");
    int64_t s[] = {2};
    add(r, "encoder.w", PARITY_DT_F64, 1, s, v);
    add(r, "encoder.b", PARITY_DT_F64, 1, s, v + 1);
    add(p, "decoder.w", PARITY_DT_F64, 1, s, v);
    parity_weights *w = run(r, p);
    if (w) {
        const parity_weights_summary *s2 = parity_weights_summary_of(w);
        CHECK_EQ_U64(s2->compared, 0);
        CHECK_EQ_U64(s2->ref_weights, 2);
        CHECK_EQ_U64(s2->only[0], 2);
        CHECK_EQ_U64(s2->only[1], 1);
        CHECK_EQ_INT(parity_weights_differs(w), 1);
    }
    parity_weights_free(w);
    parity_set_free(r);
    parity_set_free(p);
}

int main(void) {
    test_fused_port();
    test_fused_selected();
    test_fused_transposed();
    test_fused_ref();
    test_rope();
    test_rows();
    test_ties();
    test_quantized();
    test_quantized_transposed();
    test_groups();
    test_constant();
    test_apart();
    return TEST_SUMMARY();
}
