/*
 * pickle.c — the safe pickle subset of a PyTorch checkpoint's data.pkl:
 * a stack machine that builds a tree (pickle.h) and never calls anything.
 *
 * Byte layout: a pickle is a sequence of opcodes, each one byte followed
 * by its operands; torch.save writes protocol 2 (PROTO 2 first, STOP
 * last). The opcodes accepted, with their operands (integers little-
 * endian unless said):
 *   0x80 PROTO u8 (2..5, first only)  '.' STOP             '(' MARK
 *   '}' EMPTY_DICT   ']' EMPTY_LIST   ')' EMPTY_TUPLE      'N' NONE
 *   0x88 NEWTRUE     0x89 NEWFALSE    'J' BININT i32       'K' BININT1 u8
 *   'M' BININT2 u16  0x8a LONG1 u8 n + n bytes two's complement (n <= 8)
 *   'G' BINFLOAT f64 big-endian       'X' BINUNICODE u32 n + n UTF-8 bytes
 *   'U' SHORT_BINSTRING u8 n + n bytes
 *   't' TUPLE  0x85 TUPLE1  0x86 TUPLE2  0x87 TUPLE3
 *   'a' APPEND  'e' APPENDS  's' SETITEM  'u' SETITEMS
 *   'q' BINPUT u8  'r' LONG_BINPUT u32  'h' BINGET u8  'j' LONG_BINGET u32
 *   'c' GLOBAL "module\nname\n"   'R' REDUCE   'b' BUILD   'Q' BINPERSID
 * This is the opcode set of PyTorch's weights-only unpickler
 * (torch/_weights_only_unpickler.py) less NEWOBJ and EMPTY_SET, which a
 * state dict does not need. Rules, as there: GLOBAL only names the table
 * below; REDUCE only on its callables, with the arguments they take;
 * BUILD only on an OrderedDict; APPEND(S) only on a list; SETITEM(S) only
 * on a dict; BINPERSID only on ('storage', StorageType, key, location,
 * numel). No opcode reaches below the last MARK (Python's metastack);
 * the memo is dense: BINPUT names an existing slot or the next one, as
 * Python's pickler numbers them. Every length is checked against the
 * bytes left; opcodes, open MARKs and nodes are bounded.
 */
#include "formats/pickle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const parity__pk_storage_type STORAGE_TYPES[] = {
    {"DoubleStorage", PARITY_DT_F64, 0},
    {"FloatStorage", PARITY_DT_F32, 0},
    {"HalfStorage", PARITY_DT_F16, 0},
    {"BFloat16Storage", PARITY_DT_BF16, 0},
    {"LongStorage", PARITY_DT_I64, 0},
    {"IntStorage", PARITY_DT_I32, 0},
    {"ShortStorage", PARITY_DT_I16, 0},
    {"CharStorage", PARITY_DT_I8, 0},
    {"ByteStorage", PARITY_DT_U8, 0},
    {"BoolStorage", PARITY_DT_BOOL, 0},
    {"ComplexFloatStorage", PARITY_DT_F32, 1},
    {"ComplexDoubleStorage", PARITY_DT_F64, 1},
    /* newer PyTorch releases */
    {"UInt16Storage", PARITY_DT_U16, 0},
    {"UInt32Storage", PARITY_DT_U32, 0},
    {"UInt64Storage", PARITY_DT_U64, 0},
    {"Float8_e4m3fnStorage", PARITY_DT_F8_E4M3, 0},
    {"Float8_e5m2Storage", PARITY_DT_F8_E5M2, 0},
    {"Float8_e4m3fnuzStorage", PARITY_DT_F8_E4M3FNUZ, 0},
    {"Float8_e5m2fnuzStorage", PARITY_DT_F8_E5M2FNUZ, 0},
    {"Float8_e8m0fnuStorage", PARITY_DT_F8_E8M0, 0},
};
#define N_STORAGE_TYPES (sizeof STORAGE_TYPES / sizeof STORAGE_TYPES[0])

const parity__pk_storage_type *parity__pk_storage_at(unsigned i) {
    return i < N_STORAGE_TYPES ? &STORAGE_TYPES[i] : NULL;
}

/* The callables, by their dotted names. */
static const char *const CALLABLES[] = {
    "collections.OrderedDict", "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state"};

