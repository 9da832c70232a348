/*
 * journal.c — reading a trace journal: the single-file trace a tracer left
 * when it did not close (a crash, SIGKILL, a program that exits without
 * closing it). Byte layout and record rules in journal.h.
 *
 * Every complete record is read with the safetensors reader (its tensors
 * are views into the journal), and its metadata changes are gathered into
 * the metadata of the finished trace the journal stands for, so the opener
 * orders and marks the stages as it does for a finished file. What follows
 * the last complete record is dropped and counted in "parity.recovered",
 * the sentence parity prints for the user.
 */
#include "formats/journal.h"
#include "formats/trace_index.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A keyed change ("parity.parents" / "parity.aliases" entries, user
 * metadata): the last one given for a key wins. */
typedef struct jr_kv {
    char kind;      /* 'p' parents, 'a' aliases, 'm' user metadata         */
    char *key;      /* owned                                               */
    char *value;    /* owned: JSON text ('p', 'a') or the string ('m')     */
    size_t seq;
} jr_kv;

typedef struct jr {
    parity_set *set;
    const parity__source *src;
    parity_error *err;
    parity_buf order, inputs; /* JSON array bodies, comma-joined           */
    size_t n_order, n_inputs;
    jr_kv *kv;
    size_t n_kv, cap_kv;
    uint64_t at;              /* the record being read                     */
} jr;

int parity__is_journal(const unsigned char *buf, size_t len) {
    return len >= PARITY__JOURNAL_MAGIC_LEN &&
           memcmp(buf, PARITY__JOURNAL_MAGIC, PARITY__JOURNAL_MAGIC_LEN) == 0;
}

static uint64_t get_u64(const unsigned char *p) {
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--) v = v << 8 | p[k];
    return v;
}

static parity_status oom(const jr *r) {
    return parity__fail(r->err, PARITY_E_NOMEM, PARITY_NO_OFFSET, "%s: out of memory",
                        r->src->path);
}

/* ---- gathering the changes --------------------------------------------- */

static parity_status kv_add(jr *r, char kind, const char *key, char *value) {
    if (r->n_kv == r->cap_kv) {
        size_t cap = r->cap_kv ? 2 * r->cap_kv : 16;
        jr_kv *p = realloc(r->kv, cap * sizeof *p);
        if (!p) {
            free(value);
            return oom(r);
        }
        r->kv = p, r->cap_kv = cap;
    }
    char *k = strdup(key);
    if (!k) {
        free(value);
        return oom(r);
    }
    r->kv[r->n_kv] = (jr_kv){kind, k, value, r->n_kv};
    r->n_kv++;
    return PARITY_OK;
}

/* The names of a JSON array value appended to a list body. */
static parity_status add_names(jr *r, const char *what, const char *text, parity_buf *list,
                               size_t *n) {
    char **names = NULL;
    size_t k = 0;
    TRY(parity__json_names(r->src->path, what, text, strlen(text), &names, &k, r->err));
    for (size_t i = 0; i < k; i++) {
        if ((*n)++) parity__buf_puts(list, ",");
        parity__buf_json_str(list, names[i]);
    }
    parity__names_free(names, k);
    return list->oom ? oom(r) : PARITY_OK;
}

/* Each member of a JSON object value as a keyed change. */
static parity_status add_members(jr *r, char kind, const char *what, const char *text) {
    cJSON *o = cJSON_Parse(text);
    parity_status st = PARITY_OK;
    if (!cJSON_IsObject(o))
        st = parity__fail(r->err, PARITY_E_FORMAT, r->at,
                          "%s: journal record at byte %llu: metadata '%s': expected a JSON "
                          "object", r->src->path, (unsigned long long)r->at, what);
    for (const cJSON *c = o ? o->child : NULL; st == PARITY_OK && c; c = c->next) {
        char *v = cJSON_PrintUnformatted(c);
        st = v ? kv_add(r, kind, c->string ? c->string : "", v) : oom(r);
    }
    cJSON_Delete(o);
    return st;
}

