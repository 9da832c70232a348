/*
 * test_zip.c — the zip container reader (zip.c) and its scratch files
 * (core/scratch.c) on archives built byte by byte here.
 *
 * 1. Zip bombs, with peak resident memory measured (getrusage): a 1 KB
 *    archive claiming 10 GiB, 64 MiB of zeros refused by a 1 MiB limit,
 *    a member inflating past its declared size, and the same 64 MiB
 *    accepted under the default limit, streamed into a temporary file with
 *    resident memory growing by far less than the member.
 * 2. Stored and deflated members, data descriptors (with and without
 *    signature, 32- and 64-bit), zip64 extra fields and end records: the
 *    member bytes come back exactly; inflated ones are file-backed maps.
 * 3. Limits (max_zip_members, max_decompressed_bytes summed over members)
 *    and strict versus lenient (bytes belonging to no member).
 * 4. Every truncation and every single-byte corruption of a small valid
 *    archive: an error or a valid read, never a crash.
 */
#include "formats/zip.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

/* ---- a byte buffer and zip records ------------------------------------- */

typedef struct bytes {
    unsigned char *p;
    size_t n, cap;
} bytes;

static void put(bytes *b, const void *p, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->n, p, n);
    b->n += n;
}
static void u16(bytes *b, unsigned v) {
    unsigned char c[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(b, c, 2);
}
static void u32(bytes *b, uint32_t v) {
    u16(b, v & 0xFFFF);
    u16(b, v >> 16);
}
static void u64(bytes *b, uint64_t v) {
    u32(b, (uint32_t)v);
    u32(b, (uint32_t)(v >> 32));
}

typedef struct member {
    const char *name;
    const unsigned char *data; /* content, or NULL: usize zeros           */
    uint64_t usize;
    int method;                /* 0 or 8                                  */
    int descriptor;            /* 0 none, 1 with signature, 2 without     */
    int zip64;                 /* 1: zip64 extra fields with both sizes;  */
                               /* 2: a local one of 8 bytes (miniz); both */
                               /* give a 64-bit descriptor                */
    uint64_t claim;            /* if nonzero: declared usize instead      */
    /* filled by build: */
    bytes body;
    uint32_t crc;
    uint64_t offset;
} member;

/* Deflate (raw) or copy the content into m->body, computing the CRC; the
 * content of zeros is fed in 64 KiB pieces, so no buffer of usize exists. */
static void encode(member *m) {
    static const unsigned char zeros[1 << 16];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    m->crc = (uint32_t)crc32(0, NULL, 0);
    memset(&m->body, 0, sizeof m->body);
    if (m->method == 8) deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, 0);
    unsigned char out[1 << 16];
    for (uint64_t done = 0;;) {
        uint64_t k = m->usize - done > sizeof zeros ? sizeof zeros
                                                    : m->usize - done;
        const unsigned char *in = m->data ? m->data + done : zeros;
        m->crc = (uint32_t)crc32(m->crc, in, (uInt)k);
        done += k;
        if (m->method != 8) {
            put(&m->body, in, k);
            if (done == m->usize) break;
            continue;
        }
        zs.next_in = (Bytef *)in;
        zs.avail_in = (uInt)k;
        int flush = done == m->usize ? Z_FINISH : Z_NO_FLUSH, r;
        do {
            zs.next_out = out;
            zs.avail_out = sizeof out;
            r = deflate(&zs, flush);
            put(&m->body, out, sizeof out - zs.avail_out);
        } while (zs.avail_out == 0 || (flush == Z_FINISH && r != Z_STREAM_END));
        if (flush == Z_FINISH) break;
    }
    if (m->method == 8) deflateEnd(&zs);
}

