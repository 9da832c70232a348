/*
 * test_tracer.c — the C tracer (src/tracer/): traces written in both modes
 * and read back with parity_set_open (order, #k suffixes, input marks,
 * bit-exact bytes of F32/F16/I64/BOOL), index.json checked with cJSON,
 * inject mode (values, layout, dtype conversion, errors), the disabled
 * tracer, and the six-stage pipeline program: a defect planted at stage 3
 * shows at stage 3 only when the run injects a clean trace.
 */
#include "parity.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fallible call whose parity_error is the local `err`: prints its
 * message when the call fails. */
#define CHECK_OK_ERR(expr) CHECK_MSG((expr) == 0, "%s", err.msg)

static char tmpdir[64];

static const char *tmp_path(char *buf, size_t cap, const char *name) {
    snprintf(buf, cap, "%s/%s", tmpdir, name);
    return buf;
}

static int file_exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* ---- the stages every format test writes ------------------------------ */

/* x    F32 [2,3]   NaN with a payload, -0, ±Inf, a subnormal (input)
 * h    F16 [4]     raw bits: 1, -2, a subnormal, NaN
 * ids  I64 [3]     values past 2^53 that doubles cannot hold
 * mask BOOL [5]
 * s    F32 []      a scalar
 * then x again twice ("x#1", "x#2"), and an explicit "x#1" ("x#1#1"). */
static const uint32_t x_bits[6] = {0x3f800000u, 0x7fc12345u, 0x80000000u,
                                   0x7f800000u, 0xff800000u, 0x00000001u};
static const uint16_t h_bits[4] = {0x3c00, 0xc000, 0x0001, 0x7e00};
static const int64_t ids[3] = {9007199254740993LL, -9007199254740995LL,
                               INT64_MAX};
static const uint8_t mask[5] = {1, 0, 0, 1, 1};
static const float scalar = 3.25f;

static const char *expected_order[] = {"x", "h", "ids", "mask", "s",
                                       "x#1", "x#2", "x#1#1"};
#define N_EXPECTED 8

static void write_stages(parity_tracer *t) {
    parity_error err = {0};
    const int64_t sx[2] = {2, 3}, s4[1] = {4}, s3[1] = {3}, s5[1] = {5};
    uint32_t xb[6];
    memcpy(xb, x_bits, sizeof xb);
    CHECK_OK_ERR(parity_tracer_add_input(t, "x", PARITY_DT_F32, 2, sx, xb, &err));
    uint16_t hb[4];
    memcpy(hb, h_bits, sizeof hb);
    CHECK_OK_ERR(parity_tracer_add(t, "h", PARITY_DT_F16, 1, s4, hb, &err));
    int64_t ib[3];
    memcpy(ib, ids, sizeof ib);
    CHECK_OK_ERR(parity_tracer_add(t, "ids", PARITY_DT_I64, 1, s3, ib, &err));
    uint8_t mb[5];
    memcpy(mb, mask, sizeof mb);
    CHECK_OK_ERR(parity_tracer_add(t, "mask", PARITY_DT_BOOL, 1, s5, mb, &err));
    float sc = scalar;
    CHECK_OK_ERR(parity_tracer_add(t, "s", PARITY_DT_F32, 0, NULL, &sc, &err));
    for (int k = 0; k < 2; k++)
        CHECK_OK_ERR(parity_tracer_add(t, "x", PARITY_DT_F32, 2, sx, xb, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "x#1", PARITY_DT_F32, 2, sx, xb, &err));
    CHECK_OK_ERR(parity_tracer_meta(t, "model", "toy", &err));
    CHECK_OK_ERR(parity_tracer_meta(t, "model", "toy2", &err));
    CHECK_EQ_INT(parity_tracer_meta(t, "parity.order", "[]", &err), PARITY_E_USAGE);
    const int64_t neg[1] = {-1};
    CHECK_EQ_INT(parity_tracer_add(t, "bad", PARITY_DT_F32, 1, neg, xb, &err),
                 PARITY_E_USAGE);
    CHECK_EQ_INT(parity_tracer_add(t, "", PARITY_DT_F32, 1, s3, xb, &err),
                 PARITY_E_USAGE);
    /* refused by the writer (not UTF-8): takes no name, adds no stage */
    CHECK_EQ_INT(parity_tracer_add(t, "\xff", PARITY_DT_F32, 1, s3, xb, &err),
                 PARITY_E_USAGE);
}

/* One tensor of a reopened trace: dtype, shape and the exact bytes. */
static void check_tensor(const parity_set *set, const char *name,
                         parity_dtype dt, int ndim, const int64_t *shape,
                         const void *bytes, size_t nbytes, int is_input) {
    long i = parity_set_find(set, name);
    if (!CHECK_MSG(i >= 0, "tensor '%s' missing", name)) return;
    const parity_tensor *t = parity_set_tensor(set, (size_t)i);
    CHECK_EQ_INT(t->dtype, dt);
    CHECK_EQ_INT(t->ndim, ndim);
    for (int d = 0; d < ndim && d < t->ndim; d++) CHECK_EQ_INT(t->shape[d], shape[d]);
    CHECK_EQ_U64(t->nbytes, nbytes);
    CHECK_EQ_INT(t->byteswap, 0);
    if (t->nbytes == nbytes)
        CHECK_MSG(memcmp(t->data, bytes, nbytes) == 0, "'%s': bytes differ", name);
    CHECK_EQ_INT(t->is_input, is_input);
}

