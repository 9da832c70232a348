/*
 * options.h — the command line of parity's verbs (docs/cli.md): one table of
 * options, each row naming the verbs that take it, from which one parser
 * reads argv and each verb's --help is printed; so a verb lists exactly
 * the options it honours and refuses the others (exit 2, one line).
 */
#ifndef PARITY_CLI_OPTIONS_H
#define PARITY_CLI_OPTIONS_H

#include "parity.h"

#include <stdio.h>

#define CLI_MAX_POS 4096 /* parity merge takes a part per file */
#define CLI_MAX_TENSORS 16 /* -t NAME of explain */
#define CLI_MAX_OPT_IDS 48 /* options.c's option ids                         */

/* The verbs as bits: a row of the option table ORs the verbs that take it. */
enum {
    CLI_INFO = 1u << 0,
    CLI_DIFF = 1u << 1,
    CLI_TRACE = 1u << 2,
    CLI_EXPLAIN = 1u << 3,
    CLI_PLOT = 1u << 4,
    CLI_REPORT = 1u << 5,
    CLI_SAME = 1u << 6,
    CLI_WEIGHTS = 1u << 7,
    CLI_MATCH = 1u << 8,
    CLI_MERGE = 1u << 9,
};

typedef enum cli_color { CLI_COLOR_AUTO = 0, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER } cli_color;
/* --progress / --no-progress; AUTO: when stderr is a terminal. */
typedef enum cli_progress_mode {
    CLI_PROGRESS_AUTO = 0, CLI_PROGRESS_ALWAYS, CLI_PROGRESS_NEVER
} cli_progress_mode;

typedef struct cli_opts {
    const char *pos[CLI_MAX_POS]; /* positional arguments (files)            */
    int n_pos;
    char labels_buf[256];         /* storage of --labels A,B                 */
    parity_match_opts match;      /* --only --skip --map --by-order          */
    parity_diff_opts diff;        /* --atol --rtol --match-tol ... --threads */
    parity_report_opts report;    /* --format -v -q --labels, color/unicode  */
    cli_color color;
    cli_progress_mode progress;
    const char *inputs_glob;      /* --inputs GLOB                           */
    int help;                     /* -h / --help was given                   */
    unsigned char given[CLI_MAX_OPT_IDS]; /* times each option id was seen  */
    /* the options of one or two verbs */
    const char *tensors[CLI_MAX_TENSORS]; /* -t NAME: explain, plot          */
    const char *input;            /* --input NAME: explain                   */
    int n_tensors;
    const char *output;           /* -o FILE: plot, report ("-": stdout)     */
    int force;                    /* --force: -o may name a symbolic link    */
    char output_buf[4096];        /* the file -o's link names (--force)      */
    const char *output_target;    /* where the bytes go: output, or the file */
                                  /* its link names; NULL for stdout         */
    const char *slice;            /* --slice SPEC: plot; --slice K/N: diff   */
    const char *weights[2];       /* --weights REFW PORTW: report            */
    /* --state, --velocity, --cond, --uncond, --x0 (trace, report): the      */
    /* solver's globs; NULL keeps the walk's default                         */
    const char *state, *velocity, *cond, *uncond, *x0;
} cli_opts;

/* A verb: its entry point and what parity --help and parity VERB --help
 * say of it (verbs.c holds the table). */
typedef struct cli_verb {
    const char *name;
    unsigned bit;         /* CLI_INFO ...                                   */
    int (*run)(const struct cli_verb *v, int argc, char **argv);
    int min_pos, max_pos; /* positional arguments; max_pos < 0: no limit    */
                          /* up to CLI_MAX_POS                              */
    const char *synopsis; /* "REF PORT [options]"                           */
    const char *summary;  /* one line in parity --help                      */
    const char *about;    /* the paragraph of VERB --help; NULL: summary    */
    const char *exits;    /* what its exit status means                     */
} cli_verb;

/* The verb named name, or NULL. */
const cli_verb *cli_find_verb(const char *name);
/* All the verbs, in the order of parity --help: *n receives the count. */
const cli_verb *cli_verbs(size_t *n);
/* parity --help: every verb with its synopsis and summary. */
void cli_usage(FILE *out);

/* Parse argv[1..argc) (argv[0] is the verb) for verb v into o. Returns 0,
 * or 2 after printing one "parity: ..." line on stderr: an option the verb
 * does not take is refused ("plot: --format: not an option of plot"), and
 * so is a count of positional arguments outside v's bounds. */
int cli_parse(const cli_verb *v, int argc, char **argv, cli_opts *o);

/* Print "parity: <message>" on stderr and return 2. The message is one
 * line: control characters (of a name, a path, an argument) are written
 * as escapes (\n, \x1b), as the library writes them. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same line as a warning (no exit status). */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* s and a newline on f, control characters escaped. */
void cli_put_line(FILE *f, const char *s);

/* Print the help of verb v on stdout: its options, from the option
 * table; returns 0. */
int cli_verb_help(const cli_verb *v);
/* parity --option-grid: which of verbs[0..n_verbs) takes which option, as
 * the Markdown table docs/cli.md shows (a test compares the two);
 * returns 0. */
int cli_option_grid(FILE *out, const cli_verb *verbs, size_t n_verbs);

/* Report a failed library call as one line: err->msg (which names the
 * file, tensor and field), or "path: <status>" when it is empty. Returns 2. */
int cli_fail_err(const parity_error *err, const char *path, parity_status st);

/* Open the sets of paths[0..n), n <= 4: REF, PORT, then report's REFW,
 * PORTW; a NULL path leaves its set NULL. Then --map: one warning line on
 * stderr per rule that matches no name of PORT nor of PORTW (a typo, a
 * rule for another model), which never changes the exit status. Returns 0, or
 * 2 after the error line of the first set that does not open; every set
 * opened stays in sets[] for the caller to free (the others are NULL). */
