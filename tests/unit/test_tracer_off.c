/*
 * test_tracer_off.c — a port built with PARITY_NO_TRACE: its add calls
 * compile to nothing, even with an open tracer at hand, while calls into
 * the library itself still trace.
 */
#define PARITY_NO_TRACE 1
#include "parity.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char dir[] = "/tmp/parity_tracer_off_XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL)) return TEST_SUMMARY();
    char path[128];
    snprintf(path, sizeof path, "%s/t.safetensors", dir);
    parity_error err;
    parity_tracer *t = NULL;
    CHECK_OK(parity_tracer_open(path, &t, &err), &err);
    CHECK(t != NULL);
    float x[3] = {1, 2, 3};
    const int64_t shape[1] = {3};
    /* compiled out: nothing recorded, the buffer untouched */
    CHECK_OK(parity_tracer_add(t, "gone", PARITY_DT_F32, 1, shape, x, &err), &err);
    CHECK_OK(parity_tracer_add_input(t, "gone_input", PARITY_DT_F32, 1, shape, x, &err), &err);
    /* the library is not compiled out */
    CHECK_OK(parity__tracer_add(t, "kept", PARITY_DT_F32, 1, shape, x, 0, &err), &err);
    CHECK_OK(parity_tracer_close(t, &err), &err);
    parity_set *s = NULL;
    if (CHECK_OK(parity_set_open(path, NULL, &s, &err), &err)) {
        CHECK_EQ_U64(parity_set_count(s), 1);
        CHECK_EQ_STR(parity_set_tensor(s, 0)->name, "kept");
        parity_set_free(s);
    }
    CHECK(x[0] == 1 && x[1] == 2 && x[2] == 3);
    unlink(path);
    rmdir(dir);
    return TEST_SUMMARY();
}
