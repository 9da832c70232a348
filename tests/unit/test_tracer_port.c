/*
 * test_tracer_port.c — what a real C port needs from the tracer, each in
 * both trace forms (single file and directory) where it writes anything:
 * - read-only memory (a page mprotect'ed PROT_READ, static const data) is
 *   traced by the add calls in inject mode without a write; inject calls
 *   replace writable buffers;
 * - printf-style names (short and past the stack buffer; a format that
 *   cannot be formatted);
 * - strided views: [H, pos+1] out of [H, max_len], transposed, reversed
 *   and broadcast views recorded in C order; inject writes back through
 *   the strides and nowhere else; views that may overlap are refused for
 *   inject; spans past a pointer are refused;
 * - data flow: parents written as parity.parents / index.json "parents"
 *   (checked with cJSON) and read back by parity_set_open /
 *   parity_set_parents; the validation of every argument;
 * - parity_tracer_last: the #k name of a base, stable across many adds;
 * - inject names through a map file (parity_tracer_set_map, PARITY_MAP):
 *   every stage found, exact and normalized names first, one-line errors
 *   naming the stage and the mapped name.
 */
#include "parity.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wchar.h>

#define CHECK_OK_ERR(expr) CHECK_MSG((expr) == 0, "%s", err.msg)

static char tmpdir[64];

static const char *tmp_path(char *buf, size_t cap, const char *name) {
    snprintf(buf, cap, "%s/%s", tmpdir, name);
    return buf;
}

/* The two forms of one trace: "<stem>.safetensors" and the directory
 * "<stem>". */
static const char *form_path(char *buf, size_t cap, const char *stem, int dir) {
    snprintf(buf, cap, "%s/%s%s", tmpdir, stem, dir ? "" : ".safetensors");
    return buf;
}

static parity_tracer *open_tracer(const char *path) {
    parity_error err = {0};
    parity_tracer *t = NULL;
    CHECK_OK_ERR(parity_tracer_open(path, &t, &err));
    CHECK(t != NULL);
    return t;
}

static parity_set *open_set(const char *path) {
    parity_error err = {0};
    parity_set *s = NULL;
    CHECK_OK_ERR(parity_set_open(path, NULL, &s, &err));
    return s;
}

/* Tensor name of set as doubles (at most cap values); the count read, or
 * -1 when missing. */
static long read_values(const parity_set *s, const char *name, double *v, size_t cap) {
    long i = s ? parity_set_find(s, name) : -1;
    if (!CHECK_MSG(i >= 0, "tensor '%s' missing", name)) return -1;
    const parity_tensor *t = parity_set_tensor(s, (size_t)i);
    size_t n = t->count < cap ? (size_t)t->count : cap;
    parity_tensor_read(t, 0, n, v);
    return (long)t->count;
}

/* ---- read-only memory --------------------------------------------------- */

/* Reference for the read-only test: w F32 [4] = 10..13, x F32 [4] = 20..23. */
static void write_ro_reference(const char *path) {
    parity_error err = {0};
    parity_tracer *t = open_tracer(path);
    const int64_t s4[1] = {4};
    const float w[4] = {10, 11, 12, 13}, x[4] = {20, 21, 22, 23};
    CHECK_OK_ERR(parity_tracer_add(t, "w", PARITY_DT_F32, 1, s4, w, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "x", PARITY_DT_F32, 1, s4, x, &err));
    CHECK_OK_ERR(parity_tracer_close(t, &err));
}

static const float rodata_w[4] = {1, 2, 3, 4}; /* in a read-only section */

/* A weight on a page the port can only read: traced under inject (a write
 * would kill the test with SIGSEGV); the activation after it is injected. */
