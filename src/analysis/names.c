/*
 * names.c — tensor names: normalization and --map renaming rules.
 *
 * Normalization (docs/matching.md) makes "decoder.finalProj" and "decoder/final_proj"
 * equal: ASCII letters are lowercased, a camelCase boundary becomes a
 * separator, and every run of the separators . / : - _ becomes one '.'.
 *
 * A map file holds one rule a line:
 *     # comment
 *     ^model\.decoder\.(.*)$  =>  dec.\1
 * The text before the first "=>" (whitespace trimmed) is a regular
 * expression in the subset of POSIX extended ones that regex.c matches in
 * linear time (docs/matching.md), the text after it the replacement;
 * "\0".."\9" insert the whole match / group 1..9 and "\\" a backslash. A
 * rule replaces the leftmost-longest match of its regex in the PORT name
 * (like sed's s/// without g); anchor the regex (^...$) to rewrite whole
 * names. Rules are tried in file order and the first that matches wins.
 * Blank lines and lines whose first non-blank character is '#' are
 * ignored. A line that breaks these rules is a PARITY_E_USAGE error naming
 * the file, the line number and what was expected.
 * parity_map_check names the rules that match no PORT name at all (a typo,
 * a rule for another model).
 */
#include "analysis/regex.h"
#include "formats/json_strict.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- normalization ----------------------------------------------------- */

static int is_sep(char c) {
    return c == '.' || c == '/' || c == ':' || c == '-' || c == '_';
}
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower_or_digit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A camelCase boundary before name[i]: "aB" and "1B" ("finalProj"), or the
 * last capital of an acronym followed by a lower-case letter ("HTTPServer"
 * splits before 'S'). */
static int camel_boundary(const char *name, size_t i) {
    if (i == 0 || !is_upper(name[i])) return 0;
    char prev = name[i - 1];
    if (is_lower_or_digit(prev)) return 1;
    return is_upper(prev) && name[i + 1] >= 'a' && name[i + 1] <= 'z';
}

char *parity_name_normalize(const char *name, char *buf, size_t cap) {
    if (cap == 0) return buf;
    size_t n = 0;
    int pending_sep = 0;
    for (size_t i = 0; name[i]; i++) {
        char c = name[i];
        if (is_sep(c) || camel_boundary(name, i)) pending_sep = 1;
        if (is_sep(c)) continue;
        if (pending_sep && n + 1 < cap) buf[n++] = '.';
        pending_sep = 0;
        if (n + 1 < cap) buf[n++] = is_upper(c) ? (char)(c - 'A' + 'a') : c;
    }
    if (pending_sep && n + 1 < cap) buf[n++] = '.'; /* trailing separator */
    buf[n] = '\0';
    return buf;
}

char *parity__name_normalize_dup(const char *name) {
    size_t cap = 2 * strlen(name) + 2;
    char *buf = malloc(cap);
    return buf ? parity_name_normalize(name, buf, cap) : NULL;
}

/* ---- map rules --------------------------------------------------------- */

typedef struct map_rule {
    parity__re *re;
    char *repl;
    char *pattern;   /* the regex as written, for messages */
    size_t line;     /* its line in the map file           */
} map_rule;

/* The rules of one map file, in file order. */
struct parity_map_rules {
    map_rule *rule;
    size_t n, cap;
};

void parity__map_rules_free(parity_map_rules *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) {
        parity__re_free(r->rule[i].re);
        free(r->rule[i].repl);
        free(r->rule[i].pattern);
    }
    free(r->rule);
    free(r);
}

size_t parity__map_rules_count(const parity_map_rules *r) { return r ? r->n : 0; }

/* Trim blanks (and the '\r' of CRLF files) from both ends of [*s, *e). */
static void trim(const char **s, const char **e) {
    while (*s < *e && isspace((unsigned char)**s)) (*s)++;
    while (*e > *s && isspace((unsigned char)(*e)[-1])) (*e)--;
}

/* The largest group number a replacement refers to, or -1 on a dangling
 * backslash. */
static int max_group(const char *repl) {
    int m = 0;
    for (const char *p = repl; *p; p++) {
        if (*p != '\\') continue;
        p++;
        if (*p == '\0') return -1;
        if (*p >= '0' && *p <= '9' && *p - '0' > m) m = *p - '0';
    }
    return m;
}

