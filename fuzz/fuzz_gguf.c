/*
 * fuzz_gguf.c — libFuzzer target for the GGUF reader (formats/gguf.c,
 * gguf_kv.c).
 *
 * Invariant checked (SPEC §10): for any bytes the reader either fails with
 * a one-line message or returns tensors whose views lie inside the input;
 * reading each tensor's first, middle and last element decodes the blocks
 * at both ends of every view (quantized types included), so ASan flags a
 * view that escapes the buffer. Every metadata value is touched too.
 * Built as a libFuzzer binary (-DPARITY_FUZZ=ON, clang) and, with
 * replay_main.c, as a plain program that replays fuzz/corpus/gguf.
 */
#include "formats/reader.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const parity_set *set, const uint8_t *data, size_t size) {
    for (size_t i = 0; i < set->n_tensors; i++) {
        const parity_tensor *t = &set->tensors[i];
        if (t->data < data || t->nbytes > size || t->data + t->nbytes > data + size)
            abort();
        double v[3];
        if (t->count == 0) continue;
        parity_tensor_read(t, 0, 1, &v[0]);
        parity_tensor_read(t, t->count / 2, 1, &v[1]);
        parity_tensor_read(t, t->count - 1, 1, &v[2]);
    }
    size_t total = 0;
    for (size_t i = 0; i < set->n_meta; i++)
        total += strlen(set->meta[i].key) + strlen(set->meta[i].value);
    if (total == (size_t)-1) abort(); /* keeps the reads */
}

/* The reader also runs in lenient mode: its accepting paths differ. */
static void read_once(const uint8_t *data, size_t size, int strict) {
    parity_set *set = calloc(1, sizeof *set);
    if (!set) return;
    set->opts = parity_open_opts_default();
    set->opts.strict = strict;
    parity_error err;
    memset(&err, 0, sizeof err);
    parity__source src = {"fuzz.gguf", data, size, NULL, NULL, 1};
    parity_status st = parity__read_gguf(set, &src, &err);
    if (st != PARITY_OK && (err.msg[0] == '\0' || strchr(err.msg, '\n')))
        abort(); /* every failure carries a one-line message */
    if (st == PARITY_OK) touch(set, data, size);
    parity_set_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    read_once(data, size, 1);
    read_once(data, size, 0);
    return 0;
}
