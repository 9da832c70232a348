/*
 * zip.c — the zip container under .npz files and PyTorch checkpoints:
 * a strict reader of the central directory, local headers and data
 * descriptors (PKWARE APPNOTE 6.3.x), stored and deflated members only.
 *
 * Byte layout (integers little-endian):
 *
 *   per member   local header      30 bytes + name + extra
 *                  0 u32 0x04034b50  4 u16 version needed  6 u16 flags
 *                  8 u16 method     10 u16 time  12 u16 date  14 u32 crc
 *                 18 u32 csize      22 u32 usize
 *                 26 u16 name_len   28 u16 extra_len
 *                data              csize bytes (stored: the member itself;
 *                                  deflated: a raw RFC 1951 stream)
 *                [data descriptor] when flag bit 3: [u32 0x08074b50]
 *                                  u32 crc, then csize and usize as u32, or
 *                                  u64 when the local header has a zip64
 *                                  extra field
 *   central directory, one entry per member, 46 bytes + name + extra +
 *   comment:       0 u32 0x02014b50  4 u16 made by  6 u16 needed
 *                  8 u16 flags      10 u16 method  12 time  14 date
 *                 16 u32 crc        20 u32 csize   24 u32 usize
 *                 28 u16 name_len   30 u16 extra_len  32 u16 comment_len
 *                 34 u16 disk       36 u16 internal attrs
 *                 38 u32 external attrs  42 u32 local header offset
 *   [zip64 end record]  0 u32 0x06064b50  4 u64 size of the rest (>= 44)
 *                 12 u16 made by  14 u16 needed  16 u32 disk  20 u32 cd disk
 *                 24 u64 entries on disk  32 u64 entries  40 u64 cd size
 *                 48 u64 cd offset  56 extensible data
 *   [zip64 locator]  0 u32 0x07064b50  4 u32 disk  8 u64 zip64 record
 *                 offset  16 u32 disks
 *   end record     0 u32 0x06054b50  4 u16 disk  6 u16 cd disk
 *                  8 u16 entries on disk  10 u16 entries  12 u32 cd size
 *                 16 u32 cd offset  20 u16 comment_len  22 comment
 *
 * Extra fields are records (u16 id, u16 size, data). The zip64 one (id 1)
 * holds, in this order, only the values whose 32-bit field is 0xFFFFFFFF
 * (0xFFFF for the disk): usize, csize, local header offset, disk. In a
 * local header it holds both sizes (NumPy writes it there always, with the
 * real 32-bit values as well).
 *
 * Rules: the end record is found by a bounded backward search (its
 * comment must end the file); one disk only; the zip64 record and locator
 * agree with the end record wherever its fields are not 0xFFFF(FFFF); the
 * central directory lies before them and is walked entry by entry, its
 * count bounded by max_zip_members and by its size before anything is
 * allocated. Each entry: method 0 or 8 (others named), no encryption, no
 * reserved flag, names valid UTF-8 without control characters, '\', a
 * leading '/' or a ".." component, unique; stored members have csize == usize, deflated
 * ones cannot claim more than deflate's 1032:1 ratio; the local header
 * agrees with it (name, flags, method, CRC and sizes unless flag bit 3
 * defers them to a data descriptor, which then must agree); data and
 * descriptor end before the central directory; members never overlap
 * (the overlapping-entry zip bomb). Strict mode also refuses bytes that
 * belong to no member: the members tile [0, central directory) exactly,
 * which leaves no room for hidden local entries or prepended data.
 */
#include "formats/zip.h"
#include "core/scratch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_LOC64 0x07064b50u
#define SIG_DESC 0x08074b50u

#define LOCAL_LEN 30
#define CENTRAL_LEN 46
#define END_LEN 22
#define END64_LEN 56
#define LOC64_LEN 20
#define MAX_COMMENT 65535

/* Flag bits: 0 encrypted, 1-2 deflate level, 3 data descriptor, 5
 * patched data, 6 strong encryption, 11 UTF-8 names, 13 encrypted central
 * directory. Only these are accepted: */
#define FLAGS_OK 0x080Eu

/* Deflate's largest expansion: a 258-byte match in 2 bits (RFC 1951: a
 * lone distance code still takes 1 bit). The slack covers block headers. */
#define DEFLATE_MAX_RATIO 1032u
#define DEFLATE_SLACK 4096u

#define INFLATE_CHUNK ((size_t)1 << 18)

