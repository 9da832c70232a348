/*
 * merge_read.c — typed fields of the JSON parity merge reads (the reports
 * of parity diff, their "state"), each check one line, each failure one
 * message that names the file, the line, the tensor and the field.
 */
#include "merge_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TWO53 9007199254740992.0

parity_status parity__rd_fail(const parity__rd *rd, const char *path, const char *key,
                              const char *fmt, ...) {
    char what[256], where[160] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (rd->line > 0) snprintf(where, sizeof where, " line %ld:", rd->line);
    return parity__fail(rd->err, PARITY_E_FORMAT, PARITY_NO_OFFSET, "%s:%s%s%.128s%s %s%s%s: %s",
                        rd->file, where, rd->tensor ? " tensor '" : "",
                        rd->tensor ? rd->tensor : "", rd->tensor ? "':" : "", path,
                        path[0] && key[0] ? "." : "", key, what);
}

/* The item, or an error that it is missing. */
static parity_status item(const parity__rd *rd, const cJSON *o, const char *path,
                          const char *key, const cJSON **out) {
    *out = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!*out) return parity__rd_fail(rd, path, key, "missing");
    return PARITY_OK;
}

parity_status parity__rd_obj(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, const cJSON **out) {
    TRY(item(rd, o, path, key, out));
    if (!cJSON_IsObject(*out)) return parity__rd_fail(rd, path, key, "expected an object");
    return PARITY_OK;
}

parity_status parity__rd_arr(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, const cJSON **out) {
    TRY(item(rd, o, path, key, out));
    if (!cJSON_IsArray(*out)) return parity__rd_fail(rd, path, key, "expected an array");
    return PARITY_OK;
}

parity_status parity__rd_str(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, int or_null, const char **out) {
    const cJSON *j;
    TRY(item(rd, o, path, key, &j));
    *out = NULL;
    if (or_null && cJSON_IsNull(j)) return PARITY_OK;
    if (!cJSON_IsString(j) || !j->valuestring)
        return parity__rd_fail(rd, path, key, "expected a string");
    *out = j->valuestring;
    return PARITY_OK;
}

parity_status parity__rd_bool(const parity__rd *rd, const cJSON *o, const char *path,
                              const char *key, int *out) {
    const cJSON *j;
    TRY(item(rd, o, path, key, &j));
    if (!cJSON_IsBool(j)) return parity__rd_fail(rd, path, key, "expected true or false");
    *out = cJSON_IsTrue(j) ? 1 : 0;
    return PARITY_OK;
}

/* An integer-valued JSON number in [lo, hi] (|lo|, |hi| <= 2^53). */
static int integral(const cJSON *j, double lo, double hi) {
    return cJSON_IsNumber(j) && j->valuedouble >= lo && j->valuedouble <= hi &&
           j->valuedouble == floor(j->valuedouble);
}

parity_status parity__rd_u64(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, uint64_t *out) {
    const cJSON *j;
    TRY(item(rd, o, path, key, &j));
    if (!integral(j, 0, TWO53))
        return parity__rd_fail(rd, path, key, "expected an integer from 0 to 2^53");
    *out = (uint64_t)j->valuedouble;
    return PARITY_OK;
}

parity_status parity__rd_pos(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, uint64_t *out) {
    const cJSON *j;
    TRY(item(rd, o, path, key, &j));
    if (cJSON_IsNull(j)) {
        *out = PARITY__NO_POS;
        return PARITY_OK;
    }
    if (!integral(j, 0, TWO53))
        return parity__rd_fail(rd, path, key, "expected a position (an integer) or null");
    *out = (uint64_t)j->valuedouble;
    return PARITY_OK;
}

parity_status parity__rd_int(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, long long lo, long long hi, long long *out) {
    const cJSON *j;
    TRY(item(rd, o, path, key, &j));
    if (!integral(j, (double)lo, (double)hi))
        return parity__rd_fail(rd, path, key, "expected an integer from %lld to %lld", lo, hi);
    *out = (long long)j->valuedouble;
    return PARITY_OK;
}

int parity__rd_double_of(const cJSON *j, double *out) {
    const char *s = cJSON_IsString(j) ? j->valuestring : NULL;
    if (cJSON_IsNumber(j) && isfinite(j->valuedouble)) *out = j->valuedouble;
    else if (s && strcmp(s, "nan") == 0) *out = NAN;
    else if (s && strcmp(s, "inf") == 0) *out = INFINITY;
    else if (s && strcmp(s, "-inf") == 0) *out = -INFINITY;
    else return -1;
    return 0;
}

parity_status parity__rd_double(const parity__rd *rd, const cJSON *o, const char *path,
                                const char *key, double *out) {
    const cJSON *j;
    TRY(item(rd, o, path, key, &j));
    if (parity__rd_double_of(j, out) != 0)
        return parity__rd_fail(rd, path, key, "expected a number, \"nan\", \"inf\" or \"-inf\"");
    return PARITY_OK;
}

parity_status parity__rd_num(const parity__rd *rd, const cJSON *o, const char *path,
                             const char *key, double *out) {
    const cJSON *j;
    TRY(item(rd, o, path, key, &j));
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble))
        return parity__rd_fail(rd, path, key, "expected a number");
    *out = j->valuedouble;
    return PARITY_OK;
}

parity_status parity__rd_xsum(const parity__rd *rd, const cJSON *o, const char *path,
                              const char *key, parity_xsum *out) {
    const char *s;
    TRY(parity__rd_str(rd, o, path, key, 0, &s));
    if (parity__xsum_parse(out, s) != 0)
        return parity__rd_fail(rd, path, key, "expected an exact sum such as \"0x1b3p-20\" "
                               "(odd hex digits, a power of two), \"0\", \"nan\", \"inf\" or "
                               "\"-inf\"");
    return PARITY_OK;
}

parity_status parity__rd_shape(const parity__rd *rd, const cJSON *o, const char *path,
                               const char *key, int *ndim, int64_t *shape, uint64_t *count) {
    const cJSON *a;
    TRY(parity__rd_arr(rd, o, path, key, &a));
    int n = 0;
    uint64_t c = 1;
    for (const cJSON *d = a->child; d; d = d->next) {
        if (n == PARITY_MAX_DIMS)
            return parity__rd_fail(rd, path, key, "more than %d dimensions", PARITY_MAX_DIMS);
        if (!integral(d, 0, TWO53) || !parity__mul_u64(c, (uint64_t)d->valuedouble, &c) ||
            c > (uint64_t)INT64_MAX)
            return parity__rd_fail(rd, path, key, "expected lengths (integers >= 0) whose "
                                   "product is below 2^63");
        shape[n++] = (int64_t)d->valuedouble;
    }
    *ndim = n;
    if (count) *count = c;
    return PARITY_OK;
}
