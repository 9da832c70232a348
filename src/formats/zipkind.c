/*
 * zipkind.c — which format a zip archive holds, told by its members:
 *   a member ARCHIVE/data.pkl (one directory deep)  -> PyTorch checkpoint
 *   members that all end in .npy, or none at all    -> NumPy .npz
 *   anything else: refused, naming a member that is neither.
 * The archive is validated once (zip.c) and handed to the reader. A file
 * that is no zip at all is named too: a legacy PyTorch pickle gets its
 * own message, anything else "not a zip archive" (unless it ends like
 * one: bytes prepended to an archive are named by zip.c).
 */
#include "formats/zip.h"

#include <string.h>

static int is_torch(const parity__zip_member *m) {
    size_t n = m->name_len;
    return n > 9 && memcmp(m->name + n - 9, "/data.pkl", 9) == 0 &&
           memchr(m->name, '/', n - 9) == NULL;
}

static int is_npy(const parity__zip_member *m) {
    return m->name_len >= 4 &&
           memcmp(m->name + m->name_len - 4, ".npy", 4) == 0;
}

parity_status parity__read_zip(parity_set *set, const parity__source *src,
                               parity_error *err) {
    parity__source s = *src;
    s.path = src->path ? src->path : "(buffer)";
    if (parity__sniff_torch_legacy(src->buf, src->len))
        return parity__refuse_torch_legacy(&s, err);
    FAIL_IF(!parity__is_zip(src->buf, src->len) &&
                !parity__zip_has_end(src->buf, src->len),
            err, PARITY_E_FORMAT, 0,
            "%s: not a zip archive (no \"PK\\3\\4\" local header at byte 0)",
            s.path);
    parity__zip z;
    TRY(parity__zip_open(&z, s.path, src->buf, src->len, &set->opts, err));
    size_t torch = 0, npy = 0, other = z.n;
    for (size_t i = 0; i < z.n; i++) {
        if (is_torch(&z.m[i])) torch++;
        if (is_npy(&z.m[i])) npy++;
        else if (other == z.n && !is_torch(&z.m[i])) other = i;
    }
    parity_status st;
    char q[256];
    if (torch)
        st = parity__torch_from_zip(set, &s, &z, err);
    else if (npy == z.n)
        st = parity__npz_from_zip(set, &s, &z, err);
    else
        st = parity__fail(err, PARITY_E_UNSUPPORTED, z.m[other].cd_off,
                          "%s: a zip archive of %zu members that is neither "
                          "an .npz (only NAME.npy members; '%s' is not one) "
                          "nor a PyTorch checkpoint (no ARCHIVE/data.pkl)",
                          s.path, z.n,
                          parity__zip_name(&z.m[other], q, sizeof q));
    parity__zip_close(&z);
    return st;
}
