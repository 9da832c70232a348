/*
 * options.c — one parser for the options every verb shares (SPEC §2).
 * Both "--opt value" and "--opt=value"; "--" ends the options; bad usage
 * prints one "parity: ..." line on stderr and gives exit status 2.
 */
#include "options.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("parity: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

int cli_fail_err(const parity_error *err, const char *path, parity_status st) {
    if (err && err->msg[0]) return cli_fail("%s", err->msg);
    return cli_fail("%s: %s", path, parity_status_str(st));
}

int cli_selected(const cli_opts *o, const char *name) {
    return parity_match_selected(&o->match, name);
}

static void warn_unmatched(void *ctx, const char *file, size_t line,
                           const char *regex) {
    (void)ctx;
    fprintf(stderr, "parity: --map %s:%zu: rule '%s' matched no PORT name\n", file,
            line, regex);
}

void cli_warn_map(const cli_opts *o, const parity_set *port) {
    parity_error err = {0};
    /* a file that does not load was already reported by the matching */
    if (o->match.map_file) parity_map_check(o->match.map_file, port, warn_unmatched, NULL, &err);
}

int cli_emit(const char *s) {
    if (!s) return cli_fail("out of memory while rendering the report");
    if (fputs(s, stdout) < 0) return cli_fail("cannot write to standard output");
    return 0;
}

/* A number >= 0 (finite). */
static int parse_num(const char *verb, const char *opt, const char *v, double *out) {
    char *end = NULL;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(x) || x < 0)
        return cli_fail("%s: %s '%s': expected a number >= 0", verb, opt, v);
    *out = x;
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

/* --only / --skip repeat: a name is kept if it matches any --only and no
 * --skip. */
static int add_glob(const char *verb, const char *opt, const char *v,
                    const char **globs, int *n) {
    if (*n >= PARITY_MAX_GLOBS)
        return cli_fail("%s: %s '%s': at most %d patterns", verb, opt, v, PARITY_MAX_GLOBS);
    globs[(*n)++] = v;
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

static int set_axis(cli_opts *o, const char *verb, const char *v) {
    long k = 0;
    if (o->diff.n_axes >= 4) return cli_fail("%s: --axis: at most 4 axes", verb);
    if (parse_int(verb, "--axis", v, -PARITY_MAX_DIMS, PARITY_MAX_DIMS - 1, &k)) return 2;
    o->diff.axes[o->diff.n_axes++] = (int)k;
    return 0;
}

static int set_color(cli_opts *o, const char *verb, const char *v) {
    if (strcmp(v, "auto") == 0) o->color = CLI_COLOR_AUTO;
    else if (strcmp(v, "always") == 0) o->color = CLI_COLOR_ALWAYS;
    else if (strcmp(v, "never") == 0) o->color = CLI_COLOR_NEVER;
    else return cli_fail("%s: --color '%s': expected auto, always or never", verb, v);
    return 0;
}

enum opt_id {
    O_LABELS, O_ONLY, O_SKIP, O_MAP, O_BY_ORDER, O_ATOL, O_RTOL, O_MATCH_TOL,
    O_SMALL_TOL, O_DOMAIN, O_MAX_DB, O_AXIS, O_FORMAT, O_VERBOSE, O_QUIET,
    O_COLOR, O_THREADS, O_INPUTS, O_HELP
};

typedef struct opt_spec {
    const char *name; /* long name without "--"                             */
    char short_name;  /* 0 when none                                        */
    int has_value;
    enum opt_id id;
} opt_spec;

static const opt_spec specs[] = {
    {"labels", 0, 1, O_LABELS},       {"only", 0, 1, O_ONLY},
    {"skip", 0, 1, O_SKIP},           {"map", 0, 1, O_MAP},
    {"by-order", 0, 0, O_BY_ORDER},   {"atol", 0, 1, O_ATOL},
    {"rtol", 0, 1, O_RTOL},           {"match-tol", 0, 1, O_MATCH_TOL},
    {"small-tol", 0, 1, O_SMALL_TOL}, {"domain", 0, 1, O_DOMAIN},
    {"max-db", 0, 1, O_MAX_DB},       {"axis", 0, 1, O_AXIS},
    {"format", 0, 1, O_FORMAT},       {"verbose", 'v', 0, O_VERBOSE},
    {"quiet", 'q', 0, O_QUIET},       {"color", 0, 1, O_COLOR},
    {"threads", 0, 1, O_THREADS},     {"inputs", 0, 1, O_INPUTS},
    {"help", 'h', 0, O_HELP},
};

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

/* Apply one option (v is NULL for flags). */
static int apply(cli_opts *o, const char *verb, enum opt_id id, const char *v) {
    switch (id) {
    case O_LABELS: return set_labels(o, verb, v);
    case O_ONLY: return add_glob(verb, "--only", v, o->match.only_globs, &o->match.n_only);
    case O_SKIP: return add_glob(verb, "--skip", v, o->match.skip_globs, &o->match.n_skip);
    case O_MAP: o->match.map_file = v; return 0;
    case O_BY_ORDER: o->match.by_order = 1; return 0;
    case O_DOMAIN:
        if (parity_domain_parse(v, &o->diff.domain) == 0) return 0;
        return cli_fail("%s: --domain '%s': expected linear, ln-mag, ln-power, "
                        "log10-mag, log10-power or db", verb, v);
    case O_AXIS: return set_axis(o, verb, v);
    case O_FORMAT:
        if (parity_format_parse(v, &o->report.format) == 0) return 0;
        return cli_fail("%s: --format '%s': expected text, json, md or csv", verb, v);
    case O_VERBOSE: o->report.verbose = 1; return 0;
    case O_QUIET: o->report.quiet = 1; return 0;
    case O_COLOR: return set_color(o, verb, v);
    case O_INPUTS: o->inputs_glob = v; return 0;
    case O_HELP: o->help = 1; return 0;
    default: return apply_num_opt(o, verb, id, v);
    }
}

static const opt_spec *find_long(const char *name, size_t len) {
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++)
        if (strlen(specs[i].name) == len && strncmp(specs[i].name, name, len) == 0)
            return &specs[i];
    return NULL;
}