static void test_readonly(void) {
    char ref[128], port[128];
    parity_error err = {0};
    write_ro_reference(tmp_path(ref, sizeof ref, "ro_ref.safetensors"));
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    float *w = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!CHECK(w != MAP_FAILED)) return;
    for (int i = 0; i < 4; i++) w[i] = (float)i + 0.5f;
    CHECK(mprotect(w, page, PROT_READ) == 0);
    parity_tracer *t = open_tracer(tmp_path(port, sizeof port, "ro_port"));
    CHECK_OK_ERR(parity_tracer_set_inject(t, ref, &err));
    const int64_t s4[1] = {4}, s2[1] = {2}, st2[1] = {2};
    CHECK_OK_ERR(parity_tracer_add(t, "w", PARITY_DT_F32, 1, s4, w, &err));
    CHECK_OK_ERR(parity_tracer_add_input(t, "w", PARITY_DT_F32, 1, s4, rodata_w, &err));
    CHECK_OK_ERR(parity_tracer_add_strided(t, "w_even", PARITY_DT_F32, 1, s2, st2, w, &err));
    CHECK_OK_ERR(parity_tracer_addf(t, PARITY_DT_F32, 1, s4, w, &err, "w%d", 2));
    float x[4] = {0};
    CHECK_OK_ERR(parity_tracer_inject(t, "x", PARITY_DT_F32, 1, s4, x, &err));
    CHECK(x[0] == 20 && x[1] == 21 && x[2] == 22 && x[3] == 23);
    CHECK_EQ_U64(parity_tracer_injected(t), 1);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    for (int i = 0; i < 4; i++) CHECK(w[i] == (float)i + 0.5f);
    parity_set *s = open_set(port);
    double v[4];
    CHECK_EQ_INT(read_values(s, "w", v, 4), 4);
    CHECK(v[0] == 0.5 && v[3] == 3.5); /* the port's values, not the reference's */
    CHECK_EQ_INT(read_values(s, "w#1", v, 4), 4);
    CHECK(v[0] == 1 && v[3] == 4);
    CHECK_EQ_INT(read_values(s, "w_even", v, 4), 2);
    CHECK(v[0] == 0.5 && v[1] == 2.5);
    CHECK_EQ_INT(read_values(s, "x", v, 4), 4);
    CHECK(v[0] == 0); /* recorded before the inject */
    CHECK_EQ_INT(parity_set_tensor(s, 1)->is_input, 1);
    parity_set_free(s);
    munmap(w, page);
}

/* ---- printf-style names ------------------------------------------------- */

static void test_printf_names(int dir) {
    char path[128];
    parity_error err = {0};
    parity_tracer *t = open_tracer(form_path(path, sizeof path, "names", dir));
    const int64_t s1[1] = {1};
    float v = 1;
    for (int step = 0; step < 2; step++) /* one call per layer per step */
        for (int l = 0; l < 3; l++)
            CHECK_OK_ERR(
                parity_tracer_addf(t, PARITY_DT_F32, 1, s1, &v, &err, "layers.%d.attn", l));
    char long_name[400];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    CHECK_OK_ERR(parity_tracer_addf(t, PARITY_DT_F32, 1, s1, &v, &err, "%s.%03d", long_name, 7));
    CHECK_EQ_U64(strlen(parity_tracer_last(t, NULL)), 403);
    CHECK(strncmp(parity_tracer_last(t, NULL) + 399, ".007", 4) == 0);
    /* a wide character the C locale cannot encode: vsnprintf fails */
    CHECK_EQ_INT(parity_tracer_addf(t, PARITY_DT_F32, 1, s1, &v, &err, "w%ls", L"\xe9"),
                 PARITY_E_USAGE);
    CHECK_MSG(strstr(err.msg, "'w%ls'") != NULL, "%s", err.msg);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    static const char *const want[] = {"layers.0.attn",   "layers.1.attn",   "layers.2.attn",
                                       "layers.0.attn#1", "layers.1.attn#1", "layers.2.attn#1"};
    parity_set *s = open_set(path);
    if (!s) return;
    CHECK_EQ_U64(parity_set_count(s), 7);
    for (size_t i = 0; i < 6 && i < parity_set_count(s); i++)
        CHECK_EQ_STR(parity_set_tensor(s, i)->name, want[i]);
    parity_set_free(s);
}

/* ---- strided views ------------------------------------------------------ */

#define H      2
#define MAXLEN 6

/* Stages of one trace: att [H, pos+1] of att_buf [H][MAXLEN] (pos = 3),
 * its transpose [pos+1, H], its columns reversed, a broadcast row [3, 4]
 * of a [4] vector, a scalar, an empty view. */
