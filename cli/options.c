/*
 * options.c — the option table of every verb, its parser and the help
 * printed from it (docs/cli.md). A row is one option as some verbs take it:
 * which verbs, its value, its line in their help. An option in no row of
 * the verb is refused, so a verb never silently ignores what it was asked.
 * Both "--opt value" and "--opt=value"; "--" ends the options; bad usage
 * prints one "parity: ..." line on stderr and gives exit status 2.
 */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes of s on f, control characters as \n, \t, \r or \xHH and C1
 * characters (U+0080..U+009F) as \u00HH, the library's escapes. */
static void put_escaped(FILE *f, const char *s) {
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p == '\r')
            fputs("\\r", f);
        else if (*p < 0x20 || *p == 0x7F)
            fprintf(f, "\\x%c%c", hex[*p >> 4], hex[*p & 15]);
        else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            fprintf(f, "\\u00%02x", *++p);
        else
            fputc(*p, f);
    }
}

void cli_put_line(FILE *f, const char *s) {
    put_escaped(f, s);
    fputc('\n', f);
}

static void vwarn(const char *fmt, va_list ap) {
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg) vsnprintf(msg, (size_t)n + 1, fmt, again);
    va_end(again);
    cli_progress_clear(); /* a message never lands inside the progress line */
    fputs("parity: ", stderr);
    cli_put_line(stderr, msg ? msg : "out of memory writing a message");
    free(msg);
}

int cli_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
    return 2;
}

void cli_warn(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
}

int cli_fail_err(const parity_error *err, const char *path, parity_status st) {
    if (err && err->msg[0]) return cli_fail("%s", err->msg);
    return cli_fail("%s: %s", path, parity_status_str(st));
}

int cli_selected(const cli_opts *o, const char *name) {
    return parity_match_selected(&o->match, name);
}

int cli_emit(const char *s) {
    if (!s) return cli_fail("out of memory while rendering the report");
    cli_progress_before_stdout();
    if (fputs(s, stdout) < 0)
        return cli_fail("cannot write to standard output: %s", strerror(errno));
    return 0;
}

int cli_flush(int rc) {
    if (fflush(stdout) != 0 && rc != 2)
        return cli_fail("cannot write to standard output: %s", strerror(errno));
    return rc;
}

/* A number >= 0 (finite). Every finite double counts, the subnormals
 * included: strtod says ERANGE for them (and for values that round to 0),
 * which is no reason to refuse a tolerance of 1e-320; an overflow is +Inf,
 * refused as not finite. */
static int parse_num(const char *verb, const char *opt, const char *v, double *out) {
    char *end = NULL;
    errno = 0;
    double x = strtod(v, &end);
    int range = errno == ERANGE;
    int err = errno && !(range && isfinite(x));
    int negative = x < 0 || (range && signbit(x)); /* -1e-400 is below 0; -0 is 0 */
    if (end == v || *end || err || !isfinite(x) || negative)
        return cli_fail("%s: %s '%s': expected a number >= 0", verb, opt, v);
    *out = x + 0.0; /* -0 as 0 */
    return 0;
}

static int parse_int(const char *verb, const char *opt, const char *v, long lo,
                     long hi, long *out) {
    char *end = NULL;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno || x < lo || x > hi)
        return cli_fail("%s: %s '%s': expected an integer in [%ld, %ld]", verb, opt, v,
                        lo, hi);
    *out = x;
    return 0;
}

enum opt_id { /* cli_opts.given is indexed by these: keep CLI_MAX_OPT_IDS >= O_COUNT */
    O_TENSOR, O_OUTPUT, O_SLICE, O_WEIGHTS, O_LABELS, O_ONLY, O_SKIP, O_MAP, O_BY_ORDER,
    O_INPUTS, O_INPUT, O_STATE, O_VELOCITY, O_COND, O_UNCOND, O_X0, O_ATOL, O_RTOL, O_MATCH_TOL,
    O_SMALL_TOL, O_DOMAIN, O_MAX_DB, O_AXIS, O_FORMAT, O_VERBOSE, O_QUIET, O_COLOR,
    O_THREADS, O_PAIR, O_PROGRESS, O_NO_PROGRESS, O_FORCE, O_HELP, O_COUNT
};

/* One option as some verbs take it; an option whose help or limit differs
 * between verbs has one row per variant. */
