/*
 * fuzz_map.c — libFuzzer target for the --map rules parser and matcher
 * (src/analysis/names.c): one "regex => replacement" a line.
 *
 * Any bytes go to parity__map_rules_parse as the text of a map file. A
 * refusal must carry a non-empty one-line message. Accepted rules are
 * applied to a few fixed tensor names (the shapes --map meets: dotted
 * module paths, slashes, camelCase, digits, an empty name) and to each
 * line of the input itself, so mutations of the patterns meet the subjects
 * they were written for; every renamed name is read to its end.
 * Seeds: fuzz/corpus/map/ (tools/gen_map_seeds.py); dictionary:
 * fuzz/map.dict.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Subjects longer than this are skipped (a map file is small; the matcher
 * is tried on names, not on megabytes). */
#define MAX_SUBJECT 256

static const char *const names[] = {
    "model.decoder.layers.0.self_attn.q_proj.weight",
    "decoder/finalProj",
    "encoder.blocks.11.mlp.fc2.bias",
    "blk.3.attn_k.weight",
    "step10",
    "a",
    "",
};

static void check_message(parity_status st, const parity_error *err) {
    if (st != PARITY_OK && (err->msg[0] == '\0' || strchr(err->msg, '\n'))) abort();
}

static void apply(const parity_map_rules *r, const char *name) {
    char *out = NULL;
    parity_error err;
    memset(&err, 0, sizeof err);
    parity_status st = parity__map_rules_apply(r, name, &out, &err);
    check_message(st, &err);
    if (out) {
        volatile size_t n = strlen(out);
        (void)n;
        free(out);
    }
}

/* Each line of the input (up to MAX_SUBJECT bytes, no NUL) as a name. */
static void apply_lines(const parity_map_rules *r, const uint8_t *data, size_t size) {
    char line[MAX_SUBJECT + 1];
    size_t at = 0;
    while (at < size) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t end = nl ? (size_t)(nl - data) : size;
        size_t n = end - at;
        if (n <= MAX_SUBJECT && !memchr(data + at, '\0', n)) {
            memcpy(line, data + at, n);
            line[n] = '\0';
            apply(r, line);
        }
        at = end + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    parity_map_rules *r = NULL;
    parity_error err;
    memset(&err, 0, sizeof err);
    parity_status st = parity__map_rules_parse("fuzz.map", (const char *)data, size, &r, &err);
    check_message(st, &err);
    if (st != PARITY_OK) return 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) apply(r, names[i]);
    apply_lines(r, data, size);
    parity__map_rules_free(r);
    return 0;
}