/* Every pickle opcode, for naming the ones refused. */
static const char *opcode_name(int op) {
    static const struct { char code; const char *name; } T[] = {
        {'I', "INT"}, {'L', "LONG"}, {'\x8b', "LONG4"}, {'S', "STRING"},
        {'T', "BINSTRING"}, {'B', "BINBYTES"}, {'C', "SHORT_BINBYTES"},
        {'\x8e', "BINBYTES8"}, {'\x96', "BYTEARRAY8"},
        {'\x97', "NEXT_BUFFER"}, {'\x98', "READONLY_BUFFER"},
        {'V', "UNICODE"}, {'\x8c', "SHORT_BINUNICODE"},
        {'\x8d', "BINUNICODE8"}, {'F', "FLOAT"}, {'l', "LIST"},
        {'d', "DICT"}, {'\x8f', "EMPTY_SET"}, {'\x90', "ADDITEMS"},
        {'\x91', "FROZENSET"}, {'0', "POP"}, {'2', "DUP"}, {'1', "POP_MARK"},
        {'g', "GET"}, {'p', "PUT"}, {'\x94', "MEMOIZE"}, {'\x82', "EXT1"},
        {'\x83', "EXT2"}, {'\x84', "EXT4"}, {'\x93', "STACK_GLOBAL"},
        {'i', "INST"}, {'o', "OBJ"}, {'\x81', "NEWOBJ"},
        {'\x92', "NEWOBJ_EX"}, {'\x95', "FRAME"}, {'P', "PERSID"}};
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++)
        if ((unsigned char)T[i].code == op) return T[i].name;
    return NULL;
}

/* ---- the machine ------------------------------------------------------- */

typedef struct pk_vm {
    parity__pickle *pk;
    const unsigned char *buf;
    size_t len, pos;
    uint64_t at;            /* offset of the opcode being run              */
    uint32_t *stack;        /* [sp] node indices                           */
    size_t sp, cap_stack;
    size_t *marks;          /* [n_marks] stack heights at each MARK        */
    size_t n_marks, cap_marks;
    uint32_t *memo;         /* [n_memo]                                    */
    size_t n_memo, cap_memo;
    uint64_t max_depth;
    int stopped;
    const char *what;
    parity_error *err;
} pk_vm;

__attribute__((format(printf, 3, 4)))
static parity_status pk_fail(const pk_vm *vm, parity_status code,
                             const char *fmt, ...) {
    char detail[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return parity__fail(vm->err, code, vm->at, "%s: byte %llu: %s", vm->what,
                        (unsigned long long)vm->at, detail);
}

#define PK_FAIL_IF(cond, vm, code, ...)                                      \
    do {                                                                     \
        if (cond) return pk_fail((vm), (code), __VA_ARGS__);                 \
    } while (0)

/* Grow *arr to hold need elements of size elem. */
static int pk_grow(void **arr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t n = *cap ? *cap : 64;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem) return 0;
        n *= 2;
    }
    void *p = realloc(*arr, n * elem);
    if (!p) return 0;
    *arr = p;
    *cap = n;
    return 1;
}

static parity_status pk_nomem(const pk_vm *vm) {
    return pk_fail(vm, PARITY_E_NOMEM, "out of memory");
}

static parity__pk_node *N(const pk_vm *vm, uint32_t i) {
    return &vm->pk->node[i];
}

/* A new node of kind k; *out its index. */
static parity_status new_node(pk_vm *vm, int kind, uint32_t *out) {
    parity__pickle *pk = vm->pk;
    PK_FAIL_IF(pk->n_node >= UINT32_MAX - 1, vm, PARITY_E_LIMIT,
               "more than 2^32 values");
    if (!pk_grow((void **)&pk->node, &pk->cap_node, pk->n_node + 1,
                 sizeof *pk->node))
        return pk_nomem(vm);
    parity__pk_node *n = &pk->node[pk->n_node];
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    n->off = vm->at;
    n->u.c.first = n->u.c.last = PARITY__PK_NONE_IDX;
    *out = (uint32_t)pk->n_node++;
    return PARITY_OK;
}

static parity_status push(pk_vm *vm, uint32_t node) {
    if (!pk_grow((void **)&vm->stack, &vm->cap_stack, vm->sp + 1,
                 sizeof *vm->stack))
        return pk_nomem(vm);
    vm->stack[vm->sp++] = node;
    return PARITY_OK;
}

/* Values above the last MARK: all an opcode may touch. */
static size_t avail(const pk_vm *vm) {
    return vm->sp - (vm->n_marks ? vm->marks[vm->n_marks - 1] : 0);
}

static parity_status need(const pk_vm *vm, size_t k, const char *op) {
    PK_FAIL_IF(avail(vm) < k, vm, PARITY_E_FORMAT,
               "%s needs %zu value%s on the stack%s, %zu there", op, k,
               k == 1 ? "" : "s", vm->n_marks ? " above the MARK" : "",
               avail(vm));
    return PARITY_OK;
}

static uint32_t pop(pk_vm *vm) { return vm->stack[--vm->sp]; }
static uint32_t top(const pk_vm *vm) { return vm->stack[vm->sp - 1]; }

/* Append (key, value) to container c. */
static parity_status add_item(pk_vm *vm, uint32_t c, uint32_t key,
                              uint32_t value) {
    parity__pickle *pk = vm->pk;
    PK_FAIL_IF(N(vm, c)->n == UINT32_MAX || pk->n_item >= UINT32_MAX - 1, vm,
               PARITY_E_LIMIT, "more than 2^32 items");
    if (!pk_grow((void **)&pk->item, &pk->cap_item, pk->n_item + 1,
                 sizeof *pk->item))
        return pk_nomem(vm);
    uint32_t it = (uint32_t)pk->n_item++;
    pk->item[it] = (parity__pk_item){key, value, PARITY__PK_NONE_IDX};
    parity__pk_node *n = N(vm, c);
    if (n->u.c.last == PARITY__PK_NONE_IDX) n->u.c.first = it;
    else pk->item[n->u.c.last].next = it;
    n->u.c.last = it;
    n->n++;
    return PARITY_OK;
}