static void check_stages(const parity_set *set) {
    const int64_t sx[2] = {2, 3}, s4[1] = {4}, s3[1] = {3}, s5[1] = {5};
    CHECK_EQ_U64(parity_set_count(set), N_EXPECTED);
    for (size_t i = 0; i < N_EXPECTED && i < parity_set_count(set); i++)
        CHECK_EQ_STR(parity_set_tensor(set, i)->name, expected_order[i]);
    check_tensor(set, "x", PARITY_DT_F32, 2, sx, x_bits, sizeof x_bits, 1);
    check_tensor(set, "h", PARITY_DT_F16, 1, s4, h_bits, sizeof h_bits, 0);
    check_tensor(set, "ids", PARITY_DT_I64, 1, s3, ids, sizeof ids, 0);
    check_tensor(set, "mask", PARITY_DT_BOOL, 1, s5, mask, sizeof mask, 0);
    check_tensor(set, "s", PARITY_DT_F32, 0, NULL, &scalar, sizeof scalar, 0);
    check_tensor(set, "x#2", PARITY_DT_F32, 2, sx, x_bits, sizeof x_bits, 0);
    check_tensor(set, "x#1#1", PARITY_DT_F32, 2, sx, x_bits, sizeof x_bits, 0);
    CHECK_EQ_STR(parity_set_meta_get(set, "model"), "toy2");
}

static void test_single_file(void) {
    char path[128];
    parity_error err = {0};
    parity_tracer *t = NULL;
    tmp_path(path, sizeof path, "single.safetensors");
    CHECK_OK_ERR(parity_tracer_open(path, &t, &err));
    if (!CHECK(t != NULL)) return;
    write_stages(t);
    /* before close the file is the journal: every stage is there already */
    parity_set *set = NULL;
    CHECK_OK_ERR(parity_set_open(path, NULL, &set, &err));
    if (set) check_stages(set);
    CHECK(set && strstr(parity_set_meta_get(set, "parity.recovered"), "recovered 8 stages"));
    parity_set_free(set);
    set = NULL;
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    CHECK_OK_ERR(parity_set_open(path, NULL, &set, &err));
    if (!set) return;
    check_stages(set);
    CHECK_EQ_INT(parity_set_order_source(set), PARITY_ORDER_METADATA);
    CHECK_EQ_STR(parity_set_meta_get(set, "parity.format"), "parity-trace/1");
    CHECK_EQ_STR(parity_set_meta_get(set, "parity.inputs"), "[\"x\"]");
    CHECK_EQ_STR(parity_set_meta_get(set, "parity.order"),
                 "[\"x\",\"h\",\"ids\",\"mask\",\"s\",\"x#1\",\"x#2\",\"x#1#1\"]");
    parity_set_free(set);
}

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *s = calloc(1, 1 << 16);
    size_t n = s ? fread(s, 1, (1 << 16) - 1, f) : 0;
    (void)n;
    fclose(f);
    return s;
}

/* A JSON file parsed with cJSON, or NULL. */
static cJSON *read_json(const char *path) {
    char *text = read_text(path);
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    free(text);
    CHECK_MSG(root != NULL, "%s: not readable JSON", path);
    return root;
}

/* index.json parsed independently of the library's reader. */
static void check_index(const char *dir) {
    char path[160];
    snprintf(path, sizeof path, "%s/index.json", dir);
    char *text = read_text(path);
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    free(text);
    if (!CHECK(root != NULL)) return;
    cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    cJSON *order = cJSON_GetObjectItemCaseSensitive(root, "order");
    cJSON *inputs = cJSON_GetObjectItemCaseSensitive(root, "inputs");
    cJSON *files = cJSON_GetObjectItemCaseSensitive(root, "files");
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    CHECK(cJSON_IsString(fmt) && !strcmp(fmt->valuestring, "parity-trace"));
    CHECK(cJSON_IsNumber(ver) && ver->valuedouble == 1);
    CHECK_EQ_INT(cJSON_GetArraySize(order), N_EXPECTED);
    for (int i = 0; i < N_EXPECTED; i++) {
        cJSON *e = cJSON_GetArrayItem(order, i);
        CHECK_EQ_STR(cJSON_IsString(e) ? e->valuestring : NULL, expected_order[i]);
        char want[32];
        snprintf(want, sizeof want, "%06d.safetensors", i + 1);
        cJSON *f = cJSON_GetObjectItemCaseSensitive(files, expected_order[i]);
        const char *wanted = want;
        CHECK_EQ_STR(cJSON_IsString(f) ? f->valuestring : NULL, wanted);
    }
    CHECK_EQ_INT(cJSON_GetArraySize(inputs), 1);
    cJSON *in0 = cJSON_GetArrayItem(inputs, 0);
    CHECK_EQ_STR(cJSON_IsString(in0) ? in0->valuestring : NULL, "x");
    cJSON *model = cJSON_GetObjectItemCaseSensitive(meta, "model");
    CHECK_EQ_STR(cJSON_IsString(model) ? model->valuestring : NULL, "toy2");
    cJSON_Delete(root);
}

static void test_directory(void) {
    char dir[128], path[192];
    parity_error err = {0};
    parity_tracer *t = NULL;
    tmp_path(dir, sizeof dir, "nested/dir/trace"); /* mkdir -p */
    CHECK_OK_ERR(parity_tracer_open(dir, &t, &err));
    if (!CHECK(t != NULL)) return;
    write_stages(t);
    /* written as it goes: complete before close */
    snprintf(path, sizeof path, "%s/000008.safetensors", dir);
    CHECK(file_exists(path));
    check_index(dir);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    check_index(dir);
    parity_set *set = NULL;
    CHECK_OK_ERR(parity_set_open(dir, NULL, &set, &err));
    if (set) {
        check_stages(set);
        CHECK_EQ_INT(parity_set_order_source(set), PARITY_ORDER_INDEX);
        parity_set_free(set);
    }
}