static void write_views(parity_tracer *t, const float *att_buf, const float *row) {
    parity_error err = {0};
    const int64_t s_att[2] = {H, 4}, st_att[2] = {MAXLEN, 1};
    const int64_t s_tr[2] = {4, H}, st_tr[2] = {1, MAXLEN};
    const int64_t st_rev[2] = {MAXLEN, -1};
    const int64_t s_bc[2] = {3, 4}, st_bc[2] = {0, 1}, s0[1] = {0}, st0[1] = {5};
    CHECK_OK_ERR(
        parity_tracer_add_strided(t, "att", PARITY_DT_F32, 2, s_att, st_att, att_buf, &err));
    CHECK_OK_ERR(
        parity_tracer_add_stridedf(t, PARITY_DT_F32, 2, s_tr, st_tr, att_buf, &err, "att.%s", "T"));
    CHECK_OK_ERR(parity_tracer_add_strided(t, "att.rev", PARITY_DT_F32, 2, s_att, st_rev,
                                           att_buf + 3, &err));
    CHECK_OK_ERR(parity_tracer_add_strided(t, "bcast", PARITY_DT_F32, 2, s_bc, st_bc, row, &err));
    CHECK_OK_ERR(parity_tracer_add_strided(t, "scalar", PARITY_DT_F32, 0, NULL, NULL, row, &err));
    CHECK_OK_ERR(parity_tracer_add_strided(t, "empty", PARITY_DT_F32, 1, s0, st0, NULL, &err));
}

static void check_views(const char *path) {
    parity_set *s = open_set(path);
    double v[16];
    CHECK_EQ_INT(read_values(s, "att", v, 16), H * 4);
    for (int h = 0; h < H; h++)
        for (int j = 0; j < 4; j++) CHECK_EQ_DBL(v[h * 4 + j], h * 10 + j);
    CHECK_EQ_INT(read_values(s, "att.T", v, 16), H * 4);
    for (int j = 0; j < 4; j++)
        for (int h = 0; h < H; h++) CHECK_EQ_DBL(v[j * H + h], h * 10 + j);
    CHECK_EQ_INT(read_values(s, "att.rev", v, 16), H * 4);
    for (int h = 0; h < H; h++)
        for (int j = 0; j < 4; j++) CHECK_EQ_DBL(v[h * 4 + j], h * 10 + 3 - j);
    CHECK_EQ_INT(read_values(s, "bcast", v, 16), 12);
    for (int i = 0; i < 12; i++) CHECK_EQ_DBL(v[i], 100 + i % 4);
    CHECK_EQ_INT(read_values(s, "scalar", v, 16), 1);
    CHECK_EQ_DBL(v[0], 100);
    CHECK_EQ_INT(read_values(s, "empty", v, 16), 0);
    long i = s ? parity_set_find(s, "att") : -1;
    if (i >= 0) {
        const parity_tensor *a = parity_set_tensor(s, (size_t)i);
        CHECK(a->ndim == 2 && a->shape[0] == H && a->shape[1] == 4);
    }
    parity_set_free(s);
}

static void test_strided_record(int dir) {
    char path[128];
    parity_error err = {0};
    float att_buf[H * MAXLEN], row[4] = {100, 101, 102, 103};
    for (int h = 0; h < H; h++) /* valid columns h*10 + j; the rest -1 */
        for (int j = 0; j < MAXLEN; j++) att_buf[h * MAXLEN + j] = j < 4 ? (float)(h * 10 + j) : -1;
    parity_tracer *t = open_tracer(form_path(path, sizeof path, "views", dir));
    write_views(t, att_buf, row);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    check_views(path);
}

/* Inject through [H, pos+1] of [H, MAXLEN] at pos = 0..3: the reference
 * values land in the valid columns, the others keep their sentinel. */
