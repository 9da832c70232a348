/*
 * st_index.c — sharded safetensors checkpoints: the
 * "*.safetensors.index.json" that Hugging Face's save_pretrained writes
 * next to its shards, and the shards it names.
 *
 * Layout (UTF-8 JSON, no formal spec):
 *
 *   {"metadata": {"total_size": 16060522496},          (optional)
 *    "weight_map": {"model.embed_tokens.weight":
 *                       "model-00001-of-00002.safetensors",
 *                   "lm_head.weight": "model-00002-of-00002.safetensors",
 *                   ...}}
 *
 * Each shard is an ordinary safetensors file, read by safetensors.c with
 * every one of its checks.
 *
 * Rules (plus strict-mode ones marked *):
 *   - the index is at most max_header_bytes; the JSON passes the strict
 *     pre-scan of json_strict.h (UTF-8, nesting <= max_json_depth, no
 *     control bytes, numbers: plain non-negative integers <= 2^53; in
 *     lenient mode only total_size's); it is an object with a
 *     "weight_map" object of strings and an optional "metadata" object;
 *     (*) nothing else at the top level; no key twice anywhere;
 *   - a shard name is a plain file name, resolved in the index's own
 *     directory: not empty, at most 255 bytes, no '/' or '\', not "." or
 *     "..", no NUL or other control character (path traversal as in
 *     transformers #47176 and diffusers #14175). A symlink in that
 *     directory is followed, as Hugging Face's cache is made of them;
 *   - each shard exists and is a regular file (mapped; the set keeps the
 *     map); every tensor weight_map lists is in the shard it names; every
 *     tensor of a shard is listed, for that shard; no name twice;
 *   - metadata values are strings or integers (*: others refused,
 *     lenient: skipped); total_size, when present, is an integer and (*)
 *     equals the sum of the tensors' bytes, as transformers computes it.
 * The set's metadata (take_metadata) is the index's "metadata" object:
 * strings as they are, integers in decimal. The shards' own __metadata__
 * is not taken. Tensors keep their stored names.
 */
#include "formats/reader.h"
#include "json_strict.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INDEX_SUFFIX ".safetensors.index.json"
#define MAX_SHARD_NAME 255

/* One weight_map entry. */
typedef struct ix_entry {
    const char *tensor, *shard;   /* borrowed from the cJSON tree        */
    int found;                    /* seen in its shard                   */
} ix_entry;

typedef struct ix_reader {
    parity_set *set;
    const char *path;             /* the index file                     */
    const parity__source *src;
    parity_error *err;
    parity_json_scan scan;
    cJSON *root;
    const cJSON *weight_map, *meta;
    ix_entry *e;                  /* [n] sorted by tensor name           */
    size_t n;
    const char **shards;          /* [n_shards] distinct, sorted         */
    size_t n_shards;
} ix_reader;

int parity__is_st_index(const char *path, const unsigned char *buf,
                        size_t len) {
    size_t n = path ? strlen(path) : 0, m = strlen(INDEX_SUFFIX);
    if (n < m || strcmp(path + n - m, INDEX_SUFFIX) != 0 || !buf) return 0;
    static const char key[] = "\"weight_map\"";
    for (size_t i = 0; i + sizeof key - 1 <= len; i++)
        if (memcmp(buf + i, key, sizeof key - 1) == 0) return 1;
    return 0;
}

/* ---- the JSON -------------------------------------------------------------- */