int cli_open_sides(const cli_opts *o, const char *const *paths, int n, parity_set **sets);

/* A set was opened: say on stderr when it was recovered from an unfinished
 * trace ("parity.recovered"), and watch its mapped files (guard.c). */
void cli_opened(const parity_set *set);

/* SIGBUS from an input file that shrank while it was read (guard.c):
 * install the handler once, at start; watch a set's mapped files once it
 * is open; forget them before it is freed. */
void cli_guard_install(void);
void cli_guard_watch(const parity_set *set);
void cli_guard_forget(const parity_set *set);

/* Close the sets of sets[0..n) (NULL ones skipped): first check that no
 * file they mapped changed while it was read (parity_set_check_files),
 * which turns rc into 2 after one line naming the file. Returns rc. */
int cli_close_sides(parity_set **sets, int n, int rc);

/* -o, before any input is opened (output.c): "-" is standard output; a
 * path must be absent or a regular file, in a directory that exists and
 * may be written; a symbolic link only with --force (the file it names is
 * written). Sets o->output_target. Returns 0, or 2 after one line. */
int cli_output_prepare(const cli_verb *v, cli_opts *o);
/* -o, once the inputs are open and before any work: refuse an output
 * that is one of the files the sets sets[0..n) were read from, or one of
 * the other files the options name (--map). Returns 0, or 2 after one
 * line. */
int cli_output_not_input(const cli_verb *v, const cli_opts *o, parity_set *const *sets, int n);
/* Write data[0..len) where -o says: atomically over the file (then its
 * name on stdout), or to standard output. Returns 0, or 2 after one line. */
int cli_output_write(const cli_opts *o, const void *data, size_t len);

/* Was the option named name (long form, without "--") given? */
int cli_option_given(const cli_opts *o, const char *name);

/* Open the set at path as every verb does: the progress line says
 * "reading PATH" and counts the files of a folder. */
parity_status cli_open_set(const char *path, parity_set **out, parity_error *err);

/* The walk options of trace and report: pairing, comparing, --inputs and
 * the solver globs (those not given keep the walk's defaults). */
parity_walk_opts cli_walk_opts(const cli_opts *o);

/* --only / --skip: is the tensor name selected? */
int cli_selected(const cli_opts *o, const char *name);


/* Flush stdout at the end of a verb: rc, or 2 after "parity: cannot write
 * to standard output: REASON" when the flush fails (a full disk, a closed
 * pipe) and rc does not already say trouble. */
int cli_flush(int rc);

/* Write s to stdout; 0, or 2 after "parity: ..." when s is NULL (out of
 * memory) or the write fails. */
int cli_emit(const char *s);

/* ---- the progress line on stderr (progress.c, docs/cli.md) ---------------- */

/* Begin the line of verb: with CLI_PROGRESS_AUTO it is drawn only when
 * stderr is a terminal; in any mode only once the run has lasted 1 s
 * (PARITY_PROGRESS_AFTER_MS=N: N ms). cli_parse calls it. */
void cli_progress_start(const char *verb, cli_progress_mode mode);
/* The callback to put in the library's options ({NULL, NULL} when no
 * line will be drawn, so the library does not even call). */
parity_progress cli_progress_hook(void);
/* A new phase, printf-style ("reading ref/", a tensor name): the counts
 * start over. */
void cli_progress_phase(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A verb's own loop: done of total units (noun: "tensors") are through. */
void cli_progress_count(const char *noun, uint64_t done, uint64_t total);
/* The verb hands the library its pairs first.. of total (noun) in one
 * call: the library's counts of pairs in that call are counted from
 * first, of total. */
void cli_progress_window(const char *noun, uint64_t first, uint64_t total);
/* Erase the line before writing anything else on stderr; the next count
 * redraws it. cli_fail calls it. */
void cli_progress_clear(void);
/* The same before writing on stdout, when stdout is a terminal too (a
 * report going to a file leaves the line alone). cli_emit calls it. */
void cli_progress_before_stdout(void);
/* Erase the line for good (main, once the verb has run). */
void cli_progress_end(void);

/* explain_pick.c: the pair a name given to explain means. */
/* The pair reported under name ("name@k": position k of a series, as trace
 * prints it), else one whose tensor on either side is name: at position
 * step when step >= 0 and the name has one there, else the first. NULL
 * when none. */
const parity_pair *cli_explain_find(const parity_match *m, const char *name, int64_t step);
/* When *p is a position of a series (a step pair), the series' worst
 * position, as trace shows it (relative error; +Inf for one-sided
 * non-finite values), in *p; *differs 1 when any position is not MATCH,
 * note (cap bytes) "the worst of N positions ...". Nothing changes for a
 * pair that is no position. 0, or 2 after printing the error. */
int cli_explain_worst(const parity_match *m, const parity_diff_opts *dopts,
                      const parity_pair **p, int *differs, char *note, size_t cap);
/* Why name gives no pair, to follow ": " in an error ("it is only in
 * ref (pair it with --map FILE or --pair content)", "it is a copy of X in
 * ref, not compared (-t X)"), "" when no tensor has that name; labels:
 * --labels (NULL entries: ref, port). */
void cli_name_unpaired(const parity_match *m, const char *name, const char *const labels[2],
                       char *why, size_t cap);
/* The pair before p in the match (for a position, the previous one at the
 * same position, of another stage), or NULL. */
const parity_pair *cli_explain_previous(const parity_match *m, const parity_pair *p);

#endif /* PARITY_CLI_OPTIONS_H */
