/*
 * main.c — the parity command: dispatch to one verb per file.
 *
 * Adding a verb is one line in PARITY_VERBS below plus cli/cmd_<verb>.c
 * defining int cmd_<verb>(int argc, char **argv) (argv[0] is the verb).
 */
#include "options.h"

#include <string.h>

/* X(name, synopsis, summary) */
#define PARITY_VERBS(X)                                                           \
    X(info, "FILE...", "tensors: name, dtype, shape, min, max, mean, std, NaN/Inf")  \
    X(diff, "REF PORT [options]", "every matched tensor: statistics, metrics, verdict") \
    X(trace, "REF PORT [options]", "ordered walk: table, first divergence, culprit, series") \
    X(plot, "REF PORT -t NAME -o F.png", "heatmaps of ref, port and diff, with per-axis profiles") \
    X(report, "REF PORT -o F.html", "one self-contained HTML report of all of the above") \
    X(explain, "REF PORT [-t NAME]", "the transformation that maps ref to port, ranked") \
    X(same, "A B [options]", "bitwise reproducibility of two runs of one side")

#define DECLARE_VERB(name, syn, sum) int cmd_##name(int argc, char **argv);
PARITY_VERBS(DECLARE_VERB)

#define VERB_ENTRY(name, syn, sum) {#name, syn, sum, cmd_##name},
static const cli_verb verbs[] = {PARITY_VERBS(VERB_ENTRY)};
#define N_VERBS (sizeof verbs / sizeof *verbs)

static void usage(FILE *out) {
    fputs("usage: parity VERB [options] FILE...\n\n"
          "parity finds where, and why, a port of a neural network stops\n"
          "matching its reference.\n\nverbs:\n", out);
    for (size_t i = 0; i < N_VERBS; i++)
        fprintf(out, "  parity %s %-20s %s\n", verbs[i].name, verbs[i].synopsis,
                verbs[i].summary);
    fputs("\n'parity VERB --help' lists the options; 'parity --version' the version.\n"
          "exit status: 0 all MATCH and nothing unmatched, 1 differences, 2 trouble\n",
          out);
}

static const cli_verb *find_verb(const char *name) {
    for (size_t i = 0; i < N_VERBS; i++)
        if (strcmp(verbs[i].name, name) == 0) return &verbs[i];
    return NULL;
}

int cli_verb_help(const char *verb) {
    const cli_verb *v = find_verb(verb);
    if (v) cli_print_verb_help(stdout, v->name, v->synopsis, v->summary);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) return cli_fail("missing verb (see parity --help)");
    const char *a = argv[1];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
        printf("parity %s\n", PARITY_VERSION);
        return 0;
    }
    const cli_verb *v = find_verb(a);
    if (!v) return cli_fail("unknown verb '%s' (see parity --help)", a);
    return v->run(argc - 1, argv + 1);
}