static parity_status parse(ix_reader *r) {
    static const char *const checked[] = {"total_size", NULL};
    const parity__source *src = r->src;
    uint64_t max = r->set->opts.max_header_bytes;
    FAIL_IF(src->len > max, r->err, PARITY_E_LIMIT, 0,
            "%s: index: %zu bytes exceed the limit of %llu (expected <= "
            "max_header_bytes)", r->path, src->len, (unsigned long long)max);
    parity_json_scan *s = &r->scan;
    s->path = r->path;
    s->text = (const char *)src->buf;
    s->len = src->len;
    s->max_depth = r->set->opts.max_json_depth;
    s->strict = r->set->opts.strict;
    s->entry_word = "index key";
    s->fields = checked;
    TRY(parity__json_prescan(s, r->err));
    const char *stop = NULL;
    r->root = cJSON_ParseWithLengthOpts(s->text + s->begin, s->end - s->begin, &stop, 0);
    uint64_t at = stop ? (uint64_t)(stop - s->text) : 0;
    FAIL_IF(!r->root && stop, r->err, PARITY_E_FORMAT, at,
            "%s: index: invalid JSON at byte %llu", r->path, (unsigned long long)at);
    FAIL_IF(!r->root, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: index: out of memory parsing JSON", r->path);
    return PARITY_OK;
}

static const char *json_kind(const cJSON *j) {
    if (cJSON_IsString(j)) return "a string";
    if (cJSON_IsNumber(j)) return "a number";
    if (cJSON_IsObject(j)) return "an object";
    if (cJSON_IsArray(j)) return "an array";
    if (cJSON_IsBool(j)) return "a boolean";
    return "null";
}

static int key_is(const cJSON *c, const char *k) {
    return c->string && strcmp(c->string, k) == 0;
}

/* Top level: weight_map and metadata, each once; (strict) nothing else. */
static parity_status top_level(ix_reader *r) {
    size_t k = 0;
    for (const cJSON *c = r->root->child; c; c = c->next, k++) {
        uint64_t at = k < r->scan.n_keys ? r->scan.keys[k] : PARITY_NO_OFFSET;
        char nm[96];
        parity__msg_name(c->string ? c->string : "", c->string ? strlen(c->string) : 0,
                         nm, sizeof nm);
        int wm = key_is(c, "weight_map"), md = key_is(c, "metadata");
        FAIL_IF((wm && r->weight_map) || (md && r->meta), r->err, PARITY_E_FORMAT, at,
                "%s: index: key '%s' twice (expected it once)", r->path, nm);
        FAIL_IF(!wm && !md && r->set->opts.strict, r->err, PARITY_E_FORMAT, at,
                "%s: index: unknown key '%s' (strict mode expects only "
                "\"metadata\" and \"weight_map\")", r->path, nm);
        if (wm) r->weight_map = c;
        if (md) r->meta = c;
    }
    FAIL_IF(!r->weight_map, r->err, PARITY_E_FORMAT, 0,
            "%s: index: no \"weight_map\" (expected a sharded safetensors "
            "index: {\"weight_map\": {\"tensor\": \"shard.safetensors\", "
            "...}})", r->path);
    FAIL_IF(!cJSON_IsObject(r->weight_map), r->err, PARITY_E_FORMAT, 0,
            "%s: index: weight_map is %s (expected an object of tensor "
            "names to shard file names)", r->path, json_kind(r->weight_map));
    FAIL_IF(r->meta && !cJSON_IsObject(r->meta), r->err, PARITY_E_FORMAT, 0,
            "%s: index: metadata is %s (expected an object)", r->path,
            json_kind(r->meta));
    return PARITY_OK;
}

/* A shard name is one plain file name in the index's directory. */
static const char *shard_name_fault(const char *s) {
    size_t n = strlen(s);
    if (n == 0) return "empty";
    if (n > MAX_SHARD_NAME) return "longer than 255 bytes";
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0) return "a directory";
    if (strchr(s, '/') || strchr(s, '\\')) return "a path, not a file name";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7F) return "not a plain name (a control character)";
    return NULL;
}

static parity_status check_entry(ix_reader *r, const cJSON *c) {
    char nm[96], sh[96];
    const char *t = c->string ? c->string : "";
    parity__msg_name(t, strlen(t), nm, sizeof nm);
    FAIL_IF(!cJSON_IsString(c), r->err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: weight_map '%s': %s (expected a shard file name)", r->path,
            nm, json_kind(c));
    const char *why = shard_name_fault(c->valuestring);
    parity__msg_name(c->valuestring, strlen(c->valuestring), sh, sizeof sh);
    FAIL_IF(why, r->err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
            "%s: weight_map '%s': shard '%s' is %s (expected a file name in "
            "the index's directory: no '/', '\\', '.' or '..')", r->path, nm,
            sh, why);
    return PARITY_OK;
}

/* ---- entries and shards ---------------------------------------------------- */

static int by_tensor(const void *pa, const void *pb) {
    return strcmp(((const ix_entry *)pa)->tensor, ((const ix_entry *)pb)->tensor);
}