/* Reruns into the directory test_directory wrote, then odd names. */
static void test_directory_rerun(void) {
    char dir[128], path[192];
    parity_error err = {0};
    parity_tracer *t = NULL;
    parity_set *set = NULL;
    tmp_path(dir, sizeof dir, "nested/dir/trace");
    snprintf(path, sizeof path, "%s/000008.safetensors", dir);
    CHECK(file_exists(path));
    /* a second run into the same directory replaces the first entirely */
    CHECK_OK_ERR(parity_tracer_open(dir, &t, &err));
    const int64_t s1[1] = {1};
    float one = 1;
    CHECK_OK_ERR(parity_tracer_add(t, "only", PARITY_DT_F32, 1, s1, &one, &err));
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    CHECK(!file_exists(path));
    CHECK_OK_ERR(parity_set_open(dir, NULL, &set, &err));
    if (set) {
        CHECK_EQ_U64(parity_set_count(set), 1);
        parity_set_free(set);
    }
    /* names and metadata that need JSON escapes */
    const char *odd = "q\"uote\\back\ttab/\xc3\xa9";
    CHECK_OK_ERR(parity_tracer_open(dir, &t, &err));
    CHECK_OK_ERR(parity_tracer_add(t, odd, PARITY_DT_F32, 1, s1, &one, &err));
    CHECK_OK_ERR(parity_tracer_meta(t, odd, odd, &err));
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    CHECK_OK_ERR(parity_set_open(dir, NULL, &set, &err));
    if (set) {
        CHECK_EQ_U64(parity_set_count(set), 1);
        CHECK_EQ_STR(parity_set_tensor(set, 0)->name, odd);
        CHECK_EQ_INT(parity_set_order_source(set), PARITY_ORDER_INDEX);
        CHECK_EQ_STR(parity_set_meta_get(set, odd), odd);
        parity_set_free(set);
    }
    /* a regular file where the directory should be */
    tmp_path(dir, sizeof dir, "single.safetensors/sub");
    CHECK_EQ_INT(parity_tracer_open(dir, &t, &err), PARITY_E_IO);
    CHECK(t == NULL);
}

static void test_disabled_and_env(void) {
    parity_error err = {0};
    parity_tracer *t = (parity_tracer *)&err; /* must be reset to NULL */
    unsetenv("PARITY_TRACE");
    unsetenv("PARITY_INJECT");
    CHECK_OK_ERR(parity_tracer_open(NULL, &t, &err));
    CHECK(t == NULL);
    const int64_t s1[1] = {1};
    float v = 2;
    CHECK_EQ_INT(parity_tracer_add(t, "a", PARITY_DT_F32, 1, s1, &v, &err), PARITY_OK);
    CHECK_EQ_INT(parity_tracer_add_input(t, "a", PARITY_DT_F32, 1, s1, &v, &err), PARITY_OK);
    CHECK_EQ_INT(parity_tracer_meta(t, "k", "v", &err), PARITY_OK);
    CHECK_EQ_INT(parity_tracer_set_inject(t, "/nonexistent", &err), PARITY_OK);
    CHECK_EQ_U64(parity_tracer_injected(t), 0);
    CHECK_EQ_INT(parity_tracer_close(NULL, &err), PARITY_OK);
    CHECK(v == 2);
    /* PARITY_TRACE is the path when none is given */
    char path[128];
    setenv("PARITY_TRACE", tmp_path(path, sizeof path, "env.safetensors"), 1);
    CHECK_OK_ERR(parity_tracer_open(NULL, &t, &err));
    unsetenv("PARITY_TRACE");
    CHECK(t != NULL);
    CHECK_OK_ERR(parity_tracer_add(t, "a", PARITY_DT_F32, 1, s1, &v, &err));
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    parity_set *set = NULL;
    CHECK_OK_ERR(parity_set_open(path, NULL, &set, &err));
    CHECK(set && parity_set_count(set) == 1);
    parity_set_free(set);
}

/* ---- inject ------------------------------------------------------------- */

/* Reference: a F32 [2,3,4] = i/2 (i = flat index), a again as "a#1" = -i,
 * p F32 [2,3,4] = i*3 - 7, h F32 [4] values exact in f16, c I64 [4] past
 * 2^53, b F32 [3]. */
static void write_reference(const char *path) {
    parity_error err = {0};
    parity_tracer *t = NULL;
    CHECK_OK_ERR(parity_tracer_open(path, &t, &err));
    if (!t) return;
    const int64_t s234[3] = {2, 3, 4}, s4[1] = {4}, s3[1] = {3};
    float a[24], a1[24], p[24], b[3] = {1, 2, 3};
    for (int i = 0; i < 24; i++) {
        a[i] = (float)i / 2;
        a1[i] = (float)-i;
        p[i] = (float)(i * 3 - 7);
    }
    float h[4] = {1.0f, 0.5f, -2.0f, 65504.0f};
    int64_t c[4] = {9007199254740993LL, -1, INT64_MIN, 42};
    CHECK_OK_ERR(parity_tracer_add(t, "a", PARITY_DT_F32, 3, s234, a, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "a", PARITY_DT_F32, 3, s234, a1, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "p", PARITY_DT_F32, 3, s234, p, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "h", PARITY_DT_F32, 1, s4, h, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "c", PARITY_DT_I64, 1, s4, c, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "b", PARITY_DT_F32, 1, s3, b, &err));
    CHECK_OK_ERR(parity_tracer_close(t, &err));
}

