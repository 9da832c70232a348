/*
 * merge.c — parity merge: the JSON reports of the parts of one parity diff
 * run (--slice K/N, docs/scale-out.md) read back into the run's pairs, one
 * at a time, each merged exactly from the parts that computed it.
 *
 * A report is the layout parity diff writes, one JSON value per line:
 *
 *   {"parity":"diff-part",...,"slice":{...},...,"tensors":[    header
 *   {"index":0,"name":"a","whole":true,"state":{...}},           one pair
 *   {"index":7,"name":"w","range":[0,1048576],"state":{...}}     a share
 *   ],"only_in_ref":[...],"only_in_port":[...],"coverage":{...}} trailer
 *
 * (a complete report, "parity":"diff", has the same layout without
 * index, whole or range: every pair is whole, in order). Lines are parsed
 * one at a time, so memory holds one pair, not the run. The parts are
 * checked to belong together before anything is merged: one version,
 * the same inputs, labels, options, slice count, pairing digest and
 * trailer; each K once, none missing. Then pair i comes from the parts
 * that list index i, in the order of K: one whole, or shares that tile
 * its elements from 0 to the end without gap or overlap.
 */
#include "merge_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mfile {
    const char *path;         /* the caller's                               */
    parity_map map;
    const char *cur, *end;    /* tensor lines not read yet                  */
    long line;                /* line number of cur                         */
    cJSON *head, *tail;       /* header, trailer                            */
    const char *tail_text;    /* the trailer line as written                */
    size_t tail_len;
    long tail_line;
    uint32_t k;               /* part k (0 for a complete report)           */
    cJSON *next;              /* a parsed tensor line waiting, or NULL      */
    long next_line;
    size_t next_index;
    long last_index;          /* index of the line before, -1 at first      */
} mfile;

struct parity_merge {
    mfile *f;                 /* [n] in order of k                          */
    size_t n;
    int complete;             /* one complete report                        */
    const char *path[2], *label[2]; /* in f[0]'s header                     */
    parity_diff_opts opts;
    uint32_t parts;           /* slice.n                                    */
    size_t pairs, next;
    parity_match *match;
    parity__mpair_id id;
    parity__mstate *st;
    parity_tensor ref, port;
    parity_pair pair;
    parity_comparison cmp;
};

