/*
 * test_gguf.c — the GGUF reader (formats/gguf.c, gguf_kv.c).
 *
 * 1. Files written by tools/gen_gguf_fixtures.py (its own GGUF writer and
 *    ggml's reference quantizers in NumPy, run with $PARITY_PYTHON into
 *    $PARITY_BUILD): every type parity reads, names, C-order shapes (ne
 *    reversed), file offsets and byte sizes, every value bit for bit
 *    against NumPy's dequantization from the definitions, and the
 *    metadata text of every value type.
 * 2. The Q8_0 round trip: an F32 source (safetensors) against its Q8_0
 *    GGUF is a SMALL DIFF with relative, abs_max, rmse and mean_diff equal
 *    to NumPy's within 1e-12 relative.
 * 3. In-memory files built here byte by byte: the rules and limits, strict
 *    and lenient mode, every truncation of a valid file.
 * 4. The committed bad corpus tests/bad/gguf: status and message.
 */
#include "formats/reader.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static int generate(const char *dir) {
    const char *py = getenv("PARITY_PYTHON"), *src = getenv("PARITY_SRC");
    if (!CHECK_MSG(py && *py && src, "PARITY_PYTHON/PARITY_SRC unset")) return 0;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' '%s/tools/gen_gguf_fixtures.py' '%s'", py, src, dir);
    return CHECK_MSG(system(cmd) == 0, "generator failed: %s", cmd);
}

/* ---- 1. fixtures ---------------------------------------------------------- */

static void check_values(const parity_tensor *t, const char *dir) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.f64", dir, t->name);
    size_t len;
    unsigned char *raw = slurp(path, &len);
    if (!CHECK_MSG(raw || t->count == 0, "%s missing", path)) return;
    CHECK_EQ_U64(len, t->count * 8);
    double *got = malloc((t->count ? t->count : 1) * sizeof *got);
    parity_tensor_read(t, 0, (size_t)t->count, got);
    long bad = 0;
    for (uint64_t i = 0; i < t->count && len == t->count * 8; i++) {
        double want;
        memcpy(&want, raw + 8 * i, 8);
        if (testutil_same_bits_(got[i], want)) continue;
        if (bad++ < 3)
            fprintf(stderr, "    %s[%llu]: got %.17g want %.17g\n", t->name,
                    (unsigned long long)i, got[i], want);
    }
    CHECK_MSG(bad == 0, "%s: %ld values differ", t->name, bad);
    free(got);
    free(raw);
}

static void check_tensor_line(const parity_set *set, const char *dir, char *line) {
    char *name = strtok(line, "\t"), *dtype = strtok(NULL, "\t");
    char *shape = strtok(NULL, "\t"), *off = strtok(NULL, "\t"), *nb = strtok(NULL, "\t\n");
    if (!CHECK(name && dtype && shape && off && nb)) return;
    long i = parity_set_find(set, name);
    if (!CHECK_MSG(i >= 0, "tensor %s not found", name)) return;
    const parity_tensor *t = parity_set_tensor(set, (size_t)i);
    CHECK_EQ_STR(parity_dtype_name(t->dtype), dtype);
    char want[128] = "[", got[128];
    if (strcmp(shape, "-") != 0) {
        for (char *p = shape; *p; p++) {
            size_t l = strlen(want);
            if (*p == ',') snprintf(want + l, sizeof want - l, ", ");
            else snprintf(want + l, sizeof want - l, "%c", *p);
        }
    }
    strcat(want, "]");
    CHECK_EQ_STR(parity_shape_str(t, got, sizeof got), want);
    CHECK_EQ_U64(t->file_offset, strtoull(off, NULL, 10));
    CHECK_EQ_U64(t->nbytes, strtoull(nb, NULL, 10));
    CHECK(t->priv.file_backed);
    check_values(t, dir);
}

