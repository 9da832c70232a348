/*
 * test_st_index.c — sharded safetensors through *.safetensors.index.json
 * (formats/st_index.c).
 *
 * 1. tools/gen_st_index_fixtures.py writes a three-shard checkpoint laid
 *    out as Hugging Face's save_pretrained lays it out (index spelled as
 *    transformers writes it) and the same tensors in one file: opened
 *    through the index, every tensor has the one file's dtype, shape and
 *    bytes, lives in its shard's map, and the index's metadata is the
 *    set's.
 * 2. Index texts written next to those shards: the rules, strict and
 *    lenient mode, a shard that is a directory, the size limit, a prefix.
 * 3. The committed bad corpus tests/bad/st_index: status and message.
 */
#include "formats/reader.h"
#include "set_check.h"
#include "testutil.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char DIR_[600];

static int generate(void) {
    const char *py = getenv("PARITY_PYTHON"), *src = getenv("PARITY_SRC");
    const char *build = getenv("PARITY_BUILD");
    if (!CHECK_MSG(py && *py && src && build, "PARITY_PYTHON/SRC/BUILD unset")) return 0;
    snprintf(DIR_, sizeof DIR_, "%s/st_index_fixtures", build);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' '%s/tools/gen_st_index_fixtures.py' '%s'", py, src, DIR_);
    return CHECK_MSG(system(cmd) == 0, "generator failed: %s", cmd);
}

/* ---- 1. the checkpoint ------------------------------------------------------ */

static void test_checkpoint(void) {
    char path[1024];
    parity_set *ix = NULL, *one = NULL;
    parity_error err = {0};
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", DIR_);
    if (!CHECK_OK(parity_set_open(path, NULL, &ix, &err), &err)) return;
    snprintf(path, sizeof path, "%s/single.safetensors", DIR_);
    if (!CHECK_OK(parity_set_open(path, NULL, &one, &err), &err)) {
        parity_set_free(ix);
        return;
    }
    CHECK_EQ_U64(parity_set_count(ix), parity_set_count(one));
    CHECK_EQ_U64(parity_set_count(ix), 13);
    CHECK_EQ_U64(ix->n_maps, 4); /* the index and its three shards */
    for (size_t i = 0; i < parity_set_count(one); i++) {
        const parity_tensor *a = parity_set_tensor(one, i);
        long j = parity_set_find(ix, a->name);
        if (!CHECK_MSG(j >= 0, "%s missing", a->name)) continue;
        const parity_tensor *b = parity_set_tensor(ix, (size_t)j);
        char sa[64], sb[64];
        CHECK_EQ_INT(a->dtype, b->dtype);
        CHECK_EQ_STR(parity_shape_str(a, sa, sizeof sa), parity_shape_str(b, sb, sizeof sb));
        CHECK(a->nbytes == b->nbytes && memcmp(a->data, b->data, a->nbytes) == 0);
        CHECK(b->priv.file_backed == backed_expected(ix, b));
        CHECK_MSG(strstr(b->file, "/model-0000") && strstr(b->file, "-of-00003.safetensors"),
                  "%s: file %s", b->name, b->file);
        int in_map = 0; /* its bytes lie in the map of its own file */
        for (size_t m = 1; m < ix->n_maps; m++)
            in_map |= b->data >= ix->maps[m].base &&
                      b->data + b->nbytes <= ix->maps[m].base + ix->maps[m].size;
        CHECK(in_map);
    }
    CHECK_EQ_STR(parity_set_meta_get(ix, "total_size"), "3177");
    CHECK_EQ_U64(parity_set_meta_count(ix), 1);
    parity_set_free(ix);
    parity_set_free(one);
}

/* ---- 2. index texts next to the fixture shards ------------------------------ */

#define S1 "model-00001-of-00003.safetensors"
#define S2 "model-00002-of-00003.safetensors"
#define S3 "model-00003-of-00003.safetensors"

/* Write text as DIR_/name. */
static void write_index(const char *name, const char *text) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DIR_, name);
    FILE *f = fopen(path, "w");
    if (!CHECK(f)) return;
    fputs(text, f);
    fclose(f);
}

