/*
 * test_pickle.c — the safe pickle subset (pickle.c) on pickles assembled
 * opcode by opcode: the values each opcode builds, the rules on memo,
 * MARK scope and containers, the rebuild functions' arguments, limits,
 * strict versus lenient, and every one of the 256 opcode bytes (run or
 * refused, never a crash).
 */
#include "formats/pickle.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

/* The pickle's bytes in an exact-size copy (for ASan), kept until the
 * next load: string nodes point into them. */
static unsigned char *kept;

static parity_status load(const char *bytes, size_t n, parity__pickle *pk,
                          parity_error *err, const parity_open_opts *o) {
    parity_open_opts d = parity_open_opts_default();
    free(kept);
    kept = malloc(n ? n : 1);
    memcpy(kept, bytes, n);
    return parity__pickle_load(pk, kept, n, o ? o : &d, "t.pkl", err);
}

/* PROTO 2 + body + STOP, as a string literal */
#define PK(body) "\x80\x02" body "."
#define LOAD(lit, pk, err) load(lit, sizeof(lit) - 1, pk, err, NULL)

static const parity__pk_node *root(const parity__pickle *pk) {
    return &pk->node[pk->root];
}

/* Item k of container c. */
static const parity__pk_item *item(const parity__pickle *pk,
                                   const parity__pk_node *c, unsigned k) {
    uint32_t it = c->u.c.first;
    while (k-- && it != PARITY__PK_NONE_IDX) it = pk->item[it].next;
    return it == PARITY__PK_NONE_IDX ? NULL : &pk->item[it];
}

static void test_values(void) {
    parity__pickle pk;
    parity_error err = {0};
    /* ints of every width, signs */
    if (CHECK_OK(LOAD(PK("(J\xfe\xff\xff\xffK\xffM\xff\xff\x8a\x00"
                         "\x8a\x01\xff\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80"
                         "\x8a\x03\x00\x00\x80t"), &pk, &err), &err)) {
        const parity__pk_node *t = root(&pk);
        int64_t want[] = {-2, 255, 65535, 0, -1, INT64_MIN, -8388608};
        CHECK_EQ_INT(t->kind, PARITY__PK_TUPLE);
        CHECK_EQ_U64(t->n, 7);
        for (unsigned k = 0; k < 7 && k < t->n; k++)
            CHECK_EQ_INT(pk.node[item(&pk, t, k)->value].u.i, want[k]);
    }
    parity__pickle_free(&pk);
    /* float (big-endian), strings, bytes, None, bools, () */
    if (CHECK_OK(LOAD(PK("(G\x3f\xf8\x00\x00\x00\x00\x00\x00X\x03\x00\x00\x00"
                         "h\xc3\xa9U\x02" "abN\x88\x89)t"), &pk, &err), &err)) {
        const parity__pk_node *t = root(&pk);
        CHECK_EQ_U64(t->n, 7);
        CHECK_EQ_DBL(pk.node[item(&pk, t, 0)->value].u.f, 1.5);
        const parity__pk_node *s = &pk.node[item(&pk, t, 1)->value];
        CHECK(s->kind == PARITY__PK_STR && s->n == 3 &&
              memcmp(s->u.s, "h\xc3\xa9", 3) == 0);
        CHECK_EQ_INT(pk.node[item(&pk, t, 2)->value].kind, PARITY__PK_BYTES);
        CHECK_EQ_INT(pk.node[item(&pk, t, 3)->value].kind, PARITY__PK_NONE);
        CHECK_EQ_INT(pk.node[item(&pk, t, 4)->value].u.i, 1);
        CHECK_EQ_INT(pk.node[item(&pk, t, 5)->value].u.i, 0);
        CHECK_EQ_INT(pk.node[item(&pk, t, 6)->value].kind, PARITY__PK_TUPLE);
    }
    parity__pickle_free(&pk);
}