/* Operand bytes: k of them must be left. */
static parity_status operand(pk_vm *vm, size_t k, const char *op,
                             const unsigned char **p) {
    PK_FAIL_IF(vm->len - vm->pos < k, vm, PARITY_E_FORMAT,
               "%s: truncated (%zu operand bytes needed, %zu left)", op, k,
               vm->len - vm->pos);
    *p = vm->buf + vm->pos;
    vm->pos += k;
    return PARITY_OK;
}

static uint64_t le(const unsigned char *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = v << 8 | p[i];
    return v;
}

const char *parity__pk_kind_name(const parity__pk_node *n) {
    static const char *const names[] = {
        "None", "bool", "int", "float", "str", "bytes", "tuple", "list",
        "dict", "global", "storage", "tensor"};
    if (n->kind == PARITY__PK_DICT && n->ordered) return "OrderedDict";
    return n->kind < sizeof names / sizeof names[0] ? names[n->kind] : "?";
}

const char *parity__pk_global_name(const parity__pk_node *n, char *out,
                                   size_t cap) {
    if (n->glob == PARITY__PKG_STORAGE) {
        const parity__pk_storage_type *t = parity__pk_storage_at(
            (unsigned)n->u.i);
        snprintf(out, cap, "torch.%s", t ? t->name : "?");
    } else {
        snprintf(out, cap, "%s",
                 n->glob < sizeof CALLABLES / sizeof CALLABLES[0]
                     ? CALLABLES[n->glob] : "?");
    }
    return out;
}

/* ---- values ------------------------------------------------------------ */

static parity_status push_int(pk_vm *vm, int64_t v) {
    uint32_t n;
    TRY(new_node(vm, PARITY__PK_INT, &n));
    N(vm, n)->u.i = v;
    return push(vm, n);
}

static parity_status op_binint(pk_vm *vm, int op) {
    const unsigned char *p = NULL;
    size_t k = op == 'J' ? 4 : op == 'M' ? 2 : 1;
    TRY(operand(vm, k, op == 'J' ? "BININT" : op == 'M' ? "BININT2"
                                                        : "BININT1", &p));
    uint64_t u = le(p, k);
    return push_int(vm, op == 'J' ? (int64_t)(int32_t)(uint32_t)u
                                  : (int64_t)u);
}

/* LONG1: n bytes, two's complement, little-endian; n <= 8 here. */
static parity_status op_long1(pk_vm *vm) {
    const unsigned char *p = NULL;
    TRY(operand(vm, 1, "LONG1", &p));
    size_t n = p[0];
    TRY(operand(vm, n, "LONG1", &p));
    PK_FAIL_IF(n > 8, vm, PARITY_E_UNSUPPORTED,
               "LONG1 integer of %zu bytes: wider than 64 bits", n);
    uint64_t u = le(p, n);
    if (n > 0 && n < 8 && (p[n - 1] & 0x80)) u |= ~(uint64_t)0 << (8 * n);
    return push_int(vm, (int64_t)u);
}