static void local_header(bytes *b, const member *m) {
    uint64_t us = m->claim ? m->claim : m->usize;
    int d = m->descriptor != 0;
    u32(b, 0x04034b50);
    u16(b, m->zip64 ? 45 : 20);
    u16(b, d ? 0x0808 : 0x0800);
    u16(b, (unsigned)m->method);
    u16(b, 0);
    u16(b, 0x21);
    u32(b, d ? 0 : m->crc);
    u32(b, d ? 0 : m->zip64 ? 0xFFFFFFFF : (uint32_t)m->body.n);
    u32(b, d ? 0 : m->zip64 ? 0xFFFFFFFF : (uint32_t)us);
    u16(b, (unsigned)strlen(m->name));
    u16(b, m->zip64 == 1 ? 20 : m->zip64 == 2 ? 12 : 0);
    put(b, m->name, strlen(m->name));
    if (m->zip64 == 1) {
        u16(b, 1);
        u16(b, 16);
        u64(b, us);
        u64(b, m->body.n);
    }
    if (m->zip64 == 2) { /* miniz past 4 GiB: only the header's offset */
        u16(b, 1);
        u16(b, 8);
        u64(b, m->offset);
    }
}

static void central_header(bytes *b, const member *m) {
    uint64_t us = m->claim ? m->claim : m->usize;
    u32(b, 0x02014b50);
    u16(b, 0x031e);
    u16(b, m->zip64 ? 45 : 20);
    u16(b, m->descriptor ? 0x0808 : 0x0800);
    u16(b, (unsigned)m->method);
    u16(b, 0);
    u16(b, 0x21);
    u32(b, m->crc);
    u32(b, m->zip64 == 1 ? 0xFFFFFFFF : (uint32_t)m->body.n);
    u32(b, m->zip64 == 1 ? 0xFFFFFFFF : (uint32_t)us);
    u16(b, (unsigned)strlen(m->name));
    u16(b, m->zip64 == 1 ? 28 : 0);
    u16(b, 0);
    u16(b, 0);
    u16(b, 0);
    u32(b, 0);
    u32(b, m->zip64 == 1 ? 0xFFFFFFFF : (uint32_t)m->offset);
    put(b, m->name, strlen(m->name));
    if (m->zip64 == 1) {
        u16(b, 1);
        u16(b, 24);
        u64(b, us);
        u64(b, m->body.n);
        u64(b, m->offset);
    }
}

/* The archive of members [n]; zip64_end adds the zip64 end record and
 * locator (what torch.save writes). */
static bytes build(member *m, size_t n, int zip64_end) {
    bytes b = {0};
    for (size_t i = 0; i < n; i++) {
        encode(&m[i]);
        m[i].offset = b.n;
        local_header(&b, &m[i]);
        put(&b, m[i].body.p, m[i].body.n);
        uint64_t us = m[i].claim ? m[i].claim : m[i].usize;
        if (m[i].descriptor == 1) u32(&b, 0x08074b50);
        if (m[i].descriptor) {
            u32(&b, m[i].crc);
            if (m[i].zip64) {
                u64(&b, m[i].body.n);
                u64(&b, us);
            } else {
                u32(&b, (uint32_t)m[i].body.n);
                u32(&b, (uint32_t)us);
            }
        }
    }
    size_t cd = b.n;
    for (size_t i = 0; i < n; i++) central_header(&b, &m[i]);
    size_t cd_size = b.n - cd;
    if (zip64_end) {
        size_t rec = b.n;
        u32(&b, 0x06064b50);
        u64(&b, 44);
        u16(&b, 45);
        u16(&b, 45);
        u32(&b, 0);
        u32(&b, 0);
        u64(&b, n);
        u64(&b, n);
        u64(&b, cd_size);
        u64(&b, cd);
        u32(&b, 0x07064b50);
        u32(&b, 0);
        u64(&b, rec);
        u32(&b, 1);
    }
    u32(&b, 0x06054b50);
    u16(&b, 0);
    u16(&b, 0);
    u16(&b, (unsigned)n);
    u16(&b, (unsigned)n);
    u32(&b, (uint32_t)cd_size);
    u32(&b, (uint32_t)cd);
    u16(&b, 0);
    for (size_t i = 0; i < n; i++) free(m[i].body.p);
    return b;
}