typedef struct opt_spec {
    const char *name;    /* long name without "--"                          */
    char letter;         /* short name, 0 when none                         */
    const char *arg;     /* its values in the help, one word each ("GLOB",  */
                         /* "REFW PORTW"); NULL: a flag                     */
    enum opt_id id;
    unsigned verbs;      /* CLI_* bits of the verbs that take it            */
    int max;             /* a repeatable option: how many times at most     */
    const char *choices; /* --format: the formats those verbs write         */
    const char *help;    /* its help, lines split by '\n'                   */
} opt_spec;

#define PAIRING (CLI_DIFF | CLI_TRACE | CLI_EXPLAIN | CLI_PLOT | CLI_REPORT)
#define WALKING (CLI_TRACE | CLI_EXPLAIN | CLI_REPORT)
#define VERDICTS (CLI_DIFF | CLI_TRACE | CLI_REPORT) /* show SMALL DIFF apart  */
#define SOLVER (CLI_TRACE | CLI_REPORT)   /* solver forensics of a walk    */
#define EVERY (CLI_INFO | PAIRING | CLI_SAME | CLI_WEIGHTS | CLI_MATCH)

/* In the order of the help: what the verb is about first, then selection
 * and pairing, the verdict, the output. What each verb does with its
 * options is in its cmd_<verb>.c; docs/cli.md has this table as a grid. */
