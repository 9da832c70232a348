/*
 * verbs.c — the verbs of the parity command, one row each: name, the bit
 * option rows use (options.c), entry point (cli/cmd_<verb>.c), positional
 * arguments, and what --help says. Adding a verb: its index and bit in
 * options.h, a row here, its cmd_<verb>.c, and its bit in the rows of the
 * options it takes (docs/contributing.md).
 */
#include "options.h"

#include <string.h>

int cmd_info(const cli_verb *v, int argc, char **argv);
int cmd_diff(const cli_verb *v, int argc, char **argv);
int cmd_trace(const cli_verb *v, int argc, char **argv);
int cmd_plot(const cli_verb *v, int argc, char **argv);
int cmd_report(const cli_verb *v, int argc, char **argv);
int cmd_explain(const cli_verb *v, int argc, char **argv);
int cmd_same(const cli_verb *v, int argc, char **argv);
int cmd_weights(const cli_verb *v, int argc, char **argv);
int cmd_match(const cli_verb *v, int argc, char **argv);
int cmd_merge(const cli_verb *v, int argc, char **argv);

/* name, bit, entry, positional arguments (min, max; -1: no limit),
 * synopsis, summary, about (NULL: the summary), exits */
static const cli_verb verbs[] = {
    {"info", CLI_INFO, cmd_info, 1, -1, "FILE...",
     "tensors: name, dtype, shape, min, max, mean, std, NaN/Inf", NULL,
     "0 every file read, 2 trouble (bad input, bad usage)"},
    {"diff", CLI_DIFF, cmd_diff, 2, 2, "REF PORT [options]",
     "every matched tensor: statistics, metrics, verdict", NULL,
     "0 every compared tensor MATCH and nothing unpaired,\n"
     "1 differences (a SMALL or LARGE DIFF, a name only on one side, nothing\n"
     "compared), 2 trouble"},
    {"trace", CLI_TRACE, cmd_trace, 2, 2, "REF PORT [options]",
     "ordered walk: table, first divergence, culprit, series", NULL,
     "0 every stage MATCH, every input equal and nothing\n"
     "unpaired, 1 differences (or nothing compared), 2 trouble"},
    {"explain", CLI_EXPLAIN, cmd_explain, 2, 2, "REF PORT [-t NAME]",
     "the transformation that maps ref to port, ranked", NULL,
     "0 nothing to explain (each -t tensor, or every stage of\n"
     "the walk, MATCH), 1 a tensor differs, 2 trouble"},
    {"weights", CLI_WEIGHTS, cmd_weights, 2, 2, "REF PORT [options]",
     "checkpoints: only-in-one, shape/layout, value differences",
     "checkpoints weight by weight: names only on one side (tied names\n"
     "accounted), layouts (permuted, fused qkv / gate_up parts, RoPE rows per\n"
     "head), dtype conversions (rounded, overflow, quantized) and value\n"
     "differences, with a finding per weight and a line per layer.",
     "0 every weight MATCH and no name only on one side,\n"
     "1 differences (a SMALL or LARGE DIFF, a name only on one side, nothing\n"
     "compared), 2 trouble"},
    {"plot", CLI_PLOT, cmd_plot, 2, 2, "REF PORT -t NAME -o F.png",
     "heatmaps of ref, port and diff, with per-axis profiles", NULL,
     "0 picture written and the tensor MATCH, 1 picture\n"
     "written and the tensor differs, 2 trouble"},
    {"report", CLI_REPORT, cmd_report, 2, 2, "REF PORT -o F.html",
     "one self-contained HTML report of all of the above", NULL,
     "0 report written, every stage MATCH, every input equal\n"
     "and nothing unpaired, 1 report written and differences (or nothing\n"
     "compared), 2 trouble (no report)"},
    {"match", CLI_MATCH, cmd_match, 2, 2, "REF PORT [-o MAP]",
     "how the stages pair: by name, by map, by content",
     "how the stages of two traces pair: by name, by --map rule, and for\n"
     "what names leave, by content (an order-preserving alignment of what\n"
     "the stages hold, each pair with its confidence). -o writes the pairs\n"
     "names do not make as a --map file to keep and edit.",
     "0 every stage of both sides paired, 1 a stage unpaired or a proposal\n"
     "not used, 2 trouble"},
    {"same", CLI_SAME, cmd_same, 2, 2, "A B [options]",
     "bitwise reproducibility of two runs of one side",
     "bitwise reproducibility of two runs of one side: tensors pair by exact\n"
     "name; each pair is identical, or its first differing element and the\n"
     "count of differing elements and bits is shown.",
     "0 every tensor bit-identical and every name paired,\n"
     "1 a tensor differs (bits, dtype or shape), a name is only on one side,\n"
     "or nothing was compared,\n"
     "2 trouble (usage, unreadable file)"},
    {"merge", CLI_MERGE, cmd_merge, 1, -1, "PART... [options]",
     "combine the parts of a diff run (--slice K/N) into its report",
     "combine the JSON of the parts of one parity diff run, each written by\n"
     "parity diff REF PORT --slice K/N (K = 0 .. N-1, e.g. one per task of a\n"
     "Slurm job array), into the report the single run prints, byte for byte,\n"
     "in any format; or print one complete parity diff --format json report\n"
     "again, in another format. Every part must be there once, from the same\n"
     "inputs, options and parity version (docs/scale-out.md).",
     "0 every compared tensor MATCH and nothing unpaired,\n"
     "1 differences, 2 trouble (a part unreadable, missing, given twice or of\n"
     "another run)"},
};
#define N_VERBS (sizeof verbs / sizeof *verbs)

const cli_verb *cli_find_verb(const char *name) {
    for (size_t i = 0; i < N_VERBS; i++)
        if (strcmp(verbs[i].name, name) == 0) return &verbs[i];
    return NULL;
}

void cli_usage(FILE *out) {
    fputs("usage: parity VERB [options] FILE...\n\n"
          "parity finds where, and why, a port of a neural network stops\n"
          "matching its reference.\n\nverbs:\n", out);
    for (size_t i = 0; i < N_VERBS; i++)
        fprintf(out, "  parity %s %s\n      %s\n", verbs[i].name, verbs[i].synopsis,
                verbs[i].summary);
    fputs("\n'parity VERB --help' lists the options; 'parity --version' the version.\n"
          "exit status: 0 all MATCH and nothing unmatched, 1 differences, 2 trouble\n",
          out);
}

const cli_verb *cli_verbs(size_t *n) {
    *n = N_VERBS;
    return verbs;
}
