/*
 * test_render.c — the report renderers on hand-filled results, so the
 * formats are pinned independently of the readers and metrics: the seed
 * plan's block byte for byte, label padding, number formatting, -v, -q,
 * notes, integer findings, axis tables, and JSON that parses (cJSON) with
 * every number round-tripping and non-finite values as null + string.
 */
#include "testutil.h"
#include "parity.h"

#include <cjson/cJSON.h>

static parity_tensor mk_tensor(const char *name, parity_dtype dt, int ndim,
                               const int64_t *shape) {
    parity_tensor t;
    memset(&t, 0, sizeof t);
    t.name = name;
    t.file = "x.safetensors";
    t.dtype = dt;
    t.ndim = ndim;
    t.count = 1;
    for (int k = ndim - 1; k >= 0; k--) {
        t.shape[k] = shape[k];
        t.stride[k] = (int64_t)t.count;
        t.count *= (uint64_t)shape[k];
    }
    return t;
}

static parity_stats mk_stats(double mn, double mx, double mean, double std) {
    parity_stats s;
    memset(&s, 0, sizeof s);
    s.count = s.n_finite = 16000;
    s.min = mn, s.max = mx, s.mean = mean, s.std = std;
    return s;
}

/* The seed plan's example: the mel of the port is 1.46 lower. */
typedef struct fixture {
    parity_tensor ref, port;
    parity_pair pair;
    parity_diff diff;
    parity_report_item item;
} fixture;

static void fixture_init(fixture *f) {
    static const int64_t shape[3] = {1, 80, 200};
    memset(f, 0, sizeof *f);
    f->ref = mk_tensor("decoder.final_proj", PARITY_DT_F32, 3, shape);
    f->port = mk_tensor("decoder.final_proj", PARITY_DT_F32, 3, shape);
    f->pair.ref = &f->ref;
    f->pair.port = &f->port;
    f->pair.ref_view = f->ref;
    f->pair.port_view = f->port;
    f->pair.layout_ok = 1;
    f->diff.ref = mk_stats(-10.38, 0, -5.81, 2.104);
    f->diff.port = mk_stats(-10.44, -0.7, -7.27, 2.051);
    f->diff.n = 16000;
    f->diff.abs_mean = 1.46;
    f->diff.abs_max = 2.31;
    f->diff.relative = 0.253;
    f->diff.mean_diff = -1.46;
    f->diff.mean_diff_db = -1.46 * 20 / log(10);
    f->diff.verdict = PARITY_LARGE_DIFF;
    f->item.pair = &f->pair;
    f->item.diff = &f->diff;
    f->item.verdict = PARITY_LARGE_DIFF;
}

static parity_report_opts opts_with(const char *a, const char *b, int unicode) {
    parity_report_opts o;
    memset(&o, 0, sizeof o);
    o.format = PARITY_FORMAT_TEXT;
    o.labels[0] = a;
    o.labels[1] = b;
    o.unicode = unicode;
    o.diff.match_tol = 1e-4;
    o.diff.small_tol = 1e-2;
    return o;
}

/* Render one item in a fresh report; returns a malloc'd copy. */
static char *render_item(const parity_report_opts *o, const parity_report_item *it) {
    parity_report *r = parity_report_new(o);
    const char *s = parity_report_diff_item(r, it);
    char *copy = strdup(s ? s : "(null)");
    parity_report_free(r);
    return copy;
}

static void test_seed_block(void) {
    fixture f;
    fixture_init(&f);
    parity_report_opts o = opts_with("Python", "Swift", 1);
    char *s = render_item(&o, &f.item);
    CHECK_EQ_STR(s,
                 "Stage: decoder.final_proj\n"
                 "Python: [1, 80, 200], range=[-10.38, 0], mean=-5.81, std=2.104\n"
                 "Swift:  [1, 80, 200], range=[-10.44, -0.7], mean=-7.27, std=2.051\n"
                 "Diff:   abs_mean=1.46, abs_max=2.31, relative=25.3%\n"
                 "Status: \u274c LARGE DIFF\n");
    free(s);
    f.item.verdict = PARITY_SMALL_DIFF;
    s = render_item(&o, &f.item);
    CHECK(strstr(s, "Status: \u26a0\ufe0f SMALL DIFF\n") != NULL);
    free(s);
    f.item.verdict = PARITY_MATCH;
    s = render_item(&o, &f.item);
    CHECK(strstr(s, "Status: \u2705 MATCH\n") != NULL);
    free(s);
}

