/*
 * fuzz_torchzip.c — libFuzzer target for parity__read_torchzip (src/formats/torchzip.c).
 *
 * Any bytes go to parity__read_torchzip with the default limits but a 64 MiB
 * inflate cap; accepted tensors have their first and last element read,
 * refusals must be one line (fuzz_zip.h). Seeds: fuzz/corpus/torchzip/
 * (tools/gen_zip_seeds.py); dictionary: fuzz/torchzip.dict.
 */
#include "fuzz_zip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    parity_set *set = fuzz_set();
    if (!set) return 0;
    parity_error err = {0};
    parity__source src = {"fuzz.pt", data, size, NULL, "fuzz", 1};
    fuzz_check(set, parity__read_torchzip(set, &src, &err), &err);
    parity_set_free(set);
    return 0;
}
