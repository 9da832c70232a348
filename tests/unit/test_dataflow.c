/*
 * test_dataflow.c — what a trace records beyond its tensors, read back
 * (src/core/dataflow.c, src/formats/open.c): parents and aliases from the
 * "parity.parents" / "parity.aliases" metadata of a single file and from
 * index.json of a directory, as the Python tracer writes them; aliases are
 * views of the stored tensor in their own place of the order; malformed
 * or dangling entries are refused by name.
 */
#include "testutil.h"
#include "parity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/parity_test_dataflow_XXXXXX";

/* A file of stages a (stored), b (alias of a), c (stored), with the given
 * metadata for parents and aliases (NULL: none). */
static void write_trace(const char *path, const char *parents, const char *aliases) {
    parity_writer *w = NULL;
    parity_error e;
    const int64_t shape[1] = {3};
    const float a[3] = {1, 2, 3}, c[3] = {4, 5, 6};
    CHECK_OK(parity_writer_open(path, &w, &e), &e);
    if (!w) return;
    CHECK_OK(parity_writer_add(w, "a", PARITY_DT_F32, 1, shape, a, &e), &e);
    CHECK_OK(parity_writer_add(w, "c", PARITY_DT_F32, 1, shape, c, &e), &e);
    CHECK_OK(parity_writer_meta(w, "parity.order", "[\"a\",\"b\",\"c\"]", &e), &e);
    if (parents) CHECK_OK(parity_writer_meta(w, "parity.parents", parents, &e), &e);
    if (aliases) CHECK_OK(parity_writer_meta(w, "parity.aliases", aliases, &e), &e);
    CHECK_OK(parity_writer_close(w, &e), &e);
}

static void test_file(void) {
    char path[600];
    parity_error e;
    parity_set *s = NULL;
    snprintf(path, sizeof path, "%s/t.safetensors", dir);
    write_trace(path, "{\"b\":[\"a\"],\"c\":[\"b\",\"a\"]}", "{\"b\":\"a\"}");
    CHECK_OK(parity_set_open(path, NULL, &s, &e), &e);
    if (!s) return;
    CHECK_EQ_U64(parity_set_count(s), 3);
    CHECK_EQ_STR(parity_set_tensor(s, 1)->name, "b"); /* its place in the order */
    CHECK_EQ_STR(parity_set_tensor(s, 1)->alias_of, "a");
    CHECK(parity_set_tensor(s, 1)->data == parity_set_tensor(s, 0)->data);
    CHECK(parity_set_tensor(s, 0)->alias_of == NULL);
    const char *const *names = NULL;
    CHECK_EQ_U64(parity_set_parents(s, 2, &names), 2);
    if (names) {
        CHECK_EQ_STR(names[0], "b");
        CHECK_EQ_STR(names[1], "a");
    }
    CHECK_EQ_U64(parity_set_parents(s, 0, &names), 0);
    CHECK(names == NULL);
    CHECK_EQ_INT(parity_set_has_dataflow(s), 1);
    parity_set_free(s);
    unlink(path);
}

/* Each malformed entry gives one line naming the fault. */
static void test_refused(void) {
    static const struct {
        const char *parents, *aliases, *expect;
    } cases[] = {
        {NULL, "{\"b\":\"nosuch\"}", "alias 'b' names 'nosuch', which is no stored tensor"},
        {NULL, "{\"c\":\"a\"}", "alias 'c' is also a stored tensor"},
        {NULL, "[\"b\"]", "metadata 'parity.aliases': expected a JSON object"},
        {NULL, "{\"b\":1}", "parity.aliases 'b': expected a stage name"},
        {"{\"c\":\"a\"}", NULL, "parity.parents 'c': expected an array of stage names"},
        {"{\"c\":[\"a\"],\"c\":[\"b\"]}", NULL, "duplicate key 'c'"},
    };
    char path[600];
    snprintf(path, sizeof path, "%s/bad.safetensors", dir);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        parity_error e = {0};
        parity_set *s = NULL;
        write_trace(path, cases[i].parents, cases[i].aliases);
        parity_status st = parity_set_open(path, NULL, &s, &e);
        CHECK_MSG(st == PARITY_E_FORMAT && strstr(e.msg, cases[i].expect) && !strchr(e.msg, '\n'),
                  "case %zu: status %d, '%s'", i, st, e.msg);
        parity_set_free(s);
    }
    unlink(path);
}

/* A directory trace: index.json's "parents" and "aliases". */
static void test_dir(void) {
    char sub[600], path[700];
    parity_error e;
    snprintf(sub, sizeof sub, "%s/d", dir);
    parity_tracer *t = NULL;
    const int64_t shape[1] = {2};
    float x[2] = {1, 2};
    CHECK_OK(parity_tracer_open(sub, &t, &e), &e);
    if (!t) return;
    CHECK_OK(parity_tracer_add(t, "x", PARITY_DT_F32, 1, shape, x, &e), &e);
    CHECK_OK(parity_tracer_close(t, &e), &e);
    /* what the Python tracer writes: an alias stored nowhere, with parents */
    snprintf(path, sizeof path, "%s/index.json", sub);
    FILE *f = fopen(path, "w");
    if (!CHECK(f != NULL)) return;
    fputs("{\"format\":\"parity-trace\",\"version\":1,\"order\":[\"x\",\"y\"],\"inputs\":[],"
          "\"files\":{\"x\":\"000001.safetensors\"},\"aliases\":{\"y\":\"x\"},"
          "\"parents\":{\"y\":[\"x\"]},\"metadata\":{}}\n", f);
    fclose(f);
    parity_set *s = NULL;
    CHECK_OK(parity_set_open(sub, NULL, &s, &e), &e);
    if (s) {
        CHECK_EQ_U64(parity_set_count(s), 2);
        CHECK_EQ_STR(parity_set_tensor(s, 1)->alias_of, "x");
        CHECK_EQ_U64(parity_set_parents(s, 1, NULL), 1);
    }
    parity_set_free(s);
    unlink(path);
    snprintf(path, sizeof path, "%s/000001.safetensors", sub);
    unlink(path);
    rmdir(sub);
}

int main(void) {
    if (!CHECK(mkdtemp(dir))) return TEST_SUMMARY();
    test_file();
    test_refused();
    test_dir();
    rmdir(dir);
    return TEST_SUMMARY();
}
