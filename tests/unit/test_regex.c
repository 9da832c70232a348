/*
 * test_regex.c — the --map regular expressions (src/analysis/regex.c).
 *
 * 1. Differential: thousands of random patterns of the subset that POSIX
 *    ERE shares (literals, '.', brackets and ranges, anchors, * + ? {m}
 *    {m,} {m,n}, groups, alternation), each against random strings, must
 *    give the same overall match (found or not, start and end) as glibc's
 *    regexec(REG_EXTENDED): POSIX's leftmost-longest rule.
 * 2. Groups: what \1..\9 receive on the rule shapes of real map files.
 * 3. The syntax beyond POSIX (\d \w \s, (?:...), \n) and every refusal with
 *    its reason: back references, nesting, size, lazy quantifiers.
 * 4. Patterns that make a backtracking matcher take exponential time, on
 *    names of thousands of bytes, and a name of a mebibyte: they finish
 *    (no timing is asserted; a hang would be the failure).
 */
#include "analysis/regex.h"
#include "testutil.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------- */

static parity__re *compile(const char *pat) {
    parity__re *re = NULL;
    char why[200];
    parity_status st = parity__re_compile(pat, strlen(pat), &re, why, sizeof why);
    CHECK_MSG(st == PARITY_OK, "'%s' refused: %s", pat, why);
    return re;
}

/* The match of pat in s as "so,eo" (or "none"), with group g appended as
 * ":so,eo" when g > 0. */
static const char *match_of(const char *pat, const char *s, int g) {
    static char out[64];
    parity__re *re = compile(pat);
    int64_t caps[2 * PARITY__RE_SLOTS];
    int hit = re ? parity__re_search(re, s, strlen(s), caps) : -1;
    parity__re_free(re);
    if (hit <= 0) return hit < 0 ? "error" : "none";
    if (g == 0)
        snprintf(out, sizeof out, "%lld,%lld", (long long)caps[0], (long long)caps[1]);
    else
        snprintf(out, sizeof out, "%lld,%lld:%lld,%lld", (long long)caps[0], (long long)caps[1],
                 (long long)caps[2 * g], (long long)caps[2 * g + 1]);
    return out;
}

/* The refusal of pat: its reason, or "" when it compiles. */
static const char *refusal(const char *pat) {
    static char why[200];
    parity__re *re = NULL;
    parity_status st = parity__re_compile(pat, strlen(pat), &re, why, sizeof why);
    parity__re_free(re);
    if (st == PARITY_OK) return "";
    CHECK_EQ_INT(st, PARITY_E_USAGE);
    CHECK_MSG(strchr(why, '\n') == NULL, "multi-line reason: %s", why);
    return why;
}

/* ---- 1. against glibc --------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n) {
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)((rng_state >> 33) % n);
}

static void put(char *b, size_t *n, size_t cap, const char *s) {
    size_t k = strlen(s);
    if (*n + k < cap) memcpy(b + *n, s, k), *n += k, b[*n] = '\0';
}

static void gen_alt(char *b, size_t *n, size_t cap, int depth);

static void gen_atom(char *b, size_t *n, size_t cap, int depth) {
    static const char *const atoms[] = {"a",    "b",     "c",           ".",   "[ab]",
                                        "[^a]", "[a-b]", "[[:alpha:]]", "\\.", "x"};
    unsigned k = rnd(depth < 3 ? 12 : 10);
    if (k < 10) {
        put(b, n, cap, atoms[k]);
    } else {
        put(b, n, cap, "(");
        gen_alt(b, n, cap, depth + 1);
        put(b, n, cap, ")");
    }
}

static void gen_piece(char *b, size_t *n, size_t cap, int depth) {
    static const char *const quant[] = {"*", "+", "?", "{2}", "{1,}", "{0,2}", "{1,3}"};
    gen_atom(b, n, cap, depth);
    if (rnd(3) == 0) put(b, n, cap, quant[rnd(7)]);
}

static void gen_alt(char *b, size_t *n, size_t cap, int depth) {
    unsigned alts = 1 + (rnd(3) == 0) + (rnd(5) == 0);
    for (unsigned a = 0; a < alts; a++) {
        if (a) put(b, n, cap, "|");
        unsigned pieces = 1 + rnd(4);
        for (unsigned i = 0; i < pieces; i++) gen_piece(b, n, cap, depth);
    }
}

/* Anchors go at the ends of the pattern only: glibc lets a '^' in the
 * middle match where POSIX says it cannot ('a.?^b' on "ab"); anchors
 * inside are checked by hand in test_syntax. */
static void gen_pattern(char *b, size_t cap) {
    size_t n = 0;
    b[0] = '\0';
    int start = rnd(3) == 0, end = rnd(3) == 0;
    if (start)
        put(b, &n, cap, "^(");
    else
        put(b, &n, cap, "(");
    gen_alt(b, &n, cap, 1);
    put(b, &n, cap, end ? ")$" : ")");
}

