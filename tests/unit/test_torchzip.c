/*
 * test_torchzip.c — the .npz and PyTorch checkpoint readers against files
 * NumPy and PyTorch wrote (npz.c, torchzip.c, zipkind.c end to end).
 *
 * 1. tools/gen_zip_fixtures.py (run with $PARITY_PYTHON into $PARITY_BUILD)
 *    writes np.savez / np.savez_compressed archives of every NumPy dtype
 *    (Fortran order, big-endian, 0-d, empty, several inflate chunks) and
 *    torch.save checkpoints of every PyTorch dtype, shared storages,
 *    transposed / sliced / strided / expanded views, nested dicts, lists,
 *    tuples and OrderedDicts, a module's state_dict, a Parameter, a lone
 *    tensor, deflated re-zips and a folder of archives. Every tensor is
 *    checked bit-exactly against the bytes the writer's own library gives,
 *    its view (shape, strides) and storage sharing against the writer's,
 *    and stored data against the file's bytes.
 * 2. Files real writers make that parity refuses (legacy pickle, pickle
 *    protocol 4, TorchScript), with their messages.
 * 3. Checkpoints whose data.pkl runs code when unpickled (os.system,
 *    eval, exec, subprocess.Popen, __import__, torch.load through
 *    __reduce__): refused naming the global, and the marker file each
 *    payload would create does not exist.
 * 4. The committed bad corpus tests/bad/{zip,npz,torchzip}: each file gives
 *    its pinned message, and the files are what tools/gen_bad_zip.py
 *    writes.
 */
#include "formats/reader.h"
#include "set_check.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *fixture_dir(void) {
    static char dir[600];
    const char *build = getenv("PARITY_BUILD");
    snprintf(dir, sizeof dir, "%s/zip_fixtures", build ? build : ".");
    return dir;
}

/* ---- 1. the manifest --------------------------------------------------- */

typedef struct row {
    char file[128], name[160], dtype[8], shape[128], strides[128];
    long long offset;
    char group[32], raw[32];
} row;

static int parse_row(const char *line, row *r) {
    return sscanf(line, "%127[^\t]\t%159[^\t]\t%7[^\t]\t%127[^\t]\t%127[^\t]"
                        "\t%lld\t%31[^\t]\t%31[^\t\n]",
                  r->file, r->name, r->dtype, r->shape, r->strides,
                  &r->offset, r->group, r->raw) == 8;
}

/* "3,4" -> v[], count; "-" -> 0. */
static int parse_dims(const char *s, long long *v) {
    int n = 0;
    if (strcmp(s, "-") == 0) return 0;
    while (*s && n < PARITY_MAX_DIMS) {
        v[n++] = strtoll(s, (char **)&s, 10);
        if (*s == ',') s++;
    }
    return n;
}

/* The tensor's elements, walked through shape and strides by hand, equal
 * the writer's C-order bytes. Returns the first bad flat index or -1. */
static long long check_raw(const parity_tensor *t, const unsigned char *raw) {
    size_t esz = parity_dtype_size(t->dtype);
    for (uint64_t flat = 0; flat < t->count; flat++) {
        int64_t off = 0;
        uint64_t rest = flat;
        for (int k = t->ndim - 1; k >= 0; k--) {
            off += (int64_t)(rest % (uint64_t)t->shape[k]) * t->stride[k];
            rest /= (uint64_t)t->shape[k];
        }
        const unsigned char *p = t->data + off * (int64_t)esz;
        for (size_t i = 0; i < esz; i++) /* big-endian .npy: byteswap */
            if (p[t->byteswap ? esz - 1 - i : i] != raw[flat * esz + i])
                return (long long)flat;
    }
    return -1;
}

/* Base pointers of storage groups seen in the current file. */
typedef struct group_base {
    char name[32];
    const unsigned char *base;
} group_base;

static void check_group(group_base *g, int *ng, const row *r,
                        const parity_tensor *t) {
    if (strcmp(r->group, "-") == 0 || t->count == 0) return;
    const unsigned char *base =
        t->data - r->offset * (long long)parity_dtype_size(t->dtype);
    for (int i = 0; i < *ng; i++)
        if (strcmp(g[i].name, r->group) == 0) {
            CHECK_MSG(g[i].base == base, "%s %s: not on the storage of group "
                      "%s", r->file, r->name, r->group);
            return;
        }
    if (*ng < 16) {
        snprintf(g[*ng].name, sizeof g[*ng].name, "%s", r->group);
        g[(*ng)++].base = base;
    }
}