/* One metadata entry of a record. */
static parity_status take(jr *r, const char *key, const char *value) {
    if (!strcmp(key, "parity.order")) return add_names(r, key, value, &r->order, &r->n_order);
    if (!strcmp(key, "parity.inputs")) return add_names(r, key, value, &r->inputs, &r->n_inputs);
    if (!strcmp(key, "parity.parents")) return add_members(r, 'p', key, value);
    if (!strcmp(key, "parity.aliases")) return add_members(r, 'a', key, value);
    if (!strcmp(key, "parity.format") || !strcmp(key, "parity.recovered")) return PARITY_OK;
    char *v = strdup(value);
    return v ? kv_add(r, 'm', key, v) : oom(r);
}

/* The metadata the record's read appended (set->meta[m0..)), taken out
 * of the set again; without "parity.order", the record's tensors [t0..)
 * are what it adds to the order. */
static parity_status take_record(jr *r, size_t t0, size_t m0) {
    parity_set *set = r->set;
    int has_order = 0;
    parity_status st = PARITY_OK;
    for (size_t i = m0; i < set->n_meta && st == PARITY_OK; i++) {
        has_order |= !strcmp(set->meta[i].key, "parity.order");
        st = take(r, set->meta[i].key, set->meta[i].value);
    }
    set->n_meta = m0; /* the strings stay with the set until it is freed */
    for (size_t i = t0; i < set->n_tensors && st == PARITY_OK && !has_order; i++) {
        if (r->n_order++) parity__buf_puts(&r->order, ",");
        parity__buf_json_str(&r->order, set->tensors[i].name);
    }
    return st == PARITY_OK && r->order.oom ? oom(r) : st;
}

/* ---- the records ------------------------------------------------------- */

/* A record's own error, told as the journal's: "FILE: journal record at
 * byte X: ...", its offset made the file's. */
static parity_status record_failed(jr *r, parity_status st) {
    if (!r->err) return st;
    char rest[sizeof r->err->msg];
    const char *p = r->err->msg;
    size_t n = strlen(r->src->path);
    if (!strncmp(p, r->src->path, n) && !strncmp(p + n, ": ", 2)) p += n + 2;
    snprintf(rest, sizeof rest, "%s", p);
    uint64_t off = r->err->offset;
    parity__fail(r->err, st, off == PARITY_NO_OFFSET ? r->at : r->at + 8 + off,
                 "%s: journal record at byte %llu: %s", r->src->path,
                 (unsigned long long)r->at, rest);
    return st;
}

static parity_status read_record(jr *r, const unsigned char *b, uint64_t len) {
    parity_set *set = r->set;
    size_t t0 = set->n_tensors, m0 = set->n_meta;
    parity__source sub = {r->src->path, b, (size_t)len, r->src->prefix, NULL, 1};
    parity_status st = parity__read_safetensors(set, &sub, r->err);
    if (st != PARITY_OK) return record_failed(r, st);
    for (size_t i = t0; i < set->n_tensors; i++) set->tensors[i].file_offset += r->at + 8;
    return r->src->take_metadata ? take_record(r, t0, m0) : PARITY_OK;
}

/* ---- the finished metadata --------------------------------------------- */

