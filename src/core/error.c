/* error.c — status strings and the one way errors are filled. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

const char *parity_status_str(parity_status status) {
    switch (status) {
    case PARITY_OK: return "ok";
    case PARITY_E_IO: return "input/output error";
    case PARITY_E_NOMEM: return "out of memory";
    case PARITY_E_FORMAT: return "malformed file";
    case PARITY_E_UNSUPPORTED: return "unsupported content";
    case PARITY_E_LIMIT: return "limit exceeded";
    case PARITY_E_USAGE: return "bad usage";
    case PARITY_E_NOTFOUND: return "not found";
    case PARITY_E_SHAPE: return "shapes cannot be reconciled";
    }
    return "unknown status";
}

size_t parity__escape_controls(const char *s, size_t n, char *out, size_t cap, size_t *used) {
    static const char hex[] = "0123456789abcdef";
    size_t k = 0, i = 0;
    if (used) *used = 0;
    if (cap == 0) return 0;
    for (; i < n && s[i]; i++) {
        size_t at = i;
        unsigned char c = (unsigned char)s[i];
        char e[8];
        size_t m = 0;
        if (c == '\n')
            e[m++] = '\\', e[m++] = 'n';
        else if (c == '\t')
            e[m++] = '\\', e[m++] = 't';
        else if (c == '\r')
            e[m++] = '\\', e[m++] = 'r';
        else if (c < 0x20 || c == 0x7F)
            e[m++] = '\\', e[m++] = 'x', e[m++] = hex[c >> 4], e[m++] = hex[c & 15];
        else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
                 (unsigned char)s[i + 1] <= 0x9F) { /* C1: U+0080..U+009F */
            unsigned char d = (unsigned char)s[++i];
            memcpy(e, "\\u00", 4), m = 4;
            e[m++] = hex[d >> 4], e[m++] = hex[d & 15];
        } else
            e[m++] = (char)c;
        if (k + m >= cap) {
            i = at;
            break;
        }
        memcpy(out + k, e, m);
        k += m;
    }
    out[k] = '\0';
    if (used) *used = i;
    return k;
}

/* The message is one line whatever the names in it hold: control
 * characters are escaped here, once for every caller. */
parity_status parity__fail(parity_error *err, parity_status code,
                           uint64_t offset, const char *fmt, ...) {
    if (err) {
        char raw[sizeof err->msg];
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        err->offset = offset;
        vsnprintf(raw, sizeof raw, fmt, ap);
        va_end(ap);
        parity__escape_controls(raw, sizeof raw, err->msg, sizeof err->msg, NULL);
    }
    return code;
}
