/*
 * bench_phases.c — where the time of `parity diff REF PORT` goes, phase by
 * phase, through the library calls the CLI makes: open both sides, pair
 * them, compare every pair (parity_diff_many), render the text report.
 * Prints the CPU time (user + system of the process) and wall time of
 * each phase. Never used by tests.
 *
 *   cc -O2 -Iinclude bench/bench_phases.c BUILD/libparity.a \
 *      -lcjson -lz -lspng -lm -lpthread -o bench_phases
 *   ./bench_phases REF PORT [threads]
 */
#include "parity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double wall(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec +
           (double)u.ru_stime.tv_sec + 1e-6 * (double)u.ru_stime.tv_usec;
}

static double t_wall, t_cpu;
static void phase(const char *name) {
    double w = wall(), c = cpu();
    if (name) printf("%-10s %8.2f ms cpu %8.2f ms wall\n", name, 1e3 * (c - t_cpu), 1e3 * (w - t_wall));
    t_wall = w, t_cpu = c;
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    parity_error err = {0};
    parity_set *a = NULL, *b = NULL;
    parity_match *m = NULL;
    parity_match_opts mo = {0};
    parity_diff_opts o = parity_diff_opts_default();
    o.threads = argc > 3 ? atoi(argv[3]) : 2;
    phase(NULL);
    if (parity_set_open(argv[1], NULL, &a, &err) || parity_set_open(argv[2], NULL, &b, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    phase("open");
    if (parity_match_sets(a, b, &mo, &m, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    phase("match");
    size_t n = parity_match_count(m);
    parity_diff_item *items = calloc(n ? n : 1, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        const parity_pair *p = parity_match_pair(m, i);
        if (p->layout_ok) items[i] = (parity_diff_item){.ref = &p->ref_view, .port = &p->port_view};
    }
    parity_diff_many(items, n, &o, &err);
    phase("compare");
    parity_report_opts ro = parity_report_opts_default();
    parity_report *r = parity_report_new(&ro);
    size_t bytes = 0;
    const char *s = parity_report_diff_begin(r, argv[1], argv[2], m);
    bytes += s ? strlen(s) : 0;
    for (size_t i = 0; i < n; i++) {
        parity_report_item it = {parity_match_pair(m, i), &items[i].diff, NULL, items[i].diff.verdict};
        s = parity_report_diff_item(r, &it);
        bytes += s ? strlen(s) : 0;
    }
    s = parity_report_diff_end(r, m);
    bytes += s ? strlen(s) : 0;
    phase("report");
    for (size_t i = 0; i < n; i++) parity_diff_clear(&items[i].diff);
    free(items);
    parity_report_free(r);
    parity_match_free(m);
    parity_set_free(a);
    parity_set_free(b);
    phase("free");
    printf("%zu pairs, %zu bytes of report\n", n, bytes);
    return 0;
}