/* The fixture's weight_map, as JSON members. */
static const char *FULL_MAP =
    "\"lm_head.weight\": \"" S3 "\", \"model.embed_tokens.weight\": \"" S1 "\", "
    "\"model.layers.0.input_layernorm.weight\": \"" S1 "\", "
    "\"model.layers.0.mlp.up_proj.weight\": \"" S1 "\", "
    "\"model.layers.0.self_attn.k_proj.weight\": \"" S1 "\", "
    "\"model.layers.0.self_attn.q_proj.weight\": \"" S1 "\", "
    "\"model.layers.1.input_layernorm.weight\": \"" S2 "\", "
    "\"model.layers.1.mlp.up_proj.weight\": \"" S2 "\", "
    "\"model.layers.1.self_attn.k_proj.weight\": \"" S2 "\", "
    "\"model.layers.1.self_attn.q_proj.weight\": \"" S2 "\", "
    "\"model.mask\": \"" S3 "\", \"model.norm.weight\": \"" S3 "\", "
    "\"model.position_ids\": \"" S1 "\"";

static parity_status open_text(const char *text, const parity_open_opts *o, parity_set **keep,
                               parity_error *err) {
    write_index("case.safetensors.index.json", text);
    char path[1024];
    snprintf(path, sizeof path, "%s/case.safetensors.index.json", DIR_);
    parity_set *set = NULL;
    parity_status st = parity_set_open(path, o, &set, err);
    CHECK_MSG(st == PARITY_OK || (err->msg[0] && !strchr(err->msg, '\n') &&
                                  strstr(err->msg, "case.safetensors.index.json")),
              "message \"%s\"", err->msg);
    if (keep) *keep = set;
    else parity_set_free(set);
    return st;
}

static void expect(const char *text, const parity_open_opts *o, parity_status want,
                   const char *msg) {
    parity_error err = {0};
    parity_status st = open_text(text, o, NULL, &err);
    CHECK_MSG(st == want && (want == PARITY_OK || strstr(err.msg, msg)),
              "got %d \"%s\", want %d \"%s\"", st, err.msg, want, msg ? msg : "");
}

static void test_rules(void) {
    parity_open_opts lenient = parity_open_opts_default();
    lenient.strict = 0;
    char text[4096];
    snprintf(text, sizeof text, "{\"metadata\": {\"total_size\": 3177, \"format\": \"pt\"}, "
                                "\"weight_map\": {%s}}", FULL_MAP);
    parity_set *set = NULL;
    parity_error err = {0};
    if (CHECK_OK(open_text(text, NULL, &set, &err), &err)) {
        CHECK_EQ_STR(parity_set_meta_get(set, "format"), "pt");
        CHECK_EQ_U64(parity_set_count(set), 13);
        parity_set_free(set);
    }
    snprintf(text, sizeof text, "{\"metadata\": {\"total_size\": 9}, \"weight_map\": {%s}}",
             FULL_MAP);
    expect(text, NULL, PARITY_E_FORMAT, "total_size 9, but the shards' tensors hold 3177");
    expect(text, &lenient, PARITY_OK, NULL);
    snprintf(text, sizeof text, "{\"weight_map\": {%s}, \"extra\": [1]}", FULL_MAP);
    expect(text, NULL, PARITY_E_FORMAT, "unknown key 'extra'");
    expect(text, &lenient, PARITY_OK, NULL);
    snprintf(text, sizeof text, "{\"metadata\": {\"x\": true}, \"weight_map\": {%s}}", FULL_MAP);
    expect(text, NULL, PARITY_E_FORMAT, "metadata 'x': a boolean");
    expect(text, &lenient, PARITY_OK, NULL);
    /* one tensor short of its shard; one listed in the wrong shard */
    snprintf(text, sizeof text, "{\"weight_map\": {%s}}", strchr(FULL_MAP, ',') + 1);
    expect(text, NULL, PARITY_E_FORMAT, "tensor 'lm_head.weight' is not in weight_map");
    snprintf(text, sizeof text, "{\"weight_map\": {\"lm_head.weight\": \"" S1 "\", %s}}",
             strchr(FULL_MAP, ',') + 1);
    expect(text, NULL, PARITY_E_FORMAT,
           "tensor 'lm_head.weight' is here, but weight_map names shard '" S1 "'");
    /* a shard that is a directory */
    char sub[700];
    snprintf(sub, sizeof sub, "%s/dir.safetensors", DIR_);
    mkdir(sub, 0755);
    expect("{\"weight_map\": {\"x\": \"dir.safetensors\"}}", NULL, PARITY_E_IO,
           "not a regular file (a directory)");
    /* the size limit, before anything is parsed */
    parity_open_opts small = parity_open_opts_default();
    small.max_header_bytes = 10;
    expect("{\"weight_map\": {}}", &small, PARITY_E_LIMIT, "exceed the limit of 10");
    expect("{\"weight_map\": {}}", NULL, PARITY_OK, NULL);
}

