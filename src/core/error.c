/* error.c — status strings and the one way errors are filled. */
#include "internal.h"

#include <stdio.h>

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

parity_status parity__fail(parity_error *err, parity_status code,
                           uint64_t offset, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        err->offset = offset;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}