static void check_meta(const parity_set *set, const char *dir) {
    char path[1024], line[8192];
    snprintf(path, sizeof path, "%s/meta.txt", dir);
    FILE *f = fopen(path, "r");
    if (!CHECK(f)) return;
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (!CHECK(tab)) continue;
        *tab = '\0';
        CHECK_EQ_STR(parity_set_meta_get(set, line), tab + 1);
        n++;
    }
    fclose(f);
    CHECK_EQ_U64(parity_set_meta_count(set), n);
    CHECK(n >= 30);
}

static void test_fixtures(const char *dir) {
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/types.gguf", dir);
    parity_set *set = NULL;
    parity_error err = {0};
    if (!CHECK_OK(parity_set_open(path, NULL, &set, &err), &err)) return;
    snprintf(path, sizeof path, "%s/manifest.txt", dir);
    FILE *f = fopen(path, "r");
    size_t n = 0;
    while (f && fgets(line, sizeof line, f)) {
        check_tensor_line(set, dir, line);
        n++;
    }
    if (f) fclose(f);
    CHECK_EQ_U64(n, parity_set_count(set));
    CHECK(n >= 20);
    check_meta(set, dir);
    parity_set_free(set);
}

/* ---- 2. the Q8_0 round trip --------------------------------------------- */

static double json_num(const cJSON *o, const char *k) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(j) ? j->valuedouble : NAN;
}

static void test_q8_round_trip(const char *dir) {
    char path[1024];
    size_t len;
    snprintf(path, sizeof path, "%s/q8_expected.json", dir);
    unsigned char *text = slurp(path, &len);
    cJSON *exp = text ? cJSON_ParseWithLength((const char *)text, len) : NULL;
    free(text);
    if (!CHECK_MSG(exp, "cannot read %s", path)) return;
    parity_set *ref = NULL, *port = NULL;
    parity_error err = {0};
    snprintf(path, sizeof path, "%s/q8_source.safetensors", dir);
    CHECK_OK(parity_set_open(path, NULL, &ref, &err), &err);
    snprintf(path, sizeof path, "%s/q8.gguf", dir);
    CHECK_OK(parity_set_open(path, NULL, &port, &err), &err);
    const char *name = cJSON_GetObjectItemCaseSensitive(exp, "name")->valuestring;
    long i = ref ? parity_set_find(ref, name) : -1, j = port ? parity_set_find(port, name) : -1;
    if (CHECK(i >= 0 && j >= 0)) {
        const parity_tensor *r = parity_set_tensor(ref, (size_t)i), *p = parity_set_tensor(port, (size_t)j);
        CHECK_EQ_INT(p->dtype, PARITY_DT_Q8_0);
        parity_diff d;
        if (CHECK_OK(parity_diff_tensors(r, p, NULL, &d, &err), &err)) {
            CHECK_NEAR_DBL(d.relative, json_num(exp, "relative"), 1e-12);
            CHECK_NEAR_DBL(d.abs_max, json_num(exp, "abs_max"), 1e-12);
            CHECK_NEAR_DBL(d.rmse, json_num(exp, "rmse"), 1e-12);
            CHECK_NEAR_DBL(d.mean_diff, json_num(exp, "mean_diff"), 1e-12);
            CHECK_EQ_INT(d.verdict, PARITY_SMALL_DIFF);
            CHECK_EQ_INT(d.ulp_dtype, PARITY_DT_F32);
            printf("Q8_0 round trip: relative %.17g (NumPy %.17g), abs_max %.17g (NumPy %.17g)\n",
                   d.relative, json_num(exp, "relative"), d.abs_max, json_num(exp, "abs_max"));
            parity_diff_clear(&d);
        }
    }
    parity_set_free(ref);
    parity_set_free(port);
    cJSON_Delete(exp);
}

/* ---- 3. in-memory files --------------------------------------------------- */

typedef struct gb {
    unsigned char *p;
    size_t n, cap;
} gb;

static void put(gb *b, const void *s, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
}
static void u32(gb *b, uint32_t v) {
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(b, x, 4);
}
static void u64(gb *b, uint64_t v) {
    u32(b, (uint32_t)v);
    u32(b, (uint32_t)(v >> 32));
}
static void str(gb *b, const char *s) {
    u64(b, strlen(s));
    put(b, s, strlen(s));
}
static void pad(gb *b, size_t a) {
    static const unsigned char z[64];
    put(b, z, (a - b->n % a) % a);
}