static const opt_spec specs[] = {
    {"tensor", 't', "NAME", O_TENSOR, CLI_EXPLAIN, CLI_MAX_TENSORS, NULL,
     "explain this tensor\n"
     "default: the walk's first divergence and culprit (with no\n"
     "execution order: every stage that is not MATCH)"},
    {"input", 0, "NAME", O_INPUT, CLI_EXPLAIN, 0, NULL,
     "the stage's input, to name the operation variant\n"
     "default: the stage's recorded parent, else the\n"
     "previous stage in execution order"},
    {"tensor", 't', "NAME", O_TENSOR, CLI_PLOT, 1, NULL,
     "the tensor to draw (may be omitted when only one pairs)"},
    {"output", 'o', "F.png", O_OUTPUT, CLI_PLOT, 0, NULL,
     "where to write the picture (required; - is standard\n"
     "output)"},
    {"output", 'o', "F.html", O_OUTPUT, CLI_REPORT, 0, NULL,
     "where to write the report (required; - is standard\n"
     "output)"},
    {"output", 'o', "MAP", O_OUTPUT, CLI_MATCH, 0, NULL,
     "write the pairs names do not make as a --map file"},
    {"force", 0, NULL, O_FORCE, CLI_PLOT | CLI_REPORT | CLI_MATCH, 0, NULL,
     "-o may be a symbolic link: write to the file it names"},
    {"slice", 0, "SPEC", O_SLICE, CLI_PLOT, 0, NULL,
     "e.g. 0,:,: (one entry per axis, two ':'); default: the\n"
     "last two axes, every other axis at index 0"},
    {"slice", 0, "K/N", O_SLICE, CLI_DIFF, 0, NULL,
     "compute only part K of N (0 <= K < N) and write its\n"
     "JSON for parity merge (docs/scale-out.md)"},
    {"weights", 0, "REFW PORTW", O_WEIGHTS, CLI_REPORT, 0, NULL,
     "also compare two weight checkpoints"},
    {"labels", 0, "A,B", O_LABELS, VERDICTS | CLI_WEIGHTS, 0, NULL,
     "side names in reports (default ref,port)"},
    {"labels", 0, "A,B", O_LABELS, CLI_MERGE, 0, NULL,
     "side names in reports (default: the run's)"},
    {"labels", 0, "A,B", O_LABELS, CLI_PLOT, 0, NULL, "side names in the picture (default ref,port)"},
    {"labels", 0, "A,B", O_LABELS, CLI_SAME, 0, NULL,
     "side names in the \"only in\" lines (default A,B)"},
    {"only", 0, "GLOB", O_ONLY, EVERY, PARITY_MAX_GLOBS, NULL, "keep only names matching GLOB"},
    {"skip", 0, "GLOB", O_SKIP, EVERY, PARITY_MAX_GLOBS, NULL, "leave out names matching GLOB"},
    {"map", 0, "FILE", O_MAP, PAIRING | CLI_WEIGHTS | CLI_MATCH, 0, NULL,
     "renaming rules 'regex => replacement' for PORT names"},
    {"by-order", 0, NULL, O_BY_ORDER, PAIRING | CLI_MATCH, 0, NULL,
     "pair the n-th stage of each side"},
    {"pair", 0, "HOW", O_PAIR, PAIRING, 0, NULL,
     "auto|names|content: pair the stages names leave\n"
     "unpaired by what they hold; auto (default) when names\n"
     "pair fewer than half of them"},
    {"pair", 0, "HOW", O_PAIR, CLI_MATCH, 0, NULL,
     "content (default)|auto|names: as for trace"},
    {"inputs", 0, "GLOB", O_INPUTS, WALKING, 0, NULL,
     "tensors that are model inputs (default: those the\n"
     "tracer marked)"},
    {"state", 0, "GLOB", O_STATE, SOLVER, 0, NULL, "per-step solver states (default *.x)"},
    {"velocity", 0, "GLOB", O_VELOCITY, SOLVER, 0, NULL,
     "per-step velocities, guided (default *.dxdt)"},
    {"cond", 0, "GLOB", O_COND, SOLVER, 0, NULL, "conditional velocities (default *.v_cond)"},
    {"uncond", 0, "GLOB", O_UNCOND, SOLVER, 0, NULL,
     "unconditional velocities (default *.v_uncond)"},
    {"x0", 0, "NAME", O_X0, SOLVER, 0, NULL,
     "initial state (default: the first input named *noise*)"},
    {"atol", 0, "A", O_ATOL, PAIRING | CLI_WEIGHTS, 0, NULL,
     "MATCH also when every |port - ref| <= A + R*|ref|\n"
     "(NumPy allclose; default 0)"},
    {"rtol", 0, "R", O_RTOL, PAIRING | CLI_WEIGHTS, 0, NULL, "the R of --atol (default 0)"},
    {"match-tol", 0, "T", O_MATCH_TOL, PAIRING | CLI_WEIGHTS, 0, NULL,
     "MATCH if relative <= T (default 1e-4)"},
    {"small-tol", 0, "T", O_SMALL_TOL, VERDICTS | CLI_WEIGHTS, 0, NULL,
     "SMALL DIFF if relative <= T (default 1e-2)"},
    {"domain", 0, "D", O_DOMAIN, VERDICTS | CLI_EXPLAIN, 0, NULL,
     "what the values are, to give differences in dB too:\n"
     "linear|ln-mag|ln-power|log10-mag|log10-power|db"},
    {"domain", 0, "D", O_DOMAIN, CLI_PLOT, 0, NULL,
     "what the values are, for --max-db:\n"
     "linear|ln-mag|ln-power|log10-mag|log10-power|db"},
    {"max-db", 0, "X", O_MAX_DB, PAIRING, 0, NULL,
     "MATCH also needs |mean_diff| <= X dB (needs --domain)"},
    {"axis", 0, "K", O_AXIS, CLI_DIFF, 4, NULL, "per-index breakdown along axis K"},
    {"axis", 0, "K", O_AXIS, CLI_REPORT, 4, NULL,
     "per-index table along axis K\n"
     "in the stage cards"},
    {"axis", 0, "K", O_AXIS, CLI_PLOT, 4, NULL,
     "mean_diff profile along axis K\n"
     "default: the two axes of the slice"},
    {"axis", 0, "K", O_AXIS, CLI_EXPLAIN, 1, NULL,
     "fit the per-axis candidates on axis K only (default:\n"
     "every axis)"},
    {"format", 0, "F", O_FORMAT, CLI_INFO | CLI_DIFF | CLI_MERGE, 0, "text|json|md|csv", NULL},
    {"format", 0, "F", O_FORMAT, CLI_TRACE | CLI_EXPLAIN | CLI_WEIGHTS, 0, "text|json|md", NULL},
    {"format", 0, "F", O_FORMAT, CLI_SAME | CLI_MATCH, 0, "text|json", NULL},
    {"verbose", 'v', NULL, O_VERBOSE, CLI_INFO, 0, NULL, "metadata values too (text)"},
    {"verbose", 'v', NULL, O_VERBOSE, CLI_DIFF | CLI_TRACE | CLI_WEIGHTS | CLI_MERGE, 0, NULL,
     "more metrics (text)"},
    {"quiet", 'q', NULL, O_QUIET, CLI_INFO, 0, NULL, "name, dtype and shape only (text)"},
    {"quiet", 'q', NULL, O_QUIET, CLI_DIFF | CLI_WEIGHTS | CLI_MERGE, 0, NULL,
     "verdicts only (text)"},
    {"quiet", 'q', NULL, O_QUIET, CLI_TRACE, 0, NULL,
     "inputs, first divergence and culprit only (text, md)"},
    {"quiet", 'q', NULL, O_QUIET, CLI_SAME, 0, NULL, "one word per tensor: identical or DIFFERENT"},
    {"color", 0, "WHEN", O_COLOR, CLI_DIFF | CLI_TRACE | CLI_WEIGHTS | CLI_MERGE, 0, NULL,
     "auto|always|never (NO_COLOR honoured)"},
    {"threads", 0, "N", O_THREADS, PAIRING | CLI_WEIGHTS, 0, NULL,
     "worker threads (default: CPUs, at most 8; same results)"},
    {"progress", 0, NULL, O_PROGRESS, EVERY, 0, NULL,
     "show the progress line on stderr even when it is not a\n"
     "terminal (default: on a terminal, once a run lasts 1 s)"},
    {"no-progress", 0, NULL, O_NO_PROGRESS, EVERY, 0, NULL, "never show the progress line"},
    {"help", 'h', NULL, O_HELP, EVERY | CLI_MERGE, 0, NULL, "this help"},
};
#define N_SPECS (sizeof specs / sizeof *specs)
_Static_assert(O_COUNT <= CLI_MAX_OPT_IDS, "cli_opts.given holds every option id");

