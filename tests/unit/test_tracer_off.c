/*
 * test_tracer_off.c — a port built with PARITY_NO_TRACE: every tracing
 * call of a forward pass (add, add_input, add_strided, inject,
 * inject_input, inject_strided, the printf forms, parents, last) compiles
 * to nothing, even with an open tracer and an inject reference at hand:
 * nothing is recorded, no buffer is written, no name is formatted (the
 * format's arguments are not evaluated). Calls into the library itself
 * still trace. tests/tracer/run_notrace.sh checks the object code: no
 * reference to the library is left.
 */
#define PARITY_NO_TRACE 1
#include "parity.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int evaluated;

/* A format argument with a side effect: must never run (clang sees every
 * call compiled away, hence unused). */
__attribute__((unused)) static int count_me(int v) {
    evaluated++;
    return v;
}

/* The reference: "x" F32 [3] = 7, 8, 9. */
static void write_reference(const char *path) {
    parity_error err;
    parity_tracer *t = NULL;
    const float r[3] = {7, 8, 9};
    const int64_t shape[1] = {3};
    CHECK_OK(parity_tracer_open(path, &t, &err), &err);
    CHECK_OK(parity__tracer_add(t, "x", PARITY_DT_F32, 1, shape, NULL, r, 0, &err), &err);
    CHECK_OK(parity_tracer_close(t, &err), &err);
}

/* Every inline call and macro of parity.h section 6, on an open tracer. */
static void call_everything(parity_tracer *t, float *x) {
    parity_error err;
    const int64_t shape[1] = {3}, stride[1] = {1};
    const char *const parents[1] = {"kept"};
    CHECK_OK(parity_tracer_add(t, "x", PARITY_DT_F32, 1, shape, x, &err), &err);
    CHECK_OK(parity_tracer_add_input(t, "x", PARITY_DT_F32, 1, shape, x, &err), &err);
    CHECK_OK(parity_tracer_add_strided(t, "x", PARITY_DT_F32, 1, shape, stride, x, &err), &err);
    CHECK_OK(parity_tracer_inject(t, "x", PARITY_DT_F32, 1, shape, x, &err), &err);
    CHECK_OK(parity_tracer_inject_input(t, "x", PARITY_DT_F32, 1, shape, x, &err), &err);
    CHECK_OK(parity_tracer_inject_strided(t, "x", PARITY_DT_F32, 1, shape, stride, x, &err), &err);
    CHECK_OK(parity_tracer_addf(t, PARITY_DT_F32, 1, shape, x, &err, "x%d", count_me(0)), &err);
    CHECK_OK(
        parity_tracer_add_stridedf(t, PARITY_DT_F32, 1, shape, stride, x, &err, "x%d", count_me(1)),
        &err);
    CHECK_OK(parity_tracer_injectf(t, PARITY_DT_F32, 1, shape, x, &err, "x%d", count_me(2)), &err);
    CHECK_OK(parity_tracer_inject_stridedf(t, PARITY_DT_F32, 1, shape, stride, x, &err, "x%d",
                                           count_me(3)),
             &err);
    CHECK_OK(parity_tracer_parents(t, "kept", parents, 1, &err), &err);
    CHECK(parity_tracer_last(t, NULL) == NULL);
    CHECK(parity_tracer_last(t, "kept") == NULL);
}

int main(void) {
    char dir[] = "/tmp/parity_tracer_off_XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL)) return TEST_SUMMARY();
    char path[128], ref[128];
    snprintf(path, sizeof path, "%s/t.safetensors", dir);
    snprintf(ref, sizeof ref, "%s/ref.safetensors", dir);
    write_reference(ref);
    parity_error err;
    parity_tracer *t = NULL;
    CHECK_OK(parity_tracer_open(path, &t, &err), &err);
    CHECK(t != NULL);
    CHECK_OK(parity_tracer_set_inject(t, ref, &err), &err);
    float x[3] = {1, 2, 3};
    const int64_t shape[1] = {3};
    /* the library is not compiled out */
    CHECK_OK(parity__tracer_add(t, "kept", PARITY_DT_F32, 1, shape, NULL, x, 0, &err), &err);
    call_everything(t, x);
    CHECK_EQ_INT(evaluated, 0);
    CHECK_EQ_U64(parity_tracer_injected(t), 0);
    CHECK_OK(parity_tracer_close(t, &err), &err);
    parity_set *s = NULL;
    if (CHECK_OK(parity_set_open(path, NULL, &s, &err), &err)) {
        CHECK_EQ_U64(parity_set_count(s), 1);
        CHECK_EQ_STR(parity_set_tensor(s, 0)->name, "kept");
        CHECK(!parity_set_has_dataflow(s));
        parity_set_free(s);
    }
    CHECK(x[0] == 1 && x[1] == 2 && x[2] == 3);
    unlink(path);
    unlink(ref);
    rmdir(dir);
    return TEST_SUMMARY();
}
