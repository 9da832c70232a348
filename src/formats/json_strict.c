/* json_strict.c — the linear pre-scan that makes cJSON safe and strict for
 * untrusted headers (see json_strict.h for what it checks and why). */
#include "json_strict.h"

#include <stdlib.h>
#include <string.h>

/* 2^53: the largest integer every double represents exactly, so a number
 * cJSON hands back as a double converts to uint64_t without loss. */
#define JSON_MAX_INT 9007199254740992ull

/* ---- UTF-8 ------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p[0..n), or 0 if invalid. Second
 * byte ranges exclude overlongs (E0, F0), surrogates (ED) and code points
 * beyond U+10FFFF (F4). */
static size_t utf8_seq(const unsigned char *p, size_t n) {
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0xC2 || c > 0xF4) return 0;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
    if (n < len) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t k = 2; k < len; k++)
        if (p[k] < 0x80 || p[k] > 0xBF) return 0;
    return len;
}

size_t parity__utf8_check(const unsigned char *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) { i++; continue; }
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0) return i;
        i += k;
    }
    return n;
}

/* ---- messages ---------------------------------------------------------- */

char *parity__msg_name(const char *s, size_t n, char *out, size_t cap) {
    size_t keep = cap > 4 ? cap - 4 : 0, i = 0;
    for (; i < n && s[i] && i < keep; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
    }
    if (i < n && s[i] && cap >= 4) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    if (cap) out[i < cap ? i : cap - 1] = '\0';
    return out;
}

/* ---- the pre-scan ------------------------------------------------------ */

typedef struct scan_state {
    parity_json_scan *s;
    size_t i;                /* next byte                                    */
    uint64_t depth;
    char type1, type2;       /* container at depth 1 and 2: '{' or '['       */
    char last;               /* last significant byte outside strings        */
    size_t key1, key1_len;   /* raw text of the current depth-1 key          */
    size_t key2, key2_len;   /* raw text of the current depth-2 key          */
    int has_key1, has_key2;
} scan_state;

static int is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int raw_eq(const char *raw, size_t n, const char *s) {
    return n == strlen(s) && memcmp(raw, s, n) == 0;
}

/* Numbers not checked here: under free_key, and in lenient mode under
 * depth-2 keys outside s->fields (unknown fields are ignored there). */
static int number_unchecked(const scan_state *st) {
    const parity_json_scan *s = st->s;
    if (st->has_key1 && s->free_key &&
        raw_eq(s->text + st->key1, st->key1_len, s->free_key))
        return 1;
    if (s->strict || !st->has_key2 || !s->fields) return 0;
    for (const char *const *f = s->fields; *f; f++)
        if (raw_eq(s->text + st->key2, st->key2_len, *f)) return 0;
    return 1;
}

/* Record where a depth-1 key starts (for per-entry error offsets). */
static parity_status push_key(parity_json_scan *s, size_t at,
                              parity_error *err) {
    if (s->n_keys == s->cap_keys) {
        size_t cap = s->cap_keys ? s->cap_keys * 2 : 64;
        uint64_t *k = realloc(s->keys, cap * sizeof *k);
        FAIL_IF(!k, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "%s: header: out of memory", s->path);
        s->keys = k;
        s->cap_keys = cap;
    }
    s->keys[s->n_keys++] = at;
    return PARITY_OK;
}

/* Scan a string starting at its opening quote; st->i ends after the
 * closing quote (or at len when unterminated: cJSON reports that). */
static parity_status scan_string(scan_state *st, parity_error *err) {
    const parity_json_scan *s = st->s;
    const char *t = s->text;
    size_t i = st->i + 1;
    while (i < s->len && t[i] != '"') {
        unsigned char c = (unsigned char)t[i];
        FAIL_IF(c < 0x20, err, PARITY_E_FORMAT, s->base + i,
                "%s: header: control character 0x%02x inside a string at "
                "byte %llu (expected it escaped)",
                s->path, c, (unsigned long long)(s->base + i));
        if (c == '\\' && i + 1 < s->len) {
            FAIL_IF(t[i + 1] == 'u' && i + 6 <= s->len &&
                        memcmp(t + i + 2, "0000", 4) == 0,
                    err, PARITY_E_FORMAT, s->base + i,
                    "%s: header: \\u0000 escape at byte %llu (NUL is not "
                    "allowed in names and metadata)",
                    s->path, (unsigned long long)(s->base + i));
            i++;
        }
        i++;
    }
    st->i = i < s->len ? i + 1 : s->len;
    return PARITY_OK;
}

