/*
 * cmd_trace.c — parity trace REF PORT: walk two traces stage by stage (SPEC
 * §5). Inputs first (a differing input is the report's first line), one
 * line per stage in execution order, the first divergence, the culprit,
 * the series and the solver forensics (--state/--velocity: step sizes;
 * --cond/--uncond: guidance weight). Exit 0 when every stage is MATCH,
 * every input is equal and nothing is unpaired; 1 on differences; 2 on
 * trouble.
 */
#include "options.h"

static int trace_sets(const cli_opts *o, const parity_set *ref, const parity_set *port) {
    parity_error err = {0};
    parity_walk *w = NULL;
    parity_walk_opts wo = cli_walk_opts(o);
    parity_status st = parity_walk_run(ref, port, &wo, &w, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    parity_report *r = parity_report_new(&o->report);
    int rc = r ? cli_emit(parity_report_trace(r, w, ref, port, o->inputs_glob))
               : cli_fail("out of memory");
    if (rc == 0) rc = parity_walk_differs(w);
    parity_report_free(r);
    parity_walk_free(w);
    return rc;
}

int cmd_trace(const cli_verb *v, int argc, char **argv) {
    cli_opts o;
    parity_set *sides[2];
    if (cli_parse(v, argc, argv, &o)) return 2;
    if (o.help) return cli_verb_help(v);
    int rc = cli_open_sides(&o, o.pos, 2, sides);
    if (rc == 0) rc = trace_sets(&o, sides[0], sides[1]);
    rc = cli_close_sides(sides, 2, rc);
    return cli_flush(rc);
}
