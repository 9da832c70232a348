/*
 * test_trace_render.c — the trace walk's reports (src/render/trace_*.c) on
 * the committed toy traces of tests/cli/data/trace (tools/gen_trace_fixtures.py):
 *
 * - text: the first line is the inputs statement, with the noise input's
 *   relative error as computed here in long double from the raw tensors;
 *   one line per stage in the walk's order; the schedule rows equal the
 *   cosine and linear schedules computed here, to 5 decimals; the guidance
 *   line names 0.70000 and -0.70000; -q prints exactly five lines (inputs, first
 *   divergence, culprit, coverage, the name only in ref);
 * - JSON parses (cJSON) and carries the walk's numbers bit for bit: every
 *   stage's relative, the first divergence and culprit, each series'
 *   relative curve, dt and t of both schedules (t has n + 1 entries);
 * - Markdown: one table row per stage, the inputs statement in bold;
 * - a set in natural name order gets the note, one with parity.order not.
 */
#include "testutil.h"
#include "parity.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct opened {
    parity_set *ref, *port;
    parity_walk *walk;
} opened;

static opened open_pair(const char *ref, const char *port) {
    char a[1024], b[1024];
    const char *src = getenv("PARITY_SRC");
    parity_error e;
    opened o = {NULL, NULL, NULL};
    snprintf(a, sizeof a, "%s/tests/cli/data/trace/%s", src ? src : ".", ref);
    snprintf(b, sizeof b, "%s/tests/cli/data/trace/%s", src ? src : ".", port);
    CHECK_OK(parity_set_open(a, NULL, &o.ref, &e), &e);
    CHECK_OK(parity_set_open(b, NULL, &o.port, &e), &e);
    if (o.ref && o.port) CHECK_OK(parity_walk_run(o.ref, o.port, NULL, &o.walk, &e), &e);
    return o;
}

static void close_pair(opened *o) {
    parity_walk_free(o->walk);
    parity_set_free(o->ref);
    parity_set_free(o->port);
}

/* The report of o in format f (quiet q) as a malloc'd copy. */
static char *render(const opened *o, parity_format f, int q) {
    parity_report_opts ro = parity_report_opts_default();
    ro.format = f;
    ro.quiet = q;
    parity_report *r = parity_report_new(&ro);
    const char *s = r ? parity_report_trace(r, o->walk, o->ref, o->port, NULL) : NULL;
    char *copy = s ? strdup(s) : NULL;
    parity_report_free(r);
    CHECK(copy != NULL);
    return copy;
}

/* ‖p − r‖₂/‖r‖₂ of one tensor, in long double, straight from the sets. */
static double relative_of(const opened *o, const char *name) {
    const parity_tensor *r = parity_set_tensor(o->ref, (size_t)parity_set_find(o->ref, name));
    const parity_tensor *p = parity_set_tensor(o->port, (size_t)parity_set_find(o->port, name));
    long double dd = 0, rr = 0;
    for (uint64_t i = 0; i < r->count; i++) {
        double x, y;
        parity_tensor_read(r, i, 1, &x);
        parity_tensor_read(p, i, 1, &y);
        dd += ((long double)y - x) * ((long double)y - x);
        rr += (long double)x * x;
    }
    return (double)sqrtl(dd / rr);
}

