/*
 * test_safetensors.c — the safetensors reader and writer.
 *
 * (a) the README's layout built byte by byte; (b) files written per the
 * spec by tools/gen_safetensors_fixtures.py (NumPy/PyTorch data, every
 * dtype) checked bit for bit against their .npy twins; (c) writer round
 * trips, checked by our reader and by Python's json module; (d) every file
 * of tests/bad/safetensors refused with its pinned message; plus lenient
 * mode, limits and a truncation sweep.
 */
#include "formats/reader.h"
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ----------------------------------------------------------- */

static const char *env_or(const char *name, const char *dflt) {
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

/* Where generated files go: $PARITY_BUILD under CTest, else a fresh
 * temporary directory, so a hand run never writes into the source tree. */
static const char *work_dir(void) {
    static char tmp[64];
    const char *v = getenv("PARITY_BUILD");
    if (v && *v) return v;
    if (!tmp[0]) {
        strcpy(tmp, "/tmp/test_safetensors.XXXXXX");
        if (!mkdtemp(tmp)) strcpy(tmp, "/tmp");
    }
    return tmp;
}

static parity_set *new_set(int strict) {
    parity_set *set = calloc(1, sizeof *set);
    set->opts = parity_open_opts_default();
    set->opts.strict = strict;
    return set;
}

static parity_status read_mem(parity_set *set, const void *buf, size_t len,
                              parity_error *err) {
    parity__source src = {"mem.safetensors", buf, len, NULL, NULL, 1};
    return parity__read_safetensors(set, &src, err);
}

static const parity_tensor *find(const parity_set *set, const char *name) {
    for (size_t i = 0; i < set->n_tensors; i++)
        if (strcmp(set->tensors[i].name, name) == 0) return &set->tensors[i];
    return NULL;
}

static const char *meta(const parity_set *set, const char *key) {
    for (size_t i = 0; i < set->n_meta; i++)
        if (strcmp(set->meta[i].key, key) == 0) return set->meta[i].value;
    return NULL;
}

/* 8-byte LE length + header + data, into a malloc'ed buffer. */
static unsigned char *make_file(const char *header, const void *data,
                                size_t dlen, size_t *len) {
    size_t h = strlen(header);
    *len = 8 + h + dlen;
    unsigned char *buf = malloc(*len ? *len : 1);
    for (int k = 0; k < 8; k++) buf[k] = (unsigned char)((uint64_t)h >> 8 * k);
    memcpy(buf + 8, header, h);
    if (dlen) memcpy(buf + 8 + h, data, dlen);
    return buf;
}

/* Read header+data with the given strictness; returns the status. */
static parity_status try_header(const char *header, size_t dlen, int strict,
                                parity_error *err) {
    unsigned char zeros[64] = {0};
    size_t len = 0;
    unsigned char *buf = make_file(header, zeros, dlen, &len);
    parity_set *set = new_set(strict);
    parity_status st = read_mem(set, buf, len, err);
    parity_set_free(set);
    free(buf);
    return st;
}

/* dir/name into out[cap]; 0 (and a failed check) when it does not fit. */
static int path_join(char *out, size_t cap, const char *dir,
                     const char *name) {
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return CHECK_MSG(n >= 0 && (size_t)n < cap, "path too long: %s/%s", dir,
                     name);
}

static int run(const char *cmd) {
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc == 0;
}

/* ---- (a) the README example -------------------------------------------- */

static void check_readme_tensor(const parity_set *set, size_t hlen,
                                const unsigned char *buf) {
    CHECK_EQ_U64(set->n_tensors, 1);
    const parity_tensor *t = find(set, "test");
    if (!CHECK(t != NULL)) return;
    CHECK_EQ_INT(t->dtype, PARITY_DT_I32);
    CHECK_EQ_INT(t->ndim, 2);
    CHECK_EQ_INT(t->shape[0], 2);
    CHECK_EQ_INT(t->shape[1], 2);
    CHECK_EQ_INT(t->stride[0], 2);
    CHECK_EQ_INT(t->stride[1], 1);
    CHECK_EQ_U64(t->count, 4);
    CHECK_EQ_U64(t->nbytes, 16);
    CHECK_EQ_U64(t->file_offset, 8 + hlen);
    CHECK(t->data == buf + 8 + hlen);
    CHECK_EQ_STR(t->file, "mem.safetensors");
    CHECK_EQ_INT(t->complex_parts, 0);
    for (int i = 0; i < 4; i++) {
        const unsigned char *p = t->data + 4 * i;
        int32_t v = (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                              (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        CHECK_EQ_INT(v, i == 3 ? -4 : i + 1);
    }
    double d[4];
    parity_tensor_read(t, 0, 4, d);
    CHECK_SAME_DBL(d[0], 1.0);
    CHECK_SAME_DBL(d[3], -4.0);
    CHECK_EQ_U64(set->n_meta, 1);
    CHECK_EQ_STR(meta(set, "foo"), "bar");
}

static void test_readme_example(void) {
    const char *hdr = "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],"
                      "\"data_offsets\":[0,16]},\"__metadata__\":{\"foo\":"
                      "\"bar\"}}";
    /* unpadded (the reader needs no alignment) and padded to 8 */
    for (int pad = 0; pad < 2; pad++) {
        unsigned char buf[256];
        size_t h = strlen(hdr), n = 0;
        size_t hp = pad ? (h + 7) / 8 * 8 : h;
        for (int k = 0; k < 8; k++) buf[n++] = (unsigned char)(hp >> 8 * k);
        for (size_t k = 0; k < hp; k++) buf[n++] = k < h ? hdr[k] : ' ';
        const int32_t vals[4] = {1, 2, 3, -4};
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 4; k++)
                buf[n++] = (unsigned char)((uint32_t)vals[i] >> 8 * k);
        parity_set *set = new_set(1);
        parity_error err = {0}, *ep = &err;
        CHECK_OK(read_mem(set, buf, n, &err), ep);
        check_readme_tensor(set, hp, buf);
        parity_set_free(set);
    }
}

/* ---- names: prefix and single_name ------------------------------------- */

static void test_names(void) {
    size_t len = 0;
    unsigned char *buf = make_file(
        "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
        "\"__metadata__\":{\"k\":\"v\"}}", "\x07", 1, &len);
    parity_error err = {0}, *ep = &err;
    parity_set *set = new_set(1);
    parity__source f = {"f", buf, len, "stage", NULL, 0};
    CHECK_OK(parity__read_safetensors(set, &f, &err), ep);
    CHECK(find(set, "stage/a") != NULL);
    CHECK_EQ_U64(set->n_meta, 0); /* take_metadata = 0 */
    parity__source g = {"g", buf, len, "p", "solo", 1};
    CHECK_OK(parity__read_safetensors(set, &g, &err), ep);
    CHECK(find(set, "solo") != NULL);
    CHECK_EQ_STR(meta(set, "k"), "v");
    parity_set_free(set);
    free(buf);
    buf = make_file(
        "{\"a\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[0,1]},"
        "\"b\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[1,2]}}",
        "\x01\x02", 2, &len);
    set = new_set(1);
    parity__source h = {"h", buf, len, "p", "solo", 1};
    CHECK_OK(parity__read_safetensors(set, &h, &err), ep);
    CHECK(find(set, "p/a") != NULL && find(set, "p/b") != NULL);
    CHECK(find(set, "solo") == NULL);
    const parity_tensor *b = find(set, "p/b");
    if (CHECK(b != NULL)) {
        CHECK_EQ_INT(b->ndim, 0);
        CHECK_EQ_U64(b->count, 1);
        CHECK_EQ_INT(b->data[0], 2);
    }
    parity_set_free(set);
    free(buf);
}

/* ---- C64 --------------------------------------------------------------- */

static void test_complex64(void) {
    float v[6] = {1.5f, -2.0f, 0.25f, 8.0f, -0.0f, 3.0f};
    size_t len = 0;
    unsigned char *buf = make_file(
        "{\"z\":{\"dtype\":\"C64\",\"shape\":[3],\"data_offsets\":[0,24]}}",
        v, sizeof v, &len);
    parity_set *set = new_set(1);
    parity_error err = {0}, *ep = &err;
    CHECK_OK(read_mem(set, buf, len, &err), ep);
    const parity_tensor *t = find(set, "z");
    if (CHECK(t != NULL)) {
        CHECK_EQ_INT(t->dtype, PARITY_DT_F32);
        CHECK_EQ_INT(t->complex_parts, 1);
        CHECK_EQ_INT(t->ndim, 2);
        CHECK_EQ_INT(t->shape[0], 3);
        CHECK_EQ_INT(t->shape[1], 2);
        CHECK_EQ_U64(t->count, 6);
        CHECK_EQ_U64(t->nbytes, 24);
        double d[6];
        parity_tensor_read(t, 0, 6, d);
        for (int i = 0; i < 6; i++) CHECK_SAME_DBL(d[i], (double)v[i]);
    }
    parity_set_free(set);
    free(buf);
}

/* ---- (b) spec-written fixtures against their .npy twins ---------------- */

/* Data bytes of a little-endian .npy v1/v2 file (as np.save writes). */
static const unsigned char *npy_data(const unsigned char *b, size_t n,
                                     size_t *dlen) {
    if (n < 12 || memcmp(b, "\x93NUMPY", 6) != 0) return NULL;
    size_t off = b[6] == 1 ? 10 + (size_t)(b[8] | b[9] << 8)
                           : 12 + (size_t)(b[8] | b[9] << 8 | b[10] << 16);
    if (off > n) return NULL;
    *dlen = n - off;
    return b + off;
}

static void shape_csv(const parity_tensor *t, char *out, size_t cap) {
    size_t at = 0;
    out[0] = '\0';
    for (int k = 0; k < t->ndim && at < cap; k++)
        at += (size_t)snprintf(out + at, cap - at, "%s%lld", k ? "," : "",
                               (long long)t->shape[k]);
}

/* One manifest line: file, name, dtype, shape, npy twin. */
static void check_fixture(const char *dir, char *line) {
    char *f[5];
    for (int k = 0; k < 5; k++) f[k] = strsep(&line, "\t\n");
    if (!CHECK(f[4] != NULL)) return;
    char path[1024], shbuf[256], *sh = shbuf;
    path_join(path, sizeof path, dir, f[0]);
    size_t len, nlen, dlen = 0;
    unsigned char *buf = slurp(path, &len);
    path_join(path, sizeof path, dir, f[4]);
    unsigned char *npy = slurp(path, &nlen);
    parity_set *set = new_set(1);
    parity_error err = {0}, *ep = &err;
    CHECK_OK(read_mem(set, buf, len, &err), ep);
    const parity_tensor *t = find(set, f[1]);
    const unsigned char *want = npy ? npy_data(npy, nlen, &dlen) : NULL;
    if (CHECK_MSG(t && want, "tensor %s of %s", f[1], f[0])) {
        shape_csv(t, sh, sizeof shbuf);
        CHECK_EQ_STR(parity_dtype_name(t->dtype), f[2]);
        CHECK_EQ_STR(sh, f[3]);
        CHECK_EQ_U64(t->nbytes, dlen);
        CHECK_EQ_U64(t->count * parity_dtype_size(t->dtype), t->nbytes);
        CHECK_MSG(t->nbytes == 0 || memcmp(t->data, want, dlen) == 0,
                  "bytes of %s differ from %s", f[1], f[4]);
        CHECK(t->data >= buf && t->data + t->nbytes <= buf + len);
    }
    parity_set_free(set);
    free(buf);
    free(npy);
}

static void test_fixtures(void) {
    char dir[1024], cmd[3072], path[1100];
    snprintf(dir, sizeof dir, "%s/st_fixtures", work_dir());
    snprintf(cmd, sizeof cmd, "'%s' '%s/tools/gen_safetensors_fixtures.py' "
             "'%s'", env_or("PARITY_PYTHON", "/usr/bin/python3"),
             env_or("PARITY_SRC", "."), dir);
    if (!CHECK(run(cmd))) return;
    snprintf(path, sizeof path, "%s/manifest.txt", dir);
    FILE *f = fopen(path, "r");
    if (!CHECK(f != NULL)) return;
    char line[2048];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        check_fixture(dir, line);
        n++;
    }
    fclose(f);
    CHECK(n >= 24); /* 19 dtypes, 4 edge shapes, single */
    /* metadata survives, \u escapes decoded to UTF-8 */
    size_t len = 0;
    snprintf(path, sizeof path, "%s/all_dtypes.safetensors", dir);
    unsigned char *buf = slurp(path, &len);
    parity_set *set = new_set(1);
    parity_error err = {0}, *ep = &err;
    CHECK_OK(read_mem(set, buf, len, &err), ep);
    CHECK_EQ_STR(meta(set, "note"), "caf\xc3\xa9 \xe2\x9c\x93");
    CHECK(meta(set, "parity.order") != NULL);
    CHECK_EQ_U64(set->n_tensors, 23);
    parity_set_free(set);
    free(buf);
}

/* ---- (c) the writer ---------------------------------------------------- */

static void write_sample(const char *path) {
    parity_writer *w = NULL;
    parity_error err = {0}, *ep = &err;
    float f32[6] = {1, -2, 3.5f, 0, -0.0f, 1e-30f};
    uint16_t bf16[4] = {0x3f80, 0xbf80, 0x7fc0, 0x0001};
    int64_t i64 = -5, s23[2] = {2, 3}, s4[1] = {4}, s0[1] = {0};
    CHECK_OK(parity_writer_open(path, &w, &err), ep);
    CHECK_OK(parity_writer_add(w, "x/f32", PARITY_DT_F32, 2, s23, f32, &err),
             ep);
    CHECK_OK(parity_writer_add(w, "bf\"16\n", PARITY_DT_BF16, 1, s4, bf16,
                               &err), ep);
    CHECK_OK(parity_writer_add(w, "scalar", PARITY_DT_I64, 0, NULL, &i64,
                               &err), ep);
    CHECK_OK(parity_writer_add(w, "none", PARITY_DT_U8, 1, s0, NULL, &err),
             ep);
    CHECK_OK(parity_writer_meta(w, "parity.order", "[]", &err), ep);
    CHECK_OK(parity_writer_meta(w, "k", "v1", &err), ep);
    CHECK_OK(parity_writer_meta(w, "parity.order", "[\"x/f32\"]", &err),
             ep);
    CHECK_OK(parity_writer_close(w, &err), ep);
}

static void check_sample(const unsigned char *buf, size_t len) {
    uint64_t h = 0;
    for (int k = 7; k >= 0; k--) h = h << 8 | buf[k];
    CHECK_EQ_U64(h % 8, 0);
    CHECK(len > 24 && memcmp(buf + 8, "{\"__metadata__\":", 16) == 0);
    parity_set *set = new_set(1);
    parity_error err = {0}, *ep = &err;
    CHECK_OK(read_mem(set, buf, len, &err), ep);
    CHECK_EQ_U64(set->n_tensors, 4);
    CHECK_EQ_U64(set->n_meta, 2);
    CHECK_EQ_STR(meta(set, "parity.order"), "[\"x/f32\"]");
    CHECK_EQ_STR(meta(set, "k"), "v1");
    const parity_tensor *t = find(set, "x/f32");
    double d[6];
    if (CHECK(t && t->count == 6)) {
        parity_tensor_read(t, 0, 6, d);
        CHECK_SAME_DBL(d[2], 3.5);
        CHECK_SAME_DBL(d[4], -0.0);
        CHECK_SAME_DBL(d[5], (double)1e-30f);
    }
    t = find(set, "bf\"16\n");
    if (CHECK(t && t->dtype == PARITY_DT_BF16 && t->nbytes == 8))
        CHECK(t->data[0] == 0x80 && t->data[1] == 0x3f);
    t = find(set, "scalar");
    if (CHECK(t && t->ndim == 0 && t->count == 1)) {
        parity_tensor_read(t, 0, 1, d);
        CHECK_SAME_DBL(d[0], -5.0);
    }
    t = find(set, "none");
    CHECK(t && t->count == 0 && t->nbytes == 0 && t->ndim == 1);
    parity_set_free(set);
}

static void test_writer_errors(const char *dir) {
    char path[1100];
    snprintf(path, sizeof path, "%s/w_err.safetensors", dir);
    parity_writer *w = NULL;
    parity_error err = {0}, *ep = &err;
    float x[2] = {0};
    int64_t s2[1] = {2}, neg[1] = {-1};
    int64_t big[3] = {INT64_C(1) << 40, INT64_C(1) << 40, 1};
    CHECK_OK(parity_writer_open(path, &w, &err), ep);
    CHECK_OK(parity_writer_add(w, "a", PARITY_DT_F32, 1, s2, x, &err), ep);
    CHECK_EQ_INT(parity_writer_add(w, "a", PARITY_DT_F32, 1, s2, x, &err),
                 PARITY_E_USAGE);
    CHECK(strstr(err.msg, "tensor 'a': duplicate name") != NULL);
    CHECK_EQ_INT(parity_writer_add(w, "", PARITY_DT_F32, 1, s2, x, &err),
                 PARITY_E_USAGE);
    CHECK_EQ_INT(parity_writer_add(w, "__metadata__", PARITY_DT_F32, 1, s2, x,
                                   &err), PARITY_E_USAGE);
    CHECK_EQ_INT(parity_writer_add(w, "n", PARITY_DT_F32, 1, neg, x, &err),
                 PARITY_E_USAGE);
    CHECK_EQ_INT(parity_writer_add(w, "o", PARITY_DT_F32, 3, big, x, &err),
                 PARITY_E_LIMIT);
    CHECK(strstr(err.msg, "tensor 'o': element count overflows 64 bits") != NULL);
    /* empty, its zero after dims that overflow: its strides are what overflow */
    int64_t empty_last[3] = {INT64_C(1) << 40, INT64_C(1) << 40, 0};
    int64_t empty_first[3] = {0, INT64_C(1) << 62, 4};
    int64_t over_i64[2] = {INT64_C(1) << 62, 3}; /* 3 * 2^62: fits 64 bits, not int64 */
    CHECK_EQ_INT(parity_writer_add(w, "z", PARITY_DT_F32, 3, empty_last, x, &err), PARITY_E_LIMIT);
    CHECK(strstr(err.msg, "tensor 'z': the dimensions multiply past 2^63 (even an empty") != NULL);
    CHECK_EQ_INT(parity_writer_add(w, "z", PARITY_DT_F32, 3, empty_first, x, &err), PARITY_E_LIMIT);
    CHECK(strstr(err.msg, "tensor 'z': the dimensions multiply past 2^63 (even an empty") != NULL);
    CHECK_EQ_INT(parity_writer_add(w, "q", PARITY_DT_U8, 2, over_i64, x, &err), PARITY_E_LIMIT);
    CHECK(strstr(err.msg, "tensor 'q': 13835058055282163712 elements exceed 2^63 - 1") != NULL);
    CHECK_EQ_INT(parity_writer_add(w, "d", PARITY_DT_F32, 1, s2, NULL, &err),
                 PARITY_E_USAGE);
    CHECK_EQ_INT(parity_writer_add(w, "e", PARITY_DT_F80, 1, s2, x, &err),
                 PARITY_E_USAGE);
    CHECK_EQ_INT(parity_writer_add(w, "f", PARITY_DT_F32, 33, big, x, &err),
                 PARITY_E_USAGE);
    CHECK_EQ_INT(parity_writer_add(w, "\xff", PARITY_DT_F32, 1, s2, x, &err),
                 PARITY_E_USAGE);
    CHECK_EQ_INT(parity_writer_meta(w, "k", NULL, &err), PARITY_E_USAGE);
    parity_writer_discard(w);
    CHECK(access(path, F_OK) != 0);
    parity_writer_discard(NULL);
    /* a directory that does not exist: E_IO, and no .tmp left behind */
    snprintf(path, sizeof path, "%s/no/such/dir/x.safetensors", dir);
    CHECK_OK(parity_writer_open(path, &w, &err), ep);
    CHECK_EQ_INT(parity_writer_close(w, &err), PARITY_E_IO);
    CHECK(strstr(err.msg, "cannot create a temporary file beside it: No such file") != NULL);
}

static void test_writer(void) {
    const char *dir = work_dir();
    char path[1100], tmp[1200], cmd[3072];
    snprintf(path, sizeof path, "%s/w_sample.safetensors", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    write_sample(path);
    CHECK(access(tmp, F_OK) != 0);
    size_t len = 0;
    unsigned char *buf = slurp(path, &len);
    if (CHECK(buf != NULL)) check_sample(buf, len);
    free(buf);
    /* an independent parse: Python's json module and the tiling rule */
    snprintf(cmd, sizeof cmd, "'%s' -c \"import json,struct,sys;"
             "b=open(sys.argv[1],'rb').read();n=struct.unpack('<Q',b[:8])[0];"
             "h=json.loads(b[8:8+n]);m=h.pop('__metadata__');"
             "o=sorted(v['data_offsets'] for v in h.values());"
             "assert m=={'parity.order':'[\\\"x/f32\\\"]','k':'v1'},m;"
             "assert o[0][0]==0 and o[-1][1]==len(b)-8-n;"
             "assert all(a[1]==c[0] for a,c in zip(o,o[1:]))\" '%s'",
             env_or("PARITY_PYTHON", "/usr/bin/python3"), path);
    CHECK(run(cmd));
    /* an empty file is valid: {} padded to 8, no data */
    parity_writer *w = NULL;
    parity_error err = {0}, *ep = &err;
    snprintf(path, sizeof path, "%s/w_empty.safetensors", dir);
    CHECK_OK(parity_writer_open(path, &w, &err), ep);
    CHECK_OK(parity_writer_close(w, &err), ep);
    buf = slurp(path, &len);
    CHECK_EQ_U64(len, 16);
    parity_set *set = new_set(1);
    CHECK_OK(read_mem(set, buf, len, &err), ep);
    CHECK_EQ_U64(set->n_tensors, 0);
    parity_set_free(set);
    free(buf);
    test_writer_errors(dir);
}

/* ---- (d) the bad corpus ------------------------------------------------ */

static int check_bad_file(const char *dir, const char *name,
                          const char *expect) {
    char path[1100];
    path_join(path, sizeof path, dir, name);
    size_t len = 0;
    unsigned char *buf = slurp(path, &len);
    if (!CHECK_MSG(buf != NULL, "cannot read %s", path)) return 0;
    parity_set *set = new_set(1);
    parity_error err = {0};
    parity__source src = {name, buf, len, NULL, NULL, 1};
    parity_status st = parity__read_safetensors(set, &src, &err);
    CHECK_MSG(st != PARITY_OK, "%s: accepted", name);
    CHECK_MSG(strstr(err.msg, expect) != NULL, "%s:\n    got      %s\n"
              "    expected ...%s...", name, err.msg, expect);
    CHECK_MSG(strncmp(err.msg, name, strlen(name)) == 0 &&
                  !strchr(err.msg, '\n'), "%s: %s", name, err.msg);
    CHECK(set->n_tensors == 0 && set->n_meta == 0);
    parity_set_free(set);
    free(buf);
    return 1;
}

/* Every file of dir/expected.txt is refused as pinned; returns the count. */
static int check_bad_list(const char *dir) {
    char path[1100], line[1024];
    snprintf(path, sizeof path, "%s/expected.txt", dir);
    FILE *f = fopen(path, "r");
    if (!CHECK_MSG(f != NULL, "cannot open %s", path)) return 0;
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        if (!CHECK_MSG(tab != NULL, "bad line: %s", line)) continue;
        *tab = '\0';
        n += check_bad_file(dir, line, tab + 1);
    }
    fclose(f);
    return n;
}

static void test_bad_corpus(void) {
    char dir[1024], gen[1024], cmd[3072], a[1400], b[1400];
    snprintf(dir, sizeof dir, "%s/tests/bad/safetensors",
             env_or("PARITY_SRC", "."));
    int n = check_bad_list(dir);
    CHECK_MSG(n >= 20, "only %d bad files", n);
    /* the committed files are exactly what the generator writes */
    snprintf(gen, sizeof gen, "%s/bad_safetensors", work_dir());
    snprintf(cmd, sizeof cmd, "'%s' '%s/tools/gen_bad_safetensors.py' '%s'",
             env_or("PARITY_PYTHON", "/usr/bin/python3"),
             env_or("PARITY_SRC", "."), gen);
    if (!CHECK(run(cmd))) return;
    DIR *d = opendir(dir);
    int files = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        path_join(a, sizeof a, dir, e->d_name);
        path_join(b, sizeof b, gen, e->d_name);
        CHECK_MSG(same_file(a, b), "%s differs from the generator's", a);
        files++;
    }
    if (d) closedir(d);
    CHECK_EQ_INT(files, n + 1); /* every file listed, plus expected.txt */
}

