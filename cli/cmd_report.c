/*
 * cmd_report.c — parity report REF PORT -o F.html [--weights REFW PORTW]:
 * walk two traces (as parity trace does) and write one self-contained HTML
 * report: summary, stage table, error growth, series, solver schedules,
 * guidance, stage cards with heatmaps and profiles, and the weight
 * comparison when two checkpoints are given. Prints the report's path.
 * Exit 0 when every stage is MATCH, every input equal and nothing
 * unpaired; 1 on differences; 2 on trouble (no report is written).
 */
#include "options.h"

#include <stdio.h>
#include <string.h>

static int report_walk(const cli_opts *o, const parity_walk *w, parity_set *const *wsets) {
    parity_error err = {0};
    parity_html_opts ho = parity_html_opts_default();
    ho.ref_path = o->pos[0], ho.port_path = o->pos[1];
    ho.labels[0] = o->report.labels[0], ho.labels[1] = o->report.labels[1];
    ho.domain = o->diff.domain;
    ho.weights[0] = wsets[0], ho.weights[1] = wsets[1];
    ho.weights_match = o->match;
    ho.weights_match.n_only = ho.weights_match.n_skip = 0;
    ho.weights_diff = o->diff;
    ho.progress = o->diff.progress;
    char *html = NULL;
    size_t n = 0;
    cli_progress_phase("writing %s", o->output);
    parity_status st = parity_html_report(w, &ho, &html, &n, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->output, st);
    st = parity_write_file(o->output, html, n, &err);
    parity_free(html);
    if (st != PARITY_OK) return cli_fail_err(&err, o->output, st);
    cli_progress_before_stdout();
    printf("%s\n", o->output);
    return parity_walk_differs(w);
}

static int report_sets(const cli_opts *o, parity_set *const *sets) {
    parity_error err = {0};
    parity_walk_opts wo = parity_walk_opts_default();
    wo.match = o->match;
    wo.diff = o->diff;
    wo.inputs_glob = o->inputs_glob;
    parity_walk *w = NULL;
    parity_status st = parity_walk_run(sets[0], sets[1], &wo, &w, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    int rc = report_walk(o, w, sets + 2);
    parity_walk_free(w);
    return rc;
}

int cmd_report(const cli_verb *v, int argc, char **argv) {
    cli_opts o;
    parity_set *sets[4];
    if (cli_parse(v, argc, argv, &o)) return 2;
    if (o.help) return cli_verb_help(v);
    if (!o.output) return cli_fail("report: missing -o F.html (see parity report --help)");
    const char *paths[4] = {o.pos[0], o.pos[1], o.weights[0], o.weights[1]};
    int rc = cli_open_sides(&o, paths, 4, sets);
    if (rc == 0) rc = report_sets(&o, sets);
    for (int i = 0; i < 4; i++) parity_set_free(sets[i]);
    fflush(stdout);
    return rc;
}