static void test_rules(void) {
    static const struct {
        const char *pickle;
        size_t len;
        parity_status st;
        const char *msg;
    } cases[] = {
#define C(lit, st, msg) {lit, sizeof(lit) - 1, st, msg}
        C(PK("}q\x00(X\x01\x00\x00\x00" "a]q\x01(K\x01K\x02" "eX\x01\x00\x00\x00" "b"
             "h\x01u"), PARITY_OK, ""),
        C(PK("}0"), PARITY_E_UNSUPPORTED, "byte 3: opcode POP (0x30)"),
        C(PK("]K\x01K\x02s"), PARITY_E_UNSUPPORTED, "SETITEM on a list"),
        C(PK("}K\x01" "a"), PARITY_E_UNSUPPORTED, "APPEND on a dict"),
        C(PK(")K\x01" "a"), PARITY_E_UNSUPPORTED, "APPEND on a tuple"),
        C(PK("](K\x01K\x02u"), PARITY_E_UNSUPPORTED, "SETITEMS on a list"),
        C(PK("}(K\x01u"), PARITY_E_FORMAT, "keys and values come in pairs"),
        C(PK("}}b"), PARITY_E_UNSUPPORTED, "BUILD on a dict"),
        C(PK("ccollections\nOrderedDict\n)R]b"), PARITY_E_FORMAT,
          "BUILD state of an OrderedDict is a list"),
        C(PK("ccollections\nOrderedDict\n)R}b"), PARITY_OK, ""),
        C(PK("ccollections\nOrderedDict\n(K\x01tR"), PARITY_E_UNSUPPORTED,
          "OrderedDict called with 1 arguments"),
        C(PK("K\x01)R"), PARITY_E_UNSUPPORTED, "REDUCE calls a int"),
        C(PK("ccollections\nOrderedDict\n]R"), PARITY_E_FORMAT,
          "are a list, not a tuple"),
        C(PK("ctorch._utils\n_rebuild_tensor_v2\n(K\x01tR"), PARITY_E_FORMAT,
          "_rebuild_tensor_v2 takes 6 or 7 arguments, 1 given"),
        C(PK("ctorch._utils\n_rebuild_tensor\n(K\x01K\x01))tR"),
          PARITY_E_FORMAT, "argument 0 (storage) of _rebuild_tensor: a "
          "storage expected, found int"),
        C(PK("ctorch._utils\n_rebuild_parameter\n(K\x01\x88}tR"),
          PARITY_E_FORMAT, "argument 0 (data) of _rebuild_parameter: a "
          "tensor expected"),
        C(PK("(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00"
             "\x00" "0X\x03\x00\x00\x00" "cpuK\x04tQ"), PARITY_OK, ""),
        C(PK("(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00"
             "\x00" "0X\x03\x00\x00\x00" "cpuJ\xff\xff\xff\xfftQ"), PARITY_E_FORMAT,
          "item 4 (numel) is not an int >= 0"),
        C(PK("(X\x07\x00\x00\x00storageK\x01X\x01\x00\x00\x00" "0X\x03\x00\x00"
             "\x00" "cpuK\x04tQ"), PARITY_E_FORMAT, "item 1 (storage type) is a "
          "int"),
        C(PK("K\x01Q"), PARITY_E_UNSUPPORTED, "BINPERSID on a int"),
        C(PK("ctorch\nQInt8Storage\n"), PARITY_E_UNSUPPORTED,
          "storage type 'torch.QInt8Storage' is not read"),
        C(PK("cos\nsystem\n"), PARITY_E_UNSUPPORTED,
          "byte 2: global 'os.system' refused"),
        C(PK("c__builtin__\neval\n"), PARITY_E_UNSUPPORTED,
          "global '__builtin__.eval' refused"),
        C(PK("ccollections\nOrderedDict"), PARITY_E_FORMAT,
          "attribute name not ended by a newline"),
        C(PK("cos\nsys tem\n"), PARITY_E_FORMAT, "byte 0x20 in the attribute"),
        C(PK("K\x01q\x00q\x01q\x00h\x01"), PARITY_E_FORMAT,
          "STOP leaves 1 values"),
        C(PK("K\x01q\x01"), PARITY_E_FORMAT, "BINPUT 1 skips memo slots"),
        C(PK("K\x01r\x00\x00\x00\x00j\x00\x00\x00\x00\x86"), PARITY_OK, ""),
        C(PK("j\x00\x00\x00\x01"), PARITY_E_FORMAT,
          "LONG_BINGET 16777216: memo slot never set"),
        C(PK("q\x00"), PARITY_E_FORMAT, "BINPUT needs 1 value"),
        C(PK("K\x01(\x85"), PARITY_E_FORMAT,
          "TUPLE1 needs 1 value on the stack above the MARK, 0 there"),
        C(PK("t"), PARITY_E_FORMAT, "TUPLE without a MARK"),
        C("\x80\x02K\x01", PARITY_E_FORMAT, "the pickle ends without STOP"),
        C("\x80\x06N.", PARITY_E_UNSUPPORTED, "pickle protocol 6"),
        C("N.", PARITY_E_FORMAT, "does not start with PROTO"),
        C(PK("\x80\x02N"), PARITY_E_FORMAT, "PROTO after the first opcode"),
        C(PK("J\x01\x00"), PARITY_E_FORMAT, "BININT: truncated"),
        C(PK("X\x02\x00\x00\x00\xed\xa0"), PARITY_E_FORMAT,
          "invalid UTF-8 at string byte 0"),
        C(PK("X\x02\x00\x00\x00\xc0\x80"), PARITY_E_FORMAT,
          "invalid UTF-8"),
        C(PK("\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
          PARITY_E_UNSUPPORTED, "wider than 64 bits"),
        C(PK("."), PARITY_E_FORMAT, "STOP needs 1 value"),
#undef C
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parity__pickle pk;
        parity_error err = {0};
        parity_status st = load(cases[i].pickle, cases[i].len, &pk, &err,
                                NULL);
        CHECK_MSG(st == cases[i].st, "case %zu: status %d, want %d (%s)", i,
                  st, cases[i].st, err.msg);
        CHECK_MSG(st == PARITY_OK || (strstr(err.msg, cases[i].msg) &&
                                      strncmp(err.msg, "t.pkl: byte ", 12) ==
                                          0),
                  "case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
        parity__pickle_free(&pk);
    }
}

/* The first accepted case above, inspected: {'a': [1, 2], 'b': <same>}. */
static void test_sharing(void) {
    const char p[] = PK("}q\x00(X\x01\x00\x00\x00" "a]q\x01(K\x01K\x02" "e"
                        "X\x01\x00\x00\x00" "bh\x01u");
    parity__pickle pk;
    parity_error err = {0};
    if (CHECK_OK(load(p, sizeof p - 1, &pk, &err, NULL), &err)) {
        const parity__pk_node *d = root(&pk);
        CHECK(d->kind == PARITY__PK_DICT && d->n == 2 && !d->ordered);
        const parity__pk_item *a = item(&pk, d, 0), *b = item(&pk, d, 1);
        CHECK(a && b && a->value == b->value); /* one list, two keys */
        CHECK_EQ_U64(pk.node[a->value].n, 2);
    }
    parity__pickle_free(&pk);
}

static void test_limits(void) {
    parity_open_opts o = parity_open_opts_default();
    parity__pickle pk;
    parity_error err = {0};
    const char marks[] = PK("((((()))))");
    o.max_pickle_depth = 4;
    CHECK_EQ_INT(load(marks, sizeof marks - 1, &pk, &err, &o),
                 PARITY_E_LIMIT);
    CHECK(strstr(err.msg, "byte 6: more than 4 open MARKs"));
    parity__pickle_free(&pk);
    o = parity_open_opts_default();
    o.max_pickle_ops = 5;
    const char ops[] = PK("]]]]]]");
    CHECK_EQ_INT(load(ops, sizeof ops - 1, &pk, &err, &o), PARITY_E_LIMIT);
    CHECK(strstr(err.msg, "more than 5 opcodes"));
    parity__pickle_free(&pk);
    /* lenient: no PROTO, values left behind, bytes after STOP */
    o = parity_open_opts_default();
    o.strict = 0;
    const char loose[] = "K\x01K\x02.junk";
    CHECK_OK(load(loose, sizeof loose - 1, &pk, &err, &o), &err);
    CHECK_EQ_INT(root(&pk)->u.i, 2);
    parity__pickle_free(&pk);
}

/* Every opcode byte after a few values: runs or is refused cleanly. */
static void test_every_opcode(void) {
    int refused = 0;
    for (int op = 0; op < 256; op++) {
        char p[16] = "\x80\x02}]K\x01X\x01\x00\x00\x00k";
        size_t n = 13;
        p[n++] = (char)op;
        p[n++] = '.';
        parity__pickle pk;
        parity_error err = {0};
        parity_status st = load(p, n, &pk, &err, NULL);
        refused += st != PARITY_OK;
        CHECK_MSG(st == PARITY_OK || (err.msg[0] && !strchr(err.msg, '\n')),
                  "opcode 0x%02x: status %d, no message", op, st);
        parity__pickle_free(&pk);
    }
    CHECK_MSG(refused > 200, "only %d opcode bytes refused", refused);
}

int main(void) {
    test_values();
    test_rules();
    test_sharing();
    test_limits();
    test_every_opcode();
    free(kept);
    return TEST_SUMMARY();
}