static parity_set *new_set(void) {
    parity_set *set = calloc(1, sizeof *set);
    set->opts = parity_open_opts_default();
    set->path = strdup("test.zip");
    return set;
}

/* Open the archive and read every member; status of the first failure. */
static parity_status read_all(parity_set *set, const bytes *b,
                              parity_error *err) {
    parity__zip z;
    TRY(parity__zip_open(&z, "test.zip", b->p, b->n, &set->opts, err));
    parity_status st = PARITY_OK;
    for (size_t i = 0; i < z.n && st == PARITY_OK; i++) {
        const unsigned char *p;
        int in_file;
        st = parity__zip_read(&z, set, i, &p, &in_file, err);
    }
    parity__zip_close(&z);
    return st;
}

/* ---- 1. bombs and resident memory -------------------------------------- */

static long peak_kib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void test_bombs(void) {
    const uint64_t big = 64u << 20;
    member z = {"zeros.npy", NULL, big, 8, 0, 0, 0, {0}, 0, 0};
    bytes b = build(&z, 1, 0); /* ~64 KiB of deflate for 64 MiB */
    CHECK_MSG(b.n < 200000, "bomb is %zu bytes", b.n);
    parity_error err = {0};
    long before = peak_kib();

    /* refused by the limit before a byte is inflated */
    parity_set *set = new_set();
    set->opts.max_decompressed_bytes = 1u << 20;
    CHECK_EQ_INT(read_all(set, &b, &err), PARITY_E_LIMIT);
    CHECK(strstr(err.msg, "max_decompressed_bytes") != NULL);
    CHECK_EQ_U64(set->n_maps, 0);
    parity_set_free(set);

    /* accepted by default: streamed to a temporary file, not the heap */
    set = new_set();
    parity__zip zz;
    if (CHECK_OK(parity__zip_open(&zz, "bomb.zip", b.p, b.n, &set->opts,
                                  &err), &err)) {
        const unsigned char *p = NULL;
        int in_file = 1;
        CHECK_OK(parity__zip_read(&zz, set, 0, &p, &in_file, &err), &err);
        CHECK(in_file == 0 && p != NULL && set->n_maps == 1);
        CHECK(set->n_maps == 1 && set->maps[0].size == big);
        CHECK(p && p[0] == 0 && p[big / 2] == 0 && p[big - 1] == 0);
        parity__zip_close(&zz);
    }
    parity_set_free(set);
    long grew = peak_kib() - before;
    CHECK_MSG(grew < 16 * 1024, "inflating 64 MiB grew the peak RSS by %ld "
              "KiB", grew);
    free(b.p);

    /* declares 1 MiB, inflates to 64: refused after at most one chunk */
    z.claim = 1u << 20;
    b = build(&z, 1, 0);
    set = new_set();
    CHECK_EQ_INT(read_all(set, &b, &err), PARITY_E_FORMAT);
    CHECK(strstr(err.msg, "inflates past its declared 1048576 bytes") != NULL);
    parity_set_free(set);
    free(b.p);

    /* 1 KB claiming 10 GiB, even under a limit that would allow it */
    member c = {"c.npy", NULL, 100000, 8, 0, 1, (uint64_t)10 << 30,
                {0}, 0, 0};
    b = build(&c, 1, 1);
    CHECK_MSG(b.n < 1024, "claim is %zu bytes", b.n);
    set = new_set();
    set->opts.max_decompressed_bytes = (uint64_t)64 << 30;
    CHECK_EQ_INT(read_all(set, &b, &err), PARITY_E_FORMAT);
    CHECK(strstr(err.msg, "declares 10737418240 bytes from") != NULL);
    parity_set_free(set);
    free(b.p);

    /* the committed 1 KB file claiming 10 GiB, through the opener */
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/bad/zip/bomb_claims_10gib.npz",
             getenv("PARITY_SRC") ? getenv("PARITY_SRC") : ".");
    parity_set *s2 = NULL;
    CHECK_EQ_INT(parity_set_open(path, NULL, &s2, &err), PARITY_E_FORMAT);
    grew = peak_kib() - before;
    CHECK_MSG(grew < 16 * 1024, "the bombs grew the peak RSS by %ld KiB",
              grew);
    printf("bombs: peak RSS grew by %ld KiB in all\n", grew);
}

