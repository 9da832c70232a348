/*
 * test_npy.c — the .npy reader against files NumPy itself wrote.
 *
 * 1. tools/gen_npy_fixtures.py (run with $PARITY_PYTHON into $PARITY_BUILD)
 *    writes every numeric dtype in both byte orders, C and Fortran order,
 *    shapes (), (0,3), 1-D, 3-D and 5-D, special values, format versions
 *    1.0, 2.0 and 3.0, and hand-written header spellings NumPy loads; with
 *    each, the values as float64 (NumPy's astype) and the raw little-endian
 *    element bytes. Every element is checked bit-exactly both ways.
 * 2. The committed bad corpus tests/bad/npy/ (tools/gen_bad_npy.py): each
 *    file gives its pinned status and message.
 * 3. In-memory headers: grammar corners, limits, strictness, and every
 *    truncation of a valid file.
 */
#include "formats/reader.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

/* ---- helpers ----------------------------------------------------------- */

/* Bytes per stored component, independent of the library's table. */
static size_t comp_size(parity_dtype dt) {
    switch (dt) {
    case PARITY_DT_BOOL: case PARITY_DT_I8: case PARITY_DT_U8: return 1;
    case PARITY_DT_I16: case PARITY_DT_U16: case PARITY_DT_F16: return 2;
    case PARITY_DT_I32: case PARITY_DT_U32: case PARITY_DT_F32: return 4;
    case PARITY_DT_I64: case PARITY_DT_U64: case PARITY_DT_F64: return 8;
    case PARITY_DT_F80: return 16;
    default: return 0;
    }
}

static parity_dtype dtype_named(const char *s) {
    static const struct { const char *n; parity_dtype dt; } tab[] = {
        {"BOOL", PARITY_DT_BOOL}, {"I8", PARITY_DT_I8}, {"I16", PARITY_DT_I16},
        {"I32", PARITY_DT_I32}, {"I64", PARITY_DT_I64}, {"U8", PARITY_DT_U8},
        {"U16", PARITY_DT_U16}, {"U32", PARITY_DT_U32}, {"U64", PARITY_DT_U64},
        {"F16", PARITY_DT_F16}, {"F32", PARITY_DT_F32}, {"F64", PARITY_DT_F64},
        {"F80", PARITY_DT_F80}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(tab[i].n, s) == 0) return tab[i].dt;
    return PARITY_DT_INVALID;
}

/* ---- 1. NumPy-written fixtures ----------------------------------------- */

/* Element bytes, walked through shape and stride by hand (not through
 * parity_tensor_read), equal NumPy's little-endian C-order bytes. x87 long
 * doubles compare their 10 significant bytes (the 6 padding bytes are
 * whatever was in NumPy's memory). Returns the first bad index or -1. */
static long long check_raw(const parity_tensor *t, const unsigned char *raw) {
    size_t esz = comp_size(t->dtype);
    size_t cmp = t->dtype == PARITY_DT_F80 ? 10 : esz;
    for (uint64_t flat = 0; flat < t->count; flat++) {
        int64_t off = 0;
        uint64_t rest = flat;
        for (int k = t->ndim - 1; k >= 0; k--) {
            off += (int64_t)(rest % (uint64_t)t->shape[k]) * t->stride[k];
            rest /= (uint64_t)t->shape[k];
        }
        unsigned char e[16];
        const unsigned char *p = t->data + off * (int64_t)esz;
        for (size_t i = 0; i < esz; i++)
            e[i] = t->byteswap ? p[esz - 1 - i] : p[i];
        if (memcmp(e, raw + flat * esz, cmp) != 0) return (long long)flat;
    }
    return -1;
}

/* parity_tensor_read equals NumPy's astype('<f8') bit for bit; a NaN must
 * be a NaN of the same sign (payload bits are checked by check_raw). */
