/*
 * zip.h — a strict zip container reader shared by the .npz and PyTorch
 * checkpoint readers (internal). zip.c validates the whole central
 * directory and every local header when the archive is opened; member
 * bytes are then read one at a time: stored members in place (CRC-32
 * checked), deflated ones streamed into a temporary file the set owns.
 */
#ifndef PARITY_FORMATS_ZIP_H
#define PARITY_FORMATS_ZIP_H

#include "formats/reader.h"

/* One member, as the central directory and its local header agree. */
typedef struct parity__zip_member {
    const unsigned char *name; /* [name_len] bytes in the file, no NUL;    */
    size_t name_len;           /* valid UTF-8, no NUL, no "..", relative    */
    uint16_t method;           /* 0 stored, 8 deflated                      */
    uint16_t flags;            /* general purpose bits (3: descriptor)      */
    uint32_t crc32;
    uint64_t csize, usize;     /* compressed and uncompressed bytes         */
    uint64_t cd_off;           /* its central directory entry               */
    uint64_t local_off;        /* its local header                          */
    uint64_t data_off;         /* its first data byte                       */
    uint64_t end_off;          /* after its data and data descriptor        */
} parity__zip_member;

typedef struct parity__zip {
    const char *path;          /* for messages                              */
    const unsigned char *buf;  /* the whole file [len]                      */
    size_t len;
    parity__zip_member *m;     /* [n] in central directory order            */
    size_t n;
    size_t *by_name;           /* [n] member indices sorted by name         */
    uint64_t cd_off, cd_size;  /* the central directory                     */
    uint64_t inflated;         /* bytes inflated so far, summed against     */
    uint64_t max_inflated;     /* opts.max_decompressed_bytes               */
    int strict;
} parity__zip;

/* 1 when buf ends with a zip end of central directory record: an archive,
 * if perhaps a broken one (or one with bytes prepended). */
int parity__zip_has_end(const unsigned char *buf, size_t len);

/* Validate the archive (see zip.c for every rule) and list its members.
 * On failure nothing is left to close. */
parity_status parity__zip_open(parity__zip *z, const char *path,
                               const unsigned char *buf, size_t len,
                               const parity_open_opts *opts,
                               parity_error *err);
void parity__zip_close(parity__zip *z);

/* Index of the member named name[0..len), or -1. */
long parity__zip_find(const parity__zip *z, const char *name, size_t len);

/* The uncompressed bytes of member i, usize of them. Stored: a pointer
 * into the file, after checking their CRC-32. Deflated: inflated in
 * bounded chunks into a temporary file that set keeps mapped (see
 * core/scratch.h), after checking usize against max_decompressed_bytes;
 * the stream must inflate to exactly usize bytes with the declared CRC.
 * *in_file tells which (1: the bytes lie in the file at data_off). */
parity_status parity__zip_read(parity__zip *z, parity_set *set, size_t i,
                               const unsigned char **out, int *in_file,
                               parity_error *err);

/* The readers over an opened archive (npz.c, torchzip.c); the parity__read_*
 * entry points in reader.h open the archive themselves. */
parity_status parity__npz_from_zip(parity_set *set, const parity__source *src,
                                   parity__zip *z, parity_error *err);
parity_status parity__torch_from_zip(parity_set *set,
                                     const parity__source *src,
                                     parity__zip *z, parity_error *err);

/* The member's name made safe for a one-line message. */
const char *parity__zip_name(const parity__zip_member *m, char *out,
                             size_t cap);

#endif /* PARITY_FORMATS_ZIP_H */