/* Values an option takes: one per word of its arg. */
static int n_values(const opt_spec *s) {
    if (!s->arg) return 0;
    return strchr(s->arg, ' ') ? 2 : 1;
}

parity_walk_opts cli_walk_opts(const cli_opts *o) {
    parity_walk_opts wo = parity_walk_opts_default();
    wo.match = o->match;
    wo.diff = o->diff;
    wo.inputs_glob = o->inputs_glob;
    if (o->state) wo.state_glob = o->state;
    if (o->velocity) wo.velocity_glob = o->velocity;
    if (o->cond) wo.cond_glob = o->cond;
    if (o->uncond) wo.uncond_glob = o->uncond;
    if (o->x0) wo.x0_name = o->x0;
    return wo;
}

int cli_option_given(const cli_opts *o, const char *name) {
    for (size_t i = 0; i < N_SPECS; i++)
        if (strcmp(specs[i].name, name) == 0 && o->given[specs[i].id]) return 1;
    return 0;
}

/* Does verb (a CLI_* bit) take option id? */
static int takes(unsigned verb, enum opt_id id) {
    for (size_t i = 0; i < N_SPECS; i++)
        if (specs[i].id == id && (specs[i].verbs & verb)) return 1;
    return 0;
}

/* --only / --skip (a name is kept if it matches any --only and no --skip)
 * and explain's -t repeat, up to the row's max. */
static int add_name(const char *verb, const opt_spec *s, const char *v, const char **names,
                    int *n, const char *noun) {
    if (*n >= s->max)
        return cli_fail("%s: --%s '%s': at most %d %s%s", verb, s->name, v, s->max, noun,
                        s->max == 1 ? "" : "s");
    names[(*n)++] = v;
    return 0;
}

static int set_labels(cli_opts *o, const char *verb, const char *v) {
    const char *comma = strchr(v, ',');
    size_t n = strlen(v);
    if (!comma || comma == v || !comma[1] || strchr(comma + 1, ',') ||
        n >= sizeof o->labels_buf)
        return cli_fail("%s: --labels '%s': expected two names, e.g. --labels Python,Swift",
                        verb, v);
    memcpy(o->labels_buf, v, n + 1);
    o->labels_buf[comma - v] = '\0';
    o->report.labels[0] = o->labels_buf;
    o->report.labels[1] = o->labels_buf + (comma - v) + 1;
    return 0;
}

static int set_axis(cli_opts *o, const char *verb, const opt_spec *s, const char *v) {
    long k = 0;
    if (o->diff.n_axes >= s->max)
        return cli_fail("%s: --axis: at most %d ax%s", verb, s->max, s->max == 1 ? "is" : "es");
    if (parse_int(verb, "--axis", v, -PARITY_MAX_DIMS, PARITY_MAX_DIMS - 1, &k)) return 2;
    o->diff.axes[o->diff.n_axes++] = (int)k;
    return 0;
}

