/*
 * cmd_merge.c — parity merge PART...: the JSON of the parts of one parity
 * diff run (parity diff --slice K/N, one per machine of a job array) read
 * back and printed as the report the single run prints, byte for byte, in
 * any format (docs/scale-out.md); or one complete parity diff --format
 * json report printed again, in another format.
 * Exit 0 when every pair is MATCH and nothing is unpaired, 1 on
 * differences, 2 on trouble (a part unreadable, missing, given twice, or
 * of another run).
 */
#include "options.h"

#include <string.h>

int cmd_merge(const cli_verb *v, int argc, char **argv) {
    cli_opts o;
    parity_error err = {0};
    parity_merge *g = NULL;
    if (cli_parse(v, argc, argv, &o)) return 2;
    if (o.help) return cli_verb_help(v);
    parity_status st = parity_merge_open(o.pos, (size_t)o.n_pos, &g, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o.pos[0], st);
    parity_report_opts ro = o.report;
    ro.diff = *parity_merge_opts(g);
    if (!cli_option_given(&o, "labels")) { /* the run's */
        ro.labels[0] = parity_merge_label(g, 0);
        ro.labels[1] = parity_merge_label(g, 1);
    }
    const parity_match *m = parity_merge_match(g);
    parity_report *r = parity_report_new(&ro);
    int rc = r ? cli_emit(parity_report_diff_begin(r, parity_merge_path(g, 0),
                                                   parity_merge_path(g, 1), m))
               : cli_fail("out of memory");
    int differ = parity_match_unpaired_count(m, 0) + parity_match_unpaired_count(m, 1) > 0;
    for (int done = 0; rc == 0;) {
        const parity_pair *p = NULL;
        const parity_comparison *c = NULL;
        if ((st = parity_merge_next(g, &p, &c, &done, &err)) != PARITY_OK) {
            rc = cli_fail_err(&err, o.pos[0], st);
            break;
        }
        if (done) break;
        int ints = c->kind == PARITY_PAIR_INT || c->kind == PARITY_PAIR_SEQUENCE;
        parity_report_item it = {p, &c->diff, ints ? &c->ints : NULL, c->verdict, c, NULL};
        rc = cli_emit(parity_report_diff_item(r, &it));
        differ |= c->verdict != PARITY_MATCH;
    }
    if (rc == 0) rc = cli_emit(parity_report_diff_end(r, m));
    parity_report_free(r);
    parity_merge_free(g);
    fflush(stdout);
    return rc ? rc : differ;
}
