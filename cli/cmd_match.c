/*
 * cmd_match.c — parity match REF PORT [-o MAP]: how the stages of two
 * traces pair (by name, by --map rule, and for what names leave, by
 * content), each pair by content with its confidence, and the pairs names
 * do not make written as a --map file the user keeps and edits
 * (docs/matching.md). Pairing by content runs whatever names pair unless
 * --pair says otherwise.
 * Exit 0 when every stage of both sides is paired (copies aside) and every
 * proposal was used, 1 otherwise, 2 on trouble.
 */
#include "options.h"

#include <stdio.h>
#include <string.h>

/* Write the map file; 0 or the exit status. */
static int write_map(const cli_opts *o, const parity_match *m) {
    size_t n_rules = 0;
    char *text = parity_match_map_text(m, o->pos[0], o->pos[1], &n_rules);
    if (!text) return cli_fail("out of memory");
    parity_error err = {0};
    parity_status st = parity_write_file(o->output, text, strlen(text), &err);
    parity_free(text);
    if (st != PARITY_OK) return cli_fail_err(&err, o->output, st);
    fprintf(stderr, "parity: match: %zu rule%s written to %s (use: --map %s)\n", n_rules,
            n_rules == 1 ? "" : "s", o->output, o->output);
    return 0;
}

static int match_sets(const cli_opts *o, parity_set *const *sets) {
    parity_error err = {0};
    parity_match *m = NULL;
    parity_status st = parity_match_sets(sets[0], sets[1], &o->match, &m, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    parity_report *r = parity_report_new(&o->report);
    int rc = r ? cli_emit(parity_report_match(r, m, o->pos[0], o->pos[1]))
               : cli_fail("out of memory");
    if (rc == 0 && o->output) rc = write_map(o, m);
    if (rc == 0) {
        parity_coverage c;
        parity_match_coverage(m, &c);
        rc = c.compared == 0 || c.only[0] || c.only[1] || c.not_used;
    }
    parity_report_free(r);
    parity_match_free(m);
    return rc;
}

int cmd_match(const cli_verb *v, int argc, char **argv) {
    cli_opts o;
    parity_set *sets[2];
    if (cli_parse(v, argc, argv, &o)) return 2;
    if (o.help) return cli_verb_help(v);
    int rc = cli_open_sides(&o, o.pos, 2, sets);
    if (rc == 0) rc = match_sets(&o, sets);
    parity_set_free(sets[0]);
    parity_set_free(sets[1]);
    if (fflush(stdout) != 0 && rc != 2) rc = cli_fail("cannot write to standard output");
    return rc;
}