static parity_status op_binfloat(pk_vm *vm) {
    const unsigned char *p = NULL;
    TRY(operand(vm, 8, "BINFLOAT", &p));
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = u << 8 | p[i]; /* big-endian */
    uint32_t n;
    TRY(new_node(vm, PARITY__PK_FLOAT, &n));
    memcpy(&N(vm, n)->u.f, &u, sizeof u);
    return push(vm, n);
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

/* BINUNICODE (u32 length, UTF-8) or SHORT_BINSTRING (u8 length, bytes). */
static parity_status op_string(pk_vm *vm, int op) {
    const char *name = op == 'X' ? "BINUNICODE" : "SHORT_BINSTRING";
    const unsigned char *p = NULL;
    TRY(operand(vm, op == 'X' ? 4 : 1, name, &p));
    uint64_t n = le(p, op == 'X' ? 4 : 1);
    TRY(operand(vm, (size_t)n, name, &p));
    for (size_t i = 0; op == 'X' && i < n;) {
        size_t k = utf8_len(p + i, (size_t)n - i);
        PK_FAIL_IF(k == 0, vm, PARITY_E_FORMAT,
                   "BINUNICODE: invalid UTF-8 at string byte %zu", i);
        i += k;
    }
    uint32_t s;
    TRY(new_node(vm, op == 'X' ? PARITY__PK_STR : PARITY__PK_BYTES, &s));
    N(vm, s)->u.s = p;
    N(vm, s)->n = (uint32_t)n;
    return push(vm, s);
}

static parity_status op_empty(pk_vm *vm, int kind) {
    uint32_t n;
    TRY(new_node(vm, kind, &n));
    return push(vm, n);
}

/* The k values above the last MARK (k = SIZE_MAX: all, and pop the MARK)
 * become a new tuple. */
static parity_status make_tuple(pk_vm *vm, size_t k, const char *op) {
    int marked = k == SIZE_MAX;
    if (marked) {
        PK_FAIL_IF(vm->n_marks == 0, vm, PARITY_E_FORMAT,
                   "%s without a MARK", op);
        k = avail(vm);
    }
    TRY(need(vm, k, op));
    uint32_t t;
    TRY(new_node(vm, PARITY__PK_TUPLE, &t));
    size_t base = vm->sp - k;
    for (size_t i = base; i < vm->sp; i++)
        TRY(add_item(vm, t, PARITY__PK_NONE_IDX, vm->stack[i]));
    vm->sp = base;
    if (marked) vm->n_marks--;
    return push(vm, t);
}

/* ---- containers -------------------------------------------------------- */

static parity_status expect_kind(const pk_vm *vm, uint32_t n, int kind,
                                 const char *op, const char *what) {
    PK_FAIL_IF(N(vm, n)->kind != kind, vm, PARITY_E_UNSUPPORTED,
               "%s on a %s: only a %s takes it", op,
               parity__pk_kind_name(N(vm, n)), what);
    return PARITY_OK;
}

static parity_status op_append(pk_vm *vm) {
    TRY(need(vm, 2, "APPEND"));
    uint32_t v = pop(vm);
    TRY(expect_kind(vm, top(vm), PARITY__PK_LIST, "APPEND", "list"));
    return add_item(vm, top(vm), PARITY__PK_NONE_IDX, v);
}

static parity_status op_setitem(pk_vm *vm) {
    TRY(need(vm, 3, "SETITEM"));
    uint32_t v = pop(vm), k = pop(vm);
    TRY(expect_kind(vm, top(vm), PARITY__PK_DICT, "SETITEM", "dict"));
    return add_item(vm, top(vm), k, v);
}

/* APPENDS / SETITEMS: the values above the MARK go into the container
 * just below it. */
static parity_status op_marked_items(pk_vm *vm, int is_dict) {
    const char *op = is_dict ? "SETITEMS" : "APPENDS";
    PK_FAIL_IF(vm->n_marks == 0, vm, PARITY_E_FORMAT, "%s without a MARK",
               op);
    size_t base = vm->marks[--vm->n_marks];
    size_t k = vm->sp - base;
    vm->sp = base; /* the items stay in place above sp while added */
    TRY(need(vm, 1, op));
    uint32_t c = top(vm);
    TRY(expect_kind(vm, c, is_dict ? PARITY__PK_DICT : PARITY__PK_LIST, op,
                    is_dict ? "dict" : "list"));
    PK_FAIL_IF(is_dict && k % 2, vm, PARITY_E_FORMAT,
               "SETITEMS with %zu values: keys and values come in pairs", k);
    for (size_t i = 0; i < k; i += is_dict ? 2 : 1)
        TRY(add_item(vm, c,
                     is_dict ? vm->stack[base + i] : PARITY__PK_NONE_IDX,
                     vm->stack[base + i + (is_dict ? 1 : 0)]));
    return PARITY_OK;
}

static parity_status op_mark(pk_vm *vm) {
    PK_FAIL_IF(vm->n_marks >= vm->max_depth, vm, PARITY_E_LIMIT,
               "more than %llu open MARKs (limit max_pickle_depth)",
               (unsigned long long)vm->max_depth);
    if (!pk_grow((void **)&vm->marks, &vm->cap_marks, vm->n_marks + 1,
                 sizeof *vm->marks))
        return pk_nomem(vm);
    vm->marks[vm->n_marks++] = vm->sp;
    return PARITY_OK;
}

/* ---- memo -------------------------------------------------------------- */

static parity_status op_put(pk_vm *vm, int op) {
    const unsigned char *p = NULL;
    const char *name = op == 'q' ? "BINPUT" : "LONG_BINPUT";
    TRY(operand(vm, op == 'q' ? 1 : 4, name, &p));
    uint64_t i = le(p, op == 'q' ? 1 : 4);
    TRY(need(vm, 1, name));
    PK_FAIL_IF(i > vm->n_memo, vm, PARITY_E_FORMAT,
               "%s %llu skips memo slots (the next free one is %zu)", name,
               (unsigned long long)i, vm->n_memo);
    if (i == vm->n_memo) {
        if (!pk_grow((void **)&vm->memo, &vm->cap_memo, vm->n_memo + 1,
                     sizeof *vm->memo))
            return pk_nomem(vm);
        vm->n_memo++;
    }
    vm->memo[i] = top(vm);
    return PARITY_OK;
}

static parity_status op_get(pk_vm *vm, int op) {
    const unsigned char *p = NULL;
    const char *name = op == 'h' ? "BINGET" : "LONG_BINGET";
    TRY(operand(vm, op == 'h' ? 1 : 4, name, &p));
    uint64_t i = le(p, op == 'h' ? 1 : 4);
    PK_FAIL_IF(i >= vm->n_memo, vm, PARITY_E_FORMAT,
               "%s %llu: memo slot never set (%zu set)", name,
               (unsigned long long)i, vm->n_memo);
    return push(vm, vm->memo[i]);
}

/* ---- globals ----------------------------------------------------------- */

/* One GLOBAL line: printable ASCII up to '\n', at most 255 bytes. */
static parity_status global_line(pk_vm *vm, const char *part,
                                 const unsigned char **s, size_t *n) {
    size_t start = vm->pos;
    while (vm->pos < vm->len && vm->buf[vm->pos] != '\n') {
        unsigned char c = vm->buf[vm->pos];
        PK_FAIL_IF(c <= 0x20 || c >= 0x7f, vm, PARITY_E_FORMAT,
                   "GLOBAL: byte 0x%02x in the %s name", c, part);
        PK_FAIL_IF(vm->pos - start >= 255, vm, PARITY_E_FORMAT,
                   "GLOBAL: %s name longer than 255 bytes", part);
        vm->pos++;
    }
    PK_FAIL_IF(vm->pos >= vm->len, vm, PARITY_E_FORMAT,
               "GLOBAL: %s name not ended by a newline", part);
    *s = vm->buf + start;
    *n = vm->pos - start;
    vm->pos++;
    return PARITY_OK;
}

static int names_eq(const char *want, const char *got, size_t n) {
    return strlen(want) == n && memcmp(want, got, n) == 0;
}

/* "module.name" -> a global of the table, or -1; *stype for storages. */
static int lookup_global(const char *full, size_t n, int64_t *stype) {
    for (size_t i = 0; i < sizeof CALLABLES / sizeof CALLABLES[0]; i++)
        if (names_eq(CALLABLES[i], full, n)) return (int)i;
    for (size_t i = 0; i < N_STORAGE_TYPES; i++) {
        char s[64];
        snprintf(s, sizeof s, "torch.%s", STORAGE_TYPES[i].name);
        if (names_eq(s, full, n)) {
            *stype = (int64_t)i;
            return PARITY__PKG_STORAGE;
        }
    }
    return -1;
}

static parity_status op_global(pk_vm *vm) {
    const unsigned char *mod, *name;
    size_t mn, nn;
    TRY(global_line(vm, "module", &mod, &mn));
    TRY(global_line(vm, "attribute", &name, &nn));
    char full[520];
    snprintf(full, sizeof full, "%.*s.%.*s", (int)mn, (const char *)mod,
             (int)nn, (const char *)name);
    int64_t stype = 0;
    int g = lookup_global(full, mn + 1 + nn, &stype);
    PK_FAIL_IF(g < 0 && mn == 5 && !memcmp(mod, "torch", 5) && nn > 7 &&
                   !memcmp(name + nn - 7, "Storage", 7),
               vm, PARITY_E_UNSUPPORTED,
               "storage type '%s' is not read (quantized or unknown)", full);
    PK_FAIL_IF(g < 0, vm, PARITY_E_UNSUPPORTED,
               "global '%s' refused: a checkpoint may name only "
               "collections.OrderedDict, torch._utils rebuild functions and "
               "torch storage types (nothing is ever called)", full);
    uint32_t n;
    TRY(new_node(vm, PARITY__PK_GLOBAL, &n));
    N(vm, n)->glob = (uint8_t)g;
    N(vm, n)->u.i = stype;
    return push(vm, n);
}

/* ---- REDUCE, BUILD, BINPERSID ------------------------------------------ */

#define MAX_ARGS 8

/* The items of tuple t into a[], at most MAX_ARGS; *n their count. */
static void tuple_items(const pk_vm *vm, uint32_t t, uint32_t *a,
                        size_t *n) {
    *n = 0;
    for (uint32_t it = N(vm, t)->u.c.first;
         it != PARITY__PK_NONE_IDX && *n < MAX_ARGS;
         it = vm->pk->item[it].next)
        a[(*n)++] = vm->pk->item[it].value;
}

/* Argument k of fn must be of kind (kind2 also accepted when >= 0). */
static parity_status arg_kind(const pk_vm *vm, const char *fn, size_t k,
                              const char *role, uint32_t v, int kind,
                              int kind2) {
    const parity__pk_node *n = N(vm, v);
    static const char *const want[] = {
        "None", "a bool", "an int", "a float", "a str", "bytes", "a tuple",
        "a list", "a dict", "a global", "a storage", "a tensor"};
    PK_FAIL_IF(n->kind != kind && n->kind != kind2, vm, PARITY_E_FORMAT,
               "argument %zu (%s) of %s: %s expected, found %s", k, role, fn,
               want[kind], parity__pk_kind_name(n));
    return PARITY_OK;
}

/* size and stride: tuples of ints of one length, at most PARITY_MAX_DIMS. */
static parity_status dims_tuple(const pk_vm *vm, const char *fn, size_t k,
                                const char *role, uint32_t t) {
    TRY(arg_kind(vm, fn, k, role, t, PARITY__PK_TUPLE, -1));
    PK_FAIL_IF(N(vm, t)->n > PARITY_MAX_DIMS, vm, PARITY_E_LIMIT,
               "argument %zu (%s) of %s: %u dims, over the limit of %d", k,
               role, fn, N(vm, t)->n, PARITY_MAX_DIMS);
    for (uint32_t it = N(vm, t)->u.c.first; it != PARITY__PK_NONE_IDX;
         it = vm->pk->item[it].next)
        PK_FAIL_IF(N(vm, vm->pk->item[it].value)->kind != PARITY__PK_INT, vm,
                   PARITY_E_FORMAT, "argument %zu (%s) of %s: %s in it, "
                   "ints expected", k, role, fn,
                   parity__pk_kind_name(N(vm, vm->pk->item[it].value)));
    return PARITY_OK;
}

/* _rebuild_tensor(storage, offset, size, stride) and _rebuild_tensor_v2(
 * storage, offset, size, stride, requires_grad, backward_hooks[,
 * metadata]) -> a tensor node. */
static parity_status rebuild_tensor(pk_vm *vm, int v2, const uint32_t *a,
                                    size_t n, uint32_t *out) {
    const char *fn = v2 ? "_rebuild_tensor_v2" : "_rebuild_tensor";
    PK_FAIL_IF(v2 ? n != 6 && n != 7 : n != 4, vm, PARITY_E_FORMAT,
               "%s takes %s arguments, %zu given", fn, v2 ? "6 or 7" : "4",
               n);
    TRY(arg_kind(vm, fn, 0, "storage", a[0], PARITY__PK_STORAGE, -1));
    TRY(arg_kind(vm, fn, 1, "storage_offset", a[1], PARITY__PK_INT, -1));
    TRY(dims_tuple(vm, fn, 2, "size", a[2]));
    TRY(dims_tuple(vm, fn, 3, "stride", a[3]));
    PK_FAIL_IF(N(vm, a[2])->n != N(vm, a[3])->n, vm, PARITY_E_FORMAT,
               "%s: size has %u dims, stride %u", fn, N(vm, a[2])->n,
               N(vm, a[3])->n);
    if (v2) {
        TRY(arg_kind(vm, fn, 4, "requires_grad", a[4], PARITY__PK_BOOL, -1));
        TRY(arg_kind(vm, fn, 5, "backward_hooks", a[5], PARITY__PK_DICT, -1));
        if (n == 7)
            TRY(arg_kind(vm, fn, 6, "metadata", a[6], PARITY__PK_DICT, -1));
    }
    TRY(new_node(vm, PARITY__PK_TENSOR, out));
    parity__pk_node *t = N(vm, *out);
    t->u.t.storage = a[0];
    t->u.t.offset = a[1];
    t->u.t.size = a[2];
    t->u.t.stride = a[3];
    return PARITY_OK;
}

/* _rebuild_parameter(data, requires_grad, backward_hooks) and
 * _rebuild_parameter_with_state(..., state) -> the data tensor itself. */
static parity_status rebuild_parameter(pk_vm *vm, int with_state,
                                       const uint32_t *a, size_t n,
                                       uint32_t *out) {
    const char *fn = with_state ? "_rebuild_parameter_with_state"
                                : "_rebuild_parameter";
    PK_FAIL_IF(n != (with_state ? 4u : 3u), vm, PARITY_E_FORMAT,
               "%s takes %d arguments, %zu given", fn, with_state ? 4 : 3, n);
    TRY(arg_kind(vm, fn, 0, "data", a[0], PARITY__PK_TENSOR, -1));
    TRY(arg_kind(vm, fn, 1, "requires_grad", a[1], PARITY__PK_BOOL, -1));
    TRY(arg_kind(vm, fn, 2, "backward_hooks", a[2], PARITY__PK_DICT, -1));
    *out = a[0];
    return PARITY_OK;
}

static parity_status op_reduce(pk_vm *vm) {
    TRY(need(vm, 2, "REDUCE"));
    uint32_t args = pop(vm), f = top(vm);
    const parity__pk_node *fn = N(vm, f);
    char g[96];
    PK_FAIL_IF(fn->kind != PARITY__PK_GLOBAL, vm, PARITY_E_UNSUPPORTED,
               "REDUCE calls a %s: only the allowed globals are callable",
               parity__pk_kind_name(fn));
    PK_FAIL_IF(fn->glob == PARITY__PKG_STORAGE, vm, PARITY_E_UNSUPPORTED,
               "REDUCE calls %s: storage types are not callable here",
               parity__pk_global_name(fn, g, sizeof g));
    PK_FAIL_IF(N(vm, args)->kind != PARITY__PK_TUPLE, vm, PARITY_E_FORMAT,
               "REDUCE: the arguments of %s are a %s, not a tuple",
               parity__pk_global_name(fn, g, sizeof g),
               parity__pk_kind_name(N(vm, args)));
    uint32_t a[MAX_ARGS] = {0}, out = 0;
    size_t n;
    tuple_items(vm, args, a, &n);
    if (N(vm, args)->n > MAX_ARGS) n = N(vm, args)->n;
    switch (fn->glob) {
    case PARITY__PKG_ORDERED_DICT:
        PK_FAIL_IF(n != 0, vm, PARITY_E_UNSUPPORTED,
                   "collections.OrderedDict called with %zu arguments "
                   "(torch.save passes none)", n);
        TRY(new_node(vm, PARITY__PK_DICT, &out));
        N(vm, out)->ordered = 1;
        break;
    case PARITY__PKG_REBUILD_TENSOR:
    case PARITY__PKG_REBUILD_TENSOR_V2:
        TRY(rebuild_tensor(vm, fn->glob == PARITY__PKG_REBUILD_TENSOR_V2, a,
                           n, &out));
        break;
    default:
        TRY(rebuild_parameter(
            vm, fn->glob == PARITY__PKG_REBUILD_PARAMETER_WITH_STATE, a, n,
            &out));
    }
    vm->stack[vm->sp - 1] = out;
    return PARITY_OK;
}

/* BUILD: only an OrderedDict's attributes (a state dict's _metadata),
 * which are checked to be a dict and otherwise ignored. */
static parity_status op_build(pk_vm *vm) {
    TRY(need(vm, 2, "BUILD"));
    uint32_t state = pop(vm);
    const parity__pk_node *inst = N(vm, top(vm));
    PK_FAIL_IF(inst->kind != PARITY__PK_DICT || !inst->ordered, vm,
               PARITY_E_UNSUPPORTED,
               "BUILD on a %s: only an OrderedDict may be built",
               parity__pk_kind_name(inst));
    PK_FAIL_IF(N(vm, state)->kind != PARITY__PK_DICT, vm, PARITY_E_FORMAT,
               "BUILD state of an OrderedDict is a %s, not a dict",
               parity__pk_kind_name(N(vm, state)));
    return PARITY_OK;
}

static int is_text(const parity__pk_node *n) {
    return n->kind == PARITY__PK_STR || n->kind == PARITY__PK_BYTES;
}

/* BINPERSID on ('storage', StorageType, key, location, numel). */
static parity_status op_binpersid(pk_vm *vm) {
    TRY(need(vm, 1, "BINPERSID"));
    uint32_t pid = pop(vm), a[MAX_ARGS] = {0};
    size_t n = 0;
    const parity__pk_node *p = N(vm, pid);
    PK_FAIL_IF(p->kind != PARITY__PK_TUPLE, vm, PARITY_E_UNSUPPORTED,
               "BINPERSID on a %s: only ('storage', type, key, location, "
               "numel) tuples are read", parity__pk_kind_name(p));
    tuple_items(vm, pid, a, &n);
    const parity__pk_node *tag = n ? N(vm, a[0]) : NULL;
    PK_FAIL_IF(p->n != 5 || !is_text(tag) || tag->n != 7 ||
                   memcmp(tag->u.s, "storage", 7) != 0,
               vm, PARITY_E_UNSUPPORTED,
               "BINPERSID: persistent id is not ('storage', type, key, "
               "location, numel)");
    PK_FAIL_IF(N(vm, a[1])->kind != PARITY__PK_GLOBAL ||
                   N(vm, a[1])->glob != PARITY__PKG_STORAGE,
               vm, PARITY_E_FORMAT,
               "BINPERSID: item 1 (storage type) is a %s, not a torch "
               "storage type", parity__pk_kind_name(N(vm, a[1])));
    PK_FAIL_IF(!is_text(N(vm, a[2])) || !is_text(N(vm, a[3])), vm,
               PARITY_E_FORMAT,
               "BINPERSID: key and location must be strings (found %s, %s)",
               parity__pk_kind_name(N(vm, a[2])),
               parity__pk_kind_name(N(vm, a[3])));
    PK_FAIL_IF(N(vm, a[4])->kind != PARITY__PK_INT || N(vm, a[4])->u.i < 0,
               vm, PARITY_E_FORMAT,
               "BINPERSID: item 4 (numel) is not an int >= 0");
    uint32_t s;
    TRY(new_node(vm, PARITY__PK_STORAGE, &s));
    N(vm, s)->glob = (uint8_t)N(vm, a[1])->u.i;
    N(vm, s)->u.st.key = a[2];
    N(vm, s)->u.st.location = a[3];
    N(vm, s)->u.st.numel = a[4];
    return push(vm, s);
}

/* ---- the loop ---------------------------------------------------------- */

static parity_status op_proto(pk_vm *vm) {
    const unsigned char *p = NULL;
    PK_FAIL_IF(vm->at != 0, vm, PARITY_E_FORMAT,
               "PROTO after the first opcode");
    TRY(operand(vm, 1, "PROTO", &p));
    PK_FAIL_IF(p[0] < 2 || p[0] > 5, vm, PARITY_E_UNSUPPORTED,
               "pickle protocol %u (2 to 5 are read)", p[0]);
    vm->pk->protocol = p[0];
    return PARITY_OK;
}

static parity_status op_stop(pk_vm *vm, int strict) {
    TRY(need(vm, 1, "STOP"));
    vm->pk->root = pop(vm);
    vm->stopped = 1;
    PK_FAIL_IF(strict && (vm->sp || vm->n_marks), vm, PARITY_E_FORMAT,
               "STOP leaves %zu values and %zu MARKs behind", vm->sp,
               vm->n_marks);
    PK_FAIL_IF(strict && vm->pos != vm->len, vm, PARITY_E_FORMAT,
               "%zu bytes after STOP", vm->len - vm->pos);
    return PARITY_OK;
}

static parity_status refuse_op(const pk_vm *vm, int op) {
    const char *name = opcode_name(op);
    PK_FAIL_IF(name, vm, PARITY_E_UNSUPPORTED,
               "opcode %s (0x%02x) is outside the safe subset", name, op);
    return pk_fail(vm, PARITY_E_FORMAT, "unknown opcode 0x%02x", op);
}

static parity_status step(pk_vm *vm, int op, int strict) {
    switch (op) {
    case 0x80: return op_proto(vm);
    case '.': return op_stop(vm, strict);
    case '(': return op_mark(vm);
    case '}': return op_empty(vm, PARITY__PK_DICT);
    case ']': return op_empty(vm, PARITY__PK_LIST);
    case ')': return push(vm, 3);
    case 'N': return push(vm, 0);
    case 0x88: return push(vm, 1);
    case 0x89: return push(vm, 2);
    case 'J': case 'K': case 'M': return op_binint(vm, op);
    case 0x8a: return op_long1(vm);
    case 'G': return op_binfloat(vm);
    case 'X': case 'U': return op_string(vm, op);
    case 't': return make_tuple(vm, SIZE_MAX, "TUPLE");
    case 0x85: return make_tuple(vm, 1, "TUPLE1");
    case 0x86: return make_tuple(vm, 2, "TUPLE2");
    case 0x87: return make_tuple(vm, 3, "TUPLE3");
    case 'a': return op_append(vm);
    case 'e': return op_marked_items(vm, 0);
    case 's': return op_setitem(vm);
    case 'u': return op_marked_items(vm, 1);
    case 'q': case 'r': return op_put(vm, op);
    case 'h': case 'j': return op_get(vm, op);
    case 'c': return op_global(vm);
    case 'R': return op_reduce(vm);
    case 'b': return op_build(vm);
    case 'Q': return op_binpersid(vm);
    default: return refuse_op(vm, op);
    }
}

/* None, True, False and () are immutable: one node each, made first. */
static parity_status singletons(pk_vm *vm) {
    static const int kinds[4] = {PARITY__PK_NONE, PARITY__PK_BOOL,
                                 PARITY__PK_BOOL, PARITY__PK_TUPLE};
    for (int i = 0; i < 4; i++) {
        uint32_t n;
        TRY(new_node(vm, kinds[i], &n));
        N(vm, n)->u.i = i == 1;
        if (i == 3) N(vm, n)->u.c.first = N(vm, n)->u.c.last =
            PARITY__PK_NONE_IDX;
    }
    return PARITY_OK;
}

static parity_status run(pk_vm *vm, const parity_open_opts *opts) {
    TRY(singletons(vm));
    PK_FAIL_IF(opts->strict && (vm->len < 2 || vm->buf[0] != 0x80), vm,
               PARITY_E_FORMAT,
               "does not start with PROTO (0x80): not a protocol 2+ pickle");
    for (uint64_t ops = 0; !vm->stopped; ops++) {
        vm->at = vm->pos;
        PK_FAIL_IF(vm->pos >= vm->len, vm, PARITY_E_FORMAT,
                   "the pickle ends without STOP");
        PK_FAIL_IF(ops >= opts->max_pickle_ops, vm, PARITY_E_LIMIT,
                   "more than %llu opcodes (limit max_pickle_ops)",
                   (unsigned long long)opts->max_pickle_ops);
        TRY(step(vm, vm->buf[vm->pos++], opts->strict));
    }
    return PARITY_OK;
}

parity_status parity__pickle_load(parity__pickle *pk, const unsigned char *buf,
                                  size_t len, const parity_open_opts *opts,
                                  const char *what, parity_error *err) {
    memset(pk, 0, sizeof *pk);
    pk_vm vm;
    memset(&vm, 0, sizeof vm);
    vm.pk = pk;
    vm.buf = buf;
    vm.len = len;
    vm.max_depth = opts->max_pickle_depth;
    vm.what = what;
    vm.err = err;
    parity_status st = run(&vm, opts);
    free(vm.stack);
    free(vm.marks);
    free(vm.memo);
    return st;
}

void parity__pickle_free(parity__pickle *pk) {
    if (!pk) return;
    free(pk->node);
    free(pk->item);
    memset(pk, 0, sizeof *pk);
}
