/*
 * cmd_plot.c — parity plot REF PORT -t NAME -o F.png [--slice SPEC]
 * [--axis K]: one PNG with the ref, port and diff heatmaps of a 2-D slice
 * of tensor NAME (after the same pairing and layout alignment as parity
 * diff), colour bars and mean_diff profiles along the --axis axes (default:
 * the slice's two axes). The picture's geometry is in docs/pictures.md.
 * Exit 0 when the tensor is MATCH, 1 when it differs, 2 on trouble.
 *
 * -t/--tensor, -o/--output and --slice are plot's own: they are taken out
 * of argv here before the shared parser sees the rest.
 */
#include "options.h"

#include <string.h>

typedef struct plot_args {
    const char *tensor, *output, *slice;
} plot_args;

static const char **plot_slot(plot_args *p, const char *a, const char **eq) {
    *eq = NULL;
    if (strcmp(a, "-t") == 0) return &p->tensor;
    if (strcmp(a, "-o") == 0) return &p->output;
    if (strncmp(a, "--", 2) != 0) return NULL;
    *eq = strchr(a, '=');
    size_t n = *eq ? (size_t)(*eq - a) : strlen(a);
    if (n == 8 && strncmp(a, "--tensor", n) == 0) return &p->tensor;
    if (n == 8 && strncmp(a, "--output", n) == 0) return &p->output;
    if (n == 7 && strncmp(a, "--slice", n) == 0) return &p->slice;
    *eq = NULL;
    return NULL;
}

/* Move plot's own options into p; the rest (argv[0] included) go to rest. */
static int take_plot_args(int argc, char **argv, plot_args *p, char **rest, int *n_rest) {
    int only_pos = 0;
    *n_rest = 0;
    for (int i = 0; i < argc; i++) {
        const char *eq = NULL;
        const char **slot = i > 0 && !only_pos ? plot_slot(p, argv[i], &eq) : NULL;
        if (i > 0 && strcmp(argv[i], "--") == 0) only_pos = 1;
        if (!slot) {
            rest[(*n_rest)++] = argv[i];
            continue;
        }
        const char *opt = argv[i];
        if (!eq && i + 1 >= argc) return cli_fail("plot: option '%s' needs a value", opt);
        *slot = eq ? eq + 1 : argv[++i];
        if (!**slot) return cli_fail("plot: option '%s' needs a non-empty value", opt);
    }
    return 0;
}

static int plot_help(void) {
    cli_verb_help("plot");
    fputs("\nplot options:\n"
          "  -t, --tensor NAME   the tensor to draw (may be omitted when only one pairs)\n"
          "  -o, --output F.png  where to write the picture (required)\n"
          "  --slice SPEC        e.g. 0,:,: (one entry per axis, two ':'); default: the\n"
          "                      last two axes, every other axis at index 0\n"
          "  --axis K            mean_diff profile along axis K (repeatable, up to 4)\n",
          stdout);
    return 0;
}

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

static int plot_pair(const cli_opts *o, const plot_args *pa, const parity_pair *p) {
    parity_error err = {0};
    parity_plot_opts po = parity_plot_opts_default();
    po.slice = pa->slice;
    po.n_axes = o->diff.n_axes;
    memcpy(po.axes, o->diff.axes, sizeof po.axes);
    po.labels[0] = o->report.labels[0], po.labels[1] = o->report.labels[1];
    if (!p->layout_ok)
        return cli_fail("plot: '%s': the shapes cannot be brought to one layout", p->ref->name);
    parity_image img = {0};
    parity_status st = parity_plot(&p->ref_view, &p->port_view, &po, &img, &err);
    if (st == PARITY_OK) st = parity_png_write(pa->output, &img, &err);
    parity_image_free(&img);
    if (st != PARITY_OK) return cli_fail_err(&err, pa->output, st);
    parity_diff d = {0};
    parity_diff_opts dopts = o->diff;
    dopts.n_axes = 0;
    st = parity_diff_tensors(&p->ref_view, &p->port_view, &dopts, &d, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, p->ref->name, st);
    printf("%s\n", pa->output);
    parity_diff_clear(&d);
    return d.verdict != PARITY_MATCH;
}

static int plot_sets(const cli_opts *o, const plot_args *pa, const parity_set *ref,
                     const parity_set *port) {
    parity_error err = {0};
    parity_match *m = NULL;
    parity_status st = parity_match_sets(ref, port, &o->match, &m, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    const parity_pair *p = find_pair(m, pa->tensor);
    int rc;
    if (p) rc = plot_pair(o, pa, p);
    else if (pa->tensor) rc = cli_fail("plot: no tensor '%s' in both %s and %s", pa->tensor, o->pos[0], o->pos[1]);
    else rc = cli_fail("plot: %zu tensors pair up: choose one with -t NAME", parity_match_count(m));
    parity_match_free(m);
    return rc;
}

int cmd_plot(int argc, char **argv) {
    char *rest[2 * CLI_MAX_POS + 64];
    int n_rest = 0;
    plot_args pa = {0};
    cli_opts o;
    if (argc > (int)(sizeof rest / sizeof *rest)) return cli_fail("plot: too many arguments");
    if (take_plot_args(argc, argv, &pa, rest, &n_rest)) return 2;
    if (cli_parse(n_rest, rest, "plot", 2, 2, &o)) return 2;
    if (o.help) return plot_help();
    if (!pa.output) return cli_fail("plot: missing -o F.png (see parity plot --help)");
    parity_error err = {0};
    parity_set *ref = NULL, *port = NULL;
    parity_status st = parity_set_open(o.pos[0], NULL, &ref, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o.pos[0], st);
    st = parity_set_open(o.pos[1], NULL, &port, &err);
    int rc = st != PARITY_OK ? cli_fail_err(&err, o.pos[1], st) : plot_sets(&o, &pa, ref, port);
    parity_set_free(ref);
    parity_set_free(port);
    fflush(stdout);
    return rc;
}