static long long check_values(const parity_tensor *t, const double *want) {
    double *got = malloc((t->count ? t->count : 1) * sizeof *got);
    long long bad = -1;
    parity_tensor_read(t, 0, t->count, got);
    for (uint64_t i = 0; i < t->count && bad < 0; i++) {
        int same = isnan(want[i])
                       ? isnan(got[i]) && !signbit(got[i]) == !signbit(want[i])
                       : memcmp(&got[i], &want[i], sizeof(double)) == 0;
        if (!same) {
            fprintf(stderr, "    [%llu] got %.17g want %.17g\n",
                    (unsigned long long)i, got[i], want[i]);
            bad = (long long)i;
        }
    }
    free(got);
    return bad;
}

static void check_header_fields(const parity_tensor *t, const char *dir,
                                const char *name, const char *line) {
    char dt[8];
    int swap, cplx, ndim, used = 0;
    CHECK(sscanf(line, "%*s %7s %d %d %d %n", dt, &swap, &cplx, &ndim,
                 &used) == 4);
    CHECK_EQ_STR(t->name, name);
    CHECK_EQ_INT(t->dtype, dtype_named(dt));
    CHECK_EQ_INT(t->byteswap, swap);
    CHECK_EQ_INT(t->complex_parts, cplx);
    CHECK_EQ_INT(t->ndim, ndim);
    const char *p = line + used;
    uint64_t count = 1;
    for (int k = 0; k < ndim && k < t->ndim; k++) {
        long long d = strtoll(p, (char **)&p, 10);
        if (*p == ',') p++;
        CHECK_MSG(t->shape[k] == d, "%s: dim %d = %lld, want %lld", name, k,
                  (long long)t->shape[k], d);
        count *= (uint64_t)d;
    }
    CHECK_EQ_U64(t->count, count);
    CHECK_EQ_U64(t->nbytes, count * comp_size(t->dtype));
    (void)dir;
}

/* Open one fixture as a user would and check everything about it. */
static void check_fixture(const char *dir, const char *line) {
    char name[128], path[1024];
    if (sscanf(line, "%127s", name) != 1) return;
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    parity_set *set = NULL;
    parity_error err = {0}, *ep = &err;
    if (!CHECK_OK(parity_set_open(path, NULL, &set, ep), ep)) return;
    CHECK_EQ_U64(parity_set_count(set), 1);
    const parity_tensor *t = parity_set_tensor(set, 0);
    check_header_fields(t, dir, name, line);
    const char *want_file = path;
    CHECK_EQ_STR(t->file, want_file);
    size_t flen, rlen, vlen;
    unsigned char *file = slurp(path, &flen);
    snprintf(path, sizeof path, "%s/%s.raw", dir, name);
    unsigned char *raw = slurp(path, &rlen);
    snprintf(path, sizeof path, "%s/%s.f64", dir, name);
    unsigned char *vals = slurp(path, &vlen);
    if (CHECK(file && raw && vals)) {
        CHECK_EQ_U64(t->file_offset, flen - t->nbytes);
        CHECK(t->count == 0 || memcmp(t->data, file + t->file_offset,
                                      t->nbytes) == 0);
    }
    CHECK_EQ_U64(rlen, t->nbytes);
    CHECK_EQ_U64(vlen, t->count * sizeof(double));
    if (rlen == t->nbytes && vlen == t->count * sizeof(double)) {
        long long r = check_raw(t, raw);
        CHECK_MSG(r < 0, "%s: raw bytes differ at flat index %lld", name, r);
        long long v = check_values(t, (const double *)vals);
        CHECK_MSG(v < 0, "%s: value differs at flat index %lld", name, v);
    }
    free(file);
    free(raw);
    free(vals);
    parity_set_free(set);
}

