/*
 * cmd_weights.c — parity weights REF PORT: compare two checkpoints weight
 * by weight (docs/weights.md): names on one side only, layouts (permuted,
 * fused, RoPE rows), dtype conversions and value differences, with a
 * finding for each weight and a summary per layer.
 * Exit 0 when every weight is MATCH and no name is only on one side (tied
 * names accounted), 1 on differences or when nothing was compared, 2 on
 * trouble (and when --only / --skip select no tensor of either side).
 */
#include "options.h"

#include <stdio.h>

static int weights_sets(const cli_opts *o, parity_set *const *sets) {
    parity_error err = {0};
    parity_weights_opts wo = parity_weights_opts_default();
    wo.match = o->match;
    wo.diff = o->diff;
    parity_weights *w = NULL;
    parity_status st = parity_weights_run(sets[0], sets[1], &wo, &w, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    const parity_weights_summary *s = parity_weights_summary_of(w);
    int rc = 0;
    if ((o->match.n_only || o->match.n_skip) && s->total[0] + s->total[1] == 0)
        rc = cli_fail("weights: --only/--skip selected no tensor of %s nor %s", o->pos[0],
                      o->pos[1]);
    parity_report *r = rc ? NULL : parity_report_new(&o->report);
    if (!rc)
        rc = r ? cli_emit(parity_report_weights(r, w, o->pos[0], o->pos[1]))
               : cli_fail("out of memory");
    if (!rc) rc = parity_weights_differs(w);
    parity_report_free(r);
    parity_weights_free(w);
    return rc;
}

int cmd_weights(const cli_verb *v, int argc, char **argv) {
    cli_opts o;
    parity_set *sets[2];
    if (cli_parse(v, argc, argv, &o)) return 2;
    if (o.help) return cli_verb_help(v);
    int rc = cli_open_sides(&o, o.pos, 2, sets);
    if (rc == 0) rc = weights_sets(&o, sets);
    rc = cli_close_sides(sets, 2, rc);
    return cli_flush(rc);
}