static void test_strided_inject(void) {
    char ref[128], port[128];
    parity_error err = {0};
    parity_tracer *t = open_tracer(tmp_path(ref, sizeof ref, "kv_ref"));
    for (int pos = 0; pos < 4; pos++) {
        float r[H * 4];
        for (int i = 0; i < H * (pos + 1); i++) r[i] = (float)(1000 * pos + i);
        const int64_t s[2] = {H, pos + 1};
        CHECK_OK_ERR(parity_tracer_add(t, "attn.scores", PARITY_DT_F32, 2, s, r, &err));
    }
    const float tr[H * 3] = {50, 51, 52, 53, 54, 55};
    const int64_t s_tr[2] = {H, 3};
    CHECK_OK_ERR(parity_tracer_add(t, "t", PARITY_DT_F32, 2, s_tr, tr, &err));
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    t = open_tracer(tmp_path(port, sizeof port, "kv_port.safetensors"));
    CHECK_OK_ERR(parity_tracer_set_inject(t, ref, &err));
    float buf[H * MAXLEN];
    for (int pos = 0; pos < 4; pos++) {
        for (int i = 0; i < H * MAXLEN; i++) buf[i] = -1;
        const int64_t s[2] = {H, pos + 1}, st[2] = {MAXLEN, 1};
        CHECK_OK_ERR(
            parity_tracer_inject_strided(t, "attn.scores", PARITY_DT_F32, 2, s, st, buf, &err));
        for (int h = 0; h < H; h++)
            for (int j = 0; j < MAXLEN; j++) {
                float want = j <= pos ? (float)(1000 * pos + h * (pos + 1) + j) : -1;
                CHECK_MSG(buf[h * MAXLEN + j] == want, "pos %d [%d,%d]: %g, expected %g", pos, h, j,
                          buf[h * MAXLEN + j], want);
            }
    }
    CHECK_EQ_U64(parity_tracer_injected(t), 4);
    /* a transposed view: [H, 3] over memory laid out [3][H] */
    float tb[3 * H] = {0};
    const int64_t s_t[2] = {H, 3}, st_t[2] = {1, H};
    CHECK_OK_ERR(parity_tracer_inject_strided(t, "t", PARITY_DT_F32, 2, s_t, st_t, tb, &err));
    for (int h = 0; h < H; h++)
        for (int j = 0; j < 3; j++) CHECK_EQ_DBL(tb[j * H + h], 50 + h * 3 + j);
    const int64_t s0[2] = {H, 3}, st0[2] = {0, 1}, s_big[1] = {2}, st_big[1] = {INT64_MAX / 2};
    /* a broadcast view cannot be written back: refused, nothing recorded */
    CHECK_EQ_INT(
        parity_tracer_inject_strided(t, "attn.scores", PARITY_DT_F32, 2, s0, st0, buf, &err),
        PARITY_E_USAGE);
    CHECK_MSG(strstr(err.msg, "'attn.scores'") && strstr(err.msg, "address"), "%s", err.msg);
    CHECK_EQ_INT(parity_tracer_add_strided(t, "big", PARITY_DT_F32, 1, s_big, st_big, buf, &err),
                 PARITY_E_LIMIT);
    CHECK_EQ_STR(parity_tracer_last(t, NULL), "t");
    CHECK_EQ_U64(parity_tracer_injected(t), 5);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    parity_set *s = open_set(port);
    double v[8];
    CHECK_EQ_INT(read_values(s, "attn.scores#3", v, 8), H * 4);
    CHECK_EQ_DBL(v[0], -1); /* the port's own values, before the inject */
    if (s) CHECK_EQ_U64(parity_set_count(s), 5);
    parity_set_free(s);
}

/* ---- data flow ---------------------------------------------------------- */

/* x (input) -> a -> b <- x; a again (a#1) <- b; c <- a#1, x, b, a#1
 * (the duplicate dropped); b's parents replaced once. */
static void write_dataflow(parity_tracer *t) {
    parity_error err = {0};
    const int64_t s1[1] = {1};
    float v = 1;
    CHECK_OK_ERR(parity_tracer_add_input(t, "x", PARITY_DT_F32, 1, s1, &v, &err));
    const char *x = parity_tracer_last(t, NULL);
    CHECK_OK_ERR(parity_tracer_add(t, "a", PARITY_DT_F32, 1, s1, &v, &err));
    CHECK_OK_ERR(parity_tracer_parents(t, NULL, &x, 1, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "b", PARITY_DT_F32, 1, s1, &v, &err));
    const char *wrong[1] = {"x"}, *b_par[2] = {"a", "x"};
    CHECK_OK_ERR(parity_tracer_parents(t, "b", wrong, 1, &err));
    CHECK_OK_ERR(parity_tracer_parents(t, "b", b_par, 2, &err)); /* replaces */
    CHECK_OK_ERR(parity_tracer_add(t, "a", PARITY_DT_F32, 1, s1, &v, &err));
    const char *b = "b";
    CHECK_OK_ERR(parity_tracer_parents(t, "a#1", &b, 1, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "c", PARITY_DT_F32, 1, s1, &v, &err));
    const char *c_par[4] = {parity_tracer_last(t, "a"), "x", "b", "a#1"};
    CHECK_OK_ERR(parity_tracer_parents(t, NULL, c_par, 4, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "d", PARITY_DT_F32, 1, s1, &v, &err));
    CHECK_OK_ERR(parity_tracer_parents(t, NULL, c_par, 1, &err));
    CHECK_OK_ERR(parity_tracer_parents(t, NULL, NULL, 0, &err)); /* clears */
}