/* A file: header, the pairs in kv (n_kv of them), the infos in ti
 * (n_t of them), padding to `align`, then data. */
static gb file(uint32_t version, uint64_t n_t, uint64_t n_kv, const gb *kv,
               const gb *ti, size_t align, const gb *data) {
    gb b = {0};
    put(&b, "GGUF", 4);
    u32(&b, version);
    u64(&b, n_t);
    u64(&b, n_kv);
    if (kv) put(&b, kv->p, kv->n);
    if (ti) put(&b, ti->p, ti->n);
    if (n_t) pad(&b, align);
    if (data) put(&b, data->p, data->n);
    return b;
}

/* One tensor info: name, dims (ne order), type, offset. */
static void info(gb *b, const char *name, int nd, const uint64_t *ne, uint32_t type,
                 uint64_t off) {
    str(b, name);
    u32(b, (uint32_t)nd);
    for (int i = 0; i < nd; i++) u64(b, ne[i]);
    u32(b, type);
    u64(b, off);
}

/* A set read from memory and the buffer its views point into. */
typedef struct mem_set {
    parity_set *set;
    unsigned char *buf;
} mem_set;

static void release(mem_set *m) {
    parity_set_free(m->set);
    free(m->buf);
    m->set = NULL, m->buf = NULL;
}

/* Read b; on success with keep, *keep holds the set (release it). */
static parity_status read_buf(const gb *b, const parity_open_opts *o, mem_set *keep,
                              parity_error *err) {
    /* an exact-size copy, so ASan sees any read past the end */
    mem_set m = {calloc(1, sizeof(parity_set)), malloc(b->n ? b->n : 1)};
    if (b->n) memcpy(m.buf, b->p, b->n);
    m.set->opts = o ? *o : parity_open_opts_default();
    parity__source src = {"mem.gguf", m.buf, b->n, NULL, NULL, 1};
    parity_status st = parity__read_gguf(m.set, &src, err);
    CHECK_MSG(st == PARITY_OK || (err->msg[0] && !strchr(err->msg, '\n')),
              "failure without a one-line message: %d", st);
    if (keep && st == PARITY_OK) *keep = m;
    else release(&m);
    return st;
}

static void expect(const gb *b, const parity_open_opts *o, parity_status want,
                   const char *msg, const char *what) {
    parity_error err = {0};
    parity_status st = read_buf(b, o, NULL, &err);
    CHECK_MSG(st == want && (want == PARITY_OK || !msg || strstr(err.msg, msg)),
              "%s: got %d \"%s\", want %d \"%s\"",
              what, st, err.msg, want, msg ? msg : "");
}

/* Two F32 [2] tensors at 0 and 32, alignment 32 (valid). */
static gb two_tensors(uint64_t off_a, uint64_t off_b, uint32_t type_b) {
    gb ti = {0}, data = {0};
    uint64_t ne[1] = {2};
    info(&ti, "a", 1, ne, 0, off_a);
    info(&ti, "b", 1, ne, type_b, off_b);
    static const unsigned char z[96];
    put(&data, z, sizeof z);
    gb f = file(3, 2, 0, NULL, &ti, 32, &data);
    free(ti.p);
    free(data.p);
    return f;
}

static void test_valid_small(void) {
    gb f = two_tensors(0, 32, 0);
    mem_set m = {0};
    parity_error err = {0};
    if (CHECK_OK(read_buf(&f, NULL, &m, &err), &err)) {
        CHECK_EQ_U64(m.set->n_tensors, 2);
        CHECK_EQ_U64(m.set->tensors[1].file_offset, f.n - 96 + 32);
        release(&m);
    }
    /* every proper prefix fails cleanly */
    int bad = 0;
    for (size_t n = 0; n < f.n - 96 + 8; n++) {
        gb p = {f.p, n, n};
        bad += read_buf(&p, NULL, NULL, &err) == PARITY_OK;
    }
    CHECK_MSG(bad == 0, "%d truncations accepted", bad);
    free(f.p);
}

