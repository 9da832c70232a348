/*
 * fuzz_pickle.c — libFuzzer target for the pickle subset (pickle.c) and
 * what torchzip.c builds from its tree.
 *
 * The input is a data.pkl. It is run by parity__pickle_load directly, then
 * packed (stored) into a checkpoint with two storages, archive/data/0 (16
 * float32) and archive/data/1 (8 bytes), and read by parity__read_torchzip,
 * so mutations reach storage lookup, view checks and name flattening
 * without having to keep a zip archive valid. Seeds: fuzz/corpus/pickle/
 * (tools/gen_zip_seeds.py); dictionary: fuzz/pickle.dict.
 */
#include "formats/pickle.h"
#include "fuzz_zip.h"

#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct zbuf {
    unsigned char *p;
    size_t n;
} zbuf;

static void put(zbuf *b, const void *p, size_t n) {
    memcpy(b->p + b->n, p, n);
    b->n += n;
}
static void le(zbuf *b, uint32_t v, int bytes) {
    for (int i = 0; i < bytes; i++) {
        unsigned char c = (unsigned char)(v >> 8 * i);
        put(b, &c, 1);
    }
}

/* A local header and its data; the central entry goes to cd. */
static void member(zbuf *b, zbuf *cd, const char *name, const void *d,
                   uint32_t n) {
    uint32_t crc = (uint32_t)crc32(0, d, n), off = (uint32_t)b->n;
    uint32_t nl = (uint32_t)strlen(name);
    le(b, 0x04034b50, 4); le(b, 20, 2); le(b, 0, 2); le(b, 0, 2);
    le(b, 0, 4); le(b, crc, 4); le(b, n, 4); le(b, n, 4);
    le(b, nl, 2); le(b, 0, 2); put(b, name, nl); put(b, d, n);
    le(cd, 0x02014b50, 4); le(cd, 20, 2); le(cd, 20, 2); le(cd, 0, 2);
    le(cd, 0, 2); le(cd, 0, 4); le(cd, crc, 4); le(cd, n, 4); le(cd, n, 4);
    le(cd, nl, 2); le(cd, 0, 2); le(cd, 0, 2); le(cd, 0, 2); le(cd, 0, 2);
    le(cd, 0, 4); le(cd, off, 4); put(cd, name, nl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    parity_open_opts o = parity_open_opts_default();
    parity__pickle pk;
    parity_error err = {0};
    parity__pickle_load(&pk, data, size, &o, "fuzz.pkl", &err);
    parity__pickle_free(&pk);
    if (size > (1u << 20)) return 0;
    float f[16];
    for (int i = 0; i < 16; i++) f[i] = (float)i - 7.5f;
    static const unsigned char u8[8] = {0, 1, 2, 3, 250, 251, 252, 255};
    zbuf b = {malloc(size + 1024), 0}, cd = {malloc(512), 0};
    if (!b.p || !cd.p) {
        free(b.p);
        free(cd.p);
        return 0;
    }
    member(&b, &cd, "archive/data.pkl", data, (uint32_t)size);
    member(&b, &cd, "archive/data/0", f, sizeof f);
    member(&b, &cd, "archive/data/1", u8, sizeof u8);
    uint32_t cd_off = (uint32_t)b.n;
    put(&b, cd.p, cd.n);
    le(&b, 0x06054b50, 4); le(&b, 0, 4); le(&b, 3, 2); le(&b, 3, 2);
    le(&b, (uint32_t)cd.n, 4); le(&b, cd_off, 4); le(&b, 0, 2);
    /* an exact-size copy, so ASan sees any read past the archive */
    unsigned char *exact = malloc(b.n);
    parity_set *set = exact ? fuzz_set() : NULL;
    if (set) {
        memcpy(exact, b.p, b.n);
        parity__source src = {"fuzz.pt", exact, b.n, NULL, "fuzz", 1};
        memset(&err, 0, sizeof err);
        fuzz_check(set, parity__read_torchzip(set, &src, &err), &err);
        parity_set_free(set);
    }
    free(exact);
    free(b.p);
    free(cd.p);
    return 0;
}