/* ---- strict vs lenient, limits, offsets -------------------------------- */

#define ENT_A "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}"

static void test_lenient(void) {
    parity_error err = {0}, *ep = &err;
    const char *cases[] = {
        " \n{" ENT_A "}",
        "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2],"
        "\"extra\":[1.5,-2]}}",
        "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}," ENT_A "}",
        "{\"__metadata__\":{\"k\":\"0\"},\"__metadata__\":{\"k\":\"3\"},"
        ENT_A "}",
    };
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(try_header(cases[i], 2, 1, &err), PARITY_E_FORMAT);
        CHECK_MSG(try_header(cases[i], 2, 0, &err) == PARITY_OK, "case %d: "
                  "%s", i, err.msg);
    }
    /* lenient: the last duplicate metadata key wins, as in the reference */
    size_t len = 0;
    unsigned char *buf = make_file(cases[2], "\0\0", 2, &len);
    parity_set *set = new_set(0);
    CHECK_OK(read_mem(set, buf, len, &err), ep);
    CHECK_EQ_U64(set->n_meta, 1);
    CHECK_EQ_STR(meta(set, "k"), "2");
    parity_set_free(set);
    free(buf);
    /* duplicate tensor names are refused in both modes */
    CHECK_EQ_INT(try_header("{" ENT_A "," ENT_A "}", 2, 0, &err),
                 PARITY_E_FORMAT);
    CHECK(strstr(err.msg, "duplicate tensor name 'a'") != NULL);
}