static int set_pairing(cli_opts *o, const char *verb, const char *v) {
    if (strcmp(v, "auto") == 0) o->match.pairing = PARITY_PAIRING_AUTO;
    else if (strcmp(v, "names") == 0) o->match.pairing = PARITY_PAIRING_NAMES;
    else if (strcmp(v, "content") == 0) o->match.pairing = PARITY_PAIRING_CONTENT;
    else return cli_fail("%s: --pair '%s': expected auto, names or content", verb, v);
    return 0;
}

static int set_color(cli_opts *o, const char *verb, const char *v) {
    if (strcmp(v, "auto") == 0) o->color = CLI_COLOR_AUTO;
    else if (strcmp(v, "always") == 0) o->color = CLI_COLOR_ALWAYS;
    else if (strcmp(v, "never") == 0) o->color = CLI_COLOR_NEVER;
    else return cli_fail("%s: --color '%s': expected auto, always or never", verb, v);
    return 0;
}

/* Is v one of the '|'-separated words of list? */
static int in_list(const char *list, const char *v) {
    size_t n = strlen(v);
    for (const char *w = list; w; w = strchr(w, '|') ? strchr(w, '|') + 1 : NULL)
        if (strncmp(w, v, n) == 0 && (w[n] == '|' || w[n] == '\0')) return 1;
    return 0;
}

/* "text|json|md" as words: "text, json or md". */
static const char *list_words(const char *list, char *buf, size_t cap) {
    const char *last = strrchr(list, '|');
    size_t k = 0;
    for (const char *c = list; *c && k + 5 < cap; c++) {
        if (*c != '|') buf[k++] = *c;
        else k += (size_t)snprintf(buf + k, cap - k, c == last ? " or " : ", ");
    }
    buf[k] = '\0';
    return buf;
}

/* --format: one of the formats the verb writes (the row's choices). */
static int set_format(cli_opts *o, const char *verb, const opt_spec *s, const char *v) {
    char words[64];
    if (in_list(s->choices, v) && parity_format_parse(v, &o->report.format) == 0) return 0;
    return cli_fail("%s: --format '%s': expected %s", verb, v,
                    list_words(s->choices, words, sizeof words));
}

static int apply_num_opt(cli_opts *o, const char *verb, enum opt_id id, const char *v) {
    switch (id) {
    case O_ATOL: return parse_num(verb, "--atol", v, &o->diff.atol);
    case O_RTOL: return parse_num(verb, "--rtol", v, &o->diff.rtol);
    case O_MATCH_TOL: return parse_num(verb, "--match-tol", v, &o->diff.match_tol);
    case O_SMALL_TOL: return parse_num(verb, "--small-tol", v, &o->diff.small_tol);
    case O_MAX_DB: /* 0 would silently mean "no limit" in parity_diff_opts */
        if (parse_num(verb, "--max-db", v, &o->diff.max_db)) return 2;
        if (o->diff.max_db > 0) return 0;
        return cli_fail("%s: --max-db '%s': expected a number > 0", verb, v);
    case O_THREADS: {
        long n = 0;
        if (parse_int(verb, "--threads", v, 0, 256, &n)) return 2;
        o->diff.threads = (int)n;
        return 0;
    }
    default: return 0;
    }
}

/* Where an option whose value is kept as given goes; NULL for the others. */
static const char **str_slot(cli_opts *o, enum opt_id id) {
    switch (id) {
    case O_OUTPUT: return &o->output;
    case O_SLICE: return &o->slice;
    case O_MAP: return &o->match.map_file;
    case O_INPUTS: return &o->inputs_glob;
    case O_INPUT: return &o->input;
    case O_STATE: return &o->state;
    case O_VELOCITY: return &o->velocity;
    case O_COND: return &o->cond;
    case O_UNCOND: return &o->uncond;
    case O_X0: return &o->x0;
    default: return NULL;
    }
}

