/*
 * fuzz_safetensors.c — libFuzzer target for the safetensors reader.
 *
 * Invariant checked (docs/reliability.md): for any bytes the reader either fails with
 * a one-line message or returns tensors whose views lie inside the input;
 * reading each tensor's first and last element touches both ends of every
 * view, so ASan flags any view that escapes the buffer. Built as a libFuzzer
 * binary (-DPARITY_FUZZ=ON, clang) and, with replay_main.c, as a plain
 * program that replays fuzz/corpus/safetensors.
 */
#include "formats/reader.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reader also runs in lenient mode: its accepting paths differ. */
static void read_once(const uint8_t *data, size_t size, int strict) {
    parity_set *set = calloc(1, sizeof *set);
    if (!set) return;
    set->opts = parity_open_opts_default();
    set->opts.strict = strict;
    parity_error err;
    memset(&err, 0, sizeof err);
    parity__source src = {"fuzz.safetensors", data, size, "p", NULL, 1};
    parity_status st = parity__read_safetensors(set, &src, &err);
    if (st != PARITY_OK && (err.msg[0] == '\0' || strchr(err.msg, '\n')))
        abort(); /* every failure carries a one-line message */
    for (size_t i = 0; st == PARITY_OK && i < set->n_tensors; i++) {
        const parity_tensor *t = &set->tensors[i];
        if (t->data < data || t->nbytes > size ||
            t->data + t->nbytes > data + size)
            abort();
        double v[2];
        if (t->count == 0) continue;
        parity_tensor_read(t, 0, 1, &v[0]);
        parity_tensor_read(t, t->count - 1, 1, &v[1]);
    }
    parity_set_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    read_once(data, size, 1);
    read_once(data, size, 0);
    return 0;
}
