/*
 * sides.c — open the sides a verb compares (REF and PORT, and report's
 * REFW and PORTW) and warn about the --map rules that rename nothing, so
 * every verb that takes --map warns the same way.
 */
#include "options.h"

#include <stdlib.h>

/* The lines of the rules that matched no name of a PORT set. */
typedef struct map_misses {
    size_t *lines;
    size_t n, cap;
} map_misses;

/* parity_map_check callback: remember the rule (out of memory: forget it,
 * which only drops its warning). */
static void note_miss(void *ctx, const char *file, size_t line, const char *regex) {
    map_misses *m = ctx;
    (void)file, (void)regex;
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        size_t *p = realloc(m->lines, cap * sizeof *p);
        if (!p) return;
        m->lines = p, m->cap = cap;
    }
    m->lines[m->n++] = line;
}

/* parity_map_check callback: one warning line, unless ctx (the rules that
 * missed the other PORT set) shows the rule renamed a name there. */
static void warn_miss(void *ctx, const char *file, size_t line, const char *regex) {
    const map_misses *other = ctx;
    size_t i = 0;
    while (other && i < other->n && other->lines[i] != line) i++;
    if (other && i == other->n) return;
    cli_progress_clear();
    fprintf(stderr, "parity: --map %s:%zu: rule '%s' matched no PORT name\n", file, line,
            regex);
}

/* Warn about each rule that matches no name of port nor of port2 (NULL:
 * none). A map file that does not load is reported by the matching. */
static void warn_map(const cli_opts *o, const parity_set *port, const parity_set *port2) {
    parity_error err = {0};
    map_misses m = {NULL, 0, 0};
    if (!o->match.map_file || !port) return;
    if (!port2 || parity_map_check(o->match.map_file, port2, note_miss, &m, &err) == PARITY_OK)
        parity_map_check(o->match.map_file, port, warn_miss, port2 ? &m : NULL, &err);
    free(m.lines);
}

parity_status cli_open_set(const char *path, parity_set **out, parity_error *err) {
    parity_open_opts oo = parity_open_opts_default();
    oo.progress = cli_progress_hook();
    cli_progress_phase("reading %s", path);
    return parity_set_open(path, &oo, out, err);
}

int cli_open_sides(const cli_opts *o, const char *const *paths, int n, parity_set **sets) {
    for (int i = 0; i < n; i++) sets[i] = NULL;
    for (int i = 0; i < n; i++) {
        parity_error err = {0};
        parity_status st = paths[i] ? cli_open_set(paths[i], &sets[i], &err) : PARITY_OK;
        if (st != PARITY_OK) return cli_fail_err(&err, paths[i], st);
    }
    cli_progress_phase("%s", "");
    warn_map(o, n > 1 ? sets[1] : NULL, n > 3 ? sets[3] : NULL);
    return 0;
}