/* Apply one option; v holds its values (none for a flag). */
static int apply(cli_opts *o, const char *verb, const opt_spec *s, const char *const *v) {
    const char **slot = str_slot(o, s->id);
    if (slot) {
        *slot = v[0];
        return 0;
    }
    switch (s->id) {
    case O_TENSOR: return add_name(verb, s, v[0], o->tensors, &o->n_tensors, "tensor");
    case O_ONLY: return add_name(verb, s, v[0], o->match.only_globs, &o->match.n_only, "pattern");
    case O_SKIP: return add_name(verb, s, v[0], o->match.skip_globs, &o->match.n_skip, "pattern");
    case O_WEIGHTS: o->weights[0] = v[0], o->weights[1] = v[1]; return 0;
    case O_LABELS: return set_labels(o, verb, v[0]);
    case O_BY_ORDER: o->match.by_order = 1; return 0;
    case O_DOMAIN:
        if (parity_domain_parse(v[0], &o->diff.domain) == 0) return 0;
        return cli_fail("%s: --domain '%s': expected linear, ln-mag, ln-power, "
                        "log10-mag, log10-power or db", verb, v[0]);
    case O_AXIS: return set_axis(o, verb, s, v[0]);
    case O_FORMAT: return set_format(o, verb, s, v[0]);
    case O_VERBOSE: o->report.verbose = 1; return 0;
    case O_QUIET: o->report.quiet = 1; return 0;
    case O_FORCE: o->force = 1; return 0;
    case O_COLOR: return set_color(o, verb, v[0]);
    case O_PAIR: return set_pairing(o, verb, v[0]);
    case O_PROGRESS: o->progress = CLI_PROGRESS_ALWAYS; return 0;
    case O_NO_PROGRESS: o->progress = CLI_PROGRESS_NEVER; return 0;
    case O_HELP: o->help = 1; return 0;
    default: return apply_num_opt(o, verb, s->id, v[0]);
    }
}

/* The row of the option spelled name (len chars, long form) or letter (short
 * form) that verb takes; NULL, with *elsewhere set when another verb takes it. */
static const opt_spec *find_opt(const char *name, size_t len, char letter, unsigned verb,
                                int *elsewhere) {
    *elsewhere = 0;
    for (size_t i = 0; i < N_SPECS; i++) {
        const opt_spec *s = &specs[i];
        int same = name ? strlen(s->name) == len && strncmp(s->name, name, len) == 0
                        : letter && s->letter == letter;
        if (same && (s->verbs & verb)) return s;
        *elsewhere |= same;
    }
    return NULL;
}

/* The values of option s at argv[*i] (val: the part after '=', or NULL);
 * *i advances past values given as separate arguments. */
static int take_values(int argc, char **argv, int *i, const char *verb, const opt_spec *s,
                       const char *val, const char **v) {
    int n = n_values(s);
    if (n == 0 && val) return cli_fail("%s: option '--%s' takes no value", verb, s->name);
    if (n == 2) { /* --weights REFW PORTW: two arguments, neither an option */
        if (val || *i + 2 >= argc || argv[*i + 1][0] == '-' || argv[*i + 2][0] == '-')
            return cli_fail("%s: --%s needs two files: %s", verb, s->name, s->arg);
        v[0] = argv[++*i];
        v[1] = argv[++*i];
        return 0;
    }
    if (n == 1 && !val) {
        if (*i + 1 >= argc) return cli_fail("%s: option '--%s' needs a value", verb, s->name);
        val = argv[++*i];
    }
    if (n == 1 && !*val)
        return cli_fail("%s: option '--%s' needs a non-empty value", verb, s->name);
    v[0] = val;
    return 0;
}

/* One argument starting with '-'. */
static int parse_option(int argc, char **argv, int *i, const cli_verb *verb, cli_opts *o) {
    const char *a = argv[*i], *val = NULL, *v[2] = {NULL, NULL};
    const opt_spec *s = NULL;
    size_t len = strlen(a); /* of "--name" without "=value" */
    int elsewhere = 0;
    if (a[1] == '-') {
        const char *eq = strchr(a + 2, '=');
        if (eq) len = (size_t)(eq - a), val = eq + 1;
        s = find_opt(a + 2, len - 2, 0, verb->bit, &elsewhere);
    } else if (a[2] == '\0') {
        s = find_opt(NULL, 0, a[1], verb->bit, &elsewhere);
    }
    if (!s && elsewhere)
        return cli_fail("%s: %.*s: not an option of %s", verb->name, (int)len, a, verb->name);
    if (!s)
        return cli_fail("%s: unknown option '%s' (see parity %s --help)", verb->name, a,
                        verb->name);
    if (take_values(argc, argv, i, verb->name, s, val, v)) return 2;
    /* an option that repeats accumulates (up to its max); any other given
     * twice is refused rather than one of the two silently winning */
    if (s->max == 0 && o->given[s->id]++)
        return cli_fail("%s: --%s given twice (it takes one value; only --only, --skip, "
                        "--axis and -t repeat)", verb->name, s->name);
    return apply(o, verb->name, s, v);
}