static void test_limits_and_offsets(void) {
    parity_error err = {0};
    const char *hdr = "{" ENT_A "}";
    size_t len = 0;
    unsigned char *buf = make_file(hdr, "\0\0", 2, &len);
    parity_set *set = new_set(1);
    set->opts.max_header_bytes = strlen(hdr) - 1;
    CHECK_EQ_INT(read_mem(set, buf, len, &err), PARITY_E_LIMIT);
    set->opts = parity_open_opts_default();
    set->opts.max_json_depth = 2; /* { { [ is depth 3 */
    CHECK_EQ_INT(read_mem(set, buf, len, &err), PARITY_E_LIMIT);
    CHECK_EQ_U64(err.offset, 35); /* the '[' of shape */
    set->opts = parity_open_opts_default();
    set->opts.max_tensors = 0;
    CHECK_EQ_INT(read_mem(set, buf, len, &err), PARITY_E_LIMIT);
    parity_set_free(set);
    free(buf);
    /* err->offset is the file offset of the faulty tensor's key */
    CHECK_EQ_INT(try_header("{\"__metadata__\":{},\"bb\":{\"dtype\":\"U8\","
                            "\"shape\":[2],\"data_offsets\":[2,0]}}", 2, 1,
                            &err), PARITY_E_FORMAT);
    CHECK_EQ_U64(err.offset, 8 + 19);
    CHECK(strstr(err.msg, "mem.safetensors: tensor 'bb': data_offsets "
                          "[2,0]: end before start") != NULL);
    /* zero-size tensors may sit anywhere on a boundary */
    CHECK_MSG(try_header("{\"z\":{\"dtype\":\"F32\",\"shape\":[0,5],"
                         "\"data_offsets\":[2,2]}," ENT_A ",\"y\":{\"dtype\":"
                         "\"I64\",\"shape\":[0],\"data_offsets\":[0,0]}}",
                         2, 1, &err) == PARITY_OK, "%s", err.msg);
    /* a 2^53 dimension is accepted as a number, refused by the product */
    CHECK_EQ_INT(try_header("{\"a\":{\"dtype\":\"U8\",\"shape\":"
                            "[9007199254740993],\"data_offsets\":[0,2]}}", 2,
                            1, &err), PARITY_E_FORMAT);
    CHECK(strstr(err.msg, "exceeds 2^53") != NULL);
}