/* A string: a key when its container is an object and it follows '{' or
 * ','. Depth-1 and depth-2 keys are remembered to name errors. */
static parity_status on_string(scan_state *st, parity_error *err) {
    size_t start = st->i;
    int in_obj = (st->depth == 1 && st->type1 == '{') ||
                 (st->depth == 2 && st->type2 == '{');
    int is_key = in_obj && (st->last == '{' || st->last == ',');
    TRY(scan_string(st, err));
    size_t len = st->i > start + 1 ? st->i - start - 2 : 0;
    if (is_key && st->depth == 1) {
        parity_json_scan *s = st->s;
        int is_free = s->free_key && raw_eq(s->text + start + 1, len, s->free_key);
        s->n_entries += !is_free;
        if (!s->max_name || s->n_entries <= s->max_entries) TRY(push_key(s, start, err));
        st->key1 = start + 1;
        st->key1_len = len;
        st->has_key1 = 1;
        st->has_key2 = 0;
    } else if (is_key) {
        st->key2 = start + 1;
        st->key2_len = len;
        st->has_key2 = 1;
    }
    st->last = '"';
    return PARITY_OK;
}

/* What is wrong with a number token, or NULL when it is a plain
 * non-negative integer <= 2^53. */
static const char *number_fault(const char *t, size_t n) {
    if (t[0] == '-') return "negative";
    if (memchr(t, '.', n)) return "fractional";
    if (memchr(t, 'e', n) || memchr(t, 'E', n)) return "has an exponent";
    if (memchr(t, '+', n) || memchr(t, '-', n)) return "malformed";
    if (n > 1 && t[0] == '0') return "leading zero";
    if (n > 16) return "exceeds 2^53";
    uint64_t v = 0;
    for (size_t k = 0; k < n; k++) v = v * 10 + (uint64_t)(t[k] - '0');
    return v > JSON_MAX_INT ? "exceeds 2^53" : NULL;
}

static parity_status on_number(scan_state *st, parity_error *err) {
    const parity_json_scan *s = st->s;
    size_t start = st->i, i = start;
    while (i < s->len && strchr("0123456789+-.eE", s->text[i]) && s->text[i])
        i++;
    st->i = i;
    st->last = '0';
    if (number_unchecked(st)) return PARITY_OK;
    const char *why = number_fault(s->text + start, i - start);
    if (!why) return PARITY_OK;
    char key[128], field[64], num[40];
    parity__msg_name(s->text + st->key1, st->key1_len, key, sizeof key);
    parity__msg_name(s->text + st->key2, st->key2_len, field, sizeof field);
    parity__msg_name(s->text + start, i - start, num, sizeof num);
    unsigned long long at = (unsigned long long)(s->base + start);
    FAIL_IF(!st->has_key1, err, PARITY_E_FORMAT, at,
            "%s: header: number '%s' at byte %llu: %s (expected a "
            "non-negative integer <= 2^53)", s->path, num, at, why);
    return parity__fail(err, PARITY_E_FORMAT, at,
                        "%s: %s '%s': %s: number '%s' at byte %llu: %s "
                        "(expected a non-negative integer <= 2^53)",
                        s->path, s->entry_word, key,
                        st->has_key2 ? field : "value", num, at, why);
}

static parity_status on_open(scan_state *st, char c, parity_error *err) {
    const parity_json_scan *s = st->s;
    st->depth++;
    FAIL_IF(st->depth > s->max_depth, err, PARITY_E_LIMIT, s->base + st->i,
            "%s: header: JSON nesting deeper than %llu levels at byte %llu "
            "(expected <= max_json_depth)", s->path,
            (unsigned long long)s->max_depth,
            (unsigned long long)(s->base + st->i));
    if (st->depth == 1) st->type1 = c;
    if (st->depth == 2) {
        st->type2 = c;
        st->has_key2 = 0;
    }
    st->last = c;
    st->i++;
    return PARITY_OK;
}

/* Any other byte outside strings. cJSON skips every byte <= 0x20 as
 * whitespace, NUL included; JSON allows only space, tab, LF and CR. */
