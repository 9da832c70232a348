/*
 * bench_accuracy.c — docs/performance.md accuracy at scale: parity_stats_tensor and a
 * threaded self-diff on the files bench_accuracy.py wrote, against
 * math.fsum. Sum, mean and std must be within 1e-12 relative (also the
 * diff's own side statistics: the fused kernel's path, with its plain sums
 * for F32); min, max and positions exact; threads 1, 2 and 8 bit-identical.
 *
 * Build: cc -O2 -Iinclude bench/bench_accuracy.c BUILD/libparity.a \
 *            -lcjson -lz -lm -lpthread -o bench_accuracy
 * Run:   python3 bench/bench_accuracy.py /tmp/acc 1e8 && ./bench_accuracy /tmp/acc
 */
#include "parity.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? strtod(v->valuestring, NULL) : v ? v->valuedouble : NAN;
}

static int near(double a, double b, double rel) {
    return a == b || fabs(a - b) <= rel * fmax(fabs(a), fabs(b));
}

static int check_one(const char *kind, const cJSON *e) {
    parity_set *set = NULL;
    parity_error err;
    parity_stats s;
    const char *path = cJSON_GetObjectItemCaseSensitive(e, "file")->valuestring;
    if (parity_set_open(path, NULL, &set, &err) != PARITY_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const parity_tensor *t = parity_set_tensor(set, 0);
    parity_stats_tensor(t, &s, &err);
    int bad = 0;
    bad += !near(s.sum, num(e, "sum"), 1e-12);
    bad += !near(s.mean, num(e, "mean"), 1e-12);
    bad += !near(s.std, num(e, "std"), 1e-12);
    bad += s.min != num(e, "min") || s.max != num(e, "max");
    bad += (double)s.argmin != num(e, "argmin") || (double)s.argmax != num(e, "argmax");
    printf("%-7s sum %.17g (fsum %.17g, exact: %s) mean rel err %.2g std rel err %.2g%s\n",
           kind, s.sum, num(e, "sum"), s.sum == num(e, "sum") ? "yes" : "no",
           fabs(s.mean - num(e, "mean")) / fabs(num(e, "mean")),
           fabs(s.std - num(e, "std")) / fabs(num(e, "std")), bad ? "  FAIL" : "");
    parity_diff d[3];
    const int threads[3] = {1, 2, 8};
    for (int i = 0; i < 3; i++) {
        parity_diff_opts o = parity_diff_opts_default();
        o.threads = threads[i];
        parity_diff_tensors(t, t, &o, &d[i], &err);
    }
    int same = memcmp(&d[0], &d[1], sizeof d[0]) == 0 && memcmp(&d[0], &d[2], sizeof d[0]) == 0;
    printf("%-7s threads 1/2/8 bit-identical: %s\n", kind, same ? "yes" : "NO");
    /* the diff's own side statistics (the fused kernel's path for F32) */
    int dbad = !near(d[0].ref.sum, num(e, "sum"), 1e-12) || !near(d[0].ref.std, num(e, "std"), 1e-12);
    printf("%-7s diff: sum %.17g (exact: %s) std rel err %.2g%s\n", kind, d[0].ref.sum,
           d[0].ref.sum == num(e, "sum") ? "yes" : "no",
           fabs(d[0].ref.std - num(e, "std")) / fabs(num(e, "std")), dbad ? "  FAIL" : "");
    bad += dbad;
    parity_set_free(set);
    return bad + !same;
}

int main(int argc, char **argv) {
    char path[4096];
    snprintf(path, sizeof path, "%s/accuracy.json", argc > 1 ? argv[1] : ".");
    FILE *f = fopen(path, "rb");
    if (!f) return 2;
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    cJSON *j = cJSON_Parse(text), *e;
    int bad = 0;
    cJSON_ArrayForEach(e, j) bad += check_one(e->string, e);
    cJSON_Delete(j);
    printf("%s\n", bad ? "FAILED" : "all within targets");
    return bad != 0;
}