/* Stored members are views into the file: the bytes at file_offset are
 * the tensor's; deflated ones have no offset in the file. */
static void check_offset(const row *r, const parity_tensor *t,
                         const unsigned char *file, size_t flen) {
    int deflated = strstr(r->file, "deflated") ||
                   strstr(r->file, "compressed") ||
                   strcmp(r->file, "folder") == 0;
    if (deflated || t->count == 0) {
        if (deflated && strcmp(r->file, "folder") != 0)
            CHECK_EQ_U64(t->file_offset, PARITY_NO_OFFSET);
        return;
    }
    if (!CHECK_MSG(t->file_offset < flen, "%s %s: file_offset %llu", r->file,
                   r->name, (unsigned long long)t->file_offset))
        return;
    size_t esz = parity_dtype_size(t->dtype);
    CHECK_MSG(memcmp(file + t->file_offset, t->data, esz) == 0,
              "%s %s: data is not at file_offset", r->file, r->name);
}

static void check_row(const char *dir, const row *r, const parity_set *set,
                      const unsigned char *file, size_t flen) {
    long i = parity_set_find(set, r->name);
    if (!CHECK_MSG(i >= 0, "%s: no tensor '%s'", r->file, r->name)) return;
    const parity_tensor *t = parity_set_tensor(set, (size_t)i);
    long long shape[PARITY_MAX_DIMS], strides[PARITY_MAX_DIMS];
    int nd = parse_dims(r->shape, shape), ns = parse_dims(r->strides, strides);
    CHECK_EQ_STR(parity_dtype_name(t->dtype), r->dtype);
    CHECK_MSG(t->ndim == nd && ns == nd, "%s %s: ndim %d, want %d", r->file,
              r->name, t->ndim, nd);
    CHECK(t->priv.file_backed == backed_expected(set, t));
    uint64_t count = 1;
    for (int k = 0; k < nd && k < t->ndim; k++) {
        CHECK_MSG(t->shape[k] == shape[k], "%s %s: dim %d = %lld, want %lld",
                  r->file, r->name, k, (long long)t->shape[k], shape[k]);
        CHECK_MSG(shape[k] <= 1 || t->count == 0 ||
                      t->stride[k] == strides[k],
                  "%s %s: stride %d = %lld, want %lld", r->file, r->name, k,
                  (long long)t->stride[k], strides[k]);
        count *= (uint64_t)shape[k];
    }
    CHECK_EQ_U64(t->count, count);
    char path[1024];
    size_t rlen;
    snprintf(path, sizeof path, "%s/%s", dir, r->raw);
    unsigned char *raw = slurp(path, &rlen);
    if (CHECK_MSG(raw && rlen == count * parity_dtype_size(t->dtype),
                  "%s %s: raw file of %zu bytes", r->file, r->name, rlen)) {
        long long bad = check_raw(t, raw);
        CHECK_MSG(bad < 0, "%s %s: element %lld differs", r->file, r->name,
                  bad);
    }
    free(raw);
    if (file) check_offset(r, t, file, flen);
}

/* Every row of one file, then: nothing but those tensors. */
static int check_file(const char *dir, row *rows, int n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rows[0].file);
    parity_set *set = NULL;
    parity_error err = {0};
    if (!CHECK_MSG(parity_set_open(path, NULL, &set, &err) == PARITY_OK,
                   "%s: %s", rows[0].file, err.msg))
        return 0;
    CHECK_MSG(parity_set_count(set) == (size_t)n, "%s: %zu tensors, want %d",
              rows[0].file, parity_set_count(set), n);
    size_t flen = 0;
    struct stat st;
    unsigned char *file = stat(path, &st) == 0 && S_ISREG(st.st_mode)
                              ? slurp(path, &flen) : NULL;
    group_base g[16];
    int ng = 0;
    for (int i = 0; i < n; i++) {
        check_row(dir, &rows[i], set, file, flen);
        long k = parity_set_find(set, rows[i].name);
        if (k >= 0) check_group(g, &ng, &rows[i], parity_set_tensor(set, k));
    }
    free(file);
    parity_set_free(set);
    return 1;
}

