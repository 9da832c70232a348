/*
 * test_tracer_legacy.c — a port written when parity_tracer_add injected
 * keeps that behaviour with PARITY_TRACER_ADD_INJECTS defined:
 * parity_tracer_add and parity_tracer_add_input overwrite the buffer with
 * the reference in inject mode (and still record the port's values first,
 * the input still marked as one).
 */
#define PARITY_TRACER_ADD_INJECTS 1
#include "parity.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
    char dir[] = "/tmp/parity_tracer_legacy_XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL)) return TEST_SUMMARY();
    char ref[128], port[128];
    snprintf(ref, sizeof ref, "%s/ref.safetensors", dir);
    snprintf(port, sizeof port, "%s/port.safetensors", dir);
    parity_error err;
    parity_tracer *t = NULL;
    const int64_t shape[1] = {2};
    float in[2] = {1, 2}, y[2] = {3, 4};
    CHECK_OK(parity_tracer_open(ref, &t, &err), &err);
    CHECK_OK(parity_tracer_add_input(t, "in", PARITY_DT_F32, 1, shape, in, &err), &err);
    CHECK_OK(parity_tracer_add(t, "y", PARITY_DT_F32, 1, shape, y, &err), &err);
    CHECK_OK(parity_tracer_close(t, &err), &err);
    CHECK_OK(parity_tracer_open(port, &t, &err), &err);
    CHECK_OK(parity_tracer_set_inject(t, ref, &err), &err);
    float pin[2] = {0, 0}, py[2] = {0, 0};
    CHECK_OK(parity_tracer_add_input(t, "in", PARITY_DT_F32, 1, shape, pin, &err), &err);
    CHECK_OK(parity_tracer_add(t, "y", PARITY_DT_F32, 1, shape, py, &err), &err);
    CHECK(pin[0] == 1 && pin[1] == 2 && py[0] == 3 && py[1] == 4);
    CHECK_EQ_U64(parity_tracer_injected(t), 2);
    CHECK_OK(parity_tracer_close(t, &err), &err);
    parity_set *s = NULL;
    if (CHECK_OK(parity_set_open(port, NULL, &s, &err), &err)) {
        double v[2];
        parity_tensor_read(parity_set_tensor(s, 1), 0, 2, v);
        CHECK(v[0] == 0 && v[1] == 0); /* the port's values */
        CHECK_EQ_INT(parity_set_tensor(s, 0)->is_input, 1);
        parity_set_free(s);
    }
    unlink(ref);
    unlink(port);
    rmdir(dir);
    return TEST_SUMMARY();
}
