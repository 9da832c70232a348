/*
 * options.h — the command line shared by parity's verbs (SPEC §2): one
 * parser for every option, so a verb only says which ones it accepts and
 * how many positional arguments it wants.
 */
#ifndef PARITY_CLI_OPTIONS_H
#define PARITY_CLI_OPTIONS_H

#include "parity.h"

#include <stdio.h>

#define CLI_MAX_POS 64

typedef enum cli_color { CLI_COLOR_AUTO = 0, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER } cli_color;

typedef struct cli_opts {
    const char *pos[CLI_MAX_POS]; /* positional arguments (files)            */
    int n_pos;
    char labels_buf[256];         /* storage of --labels A,B                 */
    parity_match_opts match;      /* --only --skip --map --by-order          */
    parity_diff_opts diff;        /* --atol --rtol --match-tol ... --threads */
    parity_report_opts report;    /* --format -v -q --labels, color/unicode  */
    cli_color color;
    const char *inputs_glob;      /* --inputs GLOB                           */
    int help;                     /* -h / --help was given                   */
} cli_opts;

/* A verb: its name, one-line summary, usage synopsis and entry point. */
typedef struct cli_verb {
    const char *name;
    const char *synopsis; /* "REF PORT [options]"                           */
    const char *summary;
    int (*run)(int argc, char **argv);
} cli_verb;

/* Parse argv[1..argc) (argv[0] is the verb) into o. Returns 0, or 2 after
 * printing one "parity: ..." line on stderr. min_pos/max_pos bound the
 * positional arguments (max_pos < 0: no limit up to CLI_MAX_POS). */
int cli_parse(int argc, char **argv, const char *verb, int min_pos, int max_pos,
              cli_opts *o);

/* Print "parity: <message>" on stderr and return 2. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the help of one verb (and the shared options) on out. */
void cli_print_verb_help(FILE *out, const char *verb, const char *synopsis,
                         const char *summary);

/* Report a failed library call as one line: err->msg (which names the
 * file, tensor and field), or "path: <status>" when it is empty. Returns 2. */
int cli_fail_err(const parity_error *err, const char *path, parity_status st);

/* --map: one warning line on stderr per rule that matches no name of port
 * (POSIX ERE: "\d" is a plain 'd'); never changes the exit status. */
void cli_warn_map(const cli_opts *o, const parity_set *port);

/* --only / --skip: is the tensor name selected? */
int cli_selected(const cli_opts *o, const char *name);

/* Print the help of verb on stdout (main.c knows the verbs); returns 0. */
int cli_verb_help(const char *verb);

/* Write s to stdout; 0, or 2 after "parity: ..." when s is NULL (out of
 * memory) or the write fails. */
int cli_emit(const char *s);

#endif /* PARITY_CLI_OPTIONS_H */
