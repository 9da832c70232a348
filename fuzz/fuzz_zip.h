/*
 * fuzz_zip.h — what the zip-based fuzz targets share: a set with limits
 * small enough for a fuzzer (inflated bytes are written to temporary
 * files), and the check run on whatever a reader accepted.
 */
#ifndef PARITY_FUZZ_ZIP_H
#define PARITY_FUZZ_ZIP_H

#include "formats/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static parity_set *fuzz_set(void) {
    parity_set *set = calloc(1, sizeof *set);
    if (!set) return NULL;
    set->opts = parity_open_opts_default();
    set->opts.max_decompressed_bytes = 64u << 20;
    set->path = NULL;
    return set;
}

/* Accepted: the first and last element of every tensor are read (a view
 * outside its bytes trips ASan). Refused: one non-empty line. */
static void fuzz_check(parity_set *set, parity_status st,
                       const parity_error *err) {
    if (st != PARITY_OK) {
        if (!err->msg[0] || strchr(err->msg, '\n')) abort();
        return;
    }
    for (size_t i = 0; i < set->n_tensors; i++) {
        const parity_tensor *t = &set->tensors[i];
        double v[2];
        if (t->count == 0) continue;
        parity_tensor_read(t, 0, 1, &v[0]);
        parity_tensor_read(t, t->count - 1, 1, &v[1]);
    }
}

#endif /* PARITY_FUZZ_ZIP_H */