static void test_numpy_fixtures(void) {
    const char *py = getenv("PARITY_PYTHON");
    const char *src = getenv("PARITY_SRC");
    const char *build = getenv("PARITY_BUILD");
    if (!CHECK_MSG(py && *py && src && build, "PARITY_PYTHON/SRC/BUILD unset"))
        return;
    char dir[512], cmd[2048], path[600];
    snprintf(dir, sizeof dir, "%s/npy_fixtures", build);
    snprintf(cmd, sizeof cmd, "'%s' '%s/tools/gen_npy_fixtures.py' '%s'", py,
             src, dir);
    if (!CHECK_MSG(system(cmd) == 0, "generator failed: %s", cmd)) return;
    snprintf(path, sizeof path, "%s/manifest.txt", dir);
    FILE *f = fopen(path, "r");
    if (!CHECK(f)) return;
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        check_fixture(dir, line);
        n++;
    }
    fclose(f);
    CHECK_MSG(n >= 130, "only %d fixtures", n);
}

/* ---- 2. the committed bad corpus --------------------------------------- */

static parity_status bad_status(const char *file) {
    static const char *unsupported[] = {
        "version_0_0.npy", "version_1_1.npy", "version_4_0.npy",
        "descr_object.npy", "descr_structured.npy", "descr_subarray.npy",
        "descr_native.npy", "descr_string.npy", "descr_datetime.npy",
        "descr_float96.npy"};
    for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++)
        if (strcmp(file, unsupported[i]) == 0) return PARITY_E_UNSUPPORTED;
    if (strcmp(file, "too_many_dims.npy") == 0) return PARITY_E_LIMIT;
    return PARITY_E_FORMAT;
}

static void test_bad_corpus(void) {
    const char *src = getenv("PARITY_SRC");
    char path[1024], line[512];
    if (!CHECK_MSG(src, "PARITY_SRC unset")) return;
    snprintf(path, sizeof path, "%s/tests/bad/npy/expected.txt", src);
    FILE *f = fopen(path, "r");
    if (!CHECK_MSG(f, "cannot open %s", path)) return;
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (!CHECK_MSG(tab, "bad line: %s", line)) continue;
        *tab = '\0';
        snprintf(path, sizeof path, "%s/tests/bad/npy/%s", src, line);
        parity_set *set = NULL;
        parity_error err = {0};
        parity_status st = parity_set_open(path, NULL, &set, &err);
        CHECK_MSG(st == bad_status(line), "%s: status %d, want %d (%s)", line,
                  st, bad_status(line), err.msg);
        CHECK_MSG(strstr(err.msg, tab + 1) && strstr(err.msg, line),
                  "%s: message \"%s\" lacks \"%s\"", line, err.msg, tab + 1);
        CHECK_MSG(!strchr(err.msg, '\n'), "%s: multi-line message", line);
        CHECK(set == NULL);
        n++;
    }
    fclose(f);
    CHECK_MSG(n >= 15, "only %d bad files", n);
}

/* ---- 3. in-memory headers ---------------------------------------------- */

/* magic + version + header_len + header + data in a buffer of exactly the
 * right size (so ASan sees any over-read). header must end with '\n'. */
static unsigned char *build(int major, const char *header, size_t hlen,
                            const void *data, size_t dlen, size_t *len) {
    size_t pre = major == 1 ? 10 : 12;
    *len = pre + hlen + dlen;
    unsigned char *b = malloc(*len);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = 0;
    for (size_t i = 0; i < pre - 8; i++) b[8 + i] = (unsigned char)(hlen >> 8 * i);
    memcpy(b + pre, header, hlen);
    if (dlen) memcpy(b + pre + hlen, data, dlen);
    return b;
}

