/*
 * cmd_info.c — parity info FILE...: every tensor of every file or directory
 * with its dtype, shape and statistics, the order source and the metadata.
 * Every file is opened first, so --only/--skip globs that select nothing
 * in any of them are refused before anything is printed. Exit 0, or 2 on
 * bad input or usage.
 */
#include "options.h"

static int info_one(parity_report *r, const cli_opts *o, const parity_set *set) {
    parity_error err = {0};
    int rc = cli_emit(parity_report_info_begin(r, set));
    cli_progress_phase("%s", parity_set_path(set));
    for (size_t i = 0; rc == 0 && i < parity_set_count(set); i++) {
        const parity_tensor *t = parity_set_tensor(set, i);
        parity_stats s;
        cli_progress_count("tensors", i, parity_set_count(set));
        if (!cli_selected(o, t->name)) continue;
        parity_status st = parity_stats_tensor(t, &s, &err);
        if (st != PARITY_OK) rc = cli_fail_err(&err, parity_set_path(set), st);
        else rc = cli_emit(parity_report_info_tensor(r, t, &s));
    }
    return rc;
}

static int info_all(const cli_opts *o, parity_set **sets) {
    parity_error err = {0};
    for (int i = 0; i < o->n_pos; i++) {
        parity_status st = cli_open_set(o->pos[i], &sets[i], &err);
        if (st != PARITY_OK) return cli_fail_err(&err, o->pos[i], st);
    }
    parity_status st = parity_match_check_globs(&o->match, (const parity_set *const *)sets,
                                                (size_t)o->n_pos, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[0], st);
    parity_report *r = parity_report_new(&o->report);
    if (!r) return cli_fail("out of memory");
    int rc = 0;
    for (int i = 0; rc == 0 && i < o->n_pos; i++) rc = info_one(r, o, sets[i]);
    if (rc == 0) rc = cli_emit(parity_report_info_end(r));
    parity_report_free(r);
    return rc;
}

int cmd_info(const cli_verb *v, int argc, char **argv) {
    cli_opts o;
    if (cli_parse(v, argc, argv, &o)) return 2;
    if (o.help) return cli_verb_help(v);
    parity_set *sets[CLI_MAX_POS] = {0};
    int rc = info_all(&o, sets);
    for (int i = 0; i < o.n_pos; i++) parity_set_free(sets[i]);
    fflush(stdout);
    return rc;
}