static parity_status on_other(scan_state *st, char c, parity_error *err) {
    const parity_json_scan *s = st->s;
    unsigned long long at = (unsigned long long)(s->base + st->i);
    FAIL_IF((unsigned char)c < 0x20 && !is_ws(c), err, PARITY_E_FORMAT, at,
            "%s: header: control character 0x%02x outside strings at byte "
            "%llu (expected JSON whitespace)", s->path, (unsigned char)c, at);
    if (!is_ws(c)) st->last = c;
    st->i++;
    return PARITY_OK;
}

/* Walk the object starting at s->begin; sets s->end after its '}' (or to
 * len when it never closes: cJSON then reports the truncation). */
static parity_status scan_value(parity_json_scan *s, parity_error *err) {
    scan_state st = {.s = s, .i = s->begin};
    while (st.i < s->len) {
        char c = s->text[st.i];
        if (c == '{' || c == '[') {
            TRY(on_open(&st, c, err));
        } else if (c == '}' || c == ']') {
            st.last = c;
            st.i++;
            if (st.depth > 0 && --st.depth == 0) break;
        } else if (c == '"') {
            TRY(on_string(&st, err));
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            TRY(on_number(&st, err));
        } else {
            TRY(on_other(&st, c, err));
        }
    }
    s->end = st.i;
    return PARITY_OK;
}

/* Only JSON whitespace may follow the object: writers pad with spaces to a
 * multiple of 8; NUL padding is refused like the reference reader does. */
static parity_status check_trailing(const parity_json_scan *s,
                                    parity_error *err) {
    for (size_t i = s->end; i < s->len; i++) {
        unsigned char c = (unsigned char)s->text[i];
        unsigned long long at = (unsigned long long)(s->base + i);
        if (is_ws((char)c)) continue;
        FAIL_IF(c == 0, err, PARITY_E_FORMAT, at,
                "%s: header: NUL byte at byte %llu after the JSON object "
                "(expected space padding)", s->path, at);
        return parity__fail(err, PARITY_E_FORMAT, at,
                            "%s: header: trailing characters after the JSON "
                            "object at byte %llu (expected space padding)",
                            s->path, at);
    }
    return PARITY_OK;
}

parity_status parity__json_prescan(parity_json_scan *s, parity_error *err) {
    const unsigned char *u = (const unsigned char *)s->text;
    size_t bad = parity__utf8_check(u, s->len);
    FAIL_IF(bad < s->len, err, PARITY_E_FORMAT, s->base + bad,
            "%s: header: invalid UTF-8 at byte %llu (expected UTF-8 JSON)",
            s->path, (unsigned long long)(s->base + bad));
    FAIL_IF(s->len == 0, err, PARITY_E_FORMAT, s->base,
            "%s: header: empty (expected a JSON object)", s->path);
    size_t b = 0;
    while (!s->strict && b < s->len && is_ws(s->text[b])) b++;
    FAIL_IF(s->strict && is_ws(s->text[0]), err, PARITY_E_FORMAT, s->base,
            "%s: header: whitespace before '{' at byte %llu (strict mode "
            "expects the header to start with '{')",
            s->path, (unsigned long long)s->base);
    FAIL_IF(b == s->len || s->text[b] != '{', err, PARITY_E_FORMAT,
            s->base + b,
            "%s: header: not a JSON object at byte %llu (expected '{')",
            s->path, (unsigned long long)(s->base + b));
    s->begin = b;
    TRY(scan_value(s, err));
    TRY(check_trailing(s, err));
    FAIL_IF(s->max_name && s->n_entries > s->max_entries, err, PARITY_E_LIMIT, s->base,
            "%s: header: %llu %ss exceed the limit of %llu (expected <= %s)", s->path,
            (unsigned long long)s->n_entries, s->entry_word, (unsigned long long)s->max_entries,
            s->max_name);
    return PARITY_OK;
}

void parity__json_scan_free(parity_json_scan *s) {
    free(s->keys);
    s->keys = NULL;
    s->n_keys = s->cap_keys = 0;
}

/* ---- duplicate keys ---------------------------------------------------- */

static int key_ref_cmp(const void *pa, const void *pb) {
    const parity_key_ref *a = pa, *b = pb;
    int c = strcmp(a->key, b->key);
    if (c) return c;
    return (a->index > b->index) - (a->index < b->index);
}

void parity__keys_sort(parity_key_ref *refs, size_t n) {
    if (n > 1) qsort(refs, n, sizeof *refs, key_ref_cmp);
}