/* ---- 2. members of every shape ----------------------------------------- */

static void test_members(void) {
    unsigned char text[3000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (unsigned char)("abcdefgh"[i % 8] + (i % 7 == 0));
    member m[7] = {
        {"stored", text, 100, 0, 0, 0, 0, {0}, 0, 0},
        {"deflated", text, sizeof text, 8, 0, 0, 0, {0}, 0, 0},
        {"desc_sig", text, 500, 8, 1, 0, 0, {0}, 0, 0},
        {"desc_nosig", text, 77, 0, 2, 0, 0, {0}, 0, 0},
        {"zip64", text, 1000, 0, 0, 1, 0, {0}, 0, 0},
        {"zip64_desc", text, 2000, 8, 1, 1, 0, {0}, 0, 0},
        {"miniz_desc", text, 900, 0, 1, 2, 0, {0}, 0, 0},
    };
    for (int end64 = 0; end64 < 2; end64++) {
        bytes b = build(m, 7, end64);
        parity_set *set = new_set();
        parity__zip z;
        parity_error err = {0};
        if (!CHECK_OK(parity__zip_open(&z, "t.zip", b.p, b.n, &set->opts,
                                       &err), &err)) {
            parity_set_free(set);
            free(b.p);
            continue;
        }
        CHECK_EQ_U64(z.n, 7);
        for (size_t i = 0; i < 7; i++) {
            long k = parity__zip_find(&z, m[i].name, strlen(m[i].name));
            if (!CHECK_MSG(k == (long)i, "%s: index %ld", m[i].name, k))
                continue;
            const unsigned char *p = NULL;
            int in_file = -1;
            CHECK_OK(parity__zip_read(&z, set, i, &p, &in_file, &err), &err);
            CHECK_EQ_INT(in_file, m[i].method == 0);
            CHECK_MSG(p && memcmp(p, text, m[i].usize) == 0,
                      "%s: bytes differ", m[i].name);
        }
        CHECK(parity__zip_find(&z, "missing", 7) == -1);
        CHECK(parity__zip_find(&z, "stored", 5) == -1);
        parity__zip_close(&z);
        parity_set_free(set);
        free(b.p);
    }
}

/* ---- 3. limits and strictness ------------------------------------------ */

static void test_limits(void) {
    unsigned char text[4000];
    memset(text, 'x', sizeof text);
    member m[2] = {{"a", text, 3000, 8, 0, 0, 0, {0}, 0, 0},
                   {"b", text, 3000, 8, 0, 0, 0, {0}, 0, 0}};
    bytes b = build(m, 2, 0);
    parity_error err = {0};
    parity_set *set = new_set();
    set->opts.max_zip_members = 1;
    CHECK_EQ_INT(read_all(set, &b, &err), PARITY_E_LIMIT);
    CHECK(strstr(err.msg, "2 members, over the limit of 1") != NULL);
    parity_set_free(set);
    /* each member fits the limit, both together do not */
    set = new_set();
    set->opts.max_decompressed_bytes = 5000;
    CHECK_EQ_INT(read_all(set, &b, &err), PARITY_E_LIMIT);
    CHECK(strstr(err.msg, "zip member 'b': inflating 3000 bytes (3000 so "
                          "far in this file)") != NULL);
    parity_set_free(set);
    free(b.p);
    /* bytes between members: refused when strict, skipped when lenient */
    member s[2] = {{"a", text, 10, 0, 0, 0, 0, {0}, 0, 0},
                   {"b", text, 10, 0, 0, 0, 0, {0}, 0, 0}};
    b = build(s, 2, 0);
    bytes g = {0};
    put(&g, b.p, 41);          /* a's header (31) and data (10) end at 41 */
    put(&g, "HIDDEN", 6);      /* 6 stray bytes */
    size_t shift = 6;
    put(&g, b.p + 41, b.n - 41);
    /* patch b's local offset (central entry 2, offset field at +42) and the
     * end record's central directory offset */
    size_t cd = 41 + 41 + shift;
    size_t e2 = cd + 47;
    uint32_t off_b = 41 + (uint32_t)shift;
    memcpy(g.p + e2 + 42, &off_b, 4);
    uint32_t cd32 = (uint32_t)cd;
    memcpy(g.p + g.n - 6, &cd32, 4);
    set = new_set();
    CHECK_EQ_INT(read_all(set, &g, &err), PARITY_E_FORMAT);
    CHECK_MSG(strstr(err.msg, "6 bytes at offset 41 belong to no member"),
              "%s", err.msg);
    set->opts.strict = 0;
    CHECK_OK(read_all(set, &g, &err), &err);
    parity_set_free(set);
    free(g.p);
    free(b.p);
}

/* ---- 4. truncations and corruptions ------------------------------------ */

static void test_sweeps(void) {
    unsigned char text[300];
    for (size_t i = 0; i < sizeof text; i++) text[i] = (unsigned char)(i * 7);
    member m[3] = {{"s.npy", text, 50, 0, 0, 0, 0, {0}, 0, 0},
                   {"d.npy", text, 300, 8, 1, 0, 0, {0}, 0, 0},
                   {"z.npy", text, 20, 0, 0, 1, 0, {0}, 0, 0}};
    bytes b = build(m, 3, 1);
    int ok_prefixes = 0, crashes = 0;
    for (size_t n = 0; n < b.n; n++) {
        unsigned char *cut = malloc(n ? n : 1); /* exact size for ASan */
        memcpy(cut, b.p, n);
        bytes c = {cut, n, n};
        parity_set *set = new_set();
        parity_error err = {0};
        parity_status st = read_all(set, &c, &err);
        ok_prefixes += st == PARITY_OK;
        crashes += st != PARITY_OK && (!err.msg[0] || strchr(err.msg, '\n'));
        parity_set_free(set);
        free(cut);
    }
    CHECK_EQ_INT(ok_prefixes, 0);
    CHECK_EQ_INT(crashes, 0);
    int accepted = 0;
    for (size_t i = 0; i < b.n; i++) {
        unsigned char *c = malloc(b.n);
        memcpy(c, b.p, b.n);
        c[i] ^= 0x5A;
        bytes cb = {c, b.n, b.n};
        parity_set *set = new_set();
        parity_error err = {0};
        parity_status st = read_all(set, &cb, &err);
        accepted += st == PARITY_OK;
        CHECK_MSG(st == PARITY_OK || (err.msg[0] && !strchr(err.msg, '\n')),
                  "byte %zu: status %d without a one-line message", i, st);
        parity_set_free(set);
        free(c);
    }
    /* only bytes no check covers (times, dates, versions, attributes) may
     * change without notice */
    CHECK_MSG(accepted < (int)b.n / 4, "%d of %zu corruptions accepted",
              accepted, b.n);
    printf("sweeps: %zu truncations refused, %d of %zu corruptions "
           "accepted\n", b.n, accepted, b.n);
    free(b.p);
}

int main(void) {
    test_bombs(); /* first: the peak RSS is measured from a small base */
    test_members();
    test_limits();
    test_sweeps();
    return TEST_SUMMARY();
}