/* Read one in-memory file; *out gets a copy of the tensor on success. */
static parity_status read_mem(int major, const char *header, size_t dlen,
                              const parity_open_opts *opts, parity_tensor *out,
                              parity_error *err) {
    static const unsigned char zeros[4096];
    size_t len;
    unsigned char *b = build(major, header, strlen(header), zeros, dlen, &len);
    parity_set *set = calloc(1, sizeof *set);
    set->opts = opts ? *opts : parity_open_opts_default();
    parity__source src = {"mem.npy", b, len, "mem", NULL, 0};
    parity_status st = parity__read_npy(set, &src, err);
    if (st == PARITY_OK && out) {
        *out = set->tensors[0];
        out->data = NULL; /* the buffer is freed below */
    }
    parity_set_free(set);
    free(b);
    return st;
}

static void expect_ok(int major, const char *header, size_t dlen,
                      parity_tensor *t) {
    parity_error err = {0};
    CHECK_MSG(read_mem(major, header, dlen, NULL, t, &err) == PARITY_OK,
              "refused %s: %s", header, err.msg);
}

static void expect_fail(int major, const char *header, size_t dlen,
                        parity_status want, const char *msg) {
    parity_error err = {0};
    parity_status st = read_mem(major, header, dlen, NULL, NULL, &err);
    CHECK_MSG(st == want && strstr(err.msg, msg), "%s: got %d \"%s\", want %d \"%s\"",
              header, st, err.msg, want, msg);
}

static void test_grammar_ok(void) {
    parity_tensor t;
    expect_ok(1, "{\"descr\": \"<f8\", \"shape\": (2, 3), "
                 "\"fortran_order\": True}\n", 48, &t);
    CHECK_EQ_INT(t.ndim, 2);
    CHECK_EQ_INT(t.stride[0], 1);
    CHECK_EQ_INT(t.stride[1], 2);
    expect_ok(1, "{'descr':'<f4','fortran_order':False,'shape':( )}  \n", 4, &t);
    CHECK_EQ_INT(t.ndim, 0);
    CHECK_EQ_U64(t.count, 1);
    expect_ok(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (3, ), }\n", 12, &t);
    CHECK_EQ_INT(t.shape[0], 3);
    expect_ok(2, "{'descr': '<i2', 'fortran_order': False, 'shape': (0L, 5L)}\n", 0, &t);
    CHECK_EQ_U64(t.count, 0);
    expect_ok(1, "{'descr': '>i1', 'fortran_order': False, 'shape': (2,)}\n", 2, &t);
    CHECK_EQ_INT(t.byteswap, 0);
    expect_ok(1, "{'descr': '>b1', 'fortran_order': False, 'shape': (2,)}\n", 2, &t);
    CHECK_EQ_INT(t.dtype, PARITY_DT_BOOL);
    /* complex64 (2, 3) in Fortran order: parts at [2, 4, 1] */
    expect_ok(3, "{'descr': '>c8', 'fortran_order': True, 'shape': (2, 3)}\n", 48, &t);
    CHECK(t.ndim == 3 && t.shape[2] == 2 && t.count == 12 && t.nbytes == 48);
    CHECK(t.stride[0] == 2 && t.stride[1] == 4 && t.stride[2] == 1);
    CHECK(t.byteswap && t.complex_parts && t.dtype == PARITY_DT_F32);
    expect_ok(1, "{'descr': '<c16', 'fortran_order': False, 'shape': ()}\n", 16, &t);
    CHECK(t.ndim == 1 && t.shape[0] == 2 && t.stride[0] == 1);
    expect_ok(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}\n\n", 12, &t);
}