/* Every misuse is PARITY_E_USAGE with a one-line message and changes
 * nothing: the parents of "c" stay as written_dataflow set them. */
static void dataflow_errors(parity_tracer *t) {
    parity_error err = {0};
    const char *later[1] = {"d"}, *self[1] = {"c"}, *unknown[1] = {"zz"}, *null[2] = {"x", NULL};
    struct {
        const char *stage;
        const char *const *parents;
        size_t n;
        const char *says;
    } bad[] = {
        {"c", later, 1, "'d' was recorded after it"},   {"c", self, 1, "'c' is the stage itself"},
        {"c", unknown, 1, "'zz' is no recorded stage"}, {"c", null, 2, "parent 1 is NULL"},
        {"nope", self, 1, "'nope': no such stage"},     {"c", NULL, 1, "the list is NULL"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        parity_status st = parity_tracer_parents(t, bad[i].stage, bad[i].parents, bad[i].n, &err);
        CHECK_EQ_INT(st, PARITY_E_USAGE);
        CHECK_MSG(strstr(err.msg, bad[i].says) && !strchr(err.msg, '\n'), "case %zu: %s", i,
                  err.msg);
    }
    CHECK_EQ_INT(parity_tracer_meta(t, "parity.parents", "{}", &err), PARITY_E_USAGE);
    CHECK_EQ_INT(parity_tracer_meta(t, "parity.aliases", "{}", &err), PARITY_E_USAGE);
}

/* parents of each stage, as parity_set_parents reads them, "|"-joined. */
static void check_parents(const parity_set *s, const char *stage, const char *want) {
    long i = s ? parity_set_find(s, stage) : -1;
    if (!CHECK_MSG(i >= 0, "no stage %s", stage)) return;
    const char *const *names = NULL;
    size_t n = parity_set_parents(s, (size_t)i, &names);
    char got[128] = "";
    for (size_t k = 0; k < n; k++) {
        if (k) strcat(got, "|");
        strncat(got, names[k], 40);
    }
    CHECK_MSG(strcmp(got, want) == 0, "parents of %s: '%s', expected '%s'", stage, got, want);
}

static const char *const dataflow_json =
    "{\"a\":[\"x\"],\"b\":[\"a\",\"x\"],\"a#1\":[\"b\"],\"c\":[\"a#1\",\"x\",\"b\"]}";

/* The parents object as written: the metadata string of a file, the
 * "parents" object of index.json (and its place before "metadata"). */
static void check_parents_json(const char *path, int dir) {
    char buf[256];
    cJSON *got = NULL;
    if (dir) {
        snprintf(buf, sizeof buf, "%s/index.json", path);
        FILE *f = fopen(buf, "rb");
        char text[4096] = {0};
        size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f) fclose(f);
        CHECK(n > 0 && strstr(text, "\"parents\":{") < strstr(text, "\"metadata\":{"));
        cJSON *root = cJSON_Parse(text);
        got = cJSON_DetachItemFromObjectCaseSensitive(root, "parents");
        cJSON_Delete(root);
    } else {
        parity_set *s = open_set(path);
        const char *meta = s ? parity_set_meta_get(s, "parity.parents") : NULL;
        CHECK_EQ_STR(meta, dataflow_json);
        got = meta ? cJSON_Parse(meta) : NULL;
        parity_set_free(s);
    }
    cJSON *want = cJSON_Parse(dataflow_json);
    CHECK_MSG(got && cJSON_Compare(got, want, 1), "%s: parents differ", path);
    cJSON_Delete(got);
    cJSON_Delete(want);
}

