/*
 * cmd_report.c — parity report REF PORT -o F.html [--weights REFW PORTW]:
 * walk two traces (as parity trace does) and write one self-contained HTML
 * report: summary, stage table, error growth, series, solver schedules,
 * guidance, stage cards with heatmaps and profiles, and the weight
 * comparison when two checkpoints are given; the solver options are
 * trace's. Prints the report's path
 * (-o - writes the report to standard output instead; output.c says
 * which outputs are refused).
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
    int rc = cli_output_write(o, html, n);
    parity_free(html);
    return rc ? rc : parity_walk_differs(w);
}

static int report_sets(const cli_opts *o, parity_set *const *sets) {
    parity_error err = {0};
    parity_walk_opts wo = cli_walk_opts(o);
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
    if (cli_output_prepare(v, &o)) return 2;
    const char *paths[4] = {o.pos[0], o.pos[1], o.weights[0], o.weights[1]};
    int rc = cli_open_sides(&o, paths, 4, sets);
    if (rc == 0) rc = cli_output_not_input(v, &o, sets, 4);
    if (rc == 0) rc = report_sets(&o, sets);
    rc = cli_close_sides(sets, 4, rc);
    return cli_flush(rc);
}