static void test_labels_and_plain(void) {
    fixture f;
    fixture_init(&f);
    parity_report_opts o = opts_with(NULL, NULL, 0);
    char *s = render_item(&o, &f.item);
    CHECK(strstr(s, "\nref:    [1, 80, 200]") != NULL);
    CHECK(strstr(s, "\nport:   [1, 80, 200]") != NULL);
    CHECK(strstr(s, "\nStatus: LARGE DIFF\n") != NULL);
    free(s);
    o = opts_with("PyTorch-ref", "MLX", 0);
    s = render_item(&o, &f.item);
    CHECK(strstr(s, "\nPyTorch-ref: [1, 80, 200]") != NULL);
    CHECK(strstr(s, "\nMLX:         [1, 80, 200]") != NULL);
    CHECK(strstr(s, "\nDiff:        abs_mean=") != NULL);
    CHECK(strstr(s, "\nStatus:      LARGE DIFF\n") != NULL);
    free(s);
    o.color = 1;
    s = render_item(&o, &f.item);
    CHECK(strstr(s, "Status:      \033[31mLARGE DIFF\033[0m\n") != NULL);
    free(s);
}

static void test_numbers(void) {
    char b[64];
    CHECK_EQ_STR(parity_fmt_num(4.1e-06, b, sizeof b), "4.1e-06");
    CHECK_EQ_STR(parity_fmt_num(0.004, b, sizeof b), "0.004");
    CHECK_EQ_STR(parity_fmt_num(-0.0, b, sizeof b), "0");
    CHECK_EQ_STR(parity_fmt_num(-12.6817, b, sizeof b), "-12.68");
    CHECK_EQ_STR(parity_fmt_num(12345.678, b, sizeof b), "1.235e+04");
    CHECK_EQ_STR(parity_fmt_num(5e-324, b, sizeof b), "4.941e-324");
    CHECK_EQ_STR(parity_fmt_num(NAN, b, sizeof b), "nan");
    CHECK_EQ_STR(parity_fmt_num(-INFINITY, b, sizeof b), "-inf");
    CHECK_EQ_STR(parity_fmt_pct(0.253, b, sizeof b), "25.3%");
    CHECK_EQ_STR(parity_fmt_pct(1.23e-6, b, sizeof b), "0.000123%");
    CHECK_EQ_STR(parity_fmt_pct(0, b, sizeof b), "0%");
    parity_format f;
    CHECK_EQ_INT(parity_format_parse("md", &f), 0);
    CHECK_EQ_INT(f, PARITY_FORMAT_MD);
    CHECK_EQ_INT(parity_format_parse("xml", &f), -1);
    CHECK_EQ_STR(parity_format_name(PARITY_FORMAT_CSV), "csv");
}

/* A relative just above match-tol must not print as the threshold. */
static void test_threshold_digits(void) {
    fixture f;
    fixture_init(&f);
    f.diff.relative = 1.00004e-4;
    parity_report_opts o = opts_with(NULL, NULL, 0);
    char *s = render_item(&o, &f.item);
    CHECK_MSG(strstr(s, "relative=0.0100004%\n") != NULL, "%s", s);
    free(s);
    f.diff.relative = 1e-4; /* exactly the threshold: 3 digits suffice */
    s = render_item(&o, &f.item);
    CHECK_MSG(strstr(s, "relative=0.01%\n") != NULL, "%s", s);
    free(s);
}

