/*
 * fuzz_trace_index.c — libFuzzer target for the index.json reader of trace
 * directories (src/formats/trace_index.c), which the opener and the C
 * tracer share.
 *
 * Any bytes go to parity__trace_index_parse with the default nesting
 * bound. A refusal must carry a non-empty one-line message; an accepted
 * index is walked so every string it hands back is read (ASan flags one
 * that is not NUL-terminated inside its allocation). The same bytes then
 * go through parity__json_names, the reader of "parity.order" lists, and
 * (up to a NUL) through parity__json_dataflow as "parity.parents" and as
 * "parity.aliases", the data-flow metadata of single-file traces.
 * Seeds: fuzz/corpus/trace_index/ (tools/gen_trace_index_seeds.py);
 * dictionary: fuzz/trace_index.dict.
 */
#include "formats/trace_index.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t touch(char **v, size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += strlen(v[i]);
    return total;
}

static void check_message(parity_status st, const parity_error *err) {
    if (st != PARITY_OK && (err->msg[0] == '\0' || strchr(err->msg, '\n')))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    parity__trace_index ix;
    parity_error err;
    memset(&err, 0, sizeof err);
    parity_status st = parity__trace_index_parse("fuzz/index.json", (const char *)data,
                                                 size, 64, &ix, &err);
    check_message(st, &err);
    if (st == PARITY_OK) {
        volatile size_t n = touch(ix.order, ix.n_order) + touch(ix.inputs, ix.n_inputs) +
                            touch(ix.file_stage, ix.n_files) + touch(ix.file_name, ix.n_files) +
                            touch(ix.meta_key, ix.n_meta) + touch(ix.meta_value, ix.n_meta) +
                            touch(ix.parent_list, ix.n_parents) +
                            touch(ix.alias_target, ix.n_aliases);
        (void)n;
        parity__trace_index_free(&ix);
    }
    char **names = NULL;
    size_t n_names = 0;
    memset(&err, 0, sizeof err);
    st = parity__json_names("fuzz.safetensors", "parity.order", (const char *)data, size,
                            &names, &n_names, &err);
    check_message(st, &err);
    if (st == PARITY_OK) parity__names_free(names, n_names);
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (int as_aliases = 0; as_aliases < 2; as_aliases++) {
        memset(&err, 0, sizeof err);
        st = parity__json_dataflow("fuzz.safetensors", as_aliases ? NULL : text,
                                   as_aliases ? text : NULL, &ix, &err);
        check_message(st, &err);
        if (st != PARITY_OK) continue;
        volatile size_t n = touch(ix.parent_stage, ix.n_parents) +
                            touch(ix.parent_list, ix.n_parents) +
                            touch(ix.alias_name, ix.n_aliases) +
                            touch(ix.alias_target, ix.n_aliases);
        (void)n;
        parity__trace_index_free(&ix);
    }
    free(text);
    return 0;
}
