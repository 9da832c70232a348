/*
 * fuzz_merge.c — libFuzzer target for parity merge's reader (analysis/
 * merge.c, merge_read.c, merge_state.c).
 *
 * The input is one file given to parity merge: a complete parity diff
 * --format json report or a part of a run in one part (--slice 0/1). It
 * is written to a temporary file (parity_merge_open reads paths), merged
 * pair by pair and rendered as JSON and as verbose text, so the metrics
 * are finished from whatever state the file claims. Invariant: a one-line
 * error, or a report; never a crash, a leak or a read outside the input.
 * Built as a libFuzzer binary and, with replay_main.c, as a corpus replay.
 */
#include "parity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a file: its path in path[], or 0 when it cannot be made. */
static int write_input(const uint8_t *data, size_t size, char *path, size_t cap) {
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/parity-fuzz-merge-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    size_t at = 0;
    while (at < size) {
        ssize_t k = write(fd, data + at, size - at);
        if (k <= 0) break;
        at += (size_t)k;
    }
    close(fd);
    return at == size;
}

static void fail_if_bad_error(parity_status st, const parity_error *err) {
    if (st != PARITY_OK && (err->msg[0] == '\0' || strchr(err->msg, '\n'))) abort();
}

static void merge_once(const char *path, parity_format format, int verbose) {
    parity_error err;
    memset(&err, 0, sizeof err);
    parity_merge *g = NULL;
    const char *paths[1] = {path};
    parity_status st = parity_merge_open(paths, 1, &g, &err);
    fail_if_bad_error(st, &err);
    if (st != PARITY_OK) return;
    parity_report_opts ro = parity_report_opts_default();
    ro.format = format;
    ro.verbose = verbose;
    ro.diff = *parity_merge_opts(g);
    const parity_match *m = parity_merge_match(g);
    parity_report *r = parity_report_new(&ro);
    if (r) parity_report_diff_begin(r, parity_merge_path(g, 0), parity_merge_path(g, 1), m);
    for (int done = 0; r;) {
        const parity_pair *p = NULL;
        const parity_comparison *c = NULL;
        st = parity_merge_next(g, &p, &c, &done, &err);
        fail_if_bad_error(st, &err);
        if (st != PARITY_OK || done) break;
        int ints = c->kind == PARITY_PAIR_INT || c->kind == PARITY_PAIR_SEQUENCE;
        parity_report_item it = {p, &c->diff, ints ? &c->ints : NULL, c->verdict, c, NULL};
        parity_report_diff_item(r, &it);
    }
    if (r) parity_report_diff_end(r, m);
    parity_report_free(r);
    parity_merge_free(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[4096];
    if (write_input(data, size, path, sizeof path)) {
        merge_once(path, PARITY_FORMAT_JSON, 0);
        merge_once(path, PARITY_FORMAT_TEXT, 1);
    }
    unlink(path);
    return 0;
}