static void test_layout_rules(void) {
    parity_open_opts lenient = parity_open_opts_default();
    lenient.strict = 0;
    gb f = two_tensors(32, 0, 0); /* data in the other order */
    expect(&f, NULL, PARITY_E_FORMAT, "strict mode expects 0", "swapped offsets, strict");
    expect(&f, &lenient, PARITY_OK, NULL, "swapped offsets, lenient");
    free(f.p);
    f = two_tensors(0, 0, 0);
    expect(&f, &lenient, PARITY_E_FORMAT, "overlaps tensor 'a'", "overlap");
    free(f.p);
    f = two_tensors(0, 16, 0);
    expect(&f, NULL, PARITY_E_FORMAT, "not a multiple of the alignment 32", "unaligned");
    free(f.p);
    f = two_tensors(0, 96, 0);
    expect(&f, NULL, PARITY_E_FORMAT, "runs past the end of the file", "past the end");
    free(f.p);
    f = two_tensors(0, UINT64_MAX - 31, 0);
    expect(&f, NULL, PARITY_E_FORMAT, "runs past the end of the file", "offset wraps");
    free(f.p);
    f = two_tensors(0, 32, 16);
    expect(&f, NULL, PARITY_E_UNSUPPORTED, "type 16 (IQ2_XXS)", "unsupported type");
    free(f.p);
    f = two_tensors(0, 32, 4);
    expect(&f, NULL, PARITY_E_FORMAT, "type 4 (Q4_2) at byte", "removed type");
    free(f.p);
    f = two_tensors(0, 32, 43);
    expect(&f, NULL, PARITY_E_FORMAT, "not a ggml type", "unknown type");
    free(f.p);
    f = two_tensors(0, 32, 2); /* Q4_0 with ne[0] = 2 */
    expect(&f, NULL, PARITY_E_FORMAT, "not a multiple of its block of 32", "block");
    free(f.p);
}

/* A file with one metadata pair (key, then raw type + value bytes). */
static gb one_pair(const char *key, const gb *value) {
    gb kv = {0};
    str(&kv, key);
    put(&kv, value->p, value->n);
    gb f = file(3, 0, 1, &kv, NULL, 32, NULL);
    free(kv.p);
    return f;
}

static void expect_pair(const gb *value, const parity_open_opts *o, parity_status want,
                        const char *text_or_msg) {
    gb f = one_pair("k.x", value);
    mem_set m = {0};
    parity_error err = {0};
    parity_status st = read_buf(&f, o, &m, &err);
    if (want == PARITY_OK && CHECK_OK(st, &err)) {
        CHECK_EQ_STR(parity_set_meta_get(m.set, "gguf.k.x"), text_or_msg);
        release(&m);
    } else if (want != PARITY_OK) {
        CHECK_MSG(st == want && strstr(err.msg, text_or_msg), "got %d \"%s\", want %d \"%s\"", st,
                  err.msg, want, text_or_msg);
    }
    free(f.p);
}