static void test_against_glibc(void) {
    int compared = 0, bad = 0;
    for (int t = 0; t < 4000 && bad < 10; t++) {
        char pat[256];
        gen_pattern(pat, sizeof pat);
        regex_t posix;
        if (regcomp(&posix, pat, REG_EXTENDED) != 0) continue;
        parity__re *re = compile(pat);
        for (int k = 0; re && k < 20; k++) {
            char s[16];
            unsigned len = rnd(9);
            for (unsigned i = 0; i < len; i++) s[i] = "abcx."[rnd(5)];
            s[len] = '\0';
            regmatch_t m[1];
            int want = regexec(&posix, s, 1, m, 0) == 0;
            int64_t caps[2 * PARITY__RE_SLOTS];
            int got = parity__re_search(re, s, len, caps);
            int same = got == want && (!want || (caps[0] == m[0].rm_so && caps[1] == m[0].rm_eo));
            if (!same && bad++ < 10)
                fprintf(stderr, "    '%s' on \"%s\": glibc %d [%d,%d], ours %d [%lld,%lld]\n", pat,
                        s, want, want ? (int)m[0].rm_so : -1, want ? (int)m[0].rm_eo : -1, got,
                        got > 0 ? (long long)caps[0] : -1, got > 0 ? (long long)caps[1] : -1);
            compared++;
        }
        parity__re_free(re);
        regfree(&posix);
    }
    CHECK_MSG(bad == 0, "%d of %d matches differ from glibc", bad, compared);
    CHECK_MSG(compared > 30000, "only %d comparisons", compared);
}

/* ---- 2. groups ---------------------------------------------------------- */

static void test_groups(void) {
    /* the rule shapes of tests/cli/data/weights/gguf.map and docs */
    CHECK_EQ_STR(match_of("^blk\\.([0-9]+)\\.attn_(q|k|v)\\.weight$", "blk.12.attn_k.weight", 1),
                 "0,20:4,6");
    CHECK_EQ_STR(match_of("^blk\\.([0-9]+)\\.attn_(q|k|v)\\.weight$", "blk.12.attn_k.weight", 2),
                 "0,20:12,13");
    CHECK_EQ_STR(match_of("^(.*)\\.weight$", "a.b.weight", 1), "0,10:0,3");
    CHECK_EQ_STR(match_of("blocks/", "dec.blocks/1", 0), "4,11");
    /* an optional group that takes no part: -1 */
    CHECK_EQ_STR(match_of("^tok_embd(#[0-9]+)?$", "tok_embd", 1), "0,8:-1,-1");
    CHECK_EQ_STR(match_of("^tok_embd(#[0-9]+)?$", "tok_embd#12", 1), "0,11:8,11");
    /* leftmost, then longest: POSIX, not the first alternative */
    CHECK_EQ_STR(match_of("a|ab|abc", "xabcd", 0), "1,4");
    CHECK_EQ_STR(match_of("(a|ab)(c|bcd)", "abcd", 2), "0,4:1,4");
    /* a repeated group keeps its last iteration */
    CHECK_EQ_STR(match_of("(a|b)+", "abab", 1), "0,4:3,4");
    /* groups past the ninth exist and count, but are not recorded */
    parity__re *re = compile("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)");
    CHECK_EQ_INT(parity__re_groups(re), 11);
    parity__re_free(re);
    CHECK_EQ_STR(match_of("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", "abcdefghij", 9), "0,10:8,9");
}

/* ---- 3. syntax and refusals --------------------------------------------- */