static int by_str(const void *pa, const void *pb) {
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* weight_map into r->e (sorted by tensor, no name twice) and the distinct
 * shard names into r->shards (sorted). */
static parity_status collect(ix_reader *r) {
    for (const cJSON *c = r->weight_map->child; c; c = c->next) {
        TRY(check_entry(r, c));
        r->n++;
    }
    r->e = calloc(r->n ? r->n : 1, sizeof *r->e);
    r->shards = calloc(r->n ? r->n : 1, sizeof *r->shards);
    FAIL_IF(!r->e || !r->shards, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET,
            "%s: out of memory", r->path);
    size_t k = 0;
    for (const cJSON *c = r->weight_map->child; c; c = c->next, k++) {
        r->e[k] = (ix_entry){c->string, c->valuestring, 0};
        r->shards[k] = c->valuestring;
    }
    if (r->n > 1) qsort(r->e, r->n, sizeof *r->e, by_tensor);
    for (k = 0; k + 1 < r->n; k++) {
        char nm[96];
        parity__msg_name(r->e[k].tensor, strlen(r->e[k].tensor), nm, sizeof nm);
        FAIL_IF(strcmp(r->e[k].tensor, r->e[k + 1].tensor) == 0, r->err,
                PARITY_E_FORMAT, PARITY_NO_OFFSET, "%s: weight_map '%s': "
                "listed twice (expected each tensor once)", r->path, nm);
    }
    if (r->n > 1) qsort(r->shards, r->n, sizeof *r->shards, by_str);
    for (k = 0; k < r->n; k++)
        if (r->n_shards == 0 || strcmp(r->shards[r->n_shards - 1], r->shards[k]) != 0)
            r->shards[r->n_shards++] = r->shards[k];
    return PARITY_OK;
}

/* The index's directory + "/" + name, owned by the set. */
static const char *shard_path(ix_reader *r, const char *name) {
    const char *slash = strrchr(r->path, '/');
    size_t dl = slash ? (size_t)(slash - r->path) + 1 : 0, nl = strlen(name);
    char *tmp = malloc(dl + nl + 1);
    if (!tmp) return NULL;
    memcpy(tmp, r->path, dl);
    memcpy(tmp + dl, name, nl + 1);
    const char *out = parity__set_strdup(r->set, tmp, dl + nl);
    free(tmp);
    return out;
}

/* "INDEX: " before a message about a shard (which names the shard), cut
 * to the message's size. */
static parity_status wrap(ix_reader *r, parity_status st) {
    if (!r->err || st == PARITY_OK) return st;
    char inner[sizeof r->err->msg];
    memcpy(inner, r->err->msg, sizeof inner);
    inner[sizeof inner - 1] = '\0';
    const char *parts[3] = {r->path, ": ", inner};
    size_t at = 0, cap = sizeof r->err->msg - 1;
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(parts[i]);
        if (n > cap - at) n = cap - at;
        memcpy(r->err->msg + at, parts[i], n);
        at += n;
    }
    r->err->msg[at] = '\0';
    return st;
}

/* The raw stored name of a set tensor (without src->prefix). */
static const char *stored_name(const ix_reader *r, const char *name) {
    const char *p = r->src->prefix;
    return p && *p ? name + strlen(p) + 1 : name;
}

/* Each tensor the shard added is listed in weight_map, for this shard. */
static parity_status match_shard(ix_reader *r, const char *shard, size_t first) {
    for (size_t i = first; i < r->set->n_tensors; i++) {
        ix_entry key = {stored_name(r, r->set->tensors[i].name), NULL, 0};
        ix_entry *e = bsearch(&key, r->e, r->n, sizeof *r->e, by_tensor);
        char nm[96], sh[96], other[96];
        parity__msg_name(key.tensor, strlen(key.tensor), nm, sizeof nm);
        parity__msg_name(shard, strlen(shard), sh, sizeof sh);
        FAIL_IF(!e, r->err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                "%s: shard '%s': tensor '%s' is not in weight_map (expected "
                "every tensor of every shard listed)", r->path, sh, nm);
        parity__msg_name(e->shard, strlen(e->shard), other, sizeof other);
        FAIL_IF(strcmp(e->shard, shard) != 0, r->err, PARITY_E_FORMAT,
                PARITY_NO_OFFSET, "%s: shard '%s': tensor '%s' is here, but "
                "weight_map names shard '%s'", r->path, sh, nm, other);
        e->found = 1;
    }
    return PARITY_OK;
}

/* Map one shard, keep the map in the set, read it as safetensors. */
static parity_status read_shard(ix_reader *r, const char *shard) {
    const char *path = shard_path(r, shard);
    FAIL_IF(!path, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            r->path);
    parity_map map;
    TRY(wrap(r, parity__map_open(path, &map, r->err)));
    parity_status st = parity__set_keep_map(r->set, &map, r->err);
    if (st != PARITY_OK) {
        parity__map_close(&map);
        return st;
    }
    parity__source sub = {path, map.base, map.size, r->src->prefix, NULL, 0};
    size_t first = r->set->n_tensors;
    TRY(wrap(r, parity__read_safetensors(r->set, &sub, r->err)));
    return match_shard(r, shard, first);
}

