/*
 * cmd_plot.c — parity plot REF PORT -t NAME -o F.png [--slice SPEC]
 * [--axis K]: one PNG with the ref, port and diff heatmaps of a 2-D slice
 * of tensor NAME (after the same pairing and layout alignment as parity
 * diff), colour bars and mean_diff profiles along the --axis axes (default:
 * the slice's two axes). The picture's geometry is in docs/pictures.md.
 * Exit 0 when the tensor is MATCH, 1 when it differs, 2 on trouble.
 */
#include "options.h"

#include <string.h>

/* The pair whose ref (or port) tensor is named name; NULL name: the only pair. */
static const parity_pair *find_pair(const parity_match *m, const char *name) {
    size_t n = parity_match_count(m);
    if (!name) return n == 1 ? parity_match_pair(m, 0) : NULL;
    for (size_t i = 0; i < n; i++) {
        const parity_pair *p = parity_match_pair(m, i);
        if (strcmp(p->ref->name, name) == 0 || strcmp(p->port->name, name) == 0) return p;
    }
    return NULL;
}

static int plot_pair(const cli_opts *o, const parity_pair *p) {
    parity_error err = {0};
    parity_plot_opts po = parity_plot_opts_default();
    po.slice = o->slice;
    po.n_axes = o->diff.n_axes;
    memcpy(po.axes, o->diff.axes, sizeof po.axes);
    po.labels[0] = o->report.labels[0], po.labels[1] = o->report.labels[1];
    if (!p->layout_ok)
        return cli_fail("plot: '%s': the shapes cannot be brought to one layout", p->ref->name);
    parity_image img = {0};
    unsigned char *png = NULL;
    size_t n = 0;
    parity_status st = parity_plot(&p->ref_view, &p->port_view, &po, &img, &err);
    if (st == PARITY_OK) st = parity_png_encode(&img, &png, &n, &err);
    parity_image_free(&img);
    if (st != PARITY_OK) return cli_fail_err(&err, o->output, st);
    int rc = cli_output_write(o, png, n);
    parity_free(png);
    if (rc) return rc;
    parity_diff d = {0};
    parity_diff_opts dopts = o->diff;
    dopts.n_axes = 0;
    st = parity_diff_tensors(&p->ref_view, &p->port_view, &dopts, &d, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, p->ref->name, st);
    parity_diff_clear(&d);
    return d.verdict != PARITY_MATCH;
}

static int plot_sets(const cli_opts *o, const parity_set *ref, const parity_set *port) {
    parity_error err = {0};
    parity_match *m = NULL;
    parity_status st = parity_match_sets(ref, port, &o->match, &m, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    const char *name = o->n_tensors ? o->tensors[0] : NULL;
    const parity_pair *p = find_pair(m, name);
    int rc;
    if (p) rc = plot_pair(o, p);
    else if (name) {
        char why[512];
        cli_name_unpaired(m, name, o->report.labels, why, sizeof why);
        rc = cli_fail("plot: no tensor '%s' in both %s and %s%s%s", name, o->pos[0], o->pos[1],
                      why[0] ? ": " : "", why);
    }
    else rc = cli_fail("plot: %zu tensors pair up: choose one with -t NAME", parity_match_count(m));
    parity_match_free(m);
    return rc;
}

int cmd_plot(const cli_verb *v, int argc, char **argv) {
    cli_opts o;
    parity_set *sides[2];
    if (cli_parse(v, argc, argv, &o)) return 2;
    if (o.help) return cli_verb_help(v);
    if (!o.output) return cli_fail("plot: missing -o F.png (see parity plot --help)");
    if (cli_output_prepare(v, &o)) return 2;
    int rc = cli_open_sides(&o, o.pos, 2, sides);
    if (rc == 0) rc = cli_output_not_input(v, &o, sides, 2);
    if (rc == 0) rc = plot_sets(&o, sides[0], sides[1]);
    rc = cli_close_sides(sides, 2, rc);
    return cli_flush(rc);
}