static char *dup_range(const char *s, const char *e) {
    char *p = malloc((size_t)(e - s) + 1);
    if (!p) return NULL;
    memcpy(p, s, (size_t)(e - s));
    p[e - s] = '\0';
    return p;
}

/* Make room for one more rule. */
static int rules_grow(parity_map_rules *r) {
    if (r->n < r->cap) return 1;
    size_t cap = r->cap ? r->cap * 2 : 8;
    map_rule *p = realloc(r->rule, cap * sizeof *p);
    if (!p) return 0;
    r->rule = p;
    r->cap = cap;
    return 1;
}

/* Compile pattern into rule->re and check that repl only refers to groups
 * the regex has. On failure nothing is left allocated in rule. */
static parity_status compile_rule(map_rule *rule, const char *path,
                                  size_t line, const char *pattern,
                                  const char *repl, parity_error *err) {
    char why[200], shown[80];
    parity_status st = parity__re_compile(pattern, strlen(pattern), &rule->re, why, sizeof why);
    parity__msg_name(pattern, strlen(pattern), shown, sizeof shown);
    FAIL_IF(st == PARITY_E_NOMEM, err, st, PARITY_NO_OFFSET, "%s: out of memory", path);
    FAIL_IF(st != PARITY_OK, err, st, PARITY_NO_OFFSET, "%s:%zu: bad regex '%s': %s", path, line,
            shown, why);
    int groups = max_group(repl);
    int nsub = parity__re_groups(rule->re);
    if (groups < 0)
        st = parity__fail(err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                          "%s:%zu: replacement ends with a lone backslash "
                          "(expected \\\\ for a backslash)",
                          path, line);
    else if (groups > nsub)
        st = parity__fail(err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                          "%s:%zu: replacement uses \\%d but the regex has "
                          "%d group(s)",
                          path, line, groups, nsub);
    if (st != PARITY_OK) {
        parity__re_free(rule->re);
        rule->re = NULL;
    }
    return st;
}

/* Parse "regex => replacement" from [s, e) (already trimmed, not empty)
 * into a new rule. */