static const opt_spec *find_short(char c) {
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++)
        if (specs[i].short_name == c) return &specs[i];
    return NULL;
}

/* One argument starting with '-': *i advances past a separate value. */
static int parse_option(int argc, char **argv, int *i, const char *verb, cli_opts *o) {
    const char *a = argv[*i];
    const opt_spec *s = NULL;
    const char *v = NULL;
    if (a[1] == '-') {
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        s = find_long(a + 2, len);
        if (eq) v = eq + 1;
    } else if (a[2] == '\0') {
        s = find_short(a[1]);
    }
    if (!s) return cli_fail("%s: unknown option '%s' (see parity %s --help)", verb, a, verb);
    if (!s->has_value && v) return cli_fail("%s: option '--%s' takes no value", verb, s->name);
    if (s->has_value && !v) {
        if (*i + 1 >= argc) return cli_fail("%s: option '--%s' needs a value", verb, s->name);
        v = argv[++*i];
    }
    return apply(o, verb, s->id, v);
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
    o->report = parity_report_opts_default();
}

int cli_parse(int argc, char **argv, const char *verb, int min_pos, int max_pos,
              cli_opts *o) {
    int only_pos = 0;
    cli_opts_init(o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
        } else if (!only_pos && a[0] == '-' && a[1]) {
            if (parse_option(argc, argv, &i, verb, o)) return 2;
        } else {
            if (o->n_pos >= CLI_MAX_POS) return cli_fail("%s: too many arguments", verb);
            o->pos[o->n_pos++] = a;
        }
    }
    resolve_color(o);
    o->report.diff = o->diff;
    if (o->help) return 0;
    if (o->diff.small_tol < o->diff.match_tol)
        return cli_fail("%s: --small-tol %g is below --match-tol %g", verb,
                        o->diff.small_tol, o->diff.match_tol);
    if (o->diff.max_db > 0 && o->diff.domain == PARITY_DOMAIN_LINEAR)
        return cli_fail("%s: --max-db needs --domain (ln-mag, ln-power, log10-mag, "
                        "log10-power or db): linear values have no dB", verb);
    if (o->n_pos < min_pos || (max_pos >= 0 && o->n_pos > max_pos))
        return cli_fail("%s: expected %s%d file%s, got %d (see parity %s --help)", verb,
                        max_pos == min_pos ? "" : "at least ", min_pos,
                        min_pos == 1 ? "" : "s", o->n_pos, verb);
    return 0;
}

void cli_print_verb_help(FILE *out, const char *verb, const char *synopsis,
                         const char *summary) {
    fprintf(out, "usage: parity %s %s\n\n%s\n\n", verb, synopsis, summary);
    fputs("options:\n"
          "  --labels A,B        side names in reports (default ref,port)\n"
          "  --only GLOB         compare only tensors whose name matches GLOB (repeatable)\n"
          "  --skip GLOB         skip tensors whose name matches GLOB (repeatable)\n"
          "  --map FILE          renaming rules 'regex => replacement' for PORT names\n"
          "  --by-order          pair the n-th stage of each side\n"
          "  --atol A --rtol R   elementwise closeness (NumPy allclose) for the verdict\n"
          "  --match-tol T       MATCH if relative <= T (default 1e-4)\n"
          "  --small-tol T       SMALL DIFF if relative <= T (default 1e-2)\n"
          "  --domain D          linear|ln-mag|ln-power|log10-mag|log10-power|db\n"
          "  --max-db X          MATCH also needs |mean_diff| <= X dB\n"
          "  --axis K            per-index breakdown along axis K (repeatable, up to 4)\n"
          "  --format F          text|json|md|csv (default text)\n"
          "  -v, --verbose       more metrics\n"
          "  -q, --quiet         verdicts only\n"
          "  --color WHEN        auto|always|never (NO_COLOR honoured)\n"
          "  --threads N         worker threads (default: CPUs, at most 8; same results)\n"
          "  --inputs GLOB       tensors that are model inputs\n"
          "  -h, --help          this help\n"
          "\nexit status: 0 all MATCH and nothing unmatched, 1 differences, 2 trouble\n",
          out);
}
