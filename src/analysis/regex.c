/*
 * regex.c — the --map regular expressions: a parser for a subset of POSIX
 * extended regular expressions, a compiler to a small program, and a Pike
 * VM that runs it (Thompson's construction simulated breadth-first, each
 * thread carrying its capture slots; Russ Cox, "Regular Expression Matching:
 * the Virtual Machine Approach"). Every thread of one position sits at a
 * distinct instruction, so a search costs O(len(name) x program size) time
 * and O(program size) memory whatever the pattern: "(a*)*b", "(a|a)*" and
 * friends cannot hang, and nothing recurses on the name.
 *
 * Syntax (docs/matching.md has the table):
 *   literal bytes; \c for punctuation c; \n \t \r; .  any byte
 *   [abc] [^a-z] [[:alpha:]] bracket expressions (ASCII; \d \w \s and
 *                escaped punctuation also inside)
 *   \d \D \w \W \s \S    digit, word ([A-Za-z0-9_]), white space, negated
 *   ^ $          anchors (start and end of the name)
 *   * + ? {m} {m,} {m,n} {,n}   greedy repetition, m, n <= 255
 *   (...) capture group, (?:...) group that captures nothing, a|b
 * Refused with a reason: back references (\1: no linear-time matcher has
 * them), other escapes of letters and digits (\b, \x41, \p{L}...), '(?'
 * groups other than '(?:', lazy or doubled quantifiers (a*?, a**),
 * collating elements and equivalence classes ([.a.] [=a=]), non-ASCII bytes
 * inside brackets (a bracket matches one byte).
 * Limits: 4,096 bytes of pattern, groups nested 32 deep, 10,000
 * instructions once repeats are expanded ((a{255}){255} is refused).
 *
 * Semantics: the match is the leftmost-longest one, as POSIX regexec
 * finds it. When one overall match can be made several ways, groups take
 * what the preferred way gives: the earlier alternative, the longer
 * repetition (as in Perl); POSIX's rule for groups (each leftmost-longest
 * in turn) can differ on patterns like (a|ab)(b*) against "abb".
 */
#include "analysis/regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the program --------------------------------------------------------- */

enum { OP_BYTE, OP_CLASS, OP_ANY, OP_BOL, OP_EOL, OP_SPLIT, OP_JMP, OP_SAVE, OP_MATCH };

/* One instruction. BYTE: c; CLASS: x = class index; SPLIT: try x, then y;
 * JMP: x; SAVE: x = capture slot. */
typedef struct inst {
    uint8_t op, c;
    uint32_t x, y;
} inst;

typedef uint8_t byteset[32]; /* bit b set: byte b is in the class */

struct parity__re {
    inst *prog;
    uint32_t n;
    byteset *cls;
    int groups;
    int anchored; /* the pattern starts with '^': only position 0 can match */
};

/* ---- the parse tree ------------------------------------------------------ */

enum { N_EMPTY, N_BYTE, N_CLASS, N_ANY, N_BOL, N_EOL, N_CAT, N_ALT, N_GROUP, N_REPEAT };

/* A node. BYTE: a = the byte; CLASS: a = class index; GROUP: a = group
 * number (0: no capture); REPEAT: a = min, b = max (-1: no max). CAT, ALT,
 * GROUP and REPEAT have children (first child, then next siblings). */
typedef struct node {
    uint8_t kind;
    int a, b;
    int child, next, last; /* indices, -1 for none; last: the last child */
} node;

typedef struct parser {
    const char *s;
    size_t len, i;
    node *nodes;
    size_t n, cap;
    byteset *cls;
    size_t ncls, ccap;
    int depth, groups;
    int oom;
    char *why; /* the reason of a refusal, or NULL while all is well */
    size_t why_cap;
} parser;

static int refuse(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(parser *p, const char *fmt, ...) {
    if (p->why && p->why[0]) return -1; /* keep the first reason */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->why, p->why_cap, fmt, ap);
    va_end(ap);
    if (!p->why[0]) p->why[0] = '?';
    return -1;
}