static parity_status add_rule(parity_map_rules *r, const char *path,
                              size_t line, const char *s, const char *e,
                              parity_error *err) {
    const char *arrow = s;
    while (arrow + 1 < e && !(arrow[0] == '=' && arrow[1] == '>')) arrow++;
    FAIL_IF(arrow + 1 >= e, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s:%zu: expected 'regex => replacement'", path, line);
    const char *re_s = s, *re_e = arrow, *rp_s = arrow + 2, *rp_e = e;
    trim(&re_s, &re_e);
    trim(&rp_s, &rp_e);
    FAIL_IF(re_s == re_e, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s:%zu: empty regex before '=>' (expected 'regex => replacement')", path, line);
    FAIL_IF(!rules_grow(r), err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory", path);
    char *pattern = dup_range(re_s, re_e);
    char *repl = pattern ? dup_range(rp_s, rp_e) : NULL;
    parity_status st = repl ? compile_rule(&r->rule[r->n], path, line,
                                           pattern, repl, err)
                            : parity__fail(err, PARITY_E_NOMEM,
                                           PARITY_NO_OFFSET,
                                           "%s: out of memory", path);
    if (st != PARITY_OK) {
        free(pattern);
        free(repl);
        return st;
    }
    r->rule[r->n].pattern = pattern;
    r->rule[r->n].line = line;
    r->rule[r->n++].repl = repl;
    return PARITY_OK;
}

/* Parse every line of text[0..len) into rules. */
static parity_status parse_rules(parity_map_rules *r, const char *path, const char *text,
                                 size_t len, parity_error *err) {
    size_t line = 0;
    for (size_t at = 0; at < len;) {
        const char *s = text + at;
        const char *nl = memchr(s, '\n', len - at);
        const char *e = nl ? nl : text + len;
        const char *ts = s, *te = e;
        line++;
        FAIL_IF(memchr(s, '\0', (size_t)(e - s)) != NULL, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "%s:%zu: NUL byte in a rule (expected a text file)", path, line);
        trim(&ts, &te);
        if (ts < te && *ts != '#') TRY(add_rule(r, path, line, ts, te, err));
        at = (size_t)(e - text) + (nl != NULL);
    }
    return PARITY_OK;
}

parity_status parity__map_rules_parse(const char *path, const char *text, size_t len,
                                      parity_map_rules **out, parity_error *err) {
    *out = NULL;
    parity_map_rules *r = calloc(1, sizeof *r);
    FAIL_IF(!r, err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", path);
    parity_status st = len ? parse_rules(r, path, text, len, err) : PARITY_OK;
    if (st != PARITY_OK) {
        parity__map_rules_free(r);
        return st;
    }
    *out = r;
    return PARITY_OK;
}

parity_status parity__map_rules_load(const char *path, parity_map_rules **out, parity_error *err) {
    *out = NULL;
    parity_map map;
    TRY(parity__map_open(path, &map, err));
    parity_status st = parity__map_rules_parse(path, (const char *)map.base, map.size, out, err);
    parity__map_close(&map);
    return st;
}

/* Append repl to b with \0..\9 replaced by the groups of caps in name. */
static void expand(parity_buf *b, const char *repl, const char *name, const int64_t *caps) {
    for (const char *p = repl; *p; p++) {
        if (*p != '\\') {
            parity__buf_put(b, p, 1);
            continue;
        }
        p++; /* a lone trailing backslash was refused when loading */
        if (*p < '0' || *p > '9') {
            parity__buf_put(b, p, 1); /* "\\" and "\x" give the character */
            continue;
        }
        const int64_t *g = &caps[2 * (*p - '0')];
        if (g[0] >= 0 && g[1] >= g[0]) parity__buf_put(b, name + g[0], (size_t)(g[1] - g[0]));
    }
}

parity_status parity__map_rules_apply(const parity_map_rules *r,
                                      const char *name, char **out,
                                      parity_error *err) {
    *out = NULL;
    int64_t caps[2 * PARITY__RE_SLOTS];
    size_t len = strlen(name);
    for (size_t i = 0; r && i < r->n; i++) {
        int hit = parity__re_search(r->rule[i].re, name, len, caps);
        FAIL_IF(hit < 0, err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                "tensor '%s': out of memory matching --map rules", name);
        if (hit == 0) continue;
        parity_buf b = {0};
        parity__buf_put(&b, name, (size_t)caps[0]);
        expand(&b, r->rule[i].repl, name, caps);
        parity__buf_puts(&b, name + caps[1]);
        if (b.oom || !b.data) {
            parity__buf_free(&b);
            return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                                "tensor '%s': out of memory", name);
        }
        *out = b.data;
        return PARITY_OK;
    }
    return PARITY_OK;
}

parity_status parity_map_check(const char *map_file, const parity_set *port,
                               parity_map_rule_fn unmatched, void *ctx,
                               parity_error *err) {
    parity_map_rules *r = NULL;
    FAIL_IF(!map_file || !port || !unmatched, err, PARITY_E_USAGE,
            PARITY_NO_OFFSET, "parity_map_check: file, set and callback are required");
    TRY(parity__map_rules_load(map_file, &r, err));
    size_t n = parity_set_count(port);
    parity_status st = PARITY_OK;
    for (size_t i = 0; st == PARITY_OK && i < r->n; i++) {
        int hit = 0;
        for (size_t j = 0; j < n && hit == 0; j++) {
            const char *name = parity_set_tensor(port, j)->name;
            hit = parity__re_search(r->rule[i].re, name, strlen(name), NULL);
        }
        if (hit < 0)
            st = parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
                              "%s: out of memory matching rules", map_file);
        else if (hit == 0)
            unmatched(ctx, map_file, r->rule[i].line, r->rule[i].pattern);
    }
    parity__map_rules_free(r);
    return st;
}

const char *parity__match_how_name(parity_match_how how) {
    switch (how) {
    case PARITY_MATCH_EXACT: return "exact";
    case PARITY_MATCH_NORMALIZED: return "normalized";
    case PARITY_MATCH_MAP: return "map";
    case PARITY_MATCH_ORDER: return "order";
    case PARITY_MATCH_CONTENT: return "content";
    }
    return "?";
}