static void test_verbose_and_notes(void) {
    fixture f;
    fixture_init(&f);
    f.diff.rmse = 1.5;
    f.diff.cosine = 0.998;
    f.diff.pcc = 1;
    f.diff.snr_db = 12.48;
    f.diff.ulp_dtype = PARITY_DT_F32;
    f.diff.max_ulp = 1234;
    f.diff.mismatched = 16000;
    f.diff.needed_atol = 2.31;
    f.diff.needed_rtol = 0.9;
    f.diff.abs_max_at = 3 * 200 + 17;
    f.diff.abs_max_ref = -5.1;
    f.diff.abs_max_port = -7.4;
    f.port.dtype = PARITY_DT_F16;
    static const int64_t stored[3] = {1, 200, 80};
    parity_tensor port = mk_tensor("decoder.final_proj", PARITY_DT_F16, 3, stored);
    f.pair.port = &port;
    snprintf(f.pair.layout, sizeof f.pair.layout, "permute(0,2,1)");
    parity_report_opts o = opts_with("Python", "Swift", 0);
    o.verbose = 1;
    o.diff.domain = PARITY_DOMAIN_LN_MAG;
    char *s = render_item(&o, &f.item);
    CHECK_MSG(strstr(s, "\nSwift:  [1, 200, 80], range=") != NULL, "%s", s);
    CHECK_MSG(strstr(s, "relative=25.3%\n"
                        "More:   mean_diff=-1.46 (-12.68 dB), rmse=1.5, cosine=0.998, pcc=1, "
                        "snr_db=12.48, max_ulp=1234 (F32), mismatched=16000/16000, "
                        "needed_atol=2.31, needed_rtol=0.9, worst=[0, 3, 17] ref=-5.1 port=-7.4\n"
                        "Dtype:  F32 vs F16, compared in float64\n"
                        "Layout: compared after permute(0,2,1)\n"
                        "Status: LARGE DIFF\n") != NULL, "%s", s);
    free(s);
}

static void test_nonfinite_and_quiet(void) {
    fixture f;
    fixture_init(&f);
    parity_report_opts o = opts_with("Python", "Swift", 0);
    f.diff.nonfinite_port_only = 3;
    f.diff.first_nonfinite_only = 5;
    char *s = render_item(&o, &f.item);
    CHECK_MSG(strstr(s, "Note:   non-finite in Python only: 0, in Swift only: 3, "
                        "different non-finite: 0; first one-sided at [0, 0, 5]\n") != NULL, "%s", s);
    free(s);
    o.quiet = 1;
    s = render_item(&o, &f.item);
    CHECK_EQ_STR(s, "decoder.final_proj: LARGE DIFF\n");
    free(s);
}

static void test_ints(void) {
    static const int64_t a[1] = {14}, b[1] = {12};
    parity_tensor ref = mk_tensor("tokens", PARITY_DT_I64, 1, a);
    parity_tensor port = mk_tensor("tokens", PARITY_DT_I64, 1, b);
    parity_pair pair;
    memset(&pair, 0, sizeof pair);
    pair.ref = &ref, pair.port = &port;
    pair.ref_view = ref, pair.port_view = port;
    parity_diff d;
    memset(&d, 0, sizeof d);
    parity_int_cmp c;
    memset(&c, 0, sizeof c);
    c.sequence = 1, c.ref_len = 14, c.port_len = 12, c.n_compared = 12, c.n_differ = 1;
    c.first = 0, c.first_ref = 708, c.first_port = 21;
    c.win_ref_len = c.win_port_len = 2;
    c.win_ref[0] = 708, c.win_ref[1] = 5;
    c.win_port[0] = 21, c.win_port[1] = 5;
    parity_report_item it = {&pair, &d, &c, PARITY_LARGE_DIFF, NULL, NULL};
    parity_report_opts o = opts_with(NULL, NULL, 0);
    char *s = render_item(&o, &it);
    CHECK_MSG(strstr(s, "\nDiff:   first difference at position 0: 708 vs 21; lengths 14 vs 12\n"
                        "Window: [0..1] ref=[708, 5] port=[21, 5]\n"
                        "Status: LARGE DIFF\n") != NULL, "%s", s);
    free(s);
    c.first = 12, c.n_differ = 0;
    s = render_item(&o, &it);
    CHECK_MSG(strstr(s, "Diff:   lengths 14 vs 12, common prefix 12\n") != NULL, "%s", s);
    free(s);
    memset(&c, 0, sizeof c);
    c.equal = 1, c.n_compared = 14;
    it.verdict = PARITY_MATCH;
    s = render_item(&o, &it);
    CHECK_MSG(strstr(s, "Diff:   equal (14 elements)\nStatus: MATCH\n") != NULL, "%s", s);
    free(s);
}