static int failed(const parser *p) { return p->oom || p->why[0]; }

static int new_node(parser *p, int kind, int a, int b) {
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 64;
        node *q = realloc(p->nodes, cap * sizeof *q);
        if (!q) {
            p->oom = 1;
            return -1;
        }
        p->nodes = q;
        p->cap = cap;
    }
    p->nodes[p->n] = (node){(uint8_t)kind, a, b, -1, -1, -1};
    return (int)p->n++;
}

static void add_child(parser *p, int parent, int child) {
    node *q = &p->nodes[parent];
    if (q->child < 0)
        q->child = child;
    else
        p->nodes[q->last].next = child;
    q->last = child;
}

static int new_class(parser *p) {
    if (p->ncls == p->ccap) {
        size_t cap = p->ccap ? 2 * p->ccap : 8;
        byteset *q = realloc(p->cls, cap * sizeof *q);
        if (!q) {
            p->oom = 1;
            return -1;
        }
        p->cls = q;
        p->ccap = cap;
    }
    memset(p->cls[p->ncls], 0, sizeof(byteset));
    return (int)p->ncls++;
}

static void set_bit(byteset s, unsigned c) { s[c >> 3] |= (uint8_t)(1u << (c & 7)); }
static int has_bit(const byteset s, unsigned c) { return s[c >> 3] >> (c & 7) & 1; }

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_space(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static int is_word(int c) { return is_alpha(c) || is_digit(c) || c == '_'; }

/* ---- escapes and bracket expressions --------------------------------------- */

/* The set of \d \w \s (negated for the capitals) into s; 0 when c names
 * none of them. */
static int shorthand(int c, byteset s) {
    int (*in)(int) = c == 'd' || c == 'D'   ? is_digit
                     : c == 'w' || c == 'W' ? is_word
                     : c == 's' || c == 'S' ? is_space
                                            : NULL;
    if (!in) return 0;
    int neg = c >= 'A' && c <= 'Z';
    for (unsigned b = 0; b < 256; b++)
        if ((in((int)b) != 0) != neg) set_bit(s, b);
    return 1;
}

/* The byte an escape \c stands for, or -1 (with the refusal) when c is a
 * letter or digit with no meaning here. at: offset of the backslash. */
static int escaped_byte(parser *p, int c, size_t at) {
    if (c == 'n') return '\n';
    if (c == 't') return '\t';
    if (c == 'r') return '\r';
    if (c >= '1' && c <= '9')
        return refuse(p,
                      "back reference '\\%c' at byte %zu is not supported (a "
                      "linear-time matcher has none)",
                      c, at);
    if (is_digit(c) || is_alpha(c))
        return refuse(p,
                      "'\\%c' at byte %zu is not supported (expected \\ before "
                      "punctuation, \\d \\w \\s \\D \\W \\S, \\n \\t \\r)",
                      c, at);
    if (c >= 0x80)
        return refuse(p,
                      "'\\' before a non-ASCII byte at byte %zu (expected \\ "
                      "before punctuation)",
                      at);
    return c;
}

typedef struct named_class {
    const char *name;
    int (*in)(int);
} named_class;

static int cls_upper(int c) { return c >= 'A' && c <= 'Z'; }
static int cls_lower(int c) { return c >= 'a' && c <= 'z'; }
static int cls_alnum(int c) { return is_alpha(c) || is_digit(c); }
static int cls_blank(int c) { return c == ' ' || c == '\t'; }
static int cls_cntrl(int c) { return c < 0x20 || c == 0x7F; }
static int cls_print(int c) { return c >= 0x20 && c < 0x7F; }
static int cls_graph(int c) { return c > 0x20 && c < 0x7F; }
static int cls_punct(int c) { return cls_graph(c) && !cls_alnum(c); }
static int cls_xdigit(int c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static const named_class CLASSES[] = {
    {"alpha", is_alpha},  {"digit", is_digit},  {"alnum", cls_alnum}, {"upper", cls_upper},
    {"lower", cls_lower}, {"space", is_space},  {"blank", cls_blank}, {"punct", cls_punct},
    {"print", cls_print}, {"graph", cls_graph}, {"cntrl", cls_cntrl}, {"xdigit", cls_xdigit},
    {"word", is_word},
};

/* "[:name:]" at p->i (just after its '['): add the class to s. */
static int bracket_class(parser *p, byteset s) {
    size_t at = p->i - 1, k = p->i + 1, start = k;
    while (k + 1 < p->len && !(p->s[k] == ':' && p->s[k + 1] == ']')) k++;
    if (k + 1 >= p->len)
        return refuse(p, "unterminated '[:' at byte %zu (expected '[:name:]')", at);
    for (size_t c = 0; c < sizeof CLASSES / sizeof *CLASSES; c++) {
        if (strlen(CLASSES[c].name) != k - start ||
            memcmp(CLASSES[c].name, p->s + start, k - start) != 0)
            continue;
        for (unsigned b = 0; b < 128; b++)
            if (CLASSES[c].in((int)b)) set_bit(s, b);
        p->i = k + 2;
        return 0;
    }
    return refuse(p,
                  "unknown class '[:%.*s:]' at byte %zu (expected alpha, digit, "
                  "alnum, upper, lower, space, blank, punct, print, graph, cntrl, "
                  "xdigit or word)",
                  (int)(k - start < 32 ? k - start : 32), p->s + start, at);
}

/* One member of a bracket expression at p->i: a byte (returned) or a set
 * added to s (returns 256). -1 on refusal. */
static int bracket_member(parser *p, byteset s) {
    size_t at = p->i;
    unsigned char c = (unsigned char)p->s[p->i];
    if (c == '[' && p->i + 1 < p->len && p->s[p->i + 1] == ':') {
        p->i++;
        return bracket_class(p, s) < 0 ? -1 : 256;
    }
    if (c == '[' && p->i + 1 < p->len && (p->s[p->i + 1] == '.' || p->s[p->i + 1] == '='))
        return refuse(p,
                      "'[%c' at byte %zu: collating elements and equivalence "
                      "classes are not supported",
                      p->s[p->i + 1], at);
    if (c >= 0x80)
        return refuse(p,
                      "non-ASCII byte in a bracket expression at byte %zu (a "
                      "bracket matches one byte; write the character outside "
                      "brackets)",
                      at);
    p->i++;
    if (c != '\\') return c;
    if (p->i >= p->len) return refuse(p, "unmatched '[' at byte %zu", at);
    int e = (unsigned char)p->s[p->i++];
    if (shorthand(e, s)) return 256;
    return escaped_byte(p, e, at);
}

/* A bracket expression; p->i is just after '['. */
static int parse_bracket(parser *p) {
    size_t open = p->i - 1;
    int k = new_class(p);
    if (k < 0) return -1;
    byteset s;
    memset(s, 0, sizeof s);
    int neg = p->i < p->len && p->s[p->i] == '^';
    p->i += (size_t)neg;
    for (int first = 1;; first = 0) {
        if (p->i >= p->len) return refuse(p, "unmatched '[' at byte %zu", open);
        if (p->s[p->i] == ']' && !first) break;
        size_t at = p->i;
        int lo = bracket_member(p, s);
        if (lo < 0) return -1;
        int range = lo < 256 && p->i + 1 < p->len && p->s[p->i] == '-' && p->s[p->i + 1] != ']';
        if (!range) {
            if (lo < 256) set_bit(s, (unsigned)lo);
            continue;
        }
        p->i++;
        int hi = bracket_member(p, s);
        if (hi < 0) return -1;
        if (hi == 256)
            return refuse(p, "range at byte %zu ends in a class (expected a character)", at);
        if (hi < lo) return refuse(p, "range '%c-%c' at byte %zu is backwards", lo, hi, at);
        for (int b = lo; b <= hi; b++) set_bit(s, (unsigned)b);
    }
    p->i++; /* ']' */
    for (unsigned b = 0; b < 256; b++)
        if (has_bit(s, b) != neg) set_bit(p->cls[k], b);
    return new_node(p, N_CLASS, k, 0);
}

/* ---- the grammar ----------------------------------------------------------- */

static int parse_alt(parser *p);

/* "{m}", "{m,}", "{m,n}" or "{,n}" at p->i: 1 and the bounds (p->i past
 * it) when it is one, else 0 (a literal '{'); -1 on refusal. */
static int parse_bound(parser *p, int *min, int *max) {
    size_t k = p->i + 1, at = p->i;
    long v[2] = {0, -1};
    int have[2] = {0, 0}, comma = 0;
    for (; k < p->len && p->s[k] != '}'; k++) {
        char c = p->s[k];
        if (c == ',' && !comma) {
            comma = 1;
            continue;
        }
        if (!is_digit(c)) return 0;
        long *d = &v[comma];
        *d = (have[comma] ? *d : 0) * 10 + (c - '0');
        if (*d > 100000) *d = 100000;
        have[comma] = 1;
    }
    if (k >= p->len || (!have[0] && !have[1])) return 0;
    *min = (int)(have[0] ? v[0] : 0);
    *max = comma ? (have[1] ? (int)v[1] : -1) : *min;
    if (*min > PARITY__RE_MAX_REPEAT || *max > PARITY__RE_MAX_REPEAT)
        return refuse(p, "repeat count above %d at byte %zu", PARITY__RE_MAX_REPEAT, at);
    if (*max >= 0 && *max < *min)
        return refuse(p, "repeat {%d,%d} at byte %zu: the minimum exceeds the maximum", *min, *max,
                      at);
    p->i = k + 1;
    return 1;
}

/* A quantifier at p->i: 1 with its bounds (p->i past it), 0 when none. */
static int quantifier(parser *p, int *min, int *max) {
    if (p->i >= p->len) return 0;
    char c = p->s[p->i];
    if (c == '{') return parse_bound(p, min, max);
    if (c != '*' && c != '+' && c != '?') return 0;
    *min = c == '+';
    *max = c == '?' ? 1 : -1;
    p->i++;
    return 1;
}

static int parse_group(parser *p) {
    size_t open = p->i - 1;
    int number = 0;
    if (p->i < p->len && p->s[p->i] == '?') {
        if (p->i + 1 >= p->len || p->s[p->i + 1] != ':')
            return refuse(p,
                          "'(?' at byte %zu is not supported (expected '(?:' or a "
                          "plain group)",
                          open);
        p->i += 2;
    } else {
        number = ++p->groups;
    }
    if (++p->depth > PARITY__RE_MAX_DEPTH)
        return refuse(p, "groups nested deeper than %d at byte %zu", PARITY__RE_MAX_DEPTH, open);
    int g = new_node(p, N_GROUP, number, 0);
    int body = g < 0 ? -1 : parse_alt(p);
    if (body < 0) return -1;
    if (p->i >= p->len || p->s[p->i] != ')') return refuse(p, "unmatched '(' at byte %zu", open);
    p->i++;
    p->depth--;
    add_child(p, g, body);
    return g;
}

/* One atom at p->i (not '|' or ')', not the end). */
static int parse_atom(parser *p) {
    size_t at = p->i;
    unsigned char c = (unsigned char)p->s[p->i++];
    int lo, hi;
    switch (c) {
    case '(': return parse_group(p);
    case '[': return parse_bracket(p);
    case '.': return new_node(p, N_ANY, 0, 0);
    case '^': return new_node(p, N_BOL, 0, 0);
    case '$': return new_node(p, N_EOL, 0, 0);
    case '*':
    case '+':
    case '?': return refuse(p, "'%c' at byte %zu has nothing to repeat", c, at);
    case '{':
        p->i = at;
        if (parse_bound(p, &lo, &hi) != 0)
            return failed(p) ? -1 : refuse(p, "'{' at byte %zu has nothing to repeat", at);
        p->i = at + 1;
        return new_node(p, N_BYTE, '{', 0);
    case '\\': break;
    default: return new_node(p, N_BYTE, c, 0);
    }
    if (p->i >= p->len) return refuse(p, "trailing backslash at byte %zu", at);
    int e = (unsigned char)p->s[p->i++];
    byteset s;
    memset(s, 0, sizeof s);
    if (shorthand(e, s)) {
        int k = new_class(p);
        if (k < 0) return -1;
        memcpy(p->cls[k], s, sizeof s);
        return new_node(p, N_CLASS, k, 0);
    }
    int b = escaped_byte(p, e, at);
    return b < 0 ? -1 : new_node(p, N_BYTE, b, 0);
}

/* An atom and its quantifier, if any; a second quantifier is refused. */
static int parse_piece(parser *p) {
    int atom = parse_atom(p);
    if (atom < 0) return -1;
    int kind = p->nodes[atom].kind, min, max;
    size_t at = p->i;
    int q = quantifier(p, &min, &max);
    if (q <= 0) return q < 0 ? -1 : atom;
    if (kind == N_BOL || kind == N_EOL)
        return refuse(p, "'%c' at byte %zu has nothing to repeat (it follows an anchor)", p->s[at],
                      at);
    int r = new_node(p, N_REPEAT, min, max);
    if (r < 0) return -1;
    add_child(p, r, atom);
    size_t again = p->i;
    if (quantifier(p, &min, &max) != 0)
        return failed(p) ? -1
                         : refuse(p,
                                  "'%c' at byte %zu follows another repetition (lazy "
                                  "and doubled quantifiers are not supported)",
                                  p->s[again], again);
    return r;
}

static int parse_cat(parser *p) {
    int cat = new_node(p, N_CAT, 0, 0);
    while (cat >= 0 && p->i < p->len && p->s[p->i] != '|' && p->s[p->i] != ')') {
        int piece = parse_piece(p);
        if (piece < 0) return -1;
        add_child(p, cat, piece);
    }
    return cat;
}

static int parse_alt(parser *p) {
    int first = parse_cat(p);
    if (first < 0 || p->i >= p->len || p->s[p->i] != '|') return first;
    int alt = new_node(p, N_ALT, 0, 0);
    if (alt < 0) return -1;
    add_child(p, alt, first);
    while (p->i < p->len && p->s[p->i] == '|') {
        p->i++;
        int next = parse_cat(p);
        if (next < 0) return -1;
        add_child(p, alt, next);
    }
    return alt;
}

/* ---- code generation --------------------------------------------------------- */

#define SIZE_CAP ((uint64_t)PARITY__RE_MAX_PROG + 1)

static uint64_t sat(uint64_t x) { return x > SIZE_CAP ? SIZE_CAP : x; }

/* Instructions node k compiles to, saturated at SIZE_CAP. The recursion
 * follows the tree, whose depth the nesting limit bounds. */
static uint64_t size_of(const parser *p, int k) {
    const node *q = &p->nodes[k];
    uint64_t total = 0, n = 0;
    switch (q->kind) {
    case N_EMPTY: return 0;
    case N_CAT:
    case N_ALT:
        for (int c = q->child; c >= 0; c = p->nodes[c].next, n++)
            total = sat(total + size_of(p, c));
        return q->kind == N_ALT && n ? sat(total + 2 * (n - 1)) : total;
    case N_GROUP: return sat(size_of(p, q->child) + (q->a > 0 && q->a < PARITY__RE_SLOTS ? 2 : 0));
    case N_REPEAT: {
        uint64_t c = size_of(p, q->child), min = (uint64_t)q->a;
        if (q->b < 0) return min == 0 ? sat(c + 2) : sat(min * c + 1);
        return sat(min * c + ((uint64_t)q->b - min) * (c + 1));
    }
    default: return 1;
    }
}

typedef struct emitter {
    const parser *p;
    inst *prog;
    uint32_t pc;
} emitter;

static uint32_t put(emitter *e, int op, int c, uint32_t x, uint32_t y) {
    e->prog[e->pc] = (inst){(uint8_t)op, (uint8_t)c, x, y};
    return e->pc++;
}

/* Point every SPLIT of the chain (linked through y) at target. */
static void patch_y(emitter *e, uint32_t chain, uint32_t target) {
    while (chain != UINT32_MAX) {
        uint32_t next = e->prog[chain].y;
        e->prog[chain].y = target;
        chain = next;
    }
}

static void emit(emitter *e, int k);

/* a|b|c: SPLIT L1, L2; L1: a; JMP end; L2: SPLIT ...; last: c; end: */
static void emit_alt(emitter *e, const node *q) {
    uint32_t jumps = UINT32_MAX;
    for (int c = q->child; c >= 0; c = e->p->nodes[c].next) {
        if (e->p->nodes[c].next < 0) {
            emit(e, c);
            break;
        }
        uint32_t split = put(e, OP_SPLIT, 0, e->pc + 1, 0);
        emit(e, c);
        jumps = put(e, OP_JMP, 0, jumps, 0);
        e->prog[split].y = e->pc;
    }
    while (jumps != UINT32_MAX) { /* the chain of JMPs, linked through x */
        uint32_t next = e->prog[jumps].x;
        e->prog[jumps].x = e->pc;
        jumps = next;
    }
}

/* x{min,max}: min copies, then x* (no max) or max - min nested optional
 * copies that all skip to one end (greedy: each SPLIT tries x first). */
static void emit_repeat(emitter *e, const node *q) {
    int min = q->a, max = q->b;
    if (max < 0 && min == 0) { /* L1: SPLIT L2, L3; L2: x; JMP L1; L3: */
        uint32_t l1 = put(e, OP_SPLIT, 0, e->pc + 1, 0);
        emit(e, q->child);
        put(e, OP_JMP, 0, l1, 0);
        e->prog[l1].y = e->pc;
        return;
    }
    for (int i = 0; i < min - (max < 0); i++) emit(e, q->child);
    if (max < 0) { /* the last copy loops: L: x; SPLIT L, next */
        uint32_t l = e->pc;
        emit(e, q->child);
        put(e, OP_SPLIT, 0, l, e->pc + 1);
        return;
    }
    uint32_t chain = UINT32_MAX;
    for (int i = min; i < max; i++) {
        chain = put(e, OP_SPLIT, 0, e->pc + 1, chain);
        emit(e, q->child);
    }
    patch_y(e, chain, e->pc);
}

static void emit(emitter *e, int k) {
    const node *q = &e->p->nodes[k];
    switch (q->kind) {
    case N_EMPTY: break;
    case N_BYTE: put(e, OP_BYTE, q->a, 0, 0); break;
    case N_CLASS: put(e, OP_CLASS, 0, (uint32_t)q->a, 0); break;
    case N_ANY: put(e, OP_ANY, 0, 0, 0); break;
    case N_BOL: put(e, OP_BOL, 0, 0, 0); break;
    case N_EOL: put(e, OP_EOL, 0, 0, 0); break;
    case N_CAT:
        for (int c = q->child; c >= 0; c = e->p->nodes[c].next) emit(e, c);
        break;
    case N_ALT: emit_alt(e, q); break;
    case N_GROUP: {
        int slot = q->a > 0 && q->a < PARITY__RE_SLOTS;
        if (slot) put(e, OP_SAVE, 0, (uint32_t)(2 * q->a), 0);
        emit(e, q->child);
        if (slot) put(e, OP_SAVE, 0, (uint32_t)(2 * q->a + 1), 0);
        break;
    }
    case N_REPEAT: emit_repeat(e, q); break;
    }
}

/* Does the tree rooted at k begin with '^' on every path? (Only the plain
 * case: a concatenation whose first piece is '^'.) */
static int starts_anchored(const parser *p, int k) {
    const node *q = &p->nodes[k];
    if (q->kind == N_BOL) return 1;
    return q->kind == N_CAT && q->child >= 0 && starts_anchored(p, q->child);
}

static void parser_free(parser *p) {
    free(p->nodes);
    free(p->cls);
}

parity_status parity__re_compile(const char *pat, size_t len, parity__re **out, char *why,
                                 size_t cap) {
    char spare[1];
    *out = NULL;
    if (!why || cap == 0) why = spare, cap = sizeof spare;
    why[0] = '\0';
    if (len > PARITY__RE_MAX_LEN) {
        snprintf(why, cap, "%zu bytes long (limit %d)", len, PARITY__RE_MAX_LEN);
        return PARITY_E_USAGE;
    }
    parser p;
    memset(&p, 0, sizeof p);
    p.s = pat, p.len = len, p.why = why, p.why_cap = cap;
    int root = parse_alt(&p);
    if (root >= 0 && p.i < p.len) /* only ')' stops the top level early */
        refuse(&p, "unmatched ')' at byte %zu", p.i);
    uint64_t size = failed(&p) ? 0 : size_of(&p, root) + 3;
    if (!failed(&p) && size > PARITY__RE_MAX_PROG)
        refuse(&p, "too large once repeats are expanded (more than %d instructions)",
               PARITY__RE_MAX_PROG);
    parity__re *re = failed(&p) ? NULL : calloc(1, sizeof *re);
    inst *prog = re ? malloc((size_t)size * sizeof *prog) : NULL;
    if (!failed(&p) && !prog) p.oom = 1;
    if (failed(&p)) {
        parser_free(&p);
        free(re);
        free(prog);
        return p.oom ? PARITY_E_NOMEM : PARITY_E_USAGE;
    }
    emitter e = {&p, prog, 0};
    put(&e, OP_SAVE, 0, 0, 0);
    emit(&e, root);
    put(&e, OP_SAVE, 0, 1, 0);
    put(&e, OP_MATCH, 0, 0, 0);
    re->prog = prog;
    re->n = e.pc;
    re->cls = p.cls;
    re->groups = p.groups;
    re->anchored = starts_anchored(&p, root);
    free(p.nodes);
    *out = re;
    return PARITY_OK;
}

void parity__re_free(parity__re *re) {
    if (!re) return;
    free(re->prog);
    free(re->cls);
    free(re);
}

int parity__re_groups(const parity__re *re) { return re ? re->groups : 0; }

/* ---- the Pike VM ------------------------------------------------------------- */

#define NSLOT (2 * PARITY__RE_SLOTS)

/* The threads of one position: a sparse set of instructions (each at most
 * once, in priority order), each consuming one with its capture slots. */
typedef struct tlist {
    uint32_t n;
    uint32_t *dense, *sparse;
    int32_t *caps; /* [n][NSLOT], by dense index */
} tlist;

/* A pending step of the closure: an instruction to visit, or a capture
 * slot to restore once the branch that set it is done. */
typedef struct frame {
    uint32_t pc;
    int32_t slot, val; /* slot >= 0: restore caps[slot] = val */
} frame;

typedef struct vm {
    const parity__re *re;
    const unsigned char *s;
    int32_t len;
    tlist a, b;
    frame *stack;
    int32_t work[NSLOT];
} vm;

static int on_list(const tlist *l, uint32_t pc) {
    uint32_t d = l->sparse[pc];
    return d < l->n && l->dense[d] == pc;
}

/* Add the thread at pc (captures vm->work, position pos) and everything it
 * reaches without consuming a byte, in priority order. vm->work is left as
 * it was. */
static void add_thread(vm *m, tlist *l, uint32_t pc0, int32_t pos) {
    size_t sp = 0;
    m->stack[sp++] = (frame){pc0, -1, 0};
    while (sp) {
        frame f = m->stack[--sp];
        if (f.slot >= 0) {
            m->work[f.slot] = f.val;
            continue;
        }
        for (uint32_t pc = f.pc; !on_list(l, pc);) {
            uint32_t d = l->n++;
            l->dense[d] = pc, l->sparse[pc] = d;
            const inst *in = &m->re->prog[pc];
            if (in->op == OP_JMP) {
                pc = in->x;
            } else if (in->op == OP_SPLIT) {
                m->stack[sp++] = (frame){in->y, -1, 0};
                pc = in->x;
            } else if (in->op == OP_SAVE) {
                m->stack[sp++] = (frame){0, (int32_t)in->x, m->work[in->x]};
                m->work[in->x] = pos;
                pc++;
            } else if (in->op == OP_BOL || in->op == OP_EOL) {
                if (pos != (in->op == OP_BOL ? 0 : m->len)) break;
                pc++;
            } else { /* consumes a byte, or matches: a thread proper */
                memcpy(&l->caps[(size_t)d * NSLOT], m->work, sizeof m->work);
                break;
            }
        }
    }
}

static int consumes(const parity__re *re, const inst *in, int c) {
    switch (in->op) {
    case OP_BYTE: return c == in->c;
    case OP_CLASS: return has_bit(re->cls[in->x], (unsigned)c);
    case OP_ANY: return 1;
    default: return 0;
    }
}

/* One position: step every thread of cur over byte pos into next; a MATCH
 * offers its captures to best (leftmost, then longest). */
static void step(vm *m, tlist *cur, tlist *next, int32_t pos, int32_t *best, int *found) {
    next->n = 0;
    for (uint32_t d = 0; d < cur->n; d++) {
        const inst *in = &m->re->prog[cur->dense[d]];
        const int32_t *caps = &cur->caps[(size_t)d * NSLOT];
        if (in->op != OP_MATCH && in->op > OP_ANY) continue; /* no thread: a mark */
        if (*found && caps[0] > best[0]) continue;           /* starts later: cannot win */
        if (in->op == OP_MATCH) {
            if (!*found || caps[0] < best[0] || (caps[0] == best[0] && caps[1] > best[1]))
                memcpy(best, caps, sizeof(int32_t) * NSLOT);
            *found = 1;
        } else if (pos < m->len && consumes(m->re, in, m->s[pos])) {
            memcpy(m->work, caps, sizeof m->work);
            add_thread(m, next, cur->dense[d] + 1, pos + 1);
        }
    }
}

static int tlist_alloc(tlist *l, uint32_t n) {
    l->n = 0;
    l->dense = malloc(n * sizeof *l->dense);
    l->sparse = calloc(n, sizeof *l->sparse);
    l->caps = malloc((size_t)n * NSLOT * sizeof *l->caps);
    return l->dense && l->sparse && l->caps;
}

static void tlist_free(tlist *l) {
    free(l->dense);
    free(l->sparse);
    free(l->caps);
}

int parity__re_search(const parity__re *re, const char *s, size_t len,
                      int64_t caps[2 * PARITY__RE_SLOTS]) {
    if (!re || len > INT32_MAX) return -1;
    vm m;
    memset(&m, 0, sizeof m);
    m.re = re, m.s = (const unsigned char *)s, m.len = (int32_t)len;
    m.stack = malloc(((size_t)re->n + 2) * sizeof *m.stack);
    int ok = m.stack && tlist_alloc(&m.a, re->n) && tlist_alloc(&m.b, re->n);
    int found = 0;
    int32_t best[NSLOT];
    tlist *cur = &m.a, *next = &m.b;
    for (int32_t pos = 0; ok; pos++) {
        if (!found && (!re->anchored || pos == 0)) {
            for (int k = 0; k < NSLOT; k++) m.work[k] = -1;
            add_thread(&m, cur, 0, pos); /* a new start: the lowest priority */
        }
        if (cur->n == 0 && (found || re->anchored)) break;
        step(&m, cur, next, pos, best, &found);
        tlist *t = cur;
        cur = next, next = t;
        if (pos >= m.len) break;
    }
    free(m.stack);
    tlist_free(&m.a);
    tlist_free(&m.b);
    if (!ok) return -1;
    if (found && caps)
        for (int k = 0; k < NSLOT; k++) caps[k] = best[k];
    return found;
}