static uint32_t rd16(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}
static uint32_t rd32(const unsigned char *p) {
    return rd16(p) | rd16(p + 2) << 16;
}
static uint64_t rd64(const unsigned char *p) {
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

int parity__is_zip(const unsigned char *buf, size_t len) {
    return len >= 4 && buf[0] == 'P' && buf[1] == 'K' &&
           ((buf[2] == 3 && buf[3] == 4) || (buf[2] == 5 && buf[3] == 6));
}

const char *parity__zip_name(const parity__zip_member *m, char *out,
                             size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < m->name_len && o + 8 < cap; i++) {
        unsigned char c = m->name[i];
        if (i == 80) {
            o += (size_t)snprintf(out + o, cap - o, "...");
            break;
        }
        if (c >= 0x20 && c != 0x7f && c != '\\' && c != '\'')
            out[o++] = (char)c; /* UTF-8 continuation bytes pass as is */
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    out[o] = '\0';
    return out;
}

/* ---- the end records --------------------------------------------------- */

/* What the end records say about the central directory. */
typedef struct zip_end {
    uint64_t end_off;      /* the end record                             */
    uint64_t tail_off;     /* first byte after the central directory's   */
                           /* room: the zip64 record, else the end one    */
    uint64_t entries, cd_size, cd_off;
} zip_end;

/* The last "PK\5\6" whose comment ends exactly at the end of the file,
 * searched over the last 22 + 65535 bytes only. */
static parity_status find_end(const parity__zip *z, zip_end *e,
                              parity_error *err) {
    const char *p = z->path;
    FAIL_IF(z->len < END_LEN, err, PARITY_E_FORMAT, 0,
            "%s: zip: %zu bytes, too small for the 22-byte end of central "
            "directory record", p, z->len);
    size_t lo = z->len - END_LEN > MAX_COMMENT ? z->len - END_LEN - MAX_COMMENT
                                               : 0;
    for (size_t at = z->len - END_LEN + 1; at-- > lo;) {
        const unsigned char *b = z->buf + at;
        if (rd32(b) != SIG_END) continue;
        if (at + END_LEN + rd16(b + 20) != z->len) continue;
        e->end_off = at;
        return PARITY_OK;
    }
    return parity__fail(err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                        "%s: zip: no end of central directory record in the "
                        "last %zu bytes (not a zip archive, or truncated)",
                        p, z->len - lo);
}

/* A 32-bit end-record field that is not the zip64 sentinel must equal the
 * zip64 value. */
static parity_status end_agrees(const parity__zip *z, const char *field,
                                uint64_t v32, uint64_t sentinel, uint64_t v64,
                                parity_error *err) {
    FAIL_IF(v32 != sentinel && v32 != v64, err, PARITY_E_FORMAT,
            PARITY_NO_OFFSET,
            "%s: zip: end record says %s %llu, zip64 end record %llu",
            z->path, field, (unsigned long long)v32, (unsigned long long)v64);
    return PARITY_OK;
}

/* The zip64 end record found through the locator just before the end
 * record; it must end exactly where the locator begins. */
static parity_status read_end64(const parity__zip *z, zip_end *e,
                                uint64_t loc, parity_error *err) {
    const char *p = z->path;
    const unsigned char *l = z->buf + loc;
    uint64_t r = rd64(l + 8);
    FAIL_IF(rd32(l + 4) != 0 || rd32(l + 16) != 1, err, PARITY_E_UNSUPPORTED,
            loc, "%s: zip: zip64 locator names disk %u of %u: multi-disk "
            "archives are not read", p, rd32(l + 4), rd32(l + 16));
    FAIL_IF(r > loc || loc - r < END64_LEN, err, PARITY_E_FORMAT, loc + 8,
            "%s: zip: zip64 locator points at offset %llu, where no 56-byte "
            "zip64 end record fits before the locator at %llu", p,
            (unsigned long long)r, (unsigned long long)loc);
    const unsigned char *b = z->buf + r;
    FAIL_IF(rd32(b) != SIG_END64, err, PARITY_E_FORMAT, r,
            "%s: zip: no zip64 end record signature at offset %llu (where "
            "the locator points)", p, (unsigned long long)r);
    uint64_t rest = rd64(b + 4);
    FAIL_IF(rest < END64_LEN - 12 || rest != loc - r - 12, err,
            PARITY_E_FORMAT, r + 4,
            "%s: zip: zip64 end record size %llu: the record must end at "
            "the locator (%llu)", p, (unsigned long long)rest,
            (unsigned long long)(loc - r - 12));
    FAIL_IF(rd32(b + 16) != 0 || rd32(b + 20) != 0 ||
                rd64(b + 24) != rd64(b + 32),
            err, PARITY_E_UNSUPPORTED, r + 16,
            "%s: zip: zip64 end record spans several disks: multi-disk "
            "archives are not read", p);
    e->entries = rd64(b + 32);
    e->cd_size = rd64(b + 40);
    e->cd_off = rd64(b + 48);
    e->tail_off = r;
    return PARITY_OK;
}

int parity__zip_has_end(const unsigned char *buf, size_t len) {
    parity__zip z;
    memset(&z, 0, sizeof z);
    z.path = "";
    z.buf = buf;
    z.len = len;
    zip_end e;
    return find_end(&z, &e, NULL) == PARITY_OK;
}

static parity_status read_end(parity__zip *z, zip_end *e, parity_error *err) {
    const char *p = z->path;
    TRY(find_end(z, e, err));
    const unsigned char *b = z->buf + e->end_off;
    uint64_t disk = rd16(b + 4), cd_disk = rd16(b + 6);
    uint64_t here = rd16(b + 8), n = rd16(b + 10);
    uint64_t size = rd32(b + 12), off = rd32(b + 16);
    FAIL_IF((disk != 0 && disk != 0xFFFF) || (cd_disk != 0 && cd_disk != 0xFFFF)
                || here != n,
            err, PARITY_E_UNSUPPORTED, e->end_off + 4,
            "%s: zip: end record names disk %llu (central directory on disk "
            "%llu, %llu of %llu entries): multi-disk archives are not read",
            p, (unsigned long long)disk, (unsigned long long)cd_disk,
            (unsigned long long)here, (unsigned long long)n);
    uint64_t loc = e->end_off >= LOC64_LEN ? e->end_off - LOC64_LEN : 0;
    if (e->end_off >= LOC64_LEN && rd32(z->buf + loc) == SIG_LOC64) {
        TRY(read_end64(z, e, loc, err));
        TRY(end_agrees(z, "entries", n, 0xFFFF, e->entries, err));
        TRY(end_agrees(z, "central directory size", size, 0xFFFFFFFF,
                       e->cd_size, err));
        TRY(end_agrees(z, "central directory offset", off, 0xFFFFFFFF,
                       e->cd_off, err));
        return PARITY_OK;
    }
    FAIL_IF(n == 0xFFFF || size == 0xFFFFFFFF || off == 0xFFFFFFFF, err,
            PARITY_E_FORMAT, e->end_off,
            "%s: zip: end record holds a zip64 sentinel (0xFFFF...) but no "
            "zip64 locator precedes it", p);
    e->entries = n;
    e->cd_size = size;
    e->cd_off = off;
    e->tail_off = e->end_off;
    return PARITY_OK;
}

/* The central directory lies before the end records (exactly before them
 * in strict mode), and its size bounds the entry count before allocating. */
static parity_status check_cd_region(const parity__zip *z, const zip_end *e,
                                     const parity_open_opts *opts,
                                     parity_error *err) {
    const char *p = z->path;
    uint64_t cd_end;
    FAIL_IF(!parity__add_u64(e->cd_off, e->cd_size, &cd_end) ||
                cd_end > e->tail_off,
            err, PARITY_E_FORMAT, e->end_off,
            "%s: zip: central directory [%llu, +%llu) runs past its end "
            "record at %llu", p, (unsigned long long)e->cd_off,
            (unsigned long long)e->cd_size, (unsigned long long)e->tail_off);
    FAIL_IF(z->strict && cd_end != e->tail_off, err, PARITY_E_FORMAT, cd_end,
            "%s: zip: %llu bytes between the central directory and its end "
            "record", p, (unsigned long long)(e->tail_off - cd_end));
    FAIL_IF(e->entries > opts->max_zip_members, err, PARITY_E_LIMIT,
            e->end_off,
            "%s: zip: %llu members, over the limit of %llu "
            "(max_zip_members)", p, (unsigned long long)e->entries,
            (unsigned long long)opts->max_zip_members);
    FAIL_IF(e->entries > e->cd_size / CENTRAL_LEN, err, PARITY_E_FORMAT,
            e->end_off,
            "%s: zip: %llu entries cannot fit a %llu-byte central directory "
            "(46 bytes each at least)", p, (unsigned long long)e->entries,
            (unsigned long long)e->cd_size);
    return PARITY_OK;
}

/* ---- one central directory entry --------------------------------------- */

typedef struct zip_entry_ctx {
    const parity__zip *z;
    size_t index;
    uint64_t at;           /* the entry's offset                           */
    parity__zip_member *m;
    parity_error *err;
} zip_entry_ctx;

__attribute__((format(printf, 4, 5)))
static parity_status entry_fail(const zip_entry_ctx *c, parity_status code,
                                uint64_t off, const char *fmt, ...) {
    char detail[320], q[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return parity__fail(c->err, code, off, "%s: zip member '%s': %s",
                        c->z->path, parity__zip_name(c->m, q, sizeof q),
                        detail);
}

#define ENTRY_FAIL_IF(cond, c, code, off, ...)                               \
    do {                                                                     \
        if (cond) return entry_fail((c), (code), (off), __VA_ARGS__);        \
    } while (0)

static const char *method_name(unsigned m) {
    switch (m) {
    case 1: return "Shrink";
    case 2: case 3: case 4: case 5: return "Reduce";
    case 6: return "Implode";
    case 9: return "Deflate64";
    case 10: return "PKWARE DCL Implode";
    case 12: return "bzip2";
    case 14: return "LZMA";
    case 18: return "IBM TERSE";
    case 19: return "IBM LZ77";
    case 20: case 93: return "Zstandard";
    case 95: return "XZ";
    case 96: return "JPEG";
    case 97: return "WavPack";
    case 98: return "PPMd";
    case 99: return "AES encryption";
    default: return "an unknown method";
    }
}

/* Length of the valid UTF-8 sequence at s[0..n); 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t k;
    uint32_t cp, min;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { k = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { k = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { k = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (n < k) return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return k;
}

/* Names become paths and tensor names: no NUL, no '\', not absolute, no
 * ".." component, valid UTF-8. */
static parity_status check_name(const zip_entry_ctx *c) {
    const unsigned char *s = c->m->name;
    size_t n = c->m->name_len;
    uint64_t at = c->at + CENTRAL_LEN;
    ENTRY_FAIL_IF(n == 0, c, PARITY_E_FORMAT, at, "empty name");
    ENTRY_FAIL_IF(s[0] == '/', c, PARITY_E_FORMAT, at,
                  "absolute path (names must be relative)");
    for (size_t i = 0, seg = 0; i <= n; i++) {
        if (i == n || s[i] == '/') {
            ENTRY_FAIL_IF(i - seg == 2 && s[seg] == '.' && s[seg + 1] == '.',
                          c, PARITY_E_FORMAT, at + seg,
                          "'..' path component (escapes the archive)");
            seg = i + 1;
            continue;
        }
        ENTRY_FAIL_IF(s[i] == 0, c, PARITY_E_FORMAT, at + i,
                      "NUL byte in the name at byte %zu", i);
        /* names become tensor names: one line each in every report */
        ENTRY_FAIL_IF(s[i] < 0x20 || s[i] == 0x7f, c, PARITY_E_FORMAT, at + i,
                      "control character 0x%02x in the name at byte %zu",
                      s[i], i);
        ENTRY_FAIL_IF(s[i] == '\\', c, PARITY_E_FORMAT, at + i,
                      "backslash in the name (a Windows path separator)");
        size_t k = utf8_len(s + i, n - i);
        ENTRY_FAIL_IF(k == 0, c, PARITY_E_FORMAT, at + i,
                      "name is not valid UTF-8 at byte %zu", i);
        i += k - 1;
    }
    return PARITY_OK;
}

/* Where the zip64 extra field's data lies in an extra block, if any. */
typedef struct zip64_extra {
    const unsigned char *data;
    size_t len;
    uint64_t off;
} zip64_extra;

/* Walk the extra records of [b, b+len) at file offset off: each record
 * lies inside the block; at most one zip64 record. */
static parity_status scan_extra(const zip_entry_ctx *c, const char *where,
                                const unsigned char *b, size_t len,
                                uint64_t off, zip64_extra *x) {
    x->data = NULL;
    x->len = 0;
    size_t i = 0;
    while (i + 4 <= len) {
        unsigned id = rd16(b + i), sz = rd16(b + i + 2);
        ENTRY_FAIL_IF(sz > len - i - 4, c, PARITY_E_FORMAT, off + i,
                      "%s extra field 0x%04x: %u bytes, %zu left in the "
                      "block", where, id, sz, len - i - 4);
        if (id == 1) {
            ENTRY_FAIL_IF(x->data != NULL, c, PARITY_E_FORMAT, off + i,
                          "%s: two zip64 extra fields", where);
            x->data = b + i + 4;
            x->len = sz;
            x->off = off + i + 4;
        }
        i += 4 + (size_t)sz;
    }
    ENTRY_FAIL_IF(i != len && c->z->strict, c, PARITY_E_FORMAT, off + i,
                  "%s extra block: %zu stray bytes after its last record",
                  where, len - i);
    return PARITY_OK;
}

/* Replace the 32-bit central values that are sentinels by the zip64 extra
 * field's, in APPNOTE order. */
static parity_status central_zip64(const zip_entry_ctx *c,
                                   const zip64_extra *x, uint64_t *local,
                                   uint32_t disk) {
    parity__zip_member *m = c->m;
    uint64_t *want[3] = {&m->usize, &m->csize, local};
    const char *names[3] = {"uncompressed size", "compressed size",
                            "local header offset"};
    size_t pos = 0;
    for (int k = 0; k < 3; k++) {
        if (*want[k] != 0xFFFFFFFFu) continue;
        ENTRY_FAIL_IF(!x->data || x->len < pos + 8, c, PARITY_E_FORMAT,
                      x->data ? x->off : c->at,
                      "%s is 0xFFFFFFFF but the zip64 extra field does not "
                      "hold it", names[k]);
        *want[k] = rd64(x->data + pos);
        pos += 8;
    }
    if (disk == 0xFFFF) {
        ENTRY_FAIL_IF(!x->data || x->len < pos + 4, c, PARITY_E_FORMAT, c->at,
                      "disk is 0xFFFF but the zip64 extra field does not "
                      "hold it");
        disk = rd32(x->data + pos);
    }
    ENTRY_FAIL_IF(disk != 0, c, PARITY_E_UNSUPPORTED, c->at + 34,
                  "starts on disk %u: multi-disk archives are not read",
                  disk);
    return PARITY_OK;
}

/* Flags and method: what zip.c can read at all. */
static parity_status check_method(const zip_entry_ctx *c) {
    const parity__zip_member *m = c->m;
    ENTRY_FAIL_IF(m->flags & 0x0001 || m->flags & 0x0040 || m->flags & 0x2000,
                  c, PARITY_E_UNSUPPORTED, c->at + 8,
                  "encrypted (flags 0x%04x): not supported", m->flags);
    ENTRY_FAIL_IF(m->flags & 0x0020, c, PARITY_E_UNSUPPORTED, c->at + 8,
                  "compressed patched data (flag bit 5): not supported");
    ENTRY_FAIL_IF(m->flags & ~FLAGS_OK, c, PARITY_E_FORMAT, c->at + 8,
                  "reserved flag bits set (flags 0x%04x)", m->flags);
    ENTRY_FAIL_IF(m->method != 0 && m->method != 8, c, PARITY_E_UNSUPPORTED,
                  c->at + 10,
                  "compression method %u (%s): only stored (0) and deflated "
                  "(8) members are read", m->method, method_name(m->method));
    ENTRY_FAIL_IF(m->method == 0 && m->csize != m->usize, c, PARITY_E_FORMAT,
                  c->at + 20,
                  "stored, but compressed size %llu != uncompressed size "
                  "%llu", (unsigned long long)m->csize,
                  (unsigned long long)m->usize);
    uint64_t most;
    int ok = parity__mul_u64(m->csize, DEFLATE_MAX_RATIO, &most) &&
             parity__add_u64(most, DEFLATE_SLACK, &most);
    ENTRY_FAIL_IF(m->method == 8 && ok && m->usize > most, c,
                  PARITY_E_FORMAT, c->at + 24,
                  "declares %llu bytes from %llu deflated bytes: deflate "
                  "expands at most 1032:1", (unsigned long long)m->usize,
                  (unsigned long long)m->csize);
    return PARITY_OK;
}

/* ---- local headers and data descriptors -------------------------------- */

/* A deferred value (flag bit 3) may be 0 in the local header; otherwise
 * local and central must agree. */
static parity_status local_agrees(const zip_entry_ctx *c, const char *field,
                                  uint64_t local, uint64_t central,
                                  int deferred, uint64_t off) {
    ENTRY_FAIL_IF(local != central && !(deferred && local == 0), c,
                  PARITY_E_FORMAT, off,
                  "local header says %s %llu, central directory %llu", field,
                  (unsigned long long)local, (unsigned long long)central);
    return PARITY_OK;
}

/* The local zip64 extra holds both sizes; the 32-bit ones are either
 * sentinels or the same values. miniz (torch.save) writes there only what
 * overflows 32 bits, e.g. just the local header offset of a member past
 * 4 GiB, with sizes deferred to the descriptor: such a field is used only
 * for the descriptor's width. */
static parity_status local_sizes(const zip_entry_ctx *c, const zip64_extra *x,
                                 uint64_t *csize, uint64_t *usize) {
    if (!x->data) return PARITY_OK;
    int sentinel = *csize == 0xFFFFFFFFu || *usize == 0xFFFFFFFFu;
    ENTRY_FAIL_IF(x->len < 16 && sentinel, c, PARITY_E_FORMAT, x->off,
                  "local zip64 extra field of %zu bytes: both sizes (16 "
                  "bytes) expected", x->len);
    if (x->len < 16) return PARITY_OK;
    uint64_t u = rd64(x->data), s = rd64(x->data + 8);
    ENTRY_FAIL_IF((*usize != 0xFFFFFFFFu && *usize != u && *usize != 0) ||
                      (*csize != 0xFFFFFFFFu && *csize != s && *csize != 0),
                  c, PARITY_E_FORMAT, x->off,
                  "local header sizes %llu/%llu disagree with its zip64 "
                  "extra field %llu/%llu", (unsigned long long)*csize,
                  (unsigned long long)*usize, (unsigned long long)s,
                  (unsigned long long)u);
    *usize = u;
    *csize = s;
    return PARITY_OK;
}

/* The data descriptor after the data: optional signature, CRC, sizes (64-
 * bit when the local header has a zip64 extra field). Sets m->end_off. */
static parity_status read_descriptor(const zip_entry_ctx *c, uint64_t at,
                                     int wide) {
    parity__zip_member *m = c->m;
    const parity__zip *z = c->z;
    size_t need = wide ? 20 : 12;
    int sig = z->cd_off - at >= 4 && rd32(z->buf + at) == SIG_DESC;
    uint64_t p = at + (sig ? 4 : 0);
    ENTRY_FAIL_IF(z->cd_off - p < need, c, PARITY_E_FORMAT, at,
                  "data descriptor (%zu bytes) runs into the central "
                  "directory", need);
    const unsigned char *b = z->buf + p;
    uint64_t crc = rd32(b);
    uint64_t cs = wide ? rd64(b + 4) : rd32(b + 4);
    uint64_t us = wide ? rd64(b + 12) : rd32(b + 8);
    ENTRY_FAIL_IF(crc != m->crc32 || cs != m->csize || us != m->usize, c,
                  PARITY_E_FORMAT, at,
                  "data descriptor says crc 0x%08llx, sizes %llu/%llu; the "
                  "central directory 0x%08x, %llu/%llu",
                  (unsigned long long)crc, (unsigned long long)cs,
                  (unsigned long long)us, m->crc32,
                  (unsigned long long)m->csize, (unsigned long long)m->usize);
    m->end_off = p + need;
    return PARITY_OK;
}

/* The local header at m->local_off against the central entry. */
static parity_status read_local(const zip_entry_ctx *c) {
    parity__zip_member *m = c->m;
    const parity__zip *z = c->z;
    uint64_t at = m->local_off;
    ENTRY_FAIL_IF(at > z->cd_off || z->cd_off - at < LOCAL_LEN, c,
                  PARITY_E_FORMAT, c->at + 42,
                  "local header offset %llu: no 30-byte header fits before "
                  "the central directory at %llu", (unsigned long long)at,
                  (unsigned long long)z->cd_off);
    const unsigned char *b = z->buf + at;
    ENTRY_FAIL_IF(rd32(b) != SIG_LOCAL, c, PARITY_E_FORMAT, at,
                  "no local header signature at offset %llu",
                  (unsigned long long)at);
    size_t nlen = rd16(b + 26), xlen = rd16(b + 28);
    ENTRY_FAIL_IF(z->cd_off - at - LOCAL_LEN < nlen + xlen, c,
                  PARITY_E_FORMAT, at + 26,
                  "local name and extra field run into the central "
                  "directory");
    ENTRY_FAIL_IF(nlen != m->name_len || memcmp(b + LOCAL_LEN, m->name, nlen),
                  c, PARITY_E_FORMAT, at + LOCAL_LEN,
                  "local header names another file");
    TRY(local_agrees(c, "flags", rd16(b + 6), m->flags, 0, at + 6));
    TRY(local_agrees(c, "method", rd16(b + 8), m->method, 0, at + 8));
    zip64_extra x = {NULL, 0, 0};
    TRY(scan_extra(c, "local", b + LOCAL_LEN + nlen, xlen,
                   at + LOCAL_LEN + nlen, &x));
    uint64_t cs = rd32(b + 18), us = rd32(b + 22);
    TRY(local_sizes(c, &x, &cs, &us));
    int deferred = (m->flags & 0x0008) != 0;
    TRY(local_agrees(c, "crc", rd32(b + 14), m->crc32, deferred, at + 14));
    TRY(local_agrees(c, "compressed size", cs, m->csize, deferred, at + 18));
    TRY(local_agrees(c, "uncompressed size", us, m->usize, deferred,
                     at + 22));
    m->data_off = at + LOCAL_LEN + nlen + xlen;
    ENTRY_FAIL_IF(z->cd_off - m->data_off < m->csize, c, PARITY_E_FORMAT,
                  m->data_off,
                  "%llu bytes of data at offset %llu run into the central "
                  "directory at %llu", (unsigned long long)m->csize,
                  (unsigned long long)m->data_off,
                  (unsigned long long)z->cd_off);
    m->end_off = m->data_off + m->csize;
    if (deferred) TRY(read_descriptor(c, m->end_off, x.data != NULL));
    return PARITY_OK;
}

/* One central entry at c->at (inside the central directory, which ends at
 * cd_end); *next gets the offset after it. */
static parity_status read_entry(zip_entry_ctx *c, uint64_t cd_end,
                                uint64_t *next) {
    const parity__zip *z = c->z;
    parity__zip_member *m = c->m;
    const char *p = z->path;
    FAIL_IF(cd_end - c->at < CENTRAL_LEN, c->err, PARITY_E_FORMAT, c->at,
            "%s: zip: central directory entry %zu at offset %llu: truncated "
            "(46 bytes needed, %llu left)", p, c->index,
            (unsigned long long)c->at, (unsigned long long)(cd_end - c->at));
    const unsigned char *b = z->buf + c->at;
    FAIL_IF(rd32(b) != SIG_CENTRAL, c->err, PARITY_E_FORMAT, c->at,
            "%s: zip: central directory entry %zu: no signature at offset "
            "%llu", p, c->index, (unsigned long long)c->at);
    size_t nlen = rd16(b + 28), xlen = rd16(b + 30), clen = rd16(b + 32);
    FAIL_IF(cd_end - c->at - CENTRAL_LEN < nlen + xlen + clen, c->err,
            PARITY_E_FORMAT, c->at + 28,
            "%s: zip: central directory entry %zu: name, extra field and "
            "comment run past the central directory", p, c->index);
    m->name = b + CENTRAL_LEN;
    m->name_len = nlen;
    m->flags = (uint16_t)rd16(b + 8);
    m->method = (uint16_t)rd16(b + 10);
    m->crc32 = rd32(b + 16);
    m->csize = rd32(b + 20);
    m->usize = rd32(b + 24);
    m->cd_off = c->at;
    m->local_off = rd32(b + 42);
    TRY(check_name(c));
    zip64_extra x = {NULL, 0, 0};
    TRY(scan_extra(c, "central", b + CENTRAL_LEN + nlen, xlen,
                   c->at + CENTRAL_LEN + nlen, &x));
    TRY(central_zip64(c, &x, &m->local_off, rd16(b + 34)));
    TRY(check_method(c));
    TRY(read_local(c));
    *next = c->at + CENTRAL_LEN + nlen + xlen + clen;
    return PARITY_OK;
}

/* ---- the whole archive ------------------------------------------------- */

static parity_status read_entries(parity__zip *z, uint64_t entries,
                                  parity_error *err) {
    uint64_t at = z->cd_off, cd_end = z->cd_off + z->cd_size;
    for (size_t i = 0; i < entries; i++) {
        zip_entry_ctx c = {z, i, at, &z->m[i], err};
        TRY(read_entry(&c, cd_end, &at));
        z->n = i + 1;
    }
    FAIL_IF(at != cd_end, err, PARITY_E_FORMAT, at,
            "%s: zip: %llu bytes after the %llu entries the end record "
            "counts, inside the central directory", z->path,
            (unsigned long long)(cd_end - at), (unsigned long long)entries);
    return PARITY_OK;
}

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }

/* qsort has no context argument: sort (key, index) pairs instead. */
typedef struct zip_span {
    uint64_t start, end;
    size_t index;
} zip_span;

static int cmp_span(const void *a, const void *b) {
    const zip_span *x = a, *y = b;
    int c = cmp_u64(x->start, y->start);
    return c ? c : cmp_u64(x->end, y->end);
}

/* Members never share a byte; strict: they tile [0, cd_off) exactly. */
static parity_status check_spans(const parity__zip *z, parity_error *err) {
    if (z->n == 0) {
        FAIL_IF(z->strict && z->cd_off != 0, err, PARITY_E_FORMAT, 0,
                "%s: zip: %llu bytes before the central directory belong to "
                "no member", z->path, (unsigned long long)z->cd_off);
        return PARITY_OK;
    }
    zip_span *s = malloc(z->n * sizeof *s);
    FAIL_IF(!s, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            z->path);
    for (size_t i = 0; i < z->n; i++)
        s[i] = (zip_span){z->m[i].local_off, z->m[i].end_off, i};
    qsort(s, z->n, sizeof *s, cmp_span);
    parity_status st = PARITY_OK;
    char a[256], b[256];
    uint64_t pos = 0;
    for (size_t i = 0; i < z->n && st == PARITY_OK; i++) {
        const parity__zip_member *m = &z->m[s[i].index];
        if (s[i].start < pos)
            st = parity__fail(err, PARITY_E_FORMAT, s[i].start,
                              "%s: zip: members '%s' and '%s' overlap at "
                              "offset %llu (an overlapping-member zip bomb?)",
                              z->path,
                              parity__zip_name(&z->m[s[i - 1].index], a,
                                               sizeof a),
                              parity__zip_name(m, b, sizeof b),
                              (unsigned long long)s[i].start);
        else if (z->strict && s[i].start > pos)
            st = parity__fail(err, PARITY_E_FORMAT, pos,
                              "%s: zip: %llu bytes at offset %llu belong to "
                              "no member (hidden data, or a local entry "
                              "missing from the central directory)", z->path,
                              (unsigned long long)(s[i].start - pos),
                              (unsigned long long)pos);
        pos = s[i].end;
    }
    if (st == PARITY_OK && z->strict && pos != z->cd_off)
        st = parity__fail(err, PARITY_E_FORMAT, pos,
                          "%s: zip: %llu bytes at offset %llu, after the "
                          "last member, belong to no member", z->path,
                          (unsigned long long)(z->cd_off - pos),
                          (unsigned long long)pos);
    free(s);
    return st;
}

static int name_cmp(const parity__zip_member *a, const unsigned char *n,
                    size_t len) {
    size_t k = a->name_len < len ? a->name_len : len;
    int c = memcmp(a->name, n, k);
    return c ? c : cmp_u64(a->name_len, len);
}

/* A member index sorted by name: lookups in O(log n), and duplicate names
 * found without a hash a file's author could make collide. Insertion
 * order is kept for equal names, so the message names the first two. */
static parity_status index_names(parity__zip *z, parity_error *err) {
    z->by_name = malloc((z->n ? z->n : 1) * sizeof *z->by_name);
    FAIL_IF(!z->by_name, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory", z->path);
    /* merge sort by name: stable, O(n log n), no context needed */
    size_t *tmp = malloc((z->n ? z->n : 1) * sizeof *tmp);
    FAIL_IF(!tmp, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            z->path);
    for (size_t i = 0; i < z->n; i++) z->by_name[i] = i;
    for (size_t w = 1; w < z->n; w *= 2) {
        for (size_t lo = 0; lo < z->n; lo += 2 * w) {
            size_t mid = lo + w < z->n ? lo + w : z->n;
            size_t hi = lo + 2 * w < z->n ? lo + 2 * w : z->n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                const parity__zip_member *b = &z->m[z->by_name[j]];
                tmp[o++] = name_cmp(&z->m[z->by_name[i]], b->name,
                                    b->name_len) <= 0
                               ? z->by_name[i++] : z->by_name[j++];
            }
            while (i < mid) tmp[o++] = z->by_name[i++];
            while (j < hi) tmp[o++] = z->by_name[j++];
        }
        memcpy(z->by_name, tmp, z->n * sizeof *tmp);
    }
    free(tmp);
    char q[256];
    for (size_t i = 1; i < z->n; i++) {
        const parity__zip_member *a = &z->m[z->by_name[i - 1]];
        const parity__zip_member *b = &z->m[z->by_name[i]];
        FAIL_IF(name_cmp(a, b->name, b->name_len) == 0, err, PARITY_E_FORMAT,
                b->cd_off, "%s: zip: two members named '%s'", z->path,
                parity__zip_name(b, q, sizeof q));
    }
    return PARITY_OK;
}

long parity__zip_find(const parity__zip *z, const char *name, size_t len) {
    size_t lo = 0, hi = z->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = name_cmp(&z->m[z->by_name[mid]], (const unsigned char *)name,
                         len);
        if (c == 0) return (long)z->by_name[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

void parity__zip_close(parity__zip *z) {
    if (!z) return;
    free(z->m);
    free(z->by_name);
    z->m = NULL;
    z->by_name = NULL;
    z->n = 0;
}

parity_status parity__zip_open(parity__zip *z, const char *path,
                               const unsigned char *buf, size_t len,
                               const parity_open_opts *opts,
                               parity_error *err) {
    memset(z, 0, sizeof *z);
    z->path = path;
    z->buf = buf;
    z->len = len;
    z->strict = opts->strict;
    z->max_inflated = opts->max_decompressed_bytes;
    zip_end e = {0, 0, 0, 0, 0};
    TRY(read_end(z, &e, err));
    TRY(check_cd_region(z, &e, opts, err));
    z->cd_off = e.cd_off;
    z->cd_size = e.cd_size;
    z->m = calloc(e.entries ? (size_t)e.entries : 1, sizeof *z->m);
    FAIL_IF(!z->m, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            path);
    parity_status st = read_entries(z, e.entries, err);
    if (st == PARITY_OK) st = check_spans(z, err);
    if (st == PARITY_OK) st = index_names(z, err);
    if (st != PARITY_OK) parity__zip_close(z);
    return st;
}

/* ---- member bytes ------------------------------------------------------ */

static parity_status check_crc(const parity__zip *z,
                               const parity__zip_member *m, uint32_t crc,
                               parity_error *err) {
    char q[256];
    FAIL_IF(crc != m->crc32, err, PARITY_E_FORMAT, m->data_off,
            "%s: zip member '%s': CRC-32 0x%08x, declared 0x%08x (corrupt "
            "data)", z->path, parity__zip_name(m, q, sizeof q), crc,
            m->crc32);
    return PARITY_OK;
}

/* zlib's counts are 32-bit: CRC in slices. */
static uint32_t crc_of(const unsigned char *p, uint64_t n) {
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)crc;
}

/* Inflate state and the scratch file it fills. */
typedef struct zip_inflate {
    z_stream zs;
    parity__scratch out;
    unsigned char *chunk;      /* [INFLATE_CHUNK]                          */
    uint64_t fed, produced;
    uint32_t crc;
    char what[320];            /* "FILE: zip member 'NAME'"               */
} zip_inflate;

/* Feed the input in slices zlib can count, and move each output chunk to
 * the scratch file; stops at the end of the stream or the input. */
static parity_status inflate_all(const parity__zip *z,
                                 const parity__zip_member *m, zip_inflate *f,
                                 int *ended, parity_error *err) {
    const unsigned char *in = z->buf + m->data_off;
    *ended = 0;
    for (;;) {
        if (f->zs.avail_in == 0 && f->fed < m->csize) {
            uint64_t k = m->csize - f->fed;
            f->zs.avail_in = k > (1u << 30) ? (1u << 30) : (uInt)k;
            f->zs.next_in = (Bytef *)(in + f->fed);
            f->fed += f->zs.avail_in;
        }
        f->zs.next_out = f->chunk;
        f->zs.avail_out = (uInt)INFLATE_CHUNK;
        int r = inflate(&f->zs, Z_NO_FLUSH);
        size_t got = INFLATE_CHUNK - f->zs.avail_out;
        FAIL_IF(r == Z_DATA_ERROR || r == Z_NEED_DICT, err, PARITY_E_FORMAT,
                m->data_off + f->fed - f->zs.avail_in,
                "%s: invalid deflate data (%s)", f->what,
                f->zs.msg ? f->zs.msg : "need dictionary");
        FAIL_IF(r == Z_MEM_ERROR, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "%s: out of memory", f->what);
        FAIL_IF(got > m->usize - f->produced, err, PARITY_E_FORMAT,
                m->data_off,
                "%s: inflates past its declared %llu bytes (a zip bomb?)",
                f->what, (unsigned long long)m->usize);
        if (got) TRY(parity__scratch_write(&f->out, f->chunk, got, err));
        f->crc = (uint32_t)crc32(f->crc, f->chunk, (uInt)got);
        f->produced += got;
        if (r == Z_STREAM_END) {
            *ended = 1;
            return PARITY_OK;
        }
        /* Z_BUF_ERROR: no progress possible, i.e. the input ran out */
        if (r == Z_BUF_ERROR || (got == 0 && f->zs.avail_in == 0 &&
                                 f->fed == m->csize))
            return PARITY_OK;
    }
}

static parity_status inflate_member(parity__zip *z, parity_set *set,
                                    const parity__zip_member *m,
                                    const unsigned char **out,
                                    parity_error *err) {
    zip_inflate f;
    memset(&f, 0, sizeof f);
    char q[256];
    snprintf(f.what, sizeof f.what, "%s: zip member '%s'", z->path,
             parity__zip_name(m, q, sizeof q));
    uint64_t total;
    FAIL_IF(!parity__add_u64(z->inflated, m->usize, &total) ||
                total > z->max_inflated,
            err, PARITY_E_LIMIT, m->cd_off,
            "%s: inflating %llu bytes (%llu so far in this file) exceeds the "
            "limit of %llu bytes (max_decompressed_bytes)", f.what,
            (unsigned long long)m->usize, (unsigned long long)z->inflated,
            (unsigned long long)z->max_inflated);
    f.chunk = malloc(INFLATE_CHUNK);
    FAIL_IF(!f.chunk, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory", f.what);
    if (inflateInit2(&f.zs, -MAX_WBITS) != Z_OK) { /* raw deflate */
        free(f.chunk);
        return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                            "%s: out of memory", f.what);
    }
    parity_status st = parity__scratch_open(&f.out, m->usize, f.what, err);
    int ended = 0;
    if (st == PARITY_OK) st = inflate_all(z, m, &f, &ended, err);
    uint64_t left = (uint64_t)f.zs.avail_in + (m->csize - f.fed);
    inflateEnd(&f.zs);
    free(f.chunk);
    if (st == PARITY_OK && !ended)
        st = parity__fail(err, PARITY_E_FORMAT, m->data_off,
                          "%s: deflate stream truncated: no final block in "
                          "its %llu bytes", f.what,
                          (unsigned long long)m->csize);
    if (st == PARITY_OK && z->strict && left)
        st = parity__fail(err, PARITY_E_FORMAT, m->data_off + m->csize - left,
                          "%s: %llu bytes after the end of the deflate "
                          "stream", f.what, (unsigned long long)left);
    if (st == PARITY_OK && f.produced != m->usize)
        st = parity__fail(err, PARITY_E_FORMAT, m->data_off,
                          "%s: inflates to %llu bytes, declared %llu", f.what,
                          (unsigned long long)f.produced,
                          (unsigned long long)m->usize);
    if (st == PARITY_OK) st = check_crc(z, m, f.crc, err);
    if (st != PARITY_OK) {
        parity__scratch_discard(&f.out);
        return st;
    }
    z->inflated = total;
    return parity__scratch_keep(&f.out, set, out, err);
}

parity_status parity__zip_read(parity__zip *z, parity_set *set, size_t i,
                               const unsigned char **out, int *in_file,
                               parity_error *err) {
    const parity__zip_member *m = &z->m[i];
    *out = NULL;
    *in_file = m->method == 0;
    if (m->method == 8) return inflate_member(z, set, m, out, err);
    TRY(check_crc(z, m, crc_of(z->buf + m->data_off, m->usize), err));
    *out = z->buf + m->data_off;
    return PARITY_OK;
}
