/*
 * cmd_same.c — parity same A B: are two runs of one side bitwise identical?
 * Tensors pair by exact name and are compared on their stored bits
 * (parity_same_run); the report is parity_report_same's. Exit 0 when every
 * tensor is identical and none is unpaired.
 *
 * same compares bits, not values: tolerances, domains, axes and name
 * mapping do not apply, so the option table (options.c) gives same only
 * --labels, --only, --skip, --format text|json and -q.
 */
#include "options.h"

static int same_sets(const cli_opts *o, const parity_set *a, const parity_set *b) {
    parity_error err = {0};
    parity_same *s = NULL;
    parity_status st = parity_same_run(a, b, &o->match, &s, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    parity_report *r = parity_report_new(&o->report);
    int rc = r ? cli_emit(parity_report_same(r, s, o->pos[0], o->pos[1]))
               : cli_fail("out of memory");
    if (rc == 0) rc = parity_same_differs(s);
    parity_report_free(r);
    parity_same_free(s);
    return rc;
}

int cmd_same(const cli_verb *v, int argc, char **argv) {
    cli_opts o;
    parity_set *sides[2];
    if (cli_parse(v, argc, argv, &o)) return 2;
    if (o.help) return cli_verb_help(v);
    int rc = cli_open_sides(&o, o.pos, 2, sides);
    if (rc == 0) rc = same_sets(&o, sides[0], sides[1]);
    rc = cli_close_sides(sides, 2, rc);
    return cli_flush(rc);
}