/* Every listed tensor was found; total_size (strict) adds up. */
static parity_status check_totals(ix_reader *r, size_t first) {
    for (size_t k = 0; k < r->n; k++) {
        char nm[96], sh[96];
        parity__msg_name(r->e[k].tensor, strlen(r->e[k].tensor), nm, sizeof nm);
        parity__msg_name(r->e[k].shard, strlen(r->e[k].shard), sh, sizeof sh);
        FAIL_IF(!r->e[k].found, r->err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                "%s: weight_map '%s': not in shard '%s' (expected every "
                "listed tensor in the shard named)", r->path, nm, sh);
    }
    const cJSON *ts = r->meta ? cJSON_GetObjectItemCaseSensitive(r->meta, "total_size") : NULL;
    if (!ts) return PARITY_OK;
    FAIL_IF(!cJSON_IsNumber(ts) || ts->valuedouble < 0 || ts->valuedouble > 9007199254740992.0,
            r->err, PARITY_E_FORMAT, PARITY_NO_OFFSET, "%s: metadata: "
            "total_size is %s (expected a non-negative integer)", r->path,
            json_kind(ts));
    uint64_t sum = 0, want = (uint64_t)ts->valuedouble;
    for (size_t i = first; i < r->set->n_tensors; i++)
        if (!parity__add_u64(sum, r->set->tensors[i].nbytes, &sum)) sum = UINT64_MAX;
    FAIL_IF(sum != want && r->set->opts.strict, r->err, PARITY_E_FORMAT,
            PARITY_NO_OFFSET, "%s: metadata: total_size %llu, but the shards' "
            "tensors hold %llu bytes (strict mode expects them equal)", r->path,
            (unsigned long long)want, (unsigned long long)sum);
    return PARITY_OK;
}

/* No metadata key twice (cJSON keeps both). */
static parity_status meta_unique(ix_reader *r) {
    size_t n = 0, k = 0;
    for (const cJSON *c = r->meta->child; c; c = c->next) n++;
    parity_key_ref *refs = calloc(n ? n : 1, sizeof *refs);
    FAIL_IF(!refs, r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
            r->path);
    for (const cJSON *c = r->meta->child; c; c = c->next, k++)
        refs[k] = (parity_key_ref){c->string ? c->string : "", k};
    parity__keys_sort(refs, n);
    parity_status st = PARITY_OK;
    for (k = 0; k + 1 < n && st == PARITY_OK; k++) {
        if (strcmp(refs[k].key, refs[k + 1].key) != 0) continue;
        char nm[96];
        parity__msg_name(refs[k].key, strlen(refs[k].key), nm, sizeof nm);
        st = parity__fail(r->err, PARITY_E_FORMAT, PARITY_NO_OFFSET,
                          "%s: metadata '%s': key twice (expected it once)",
                          r->path, nm);
    }
    free(refs);
    return st;
}

/* The index's metadata into the set's: strings, integers in decimal. */
static parity_status take_meta(ix_reader *r) {
    if (!r->meta) return PARITY_OK;
    TRY(meta_unique(r));
    if (!r->src->take_metadata) return PARITY_OK;
    for (const cJSON *c = r->meta->child; c; c = c->next) {
        char num[32], nm[96];
        const char *k = c->string ? c->string : "";
        parity__msg_name(k, strlen(k), nm, sizeof nm);
        int text = cJSON_IsString(c), number = cJSON_IsNumber(c);
        FAIL_IF(!text && !number && r->set->opts.strict, r->err, PARITY_E_FORMAT,
                PARITY_NO_OFFSET, "%s: metadata '%s': %s (strict mode expects "
                "a string or an integer)", r->path, nm, json_kind(c));
        if (!text && !number) continue;
        if (number) snprintf(num, sizeof num, "%.17g", c->valuedouble);
        const char *v = text ? c->valuestring : num;
        TRY(parity__set_meta_add(r->set, k, strlen(k), v, strlen(v), r->err));
    }
    return PARITY_OK;
}

static parity_status read_all(ix_reader *r) {
    TRY(parse(r));
    FAIL_IF(!cJSON_IsObject(r->root), r->err, PARITY_E_FORMAT, r->scan.begin,
            "%s: index: not a JSON object (expected '{')", r->path);
    TRY(top_level(r));
    TRY(collect(r));
    size_t first = r->set->n_tensors;
    for (size_t k = 0; k < r->n_shards; k++) TRY(read_shard(r, r->shards[k]));
    TRY(check_totals(r, first));
    return take_meta(r);
}

parity_status parity__read_st_index(parity_set *set, const parity__source *src,
                                    parity_error *err) {
    ix_reader r;
    memset(&r, 0, sizeof r);
    r.set = set;
    r.path = src->path ? src->path : "(memory)";
    r.src = src;
    r.err = err;
    parity__source s = *src;
    if (!s.buf) s.len = 0;
    r.src = &s;
    parity_status st = read_all(&r);
    cJSON_Delete(r.root);
    parity__json_scan_free(&r.scan);
    free(r.e);
    free(r.shards);
    return st;
}
