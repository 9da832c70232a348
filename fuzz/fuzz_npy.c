/*
 * fuzz_npy.c — libFuzzer target for the .npy reader.
 *
 * Any bytes go to parity__read_npy with the default limits (strict). On
 * success the first and last element of every tensor are read through
 * parity_tensor_read, so a view reaching outside the buffer trips ASan.
 * Seeds: fuzz/corpus/npy/ (tools/gen_npy_fixtures.py --seeds);
 * dictionary: fuzz/npy.dict.
 */
#include "formats/reader.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    parity_set *set = calloc(1, sizeof *set);
    if (!set) return 0;
    set->opts = parity_open_opts_default();
    parity_error err;
    parity__source src = {"fuzz.npy", data, size, "fuzz", NULL, 0};
    if (parity__read_npy(set, &src, &err) == PARITY_OK) {
        for (size_t i = 0; i < set->n_tensors; i++) {
            const parity_tensor *t = &set->tensors[i];
            double v[2];
            if (t->count == 0) continue;
            parity_tensor_read(t, 0, 1, &v[0]);
            parity_tensor_read(t, t->count - 1, 1, &v[1]);
        }
    }
    parity_set_free(set);
    return 0;
}