static void inject_values(parity_tracer *t) {
    parity_error err = {0};
    const int64_t s234[3] = {2, 3, 4}, s243[3] = {2, 4, 3}, s4[1] = {4};
    float a[24] = {0}, a1[24] = {0}, p[24];
    CHECK_OK_ERR(parity_tracer_inject(t, "a", PARITY_DT_F32, 3, s234, a, &err));
    CHECK_OK_ERR(parity_tracer_inject(t, "a", PARITY_DT_F32, 3, s234, a1, &err));
    for (int i = 0; i < 24; i++) {
        CHECK_EQ_DBL(a[i], i / 2.0);
        CHECK_EQ_DBL(a1[i], -i);
    }
    /* the port holds p transposed ([2,4,3]), slightly off: after inject it
     * holds the reference exactly, still transposed */
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++)
                p[(i * 4 + k) * 3 + j] = (float)((i * 12 + j * 4 + k) * 3 - 7) * 1.001f;
    CHECK_OK_ERR(parity_tracer_inject(t, "p", PARITY_DT_F32, 3, s243, p, &err));
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++)
                CHECK_EQ_DBL(p[(i * 4 + k) * 3 + j], (i * 12 + j * 4 + k) * 3 - 7);
    uint16_t h[4] = {0};
    CHECK_OK_ERR(parity_tracer_inject(t, "h", PARITY_DT_F16, 1, s4, h, &err));
    CHECK_EQ_INT(h[0], 0x3c00); /* 1 */
    CHECK_EQ_INT(h[1], 0x3800); /* 0.5 */
    CHECK_EQ_INT(h[2], 0xc000); /* -2 */
    CHECK_EQ_INT(h[3], 0x7bff); /* 65504, the largest f16 */
    int64_t c[4] = {0};
    CHECK_OK_ERR(parity_tracer_inject(t, "c", PARITY_DT_I64, 1, s4, c, &err));
    CHECK_EQ_INT(c[0], 9007199254740993LL);
    CHECK_EQ_INT(c[1], -1);
    CHECK_EQ_INT(c[2], INT64_MIN);
    CHECK_EQ_INT(c[3], 42);
    CHECK_EQ_U64(parity_tracer_injected(t), 5);
}

static void inject_errors(parity_tracer *t) {
    parity_error err = {0};
    const int64_t s5[1] = {5}, s3[1] = {3};
    float v[5] = {0};
    CHECK_EQ_INT(parity_tracer_inject(t, "missing", PARITY_DT_F32, 1, s5, v, &err),
                 PARITY_E_NOTFOUND);
    CHECK_MSG(strstr(err.msg, "'missing'") != NULL, "%s", err.msg);
    CHECK_EQ_INT(parity_tracer_inject(t, "b", PARITY_DT_F32, 1, s5, v, &err), PARITY_E_SHAPE);
    CHECK_MSG(strstr(err.msg, "'b'") && strstr(err.msg, "[5]") &&
                  strstr(err.msg, "[3]"), "%s", err.msg);
    CHECK(strchr(err.msg, '\n') == NULL);
    CHECK_EQ_U64(parity_tracer_injected(t), 5);
    /* inject off: the buffer is left alone */
    CHECK_OK_ERR(parity_tracer_set_inject(t, NULL, &err));
    CHECK_OK_ERR(parity_tracer_inject(t, "b", PARITY_DT_F32, 1, s3, v, &err));
    CHECK(v[0] == 0 && v[1] == 0 && v[2] == 0);
}

static void test_inject(void) {
    char ref[128], port[128];
    parity_error err = {0};
    write_reference(tmp_path(ref, sizeof ref, "ref.safetensors"));
    parity_tracer *t = NULL;
    CHECK_OK_ERR(parity_tracer_open(tmp_path(port, sizeof port, "port"), &t, &err));
    if (!t) return;
    CHECK_EQ_INT(parity_tracer_set_inject(t, "/nonexistent/ref", &err), PARITY_E_IO);
    CHECK_OK_ERR(parity_tracer_set_inject(t, ref, &err));
    inject_values(t);
    inject_errors(t);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    /* the trace holds the port's own values, from before the inject */
    parity_set *set = NULL;
    CHECK_OK_ERR(parity_set_open(port, NULL, &set, &err));
    long i = set ? parity_set_find(set, "a") : -1;
    if (CHECK(i >= 0)) {
        double v[24];
        parity_tensor_read(parity_set_tensor(set, (size_t)i), 0, 24, v);
        for (int k = 0; k < 24; k++) CHECK_EQ_DBL(v[k], 0);
    }
    parity_set_free(set);
    /* PARITY_INJECT is read at open */
    setenv("PARITY_INJECT", ref, 1);
    CHECK_OK_ERR(parity_tracer_open(tmp_path(port, sizeof port, "port2"), &t, &err));
    unsetenv("PARITY_INJECT");
    const int64_t s3[1] = {3};
    float b[3] = {0};
    CHECK_OK_ERR(parity_tracer_inject(t, "b", PARITY_DT_F32, 1, s3, b, &err));
    CHECK(b[0] == 1 && b[1] == 2 && b[2] == 3);
    CHECK_EQ_U64(parity_tracer_injected(t), 1);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
}

/* A reference traced over the whole sequence against a port that injects
 * one position per call (q, q#1, ...): q [2, 4, 4] (heads, positions,
 * dims) = 100 h + 10 t + d, the scores s likewise [2, 4, 4]. Call k of q
 * [2, 4] receives q[:, k, :], not the prefix of a slice along the heads
 * (which [2, 4] also is); call k of s [2, k+1], a view of [2, 4], receives
 * the valid prefix s[:, k, 0..k] through its strides; a fifth call is
 * beyond the reference. v (the same values) fits a port's [3] neither
 * whole nor at a position; w, once injected whole, has no position for the
 * port's second call. */