/* Does a locale name say UTF-8 ("en_US.UTF-8", "C.utf8")? */
static int names_utf8(const char *v) {
    for (; *v; v++) {
        if ((v[0] | 0x20) != 'u' || (v[1] | 0x20) != 't' || (v[2] | 0x20) != 'f') continue;
        if (v[3] == '8' || (v[3] == '-' && v[4] == '8')) return 1;
    }
    return 0;
}

static int locale_is_utf8(void) {
    const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) return names_utf8(v);
    }
    return 0;
}

/* --color always: ANSI and glyphs; never or NO_COLOR: plain; auto: a
 * terminal gets colours, and glyphs when its locale is UTF-8. */
static void resolve_color(cli_opts *o) {
    const char *no_color = getenv("NO_COLOR");
    int on = 0;
    if (o->color == CLI_COLOR_ALWAYS) on = 1;
    else if (o->color == CLI_COLOR_AUTO)
        on = !(no_color && *no_color) && isatty(STDOUT_FILENO);
    o->report.color = on;
    o->report.unicode = on && (o->color == CLI_COLOR_ALWAYS || locale_is_utf8());
}

/* One worker per online CPU, at most 8: the metrics are memory-bound, and
 * the result is the same bits for any count (docs/metrics.md). */
static int default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

static void cli_opts_init(cli_opts *o) {
    memset(o, 0, sizeof *o);
    o->diff = parity_diff_opts_default();
    o->diff.threads = default_threads();
    /* PARITY_SIMD=scalar|sse2|avx2|avx512 caps the kernels (same results);
     * the test suite compares them. An unknown value is ignored. */
    parity_simd_parse(getenv("PARITY_SIMD"), &o->diff.simd);
    o->report = parity_report_opts_default();
}

/* The checks that need every option; 0 or 2 after one line. */
static int check_opts(const cli_verb *v, cli_opts *o) {
    /* a verb that shows no SMALL DIFF has no --small-tol to raise */
    if (!takes(v->bit, O_SMALL_TOL) && o->diff.small_tol < o->diff.match_tol)
        o->diff.small_tol = o->diff.match_tol;
    if (o->diff.small_tol < o->diff.match_tol)
        return cli_fail("%s: --small-tol %g is below --match-tol %g", v->name,
                        o->diff.small_tol, o->diff.match_tol);
    /* parity match is asked for a pairing: it proposes one for everything
     * names leave, unless told otherwise */
    if (v->bit == CLI_MATCH && !o->given[O_PAIR]) o->match.pairing = PARITY_PAIRING_CONTENT;
    if (o->diff.max_db > 0 && o->diff.domain == PARITY_DOMAIN_LINEAR)
        return cli_fail("%s: --max-db needs --domain (ln-mag, ln-power, log10-mag, "
                        "log10-power or db): linear values have no dB", v->name);
    if (o->n_pos < v->min_pos || (v->max_pos >= 0 && o->n_pos > v->max_pos))
        return cli_fail("%s: expected %s%d file%s, got %d (see parity %s --help)", v->name,
                        v->max_pos == v->min_pos ? "" : "at least ", v->min_pos,
                        v->min_pos == 1 ? "" : "s", o->n_pos, v->name);
    return 0;
}

int cli_parse(const cli_verb *v, int argc, char **argv, cli_opts *o) {
    int only_pos = 0;
    cli_opts_init(o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
        } else if (!only_pos && a[0] == '-' && a[1]) {
            if (parse_option(argc, argv, &i, v, o)) return 2;
        } else {
            if (o->n_pos >= CLI_MAX_POS) return cli_fail("%s: too many arguments", v->name);
            o->pos[o->n_pos++] = a;
        }
    }
    resolve_color(o);
    int rc = o->help ? 0 : check_opts(v, o);
    if (rc == 0 && !o->help) cli_progress_start(v->name, o->progress);
    o->diff.progress = cli_progress_hook();
    o->report.diff = o->diff;
    return rc;
}