static void test_metadata(void) {
    parity_open_opts lenient = parity_open_opts_default(), o;
    lenient.strict = 0;
    gb v = {0};
    u32(&v, 7); /* bool 2 */
    put(&v, "\x02", 1);
    expect_pair(&v, NULL, PARITY_E_FORMAT, "bool byte 0x02");
    expect_pair(&v, &lenient, PARITY_OK, "true");
    v.n = 0; /* a string with invalid UTF-8 and a NUL */
    u32(&v, 8);
    u64(&v, 4);
    put(&v, "a\xff\0b", 4);
    expect_pair(&v, NULL, PARITY_E_FORMAT, "invalid UTF-8");
    expect_pair(&v, &lenient, PARITY_OK, "a??b");
    v.n = 0; /* type 13 */
    u32(&v, 13);
    expect_pair(&v, NULL, PARITY_E_FORMAT, "value type 13");
    v.n = 0; /* an array of 2^61 u64: more than the bytes left */
    u32(&v, 9);
    u32(&v, 10);
    u64(&v, (uint64_t)1 << 61);
    o = parity_open_opts_default();
    o.max_array_elems = UINT64_MAX;
    expect_pair(&v, &o, PARITY_E_FORMAT, "needs at least 8 bytes per element");
    expect_pair(&v, NULL, PARITY_E_LIMIT, "max_array_elems");
    v.n = 0; /* a string of length 2^64 - 1 (TALOS-2024-1913) */
    u32(&v, 8);
    u64(&v, UINT64_MAX);
    expect_pair(&v, NULL, PARITY_E_FORMAT, "string length 18446744073709551615");
    v.n = 0; /* a string over max_string_bytes */
    u32(&v, 8);
    str(&v, "0123456789");
    o = parity_open_opts_default();
    o.max_string_bytes = 9;
    expect_pair(&v, &o, PARITY_E_LIMIT, "max_string_bytes");
    expect_pair(&v, NULL, PARITY_OK, "0123456789");
    v.n = 0; /* [[[1]]] of u8: three levels */
    u32(&v, 9);
    u32(&v, 9);
    u64(&v, 1);
    u32(&v, 9);
    u64(&v, 1);
    u32(&v, 0);
    u64(&v, 1);
    put(&v, "\x01", 1);
    expect_pair(&v, NULL, PARITY_OK, "[[[1]]]");
    o = parity_open_opts_default();
    o.max_array_depth = 2;
    expect_pair(&v, &o, PARITY_E_LIMIT, "max_array_depth");
    v.n = 0; /* f32 and f64 shortest forms */
    u32(&v, 6);
    float fv = 3.0e-8f;
    put(&v, &fv, 4);
    expect_pair(&v, NULL, PARITY_OK, "3e-08");
    free(v.p);
}