static size_t count_lines(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static void test_text_inputs(void) {
    opened o = open_pair("ref.safetensors", "port_inputs.safetensors");
    if (!o.walk) return;
    char *s = render(&o, PARITY_FORMAT_TEXT, 0);
    char want[128];
    snprintf(want, sizeof want, "Inputs differ: noise (relative %.1e), spks (only in ref)",
             relative_of(&o, "noise"));
    CHECK_MSG(s && strncmp(s, want, strlen(want)) == 0, "first line: %.120s", s ? s : "");
    /* one line per stage, in the walk's order, name first */
    const char *at = s ? strstr(s, "\nstage ") : NULL;
    for (size_t i = 0; at && i < parity_walk_stage_count(o.walk); i++) {
        const char *name = parity_walk_stage(o.walk, i)->pair->ref->name;
        at = strchr(at + 1, '\n');
        CHECK_MSG(at && strncmp(at + 1, name, strlen(name)) == 0 && at[1 + strlen(name)] == ' ',
                  "stage %zu: expected a line for %s", i, name);
    }
    free(s);
    s = render(&o, PARITY_FORMAT_TEXT, 1);
    /* inputs, first, the blame rule, culprit, coverage, the name only in ref */
    CHECK_MSG(s && count_lines(s) == 6, "%s", s ? s : "");
    CHECK(s && strstr(s, "\nBlame by execution order: no data flow recorded "));
    CHECK(s && strstr(s, "\n20 of 21 stages compared (1 only in ref): "));
    CHECK(s && strstr(s, "\nonly in ref: spks\n"));
    CHECK(s && strstr(s, "\nFirst divergence: noise (stage 2 of 20)"));
    free(s);
    close_pair(&o);
}

/* t_k = 1 − cos(πk/8) (cosine, 4 steps) vs k/4: rows "k dt dt t t". */
static void test_text_solver(void) {
    opened o = open_pair("ref.safetensors", "port_solver.safetensors");
    if (!o.walk) return;
    char *s = render(&o, PARITY_FORMAT_TEXT, 0);
    for (int k = 1; k <= 4; k++) {
        double t0 = 1 - cos(M_PI / 2 * (k - 1) / 4), t1 = 1 - cos(M_PI / 2 * k / 4);
        char row[128];
        snprintf(row, sizeof row, "\n%4d  %10.5f  %10.5f  %10.5f  %10.5f\n", k, t1 - t0,
                 0.25, t0, (k - 1) / 4.0);
        CHECK_MSG(s && strstr(s, row), "missing schedule row:%s", row);
    }
    CHECK(s && strstr(s, "\nThe schedules differ: first at k=1, dt 0.07612 vs 0.25000\n"));
    CHECK(s && strstr(s, "w_ref 0.70000, w_port -0.70000 at every step (k=1..4): they differ"));
    CHECK(s && strstr(s, "\nCulprit: ode.step1.dxdt: relative "));
    CHECK(s && strstr(s, "  ode.step{k}.x         k=1..4  relative: "));
    CHECK(s && strncmp(s, "Inputs: 3 equal (mu, spks, noise)\n", 34) == 0);
    free(s);
    close_pair(&o);
}

static const cJSON *get(const cJSON *o, const char *key) {
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static int same_num(const cJSON *x, double want) {
    if (!isfinite(want)) return cJSON_IsNull(x);
    return cJSON_IsNumber(x) && x->valuedouble == want;
}

static void check_json_schedule(const cJSON *sch, const parity_schedule *s) {
    CHECK(cJSON_GetArraySize(get(sch, "t_ref")) == (int)s->n + 1);
    for (size_t i = 0; i < s->n; i++) {
        CHECK(same_num(cJSON_GetArrayItem(get(sch, "dt_ref"), (int)i), s->dt_ref[i]));
        CHECK(same_num(cJSON_GetArrayItem(get(sch, "dt_port"), (int)i), s->dt_port[i]));
    }
    for (size_t i = 0; i <= s->n; i++)
        CHECK(same_num(cJSON_GetArrayItem(get(sch, "t_port"), (int)i), s->t_port[i]));
    CHECK(cJSON_IsTrue(get(sch, "differ")));
}

static void test_json(void) {
    opened o = open_pair("ref.safetensors", "port_solver.safetensors");
    if (!o.walk) return;
    char *s = render(&o, PARITY_FORMAT_JSON, 0);
    cJSON *doc = s ? cJSON_Parse(s) : NULL;
    CHECK_MSG(doc != NULL, "JSON does not parse");
    if (doc) {
        const cJSON *st = get(doc, "stages");
        CHECK(cJSON_GetArraySize(st) == (int)parity_walk_stage_count(o.walk));
        for (size_t i = 0; i < parity_walk_stage_count(o.walk); i++) {
            const parity_stage *g = parity_walk_stage(o.walk, i);
            const cJSON *j = cJSON_GetArrayItem(st, (int)i);
            CHECK_EQ_STR(cJSON_GetStringValue(get(j, "name")), g->pair->ref->name);
            CHECK(same_num(get(get(j, "metrics"), "relative"), g->diff.relative));
        }
        CHECK(same_num(get(get(doc, "first_divergence"), "index"),
                       (double)parity_walk_first_divergence(o.walk)));
        CHECK(same_num(get(get(doc, "culprit"), "jump"),
                       parity_walk_stage(o.walk, (size_t)parity_walk_culprit(o.walk))->jump));
        const parity_series *se = parity_walk_series(o.walk, 3);
        const cJSON *js = cJSON_GetArrayItem(get(doc, "series"), 3);
        CHECK_EQ_STR(cJSON_GetStringValue(get(js, "pattern")), se->pattern);
        for (size_t k = 0; k < se->n; k++)
            CHECK(same_num(cJSON_GetArrayItem(get(js, "relative"), (int)k),
                           parity_walk_stage(o.walk, se->stage[k])->diff.relative));
        check_json_schedule(get(doc, "schedule"), parity_walk_schedule(o.walk));
        CHECK(same_num(cJSON_GetArrayItem(get(get(doc, "guidance"), "w_port"), 0),
                       parity_walk_guidance(o.walk)->w_port[0]));
        CHECK(cJSON_IsTrue(get(get(doc, "inputs"), "equal")));
    }
    cJSON_Delete(doc);
    free(s);
    close_pair(&o);
}

static void test_md(void) {
    opened o = open_pair("ref.safetensors", "port_inputs.safetensors");
    if (!o.walk) return;
    char *s = render(&o, PARITY_FORMAT_MD, 0);
    CHECK(s && strncmp(s, "**Inputs differ: `noise` (relative ", 35) == 0);
    size_t rows = 0;
    for (const char *p = s; p && (p = strstr(p, "\n| ")); p++)
        rows += p[3] >= '1' && p[3] <= '9';
    /* stage rows ("| 1 |" ...) plus the schedule and guidance rows */
    CHECK_MSG(s && strstr(s, "\n| 20 | mel |"), "no row for stage 20");
    CHECK(rows == 20 + 4 + 4);
    CHECK(s && strstr(s, "\n- **First divergence:** `noise` (stage 2 of 20)"));
    free(s);
    close_pair(&o);
}

/* A trace without parity.order, written here: natural order, the note. */
static void test_natural_note(void) {
    char path[] = "/tmp/parity_trace_render_XXXXXX";
    int fd = mkstemp(path);
    if (!CHECK(fd >= 0)) return;
    close(fd);
    parity_error e;
    parity_writer *w = NULL;
    const int64_t shape[1] = {4};
    const float a[4] = {1, 2, 3, 4};
    CHECK_OK(parity_writer_open(path, &w, &e), &e);
    const char *names[3] = {"step10", "step2", "step1"};
    for (int i = 0; i < 3 && w; i++)
        CHECK_OK(parity_writer_add(w, names[i], PARITY_DT_F32, 1, shape, a, &e), &e);
    CHECK_OK(parity_writer_close(w, &e), &e);
    parity_set *set = NULL;
    parity_walk *walk = NULL;
    CHECK_OK(parity_set_open(path, NULL, &set, &e), &e);
    if (set) CHECK_OK(parity_walk_run(set, set, NULL, &walk, &e), &e);
    opened o = {set, set, walk};
    char *s = walk ? render(&o, PARITY_FORMAT_TEXT, 0) : NULL;
    CHECK(s && strstr(s, "\nNote: the order is natural name order"));
    CHECK(s && strstr(s, "\nstep1 ") && strstr(s, "\nstep1 ") < strstr(s, "\nstep2 ") &&
          strstr(s, "\nstep2 ") < strstr(s, "\nstep10 "));
    CHECK(s && strstr(s, "\nFirst divergence: none; every stage is MATCH\n"));
    free(s);
    parity_walk_free(walk);
    parity_set_free(set);
    unlink(path);
    opened m = open_pair("ref.safetensors", "port_same.safetensors");
    s = m.walk ? render(&m, PARITY_FORMAT_TEXT, 0) : NULL;
    CHECK(s && !strstr(s, "Note:"));
    free(s);
    close_pair(&m);
}

/* Write dir/ref.safetensors and dir/port.safetensors (paths into path[])
 * with stages names[0..n), each 8 F64 values value(side, stage, j), in
 * that order (parity.order), and open both and walk them into o. */
static void write_and_walk(const char *dir, const char *const *names, size_t n,
                           double (*value)(int side, size_t i, int j), char path[2][600],
                           opened *o) {
    parity_error e;
    const int64_t shape[1] = {8};
    char order[512] = "[";
    for (size_t i = 0; i < n; i++)
        snprintf(order + strlen(order), sizeof order - strlen(order), "%s\"%s\"", i ? "," : "",
                 names[i]);
    strcat(order, "]");
    for (int side = 0; side < 2; side++) {
        parity_writer *wr = NULL;
        snprintf(path[side], 600, "%s/%s.safetensors", dir, side ? "port" : "ref");
        CHECK_OK(parity_writer_open(path[side], &wr, &e), &e);
        for (size_t i = 0; wr && i < n; i++) {
            double v[8];
            for (int j = 0; j < 8; j++) v[j] = value(side, i, j);
            CHECK_OK(parity_writer_add(wr, names[i], PARITY_DT_F64, 1, shape, v, &e), &e);
        }
        if (wr) CHECK_OK(parity_writer_meta(wr, "parity.order", order, &e), &e);
        if (wr) CHECK_OK(parity_writer_close(wr, &e), &e);
    }
    *o = (opened){NULL, NULL, NULL};
    CHECK_OK(parity_set_open(path[0], NULL, &o->ref, &e), &e);
    CHECK_OK(parity_set_open(path[1], NULL, &o->port, &e), &e);
    if (o->ref && o->port) CHECK_OK(parity_walk_run(o->ref, o->port, NULL, &o->walk, &e), &e);
}

/* A module called at every step jumps x1000 at its first call, x1500 at
 * its second: the culprit line names the first call and says where the
 * largest jump is; JSON carries it as culprit.largest_jump. */
static const double culprit_rel[] = {0, 1e-3, 1e-6, 1.5e-3, 1e-6, 1.2e-3};
static double culprit_value(int side, size_t i, int j) {
    return (1 + j / 8.0) * (side ? 1 + culprit_rel[i] : 1);
}

static void test_culprit_preferred(void) {
    char dir[] = "/tmp/parity_test_trace_render_XXXXXX";
    if (!CHECK(mkdtemp(dir))) return;
    static const char *const names[] = {"s1.in", "s1.gelu", "s2.in", "s2.gelu", "s3.in", "s3.gelu"};
    char path[2][600];
    opened o;
    write_and_walk(dir, names, 6, culprit_value, path, &o);
    if (o.walk) {
        char *s = render(&o, PARITY_FORMAT_TEXT, 1);
        CHECK_MSG(s && strstr(s, "\nCulprit: s1.gelu: relative 0.001, x1e+03 over s1.in "
                                 "(relative 0, counted from the floor 1e-06); the first call "
                                 "of s{k}.gelu to jump within x2 of the largest jump, x1.5e+03 "
                                 "at s2.gelu\n"), "%s", s ? s : "");
        free(s);
        s = render(&o, PARITY_FORMAT_JSON, 0);
        cJSON *doc = s ? cJSON_Parse(s) : NULL;
        const cJSON *lj = get(get(doc, "culprit"), "largest_jump");
        CHECK(cJSON_IsString(get(get(doc, "culprit"), "name")) &&
              strcmp(get(get(doc, "culprit"), "name")->valuestring, "s1.gelu") == 0);
        CHECK(cJSON_IsString(get(lj, "name")) && strcmp(get(lj, "name")->valuestring, "s2.gelu") == 0);
        CHECK(cJSON_IsString(get(lj, "series")) &&
              strcmp(get(lj, "series")->valuestring, "s{k}.gelu") == 0);
        CHECK(same_num(get(lj, "jump"), parity_walk_stage(o.walk, 3)->jump));
        cJSON_Delete(doc);
        free(s);
    }
    close_pair(&o);
    for (int side = 0; side < 2; side++) unlink(path[side]);
    rmdir(dir);
}

/* A stage whose port holds a NaN where the reference is finite ranks as
 * relative +Inf in the walk, and every rendering says so alike: the text
 * culprit line, the JSON culprit, and the HTML stage table's sort value
 * (which once used the finite-pair metric, 0). */
static double nan_value(int side, size_t i, int j) {
    if (side && i == 1 && j == 3) return NAN;
    return 1 + j / 8.0 + (side && i == 2 ? 0.01 : 0);
}

static void test_nan_sided_rank(void) {
    char dir[] = "/tmp/parity_test_nan_rank_XXXXXX";
    if (!CHECK(mkdtemp(dir))) return;
    static const char *const names[] = {"a", "b", "c"};
    char path[2][600];
    parity_error e;
    opened o;
    write_and_walk(dir, names, 3, nan_value, path, &o);
    if (o.walk) {
        CHECK(isinf(parity_stage_relative(parity_walk_stage(o.walk, 1))));
        CHECK_EQ_INT(parity_walk_culprit(o.walk), 1);
        char *s = render(&o, PARITY_FORMAT_TEXT, 1);
        CHECK_MSG(s && strstr(s, "\nCulprit: b: non-finite values in ref only: 0, in port only: 1"),
                  "%s", s ? s : "");
        free(s);
        s = render(&o, PARITY_FORMAT_JSON, 0);
        cJSON *doc = s ? cJSON_Parse(s) : NULL;
        const cJSON *nf = get(get(doc, "culprit"), "relative_nonfinite");
        CHECK(cJSON_IsString(nf) && strcmp(nf->valuestring, "inf") == 0);
        cJSON_Delete(doc);
        free(s);
        parity_html_opts ho = parity_html_opts_default();
        char *html = NULL;
        size_t n = 0;
        CHECK_OK(parity_html_report(o.walk, &ho, &html, &n, &e), &e);
        const char *row = html ? strstr(html, "data-name=\"b\"") : NULL;
        const char *end = row ? strstr(row, "</tr>") : NULL;
        const char *rel = row ? strstr(row, "<td>[8]</td><td data-value=\"inf\">") : NULL;
        CHECK_MSG(rel && rel < end, "HTML row of b: %.300s", row ? row : "(none)");
        parity_free(html);
    }
    close_pair(&o);
    for (int side = 0; side < 2; side++) unlink(path[side]);
    rmdir(dir);
}

int main(void) {
    test_text_inputs();
    test_text_solver();
    test_json();
    test_md();
    test_natural_note();
    test_culprit_preferred();
    test_nan_sided_rank();
    return TEST_SUMMARY();
}