static void test_dataflow(int dir) {
    char path[128];
    parity_error err = {0};
    parity_tracer *t = open_tracer(form_path(path, sizeof path, "flow", dir));
    CHECK_EQ_INT(parity_tracer_parents(t, NULL, NULL, 0, &err), PARITY_E_USAGE);
    CHECK_MSG(strstr(err.msg, "no stage was added") != NULL, "%s", err.msg);
    write_dataflow(t);
    dataflow_errors(t);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    check_parents_json(path, dir);
    parity_set *s = open_set(path);
    CHECK(s && parity_set_has_dataflow(s));
    check_parents(s, "x", "");
    check_parents(s, "a", "x");
    check_parents(s, "b", "a|x");
    check_parents(s, "a#1", "b");
    check_parents(s, "c", "a#1|x|b");
    check_parents(s, "d", "");
    parity_set_free(s);
    /* no parents: no key at all */
    t = open_tracer(form_path(path, sizeof path, "noflow", dir));
    const int64_t s1[1] = {1};
    float v = 0;
    CHECK_OK_ERR(parity_tracer_add(t, "a", PARITY_DT_F32, 1, s1, &v, &err));
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    s = open_set(path);
    CHECK(s && !parity_set_has_dataflow(s) && !parity_set_meta_get(s, "parity.parents"));
    parity_set_free(s);
}

/* ---- parity_tracer_last --------------------------------------------------- */

static void test_last(void) {
    char path[128];
    parity_error err = {0};
    parity_tracer *t = open_tracer(tmp_path(path, sizeof path, "last.safetensors"));
    const int64_t s1[1] = {1};
    float v = 0;
    CHECK(parity_tracer_last(t, NULL) == NULL);
    CHECK(parity_tracer_last(t, "x") == NULL);
    CHECK_OK_ERR(parity_tracer_add(t, "x", PARITY_DT_F32, 1, s1, &v, &err));
    const char *first = parity_tracer_last(t, "x");
    CHECK_EQ_STR(first, "x");
    CHECK_OK_ERR(parity_tracer_add(t, "x#1", PARITY_DT_F32, 1, s1, &v, &err));
    CHECK_OK_ERR(parity_tracer_add(t, "x", PARITY_DT_F32, 1, s1, &v, &err));
    CHECK_EQ_STR(parity_tracer_last(t, "x"), "x#2"); /* x#1 was taken */
    CHECK_EQ_STR(parity_tracer_last(t, "x#1"), "x#1");
    /* a failed add takes no name */
    CHECK_EQ_INT(parity_tracer_add(t, "x", PARITY_DT_INVALID, 1, s1, &v, &err), PARITY_E_USAGE);
    for (int i = 0; i < 3000; i++) /* the name table grows many times */
        CHECK_OK_ERR(parity_tracer_addf(t, PARITY_DT_F32, 1, s1, &v, &err, "y%d", i % 1000));
    CHECK_EQ_STR(parity_tracer_last(t, "y999"), "y999#2");
    CHECK_EQ_STR(parity_tracer_last(t, NULL), "y999#2");
    CHECK_EQ_STR(first, "x"); /* still valid */
    CHECK_OK_ERR(parity_tracer_add(t, "x", PARITY_DT_F32, 1, s1, &v, &err));
    CHECK_EQ_STR(parity_tracer_last(t, "x"), "x#3");
    CHECK_OK_ERR(parity_tracer_close(t, &err));
}

/* ---- inject through a map file ------------------------------------------ */

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!CHECK(f != NULL)) return;
    fputs(text, f);
    fclose(f);
}

/* Reference names as PyTorch's; the port has its own. Reference stage k
 * holds the value k. */
static const char *const map_ref_names[] = {"tok_embeddings",
                                            "layers.0.attention.wq",
                                            "layers.0.attention.wq#1",
                                            "layers.1.attention.wq",
                                            "norm",
                                            "output"};

static const char *const map_text =
    "# port name => reference name\n"
    "^tok_embd$ => tok_embeddings\n"
    "^out(#[0-9]+)?$ => output\n"
    "^blk\\.([0-9]+)\\.attn_q(#[0-9]+)?$  =>  layers.\\1.attention.wq\\2\n"
    "^blk\\.([0-9]+)\\.ffn$ => layers.\\1.feed_forward\n";