/* The tensor count is checked by the pre-scan, before any entry is
 * parsed (__metadata__ does not count); the header is then read entry by
 * entry, and its errors keep the precedence of a whole-document parse:
 * invalid JSON anywhere, then duplicate names, then the first bad entry. */
static void test_count_and_precedence(void) {
    parity_error err = {0};
    const char *hdr = "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"U8\",\"shape\":[1],"
                      "\"data_offsets\":[0,1]},\"b\":{\"dtype\":\"U8\",\"shape\":[1],"
                      "\"data_offsets\":[1,2]}}";
    size_t len = 0;
    unsigned char *buf = make_file(hdr, "\0\0", 2, &len);
    parity_set *set = new_set(1);
    set->opts.max_tensors = 2;
    CHECK_OK(read_mem(set, buf, len, &err), &err);
    CHECK_EQ_U64(set->n_tensors, 2);
    parity_set_free(set);
    set = new_set(1);
    set->opts.max_tensors = 1;
    CHECK_EQ_INT(read_mem(set, buf, len, &err), PARITY_E_LIMIT);
    CHECK(strstr(err.msg, "header: 2 tensors exceed the limit of 1 (expected <= "
                          "max_tensors)") != NULL);
    CHECK_EQ_U64(err.offset, 8);
    parity_set_free(set);
    free(buf);
    /* a bad entry, then a duplicate name: the duplicate is reported */
    CHECK_EQ_INT(try_header("{\"a\":{\"dtype\":\"X\",\"shape\":[2],\"data_offsets\":"
                            "[0,2]}," ENT_A "," ENT_A "}", 2, 1, &err),
                 PARITY_E_FORMAT);
    CHECK(strstr(err.msg, "duplicate tensor name 'a'") != NULL);
    /* a bad entry, then invalid JSON: the JSON error is reported */
    CHECK_EQ_INT(try_header("{\"x\":{\"dtype\":\"X\",\"shape\":[2],\"data_offsets\":"
                            "[0,2]}," ENT_A ",}", 2, 1, &err),
                 PARITY_E_FORMAT);
    CHECK(strstr(err.msg, "invalid JSON at byte") != NULL);
    /* two bad entries: the first one, by its key's offset */
    CHECK_EQ_INT(try_header("{\"x\":{\"dtype\":\"X\",\"shape\":[2],\"data_offsets\":"
                            "[0,2]},\"y\":7}", 2, 1, &err),
                 PARITY_E_FORMAT);
    CHECK(strstr(err.msg, "tensor 'x': dtype 'X': unknown") != NULL);
    CHECK_EQ_U64(err.offset, 9);
    /* an escaped key is decoded; a byte-order mark is no value */
    CHECK_MSG(try_header("{\"\\u0061b\":{\"dtype\":\"U8\",\"shape\":[2],"
                         "\"data_offsets\":[0,2]}}", 2, 1, &err) == PARITY_OK, "%s", err.msg);
    CHECK_EQ_INT(try_header("{\"a\":\xef\xbb\xbf{\"dtype\":\"U8\",\"shape\":[2],"
                            "\"data_offsets\":[0,2]}}", 2, 1, &err),
                 PARITY_E_FORMAT);
    CHECK(strstr(err.msg, "invalid JSON at byte 13") != NULL);
}