static void test_syntax(void) {
    CHECK_EQ_STR(match_of("^step(\\d+)_x$", "step12_x", 1), "0,8:4,6");
    CHECK_EQ_STR(match_of("\\w+", "--ab_1--", 0), "2,6");
    CHECK_EQ_STR(match_of("\\s", "a b", 0), "1,2");
    CHECK_EQ_STR(match_of("[\\d.]+", "v1.25x", 0), "1,5");
    CHECK_EQ_STR(match_of("\\D+", "12ab3", 0), "2,4");
    CHECK_EQ_STR(match_of("(?:ab)+(c)", "ababc", 1), "0,5:4,5");
    CHECK_EQ_STR(match_of("a\\nb", "a\nb", 0), "0,3");
    CHECK_EQ_STR(match_of("[]a]+", "x]a]", 0), "1,4");
    CHECK_EQ_STR(match_of("[a-]+", "x-a-", 0), "1,4");
    CHECK_EQ_STR(match_of("a{,2}b", "aaab", 0), "1,4");
    CHECK_EQ_STR(match_of("x{", "x{", 0), "0,2"); /* not a bound: a literal */
    CHECK_EQ_STR(match_of("a{1,x}", "a{1,x}", 0), "0,6");
    CHECK_EQ_STR(match_of("()*a", "a", 0), "0,1"); /* an empty loop */
    CHECK_EQ_STR(match_of("", "abc", 0), "0,0");
    CHECK_EQ_STR(match_of("$", "abc", 0), "3,3");
    CHECK_EQ_STR(match_of("^$", "", 0), "0,0");
    CHECK_EQ_STR(match_of("^b", "ab", 0), "none");
    /* anchors anywhere are anchors (POSIX ERE) */
    CHECK_EQ_STR(match_of("a.?^b", "ab", 0), "none");
    CHECK_EQ_STR(match_of("(^a|b)+", "aab", 0), "0,1");
    CHECK_EQ_STR(match_of("x|a$", "ab a", 0), "3,4");
    CHECK_EQ_STR(match_of("(a$)*", "baa", 0), "0,0");

    CHECK_EQ_STR(refusal("(a)\\1"), "back reference '\\1' at byte 3 is not supported (a "
                                    "linear-time matcher has none)");
    CHECK_EQ_STR(refusal("\\bword"), "'\\b' at byte 0 is not supported (expected \\ before "
                                     "punctuation, \\d \\w \\s \\D \\W \\S, \\n \\t \\r)");
    CHECK_EQ_STR(refusal("(a"), "unmatched '(' at byte 0");
    CHECK_EQ_STR(refusal("a)"), "unmatched ')' at byte 1");
    CHECK_EQ_STR(refusal("[ab"), "unmatched '[' at byte 0");
    CHECK_EQ_STR(refusal("*a"), "'*' at byte 0 has nothing to repeat");
    CHECK_EQ_STR(refusal("{2}"), "'{' at byte 0 has nothing to repeat");
    CHECK_EQ_STR(refusal("^*"), "'*' at byte 1 has nothing to repeat (it follows an anchor)");
    CHECK_EQ_STR(refusal("a**"), "'*' at byte 2 follows another repetition (lazy and "
                                 "doubled quantifiers are not supported)");
    CHECK_EQ_STR(refusal("a+?"), "'?' at byte 2 follows another repetition (lazy and "
                                 "doubled quantifiers are not supported)");
    CHECK_EQ_STR(refusal("a{256}"), "repeat count above 255 at byte 1");
    CHECK_EQ_STR(refusal("a{3,2}"), "repeat {3,2} at byte 1: the minimum exceeds the maximum");
    CHECK_EQ_STR(refusal("(?i)a"), "'(?' at byte 0 is not supported (expected '(?:' or a "
                                   "plain group)");
    CHECK_EQ_STR(refusal("[z-a]"), "range 'z-a' at byte 1 is backwards");
    CHECK_EQ_STR(refusal("[[:foo:]]"), "unknown class '[:foo:]' at byte 1 (expected alpha, "
                                       "digit, alnum, upper, lower, space, blank, punct, "
                                       "print, graph, cntrl, xdigit or word)");
    CHECK_EQ_STR(refusal("[[.a.]]"), "'[.' at byte 1: collating elements and equivalence "
                                     "classes are not supported");
    CHECK_EQ_STR(refusal("[\xc3\xa9]"), "non-ASCII byte in a bracket expression at byte 1 "
                                        "(a bracket matches one byte; write the character "
                                        "outside brackets)");
    CHECK_EQ_STR(refusal("a\\"), "trailing backslash at byte 1");
    CHECK_EQ_STR(refusal("(a{255}){255}"), "too large once repeats are expanded (more than "
                                           "10000 instructions)");
    CHECK_EQ_STR(refusal("((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))"),
                 "groups nested deeper than 32 at byte 32");
    char big[PARITY__RE_MAX_LEN + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_EQ_STR(refusal(big), "4097 bytes long (limit 4096)");
    /* nested repetition is no reason to refuse: it is linear here */
    CHECK_EQ_STR(refusal("((a*)*b|(a+)+)*$"), "");
    CHECK_EQ_STR(refusal("(a{255}){30}"), "");
}

/* ---- 4. the classic blow-ups --------------------------------------------- */

static void test_pathological(void) {
    size_t n = 30000;
    char *s = malloc(n + 2);
    memset(s, 'a', n);
    s[n] = '\0';
    const char *pats[] = {"(a*)*b",   "(a|a)*b",        "(a|aa)+$",
                          "^(a+)+b$", "(a*a*a*a*a*)*c", "((a{1,10}){1,10}){1,10}b"};
    for (size_t i = 0; i < sizeof pats / sizeof *pats; i++) {
        parity__re *re = compile(pats[i]);
        int64_t caps[2 * PARITY__RE_SLOTS];
        int want = strchr(pats[i], 'b') || strchr(pats[i], 'c') ? 0 : 1;
        CHECK_MSG(parity__re_search(re, s, n, caps) == want, "%s", pats[i]);
        parity__re_free(re);
    }
    /* a mebibyte name, matched to its end */
    size_t big = 1 << 20;
    char *t = malloc(big + 1);
    for (size_t i = 0; i < big; i++) t[i] = "ab"[i % 3 == 0];
    t[big] = '\0';
    parity__re *re = compile("^(a|b)*$");
    int64_t caps[2 * PARITY__RE_SLOTS];
    CHECK_EQ_INT(parity__re_search(re, t, big, caps), 1);
    CHECK_EQ_INT(caps[1], (int64_t)big);
    parity__re_free(re);
    free(t);
    free(s);
}

int main(void) {
    test_against_glibc();
    test_groups();
    test_syntax();
    test_pathological();
    return TEST_SUMMARY();
}