/* Headers refused in memory: version, header, data bytes, status, message. */
static const struct bad_header {
    int major;
    const char *header;
    size_t dlen;
    parity_status status;
    const char *msg;
} BAD_HEADERS[] = {
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (03,)}\n",
     12, PARITY_E_FORMAT, "dim 0: leading zero"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,),,}\n",
     12, PARITY_E_FORMAT, "expected a key as a quoted string"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)\n",
     12, PARITY_E_FORMAT, "found the end of the header"},
    {1, "{'descr': '<f4', 'fortran_order': false, 'shape': (3,)}\n",
     12, PARITY_E_FORMAT, "found 'false'"},
    {1, "{}\n",
     0, PARITY_E_FORMAT, "no 'descr' key"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} #\n",
     12, PARITY_E_FORMAT, "unexpected '#' after the dict"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}",
     12, PARITY_E_FORMAT, "does not end with"},
    {1, "{'descr': u'<f4', 'fortran_order': False, 'shape': (3,)}\n",
     12, PARITY_E_FORMAT, "expected descr as a quoted string, found 'u'"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 1: 2}\n",
     12, PARITY_E_FORMAT, "expected a key as a quoted string, found '1'"},
    {1, "{'descr': '<f4\x01', 'fortran_order': False, 'shape': (3,)}\n",
     12, PARITY_E_FORMAT, "descr '<f4\\x01': not a numeric"},
    {1, "{'descr': '<c16', 'fortran_order': False, 'shape': "
     "(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1)}\n",
     16, PARITY_E_LIMIT, "complex array of 32 dims needs 33"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': "
     "(0, 4294967296, 4294967296)}\n",
     0, PARITY_E_FORMAT, "the dimensions multiply past 2^63 (even an empty array's"},
    {1, "{'descr': '<u8', 'fortran_order': False, 'shape': "
     "(3, 768614336404564651)}\n",
     0, PARITY_E_FORMAT, "overflows 64 bits"},
    {1, "{'descr': '|u1', 'fortran_order': False, 'shape': (5,)}\n",
     4, PARITY_E_FORMAT, "needs 5 bytes, 4 present"},
    {1, "{'descr': '|f2', 'fortran_order': False, 'shape': (5,)}\n",
     10, PARITY_E_FORMAT, "byte order '|' on a multi-byte type"},
    {1, "{'descr': 'f4', 'fortran_order': False, 'shape': (5,)}\n",
     20, PARITY_E_FORMAT, "no byte order"},
    {1, "{'descr': '<O', 'fortran_order': False, 'shape': (5,)}\n",
     40, PARITY_E_UNSUPPORTED, "they are pickles"},
    {1, "{'descr': '<m8[s]', 'fortran_order': False, 'shape': (5,)}\n",
     40, PARITY_E_UNSUPPORTED, "datetimes"},
    {1, "{'descr': '', 'fortran_order': False, 'shape': (5,)}\n",
     40, PARITY_E_FORMAT, "descr '': too short"},
    {3, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)\xc0\x80}\n",
     12, PARITY_E_FORMAT, "invalid UTF-8"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)\xc0\x80}\n",
     12, PARITY_E_FORMAT, "found '\\xc0'"},
};

static void test_grammar_bad(void) {
    for (size_t i = 0; i < sizeof BAD_HEADERS / sizeof *BAD_HEADERS; i++)
        expect_fail(BAD_HEADERS[i].major, BAD_HEADERS[i].header,
                    BAD_HEADERS[i].dlen, BAD_HEADERS[i].status,
                    BAD_HEADERS[i].msg);
}

/* The header limit: 1 MiB by default, lower through max_header_bytes. */
static void test_limits(void) {
    const char *head = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}";
    size_t hl = strlen(head);
    for (size_t total = (1u << 20); total <= (1u << 20) + 1; total++) {
        char *h = malloc(total + 1);
        memset(h, ' ', total);
        memcpy(h, head, hl);
        h[total - 1] = '\n';
        h[total] = '\0';
        parity_error err = {0};
        parity_status st = read_mem(2, h, 4, NULL, NULL, &err);
        if (total == (1u << 20))
            CHECK_MSG(st == PARITY_OK, "1 MiB header refused: %s", err.msg);
        else
            CHECK_MSG(st == PARITY_E_LIMIT &&
                          strstr(err.msg, "1048576-byte header limit"),
                      "%s", err.msg);
        free(h);
    }
    parity_open_opts o = parity_open_opts_default();
    o.max_header_bytes = 40;
    parity_error err = {0};
    char h[80];
    snprintf(h, sizeof h, "%s\n", head);
    CHECK_EQ_INT(read_mem(1, h, 4, &o, NULL, &err), PARITY_E_LIMIT);
    CHECK(strstr(err.msg, "over the 40-byte header limit") != NULL);
}