/* Every proper prefix of a valid file is refused; every single-byte
 * corruption either fails cleanly or yields views inside the buffer. */
static void test_truncation_sweep(void) {
    char path[1100];
    snprintf(path, sizeof path, "%s/st_fixtures/all_dtypes.safetensors",
             work_dir());
    size_t len = 0;
    unsigned char *buf = slurp(path, &len);
    if (!CHECK(buf != NULL)) return;
    int refused = 0, inside = 1;
    for (size_t n = 0; n < len; n++) {
        parity_set *set = new_set(1);
        parity_error err = {0};
        refused += read_mem(set, buf, n, &err) != PARITY_OK;
        parity_set_free(set);
    }
    CHECK_EQ_U64((size_t)refused, len);
    for (size_t i = 8; i < len && i < 2048; i++) {
        unsigned char *c = malloc(len);
        memcpy(c, buf, len);
        c[i] ^= (unsigned char)(i * 37 | 1);
        parity_set *set = new_set(1);
        if (read_mem(set, c, len, NULL) == PARITY_OK)
            for (size_t k = 0; k < set->n_tensors; k++) {
                const parity_tensor *t = &set->tensors[k];
                inside &= t->data >= c && t->data + t->nbytes <= c + len;
            }
        parity_set_free(set);
        free(c);
    }
    CHECK(inside);
    free(buf);
}

int main(void) {
    test_readme_example();
    test_names();
    test_complex64();
    test_fixtures();
    test_writer();
    test_bad_corpus();
    test_lenient();
    test_limits_and_offsets();
    test_count_and_precedence();
    test_truncation_sweep();
    return TEST_SUMMARY();
}