static void test_alignment(void) {
    parity_open_opts lenient = parity_open_opts_default();
    lenient.strict = 0;
    static const struct { uint32_t type, value; parity_status strict, len; const char *msg; } cases[] = {
        {4, 64, PARITY_OK, PARITY_OK, NULL},
        {4, 0, PARITY_E_FORMAT, PARITY_E_FORMAT, "0 at byte"},
        {4, 48, PARITY_E_FORMAT, PARITY_E_FORMAT, "not a power of two"},
        {4, 4, PARITY_E_FORMAT, PARITY_OK, "strict mode expects a multiple of 8"},
        {4, 1u << 21, PARITY_E_FORMAT, PARITY_E_FORMAT, "exceeds 1 MiB"},
        {5, 32, PARITY_E_FORMAT, PARITY_E_FORMAT, "type i32"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gb v = {0};
        u32(&v, cases[i].type);
        u32(&v, cases[i].value);
        gb f = one_pair("general.alignment", &v);
        expect(&f, NULL, cases[i].strict, cases[i].msg, "alignment strict");
        expect(&f, &lenient, cases[i].len, cases[i].msg, "alignment lenient");
        free(f.p);
        free(v.p);
    }
    /* the data section follows the alignment: 64 */
    gb kv = {0}, ti = {0}, data = {0};
    str(&kv, "general.alignment");
    u32(&kv, 4);
    u32(&kv, 64);
    uint64_t ne[2] = {32, 2};
    info(&ti, "w", 2, ne, 8, 0); /* Q8_0 [2, 32]: 2 blocks, 68 bytes */
    static const unsigned char z[68];
    put(&data, z, sizeof z);
    gb f = file(2, 1, 1, &kv, &ti, 64, &data);
    mem_set m = {0};
    parity_error err = {0};
    if (CHECK_OK(read_buf(&f, NULL, &m, &err), &err)) {
        const parity_tensor *t = &m.set->tensors[0];
        CHECK_EQ_U64(t->file_offset % 64, 0);
        CHECK(t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 32 && t->nbytes == 68);
        CHECK_EQ_STR(parity_set_meta_get(m.set, "gguf.general.alignment"), "64");
        release(&m);
    }
    free(kv.p), free(ti.p), free(data.p), free(f.p);
}

static void test_header_and_infos(void) {
    gb f = file(3, 0, 0, NULL, NULL, 32, NULL);
    expect(&f, NULL, PARITY_OK, NULL, "no tensors, no metadata");
    f.p[4] = 0, f.p[7] = 3; /* 0x03000000: byte-swapped 3 */
    expect(&f, NULL, PARITY_E_UNSUPPORTED, "big-endian GGUF", "big-endian");
    f.p[4] = 1, f.p[7] = 0;
    expect(&f, NULL, PARITY_E_UNSUPPORTED, "GGUF v1", "v1");
    f.p[4] = 4;
    expect(&f, NULL, PARITY_E_UNSUPPORTED, "version 4 is newer", "v4");
    f.p[4] = 0;
    expect(&f, NULL, PARITY_E_FORMAT, "version 0", "v0");
    free(f.p);
    f = file(3, UINT64_MAX, 0, NULL, NULL, 32, NULL);
    expect(&f, NULL, PARITY_E_LIMIT, "max_tensors", "n_tensors 2^64-1");
    free(f.p);
    f = file(3, 1000, 0, NULL, NULL, 32, NULL);
    expect(&f, NULL, PARITY_E_FORMAT, "cannot fit", "n_tensors > bytes");
    free(f.p);
    f = file(3, 0, UINT64_MAX, NULL, NULL, 32, NULL);
    expect(&f, NULL, PARITY_E_LIMIT, "max_meta_entries", "n_kv 2^64-1");
    free(f.p);
    static const struct { int nd; uint64_t ne[5]; const char *msg; } shapes[] = {
        {5, {1, 1, 1, 1, 1}, "n_dims 5"},
        {2, {1, (uint64_t)1 << 63}, "is negative"},
        {3, {(uint64_t)1 << 32, (uint64_t)1 << 32, 4}, "overflows int64"},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        gb ti = {0};
        info(&ti, "t", shapes[i].nd, shapes[i].ne, 0, 0);
        u64(&ti, 0); /* room for the check of the counts */
        f = file(3, 1, 0, NULL, &ti, 32, NULL);
        expect(&f, NULL, PARITY_E_FORMAT, shapes[i].msg, shapes[i].msg);
        free(ti.p), free(f.p);
    }
    /* a zero dimension is an empty tensor; the other dimensions must still
     * multiply within int64 (strides are computed from them) */
    gb ti = {0};
    uint64_t ne[3] = {0, (uint64_t)1 << 62, 2};
    info(&ti, "t", 2, ne, 0, 0);
    f = file(3, 1, 0, NULL, &ti, 32, NULL);
    expect(&f, NULL, PARITY_OK, NULL, "zero dim");
    free(ti.p), free(f.p);
    ti = (gb){0};
    info(&ti, "t", 3, ne, 0, 0);
    f = file(3, 1, 0, NULL, &ti, 32, NULL);
    expect(&f, NULL, PARITY_E_FORMAT, "ne[2] = 2 at byte", "zero dim, others overflow");
    free(ti.p), free(f.p);
    /* names: too long, duplicated, empty */
    ti = (gb){0};
    info(&ti, "0123456789012345678901234567890123456789012345678901234567890123", 0, NULL, 0, 0);
    f = file(3, 1, 0, NULL, &ti, 32, NULL);
    expect(&f, NULL, PARITY_E_FORMAT, "expected at most 63", "long name");
    free(ti.p), free(f.p);
    ti = (gb){0};
    info(&ti, "x", 0, NULL, 0, 0);
    info(&ti, "x", 0, NULL, 0, 32);
    gb data = {0};
    static const unsigned char z[36];
    put(&data, z, sizeof z);
    f = file(3, 2, 0, NULL, &ti, 32, &data);
    expect(&f, NULL, PARITY_E_FORMAT, "duplicate name", "duplicate name");
    free(ti.p), free(f.p), free(data.p);
}

static void test_naming_and_dispatch(void) {
    gb f = two_tensors(0, 32, 0);
    unsigned char *copy = malloc(f.n);
    memcpy(copy, f.p, f.n);
    parity_set *set = calloc(1, sizeof *set);
    set->opts = parity_open_opts_default();
    parity__source src = {"mem.gguf", copy, f.n, "pre", NULL, 0};
    parity_error err = {0};
    if (CHECK_OK(parity__read_gguf(set, &src, &err), &err)) {
        CHECK_EQ_STR(set->tensors[0].name, "pre/a");
        CHECK_EQ_U64(set->n_meta, 0);
    }
    parity_set_free(set);
    free(copy);
    CHECK(parity__is_gguf(f.p, f.n));
    CHECK(!parity__is_gguf(f.p, 3));
    CHECK(!parity__is_gguf((const unsigned char *)"GGUG", 4));
    /* parity_set_open: a .gguf name with a bad magic goes to this reader */
    const char *build = getenv("PARITY_BUILD");
    char path[1024];
    snprintf(path, sizeof path, "%s/bad_magic_test.gguf", build ? build : ".");
    FILE *o = fopen(path, "wb");
    if (CHECK(o)) {
        fwrite("GGUX", 1, 4, o);
        fclose(o);
        parity_set *s2 = NULL;
        CHECK_EQ_INT(parity_set_open(path, NULL, &s2, &err), PARITY_E_FORMAT);
        CHECK_MSG(strstr(err.msg, "bad magic 'GGUX'"), "%s", err.msg);
        remove(path);
    }
    free(f.p);
}

/* ---- 4. the committed bad corpus ----------------------------------------- */

/* The committed corpus is exactly what gen_bad_gguf.py writes. */
static void test_corpus_generated(int listed) {
    const char *src = getenv("PARITY_SRC"), *py = getenv("PARITY_PYTHON");
    const char *build = getenv("PARITY_BUILD");
    if (!CHECK_MSG(src && py && build, "PARITY_SRC/PYTHON/BUILD unset")) return;
    char dir[700], gen[700], cmd[2200], a[1000], b[1000];
    snprintf(dir, sizeof dir, "%s/tests/bad/gguf", src);
    snprintf(gen, sizeof gen, "%s/bad_gguf_generated", build);
    snprintf(cmd, sizeof cmd, "'%s' '%s/tools/gen_bad_gguf.py' '%s'", py, src, gen);
    if (!CHECK_MSG(system(cmd) == 0, "%s failed", cmd)) return;
    DIR *d = opendir(dir);
    int files = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        snprintf(a, sizeof a, "%s/%s", dir, e->d_name);
        snprintf(b, sizeof b, "%s/%s", gen, e->d_name);
        CHECK_MSG(same_file(a, b), "%s differs from the generator's", a);
        files++;
    }
    if (d) closedir(d);
    CHECK_EQ_INT(files, listed + 1); /* + expected.txt */
}