static void test_inject_steps(void) {
    char ref[128], port[128];
    parity_error err = {0};
    parity_tracer *t = NULL;
    const int64_t s244[3] = {2, 4, 4}, s24[2] = {2, 4}, s3[1] = {3};
    float whole[32], q[8], s[2][4];
    for (int i = 0; i < 32; i++) whole[i] = (float)(100 * (i / 16) + 10 * (i / 4 % 4) + i % 4);
    CHECK_OK_ERR(parity_tracer_open(tmp_path(ref, sizeof ref, "whole.safetensors"), &t, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "q", PARITY_DT_F32, 3, s244, whole, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "s", PARITY_DT_F32, 3, s244, whole, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "v", PARITY_DT_F32, 3, s244, whole, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "w", PARITY_DT_F32, 3, s244, whole, &err));
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    CHECK_OK_ERR(parity_tracer_open(tmp_path(port, sizeof port, "steps"), &t, &err));
    CHECK_OK_ERR(parity_tracer_set_inject(t, ref, &err));
    for (int k = 0; t && k < 4; k++) {
        const int64_t grown[2] = {2, k + 1}, stride[2] = {4, 1};
        memset(q, 0, sizeof q);
        memset(s, 0, sizeof s);
        CHECK_OK_ERR(parity_tracer_inject(t, "q", PARITY_DT_F32, 2, s24, q, &err));
        CHECK_OK_ERR(
            parity_tracer_inject_strided(t, "s", PARITY_DT_F32, 2, grown, stride, &s[0][0], &err));
        for (int h = 0; h < 2; h++)
            for (int d = 0; d < 4; d++) {
                CHECK_EQ_DBL(q[h * 4 + d], 100 * h + 10 * k + d);
                CHECK_EQ_DBL(s[h][d], d <= k ? 100 * h + 10 * k + d : 0);
            }
    }
    CHECK_EQ_U64(parity_tracer_injected(t), 8);
    memset(q, 0, sizeof q);
    CHECK_EQ_INT(parity_tracer_inject(t, "q", PARITY_DT_F32, 2, s24, q, &err), PARITY_E_NOTFOUND);
    CHECK_MSG(strstr(err.msg, "stage 'q#4': position 4 is beyond the reference 'q' [2, 4, 4]") &&
                  strstr(err.msg, "positions 0..3") && !strchr(err.msg, '\n'),
              "%s", err.msg);
    CHECK(q[0] == 0 && q[7] == 0);
    parity_status st = parity_tracer_inject(t, "v", PARITY_DT_F32, 1, s3, q, &err);
    CHECK_EQ_INT(st, PARITY_E_SHAPE);
    CHECK_MSG(strstr(err.msg, "stage 'v': port shape [3] cannot be aligned to the reference "
                              "'v' [2, 4, 4]") &&
                  strstr(err.msg, "whole or at position 0"),
              "%s", err.msg);
    /* a call that took the whole tensor: the next is not a position of it */
    CHECK_OK_ERR(parity_tracer_inject(t, "w", PARITY_DT_F32, 3, s244, whole, &err));
    st = parity_tracer_inject(t, "w", PARITY_DT_F32, 2, s24, q, &err);
    CHECK_EQ_INT(st, PARITY_E_NOTFOUND);
    CHECK_MSG(strstr(err.msg, "stage 'w#1': not in the inject reference"), "%s", err.msg);
    CHECK_EQ_U64(parity_tracer_injected(t), 9);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
}

/* F64 reference values converted to other dtypes; the expected bits are
 * written out by hand from each format's definition. */
static const double conv_ref[6] = {1.0, 448.0, 500.0, -0.0, -2.5, 1e6};

static void inject_ints(parity_tracer *t);

static void inject_dtype(parity_tracer *t, const char *name, parity_dtype dt,
                         void *buf) {
    parity_error err = {0};
    const int64_t s6[1] = {6};
    CHECK_OK_ERR(parity_tracer_inject(t, name, dt, 1, s6, buf, &err));
}

static void test_inject_convert(void) {
    char ref[128], port[128];
    parity_error err = {0};
    parity_tracer *t = NULL;
    const char *names[] = {"bf16", "e4m3", "e5m2", "i32", "u8", "bool"};
    const int64_t s6[1] = {6};
    double v[6];
    memcpy(v, conv_ref, sizeof v);
    CHECK_OK_ERR(parity_tracer_open(tmp_path(ref, sizeof ref, "conv.safetensors"), &t, &err));
    for (int i = 0; t && i < 6; i++)
        CHECK_OK_ERR(parity_tracer_inject(t, names[i], PARITY_DT_F64, 1, s6, v, &err));
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    CHECK_OK_ERR(parity_tracer_open(tmp_path(port, sizeof port, "conv_port"), &t, &err));
    if (!t) return;
    CHECK_OK_ERR(parity_tracer_set_inject(t, ref, &err));
    uint16_t bf[6] = {0};
    inject_dtype(t, "bf16", PARITY_DT_BF16, bf);
    /* bf16 = the high half of f32: 1 = 0x3f80, 448 = 0x43e0, 500 = 0x43fa,
     * -0 = 0x8000, -2.5 = 0xc020, 1e6 rounds to 999424 = 0x4974 */
    const uint16_t bf_want[6] = {0x3f80, 0x43e0, 0x43fa, 0x8000, 0xc020, 0x4974};
    for (int i = 0; i < 6; i++) CHECK_EQ_INT(bf[i], bf_want[i]);
    uint8_t e4[6] = {0}, e5[6] = {0};
    inject_dtype(t, "e4m3", PARITY_DT_F8_E4M3, e4);
    /* e4m3fn: 1 = 0 0111 000, 448 = 0 1111 110 (max), 500 > 464: NaN 0x7f,
     * -0 = 0x80, -2.5 = 1 1000 010, 1e6: NaN (no Inf) */
    const uint8_t e4_want[6] = {0x38, 0x7e, 0x7f, 0x80, 0xc2, 0x7f};
    for (int i = 0; i < 6; i++) CHECK_EQ_INT(e4[i], e4_want[i]);
    inject_dtype(t, "e5m2", PARITY_DT_F8_E5M2, e5);
    /* e5m2: 1 = 0 01111 00, 448 = 1.75·2^8 = 0 10111 11, 500 rounds to 512
     * = 0 11000 00, -0, -2.5 = 1 10000 01, 1e6 > 61440: +Inf 0x7c */
    const uint8_t e5_want[6] = {0x3c, 0x5f, 0x60, 0x80, 0xc1, 0x7c};
    for (int i = 0; i < 6; i++) CHECK_EQ_INT(e5[i], e5_want[i]);
    inject_ints(t);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
}