static parity_status oom(const char *path, parity_error *err) {
    return parity__fail(err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory", path);
}

/* Parse text[0..n) as one JSON value (prefix and suffix around it, for
 * the header and trailer lines that are parts of one object). */
static parity_status parse_line(const mfile *f, long line, const char *prefix, const char *text,
                                size_t n, const char *suffix, cJSON **out, parity_error *err) {
    size_t a = strlen(prefix), b = strlen(suffix);
    char *buf = malloc(a + n + b + 1);
    if (!buf) return oom(f->path, err);
    memcpy(buf, prefix, a);
    memcpy(buf + a, text, n);
    memcpy(buf + a + n, suffix, b + 1);
    *out = cJSON_ParseWithLength(buf, a + n + b);
    free(buf);
    FAIL_IF(!*out || !cJSON_IsObject(*out), err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: line %ld: not a JSON object: the report of parity diff --format json "
            "(or --slice K/N) as it wrote it, one tensor per line", f->path, line);
    return PARITY_OK;
}

/* Map f and split it into header, tensor lines and trailer. */
static parity_status open_file(mfile *f, parity_error *err) {
    TRY(parity__map_open(f->path, &f->map, err));
    FAIL_IF(f->map.size == 0, err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: an empty file: expected the JSON of parity diff --format json or --slice K/N",
            f->path);
    /* an empty file maps to no address: no arithmetic on it before here */
    const char *t = (const char *)f->map.base, *end = t + f->map.size;
    const char *nl = memchr(t, '\n', f->map.size);
    FAIL_IF(!nl || end[-1] != '\n', err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: not the report of parity diff --format json (or --slice K/N) as it wrote "
            "it: lines end with a newline", f->path);
    static const char open[] = "\"tensors\":[";
    size_t n1 = (size_t)(nl - t), no = sizeof open - 1;
    if (n1 < no || memcmp(nl - no, open, no) != 0) { /* nothing compared: one line */
        FAIL_IF(nl + 1 != end, err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                "%s: line 1: expected a header ending in %s", f->path, open);
        TRY(parse_line(f, 1, "", t, n1, "", &f->head, err));
        /* the trailer as written: from the ']' closing "tensors" (the key
         * cannot occur inside a string, where its quotes are escaped) */
        const char *k = t;
        while (k + no <= nl && memcmp(k, open, no) != 0) k++;
        if (k + no > nl) k = NULL;
        FAIL_IF(!k || k[no] != ']', err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                "%s: line 1: expected %s]", f->path, open);
        f->tail = f->head, f->tail_text = k + no, f->tail_len = (size_t)(nl - k - no);
        f->tail_line = 1;
        f->cur = f->end = nl + 1;
        return PARITY_OK;
    }
    TRY(parse_line(f, 1, "", t, n1, "]}", &f->head, err));
    const char *last = end - 1; /* the trailer: from the last line's start */
    while (last > nl + 1 && last[-1] != '\n') last--;
    long lines = 1;
    for (const char *c = t; c < last; c++) lines += *c == '\n';
    FAIL_IF(last <= nl || *last != ']', err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: line %ld: expected the closing line (\"],\"only_in_ref\":...)", f->path, lines);
    TRY(parse_line(f, lines, "{\"tensors\":[", last, (size_t)(end - 1 - last), "", &f->tail, err));
    f->tail_text = last, f->tail_len = (size_t)(end - 1 - last), f->tail_line = lines;
    f->cur = nl + 1, f->end = last, f->line = 2;
    f->last_index = -1;
    return PARITY_OK;
}

/* ---- the header: what the parts must agree on ---------------------------- */

static parity_status read_options(const parity__rd *rd, const cJSON *head, parity_diff_opts *o) {
    const cJSON *j, *axes;
    const char *domain;
    *o = parity_diff_opts_default();
    TRY(parity__rd_obj(rd, head, "", "options", &j));
    TRY(parity__rd_str(rd, j, "options", "domain", 0, &domain));
    if (parity_domain_parse(domain, &o->domain) != 0)
        return parity__rd_fail(rd, "options", "domain", "unknown domain '%.32s'", domain);
    TRY(parity__rd_num(rd, j, "options", "atol", &o->atol));
    TRY(parity__rd_num(rd, j, "options", "rtol", &o->rtol));
    TRY(parity__rd_num(rd, j, "options", "match_tol", &o->match_tol));
    TRY(parity__rd_num(rd, j, "options", "small_tol", &o->small_tol));
    TRY(parity__rd_num(rd, j, "options", "max_db", &o->max_db));
    TRY(parity__rd_arr(rd, j, "options", "axes", &axes));
    for (const cJSON *a = axes->child; a; a = a->next) {
        if (o->n_axes == 4 || !cJSON_IsNumber(a) || a->valuedouble != (int)a->valuedouble ||
            a->valuedouble < -PARITY_MAX_DIMS || a->valuedouble >= PARITY_MAX_DIMS)
            return parity__rd_fail(rd, "options", "axes", "expected at most 4 axis numbers");
        o->axes[o->n_axes++] = (int)a->valuedouble;
    }
    return PARITY_OK;
}

/* The header of f: its kind and slice. */
static parity_status read_head(mfile *f, int *part, uint32_t *n, parity_error *err) {
    parity__rd rd = {f->path, 1, NULL, err};
    const char *kind, *version;
    const cJSON *sl;
    TRY(parity__rd_str(&rd, f->head, "", "parity", 0, &kind));
    *part = strcmp(kind, "diff-part") == 0;
    if (!*part && strcmp(kind, "diff") != 0)
        return parity__rd_fail(&rd, "", "parity", "'%.32s' is no report of parity diff", kind);
    TRY(parity__rd_str(&rd, f->head, "", "version", 0, &version));
    if (strcmp(version, PARITY_VERSION) != 0)
        return parity__rd_fail(&rd, "", "version", "written by parity %.32s, this is "
                               PARITY_VERSION ": run the parts and merge with one version",
                               version);
    *n = 1, f->k = 0;
    if (!*part) return PARITY_OK;
    long long k, parts;
    TRY(parity__rd_obj(&rd, f->head, "", "slice", &sl));
    TRY(parity__rd_int(&rd, sl, "slice", "n", 1, 1000000, &parts));
    TRY(parity__rd_int(&rd, sl, "slice", "k", 0, parts - 1, &k));
    f->k = (uint32_t)k, *n = (uint32_t)parts;
    return PARITY_OK;
}

/* Does field key of a's and b's object differ (both printed)? */
static int differs(const cJSON *a, const cJSON *b, const char *key) {
    const cJSON *x = key ? cJSON_GetObjectItemCaseSensitive(a, key) : a;
    const cJSON *y = key ? cJSON_GetObjectItemCaseSensitive(b, key) : b;
    char *p = x ? cJSON_PrintUnformatted(x) : NULL, *q = y ? cJSON_PrintUnformatted(y) : NULL;
    int d = !p || !q || strcmp(p, q) != 0;
    free(p);
    free(q);
    return d;
}

/* Part f against the first part a: the same run? */
static parity_status same_run(const mfile *a, const mfile *f, parity_error *err) {
    static const char *top[] = {"ref", "port", "options"};
    static const char *slice[] = {"n", "pairs", "weight", "digest"};
    for (int i = 0; i < 3; i++)
        FAIL_IF(differs(a->head, f->head, top[i]), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "%s: %s differs from %s's: parts of different runs (other inputs, labels "
                "or options) do not merge", f->path, top[i], a->path);
    const cJSON *sa = cJSON_GetObjectItemCaseSensitive(a->head, "slice");
    const cJSON *sf = cJSON_GetObjectItemCaseSensitive(f->head, "slice");
    for (int i = 0; i < 4; i++)
        FAIL_IF(differs(sa, sf, slice[i]), err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "%s: slice.%s differs from %s's: parts of different runs (other inputs, "
                "pairing or slice count) do not merge", f->path, slice[i], a->path);
    FAIL_IF(f->tail_len != a->tail_len || memcmp(f->tail_text, a->tail_text, a->tail_len) != 0,
            err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: its last line (unpaired names, coverage) differs from %s's: parts of "
            "different runs do not merge", f->path, a->path);
    return PARITY_OK;
}

static int by_k(const void *x, const void *y) {
    const mfile *a = x, *b = y;
    return (a->k > b->k) - (a->k < b->k);
}

/* Every k of the run exactly once. */
static parity_status check_slices(parity_merge *g, parity_error *err) {
    qsort(g->f, g->n, sizeof *g->f, by_k);
    for (size_t i = 1; i < g->n; i++)
        FAIL_IF(g->f[i].k == g->f[i - 1].k, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "%s: slice %u/%u is given twice (also %s)", g->f[i].path, g->f[i].k, g->parts,
                g->f[i - 1].path);
    for (uint32_t k = 0; k < g->parts; k++)
        FAIL_IF(k >= g->n || g->f[k].k != k, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "%s: slice %u/%u is missing: %zu of the %u parts given", g->f[0].path, k,
                g->parts, g->n, g->parts);
    return PARITY_OK;
}

/* ---- the trailer: the pairing ------------------------------------------- */

/* The strings of array key (each a string). */
static parity_status names_of(const parity__rd *rd, const cJSON *o, const char *path,
                              const char *key, const char ***out, size_t *n) {
    const cJSON *a;
    TRY(parity__rd_arr(rd, o, path, key, &a));
    *n = 0;
    *out = malloc(((size_t)cJSON_GetArraySize(a) + 1) * sizeof **out);
    if (!*out) return oom(rd->file, rd->err);
    for (const cJSON *e = a->child; e; e = e->next) {
        if (!cJSON_IsString(e)) return parity__rd_fail(rd, path, key, "expected names (strings)");
        (*out)[(*n)++] = e->valuestring;
    }
    return PARITY_OK;
}

/* The copies of one side: [{"name":..,"of":..}] as name, of, name, of... */
static parity_status copies_of(const parity__rd *rd, const cJSON *cov, const char *key,
                               const char ***out, size_t *n) {
    const cJSON *a;
    TRY(parity__rd_arr(rd, cov, "coverage", key, &a));
    *n = 0;
    *out = malloc((2 * (size_t)cJSON_GetArraySize(a) + 1) * sizeof **out);
    if (!*out) return oom(rd->file, rd->err);
    for (const cJSON *e = a->child; e; e = e->next) {
        const char *name, *of;
        if (!cJSON_IsObject(e)) return parity__rd_fail(rd, "coverage", key, "expected objects");
        TRY(parity__rd_str(rd, e, key, "name", 0, &name));
        TRY(parity__rd_str(rd, e, key, "of", 0, &of));
        (*out)[2 * *n] = name, (*out)[2 * *n + 1] = of;
        ++*n;
    }
    return PARITY_OK;
}

static parity_status read_pairing(const parity__rd *rd, const cJSON *tail,
                                  parity__match_names *k) {
    const cJSON *cov;
    uint64_t compared, irr, filtered[2], by_content, by_structure, not_used;
    int content_ran;
    TRY(names_of(rd, tail, "", "only_in_ref", (const char ***)&k->unpaired[0], &k->n_unpaired[0]));
    TRY(names_of(rd, tail, "", "only_in_port", (const char ***)&k->unpaired[1], &k->n_unpaired[1]));
    TRY(parity__rd_obj(rd, tail, "", "coverage", &cov));
    TRY(parity__rd_u64(rd, cov, "coverage", "compared", &compared));
    TRY(parity__rd_u64(rd, cov, "coverage", "irreconcilable", &irr));
    TRY(parity__rd_u64(rd, cov, "coverage", "filtered_ref", &filtered[0]));
    TRY(parity__rd_u64(rd, cov, "coverage", "filtered_port", &filtered[1]));
    TRY(parity__rd_bool(rd, cov, "coverage", "content_ran", &content_ran));
    TRY(parity__rd_u64(rd, cov, "coverage", "by_content", &by_content));
    TRY(parity__rd_u64(rd, cov, "coverage", "by_structure", &by_structure));
    TRY(parity__rd_u64(rd, cov, "coverage", "content_not_used", &not_used));
    TRY(copies_of(rd, cov, "copies_ref", (const char ***)&k->copies[0], &k->n_copies[0]));
    TRY(copies_of(rd, cov, "copies_port", (const char ***)&k->copies[1], &k->n_copies[1]));
    if (irr > compared)
        return parity__rd_fail(rd, "coverage", "irreconcilable", "more than the pairs compared");
    k->n_pairs = (size_t)compared, k->irreconcilable = (size_t)irr;
    k->filtered[0] = (size_t)filtered[0], k->filtered[1] = (size_t)filtered[1];
    k->content_ran = content_ran;
    k->by_content = (size_t)by_content, k->by_structure = (size_t)by_structure;
    k->not_used = (size_t)not_used;
    return PARITY_OK;
}

static void names_free(parity__match_names *k) {
    for (int s = 0; s < 2; s++) {
        free((void *)k->unpaired[s]);
        free((void *)k->copies[s]);
    }
}

/* The run's pairing from the trailer of f[0], its pair count checked
 * against the header's. */
static parity_status build_match(parity_merge *g, parity_error *err) {
    const mfile *f = &g->f[0];
    parity__rd rd = {f->path, f->tail_line, NULL, err};
    parity__match_names k;
    memset(&k, 0, sizeof k);
    parity_status st = read_pairing(&rd, f->tail, &k);
    if (st == PARITY_OK && !g->complete && k.n_pairs != g->pairs)
        st = parity__rd_fail(&rd, "coverage", "compared", "%zu pairs, the header's slice says "
                             "%zu", k.n_pairs, g->pairs);
    g->pairs = k.n_pairs;
    if (st == PARITY_OK) st = parity__match_skeleton(&k, &g->match, err);
    names_free(&k);
    return st;
}

/* ---- opening ------------------------------------------------------------- */

static parity_status open_all(parity_merge *g, const char *const *paths, parity_error *err) {
    for (size_t i = 0; i < g->n; i++) {
        mfile *f = &g->f[i];
        int part = 0;
        uint32_t parts = 1;
        f->path = paths[i];
        TRY(open_file(f, err));
        TRY(read_head(f, &part, &parts, err));
        FAIL_IF(!part && g->n > 1, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "%s: a complete report (parity diff --format json) merges alone, not with "
                "parts of a run", f->path);
        g->complete = !part;
        if (i == 0) g->parts = parts;
        else TRY(same_run(&g->f[0], f, err));
    }
    return PARITY_OK;
}

parity_status parity_merge_open(const char *const *paths, size_t n, parity_merge **out,
                                parity_error *err) {
    *out = NULL;
    FAIL_IF(n == 0 || !paths, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "parity merge: no part given");
    parity_merge *g = calloc(1, sizeof *g);
    if (g) g->f = calloc(n, sizeof *g->f);
    if (g) g->st = calloc(1, sizeof *g->st);
    if (!g || !g->f || !g->st) {
        if (g) free(g->f), free(g->st);
        free(g);
        return oom(paths[0], err);
    }
    g->n = n;
    parity_status st = open_all(g, paths, err);
    if (st == PARITY_OK && !g->complete) st = check_slices(g, err);
    if (st == PARITY_OK) {
        const mfile *f = &g->f[0];
        parity__rd rd = {f->path, 1, NULL, err};
        const cJSON *side;
        uint64_t pairs = 0;
        for (int s = 0; s < 2 && st == PARITY_OK; s++) {
            const char *key = s ? "port" : "ref";
            st = parity__rd_obj(&rd, f->head, "", key, &side);
            if (st == PARITY_OK) st = parity__rd_str(&rd, side, key, "path", 0, &g->path[s]);
            if (st == PARITY_OK) st = parity__rd_str(&rd, side, key, "label", 0, &g->label[s]);
        }
        if (st == PARITY_OK) st = read_options(&rd, f->head, &g->opts);
        const cJSON *sl = cJSON_GetObjectItemCaseSensitive(f->head, "slice");
        if (st == PARITY_OK && !g->complete) st = parity__rd_u64(&rd, sl, "slice", "pairs", &pairs);
        g->pairs = (size_t)pairs;
        if (st == PARITY_OK) st = build_match(g, err);
    }
    if (st != PARITY_OK) {
        parity_merge_free(g);
        return st;
    }
    *out = g;
    return PARITY_OK;
}

void parity_merge_free(parity_merge *g) {
    if (!g) return;
    for (size_t i = 0; i < g->n; i++) {
        mfile *f = &g->f[i];
        if (f->tail != f->head) cJSON_Delete(f->tail);
        cJSON_Delete(f->head);
        cJSON_Delete(f->next);
        parity__map_close(&f->map);
    }
    parity_comparison_clear(&g->cmp);
    parity__mpair_id_clear(&g->id);
    if (g->st) parity__mstate_clear(g->st);
    parity_match_free(g->match);
    free(g->st);
    free(g->f);
    free(g);
}

const char *parity_merge_path(const parity_merge *g, int side) {
    return g->path[side ? 1 : 0];
}

const char *parity_merge_label(const parity_merge *g, int side) {
    return g->label[side ? 1 : 0];
}

const parity_diff_opts *parity_merge_opts(const parity_merge *g) {
    return &g->opts;
}

const parity_match *parity_merge_match(const parity_merge *g) {
    return g->match;
}

/* ---- the pairs, one at a time -------------------------------------------- */

/* Parse f's next tensor line into f->next (NULL at the end). */
static parity_status fetch(parity_merge *g, mfile *f, parity_error *err) {
    if (f->next || f->cur >= f->end) return PARITY_OK;
    const char *nl = memchr(f->cur, '\n', (size_t)(f->end - f->cur));
    size_t n = (size_t)(nl - f->cur);
    if (n > 0 && f->cur[n - 1] == ',') n--;
    f->next_line = f->line++;
    TRY(parse_line(f, f->next_line, "", f->cur, n, "", &f->next, err));
    f->cur = nl + 1;
    parity__rd rd = {f->path, f->next_line, NULL, err};
    uint64_t index = (uint64_t)(f->last_index + 1);
    if (!g->complete) TRY(parity__rd_u64(&rd, f->next, "", "index", &index));
    FAIL_IF((long)index <= f->last_index || index >= g->pairs, err, PARITY_E_FORMAT,
            PARITY_NO_OFFSET, "%s: line %ld: index: %llu after %ld, in a run of %zu pairs: "
            "expected increasing pair indices below the run's count", f->path, f->next_line,
            (unsigned long long)index, f->last_index, g->pairs);
    f->next_index = (size_t)index;
    f->last_index = (long)index;
    return PARITY_OK;
}

/* What a line says of its share: whole, or [first, end). */
static parity_status read_share(const parity__rd *rd, const mfile *f, int complete,
                                int *whole, uint64_t *first, uint64_t *end) {
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(f->next, "range");
    *whole = complete || !r;
    if (*whole && !complete) {
        TRY(parity__rd_bool(rd, f->next, "", "whole", whole));
        if (!*whole) return parity__rd_fail(rd, "", "whole", "false without a range");
    }
    if (*whole) return PARITY_OK;
    const cJSON *a = r->child, *b = a ? a->next : NULL;
    if (!cJSON_IsArray(r) || !a || !b || b->next || !cJSON_IsNumber(a) || !cJSON_IsNumber(b) ||
        !(a->valuedouble >= 0) || !(b->valuedouble > a->valuedouble) ||
        b->valuedouble > 9007199254740992.0)
        return parity__rd_fail(rd, "", "range", "expected [first, end), 0 <= first < end");
    *first = (uint64_t)a->valuedouble, *end = (uint64_t)b->valuedouble;
    return PARITY_OK;
}

/* One line of pair i from part f: checked against the parts before it
 * (*at: the elements covered so far; *n_seen lines before) and merged. */
static parity_status take_line(parity_merge *g, mfile *f, size_t i, uint64_t *at,
                               int *n_seen, int *whole_seen, parity_error *err) {
    const char *name;
    const cJSON *state;
    parity__rd rd = {f->path, f->next_line, NULL, err};
    TRY(parity__rd_str(&rd, f->next, "", "name", 0, &name));
    rd.tensor = name;
    TRY(parity__rd_obj(&rd, f->next, "", "state", &state));
    parity__mpair_id id, *use = *n_seen ? &id : &g->id;
    TRY(parity__mpair_id_read(&rd, state, use));
    int same = !*n_seen || parity__mpair_id_same(&g->id, &id);
    if (*n_seen) parity__mpair_id_clear(&id);
    FAIL_IF(!same, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: line %ld: tensor '%.128s': state: not the pair (names, files, dtypes, "
            "shapes) another part gives as pair %zu: parts of different runs", f->path,
            f->next_line, name, i);
    if (strcmp(name, g->id.name[0]) != 0)
        return parity__rd_fail(&rd, "", "name", "is not state.ref.name");
    int whole;
    uint64_t first = 0, end = 0;
    TRY(read_share(&rd, f, g->complete, &whole, &first, &end));
    int splits = g->id.kind == PARITY_PAIR_FLOAT && g->id.view_count > PARITY_SLICE_MIN;
    if (whole && splits && !g->complete)
        return parity__rd_fail(&rd, "", "whole", "a float pair of %llu elements is cut into "
                               "ranges", (unsigned long long)g->id.view_count);
    if (!whole && !splits)
        return parity__rd_fail(&rd, "", "range", "a pair of at most %llu elements, or not "
                               "float, is compared whole", (unsigned long long)PARITY_SLICE_MIN);
    FAIL_IF(*whole_seen || (!whole && first != *at) || end > g->id.view_count, err,
            PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: line %ld: tensor '%.128s': elements [%llu, %llu) of %llu, after parts that "
            "cover [0, %llu): the parts overlap or leave a gap", f->path, f->next_line, name,
            (unsigned long long)first, (unsigned long long)end,
            (unsigned long long)g->id.view_count, (unsigned long long)*at);
    TRY(parity__mstate_add(&rd, state, &g->id, &g->opts, *n_seen == 0, g->st));
    *at = whole ? g->id.view_count : end;
    *whole_seen = whole;
    ++*n_seen;
    cJSON_Delete(f->next);
    f->next = NULL;
    return PARITY_OK;
}

/* The report's view of the merged pair: tensors with the names, files,
 * dtypes and shapes of id (no data). */
static void tensor_of(parity_tensor *t, const parity__mpair_id *id, int side, int ndim,
                      const int64_t *shape, uint64_t count) {
    memset(t, 0, sizeof *t);
    t->name = id->name[side];
    t->file = id->file[side];
    t->dtype = id->dtype[side];
    t->ndim = ndim;
    memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
    t->count = count;
    parity__strides_c(t);
}

static void build_pair(parity_merge *g) {
    const parity__mpair_id *id = &g->id;
    parity_pair *p = &g->pair;
    memset(p, 0, sizeof *p);
    tensor_of(&g->ref, id, 0, id->ndim[0], id->shape[0], id->count[0]);
    tensor_of(&g->port, id, 1, id->ndim[1], id->shape[1], id->count[1]);
    p->ref = &g->ref, p->port = &g->port;
    tensor_of(&p->ref_view, id, 0, id->view_ndim, id->view, id->view_count);
    if (id->layout_ok) tensor_of(&p->port_view, id, 1, id->view_ndim, id->view, id->view_count);
    else p->port_view = g->port;
    p->how = id->how;
    p->layout_ok = id->layout_ok;
    memcpy(p->layout, id->layout, sizeof p->layout);
    p->kind = (int)id->kind;
    p->step = -1;
    if (id->kind == PARITY_PAIR_OVERLAP)
        tensor_of(&g->cmp.ref_part, id, 0, g->st->part_ndim, g->st->part, g->st->part_count);
}

parity_status parity_merge_next(parity_merge *g, const parity_pair **pair,
                                const parity_comparison **cmp, int *done, parity_error *err) {
    parity_comparison_clear(&g->cmp);
    memset(&g->cmp, 0, sizeof g->cmp);
    parity__mpair_id_clear(&g->id);
    parity__mstate_clear(g->st);
    *done = 0;
    for (size_t k = 0; k < g->n; k++) TRY(fetch(g, &g->f[k], err));
    if (g->next == g->pairs) {
        for (size_t k = 0; k < g->n; k++)
            FAIL_IF(g->f[k].next, err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                    "%s: line %ld: a pair past the run's %zu", g->f[k].path,
                    g->f[k].next_line, g->pairs);
        *done = 1;
        return PARITY_OK;
    }
    size_t i = g->next++;
    uint64_t at = 0;
    int n_seen = 0, whole = 0;
    for (size_t k = 0; k < g->n; k++) {
        mfile *f = &g->f[k];
        if (f->next && f->next_index == i) TRY(take_line(g, f, i, &at, &n_seen, &whole, err));
        TRY(fetch(g, f, err)); /* its next index is above i, or it ends */
    }
    FAIL_IF(n_seen == 0, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: pair %zu of the run's %zu is in none of the %zu parts: parts of different "
            "runs, or a part cut short", g->f[0].path, i, g->pairs, g->n);
    FAIL_IF(at != g->id.view_count && !whole, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "%s: tensor '%.128s': the parts cover its elements [0, %llu) of %llu: a part "
            "is missing or cut short", g->f[0].path, g->id.name[0], (unsigned long long)at,
            (unsigned long long)g->id.view_count);
    TRY(parity__mstate_finish(g->st, &g->id, &g->opts, &g->cmp, err));
    build_pair(g);
    *pair = &g->pair;
    *cmp = &g->cmp;
    return PARITY_OK;
}