/* ---- help ----------------------------------------------------------------- */

/* "-t, --tensor NAME" or "--labels A,B": the left column of a row. */
static void left_col(const opt_spec *s, char *buf, size_t cap) {
    char letter[8] = "";
    if (s->letter) snprintf(letter, sizeof letter, "-%c, ", s->letter);
    snprintf(buf, cap, "%s--%s%s%s", letter, s->name, s->arg ? " " : "", s->arg ? s->arg : "");
}

/* One row: its left column padded to width, its help, continuation lines
 * under the help; a repeatable option says how often on its first line. */
static void print_row(FILE *out, const opt_spec *s, int width) {
    char left[64], more[48] = "";
    const char *h = s->help;
    left_col(s, left, sizeof left);
    fprintf(out, "  %-*s", width, left);
    if (s->id == O_FORMAT) {
        fprintf(out, "%s%s\n", s->choices, strchr(s->choices, '|') ? " (default text)" : " only");
        return;
    }
    if (s->max > 1) snprintf(more, sizeof more, " (repeatable, up to %d)", s->max);
    for (int line = 0; h; line++) {
        const char *nl = strchr(h, '\n');
        int n = nl ? (int)(nl - h) : (int)strlen(h);
        if (line) fprintf(out, "  %-*s", width, "");
        fprintf(out, "%.*s%s\n", n, h, line ? "" : more);
        h = nl ? nl + 1 : NULL;
    }
}

int cli_verb_help(const cli_verb *v) {
    char left[64];
    int width = 20;
    for (size_t i = 0; i < N_SPECS; i++) {
        if (!(specs[i].verbs & v->bit)) continue;
        left_col(&specs[i], left, sizeof left);
        if ((int)strlen(left) + 2 > width) width = (int)strlen(left) + 2;
    }
    printf("usage: parity %s %s\n\n%s\n\noptions:\n", v->name, v->synopsis,
           v->about ? v->about : v->summary);
    for (size_t i = 0; i < N_SPECS; i++)
        if (specs[i].verbs & v->bit) print_row(stdout, &specs[i], width);
    printf("\nexit status: %s\n", v->exits);
    return 0;
}

/* ---- the grid of docs/cli.md ---------------------------------------------- */

/* The cell of option row s for verb v: the formats, how often it repeats,
 * or a check mark. */
static void grid_cell(FILE *out, const opt_spec *s) {
    char words[64];
    if (s->choices) {
        size_t k = 0;
        for (const char *c = s->choices; *c && k + 1 < sizeof words; c++)
            words[k++] = *c == '|' ? ' ' : *c;
        words[k] = '\0';
        fprintf(out, " %s |", words);
    } else if (s->max > 1) {
        fprintf(out, " \u2713 (up to %d) |", s->max);
    } else if (s->max == 1) {
        fputs(" \u2713 (one) |", out);
    } else {
        fputs(" \u2713 |", out);
    }
}

/* Did an earlier row already stand for this option? */
static int seen_before(size_t i) {
    for (size_t j = 0; j < i; j++)
        if (specs[j].id == specs[i].id) return 1;
    return 0;
}

int cli_option_grid(FILE *out, const cli_verb *verbs, size_t n_verbs) {
    char left[64];
    fputs("| option |", out);
    for (size_t k = 0; k < n_verbs; k++) fprintf(out, " %s |", verbs[k].name);
    fputs("\n|---|", out);
    for (size_t k = 0; k < n_verbs; k++) fputs(":-:|", out);
    fputs("\n", out);
    for (size_t i = 0; i < N_SPECS; i++) {
        if (seen_before(i)) continue;
        left_col(&specs[i], left, sizeof left);
        fprintf(out, "| `%s` |", left);
        for (size_t k = 0; k < n_verbs; k++) {
            const opt_spec *s = NULL;
            for (size_t j = i; j < N_SPECS && !s; j++)
                if (specs[j].id == specs[i].id && (specs[j].verbs & verbs[k].bit))
                    s = &specs[j];
            if (s) grid_cell(out, s);
            else fputs(" |", out);
        }
        fputs("\n", out);
    }
    return 0;
}
