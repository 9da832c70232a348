/*
 * progress.c — the progress line of long runs (docs/cli.md, SPEC §2): one
 * line on stderr, redrawn in place with '\r', that says how far the verb
 * is ("parity trace: 1,234 of 3,000 stages (41%)") and is erased before
 * anything else is written and when the verb ends.
 *
 * It appears only once a run has taken longer than a second (the
 * environment variable PARITY_PROGRESS_AFTER_MS changes that delay; the
 * tests set 0), only when stderr is a terminal unless --progress forces it,
 * never with --no-progress, and is redrawn at most ten times a second.
 * The counts come from the library's progress callback (parity_progress:
 * files of a folder, stages of a walk, elements of a pair), always on the
 * thread that called the library, and from the verbs' own loops.
 *
 * One stderr per process, so one line: its state is this file's.
 */
#include "options.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_S 0.1   /* at most ten redraws a second                    */
#define AFTER_S 1.0    /* a run shorter than this never shows the line   */
#define LINE_BYTES 512  /* longest line drawn, in bytes                   */

static struct {
    int on;               /* the line may be drawn                            */
    const char *verb;
    char phase[160];      /* "reading ref/", "decoder.norm"; "" when none     */
    const char *noun;     /* of the outer count: "files", "stages", "tensors" */
    uint64_t done, total; /* the outer count; total 0: none yet               */
    uint64_t win_first, win_total; /* the verb's window of pairs; total 0: none */
    const char *win_noun;
    double frac;          /* of the unit in progress (elements), -1: none     */
    double t0, drawn_at;  /* seconds on the monotonic clock                   */
    double after;         /* seconds before the first draw                    */
    size_t shown;         /* columns of the line on screen; 0: none           */
    int stdout_tty;       /* stdout is a terminal: the report shares the line's */
} line;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* PARITY_PROGRESS_AFTER_MS, a count of milliseconds, else AFTER_S. */
static double delay_s(void) {
    const char *v = getenv("PARITY_PROGRESS_AFTER_MS");
    char *end = NULL;
    long ms = v && *v ? strtol(v, &end, 10) : -1;
    return ms >= 0 && end && !*end ? (double)ms / 1000.0 : AFTER_S;
}

void cli_progress_start(const char *verb, cli_progress_mode mode) {
    memset(&line, 0, sizeof line);
    line.verb = verb;
    line.frac = -1;
    line.on = mode == CLI_PROGRESS_ALWAYS ||
              (mode == CLI_PROGRESS_AUTO && isatty(STDERR_FILENO));
    line.t0 = now_s();
    line.after = delay_s();
    line.stdout_tty = isatty(STDOUT_FILENO);
}

/* 1234567 as "1,234,567" into buf. */
static const char *grouped(uint64_t x, char *buf, size_t cap) {
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)x);
    size_t k = 0;
    for (int i = 0; i < n && k + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0) buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}

/* The text of the line, "parity VERB: [PHASE: ]D of T NOUN (P%)" or
 * "parity VERB: PHASE[: P%]", where P counts the unit in progress by its
 * elements; 0 when there is nothing to say. */
static int compose(char *buf, size_t cap) {
    char d[32], t[32];
    const char *sep = line.phase[0] ? ": " : "";
    if (line.total > 0) {
        double f = line.frac > 0 ? line.frac : 0;
        int pct = (int)(100.0 * ((double)line.done + f) / (double)line.total);
        size_t len = strlen(line.noun); /* "1 stage", "2 stages" */
        if (line.total == 1 && len > 1 && line.noun[len - 1] == 's') len--;
        snprintf(buf, cap, "parity %s: %s%s%s of %s %.*s (%d%%)", line.verb, line.phase, sep,
                 grouped(line.done, d, sizeof d), grouped(line.total, t, sizeof t),
                 (int)len, line.noun, pct > 100 ? 100 : pct);
    } else if (line.frac >= 0) {
        snprintf(buf, cap, "parity %s: %s%s%d%%", line.verb, line.phase, sep,
                 (int)(100.0 * line.frac));
    } else if (line.phase[0]) {
        snprintf(buf, cap, "parity %s: %s", line.verb, line.phase);
    } else {
        return 0;
    }
    return 1;
}

/* Columns of the terminal on stderr; 0 when unknown (not a terminal). */
static size_t columns(void) {
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 0;
}

/* Draw the line when it is due: shown after the delay, drawn at most every
 * REDRAW_S (also after being erased for the report); force skips that
 * limit (a new phase). */
static void maybe_draw(int force) {
    if (!line.on) return;
    double t = now_s();
    if (t - line.t0 < line.after) return;
    if (!force && t - line.drawn_at < REDRAW_S) return;
    char buf[LINE_BYTES];
    if (!compose(buf, sizeof buf)) {
        cli_progress_clear();
        return;
    }
    size_t n = strlen(buf), cols = columns();
    if (cols > 1 && n > cols - 1) n = cols - 1; /* a wrapped line cannot be redrawn */
    while (n > 0 && n < strlen(buf) && ((unsigned char)buf[n] & 0xC0) == 0x80) n--;
    if (line.stdout_tty) fflush(stdout); /* what the verb printed goes first */
    fprintf(stderr, "\r%.*s%*s", (int)n, buf, line.shown > n ? (int)(line.shown - n) : 0, "");
    if (line.shown > n) fprintf(stderr, "\r%.*s", (int)n, buf);
    fflush(stderr);
    line.shown = n;
    line.drawn_at = t;
}

void cli_progress_clear(void) {
    if (!line.shown) return;
    fprintf(stderr, "\r%*s\r", (int)line.shown, "");
    fflush(stderr);
    line.shown = 0;
}

void cli_progress_before_stdout(void) {
    if (line.stdout_tty) cli_progress_clear();
}

void cli_progress_end(void) {
    cli_progress_clear();
    line.on = 0;
}

void cli_progress_phase(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line.phase, sizeof line.phase, fmt, ap);
    va_end(ap);
    line.total = line.done = 0;
    line.frac = -1;
    maybe_draw(1);
}

void cli_progress_count(const char *noun, uint64_t done, uint64_t total) {
    line.noun = noun;
    line.done = done;
    line.total = total;
    line.frac = -1; /* the elements of the next unit start over */
    maybe_draw(0);
}

void cli_progress_window(const char *noun, uint64_t first, uint64_t total) {
    line.win_noun = noun;
    line.win_first = first;
    line.win_total = total;
    cli_progress_count(noun, first, total);
}

/* The library's callback: files, stages and pairs are the outer count
 * (pairs within the verb's window), elements the fraction of the unit in
 * progress. */
static void on_progress(void *ctx, parity_progress_unit unit, uint64_t done, uint64_t total) {
    (void)ctx;
    switch (unit) {
    case PARITY_PROGRESS_FILES: cli_progress_count("files", done, total); break;
    case PARITY_PROGRESS_STAGES: cli_progress_count("stages", done, total); break;
    case PARITY_PROGRESS_PAIRS:
        if (line.win_total) cli_progress_count(line.win_noun, line.win_first + done, line.win_total);
        else cli_progress_count("pairs", done, total);
        break;
    case PARITY_PROGRESS_ELEMENTS:
        line.frac = total ? (double)done / (double)total : 0;
        maybe_draw(0);
        break;
    }
}

parity_progress cli_progress_hook(void) {
    parity_progress p = {NULL, NULL};
    if (line.on) p.fn = on_progress;
    return p;
}