static void test_bad_corpus(void) {
    const char *src = getenv("PARITY_SRC");
    char path[1024], line[512];
    if (!CHECK_MSG(src, "PARITY_SRC unset")) return;
    snprintf(path, sizeof path, "%s/tests/bad/gguf/expected.txt", src);
    FILE *f = fopen(path, "r");
    if (!CHECK_MSG(f, "cannot open %s", path)) return;
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab || line[0] == '#') continue;
        *tab = '\0';
        snprintf(path, sizeof path, "%s/tests/bad/gguf/%s", src, line);
        parity_set *set = NULL;
        parity_error err = {0};
        parity_status st = parity_set_open(path, NULL, &set, &err);
        CHECK_MSG(st != PARITY_OK && strstr(err.msg, tab + 1), "%s: %d \"%s\" lacks \"%s\"", line,
                  st, err.msg, tab + 1);
        CHECK(set == NULL);
        n++;
    }
    fclose(f);
    CHECK_MSG(n >= 10, "only %d bad files", n);
    test_corpus_generated(n);
}

int main(void) {
    const char *build = getenv("PARITY_BUILD");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/gguf_fixtures", build ? build : ".");
    if (generate(dir)) {
        test_fixtures(dir);
        test_q8_round_trip(dir);
    }
    test_valid_small();
    test_layout_rules();
    test_metadata();
    test_alignment();
    test_header_and_infos();
    test_naming_and_dispatch();
    test_bad_corpus();
    return TEST_SUMMARY();
}