/* The integer and bool half of test_inject_convert. */
static void inject_ints(parity_tracer *t) {
    parity_error err = {0};
    const int64_t s6[1] = {6};
    int32_t i32[6] = {0};
    inject_dtype(t, "i32", PARITY_DT_I32, i32);
    const int32_t i32_want[6] = {1, 448, 500, 0, -2, 1000000}; /* -2.5: ties to even */
    for (int i = 0; i < 6; i++) CHECK_EQ_INT(i32[i], i32_want[i]);
    uint8_t u8[6] = {0}, b[6] = {0};
    inject_dtype(t, "u8", PARITY_DT_U8, u8);
    const uint8_t u8_want[6] = {1, 255, 255, 0, 0, 255}; /* saturated */
    for (int i = 0; i < 6; i++) CHECK_EQ_INT(u8[i], u8_want[i]);
    inject_dtype(t, "bool", PARITY_DT_BOOL, b);
    const uint8_t b_want[6] = {1, 1, 1, 0, 1, 1};
    for (int i = 0; i < 6; i++) CHECK_EQ_INT(b[i], b_want[i]);
    /* F80 has no safetensors spelling: refused before anything is written */
    unsigned char f80[6][16] = {{0}};
    CHECK_EQ_INT(parity_tracer_add(t, "f80", PARITY_DT_F80, 1, s6, f80, &err),
                 PARITY_E_USAGE);
    CHECK_MSG(strstr(err.msg, "'f80'") != NULL, "%s", err.msg);
}

/* A reference that is a plain .npy file, big-endian and Fortran order:
 * "w" int32 [2,3] = [[1,2,3],[4,5,6]] stored column by column. */
static void test_inject_npy(void) {
    char dir[128], path[192], port[128];
    parity_error err = {0};
    tmp_path(dir, sizeof dir, "npyref");
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/w.npy", dir);
    char header[128]; /* magic, version 1.0, u16 LE length 118, dict, '\n' */
    memset(header, ' ', sizeof header);
    const char *dict = "{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }";
    memcpy(header, "\x93NUMPY\x01\x00\x76\x00", 10);
    memcpy(header + 10, dict, strlen(dict));
    header[127] = '\n';
    const unsigned char data[24] = {0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 2,
                                    0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 6};
    FILE *f = fopen(path, "wb");
    if (!CHECK(f != NULL)) return;
    CHECK(fwrite(header, 1, 128, f) == 128 && fwrite(data, 1, 24, f) == 24);
    fclose(f);
    parity_tracer *t = NULL;
    CHECK_OK_ERR(parity_tracer_open(tmp_path(port, sizeof port, "npyport"), &t, &err));
    if (!t) return;
    CHECK_OK_ERR(parity_tracer_set_inject(t, dir, &err));
    const int64_t s23[2] = {2, 3};
    int32_t w[6] = {0};
    double wd[6] = {0};
    CHECK_OK_ERR(parity_tracer_inject(t, "w", PARITY_DT_I32, 2, s23, w, &err));
    for (int i = 0; i < 6; i++) CHECK_EQ_INT(w[i], i + 1); /* raw, swapped */
    /* the second add is "w#1", which the folder does not have */
    CHECK_EQ_INT(parity_tracer_inject(t, "w", PARITY_DT_I32, 2, s23, w, &err), PARITY_E_NOTFOUND);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    /* converted through doubles: F64 */
    CHECK_OK_ERR(parity_tracer_open(tmp_path(port, sizeof port, "npyport2"), &t, &err));
    if (!t) return;
    CHECK_OK_ERR(parity_tracer_set_inject(t, dir, &err));
    CHECK_OK_ERR(parity_tracer_inject(t, "w", PARITY_DT_F64, 2, s23, wd, &err));
    for (int i = 0; i < 6; i++) CHECK_EQ_DBL(wd[i], i + 1);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
}

/* ---- the pipeline program --------------------------------------------- */

static int run_pipeline(const char *env, const char *args) {
    const char *build = getenv("PARITY_BUILD");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "env -u PARITY_INJECT %s %s/trace_pipeline %s >/dev/null",
             env, build, args);
    return system(cmd);
}

/* relative = ‖port - ref‖₂/‖ref‖₂ of every stage of two traces. */
static void stage_relatives(const char *ref_path, const char *port_path,
                            double *rel, int n) {
    parity_error err = {0};
    parity_set *r = NULL, *p = NULL;
    CHECK_OK_ERR(parity_set_open(ref_path, NULL, &r, &err));
    CHECK_OK_ERR(parity_set_open(port_path, NULL, &p, &err));
    if (!CHECK(r && p && parity_set_count(r) == (size_t)n &&
               parity_set_count(p) == (size_t)n)) n = 0;
    parity_diff_opts opts = parity_diff_opts_default();
    for (int i = 0; i < n; i++) {
        parity_diff d;
        memset(&d, 0, sizeof d);
        const parity_tensor *a = parity_set_tensor(r, (size_t)i);
        const parity_tensor *b = parity_set_tensor(p, (size_t)i);
        CHECK_EQ_STR(a->name, b->name);
        CHECK_OK_ERR(parity_diff_tensors(a, b, &opts, &d, &err));
        rel[i] = d.relative;
        parity_diff_clear(&d);
    }
    parity_set_free(r);
    parity_set_free(p);
}