/* strict (default) refuses trailing bytes; strict = 0 ignores them. */
static void test_strictness(void) {
    const char *h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n";
    parity_open_opts o = parity_open_opts_default();
    parity_tensor t;
    parity_error err = {0}, *ep = &err;
    CHECK_EQ_INT(read_mem(1, h, 9, &o, &t, ep), PARITY_E_FORMAT);
    CHECK(strstr(err.msg, "trailing data: 1 bytes after the 8 bytes") != NULL);
    o.strict = 0;
    CHECK_OK(read_mem(1, h, 9, &o, &t, ep), ep);
    CHECK_EQ_U64(t.nbytes, 8);
    CHECK_EQ_U64(t.file_offset, 10 + strlen(h));
}

/* name and path are copied into the set; a NULL name falls back to path. */
static void test_names(void) {
    const char *h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n";
    static const unsigned char zeros[8];
    size_t len;
    unsigned char *b = build(1, h, strlen(h), zeros, 8, &len);
    char path[] = "dir/x.npy", name[] = "x";
    parity_set *set = calloc(1, sizeof *set);
    set->opts = parity_open_opts_default();
    parity_error err = {0}, *ep = &err;
    parity__source named = {path, b, len, name, NULL, 0};
    parity__source unnamed = {path, b, len, NULL, NULL, 0};
    CHECK_OK(parity__read_npy(set, &named, ep), ep);
    CHECK_OK(parity__read_npy(set, &unnamed, ep), ep);
    memset(path, '?', sizeof path - 1);
    name[0] = '?';
    if (CHECK_EQ_U64(set->n_tensors, 2)) {
        CHECK_EQ_STR(set->tensors[0].name, "x");
        CHECK_EQ_STR(set->tensors[0].file, "dir/x.npy");
        CHECK_EQ_STR(set->tensors[1].name, "dir/x.npy");
        CHECK(set->tensors[0].data == b + len - 8);
    }
    parity_set_free(set);
    free(b);
}

/* Every proper prefix of a valid file is refused cleanly, with the offset
 * inside the file; the whole file reads. Buffers are exact-size copies. */
static void test_truncations(void) {
    const char *src = getenv("PARITY_BUILD");
    char path[600];
    snprintf(path, sizeof path, "%s/npy_fixtures/complex64_be_F.npy",
             src ? src : ".");
    size_t len;
    unsigned char *file = slurp(path, &len);
    if (!CHECK_MSG(file, "no %s", path)) return;
    int bad = 0;
    for (size_t n = 0; n <= len; n++) {
        unsigned char *b = malloc(n ? n : 1);
        memcpy(b, file, n);
        parity_set *set = calloc(1, sizeof *set);
        set->opts = parity_open_opts_default();
        parity_error err = {0};
        parity__source in = {"t.npy", n ? b : NULL, n, "t", NULL, 0};
        parity_status st = parity__read_npy(set, &in, &err);
        int ok = n == len ? st == PARITY_OK
                          : st == PARITY_E_FORMAT &&
                                (err.offset <= n || err.offset == PARITY_NO_OFFSET);
        if (!ok && bad++ < 3)
            fprintf(stderr, "    prefix %zu: status %d %s\n", n, st, err.msg);
        parity_set_free(set);
        free(b);
    }
    CHECK_EQ_INT(bad, 0);
    free(file);
}

int main(void) {
    test_numpy_fixtures();
    test_bad_corpus();
    test_grammar_ok();
    test_grammar_bad();
    test_limits();
    test_strictness();
    test_names();
    test_truncations();
    return TEST_SUMMARY();
}