static int by_kind_key_seq(const void *pa, const void *pb) {
    const jr_kv *a = pa, *b = pb;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    int c = strcmp(a->key, b->key);
    return c ? c : a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int by_seq(const void *pa, const void *pb) {
    const jr_kv *a = pa, *b = pb;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Keep the last change of each key, in the order they were made. */
static void last_wins(jr *r) {
    size_t k = 0;
    if (r->n_kv > 1) qsort(r->kv, r->n_kv, sizeof *r->kv, by_kind_key_seq);
    for (size_t i = 0; i < r->n_kv; i++) {
        int last = i + 1 == r->n_kv || r->kv[i + 1].kind != r->kv[i].kind ||
                   strcmp(r->kv[i + 1].key, r->kv[i].key) != 0;
        if (!last) {
            free(r->kv[i].key);
            free(r->kv[i].value);
            continue;
        }
        r->kv[k++] = r->kv[i];
    }
    r->n_kv = k;
    if (k > 1) qsort(r->kv, k, sizeof *r->kv, by_seq);
}

static parity_status meta_add(jr *r, const char *key, const char *value) {
    return parity__set_meta_add(r->set, key, strlen(key), value, strlen(value), r->err);
}

/* "[body]" or, for kind 'p'/'a', the object of those changes. */
static parity_status put_json(jr *r, const char *key, char kind, const parity_buf *body) {
    parity_buf b = {0};
    int any = 0;
    parity__buf_puts(&b, body ? "[" : "{");
    if (body && body->len) parity__buf_put(&b, body->data, body->len);
    for (size_t i = 0; !body && i < r->n_kv; i++) {
        if (r->kv[i].kind != kind || !strcmp(r->kv[i].value, "[]")) continue; /* cleared */
        if (any++) parity__buf_puts(&b, ",");
        parity__buf_json_str(&b, r->kv[i].key);
        parity__buf_puts(&b, ":");
        parity__buf_puts(&b, r->kv[i].value);
    }
    parity__buf_puts(&b, body ? "]" : "}");
    parity_status st = b.oom ? oom(r) : body || any ? meta_add(r, key, b.data) : PARITY_OK;
    parity__buf_free(&b);
    return st;
}

static parity_status finish(jr *r, size_t records, uint64_t dropped) {
    last_wins(r);
    TRY(meta_add(r, "parity.format", "parity-trace/1"));
    TRY(put_json(r, "parity.order", 0, &r->order));
    TRY(put_json(r, "parity.inputs", 0, &r->inputs));
    TRY(put_json(r, "parity.parents", 'p', NULL));
    TRY(put_json(r, "parity.aliases", 'a', NULL));
    for (size_t i = 0; i < r->n_kv; i++)
        if (r->kv[i].kind == 'm') TRY(meta_add(r, r->kv[i].key, r->kv[i].value));
    char note[256];
    int k = snprintf(note, sizeof note,
                     "an unfinished trace (its tracer did not close it): recovered %zu "
                     "stage%s from %zu record%s", r->n_order, r->n_order == 1 ? "" : "s",
                     records, records == 1 ? "" : "s");
    if (dropped && k > 0 && (size_t)k < sizeof note)
        snprintf(note + k, sizeof note - (size_t)k,
                 "; the last %llu bytes (a stage being written) were dropped",
                 (unsigned long long)dropped);
    return meta_add(r, "parity.recovered", note);
}

static parity_status read_all(jr *r) {
    const unsigned char *b = r->src->buf;
    uint64_t len = r->src->len, at = PARITY__JOURNAL_MAGIC_LEN;
    size_t records = 0;
    while (len - at >= 8) {
        uint64_t n = get_u64(b + at);
        if (n == 0 || n > len - at - 8) break; /* cut short by the crash */
        r->at = at;
        TRY(read_record(r, b + at + 8, n));
        records++;
        uint64_t next = at + 8 + n;
        at = next + (8 - next % 8) % 8;
        if (at > len) at = len;
    }
    return r->src->take_metadata ? finish(r, records, len - at) : PARITY_OK;
}

parity_status parity__read_journal(parity_set *set, const parity__source *src,
                                   parity_error *err) {
    FAIL_IF(!parity__is_journal(src->buf, src->buf ? src->len : 0), err, PARITY_E_FORMAT, 0,
            "%s: not a parity trace journal (expected \"%s\")", src->path,
            PARITY__JOURNAL_MAGIC);
    jr r;
    memset(&r, 0, sizeof r);
    r.set = set, r.src = src, r.err = err;
    parity_status st = read_all(&r);
    for (size_t i = 0; i < r.n_kv; i++) free(r.kv[i].key), free(r.kv[i].value);
    free(r.kv);
    parity__buf_free(&r.order);
    parity__buf_free(&r.inputs);
    return st;
}
