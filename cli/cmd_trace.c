/*
 * cmd_trace.c — parity trace REF PORT: walk two traces stage by stage (SPEC
 * §5). Inputs first (a differing input is the report's first line), one
 * line per stage in execution order, the first divergence, the culprit,
 * the series and the solver forensics (--state/--velocity: step sizes;
 * --cond/--uncond: guidance weight). Exit 0 when every stage is MATCH,
 * every input is equal and nothing is unpaired; 1 on differences; 2 on
 * trouble.
 *
 * The solver options are trace's own: they are taken out of argv here
 * before the shared parser sees the rest.
 */
#include "options.h"

#include <stdlib.h>
#include <string.h>

/* --state --velocity --cond --uncond --x0 and where they go. */
typedef struct trace_args {
    const char *state, *velocity, *cond, *uncond, *x0;
} trace_args;

static const char **trace_slot(trace_args *t, const char *name, size_t len) {
    static const char *names[] = {"state", "velocity", "cond", "uncond", "x0"};
    const char **slots[] = {&t->state, &t->velocity, &t->cond, &t->uncond, &t->x0};
    for (int i = 0; i < 5; i++)
        if (strlen(names[i]) == len && strncmp(names[i], name, len) == 0) return slots[i];
    return NULL;
}

/* Move trace's own options into t; the rest (argv[0] included) go to
 * rest[0..*n_rest). Returns 0, or 2 after an error line. */
static int take_trace_args(int argc, char **argv, trace_args *t, char **rest,
                           int *n_rest) {
    int only_pos = 0;
    *n_rest = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        const char *eq = NULL;
        if (i > 0 && !only_pos && strncmp(a, "--", 2) == 0 && a[2]) {
            eq = strchr(a + 2, '=');
            slot = trace_slot(t, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
        }
        if (i > 0 && strcmp(a, "--") == 0) only_pos = 1;
        if (!slot) {
            rest[(*n_rest)++] = argv[i];
            continue;
        }
        if (!eq && i + 1 >= argc) return cli_fail("trace: option '%s' needs a value", a);
        *slot = eq ? eq + 1 : argv[++i];
        if (!**slot) return cli_fail("trace: option '%s' needs a non-empty value", a);
    }
    return 0;
}

static void trace_help(void) {
    cli_verb_help("trace");
    fputs("\ntrace options (solver forensics):\n"
          "  --state GLOB        per-step solver states (default *.x)\n"
          "  --velocity GLOB     per-step velocities, guided (default *.dxdt)\n"
          "  --cond GLOB         conditional velocities (default *.v_cond)\n"
          "  --uncond GLOB       unconditional velocities (default *.v_uncond)\n"
          "  --x0 NAME           initial state (default: the first input named *noise*)\n"
          "\n--format is text, json or md here; --axis belongs to parity diff.\n",
          stdout);
}

/* Differences anywhere: a stage not MATCH, an input not equal, a name
 * without a partner. */
static int walk_differs(const parity_walk *w) {
    const parity_match *m = parity_walk_match(w);
    if (parity_walk_first_divergence(w) >= 0) return 1;
    if (parity_walk_inputs_differ(w, NULL) + parity_walk_input_missing(w, NULL)) return 1;
    return parity_match_unpaired_count(m, 0) + parity_match_unpaired_count(m, 1) > 0;
}

static int trace_sets(const cli_opts *o, const trace_args *ta, const parity_set *ref,
                      const parity_set *port) {
    parity_error err = {0};
    parity_walk *w = NULL;
    parity_walk_opts wo = parity_walk_opts_default();
    wo.match = o->match;
    wo.diff = o->diff;
    wo.inputs_glob = o->inputs_glob;
    if (ta->state) wo.state_glob = ta->state;
    if (ta->velocity) wo.velocity_glob = ta->velocity;
    if (ta->cond) wo.cond_glob = ta->cond;
    if (ta->uncond) wo.uncond_glob = ta->uncond;
    if (ta->x0) wo.x0_name = ta->x0;
    parity_status st = parity_walk_run(ref, port, &wo, &w, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o->pos[1], st);
    parity_report *r = parity_report_new(&o->report);
    int rc = r ? cli_emit(parity_report_trace(r, w, ref, port, o->inputs_glob))
               : cli_fail("out of memory");
    if (rc == 0) rc = walk_differs(w);
    parity_report_free(r);
    parity_walk_free(w);
    return rc;
}

static int run_trace(int argc, char **argv, char **rest) {
    cli_opts o;
    trace_args ta = {0};
    int n_rest = 0;
    parity_error err = {0};
    parity_set *ref = NULL, *port = NULL;
    if (take_trace_args(argc, argv, &ta, rest, &n_rest)) return 2;
    if (cli_parse(n_rest, rest, "trace", 2, 2, &o)) return 2;
    if (o.help) return trace_help(), 0;
    if (o.report.format == PARITY_FORMAT_CSV)
        return cli_fail("trace: --format csv: expected text, json or md");
    if (o.diff.n_axes) return cli_fail("trace: --axis is not a trace option (see parity diff)");
    parity_status st = parity_set_open(o.pos[0], NULL, &ref, &err);
    if (st != PARITY_OK) return cli_fail_err(&err, o.pos[0], st);
    st = parity_set_open(o.pos[1], NULL, &port, &err);
    int rc = st != PARITY_OK ? cli_fail_err(&err, o.pos[1], st)
                             : trace_sets(&o, &ta, ref, port);
    parity_set_free(ref);
    parity_set_free(port);
    return rc;
}

int cmd_trace(int argc, char **argv) {
    char **rest = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *rest);
    if (!rest) return cli_fail("out of memory");
    int rc = run_trace(argc, argv, rest);
    free(rest);
    if (fflush(stdout) != 0 && rc != 2) rc = cli_fail("cannot write to standard output");
    return rc;
}