static void test_fixtures(void) {
    const char *py = getenv("PARITY_PYTHON"), *src = getenv("PARITY_SRC");
    if (!CHECK_MSG(py && *py && src && getenv("PARITY_BUILD"),
                   "PARITY_PYTHON/SRC/BUILD unset"))
        return;
    char cmd[2048], path[700], line[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' '%s/tools/gen_zip_fixtures.py' "
             "'%s'", fixture_dir(), py, src, fixture_dir());
    if (!CHECK_MSG(system(cmd) == 0, "generator failed: %s", cmd)) return;
    snprintf(path, sizeof path, "%s/manifest.txt", fixture_dir());
    FILE *f = fopen(path, "r");
    if (!CHECK(f)) return;
    static row rows[512];
    int n = 0, files = 0, tensors = 0;
    while (n < 512 && fgets(line, sizeof line, f)) {
        if (!CHECK_MSG(parse_row(line, &rows[n]), "bad row: %s", line))
            continue;
        if (n > 0 && strcmp(rows[n].file, rows[0].file) != 0) {
            files += check_file(fixture_dir(), rows, n);
            tensors += n;
            rows[0] = rows[n];
            n = 0;
        }
        n++;
    }
    files += n ? check_file(fixture_dir(), rows, n) : 0;
    tensors += n;
    fclose(f);
    CHECK_MSG(files >= 13 && tensors >= 110, "%d files, %d tensors", files,
              tensors);
    /* np.savez() of nothing: an archive of no member, an empty set */
    parity_set *set = NULL;
    snprintf(path, sizeof path, "%s/empty.npz", fixture_dir());
    if (CHECK_OK(parity_set_open(path, NULL, &set, NULL), NULL))
        CHECK_EQ_U64(parity_set_count(set), 0);
    parity_set_free(set);
}

/* Top-level scalars of a checkpoint are its metadata. */
static void test_metadata(void) {
    char path[1024], line[512], file[128], key[64], value[256];
    snprintf(path, sizeof path, "%s/meta.txt", fixture_dir());
    FILE *f = fopen(path, "r");
    if (!CHECK(f)) return;
    int n = 0;
    while (fgets(line, sizeof line, f) &&
           sscanf(line, "%127[^\t]\t%63[^\t]\t%255[^\n]", file, key, value) ==
               3) {
        snprintf(path, sizeof path, "%s/%s", fixture_dir(), file);
        parity_set *set = NULL;
        if (!CHECK_OK(parity_set_open(path, NULL, &set, NULL), NULL)) continue;
        CHECK_EQ_STR(parity_set_meta_get(set, key), value);
        parity_set_free(set);
        n++;
    }
    fclose(f);
    CHECK_MSG(n >= 6, "only %d metadata checks", n);
}

/* ---- 2, 3. refused files and attacks ----------------------------------- */

static void test_refused(void) {
    char path[1024], line[512], file[128], want[300];
    snprintf(path, sizeof path, "%s/errors.txt", fixture_dir());
    FILE *f = fopen(path, "r");
    if (!CHECK(f)) return;
    int n = 0;
    while (fgets(line, sizeof line, f) &&
           sscanf(line, "%127[^\t]\t%299[^\n]", file, want) == 2) {
        snprintf(path, sizeof path, "%s/%s", fixture_dir(), file);
        parity_set *set = NULL;
        parity_error err = {0};
        CHECK_EQ_INT(parity_set_open(path, NULL, &set, &err),
                     PARITY_E_UNSUPPORTED);
        CHECK_MSG(strstr(err.msg, want) && strstr(err.msg, file),
                  "%s: \"%s\" lacks \"%s\"", file, err.msg, want);
        CHECK(set == NULL);
        n++;
    }
    fclose(f);
    CHECK_EQ_INT(n, 3);
    /* the legacy message is exactly this */
    snprintf(path, sizeof path, "%s/legacy.pt", fixture_dir());
    parity_error err = {0};
    parity_set *set = NULL;
    CHECK(parity_set_open(path, NULL, &set, &err) == PARITY_E_UNSUPPORTED);
    char exact[1400];
    snprintf(exact, sizeof exact, "%s: a PyTorch legacy (non-zip) checkpoint: "
             "not supported; re-save it with torch.save(..., "
             "_use_new_zipfile_serialization=True)", path);
    CHECK_EQ_STR(err.msg, exact);
}

