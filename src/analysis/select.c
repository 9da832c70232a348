/*
 * select.c — --only / --skip: which tensor names a comparison keeps, and
 * the check that every glob given selects something (a filter that
 * selects nothing would compare nothing, and that is bad usage).
 */
#include "internal.h"

#include <fnmatch.h>

/* Does some name of set match glob? */
static int any_name(const parity_set *set, const char *glob) {
    for (size_t i = 0; set && i < parity_set_count(set); i++)
        if (fnmatch(glob, parity_set_tensor(set, i)->name, 0) == 0) return 1;
    return 0;
}

/* ---- results ----------------------------------------------------------- */

parity_status parity_match_check_globs(const parity_match_opts *o,
                                       const parity_set *const *sets, size_t n_sets,
                                       parity_error *err) {
    for (int g = 0; o && g < o->n_only + o->n_skip; g++) {
        int only = g < o->n_only;
        const char *glob = only ? o->only_globs[g] : o->skip_globs[g - o->n_only];
        int hit = 0;
        for (size_t s = 0; s < n_sets && !hit; s++) hit = any_name(sets[s], glob);
        FAIL_IF(!hit, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
                "--%s '%s' matches no tensor name%s (a filter that selects nothing "
                "would compare nothing)", only ? "only" : "skip", glob,
                n_sets > 1 ? " of either side" : "");
    }
    /* each glob may select something while together they keep nothing
     * (--skip '*', or --only a* --skip a*) */
    int kept = !o || o->n_only + o->n_skip == 0;
    for (size_t s = 0; s < n_sets && !kept; s++)
        for (size_t i = 0; sets[s] && i < parity_set_count(sets[s]) && !kept; i++)
            kept = parity_match_selected(o, parity_set_tensor(sets[s], i)->name);
    FAIL_IF(!kept, err, PARITY_E_USAGE, PARITY_NO_OFFSET,
            "--only/--skip together leave no tensor name%s (a filter that selects "
            "nothing would compare nothing)", n_sets > 1 ? " of either side" : "");
    return PARITY_OK;
}

int parity_match_selected(const parity_match_opts *o, const char *name) {
    if (!o) return 1;
    int keep = o->n_only == 0;
    for (int i = 0; i < o->n_only && !keep; i++)
        keep = fnmatch(o->only_globs[i], name, 0) == 0;
    for (int i = 0; i < o->n_skip && keep; i++)
        keep = fnmatch(o->skip_globs[i], name, 0) != 0;
    return keep;
}
