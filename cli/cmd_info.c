/*
 * cmd_info.c — parity info FILE...: every tensor of every file or directory
 * with its dtype, shape and statistics, the order source and the metadata.
 * Exit 0, or 2 on bad input.
 */
#include "options.h"


static int info_one(parity_report *r, const cli_opts *o, const char *path) {
    parity_error err = {0};
    parity_set *set = NULL;
    parity_status st = parity_set_open(path, NULL, &set, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, path, st);
    int rc = cli_emit(parity_report_info_begin(r, set));
    for (size_t i = 0; rc == 0 && i < parity_set_count(set); i++) {
        const parity_tensor *t = parity_set_tensor(set, i);
        parity_stats s;
        if (!cli_selected(o, t->name)) continue;
        st = parity_stats_tensor(t, &s, &err);
        if (st != PARITY_OK) rc = cli_fail_err(&err, path, st);
        else rc = cli_emit(parity_report_info_tensor(r, t, &s));
    }
    parity_set_free(set);
    return rc;
}

int cmd_info(const cli_verb *v, int argc, char **argv) {
    cli_opts o;
    if (cli_parse(v, argc, argv, &o)) return 2;
    if (o.help) return cli_verb_help(v);
    parity_report *r = parity_report_new(&o.report);
    if (!r) return cli_fail("out of memory");
    int rc = 0;
    for (int i = 0; rc == 0 && i < o.n_pos; i++) rc = info_one(r, &o, o.pos[i]);
    if (rc == 0) rc = cli_emit(parity_report_info_end(r));
    parity_report_free(r);
    fflush(stdout);
    return rc;
}