static void test_reader_direct(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", DIR_);
    FILE *f = fopen(path, "rb");
    if (!CHECK(f)) return;
    unsigned char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unsigned char *exact = malloc(n);
    memcpy(exact, buf, n);
    CHECK(parity__is_st_index(path, exact, n));
    CHECK(!parity__is_st_index("model.json", exact, n));
    CHECK(!parity__is_st_index(path, (const unsigned char *)"{}", 2));
    parity_set *set = calloc(1, sizeof *set);
    set->opts = parity_open_opts_default();
    parity__source src = {path, exact, n, "pre", NULL, 0};
    parity_error err = {0};
    if (CHECK_OK(parity__read_st_index(set, &src, &err), &err)) {
        CHECK_EQ_U64(set->n_tensors, 13);
        CHECK_EQ_U64(set->n_meta, 0); /* take_metadata 0 */
        int prefixed = 1;
        for (size_t i = 0; i < set->n_tensors; i++)
            prefixed &= strncmp(set->tensors[i].name, "pre/", 4) == 0;
        CHECK(prefixed);
        CHECK_EQ_U64(set->n_maps, 3); /* the shards (the index is the caller's) */
    }
    parity_set_free(set);
    free(exact);
}

/* ---- 3. the committed bad corpus --------------------------------------------- */

/* The committed corpus is exactly what gen_bad_st_index.py writes. */
static void test_corpus_generated(int listed) {
    const char *src = getenv("PARITY_SRC"), *py = getenv("PARITY_PYTHON");
    const char *build = getenv("PARITY_BUILD");
    if (!CHECK_MSG(src && py && build, "PARITY_SRC/PYTHON/BUILD unset")) return;
    char dir[700], gen[700], cmd[2200], a[1000], b[1000];
    snprintf(dir, sizeof dir, "%s/tests/bad/st_index", src);
    snprintf(gen, sizeof gen, "%s/bad_st_index_generated", build);
    snprintf(cmd, sizeof cmd, "'%s' '%s/tools/gen_bad_st_index.py' '%s'", py, src, gen);
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
    CHECK_EQ_INT(files, listed + 5); /* + expected.txt and the 4 shards */
}

static void test_bad_corpus(void) {
    const char *src = getenv("PARITY_SRC");
    char path[1024], line[512];
    if (!CHECK_MSG(src, "PARITY_SRC unset")) return;
    snprintf(path, sizeof path, "%s/tests/bad/st_index/expected.txt", src);
    FILE *f = fopen(path, "r");
    if (!CHECK_MSG(f, "cannot open %s", path)) return;
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab || line[0] == '#') continue;
        *tab = '\0';
        snprintf(path, sizeof path, "%s/tests/bad/st_index/%s", src, line);
        parity_set *set = NULL;
        parity_error err = {0};
        parity_status st = parity_set_open(path, NULL, &set, &err);
        CHECK_MSG(st != PARITY_OK && strstr(err.msg, tab + 1) && strstr(err.msg, line),
                  "%s: %d \"%s\" lacks \"%s\"", line, st, err.msg, tab + 1);
        CHECK(set == NULL);
        n++;
    }
    fclose(f);
    CHECK_MSG(n >= 10, "only %d bad files", n);
    test_corpus_generated(n);
}

int main(void) {
    if (generate()) {
        test_checkpoint();
        test_rules();
        test_reader_direct();
    }
    test_bad_corpus();
    return TEST_SUMMARY();
}
