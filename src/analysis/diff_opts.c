/*
 * diff_opts.c — the small vocabulary of a comparison: verdict names,
 * value domains (dB per unit of difference) and default options.
 */
#include "internal.h"

#include <math.h>
#include <string.h>

const char *parity_verdict_str(parity_verdict v) {
    switch (v) {
    case PARITY_MATCH: return "MATCH";
    case PARITY_SMALL_DIFF: return "SMALL DIFF";
    case PARITY_LARGE_DIFF: return "LARGE DIFF";
    }
    return "?";
}

static const char *const DOMAIN_NAMES[] = {
    "linear", "ln-mag", "ln-power", "log10-mag", "log10-power", "db",
};
#define N_DOMAINS (sizeof DOMAIN_NAMES / sizeof DOMAIN_NAMES[0])

/* A difference Δ of natural-log magnitudes is a ratio e^Δ: 20·log10(e^Δ)
 * = Δ·20/ln 10 dB; powers take 10 instead of 20; log10 values need no ln. */
double parity_domain_db_per_unit(parity_domain d) {
    switch (d) {
    case PARITY_DOMAIN_LINEAR: return 0.0;
    case PARITY_DOMAIN_LN_MAG: return 20.0 / log(10.0);
    case PARITY_DOMAIN_LN_POWER: return 10.0 / log(10.0);
    case PARITY_DOMAIN_LOG10_MAG: return 20.0;
    case PARITY_DOMAIN_LOG10_POWER: return 10.0;
    case PARITY_DOMAIN_DB: return 1.0;
    }
    return 0.0;
}

const char *parity_domain_name(parity_domain d) {
    if ((unsigned)d >= N_DOMAINS) return "?";
    return DOMAIN_NAMES[d];
}

int parity_domain_parse(const char *name, parity_domain *out) {
    if (!name) return -1;
    for (size_t i = 0; i < N_DOMAINS; i++) {
        if (strcmp(name, DOMAIN_NAMES[i]) != 0) continue;
        if (out) *out = (parity_domain)i;
        return 0;
    }
    return -1;
}

parity_diff_opts parity_diff_opts_default(void) {
    parity_diff_opts o;
    memset(&o, 0, sizeof o);
    o.atol = 0.0;
    o.rtol = 0.0;
    o.match_tol = 1e-4;
    o.small_tol = 1e-2;
    o.domain = PARITY_DOMAIN_LINEAR;
    o.max_db = 0.0;
    o.n_axes = 0;
    o.threads = 1;
    return o;
}

int parity_simd_parse(const char *name, parity_simd *out) {
    static const char *const names[] = {"auto", "scalar", "sse2", "avx2", "avx512"};
    if (!name) return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) != 0) continue;
        if (out) *out = (parity_simd)i;
        return 0;
    }
    return -1;
}