static void test_pipeline(void) {
    if (!CHECK(getenv("PARITY_BUILD") != NULL)) return;
    char clean[128], bad[128], inj[128], env[512];
    tmp_path(clean, sizeof clean, "clean");
    tmp_path(bad, sizeof bad, "defect.safetensors");
    tmp_path(inj, sizeof inj, "injected");
    snprintf(env, sizeof env, "PARITY_TRACE=%s", clean);
    CHECK_EQ_INT(run_pipeline(env, ""), 0);
    snprintf(env, sizeof env, "PARITY_TRACE=%s", bad);
    CHECK_EQ_INT(run_pipeline(env, "--defect 3"), 0);
    snprintf(env, sizeof env, "PARITY_TRACE=%s PARITY_INJECT=%s", inj, clean);
    CHECK_EQ_INT(run_pipeline(env, "--defect 3"), 0);
    double rel[7] = {0};
    /* without inject the error propagates: stages 3..6 all differ */
    stage_relatives(clean, bad, rel, 7);
    for (int i = 0; i < 3; i++) CHECK_EQ_DBL(rel[i], 0);
    for (int i = 3; i < 7; i++) CHECK_MSG(rel[i] > 1e-3, "stage %d: %g", i, rel[i]);
    /* with inject only stage 3 (index 3: after the input) differs, by
     * its own ×1.01 */
    stage_relatives(clean, inj, rel, 7);
    for (int i = 0; i < 7; i++) {
        if (i == 3) CHECK_NEAR_DBL(rel[i], 0.01, 1e-4);
        else CHECK_MSG(rel[i] == 0, "stage %d: relative %g", i, rel[i]);
    }
}

/* ---- what a directory trace may overwrite ----------------------------- */

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!CHECK(f != NULL)) return;
    fputs(text, f);
    fclose(f);
}

static int text_equals(const char *path, const char *want) {
    char buf[256] = {0};
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(want) && memcmp(buf, want, n) == 0;
}

/* Only an empty (or new) directory or a parity trace is written into: a
 * folder with other files, or with an index.json that is not a parity
 * trace's, is refused with a one-line error naming it, and left as it was. */
static void test_directory_refuses(void) {
    char dir[128], a[192], b[192];
    parity_error err = {0};
    parity_tracer *t = (parity_tracer *)&err;
    tmp_path(dir, sizeof dir, "foreign");
    mkdir(dir, 0777);
    snprintf(a, sizeof a, "%s/000001.safetensors", dir);
    snprintf(b, sizeof b, "%s/notes.txt", dir);
    write_text(a, "not a stage");
    write_text(b, "keep me");
    CHECK_EQ_INT(parity_tracer_open(dir, &t, &err), PARITY_E_USAGE);
    CHECK(t == NULL);
    CHECK_MSG(strstr(err.msg, dir) && strstr(err.msg, "not a parity trace") &&
                  !strchr(err.msg, '\n'), "%s", err.msg);
    CHECK(text_equals(a, "not a stage") && text_equals(b, "keep me"));
    /* an index.json of something else (a sharded checkpoint's, say) */
    unlink(b);
    snprintf(b, sizeof b, "%s/index.json", dir);
    write_text(b, "{\"weight_map\":{}}");
    CHECK_EQ_INT(parity_tracer_open(dir, &t, &err), PARITY_E_USAGE);
    CHECK(text_equals(a, "not a stage") && text_equals(b, "{\"weight_map\":{}}"));
    /* an empty directory is fine */
    tmp_path(dir, sizeof dir, "empty");
    mkdir(dir, 0777);
    CHECK_OK_ERR(parity_tracer_open(dir, &t, &err));
    CHECK_OK_ERR(parity_tracer_close(t, &err));
}

/* Stages written after the last index.json are still read, after the
 * indexed ones, in the order written (file number, not name order), with
 * their input marks: index.json is rewritten at once for an input. The
 * index of a crash is simulated by rewriting it as it was after stage 1. */
static void test_directory_recovery(void) {
    char dir[128], path[192];
    parity_error err = {0};
    parity_tracer *t = NULL;
    static const char *const names[] = {"x", "b", "a", "c10", "c9", "late_input"};
    const int64_t s1[1] = {1};
    tmp_path(dir, sizeof dir, "recover");
    CHECK_OK_ERR(parity_tracer_open(dir, &t, &err));
    if (!t) return;
    for (int i = 0; i < 6; i++) {
        float v = (float)i;
        parity_status st = i == 0 || i == 5
                               ? parity_tracer_add_input(t, names[i], PARITY_DT_F32, 1, s1, &v, &err)
                               : parity_tracer_add(t, names[i], PARITY_DT_F32, 1, s1, &v, &err);
        CHECK_OK_ERR(st);
        /* readable at every moment, in order, before close */
        parity_set *set = NULL;
        CHECK_OK_ERR(parity_set_open(dir, NULL, &set, &err));
        for (int j = 0; set && j <= i; j++)
            CHECK_EQ_STR(parity_set_tensor(set, (size_t)j)->name, names[j]);
        if (set) CHECK_EQ_U64(parity_set_count(set), (uint64_t)i + 1);
        parity_set_free(set);
    }
    /* an input is indexed at once */
    snprintf(path, sizeof path, "%s/index.json", dir);
    cJSON *idx = read_json(path);
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(idx, "inputs");
    CHECK(cJSON_GetArraySize(in) == 2);
    cJSON_Delete(idx);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    write_text(path, "{\"format\":\"parity-trace\",\"version\":1,\"order\":[\"x\"],"
                     "\"inputs\":[\"x\"],\"files\":{\"x\":\"000001.safetensors\"},"
                     "\"metadata\":{}}\n");
    parity_set *set = NULL;
    CHECK_OK_ERR(parity_set_open(dir, NULL, &set, &err));
    if (!set) return;
    CHECK_EQ_U64(parity_set_count(set), 6);
    for (size_t j = 0; j < 6 && j < parity_set_count(set); j++)
        CHECK_EQ_STR(parity_set_tensor(set, j)->name, names[j]);
    CHECK_EQ_INT(parity_set_order_source(set), PARITY_ORDER_INDEX);
    CHECK_EQ_INT(parity_set_tensor(set, 0)->is_input, 1);
    parity_set_free(set);
}