static void test_map(void) {
    char ref[128], port[128], map[128], bad[128];
    parity_error err = {0};
    parity_tracer *t = open_tracer(tmp_path(ref, sizeof ref, "map_ref.safetensors"));
    const int64_t s1[1] = {1};
    for (size_t k = 0; k < sizeof map_ref_names / sizeof *map_ref_names; k++) {
        double v = (double)k;
        CHECK_OK_ERR(parity_tracer_add(t, map_ref_names[k], PARITY_DT_F64, 1, s1, &v, &err));
    }
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    write_text(tmp_path(map, sizeof map, "port.map"), map_text);
    setenv("PARITY_INJECT", ref, 1);
    setenv("PARITY_MAP", map, 1);
    t = open_tracer(tmp_path(port, sizeof port, "map_port"));
    unsetenv("PARITY_INJECT");
    unsetenv("PARITY_MAP");
    /* port name -> expected reference value (by the map, exactly, or
     * normalized: "Norm" = "norm") */
    struct {
        const char *name;
        double want;
    } ok[] = {{"tok_embd", 0},     {"blk.0.attn_q", 1}, {"blk.0.attn_q", 2},
              {"blk.1.attn_q", 3}, {"Norm", 4},         {"output", 5}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        double x = -1;
        CHECK_OK_ERR(parity_tracer_inject(t, ok[i].name, PARITY_DT_F64, 1, s1, &x, &err));
        CHECK_MSG(x == ok[i].want, "%s: %g, expected %g", ok[i].name, x, ok[i].want);
    }
    CHECK_EQ_U64(parity_tracer_injected(t), 6);
    double x = -1;
    CHECK_EQ_INT(parity_tracer_inject(t, "blk.0.ffn", PARITY_DT_F64, 1, s1, &x, &err),
                 PARITY_E_NOTFOUND);
    CHECK_MSG(strstr(err.msg, "'blk.0.ffn'") && strstr(err.msg, "'layers.0.feed_forward'") &&
                  strstr(err.msg, map) && !strchr(err.msg, '\n'),
              "%s", err.msg);
    CHECK_EQ_INT(parity_tracer_inject(t, "mystery", PARITY_DT_F64, 1, s1, &x, &err),
                 PARITY_E_NOTFOUND);
    CHECK_MSG(strstr(err.msg, "no rule of the map") != NULL, "%s", err.msg);
    CHECK(x == -1);
    /* a malformed map keeps the rules in force; NULL drops them */
    write_text(tmp_path(bad, sizeof bad, "bad.map"), "^ok$ => fine\n(unclosed => x\n");
    CHECK_EQ_INT(parity_tracer_set_map(t, bad, &err), PARITY_E_USAGE);
    CHECK_MSG(strstr(err.msg, "bad.map:2") != NULL, "%s", err.msg);
    CHECK_OK_ERR(parity_tracer_inject(t, "out", PARITY_DT_F64, 1, s1, &x, &err));
    CHECK(x == 5);
    CHECK_EQ_INT(parity_tracer_set_map(t, "/nonexistent.map", &err), PARITY_E_IO);
    CHECK_OK_ERR(parity_tracer_set_map(t, NULL, &err));
    CHECK_EQ_INT(parity_tracer_inject(t, "out", PARITY_DT_F64, 1, s1, &x, &err), PARITY_E_NOTFOUND);
    CHECK_MSG(strstr(err.msg, "'out#1'") && !strstr(err.msg, "the map"), "%s", err.msg);
    CHECK_OK_ERR(parity_tracer_close(t, &err));
    /* a bad PARITY_MAP fails the open, naming the file */
    setenv("PARITY_MAP", bad, 1);
    parity_tracer *t2 = (parity_tracer *)&err;
    CHECK_EQ_INT(parity_tracer_open(tmp_path(port, sizeof port, "map_port2"), &t2, &err),
                 PARITY_E_USAGE);
    CHECK(t2 == NULL);
    unsetenv("PARITY_MAP");
}

int main(void) {
    setlocale(LC_ALL, "C");
    snprintf(tmpdir, sizeof tmpdir, "/tmp/parity_tracer_port_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_readonly();
    for (int dir = 0; dir < 2; dir++) {
        test_printf_names(dir);
        test_strided_record(dir);
        test_dataflow(dir);
    }
    test_strided_inject();
    test_last();
    test_map();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return TEST_SUMMARY();
}