static void test_attacks(void) {
    char path[1024], line[512], file[128], glob[128], marker[700];
    snprintf(marker, sizeof marker, "%s/MARKER", fixture_dir());
    remove(marker);
    snprintf(path, sizeof path, "%s/attacks.txt", fixture_dir());
    FILE *f = fopen(path, "r");
    if (!CHECK(f)) return;
    int n = 0;
    while (fgets(line, sizeof line, f) &&
           sscanf(line, "%127[^\t]\t%127[^\n]", file, glob) == 2) {
        snprintf(path, sizeof path, "%s/%s", fixture_dir(), file);
        parity_set *set = NULL;
        parity_error err = {0};
        char want[200];
        snprintf(want, sizeof want, "global '%s' refused", glob);
        CHECK_EQ_INT(parity_set_open(path, NULL, &set, &err),
                     PARITY_E_UNSUPPORTED);
        CHECK_MSG(strstr(err.msg, want) && strstr(err.msg, "data.pkl: byte "),
                  "%s: \"%s\" lacks \"%s\"", file, err.msg, want);
        CHECK(err.offset != PARITY_NO_OFFSET);
        n++;
    }
    fclose(f);
    CHECK_EQ_INT(n, 7);
    struct stat st;
    CHECK_MSG(stat(marker, &st) != 0, "%s exists: a payload ran", marker);
}

/* ---- 4. the committed bad corpus --------------------------------------- */

static parity_status open_status(const char *path, parity_error *err) {
    parity_set *set = NULL;
    parity_status s = parity_set_open(path, NULL, &set, err);
    parity_set_free(set);
    return s;
}

static int check_bad_dir(const char *sub) {
    const char *src = getenv("PARITY_SRC");
    char path[1024], line[512];
    snprintf(path, sizeof path, "%s/tests/bad/%s/expected.txt", src, sub);
    FILE *f = fopen(path, "r");
    if (!CHECK_MSG(f, "cannot open %s", path)) return 0;
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (!line[0] || line[0] == '#') continue;
        if (!CHECK_MSG(tab, "bad line: %s", line)) continue;
        *tab = '\0';
        snprintf(path, sizeof path, "%s/tests/bad/%s/%s", src, sub, line);
        parity_error err = {0};
        parity_status st = open_status(path, &err);
        CHECK_MSG(st != PARITY_OK && st != PARITY_E_NOMEM, "%s: status %d",
                  line, st);
        CHECK_MSG(strstr(err.msg, tab + 1) && strstr(err.msg, line),
                  "%s: message \"%s\" lacks \"%s\"", line, err.msg, tab + 1);
        CHECK_MSG(!strchr(err.msg, '\n'), "%s: multi-line message", line);
        n++;
    }
    fclose(f);
    return n;
}

static void test_bad_corpus(void) {
    const char *subs[] = {"zip", "npz", "torchzip"};
    const char *src = getenv("PARITY_SRC"), *py = getenv("PARITY_PYTHON");
    if (!CHECK_MSG(src && py, "PARITY_SRC/PARITY_PYTHON unset")) return;
    for (int i = 0; i < 3; i++) {
        int n = check_bad_dir(subs[i]);
        CHECK_MSG(n >= 10, "tests/bad/%s: only %d files", subs[i], n);
    }
    /* the committed files are exactly what the generator writes */
    char out[700], cmd[2048], line[512];
    snprintf(out, sizeof out, "%s/bad_zip", fixture_dir());
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && '%s' '%s/tools/gen_bad_zip.py' "
             "'%s'", out, py, src, out);
    if (!CHECK_MSG(system(cmd) == 0, "generator failed: %s", cmd)) return;
    for (int i = 0; i < 3; i++) {
        char list[1024];
        snprintf(list, sizeof list, "%s/%s/expected.txt", out, subs[i]);
        FILE *f = fopen(list, "r");
        if (!CHECK_MSG(f, "%s missing", list)) continue;
        while (fgets(line, sizeof line, f)) {
            char *tab = strchr(line, '\t');
            if (!tab || line[0] == '#') continue;
            *tab = '\0';
            char a[1400], b[1400];
            snprintf(a, sizeof a, "%s/tests/bad/%s/%s", src, subs[i], line);
            snprintf(b, sizeof b, "%s/%s/%s", out, subs[i], line);
            CHECK_MSG(same_file(a, b), "%s differs from the generator's", a);
        }
        fclose(f);
        char a[1400];
        snprintf(a, sizeof a, "%s/tests/bad/%s/expected.txt", src, subs[i]);
        CHECK_MSG(same_file(a, list), "%s differs from the generator's", a);
    }
}

int main(void) {
    test_fixtures();
    test_metadata();
    test_refused();
    test_attacks();
    test_bad_corpus();
    return TEST_SUMMARY();
}