/* ---- inject conversion: the table shared with the Python tracer -------- */

/* tests/tracer/inject_table.json: values (F64 in the reference) and the
 * expected result in each integer dtype and BOOL. */
static void test_inject_table(void) {
    char path[1024], ref[128], port[128];
    const char *src = getenv("PARITY_SRC");
    parity_error err = {0};
    if (!CHECK(src != NULL)) return;
    snprintf(path, sizeof path, "%s/tests/tracer/inject_table.json", src);
    cJSON *doc = read_json(path);
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(doc, "values");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(doc, "expected");
    int n = cJSON_GetArraySize(vals);
    if (!CHECK(n > 0 && n <= 32 && exp)) { cJSON_Delete(doc); return; }
    double v[32];
    for (int i = 0; i < n; i++) v[i] = strtod(cJSON_GetArrayItem(vals, i)->valuestring, NULL);
    const int64_t shape[1] = {n};
    parity_tracer *t = NULL;
    CHECK_OK_ERR(parity_tracer_open(tmp_path(ref, sizeof ref, "table.safetensors"), &t, &err));
    for (const cJSON *e = exp->child; t && e; e = e->next)
        CHECK_OK_ERR(parity_tracer_add(t, e->string, PARITY_DT_F64, 1, shape, v, &err));
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    CHECK_OK_ERR(parity_tracer_open(tmp_path(port, sizeof port, "table_port.safetensors"), &t, &err));
    if (t) CHECK_OK_ERR(parity_tracer_set_inject(t, ref, &err));
    for (const cJSON *e = exp->child; t && e; e = e->next) {
        parity_dtype dt = parity_dtype_from_name(e->string);
        unsigned char buf[32 * 8] = {0};
        CHECK_OK_ERR(parity_tracer_inject(t, e->string, dt, 1, shape, buf, &err));
        for (int i = 0; i < n; i++) {
            const char *want = cJSON_GetArrayItem(e, i)->valuestring;
            const unsigned char *p = buf + (size_t)i * parity_dtype_size(dt);
            uint64_t u = 0;
            for (size_t b = 0; b < parity_dtype_size(dt); b++) u |= (uint64_t)p[b] << (8 * b);
            char got[32];
            if (dt == PARITY_DT_U64 || dt == PARITY_DT_U32 || dt == PARITY_DT_U16 ||
                dt == PARITY_DT_U8 || dt == PARITY_DT_BOOL) {
                snprintf(got, sizeof got, "%llu", (unsigned long long)u);
            } else { /* sign-extend from the type's width */
                int bits = (int)(8 * parity_dtype_size(dt));
                int64_t x = bits < 64 && (u >> (bits - 1)) ? (int64_t)(u | (~0ull << bits)) : (int64_t)u;
                snprintf(got, sizeof got, "%lld", (long long)x);
            }
            CHECK_MSG(strcmp(got, want) == 0, "%s[%d] = %s from %s: got %s", e->string, i,
                      want, cJSON_GetArrayItem(vals, i)->valuestring, got);
        }
    }
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    cJSON_Delete(doc);
}

/* tests/tracer/names_table.json: reference stage r holds the value r + 1;
 * each port name must receive its expected reference stage's value, or
 * PARITY_E_NOTFOUND when it has none. */
static void test_inject_names(void) {
    char path[1024], ref[128], port[128];
    const char *src = getenv("PARITY_SRC");
    parity_error err = {0};
    if (!CHECK(src != NULL)) return;
    snprintf(path, sizeof path, "%s/tests/tracer/names_table.json", src);
    cJSON *doc = read_json(path);
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(doc, "reference");
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(doc, "cases");
    const int64_t s1[1] = {1};
    parity_tracer *t = NULL;
    CHECK_OK_ERR(parity_tracer_open(tmp_path(ref, sizeof ref, "names.safetensors"), &t, &err));
    double v = 1;
    for (const cJSON *e = names ? names->child : NULL; t && e; e = e->next, v++)
        CHECK_OK_ERR(parity_tracer_add(t, e->valuestring, PARITY_DT_F64, 1, s1, &v, &err));
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    CHECK_OK_ERR(parity_tracer_open(tmp_path(port, sizeof port, "names_port.safetensors"), &t, &err));
    if (t) CHECK_OK_ERR(parity_tracer_set_inject(t, ref, &err));
    for (const cJSON *c = cases ? cases->child : NULL; t && c; c = c->next) {
        const char *name = cJSON_GetArrayItem(c, 0)->valuestring;
        const cJSON *want = cJSON_GetArrayItem(c, 1);
        double x = -1, expect = 0;
        int k = 1;
        for (const cJSON *e = names->child; e && cJSON_IsString(want); e = e->next, k++)
            if (strcmp(e->valuestring, want->valuestring) == 0) expect = k;
        parity_status st = parity_tracer_inject(t, name, PARITY_DT_F64, 1, s1, &x, &err);
        if (cJSON_IsNull(want)) {
            CHECK_MSG(st == PARITY_E_NOTFOUND, "'%s': status %d, expected not found", name, st);
        } else {
            CHECK_MSG(st == PARITY_OK && x == expect, "'%s': got %g (%s), expected %s = %g",
                      name, x, st ? err.msg : "ok", want->valuestring, expect);
        }
    }
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    cJSON_Delete(doc);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/parity_tracer_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_disabled_and_env();
    test_single_file();
    test_directory();
    test_directory_rerun();
    test_directory_refuses();
    test_directory_recovery();
    test_inject();
    test_inject_steps();
    test_inject_table();
    test_inject_names();
    test_inject_convert();
    test_inject_npy();
    test_pipeline();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return TEST_SUMMARY();
}
