/*
 * json_strict.h — strict checks around cJSON for JSON read from untrusted
 * files (the safetensors header, index files).
 *
 * cJSON parses numbers into doubles, keeps duplicate keys as separate items,
 * does not validate UTF-8, accepts raw control characters in strings and
 * truncates strings at an escaped NUL. A linear pre-scan of the raw text
 * closes those gaps before cJSON runs, and bounds the nesting depth so the
 * recursive parser never goes deep.
 */
#ifndef PARITY_JSON_STRICT_H
#define PARITY_JSON_STRICT_H

#include "internal.h"

/* One pre-scan of a JSON text whose top-level value must be an object of
 * entries ("NAME": {...}). Fill the inputs, call parity__json_prescan, and
 * free with parity__json_scan_free. */
typedef struct parity_json_scan {
    /* inputs */
    const char *path;        /* file name, for messages                      */
    const char *text;        /* the JSON bytes (not NUL-terminated)          */
    size_t len;
    uint64_t base;           /* file offset of text[0], for err->offset      */
    uint64_t max_depth;      /* deepest nesting accepted                     */
    int strict;              /* refuse whitespace before the '{'             */
    const char *entry_word;  /* what a top-level key names: "tensor"         */
    const char *free_key;    /* top-level key whose numbers are not checked  */
                             /* (its own checks apply later), or NULL        */
    const char *const *fields; /* NULL-terminated depth-2 keys whose numbers */
                             /* are checked in lenient mode (strict: all)    */
    uint64_t max_entries;    /* top-level keys other than free_key allowed,  */
                             /* counted before any tree is built, when       */
    const char *max_name;    /* max_name (the limit, in messages) is set     */
    /* outputs */
    size_t begin, end;       /* the top-level object is text[begin, end)     */
    uint64_t *keys;          /* [n_keys] offset in text of each top-level    */
    size_t n_keys, cap_keys; /* key's opening quote, in document order       */
    uint64_t n_entries;      /* top-level keys other than free_key (as       */
                             /* written: an escaped free_key counts here)    */
} parity_json_scan;

/* Check, in one pass: valid UTF-8 (RFC 3629: no overlongs, surrogates or
 * code points past U+10FFFF); the first byte is '{' (after JSON whitespace
 * unless strict); nesting <= max_depth; every number outside free_key is a
 * non-negative integer <= 2^53 with no fraction, exponent, sign or leading
 * zero (lenient mode: only numbers under the depth-2 keys in fields, as
 * unknown fields are then ignored); no raw control character and no
 * \u0000 escape inside strings, no control character outside them but
 * space, tab, LF and CR (cJSON would skip any byte <= 0x20); only
 * JSON whitespace after the object (a NUL is not whitespace); at most
 * max_entries entries (PARITY_E_LIMIT; the key offsets past the limit are
 * not stored, so refusing a huge header costs no memory). Structural JSON
 * errors are left to the parser that follows. */
parity_status parity__json_prescan(parity_json_scan *s, parity_error *err);
void parity__json_scan_free(parity_json_scan *s);

/* Offset of the first byte that is not part of valid UTF-8, or n. */
size_t parity__utf8_check(const unsigned char *p, size_t n);

/* Copy at most n bytes of s (fewer at a NUL) into out[cap] for an error
 * message: control characters become '?', long names end with "...", so a
 * message stays one line whatever the file holds. Returns out. */
char *parity__msg_name(const char *s, size_t n, char *out, size_t cap);

/* A key and its position, for duplicate detection by sorting: O(n log n)
 * in the worst case whatever the keys are (a hash set can be flooded with
 * colliding keys chosen by the file's author). */
typedef struct parity_key_ref {
    const char *key;
    size_t index;
} parity_key_ref;

/* Sort refs by (key, index): equal keys end up adjacent, in document
 * order. */
void parity__keys_sort(parity_key_ref *refs, size_t n);

#endif /* PARITY_JSON_STRICT_H */