/* Count lines of s that start with prefix. */
static int count_lines(const char *s, const char *prefix) {
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *p = s; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        n += strncmp(p, prefix, len) == 0;
    return n;
}

static void test_axis_table(void) {
    fixture f;
    fixture_init(&f);
    double md[6] = {-1, -2, -5, 0, -4, -2}, am[6] = {1, 2, 5, NAN, 4, 2};
    double rm[6] = {1, 2, 5, 0, 4, 2}, rel[6] = {0.1, 0.2, 0.5, 0, 0.4, 0.2};
    parity_axis_profile *p = &f.diff.profiles[0];
    p->axis = 1, p->len = 6;
    p->mean_diff = md, p->abs_mean = am, p->rmse = rm, p->relative = rel, p->abs_max = rm;
    f.diff.n_profiles = 1;
    parity_report_opts o = opts_with(NULL, NULL, 0);
    char *s = render_item(&o, &f.item);
    CHECK_MSG(strstr(s, "\nAxis 1 (6 indices)\n"
                        " index   mean_diff    abs_mean        rmse    relative\n"
                        "     0          -1           1           1         10%\n") != NULL, "%s", s);
    CHECK_EQ_INT(count_lines(s, "     "), 6);
    /* ties keep the lower index first; NaN (an empty slice) is not ranked */
    CHECK_MSG(strstr(s, "\nworst: i=2 (5), i=4 (4), i=1 (2), i=5 (2), i=0 (1)\n") != NULL, "%s", s);
    free(s);
    o.diff.domain = PARITY_DOMAIN_DB;
    s = render_item(&o, &f.item);
    CHECK(strstr(s, "   mean_diff     mean_dB    abs_mean") != NULL);
    free(s);
}

/* Append a chunk to a malloc'd document (chunks are valid only until the
 * next call on the report, so each is copied at once). */
static void doc_add(char **doc, size_t *len, const char *chunk) {
    size_t l = chunk ? strlen(chunk) : 0;
    char *p = realloc(*doc, *len + l + 1);
    if (!p) return;
    memcpy(p + *len, chunk ? chunk : "", l + 1);
    *doc = p;
    *len += l;
}

/* Render begin + items + end into one malloc'd document. */
static char *render_doc(const parity_report_opts *o, const parity_report_item *its, int n) {
    parity_report *r = parity_report_new(o);
    char *doc = NULL;
    size_t len = 0;
    doc_add(&doc, &len, parity_report_diff_begin(r, "ref.safetensors", "port dir", NULL));
    for (int i = 0; i < n; i++) doc_add(&doc, &len, parity_report_diff_item(r, &its[i]));
    doc_add(&doc, &len, parity_report_diff_end(r, NULL));
    parity_report_free(r);
    return doc;
}

static double jnum(const cJSON *obj, const char *key) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(x) ? x->valuedouble : -999;
}

static const char *jstr(const cJSON *obj, const char *key) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

