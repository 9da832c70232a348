/*
 * fuzz_st_index.c — libFuzzer target for sharded safetensors indexes
 * (formats/st_index.c).
 *
 * The input is the index's JSON text. It is read as if it were
 * fuzz/st_index_shards/fuzz.safetensors.index.json, next to two small
 * valid shards (a.safetensors, b.safetensors, written by
 * tools/gen_st_index_fixtures.py --seeds), so mutations reach both the
 * JSON checks and the shard checks; any other shard name is absent or
 * refused (the error paths). Invariant: one-line errors, or tensors whose
 * views lie inside their shard's map (each read at both ends). Built as a
 * libFuzzer binary and, with replay_main.c, as a corpus replay.
 */
#include "formats/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* This file's directory + "/st_index_shards/fuzz.safetensors.index.json"
 * (the build passes absolute source paths, so __FILE__ locates it). */
static const char *index_path(void) {
    static char path[4096];
    if (!path[0]) {
        const char *slash = strrchr(__FILE__, '/');
        int dir = slash ? (int)(slash - __FILE__) : 1;
        snprintf(path, sizeof path, "%.*s/st_index_shards/fuzz.safetensors.index.json",
                 dir, slash ? __FILE__ : ".");
    }
    return path;
}

static void read_once(const uint8_t *data, size_t size, int strict) {
    parity_set *set = calloc(1, sizeof *set);
    if (!set) return;
    set->opts = parity_open_opts_default();
    set->opts.strict = strict;
    parity_error err;
    memset(&err, 0, sizeof err);
    parity__source src = {index_path(), data, size, NULL, NULL, 1};
    parity_status st = parity__read_st_index(set, &src, &err);
    if (st != PARITY_OK && (err.msg[0] == '\0' || strchr(err.msg, '\n')))
        abort();
    for (size_t i = 0; st == PARITY_OK && i < set->n_tensors; i++) {
        const parity_tensor *t = &set->tensors[i];
        int inside = 0;
        for (size_t m = 0; m < set->n_maps; m++)
            inside |= t->data >= set->maps[m].base &&
                      t->nbytes <= set->maps[m].size &&
                      t->data + t->nbytes <= set->maps[m].base + set->maps[m].size;
        if (!inside && t->nbytes) abort();
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
