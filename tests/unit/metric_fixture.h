/*
 * metric_fixture.h — the NumPy-computed expectations of the metric tests
 * (test_stats.c, test_diff.c): tools/gen_metric_data.py writes the data
 * files and metrics.json into the build tree; this runs it and parses
 * the JSON. Header-only, for the tests that include it.
 */
#ifndef PARITY_METRIC_FIXTURE_H
#define PARITY_METRIC_FIXTURE_H

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

/* Generate the fixture of kind ("stats" or "diff") into
 * $PARITY_BUILD/metric_data_<kind> (dir[cap] receives that path) and
 * return its parsed metrics.json, or NULL. */
static inline cJSON *load_metric_fixture(const char *kind, char *dir, size_t cap) {
    const char *py = getenv("PARITY_PYTHON");
    const char *build = getenv("PARITY_BUILD");
    const char *src = getenv("PARITY_SRC");
    if (!py || !*py) py = "/usr/bin/python3";
    snprintf(dir, cap, "%s/metric_data_%s", build && *build ? build : ".", kind);
    char cmd[4096], path[1200];
    snprintf(cmd, sizeof cmd, "'%s' '%s/tools/gen_metric_data.py' '%s' %s", py,
             src && *src ? src : ".", dir, kind);
    if (system(cmd) != 0) return NULL;
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = len >= 0 ? calloc(1, (size_t)len + 1) : NULL;
    size_t got = text ? fread(text, 1, (size_t)len, f) : 0;
    fclose(f);
    if (!text) return NULL;
    text[got] = '\0';
    cJSON *j = cJSON_Parse(text);
    free(text);
    return j;
}

#endif /* PARITY_METRIC_FIXTURE_H */