static void test_json(void) {
    fixture f[2];
    fixture_init(&f[0]);
    fixture_init(&f[1]);
    f[0].diff.abs_mean = 0.1 + 0.2; /* needs 17 digits to round-trip */
    f[0].diff.snr_db = INFINITY;
    f[0].diff.cosine = NAN;
    f[0].diff.ulp_dtype = PARITY_DT_F32;
    f[1].ref.name = f[1].port.name = "with \"quote\"";
    parity_report_item its[2] = {f[0].item, f[1].item};
    its[1].pair = &f[1].pair, its[1].diff = &f[1].diff;
    its[0].pair = &f[0].pair, its[0].diff = &f[0].diff;
    parity_report_opts o = opts_with("Python", "Swift", 1);
    o.format = PARITY_FORMAT_JSON;
    char *doc = render_doc(&o, its, 2);
    cJSON *root = cJSON_Parse(doc);
    if (!CHECK_MSG(root != NULL, "not JSON: %s", doc)) { free(doc); return; }
    CHECK_EQ_STR(jstr(root, "parity"), "diff");
    CHECK_EQ_STR(jstr(cJSON_GetObjectItem(root, "ref"), "label"), "Python");
    CHECK_EQ_STR(jstr(cJSON_GetObjectItem(root, "port"), "path"), "port dir");
    const cJSON *ts = cJSON_GetObjectItem(root, "tensors");
    CHECK_EQ_INT(cJSON_GetArraySize(ts), 2);
    const cJSON *t0 = cJSON_GetArrayItem(ts, 0);
    const cJSON *m = cJSON_GetObjectItem(t0, "metrics");
    CHECK_SAME_DBL(jnum(m, "abs_mean"), 0.1 + 0.2);
    CHECK_SAME_DBL(jnum(m, "relative"), 0.253);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(m, "snr_db")));
    CHECK_EQ_STR(jstr(m, "snr_db_nonfinite"), "inf");
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(m, "cosine")));
    CHECK_EQ_STR(jstr(m, "cosine_nonfinite"), "nan");
    CHECK_EQ_STR(jstr(m, "ulp_dtype"), "F32");
    CHECK_EQ_STR(jstr(t0, "verdict"), "LARGE DIFF");
    CHECK_SAME_DBL(jnum(cJSON_GetObjectItem(t0, "ref"), "min"), -10.38);
    CHECK_EQ_STR(jstr(cJSON_GetArrayItem(ts, 1), "name"), "with \"quote\"");
    const cJSON *sum = cJSON_GetObjectItem(root, "summary");
    CHECK_EQ_INT(jnum(sum, "tensors"), 2);
    CHECK_EQ_INT(jnum(sum, "large_diff"), 2);
    cJSON_Delete(root);
    free(doc);
}

/* Fields of a CSV line without quoted commas. */
static int csv_fields(const char *line) {
    int n = 1;
    for (const char *p = line; *p && *p != '\n'; p++) n += *p == ',';
    return n;
}

static void test_csv_md(void) {
    fixture f;
    fixture_init(&f);
    parity_report_opts o = opts_with(NULL, NULL, 0);
    o.format = PARITY_FORMAT_CSV;
    char *doc = render_doc(&o, &f.item, 1);
    const char *row = strchr(doc, '\n') + 1;
    CHECK_EQ_INT(csv_fields(doc), 22);
    CHECK_EQ_INT(csv_fields(row), 22);
    CHECK_MSG(strncmp(row, "decoder.final_proj,decoder.final_proj,float,F32,F32,1x80x200,1x80x200,,1.46,2.31,", 80) == 0, "%s", row);
    free(doc);
    o.format = PARITY_FORMAT_MD;
    doc = render_doc(&o, &f.item, 1);
    CHECK_MSG(strstr(doc, "| decoder.final_proj | [1, 80, 200] | [1, 80, 200] | 1.46 | 2.31 | -1.46 | 25.3% | LARGE DIFF |  |\n") != NULL, "%s", doc);
    CHECK(strstr(doc, "**1 of 1 tensor compared**: 0 MATCH, 0 SMALL DIFF, 1 LARGE DIFF") != NULL);
    free(doc);
}

int main(void) {
    test_seed_block();
    test_labels_and_plain();
    test_numbers();
    test_threshold_digits();
    test_verbose_and_notes();
    test_nonfinite_and_quiet();
    test_ints();
    test_axis_table();
    test_json();
    test_csv_md();
    return TEST_SUMMARY();
}
